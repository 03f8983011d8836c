/* SPDX-License-Identifier: MIT */
/*
 * rankwrap.c: see rankwrap.h.  The parent forwards the signals a launcher
 * sends to its rank, copies whole lines (a label mid-line would be
 * garbage), and dies of the child's signal so the launcher reports the
 * same end as without it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "exec.h"
#include "path.h"
#include "rankwrap.h"
#include "util.h"

extern char **environ;

/*
 * From the command's end to SIGKILL for what it left running.  When the
 * rank is being stopped (the launcher or Slurm sent SIGTERM), far less:
 * Slurm SIGKILLs the step KillWait seconds later (default 30, 2 on some
 * sites), and what is still below us then would be lost to init.
 */
#define LEFTOVER_GRACE_S 2.0
#define STOPPING_GRACE_S 0.2

static volatile pid_t child;
static volatile sig_atomic_t stopping;
static pid_t stepd;         /* our parent when it is slurmstepd, else 0 */
static const int passed[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT };

/*
 * A signal slurmstepd sends a task of a job step goes to every process of
 * the step (its proctrack plugin signals them all, or the task's process
 * group): the command has one of its own, and passing this one on would
 * deliver it twice (a checkpoint on SIGUSR1, twice).  Any other sender's is
 * passed on, and so is slurmstepd's to the batch script (scancel -b signals
 * that shell alone).
 */
static void
pass_on(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
		stopping = 1;
	if (child > 0 && !(stepd > 0 && si && si->si_code == SI_USER && si->si_pid == stepd))
		kill(child, sig);
}

/* The parent, when it is slurmstepd (we are a task srun started). */
static pid_t
parent_stepd(void)
{
	pid_t pp = getppid();
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/comm", (long)pp);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	if (fgets(comm, sizeof comm, f) == NULL)
		comm[0] = '\0';
	fclose(f);
	return strcmp(comm, "slurmstepd\n") == 0 ? pp : 0;
}

static double
leftover_grace(void)
{
	return stopping ? STOPPING_GRACE_S : LEFTOVER_GRACE_S;
}

struct out {
	int in;             /* pipe from the child, or -1 */
	int fd;             /* our 1 or 2 */
	struct buf line;    /* a partial line */
	struct buf labelled;  /* "RANK: " and a line, to go out in one write */
};

/* DIR/rank-N.log: once a write fails (a full disk) it stops, said once,
 * and again at the end in a line ezpz launch reads (the run's status then
 * says so; the rank's own stays the command's, or one full disk would
 * stop the job). */
struct rlog {
	int fd;
	char *path;
	int failed;
};

static const char log_head[] = "ezpz rankenv: rank ", log_tail[] = "' is incomplete";

static void
say_log_incomplete(const struct rankwrap *w, const struct rlog *lg)
{
	if (lg->failed)
		fprintf(stderr, "%s%ld on %s: its log '%s%s\n", log_head, w->rank, w->host,
		    lg->path, log_tail);
}

int
rankwrap_said_log_incomplete(const char *out)
{
	for (const char *p = out; p && *p; ) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);
		if (n > sizeof log_head + sizeof log_tail && startswith(p, log_head) &&
		    memmem(p, n, ": its log '", 11) &&
		    memcmp(p + n - (sizeof log_tail - 1), log_tail, sizeof log_tail - 1) == 0)
			return 1;
		p = eol ? eol + 1 : NULL;
	}
	return 0;
}

/*
 * One write per line, its label included: the launcher forwards each
 * write as it comes, so a label written on its own could be followed by
 * another rank's line before its own (seen under mpirun on a loaded node:
 * "2: 0: on node2").
 */
static void
emit(const struct rankwrap *w, struct rlog *lg, struct out *o, const char *s, size_t n)
{
	if (w->label) {
		o->labelled.len = 0;
		buf_addf(&o->labelled, "%ld: ", w->rank);
		buf_add(&o->labelled, s, n);
		(void)write_all(o->fd, o->labelled.s, o->labelled.len);
	} else {
		(void)write_all(o->fd, s, n);
	}
	if (lg->fd >= 0 && write_all(lg->fd, s, n) < 0) {
		warn("rankenv: rank %ld: log '%s': writing failed: %s; the rank's log stops here",
		    w->rank, lg->path, strerror(errno));
		close(lg->fd);
		lg->fd = -1;
		lg->failed = 1;
	}
}

/* Whole lines go out as they come; a partial one waits (or goes at EOF). */
static void
pump(const struct rankwrap *w, struct rlog *lg, struct out *o)
{
	char buf[65536], *nl;
	ssize_t n = read(o->in, buf, sizeof buf);
	size_t done = 0;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		if (o->line.len)
			emit(w, lg, o, o->line.s, o->line.len);
		o->line.len = 0;
		close(o->in);
		o->in = -1;
		return;
	}
	buf_add(&o->line, buf, (size_t)n);
	while ((nl = memchr(o->line.s + done, '\n', o->line.len - done)) != NULL) {
		size_t len = (size_t)(nl - (o->line.s + done)) + 1;
		emit(w, lg, o, o->line.s + done, len);
		done += len;
	}
	memmove(o->line.s, o->line.s + done, o->line.len - done);
	o->line.len -= done;
}

static void
open_log(const struct rankwrap *w, struct rlog *lg)
{
	lg->fd = -1;
	if (w->log_dir == NULL)
		return;
	lg->path = xasprintf("%s/rank-%ld.log", w->log_dir, w->rank);
	lg->fd = open(lg->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (lg->fd < 0) {
		warn("rankenv: rank %ld: cannot write '%s': %s", w->rank, lg->path, strerror(errno));
		lg->failed = 1;
	}
}

int
rankwrap_exec_failed(const char *cmd, int e)
{
	struct stat st;
	char *found = NULL;
	/* execvp says EACCES when a PATH directory cannot be searched
	 * (/root/bin, 0700), though the command is nowhere: that is
	 * "not found" (127), as a shell says. */
	if (e == EACCES && strchr(cmd, '/') == NULL && (found = path_which_any(environ, cmd)) == NULL)
		e = ENOENT;
	free(found);
	if (e == ENOENT && strchr(cmd, '/') == NULL) {
		error("rankenv: %s: command not found on the rank's PATH (load its module or "
		    "activate its venv in the job, or give its path)", cmd);
	} else if (e == EACCES && strchr(cmd, '/') && stat(cmd, &st) == 0 && S_ISDIR(st.st_mode)) {
		error("rankenv: %s: a directory, not a program", cmd);
	} else {
		errno = e;
		error_errno("rankenv: %s", cmd);
	}
	return e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
}

static void
start(char **argv, struct out o[2], int wrap)
{
	int fd[2][2];
	for (int i = 0; wrap && i < 2; i++)
		if (pipe2(fd[i], O_CLOEXEC) < 0)
			die_errno("rankenv: cannot create a pipe");
	if ((child = fork()) < 0)
		die_errno("rankenv: cannot fork");
	if (child == 0) {
		for (size_t i = 0; i < NITEMS(passed); i++)
			signal(passed[i], SIG_DFL);
		for (int i = 0; wrap && i < 2; i++)
			dup2(fd[i][1], i + 1);
		execvp(argv[0], argv);
		_exit(rankwrap_exec_failed(argv[0], errno));
	}
	for (int i = 0; i < 2; i++) {
		o[i].in = wrap ? fd[i][0] : -1;
		o[i].fd = i + 1;
		if (wrap)
			close(fd[i][1]);
	}
}

int
rankwrap_run(const struct rankwrap *w, char **argv)
{
	struct out o[2] = { { -1, 1, BUF_INIT, BUF_INIT }, { -1, 2, BUF_INIT, BUF_INIT } };
	struct rlog lg = { -1, NULL, 0 };
	int ws = 0, wrap, done = 0;
	struct sigaction sa;

	open_log(w, &lg);
	wrap = w->label || lg.fd >= 0;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = pass_on;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_SIGINFO;
	stepd = w->step_task ? parent_stepd() : 0;
	for (size_t i = 0; i < NITEMS(passed); i++)
		sigaction(passed[i], &sa, NULL);
	fflush(NULL);
	if (w->contain)
		exec_become_subreaper();
	start(argv, o, wrap);
	while (o[0].in >= 0 || o[1].in >= 0) {
		struct pollfd p[2] = { { o[0].in, POLLIN, 0 }, { o[1].in, POLLIN, 0 } };
		/* contained, the command's end ends the wait: what it left
		 * holding the pipes is ended, and they close */
		if (poll(p, 2, w->contain && !done ? 100 : -1) < 0)
			continue;
		for (int i = 0; i < 2; i++)
			if (o[i].in >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				pump(w, &lg, &o[i]);
		if (w->contain && !done && waitpid(child, &ws, WNOHANG) == child) {
			done = 1;
			exec_end_leftovers(leftover_grace());
		}
	}
	while (!done && waitpid(child, &ws, 0) < 0 && errno == EINTR)
		;
	if (w->contain)
		exec_end_leftovers(leftover_grace());
	if (lg.fd >= 0 && close(lg.fd) < 0 && !lg.failed) {
		warn("rankenv: rank %ld: log '%s': closing failed: %s", w->rank, lg.path,
		    strerror(errno));
		lg.failed = 1;
	}
	for (int i = 0; i < 2; i++) {
		buf_free(&o[i].line);
		buf_free(&o[i].labelled);
	}
	if (w->report && WIFEXITED(ws) && WEXITSTATUS(ws) != 0)
		fprintf(stderr, "ezpz rankenv: rank %ld on %s: exited with status %d\n", w->rank,
		    w->host, WEXITSTATUS(ws));
	if (WIFSIGNALED(ws)) {
		int sig = WTERMSIG(ws);
		if (w->report)
			fprintf(stderr, "ezpz rankenv: rank %ld on %s: killed by signal %d\n", w->rank,
			    w->host, sig);
		say_log_incomplete(w, &lg);
		fflush(NULL);
		free(lg.path);
		signal(sig, SIG_DFL);
		raise(sig);
		return EXIT_SIGBASE + sig;
	}
	say_log_incomplete(w, &lg);
	free(lg.path);
	return WIFEXITED(ws) ? WEXITSTATUS(ws) : EXIT_FAIL;
}
