/* SPDX-License-Identifier: MIT */
/*
 * fuzz_job: job detection (src/job.c, sched_*.c, launcher.c) and the launch
 * plan (plan.c, be_*.c) from a random environment, through a fake job_io:
 * no real file is read and no process started for an input.
 *
 * An input is lines.  A line is an environment entry ("KEY=VALUE", as is),
 * unless it is one of these directives:
 *
 *   @host NAME          this host's name (default "fuzzhost")
 *   @opt KEY=VALUE      --hostfile, --machine or --launcher (KEY hostfile,
 *                       machine, launcher)
 *   @topo NAME          this host's hardware: a fixture from
 *                       tests/fixtures/topo (loaded once, at start), or
 *                       "none" (cannot be loaded); default synthetic-nogpu
 *   @file PATH          a file; the lines after it, up to the next line
 *                       starting with '@', are its contents
 *   @cmd NAME STATUS    a command on PATH (at /fake/bin/NAME); the lines
 *                       after it are what it prints; STATUS '-': it cannot run
 *   @launch NP PPN NH [CPU_BIND [GPU_BIND]]   plan a launch with these
 *                       options (-1: not given); without it, the defaults
 *
 * Detection must succeed or fail with a message; success must give a
 * complete job (hosts, every source named, a launcher decision), facts
 * whose EZPZ_HOSTS expands back to the hosts, and a JSON view.  The plan
 * must succeed or fail with a message; success must give an argv that
 * starts with the launcher, sizes that agree, KEY=VALUE environment, and a
 * JSON view.
 */
#include <errno.h>
#include <limits.h>

#include "fuzz.h"
#include "hostlist.h"
#include "job.h"
#include "json.h"
#include "plan.h"
#include "shell.h"
#include "strvec.h"
#include "util.h"

#ifndef FUZZ_TOP
#define FUZZ_TOP "."
#endif

static const char *const topo_names[] = {
	"synthetic-nogpu", "aurora-like", "polaris-like", "perlmutter-like", "frontier-like",
	"synthetic-4xA100", "synthetic-8xMI250X-gcd", "cpu-2socket",
};
#define NTOPO (sizeof topo_names / sizeof *topo_names)
static struct topo topos[NTOPO];
static int topo_ok[NTOPO];
static struct profiles builtin;

struct ffile { char *path; struct strvec text; };
struct fcmd { char *name; int status; struct strvec text; };

struct world {
	struct strvec env;
	char *host;
	struct job_opts o;
	char *opt_hostfile, *opt_machine, *opt_launcher;
	long topo;                 /* index into topos, or -1: none */
	struct ffile files[16];
	size_t nfiles;
	struct fcmd cmds[8];
	size_t ncmds;
	int launch;                /* an @launch line was given */
	long np, ppn, nh;
	char *cpu_bind, *gpu_bind;
};

static const char *
top(void)
{
	const char *t = getenv("EZPZ_TOP");
	return t && *t ? t : FUZZ_TOP;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct strvec errs = STRVEC_INIT;
	char *dir = xasprintf("%s/src/machines", top());
	(void)argc;
	(void)argv;
	if (profiles_load_dir(&builtin, dir, &errs) != 0 || builtin.n == 0) {
		fprintf(stderr, "fuzz_job: cannot load the built-in profiles from %s\n", dir);
		exit(1);
	}
	free(dir);
	strvec_clear(&errs);
	for (size_t i = 0; i < NTOPO; i++) {
		char *path = xasprintf("%s/tests/fixtures/topo/%s.xml", top(), topo_names[i]), *err = NULL;
		topo_ok[i] = topo_load(&topos[i], path, &err) == 0;
		if (!topo_ok[i]) {
			fprintf(stderr, "fuzz_job: %s\n", err);
			exit(1);
		}
		free(path);
	}
	return 0;
}

/* ---- the fake edge --------------------------------------------------- */

static char *
joined(const struct strvec *lines, size_t *len)
{
	size_t n = 0, off = 0;
	char *s;

	for (size_t i = 0; i < lines->n; i++)
		n += strlen(lines->v[i]) + 1;
	s = xmalloc(n + 1);
	for (size_t i = 0; i < lines->n; i++) {
		size_t k = strlen(lines->v[i]);
		memcpy(s + off, lines->v[i], k);
		s[off + k] = '\n';
		off += k + 1;
	}
	s[off] = '\0';
	if (len)
		*len = off;
	return s;
}

/* As read_file: at most max bytes, and *why set on every failure. */
static char *
w_read(void *ctx, const char *path, size_t max, size_t *len, const char **why)
{
	struct world *w = ctx;
	for (size_t i = 0; i < w->nfiles; i++) {
		size_t n;
		char *s;
		if (strcmp(w->files[i].path, path) != 0)
			continue;
		s = joined(&w->files[i].text, &n);
		if (n > max) {
			free(s);
			*why = "larger than the limit";
			errno = EFBIG;
			return NULL;
		}
		if (len)
			*len = n;
		return s;
	}
	*why = strerror(ENOENT);
	errno = ENOENT;
	return NULL;
}

static const struct fcmd *
w_cmd(const struct world *w, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	for (size_t i = 0; i < w->ncmds; i++)
		if (strcmp(w->cmds[i].name, base) == 0)
			return &w->cmds[i];
	return NULL;
}

static int
w_run(void *ctx, char *const *argv, char **out)
{
	const struct fcmd *c = w_cmd(ctx, argv[0]);
	FUZZ_CHECK(argv[0] != NULL, "run with no argv[0]");
	if (c == NULL || c->status < 0) {
		*out = NULL;
		return -1;
	}
	*out = joined(&c->text, NULL);
	return c->status;
}

static char *
w_which(void *ctx, const char *name)
{
	return w_cmd(ctx, name) ? xasprintf("/fake/bin/%s", name) : NULL;
}

static const struct topo *
w_topo(void *ctx, char **err)
{
	struct world *w = ctx;
	if (w->topo < 0) {
		*err = xstrdup("no topology in this input");
		return NULL;
	}
	return &topos[w->topo];
}

/* ---- reading an input ------------------------------------------------- */

static long
num(const char *s)
{
	char *end;
	long v;
	errno = 0;
	v = strtol(s, &end, 10);
	return errno || end == s ? -1 : v < INT_MIN / 2 ? INT_MIN / 2 : v > INT_MAX / 2 ? INT_MAX / 2 : v;
}

static void
directive(struct world *w, char *line, struct strvec **body)
{
	char *arg = strchr(line, ' ');
	*body = NULL;
	if (arg)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	if (strcmp(line, "@host") == 0) {
		free(w->host);
		w->host = xstrdup(arg);
	} else if (strcmp(line, "@opt") == 0) {
		char **slot = startswith(arg, "hostfile=") ? &w->opt_hostfile :
		    startswith(arg, "machine=") ? &w->opt_machine :
		    startswith(arg, "launcher=") ? &w->opt_launcher : NULL;
		if (slot) {
			free(*slot);
			*slot = xstrdup(strchr(arg, '=') + 1);
		}
	} else if (strcmp(line, "@topo") == 0) {
		w->topo = -1;
		for (size_t i = 0; i < NTOPO; i++)
			if (strcmp(arg, topo_names[i]) == 0)
				w->topo = (long)i;
	} else if (strcmp(line, "@file") == 0 && w->nfiles < NITEMS(w->files)) {
		w->files[w->nfiles].path = xstrdup(arg);
		*body = &w->files[w->nfiles++].text;
	} else if (strcmp(line, "@cmd") == 0 && w->ncmds < NITEMS(w->cmds)) {
		char *st = strchr(arg, ' ');
		if (st)
			*st++ = '\0';
		w->cmds[w->ncmds].name = xstrdup(arg);
		w->cmds[w->ncmds].status = st && *st != '-' ? (int)(num(st) & 255) : -1;
		*body = &w->cmds[w->ncmds++].text;
	} else if (strcmp(line, "@launch") == 0) {
		char *save = NULL, *t[5] = { 0 };
		t[0] = strtok_r(arg, " ", &save);
		for (int i = 1; i < 5 && t[i - 1]; i++)
			t[i] = strtok_r(NULL, " ", &save);
		w->launch = 1;
		free(w->cpu_bind);
		free(w->gpu_bind);
		w->np = t[0] ? num(t[0]) : -1;
		w->ppn = t[1] ? num(t[1]) : -1;
		w->nh = t[2] ? num(t[2]) : -1;
		w->cpu_bind = t[3] && strcmp(t[3], "-") ? xstrdup(t[3]) : NULL;
		w->gpu_bind = t[4] ? xstrdup(t[4]) : NULL;
	}
}

static void
world_read(struct world *w, const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *line;
	const char *p = s, *end = s + strlen(s);
	struct strvec *body = NULL;

	memset(w, 0, sizeof *w);
	w->host = xstrdup("fuzzhost");
	w->topo = 0;
	w->np = w->ppn = w->nh = -1;
	while ((line = fuzz_line(&p, end)) != NULL) {
		if (line[0] == '@')
			directive(w, line, &body);
		else if (body)
			strvec_push(body, line);
		else
			strvec_push(&w->env, line);
		free(line);
	}
	free(s);
	w->o.hostfile = w->opt_hostfile;
	w->o.machine = w->opt_machine;
	w->o.launcher = w->opt_launcher;
}

static void
world_free(struct world *w)
{
	strvec_clear(&w->env);
	free(w->host);
	free(w->opt_hostfile);
	free(w->opt_machine);
	free(w->opt_launcher);
	for (size_t i = 0; i < w->nfiles; i++) {
		free(w->files[i].path);
		strvec_clear(&w->files[i].text);
	}
	for (size_t i = 0; i < w->ncmds; i++) {
		free(w->cmds[i].name);
		strvec_clear(&w->cmds[i].text);
	}
	free(w->cpu_bind);
	free(w->gpu_bind);
}

/* ---- the checks ---------------------------------------------------------- */

static int
plain_host(const char *h)
{
	return *h && strpbrk(h, ", \t[]") == NULL;
}

static void
check_facts(const struct job *job)
{
	struct strvec env = STRVEC_INIT, back = STRVEC_INIT;
	const char *hosts;
	char *err = NULL;
	int plain = 1;

	job_facts_env(job, &env, NULL);
	for (size_t i = 0; i < env.n; i++) {
		const char *eq = strchr(env.v[i], '=');
		char *k;
		FUZZ_CHECK(eq != NULL, "fact '%s' has no '='", env.v[i]);
		k = xstrndup(env.v[i], (size_t)(eq - env.v[i]));
		FUZZ_CHECK(shell_valid_name(k), "fact name '%s'", k);
		free(k);
	}
	hosts = env_get(env.v, "EZPZ_HOSTS");
	FUZZ_CHECK(hosts != NULL, "no EZPZ_HOSTS");
	for (size_t i = 0; i < job->hosts.n; i++)
		plain &= plain_host(job->hosts.v[i].name);
	/* Hosts named with ',', blanks or brackets (from LSF or qstat text, not
	 * checked there) cannot be written as a hostlist; the rest must be. */
	if (plain) {
		FUZZ_CHECK(hostlist_expand(hosts, &back, &err) == 0, "EZPZ_HOSTS='%.200s': %s", hosts,
		    err);
		FUZZ_CHECK(back.n == job->hosts.n, "EZPZ_HOSTS='%.200s': %zu hosts, the job has %zu",
		    hosts, back.n, job->hosts.n);
		for (size_t i = 0; i < back.n; i++)
			FUZZ_CHECK(strcmp(back.v[i], job->hosts.v[i].name) == 0,
			    "EZPZ_HOSTS='%.200s': host %zu '%s' is '%s' in the job", hosts, i, back.v[i],
			    job->hosts.v[i].name);
	}
	strvec_clear(&back);
	strvec_clear(&env);
}

static void
check_job(const struct job *job, const struct world *w)
{
	const struct job_sources *s = &job->src;
	char *js;

	FUZZ_CHECK(job->hosts.n >= 1, "a job with no hosts");
	for (size_t i = 0; i < job->hosts.n; i++)
		FUZZ_CHECK(job->hosts.v[i].name && job->hosts.v[i].slots >= 1, "host %zu: '%s' x %d",
		    i, job->hosts.v[i].name, job->hosts.v[i].slots);
	FUZZ_CHECK(job->hostname && strcmp(job->hostname, w->host) == 0, "hostname");
	FUZZ_CHECK(job->machine != NULL, "no machine");
	FUZZ_CHECK(sched_name(job->sched) != NULL, "scheduler %d", job->sched);
	FUZZ_CHECK(job->ngpu_per_host >= 0, "%d GPUs per host", job->ngpu_per_host);
	FUZZ_CHECK(vendor_name(job->gpu_vendor) != NULL, "vendor %d", job->gpu_vendor);
	FUZZ_CHECK(job->launcher != LAUNCHER_UNSET, "launcher left unset");
	FUZZ_CHECK(s->scheduler.text && s->jobid.text && s->machine.text && s->hosts.text &&
	    s->hostfile.text && s->ngpu_per_host.text && s->gpu_vendor.text && s->launcher.text,
	    "a source is not named");
	(void)job_has_host(job, w->host);
	check_facts(job);
	js = json_job(job, NULL);
	FUZZ_CHECK(js && *js == '{', "json_job");
	free(js);
}

static void
check_plan(const struct plan *p, const struct job *job)
{
	char *js;

	FUZZ_CHECK(p->argv.n >= 1, "an empty launch line");
	FUZZ_CHECK(p->np >= 1 && p->ppn >= 1 && p->nhosts >= 1, "sizes %d %d %d", p->np, p->ppn,
	    p->nhosts);
	FUZZ_CHECK((long)p->np <= (long)p->nhosts * p->ppn, "%d ranks on %d hosts x %d", p->np,
	    p->nhosts, p->ppn);
	FUZZ_CHECK((size_t)p->nhosts <= job->hosts.n || p->hostfile, "%d hosts of %zu", p->nhosts,
	    job->hosts.n);
	for (size_t i = 0; i < p->argv.n; i++) {
		char *q = shell_quote(SHELL_BASH, p->argv.v[i]);
		FUZZ_CHECK(q != NULL, "argv word %zu cannot be quoted", i);
		free(q);
	}
	for (size_t i = 0; i < p->env.n; i++) {
		const char *eq = strchr(p->env.v[i], '=');
		char *k;
		FUZZ_CHECK(eq != NULL && eq > p->env.v[i], "plan env '%s'", p->env.v[i]);
		k = xstrndup(p->env.v[i], (size_t)(eq - p->env.v[i]));
		FUZZ_CHECK(shell_valid_name(k), "plan env name '%s'", k);
		free(k);
	}
	js = json_plan(p, job);
	FUZZ_CHECK(js && *js == '{', "json_plan");
	free(js);
}

static void
plan_one(const struct job *job, struct world *w, const struct job_io *io)
{
	struct launch_opts lo;
	struct plan p;
	char *err = NULL;

	memset(&lo, 0, sizeof lo);
	lo.np = (int)w->np;
	lo.ppn = (int)w->ppn;
	lo.nhosts = (int)w->nh;
	lo.cpu_bind = w->cpu_bind;
	lo.gpu_bind = w->gpu_bind;
	lo.rankenv = 1;
	lo.self = "/fake/bin/ezpz";
	lo.local_port = 12345;
	lo.launch_time = 1700000000.0;
	strvec_push(&lo.command, "python3");
	strvec_push(&lo.command, "train.py");
	if (plan_build(&p, job, w->env.v ? w->env.v : (char *[]){ NULL }, io, &lo, &err) < 0) {
		FUZZ_CHECK(err && *err, "plan failed without a message");
		free(err);
	} else {
		FUZZ_CHECK(err == NULL, "plan succeeded with a message");
		check_plan(&p, job);
		plan_free(&p);
	}
	strvec_clear(&lo.command);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world w;
	struct job job;
	struct job_io io;
	char *err = NULL;
	char *none[] = { NULL };

	world_read(&w, data, size);
	io = (struct job_io){ &w, w_read, w_run, w_which, w_topo };
	if (job_detect(&job, w.env.v ? w.env.v : none, w.host, &builtin, &w.o, &io, &err) < 0) {
		FUZZ_CHECK(err && *err, "detection failed without a message");
		free(err);
	} else {
		FUZZ_CHECK(err == NULL, "detection succeeded with a message");
		check_job(&job, &w);
		plan_one(&job, &w, &io);
		job_free(&job);
	}
	world_free(&w);
	return 0;
}
