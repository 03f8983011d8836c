#!/bin/bash
# The command table: help, version, per-command --help, unknown commands and
# options, and the documented exit codes.
. "$EZPZ_TOP/tests/lib.sh"

t_run "$EZPZ" --version
t_eq "--version exits 0" 0 "$RC"
t_match "--version prints the version" '^ezpz [0-9]+\.[0-9]+\.[0-9]+$' "$OUT"

t_run "$EZPZ" help
t_eq "help exits 0" 0 "$RC"
for c in launch info rankenv hostlist help; do
	t_match "help lists $c" "^  $c " "$OUT"
done

t_run "$EZPZ"
t_eq "no command: exit 2" 2 "$RC"
t_match "no command: usage on stderr" '^usage: ezpz ' "$ERR"

t_run "$EZPZ" lanch
t_eq "unknown command: exit 2" 2 "$RC"
t_eq "unknown command: one line on stderr, with the close one" "ezpz: unknown command 'lanch'; did you mean 'launch'? (see 'ezpz help')" "$ERR"
t_run "$EZPZ" frobnicate
t_eq "unknown command far from all: no suggestion" "ezpz: unknown command 'frobnicate' (see 'ezpz help')" "$ERR"
t_run "$EZPZ" doctr
t_match "command typo (a letter missing): did you mean" "did you mean 'doctor'\?" "$ERR"
t_eq "unknown command: nothing on stdout" "" "$OUT"

for c in launch info rankenv hostlist help; do
	t_run "$EZPZ" "$c" --help
	t_eq "$c --help exits 0" 0 "$RC"
	t_match "$c --help prints usage on stdout" "^usage: ezpz $c" "$OUT"
	t_eq "$c --help: nothing on stderr" "" "$ERR"
done
t_run "$EZPZ" help launch
t_match "help launch = launch --help" '^usage: ezpz launch' "$OUT"
t_run "$EZPZ" help launch extra
t_eq "help with two commands: a usage error naming the extra word" \
	"2:ezpz: help: one command at a time ('extra' after 'launch')" "$RC:$ERR"
for v in --version -V version; do
	t_run "$EZPZ" $v extra
	t_eq "$v with an operand: a usage error, as 'version' says" "2:ezpz: version: takes no operands" "$RC:$ERR"
done

t_run "$EZPZ" info --bogus
t_eq "unknown option: exit 2" 2 "$RC"
t_eq "unknown option: one line naming it" "ezpz: info: unknown option '--bogus' (see 'ezpz info --help')" "$ERR"
t_run "$EZPZ" info extra
t_eq "unexpected operand: exit 2" 2 "$RC"

t_run "$EZPZ" launch --timeout
t_eq "missing value: exit 2" 2 "$RC"
t_eq "missing value: names the option" "ezpz: launch: option '--timeout' needs a value (SECONDS)" "$ERR"
t_run "$EZPZ" launch --retries=-1 true
t_eq "negative retries: exit 2" 2 "$RC"
t_run "$EZPZ" launch -n four true
t_eq "bad number: names option and value" "ezpz: launch: option '-n': 'four' is not a whole number" "$ERR"

# A write error on stdout is a failure, not a silent truncation.
if [ -w /dev/full ]; then
	t_run "$EZPZ" help
	"$EZPZ" help > /dev/full 2>"$T_TMP/err"
	t_eq "stdout write error: exit 1" 1 "$?"
	t_match "stdout write error: said" 'write error on standard output' "$(cat "$T_TMP/err")"
fi
t_done
