/* SPDX-License-Identifier: MIT */
/*
 * submit.c: the job script and the submit command, as data (see submit.h
 * for the template language).  The user's command is quoted word by word
 * for bash, so it reaches the job exactly as typed: spaces, quotes, '$',
 * backticks and newlines included.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "job.h"
#include "shell.h"
#include "submit.h"
#include "util.h"

/* The Python reference's templates (ezpz-python.md §9), with the setup line
 * that fails the job when setup-env fails and ezpz's own absolute path. */
static const char pbs_template[] =
	"#!/bin/bash --login\n"
	"#PBS -l select={{select}}\n"
	"#PBS -l walltime={{time}}\n"
	"#PBS -l filesystems={{filesystems}}\n"
	"#PBS -l {{resources}}\n"
	"#PBS -A {{account}}\n"
	"#PBS -k doe\n"
	"#PBS -j oe\n"
	"#PBS -q {{queue}}\n"
	"#PBS -N {{job_name}}\n"
	"\n"
	"set -eo pipefail\n"
	"cd {{workdir}}\n"
	"\n"
	"# Environment setup\n"
	"{{env_setup}}\n"
	"\n"
	"{{run}}\n";

/* Not a login shell, as contrib/slurm/generic.sbatch explains: sbatch
 * passes the submitting shell's environment (PATH with ezpz on it, a loaded
 * 'module ezpz'), and a login shell's profile could reset it.  PBS starts
 * jobs with a fresh environment, so its template is one. */
static const char slurm_template[] =
	"#!/bin/bash\n"
	"#SBATCH --nodes={{nodes}}\n"
	"#SBATCH --time={{time}}\n"
	"#SBATCH --account={{account}}\n"
	"#SBATCH --partition={{queue}}\n"
	"#SBATCH --job-name={{job_name}}\n"
	"#SBATCH --qos={{qos}}\n"
	"#SBATCH --constraint={{constraint}}\n"
	"#SBATCH --gpus-per-node={{gpus_per_node}}\n"
	"#SBATCH --ntasks-per-node={{gpus_per_node}}\n"
	"\n"
	"set -eo pipefail\n"
	"cd {{workdir}}\n"
	"\n"
	"# Environment setup\n"
	"{{env_setup}}\n"
	"\n"
	"{{run}}\n";

const char *
submit_default_template(enum sched s)
{
	switch (s) {
	case SCHED_PBS: return pbs_template;
	case SCHED_SLURM: return slurm_template;
	default: return NULL;
	}
}

const char *
submit_program(enum sched s)
{
	return s == SCHED_PBS ? "qsub" : "sbatch";
}

char *
submit_default_env(const char *self)
{
	/* eval "$(ezpz setup-env)" alone would run nothing and go on when
	 * setup-env fails (the exit status of a substitution inside eval's
	 * argument is lost): make a failure end the job instead. */
	char *q = shell_quote(SHELL_BASH, self);
	char *s = xasprintf("eval \"$(%s setup-env || echo 'exit 1')\"", q);
	free(q);
	return s;
}

/* ---- job name, account, scheduler ----------------------------------- */

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash && slash[1] ? slash + 1 : path;
}

static int
is_interpreter(const char *word)
{
	const char *b = base_name(word);
	return startswith(b, "python") || streq(b, "bash") || streq(b, "sh") || streq(b, "zsh");
}

static char *
sanitize_name(const char *s, size_t len)
{
	char *r;
	if (len > SUBMIT_JOB_NAME_MAX)
		len = SUBMIT_JOB_NAME_MAX;
	if (len == 0)
		return xstrdup("ezpz");
	r = xstrndup(s, len);
	for (char *p = r; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '_';
	return r;
}

/* An interpreter's option that takes the next word (python3 -W error, bash -o posix). */
static int
takes_value(const char *interp, const char *opt)
{
	if (startswith(base_name(interp), "python"))
		return streq(opt, "-W") || streq(opt, "-X");
	return streq(opt, "-o") || streq(opt, "-O");
}

/*
 * The module after an interpreter's -m, else the script it runs, else the
 * program (env and its VAR=VALUE words skipped); its base name without
 * the extension.  Only the interpreter's own options are read: the -m in
 * 'python3 train.py -m resnet' or 'git commit -m fix' is the program's.
 */
char *
submit_job_name(char *const *cmd, size_t n)
{
	const char *word, *b, *dot;
	size_t i = 0;

	if (n > 0 && streq(base_name(cmd[0]), "env"))
		for (i = 1; i < n && (cmd[i][0] == '-' || strchr(cmd[i], '=')); i++)
			if (streq(cmd[i], "-u") || streq(cmd[i], "-C") || streq(cmd[i], "-S"))
				i++;   /* its value */
	if (i >= n)
		return xstrdup("ezpz");
	word = cmd[i];
	if (is_interpreter(cmd[i])) {
		for (size_t j = i + 1; j < n; j++) {
			if (streq(cmd[j], "-m") && j + 1 < n)
				return sanitize_name(cmd[j + 1], strlen(cmd[j + 1]));
			if (streq(cmd[j], "-c") || streq(cmd[j], "--") || streq(cmd[j], "-"))
				break;
			if (cmd[j][0] != '-') {
				word = cmd[j];
				break;
			}
			if (takes_value(cmd[i], cmd[j]))
				j++;
		}
	}
	b = base_name(word);
	dot = strrchr(b, '.');
	return sanitize_name(b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
}

const char *
submit_account(enum sched s, const char *opt, char *const *envp, const char **from)
{
	const char *own = s == SCHED_PBS ? "PBS_ACCOUNT" : "SLURM_ACCOUNT", *v;
	if (opt && *opt) {
		*from = "--account";
		return opt;
	}
	if ((v = env_nonempty(envp, own)) != NULL) {
		*from = own;
		return v;
	}
	if ((v = env_nonempty(envp, "PROJECT")) != NULL) {
		*from = "PROJECT";
		return v;
	}
	*from = NULL;
	return NULL;
}

static int
sched_submittable(enum sched s)
{
	return s == SCHED_PBS || s == SCHED_SLURM;
}

/* The job this shell is in, as job detection would see it. */
static enum sched
sched_of_env(char *const *envp, char **how)
{
	const struct sched_ops *ops[] = { &sched_pbs, &sched_slurm };
	const char *forced = env_nonempty(envp, "EZPZ_SCHEDULER"), *ev = NULL;
	enum sched best = SCHED_UNSET;
	int conf = 0;

	if (forced && sched_submittable(sched_parse(forced))) {
		*how = xstrdup("env:EZPZ_SCHEDULER");
		return sched_parse(forced);
	}
	for (size_t i = 0; i < NITEMS(ops); i++) {
		int c = ops[i]->detect(envp, &ev);
		if (c > conf) {
			conf = c;
			best = ops[i]->id;
			free(*how);
			*how = src_format(SRC_ENV, ev, NULL);
		}
	}
	return best;
}

int
submit_choose_sched(const char *opt, char *const *envp, const struct profile *prof,
    int have_qsub, int have_sbatch, enum sched *out, char **how, char **err)
{
	*how = NULL;
	if (opt) {
		if (strcasecmp(opt, "pbs") != 0 && strcasecmp(opt, "slurm") != 0) {
			*err = xasprintf("--scheduler '%s': use pbs or slurm", opt);
			return -1;
		}
		*out = strcasecmp(opt, "pbs") == 0 ? SCHED_PBS : SCHED_SLURM;
		*how = xstrdup("--scheduler");
		return 0;
	}
	if ((*out = sched_of_env(envp, how)) != SCHED_UNSET)
		return 0;
	if (prof && sched_submittable(prof->scheduler)) {
		*out = prof->scheduler;
		*how = xasprintf("profile:%s", prof->name);
		return 0;
	}
	if (have_qsub != have_sbatch) {
		*out = have_qsub ? SCHED_PBS : SCHED_SLURM;
		*how = xasprintf("%s on PATH", have_qsub ? "qsub" : "sbatch");
		return 0;
	}
	if (!have_qsub) {
		*err = xasprintf("neither qsub nor sbatch is on PATH (and not in a job, and %s): "
		    "submit from a login node of a PBS or Slurm cluster, or write the script "
		    "anyway with --scheduler pbs|slurm and -o FILE", prof ?
		    "the machine profile names no scheduler" : "no machine profile names one");
		return -2;
	}
	*err = xasprintf("cannot tell which scheduler to submit to: not in a job, %s, and both "
	    "qsub and sbatch are on PATH; pass --scheduler pbs or --scheduler slurm", prof ?
	    "the machine profile names none" : "no machine profile names one");
	return -1;
}

/* ---- rendering ---------------------------------------------------------- */

struct values {
	const char *key[24];
	char *val[24];
	size_t n;
};

static void
put(struct values *v, const char *key, char *val)
{
	v->key[v->n] = key;
	v->val[v->n++] = val;
}

static char *
quoted_words(char *const *w, size_t n)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *q = shell_quote(SHELL_BASH, w[i]), *t = xasprintf("%s%s%s", s, i ? " " : "", q);
		free(q);
		free(s);
		s = t;
	}
	return s;
}

static char *
joined(char *const *w, size_t n, const char *sep)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? sep : "", w[i]);
		free(s);
		s = t;
	}
	return s;
}

/*
 * -N N on PBS means N hosts: PBS's own default placement (place=free) may
 * put every chunk of select=N on one host, and the job then runs there
 * alone.  Unless the user chose a placement, or gave select= themselves.
 */
static int
wants_scatter(const struct submit_opts *o)
{
	if (o->sched != SCHED_PBS || o->nodes < 2 || o->select)
		return 0;
	for (size_t i = 0; i < o->nresources; i++)
		if (startswith(o->resources[i], "place="))
			return 0;
	return 1;
}

static char *
pbs_resources(const struct submit_opts *o)
{
	char *s = joined(o->resources, o->nresources, ","), *t;
	if (!wants_scatter(o))
		return s;
	t = xasprintf("%s%splace=scatter", s, *s ? "," : "");
	free(s);
	return t;
}

static char *
colons(const char *s)
{
	char *r = xstrdup(s);
	for (char *p = r; *p; p++)
		if (*p == ',')
			*p = ':';
	return r;
}

static void
values_fill(struct values *v, const struct submit_opts *o)
{
	char *cmd = quoted_words(o->command, o->ncommand), *self = shell_quote(SHELL_BASH, o->self);

	put(v, "nodes", xasprintf("%d", o->nodes > 0 ? o->nodes : 1));
	put(v, "select", o->select ? xstrdup(o->select) : xasprintf("%d", o->nodes > 0 ? o->nodes : 1));
	put(v, "resources", pbs_resources(o));
	/* No -t under Slurm: no --time line, so the partition's DefaultTime
	 * applies.  A fixed default above its MaxTime would leave the job
	 * pending for ever (PartitionTimeLimit), where qsub refuses at once. */
	put(v, "time", xstrdup(o->time ? o->time : o->sched == SCHED_PBS ? SUBMIT_DEFAULT_TIME : ""));
	put(v, "queue", xstrdup(o->queue ? o->queue : ""));
	put(v, "account", xstrdup(o->account ? o->account : ""));
	put(v, "filesystems", colons(o->filesystems ? o->filesystems : ""));
	put(v, "job_name", o->job_name ? xstrdup(o->job_name) :
	    submit_job_name(o->command, o->ncommand));
	put(v, "qos", xstrdup(o->qos ? o->qos : ""));
	put(v, "constraint", xstrdup(o->constraint ? o->constraint : ""));
	put(v, "gpus_per_node", xstrdup(o->gpus_per_node ? o->gpus_per_node : ""));
	put(v, "scheduler", xstrdup(sched_name(o->sched)));
	put(v, "workdir", shell_quote(SHELL_BASH, o->workdir));
	put(v, "env_setup", xstrdup(o->env_setup ? o->env_setup : ""));
	put(v, "ezpz", xstrdup(self));
	put(v, "command", xstrdup(cmd));
	put(v, "run", o->no_launch ? xstrdup(cmd) : xasprintf("%s launch -- %s", self, cmd));
	free(cmd);
	free(self);
}

static void
values_free(struct values *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->val[i]);
}

static const char *
value_of(const struct values *v, const char *key, size_t len)
{
	for (size_t i = 0; i < v->n; i++)
		if (strlen(v->key[i]) == len && strncmp(v->key[i], key, len) == 0)
			return v->val[i];
	return NULL;
}

/*
 * One template line (without its newline) into b; returns 1 if written,
 * 0 if left out (an empty value), -1 with *err for a bad placeholder.
 * A line that runs the command is never left out: an empty value beside
 * {{run}} (an #SBATCH option on the same line, say) becomes nothing.
 */
static int
render_line(const char *line, size_t len, const struct values *v, struct buf *b,
    const char *name, int lineno, int *runs, char **err)
{
	struct buf out = BUF_INIT;
	const char *p = line, *end = line + len;
	int keep = 1, runs_here = 0;

	while (p < end) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2), *close, *val;
		if (open == NULL) {
			buf_add(&out, p, (size_t)(end - p));
			break;
		}
		buf_add(&out, p, (size_t)(open - p));
		close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (close == NULL || (val = value_of(v, open + 2, (size_t)(close - open - 2))) == NULL) {
			int w = close ? (int)(close - open + 2) : (int)(end - open);
			*err = xasprintf("template '%s': line %d: %s '%.*s' (known: nodes, select, time, "
			    "queue, account, filesystems, resources, job_name, qos, constraint, "
			    "gpus_per_node, scheduler, workdir, env_setup, ezpz, command, run)", name, lineno, close ? "unknown placeholder" :
			    "unclosed placeholder", w, open);
			free(out.s);
			return -1;
		}
		if (strncmp(open + 2, "run}}", 5) == 0 || strncmp(open + 2, "command}}", 9) == 0)
			runs_here = 1;
		keep &= *val != '\0';
		buf_add(&out, val, strlen(val));
		p = close + 2;
	}
	*runs |= runs_here;
	keep |= runs_here;
	if (keep) {
		buf_add(b, out.s ? out.s : "", out.len);
		buf_add(b, "\n", 1);
	}
	free(out.s);
	return keep;
}

int
submit_render(const char *tmpl, const char *name, const struct submit_opts *o,
    char **out, char **err)
{
	struct values v = { .n = 0 };
	struct buf b = BUF_INIT;
	int lineno = 0, runs = 0;

	values_fill(&v, o);
	for (const char *p = tmpl; *p; ) {
		size_t len = strcspn(p, "\n");
		if (render_line(p, len, &v, &b, name, ++lineno, &runs, err) < 0) {
			values_free(&v);
			free(b.s);
			return -1;
		}
		p += len + (p[len] == '\n');
	}
	values_free(&v);
	if (!runs) {
		*err = xasprintf("template '%s': no {{run}} or {{command}}: the job would not run "
		    "your command", name);
		free(b.s);
		return -1;
	}
	*out = b.s;
	return 0;
}

int
submit_template_drops(const char *tmpl, const char *name, const struct submit_opts *o,
    int account_wanted, int filesystems_given, char **err)
{
	static const struct { const char *key, *alt, *opt; } need[] = {
		{ "time", NULL, "-t/--time" }, { "queue", NULL, "-q/--queue" },
		{ "account", NULL, "-A/--account" }, { "job_name", NULL, "--job-name" },
		{ "qos", NULL, "--qos" }, { "constraint", NULL, "-C/--constraint" },
		{ "gpus_per_node", NULL, "--gpus-per-node" }, { "filesystems", NULL, "--filesystems" },
		{ "resources", NULL, "-l" }, { "nodes", "select", "-N/--nodes" },
		{ "select", NULL, "-l select=" },
	};
	const int given[] = { o->time != NULL, o->queue != NULL, account_wanted && o->account,
		o->job_name != NULL, o->qos != NULL, o->constraint != NULL, o->gpus_per_node != NULL,
		filesystems_given && o->filesystems != NULL, o->nresources > 0, o->nodes > 1, o->select != NULL };

	for (size_t i = 0; i < NITEMS(need); i++) {
		char *ph, *alt = NULL;
		int has;
		if (!given[i])
			continue;
		ph = xasprintf("{{%s}}", need[i].key);
		if (need[i].alt)
			alt = xasprintf("{{%s}}", need[i].alt);
		has = strstr(tmpl, ph) != NULL || (alt && strstr(tmpl, alt) != NULL);
		free(alt);
		if (!has) {
			*err = xasprintf("template '%s' has no %s: %s would be lost; add a line "
			    "with it (see ezpz-submit(1)), or leave the option out", name, ph,
			    need[i].opt);
			free(ph);
			return -1;
		}
		free(ph);
	}
	return 0;
}

/* ---- the submit command and its answer --------------------------------- */

static void
pbs_options(const struct submit_opts *o, struct strvec *a)
{
	if (o->select) {
		strvec_push(a, "-l");
		strvec_pushf(a, "select=%s", o->select);
	} else if (o->nodes > 0) {
		strvec_push(a, "-l");
		strvec_pushf(a, "select=%d", o->nodes);
	}
	if (o->time) {
		strvec_push(a, "-l");
		strvec_pushf(a, "walltime=%s", o->time);
	}
	if (o->filesystems) {
		char *fs = colons(o->filesystems);
		strvec_push(a, "-l");
		strvec_pushf(a, "filesystems=%s", fs);
		free(fs);
	}
	for (size_t i = 0; i < o->nresources; i++) {
		strvec_push(a, "-l");
		strvec_push(a, o->resources[i]);
	}
	if (wants_scatter(o)) {
		strvec_push(a, "-l");
		strvec_push(a, "place=scatter");
	}
	if (o->queue) {
		strvec_push(a, "-q");
		strvec_push(a, o->queue);
	}
	if (o->account) {
		strvec_push(a, "-A");
		strvec_push(a, o->account);
	}
	if (o->job_name) {
		strvec_push(a, "-N");
		strvec_push(a, o->job_name);
	}
}

static void
slurm_options(const struct submit_opts *o, struct strvec *a)
{
	if (o->nodes > 0)
		strvec_pushf(a, "--nodes=%d", o->nodes);
	if (o->time)
		strvec_pushf(a, "--time=%s", o->time);
	if (o->queue)
		strvec_pushf(a, "--partition=%s", o->queue);
	if (o->account)
		strvec_pushf(a, "--account=%s", o->account);
	if (o->job_name)
		strvec_pushf(a, "--job-name=%s", o->job_name);
	if (o->qos)
		strvec_pushf(a, "--qos=%s", o->qos);
	if (o->constraint)
		strvec_pushf(a, "--constraint=%s", o->constraint);
	if (o->gpus_per_node)
		strvec_pushf(a, "--gpus-per-node=%s", o->gpus_per_node);
}

void
submit_argv(const struct submit_opts *o, const char *script, int with_options, struct strvec *argv)
{
	strvec_push(argv, submit_program(o->sched));
	if (with_options && o->sched == SCHED_PBS)
		pbs_options(o, argv);
	else if (with_options)
		slurm_options(o, argv);
	/* the user's own, last: on the command line they win over directives */
	strvec_pushn(argv, o->sched_args, o->nsched_args);
	strvec_push(argv, script);
	strvec_pushn(argv, o->script_args, o->nscript_args);
}

char *
submit_parse_jobid(enum sched s, const char *out)
{
	static const char said[] = "Submitted batch job ";
	const char *p, *last = NULL;
	size_t len = 0;

	if (out == NULL)
		return NULL;
	if (s == SCHED_SLURM && (p = strstr(out, said)) != NULL) {
		p += strlen(said);
		len = strspn(p, "0123456789_");
		return len ? xstrndup(p, len) : NULL;
	}
	/* qsub prints the id ("123.server") on its last line, as does
	 * sbatch --parsable ("123", or "123;cluster" on a federation). */
	for (p = out; *p; ) {
		size_t n = strcspn(p, "\n"), lead = strspn(p, " \t\r");
		if (n > lead) {
			last = p + lead;
			len = n - lead;
		}
		p += n + (p[n] == '\n');
	}
	while (len > 0 && (last[len - 1] == ' ' || last[len - 1] == '\r' || last[len - 1] == '\t'))
		len--;
	if (last == NULL || len == 0 || last[0] < '0' || last[0] > '9' ||
	    memchr(last, ' ', len) != NULL)
		return NULL;
	if (s == SCHED_SLURM) {
		size_t digits = strspn(last, "0123456789_");
		if (digits < len && last[digits] != ';')
			return NULL;
		len = digits;
	}
	return xstrndup(last, len);
}

/* Digits at *p (at most max) into *out; -1 when none or too many. */
static int
time_field(const char **p, int max, long *out)
{
	long v = 0;
	int n = 0;
	for (; **p >= '0' && **p <= '9'; (*p)++, n++) {
		if (n == max)
			return -1;
		v = v * 10 + (**p - '0');
	}
	*out = v;
	return n ? 0 : -1;
}

long long
submit_walltime(const char *v, enum sched s, char **err)
{
	static const char forms[] = "want HH:MM:SS; Slurm also takes MINUTES, MINUTES:SS, "
	    "DAYS-HH, DAYS-HH:MM or DAYS-HH:MM:SS";
	const char *p = v;
	long days = -1, f[3];
	int k = 0;

	if (strchr(v, '-')) {
		if (time_field(&p, SUBMIT_TIME_DIGITS, &days) < 0 || *p++ != '-')
			goto bad;
	}
	for (;;) {
		/* the first number may be large; those after a ':' have two digits */
		if (k == 3 || time_field(&p, k ? 2 : SUBMIT_TIME_DIGITS, &f[k]) < 0)
			goto bad;
		k++;
		if (*p == '\0')
			break;
		if (*p++ != ':')
			goto bad;
	}
	if (s != SCHED_SLURM && (days >= 0 || k != 3)) {
		*err = xasprintf("--time '%s': PBS takes HH:MM:SS%s", v, days < 0 && k == 1 ?
		    " (a plain number is seconds to PBS, minutes to Slurm)" : "");
		return -1;
	}
	if (days >= 0) {
		/* DAYS-HH[:MM[:SS]] */
		if (f[0] >= 24 || (k > 1 && f[1] >= 60) || (k > 2 && f[2] >= 60)) {
			*err = xasprintf("--time '%s': hours must be below 24 after DAYS-, minutes and "
			    "seconds below 60", v);
			return -1;
		}
		return ((days * 24 + f[0]) * 60 + (k > 1 ? f[1] : 0)) * 60LL + (k > 2 ? f[2] : 0);
	}
	if ((k == 3 && (f[1] >= 60 || f[2] >= 60)) || (k == 2 && f[1] >= 60)) {
		*err = xasprintf("--time '%s': minutes and seconds must be below 60 (%s)", v, forms);
		return -1;
	}
	if (k == 3)
		return (f[0] * 60LL + f[1]) * 60 + f[2];
	return f[0] * 60LL + (k == 2 ? f[1] : 0);   /* MINUTES[:SS] */
bad:
	*err = xasprintf("--time '%s': not a walltime (%s; the first number at most %d digits, "
	    "those after ':' at most 2)", v, forms, SUBMIT_TIME_DIGITS);
	return -1;
}

int
submit_check_value(const char *what, const char *v, char **err)
{
	if (*v == '\0') {
		*err = xasprintf("%s: empty value", what);
		return -1;
	}
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p <= ' ' || *p >= 0x7f) {
			*err = xasprintf("%s '%s': blanks and control characters are not allowed (the "
			    "value goes into a #PBS/#SBATCH line)", what, v);
			return -1;
		}
	}
	return 0;
}
