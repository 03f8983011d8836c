#!/bin/bash
# ezpz yeet outside a batch job (one host, the real mpirun): a venv staged
# to another path is a working venv there: 'setup-env --venv' activates the
# copy and 'launch' ranks run its Python and its scripts; a tarball (one
# file) is copied byte for byte and replaced atomically on a second yeet.
# shellcheck disable=SC2016 # $VARs in single quotes are for the inner shell
. "$EZPZ_TOP/tests/lib.sh"
need_mpirun
need_cmd python3 tar
unset PBS_JOBID SLURM_JOB_ID SLURM_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID VIRTUAL_ENV CONDA_PREFIX
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml EZPZ_HOSTNAME=laptop

V=$T_TMP/shared/venv
L=$T_TMP/local/venv
python3 -m venv --without-pip "$V" || t_bail "python3 -m venv"
# One write per line (Python is unbuffered under ezpz launch: two ranks'
# pieces of print("a", b) could interleave).
printf '#!%s/bin/python3\nimport sys\nsys.stdout.write("prefix %%s\\n" %% sys.prefix)\n' "$V" > "$V/bin/where"
chmod 755 "$V/bin/where"
t_run t_timeout 60 env VIRTUAL_ENV="$V" "$EZPZ" yeet -q --dest "$L"
t_eq "yeet the active venv: exit 0" 0 "$RC"
t_match "one host, ok, its scripts rewritten" "ok .*$L \([0-9]+ scripts now name it\)" "$OUT"
t_eq "the script's #! names the copy" "#!$L/bin/python3" "$(head -n 1 "$L/bin/where")"
t_eq "files outside bin/ are the source's, and yeet's mark" \
	"Only in $L: .ezpz-yeet" "$(diff -r -x bin "$V" "$L")"
t_run t_timeout 120 env -i PATH=/usr/bin:/bin HOME="$T_TMP" EZPZ="$EZPZ" L="$L" \
	EZPZ_TOPOLOGY="$EZPZ_TOPOLOGY" EZPZ_HOSTNAME=laptop \
	OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_oob_tcp_if_include=lo \
	OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_rmaps_base_oversubscribe=1 \
	bash -c 'eval "$("$EZPZ" setup-env --no-modules --venv "$L")" &&
		echo "venv $VIRTUAL_ENV" && "$EZPZ" launch -q -n 2 -- where'
t_eq "setup-env --venv COPY, then launch: exit 0" 0 "$RC"
t_eq "the copy is active, and both ranks run its Python" "venv $L prefix $L prefix $L" \
	"$(printf '%s\n' "$OUT" | xargs)"

# A tarball: one file, copied as it is; a second yeet replaces it.
mkdir -p "$T_TMP/data"
head -c 1000000 /dev/urandom > "$T_TMP/data/blob"
tar -C "$T_TMP" -cf "$T_TMP/shared/data.tar" data
t_run t_timeout 60 "$EZPZ" yeet -q "$T_TMP/shared/data.tar" --dest "$T_TMP/local/data.tar"
t_eq "yeet a tarball: exit 0" 0 "$RC"
t_eq "the same bytes" yes "$(cmp -s "$T_TMP/shared/data.tar" "$T_TMP/local/data.tar" && echo yes)"
head -c 1000 /dev/urandom >> "$T_TMP/data/blob"
tar -C "$T_TMP" -cf "$T_TMP/shared/data.tar" data
t_run t_timeout 60 "$EZPZ" yeet -q "$T_TMP/shared/data.tar" --dest "$T_TMP/local/data.tar"
t_eq "again, after it changed: exit 0" 0 "$RC"
t_eq "the new bytes" yes "$(cmp -s "$T_TMP/shared/data.tar" "$T_TMP/local/data.tar" && echo yes)"
t_eq "nothing else beside it" "data.tar venv" "$(ls -A "$T_TMP/local" | xargs)"

# What DIR may be.  The source, inside it, or what holds it (also once %h
# is this host's name, and /) would be destroyed by the rename: usage
# errors.  A directory yeet did not make, or another kind of thing, is
# left as it is: that host fails.
H=$(hostname -s)
W=$T_TMP/w
mkdir -p "$W/hy/$H/venv" "$W/hy/$H/other" "$W/src/a"
echo v > "$W/hy/$H/venv/f"
echo precious > "$W/hy/$H/other/results.txt"
echo a > "$W/src/a/x"
t_run t_timeout 60 "$EZPZ" yeet -q "$W/hy/$H/venv" --dest "$W/hy/%h"
t_eq "--dest DIR/%h holds the source on this host: exit 2" 2 "$RC"
t_match "... saying so" "--dest '$W/hy/$H' is the source '$W/hy/$H/venv', or inside it, or holds it" "$ERR"
t_eq "... and the source and what is beside it are there" "v precious" \
	"$(cat "$W/hy/$H/venv/f" "$W/hy/$H/other/results.txt" | xargs)"
t_run t_timeout 60 "$EZPZ" yeet -q "$W/src/a" --dest /
t_eq "--dest /: exit 2" 2 "$RC"
t_run t_timeout 60 "$EZPZ" yeet -q "$W/src/a" --dest "$W/new/../src"
t_eq "--dest with '..' (after a directory not made yet, it resolves to what holds SRC): exit 2" \
	"2 no" "$RC $([ -e "$W/new" ] && echo yes || echo no)"
t_run t_timeout 60 "$EZPZ" yeet -q --dry-run / --dest "$W/rootcopy"
t_eq "SRC /: exit 2" 2 "$RC"
mkdir -p "$W/scratch/otherjob"
echo results > "$W/scratch/otherjob/out.h5"
t_run t_timeout 60 "$EZPZ" yeet -q "$W/src/a" --dest "$W/scratch"
t_eq "--dest a directory yeet did not make: exit 1" 1 "$RC"
t_match "... the host's line says why" "FAIL .*'$W/scratch' is a directory that yeet did not make \(no .ezpz-yeet in it\)" "$OUT"
t_eq "... and it is left as it was" "out.h5" "$(ls -A "$W/scratch/otherjob" | xargs)"
t_eq "... with nothing beside it" "hy scratch src" "$(ls -A "$W" | xargs)"
t_run t_timeout 60 "$EZPZ" yeet -q "$T_TMP/shared/data.tar" --dest "$W/scratch"
t_eq "a file onto a directory: exit 1" 1 "$RC"
t_match "... the host's line says why" "FAIL .*'$W/scratch' is a directory and the source a file" "$OUT"
t_eq "... and it is left as it was" "otherjob" "$(ls -A "$W/scratch" | xargs)"
mkdir -p "$W/copy.yeet-$H-999999999/d" "$W/empty"
t_run t_timeout 60 "$EZPZ" yeet -q "$W/src/a" --dest "$W/copy"
t_eq "a new DIR: exit 0" 0 "$RC"
t_eq "... holds the tree and yeet's mark" ".ezpz-yeet x" "$(ls -A "$W/copy" | xargs)"
t_eq "... and a dead yeet's temporary copy is gone" "copy" "$(cd "$W" && ls -d copy* | xargs)"
echo b > "$W/src/a/y"
t_run t_timeout 60 "$EZPZ" yeet -q "$W/src/a" --dest "$W/copy"
t_eq "again over the marked copy: exit 0" 0 "$RC"
t_eq "... the new tree" ".ezpz-yeet x y" "$(ls -A "$W/copy" | xargs)"
t_run t_timeout 60 "$EZPZ" yeet -q "$W/src/a" --dest "$W/empty"
t_eq "onto an empty directory: exit 0" 0 "$RC"
# A stop while a copy is written (SIGTERM to the worker, as a Ctrl-C to the
# terminal's group or ezpz kill sends it): its temporary copy goes, and the
# copy already at DIR stays as it was.
mkdir -p "$W/big/sub"
truncate -s 300M "$W/big/sub/blob"
t_timeout 60 "$EZPZ" yeet -q "$W/big" --dest "$W/copy" >"$T_TMP/stop.out" 2>&1 &
run=$!
seen=$(t_wait_name "$W" 'copy.yeet-*' "$run")
# (the worker itself, not mpirun, whose command line holds the worker's)
pkill -TERM -f "^[^ ]*/ezpz-yeet-worker --src $W/big" 2>/dev/null
wait "$run"
rc=$?
rm -rf "$W/big"
t_match "a stop while the copy is written: caught while its temporary was there" \
	"^copy\.yeet-$H-[0-9]+$" "$seen"
t_eq "... it was stopped, not finished" 1 "$([ "$rc" != 0 ] && ! grep -q ' ok ' "$T_TMP/stop.out" && echo 1)"
t_eq "... nothing of it is left" "copy" "$(cd "$W" && ls -d copy* | xargs)"
t_eq "... and the earlier copy is whole" ".ezpz-yeet x y" "$(ls -A "$W/copy" | xargs)"
ln -s "$W/src/a" "$W/current"
t_run env VIRTUAL_ENV="$W/current" "$EZPZ" yeet -q --dest "$W/vc"
t_eq "a source that is a link: exit 2, nothing launched" 2 "$RC"
t_match "... naming where it leads" "source '$W/current' is a symbolic link: give the path it leads to \(ezpz yeet $W/src/a\)" "$ERR"
t_done
