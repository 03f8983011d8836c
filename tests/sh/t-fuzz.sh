#!/bin/bash
# t-fuzz: the fuzz targets of tests/fuzz, briefly.  Builds them with clang
# (tests/fuzz/fuzz.mk, into $EZPZ_BUILD/fuzz), replays every seed and
# regression input in tests/fuzz/corpus, fuzzes each target for a few
# seconds, and puts a few batches of random values through the shell
# emitters and the real shells.  `make fuzz` is the long run.
#
# Skips (77) only when clang cannot link -fsanitize=fuzzer here (Debian 12:
# apt-get install clang libclang-rt-14-dev).  EZPZ_FUZZ_SECONDS changes the
# time per target (default 3), EZPZ_FUZZ_SEED the shell round trip's seed.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd clang python3 make

printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
	>"$T_TMP/probe.c"
if ! clang -fsanitize=fuzzer,address,undefined -o "$T_TMP/probe" "$T_TMP/probe.c" \
	>"$T_TMP/probe.log" 2>&1; then
	sed 's/^/  /' "$T_TMP/probe.log" | head -n 5
	t_skip "clang cannot link -fsanitize=fuzzer (install libclang-rt-14-dev)"
fi

# A make of our own: not a job slot of the make that runs the suite.
unset MAKEFLAGS MFLAGS MAKELEVEL
cd "$EZPZ_TOP" || t_bail "no $EZPZ_TOP"
if ! make -s -j2 -f tests/fuzz/fuzz.mk O="$EZPZ_BUILD" build >"$T_TMP/build.log" 2>&1; then
	tail -n 30 "$T_TMP/build.log"
	t_bail "cannot build the fuzz targets"
fi
t_pass "fuzz targets built"

FUZZ_DIR=$EZPZ_BUILD/fuzz FUZZ_SECONDS=${EZPZ_FUZZ_SECONDS:-3} FUZZ_SHELL_BATCHES=4 \
	FUZZ_SHELL_SEED=${EZPZ_FUZZ_SEED:-20240601} timeout 900 tests/fuzz/run >"$T_TMP/run.log" 2>&1
rc=$?
# One check per target: "ok   NAME ..." or "FAIL NAME ..." and its evidence.
while IFS= read -r line; do
	case $line in
	"ok   "*) t_pass "${line#ok   }" ;;
	"FAIL "*) t_fail "${line#FAIL }" ;;
	"fuzz: failed:"*) ;;
	*) printf '  %s\n' "$line" ;;
	esac
done <"$T_TMP/run.log"
[ "$rc" = 0 ] || [ "$T_FAILED" -gt 0 ] || t_fail "tests/fuzz/run exited $rc"
t_done
