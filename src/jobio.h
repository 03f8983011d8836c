/* SPDX-License-Identifier: MIT */
/*
 * jobio.h: the real edge behind struct job_io (files, probes, hwloc), and
 * the one call commands use to detect the job they run in.
 */
#ifndef EZPZ_JOBIO_H
#define EZPZ_JOBIO_H

#include "hostcache.h"
#include "job.h"
#include "profile.h"
#include "shell.h"

/* An answer of the scheduler's, kept for the rest of the process. */
struct query_memo {
	char *key;
	struct query_answer a;
};

struct jobctx {
	char **envp;
	const char *topology;      /* --topology, else $EZPZ_TOPOLOGY, else this host */
	struct topo topo;
	int topo_state;            /* 0 not loaded, 1 loaded, -1 failed */
	char *topo_err;
	struct hostcache cache;    /* this host's facts between runs; opened when first needed */
	int cache_open, no_cache;
	struct profiles profiles;
	struct strvec profile_errs;  /* "FILE:LINE: message", from jobctx_open */
	struct job_io io;
	struct job job;
	int query_timeout_s;       /* EZPZ_JOBFIND_TIMEOUT */
	int query_cache_s;         /* EZPZ_JOBFIND_CACHE; 0: no cache file */
	char *knob_err;            /* one of those is not a number of seconds */
	struct query_memo *memo;
	size_t nmemo, memo_alloc;
};

/* The options every job-aware command accepts, and their handler. */
enum { JOBOPT_HOSTFILE = 1001, JOBOPT_MACHINE, JOBOPT_LAUNCHER, JOBOPT_TOPOLOGY, JOBOPT_JOB,
	JOBOPT_NO_CACHE, JOBOPT_SRUN_MPI };
#define JOBOPT_ENTRIES \
	{ JOBOPT_HOSTFILE, "--hostfile", "FILE", "@file", \
	  "use the hosts in FILE instead of the job's (else $HOSTFILE)" }, \
	{ JOBOPT_MACHINE, "--machine", "NAME", "@machine", \
	  "use machine profile NAME instead of detecting it (else $EZPZ_MACHINE)" }, \
	{ JOBOPT_LAUNCHER, "--launcher", "NAME", "@launcher", \
	  "launcher flavour or program path, else $EZPZ_LAUNCHER, the profile, or probing" }, \
	{ JOBOPT_SRUN_MPI, "--srun-mpi", "TYPE", "pmix|pmi2|cray_shasta|site", \
	  "srun's --mpi for the ranks (site: srun's own); else $EZPZ_SRUN_MPI, the profile" }, \
	{ JOBOPT_TOPOLOGY, "--topology", "FILE.xml", "@file", \
	  "read this host's hardware from an hwloc XML file (else $EZPZ_TOPOLOGY)" }, \
	{ JOBOPT_NO_CACHE, "--no-cache", NULL, NULL, \
	  "neither read nor write this host's cached facts (else $EZPZ_NO_CACHE)" }
/* --job: which of the user's jobs on this host (kill has its own --job). */
#define JOBOPT_JOB_ENTRY \
	{ JOBOPT_JOB, "--job", "ID", NULL, \
	  "the job to use when several of yours run on this host (else $EZPZ_JOBID)" }
/* Store a JOBOPT_* option; returns 1 if id was one. */
int jobopt_take(struct job_opts *o, const char **topology, int id, const char *arg);

/*
 * Set up the edge and load the profiles, keeping their errors in
 * c->profile_errs (ezpz doctor reports them); returns their number.
 */
size_t jobctx_open(struct jobctx *c, char **envp, const char *topology);
/* jobctx_open, but every profile error is printed and fatal. */
void jobctx_init(struct jobctx *c, char **envp, const char *topology);
/* Detect the job; dies with a message on failure. */
void jobctx_detect(struct jobctx *c, const struct job_opts *o);
/* This host's topology (cached); dies if it cannot be loaded. */
const struct topo *jobctx_topo(struct jobctx *c);
void jobctx_free(struct jobctx *c);
/*
 * The shell to write code for: arg (--shell; a bad name is a usage error
 * naming cmd), else the shell running us (our parent: eval "$(ezpz ...)"
 * runs ezpz from a subshell of the user's shell, so a #!/bin/sh script gets
 * sh code even when the user's $SHELL is bash), else $SHELL, else sh.
 */
enum shell shell_choose(const char *cmd, const char *arg, char *const *envp);
/* This host's name: $EZPZ_HOSTNAME, else gethostname(); malloc'd. */
char *this_hostname(char *const *envp);

#endif
