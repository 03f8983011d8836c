#!/bin/bash
# ezpz launch --auto-retry, --exclude, --label and --log-dir with real
# Open MPI across emulated nodes (tests/integration/ompi-rsh-shim.sh): a
# rank that crashes only on node2 is failed over to the spare node3 and the
# job finishes; a program error (exit 1 everywhere, the same traceback
# everywhere) stops after one attempt without swapping.
# shellcheck disable=SC2016 # $VARs in single quotes: the ranks' shells expand them
. "$EZPZ_TOP/tests/lib.sh"
need_rsh_shim
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
unset PBS_JOBID SLURM_JOB_ID HOSTFILE EZPZ_JOBID MASTER_ADDR MASTER_PORT EZPZ_HOSTNAME
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
T=120
hf=$(t_hostfile node1:2 node2:2 node3:2)
cd "$T_TMP" || exit 1
fl() { t_run t_timeout $T "$EZPZ" launch -q --hostfile "$hf" -ppn 2 -x MASTER_ADDR=127.0.0.1 \
	--mca plm_rsh_agent "$EZPZ_TEST_RSH_AGENT" "$@"; }

# A rank that crashes on node2 only.
crash='echo "rank $RANK on $(hostname)"; [ "$(hostname)" = node2 ] && exit 3; sleep 1; echo "rank $RANK done"'
fl --auto-retry -nh 2 --log-dir logs -- sh -c "$crash"
t_eq "a rank crashes on node2, node3 is spare: the job finishes (exit 0)" 0 "$RC"
t_eq "... attempt 2 ran on node1 and node3" "node1 node3" \
	"$(grep -o 'on node[0-9]' logs/attempt-2.log | sort -u | sed 's/on //' | xargs)"
t_match "... the table names the swapped host" "1 +node\[1-2\] +node failure: rank [23] on node2: exit 3 .* node2 -> node3" "$ERR"
t_match "... and attempt 2's success" "2 +node\[1,3\] +success" "$ERR"
t_eq "... each attempt has its hostfile" "node1 slots=2 node2 slots=2|node1 slots=2 node3 slots=2" \
	"$(xargs < logs/attempt-1/hostfile)|$(xargs < logs/attempt-2/hostfile)"
t_eq "... and a file per rank" "rank 2 on node3 rank 2 done" "$(xargs < logs/attempt-2/rank-2.log)"

# The same crash without a spare: the exit status of the (only) attempt.
fl --auto-retry -nh 2 --spare-nodes 0 -- sh -c "$crash"
t_eq "no spare: the attempt's exit status" 3 "$RC"
t_match "... and why it stopped" "no spare host left for node2" "$ERR"
t_match "... the first failed rank, on a line before the closing one" "first failed rank: [23] on node2: exit 3" "$ERR"

# A plain launch names the first failed rank and its host too: Open MPI's
# report names the rank, ezpz's block placement (ppr:2:node) the host.
fl -nh 2 -- sh -c "$crash"
t_eq "a plain launch, a rank crashes on node2: exit 3" 3 "$RC"
# (when mpirun reports it: Open MPI 4.1 now and then aborts the job before
# printing its "Process name" box, and then no one names the rank)
if grep -q "Process name:" <<<"$ERR"; then
	t_match "... names the first failed rank on node2" "^ezpz launch: first failed rank: [23] on node2: exit 3\$" "$ERR"
else
	t_nomatch "... mpirun named no rank: nor does ezpz guess one" "first failed rank" "$ERR"
fi
t_match "... and the ranks' stdout is there" "rank 0 on node1" "$OUT"

# Program errors stop at once, without swapping.
fl --auto-retry -nh 2 --log-dir pe -- sh -c 'echo "rank $RANK"; exit 1'
t_eq "exit 1 on every rank: exit 1" 1 "$RC"
t_eq "... one attempt, no swap" "attempt-1.log" "$(ls pe | grep '\.log$' | xargs)"
t_match "... a program error" "program error: exit 1 on [0-9]+ ranks, 2 hosts" "$ERR"
fl --auto-retry -nh 2 -- python3 -c 'import sys; import nosuchmodule'
t_eq "the same Python traceback everywhere: stops after one attempt" "1 0" \
	"$RC $(grep -c 'running again on' <<<"$ERR")"
t_match "... as a program error" "program error" "$ERR"

# --exclude and --label, with Open MPI.
fl --exclude node1 --label -- sh -c 'echo "on $(hostname)"'
t_eq "--exclude node1 --label: exit 0" 0 "$RC"
t_eq "... ranks on node2 and node3 only, each line labelled with its rank" \
	"0: on node2 1: on node2 2: on node3 3: on node3" "$(sort <<<"$OUT" | xargs)"
t_done
