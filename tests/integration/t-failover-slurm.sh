#!/bin/bash
# ezpz launch --auto-retry and --exclude in real Slurm jobs on the local
# cluster (emulated nodes n1..n4): a rank that crashes only on n2 is failed
# over to the spare n3 and the job finishes, srun's own report naming the
# host; exit 1 on every rank stops after one attempt without swapping.
# shellcheck disable=SC2016 # $VARs in single quotes: the ranks' shells expand them
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 3
unset PBS_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT EZPZ_HOSTNAME
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
T=120
cd "$T_TMP" || exit 1
crash='echo "rank $RANK on $(hostname)"; [ "$(hostname)" = n2 ] && exit 3; sleep 1; echo "rank $RANK done"'

t_run t_timeout $T salloc -N 3 -w 'n[1-3]' --exclusive "$EZPZ" launch -q -ppn 1 --auto-retry -nh 2 \
	--log-dir logs -- sh -c "$crash"
t_eq "a rank crashes on n2, n3 is spare: the job finishes (exit 0)" 0 "$RC"
t_eq "... attempt 2 ran on n1 and n3" "n1 n3" "$(grep -o 'on n[0-9]' logs/attempt-2.log | sed 's/on //' | sort -u | xargs)"
t_match "... srun named the host" "srun: error: n2: task 1: Exited with exit code 3" "$(cat logs/attempt-1.log)"
t_match "... the table names the swapped host" "1 +n1,n2 +node failure: rank 1 on n2: exit 3 .* n2 -> n3" "$ERR"
t_match "... and attempt 2's success" "2 +n1,n3 +success" "$ERR"
t_eq "... a file per rank" "rank 1 on n3 rank 1 done" "$(xargs < logs/attempt-2/rank-1.log)"

# Both ranks must get as far as their exit 1: srun's --kill-on-bad-exit
# SIGTERMs the other rank when the first exits, and a rank so stopped shows
# one exit 1, on one host, which is what a bad host looks like.  So each
# waits for the other (a file each, in the directory every node shares) and
# ignores that SIGTERM.
allfail='trap "" TERM; echo "rank $RANK"; : > "$0.$RANK"; i=0
while [ ! -e "$0.0" ] || [ ! -e "$0.1" ]; do i=$((i + 1)); [ $i -gt 300 ] && break; sleep 0.1; done
exit 1'
t_run t_timeout $T salloc -N 3 -w 'n[1-3]' --exclusive "$EZPZ" launch -q -ppn 1 --auto-retry -nh 2 \
	--log-dir pe -- sh -c "$allfail" "$T_TMP/ready"
t_eq "exit 1 on every rank: exit 1" 1 "$RC"
t_eq "... one attempt, no swap" "attempt-1.log" "$(ls pe | grep '\.log$' | xargs)"
t_match "... a program error" "program error: exit 1 on 2 ranks, 2 hosts" "$ERR"

# Rank 0 exits 1 at once, wherever it runs; srun stops the other: one
# rank's exit 1 on one host, a node failure.  On the host swapped in, the
# same: the program, not the host.
t_run t_timeout $T salloc -N 3 -w 'n[1-3]' --exclusive "$EZPZ" launch -q -ppn 1 --auto-retry -nh 2 \
	--log-dir r0 -- sh -c 'echo "rank $RANK on $(hostname) master $MASTER_ADDR"; [ "$RANK" = 0 ] && exit 1; sleep 30'
t_eq "rank 0 exits 1, srun stops rank 1: exit 1" 1 "$RC"
t_eq "... two attempts" "attempt-1.log attempt-2.log" "$(ls r0 | grep '\.log$' | xargs)"
t_match "... the first blames rank 0's host" "1 +n1,n2 +node failure: rank 0 on n1: exit 1 .* n1 -> n3" "$ERR"
# srun places rank 0 on the first node in the allocation's order (n2):
# the hosts are in that order, so MASTER_ADDR is rank 0's host
t_match "... the second sees it follow the program" \
	"2 +n2,n3 +program error: exit 1 again, now on n2 \(was n1\): it follows the program" "$ERR"
t_eq "... after the swap, rank 0 runs on MASTER_ADDR" "rank 0 on n2 master n2" \
	"$(cat r0/attempt-2/rank-0.log 2>/dev/null)"

t_run t_timeout $T salloc -N 3 -w 'n[1-3]' --exclusive "$EZPZ" launch -q -ppn 1 --exclude n2 --label \
	-- sh -c 'echo "on $(hostname)"'
t_eq "--exclude n2 --label under srun: exit 0" 0 "$RC"
t_eq "... ranks on n1 and n3, labelled" "0: on n1 1: on n3" "$(sort <<<"$OUT" | xargs)"
t_run t_timeout $T salloc -N 2 -w 'n[1-2]' --exclusive "$EZPZ" launch -q --exclude n4 -- true
t_eq "--exclude a host outside the allocation: usage error" 2 "$RC"
t_done
