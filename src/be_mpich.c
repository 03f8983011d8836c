/* SPDX-License-Identifier: MIT */
/*
 * be_mpich.c: MPICH's Hydra mpiexec (and Intel MPI, which is Hydra):
 * mpiexec -n N -ppn P -f HF -genvall, binding with -bind-to only when
 * asked ("user:" lists join a rank's CPUs with '+', ranks with ',').
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "bind.h"
#include "buf.h"
#include "plan.h"
#include "strvec.h"
#include "util.h"

/* "0-2,8:3-5" -> "0+1+2+8,3+4+5" */
static char *
hydra_user_list(const char *list)
{
	struct buf out = BUF_INIT;
	for (int g = 0; g < bind_list_ngroups(list); g++) {
		int *cpus;
		long n = bind_list_group(list, g, &cpus);
		for (long i = 0; i < n; i++)
			buf_addf(&out, "%s%d", i ? "+" : (g ? "," : ""), cpus[i]);
		free(cpus);
	}
	return buf_detach(&out);
}

static void
mpich_bind(struct plan *p)
{
	struct strvec *a = &p->launcher_argv;
	char *u;
	switch (p->bind.kind) {
	case BIND_UNSET: return;
	case BIND_LIST:
		u = hydra_user_list(p->bind.list);
		strvec_push(a, "-bind-to");
		strvec_pushf(a, "user:%s", u);
		free(u);
		return;
	case BIND_DEPTH:
		strvec_push(a, "-bind-to");
		strvec_pushf(a, "core:%d", p->bind.depth);
		return;
	default: break;
	}
	strvec_push(a, "-bind-to");
	switch (p->bind.kind) {
	case BIND_NONE: strvec_push(a, "none"); break;
	case BIND_CORE: strvec_push(a, "core"); break;
	case BIND_SOCKET: strvec_push(a, "socket"); break;
	case BIND_NUMA: strvec_push(a, "numa"); break;
	default: strvec_push(a, p->bind.native); break;
	}
}

static void
mpich_build(struct plan *p, const struct job *job)
{
	struct strvec *a = &p->launcher_argv;
	(void)job;
	strvec_push(a, "mpiexec");
	strvec_push(a, "-n");
	strvec_pushf(a, "%d", p->np);
	strvec_push(a, "-ppn");
	strvec_pushf(a, "%d", p->ppn);
	if (p->hostfile) {
		strvec_push(a, "-f");
		strvec_push(a, p->hostfile);
	}
	strvec_push(a, "-genvall");
	mpich_bind(p);
}

static void
mpich_per_host(struct strvec *a, int nhosts, const char *hostfile, const char *const *forward)
{
	(void)forward;   /* -genvall passes everything */
	strvec_push(a, "mpiexec");
	strvec_push(a, "-n");
	strvec_pushf(a, "%d", nhosts);
	strvec_push(a, "-ppn");
	strvec_push(a, "1");
	if (hostfile) {
		strvec_push(a, "-f");
		strvec_push(a, hostfile);
	}
	strvec_push(a, "-genvall");
}

/* Hydra says HYDRA or Hydra; Intel MPI is Hydra. */
static const char *const mpich_marks[] = { "HYDRA", "Hydra", "MPICH", "Intel(R) MPI", NULL };

/* Debian, Fedora and MPICH's own install: the names beside the alternatives. */
static const char *const mpich_aliases[] = { "mpiexec.hydra", "mpiexec.mpich", "mpirun.mpich",
	NULL };

const struct backend be_mpich = {
	.id = LAUNCHER_MPICH, .name = "mpich", .exe = "mpiexec", .probe = 1,
	.aliases = mpich_aliases,
	.version_marks = mpich_marks, .version_rank = 2, .env_flag = "-genvall",
	/* "BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES" is printed
	 * to stdout, and mpiexec then exits 11 for a rank's SIGSEGV */
	.reports_on_stdout = 1, .signal_as_status = 1,
	.build = mpich_build, .per_host = mpich_per_host,
};
