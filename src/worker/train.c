/* SPDX-License-Identifier: MIT */
/*
 * train.c: phase 2, data-parallel training as the talk draws it.  Rank 0's
 * initial parameters are broadcast (as DDP does); every step each rank
 * draws its own batch (seeded by rank and step), runs forward and backward,
 * and one MPI_Allreduce sums the flat gradient buffer, with the loss in one
 * extra slot; each rank divides by the size and takes the same Adam step.
 * Rank 0 prints iter= lines and checks that the loss fell and that no two
 * ranks drew the same data.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "worker.h"

struct batch_id {
	uint64_t hash;
	int rank;
};

static int
cmp_batch(const void *a, const void *b)
{
	const struct batch_id *x = a, *y = b;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->rank > y->rank) - (x->rank < y->rank);
}

/* Did every rank draw different data?  Rank 0 sorts the batch hashes. */
static void
check_data(const struct ctx *c, struct results *r, uint64_t mine)
{
	uint64_t *all = c->rank == 0 ? xcalloc((size_t)c->size, sizeof *all) : NULL;
	struct batch_id *ids;
	MPI_Request req;
	int dup = 0;

	MPI_Igather(&mine, 1, MPI_UINT64_T, all, 1, MPI_UINT64_T, 0, c->train, &req);
	guard_wait(c, &req, "gather", "training data check");
	if (c->rank != 0)
		return;
	ids = xcalloc((size_t)c->size, sizeof *ids);
	for (int i = 0; i < c->size; i++)
		ids[i] = (struct batch_id){ all[i], i };
	qsort(ids, (size_t)c->size, sizeof *ids, cmp_batch);
	for (int i = 1; i < c->size && !dup; i++)
		dup = ids[i].hash == ids[i - 1].hash ? i : 0;
	if (dup)
		add_check(r, "data", 0, "ranks %d and %d drew the same batch", ids[dup - 1].rank,
		    ids[dup].rank);
	else
		add_check(r, "data", 1, "%d ranks drew %d different batches", c->size, c->size);
	free(ids);
	free(all);
}

static void
inject(const struct ctx *c, long step)
{
	const struct options *o = c->opt;
	if (o->inject_rank != c->rank || step != o->iters / 2)
		return;
	if (o->inject == INJECT_CRASH) {
		struct rlimit none = { 0, 0 };
		wmsg("%s: injected crash (SIGSEGV) at training step %ld", c->who, step);
		setrlimit(RLIMIT_CORE, &none);   /* no core file in the user's directory */
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	}
	if (o->inject == INJECT_EXIT) {
		wmsg("%s: injected exit(0) without MPI_Finalize at training step %ld", c->who, step);
		_exit(0);
	}
}

/* Sum gradients and loss over ranks, then average. */
static void
allreduce_grads(const struct ctx *c, float *g, size_t n, long step)
{
	const struct options *o = c->opt;
	MPI_Request req;
	float inv = 1.0f / (float)c->size;

	if (o->inject == INJECT_SKIP && o->inject_rank == c->rank && step == o->iters - 1) {
		wmsg("%s: injected skip of the allreduce of training step %ld", c->who, step);
		return;
	}
	MPI_Iallreduce(MPI_IN_PLACE, g, (int)n, MPI_FLOAT, MPI_SUM, c->train, &req);
	guard_wait(c, &req, "allreduce", "training step %ld", step);
	for (size_t i = 0; i < n; i++)
		g[i] *= inv;
}

static void
log_step(struct results *r, int brief, long iter, double loss, const double *t)
{
	struct step_log *l;
	r->log = xreallocarray(r->log, r->nlog + 1, sizeof *r->log);
	l = &r->log[r->nlog++];
	*l = (struct step_log){ iter, loss, t[0], t[1], t[2], t[3] };
	if (brief)
		return;
	printf("iter=%ld loss=%.6f dt=%.6f dtf=%.6f dtb=%.6f dtc=%.6f\n", iter, loss, t[0], t[1],
	    t[2], t[3]);
	fflush(stdout);
}

static double
mean(const double *v, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += v[i];
	return n ? s / (double)n : 0;
}

/* Rank 0: the medians and the loss check. */
static void
train_stats(struct results *r, const struct options *o, double *loss, double (*t)[4])
{
	size_t n = (size_t)o->iters, k = n / 10 ? n / 10 : 1, nt = n - (size_t)o->warmup;
	double *col = xcalloc(nt, sizeof *col);
	double *med[4] = { &r->step_med, &r->dtf_med, &r->dtb_med, &r->dtc_med };

	for (int j = 0; j < 4; j++) {
		for (size_t i = 0; i < nt; i++)
			col[i] = t[(size_t)o->warmup + i][j];
		*med[j] = median(col, nt);
	}
	free(col);
	r->loss_first = loss[0];
	r->loss_last = loss[n - 1];
	r->loss_head = mean(loss, k);
	r->loss_tail = mean(loss + n - k, k);
	/* Below the start too: a loss that blew up and came part way down
	 * has a tail below its head. */
	if (isfinite(r->loss_tail) && r->loss_tail < r->loss_head && r->loss_tail < loss[0])
		add_check(r, "loss", 1, "mean of the last %zu steps %.6f < first %zu %.6f", k,
		    r->loss_tail, k, r->loss_head);
	else
		add_check(r, "loss", 0, "did not fall: mean of the last %zu steps %g, first %zu %g, "
		    "step 0 %g", k, r->loss_tail, k, r->loss_head, loss[0]);
}

/* Everything one step needs, on every rank. */
struct trainer {
	struct ctx *c;
	struct results *r;
	struct mlp *m;
	struct adam adam;
	float *x, *g;   /* this rank's batch; gradients and, in g[n], the loss */
};

/* One step; t gets dt, dtf, dtb, dtc and the return is the mean loss. */
static double
train_step(struct trainer *tr, long step, double *t)
{
	const struct options *o = tr->c->opt;
	size_t b = (size_t)o->batch, width = o->sizes[0], n = tr->m->nparams;
	double s0 = MPI_Wtime(), s1, s2, s3, s4;

	int seed_rank = tr->c->rank;

	if (o->inject == INJECT_SAME_DATA && o->inject_rank == seed_rank)
		seed_rank = (seed_rank + 1) % tr->c->size;   /* the next rank's batches */
	inject(tr->c, step);
	mlp_batch(tr->x, b, width, o->seed, (uint64_t)seed_rank, (uint64_t)step);
	if (step == 0) {   /* once, and not timed */
		check_data(tr->c, tr->r, hash64(tr->x, b * width * sizeof *tr->x, HASH64_INIT));
		s0 = MPI_Wtime();
	}
	tr->g[n] = mlp_forward(tr->m, tr->x, b);
	s1 = MPI_Wtime();
	mlp_backward(tr->m, tr->x, b, tr->g);
	s2 = MPI_Wtime();
	allreduce_grads(tr->c, tr->g, n + 1, step);
	s3 = MPI_Wtime();
	mlp_adam_step(tr->m, &tr->adam, tr->g);
	s4 = MPI_Wtime();
	t[0] = s4 - s0;
	t[1] = s1 - s0;
	t[2] = (s2 - s1) + (s4 - s3);   /* backward and optimiser, as the talk's dtb */
	t[3] = s3 - s2;
	return tr->g[n];
}

static void
print_intro(const struct ctx *c, size_t nparams)
{
	const struct options *o = c->opt;
	printf("\n-- training: %zu parameters (", nparams);
	for (size_t i = 0; i < o->nsizes; i++)
		printf("%s%zu", i ? "-" : "", o->sizes[i]);
	printf("), batch %ld per rank (%ld in all), %ld steps (%ld warmup), Adam lr %g\n",
	    o->batch, o->batch * c->size, o->iters, o->warmup, o->lr);
	fflush(stdout);
}

void
train_run(struct ctx *c, struct results *r, struct mlp *m)
{
	const struct options *o = c->opt;
	struct trainer tr = { c, r, m, ADAM_DEFAULTS, NULL, NULL };
	double t0 = MPI_Wtime(), *loss = NULL, (*times)[4] = NULL;

	tr.adam.lr = (float)o->lr;
	mlp_init(m, o->sizes, o->nsizes, (size_t)o->batch, o->seed);
	r->nparams = m->nparams;
	tr.x = xcalloc((size_t)o->batch * o->sizes[0], sizeof *tr.x);
	tr.g = xcalloc(m->nparams + 1, sizeof *tr.g);
	if (c->rank == 0) {
		loss = xcalloc((size_t)o->iters, sizeof *loss);
		times = xcalloc((size_t)o->iters, sizeof *times);
		if (!o->brief)
			print_intro(c, m->nparams);
	}
	guard_bcast(c, m->params, (int)m->nparams, MPI_FLOAT, c->train,
	    "training initial parameters");
	for (long step = 0; step < o->iters; step++) {
		double t[4], l = train_step(&tr, step, t);
		if (c->rank != 0)
			continue;
		heartbeat(c, "training: step %ld of %ld", step + 1, o->iters);
		if (step == 0)
			r->first_step_s = wall_now();
		memcpy(times[step], t, sizeof t);
		loss[step] = l;
		if (step % o->log_freq == 0 || step == o->iters - 1)
			log_step(r, o->brief, step, l, t);
	}
	r->t_train = MPI_Wtime() - t0;
	if (c->rank == 0) {
		train_stats(r, o, loss, times);
		r->loss = loss;
		loss = NULL;
	}
	if (c->rank == 0 && !o->brief) {
		printf("step %.6f s median of %ld (forward %.6f, backward+optimiser %.6f, "
		    "allreduce %.6f); loss %.6f -> %.6f; phase %.3f s\n", r->step_med,
		    o->iters - o->warmup, r->dtf_med, r->dtb_med, r->dtc_med, r->loss_first,
		    r->loss_last, r->t_train);
		fflush(stdout);
	}
	free(loss);
	free(times);
	free(tr.x);
	free(tr.g);
}
