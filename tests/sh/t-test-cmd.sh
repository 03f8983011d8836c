#!/bin/bash
# `ezpz test` as a command: it launches the worker through the launch path
# (the worker itself is tested in tests/integration/t-worker.sh), rejects
# misplaced options, and says clearly when --torch cannot run.
. "$EZPZ_TOP/tests/lib.sh"
WORKER=$EZPZ_BUILD/libexec/ezpz/ezpz-test-worker
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=laptop
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID

t_run "$EZPZ" test --dry-run -n 2 -- --iters 3
t_eq "dry-run: exit 0" 0 "$RC"
t_match "the worker runs behind rankenv with its options" "rankenv -- $WORKER --short --charts (unicode|ascii) --iters 3\$" "$OUT"
t_run "$EZPZ" test --dry-run -n 2 --timeout 30 -- --iters 3
t_match "--timeout 30: the worker prints a line at least every 10 s" \
	"rankenv -- $WORKER --short --charts (unicode|ascii) --heartbeat 10 --iters 3\$" "$OUT"
t_run "$EZPZ" test --iters 3
t_eq "a worker option before --: usage error" 2 "$RC"
t_match "... saying where test options go, and launcher flags" "a launcher flag goes with -L, a test option after '--'" "$ERR"
t_run "$EZPZ" test -m foo
t_eq "-m is launch's: usage error" 2 "$RC"
t_run env PATH="$T_TMP:/usr/bin:/bin" "$EZPZ" test --torch
t_eq "--torch without torch: exit 1" 1 "$RC"
t_match "--torch without torch: says so and what to do" "torch is not importable by python3 .*activate an environment with PyTorch" "$ERR"
t_run env EZPZ_LIBEXECDIR="$T_TMP/none" "$EZPZ" test
t_eq "missing worker: exit 127" 127 "$RC"
t_match "missing worker: names it" "the test worker '$T_TMP/none/ezpz-test-worker' is missing" "$ERR"
mkdir -p "$T_TMP/noexec"
cp "$WORKER" "$T_TMP/noexec/"
chmod -x "$T_TMP/noexec/ezpz-test-worker"
t_run env EZPZ_LIBEXECDIR="$T_TMP/noexec" "$EZPZ" test
t_eq "a worker that is not executable: exit 126, before any launch" 126 "$RC"
t_match "... saying so" "the test worker '$T_TMP/noexec/ezpz-test-worker' is not executable" "$ERR"
mkdir -p "$T_TMP/isdir/ezpz-test-worker"
t_run env EZPZ_LIBEXECDIR="$T_TMP/isdir" "$EZPZ" test
t_eq "a worker that is a directory: exit 126, before any launch" 126 "$RC"
t_run "$EZPZ" test --dry-run -n 2 --timeout 1 -- --iters 3
t_match "--timeout 1: a line every third of a second, below the watchdog" "--heartbeat 0.333333 --iters 3\$" "$OUT"
t_run env PATH="$T_TMP:/usr/bin:/bin" "$EZPZ" test --torch --dry-run
t_eq "--torch --dry-run needs no torch: exit 0" 0 "$RC"
t_run "$EZPZ" test --torch --plot x.svg
t_eq "--torch --plot: a usage error whether or not torch imports" 2 "$RC"
t_done
