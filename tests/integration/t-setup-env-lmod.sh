#!/bin/bash
# t-setup-env-lmod: eval "$(ezpz setup-env)" with the real Lmod, in clean
# non-login bash, zsh, dash and fish, none of which has `module`.  A module
# tree made here (Lua and Tcl modulefiles that setenv, prepend_path and
# unsetenv; one that fails) and a machine profile in EZPZ_CONFIG_DIR that
# uses it.  In each shell: the modules' variables are set, the variable a
# module unsets is gone, python3 is the venv's, launch is defined and runs
# ezpz (not on PATH there), `module list` shows the modules, the profile's
# defaults do not beat the user's values, and a second eval changes
# nothing.  Then the failures: an unknown module, a module that fails, a
# venv path with a file in the way, no python3: exit 1, the eval fails, a
# `set -e` script stops, and the shell's environment is unchanged.  And
# the fast path (--no-modules --no-venv) starts no bash at all.
# shellcheck disable=SC2016 # $VARs in single quotes are for the test shells
. "$EZPZ_TOP/tests/lib.sh"
need_cmd python3 zsh dash fish bash env sort
LMOD_INIT=/usr/share/lmod/lmod/init
[ -r "$LMOD_INIT/bash" ] || t_skip "Lmod is not installed (apt-get install lmod)"
/usr/bin/python3 -c 'import venv, ensurepip' 2>/dev/null ||
	/usr/bin/python3 -c 'import venv' 2>/dev/null || t_skip "python3 has no venv module"

T=$T_TMP
. "$EZPZ_TOP/tests/fixtures/setup-env/lib.sh"
se_tree lua
clean() { se_clean "$@"; }

for sh in bash zsh sh fish; do
	se_shell_ok "$sh" "$LMOD_INIT" 'Currently Loaded Modules: 1\) hello/1.0 2\) tclmod/2.0' \
		'^> _ModuleTable001_='
done
# What ezpz-setup-env(1) promises about `module list`: the state travels,
# the `module` function does not (no shell function crosses exec).
t_run clean bash 'eval "$("$EZPZ" setup-env --shell bash -q)" || echo "eval failed"
type module >/dev/null 2>&1 && echo "module: defined" || echo "module: not defined"
echo "LOADEDMODULES=$LOADEDMODULES"
. "$1"; module list 2>&1 | tr -s " \n" "  "; echo' "$LMOD_INIT/bash"
t_eq "module list: the state is carried, the function is not" \
	$'module: not defined\nLOADEDMODULES=hello/1.0:tclmod/2.0' "$(head -n 2 <<<"$OUT")"
t_match "module list: works once the init file defines module" \
	'Currently Loaded Modules: 1\) hello/1.0 2\) tclmod/2.0' "$(tail -n 1 <<<"$OUT")"
t_run test -f "$SE_VENV/pyvenv.cfg"
t_eq "the venv was made once, under venvs/<machine>/<wd>-<python root>" 0 "$RC"
t_run grep -c '^include-system-site-packages = true' "$SE_VENV/pyvenv.cfg"
t_eq "the venv sees the system site packages" 1 "$OUT"

# Lmod's init sets BASH_ENV to its own file; the user's BASH_ENV stays.
printf 'true\n' >"$T/mybashenv"
t_run clean bash 'export BASH_ENV=$1; eval "$("$EZPZ" setup-env --shell bash -q)" || echo "eval failed"
echo "BASH_ENV=$BASH_ENV"' "$T/mybashenv"
t_eq "the user's BASH_ENV is kept over Lmod's" "BASH_ENV=$T/mybashenv" "$OUT"

# ---- the progress lines are on stderr, stdout is only code ----
t_run clean bash '"$EZPZ" setup-env --shell bash'
t_eq "stdout: one block of code" "{" "$(head -n 1 <<<"$OUT")"
t_eq "stdout: the block is closed" "}" "$(tail -n 1 <<<"$OUT")"
t_nomatch "stdout: no progress lines" '^ezpz:' "$OUT"
t_match "stderr: the steps, each checked" 'module load hello/1.0: (ok|skipped)' "$ERR"

# ---- --json ----
t_run clean bash '"$EZPZ" setup-env --json'
t_eq "--json: exit 0" 0 "$RC"
t_run python3 -c '
import json, sys
d = json.loads(sys.argv[1])
print(d["ok"], d["set"]["SE_TCL"], "SE_GOODBYE" in d["unset"], d["module_system"]["kind"],
      [s["step"] + ":" + s["status"] for s in d["steps"]][1:3], d["python"]["root_var"])' "$OUT"
t_eq "--json: set, unset, steps, module system, python" \
	"True tclvalue True Lmod ['module use:ok', 'module load:ok'] VIRTUAL_ENV" "$OUT"

# ---- --module-use DIR: a module tree of the user's, before the loads ----
mkdir -p "$T/mods2/extra"
printf 'setenv("SE_EXTRA", "from-mods2")\n' >"$T/mods2/extra/1.0.lua"
t_run clean bash 'cd "$OUTD" && eval "$("$EZPZ" setup-env --shell bash --module-use ../mods2 --module extra/1.0)" &&
	echo "SE_EXTRA=$SE_EXTRA" && echo "MODULEPATH=$MODULEPATH"'
t_eq "--module-use: exit 0" 0 "$RC"
t_match "--module-use: a module from that tree loads" '^SE_EXTRA=from-mods2$' "$OUT"
t_match "--module-use: on MODULEPATH, made absolute" "^MODULEPATH=(.*:)?$T/o/\.\./mods2(:.*)?$" "$OUT"
t_match "--module-use: a step of its own" 'module use .*mods2.*: ok' "$ERR"
t_run clean bash '"$EZPZ" setup-env --no-modules --module-use /x'
t_eq "--module-use with --no-modules: usage error" 2 "$RC"

# ---- --dry-run creates nothing ----
t_run clean bash '"$EZPZ" setup-env --dry-run --venv "$OUTD/dry-venv"; echo "rc=$?"'
t_match "--dry-run: lists the module load" '^#   [0-9]+\. module load hello/1.0' "$OUT"
t_match "--dry-run: exit 0" '^rc=0$' "$OUT"
t_nomatch "--dry-run: every line is a comment" '^[^#r]' "$OUT"
t_run test -e "$T/o/dry-venv"
t_eq "--dry-run: no venv made" 1 "$RC"

# ---- a module that brings the launcher: the job's facts see it ----
mkdir -p "$T/mods/pals" "$T/opt/cray/pals/1.2/bin"
printf '#!/bin/sh\necho "mpiexec (PALS) 1.2"\n' >"$T/opt/cray/pals/1.2/bin/mpiexec"
chmod +x "$T/opt/cray/pals/1.2/bin/mpiexec"
echo "prepend_path(\"PATH\", \"$T/opt/cray/pals/1.2/bin\")" >"$T/mods/pals/1.2.lua"
t_run clean bash '"$EZPZ" setup-env --shell bash -q --module pals/1.2'
t_match "a module's mpiexec (PALS) becomes the launcher" '^export EZPZ_LAUNCHER=pals;$' "$OUT"
t_run clean bash '"$EZPZ" setup-env --shell bash -q --launcher mpich --module pals/1.2'
t_match "--launcher still wins" '^export EZPZ_LAUNCHER=mpich;$' "$OUT"

# ---- failures: exit 1, the eval fails, set -e stops, nothing changes ----

fail_case() { se_fail "$@"; }

for sh in bash zsh sh fish; do
	fail_case "unknown module" "$sh" 'module load nosuch/9\.9 \(from --module\): failed' \
		--module nosuch/9.9
done
t_match "unknown module: Lmod's own message is shown" 'module\(s\) are unknown' \
	"$(cat "$T/o/f.err")"
t_match "unknown module: how to fix it" "module avail nosuch" "$(cat "$T/o/f.err")"

fail_case "--module-use of no directory" bash 'module use .*/nodir \(from --module-use\): failed' \
	--module-use "$T/nodir"
t_match "--module-use of no directory: the fix names the option, not the profile" \
	"fix: correct your --module-use '$T/nodir'" "$(cat "$T/o/f.err")"

fail_case "a module that fails to load" bash 'module load broken/1\.0.*failed' --module broken/1.0
t_match "a failing module: its error is shown" 'broken on purpose' "$(cat "$T/o/f.err")"

: >"$T/afile"
fail_case "venv path with a file in the way" bash "venv $T/afile/v \\(from --venv\\): failed" \
	--venv "$T/afile/v"
t_match "venv: mkdir's reason" 'mkdir: cannot create directory' "$(cat "$T/o/f.err")"

# no python3: a PATH with the tools, but no python3
mkdir -p "$T/nopy"
for c in bash dash zsh fish env sort cat cmp mkdir ls readlink rm tr; do
	p=$(command -v "$c") && ln -sf "$p" "$T/nopy/$c"
done
T_PATH=$T/nopy fail_case "no python3, a venv to make" bash \
	'no python3 on PATH to create the venv with' --no-modules --venv "$T/v2"
T_PATH=$T/nopy fail_case "no python3, no venv" bash 'python3 *: <not found on PATH>' \
	--no-modules --no-venv
fail_case "--no-venv and only the system python" bash 'did NOT take effect' --no-venv

t_run clean bash '"$EZPZ" setup-env --module nosuch/9.9'
t_eq "failure: exit status 1" 1 "$RC"
t_eq "failure: the code is only 'false', in the block" $'{\nfalse;\n}' "$OUT"
t_run clean bash '"$EZPZ" setup-env --no-such-option'
t_eq "usage error: exit status 2" 2 "$RC"
t_eq "usage error: the code is 'false'" "false;" "$OUT"

# ---- the fast path: nothing to run, no bash started ----
mkdir -p "$T/spy"
cat >"$T/spy/bash" <<EOF
#!/bin/sh
: >"$T/o/bash-ran"
exec /bin/bash "\$@"
EOF
chmod +x "$T/spy/bash"
rm -f "$T/o/bash-ran"
t_run clean bash 'VIRTUAL_ENV=/x PATH=$1:$PATH "$EZPZ" setup-env --no-modules --no-venv -q' "$T/spy"
t_eq "fast path: exit 0" 0 "$RC"
t_run test -e "$T/o/bash-ran"
t_eq "fast path: no bash started" 1 "$RC"
rm -f "$T/o/bash-ran"
t_run clean bash 'PATH=$1:$PATH "$EZPZ" setup-env -q' "$T/spy"
t_run test -e "$T/o/bash-ran"
t_eq "(the spy works: with steps, bash is started)" 0 "$RC"

# ---- timings, for the record ----
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
echo "# job env only (--no-modules --no-venv): $(ms clean bash 'VIRTUAL_ENV=/x "$EZPZ" setup-env --no-modules --no-venv') ms"
echo "# modules + existing venv: $(ms clean bash '"$EZPZ" setup-env') ms"
echo "# (both include starting the clean bash that runs ezpz)"

t_done
