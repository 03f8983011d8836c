/* SPDX-License-Identifier: MIT */
/*
 * cmd_test.c: `ezpz test [LAUNCH OPTIONS] [-- TEST OPTIONS]`: the smoke test
 * users run first in a fresh allocation.  It launches the MPI test worker
 * (libexec/ezpz/ezpz-test-worker: placement, data-parallel training,
 * checkpoint, collectives, verdict) through exactly the launch path of
 * `ezpz launch`, so it tests what a real job will use.  --torch runs the
 * PyTorch DDP check shipped in share/ezpz instead.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart.h"
#include "exec.h"
#include "launch.h"
#include "path.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_test;

#define WORKER "ezpz-test-worker"
#define TORCH_CHECK "torch_ddp_check.py"

/* dir/name, which must exist: ezpz's own files, next to the binary. */
/* One of ezpz's own files, readable (mode R_OK) or runnable (X_OK). */
static char *
own_file(char *dir, const char *name, const char *what, int mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat sb;
	free(dir);
	if (access(p, F_OK) < 0)
		die_status(EXIT_NOTFOUND, "%s '%s' is missing: ezpz is not completely built or "
		    "installed (run 'make', or 'make install')", what, p);
	if (access(p, mode) < 0 || stat(p, &sb) < 0 || !S_ISREG(sb.st_mode))
		die_status(mode == X_OK ? EXIT_NOEXEC : EXIT_NOTFOUND, "%s '%s' is not %s: %s "
		    "(reinstall ezpz: 'make install', or fix its mode)", what, p,
		    mode == X_OK ? "executable" : "readable",
		    access(p, mode) < 0 ? strerror(errno) : "not a regular file");
	return p;
}

/* torch must import in the Python the ranks will use, or say so now. */
static void
need_torch(const char *python)
{
	char *argv[] = { (char *)python, "-c", "import torch", NULL }, *out = NULL;
	int rc = exec_capture(argv, environ, 120 * 1000, &out);
	if (rc != 0) {
		char *last = out ? strrchr(strtrim(out), '\n') : NULL;
		die("test --torch: torch is not importable by %s (%s); activate an environment with "
		    "PyTorch (eval \"$(ezpz setup-env)\") or run 'ezpz test' without --torch", python,
		    rc < 0 ? "python not found" : last ? last + 1 : out && *out ? out : "import failed");
	}
	free(out);
}

/*
 * test's options: --torch and the launch table.  Help and completions show
 * them less -m and -c; the parser takes -m and -c too, to say where they
 * belong.
 */
enum { O_TORCH = 2001, O_PLOT };
#define TEST_ROWS { O_TORCH, "--torch", NULL, NULL, \
	"run the PyTorch DDP check instead of the MPI worker" }, \
	{ O_PLOT, "--plot", "FILE.svg", "@file", \
	"also write the loss and bandwidth charts as one SVG file" }

static const struct opt test_opts[] = {
	OPT_INCLUDE_TABLE(launch_opts_table, "-m|-c"),
	TEST_ROWS,
	{ 0 }
};

static const struct opt test_parse_opts[] = {
	OPT_INCLUDE_TABLE(launch_opts_table, NULL),
	TEST_ROWS,
	{ 0 }
};

struct test_own {
	int torch;
	const char *plot;
};

static int
take_test_opt(struct launch_args *a, int id, const char *arg)
{
	struct test_own *own = a->own;
	if (id == O_TORCH)
		own->torch = 1;
	else if (id == O_PLOT)
		own->plot = arg;
	else
		return 0;
	return 1;
}

/*
 * The worker's view: short unless -v, charts in the characters this
 * terminal can show (the ranks' stdout is a pipe, so ezpz decides), and
 * the SVG at an absolute path, since ranks may start elsewhere.
 */
static void
worker_view(struct strvec *cmd, int verbose, const char *plot)
{
	enum chart_style st;
	char *cwd;

	setlocale(LC_CTYPE, "");
	st = chart_style_for(environ, nl_langinfo(CODESET));
	if (!verbose)
		strvec_push(cmd, "--short");
	strvec_push(cmd, "--charts");
	strvec_push(cmd, st == CHART_UNICODE ? "unicode" : "ascii");
	if (plot == NULL)
		return;
	strvec_push(cmd, "--plot");
	if (plot[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL) {
		strvec_push(cmd, plot);
		return;
	}
	strvec_pushf(cmd, "%s/%s", cwd, plot);
	free(cwd);
}

/*
 * Where rank 0 will write (--plot, and the worker's --json and
 * --checkpoint-dir): checked here, before every host is started, as the
 * worker checks again on rank 0's host (a node-local path).
 */
static void
check_outputs(const char *plot, char **w, int n)
{
	char why[128];
	struct stat sb;

	if (plot && !path_can_write(plot, why, sizeof why))
		die_usage("test: --plot '%s': cannot write it: %s", plot, why);
	for (int i = 0; i < n && !streq(w[i], "--"); i++) {
		const char *v = NULL, *opt = NULL;
		if ((streq(w[i], "--json") || streq(w[i], "--checkpoint-dir") || streq(w[i], "--plot")) &&
		    i + 1 < n)
			opt = w[i], v = w[i + 1];
		else if (startswith(w[i], "--json=") || startswith(w[i], "--checkpoint-dir=") ||
		    startswith(w[i], "--plot="))
			opt = w[i], v = strchr(w[i], '=') + 1;
		if (v == NULL)
			continue;
		if (startswith(opt, "--checkpoint-dir")) {
			if (stat(v, &sb) < 0 || !S_ISDIR(sb.st_mode))
				die_usage("test: --checkpoint-dir '%s': %s", v, stat(v, &sb) < 0 ?
				    strerror(errno) : "not a directory");
		} else if (!path_can_write(v, why, sizeof why)) {
			die_usage("test: %.*s '%s': cannot write it: %s", (int)strcspn(opt, "="), opt, v,
			    why);
		}
	}
}

static int
test_main(int argc, char **argv)
{
	struct launch_args a;
	struct test_own own = { 0, NULL };
	int dashdash, first, status;
	char *prog;

	launch_args_init(&a, "test");
	a.opts = test_parse_opts;
	a.take_own = take_test_opt;
	a.own = &own;
	first = launch_parse(&a, &cmd_test, argc, argv, 0, &dashdash);
	if (a.lo.command.n > 0)
		die_usage("test: -m and -c are for 'ezpz launch'; test options go after '--'");
	if (first < argc && !dashdash)
		die_usage("test: unexpected argument '%s' (test options go after '--')", argv[first]);
	if (own.plot && own.torch)
		die_usage("test: --plot is for the MPI worker, not --torch");
	if (own.torch) {
		char *py = launch_python(environ);
		prog = own_file(path_datadir(environ), TORCH_CHECK, "test --torch: the DDP check",
		    R_OK);
		if (!a.dry_run)
			need_torch(py);
		strvec_push(&a.lo.command, py);
		free(py);
	} else {
		prog = own_file(path_libexecdir(environ), WORKER, "test: the test worker", X_OK);
	}
	strvec_push(&a.lo.command, prog);
	if (!own.torch) {
		worker_view(&a.lo.command, a.verbose, own.plot);
		/* the watchdog counts output: a quiet phase must not look hung */
		if (a.timeout > 0) {
			strvec_push(&a.lo.command, "--heartbeat");
			strvec_pushf(&a.lo.command, "%g", a.timeout / 3.0 < 0.1 ? 0.1 : a.timeout / 3.0);
		}
	}
	strvec_pushn(&a.lo.command, argv + first, (size_t)(argc - first));
	free(prog);
	if (!a.dry_run && !own.torch)
		check_outputs(own.plot, argv + first, argc - first);
	if (a.json && !a.dry_run)
		die_usage("test: --json needs --dry-run (the worker's own report: -- --json FILE)");
	status = launch_execute(&a);
	launch_args_free(&a);
	return status;
}

const struct ezpz_cmd cmd_test = {
	.name = "test",
	.summary = "distributed smoke test: placement, training, checkpoint, collectives",
	.usage = "[LAUNCH OPTIONS] [--torch] [--plot FILE.svg] [-- TEST OPTIONS]",
	.description =
	    "Is this allocation ready for distributed training?  Launch the MPI test\n"
	    "worker on every GPU of the job (2 ranks on a laptop) with the same detection,\n"
	    "flags and exit codes as 'ezpz launch', and check what the talk \"Training\n"
	    "Foundation Models on Supercomputers\" (ALCF) says goes wrong first:\n"
	    "  placement    every rank on the host, local rank and GPU it should have\n"
	    "  training     a small MLP trained data-parallel: same data per rank? the\n"
	    "               loss must fall (step time split into forward dtf, backward\n"
	    "               dtb and gradient allreduce dtc)\n"
	    "  checkpoint   rank 0 writes it, reads it back, every rank gets the same\n"
	    "  collectives  allreduce, broadcast, allgather: right results, bus bandwidth\n"
	    "               by message size (as nccl-tests count it)\n"
	    "Exit 0 only if every check passed.  The default view is the verdict, a\n"
	    "summary and charts; -v adds every table with a legend; --plot FILE.svg\n"
	    "writes the charts for a browser.  Test options (after '--') are the\n"
	    "worker's: see 'ezpz test -- --help' and ezpz-test(1).",
	.opts = test_opts,
	.run = test_main,
};
