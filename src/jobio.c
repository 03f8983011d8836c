/* SPDX-License-Identifier: MIT */
/*
 * jobio.c: the I/O edge of job detection: reading files, running probes
 * (bounded in time), loading hwloc at most once and only when a fact needs
 * it, and loading the machine profiles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <unistd.h>

#include "backend.h"
#include "exec.h"
#include "hostcache.h"
#include "jobio.h"
#include "path.h"
#include "util.h"

#define PROBE_TIMEOUT_MS 10000

static char *
io_read(void *ctx, const char *path, size_t *len)
{
	(void)ctx;
	return read_file(path, len);
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
	c->io = (struct job_io){ c, io_read, io_run, io_which, io_topo };
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
	int r;
	c->no_cache = o->no_cache;
	r = job_detect(&c->job, c->envp, host, &c->profiles, o, &c->io, &err);
	if (r == -2)
		die_usage("%s", err);
	if (r < 0)
		die("%s", err);
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
	case JOBOPT_TOPOLOGY: *topology = arg; return 1;
	case JOBOPT_NO_CACHE: o->no_cache = 1; return 1;
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
