/* SPDX-License-Identifier: MIT */
/*
 * allreduce: the plain MPI baseline for `ezpz test`'s figures, built with
 * mpicc by tests/bench/run.  Measured the way the worker measures
 * (src/worker/bench.c): float sum from one buffer into another, a warm-up,
 * then REPS blocking MPI_Allreduce each after a barrier; the time is the
 * median over repetitions, then the maximum over ranks; busbw = algbw x
 * 2(N-1)/N.  Rank 0 prints one JSON object:
 *
 *   {"ranks": N, "mpi_ready_s": S, "bytes": B, "reps": R, "time_s": T,
 *    "algbw_gbps": A, "busbw_gbps": U}
 *
 * mpi_ready_s: the slowest rank's end of MPI_Init, in seconds since
 * $BENCH_T0 (epoch seconds, taken just before the launcher started).
 *
 *   allreduce [BYTES [REPS]]     (default 64 MiB, 3 as the worker at that size)
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	long bytes = argc > 1 ? atol(argv[1]) : 64L << 20;
	int reps = argc > 2 ? atoi(argv[2]) : 3, rank, size;
	const char *t0s = getenv("BENCH_T0");
	double ready, slowest, med, tmax, algbw, *t;
	struct timeval tv;
	size_t n = (size_t)bytes / sizeof(float);
	float *send, *recv;

	MPI_Init(&argc, &argv);
	gettimeofday(&tv, NULL);
	ready = t0s ? (double)tv.tv_sec + tv.tv_usec / 1e6 - atof(t0s) : 0.0;
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	MPI_Reduce(&ready, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	send = malloc(n * sizeof *send);
	recv = malloc(n * sizeof *recv);
	t = malloc((size_t)reps * sizeof *t);
	if (send == NULL || recv == NULL || t == NULL || reps < 1)
		MPI_Abort(MPI_COMM_WORLD, 1);
	for (size_t i = 0; i < n; i++)
		send[i] = (float)((rank + i) % 7);
	MPI_Allreduce(send, recv, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	for (int r = 0; r < reps; r++) {
		double t0;
		MPI_Barrier(MPI_COMM_WORLD);
		t0 = MPI_Wtime();
		MPI_Allreduce(send, recv, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
		t[r] = MPI_Wtime() - t0;
	}
	qsort(t, (size_t)reps, sizeof *t, cmp);
	med = reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
	MPI_Reduce(&med, &tmax, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
	algbw = (double)bytes / tmax / 1e9;
	if (rank == 0)
		printf("{\"ranks\": %d, \"mpi_ready_s\": %.6f, \"bytes\": %ld, \"reps\": %d, "
		    "\"time_s\": %.6f, \"algbw_gbps\": %.6f, \"busbw_gbps\": %.6f}\n", size, slowest,
		    bytes, reps, tmax, algbw, algbw * 2.0 * (size - 1) / size);
	free(send);
	free(recv);
	free(t);
	MPI_Finalize();
	return 0;
}
