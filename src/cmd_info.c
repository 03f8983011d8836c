/* SPDX-License-Identifier: MIT */
/*
 * cmd_info.c: `ezpz info` — what ezpz knows about the job it is in, with
 * where each fact came from; as text, JSON, or exports for a shell.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ezpz.h"
#include "hostlist.h"
#include "jobio.h"
#include "json.h"
#include "shell.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_info;

enum { O_JSON = 1, O_SHELL };

static const struct opt info_opts[] = {
	{ O_JSON, "--json", NULL, NULL, "print one JSON object (keys documented in ezpz(1))" },
	{ O_SHELL, "--shell", "[SHELL]", "bash|zsh|sh|fish",
	  "print the facts as exports for SHELL (default: the shell running ezpz, else $SHELL)" },
	JOBOPT_ENTRIES,
	JOBOPT_JOB_ENTRY,
	{ 0 }
};

static char *
hosts_text(const struct job *job)
{
	char **names = xcalloc(job->hosts.n, sizeof *names), *s;
	for (size_t i = 0; i < job->hosts.n; i++)
		names[i] = job->hosts.v[i].name;
	s = hostlist_compress(names, job->hosts.n);
	free(names);
	return s;
}

static void
print_text(const struct job *job, const struct topo *t)
{
	char *hosts = hosts_text(job);
	printf("%-12s %s (%s)\n", "scheduler", sched_name(job->sched), job->src.scheduler.text);
	printf("%-12s %s (%s)\n", "job", job->jobid ? job->jobid : "-", job->src.jobid.text);
	printf("%-12s %s (%s)\n", "machine", job->machine, job->src.machine.text);
	if (job->profile && job->profile->file)
		printf("%-12s %s\n", "profile", job->profile->file);
	printf("%-12s %s\n", "hostname", job->hostname);
	printf("%-12s %zu: %s (%s)\n", "hosts", job->hosts.n, hosts, job->src.hosts.text);
	printf("%-12s %s\n", "hostfile", job->hostfile ? job->hostfile : "-");
	printf("%-12s %d per host x %zu host%s = %d (%s)\n", "gpus", job->ngpu_per_host,
	    job->hosts.n, job->hosts.n == 1 ? "" : "s", job->ngpu_per_host * (int)job->hosts.n,
	    job->src.ngpu_per_host.text);
	if (job->gpu_tiles > 1)
		printf("%-12s %s, %d tiles per GPU (%s)\n", "gpu vendor", vendor_name(job->gpu_vendor),
		    job->gpu_tiles, job->src.gpu_vendor.text);
	else
		printf("%-12s %s (%s)\n", "gpu vendor", vendor_name(job->gpu_vendor),
		    job->src.gpu_vendor.text);
	printf("%-12s %s%s%s (%s)\n", "launcher", launcher_name(job->launcher),
	    job->launcher_path ? " at " : "", job->launcher_path ? job->launcher_path : "",
	    job->src.launcher.text);
	if (t && t->origin)
		printf("%-12s %d package%s, %d NUMA, %zu cores, %d PUs, %zu GPU%s%s%s (%s)\n",
		    "this host", t->npackages, t->npackages == 1 ? "" : "s", t->nnuma, t->ncores,
		    t->npus, t->ngpus, t->ngpus == 1 ? "" : "s", t->backend ? " via " : "",
		    t->backend ? t->backend : "", t->origin);
	else if (t)
		printf("%-12s %d package%s, %d NUMA, %zu cores, %d PUs, %zu GPU%s%s%s (hwloc: %s)\n",
		    "this host", t->npackages, t->npackages == 1 ? "" : "s", t->nnuma, t->ncores,
		    t->npus, t->ngpus, t->ngpus == 1 ? "" : "s", t->backend ? " via " : "",
		    t->backend ? t->backend : "", t->source);
	free(hosts);
}

/* The facts as exports; a fact this job lacks is unset, so that another
 * job's HOSTFILE cannot outlive it under this job's EZPZ_JOBID. */
static void
print_shell(const struct job *job, enum shell sh)
{
	struct strvec env = STRVEC_INIT, absent = STRVEC_INIT;
	job_facts_env(job, &env, &absent);
	for (size_t i = 0; i < absent.n; i++) {
		char *line = shell_unset(sh, absent.v[i]);
		if (line)
			fputs(line, stdout);
		free(line);
	}
	for (size_t i = 0; i < env.n; i++) {
		const char *v;
		char *k = env_split(env.v[i], &v);
		char *line = shell_export(sh, k, v);
		fputs(line, stdout);
		free(line);
		free(k);
	}
	strvec_clear(&env);
	strvec_clear(&absent);
}

static int
info_run(int argc, char **argv)
{
	struct job_opts jo = { 0 };
	const char *topology = NULL, *shell_arg = NULL;
	int json = 0, shell = 0, o;
	struct optstate st;
	struct jobctx c;

	opt_init(&st, "info", argc, argv);
	while ((o = opt_next(&st, info_opts)) != OPT_DONE) {
		if (o == OPT_HELP)
			cmd_help_exit(&cmd_info);
		if (o == O_JSON)
			json = 1;
		else if (o == O_SHELL) {
			shell = 1;
			shell_arg = st.arg;
		} else if (!jobopt_take(&jo, &topology, o, st.arg))
			opt_unknown(&st);
	}
	if (st.ind < argc)
		die_usage("info: unexpected argument '%s'", argv[st.ind]);
	if (json && shell)
		die_usage("info: choose one of --json and --shell");
	jobctx_init(&c, environ, topology);
	jobctx_detect(&c, &jo);
	if (c.job.stale_note)
		warn("%s", c.job.stale_note);
	if (c.job.launcher_note)
		warn("launcher: %s", c.job.launcher_note);
	if (shell) {
		print_shell(&c.job, shell_choose("info", shell_arg, environ));
	} else if (json) {
		char *s = json_job(&c.job, jobctx_topo(&c));
		fputs(s, stdout);
		free(s);
	} else {
		print_text(&c.job, jobctx_topo(&c));
	}
	jobctx_free(&c);
	return EXIT_OK;
}

const struct ezpz_cmd cmd_info = {
	.name = "info",
	.summary = "show the job ezpz detects: scheduler, hosts, GPUs, launcher",
	.usage = "[--json | --shell [SHELL]] [JOB OPTIONS]",
	.description = "Detect the job this shell is in (PBS, Slurm, Flux, LSF or none) and print\n"
	    "what ezpz would launch on, and where each fact came from.",
	.opts = info_opts,
	.run = info_run,
};
