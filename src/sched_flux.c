/* SPDX-License-Identifier: MIT */
/*
 * sched_flux.c: Flux jobs.  Inside an allocation the Flux instance is the
 * job, so its broker attribute "hostlist" names the hosts.
 */
#include <stdlib.h>
#include <string.h>

#include "hostlist.h"
#include "job.h"
#include "util.h"

static int
flux_detect(char *const *envp, const char **evidence)
{
	if (env_nonempty(envp, "FLUX_JOB_ID")) {
		*evidence = "FLUX_JOB_ID";
		return 70;
	}
	return 0;
}

static int
flux_read(struct job *job, char *const *envp, const struct job_io *io, char **err)
{
	char *flux = io->which(io->ctx, "flux"), *out = NULL, *why = NULL;
	char *argv[] = { flux, "getattr", "hostlist", NULL };
	struct strvec hosts = STRVEC_INIT;

	if (env_nonempty(envp, "FLUX_JOB_ID") == NULL) {
		*err = xstrdup("scheduler flux (from EZPZ_SCHEDULER): FLUX_JOB_ID is not set; run "
		    "inside a Flux allocation");
		free(flux);
		return -1;
	}
	job->jobid = xstrdup(env_nonempty(envp, "FLUX_JOB_ID"));
	src_set(&job->src.jobid, SRC_ENV, "FLUX_JOB_ID");
	if (flux && io->run(io->ctx, argv, &out) == 0 &&
	    hostlist_expand(strtrim(out), &hosts, &why) == 0) {
		for (size_t i = 0; i < hosts.n; i++)
			hostset_add(&job->hosts, hosts.v[i], 1);
		src_set(&job->src.hosts, SRC_OTHER, "flux getattr hostlist");
	} else if (flux) {
		*err = xasprintf("flux job %s: 'flux getattr hostlist' failed%s%s; pass --hostfile",
		    job->jobid, why ? ": " : "", why ? why : "");
	}
	strvec_clear(&hosts);
	free(why);
	free(out);
	free(flux);
	return *err ? -1 : 0;
}

const struct sched_ops sched_flux = { SCHED_FLUX, flux_detect, flux_read };
