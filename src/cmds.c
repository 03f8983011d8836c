/* SPDX-License-Identifier: MIT */
/*
 * cmds.c: the one table of subcommands, and the help printed from it.
 */
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "ezpz.h"
#include "path.h"
#include "util.h"

extern const struct ezpz_cmd cmd_doctor;
extern const struct ezpz_cmd cmd_help;
extern const struct ezpz_cmd cmd_hostlist;
extern const struct ezpz_cmd cmd_info;
extern const struct ezpz_cmd cmd_kill;
extern const struct ezpz_cmd cmd_setup_env;
extern const struct ezpz_cmd cmd_launch;
extern const struct ezpz_cmd cmd_test;
extern const struct ezpz_cmd cmd_rankenv;
extern const struct ezpz_cmd cmd_submit;
extern const struct ezpz_cmd cmd_complete;
extern const struct ezpz_cmd cmd_yeet;
extern char **environ;

const struct ezpz_cmd *const ezpz_cmds[] = {
	&cmd_launch,
	&cmd_test,
	&cmd_info,
	&cmd_setup_env,
	&cmd_rankenv,
	&cmd_hostlist,
	&cmd_submit,
	&cmd_doctor,
	&cmd_kill,
	&cmd_yeet,
	&cmd_help,
	&cmd_version,
	&cmd_complete,
	NULL
};

const struct ezpz_cmd *
cmd_find(const char *name)
{
	for (size_t i = 0; ezpz_cmds[i]; i++)
		if (strcmp(ezpz_cmds[i]->name, name) == 0)
			return ezpz_cmds[i];
	return NULL;
}

void
cmd_usage(const struct ezpz_cmd *cmd, FILE *fp)
{
	const char *u = cmd->usage, *nl;
	const char *lead = "usage:";
	int width = help_width(fp);
	do {
		int col = fprintf(fp, "%s ezpz %s%s", lead, cmd->name, *u ? " " : "");
		char *line;
		nl = strchr(u, '\n');
		line = xstrndup(u, nl ? (size_t)(nl - u) : strlen(u));
		help_wrap(fp, line, col, col, width);
		free(line);
		lead = "      ";
		u = nl ? nl + 1 : NULL;
	} while (u);
	if (cmd->description) {
		fputc('\n', fp);
		help_wrap(fp, cmd->description, 0, 0, help_width(fp));
	}
	fprintf(fp, "\nOptions:\n");
	opt_print_help(fp, cmd->opts);
}

/* "ezpz-launch" for launch; the help and the hidden commands are in ezpz(1). */
const char *
cmd_page(const struct ezpz_cmd *cmd)
{
	static char name[64];
	if (cmd == &cmd_help || cmd == &cmd_version || (cmd->flags & CMD_HIDDEN))
		return "ezpz";
	snprintf(name, sizeof name, "ezpz-%s", cmd->name);
	return name;
}

void
cmd_help_exit(const struct ezpz_cmd *cmd)
{
	cmd_usage(cmd, stdout);
	if (fflush(stdout) != 0 || ferror(stdout))
		die_errno("write error on standard output");
	exit(EXIT_OK);
}

void
ezpz_help(FILE *fp)
{
	fprintf(fp, "usage: ezpz [--version] [--help] [--color=WHEN] COMMAND [ARGS...]\n\n"
	    "Launch and set up distributed jobs the same way on a laptop, in a PBS job\n"
	    "and in a Slurm job.\n\nCommands:\n");
	for (size_t i = 0; ezpz_cmds[i]; i++)
		if (!(ezpz_cmds[i]->flags & CMD_HIDDEN))
		{
			fprintf(fp, "  %-11s ", ezpz_cmds[i]->name);
			help_wrap(fp, ezpz_cmds[i]->summary, 14, 14, help_width(fp));
		}
	fputc('\n', fp);
	help_wrap(fp, "Run 'ezpz COMMAND --help' for a command's options, 'ezpz help COMMAND' "
	    "for its manual.", 0, 0, help_width(fp));
}

/*
 * At a terminal, 'ezpz help CMD' shows CMD's man page, as 'git help' does:
 * ezpz-CMD.1 from the man directory next to the binary (share/man: the
 * build tree and the install look alike) or the configured one, through
 * man(1).  Without man or the page, the caller prints the --help text.
 */
static void
open_man_page(const struct ezpz_cmd *cmd)
{
	char *dir = path_mandir(environ), *page, *man;
	page = cmd_page(cmd) ? xasprintf("%s/man1/%s.1", dir, cmd_page(cmd)) : NULL;
	free(dir);
	man = path_which(environ, "man");
	if (page && man && access(page, R_OK) == 0) {
		char *const argv[] = { man, (char *)"-l", page, NULL };
		fflush(stdout);
		execve(man, argv, environ);
		error_errno("help: cannot run '%s'; here is the short help", man);
	}
	free(man);
	free(page);
}

static int
help_run(int argc, char **argv)
{
	const struct ezpz_cmd *cmd;
	struct optstate st;
	int o;

	opt_init(&st, "help", argc, argv);
	while ((o = opt_next(&st, NULL)) != OPT_DONE) {
		if (o == OPT_HELP)
			cmd_help_exit(&cmd_help);
		opt_unknown(&st);
	}
	if (st.ind >= argc) {
		ezpz_help(stdout);
		return EXIT_OK;
	}
	if ((cmd = cmd_find(argv[st.ind])) == NULL) {
		const char *names[64], *near;
		size_t n = 0;
		for (size_t i = 0; ezpz_cmds[i] && n + 1 < NITEMS(names); i++)
			names[n++] = ezpz_cmds[i]->name;
		names[n] = NULL;
		if ((near = word_suggest(names, argv[st.ind])) != NULL)
			die_usage("help: unknown command '%s'; did you mean '%s'? (see 'ezpz help')",
			    argv[st.ind], near);
		die_usage("help: unknown command '%s' (see 'ezpz help')", argv[st.ind]);
	}
	if (st.ind + 1 < argc)
		die_usage("help: one command at a time ('%s' after '%s')", argv[st.ind + 1],
		    argv[st.ind]);
	if (isatty(STDOUT_FILENO))
		open_man_page(cmd);   /* returns only if it cannot */
	cmd_usage(cmd, stdout);
	return EXIT_OK;
}

const struct ezpz_cmd cmd_help = {
	.name = "help",
	.summary = "show the commands, or one command's options",
	.usage = "[COMMAND]",
	.description = "Without COMMAND, list the commands.  With one, open its manual page when\n"
	    "standard output is a terminal, else print its options.",
	.opts = NULL,
	.run = help_run,
};

static int
version_run(int argc, char **argv)
{
	struct optstate st;
	int o;

	opt_init(&st, "version", argc, argv);
	while ((o = opt_next(&st, NULL)) != OPT_DONE) {
		if (o == OPT_HELP)
			cmd_help_exit(&cmd_version);
		opt_unknown(&st);
	}
	if (st.ind < argc)
		die_usage("version: takes no operands");
	printf("ezpz %s\n", VERSION);
	return EXIT_OK;
}

const struct ezpz_cmd cmd_version = {
	.name = "version",
	.summary = "print ezpz's version (also ezpz --version)",
	.usage = "",
	.description = "Print \"ezpz VERSION\" and exit.",
	.opts = NULL,
	.run = version_run,
};
