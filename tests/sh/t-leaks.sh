#!/bin/bash
# t-leaks: the unit tests and the ezpz binary leak nothing.  Runs the unit
# tests under LeakSanitizer, each
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
#
# Then the binary (an ASan build) runs the commands that load this host's
# hwloc topology, and each must exit without a leak report.  One library
# allocation is not ours and is kept out: libpciaccess caches PCI names in
# a static tree it never frees (pci_get_strings, called by hwloc's pci
# plugin); hwloc unloads that plugin, and libpciaccess with it, when the
# topology is destroyed, so LSan sees 1016 bytes "leaked" from an unknown
# module (no suppression pattern can name a module that is gone by then).
# Preloading libpciaccess keeps exactly that library mapped, its cache
# reachable; every other allocation is still checked.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd "${CC:-cc}" pkg-config make
pkg-config --exists criterion || t_skip "no Criterion (pkg-config criterion)"

unit=$EZPZ_BUILD/tests/unit_tests bin=$EZPZ_BUILD/bin/ezpz
unset MAKEFLAGS MFLAGS MAKELEVEL
if ! grep -q __asan_init "$unit" 2>/dev/null; then
	unit=$EZPZ_BUILD/leaks/tests/unit_tests bin=$EZPZ_BUILD/leaks/bin/ezpz
	if ! make -s -j2 -C "$EZPZ_TOP" SANITIZE=1 O="$EZPZ_BUILD/leaks" "$unit" "$bin" share \
		>"$T_TMP/build.log" 2>&1; then
		tail -n 30 "$T_TMP/build.log"
		t_bail "cannot build the unit tests and ezpz with ASan"
	fi
fi
[ -x "$unit" ] || t_bail "no $unit"
[ -x "$bin" ] || t_bail "no $bin"

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

# ---- the binary, at exit ----------------------------------------------------------
# libpciaccess as hwloc's pci plugin links it (none: no plugin, nothing to keep).
pciaccess=
for plugin in /usr/lib/*/hwloc/hwloc_pci.so /usr/lib*/hwloc/hwloc_pci.so /usr/local/lib/hwloc/hwloc_pci.so; do
	[ -e "$plugin" ] || continue
	pciaccess=$(ldd "$plugin" 2>/dev/null | awk '/libpciaccess/ { print $3; exit }')
	break
done
# bin_leaks WHAT ARGS...: one check, no sanitizer report from ezpz ARGS
bin_leaks() {
	local what=$1 f reports=()
	shift
	lsan_run "$T_TMP/bin-reports" env ${pciaccess:+LD_PRELOAD="$pciaccess"} \
		ASAN_OPTIONS=detect_leaks=1:log_path=$T_TMP/bin-reports/report:abort_on_error=0:verify_asan_link_order=0 \
		PATH=/usr/bin:/bin HOME="$T_TMP" EZPZ_HOSTNAME=testhost "$bin" "$@" >/dev/null 2>&1
	for f in "$T_TMP"/bin-reports/report.*; do
		[ -e "$f" ] && reports+=("$f")
	done
	t_eq "ezpz $what: no leak or other report at exit" 0 "${#reports[@]}"
	for f in "${reports[@]}"; do
		grep -E 'ERROR|SUMMARY|^(Direct|Indirect) leak|^    #[0-9] ' "$f" | head -n 16 | sed 's/^/  /'
	done
}
bin_leaks "info (this host's topology)" info
bin_leaks "info --json" info --json
bin_leaks "launch --dry-run" launch --dry-run -- true
bin_leaks "doctor" doctor
bin_leaks "setup-env --dry-run" setup-env --dry-run --no-modules
bin_leaks "info --topology XML" info --topology "$FIX/topo/synthetic-nogpu.xml"
bin_leaks "hostlist expand" hostlist expand 'n[1-3]'
bin_leaks "submit --dry-run" submit --dry-run --scheduler slurm -- true
t_done
