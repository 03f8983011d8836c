/* SPDX-License-Identifier: MIT */
/*
 * launcher.c: which launcher flavour runs the ranks.  Names the user or the
 * profile gives win (a stale exported EZPZ_LAUNCHER does not: what PATH
 * holds now does); else srun inside a Slurm job; else ask what mpiexec,
 * mpirun or their distribution names (mpiexec.hydra, mpirun.openmpi) on
 * PATH are, from the path (Cray PALS lives under .../pals/) or the
 * --version text, rather than guessing from the machine's name.  One that
 * cannot run is named with its own error and the next is tried.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buf.h"
#include "launcher.h"
#include "srunmpi.h"
#include "strvec.h"
#include "util.h"

enum launcher
launcher_classify(const char *path, const char *text)
{
	const struct backend *b = backend_recognise(path, text);
	return b ? b->id : LAUNCHER_UNSET;
}

/* Where path's directory is on PATH (0 first); past the end if not there. */
static size_t
path_rank(char *const *envp, const char *path)
{
	const char *p = env_get(envp, "PATH"), *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0, i = 0;

	for (; p; i++) {
		size_t len = strcspn(p, ":");
		if (len == dlen && strncmp(p, path, len) == 0)
			return i;
		if (len == 0 && dlen == 1 && path[0] == '.')
			return i;
		p = p[len] ? p + len + 1 : NULL;
	}
	return (size_t)-1;
}

struct cand {
	char *path;
	size_t rank, order;
};

static int
cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->order > y->order) - (x->order < y->order);
}

/* The first line of a failed probe's output, for the note. */
static char *
first_line(const char *out)
{
	while (out && (*out == '\n' || *out == ' '))
		out++;
	return out && *out ? xstrndup(out, strcspn(out, "\n")) : xstrdup("no output");
}

static void
note_add(char **note, const char *fmt, ...) PRINTF(2, 3);
static void
note_add(char **note, const char *fmt, ...)
{
	va_list ap;
	char *s, *joined;
	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	joined = *note ? xasprintf("%s; %s", *note, s) : xstrdup(s);
	free(*note);
	free(s);
	*note = joined;
}

/*
 * What path is: its path part, else its --version text.  A launcher that
 * is there but cannot run (a missing library) says why in *why.
 */
static enum launcher
recognise(const char *path, const struct job_io *io, char **why)
{
	char *argv[] = { (char *)path, "--version", NULL }, *out = NULL;
	enum launcher l = launcher_classify(path, NULL);
	int st;

	*why = NULL;
	if (l != LAUNCHER_UNSET)
		return l;
	st = io->run(io->ctx, argv, &out);
	l = launcher_classify(path, out);
	if (l == LAUNCHER_UNSET) {
		char *line = first_line(out);
		*why = st < 0 ? xasprintf("cannot be started") : st != 0 ?
		    xasprintf("exit %d: %s", st, line) : xasprintf("not a launcher ezpz knows "
		    "('--version' says: %s)", line);
		free(line);
	}
	free(out);
	return l;
}

/*
 * Every launcher name on PATH, in PATH's order (within a directory,
 * mpiexec and mpirun first); the first that answers wins.  One that is
 * there but cannot run is named in job->launcher_note with its own error,
 * and the next is tried.
 */
static int
launcher_probe(struct job *job, char *const *envp, const struct job_io *io)
{
	const char *names[16];
	size_t nnames = backend_probe_names(names, NITEMS(names)), nc = 0;
	struct cand c[16];
	int found = 0;

	for (size_t i = 0; i < nnames; i++) {
		char *path = io->which(io->ctx, names[i]);
		size_t k = 0;
		while (path && k < nc && strcmp(c[k].path, path) != 0)
			k++;
		if (path == NULL || k < nc) {
			free(path);
			continue;
		}
		c[nc++] = (struct cand){ path, path_rank(envp, path), i };
	}
	qsort(c, nc, sizeof *c, cand_cmp);
	for (size_t i = 0; i < nc; i++) {
		char *why = NULL, *base;
		enum launcher l;
		if (found) {
			free(c[i].path);
			continue;
		}
		l = recognise(c[i].path, io, &why);
		if (l == LAUNCHER_UNSET) {
			note_add(&job->launcher_note, "skipped %s: %s", c[i].path, why);
			free(why);
			free(c[i].path);
			continue;
		}
		base = strrchr(c[i].path, '/') ? strrchr(c[i].path, '/') + 1 : c[i].path;
		job->launcher = l;
		job->launcher_path = c[i].path;
		/* mpiexec.hydra runs as itself; a plain mpiexec or mpirun keeps
		 * the flavour's program (Open MPI's mpirun beside its mpiexec). */
		job->launcher_exact = strcmp(base, "mpiexec") != 0 && strcmp(base, "mpirun") != 0;
		src_set(&job->src.launcher, SRC_PROBE, "%s", c[i].path);
		found = 1;
	}
	return found;
}

/* --launcher /path/to/mpiexec.hydra: that program, its flavour recognised. */
static int
launcher_path_given(struct job *job, const char *path, const char *howname,
    const struct job_io *io, char **err)
{
	char *found = io->which(io->ctx, path), *why = NULL;
	enum launcher l;

	if (found == NULL || strcmp(found, path) != 0) {   /* a path is looked up as itself */
		int there = io->present && io->present(io->ctx, path);
		char *names = backend_names(", ", " or ");
		free(found);
		*err = xasprintf("launcher '%s' (from %s): %s (give the path of an installed "
		    "mpiexec, mpirun or srun, or a flavour: %s)", path, howname,
		    there ? "not an executable file" : "no such file", names);
		free(names);
		return there ? JOB_LAUNCHER_NOEXEC : JOB_NO_LAUNCHER;
	}
	if ((l = recognise(found, io, &why)) == LAUNCHER_UNSET) {
		char *names = backend_names(", ", " or ");
		*err = xasprintf("launcher '%s' (from %s): %s; name its flavour instead (%s)", path,
		    howname, why, names);
		free(names);
		free(why);
		free(found);
		return -1;
	}
	job->launcher = l;
	job->launcher_path = found;
	job->launcher_exact = 1;
	src_set(&job->src.launcher, SRC_OPTION, "%s", howname);
	return 0;
}

/*
 * EZPZ_LAUNCHER exported by setup-env outlives the MPI that was loaded
 * then: when PATH's launcher is now another flavour, that wins, with a
 * warning.
 */
static void
launcher_recheck(struct job *job, char *const *envp, const struct job_io *io)
{
	struct job probed;
	enum launcher want = job->launcher;

	if (want == LAUNCHER_SRUN || want == LAUNCHER_NONE)
		return;
	memset(&probed, 0, sizeof probed);
	if (!launcher_probe(&probed, envp, io) || probed.launcher == want) {
		free(probed.launcher_path);
		free(probed.launcher_note);
		src_free(&probed.src.launcher);
		return;
	}
	note_add(&job->launcher_note, "EZPZ_LAUNCHER=%s is stale: %s on PATH is %s; using %s "
	    "(unset EZPZ_LAUNCHER, or run 'eval \"$(ezpz setup-env)\"' again)", launcher_name(want),
	    probed.launcher_path, launcher_name(probed.launcher), launcher_name(probed.launcher));
	job->launcher = probed.launcher;
	free(job->launcher_path);
	job->launcher_path = probed.launcher_path;
	job->launcher_exact = probed.launcher_exact;
	src_free(&job->src.launcher);
	job->src.launcher = probed.src.launcher;
	free(probed.launcher_note);
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
	if (forced && strchr(forced, '/')) {
		int r = launcher_path_given(job, forced, howname, io, err);
		if (r < 0)
			return r;
	} else if (forced) {
		const struct backend *b = backend_by_name(forced);
		if (b == NULL) {
			char *names = backend_names(", ", " or ");
			*err = xasprintf("launcher '%s' (from %s): unknown flavour (use %s, or a path)",
			    forced, howname, names);
			free(names);
			return how == SRC_OPTION ? -2 : -1;   /* an option's bad value: usage */
		}
		job->launcher = b->id;
		src_set(&job->src.launcher, how, "%s", howname);
		job->launcher_path = io->which(io->ctx, b->exe);
		/* setup-env exports EZPZ_LAUNCHER with EZPZ_JOBID: then it may
		 * be left from an MPI loaded before. */
		if (how == SRC_ENV && env_get(envp, "EZPZ_JOBID"))
			launcher_recheck(job, envp, io);
	} else if (job->profile && job->profile->launcher != LAUNCHER_UNSET) {
		job->launcher = job->profile->launcher;
		src_set(&job->src.launcher, SRC_PROFILE, "%s", job->profile->name);
		if (job->launcher != LAUNCHER_NONE)
			job->launcher_path = io->which(io->ctx, backend_for(job->launcher)->exe);
	} else if (job->sched == SCHED_SLURM && (job->launcher_path = io->which(io->ctx, "srun"))) {
		job->launcher = LAUNCHER_SRUN;
		src_set(&job->src.launcher, SRC_OTHER, "slurm job, srun on PATH");
	} else if (!launcher_probe(job, envp, io)) {
		char *looked = backend_looked_for(job->sched == SCHED_SLURM);
		job->launcher = LAUNCHER_NONE;
		src_set(&job->src.launcher, SRC_OTHER, "none %son PATH (looked for %s)",
		    job->launcher_note ? "usable " : "", looked);
		free(looked);
	}
	if (job->launcher == LAUNCHER_SRUN) {
		const char *v = env_nonempty(envp, "EZPZ_SRUN_MPI");
		struct srun_mpi m;
		/* the check --srun-mpi gets: else srun is the one to refuse it */
		if (o->srun_mpi == NULL && v && !srun_mpi_valid(v)) {
			*err = xasprintf("EZPZ_SRUN_MPI='%s': not an MPI plugin type (like pmix, pmi2, "
			    "cray_shasta; 'srun --mpi=list' lists this site's; or site: srun's own "
			    "default)", v);
			return -1;
		}
		srun_mpi_decide(&m, envp, job->launcher_path, o->srun_mpi,
		    job->profile ? job->profile->srun_mpi : NULL, io);
		job->srun_mpi = m.flag;
		job->srun_mpi_why = m.why;
		m.flag = m.why = NULL;
		srun_mpi_free(&m);
	}
	return 0;
}
