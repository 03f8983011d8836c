#!/bin/bash
# t-submit: 'ezpz submit' end to end with stub schedulers: the generated
# script (--dry-run, -o), a submission through a recording sbatch (a unique
# 0755 script, complete when sbatch sees it, the job id on stdout), a
# refusing sbatch (non-zero, its message), a missing qsub (127), script
# mode, templates (a {{run}} line with an empty placeholder stays),
# hostile arguments run by bash, --env FILE as documented, and usage errors.
# The real Slurm submission is tests/integration/t-submit-slurm.sh.
. "$EZPZ_TOP/tests/lib.sh"

S=$FIX/submit
export SUBMIT_RECORD=$T_TMP/rec
mkdir -p "$T_TMP/empty" "$T_TMP/work dir"
cd "$T_TMP/work dir" || t_bail "cannot cd"
WD=$PWD

# sub PATH ARGS...: ezpz submit with PATH (stubs first), in the work dir
sub() {
	local path=$1
	shift
	ezpz_clean SUBMIT_RECORD="$SUBMIT_RECORD" PATH="$path" "$EZPZ" submit "$@"
}
# job scripts go to the state directory ($HOME is $T_TMP), never here
ST=$T_TMP/.local/state/ezpz/submit
scripts() { find . -maxdepth 1 -name '*ezpz-submit-*'; find "$ST" -name 'ezpz-submit-*' 2>/dev/null | sort; }
norm() { sed -e "s|$EZPZ|@EZPZ@|g" -e "s|$WD|@WD@|g" <<<"$1"; }

# ---- --dry-run: the whole script ---------------------------------------------------
t_run sub "$S/bin-slurm" --dry-run -N 2 -A proj123 -- python3 -m ezpz.examples.test --epochs 1
t_eq "dry-run slurm: exit 0" 0 "$RC"
t_eq "dry-run slurm: the script" "#!/bin/bash
#SBATCH --nodes=2
#SBATCH --account=proj123
#SBATCH --job-name=ezpz.examples.test

set -eo pipefail
cd '@WD@'

# Environment setup
eval \"\$(@EZPZ@ setup-env || echo 'exit 1')\"

@EZPZ@ launch -- python3 -m ezpz.examples.test --epochs 1" "$(norm "$OUT")"
t_eq "dry-run slurm: says where the scheduler came from" \
	"ezpz submit: dry run: sbatch (scheduler from sbatch on PATH) would get this script: sbatch SCRIPT" "$ERR"
t_eq "dry-run: no file written" "" "$(scripts)"

t_run sub "$T_TMP/empty" --dry-run --scheduler pbs -N 4 -t 00:30:00 -q debug --filesystems home,eagle \
	--job-name my-job --env 'module load frameworks/2025.2.0' --no-launch -- ./train.sh
t_eq "dry-run pbs: the script" "#!/bin/bash --login
#PBS -l select=4
#PBS -l walltime=00:30:00
#PBS -l filesystems=home:eagle
#PBS -l place=scatter
#PBS -k doe
#PBS -j oe
#PBS -q debug
#PBS -N my-job

set -eo pipefail
cd '@WD@'

# Environment setup
module load frameworks/2025.2.0

./train.sh" "$(norm "$OUT")"

t_run sub "$T_TMP/empty" --dry-run --scheduler pbs -N 2 -l place=pack -- hostname
t_eq "pbs -N 2 with the user's own place=: theirs, no scatter added" "#PBS -l place=pack" "$(grep '^#PBS -l place' <<<"$OUT")"
t_run sub "$T_TMP/empty" --dry-run --scheduler pbs -N 1 -- hostname
t_nomatch "pbs -N 1: no placement asked" "place=" "$OUT"
t_run sub "$T_TMP/empty" --dry-run --scheduler PBS -- python3 train.py
t_nomatch "pbs: -A omitted without an account" "^#PBS -A" "$OUT"
t_nomatch "pbs: no filesystems directive (ALCF's) on a generic PBS" "filesystems" "$OUT"
t_run sub "$T_TMP/empty" --dry-run --scheduler pbs -l place=scatter -l mem=4gb -q workq \
	-l select=2:ncpus=1:mpiprocs=2 -- hostname
t_eq "pbs -l: the directives in order" "#PBS -l select=2:ncpus=1:mpiprocs=2|#PBS -l walltime=01:00:00|#PBS -l place=scatter,mem=4gb|#PBS -k doe|#PBS -j oe|#PBS -q workq|#PBS -N hostname" \
	"$(grep '^#PBS' <<<"$OUT" | paste -sd'|')"
printf '#!/bin/sh\nhostname\n' >"$T_TMP/job.sh"
t_run sub "$T_TMP/empty" --dry-run --scheduler pbs -l place=scatter -l select=2:mpiprocs=2 "$T_TMP/job.sh"
t_eq "pbs -l, script mode: on qsub's command line" "qsub -l select=2:mpiprocs=2 -l place=scatter $T_TMP/job.sh" "$OUT"
t_run sub "$T_TMP/empty" --dry-run --scheduler pbs -N 2 -l select=2:ncpus=4 -- hostname
t_eq "-N and -l select=: usage error" "2 ezpz: submit: -N 2 and -l select=2:ncpus=4 both give the nodes; use one" "$RC $ERR"
t_run sub "$T_TMP/empty" --dry-run --scheduler pbs -l place -- hostname
t_eq "-l without '=': usage error" "2 ezpz: submit: -l 'place': expected RESOURCE=VALUE (e.g. -l place=scatter)" "$RC $ERR"
t_run sub "$T_TMP/empty" --dry-run --scheduler slurm -l place=scatter -- hostname
t_eq "-l for Slurm: usage error" "2 ezpz: submit: -l place=scatter is a PBS resource; this job goes to slurm (scheduler from --scheduler)" "$RC $ERR"

# ---- the site's directives come from its machine profile ---------------------------
t_run ezpz_clean EZPZ_MACHINE=aurora PBS_ACCOUNT=proj PATH="$T_TMP/empty" "$EZPZ" submit --dry-run -- hostname
t_eq "aurora: scheduler from the profile" 0 "$RC"
t_eq "aurora: filesystems and account from the profile" "#PBS -l filesystems=home:flare|#PBS -A proj" \
	"$(grep -E '^#PBS -(l filesystems|A)' <<<"$OUT" | paste -sd'|')"
t_run ezpz_clean EZPZ_MACHINE=polaris PATH="$T_TMP/empty" "$EZPZ" submit --dry-run --filesystems home,grand -A p -- hostname
t_eq "polaris: --filesystems wins over the profile's" "#PBS -l filesystems=home:grand" "$(grep 'filesystems' <<<"$OUT")"
t_run ezpz_clean EZPZ_MACHINE=aurora PATH="$T_TMP/empty" "$EZPZ" submit --dry-run -- hostname
t_eq "aurora without an account: usage error, nothing printed" \
	"2 ezpz: submit: machine 'aurora' needs an account to charge the job to: pass -A/--account, or set PBS_ACCOUNT or PROJECT|" \
	"$RC $ERR|$OUT"
t_run ezpz_clean PATH="$T_TMP/empty" PBS_ACCOUNT=fallback_proj PROJECT=other "$EZPZ" submit --dry-run \
	--scheduler pbs -- python3 train.py
t_match "pbs: account from PBS_ACCOUNT" "^#PBS -A fallback_proj$" "$OUT"
t_match "job name from the script python runs" "^#PBS -N train$" "$OUT"
t_run ezpz_clean PATH="$T_TMP/empty" PROJECT=myproj "$EZPZ" submit --dry-run --scheduler slurm -- hostname
t_match "slurm: account from PROJECT" "^#SBATCH --account=myproj$" "$OUT"

printf 'module load foo\n' >"setup env.sh"
t_run sub "$T_TMP/empty" --dry-run --scheduler slurm --env "setup env.sh" -- hostname
t_match "--env FILE: sourced by its absolute path" "^source '$WD/setup env.sh'$" "$OUT"
rm -f "setup env.sh"
t_run sub "$S/bin-slurm" --help
t_match "--env FILE: --help says a file is sourced" "--env LINE .*'source /abs/FILE'" "$(printf '%s\n' "$OUT" | tr -s ' \n' ' ')"
t_match "--env FILE: ezpz-submit(1) says a file is sourced" '^\.Ql source Ar /abs/FILE$' \
	"$(sed -n '/^\.It Fl -env Ar LINE$/,/^\.It /p' "$EZPZ_TOP/man/ezpz-submit.1")"

# ---- the scheduler from the job, the profile, PATH ---------------------------------------
t_run ezpz_clean PATH="$T_TMP/empty" PBS_JOBID=9.pbs01 "$EZPZ" submit --dry-run -- hostname
t_eq "scheduler from PBS_JOBID" "ezpz submit: dry run: qsub (scheduler from env:PBS_JOBID) would get this script: qsub SCRIPT" "$ERR"
t_run ezpz_clean PATH="$T_TMP/empty" EZPZ_HOSTNAME=frontier01234 "$EZPZ" submit --dry-run -- hostname
t_eq "scheduler from the machine profile" \
	"ezpz submit: dry run: sbatch (scheduler from profile:frontier) would get this script: sbatch SCRIPT" "$ERR"
t_run ezpz_clean PATH="$T_TMP/empty" EZPZ_HOSTNAME=frontier01234 "$EZPZ" submit --dry-run \
	--sched-args --exclusive '--comment=a b' -- -- hostname
t_eq "--sched-args: shown with the command, where they go (not in the script)" \
	"ezpz submit: dry run: sbatch (scheduler from profile:frontier) would get this script: sbatch --exclusive '--comment=a b' SCRIPT" "$ERR"
t_run sub "$T_TMP/empty" --dry-run -- hostname
t_eq "no scheduler to be found: exit 127 (not found)" 127 "$RC"
t_eq "no scheduler to be found: says what to do" "ezpz: submit: neither qsub nor sbatch is on PATH \
(and not in a job, and no machine profile names one): submit from a login node of a PBS or Slurm \
cluster, or write the script anyway with --scheduler pbs|slurm and -o FILE" "$ERR"

# ---- -o FILE -------------------------------------------------------------------------------
t_run sub "$S/bin-slurm" --dry-run -- python3 -c 'print(1)'
dry=$OUT
t_run sub "$S/bin-slurm" -o job.sbatch -- python3 -c 'print(1)'
t_eq "-o: exit 0" 0 "$RC"
t_eq "-o: says how to submit it" "ezpz submit: wrote job.sbatch; submit it with: sbatch job.sbatch" "$ERR"
t_eq "-o: the dry-run script, in the file" "$dry" "$(cat job.sbatch)"
t_eq "-o: mode 0755" 755 "$(stat -c %a job.sbatch)"
t_eq "-o: nothing submitted" "no" "$([ -e "$SUBMIT_RECORD.argv" ] && echo yes || echo no)"
t_eq "-o: no temporary left" "job.sbatch" "$(ls)"
rm -f job.sbatch

# -o replaces only a regular file: renaming over a device (as root: -o
# /dev/full), a symlink or a FIFO would replace the thing itself.
echo old >job.sbatch
t_run sub "$S/bin-slurm" -o job.sbatch -- python3 -c 'print(1)'
t_eq "-o over a regular file: replaced" "0:$dry" "$RC:$(cat job.sbatch)"
echo target >target.txt
ln -s target.txt link.sh
mkfifo fifo.sh
mkdir dir.sh
odd=("link.sh:a symbolic link" "fifo.sh:a FIFO" "dir.sh:a directory")
if [ "$(id -u)" = 0 ] && mknod dev.sh c 1 3 2>/dev/null; then odd+=("dev.sh:a character device"); fi
for x in "${odd[@]}"; do
	f=${x%%:*}
	t_run sub "$S/bin-slurm" -o "$f" -- hostname
	t_eq "-o $f (${x#*:}): refused, exit 1" "1:ezpz: submit: -o '$f': ${x#*:}; give a regular file or a new name" "$RC:$ERR"
done
t_eq "-o: symlink and its target untouched" "target.txt:target" "$(readlink link.sh):$(cat target.txt)"
t_eq "-o: the FIFO is still a FIFO" "fifo" "$(stat -c %F fifo.sh)"
[ ! -e dev.sh ] || t_eq "-o: the device is still a device" "character special file" "$(stat -c %F dev.sh)"
t_eq "-o refused: no temporary left" "" "$(ls | grep tmp)"
rm -rf job.sbatch target.txt link.sh fifo.sh dir.sh dev.sh

# ---- a submission ------------------------------------------------------------------------------
t_run sub "$S/bin-slurm" -N 2 -- python3 -c 'print(1)'
t_eq "submit: exit 0" 0 "$RC"
t_eq "submit: the job id on stdout" "77" "$OUT"
f=$(scripts)
t_match "submit: a script named STATE/ezpz-submit-DATE-TIME-PID.sh" "^$ST/ezpz-submit-[0-9]{8}-[0-9]{6}-[0-9]+\.sh$" "$f"
t_eq "submit: the state directory is private" "drwx------" "$(stat -c %A "$ST")"
t_eq "submit: stderr names job and script" "ezpz submit: submitted slurm job 77 (script $f)" "$ERR"
t_eq "submit: sbatch got the script's path" "$f" "$(cat "$SUBMIT_RECORD.argv")"
t_eq "submit: the script was complete when sbatch read it" "$(cat "$f")" "$(cat "$SUBMIT_RECORD.script")"
t_match "submit: ... and mode 0755 then" '^-rwxr-xr-x ' "$(cat "$SUBMIT_RECORD.ls")"
t_match "submit: with the options" '^#SBATCH --nodes=2$' "$(cat "$f")"
rm -f "$ST"/ezpz-submit-* "$SUBMIT_RECORD".*

t_run sub "$S/bin-pbs" -- hostname
t_eq "submit pbs (qsub on PATH): qsub's id" "0:4242.pbs01" "$RC:$OUT"
rm -f "$ST"/ezpz-submit-*

# ---- failures -----------------------------------------------------------------------------------
t_run sub "$S/bin-fail" -- hostname
t_eq "refused: exit 1 (the reference exits 0)" 1 "$RC"
t_eq "refused: sbatch's own message" "ezpz: submit: sbatch failed (exit 1):
sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified
ezpz: submit: the job script is kept in '$(scripts)'" "$ERR"
t_match "refused: kept in the state directory" "^$ST/ezpz-submit-[0-9-]+\.sh$" "$(scripts)"
t_eq "refused: nothing left in the working directory" "" "$(find . -maxdepth 1 -name '*ezpz-submit*')"
t_eq "refused: nothing on stdout" "" "$OUT"
rm -f "$ST"/ezpz-submit-*
t_run sub "$S/bin-fail" -- hostname 2>/dev/null
t_eq "refused: rc" 1 "$RC"
XS=$T_TMP/xdg-state
t_run ezpz_clean SUBMIT_RECORD="$SUBMIT_RECORD" PATH="$S/bin-fail" XDG_STATE_HOME="$XS" "$EZPZ" submit -- hostname
t_match "XDG_STATE_HOME: the script is kept there" "kept in '$XS/ezpz/submit/ezpz-submit-[0-9-]+\.sh'$" "$ERR"
rm -rf "$XS"
rm -f "$ST"/ezpz-submit-*

t_run sub "$T_TMP/empty" --scheduler pbs -- hostname
t_eq "missing qsub: exit 127" 127 "$RC"
t_eq "missing qsub: message" "ezpz: submit: qsub: not found on PATH; submit from a PBS login node, or \
load the module that provides it" "$ERR"
t_eq "missing qsub: no script left behind" "" "$(scripts)"

# A hanging sbatch: a SIGTERM to ezpz submit ends sbatch and what it
# started (it runs in a process group of its own, as for the timeout).
mkdir -p "$T_TMP/bin-hang"
printf '#!/bin/sh\nsleep 1000\n' >"$T_TMP/bin-hang/sbatch"
chmod +x "$T_TMP/bin-hang/sbatch"
tag=submit-hang-$$
env -i HOME="$T_TMP" EZPZ_HOSTNAME=testhost EZPZ_T_TAG=$tag PATH="$T_TMP/bin-hang:/usr/bin:/bin" \
	"$EZPZ" submit -- hostname >/dev/null 2>"$T_TMP/hang.err" &
pid=$!
for ((i = 0; i < 100; i++)); do pgrep -f -P "$(t_tagged "$tag" | paste -sd, -)" '^sleep 1000' \
	>/dev/null 2>&1 && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
t_eq "hanging sbatch, SIGTERM: exit 143" 143 "$?"
if left=$(t_tagged_gone "$tag"); then t_pass "hanging sbatch, SIGTERM: sbatch and its sleep are gone"
else t_fail "hanging sbatch, SIGTERM: sbatch and its sleep are gone"; echo "$left" | sed 's/^/  /'; t_tagged_kill "$tag"; fi
rm -f "$ST"/ezpz-submit-*

chmod 0555 "$ST"
t_run sub "$S/bin-slurm" -- hostname
chmod 0700 "$ST"
if [ "$(id -u)" != 0 ]; then   # root writes anyway
	t_eq "read-only directory: exit 1" 1 "$RC"
	t_match "read-only directory: says why" "cannot write the job script '.*': Permission denied" "$ERR"
fi
rm -f "$ST"/ezpz-submit-*

# ---- hostile arguments reach the job unchanged ---------------------------------------------------
hostile=("a b" "it's" '"q"' '$HOME' '`id`' '$(id)' $'two\nlines' $'tab\there' 'back\slash' '!x' '*' '' '--' '{{run}}')
t_run sub "$S/bin-slurm" -o hostile.sh --env : --no-launch -- printf '<%s>' "${hostile[@]}"
t_eq "hostile: script written" 0 "$RC"
want=$(printf '<%s>' "${hostile[@]}")
t_run env -i HOME=/nonexistent PATH=/usr/bin:/bin bash hostile.sh
t_eq "hostile: bash runs the command with the very same words" "$want" "$OUT"
rm -f hostile.sh

# ---- script mode -------------------------------------------------------------------------------
printf '#!/bin/bash\n#SBATCH --nodes=1\nhostname\n' >job.sh
t_run sub "$S/bin-slurm" --dry-run -N 3 -t 10 -A acct job.sh
t_eq "script: dry run prints the command" "0:sbatch --nodes=3 --time=10 --account=acct job.sh" "$RC:$OUT"
t_run sub "$S/bin-slurm" job.sh
t_eq "script: submitted as is" "0:77" "$RC:$OUT"
t_eq "script: no options given, none passed" "job.sh" "$(cat "$SUBMIT_RECORD.argv")"
t_eq "script: no generated file" "" "$(scripts)"
t_run sub "$S/bin-slurm" --env x job.sh
t_eq "script: --env is for commands" "2:ezpz: submit: --env only applies to a command (after '--'), not to the script 'job.sh'" "$RC:$ERR"

# ---- Slurm options, a machine profile, and the scheduler's own arguments ----
t_run sub "$S/bin-slurm" --dry-run --qos debug -C gpu --gpus-per-node 4 -A m1_g -- hostname
t_eq "--qos -C --gpus-per-node: exit 0" 0 "$RC"
t_match "--qos: a directive" '#SBATCH --qos=debug' "$OUT"
t_match "-C: a directive" '#SBATCH --constraint=gpu' "$OUT"
t_match "--gpus-per-node: a directive" '#SBATCH --gpus-per-node=4' "$OUT"
t_run sub "$S/bin-slurm" --dry-run --gpus-per-node four -- hostname
t_eq "--gpus-per-node four: usage error" 2 "$RC"
t_run sub "$S/bin-slurm" --dry-run --qos 'a b' -- hostname
t_eq "--qos with a blank: usage error" 2 "$RC"
t_run sub "$S/bin-pbs" --dry-run --qos debug -- hostname
t_eq "--qos to PBS: usage error" "2:ezpz: submit: --qos is a Slurm option; this job goes to pbs (scheduler from qsub on PATH)" "$RC:$ERR"
t_run sub "$S/bin-slurm" --dry-run --machine nosuch -- hostname
t_eq "--machine unknown: usage error" "2:ezpz: submit: --machine 'nosuch': no such machine profile (see 'ezpz info' and ezpz-machines(5))" "$RC:$ERR"
t_run sub "$S/bin-slurm" --dry-run --machine perlmutter --scheduler slurm -- hostname
t_eq "--machine perlmutter: exit 0" 0 "$RC"
t_run sub "$S/bin-slurm" --dry-run -N 2 --sched-args --exclusive --mem=0 -- job.sh
t_eq "--sched-args (script): sbatch gets them last, as they are" "0:sbatch --nodes=2 --exclusive --mem=0 job.sh" "$RC:$OUT"
t_run sub "$S/bin-slurm" --sched-args --exclusive -- -N 3 -- hostname
t_eq "--sched-args (command), then more options: exit 0" 0 "$RC"
t_eq "... sbatch got them before the script" "--exclusive"$'\n'"$(scripts)" "$(cat "$SUBMIT_RECORD.argv")"
t_match "... and the options after them count" '#SBATCH --nodes=3' "$(cat "$(scripts)")"
rm -f "$ST"/ezpz-submit-* "$SUBMIT_RECORD".*
t_run sub "$S/bin-slurm" --sched-args --exclusive -- hostname -f
t_eq "--sched-args, then the command without a second '--'" "0:--exclusive"$'\n'"$(scripts)" "$RC:$(cat "$SUBMIT_RECORD.argv")"
t_match "... the command is the rest" "launch -- hostname -f$" "$(cat "$(scripts)")"
rm -f "$ST"/ezpz-submit-* "$SUBMIT_RECORD".*
t_run sub "$S/bin-slurm" --sched-args --exclusive hostname
t_eq "--sched-args without its '--': usage error" 2 "$RC"
t_match "... saying where they end" "--sched-args: its words end at '--'" "$ERR"

# ---- templates ------------------------------------------------------------------------------------
t_run ezpz_clean PATH="$S/bin-slurm" EZPZ_CONFIG_DIR="$S/config" "$EZPZ" submit --dry-run -A a1 --env : -- hostname
t_eq "site template from EZPZ_CONFIG_DIR/templates/slurm.sh" "#!/bin/bash
# Site template for t-submit (EZPZ_CONFIG_DIR/templates/slurm.sh).
#SBATCH --nodes=1
#SBATCH --account=a1
#SBATCH --constraint=gpu
cd '@WD@'
:
srun --ntasks-per-node=1 hostname
@EZPZ@ launch -- hostname" "$(norm "$OUT")"
printf '#!/bin/bash\n#SBATCH -q {{qoss}}\n{{run}}\n' >bad.tmpl
t_run sub "$S/bin-slurm" --dry-run --template bad.tmpl -- hostname
t_eq "bad template: exit 1" 1 "$RC"
t_match "bad template: file, line, placeholder" "^ezpz: submit: template 'bad.tmpl': line 2: unknown placeholder '\{\{qoss\}\}'" "$ERR"
t_run sub "$S/bin-slurm" --dry-run --template missing.tmpl -- hostname
t_eq "missing template" "1:ezpz: submit: template 'missing.tmpl': No such file or directory" "$RC:$ERR"
# An empty placeholder beside {{run}} (no queue here) must not drop the command.
printf '#!/bin/bash\n#SBATCH -p {{queue}}\n{{queue}}{{run}}\n' >qrun.tmpl
t_run sub "$S/bin-slurm" --dry-run --template qrun.tmpl -- hostname
t_eq "template: the {{run}} line stays when a placeholder beside it is empty" \
	"0:#!/bin/bash
@EZPZ@ launch -- hostname" "$RC:$(norm "$OUT")"

# ---- usage ------------------------------------------------------------------------------------------
t_run sub "$S/bin-slurm"
t_eq "no command: exit 2" 2 "$RC"
t_match "no command: shows both forms" "give a command after '--' or a job script" "$ERR"
t_run sub "$S/bin-slurm" python3 train.py
t_eq "a command without '--'" "2:ezpz: submit: 'python3' is not a job script; to submit a command, put it after '--': ezpz submit [OPTIONS] -- python3 ..." "$RC:$ERR"
t_run sub "$S/bin-slurm" --scheduler lsf -- hostname
t_eq "bad --scheduler" "2:ezpz: submit: --scheduler 'lsf': use pbs or slurm" "$RC:$ERR"
t_run sub "$S/bin-slurm" --dry-run -t 99:99:99 -- hostname
t_eq "walltime out of range: a usage error" "2:ezpz: submit: --time '99:99:99': minutes and seconds must be below 60 (want HH:MM:SS; Slurm also takes MINUTES, MINUTES:SS, DAYS-HH, DAYS-HH:MM or DAYS-HH:MM:SS)" "$RC:$ERR"
t_run sub "$S/bin-slurm" --dry-run --scheduler pbs -t 10 job.sh
t_eq "walltime: a plain number is refused for PBS (seconds there, minutes to Slurm)" "2:ezpz: submit: --time '10': PBS takes HH:MM:SS (a plain number is seconds to PBS, minutes to Slurm)" "$RC:$ERR"
t_run sub "$S/bin-slurm" --dry-run -t 1-12:00 -- hostname
t_match "walltime: Slurm's DAYS-HH:MM goes to sbatch as given" "^#SBATCH --time=1-12:00$" "$OUT"
t_run sub "$S/bin-slurm" -t '1 hour' -- hostname
t_eq "blank in a directive value" "2:ezpz: submit: --time '1 hour': blanks and control characters are not allowed (the value goes into a #PBS/#SBATCH line)" "$RC:$ERR"
t_run sub "$S/bin-slurm" -N 0 -- hostname
t_eq "-N 0: exit 2" 2 "$RC"
t_eq "usage errors wrote nothing" "" "$(scripts)"

# ---- what a review found ------------------------------------------------------------
t_run sub "$S/bin-slurm" --dry-run --sched-args --quiet -- -- hostname
t_eq "--sched-args --quiet (no job id to read): usage error" 2 "$RC"
for w in --qu --quie -QJx; do
	t_run sub "$S/bin-slurm" --dry-run --sched-args "$w" -- -- hostname
	t_eq "--sched-args $w (sbatch reads it as --quiet/-Q): usage error" 2 "$RC"
done
t_run sub "$S/bin-pbs" --dry-run --sched-args -z -- -- hostname
t_eq "--sched-args -z to qsub: usage error" 2 "$RC"
t_run ezpz_clean EZPZ_MACHINE=polars PATH="$S/bin-pbs" "$EZPZ" submit --dry-run -- true
t_eq "EZPZ_MACHINE misspelled: usage error, as --machine" \
	"2 ezpz: submit: EZPZ_MACHINE 'polars': no such machine profile (see 'ezpz info' and ezpz-machines(5))" \
	"$RC $ERR"
t_run sub "$S/bin-slurm" --dry-run --gpus-per-node 4 -- true
t_match "--gpus-per-node 4: a task per GPU" "#SBATCH --gpus-per-node=4
#SBATCH --ntasks-per-node=4" "$OUT"
printf '#!/bin/bash\n#SBATCH -N 1\necho "$@"\n' > job.sh
t_run sub "$S/bin-slurm" --dry-run job.sh python3 'a b'
t_eq "a job script and its arguments (sbatch)" "0 sbatch job.sh python3 'a b'" "$RC $OUT"
t_run sub "$S/bin-pbs" --dry-run job.sh python3
t_eq "... qsub takes none: usage error" 2 "$RC"
t_run sub "$S/bin-slurm" --dry-run missing.sh
t_eq "a missing job script: usage error naming it" \
	"2 ezpz: submit: job script 'missing.sh': No such file or directory (a command goes after '--')" "$RC $ERR"
printf 'x = 1\n' > notascript.py
t_run sub "$S/bin-slurm" --dry-run notascript.py --lr 1
t_eq "a file without '#!' and arguments: not a job script" 2 "$RC"
t_run sub "$S/bin-slurm" -o 'my out.sh' --sched-args --exclusive -- -- hostname
t_eq "-o: the command to submit it carries --sched-args, quoted" \
	"ezpz submit: wrote my out.sh; submit it with: sbatch --exclusive 'my out.sh'" "$ERR"
t_run sub "$S/bin-slurm" -o '' -- hostname
t_eq "-o '': usage error" 2 "$RC"
t_run sub "$S/bin-slurm" --dry-run -o x.sh -- hostname
t_eq "--dry-run and -o: usage error, nothing written" "2 no" "$RC $([ -e x.sh ] && echo yes || echo no)"
printf '#!/bin/bash\n#SBATCH -N {{nodes}}\n{{run}}\n' > small.tmpl
t_run sub "$S/bin-slurm" --dry-run --template small.tmpl -t 00:10:00 -- true
t_eq "a template without {{time}}, and -t: usage error" \
	"2 ezpz: submit: template 'small.tmpl' has no {{time}}: -t/--time would be lost; add a line with it (see ezpz-submit(1)), or leave the option out" \
	"$RC $ERR"
t_run sub "$S/bin-slurm" --dry-run --template small.tmpl -N 2 -- true
t_eq "... what it has is fine" 0 "$RC"
printf '#!/bin/bash --login\n#PBS -l select={{select}}\n#PBS -A {{account}}\n#PBS -l filesystems=home:flare\n{{run}}\n' > site.tmpl
t_run ezpz_clean EZPZ_MACHINE=aurora PROJECT=p1 PATH="$S/bin-pbs" "$EZPZ" submit --dry-run --template site.tmpl -- true
t_eq "... a profile's default filesystems is not an option given: fine without {{filesystems}}" 0 "$RC"
t_run ezpz_clean EZPZ_MACHINE=aurora PROJECT=p1 PATH="$S/bin-pbs" "$EZPZ" submit --dry-run --template site.tmpl \
	--filesystems home -- true
t_eq "... --filesystems given: it would be lost, usage error" 2 "$RC"
printf '#!/bin/bash\n#PBS -l select=1\necho hi\n' > pjob.sh
t_run ezpz_clean EZPZ_MACHINE=polaris PATH="$S/bin-pbs" "$EZPZ" submit --dry-run pjob.sh
t_eq "script mode on a machine that needs an account, none given: usage error" 2 "$RC"
t_run ezpz_clean EZPZ_MACHINE=polaris PROJECT=p1 PATH="$S/bin-pbs" "$EZPZ" submit --dry-run pjob.sh
t_eq "... \$PROJECT goes to qsub" "0 qsub -A p1 pjob.sh" "$RC $OUT"
printf '#!/bin/bash\n#PBS -q debug -A own\necho hi\n' > ojob.sh
t_run ezpz_clean EZPZ_MACHINE=polaris PATH="$S/bin-pbs" "$EZPZ" submit --dry-run ojob.sh
t_eq "... a script that names its own account" "0 qsub ojob.sh" "$RC $OUT"
t_run sub "$S/bin-pbs" --dry-run -l walltime=2:00:00 -- true
t_eq "-l walltime=: usage error (use -t)" 2 "$RC"
t_run sub "$S/bin-pbs" --dry-run -l select=2 -l select=3 -- true
t_eq "-l select= twice: usage error" 2 "$RC"
t_run sub "$S/bin-slurm" --dry-run --filesystems home -- true
t_eq "--filesystems to Slurm: usage error" 2 "$RC"
t_done
