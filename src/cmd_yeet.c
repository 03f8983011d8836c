/* SPDX-License-Identifier: MIT */
/*
 * cmd_yeet.c: `ezpz yeet [SRC] [--dest DIR]`: stage a directory (by default
 * the active venv or conda environment) or a file such as a tarball onto
 * node-local storage on every host of the job.  It checks the command line,
 * then launches the MPI yeet worker (libexec/ezpz/ezpz-yeet-worker) one rank
 * per host through the launch path of `ezpz launch`: rank 0 reads the shared
 * file system once and broadcasts; every host verifies and renames into
 * place (see src/yeet-worker/main.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "jobio.h"
#include "launch.h"
#include "path.h"
#include "strvec.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_yeet;

#define YEET_WORKER "ezpz-yeet-worker"

enum { O_DEST = 3001, O_MIN_SUCCESS, O_DRY_RUN, O_QUIET, O_VERBOSE };

static const struct opt yeet_opts[] = {
	{ O_DEST, "--dest", "DIR", "@dir",
	  "where the copy goes on every host; %h is the host's name (/tmp/NAME of SRC)" },
	{ O_MIN_SUCCESS, "--min-success", "N|FRACTION", NULL,
	  "exit 0 when this many hosts (or this fraction of them) have the copy (all)" },
	{ O_DRY_RUN, "--dry-run", NULL, NULL, "print what would run, and run nothing" },
	{ O_QUIET, "-q|--quiet", NULL, NULL, "no banner" },
	{ O_VERBOSE, "-v|--verbose", NULL, NULL, "more detail: sources, environment" },
	JOBOPT_ENTRIES,
	JOBOPT_JOB_ENTRY,
	{ 0 }
};

struct yeet {
	const char *src, *dest, *min;
};

/* A count >= 1, or a fraction in (0, 1] (the worker applies it). */
static void
check_min_success(const char *s)
{
	const char *why;
	char *end;
	long n;
	double f;

	if (strchr(s, '.')) {
		f = strtod(s, &end);
		if (*end == '\0' && end != s && f > 0 && f <= 1)
			return;
	} else if (parse_long(s, 1, 1l << 30, &n, &why) == 0) {
		return;
	}
	die_usage("yeet: --min-success '%s': a number of hosts (>= 1) or a fraction in (0, 1]", s);
}

static void
take_opt(struct launch_args *a, struct yeet *y, int o, struct optstate *st)
{
	switch (o) {
	case O_DEST: y->dest = st->arg; break;
	case O_MIN_SUCCESS: check_min_success(st->arg); y->min = st->arg; break;
	case O_DRY_RUN: a->dry_run = 1; break;
	case O_QUIET: a->quiet = 1; break;
	case O_VERBOSE: a->verbose = a->lo.verbose = 1; break;
	default:
		if (!jobopt_take(&a->jo, &a->topology, o, st->arg))
			die("yeet: option table and parser disagree on '%s'", st->word);
	}
}

/* Options anywhere; at most one operand (SRC). */
static void
parse(struct launch_args *a, struct yeet *y, int argc, char **argv)
{
	struct optstate st;
	int o;

	opt_init(&st, "yeet", argc, argv);
	for (;;) {
		o = opt_next(&st, yeet_opts);
		if (o == OPT_HELP)
			cmd_help_exit(&cmd_yeet);
		if (o == OPT_UNKNOWN)
			die_usage("yeet: unknown option '%s' (see 'ezpz yeet --help')", st.word);
		if (o != OPT_DONE) {
			take_opt(a, y, o, &st);
			continue;
		}
		if (st.ind >= argc)
			return;
		if (y->src)
			die_usage("yeet: one SRC only ('%s', then '%s')", y->src, argv[st.ind]);
		y->src = argv[st.ind++];
		if (st.dashdash && st.ind < argc)
			die_usage("yeet: one SRC only ('%s', then '%s')", y->src, argv[st.ind]);
	}
}

/* SRC as an absolute path, as the user (or VIRTUAL_ENV) spelled it: a
 * venv's scripts name that spelling, which the worker rewrites. */
static char *
source_path(const char *given)
{
	const char *src = given;
	char cwd[PATH_MAX], *abs;
	struct stat st;

	if (src == NULL && (src = env_nonempty(environ, "VIRTUAL_ENV")) == NULL &&
	    (src = env_nonempty(environ, "CONDA_PREFIX")) == NULL)
		die_usage("yeet: no SRC, and no active venv or conda environment "
		    "(VIRTUAL_ENV, CONDA_PREFIX)");
	if (src[0] == '/')
		abs = xstrdup(src);
	else if (getcwd(cwd, sizeof cwd) == NULL)
		die_errno("yeet: the current directory");
	else
		abs = xasprintf("%s/%s", cwd, src);
	for (size_t n = strlen(abs); n > 1 && abs[n - 1] == '/'; n--)
		abs[n - 1] = '\0';
	if (lstat(abs, &st) < 0)
		die("yeet: source '%s': %s", abs, strerror(errno));
	if (S_ISLNK(st.st_mode)) {
		/* the worker copies what is there, and a link is not a tree */
		char real[PATH_MAX];
		if (realpath(abs, real) == NULL)
			die("yeet: source '%s': %s", abs, strerror(errno));
		die_usage("yeet: source '%s' is a symbolic link: give the path it leads to "
		    "(ezpz yeet %s)", abs, real);
	}
	if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
		die_usage("yeet: source '%s': not a directory or a file", abs);
	return abs;
}

/* dest with %h as this host's short name (the worker checks again on each
 * host with its own). */
static char *
dest_here(const char *dest)
{
	char host[256] = "", *dot;
	struct buf b = BUF_INIT;
	gethostname(host, sizeof host - 1);
	if ((dot = strchr(host, '.')) != NULL)
		*dot = '\0';
	for (const char *s = dest; *s; s++) {
		if (s[0] == '%' && (s[1] == 'h' || s[1] == '%')) {
			buf_adds(&b, s[1] == 'h' ? host : "%");
			s++;
		} else {
			buf_addc(&b, *s);
		}
	}
	return buf_detach(&b);
}

static char *
dest_path(const char *given, const char *src)
{
	const char *base = strrchr(src, '/') + 1;
	char *dest = given ? xstrdup(given) : xasprintf("/tmp/%s", *base ? base : "root");
	char rsrc[PATH_MAX], rdest[PATH_MAX], *here;

	if (dest[0] != '/')
		die_usage("yeet: --dest '%s': not an absolute path", dest);
	/* '..' after a directory not made yet would resolve only once it is:
	 * past the check below, onto the source */
	if (path_has_dots(dest))
		die_usage("yeet: --dest '%s': '.' and '..' are not allowed; give the path itself", dest);
	for (size_t n = strlen(dest); n > 1 && dest[n - 1] == '/'; n--)
		dest[n - 1] = '\0';
	/* Staging onto the source, or onto what holds it, would replace it
	 * with a copy of itself; checked here for what can be resolved. */
	here = dest_here(dest);
	if (path_under(here, src) || path_under(src, here) ||
	    (realpath(src, rsrc) && realpath(here, rdest) &&
	    (path_under(rdest, rsrc) || path_under(rsrc, rdest))))
		die_usage("yeet: --dest '%s' is the source '%s', or inside it, or holds it", here, src);
	free(here);
	return dest;
}

static char *
worker_path(void)
{
	char *dir = path_libexecdir(environ), *p = xasprintf("%s/%s", dir, YEET_WORKER);
	free(dir);
	if (access(p, F_OK) < 0)
		die_status(EXIT_NOTFOUND, "yeet: the yeet worker '%s' is missing: ezpz is not "
		    "completely built or installed (run 'make', or 'make install')", p);
	if (access(p, X_OK) < 0)
		die_status(EXIT_NOEXEC, "yeet: the yeet worker '%s' is not executable: %s "
		    "(reinstall ezpz: 'make install', or fix its mode)", p, strerror(errno));
	return p;
}

static int
yeet_main(int argc, char **argv)
{
	struct launch_args a;
	struct yeet y = { 0 };
	char *src, *dest, *worker;
	int status;

	launch_args_init(&a, "yeet");
	parse(&a, &y, argc, argv);
	src = source_path(y.src);
	dest = dest_path(y.dest, src);
	worker = worker_path();
	/* One rank per host; the worker needs no rank facts beyond MPI's. */
	a.lo.ppn = 1;
	a.lo.rankenv = 0;
	a.lo.cpu_bind = "none";   /* I/O and one copy per host: no rank to pin */
	strvec_push(&a.lo.command, worker);
	strvec_push(&a.lo.command, "--src");
	strvec_push(&a.lo.command, src);
	strvec_push(&a.lo.command, "--dest");
	strvec_push(&a.lo.command, dest);
	if (y.min) {
		strvec_push(&a.lo.command, "--min-success");
		strvec_push(&a.lo.command, y.min);
	}
	status = launch_execute(&a);
	launch_args_free(&a);
	free(src);
	free(dest);
	free(worker);
	return status;
}

const struct ezpz_cmd cmd_yeet = {
	.name = "yeet",
	.summary = "copy a venv, conda env, directory or tarball to every host's local disk",
	.usage = "[SRC] [--dest DIR] [--min-success N|FRACTION] [JOB OPTIONS]",
	.description =
	    "Stage SRC (default: $VIRTUAL_ENV, else $CONDA_PREFIX) onto node-local storage\n"
	    "on every host of the job: one rank per host reads nothing but what rank 0\n"
	    "broadcasts over MPI, so the shared file system is read once.  Each host checks\n"
	    "sizes, modes, links and checksums, then renames the copy into place; a venv's\n"
	    "scripts are rewritten to name DIR.  A line per host, then the verdict.\n"
	    "See ezpz-yeet(1).",
	.opts = yeet_opts,
	.run = yeet_main,
};
