/* SPDX-License-Identifier: MIT */
/*
 * failover.h: what went wrong in one run of the launcher, read from its
 * output (pure).  Which rank failed first, on which host, with which status,
 * as the launcher (srun, PALS, Hydra, Open MPI) or ezpz rankenv reports it;
 * which hosts a machine's patterns blame; and the attempt's outcome, which
 * decides whether `ezpz launch --auto-retry` swaps hosts, runs again or
 * stops.  Addresses in the output are turned into host names through the
 * job_io edge (resolve), so every case is a unit test.
 */
#ifndef EZPZ_FAILOVER_H
#define EZPZ_FAILOVER_H

#include "job.h"
#include "strvec.h"

/* One rank's end as reported: code >= 0 an exit status, else sig > 0. */
struct rank_fail {
	long rank;        /* -1 when not said */
	char *host;       /* NULL when not said */
	int code;         /* exit status, or -1 */
	int sig;          /* signal, or 0 */
};

struct rank_fails {
	struct rank_fail *v;
	size_t n, alloc;
};

/* Every rank failure the output reports, in order; hosts filled in from
 * other reports of the same rank (Open MPI names the rank, rankenv the host). */
void failover_scan_ranks(const char *text, struct rank_fails *out);
void rank_fails_free(struct rank_fails *f);
/* A cascade (signal 11 or 15, or a shell's 139 or 143 for them: ranks
 * killed because another died) is no evidence against the host it ran on. */
int rank_fail_cascade(const struct rank_fail *f);
/* "exit 3", "signal 9 (SIGKILL)"...: malloc'd. */
char *rank_fail_status(const struct rank_fail *f);

/*
 * Hosts the patterns blame (POSIX extended regexes; group 1 is a host name
 * or an IPv4 address, resolved through io->resolve), unique, in order of
 * first appearance.  Lines `rank N died from signal 11|15` are never read.
 * Returns 0, or -1 with *err malloc'd for a pattern that does not compile.
 */
int failover_scan_patterns(const char *text, const struct strvec *patterns,
    const struct job_io *io, struct strvec *hosts, char **err);

enum outcome {
	OUTCOME_SUCCESS,
	OUTCOME_SCHEDULER,   /* walltime or a signal: ezpz or the launcher was stopped */
	OUTCOME_STUCK,       /* the watchdog stopped it (transient) */
	OUTCOME_NODE,        /* a host failed: bad names it (or them) */
	OUTCOME_PROGRAM,     /* will fail again the same way: stop */
	OUTCOME_UNKNOWN      /* failed, and nothing says where: stop */
};

struct attempt_in {
	int status;               /* ezpz's status for the attempt */
	int signal;               /* terminating signal ezpz received, or 0 */
	int timed_out;            /* the idle watchdog fired */
	int np;                   /* ranks in the attempt */
	const char *text;         /* its output (the tail), or NULL */
	char *const *hosts;       /* the attempt's hosts */
	size_t nhosts;
	const struct strvec *patterns;   /* the machine profile's, or NULL */
	const struct job_io *io;
	int ppn;                  /* ranks per host when ezpz placed them in blocks, in
	                           * the order of hosts (rank r on hosts[r / ppn]); 0: unknown */
	int stops_at_first;       /* the launcher stopped every rank at the first failure
	                           * it reported (srun -K): that one is the first */
};

struct verdict {
	enum outcome outcome;
	char *why;                /* one line for the table: "exit 1 on 2 hosts" */
	struct strvec bad;        /* hosts to swap out, as named in hosts[] */
	int have_first;           /* first is the first failed rank */
	struct rank_fail first;
	struct rank_fail blamed;  /* a node failure for a rank's status on one host: that
	                           * rank (its host NULL for any other verdict) */
};

/* Returns 0, or -1 with *err malloc'd (a bad pattern). */
int failover_classify(const struct attempt_in *in, struct verdict *v, char **err);
void verdict_free(struct verdict *v);
void failover_followed(const struct verdict *prev, struct verdict *v);
const char *outcome_name(enum outcome o);

#endif
