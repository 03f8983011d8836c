/* SPDX-License-Identifier: MIT */
/*
 * launcher.h: which launcher flavour runs the ranks (launcher.c).  What
 * each flavour is lives in its be_*.c (backend.h); this decides which.
 */
#ifndef EZPZ_LAUNCHER_H
#define EZPZ_LAUNCHER_H

#include "job.h"

/* Flavour from an mpiexec's path and --version text; UNSET if unknown. */
enum launcher launcher_classify(const char *path, const char *version_text);

/*
 * Set job->launcher, job->launcher_path and job->src.launcher: the name
 * the option, EZPZ_LAUNCHER or the profile gives, else srun inside a
 * Slurm job, else what probing PATH finds (LAUNCHER_NONE if nothing).
 * Returns 0, or with *err malloc'd: -2 for an unknown name given as an
 * option, -1 for one in EZPZ_LAUNCHER (or a program of no known flavour),
 * JOB_NO_LAUNCHER or JOB_LAUNCHER_NOEXEC for a path with nothing there or
 * nothing runnable (job.h).
 */
int launcher_choose(struct job *job, char *const *envp, const struct job_opts *o,
    const struct job_io *io, char **err);

#endif
