/* SPDX-License-Identifier: MIT */
/*
 * jobio.c: the I/O edge of job detection: reading files, running probes
 * (bounded in time), asking the scheduler for the user's jobs (bounded,
 * remembered for the process and cached for a few seconds in qcache.c),
 * loading hwloc at most once and only when a fact needs it, and loading the
 * machine profiles.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "exec.h"
#include "hostcache.h"
#include "jobio.h"
#include "path.h"
#include "qcache.h"
#include "util.h"

#define PROBE_TIMEOUT_MS 10000
/* Asking qstat or squeue: how long it may take, and how long its answer is
 * reused (the Python ezpz caches qstat for 30 s too). */
#define QUERY_TIMEOUT_S 10
#define QUERY_TIMEOUT_MAX_S 600
#define QUERY_CACHE_S 30
#define QUERY_CACHE_MAX_S 3600
/* The variables that choose which scheduler server a command asks. */
static const char *const query_env[] = { "SLURM_CONF", "SLURM_CLUSTERS", "PBS_CONF_FILE",
	"PBS_SERVER", "PBS_DEFAULT" };

static char *
io_read(void *ctx, const char *path, size_t max, size_t *len, const char **why)
{
	(void)ctx;
	return read_file(path, max, len, why);
}

static struct hostcache *
cache(struct jobctx *c)
{
	if (!c->cache_open) {
		hostcache_open(&c->cache, c->envp, c->no_cache);
		c->cache_open = 1;
	}
	return &c->cache;
}

/* `/path/mpiexec --version` is answered from the cache while that file is the same. */
static int
io_run(void *ctx, char *const *argv, char **out)
{
	struct jobctx *c = ctx;
	int probe = argv[0] && argv[0][0] == '/' && argv[1] && streq(argv[1], "--version") &&
	    argv[2] == NULL;
	const char *kept = probe ? hostcache_probe(cache(c), argv[0]) : NULL;
	int r;

	if (kept) {
		*out = xstrdup(kept);
		return 0;
	}
	r = exec_capture(argv, c->envp, PROBE_TIMEOUT_MS, out);
	if (probe && r == 0 && *out)
		hostcache_put_probe(cache(c), argv[0], *out);
	return r;
}

/* This host's topology: from the cache, else from hwloc (then cached). */
static int
host_topo(struct jobctx *c)
{
	struct hostcache *hc = cache(c);
	if (hostcache_take_topo(hc, &c->topo) == 0) {
		c->topo.origin = xasprintf("cache:%s", hc->file);
		return 0;
	}
	if (topo_load(&c->topo, NULL, &c->topo_err) < 0)
		return -1;
	hostcache_put_topo(hc, &c->topo);
	c->topo.origin = xasprintf("hwloc; cache %s", hc->state);
	return 0;
}

static char *
io_which(void *ctx, const char *name)
{
	struct jobctx *c = ctx;
	return path_which(c->envp, name);
}

static int
io_present(void *ctx, const char *path)
{
	struct stat st;
	(void)ctx;
	return stat(path, &st) == 0;
}

/* getnameinfo, not getent: no process, and the resolver's own timeouts. */
static char *
io_resolve(void *ctx, const char *addr)
{
	struct sockaddr_in sa;
	char host[NI_MAXHOST];
	(void)ctx;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return NULL;
	if (getnameinfo((struct sockaddr *)&sa, sizeof sa, host, sizeof host, NULL, 0, NI_NAMEREQD) != 0)
		return NULL;
	return xstrdup(host);
}

static const struct topo *
io_topo(void *ctx, char **err)
{
	struct jobctx *c = ctx;
	if (c->topo_state == 0) {
		const char *xml = c->topology ? c->topology : env_nonempty(c->envp, "EZPZ_TOPOLOGY");
		if (xml)
			c->topo_state = topo_load(&c->topo, xml, &c->topo_err) == 0 ? 1 : -1;
		else
			c->topo_state = host_topo(c) == 0 ? 1 : -1;
	}
	if (c->topo_state < 0) {
		*err = xstrdup(c->topo_err);
		return NULL;
	}
	return &c->topo;
}

/* What identifies a question: the command's path, its words, its server. */
static char *
query_key(struct jobctx *c, const char *path, char *const *argv)
{
	char *key = xstrdup(path), *k;
	for (size_t i = 1; argv[i]; i++) {
		k = xasprintf("%s\n%s", key, argv[i]);
		free(key);
		key = k;
	}
	for (size_t i = 0; i < NITEMS(query_env); i++) {
		const char *v = env_get(c->envp, query_env[i]);
		k = xasprintf("%s\n%s%s%s", key, query_env[i], v ? "=" : "", v ? v : "");
		free(key);
		key = k;
	}
	return key;
}

static void
answer_copy(struct query_answer *to, const struct query_answer *from)
{
	*to = *from;
	to->out = from->out ? xstrdup(from->out) : NULL;
	to->err = from->err ? xstrdup(from->err) : NULL;
}

static void
memo_add(struct jobctx *c, char *key, const struct query_answer *a)
{
	struct query_memo *m;
	c->memo = xgrow(c->memo, &c->memo_alloc, c->nmemo + 1, sizeof *c->memo);
	m = &c->memo[c->nmemo++];
	m->key = key;
	answer_copy(&m->a, a);
}

/* Asked already in this process (doctor detects the job twice)? */
static int
memo_find(struct jobctx *c, const char *key, struct query_answer *a)
{
	for (size_t i = 0; i < c->nmemo; i++)
		if (streq(c->memo[i].key, key)) {
			answer_copy(a, &c->memo[i].a);
			return 1;
		}
	return 0;
}

static void
io_query(void *ctx, char *const *argv, struct query_answer *a)
{
	struct jobctx *c = ctx;
	char *path, *key, *dir = NULL;
	int timed_out = 0;

	memset(a, 0, sizeof *a);
	a->age_s = -1;
	a->timeout_s = c->query_timeout_s;
	if (c->knob_err) {
		a->status = QUERY_NOT_RUN;
		a->err = xstrdup(c->knob_err);
		return;
	}
	if ((path = path_which(c->envp, argv[0])) == NULL) {
		a->status = QUERY_NOT_RUN;
		a->err = xstrdup("not found on PATH");
		return;
	}
	key = query_key(c, path, argv);
	free(path);
	if (memo_find(c, key, a)) {
		free(key);
		return;
	}
	if (c->query_cache_s > 0 && (dir = qcache_dir(c->envp)) != NULL &&
	    qcache_load(dir, key, c->query_cache_s, a)) {
		memo_add(c, key, a);
		free(dir);
		return;
	}
	a->status = exec_capture_query(argv, c->envp, c->query_timeout_s * 1000, &a->out, &a->err,
	    &timed_out);
	if (a->status < 0) {
		a->status = QUERY_NOT_RUN;
		a->err = xstrdup(strerror(errno));
	} else if (timed_out) {
		a->status = QUERY_TIMEOUT;
	}
	if (dir)
		qcache_store(dir, key, a);
	memo_add(c, key, a);
	free(dir);
}

/* The login name of the real user; its number when it has no name (a
 * container without a passwd entry: squeue takes numbers too). */
static char *
io_user(void *ctx)
{
	struct passwd *pw = getpwuid(getuid());
	(void)ctx;
	if (pw && pw->pw_name && *pw->pw_name)
		return xstrdup(pw->pw_name);
	return xasprintf("%lu", (unsigned long)getuid());
}

/* EZPZ_JOBFIND_TIMEOUT and EZPZ_JOBFIND_CACHE, in seconds. */
static void
query_knobs(struct jobctx *c)
{
	static const struct { const char *name; long def, min, max; } k[] = {
		{ "EZPZ_JOBFIND_TIMEOUT", QUERY_TIMEOUT_S, 1, QUERY_TIMEOUT_MAX_S },
		{ "EZPZ_JOBFIND_CACHE", QUERY_CACHE_S, 0, QUERY_CACHE_MAX_S },
	};
	int *to[] = { &c->query_timeout_s, &c->query_cache_s };
	for (size_t i = 0; i < NITEMS(k); i++) {
		const char *v = env_nonempty(c->envp, k[i].name), *why;
		long n = k[i].def;
		if (v && parse_long(v, k[i].min, k[i].max, &n, &why) < 0 && c->knob_err == NULL) {
			c->knob_err = xasprintf("%s='%s': %s (give seconds, %ld to %ld)", k[i].name, v,
			    why, k[i].min, k[i].max);
			n = k[i].def;
		}
		*to[i] = (int)n;
	}
}

char *
this_hostname(char *const *envp)
{
	const char *h = env_nonempty(envp, "EZPZ_HOSTNAME");
	char buf[256];
	if (h)
		return xstrdup(h);
	if (gethostname(buf, sizeof buf) < 0)
		return xstrdup("localhost");
	buf[sizeof buf - 1] = '\0';
	return xstrdup(buf);
}

size_t
jobctx_open(struct jobctx *c, char **envp, const char *topology)
{
	char *datadir;

	memset(c, 0, sizeof *c);
	c->envp = envp;
	c->topology = topology;
	c->io = (struct job_io){ c, io_read, io_run, io_which, io_topo, io_query, io_user, io_resolve,
	    io_present };
	query_knobs(c);
	datadir = path_datadir(envp);
	profiles_load_default(&c->profiles, datadir, envp, &c->profile_errs);
	free(datadir);
	return c->profile_errs.n;
}

void
jobctx_init(struct jobctx *c, char **envp, const char *topology)
{
	size_t n = jobctx_open(c, envp, topology);
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		error("%s", c->profile_errs.v[i]);
	die("%zu error%s in machine profiles; fix or remove the file%s named above "
	    "(see ezpz-machines(5))", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
}

void
jobctx_detect(struct jobctx *c, const struct job_opts *o)
{
	char *err = NULL, *host = this_hostname(c->envp);
	const char *xml = c->topology ? c->topology : env_nonempty(c->envp, "EZPZ_TOPOLOGY");
	int r;
	c->no_cache = o->no_cache;

	if (c->knob_err)
		die("%s", c->knob_err);
	/* A topology named is read whether or not this run needs it: one that
	 * cannot be is an error in every command, not only where it is used. */
	if (xml && io_topo(c, &err) == NULL)
		die("%s (from %s; give an hwloc XML file, as 'lstopo FILE.xml' writes, or leave "
		    "it out to read this host)", err, c->topology ? "--topology" : "EZPZ_TOPOLOGY");
	r = job_detect(&c->job, c->envp, host, &c->profiles, o, &c->io, &err);
	if (r == -2)
		die_usage("%s", err);
	if (r == JOB_NO_LAUNCHER)
		die_status(EXIT_NOTFOUND, "%s", err);
	if (r == JOB_LAUNCHER_NOEXEC)
		die_status(EXIT_NOEXEC, "%s", err);
	if (r < 0)
		die("%s", err);
	for (size_t i = 0; i < c->job.warnings.n; i++)
		warn("%s", c->job.warnings.v[i]);
	free(host);
}

const struct topo *
jobctx_topo(struct jobctx *c)
{
	char *err = NULL;
	const struct topo *t = io_topo(c, &err);
	if (t == NULL)
		die("%s", err);
	return t;
}

void
jobctx_free(struct jobctx *c)
{
	job_free(&c->job);
	if (c->topo_state == 1)
		topo_free(&c->topo);
	free(c->topo_err);
	if (c->cache_open)
		hostcache_free(&c->cache);
	profiles_free(&c->profiles);
	strvec_clear(&c->profile_errs);
	for (size_t i = 0; i < c->nmemo; i++) {
		free(c->memo[i].key);
		free(c->memo[i].a.out);
		free(c->memo[i].a.err);
	}
	free(c->memo);
	free(c->knob_err);
}

int
jobopt_take(struct job_opts *o, const char **topology, int id, const char *arg)
{
	switch (id) {
	case JOBOPT_HOSTFILE: o->hostfile = arg; return 1;
	case JOBOPT_MACHINE: o->machine = arg; return 1;
	case JOBOPT_LAUNCHER:
		if (backend_by_name(arg) == NULL && strchr(arg, '/') == NULL) {
			char *names = backend_names(", ", " or ");
			die_usage("--launcher '%s': unknown flavour (use %s)", arg, names);
		}
		o->launcher = arg;
		return 1;
	case JOBOPT_SRUN_MPI:
		if (!srun_mpi_valid(arg))
			die_usage("--srun-mpi '%s': not an MPI plugin type (like pmix, pmi2, cray_shasta; "
			    "'srun --mpi=list' lists this site's; or site: srun's own default)", arg);
		o->srun_mpi = arg;
		return 1;
	case JOBOPT_TOPOLOGY: *topology = arg; return 1;
	case JOBOPT_NO_CACHE: o->no_cache = 1; return 1;
	case JOBOPT_JOB:
		if (*arg == '\0' || strpbrk(arg, " \t\n/"))
			die_usage("--job '%s': not a job id", arg);
		o->job = arg;
		return 1;
	}
	return 0;
}

enum shell
shell_choose(const char *cmd, const char *arg, char *const *envp)
{
	char exe[PATH_MAX], link[64];
	enum shell sh = SHELL_SH;
	const char *s;
	ssize_t n;

	if (arg) {
		if (shell_parse(arg, &sh) < 0)
			die_usage("%s: --shell '%s': unknown shell (use bash, zsh, sh or fish)", cmd, arg);
		return sh;
	}
	snprintf(link, sizeof link, "/proc/%ld/exe", (long)getppid());
	if ((n = readlink(link, exe, sizeof exe - 1)) > 0) {
		exe[n] = '\0';
		if (shell_parse(exe, &sh) == 0)
			return sh;
	}
	/* $SHELL=tcsh or none: POSIX sh syntax is the safe default */
	if ((s = env_nonempty(envp, "SHELL")) == NULL || shell_parse(s, &sh) < 0)
		sh = SHELL_SH;
	return sh;
}
