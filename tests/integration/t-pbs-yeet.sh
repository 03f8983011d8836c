#!/bin/bash
# t-pbs-yeet: 'ezpz yeet' in a real OpenPBS job across 2 emulated nodes
# (pbsn1, pbsn2: their own network and host name, one file system, so the
# destination names the host with %h): one rank per node through mpirun and
# ezpz's rsh agent, the same tree on both nodes, a line per host.
. "$EZPZ_TOP/tests/lib.sh"
need_pbs 2
need_mpirun
S=$PBS_JOBS/yeet-src
D=$PBS_JOBS/yeet-nodes
rm -rf "$S" "$D"
mkdir -p "$S/a/b"
head -c 2000000 /dev/urandom > "$S/a/b/big"
printf 'x\n' > "$S/a/f"
ln -s b/big "$S/a/link"
chmod 750 "$S/a/b"; chmod 600 "$S/a/f"
script=$(pbs_script yeet <<EOF
"\$EZPZ" yeet -q "$S" --dest "$D/%h/tree"
EOF
)
pbs_job yeet -l select=2:ncpus=1:mpiprocs=1 -l place=scatter "$script"
t_eq "yeet in a 2-node PBS job: the job exits 0" 0 "$RC"
t_eq "a line per node, each ok" "pbsn1 ok pbsn2 ok" \
	"$(printf '%s\n' "$OUT" | awk '$1 ~ /^pbsn[0-9]$/ { print $1, $2 }' | sort | xargs)"
# Every fact of a tree but yeet's mark in a copy's root (and so the sizes
# of directories, which hold one more name there).
facts() {
	(cd "$1" && find . -path ./.ezpz-yeet -prune -o -printf '%p %y %m %T@ %l\n' &&
		find . -type f ! -path ./.ezpz-yeet -printf '%p %s\n') | sort
}
for n in pbsn1 pbsn2; do
	t_eq "$n: the same tree, and yeet's mark" yes "$([ -d "$D/$n/tree" ] &&
		diff -r --no-dereference -x .ezpz-yeet "$S" "$D/$n/tree" >/dev/null &&
		[ "$(facts "$S")" = "$(facts "$D/$n/tree")" ] && [ -f "$D/$n/tree/.ezpz-yeet" ] && echo yes)"
done
[ "$RC" = 0 ] || printf '%s\n' "$OUT" "$ERR" | sed 's/^/  | /' | tail -n 30
rm -rf "$S" "$D"
t_done
