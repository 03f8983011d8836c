/* SPDX-License-Identifier: MIT */
/*
 * bind.h: CPU binding computed from the topology ("--cpu-bind auto"): each
 * local rank gets an equal group of whole physical cores, on its GPU's side
 * of the machine when GPU locality is known, never on reserved cores.
 */
#ifndef EZPZ_BIND_H
#define EZPZ_BIND_H

#include <stddef.h>

#include "topo.h"

struct bind_plan {
	int nranks;
	int k;          /* cores per rank */
	int *cores;     /* nranks*k indexes into topo.cores, rank-major */
	int *gpu;       /* per rank: index into topo.gpus, or -1 */
};

/* The GPU local rank r of nranks uses, of ngpus (ranks share GPUs evenly). */
int bind_gpu_of_rank(int r, int nranks, int ngpus);
/*
 * Plan nranks ranks on t, skipping cores that hold a reserved PU.  Returns
 * 0, or -1 with *err malloc'd (e.g. more ranks than usable cores).
 */
int bind_auto(const struct topo *t, int nranks, const int *reserved, size_t nres,
    struct bind_plan *out, char **err);
void bind_free(struct bind_plan *b);
/* PALS list syntax, one group per rank, first PU of each core: "1-8:9-16". */
char *bind_list(const struct topo *t, const struct bind_plan *b);
/* Every PU of rank r's cores (hyperthreads too), for hwloc binding. */
size_t bind_rank_pus(const struct topo *t, const struct bind_plan *b, int r, int **pus);
/*
 * Group g (0-based) of a list "0-3,8:4-7" as CPU numbers in *out (malloc'd);
 * returns the count, or -1 if the list has no such group or is malformed.
 */
/* The highest CPU number a list may name. */
#define BIND_CPU_MAX (1 << 20)
long bind_list_group(const char *list, int g, int **out);
/* Number of ':'-separated groups in a list. */
int bind_list_ngroups(const char *list);
/* "0-3,8,10-11" from sorted or unsorted ints; malloc'd. */
char *bind_format_ranges(const int *v, size_t n);

#endif
