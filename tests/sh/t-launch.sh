#!/bin/bash
# `ezpz launch` through its real exec path with recording-stub launchers
# (PALS and Hydra mpiexec cannot run here): the exact argv each flavour
# receives, the environment ezpz adds, exit codes, the parsing rule, -m/-c,
# dry-run text and JSON.
. "$EZPZ_TOP/tests/lib.sh"

STUB_LOG=$T_TMP/argv
export STUB_LOG
run_env() {   # run_env FIXTURE ARGS... (extra VAR=VAL in $XVARS)
	local f=$1 vars=()
	shift
	while IFS= read -r line; do
		[ -n "$line" ] && vars+=("${line//@TOP@/$EZPZ_TOP}")
	done < "$FIX/env/$f.env"
	rm -f "$STUB_LOG" "$STUB_LOG.env"
	# shellcheck disable=SC2086
	t_run env -i PATH="$FIX/bin:/usr/bin:/bin" HOME="$T_TMP" LC_ALL=C.UTF-8 STUB_LOG="$STUB_LOG" \
		STUB_ENV="${STUB_ENV-}" STUB_EXIT="${STUB_EXIT:-0}" "${vars[@]}" ${XVARS-} "$EZPZ" "$@"
}
argv() { tr '\n' ' ' < "$STUB_LOG" | sed 's/ $//'; }
NF_AURORA=$FIX/job/aurora-2n.nodefile
AURORA_BIND="--cpu-bind=list:1-8:9-16:17-24:25-32:33-40:41-48:53-60:61-68:69-76:77-84:85-92:93-100"

# --- the launch lines each flavour receives ---------------------------------
run_env aurora-pbs launch -q --no-rankenv -- python3 train.py --lr 0.1
t_eq "aurora: exit 0" 0 "$RC"
t_eq "aurora: PALS line" "mpiexec --envall --line-buffer --np=24 --ppn=12 --hostfile=$NF_AURORA $AURORA_BIND python3 train.py --lr 0.1" "$(argv)"

run_env aurora-pbs launch -q -- python3 train.py
t_eq "aurora: rankenv goes in front of the command" "mpiexec --envall --line-buffer --np=24 --ppn=12 --hostfile=$NF_AURORA $AURORA_BIND $EZPZ rankenv -- python3 train.py" "$(argv)"

run_env polaris-pbs launch -q --no-rankenv -n 4 hostname
t_eq "polaris: -n 4 spreads over both hosts" "mpiexec --envall --line-buffer --np=4 --ppn=2 --hostfile=$FIX/job/polaris-2n.nodefile --cpu-bind=depth --depth=8 hostname" "$(argv)"

XVARS="EZPZ_LAUNCHER=mpich" run_env polaris-pbs launch -q --no-rankenv -nh 1 hostname
t_eq "hydra: -nh 1" "mpiexec -n 4 -ppn 4 -f $FIX/job/polaris-2n.nodefile -genvall -bind-to core:8 hostname" "$(argv)"

run_env perlmutter-slurm launch -q --no-rankenv -- hostname
t_eq "perlmutter: srun line" "srun -u -N4 -n16 --ntasks-per-node=4 --gpus-per-node=4 hostname" "$(argv)"

# --- the parsing rule ---------------------------------------------------------
run_env aurora-pbs launch -q --no-rankenv python3 train.py -n 4 --timeout 5
t_match "options after the command belong to the command" "python3 train.py -n 4 --timeout 5$" "$(argv)"
t_match "... and do not resize the launch" "--np=24 " "$(argv)"
run_env aurora-pbs launch -q --no-rankenv --verbose --tag-output -- python3 -m x
t_match "unknown flags pass to the launcher after ezpz's" "$AURORA_BIND --tag-output python3 -m x$" "$(argv)"
run_env aurora-pbs launch -q --no-rankenv --mca btl tcp -- python3 x.py -- y
t_match "a launcher flag's separate values need --" "--mca btl tcp python3 x.py -- y$" "$(argv)"
run_env aurora-pbs launch -q --no-rankenv -mca btl tcp -npernode 2 -- python3 x.py
t_match "single-dash launcher flags stay whole (not -m ca, not -n pernode)" "$AURORA_BIND -mca btl tcp -npernode 2 python3 x.py$" "$(argv)"
run_env aurora-pbs launch -q --no-rankenv python3 a.py -- b
t_match "a -- inside the command is the command's" "$AURORA_BIND python3 a.py -- b$" "$(argv)"
run_env aurora-pbs launch -q --no-rankenv --time 5 python3 a.py
t_match "no abbreviations: --time is not --timeout" "--time 5 python3 a.py$" "$(argv)"

# -m and -c use the active environment's python
mkdir -p "$T_TMP/venv/bin" && ln -s /usr/bin/true "$T_TMP/venv/bin/python3"
XVARS="VIRTUAL_ENV=$T_TMP/venv" run_env aurora-pbs launch -q --no-rankenv -m ezpz.examples.test --iters 3
t_match "-m MODULE runs the venv's python -m" " $T_TMP/venv/bin/python3 -m ezpz.examples.test --iters 3$" "$(argv)"
run_env aurora-pbs launch -q --no-rankenv -c 'print(1)' a
t_match "-c CODE" " python3 -c print\(1\) a$" "$(argv)"

# --- the environment every rank gets ------------------------------------------
STUB_ENV="MASTER_ADDR MASTER_PORT PYTHONUNBUFFERED EZPZ_RUN_COMMAND EZPZ_NGPU_PER_HOST EZPZ_GPU_VENDOR EZPZ_GPU_TILES ZE_FLAT_DEVICE_HIERARCHY FOO"
XVARS="ZE_FLAT_DEVICE_HIERARCHY=COMPOSITE" run_env aurora-pbs launch -q -x FOO=bar -- python3 t.py
envs=$(cat "$STUB_LOG.env")
t_match "MASTER_ADDR: first host + the profile's network suffix" "^MASTER_ADDR=x4105c0s4b0n0.hsn.cm.aurora.alcf.anl.gov$" "$envs"
t_match "MASTER_PORT set" "^MASTER_PORT=[0-9]+$" "$envs"
t_match "PYTHONUNBUFFERED=1 when unset" "^PYTHONUNBUFFERED=1$" "$envs"
t_match "EZPZ_RUN_COMMAND is the command line" "^EZPZ_RUN_COMMAND=mpiexec --envall .* python3 t.py$" "$envs"
t_match "rankenv learns the GPU layout" "^EZPZ_GPU_TILES=2$" "$envs"
t_match "the user's value beats the profile's default" "^ZE_FLAT_DEVICE_HIERARCHY=COMPOSITE$" "$envs"
t_match "-x KEY=VALUE" "^FOO=bar$" "$envs"
STUB_ENV="PYTHONUNBUFFERED MASTER_ADDR" XVARS="PYTHONUNBUFFERED=custom MASTER_ADDR=10.0.0.1" run_env aurora-pbs launch -q hostname
t_eq "the user's PYTHONUNBUFFERED and MASTER_ADDR stay" "PYTHONUNBUFFERED=custom MASTER_ADDR=10.0.0.1" "$(tr '\n' ' ' < "$STUB_LOG.env" | sed 's/ $//')"
STUB_ENV=""

# --- exit codes ----------------------------------------------------------------
STUB_EXIT=3 run_env aurora-pbs launch hostname
t_eq "the launcher's status comes back" 3 "$RC"
t_match "failover scripts' trailer" "^Execution finished with 3\.$" "$ERR"
STUB_EXIT=0 run_env aurora-pbs launch hostname
t_match "banner: the exact command, one token per line" "^Executing:
mpiexec
  --envall
  --line-buffer" "$ERR"
t_match "banner: started line" "^----\[🍋 ezpz.launch\]\[started\]\[[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}\]----$" "$ERR"
mkdir -p "$T_TMP/empty"
t_run env -i PATH="$T_TMP/empty" HOME="$T_TMP" EZPZ_LAUNCHER=pals EZPZ_HOSTNAME=x4105c0s4b0n0 \
	EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" "$EZPZ" launch -q --no-rankenv hostname
t_eq "missing launcher: exit 127" 127 "$RC"
t_match "missing launcher: says what to do" "^ezpz: mpiexec: command not found on PATH \(the pals launcher\); load the module that provides it, or choose another with --launcher$" "$ERR"
mkdir -p "$T_TMP/noexec" && printf '#!/bin/sh\n' > "$T_TMP/noexec/mpiexec" && chmod 644 "$T_TMP/noexec/mpiexec"
t_run env -i PATH="$T_TMP/noexec" HOME="$T_TMP" EZPZ_LAUNCHER=pals EZPZ_HOSTNAME=x4105c0s4b0n0 \
	"$EZPZ" launch -q --no-rankenv hostname
t_eq "launcher not executable (not on PATH as an executable): 127" 127 "$RC"
chmod 755 "$T_TMP/noexec/mpiexec" && printf '\x7fELF' > "$T_TMP/noexec/mpiexec"
t_run env -i PATH="$T_TMP/noexec" HOME="$T_TMP" EZPZ_LAUNCHER=pals EZPZ_HOSTNAME=x4105c0s4b0n0 \
	"$EZPZ" launch -q --no-rankenv hostname
t_eq "launcher that cannot be executed: 126" 126 "$RC"
t_match "...and says so" "^ezpz: mpiexec: cannot execute: Exec format error$" "$ERR"

# --- usage errors -------------------------------------------------------------
run_env aurora-pbs launch -q
t_eq "no command: exit 2" 2 "$RC"
t_match "no command: usage in the message" "^ezpz: launch: no command given" "$ERR"
run_env aurora-pbs launch -n 5 hostname
t_eq "inconsistent sizes: exit 2" 2 "$RC"
t_eq "inconsistent sizes: one line with the numbers" "ezpz: launch: -n 5 does not divide evenly over the job's 2 hosts; add -ppn or -nh (e.g. -n 5 -nh 1)" "$ERR"
run_env aurora-pbs launch -n 100 -nh 1 hostname
t_eq "more ranks than GPUs: exit 2" 2 "$RC"
run_env aurora-pbs launch --json hostname
t_eq "--json without --dry-run: exit 2" 2 "$RC"
run_env aurora-pbs launch -x NOEQUALS hostname
t_eq "-x without =: exit 2" 2 "$RC"
run_env aurora-pbs launch --gpu-bind sometimes hostname
t_eq "--gpu-bind bad value: exit 2" 2 "$RC"

# --- dry run --------------------------------------------------------------------
run_env aurora-pbs launch --dry-run -- python3 'my script.py' "it's"
t_eq "dry-run: exit 0" 0 "$RC"
t_eq "dry-run: nothing ran" "no" "$([ -e "$STUB_LOG" ] && echo yes || echo no)"
t_eq "dry-run: one quoted, copy-pastable line" "mpiexec --envall --line-buffer --np=24 --ppn=12 --hostfile=$NF_AURORA $AURORA_BIND $EZPZ rankenv -- python3 'my script.py' 'it'\\''s'" "$OUT"
# The banner shows the words, never the terminal controls in them.
run_env aurora-pbs launch --dry-run -- printf $'a\e]0;title\a\nb\tc\r\x7f\xc2\x9b2J\xc3\xa9'
t_eq "banner: control characters escaped" '  printf
  a\e]0;title\x07\nb\tc\x0d\x7f\x9b2J'$'\xc3\xa9' "$(printf '%s\n' "$ERR" | tail -n 2)"
t_eq "banner: no control byte reaches the terminal" 0 \
	"$(printf '%s' "$ERR" | tr -d '\n' | LC_ALL=C grep -c $'[\x01-\x1f\x7f]\\|\xc2[\x80-\x9f]')"
run_env aurora-pbs launch --dry-run --json -- python3 x.py
t_eq "dry-run --json: exit 0" 0 "$RC"
t_eq "dry-run --json: no banner" "" "$ERR"
check=$(printf '%s\n' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["command"] == ["python3", "x.py"], d["command"]
assert d["argv"][-2:] == ["python3", "x.py"]
assert d["argv"][:len(d["launcher_argv"])] == d["launcher_argv"]
assert "rankenv" in d["argv"] and "rankenv" not in d["command"]
assert d["env"]["MASTER_ADDR"].startswith("x4105c0s4b0n0")
assert d["launcher"] == "pals" and d["nproc"] == 24 and d["ppn"] == 12
assert d["scheduler"] == "pbs" and d["ngpus"] == 24 and len(d["hosts"]) == 2
print("ok")' 2>&1)
t_eq "dry-run --json: argv, launcher_argv, command, env and the job's fields" ok "$check"
t_done
