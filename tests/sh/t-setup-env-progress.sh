#!/bin/bash
# t-setup-env-progress: setup-env shows each step as it happens.  At a real
# terminal (tests/tools/pty-run.py) the step's line appears when it starts,
# counts the seconds on the same line, and is replaced by its result; in a
# log (stderr not a terminal) one plain line per step as it ends, with no
# terminal codes; -q prints neither.  The venv step is made slow on purpose:
# a python3 first on PATH that sleeps 2.5 s before `-m venv`.
. "$EZPZ_TOP/tests/lib.sh"

python3 -c 'import venv' 2>/dev/null || t_skip "python3 has no venv module"
PTY=$EZPZ_TOP/tests/tools/pty-run.py
real=$(command -v python3)
mkdir -p "$T_TMP/bin" "$T_TMP/w"
cat >"$T_TMP/bin/python3" <<SLOW
#!/bin/sh
[ "\$1 \$2" = "-m venv" ] && sleep 2.5
exec "$real" "\$@"
SLOW
chmod +x "$T_TMP/bin/python3"
se() {   # se VENV [ARGS...]: setup-env in a clean environment, code to /dev/null
	local v=$1
	shift
	env -i PATH="$T_TMP/bin:/usr/bin:/bin" HOME="$T_TMP" LC_ALL=C.UTF-8 EZPZ_HOSTNAME=testhost \
		EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" \
		sh -c 'exec "$0" setup-env --shell bash --no-modules --without-pip --venv "$@" >/dev/null' \
		"$EZPZ" "$v" "$@"
}
export -f se
export T_TMP FIX EZPZ

# ---- at a terminal -------------------------------------------------------------
v=$T_TMP/w/tty
t_run python3 "$PTY" --wait 120 -- bash -c "se '$v'"
t_eq "at a terminal: exit 0" 0 "$RC"
t_match "... the step's line appears when it starts" "\[1/1\] venv $v \.\.\." "$OUT"
t_match "... counts the seconds on that line" "\[1/1\] venv $v \.\.\. 2 s"$'\r' "$OUT"
t_match "... and is replaced by the result, with its time" \
	$'\r\033\\[K'"ezpz: setup-env: \[1/1\] venv $v: ok \(created with [^)]*\) in [2-9]\.[0-9] s" "$OUT"
t_eq "... the result is on a line of its own, once" 1 "$(grep -c ": ok (created" <<<"$OUT")"

# ---- in a log -------------------------------------------------------------------
v=$T_TMP/w/log
t_run se "$v"
t_eq "in a log: exit 0" 0 "$RC"
t_match "... one plain line when the step ends, with its time" \
	"^ezpz: setup-env: \[1/1\] venv $v: ok \(created with [^)]*\) in [2-9]\.[0-9] s\$" "$ERR"
t_nomatch "... no terminal codes, no live line" $'\r|\033|\\.\\.\\.' "$ERR"

# ---- -q ----------------------------------------------------------------------------
v=$T_TMP/w/quiet
t_run python3 "$PTY" --wait 120 -- bash -c "se '$v' -q"
t_eq "-q at a terminal: exit 0" 0 "$RC"
t_nomatch "... prints no progress" "setup-env: \[1/1\]" "$OUT"

# ---- a message during a step starts on a line of its own ---------------------------
v=$T_TMP/w/int
t_run python3 "$PTY" --wait 120 --ctrl-c-after "venv $v ... 1 s" -- bash -c "se '$v'"
t_eq "Ctrl-C during the venv step: exit 130" 130 "$RC"
t_match "... the message is not glued to the live line" $'\n''ezpz: interrupted by signal 2' "$OUT"
t_done
