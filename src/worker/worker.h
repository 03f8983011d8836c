/* SPDX-License-Identifier: MIT */
/*
 * worker.h: what the phases of ezpz-test-worker share: the options, the
 * per-run context (rank, communicators), the hang guard, and the results
 * every phase fills in and report.c prints and writes as JSON.
 */
#ifndef EZPZ_WORKER_H
#define EZPZ_WORKER_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "../mlp.h"
#include "../util.h"

#define WORKER "ezpz-test-worker"

#define HOST_MAX 128          /* host names are cut to this (with a NUL) */
#define GPU_MAX 64
#define CPUS_MAX 96           /* "0-3,8,..." cut with a trailing "+" */
#define CPUMASK_WORDS 16      /* first 1024 CPUs, for the overlap check */
#define COMPACT_RANKS 64      /* above this, the placement table is per host */
#define MAX_BYTES_LIMIT (1l << 30)
#define MAX_PARAMS 100000000l   /* its checkpoint must fit one MPI message */
#define CHECKS_MAX 8

enum inject_kind {
	INJECT_NONE, INJECT_DIVERGE, INJECT_SKIP, INJECT_CRASH, INJECT_EXIT, INJECT_SAME_DATA,
	INJECT_BAD_RESULT, INJECT_STALL
};

struct options {
	size_t sizes[MLP_MAX_LAYERS];
	size_t nsizes;
	long batch, iters, warmup, log_freq;
	double lr;
	long max_bytes;
	long timeout;             /* seconds, for every collective */
	double heartbeat;         /* rank 0: a line at least this often (s); 0: no */
	const char *ckpt_dir;     /* NULL: $TMPDIR or /tmp */
	int keep_ckpt;
	int nonblocking;          /* bandwidth phase: non-blocking calls */
	const char *json;
	const char *plot;         /* --plot FILE.svg */
	int brief;                /* --short: verdict, summary, charts, warnings */
	int charts;               /* enum chart_style */
	uint64_t seed;
	enum inject_kind inject;
	long inject_rank;
};

struct ctx {
	const struct options *opt;
	char **envp;
	int rank, size;
	int local_rank, local_size;
	char host[HOST_MAX];
	char who[HOST_MAX + 32];  /* "rank 3 (host n2)", for messages */
	/* One communicator per phase, so that a collective one rank skips in
	 * one phase can never be matched by a different one of the next. */
	MPI_Comm train, ckpt, bench, ctl;
};

/* One rank's placement, gathered to rank 0 as bytes. */
struct place_rec {
	int32_t rank, local_rank, local_size;
	int32_t env_local_rank;   /* LOCAL_RANK, or -1 unset, -2 not a number */
	int32_t gpu_var;          /* index into gpu_vars[], or -1 */
	int32_t pad;
	double ready_s;           /* MPI_Init return minus launch or process start */
	uint64_t cpumask[CPUMASK_WORDS];
	char host[HOST_MAX], gpu[GPU_MAX], cpus[CPUS_MAX];
};

extern const char *const gpu_vars[];

struct step_log {
	long iter;
	double loss, dt, dtf, dtb, dtc;
};

struct coll_row {
	const char *name;         /* allreduce, broadcast, allgather */
	size_t bytes;
	long reps;
	double time_s;            /* median over reps, max over ranks */
	double algbw, busbw;      /* GB/s, as nccl-tests */
	int bad_rank;             /* highest rank with a wrong result, or -1 */
	int ok;
};

struct check {
	const char *name;
	int ok;
	char *message;            /* why it failed, or what was found */
};

struct results {
	char mpi_library[160];
	int nhosts, min_per_host, max_per_host;
	double mpi_ready_s;       /* max over ranks */
	int ready_from_launch;    /* EZPZ_LAUNCH_TIME was set, else process start */
	double first_step_s;
	double t_place, t_train, t_ckpt, t_bench, t_total;

	/* placement (rank 0) */
	struct place_rec *place;  /* size entries, by rank */
	char **warnings;
	size_t nwarnings;

	/* training (rank 0) */
	size_t nparams;
	struct step_log *log;     /* the logged steps */
	double *loss;             /* every step's, iters of them */
	size_t nlog;
	double loss_first, loss_last;
	double loss_head, loss_tail;   /* means of the first and last 10% */
	double step_med, dtf_med, dtb_med, dtc_med;

	/* checkpoint */
	char *ckpt_path;
	size_t ckpt_bytes;
	int ckpt_kept;
	double t_write, t_read, t_bcast;
	uint64_t ckpt_hash;
	int *ckpt_bad;            /* ranks whose state differs (rank 0) */
	size_t nckpt_bad;

	/* collectives (rank 0) */
	struct coll_row *coll;
	size_t ncoll;

	struct check checks[CHECKS_MAX];
	size_t nchecks;
	int pass;
};

/* main.c */
void wmsg(const char *fmt, ...) PRINTF(1, 2);
void heartbeat(const struct ctx *c, const char *fmt, ...) PRINTF(2, 3);
void add_check(struct results *r, const char *name, int ok, const char *fmt, ...) PRINTF(4, 5);
void add_warning(struct results *r, const char *fmt, ...) PRINTF(2, 3);
double wall_now(void);
/* Median of n doubles (sorts v); 0 for n == 0. */
double median(double *v, size_t n);

/*
 * guard.c: the hang guard.  guard_wait completes a non-blocking
 * collective, polling (and yielding the CPU) until opt->timeout; then it
 * names the rank, host, collective and what it was for, and aborts the job
 * with EXIT_TIMEOUT.  The label is formatted only then.
 */
void guard_wait(const struct ctx *c, MPI_Request *req, const char *coll, const char *fmt, ...)
    PRINTF(4, 5);
void guard_bcast(const struct ctx *c, void *buf, int count, MPI_Datatype type, MPI_Comm comm,
    const char *what);
/*
 * For blocking calls: a timer whose signal prints "WHO: WHAT did not
 * complete in S s; aborting" and _exit(124)s; the launcher then ends the
 * other ranks (or their own guards do).
 */
void guard_arm(const char *who, long seconds, const char *what);
void guard_disarm(void);

/* The phases; every rank runs each. */
void placement_run(struct ctx *c, struct results *r, double ready_s);
void train_run(struct ctx *c, struct results *r, struct mlp *m);
void ckpt_run(struct ctx *c, struct results *r, struct mlp *m);
void bench_run(struct ctx *c, struct results *r);

/* report.c (rank 0): the closing summary, and everything as JSON. */
/* The largest size gets at least this many repetitions, so that the
 * summary's "at the largest size" figure is a median of enough to be stable
 * between runs (3 repetitions of 64 MiB ranged from 0.5 to 1.9 GB/s). */
#define STABLE_REPS 10

void report_summary(const struct ctx *c, const struct results *r);
int report_svg(const struct ctx *c, const struct results *r, const char *path);
int report_json(const struct ctx *c, const struct results *r, const char *path);

#endif
