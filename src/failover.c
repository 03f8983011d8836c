/* SPDX-License-Identifier: MIT */
/*
 * failover.c: reading a failed run's output (see failover.h).  The launchers'
 * own reports are recognised by fixed patterns, one per launcher; the
 * machine's patterns come from its profile (failover: bad_host_patterns).
 * Nothing here runs anything: names are resolved through struct job_io.
 */
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "failover.h"
#include "util.h"

enum kind { K_SRUN, K_PALS, K_HYDRA_AT, K_HYDRA_CODE, K_HYDRA_SIG, K_HYDRA_STR, K_OMPI_NAME,
	K_OMPI4_NAME, K_OMPI_CODE, K_OMPI_SIG, K_RANKENV, K_NKIND };

/* Group 1.. as described per row. */
static const char *const launcher_re[K_NKIND] = {
	/* srun: error: n2: task 3: Exited with exit code 3 | tasks 0-1: Killed */
	[K_SRUN] = "^srun: error: ([^ :]+): tasks? ([0-9]+)[^:]*: (.*)$",
	/* PALS: x1.hsn.cm.aurora.alcf.anl.gov: rank 5 exited with code 1 */
	[K_PALS] = "^([^ :]+): rank ([0-9]+) (exited with code|died from signal) ([0-9]+)",
	/* Hydra's box: RANK 1 PID 4242 RUNNING AT n2 (MPICH 4: no RANK), then
	 * EXIT CODE: or KILLED BY SIGNAL:; after it, for a signal death (whose
	 * number MPICH 4 gave as the EXIT CODE), the EXIT STRING */
	[K_HYDRA_AT] = "(RANK ([0-9]+) )?PID [0-9]+ RUNNING AT ([^ ]+)",
	[K_HYDRA_CODE] = "^=? *EXIT CODE: ([0-9]+)",
	[K_HYDRA_SIG] = "^=? *KILLED BY SIGNAL: ([0-9]+)",
	[K_HYDRA_STR] = "TERMINATED WITH THE EXIT STRING: .*\\(signal ([0-9]+)\\)",
	/* Open MPI 5: Process name: [prterun-h-123@1,2]; 4: [[4242,1],2]; then Exit code: */
	[K_OMPI_NAME] = "Process name: +\\[[^],@]+@[0-9]+,([0-9]+)\\]",
	[K_OMPI4_NAME] = "Process name: +\\[\\[[0-9]+,[0-9]+\\],([0-9]+)\\]",
	[K_OMPI_CODE] = "^ *Exit code: +([0-9]+)",
	/* mpirun noticed that process rank 1 with PID 0 on node n2 exited on signal 9 (Killed). */
	[K_OMPI_SIG] = "process rank ([0-9]+) with PID [0-9]+ on node ([^ ]+) exited on signal ([0-9]+)",
	/* ezpz rankenv: rank 3 on n2: exited with status 3 | killed by signal 9 */
	[K_RANKENV] = "ezpz rankenv: rank ([0-9]+) on ([^ :]+): (exited with status|killed by signal) ([0-9]+)",
};

/* PALS reports every rank a dead peer took down; they prove nothing. */
static const char cascade_re[] = "rank [0-9]+ died from signal (11|15)([^0-9]|$)";

#define MAX_GROUPS 6

struct scanner {
	regex_t re[K_NKIND];
	struct rank_fails *out;
	long pending_rank;     /* Hydra/Open MPI: a rank whose status is on a later line */
	int pending;           /* there is one (its rank may be -1: not said) */
	char *pending_host;
	size_t hydra;          /* the report Hydra's box gave last (1-based), for its EXIT STRING */
};

void
rank_fails_free(struct rank_fails *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i].host);
	free(f->v);
	memset(f, 0, sizeof *f);
}

int
rank_fail_cascade(const struct rank_fail *f)
{
	if (f->code > EXIT_SIGBASE)   /* a shell between reports its child's signal so */
		return f->code == EXIT_SIGBASE + SIGSEGV || f->code == EXIT_SIGBASE + SIGTERM;
	return f->code < 0 && (f->sig == SIGSEGV || f->sig == SIGTERM);
}

char *
rank_fail_status(const struct rank_fail *f)
{
	if (f->code >= 0)
		return xasprintf("exit %d", f->code);
	return xasprintf("signal %d (SIG%s)", f->sig, sigabbrev_np(f->sig) ? sigabbrev_np(f->sig) : "?");
}

static char *
group(const char *line, const regmatch_t *m, int i)
{
	return xstrndup(line + m[i].rm_so, (size_t)(m[i].rm_eo - m[i].rm_so));
}

static long
group_long(const char *line, const regmatch_t *m, int i)
{
	return strtol(line + m[i].rm_so, NULL, 10);
}

/* Add a report, or complete an earlier one of the same rank; returns
 * which one (1-based). */
static size_t
add(struct scanner *s, long rank, const char *host, int code, int sig)
{
	struct rank_fails *f = s->out;
	struct rank_fail *r;
	for (size_t i = 0; rank >= 0 && i < f->n; i++) {
		r = &f->v[i];
		if (r->rank != rank)
			continue;
		if (r->host == NULL && host)
			r->host = xstrdup(host);
		return i + 1;
	}
	f->v = xgrow(f->v, &f->alloc, f->n + 1, sizeof *f->v);
	r = &f->v[f->n++];
	r->rank = rank;
	r->host = host ? xstrdup(host) : NULL;
	r->code = code;
	r->sig = code >= 0 ? 0 : sig;
	return f->n;
}

/* srun's words for a task's end. */
static void
srun_status(const char *text, int *code, int *sig)
{
	static const struct { const char *word; int sig; } words[] = {
		{ "Killed", SIGKILL }, { "Terminated", SIGTERM }, { "Segmentation fault", SIGSEGV },
		{ "Aborted", SIGABRT }, { "Bus error", SIGBUS }, { "Floating point exception", SIGFPE },
		{ "Illegal instruction", SIGILL },
	};
	*code = -1;
	*sig = 0;
	if (sscanf(text, "Exited with exit code %d", code) == 1)
		return;
	*code = -1;
	for (size_t i = 0; i < NITEMS(words); i++)
		if (strncmp(text, words[i].word, strlen(words[i].word)) == 0)
			*sig = words[i].sig;
}

static void
scan_line(struct scanner *s, const char *line)
{
	regmatch_t m[MAX_GROUPS];
	char *a, *b;
	int code, sig;

	if (regexec(&s->re[K_SRUN], line, MAX_GROUPS, m, 0) == 0) {
		a = group(line, m, 1);
		b = group(line, m, 3);
		srun_status(b, &code, &sig);
		if (code >= 0 || sig > 0)
			add(s, group_long(line, m, 2), a, code, sig);
		free(a);
		free(b);
	} else if (regexec(&s->re[K_PALS], line, MAX_GROUPS, m, 0) == 0 ||
	    regexec(&s->re[K_RANKENV], line, MAX_GROUPS, m, 0) == 0) {
		int exited = line[m[3].rm_so] == 'e';
		a = group(line, m, 1);
		b = group(line, m, 2);
		/* PALS: host first, then rank; rankenv: rank first, then host */
		if (line[m[1].rm_so] >= '0' && line[m[1].rm_so] <= '9' && strstr(line, "ezpz rankenv"))
			add(s, group_long(line, m, 1), b, exited ? (int)group_long(line, m, 4) : -1,
			    exited ? 0 : (int)group_long(line, m, 4));
		else
			add(s, group_long(line, m, 2), a, exited ? (int)group_long(line, m, 4) : -1,
			    exited ? 0 : (int)group_long(line, m, 4));
		free(a);
		free(b);
	} else if (regexec(&s->re[K_OMPI_SIG], line, MAX_GROUPS, m, 0) == 0) {
		a = group(line, m, 2);
		add(s, group_long(line, m, 1), a, -1, (int)group_long(line, m, 3));
		free(a);
	} else if (regexec(&s->re[K_HYDRA_AT], line, MAX_GROUPS, m, 0) == 0) {
		free(s->pending_host);
		s->pending_rank = m[2].rm_so >= 0 ? group_long(line, m, 2) : -1;
		s->pending_host = group(line, m, 3);
		s->pending = 1;
	} else if (regexec(&s->re[K_OMPI_NAME], line, MAX_GROUPS, m, 0) == 0 ||
	    regexec(&s->re[K_OMPI4_NAME], line, MAX_GROUPS, m, 0) == 0) {
		free(s->pending_host);
		s->pending_host = NULL;
		s->pending_rank = group_long(line, m, 1);
		s->pending = 1;
	} else if (s->pending &&
	    (regexec(&s->re[K_HYDRA_CODE], line, MAX_GROUPS, m, 0) == 0 ||
	     regexec(&s->re[K_OMPI_CODE], line, MAX_GROUPS, m, 0) == 0)) {
		size_t i = add(s, s->pending_rank, s->pending_host, (int)group_long(line, m, 1), 0);
		s->hydra = s->pending_host ? i : 0;
		s->pending = 0;
	} else if (s->pending && regexec(&s->re[K_HYDRA_SIG], line, MAX_GROUPS, m, 0) == 0) {
		add(s, s->pending_rank, s->pending_host, -1, (int)group_long(line, m, 1));
		s->pending = 0;
	} else if (s->hydra && regexec(&s->re[K_HYDRA_STR], line, MAX_GROUPS, m, 0) == 0) {
		/* MPICH 4's EXIT CODE was the signal's number */
		struct rank_fail *r = &s->out->v[s->hydra - 1];
		r->code = -1;
		r->sig = (int)group_long(line, m, 1);
		s->hydra = 0;
	}
}

/* Call fn on each line of text (a copy, so lines can be NUL-terminated). */
static void
each_line(const char *text, void (*fn)(void *, const char *), void *ctx)
{
	char *copy = xstrdup(text ? text : ""), *p = copy;
	while (*p) {
		char *nl = strchr(p, '\n');
		size_t len;
		if (nl)
			*nl = '\0';
		if ((len = strlen(p)) > 0 && p[len - 1] == '\r')
			p[len - 1] = '\0';
		fn(ctx, p);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	free(copy);
}

static void
scan_cb(void *ctx, const char *line)
{
	scan_line(ctx, line);
}

void
failover_scan_ranks(const char *text, struct rank_fails *out)
{
	struct scanner s = { .out = out, .pending_rank = -1 };
	memset(out, 0, sizeof *out);
	for (int i = 0; i < K_NKIND; i++)
		if (regcomp(&s.re[i], launcher_re[i], REG_EXTENDED) != 0)
			die("failover: built-in pattern %d does not compile", i);
	each_line(text, scan_cb, &s);
	for (int i = 0; i < K_NKIND; i++)
		regfree(&s.re[i]);
	free(s.pending_host);
}

/* ------------------------------------------------------------------ */

struct pscan {
	regex_t *re;
	size_t n;
	regex_t cascade;
	const struct job_io *io;
	struct strvec *hosts;
};

static int
is_ipv4(const char *s)
{
	int dots = 0;
	for (; *s; s++) {
		if (*s == '.')
			dots++;
		else if (*s < '0' || *s > '9')
			return 0;
	}
	return dots == 3;
}

static int
has(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (streq(sv->v[i], s))
			return 1;
	return 0;
}

static void
pattern_cb(void *ctx, const char *line)
{
	struct pscan *ps = ctx;
	regmatch_t m[2];
	if (regexec(&ps->cascade, line, 0, NULL, 0) == 0)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		char *h;
		if (regexec(&ps->re[i], line, 2, m, 0) != 0 || m[1].rm_so < 0)
			continue;
		h = group(line, m, 1);
		if (is_ipv4(h)) {
			char *name = ps->io && ps->io->resolve ? ps->io->resolve(ps->io->ctx, h) : NULL;
			free(h);
			if ((h = name) == NULL)
				continue;
		}
		if (!has(ps->hosts, h))
			strvec_push(ps->hosts, h);
		free(h);
	}
}

int
failover_scan_patterns(const char *text, const struct strvec *patterns,
    const struct job_io *io, struct strvec *hosts, char **err)
{
	struct pscan ps = { .io = io, .hosts = hosts };
	int rc = 0;
	if (patterns == NULL || patterns->n == 0)
		return 0;
	ps.re = xcalloc(patterns->n, sizeof *ps.re);
	if (regcomp(&ps.cascade, cascade_re, REG_EXTENDED | REG_NOSUB) != 0)
		die("failover: built-in cascade pattern does not compile");
	for (; ps.n < patterns->n; ps.n++)
		if (regcomp(&ps.re[ps.n], patterns->v[ps.n], REG_EXTENDED) != 0 ||
		    ps.re[ps.n].re_nsub < 1) {
			if (ps.re[ps.n].re_nsub < 1)
				regfree(&ps.re[ps.n]);
			*err = xasprintf("failover pattern '%s': not an extended regex with a group "
			    "for the host", patterns->v[ps.n]);
			rc = -1;
			break;
		}
	if (rc == 0)
		each_line(text, pattern_cb, &ps);
	for (size_t i = 0; i < ps.n; i++)
		regfree(&ps.re[i]);
	regfree(&ps.cascade);
	free(ps.re);
	return rc;
}

/* ------------------------------------------------------------------ */

const char *
outcome_name(enum outcome o)
{
	switch (o) {
	case OUTCOME_SUCCESS: return "success";
	case OUTCOME_SCHEDULER: return "stopped";
	case OUTCOME_STUCK: return "stuck";
	case OUTCOME_NODE: return "node failure";
	case OUTCOME_PROGRAM: return "program error";
	default: return "failed";
	}
}

void
verdict_free(struct verdict *v)
{
	free(v->why);
	free(v->first.host);
	free(v->blamed.host);
	strvec_clear(&v->bad);
	memset(v, 0, sizeof *v);
}

/* The attempt's host that name stands for (short names compared), or NULL. */
static const char *
attempt_host(const struct attempt_in *in, const char *name)
{
	size_t n = name ? host_short_len(name) : 0;
	for (size_t i = 0; n && i < in->nhosts; i++)
		if (host_short_len(in->hosts[i]) == n && strncmp(in->hosts[i], name, n) == 0)
			return in->hosts[i];
	return NULL;
}

static void
blame(struct verdict *v, const char *host)
{
	if (host && !has(&v->bad, host))
		strvec_push(&v->bad, host);
}

static int
same_status(const struct rank_fail *a, const struct rank_fail *b)
{
	return a->code == b->code && a->sig == b->sig;
}

/*
 * Every rank that failed with evidence failed the same way, on more than one
 * host or on every rank: the program, not a node (exit 1 everywhere).
 */
static int
program_error(const struct attempt_in *in, const struct rank_fails *f, const struct rank_fail *first,
    struct verdict *v)
{
	struct strvec hosts = STRVEC_INIT;
	size_t ranks = 0;
	int same = 1;
	for (size_t i = 0; i < f->n; i++) {
		const struct rank_fail *r = &f->v[i];
		if (rank_fail_cascade(r))
			continue;
		same &= same_status(r, first);
		ranks++;
		if (r->host && !has(&hosts, r->host))
			strvec_push(&hosts, r->host);
	}
	if (same && (hosts.n >= 2 || (in->np > 1 && ranks >= (size_t)in->np))) {
		char *st = rank_fail_status(first);
		v->why = xasprintf("%s on %zu rank%s, %zu host%s", st, ranks, ranks == 1 ? "" : "s",
		    hosts.n, hosts.n == 1 ? "" : "s");
		free(st);
		strvec_clear(&hosts);
		return 1;
	}
	strvec_clear(&hosts);
	return 0;
}

/* Python tracebacks in the output, and whether they all end the same way. */
static size_t
tracebacks(const char *text, int *alike)
{
	const char *p = text, *t;
	char *last = NULL;
	size_t n = 0;
	*alike = 1;
	while (p && (t = strstr(p, "Traceback (most recent call last):")) != NULL) {
		/* its exception is the first line that does not start with a blank
		 * (or with a rank label) after the frames */
		const char *q = strchr(t, '\n'), *end;
		char *exc = NULL;
		n++;
		while (q && *++q) {
			const char *s = q;
			while (*s >= '0' && *s <= '9')
				s++;
			if (s > q && s[0] == ':' && s[1] == ' ')
				s += 2;
			end = strchr(s, '\n');
			if (*s != ' ' && *s != '\t' && *s != '\n') {
				exc = xstrndup(s, end ? (size_t)(end - s) : strlen(s));
				break;
			}
			q = end;
		}
		if (exc && last && !streq(exc, last))
			*alike = 0;
		if (exc) {
			free(last);
			last = exc;
		}
		p = t + 1;
	}
	free(last);
	return n;
}

/*
 * Open MPI's "Process name" report names a rank but no host.  On one host
 * there is only one it can be; on several, ezpz placed the ranks itself in
 * blocks of ppn (--map-by ppr:N:node, -ppn N), so rank r ran on hosts[r / ppn].
 */
static const char *
placed_host(const struct attempt_in *in, long rank)
{
	if (in->nhosts == 1)
		return in->hosts[0];
	if (in->ppn > 0 && rank >= 0 && (size_t)(rank / in->ppn) < in->nhosts)
		return in->hosts[rank / in->ppn];
	return NULL;
}

static void
classify_failure(const struct attempt_in *in, const struct strvec *named, struct verdict *v)
{
	struct rank_fails f;
	const struct rank_fail *ev = NULL;
	const char *h;
	int alike;
	size_t ntb;

	failover_scan_ranks(in->text, &f);
	for (size_t i = 0; i < f.n && ev == NULL; i++)
		if (!rank_fail_cascade(&f.v[i]))
			ev = &f.v[i];
	if (f.n > 0) {
		const struct rank_fail *r = in->stops_at_first || ev == NULL ? &f.v[0] : ev;
		v->have_first = 1;
		v->first = *r;
		v->first.host = r->host ? xstrdup(r->host) : NULL;
		if (!v->first.host && (h = placed_host(in, r->rank)) != NULL)
			v->first.host = xstrdup(h);
	}
	for (size_t i = 0; i < named->n; i++)
		blame(v, attempt_host(in, named->v[i]));
	ntb = tracebacks(in->text, &alike);
	if (v->bad.n > 0) {
		v->outcome = OUTCOME_NODE;
		v->why = xasprintf("the machine's patterns name %s", v->bad.v[0]);
	} else if (ntb > 0 && alike) {
		/* Python said what went wrong, the same way each time it did: the
		 * other ranks may not have got that far before the launcher
		 * stopped them, but they would have. */
		v->outcome = OUTCOME_PROGRAM;
		v->why = xasprintf("%zu Python traceback%s, all alike", ntb, ntb == 1 ? "" : "s");
	} else if (ev && program_error(in, &f, ev, v)) {
		v->outcome = OUTCOME_PROGRAM;
	} else if (ev && attempt_host(in, ev->host)) {
		char *st = rank_fail_status(ev);
		v->outcome = OUTCOME_NODE;
		blame(v, attempt_host(in, ev->host));
		v->why = xasprintf("rank %ld on %s: %s", ev->rank, ev->host, st);
		v->blamed = *ev;
		v->blamed.host = xstrdup(ev->host);
		free(st);
	} else if (in->status == EXIT_SIGBASE + SIGTERM || in->status == EXIT_SIGBASE + SIGKILL) {
		v->outcome = OUTCOME_SCHEDULER;
		v->why = xasprintf("the launcher was killed (exit %d): walltime?", in->status);
	} else {
		v->outcome = OUTCOME_UNKNOWN;
		v->why = xasprintf("exit %d, and the output names no host", in->status);
	}
	rank_fails_free(&f);
}

int
failover_classify(const struct attempt_in *in, struct verdict *v, char **err)
{
	struct strvec named = STRVEC_INIT;

	memset(v, 0, sizeof *v);
	if (in->status == 0 && !in->signal && !in->timed_out) {
		v->outcome = OUTCOME_SUCCESS;
		v->why = xstrdup("exit 0");
		return 0;
	}
	if (in->signal) {
		v->outcome = OUTCOME_SCHEDULER;
		v->why = xasprintf("ezpz received signal %d (SIG%s)", in->signal,
		    sigabbrev_np(in->signal) ? sigabbrev_np(in->signal) : "?");
		return 0;
	}
	if (failover_scan_patterns(in->text, in->patterns, in->io, &named, err) < 0) {
		strvec_clear(&named);
		return -1;
	}
	classify_failure(in, &named, v);
	strvec_clear(&named);
	/* A hang names no one: run again (on the same hosts) unless a host was named. */
	if (in->timed_out && v->outcome != OUTCOME_NODE) {
		free(v->why);
		v->outcome = OUTCOME_STUCK;
		v->why = xstrdup(in->text && *in->text ? "no output for the --timeout, after some output"
		    : "no output at all before the --timeout");
	}
	return 0;
}

/*
 * A node failure blamed on one rank on one host, then the same rank with
 * the same status on another host in the next attempt: the failure follows
 * the program, not the host (two bad hosts in a row would have to fail the
 * same rank the same way).  Under
 * srun -K a program's exit 1 on every rank can show as one rank's on one
 * host (the others stopped before they got there); the second such attempt
 * says which it was.
 */
void
failover_followed(const struct verdict *prev, struct verdict *v)
{
	char *st;
	if (prev->outcome != OUTCOME_NODE || v->outcome != OUTCOME_NODE ||
	    prev->blamed.host == NULL || v->blamed.host == NULL || prev->blamed.rank < 0 ||
	    prev->blamed.rank != v->blamed.rank || !same_status(&prev->blamed, &v->blamed) ||
	    streq(prev->blamed.host, v->blamed.host))
		return;
	st = rank_fail_status(&v->blamed);
	free(v->why);
	v->why = xasprintf("%s again, now on %s (was %s): it follows the program, not the host",
	    st, v->blamed.host, prev->blamed.host);
	free(st);
	v->outcome = OUTCOME_PROGRAM;
	strvec_clear(&v->bad);
}
