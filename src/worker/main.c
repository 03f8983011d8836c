/* SPDX-License-Identifier: MIT */
/*
 * main.c: ezpz-test-worker, the MPI program behind 'ezpz test'.  Parses
 * the options, brings MPI up (timed from launch), then runs the phases in
 * order, each on every rank: placement, data-parallel training, the
 * checkpoint round trip, collective bandwidth.  Rank 0 prints as it goes,
 * then the verdict; every rank exits with it (0 pass, 1 a check failed,
 * 2 usage, 124 a collective hung).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../opt.h"
#include "../path.h"
#include "../chart.h"
#include "../strvec.h"
#include "worker.h"

extern char **environ;

enum {
	O_INJECT = 1, O_LAYERS, O_BATCH, O_ITERS, O_WARMUP, O_LOG_FREQ, O_LR, O_SEED,
	O_MAX_BYTES, O_NONBLOCKING, O_TIMEOUT, O_CKPT_DIR, O_KEEP, O_JSON, O_SHORT, O_CHARTS,
	O_PLOT, O_MPI_LIBRARY, O_HEARTBEAT
};

/* --inject comes first so that --help can leave it out (opts + 1). */
static const struct opt opts[] = {
	{ O_INJECT, "--inject", "KIND:RANK", NULL, "make RANK fail: diverge, skip-collective, crash, exit, "
	    "same-data, bad-result, stall" },
	{ O_LAYERS, "--layers", "W,W,...", NULL, "model widths, first = last (128,1024,512,256,128)" },
	{ O_BATCH, "--batch", "N", NULL, "samples per rank per step (64)" },
	{ O_ITERS, "--iters", "N", NULL, "training steps, warmup included (100)" },
	{ O_WARMUP, "--warmup", "N", NULL, "first steps left out of the timing (5)" },
	{ O_LOG_FREQ, "--log-freq", "N", NULL, "print an iter= line every N steps (10)" },
	{ O_LR, "--lr", "X", NULL, "Adam learning rate (0.001)" },
	{ O_SEED, "--seed", "N", NULL, "seed of the model and the data (0)" },
	{ O_MAX_BYTES, "--max-bytes", "N", NULL, "largest collective message, 4 to 1 GiB (67108864)" },
	{ O_NONBLOCKING, "--nonblocking", NULL, NULL, "time MPI_Iallreduce etc. instead of blocking calls" },
	{ O_TIMEOUT, "--timeout", "S", NULL, "abort if a collective takes longer (300)" },
	{ O_CKPT_DIR, "--checkpoint-dir", "DIR", "@dir", "where rank 0 writes the checkpoint ($TMPDIR)" },
	{ O_KEEP, "--keep-checkpoint", NULL, NULL, "do not remove the checkpoint file" },
	{ O_JSON, "--json", "FILE", "@file", "write every result as JSON (rank 0)" },
	{ O_SHORT, "--short", NULL, NULL, "only the verdict, the summary, the charts and warnings" },
	{ O_CHARTS, "--charts", "STYLE", "unicode|ascii|none", "draw the loss and bandwidth charts (none)" },
	{ O_PLOT, "--plot", "FILE.svg", "@file", "write both charts as one SVG (rank 0)" },
	{ O_MPI_LIBRARY, "--mpi-library", NULL, NULL, "print the MPI library it runs with and how it "
	    "was built, then exit (no MPI_Init)" },
	{ O_HEARTBEAT, "--heartbeat", "S", NULL, "rank 0 prints a line at least every S seconds, "
	    "0.1 or more (ezpz test --timeout sets it)" },
	{ 0, NULL, NULL, NULL, NULL }
};

static int quiet;   /* not rank 0 by the launcher's environment */
static void print_mpi_library(void);

void
wmsg(const char *fmt, ...)
{
	/* One write, so that lines from concurrent ranks do not interleave. */
	char buf[1024];
	int n = snprintf(buf, sizeof buf, WORKER ": ");
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
	va_end(ap);
	len = (size_t)n < sizeof buf - 1 ? (size_t)n : sizeof buf - 2;
	buf[len++] = '\n';
	fflush(stdout);
	(void)!write(STDERR_FILENO, buf, len);
}

static NORETURN PRINTF(1, 2) void
usage_error(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!quiet) {
		va_start(ap, fmt);
		vsnprintf(buf, sizeof buf, fmt, ap);
		va_end(ap);
		wmsg("%s", buf);
	}
	exit(EXIT_USAGE);
}

void
add_check(struct results *r, const char *name, int ok, const char *fmt, ...)
{
	struct check *k;
	va_list ap;

	if (r->nchecks == CHECKS_MAX)
		die("too many checks");
	k = &r->checks[r->nchecks++];
	k->name = name;
	k->ok = ok;
	k->message = NULL;
	if (fmt) {
		va_start(ap, fmt);
		k->message = xvasprintf(fmt, ap);
		va_end(ap);
	}
}

void
add_warning(struct results *r, const char *fmt, ...)
{
	va_list ap;
	r->warnings = xreallocarray(r->warnings, r->nwarnings + 1, sizeof *r->warnings);
	va_start(ap, fmt);
	r->warnings[r->nwarnings++] = xvasprintf(fmt, ap);
	va_end(ap);
}

double
wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double
median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * When this process started, as wall-clock seconds: /proc/self/stat gives
 * the start in clock ticks since boot.  Falls back to now (main's entry).
 */
static double
process_start(void)
{
	char *stat = read_file("/proc/self/stat", READ_MAX_PROC, NULL, NULL), *p;
	unsigned long long ticks = 0;
	struct timespec boot;
	double now = wall_now();
	long hz = sysconf(_SC_CLK_TCK);
	int field = 2;

	if (stat == NULL)
		return now;
	p = strrchr(stat, ')');   /* the command name may hold spaces */
	for (; p && *p && field < 22; p++)
		if (*p == ' ')
			field++;
	if (p && field == 22)
		ticks = strtoull(p, NULL, 10);
	free(stat);
	if (ticks == 0 || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &boot) != 0)
		return now;
	return now - ((double)boot.tv_sec + (double)boot.tv_nsec * 1e-9 - (double)ticks / (double)hz);
}

/* Is this process rank 0, as far as the launcher's environment tells? */
static int
launcher_rank_nonzero(char **envp)
{
	static const char *const vars[] = {
		"PMIX_RANK", "OMPI_COMM_WORLD_RANK", "PMI_RANK", "SLURM_PROCID", "PALS_RANKID", "RANK",
	};
	for (size_t i = 0; i < NITEMS(vars); i++) {
		const char *v = env_nonempty(envp, vars[i]);
		if (v)
			return !streq(v, "0");
	}
	return 0;
}

/*
 * For 'ezpz __complete' (not in --help): the table as NAMES<TAB>ARG<TAB>
 * VALUES<TAB>HELP lines, so completion offers what the parser takes, with
 * the whole help and the values, not what --help's layout lets through.
 */
static NORETURN void
print_options(void)
{
	for (const struct opt *o = opts + 1; o->names; o++)
		printf("%s\t%s\t%s\t%s\n", o->names, o->arg ? o->arg : "", o->values ? o->values : "",
		    o->help);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
}

static void
usage(FILE *fp)
{
	fputs("usage: " WORKER " [options]\n"
	      "Run under mpirun, mpiexec or srun (ezpz test does).  Checks where the ranks\n"
	      "landed, trains a small MLP data-parallel, checkpoints it from rank 0 and\n"
	      "broadcasts it back, times allreduce, broadcast and allgather, then prints a\n"
	      "verdict.  Exit 0: every check passed; 1: a check failed; 2: usage;\n"
	      "124: a collective did not complete within --timeout.\n\noptions:\n", fp);
	opt_print_help(fp, opts + 1);
}

static long
opt_num(const struct optstate *st, long min, long max)
{
	const char *why;
	long v;
	if (parse_long(st->arg, min, max, &v, &why) < 0)
		usage_error("option '%s': '%s': %s (%ld to %ld)", st->word, st->arg, why, min, max);
	return v;
}

static void
parse_inject(struct options *o, const char *s)
{
	static const struct { const char *name; enum inject_kind kind; } kinds[] = {
		{ "diverge", INJECT_DIVERGE }, { "skip-collective", INJECT_SKIP },
		{ "crash", INJECT_CRASH }, { "exit", INJECT_EXIT }, { "same-data", INJECT_SAME_DATA },
		{ "bad-result", INJECT_BAD_RESULT }, { "stall", INJECT_STALL },
	};
	const char *colon = strchr(s, ':'), *why;
	size_t n = colon ? (size_t)(colon - s) : 0;

	for (size_t i = 0; colon && i < NITEMS(kinds); i++)
		if (strlen(kinds[i].name) == n && strncmp(s, kinds[i].name, n) == 0) {
			if (parse_long(colon + 1, 0, 1l << 30, &o->inject_rank, &why) < 0)
				usage_error("option '--inject': rank '%s': %s", colon + 1, why);
			o->inject = kinds[i].kind;
			return;
		}
	usage_error("option '--inject': '%s' is not KIND:RANK with KIND one of "
	    "diverge, skip-collective, crash, exit, same-data, bad-result, stall", s);
}

static void
parse_options(struct options *o, int argc, char **argv)
{
	static const size_t defsizes[] = { 128, 1024, 512, 256, 128 };
	struct optstate st;
	const char *why;
	char *end;
	double lr;
	int id;

	memset(o, 0, sizeof *o);
	memcpy(o->sizes, defsizes, sizeof defsizes);
	o->nsizes = NITEMS(defsizes);
	o->batch = 64;
	o->iters = 100;
	o->warmup = 5;
	o->log_freq = 10;
	o->lr = 1e-3;
	o->max_bytes = 64l << 20;
	o->timeout = 300;

	opt_init(&st, WORKER, argc, argv);
	while ((id = opt_next(&st, opts)) != OPT_DONE) {
		switch (id) {
		case OPT_HELP:
			if (!quiet)
				usage(stdout);
			exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
		case OPT_UNKNOWN:
			usage_error("unknown option '%s'", st.word);
		case O_INJECT: parse_inject(o, st.arg); break;
		case O_LAYERS:
			if (mlp_parse_layers(st.arg, o->sizes, &o->nsizes, &why) < 0)
				usage_error("option '--layers': '%s': %s", st.arg, why);
			break;
		case O_BATCH: o->batch = opt_num(&st, 1, MLP_MAX_BATCH); break;
		case O_ITERS: o->iters = opt_num(&st, 2, 100000000); break;
		case O_WARMUP: o->warmup = opt_num(&st, 0, 100000000); break;
		case O_LOG_FREQ: o->log_freq = opt_num(&st, 1, 100000000); break;
		case O_LR:
			lr = strtod(st.arg, &end);
			if (end == st.arg || *end || !(lr > 0 && lr < 10))
				usage_error("option '--lr': '%s' is not a number in (0, 10)", st.arg);
			o->lr = lr;
			break;
		case O_SEED: o->seed = (uint64_t)opt_num(&st, 0, 0x7fffffffffffffffl); break;
		case O_MAX_BYTES: o->max_bytes = opt_num(&st, 4, MAX_BYTES_LIMIT); break;
		case O_NONBLOCKING: o->nonblocking = 1; break;
		case O_TIMEOUT: o->timeout = opt_num(&st, 1, 7 * 86400); break;
		case O_CKPT_DIR: o->ckpt_dir = st.arg; break;
		case O_KEEP: o->keep_ckpt = 1; break;
		case O_JSON: o->json = st.arg; break;
		case O_SHORT: o->brief = 1; break;
		case O_CHARTS:
			if ((o->charts = chart_style_parse(st.arg)) < 0)
				usage_error("option '--charts': '%s' is not unicode, ascii or none", st.arg);
			break;
		case O_PLOT: o->plot = st.arg; break;
		case O_MPI_LIBRARY: print_mpi_library(); break;
		case O_HEARTBEAT:
			o->heartbeat = strtod(st.arg, &end);
			if (end == st.arg || *end || !(o->heartbeat >= 0.1 && o->heartbeat <= 7 * 86400))
				usage_error("option '--heartbeat': '%s' is not seconds from 0.1 to 604800",
				    st.arg);
			break;
		}
	}
	if (st.ind < argc)
		usage_error("unexpected argument '%s'", argv[st.ind]);
	if (o->warmup >= o->iters)
		usage_error("--warmup %ld leaves no timed step of --iters %ld", o->warmup, o->iters);
	if (mlp_count_params(o->sizes, o->nsizes) > MAX_PARAMS)
		usage_error("option '--layers': %zu parameters, more than the %ld this test takes",
		    mlp_count_params(o->sizes, o->nsizes), MAX_PARAMS);
}

#ifndef EZPZ_MPI_BUILD
#define EZPZ_MPI_BUILD "MPI_CFLAGS/MPI_LIBS"
#endif

/*
 * The library, as doctor asks it: MPI_Get_library_version is one of the
 * calls allowed before MPI_Init, so no launcher is needed.
 */
static void
print_mpi_library(void)
{
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int len = 0;
	MPI_Get_library_version(lib, &len);
	lib[strcspn(lib, "\n")] = '\0';
	printf("%s\nbuilt with %s\n", lib, EZPZ_MPI_BUILD);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
}

/*
 * A worker built against another MPI than the launcher's starts as N
 * singletons, each of size 1, which would each run and report on their
 * own.  ezpz rankenv says how many ranks the launch has (WORLD_SIZE, with
 * RANK): a different MPI size is that mistake, said once (launcher rank 0)
 * with the way out.
 */
static void
check_world_size(int size)
{
	const char *ws = env_nonempty(environ, "WORLD_SIZE");
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int len = 0;

	if (ws == NULL || env_nonempty(environ, "RANK") == NULL || atol(ws) == size)
		return;
	if (!quiet) {
		MPI_Get_library_version(lib, &len);
		lib[strcspn(lib, ",\n")] = '\0';
		wmsg("MPI says %d rank%s but the launch has WORLD_SIZE=%s: this worker is built "
		    "against %s (%s), not the launcher's MPI; rebuild it for that MPI: make "
		    "MPI_PKG=<its pkg-config name>, or MPI_CFLAGS=... MPI_LIBS=... (see README, "
		    "'Building for a site MPI')", size, size == 1 ? "" : "s", ws, lib, EZPZ_MPI_BUILD);
	}
	MPI_Finalize();
	exit(EXIT_FAIL);
}

/* Rank, size, host, local rank, and one communicator per phase. */
static void
setup_ctx(struct ctx *c, const struct options *o)
{
	char name[MPI_MAX_PROCESSOR_NAME];
	int len = 0;
	MPI_Comm node;

	c->opt = o;
	c->envp = environ;
	MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
	MPI_Comm_size(MPI_COMM_WORLD, &c->size);
	MPI_Get_processor_name(name, &len);
	snprintf(c->host, sizeof c->host, "%.*s", HOST_MAX - 1, name);
	snprintf(c->who, sizeof c->who, "rank %d (host %s)", c->rank, c->host);
	guard_arm(c->who, o->timeout, "communicator setup (shared-memory split and duplicates)");
	MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, c->rank, MPI_INFO_NULL, &node);
	MPI_Comm_rank(node, &c->local_rank);
	MPI_Comm_size(node, &c->local_size);
	MPI_Comm_free(&node);
	MPI_Comm_dup(MPI_COMM_WORLD, &c->ctl);
	MPI_Comm_dup(MPI_COMM_WORLD, &c->train);
	MPI_Comm_dup(MPI_COMM_WORLD, &c->ckpt);
	MPI_Comm_dup(MPI_COMM_WORLD, &c->bench);
	guard_disarm();
}

static void
mpi_library(struct results *r)
{
	char lib[MPI_MAX_LIBRARY_VERSION_STRING];
	int len = 0;
	MPI_Get_library_version(lib, &len);
	lib[strcspn(lib, ",\n")] = '\0';   /* "Open MPI v4.1.4, package: ..." */
	snprintf(r->mpi_library, sizeof r->mpi_library, "%.*s", (int)sizeof r->mpi_library - 1, lib);
}

/* Rank 0: decide, report, write the JSON.  Returns the exit status. */
static int
verdict(const struct ctx *c, struct results *r)
{
	r->pass = 1;
	for (size_t i = 0; i < r->nchecks; i++)
		r->pass &= r->checks[i].ok;
	report_summary(c, r);
	for (size_t i = 0; i < r->nchecks; i++)
		if (!r->checks[i].ok)
			wmsg("check failed: %s: %s", r->checks[i].name,
			    r->checks[i].message ? r->checks[i].message : "failed");
	if (c->opt->json && report_json(c, r, c->opt->json) < 0)
		return EXIT_FAIL;
	if (c->opt->plot && report_svg(c, r, c->opt->plot) < 0)
		return EXIT_FAIL;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		wmsg("stdout: write error");
		return EXIT_FAIL;
	}
	return r->pass ? EXIT_OK : EXIT_FAIL;
}

/*
 * The short view prints nothing until the verdict, so rank 0 names each
 * phase as it starts, on one line of stderr: a person sees it is alive, and
 * a silence watchdog ('ezpz test --timeout') hears from it.
 */
/*
 * --heartbeat: ezpz test's watchdog (--timeout) counts output, and a
 * healthy phase can be long and quiet (the short view prints nothing while
 * training; one step of a large model, one 1 GiB allreduce, the checkpoint
 * write).  Rank 0 says how far it is at each training step or message size
 * when S seconds went by without a line, and a thread of its own says what
 * it is still doing when a single call takes longer.  The thread makes no
 * MPI call: write(2) and the clock only.
 */
static _Atomic long long said_ms;          /* when rank 0 last said something */
static const char *_Atomic doing = "starting";

static long long
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
beat(void *arg)
{
	long long every = *(const long long *)arg;
	for (;;) {
		long long now;
		usleep(every < 1000 ? (useconds_t)every * 250 : 250000);
		now = mono_ms();
		if (now - said_ms >= every) {
			char line[160];
			int n = snprintf(line, sizeof line, WORKER ": still %s\n", (const char *)doing);
			said_ms = now;
			(void)!write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n :
			    sizeof line - 1);
		}
	}
	return NULL;
}

static void
heartbeat_start(const struct ctx *c)
{
	static long long every;
	pthread_t t;
	if (c->rank != 0 || c->opt->heartbeat <= 0)
		return;
	every = (long long)(c->opt->heartbeat * 1000);
	said_ms = mono_ms();
	if (pthread_create(&t, NULL, beat, &every) == 0)
		pthread_detach(t);
}

void
heartbeat(const struct ctx *c, const char *fmt, ...)
{
	char what[160];
	va_list ap;
	long long now;

	if (c->rank != 0 || c->opt->heartbeat <= 0)
		return;
	now = mono_ms();
	if (now - said_ms < (long long)(c->opt->heartbeat * 1000))
		return;
	said_ms = now;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	wmsg("%s", what);
}

static void
progress(const struct ctx *c, const char *what)
{
	doing = what;
	said_ms = mono_ms();
	if (c->rank != 0 || !c->opt->brief)
		return;
	/* A whole line each: srun and mpirun carry a rank's two streams
	 * apart, so a line begun here and ended later could be cut by the
	 * verdict on stdout in a job's output file. */
	char line[128];
	int n = snprintf(line, sizeof line, WORKER ": %s\n", what);
	(void)!write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void
results_free(struct results *r)
{
	for (size_t i = 0; i < r->nchecks; i++)
		free(r->checks[i].message);
	for (size_t i = 0; i < r->nwarnings; i++)
		free(r->warnings[i]);
	free(r->warnings);
	free(r->place);
	free(r->log);
	free(r->loss);
	free(r->ckpt_path);
	free(r->ckpt_bad);
	free(r->coll);
}

static double
launch_time(char **envp)
{
	const char *v = env_nonempty(envp, "EZPZ_LAUNCH_TIME");
	char *end;
	double t;

	if (v == NULL)
		return -1;
	t = strtod(v, &end);
	if (end == v || *end || !isfinite(t) || t <= 0) {
		if (!quiet)
			wmsg("EZPZ_LAUNCH_TIME='%s' is not seconds since the epoch; ignored", v);
		return -1;
	}
	return t;
}

/* --json and --plot: usage errors on every rank before the phases, not a
 * verdict of PASS followed by exit 1 once the run is over. */
static void
check_outputs(const struct ctx *c, const struct options *o)
{
	const char *bad = NULL, *opt = NULL;
	char why[128] = "";
	int status = 0;

	if (c->rank == 0) {
		struct stat sb;
		if (o->json && !path_can_write(o->json, why, sizeof why))
			bad = o->json, opt = "--json";
		else if (o->plot && !path_can_write(o->plot, why, sizeof why))
			bad = o->plot, opt = "--plot";
		if (bad) {
			wmsg("option '%s': cannot write '%s': %s", opt, bad, why);
			status = EXIT_USAGE;
		} else if (o->ckpt_dir) {
			/* a typo; a directory that is there but cannot take the
			 * file is what the checkpoint check is for */
			const char *no = stat(o->ckpt_dir, &sb) < 0 ? strerror(errno) :
			    !S_ISDIR(sb.st_mode) ? "not a directory" : NULL;
			if (no) {
				wmsg("option '--checkpoint-dir': '%s': %s", o->ckpt_dir, no);
				status = EXIT_USAGE;
			}
		}
	}
	guard_bcast(c, &status, 1, MPI_INT, c->ctl, "output check");
	if (status) {
		MPI_Finalize();
		exit(status);
	}
}

int
main(int argc, char **argv)
{
	double origin = process_start(), launch, ready, t0;
	struct options opt;
	struct results res;
	struct ctx c;
	struct mlp model;
	char who[64];
	int status;

	quiet = launcher_rank_nonzero(environ);
	if (argc == 2 && streq(argv[1], "--print-options"))
		print_options();
	message_quiet_usage(quiet);
	parse_options(&opt, argc, argv);
	message_quiet_usage(0);
	launch = launch_time(environ);
	memset(&res, 0, sizeof res);
	res.ready_from_launch = launch > 0;
	if (launch > 0)
		origin = launch;

	snprintf(who, sizeof who, "pid %ld", (long)getpid());
	guard_arm(who, opt.timeout, "MPI_Init");
	MPI_Init(&argc, &argv);
	ready = wall_now() - origin;
	guard_disarm();
	t0 = MPI_Wtime();
	memset(&c, 0, sizeof c);
	MPI_Comm_size(MPI_COMM_WORLD, &c.size);
	check_world_size(c.size);
	setup_ctx(&c, &opt);
	check_outputs(&c, &opt);
	heartbeat_start(&c);
	mpi_library(&res);

	progress(&c, "checking placement");
	placement_run(&c, &res, ready);
	progress(&c, "checking training");
	train_run(&c, &res, &model);
	if (c.rank == 0)
		res.first_step_s -= origin;
	progress(&c, "checking checkpoint");
	ckpt_run(&c, &res, &model);
	mlp_free(&model);
	progress(&c, "checking collectives");
	bench_run(&c, &res);
	res.t_total = MPI_Wtime() - t0;

	status = c.rank == 0 ? verdict(&c, &res) : 0;
	guard_bcast(&c, &status, 1, MPI_INT, c.ctl, "verdict");   /* every rank exits alike */
	results_free(&res);

	guard_arm(c.who, opt.timeout, "MPI_Finalize");
	MPI_Comm_free(&c.train);
	MPI_Comm_free(&c.ckpt);
	MPI_Comm_free(&c.bench);
	MPI_Comm_free(&c.ctl);
	MPI_Finalize();
	guard_disarm();
	return status;
}
