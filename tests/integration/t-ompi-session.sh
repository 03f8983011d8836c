#!/bin/bash
# t-ompi-session: a killed mpirun leaves nothing in TMPDIR.  Open MPI 4.1's
# mpirun keeps its session directory in $TMPDIR/ompi.HOST.UID/pid.PID and
# cannot remove it when SIGKILLed; 'ezpz launch' removes it once mpirun is
# gone (be_openmpi.c's cleanup).  Only that pid's directory goes: another
# run's beside it stays (and so does their parent), a symlink inside is
# removed, never followed, and a session parent that is a symlink is left
# alone.
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo \
	OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
unset PBS_JOBID PBS_NODEFILE SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID \
	MASTER_ADDR MASTER_PORT EZPZ_LAUNCHER EZPZ_MACHINE OMPI_MCA_orte_tmpdir_base TEMP TMP
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=localhost
TOP=ompi.$(hostname -s).$(id -u)

# killed_run DIR TAG [BEFORE]: 'ezpz launch -n 2 -- sleep 60' with TMPDIR=DIR;
# once mpirun's session directory is there, run BEFORE (a function, given
# the session directory), then SIGKILL mpirun.  Sets RC and MPID.
killed_run() {
	local dir=$1 tag=$2 before=${3:-} i p epid=
	MPID=
	(EZPZ_T_TAG=$tag TMPDIR=$dir exec timeout -k 5 60 "$EZPZ" launch -q -n 2 --grace 1 -- \
		sleep 60 >"$T_TMP/out" 2>"$T_TMP/err") &
	epid=$!
	for ((i = 0; i < 300; i++)); do
		for p in $(t_tagged "$tag"); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = mpirun ] && MPID=$p
		done
		# mpirun is up and its ranks run: its session directory is complete
		[ -n "$MPID" ] && [ "$(t_tagged "$tag" | wc -l)" -ge 5 ] &&
			[ -e "$dir/$TOP/pid.$MPID/contact.txt" ] && break
		sleep 0.1
	done
	if [ -z "$MPID" ]; then
		t_fail "$tag: mpirun did not start"
		t_tagged_kill "$tag"
		wait "$epid"
		return
	fi
	[ -z "$before" ] || "$before" "$dir/$TOP/pid.$MPID"
	kill -KILL "$MPID"
	wait "$epid"
	RC=$?
	t_tagged_gone "$tag" >/dev/null || t_tagged_kill "$tag"
}

# 1. SIGKILL to mpirun: exit 137, TMPDIR empty (the session directory and its
# parent gone).
mkdir -p "$T_TMP/a"
killed_run "$T_TMP/a" "ompi-session-$$-1"
t_eq "SIGKILL to mpirun: ezpz exits 137" 137 "$RC"
t_eq "... and mpirun's session directory was there to remove" 1 "$([ -n "$MPID" ] && echo 1)"
t_eq "... and nothing is left in TMPDIR" "" "$(find "$T_TMP/a" -mindepth 1 ! -path "$T_TMP/a/ezpz-*")"

# 2. Another run's directory beside it stays, and so does the parent; a
# symlink inside ours is removed, its target untouched.
mkdir -p "$T_TMP/b/$TOP/pid.1" "$T_TMP/precious"
echo keep >"$T_TMP/b/$TOP/pid.1/contact.txt"
echo keep >"$T_TMP/precious/file"
plant_link() { ln -s "$T_TMP/precious" "$1/link" && ln -s "$T_TMP/precious/file" "$1/flink"; }
killed_run "$T_TMP/b" "ompi-session-$$-2" plant_link
t_eq "beside another run's: exit 137" 137 "$RC"
t_eq "... ours is removed" "" "$(ls -d "$T_TMP/b/$TOP/pid.$MPID" 2>/dev/null)"
t_eq "... the other run's is kept" keep "$(cat "$T_TMP/b/$TOP/pid.1/contact.txt" 2>/dev/null)"
t_eq "... a symlink in ours was not followed" keep "$(cat "$T_TMP/precious/file" 2>/dev/null)"

# 3. A session parent that is a symlink (not Open MPI's own making) is left
# alone, and so is what mpirun made through it.
mkdir -p "$T_TMP/c" "$T_TMP/elsewhere"
ln -s "$T_TMP/elsewhere" "$T_TMP/c/$TOP"
killed_run "$T_TMP/c" "ompi-session-$$-3"
t_eq "parent a symlink: exit 137" 137 "$RC"
t_eq "... nothing removed through it" 1 "$([ -d "$T_TMP/elsewhere/pid.$MPID" ] && echo 1)"
t_eq "... the symlink kept" 1 "$([ -L "$T_TMP/c/$TOP" ] && echo 1)"

# 4. mpirun that ends by itself leaves nothing either (nothing to remove).
mkdir -p "$T_TMP/d"
t_run env TMPDIR="$T_TMP/d" timeout 60 "$EZPZ" launch -q -n 2 -- true
t_eq "a clean run: exit 0" 0 "$RC"
t_eq "... nothing left in TMPDIR" "" "$(find "$T_TMP/d" -mindepth 1 ! -path "$T_TMP/d/ezpz-*")"
t_eq "... and ezpz said nothing" "" "$ERR"
t_done
