#!/bin/bash
# t-jobfind-slurm: a shell on a node of a running Slurm job that has none of
# the job's variables (ssh from another node: env -i, the node's UTS
# namespace) finds the job with the real squeue: info (and its sources),
# launch (srun --jobid: ranks on the job's nodes), setup-env and doctor
# work as inside the job; two jobs on the node are an error naming both,
# --job and EZPZ_JOBID choose; squeue missing, failing or hanging is "no
# job" with the reason (the hanging one's whole process group killed); the
# answers are cached in a private directory, and EZPZ_JOBFIND_CACHE=0 asks
# again.
# shellcheck disable=SC2016 # $VARs in single quotes are for the node's shell
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 3 2
need_cmd nsenter python3
dir=$(dirname "$(dirname "$SLURM_CONF")")
T=60
jobs=()
cleanup() {
	[ "${#jobs[@]}" = 0 ] || scancel "${jobs[@]}" 2>/dev/null
	rm -rf "$T_TMP"
}
trap cleanup EXIT

# node_sh NODE [VAR=VALUE...] CMD...: CMD as from `ssh NODE`: a fresh
# environment (what a login shell has: PATH, HOME, the site's SLURM_CONF)
# in the node's UTS namespace, so that hostname says NODE.
node_sh() {
	local node=$1 pid
	shift
	pid=$(cat "$dir/run/slurmd-$node.pid") || t_bail "no slurmd for $node"
	t_timeout $T nsenter --uts --target "$pid" env -i PATH="${NODE_PATH:-/usr/bin:/bin}" \
		HOME="${NODE_HOME:-$T_TMP}" LC_ALL=C.UTF-8 SLURM_CONF="$SLURM_CONF" TMPDIR="${NODE_TMP:-$T_TMP}" \
		EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" "$@"
}

# json FILE EXPR: a Python expression over d (the JSON document)
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>&1; }

running() {   # wait until job $1 runs
	local i
	for ((i = 0; i < 150; i++)); do
		[ "$(squeue -h -j "$1" -t R -o %i 2>/dev/null)" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

# ---- before any job: nothing found, and why --------------------------------
t_run node_sh n3 EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
t_eq "no job yet: exit 0" 0 "$RC"
printf '%s\n' "$OUT" >"$T_TMP/none.json"
t_eq "no job yet: local" local "$(json "$T_TMP/none.json" 'd["scheduler"]')"
t_eq "... and why (squeue asked)" "no job found; root has no running Slurm job on n3 (squeue)" \
	"$(json "$T_TMP/none.json" 'd["sources"]["scheduler"]')"

# ---- a job on n2 and n3; a shell on n3 without its variables --------------------
jid=$(sbatch --parsable -N2 -w 'n[2-3]' --ntasks-per-node=2 --gpus-per-node=2 -o /dev/null \
	--wrap 'sleep 300') || t_bail "sbatch failed"
jobs+=("$jid")
running "$jid" || t_bail "job $jid did not start"

t_run node_sh n3 "$EZPZ" info --json
t_eq "ssh-like shell on n3: info exit 0" 0 "$RC"
printf '%s\n' "$OUT" >"$T_TMP/info.json"
t_eq "scheduler slurm, the job's id" "slurm $jid" "$(json "$T_TMP/info.json" 'd["scheduler"] + " " + d["jobid"]')"
t_eq "the job's hosts and tasks" "['n2', 'n3'] [2, 2]" "$(json "$T_TMP/info.json" 'str(d["hosts"]) + " " + str(d["slots"])')"
t_eq "its GPUs per host" 2 "$(json "$T_TMP/info.json" 'd["ngpu_per_host"]')"
t_eq "sources say squeue" "squeue (a running job of root on n3)|squeue|squeue|squeue" \
	"$(json "$T_TMP/info.json" '"|".join(d["sources"][k] for k in ("scheduler", "jobid", "hosts", "ngpu_per_host"))')"
t_eq "launcher srun" srun "$(json "$T_TMP/info.json" 'd["launcher"]')"

# The text view says so too.
t_run node_sh n3 "$EZPZ" info
t_match "info text: the job from squeue" "^job +$jid \(squeue\)$" "$OUT"

# launch from the shell on n3: a step of that job, a rank per GPU on both nodes.
t_run node_sh n3 "$EZPZ" launch -q -- sh -c 'echo "$(hostname) $SLURM_JOB_ID $RANK"'
t_eq "launch: exit 0" 0 "$RC"
t_eq "launch: 2 ranks on each of n2, n3, in job $jid" "2 n2 $jid
2 n3 $jid" "$(printf '%s\n' "$OUT" | awk '{print $1, $2}' | sort | uniq -c | sed 's/^ *//')"
t_eq "launch: ranks 0..3" "0 1 2 3" "$(printf '%s\n' "$OUT" | awk '{print $3}' | sort -n | xargs)"

# setup-env exports the job's facts, as inside it.
t_run node_sh n3 bash -c 'eval "$("$1" setup-env --shell bash -q --no-modules --no-venv --allow-system-python)" &&
	echo "$EZPZ_JOBID $EZPZ_SCHEDULER $NHOSTS $NGPU_PER_HOST $EZPZ_HOSTS $EZPZ_LAUNCHER"' sh "$EZPZ"
t_eq "setup-env: exit 0" 0 "$RC"
t_match "setup-env: the job's facts" "^$jid slurm 2 2 n(\\[2-3\\]|2,n3) srun$" "$OUT"

# ... and a later command in that shell keeps using them (EZPZ_JOBID agrees).
t_run node_sh n3 EZPZ_JOBID="$jid" EZPZ_SCHEDULER=slurm NGPU_PER_HOST=1 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/again.json"
t_eq "after setup-env: exported facts kept (same job)" "$jid 1 env:NGPU_PER_HOST" \
	"$(json "$T_TMP/again.json" 'd["jobid"] + " " + str(d["ngpu_per_host"]) + " " + d["sources"]["ngpu_per_host"]')"
t_nomatch "... no stale warning" "ignoring" "$ERR"

# doctor: the scheduler check says where the job came from.
t_run node_sh n3 "$EZPZ" doctor --json
printf '%s\n' "$OUT" >"$T_TMP/doctor.json"
t_eq "doctor: scheduler ok, from squeue" "ok True" "$(json "$T_TMP/doctor.json" \
	'[c["status"] + " " + str("squeue" in c["message"]) for c in d if c["name"] == "scheduler"][0]')"

# A node outside the job sees none of it.
t_run node_sh n1 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/n1.json"
t_eq "n1 (not in the job): local" local "$(json "$T_TMP/n1.json" 'd["scheduler"]')"

# ---- two jobs on n3 --------------------------------------------------------------------
jid2=$(sbatch --parsable -N1 -w n3 -n1 -o /dev/null --wrap 'sleep 300') || t_bail "sbatch 2 failed"
jobs+=("$jid2")
running "$jid2" || t_bail "job $jid2 did not start"
t_run node_sh n3 EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
t_eq "two jobs: exit 1" 1 "$RC"
t_eq "... one line naming both and how to choose" \
	"ezpz: 2 running jobs of root on n3: $jid, $jid2; choose one with --job ID or EZPZ_JOBID=ID" "$ERR"
t_eq "... nothing on stdout" "" "$OUT"
t_run node_sh n3 EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json --job "$jid2"
printf '%s\n' "$OUT" >"$T_TMP/job2.json"
t_eq "--job chooses" "$jid2 ['n3'] squeue (chosen by --job)" \
	"$(json "$T_TMP/job2.json" 'd["jobid"] + " " + str(d["hosts"]) + " " + d["sources"]["jobid"]')"
t_run node_sh n3 EZPZ_JOBFIND_CACHE=0 EZPZ_JOBID="$jid" "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/job1.json"
t_eq "EZPZ_JOBID chooses" "$jid squeue (chosen by EZPZ_JOBID)" \
	"$(json "$T_TMP/job1.json" 'd["jobid"] + " " + d["sources"]["jobid"]')"
t_run node_sh n3 EZPZ_JOBFIND_CACHE=0 "$EZPZ" launch --dry-run --job 999999 -- true
t_eq "--job naming no job here: exit 2" 2 "$RC"
t_match "... with the ones that are" "^ezpz: --job 999999: not a running job of root on n3 \(running here: $jid, $jid2\)$" "$ERR"
scancel "$jid2"

# ---- squeue missing, failing, hanging: no job, with the reason -------------------
mkdir -p "$T_TMP/nobin"
NODE_PATH="$T_TMP/nobin" t_run node_sh n3 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/missing.json"
t_eq "squeue not on PATH: exit 0, local, nothing asked" "0 local no job found" \
	"$RC $(json "$T_TMP/missing.json" 'd["scheduler"] + " " + d["sources"]["scheduler"]')"
NODE_PATH="$T_TMP/nobin" t_run node_sh n3 EZPZ_SCHEDULER=slurm "$EZPZ" info --json
t_eq "... EZPZ_SCHEDULER=slurm without squeue: exit 1" 1 "$RC"
t_match "... saying so" "squeue: not found on PATH" "$ERR"

# The real squeue, failing (a configuration it cannot use).
t_run node_sh n3 SLURM_CONF=/dev/null EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/fail.json"
t_eq "squeue failing: exit 0, local" "0 local" "$RC $(json "$T_TMP/fail.json" 'd["scheduler"]')"
t_match "... the reason in sources.scheduler" "^no job found; squeue: exit 1: squeue: " \
	"$(json "$T_TMP/fail.json" 'd["sources"]["scheduler"]')"
t_run node_sh n3 SLURM_CONF=/dev/null EZPZ_JOBFIND_CACHE=0 "$EZPZ" doctor --json
printf '%s\n' "$OUT" >"$T_TMP/dfail.json"
t_eq "... doctor warns with it" "warn True" "$(json "$T_TMP/dfail.json" \
	'[c["status"] + " " + str("squeue: exit 1" in c["message"]) for c in d if c["name"] == "scheduler"][0]')"

# A hanging squeue (and a child of its own): killed, group and all.
mkdir -p "$T_TMP/hang"
cat >"$T_TMP/hang/squeue" <<EOF
#!/bin/sh
sleep 300 &
echo \$\$ \$! >"$T_TMP/hang.pids"
wait
EOF
chmod +x "$T_TMP/hang/squeue"
NODE_PATH="$T_TMP/hang:/usr/bin:/bin" t_run node_sh n3 EZPZ_JOBFIND_TIMEOUT=1 EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/hang.json"
t_eq "squeue hanging: exit 0, local, the reason" "0 local no job found; squeue: no answer within 1 s" \
	"$RC $(json "$T_TMP/hang.json" 'd["scheduler"] + " " + d["sources"]["scheduler"]')"
alive=
for p in $(cat "$T_TMP/hang.pids" 2>/dev/null); do
	# a zombie is gone too (its reaper may be slow)
	state=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ] && alive="$alive $p"
done
t_eq "... squeue and its child are gone" "" "$alive"
[ -s "$T_TMP/hang.pids" ] || t_fail "the hanging squeue never ran"

# ---- the cache ----------------------------------------------------------------------------
# A squeue that counts its calls, then runs the real one.
mkdir -p "$T_TMP/count"
cat >"$T_TMP/count/squeue" <<EOF
#!/bin/sh
echo x >>"$T_TMP/count.calls"
exec /usr/bin/squeue "\$@"
EOF
chmod +x "$T_TMP/count/squeue"
mkdir -p "$T_TMP/c"
for i in 1 2; do
	NODE_PATH="$T_TMP/count:/usr/bin:/bin" NODE_HOME="$T_TMP/c" t_run node_sh n3 "$EZPZ" info --json
done
printf '%s\n' "$OUT" >"$T_TMP/cached.json"
t_eq "cached: the second info found the job too" "$jid" "$(json "$T_TMP/cached.json" 'd["jobid"]')"
t_eq "... with one squeue for both" 1 "$(wc -l <"$T_TMP/count.calls")"
t_eq "... in a private directory" "700 root" "$(stat -c '%a %U' "$T_TMP/c/.cache/ezpz")"
t_eq "... one private file" "600" "$(stat -c '%a' "$T_TMP"/c/.cache/ezpz/q-*)"
NODE_PATH="$T_TMP/count:/usr/bin:/bin" NODE_HOME="$T_TMP/c" t_run node_sh n3 EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
t_eq "EZPZ_JOBFIND_CACHE=0 asks again" 2 "$(wc -l <"$T_TMP/count.calls")"
# Another user's directory is not used (nor written).
mkdir -p "$T_TMP/d/.cache" && install -d -m 0700 -o nobody "$T_TMP/d/.cache/ezpz"
NODE_PATH="$T_TMP/count:/usr/bin:/bin" NODE_HOME="$T_TMP/d" t_run node_sh n3 "$EZPZ" info --json
t_eq "a cache directory that is not ours: still found, nothing written" "0 0" \
	"$RC $(find "$T_TMP/d/.cache/ezpz" -type f | wc -l)"

# ---- the job ends ------------------------------------------------------------------------
scancel "$jid"
for ((i = 0; i < 100; i++)); do
	[ -z "$(squeue -h -j "$jid" -o %i 2>/dev/null)" ] && break
	sleep 0.2
done
t_run node_sh n3 EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/ended.json"
t_eq "after scancel: local again" local "$(json "$T_TMP/ended.json" 'd["scheduler"]')"
t_done
