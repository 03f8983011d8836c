/* SPDX-License-Identifier: MIT */
/*
 * plan.h: what `ezpz launch` will run, decided from the job, the profile and
 * the options, before anything runs: sizes, CPU binding, the launcher's
 * argv, and the environment ezpz adds.  Pure; the backends (be_*.c) turn a
 * plan into one launcher's flags.
 */
#ifndef EZPZ_PLAN_H
#define EZPZ_PLAN_H

#include "job.h"
#include "strvec.h"

struct launch_opts {
	int np, ppn, nhosts;          /* -1 when not given */
	const char *cpu_bind;         /* --cpu-bind, else NULL */
	const char *gpu_bind;         /* --gpu-bind for rankenv: NULL, "none", "per-rank" */
	struct strvec env;            /* -x KEY=VALUE, in order (after .ezpz_env's) */
	struct strvec forward;        /* -x KEY, .ezpz_env's KEY: forward the caller's value */
	struct strvec passthrough;    /* launcher flags ezpz does not know */
	struct strvec command;        /* the user's command */
	int rankenv;                  /* put 'ezpz rankenv' in front of the command */
	int label;                    /* rankenv prefixes each output line with the rank */
	int report;                   /* rankenv says how a failed rank ended */
	const char *rank_log_dir;     /* rankenv keeps each rank's output in DIR/rank-N.log */
	int verbose;                  /* rankenv prints a line per rank */
	const char *self;             /* absolute path of this ezpz, for rankenv */
	int local_port;               /* a free port on this host (the edge finds it) */
	int ncpus;                    /* CPUs online here (the edge counts them); 0 unknown */
	double launch_time;           /* seconds since the epoch, for EZPZ_LAUNCH_TIME */
	const char *pbs_rsh_agent;    /* Open MPI's rsh agent in a PBS job (the edge
	                               * finds it: launch_pbs_rsh_agent), or NULL */
};

enum bind_kind {
	BIND_UNSET, BIND_NONE, BIND_AUTO, BIND_LIST, BIND_DEPTH,
	BIND_CORE, BIND_SOCKET, BIND_NUMA, BIND_NATIVE
};

struct cpu_bind {
	enum bind_kind kind;
	char *list;      /* BIND_LIST: "1-8:9-16", a group per local rank */
	int depth;       /* BIND_DEPTH: cores per rank; 0 unknown */
	char *native;    /* BIND_NATIVE: passed to the launcher as is */
	char *from;      /* "--cpu-bind", "CPU_BIND", "profile:aurora", "auto" ... */
};

struct plan {
	enum launcher launcher;
	int np, ppn, nhosts;
	const char *hostfile;         /* given to the launcher, or NULL (job's) */
	struct cpu_bind bind;
	char *cpu_bind;               /* the binding as text, for banners and JSON */
	int gpu_flags;                /* the scheduler allocated the GPUs (srun --gpus-per-node) */
	int oversubscribe;            /* a laptop run with more ranks than CPUs */
	int kill_on_bad_exit;         /* srun: ezpz asks it to stop every rank when one fails */
	int overlap;                  /* srun inside a job step: share the step's CPUs */
	struct strvec launcher_argv;  /* launcher, its flags, pass-through flags */
	struct strvec rankenv_argv;   /* ezpz rankenv ... -- (empty with --no-rankenv) */
	struct strvec command;        /* the user's command */
	struct strvec argv;           /* all of it, what is executed */
	struct strvec env;            /* KEY=VALUE ezpz adds to the child's environment */
	struct strvec unset;          /* names ezpz removes from it (stale rank variables) */
	struct strvec forward;        /* variable names a launcher must be told to forward */
	struct strvec notes;          /* things the banner should say */
};

/*
 * Prefixes of the caller's variables that reach ranks on other hosts under
 * launchers that forward by name (Open MPI's -x): what NCCL, PyTorch,
 * Hugging Face, W&B, CUDA, oneAPI, ROCm and OpenMP read.  NULL-ended; the
 * list is in ezpz-launch(1), ENVIRONMENT.
 */
extern const char *const plan_forward_prefixes[];

/* Parse a --cpu-bind / CPU_BIND value ("--cpu-bind=" prefix allowed). */
int cpu_bind_parse(const char *s, struct cpu_bind *b, char **err);
void cpu_bind_free(struct cpu_bind *b);

/*
 * Build the plan.  envp is the environment the child will inherit (for
 * values the user set, which win).  io gives the topology, only loaded when
 * binding needs it.  Returns 0, or -1 with *err malloc'd; an -1 is a usage
 * error (inconsistent sizes), exit 2, and p holds nothing to free.
 */
int plan_build(struct plan *p, const struct job *job, char *const *envp,
    const struct job_io *io, const struct launch_opts *o, char **err);
void plan_free(struct plan *p);

/* The backends that turn a plan into a launcher's flags: backend.h. */

#endif
