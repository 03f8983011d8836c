/* SPDX-License-Identifier: MIT */
/*
 * bind.c: pure computation of per-rank core groups from struct topo.
 *
 * Ranks are assigned to domains: the cores nearest their GPU when the
 * topology says where each GPU sits, else the packages in turn.  Each domain
 * splits its usable cores (those with no reserved PU) among its ranks, from
 * the lowest core up, k cores each, where k is the smallest share over all
 * domains so every rank gets the same.  On Aurora (2x52 cores, cores 0 and
 * 52 reserved, 6 GPUs, 12 ranks) this gives exactly ALCF's recommended list
 * 1-8:9-16:...:41-48:53-60:...:93-100.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "util.h"

int
bind_gpu_of_rank(int r, int nranks, int ngpus)
{
	if (ngpus <= 0 || nranks <= 0)
		return -1;
	if (nranks <= ngpus)
		return r;
	return (int)((long)r * ngpus / nranks);
}

static int
core_reserved(const struct topo_core *c, const int *reserved, size_t nres)
{
	for (int i = 0; i < c->npus; i++)
		for (size_t j = 0; j < nres; j++)
			if (c->pus[i] == reserved[j])
				return 1;
	return 0;
}

/* A domain: the usable cores one set of ranks shares. */
struct domain {
	int *cores;
	size_t ncores;
	int nranks;
	int next;       /* ranks placed so far */
};

static int
has_core(const int *v, size_t n, int c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == c)
			return 1;
	return 0;
}

static void
domain_fill(struct domain *d, const struct topo *t, const int *only, size_t nonly,
    int package, const int *reserved, size_t nres)
{
	d->cores = xcalloc(t->ncores, sizeof *d->cores);
	for (size_t c = 0; c < t->ncores; c++) {
		if (only ? !has_core(only, nonly, (int)c) : t->cores[c].package != package)
			continue;
		if (!core_reserved(&t->cores[c], reserved, nres))
			d->cores[d->ncores++] = (int)c;
	}
}

/* GPU locality is usable when every GPU knows its cores. */
static int
gpus_located(const struct topo *t)
{
	if (t->ngpus == 0)
		return 0;
	for (size_t i = 0; i < t->ngpus; i++)
		if (t->gpus[i].ncores == 0)
			return 0;
	return 1;
}

static int
same_cores(const struct topo_gpu *a, const struct topo_gpu *b)
{
	return a->ncores == b->ncores && memcmp(a->cores, b->cores, a->ncores * sizeof *a->cores) == 0;
}

/* Domains and each rank's domain; returns the number of domains. */
static size_t
make_domains(const struct topo *t, int nranks, const int *reserved, size_t nres,
    struct domain *dom, int *rank_dom, int *rank_gpu)
{
	size_t nd = 0;
	if (gpus_located(t)) {
		int *gpu_dom = xcalloc(t->ngpus, sizeof *gpu_dom);
		for (size_t g = 0; g < t->ngpus; g++) {
			size_t d;
			for (d = 0; d < g; d++)
				if (same_cores(&t->gpus[d], &t->gpus[g]))
					break;
			if (d < g) {
				gpu_dom[g] = gpu_dom[d];
				continue;
			}
			gpu_dom[g] = (int)nd;
			domain_fill(&dom[nd++], t, t->gpus[g].cores, t->gpus[g].ncores, -1, reserved, nres);
		}
		for (int r = 0; r < nranks; r++) {
			rank_gpu[r] = bind_gpu_of_rank(r, nranks, (int)t->ngpus);
			rank_dom[r] = gpu_dom[rank_gpu[r]];
		}
		free(gpu_dom);
		return nd;
	}
	for (int p = 0; p < t->npackages; p++)
		domain_fill(&dom[nd++], t, NULL, 0, p, reserved, nres);
	for (int r = 0; r < nranks; r++) {
		rank_gpu[r] = bind_gpu_of_rank(r, nranks, (int)t->ngpus);
		rank_dom[r] = (int)((long)r * t->npackages / nranks);
	}
	return nd;
}

int
bind_auto(const struct topo *t, int nranks, const int *reserved, size_t nres,
    struct bind_plan *out, char **err)
{
	size_t maxdom = t->ngpus + (size_t)t->npackages + 1, nd;
	struct domain *dom = xcalloc(maxdom, sizeof *dom);
	int *rank_dom = xcalloc((size_t)nranks, sizeof *rank_dom);
	int k = -1;

	memset(out, 0, sizeof *out);
	if (nranks < 1) {
		*err = xasprintf("cannot bind %d ranks", nranks);
		free(dom);
		free(rank_dom);
		return -1;
	}
	out->gpu = xcalloc((size_t)nranks, sizeof *out->gpu);
	nd = make_domains(t, nranks, reserved, nres, dom, rank_dom, out->gpu);
	for (int r = 0; r < nranks; r++)
		dom[rank_dom[r]].nranks++;
	for (size_t d = 0; d < nd; d++) {
		int share;
		if (dom[d].nranks == 0)
			continue;
		share = (int)(dom[d].ncores / (size_t)dom[d].nranks);
		if (k < 0 || share < k)
			k = share;
	}
	if (k < 1) {
		size_t usable = 0;
		for (size_t d = 0; d < nd; d++)
			usable += dom[d].ncores;
		*err = xasprintf("%d ranks per host need at least one core each, but this host has "
		    "%zu usable cores (%zu total, reserved ones excluded)%s", nranks, usable, t->ncores,
		    nd > 1 ? " spread over its GPUs' or packages' domains" : "");
	} else {
		out->nranks = nranks;
		out->k = k;
		out->cores = xcalloc((size_t)nranks * (size_t)k, sizeof *out->cores);
		for (int r = 0; r < nranks; r++) {
			struct domain *d = &dom[rank_dom[r]];
			memcpy(out->cores + (size_t)r * (size_t)k, d->cores + (size_t)d->next * (size_t)k,
			    (size_t)k * sizeof *out->cores);
			d->next++;
		}
	}
	for (size_t d = 0; d < nd; d++)
		free(dom[d].cores);
	free(dom);
	free(rank_dom);
	if (k < 1) {
		bind_free(out);
		return -1;
	}
	return 0;
}

void
bind_free(struct bind_plan *b)
{
	free(b->cores);
	free(b->gpu);
	memset(b, 0, sizeof *b);
}

static int
cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

char *
bind_format_ranges(const int *v, size_t n)
{
	int *s = xcalloc(n ? n : 1, sizeof *s);
	size_t len = 0, alloc = 0;
	char *out = NULL;

	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_int);
	out = xgrow(out, &alloc, 1, 1);
	out[0] = '\0';
	for (size_t i = 0; i < n;) {
		size_t j = i;
		char item[32];
		int m;
		while (j + 1 < n && s[j + 1] <= s[j] + 1)
			j++;
		if (j > i && s[j] != s[i])
			m = snprintf(item, sizeof item, "%s%d-%d", len ? "," : "", s[i], s[j]);
		else
			m = snprintf(item, sizeof item, "%s%d", len ? "," : "", s[i]);
		out = xgrow(out, &alloc, len + (size_t)m + 1, 1);
		memcpy(out + len, item, (size_t)m + 1);
		len += (size_t)m;
		i = j + 1;
	}
	free(s);
	return out;
}

char *
bind_list(const struct topo *t, const struct bind_plan *b)
{
	int *first = xcalloc((size_t)b->k, sizeof *first);
	char *out = xstrdup("");

	for (int r = 0; r < b->nranks; r++) {
		char *group, *joined;
		for (int i = 0; i < b->k; i++)
			first[i] = t->cores[b->cores[(size_t)r * (size_t)b->k + (size_t)i]].pus[0];
		group = bind_format_ranges(first, (size_t)b->k);
		joined = xasprintf("%s%s%s", out, r ? ":" : "", group);
		free(group);
		free(out);
		out = joined;
	}
	free(first);
	return out;
}

size_t
bind_rank_pus(const struct topo *t, const struct bind_plan *b, int r, int **pus)
{
	size_t n = 0;
	*pus = xcalloc((size_t)b->k * TOPO_MAX_SMT, sizeof **pus);
	for (int i = 0; i < b->k; i++) {
		const struct topo_core *c = &t->cores[b->cores[(size_t)r * (size_t)b->k + (size_t)i]];
		for (int j = 0; j < c->npus; j++)
			(*pus)[n++] = c->pus[j];
	}
	return n;
}

int
bind_list_ngroups(const char *list)
{
	int n = 1;
	for (; *list; list++)
		n += *list == ':';
	return n;
}

long
bind_list_group(const char *list, int g, int **out)
{
	const char *p = list;
	size_t n = 0, alloc = 0;

	*out = NULL;
	for (int i = 0; i < g; i++) {
		if ((p = strchr(p, ':')) == NULL)
			return -1;
		p++;
	}
	while (*p && *p != ':') {
		char *end;
		long lo = strtol(p, &end, 10), hi = lo;
		if (end == p || lo < 0 || lo > BIND_CPU_MAX)
			goto bad;
		if (*end == '-') {
			const char *q = end + 1;
			hi = strtol(q, &end, 10);
			if (end == q || hi < lo || hi > BIND_CPU_MAX)
				goto bad;
		}
		for (long c = lo; c <= hi; c++) {
			*out = xgrow(*out, &alloc, n + 1, sizeof **out);
			(*out)[n++] = (int)c;
		}
		if (*end == ',')
			end++;
		else if (*end != ':' && *end != '\0')
			goto bad;
		p = end;
	}
	if (n == 0)
		goto bad;
	return (long)n;
bad:
	free(*out);
	*out = NULL;
	return -1;
}
