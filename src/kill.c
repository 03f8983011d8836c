/* SPDX-License-Identifier: MIT */
/*
 * kill.c: what `ezpz kill` matches and how it reaches every host.
 *
 * Never matched: ezpz kill and its ancestors (a rank that runs `ezpz kill`
 * must not kill the launcher it runs under), processes without a command
 * line (kernel threads), the helpers of --all-nodes (KILL_HELPER_VAR in
 * their environment: the srun that runs the remote kills has the pattern
 * in its own command line), and other users' processes (a pattern such as
 * "python" would reach them, and root's ezpz kill would signal them).
 * With a job id, only that job's processes: on a shared node, another
 * job's ranks carry the marker too.  A pattern narrows the marked
 * processes; only --any-process lets it reach processes without the
 * marker.
 */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "kill.h"
#include "util.h"

static const struct {
	const char *name;
	int sig;
} signals[] = {
	{ "TERM", SIGTERM }, { "KILL", SIGKILL }, { "INT", SIGINT }, { "HUP", SIGHUP },
	{ "QUIT", SIGQUIT }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
};

int
kill_signal_parse(const char *name)
{
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < NITEMS(signals); i++)
		if (strcasecmp(name, signals[i].name) == 0)
			return signals[i].sig;
	return -1;
}

const char *
kill_signal_name(int sig)
{
	for (size_t i = 0; i < NITEMS(signals); i++)
		if (signals[i].sig == sig)
			return signals[i].name;
	return NULL;
}

int
kill_signal_ends(int sig)
{
	/* USR1/USR2 ask a program to act (checkpoint, dump stacks), not to exit. */
	return sig != SIGUSR1 && sig != SIGUSR2;
}

const char *
kproc_env(const struct kproc *p, const char *key)
{
	size_t klen = strlen(key);
	const char *e = p->env, *end = p->env + p->envlen;

	if (p->env == NULL)
		return NULL;
	while (e < end) {
		size_t n = strnlen(e, (size_t)(end - e));
		if (n > klen && e[klen] == '=' && strncmp(e, key, klen) == 0)
			return e + klen + 1;
		e += n + 1;
	}
	return NULL;
}

/* One job id, "123" or PBS's "123.pbs01": the part before the first '.'. */
static int
same_job(const char *a, const char *b)
{
	size_t n = strcspn(a, ".");
	return n == strcspn(b, ".") && strncmp(a, b, n) == 0;
}

int
kproc_in_job(const struct kproc *p, const char *jobid)
{
	static const char *const vars[] = { "PBS_JOBID", "SLURM_JOB_ID", "SLURM_JOBID",
		"FLUX_JOB_ID", "LSB_JOBID" };
	const char *v;
	int any = 0;

	for (size_t i = 0; i < NITEMS(vars); i++) {
		if ((v = kproc_env(p, vars[i])) != NULL && same_job(v, jobid))
			return 1;
		any |= v != NULL;
	}
	/* Ranks Open MPI started over ssh carry no job id: they are not another
	 * job's.  What must never match is a process of a different job. */
	return !any;
}

/* Everything but the marker or pattern: a live process of this user with
 * a command line, not ours, not a helper, of the job. */
static int
eligible(const struct kproc *p, const struct kill_match *m)
{
	if (p->cmdline == NULL || *p->cmdline == '\0' || p->state == 'Z')
		return 0;
	if (p->uid < 0 || p->uid != m->uid)
		return 0;
	for (size_t i = 0; i < m->nskip; i++)
		if (m->skip[i] == p->pid)
			return 0;
	if (kproc_env(p, KILL_HELPER_VAR))
		return 0;
	return m->jobid == NULL || kproc_in_job(p, m->jobid);
}

int
kill_matches(const struct kproc *p, const struct kill_match *m)
{
	if (!eligible(p, m))
		return 0;
	if (m->pattern && strstr(p->cmdline, m->pattern) == NULL)
		return 0;
	/* A pattern such as "sh" would reach the user's shells and daemons
	 * (root's: the system's); only --any-process goes beyond the run. */
	return (m->pattern && m->any) || kproc_env(p, KILL_MARKER_VAR) != NULL;
}

int
kill_parent_matches(const struct kproc *p, int is_launch, const struct kill_match *m)
{
	return is_launch && eligible(p, m);
}

int
kill_launch_matches(const struct kproc *p, int is_launch, const struct kill_match *m)
{
	return is_launch && eligible(p, m) && (m->pattern == NULL || strstr(p->cmdline, m->pattern));
}

int
kill_is_launch(const char *argv, size_t len, int same_exe)
{
	size_t n0 = strnlen(argv, len);
	const char *base, *arg1 = argv + n0 + 1;
	size_t n1;

	if (n0 + 1 >= len)
		return 0;                /* no argv[1] */
	n1 = strnlen(arg1, len - n0 - 1);
	if (!(n1 == 6 && strncmp(arg1, "launch", 6) == 0) &&
	    !(n1 == 4 && strncmp(arg1, "test", 4) == 0))
		return 0;
	base = memrchr(argv, '/', n0);
	base = base ? base + 1 : argv;
	return same_exe || (argv + n0 - base == 4 && strncmp(base, "ezpz", 4) == 0);
}

long
kill_status_uid(const char *status)
{
	const char *p = startswith(status, "Uid:") ? status : strstr(status, "\nUid:");
	char *end;
	long uid;

	if (p == NULL)
		return -1;
	for (p += *p == '\n' ? 5 : 4; *p == ' ' || *p == '\t'; p++)
		;
	if (!isdigit((unsigned char)*p))
		return -1;
	errno = 0;
	uid = strtol(p, &end, 10);
	return errno ? -1 : uid;
}

char *
kill_display(const char *cmdline, size_t width)
{
	size_t n = strlen(cmdline);
	char *s;

	if (width < 4)
		width = 4;
	if (n > width) {
		s = xmalloc(width + 1);
		memcpy(s, cmdline, width - 3);
		memcpy(s + width - 3, "...", 4);
	} else {
		s = xstrdup(cmdline);
	}
	for (unsigned char *p = (unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
	return s;
}

/* The kill command each host runs. */
static void
remote_kill(struct strvec *a, const char *self, const char *jobid, const struct kill_opts *o)
{
	strvec_push(a, self);
	strvec_push(a, "kill");
	strvec_push(a, "--job");
	strvec_push(a, jobid);
	strvec_push(a, "--signal");
	strvec_push(a, kill_signal_name(o->sig));
	if (o->grace >= 0) {
		strvec_push(a, "--grace");
		strvec_pushf(a, "%d", o->grace);
	}
	if (o->dry_run)
		strvec_push(a, "--dry-run");
	if (o->pattern) {
		strvec_push(a, "--");
		strvec_push(a, o->pattern);
	}
}

int
kill_remote_argv(enum launcher l, int nhosts, const char *hostfile, const char *self,
    const char *jobid, const struct kill_opts *o, struct strvec *a, char **err)
{
	static const char *const forward[] = { KILL_HELPER_VAR, "PATH", NULL };
	const struct backend *b = backend_for(l);

	if (b == NULL) {
		char *looked = backend_looked_for(1);
		*err = xasprintf("no launcher to reach the other hosts: found none of %s on PATH; "
		    "load your MPI module, or pass --launcher", looked);
		free(looked);
		return -1;
	}
	b->per_host(a, nhosts, hostfile, forward);
	remote_kill(a, self, jobid, o);
	return 0;
}
