/* SPDX-License-Identifier: MIT */
/*
 * srunmpi.h: which MPI plugin srun should start the ranks with.  Slurm's
 * default configuration says MpiDefault=none, and under it an Open MPI
 * program starts as singletons ("OMPI was not built with SLURM's PMI
 * support"); a site that set MpiDefault (pmix, pmi2, cray_shasta) chose
 * for its MPI.  So ezpz adds --mpi=pmix only where the site default is
 * none and the pmix plugin is installed, and keeps any choice the user
 * made (SLURM_MPI_TYPE, EZPZ_SRUN_MPI).
 */
#ifndef EZPZ_SRUNMPI_H
#define EZPZ_SRUNMPI_H

#include "job.h"

struct srun_mpi {
	char *conf;          /* the slurm.conf read, or NULL */
	char *site;          /* its MpiDefault ("none" when it sets none), or NULL: unknown */
	char *flag;          /* the --mpi value ezpz adds, or NULL: srun's own choice */
	char *why;           /* one line: why that */
};

/* Inside a normal job step (srun started us): SLURM_STEP_ID set and below
 * 0xfffffff0, so not the batch script (unset) nor Slurm's own steps
 * (salloc's interactive step, 0xfffffffa). */
int slurm_in_step(char *const *envp);

/* A slurm.conf key's value (keys are case-insensitive; the last wins), or NULL. */
char *slurm_conf_get(const char *text, const char *key);
/*
 * Decide for an srun at srun_path (may be NULL) in environment envp, after
 * the choices made by name, first found wins: opt (--srun-mpi), then
 * EZPZ_SRUN_MPI, SLURM_MPI_TYPE (srun's own), then profile (the machine
 * profile's srun_mpi; opt and profile may be NULL),
 * reading slurm.conf ($SLURM_CONF, else /etc/slurm/slurm.conf) and looking
 * for the plugin through io.  Never fails: what is unknown keeps srun's
 * own choice.
 */
void srun_mpi_decide(struct srun_mpi *m, char *const *envp, const char *srun_path,
    const char *opt, const char *profile, const struct job_io *io);
void srun_mpi_free(struct srun_mpi *m);

#endif
