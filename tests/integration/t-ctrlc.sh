#!/bin/bash
# Ctrl-C typed at a real terminal (a pseudo-terminal driven by
# tests/tools/pty-run.py, the line discipline sending SIGINT to the group
# that holds it): ezpz exits 130 whatever the launcher returns (real Open
# MPI mpirun exits 1, a Hydra-like mpiexec 2), and nothing is left running.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd mpirun python3 bash stty
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo \
	OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=localhost
PTY=$EZPZ_TOP/tests/tools/pty-run.py
MARK=ezpz-t-ctrlc-$$
leftovers() { pgrep -f "$MARK" | grep -v "^$$\$" || true; }
# R2EADY is printed by the ranks, never by the launch line (which shows
# the unexpanded R$((1+1))EADY), so ^C comes once the ranks run.
RANKCMD="echo R\$((1+1))EADY; exec sleep 300 # $MARK"

# ---- real mpirun: it exits 1 after a ^C; ezpz must say 130 ------------------------
t_run python3 "$PTY" --ctrl-c-after R2EADY --wait 60 -- \
	"$EZPZ" launch --launcher openmpi -n 2 --no-rankenv -- sh -c "$RANKCMD"
t_eq "Open MPI, ^C at the terminal: exit 130" 130 "$RC"
t_match "... the ranks had started" "R2EADY" "$OUT"
t_match "... the end line says interrupted" "^ezpz: interrupted \(exit 130\) after " "$OUT"
t_eq "... nothing left running" "" "$(leftovers)"
t_run python3 "$PTY" --ctrl-c-after R2EADY --wait 60 -- \
	"$EZPZ" launch --launcher openmpi -n 2 -- sh -c "$RANKCMD"
t_eq "Open MPI through ezpz rankenv, ^C: exit 130" 130 "$RC"
t_eq "... nothing left running" "" "$(leftovers)"

# Without ^C the launcher's own status stays.
t_run python3 "$PTY" --wait 60 -- "$EZPZ" launch --launcher openmpi -n 2 --no-rankenv -- sh -c 'exit 3'
t_eq "Open MPI at a terminal, no ^C: the ranks' exit 3" 3 "$RC"

# ---- a Hydra-like mpiexec that exits 2 on SIGINT (ezpz's usage-error code) --------
mkdir -p "$T_TMP/hydra"
cat > "$T_TMP/hydra/mpiexec" <<'SH'
#!/bin/bash
# like Hydra: on SIGINT, stop the ranks and exit 2
while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do case $1 in -genvall) shift ;; *) shift 2 ;; esac; done
"$@" & kid=$!
trap 'kill $kid; wait $kid; exit 2' INT
wait $kid
SH
chmod +x "$T_TMP/hydra/mpiexec"
t_run env PATH="$T_TMP/hydra:$PATH" python3 "$PTY" --ctrl-c-after R2EADY --wait 60 -- \
	"$EZPZ" launch --launcher mpich -n 1 --no-rankenv -- sh -c "$RANKCMD"
t_eq "Hydra-like launcher exiting 2 on ^C: exit 130" 130 "$RC"
t_eq "... nothing left running" "" "$(leftovers)"
t_done
