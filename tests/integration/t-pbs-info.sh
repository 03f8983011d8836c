#!/bin/bash
# t-pbs-info: 'ezpz info --json' inside real OpenPBS jobs on the emulated
# nodes pbsn1..pbsnN, of every kind a user makes: a batch job waited for
# with qstat, 'qsub -W block=true', an array job, an interactive job
# ('qsub -I' under a pseudo-terminal) and a job of a non-root user.  Each
# sees scheduler pbs, the job id PBS gave, the hosts in PBS_NODEFILE order
# and, per host, as many slots as the chunk's mpiprocs.
. "$EZPZ_TOP/tests/lib.sh"
need_pbs 3
need_cmd python3 script

# info_of TEXT: the JSON between the markers the job scripts print, as
# "scheduler jobid hosts slots hostfile" ("pbs 12 pbsn1,pbsn2 2,2 /var/...").
info_of() {
	sed -n '/^--- info$/,/^--- end/p' <<<"$1" | sed '1d;$d' | python3 -c '
import json, sys
j = json.load(sys.stdin)
print(j["scheduler"], j["jobid"], ",".join(j["hosts"]), ",".join(map(str, j["slots"])), j["hostfile"])'
}

# The job prints its own view (PBS_JOBID, the nodefile's hosts in order and
# how many lines each has), then ezpz's.
script=$(pbs_script info <<'EOF'
echo "jobid=${PBS_JOBID%%.*} env=$PBS_ENVIRONMENT user=$(id -un) index=${PBS_ARRAY_INDEX:-}"
echo "nodefile=$PBS_NODEFILE"
echo "order=$(awk '!seen[$1]++ {printf "%s%s", n++ ? "," : "", $1}' "$PBS_NODEFILE")"
echo "slots=$(awk '{c[$1]++; if (!($1 in o)) o[$1] = n++} END {for (h in o) s[o[h]] = c[h]; for (i = 0; i < n; i++) printf "%s%s", i ? "," : "", s[i]}' "$PBS_NODEFILE")"
echo "--- info"
"$EZPZ" info --json
echo "--- end rc=$?"
EOF
)

# check LABEL: the job's view and ezpz's agree; EXPECT_HOSTS EXPECT_SLOTS
# when given are what PBS must have placed.
check() {
	local label=$1 want_hosts=${2:-} want_slots=${3:-} id order slots nodefile got
	id=$(sed -n 's/^jobid=\([^ ]*\) .*/\1/p' <<<"$OUT")
	order=$(sed -n 's/^order=//p' <<<"$OUT")
	slots=$(sed -n 's/^slots=//p' <<<"$OUT")
	nodefile=$(sed -n 's/^nodefile=//p' <<<"$OUT")
	got=$(info_of "$OUT")
	t_match "$label: the job ran" '^jobid=[0-9]' "$OUT"
	t_eq "$label: info: scheduler, job id, hosts in nodefile order, slots, hostfile" \
		"pbs $id $order $slots $nodefile" "$got"
	[ -z "$want_hosts" ] || t_eq "$label: PBS placed the chunks as asked" "$want_hosts $want_slots" "$order $slots"
	t_match "$label: info exited 0" '^--- end rc=0$' "$OUT"
	[ "$got" = "pbs $id $order $slots $nodefile" ] || printf '%s\n' "$OUT" | sed 's/^/  | /'
}

# ---- qsub -W block=true: select=N:ncpus=1:mpiprocs=M -l place=scatter -----
pbs_job block -l select=2:ncpus=1:mpiprocs=2 -l place=scatter "$script"
t_eq "block=true: qsub returns the job's exit status 0" 0 "$RC"
check "select=2:mpiprocs=2 place=scatter" "" "2,2"
t_match "select=2:mpiprocs=2 place=scatter: two different hosts" '^order=pbsn[0-9],pbsn[0-9]$' "$OUT"

# Chunks pinned to hosts, the first on pbsn3: the order is PBS's (the mother
# superior first), not sorted; the slots differ per chunk.
pbs_job pinned -l select=1:ncpus=1:mpiprocs=1:host=pbsn3+1:ncpus=1:mpiprocs=3:host=pbsn1 "$script"
check "chunks on pbsn3 then pbsn1" "pbsn3,pbsn1" "1,3"

# ---- a batch job, not waited for by qsub: qstat tells when it is done ---------
id=$(cd "$PBS_JOBS" && pbs_on 1 qsub -N batch -j oe -o "$PBS_JOBS/batch.out" -v "$(pbs_job_env)" \
	-l select=3:ncpus=1:mpiprocs=1 -l place=scatter "$script")
t_match "batch: qsub printed the job id" '^[0-9]+\.pbsn1$' "$id"
state=
for ((i = 0; i < 300; i++)); do
	state=$(pbs_on 1 qstat -x -f -F json "$id" 2>/dev/null | python3 -c '
import json, sys
j = next(iter(json.load(sys.stdin)["Jobs"].values()))
print(j["job_state"], j.get("Exit_status", ""))' 2>/dev/null)
	case $state in F\ *) break ;; esac
	sleep 0.2
done
t_eq "batch: finished with exit status 0 (qstat -x)" "F 0" "$state"
for ((i = 0; i < 50; i++)); do [ -s "$PBS_JOBS/batch.out" ] && break; sleep 0.1; done
OUT=$(cat "$PBS_JOBS/batch.out" 2>/dev/null)
t_match "batch: PBS_ENVIRONMENT=PBS_BATCH" ' env=PBS_BATCH ' "$OUT"
check "batch select=3 place=scatter" "" "1,1,1"

# ---- an array job: each subjob is its own job ---------------------------------------------
# Subjob output: -o with ^array_index^, which PBS replaces by the index.
(cd "$PBS_JOBS" && pbs_on 1 qsub -W block=true -N array -J 1-2 -j oe \
	-o "$PBS_JOBS/array.^array_index^.out" -v "$(pbs_job_env)" -l select=1:ncpus=1 "$script") \
	>"$T_TMP/qsub.out" 2>&1
t_eq "array: qsub -W block=true returns 0" 0 "$?"
for i in 1 2; do
	for ((n = 0; n < 50; n++)); do [ -s "$PBS_JOBS/array.$i.out" ] && break; sleep 0.1; done
	OUT=$(cat "$PBS_JOBS/array.$i.out" 2>/dev/null)
	t_match "array: subjob $i has its index and id" "^jobid=[0-9]+\\[$i\\] .* index=$i$" "$OUT"
	check "array subjob $i"
done

# ---- an interactive job: qsub -I on a pseudo-terminal -------------------------------------
# The commands are typed once the job's shell is up (qsub reads the
# terminal only then: what is typed before waits in the terminal's buffer).
out=$( (sleep 1; echo "bash $script; exit") |
	pbs_on 1 script -qfc "qsub -I -v '$(pbs_job_env)' -l select=2:ncpus=1:mpiprocs=1 -l place=scatter" /dev/null 2>&1)
# Without the terminal's carriage returns and escape sequences.
OUT=$(tr -d '\r' <<<"$out" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g')
t_match "interactive: PBS_ENVIRONMENT=PBS_INTERACTIVE" ' env=PBS_INTERACTIVE ' "$OUT"
check "interactive select=2 place=scatter" "" "1,1"

# ---- a job of a non-root user ------------------------------------------------------------
pbs_user_ezpz
T_PBS_USER=pbsuser pbs_job user -l select=2:ncpus=1:mpiprocs=2 -l place=scatter "$script"
t_eq "pbsuser: the job exited 0" 0 "$RC"
t_match "pbsuser: ran as pbsuser" ' user=pbsuser ' "$OUT"
check "pbsuser select=2 place=scatter" "" "2,2"
t_done
