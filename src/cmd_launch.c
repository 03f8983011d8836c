/* SPDX-License-Identifier: MIT */
/*
 * cmd_launch.c: `ezpz launch [OPTIONS] [--] CMD [ARGS...]`, `-m MODULE`,
 * `-c CODE`: run a command on every rank of the job with the right launcher.
 */
#include <stdlib.h>

#include "launch.h"
#include "util.h"

extern const struct ezpz_cmd cmd_launch;

static int
launch_main(int argc, char **argv)
{
	struct launch_args a;
	int dashdash, first, status;

	launch_args_init(&a, "launch");
	first = launch_parse(&a, &cmd_launch, argc, argv, 1, &dashdash);
	if (a.lo.command.n == 0)
		strvec_pushn(&a.lo.command, argv + first, (size_t)(argc - first));
	if (a.lo.command.n == 0)
		die_usage("launch: no command given (usage: ezpz launch [OPTIONS] [--] CMD [ARGS...])");
	if (a.json && !a.dry_run)
		die_usage("launch: --json needs --dry-run");
	status = launch_execute(&a);
	launch_args_free(&a);
	return status;
}

const struct ezpz_cmd cmd_launch = {
	.name = "launch",
	.summary = "run a command on every GPU of the job with the right launcher",
	.usage = "[OPTIONS] [--] CMD [ARGS...]\n[OPTIONS] -m MODULE [ARGS...]\n[OPTIONS] -c CODE [ARGS...]",
	.description =
	    "Detect the job (PBS, Slurm, Flux, LSF or none), build the launch line for its\n"
	    "launcher (PALS mpiexec, MPICH/Hydra mpiexec, Open MPI mpirun or srun), print it, and run\n"
	    "it with signal forwarding, exit codes and an optional hang watchdog.\n\n"
	    "Options are read up to the first word that is not an option, or '--': the\n"
	    "command's own arguments are never taken as ezpz's.  Options ezpz does not know\n"
	    "go to the launcher, after ezpz's own flags; if such a flag takes a separate\n"
	    "value, end the options with '--' (ezpz launch --mca btl tcp -- CMD).",
	.opts = launch_opts_table,
	.run = launch_main,
};
