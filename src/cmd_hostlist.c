/* SPDX-License-Identifier: MIT */
/*
 * cmd_hostlist.c: 'ezpz hostlist expand' and 'ezpz hostlist compress', the
 * Slurm hostlist code of hostlist.c on the command line, for scripts that
 * would otherwise need scontrol (which is missing in most containers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ezpz.h"
#include "hostlist.h"
#include "strvec.h"
#include "util.h"

extern const struct ezpz_cmd cmd_hostlist;

/* Options before and after the subcommand: only --help.  Returns the first operand. */
static int
no_options(const char *cmd, int argc, char **argv)
{
	struct optstate st;
	int o;

	opt_init(&st, cmd, argc, argv);
	while ((o = opt_next(&st, NULL)) != OPT_DONE) {
		if (o == OPT_HELP)
			cmd_help_exit(&cmd_hostlist);
		opt_unknown(&st);
	}
	return st.ind;
}

/*
 * fn on each line of stdin, without its line end (LF or CRLF); EXIT_FAIL
 * when any call failed, after all lines.  Stdin may be a pipe, so it is
 * bounded by size (READ_MAX_STDIN) rather than refused when not a file.
 */
static int
each_stdin_line(int (*fn)(const char *line, void *ctx), void *ctx)
{
	const char *why;
	size_t len;
	char *text = read_fd(STDIN_FILENO, READ_MAX_STDIN, &len, &why), *line, *end;
	int status = EXIT_OK;

	if (text == NULL)
		die("hostlist: standard input: %s", why);
	for (line = text; line < text + len; line = end + 1) {
		size_t n;
		if ((end = memchr(line, '\n', (size_t)(text + len - line))) == NULL)
			end = text + len;
		n = (size_t)(end - line);
		if (n > 0 && line[n - 1] == '\r')
			n--;
		/* the rest of the line would be lost without a word */
		if (memchr(line, '\0', n) != NULL) {
			error("hostlist: standard input: a line has a NUL byte (not text): '%.40s...'",
			    line);
			status = EXIT_FAIL;
			continue;
		}
		line[n] = '\0';
		if (fn(line, ctx) != EXIT_OK)
			status = EXIT_FAIL;
	}
	free(text);
	return status;
}

static int
expand_one(const char *expr, void *ctx)
{
	struct strvec hosts = STRVEC_INIT;
	char *why = NULL;

	(void)ctx;
	if (hostlist_expand(expr, &hosts, &why) < 0) {
		error("hostlist '%s': %s", expr, why);
		free(why);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < hosts.n; i++) {
		fputs(hosts.v[i], stdout);
		putchar('\n');
	}
	strvec_clear(&hosts);
	return EXIT_OK;
}

/*
 * A bad expression is reported and skipped; the rest are still expanded,
 * and the exit status says that one failed.
 */
static int
expand_run(int argc, char **argv)
{
	int ind = no_options("hostlist expand", argc, argv), status = EXIT_OK;

	if (ind >= argc)
		return each_stdin_line(expand_one, NULL);
	for (; ind < argc; ind++)
		if (expand_one(argv[ind], NULL) != EXIT_OK)
			status = EXIT_FAIL;
	return status;
}

/* A name a hostlist can hold: not empty, no separator, no bracket. */
static int
compress_add(const char *host, void *ctx)
{
	struct strvec *hosts = ctx;
	const char *bad = strpbrk(host, ", \t[]");

	if (*host == '\0') {
		error("hostlist compress: empty host name");
		return EXIT_FAIL;
	}
	if (bad && (*bad == '[' || *bad == ']')) {
		error("hostlist compress: host '%s' contains '%c' (to compress an expression, "
		    "expand it first: ezpz hostlist expand EXPR | ezpz hostlist compress)", host, *bad);
		return EXIT_FAIL;
	}
	if (bad) {
		error("hostlist compress: host '%s' contains %s, which separates hosts in a hostlist",
		    host, *bad == ',' ? "','" : "a blank");
		return EXIT_FAIL;
	}
	strvec_push(hosts, host);
	return EXIT_OK;
}

/* Stdin lines are trimmed and blank ones skipped; arguments are taken as given. */
static int
compress_line(const char *line, void *ctx)
{
	char *copy = xstrdup(line), *s = strtrim(copy);
	int status = *s ? compress_add(s, ctx) : EXIT_OK;

	free(copy);
	return status;
}

static int
compress_run(int argc, char **argv)
{
	struct strvec hosts = STRVEC_INIT;
	int ind = no_options("hostlist compress", argc, argv), status = EXIT_OK;
	char *list;

	if (ind >= argc)
		status = each_stdin_line(compress_line, &hosts);
	for (; ind < argc; ind++)
		if (compress_add(argv[ind], &hosts) != EXIT_OK)
			status = EXIT_FAIL;
	/* One list: printed without a bad host it would name other nodes
	 * than asked, and a script that misses the status would use it. */
	if (status == EXIT_OK && hosts.n > 0) {
		list = hostlist_compress(hosts.v, hosts.n);
		puts(list);
		free(list);
	}
	strvec_clear(&hosts);
	return status;
}

static int
hostlist_run(int argc, char **argv)
{
	int ind = no_options("hostlist", argc, argv);
	const char *sub;

	if (ind >= argc)
		die_usage("hostlist: missing subcommand: expand or compress "
		    "(see 'ezpz hostlist --help')");
	sub = argv[ind];
	if (strcmp(sub, "expand") == 0)
		return expand_run(argc - ind, argv + ind);
	if (strcmp(sub, "compress") == 0)
		return compress_run(argc - ind, argv + ind);
	die_usage("hostlist: unknown subcommand '%s': expected expand or compress "
	    "(see 'ezpz hostlist --help')", sub);
}

const struct ezpz_cmd cmd_hostlist = {
	.name = "hostlist",
	.summary = "expand or compress a Slurm hostlist (no scontrol needed)",
	.usage = "expand [EXPR...]\ncompress [HOST...]",
	.description =
	    "expand prints the hosts of each hostlist expression (\"nid[001-003,010],login1\"),\n"
	    "one per line, exactly as 'scontrol show hostnames' does; with no EXPR it reads\n"
	    "expressions from standard input, one per line.  compress prints the shortest\n"
	    "expression for the hosts, in their order, that Slurm reads back the same; with\n"
	    "no HOST it reads hosts from standard input, one per line.  Put '--' before an\n"
	    "EXPR or HOST that starts with '-'.\n\n"
	    "A bad expression is reported and the others are still expanded; a bad host\n"
	    "name is reported and compress prints nothing (its one expression would\n"
	    "leave that host out).  Either way the exit status is 1.  Expressions scontrol\n"
	    "misreads (unbalanced or\n"
	    "nested brackets, blanks or signs inside brackets) are errors here, and one\n"
	    "expression may expand to at most 1048576 hosts and 16777216 bytes of names.",
	.opts = NULL,
	.run = hostlist_run,
};
