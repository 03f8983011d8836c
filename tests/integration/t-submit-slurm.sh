#!/bin/bash
# t-submit-slurm: real submissions to the local Slurm cluster (emulated
# nodes n1..n4).  'ezpz submit -N 2 -- hostname' writes a script that runs
# the real 'ezpz setup-env' and 'ezpz launch', Slurm runs it on two nodes,
# and the job finishes with exit 0; 'ezpz submit' of 'ezpz test' does the
# same for the distributed smoke test; a partition Slurm does not have is
# refused with Slurm's message and a non-zero exit; and the contrib generic
# Slurm template, submitted unchanged with 'sbatch --wait', passes.
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 2
need_cmd scontrol
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID EZPZ_HOSTNAME \
	VIRTUAL_ENV CONDA_PREFIX
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
# The jobs find ezpz by PATH only where a script says 'ezpz' (contrib).
export PATH="$EZPZ_BUILD/bin:$PATH"
cd "$T_TMP" || t_bail "cannot cd to $T_TMP"

# job_end ID: wait (180 s at most) until Slurm is done with job ID; prints
# "STATE EXITCODE", e.g. "COMPLETED 0:0".
job_end() {
	local i info state
	for ((i = 0; i < 360; i++)); do
		info=$(timeout 20 scontrol show job -o "$1" 2>/dev/null)
		state=$(sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' <<<"$info")
		case $state in
		PENDING | RUNNING | CONFIGURING | COMPLETING | "") sleep 0.5 ;;
		*) echo "$state $(sed -n 's/.* ExitCode=\([0-9:]*\).*/\1/p' <<<"$info")"; return ;;
		esac
	done
	echo "still running after 180 s"
}

# ---- a command: setup-env, then ezpz launch on 2 nodes ----------------------------
export XDG_STATE_HOME=$T_TMP/state
t_run t_timeout 60 "$EZPZ" submit -N 2 -t 00:05:00 --sched-args --comment=ezpz-t -- -- hostname
t_eq "submit: exit 0" 0 "$RC"
t_match "submit: prints the job id" '^[0-9]+$' "$OUT"
id=$OUT
t_match "submit: says which job and script" "^ezpz submit: submitted slurm job $id \(script $T_TMP/state/ezpz/submit/ezpz-submit-[0-9-]+\.sh\)$" "$ERR"
t_match "submit: --sched-args reached sbatch" "Comment=ezpz-t" "$(scontrol show job "$id" 2>&1)"
t_eq "submit: the job finished with exit 0" "COMPLETED 0:0" "$(job_end "$id")"
log=$(cat "slurm-$id.out" 2>/dev/null)
t_eq "submit: hostname ran on both nodes" "n1 n2" "$(grep -E '^n[0-9]+$' <<<"$log" | sort | xargs)"
t_match "submit: through ezpz launch (its banner)" "ezpz launch: job $id \(slurm\)" "$log"
[ "$(job_end "$id")" = "COMPLETED 0:0" ] || printf 'job log:\n%s\n' "$log" | sed 's/^/  /'

# ---- --gpus-per-node (a rank per GPU needs a task per GPU: ezpz asks for
# them), sbatch --parsable (its answer is the bare id), and no -t: the
# partition's DefaultTime (10 min), where a fixed 1 h default would be over
# its MaxTime (30 min) and the job would pend for ever -----------------------------
t_run t_timeout 60 "$EZPZ" submit -N 2 --gpus-per-node 2 --sched-args --parsable -- \
	-- hostname
t_eq "--gpus-per-node 2, --parsable: exit 0" 0 "$RC"
t_match "... the job id, read from --parsable's answer" '^[0-9]+$' "$OUT"
id=$OUT
t_match "... no -t: the partition's DefaultTime" " TimeLimit=00:10:00 " "$(scontrol show job "$id" 2>&1)"
t_eq "... the job finished with exit 0" "COMPLETED 0:0" "$(job_end "$id")"
log=$(cat "slurm-$id.out" 2>/dev/null)
t_eq "... a rank per GPU on each node" "n1 n1 n2 n2" "$(grep -E '^n[0-9]+$' <<<"$log" | sort | xargs)"
[ "$(job_end "$id")" = "COMPLETED 0:0" ] || printf 'job log:\n%s\n' "$log" | sed 's/^/  /'

# ---- ezpz test across the nodes ---------------------------------------------------------
if "$EZPZ" help | grep -q '^  test '; then
	t_run t_timeout 60 "$EZPZ" submit -N 2 -t 00:05:00 --no-launch -- "$EZPZ" test
	t_eq "submit ezpz test: exit 0" 0 "$RC"
	id=$OUT
	state=$(job_end "$id")
	t_eq "submit ezpz test: the job passed" "COMPLETED 0:0" "$state"
	[ "$state" = "COMPLETED 0:0" ] || sed 's/^/  | /' "slurm-$id.out" | tail -n 30
else
	echo "# 'ezpz test' is not built yet: only 'ezpz launch hostname' was submitted"
fi

# ---- refused by Slurm ----------------------------------------------------------------------
t_run t_timeout 60 "$EZPZ" submit -q nosuchpartition -- hostname
t_eq "bad partition: exit 1" 1 "$RC"
t_match "bad partition: Slurm's own words" "^ezpz: submit: sbatch failed \(exit 1\):
sbatch: error: .*[Ii]nvalid partition" "$ERR"
t_eq "bad partition: no job id on stdout" "" "$OUT"

# ---- the contrib template, unchanged -------------------------------------------------------------
t_run t_timeout 300 sbatch --wait -o "$T_TMP/generic.out" "$EZPZ_TOP/contrib/slurm/generic.sbatch"
t_eq "contrib/slurm/generic.sbatch: the job passed" 0 "$RC"
log=$(cat "$T_TMP/generic.out" 2>/dev/null)
t_eq "contrib/slurm/generic.sbatch: the example printed a rank on each node" "0 n1 1 n2" \
	"$(sed -n 's/^rank \([0-9]*\) of 2 on \(n[0-9]*\)$/\1 \2/p' <<<"$log" | sort | xargs)"
[ "$RC" = 0 ] || printf '%s\n' "$log" | sed 's/^/  | /' | tail -n 40
t_done
