#!/bin/bash
# A real MPICH: Debian's mpich unpacked into a private prefix
# (mpich-prefix.sh), beside Open MPI, the system's mpirun untouched.
# `ezpz launch` under Hydra: the flavour probed, rank variables, exit
# statuses, signals, nothing left behind; then `ezpz test` with the worker
# built against that MPICH in a second build tree, and the Open MPI worker
# under Hydra stopped with one line naming the mismatch.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd jq
out=$("$EZPZ_TOP/tests/integration/mpich-prefix.sh" env 2>"$T_TMP/prefix.err")
case $? in
0) eval "$out" ;;
77) t_skip "no MPICH prefix: $(cat "$T_TMP/prefix.err")" ;;
*) t_bail "mpich-prefix.sh failed: $(cat "$T_TMP/prefix.err")" ;;
esac
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT \
	EZPZ_LAUNCHER PMI_RANK PMI_SIZE
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=localhost
# Hydra's own libraries (libslurm) live in the prefix.
export LD_LIBRARY_PATH=$MPICH_LIB${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
# MPICH's bin directory first on PATH, as its package installs it: no file
# named mpiexec there (Debian's alternatives own that name), only
# mpiexec.hydra, mpiexec.mpich and mpirun.mpich; Open MPI's mpiexec and
# mpirun stay in /usr/bin.
export PATH=$MPICH_BIN:$PATH
MARK=ezpz-t-mpich-$$
leftovers() { pgrep -f "$MARK" | grep -v "^$$\$" || true; }

t_run "$EZPZ" info --json
t_eq "the flavour: mpich, probed by its own name, first on PATH" "mpich probe:$MPICH_BIN/mpiexec.hydra" \
	"$(printf '%s\n' "$OUT" | jq -r '.launcher + " " + .sources.launcher')"
t_run env PATH="/usr/bin:/bin:$MPICH_BIN" "$EZPZ" info --json
t_eq "Open MPI first on PATH: Open MPI" "openmpi probe:/usr/bin/mpiexec" \
	"$(printf '%s\n' "$OUT" | jq -r '.launcher + " " + .sources.launcher')"
t_run env PATH="/usr/bin:/bin" "$EZPZ" launch --dry-run --launcher "$MPICH_BIN/mpiexec.hydra" -n 2 -- true
t_eq "--launcher PATH: exit 0" 0 "$RC"
t_match "--launcher PATH: that program runs, with Hydra's flags" "^$MPICH_BIN/mpiexec.hydra -n 2 .*-genvall" "$OUT"
# A stale flavour exported by setup-env (with its EZPZ_JOBID) loses to PATH.
t_run env EZPZ_JOBID= EZPZ_LAUNCHER=openmpi "$EZPZ" launch --dry-run -n 2 -- true
t_match "stale EZPZ_LAUNCHER=openmpi: Hydra's line" "^$MPICH_BIN/mpiexec.hydra -n 2 .*-genvall" "$OUT"
t_match "... with a warning" "EZPZ_LAUNCHER=openmpi is stale: $MPICH_BIN/mpiexec.hydra on PATH is mpich" "$ERR"
# A launcher first on PATH that cannot start: its own error, then the next.
mkdir -p "$T_TMP/broken" "$T_TMP/gone"
t_cc gone/libgone.so -shared -fPIC <<<'int gone(void) { return 0; }' || t_bail "cannot build libgone"
t_cc broken/mpiexec -L"$T_TMP/gone" -Wl,-rpath,"$T_TMP/gone" -lgone <<<'int gone(void); int main(void) { return gone(); }' ||
	t_bail "cannot build the broken mpiexec"
rm -f "$T_TMP/gone/libgone.so"
t_run env PATH="$T_TMP/broken:$PATH" "$EZPZ" info --json
t_eq "a broken mpiexec first on PATH: the next one, Hydra" "mpich probe:$MPICH_BIN/mpiexec.hydra" \
	"$(printf '%s\n' "$OUT" | jq -r '.launcher + " " + .sources.launcher')"
t_match "... and the broken one named with its own error" \
	"skipped $T_TMP/broken/mpiexec: exit 127: .*libgone.so: cannot open shared object file" "$ERR"
t_run env PATH="$T_TMP/broken:$PATH" "$EZPZ" doctor --json
t_match "doctor shows it too" "^warn .*skipped $T_TMP/broken/mpiexec: exit 127: .*libgone.so" \
	"$(printf '%s\n' "$OUT" | jq -r '.[] | select(.name == "launcher") | .status + " " + .message')"
t_eq "the system's mpirun is still Open MPI's" "Open MPI" "$(/usr/bin/mpirun --version 2>&1 | grep -o 'Open MPI' | head -1)"

# ---- ranks ------------------------------------------------------------------------------
t_run t_timeout 60 "$EZPZ" launch -q -n 3 -- sh -c \
	'echo "$RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $NODE_RANK $MASTER_ADDR $PMI_RANK"'
t_eq "3 ranks under Hydra: exit 0" "0 " "$RC $ERR"
t_eq "ranks 0..2 each once" "0 1 2" "$(printf '%s\n' "$OUT" | awk '{print $1}' | sort -n | tr '\n' ' ' | sed 's/ $//')"
t_eq "world size 3, local = global on one host, node 0, one master" "" \
	"$(printf '%s\n' "$OUT" | awk '$2 != 3 || $1 != $3 || $4 != 3 || $5 != 0 || $1 != $7 || $6 == ""')"
t_run t_timeout 60 "$EZPZ" launch --dry-run -n 2 -- true
t_match "the launch line is Hydra's" "-genvall|-n" "$OUT$ERR"

# ---- exit statuses and signals -------------------------------------------------------
t_run t_timeout 60 "$EZPZ" launch -q -n 3 -- sh -c '[ "$RANK" = 1 ] && exit 3; sleep 1; exit 0'
t_eq "a rank exiting 3: exit 3" 3 "$RC"
t_run t_timeout 60 "$EZPZ" launch -q -n 2 -- sh -c '[ "$RANK" = 1 ] && kill -SEGV $$; sleep 1'
# Hydra itself exits with the signal's number (11) for a rank it killed by
# a signal, as it would for exit 11; its box on stdout says it was a
# signal, and ezpz exits 128+11 as under the other launchers.
t_eq "a rank killed by SIGSEGV: exit 139, as under Open MPI and srun" 139 "$RC"
t_match "... the first failed rank's host and signal named" \
	"^ezpz launch: first failed rank: .* on [^ ]+: signal 11 \(SIGSEGV\)\$" "$ERR"
t_match "... Hydra's own box still on stdout" "BAD TERMINATION" "$OUT"
t_run t_timeout 60 "$EZPZ" launch -q -n 2 -- sh -c '[ "$RANK" = 1 ] && exit 11; sleep 1'
t_eq "a rank exiting 11 (not a signal): exit 11" 11 "$RC"
for sig in TERM INT; do
	env --default-signal=INT "$EZPZ" launch -q -n 2 --grace 3 -- sh -c "sleep 60 # $MARK" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do [ "$(pgrep -fc "sleep 60 # $MARK")" -ge 2 ] && break; sleep 0.1; done
	kill -"$sig" $pid
	wait $pid
	rc=$?
	t_eq "SIG$sig: exit 128+N" "$((128 + $(kill -l "$sig")))" "$rc"
	sleep 0.5
	t_eq "SIG$sig: no rank, proxy or mpiexec left" "" "$(leftovers)"
done
t_eq "no hydra_pmi_proxy left" "" "$(pgrep -f "$MPICH_BIN/hydra_pmi_proxy" || true)"

# ---- ezpz test with the worker built against this MPICH -----------------------------------
B=${EZPZ_BUILD}-mpich
if ! make -s -C "$EZPZ_TOP" O="$B" SANITIZE= MPI_PKG= MPI_CFLAGS="$MPICH_CFLAGS" \
	MPI_LIBS="$MPICH_LIBS" "$B/libexec/ezpz/ezpz-test-worker" "$B/bin/ezpz" >"$T_TMP/make.log" 2>&1; then
	t_bail "cannot build the MPICH worker: $(tail -20 "$T_TMP/make.log")"
fi
t_match "the MPICH worker names its MPI" "^MPICH Version:" "$("$B/libexec/ezpz/ezpz-test-worker" --mpi-library)"
t_run t_timeout 300 env EZPZ_LIBEXECDIR="$B/libexec/ezpz" "$EZPZ" test -q -n 2 -- --iters 10 --warmup 2 \
	--max-bytes 65536 --json "$T_TMP/test.json"
t_eq "ezpz test under Hydra, MPICH worker: exit 0" 0 "$RC"
t_eq "... a PASS of 2 ranks on MPICH" "pass 2 MPICH" \
	"$(jq -r '.verdict + " " + (.ranks | tostring) + " " + (.mpi_library | split(" ")[0])' "$T_TMP/test.json" 2>/dev/null)"
t_run env EZPZ_LIBEXECDIR="$B/libexec/ezpz" "$EZPZ" doctor --json
t_match "doctor: the MPICH worker matches Hydra" "^ok the test worker runs with MPICH" \
	"$(printf '%s\n' "$OUT" | jq -r '.[] | select(.name == "worker") | .status + " " + .message')"

# The Open MPI worker under Hydra: N singletons; one line, the mismatch, the rebuild.
t_run t_timeout 300 env EZPZ_LIBEXECDIR="$EZPZ_BUILD/libexec/ezpz" "$EZPZ" test -q -n 2 -- --iters 10 --warmup 2
t_eq "Open MPI worker under Hydra: exit 1" 1 "$RC"
t_eq "... one message" 1 "$(printf '%s\n' "$OUT$ERR" | grep -c 'MPI says 1 rank but the launch has WORLD_SIZE=2')"
t_match "... naming the rebuild" "built against Open MPI.*make MPI_PKG=" "$ERR"
t_nomatch "... and no report from a singleton" "PASS|FAIL" "$OUT"
t_run env EZPZ_LIBEXECDIR="$EZPZ_BUILD/libexec/ezpz" "$EZPZ" doctor --json
t_match "doctor names the mismatch" "^warn the test worker is built against Open MPI.* but the launcher is mpich" \
	"$(printf '%s\n' "$OUT" | jq -r '.[] | select(.name == "worker") | .status + " " + .message')"
sleep 0.5
t_eq "nothing left behind" "" "$(leftovers)"
t_done
