#!/bin/bash
# This host's facts cache (src/hostcache.c): written on first use in a
# private directory, read back (same topology, no `mpiexec --version`
# again), asked again when the launcher file changes, ignored and rebuilt
# when it is not a 0600 file of the user's, does not parse or is a symlink,
# off with EZPZ_NO_CACHE=1 or --no-cache; info, doctor and launch show it.
. "$EZPZ_TOP/tests/lib.sh"

# A compiled mpiexec (scripts are never cached) that counts its --version runs.
mkdir -p "$T_TMP/bin"
t_cc bin/mpiexec <<-'EOF' || t_bail "cannot build the mpiexec stub"
	#include <stdio.h>
	#include <stdlib.h>
	#include <string.h>
	int main(int argc, char **argv)
	{
		const char *log = getenv("COUNT");
		if (argc == 2 && strcmp(argv[1], "--version") == 0) {
			FILE *f = log ? fopen(log, "a") : NULL;
			if (f) { fputs("probe\n", f); fclose(f); }
			puts("HYDRA build details:\n    Version: 4.0.2");
		}
		return 0;
	}
EOF
count() { [ -f "$T_TMP/count" ] && wc -l < "$T_TMP/count" | tr -d ' ' || echo 0; }
H=$T_TMP/home
mkdir -p "$H"
FILE=$H/.cache/ezpz/host-$(hostname).facts
# (ASAN_OPTIONS passes: hwloc's OpenCL plugin leaks in a sanitized build.)
run() {
	t_run env -i PATH="$T_TMP/bin:/usr/bin:/bin" HOME="$H" LC_ALL=C.UTF-8 COUNT="$T_TMP/count" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} "$@"
}
src() { printf '%s\n' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sources"]["this_host"])'; }
host() { printf '%s\n' "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["this_host"], sort_keys=True), d["launcher"], d["ngpu_per_host"])'; }

run "$EZPZ" info --json
t_eq "first run: exit 0" "0 " "$RC $ERR"
t_eq "first run: hwloc, then written" "hwloc; cache $FILE (written)" "$(src)"
t_eq "first run: the launcher asked once" 1 "$(count)"
first=$(host)
t_eq "the file is 0600" 600 "$(stat -c %a "$FILE")"
t_eq "its directory is 0700" 700 "$(stat -c %a "$H/.cache/ezpz")"

run "$EZPZ" info --json
t_eq "second run: from the cache" "cache:$FILE" "$(src)"
t_eq "second run: the same facts" "$first" "$(host)"
t_eq "second run: the launcher not asked again" 1 "$(count)"

run "$EZPZ" launch --dry-run -- true
t_eq "launch --dry-run from the cache: exit 0" 0 "$RC"
t_match "launch --dry-run: mpich (the cached probe)" 'launcher mpich' "$OUT$ERR"
t_eq "launch --dry-run: the launcher not asked" 1 "$(count)"

touch -d '2001-01-01' "$T_TMP/bin/mpiexec"
run "$EZPZ" info --json
t_eq "the launcher file changed: asked again" 2 "$(count)"
t_eq "the topology still from the cache" "cache:$FILE" "$(src)"

run env EZPZ_NO_CACHE=1 "$EZPZ" info --json
t_eq "EZPZ_NO_CACHE=1: off" "hwloc; cache off (EZPZ_NO_CACHE)" "$(src)"
t_eq "EZPZ_NO_CACHE=1: the launcher asked" 3 "$(count)"
run "$EZPZ" info --json --no-cache
t_eq "--no-cache: off" "hwloc; cache off (--no-cache)" "$(src)"
run "$EZPZ" launch --no-cache --dry-run -- true
t_eq "launch --no-cache: exit 0" 0 "$RC"
t_eq "launch --no-cache: the launcher asked" 5 "$(count)"

chmod 644 "$FILE"
run "$EZPZ" info --json
t_match "readable by others: ignored, rebuilt" "^hwloc; cache $FILE ignored \(not a plain 0600 file of yours \(mode 644" "$(src)"
t_eq "rebuilt 0600" 600 "$(stat -c %a "$FILE")"
t_eq "rebuilt: the same facts" "$first" "$(host)"

printf 'ezpz-host-facts 1\nkey\tx\n' > "$FILE"
chmod 600 "$FILE"
run "$EZPZ" info --json
t_match "cut short: ignored, rebuilt" "ignored \(unexpected line 'key'\), rebuilt" "$(src)"
run "$EZPZ" info --json
t_eq "then read" "cache:$FILE" "$(src)"

sed -i 's/^key\t[^\t]*/key\tanother-boot/' "$FILE"
run "$EZPZ" info --json
t_match "another boot: out of date" "out of date \(boot id changed\), rebuilt" "$(src)"

echo precious > "$T_TMP/target"
rm -f "$FILE"
ln -s "$T_TMP/target" "$FILE"
run "$EZPZ" info --json
t_match "a symlink: ignored, rebuilt" "ignored \(.*\), rebuilt" "$(src)"
t_eq "its target untouched" precious "$(cat "$T_TMP/target")"
t_eq "a plain file again" "regular file" "$(stat -c %F "$FILE")"

run "$EZPZ" info
t_match "info's text names the cache" "^this host .*\(cache:$FILE\)" "$OUT"
run "$EZPZ" doctor
t_match "doctor names the cache" "^cache +ok +this host's facts read from $FILE" "$OUT"

chmod 755 "$H/.cache/ezpz"
run "$EZPZ" doctor
t_match "a directory others can read: off, doctor warns" "^cache +warn +host facts cache off \($H/.cache/ezpz is not a private directory" "$OUT"
chmod 700 "$H/.cache/ezpz"

run env XDG_CACHE_HOME="$T_TMP/xdg" "$EZPZ" info --json
t_eq "XDG_CACHE_HOME: the file there" "hwloc; cache $T_TMP/xdg/ezpz/host-$(hostname).facts (written)" "$(src)"

t_done
