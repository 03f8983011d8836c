/* SPDX-License-Identifier: MIT */
/*
 * exec.c: process control.  ezpz stays the parent of the launcher so that it
 * can forward the signals schedulers send (SIGTERM before walltime, SIGUSR1
 * for preemption), escalate to SIGKILL when a launcher ignores them, watch
 * for silence, and report an exit status a job script can trust.
 *
 * The launcher runs in its own process group, so a signal reaches it and the
 * local ranks it forks exactly once, and the whole group can be killed.
 * When ezpz owns the terminal, the group gets the terminal for the run
 * (stdin, Ctrl-C and Ctrl-Z go to the launcher, as if the shell had started
 * it) and ezpz takes it back afterwards.  Signals are turned into bytes on a
 * self-pipe and handled in one poll loop: no work in signal handlers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "exec.h"
#include "path.h"
#include "util.h"

#define CAPTURE_MAX (1 << 20)           /* a probe's --version text */
#define CAPTURE_GROUP_MAX (64 << 20)    /* setup-env: step output and env -0 */
#define LAUNCHER_LAST_S 2               /* from SIGKILL to its ranks to SIGKILL to it */
#define SWEEP_KILL_S 5                  /* SIGKILL is not instant (D state, a huge core) */
#define CAPTURE_QUERY_MAX (64 << 20)    /* qstat -f of a user's jobs */

static int sigpipe_fd[2] = { -1, -1 };
static int terminating(int sig);
static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
/* Signals our caller ignores (nohup, trap '' HUP) stay ignored, for us and
 * for the launcher. */
static sigset_t ignored;

/* A resume, for the watchdog: it may look between the pipe's reading and
 * a stop (the byte then comes after the look). */
static volatile sig_atomic_t resumed;

static void
on_signal(int sig)
{
	int e = errno;
	unsigned char b = (unsigned char)sig;
	if (sig == SIGCONT)
		resumed = 1;
	(void)!write(sigpipe_fd[1], &b, 1);
	errno = e;
}

static void
sigpipe_open(void)
{
	if (sigpipe_fd[0] < 0 && pipe2(sigpipe_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		die_errno("cannot create a pipe");
}

void
exec_signals_init(void)
{
	static int done;
	struct sigaction sa;

	if (done)
		return;
	done = 1;
	sigpipe_open();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigemptyset(&ignored);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < NITEMS(forwarded); i++) {
		struct sigaction old;
		if (sigaction(forwarded[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN) {
			sigaddset(&ignored, forwarded[i]);
			continue;
		}
		sigaction(forwarded[i], &sa, NULL);
	}
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGCONT, &sa, NULL);   /* a resume after a scheduler's suspend */
	/* Copying the launcher's output to a terminal we handed to it must not
	 * stop us under 'stty tostop'. */
	signal(SIGTTOU, SIG_IGN);
#ifdef __linux__
	/* Orphans of the launcher (srun's helpers, ranks of a dead mpirun)
	 * become our children, so we can reap them instead of waiting on
	 * zombies a container's PID 1 may never reap. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
	/* A closed stdout must not kill ezpz and orphan the job. */
	signal(SIGPIPE, SIG_IGN);
}

static int
terminating(int sig)
{
	return sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT;
}

static void
child_reset_signals(void)
{
	sigset_t none;
	for (size_t i = 0; i < NITEMS(forwarded); i++)
		signal(forwarded[i], sigismember(&ignored, forwarded[i]) ? SIG_IGN : SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGCONT, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTTOU, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* In the child: report why exec failed through the status pipe, then exit. */
static void NORETURN
child_exec(const char *path, char *const *argv, char *const *envp, int status_fd)
{
	int e;
	execve(path, argv, envp);
	e = errno;
	(void)!write(status_fd, &e, sizeof e);
	_exit(e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC);
}

static int
status_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return EXIT_SIGBASE + WTERMSIG(wstatus);
	return EXIT_FAIL;
}

/* ------------------------------------------------------------------ */
/* exec_capture                                                        */

/* Reap pid if it exits within secs, looking every tick_ms; 0 if it did. */
static int
reap_within(pid_t pid, double secs, long tick_ms)
{
	double until = mono_now() + secs;
	struct timespec ts = { tick_ms / 1000, (tick_ms % 1000) * 1000 * 1000 };
	while (waitpid(pid, NULL, WNOHANG) == 0) {
		if (mono_now() >= until)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

/* An interrupted capture ends the child's whole group, then ezpz. */
static void NORETURN
capture_interrupted(pid_t pid, int sig)
{
	kill(-pid, sig);
	kill(-pid, SIGTERM);
	if (reap_within(pid, 2.0, 20) < 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	die_status(EXIT_SIGBASE + sig, "interrupted by signal %d; stopped what was running", sig);
}

/* The child leads a process group of its own, so that a timeout or an
 * interrupt ends what it started too (an mpiexec script's sleep). */
static pid_t
capture_start(const char *path, char *const *argv, char *const *envp, int out, int err)
{
	sigset_t all, old;
	pid_t pid;
	int devnull;

	/* no signal may reach our handler in the child before the reset */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((pid = fork()) != 0) {
		int e = errno;
		sigprocmask(SIG_SETMASK, &old, NULL);
		errno = e;
		return pid;
	}
	devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	child_reset_signals();
	setpgid(0, 0);
	dup2(devnull, 0);
	dup2(out, 1);
	dup2(err, 2);
	execve(path, argv, envp);
	_exit(EXIT_NOTFOUND);
}

/* One stream of the child's: what was read, up to cap bytes. */
struct sink {
	int fd;                 /* our read end, -1 once closed */
	char *buf;
	size_t len, alloc, cap;
	int truncated;          /* output past cap was dropped */
};

/* Read what is there; 0 at end of file (the fd is then closed). */
static int
sink_read(struct sink *s)
{
	ssize_t r;
	s->buf = xgrow(s->buf, &s->alloc, s->len + 4097, 1);
	r = read(s->fd, s->buf + s->len, 4096);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (r <= 0) {
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	if (!s->truncated && s->len + (size_t)r <= s->cap)
		s->len += (size_t)r;
	else
		s->truncated = 1;
	return 1;
}

static char *
sink_take(struct sink *s, size_t *len)
{
	s->buf = xgrow(s->buf, &s->alloc, s->len + 1, 1);
	s->buf[s->len] = '\0';
	if (len)
		*len = s->len;
	return s->buf;
}

struct capture_req {
	int timeout_ms;
	size_t cap;             /* most bytes of stdout kept */
	int split;              /* stderr apart, into err (else with stdout) */
	exec_watch_fn *watch;   /* shown the output so far after each read and */
	void *ctx;              /* at least every CAPTURE_TICK_MS, or NULL */
};

#define CAPTURE_TICK_MS 250

struct capture_res {
	char *out, *err;        /* NUL-terminated; err only when split */
	size_t len;             /* of out, which may hold NUL bytes */
	int truncated;          /* stdout past cap was dropped */
	int timed_out;          /* the timeout killed it */
};

/*
 * While a capture runs, SIGINT, SIGTERM and SIGHUP to ezpz end the child's
 * whole group (it is not in our terminal's foreground group, so Ctrl-C
 * reaches only us), then ezpz exits 128+N; SIGCHLD ends the wait for
 * output soon after the child exits.  Handlers already ours
 * (exec_signals_init) and signals our caller ignores are left alone; the
 * others are put back afterwards.
 */
static const int capture_sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGCHLD /* wakes the poll */ };

static void
capture_signals(struct sigaction *saved, int *installed)
{
	struct sigaction sa;

	sigpipe_open();
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < NITEMS(capture_sigs); i++) {
		installed[i] = 0;
		if (sigaction(capture_sigs[i], NULL, &saved[i]) < 0 ||
		    saved[i].sa_handler == SIG_IGN || saved[i].sa_handler == on_signal)
			continue;
		installed[i] = sigaction(capture_sigs[i], &sa, NULL) == 0;
	}
}

static void
capture_signals_restore(const struct sigaction *saved, const int *installed)
{
	for (size_t i = 0; i < NITEMS(capture_sigs); i++)
		if (installed[i])
			sigaction(capture_sigs[i], &saved[i], NULL);
}

/*
 * The child leads a process group, and a timeout or a SIGINT/SIGTERM/SIGHUP
 * ends all of it.  Output past cap is dropped for good and truncated set
 * (a hole in the middle would be worse than a short read).  Reading stops
 * soon after the child exits even if something it started in the
 * background still holds a pipe; a child that closed its pipes but goes on
 * running is still killed at the timeout.
 */
static int
capture(char *const *argv, char *const *envp, const struct capture_req *q, struct capture_res *res)
{
	struct sigaction saved[NITEMS(capture_sigs)];
	int installed[NITEMS(capture_sigs)];
	struct sink s[2] = { { -1, NULL, 0, 0, q->cap, 0 }, { -1, NULL, 0, 0, 64 << 10, 0 } };
	int fd[2], efd[2] = { -1, -1 }, wstatus = 0, exited = 0;
	double deadline = mono_now() + q->timeout_ms / 1000.0, drain_until = 0;
	char *path;
	pid_t pid;

	memset(res, 0, sizeof *res);
	if ((path = path_which(envp, argv[0])) == NULL) {
		errno = ENOENT;
		return -1;
	}
	capture_signals(saved, installed);
	if (pipe2(fd, O_CLOEXEC) < 0 || (q->split && pipe2(efd, O_CLOEXEC) < 0) ||
	    (pid = capture_start(path, argv, envp, fd[1], q->split ? efd[1] : fd[1])) < 0) {
		int e = errno;
		capture_signals_restore(saved, installed);
		free(path);
		errno = e;
		return -1;
	}
	setpgid(pid, pid);   /* also here: a timeout may come before the child's */
	free(path);
	close(fd[1]);
	s[0].fd = fd[0];
	if (q->split) {
		close(efd[1]);
		s[1].fd = efd[0];
	}
	for (;;) {
		struct pollfd p[3] = { { s[0].fd, POLLIN, 0 }, { s[1].fd, POLLIN, 0 },
			{ sigpipe_fd[0], POLLIN, 0 } };
		double t = mono_now();
		int ms;
		if (!exited && waitpid(pid, &wstatus, WNOHANG) == pid) {
			exited = 1;
			drain_until = t + 0.2;
		}
		if (exited && s[0].fd < 0 && s[1].fd < 0)
			break;
		ms = (int)(((exited ? drain_until : deadline) - t) * 1000);
		/* Both pipes closed: only the exit is left to wait for (SIGCHLD
		 * wakes poll, unless our caller ignores it). */
		if (s[0].fd < 0 && s[1].fd < 0 && ms > 20)
			ms = 20;
		if (q->watch && ms > CAPTURE_TICK_MS)
			ms = CAPTURE_TICK_MS;
		if (q->watch)
			q->watch(q->ctx, s[0].buf ? s[0].buf : "", s[0].len);
		if (ms <= 0 || (poll(p, 3, ms) == 0 && mono_now() >= (exited ? drain_until : deadline))) {
			if (!exited) {
				kill(-pid, SIGKILL);
				res->timed_out = 1;
			}
			break;
		}
		if (p[2].revents & POLLIN) {
			unsigned char sig;
			while (read(sigpipe_fd[0], &sig, 1) == 1)
				if (terminating(sig))
					capture_interrupted(pid, sig);
		}
		for (int i = 0; i < 2; i++)
			if (s[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				sink_read(&s[i]);
	}
	for (int i = 0; i < 2; i++)
		if (s[i].fd >= 0)
			close(s[i].fd);
	if (!exited)
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
	capture_signals_restore(saved, installed);
	if (q->watch)
		q->watch(q->ctx, s[0].buf ? s[0].buf : "", s[0].len);
	res->out = sink_take(&s[0], &res->len);
	res->truncated = s[0].truncated;
	if (q->split)
		res->err = sink_take(&s[1], NULL);
	return status_of(wstatus);
}

int
exec_capture(char *const *argv, char *const *envp, int timeout_ms, char **out)
{
	struct capture_req q = { timeout_ms, CAPTURE_MAX, 0, NULL, NULL };
	struct capture_res res;
	int r = capture(argv, envp, &q, &res);
	*out = res.out;
	return r;
}

int
exec_capture_group(char *const *argv, char *const *envp, int timeout_ms, char **out,
    size_t *len, int *truncated)
{
	struct capture_req q = { timeout_ms, CAPTURE_GROUP_MAX, 0, NULL, NULL };
	struct capture_res res;
	int r = capture(argv, envp, &q, &res);
	*out = res.out;
	*len = res.len;
	*truncated = res.truncated;
	return r;
}

int
exec_capture_watch(char *const *argv, char *const *envp, int timeout_ms, exec_watch_fn *watch,
    void *ctx, char **out, size_t *len, int *truncated)
{
	struct capture_req q = { timeout_ms, CAPTURE_GROUP_MAX, 0, watch, ctx };
	struct capture_res res;
	int r = capture(argv, envp, &q, &res);
	*out = res.out;
	*len = res.len;
	*truncated = res.truncated;
	return r;
}

int
exec_capture_query(char *const *argv, char *const *envp, int timeout_ms, char **out,
    char **err, int *timed_out)
{
	struct capture_req q = { timeout_ms, CAPTURE_QUERY_MAX, 1, NULL, NULL };
	struct capture_res res;
	int r = capture(argv, envp, &q, &res);
	*out = res.out;
	*err = res.err;
	*timed_out = res.timed_out;
	return r;
}

/* ------------------------------------------------------------------ */
/* exec_run                                                            */

struct stream {
	int in;          /* our read end of the child's stdout/stderr, or -1 */
	int out;         /* where it goes: 1 or 2 */
};

struct runner {
	const struct run_opts *o;
	struct run_result *res;
	pid_t pid, pgid;
	int tty;                   /* fd of our controlling terminal, or -1 */
	int exited;
	int wstatus;
	struct stream s[2];
	int logfd, log2fd;
	double last_output;
	double term_at;            /* when to follow a SIGINT/SIGHUP with SIGTERM; 0: no */
	double kill_at;            /* when to SIGKILL the group; 0: not scheduled */
	pid_t sentinel;            /* in the launcher's group, hears the terminal's ^C; 0: none */
	int sentinel_fd;           /* where it reports them, or -1 */
	int escalated;             /* SIGKILL sent: 1 to what the launcher started, 2 to it too */
};

static int survivors(struct runner *r, int sig, int spare_launcher);

static const char *
sig_name(int sig)
{
	switch (sig) {
	case SIGINT: return "SIGINT";
	case SIGHUP: return "SIGHUP";
	case SIGQUIT: return "SIGQUIT";
	default: return "SIGTERM";
	}
}

static void
group_signal(struct runner *r, int sig)
{
	if (kill(-r->pgid, sig) < 0 && errno == ESRCH && !r->exited)
		kill(r->pid, sig);
}

/*
 * Move the terminal to pgrp, but only between ezpz's group and the
 * launcher's, and only while one of them holds it: after Ctrl-Z and 'bg'
 * the shell holds it, and taking it would make the shell read EIO and exit.
 */
static void
tty_give(struct runner *r, pid_t pgrp)
{
	sigset_t block, old;
	pid_t fg;
	if (r->tty < 0)
		return;
	fg = tcgetpgrp(r->tty);
	if (fg != getpgrp() && fg != r->pgid)
		return;
	/* A background process group changing the terminal gets SIGTTOU. */
	sigemptyset(&block);
	sigaddset(&block, SIGTTOU);
	sigprocmask(SIG_BLOCK, &block, &old);
	tcsetpgrp(r->tty, pgrp);
	sigprocmask(SIG_SETMASK, &old, NULL);
}

static void
log_write(struct runner *r, int *fd, const char *name, const char *buf, size_t n)
{
	while (*fd >= 0 && n > 0) {
		ssize_t w = write(*fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			error_errno("log '%s': writing failed; output still goes to the terminal, "
			    "the log stops here", name);
			close(*fd);
			*fd = -1;
			r->res->log_failed |= fd == &r->logfd ? LOG_FAILED_LOG : LOG_FAILED_LOG2;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/* The output's tail, for reading what failed: the end is what matters. */
static void
keep(struct buf *b, const char *buf, size_t n)
{
	if (b == NULL)
		return;
	buf_add(b, buf, n);
	if (b->len > EXEC_KEEP_MAX) {
		size_t drop = b->len - EXEC_KEEP_MAX / 2;
		memmove(b->s, b->s + drop, b->len - drop + 1);
		b->len -= drop;
	}
}

/* Copy what one stream has; returns 0 at EOF. */
static int
stream_pump(struct runner *r, struct stream *s)
{
	char buf[65536];
	ssize_t n = read(s->in, buf, sizeof buf);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0) {
		close(s->in);
		s->in = -1;
		return 0;
	}
	r->last_output = mono_now();
	log_write(r, &r->logfd, r->o->log, buf, (size_t)n);
	log_write(r, &r->log2fd, r->o->log2, buf, (size_t)n);
	keep(r->o->keep, buf, (size_t)n);
	if (write_all(s->out, buf, (size_t)n) < 0 && errno == EPIPE) {
		/* Our reader is gone: let the child find out on its next write. */
		close(s->in);
		s->in = -1;
	}
	return 1;
}

/* Time spent stopped is not silence, nor time towards escalation. */
static void
run_resumed(struct runner *r, double stopped_at)
{
	double d = mono_now() - stopped_at;
	r->last_output += d;
	if (r->term_at > 0)
		r->term_at += d;
	if (r->kill_at > 0)
		r->kill_at += d;
}

static void
run_reap(struct runner *r)
{
	int ws;
	pid_t p;
	while ((p = waitpid(r->pid, &ws, WNOHANG | WUNTRACED)) > 0) {
		if (WIFSTOPPED(ws)) {
			double t = mono_now();
			if (r->tty < 0)
				continue;   /* a scheduler's suspend: it will resume us both */
			/* Ctrl-Z stopped the launcher: stop ourselves too, as the shell
			 * expects of its job (SIGTSTP, as a shell reports it), and
			 * resume the group when continued. */
			tty_give(r, getpgrp());
			raise(SIGTSTP);
			tty_give(r, r->pgid);
			group_signal(r, SIGCONT);
			run_resumed(r, t);
			continue;
		}
		if (WIFEXITED(ws) || WIFSIGNALED(ws)) {
			r->exited = 1;
			r->wstatus = ws;
		}
	}
	/* Orphans reparented to us (we are a subreaper) must not stay zombies. */
	if (r->exited)
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
}

static void
run_on_signal(struct runner *r, int sig)
{
	if (sig == SIGCHLD) {
		run_reap(r);
		return;
	}
	if (sig == SIGCONT) {
		/* we were stopped with the job (suspend): that was not silence */
		r->last_output = mono_now();
		return;
	}
	/* SIGQUIT ends the run as SIGTERM does; passed on as itself it would
	 * make every rank dump core */
	group_signal(r, sig == SIGQUIT ? SIGTERM : sig);
	if (terminating(sig)) {
		double grace = r->o->grace;
		if (r->res->signal == 0)
			r->res->signal = sig;
		if (r->kill_at == 0)
			r->kill_at = mono_now() + grace;
		/* srun takes one SIGINT as a status request (a second within a
		 * second aborts), and a launcher SIGKILLed cannot cancel its ranks:
		 * ask once more, with SIGTERM, before the last resort. */
		if (sig != SIGTERM && r->term_at == 0)
			r->term_at = mono_now() + (grace < 4 ? grace / 2.0 : 2.0);
	}
}

/* ezpz's "report what you heard, then exit": a pending SIGINT or SIGQUIT
 * has a lower number, and sigwait takes the lowest first. */
#define SENTINEL_STOP SIGALRM

/*
 * At a terminal the launcher's group holds it, so Ctrl-C sends SIGINT to the
 * launcher and the ranks, never to ezpz, and the launcher then exits with a
 * status of its own choosing (Open MPI 1, Hydra 2: ezpz's usage error).  A
 * sentinel process joins the launcher's group and reports each ^C or ^\
 * the terminal sends there; ezpz then exits 128+N as if it had received
 * it, and escalates if the launcher does not stop.  The sentinel holds
 * every other signal blocked (a forwarded SIGTERM is not its business)
 * and dies with ezpz.
 */
static void NORETURN
sentinel_main(pid_t pgid, int report)
{
	sigset_t heard;
	int sig;
	/* every signal is still blocked from run_fork's fork */
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
#ifdef __linux__
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (setpgid(0, pgid) < 0)
		_exit(0);
	sigemptyset(&heard);
	sigaddset(&heard, SIGINT);
	sigaddset(&heard, SIGQUIT);
	sigaddset(&heard, SENTINEL_STOP);
	for (;;) {
		unsigned char b;
		if (sigwait(&heard, &sig) != 0)
			continue;
		if (sig == SENTINEL_STOP)
			_exit(0);
		b = (unsigned char)sig;
		(void)!write(report, &b, 1);
	}
}

static void
sentinel_start(struct runner *r)
{
	sigset_t all, old;
	int fd[2];
	r->sentinel = 0;
	r->sentinel_fd = -1;
	if (r->tty < 0 || pipe2(fd, O_CLOEXEC) < 0)
		return;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	r->sentinel = fork();
	if (r->sentinel == 0) {
		close(fd[0]);
		sentinel_main(r->pgid, fd[1]);
	}
	/* here too: in the group when this returns, whichever runs first */
	if (r->sentinel > 0)
		setpgid(r->sentinel, r->pgid);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(fd[1]);
	if (r->sentinel < 0) {
		r->sentinel = 0;
		close(fd[0]);
		return;
	}
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	r->sentinel_fd = fd[0];
}

/* The terminal sent sig to the launcher's group: what ezpz does when it
 * receives one itself, less the forwarding (the group has it already). */
static void
sentinel_heard(struct runner *r)
{
	unsigned char sig;
	ssize_t n;
	while (r->sentinel_fd >= 0 && (n = read(r->sentinel_fd, &sig, 1)) != 0) {
		if (n < 0)
			return;   /* EAGAIN: all read */
		if (r->res->signal == 0)
			r->res->signal = sig;
		if (sig != SIGINT)
			continue;
		if (r->kill_at == 0)
			r->kill_at = mono_now() + r->o->grace;
		if (r->term_at == 0)
			r->term_at = mono_now() + (r->o->grace < 4 ? r->o->grace / 2.0 : 2.0);
	}
	if (r->sentinel_fd >= 0) {
		/* it died (an escalation's SIGKILL reaches every descendant) */
		close(r->sentinel_fd);
		r->sentinel_fd = -1;
	}
}

/*
 * The ^C that ended the launcher may still be pending in a sentinel not yet
 * scheduled (a loaded node): ask it to exit after reporting it, and read
 * what it wrote only once it has gone.  SIGKILL if it does not within 1 s.
 */
static void
sentinel_stop(struct runner *r)
{
	if (r->sentinel <= 0)
		return;
	kill(r->sentinel, SENTINEL_STOP);
	if (reap_within(r->sentinel, 1.0, 1) < 0) {
		kill(r->sentinel, SIGKILL);
		waitpid(r->sentinel, NULL, 0);
	}
	sentinel_heard(r);
	if (r->sentinel_fd >= 0)
		close(r->sentinel_fd);
	r->sentinel = 0;
	r->sentinel_fd = -1;
}

static void
run_watchdog(struct runner *r)
{
	double t = mono_now();
	if (r->term_at > 0 && t >= r->term_at && r->kill_at > t) {
		warn("launcher still running after %s; sending SIGTERM", sig_name(r->res->signal));
		group_signal(r, SIGTERM);
		r->term_at = -1;   /* once */
	}
	/* What the launcher started goes first: once its ranks are gone, a
	 * launcher that was only slow can still exit by itself and clean up
	 * (Open MPI's session directory in TMPDIR); LAUNCHER_LAST_S later it
	 * is killed too. */
	if (r->kill_at && t >= r->kill_at && r->escalated == 0) {
		warn("launcher did not exit %d s after %s; sending SIGKILL to what it started",
		    r->o->grace, r->res->timed_out ? "SIGTERM" : sig_name(r->res->signal));
		survivors(r, SIGKILL, 1);
		r->escalated = 1;
		r->kill_at = t + LAUNCHER_LAST_S;
		return;
	}
	if (r->kill_at && t >= r->kill_at && r->escalated == 1) {
		warn("launcher still running %d s after its processes were killed; sending SIGKILL",
		    LAUNCHER_LAST_S);
		survivors(r, SIGKILL, 0);
		r->escalated = 2;
		r->kill_at = t + 3600;   /* once */
		return;
	}
	if (resumed) {   /* stopped with the job (a suspend): that was not silence */
		resumed = 0;
		r->last_output = t;
	}
	if (r->o->idle_timeout > 0 && !r->res->timed_out &&
	    t - r->last_output >= r->o->idle_timeout) {
		warn("watchdog: no output for %d s (--timeout %d); sending SIGTERM, then SIGKILL "
		    "after %d s", r->o->idle_timeout, r->o->idle_timeout, r->o->grace);
		r->res->timed_out = 1;
		group_signal(r, SIGTERM);
		r->kill_at = t + r->o->grace;
	}
}

static int
run_poll_timeout(const struct runner *r)
{
	double t = mono_now(), next = t + 3600;
	if (r->kill_at)
		next = r->kill_at;
	if (r->term_at > 0 && r->term_at < next)
		next = r->term_at;
	if (r->o->idle_timeout > 0 && !r->res->timed_out && r->last_output + r->o->idle_timeout < next)
		next = r->last_output + r->o->idle_timeout;
	if (r->exited)
		next = t + 0.2;   /* draining output after the launcher exited */
	return next <= t ? 0 : (int)((next - t) * 1000) + 1;
}

static void
run_loop(struct runner *r)
{
	double exited_at = 0;
	for (;;) {
		struct pollfd p[4] = { { sigpipe_fd[0], POLLIN, 0 }, { r->s[0].in, POLLIN, 0 },
			{ r->s[1].in, POLLIN, 0 }, { r->sentinel_fd, POLLIN, 0 } };
		int n = poll(p, 4, run_poll_timeout(r));
		unsigned char sig;
		if (n < 0 && errno != EINTR)
			die_errno("poll");
		/* Always, not only when poll saw it: a signal that interrupted
		 * poll (EINTR) is in the pipe too, and the SIGCONT of a resume
		 * after a suspend longer than --timeout must reset the watchdog
		 * before it looks. */
		while (read(sigpipe_fd[0], &sig, 1) == 1)
			run_on_signal(r, sig);
		for (int i = 0; i < 2; i++)
			if (r->s[i].in >= 0 && (p[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				stream_pump(r, &r->s[i]);
		if (n > 0 && (p[3].revents & (POLLIN | POLLHUP | POLLERR)))
			sentinel_heard(r);
		run_reap(r);
		run_watchdog(r);
		if (r->exited) {
			if (exited_at == 0)
				exited_at = mono_now();
			/* Ranks that kept the pipes open must not keep us forever. */
			if ((r->s[0].in < 0 && r->s[1].in < 0) || mono_now() - exited_at > 2.0)
				break;
		}
	}
}

/* After the launcher exits, nothing it started may outlive ezpz. */
static void
reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/*
 * Everything the run started that still lives on this host is below us:
 * we are a child subreaper, so a process whose parent dies (a rank whose
 * mpirun was killed, a rank's child whose rank was) is reparented to us,
 * not to init, whatever process group or session it moved to.  Linux lists
 * each thread's children in /proc/PID/task/TID/children; elsewhere there is
 * only the launcher's process group to signal.
 */
struct pidset {
	pid_t *v;
	size_t n, alloc;
};

#define TREE_MAX 65536           /* processes signalled in one pass */

static void
proc_children(struct pidset *s, pid_t pid)
{
	char path[96], text[8192];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof path, "/proc/%ld/task", (long)pid);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL && s->n < TREE_MAX) {
		ssize_t n;
		char *p, *end;
		int fd;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/%ld/task/%.20s/children", (long)pid, e->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = read(fd, text, sizeof text - 1);   /* one read: the kernel's snapshot */
		close(fd);
		text[n > 0 ? n : 0] = '\0';
		for (p = text; s->n < TREE_MAX; p = end) {
			long c = strtol(p, &end, 10);
			if (end == p)
				break;
			s->v = xgrow(s->v, &s->alloc, s->n + 1, sizeof *s->v);
			s->v[s->n++] = (pid_t)c;
		}
	}
	closedir(d);
}

int
exec_has_children(pid_t pid)
{
	struct pidset s = { NULL, 0, 0 };
	proc_children(&s, pid);
	free(s.v);
	return s.n > 0;
}

/* Our descendants, parents before their children. */
static void
descendants(struct pidset *s)
{
	s->n = 0;
	proc_children(s, getpid());
	for (size_t i = 0; i < s->n; i++)
		proc_children(s, s->v[i]);
}

/* A zombie is dead already: only its parent's wait is missing. */
static int
zombie(pid_t pid)
{
	char path[64], text[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	text[n > 0 ? n : 0] = '\0';
	p = strrchr(text, ')');
	return p == NULL || p[1] == '\0' || p[2] == 'Z' || p[2] == 'X';
}

/*
 * Send sig (0: only look) to the launcher's group and to every living
 * descendant, and to the process group of each that leads one (a rank
 * Open MPI put in a group of its own, with what it forked); returns
 * whether anything lives.
 */
static int
survivors(struct runner *r, int sig, int spare_launcher)
{
	struct pidset s = { NULL, 0, 0 };
	int alive = 0;

	if (sig && !spare_launcher)
		kill(-r->pgid, sig);
	descendants(&s);
	for (size_t i = 0; i < s.n; i++) {
		if (zombie(s.v[i]))
			continue;
		alive = 1;
		if (sig == 0 || (spare_launcher && (s.v[i] == r->pid || s.v[i] == r->pgid)))
			continue;
		if (getpgid(s.v[i]) == s.v[i] && s.v[i] != r->pgid)
			kill(-s.v[i], sig);
		kill(s.v[i], sig);
	}
	free(s.v);
	return alive || kill(-r->pgid, 0) == 0;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

/* Signal every living descendant (0: only look); returns how many live. */
static size_t
signal_descendants(int sig)
{
	struct pidset s = { NULL, 0, 0 };
	size_t alive = 0;
	descendants(&s);
	for (size_t i = 0; i < s.n; i++) {
		if (zombie(s.v[i]))
			continue;
		alive++;
		if (sig)
			kill(s.v[i], sig);
	}
	free(s.v);
	return alive;
}

void
exec_become_subreaper(void)
{
#ifdef __linux__
	prctl(PR_SET_CHILD_SUBREAPER, 1);
#endif
}

size_t
exec_end_leftovers(double grace_s)
{
	double until = mono_now() + grace_s;
	size_t found;
	int rounds = 0;

	reap_orphans();
	if ((found = signal_descendants(SIGTERM)) == 0)
		return 0;
	while (mono_now() < until && signal_descendants(0)) {
		pause_ms(rounds++ < 10 ? 5 : 50);
		reap_orphans();
	}
	/* again until none: one killed in a pass may leave children that
	 * only then become ours */
	until = mono_now() + SWEEP_KILL_S;
	while (signal_descendants(SIGKILL) && mono_now() < until) {
		pause_ms(20);
		reap_orphans();
	}
	reap_orphans();
	return found;
}

/*
 * After the launcher exits: SIGTERM to what is left, SIGKILL after the
 * grace (at once when the launcher was already escalated to SIGKILL: the
 * grace has passed), then SIGKILL again until nothing is left, because a
 * process killed in one pass may leave children that only then become
 * ours.  Nothing the run started outlives ezpz, except what left this host
 * or escaped to another user.
 */
static void
run_sweep(struct runner *r)
{
	double until = mono_now() + r->o->grace;
	int rounds = 0;

	reap_orphans();   /* zombies still count for kill(-pgid, 0) */
	if (!r->escalated) {
		if (!survivors(r, SIGTERM, 0))
			return;
		while (mono_now() < until && survivors(r, 0, 0)) {
			pause_ms(50);
			reap_orphans();
		}
	}
	if (!survivors(r, 0, 0))
		return;
	warn("processes the launcher started outlived it; sending SIGKILL");
	until = mono_now() + SWEEP_KILL_S;
	while (survivors(r, SIGKILL, 0) && mono_now() < until) {
		pause_ms(rounds++ < 10 ? 5 : 50);
		reap_orphans();
	}
	reap_orphans();
	if (survivors(r, 0, 0))
		warn("processes the launcher started are still running %d s after SIGKILL",
		    SWEEP_KILL_S);
}

static int
run_open_pipes(struct runner *r, int child_fds[2])
{
	const struct run_opts *o = r->o;
	int all = o->idle_timeout > 0 || o->log || o->log2 || (o->keep && !o->keep_err_only);
	int first = all ? 0 : o->keep ? 1 : 2;
	r->s[0].in = r->s[1].in = -1;
	child_fds[0] = child_fds[1] = -1;
	for (int i = first; i < 2; i++) {
		int fd[2];
		if (pipe2(fd, O_CLOEXEC) < 0)
			return error_errno("cannot create a pipe");
		r->s[i].in = fd[0];
		r->s[i].out = i + 1;
		child_fds[i] = fd[1];
		fcntl(fd[0], F_SETFL, O_NONBLOCK);
	}
	return 0;
}

/*
 * go_fd >= 0: the child waits on it before exec, so that the sentinel is in
 * the launcher's group before anything the launcher starts can print (a ^C
 * typed at the first output must reach the sentinel too).
 */
static void
run_fork(struct runner *r, const char *path, char *const *argv, int child_fds[2], int status_fd[2],
    int go_fd[2])
{
	sigset_t all, old;
	pid_t parent = getpid();

	/* No signal may reach our handler in the child between fork and reset:
	 * it shares the self-pipe, and a Ctrl-C read twice aborts srun. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	if ((r->pid = fork()) < 0)
		die_errno("cannot fork");
	if (r->pid == 0) {
		child_reset_signals();
		setpgid(0, 0);
		/* Take the terminal before exec, as shells do, so a launcher that
		 * touches it at once is not stopped by SIGTTOU/SIGTTIN. */
		if (r->tty >= 0) {
			signal(SIGTTOU, SIG_IGN);
			tcsetpgrp(r->tty, getpid());
			signal(SIGTTOU, SIG_DFL);
		}
#ifdef __linux__
		/* If ezpz is killed outright, the launcher hears about it (and if
		 * ezpz died before this call, there is no one to launch for). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(EXIT_SIGBASE + SIGTERM);
#else
		(void)parent;
#endif
		for (int i = 0; i < 2; i++)
			if (child_fds[i] >= 0)
				dup2(child_fds[i], i + 1);
		close(status_fd[0]);
		if (go_fd[0] >= 0) {
			char c;
			close(go_fd[1]);
			while (read(go_fd[0], &c, 1) < 0 && errno == EINTR)
				;
			close(go_fd[0]);
		}
		child_exec(path, argv, r->o->envp, status_fd[1]);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	setpgid(r->pid, r->pid);   /* also here: whichever runs first wins the race */
	r->pgid = r->pid;
	for (int i = 0; i < 2; i++)
		if (child_fds[i] >= 0)
			close(child_fds[i]);
}

static int
run_exec_error(int status_fd)
{
	int e = 0;
	ssize_t n;
	do
		n = read(status_fd, &e, sizeof e);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof e ? e : 0;
}

void
exec_run(char *const *argv, const struct run_opts *o, struct run_result *res)
{
	struct runner r;
	int child_fds[2], status_fd[2], go_fd[2] = { -1, -1 }, e;
	char *path;

	memset(res, 0, sizeof *res);
	memset(&r, 0, sizeof r);
	r.o = o;
	r.res = res;
	r.logfd = r.log2fd = -1;
	r.tty = -1;
	r.sentinel_fd = -1;
	if ((path = path_which(o->envp, argv[0])) == NULL) {
		res->not_started = res->not_found = 1;
		res->status = EXIT_NOTFOUND;
		return;
	}
	if (o->log && (r.logfd = open(o->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		die_errno("log '%s'", o->log);
	if (o->log2 && (r.log2fd = open(o->log2, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		die_errno("log '%s'", o->log2);
	if (run_open_pipes(&r, child_fds) < 0 || pipe2(status_fd, O_CLOEXEC) < 0)
		die("cannot set up the launcher's pipes");
	if (isatty(0) && tcgetpgrp(0) == getpgrp())
		r.tty = 0;
	if (r.tty >= 0 && pipe2(go_fd, O_CLOEXEC) < 0)
		die_errno("cannot create a pipe");
	r.last_output = mono_now();
	run_fork(&r, path, argv, child_fds, status_fd, go_fd);
	free(path);
	close(status_fd[1]);   /* before the sentinel's fork: it must not hold it */
	if (go_fd[0] >= 0) {
		close(go_fd[0]);
		sentinel_start(&r);
		(void)!write(go_fd[1], "g", 1);
		close(go_fd[1]);
	}
	if ((e = run_exec_error(status_fd[0])) != 0) {
		close(status_fd[0]);
		sentinel_stop(&r);
		waitpid(r.pid, NULL, 0);
		errno = e;
		res->not_started = 1;
		res->status = e == ENOENT ? EXIT_NOTFOUND : EXIT_NOEXEC;
		error_errno("%s: cannot execute", argv[0]);
		return;
	}
	close(status_fd[0]);
	res->pid = r.pid;
	tty_give(&r, r.pgid);
	run_loop(&r);
	sentinel_stop(&r);
	tty_give(&r, getpgrp());
	run_sweep(&r);
	for (int i = 0; i < 2; i++)
		if (r.s[i].in >= 0)
			close(r.s[i].in);
	if (r.logfd >= 0 && close(r.logfd) < 0) {
		error_errno("log '%s': closing failed", o->log);
		res->log_failed |= LOG_FAILED_LOG;
	}
	if (r.log2fd >= 0 && close(r.log2fd) < 0) {
		error_errno("log '%s': closing failed", o->log2);
		res->log_failed |= LOG_FAILED_LOG2;
	}
	res->status = status_of(r.wstatus);
	/* Interrupted runs say by what, whatever status the launcher chose on
	 * its way out (mpirun exits 1 after a forwarded SIGTERM): 143 is what
	 * walltime-aware job scripts look for. */
	if (res->timed_out)
		res->status = EXIT_TIMEOUT;
	else if (res->signal)
		res->status = EXIT_SIGBASE + res->signal;
}

int
exec_sleep(int seconds)
{
	double until = mono_now() + seconds;
	for (;;) {
		struct pollfd p = { sigpipe_fd[0], POLLIN, 0 };
		double left = until - mono_now();
		unsigned char sig;
		if (left <= 0)
			return 0;
		if (poll(&p, 1, (int)(left * 1000) + 1) > 0)
			while (read(sigpipe_fd[0], &sig, 1) == 1)
				if (terminating(sig))
					return sig;
	}
}
