#!/bin/bash
# t-doctor: 'ezpz doctor --json' under env -i in fixture environments (a
# laptop, a PBS job with a nodefile, a stale PBS job, a HOSTFILE that uses
# part of the job, a Slurm job, a broken hostfile, no launcher, a bad
# machine profile), compared with golden JSON; the exit status (1 only for
# an error); the table and its colour rules (TTY, NO_COLOR); and, with the
# real mpirun, the PMIx check inside a launch.
#
# Stubs (tests/fixtures/doctor) stand in for python3, ldconfig, mpiexec and
# srun, limits are set before doctor runs, and the topology is an hwloc XML
# fixture, so the output is the same on every machine; the repository path
# becomes @TOP@ and the /dev/shm check (the machine's) <machine>.
# EZPZ_UPDATE_GOLDEN=1 rewrites the expected files.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd jq

D=$FIX/doctor
TOPO=$FIX/topo
MODFN='() {  echo "No modules loaded" >&2
}'

# doctor NAME VAR=VALUE...: run 'ezpz doctor --json' in a clean environment
# with lowered limits (lowering is always allowed), compare with
# expected/NAME.json; RC is doctor's exit status.
doctor() {
	local name=$1 json
	shift
	t_run ezpz_clean LMOD_CMD="$D/lmod/libexec/lmod" "BASH_FUNC_module%%=$MODFN" \
		EZPZ_LIBEXECDIR="$T_TMP/no-worker" "$@" \
		"$BASH" -c 'ulimit -l 64 && ulimit -n 1024 && exec "$0" doctor --json' "$EZPZ"
	json=$(printf '%s\n' "$OUT" | jq --arg top "$EZPZ_TOP" '
		map(if .name == "shm" then .status = "<machine>" | .message = "<machine>" |
		    .remedy = "<machine>" else . end) |
		walk(if type == "string" then split($top) | join("@TOP@") else . end)') ||
		{ t_fail "$name: output is not JSON"; printf '%s\n%s\n' "$OUT" "$ERR"; return; }
	if [ "${EZPZ_UPDATE_GOLDEN:-}" = 1 ]; then
		printf '%s\n' "$json" >"$D/expected/$name.json"
	fi
	t_diff "$name: golden JSON" "$D/expected/$name.json" "$json"
	t_eq "$name: nothing on stderr" "" "$ERR"
}

# doctor_only VAR=VALUE...: the same run, without a golden file
doctor_only() {
	t_run ezpz_clean LMOD_CMD="$D/lmod/libexec/lmod" "BASH_FUNC_module%%=$MODFN" \
		EZPZ_LIBEXECDIR="$T_TMP/no-worker" "$@" \
		"$BASH" -c 'ulimit -l 64 && ulimit -n 1024 && exec "$0" doctor --json' "$EZPZ"
}

# status NAME: "status message" of one check in the last output
status() { printf '%s\n' "$OUT" | jq -r --arg n "$1" '.[] | select(.name == $n) | .status + " " + .message'; }

LAPTOP=(PATH="$D/bin:$D/mpich/bin" EZPZ_TOPOLOGY="$TOPO/synthetic-nogpu.xml")

# ---- a laptop: warnings only -------------------------------------------------------
doctor laptop "${LAPTOP[@]}"
t_eq "laptop: exit 0 with warnings" 0 "$RC"
t_eq "laptop: every check, in order" \
	"profile scheduler hostfile launcher worker mpi pmix gpus cache modules python torch memlock nofile shm" \
	"$(printf '%s\n' "$OUT" | jq -r '[.[].name] | join(" ")')"
t_eq "laptop: remedy is null exactly when ok" "true" \
	"$(printf '%s\n' "$OUT" | jq '[.[] | (.status == "ok") == (.remedy == null)] | all')"

# ---- the test worker's MPI against the launcher's --------------------------------------
mkdir -p "$T_TMP/worker-ompi" "$T_TMP/worker-broken"
printf '#!/bin/sh\necho "Open MPI v4.1.4, package: Debian OpenMPI, ident: 4.1.4"\necho "built with MPI_PKG=ompi-c"\n' \
	> "$T_TMP/worker-ompi/ezpz-test-worker"
printf '#!/bin/sh\necho "ezpz-test-worker: error while loading shared libraries: libmpi.so.40" >&2\nexit 127\n' \
	> "$T_TMP/worker-broken/ezpz-test-worker"
chmod +x "$T_TMP"/worker-*/ezpz-test-worker
doctor_only "${LAPTOP[@]}" EZPZ_LIBEXECDIR="$T_TMP/worker-ompi" EZPZ_LAUNCHER=openmpi
t_eq "worker: Open MPI under Open MPI: ok" "ok the test worker runs with Open MPI v4.1.4, the launcher's MPI family" "$(status worker)"
doctor_only "${LAPTOP[@]}" EZPZ_LIBEXECDIR="$T_TMP/worker-ompi" EZPZ_LAUNCHER=mpich
t_match "worker: Open MPI under Hydra: the mismatch named" "^warn the test worker is built against Open MPI v4.1.4 but the launcher is mpich" "$(status worker)"
t_match "... and the rebuild command" "make MPI_PKG=mpich" "$(printf '%s\n' "$OUT" | jq -r '.[] | select(.name == "worker") | .remedy')"
doctor_only "${LAPTOP[@]}" EZPZ_LIBEXECDIR="$T_TMP/worker-broken"
t_match "worker: cannot start: its own error" "^warn the test worker .* cannot start: ezpz-test-worker: error while loading shared libraries: libmpi.so.40" "$(status worker)"
doctor_only "${LAPTOP[@]}" EZPZ_LIBEXECDIR="$EZPZ_BUILD/libexec/ezpz"
t_match "worker: the real one answers without a launcher (and is named against Hydra)" \
	"^(ok the test worker runs with MPICH|warn the test worker is built against Open MPI)" "$(status worker)"

# ---- PBS: a nodefile with this host in it ----------------------------------------------
PBS=(PATH="$D/bin:$D/pals/bin" EZPZ_TOPOLOGY="$TOPO/synthetic-nogpu.xml" PBS_JOBID=123.pbs01
	PBS_NODEFILE="$D/pbs.nodefile")
doctor pbs "${PBS[@]}"
t_eq "pbs: exit 0" 0 "$RC"
t_eq "pbs: scheduler" "ok pbs job 123: 2 hosts (testhost,node2), this host is one (env:PBS_JOBID)" \
	"$(status scheduler)"
t_match "pbs: PALS passes the environment with --envall" "^ok pals at .*--envall$" "$(status launcher)"

doctor pbs-stale "${PBS[@]}" EZPZ_HOSTNAME=login1
t_eq "pbs-stale: exit 1" 1 "$RC"
t_match "pbs-stale: names the stale job" "^error this host \(login1\) is not one of pbs job 123's 2 hosts" \
	"$(status scheduler)"

doctor pbs-hostfile-subset "${PBS[@]}" HOSTFILE="$D/pbs-subset.hostfile"
t_eq "pbs-hostfile-subset: exit 0 (a warning)" 0 "$RC"
t_match "pbs-hostfile-subset: HOSTFILE differs from PBS_NODEFILE" \
	"^warn hostfile '.*pbs-subset.hostfile' uses 1 of pbs job 123's 2 hosts \(not: node2\)" \
	"$(status hostfile)"

# ---- Slurm: variables of a 4-node job with 4 GPUs a node ----------------------------------
SLURM=(PATH="$D/bin:$D/slurm/bin" EZPZ_TOPOLOGY="$TOPO/synthetic-4xA100.xml"
	SLURM_JOB_ID=4242 SLURM_JOB_NODELIST='testhost,n[2-4]' SLURM_GPUS_ON_NODE=4 SLURM_NNODES=4)
doctor slurm "${SLURM[@]}" SLURM_CONF="$D/slurm/slurm.conf"
t_eq "slurm: exit 0" 0 "$RC"
t_eq "slurm: GPUs" "ok 4 GPUs per host (from env:SLURM_GPUS_ON_NODE); hwloc sees 4 here" "$(status gpus)"
t_match "slurm: the site's MPI plugin kept" "^ok srun .*MPI plugin: the site's MpiDefault=pmix$" "$(status launcher)"
# Slurm as installed (MpiDefault unset: none): plain srun lines start singletons.
sed "s|@PLUGINS@|$D/slurm/plugins|" "$D/slurm/slurm-stock.conf.in" > "$T_TMP/slurm-stock.conf"
doctor_only "${SLURM[@]}" SLURM_CONF="$T_TMP/slurm-stock.conf"
t_match "slurm, MpiDefault=none: doctor names it" "^warn srun at .*MpiDefault=none .* starts Open MPI ranks as singletons; the pmix plugin is installed; ezpz launch adds --mpi=pmix$" "$(status launcher)"
t_match "... and the fix for the user's own srun lines" "pass --mpi=pmix \(or export SLURM_MPI_TYPE=pmix\)" \
	"$(printf '%s\n' "$OUT" | jq -r '.[] | select(.name == "launcher") | .remedy')"
t_run ezpz_clean "${SLURM[@]}" SLURM_CONF="$T_TMP/slurm-stock.conf" "$EZPZ" launch --dry-run -- true
t_match "slurm, MpiDefault=none: the launch asks for --mpi=pmix" "^srun -u --kill-on-bad-exit=1 -N4 -n16 --ntasks-per-node=4 --mpi=pmix " "$OUT"

doctor slurm-gpus-short PATH="$D/bin:$D/slurm/bin" EZPZ_TOPOLOGY="$TOPO/synthetic-4xA100.xml" \
	SLURM_JOB_ID=4242 SLURM_JOB_NODELIST='testhost' SLURM_GPUS_ON_NODE=8 SLURM_CONF="$D/slurm/slurm.conf"
t_eq "slurm-gpus-short: exit 1" 1 "$RC"
t_match "slurm-gpus-short: more GPUs than the host has" "^error env:SLURM_GPUS_ON_NODE says 8 GPUs" \
	"$(status gpus)"

# ---- broken hostfile, missing launcher, bad profile -----------------------------------------
doctor broken-hostfile "${LAPTOP[@]}" HOSTFILE="$FIX/job/bad.hostfile"
t_eq "broken-hostfile: exit 1" 1 "$RC"
t_match "broken-hostfile: the parse error, with file and line" \
	"^error hostfile '.*bad.hostfile': line 2" "$(status hostfile)"

doctor no-launcher PATH="$D/bin" EZPZ_TOPOLOGY="$TOPO/synthetic-nogpu.xml"
t_eq "no-launcher: exit 1" 1 "$RC"
t_eq "no-launcher: launcher" "error no launcher: none of mpiexec, mpirun on PATH" "$(status launcher)"

doctor bad-profile "${LAPTOP[@]}" EZPZ_CONFIG_DIR="$D/badprofile"
t_eq "bad-profile: exit 1, not a crash" 1 "$RC"
t_match "bad-profile: names file and line" "^error 1 error in machine profiles: .*site.yaml:4: unknown key 'gpus'" \
	"$(status profile)"

# ---- the table --------------------------------------------------------------------------------
t_run ezpz_clean "${LAPTOP[@]}" LMOD_CMD="$D/lmod/libexec/lmod" "BASH_FUNC_module%%=$MODFN" \
	"$EZPZ" doctor
t_eq "table: exit 0" 0 "$RC"
t_eq "table: header" "CHECK      STATUS MESSAGE" "$(head -n 1 <<<"$OUT")"
t_match "table: a row" "^launcher   ok     mpich at .*/mpich/bin/mpiexec \\(Version: 4.1.2\\), chosen by probing PATH; passes the environment with -genvall$" "$OUT"
t_match "table: the remedy on the next line" \
	$'^torch      warn   torch is not importable with .*\n {18}fix: install torch' "$(grep -A1 '^torch' <<<"$OUT")"
t_match "table: summary" "^15 checks: [0-9]+ ok, [0-9]+ warnings?, 0 errors$" "$(tail -n 1 <<<"$OUT")"
t_nomatch "table: no colour when stdout is not a terminal" $'\033' "$OUT"

if command -v script >/dev/null; then
	tty_run() {   # VAR=VALUE...: doctor on a pseudo-terminal
		script -qec "env -i PATH='$D/bin:$D/mpich/bin' HOME='$T_TMP' EZPZ_HOSTNAME=testhost \
			EZPZ_TOPOLOGY='$TOPO/synthetic-nogpu.xml' $* '$EZPZ' doctor" /dev/null
	}
	t_match "table on a terminal: coloured" $'\033\\[32mok' "$(tty_run)"
	t_nomatch "table on a terminal with NO_COLOR: plain" $'\033\\[' "$(tty_run NO_COLOR=1)"
	t_nomatch "table on a terminal with TERM=dumb: plain" $'\033\\[' "$(tty_run TERM=dumb)"
else
	echo "# script(1) not installed: terminal colour not checked"
fi

# ---- usage ---------------------------------------------------------------------------------------
t_run ezpz_clean "$EZPZ" doctor --jsn
t_eq "unknown option: exit 2" 2 "$RC"
t_match "unknown option: message" "^ezpz: doctor: unknown option '--jsn'" "$ERR"
t_run ezpz_clean "$EZPZ" doctor extra
t_eq "extra argument: exit 2" "2:ezpz: doctor: unexpected argument 'extra'" "$RC:$ERR"

# ---- inside a real launch: the PMIx check ------------------------------------------------------
# (--no-rankenv: ezpz rankenv's own PMIx client would have finalized first.)
if command -v mpirun >/dev/null; then
	# Each rank writes its own file: two ranks' reports on one stream can
	# interleave once they are longer than what mpirun forwards at a time.
	t_run t_timeout 60 env OMPI_MCA_rmaps_base_oversubscribe=1 EZPZ_HOSTNAME=testhost \
		"$EZPZ" launch -q --no-rankenv -n 2 -- sh -c \
		'exec "$1" doctor --json >"$2.$OMPI_COMM_WORLD_RANK"' sh "$EZPZ" "$T_TMP/doctor"
	t_eq "in a launch: PMIx answers each rank" \
"ok rank 0 of 2 (local rank 0 of 2) from the launcher's PMIx server
ok rank 1 of 2 (local rank 1 of 2) from the launcher's PMIx server" \
		"$(cat "$T_TMP"/doctor.* | jq -rs '.[][] | select(.name == "pmix") | .status + " " + .message' | sort)"
else
	echo "# mpirun not installed: the PMIx check inside a launch is not run"
fi

t_done
