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
#include "strvec.h"
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
unknown_global(const char *name)
{
	static const char *const globals[] = { "--version", "--help", "--color", NULL };
	const char *near = word_suggest(globals, name);
	if (near)
		die_usage("unknown option '%s'; did you mean '%s'? (see 'ezpz help')", name, near);
	die_usage("unknown option '%s' (see 'ezpz help')", name);
}

static void
unknown_command(const char *name)
{
	const char *names[64], *near;
	size_t n = 0;
	for (size_t i = 0; ezpz_cmds[i] && n + 1 < NITEMS(names); i++)
		if (!(ezpz_cmds[i]->flags & CMD_HIDDEN))
			names[n++] = ezpz_cmds[i]->name;
	names[n] = NULL;
	if ((near = word_suggest(names, name)) != NULL)
		die_usage("unknown command '%s'; did you mean '%s'? (see 'ezpz help')", name, near);
	die_usage("unknown command '%s' (see 'ezpz help')", name);
}

/* --color[=WHEN]: git's spelling; alone it means always. */
static void
take_colour(const char *w)
{
	const char *v = w[7] == '=' ? w + 8 : "always";
	if (streq(v, "auto"))
		ezpz_colour = COLOUR_AUTO;
	else if (streq(v, "always"))
		ezpz_colour = COLOUR_ALWAYS;
	else if (streq(v, "never"))
		ezpz_colour = COLOUR_NEVER;
	else
		die_usage("--color '%s': use auto, always or never", v);
}

int
main(int argc, char **argv)
{
	const struct ezpz_cmd *cmd;
	const char *name;
	int i = 1;

	/* ezpz's own options, before the command */
	for (; i < argc && argv[i][0] == '-'; i++) {
		name = argv[i];
		if (streq(name, "--version") || streq(name, "-V"))
			return finish(cmd_version.run(argc - i, argv + i));   /* operands refused */
		if (streq(name, "--help") || streq(name, "-h")) {
			ezpz_help(stdout);
			return finish(EXIT_OK);
		}
		if (strncmp(name, "--color", 7) == 0 && (name[7] == '\0' || name[7] == '='))
			take_colour(name);
		else
			unknown_global(name);
	}
	if (i >= argc) {
		ezpz_help(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = cmd_find(argv[i])) == NULL)
		unknown_command(argv[i]);
	return finish(cmd->run(argc - i, argv + i));
}
