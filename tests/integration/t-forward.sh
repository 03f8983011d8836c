#!/bin/bash
# Variables reach ranks on other hosts under Open MPI, which forwards only
# what -x names: the documented prefixes (NCCL_, HF_, ...), -x/--env KEY
# without a value, and .ezpz_env.  Real mpirun across emulated nodes
# (tests/integration/ompi-rsh-shim.sh), behind an agent that, like ssh,
# starts the remote side with a login environment, not mpirun's.
. "$EZPZ_TOP/tests/lib.sh"
need_rsh_shim
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=localhost
agent=$T_TMP/ssh-like
cat > "$agent" <<SH
#!/bin/sh
# ssh's remote side does not inherit the caller's environment
exec env -i PATH="\$PATH" HOME="\$HOME" "$EZPZ_TEST_RSH_AGENT" "\$@"
SH
chmod +x "$agent"
hf=$(t_hostfile node1:1 node2:1)
show='echo "$(hostname) NCCL_DEBUG=${NCCL_DEBUG-unset} HF_HOME=${HF_HOME-unset} MINE=${MINE-unset} FROMFILE=${FROMFILE-unset} SETINFILE=${SETINFILE-unset} OTHER=${OTHER-unset}"'
run() {   # run [ezpz launch options...]
	t_run t_timeout 90 env NCCL_DEBUG=INFO HF_HOME=/scratch/hf MINE=mine OTHER=other FROMFILE=ff \
		"$EZPZ" launch -q --no-rankenv --hostfile "$hf" -ppn 1 -x MASTER_ADDR=127.0.0.1 \
		--mca plm_rsh_agent "$agent" "$@" -- sh -c "$show"
}
mkdir -p "$T_TMP/proj" && cd "$T_TMP/proj" || t_bail "no project directory"

# Without ezpz's forwarding, the ssh-like agent loses them: the test can fail.
t_run t_timeout 90 env NCCL_DEBUG=INFO mpirun --hostfile "$hf" -np 2 --map-by ppr:1:node \
	--mca plm_rsh_agent "$agent" sh -c "$show"
t_match "plain mpirun: NCCL_DEBUG does not reach node2 (the agent is ssh-like)" \
	"^node2 NCCL_DEBUG=unset " "$OUT"

run
t_eq "2 emulated nodes: exit 0" 0 "$RC"
t_match "NCCL_DEBUG reaches node2" "^node2 NCCL_DEBUG=INFO " "$OUT"
t_match "HF_HOME reaches node2" "^node2 .* HF_HOME=/scratch/hf " "$OUT"
t_match "a variable with no listed prefix does not" "^node2 .* MINE=unset " "$OUT"

run -x MINE --env OTHER
t_match "-x KEY and --env KEY send this host's value to node2" "^node2 .* MINE=mine .* OTHER=other$" "$OUT"

printf '# project variables\nFROMFILE\nSETINFILE=a b=c\n\n' > .ezpz_env
run
t_match ".ezpz_env: KEY sends its value, KEY=VALUE sets it, on node2" \
	"^node2 .* FROMFILE=ff SETINFILE=a b=c " "$OUT"
t_match "... and on node1" "^node1 .* FROMFILE=ff SETINFILE=a b=c " "$OUT"
run -x SETINFILE=cli
t_match "-x KEY=VALUE wins over .ezpz_env" "^node2 .* SETINFILE=cli " "$OUT"
printf 'BAD-NAME=1\nOK=1\n9X\n' > .ezpz_env
run
t_eq ".ezpz_env with bad lines: usage error" 2 "$RC"
t_match "... naming each, with file and line" "^ezpz: \.ezpz_env:1: 'BAD-NAME' is not a variable name
ezpz: \.ezpz_env:3: '9X' is not a variable name" "$ERR"
rm .ezpz_env
printf 'FROMFILE\n' > "$T_TMP/vars"
EZPZ_ENV_FILE=$T_TMP/vars run
t_match "EZPZ_ENV_FILE names the file" "^node2 .* FROMFILE=ff " "$OUT"
t_done
