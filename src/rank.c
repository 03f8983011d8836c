/* SPDX-License-Identifier: MIT */
/*
 * rank.c: rank facts from launcher variables (peers.md §4).  Launchers are
 * tried as families, most specific first: Open MPI started inside a Slurm
 * allocation still carries SLURM_PROCID (of its daemon), so Slurm comes
 * last; Slurm's local rank is SLURM_LOCALID (the Python ezpz read
 * SLURM_LOCAL_ID, which Slurm never sets).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "hostfile.h"
#include "rank.h"
#include "util.h"

/* One launcher's variables; NULL where it has none.  nnodes: only for a
 * launcher without a local size (one node: every rank is local). */
struct family {
	const char *name;
	const char *rank, *size, *local_rank, *local_size, *node, *nnodes;
};

static const struct family families[] = {
	{ "torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", NULL },
	{ "PALS", "PALS_RANKID", "PMI_SIZE", "PALS_LOCAL_RANKID|PMI_LOCAL_RANK",
	  "PALS_LOCAL_SIZE|PMI_LOCAL_SIZE", "PALS_NODEID", NULL },
	{ "Open MPI", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK",
	  "OMPI_COMM_WORLD_LOCAL_SIZE", NULL, NULL },
	{ "Hydra", "PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS", NULL, NULL },
	{ "MVAPICH", "MV2_COMM_WORLD_RANK", "MV2_COMM_WORLD_SIZE", "MV2_COMM_WORLD_LOCAL_RANK",
	  "MV2_COMM_WORLD_LOCAL_SIZE", NULL, NULL },
	{ "Flux", "FLUX_TASK_RANK", "FLUX_JOB_SIZE", "FLUX_TASK_LOCAL_ID", NULL, NULL, "FLUX_JOB_NNODES" },
	{ "LSF jsrun", "JSM_NAMESPACE_RANK", "JSM_NAMESPACE_SIZE", "JSM_NAMESPACE_LOCAL_RANK",
	  "JSM_NAMESPACE_LOCAL_SIZE", NULL, NULL },
	{ "Slurm", "SLURM_PROCID", "SLURM_STEP_NUM_TASKS|SLURM_NTASKS", "SLURM_LOCALID", NULL,
	  "SLURM_NODEID", NULL },
};

void
rank_free(struct rankinfo *ri)
{
	free(ri->master);
	free(ri->source);
	memset(ri, 0, sizeof *ri);
}

/* var: a name, or names "A|B" tried in order. */
static int
get_num(char *const *envp, const char *var, long *out, char **err)
{
	const char *v = NULL, *why;
	char name[64];

	for (const char *p = var; p && *p && v == NULL; p += strcspn(p, "|"), p += *p == '|') {
		snprintf(name, sizeof name, "%.*s", (int)strcspn(p, "|"), p);
		v = env_nonempty(envp, name);
	}
	if (v == NULL)
		return 0;
	if (parse_long(v, 0, 1L << 30, out, &why) < 0) {
		*err = xasprintf("%s='%s': %s", name, v, why);
		return -1;
	}
	return 1;
}

/* Slurm's local size is this node's entry of the step's tasks per node. */
static int
slurm_local_size(const struct rankinfo *ri, char *const *envp, long *out)
{
	static const char *const vars[] = { "SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE" };
	for (size_t i = 0; i < NITEMS(vars); i++) {
		const char *v = env_nonempty(envp, vars[i]);
		int *tpn = NULL;
		char *err = NULL;
		long n;
		if (v == NULL)
			continue;
		n = tasks_per_node_parse(v, &tpn, 1 << 20, &err);
		free(err);
		if (n > ri->node_rank && ri->node_rank >= 0) {
			*out = tpn[ri->node_rank];
			free(tpn);
			return 1;
		}
		free(tpn);
	}
	return 0;
}

#define INCOMPLETE (-2)   /* the family's rank is set, but not all it needs */

/*
 * A variable the family names but is not set: not this family after all
 * (PMI_RANK and PMI_SIZE alone are Slurm's pmi2 or Flux's PMI, not Hydra),
 * or a hand-made environment.  INCOMPLETE with *err, -1 on a bad value.
 */
static int
need_num(char *const *envp, const struct family *f, const char *var, long *out, char **err)
{
	int r = get_num(envp, var, out, err);
	size_t n = strcspn(var, "|");
	if (r == 0)
		*err = xasprintf("%s=%s (%s), but %.*s%s%s%s is not set: start the ranks with the "
		    "launcher itself, which sets it (or with 'ezpz launch')", f->rank,
		    env_get(envp, f->rank), f->name, (int)n, var, var[n] ? " (or " : "",
		    var[n] ? var + n + 1 : "", var[n] ? ")" : "");
	return r > 0 ? 1 : r < 0 ? -1 : INCOMPLETE;
}

/*
 * The ranks on this host.  Never "every rank" by default: told that, a
 * rank on another node takes itself for rank 0's host (MASTER_ADDR
 * 127.0.0.1) and the job hangs.
 */
static int
family_local_size(const struct family *f, struct rankinfo *ri, char *const *envp, char **err)
{
	long nn;
	int r;

	if (f->local_size)
		return need_num(envp, f, f->local_size, &ri->local_size, err);
	if (streq(f->name, "Slurm")) {
		if (ri->node_rank < 0)
			return need_num(envp, f, f->node, &ri->node_rank, err);
		if (slurm_local_size(ri, envp, &ri->local_size))
			return 1;
		*err = xasprintf("%s=%s (Slurm), but neither SLURM_STEP_TASKS_PER_NODE nor "
		    "SLURM_TASKS_PER_NODE gives node %ld's tasks: start the ranks with srun, which "
		    "sets them (or with 'ezpz launch')", f->rank, env_get(envp, f->rank), ri->node_rank);
		return INCOMPLETE;
	}
	if ((r = need_num(envp, f, f->nnodes, &nn, err)) < 0)
		return r;
	if (nn != 1) {
		*err = xasprintf("%s=%s (%s): the job has %ld nodes and %s gives no count of ranks per "
		    "node, so LOCAL_WORLD_SIZE is unknown: start the ranks with an MPI launcher inside "
		    "the allocation ('ezpz launch' does)", f->rank, env_get(envp, f->rank), f->name, nn,
		    f->name);
		return INCOMPLETE;
	}
	ri->local_size = ri->size;
	return 1;
}

static int
family_read(const struct family *f, struct rankinfo *ri, char *const *envp, char **err)
{
	long v;
	int r;

	if ((r = get_num(envp, f->rank, &ri->rank, err)) <= 0)
		return r;
	ri->node_rank = -1;
	if ((r = get_num(envp, f->node, &v, err)) < 0)
		return -1;
	if (r)
		ri->node_rank = v;
	if ((r = need_num(envp, f, f->size, &ri->size, err)) < 0)
		return r;
	/* one rank alone is its own host's only rank, whatever else is set */
	if (ri->size == 1 && ri->rank == 0) {
		ri->local_rank = 0;
		ri->local_size = 1;
		return 1;
	}
	if ((r = need_num(envp, f, f->local_rank, &ri->local_rank, err)) < 0)
		return r;
	return family_local_size(f, ri, envp, err);
}

/*
 * The first family whose variables are all there.  One that is incomplete
 * is passed over (Slurm's pmi2 sets PMI_RANK and PMI_SIZE beside Slurm's
 * own); when none is complete, the last one's reason is the error: the
 * families run from MPI launchers to allocations (Flux, Slurm), and the
 * outermost one is the launcher that started the ranks.
 */
int
rank_from_env(struct rankinfo *ri, char *const *envp, char **err)
{
	char *incomplete = NULL;

	for (size_t i = 0; i < NITEMS(families); i++) {
		const struct family *f = &families[i];
		int r;
		/* torchrun is trusted only with its own marker, never a bare RANK */
		if (i == 0 && !env_nonempty(envp, "TORCHELASTIC_RUN_ID") && !env_nonempty(envp, "GROUP_RANK"))
			continue;
		memset(ri, 0, sizeof *ri);
		ri->size = 1;
		if ((r = family_read(f, ri, envp, err)) == -1) {
			free(incomplete);
			return -1;
		}
		if (r == INCOMPLETE) {
			free(incomplete);
			incomplete = *err;
			*err = NULL;
			continue;
		}
		if (r == 0)
			continue;
		free(incomplete);
		if (ri->node_rank < 0)        /* block mapping, as every ezpz backend uses */
			ri->node_rank = ri->local_size > 0 ? ri->rank / ri->local_size : 0;
		ri->nnodes = ri->local_size > 0 ? (ri->size + ri->local_size - 1) / ri->local_size : 1;
		ri->source = xasprintf("env:%s (%s)", f->rank, f->name);
		return 0;
	}
	memset(ri, 0, sizeof *ri);
	if (incomplete) {
		*err = incomplete;
		return -1;
	}
	ri->rank = ri->local_rank = ri->node_rank = 0;
	ri->size = ri->local_size = ri->nnodes = 1;
	ri->source = xstrdup("no launcher (rank 0 of 1)");
	return 1;
}

int
rank_validate(const struct rankinfo *ri, char **err)
{
	if (ri->size < 1 || ri->rank < 0 || ri->rank >= ri->size) {
		*err = xasprintf("rank %ld of world size %ld (from %s) is impossible", ri->rank, ri->size,
		    ri->source);
		return -1;
	}
	if (ri->local_size < 1 || ri->local_size > ri->size || ri->local_rank < 0 ||
	    ri->local_rank >= ri->local_size) {
		*err = xasprintf("local rank %ld of local size %ld with world size %ld (from %s) is "
		    "impossible", ri->local_rank, ri->local_size, ri->size, ri->source);
		return -1;
	}
	if (ri->local_size == ri->size && ri->node_rank != 0) {
		*err = xasprintf("node rank %ld, but all %ld ranks are on this host (from %s): "
		    "impossible", ri->node_rank, ri->size, ri->source);
		return -1;
	}
	return 0;
}

int
rank_check_env(const struct rankinfo *ri, char *const *envp, char **err)
{
	const struct { const char *var; long want; } checks[] = {
		{ "RANK", ri->rank }, { "WORLD_SIZE", ri->size },
		{ "LOCAL_RANK", ri->local_rank }, { "LOCAL_WORLD_SIZE", ri->local_size },
	};
	for (size_t i = 0; i < NITEMS(checks); i++) {
		const char *v = env_nonempty(envp, checks[i].var), *why;
		long have;
		if (v == NULL)
			continue;
		if (parse_long(v, 0, 1L << 30, &have, &why) < 0 || have != checks[i].want) {
			*err = xasprintf("%s=%s is already set, but the launcher says %ld (%s); a login "
			    "profile or an outer job may have exported it: unset %s", checks[i].var, v,
			    checks[i].want, ri->source, checks[i].var);
			return -1;
		}
	}
	return 0;
}

/* No node has this many devices: a longer list ends there (and the
 * duplicate check stays cheap). */
#define GPU_VISIBLE_MAX 1024

long
gpu_visible_parse(const char *val, long have, struct strvec *out)
{
	struct strvec items = STRVEC_INIT;
	long n;

	for (const char *p = val; !streq(val, "NoDevFiles") && *p && items.n < GPU_VISIBLE_MAX; ) {
		size_t len = strcspn(p, ",");
		char *item = xstrndup(p, len), *t = strtrim(item), *end;
		long idx = strtol(t, &end, 10);
		int names_none = *t == '\0' || *t == '-' ||
		    (*end == '\0' && end != t && have >= 0 && idx >= have);
		int twice = !names_none && strvec_find(&items, t) >= 0;
		if (!names_none && !twice)
			strvec_push(&items, t);
		free(item);
		if (twice)
			strvec_clear(&items);     /* a device named twice: none at all */
		if (names_none || twice)
			break;
		p += len + (p[len] == ',');
	}
	n = (long)items.n;
	for (size_t i = 0; out && i < items.n; i++)
		strvec_push(out, items.v[i]);
	strvec_clear(&items);
	return n;
}

/* Split a restriction list ("0.0,0.1"). */
static size_t
split_list(const char *s, struct strvec *out)
{
	char *copy = xstrdup(s), *tok, *save = NULL;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		strvec_push(out, strtrim(tok));
	free(copy);
	return out->n;
}

int
rank_gpu_mask(enum vendor v, int ngpus, int have, int tiles, long local_rank, long local_size,
    char *const *envp, const char **var, char **value, char **err)
{
	struct strvec allowed = STRVEC_INIT;
	const char *restrict_ = NULL;
	long d;

	switch (v) {
	case VENDOR_NVIDIA: *var = "CUDA_VISIBLE_DEVICES"; break;
	case VENDOR_AMD:
		*var = env_nonempty(envp, "HIP_VISIBLE_DEVICES") ? "HIP_VISIBLE_DEVICES" : "ROCR_VISIBLE_DEVICES";
		break;
	case VENDOR_INTEL: *var = "ZE_AFFINITY_MASK"; break;
	default:
		*err = xasprintf("--gpu-bind per-rank: no GPU vendor known for this host "
		    "(set EZPZ_GPU_VENDOR to nvidia, amd or intel)");
		return -1;
	}
	/* The devices left to us, in the order given, read as the runtime
	 * reads them; ZE_AFFINITY_MASK's GPU.TILE items as they are. */
	if (v == VENDOR_INTEL) {
		if ((restrict_ = env_nonempty(envp, *var)) != NULL && split_list(restrict_, &allowed) > 0)
			ngpus = (int)allowed.n;
	} else if ((restrict_ = env_get(envp, *var)) != NULL) {
		ngpus = (int)gpu_visible_parse(restrict_, have, &allowed);
		if (ngpus < 1) {
			*err = xasprintf("--gpu-bind per-rank: %s='%s' shows no GPU to give local rank %ld "
			    "(empty, 'NoDevFiles', a first item naming no device, or a device named "
			    "twice); unset it or list the GPUs to use, or drop --gpu-bind", *var, restrict_,
			    local_rank);
			return -1;
		}
	}
	if (ngpus < 1) {
		*err = xasprintf("--gpu-bind per-rank: this host has no GPUs to give local rank %ld",
		    local_rank);
		strvec_clear(&allowed);
		return -1;
	}
	d = bind_gpu_of_rank((int)local_rank, (int)local_size, ngpus);
	if (allowed.n)
		*value = xstrdup(allowed.v[d]);
	else if (v == VENDOR_INTEL && tiles > 1)
		*value = xasprintf("%ld.%ld", d / tiles, d % tiles);
	else
		*value = xasprintf("%ld", d);
	strvec_clear(&allowed);
	return 0;
}
