#!/bin/bash
# t-setup-env-undo: eval "$(ezpz setup-env --undo)" after eval "$(ezpz
# setup-env)" with the real Lmod, in clean bash, zsh, dash and fish: the
# environment is exactly what it was before (modules, venv, the job's
# variables, __EZPZ_UNDO itself), `module list` shows nothing loaded, and
# the launch function is gone.  Two setup-envs, then one undo, go back to
# after the first; with nothing to undo it says so and prints no code.
# shellcheck disable=SC2016 # $VARs in single quotes are for the test shells
. "$EZPZ_TOP/tests/lib.sh"
need_cmd python3 zsh dash fish bash env sort
LMOD_INIT=/usr/share/lmod/lmod/init
[ -r "$LMOD_INIT/bash" ] || t_skip "Lmod is not installed (apt-get install lmod)"
/usr/bin/python3 -c 'import venv' 2>/dev/null || t_skip "python3 has no venv module"

T=$T_TMP
. "$EZPZ_TOP/tests/fixtures/setup-env/lib.sh"
se_tree lua
# env, less what every shell changes by itself
snap() { printf '%s\n' "env | grep -v -e '^_=' -e '^SHLVL=' | LC_ALL=C sort >\"\$OUTD/$1\""; }

POSIX='SH=$1; INIT=$2
'"$(snap '$SH.u0')"'
eval "$("$EZPZ" setup-env --shell "$SH" --without-pip)" || { echo "setup-env failed"; exit 1; }
echo "loaded: SE_HELLO=${SE_HELLO:+set} VIRTUAL_ENV=${VIRTUAL_ENV:+set} undo=${__EZPZ_UNDO:+set}"
type launch >/dev/null 2>&1 && echo "launch: defined"
eval "$("$EZPZ" setup-env --shell "$SH" --undo)" || { echo "undo failed"; exit 1; }
'"$(snap '$SH.u1')"'
type launch >/dev/null 2>&1 && echo "launch: still defined"
. "$INIT"
module list 2>&1 | tr -s " \n" "  "; echo'
FISH='set INIT $argv[1]
env | grep -v -e "^_=" -e "^SHLVL=" | LC_ALL=C sort >$OUTD/fish.u0
$EZPZ setup-env --shell fish --without-pip | source; or begin; echo "setup-env failed"; exit 1; end
set -q VIRTUAL_ENV; and set -q __EZPZ_UNDO; and echo "loaded: SE_HELLO=set VIRTUAL_ENV=set undo=set"
functions -q launch; and echo "launch: defined"
$EZPZ setup-env --shell fish --undo | source; or begin; echo "undo failed"; exit 1; end
env | grep -v -e "^_=" -e "^SHLVL=" | LC_ALL=C sort >$OUTD/fish.u1
functions -q launch; and echo "launch: still defined"
source $INIT
module list 2>&1 | tr -s " \n" "  "; echo'

for sh in bash zsh sh fish; do
	case $sh in sh) init=$LMOD_INIT/sh ;; *) init=$LMOD_INIT/$sh ;; esac
	if [ "$sh" = fish ]; then t_run se_clean fish "$FISH" "$init"
	else t_run se_clean "$sh" "$POSIX" "$sh" "$init"; fi
	t_eq "$sh: setup-env, then --undo: exit 0" 0 "$RC"
	[ "$RC" = 0 ] || printf '%s\n%s\n' "$OUT" "$ERR" | sed 's/^/  | /'
	t_match "$sh: the setup took (module, venv, the undo record)" \
		"^loaded: SE_HELLO=set VIRTUAL_ENV=set undo=set$" "$OUT"
	t_match "$sh: launch was defined" "^launch: defined$" "$OUT"
	t_nomatch "$sh: launch is gone after --undo" "still defined" "$OUT"
	t_diff "$sh: the environment is what it was before" "$T_TMP/o/$sh.u0" "$(cat "$T_TMP/o/$sh.u1")"
	t_match "$sh: no module loaded" "No modules loaded" "$OUT"
	t_match "$sh: --undo says what it put back" "ezpz: setup-env: undo: [0-9]+ variables? put back, [0-9]+ unset" "$ERR"
done

# Two setup-envs (the second loads one more module), one undo: back to after the first.
t_run se_clean bash '
eval "$("$EZPZ" setup-env --shell bash --without-pip)"
'"$(snap two.a)"'
eval "$("$EZPZ" setup-env --shell bash --module tclmod/2.0 --module-use "$OUTD")" || exit 1
echo "second: LOADEDMODULES=$LOADEDMODULES"
eval "$("$EZPZ" setup-env --shell bash --undo)" || exit 1
'"$(snap two.b)"'
type launch >/dev/null 2>&1 && echo "launch: kept"'
t_eq "two setup-envs, one undo: exit 0" 0 "$RC"
t_diff "... back to after the first" "$T_TMP/o/two.a" "$(cat "$T_TMP/o/two.b")"
t_match "... launch stays (the first setup-env's)" "^launch: kept$" "$OUT"

t_run se_clean bash '"$EZPZ" setup-env --undo'
t_eq "nothing to undo: exit 1" 1 "$RC"
t_eq "... only false (an eval of nothing would return 0)" "false;" "$OUT"
t_match "... says why" "nothing to undo in this shell \(__EZPZ_UNDO is unset" "$ERR"
t_run se_clean bash 'set -e; eval "$("$EZPZ" setup-env --undo -q)"; echo went on'
t_eq "... so a set -e script stops there" "1:" "$RC:$OUT"
t_run se_clean bash '__EZPZ_UNDO=$PWD/gone.env0 "$EZPZ" setup-env --undo -q'
t_eq "a record that is gone: exit 1, false" "1:false;" "$RC:$OUT"
t_run se_clean bash '__EZPZ_UNDO=/x "$EZPZ" setup-env --undo --module foo'
t_eq "--undo with other options: usage error" 2 "$RC"
t_done
