#!/bin/bash
# t-setup-env-envmodules: eval "$(ezpz setup-env)" with the real
# Environment Modules (Tcl modulecmd), in clean non-login bash, zsh, dash
# and fish: the same checks as with Lmod (tests/fixtures/setup-env/lib.sh),
# with Tcl modulefiles.  The module system is found from its standard files
# alone (no MODULESHOME or MODULES_CMD in the clean shells), and from
# MODULESHOME; an unknown and a failing module make the eval fail and
# change nothing.
#
# Environment Modules and Lmod conflict as Debian packages, so this test
# skips (77) where Environment Modules is not installed.  CI swaps:
#   apt-get purge -y lmod && apt-get install -y environment-modules
#   TESTS=envmodules tests/run
#   apt-get purge -y environment-modules && apt-get install -y lmod
# EZPZ_TEST_EM_HOME=DIR runs it against a copy installed elsewhere (its
# MODULESHOME; then MODULESHOME is passed to the shells).
# shellcheck disable=SC2016 # $VARs in single quotes are for the test shells
. "$EZPZ_TOP/tests/lib.sh"
need_cmd python3 zsh dash fish bash env sort
EM_HOME=${EZPZ_TEST_EM_HOME:-/usr/share/modules}
[ -r "$EM_HOME/init/bash" ] ||
	t_skip "Environment Modules is not installed (apt-get install environment-modules; it conflicts with lmod)"
/usr/bin/python3 -c 'import venv' 2>/dev/null || t_skip "python3 has no venv module"

T=$T_TMP
. "$EZPZ_TOP/tests/fixtures/setup-env/lib.sh"
se_tree tcl
if [ -n "${EZPZ_TEST_EM_HOME:-}" ]; then
	SE_EXTRA_ENV=(MODULESHOME="$EM_HOME")
	how="MODULESHOME=$EM_HOME"
else
	how="found /etc/profile.d/modules.sh"
fi

t_run se_clean bash '"$EZPZ" setup-env --dry-run --json'
t_run python3 -c 'import json, sys; d = json.loads(sys.argv[1]); m = d["module_system"]
print(m["kind"] + " | " + m["why"])' "$OUT"
t_match "the module system is Environment Modules ($how)" "^Environment Modules \\| $how" "$OUT"

for sh in bash zsh sh fish; do
	se_shell_ok "$sh" "$EM_HOME/init" 'Currently Loaded Modulefiles: 1\) hello/1.0 2\) tclmod/2.0' \
		'^> _LMFILES_='
done
t_match "Environment Modules' own state is carried" '^> MODULES_CMD=' "$(diff "$T/o/bash.before" "$T/o/bash.after1")"

for sh in bash fish; do
	se_fail "unknown module" "$sh" 'module load nosuch/9\.9 \(from --module\): failed' \
		--module nosuch/9.9
done
t_match "unknown module: modulecmd's own message is shown" "Unable to locate a modulefile for 'nosuch/9.9'" \
	"$(cat "$T/o/f.err")"
se_fail "a module that fails to load" sh 'module load broken/1\.0.*failed' --module broken/1.0
t_match "a failing module: its error is shown" 'broken on purpose' "$(cat "$T/o/f.err")"

if [ -z "${EZPZ_TEST_EM_HOME:-}" ]; then
	SE_EXTRA_ENV=(MODULESHOME=/usr/share/modules)
	t_run se_clean bash '"$EZPZ" setup-env --json'
	t_run python3 -c 'import json, sys; d = json.loads(sys.argv[1])
print(d["ok"], d["module_system"]["kind"] + " | " + d["module_system"]["why"])' "$OUT"
	t_eq "found from MODULESHOME too" "True Environment Modules | MODULESHOME=/usr/share/modules" "$OUT"
fi

t_done
