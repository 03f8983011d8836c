/* SPDX-License-Identifier: MIT */
/*
 * shquote: the round-trip test's driver for shell.c.
 *
 *   shquote [-u] SHELL FILE [NAME...]
 *
 * FILE holds values, each ended by a NUL byte.  Prints shell_export of value
 * i as NAME i, or as V<i> past the names given; with -u, shell_unset of the
 * same names instead.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"
#include "util.h"

int
main(int argc, char **argv)
{
	int unset = argc > 1 && streq(argv[1], "-u");
	enum shell sh;
	size_t len, i = 0;
	char *data, *name, *line;

	argv += unset;
	argc -= unset;
	if (argc < 3)
		die_usage("usage: shquote [-u] SHELL FILE [NAME...]");
	if (shell_parse(argv[1], &sh) < 0)
		die_usage("unknown shell '%s'", argv[1]);
	if ((data = read_file(argv[2], READ_MAX_HOSTFILE, &len, NULL)) == NULL)
		die_errno("%s", argv[2]);
	for (char *v = data; v < data + len; v += strlen(v) + 1, i++) {
		name = 3 + i < (size_t)argc ? xstrdup(argv[3 + i]) : xasprintf("V%zu", i);
		line = unset ? shell_unset(sh, name) : shell_export(sh, name, v);
		if (line == NULL)
			die("invalid variable name '%s'", name);
		fputs(line, stdout);
		free(line);
		free(name);
	}
	free(data);
	if (fflush(stdout) || ferror(stdout))
		die_errno("stdout");
	return 0;
}
