#!/bin/bash
# t-kill: 'ezpz kill' against real processes.  On this host: a real
# 'ezpz launch -n 2 -- sleep 300' (real mpirun) is stopped completely (ranks,
# mpirun, ezpz launch), with --dry-run first; 'ezpz launch --retries' is
# signalled first and does not start its launcher again; patterns; other
# users' processes are never touched; --job with a full PBS id; ezpz kill
# never kills its own ancestors; SIGKILL after --grace for a process that
# ignores SIGTERM; USR1 is delivered, not escalated; usage errors.  Then, in a real
# Slurm job on the local cluster: a launch sleeping on all 4 nodes, stopped
# by 'ezpz kill --all-nodes' through srun, and nothing of it left anywhere.
#
# The default 'ezpz kill' stops every process on this machine that carries
# EZPZ_RUN_COMMAND, which would include other people's test runs here: so
# the whole test runs in a PID namespace of its own (unshare), where /proc
# shows only its own processes.  The Slurm job runs under slurmd, outside
# it, and is matched by its job id there.
if [ "${EZPZ_KILL_NS:-}" != 1 ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -pf --mount-proc true 2>/dev/null; then
		echo "skip: needs root and 'unshare --pid' (a PID namespace keeps 'ezpz kill' to this test)"
		exit 77
	fi
	exec unshare -pf --mount-proc --kill-child env EZPZ_KILL_NS=1 "$BASH" "$0" "$@"
fi
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE EZPZ_RUN_COMMAND EZPZ_HOSTNAME
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
HOST=$(hostname)

# count REGEX: processes whose command line matches (not zombies)
count() {
	local n=0 pid
	for pid in $(pgrep -f -- "$1"); do
		[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] || n=$((n + 1))
	done
	echo "$n"
}
# wait_for N REGEX: until N such processes run (10 s at most)
wait_for() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(count "$2")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- a real launch: dry run, then kill ---------------------------------------------
t_timeout 120 "$EZPZ" launch -n 2 -- sleep 300 >"$T_TMP/launch.out" 2>&1 &
launch=$!
wait_for 2 '^sleep 300$' || t_bail "the launch did not start two ranks: $(cat "$T_TMP/launch.out")"
wait_for 1 '^mpirun ' || t_bail "no mpirun"

t_run "$EZPZ" kill --dry-run
t_eq "dry run: exit 0" 0 "$RC"
t_eq "dry run: ezpz launch, mpirun and both ranks, by pid" "4" "$(grep -c "^$HOST: would send SIGTERM to [0-9]*: " <<<"$OUT")"
t_match "dry run: the launcher line" "^$HOST: would send SIGTERM to [0-9]+: mpirun -np 2 .*ezpz rankenv -- sleep 300$" "$OUT"
t_match "dry run: the ezpz launch above it (no marker: as mpirun's parent)" \
	"^$HOST: would send SIGTERM to [0-9]+: $EZPZ launch -n 2 -- sleep 300$" "$OUT"
t_eq "dry run: nothing was signalled" "2 1 1" "$(count '^sleep 300$') $(count '^mpirun ') $(count "^$EZPZ launch -n 2 ")"

t0=$(date +%s%N)
t_run "$EZPZ" kill
t1=$(date +%s%N)
t_eq "kill: exit 0" 0 "$RC"
t_eq "kill: a line per process" "4" "$(grep -c "^$HOST: killed [0-9]* (SIGTERM): " <<<"$OUT")"
t_eq "kill: quiet on stderr" "" "$ERR"
t_eq "kill: no rank and no mpirun left" "0 0" "$(count '^sleep 300$') $(count '^mpirun ')"
wait "$launch"
rc=$?
t_eq "kill: ezpz launch ended too, interrupted by SIGTERM" 143 "$rc"
t_eq "kill: no ezpz left" "0" "$(count 'ezpz launch')"
echo "# kill latency: $(((t1 - t0) / 1000000)) ms for ezpz launch, mpirun and 2 ranks"

# ---- launch --retries: killed, it does not start the launcher again -------------------
t_timeout 120 "$EZPZ" launch --retries 2 -n 1 -- sleep 60 >"$T_TMP/retry.out" 2>&1 &
launch=$!
wait_for 1 '^sleep 60$' || t_bail "the --retries launch did not start: $(cat "$T_TMP/retry.out")"
wait_for 1 '^mpirun ' || t_bail "no mpirun"
t_run "$EZPZ" kill --grace 1
t_eq "--retries: exit 0" 0 "$RC"
t_match "--retries: the ezpz launch is killed" "^$HOST: killed [0-9]+ \(SIGTERM[^)]*\): $EZPZ launch --retries 2 " "$OUT"
seen=
for ((i = 0; i < 100; i++)); do
	[ "$(count '^sleep 60$') $(count '^mpirun ')" = "0 0" ] || seen="$seen $i"
	sleep 0.1
done
t_eq "--retries: no mpirun or rank comes back in 10 s" "" "$seen"
wait "$launch"
rc=$?
t_eq "--retries: ezpz launch exits 128+SIGTERM" 143 "$rc"
t_nomatch "--retries: no retry" "retrying" "$(cat "$T_TMP/retry.out")"

# A running launch is reached through its marked processes, not its own
# command line: 'kill "grace 17"' stops the launch whose ranks have it, not
# the one that has it only in options of its own (--grace 17), which its
# launcher and ranks do not carry.
t_timeout 120 "$EZPZ" launch -q --grace 17 -n 1 -- sleep 61 >"$T_TMP/a.out" 2>&1 &
launch_a=$!
t_timeout 120 "$EZPZ" launch -q -n 1 -- sh -c 'sleep 62 # grace 17' >"$T_TMP/b.out" 2>&1 &
launch_b=$!
wait_for 1 '^sleep 61$' || t_bail "launch A did not start: $(cat "$T_TMP/a.out")"
wait_for 1 'sleep 62 # grace 17' || t_bail "launch B did not start: $(cat "$T_TMP/b.out")"
t_run "$EZPZ" kill 'grace 17'
wait "$launch_b"
t_eq "kill PATTERN: the launch whose ranks match is stopped" 143 "$?"
t_eq "... the one with the pattern only in its options runs on" 1 "$(count '^sleep 61$')"
"$EZPZ" kill --grace 1 'sleep 61' >/dev/null 2>&1
wait "$launch_a"

# A pattern that only the ranks have (here their argv[0], from a variable
# mpirun's command line does not spell out): the ezpz launch above them,
# two levels up (rank, mpirun, launch), is signalled first, so --retries
# does not start them again.
t_timeout 120 "$EZPZ" launch -q --retries 2 -x TAG=ezpzqq -n 2 -- \
	bash -c 'exec -a "$TAG" sleep 100' >"$T_TMP/deep.out" 2>&1 &
launch=$!
wait_for 2 '^ezpzqq 100$' || t_bail "the ranks did not start: $(cat "$T_TMP/deep.out")"
ps -eo pid,ppid,stat,cmd > "$T_TMP/ps.before"
t_run "$EZPZ" kill --grace 1 ezpzqq
# (when it did not reach the launch: what ran, for the log)
grep -q "launch -q --retries" <<<"$OUT" ||
	{ echo "processes before the kill:"; cat "$T_TMP/ps.before"; echo "$ERR"; } | sed 's/^/# /'
t_match "a pattern only the ranks match: the launch two levels up is killed" \
	"^$HOST: killed [0-9]+ \(SIGTERM[^)]*\): $EZPZ launch -q --retries 2 " "$OUT"
wait "$launch"
t_eq "... it exits 128+SIGTERM, with no retry" "143 0" \
	"$? $(grep -c 'retrying' "$T_TMP/deep.out")"
t_eq "... and nothing comes back" "0 0" "$(sleep 1; echo $(count "^ezpzqq") $(count "^mpirun "))"

# SIGQUIT ends a launch as SIGTERM does (128+3), when it was not started
# with it ignored (as bash's '&' does: so python3 resets it first).
python3 -c 'import os, signal, sys
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.execvp(sys.argv[1], sys.argv[1:])' "$EZPZ" launch -n 2 -- sleep 302 >"$T_TMP/quit.out" 2>&1 &
launch=$!
wait_for 2 '^sleep 302$' || t_bail "the launch did not start: $(cat "$T_TMP/quit.out")"
t_run "$EZPZ" kill -s QUIT
wait "$launch"
t_eq "kill -s QUIT: the launch exits 128+SIGQUIT" 131 "$?"
t_match "... saying so, with nothing SIGKILLed" "stopped by signal 3 \(exit 131\)" "$(cat "$T_TMP/quit.out")"
t_nomatch "... " "SIGKILL" "$OUT"

# A stopped launch (Ctrl-Z, SIGSTOP): kill continues what it signals, so
# the SIGTERM is acted on now, not escalated to SIGKILL after --grace.
t_timeout 120 "$EZPZ" launch -n 2 -- sleep 304 >"$T_TMP/stop.out" 2>&1 &
launch=$!
wait_for 2 '^sleep 304$' || t_bail "the launch did not start: $(cat "$T_TMP/stop.out")"
# (the launch, mpirun and the ranks; not t_timeout's timeout, which kill
# does not signal and the test waits for)
for p in $(pgrep -f "^($EZPZ launch -n 2 -- |mpirun .*|)sleep 304$"); do kill -STOP "$p"; done
t_run "$EZPZ" kill --grace 5
wait "$launch"
t_eq "a stopped launch: it ends as SIGTERM asks (143)" 143 "$?"
t_nomatch "... nothing needed SIGKILL" "SIGKILL" "$OUT"

# USR1 to a stopped (suspended) process asks it to act when it runs again:
# kill does not continue it.
env EZPZ_RUN_COMMAND=x sleep 309 &
s309=$!
wait_for 1 '^sleep 309$' || t_bail "sleep 309 did not start"
kill -STOP "$s309"
t_run "$EZPZ" kill -s USR1 'sleep 309'
t_eq "-s USR1 to a stopped process: it stays stopped" T "$(awk '{print $3}' "/proc/$s309/stat")"
kill -KILL "$s309"
wait "$s309" 2>/dev/null

# ... and killed while it waits between attempts, with nothing running
# (it matched nothing then: the waits went on, and the attempts after)
t_timeout 120 "$EZPZ" launch --retries 2 -n 1 -- sh -c 'exit 3 # ezpz-t-kill-wait' \
	>"$T_TMP/wait.out" 2>&1 &
launch=$!
for ((i = 0; i < 200; i++)); do
	grep -q 'retrying in' "$T_TMP/wait.out" && break
	sleep 0.05
done
t_run "$EZPZ" kill ezpz-t-kill-wait
t_match "--retries, between attempts: the ezpz launch itself is killed" \
	"^$HOST: killed [0-9]+ \(SIGTERM[^)]*\): $EZPZ launch --retries 2 " "$OUT"
wait "$launch"
t_eq "... it exits 128+SIGTERM, after one attempt" "143 1" \
	"$? $(grep -c 'retrying in' "$T_TMP/wait.out")"

# A launcher slower to stop than kill's --grace (here: it ignores SIGTERM):
# kill SIGKILLs it, and ezpz launch, signalled first, must still end as
# interrupted by SIGTERM (143) after its own cleanup, not be SIGKILLed (137)
# while it shuts down.
mkdir -p "$T_TMP/slow"
printf '#!/bin/bash\ntrap "" TERM\nsleep 60 & wait; wait\n' >"$T_TMP/slow/mpiexec"
chmod +x "$T_TMP/slow/mpiexec"
PATH="$T_TMP/slow:$PATH" t_timeout 120 "$EZPZ" launch --launcher mpich --grace 30 -n 1 -- true \
	>"$T_TMP/slow.out" 2>&1 &
launch=$!
wait_for 1 '^sleep 60$' || t_bail "the slow launcher did not start: $(cat "$T_TMP/slow.out")"
t_run "$EZPZ" kill --grace 1
t_match "slow launcher: SIGKILL after the grace" "^$HOST: killed [0-9]+ \(SIGTERM, then SIGKILL after 1 s\): /bin/bash $T_TMP/slow/mpiexec" "$OUT"
t_match "slow launcher: ezpz launch ended by itself" "^$HOST: killed [0-9]+ \(SIGTERM\): $EZPZ launch --launcher mpich" "$OUT"
wait "$launch"
t_eq "slow launcher: ezpz launch exits 128+SIGTERM, not 137" 143 "$?"

t_run "$EZPZ" kill
t_eq "nothing left: exit 0" 0 "$RC"
t_eq "nothing left: says so" "$HOST: nothing to kill: no process has EZPZ_RUN_COMMAND in its environment (ezpz launch sets it)" "$OUT"

# ---- patterns ------------------------------------------------------------------------------
sleep 301 & p1=$!
sleep 301 & p2=$!
sleep 302 & p3=$!
wait_for 3 '^sleep 30[12]$'
t_run "$EZPZ" kill
t_eq "no pattern: processes without the marker are left alone" "0 3" "$RC $(count '^sleep 30[12]$')"
t_run "$EZPZ" kill 'sleep 30'
t_eq "pattern: only processes ezpz launch started (marked), so none of these" \
	"0:$HOST: nothing to kill: no process with EZPZ_RUN_COMMAND in its environment (ezpz launch sets it) has 'sleep 30' in its command line:3" \
	"$RC:$OUT:$(count '^sleep 30[12]$')"
env EZPZ_RUN_COMMAND=x sleep 308 & m1=$!
wait_for 1 '^sleep 308$'
t_run "$EZPZ" kill 'sleep 30'
t_eq "pattern: a marked process matches" "0:$HOST: killed $m1 (SIGTERM): sleep 308:3" "$RC:$OUT:$(count '^sleep 30[12]$')"
wait "$m1" 2>/dev/null
t_run "$EZPZ" kill --any-process 'sleep 301' </dev/null
t_eq "--any-process, no terminal: exit 0" 0 "$RC"
t_eq "--any-process: both matches killed" "$HOST: killed $p1 (SIGTERM): sleep 301
$HOST: killed $p2 (SIGTERM): sleep 301" "$OUT"
t_eq "--any-process: a substring, not more" "0 1" "$(count '^sleep 301$') $(count '^sleep 302$')"
t_run "$EZPZ" kill --any-process 'sleep 3019'
t_eq "--any-process without a match" "0:$HOST: nothing to kill: no process has 'sleep 3019' in its command line" "$RC:$OUT"
# At a terminal it shows what it would signal and asks.
t_run script -qec "\"$EZPZ\" kill --any-process 'sleep 302'; echo rc=\$?" /dev/null <<<n
t_match "--any-process at a terminal: lists the matches" "would send SIGTERM to $p3: sleep 302" "$OUT"
t_match "--any-process at a terminal: asks" "signal this 1 process, not all started by ezpz launch\\? \\[y/N\\]" "$OUT"
t_match "--any-process at a terminal, not confirmed: exit 1" "rc=1" "$OUT"
t_eq "--any-process at a terminal, not confirmed: nothing signalled" 1 "$(count '^sleep 302$')"
t_run script -qec "\"$EZPZ\" kill --any-process 'sleep 302'; echo rc=\$?" /dev/null <<<YES
t_match "--any-process at a terminal, 'YES' (any case): signalled, exit 0" \
	"killed $p3 \(SIGTERM\): sleep 302.*rc=0" "$(tr -d '\r\n' <<<"$OUT")"
wait "$p1" "$p2" "$p3" 2>/dev/null
t_run "$EZPZ" kill --any-process
t_eq "--any-process without PATTERN: exit 2" "2:ezpz: kill: --any-process needs a PATTERN" "$RC:$ERR"

# ---- only this user's processes ----------------------------------------------------------------
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null; then
	as_nobody() { setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"; }
	as_nobody sleep 304 &
	n1=$!
	as_nobody env EZPZ_RUN_COMMAND=x sleep 305 &
	n2=$!
	if ! wait_for 1 '^sleep 304$' || ! wait_for 1 '^sleep 305$'; then
		t_bail "cannot run processes as nobody"
	fi
	t_run "$EZPZ" kill --any-process 'sleep 30' </dev/null
	t_eq "another user's: a pattern does not reach it, even with --any-process" \
		"0:$HOST: nothing to kill: no process has 'sleep 30' in its command line" "$RC:$OUT"
	t_run "$EZPZ" kill
	t_eq "another user's: nor the marker (root's ezpz kill either)" \
		"0:$HOST: nothing to kill: no process has EZPZ_RUN_COMMAND in its environment (ezpz launch sets it)" "$RC:$OUT"
	t_eq "another user's: both still run" "1 1" "$(count '^sleep 304$') $(count '^sleep 305$')"
	kill "$n1" "$n2"
	wait "$n1" "$n2" 2>/dev/null
else
	t_fail "no user 'nobody' or no setpriv: other users' processes not tested"
fi

# ---- --job with a full PBS id -------------------------------------------------------------------
env -u SLURM_JOB_ID PBS_JOBID=5551.pbs01 EZPZ_RUN_COMMAND=x sleep 306 &
p1=$!
env -u SLURM_JOB_ID PBS_JOBID=5552.pbs01 EZPZ_RUN_COMMAND=x sleep 307 &
p2=$!
wait_for 1 '^sleep 306$' && wait_for 1 '^sleep 307$'
t_run "$EZPZ" kill --job 5551.pbs01
t_eq "--job 5551.pbs01: that job's process, not another's" \
	"0:$HOST: killed $p1 (SIGTERM): sleep 306" "$RC:$OUT"
t_run "$EZPZ" kill --job 5552.other-server
t_eq "--job: compared before the first '.'" "0:$HOST: killed $p2 (SIGTERM): sleep 307" "$RC:$OUT"
wait "$p1" "$p2" 2>/dev/null

# ---- never its own ancestors ------------------------------------------------------------------
t_run env EZPZ_RUN_COMMAND=x "$BASH" -c '"$0" kill --dry-run; echo "parent still here"' "$EZPZ"
t_eq "a marked parent (a rank running ezpz kill) is not a match" \
	"$HOST: nothing to kill: no process has EZPZ_RUN_COMMAND in its environment (ezpz launch sets it)
parent still here" "$OUT"

# ---- --grace: SIGKILL for a process that ignores SIGTERM --------------------------------------
env EZPZ_RUN_COMMAND=stubborn "$BASH" -c 'trap "" TERM; exec sleep 303' &
p=$!
wait_for 1 '^sleep 303$'
t0=$(date +%s%N)
t_run "$EZPZ" kill --grace 1
t1=$(date +%s%N)
t_eq "grace: exit 0" 0 "$RC"
t_eq "grace: SIGKILL after 1 s" "$HOST: killed $p (SIGTERM, then SIGKILL after 1 s): sleep 303" "$OUT"
t_eq "grace: it waited the grace" "yes" "$([ $(((t1 - t0) / 1000000)) -ge 1000 ] && echo yes || echo "no: $(((t1 - t0) / 1000000)) ms")"
wait "$p" 2>/dev/null
t_eq "grace: gone" 0 "$(count '^sleep 303$')"

# ---- USR1 is delivered, not escalated ----------------------------------------------------------
env EZPZ_RUN_COMMAND=ckpt "$BASH" -c 'trap "echo got-usr1 >'"$T_TMP"'/usr1" USR1; while :; do sleep 0.1; done' &
p=$!
sleep 0.3
t_run "$EZPZ" kill --signal USR1
t_eq "USR1: exit 0" 0 "$RC"
t_match "USR1: sent, not killed" "^$HOST: sent SIGUSR1 to $p: " "$OUT"
sleep 0.3
t_eq "USR1: the process acted on it and runs on" "got-usr1 alive" \
	"$(cat "$T_TMP/usr1" 2>/dev/null) $(kill -0 "$p" 2>/dev/null && echo alive)"
t_run "$EZPZ" kill --signal kill
t_eq "--signal kill (any case): exit 0" 0 "$RC"
t_match "--signal kill: killed" "^$HOST: killed $p \(SIGKILL\): " "$OUT"
wait "$p" 2>/dev/null

# ---- usage and context errors ------------------------------------------------------------------
t_run "$EZPZ" kill --signal STOP
t_eq "--signal STOP: exit 2" "2:ezpz: kill: --signal 'STOP': use TERM, KILL, INT, HUP, QUIT, USR1 or USR2" "$RC:$ERR"
t_run "$EZPZ" kill a b
t_eq "two patterns: exit 2" 2 "$RC"
t_run "$EZPZ" kill ''
t_eq "empty pattern: exit 2" "2:ezpz: kill: empty PATTERN would match every process" "$RC:$ERR"
t_run "$EZPZ" kill --job ''
t_eq "--job '': exit 2" "2:ezpz: kill: --job '': give a job id (123, 123.pbs01)" "$RC:$ERR"
t_run "$EZPZ" kill --all-nodes
t_eq "--all-nodes outside a job: exit 1" 1 "$RC"
t_match "--all-nodes outside a job: says what to do" "^ezpz: kill: --all-nodes: this shell is in no batch job .*; run it inside the job" "$ERR"

# ---- --all-nodes in a real Slurm job ---------------------------------------------------------------
slurm_here() {
	case ${EZPZ_TEST_SLURM:-} in
	1) return 0 ;;
	failed) return 1 ;;
	esac
	# (Its 'status' looks for the daemons in /proc, which this namespace hides.)
	command -v srun sinfo >/dev/null || return 1
	eval "$("$EZPZ_TEST_SLURM_CLUSTER" env)"
	[ "$(timeout 20 sinfo -h -N -o %N 2>/dev/null | sort -u | wc -l)" -ge 4 ]
}
if ! slurm_here; then
	if [ "${EZPZ_TEST_NO_SKIP:-}" = 1 ] || [ "${EZPZ_TEST_SLURM:-}" = failed ]; then
		t_fail "--all-nodes: no local Slurm cluster"
	else
		echo "# no local Slurm cluster: --all-nodes not tested"
	fi
	t_done
	exit
fi

tok=$$$RANDOM
cat >"$T_TMP/job.sh" <<EOF
#!/bin/bash
# One sleeping rank on each node, then ezpz kill --all-nodes from the batch host.
'$EZPZ' launch -q -ppn 1 -- sh -c 'echo "rank on \$(hostname)"; exec sleep 317.$tok' &
for i in \$(seq 100); do
	[ "\$(pgrep -c -f '^sleep 317\\.$tok\$')" -ge 4 ] && break
	sleep 0.1
done
echo "running: \$(pgrep -c -f '^sleep 317\\.$tok\$')"
'$EZPZ' kill --all-nodes
echo "kill: \$?"
wait \$!
echo "launch: \$?"
echo "left: \$(pgrep -c -f 'sleep 317\\.$tok')"
EOF
t_run t_timeout 180 sbatch --wait -N 4 --exclusive -o "$T_TMP/job.out" "$T_TMP/job.sh"
t_eq "--all-nodes: the job ran" 0 "$RC"
[ "$RC" = 0 ] || printf 'sbatch said:\n%s\n%s\n' "$OUT" "$ERR"
out=$(cat "$T_TMP/job.out")
printf '%s\n' "$out" | sed 's/^/  job: /'
t_eq "--all-nodes: a rank slept on each node" "n1 n2 n3 n4" \
	"$(sed -n 's/^rank on //p' <<<"$out" | sort | xargs)"
t_eq "--all-nodes: all 4 running before" "running: 4" "$(grep '^running:' <<<"$out")"
t_match "--all-nodes: said what it runs" "^ezpz kill: slurm job [0-9]+, 4 hosts: srun --overlap -N4 -n4 --ntasks-per-node=1 .* kill --job [0-9]+ --signal TERM$" "$out"
t_eq "--all-nodes: every node ran the kill" "n1 n2 n3 n4" \
	"$(grep -E '^n[1-4]: (killed|nothing to kill)' <<<"$out" | cut -d: -f1 | sort -u | xargs)"
t_eq "--all-nodes: each rank killed" 4 \
	"$(grep -E "^n[1-4]: killed [0-9]+ \(SIGTERM\): sleep 317\.$tok$" <<<"$out" | awk '{print $3}' | sort -u | wc -l)"
t_eq "--all-nodes: exit 0" "kill: 0" "$(grep '^kill:' <<<"$out")"
t_match "--all-nodes: the launch ended" "^launch: [1-9][0-9]*$" "$(grep '^launch:' <<<"$out")"
t_eq "--all-nodes: nothing left on any node" "left: 0" "$(grep '^left:' <<<"$out")"
t_done
