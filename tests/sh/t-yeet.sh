#!/bin/bash
# `ezpz yeet` as a command: the launch line (the worker, one rank per host,
# SRC defaulting to the active environment, --dest defaulting to /tmp/NAME)
# and bad input said before anything runs.  Staging itself is tested on
# real clusters: tests/integration/t-yeet-*.sh.
. "$EZPZ_TOP/tests/lib.sh"
W=$EZPZ_BUILD/libexec/ezpz/ezpz-yeet-worker
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=laptop EZPZ_LAUNCHER=openmpi
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID VIRTUAL_ENV CONDA_PREFIX
mkdir -p "$T_TMP/src/venv" "$T_TMP/conda"
: > "$T_TMP/data.tar"

t_run "$EZPZ" yeet -q --dry-run "$T_TMP/src/venv/" --dest /local/%h/v --min-success 0.5
t_eq "dry-run: exit 0" 0 "$RC"
t_match "the worker, one rank per host, unbound, with SRC, --dest and --min-success" \
	"^mpirun -np 1 --bind-to none $W --src $T_TMP/src/venv --dest '/local/%h/v' --min-success 0.5\$" "$OUT"
t_run env VIRTUAL_ENV="$T_TMP/src/venv" CONDA_PREFIX="$T_TMP/conda" "$EZPZ" yeet -q --dry-run
t_match "SRC: \$VIRTUAL_ENV first; --dest: /tmp/NAME" "--src $T_TMP/src/venv --dest /tmp/venv\$" "$OUT"
t_run env CONDA_PREFIX="$T_TMP/conda" "$EZPZ" yeet -q --dry-run
t_match "SRC: else \$CONDA_PREFIX" "--src $T_TMP/conda --dest /tmp/conda\$" "$OUT"
(cd "$T_TMP" && "$EZPZ" yeet -q --dry-run data.tar > "$T_TMP/out")
t_match "a relative file SRC becomes absolute" "--src $T_TMP/data.tar --dest /tmp/data.tar\$" "$(cat "$T_TMP/out")"
t_run "$EZPZ" yeet -q --dry-run --dest /x/y "$T_TMP/src/venv"
t_eq "options after SRC too" 0 "$RC"

# bad INPUT... STATUS MESSAGE: the status and the message, nothing launched.
bad() {
	local want=$1 msg=$2
	shift 2
	t_run "$EZPZ" yeet -q --dry-run "$@"
	t_eq "yeet $*: exit $want" "$want" "$RC"
	t_match "yeet $*: says why" "$msg" "$ERR"
	t_eq "yeet $*: nothing launched" "" "$OUT"
}
bad 2 "ezpz: yeet: no SRC, and no active venv or conda environment" 
bad 1 "ezpz: yeet: source '$T_TMP/none': No such file or directory" "$T_TMP/none"
bad 2 "yeet: source '/dev/null': not a directory or a file" /dev/null
bad 2 "yeet: --dest 'rel/x': not an absolute path" "$T_TMP/src" --dest rel/x
bad 2 "yeet: --dest '$T_TMP/src' is the source" "$T_TMP/src" --dest "$T_TMP/src/"
bad 2 "yeet: --dest '$T_TMP/src/venv/copy' is the source '$T_TMP/src', or inside it" \
	"$T_TMP/src" --dest "$T_TMP/src/venv/copy"
bad 2 "yeet: --dest '$T_TMP' is the source '$T_TMP/src', or inside it, or holds it" \
	"$T_TMP/src" --dest "$T_TMP"
for m in 0 -1 1.5 0.0 abc 2x; do
	bad 2 "yeet: --min-success '$m': a number of hosts" "$T_TMP/src" --min-success "$m"
done
bad 2 "yeet: one SRC only" "$T_TMP/src" "$T_TMP/conda"
bad 2 "yeet: unknown option '--np'" --np 2 "$T_TMP/src"
t_run env EZPZ_LIBEXECDIR="$T_TMP/none" "$EZPZ" yeet -q "$T_TMP/src"
t_eq "missing worker: exit 127" 127 "$RC"
t_match "missing worker: names it" "the yeet worker '$T_TMP/none/ezpz-yeet-worker' is missing" "$ERR"
t_done
