/* SPDX-License-Identifier: MIT */
/*
 * cmd_kill.c: `ezpz kill` — stop what `ezpz launch` started on this host
 * (or what matches a pattern), and say for each process what happened.
 * Success means the processes are gone, not that a signal was sent: after
 * the signal it waits up to --grace seconds, sends SIGKILL to survivors,
 * and checks again.  A pid counts as gone when /proc no longer has it, it
 * is a zombie, or its start time changed (the pid was reused).
 *
 * Only the user's own processes are considered, root's too.  The parent
 * of a match that is an `ezpz launch` or `ezpz test` is signalled as well,
 * and before the matches: it has no marker itself, and with --retries it
 * would start the launcher again once it saw it die; signalled first, it
 * knows it was interrupted, forwards the signal and does not retry.
 *
 * --all-nodes runs the same on every host of the job through the job's
 * own launcher (kill.c builds that line), so it needs no ssh.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "exec.h"
#include "ezpz.h"
#include "jobio.h"
#include "kill.h"
#include "launch.h"
#include "path.h"
#include "shell.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_kill;

#define ANCESTORS_MAX 4096
#define KILL_WAIT_S 2            /* for SIGKILL to take effect */
#define POLL_MS 20

#define LAUNCH_EXIT_S 5           /* for ezpz launch to finish once its launcher is gone */

enum { O_SIGNAL = 1, O_DRY_RUN, O_GRACE, O_ALL_NODES, O_JOB, O_ANY };

static const struct opt kill_opts_table[] = {
	{ O_SIGNAL, "-s|--signal", "SIG", "TERM|KILL|INT|HUP|QUIT|USR1|USR2",
	  "signal to send (default TERM)" },
	{ O_GRACE, "--grace", "SECONDS", NULL,
	  "wait this long for the processes to exit, then SIGKILL them (default 3; "
	  "USR1/USR2: no wait unless given)" },
	{ O_DRY_RUN, "--dry-run", NULL, NULL, "show what would be signalled, signal nothing" },
	{ O_ALL_NODES, "--all-nodes", NULL, NULL,
	  "do it on every host of this job, through the job's launcher" },
	{ O_JOB, "--job", "JOBID", NULL,
	  "not processes of other batch jobs (their PBS_JOBID, SLURM_JOB_ID... differ; "
	  "123.pbs01 is job 123)" },
	{ O_ANY, "--any-process", NULL, NULL,
	  "PATTERN may match processes no ezpz launch started (asks first at a terminal; "
	  "this host only)" },
	JOBOPT_ENTRIES,
	{ 0 }
};

struct target {
	struct kproc p;
	unsigned long long start;    /* start time in /proc/PID/stat: a reused pid differs */
	int err;                     /* errno of the failed kill(2), or 0 */
	int gone, escalated;
	int launch;                  /* an `ezpz launch` or `ezpz test`: signalled first */
};

struct targets {
	struct target *v;
	size_t n, alloc;
};

/* ---- /proc ---- */

/* ppid, state and start time from /proc/PID/stat; -1 when it is gone. */
static int
read_stat(long pid, long *ppid, char *state, unsigned long long *start)
{
	char path[64], *text, *p;
	unsigned long long fields[20];
	int n = 0;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if ((text = read_file(path, READ_MAX_PROC, NULL, NULL)) == NULL)
		return -1;
	/* "PID (comm) S PPID ...": comm may hold spaces and ')'. */
	if ((p = strrchr(text, ')')) == NULL || p[1] != ' ' || p[2] == '\0') {
		free(text);
		return -1;
	}
	*state = p[2];
	for (p += 3; n < 20 && *p; n++) {
		char *end;
		fields[n] = strtoull(p, &end, 10);
		if (end == p)
			break;
		p = end;
	}
	free(text);
	if (n < 19)
		return -1;
	*ppid = (long)fields[0];      /* field 4 */
	*start = fields[18];          /* field 22 */
	return 0;
}

/* /proc/PID/cmdline: argv, NUL-separated, *len bytes without the last
 * NULs; NULL when empty (a kernel thread) or gone. */
static char *
read_argv(long pid, size_t *len)
{
	char path[64], *s;

	snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
	if ((s = read_file(path, READ_MAX_PROC, len, NULL)) == NULL)
		return NULL;
	while (*len > 0 && s[*len - 1] == '\0')
		(*len)--;
	if (*len == 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* argv joined with spaces, in place. */
static char *
join_argv(char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] == '\0')
			s[i] = ' ';
	s[len] = '\0';
	return s;
}

static long
read_uid(long pid)
{
	char path[64], *text;
	long uid;

	snprintf(path, sizeof path, "/proc/%ld/status", pid);
	if ((text = read_file(path, READ_MAX_PROC, NULL, NULL)) == NULL)
		return -1;
	uid = kill_status_uid(text);
	free(text);
	return uid;
}

/* Does pid run this very ezpz, whatever its argv[0] says? */
static int
same_exe(long pid)
{
	static struct stat self;
	static int have = -1;
	struct stat st;
	char path[64];

	if (have < 0)
		have = stat("/proc/self/exe", &self) == 0;
	snprintf(path, sizeof path, "/proc/%ld/exe", pid);
	return have && stat(path, &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino;
}

/*
 * pid as /proc shows it, when it is uid's (others' are not even read):
 * 0, or -1 when it is another user's, gone, or has no command line.
 */
static int
load(long pid, long uid, struct target *x)
{
	char path[64], *argv;
	size_t len;

	memset(x, 0, sizeof *x);
	x->p.pid = pid;
	if ((x->p.uid = read_uid(pid)) != uid ||
	    read_stat(pid, &x->p.ppid, &x->p.state, &x->start) < 0 ||
	    (argv = read_argv(pid, &len)) == NULL)
		return -1;
	x->launch = kill_is_launch(argv, len, same_exe(pid));
	x->p.cmdline = join_argv(argv, len);
	snprintf(path, sizeof path, "/proc/%ld/environ", pid);
	x->p.env = read_file(path, READ_MAX_PROC, &x->p.envlen, NULL);
	return 0;
}

static void
target_free(struct target *x)
{
	free(x->p.cmdline);
	free(x->p.env);
}

/* ezpz kill itself and every process above it. */
static void
ancestors(long **skip, size_t *n)
{
	long pid = (long)getpid(), ppid;
	unsigned long long start;
	char state;

	*skip = xcalloc(ANCESTORS_MAX, sizeof **skip);
	*n = 0;
	while (pid > 0 && *n < ANCESTORS_MAX) {
		(*skip)[(*n)++] = pid;
		if (read_stat(pid, &ppid, &state, &start) < 0)
			break;
		pid = ppid;
	}
}

static int
is_number(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

static void
add(struct targets *t, const struct target *x)
{
	t->v = xgrow(t->v, &t->alloc, t->n + 1, sizeof *t->v);
	t->v[t->n++] = *x;
}

static struct target *
find(struct targets *t, long pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].p.pid == pid)
			return &t->v[i];
	return NULL;
}

static void
consider(struct targets *t, long pid, const struct kill_match *m)
{
	struct target x;

	for (size_t i = 0; i < m->nskip; i++)
		if (m->skip[i] == pid)
			return;
	if (load(pid, m->uid, &x) < 0)
		return;
	/* a launch by its own command line only while it runs nothing: else
	 * a pattern in its options (--log-dir runs/bert) would stop it */
	if (kill_matches(&x.p, m) ||
	    (kill_launch_matches(&x.p, x.launch, m) && !exec_has_children((pid_t)pid)))
		add(t, &x);
	else
		target_free(&x);
}

/*
 * The `ezpz launch` (or `ezpz test`) above each match, when it is not one
 * already and passes the same checks: not only the parent, as a rank's is
 * mpirun (or Open MPI's prted), whose parent is the launch.  The walk up
 * stops at another user's process (slurmstepd, sshd), at ezpz kill's own
 * ancestors, and at a target.
 */
static void
add_launch_parents(struct targets *t, const struct kill_match *m)
{
	size_t n = t->n;

	for (size_t i = 0; i < n; i++) {
		long pid = t->v[i].p.ppid;
		for (int up = 0; up < ANCESTORS_MAX && pid > 1 && !find(t, pid); up++) {
			struct target x;
			int skipped = 0;
			for (size_t k = 0; k < m->nskip; k++)
				skipped |= m->skip[k] == pid;
			if (skipped || load(pid, m->uid, &x) < 0)
				break;
			if (kill_parent_matches(&x.p, x.launch, m)) {
				add(t, &x);
				break;
			}
			pid = x.p.ppid;
			target_free(&x);
		}
	}
}

static int
by_pid(const void *a, const void *b)
{
	const struct target *x = a, *y = b;
	return (x->p.pid > y->p.pid) - (x->p.pid < y->p.pid);
}

static void
scan(struct targets *t, const struct kill_match *m)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (d == NULL)
		die_errno("kill: cannot read /proc");
	while ((e = readdir(d)) != NULL)
		if (is_number(e->d_name))
			consider(t, strtol(e->d_name, NULL, 10), m);
	closedir(d);
	add_launch_parents(t, m);
	if (t->n > 1)
		qsort(t->v, t->n, sizeof *t->v, by_pid);
}

static int
alive(const struct target *x)
{
	long ppid;
	unsigned long long start;
	char state;
	return read_stat(x->p.pid, &ppid, &state, &start) == 0 && state != 'Z' && start == x->start;
}

/* ---- signalling ---- */

static int
stopped(long pid)
{
	long ppid;
	unsigned long long start;
	char state = 0;
	return read_stat(pid, &ppid, &state, &start) == 0 && (state == 'T' || state == 't');
}

enum { SEND_ALL, SEND_RUN, SEND_LAUNCH };

/* The `ezpz launch` processes first: interrupted before their launcher
 * dies, they do not start it again.  SEND_RUN: all but them; SEND_LAUNCH:
 * only them. */
static void
send_all(struct targets *t, int sig, int which)
{
	for (int launch = 1; launch >= 0; launch--)
		for (size_t i = 0; i < t->n; i++) {
			struct target *x = &t->v[i];
			if (x->gone || x->err || x->launch != launch)
				continue;
			if ((which == SEND_RUN && launch) || (which == SEND_LAUNCH && !launch))
				continue;
			if (sig == SIGKILL)
				x->escalated = 1;
			if (kill((pid_t)x->p.pid, sig) < 0) {
				if (errno == ESRCH)
					x->gone = 1;
				else
					x->err = errno;
			} else if (sig != SIGKILL && kill_signal_ends(sig) && stopped(x->p.pid)) {
				/* a stopped process (Ctrl-Z, SIGSTOP) only acts on
				 * a signal that ends it once it runs again, as
				 * scancel knows; USR1/USR2 leave a suspended job be */
				kill((pid_t)x->p.pid, SIGCONT);
			}
		}
}

/* Wait up to seconds for the signalled processes to go; returns how many remain. */
static size_t
wait_gone(struct targets *t, double seconds)
{
	double until = mono_now() + seconds;
	for (;;) {
		size_t left = 0;
		for (size_t i = 0; i < t->n; i++) {
			struct target *x = &t->v[i];
			if (!x->gone && !x->err && !(x->gone = !alive(x)))
				left++;
		}
		if (left == 0 || mono_now() >= until)
			return left;
		nanosleep(&(struct timespec){ 0, POLL_MS * 1000000L }, NULL);
	}
}

/* ---- reporting ---- */

static void
report(const struct targets *t, const char *host, const struct kill_opts *o, int waited)
{
	const char *sig = kill_signal_name(o->sig);
	for (size_t i = 0; i < t->n; i++) {
		const struct target *x = &t->v[i];
		char *cmd = kill_display(x->p.cmdline, KILL_CMD_WIDTH);
		if (o->dry_run)
			printf("%s: would send SIG%s to %ld: %s\n", host, sig, x->p.pid, cmd);
		else if (x->err)
			printf("%s: cannot signal %ld (%s): %s\n", host, x->p.pid, strerror(x->err), cmd);
		else if (!waited)
			printf("%s: sent SIG%s to %ld: %s\n", host, sig, x->p.pid, cmd);
		else if (!x->gone)
			printf("%s: %ld still running after SIGKILL: %s\n", host, x->p.pid, cmd);
		else if (x->escalated && o->sig != SIGKILL)
			printf("%s: killed %ld (SIG%s, then SIGKILL after %d s): %s\n", host, x->p.pid,
			    sig, o->grace, cmd);
		else
			printf("%s: killed %ld (SIG%s): %s\n", host, x->p.pid, sig, cmd);
		free(cmd);
	}
}

static void
report_none(const char *host, const struct kill_match *m)
{
	char *job = m->jobid ? xasprintf(" of job %s", m->jobid) : xstrdup("");
	if (m->pattern && m->any)
		printf("%s: nothing to kill: no process%s has '%s' in its command line\n", host, job,
		    m->pattern);
	else if (m->pattern)
		printf("%s: nothing to kill: no process%s with %s in its environment (ezpz launch "
		    "sets it) has '%s' in its command line\n", host, job, KILL_MARKER_VAR, m->pattern);
	else
		printf("%s: nothing to kill: no process%s has %s in its environment (ezpz launch "
		    "sets it)\n", host, job, KILL_MARKER_VAR);
	free(job);
}

static void
free_targets(struct targets *t)
{
	for (size_t i = 0; i < t->n; i++)
		target_free(&t->v[i]);
	free(t->v);
}

/*
 * After the grace: SIGKILL the launchers and ranks, but give an `ezpz
 * launch` the time to see its launcher die and finish (it sweeps, then
 * exits 128+N): killed outright while it shuts down, it would exit 137 and
 * could leave what it had not yet swept.  Only one that is still there
 * LAUNCH_EXIT_S later gets SIGKILL.
 */
static void
escalate(struct targets *t)
{
	int launch = 0;

	send_all(t, SIGKILL, SEND_RUN);
	for (size_t i = 0; i < t->n; i++)
		launch |= t->v[i].launch && !t->v[i].gone && !t->v[i].err;
	if (launch && wait_gone(t, LAUNCH_EXIT_S) > 0)
		send_all(t, SIGKILL, SEND_LAUNCH);
}

/* --any-process at a terminal: show the matches and ask; elsewhere (a
 * script) the option is the answer. */
static int
confirmed(const struct targets *t, const char *host, const struct kill_opts *o)
{
	struct kill_opts dry = *o;
	char line[64];

	if (!isatty(0) || !isatty(2))
		return 1;
	dry.dry_run = 1;
	report(t, host, &dry, 0);
	fflush(stdout);
	fprintf(stderr, "ezpz kill: --any-process: signal %s %zu process%s, not all started by "
	    "ezpz launch? [y/N] ", t->n == 1 ? "this" : "these", t->n, t->n == 1 ? "" : "es");
	if (fgets(line, sizeof line, stdin) == NULL)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return strcasecmp(line, "y") == 0 || strcasecmp(line, "yes") == 0;
}

static int
kill_here(struct kill_opts *o, const char *jobid)
{
	struct kill_match m = { o->pattern, jobid, NULL, 0, (long)getuid(), o->any };
	struct targets t = { NULL, 0, 0 };
	char *host = this_hostname(environ);
	size_t left = 0, failed = 0;
	int waited = kill_signal_ends(o->sig) || o->grace >= 0, stopped = 0;
	long *skip;

	ancestors(&skip, &m.nskip);
	m.skip = skip;
	scan(&t, &m);
	if (t.n == 0)
		report_none(host, &m);
	if (t.n > 0 && !o->dry_run && o->any && !confirmed(&t, host, o)) {
		stopped = 1;
	} else if (t.n > 0 && !o->dry_run) {
		if (o->grace < 0)
			o->grace = KILL_DEFAULT_GRACE;
		send_all(&t, o->sig, SEND_ALL);
		if (waited && o->sig != SIGKILL && wait_gone(&t, o->grace) > 0)
			escalate(&t);
		if (waited)
			left = wait_gone(&t, KILL_WAIT_S);
	}
	if (stopped) {
		error("kill: not confirmed; nothing was signalled");
		free_targets(&t);
		free(skip);
		free(host);
		return EXIT_FAIL;
	}
	report(&t, host, o, waited);
	for (size_t i = 0; i < t.n; i++)
		failed += t.v[i].err != 0;
	if (failed + left > 0)
		error("kill: %s: %zu of %zu process%s not stopped (see above)", host, failed + left,
		    t.n, t.n == 1 ? "" : "es");
	free_targets(&t);
	free(skip);
	free(host);
	return failed + left > 0 ? EXIT_FAIL : EXIT_OK;
}

/* ---- every host ---- */

static char **
helper_env(struct strvec *env, const struct job *job)
{
	char *agent = job->hosts.n > 1 ? launch_pbs_rsh_agent(job, environ) : NULL;

	strvec_pushv(env, environ);
	envset_unset(env, KILL_MARKER_VAR);
	envset_set(env, KILL_HELPER_VAR, "1");
	/* mpirun reaches the other hosts as 'ezpz launch' does (plan_rsh_agent). */
	if (agent)
		envset_set(env, "OMPI_MCA_plm_rsh_agent", agent);
	free(agent);
	return strvec_argv(env);
}

static void
print_line(const char *lead, char *const *argv)
{
	fprintf(stderr, "%s", lead);
	for (size_t i = 0; argv[i]; i++) {
		char *q = shell_quote(SHELL_SH, argv[i]);
		fprintf(stderr, " %s", q);
		free(q);
	}
	fputc('\n', stderr);
}

static int
kill_all_nodes(const struct kill_opts *o, const struct job_opts *jo, const char *topology)
{
	struct strvec argv = STRVEC_INIT, env = STRVEC_INIT;
	struct run_opts ro = { NULL, 0, 10, NULL, NULL, NULL, 0 };
	struct run_result res;
	struct jobctx c;
	const struct backend *be;
	char *self = path_self(), *err = NULL, *lead;

	jobctx_init(&c, environ, topology);
	jobctx_detect(&c, jo);
	if (c.job.sched == SCHED_LOCAL || c.job.jobid == NULL)
		die("kill: --all-nodes: this shell is in no batch job (no PBS_JOBID, SLURM_JOB_ID, "
		    "FLUX_JOB_ID or LSB_JOBID%s%s); run it inside the job, or run 'ezpz kill' on each "
		    "host", c.job.find_note ? "; " : "", c.job.find_note ? c.job.find_note : "");
	if (kill_remote_argv(c.job.launcher, (int)c.job.hosts.n, c.job.hostfile, self, c.job.jobid,
	    o, &argv, &err) < 0)
		die_status(EXIT_NOTFOUND, "kill: --all-nodes: %s", err);
	/* A job found by squeue (no SLURM_JOB_ID here): name the allocation. */
	if (c.job.found && c.job.launcher == LAUNCHER_SRUN) {
		char *id = xasprintf("--jobid=%s", c.job.jobid);
		strvec_insert(&argv, 1, id);
		free(id);
	}
	lead = xasprintf("ezpz kill: %s job %s, %zu host%s:", sched_name(c.job.sched), c.job.jobid,
	    c.job.hosts.n, c.job.hosts.n == 1 ? "" : "s");
	print_line(lead, argv.v);
	ro.envp = helper_env(&env, &c.job);
	/* Quiet for this long means a host hangs: the remote kills wait at most
	 * grace + KILL_WAIT_S seconds. */
	ro.idle_timeout = (o->grace >= 0 ? o->grace : KILL_DEFAULT_GRACE) + KILL_WAIT_S + 60;
	exec_signals_init();
	exec_run(argv.v, &ro, &res);
	if ((be = backend_for(c.job.launcher)) != NULL && be->cleanup && res.pid > 0)
		be->cleanup(res.pid, ro.envp);
	if (res.not_started && res.status == EXIT_NOTFOUND)
		error("kill: --all-nodes: %s: not found on PATH (the %s launcher)", argv.v[0],
		    launcher_name(c.job.launcher));
	else if (res.status != 0)
		error("kill: --all-nodes: not every host succeeded (%s exited %d; see the lines above)",
		    argv.v[0], res.status);
	free(lead);
	free(self);
	strvec_clear(&argv);
	strvec_clear(&env);
	jobctx_free(&c);
	return res.status == 0 ? EXIT_OK : res.status >= EXIT_TIMEOUT ? res.status : EXIT_FAIL;
}

static int
kill_run(int argc, char **argv)
{
	struct kill_opts o = { SIGTERM, -1, 0, NULL, 0 };
	struct job_opts jo = { 0 };
	const char *topology = NULL, *jobid = NULL;
	struct optstate st;
	int all = 0, opt;

	opt_init(&st, "kill", argc, argv);
	while ((opt = opt_next(&st, kill_opts_table)) != OPT_DONE) {
		switch (opt) {
		case OPT_HELP: cmd_help_exit(&cmd_kill); break;
		case O_SIGNAL:
			if ((o.sig = kill_signal_parse(st.arg)) < 0)
				die_usage("kill: --signal '%s': use TERM, KILL, INT, HUP, QUIT, USR1 or USR2",
				    st.arg);
			break;
		case O_GRACE: o.grace = (int)opt_long(&st, 0, 3600); break;
		case O_DRY_RUN: o.dry_run = 1; break;
		case O_ALL_NODES: all = 1; break;
		case O_JOB:
			if (*st.arg == '\0')
				die_usage("kill: --job '': give a job id (123, 123.pbs01)");
			jobid = st.arg;
			break;
		case O_ANY: o.any = 1; break;
		default:
			if (!jobopt_take(&jo, &topology, opt, st.arg))
				opt_unknown(&st);
		}
	}
	if (st.ind < argc)
		o.pattern = argv[st.ind++];
	if (st.ind < argc)
		die_usage("kill: unexpected argument '%s' (one PATTERN at most; quote it if it has "
		    "spaces)", argv[st.ind]);
	if (o.pattern && *o.pattern == '\0')
		die_usage("kill: empty PATTERN would match every process");
	if (all && jobid)
		die_usage("kill: --all-nodes takes the job from the environment; drop --job");
	if (o.any && !o.pattern)
		die_usage("kill: --any-process needs a PATTERN");
	if (o.any && all)
		die_usage("kill: --any-process works on this host only; drop --all-nodes");
	return all ? kill_all_nodes(&o, &jo, topology) : kill_here(&o, jobid);
}

const struct ezpz_cmd cmd_kill = {
	.name = "kill",
	.summary = "stop what ezpz launch started here, or on every host of the job",
	.usage = "[--signal SIG] [--grace SECONDS] [--dry-run] [--all-nodes | --job JOBID] [PATTERN]\n"
	    "[--signal SIG] [--grace SECONDS] [--dry-run] [--job JOBID] --any-process PATTERN",
	.description = "Signal the processes on this host whose environment has\n"
	    "EZPZ_RUN_COMMAND (every rank and launcher ezpz launch starts), with PATTERN\n"
	    "only those whose command line contains it, and with --any-process any process\n"
	    "whose command line contains PATTERN (at a terminal, after asking); only your\n"
	    "own (root's too), and never\n"
	    "ezpz kill itself or its parents.  The ezpz launch or ezpz test above a match is\n"
	    "signalled too, first, so that --retries does not start the launcher again.\n"
	    "Then wait --grace seconds, SIGKILL the survivors, and give an ezpz launch a\n"
	    "moment more to finish before it is SIGKILLed too.  Exit status 0 when every\n"
	    "match is gone (or nothing matched), 1 otherwise (also when not confirmed).",
	.opts = kill_opts_table,
	.run = kill_run,
};
