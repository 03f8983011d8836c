#!/bin/bash
# tests/integration/pbs-cluster.sh: a real OpenPBS cluster for the
# integration tests, on this one machine: EZPZ_PBS_NODES nodes pbsn1..pbsnN,
# each in its own network and UTS namespace (its own address and host
# name); pbsn1 runs the datastore, server, scheduler, comm and a MoM, the
# others a MoM.  The work is done by ../shared/pbs/pbs-netns.sh (next to the
# checkout, as in CI; EZPZ_PBS_SHARED overrides); this wrapper makes it
# idempotent and sets what the tests need on top.
#
# usage: pbs-cluster.sh start|stop|status|built|env   (as root)
#        pbs-cluster.sh exec CMD...      CMD on the head node pbsn1
#        pbs-cluster.sh node I CMD...    CMD on node pbsnI
#        pbs-cluster.sh job-env [NAME=VALUE,...]   variables every job gets
#                                        (qsub's default -v), none if empty
#
#   start   start the cluster unless it is running ("already running")
#   stop    stop it (only what pbs-netns.sh started: by PID, namespace-scoped)
#   status  exit 0 when it is up and answers qstat
#   built   exit 0 when OpenPBS is installed (pbs-build.sh has run)
#   env     shell assignments for the tests (EZPZ_PBS_NODES, PBS_NETNS)
#
# Settings: EZPZ_PBS_NODES (3; 2 to 4), EZPZ_PBS_SHARED, PBS_PREFIX (/opt/pbs).
# OpenPBS itself is built by pbs-build.sh (about 2.5 min, once): .ci/run runs
# it; here, a missing build is reported, never started behind the tests' back.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
shared=${EZPZ_PBS_SHARED:-$top/../shared/pbs}
netns=$shared/pbs-netns.sh
prefix=${PBS_PREFIX:-/opt/pbs}
nodes=${EZPZ_PBS_NODES:-3}
user=${PBS_TEST_USER:-pbsuser}
# The node's CPUs as PBS counts them: more than the machine has, so that a
# few small test jobs can run side by side.
ncpus=8

say() { printf 'pbs-cluster: %s\n' "$*"; }
die() { printf 'pbs-cluster: %s\n' "$*" >&2; exit 1; }

built() {
	[ -x "$netns" ] && [ -x "$prefix/sbin/pbs_server.bin" ] && [ -x "$prefix/bin/qsub" ]
}

up() {
	[ -e /run/pbs-netns/nodes ] && [ -e /run/netns/pbsn1 ] &&
		timeout 20 "$netns" exec qstat -B >/dev/null 2>&1
}

configure() {
	local i q=("$netns" exec qmgr -c)
	for i in $(seq 1 "$(cat /run/pbs-netns/nodes)"); do
		"${q[@]}" "set node pbsn$i resources_available.ncpus = $ncpus"
	done
	# A job may not outlive a hung test by much.
	"${q[@]}" "set queue workq resources_max.walltime = 01:00:00"
	id "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
}

start() {
	[ "$(id -u)" = 0 ] || die "must run as root (namespaces, PBS daemons)"
	built || die "OpenPBS is not built in $prefix (run $shared/pbs-build.sh)"
	case $nodes in [2-4]) ;; *) die "EZPZ_PBS_NODES '$nodes': use 2 to 4" ;; esac
	if up; then
		say "already running ($(cat /run/pbs-netns/nodes) nodes)"
		return 0
	fi
	# A half-started cluster (namespaces left, server gone) is cleared first.
	if [ -e /run/pbs-netns/nodes ] || [ -e /run/netns/pbsnet-br ]; then
		say "clearing a cluster that does not answer"
		"$netns" stop || true
	fi
	"$netns" start "$nodes"
	configure
	say "started: $nodes nodes"
}

# The server's default_qsub_arguments: a qsub with its own -v replaces it.
job_env() {
	if [ -n "${1:-}" ]; then
		"$netns" exec qmgr -c "set server default_qsub_arguments = \"-v $1\""
	else
		"$netns" exec qmgr -c "unset server default_qsub_arguments" 2>/dev/null || true
	fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
start) start ;;
stop) "$netns" stop ;;
status) up ;;
built) built ;;
env) echo "PBS_NETNS=$netns EZPZ_PBS_NODES=$(cat /run/pbs-netns/nodes 2>/dev/null || echo "$nodes")" ;;
exec | node) exec "$netns" "$cmd" "$@" ;;
job-env) job_env "${1:-}" ;;
*) sed -n '2,23p' "$0" >&2; exit 2 ;;
esac
