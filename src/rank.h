/* SPDX-License-Identifier: MIT */
/*
 * rank.h: the facts of one rank (rank, world size, local rank, local size,
 * node rank, rank 0's host) from PMIx or from whatever launcher variables
 * are set, checked for consistency, and the per-rank GPU choice.  Pure.
 */
#ifndef EZPZ_RANK_H
#define EZPZ_RANK_H

#include "strvec.h"
#include "types.h"

struct rankinfo {
	long rank, size, local_rank, local_size, node_rank, nnodes;
	char *master;          /* rank 0's host, when the source knows it */
	char *source;          /* "pmix", "env:OMPI_COMM_WORLD_*", "none" ... */
};

/*
 * Facts from launcher variables (PALS, Open MPI, Hydra, MVAPICH, Flux, LSF
 * jsrun, Slurm, torchrun), one launcher family at a time so values never
 * mix.  Returns 0 when a launcher was found, 1 when none was (0 of 1),
 * -1 with *err on a malformed value.
 */
int rank_from_env(struct rankinfo *ri, char *const *envp, char **err);
/* 0 <= local_rank < local_size <= size and 0 <= rank < size; -1 with *err. */
int rank_validate(const struct rankinfo *ri, char **err);
/*
 * RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE already in envp must agree
 * with ri (a login profile exporting WORLD_SIZE=1 must not win silently).
 */
int rank_check_env(const struct rankinfo *ri, char *const *envp, char **err);
void rank_free(struct rankinfo *ri);

/*
 * A CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES or HIP_VISIBLE_DEVICES value
 * as the runtime (and PyTorch's _parse_visible_devices) reads it: empty or
 * "NoDevFiles" shows no device, the list ends at its first item that names
 * none (empty, negative, or an index of have or more; have < 0: unknown),
 * and a device named twice shows none at all.  The devices shown are
 * appended to out (if not NULL), in order; returns their count.
 */
long gpu_visible_parse(const char *val, long have, struct strvec *out);

/*
 * The GPU variable and value for a local rank: vendor's variable
 * (CUDA_VISIBLE_DEVICES, ROCR_VISIBLE_DEVICES or HIP_VISIBLE_DEVICES,
 * ZE_AFFINITY_MASK), honouring a restriction already in envp, read by
 * gpu_visible_parse with have, the host's device count (-1: unknown).
 * ngpus counts devices ranks use (tiles on Aurora); tiles > 1 gives
 * "GPU.TILE" values.  Returns 0, or -1 with *err.  *var is static, *value
 * malloc'd.
 */
int rank_gpu_mask(enum vendor v, int ngpus, int have, int tiles, long local_rank, long local_size,
    char *const *envp, const char **var, char **value, char **err);

#endif
