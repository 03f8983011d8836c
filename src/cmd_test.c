/* SPDX-License-Identifier: MIT */
/*
 * cmd_test.c: `ezpz test [LAUNCH OPTIONS] [-- TEST OPTIONS]`: the smoke test
 * users run first in a fresh allocation.  It launches the MPI test worker
 * (libexec/ezpz/ezpz-test-worker: placement, data-parallel training,
 * checkpoint, collectives, verdict) through exactly the launch path of
 * `ezpz launch`, so it tests what a real job will use.  --torch runs the
 * PyTorch DDP check shipped in share/ezpz instead.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec.h"
#include "launch.h"
#include "path.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_test;

#define WORKER "ezpz-test-worker"
#define TORCH_CHECK "torch_ddp_check.py"

/* dir/name, which must exist: ezpz's own files, next to the binary. */
static char *
own_file(char *dir, const char *name, const char *what)
{
	char *p = xasprintf("%s/%s", dir, name);
	free(dir);
	if (access(p, R_OK) < 0)
		die_status(EXIT_NOTFOUND, "%s '%s' is missing: ezpz is not completely built or "
		    "installed (run 'make', or 'make install')", what, p);
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
enum { O_TORCH = 2001 };
#define TORCH_ROW { O_TORCH, "--torch", NULL, NULL, \
	"run the PyTorch DDP check instead of the MPI worker" }

static const struct opt test_opts[] = {
	OPT_INCLUDE_TABLE(launch_opts_table, "-m|-c"),
	TORCH_ROW,
	{ 0 }
};

static const struct opt test_parse_opts[] = {
	OPT_INCLUDE_TABLE(launch_opts_table, NULL),
	TORCH_ROW,
	{ 0 }
};

static int
take_test_opt(struct launch_args *a, int id, const char *arg)
{
	(void)arg;
	if (id != O_TORCH)
		return 0;
	*(int *)a->own = 1;
	return 1;
}

static int
test_main(int argc, char **argv)
{
	struct launch_args a;
	int dashdash, first, torch = 0, status;
	char *prog;

	launch_args_init(&a, "test");
	a.opts = test_parse_opts;
	a.take_own = take_test_opt;
	a.own = &torch;
	first = launch_parse(&a, &cmd_test, argc, argv, 0, &dashdash);
	if (a.lo.command.n > 0)
		die_usage("test: -m and -c are for 'ezpz launch'; test options go after '--'");
	if (first < argc && !dashdash)
		die_usage("test: unexpected argument '%s' (test options go after '--')", argv[first]);
	if (torch) {
		char *py = launch_python(environ);
		prog = own_file(path_datadir(environ), TORCH_CHECK, "test --torch: the DDP check");
		need_torch(py);
		strvec_push(&a.lo.command, py);
		free(py);
	} else {
		prog = own_file(path_libexecdir(environ), WORKER, "test: the test worker");
	}
	strvec_push(&a.lo.command, prog);
	strvec_pushn(&a.lo.command, argv + first, (size_t)(argc - first));
	free(prog);
	if (a.json && !a.dry_run)
		die_usage("test: --json needs --dry-run (the worker's own report: -- --json FILE)");
	status = launch_execute(&a);
	launch_args_free(&a);
	return status;
}

const struct ezpz_cmd cmd_test = {
	.name = "test",
	.summary = "distributed smoke test: placement, training, checkpoint, collectives",
	.usage = "[LAUNCH OPTIONS] [--torch] [-- TEST OPTIONS]",
	.description =
	    "Launch the MPI test worker on every GPU of the job (2 ranks on a laptop) with\n"
	    "the same detection, flags, banner and exit codes as 'ezpz launch'.  It checks\n"
	    "rank placement, trains a small MLP autoencoder data-parallel (the loss must\n"
	    "fall), checkpoints it the way the talk says to, measures allreduce, broadcast\n"
	    "and allgather, and exits 0 only if every check passed.  Test options (after\n"
	    "'--') are the worker's: see 'ezpz test -- --help' and ezpz-test(1).",
	.opts = test_opts,
	.run = test_main,
};
