#!/bin/bash
# t-setup-env-slurm: eval "$(ezpz setup-env)" at the top of a real sbatch
# job script (2 nodes, 2 GPUs each) exports the job's facts exactly as
# `ezpz info --json` sees them in the same job, creates and activates the
# venv, defines launch, and a second eval changes nothing.  A set -e job
# script whose setup-env fails stops there, with exit 1 from the job.
# shellcheck disable=SC2016 # $VARs in single quotes are for the job's shell
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 2 2
need_cmd python3
/usr/bin/python3 -c 'import venv' 2>/dev/null || t_skip "python3 has no venv module"
T=60
W=$T_TMP/work
mkdir -p "$W"

cat >"$T_TMP/job.sh" <<EOF
#!/bin/bash
set -e
cd "$W"
eval "\$("$EZPZ" setup-env --shell bash -q --no-modules --venv "$W/venv" --without-pip)"
env | grep -E '^(NHOSTS|NGPU_PER_HOST|NGPUS|HOSTFILE|EZPZ_(JOBID|SCHEDULER|MACHINE|HOSTS|GPU_VENDOR|LAUNCHER))=' |
	LC_ALL=C sort >"$W/setup.txt"
"$EZPZ" info --json >"$W/info.json"
echo "python3=\$(command -v python3)"
echo "VIRTUAL_ENV=\$VIRTUAL_ENV"
type launch >/dev/null && echo "launch=defined"
env | LC_ALL=C sort >"$W/env1"
eval "\$("$EZPZ" setup-env --shell bash -q --no-modules --venv "$W/venv")"
env | LC_ALL=C sort >"$W/env2"
cmp -s "$W/env1" "$W/env2" && echo "second eval: no change"
echo "job=\$SLURM_JOB_ID"
EOF
t_run t_timeout $T sbatch --wait -N2 --ntasks-per-node=1 --gpus-per-node=2 \
	-o "$T_TMP/job.out" "$T_TMP/job.sh"
t_eq "sbatch --wait: the job succeeded" 0 "$RC"
t_run cat "$T_TMP/job.out"
JOB=$OUT
t_eq "in the job: python3 is the venv's" "python3=$W/venv/bin/python3" "$(grep '^python3=' <<<"$JOB")"
t_eq "in the job: VIRTUAL_ENV" "VIRTUAL_ENV=$W/venv" "$(grep '^VIRTUAL_ENV=' <<<"$JOB")"
t_eq "in the job: launch is defined" "launch=defined" "$(grep '^launch=' <<<"$JOB")"
t_eq "in the job: a second eval changes nothing" "second eval: no change" \
	"$(grep '^second eval' <<<"$JOB")"
jobid=$(sed -n 's/^job=//p' <<<"$JOB")

# The facts setup-env exported, next to what info --json says.
t_run python3 - "$W/info.json" "$W/setup.txt" <<'EOF'
import json, sys
info = json.load(open(sys.argv[1]))
got = dict(l.rstrip("\n").split("=", 1) for l in open(sys.argv[2]))
want = {
    "NHOSTS": str(info["nhosts"]),
    "NGPU_PER_HOST": str(info["ngpu_per_host"]),
    "NGPUS": str(info["ngpus"]),
    "EZPZ_JOBID": info["jobid"] or "",
    "EZPZ_SCHEDULER": info["scheduler"],
    "EZPZ_MACHINE": info["machine"],
    "EZPZ_GPU_VENDOR": info["gpu_vendor"],
}
if info["hostfile"]:
    want["HOSTFILE"] = info["hostfile"]
if info["launcher"]:
    want["EZPZ_LAUNCHER"] = info["launcher"]
for k in sorted(set(want) | set(got)):
    if k == "EZPZ_HOSTS":
        continue
    print(f"{k} {'same' if got.get(k) == want.get(k) else f'setup-env {got.get(k)!r} info {want.get(k)!r}'}")
print("hosts", got.get("EZPZ_HOSTS"))
print("info hosts", ",".join(info["hosts"]))
EOF
t_eq "setup-env's job variables are info --json's" "EZPZ_GPU_VENDOR same
EZPZ_JOBID same
EZPZ_LAUNCHER same
EZPZ_MACHINE same
EZPZ_SCHEDULER same
NGPUS same
NGPU_PER_HOST same
NHOSTS same" "$(grep -v '^HOSTFILE same$\|hosts ' <<<"$OUT")"
hosts=$(sed -n 's/^hosts //p' <<<"$OUT")
t_eq "EZPZ_HOSTS expands to info's hosts" "$(sed -n 's/^info hosts //p' <<<"$OUT")" \
	"$("$EZPZ" hostlist expand "$hosts" | paste -sd, -)"
t_match "the facts are the job's" "EZPZ_JOBID=$jobid\$" "$(cat "$W/setup.txt")"
t_match "the facts are the job's: 2 hosts x 2 GPUs" $'NGPUS=4' "$(cat "$W/setup.txt")"
t_match "the facts are the job's: slurm" '^EZPZ_SCHEDULER=slurm$' "$(cat "$W/setup.txt")"

# A set -e job script whose setup-env fails stops at the eval.
cat >"$T_TMP/fail.sh" <<EOF
#!/bin/bash
set -e
eval "\$("$EZPZ" setup-env --shell bash -q --module nosuch/1.0 --no-venv)"
echo "went on after a failed setup-env"
EOF
t_run t_timeout $T sbatch --wait -N1 -o "$T_TMP/fail.out" "$T_TMP/fail.sh"
t_eq "a failing setup-env fails the job" 1 "$RC"
t_run cat "$T_TMP/fail.out"
t_nomatch "the job script stopped at the eval" 'went on' "$OUT"
t_match "the job's log says what failed" 'setup-env: .*nosuch/1\.0' "$OUT"

t_done
