#!/bin/bash
# ezpz rankenv under real launchers on this host: the PMIx path (mpirun),
# the variable fallback, across emulated nodes (mpirun + rsh shim), a
# torch-style env:// rendezvous, GPU masks, CPU binding, stale values.
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT \
	RANK WORLD_SIZE LOCAL_RANK LOCAL_WORLD_SIZE CUDA_VISIBLE_DEVICES
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=localhost
RDZV=$EZPZ_TOP/tests/tools/envrdzv.py
show='echo "$RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $NODE_RANK $GROUP_RANK $MASTER_ADDR $MASTER_PORT"'

# PMIx path (--pmix): plain mpirun -np 4, rankenv in front of each rank.
t_run t_timeout 60 mpirun -np 4 "$EZPZ" rankenv --pmix -v -- sh -c "$show"
t_eq "mpirun (PMIx): exit 0" 0 "$RC"
t_eq "ranks 0..3 exactly once" "0 1 2 3" "$(printf '%s\n' "$OUT" | awk '{print $1}' | sort -n | xargs)"
t_eq "one WORLD_SIZE, MASTER_ADDR, MASTER_PORT" "4 vm" "$(printf '%s\n' "$OUT" | awk '{print $2, $7, $8}' | sort -u | awk '{print $1, ($2 != "" && $3 > 0) ? "vm" : "?"}' | sort -u | xargs)"
t_eq "LOCAL_RANK = rank, LOCAL_WORLD_SIZE 4, NODE_RANK 0" "" "$(printf '%s\n' "$OUT" | awk '$1 != $3 || $4 != 4 || $5 != 0 || $6 != 0')"
t_eq "facts came from PMIx" 4 "$(printf '%s\n' "$ERR" | grep -c '(pmix (namespace')"

# By default the launcher's variables come first: the program stays the
# rank's only PMIx client, so an MPI program behind rankenv starts.
t_mpi_hello || t_fail "compile mpi_hello"
t_run t_timeout 60 mpirun -np 4 "$EZPZ" rankenv -v -- "$T_TMP/mpi_hello"
t_eq "an MPI program behind rankenv: exit 0" 0 "$RC"
t_eq "... all 4 ranks in MPI_COMM_WORLD" 4 "$(printf '%s\n' "$OUT" | grep -c 'size 4 ')"
t_eq "... facts from Open MPI's variables" 4 "$(printf '%s\n' "$ERR" | grep -c 'env:OMPI_COMM_WORLD_RANK')"
t_run t_timeout 60 "$EZPZ" launch -q -n 2 -- "$T_TMP/mpi_hello"
t_eq "ezpz launch of an MPI program: exit 0" "0 2" "$RC $(printf '%s\n' "$OUT" | grep -c 'size 2 ')"
t_run t_timeout 60 mpirun -np 2 sh -c 'for v in $(env | sed -n "s/^\(OMPI_COMM_WORLD_[A-Z_]*\)=.*/\1/p"); do unset "$v"; done; exec "$0" rankenv -v -- sh -c "$1"' "$EZPZ" "$show"
t_eq "no launcher variables: PMIx answers" "0 1" "$(printf '%s\n' "$OUT" | awk '{print $1}' | sort -n | xargs)"
t_eq "... from PMIx" 2 "$(printf '%s\n' "$ERR" | grep -c '(pmix (namespace')"

# Fallback: no PMIx server advertised, Open MPI's variables instead.
t_run t_timeout 60 mpirun -np 2 -x MASTER_ADDR=127.0.0.1 sh -c \
	'for v in $(env | sed -n "s/^\(PMIX_[A-Z_0-9]*\)=.*/\1/p"); do unset "$v"; done; exec "$0" rankenv -v -- sh -c "$1"' \
	"$EZPZ" "$show"
t_eq "fallback: ranks 0 and 1" "0 1" "$(printf '%s\n' "$OUT" | awk '{print $1}' | sort -n | xargs)"
t_eq "fallback: from Open MPI's variables" 2 "$(printf '%s\n' "$ERR" | grep -c 'env:OMPI_COMM_WORLD_RANK')"
t_eq "fallback: the same derived port on both" 1 "$(printf '%s\n' "$OUT" | awk '{print $8}' | sort -u | wc -l)"

# torch's env:// rendezvous works through ezpz launch, with no torchrun.
t_run t_timeout 60 "$EZPZ" launch -q -n 4 -- python3 "$RDZV"
t_eq "env:// rendezvous of 4 ranks" "0 4" "$RC $(printf '%s\n' "$OUT" | grep -c ' ok$')"

# Across emulated nodes (mpirun + rsh shim): local ranks per node, NODE_RANK.
if [ "$(id -u)" = 0 ] && unshare --uts true 2>/dev/null; then
	hf=$(t_hostfile node1:2 node2:2)
	t_run t_timeout 90 mpirun --hostfile "$hf" --mca plm_rsh_agent "$EZPZ_TEST_RSH_AGENT" -np 4 \
		-x MASTER_ADDR=127.0.0.1 "$EZPZ" rankenv -- sh -c "$show"' $(hostname)'
	t_eq "2 emulated nodes: exit 0" 0 "$RC"
	t_eq "local ranks 0,1 on each node, NODE_RANK by node" "0 0 0 node1
1 1 0 node1
2 0 1 node2
3 1 1 node2" "$(printf '%s\n' "$OUT" | awk '{print $1, $3, $5, $9}' | sort -n)"
	t_run t_timeout 90 "$EZPZ" launch -q --hostfile "$hf" -x MASTER_ADDR=127.0.0.1 -ppn 2 \
		--mca plm_rsh_agent "$EZPZ_TEST_RSH_AGENT" -- python3 "$RDZV"
	t_eq "ezpz launch across emulated nodes: env:// rendezvous" "0 4" "$RC $(printf '%s\n' "$OUT" | grep -c ' ok$')"
	t_match "... each node's local ranks" "rank 3/4 local 1/2 node 1 ok" "$OUT"
else
	echo "# emulated nodes need root and unshare --uts"
	[ "${EZPZ_TEST_NO_SKIP:-}" = 1 ] && t_fail "emulated nodes unavailable"
fi

# Outside any launcher: rank 0 of 1.
t_run env -u OMPI_COMM_WORLD_RANK "$EZPZ" rankenv -- sh -c "$show"
t_eq "no launcher: 0 of 1 on 127.0.0.1" "0 1 0 1 0 0 127.0.0.1 29500" "$OUT"

# A stale WORLD_SIZE (a login profile's) is an error naming it, not a wrong rank.
t_run t_timeout 60 mpirun -np 2 -x WORLD_SIZE=1 "$EZPZ" rankenv -- true
t_eq "stale WORLD_SIZE: non-zero" yes "$([ "$RC" != 0 ] && echo yes)"
t_match "stale WORLD_SIZE: names the variable" "WORLD_SIZE=1 is already set, but the launcher says 2 .*unset WORLD_SIZE" "$ERR"

# GPU masks, from the layout ezpz launch passes (or a fixture topology).
gpu() { env "$@" "$EZPZ" rankenv --gpu-bind per-rank -- sh -c 'echo ${CUDA_VISIBLE_DEVICES-}${ROCR_VISIBLE_DEVICES-}${ZE_AFFINITY_MASK-}'; }
t_eq "nvidia: local rank 2 of 4 -> GPU 2" 2 "$(gpu OMPI_COMM_WORLD_RANK=2 OMPI_COMM_WORLD_SIZE=4 OMPI_COMM_WORLD_LOCAL_RANK=2 OMPI_COMM_WORLD_LOCAL_SIZE=4 MASTER_ADDR=h EZPZ_GPU_VENDOR=nvidia EZPZ_NGPU_PER_HOST=4)"
t_eq "nvidia: Slurm's CUDA_VISIBLE_DEVICES=2,3 respected" 3 "$(gpu SLURM_PROCID=1 SLURM_NTASKS=2 SLURM_LOCALID=1 SLURM_STEP_TASKS_PER_NODE=2 SLURM_NODEID=0 SLURM_JOB_NODELIST=n1 CUDA_VISIBLE_DEVICES=2,3 EZPZ_GPU_VENDOR=nvidia EZPZ_NGPU_PER_HOST=4)"
t_eq "intel tiles: local rank 7 of 12 -> 3.1" 3.1 "$(gpu PALS_RANKID=7 PMI_SIZE=12 PALS_LOCAL_RANKID=7 PALS_LOCAL_SIZE=12 MASTER_ADDR=h EZPZ_GPU_VENDOR=intel EZPZ_NGPU_PER_HOST=12 EZPZ_GPU_TILES=2)"
t_eq "amd from hwloc (MI250X fixture): local rank 5 of 8 -> 5" 5 "$(gpu OMPI_COMM_WORLD_RANK=5 OMPI_COMM_WORLD_SIZE=8 OMPI_COMM_WORLD_LOCAL_RANK=5 OMPI_COMM_WORLD_LOCAL_SIZE=8 MASTER_ADDR=h EZPZ_TOPOLOGY=$FIX/topo/synthetic-8xMI250X-gcd.xml)"
# A visible-devices list as the runtime reads it: never a device it hides.
one="OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_LOCAL_RANK=1 OMPI_COMM_WORLD_LOCAL_SIZE=2 MASTER_ADDR=h"
t_eq "CUDA_VISIBLE_DEVICES=0,-1: the list ends at -1, both ranks on 0" 0 \
	"$(gpu $one CUDA_VISIBLE_DEVICES=0,-1 EZPZ_TOPOLOGY=$FIX/topo/synthetic-4xA100.xml)"
t_eq "CUDA_VISIBLE_DEVICES=0,9,1 on a 4-GPU host: ends at 9" 0 \
	"$(gpu $one CUDA_VISIBLE_DEVICES=0,9,1 EZPZ_TOPOLOGY=$FIX/topo/synthetic-4xA100.xml)"
for v in "" NoDevFiles 0,0,1; do
	t_run env $one CUDA_VISIBLE_DEVICES=$v EZPZ_TOPOLOGY=$FIX/topo/synthetic-4xA100.xml \
		"$EZPZ" rankenv --gpu-bind per-rank -- true
	t_eq "CUDA_VISIBLE_DEVICES='$v' shows none: an error, not a hidden GPU" \
		"1:ezpz: rankenv: --gpu-bind per-rank: CUDA_VISIBLE_DEVICES='$v' shows no GPU to give local rank 1 (empty, 'NoDevFiles', a first item naming no device, or a device named twice); unset it or list the GPUs to use, or drop --gpu-bind" "$RC:$ERR"
done
t_run env $one EZPZ_GPU_VENDOR=bogus EZPZ_NGPU_PER_HOST=4 "$EZPZ" rankenv --gpu-bind per-rank -- true
t_eq "EZPZ_GPU_VENDOR=bogus: an error naming it" \
	"1:ezpz: rankenv: EZPZ_GPU_VENDOR='bogus': not a GPU vendor (use nvidia, amd, intel or none)" "$RC:$ERR"

# Partial launcher facts: an error, never every rank on this host.
t_run env PMI_RANK=1 PMI_SIZE=2 "$EZPZ" rankenv -- true
t_match "PMI_RANK without MPI_LOCALRANKID: names it" \
	"^ezpz: rankenv: PMI_RANK=1 \(Hydra\), but MPI_LOCALRANKID is not set" "$ERR"
t_run env SLURM_JOB_ID=77 SLURM_PROCID=2 SLURM_NTASKS=4 SLURM_NODEID=1 SLURM_LOCALID=0 "$EZPZ" rankenv -- true
t_match "a Slurm rank on node 1 with no tasks per node: no 127.0.0.1" \
	"^ezpz: rankenv: SLURM_PROCID=2 \(Slurm\), but neither SLURM_STEP_TASKS_PER_NODE nor" "$ERR"
t_run env SLURM_JOB_ID=77 SLURM_PROCID=1 SLURM_NTASKS=2 SLURM_NODEID=1 SLURM_LOCALID=0 \
	SLURM_TASKS_PER_NODE='1(x2)' SLURM_JOB_NODELIST='n[' "$EZPZ" rankenv -- true
t_match "a malformed SLURM_JOB_NODELIST: names it, no 127.0.0.1" \
	"^ezpz: rankenv: SLURM_JOB_NODELIST='n\[': " "$ERR"

t_eq "--gpu-bind none (default) leaves all visible" "" "$(OMPI_COMM_WORLD_RANK=0 OMPI_COMM_WORLD_SIZE=1 OMPI_COMM_WORLD_LOCAL_RANK=0 OMPI_COMM_WORLD_LOCAL_SIZE=1 "$EZPZ" rankenv -- sh -c 'echo ${CUDA_VISIBLE_DEVICES-}')"

# CPU binding: a list (what ezpz launch passes Open MPI ranks), and auto.
t_run t_timeout 60 mpirun -np 2 --bind-to none "$EZPZ" rankenv --cpu-bind list:1:0 -- \
	sh -c 'echo "$RANK $(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)"'
t_eq "--cpu-bind list: rank 0 on CPU 1, rank 1 on CPU 0" "0 1
1 0" "$(printf '%s\n' "$OUT" | sort -n)"
t_run t_timeout 60 mpirun -np 2 --bind-to none -x EZPZ_TOPOLOGY= "$EZPZ" rankenv --cpu-bind auto -- \
	sh -c 'echo "$RANK $(sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status)"'
t_eq "--cpu-bind auto on this host: a core each" "0 0
1 1" "$(printf '%s\n' "$OUT" | sort -n)"
t_run "$EZPZ" rankenv --cpu-bind list:0-1 -- true
t_eq "0 of 1 with a one-group list: fine" 0 "$RC"
t_run env OMPI_COMM_WORLD_RANK=1 OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_LOCAL_RANK=1 OMPI_COMM_WORLD_LOCAL_SIZE=2 \
	MASTER_ADDR=h "$EZPZ" rankenv --cpu-bind list:0 -- sh -c 'sed -n "s/^Cpus_allowed_list:[[:space:]]*//p" /proc/self/status'
t_eq "fewer groups than ranks: the list is reused (as PALS and srun do)" "0 0" "$RC $OUT"
t_run env OMPI_COMM_WORLD_RANK=0 OMPI_COMM_WORLD_SIZE=1 OMPI_COMM_WORLD_LOCAL_RANK=0 OMPI_COMM_WORLD_LOCAL_SIZE=1 \
	MASTER_ADDR=h "$EZPZ" rankenv --cpu-bind list:3-1 -- true
t_match "a malformed group: says which" "group 1 is not a list of CPU numbers" "$ERR"
t_run env OMPI_COMM_WORLD_RANK=0 OMPI_COMM_WORLD_SIZE=2 OMPI_COMM_WORLD_LOCAL_RANK=0 OMPI_COMM_WORLD_LOCAL_SIZE=2 \
	MASTER_ADDR=h "$EZPZ" rankenv --cpu-bind list:0:1-x -- true
t_eq "a malformed group is a usage error in every rank, not only in its own" \
	"2:ezpz: rankenv: --cpu-bind 'list:0:1-x': group 2 is not a list of CPU numbers (0 to 1048576) and ascending ranges" "$RC:$ERR"

# exec: rankenv replaces itself, and a missing command is 127.
t_run "$EZPZ" rankenv -- sh -c 'ps -o comm= -p $PPID'
t_nomatch "no ezpz process stays around" "ezpz" "$OUT"
t_run "$EZPZ" rankenv -- /nonexistent/prog
t_eq "missing command: 127" 127 "$RC"
t_run "$EZPZ" rankenv -- ezpz-no-such-command
t_eq "not on PATH: 127, and says where it looked and what to do" \
	"127:ezpz: rankenv: ezpz-no-such-command: command not found on the rank's PATH (load its module or activate its venv in the job, or give its path)" "$RC:$ERR"
# A PATH directory the user cannot search (a root-only /root/bin) makes
# execvp say EACCES even when the command is nowhere: that is "not found"
# (127), as a shell says, not "Permission denied" (126).  Root searches
# any directory, so this runs as nobody, on a copy of ezpz it can run.
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	pub=$(mktemp -d /tmp/ezpz-eacces.XXXXXX) && chmod 755 "$pub" && mkdir -m 700 "$pub/locked" &&
		cp "$EZPZ" "$pub/ezpz" && printf '#!/bin/sh\n' >"$pub/notexec" && chmod 644 "$pub/notexec" ||
		t_bail "cannot set up $pub"
	as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
	san=(${ASAN_OPTIONS+"ASAN_OPTIONS=$ASAN_OPTIONS"} ${UBSAN_OPTIONS+"UBSAN_OPTIONS=$UBSAN_OPTIONS"})
	t_run as_nobody env -i "${san[@]}" PATH="$pub/locked:/usr/bin:/bin" "$pub/ezpz" rankenv -- ezpz-no-such-command
	t_eq "an unsearchable PATH directory: still 127, not found" \
		"127:ezpz: rankenv: ezpz-no-such-command: command not found on the rank's PATH (load its module or activate its venv in the job, or give its path)" "$RC:$ERR"
	t_run as_nobody env -i "${san[@]}" PATH="$pub/locked:$pub:/usr/bin:/bin" "$pub/ezpz" rankenv -- notexec
	t_eq "a command there but not executable: 126, permission denied" \
		"126:ezpz: rankenv: notexec: Permission denied" "$RC:$ERR"
	rm -rf "$pub"
else
	echo "# not root, or no nobody/setpriv: the EACCES checks need another user"
	[ "${EZPZ_TEST_NO_SKIP:-}" = 1 ] && t_fail "no other user for the EACCES checks"
fi
mkdir -p "$T_TMP/adir"
for w in "" --label; do
	t_run "$EZPZ" rankenv $w -- "$T_TMP/adir"
	t_eq "a directory${w:+ ($w)}: 126, said so" "126:$T_TMP/adir: a directory, not a program" \
		"$RC:$(grep -o "$T_TMP/adir: .*" <<<"$ERR")"
done
t_done
