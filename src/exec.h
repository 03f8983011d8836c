/* SPDX-License-Identifier: MIT */
/*
 * exec.h: the only place ezpz starts processes.  exec_capture runs a probe
 * (mpiexec --version, qstat) and collects its output; exec_run runs the
 * launcher as ezpz's child with signal forwarding, escalation, an idle
 * watchdog and an optional log, and turns the outcome into ezpz's exit
 * status (the launcher's status; 128+N for signal N; 124 watchdog; 126/127).
 */
#ifndef EZPZ_EXEC_H
#define EZPZ_EXEC_H

#include <sys/types.h>

#include "buf.h"

/*
 * Run argv (PATH of envp searched), stdin from /dev/null, stdout and stderr
 * into *out (at most 1 MiB kept).  It leads a process group of its own:
 * after timeout_ms the whole group is SIGKILLed, and a SIGINT, SIGTERM or
 * SIGHUP to ezpz meanwhile ends the group, then ezpz (128+N).  Returns its
 * exit status (128+N if killed by signal N), or -1 with errno if it could
 * not be started.
 */
int exec_capture(char *const *argv, char *const *envp, int timeout_ms, char **out);
/*
 * The same for a child with much output (setup-env's bash).  *len is
 * the length of *out, which may hold NUL bytes (env -0); *truncated is set
 * when output past 64 MiB was dropped (then *out is only its start).
 */
int exec_capture_group(char *const *argv, char *const *envp, int timeout_ms, char **out,
    size_t *len, int *truncated);
/*
 * exec_capture_group, showing watch(ctx, OUT, LEN) the output read so far
 * (not NUL-terminated) after each read, at least every quarter second
 * while the child runs, and once at the end: progress from a long child.
 */
typedef void exec_watch_fn(void *ctx, const char *out, size_t len);
int exec_capture_watch(char *const *argv, char *const *envp, int timeout_ms, exec_watch_fn *watch,
    void *ctx, char **out, size_t *len, int *truncated);
/*
 * A question to a scheduler (qstat, squeue): as exec_capture_group, but
 * stderr kept apart in *err (its first 64 KiB), so that a message cannot
 * break the JSON or table on stdout, and *timed_out set when the timeout
 * ended it (the status is then 128+9).
 */
int exec_capture_query(char *const *argv, char *const *envp, int timeout_ms, char **out,
    char **err, int *timed_out);

struct run_opts {
	char *const *envp;   /* the child's whole environment */
	int idle_timeout;    /* seconds with no output before SIGTERM; 0: off */
	int grace;           /* seconds from SIGTERM/SIGINT to SIGKILL */
	const char *log;     /* append both streams to this file too, or NULL */
	const char *log2;    /* and to this one (an attempt's log), or NULL */
	struct buf *keep;    /* keep the output's last EXEC_KEEP_MAX bytes here, or NULL */
	int keep_err_only;   /* with keep and nothing else asking for stdout: pass stdout
	                      * straight through and tap only stderr, where launchers and
	                      * 'ezpz rankenv' report which rank failed */
};

#define EXEC_KEEP_MAX (4 << 20)

/* run_result.log_failed: which log could not be written whole. */
enum { LOG_FAILED_LOG = 1, LOG_FAILED_LOG2 = 2 };

struct run_result {
	int status;          /* what ezpz should exit with for this attempt */
	int signal;          /* terminating signal ezpz received and forwarded, or 0 */
	int timed_out;       /* the idle watchdog fired */
	int not_started;     /* exec failed (status is 126 or 127) */
	int not_found;       /* ... because argv[0] is not on PATH */
	int log_failed;      /* writing a log failed at some point: LOG_FAILED_LOG (log),
	                      * LOG_FAILED_LOG2 (log2), or both */
	pid_t pid;           /* the launcher's pid once it ran (reaped by now), else 0 */
};

/* Install the forwarding handlers; call once before exec_run/exec_sleep. */
void exec_signals_init(void);
void exec_run(char *const *argv, const struct run_opts *o, struct run_result *res);
/*
 * Sleep seconds unless a terminating signal arrives first; returns that
 * signal, or 0 after sleeping the whole time.
 */
int exec_sleep(int seconds);
/*
 * Make this process the subreaper of what its children leave behind
 * (Linux): orphans below it become its children, not init's.
 */
void exec_become_subreaper(void);
/* Has pid a live child (as /proc/PID/task/TID/children list them)? */
int exec_has_children(pid_t pid);
/*
 * A subreaper whose own work is done: SIGTERM to every descendant still
 * alive, SIGKILL to what is left after grace_s, until none is left (5 s
 * at most); returns how many there were.
 */
size_t exec_end_leftovers(double grace_s);

#endif
