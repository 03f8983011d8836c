/* SPDX-License-Identifier: MIT */
/*
 * be_pals.c: HPE/Cray PALS mpiexec (ALCF Aurora, Sunspot, Polaris, Sirius).
 * The Python ezpz's line, kept exactly: mpiexec --envall --line-buffer
 * --np=N --ppn=P --hostfile=HF, then the CPU binding in PALS syntax.
 */
#include "backend.h"
#include "plan.h"
#include "strvec.h"

static void
pals_bind(struct plan *p)
{
	struct strvec *a = &p->launcher_argv;
	switch (p->bind.kind) {
	case BIND_LIST: strvec_pushf(a, "--cpu-bind=list:%s", p->bind.list); break;
	case BIND_DEPTH:
		strvec_push(a, "--cpu-bind=depth");
		strvec_pushf(a, "--depth=%d", p->bind.depth);
		break;
	case BIND_NONE: strvec_push(a, "--cpu-bind=none"); break;
	case BIND_CORE: strvec_push(a, "--cpu-bind=core"); break;
	case BIND_SOCKET: strvec_push(a, "--cpu-bind=socket"); break;
	case BIND_NUMA: strvec_push(a, "--cpu-bind=numa"); break;
	case BIND_NATIVE: strvec_pushf(a, "--cpu-bind=%s", p->bind.native); break;
	default: break;
	}
}

static void
pals_build(struct plan *p, const struct job *job)
{
	struct strvec *a = &p->launcher_argv;
	(void)job;
	strvec_push(a, "mpiexec");
	strvec_push(a, "--envall");
	strvec_push(a, "--line-buffer");
	strvec_pushf(a, "--np=%d", p->np);
	strvec_pushf(a, "--ppn=%d", p->ppn);
	if (p->hostfile)
		strvec_pushf(a, "--hostfile=%s", p->hostfile);
	pals_bind(p);
}

static void
pals_per_host(struct strvec *a, int nhosts, const char *hostfile, const char *const *forward)
{
	(void)forward;   /* --envall passes everything */
	strvec_push(a, "mpiexec");
	strvec_push(a, "--envall");
	strvec_pushf(a, "--np=%d", nhosts);
	strvec_push(a, "--ppn=1");
	if (hostfile)
		strvec_pushf(a, "--hostfile=%s", hostfile);
}

static const char *const pals_marks[] = { "PALS", "pals", NULL };

const struct backend be_pals = {
	.id = LAUNCHER_PALS, .name = "pals", .exe = "mpiexec", .probe = 1,
	.path_mark = "/pals/", .version_marks = pals_marks, .version_rank = 3,
	.env_flag = "--envall", .build = pals_build, .per_host = pals_per_host,
};
