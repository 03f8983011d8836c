#!/bin/bash
# `ezpz info --json` under fixture environments (a laptop, an Aurora and a
# Polaris PBS job, a Perlmutter and a Frontier Slurm job) with real hwloc
# topologies, compared with tests/fixtures/expect/info-*.json.  Launchers are
# the recording stubs in tests/fixtures/bin.  EZPZ_UPDATE_GOLDEN=1 rewrites
# the expected files (review the diff before committing).  Also: --shell
# unsets the facts a job lacks (another job's HOSTFILE), and --json is
# valid UTF-8 whatever bytes a host name or path holds.
. "$EZPZ_TOP/tests/lib.sh"

# run_env FILE ARGS...: ezpz under env -i with the fixture's variables
run_env() {
	local f=$1 vars=()
	shift
	while IFS= read -r line; do
		[ -n "$line" ] && vars+=("${line//@TOP@/$EZPZ_TOP}")
	done < "$FIX/env/$f.env"
	t_run env -i PATH="$FIX/bin" HOME="$T_TMP" LC_ALL=C.UTF-8 "${vars[@]}" "$EZPZ" "$@"
}

normalize() {
	sed -e "s|$EZPZ_BUILD|@BUILD@|g" -e "s|$EZPZ_TOP|@TOP@|g"
}

for env in laptop aurora-pbs polaris-pbs perlmutter-slurm frontier-slurm; do
	run_env "$env" info --json
	t_eq "$env: exit 0" 0 "$RC"
	t_eq "$env: nothing on stderr" "" "$ERR"
	got=$(printf '%s\n' "$OUT" | normalize)
	want=$FIX/expect/info-$env.json
	if [ "${EZPZ_UPDATE_GOLDEN:-}" = 1 ]; then printf '%s\n' "$got" > "$want"; fi
	t_diff "$env: info --json matches $(basename "$want")" "$want" "$got"
	# the contract: keys other tools rely on
	keys=$(printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin))))')
	t_match "$env: has the documented keys" 'gpu_vendor .*hostfile .*hostname .*hosts .*jobid .*launcher .*machine .*ngpu_per_host .*ngpus .*nhosts .*scheduler .*sources' "$keys"
done

# The text view and the shell view describe the same job.
run_env aurora-pbs info
t_match "text: scheduler line" '^scheduler +pbs \(env:PBS_JOBID\)' "$OUT"
t_match "text: gpus line" '^gpus +12 per host x 2 hosts = 24 \(profile:aurora\)' "$OUT"
run_env aurora-pbs info --shell bash
t_match "shell: NGPUS" "^export NGPUS=24;" "$OUT"
t_match "shell: HOSTFILE quoted" "^export HOSTFILE=.*aurora-2n.nodefile;" "$OUT"
eval "$OUT"
t_eq "shell: evaluates in bash" "24 2 pbs aurora 8518207" "$NGPUS $NHOSTS $EZPZ_SCHEDULER $EZPZ_MACHINE $EZPZ_JOBID"
run_env perlmutter-slurm info --shell fish
t_match "shell: fish syntax" "^set -gx EZPZ_HOSTS 'nid\\[001004-001005,001120-001121\\]';" "$OUT"
# Facts this job lacks are unset: another job's HOSTFILE (and launcher)
# must not outlive it under this job's EZPZ_JOBID.
run_env perlmutter-slurm info --shell bash
t_match "shell: no hostfile in this job: HOSTFILE unset" "^unset -v HOSTFILE;$" "$OUT"
t_nomatch "shell: a launcher it has is not unset" "unset .*EZPZ_LAUNCHER" "$OUT"
printf 'old1\nold2\n' >"$T_TMP/old.nodefile"
# shellcheck disable=SC2016 # for the inner bash
t_run env -i PATH="$FIX/bin:/usr/bin:/bin" HOME="$T_TMP" LC_ALL=C.UTF-8 EZPZ_HOSTNAME=nid001004 SLURM_JOB_ID=222 \
	SLURM_JOB_NODELIST='nid[001004-001005]' EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" \
	EZPZ_JOBID=111 HOSTFILE="$T_TMP/old.nodefile" bash --norc --noprofile -c \
	'eval "$("$0" info --shell bash 2>/dev/null)"; echo "HOSTFILE=${HOSTFILE-unset} $EZPZ_JOBID"
	"$0" info | grep "^hosts "' "$EZPZ"
t_eq "shell: job 111's HOSTFILE is unset in job 222" \
	"HOSTFILE=unset 222
hosts        2: nid[001004-001005] (env:SLURM_JOB_NODELIST)" "$OUT"
t_run env -i PATH=/nonexistent HOME="$T_TMP" EZPZ_HOSTNAME=h EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" \
	"$EZPZ" info --shell fish
t_match "shell: no launcher: EZPZ_LAUNCHER unset (fish)" "^set -e EZPZ_LAUNCHER;$" "$OUT"
# Bytes that are not UTF-8 (a Latin-1 host name, a hostfile path) come out
# as U+FFFD: the document stays readable to a strict parser.
printf 'h1\n' >"$T_TMP/caf"$'\xe9'
t_run env -i PATH="$FIX/bin" HOME="$T_TMP" EZPZ_HOSTNAME=$'caf\xe9\xff' \
	EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" "$EZPZ" info --json --hostfile "$T_TMP/caf"$'\xe9'
t_eq "json: invalid UTF-8 becomes U+FFFD" "0 caf\\ufffd\\ufffd $T_TMP/caf\\ufffd" \
	"$RC $(python3 -c 'import json, sys
d = json.loads(sys.stdin.buffer.read().decode("utf-8"))
print(ascii(d["hostname"])[1:-1], ascii(d["hostfile"])[1:-1])' <<<"$OUT")"
run_env laptop info --shell tcsh
t_eq "shell: unknown shell is a usage error" 2 "$RC"

# Bad input: one line, naming the input, non-zero.
run_env laptop info --hostfile /nonexistent/hosts
t_eq "missing hostfile: exit 1" 1 "$RC"
t_eq "missing hostfile: message" "ezpz: hostfile '/nonexistent/hosts' (from --hostfile): No such file or directory" "$ERR"
printf 'node1\nnode2:0\n' > "$T_TMP/bad"
run_env laptop info --hostfile "$T_TMP/bad"
t_eq "bad hostfile: exit 1" 1 "$RC"
t_match "bad hostfile: names file and line" "^ezpz: hostfile '$T_TMP/bad': line 2: " "$ERR"
run_env laptop info --topology /nonexistent.xml
t_eq "bad topology: exit 1" 1 "$RC"
t_match "bad topology: names it" "/nonexistent.xml" "$ERR"
run_env laptop info --machine summit
t_match "unknown machine: lists known ones" "^ezpz: machine 'summit' \(from --machine\): no such profile \(known: .*aurora" "$ERR"
t_eq "unknown --machine: a usage error (exit 2)" 2 "$RC"
t_run env -i PATH="$FIX/bin" EZPZ_SCHEDULER=pbs EZPZ_HOSTNAME=h "$EZPZ" info
t_eq "forced pbs without a job: exit 1" 1 "$RC"
t_match "forced pbs without a job: says what to set" "cannot find its hosts .*set PBS_NODEFILE or pass --hostfile" "$ERR"
mkdir -p "$T_TMP/conf"
printf 'name: conf\nmatch:\n  hostname: "mylaptop"\ngpu:\n  per_hots: 4\n' > "$T_TMP/conf/conf.yaml"
t_run env -i PATH="$FIX/bin" HOME="$T_TMP" EZPZ_HOSTNAME=mylaptop EZPZ_CONFIG_DIR="$T_TMP/conf" \
	EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" "$EZPZ" info
t_eq "bad profile: exit 1" 1 "$RC"
t_match "bad profile: FILE:LINE" "^ezpz: $T_TMP/conf/conf.yaml:5: unknown key 'gpu.per_hots'" "$ERR"
# A launcher probe that hangs (mpiexec --version that runs something
# slow) is stopped after its timeout together with what it started: the
# probe runs in a process group of its own, and the timeout ends the group.
mkdir -p "$T_TMP/hang"
printf '#!/bin/sh\nsleep 1000\n' >"$T_TMP/hang/mpiexec"
chmod +x "$T_TMP/hang/mpiexec"
tag=info-probe-$$
t_run env -i PATH="$T_TMP/hang:/usr/bin:/bin" HOME="$T_TMP" EZPZ_HOSTNAME=h EZPZ_T_TAG=$tag \
	EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" "$EZPZ" info
t_eq "hanging mpiexec probe: info still answers" 0 "$RC"
if left=$(t_tagged_gone "$tag"); then t_pass "hanging mpiexec probe: nothing it started is left"
else t_fail "hanging mpiexec probe: nothing it started is left"; echo "$left" | sed 's/^/  /'; t_tagged_kill "$tag"; fi
t_done
