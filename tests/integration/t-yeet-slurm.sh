#!/bin/bash
# ezpz yeet in real Slurm jobs on the local cluster (emulated nodes n1..n4,
# one file system, so each node stages under a directory named by --dest's
# %h): identical trees on every node (contents, modes, symlinks, times), a
# second yeet replaces the first, a node whose destination is full or
# read-only fails cleanly with nothing half-written left, --min-success
# decides the exit status, and a staged venv runs from the node's copy.
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 4
need_root
need_cmd python3 mount umount
unset PBS_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID VIRTUAL_ENV CONDA_PREFIX
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
MNT=()
cleanup() {
	for m in "${MNT[@]}"; do umount "$m" 2>/dev/null; done
	rm -rf "$T_TMP"
}
trap cleanup EXIT

# The source: nested directories, modes from 0400 to 4755, a read-only
# directory, relative, absolute and dangling links, empty files and
# directories, names with spaces, and 3 MB of random bytes.
S=$T_TMP/shared/tree
mkdir -p "$S/a/b/c" "$S/empty dir" "$S/ro"
head -c 3000000 /dev/urandom > "$S/a/b/big.bin"
printf 'hello\n' > "$S/a/f.txt"
: > "$S/a/b/c/empty"
printf '#!/bin/sh\necho run\n' > "$S/a/run.sh"
printf 'secret\n' > "$S/a/private"
printf 'x\n' > "$S/ro/inside"
ln -s f.txt "$S/a/link-rel"
ln -s "$S/a/f.txt" "$S/link-abs"
ln -s nowhere "$S/dangling"
printf 'sp\n' > "$S/a/with space"
chmod 755 "$S/a/run.sh"; chmod 4755 "$S/a/b/c/empty"; chmod 400 "$S/a/private"
chmod 555 "$S/ro"; chmod 700 "$S/a/b"
touch -d '2020-01-02 03:04:05' "$S/a/f.txt"
# Every fact of a tree, one line an entry, but yeet's mark in a copy's
# root (and so the root's size as a directory holding one more name).
facts() {
	(cd "$1" && find . -path ./.ezpz-yeet -prune -o -printf '%p %y %m %T@ %l\n' &&
		find . -type f ! -path ./.ezpz-yeet -printf '%p %s\n') | sort
}
# The facts and bytes of each node's copy against the source's, and the mark.
same_tree() {   # root
	[ -d "$1" ] && diff -r --no-dereference -x .ezpz-yeet "$S" "$1" >/dev/null &&
		[ "$(facts "$S")" = "$(facts "$1")" ] && [ -f "$1/.ezpz-yeet" ]
}

D=$T_TMP/nodes
t_run t_timeout 120 salloc -N 4 --exclusive "$EZPZ" yeet -q "$S" --dest "$D/%h/tree"
t_eq "yeet to 4 nodes: exit 0" 0 "$RC"
t_eq "a line per host, each ok" "n1 ok n2 ok n3 ok n4 ok" \
	"$(printf '%s\n' "$OUT" | awk '$1 ~ /^n[0-9]$/ { print $1, $2 }' | sort | xargs)"
t_match "the verdict line" "yeet: 4 of 4 hosts ok, 4 needed" "$OUT"
for n in n1 n2 n3 n4; do
	t_eq "$n: the same tree (bytes, types, modes, sizes, times, link targets)" yes \
		"$(same_tree "$D/$n/tree" && echo yes)"
done
t_eq "nothing but the copy beside it" "tree tree tree tree" "$(for n in n1 n2 n3 n4; do ls -A "$D/$n"; done | xargs)"

# Again, onto the copies, after the source changed: replaced whole.
printf 'changed\n' > "$S/a/f.txt"
rm "$S/a/with space"
t_run t_timeout 120 salloc -N 4 --exclusive "$EZPZ" yeet -q "$S" --dest "$D/%h/tree"
t_eq "yeet again: exit 0" 0 "$RC"
t_eq "the copies are the new tree" "yes yes yes yes" \
	"$(for n in n1 n2 n3 n4; do same_tree "$D/$n/tree" && echo yes; done | xargs)"
t_eq "the older copies are gone" "tree tree tree tree" "$(for n in n1 n2 n3 n4; do ls -A "$D/$n"; done | xargs)"

# n2's destination is a 1 MB file system (the tree needs 3 MB), n3's is
# read-only: they fail, saying why, and keep nothing; n1 and n4 succeed.
F=$T_TMP/nodes-faulty
mkdir -p "$F/n1" "$F/n2" "$F/n3" "$F/n4"
mount -t tmpfs -o size=1m ezpz-yeet-full "$F/n2" && MNT+=("$F/n2") || t_bail "mount tmpfs"
mount -t tmpfs -o ro,size=1m ezpz-yeet-ro "$F/n3" && MNT+=("$F/n3") || t_bail "mount tmpfs ro"
yeet_faulty() { t_run t_timeout 120 salloc -N 4 --exclusive "$EZPZ" yeet -q "$S" --dest "$F/%h/tree" "$@"; }
yeet_faulty
t_eq "a full and a read-only node: exit 1 (all needed by default)" 1 "$RC"
t_match "n2 fails: no space" "n2 +FAIL .*No space left on device" "$OUT"
t_match "n3 fails: read-only" "n3 +FAIL .*Read-only file system" "$OUT"
t_match "the verdict names the count" "yeet: 2 of 4 hosts ok, 4 needed" "$OUT"
t_eq "n1 and n4 have the tree" "yes yes" \
	"$(for n in n1 n4; do same_tree "$F/$n/tree" && echo yes; done | xargs)"
t_eq "nothing half-written on the full node" "" "$(ls -A "$F/n2")"
t_eq "... and its space is free again" 0 "$(df --output=used -k "$F/n2" | tail -n 1 | tr -d ' ')"
t_eq "nothing on the read-only node" "" "$(ls -A "$F/n3")"
for m in 2 0.5; do
	yeet_faulty --min-success $m
	t_eq "--min-success $m with 2 of 4 ok: exit 0" 0 "$RC"
done
for m in 3 0.75; do
	yeet_faulty --min-success $m
	t_eq "--min-success $m with 2 of 4 ok: exit 1" 1 "$RC"
done
t_match "... naming what was needed" "yeet: 2 of 4 hosts ok, 3 needed" "$OUT"

# A venv staged per node: its scripts name the node's copy, and ranks run
# the copy's Python (VIRTUAL_ENV defaults SRC).
V=$T_TMP/shared/venv
python3 -m venv --without-pip "$V" || t_bail "python3 -m venv"
# One write per line: srun -u forwards the pieces of print("a", b) under
# PYTHONUNBUFFERED as they come, and two ranks' pieces can interleave.
printf '#!%s/bin/python3\nimport sys\nsys.stdout.write("prefix %%s\\n" %% sys.prefix)\n' "$V" > "$V/bin/where"
chmod 755 "$V/bin/where"
t_run t_timeout 120 env VIRTUAL_ENV="$V" salloc -N 2 --exclusive "$EZPZ" yeet -q --dest "$D/%h/venv"
t_eq "yeet \$VIRTUAL_ENV: exit 0" 0 "$RC"
t_match "... saying which scripts it rewrote" "n1 +ok .*scripts now name it" "$OUT"
t_eq "bin/activate names the copy" "VIRTUAL_ENV=\"$D/n2/venv\"" \
	"$(grep '^VIRTUAL_ENV=' "$D/n2/venv/bin/activate")"
t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch -q -- \
	sh -c '. "$0/$(hostname)/venv/bin/activate" && where' "$D"
t_eq "launch: each rank runs its node's copy" "prefix $D/n1/venv prefix $D/n2/venv" \
	"$(printf '%s\n' "$OUT" | sort | xargs)"

# Bad input, said before anything runs.
t_run t_timeout 60 salloc -N 2 --exclusive "$EZPZ" yeet -q "$T_TMP/missing" --dest "$D/%h/x"
t_eq "a missing source: exit 1, nothing launched" "1" "$RC"
t_match "... naming it" "ezpz: yeet: source '$T_TMP/missing': No such file or directory" "$ERR"
t_done
