#!/bin/bash
# t-faults-slurm: `ezpz launch` under faults inside a real allocation on the
# local Slurm cluster (2 emulated nodes, 2 ranks each), where the launch
# line is srun's:
#   - SIGTERM, SIGINT, SIGHUP to ezpz while the 4 ranks run: exit 128+N;
#   - Slurm itself signalling a batch job (scancel -s TERM --full, what a
#     walltime or preemption does): exit 143;
#   - a rank that dies of SIGSEGV, or exits 3, while the others run on;
#   - the same while the others would wait 300 s (as ranks blocked in a
#     collective wait until the walltime): srun stops them (ezpz adds
#     --kill-on-bad-exit=1) and ezpz exits with the failed rank's status,
#     not srun's 143; with SLURM_KILL_BAD_EXIT=0 the others run to their end.
# After each, once the grace period is over, no rank, srun, ezpz or
# slurmstepd of the step may be alive on any node (the emulated nodes'
# processes are in this machine's process table), and once the allocation
# is gone, nothing of the job at all.
# shellcheck disable=SC2016 # $RANK and friends are for the ranks' shells
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 2
unset PBS_JOBID PBS_NODEFILE HOSTFILE NGPU_PER_HOST EZPZ_JOBID EZPZ_LAUNCHER EZPZ_MACHINE \
	MASTER_ADDR MASTER_PORT CPU_BIND
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
cd "$T_TMP" || t_bail "no $T_TMP"   # the job's working directory: nothing lands in the tree
T=90
MARK=ezpz-t-faults-slurm-$$
GRACE=3
alloc=(-N2 -w 'n[1-2]' --ntasks-per-node=2)

ranks_up() {   # wait for 4 rank shells running "sleep 60 # MARK"
	for _ in $(seq 300); do
		[ "$(pgrep -fc "^sh -c sleep 60 # $MARK\$")" -ge 4 ] && return 0
		sleep 0.1
	done
	return 1
}

# What of job JOB is alive: ranks, srun and ezpz (they carry MARK) and the
# job's slurmstepds (steps only with "steps", all with "all").
alive() {   # job steps|all
	local pat="slurmstepd: \\[$1\\.[0-9]+\\]"
	[ "$2" = all ] && pat="slurmstepd: \\[$1\\."
	{ pgrep -af "$MARK"; pgrep -af "$pat"; } 2>/dev/null | sort -u
}

# The script salloc runs: DIR/cmd.sh (which execs ezpz) in the background,
# its pid in a file; its exit status; then, after the grace period, what is
# left of the step.  The command is in a file so that no process but the
# ranks, srun and ezpz has MARK in its command line.
cat >"$T_TMP/inner.sh" <<EOF
#!/bin/bash
d=\$1
echo "\$SLURM_JOB_ID" >"\$d/job"
bash "\$d/cmd.sh" >"\$d/out" 2>"\$d/err" &
echo \$! >"\$d/pid"
wait \$!
echo \$? >"\$d/rc"
sleep $((GRACE + 2))
{ pgrep -af "$MARK"; pgrep -af "slurmstepd: \\\\[\$SLURM_JOB_ID\\\\.[0-9]+\\\\]"; } | sort -u >"\$d/left"
EOF

# One case: run CMD... in an allocation, send SIG to ezpz once the ranks run
# (no SIG: just wait), then check the status and what is left.
case_alloc() {   # name sig want cmd...
	local name=$1 sig=$2 want=$3 d=$T_TMP/$1 sp job failed=$T_FAILED
	shift 3
	mkdir -p "$d"
	{ printf 'exec env --default-signal=INT'; printf ' %q' "$@"; echo; } >"$d/cmd.sh"   # '&' ignores SIGINT
	t_timeout $T salloc "${alloc[@]}" bash "$T_TMP/inner.sh" "$d" >"$d/salloc" 2>&1 &
	sp=$!
	if [ -n "$sig" ]; then
		ranks_up || { t_fail "$name: the 4 ranks did not start"; cat "$d/err" "$d/salloc"; }
		kill -"$sig" "$(cat "$d/pid")"
	fi
	wait "$sp"
	job=$(cat "$d/job" 2>/dev/null)
	t_eq "$name: exit $want" "$want" "$(cat "$d/rc" 2>/dev/null)"
	t_eq "$name: nothing of the step left after the grace period" "" "$(cat "$d/left" 2>/dev/null)"
	for _ in $(seq 50); do [ -z "$(alive "${job:-none}" all)" ] && break; sleep 0.2; done
	t_eq "$name: nothing of job ${job:-?} left after the allocation" "" "$(alive "${job:-none}" all)"
	[ "$T_FAILED" = "$failed" ] || sed 's/^/  | /' "$d/err" "$d/salloc" | tail -n 20
}

sleeper=(sh -c "sleep 60 # $MARK")
for sig in TERM INT HUP; do
	case_alloc "srun, SIG$sig to ezpz" "$sig" "$((128 + $(kill -l "$sig")))" \
		"$EZPZ" launch -q -n 4 --grace "$GRACE" -- "${sleeper[@]}"
done

case_alloc "srun, a rank dies of SIGSEGV" "" 139 "$EZPZ" launch -q -n 4 --grace "$GRACE" -- \
	sh -c "[ \"\$RANK\" = 1 ] && kill -SEGV \$\$; sleep 3 # $MARK"
t_match "... srun names the task" "task 1: Segmentation fault" "$(cat "$T_TMP/srun, a rank dies of SIGSEGV/err")"
case_alloc "srun, a rank exits 3" "" 3 "$EZPZ" launch -q -n 4 --grace "$GRACE" -- \
	sh -c "[ \"\$RANK\" = 2 ] && exit 3; sleep 3 # $MARK"
t_match "... srun names the task" "task 2: Exited with exit code 3" "$(cat "$T_TMP/srun, a rank exits 3/err")"

# The others would wait 300 s, past the test's timeout: a hang fails the case.
case_alloc "srun, a rank exits 3, the others wait" "" 3 "$EZPZ" launch -q -n 4 --grace "$GRACE" -- \
	sh -c "[ \"\$RANK\" = 2 ] && exit 3; sleep 300 # $MARK"
t_match "... srun stopped the others" "tasks? [0-9,-]+: Terminated" \
	"$(cat "$T_TMP/srun, a rank exits 3, the others wait/err")"
t_match "... ezpz names the rank" "first failed rank: 2 on n2: exit 3" \
	"$(cat "$T_TMP/srun, a rank exits 3, the others wait/err")"
case_alloc "srun, a rank dies of SIGSEGV, the others wait" "" 139 "$EZPZ" launch -q -n 4 \
	--grace "$GRACE" -- sh -c "[ \"\$RANK\" = 1 ] && kill -SEGV \$\$; sleep 300 # $MARK"
t_match "... ezpz names the rank" "first failed rank: 1 on n1: signal 11" \
	"$(cat "$T_TMP/srun, a rank dies of SIGSEGV, the others wait/err")"
# The same through the attempts path (--label): a rank's own signal is named.
case_alloc "srun --label, a rank dies of SIGSEGV" "" 139 "$EZPZ" launch -q -n 4 --label \
	--grace "$GRACE" -- sh -c "[ \"\$RANK\" = 1 ] && kill -SEGV \$\$; sleep 300 # $MARK"
t_match "... ezpz names the rank" "first failed rank: 1 on n1: signal 11" \
	"$(cat "$T_TMP/srun --label, a rank dies of SIGSEGV/err")"
# The user's choice stands: no -K, the others end on their own.
case_alloc "srun, SLURM_KILL_BAD_EXIT=0: the others run on" "" 3 env SLURM_KILL_BAD_EXIT=0 \
	"$EZPZ" launch -q -n 4 --grace "$GRACE" -- sh -c "[ \"\$RANK\" = 2 ] && exit 3; sleep 3 # $MARK"
t_eq "... no rank was stopped" "" \
	"$(grep -E 'Terminated|CANCELLED' "$T_TMP/srun, SLURM_KILL_BAD_EXIT=0: the others run on/err")"

# A batch job that Slurm signals, as at walltime: every process of every
# step gets SIGTERM (the batch shell traps it and waits for ezpz).
d=$T_TMP/batch
mkdir -p "$d"
cat >"$d/job.sh" <<EOF
#!/bin/bash
trap 'echo batch shell got TERM >>"$d/trace"' TERM
"$EZPZ" launch -q -n 4 --grace $GRACE -- sh -c "sleep 60 # $MARK" >"$d/out" 2>"$d/err"
echo \$? >"$d/rc"
EOF
t_run t_timeout $T sbatch --parsable "${alloc[@]}" -o "$d/slurm.out" "$d/job.sh"
job=$OUT
t_match "sbatch: submitted" '^[0-9]+$' "$job"
if ranks_up; then
	t_timeout 20 scancel -s TERM --full "$job"
	for _ in $(seq 150); do [ -s "$d/rc" ] && break; sleep 0.2; done
	t_eq "sbatch, scancel -s TERM --full: exit 143" 143 "$(cat "$d/rc" 2>/dev/null)"
else
	t_fail "sbatch: the 4 ranks did not start"
	t_timeout 20 scancel "$job"
fi
for _ in $(seq 50); do [ -z "$(alive "$job" all)" ] && break; sleep 0.2; done
sleep $((GRACE + 1))
t_eq "sbatch: nothing of job $job left" "" "$(alive "$job" all)"

t_done
