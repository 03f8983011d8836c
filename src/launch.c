/* SPDX-License-Identifier: MIT */
/*
 * launch.c: from options to a finished run.  Parsing stops at the user's
 * command, so nothing in it is ever taken for an ezpz option; the plan is
 * built once and shown exactly as it will run; the launcher runs as ezpz's
 * child (exec.c) with the environment the plan adds, and a failed run is
 * retried with backoff when asked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "exec.h"
#include "failover.h"
#include "hostlist.h"
#include "jobio.h"
#include "json.h"
#include "launch.h"
#include "path.h"
#include "rankwrap.h"
#include "shell.h"
#include "util.h"

extern char **environ;

enum {
	O_NP = 1, O_PPN, O_NH, O_MODULE, O_CODE, O_CPU_BIND, O_GPU_BIND, O_ENV, O_TIMEOUT,
	O_RETRIES, O_GRACE, O_LOG, O_NO_RANKENV, O_DRY_RUN, O_JSON, O_QUIET, O_VERBOSE,
	O_AUTO_RETRY, O_SPARES, O_MAX_FO, O_EXCLUDE, O_INCLUDE, O_LOG_DIR, O_LABEL, O_FILTER,
	O_LARG, O_LARGS, O_FOREIGN
};

#define BACKOFF_MAX 60
#define AUTO_RETRY_TIMEOUT 1800

const struct opt launch_opts_table[] = {
	/* After "||": the Python ezpz's, torchrun's and DeepSpeed's spellings. */
	{ O_NP, "-n|-np|--np||--n|--nproc|--nprocs|--world_size", "N", NULL,
	  "total number of ranks" },
	{ O_PPN, "-ppn|--ppn||--nproc-per-node|--nproc_per_node|--num_gpus", "N", NULL,
	  "ranks per host" },
	{ O_NH, "-nh|--nh|--nnodes||--nhost|--nhosts|--nnode|--num_nodes", "N", NULL,
	  "number of hosts to use (the job's first N)" },
	{ O_MODULE, "-m", "MODULE", NULL, "run 'python3 -m MODULE'; the words after it are its arguments" },
	{ O_CODE, "-c", "CODE", NULL, "run 'python3 -c CODE'; the words after it are its arguments" },
	{ O_CPU_BIND, "--cpu-bind", "VALUE", "auto|none|depth|core|socket|numa",
	  "CPU binding: auto, none, list:A:B..., depth[:N], core, socket, numa, or the "
	  "launcher's own syntax (else $CPU_BIND, else the profile)" },
	{ O_GPU_BIND, "--gpu-bind", "MODE", "none|per-rank",
	  "per-rank: each rank sees only its GPU (default none: all visible)" },
	{ O_ENV, "-x|--env", "KEY[=VALUE]", NULL,
	  "set KEY=VALUE for every rank, or send this KEY's value to every host (repeatable)" },
	{ O_TIMEOUT, "--timeout", "SECONDS", NULL,
	  "stop the run if it prints nothing for SECONDS (exit 124); 0: off" },
	{ O_RETRIES, "--retries", "N", NULL,
	  "run again after a failure, up to N times (backoff 5, 10, 20, 40, 60 s)" },
	{ O_GRACE, "--grace", "SECONDS", NULL,
	  "time between SIGTERM and SIGKILL for what the launcher started (default 10; the launcher 2 s more)" },
	{ O_LOG, "--log", "FILE", "@file", "also append the run's output to FILE" },
	{ O_AUTO_RETRY, "--auto-retry", NULL, NULL,
	  "when a host fails, swap it for a spare and run again (see ezpz-launch(1))" },
	{ O_SPARES, "--spare-nodes", "N", "auto",
	  "with --auto-retry: hold back N of the job's hosts as spares (default auto: all unused)" },
	{ O_MAX_FO, "--max-failover-retries", "K", NULL,
	  "with --auto-retry: run again at most K times (default: until the spares run out)" },
	{ O_EXCLUDE, "--exclude", "HOSTLIST", NULL, "do not use these hosts of the job (n[1-3],n7)" },
	{ O_INCLUDE, "--include", "HOSTLIST", NULL, "use only these hosts of the job" },
	{ O_LOG_DIR, "--log-dir", "DIR", "@dir",
	  "keep each attempt's output in DIR/attempt-N.log and each rank's in DIR/attempt-N/rank-R.log" },
	{ O_LABEL, "--label", NULL, NULL, "prefix each line of output with its rank, like srun -l" },
	{ O_FILTER, "--filter", "PATTERN", NULL, "ignored (the Python ezpz's output filter, removed there too)" },
	{ O_NO_RANKENV, "--no-rankenv", NULL, NULL,
	  "do not put 'ezpz rankenv' in front of the command" },
	{ O_DRY_RUN, "--dry-run", NULL, NULL, "print what would run, and run nothing" },
	{ O_JSON, "--json", NULL, NULL, "with --dry-run: print the plan as JSON" },
	{ O_QUIET, "-q|--quiet", NULL, NULL, "no banner" },
	{ O_VERBOSE, "-v|--verbose", NULL, NULL, "more detail: sources, environment, per-rank lines" },
	{ O_LARG, "-L|--launcher-arg", "FLAG", NULL,
	  "hand FLAG, one word as is, to the launcher (repeatable)" },
	{ O_LARGS, "--launcher-args", "ARGS", NULL,
	  "hand ARGS, split at blanks, to the launcher: --launcher-args '--mca btl tcp'" },
	JOBOPT_ENTRIES,
	JOBOPT_JOB_ENTRY,
	/* Other tools' flags with no ezpz meaning: refused, saying what to use
	 * (the help field is the message), never passed on with their value
	 * taken for the command. */
	{ O_FOREIGN, "||--node-rank|--node_rank", "N", NULL,
	  "ezpz starts the ranks of every host at once, and each rank gets NODE_RANK "
	  "from ezpz rankenv; drop it" },
	{ O_FOREIGN, "||--master-addr|--master_addr", "HOST", NULL,
	  "ezpz sets MASTER_ADDR to the first host; to choose it, use -x MASTER_ADDR=HOST" },
	{ O_FOREIGN, "||--master-port|--master_port", "PORT", NULL,
	  "ezpz picks a free MASTER_PORT; to choose it, use -x MASTER_PORT=PORT" },
	{ O_FOREIGN, "||--rdzv-endpoint|--rdzv_endpoint|--rdzv-backend|--rdzv_backend|"
	  "--rdzv-id|--rdzv_id", "VALUE", NULL,
	  "ezpz needs no rendezvous: the launcher starts every rank; drop it "
	  "(MASTER_ADDR and MASTER_PORT are set)" },
	{ O_FOREIGN, "||--max-restarts|--max_restarts", "N", NULL,
	  "use --retries N to run again after a failure" },
	/* Launchers' own size flags: passed on, they would contradict the
	 * sizes ezpz puts on the line, and their value become the command. */
	{ O_FOREIGN, "||--ntasks|--nodes|--ntasks-per-node", "N", NULL,
	  "ezpz sizes the launch itself: use -n N (ranks), -ppn N (per host) or -nh N (hosts)" },
	{ O_FOREIGN, "||--standalone", NULL, NULL,
	  "ezpz runs on this host alone outside a job; drop it" },
	{ O_FOREIGN, "||--print-source", NULL, NULL,
	  "the Python ezpz printed its source path; this ezpz is one program: "
	  "see 'ezpz --version'" },
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
	a->spares = a->max_fo = -1;
	a->opts = launch_opts_table;
}

void
launch_args_free(struct launch_args *a)
{
	strvec_clear(&a->lo.env);
	strvec_clear(&a->lo.forward);
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
	char *key;
	if (strchr(st->arg, '=') == NULL && shell_valid_name(st->arg)) {
		strvec_push(&a->lo.forward, st->arg);   /* -x KEY, as Open MPI takes it */
		return;
	}
	key = env_split(st->arg, &v);
	if (key == NULL || !shell_valid_name(key))
		die_usage("%s: %s '%s': expected KEY=VALUE or KEY, with KEY a variable name",
		    a->name, st->word, st->arg);
	free(key);
	strvec_push(&a->lo.env, st->arg);
}

/*
 * -x RANK=9 and the like: rankenv sets them for each rank from the
 * launcher's facts, and refuses a value that disagrees (every rank
 * failed, blaming a login profile).  MASTER_ADDR and MASTER_PORT are the
 * user's to give.
 */
static void
refuse_rank_vars(const struct launch_args *a)
{
	static const char *const owned[] = { "RANK", "LOCAL_RANK", "WORLD_SIZE",
		"LOCAL_WORLD_SIZE", "NODE_RANK", "GROUP_RANK" };
	const char *v;
	for (size_t k = 0; k < NITEMS(owned); k++)
		if ((v = env_get(a->lo.env.v, owned[k])) != NULL)
			die_usage("%s: %s=%s (from -x or .ezpz_env): ezpz rankenv sets %s for each "
			    "rank; drop it (or run the command bare with --no-rankenv)", a->name,
			    owned[k], v, owned[k]);
}

/*
 * MASTER_ADDR and MASTER_PORT the user gives (the environment, -x,
 * .ezpz_env) are passed on as they are: a value no rank can use is an
 * error here, not in every rank's init_process_group.
 */
static const char *
given_var(const struct launch_args *a, const char *k, const char **from)
{
	const char *v = env_get(a->lo.env.v, k);
	*from = v ? "-x or .ezpz_env" : "the environment";
	return v ? v : env_get(environ, k);
}

static void
check_master_vars(const struct launch_args *a)
{
	const char *from, *why, *v;
	long port;

	v = given_var(a, "MASTER_ADDR", &from);
	if (v && (*v == '\0' || v[strcspn(v, " \t\n/")] != '\0'))
		die_usage("%s: MASTER_ADDR='%s' (from %s): not a host name or address; unset it, "
		    "and ezpz sets the first host", a->name, v, from);
	v = given_var(a, "MASTER_PORT", &from);
	if (v && parse_long(v, 1, 65535, &port, &why) < 0)
		die_usage("%s: MASTER_PORT='%s' (from %s): %s (a port is 1 to 65535); unset it, "
		    "and ezpz derives one from the job id", a->name, v, from, why);
}

/*
 * .ezpz_env, like DeepSpeed's .deepspeed_env: one variable a line, KEY=VALUE
 * (set for every rank; the value is the rest of the line, as is) or KEY
 * (this KEY's value here, sent to every host); blank lines and # comments.
 * Every bad line is reported before failing.
 */
static void
read_env_file(const char *path, struct strvec *env, struct strvec *forward)
{
	size_t len;
	const char *why;
	char *text = read_file(path, READ_MAX_TEMPLATE, &len, &why), *line, *save = NULL;
	int lineno = 0, bad = 0;
	if (text == NULL && errno == ENOENT)
		return;
	if (text == NULL)
		die("%s: %s", path, why);
	for (line = text; line; line = save) {
		char *nl = strchr(line, '\n'), *eq, *t;
		save = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		lineno++;
		t = strtrim(line);
		if (*t == '\0' || *t == '#')
			continue;
		eq = strchr(t, '=');
		if (eq)
			*eq = '\0';
		if (!shell_valid_name(t)) {
			error("%s:%d: '%s' is not a variable name", path, lineno, t);
			bad = 1;
			continue;
		}
		if (eq) {
			*eq = '=';
			strvec_push(env, t);
		} else {
			strvec_push(forward, t);
		}
	}
	free(text);
	if (bad)
		die_usage("%s: fix the lines above (KEY=VALUE or KEY)", path);
}

/* $EZPZ_ENV_FILE alone when set, else ~/.ezpz_env then ./.ezpz_env (later
 * lines win); ahead of -x, which wins over them. */
static void
load_env_files(struct launch_args *a)
{
	struct strvec env = STRVEC_INIT, fwd = STRVEC_INIT;
	const char *f = env_nonempty(environ, "EZPZ_ENV_FILE"), *home;
	if (f) {
		if (access(f, R_OK) < 0)
			die_usage("EZPZ_ENV_FILE '%s': cannot read it: %s (unset it, or name a file of "
			    "KEY=VALUE lines)", f, strerror(errno));
		read_env_file(f, &env, &fwd);
	} else {
		if ((home = env_nonempty(environ, "HOME")) != NULL) {
			char *h = xasprintf("%s/.ezpz_env", home);
			read_env_file(h, &env, &fwd);
			free(h);
		}
		read_env_file(".ezpz_env", &env, &fwd);
	}
	strvec_pushv(&env, a->lo.env.v);
	strvec_pushv(&fwd, a->lo.forward.v);
	strvec_clear(&a->lo.env);
	strvec_clear(&a->lo.forward);
	a->lo.env = env;
	a->lo.forward = fwd;
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

/* --launcher-args: words split at blanks, no quoting (a word with a blank
 * goes with -L). */
static void
take_words(struct strvec *v, const char *s)
{
	static const char blanks[] = " \t\n";
	for (s += strspn(s, blanks); *s; s += strspn(s, blanks)) {
		size_t n = strcspn(s, blanks);
		strvec_pushf(v, "%.*s", (int)n, s);
		s += n;
	}
}

/* A file or directory name, which cannot be empty. */
static const char *
nonempty_arg(const struct launch_args *a, const struct optstate *st)
{
	if (*st->arg == '\0')
		die_usage("%s: %s: an empty name (give a file or directory)", a->name, st->word);
	return st->arg;
}

/* An unknown option: the launcher's, unless it is close to one of ezpz's
 * (a typo must never start a job with the typo handed to mpiexec). */
static void
take_unknown(struct launch_args *a, const struct optstate *st, int pass_unknown)
{
	const char *near = opt_suggest(a->opts, st->word);
	if (near)
		die_usage("%s: unknown option '%s'; did you mean '%s'? (a launcher flag of that "
		    "name goes with -L '%s'; see 'ezpz %s --help')", a->name, st->word, near,
		    st->word, a->name);
	if (!pass_unknown)
		die_usage("%s: unknown option '%s' (see 'ezpz %s --help'%s)", a->name,
		    st->word, a->name, streq(a->name, "test") ?
		    "; a launcher flag goes with -L, a test option after '--'" : "");
	/* python's -mjson.tool: no launcher has an option with a '.' in it,
	 * and handed on it would make the next word the command */
	if (startswith(st->word, "-m") && st->word[2] != '-' && strchr(st->word, '.'))
		die_usage("%s: '%s' is not a launcher option; to run module %s, put a space after "
		    "-m: -m %s", a->name, st->word, st->word + 2, st->word + 2);
	strvec_push(&a->lo.passthrough, st->word);
}

/* Another tool's flag with no ezpz meaning: its row's help says what to use. */
static void
foreign(const struct launch_args *a, const struct optstate *st)
{
	struct opt_iter it;
	const struct opt *o;
	size_t n = strcspn(st->word, "=");
	opt_iter_init(&it, a->opts);
	while ((o = opt_iter_next(&it)) != NULL)
		if (o->id == O_FOREIGN && opt_names_has(o->names, st->word, n))
			die_usage("%s: %.*s is not an ezpz option: %s", a->name, (int)n, st->word,
			    o->help);
	die_usage("%s: %s is not an ezpz option", a->name, st->word);
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
	case O_TIMEOUT: a->timeout = (int)opt_long(st, 0, 1 << 30); a->timeout_set = 1; break;
	case O_RETRIES: a->retries = (int)opt_long(st, 0, 1000); break;
	case O_GRACE: a->grace = (int)opt_long(st, 0, 3600); break;
	case O_LOG: a->log = nonempty_arg(a, st); break;
	case O_AUTO_RETRY: a->auto_retry = 1; break;
	case O_SPARES: a->spares = streq(st->arg, "auto") ? -1 : (int)opt_long(st, 0, 1 << 20); break;
	case O_MAX_FO: a->max_fo = (int)opt_long(st, 0, 1 << 20); break;
	case O_EXCLUDE: a->exclude = st->arg; break;
	case O_INCLUDE: a->include = st->arg; break;
	case O_LOG_DIR: a->log_dir = nonempty_arg(a, st); break;
	case O_LABEL: a->label = 1; break;
	case O_FILTER: warn("%s: %s is ignored: output filtering has been removed", a->name, st->word); break;
	case O_NO_RANKENV: a->lo.rankenv = 0; break;
	case O_DRY_RUN: a->dry_run = 1; break;
	case O_JSON: a->json = 1; break;
	case O_QUIET: a->quiet = 1; break;
	case O_VERBOSE: a->verbose = a->lo.verbose = 1; break;
	case O_LARG: strvec_push(&a->lo.passthrough, st->arg); break;
	case O_LARGS: take_words(&a->lo.passthrough, st->arg); break;
	case O_FOREIGN: foreign(a, st); break;
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
			take_unknown(a, &st, pass_unknown);
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

/* "0.62s", "2m05s", "1h02m05s" */
static void
duration(char *buf, size_t len, double secs)
{
	long s = (long)secs;
	if (secs < 60)
		snprintf(buf, len, "%.2fs", secs);
	else if (s < 3600)
		snprintf(buf, len, "%ldm%02lds", s / 60, s % 60);
	else
		snprintf(buf, len, "%ldh%02ldm%02lds", s / 3600, s / 60 % 60, s % 60);
}

/* The one line that ends a run: "ezpz: failed with exit 3 after 1.20s".
 * by_signal: ezpz or the first failed rank was stopped by a signal (a
 * launcher's own exit 134, mpirun's for a missing program, is no signal). */
static void
end_line(int status, int by_signal, double secs)
{
	char d[32];
	duration(d, sizeof d, secs);
	if (status == EXIT_OK)
		fprintf(stderr, "ezpz: succeeded after %s\n", d);
	else if (by_signal && status == EXIT_SIGBASE + SIGINT)
		fprintf(stderr, "ezpz: interrupted (exit %d) after %s\n", status, d);
	else if (by_signal && status > EXIT_SIGBASE && status < EXIT_SIGBASE + NSIG)
		fprintf(stderr, "ezpz: stopped by signal %d (exit %d) after %s\n",
		    status - EXIT_SIGBASE, status, d);
	else
		fprintf(stderr, "ezpz: failed with exit %d after %s\n", status, d);
}

/* The status is a signal's: ezpz's own, or the first failed rank's. */
static int
status_by_signal(int status, int signalled, const struct verdict *v)
{
	return signalled || (v && v->have_first && v->first.sig > 0 &&
	    status == EXIT_SIGBASE + v->first.sig);
}

/* The launch line as `set -x` shows one: quoted for bash, ready to paste. */
static void
print_line(FILE *fp, const struct plan *p)
{
	for (size_t i = 0; i < p->argv.n; i++) {
		char *q = shell_quote(SHELL_BASH, p->argv.v[i]);
		fprintf(fp, "%s%s", i ? " " : "", q);
		free(q);
	}
	fputc('\n', fp);
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
	char *jobid = term_safe(job->jobid ? job->jobid : "no job");
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
	free(lead);
	if (a->dry_run)
		return;   /* the line goes to stdout: nothing starts */
	/* bash quoting writes every byte outside printable ASCII as \xNN
	 * inside $'...': nothing in it can drive the terminal */
	fputs("+ ", stderr);
	print_line(stderr, p);
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
	print_line(stdout, p);
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
backoff_for(int retry)
{
	int b = 5 << (retry - 1 < 4 ? retry - 1 : 4);
	return b > BACKOFF_MAX ? BACKOFF_MAX : b;
}

/* *stopped: ezpz was stopped by its watchdog (1) or a signal
 * (STOPPED_BY_SIGNAL); 0 when not. */
#define STOPPED_BY_SIGNAL 2
static int
run_with_retries(const struct launch_args *a, const struct plan *p, char **envp, struct buf *keep,
    int *stopped)
{
	/* Only stderr unless the log or the watchdog needs stdout too: the
	 * ranks' output stays as direct as mpirun's, and the reports that
	 * name the first failed rank are still read. */
	struct run_opts ro = { envp, a->timeout, a->grace, a->log, NULL, keep,
		!a->log && !a->timeout && !backend_for(p->launcher)->reports_on_stdout };
	struct run_result res;
	int log_failed = 0;

	exec_signals_init();
	for (int attempt = 1;; attempt++) {
		int backoff, sig;
		if (keep)
			keep->len = 0;
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
		backoff = backoff_for(attempt);
		warn("%s: attempt %d of %d failed with exit %d; retrying in %d s", a->name, attempt,
		    a->retries + 1, res.status, backoff);
		if ((sig = exec_sleep(backoff)) != 0) {
			res.status = EXIT_SIGBASE + sig;
			res.signal = sig;
			break;
		}
	}
	*stopped = res.signal ? STOPPED_BY_SIGNAL : res.timed_out;
	if (log_failed && res.status == 0) {
		error("%s: the run succeeded but its log '%s' is incomplete (see above)", a->name, a->log);
		return EXIT_FAIL;
	}
	return res.status;
}

/* ------------------------------------------------------------------ */
/* Hosts: --include, --exclude, and the active and spare hosts of --auto-retry. */

static long
job_host_index(const struct job *job, const char *name)
{
	size_t n = host_short_len(name);
	for (size_t i = 0; i < job->hosts.n; i++)
		if (streq(job->hosts.v[i].name, name) ||
		    (host_short_len(job->hosts.v[i].name) == n && strncmp(job->hosts.v[i].name, name, n) == 0))
			return (long)i;
	return -1;
}

static void
expand_job_hosts(const struct launch_args *a, const struct job *job, const char *flag,
    const char *expr, char *keep)
{
	struct strvec names = STRVEC_INIT;
	char *err = NULL;
	if (expr == NULL)
		return;
	if (hostlist_expand(expr, &names, &err) < 0)
		die_usage("%s: %s '%s': %s", a->name, flag, expr, err);
	for (size_t i = 0; i < names.n; i++) {
		long at = job_host_index(job, names.v[i]);
		if (at < 0) {
			char **v = xcalloc(job->hosts.n + 1, sizeof *v), *all, *msg;
			for (size_t j = 0; j < job->hosts.n; j++)
				v[j] = job->hosts.v[j].name;
			all = hostlist_compress(v, job->hosts.n);
			msg = xasprintf("%s: %s '%s': '%s' is not one of the job's hosts (%s)", a->name,
			    flag, expr, names.v[i], all);
			free(v);
			free(all);
			strvec_clear(&names);
			error("%s", msg);
			free(msg);
			exit(EXIT_USAGE);
		}
		keep[at] = streq(flag, "--include") ? 1 : 0;
	}
	strvec_clear(&names);
}

/* The job's hosts that --include and --exclude leave, in the job's order. */
static void
usable_hosts(const struct launch_args *a, const struct job *job, struct strvec *out)
{
	char *keep = xcalloc(job->hosts.n ? job->hosts.n : 1, 1);
	memset(keep, a->include ? 0 : 1, job->hosts.n);
	expand_job_hosts(a, job, "--include", a->include, keep);
	expand_job_hosts(a, job, "--exclude", a->exclude, keep);
	for (size_t i = 0; i < job->hosts.n; i++)
		if (keep[i])
			strvec_push(out, job->hosts.v[i].name);
	free(keep);
	if (out->n == 0)
		die_usage("%s: --include/--exclude leave none of the job's hosts", a->name);
}

/* With --auto-retry: how many hosts run, from -nh, else -n over ranks per host. */
static int
active_count(const struct launch_args *a, const struct job *job, size_t usable)
{
	int ppn = a->lo.ppn > 0 ? a->lo.ppn : job->ngpu_per_host > 0 ? job->ngpu_per_host : 1;
	int n;
	if (a->lo.nhosts > 0)
		n = a->lo.nhosts;
	else if (a->lo.np > 0)
		n = (a->lo.np + ppn - 1) / ppn;
	else if (a->spares >= 0)
		n = (int)usable - a->spares;
	else
		die_usage("%s: --auto-retry needs the number of hosts to run on: give -nh N, -n N or "
		    "--spare-nodes N", a->name);
	if (n < 1 || (size_t)n > usable)
		die_usage("%s: --auto-retry: %d hosts to run on, but the job has %zu usable", a->name, n,
		    usable);
	return n;
}

struct failover {
	struct strvec active, spare, bad;
	char *dir;                 /* the log directory, or NULL */
	char *tmp_hostfile;        /* without one: a hostfile to remove at the end */
	char *rank_dir;            /* DIR/attempt-N, for rankenv --log-dir */
	int use_hostfile;          /* the hosts differ from the job's: give them */
};

/* One run on the job's hosts as they are, without attempts (launch_execute). */
static int
runs_as_is(const struct launch_args *a, const struct failover *f)
{
	return !f->use_hostfile && !f->dir && !a->label;
}

struct attempt_row {
	char *hosts, *outcome, *swapped;
	double secs;
};

static void
hostfile_write(const struct job *job, const struct strvec *hosts, const char *path)
{
	struct buf b = BUF_INIT;
	int fd;
	for (size_t i = 0; i < hosts->n; i++) {
		long at = job_host_index(job, hosts->v[i]);
		int slots = at >= 0 ? job->hosts.v[at].slots : 1;
		if (job->launcher == LAUNCHER_OPENMPI)
			buf_addf(&b, "%s slots=%d\n", hosts->v[i], slots);
		else if (job->launcher == LAUNCHER_MPICH)
			buf_addf(&b, "%s:%d\n", hosts->v[i], slots);
		else
			buf_addf(&b, "%s\n", hosts->v[i]);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0 ||
	    write_all(fd, b.s ? b.s : "", b.len) < 0 || close(fd) < 0)
		die_errno("hostfile '%s'", path);
	buf_free(&b);
}

static void
mkdir_p(const char *dir)
{
	char *d = xstrdup(dir);
	for (char *p = d + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(d, 0755) < 0 && errno != EEXIST)
				die_errno("log directory '%s'", d);
			*p = '/';
		}
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		die_errno("log directory '%s'", d);
	free(d);
}

/* The ranks on other hosts write there too: say it from / . */
static char *
absolute(const char *path)
{
	char cwd[4096];
	if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);
	return xasprintf("%s/%s", cwd, path);
}

static void
failover_init(struct launch_args *a, const struct job *job, struct failover *f)
{
	struct strvec usable = STRVEC_INIT;
	int active, spares;

	memset(f, 0, sizeof f[0]);
	/* A PBS job found from outside it (qstat's exec_host: its nodefile is
	 * on another host) has no file the launcher could read its hosts from. */
	f->use_hostfile = a->include || a->exclude || a->auto_retry ||
	    (job->found && job->sched == SCHED_PBS && job->hostfile == NULL && job->hosts.n > 0);
	if (a->log_dir)
		f->dir = absolute(a->log_dir);
	else if (a->auto_retry) {
		char *rel = xasprintf("logs/failover-%s", job->jobid ? job->jobid : "local");
		f->dir = absolute(rel);
		free(rel);
	}
	if (runs_as_is(a, f))   /* no list of hosts to keep */
		return;
	usable_hosts(a, job, &usable);
	active = a->auto_retry ? active_count(a, job, usable.n) : (int)usable.n;
	spares = a->auto_retry ? (a->spares < 0 ? (int)usable.n - active : a->spares) : 0;
	if ((size_t)(active + spares) > usable.n)
		die_usage("%s: --spare-nodes %d: the job has %zu usable hosts, and %d run", a->name,
		    spares, usable.n, active);
	/* The first active of them run and the next spares wait; a 10,000-host
	 * job's names are not copied again. */
	for (int i = active; i < active + spares; i++)
		strvec_push(&f->spare, usable.v[i]);
	while (usable.n > (size_t)active)
		strvec_pop(&usable);
	f->active = usable;
}

/*
 * srun starts tasks in the allocation's node order, whatever --nodelist's:
 * the active hosts go in the job's order, so that the first (MASTER_ADDR)
 * is rank 0's also after a spare took a failed host's place.
 */
static void
active_in_job_order(struct failover *f, const struct hostset *job_hosts)
{
	struct hostset act = HOSTSET_INIT;
	struct strvec sorted = STRVEC_INIT;

	for (size_t i = 0; i < f->active.n; i++)
		hostset_add(&act, f->active.v[i], 1);
	for (size_t i = 0; i < job_hosts->n; i++)
		if (hostset_find(&act, job_hosts->v[i].name) >= 0)
			strvec_push(&sorted, job_hosts->v[i].name);
	if (sorted.n == f->active.n) {
		strvec_clear(&f->active);
		f->active = sorted;
	} else {
		strvec_clear(&sorted);
	}
	hostset_free(&act);
}

/* A's hosts become the job's, in a hostfile, and the plan is built on them. */
static void
attempt_plan(struct launch_args *a, struct jobctx *c, struct failover *f, int n, struct plan *p,
    struct hostset *orig)
{
	struct hostset hs = HOSTSET_INIT;
	char *err = NULL, *hf = NULL;

	if (f->dir && !a->dry_run) {
		char *sub = xasprintf("%s/attempt-%d", f->dir, n);
		mkdir_p(sub);
		free(sub);
	}
	if (f->use_hostfile) {
		struct job tmp = c->job;
		tmp.hosts = *orig;
		if (c->job.launcher == LAUNCHER_SRUN)
			active_in_job_order(f, orig);
		if (f->dir)
			hf = xasprintf("%s/attempt-%d/hostfile", f->dir, n);
		else if (f->tmp_hostfile)
			hf = xstrdup(f->tmp_hostfile);
		else {
			int fd;
			const char *t = env_nonempty(environ, "TMPDIR");
			hf = xasprintf("%s/ezpz-hosts-XXXXXX", t ? t : "/tmp");
			if (!a->dry_run && ((fd = mkstemp(hf)) < 0 || close(fd) < 0))
				die_errno("hostfile '%s'", hf);
			f->tmp_hostfile = xstrdup(hf);
		}
		if (!a->dry_run)
			hostfile_write(&tmp, &f->active, hf);
		for (size_t i = 0; i < f->active.n; i++) {
			long at = job_host_index(&tmp, f->active.v[i]);
			hostset_add(&hs, f->active.v[i], at >= 0 ? orig->v[at].slots : 1);
		}
		if (c->job.hosts.v != orig->v)
			hostset_free(&c->job.hosts);
		c->job.hosts = hs;
		free(c->job.hostfile);
		c->job.hostfile = hf;
	}
	a->lo.label = a->label;
	a->lo.report = a->auto_retry || a->log_dir || a->label;
	a->lo.rank_log_dir = NULL;
	free(f->rank_dir);
	f->rank_dir = NULL;
	if (f->dir)
		a->lo.rank_log_dir = f->rank_dir = xasprintf("%s/attempt-%d", f->dir, n);
	if (plan_build(p, &c->job, environ, &c->io, &a->lo, &err) < 0) {
		if (c->job.launcher == LAUNCHER_NONE)
			die_status(EXIT_NOTFOUND, "%s: %s", a->name, err);
		die_usage("%s: %s", a->name, err);
	}
}

static char *
hosts_text(const struct strvec *v)
{
	return v->n ? hostlist_compress(v->v, v->n) : xstrdup("-");
}

/*
 * Ranks per host when ezpz's own block placement holds (rank r on the
 * r / ppn-th host), for naming the host of a rank the launcher reported
 * without one; 0 when a flag handed to the launcher may place ranks
 * otherwise (--map-by, --rank-by, -npernode, --rankfile, srun's -m ...).
 */
static int
placed_ppn(const struct launch_args *a, const struct plan *p)
{
	static const char *const placing[] = { "map", "rank", "ppr", "npernode", "pernode",
		"distribution", "bynode", "byslot", "m", "host", "H" };
	for (size_t i = 0; i < a->lo.passthrough.n; i++) {
		const char *w = a->lo.passthrough.v[i];
		if (*w != '-')
			continue;
		w += strspn(w, "-");
		for (size_t j = 0; j < NITEMS(placing); j++)
			if (strncmp(w, placing[j], strlen(placing[j])) == 0 &&
			    (strlen(placing[j]) > 1 || w[1] == '\0' || w[1] == '='))
				return 0;
	}
	return p->ppn;
}

/*
 * A failed run ends with the status of the rank that failed first, as
 * mpirun's does: exit(N) as N, signal N as 128+N, as a shell reports it.
 * Hydra exits N for a rank killed by signal N, which would read as the
 * rank's exit(N); srun with --kill-on-bad-exit gives the worst status of
 * every task, the ones it then killed included (143).  Not when ezpz itself
 * was stopped (a signal, the watchdog): that status says so.
 */
static int
rank_status(const struct plan *p, const struct verdict *v, int status, int stopped)
{
	if (status == 0 || stopped || !v->have_first)
		return status;
	if (p->kill_on_bad_exit)
		return v->first.code > 0 ? v->first.code :
		    v->first.sig > 0 ? EXIT_SIGBASE + v->first.sig : status;
	if (backend_for(p->launcher)->signal_as_status && v->first.sig > 0 &&
	    status == v->first.sig)
		return EXIT_SIGBASE + v->first.sig;
	return status;
}

/*
 * The end of the run: with --auto-retry the table of attempts, then the
 * first rank that failed (when the launcher said), on a line of its own
 * just before the closing line.  Not when ezpz stopped the run (it got a
 * signal, or the watchdog fired): its ranks were killed as a consequence,
 * and "rank 0 on n1: signal 9 (SIGKILL)" would read as that rank's own
 * failure.
 */
static void
launch_report(const struct launch_args *a, const struct attempt_row *rows, size_t n,
    const struct verdict *last, int stopped)
{
	if (a->auto_retry && n > 0) {
		fprintf(stderr, "ezpz %s: %-7s  %-20s  %-44s  %9s  %s\n", a->name, "attempt", "hosts",
		    "outcome", "duration", "swapped out");
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "ezpz %s: %-7zu  %-20s  %-44s  %8.1fs  %s\n", a->name, i + 1,
			    rows[i].hosts, rows[i].outcome, rows[i].secs, rows[i].swapped);
	}
	if (last && last->have_first && !stopped && last->outcome != OUTCOME_SUCCESS &&
	    last->outcome != OUTCOME_STUCK) {
		char *st = rank_fail_status(&last->first), rank[32] = "(not reported)";
		if (last->first.rank >= 0)
			snprintf(rank, sizeof rank, "%ld", last->first.rank);
		fprintf(stderr, "ezpz %s: first failed rank: %s on %s: %s\n", a->name, rank,
		    last->first.host ? last->first.host : "(host not reported)", st);
		free(st);
	}
}

/* Swap the verdict's hosts for spares; returns how many, or -1 with none left. */
static int
swap_bad(struct failover *f, const struct verdict *v, struct buf *swapped)
{
	int n = 0;
	for (size_t i = 0; i < v->bad.n; i++)
		for (size_t j = 0; j < f->active.n; j++) {
			if (!streq(f->active.v[j], v->bad.v[i]))
				continue;
			if (f->spare.n == 0)
				return n ? n : -1;
			strvec_push(&f->bad, f->active.v[j]);
			buf_addf(swapped, "%s%s -> %s", n ? ", " : "", f->active.v[j], f->spare.v[0]);
			free(f->active.v[j]);
			f->active.v[j] = xstrdup(f->spare.v[0]);
			free(f->spare.v[0]);
			memmove(f->spare.v, f->spare.v + 1, f->spare.n * sizeof *f->spare.v);
			f->spare.n--;
			n++;
		}
	return n;
}

/* Does the loop go on after this verdict?  Says why not. */
static int
go_on(const struct launch_args *a, struct failover *f, const struct verdict *v, int retry,
    struct buf *swapped, int *same_host_runs)
{
	if (!a->auto_retry || v->outcome == OUTCOME_SUCCESS)
		return 0;
	if (a->max_fo >= 0 && retry > a->max_fo) {
		warn("%s: failover stops: --max-failover-retries %d used up", a->name, a->max_fo);
		return 0;
	}
	switch (v->outcome) {
	case OUTCOME_NODE:
		if (swap_bad(f, v, swapped) > 0)
			return 1;
		warn("%s: failover stops: no spare host left for %s", a->name, v->bad.v[0]);
		return 0;
	case OUTCOME_STUCK:
		if (a->max_fo < 0 && ++*same_host_runs > 3) {
			warn("%s: failover stops: stuck 3 times on the same hosts", a->name);
			return 0;
		}
		return 1;
	default:
		warn("%s: failover stops: %s (%s): running again would fail the same way", a->name,
		    outcome_name(v->outcome), v->why);
		return 0;
	}
}

static int
run_attempts(struct launch_args *a, struct jobctx *c, struct failover *f, int *by_signal)
{
	struct hostset orig = c->job.hosts;
	struct attempt_row *rows = NULL;
	size_t nrows = 0, alloc = 0;
	struct verdict v = { 0 }, prev = { 0 };
	struct buf keep = BUF_INIT;
	int status = 0, same = 0, log_failed = 0, stopped = 0;
	int want_keep = a->auto_retry || a->log_dir || a->label || a->log || a->timeout;

	exec_signals_init();
	for (int n = 1;; n++) {
		struct plan p;
		struct strvec env = STRVEC_INIT;
		struct run_result res;
		struct run_opts ro = { NULL, a->timeout, a->grace, a->log, NULL, want_keep ? &keep : NULL, 0 };
		struct buf swapped = BUF_INIT;
		struct attempt_in in;
		char *err = NULL, *logn = NULL;
		double t0;
		int sig;

		attempt_plan(a, c, f, n, &p, &orig);
		if (n == 1 && !a->quiet)
			banner(a, &p, &c->job);
		else if (!a->quiet)
			fprintf(stderr, "ezpz %s: attempt %d on %s\n", a->name, n, c->job.hostfile);
		if (f->dir)
			ro.log2 = logn = xasprintf("%s/attempt-%d.log", f->dir, n);
		ro.envp = child_env(&p, &env);
		keep.len = 0;
		t0 = wall_now();
		exec_run(p.argv.v, &ro, &res);
		log_failed |= res.log_failed;
		if (f->dir && rankwrap_said_log_incomplete(keep.s))
			log_failed |= LOG_FAILED_LOG2;
		if (res.not_found)
			explain_not_found(&p);
		if (res.timed_out)
			error("watchdog: '%s' printed nothing for %d s; stopped it (exit 124)",
			    p.argv.v[0], a->timeout);
		status = res.status;
		in = (struct attempt_in){ res.status, res.signal, res.timed_out, p.np,
			keep.s ? keep.s : "", f->active.v, f->active.n,
			c->job.profile ? &c->job.profile->failover_patterns : NULL, &c->io,
			placed_ppn(a, &p), p.kill_on_bad_exit };
		verdict_free(&prev);
		prev = v;
		if (failover_classify(&in, &v, &err) < 0)
			die("%s: %s", a->name, err);
		failover_followed(&prev, &v);
		status = rank_status(&p, &v, status, res.signal || res.timed_out);
		*by_signal = status_by_signal(status, res.signal != 0, &v);
		stopped = res.signal || res.timed_out;   /* ezpz stopped this attempt */
		rows = xgrow(rows, &alloc, nrows + 1, sizeof *rows);
		rows[nrows].hosts = hosts_text(&f->active);
		rows[nrows].secs = wall_now() - t0;
		rows[nrows].outcome = xasprintf("%s: %s", outcome_name(v.outcome), v.why);
		strvec_clear(&env);
		plan_free(&p);
		free(logn);
		if (res.not_started || !go_on(a, f, &v, n, &swapped, &same)) {
			rows[nrows++].swapped = xstrdup("-");
			buf_free(&swapped);
			break;
		}
		rows[nrows++].swapped = swapped.len ? buf_detach(&swapped) : xstrdup("-");
		buf_free(&swapped);
		warn("%s: attempt %d: %s (%s); running again on %s in %d s", a->name, n,
		    outcome_name(v.outcome), v.why, rows[nrows - 1].swapped[0] != '-' ?
		    "new hosts" : "the same hosts", backoff_for(n));
		if ((sig = exec_sleep(backoff_for(n))) != 0) {
			status = EXIT_SIGBASE + sig;
			*by_signal = 1;   /* the last attempt's failure was its own: still said */
			break;
		}
	}
	launch_report(a, rows, nrows, &v, stopped);
	/* any attempt's: --log is one file, and each attempt's logs stay */
	if (log_failed && status == 0) {
		if (log_failed & LOG_FAILED_LOG)
			error("%s: the run succeeded but its log '%s' is incomplete (see above)",
			    a->name, a->log);
		if (log_failed & LOG_FAILED_LOG2)
			error("%s: the run succeeded but its logs in '%s' are incomplete (see above)",
			    a->name, f->dir);
		status = EXIT_FAIL;
	}
	for (size_t i = 0; i < nrows; i++) {
		free(rows[i].hosts);
		free(rows[i].outcome);
		free(rows[i].swapped);
	}
	free(rows);
	verdict_free(&v);
	verdict_free(&prev);
	buf_free(&keep);
	if (c->job.hosts.v != orig.v) {
		hostset_free(&c->job.hosts);
		c->job.hosts = orig;
	}
	return status;
}

int
launch_execute(struct launch_args *a)
{
	struct jobctx c;
	struct plan p;
	struct strvec env = STRVEC_INIT;
	struct failover f;
	struct hostset orig;
	char *err = NULL, *self = path_self(), *agent;
	double t0;
	int status, by_signal = 0;

	load_env_files(a);
	if (a->auto_retry && a->retries > 0)
		die_usage("%s: --auto-retry and --retries %d: pick one (--retries runs again on the "
		    "same hosts; --auto-retry swaps failed hosts for spares)", a->name, a->retries);
	if (a->label && !a->lo.rankenv)
		die_usage("%s: --label needs 'ezpz rankenv' in front of the command "
		    "(drop --no-rankenv)", a->name);
	if (a->lo.rankenv)
		refuse_rank_vars(a);
	check_master_vars(a);
	/* The Python ezpz's default: a failover loop must not wait forever on a hang. */
	if (a->auto_retry && !a->timeout_set)
		a->timeout = AUTO_RETRY_TIMEOUT;
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
	failover_init(a, &c.job, &f);
	/* Before the banner: a log that cannot be opened stops the run before
	 * it starts (the '+ mpirun' line said it ran). */
	if (a->log && !a->dry_run) {
		int fd = open(a->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			die_errno("%s: log '%s': cannot open it, so nothing was run", a->name, a->log);
		close(fd);
	}
	orig = c.job.hosts;
	t0 = wall_now();
	if (a->dry_run || runs_as_is(a, &f)) {
		/* the plain path: one plan, shown, run (with --retries) */
		if (plan_build(&p, &c.job, environ, &c.io, &a->lo, &err) < 0) {
			if (c.job.launcher == LAUNCHER_NONE)
				die_status(EXIT_NOTFOUND, "%s: %s", a->name, err);
			die_usage("%s: %s", a->name, err);
		}
		if (f.use_hostfile || f.dir) {
			plan_free(&p);
			attempt_plan(a, &c, &f, 1, &p, &orig);
		}
		if (!a->quiet && !(a->dry_run && a->json))
			banner(a, &p, &c.job);
		if (a->dry_run) {
			print_dry_run(a, &p, &c.job);
			status = EXIT_OK;
		} else {
			struct buf keep = BUF_INIT;
			int stopped;
			status = run_with_retries(a, &p, child_env(&p, &env), &keep, &stopped);
			by_signal = stopped == STOPPED_BY_SIGNAL;
			if (status != 0) {
				struct verdict v = { 0 };
				struct strvec used = STRVEC_INIT;
				struct attempt_in in;
				for (size_t i = 0; i < c.job.hosts.n && i < (size_t)p.nhosts; i++)
					strvec_push(&used, c.job.hosts.v[i].name);
				in = (struct attempt_in){ status, 0, 0, p.np, keep.s ? keep.s : "",
					used.v, used.n, NULL, NULL, placed_ppn(a, &p), p.kill_on_bad_exit };
				if (failover_classify(&in, &v, &err) == 0) {
					launch_report(a, NULL, 0, &v, stopped);
					status = rank_status(&p, &v, status, stopped);
					by_signal = status_by_signal(status, by_signal, &v);
				}
				verdict_free(&v);
				strvec_clear(&used);
			}
			buf_free(&keep);
		}
		plan_free(&p);
		if (c.job.hosts.v != orig.v) {
			hostset_free(&c.job.hosts);
			c.job.hosts = orig;
		}
	} else {
		status = run_attempts(a, &c, &f, &by_signal);
	}
	if (!a->dry_run && !a->quiet)
		end_line(status, by_signal, wall_now() - t0);
	if (f.tmp_hostfile)
		unlink(f.tmp_hostfile);
	free(f.tmp_hostfile);
	free(f.rank_dir);
	free(f.dir);
	strvec_clear(&f.active);
	strvec_clear(&f.spare);
	strvec_clear(&f.bad);
	strvec_clear(&env);
	jobctx_free(&c);
	free(self);
	free(agent);
	a->lo.pbs_rsh_agent = NULL;
	return status;
}
