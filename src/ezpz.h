/* SPDX-License-Identifier: MIT */
/*
 * ezpz.h: the command table.  Each src/cmd_*.c defines one struct ezpz_cmd;
 * src/cmds.c lists them.  Dispatch, help, the man-page check and the shell
 * completions all read that one list.  The map of the code (which file to
 * open to add a command, a launcher, a scheduler or a shell): src/README.
 */
#ifndef EZPZ_EZPZ_H
#define EZPZ_EZPZ_H

#include <stdio.h>

#include "opt.h"

#define CMD_HIDDEN 0x1   /* not listed in help (ezpz __complete) */

struct ezpz_cmd {
	const char *name;
	const char *summary;      /* one line, lowercase, for 'ezpz help' */
	const char *usage;        /* synopsis after "ezpz NAME", lines split by \n */
	const char *description;  /* paragraph(s) for NAME --help */
	const struct opt *opts;
	int (*run)(int argc, char **argv);   /* argv[0] is the command name */
	int flags;
};

extern const struct ezpz_cmd *const ezpz_cmds[];
extern const struct ezpz_cmd cmd_version;   /* also ezpz --version */

const struct ezpz_cmd *cmd_find(const char *name);
void cmd_usage(const struct ezpz_cmd *cmd, FILE *fp);
/* The man page that documents cmd: "ezpz-launch", or "ezpz". */
const char *cmd_page(const struct ezpz_cmd *cmd);
/* Parse-time helpers shared by commands. */
void cmd_help_exit(const struct ezpz_cmd *cmd);
void ezpz_help(FILE *fp);

#endif
