#!/bin/bash
# t-rank-contain: under srun, nothing a rank leaves running outlives it.
# A rank that starts a process in a session of its own, which ignores
# SIGTERM, and then exits: the test cluster's proctrack/linuxproc (Slurm's
# tracking by parentage, as on many sites) loses such an orphan to init,
# so ezpz rankenv stays each rank's parent there (--contain, the default
# under srun) and ends it.  With --no-contain the orphan is left: the check
# can fail.  Everything the runs start carries EZPZ_T_TAG.
# shellcheck disable=SC2016 # $RANK is for the ranks' shells
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 2 0
unset PBS_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT EZPZ_HOSTNAME
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
leave='setsid sh -c "trap \"\" TERM INT HUP; exec sleep 1000" </dev/null >/dev/null 2>&1 &
echo "rank $RANK left a sleep"'

# tagged_run N ARGS...: ARGS in a 2-node allocation, everything it starts
# tagged; then LEFT: what of it is still running 5 s later (then killed).
tagged_run() {
	local tag=contain-$$-$1
	shift
	export EZPZ_T_TAG=$tag
	t_run t_timeout 90 salloc -Q -N 2 --exclusive "$@"
	unset EZPZ_T_TAG   # the test's own subshells must not carry it
	LEFT=$(t_tagged_gone "$tag")
	t_tagged_kill "$tag"
}

tagged_run 1 "$EZPZ" launch -q -- sh -c "$leave"
t_eq "ezpz launch under srun, each rank leaves a sleep: exit 0" 0 "$RC"
t_eq "... both ranks ran" 2 "$(grep -c 'left a sleep' <<<"$OUT")"
t_eq "... nothing of the run is left on any node" "" "$LEFT"

tagged_run 2 srun "$EZPZ" rankenv --no-contain -- sh -c "$leave"
t_eq "rankenv --no-contain: exit 0" 0 "$RC"
t_match "... the orphans stay (what --contain prevents)" "sleep 1000" "$LEFT"

# A rank killed outright: what it started is ended too.
tagged_run 3 "$EZPZ" launch -q -- sh -c "$leave"'; [ "$RANK" = 1 ] && kill -KILL $$; sleep 1'
t_eq "a rank SIGKILLed after leaving a sleep: the run fails" 1 "$((RC != 0))"
t_eq "... and nothing of the run is left" "" "$LEFT"
t_done
