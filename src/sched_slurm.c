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

/*
 * A "2(x3),1" variable: the counts, or -1 with *err naming it.  A value that
 * does not parse is an error (ignoring it would plan the ranks or the
 * binding from a guess); one for a different number of nodes is not: a
 * step's SLURM_TASKS_PER_NODE describes the step, not the job.
 */
static long
slurm_counts(char *const *envp, const char *var, int **out, char **err)
{
	const char *v = env_nonempty(envp, var);
	char *why = NULL;
	long n;

	*out = NULL;
	if (v == NULL)
		return 0;
	if ((n = tasks_per_node_parse(v, out, HOSTLIST_MAX_HOSTS, &why)) < 0) {
		*err = xasprintf("%s='%s': %s (want counts such as 2(x3),1)", var, v, why);
		free(why);
		return -1;
	}
	return n;
}

static int
slurm_slots(struct job *job, char *const *envp, char **err)
{
	int *v;
	long n = slurm_counts(envp, "SLURM_TASKS_PER_NODE", &v, err);

	if (n == (long)job->hosts.n)
		for (size_t i = 0; i < job->hosts.n; i++)
			job->hosts.v[i].slots = v[i];
	free(v);
	return n < 0 ? -1 : 0;
}

/* SLURM_JOB_CPUS_PER_NODE ("4(x2),2"): the fewest CPUs any of the job's hosts has. */
static int
slurm_cpus(struct job *job, char *const *envp, char **err)
{
	int *c;
	long n = slurm_counts(envp, "SLURM_JOB_CPUS_PER_NODE", &c, err);

	for (long i = 0; i < n && i < (long)job->hosts.n; i++)
		if (job->cpus_per_host == 0 || c[i] < job->cpus_per_host)
			job->cpus_per_host = c[i];
	free(c);
	return n < 0 ? -1 : 0;
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
		char *what = job->jobid ? xasprintf("slurm job %s", job->jobid) :
		    xstrdup("EZPZ_SCHEDULER=slurm, but no Slurm job here");
		*err = xasprintf("%s: neither SLURM_JOB_NODELIST nor SLURM_NODELIST is set "
		    "(are you inside the allocation?%s%s)", what, job->find_note ? " " : "",
		    job->find_note ? job->find_note : "");
		free(what);
		return -1;
	}
	if (hostlist_expand(list, &hosts, &why) < 0) {
		*err = xasprintf("%s='%s': %s", var, list, why);
		free(why);
		return -1;
	}
	if (hosts.n == 0) {
		/* ',' would otherwise become "this host", while '' is an error */
		*err = xasprintf("%s='%s': names no hosts", var, list);
		strvec_clear(&hosts);
		return -1;
	}
	for (size_t i = 0; i < hosts.n; i++) {
		hostset_add_owned(&job->hosts, hosts.v[i], 1);   /* 10,000 names: no copies */
		hosts.v[i] = NULL;
	}
	strvec_clear(&hosts);
	if (slurm_slots(job, envp, err) < 0 || slurm_cpus(job, envp, err) < 0)
		return -1;
	src_set(&job->src.hosts, SRC_ENV, "%s", var);
	return 0;
}

const struct sched_ops sched_slurm = { SCHED_SLURM, slurm_detect, slurm_read };
