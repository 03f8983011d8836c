#!/bin/bash
# t-pbs-launch: 'ezpz launch', 'ezpz test' and 'ezpz kill --all-nodes' in
# real OpenPBS jobs across the emulated nodes pbsn1..pbsnN (each its own
# network and host name).  Debian's Open MPI has no PBS (tm) launcher: ezpz
# gives mpirun the rsh agent it ships (ompi-pbs-rsh, on pbs_tmrsh), so each
# rank runs on its node as a task of the job.  Shown: every rank prints its
# own node's host name (also through MPI); exit codes of ranks on another
# node and of the job; 'qdel' of a running job and an exceeded walltime
# leave nothing of the job on any node; 'ezpz kill --all-nodes' inside the
# job stops the ranks on every node; 'ezpz test' passes across 2 nodes.
. "$EZPZ_TOP/tests/lib.sh"
need_pbs 2
need_mpirun
need_cmd python3
t_mpi_hello || t_bail "cannot build the MPI test program"
cp "$T_TMP/mpi_hello" "$PBS_JOBS/" && chmod 755 "$PBS_JOBS/mpi_hello"

# A rank that says where it runs, then sleeps as "sleeper-TAG": it marks
# "DIR/up.HOST.RANK" once up.
cat >"$PBS_JOBS/sleeper.sh" <<'EOF'
#!/bin/bash
echo up >"$1/up.$(hostname).$OMPI_COMM_WORLD_RANK"
exec -a "sleeper-$2" sleep 300
EOF
chmod 755 "$PBS_JOBS/sleeper.sh"

# job_procs ID: "pbsn1=N pbsn2=M ...": processes of PBS job ID (PBS_JOBID in
# their environment) in each node's network namespace, zombies left out.
job_procs() {
	local id=$1 i ino pid out="" n
	for ((i = 1; i <= PBS_NODES; i++)); do
		ino=$(stat -L -c %i "/run/netns/pbsn$i")
		n=0
		for pid in $(grep -lsa --null-data -x "PBS_JOBID=$id" /proc/[0-9]*/environ | cut -d/ -f3); do
			[ "$(stat -L -c %i "/proc/$pid/ns/net" 2>/dev/null)" = "$ino" ] || continue
			[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && continue
			n=$((n + 1))
		done
		out+="${out:+ }pbsn$i=$n"
	done
	echo "$out"
}

# wait_up DIR N: until N ranks have marked DIR (60 s at most)
wait_up() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(find "$1" -name 'up.*' | wc -l)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

# job_state ID: "STATE EXIT" from qstat -x ("F 0", "R ")
job_state() {
	pbs_on 1 qstat -x -f -F json "$1" 2>/dev/null | python3 -c '
import json, sys
j = next(iter(json.load(sys.stdin)["Jobs"].values()))
print(j["job_state"], j.get("Exit_status", ""))' 2>/dev/null
}

# wait_finished ID: until PBS is done with job ID (120 s at most); its state
wait_finished() {
	local i s
	for ((i = 0; i < 600; i++)); do
		s=$(job_state "$1")
		case $s in F\ *) break ;; esac
		sleep 0.2
	done
	echo "$s"
}

# ---- ranks on every node, exit codes ----------------------------------------------
script=$(pbs_script launch <<'EOF'
cd "$PBS_O_WORKDIR"
"$EZPZ" launch -ppn 2 -- sh -c 'echo "rank $OMPI_COMM_WORLD_RANK on $(hostname)"' 2>launch.err
echo "hostname rc=$?"
cat launch.err
"$EZPZ" launch -q -ppn 2 -- ./mpi_hello
echo "mpi rc=$?"
"$EZPZ" launch -q -- sh -c 'test "$(hostname)" != pbsn2 || exit 5'
echo "exit5 rc=$?"
echo "nodefile=$(uniq "$PBS_NODEFILE" | xargs)"
"$EZPZ" launch -q -- false
EOF
)
pbs_job launch -l select=2:ncpus=1:mpiprocs=2 -l place=scatter "$script"
t_eq "the job's exit status is that of its last ezpz launch (false: 1)" 1 "$RC"
nodes=$(sed -n 's/^nodefile=//p' <<<"$OUT")
first=${nodes%% *} second=${nodes##* }
t_match "two nodes" '^pbsn[0-9] pbsn[0-9]$' "$nodes"
t_eq "launch -ppn 2: exit 0" "hostname rc=0" "$(grep '^hostname rc=' <<<"$OUT")"
t_eq "launch -ppn 2: ranks 0,1 on the first node, 2,3 on the second, each says so itself" \
	"rank 0 on $first|rank 1 on $first|rank 2 on $second|rank 3 on $second" \
	"$(grep '^rank [0-9] on ' <<<"$OUT" | sort | paste -sd'|')"
t_match "banner: Open MPI through pbs_tmrsh (the agent ezpz ships)" \
	"note: Open MPI reaches the other hosts through pbs_tmrsh \(OMPI_MCA_plm_rsh_agent=.*/share/ezpz/ompi-pbs-rsh;" "$OUT"
t_eq "MPI program: 4 ranks, each on its node (MPI_Get_processor_name)" \
	"rank 0 size 4 host $first|rank 1 size 4 host $first|rank 2 size 4 host $second|rank 3 size 4 host $second" \
	"$(grep '^rank [0-9] size ' <<<"$OUT" | sort | paste -sd'|')"
t_eq "MPI program: exit 0" "mpi rc=0" "$(grep '^mpi rc=' <<<"$OUT")"
if [ "$second" = pbsn2 ]; then
	t_eq "a rank on another node exits 5: ezpz launch exits 5" "exit5 rc=5" "$(grep '^exit5 rc=' <<<"$OUT")"
else
	t_eq "no rank ran on pbsn2: ezpz launch exits 0" "exit5 rc=0" "$(grep '^exit5 rc=' <<<"$OUT")"
fi
[ "$RC" = 1 ] || printf '%s\n' "$OUT" | sed 's/^/  | /'

# ---- qdel of a running job; walltime exceeded ------------------------------------------
sleeper_job() {   # NAME TAG: the job script
	pbs_script "$1" <<-EOF
		exec "\$EZPZ" launch -q -ppn 2 -- "$PBS_JOBS/sleeper.sh" "$PBS_JOBS/$1.up" "$2"
	EOF
}

# stopped_by NAME HOW WALLTIME: a sleeping 4-rank launch on 2 nodes, a job
# of pbsuser (a MoM ends only the processes of users: it never sees root's);
# once every rank is up, HOW (qdel, or nothing: the walltime ends it).
stopped_by() {
	local name=$1 how=$2 wall=$3 id before after state
	rm -rf "$PBS_JOBS/$name.up"
	mkdir -p "$PBS_JOBS/$name.up" && chmod 1777 "$PBS_JOBS/$name.up"
	id=$(cd "$PBS_JOBS" && pbs_on 1 runuser -u pbsuser -- qsub -N "$name" -j oe -o "$PBS_JOBS/$name.out" \
		-v "$(pbs_job_env)" -l select=2:ncpus=1:mpiprocs=2 -l place=scatter -l walltime="$wall" \
		"$(sleeper_job "$name" "$name$$")")
	wait_up "$PBS_JOBS/$name.up" 4
	t_eq "$name: all 4 ranks up" 4 "$(find "$PBS_JOBS/$name.up" -name 'up.*' | wc -l)"
	before=$(job_procs "$id")
	t_match "$name: the job has processes on both nodes" '^pbsn1=[1-9][0-9]* pbsn2=[1-9]' "$before"
	[ "$how" = qdel ] && pbs_on 1 qdel "$id"
	state=$(wait_finished "$id")
	t_match "$name: PBS finished the job ($state)" '^F -?[0-9]+$' "$state"
	# The MoMs end the job's tasks as the job ends: wait for them (30 s at most).
	for ((i = 0; i < 150; i++)); do
		after=$(job_procs "$id")
		[[ $after =~ ^(pbsn[0-9]=0 ?)+$ ]] && [ "$(pgrep -fc "sleeper-$name$$")" = 0 ] && break
		sleep 0.2
	done
	t_match "$name: nothing of the job is left on any node" '^(pbsn[0-9]=0 ?)+$' "$after"
	t_eq "$name: no rank left anywhere" 0 "$(pgrep -fc "sleeper-$name$$")"
	echo "# $name: before $before; after $after; state $state"
}
pbs_user_ezpz
stopped_by qdel qdel 00:10:00
stopped_by walltime none 00:00:08
t_match "walltime: the job was ended by PBS for its walltime" 'walltime .* exceeded limit' \
	"$(cat "$PBS_JOBS/walltime.out" 2>/dev/null)"

# ---- ezpz kill --all-nodes inside the job ---------------------------------------------
script=$(pbs_script kill <<EOF
mkdir -p "$PBS_JOBS/kill.up"
"\$EZPZ" launch -q -ppn 2 -- "$PBS_JOBS/sleeper.sh" "$PBS_JOBS/kill.up" "kill$$" &
launch=\$!
for ((i = 0; i < 600; i++)); do
	[ "\$(find "$PBS_JOBS/kill.up" -name 'up.*' | wc -l)" -ge 4 ] && break
	sleep 0.1
done
echo "up: \$(cd "$PBS_JOBS/kill.up" && ls | sed 's/^up\.//; s/\.[0-9]*\$//' | sort | uniq -c | xargs)"
echo "running before: \$(pgrep -fc "sleeper-kill$$")"
"\$EZPZ" kill --all-nodes
echo "kill rc=\$?"
wait "\$launch"
echo "launch rc=\$?"
echo "running after: \$(pgrep -fc "sleeper-kill$$")"
EOF
)
pbs_job kill -l select=2:ncpus=1:mpiprocs=2 -l place=scatter "$script"
t_match "kill: 2 ranks up on each node" '^up: 2 pbsn[0-9] 2 pbsn[0-9]$' "$OUT"
t_eq "kill: 4 ranks running before" "running before: 4" "$(grep '^running before' <<<"$OUT")"
t_match "kill --all-nodes: one ezpz kill per host through mpirun" \
	"ezpz kill: pbs job [0-9]+, 2 hosts: mpirun -np 2 --map-by ppr:1:node" "$OUT"
t_eq "kill --all-nodes: exit 0" "kill rc=0" "$(grep '^kill rc=' <<<"$OUT")"
t_match "kill: the launch ended by a signal" '^launch rc=(1[2-9][0-9]|[1-9])$' "$OUT"
t_eq "kill: no rank left on any node" "running after: 0" "$(grep '^running after' <<<"$OUT")"
[ "$(grep '^kill rc=' <<<"$OUT")" = "kill rc=0" ] || printf '%s\n' "$OUT" | sed 's/^/  | /'

# ---- ezpz test across 2 nodes ------------------------------------------------------------
# A smaller model and fewer steps than the default: the checks are the same.
script=$(pbs_script test <<EOF
"\$EZPZ" test -- --layers 128,256,128 --iters 20 --warmup 2 --max-bytes 65536 --json "$PBS_JOBS/test.json"
EOF
)
pbs_job test -l select=2:ncpus=1:mpiprocs=1 -l place=scatter "$script"
t_eq "ezpz test on 2 nodes: the job exits 0" 0 "$RC"
t_eq "ezpz test: verdict pass, 2 ranks on 2 hosts, one per node" "pass 2 2 2" \
	"$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["verdict"], d["ranks"], d["hosts"], len({r["host"] for r in d["placement"]["ranks"]}))' \
	"$PBS_JOBS/test.json" 2>&1)"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | sed 's/^/  | /' | tail -n 40
t_done
