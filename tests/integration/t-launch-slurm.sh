#!/bin/bash
# ezpz info, launch and rankenv in real Slurm jobs on the local cluster
# (emulated nodes n1..n4, 4 fake GPUs each): the hosts, one rank per GPU on
# every node, -nh, exit codes, and rank facts under srun with and without
# PMIx.
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 4 4
unset PBS_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT EZPZ_HOSTNAME
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
show='echo "$(hostname) $RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $NODE_RANK"'

# ezpz info inside sbatch sees the allocation.
out=$T_TMP/info.json
t_run t_timeout 60 sbatch --wait -N 3 --gpus-per-node=2 -o "$out" --wrap "'$EZPZ' info --json"
t_eq "sbatch: job ok" 0 "$RC"
check=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["scheduler"] == "slurm", d["scheduler"]
assert d["nhosts"] == 3 and len(d["hosts"]) == 3, d["hosts"]
assert all(h.startswith("n") for h in d["hosts"]), d["hosts"]
assert d["ngpu_per_host"] == 2, d["ngpu_per_host"]
assert d["sources"]["hosts"] == "env:SLURM_JOB_NODELIST"
assert d["launcher"] == "srun"
print("ok")' "$out" 2>&1)
t_eq "info --json in sbatch: 3 hosts, 2 GPUs each, srun" ok "$check"

# One rank per GPU on every node, by default.
t_run t_timeout 90 salloc -N 4 --exclusive --gpus-per-node=4 "$EZPZ" launch -q -- sh -c "$show"
t_eq "salloc + launch: exit 0" 0 "$RC"
t_eq "16 ranks" 16 "$(printf '%s\n' "$OUT" | grep -c .)"
t_eq "4 ranks on each of n1..n4" "4 n1 4 n2 4 n3 4 n4" "$(printf '%s\n' "$OUT" | awk '{print $1}' | sort | uniq -c | xargs)"
t_eq "ranks 0..15 once each" "$(seq 0 15 | xargs)" "$(printf '%s\n' "$OUT" | awk '{print $2}' | sort -n | xargs)"
t_eq "local ranks 0..3 on each node, NODE_RANK = node" "" \
	"$(printf '%s\n' "$OUT" | awk '{ if ($4 != $2 % 4 || $5 != 4 || $6 != int($2 / 4) || $3 != 16) print }')"

# A shared-node allocation too small for a rank per GPU: said before srun.
t_run t_timeout 90 salloc -N 2 --gpus-per-node=4 "$EZPZ" launch -q -- true
t_eq "too few CPUs for one rank per GPU: exit 2" 2 "$RC"
t_match "... with what to ask for" "allocate whole nodes \(--exclusive\) or --ntasks-per-node=4" "$ERR"

# -nh 2 uses two nodes; exit codes come back.
t_run t_timeout 90 salloc -N 4 --exclusive --gpus-per-node=4 "$EZPZ" launch -q -nh 2 -- sh -c "$show"
t_eq "-nh 2: 8 ranks on 2 nodes" "8 2" "$(printf '%s\n' "$OUT" | grep -c .) $(printf '%s\n' "$OUT" | awk '{print $1}' | sort -u | wc -l)"
t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch -q -- sh -c 'exit 7'
t_eq "a task's exit status comes back" 7 "$RC"
t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch -q -nh 3 -- true
t_eq "-nh larger than the allocation: exit 2" 2 "$RC"
t_match "... naming the numbers" "-nh 3: the job has only 2 hosts" "$ERR"

# A hostfile in a job: srun starts rank 0 on the first of its hosts in the
# allocation's order, whatever the file's, so that is MASTER_ADDR; a host
# the job lacks is named before srun runs.
printf 'n3\nn1\n' >"$T_TMP/hf-order"
printf 'n1\nn2\nn9\n' >"$T_TMP/hf-stranger"
t_run t_timeout 90 salloc -N 3 --exclusive "$EZPZ" launch -q --hostfile "$T_TMP/hf-order" -- \
	sh -c 'echo "$RANK $(hostname) $MASTER_ADDR"'
t_eq "--hostfile n3,n1: rank 0 runs on MASTER_ADDR (n1)" "0 n1 n1
1 n3 n1" "$(printf '%s\n' "$OUT" | sort -n)"
printf 'n3\nn1\nn2\n' >"$T_TMP/hf-three"
t_run t_timeout 90 salloc -N 3 --exclusive "$EZPZ" launch -q --hostfile "$T_TMP/hf-three" -nh 2 -- \
	sh -c 'echo "$RANK $(hostname) $MASTER_ADDR"'
t_eq "--hostfile n3,n1,n2 -nh 2: the file's first two, rank 0 on MASTER_ADDR" "0 n1 n1
1 n3 n1" "$(printf '%s\n' "$OUT" | sort -n)"
t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch -q --hostfile "$T_TMP/hf-stranger" -- true
t_eq "--hostfile naming a host the job lacks: exit 1, naming it" \
	"1:ezpz: hostfile '$T_TMP/hf-stranger': 'n9' is not one of the job's nodes (n1,n2); remove it from the file, or run in a job that has it" \
	"$RC:$(grep -v '^salloc' <<<"$ERR")"

# A signal forwarded to the ranks reaches each once: slurmstepd signals
# every process of a task, so rankenv (the command's parent under srun)
# must not pass it on as well (a SIGUSR1 checkpoint would run twice).
sig=$T_TMP/sig
mkdir -p "$sig"
rank_cmd="trap 'echo usr1 >>$sig/got.\$RANK' USR1; trap 'exit 0' TERM; touch $sig/ready.\$RANK; while :; do sleep 0.1; done"
cat >"$sig/run.sh" <<EOF
#!/bin/bash
"$EZPZ" launch -q -- bash -c "\$1" &
pid=\$!
for i in \$(seq 200); do [ -e $sig/ready.0 ] && [ -e $sig/ready.1 ] && break; sleep 0.1; done
kill -USR1 \$pid
for i in \$(seq 50); do [ -e $sig/got.0 ] && [ -e $sig/got.1 ] && break; sleep 0.1; done
sleep 1
kill -TERM \$pid
wait \$pid
EOF
chmod +x "$sig/run.sh"
t_run t_timeout 90 salloc -N 2 --exclusive "$sig/run.sh" "$rank_cmd"
t_eq "SIGUSR1 to ezpz launch under srun: once to each rank" "1 1" \
	"$(cat "$sig/got.0" 2>/dev/null | wc -l) $(cat "$sig/got.1" 2>/dev/null | wc -l)"
t_eq "... then SIGTERM stops the run: exit 143" 143 "$RC"
t_nomatch "... and no rank is blamed for the SIGKILL that stop sent" "first failed rank" "$ERR"

# ezpz launch run by srun (inside a job step): its srun shares the step's
# CPUs (--overlap) instead of waiting for them until the walltime.
t_run t_timeout 60 salloc -N 2 --exclusive srun -N 1 -n 1 "$EZPZ" launch -- hostname
t_eq "srun ezpz launch: runs (exit 0), on both nodes" "0 n1 n2" "$RC $(grep -E '^n[0-9]$' <<<"$OUT" | sort | xargs)"
t_match "... saying why --overlap" "note: inside job step [0-9]+\.0: srun --overlap, to share its CPUs" "$ERR"

# Rank facts under srun: the PMIx path and the variable path agree.
for mpi in pmix none; do
	t_run t_timeout 90 salloc -N 2 --exclusive srun --mpi=$mpi -N 2 -n 4 "$EZPZ" rankenv --pmix -v -- sh -c "$show"
	t_eq "srun --mpi=$mpi: exit 0" 0 "$RC"
	t_eq "srun --mpi=$mpi: ranks, local ranks and NODE_RANK 0 and 1" "n1 0 4 0 2 0
n1 1 4 1 2 0
n2 2 4 0 2 1
n2 3 4 1 2 1" "$(printf '%s\n' "$OUT" | sort -k2n)"
	want=pmix
	[ $mpi = none ] && want=SLURM_PROCID
	t_eq "srun --mpi=$mpi: facts from $want" 4 "$(printf '%s\n' "$ERR" | grep -c "$want")"
done
# An MPI program behind rankenv under srun --mpi=pmix starts (rankenv must
# not take the rank's PMIx connection).
t_mpi_hello || t_fail "compile mpi_hello"
t_run t_timeout 90 salloc -N 2 --exclusive srun --mpi=pmix -N 2 -n 4 "$EZPZ" rankenv -- "$T_TMP/mpi_hello"
t_eq "srun --mpi=pmix: an MPI program behind rankenv runs" "0 4" "$RC $(printf '%s\n' "$OUT" | grep -c 'size 4 ')"
t_done

