#!/bin/bash
# t-setup-env: 'ezpz setup-env' without a module system (--no-modules, the
# system python3), in real shells.  --dry-run's comments hold every hostile
# value (working directory, profile path, profile default, module name,
# MODULESHOME) on one comment line each, so its eval runs nothing, in bash,
# zsh, dash and fish.  A profile default does not beat a value the user
# set, even an empty one.  Moving from one job to another (the reviewer's
# case: a PBS job with a nodefile, then a Slurm job) unsets the first job's
# HOSTFILE, so 'ezpz info' sees the new job's hosts.  The module-system
# runs are tests/integration/t-setup-env-*.sh.
# shellcheck disable=SC2016 # $VARs in single quotes are for the test shells
. "$EZPZ_TOP/tests/lib.sh"
need_cmd python3

T=$T_TMP
mkdir -p "$T/cfg" "$T/home"
cat >"$T/cfg/semach.yaml" <<'EOF'
name: semach
env:
  SE_DEFAULT: from-profile
  SE_EMPTY: from-profile
EOF

# in DIR SHELL SCRIPT [NAME=VALUE...]: SCRIPT in a clean SHELL started in DIR
in_dir() {
	local dir=$1 sh=$2 script=$3
	shift 3
	local -a cmd
	case $sh in
	bash) cmd=(bash --norc --noprofile -c "$script") ;;
	zsh) cmd=(zsh -f -c "$script") ;;
	sh) cmd=(dash -c "$script") ;;
	fish) cmd=(fish --no-config -c "$script") ;;
	esac
	(cd "$dir" && env -i PATH=/usr/bin:/bin HOME="$T/home" LC_ALL=C.UTF-8 EZPZ="$EZPZ" \
		EZPZ_HOSTNAME=testhost EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" \
		${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} ${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} \
		"$@" "${cmd[@]}")
}

# ---- --dry-run: no value breaks out of its comment ---------------------------------
# Each case: a hostile value where the dry run shows it; the output must be
# comments only, and its eval must run nothing.
hostile=$'dd\necho INJECTED;'
mkdir -p "$T/$hostile" "$T/cr"$'\r'"x" "$T/cfg$hostile"
cp "$T/cfg/semach.yaml" "$T/cfg$hostile/"
printf 'name: envnl\nenv:\n  SE_X: "a\\necho INJECTED;"\n' >"$T/cfg/envnl.yaml"
dry_case() {   # WHAT DIR ARGS [NAME=VALUE...]
	local what=$1 dir=$2 args=$3 sh
	shift 3
	for sh in bash zsh sh fish; do
		command -v "${sh/#sh/dash}" >/dev/null || { t_fail "$what: $sh is not installed"; continue; }
		if [ "$sh" = fish ]; then
			t_run in_dir "$dir" fish "\$EZPZ setup-env --dry-run --shell fish $args 2>/dev/null | source; \
				echo evaluated" "$@"
		else
			t_run in_dir "$dir" "$sh" 'out=$("$EZPZ" setup-env --dry-run --shell '"$sh $args"' 2>/dev/null)
				eval "$out"; echo evaluated' "$@"
		fi
		t_eq "$what ($sh): the eval runs nothing" "evaluated" "$OUT"
	done
	t_run in_dir "$dir" bash '"$EZPZ" setup-env --dry-run --shell bash '"$args"' 2>/dev/null' "$@"
	t_nomatch "$what: every line is a comment" '^[^#]' "$OUT"
	t_nomatch "$what: no carriage return" $'\r' "$OUT"
	t_match "$what: the value is shown, with '?'" 'dd\?echo INJECTED;|a\?echo INJECTED;|cr\?x' "$OUT"
}
dry_case "working directory with a newline" "$T/$hostile" "--no-modules"
dry_case "working directory with a carriage return" "$T/cr"$'\r'"x" "--no-modules"
dry_case "profile path with a newline" "$T" "--no-modules --no-venv" \
	EZPZ_CONFIG_DIR="$T/cfg$hostile" EZPZ_MACHINE=semach
dry_case "profile default with a newline" "$T" "--no-modules --no-venv" \
	EZPZ_CONFIG_DIR="$T/cfg" EZPZ_MACHINE=envnl
dry_case "module name with a newline" "$T" "--no-venv --module '$hostile'" \
	MODULESHOME="$T/nomods"
dry_case "MODULESHOME with a newline" "$T" "--no-venv --module m/1" MODULESHOME="/opt/$hostile"

# ---- a value the user set beats the profile's default, even an empty one --------------
SE='"$EZPZ" setup-env --shell bash --no-modules --no-venv --allow-system-python -q'
t_run in_dir "$T" bash 'eval "$('"$SE"')" || echo "eval failed"
	echo "SE_DEFAULT=$SE_DEFAULT SE_EMPTY=${SE_EMPTY-unset} SE_SET=$SE_SET"' \
	EZPZ_CONFIG_DIR="$T/cfg" EZPZ_MACHINE=semach SE_EMPTY= SE_SET=mine
t_eq "profile defaults: an empty value the user set wins" \
	"SE_DEFAULT=from-profile SE_EMPTY= SE_SET=mine" "$OUT"
t_run in_dir "$T" bash "$SE" EZPZ_CONFIG_DIR="$T/cfg" EZPZ_MACHINE=semach SE_EMPTY=
t_nomatch "profile defaults: nothing printed for the empty value" 'SE_EMPTY' "$OUT"
t_run in_dir "$T" bash "$SE" EZPZ_CONFIG_DIR="$T/cfg" EZPZ_MACHINE=semach
t_match "profile defaults: set when the user has none" '^export SE_EMPTY=from-profile;$' "$OUT"

# ---- another job's HOSTFILE does not outlive it ----------------------------------------
printf 'n1\nn2\n' >"$T/nodefile"
t_run in_dir "$T" bash '
export PBS_JOBID=111.pbs01 PBS_NODEFILE=$NODEFILE
eval "$('"$SE"')" || echo "first eval failed"
echo "pbs: HOSTFILE=${HOSTFILE-unset} EZPZ_JOBID=$EZPZ_JOBID"
unset PBS_JOBID PBS_NODEFILE
export SLURM_JOB_ID=222 SLURM_JOB_NODELIST="s[1-3]" SLURM_NNODES=3
eval "$('"$SE"' 2>/dev/null)" || echo "second eval failed"
echo "slurm: HOSTFILE=${HOSTFILE-unset} EZPZ_JOBID=$EZPZ_JOBID"
"$EZPZ" info 2>&1 | grep -E "^(hosts|hostfile) |ignoring"
' EZPZ_HOSTNAME=n1 NODEFILE="$T/nodefile"
t_eq "PBS job 111, then Slurm job 222: HOSTFILE unset, info sees the Slurm hosts" \
	"pbs: HOSTFILE=$T/nodefile EZPZ_JOBID=111
slurm: HOSTFILE=unset EZPZ_JOBID=222
hosts        3: s[1-3] (env:SLURM_JOB_NODELIST)
hostfile     -" "$OUT"
t_run in_dir "$T" bash '"$EZPZ" setup-env --dry-run --shell bash --no-modules --no-venv' \
	SLURM_JOB_ID=222 SLURM_JOB_NODELIST="s[1-3]" HOSTFILE="$T/nodefile" EZPZ_JOBID=111
t_match "--dry-run says it would unset HOSTFILE" '^#   unset HOSTFILE \(this job has none\)$' "$OUT"
t_run in_dir "$T" bash '"$EZPZ" setup-env --dry-run --json --no-modules --no-venv' \
	SLURM_JOB_ID=222 SLURM_JOB_NODELIST="s[1-3]" HOSTFILE="$T/nodefile" EZPZ_JOBID=111
t_eq "--dry-run --json: unset has HOSTFILE" '["HOSTFILE"]' \
	"$(python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1])["unset"]))' "$OUT")"

# ---- a startup file that runs setup-env is not read by its steps ------------------------
# BASH_ENV=~/.bashrc holding the man page's "only inside a job" snippet:
# each step bash read it and started another setup-env, without end.
mkdir -p "$T/be"
cat >"$T/be/rc" <<'EOF'
export SE_DEPTH=$(( ${SE_DEPTH:-0} + 1 )); echo "depth $SE_DEPTH" >>"$SE_LOG"
[ "$SE_DEPTH" -ge 5 ] && return 0
if [ -n "${SLURM_JOB_ID-}" ]; then
	eval "$("$EZPZ" setup-env -q --no-modules --without-pip)" || echo "setup-env failed" >&2
fi
EOF
: >"$T/be/log"
t_run in_dir "$T/be" bash 'echo "VIRTUAL_ENV=$VIRTUAL_ENV BASH_ENV=$BASH_ENV"; env | grep -c __EZPZ_SETUP_ENV_STEP' \
	BASH_ENV="$T/be/rc" SE_LOG="$T/be/log" SLURM_JOB_ID=5 SLURM_JOB_NODELIST=testhost
t_eq "BASH_ENV runs setup-env: once, not from inside its steps" "depth 1" "$(cat "$T/be/log")"
t_eq "... the venv is active, BASH_ENV kept, no marker left in the shell" \
	"VIRTUAL_ENV=$T/be/venvs/generic/be-usr BASH_ENV=$T/be/rc
0" "$OUT"
t_run in_dir "$T" bash '"$EZPZ" setup-env -q --no-modules --no-venv --allow-system-python' \
	__EZPZ_SETUP_ENV_STEP=4242
t_eq "setup-env inside another's step: exit 1, only false" "1:false;" "$RC:$OUT"
t_match "... says why and what to do" "^ezpz: setup-env: started inside a step of another ezpz setup-env \(pid 4242\): .*skip it when __EZPZ_SETUP_ENV_STEP is set$" "$ERR"

# ---- undo records: one file each, old ones removed ----------------------------------------
st=$T/home/.local/state/ezpz/setup-env
mkdir -p "$st" && : >"$st/undo-1-1-oldold.env0" && : >"$st/undo-2-2-recent.env0" && : >"$st/keep.txt"
touch -d '100 days ago' "$st/undo-1-1-oldold.env0" "$st/keep.txt"
touch -d '80 days ago' "$st/undo-2-2-recent.env0"
t_run in_dir "$T" bash 'for i in 1 2; do eval "$("$EZPZ" setup-env -q --no-modules --no-venv --allow-system-python)"
	echo "$__EZPZ_UNDO"; export EZPZ_HOSTS=h$i; done'
t_match "a record is named by time, pid and a random part" "^$st/undo-[0-9]+-[0-9]+-[A-Za-z0-9]{6}\.env0$" "$(head -1 <<<"$OUT")"
t_eq "... two setup-envs, two records" 2 "$(sort -u <<<"$OUT" | grep -c '^/')"
t_eq "... a record of 100 days ago is removed; one of 80 days and other files stay" "recent keep" \
	"$(for f in undo-1-1-oldold.env0:old undo-2-2-recent.env0:recent keep.txt:keep; do
		[ -e "$st/${f%%:*}" ] && printf '%s ' "${f#*:}"; done | sed 's/ $//')"

# Code printed on a terminal changes nothing: it says so, and how to apply it.
if command -v script >/dev/null; then
	t_run script -qec "env -i PATH=/usr/bin:/bin HOME=$T LC_ALL=C.UTF-8 '$EZPZ' setup-env -q --no-modules --no-venv --allow-system-python" /dev/null
	t_match "setup-env on a terminal: says the code changed nothing, and to eval it" \
		'ezpz: setup-env: the code above changed nothing in this shell; to apply it: eval "\$\(ezpz setup-env\)"' "$OUT"
	t_run in_dir "$T" bash '"$EZPZ" setup-env -q --no-modules --no-venv --allow-system-python | cat'
	t_nomatch "... not when its output goes to eval (a pipe here)" "changed nothing" "$ERR"
else
	t_fail "script(1) (bsdutils) is missing: the terminal check cannot run"
fi
# A venv whose Python is gone (its bin/python3 a broken link): said so, and how to fix it.
if /usr/bin/python3 -m venv --without-pip "$T/vgone" 2>/dev/null; then
	for f in "$T"/vgone/bin/python*; do ln -sf /nonexistent/python3.99 "$f"; done
	t_run in_dir "$T" bash '"$EZPZ" setup-env -q --no-modules --venv "$VGONE"' VGONE="$T/vgone"
	t_match "a venv whose python is gone: exit 1, the broken link named, and what to do" \
		"venv $T/vgone \(from --venv\): failed \(exit 1\): its bin/python3 is a broken link to '/nonexistent/python3.99': the Python it was made with is gone; remove $T/vgone \(rm -rf\)" "$RC:$ERR"
else
	t_fail "python3 -m venv failed: the broken-venv check cannot run"
fi
# A python3 that is found but does not start fails setup-env, as doctor says.
mkdir -p "$T/vbad/bin"
printf '#!/bin/sh\necho "broken on purpose" >&2\nexit 3\n' >"$T/vbad/bin/python3"
chmod +x "$T/vbad/bin/python3"
t_run in_dir "$T" bash '"$EZPZ" setup-env -q --no-modules --no-venv' PATH="$T/vbad/bin:/usr/bin:/bin" \
	VIRTUAL_ENV="$T/vbad"
t_eq "a python3 that does not run: exit 1, its own words, nothing changed" \
	"1:ezpz: setup-env: python3 at $T/vbad/bin/python3 does not run (exit 3): broken on purpose; fix or deactivate the environment that provides it
ezpz: setup-env: nothing was changed in your shell: the code printed for eval only runs 'false'" "$RC:$ERR"
jsonok() { python3 -c 'import json, sys; d = json.loads(sys.argv[1]); print(d["ok"], d["error"])' "$1" 2>&1; }
t_run in_dir "$T" bash '"$EZPZ" setup-env --json --shell bash --no-modules --no-venv'
t_eq "--json with --shell: a usage error, as in info" "2:ezpz: setup-env: choose one of --json and --shell" "$RC:$ERR"
t_eq "... and --json's one object says so" "False setup-env: choose one of --json and --shell" "$(jsonok "$OUT")"
# --json fails as one object also before any step: the job, an option
t_run in_dir "$T" bash '"$EZPZ" setup-env --json --no-modules --no-venv' HOSTFILE="$T/none"
t_eq "--json, HOSTFILE missing: exit 1, one object with the error" \
	"1:False hostfile '$T/none' (from HOSTFILE): No such file or directory" "$RC:$(jsonok "$OUT")"
t_run in_dir "$T" bash '"$EZPZ" setup-env --bogus --json'
t_eq "--json after an unknown option: exit 2, one object" \
	"2:False setup-env: unknown option '--bogus' (see 'ezpz setup-env --help')" "$RC:$(jsonok "$OUT")"

# ---- a read-only variable: nothing changes, and the eval fails ------------------------
# bash went on past the export it refused (status 0, the rest applied), zsh
# stopped half-way, dash exited.
for sh in bash zsh sh; do
	t_run in_dir "$T" "$sh" 'readonly NHOSTS=7
		eval "$("$EZPZ" setup-env -q --no-modules --no-venv --allow-system-python --shell '"$sh"')"
		echo "rc=$? EZPZ_JOBID=${EZPZ_JOBID-unset} NHOSTS=$NHOSTS undo=${__EZPZ_UNDO-unset}"' \
		SLURM_JOB_ID=5 SLURM_JOB_NODELIST=testhost
	t_eq "read-only NHOSTS ($sh): the eval fails, nothing changed" \
		"rc=1 EZPZ_JOBID=unset NHOSTS=7 undo=unset" "$OUT"
	t_match "... says so" "ezpz: setup-env: this shell refused a change \(above: a read-only variable or function\?\); nothing was changed" "$ERR"
done
t_run in_dir "$T" bash 'eval "$("$EZPZ" setup-env -q --no-modules --no-venv --allow-system-python)"
	readonly EZPZ_JOBID; eval "$("$EZPZ" setup-env --undo -q)"; echo "rc=$? NHOSTS=${NHOSTS-unset}"' \
	SLURM_JOB_ID=5 SLURM_JOB_NODELIST=testhost
t_eq "--undo with a read-only variable: fails, nothing undone" "rc=1 NHOSTS=1" "$OUT"
t_run in_dir "$T" bash 'launch() { :; }; readonly -f launch
	eval "$("$EZPZ" setup-env -q --no-modules --no-venv --allow-system-python)"
	echo "rc=$? NHOSTS=${NHOSTS-unset}"' SLURM_JOB_ID=5 SLURM_JOB_NODELIST=testhost
t_eq "a read-only launch function (bash): the eval fails, nothing changed" "rc=1 NHOSTS=unset" "$OUT"

# ---- the man page says what 'module list' needs ----------------------------------------
t_match "ezpz-setup-env(1): module is a function, not carried" \
	'functions do not travel' "$(tr '\n' ' ' <"$EZPZ_TOP/man/ezpz-setup-env.1")"
t_run "$EZPZ" setup-env --help
t_match "--help: 'module list' works where 'module' is defined" "'module list'.*works where 'module' is defined" \
	"$(tr '\n' ' ' <<<"$OUT")"

t_done
