/* SPDX-License-Identifier: MIT */
/*
 * ezpz.c: main.  Finds the command in the table, runs it, and makes sure
 * everything it printed really reached stdout before reporting success:
 * a truncated eval "$(ezpz setup-env)" must fail loudly.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ezpz.h"
#include "util.h"

static int
finish(int status)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	if (fclose(stdout) != 0)
		failed = 1;
	if (failed && status == EXIT_OK) {
		error_errno("write error on standard output");
		return EXIT_FAIL;
	}
	return status;
}

static void
unknown_command(const char *name)
{
	const char *names[64], *near;
	size_t n = 0;
	if (name[0] == '-')
		die_usage("unknown option '%s' (see 'ezpz help')", name);
	for (size_t i = 0; ezpz_cmds[i] && n + 1 < NITEMS(names); i++)
		if (!(ezpz_cmds[i]->flags & CMD_HIDDEN))
			names[n++] = ezpz_cmds[i]->name;
	names[n] = NULL;
	if ((near = word_suggest(names, name)) != NULL)
		die_usage("unknown command '%s'; did you mean '%s'? (see 'ezpz help')", name, near);
	die_usage("unknown command '%s' (see 'ezpz help')", name);
}

int
main(int argc, char **argv)
{
	const struct ezpz_cmd *cmd;
	const char *name;

	if (argc < 2) {
		ezpz_help(stderr);
		return EXIT_USAGE;
	}
	name = argv[1];
	if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
		printf("ezpz %s\n", VERSION);
		return finish(EXIT_OK);
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
		ezpz_help(stdout);
		return finish(EXIT_OK);
	}
	if ((cmd = cmd_find(name)) == NULL)
		unknown_command(name);
	return finish(cmd->run(argc - 1, argv + 1));
}
