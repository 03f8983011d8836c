#!/bin/bash
# t-pbs-submit: 'ezpz submit' to a generic (non-ALCF) OpenPBS, the emulated
# nodes pbsn1..pbsnN.  A command submitted with -N 2 -l place=scatter runs:
# its output (where PBS puts it: the directory qsub ran in) holds the
# hostname of both nodes, printed through the real 'ezpz setup-env' and
# 'ezpz launch'; the script carries no ALCF directive (a 'filesystems'
# resource makes qsub refuse the job here, as the Polaris profile's does);
# -l select=...:mpiprocs=M reaches PBS; a job script with -l options runs;
# a queue PBS does not have is refused with its message.
. "$EZPZ_TOP/tests/lib.sh"
need_pbs 2
need_cmd python3

# As a user, as on a real site (Open MPI refuses root without being told).
pbs_user_ezpz
work=$PBS_JOBS/work
mkdir -p "$work" && chmod 1777 "$work"

# job_end ID: "STATE EXIT" once PBS is done with job ID (120 s at most)
job_end() {
	local i s
	[ -n "$1" ] || return 0
	for ((i = 0; i < 600; i++)); do
		s=$(pbs_on 1 qstat -x -f -F json "$1" 2>/dev/null | python3 -c '
import json, sys
j = next(iter(json.load(sys.stdin)["Jobs"].values()))
print(j["job_state"], j.get("Exit_status", ""))' 2>/dev/null)
		case $s in F\ *) break ;; esac
		sleep 0.2
	done
	echo "$s"
}

# output ID NAME: the job's output, NAME.o<seq> in the submit directory
output() {
	local f=$work/$2.o${1%%.*} i
	for ((i = 0; i < 50; i++)); do [ -s "$f" ] && break; sleep 0.1; done
	cat "$f" 2>/dev/null
}

# sub ARGS...: ezpz submit to PBS by pbsuser on the head node, in $work (this machine
# may have sbatch too); T_SUB_ENV: NAME=VALUE words for its environment
sub() {
	# shellcheck disable=SC2086 # words
	(cd "$work" && pbs_on 1 runuser -u pbsuser -- env ${T_SUB_ENV:-} "$EZPZ" submit --scheduler pbs "$@")
}

# ---- a command on 2 nodes: -N 2 alone asks for place=scatter (PBS's default
# placement, free, may put both chunks on one node: the job ran on one) ------------
t_run sub -N 2 -t 00:05:00 -q workq -- hostname
t_eq "submit: exit 0" 0 "$RC"
t_match "submit: prints PBS's job id" '^[0-9]+\.pbsn1$' "$OUT"
t_match "submit: says which job and script" "^ezpz submit: submitted pbs job $OUT \(script /[^)]*/ezpz-submit-[0-9-]+\.sh\)$" "$ERR"
id=$OUT
script=$(sed -n 's/^ezpz submit: submitted .* (script \(.*\))$/\1/p' <<<"$ERR" | head -n 1)
t_nomatch "the script has no ALCF directive (filesystems)" 'filesystems' "$(cat "$script")"
t_match "the script asks for the resources given" '^#PBS -l select=2$' "$(cat "$script")"
t_match "... and place=scatter, for -N's 2 hosts" '^#PBS -l place=scatter$' "$(cat "$script")"
t_eq "the job finished with exit 0" "F 0" "$(job_end "$id")"
log=$(output "$id" hostname)
t_eq "its output holds hostname from both nodes" "pbsn1 pbsn2" "$(grep -E '^pbsn[0-9]+$' <<<"$log" | sort | xargs)"
t_match "... run through ezpz launch (its banner)" "ezpz launch: job ${id%%.*} \(pbs\)" "$log"
t_match "... after ezpz setup-env" "ezpz: setup-env: " "$log"
[ "$(job_end "$id")" = "F 0" ] || printf 'job output:\n%s\n' "$log" | sed 's/^/  | /'

# ---- the select spec: chunks with mpiprocs ------------------------------------------------
t_run sub -l select=2:ncpus=1:mpiprocs=2 -l place=scatter --env true --no-launch --job-name nodefile \
	-- sh -c 'sort "$PBS_NODEFILE" | uniq -c | xargs'
t_eq "-l select=...:mpiprocs=2: exit 0" 0 "$RC"
id=$OUT
t_eq "-l select: the job finished with exit 0" "F 0" "$(job_end "$id")"
t_match "-l select: 2 lines per node in PBS_NODEFILE" '^2 pbsn[0-9] 2 pbsn[0-9]$' "$(output "$id" nodefile)"

# ---- a site directive from a machine profile: Polaris's filesystems ----------------------
T_SUB_ENV=EZPZ_MACHINE=polaris t_run sub -A proj -- hostname
t_eq "polaris profile on a generic PBS: qsub refuses filesystems (exit 1)" 1 "$RC"
t_match "... with qsub's own words" "qsub failed \(exit [0-9]+\):.*
.*Unknown resource.*filesystems" "$ERR"

# ---- a job script with -l options -------------------------------------------------------
printf '#!/bin/bash\nhostname\nuniq "$PBS_NODEFILE" | wc -l\n' >"$work/job.sh"
t_run sub -l select=2:ncpus=1 -l place=scatter -t 00:05:00 "$work/job.sh"
t_eq "script mode: exit 0" 0 "$RC"
id=$OUT
t_eq "script mode: the job finished with exit 0" "F 0" "$(job_end "$id")"
t_match "script mode: the options reached qsub (2 nodes)" '^2$' "$(output "$id" job.sh)"

# ---- refused ------------------------------------------------------------------------------
t_run sub -q nosuchqueue -- hostname
t_eq "unknown queue: exit 1" 1 "$RC"
t_match "unknown queue: qsub's own words" "^ezpz: submit: qsub failed \(exit [0-9]+\):
qsub: Unknown queue" "$ERR"
t_eq "unknown queue: no job id on stdout" "" "$OUT"

# A walltime over the queue's limit (01:00:00 here) is refused at once, not
# left queued: why ezpz keeps a default walltime under PBS and not under Slurm.
t_run sub -t 02:00:00 -- hostname
t_eq "walltime over the queue's limit: exit 1" 1 "$RC"
t_match "... qsub's own words" "^ezpz: submit: qsub failed \(exit [0-9]+\):
qsub: Job violates queue and/or server resource limits" "$ERR"
t_done
