#!/bin/bash
# t-hostlist: 'ezpz hostlist expand' and 'ezpz hostlist compress' on the
# command line: arguments and stdin, the error format and exit codes (1 for
# a bad expression or host, 2 for a bad command line), --help, and a
# 100,000-host expansion that must take well under a second.
. "$EZPZ_TOP/tests/lib.sh"

hl() { ezpz_clean "$EZPZ" hostlist "$@"; }
nl=$'\n'

# ---- expand ---------------------------------------------------------------------
t_run hl expand 'nid[001-003,010]' login1
t_eq "expand: arguments" "nid001${nl}nid002${nl}nid003${nl}nid010${nl}login1" "$OUT"
t_eq "expand: exit 0" 0 "$RC"
t_eq "expand: quiet" "" "$ERR"

t_run hl expand 'b04-[09-10]' 'n[1-010]'
t_eq "expand: zero padding from the lower bound" \
	"b04-09${nl}b04-10${nl}n1${nl}n2${nl}n3${nl}n4${nl}n5${nl}n6${nl}n7${nl}n8${nl}n9${nl}n10" "$OUT"

t_run hl expand 'a[1-2]b[3-4]c[5-6]'
t_eq "expand: three groups in Slurm's order" \
	"a1b3c5${nl}a1b3c6${nl}a2b3c5${nl}a2b3c6${nl}a1b4c5${nl}a1b4c6${nl}a2b4c5${nl}a2b4c6" "$OUT"

t_run bash -c "printf 'n[1-2]\n\n  x y,z  \nb[09-10]\r\n' | env -i LC_ALL=C.UTF-8 '$EZPZ' hostlist expand"
t_eq "expand: stdin, one expression a line (blank line, CRLF)" \
	"n1${nl}n2${nl}x${nl}y${nl}z${nl}b09${nl}b10" "$OUT"
t_eq "expand: stdin exit 0" 0 "$RC"

t_run hl expand ''
t_eq "expand: empty expression, no hosts" "0:" "$RC:$OUT"

t_run hl expand -- -n1
t_eq "expand: '--' before a name starting with '-'" "-n1" "$OUT"

t_run hl expand 'n[3-1]'
t_eq "expand: bad expression exits 1" 1 "$RC"
t_eq "expand: error names the expression and the problem" \
	"ezpz: hostlist 'n[3-1]': range 3-1 at column 3 is descending (write 1-3)" "$ERR"
t_eq "expand: nothing on stdout for it" "" "$OUT"

t_run hl expand 'n[1-3'
t_eq "expand: unbalanced '['" "ezpz: hostlist 'n[1-3': unbalanced '[' at column 2: no ']' closes it" "$ERR"

t_run hl expand 'n[0-999999999]'
t_match "expand: a huge range is refused at once" "^ezpz: hostlist 'n\[0-999999999\]': range 0-999999999 .*65536" "$ERR"

t_run hl expand 'a[0-65535]b[0-65535]'
t_eq "expand: more than the cap" "1:ezpz: hostlist 'a[0-65535]b[0-65535]': expands to more than 1048576 hosts" "$RC:$ERR"

t_run hl expand a 'n[' b
t_eq "expand: a bad argument is reported, the others still expanded" "a${nl}b" "$OUT"
t_eq "expand: ... and the exit status is 1" 1 "$RC"
t_eq "expand: ... with one error line" "ezpz: hostlist 'n[': unbalanced '[' at column 2: no ']' closes it" "$ERR"

t_run bash -c "printf 'a\nn[1,,2]\nb\n' | env -i LC_ALL=C.UTF-8 '$EZPZ' hostlist expand"
t_eq "expand: stdin goes on after a bad line" "1:a${nl}b" "$RC:$OUT"
t_eq "expand: stdin error" "ezpz: hostlist 'n[1,,2]': empty range at column 5 (a ',' or '[]' with no number)" "$ERR"

# ---- compress -------------------------------------------------------------------
t_run hl compress n1 n2 n3 n5
t_eq "compress: arguments" "0:n[1-3,5]" "$RC:$OUT"

t_run bash -c "printf 'nid009\r\n  nid010  \n\nnid011\nlogin1\n' | env -i LC_ALL=C.UTF-8 '$EZPZ' hostlist compress"
t_eq "compress: stdin, trimmed, blank lines skipped, zero padding kept" "nid[009-011],login1" "$OUT"

t_run hl compress r1n1 r1n2 r2n1 r2n2
t_eq "compress: two groups" "r[1-2]n[1-2]" "$OUT"

t_run hl compress n3 n2 n1
t_eq "compress: order kept" "n3,n2,n1" "$OUT"

t_run bash -c "env -i LC_ALL=C.UTF-8 '$EZPZ' hostlist compress </dev/null | wc -c"
t_eq "compress: no hosts print nothing, as expand does" "0:0" "$RC:$OUT"

t_run hl compress n1 'a,b' n2
t_eq "compress: a host with a comma" "1:ezpz: hostlist compress: host 'a,b' contains ',', which separates hosts in a hostlist" "$RC:$ERR"
t_eq "compress: nothing printed on error" "" "$OUT"

t_run bash -c "printf 'n[1-2]\\0,m1\\nm[3-4]\\n' | env -i LC_ALL=C.UTF-8 '$EZPZ' hostlist expand"
t_eq "expand: a line with a NUL byte is reported, not cut short; the others expand" \
	"1:m3 m4:ezpz: hostlist: standard input: a line has a NUL byte (not text): 'n[1-2]...'" \
	"$RC:$(echo $OUT):$ERR"
t_run bash -c "printf 'n1\\0junk\\nn2\\n' | env -i LC_ALL=C.UTF-8 '$EZPZ' hostlist compress"
t_eq "compress: likewise, and nothing printed" "1:" "$RC:$OUT"

t_run hl compress 'n[1-2]'
t_match "compress: an expression is pointed to expand" "host 'n\[1-2\]' contains '\[' \(to compress an expression, expand it first" "$ERR"

t_run hl compress n1 ''
t_eq "compress: empty host name" "1:ezpz: hostlist compress: empty host name" "$RC:$ERR"

# round trip through both subcommands
for e in 'nid[0001-0128]' 'x1000c0s[0-7]b0n[0]' 'r[1-4]n[01-16]' 'n[1-3,5,7-9],login[1-2]' 'a,b,c'; do
	t_run bash -c "env -i '$EZPZ' hostlist expand '$e' | env -i '$EZPZ' hostlist compress"
	t_eq "round trip: $e" "$e" "$OUT"
done

# ---- command line ---------------------------------------------------------------
t_run hl
t_eq "no subcommand: usage error" "2:ezpz: hostlist: missing subcommand: expand or compress (see 'ezpz hostlist --help')" "$RC:$ERR"

t_run hl squash n1
t_eq "unknown subcommand: usage error" "2:ezpz: hostlist: unknown subcommand 'squash': expected expand or compress (see 'ezpz hostlist --help')" "$RC:$ERR"

t_run hl expand -x n1
t_eq "unknown option: usage error" "2:ezpz: hostlist expand: unknown option '-x' (see 'ezpz hostlist expand --help')" "$RC:$ERR"
t_eq "unknown option: nothing expanded" "" "$OUT"

t_run hl --frob expand n1
t_eq "unknown option before the subcommand" "2:ezpz: hostlist: unknown option '--frob' (see 'ezpz hostlist --help')" "$RC:$ERR"

for args in "--help" "-h" "expand --help" "compress -h"; do
	# shellcheck disable=SC2086
	t_run hl $args
	t_eq "$args: exit 0, quiet" "0:" "$RC:$ERR"
	t_match "$args: usage on stdout" "^usage: ezpz hostlist expand \[EXPR\.\.\.\]" "$OUT"
	t_match "$args: both forms" "^       ezpz hostlist compress \[HOST\.\.\.\]" "$OUT"
done

t_run ezpz_clean "$EZPZ" help
t_match "listed in 'ezpz help'" "^  hostlist +expand or compress a Slurm hostlist" "$OUT"

t_run bash -c "env -i '$EZPZ' hostlist expand 'n[1-3]' >/dev/full"
t_eq "a write error is a failure" 1 "$RC"

# ---- speed ----------------------------------------------------------------------
t0=$(date +%s%N)
t_run hl expand 'nid[000000-065535,065536-099999]'
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
echo "# 100000 hosts expanded and printed in $ms ms"
t_eq "100000 hosts: count" 100000 "$(printf '%s\n' "$OUT" | wc -l)"
t_eq "100000 hosts: last" nid099999 "${OUT##*"$nl"}"
if [ "$ms" -lt 2000 ]; then t_pass "100000 hosts in under 2 s ($ms ms)"; else t_fail "100000 hosts took $ms ms"; fi

t_done
