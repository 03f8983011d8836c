#!/bin/bash
# t-jobfind-pbs: a shell on a node of a running OpenPBS job that has none
# of the job's variables (ssh from another node: env -i, the node's
# namespaces, the site's pbs.conf) finds the job with the real qselect and
# qstat -f: info (hosts from the spool file, else exec_host; its sources),
# launch --dry-run, setup-env and doctor as inside the job; two jobs on the
# node are an error naming both, --job and EZPZ_JOBID choose; another
# user's jobs are not ours; qstat missing, failing or hanging is "no job"
# with the reason.
# shellcheck disable=SC2016 # $VARs in single quotes are for the node's shell
. "$EZPZ_TOP/tests/lib.sh"
need_pbs 3
need_cmd python3
T_PBS_TIMEOUT=60
jobs=()
cleanup() {
	[ "${#jobs[@]}" = 0 ] || "$EZPZ_TEST_PBS_CLUSTER" exec qdel -W force "${jobs[@]}" >/dev/null 2>&1
	rm -rf "$T_TMP"
}
trap cleanup EXIT
mkdir -p "$T_TMP/cache" && chmod 1777 "$T_TMP/cache"
# the hardware, where pbsuser can read it too (CI's checkout is private)
install -m 644 "$FIX/topo/synthetic-nogpu.xml" "$T_TMP/cache/topo.xml"

# node_sh I [VAR=VALUE...] CMD...: CMD on pbsnI as from `ssh pbsnI`: a
# fresh environment (PATH, HOME, and the node's PBS_CONF_FILE, which stands
# for a site's /etc/pbs.conf).  T_USER=NAME runs it as that user.
node_sh() {
	local i=$1
	shift
	pbs_on "$i" ${T_USER:+runuser -u "$T_USER" --} sh -c 'p=$1 t=$2; shift 2; h=$t/home-$(id -u)
		mkdir -p "$h" && exec env -i PATH="$p" \
		HOME="$h" LC_ALL=C.UTF-8 PBS_CONF_FILE="$PBS_CONF_FILE" TMPDIR="$t" "$@"' sh \
		"${NODE_PATH:-/opt/pbs/bin:/usr/bin:/bin}" "$T_TMP/cache" \
		EZPZ_TOPOLOGY="$T_TMP/cache/topo.xml" "$@"
}

json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" 2>&1; }

# qsub_bg [qsub options...]: a sleeping job from pbsn1; prints its id.
qsub_bg() {
	pbs_on 1 ${T_USER:+runuser -u "$T_USER" --} sh -c 'cd /tmp && exec qsub "$@"' sh \
		-o /dev/null -j oe "$@" -- /bin/sleep 300
}

# running ID: wait for the job to run; prints its exec_host
running() {
	local i out
	for ((i = 0; i < 150; i++)); do
		out=$(pbs_on 1 qstat -f -F json "$1" 2>/dev/null | python3 -c '
import json, sys
j = list(json.load(sys.stdin).get("Jobs", {}).values())
print(j[0]["exec_host"] if j and j[0].get("job_state") == "R" else "")' 2>/dev/null)
		[ -n "$out" ] && { echo "$out"; return 0; }
		sleep 0.2
	done
	return 1
}

# ---- a job on two nodes; a shell on its second node -----------------------------
j1=$(qsub_bg -l select=2:ncpus=1:mpiprocs=2 -l place=scatter) || t_bail "qsub failed: $j1"
jobs+=("$j1")
eh=$(running "$j1") || t_bail "job $j1 did not start"
h1=$(echo "$eh" | cut -d+ -f1 | cut -d/ -f1)
h2=$(echo "$eh" | cut -d+ -f2 | cut -d/ -f1)
n2=${h2#pbsn}
short=${j1%%.*}

t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
t_eq "ssh-like shell on $h2: info exit 0" 0 "$RC"
printf '%s\n' "$OUT" >"$T_TMP/info.json"
t_eq "scheduler pbs, the job's id" "pbs $short" "$(json "$T_TMP/info.json" 'd["scheduler"] + " " + d["jobid"]')"
t_eq "the job's hosts in order, slots from mpiprocs" "['$h1', '$h2'] [2, 2]" \
	"$(json "$T_TMP/info.json" 'str(d["hosts"]) + " " + str(d["slots"])')"
t_eq "sources: qstat, hosts from the spool file" "qstat (a running job of root on $h2)|qstat|pbs spool" \
	"$(json "$T_TMP/info.json" '"|".join(d["sources"][k] for k in ("scheduler", "jobid", "hosts"))')"
t_match "hostfile: the aux file" "/aux/$j1\$" "$(json "$T_TMP/info.json" 'd["hostfile"]')"

# Without a readable spool file: exec_host.
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 PBS_HOME=/nonexistent "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/exec.json"
t_eq "no spool file: hosts and slots from exec_host and select" "['$h1', '$h2'] [2, 2] qstat None" \
	"$(json "$T_TMP/exec.json" 'str(d["hosts"]) + " " + str(d["slots"]) + " " + d["sources"]["hosts"] + " " + str(d["hostfile"])')"

# ... and launch gives the launcher those hosts in a file of its own.
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 PBS_HOME=/nonexistent "$EZPZ" launch --dry-run --json -ppn 2 -- hostname
printf '%s\n' "$OUT" >"$T_TMP/exec-plan.json"
t_eq "no spool file: launch hands the launcher a hostfile of exec_host's hosts" "4 True" \
	"$(json "$T_TMP/exec-plan.json" 'str(d["nproc"]) + " " + str(any("ezpz-hosts-" in w for w in d["argv"]))')"

# launch plans for the job's hosts; setup-env exports its facts; doctor is content.
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 "$EZPZ" launch --dry-run --json -ppn 2 -- hostname
printf '%s\n' "$OUT" >"$T_TMP/plan.json"
t_eq "launch --dry-run: 4 ranks on the job's 2 hosts" "4 2 $short" \
	"$(json "$T_TMP/plan.json" 'str(d["nproc"]) + " " + str(d["nhosts_used"]) + " " + d["jobid"]')"
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 bash -c 'eval "$("$1" setup-env --shell bash -q --no-modules --no-venv --allow-system-python)" &&
	echo "$EZPZ_JOBID $EZPZ_SCHEDULER $NHOSTS ${HOSTFILE##*/}"' sh "$EZPZ"
t_eq "setup-env: the job's facts" "$short pbs 2 $j1" "$OUT"
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 "$EZPZ" doctor --json
printf '%s\n' "$OUT" >"$T_TMP/doctor.json"
t_eq "doctor: scheduler ok, from qstat" "ok True" "$(json "$T_TMP/doctor.json" \
	'[c["status"] + " " + str("qstat" in c["message"]) for c in d if c["name"] == "scheduler"][0]')"

# ---- two jobs on that node ---------------------------------------------------------
j2=$(qsub_bg -l select=1:ncpus=1:host="$h2") || t_bail "qsub 2 failed: $j2"
jobs+=("$j2")
running "$j2" >/dev/null || t_bail "job $j2 did not start"
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
t_eq "two jobs: exit 1" 1 "$RC"
t_match "... naming both and how to choose" \
	"^ezpz: 2 running jobs of root on $h2: ($j1, $j2|$j2, $j1); choose one with --job ID or EZPZ_JOBID=ID$" "$ERR"
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json --job "${j2%%.*}"
printf '%s\n' "$OUT" >"$T_TMP/j2.json"
t_eq "--job (the short id) chooses" "${j2%%.*} ['$h2'] qstat (chosen by --job)" \
	"$(json "$T_TMP/j2.json" 'd["jobid"] + " " + str(d["hosts"]) + " " + d["sources"]["jobid"]')"
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 EZPZ_JOBID="$short" "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/j1.json"
t_eq "EZPZ_JOBID chooses" "$short qstat (chosen by EZPZ_JOBID)" \
	"$(json "$T_TMP/j1.json" 'd["jobid"] + " " + d["sources"]["jobid"]')"
"$EZPZ_TEST_PBS_CLUSTER" exec qdel "$j2" >/dev/null 2>&1

# ---- another user's jobs are not ours ------------------------------------------------
pbs_user_ezpz   # pbsuser runs it: a copy where the checkout is private (CI's is)
n3=$(( (n2 % 3) + 1 ))
[ "pbsn$n3" != "$h1" ] || n3=$(( (n3 % 3) + 1 ))
j3=$(T_USER=pbsuser qsub_bg -l select=1:ncpus=1:host="pbsn$n3") || t_bail "qsub as pbsuser failed: $j3"
jobs+=("$j3")
running "$j3" >/dev/null || t_bail "job $j3 did not start"
T_USER=pbsuser t_run node_sh "$n3" "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/user.json"
t_eq "pbsuser on pbsn$n3 finds its job" "pbs ${j3%%.*} qstat (a running job of pbsuser on pbsn$n3)" \
	"$(json "$T_TMP/user.json" 'd["scheduler"] + " " + d["jobid"] + " " + d["sources"]["scheduler"]')"
t_run node_sh "$n3" EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/root3.json"
t_eq "root on pbsn$n3 does not take pbsuser's job" local "$(json "$T_TMP/root3.json" 'd["scheduler"]')"
t_eq "pbsuser's answers are cached in pbsuser's own directory" "700 pbsuser" \
	"$(stat -c '%a %U' "$T_TMP/cache/home-$(id -u pbsuser)/.cache/ezpz")"

# ---- qstat missing, failing, hanging: no job, with the reason ---------------------------
mkdir -p "$T_TMP/nobin"
NODE_PATH="$T_TMP/nobin" t_run node_sh "$n2" "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/missing.json"
t_eq "qstat not on PATH: exit 0, local, nothing asked" "0 local no job found" \
	"$RC $(json "$T_TMP/missing.json" 'd["scheduler"] + " " + d["sources"]["scheduler"]')"

# The real qselect, failing: the server's port refuses.
sed 's/^PBS_SERVER=.*/&\nPBS_BATCH_SERVICE_PORT=1/' "$("$EZPZ_TEST_PBS_CLUSTER" node "$n2" sh -c 'echo $PBS_CONF_FILE')" \
	>"$T_TMP/bad.conf"
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 sh -c 'PBS_CONF_FILE=$0 exec "$@"' "$T_TMP/bad.conf" "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/fail.json"
t_eq "qselect failing: exit 0, local" "0 local" "$RC $(json "$T_TMP/fail.json" 'd["scheduler"]')"
t_match "... the reason in sources.scheduler" "^no job found; qselect: exit [0-9]+: .*(refused|connect)" \
	"$(json "$T_TMP/fail.json" 'd["sources"]["scheduler"]')"
t_run node_sh "$n2" EZPZ_JOBFIND_CACHE=0 sh -c 'PBS_CONF_FILE=$0 exec "$@"' "$T_TMP/bad.conf" "$EZPZ" doctor --json
printf '%s\n' "$OUT" >"$T_TMP/dfail.json"
t_eq "... doctor warns with it" "warn True" "$(json "$T_TMP/dfail.json" \
	'[c["status"] + " " + str("qselect: exit" in c["message"]) for c in d if c["name"] == "scheduler"][0]')"

# A hanging qselect: bounded.
mkdir -p "$T_TMP/hang"
printf '#!/bin/sh\nexec sleep 300\n' >"$T_TMP/hang/qselect"
chmod +x "$T_TMP/hang/qselect"
NODE_PATH="$T_TMP/hang:/opt/pbs/bin:/usr/bin:/bin" t_run node_sh "$n2" EZPZ_JOBFIND_TIMEOUT=1 EZPZ_JOBFIND_CACHE=0 "$EZPZ" info --json
printf '%s\n' "$OUT" >"$T_TMP/hang.json"
# (squeue, on this machine's PATH too, is asked next, and fails its own way)
t_match "qselect hanging: exit 0, local, the reason" "^0 local no job found; qselect: no answer within 1 s(;|\$)" \
	"$RC $(json "$T_TMP/hang.json" 'd["scheduler"] + " " + d["sources"]["scheduler"]')"
t_done
