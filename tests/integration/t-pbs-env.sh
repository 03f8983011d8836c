#!/bin/bash
# t-pbs-env: 'eval "$(ezpz setup-env)"' and 'ezpz doctor' inside real
# OpenPBS jobs on the emulated nodes.  A job starts in $HOME, not where
# qsub ran: setup-env still puts the default venv under PBS_O_WORKDIR and
# sets the job's facts (EZPZ_JOBID, NHOSTS, HOSTFILE = PBS_NODEFILE), and
# its 'launch' reaches both nodes.  A second job submitted with 'qsub -V'
# from a shell holding the first job's exports sees its own job, not the
# carried one, in 'ezpz info' and after setup-env.  'ezpz doctor' in a
# 2-node job: no errors, and the PBS checks say what this job is.
. "$EZPZ_TOP/tests/lib.sh"
need_pbs 2
need_cmd python3

wd=$PBS_JOBS/wd   # where the second job is submitted from
mkdir -p "$wd"

# ---- setup-env in a job that starts in $HOME ------------------------------------------
script=$(pbs_script env <<EOF
echo "pwd=\$(pwd) home=\$HOME workdir=\$PBS_O_WORKDIR"
echo "--- doctor"
"\$EZPZ" doctor --json
echo "--- end doctor rc=\$?"
eval "\$("\$EZPZ" setup-env)"
echo "setup rc=\$?"
echo "facts: EZPZ_JOBID=\$EZPZ_JOBID NHOSTS=\$NHOSTS HOSTFILE=\$HOSTFILE EZPZ_SCHEDULER=\$EZPZ_SCHEDULER"
echo "job: \${PBS_JOBID%%.*} \$PBS_NODEFILE"
echo "venv=\$VIRTUAL_ENV"
launch -q -- hostname
echo "launch rc=\$?"
export -p | grep -E ' (EZPZ_[A-Z_]*|HOSTFILE|NHOSTS|NGPUS|NGPU_PER_HOST)=' >"$PBS_JOBS/exports.sh"
EOF
)
pbs_job env -l select=2:ncpus=1:mpiprocs=1 -l place=scatter "$script"
t_eq "setup-env job: exit 0" 0 "$RC"
t_match "the job started in \$HOME, not where qsub ran" "^pwd=(/root|$HOME) home=.* workdir=$PBS_JOBS$" "$OUT"
t_eq "eval setup-env: exit 0" "setup rc=0" "$(grep '^setup rc=' <<<"$OUT")"
read -r id nodefile < <(sed -n 's/^job: //p' <<<"$OUT")
t_eq "setup-env: the job's facts" "facts: EZPZ_JOBID=$id NHOSTS=2 HOSTFILE=$nodefile EZPZ_SCHEDULER=pbs" \
	"$(grep '^facts: ' <<<"$OUT")"
t_match "setup-env: the venv under PBS_O_WORKDIR, not \$HOME" "^venv=$PBS_JOBS/venvs/generic/" "$OUT"
t_match "setup-env: says why" "the job started in \\\$HOME .*: the default venv goes under PBS_O_WORKDIR $PBS_JOBS" "$OUT"
t_eq "its launch: hostname on both nodes" "pbsn1 pbsn2" "$(grep -E '^pbsn[0-9]$' <<<"$OUT" | sort | xargs)"
t_eq "its launch: exit 0" "launch rc=0" "$(grep '^launch rc=' <<<"$OUT")"
[ "$RC" = 0 ] || printf '%s\n' "$OUT" | sed 's/^/  | /' | head -n 60

# ---- doctor in the same job (before setup-env) ---------------------------------------------------------------
doctor=$(sed -n '/^--- doctor$/,/^--- end doctor/p' <<<"$OUT" | sed '1d;$d')
check() {   # NAME: "status message" of doctor's check NAME
	python3 -c '
import json, sys
for c in json.loads(sys.argv[1]):
    if c["name"] == sys.argv[2]:
        print(c["status"], c["message"])' "$doctor" "$1" 2>&1
}
t_match "doctor: exit 0 (no errors)" '^--- end doctor rc=0$' "$OUT"
t_match "doctor scheduler: this pbs job, its hosts, this host one of them" \
	"^ok pbs job $id: 2 hosts \(pbsn\[[0-9]-[0-9]\]\), this host is one \(env:PBS_JOBID\)$" "$(check scheduler)"
t_eq "doctor hostfile: PBS_NODEFILE" "ok 2 hosts from env:PBS_NODEFILE '$nodefile'" "$(check hostfile)"
t_match "doctor launcher: how Open MPI reaches the other node" \
	"^ok openmpi at .*reaches the other hosts through pbs_tmrsh: ezpz launch sets OMPI_MCA_plm_rsh_agent=.*/ompi-pbs-rsh" \
	"$(check launcher)"
t_nomatch "doctor: no remedy names Slurm in a PBS job" 'slurm' "$(python3 -c '
import json, sys
for c in json.loads(sys.argv[1]):
    print(c.get("remedy") or "")' "$doctor" 2>&1)"

# ---- qsub -V carrying the first job's EZPZ_* exports ------------------------------------
script=$(pbs_script carried <<'EOF'
echo "carried: EZPZ_JOBID=$EZPZ_JOBID NHOSTS=$NHOSTS"
echo "job: ${PBS_JOBID%%.*} $PBS_NODEFILE"
"$EZPZ" info --json | python3 -c 'import json, sys; j = json.load(sys.stdin); print("info:", j["jobid"], ",".join(j["hosts"]), j["hostfile"])'
eval "$("$EZPZ" setup-env)"
echo "setup rc=$?"
echo "facts: EZPZ_JOBID=$EZPZ_JOBID NHOSTS=$NHOSTS HOSTFILE=$HOSTFILE"
EOF
)
out=$PBS_JOBS/carried.out
rm -f "$out"
pbs_on 1 bash -c ". '$PBS_JOBS/exports.sh' && cd '$wd' && qsub -V -W block=true -j oe -o '$out' \
	-l select=1:ncpus=1 -l place=scatter '$script'" >"$T_TMP/qsub.out" 2>&1
RC=$?
for ((i = 0; i < 50; i++)); do [ -s "$out" ] && break; sleep 0.1; done
OUT=$(cat "$out" 2>/dev/null)
t_eq "qsub -V job: exit 0" 0 "$RC"
t_eq "qsub -V carried the first job's exports" "carried: EZPZ_JOBID=$id NHOSTS=2" "$(grep '^carried: ' <<<"$OUT")"
read -r id2 nodefile2 < <(sed -n 's/^job: //p' <<<"$OUT")
t_match "a new job" '^[0-9]+$' "$id2"
t_eq "info: this job, not the carried one" "info: $id2 $(sed -n 's/^info: [^ ]* \([^ ]*\) .*/\1/p' <<<"$OUT") $nodefile2" \
	"$(grep '^info: ' <<<"$OUT")"
t_match "info: one host" "^info: $id2 pbsn[0-9] " "$OUT"
t_eq "setup-env: exit 0" "setup rc=0" "$(grep '^setup rc=' <<<"$OUT")"
t_eq "setup-env: this job's facts replace the carried ones" \
	"facts: EZPZ_JOBID=$id2 NHOSTS=1 HOSTFILE=$nodefile2" "$(grep '^facts: ' <<<"$OUT")"
[ "$RC" = 0 ] && grep -q "^carried: EZPZ_JOBID=$id " <<<"$OUT" ||
	{ sed 's/^/  | /' "$T_TMP/qsub.out" "$PBS_JOBS/exports.sh"; printf '%s\n' "$OUT" | sed 's/^/  | /'; }
t_done
