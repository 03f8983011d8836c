/* SPDX-License-Identifier: MIT */
/*
 * cmds.c: the one table of subcommands, and the help printed from it.
 */
#include <stdlib.h>
#include <string.h>

#include "ezpz.h"
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
	do {
		nl = strchr(u, '\n');
		fprintf(fp, "%s ezpz %s %.*s\n", lead, cmd->name,
		    (int)(nl ? (size_t)(nl - u) : strlen(u)), u);
		lead = "      ";
		u = nl ? nl + 1 : NULL;
	} while (u);
	if (cmd->description)
		fprintf(fp, "\n%s\n", cmd->description);
	fprintf(fp, "\nOptions:\n");
	opt_print_help(fp, cmd->opts);
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
	fprintf(fp, "usage: ezpz [--version] [--help] COMMAND [ARGS...]\n\n"
	    "Launch and set up distributed jobs the same way on a laptop, in a PBS job\n"
	    "and in a Slurm job.\n\nCommands:\n");
	for (size_t i = 0; ezpz_cmds[i]; i++)
		if (!(ezpz_cmds[i]->flags & CMD_HIDDEN))
			fprintf(fp, "  %-11s %s\n", ezpz_cmds[i]->name, ezpz_cmds[i]->summary);
	fprintf(fp, "\nRun 'ezpz COMMAND --help' for a command's options, 'man ezpz' for more.\n");
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
	if ((cmd = cmd_find(argv[st.ind])) == NULL)
		die_usage("help: unknown command '%s' (see 'ezpz help')", argv[st.ind]);
	cmd_usage(cmd, stdout);
	return EXIT_OK;
}

const struct ezpz_cmd cmd_help = {
	.name = "help",
	.summary = "show the commands, or one command's options",
	.usage = "[COMMAND]",
	.description = "Without COMMAND, list the commands.  With one, print its options.",
	.opts = NULL,
	.run = help_run,
};
