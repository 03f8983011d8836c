/* SPDX-License-Identifier: MIT */
/*
 * placement.c: phase 1.  Every rank reports its host, rank, local rank (from
 * a shared-memory split), visible GPUs and CPU binding; rank 0 prints them
 * and checks them: every host has the same number of ranks (else a warning),
 * local ranks are 0..n-1 on each host (else a failure, as when two nodes
 * report the same name), and LOCAL_RANK, where the launcher or 'ezpz
 * rankenv' set it, equals the computed local rank (else a failure).
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../strvec.h"
#include "worker.h"

const char *const gpu_vars[] = {
	"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES", "ZE_AFFINITY_MASK",
	NULL
};

/* "0-3,8,10-11" into buf, cut with a trailing "+" when it does not fit. */
static void
cpu_list(const cpu_set_t *set, char *buf, size_t len, uint64_t *mask)
{
	size_t n = 0;
	int first = 1;

	buf[0] = '\0';
	for (int i = 0; i < CPU_SETSIZE; i++) {
		int j = i;
		char item[32];
		size_t k;

		if (!CPU_ISSET(i, set))
			continue;
		while (j + 1 < CPU_SETSIZE && CPU_ISSET(j + 1, set))
			j++;
		for (int b = i; b <= j && b < CPUMASK_WORDS * 64; b++)
			mask[b / 64] |= 1ull << (b % 64);
		k = (size_t)(j == i ? snprintf(item, sizeof item, "%s%d", first ? "" : ",", i) :
		    snprintf(item, sizeof item, "%s%d-%d", first ? "" : ",", i, j));
		if (n + k + 2 > len) {
			snprintf(buf + n, len - n, "+");
			return;
		}
		memcpy(buf + n, item, k + 1);
		n += k;
		first = 0;
		i = j;
	}
}

static void
fill_rec(const struct ctx *c, struct place_rec *p, double ready_s)
{
	const char *v, *why;
	cpu_set_t set;
	long lr;

	memset(p, 0, sizeof *p);
	p->rank = c->rank;
	p->local_rank = c->local_rank;
	p->local_size = c->local_size;
	p->ready_s = ready_s;
	snprintf(p->host, sizeof p->host, "%s", c->host);
	p->env_local_rank = -1;
	if ((v = env_nonempty(c->envp, "LOCAL_RANK")) != NULL)
		p->env_local_rank = parse_long(v, 0, 1 << 30, &lr, &why) == 0 ? (int32_t)lr : -2;
	p->gpu_var = -1;
	snprintf(p->gpu, sizeof p->gpu, "-");
	for (int i = 0; gpu_vars[i]; i++)
		if ((v = env_get(c->envp, gpu_vars[i])) != NULL) {
			p->gpu_var = i;
			snprintf(p->gpu, sizeof p->gpu, "%s", v);
			break;
		}
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		cpu_list(&set, p->cpus, sizeof p->cpus, p->cpumask);
	else
		snprintf(p->cpus, sizeof p->cpus, "?");
}

static struct place_rec *recs_sorted;   /* for qsort's comparator */

static int
cmp_host_local(const void *a, const void *b)
{
	const struct place_rec *x = &recs_sorted[*(const int *)a], *y = &recs_sorted[*(const int *)b];
	int d = strcmp(x->host, y->host);
	if (d)
		return d;
	if (x->local_rank != y->local_rank)
		return (x->local_rank > y->local_rank) - (x->local_rank < y->local_rank);
	return (x->rank > y->rank) - (x->rank < y->rank);
}

static int
masks_overlap(const struct place_rec *a, const struct place_rec *b, int *same)
{
	int any = 0;
	*same = 1;
	for (int w = 0; w < CPUMASK_WORDS; w++) {
		any |= (a->cpumask[w] & b->cpumask[w]) != 0;
		*same &= a->cpumask[w] == b->cpumask[w];
	}
	return any;
}

/* Shared GPUs and CPUs within one host: warnings only. */
static void
check_sharing(struct results *r, const struct place_rec *rec, const int *idx, int k)
{
	int all_same = 1, warned_cpu = 0, warned_gpu = 0;

	for (int a = 0; a < k; a++)
		for (int b = a + 1; b < k; b++) {
			const struct place_rec *x = &rec[idx[a]], *y = &rec[idx[b]];
			int same, overlap = masks_overlap(x, y, &same);
			all_same &= same;
			if (overlap && !same && !warned_cpu++)
				add_warning(r, "host %s: ranks %d and %d share CPUs (%s and %s)", x->host,
				    x->rank, y->rank, x->cpus, y->cpus);
			if (x->gpu_var >= 0 && x->gpu_var == y->gpu_var && streq(x->gpu, y->gpu) &&
			    !warned_gpu++)
				add_warning(r, "host %s: ranks %d and %d see the same GPU (%s=%s)", x->host,
				    x->rank, y->rank, gpu_vars[x->gpu_var], x->gpu);
		}
	if (k > 1 && all_same)
		add_warning(r, "host %s: all %d ranks may run on the same CPUs (%s): not bound, "
		    "or oversubscribed", rec[idx[0]].host, k, rec[idx[0]].cpus);
}

/*
 * One host's ranks, sorted by local rank: local ranks must be exactly
 * 0..k-1 and each rank's shared-memory size k.  Returns failures added.
 */
static int
check_host(struct results *r, const struct place_rec *rec, const int *idx, int k, char **why)
{
	for (int j = 0; j < k; j++) {
		const struct place_rec *p = &rec[idx[j]];
		if (p->local_rank != j || p->local_size != k) {
			if (*why == NULL)
				*why = xasprintf("host %s: %d ranks by name, but rank %d has local rank %d "
				    "of %d (two nodes with one name, or a broken shared-memory split?)",
				    p->host, k, p->rank, p->local_rank, p->local_size);
			return 1;
		}
	}
	check_sharing(r, rec, idx, k);
	return 0;
}

static void
print_table(const struct place_rec *rec, const int *idx, int n, int compact)
{
	int hw = 4;
	for (int i = 0; i < n; i++)
		hw = (int)strlen(rec[i].host) > hw ? (int)strlen(rec[i].host) : hw;
	if (!compact) {
		printf("%6s  %-*s  %7s  %-12s  %s\n", "rank", hw, "host", "local", "gpu", "cpus");
		for (int i = 0; i < n; i++)
			printf("%6d  %-*s  %3d/%-3d  %-12s  %s\n", rec[i].rank, hw, rec[i].host,
			    rec[i].local_rank, rec[i].local_size, rec[i].gpu, rec[i].cpus);
		return;
	}
	printf("%-*s  %6s  %-6s  %-24s  %s\n", hw, "host", "ranks", "first", "gpu (local rank 0)",
	    "cpus (local rank 0)");
	for (int i = 0; i < n;) {
		const struct place_rec *p = &rec[idx[i]];
		int j = i, lo = p->rank;
		while (j < n && streq(rec[idx[j]].host, p->host)) {
			lo = rec[idx[j]].rank < lo ? rec[idx[j]].rank : lo;
			j++;
		}
		printf("%-*s  %6d  %-6d  %-24s  %s\n", hw, p->host, j - i, lo, p->gpu, p->cpus);
		i = j;
	}
}

static void
check_all(const struct ctx *c, struct results *r)
{
	const struct place_rec *rec = r->place;
	int n = c->size, *idx = xcalloc((size_t)n, sizeof *idx), bad = 0;
	char *why = NULL;

	for (int i = 0; i < n; i++)
		idx[i] = i;
	recs_sorted = r->place;
	qsort(idx, (size_t)n, sizeof *idx, cmp_host_local);
	r->min_per_host = n;
	for (int i = 0; i < n;) {
		int j = i;
		while (j < n && streq(rec[idx[j]].host, rec[idx[i]].host))
			j++;
		r->nhosts++;
		r->min_per_host = j - i < r->min_per_host ? j - i : r->min_per_host;
		r->max_per_host = j - i > r->max_per_host ? j - i : r->max_per_host;
		bad += check_host(r, rec, idx + i, j - i, &why);
		i = j;
	}
	for (int i = 0; i < n; i++) {
		if (rec[i].env_local_rank == -1 || rec[i].env_local_rank == rec[i].local_rank)
			continue;
		if (bad++)
			continue;
		why = rec[i].env_local_rank == -2 ?
		    xasprintf("rank %d: LOCAL_RANK is not a number", rec[i].rank) :
		    xasprintf("rank %d: LOCAL_RANK=%d but its local rank is %d", rec[i].rank,
		        rec[i].env_local_rank, rec[i].local_rank);
	}
	if (r->min_per_host != r->max_per_host)
		add_warning(r, "uneven: hosts have %d to %d ranks", r->min_per_host, r->max_per_host);

	if (!c->opt->brief) {
		print_table(rec, idx, n, n > COMPACT_RANKS);
		for (size_t i = 0; i < r->nwarnings; i++)
			printf("warning: %s\n", r->warnings[i]);
	}
	if (bad)
		add_check(r, "placement", 0, "%s%s", why, bad > 1 ? " (and more)" : "");
	else
		add_check(r, "placement", 1, "%d ranks on %d host%s, %d to %d per host", n, r->nhosts,
		    r->nhosts == 1 ? "" : "s", r->min_per_host, r->max_per_host);
	free(why);
	free(idx);
}

void
placement_run(struct ctx *c, struct results *r, double ready_s)
{
	double t0 = MPI_Wtime();
	struct place_rec me;
	MPI_Request req;

	fill_rec(c, &me, ready_s);
	if (c->rank == 0)
		r->place = xcalloc((size_t)c->size, sizeof *r->place);
	MPI_Igather(&me, (int)sizeof me, MPI_BYTE, r->place, (int)sizeof me, MPI_BYTE, 0, c->ctl,
	    &req);
	guard_wait(c, &req, "gather", "placement");
	r->t_place = MPI_Wtime() - t0;
	if (c->rank != 0)
		return;
	for (int i = 0; i < c->size; i++)
		if (r->place[i].ready_s > r->mpi_ready_s)
			r->mpi_ready_s = r->place[i].ready_s;
	if (c->opt->brief) {
		check_all(c, r);
		return;
	}
	printf(WORKER ": %d rank%s, %s; MPI ready %.3f s after %s (slowest rank)\n", c->size,
	    c->size == 1 ? "" : "s", r->mpi_library, r->mpi_ready_s,
	    r->ready_from_launch ? "launch" : "process start");
	printf("\n-- placement (%.3f s)\n", r->t_place);
	check_all(c, r);
	fflush(stdout);
}
