/* SPDX-License-Identifier: MIT */
/*
 * topo.h: what ezpz needs of a node's hardware, as plain data: cores with
 * their hardware threads, and compute GPUs with the cores nearest to each.
 * Filled from hwloc (this machine, or an XML file for tests and bug
 * reports); nothing outside topo.c sees hwloc.
 */
#ifndef EZPZ_TOPO_H
#define EZPZ_TOPO_H

#include <stddef.h>

#include "types.h"

#define TOPO_MAX_SMT 8

struct topo_core {
	int package;                /* logical index of its package */
	int npus;
	int pus[TOPO_MAX_SMT];      /* PU (OS) numbers; pus[0] names the core in lists */
};

struct topo_gpu {
	char *name;                 /* the osdev counted: cuda0, nvml3, rsmi1, ze2, opencl0d1;
	                             * the bus id when counted by PCI class */
	enum vendor vendor;
	char *model;                /* e.g. "NVIDIA A100-SXM4-80GB"; may be NULL */
	char *pci;                  /* bus id "0000:17:00.0"; may be NULL */
	int *cores;                 /* indexes into topo.cores nearest to it */
	size_t ncores;              /* 0: locality unknown */
};

struct topo {
	char *source;               /* "this host" or the XML path */
	char *origin;               /* this host's: "cache:FILE" or "hwloc; cache ..."; NULL for XML */
	int npackages;
	struct topo_core *cores;    /* in hwloc logical order */
	size_t ncores;
	int npus;
	int nnuma;                  /* NUMA domains */
	struct topo_gpu *gpus;      /* one per physical compute device */
	size_t ngpus;
	enum vendor vendor;         /* of gpus; VENDOR_NONE when ngpus is 0 */
	const char *backend;        /* "cuda", "nvml", "rsmi", "levelzero", "pci", "opencl" or NULL */
};

/* Load xml (NULL: this machine).  Returns 0, or -1 with *err malloc'd. */
int topo_load(struct topo *t, const char *xml, char **err);
void topo_free(struct topo *t);
/* t->vendor: the vendor most of t->gpus have (VENDOR_NONE without GPUs). */
void topo_set_vendor(struct topo *t);
/*
 * Bind the calling process to the given PU numbers (hwloc_set_cpubind on
 * this machine).  Returns 0, or -1 with *err malloc'd.
 */
int topo_bind_self(const int *pus, size_t npus, char **err);
/* The hwloc library loaded: its API version and file ("api 2.8.0 /lib/.../libhwloc.so.15.6.1 376816"). */
const char *topo_hwloc_version(void);
/* The calling process's current binding as a list "0-3,8"; malloc'd. */
char *topo_get_binding(void);

#endif
