#!/bin/bash
# `ezpz launch` with the real Open MPI mpirun on this host: ranks and their
# environment (through ezpz rankenv and PMIx), exit statuses, signals, the
# idle watchdog, retries, the log, and that nothing outlives ezpz.
. "$EZPZ_TOP/tests/lib.sh"
command -v mpirun >/dev/null || t_skip "mpirun is not installed"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
	OMPI_MCA_oob_tcp_if_include=lo OMPI_MCA_btl_tcp_if_include=lo \
	OMPI_MCA_mpi_yield_when_idle=1 OMPI_MCA_rmaps_base_oversubscribe=1
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=localhost
MARK=ezpz-t-launch-$$   # in every test command line, to find leftovers

leftovers() { pgrep -f "$MARK" | grep -v "^$$\$" || true; }

# Four ranks, each exactly once, agreeing on the rendezvous.
t_run timeout 60 "$EZPZ" launch -q -n 4 -- sh -c \
	'echo "$RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $NODE_RANK $MASTER_ADDR $MASTER_PORT $PYTHONUNBUFFERED"'
t_eq "4 ranks: exit 0" 0 "$RC"
t_eq "ranks 0..3 each once" "0 1 2 3" "$(printf '%s\n' "$OUT" | awk '{print $1}' | sort -n | tr '\n' ' ' | sed 's/ $//')"
t_eq "same world size, master and port everywhere" 1 "$(printf '%s\n' "$OUT" | awk '{print $2, $6, $7}' | sort -u | wc -l)"
t_eq "local rank = rank on one host" "" "$(printf '%s\n' "$OUT" | awk '$1 != $3 || $4 != 4 || $5 != 0')"
t_eq "PYTHONUNBUFFERED=1 for the ranks" "1" "$(printf '%s\n' "$OUT" | awk '{print $8}' | sort -u)"
t_eq "EZPZ_RUN_COMMAND reaches the ranks" 4 "$(timeout 60 "$EZPZ" launch -q -n 4 -- sh -c 'test -n "$EZPZ_RUN_COMMAND" && echo y' | grep -c y)"

# --label: each line goes out in one write with its rank's label, so no
# other rank's line lands between a label and its line (with the label
# written on its own, 6 of 10 runs of this had some; 100 short lines a rank
# stays far below what mpirun's pty of a rank holds).
t_run timeout 60 "$EZPZ" launch -q -n 4 --label -- sh -c \
	'for i in $(seq 100); do echo "line $RANK $i"; done'
t_eq "--label: 4 x 100 lines" "0 400" "$RC $(printf '%s\n' "$OUT" | wc -l)"
t_eq "... each whole, after its own rank's label" "" \
	"$(printf '%s\n' "$OUT" | grep -vE '^([0-3]): line \1 [0-9]+$' | head -n 3)"

# Exit statuses come back.
t_run timeout 60 "$EZPZ" launch -n 3 -- sh -c '[ "$RANK" = 1 ] && exit 3; sleep 1; exit 0'
t_eq "a rank exiting 3: exit 3" 3 "$RC"
t_match "... and the trailer says so" "^ezpz: failed with exit 3 after [0-9.]+s$" "$ERR"
t_run timeout 60 "$EZPZ" launch -q -n 2 -- sh -c '[ "$RANK" = 1 ] && kill -SEGV $$; sleep 1'
t_eq "a rank killed by SIGSEGV: 128+11" 139 "$RC"

# Output passes through unmodified: separate streams, binary-safe, with or
# without the pipes (--timeout and --log put ezpz in the middle).
printf 'a\0b\377\n' > "$T_TMP/bytes"
for mode in direct piped; do
	extra=()
	[ $mode = piped ] && extra=(--timeout 30 --log "$T_TMP/log")
	timeout 60 "$EZPZ" launch -q -n 1 "${extra[@]}" -- sh -c "cat '$T_TMP/bytes'; echo to-stderr >&2" \
		>"$T_TMP/out" 2>"$T_TMP/err"
	t_eq "$mode: stdout is byte-exact" "$(od -An -tx1 "$T_TMP/bytes")" "$(od -An -tx1 "$T_TMP/out")"
	t_match "$mode: stderr stays stderr" "to-stderr" "$(cat "$T_TMP/err")"
	t_eq "$mode: stderr not on stdout" 0 "$(grep -ac to-stderr "$T_TMP/out")"
done
t_match "--log has both streams" "to-stderr" "$(cat "$T_TMP/log")"
t_eq "PYTHONUNBUFFERED the user set is kept" "custom" \
	"$(PYTHONUNBUFFERED=custom timeout 60 "$EZPZ" launch -q -n 1 -- sh -c 'echo $PYTHONUNBUFFERED')"

# The idle watchdog fires on silence, not on a chatty run.
start=$(date +%s)
t_run timeout 60 "$EZPZ" launch -q -n 2 --timeout 2 --grace 2 -- sh -c "sleep 30 # $MARK"
t_eq "silent run: exit 124" 124 "$RC"
t_match "silent run: says why" "watchdog: no output for 2 s" "$ERR"
t_eq "silent run: stopped within timeout + grace" yes "$([ $(( $(date +%s) - start )) -le 12 ] && echo yes || echo no)"
t_run timeout 60 "$EZPZ" launch -q -n 2 --timeout 2 -- sh -c 'for i in 1 2 3 4 5 6; do echo tick; sleep 0.7; done'
t_eq "chatty run: not stopped" 0 "$RC"
# The end line says "signal" only for one: mpirun's own exit 134 (a program
# it cannot find) is not SIGABRT; a rank's SIGSEGV is.
t_run timeout 60 "$EZPZ" launch --no-rankenv -n 1 -- ezpz-t-no-such-program
t_match "mpirun exits 134 by itself: 'failed with exit 134'" "^ezpz: failed with exit 134 after " \
	"$(tail -1 <<<"$ERR")"
t_run timeout 60 "$EZPZ" launch -n 2 -- sh -c "kill -SEGV \$\$ # $MARK"
if grep -q 'first failed rank: [01] on .*: signal 11' <<<"$ERR"; then
	t_match "a rank's SIGSEGV: 'stopped by signal 11'" "^ezpz: stopped by signal 11 \(exit 139\) after " \
		"$(tail -1 <<<"$ERR")"
else	# mpirun did not say which rank (seen once, on a loaded machine)
	t_match "a rank's SIGSEGV, no rank named: mpirun's status" "^ezpz: failed with exit 139 after " \
		"$(tail -1 <<<"$ERR")"
fi

# A suspend (a scheduler's, SIGSTOP to every process of the run) longer
# than --timeout is not silence: after SIGCONT the run goes on (ezpz(1)).
tree() { echo "$1"; local c; for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done; }
timeout 60 "$EZPZ" launch -q -n 1 --timeout 3 -- sh -c \
	"for i in 1 2 3 4 5 6 7 8; do echo t\$i; sleep 0.5; done # $MARK" >"$T_TMP/susp.out" 2>&1 &
susp=$!
sleep 1.5
pids=$(tree "$susp")
kill -STOP $pids
sleep 5
kill -CONT $pids
wait "$susp"
t_eq "suspended 5 s with --timeout 3: the run goes on to its end" "0:t8" \
	"$?:$(grep -x 't[0-9]' "$T_TMP/susp.out" | tail -1)"
t_nomatch "... no watchdog" "watchdog" "$(cat "$T_TMP/susp.out")"
sleep 0.5
t_eq "watchdog left nothing behind" "" "$(leftovers)"

# --retries re-runs a failed command (the second attempt succeeds).
rm -f "$T_TMP/count"
t_run timeout 60 "$EZPZ" launch -q -n 1 --retries 2 -- sh -c \
	"n=\$(cat '$T_TMP/count' 2>/dev/null || echo 0); echo \$((n+1)) > '$T_TMP/count'; [ \$n -ge 1 ]"
t_eq "retries: succeeded on attempt 2" "0 2" "$RC $(cat "$T_TMP/count")"
t_match "retries: said it would retry" "attempt 1 of 3 failed with exit 1; retrying in 5 s" "$ERR"

# Signals: ezpz forwards them and nothing outlives it.  (A script's '&'
# starts commands with SIGINT ignored, and ezpz keeps ignored signals
# ignored, as nohup users expect: give the command the default back.)
for sig in TERM INT HUP; do
	env --default-signal=INT "$EZPZ" launch -q -n 4 --grace 3 -- sh -c "sleep 60 # $MARK" >/dev/null 2>&1 &
	pid=$!
	for _ in $(seq 50); do [ "$(pgrep -fc "sleep 60 # $MARK")" -ge 4 ] && break; sleep 0.1; done
	kill -"$sig" $pid
	wait $pid
	rc=$?
	t_eq "SIG$sig: exit 128+N" "$((128 + $(kill -l "$sig")))" "$rc"
	sleep 0.5
	t_eq "SIG$sig: no rank or launcher left" "" "$(leftovers)"
done
# A signal the caller ignores stays ignored (nohup, trap '' HUP).
env --default-signal=INT bash -c "trap '' HUP; exec '$EZPZ' launch -q -n 2 -- sh -c 'sleep 3; echo survived # $MARK'" \
	>"$T_TMP/hup" 2>&1 &
pid=$!
sleep 1.5
kill -HUP $pid; wait $pid; rc=$?
t_eq "SIGHUP ignored by the caller: the run goes on" "0 2" "$rc $(grep -c survived "$T_TMP/hup")"

# SIGUSR1 (preemption notice) reaches every rank and does not end the run.
"$EZPZ" launch -q -n 4 -- sh -c "trap 'echo got-usr1' USR1; sleep 3 & wait; sleep 1; echo done # $MARK" \
	>"$T_TMP/usr1" 2>&1 &
pid=$!
sleep 1.5
kill -USR1 $pid; wait $pid; rc=$?
t_eq "SIGUSR1: forwarded to all 4 ranks, run goes on" "0 4 4" "$rc $(grep -c got-usr1 "$T_TMP/usr1") $(grep -c done "$T_TMP/usr1")"
t_done
