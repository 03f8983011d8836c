# tests/lib.sh: sourced by every tests/sh and tests/integration script.
# Each check prints "ok N - what" or "not ok N - what" plus the evidence;
# t_done exits non-zero if any check failed.
set -u
: "${EZPZ:?run through tests/run or make check}"
T_N=0 T_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ezpz-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
FIX=$EZPZ_TOP/tests/fixtures

t_pass() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
t_fail() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $1"; }

# t_eq WHAT EXPECTED ACTUAL
t_eq() {
	if [ "$2" = "$3" ]; then t_pass "$1"; else
		t_fail "$1"
		printf '  expected: %s\n  actual:   %s\n' "$2" "$3"
	fi
}

# t_match WHAT REGEX ACTUAL (grep -E on the whole text)
t_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then t_pass "$1"; else
		t_fail "$1"
		printf '  wanted /%s/ in:\n%s\n' "$2" "$3" | sed 's/^/  /'
	fi
}

t_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		t_fail "$1"
		printf '  did not want /%s/ in:\n%s\n' "$2" "$3" | sed 's/^/  /'
	else t_pass "$1"; fi
}

# t_run: run a command, capturing OUT, ERR and RC (never fails the script)
t_run() {
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}

# t_diff WHAT EXPECTED_FILE ACTUAL_TEXT
t_diff() {
	if printf '%s\n' "$3" | diff -u "$2" - >"$T_TMP/diff"; then t_pass "$1"; else
		t_fail "$1"
		sed 's/^/  /' "$T_TMP/diff"
	fi
}

# ezpz under a clean environment: env -i plus what a user always has.
ezpz_clean() {
	env -i PATH="${T_PATH:-/usr/bin:/bin}" HOME="$T_TMP" LC_ALL=C.UTF-8 \
		EZPZ_HOSTNAME="${T_HOSTNAME:-testhost}" "$@"
}

t_skip() { echo "skip: $*"; exit 77; }

t_done() {
	echo "# $T_N checks, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}
