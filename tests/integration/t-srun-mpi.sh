#!/bin/bash
# srun's MPI plugin on a stock Slurm (the test cluster's MpiDefault=none,
# Slurm's default) as well as on a site's MpiDefault=pmix: plain srun
# starts an Open MPI program as singletons on the first; ezpz launch and
# ezpz test choose --mpi=pmix, doctor names the mismatch and the fix, and a
# site's choice or the user's is kept.  The pmix configuration is the
# cluster's slurm.conf with MpiDefault=pmix, given to the client commands
# (srun sends the plugin type with each step).
. "$EZPZ_TOP/tests/lib.sh"
need_slurm 2
need_mpirun
need_cmd jq
unset PBS_JOBID HOSTFILE NGPU_PER_HOST EZPZ_JOBID MASTER_ADDR MASTER_PORT EZPZ_HOSTNAME \
	SLURM_MPI_TYPE EZPZ_SRUN_MPI EZPZ_LAUNCHER
export EZPZ_TOPOLOGY=$FIX/topo/synthetic-nogpu.xml
t_mpi_hello || t_bail "cannot compile mpi_hello"
STOCK=$SLURM_CONF
PMIX_CONF=$T_TMP/etc/slurm.conf
mkdir -p "$T_TMP/etc"
grep -qi '^MpiDefault=none' "$STOCK" || t_bail "the test cluster is expected to keep Slurm's MpiDefault=none"
sed 's/^MpiDefault=.*/MpiDefault=pmix/' "$STOCK" > "$PMIX_CONF"
[ -f "$(dirname "$STOCK")/gres.conf" ] && cp "$(dirname "$STOCK")/gres.conf" "$T_TMP/etc/"
sizes() { printf '%s\n' "$OUT" | grep -o 'size [0-9]*' | sort | uniq -c | xargs; }

for conf in stock pmix; do
	if [ $conf = stock ]; then export SLURM_CONF=$STOCK; else export SLURM_CONF=$PMIX_CONF; fi

	t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch --dry-run -q -n 2 -- "$T_TMP/mpi_hello"
	if [ $conf = stock ]; then
		t_match "$conf: the launch line asks for --mpi=pmix" "(^| )--mpi=pmix( |$)" "$OUT$ERR"
	else
		t_nomatch "$conf: the site's MpiDefault kept (no --mpi)" "--mpi=" "$OUT$ERR"
	fi
	t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch -q -n 2 -- "$T_TMP/mpi_hello"
	t_eq "$conf: ezpz launch of an Open MPI program: exit 0" 0 "$RC"
	t_eq "$conf: ... one job of 2 ranks" "2 size 2" "$(sizes)"

	t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" doctor --json
	msg=$(printf '%s\n' "$OUT" | jq -r '.[] | select(.name == "launcher") | .status + " " + .message + " | " + (.remedy // "")')
	if [ $conf = stock ]; then
		t_match "$conf: doctor names MpiDefault=none and the fix" \
			"^warn .*MpiDefault=none.*\| .*--mpi=pmix" "$msg"
	else
		t_match "$conf: doctor: the site's MpiDefault" "^ok .*MpiDefault=pmix" "$msg"
	fi

	out=$T_TMP/test-$conf.out
	t_run t_timeout 240 sbatch --wait -N 2 --ntasks-per-node=2 -o "$out" \
		--wrap "'$EZPZ' test -q -- --iters 10 --warmup 2 --max-bytes 65536"
	t_eq "$conf: ezpz test in sbatch -N2 --ntasks-per-node=2: exit 0" 0 "$RC"
	t_match "$conf: ... PASS" "^PASS: every check passed" "$(cat "$out")"
	t_nomatch "$conf: ... no PMI complaint" "not built with SLURM's PMI support" "$(cat "$out")"
done

# The stock problem itself, which the above avoids: plain srun starts singletons.
export SLURM_CONF=$STOCK
t_run t_timeout 90 salloc -N 2 --exclusive srun -N 2 -n 2 "$T_TMP/mpi_hello"
t_nomatch "stock: plain srun does not make one job of 2 ranks" "size 2" "$OUT"
# The user's choice is kept.
t_run t_timeout 90 env SLURM_MPI_TYPE=pmi2 salloc -N 2 --exclusive "$EZPZ" launch --dry-run -q -n 2 -- true
t_nomatch "stock, SLURM_MPI_TYPE set: no --mpi added" "--mpi=" "$OUT$ERR"
t_run t_timeout 90 env EZPZ_SRUN_MPI=site salloc -N 2 --exclusive "$EZPZ" launch --dry-run -q -n 2 -- true
t_nomatch "stock, EZPZ_SRUN_MPI=site: no --mpi added" "--mpi=" "$OUT$ERR"
t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch --srun-mpi pmi2 --dry-run -q -n 2 -- true
t_match "stock, --srun-mpi pmi2: --mpi=pmi2" "(^| )--mpi=pmi2( |$)" "$OUT$ERR"
t_run t_timeout 90 salloc -N 2 --exclusive "$EZPZ" launch --srun-mpi 'pmix --pty' --dry-run -q -- true
t_eq "--srun-mpi with a space: usage error" 2 "$RC"
# A machine profile's srun_mpi, for a site whose slurm.conf ezpz cannot judge.
mkdir -p "$T_TMP/profiles"
printf 'name: mysite\nmatch: [ { env: { SLURM_CLUSTER_NAME: "*" } } ]\nscheduler: slurm\nsrun_mpi: %s\n' site \
	>"$T_TMP/profiles/mysite.yaml"
t_run t_timeout 90 env EZPZ_CONFIG_DIR="$T_TMP/profiles" salloc -N 2 --exclusive \
	"$EZPZ" launch --machine mysite --dry-run -q -n 2 -- true
t_eq "stock, the profile's srun_mpi: site: exit 0" 0 "$RC"
t_nomatch "... no --mpi added" "--mpi=" "$OUT$ERR"
t_run t_timeout 90 env EZPZ_CONFIG_DIR="$T_TMP/profiles" salloc -N 2 --exclusive \
	"$EZPZ" doctor --machine mysite
t_match "... doctor names the profile's choice" "srun_mpi: site" "$OUT$ERR"
t_done
