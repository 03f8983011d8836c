#!/bin/bash
# Help for people: wrapped to a real terminal's width (a pseudo-terminal
# whose width stty sets, through tests/tools/pty-run.py), 80 columns when
# not a terminal; short alias lists; --launcher's values from the backend
# table; 'ezpz help CMD' opening the man page at a terminal; --color and
# NO_COLOR; --version and 'ezpz version'.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd python3 bash stty
PTY=$EZPZ_TOP/tests/tools/pty-run.py
widest() { awk '{ if (length > n) n = length } END { print n + 0 }'; }

cmds=$("$EZPZ" __complete commands | cut -f1)
for c in $cmds; do
	[ "$c" = __complete ] && continue
	t_eq "$c --help, not a terminal: at most 80 columns" ok \
		"$("$EZPZ" "$c" --help | widest | awk '{ print ($1 <= 80 && $1 > 0) ? "ok" : $1 }')"
done
t_eq "ezpz help, not a terminal: at most 80 columns" ok \
	"$("$EZPZ" help | widest | awk '{ print ($1 <= 80) ? "ok" : $1 }')"
for cols in 80 60; do
	t_run python3 "$PTY" --cols "$cols" -- "$EZPZ" launch --help
	t_eq "launch --help at a $cols-column terminal: exit 0" 0 "$RC"
	t_eq "... no line wider than $cols" ok "$(printf '%s\n' "$OUT" | widest | awk -v c="$cols" '{ print ($1 <= c) ? "ok" : $1 }')"
	t_match "... words are not cut: continuation lines start at the help column" \
		"^ {29}[a-z(\$'-]" "$OUT"
done
t_run python3 "$PTY" --cols 132 -- "$EZPZ" launch --help
t_eq "launch --help at a 132-column terminal uses the width" ok \
	"$(printf '%s\n' "$OUT" | widest | awk '{ print ($1 > 80 && $1 <= 132) ? "ok" : $1 }')"

t_run "$EZPZ" launch --help
t_match "short alias lists: -n, -np, --np" "^  -n, -np, --np N  " "$OUT"
t_nomatch "other tools' spellings are not listed" "world_size|num_gpus|nproc_per_node|node-rank" "$OUT"
t_match "--launcher lists its values from the backend table" "pals, mpich, openmpi or srun" "$(printf '%s\n' "$OUT" | sed -n '/--launcher NAME/,/--topology/p' | tr -s ' \n' ' ')"

# ---- ezpz help CMD: the man page at a terminal, else the --help text --------------
t_run env MANPAGER=cat PAGER=cat MANWIDTH=80 python3 "$PTY" -- "$EZPZ" help kill
t_eq "help kill at a terminal: exit 0" 0 "$RC"
t_match "help kill at a terminal: the ezpz-kill(1) page" "EZPZ-KILL\(1\)" "$OUT"
t_run env MANPAGER=cat PAGER=cat EZPZ_MANDIR="$T_TMP/nowhere" python3 "$PTY" -- "$EZPZ" help kill
t_match "help kill, page missing: the --help text" "^usage: ezpz kill " "$OUT"
t_run env MANPAGER=cat python3 "$PTY" -- env PATH="$T_TMP/nowhere" "$EZPZ" help kill
t_match "help kill, man missing: the --help text" "^usage: ezpz kill " "$OUT"
t_run "$EZPZ" help kill
t_match "help kill, not a terminal: the --help text" "^usage: ezpz kill " "$OUT"

# ---- --color and NO_COLOR -----------------------------------------------------------
esc=$(printf '\033')
colour() { python3 "$PTY" -- env "$@" doctor 2>/dev/null | grep -c "$esc\[" ; }
t_eq "doctor at a terminal: colour" yes "$([ "$(colour "$EZPZ")" -gt 0 ] && echo yes)"
t_eq "NO_COLOR: none" 0 "$(colour NO_COLOR=1 "$EZPZ")"
t_eq "--color=never: none" 0 "$(colour "$EZPZ" --color=never)"
t_eq "--color=always beats NO_COLOR" yes "$([ "$(colour NO_COLOR=1 "$EZPZ" --color=always)" -gt 0 ] && echo yes)"
t_eq "--color=always into a pipe" yes "$("$EZPZ" --color=always doctor 2>/dev/null | grep -q "$esc\[" && echo yes)"
t_eq "--color=auto into a pipe: none" 0 "$("$EZPZ" --color=auto doctor 2>/dev/null | grep -c "$esc\[")"
t_run "$EZPZ" --color=sometimes doctor
t_eq "--color=sometimes: usage error" "2:ezpz: --color 'sometimes': use auto, always or never" "$RC:$ERR"

# ---- versions -------------------------------------------------------------------------
t_run "$EZPZ" version
t_match "ezpz version" '^ezpz [0-9]+\.[0-9]+\.[0-9]+$' "$OUT"
v=$OUT
t_run "$EZPZ" --version
t_eq "ezpz --version prints the same" "$v" "$OUT"
t_run "$EZPZ" versoin
t_match "ezpz versoin: did you mean version" "did you mean 'version'" "$ERR"
t_done
