/* SPDX-License-Identifier: MIT */
/*
 * opt.c: exact-spelling option parser.  Unlike getopt_long it accepts the
 * single-dash long names HPC users type (-np, -ppn, -nh), never abbreviates,
 * and stops at the first operand so a user's command is never searched for
 * ezpz's own flags.
 */
#include <string.h>

#include "opt.h"
#include "util.h"

void
opt_init(struct optstate *st, const char *cmd, int argc, char **argv)
{
	memset(st, 0, sizeof *st);
	st->argc = argc;
	st->argv = argv;
	st->ind = 1;
	st->cmd = cmd;
}

int
opt_names_has(const char *names, const char *s, size_t len)
{
	const char *p = names;
	while (p && *p) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);
		if (n == len && strncmp(p, s, len) == 0)
			return 1;
		p = bar ? bar + 1 : NULL;
	}
	return 0;
}

void
opt_iter_init(struct opt_iter *it, const struct opt *tab)
{
	memset(it, 0, sizeof *it);
	it->at[0] = tab;
	it->depth = tab ? 0 : -1;
}

/* Is one of o's spellings in except ("-m|-c")? */
static int
left_out(const struct opt *o, const char *except)
{
	for (const char *p = o->names; except && p && *p; ) {
		size_t n = strcspn(p, "|");
		if (opt_names_has(except, p, n))
			return 1;
		p += n + (p[n] == '|');
	}
	return 0;
}

const struct opt *
opt_iter_next(struct opt_iter *it)
{
	while (it->depth >= 0) {
		const struct opt *o = it->at[it->depth];
		int skip = 0;
		if (o == NULL || o->id == 0) {
			it->depth--;
			continue;
		}
		it->at[it->depth]++;
		if (o->id == OPT_INCLUDE) {
			if (it->depth + 1 >= OPT_NEST_MAX)
				die("option tables nest deeper than %d", OPT_NEST_MAX);
			it->depth++;
			it->at[it->depth] = (const struct opt *)(const void *)o->help;
			it->except[it->depth] = o->names;
			continue;
		}
		for (int d = 1; d <= it->depth && !skip; d++)
			skip = left_out(o, it->except[d]);
		if (!skip)
			return o;
	}
	return NULL;
}

static const struct opt *
opt_find(const struct opt *tab, const char *s, size_t len)
{
	struct opt_iter it;
	const struct opt *o;

	opt_iter_init(&it, tab);
	while ((o = opt_iter_next(&it)) != NULL)
		if (opt_names_has(o->names, s, len))
			return o;
	return NULL;
}

static int
is_help(const char *w)
{
	return strcmp(w, "-h") == 0 || strcmp(w, "--help") == 0;
}

static int
opt_take_value(struct optstate *st, const struct opt *o, const char *attached)
{
	if (o->arg == NULL) {
		if (attached)
			die_usage("%s: option '%s' takes no value", st->cmd, st->word);
		st->arg = NULL;
		return o->id;
	}
	if (attached) {
		st->arg = attached;
		return o->id;
	}
	if (o->arg[0] == '[') {
		/* optional value: only a following word that is not an option */
		if (st->ind < st->argc && st->argv[st->ind][0] != '-')
			st->arg = st->argv[st->ind++];
		return o->id;
	}
	if (st->ind >= st->argc)
		die_usage("%s: option '%s' needs a value (%s)", st->cmd, st->word, o->arg);
	st->arg = st->argv[st->ind++];
	return o->id;
}

int
opt_next(struct optstate *st, const struct opt *tab)
{
	const struct opt *o;
	const char *w, *eq;
	static char word[128];

	st->arg = NULL;
	if (st->ind >= st->argc)
		return OPT_DONE;
	w = st->argv[st->ind];
	if (w[0] != '-' || w[1] == '\0')
		return OPT_DONE;
	if (strcmp(w, "--") == 0) {
		st->ind++;
		st->dashdash = 1;
		return OPT_DONE;
	}
	st->ind++;
	st->word = w;
	if ((o = opt_find(tab, w, strlen(w))) != NULL)
		return opt_take_value(st, o, NULL);
	if (is_help(w))
		return OPT_HELP;
	/* --name=value and -ppn=value */
	if ((eq = strchr(w, '=')) != NULL && (o = opt_find(tab, w, (size_t)(eq - w)))) {
		size_t n = (size_t)(eq - w);
		if (n >= sizeof word)
			n = sizeof word - 1;
		memcpy(word, w, n);
		word[n] = '\0';
		st->word = word;
		return opt_take_value(st, o, eq + 1);
	}
	/* -n4: a one-letter numeric option with its number attached.  Only
	 * numbers: launcher flags like -mca or -npernode must not become -m ca
	 * or -n pernode; they are unknown words, passed on whole. */
	if (w[1] != '-' && (o = opt_find(tab, w, 2)) != NULL && o->arg && streq(o->arg, "N") &&
	    w[2] && strspn(w + 2, "0123456789") == strlen(w + 2)) {
		word[0] = w[0];
		word[1] = w[1];
		word[2] = '\0';
		st->word = word;
		return opt_take_value(st, o, w + 2);
	}
	return OPT_UNKNOWN;
}

void
opt_unknown(const struct optstate *st)
{
	die_usage("%s: unknown option '%s' (see 'ezpz %s --help')", st->cmd, st->word, st->cmd);
}

long
opt_long(const struct optstate *st, long min, long max)
{
	const char *why;
	long v;
	if (parse_long(st->arg, min, max, &v, &why) < 0) {
		if (streq(why, "not a number"))
			die_usage("%s: option '%s': '%s' is not a whole number", st->cmd, st->word, st->arg);
		die_usage("%s: option '%s': %s is out of range (%ld to %ld)", st->cmd, st->word, st->arg,
		    min, max);
	}
	return v;
}

static int
opt_format_names(char *buf, size_t len, const struct opt *o)
{
	size_t n = 0;
	const char *p = o->names;
	buf[0] = '\0';
	while (*p && n + 3 < len) {
		if (*p == '|') {
			buf[n++] = ',';
			buf[n++] = ' ';
		} else {
			buf[n++] = *p;
		}
		p++;
	}
	buf[n] = '\0';
	if (o->arg)
		n += (size_t)snprintf(buf + n, len - n, " %s", o->arg);
	return (int)n;
}

void
opt_print_help(FILE *fp, const struct opt *tab)
{
	char names[160];
	struct opt_iter it;
	const struct opt *o;

	opt_iter_init(&it, tab);
	while ((o = opt_iter_next(&it)) != NULL) {
		int n = opt_format_names(names, sizeof names, o);
		if (n <= 26)
			fprintf(fp, "  %-26s %s\n", names, o->help);
		else
			fprintf(fp, "  %s\n  %-26s %s\n", names, "", o->help);
	}
	fprintf(fp, "  %-26s %s\n", "-h, --help", "show this help and exit");
}
