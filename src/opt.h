/* SPDX-License-Identifier: MIT */
/*
 * opt.h: option tables and the parser every command uses.  The same tables
 * feed --help, the man-page check and the shell completions, so none of them
 * can drift from what the parser accepts.
 */
#ifndef EZPZ_OPT_H
#define EZPZ_OPT_H

#include <stdio.h>

struct opt {
	int id;              /* returned by opt_next; 0 ends a table */
	const char *names;   /* every accepted spelling: "-n|-np|--np|--nproc"; those
	                        after an empty one ("-n|--np||--nprocs") are other
	                        tools' spellings, accepted, left out of --help */
	const char *arg;     /* metavar for an option with a value, else NULL;
	                        "[SHELL]" (in brackets) makes the value optional */
	const char *values;  /* completion: "@file", "@dir", "@machine",
	                        "@launcher", "@command", or literal "a|b|c"; NULL for none */
	const char *help;    /* id OPT_INCLUDE: the chained table (OPT_INCLUDE_TABLE) */
};

/*
 * A row that chains another table in its place, less the options with a
 * spelling in except ("-m|-c", or NULL): ezpz test is the launch table
 * plus --torch, less -m and -c.  The parser, --help and the completions
 * all see the chained rows; tables nest at most OPT_NEST_MAX deep.  The
 * table rides in the help field (a pointer converted to char * and back,
 * which C allows), so that every other row keeps its five plain fields.
 */
#define OPT_INCLUDE (-100)
#define OPT_NEST_MAX 4
#define OPT_INCLUDE_TABLE(tab, except) \
	{ OPT_INCLUDE, (except), NULL, NULL, (const char *)(const void *)(tab) }

/* Walks a table's rows, chained tables included (never the OPT_INCLUDE rows). */
struct opt_iter {
	const struct opt *at[OPT_NEST_MAX];
	const char *except[OPT_NEST_MAX];
	int depth;
};
void opt_iter_init(struct opt_iter *it, const struct opt *tab);
/* The next row, or NULL after the last. */
const struct opt *opt_iter_next(struct opt_iter *it);

enum {
	OPT_DONE = 0,        /* no more options: st->ind is the first operand */
	OPT_UNKNOWN = -1,    /* st->word is an option not in the table */
	OPT_HELP = -2        /* -h or --help */
};

struct optstate {
	int argc;
	char **argv;
	int ind;             /* next word to read */
	const char *arg;     /* value of the option just returned */
	const char *word;    /* the option word just returned, as typed */
	int dashdash;        /* parsing stopped at a "--" (consumed) */
	const char *cmd;     /* command name, for messages */
	const struct opt *tab;   /* the table opt_next last read (for suggestions) */
};

/* Parse argv[1..]: argv[0] is the command's own name. */
void opt_init(struct optstate *st, const char *cmd, int argc, char **argv);
/*
 * Next option.  Options end at the first word not starting with '-', at a
 * lone "-", or at "--" (consumed; st->dashdash set).  A missing or unexpected
 * value is a usage error (exit 2).  Spellings must match exactly: there are
 * no abbreviations.
 */
int opt_next(struct optstate *st, const struct opt *tab);
/* Die with "ezpz: CMD: unknown option 'W'" (exit 2), adding "did you mean
 * 'X'?" when one of the table's spellings is close (opt_suggest). */
void opt_unknown(const struct optstate *st);
/*
 * The spelling in tab closest to word (its "=value" ignored), or NULL when
 * none is close: the same name with other dashes or '_' for '-', a typo
 * (edit distance 1, or 2 in names of 8 letters or more), or the start of
 * a longer name (3 letters or more: --time for --timeout).  Common flags
 * of the launchers themselves (-genv, --host, --mca) are never close.
 */
const char *opt_suggest(const struct opt *tab, const char *word);
/* The same rule over a NULL-ended list of plain words (command names). */
const char *word_suggest(const char *const *words, const char *word);
/* Parse st->arg as an integer in [min, max] or die naming the option. */
long opt_long(const struct optstate *st, long min, long max);

/* Print "  -n, --np N    help" lines for a table, wrapped (help_width). */
void opt_print_help(FILE *fp, const struct opt *tab);
/* Columns for help on fp: the terminal's width, or 80 when fp is not one. */
int help_width(FILE *fp);
/*
 * Print text from column col (already printed), wrapping at width between
 * words, continuation lines indented by indent; a blank line ("\n\n")
 * starts a paragraph, a single newline is a space.  Ends the line.
 */
void help_wrap(FILE *fp, const char *text, int col, int indent, int width);
/* Is spelling one of names ("-a|--all")? */
int opt_names_has(const char *names, const char *spelling, size_t len);

#endif
