/* SPDX-License-Identifier: MIT */
/*
 * benchrun: the timing core of tests/bench/run.  Starts a command N times,
 * one after the other, and prints a line per run:
 *
 *   <wall seconds> <peak RSS of the child, KiB> <exit status>
 *
 *   benchrun [-n N] [-o] -- PATH [ARGS...]
 *
 * The clock runs from just before the child is spawned to just after it is
 * reaped (wait4, which also gives the child's ru_maxrss).  posix_spawn (a
 * vfork on Linux) keeps benchrun's own pages out of the child's peak RSS.
 * stdin and, unless -o, stdout and stderr are /dev/null.  The environment
 * is benchrun's own.  128+N is printed for a child killed by signal N.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	int n = 10, keep = 0, o;

	while ((o = getopt(argc, argv, "+n:o")) != -1) {
		switch (o) {
		case 'n': n = atoi(optarg); break;
		case 'o': keep = 1; break;
		default:
			fprintf(stderr, "usage: benchrun [-n N] [-o] -- PATH [ARGS...]\n");
			return 2;
		}
	}
	if (optind >= argc || n < 1) {
		fprintf(stderr, "usage: benchrun [-n N] [-o] -- PATH [ARGS...]\n");
		return 2;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!keep) {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	}
	for (int i = 0; i < n; i++) {
		struct rusage ru;
		pid_t pid;
		int st, rc;
		double t0 = now(), t1;
		if ((rc = posix_spawn(&pid, argv[optind], &fa, NULL, argv + optind, environ)) != 0) {
			fprintf(stderr, "benchrun: %s: %s\n", argv[optind], strerror(rc));
			return 127;
		}
		if (wait4(pid, &st, 0, &ru) < 0) {
			perror("benchrun: wait4");
			return 1;
		}
		t1 = now();
		printf("%.9f %ld %d\n", t1 - t0, ru.ru_maxrss,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		fflush(stdout);
	}
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}
