/* SPDX-License-Identifier: MIT */
/*
 * cmd_complete.c: `ezpz __complete`, the data behind completions/ (git's
 * --git-completion-helper).  Everything comes from the command table and
 * the option tables the parser uses, and `line` follows opt_next's rules
 * (values, "--", launch's pass-through flags), so a completion can neither
 * offer what ezpz rejects nor miss what it accepts; the shell scripts only
 * render its answer.  It runs on every Tab: it loads the machine profiles
 * or asks the test worker only when the answer needs them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "exec.h"
#include "ezpz.h"
#include "path.h"
#include "profile.h"
#include "strvec.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_complete;

#define WORKER_NAME "ezpz-test-worker"
#define WORKER_HELP_TIMEOUT_MS 3000
#define WORKER_OPTS_MAX 64

/*
 * What a command takes besides options: its first operand, and what
 * follows a "--".  Hints are those of struct opt's values, plus "@ezpz"
 * (ezpz's own commands) and "@worker" (the test worker's options); ""
 * takes nothing.  ends: options whose value ends ezpz's options (the rest
 * are that program's arguments).  passthrough: unknown options go to the
 * launcher, and a word after one is its value when a "--" follows.  Every
 * command of the table has a row: t-completion.sh fails on one without.
 */
static const struct operands {
	const char *cmd, *first, *after_dashdash, *ends;
	int passthrough;
} operand_table[] = {
	{ "launch", "@command", "@command", "-m|-c", 1 },
	{ "test", "", "@worker", NULL, 0 },
	{ "info", "", "", NULL, 0 },
	{ "setup-env", "", "", NULL, 0 },
	{ "rankenv", "@command", "@command", NULL, 0 },
	{ "hostlist", "expand|compress", "expand|compress", NULL, 0 },
	{ "submit", "@file", "@command", NULL, 0 },
	{ "doctor", "", "", NULL, 0 },
	{ "kill", "", "", NULL, 0 },
	{ "yeet", "@file", "@file", NULL, 0 },   /* SRC: a directory or a file */
	{ "help", "@ezpz", "@ezpz", NULL, 0 },
	{ "version", "", "", NULL, 0 },
};

static const struct operands no_operands = { "", "", "", NULL, 0 };

static const struct operands *
operands_find(const char *cmd)
{
	for (size_t i = 0; i < NITEMS(operand_table); i++)
		if (streq(operand_table[i].cmd, cmd))
			return &operand_table[i];
	return NULL;
}

/* One field of a tab-separated line: no tabs or newlines inside. */
static void
field(const char *s)
{
	for (; s && *s; s++)
		putchar(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s);
}

static void
answer(const char *kind, const char *arg)
{
	fputs(kind, stdout);
	putchar('\t');
	field(arg);
	putchar('\n');
}

/* "words PREFIX LABEL": candidates follow; LABEL names them for zsh. */
static void
answer_words(const char *prefix, const char *label)
{
	printf("words\t");
	field(prefix);
	printf("\t%s\n", label);
}

static void
candidate(const char *word, size_t len, const char *desc)
{
	char *w = xstrndup(word, len);
	field(w);
	putchar('\t');
	field(desc);
	putchar('\n');
	free(w);
}

/* Each of "a|b|c" as a candidate. */
static void
candidates(const char *alts, const char *desc)
{
	for (const char *p = alts; p && *p; ) {
		size_t n = strcspn(p, "|");
		if (n)
			candidate(p, n, desc);
		p += n + (p[n] == '|');
	}
}

/* ---- the things a hint names ---- */

/* The launcher flavours, from the backend table. */
static void
launcher_words(void)
{
	char *names = backend_names("|", "|");
	candidates(names, NULL);
	free(names);
}

static void
machine_words(void)
{
	struct profiles ps = PROFILES_INIT;
	struct strvec errs = STRVEC_INIT;
	char *datadir = path_datadir(environ);

	/* A broken profile is for 'ezpz doctor' to report, not for Tab: the
	 * profiles that do load are still offered. */
	profiles_load_default(&ps, datadir, environ, &errs);
	for (size_t i = 0; i < ps.n; i++)
		candidate(ps.v[i].name, strlen(ps.v[i].name), ps.v[i].description);
	profiles_free(&ps);
	strvec_clear(&errs);
	free(datadir);
}

static void
command_words(void)
{
	for (size_t i = 0; ezpz_cmds[i]; i++)
		if (!(ezpz_cmds[i]->flags & CMD_HIDDEN))
			candidate(ezpz_cmds[i]->name, strlen(ezpz_cmds[i]->name), ezpz_cmds[i]->summary);
}

static void
option_words(const struct opt *tab)
{
	struct opt_iter it;
	const struct opt *o;

	opt_iter_init(&it, tab);
	while ((o = opt_iter_next(&it)) != NULL) {
		/* other tools' spellings (after "||") are accepted, never offered,
		 * as --help leaves them out */
		const char *other = strstr(o->names, "||");
		char *own = xstrndup(o->names, other ? (size_t)(other - o->names) : strlen(o->names));
		candidates(own, o->help);
		free(own);
	}
	candidate("--help", 6, "show this help and exit");
}

/* The value of o (typed after prefix, "--log=" or ""); k: the word index. */
static void
value_answer(const struct opt *o, const char *prefix, int k)
{
	const char *v = o->values;
	char *msg, num[16];

	if (v == NULL) {
		msg = xasprintf("%s: %s", o->arg, o->help);
		answer("none", msg);
		free(msg);
	} else if (streq(v, "@file")) {
		answer("file", prefix);
	} else if (streq(v, "@dir")) {
		answer("dir", prefix);
	} else if (streq(v, "@command")) {
		snprintf(num, sizeof num, "%d", k);
		answer("command", num);
	} else if (streq(v, "@machine")) {
		answer_words(prefix, "machine");
		machine_words();
	} else if (streq(v, "@launcher")) {
		answer_words(prefix, "value");
		launcher_words();
	} else {
		answer_words(prefix, "value");
		candidates(v, NULL);
	}
}

/* ---- the test worker's options, from its own table ---- */

struct worker_opts {
	struct opt v[WORKER_OPTS_MAX + 1];
	struct strvec strings;      /* owns every string in v */
};

static const char *
keep(struct worker_opts *w, const char *s, size_t n)
{
	char *c = xstrndup(s, n);
	strvec_push(&w->strings, c);
	free(c);
	return w->strings.v[w->strings.n - 1];
}

/* "NAMES<TAB>ARG<TAB>VALUES<TAB>HELP", as ezpz-test-worker --print-options
 * writes its table; an empty field is none. */
static void
worker_line(struct worker_opts *w, size_t *n, const char *line)
{
	const char *f[4], *p = line;
	size_t len[4];
	struct opt *o = &w->v[*n];

	for (int i = 0; i < 4; i++) {
		len[i] = i < 3 ? strcspn(p, "\t") : strlen(p);
		f[i] = p;
		if (i < 3 && p[len[i]] != '\t')
			return;   /* not a row */
		p += len[i] + (i < 3);
	}
	if (len[0] == 0 || *n == WORKER_OPTS_MAX)
		return;
	o->id = (int)*n + 1;
	o->names = keep(w, f[0], len[0]);
	o->arg = len[1] ? keep(w, f[1], len[1]) : NULL;
	o->values = len[2] ? keep(w, f[2], len[2]) : NULL;
	o->help = keep(w, f[3], len[3]);
	(*n)++;
}

/* 0, or -1 when the worker is missing or says nothing usable. */
static int
worker_load(struct worker_opts *w)
{
	char *dir = path_libexecdir(environ), *path = xasprintf("%s/" WORKER_NAME, dir);
	char *argv[] = { path, "--print-options", NULL }, *out = NULL, *line, *save = NULL;
	size_t n = 0;

	memset(w, 0, sizeof *w);
	if (exec_capture(argv, environ, WORKER_HELP_TIMEOUT_MS, &out) == 0 && out)
		for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			worker_line(w, &n, line);
	free(out);
	free(path);
	free(dir);
	return n ? 0 : -1;
}

static void
worker_free(struct worker_opts *w)
{
	strvec_clear(&w->strings);
}

/* ---- following opt_next through the words before the cursor ---- */

/* The entry a word names, as opt_next finds it; *attached: "=v" or "-nV". */
static const struct opt *
lookup(const struct opt *tab, const char *w, const char **attached, size_t *len)
{
	const char *eq = strchr(w, '=');
	struct opt_iter it;
	const struct opt *o;

	*attached = NULL;
	*len = strlen(w);
	for (opt_iter_init(&it, tab); (o = opt_iter_next(&it)) != NULL; )
		if (opt_names_has(o->names, w, *len))
			return o;
	if (eq)
		for (opt_iter_init(&it, tab); (o = opt_iter_next(&it)) != NULL; )
			if (opt_names_has(o->names, w, (size_t)(eq - w))) {
				*attached = eq + 1;
				*len = (size_t)(eq - w);
				return o;
			}
	if (w[1] != '-')
		for (opt_iter_init(&it, tab); (o = opt_iter_next(&it)) != NULL; )
			if (o->arg && opt_names_has(o->names, w, 2)) {
				*attached = w + 2;
				*len = 2;
				return o;
			}
	return NULL;
}

static int
later_dashdash(char **w, int from, int to)
{
	for (int i = from; i < to; i++)
		if (streq(w[i], "--"))
			return 1;
	return 0;
}

static int
has_word(char **w, int n, const char *word)
{
	for (int i = 0; i < n; i++)
		if (streq(w[i], word))
			return 1;
	return 0;
}

static void complete_args(const struct opt *tab, const struct operands *ops, char **w, int n,
    int base);

static void
worker_args(char **w, int n, int base)
{
	struct worker_opts wo;

	if (worker_load(&wo) < 0) {
		answer("none", "the test worker is not built or installed");
		return;
	}
	complete_args(wo.v, &no_operands, w, n, base);
	worker_free(&wo);
}

/* The operand at w[n-1]; the operands start at w[start]. */
static void
operand_answer(const struct operands *ops, char **w, int start, int n, int dashdash, int base)
{
	const char *hint = dashdash ? ops->after_dashdash : ops->first;
	char num[16];
	int first = n - 1 == start;

	if (streq(hint, "@command")) {
		snprintf(num, sizeof num, "%d", base + start);
		answer("command", num);
	} else if (streq(hint, "@worker") && has_word(w, start, "--torch")) {
		answer("none", "the PyTorch DDP check (--torch) takes no options");
	} else if (streq(hint, "@worker")) {
		worker_args(w + start, n - start, base + start);
	} else if (!first || *hint == '\0') {
		answer("none", "");
	} else if (streq(hint, "@file")) {
		answer("file", "");
	} else if (streq(hint, "@dir")) {
		answer("dir", "");
	} else if (streq(hint, "@ezpz")) {
		answer_words("", "command");
		command_words();
	} else {
		answer_words("", "subcommand");
		candidates(hint, NULL);
	}
}

/* The word at the cursor, while options are still being read. */
static void
option_answer(const struct opt *tab, const struct operands *ops, char **w, int n, int base)
{
	const char *cur = w[n - 1], *eq = strchr(cur, '='), *att;
	const struct opt *o;
	size_t len;

	/* A lone "-" is an operand to opt_next, but typed before Tab it asks
	 * for the options. */
	if (cur[0] != '-') {
		operand_answer(ops, w, n - 1, n, 0, base);
		return;
	}
	if (eq && (o = lookup(tab, cur, &att, &len)) != NULL && o->arg && att == eq + 1) {
		char *prefix = xstrndup(cur, (size_t)(eq - cur) + 1);
		value_answer(o, prefix, base + n - 1);
		free(prefix);
		return;
	}
	answer_words("", "option");
	option_words(tab);
}

/*
 * w[0..n-1]: the words after the command (w[n-1] is the one at the
 * cursor); base: the index of w[0] in the words `line` was given.
 */
static void
complete_args(const struct opt *tab, const struct operands *ops, char **w, int n, int base)
{
	int unknown_seen = 0;

	for (int i = 0; i < n - 1; i++) {
		const char *x = w[i], *att;
		const struct opt *o;
		size_t len;

		if (x[0] != '-' || x[1] == '\0') {
			if (ops->passthrough && unknown_seen && later_dashdash(w, i + 1, n - 1))
				continue;   /* a launcher flag's value: launch --mca btl tcp -- ... */
			operand_answer(ops, w, i, n, 0, base);
			return;
		}
		if (streq(x, "--")) {
			operand_answer(ops, w, i + 1, n, 1, base);
			return;
		}
		if ((o = lookup(tab, x, &att, &len)) == NULL) {
			unknown_seen = 1;
			continue;
		}
		if (o->arg == NULL)
			continue;
		if (att == NULL && strlen(o->arg) > 3 && streq(o->arg + strlen(o->arg) - 3, "...")) {
			/* submit --sched-args ARG... --: its words run to the "--",
			 * and the options go on after it */
			int end = i + 1;
			while (end < n - 1 && !streq(w[end], "--"))
				end++;
			if (end == n - 1) {
				answer("none", "words for the scheduler, then '--'");
				return;
			}
			i = end;
			continue;
		}
		if (att == NULL && o->arg[0] == '[') {
			if (i + 1 < n - 1 && w[i + 1][0] != '-')
				i++;
			else if (i + 1 == n - 1 && w[i + 1][0] != '-') {
				value_answer(o, "", base + n - 1);
				return;
			}
		} else if (att == NULL) {
			if (i + 1 == n - 1) {
				value_answer(o, "", base + n - 1);
				return;
			}
			i++;
		}
		if (ops->ends && opt_names_has(ops->ends, x, len)) {
			/* launch -m MODULE ARGS...: the rest are the module's arguments */
			answer("file", "");
			return;
		}
	}
	option_answer(tab, ops, w, n, base);
}

/* `line WORD... CUR`: what may go at CUR (see completions/ for the format). */
static int
complete_line(char **w, int n)
{
	const struct ezpz_cmd *cmd;
	const struct operands *ops;
	static char empty[] = "";
	static char *none[] = { empty };
	int skipped = 0;

	if (n == 0) {
		w = none;
		n = 1;
	}
	/* ezpz's own --color[=WHEN] before the command (main's loop) */
	while (n > 1 && strncmp(w[0], "--color", 7) == 0 && (w[0][7] == '\0' || w[0][7] == '=')) {
		w++;
		n--;
		skipped++;
	}
	if (n == 1) {
		if (startswith(w[0], "--color=")) {
			answer_words("--color=", "value");
			candidates("auto|always|never", NULL);
		} else if (w[0][0] == '-') {
			answer_words("", "option");
			candidate("--help", 6, "show the commands and exit");
			candidate("--version", 9, "print the version and exit");
			candidate("--color", 7, "colour the output: --color=auto, always or never");
		} else {
			answer_words("", "command");
			command_words();
		}
		return EXIT_OK;
	}
	if ((cmd = cmd_find(w[0])) == NULL || (cmd->flags & CMD_HIDDEN)) {
		answer("none", "");
		return EXIT_OK;
	}
	ops = operands_find(cmd->name);
	complete_args(cmd->opts, ops ? ops : &no_operands, w + 1, n - 1, 1 + skipped);
	return EXIT_OK;
}

/* ---- the plain views: for scripts and the man-page check ---- */

static void
print_opts(const struct opt *tab)
{
	struct opt_iter it;
	const struct opt *o;

	for (opt_iter_init(&it, tab); (o = opt_iter_next(&it)) != NULL; ) {
		field(o->names);
		putchar('\t');
		field(o->arg);
		putchar('\t');
		field(o->values);
		putchar('\t');
		field(o->help);
		putchar('\n');
	}
}

static const struct ezpz_cmd *
need_cmd(const char *name)
{
	const struct ezpz_cmd *cmd = cmd_find(name);
	if (cmd == NULL)
		die_usage("__complete: unknown command '%s'", name);
	return cmd;
}

static int
print_values(const char *name, const char *spelling)
{
	const struct ezpz_cmd *cmd = need_cmd(name);
	const char *att;
	size_t len;
	const struct opt *o = lookup(cmd->opts, spelling, &att, &len);

	if (o == NULL || att)
		die_usage("__complete: %s has no option '%s'", name, spelling);
	if (o->values == NULL)
		return EXIT_OK;
	if (streq(o->values, "@machine"))
		machine_words();
	else if (streq(o->values, "@launcher"))
		launcher_words();
	else if (o->values[0] == '@')
		puts(o->values);
	else
		candidates(o->values, NULL);
	return EXIT_OK;
}

static int
print_operands(const char *name)
{
	const struct operands *ops = operands_find(need_cmd(name)->name);
	if (ops == NULL)
		die("__complete: '%s' has no row in cmd_complete.c's operand table", name);
	printf("%s\t%s\n", ops->first, ops->after_dashdash);
	return EXIT_OK;
}

static int
print_worker_options(void)
{
	struct worker_opts wo;
	if (worker_load(&wo) < 0)
		die("__complete: cannot read the options of '" WORKER_NAME "' (is it built?)");
	print_opts(wo.v);
	worker_free(&wo);
	return EXIT_OK;
}

static int
complete_run(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (streq(what, "-h") || streq(what, "--help"))
		cmd_help_exit(&cmd_complete);
	if (streq(what, "commands") && argc == 2) {
		command_words();
		return EXIT_OK;
	}
	if (streq(what, "options") && argc == 3) {
		print_opts(need_cmd(argv[2])->opts);
		return EXIT_OK;
	}
	if (streq(what, "values") && argc == 4)
		return print_values(argv[2], argv[3]);
	if (streq(what, "operands") && argc == 3)
		return print_operands(argv[2]);
	if (streq(what, "worker-options") && argc == 2)
		return print_worker_options();
	if (streq(what, "line")) {
		int skip = argc > 2 && streq(argv[2], "--") ? 3 : 2;
		return complete_line(argv + skip, argc - skip);
	}
	die_usage("__complete: usage: ezpz __complete commands | options CMD | values CMD OPTION | "
	    "operands CMD | worker-options | line [--] WORD... CURRENT");
}

const struct ezpz_cmd cmd_complete = {
	.name = "__complete",
	.summary = "data for the shell completions",
	.usage = "commands | options CMD | values CMD OPTION | operands CMD | worker-options\n"
	    "line [--] WORD... CURRENT",
	.description =
	    "For completions/ (bash, zsh, fish): the commands, each command's options\n"
	    "(NAMES, ARG, VALUES, HELP, tab-separated) and their values, from the same\n"
	    "tables the parser uses.  'line' answers for a whole command line (the words\n"
	    "after 'ezpz', the last one the word at the cursor): a first line\n"
	    "KIND<TAB>ARG, one of 'words PREFIX LABEL' (then one CANDIDATE<TAB>\n"
	    "DESCRIPTION per line, to go after PREFIX, the part of the word already\n"
	    "settled, such as '--log='), 'file PREFIX', 'dir PREFIX', 'command INDEX'\n"
	    "(the user's command starts at word INDEX: complete it as a command line)\n"
	    "or 'none MESSAGE'.",
	.opts = NULL,
	.run = complete_run,
	.flags = CMD_HIDDEN,
};
