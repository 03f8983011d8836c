/* SPDX-License-Identifier: MIT */
/*
 * kill.h: `ezpz kill` as data: which processes match (the marker
 * EZPZ_RUN_COMMAND that `ezpz launch` puts in every rank's environment,
 * and a substring of the command line if given; any process with
 * --any-process; only the user's own), which parent
 * (`ezpz launch`, `ezpz test`) is signalled with them, the signals it may
 * send, how a process is shown, and the launch line that runs it on every
 * host of a job.  Pure: cmd_kill.c reads /proc and sends the signals.
 */
#ifndef EZPZ_KILL_H
#define EZPZ_KILL_H

#include <stddef.h>

#include "strvec.h"
#include "types.h"

/* In the environment of the helpers `ezpz kill --all-nodes` starts (the
 * launcher and the remote kills): they are never matched themselves. */
#define KILL_HELPER_VAR "EZPZ_KILL_HELPER"
#define KILL_MARKER_VAR "EZPZ_RUN_COMMAND"
#define KILL_CMD_WIDTH 120
#define KILL_DEFAULT_GRACE 3     /* seconds from the signal to SIGKILL */

/* One process, as /proc shows it. */
struct kproc {
	long pid, ppid;
	char state;                  /* 'Z': a zombie, already dead */
	char *cmdline;               /* argv joined with spaces; NULL: none (kernel thread) */
	char *env;                   /* /proc/PID/environ, NUL-separated; NULL: unreadable */
	size_t envlen;
	long uid;                    /* real uid (/proc/PID/status); -1: unknown */
};

struct kill_match {
	const char *pattern;         /* substring of the command line too; NULL: any */
	const char *jobid;           /* only processes of this job; NULL: any */
	const long *skip;            /* never matched: ezpz kill itself and its ancestors */
	size_t nskip;
	long uid;                    /* only this user's processes (getuid(), root too) */
	int any;                     /* with a pattern: unmarked processes too (--any-process) */
};

/* TERM, KILL, INT, HUP, QUIT, USR1, USR2 (any case, "SIG" prefix allowed);
 * -1 for anything else. */
int kill_signal_parse(const char *name);
/* "TERM" for 15; NULL for a signal kill does not send. */
const char *kill_signal_name(int sig);
/* Signals meant to end a process: escalate to SIGKILL after the grace. */
int kill_signal_ends(int sig);

/* The value of KEY in p's environment, or NULL. */
const char *kproc_env(const struct kproc *p, const char *key);
/* Is p one to signal?  It has the marker (only `ezpz launch` puts it there),
 * unless m->any, and its command line has m->pattern if given. */
int kill_matches(const struct kproc *p, const struct kill_match *m);
/*
 * Is p, the parent of a match, to be signalled too (and first)?  When it
 * is an `ezpz launch` or `ezpz test` (see kill_is_launch) that passes the
 * same checks as a match but for marker and pattern: only `launch`'s
 * child has the marker, and a `launch --retries` that saw its launcher die
 * would start it again; signalled, it forwards the signal and stops.
 */
int kill_parent_matches(const struct kproc *p, int is_launch, const struct kill_match *m);
/*
 * Is p, an `ezpz launch` or `ezpz test` itself, a match without a child
 * that is one?  Between the attempts of --retries it runs nothing (its
 * command is in its own command line), and signalled it stops retrying.
 * Only for a launch that runs nothing now (the caller checks): a running
 * one is reached through its marked processes.
 */
int kill_launch_matches(const struct kproc *p, int is_launch, const struct kill_match *m);
/* argv (/proc/PID/cmdline: NUL-separated, len bytes) is an `ezpz launch`
 * or `ezpz test`: argv[1] is launch or test, and argv[0]'s basename is
 * ezpz or the program is this very ezpz (same_exe: /proc/PID/exe is
 * /proc/self/exe). */
int kill_is_launch(const char *argv, size_t len, int same_exe);
/* The real uid on the "Uid:" line of /proc/PID/status, or -1. */
long kill_status_uid(const char *status);
/* 1 if p is not known to belong to another job than jobid: its PBS_JOBID,
 * SLURM_JOB_ID, SLURM_JOBID, FLUX_JOB_ID or LSB_JOBID is jobid (each
 * compared up to its first '.', so 123 and 123.pbs01 are one PBS job), or
 * it has none of them (ranks started over ssh). */
int kproc_in_job(const struct kproc *p, const char *jobid);

/* A command line for one output line: control characters as '?', cut to
 * width with "..." at the end; malloc'd. */
char *kill_display(const char *cmdline, size_t width);

struct kill_opts {
	int sig;
	int grace;                   /* -1: not given */
	int dry_run;
	const char *pattern;
	int any;                     /* --any-process (this host only) */
};

/*
 * The argv that runs `SELF kill --job JOBID ...` once on each of nhosts
 * hosts through the job's own launcher (no ssh): srun --overlap,
 * PALS/Hydra mpiexec -ppn 1, Open MPI mpirun --map-by ppr:1:node.
 * hostfile may be NULL.  Returns 0, or -1 with *err for no launcher.
 */
int kill_remote_argv(enum launcher l, int nhosts, const char *hostfile, const char *self,
    const char *jobid, const struct kill_opts *o, struct strvec *argv, char **err);

#endif
