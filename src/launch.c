/* SPDX-License-Identifier: MIT */
/*
 * launch.c: from options to a finished run.  Parsing stops at the user's
 * command, so nothing in it is ever taken for an ezpz option; the plan is
 * built once and shown exactly as it will run; the launcher runs as ezpz's
 * child (exec.c) with the environment the plan adds, and a failed run is
 * retried with backoff when asked.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "exec.h"
#include "jobio.h"
#include "json.h"
#include "launch.h"
#include "path.h"
#include "shell.h"
#include "util.h"

extern char **environ;

enum {
	O_NP = 1, O_PPN, O_NH, O_MODULE, O_CODE, O_CPU_BIND, O_GPU_BIND, O_ENV, O_TIMEOUT,
	O_RETRIES, O_GRACE, O_LOG, O_NO_RANKENV, O_DRY_RUN, O_JSON, O_QUIET, O_VERBOSE
};

#define BACKOFF_MAX 60

const struct opt launch_opts_table[] = {
	{ O_NP, "-n|-np|--n|--np|--nproc|--nprocs|--world_size", "N", NULL,
	  "total number of ranks" },
	{ O_PPN, "-ppn|--ppn|--nproc_per_node", "N", NULL, "ranks per host" },
	{ O_NH, "-nh|--nh|--nhost|--nhosts|--nnode|--nnodes", "N", NULL,
	  "number of hosts to use (the job's first N)" },
	{ O_MODULE, "-m", "MODULE", NULL, "run 'python3 -m MODULE'; the words after it are its arguments" },
	{ O_CODE, "-c", "CODE", NULL, "run 'python3 -c CODE'; the words after it are its arguments" },
	{ O_CPU_BIND, "--cpu-bind", "VALUE", "auto|none|depth|core|socket|numa",
	  "CPU binding: auto, none, list:A:B..., depth[:N], core, socket, numa, or the "
	  "launcher's own syntax (else $CPU_BIND, else the profile)" },
	{ O_GPU_BIND, "--gpu-bind", "MODE", "none|per-rank",
	  "per-rank: each rank sees only its GPU (default none: all visible)" },
	{ O_ENV, "-x|--env", "KEY=VALUE", NULL, "set KEY=VALUE for every rank (repeatable)" },
	{ O_TIMEOUT, "--timeout", "SECONDS", NULL,
	  "stop the run if it prints nothing for SECONDS (exit 124); 0: off" },
	{ O_RETRIES, "--retries", "N", NULL,
	  "run again after a failure, up to N times (backoff 5, 10, 20, 40, 60 s)" },
	{ O_GRACE, "--grace", "SECONDS", NULL,
	  "time between SIGTERM and SIGKILL when stopping the launcher (default 10)" },
	{ O_LOG, "--log", "FILE", "@file", "also append the run's output to FILE" },
	{ O_NO_RANKENV, "--no-rankenv", NULL, NULL,
	  "do not put 'ezpz rankenv' in front of the command" },
	{ O_DRY_RUN, "--dry-run", NULL, NULL, "print what would run, and run nothing" },
	{ O_JSON, "--json", NULL, NULL, "with --dry-run: print the plan as JSON" },
	{ O_QUIET, "-q|--quiet", NULL, NULL, "no banner" },
	{ O_VERBOSE, "-v|--verbose", NULL, NULL, "more detail: sources, environment, per-rank lines" },
	JOBOPT_ENTRIES,
	JOBOPT_JOB_ENTRY,
	{ 0 }
};

void
launch_args_init(struct launch_args *a, const char *name)
{
	memset(a, 0, sizeof *a);
	a->name = name;
	a->lo.np = a->lo.ppn = a->lo.nhosts = -1;
	a->lo.rankenv = 1;
	a->grace = 10;
	a->opts = launch_opts_table;
}

void
launch_args_free(struct launch_args *a)
{
	strvec_clear(&a->lo.env);
	strvec_clear(&a->lo.passthrough);
	strvec_clear(&a->lo.command);
}

char *
launch_python(char *const *envp)
{
	static const char *const roots[] = { "VIRTUAL_ENV", "CONDA_PREFIX" };
	for (size_t i = 0; i < NITEMS(roots); i++) {
		const char *r = env_nonempty(envp, roots[i]);
		if (r) {
			char *py = xasprintf("%s/bin/python3", r);
			if (access(py, X_OK) == 0)
				return py;
			free(py);
		}
	}
	return xstrdup("python3");
}

char *
launch_pbs_rsh_agent(const struct job *job, char *const *envp)
{
	const char *exec = env_nonempty(envp, "PBS_EXEC");
	char *dir, *agent, *tmrsh;

	if (job->sched != SCHED_PBS || job->launcher != LAUNCHER_OPENMPI ||
	    env_get(envp, "OMPI_MCA_plm_rsh_agent") || env_get(envp, "OMPI_MCA_orte_rsh_agent"))
		return NULL;
	if ((tmrsh = path_which(envp, "pbs_tmrsh")) == NULL) {
		tmrsh = xasprintf("%s/bin/pbs_tmrsh", exec ? exec : "/opt/pbs");
		if (access(tmrsh, X_OK) < 0) {
			free(tmrsh);
			return NULL;
		}
	}
	free(tmrsh);
	dir = path_datadir(envp);
	agent = xasprintf("%s/ompi-pbs-rsh", dir);
	free(dir);
	if (access(agent, X_OK) < 0) {
		free(agent);
		return NULL;
	}
	return agent;
}

static int
later_dashdash(int argc, char **argv, int from)
{
	for (int i = from; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return 1;
	return 0;
}

static void
take_env(struct launch_args *a, const struct optstate *st)
{
	const char *v;
	char *key = env_split(st->arg, &v);
	if (key == NULL || !shell_valid_name(key))
		die_usage("%s: %s '%s': expected KEY=VALUE with KEY a variable name", a->name,
		    st->word, st->arg);
	free(key);
	strvec_push(&a->lo.env, st->arg);
}

static void
take_python(struct launch_args *a, const char *flag, const struct optstate *st, int argc, char **argv)
{
	char *py = launch_python(environ);
	strvec_push(&a->lo.command, py);
	strvec_push(&a->lo.command, flag);
	strvec_push(&a->lo.command, st->arg);
	strvec_pushn(&a->lo.command, argv + st->ind, (size_t)(argc - st->ind));
	free(py);
}

/* One option; returns 1 if it ends option parsing (-m, -c). */
static int
take_opt(struct launch_args *a, int o, struct optstate *st, int argc, char **argv)
{
	switch (o) {
	case O_NP: a->lo.np = (int)opt_long(st, 1, 1 << 24); break;
	case O_PPN: a->lo.ppn = (int)opt_long(st, 1, 1 << 16); break;
	case O_NH: a->lo.nhosts = (int)opt_long(st, 1, 1 << 20); break;
	case O_MODULE: take_python(a, "-m", st, argc, argv); return 1;
	case O_CODE: take_python(a, "-c", st, argc, argv); return 1;
	case O_CPU_BIND: a->lo.cpu_bind = st->arg; break;
	case O_GPU_BIND:
		if (!streq(st->arg, "none") && !streq(st->arg, "per-rank"))
			die_usage("%s: --gpu-bind '%s': use none or per-rank", a->name, st->arg);
		a->lo.gpu_bind = st->arg;
		break;
	case O_ENV: take_env(a, st); break;
	case O_TIMEOUT: a->timeout = (int)opt_long(st, 0, 1 << 30); break;
	case O_RETRIES: a->retries = (int)opt_long(st, 0, 1000); break;
	case O_GRACE: a->grace = (int)opt_long(st, 0, 3600); break;
	case O_LOG: a->log = st->arg; break;
	case O_NO_RANKENV: a->lo.rankenv = 0; break;
	case O_DRY_RUN: a->dry_run = 1; break;
	case O_JSON: a->json = 1; break;
	case O_QUIET: a->quiet = 1; break;
	case O_VERBOSE: a->verbose = a->lo.verbose = 1; break;
	default:
		if (!jobopt_take(&a->jo, &a->topology, o, st->arg) &&
		    !(a->take_own && a->take_own(a, o, st->arg)))
			die("%s: option table and parser disagree on '%s'", a->name, st->word);
	}
	return 0;
}

int
launch_parse(struct launch_args *a, const struct ezpz_cmd *cmd, int argc, char **argv,
    int pass_unknown, int *dashdash)
{
	struct optstate st;
	int unknown_seen = 0, o;

	*dashdash = 0;
	opt_init(&st, a->name, argc, argv);
	for (;;) {
		o = opt_next(&st, a->opts);
		if (o == OPT_HELP)
			cmd_help_exit(cmd);
		if (o == OPT_UNKNOWN) {
			if (!pass_unknown)
				die_usage("%s: unknown option '%s' (see 'ezpz %s --help'%s)", a->name,
				    st.word, a->name, streq(a->name, "test") ?
				    "; test options go after '--'" : "");
			strvec_push(&a->lo.passthrough, st.word);
			unknown_seen = 1;
			continue;
		}
		if (o != OPT_DONE) {
			if (take_opt(a, o, &st, argc, argv))
				return argc;
			continue;
		}
		if (st.dashdash) {
			*dashdash = 1;
			return st.ind;
		}
		/* A word after a launcher flag is that flag's value when a "--" still
		 * follows: ezpz launch --mca btl tcp -- python3 x.py */
		if (pass_unknown && unknown_seen && st.ind < argc && later_dashdash(argc, argv, st.ind)) {
			strvec_push(&a->lo.passthrough, argv[st.ind++]);
			continue;
		}
		return st.ind;
	}
}

/* ------------------------------------------------------------------ */

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = 0;
	if (fd < 0)
		return 0;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static double
wall_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void
stamp(char *buf, size_t len)
{
	time_t t = time(NULL);
	strftime(buf, len, "%Y-%m-%d-%H%M%S", localtime(&t));
}

/*
 * s for the terminal: control characters (C0, DEL, and C1 as UTF-8 encodes
 * them) as \n, \t, \e or \xNN, and a backslash doubled, so an argument
 * cannot move the cursor, retitle the window or hide itself; malloc'd.
 */
static char *
term_safe(const char *s)
{
	size_t n = strlen(s);
	char *out = xmalloc(4 * n + 1), *o = out;

	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '\n' || *c == '\t' || *c == 0x1b) {
			*o++ = '\\';
			*o++ = *c == '\n' ? 'n' : *c == '\t' ? 't' : 'e';
		} else if (*c < 0x20 || *c == 0x7f || (*c == 0xc2 && c[1] >= 0x80 && c[1] <= 0x9f)) {
			unsigned v = *c == 0xc2 ? *++c : *c;
			o += sprintf(o, "\\x%02x", v);
		} else {
			*o++ = (char)*c;
		}
	}
	*o = '\0';
	return out;
}

/* fprintf(stderr, "%s%s\n", lead, term_safe(s)) */
static void
banner_line(const char *lead, const char *s)
{
	char *t = term_safe(s);
	fprintf(stderr, "%s%s\n", lead, t);
	free(t);
}

static void
banner(const struct launch_args *a, const struct plan *p, const struct job *job)
{
	char ts[32], *jobid = term_safe(job->jobid ? job->jobid : "no job");
	char *machine = term_safe(job->machine), *lead = xasprintf("ezpz %s: ", a->name);
	fprintf(stderr, "ezpz %s: %s%s (%s) on %s: %zu host%s x %d GPU%s (%s)\n", a->name,
	    job->jobid ? "job " : "", jobid, sched_name(job->sched),
	    machine, job->hosts.n, job->hosts.n == 1 ? "" : "s", job->ngpu_per_host,
	    job->ngpu_per_host == 1 ? "" : "s", vendor_name(job->gpu_vendor));
	free(jobid);
	free(machine);
	fprintf(stderr, "ezpz %s: %d rank%s: %d host%s x %d per host; launcher %s; cpu binding %s%s%s%s\n",
	    a->name, p->np, p->np == 1 ? "" : "s", p->nhosts, p->nhosts == 1 ? "" : "s", p->ppn,
	    launcher_name(p->launcher), p->cpu_bind ? p->cpu_bind : "launcher default",
	    p->bind.from ? " (" : "", p->bind.from ? p->bind.from : "", p->bind.from ? ")" : "");
	if (a->verbose) {
		fprintf(stderr, "ezpz %s: sources: hosts %s; gpus %s; launcher %s\n", a->name,
		    job->src.hosts.text, job->src.ngpu_per_host.text, job->src.launcher.text);
		for (size_t i = 0; i < p->env.n; i++) {
			fprintf(stderr, "%senv ", lead);
			banner_line("", p->env.v[i]);
		}
	}
	for (size_t i = 0; i < p->notes.n; i++) {
		fprintf(stderr, "%snote: ", lead);
		banner_line("", p->notes.v[i]);
	}
	stamp(ts, sizeof ts);
	fprintf(stderr, "----[\xf0\x9f\x8d\x8b ezpz.launch][started][%s]----\nExecuting:\n", ts);
	for (size_t i = 0; i < p->argv.n; i++)
		banner_line(i ? "  " : "", p->argv.v[i]);
	free(lead);
}

static void
print_dry_run(const struct launch_args *a, const struct plan *p, const struct job *job)
{
	if (a->json) {
		char *s = json_plan(p, job);
		fputs(s, stdout);
		free(s);
		return;
	}
	for (size_t i = 0; i < p->argv.n; i++) {
		char *q = shell_quote(SHELL_BASH, p->argv.v[i]);
		printf("%s%s", i ? " " : "", q);
		free(q);
	}
	printf("\n");
}

static char **
child_env(const struct plan *p, struct strvec *env)
{
	strvec_pushv(env, environ);
	for (size_t i = 0; i < p->unset.n; i++)
		envset_unset(env, p->unset.v[i]);
	for (size_t i = 0; i < p->env.n; i++)
		envset_put(env, p->env.v[i]);
	return strvec_argv(env);
}

static void
explain_not_found(const struct plan *p)
{
	error("%s: command not found on PATH (the %s launcher); load the module that "
	    "provides it, or choose another with --launcher", p->argv.v[0],
	    launcher_name(p->launcher));
}

/* What a killed launcher leaves on this host (its backend knows what). */
static void
launcher_cleanup(const struct plan *p, const struct run_result *res, char *const *envp)
{
	const struct backend *be = backend_for(p->launcher);

	if (be && be->cleanup && res->pid > 0)
		be->cleanup(res->pid, envp);
}

static int
run_with_retries(const struct launch_args *a, const struct plan *p, char **envp)
{
	struct run_opts ro = { envp, a->timeout, a->grace, a->log };
	struct run_result res;
	int log_failed = 0;

	exec_signals_init();
	for (int attempt = 1;; attempt++) {
		int backoff, sig;
		exec_run(p->argv.v, &ro, &res);
		launcher_cleanup(p, &res, envp);
		log_failed |= res.log_failed;
		if (res.not_found)
			explain_not_found(p);
		if (res.timed_out)
			error("watchdog: '%s' printed nothing for %d s; stopped it (exit 124)",
			    p->argv.v[0], a->timeout);
		if (res.status == 0 || res.signal || res.not_started || attempt > a->retries)
			break;
		backoff = 5 << (attempt - 1 < 4 ? attempt - 1 : 4);
		if (backoff > BACKOFF_MAX)
			backoff = BACKOFF_MAX;
		warn("%s: attempt %d of %d failed with exit %d; retrying in %d s", a->name, attempt,
		    a->retries + 1, res.status, backoff);
		if ((sig = exec_sleep(backoff)) != 0) {
			res.status = EXIT_SIGBASE + sig;
			break;
		}
	}
	if (log_failed && res.status == 0) {
		error("%s: the run succeeded but its log '%s' is incomplete (see above)", a->name, a->log);
		return EXIT_FAIL;
	}
	return res.status;
}

int
launch_execute(struct launch_args *a)
{
	struct jobctx c;
	struct plan p;
	struct strvec env = STRVEC_INIT;
	char *err = NULL, *self = path_self(), *agent, ts[32];
	double t0;
	int status;

	jobctx_init(&c, environ, a->topology);
	jobctx_detect(&c, &a->jo);
	if (c.job.stale_note)
		warn("%s", c.job.stale_note);
	if (c.job.launcher_note)
		warn("launcher: %s", c.job.launcher_note);
	a->lo.self = self;
	a->lo.launch_time = wall_now();
	if (env_get(environ, "MASTER_PORT") == NULL)
		a->lo.local_port = free_port();
	a->lo.ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	a->lo.pbs_rsh_agent = agent = launch_pbs_rsh_agent(&c.job, environ);
	if (plan_build(&p, &c.job, environ, &c.io, &a->lo, &err) < 0) {
		if (c.job.launcher == LAUNCHER_NONE)
			die_status(EXIT_NOTFOUND, "%s: %s", a->name, err);
		die_usage("%s: %s", a->name, err);
	}
	if (!a->quiet && !(a->dry_run && a->json))
		banner(a, &p, &c.job);
	if (a->dry_run) {
		print_dry_run(a, &p, &c.job);
		status = EXIT_OK;
	} else {
		t0 = wall_now();
		status = run_with_retries(a, &p, child_env(&p, &env));
		if (!a->quiet) {
			stamp(ts, sizeof ts);
			fprintf(stderr, "----[\xf0\x9f\x8d\x8b ezpz.launch][stop][%s]----\n"
			    "Execution finished with %d.\nExecuting finished in %.2f seconds.\n",
			    ts, status, wall_now() - t0);
		}
	}
	strvec_clear(&env);
	plan_free(&p);
	jobctx_free(&c);
	free(self);
	free(agent);
	a->lo.pbs_rsh_agent = NULL;
	return status;
}
