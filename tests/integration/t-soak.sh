#!/bin/bash
# t-soak: a chaos test.  Many `ezpz launch` runs, under the real mpirun on
# this host and under srun on the emulated Slurm nodes, each with a seeded
# random fault at a random moment: SIGINT, SIGTERM, SIGHUP or SIGKILL to
# ezpz, to the launcher or to a rank; and ranks that crash, ignore SIGTERM,
# fork a child that ignores it, or flood their output.  After each run:
#
#   - the exit status follows the documented table (README "Exit status",
#     ezpz-launch(1)): 128+N when ezpz itself got signal N while the run
#     went on, 137 when ezpz or the launcher was SIGKILLed, else the
#     launcher's status (0 for a clean run, non-zero after a crash), never
#     a usage error, 124, 126 or 127.  One exception, counted and reported:
#     srun itself sometimes loses its I/O connection to a slurmstepd when a
#     task floods its output, and aborts the step (plain srun, without
#     ezpz, does it in about 1 run of 20 here); then ezpz must pass srun's
#     failure on;
#   - no process of the run is left on any node (every process carries
#     EZPZ_T_TAG=<run id> in its environment, found in /proc/*/environ:
#     the emulated nodes share this kernel).  Under srun that includes a
#     rank's orphan, which this cluster's proctrack/linuxproc would lose:
#     ezpz rankenv stays each rank's parent there (--contain) and ends it;
#   - no temporary file is left (TMPDIR and the working directory are the
#     run's own, and must hold only its --log afterwards).  That includes
#     Open MPI's session directory, which a killed (or crashed-rank) mpirun
#     leaves and ezpz launch removes (t-ompi-session).  One exception,
#     counted and reported: ezpz itself SIGKILLed can remove nothing, and
#     mpirun, stopped by PDEATHSIG's SIGTERM, may leave its session dir);
#   - the --log holds every byte the run printed, both streams.
#
# SIGKILL to ezpz itself: ezpz can clean up nothing.  ezpz-launch(1)
# promises only that the launcher gets SIGTERM (PDEATHSIG) and stops its
# ranks as for a forwarded SIGTERM; a process that ignores SIGTERM may then
# outlive the run.  So in that case the check is exactly that: the
# launcher is gone and every process of the run that does not ignore
# SIGTERM is gone; what ignores it is counted (allowed) and then killed.
#
# SOAK_RUNS runs (default 24: the short form in make check; `make soak`
# runs 500), SOAK_SEED the seed (default: from the clock; printed first,
# so that a failure can be replayed with SOAK_SEED=... SOAK_RUNS=...).
# Half the runs use srun when the local Slurm cluster is up, else all use
# mpirun.
# shellcheck disable=SC2016 # $RANK is for the ranks' shells
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
unset PBS_JOBID PBS_NODEFILE SLURM_JOB_ID SLURM_JOBID SLURM_NODELIST SLURM_JOB_NODELIST \
	FLUX_JOB_ID LSB_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID EZPZ_LAUNCHER EZPZ_MACHINE \
	MASTER_ADDR MASTER_PORT CPU_BIND VIRTUAL_ENV CONDA_PREFIX EZPZ_RUN_COMMAND
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml

runs=${SOAK_RUNS:-24}
seed=${SOAK_SEED:-$(($(date +%s%N) % 1000000007))}
echo "# soak: seed $seed, $runs runs (replay: SOAK_SEED=$seed SOAK_RUNS=$runs)"
RANDOM=$seed

slurm=0
want_slurm && slurm=1

# The ranks: one behaviour each run, long enough (LONG s) that a fault
# comes while the run goes on, except for the quick ones.
LONG=3
cat >"$T_TMP/rank.sh" <<'EOF'
#!/bin/bash
# rank.sh BEHAVIOUR
case $1 in
quick) echo "rank $RANK ok" ;;
long) echo "rank $RANK up"; sleep "$LONG"; echo "rank $RANK ok" ;;
crash) echo "rank $RANK crashes"; [ "$RANK" = 0 ] && kill -SEGV $$; sleep 0.3 ;;
ignore) trap '' TERM INT HUP; echo "rank $RANK ignores"; sleep "$LONG"; echo "rank $RANK ok" ;;
forkignore) (trap '' TERM INT HUP; exec sleep 1000 </dev/null >/dev/null 2>&1) &
	echo "rank $RANK forked"; sleep "$LONG" ;;
flood) for ((i = 0; i < 200; i++)); do printf 'rank %s line %s %0200d\n' "$RANK" "$i" 0; done
	head -c 300000 /dev/zero | tr '\0' y | fold -w 150 ;;
esac
EOF
chmod +x "$T_TMP/rank.sh"
behaviours=(quick long crash ignore forkignore flood)
faults=(none none INT TERM HUP KILL)
targets=(ezpz launcher rank)

# what carries TAG: its command line, one a line
tagged_cmds() { local p; for p in $(t_tagged "$1"); do tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null; echo; done; }

# ignores_term PID: SIGTERM is ignored (SigIgn bit 15)
ignores_term() {
	local ign
	ign=$(awk '/^SigIgn:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$ign" ] && (((0x$ign >> 14) & 1))
}

# pick_target TAG TARGET EZPZPID: a pid to signal, or nothing
pick_target() {
	local p pids=()
	case $2 in
	ezpz) echo "$3"; return ;;
	launcher) pgrep -P "$3" -x "$4" | head -n 1; return ;;
	rank)
		# the rank's own process (bash rank.sh), not ezpz's: neither the
		# shell under salloc that runs ezpz launch nor the rankenv that
		# stays each rank's parent under srun (SIGKILL to those is SIGKILL
		# to ezpz, which can clean up nothing)
		for p in $(t_tagged "$1"); do
			tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q '^[^ ]*bash [^ ]*rank\.sh ' &&
				pids+=("$p")
		done
		[ ${#pids[@]} -gt 0 ] && echo "${pids[RANDOM % ${#pids[@]}]}" ;;
	esac
}

n_fail=0 n_left=0 n_allowed=0 n_srun=0 n_mpirun=0 n_ompi_dirs=0 n_srun_io=0
declare -A seen
t0=$(date +%s)
for ((run = 1; run <= runs; run++)); do
	beh=${behaviours[RANDOM % ${#behaviours[@]}]}
	fault=${faults[RANDOM % ${#faults[@]}]}
	target=${targets[RANDOM % ${#targets[@]}]}
	delay=$((RANDOM % 1500))
	mode=mpirun
	[ "$slurm" = 1 ] && ((RANDOM % 2)) && mode=srun
	[ "$fault" = none ] && target=-
	tag=soak-$seed-$run
	dir=$T_TMP/run$run
	mkdir -p "$dir/tmp"
	what="run $run ($mode, ranks $beh, $fault to $target at ${delay} ms)"
	seen[$mode:$beh:$fault:$target]=1

	if [ "$mode" = srun ]; then
		n_srun=$((n_srun + 1))
		launcher=srun
		# salloc does not pass on a signal death (ezpz SIGKILLed: salloc
		# exits 0): a shell under it records ezpz's status as a shell sees it
		(cd "$dir" && EZPZ_T_TAG="$tag" TMPDIR="$dir/tmp" LONG=$LONG \
			exec timeout -k 5 90 salloc -Q -N 2 --exclusive sh -c '"$@"; echo $? >../rc.'"$run" sh \
			"$EZPZ" launch -q --grace 1 --log "$dir/log" -- "$T_TMP/rank.sh" "$beh" \
			>"$dir/out" 2>"$dir/err") &
	else
		n_mpirun=$((n_mpirun + 1))
		launcher=mpirun
		(cd "$dir" && EZPZ_T_TAG="$tag" TMPDIR="$dir/tmp" LONG=$LONG EZPZ_HOSTNAME=localhost \
			exec timeout -k 5 90 "$EZPZ" launch -q -n 2 --grace 1 --log "$dir/log" -- \
			"$T_TMP/rank.sh" "$beh" >"$dir/out" 2>"$dir/err") &
	fi
	tpid=$!
	r0=$(date +%s.%N)
	# ezpz: the ezpz launch that carries the tag
	epid=
	for ((i = 0; i < 1200; i++)); do
		kill -0 "$tpid" 2>/dev/null || break
		for p in $(t_tagged "$tag"); do
			[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | cut -d' ' -f2)" = launch ] && epid=$p
		done
		[ -n "$epid" ] && break
		sleep 0.05
	done
	sent=
	if [ -n "$epid" ] && [ "$fault" != none ]; then
		sleep "$(printf '0.%03d' "$delay")"
		pid=$(pick_target "$tag" "$target" "$epid" "$launcher")
		if [ -n "$pid" ] && kill -s "$fault" "$pid" 2>/dev/null; then sent=$pid; fi
	fi
	wait "$tpid"
	rc=$?
	if [ "$mode" = srun ] && [ "$rc" != 124 ]; then
		rc=$(cat "$T_TMP/rc.$run" 2>/dev/null || echo "none")
		rm -f "$T_TMP/rc.$run"
	fi
	r1=$(date +%s.%N)

	# ---- the exit status ----
	quick=0
	case $beh in quick | crash | flood) quick=1 ;; esac
	ok=1 why=
	if [ "$rc" = 124 ]; then
		ok=0 why="hung: killed by the test's timeout"
	elif [ -n "$sent" ] && [ "$fault" = KILL ] && [ "$target" != rank ]; then
		[ "$rc" = 137 ] || { ok=0 why="SIGKILL to $target: exit $rc, want 137"; }
	elif [ -n "$sent" ] && [ "$target" = ezpz ] && [ "$quick" = 0 ]; then
		want=$((128 + $(kill -l "$fault")))
		[ "$rc" = "$want" ] || { ok=0 why="SIG$fault to ezpz: exit $rc, want $want"; }
	elif [ -z "$sent" ] && [ "$mode" = srun ] &&
		grep -q 'step_launch_notify_io_failure: aborting, io error with slurmstepd' "$dir/err"; then
		# srun lost its I/O connection to a node's slurmstepd and aborted
		# the step: Slurm's own failure on this emulated cluster, as often
		# with plain srun and a flooding task (2 of 40 runs, no ezpz in
		# them).  ezpz must pass srun's failure on.  Counted.
		n_srun_io=$((n_srun_io + 1))
		[ "$rc" != 0 ] || { ok=0 why="srun aborted the step: exit 0"; }
	elif [ -z "$sent" ] && [ "$beh" = crash ]; then
		[ "$rc" != 0 ] || { ok=0 why="a rank crashed: exit 0"; }
	elif [ -z "$sent" ]; then
		[ "$rc" = 0 ] || { ok=0 why="no fault: exit $rc, want 0"; }
	fi
	case $rc in 2 | 124 | 126 | 127) ok=0 why="${why:+$why; }exit $rc is not a run's status" ;; esac
	[ "$rc" = none ] && ok=0 why="${why:+$why; }no status: the shell under salloc that records it was killed"


	# ---- leftovers ----
	if [ "$fault" = KILL ] && [ "$target" = ezpz ] && [ -n "$sent" ]; then
		# the documented guarantee: the launcher and whatever does not ignore
		# SIGTERM are gone (the launcher's own shutdown takes a moment)
		for ((i = 0; i < 100; i++)); do
			bad=
			for p in $(t_tagged "$tag"); do ignores_term "$p" || bad="$bad $p"; done
			[ -z "$bad" ] && break
			sleep 0.1
		done
		if [ -n "$bad" ]; then
			ok=0 why="${why:+$why; }SIGKILL to ezpz: left (not ignoring SIGTERM):$(for p in $bad; do printf ' [%s]' "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"; done)"
			n_left=$((n_left + 1))
		fi
		if [ -n "$(t_tagged "$tag")" ]; then n_allowed=$((n_allowed + 1)); fi
		t_tagged_kill "$tag"
	elif ! left=$(t_tagged_gone "$tag"); then
		ok=0 why="${why:+$why; }left: $(echo "$left" | paste -sd';')"
		n_left=$((n_left + 1))
		t_tagged_kill "$tag"
	fi

	# ---- temporary files, the log ----
	extra=$(cd "$dir" && find . -mindepth 1 -maxdepth 1 ! -name log ! -name out ! -name err ! -name tmp)
	[ -z "$extra" ] || { ok=0 why="${why:+$why; }files left: $extra"; }
	# ezpz removes what a killed mpirun leaves; only ezpz SIGKILLed cannot.
	tmpleft=$(ls -A "$dir/tmp")
	if [ "$mode" = mpirun ] && [ -n "$tmpleft" ] && ! grep -qv '^ompi\.' <<<"$tmpleft" &&
		[ "$fault" = KILL ] && [ "$target" = ezpz ] && [ -n "$sent" ]; then
		n_ompi_dirs=$((n_ompi_dirs + 1))
	elif [ -n "$tmpleft" ]; then
		ok=0 why="${why:+$why; }temporary files left: $(cd "$dir/tmp" && find . -mindepth 1 -maxdepth 2 | paste -sd' ')"
	fi
	if ! { [ "$fault" = KILL ] && [ "$target" = ezpz ] && [ -n "$sent" ]; }; then
		# every byte the launcher printed went to the log too: ezpz's own
		# lines ("ezpz: ...", "ezpz launch: first failed rank ...") and
		# salloc's are on stderr only
		own=$(grep -a -e '^ezpz: ' -e '^ezpz launch: ' -e '^salloc: ' "$dir/err" | wc -c)
		want=$(($(wc -c <"$dir/out") + $(wc -c <"$dir/err") - own))
		have=$(wc -c <"$dir/log" 2>/dev/null || echo 0)
		[ "$have" = "$want" ] || { ok=0 why="${why:+$why; }log has $have bytes, the run printed $want"; }
	fi

	# the clock time, to find the run in slurmctld's and slurmd's logs
	printf '# run %d: %s: exit %s, %.1f s (from %s)\n' "$run" "$what" "$rc" "$(echo "$r1 - $r0" | bc)" \
		"$(date -d "@$r0" +%T.%N | cut -c1-12)"
	if [ "$ok" = 1 ]; then
		rm -rf "$dir"
	else
		n_fail=$((n_fail + 1))
		t_fail "$what: exit $rc: $why"
		echo "  replay: SOAK_SEED=$seed SOAK_RUNS=$run (the last one); stderr:"
		tail -n 5 "$dir/err" | sed 's/^/    /'
	fi
done
secs=$(($(date +%s) - t0))
t_eq "soak: every run as documented" 0 "$n_fail"
t_eq "soak: nothing of any run left behind" 0 "$n_left"
echo "# soak: seed $seed: $runs runs ($n_mpirun mpirun, $n_srun srun), ${#seen[@]} distinct cases," \
	"$n_fail failed, $n_left with leftovers, $n_allowed SIGKILLed-ezpz runs with a SIGTERM-ignoring" \
	"process left (allowed, then killed), $n_srun_io srun runs that srun aborted on an I/O error" \
	"with a slurmstepd (Slurm's, passed on), $n_ompi_dirs runs with ezpz SIGKILLed whose mpirun left" \
	"its session directory (allowed), $secs s"
t_done
