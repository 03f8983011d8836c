#!/bin/bash
# tests/integration/t-test-view.sh: what 'ezpz test' shows, run for real
# under mpirun: the short default view (verdict first, human units,
# charts), -v's tables and legend, ASCII charts when the terminal or the
# locale cannot show Unicode, and --plot's SVG: its structure with
# python's XML parser, and a headless Chromium screenshot of it (this part
# skips, 77, where Chromium is not installed; .ci/run installs it).
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=laptop
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID NO_COLOR
T=120
W=(--iters 12 --warmup 2 --max-bytes 65536)
[ "${SANITIZE:-}" = 1 ] && W+=(--layers 64,128,64)
cd "$T_TMP" || t_bail "no $T_TMP"

# The default view: verdict first, then the summary, in human units.
t_run t_timeout $T env LC_ALL=C.UTF-8 TERM=xterm "$EZPZ" test -q -n 2 -- "${W[@]}"
t_eq "default view: exit 0" 0 "$RC"
t_eq "... the verdict is the first line" \
	"PASS: every check passed (placement, data, loss, checkpoint, collectives)" "$(printf '%s\n' "$OUT" | head -1)"
t_match "... step time in human units" "^step time +[0-9.]+ (ms|us|s) median of 10 steps" "$OUT"
t_match "... loss first and last" "^loss +[0-9.e-]+ first step, [0-9.e-]+ last$" "$OUT"
t_match "... the peak allreduce bus bandwidth and its size" \
	"^allreduce peak +[0-9.e+-]+ GB/s bus bandwidth at [0-9.]+ (B|KiB|MiB)$" "$OUT"
t_match "... the largest size, with enough repetitions" \
	"^allreduce large +[0-9.e+-]+ GB/s at 64 KiB \(median of [0-9]+\)$" "$OUT"
t_nomatch "... no raw tables" "^iter=|^collective +bytes|^-- " "$OUT"
t_match "... a braille loss chart" $'^loss per training step.*\n *[0-9.e-]+ \xe2\x94\xa4\xe2\xa0' "$OUT"
t_eq "... bars for each collective" 3 "$(printf '%s\n' "$OUT" | grep -c 'bus bandwidth (GB/s) by message size')"
t_match "... drawn in block characters" $'\xe2\x96\x88' "$OUT"
short=$(printf '%s\n' "$OUT" | wc -l)
t_eq "... and on stderr, each phase as it starts (for --timeout's watchdog), a whole line each" \
	"ezpz-test-worker: checking placement|ezpz-test-worker: checking training|ezpz-test-worker: checking checkpoint|ezpz-test-worker: checking collectives" \
	"$(printf '%s\n' "$ERR" | paste -sd'|')"

# The largest size is measured at least 10 times (the summary says how many).
reps=$(printf '%s\n' "$OUT" | sed -n 's/^allreduce large .*(median of \([0-9]*\))$/\1/p')
t_eq "the largest size: at least 10 repetitions" 1 "$([ "${reps:-0}" -ge 10 ] && echo 1)"

# ASCII when TERM=dumb, NO_COLOR, or a locale that is not UTF-8.
for how in "TERM=dumb LC_ALL=C.UTF-8" "NO_COLOR=1 TERM=xterm LC_ALL=C.UTF-8" "TERM=xterm LC_ALL=C"; do
	# shellcheck disable=SC2086
	t_run t_timeout $T env $how "$EZPZ" test -q -n 2 -- "${W[@]}"
	t_eq "$how: exit 0" 0 "$RC"
	t_eq "$how: the charts are plain ASCII" "" "$(printf '%s\n' "$OUT" | LC_ALL=C grep -n '[^ -~]')"
	t_match "$how: ... and still drawn" "####" "$OUT"
done

# -v: the tables, with a legend that says what dtf, dtb and dtc are.
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -v -n 2 -- "${W[@]}"
t_eq "-v: exit 0" 0 "$RC"
t_match "-v: the iter= lines" "^iter=0 loss=" "$OUT"
t_match "-v: the bandwidth table" "^collective +bytes +reps +time_us +algbw +busbw$" "$OUT"
t_match "-v: the legend explains dtf" "^dtf +forward pass" "$OUT"
t_match "-v: ... dtb" "^dtb +backward pass" "$OUT"
t_match "-v: ... dtc" "^dtc +communication: the gradient allreduce" "$OUT"
t_eq "-v: longer than the default view" 1 "$([ "$(printf '%s\n' "$OUT" | wc -l)" -gt $((short + 30)) ] && echo 1)"

# --plot: one SVG with both charts.
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 2 --plot plot.svg -- "${W[@]}" --json r.json
t_eq "--plot: exit 0" 0 "$RC"
t_eq "--plot: written in the working directory" 1 "$([ -s plot.svg ] && echo 1)"
t_run python3 - plot.svg r.json <<'PY'
import json, sys, xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
res = json.load(open(sys.argv[2]))
def g(i): return root.find(".//s:g[@id='%s']" % i, ns)
print("root", root.tag)
print("title", root.find("s:title", ns).text)
print("charts", g("loss-chart") is not None, g("busbw-chart") is not None)
line = g("loss-chart").find("s:polyline", ns)
print("points", len(line.get("points").split()), line.get("data-points"), res["options"]["iters"])
bars = g("busbw-chart").findall("s:rect[@class='bar']", ns)
print("bars", len(bars), len(res["collectives"]))
print("labels", sorted(t.text for t in root.iter("{%s}text" % ns["s"]) if t.get("class") == "axis-label"))
PY
t_eq "--plot: well-formed XML (python's parser)" 0 "$RC"
t_match "--plot: an SVG root" "^root \{http://www.w3.org/2000/svg\}svg$" "$OUT"
t_match "--plot: ranks and hosts in the title" "^title ezpz test: 2 ranks on 1 host \([^)]+\): PASS$" "$OUT"
t_match "--plot: both charts" "^charts True True$" "$OUT"
t_match "--plot: one point per training step" "^points 12 12 12$" "$OUT"
t_match "--plot: one bar per measurement in the JSON" "^bars ([0-9]+) \1$" "$OUT"
t_match "--plot: axis labels with units" \
	"^labels \['bus bandwidth \(GB/s\)', 'loss', 'message size \(bytes\)', 'training step'\]$" "$OUT"
if command -v xmllint >/dev/null 2>&1; then
	t_run xmllint --noout plot.svg
	t_eq "--plot: xmllint agrees" "0:" "$RC:$ERR"
fi
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 2 --plot "$T_TMP/none/p.svg" -- "${W[@]}"
t_eq "--plot into a missing directory: a usage error (2), before the run" 2 "$RC"
t_eq "... one line, before any host is started" \
	"ezpz: test: --plot '$T_TMP/none/p.svg': cannot write it: No such file or directory" "$ERR"
t_nomatch "... and no verdict, no phase ran" "PASS|checking training" "$OUT$ERR"
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 2 -- "${W[@]}" --checkpoint-dir "$T_TMP/none"
t_eq "-- --checkpoint-dir that is not there: one line, before the launch" \
	"2:ezpz: test: --checkpoint-dir '$T_TMP/none': No such file or directory" "$RC:$ERR"
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 2 -- "${W[@]}" --json "$T_TMP/none/r.json"
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 2 -- "${W[@]}" --json "$T_TMP"
t_eq "-- --json a directory: usage error, before the run" 2 "$RC"
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 2 -- "${W[@]}" --json "$T_TMP/none/r.json"
t_eq "-- --json into a missing directory: the same" "2 no" \
	"$RC $(grep -q 'PASS\|checking training' <<<"$OUT$ERR" && echo yes || echo no)"

# One rank moves no data: no bus bandwidth to show, said so.
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 1 -- "${W[@]}"
t_eq "-n 1: exit 0" 0 "$RC"
t_match "... the summary says a rank alone has no bus bandwidth" \
	"^allreduce +none: 1 rank moves no data \(run 2 or more\)$" "$OUT"
t_nomatch "... rather than 0 GB/s" "^allreduce (peak|large)" "$OUT"
t_eq "... nor a broadcast bandwidth from a rank alone (its 32 ns)" "  (nothing to draw)" \
	"$(grep -A1 '^broadcast bus bandwidth' <<<"$OUT" | tail -n 1)"

# --timeout: the worker says something at least every third of it, so a
# long quiet phase (the short view prints nothing while training) is not
# taken for a hang.  (5 s: a second between lines; the start of MPI on a
# loaded machine must not be what fails here.)
# (training takes 2-3 s here: 150 steps of the default model, or under
# ASan, ~30 times slower, 20 of a small one)
L=(--iters 150)
[ "${SANITIZE:-}" = 1 ] && L=(--iters 20 --layers 64,256,64 --batch 512)
t_run t_timeout $T env LC_ALL=C.UTF-8 "$EZPZ" test -q -n 2 --timeout 5 -- "${L[@]}" --warmup 2 \
	--max-bytes 65536
t_eq "--timeout 5, a training phase of 2-3 s: exit 0" 0 "$RC"
# (at a step, or from its thread while one step runs: whichever comes first)
t_match "... rank 0 said how far training was" \
	"^ezpz-test-worker: (training: step [0-9]+ of ${L[1]}|still checking training)$" "$ERR"

# A real browser draws it: both charts' colours are on the screenshot.
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { t_done; t_skip "no chromium to screenshot the SVG (apt-get install chromium)"; }
t_run t_timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
	--window-size=760,660 --screenshot="$T_TMP/shot.png" "file://$T_TMP/plot.svg"
t_eq "chromium: a screenshot" 1 "$([ -s "$T_TMP/shot.png" ] && echo 1)"
t_run python3 "$EZPZ_TOP/tests/tools/png-colours.py" "$T_TMP/shot.png" 1f77b4 d62728 2ca02c
t_eq "chromium: the PNG decodes" 0 "$RC"
t_match "chromium: 760x660" "^size 760 660$" "$OUT"
t_match "chromium: the loss line and allreduce bars (blue) are drawn" "^1f77b4 [0-9]{3,}$" "$OUT"
t_match "chromium: broadcast bars (red)" "^d62728 [0-9]{2,}$" "$OUT"
t_match "chromium: allgather bars (green)" "^2ca02c [0-9]{2,}$" "$OUT"
t_done
