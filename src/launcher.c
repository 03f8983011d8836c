/* SPDX-License-Identifier: MIT */
/*
 * launcher.c: which launcher flavour runs the ranks.  Names the user or the
 * profile gives win; else srun inside a Slurm job; else ask what mpiexec or
 * mpirun on PATH is, from its path (Cray PALS lives under .../pals/) or its
 * --version text, rather than guessing from the machine's name.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "launcher.h"
#include "util.h"

enum launcher
launcher_classify(const char *path, const char *text)
{
	const struct backend *b = backend_recognise(path, text);
	return b ? b->id : LAUNCHER_UNSET;
}

/* The programs probing looks for, in the table's order, each once. */
static size_t
probe_names(const char **names, size_t max)
{
	size_t n = 0;
	for (const struct backend *const *b = backends; *b && n < max; b++) {
		size_t i = 0;
		while (i < n && strcmp(names[i], (*b)->exe) != 0)
			i++;
		if ((*b)->probe && i == n)
			names[n++] = (*b)->exe;
	}
	return n;
}

static int
launcher_probe(struct job *job, const struct job_io *io)
{
	const char *names[8];
	size_t nnames = probe_names(names, NITEMS(names));
	for (size_t i = 0; i < nnames; i++) {
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
			src_set(&job->src.launcher, SRC_PROBE, "%s", path);
			return 1;
		}
		free(path);
	}
	return 0;
}

int
launcher_choose(struct job *job, char *const *envp, const struct job_opts *o,
    const struct job_io *io, char **err)
{
	const char *forced = o->launcher, *howname = "--launcher";
	enum src_kind how = SRC_OPTION;

	if (forced == NULL && (forced = env_nonempty(envp, "EZPZ_LAUNCHER")) != NULL) {
		how = SRC_ENV;
		howname = "EZPZ_LAUNCHER";
	}
	if (forced) {
		const struct backend *b = backend_by_name(forced);
		if (b == NULL) {
			char *names = backend_names(", ", " or ");
			*err = xasprintf("launcher '%s' (from %s): unknown flavour (use %s)", forced,
			    howname, names);
			free(names);
			return -1;
		}
		job->launcher = b->id;
		src_set(&job->src.launcher, how, "%s", howname);
	} else if (job->profile && job->profile->launcher != LAUNCHER_UNSET) {
		job->launcher = job->profile->launcher;
		src_set(&job->src.launcher, SRC_PROFILE, "%s", job->profile->name);
	} else if (job->sched == SCHED_SLURM && (job->launcher_path = io->which(io->ctx, "srun"))) {
		job->launcher = LAUNCHER_SRUN;
		src_set(&job->src.launcher, SRC_OTHER, "slurm job, srun on PATH");
		return 0;
	} else if (launcher_probe(job, io)) {
		return 0;
	} else {
		job->launcher = LAUNCHER_NONE;
		src_set(&job->src.launcher, SRC_OTHER, "none on PATH (looked for mpiexec, mpirun%s)",
		    job->sched == SCHED_SLURM ? ", srun" : "");
		return 0;
	}
	if (job->launcher != LAUNCHER_NONE)
		job->launcher_path = io->which(io->ctx, backend_for(job->launcher)->exe);
	return 0;
}
