#!/bin/bash
# The man pages (man/): lint-clean under groff and mandoc; every option of
# every command table (ezpz __complete options, the test worker's own
# table, ezpz's global options) documented in exactly one place, with its
# metavar, and nothing documented that no table has; the JSON keys of
# 'info --json' and 'launch --dry-run --json' documented; the profile keys
# src/profile.c accepts documented in ezpz-machines(5), whose example
# loads.
#
# How a page says what it documents: an option list (.Bl) is preceded by
#   .\" ezpz-options: CMD...      (or "(global)", "(worker)")
# and a JSON key list by
#   .\" ezpz-json: info|launch
# Every ".It Fl" item must sit in a tagged list.
. "$EZPZ_TOP/tests/lib.sh"
need_cmd groff python3

MAN=$EZPZ_TOP/man
pages=("$MAN"/*.[1-9])
[ -e "${pages[0]}" ] || t_bail "no man pages in $MAN"

# ---- lint: groff exits 0 on warnings, so any output is a failure ----------
for p in "${pages[@]}"; do
	out=$(groff -mdoc -ww -z "$p" 2>&1)
	t_eq "groff -mdoc -ww: $(basename "$p") is clean" "0:" "$?:$out"
done
if command -v mandoc >/dev/null 2>&1; then
	for p in "${pages[@]}"; do
		# -Wwarning: style notes such as "referenced manual not found"
		# depend on what this machine has installed.
		out=$(mandoc -Tlint -Wwarning "$p" 2>&1)
		t_eq "mandoc -Tlint: $(basename "$p") is clean" "0:" "$?:$out"
	done
elif [ "${EZPZ_TEST_NO_SKIP:-}" = 1 ]; then
	t_fail "mandoc is not installed (apt-get install mandoc), and EZPZ_TEST_NO_SKIP=1"
else
	echo "# mandoc is not installed: groff lint only"
fi

# Pages name each other: every Xr ezpz* must exist.
for ref in $(sed -n 's/^\.Xr \(ezpz[a-z-]*\) \([1-9]\).*/\1.\2/p' "${pages[@]}" | sort -u); do
	t_eq "cross-reference $ref has a page" yes "$([ -e "$MAN/$ref" ] && echo yes)"
done

# ---- the tables, from the binary ------------------------------------------
tabs=$T_TMP/tables
mkdir -p "$tabs"
"$EZPZ" __complete commands | cut -f1 > "$T_TMP/commands" || t_bail "ezpz __complete commands failed"
[ -s "$T_TMP/commands" ] || t_bail "ezpz __complete commands printed nothing"
while read -r c; do
	"$EZPZ" __complete options "$c" > "$tabs/$c" || t_bail "ezpz __complete options $c failed"
done < "$T_TMP/commands"
"$EZPZ" __complete worker-options > "$tabs/(worker)" ||
	t_bail "cannot read the test worker's options (is it built?)"
# ezpz's own options are parsed in src/ezpz.c, not from a table: check
# that they work, then hold the pages to them.
printf '%s\t\t\t\n' '-V|--version' '-h|--help' > "$tabs/(global)"
for o in -V --version -h --help; do
	t_run "$EZPZ" "$o"
	t_eq "global option $o: exit 0" 0 "$RC"
done

cat > "$T_TMP/check.py" <<'EOF'
import glob, os, re, sys

mandir, tabdir, cmdfile = sys.argv[1:4]
problems = []

def problem(kind, msg):
    problems.append(f"{kind}\t{msg}")

tables = {}
for name in os.listdir(tabdir):
    rows = []
    for line in open(os.path.join(tabdir, name)):
        f = line.rstrip("\n").split("\t")
        if f[0]:
            rows.append((f[0].split("|"), f[1] if len(f) > 1 else ""))
    tables[name] = rows

def parse_item(words):
    """'.It Fl n , Fl -np Ar N' -> (['-n', '--np'], 'N')"""
    names, arg, i = [], "", 0
    while i < len(words):
        w = words[i]
        if w == "Fl" and i + 1 < len(words):
            names.append("-" + words[i + 1]); i += 2; continue
        if w == "Op" and words[i + 1:i + 2] == ["Ar"] and i + 2 < len(words):
            arg = "[" + words[i + 2] + "]"; i += 3; continue
        if w == "Ar" and i + 1 < len(words):
            arg = words[i + 1]; i += 2; continue
        i += 1
    return names, arg

docs = {}      # cmd -> spelling -> [(where, arg)]
for page in sorted(glob.glob(os.path.join(mandir, "*.[1-9]"))):
    base = os.path.basename(page)
    pending, stack = None, []
    for n, line in enumerate(open(page), 1):
        m = re.match(r'\.\\" ezpz-options: (.*)', line)
        if m:
            pending = m.group(1).split()
            continue
        if line.startswith(".Bl"):
            stack.append(pending)
            pending = None
        elif line.startswith(".El"):
            stack.pop()
        elif line.startswith(".It Fl"):
            tag = stack[-1] if stack else None
            where = f"{base}:{n}"
            if not tag:
                problem("untagged", f"{where}: option list without an 'ezpz-options:' tag")
                continue
            names, arg = parse_item(line.split()[1:])
            for cmd in tag:
                for s in names:
                    docs.setdefault(cmd, {}).setdefault(s, []).append((where, arg))

for cmd, rows in sorted(tables.items()):
    documented = docs.get(cmd, {})
    spellings = set()
    for names, arg in rows:
        for s in names:
            spellings.add(s)
            if s not in documented:
                problem("missing", f"{cmd}: option {s} is in the table but in no man page")
                continue
            for where, darg in documented[s]:
                if darg != arg:
                    problem("metavar", f"{cmd}: {s}: the table says '{arg}', {where} says '{darg}'")
    for s, places in sorted(documented.items()):
        if s not in spellings:
            problem("extra", f"{cmd}: {places[0][0]} documents {s}, which no table has")
        if len(places) > 1:
            problem("twice", f"{cmd}: {s} is documented {len(places)} times: "
                    + ", ".join(p for p, _ in places))
for cmd in sorted(set(docs) - set(tables)):
    problem("extra", f"a list is tagged for '{cmd}', which is not a command")

# ezpz.1 COMMANDS: one entry per command of the table
want = {l.strip() for l in open(cmdfile) if l.strip()}
have, depth, insec, xo = set(), 0, False, False
for line in open(os.path.join(mandir, "ezpz.1")):
    if line.startswith(".Sh"):
        insec = line.split()[1:2] == ["COMMANDS"]
        continue
    if not insec:
        continue
    if line.startswith(".Bl"):
        depth += 1
    elif line.startswith(".El"):
        depth -= 1
    elif depth == 1 and line.startswith(".It Xo"):
        xo = True
    elif depth == 1 and line.startswith(".It Cm"):
        have.add(line.split()[2])
    elif xo and line.startswith(".Cm"):
        have.add(line.split()[1])
        xo = False
for c in sorted(want - have):
    problem("commands", f"ezpz.1 COMMANDS has no entry for '{c}'")
for c in sorted(have - want):
    problem("commands", f"ezpz.1 COMMANDS describes '{c}', which is not a command")

print("\n".join(problems))
EOF
python3 "$T_TMP/check.py" "$MAN" "$tabs" "$T_TMP/commands" > "$T_TMP/problems" ||
	t_bail "the man-page check crashed"
for kind in untagged missing extra twice metavar commands; do
	case $kind in
	untagged) what="every option list is tagged with its commands" ;;
	missing) what="every option of every table is documented" ;;
	extra) what="no option is documented that no table has" ;;
	twice) what="each option is documented in exactly one place" ;;
	metavar) what="documented metavars match the tables" ;;
	commands) what="ezpz.1 COMMANDS has one entry per command" ;;
	esac
	t_eq "$what" "" "$(sed -n "s/^$kind\t//p" "$T_TMP/problems")"
done
n=$(cat "$tabs"/* | wc -l)
t_match "the check saw the tables ($n options)" '^[1-9][0-9]+$' "$n"

# ---- JSON keys --------------------------------------------------------------
run_env() {   # run_env FIXTURE ARGS...
	local f=$1 vars=()
	shift
	while IFS= read -r line; do
		[ -n "$line" ] && vars+=("${line//@TOP@/$EZPZ_TOP}")
	done < "$FIX/env/$f.env"
	t_run env -i PATH="$FIX/bin:/usr/bin:/bin" HOME="$T_TMP" LC_ALL=C.UTF-8 "${vars[@]}" "$EZPZ" "$@"
}
run_env aurora-pbs info --json
t_eq "info --json under the Aurora fixture: exit 0" 0 "$RC"
printf '%s\n' "$OUT" > "$T_TMP/info.json"
run_env aurora-pbs launch --dry-run --json python3 train.py
t_eq "launch --dry-run --json: exit 0" 0 "$RC"
printf '%s\n' "$OUT" > "$T_TMP/launch.json"

cat > "$T_TMP/jsonkeys.py" <<'EOF'
import json, re, sys

page, info, launch = sys.argv[1:4]
MAPS = {"env"}   # objects whose keys are data, not part of the contract

def flatten(v, path=""):
    out = set()
    if isinstance(v, dict):
        for k, x in v.items():
            p = path + k
            out.add(p)
            if k not in MAPS:
                out |= flatten(x, p + ".")
    elif isinstance(v, list):
        for x in v:
            if isinstance(x, dict):
                out |= flatten(x, path[:-1] + "[].")
    return out

documented, tag, depth = {}, None, 0
for line in open(page):
    m = re.match(r'\.\\" ezpz-json: (\S+)', line)
    if m:
        tag, depth = m.group(1), 0
        documented.setdefault(tag, set())
        continue
    if tag is None:
        continue
    if line.startswith(".Bl"):
        depth += 1
    elif line.startswith(".El"):
        depth -= 1
        if depth == 0:
            tag = None
    elif line.startswith(".It Cm"):
        documented[tag] |= {w for w in line.split()[2:] if w not in {",", "Cm"}}
    elif line.startswith(".Cm"):
        documented[tag] |= {w for w in line.split()[1:] if "." in w and w[0].isalpha()}

problems = []
got_info = flatten(json.load(open(info)))
got_launch = flatten(json.load(open(launch)))
doc_info = documented.get("info", set())
doc_launch = {k for k in doc_info if not k.startswith("this_host") and k != "sources.this_host"} | documented.get("launch", set())
for name, got, doc in (("info --json", got_info, doc_info),
                       ("launch --dry-run --json", got_launch, doc_launch)):
    for k in sorted(got - doc):
        problems.append(f"{name}: key '{k}' is not documented in ezpz.1")
    for k in sorted(doc - got):
        problems.append(f"{name}: ezpz.1 documents '{k}', which it does not print")
print("\n".join(problems))
EOF
t_eq "the JSON keys of info and launch are documented, and only those" "" \
	"$(python3 "$T_TMP/jsonkeys.py" "$MAN/ezpz.1" "$T_TMP/info.json" "$T_TMP/launch.json" 2>&1)"

# ---- machine profiles -------------------------------------------------------
cat > "$T_TMP/keys.py" <<'EOF'
import re, sys

src, page = sys.argv[1:3]
text = open(src).read()
accepted = set()
for name, body in re.findall(r'static const struct field (\w+)_fields\[\] = \{(.*?)\n\};', text, re.S):
    prefix = "" if name == "top" else name + "."
    for key in re.findall(r'\{\s*(?:\.key\s*=\s*)?"(\w+)"', body):
        accepted.add(prefix + key)

documented, stack, last, insec = set(), [], "", False
for line in open(page):
    if line.startswith(".Sh"):
        insec = line.split()[1:2] == ["KEYS"]
        continue
    if not insec:
        continue
    if line.startswith(".Bl"):
        stack.append(last)
    elif line.startswith(".El"):
        last = stack.pop()
    else:
        m = re.match(r'\.It Ic (\w+)', line)
        if m:
            parent = stack[-1] if stack else ""
            last = (parent + "." if parent else "") + m.group(1)
            documented.add(last)
# a section key is documented by its own item too; compare leaves and sections alike
sections = {k.split(".")[0] for k in accepted if "." in k}
accepted |= sections
problems = [f"src/profile.c accepts '{k}', ezpz-machines.5 does not document it"
            for k in sorted(accepted - documented)]
problems += [f"ezpz-machines.5 documents '{k}', which src/profile.c does not accept"
             for k in sorted(documented - accepted)]
if len(accepted) < 20:
    problems.append(f"only {len(accepted)} keys found in src/profile.c: has its table changed shape?")
print("\n".join(problems))
EOF
t_eq "ezpz-machines.5 documents exactly the keys src/profile.c accepts" "" \
	"$(python3 "$T_TMP/keys.py" "$EZPZ_TOP/src/profile.c" "$MAN/ezpz-machines.5" 2>&1)"

# The launcher flavours the pages name are those of the backend table
# (src/backend.c), as completion offers them.
launchers=$("$EZPZ" __complete values launch --launcher | cut -f1 | sort | tr '\n' ' ')
t_match "the backend table has launchers" 'pals' "$launchers"
flavours() {   # page anchor-regex: the .Cm words in the 4 lines after the anchor
	grep -A4 -E "$2" "$1" | sed -n 's/^\.Cm //p' | tr -d ',;' | tr ' ' '\n' |
		grep -x '[a-z]*' | grep -vx -e '' -e none | sort -u | tr '\n' ' '
}
t_eq "ezpz.1 --launcher names the backend table's flavours" "$launchers" \
	"$(flavours "$MAN/ezpz.1" '^\.It Fl -launcher Ar NAME')"
t_eq "ezpz-machines.5 launcher: names the backend table's flavours" "$launchers" \
	"$(flavours "$MAN/ezpz-machines.5" '^\.It Ic launcher : Ar name')"

# The complete example of ezpz-machines.5 is a profile ezpz loads.
mkdir -p "$T_TMP/profiles"
awk '/^# \/etc\/ezpz\/machines.d\/mycluster.yaml/ { f = 1; next } f && /^\.Ed/ { f = 0 } f' \
	"$MAN/ezpz-machines.5" > "$T_TMP/profiles/mycluster.yaml"
t_match "the example profile was found in the page" '^name: mycluster' "$(cat "$T_TMP/profiles/mycluster.yaml")"
T_HOSTNAME=mc0001 t_run ezpz_clean env EZPZ_CONFIG_DIR="$T_TMP/profiles" \
	EZPZ_TOPOLOGY="$FIX/topo/synthetic-nogpu.xml" "$EZPZ" info --json
t_eq "the example profile loads: exit 0" 0 "$RC"
t_eq "the example profile loads: no message" "" "$ERR"
t_match "the example profile matches its host (mc0001)" '"machine":[[:space:]]*"mycluster"' "$OUT"
t_done
