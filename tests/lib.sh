# tests/lib.sh: sourced by every tests/sh and tests/integration script.
# Each check prints "ok N - what" or "not ok N - what" plus the evidence;
# t_done exits non-zero if any check failed.
#
# tests/run sources it too, with T_ENV_ONLY=1, for the environment part
# alone (up to the 'return' below), so the settings live in one place.
# shellcheck shell=bash disable=SC2034 # FIX, OUT, ERR, RC are for the tests
set -u
: "${EZPZ_TOP:?run through tests/run or make check}"

# ---- environment every test gets -------------------------------------------

# Open MPI on a test machine: we run as root (CI, containers); its TCP
# traffic stays on loopback (the URIs would carry eth0's address, which a
# sandbox may not route); more ranks than cores is normal here, and without
# yield_when_idle every rank of an oversubscribed job busy-polls (a 4-byte
# allreduce takes ms instead of µs on 2 cores).  A caller's values win.
export OMPI_ALLOW_RUN_AS_ROOT=${OMPI_ALLOW_RUN_AS_ROOT-1}
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=${OMPI_ALLOW_RUN_AS_ROOT_CONFIRM-1}
export OMPI_MCA_oob_tcp_if_include=${OMPI_MCA_oob_tcp_if_include-lo}
export OMPI_MCA_btl_tcp_if_include=${OMPI_MCA_btl_tcp_if_include-lo}
export OMPI_MCA_mpi_yield_when_idle=${OMPI_MCA_mpi_yield_when_idle-1}
export OMPI_MCA_rmaps_base_oversubscribe=${OMPI_MCA_rmaps_base_oversubscribe-1}

# The real-part helpers in tests/integration.
export EZPZ_TEST_SLURM_CLUSTER=$EZPZ_TOP/tests/integration/slurm-cluster.sh
export EZPZ_TEST_RSH_AGENT=$EZPZ_TOP/tests/integration/ompi-rsh-shim.sh
export EZPZ_TEST_PBS_CLUSTER=$EZPZ_TOP/tests/integration/pbs-cluster.sh
export EZPZ_TEST_PBS_SHARED=${EZPZ_PBS_SHARED:-$EZPZ_TOP/../shared/pbs}

# Tests crash ranks on purpose (SIGSEGV): no core files in the tree.
ulimit -c 0

if [ "${T_ENV_ONLY:-}" = 1 ]; then return 0; fi

# ---- per test ------------------------------------------------------------------

: "${EZPZ:?run through tests/run or make check}"
T_N=0 T_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/ezpz-test.XXXXXX")
trap 'rm -rf "$T_TMP"' EXIT
FIX=$EZPZ_TOP/tests/fixtures

t_pass() { T_N=$((T_N + 1)); echo "ok $T_N - $1"; }
t_fail() { T_N=$((T_N + 1)); T_FAILED=$((T_FAILED + 1)); echo "not ok $T_N - $1"; }

# t_eq WHAT EXPECTED ACTUAL
t_eq() {
	if [ "$2" = "$3" ]; then t_pass "$1"; else
		t_fail "$1"
		printf '  expected: %s\n  actual:   %s\n' "$2" "$3"
	fi
}

# t_match WHAT REGEX ACTUAL (grep -E on the whole text)
t_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then t_pass "$1"; else
		t_fail "$1"
		printf '  wanted /%s/ in:\n%s\n' "$2" "$3" | sed 's/^/  /'
	fi
}

t_nomatch() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		t_fail "$1"
		printf '  did not want /%s/ in:\n%s\n' "$2" "$3" | sed 's/^/  /'
	else t_pass "$1"; fi
}

# t_run: run a command, capturing OUT, ERR and RC (never fails the script)
t_run() {
	"$@" >"$T_TMP/out" 2>"$T_TMP/err"
	RC=$?
	OUT=$(cat "$T_TMP/out")
	ERR=$(cat "$T_TMP/err")
}

# t_diff WHAT EXPECTED_FILE ACTUAL_TEXT
t_diff() {
	if printf '%s\n' "$3" | diff -u "$2" - >"$T_TMP/diff"; then t_pass "$1"; else
		t_fail "$1"
		sed 's/^/  /' "$T_TMP/diff"
	fi
}

# ezpz under a clean environment: env -i plus what a user always has.
ezpz_clean() {
	env -i PATH="${T_PATH:-/usr/bin:/bin}" HOME="$T_TMP" LC_ALL=C.UTF-8 \
		EZPZ_HOSTNAME="${T_HOSTNAME:-testhost}" "$@"
}

t_skip() { echo "skip: $*"; exit 77; }

# t_bail WHY: the test cannot go on (its setup failed): a failure, not a skip.
t_bail() { echo "Bail out! $*"; exit 1; }

t_done() {
	echo "# $T_N checks, $T_FAILED failed"
	[ "$T_FAILED" = 0 ]
}

# ---- bounded commands -------------------------------------------------------------

# t_timeout SECS CMD...: CMD, killed (SIGTERM, then SIGKILL 5 s later) if it
# runs longer than SECS; 124 then, as timeout(1).  Every srun, sbatch,
# salloc and mpirun in a test goes through it: a broken multi-node step can
# otherwise hang forever.  timeout runs CMD in a process group of its own,
# so the signal reaches everything CMD started; and if the test itself is
# interrupted (tests/run on Ctrl-C), t_on_signal ends those groups first.
t_timeout() {
	local secs=$1 pid rc
	shift
	timeout -k 5 "$secs" "$@" <&0 &
	pid=$!
	echo "$pid" >>"$T_TMP/.timeouts"
	wait "$pid"
	rc=$?
	[ "$rc" != 124 ] || echo "t_timeout: '$*' still running after ${secs}s: killed" >&2
	return "$rc"
}

# t_timeout_alive PID: PID is one of our timeout(1)s, still running (a
# zombie is not: its group is gone).
t_timeout_alive() {
	local stat
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = timeout ] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# t_wait_name DIR GLOB PID: the first name in DIR matching GLOB, printed as
# soon as one is there (to catch a file while it is being written), or
# nothing once PID has ended or 15 s went by.
t_wait_name() {
	local i name
	for ((i = 0; i < 1500; i++)); do
		name=$(cd "$1" && for n in $2; do [ -e "$n" ] && { echo "$n"; break; }; done)
		[ -n "$name" ] && { echo "$name"; return 0; }
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

t_timeouts_running() {
	local pid
	while read -r pid; do
		t_timeout_alive "$pid" && return 0
	done <"$T_TMP/.timeouts"
	return 1
}

t_on_signal() {   # exit status
	local pid i
	trap '' INT TERM HUP
	if [ -r "$T_TMP/.timeouts" ]; then
		while read -r pid; do
			t_timeout_alive "$pid" && kill -TERM "$pid" 2>/dev/null
		done <"$T_TMP/.timeouts"
		# timeout -k 5: each is gone 5 s after the TERM at the latest.
		for ((i = 0; i < 70; i++)); do
			t_timeouts_running || break
			sleep 0.1
		done
	fi
	exit "$1"
}
trap 't_on_signal 130' INT
trap 't_on_signal 143' TERM
trap 't_on_signal 129' HUP

# ---- real parts: skip (77) when absent -------------------------------------------

need_cmd() {   # cmd...
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || t_skip "'$c' not installed"
	done
}

need_root() { [ "$(id -u)" = 0 ] || t_skip "needs root"; }

need_mpirun() { need_cmd mpirun mpicc; }

need_pmix() {
	need_cmd "${CC:-cc}" pkg-config
	pkg-config --exists pmix || t_skip "no PMIx development files (pkg-config pmix)"
}

# need_rsh_shim: fake multi-node mpirun through tests/integration/ompi-rsh-shim.sh
need_rsh_shim() {
	need_mpirun
	need_root
	need_cmd unshare
	unshare --uts true 2>/dev/null || t_skip "unshare --uts does not work here"
}

# need_slurm [NODES [GPUS]]: the local Slurm cluster that tests/run starts
# (EZPZ_TEST_SLURM=1, SLURM_CONF set), with at least NODES nodes and GPUS
# GPUs per node.  Run alone, a test uses a cluster started by hand with
# tests/integration/slurm-cluster.sh.  A cluster tests/run failed to start
# is a failure, not a skip: Slurm is there, the harness is broken.
need_slurm() {
	local want_nodes=${1:-1} want_gpus=${2:-0} have gpus
	case ${EZPZ_TEST_SLURM:-} in
	1) ;;
	failed) t_bail "the local Slurm cluster failed to start (see the slurm-cluster log in $EZPZ_BUILD/tests/logs)" ;;
	0) t_skip "no local Slurm cluster: ${EZPZ_TEST_SLURM_WHY:-not started}" ;;
	*)
		need_cmd srun sinfo
		"$EZPZ_TEST_SLURM_CLUSTER" status >/dev/null 2>&1 ||
			t_skip "no local Slurm cluster running (start one: $EZPZ_TEST_SLURM_CLUSTER start)"
		eval "$("$EZPZ_TEST_SLURM_CLUSTER" env)"
		export EZPZ_TEST_SLURM=1 ;;
	esac
	have=$(timeout 20 sinfo -h -N -o '%N' | sort -u | wc -l)
	[ "$have" -ge "$want_nodes" ] || t_skip "needs $want_nodes Slurm nodes, the cluster has $have"
	if [ "$want_gpus" -gt 0 ]; then
		gpus=$(timeout 20 sinfo -h -N -o '%G' | sed -n 's/^gpu:\([0-9]*\).*/\1/p' | sort -n | head -n 1)
		[ "${gpus:-0}" -ge "$want_gpus" ] || t_skip "needs $want_gpus GPUs per Slurm node, the cluster has ${gpus:-0}"
	fi
}

# want_slurm: as need_slurm, but a missing cluster is not a skip: returns 1
# and the test goes on without Slurm (tests/run starts the cluster for a
# test that calls either).
want_slurm() {
	case ${EZPZ_TEST_SLURM:-} in
	1) return 0 ;;
	failed) t_bail "the local Slurm cluster failed to start (see the slurm-cluster log in $EZPZ_BUILD/tests/logs)" ;;
	0) return 1 ;;
	esac
	command -v srun >/dev/null && "$EZPZ_TEST_SLURM_CLUSTER" status >/dev/null 2>&1 || return 1
	eval "$("$EZPZ_TEST_SLURM_CLUSTER" env)"
	export EZPZ_TEST_SLURM=1
}

# need_pbs [NODES]: the PBS cluster that tests/run starts (EZPZ_TEST_PBS=1:
# tests/integration/pbs-cluster.sh, nodes pbsn1..pbsnN in namespaces), with
# at least NODES nodes.  Run alone, a test uses a cluster started by hand.
# Sets PBS_JOBS: a directory every user (pbsuser too) can write, for job
# scripts and their output.
need_pbs() {
	local want=${1:-2} have
	case ${EZPZ_TEST_PBS:-} in
	1) ;;
	failed) t_bail "the PBS cluster failed to start (see the pbs-cluster log in $EZPZ_BUILD/tests/logs)" ;;
	0) t_skip "no PBS cluster: ${EZPZ_TEST_PBS_WHY:-not started}" ;;
	*)
		need_root
		"$EZPZ_TEST_PBS_CLUSTER" status >/dev/null 2>&1 ||
			t_skip "no PBS cluster running (start one: $EZPZ_TEST_PBS_CLUSTER start)"
		export EZPZ_TEST_PBS=1 ;;
	esac
	have=$(cat /run/pbs-netns/nodes 2>/dev/null || echo 0)
	[ "$have" -ge "$want" ] || t_skip "needs $want PBS nodes, the cluster has $have"
	PBS_NODES=$have
	chmod 755 "$T_TMP"
	PBS_JOBS=$T_TMP/pbs
	mkdir -p "$PBS_JOBS" && chmod 1777 "$PBS_JOBS"
}

# pbs_on I CMD...: CMD on node pbsnI (its network and UTS namespace, its PBS
# configuration, PBS's commands on PATH), bounded like t_timeout.
pbs_on() {
	local i=$1
	shift
	t_timeout "${T_PBS_TIMEOUT:-180}" "$EZPZ_TEST_PBS_CLUSTER" node "$i" "$@"
}

# pbs_job_env: the -v list a test job needs: ezpz's path, the sanitizers'
# settings (the ezpz under test may be built with them), and root's
# permission for Open MPI.  Nothing else of the test's environment goes in:
# jobs start from PBS's own, as a user's do.
pbs_job_env() {
	local v="EZPZ=$EZPZ,OMPI_ALLOW_RUN_AS_ROOT=1,OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"
	[ -z "${ASAN_OPTIONS:-}" ] || v+=",ASAN_OPTIONS=$ASAN_OPTIONS"
	[ -z "${UBSAN_OPTIONS:-}" ] || v+=",UBSAN_OPTIONS=$UBSAN_OPTIONS"
	echo "$v"
}

# pbs_job NAME [qsub options...] SCRIPT: submit SCRIPT from pbsn1 with
# qsub -W block=true, output (stdout and stderr) to $PBS_JOBS/NAME.out;
# RC is the job's exit status, OUT its output.  The submitting shell runs
# in $PBS_JOBS (PBS_O_WORKDIR).  T_PBS_USER=NAME submits as that user.
pbs_job() {
	local name=$1 out i
	shift
	out=$PBS_JOBS/$name.out
	rm -f "$out"
	if [ -n "${T_PBS_USER:-}" ]; then
		(cd "$PBS_JOBS" && pbs_on 1 runuser -u "$T_PBS_USER" -- qsub -W block=true -N "$name" \
			-j oe -o "$out" -v "$(pbs_job_env)" "$@") >"$T_TMP/qsub.out" 2>&1
	else
		(cd "$PBS_JOBS" && pbs_on 1 qsub -W block=true -N "$name" -j oe -o "$out" \
			-v "$(pbs_job_env)" "$@") >"$T_TMP/qsub.out" 2>&1
	fi
	RC=$?
	# The MoM copies the output back as the job ends: give it a moment.
	for ((i = 0; i < 50; i++)); do
		[ -s "$out" ] && break
		sleep 0.1
	done
	OUT=$(cat "$out" 2>/dev/null)
	ERR=$(cat "$T_TMP/qsub.out")
}

# pbs_user_ezpz: make EZPZ runnable by pbsuser: a copy of the build tree
# where the checkout is private (CI clones into root's home).
pbs_user_ezpz() {
	if ! runuser -u pbsuser -- test -x "$EZPZ"; then
		mkdir -p "$PBS_JOBS/prefix"
		cp -r "$EZPZ_BUILD/bin" "$EZPZ_BUILD/share" "$EZPZ_BUILD/libexec" "$PBS_JOBS/prefix/"
		EZPZ=$PBS_JOBS/prefix/bin/ezpz
	fi
}

# pbs_script NAME <<EOF ... : the bash job script $PBS_JOBS/NAME.sh, made
# executable; prints its path.
pbs_script() {
	local f=$PBS_JOBS/$1.sh
	{ echo '#!/bin/bash'; cat; } >"$f"
	chmod 755 "$f"
	echo "$f"
}

# ---- building small programs --------------------------------------------------

# t_cc NAME [flags...] < SOURCE: compile C from stdin into $T_TMP/NAME with
# cc (or $CC, or T_CC, e.g. mpicc); flags come after the source (libraries).
# On failure it prints the compiler's output and returns 1.
t_cc() {
	local out=$T_TMP/$1
	shift
	cat >"$out.c"
	if ! "${T_CC:-${CC:-cc}}" -Wall -o "$out" "$out.c" "$@" >"$out.log" 2>&1; then
		echo "cannot compile $out.c:"
		sed 's/^/  /' "$out.log"
		return 1
	fi
}

t_mpicc() { T_CC=mpicc t_cc "$@"; }

# shellcheck disable=SC2046 # pkg-config's flags are words
t_cc_pmix() { t_cc "$@" $(pkg-config --cflags --libs pmix); }

# t_mpi_hello: $T_TMP/mpi_hello, whose every rank prints
# "rank R size S host H" (H from MPI_Get_processor_name).
t_mpi_hello() {
	t_mpicc mpi_hello <<-'EOF'
		#include <mpi.h>
		#include <stdio.h>

		int main(int argc, char **argv)
		{
			int rank, size, len;
			char host[MPI_MAX_PROCESSOR_NAME];

			MPI_Init(&argc, &argv);
			MPI_Comm_rank(MPI_COMM_WORLD, &rank);
			MPI_Comm_size(MPI_COMM_WORLD, &size);
			MPI_Get_processor_name(host, &len);
			printf("rank %d size %d host %s\n", rank, size, host);
			MPI_Finalize();
			return 0;
		}
	EOF
}

# t_hostfile HOST:SLOTS...: an Open MPI hostfile in $T_TMP/hostfile, whose
# path it prints.  With EZPZ_TEST_RSH_AGENT, any names but this machine's
# become fake nodes.
t_hostfile() {
	local h
	for h in "$@"; do echo "${h%%:*} slots=${h##*:}"; done >"$T_TMP/hostfile"
	echo "$T_TMP/hostfile"
}

# ---- processes a test started ---------------------------------------------------

# t_tagged TAG: the pids (one a line) of living processes whose environment
# has EZPZ_T_TAG=TAG: a test exports a unique tag to what it runs and can
# then find everything that came of it, wherever it was reparented.
t_tagged() {
	# one grep over every environment (a zombie's reads as empty)
	grep -lzx -- "EZPZ_T_TAG=$1" /proc/[0-9]*/environ 2>/dev/null |
		sed -e 's|^/proc/||' -e 's|/environ$||' | grep -vx -e "$$" -e "$BASHPID"
}

# t_tagged_gone TAG: wait up to 5 s for no process to carry TAG (a killed
# process takes a moment to go); prints what is left, with its command line.
t_tagged_gone() {
	local i pids pid
	for ((i = 0; i < 50; i++)); do
		pids=$(t_tagged "$1")
		[ -z "$pids" ] && return 0
		sleep 0.1
	done
	for pid in $pids; do
		printf '%s: %s\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
	return 1
}

# t_tagged_kill TAG: SIGKILL what carries TAG (after a check saw leftovers,
# so that one failure does not leave processes for the next test).
t_tagged_kill() {
	local pid
	for pid in $(t_tagged "$1"); do kill -KILL "$pid" 2>/dev/null; done
}
