#!/bin/bash
# tests/integration/slurm-cluster.sh: a real Slurm cluster on this one
# machine, for the integration tests.  munge, one slurmctld and N slurmd
# (multiple-slurmd mode), each slurmd in its own UTS namespace so that the
# tasks on node nX see the host name nX, and N fake GPUs per node (character
# devices, never opened) so that --gpus-per-node sets CUDA_VISIBLE_DEVICES.
#
# usage: slurm-cluster.sh start|stop|restart|status|env   (as root)
#
# Settings (environment):
#   EZPZ_SLURM_DIR      config, state, logs, pidfiles   [/tmp/ezpz-slurm]
#   EZPZ_SLURM_NODES    number of nodes, named n1..nN   [4]
#   EZPZ_SLURM_CPUS     CPUs per node (need not be real) [4]
#   EZPZ_SLURM_GPUS     fake GPUs per node, 0 for none  [4]
#   EZPZ_SLURM_PORT     slurmctld port; slurmds use the next N ports [26817]
#   EZPZ_SLURM_WAIT     seconds start waits for all nodes to be idle [30]
#
# 'start' is idempotent; 'stop' ends only what 'start' started: the daemons
# named by its pidfiles, every process left in their UTS namespaces (job
# steps and tasks), and munged only if 'start' had to start it.
set -euo pipefail

dir=${EZPZ_SLURM_DIR:-/tmp/ezpz-slurm}
nodes=${EZPZ_SLURM_NODES:-4}
cpus=${EZPZ_SLURM_CPUS:-4}
gpus=${EZPZ_SLURM_GPUS:-4}
port=${EZPZ_SLURM_PORT:-26817}
wait_s=${EZPZ_SLURM_WAIT:-30}
conf=$dir/etc/slurm.conf
run=$dir/run
partition=debug
munge_socket=/run/munge/munge.socket.2

say() { printf 'slurm-cluster: %s\n' "$*"; }
die() { printf 'slurm-cluster: %s\n' "$*" >&2; exit 1; }

check_settings() {
	local v
	for v in nodes cpus gpus port wait_s; do
		case ${!v} in '' | *[!0-9]*) die "$v '${!v}': not a number" ;; esac
	done
	[ "$nodes" -ge 1 ] || die "EZPZ_SLURM_NODES must be at least 1"
	[ "$cpus" -ge 1 ] || die "EZPZ_SLURM_CPUS must be at least 1"
	case $dir in /*) ;; *) die "EZPZ_SLURM_DIR '$dir': not an absolute path" ;; esac
}

need_root() {
	[ "$(id -u)" = 0 ] || die "must run as root (slurmd, munged and unshare need it)"
}

need_tools() {
	local c
	for c in slurmctld slurmd sinfo munge unmunge munged unshare mknod flock; do
		command -v "$c" >/dev/null || die "'$c' not found"
	done
}

# pid_of FILE COMM: the pid in FILE if that process is alive and is COMM
# (a pidfile outlives its process; the pid may since belong to another).
pid_of() {
	local pid comm
	[ -r "$1" ] || return 1
	read -r pid <"$1" 2>/dev/null || return 1
	case $pid in '' | *[!0-9]*) return 1 ;; esac
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
	[ "$comm" = "$2" ] && running "$pid" || return 1
	echo "$pid"
}

# ---- munge -----------------------------------------------------------------

munge_ok() {
	munge -n -S "$munge_socket" 2>/dev/null | unmunge -S "$munge_socket" >/dev/null 2>&1
}

munge_start() {
	local key=/etc/munge/munge.key i
	if munge_ok; then return 0; fi
	getent passwd munge >/dev/null || die "no 'munge' user: is the munge package installed?"
	install -d -o munge -g munge -m 0700 /etc/munge /var/lib/munge /var/log/munge
	install -d -o munge -g munge -m 0755 /run/munge
	if [ ! -s "$key" ]; then
		say "creating $key"
		mungekey --create --keyfile="$key" 2>/dev/null ||
			dd if=/dev/urandom of="$key" bs=1024 count=1 status=none
	fi
	chown munge:munge "$key"
	chmod 0400 "$key"
	runuser -u munge -- munged --socket="$munge_socket" </dev/null >/dev/null 2>&1 9>&- ||
		die "munged failed to start (see /var/log/munge/munged.log)"
	for i in $(seq 50); do
		munge_ok && break
		[ "$i" = 50 ] && die "munged started but does not answer on $munge_socket"
		sleep 0.1
	done
	# Remember that munged is ours, so that stop ends it and nothing else.
	pid_of /run/munge/munged.pid munged >"$run/munged.pid" ||
		die "munged runs but /run/munge/munged.pid does not name it"
}

munge_stop() {
	local pid
	pid=$(pid_of "$run/munged.pid" munged) || { rm -f "$run/munged.pid"; return 0; }
	kill "$pid" 2>/dev/null || true
	wait_gone 5 "$pid" || die "munged (pid $pid) did not stop"
	rm -f "$run/munged.pid"
}

# ---- configuration -----------------------------------------------------------

write_config() {
	local host last gres_line=''
	host=$(hostname -s)
	last=$((port + nodes))
	mkdir -p "$dir"/{etc,state,log,dev} "$run"
	# Stale credentials or step state from an earlier cluster make slurmd
	# refuse new steps ("Job credential revoked").
	rm -rf "$dir/state" "$dir/spool" "$dir/tmp" "$dir/log"
	mkdir -p "$dir/state" "$dir/log"
	local i
	for i in $(seq "$nodes"); do
		mkdir -p "$dir/spool/n$i" "$dir/tmp/n$i"
	done
	if [ "$gpus" -gt 0 ]; then
		gres_line=" Gres=gpu:$gpus"
		# gres.conf File= must name character devices (regular files are
		# refused); 195 is NVIDIA's major.  Nothing ever opens them.
		for ((i = 0; i < gpus; i++)); do
			[ -c "$dir/dev/nvidia$i" ] || { rm -f "$dir/dev/nvidia$i"; mknod "$dir/dev/nvidia$i" c 195 "$i"; }
		done
		cat >"$dir/etc/gres.conf" <<-EOF
			AutoDetect=off
			NodeName=n[1-$nodes] Name=gpu File=$dir/dev/nvidia[0-$((gpus - 1))]
		EOF
	else
		rm -f "$dir/etc/gres.conf"
	fi
	cat >"$conf" <<-EOF
		# Written by tests/integration/slurm-cluster.sh; rewritten on each start.
		ClusterName=ezpz
		SlurmctldHost=$host(127.0.0.1)
		SlurmctldPort=$port
		SlurmdPort=$((port + 1))
		SlurmUser=root
		SlurmdUser=root
		AuthType=auth/munge
		CredType=cred/munge
		StateSaveLocation=$dir/state
		SlurmdSpoolDir=$dir/spool/%n
		TmpFS=$dir/tmp/%n
		SlurmctldPidFile=$run/slurmctld.pid
		SlurmdPidFile=$run/slurmd-%n.pid
		SlurmctldLogFile=$dir/log/slurmctld.log
		SlurmdLogFile=$dir/log/slurmd-%n.log
		SlurmctldDebug=info
		SlurmdDebug=info
		SlurmdParameters=config_overrides
		# No cgroups here (containers, gVisor): track by process tree.
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		AccountingStorageType=accounting_storage/none
		JobCompType=jobcomp/none
		SwitchType=switch/none
		# Slurm's own default: no PMI server unless a step asks (ezpz launch
		# asks for --mpi=pmix then; t-srun-mpi also runs with pmix set).
		MpiDefault=none
		SelectType=select/cons_tres
		SelectTypeParameters=CR_CPU
		SchedulerType=sched/builtin
		# Batch jobs are scheduled on the next 1 s tick, not up to 3 s later.
		SchedulerParameters=batch_sched_delay=0
		ReturnToService=2
		MailProg=/bin/true
		# Fast failure, so that a broken test cannot hang for minutes.
		MessageTimeout=5
		SlurmctldTimeout=10
		SlurmdTimeout=30
		BatchStartTimeout=10
		KillWait=2
		UnkillableStepTimeout=10
		InactiveLimit=60
		# sbatch --wait polls every 2 s only while MinJobAge/2 >= 2 (else
		# 2 s, 8 s, 32 s...); finished jobs stay visible for 4 s at least.
		MinJobAge=4
		${gres_line:+GresTypes=gpu}
		NodeName=n[1-$nodes] NodeHostname=n[1-$nodes] NodeAddr=127.0.0.1 Port=[$((port + 1))-$last] CPUs=$cpus Boards=1 SocketsPerBoard=1 CoresPerSocket=$cpus ThreadsPerCore=1 RealMemory=1024$gres_line State=UNKNOWN
		PartitionName=$partition Nodes=n[1-$nodes] Default=YES MaxTime=30 DefaultTime=10 State=UP
	EOF
	# Remembered for status and stop, which must not trust the settings of
	# the caller's environment to describe what is running.
	echo "$nodes" >"$run/nodes"
}

# ---- daemons -----------------------------------------------------------------

start_slurmctld() {
	SLURM_CONF=$conf slurmctld </dev/null >>"$dir/log/slurmctld.out" 2>&1 9>&- ||
		die "slurmctld failed to start; see $dir/log/slurmctld.log"
}

# Each slurmd gets its own UTS namespace with the host name of its node, so
# hostname, MPI_Get_processor_name and PMIX_HOSTNAME differ per node (and
# Open MPI's shared-memory segment names, which contain the host name, do
# not collide between the fake nodes).  Tests crash ranks on purpose:
# with Slurm's default PropagateResourceLimits=ALL a task takes the core
# limit of the srun or sbatch that started it (0: tests/lib.sh), but slurmd
# raises its own to the hard one, and a batch script or a step started with
# other settings would leave core files in a test's directory from slurmd's
# limit; both are 0 here.
start_slurmd() {   # node
	# shellcheck disable=SC2016 # $1 is the inner shell's
	SLURM_CONF=$conf unshare --uts /bin/sh -c 'ulimit -c 0 && hostname "$1" && exec slurmd -N "$1"' sh "$1" \
		</dev/null >>"$dir/log/slurmd-$1.out" 2>&1 9>&- ||
		die "slurmd $1 failed to start; see $dir/log/slurmd-$1.log"
}

# wait_pidfile FILE COMM: wait for a daemon to write its pidfile (do_stop
# removed any old one), and fail as soon as the daemon it names has died.
wait_pidfile() {
	local i
	for i in $(seq 100); do
		pid_of "$1" "$2" >/dev/null && return 0
		[ -s "$1" ] && return 1
		sleep 0.05
	done
	return 1
}

# log_errors LOG...: the last errors in the logs (not the ones about the
# state files start wiped).
log_errors() {
	grep -h -E 'fatal|error' "$@" 2>/dev/null | grep -v -E 'state (save )?file' | tail -n 8 >&2
}

# start_failed WHAT LOG: undo a half start, say why.
start_failed() {
	do_stop
	log_errors "$2"
	die "$1; see $2"
}

# The UTS namespace of each slurmd, recorded at start: stop finds the tasks
# and steps of a node through it even if its slurmd has died.
record_ns() {   # node
	local pid
	pid=$(pid_of "$run/slurmd-$1.pid" slurmd) || return 1
	readlink "/proc/$pid/ns/uts" >"$run/$1.uts"
}

# All processes in UTS namespace NS, the namespace of node NODE.  While its
# slurmd lives in it, it is surely ours; else the host name inside it is
# checked, so that a namespace id reused by someone else after ours
# vanished can never select their processes.
ns_pids() {   # node ns
	local p first='' self slurmd
	self=$(readlink /proc/self/ns/uts)
	[ "$2" != "$self" ] || return 0
	if slurmd=$(pid_of "$run/slurmd-$1.pid" slurmd) &&
		[ "$(readlink "/proc/$slurmd/ns/uts" 2>/dev/null)" = "$2" ]; then
		first=$slurmd
	fi
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/uts" 2>/dev/null)" = "$2" ] || continue
		if [ -z "$first" ]; then
			first=${p#/proc/}
			[ "$(nsenter --uts --target "$first" hostname 2>/dev/null)" = "$1" ] || return 0
		fi
		echo "${p#/proc/}"
	done
}

# running PID: alive, and not a zombie (here PID 1 may reap orphans late).
running() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

wait_gone() {   # seconds pid...
	local i p alive n=$(($1 * 20))
	shift
	for i in $(seq "$n"); do
		alive=0
		for p in "$@"; do running "$p" && alive=1; done
		[ "$alive" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}

# ---- commands ----------------------------------------------------------------

all_running() {
	local n i
	pid_of "$run/slurmctld.pid" slurmctld >/dev/null || return 1
	[ -r "$run/nodes" ] || return 1
	read -r n <"$run/nodes"
	for i in $(seq "$n"); do
		pid_of "$run/slurmd-n$i.pid" slurmd >/dev/null || return 1
	done
}

wait_idle() {
	local t0 now idle out
	t0=$(date +%s)
	while :; do
		if ! all_running; then
			echo "slurm-cluster: a daemon died while starting:" >&2
			log_errors "$dir"/log/*.log
			return 1
		fi
		out=$(SLURM_CONF=$conf sinfo -h -N -p "$partition" -o '%N %t' 2>&1) || true
		idle=$(printf '%s\n' "$out" | awk '$2 == "idle" { n++ } END { print n + 0 }')
		[ "$idle" = "$nodes" ] && return 0
		now=$(date +%s)
		if [ $((now - t0)) -ge "$wait_s" ]; then
			printf 'slurm-cluster: %s of %s nodes idle after %ss; sinfo says:\n%s\n' \
				"$idle" "$nodes" "$wait_s" "$out" >&2
			log_errors "$dir"/log/*.log
			return 1
		fi
		sleep 0.1
	done
}

cmd_start() {
	local i
	if all_running; then
		read -r nodes <"$run/nodes"
		wait_idle || die "cluster in $dir is running but not idle"
		say "already running ($nodes nodes, $dir)"
		return 0
	fi
	do_stop   # whatever half of an earlier cluster is left
	munge_start
	write_config
	start_slurmctld
	wait_pidfile "$run/slurmctld.pid" slurmctld ||
		start_failed "slurmctld did not start" "$dir/log/slurmctld.log"
	for i in $(seq "$nodes"); do start_slurmd "n$i"; done
	for i in $(seq "$nodes"); do
		if ! wait_pidfile "$run/slurmd-n$i.pid" slurmd || ! record_ns "n$i"; then
			start_failed "slurmd n$i did not start" "$dir/log/slurmd-n$i.log"
		fi
	done
	wait_idle || { do_stop; die "nodes did not become idle within ${wait_s}s (EZPZ_SLURM_WAIT)"; }
	say "started $nodes nodes (n1..n$nodes, $cpus cpus, $gpus gpus each), partition $partition, port $port"
}

# end_pids PID...: the tasks first, so that their steps end and report to
# srun (which then exits); then the daemons; slurmstepd ignores SIGTERM.
end_pids() {
	local pid comm tasks=() stepds=() daemons=()
	for pid in "$@"; do
		comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
		case $comm in
		slurmstepd) stepds+=("$pid") ;;
		slurmd | slurmctld) daemons+=("$pid") ;;
		*) tasks+=("$pid") ;;
		esac
	done
	if [ "${#tasks[@]}" -gt 0 ]; then
		kill -TERM "${tasks[@]}" 2>/dev/null || true
		wait_gone 1 "${tasks[@]}" || kill -KILL "${tasks[@]}" 2>/dev/null || true
		wait_gone 1 "${stepds[@]}" || true
	fi
	[ "${#stepds[@]}" = 0 ] || kill -KILL "${stepds[@]}" 2>/dev/null || true
	[ "${#daemons[@]}" = 0 ] || kill -TERM "${daemons[@]}" 2>/dev/null || true
	if ! wait_gone 5 "$@"; then
		kill -KILL "$@" 2>/dev/null || true
		wait_gone 5 "$@" || die "processes survived SIGKILL: $*"
	fi
}

do_stop() {
	local pids=() pid f node ns
	pid=$(pid_of "$run/slurmctld.pid" slurmctld) && pids+=("$pid")
	for f in "$run"/n*.uts; do
		[ -e "$f" ] || continue
		node=${f##*/}
		node=${node%.uts}
		read -r ns <"$f" || continue
		pid=$(pid_of "$run/slurmd-$node.pid" slurmd) && pids+=("$pid")
		mapfile -t -O "${#pids[@]}" pids < <(ns_pids "$node" "$ns")
	done
	# A slurmd whose namespace was never recorded (start died half-way).
	for f in "$run"/slurmd-*.pid; do
		[ -e "$f" ] || continue
		pid=$(pid_of "$f" slurmd) && pids+=("$pid")
	done
	if [ "${#pids[@]}" -gt 0 ]; then
		mapfile -t pids < <(printf '%s\n' "${pids[@]}" | sort -un)
		end_pids "${pids[@]}"
	fi
	rm -f "$run"/slurmctld.pid "$run"/slurmd-*.pid "$run"/n*.uts
	munge_stop
}

cmd_stop() {
	[ -d "$run" ] || { say "not running ($dir)"; return 0; }
	do_stop
	say "stopped ($dir)"
}

cmd_status() {
	local n i rc=0 pid
	if pid=$(pid_of "$run/slurmctld.pid" slurmctld); then
		say "slurmctld running (pid $pid)"
	else
		say "slurmctld not running"; rc=1
	fi
	n=$nodes
	[ -r "$run/nodes" ] && read -r n <"$run/nodes"
	for i in $(seq "$n"); do
		if pid=$(pid_of "$run/slurmd-n$i.pid" slurmd); then
			say "slurmd n$i running (pid $pid)"
		else
			say "slurmd n$i not running"; rc=1
		fi
	done
	if pid=$(pid_of "$run/munged.pid" munged); then
		say "munged running (pid $pid, started by this script)"
	elif munge_ok; then
		say "munged running (not started by this script)"
	else
		say "munged not running"; rc=1
	fi
	if [ "$rc" = 0 ] && ! SLURM_CONF=$conf timeout 10 sinfo -N -o '%N %P %t %c %G' >"$run/sinfo" 2>&1; then
		say "slurmctld does not answer:"; rc=1
	fi
	[ ! -s "$run/sinfo" ] || sed 's/^/  /' "$run/sinfo"
	rm -f "$run/sinfo"
	return "$rc"
}

main() {
	check_settings
	case ${1:-} in
	env) printf 'export SLURM_CONF=%q\n' "$conf"; return 0 ;;
	status) cmd_status; return ;;
	start | stop | restart) ;;
	*) echo "usage: ${0##*/} start|stop|restart|status|env" >&2; exit 2 ;;
	esac
	need_root
	need_tools
	mkdir -p "$run"
	# One start or stop at a time per cluster directory.
	exec 9>"$dir/.lock"
	flock -w 60 9 || die "$dir/.lock: held by another start or stop for 60s"
	case $1 in
	start) cmd_start ;;
	stop) cmd_stop ;;
	restart) do_stop; cmd_start ;;
	esac
}

main "$@"
