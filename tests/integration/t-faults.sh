#!/bin/bash
# t-faults: ezpz under faults, with the real mpirun on this host: a launcher
# that is missing or cannot run, a hostfile that is missing at the start or
# disappears once the launch has begun, ranks that fail while the others run
# on, a --log on a full disk, and setup-env in a working directory where the
# venv cannot be made (read-only, full).  Each case must end with its
# documented exit status (ezpz-launch(1), ezpz-setup-env(1)) and message,
# and lose or leave behind nothing: no output missing, no process alive, no
# half-made venv, no change to the user's shell.  t-launch-mpirun.sh has the
# plain cases (signals, exit statuses, watchdog); t-faults-slurm.sh has the
# same faults under srun on the local Slurm cluster.
#
# The disk cases mount small tmpfs file systems (root); where that cannot be
# done they are skipped, and the test then exits 77 if all else passed.
# shellcheck disable=SC2016 # $RANK and friends are for the ranks' shells
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
unset PBS_JOBID PBS_NODEFILE SLURM_JOB_ID SLURM_JOBID SLURM_NODELIST SLURM_JOB_NODELIST \
	FLUX_JOB_ID LSB_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID EZPZ_LAUNCHER EZPZ_MACHINE \
	MASTER_ADDR MASTER_PORT CPU_BIND VIRTUAL_ENV CONDA_PREFIX
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=localhost
cd "$T_TMP" || t_bail "no $T_TMP"   # the ranks' working directory: nothing lands in the tree
MARK=ezpz-t-faults-$$   # in every rank's command line, to find leftovers
skipped=()
mounts=()

leftovers() { pgrep -af "$MARK" || true; }

# Nothing of ours may outlive the test, mounts included.
cleanup() {
	local m
	for m in "${mounts[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$T_TMP"
}
trap cleanup EXIT

# small_fs DIR SIZE [ro]: a tmpfs of SIZE at DIR; fails if it cannot be made.
small_fs() {
	mkdir -p "$1"
	[ "$(id -u)" = 0 ] || return 1
	mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$1" 2>/dev/null || return 1
	mounts+=("$1")
}

# ---- the launcher --------------------------------------------------------------

mkdir -p "$T_TMP/empty" "$T_TMP/badbin"
t_run env PATH="$T_TMP/empty" "$EZPZ" launch -n 2 -- true
t_eq "no launcher on PATH: exit 127" 127 "$RC"
t_match "... and says what it looked for" \
	"^ezpz: launch: no launcher: found none of mpiexec, mpirun, mpiexec.hydra, mpiexec.mpich, mpirun.mpich, mpiexec.openmpi, mpirun.openmpi on PATH; load your MPI module or pass --launcher$" "$ERR"
t_nomatch "... before anything ran" "Executing" "$ERR"

t_run env PATH="$T_TMP/empty" "$EZPZ" launch -q --launcher openmpi -n 2 -- true
t_eq "--launcher openmpi, no mpirun: exit 127" 127 "$RC"
t_match "... naming the command and the flavour" \
	"^ezpz: mpirun: command not found on PATH \(the openmpi launcher\)" "$ERR"

t_run env PATH="$T_TMP/empty" SLURM_JOB_ID=42 SLURM_JOB_NODELIST='n[1-2]' \
	"$EZPZ" launch -q -n 2 -- true
t_eq "Slurm job, no srun: exit 127" 127 "$RC"
t_match "... srun named too" "found none of mpiexec, mpirun, .*mpirun.openmpi, srun on PATH" "$ERR"

printf '\177ELF, but not really\n' >"$T_TMP/badbin/mpirun"
chmod 755 "$T_TMP/badbin/mpirun"
t_run env PATH="$T_TMP/badbin" "$EZPZ" launch -q --launcher openmpi -n 2 -- true
t_eq "a launcher that cannot be executed: exit 126" 126 "$RC"
t_match "... and why" "^ezpz: mpirun: cannot execute: Exec format error$" "$ERR"

# A launcher that leaves a child behind, under a PID 1 that never reaps
# orphans (a container whose entrypoint is not an init): ezpz stops the
# child, and must then see it gone, not wait out --grace for its zombie and
# warn that something "outlived" the launcher.
printf '#!/bin/sh\n( sleep 30 ) &\nexit 0\n' >"$T_TMP/badbin/mpiexec"
chmod 755 "$T_TMP/badbin/mpiexec"
printf 'import subprocess, sys\nsys.exit(subprocess.Popen(sys.argv[1:]).wait())   # reaps its one child only\n' \
	>"$T_TMP/noreap.py"
if [ "$(id -u)" = 0 ] && unshare --pid --fork --mount-proc true 2>/dev/null; then
	t_run t_timeout 60 env PATH="$T_TMP/badbin:/usr/bin:/bin" unshare --pid --fork --mount-proc \
		python3 "$T_TMP/noreap.py" "$EZPZ" launch -q --launcher mpich --grace 5 -n 1 -- true
	t_eq "a launcher's orphan, under a non-reaping PID 1: exit 0" 0 "$RC"
	t_nomatch "... and no false 'outlived it' (ezpz waited for a zombie)" "outlived" "$ERR"
else
	skipped+=("a launcher's orphan under a non-reaping PID 1 (unshare --pid)")
fi

# ---- the hostfile ----------------------------------------------------------------

t_run "$EZPZ" launch --hostfile "$T_TMP/nodes.txt" -n 2 -- true
t_eq "--hostfile missing at the start: exit 1" 1 "$RC"
t_eq "... an error naming it" \
	"ezpz: hostfile '$T_TMP/nodes.txt' (from --hostfile): No such file or directory" "$ERR"
t_run env HOSTFILE="$T_TMP/nodes.txt" "$EZPZ" launch -n 2 -- true
t_eq "\$HOSTFILE missing at the start: exit 1, naming it" \
	"1 ezpz: hostfile '$T_TMP/nodes.txt' (from HOSTFILE): No such file or directory" "$RC $ERR"

# Gone once mpirun has read it: the launch has begun and must finish.
echo 'localhost slots=4' >"$T_TMP/hosts"
"$EZPZ" launch -q --hostfile "$T_TMP/hosts" -n 4 -- sh -c \
	"while [ ! -e '$T_TMP/go' ]; do sleep 0.1; done; echo rank \$RANK done # $MARK" \
	>"$T_TMP/out" 2>"$T_TMP/err" &
pid=$!
for _ in $(seq 100); do [ "$(pgrep -fc "^sh -c while .* # $MARK")" -ge 4 ] && break; sleep 0.1; done
rm "$T_TMP/hosts"
touch "$T_TMP/go"
wait "$pid"
t_eq "hostfile removed mid-run: the run finishes, exit 0" 0 "$?"
t_eq "... every rank's output" "rank 0 done,rank 1 done,rank 2 done,rank 3 done" \
	"$(sort "$T_TMP/out" | paste -sd,)"
rm -f "$T_TMP/go"

# Gone after ezpz read it but before the launcher did: the launcher's own
# error, and its status, with nothing started.
mkdir -p "$T_TMP/wrap"
cat >"$T_TMP/wrap/mpirun" <<EOF
#!/bin/sh
rm -f '$T_TMP/hosts'
exec $(command -v mpirun) "\$@"
EOF
chmod 755 "$T_TMP/wrap/mpirun"
echo 'localhost slots=4' >"$T_TMP/hosts"
t_run env PATH="$T_TMP/wrap:$PATH" "$EZPZ" launch --hostfile "$T_TMP/hosts" -n 4 -- \
	sh -c "echo ran # $MARK"
t_eq "hostfile gone before the launcher read it: the launcher's failure, exit 1" 1 "$RC"
t_match "... the launcher names the file" "unable to open the hostfile" "$ERR"
t_match "... and ezpz's trailer the status" "^ezpz: failed with exit 1 after [0-9.]+s$" "$ERR"
t_eq "... no rank ran" "" "$OUT"

# ---- ranks that fail while the others run on -----------------------------------

start=$(date +%s)
t_run t_timeout 90 "$EZPZ" launch -q -n 4 --grace 3 -- sh -c \
	"[ \"\$RANK\" = 1 ] && exit 3; sleep 60 # $MARK"
t_eq "a rank exits 3, the others run on: exit 3" 3 "$RC"
t_eq "... and mpirun ends the others (not 60 s later)" yes \
	"$([ $(($(date +%s) - start)) -lt 45 ] && echo yes || echo no)"
t_run t_timeout 90 "$EZPZ" launch -q -n 4 --grace 3 -- sh -c \
	"[ \"\$RANK\" = 2 ] && kill -SEGV \$\$; sleep 60 # $MARK"
t_eq "a rank dies of SIGSEGV, the others run on: exit 128+11" 139 "$RC"
sleep 1
t_eq "failed ranks: no rank or launcher left" "" "$(leftovers)"

# ---- what the ranks start ---------------------------------------------------------

# A rank's child that ignores SIGTERM, in the rank's process group (Open MPI
# gives each rank one of its own): a SIGTERM to ezpz must still leave
# nothing of the run alive, however its parents die.
tag=faults-orphan-$$
EZPZ_T_TAG=$tag "$EZPZ" launch -q -n 2 --grace 2 -- bash -c \
	"trap '' TERM INT HUP; sleep 1000 & wait; wait; sleep 1000" >/dev/null 2>"$T_TMP/err" &
pid=$!
for _ in $(seq 100); do [ "$(pgrep -c -x sleep -P "$(t_tagged "$tag" | paste -sd, -)")" -ge 2 ] && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
t_eq "a rank's child that ignores SIGTERM, SIGTERM to ezpz: exit 143" 143 "$?"
if left=$(t_tagged_gone "$tag"); then t_pass "... and nothing of the run is left"
else t_fail "... and nothing of the run is left"; echo "$left" | sed 's/^/  /'; t_tagged_kill "$tag"; fi

# The same child, left behind by a rank that exits normally.
EZPZ_T_TAG=$tag t_timeout 60 "$EZPZ" launch -q -n 2 --grace 1 -- bash -c \
	"trap '' TERM; (sleep 1000 <&- >&- 2>&-) & echo started" >"$T_TMP/out" 2>"$T_TMP/err"
t_eq "a rank's child left behind after a normal end: exit 0" 0 "$?"
if left=$(t_tagged_gone "$tag"); then t_pass "... and it does not outlive the run"
else t_fail "... and it does not outlive the run"; echo "$left" | sed 's/^/  /'; t_tagged_kill "$tag"; fi

# ---- --log ------------------------------------------------------------------------

t_run "$EZPZ" launch -q --log "$T_TMP/no/such/dir/run.log" -n 2 -- sh -c "echo ran # $MARK"
t_eq "--log in a missing directory: exit 1 before the run" "1 " "$RC $OUT"
t_match "... naming the file, before the launch line" "^ezpz: launch: log '$T_TMP/no/such/dir/run.log': cannot open it, so nothing was run: No such file or directory$" "$ERR"

# Each rank prints 2000 lines of 38 bytes and a line on stderr, then waits
# for the others (so that mpirun, when rank 1 fails, has nothing to cut).
# mpirun forwards the ranks' output in chunks, not lines: the checks count
# bytes, not lines per rank.
lines='i=0; while [ $i -lt 2000 ]; do printf "rank %d line %05d %s\n" "$RANK" $i xxxxxxxxxxxxxxxxxxx; i=$((i + 1)); done'
for r in 0 1 2 3; do RANK=$r sh -c "$lines"; done >"$T_TMP/expected"
bytes() { python3 -c 'import collections, sys; print(sorted(collections.Counter(open(sys.argv[1], "rb").read()).items()))' "$1"; }
# The log has both streams; without the (whole) stderr lines, and a piece
# of one at its very end, it must be the start of what reached stdout.
log_is_prefix() {
	python3 - "$1" "$T_TMP/out" <<-'EOF'
		import re, sys
		log, out = (open(f, "rb").read() for f in sys.argv[1:3])
		log = re.sub(rb"rank [0-3] stderr\n", b"", log)
		log = re.sub(rb"r(a(n(k( ([0-3]( (s(t(d(e(rr?)?)?)?)?)?)?)?)?)?)?)?$", b"", log) if not out.startswith(log) else log
		print("same" if len(log) > 0 and out.startswith(log) else "differs")
	EOF
}
warned="output still goes to the terminal, the log stops here: No space left on device$"
full_log() {   # what status-of-rank-1
	rm -rf "$T_TMP/done"
	mkdir "$T_TMP/done"
	"$EZPZ" launch -q --log "$T_TMP/full/run.log" -n 4 -- sh -c \
		"$lines; echo \"rank \$RANK stderr\" >&2; touch '$T_TMP/done/'\$RANK
		while [ \$(ls '$T_TMP/done' | wc -l) -lt 4 ]; do sleep 0.05; done
		[ \"\$RANK\" = 1 ] && exit $2; exit 0 # $MARK" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	t_eq "$1: every byte reached the terminal" "8000 304000" \
		"$(wc -l <"$T_TMP/out") $(wc -c <"$T_TMP/out")"
	t_eq "$1: ... the same bytes the ranks wrote" "$(bytes "$T_TMP/expected")" "$(bytes "$T_TMP/out")"
	t_eq "$1: stderr too" 4 "$(grep -c 'rank [0-3] stderr' "$T_TMP/err")"
	t_eq "$1: warned once" 1 "$(grep -c "^ezpz: log '$T_TMP/full/run.log': writing failed; $warned" \
		"$T_TMP/err")"
	t_eq "$1: the log holds what came first, not garbage" same "$(log_is_prefix "$T_TMP/full/run.log")"
	rm -f "$T_TMP/full/run.log"
}
if small_fs "$T_TMP/full" 64k; then
	full_log "--log on a full disk, the job succeeds" 0
	t_eq "... exit 1" 1 "$RC"
	t_match "... saying the log is incomplete" \
		"^ezpz: launch: the run succeeded but its log '$T_TMP/full/run.log' is incomplete \(see above\)$" \
		"$(cat "$T_TMP/err")"
	full_log "--log on a full disk, a rank fails" 3
	t_eq "... the job's status wins: exit 3" 3 "$RC"
	# --log-dir: the attempt's log and each rank's stop, each said; the
	# ranks run to their end (a full disk does not stop the job), and the
	# run says its logs are incomplete (it said it succeeded, exit 0)
	"$EZPZ" launch -q --log-dir "$T_TMP/full/ld" -n 2 -- sh -c \
		"$lines # $MARK" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	t_eq "--log-dir on a full disk: exit 1, every line still reached the terminal" "1 4000" \
		"$RC $(wc -l <"$T_TMP/out")"
	t_eq "... each rank says its log is incomplete" 2 \
		"$(grep -c "^ezpz rankenv: rank [01] on .*: its log '$T_TMP/full/ld/attempt-1/rank-[01].log' is incomplete$" "$T_TMP/err")"
	t_match "... and the run, last" \
		"ezpz: launch: the run succeeded but its logs in '$T_TMP/full/ld' are incomplete \(see above\)$" \
		"$(cat "$T_TMP/err")"
	rm -rf "$T_TMP/full/ld"
else
	skipped+=("--log on a full disk (cannot mount a tmpfs)")
fi

# ---- setup-env where the venv cannot be made ---------------------------------
# In a clean bash: eval of what setup-env printed must fail and leave the
# exported environment and the functions exactly as they were.

setup_env_in() {   # dir: prints "RC_OF_SETUP_ENV RC_OF_EVAL same|changed"
	(cd "$1" && env -i PATH=/usr/bin:/bin HOME="$T_TMP" LC_ALL=C.UTF-8 SHELL=/bin/bash \
		EZPZ_TOPOLOGY="$EZPZ_TOPOLOGY" EZPZ_HOSTNAME=localhost EZPZ="$EZPZ" T="$T_TMP" \
		bash --norc --noprofile -c '
		snap() { env -0 | tr "\0" "\n" | grep -v "^_=" | sort; declare -F; }
		snap >"$T/before"
		code=$("$EZPZ" setup-env --shell bash --no-modules --without-pip 2>"$T/err")
		rc=$?
		printf "%s" "$code" >"$T/code"
		eval "$code"
		erc=$?
		snap >"$T/after"
		cmp -s "$T/before" "$T/after" && same=same || same=changed
		echo "$rc $erc $same"')
}
[ -x /usr/bin/python3 ] || skipped+=("setup-env cases (no /usr/bin/python3)")
if [ -x /usr/bin/python3 ] && small_fs "$T_TMP/ro" 64k ro; then
	t_eq "setup-env, read-only working directory: exit 1, eval fails, shell unchanged" \
		"1 1 same" "$(setup_env_in "$T_TMP/ro")"
	t_match "... says why" "venv $T_TMP/ro/venvs/.*failed \(exit 1\): cannot create $T_TMP/ro/venvs" \
		"$(cat "$T_TMP/err")"
	t_match "... with the cause" "Read-only file system" "$(cat "$T_TMP/err")"
	t_match "... and that nothing changed" "nothing was changed in your shell" "$(cat "$T_TMP/err")"
	t_eq "... the code printed only runs false" "false;" "$(grep -v '^[{}]$' "$T_TMP/code")"
	t_eq "... nothing created" "" "$(ls -A "$T_TMP/ro")"
elif [ -x /usr/bin/python3 ]; then
	skipped+=("setup-env in a read-only directory (cannot mount a tmpfs)")
fi
if [ -x /usr/bin/python3 ] && small_fs "$T_TMP/tiny" 24k; then
	t_eq "setup-env, the disk fills while making the venv: exit 1, eval fails, shell unchanged" \
		"1 1 same" "$(setup_env_in "$T_TMP/tiny")"
	t_match "... says why" "No space left on device" "$(cat "$T_TMP/err")"
	t_eq "... no half-made venv left" "" \
		"$(find "$T_TMP/tiny" -mindepth 3 -maxdepth 3 | sed "s|^$T_TMP/tiny/||")"
elif [ -x /usr/bin/python3 ]; then
	skipped+=("setup-env on a full disk (cannot mount a tmpfs)")
fi

sleep 0.5
t_eq "nothing left running" "" "$(leftovers)"
if [ "$T_FAILED" = 0 ] && [ ${#skipped[@]} -gt 0 ]; then
	echo "# $T_N checks passed"
	t_skip "not run: ${skipped[*]}"
fi
t_done
