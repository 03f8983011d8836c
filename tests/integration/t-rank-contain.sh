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

tag=contain-$$-1
export EZPZ_T_TAG=$tag
t_run t_timeout 90 salloc -Q -N 2 --exclusive "$EZPZ" launch -q -- sh -c "$leave"
t_eq "ezpz launch under srun, each rank leaves a sleep: exit 0" 0 "$RC"
t_eq "... both ranks ran" 2 "$(grep -c 'left a sleep' <<<"$OUT")"
unset EZPZ_T_TAG   # the test's own subshells must not carry it
left=$(t_tagged_gone "$tag")
t_eq "... nothing of the run is left on any node" "" "$left"
t_tagged_kill "$tag"

tag=contain-$$-2
export EZPZ_T_TAG=$tag
t_run t_timeout 90 salloc -Q -N 2 --exclusive \
	srun "$EZPZ" rankenv --no-contain -- sh -c "$leave"
t_eq "rankenv --no-contain: exit 0" 0 "$RC"
unset EZPZ_T_TAG   # the test's own subshells must not carry it
left=$(t_tagged_gone "$tag")
t_match "... the orphans stay (what --contain prevents)" "sleep 1000" "$left"
t_tagged_kill "$tag"

# A rank killed outright: what it started is ended too.
tag=contain-$$-3
export EZPZ_T_TAG=$tag
t_run t_timeout 90 salloc -Q -N 2 --exclusive "$EZPZ" launch -q -- \
	sh -c "$leave"'; [ "$RANK" = 1 ] && kill -KILL $$; sleep 1'
t_eq "a rank SIGKILLed after leaving a sleep: the run fails" 1 "$((RC != 0))"
unset EZPZ_T_TAG   # the test's own subshells must not carry it
left=$(t_tagged_gone "$tag")
t_eq "... and nothing of the run is left" "" "$left"
t_tagged_kill "$tag"
t_done
