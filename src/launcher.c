/* SPDX-License-Identifier: MIT */
/*
 * launcher.c: which launcher flavour runs the ranks.  Names the user or the
 * profile gives win; else srun inside a Slurm job; else ask what mpiexec or
 * mpirun on PATH is, from its path (Cray PALS lives under .../pals/) or its
 * --version text, rather than guessing from the machine's name.
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "util.h"


/* Flavour from an mpiexec's path and --version output; UNSET if unknown. */
enum launcher
launcher_classify(const char *path, const char *text)
{
	if (path && strstr(path, "/pals/"))
		return LAUNCHER_PALS;
	if (text == NULL)
		return LAUNCHER_UNSET;
	if (strstr(text, "Open MPI") || strstr(text, "OpenRTE") || strstr(text, "Open RTE"))
		return LAUNCHER_OPENMPI;
	if (strstr(text, "HYDRA") || strstr(text, "Hydra") || strstr(text, "MPICH") ||
	    strstr(text, "Intel(R) MPI"))
		return LAUNCHER_MPICH;
	if (strstr(text, "PALS") || strstr(text, "pals"))
		return LAUNCHER_PALS;
	return LAUNCHER_UNSET;
}

static const char *
launcher_exe(enum launcher l)
{
	switch (l) {
	case LAUNCHER_OPENMPI: return "mpirun";
	case LAUNCHER_SRUN: return "srun";
	default: return "mpiexec";
	}
}

static int
launcher_probe(struct job *job, const struct job_io *io)
{
	static const char *const names[] = { "mpiexec", "mpirun" };
	for (size_t i = 0; i < NITEMS(names); i++) {
		char *path = io->which(io->ctx, names[i]), *out = NULL;
		char *argv[] = { path, "--version", NULL };
		enum launcher l;
		if (path == NULL)
			continue;
		if ((l = launcher_classify(path, NULL)) == LAUNCHER_UNSET) {
			(void)io->run(io->ctx, argv, &out);
			l = launcher_classify(path, out);
		}
		free(out);
		if (l != LAUNCHER_UNSET) {
			job->launcher = l;
			job->launcher_path = path;
			job_set_src(&job->src.launcher, "probe:%s", path);
			return 1;
		}
		free(path);
	}
	return 0;
}

int launcher_choose(struct job *job, char *const *envp, const struct job_opts *o,
    const struct job_io *io, char **err);

int
launcher_choose(struct job *job, char *const *envp, const struct job_opts *o,
    const struct job_io *io, char **err)
{
	const char *forced = o->launcher, *how = "option:--launcher";

	if (forced == NULL && (forced = env_nonempty(envp, "EZPZ_LAUNCHER")) != NULL)
		how = "env:EZPZ_LAUNCHER";
	if (forced) {
		enum launcher l = launcher_parse(forced);
		if (l == LAUNCHER_UNSET || l == LAUNCHER_NONE) {
			*err = xasprintf("launcher '%s' (from %s): unknown flavour "
			    "(use pals, mpich, openmpi or srun)", forced, strchr(how, ':') + 1);
			return -1;
		}
		job->launcher = l;
		job_set_src(&job->src.launcher, "%s", how);
	} else if (job->profile && job->profile->launcher != LAUNCHER_UNSET) {
		job->launcher = job->profile->launcher;
		job_set_src(&job->src.launcher, "profile:%s", job->profile->name);
	} else if (job->sched == SCHED_SLURM && (job->launcher_path = io->which(io->ctx, "srun"))) {
		job->launcher = LAUNCHER_SRUN;
		job_set_src(&job->src.launcher, "slurm job, srun on PATH");
		return 0;
	} else if (launcher_probe(job, io)) {
		return 0;
	} else {
		job->launcher = LAUNCHER_NONE;
		job_set_src(&job->src.launcher, "none on PATH (looked for mpiexec, mpirun%s)",
		    job->sched == SCHED_SLURM ? ", srun" : "");
		return 0;
	}
	if (job->launcher != LAUNCHER_NONE)
		job->launcher_path = io->which(io->ctx, launcher_exe(job->launcher));
	return 0;
}
