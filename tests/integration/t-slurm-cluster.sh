#!/bin/bash
# tests/integration/t-slurm-cluster.sh: the local Slurm cluster that the
# integration tests run on is real and multi-node.  srun spreads tasks over
# distinct host names with the right ids; sbatch and salloc work; the fake
# GPUs give CUDA_VISIBLE_DEVICES; an Open MPI program runs across nodes
# under srun --mpi=pmix and under mpirun inside an allocation; a task's exit
# status comes back from srun.
# shellcheck disable=SC2016 # $VARs in single quotes: the tasks' shells expand them
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 4 2
need_mpirun
T=60
# Two-node jobs name their nodes (-w): the nodes of the job before may
# still be completing, and Slurm would pick others.
two=(-N2 -w 'n[1-2]')
# Each task prints: host name, then Slurm's view of it.
ids='echo "$(hostname) $SLURMD_NODENAME $SLURM_PROCID $SLURM_LOCALID $SLURM_NODEID $SLURM_NTASKS $SLURM_NODELIST"'

# -- srun across all four nodes
t_run t_timeout $T srun -N4 -n8 --ntasks-per-node=2 bash -c "$ids"
t_eq "srun -N4 -n8: exit status" 0 "$RC"
t_eq "srun -N4 -n8: host, node, procid, localid, nodeid per task" \
"n1 n1 0 0 0 8 n[1-4]
n1 n1 1 1 0 8 n[1-4]
n2 n2 2 0 1 8 n[1-4]
n2 n2 3 1 1 8 n[1-4]
n3 n3 4 0 2 8 n[1-4]
n3 n3 5 1 2 8 n[1-4]
n4 n4 6 0 3 8 n[1-4]
n4 n4 7 1 3 8 n[1-4]" "$(sort -k3n <<<"$OUT")"
t_nomatch "srun: tasks do not see this machine's host name" "^$(hostname) " "$OUT"

# -- sbatch --wait: a batch script with a step in it
cat >"$T_TMP/job.sh" <<'EOF'
#!/bin/bash
echo "batch on $(hostname): job $SLURM_JOB_ID nodes $SLURM_JOB_NODELIST nnodes $SLURM_NNODES"
srun bash -c 'echo "step on $(hostname) procid $SLURM_PROCID"' | sort
EOF
t_run t_timeout $T sbatch --wait "${two[@]}" --ntasks-per-node=1 -o "$T_TMP/job.out" "$T_TMP/job.sh"
t_eq "sbatch --wait: exit status" 0 "$RC"
t_match "sbatch: prints the job id" '^Submitted batch job [0-9]+$' "$OUT"
t_run cat "$T_TMP/job.out"
t_match "sbatch: batch script ran on the first node, with the allocation" \
	'^batch on n1: job [0-9]+ nodes n\[1-2\] nnodes 2$' "$OUT"
t_eq "sbatch: its srun ran on both nodes" \
	$'step on n1 procid 0\nstep on n2 procid 1' "$(grep '^step' <<<"$OUT")"

# -- salloc, then srun in the allocation
t_run t_timeout $T salloc "${two[@]}" --ntasks-per-node=1 \
	bash -c 'echo "alloc $SLURM_JOB_NODELIST"; srun bash -c "echo \$(hostname) \$SLURM_JOB_NUM_NODES" | sort'
t_eq "salloc -N2 srun: exit status" 0 "$RC"
t_eq "salloc -N2 srun: output" $'alloc n[1-2]\nn1 2\nn2 2' "$OUT"

# -- fake GPUs
t_run t_timeout $T srun "${two[@]}" --ntasks-per-node=1 --gpus-per-node=2 \
	bash -c 'echo "$(hostname) $CUDA_VISIBLE_DEVICES $SLURM_GPUS_ON_NODE $SLURM_STEP_GPUS"'
t_eq "srun --gpus-per-node=2: exit status" 0 "$RC"
t_eq "srun --gpus-per-node=2: CUDA_VISIBLE_DEVICES on each node" \
	$'n1 0,1 2 0,1\nn2 0,1 2 0,1' "$(sort <<<"$OUT")"
t_run t_timeout $T srun -N1 -n1 bash -c 'echo "${CUDA_VISIBLE_DEVICES-unset}"'
t_eq "srun without GPUs: no CUDA_VISIBLE_DEVICES" unset "$OUT"

# -- Open MPI under srun --mpi=pmix, 2 nodes x 2 ranks
t_mpi_hello || t_bail "cannot build the MPI test program"
t_run t_timeout $T srun --mpi=list
t_match "srun --mpi=list: pmix is there" 'pmix' "$OUT$ERR"
t_run t_timeout $T srun --mpi=pmix "${two[@]}" -n4 --ntasks-per-node=2 "$T_TMP/mpi_hello"
t_eq "srun --mpi=pmix -N2 -n4: exit status" 0 "$RC"
t_eq "srun --mpi=pmix -N2 -n4: ranks and processor names" \
"rank 0 size 4 host n1
rank 1 size 4 host n1
rank 2 size 4 host n2
rank 3 size 4 host n2" "$(sort <<<"$OUT")"

# -- mpirun inside an allocation (ORTE starts its daemons through srun)
t_run t_timeout $T salloc "${two[@]}" --ntasks-per-node=2 mpirun "$T_TMP/mpi_hello"
t_eq "salloc -N2 mpirun: exit status" 0 "$RC"
t_eq "salloc -N2 mpirun: ranks and processor names" \
"rank 0 size 4 host n1
rank 1 size 4 host n1
rank 2 size 4 host n2
rank 3 size 4 host n2" "$(sort <<<"$OUT")"

# -- exit status and signals of tasks come back from srun
t_run t_timeout $T srun -N2 -n2 bash -c 'exit $((SLURM_PROCID == 1 ? 3 : 0))'
t_eq "srun: a task's exit status 3 comes back" 3 "$RC"
t_match "srun: and names the task" 'task 1: Exited with exit code 3' "$ERR"
t_run t_timeout $T srun -N1 -n1 bash -c 'kill -TERM $$'
t_eq "srun: a task killed by SIGTERM gives 128+15" 143 "$RC"

t_done
