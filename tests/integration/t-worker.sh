#!/bin/bash
# tests/integration/t-worker.sh: ezpz-test-worker (behind 'ezpz test') under
# the real mpirun: 1, 2 and 4 ranks on this host and 2 fake nodes; the loss
# falls, the checkpoint agrees on every rank, the bandwidth table and the
# JSON are complete; and every failure it exists to catch is caught:
# diverged replicas, a skipped collective (the hang guard), a crash, an
# early exit, a wrong LOCAL_RANK, an unwritable checkpoint directory.
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
W=$EZPZ_BUILD/libexec/ezpz/ezpz-test-worker
[ -x "$W" ] || t_bail "no worker at $W (make)"
T=60
# Small enough for 2 cores: the defaults take ~10 s at 4 ranks.  Under
# ASan (make check SANITIZE=1) the matrix products run ~30 times slower, so
# there the model shrinks too.
M=()
NPARAMS=821120
if [ "${SANITIZE:-}" = 1 ]; then
	M=(--layers "64,128,64")
	NPARAMS=16576
fi
SMALL=(--iters 30 --warmup 5 --log-freq 5 --max-bytes 1048576 "${M[@]}")

# loss_falls: the first iter= line's loss is above the last one's.
loss_falls() {
	printf '%s\n' "$1" | awk -F'[ =]' '/^iter=/ { if (n++ == 0) first = $4; last = $4 }
		END { exit !(n >= 2 && last < first) }'
}

# json_check FILE RANKS PARAMS: the keys ezpz test and users read, with
# sane values.
json_check() {
	python3 - "$1" "$2" "$3" <<-'PY'
		import json, sys
		d = json.load(open(sys.argv[1])); n = int(sys.argv[2]); nparams = int(sys.argv[3])
		assert d["verdict"] == "pass" and d["ranks"] == n and d["hosts"] == 1, d["verdict"]
		assert d["options"]["nonblocking"] is False and d["options"]["iters"] == 30, d["options"]
		for k in ("version", "mpi_library", "allreduce_busbw_gbps", "options", "times",
		          "placement", "training", "checkpoint", "collectives", "checks"):
		    assert k in d, k
		t = d["times"]
		for k in ("mpi_ready_s", "since", "first_step_s", "placement_s", "training_s",
		          "checkpoint_s", "collectives_s", "total_s"):
		    assert k in t, k
		assert 0 < t["mpi_ready_s"] < t["first_step_s"] < 60, t
		p = d["placement"]["ranks"]
		assert [r["rank"] for r in p] == list(range(n)), p
		assert sorted(r["local_rank"] for r in p) == list(range(n)), p
		assert all(r["local_size"] == n and r["cpus"] for r in p), p
		tr = d["training"]
		assert tr["parameters"] == nparams and tr["loss_tail_mean"] < tr["loss_head_mean"], tr
		assert [l["iter"] for l in tr["log"]][:2] == [0, 5], tr["log"]
		assert all(set(l) == {"iter", "loss", "dt", "dtf", "dtb", "dtc"} for l in tr["log"])
		c = d["checkpoint"]
		assert len(c["checksum"]) == 16 and c["differing_ranks"] == [] and c["bytes"] > 12 * nparams, c
		cs = d["collectives"]
		names = {x["collective"] for x in cs}
		assert names == {"allreduce", "broadcast", "allgather"}, names
		assert all(x["ok"] and x["wrong_on_rank"] is None and x["time_s"] > 0 and x["reps"] >= 5
		           for x in cs), cs
		ar = [x for x in cs if x["collective"] == "allreduce"]
		assert ar[-1]["bytes"] == 1048576 and ar[0]["bytes"] == 4, ar
		for x in cs:   # nccl-tests' bus bandwidth
		    f = {"allreduce": 2 * (n - 1) / n, "allgather": (n - 1) / n,
		         "broadcast": 1 if n > 1 else 0}[x["collective"]]   # one rank moves no data
		    assert abs(x["busbw_gbps"] - x["algbw_gbps"] * f) <= 1e-9 * (1 + x["busbw_gbps"]), x
		assert [(k["name"], k["ok"]) for k in d["checks"]] == [("placement", True), ("data", True),
		    ("loss", True), ("checkpoint", True), ("collectives", True)], d["checks"]
	PY
}

# -- 1, 2 and 4 ranks on this host; the bandwidth phase also non-blocking
for n in 1 2 4; do
	t_run t_timeout $T mpirun -np $n "$W" "${SMALL[@]}" --json "$T_TMP/r$n.json"
	t_eq "np $n: exit 0" 0 "$RC"
	[ "$RC" = 0 ] || printf '%s\n' "$ERR" | tail -n 20
	t_match "np $n: rank 0 prints the verdict" "^result +PASS$" "$OUT"
	t_match "np $n: iter= lines with every timing" \
		"^iter=5 loss=[0-9.]+ dt=[0-9.]+ dtf=[0-9.]+ dtb=[0-9.]+ dtc=[0-9.]+$" "$OUT"
	if loss_falls "$OUT"; then t_pass "np $n: the loss falls (iter= lines)"
	else t_fail "np $n: the loss falls (iter= lines)"; printf '%s\n' "$OUT" | grep '^iter='; fi
	t_match "np $n: one checksum on every rank" \
		"checksum [0-9a-f]{16} identical on all $n ranks" "$OUT"
	t_eq "np $n: placement table, one row per rank" "$n" \
		"$(printf '%s\n' "$OUT" | grep -cE "^ +[0-9]+ +[^ ]+ +[0-9]+/$n ")"
	t_eq "np $n: bandwidth table, 3 collectives x 10 sizes" "allreduce 10 broadcast 10 allgather $((10 - (n > 1)))" \
		"$(printf '%s\n' "$OUT" | awk '$1 ~ /^(allreduce|broadcast|allgather)$/ && NF == 6 { c[$1]++ }
			END { printf "allreduce %d broadcast %d allgather %d", c["allreduce"], c["broadcast"], c["allgather"] }')"
	if json_check "$T_TMP/r$n.json" $n $NPARAMS >"$T_TMP/py" 2>&1; then t_pass "np $n: --json has every key"
	else t_fail "np $n: --json has every key"; sed 's/^/  /' "$T_TMP/py" | tail -n 5; fi
	t_eq "np $n: nothing on stderr" "" "$ERR"
done
t_run t_timeout $T mpirun -np 2 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 4096 --nonblocking
t_eq "--nonblocking: exit 0" 0 "$RC"
t_match "--nonblocking: the table says so" "^-- collectives: 2 ranks, non-blocking calls" "$OUT"

# -- time to MPI ready from EZPZ_LAUNCH_TIME (ezpz launch sets it); where
# the checkpoint goes, and that it is cleaned up
mkdir "$T_TMP/ck"
EZPZ_LAUNCH_TIME=$(date +%s.%N) t_run t_timeout $T mpirun -np 2 "$W" "${M[@]}" --iters 4 --warmup 1 \
	--max-bytes 64 --checkpoint-dir "$T_TMP/ck"
t_eq "EZPZ_LAUNCH_TIME: exit 0" 0 "$RC"
t_match "EZPZ_LAUNCH_TIME: MPI ready is measured from the launch" \
	"^MPI ready +[0-9]+\.[0-9]+ s after launch \(slowest rank\)$" "$OUT"
t_match "--checkpoint-dir: written there" "^-- checkpoint: $T_TMP/ck/ezpz-test-checkpoint-[0-9]+\.bin " "$OUT"
t_eq "... and removed at the end, no temporary left" "" "$(ls -A "$T_TMP/ck")"
EZPZ_LAUNCH_TIME=soon t_run t_timeout $T mpirun -np 1 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 64 \
	--checkpoint-dir "$T_TMP/ck" --keep-checkpoint
t_match "EZPZ_LAUNCH_TIME not a time: said" \
	"EZPZ_LAUNCH_TIME='soon' is not seconds since the epoch; ignored" "$ERR"
t_match "... and the time runs from process start" "after process start" "$OUT"
t_match "--keep-checkpoint keeps it" "^ezpz-test-checkpoint-[0-9]+\.bin$" "$(ls -A "$T_TMP/ck")"
t_run t_timeout $T mpirun -np 2 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 64 --checkpoint-dir "$T_TMP/nonexistent"
t_eq "a checkpoint directory that is not there (a typo): usage error, before the run" 2 "$RC"
t_match "... naming it" "^ezpz-test-worker: option '--checkpoint-dir': '$T_TMP/nonexistent': No such file" "$ERR"
mkdir -p "$T_TMP/ro"
if mount -t tmpfs -o ro,size=1m tmpfs "$T_TMP/ro" 2>/dev/null; then
	t_run t_timeout $T mpirun -np 2 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 64 --checkpoint-dir "$T_TMP/ro"
	umount "$T_TMP/ro"
	t_eq "a read-only checkpoint file system: the check fails (exit 1)" 1 "$RC"
	t_match "... naming the check and the file" \
		"^ezpz-test-worker: check failed: checkpoint: cannot create '$T_TMP/ro/ezpz-test-checkpoint-[0-9]+\.bin\.tmp': Read-only file system" "$ERR"
else
	echo "# no tmpfs mount here (not root): the read-only case is not run"
fi

# A stop (SIGTERM to the rank, as a Ctrl-C to the terminal's group or
# 'ezpz kill' sends it) while rank 0 writes a large checkpoint leaves no
# file behind.
mkdir "$T_TMP/ck2"
t_timeout $T mpirun -np 1 "$W" --layers 128,4096,4096,128 --iters 2 --warmup 1 --batch 8 \
	--max-bytes 64 --checkpoint-dir "$T_TMP/ck2" >"$T_TMP/ck2.out" 2>&1 &
run=$!
seen=$(t_wait_name "$T_TMP/ck2" 'ezpz-test-checkpoint-*' "$run")
pkill -TERM -f "^$W --layers 128,4096" 2>/dev/null
wait "$run"
t_match "a stop while the checkpoint is written: caught while it was there" \
	"^ezpz-test-checkpoint-[0-9]+\.bin(\.tmp)?$" "$seen"
t_nomatch "... it was stopped in the checkpoint phase, not after it" "^-- checkpoint:" "$(cat "$T_TMP/ck2.out")"
t_eq "... and nothing is left of it" "" "$(ls -A "$T_TMP/ck2")"

# --heartbeat: a single step longer than it still gets a line (rank 0's
# own thread), and training steps say how far they are.
HB=(--layers 128,2048,2048,128 --batch 64)
[ "${SANITIZE:-}" = 1 ] && HB=(--layers 64,1024,1024,64 --batch 64)
t_run t_timeout $T mpirun -np 1 "$W" "${HB[@]}" --iters 4 --warmup 1 --max-bytes 64 --heartbeat 0.1 --short
t_eq "--heartbeat 0.1: exit 0" 0 "$RC"
t_match "... a line while one long call runs" "^ezpz-test-worker: still checking (training|checkpoint)$" "$ERR"
t_run "$W" --heartbeat 0
t_eq "--heartbeat 0: usage error" 2 "$RC"

# -- failure injection: each documented exit and message
t_run t_timeout $T mpirun -np 3 "$W" "${M[@]}" --iters 6 --warmup 1 --max-bytes 64 --inject diverge:2
t_eq "diverge: exit 1" 1 "$RC"
t_match "diverge: the check names the rank" \
	"check failed: checkpoint: rank 2: parameters differ from the checkpoint rank 0 wrote" "$ERR"
t_match "diverge: verdict FAIL on stdout" "^checks .* checkpoint FAILED" "$OUT"

t0=$(date +%s)
t_run t_timeout $T mpirun -np 3 "$W" "${M[@]}" --iters 6 --warmup 1 --max-bytes 64 --timeout 5 --inject skip-collective:1
t1=$(date +%s)
t_eq "skip-collective: exit 124 (the hang guard)" 124 "$RC"
# Step 5 is the last: the skipping rank then waits in the checkpoint's
# broadcast while the others wait in step 5's allreduce, and whichever
# guard fires first aborts the job.  Either message must name it exactly.
t_match "skip-collective: the first guard to fire names the rank, collective and phase" \
	"ezpz-test-worker: rank ([02] \(host [^)]+\): collective allreduce \(training step 5\)|1 \(host [^)]+\): collective broadcast \(checkpoint size\)) did not complete in 5 s; aborting" "$ERR"
if [ $((t1 - t0)) -le 20 ]; then t_pass "skip-collective: over within 20 s ($((t1 - t0)) s)"
else t_fail "skip-collective: over within 20 s ($((t1 - t0)) s)"; fi

# The bandwidth phase's blocking calls have a guard of their own (a timer).
t0=$(date +%s)
t_run t_timeout $T mpirun -np 3 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 64 --timeout 3 --inject stall:1
t1=$(date +%s)
t_eq "a rank stalled before a blocking collective: exit 124" 124 "$RC"
t_match "... a waiting rank names it" \
	"ezpz-test-worker: rank [02] \(host [^)]+\): collective allreduce \(bandwidth, 4 bytes\) did not complete in 3 s; aborting" "$ERR"
if [ $((t1 - t0)) -le 20 ]; then t_pass "stall: over within 20 s ($((t1 - t0)) s)"
else t_fail "stall: over within 20 s ($((t1 - t0)) s)"; fi

t_run t_timeout $T mpirun -np 3 "$W" "${M[@]}" --iters 6 --warmup 1 --max-bytes 64 --inject crash:2
t_eq "crash: the job fails with 128+SIGSEGV" 139 "$RC"
t_match "crash: said before it happens" "rank 2 \(host [^)]+\): injected crash \(SIGSEGV\) at training step 3" "$ERR"

t_run t_timeout $T mpirun -np 3 "$W" "${M[@]}" --iters 6 --warmup 1 --max-bytes 64 --timeout 10 --inject exit:1
if [ "$RC" != 0 ] && [ "$RC" != 124 ]; then t_pass "exit without MPI_Finalize: the job fails ($RC)"
else t_fail "exit without MPI_Finalize: the job fails ($RC)"; fi

# -- the other checks fail when they should
t_run t_timeout $T mpirun -np 3 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 64 --inject same-data:1
t_eq "two ranks on the same data: exit 1" 1 "$RC"
t_match "... names them" "check failed: data: ranks 1 and 2 drew the same batch" "$ERR"
t_run t_timeout $T mpirun -np 3 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 64 --inject bad-result:2
t_eq "a wrong collective result: exit 1" 1 "$RC"
t_match "... names the collective, size and rank" \
	"check failed: collectives: 8 of 8 results wrong, first allreduce of 4 bytes on rank 2" "$ERR"
t_match "... and the table marks the rows" "^broadcast +64 .* WRONG RESULT on rank 2$" "$OUT"
t_run t_timeout $T mpirun -np 2 "$W" "${M[@]}" --iters 10 --warmup 1 --max-bytes 64 --lr 9
t_eq "a loss that blows up (--lr 9): exit 1" 1 "$RC"
t_match "... the loss check says so" "check failed: loss: did not fall" "$ERR"

# -- placement: LOCAL_RANK that disagrees with the shared-memory split
t_run t_timeout $T mpirun -np 2 -x LOCAL_RANK=0 "$W" "${M[@]}" --iters 4 --warmup 1 --max-bytes 64
t_eq "wrong LOCAL_RANK: exit 1" 1 "$RC"
t_match "wrong LOCAL_RANK: names the rank" \
	"check failed: placement: rank 1: LOCAL_RANK=0 but its local rank is 1" "$ERR"

# -- two fake nodes (tests/integration/ompi-rsh-shim.sh), even and uneven
if (need_rsh_shim) >/dev/null 2>&1; then
	hf=$(t_hostfile node1:2 node2:2)
	t_run t_timeout $T mpirun --hostfile "$hf" --mca plm_rsh_agent "$EZPZ_TEST_RSH_AGENT" -np 4 \
		"$W" "${M[@]}" --iters 10 --max-bytes 4096
	t_eq "2 fake nodes: exit 0" 0 "$RC"
	t_match "2 fake nodes: 2 hosts, 2 ranks each" "^ranks +4 on 2 hosts \(2 to 2 per host\)$" "$OUT"
	t_eq "2 fake nodes: local ranks per host" "node1 0/2 node1 1/2 node2 0/2 node2 1/2" \
		"$(printf '%s\n' "$OUT" | awk '$2 ~ /^node[12]$/ && $3 ~ /\// { printf "%s%s %s", s, $2, $3; s = " " }')"
	hf=$(t_hostfile node1:1 node2:2)
	t_run t_timeout $T mpirun --hostfile "$hf" --mca plm_rsh_agent "$EZPZ_TEST_RSH_AGENT" -np 3 \
		"$W" "${M[@]}" --iters 10 --max-bytes 64
	t_eq "uneven fake nodes: still exit 0" 0 "$RC"
	t_match "uneven fake nodes: a warning" "^warning: uneven: hosts have 1 to 2 ranks$" "$OUT"
else
	echo "# no fake nodes here (unshare --uts or root missing): skipped those checks"
fi

# -- Slurm (tests/run's local cluster: nodes n1..n4, fake GPUs): srun with
# PMIx, two ranks per node, each node's two GPUs visible to both ranks
if [ "${EZPZ_TEST_SLURM:-}" = 1 ]; then
	t_run t_timeout $T srun -N 2 --ntasks-per-node=2 --gpus-per-node=2 --mpi=pmix \
		"$W" "${M[@]}" --iters 10 --max-bytes 4096
	t_eq "srun on 2 nodes: exit 0" 0 "$RC"
	t_match "srun on 2 nodes: 2 hosts, 2 ranks each" "^ranks +4 on 2 hosts \(2 to 2 per host\)$" "$OUT"
	t_match "srun on 2 nodes: the GPU column shows CUDA_VISIBLE_DEVICES" \
		"^ +3 +n[0-9]+ +1/2 +0,1 " "$OUT"
	t_match "srun on 2 nodes: two ranks sharing GPUs is worth a warning" \
		"^warning: host n[0-9]+: ranks [0-9]+ and [0-9]+ see the same GPU \(CUDA_VISIBLE_DEVICES=0,1\)$" "$OUT"
else
	echo "# no local Slurm cluster (${EZPZ_TEST_SLURM_WHY:-tests/run starts it}): skipped the srun checks"
fi

# -- usage
t_run "$W" --bogus
t_eq "unknown option: exit 2" 2 "$RC"
t_eq "unknown option: the message" "ezpz-test-worker: unknown option '--bogus'" "$ERR"
t_run "$W" --layers 128,64
t_eq "--layers must end where it starts: exit 2" 2 "$RC"
t_run t_timeout $T mpirun -np 2 "$W" --iters
t_eq "a value missing, 2 ranks: exit 2, said once (by rank 0)" "2 1" \
	"$RC $(grep -c "option '--iters' needs a value" <<<"$ERR")"
t_run "$W" --help
t_eq "--help: exit 0" 0 "$RC"
t_match "--help: lists the options" "--checkpoint-dir DIR" "$OUT"
t_nomatch "--help: the failure injection stays hidden" "inject" "$OUT"

t_done
