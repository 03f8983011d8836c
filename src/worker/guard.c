/* SPDX-License-Identifier: MIT */
/*
 * guard.c: the hang guard.  A collective that one rank never calls leaves
 * the others waiting forever (the talk's "collective operations must be
 * called by all workers").  So every collective is started non-blocking
 * and completed here by polling against a deadline; past it, the rank says
 * which collective, for what, did not complete, and aborts the whole job.
 *
 * Polling yields the CPU after a short spin: with more ranks than cores
 * (4 ranks on 2 cores) a rank that spins starves the very rank it waits for.
 * The calls that have no non-blocking form (MPI_Init, communicator splits,
 * MPI_Finalize), and the bandwidth phase's blocking collectives (see
 * bench.c for why blocking), are guarded by a timer signal instead.
 */
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "worker.h"

/* MPI_Test calls before the first sched_yield: keeps small-message latency
 * on a dedicated core while still giving the core away when it is shared. */
#ifndef SPINS_BEFORE_YIELD
#define SPINS_BEFORE_YIELD 100
#endif

void
guard_wait(const struct ctx *c, MPI_Request *req, const char *coll, const char *fmt, ...)
{
	double deadline = MPI_Wtime() + (double)c->opt->timeout;
	unsigned long spins = 0;
	int done = 0;
	char what[160];
	va_list ap;

	for (;;) {
		MPI_Test(req, &done, MPI_STATUS_IGNORE);
		if (done)
			return;
		if (++spins < SPINS_BEFORE_YIELD)
			continue;
		if (MPI_Wtime() > deadline)
			break;
		sched_yield();
	}
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	wmsg("%s: collective %s (%s) did not complete in %ld s; aborting", c->who, coll, what,
	    c->opt->timeout);
	MPI_Abort(MPI_COMM_WORLD, EXIT_TIMEOUT);
	_exit(EXIT_TIMEOUT);
}

void
guard_bcast(const struct ctx *c, void *buf, int count, MPI_Datatype type, MPI_Comm comm,
    const char *what)
{
	MPI_Request req;
	MPI_Ibcast(buf, count, type, 0, comm, &req);
	guard_wait(c, &req, "broadcast", "%s", what);
}

static char alarm_msg[512];
static size_t alarm_len;

static void
on_alarm(int sig)
{
	(void)sig;
	(void)!write(STDERR_FILENO, alarm_msg, alarm_len);
	_exit(EXIT_TIMEOUT);
}

void
guard_arm(const char *who, long seconds, const char *what)
{
	struct itimerval it = { { 0, 0 }, { seconds, 0 } };
	struct sigaction sa;
	int n;

	n = snprintf(alarm_msg, sizeof alarm_msg,
	    WORKER ": %s: %s did not complete in %ld s; aborting\n", who, what, seconds);
	alarm_len = n < 0 ? 0 : (size_t)n < sizeof alarm_msg ? (size_t)n : sizeof alarm_msg - 1;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
}

void
guard_disarm(void)
{
	struct itimerval it;
	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
}
