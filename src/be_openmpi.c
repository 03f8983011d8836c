/* SPDX-License-Identifier: MIT */
/*
 * be_openmpi.c: Open MPI mpirun.  It does not forward the environment to
 * remote nodes by itself, so every variable ezpz adds (and PATH and friends)
 * goes with -x on multi-host runs.  It rejects --cpu-bind: binding becomes
 * --bind-to / --map-by ...:PE=, and per-rank lists are applied by ezpz
 * rankenv inside each rank (see plan_rankenv).
 */
#include "backend.h"
#include "plan.h"
#include "strvec.h"

static void
openmpi_build(struct plan *p, const struct job *job)
{
	struct strvec *a = &p->launcher_argv;
	int remote = p->hostfile != NULL || job->hosts.n > 1;
	const char *bind = NULL;

	strvec_push(a, "mpirun");
	strvec_push(a, "-np");
	strvec_pushf(a, "%d", p->np);
	if (p->hostfile) {
		strvec_push(a, "--hostfile");
		strvec_push(a, p->hostfile);
	}
	if (p->oversubscribe)
		strvec_push(a, "--oversubscribe");
	if (p->bind.kind == BIND_DEPTH) {
		strvec_push(a, "--map-by");
		strvec_pushf(a, "ppr:%d:node:PE=%d", p->ppn, p->bind.depth);
	} else if (remote) {
		strvec_push(a, "--map-by");
		strvec_pushf(a, "ppr:%d:node", p->ppn);
	}
	switch (p->bind.kind) {
	case BIND_LIST: case BIND_NONE: bind = "none"; break;
	case BIND_DEPTH: case BIND_CORE: bind = "core"; break;
	case BIND_SOCKET: bind = "socket"; break;
	case BIND_NUMA: bind = "numa"; break;
	case BIND_NATIVE: bind = p->bind.native; break;
	default: break;
	}
	if (bind) {
		strvec_push(a, "--bind-to");
		strvec_push(a, bind);
	}
	for (size_t i = 0; remote && i < p->forward.n; i++) {
		strvec_push(a, "-x");
		strvec_push(a, p->forward.v[i]);
	}
}

static void
openmpi_per_host(struct strvec *a, int nhosts, const char *hostfile, const char *const *forward)
{
	strvec_push(a, "mpirun");
	strvec_push(a, "-np");
	strvec_pushf(a, "%d", nhosts);
	strvec_push(a, "--map-by");
	strvec_push(a, "ppr:1:node");
	strvec_push(a, "--bind-to");
	strvec_push(a, "none");
	if (hostfile) {
		strvec_push(a, "--hostfile");
		strvec_push(a, hostfile);
	}
	/* Open MPI passes no environment to remote hosts by itself. */
	for (; forward && *forward; forward++) {
		strvec_push(a, "-x");
		strvec_push(a, *forward);
	}
}

/* Its text wins over the others' (tried first). */
static const char *const openmpi_marks[] = { "Open MPI", "OpenRTE", "Open RTE", NULL };

static const char *const openmpi_aliases[] = { "mpiexec.openmpi", "mpirun.openmpi", NULL };

const struct backend be_openmpi = {
	.id = LAUNCHER_OPENMPI, .name = "openmpi", .exe = "mpirun", .probe = 1,
	.aliases = openmpi_aliases,
	.version_marks = openmpi_marks, .version_rank = 1,
	.env_flag = "-x VAR for each variable", .build = openmpi_build,
	.per_host = openmpi_per_host,
};
