/* SPDX-License-Identifier: MIT */
/*
 * bench.c: phase 4, allreduce (float sum), broadcast and allgather from 4
 * bytes to --max-bytes in powers of 4.  Each size: a warm-up, then a number
 * of timed repetitions that falls with the size, each after a barrier; the
 * time is the median over repetitions, then the maximum over ranks.
 * Bandwidths as nccl-tests define them: algbw = bytes / time; busbw =
 * algbw * 2(n-1)/n for allreduce, * (n-1)/n for allgather (bytes = the
 * gathered total), * 1 for broadcast (0 for one rank).  The results of the last repetition
 * are checked element by element on every rank (check "collectives").
 *
 * The timed calls are the blocking ones (MPI_Allreduce, ...), each under
 * the timer guard, not the non-blocking ones under guard_wait as everywhere
 * else.  Open MPI runs MPI_Iallreduce and friends through another component
 * (libnbc) with other algorithms: with a core per rank they took twice as
 * long at 4 bytes and 1.4 to 2.2 times as long from 256 KiB to 1 MiB; at
 * 64 MiB they were even, within run-to-run noise.  Blocking calls are what
 * applications use and what other benchmarks report; --nonblocking times
 * the other path.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"

/* Repetitions per size: about REP_BYTES / bytes, within [MIN, MAX]: 100
 * up to 256 KiB, 3 from 16 MiB, so that the default run (64 MiB) of 4
 * ranks on 2 cores stays under ~10 s. */
#define REP_BYTES (32l << 20)
#define MIN_REPS 3
#define MAX_REPS 100
#define AR_MOD 7                /* allreduce pattern: (rank + i) % 7, sums exact */
#define AG_MOD 1021             /* allgather and broadcast pattern: i % 1021 */

enum coll { ALLREDUCE, BROADCAST, ALLGATHER, NCOLL };
static const char *const coll_names[NCOLL] = { "allreduce", "broadcast", "allgather" };

struct bufs {
	float *send, *recv;
	size_t count;   /* floats: allreduce and broadcast; per rank: allgather */
	size_t bytes;   /* as nccl-tests count them */
};

static long
reps_for(size_t bytes)
{
	long r = (long)(REP_BYTES / (long)bytes);
	return r < MIN_REPS ? MIN_REPS : r > MAX_REPS ? MAX_REPS : r;
}

static void
fill(const struct ctx *c, enum coll k, struct bufs *b)
{
	switch (k) {
	case ALLREDUCE:
		for (size_t i = 0; i < b->count; i++)
			b->send[i] = (float)(((size_t)c->rank + i) % AR_MOD);
		break;
	case BROADCAST:
		if (c->rank == 0)
			for (size_t i = 0; i < b->count; i++)
				b->recv[i] = (float)(i % AG_MOD);
		break;
	case ALLGATHER:
		for (size_t i = 0; i < b->count; i++)
			b->send[i] = (float)(((size_t)c->rank * b->count + i) % AG_MOD);
		break;
	default:
		break;
	}
}

/* Poison what the collective must overwrite, so a silent no-op shows. */
static void
poison(const struct ctx *c, enum coll k, struct bufs *b)
{
	size_t n = k == ALLGATHER ? b->count * (size_t)c->size : b->count;
	if (k != BROADCAST || c->rank != 0)
		memset(b->recv, 0xff, n * sizeof *b->recv);   /* NaN */
}

static int
verify(const struct ctx *c, enum coll k, const struct bufs *b)
{
	size_t n = k == ALLGATHER ? b->count * (size_t)c->size : b->count;
	float want[AR_MOD];

	if (k == ALLREDUCE) {
		for (int j = 0; j < AR_MOD; j++) {
			double s = 0;
			for (int r = 0; r < c->size; r++)
				s += (double)((r + j) % AR_MOD);
			want[j] = (float)s;
		}
		for (size_t i = 0; i < n; i++)
			if (b->recv[i] != want[i % AR_MOD])
				return 0;
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		if (b->recv[i] != (float)(i % AG_MOD))
			return 0;
	return 1;
}

static void
start(const struct ctx *c, enum coll k, struct bufs *b, MPI_Request *req)
{
	int n = (int)b->count;
	switch (k) {
	case ALLREDUCE:
		MPI_Iallreduce(b->send, b->recv, n, MPI_FLOAT, MPI_SUM, c->bench, req);
		break;
	case BROADCAST:
		MPI_Ibcast(b->recv, n, MPI_FLOAT, 0, c->bench, req);
		break;
	default:
		MPI_Iallgather(b->send, n, MPI_FLOAT, b->recv, n, MPI_FLOAT, c->bench, req);
		break;
	}
}

static void
run_blocking(const struct ctx *c, enum coll k, struct bufs *b)
{
	int n = (int)b->count;
	switch (k) {
	case ALLREDUCE:
		MPI_Allreduce(b->send, b->recv, n, MPI_FLOAT, MPI_SUM, c->bench);
		break;
	case BROADCAST:
		MPI_Bcast(b->recv, n, MPI_FLOAT, 0, c->bench);
		break;
	default:
		MPI_Allgather(b->send, n, MPI_FLOAT, b->recv, n, MPI_FLOAT, c->bench);
		break;
	}
}

/* One timed repetition: seconds from start to completion on this rank. */
static double
once(const struct ctx *c, enum coll k, struct bufs *b)
{
	MPI_Request req;
	char what[80];
	double t0, t1;

	if (c->opt->nonblocking) {
		t0 = MPI_Wtime();
		start(c, k, b, &req);
		guard_wait(c, &req, coll_names[k], "bandwidth, %zu bytes", b->bytes);
		return MPI_Wtime() - t0;
	}
	snprintf(what, sizeof what, "collective %s (bandwidth, %zu bytes)", coll_names[k], b->bytes);
	guard_arm(c->who, c->opt->timeout, what);   /* outside the timing */
	t0 = MPI_Wtime();
	run_blocking(c, k, b);
	t1 = MPI_Wtime();
	guard_disarm();
	return t1 - t0;
}

static void
barrier(const struct ctx *c)
{
	MPI_Request req;
	MPI_Ibarrier(c->bench, &req);
	guard_wait(c, &req, "barrier", "bandwidth");
}

/* Time one collective at one size; rank 0 gets the row. */
static void
measure(const struct ctx *c, enum coll k, struct bufs *b, int last, struct coll_row *row)
{
	long reps = reps_for(b->bytes), warm = b->bytes < (1u << 20) ? 2 : 1;
	double *t, v[2], vmax[2];
	MPI_Request req;
	int n = c->size;

	if (last && reps < STABLE_REPS)
		reps = STABLE_REPS;
	t = xcalloc((size_t)reps, sizeof *t);

	fill(c, k, b);
	for (long i = 0; i < warm; i++)
		once(c, k, b);
	for (long i = 0; i < reps; i++) {
		if (i == reps - 1)
			poison(c, k, b);
		barrier(c);
		t[i] = once(c, k, b);
	}
	if (c->opt->inject == INJECT_BAD_RESULT && c->opt->inject_rank == c->rank)
		b->recv[0] += 1;
	v[0] = median(t, (size_t)reps);
	v[1] = verify(c, k, b) ? 0 : c->rank + 1;
	MPI_Ireduce(v, vmax, 2, MPI_DOUBLE, MPI_MAX, 0, c->bench, &req);
	guard_wait(c, &req, "reduce", "bandwidth results, %zu bytes", b->bytes);
	free(t);
	if (c->rank != 0)
		return;
	row->name = coll_names[k];
	row->bytes = b->bytes;
	row->reps = reps;
	row->time_s = vmax[0];
	row->bad_rank = (int)vmax[1] - 1;
	row->ok = row->bad_rank < 0;
	row->algbw = vmax[0] > 0 ? (double)b->bytes / vmax[0] / 1e9 : 0;
	/* a rank alone moves no data in any of them (its broadcast's 32 ns
	 * "bandwidth" would read as 128 GB/s) */
	row->busbw = row->algbw * (k == ALLREDUCE ? 2.0 * (n - 1) / n :
	    k == ALLGATHER ? (double)(n - 1) / n : n > 1 ? 1.0 : 0.0);
	if (c->opt->brief)
		return;
	printf("%-10s %12zu %5ld %12.2f %10.3f %10.3f", row->name, row->bytes, row->reps,
	    row->time_s * 1e6, row->algbw, row->busbw);
	if (!row->ok)
		printf("  WRONG RESULT on rank %d", row->bad_rank);
	printf("\n");
	fflush(stdout);
}

/* 4, 16, 64, ... up to max, and max itself when it is not a power of 4. */
static size_t
sizes_for(size_t max, size_t *out, size_t cap)
{
	size_t n = 0, s;
	for (s = 4; s <= max && n < cap; s *= 4)
		out[n++] = s;
	if (n < cap && out[n - 1] != max)
		out[n++] = max;
	return n;
}

static void
print_header(const struct ctx *c)
{
	printf("\n-- collectives: %d rank%s, %s calls; time = median over repetitions, "
	    "max over ranks; GB/s as nccl-tests\n", c->size, c->size == 1 ? "" : "s",
	    c->opt->nonblocking ? "non-blocking" : "blocking");
	printf("%-10s %12s %5s %12s %10s %10s\n", "collective", "bytes", "reps", "time_us",
	    "algbw", "busbw");
}

void
bench_run(struct ctx *c, struct results *r)
{
	size_t max = (size_t)c->opt->max_bytes & ~(size_t)3, sizes[32], ns, bad = 0;
	const struct coll_row *first_bad = NULL;
	struct bufs b;
	double t0 = MPI_Wtime();

	if (c->opt->inject == INJECT_STALL && c->opt->inject_rank == c->rank) {
		wmsg("%s: injected stall of %ld s before the bandwidth phase", c->who,
		    c->opt->timeout + 30);
		sleep((unsigned)c->opt->timeout + 30);
		_exit(EXIT_FAIL);
	}
	ns = sizes_for(max, sizes, NITEMS(sizes));
	b.send = xmalloc(max);
	b.recv = xmalloc(max);
	if (c->rank == 0) {
		r->coll = xcalloc(NCOLL * ns, sizeof *r->coll);
		if (!c->opt->brief)
			print_header(c);
	}
	for (int k = 0; k < NCOLL; k++)
		for (size_t i = 0; i < ns; i++) {
			size_t floats = sizes[i] / sizeof(float);
			struct coll_row *row;
			b.count = floats;
			b.bytes = sizes[i];
			if (k == ALLGATHER) {   /* a share per rank; the total is what counts */
				b.count = floats / (size_t)c->size;
				b.bytes = b.count * sizeof(float) * (size_t)c->size;
				if (b.count == 0)
					continue;
			}
			row = c->rank == 0 ? &r->coll[r->ncoll++] : NULL;
			heartbeat(c, "collectives: %s of %zu bytes", coll_names[k], b.bytes);
			measure(c, (enum coll)k, &b, i == ns - 1, row);
			if (row && !row->ok && bad++ == 0)
				first_bad = row;
		}
	r->t_bench = MPI_Wtime() - t0;
	free(b.send);
	free(b.recv);
	if (c->rank != 0)
		return;
	if (bad)
		add_check(r, "collectives", 0, "%zu of %zu results wrong, first %s of %zu bytes on "
		    "rank %d", bad, r->ncoll, first_bad->name, first_bad->bytes, first_bad->bad_rank);
	else
		add_check(r, "collectives", 1, "%zu measurements, results verified", r->ncoll);
	if (!c->opt->brief)
		printf("phase %.3f s\n", r->t_bench);
	fflush(stdout);
}
