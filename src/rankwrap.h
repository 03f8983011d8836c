/* SPDX-License-Identifier: MIT */
/*
 * rankwrap.h: `ezpz rankenv --label/--log-dir/--report`: run the rank's
 * command as a child instead of exec'ing it, so that its output can be
 * labelled with the rank (like srun -l) and kept in a file of the rank's
 * own, and its end said in one line the launcher's output carries back
 * ("ezpz rankenv: rank 3 on n2: exited with status 1"), which failover.c
 * reads.
 */
#ifndef EZPZ_RANKWRAP_H
#define EZPZ_RANKWRAP_H

struct rankwrap {
	long rank;
	const char *host;
	int label;            /* prefix each line with "RANK: " */
	int report;           /* say how a failed rank ended, on stderr */
	const char *log_dir;  /* DIR/rank-RANK.log, or NULL */
	int contain;          /* a subreaper: when the command ends, end what it left */
	int step_task;        /* a task of a normal Slurm job step (srunmpi.h: slurm_in_step) */
};

/* Did a rank say, in out (the launcher's output), that its --log-dir log
 * could not be written whole ("ezpz rankenv: rank 3 on n2: its log
 * 'D/rank-3.log' is incomplete")?  Ranks say so as they end, so the line
 * is in the output's tail. */
int rankwrap_said_log_incomplete(const char *out);

/* Say why exec'ing cmd failed with errno e (not found on PATH, a
 * directory, ...); returns the status for it, 127 or 126. */
int rankwrap_exec_failed(const char *cmd, int e);

/* Run argv; returns only with what the rank should exit with (after a
 * signal death, it dies of the same signal itself). */
int rankwrap_run(const struct rankwrap *w, char **argv);

#endif
