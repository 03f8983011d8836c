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
t_eq "files outside bin/ are the source's" "" "$(diff -r -x bin "$V" "$L")"
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
t_done
