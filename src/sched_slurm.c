/* SPDX-License-Identifier: MIT */
/*
 * sched_slurm.c: Slurm jobs (NERSC Perlmutter, OLCF Frontier, any cluster).
 * Hosts come from the job's node list (SLURM_JOB_NODELIST, not the step's),
 * expanded by our own hostlist module; slots from SLURM_TASKS_PER_NODE
 * when it describes the same number of nodes.  A job found by asking squeue
 * (no SLURM_JOB_ID in this shell, see jobfind.c) takes all of these from
 * what squeue said.
 */
#include <stdlib.h>
#include <string.h>

#include "hostfile.h"
#include "hostlist.h"
#include "job.h"
#include "jobfind.h"
#include "util.h"

static int
slurm_detect(char *const *envp, const char **evidence)
{
	if (env_nonempty(envp, "SLURM_JOB_ID")) {
		*evidence = "SLURM_JOB_ID";
		return 80;
	}
	if (env_nonempty(envp, "SLURM_JOBID")) {
		*evidence = "SLURM_JOBID";
		return 80;
	}
	return 0;
}

static void
slurm_slots(struct job *job, char *const *envp)
{
	const char *tpn = env_nonempty(envp, "SLURM_TASKS_PER_NODE");
	int *v = NULL;
	char *err = NULL;
	long n;

	if (tpn == NULL)
		return;
	n = tasks_per_node_parse(tpn, &v, (long)job->hosts.n, &err);
	if (n == (long)job->hosts.n)
		for (size_t i = 0; i < job->hosts.n; i++)
			job->hosts.v[i].slots = v[i];
	free(v);
	free(err);
}

/* SLURM_JOB_CPUS_PER_NODE ("4(x2),2"): the fewest CPUs any host has. */
static void
slurm_cpus(struct job *job, char *const *envp)
{
	const char *v = env_nonempty(envp, "SLURM_JOB_CPUS_PER_NODE");
	int *c = NULL;
	char *err = NULL;
	long n;

	if (v == NULL)
		return;
	n = tasks_per_node_parse(v, &c, (long)job->hosts.n, &err);
	for (long i = 0; i < n; i++)
		if (job->cpus_per_host == 0 || c[i] < job->cpus_per_host)
			job->cpus_per_host = c[i];
	free(c);
	free(err);
}

static int
slurm_read(struct job *job, char *const *envp, const struct job_io *io, char **err)
{
	static const char *const idvars[] = { "SLURM_JOB_ID", "SLURM_JOBID" };
	static const char *const listvars[] = { "SLURM_JOB_NODELIST", "SLURM_NODELIST" };
	const char *list = NULL, *var = NULL;
	struct strvec hosts = STRVEC_INIT;
	char *why = NULL;

	(void)io;
	if (job->found && !env_nonempty(envp, "SLURM_JOB_ID") && !env_nonempty(envp, "SLURM_JOBID")) {
		const struct found_job *f = job->found;
		job->jobid = xstrdup(f->id);
		for (size_t i = 0; i < f->hosts.n; i++)
			hostset_add(&job->hosts, f->hosts.v[i].name, f->hosts.v[i].slots);
		job->cpus_per_host = f->cpus_per_host;
		src_set(&job->src.hosts, SRC_OTHER, "squeue");
		return 0;
	}
	for (size_t i = 0; i < NITEMS(idvars) && job->jobid == NULL; i++) {
		const char *v = env_nonempty(envp, idvars[i]);
		if (v) {
			job->jobid = xstrdup(v);
			src_set(&job->src.jobid, SRC_ENV, "%s", idvars[i]);
		}
	}
	for (size_t i = 0; i < NITEMS(listvars) && list == NULL; i++)
		if ((list = env_nonempty(envp, listvars[i])) != NULL)
			var = listvars[i];
	if (list == NULL) {
		*err = xasprintf("slurm job %s: neither SLURM_JOB_NODELIST nor SLURM_NODELIST is set "
		    "(are you inside the allocation?%s%s)", job->jobid ? job->jobid : "?",
		    job->find_note ? " " : "", job->find_note ? job->find_note : "");
		return -1;
	}
	if (hostlist_expand(list, &hosts, &why) < 0) {
		*err = xasprintf("%s='%s': %s", var, list, why);
		free(why);
		return -1;
	}
	for (size_t i = 0; i < hosts.n; i++)
		hostset_add(&job->hosts, hosts.v[i], 1);
	strvec_clear(&hosts);
	slurm_slots(job, envp);
	slurm_cpus(job, envp);
	src_set(&job->src.hosts, SRC_ENV, "%s", var);
	return 0;
}

const struct sched_ops sched_slurm = { SCHED_SLURM, slurm_detect, slurm_read };
