#!/bin/bash
# t-pbs-failover: 'ezpz launch --auto-retry' in a real OpenPBS job on three
# emulated nodes: a rank that crashes only on the job's second node is
# failed over to the third (the spare) and the job finishes, the table
# naming the swapped node; exit 1 on every rank stops without swapping.
. "$EZPZ_TOP/tests/lib.sh"
need_pbs 3
need_mpirun

script=$(pbs_script failover <<'EOF'
cd "$PBS_O_WORKDIR"
nodes=$(uniq "$PBS_NODEFILE" | xargs)
echo "nodefile=$nodes"
bad=$(uniq "$PBS_NODEFILE" | sed -n 2p)
rm -rf fo pe
"$EZPZ" launch -q -ppn 2 --auto-retry -nh 2 --log-dir fo -- \
	sh -c 'echo "rank $OMPI_COMM_WORLD_RANK on $(hostname)"; test "$(hostname)" != "$1" || exit 3; sleep 1' sh "$bad"
echo "failover rc=$?"
echo "attempt2=$(grep -o 'on pbsn[0-9]*' fo/attempt-2.log | sort -u | sed 's/on //' | xargs)"
"$EZPZ" launch -q -ppn 2 --auto-retry -nh 2 --log-dir pe -- sh -c 'exit 1'
echo "program rc=$?"
echo "program attempts=$(ls pe | grep -c '\.log$')"
EOF
)
pbs_job failover -l select=3:ncpus=1:mpiprocs=2 -l place=scatter "$script"
nodes=$(sed -n 's/^nodefile=//p' <<<"$OUT")
read -r n1 n2 n3 <<<"$nodes"
t_match "three nodes" '^pbsn[0-9]+ pbsn[0-9]+ pbsn[0-9]+$' "$nodes"
t_eq "a rank crashes on the second node: the job finishes after a failover" "failover rc=0" \
	"$(grep '^failover rc=' <<<"$OUT")"
t_eq "... attempt 2 ran on the first and third nodes" "attempt2=$(printf '%s\n' "$n1" "$n3" | sort | xargs)" \
	"$(grep '^attempt2=' <<<"$OUT")"
t_match "... the table names the swapped node" "node failure: rank [23] on $n2: exit 3 .* $n2 -> $n3" "$OUT"
t_eq "exit 1 on every rank: exit 1" "program rc=1" "$(grep '^program rc=' <<<"$OUT")"
t_eq "... after one attempt, without swapping" "program attempts=1" "$(grep '^program attempts=' <<<"$OUT")"
t_match "... a program error" "program error" "$OUT"
[ "$T_FAILED" = 0 ] || printf '%s\n' "$OUT" | sed 's/^/  | /'
t_done
