#!/bin/bash
# `ezpz launch --auto-retry`, --exclude/--include, --log-dir and --label
# through the real exec path, with a PALS-like stub mpiexec that fails on
# one host as Aurora does: the new options are ezpz's (never the launcher's,
# never the command), hosts are checked against the job's, a bad host named
# by the machine's pattern is swapped for a spare, and a program error stops
# at once.  Across real launchers: tests/integration/t-failover-*.sh.
. "$EZPZ_TOP/tests/lib.sh"

H1=x4105c0s4b0n0.hostmgmt2204.cm.aurora.alcf.anl.gov
H2=x4105c0s5b0n0.hostmgmt2204.cm.aurora.alcf.anl.gov
mkdir -p "$T_TMP/bin"
# The stub: records its argv; a host named $BAD in its hostfile dies as
# Aurora's nodes do (the PALS shepherd line, and a cascade on the other);
# $ALLFAIL makes every rank exit 1 with the same traceback.
cat > "$T_TMP/bin/mpiexec" <<'STUB'
#!/bin/bash
[ "${1-}" = --version ] && { echo "mpiexec version 1.0 (PALS stub)"; exit 0; }
printf '%s\n' "$@" >> "$T_TMP/argv"
for a; do case $a in --hostfile=*) hf=${a#--hostfile=} ;; esac; done
echo "hostfile: $(tr '\n' ' ' < "$hf")"
if [ -n "${ALLFAIL-}" ]; then
	for r in 0 1; do printf 'Traceback (most recent call last):\n  File "t.py", line 1\nNameError: x\n'; done
	echo "${hf##*/}: rank 0 exited with code 1" >&2
	exit 1
fi
if [ -n "${BAD-}" ] && grep -q "^$BAD" "$hf"; then
	echo "other: rank 3 died from signal 15" >&2
	echo "$BAD.hsn.cm.aurora.alcf.anl.gov: shepherd died from signal 9" >&2
	exit 1
fi
exit 0
STUB
chmod +x "$T_TMP/bin/mpiexec"
export T_TMP
frun() {   # frun ARGS... : ezpz in the Aurora fixture job, with the stub
	rm -f "$T_TMP/argv"
	t_run env -i PATH="$T_TMP/bin:/usr/bin:/bin" HOME="$T_TMP" LC_ALL=C.UTF-8 T_TMP="$T_TMP" \
		BAD="${BAD-}" ALLFAIL="${ALLFAIL-}" EZPZ_HOSTNAME=x4105c0s4b0n0 \
		EZPZ_TOPOLOGY="$FIX/topo/aurora-like.xml" PBS_JOBID=8518207.aurora-pbs-0001 \
		PBS_NODEFILE="$FIX/job/aurora-2n.nodefile" "$EZPZ" "$@"
}
cd "$T_TMP" || exit 1

# --- the options are ezpz's ---------------------------------------------------
frun launch --dry-run -q --no-rankenv --spare-nodes 1 --auto-retry python3 t.py
t_eq "--spare-nodes 1: exit 0" 0 "$RC"
t_match "... 1 is not the command, the hostfile is the attempt's" \
	"--hostfile=$T_TMP/logs/failover-8518207/attempt-1/hostfile .*python3 t.py\$" "$OUT"
t_nomatch "... and --auto-retry does not reach the launcher" "auto-retry|spare" "$OUT"
frun launch -q --auto-retry python3 t.py
t_eq "--auto-retry without a size: usage error" 2 "$RC"
t_match "... saying what to give" "needs the number of hosts to run on: give -nh N, -n N or --spare-nodes N" "$ERR"
frun launch -q --auto-retry --retries 2 -nh 1 python3 t.py
t_eq "--auto-retry with --retries 2: usage error" 2 "$RC"
frun launch -q --auto-retry -nh 1 --spare-nodes 2 python3 t.py
t_eq "more spares than hosts left: usage error" 2 "$RC"
frun launch -q --label --no-rankenv true
t_eq "--label needs rankenv" 2 "$RC"
frun launch --dry-run -q --max-failover-retries 3 --log-dir d --label python3 t.py
t_match "--label, --log-dir: rankenv labels and keeps the ranks' output" \
	"rankenv --label --report --log-dir $T_TMP/d/attempt-1 -- python3 t.py\$" "$OUT"
frun launch --dry-run -q --filter foo python3 t.py
t_match "--filter FOO: ignored, with a warning; FOO is not the command" "ignored" "$ERR"
t_match "... " "rankenv -- python3 t.py\$" "$OUT"

# --- hosts ---------------------------------------------------------------------
frun launch -q --no-rankenv --exclude x4105c0s4b0n0 -- true
t_eq "--exclude: exit 0" 0 "$RC"
t_match "--exclude: the launcher gets a hostfile of the other host only" "hostfile: $H2 \$" "$OUT"
t_match "... and one host's ranks" "--np=12" "$(tr '\n' ' ' < argv)"
t_eq "... which is removed afterwards" "" "$(ls "${TMPDIR:-/tmp}"/ezpz-hosts-* 2>/dev/null | head -1)"
frun launch -q --no-rankenv --include x4105c0s4b0n0,x4105c0s5b0n0 --exclude x4105c0s5b0n0 -- true
t_match "--include with a hostlist, then --exclude" "hostfile: $H1 \$" "$OUT"
frun launch -q --exclude n9 -- true
t_eq "--exclude a host that is not the job's: usage error" 2 "$RC"
t_match "... naming it and the job's hosts" "'n9' is not one of the job's hosts \(x4105c0s4b0n0.hostmgmt2204.cm.aurora.alcf.anl.gov," "$ERR"
frun launch -q --exclude x4105c0s4b0n0,x4105c0s5b0n0 -- true
t_eq "--exclude every host: usage error" 2 "$RC"

# --- failover --------------------------------------------------------------------
BAD=x4105c0s4b0n0 frun launch -q --no-rankenv --auto-retry -nh 1 --log-dir fo -- python3 t.py
t_eq "a bad node, one spare: the job finishes (exit 0)" 0 "$RC"
t_match "attempt 1 ran on the bad host" "hostfile: $H1 \$" "$(cat fo/attempt-1.log)"
t_match "attempt 2 on the spare" "hostfile: $H2 \$" "$(cat fo/attempt-2.log)"
t_match "the table: attempt 1, node failure named by Aurora's pattern, swapped out" \
	"1 +x4105c0s4b0n0\S* +node failure: the machine's patterns name $H1 .* $H1 -> $H2" "$ERR"
t_match "the table: attempt 2 succeeded" "2 +x4105c0s5b0n0\S* +success" "$ERR"
t_nomatch "the cascade (signal 15) is not swapped" "other" "$(grep 'node failure' <<<"$ERR")"

BAD=x4105c0s4b0n0 frun launch -q --no-rankenv --auto-retry -nh 1 --spare-nodes 0 -- python3 t.py
t_eq "a bad node and no spare: the attempt's exit status" 1 "$RC"
t_match "... says why it stops" "failover stops: no spare host left for $H1" "$ERR"

BAD=x4105c0s4b0n0 frun launch -q --no-rankenv --auto-retry -nh 1 --max-failover-retries 0 -- python3 t.py
t_eq "--max-failover-retries 0: one attempt" "1 1" "$RC $(grep -c '^--np' argv)"

ALLFAIL=1 frun launch -q --no-rankenv --auto-retry -nh 1 -- python3 t.py
t_eq "a program error: exit 1" 1 "$RC"
t_eq "... after one attempt, without swapping" 1 "$(grep -c '^--np' argv)"
t_match "... it says so" "program error .*running again would fail the same way" "$ERR"
t_match "... and names the first failed rank" "first failed rank: 0 on hostfile: exit 1" "$ERR"

# A plain launch (no --log, --timeout, --label, --log-dir or --auto-retry)
# names the first failed rank too: ezpz reads the launcher's stderr on its
# way through, and leaves stdout alone.
ALLFAIL=1 frun launch -q --no-rankenv -- python3 t.py
t_eq "a plain launch that fails: the launcher's exit status" 1 "$RC"
t_match "... names the first failed rank, host and status" \
	"^ezpz launch: first failed rank: 0 on aurora-2n.nodefile: exit 1\$" "$ERR"
t_eq "... the launcher's own report reaches stderr once" 1 \
	"$(grep -c '^aurora-2n.nodefile: rank 0 exited with code 1$' <<<"$ERR")"
t_eq "... and stdout is the launcher's, untouched" 2 "$(grep -c '^NameError: x$' <<<"$OUT")"
frun launch -q --no-rankenv -- python3 t.py
t_eq "a plain launch that succeeds: exit 0" 0 "$RC"
t_nomatch "... names no failed rank" "first failed rank" "$ERR"
t_done
