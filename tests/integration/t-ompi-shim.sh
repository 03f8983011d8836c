#!/bin/bash
# tests/integration/t-ompi-shim.sh: real Open MPI runs here, on one node
# and, through tests/integration/ompi-rsh-shim.sh, on fake nodes that have
# host names of their own.
# shellcheck disable=SC2016 # $VARs in single quotes: the ranks' (and the shim's) shells expand them
. "$EZPZ_TOP/tests/lib.sh"
need_rsh_shim
T=60
shim=$EZPZ_TEST_RSH_AGENT

# -- the shim alone: drops ssh options, names the host, joins the words
t_run "$shim" -x -o BatchMode=yes -p 22 -oStrictHostKeyChecking=no user@node7 \
	echo '$(hostname)' a '  ' b
t_eq "shim: exit status" 0 "$RC"
t_eq "shim: runs the command as host node7, words joined as ssh does" "node7 a b" "$OUT"
t_run "$shim" node7 'exit 5'
t_eq "shim: the command's exit status comes back" 5 "$RC"
t_run "$shim" 'bad host' true
t_eq "shim: refuses a malformed host name" 255 "$RC"

t_mpi_hello || t_bail "cannot build the MPI test program"

# -- two fake nodes, two slots each
hf=$(t_hostfile node1:2 node2:2)
t_run t_timeout $T mpirun --hostfile "$hf" --mca plm_rsh_agent "$shim" -np 4 \
	bash -c 'echo "$OMPI_COMM_WORLD_RANK $(hostname) $PMIX_HOSTNAME $OMPI_COMM_WORLD_LOCAL_RANK $OMPI_COMM_WORLD_LOCAL_SIZE $OMPI_COMM_WORLD_NODE_RANK"'
t_eq "mpirun on 2 fake nodes: exit status" 0 "$RC"
t_eq "mpirun on 2 fake nodes: rank, host names, local rank and size" \
"0 node1 node1 0 2 0
1 node1 node1 1 2 1
2 node2 node2 0 2 0
3 node2 node2 1 2 1" "$(sort -n <<<"$OUT")"

t_run t_timeout $T mpirun --hostfile "$hf" --mca plm_rsh_agent "$shim" -np 4 "$T_TMP/mpi_hello"
t_eq "MPI program on 2 fake nodes: exit status" 0 "$RC"
t_eq "MPI program on 2 fake nodes: processor names" \
"rank 0 size 4 host node1
rank 1 size 4 host node1
rank 2 size 4 host node2
rank 3 size 4 host node2" "$(sort <<<"$OUT")"

# -- one node, no shim
host=$(hostname)
t_run t_timeout $T mpirun -np 4 "$T_TMP/mpi_hello"
t_eq "mpirun -np 4: exit status" 0 "$RC"
t_eq "mpirun -np 4: four ranks on this host" \
"rank 0 size 4 host $host
rank 1 size 4 host $host
rank 2 size 4 host $host
rank 3 size 4 host $host" "$(sort <<<"$OUT")"

t_run t_timeout $T mpirun -np 2 bash -c 'exit $((OMPI_COMM_WORLD_RANK == 1 ? 7 : 0))'
t_eq "mpirun: a rank's exit status comes back" 7 "$RC"

t_done
