#!/bin/bash
# The test worker follows the MPI it is built for: changing MPI_CFLAGS or
# MPI_LIBS rebuilds it (a stamp file holds them), --mpi-library names its
# MPI without a launcher, and a worker whose MPI size is not the launch's
# WORLD_SIZE (built for another MPI: N singletons) fails with one message
# naming the mismatch and the rebuild.
. "$EZPZ_TOP/tests/lib.sh"
W=$EZPZ_BUILD/libexec/ezpz/ezpz-test-worker
[ -x "$W" ] || t_skip "no test worker built"
need_cmd pkg-config

# ---- the stamp: a second build tree, one worker object -----------------------------
O=$T_TMP/o
C=$(pkg-config --cflags ompi-c 2>/dev/null) || t_skip "no ompi-c pkg-config file"
mk() { make -s -C "$EZPZ_TOP" O="$O" MPI_PKG= MPI_CFLAGS="$1" MPI_LIBS="$2" "$O/obj/worker/guard.o" >"$T_TMP/mk.log" 2>&1; }
when() { stat -c %.9Y "$@"; }
mk "$C" "-lmpi" || t_bail "cannot build: $(cat "$T_TMP/mk.log")"
t1=$(when "$O/obj/worker/guard.o" "$O/mpi.flags")
mk "$C" "-lmpi"
t_eq "same flags: nothing rebuilt, the stamp untouched" "$t1" "$(when "$O/obj/worker/guard.o" "$O/mpi.flags")"
mk "$C -DEZPZ_TEST_OTHER_MPI=1" "-lmpi"
t_match "MPI_CFLAGS changed: the stamp has them" "^MPI_CFLAGS=.*-DEZPZ_TEST_OTHER_MPI=1" "$(cat "$O/mpi.flags")"
t2=$(when "$O/obj/worker/guard.o")
t_nomatch "... and the worker's objects are rebuilt" "^${t1%%$'\n'*}\$" "$t2"
mk "$C -DEZPZ_TEST_OTHER_MPI=1" "-lmpi -lm"
t_match "MPI_LIBS changed: the stamp has them" "^MPI_LIBS=-lmpi -lm" "$(cat "$O/mpi.flags")"
t_nomatch "... and the worker rebuilt" "^$t2\$" "$(when "$O/obj/worker/guard.o")"
t_match "the worker depends on the stamp" "ezpz-test-worker:.*mpi\.flags" \
	"$(make -C "$EZPZ_TOP" -pq O="$O" 2>/dev/null | grep '^[^#]*ezpz-test-worker:')"

# ---- --mpi-library: no launcher, no MPI_Init ---------------------------------------
t_run "$W" --mpi-library
t_eq "--mpi-library: exit 0" 0 "$RC"
t_match "--mpi-library: the library" "^(Open MPI|MPICH|Intel)" "$OUT"
t_match "--mpi-library: how it was built" "^built with (MPI_PKG=|MPI_CFLAGS)" "$OUT"

# ---- WORLD_SIZE against the MPI size --------------------------------------------------
run() { t_run env -u PMIX_RANK -u OMPI_COMM_WORLD_RANK "$@" "$W" --iters 2 --warmup 0 --max-bytes 4; }
run WORLD_SIZE=2 RANK=0 PMI_RANK=0
t_eq "a singleton in a launch of 2: exit 1" 1 "$RC"
t_eq "... one line" 1 "$(printf '%s\n' "$ERR" | grep -c .)"
t_match "... naming the mismatch" "MPI says 1 rank but the launch has WORLD_SIZE=2: this worker is built against " "$ERR"
t_match "... and the rebuild" "rebuild it for that MPI: make MPI_PKG=" "$ERR"
t_eq "... nothing else" "" "$OUT"
run WORLD_SIZE=2 RANK=1 PMI_RANK=1
t_eq "the other singleton: exit 1" 1 "$RC"
t_eq "... silently" "" "$OUT$ERR"
run WORLD_SIZE=1 RANK=0 PMI_RANK=0
t_eq "a launch of 1: runs, exit 0" 0 "$RC"
t_done
