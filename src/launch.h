/* SPDX-License-Identifier: MIT */
/*
 * launch.h: the launch path shared by `ezpz launch` and `ezpz test`: option
 * table, parsing, the banner, dry-run views, and running with retries.
 */
#ifndef EZPZ_LAUNCH_H
#define EZPZ_LAUNCH_H

#include "ezpz.h"
#include "job.h"
#include "plan.h"

struct launch_args {
	const char *name;        /* "launch" or "test", for messages */
	struct launch_opts lo;
	struct job_opts jo;
	const char *topology;
	int dry_run, json, quiet, verbose;
	int timeout, timeout_set, retries, grace;
	const char *log;
	/* --auto-retry: spares -1 is "auto" (every host not in use); max_fo -1
	 * is no cap. */
	int auto_retry, spares, max_fo, label;
	const char *include, *exclude, *log_dir;
	/* The table launch_parse reads (launch_opts_table unless a command
	 * chains it into its own), and the taker of that command's own
	 * options: returns 1 if id was one (ezpz test --torch). */
	const struct opt *opts;
	int (*take_own)(struct launch_args *a, int id, const char *arg);
	void *own;
};

/* The launch options (ezpz launch; ezpz test chains them: OPT_INCLUDE_TABLE). */
extern const struct opt launch_opts_table[];

void launch_args_init(struct launch_args *a, const char *name);
void launch_args_free(struct launch_args *a);
/*
 * Parse options from argv[1..].  With pass_unknown, options ezpz does not
 * know go to the launcher (see ezpz-launch(1) for the exact rule); else
 * they are usage errors.  Returns the index of the first word after the
 * options (after a "--" if one ended them); *dashdash says whether one did.
 * -m/-c (when allowed) fill a->lo.command and return argc.
 */
int launch_parse(struct launch_args *a, const struct ezpz_cmd *cmd, int argc, char **argv,
    int pass_unknown, int *dashdash);
/* Detect, plan, show, run (with retries); returns the exit status. */
int launch_execute(struct launch_args *a);
/* The Python for -m/-c: $VIRTUAL_ENV/bin/python3, $CONDA_PREFIX/bin/python3,
 * else python3 on PATH; malloc'd. */
char *launch_python(char *const *envp);

/*
 * In a PBS job whose launcher is Open MPI, unless the user chose an rsh
 * agent (OMPI_MCA_plm_rsh_agent): the agent ezpz ships
 * (DATADIR/ompi-pbs-rsh), when it and pbs_tmrsh (PATH, else
 * ${PBS_EXEC:-/opt/pbs}/bin) are there; else, and elsewhere, NULL.
 * malloc'd.  See plan_rsh_agent.
 */
char *launch_pbs_rsh_agent(const struct job *job, char *const *envp);

#endif
