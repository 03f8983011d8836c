#!/bin/bash
# t-shell-roundtrip: what src/shell.c emits, eval'd by the real bash, zsh,
# dash and fish, gives every variable the exact bytes it was given, both
# inside the shell and in the environment of the shell's children.
#
# The corpus: hand-picked hostile values, every byte 1..255 alone, and 500
# random strings (seeded, lengths 0..200, bytes 1..255).  Each shell evals
# the code of tests/tools/shquote, prints its variables back with printf and
# runs env -0; check.py compares both with the corpus, byte for byte.  Then:
# interactive bash and zsh ('!'), unset lines, and fish's *PATH variables.
. "$EZPZ_TOP/tests/lib.sh"

SHQ=$EZPZ_BUILD/tests/tools/shquote
[ -x "$SHQ" ] || t_bail "no $SHQ (make $SHQ)"
need_cmd python3 setsid

# The shells that are here are tested; the test then skips if one is not.
have=() missing=()
for s in bash zsh dash fish; do
	if command -v "$s" >/dev/null; then have+=("$s"); else missing+=("$s"); fi
done

cd "$T_TMP" || exit 1
mkdir home

# The corpus.  vals: values for the children too (each under Linux's 128 KiB
# limit on one environment string); long: 1 MB, checked inside the shell only
# (execve refuses it: MAX_ARG_STRLEN).
cat >corpus.py <<'EOF'
import random
v = [b"", b" ", b"plain", b"a b", b"  two  spaces  ", b"'", b"''", b"'''", b"'a'",
     b"it's", b"a'", b"'a", b'"', b'""', b'a"b', b"$HOME", b"${HOME}", b"$(id)",
     b"`id`", b"$((1+1))", b"\\", b"\\\\", b"a\\", b"\\'", b"'\\''", b"\\n", b"\\x41",
     b"\\xff", b"\\u00e9", b"\\e", b"\\c", b"$'x'", b"\n", b"\n\n", b"x\n", b"x\n\n",
     b"\nx", b"a\nb", b"a\\\nb", b"\\\n", b"\t", b"a\tb", b"\r\n", b"\r", b"!", b"!!",
     b"a!b", b"!$", b"!-1", b"!#", b"!?x?", b"^a^b", b"it's !!", b"\xc3\xa9!!",
     b"!!\n'!'", b"#", b"a #b", b"#!", b"~", b"~root", b"a:~", b"~/x", b"x=~",
     b"*", b"?", b"[a]", b"{a,b}", b"{}", b"{x}", b"-", b"-e", b"--", b"-n", b"--help",
     b"-gx", b"=", b"a=b", b"==", b"=ls", b"a==ls", b"x=~/y", b"--np=24", b"%", b"%self", b";", b"&", b"|", b"<", b">",
     b"()", b"(echo hi)", b"a;b", b"$fish_pid", b"$status", b"\x1b[31mred\x1b[0m",
     "é".encode(), "日本語".encode(), "🙂".encode(), "\u202e\u2028\u0085".encode(),
     "\uf600\uf6ff\ufdd0\ufdef\ufffe\uffff\U0010ffff".encode(),
     b"\xff", b"\xc3", b"\xc3(", b"\xed\xa0\x80", b"\xc0\x80", b"\xf4\x90\x80\x80",
     b"\x80", b"a\xffb'c", b"\xc3\xa9\xff", b"\xe6\x97", bytes(range(1, 256)),
     bytes(range(0x80, 0x100)), b"/usr/local/bin:/usr/bin:/bin", b"a:b::c:"]
v += [bytes([b]) for b in range(1, 256)]
rnd = random.Random(20240601)
v += [bytes(rnd.randrange(1, 256) for _ in range(rnd.randrange(0, 201)))
      for _ in range(500)]
v += [b"x" * 100000, bytes(rnd.randrange(1, 256) for _ in range(100000))]
open("vals", "wb").write(b"".join(x + b"\0" for x in v))
long = bytes(rnd.randrange(1, 256) for _ in range(1 << 20))
open("long", "wb").write(b"x" * (1 << 20) + b"\0" + long + b"\0")
EOF
python3 corpus.py || t_bail "cannot build the corpus"

# check.py VALS PRINTED [ENV]: PRINTED is printf '%s\0' of V0..Vn, ENV env -0.
cat >check.py <<'EOF'
import re, sys
vals = open(sys.argv[1], "rb").read().split(b"\0")[:-1]
got = {"printf": dict(enumerate(open(sys.argv[2], "rb").read().split(b"\0")[:-1]))}
if len(sys.argv) > 3:
    env = {}
    for e in open(sys.argv[3], "rb").read().split(b"\0")[:-1]:
        k, _, val = e.partition(b"=")
        m = re.fullmatch(rb"V(\d+)", k)
        if m:
            env[int(m.group(1))] = val
    got["env"] = env
bad = []
for how, vs in got.items():
    for i in sorted(set(vs) | set(range(len(vals)))):
        want = vals[i] if i < len(vals) else None
        have = vs.get(i)
        if have != want:
            bad.append(i)
            if len(bad) <= 5:
                print(f"  V{i} via {how}: want {want and want[:80]!r}"
                      f" have {have and have[:80]!r}")
if bad:
    print(f"  {len(bad)} mismatches\n  first bad: V{bad[0]}")
sys.exit(1 if bad else 0)
EOF

# show_bad DIR: check.py's report, and the code emitted for the first bad
# variable (control bytes made visible).
show_bad() {
	local v
	cat "$1/check"
	v=$(sed -n 's/^  first bad: //p' "$1/check")
	[ -n "$v" ] || return 0
	grep -a -m1 -E "^(export $v=|set -gx $v )" "$1/code" | head -c 400 | cat -v |
		sed 's/^/  code: /'
	echo
}

# Shell commands that print V0..V(n-1) NUL-separated: quoted, so an empty
# value (or, in fish, a list) still gives exactly one word.
refs() {   # file
	local n i r=
	n=$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read().count(b"\0"))' "$1")
	for ((i = 0; i < n; i++)); do r+=" \"\$V$i\""; done
	printf "printf '%%s\\\\0'%s" "$r"
}
REFS=$(refs vals)
LREFS=$(refs long)

clean() {   # locale command...
	local loc=$1
	shift
	env -i PATH=/usr/bin:/bin HOME="$T_TMP/home" TERM=dumb LC_ALL="$loc" "$@"
}

# shell_c SHELL CODE: CODE in a clean, non-login, non-interactive shell.
shell_c() {
	case $1 in
	bash) clean "$LOC" bash --norc --noprofile -c "$2" ;;
	zsh) clean "$LOC" zsh -f -c "$2" ;;
	dash) clean "$LOC" dash -c "$2" ;;
	fish) clean "$LOC" fish --no-config -c "$2" ;;
	esac
}
LOC=C.UTF-8

# Run SCRIPT in SHELL on the code for FILE; the checks follow.
roundtrip() {   # what shell locale file eval-form
	local what=$1 sh=$2 LOC=$3 file=$4 form=$5 d code rc
	d=$T_TMP/$what
	mkdir -p "$d"
	"$SHQ" "$sh" "$file" >"$d/code" || { t_fail "$what: shquote"; return; }
	case $form in
	sh) code="set -eu; eval \"\$(cat code)\"" ;;
	source) code="cat code | source" ;;
	eval) code="eval (cat code)" ;;
	esac
	if [ "$file" = vals ]; then code+="; $REFS >printed; env -0 >env"
	else code+="; $LREFS >printed"; fi
	(cd "$d" && shell_c "$sh" "$code" 2>err)
	rc=$?
	if [ "$rc" != 0 ] || [ -s "$d/err" ]; then
		t_fail "$what: exit $rc"
		{ head -c 2000 "$d/err"; echo; } | sed 's/^/  /'
		return
	fi
	if if [ "$file" = vals ]; then python3 check.py vals "$d/printed" "$d/env"
	   else python3 check.py long "$d/printed"; fi >"$d/check"
	then t_pass "$what"; else t_fail "$what"; show_bad "$d"; fi
}

for sh in "${have[@]}"; do
	form="sh"
	[ "$sh" = fish ] && form="source"
	roundtrip "$sh-utf8" "$sh" C.UTF-8 vals "$form"
	roundtrip "$sh-C" "$sh" C vals "$form"
	roundtrip "$sh-1mb" "$sh" C.UTF-8 long "$form"
done
# fish users also write eval (ezpz ...), which splits the output at newlines.
case " ${have[*]} " in *" fish "*) roundtrip fish-eval fish C.UTF-8 vals eval ;; esac

# Interactive bash and zsh have history expansion on.  eval never expands
# '!', but the output must survive even being typed at the prompt: feed it
# to an interactive shell on its stdin, where history expansion does apply.
# setsid: no controlling terminal, so the shells cannot take over a
# terminal this test was started from.
interactive() {   # what shell how
	local what=$1 sh=$2 how=$3 d=$T_TMP/$1 rc norc=--norc
	[ "$sh" = zsh ] && norc=-f
	mkdir -p "$d"
	"$SHQ" "$sh" vals >"$d/code"
	case $sh-$how in
	bash-c) (cd "$d" && clean C.UTF-8 setsid -w bash --norc -i -c \
		"eval \"\$(cat code)\"; $REFS >printed" </dev/null) ;;
	zsh-c) (cd "$d" && clean C.UTF-8 setsid -w zsh -f -i -c \
		"setopt rcquotes magicequalsubst; eval \"\$(cat code)\"; $REFS >printed" </dev/null) ;;
	*-stdin)
		{ [ "$sh" = zsh ] && echo "setopt rcquotes magicequalsubst"
		  cat "$d/code"; echo "$REFS >printed"; echo "exit 0"; } >"$d/input"
		(cd "$d" && clean C.UTF-8 setsid -w "$sh" "$norc" -i <input) ;;
	esac >"$d/log" 2>&1
	rc=$?
	if [ "$rc" != 0 ]; then t_fail "$what: exit $rc"; tail -n 20 "$d/log" | sed 's/^/  /'; return; fi
	if python3 check.py vals "$d/printed" >"$d/check"; then t_pass "$what"
	else t_fail "$what"; show_bad "$d"; grep -a 'event' "$d/log" | head -n 5; fi
}
for sh in bash zsh; do
	case " ${have[*]} " in *" $sh "*) ;; *) continue ;; esac
	interactive "$sh-interactive-eval" "$sh" c
	interactive "$sh-interactive-typed" "$sh" stdin
done

# Unset lines remove the variables (and do not fail on one never set).
unset_check() {   # shell
	local sh=$1 d=$T_TMP/unset-$1 code left
	mkdir -p "$d"
	printf 'x\0' >"$d/never"
	{ "$SHQ" "$sh" vals; "$SHQ" -u "$sh" vals; "$SHQ" -u "$sh" "$d/never" EZPZ_NEVER_SET; } >"$d/code"
	if [ "$sh" = fish ]; then
		code="cat code | source; for v in (set -n); string match -qr '^V[0-9]+\$' -- \$v; and echo \$v; end; env -0 >env"
	else
		code="set -eu; eval \"\$(cat code)\"; set | grep -a '^V[0-9][0-9]*=' || :; env -0 >env"
	fi
	left=$(cd "$d" && shell_c "$sh" "$code" 2>&1)
	left+=$(tr '\0' '\n' <"$d/env" | grep -a '^V[0-9][0-9]*=' | head -n 3)
	t_eq "$sh: unset removes every variable" "" "$left"
}
for sh in "${have[@]}"; do unset_check "$sh"; done

# fish makes variables named *PATH lists split at ':'; a child must still
# see the colon-joined string, and fish itself search the list.  fish 3
# rewrites empty elements of PATH and CDPATH (not others) as '.', the same
# directory to a path search: accepted for CDPATH here.
fish_path() {
	local d=$T_TMP/fish-path got
	mkdir -p "$d"
	printf '%s\0' /a:/b '/a b:/c'"'"'d:/e' /m::/n: ':/x::' '' /c::/d \
		'/no where:/usr/bin:/bin' >"$d/vals"
	"$SHQ" fish "$d/vals" PATH MANPATH MANPATH LD_LIBRARY_PATH EZPZ_X_PATH \
		CDPATH PATH >"$d/code"
	# After each line, the child's view of the variable it set.
	# shellcheck disable=SC2016 # fish code
	got=$(cd "$d" && clean C.UTF-8 fish --no-config -c '
		for l in (cat code)
			echo $l | source
			set -l name (string split " " -- $l)[3]
			/usr/bin/env -0 | /usr/bin/tr "\0" "\n" | /usr/bin/grep -a "^$name="
		end
		echo (count $PATH) (command -s env)' 2>&1)
	got=${got/CDPATH=\/c::\/d/CDPATH=/c:.:/d}
	t_eq "fish: PATH-like variables reach a child colon-joined" \
"PATH=/a:/b
MANPATH=/a b:/c'd:/e
MANPATH=/m::/n:
LD_LIBRARY_PATH=:/x::
EZPZ_X_PATH=
CDPATH=/c:.:/d
PATH=/no where:/usr/bin:/bin
3 /usr/bin/env" "$got"
}
case " ${have[*]} " in *" fish "*) fish_path ;; esac

if [ "$T_FAILED" = 0 ] && [ ${#missing[@]} -gt 0 ]; then
	echo "# $T_N checks passed"
	t_skip "not installed: ${missing[*]}"
fi
t_done
