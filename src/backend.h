/* SPDX-License-Identifier: MIT */
/*
 * backend.h: launcher flavours.  Each be_*.c is the one place that knows
 * its flavour: its name, the program it runs, how to recognise it on PATH
 * (a path component, its --version text), the launch line, the
 * one-task-per-host line ('ezpz kill --all-nodes'), and how the
 * environment reaches the ranks.  backends[] (backend.c) lists them; the
 * option parser, completion, help, doctor and the man-page check read it.
 * A new launcher: one be_NAME.c, one enum value in types.h, one line in
 * backends[].
 */
#ifndef EZPZ_BACKEND_H
#define EZPZ_BACKEND_H

#include <sys/types.h>

#include "strvec.h"
#include "types.h"

struct plan;
struct job;

struct backend {
	enum launcher id;
	const char *name;          /* "pals": option values, JSON, YAML, messages */
	const char *exe;           /* the program it runs, looked up on PATH */
	int probe;                 /* found by running exe --version when nothing names it */
	/* The other names distributions install it under (mpiexec.hydra,
	 * mpirun.openmpi), probed too; NULL-ended, or NULL. */
	const char *const *aliases;
	const char *path_mark;     /* a path part that says it is this flavour, or NULL */
	const char *const *version_marks;   /* --version text that says so, NULL-ended */
	int version_rank;          /* lower is tried first when marks of several match */
	const char *env_flag;      /* how the environment reaches the ranks (doctor) */
	int reports_on_stdout;     /* says how a rank failed on stdout (Hydra's box), not stderr */
	int signal_as_status;      /* exits N, not 128+N, when a rank died of signal N */
	/* Append the launcher and its flags for p to p->launcher_argv. */
	void (*build)(struct plan *p, const struct job *job);
	/*
	 * Append a line that runs one task on each of nhosts hosts (hostfile,
	 * if not NULL, lists them), with the variables named in forward (a
	 * NULL-ended list) reaching the tasks.  The command follows.
	 */
	void (*per_host)(struct strvec *a, int nhosts, const char *hostfile,
	    const char *const *forward);
	/*
	 * Or NULL.  Called once the launcher that ran as pid with environment
	 * envp is gone, and what it started on this host too: remove what it
	 * leaves on this host when it is killed before it can clean up (only
	 * its own, by its pid; this does I/O, unlike the rest of the table).
	 */
	void (*cleanup)(pid_t pid, char *const *envp);
};

extern const struct backend be_pals, be_mpich, be_openmpi, be_srun;

/* Every backend, in the order of enum launcher, NULL-ended. */
extern const struct backend *const backends[];

/* NULL for LAUNCHER_NONE, LAUNCHER_UNSET or an unknown value. */
const struct backend *backend_for(enum launcher l);
const struct backend *backend_by_name(const char *name);
/* The flavour an mpiexec's path and --version text (either may be NULL)
 * say it is; NULL if they say nothing. */
const struct backend *backend_recognise(const char *path, const char *version_text);
/* "pals, mpich, openmpi or srun" (last_sep " or ") or "pals|mpich|..."
 * (sep "|", last_sep "|"): malloc'd. */
char *backend_names(const char *sep, const char *last_sep);
/* Could s be srun's --mpi value (a plugin type: [a-z0-9_], or "site")? */
int srun_mpi_valid(const char *s);
/* The program names a probe looks for on PATH (into names, at most max). */
size_t backend_probe_names(const char **names, size_t max);
/* Those as one "mpiexec, mpirun, ..." list, with srun when slurm is set. */
char *backend_looked_for(int slurm);

#endif
