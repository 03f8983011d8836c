#!/bin/bash
# t-setup-env-nomodsys: on a machine with no module system (every standard
# Lmod and Environment Modules file hidden in a private mount namespace,
# and none of LMOD_CMD, MODULES_CMD, MODULESHOME set), a profile with
# modules makes setup-env fail before running anything: exit 1, it names
# what it looked for and how to fix it, the eval fails, a set -e script
# stops, and the shell is unchanged.  --no-modules still works there, and
# the Python check's advice says `module` is not defined.
# shellcheck disable=SC2016 # $VARs in single quotes are for the test shell
. "$EZPZ_TOP/tests/lib.sh"
need_root
need_cmd unshare mount python3
unshare -m true 2>/dev/null || t_skip "unshare -m does not work here"

T=$T_TMP
mkdir -p "$T/cfg" "$T/work" "$T/home"
cat >"$T/cfg/nomod.yaml" <<'EOF'
name: nomod
modules:
  load: [frameworks/2025.2.0]
EOF

# The files setup-env looks for (src/setupenv.c, standard[]).
files="/etc/profile.d/lmod.sh /etc/profile.d/z00_lmod.sh /etc/profile.d/modules.sh \
/usr/share/lmod/lmod/init/bash /opt/apps/lmod/lmod/init/bash \
/usr/share/modules/init/bash /usr/share/Modules/init/bash"

# hidden SCRIPT [ARGS]: SCRIPT in a clean bash, in a mount namespace where
# each of those files is /dev/null (not a regular file: not found).
hidden() {
	local script=$1
	shift
	unshare -m bash -c '
		for f in '"$files"'; do
			[ -e "$f" ] && { mount --bind /dev/null "$f" || exit 99; }
		done
		script=$1; shift
		cd "$W" && exec env -i PATH=/usr/bin:/bin HOME="$H" LC_ALL=C.UTF-8 \
			EZPZ_CONFIG_DIR="$C" EZPZ_MACHINE=nomod EZPZ_HOSTNAME=testhost \
			EZPZ="$EZPZ" OUTD="$O" ${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} \
			${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} \
			bash --norc --noprofile -c "$script" bash "$@"
	' hidden "$script" "$@"
}
export W=$T/work H=$T/home C=$T/cfg O=$T

t_run hidden 'for f in /etc/profile.d/lmod.sh /usr/share/lmod/lmod/init/bash; do [ -f "$f" ] && echo "$f"; done; echo checked'
t_eq "the module system is hidden" "checked" "$OUT"

t_run hidden '
env | LC_ALL=C sort >"$OUTD/before"
eval "$("$EZPZ" setup-env --shell bash --no-venv 2>"$OUTD/err")" || echo "eval failed"
env | LC_ALL=C sort >"$OUTD/after"
cmp -s "$OUTD/before" "$OUTD/after" && echo "env unchanged"
(set -e; eval "$("$EZPZ" setup-env --shell bash -q --no-venv 2>/dev/null)"; echo "set -e went on")
"$EZPZ" setup-env --shell bash --no-venv 2>/dev/null; echo "rc=$?"
'
t_eq "no module system: the eval fails, env unchanged, set -e stops, exit 1" \
	$'eval failed\nenv unchanged\n{\nfalse;\n}\nrc=1' "$OUT"
ERR=$(cat "$T/err")
t_match "it says no module system was found" \
	'module system: none found .*failed.*no module system found \(LMOD_CMD, MODULES_CMD and MODULESHOME are unset' "$ERR"
t_match "it says how to fix it" 'fix: run where Lmod or Environment Modules is installed' "$ERR"
t_match "it lists where it looked" '\| /etc/profile.d/lmod.sh' "$ERR"
t_nomatch "nothing ran: no bash steps" 'running [0-9]+ step' "$ERR"

t_run hidden '"$EZPZ" setup-env --shell bash --no-modules --no-venv --allow-system-python -q'
t_eq "--no-modules works without a module system" 0 "$RC"
t_match "--no-modules: the job's facts" '^export EZPZ_SCHEDULER=local;$' "$OUT"

t_run hidden '"$EZPZ" setup-env --shell bash --no-modules --no-venv'
t_eq "no Python environment: exit 1" 1 "$RC"
t_match "the advice says 'module' is not defined" '`module` is not defined in this shell' "$ERR"
t_match "the advice names the fix" 'module load frameworks/' "$ERR"

t_done
