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
t_eq "perlmutter: srun line" "srun -u --kill-on-bad-exit=1 -N4 -n16 --ntasks-per-node=4 --gpus-per-node=4 hostname" "$(argv)"

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

# --- typos are usage errors; launcher flags pass; -L/--launcher-args --------------
for typo in "--dryrun:--dry-run" "--dry:--dry-run" "--nprocs-per-node:--nproc-per-node" \
	"-dry-run:--dry-run" "--retires:--retries" "--Verbose:--verbose" "--no_rankenv:--no-rankenv"; do
	run_env aurora-pbs launch "${typo%%:*}" 2 true
	t_eq "typo ${typo%%:*}: usage error, nothing runs" "2:no" "$RC:$([ -e "$STUB_LOG" ] && echo yes || echo no)"
	t_match "typo ${typo%%:*}: did you mean ${typo#*:}" "^ezpz: launch: unknown option '${typo%%:*}'; did you mean '${typo#*:}'\?" "$ERR"
done
run_env aurora-pbs test --dryrun
t_match "ezpz test: typo: did you mean" "did you mean '--dry-run'" "$ERR"
for flag in --tag-output -genv --host --report-bindings -mca --map-by; do
	run_env aurora-pbs launch -q --no-rankenv "$flag" -- true
	t_match "launcher flag $flag still passes through" " $flag true$" "$(argv)"
done
run_env aurora-pbs launch -q --no-rankenv -L --dryrun -L 'a b' --launcher-args ' --mca  btl tcp ' true
t_match "-L and --launcher-args hand words to the launcher" "$AURORA_BIND --dryrun a b --mca btl tcp true$" "$(argv)"
t_eq "-L keeps a word whole" "a b" "$(sed -n '/^--dryrun$/{n;p}' "$STUB_LOG")"
t_run "$EZPZ" lanch
t_eq "command typo: exit 2" 2 "$RC"
t_match "command typo: did you mean" "^ezpz: unknown command 'lanch'; did you mean 'launch'\?" "$ERR"
t_run "$EZPZ" info --jsn
t_match "other commands' option typos: did you mean" "did you mean '--json'\?" "$ERR"

# --- other tools' spellings: same meaning, or refused saying what to use ----------
for sp in "--nproc-per-node 2" "--nproc_per_node 2" "--num_gpus 2" "-ppn 2"; do
	run_env aurora-pbs launch -q --no-rankenv $sp -nh 2 true
	t_match "$sp: ranks per host" "--np=4 --ppn=2 " "$(argv)"
done
for sp in "--nnodes 1" "--num_nodes 1" "--nhosts 1" "--nnode 1" "--nhost 1"; do
	run_env aurora-pbs launch -q --no-rankenv $sp true
	t_match "$sp: hosts" "--np=12 --ppn=12 " "$(argv)"
done
for sp in "--world_size 4" "--nprocs 4" "--nproc 4" "--n 4"; do
	run_env aurora-pbs launch -q --no-rankenv $sp true
	t_match "$sp: ranks" "--np=4 " "$(argv)"
done
for sp in "--node-rank:NODE_RANK" "--node_rank:NODE_RANK" "--master-addr:MASTER_ADDR=HOST" \
	"--master_port:MASTER_PORT=PORT" "--rdzv-endpoint:rendezvous" "--max-restarts:--retries" \
	"--standalone:alone" "--print-source:--version" "--ntasks:-n N" "--nodes:-nh N" \
	"--ntasks-per-node:-ppn N"; do
	run_env aurora-pbs launch "${sp%%:*}" 1 true
	t_eq "${sp%%:*}: refused (exit 2), nothing runs" "2:no" "$RC:$([ -e "$STUB_LOG" ] && echo yes || echo no)"
	t_match "${sp%%:*}: says what to use" "^ezpz: launch: ${sp%%:*} is not an ezpz option: .*${sp#*:}" "$ERR"
done

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
t_match "one end line: status and duration" "^ezpz: failed with exit 3 after [0-9.]+s$" "$ERR"
t_eq "... and only one" 1 "$(grep -c '^ezpz: .* after ' <<<"$ERR")"
STUB_EXIT=0 run_env aurora-pbs launch hostname
t_match "banner: the launch line, set -x style" "^\+ mpiexec --envall --line-buffer --np=24 " "$ERR"
t_eq "banner: the launch line once" 1 "$(grep -c 'mpiexec --envall' <<<"$ERR")"
t_match "end line on success" "^ezpz: succeeded after [0-9.]+s$" "$ERR"
run_env aurora-pbs launch -c 'print("a b")'
t_match "banner: -c code with spaces is quoted" " -c 'print\(\"a b\"\)'$" "$ERR"
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
# -x of a variable rankenv sets for each rank: a usage error before the
# launch (every rank failed, blaming a login profile); MASTER_PORT is the user's
run_env aurora-pbs launch -q -x RANK=9 hostname
t_eq "-x RANK=9: exit 2, nothing runs" "2:no" "$RC:$([ -e "$STUB_LOG" ] && echo yes || echo no)"
t_eq "... says what sets it" "ezpz: launch: RANK=9 (from -x or .ezpz_env): ezpz rankenv sets RANK for each rank; drop it (or run the command bare with --no-rankenv)" "$ERR"
run_env aurora-pbs launch -q --no-rankenv -x RANK=9 -x MASTER_PORT=1234 hostname
t_eq "... bare (--no-rankenv), and MASTER_PORT: the user's" 0 "$RC"

# a topology named that cannot be read: an error, also where the profile
# leaves launch no need of it (info failed, launch went on without a word)
run_env polaris-pbs launch -q --dry-run --topology "$T_TMP/none.xml" hostname
t_eq "--topology that is not there: exit 1, nothing launched" "1:" "$RC:$OUT"
t_eq "... says which file, from where, and what to give" "ezpz: topology '$T_TMP/none.xml': No such file or directory (from --topology; give an hwloc XML file, as 'lstopo FILE.xml' writes, or leave it out to read this host)" "$ERR"
XVARS="EZPZ_TOPOLOGY=$T_TMP/none.xml" run_env polaris-pbs launch -q --dry-run hostname
t_match "EZPZ_TOPOLOGY likewise" "^1:ezpz: topology '.*/none.xml': No such file or directory \(from EZPZ_TOPOLOGY;" "$RC:$ERR"
# named by path (--launcher, EZPZ_LAUNCHER): nothing there 127, there but no program 126
t_run env -i PATH=/usr/bin:/bin HOME="$T_TMP" EZPZ_HOSTNAME=x4105c0s4b0n0 \
	"$EZPZ" launch -q --launcher "$T_TMP/none/mpiexec" hostname
t_eq "--launcher PATH with nothing there: 127" 127 "$RC"
t_match "...says so, and what to give" "^ezpz: launcher '.*/none/mpiexec' \(from --launcher\): no such file \(give the path of an installed mpiexec, mpirun or srun, or a flavour: " "$ERR"
chmod 644 "$T_TMP/noexec/mpiexec"
t_run env -i PATH=/usr/bin:/bin HOME="$T_TMP" EZPZ_HOSTNAME=x4105c0s4b0n0 \
	EZPZ_LAUNCHER="$T_TMP/noexec/mpiexec" "$EZPZ" launch -q hostname
t_eq "EZPZ_LAUNCHER=PATH not executable: 126" 126 "$RC"
t_match "...says so" "^ezpz: launcher '.*/noexec/mpiexec' \(from EZPZ_LAUNCHER\): not an executable file " "$ERR"

# --- usage errors -------------------------------------------------------------
# MASTER_ADDR/MASTER_PORT no rank could use: named before the launch
XVARS="MASTER_PORT=abc" run_env aurora-pbs launch -q --dry-run hostname
t_eq "MASTER_PORT=abc: usage error naming it" "2:ezpz: launch: MASTER_PORT='abc' (from the environment): not a number (a port is 1 to 65535); unset it, and ezpz derives one from the job id" "$RC:$ERR"
run_env aurora-pbs launch -q --dry-run -x MASTER_PORT=99999 hostname
t_match "-x MASTER_PORT=99999: usage error" "^2:ezpz: launch: MASTER_PORT='99999' \(from -x or .ezpz_env\): " "$RC:$ERR"
XVARS="MASTER_ADDR=" run_env aurora-pbs launch -q --dry-run hostname
t_match "MASTER_ADDR='': usage error" "^2:ezpz: launch: MASTER_ADDR='' \(from the environment\): not a host name" "$RC:$ERR"
XVARS="MASTER_ADDR=h1 MASTER_PORT=29777" run_env aurora-pbs launch -q --dry-run hostname
t_eq "good ones are kept" 0 "$RC"
run_env aurora-pbs launch -q --dry-run -mjson.tool x.json
t_eq "-mjson.tool (python's spelling): a usage error saying to put a space" \
	"2:ezpz: launch: '-mjson.tool' is not a launcher option; to run module json.tool, put a space after -m: -m json.tool" "$RC:$ERR"
XVARS="EZPZ_ENV_FILE=$T_TMP/none.env" run_env aurora-pbs launch -q --dry-run hostname
t_eq "EZPZ_ENV_FILE missing: a usage error with the reason" \
	"2:ezpz: EZPZ_ENV_FILE '$T_TMP/none.env': cannot read it: No such file or directory (unset it, or name a file of KEY=VALUE lines)" "$RC:$ERR"
run_env aurora-pbs launch -q --log "$T_TMP/none/x.log" hostname
t_eq "--log that cannot be opened: exit 1 before anything runs" "1:no" \
	"$RC:$([ -e "$STUB_LOG" ] && echo yes || echo no)"
t_match "... says so" "^ezpz: launch: log '.*/none/x.log': cannot open it, so nothing was run: No such file or directory$" "$ERR"
for o in --log --log-dir; do
	run_env aurora-pbs launch -q "$o" '' hostname
	t_eq "$o '': a usage error" "2:ezpz: launch: $o: an empty name (give a file or directory)" "$RC:$ERR"
done
run_env aurora-pbs launch -q
t_eq "no command: exit 2" 2 "$RC"
t_match "no command: usage in the message" "^ezpz: launch: no command given" "$ERR"
run_env aurora-pbs launch -n 5 hostname
t_eq "inconsistent sizes: exit 2" 2 "$RC"
t_eq "inconsistent sizes: one line with the numbers" "ezpz: launch: -n 5 does not divide evenly over the job's 2 hosts; add -nh or -ppn (e.g. -n 5 -nh 1: 5 per host)" "$ERR"
run_env aurora-pbs launch -n 100 -nh 1 hostname
t_eq "more ranks than GPUs: exit 2" 2 "$RC"
run_env aurora-pbs launch --json hostname
t_eq "--json without --dry-run: exit 2" 2 "$RC"
run_env aurora-pbs launch -x 'NOT A NAME' hostname
t_eq "-x with no variable name: exit 2" 2 "$RC"
t_match "... says what it takes" "expected KEY=VALUE or KEY" "$ERR"
XVARS="NCCL_DEBUG=INFO HF_HOME=/hf MINE=1 OMPI_MCA_x=1 PMIX_X=1" run_env polaris-pbs launch -q --dry-run --no-rankenv --launcher openmpi -x MINE -x UNSET_HERE hostname
t_match "Open MPI on 2 hosts: -x for the caller's NCCL_ and HF_ variables" " -x NCCL_DEBUG .*-x HF_HOME | -x HF_HOME .*-x NCCL_DEBUG " "$OUT"
t_match "... and for -x KEY" " -x MINE " "$OUT"
t_nomatch "... not for an unset -x KEY, Open MPI's or PMIx's own, or ezpz's settings" "UNSET_HERE|OMPI_MCA_x|PMIX_X|EZPZ_HOSTNAME|EZPZ_TOPOLOGY" "$OUT"
run_env aurora-pbs launch --gpu-bind sometimes hostname
t_eq "--gpu-bind bad value: exit 2" 2 "$RC"

# --- dry run --------------------------------------------------------------------
run_env aurora-pbs launch --dry-run -- python3 'my script.py' "it's"
t_eq "dry-run: exit 0" 0 "$RC"
t_eq "dry-run: nothing ran" "no" "$([ -e "$STUB_LOG" ] && echo yes || echo no)"
t_nomatch "dry-run: no started banner, no end line" "^\+ |started|after [0-9]" "$ERR"
t_eq "dry-run: one quoted, copy-pastable line" "mpiexec --envall --line-buffer --np=24 --ppn=12 --hostfile=$NF_AURORA $AURORA_BIND $EZPZ rankenv -- python3 'my script.py' 'it'\\''s'" "$OUT"
# The banner shows the words, never the terminal controls in them.
run_env aurora-pbs launch -- printf $'a\e]0;title\a\nb\tc\r\x7f\xc2\x9b2J\xc3\xa9'
line=$(grep '^+ ' <<<"$ERR")
t_eq "banner: control characters written as bash escapes" \
	'printf $'"'"'a\x1b]0;title\x07\nb\tc\r\x7f\xc2\x9b2J\xc3\xa9'"'" "${line##* -- }"
line=$(grep '^+ ' <<<"$ERR")
t_eq "banner: the launch line's word reads back as the argument" "$(printf 'a\e]0;title\a\nb\tc\r\x7f\xc2\x9b2J\xc3\xa9' | od -An -tx1)" \
	"$(eval "set -- ${line#+ }"; printf '%s' "${!#}" | od -An -tx1)"
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
