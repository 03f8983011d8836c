/* SPDX-License-Identifier: MIT */
/*
 * be_srun.c: Slurm's srun, inside the allocation: srun -u
 * --kill-on-bad-exit=1 -N NH -n N --ntasks-per-node=P (the -K unless the
 * user chose: plan.c).  GPU flags only when Slurm itself allocated the GPUs
 * (asking for GRES a job does not have fails the step); no hostfile (the
 * allocation is the host list) unless the user gave one.  From a shell
 * without the job's variables (a job found by squeue), --jobid names the
 * allocation the step joins.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "bind.h"
#include "buf.h"
#include "hostlist.h"
#include "jobfind.h"
#include "plan.h"
#include "strvec.h"
#include "util.h"

/* "1-8:9-16" -> "0x1fe,0x1fe00": one CPU mask per task. */
static char *
srun_masks(const char *list)
{
	static const char hexdigits[] = "0123456789abcdef";
	struct buf out = BUF_INIT;
	for (int g = 0; g < bind_list_ngroups(list); g++) {
		int *cpus, top = 0;
		long n = bind_list_group(list, g, &cpus);
		unsigned char *nib;
		char *hex, *h;
		for (long i = 0; i < n; i++)
			if (cpus[i] / 4 > top)
				top = cpus[i] / 4;
		nib = xcalloc((size_t)top + 1, 1);
		for (long i = 0; i < n; i++)
			nib[cpus[i] / 4] |= (unsigned char)(1u << (cpus[i] % 4));
		h = hex = xmalloc((size_t)top + 2);
		for (int i = top; i >= 0; i--)
			*h++ = hexdigits[nib[i]];
		*h = '\0';
		buf_addf(&out, "%s0x%s", g ? "," : "", hex);
		free(hex);
		free(nib);
		free(cpus);
	}
	return buf_detach(&out);
}

static void
srun_bind(struct plan *p)
{
	struct strvec *a = &p->launcher_argv;
	char *m;
	switch (p->bind.kind) {
	case BIND_LIST:
		m = srun_masks(p->bind.list);
		strvec_pushf(a, "--cpu-bind=mask_cpu:%s", m);
		free(m);
		break;
	case BIND_DEPTH:
		strvec_pushf(a, "--cpus-per-task=%d", p->bind.depth);
		strvec_push(a, "--cpu-bind=cores");
		break;
	case BIND_NONE: strvec_push(a, "--cpu-bind=none"); break;
	case BIND_CORE: strvec_push(a, "--cpu-bind=cores"); break;
	case BIND_SOCKET: strvec_push(a, "--cpu-bind=sockets"); break;
	case BIND_NUMA: strvec_push(a, "--cpu-bind=ldoms"); break;
	case BIND_NATIVE: strvec_pushf(a, "--cpu-bind=%s", p->bind.native); break;
	default: break;
	}
}

static void
srun_build(struct plan *p, const struct job *job)
{
	struct strvec *a = &p->launcher_argv;

	strvec_push(a, "srun");
	strvec_push(a, "-u");
	if (p->kill_on_bad_exit)
		strvec_push(a, "--kill-on-bad-exit=1");
	if (p->overlap)
		strvec_push(a, "--overlap");
	if (job->found)
		strvec_pushf(a, "--jobid=%s", job->found->id);
	strvec_pushf(a, "-N%d", p->nhosts);
	strvec_pushf(a, "-n%d", p->np);
	strvec_pushf(a, "--ntasks-per-node=%d", p->ppn);
	/* Slurm's MpiDefault=none cannot start Open MPI ranks (srunmpi.c). */
	if (job->srun_mpi)
		strvec_pushf(a, "--mpi=%s", job->srun_mpi);
	/* never more than the job has: NGPU_PER_HOST=8 on 4 GPUs is 8 ranks
	 * sharing them, and srun would refuse a step of 8 */
	if (p->gpu_flags)
		strvec_pushf(a, "--gpus-per-node=%d", job->ngpu_per_host < job->sched_gpus ?
		    job->ngpu_per_host : job->sched_gpus);
	if (p->hostfile) {
		char **names = xcalloc((size_t)p->nhosts, sizeof *names), *list;
		for (int i = 0; i < p->nhosts; i++)
			names[i] = job->hosts.v[i].name;
		list = hostlist_compress(names, (size_t)p->nhosts);
		strvec_pushf(a, "--nodelist=%s", list);
		free(list);
		free(names);
	}
	srun_bind(p);
}

static void
srun_per_host(struct strvec *a, int nhosts, const char *hostfile, const char *const *forward)
{
	(void)hostfile;  /* the job's own hosts */
	(void)forward;   /* --export=ALL is srun's default */
	/* --overlap: the job's running step holds every CPU. */
	strvec_push(a, "srun");
	strvec_push(a, "--overlap");
	strvec_pushf(a, "-N%d", nhosts);
	strvec_pushf(a, "-n%d", nhosts);
	strvec_push(a, "--ntasks-per-node=1");
	strvec_push(a, "--kill-on-bad-exit=0");
}

/* Never probed: chosen inside a Slurm job (launcher.c) or by name. */
int
srun_mpi_valid(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");
	return n > 0 && n <= 32 && s[n] == '\0';
}

const struct backend be_srun = {
	.id = LAUNCHER_SRUN, .name = "srun", .exe = "srun",
	.env_flag = "--export=ALL (its default)", .build = srun_build,
	.per_host = srun_per_host,
};
