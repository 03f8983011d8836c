#!/bin/bash
# t-leaks: the unit tests leak nothing.  Runs them under LeakSanitizer, each
# report going to a file of its own: Criterion runs every test in a child
# process and takes no notice of how a child exits after its test passed,
# so the reports, not the exit status, are what count.  Any leak, or any
# other sanitizer report, fails the test and is printed with its stack.
#
# With `make check SANITIZE=1` the unit tests are already built with ASan;
# otherwise an ASan build of them is made in $EZPZ_BUILD/leaks.  First a
# canary (a Criterion test that leaks on purpose) must be caught, so that a
# leak check that cannot see leaks here (LSan needs ptrace-like stopping of
# threads, which some sandboxes refuse) is a skip, not a pass.  Under gVisor
# LSan works.  (valgrind --trace-children=yes works too, but takes 4 minutes
# on 2 cores for what LSan does in 10 s.)
. "$EZPZ_TOP/tests/lib.sh"
need_cmd "${CC:-cc}" pkg-config make
pkg-config --exists criterion || t_skip "no Criterion (pkg-config criterion)"

unit=$EZPZ_BUILD/tests/unit_tests
unset MAKEFLAGS MFLAGS MAKELEVEL
if ! grep -q __asan_init "$unit" 2>/dev/null; then
	unit=$EZPZ_BUILD/leaks/tests/unit_tests
	if ! make -s -j2 -C "$EZPZ_TOP" SANITIZE=1 O="$EZPZ_BUILD/leaks" "$unit" >"$T_TMP/build.log" 2>&1; then
		tail -n 30 "$T_TMP/build.log"
		t_bail "cannot build the unit tests with ASan"
	fi
fi
[ -x "$unit" ] || t_bail "no $unit"

# Our settings, whatever the suite's (tests/run turns leak checking off for
# the rest of the suite under SANITIZE=1).
lsan_run() {   # logdir cmd...
	local dir=$1
	shift
	rm -rf "$dir"
	mkdir -p "$dir"
	ASAN_OPTIONS=detect_leaks=1:log_path=$dir/report:abort_on_error=0 \
	LSAN_OPTIONS=report_objects=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$dir/report "$@"
}

# The canary: a leak inside a Criterion test, built like the unit tests.
cat >"$T_TMP/canary.c" <<'EOF'
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *volatile sink;

Test(canary, leaks)
{
	sink = strdup("leaked on purpose");
	sink = NULL;
}
EOF
# shellcheck disable=SC2046 # pkg-config's flags are words
if ! "${CC:-cc}" -g -fsanitize=address -fno-omit-frame-pointer $(pkg-config --cflags criterion) \
	-o "$T_TMP/canary" "$T_TMP/canary.c" $(pkg-config --libs criterion) >"$T_TMP/canary.log" 2>&1; then
	sed 's/^/  /' "$T_TMP/canary.log"
	t_bail "cannot build the canary"
fi
lsan_run "$T_TMP/canary-reports" "$T_TMP/canary" --jobs 1 >/dev/null 2>&1
if ! cat "$T_TMP"/canary-reports/report.* 2>/dev/null | grep -q 'canary_leaks_impl'; then
	t_skip "LeakSanitizer cannot see a leak in a Criterion test here (no report from the canary)"
fi
t_pass "canary: LeakSanitizer catches a leak in a Criterion test"

export EZPZ_TOP
lsan_run "$T_TMP/reports" "$unit" -j2 >"$T_TMP/unit.log" 2>&1
synth=$(grep 'Synthesis' "$T_TMP/unit.log")
t_match "unit tests ran and passed under ASan" 'Failing: 0 \| Crashing: 0' "$synth"
[ "$T_FAILED" = 0 ] || grep -E '^\[(FAIL|----)\]' "$T_TMP/unit.log" | head -n 20

leaks=() other=()
for f in "$T_TMP"/reports/report.*; do
	[ -e "$f" ] || continue
	if grep -q 'LeakSanitizer' "$f"; then leaks+=("$f"); else other+=("$f"); fi
done
t_eq "no leaks in the unit tests" 0 "${#leaks[@]}"
for f in "${leaks[@]}"; do
	grep -E '^(Direct|Indirect) leak|^    #[0-9]+ ' "$f" | grep -v -E 'libcriterion|libc_start|_start ' |
		head -n 40 | sed 's/^/  /'
done
t_eq "no other sanitizer reports" 0 "${#other[@]}"
for f in "${other[@]}"; do
	grep -E 'ERROR|runtime error|SUMMARY|^    #[0-9] ' "$f" | head -n 12 | sed 's/^/  /'
done
t_done
