/* SPDX-License-Identifier: MIT */
/*
 * wrapfloor: the least any launch wrapper can cost, for `make bench` (part
 * 2a).  `wrapfloor fork CMD...` forks, runs CMD and exits with its status,
 * as ezpz launch stays the launcher's parent; `wrapfloor exec CMD...` only
 * execs CMD, as a per-rank wrapper that sets variables must at least do.
 * Built static where the C library allows it, so that it loads nothing.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	pid_t pid;
	int st;

	if (argc < 3 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "exec") != 0)) {
		fprintf(stderr, "usage: wrapfloor fork|exec CMD [ARG...]\n");
		return 2;
	}
	if (argv[1][0] == 'e') {
		execv(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	if ((pid = fork()) < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execv(argv[2], argv + 2);
		perror(argv[2]);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
