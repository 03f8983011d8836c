/* SPDX-License-Identifier: MIT */
/*
 * shell_emit: the driver tests/fuzz/shell-roundtrip.sh runs (built with the
 * sanitizers by tests/fuzz/fuzz.mk).
 *
 *   shell_emit x|w|u SHELL FILE
 *
 * FILE holds values, each ended by a NUL byte.  x: shell_export of value i
 * as V<i>; u: shell_unset of V<i>; w: one command that prints every value,
 * each quoted by shell_quote as a plain word (the form of --dry-run's
 * launch line), NUL-terminated: printf '%s\0' WORD...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"
#include "util.h"

int
main(int argc, char **argv)
{
	enum shell sh;
	size_t len, i = 0;
	char *data, mode;

	if (argc != 4 || strlen(argv[1]) != 1 || !strchr("xwu", argv[1][0]))
		die_usage("usage: shell_emit x|w|u SHELL FILE");
	mode = argv[1][0];
	if (shell_parse(argv[2], &sh) < 0)
		die_usage("unknown shell '%s'", argv[2]);
	if ((data = read_file(argv[3], READ_MAX_HOSTFILE, &len, NULL)) == NULL)
		die_errno("%s", argv[3]);
	if (mode == 'w')
		fputs("printf '%s\\0'", stdout);
	for (char *v = data; v < data + len; v += strlen(v) + 1, i++) {
		char *name = xasprintf("V%zu", i), *out;
		out = mode == 'x' ? shell_export(sh, name, v) : mode == 'u' ? shell_unset(sh, name) :
		    shell_quote(sh, v);
		if (out == NULL)
			die("value %zu: nothing emitted", i);
		if (mode == 'w')
			putchar(' ');
		fputs(out, stdout);
		free(out);
		free(name);
	}
	if (mode == 'w')
		putchar('\n');
	free(data);
	if (fflush(stdout) || ferror(stdout))
		die_errno("stdout");
	return 0;
}
