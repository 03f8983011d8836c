/* SPDX-License-Identifier: MIT */
/*
 * sched_local.c: no job.  A login node with qsub or sbatch on PATH is still
 * local: there is no allocation to launch on.  The host is this one.
 */
#include "job.h"

static int
local_detect(char *const *envp, const char **evidence)
{
	(void)envp;
	(void)evidence;   /* nothing says so: "no job found" */
	return 1;
}

static int
local_read(struct job *job, char *const *envp, const struct job_io *io, char **err)
{
	(void)job;
	(void)envp;
	(void)io;
	(void)err;
	return 0;
}

const struct sched_ops sched_local = { SCHED_LOCAL, local_detect, local_read };
