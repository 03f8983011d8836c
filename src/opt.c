/* SPDX-License-Identifier: MIT */
/*
 * opt.c: exact-spelling option parser.  Unlike getopt_long it accepts the
 * single-dash long names HPC users type (-np, -ppn, -nh), never abbreviates,
 * and stops at the first operand so a user's command is never searched for
 * ezpz's own flags.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backend.h"
#include "opt.h"
#include "util.h"

#define HELP_COLS 80        /* when the output is not a terminal */
#define HELP_COLS_MIN 40
#define HELP_NAMES 26       /* the names column of opt_print_help */

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
	st->tab = tab;
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

#define NAME_MAX_CMP 64

/* name without leading dashes nor "=value", lowercase, '_' as '-'. */
static size_t
normalise(char out[NAME_MAX_CMP], const char *s, size_t len)
{
	size_t n = 0;
	while (len > 0 && *s == '-') {
		s++;
		len--;
	}
	for (; n < len && s[n] && s[n] != '=' && n < NAME_MAX_CMP - 1; n++)
		out[n] = s[n] == '_' ? '-' : (char)((s[n] >= 'A' && s[n] <= 'Z') ? s[n] + 32 : s[n]);
	out[n] = '\0';
	return n;
}

/* Edit distance of two short strings, a swap of neighbours counting one
 * (optimal string alignment). */
static size_t
edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t d[NAME_MAX_CMP][NAME_MAX_CMP];
	for (size_t i = 0; i <= na; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= nb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= na; i++)
		for (size_t j = 1; j <= nb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[na][nb];
}

/* How close typed (normalised, n letters) is to name: lower is closer,
 * -1 not close. */
static int
closeness(const char *typed, size_t n, const char *name, size_t len)
{
	char c[NAME_MAX_CMP];
	size_t cn = normalise(c, name, len), d;
	if (n == 0 || cn == 0)
		return -1;
	if (n >= 3 && cn > n && strncmp(c, typed, n) == 0)
		return 1;
	d = edit_distance(typed, n, c, cn);
	if (d == 0 || (d == 1 && n >= 3) || (d == 2 && n >= 8))
		return (int)d;
	return -1;
}

/* Flags of mpiexec, mpirun and srun that are close to one of ezpz's but
 * mean something else: they go to the launcher as typed. */
static const char *const launcher_own[] = {
	"-env", "-genv", "-envlist", "-genvlist", "-host", "-hosts", "--host", "-launcher",
	"--time", "-t", NULL
};

static const char *
best_of(const char *word, const char *names, const char **best, int *best_score)
{
	char typed[NAME_MAX_CMP];
	size_t n = normalise(typed, word, strlen(word));
	for (const char *p = names; p && *p; ) {
		size_t len = strcspn(p, "|");
		int c = closeness(typed, n, p, len);
		if (c >= 0 && (*best_score < 0 || c < *best_score)) {
			static char pick[NAME_MAX_CMP];
			snprintf(pick, sizeof pick, "%.*s", (int)len, p);
			*best = pick;
			*best_score = c;
		}
		p += len + (p[len] == '|');
	}
	return *best;
}

const char *
opt_suggest(const struct opt *tab, const char *word)
{
	struct opt_iter it;
	const struct opt *o;
	const char *best = NULL;
	int score = -1;
	size_t wl = strcspn(word, "=");

	for (size_t i = 0; launcher_own[i]; i++)
		if (strlen(launcher_own[i]) == wl && strncmp(launcher_own[i], word, wl) == 0)
			return NULL;
	opt_iter_init(&it, tab);
	while ((o = opt_iter_next(&it)) != NULL)
		best_of(word, o->names, &best, &score);
	best_of(word, "--help", &best, &score);
	return best;
}

const char *
word_suggest(const char *const *words, const char *word)
{
	const char *best = NULL;
	int score = -1;
	for (size_t i = 0; words[i]; i++)
		best_of(word, words[i], &best, &score);
	return best;
}

void
opt_unknown(const struct optstate *st)
{
	const char *s = opt_suggest(st->tab, st->word);
	if (s)
		die_usage("%s: unknown option '%s'; did you mean '%s'? (see 'ezpz %s --help')",
		    st->cmd, st->word, s, st->cmd);
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
		if (p[0] == '|' && (p[1] == '|' || p[1] == '\0'))
			break;   /* other tools' spellings: not in --help */
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

int
help_width(FILE *fp)
{
	struct winsize ws;
	int fd = fileno(fp);
	if (fd >= 0 && isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col < HELP_COLS_MIN ? HELP_COLS_MIN : ws.ws_col;
	return HELP_COLS;
}

void
help_wrap(FILE *fp, const char *text, int col, int indent, int width)
{
	const char *p = text;
	int first = 1;
	while (*p) {
		size_t n;
		if (p[0] == '\n' && p[1] == '\n') {
			fprintf(fp, "\n\n%*s", indent, "");
			col = indent;
			first = 1;
			p += 2 + strspn(p + 2, "\n");
			continue;
		}
		if (*p == ' ' && p > text && p[-1] == '\n') {
			/* a line that starts with a blank is laid out already (a
			 * table): as it is, on a line of its own */
			n = strcspn(p, "\n");
			if (!first)
				fprintf(fp, "\n%*s", indent, "");
			fprintf(fp, "%.*s", (int)n, p);
			p += n;
			col = width + 1;
			first = 0;
			continue;
		}
		if (*p == ' ' || *p == '\n') {
			p++;
			continue;
		}
		n = strcspn(p, " \n");
		if (!first && col + 1 + (int)n > width) {
			fprintf(fp, "\n%*s", indent, "");
			col = indent;
		} else if (!first) {
			fputc(' ', fp);
			col++;
		}
		fprintf(fp, "%.*s", (int)n, p);
		col += (int)n;
		first = 0;
		p += n;
	}
	fputc('\n', fp);
}

void
opt_print_help(FILE *fp, const struct opt *tab)
{
	char names[160];
	struct opt_iter it;
	const struct opt *o;
	int width = help_width(fp), col = HELP_NAMES + 3;

	opt_iter_init(&it, tab);
	while ((o = opt_iter_next(&it)) != NULL) {
		int n;
		char *help = NULL;
		if (o->names[0] == '|')
			continue;   /* only other tools' spellings (ezpz says what to use) */
		n = opt_format_names(names, sizeof names, o);
		/* the launcher values come from the backend table, not the help text */
		if (o->values && streq(o->values, "@launcher")) {
			char *v = backend_names(", ", " or ");
			help = xasprintf("%s: %s", o->help, v);
			free(v);
		}
		if (n <= HELP_NAMES)
			fprintf(fp, "  %-*s ", HELP_NAMES, names);
		else
			fprintf(fp, "  %s\n%*s", names, col, "");
		help_wrap(fp, help ? help : o->help, col, col, width);
		free(help);
	}
	fprintf(fp, "  %-*s %s\n", HELP_NAMES, "-h, --help", "show this help and exit");
}
