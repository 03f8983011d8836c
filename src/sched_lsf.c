/* SPDX-License-Identifier: MIT */
/*
 * sched_lsf.c: IBM LSF jobs.  Hosts from LSB_MCPU_HOSTS ("h1 4 h2 4"), else
 * LSB_HOSTS (a word per slot).  ezpz recognises the job; it has no jsrun
 * backend, so launching uses an MPI launcher with the hostfile.
 */
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "util.h"

static int
lsf_detect(char *const *envp, const char **evidence)
{
	if (env_nonempty(envp, "LSB_JOBID")) {
		*evidence = "LSB_JOBID";
		return 60;
	}
	return 0;
}

static int
lsf_read(struct job *job, char *const *envp, const struct job_io *io, char **err)
{
	const char *mcpu = env_nonempty(envp, "LSB_MCPU_HOSTS");
	const char *hosts = env_nonempty(envp, "LSB_HOSTS");
	char *copy, *tok, *save = NULL;

	(void)io;
	if (env_nonempty(envp, "LSB_JOBID") == NULL) {
		*err = xstrdup("scheduler lsf (from EZPZ_SCHEDULER): LSB_JOBID is not set; run "
		    "inside an LSF job");
		return -1;
	}
	job->jobid = xstrdup(env_nonempty(envp, "LSB_JOBID"));
	src_set(&job->src.jobid, SRC_ENV, "LSB_JOBID");
	if (mcpu == NULL && hosts == NULL)
		return 0;
	copy = xstrdup(mcpu ? mcpu : hosts);
	for (tok = strtok_r(copy, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		long slots = 1;
		const char *why;
		if (mcpu) {
			char *n = strtok_r(NULL, " \t", &save);
			if (n == NULL || parse_long(n, 1, 1 << 20, &slots, &why) < 0) {
				*err = xasprintf("LSB_MCPU_HOSTS='%s': expected pairs of host and "
				    "slot count", mcpu);
				free(copy);
				return -1;
			}
		}
		hostset_add(&job->hosts, tok, (int)slots);
	}
	free(copy);
	src_set(&job->src.hosts, SRC_ENV, "%s", mcpu ? "LSB_MCPU_HOSTS" : "LSB_HOSTS");
	return 0;
}

const struct sched_ops sched_lsf = { SCHED_LSF, lsf_detect, lsf_read };
