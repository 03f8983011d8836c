#!/bin/bash
# t-hostlist-scontrol: 'ezpz hostlist expand' against the real
# 'scontrol show hostnames' over hand-picked edge cases and a seeded random
# corpus (well-formed expressions, then the same with random edits: deleted,
# doubled or inserted brackets, commas, dashes, blanks, signs, letters).
#
# For every expression: if scontrol says anything on stderr (or crashes),
# ezpz must reject it.  If scontrol accepts it quietly, ezpz must print the
# same hosts in the same order, unless the expression is outside the grammar
# of src/hostlist.c, where ezpz refuses what scontrol misreads.  That is
# decided here by checks of its own, not by ezpz's message: malformed
# brackets, a byte other than digits, '-' and ',' inside brackets, "1-]" or
# "1-,", a run of 20+ digits (past ULONG_MAX scontrol clamps, crashes or
# loops), a group before the last with more than 65536 hosts in a name of
# three or more groups (scontrol drops the name), more than 1048576 hosts,
# more than 16777216 bytes of names.
# Then the hosts of accepted expressions are compressed by ezpz and expanded
# by scontrol again: compress must write what Slurm reads back unchanged
# (srun --nodelist uses it).
#
# scontrol needs a slurm.conf even for 'show hostnames' (it reads the config
# before any command, and fails without one); a two-line one is enough.
# EZPZ_HL_SEED and EZPZ_HL_COUNT change the random corpus.
. "$EZPZ_TOP/tests/lib.sh"

need_cmd scontrol awk timeout
# Bytes, not characters: in a UTF-8 locale bash's read takes a stray lead
# byte and the newline after it for one character, and joins two lines.
export LC_ALL=C
seed=${EZPZ_HL_SEED:-20240601}
count=${EZPZ_HL_COUNT:-3000}
cd "$T_TMP" || t_bail "no $T_TMP"

printf 'ClusterName=ezpztest\nSlurmctldHost=localhost\n' >slurm.conf
sc() { SLURM_CONF=$T_TMP/slurm.conf timeout 10 scontrol show hostnames="$1" </dev/null; }
t_atleast() {   # WHAT MIN N
	if [ "${3:-0}" -ge "$2" ]; then t_pass "$1: at least $2 ($3)"; else t_fail "$1: only ${3:-0}, want $2"; fi
}
[ "$(sc 'n[1-2]' 2>&1)" = $'n1\nn2' ] ||
	t_bail "scontrol does not answer with a minimal slurm.conf: $(sc 'n[1-2]' 2>&1 | head -3)"

# ---- the corpus -----------------------------------------------------------------
{
cat <<'EOF'
node001
  node001  
node[001,003,005]
node[001-003,007,010-012]
x3[0001-0003]
b04-[09-10]
host-[001-002]
c[1-2]
nodeA,nodeB[001,003],nodeC
linux[1-2],linux5
n[1-010]
n[09-10]
n[09-010]
n[001-10]
n[01-3]
n[7-007]
n[007-7]
n[0100-99]
n[098-101]
n[1-2]b[3-4]
a[1-2]b[3-4]c[5-6]
a[1-2]b[1-2]c[1-2]d[1-2]
r[1-2]n[1]
n[1][2]
n[1-2][3-4]
x1000c0s[0-1]b0n[0]
[1-3]
[]
n[]
n[]x[1]
n[1-3]b[]
a,,b
a,b,
,a
,,,
n[1,1,2]
a,a
 a , b 
a b
n[0-65535]
n[0-65536]
n[0-999999999]
n[1-9999999999999999999]
n[-1-2]
n[a-c]
n[1x2]
x[1-2]
n[1-3,5]s
n[1-2]b
r[1-2]n1
a[1-2]b[3-4],c[5]d
a-b[1-2]
ü[1-2]
n[1-3
n[1-2
[1-3
n1-2]
n[[1-2]]
n[1-2]]
n[1]]x
a]b[1-2]
a[b[1-2]
a[1]b[2
x[1,[2],3]
n[1, 2]
n[1 ,2]
n[ 1-3]
n[+1]
n[1-+3]
n[1- 3]
n[1a-3]
n[1-]
n[1--3]
n[1-2-3]
n[1,,2]
n[1,]
n[,1]
a[3-1]b[1]c[1],x
a[0-65535,0]b[1]
a[0-65535,0]b[1]c[1],x
a[0-65535]b[1]
n99999999999999999999999
n18446744073709551614
n18446744073709551615
n18446744073709551616
n18446744073709551614,n18446744073709551615
n[99999999999999999999]
n[18446744073709551614]
n[18446744073709551615]
n[18446744073709551613-18446744073709551614]
n[18446744073709551614-18446744073709551615]
n[10000000000000000000]
n[00000000000000000000000000001-00000000000000000000000000003]
n[0]
n[00]
n[00-02]
-n1
n1,-x
n-x,n+y;z
a=b
hostnames
EOF
printf 'a\tb c,d\n'
printf 'n[1-2]\tm\n'
printf 'n[1,\t2]\n'
} >corpus

# Random expressions: mostly well formed; a third edited at random.
awk -v seed="$seed" -v count="$count" '
function rnd(n) { return int(rand() * n) }
function pick(s,   a, n) { n = split(s, a, " "); return a[1 + rnd(n)] }
function num(v, w) { return sprintf("%0" w "d", v) }
function bigdigits(   s, i, n) {
	n = 19 + rnd(3); s = ""
	for (i = 0; i < n; i++) s = s rnd(10)
	if (rnd(3) == 0) s = "1844674407370955161" rnd(10)
	return s
}
function range(span, last,   lo, hi, w) {
	if (last && rnd(40) == 0) return bigdigits()
	lo = rnd(4) == 0 ? rnd(1200) : rnd(20)
	w = rnd(3) == 0 ? 1 + rnd(4) : 1
	if (rnd(3) == 0) return num(lo, w)
	hi = lo + rnd(span + 1)
	if (rnd(25) == 0) hi = lo - 1 - rnd(3)      # descending
	if (hi < 0) hi = 0
	return num(lo, w) "-" num(hi, rnd(4) == 0 ? 1 + rnd(4) : 1)
}
function group(k, last,   n, i, s, span) {
	span = k > 1 ? 3 : 12
	n = 1 + rnd(k > 1 ? 2 : 3)
	s = "["
	for (i = 0; i < n; i++) s = s (i ? "," : "") range(span, last)
	return s "]"
}
function text(first) {
	if (first) return pick("n nid x1000c0s r gpu login a-b a.b_c node- c1- ü n0 h:1 X _ q%")
	return pick("b n s b0n c - . _ x1 _")
}
function name(   k, i, s) {
	k = rnd(10) < 3 ? 0 : (rnd(10) < 7 ? 1 : 2 + rnd(2))
	s = rnd(30) == 0 ? "" : text(1)
	if (k == 0) return s (rnd(2) ? rnd(200) : "") (rnd(40) == 0 ? bigdigits() : "")
	for (i = 0; i < k; i++) {
		s = s group(k, i == k - 1)
		if (i < k - 1 && rnd(6)) s = s text(0)
	}
	if (rnd(25) == 0) s = s text(0)                # text after the last group
	return s
}
function sep() { return pick(", , , , ,, ,,, SP TAB SP,SP") }
function fix(s) { gsub(/SP/, " ", s); gsub(/TAB/, "\t", s); return s }
function expr(   n, i, s) {
	n = 1 + rnd(3); s = rnd(15) == 0 ? sep() : ""
	for (i = 0; i < n; i++) s = s (i ? sep() : "") name()
	if (rnd(15) == 0) s = s sep()
	return fix(s)
}
function edit(s,   p, c, n, i) {
	n = 1 + rnd(2)
	for (i = 0; i < n; i++) {
		p = 1 + rnd(length(s) + 1)
		c = pick("[ ] [ ] - , 0 9 x a + SP TAB")
		c = fix(c)
		if (rnd(3) == 0) s = substr(s, 1, p - 2) substr(s, p)                # delete
		else if (rnd(2)) s = substr(s, 1, p - 1) c substr(s, p)              # insert
		else s = substr(s, 1, p - 1) substr(s, p, 1) substr(s, p)            # double
	}
	return s
}
BEGIN {
	srand(seed)
	for (j = 0; j < count; j++) {
		e = expr()
		if (rnd(3) == 0) e = edit(e)
		print e
	}
}' >>corpus || t_bail "cannot generate the corpus"
total=$(wc -l <corpus)

# ---- scontrol, one process per expression, two loops in parallel ----------------
# scontrol loops forever, allocating without end, on a number of ULONG_MAX
# or more in a group before the last ('a[18446744073709551615]b[1]'), and
# takes minutes over a million hosts: each run is bounded in memory and time
# (it then counts as a rejection).
run_scontrol() {   # corpus-part result
	local e
	ulimit -v 300000
	while IFS= read -r e; do
		# A killed scontrol may leave half a line: end it before the marker.
		SLURM_CONF=$T_TMP/slurm.conf timeout 10 scontrol show hostnames="$e" \
			</dev/null 2>"err.$1" || printf '\n@@REJECT\n'
		[ -s "err.$1" ] && echo "@@REJECT"
		echo "@@END"
	done <"$1" >"$2" 2>/dev/null
}
half=$(((total + 1) / 2))
head -n "$half" corpus >part1
tail -n +"$((half + 1))" corpus >part2
t0=$(date +%s)
run_scontrol part1 sc1 &
run_scontrol part2 sc2 &
wait
cat sc1 sc2 >scontrol.out
t1=$(date +%s)

# ---- ezpz, one process for all: a sentinel name after each expression -----------
# Errors stay in place in the merged output: ezpz flushes stdout before it
# writes an error (util.c vmessage).
awk '{ print; print "@@END" }' corpus >ezpz.in
"$EZPZ" hostlist expand <ezpz.in >ezpz.out 2>&1
rc=$?
t2=$(date +%s)
echo "# $total expressions: scontrol $((t1 - t0)) s, ezpz $((t2 - t1)) s (seed $seed)"
t_eq "ezpz exits 1 (the corpus has bad expressions)" 1 "$rc"

# ---- compare --------------------------------------------------------------------
awk -v SC=scontrol.out -v EZ=ezpz.out -v ACC=accepted '
# The lines for one expression into a[1..n] (not one string: joining 65536
# lines one by one is quadratic); returns n.
function block(f, kind, a,   line, n) {
	B_rej = 0; B_why = ""; n = 0
	while ((getline line < f) > 0) {
		if (line == "@@END") return n
		if (kind == "sc" && line == "@@REJECT") { B_rej = 1; continue }
		if (kind == "ez" && index(line, "ezpz: hostlist \047") == 1) {
			B_rej = 1; B_why = line; continue
		}
		a[++n] = line
	}
	print "short read from " f > "/dev/stderr"; exit 3
}
function nbytes(   i, n) { n = 0; for (i = 1; i <= ns; i++) n += length(sa[i]) + 1; return n }
function same(   i) {
	if (ns != nz) return 0
	for (i = 1; i <= ns; i++) if (sa[i] != za[i]) return 0
	return 1
}
function head(a, n,   i, s) {
	s = ""
	for (i = 1; i <= n && i <= 8; i++) s = s a[i] " "
	return s (n > 8 ? "... (" n " hosts)" : "")
}
# The checks that recognise each documented difference, independent of ezpz.
function brackets_bad(e,   i, c, d) {
	d = 0
	for (i = 1; i <= length(e); i++) {
		c = substr(e, i, 1)
		if (c == "[") { if (d) return 1; d = 1 }
		else if (c == "]") { if (!d) return 1; d = 0 }
	}
	return d
}
function junk_in_brackets(e,   i, c, d) {
	d = 0
	for (i = 1; i <= length(e); i++) {
		c = substr(e, i, 1)
		if (c == "[") d = 1
		else if (c == "]") d = 0
		else if (d && index("0123456789,-", c) == 0) return 1
	}
	return 0
}
function no_upper(e) { return e ~ /\[[^]]*-[],]/ }
function big(e) { return e ~ /[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]/ }
function three_groups(e,   t) { t = e; return gsub(/\[/, "", t) >= 3 }
# Outside the grammar of src/hostlist.c, where ezpz refuses what scontrol
# misreads.  ezpz names the first problem it meets, which may be another one.
function outside(e) { return brackets_bad(e) || junk_in_brackets(e) || no_upper(e) || big(e) }
function allowed(e, why) {
	if (why ~ /in a group before the last one/) return three_groups(e)
	if (why ~ /expands to more than 1048576 hosts/) return ns > 1048576
	if (why ~ /expands to more than 16777216 bytes of host names/) return nbytes() > 16777216
	return outside(e)
}
function bad(what, e, z) {
	nbad++
	if (nbad <= 25)
		printf "MISMATCH (%s): [%s]\n  scontrol: %s\n  ezpz:     %s\n", what, e,
		    (srej ? "rejects; " : "") head(sa, ns), z
}
# The kind of a documented difference: the reason ezpz gave, less its specifics.
function kind(why) {
	why = substr(why, length("ezpz: hostlist \047") + length(e) + length("\047: ") + 1)
	gsub(/ at column [0-9]+/, "", why)
	gsub(/\047[^\047]*\047/, "X", why)
	gsub(/[0-9]+(-[0-9]+)?/, "N", why)
	return substr(why, 1, 60)
}
{
	e = $0
	split("", sa); split("", za)
	ns = block(SC, "sc", sa); srej = B_rej
	nz = block(EZ, "ez", za); zrej = B_rej; why = B_why
	if (srej && zrej) { both_rej++; next }
	if (srej && big(e)) { dev["digits past ULONG_MAX in a plain name (scontrol crashes)"]++; next }
	if (srej) { bad("scontrol rejects, ezpz accepts", e, head(za, nz)); next }
	if (!zrej && same()) {
		both_ok++
		# One line: hosts never hold a blank.  Not past ULONG_MAX: Slurm
		# cannot read back a name ending in such a number, however written.
		if (ns > 0 && ns <= 2000 && nacc < 300) {
			t = sa[1]
			for (i = 2; i <= ns; i++) t = t " " sa[i]
			if (!big(t)) { nacc++; print t > ACC }
		}
		next
	}
	if (!zrej && big(e)) { dev["digits past ULONG_MAX in a plain name (scontrol mangles)"]++; next }
	if (zrej && allowed(e, why)) { dev[kind(why)]++; next }
	bad(zrej ? "ezpz rejects, scontrol accepts" : "different hosts", e, zrej ? why : head(za, nz))
}
END {
	printf "# both accept, same hosts: %d; both reject: %d; mismatches: %d\n", both_ok, both_rej, nbad
	for (d in dev) printf "# documented difference x%d: %s\n", dev[d], d
	exit nbad > 0
}' FS='\n' corpus >compare.log
crc=$?
cat compare.log
t_eq "every expression: same hosts as scontrol, or rejected as documented" 0 "$crc"
both_ok=$(sed -n 's/^# both accept, same hosts: \([0-9]*\);.*/\1/p' compare.log)
both_rej=$(sed -n 's/.*both reject: \([0-9]*\);.*/\1/p' compare.log)
# The corpus must exercise both sides, or the comparison proves little.
t_atleast "accepted by both" 1000 "$both_ok"
t_atleast "rejected by both" 300 "$both_rej"

# ---- compress: Slurm reads back what ezpz writes --------------------------------
n=0 nbadc=0
while IFS= read -r line; do
	hosts=${line// /$'\n'}
	expr=$(printf '%s\n' "$hosts" | "$EZPZ" hostlist compress) || { nbadc=$((nbadc + 1)); continue; }
	back=$(sc "$expr" 2>&1)
	if [ "$back" != "$hosts" ]; then
		nbadc=$((nbadc + 1))
		[ "$nbadc" -le 10 ] && printf 'compress gave [%s], scontrol expands it to:\n%s\nnot:\n%s\n' \
			"$expr" "$(head -5 <<<"$back")" "$(head -5 <<<"$hosts")"
	fi
	n=$((n + 1))
done <accepted
echo "# compressed $n host lists"
t_eq "compress output expands under scontrol to the same hosts" 0 "$nbadc"
t_atleast "host lists compressed" 250 "$n"

t_done
