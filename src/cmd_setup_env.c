/* SPDX-License-Identifier: MIT */
/*
 * cmd_setup_env.c: `eval "$(ezpz setup-env)"`: load the machine's modules,
 * activate its Python (conda, a prefix) and a venv on top, export the job's
 * facts and the profile's runtime variables, and define `launch`; or, when
 * any of it did not take effect, say what and how to fix it, and print code
 * that makes the eval fail while changing nothing.
 *
 * The steps run in one child bash (setupenv.c writes the script); this file
 * runs it, diffs the environment it ends with against ezpz's own (the
 * user's shell's), and prints the difference with shell.c.  stdout is only
 * ever code for eval (or JSON); every word for people goes to stderr.
 *
 * All or nothing: the code is one block ({ ... } or begin ... end) whose
 * opener is printed first, so output cut short by a kill is a syntax error,
 * not half an environment; and every exit before the end, die() included,
 * closes the block with `false` (an atexit guard), because an eval of
 * empty output returns 0 and a `set -e` job script would go on.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "exec.h"
#include "ezpz.h"
#include "jobio.h"
#include "json.h"
#include "path.h"
#include "setupenv.h"
#include "shell.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_setup_env;

/* Module loads on a busy parallel file system and a venv with pip take a
 * while; this only stops a hang. */
#define SETUPENV_TIMEOUT_MS (10 * 60 * 1000)
#define OUTPUT_MAX_LINES 40
#define UNDO_VAR "__EZPZ_UNDO"   /* the record of the last setup-env in this shell */

enum {
	O_SHELL = 1, O_JSON, O_DRY_RUN, O_QUIET, O_MODULE, O_NO_MODULES, O_VENV, O_NO_VENV,
	O_WITHOUT_PIP, O_ALLOW_SYSTEM, O_MODULE_USE, O_UNDO
};

static const struct opt se_opts[] = {
	{ O_SHELL, "--shell", "SHELL", "bash|zsh|sh|fish",
	  "write code for SHELL (default: the shell running ezpz, else $SHELL, else sh)" },
	{ O_JSON, "--json", NULL, NULL, "print the changes and the steps as one JSON object" },
	{ O_DRY_RUN, "--dry-run", NULL, NULL,
	  "show the steps and the bash script; run, create and change nothing" },
	{ O_QUIET, "-q|--quiet", NULL, NULL, "no progress lines on stderr (errors still)" },
	{ O_MODULE, "--module", "NAME", NULL,
	  "also load module NAME (or NAME/VERSION) after the profile's; repeatable" },
	{ O_MODULE_USE, "--module-use", "DIR", "@dir",
	  "also 'module use DIR' after the profile's, before any load; repeatable" },
	{ O_NO_MODULES, "--no-modules", NULL, NULL, "load no modules, not even the profile's" },
	{ O_VENV, "--venv", "DIR", "@dir",
	  "activate the venv in DIR, created when missing (default: see above)" },
	{ O_NO_VENV, "--no-venv", NULL, NULL, "no venv: use the profile's Python as it is" },
	{ O_WITHOUT_PIP, "--without-pip", NULL, NULL,
	  "create the venv without pip (python3 -m venv --without-pip; faster)" },
	{ O_UNDO, "--undo", NULL, NULL,
	  "print code that puts back what the last setup-env in this shell changed" },
	{ O_ALLOW_SYSTEM, "--allow-system-python", NULL, NULL,
	  "accept the system python3 (/usr/bin, /bin, /usr/local/bin) with no environment" },
	JOBOPT_ENTRIES,
	JOBOPT_JOB_ENTRY,
	{ 0 }
};

struct args {
	struct job_opts jo;
	const char *topology, *shell, *venv;
	struct strvec modules;
	struct strvec module_use;   /* --module-use DIR */
	int json, dry_run, quiet, no_modules, no_venv, without_pip, allow_system, undo;
	int nopts;                  /* options given, for --undo's check */
};

/* ---- the failure guard ---- */

static struct {
	int armed;    /* stdout is code for eval */
	int opened;   /* the block's opener is out */
	int done;     /* the block is closed */
	int json;     /* stdout is one JSON object instead */
	enum shell sh;
} guard;

static const char *
block_open(enum shell sh)
{
	return sh == SHELL_FISH ? "begin;\n" : "{\n";
}

static const char *
block_close(enum shell sh)
{
	return sh == SHELL_FISH ? "end;\n" : "}\n";
}

static void
guard_fail(void)
{
	if (!guard.armed || guard.done)
		return;
	guard.done = 1;
	/* --json: a failure before any step (the job, an option) is still
	 * one object, with the message just printed as its error */
	if (guard.json) {
		struct setupenv_report rep = { 0, 0, message_last(), NULL, NULL, NULL, NULL, NULL, NULL };
		char *s = json_setup_env(&rep);
		fputs(s, stdout);
		free(s);
		fflush(stdout);
		return;
	}
	fputs("false;\n", stdout);
	if (guard.opened)
		fputs(block_close(guard.sh), stdout);
	fflush(stdout);
}

/* ---- options ---- */

static void
parse_args(struct args *a, int argc, char **argv)
{
	struct optstate st;
	char *cwd;
	int o;

	opt_init(&st, "setup-env", argc, argv);
	while ((o = opt_next(&st, se_opts)) != OPT_DONE) {
		a->nopts += o != O_UNDO && o != O_SHELL && o != O_QUIET;
		switch (o) {
		case OPT_HELP: guard.armed = 0; cmd_help_exit(&cmd_setup_env); break;
		case O_SHELL: a->shell = st.arg; break;
		case O_JSON: a->json = 1; guard.json = 1; break;
		case O_DRY_RUN: a->dry_run = 1; break;
		case O_QUIET: a->quiet = 1; break;
		case O_MODULE:
			if (*st.arg == '\0')
				die_usage("setup-env: --module: empty module name");
			strvec_push(&a->modules, st.arg);
			break;
		case O_MODULE_USE:
			if (*st.arg == '\0')
				die_usage("setup-env: --module-use: empty directory");
			if (st.arg[0] == '/' || (cwd = getcwd(NULL, 0)) == NULL) {
				strvec_push(&a->module_use, st.arg);
			} else {   /* MODULEPATH keeps it: it must not depend on the cwd */
				strvec_pushf(&a->module_use, "%s/%s", cwd, st.arg);
				free(cwd);
			}
			break;
		case O_NO_MODULES: a->no_modules = 1; break;
		case O_VENV:
			if (*st.arg == '\0')
				die_usage("setup-env: --venv: empty path");
			a->venv = st.arg;
			break;
		case O_NO_VENV: a->no_venv = 1; break;
		case O_WITHOUT_PIP: a->without_pip = 1; break;
		case O_ALLOW_SYSTEM: a->allow_system = 1; break;
		case O_UNDO: a->undo = 1; break;
		default:
			if (!jobopt_take(&a->jo, &a->topology, o, st.arg))
				opt_unknown(&st);
		}
	}
	if (st.ind < argc)
		die_usage("setup-env: unexpected argument '%s' (setup-env takes options only)",
		    argv[st.ind]);
	if (a->no_modules && a->modules.n)
		die_usage("setup-env: --no-modules and --module %s contradict each other; drop one",
		    a->modules.v[0]);
	if (a->no_modules && a->module_use.n)
		die_usage("setup-env: --no-modules and --module-use %s contradict each other; drop one",
		    a->module_use.v[0]);
	if (a->no_venv && a->venv)
		die_usage("setup-env: --no-venv and --venv %s contradict each other; drop one", a->venv);
	if (a->json && a->shell)
		die_usage("setup-env: choose one of --json and --shell");
}

/* ---- messages ---- */

static int quiet;

static void PRINTF(1, 2)
say(const char *fmt, ...)
{
	va_list ap;
	if (quiet)
		return;
	va_start(ap, fmt);
	vmessage(fmt, ap, NULL);
	va_end(ap);
}

/* A step's own output, indented, at most OUTPUT_MAX_LINES lines. */
static void
print_output(const char *out)
{
	size_t lines = 0, total = 0;
	const char *p;

	size_t end;

	if (out == NULL)
		return;
	/* Lmod ends its messages with blank lines */
	for (end = strlen(out); end > 0 && strchr(" \t\n", out[end - 1]); end--)
		;
	for (p = out; p < out + end; p++)
		total += *p == '\n';
	if (end)
		total++;
	for (p = out; p < out + end && lines < OUTPUT_MAX_LINES; lines++) {
		size_t n = strcspn(p, "\n");
		if (p + n > out + end)
			n = (size_t)(out + end - p);
		fprintf(stderr, "  | %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	if (total > lines)
		fprintf(stderr, "  | (%zu more lines)\n", total - lines);
}

static const char *
profile_file(const struct setupenv_opts *o)
{
	return o->profile && o->profile->file ? o->profile->file : "the machine profile";
}

/* What to do about a failed step, by kind. */
static void
print_fix(const struct step *s, const struct setupenv_opts *o)
{
	int opt = streq(s->from, "--module") || streq(s->from, "--venv");
	switch (s->kind) {
	case STEP_MODINIT:
		if (s->arg == NULL) {
			error("setup-env: fix: run where Lmod or Environment Modules is installed (a "
			    "login shell there has LMOD_CMD or MODULESHOME set), set MODULESHOME to its "
			    "install, or pass --no-modules to load none (then Python must come from "
			    "elsewhere).  Looked for:");
			for (size_t i = 0; modsys_standard_file(i); i++)
				fprintf(stderr, "  | %s\n", modsys_standard_file(i));
		} else {
			error("setup-env: fix: check the module system's init file by hand: "
			    "bash -c '. %s; type module'", s->arg);
		}
		break;
	case STEP_MODULE_USE:
		if (streq(s->from, "--module-use"))
			error("setup-env: fix: correct your --module-use '%s' (a directory of "
			    "modulefiles), or leave it out", s->arg);
		else
			error("setup-env: fix: correct modules.use in %s (is this machine '%s'? "
			    "--machine NAME picks another profile)", profile_file(o), o->machine);
		break;
	case STEP_MODULE_LOAD:
	case STEP_MODULE_UNLOAD: {
		int n = (int)strcspn(s->arg, "/");
		error("setup-env: fix: 'module avail %.*s' (with Lmod also 'module spider %.*s') lists "
		    "the versions there are; correct %s, or pass --no-modules", n, s->arg, n, s->arg,
		    opt ? "your --module" : "modules in the profile");
		if (!opt)
			error("setup-env: the profile is %s", profile_file(o));
		break;
	}
	case STEP_CONDA:
		error("setup-env: fix: 'conda env list' shows the environments there are; correct "
		    "python.conda_env in %s", profile_file(o));
		break;
	case STEP_PREFIX:
		error("setup-env: fix: correct python.prefix in %s", profile_file(o));
		break;
	case STEP_VENV:
		if (s->rc == SETUPENV_BUSY)
			error("setup-env: fix: wait until the other setup-env has made the venv, then "
			    "run this again (jobs that start at once: make the venv once before)");
		else
			error("setup-env: fix: pass --venv DIR for a venv in a place you can write, "
			    "remove what is in the way, or pass --no-venv");
		break;
	}
}

static void
report_step(const struct setupenv_plan *p, size_t i)
{
	const struct step *s = &p->v[i];
	char *d = step_describe(s);
	error("setup-env: step %zu of %zu, %s (%s%s): failed (exit %d): %s", i + 1, p->n, d,
	    s->kind == STEP_MODINIT ? "" : "from ", s->from, s->rc,
	    s->note ? s->note : "no reason given");
	if (s->output && *s->output) {
		fprintf(stderr, "  | its output:\n");
		print_output(s->output);
	}
	print_fix(s, p->o);
	free(d);
}

/* "setup-env: [2/3] venv /p/v: ok (created ...)", and " in 3.7 s" after
 * a step that took over a second (secs < 0: not timed). */
static void
report_done(const struct setupenv_plan *p, size_t i, double secs)
{
	const struct step *s = &p->v[i];
	char *d = step_describe(s), took[32] = "";
	if (secs >= 1)
		snprintf(took, sizeof took, " in %.1f s", secs);
	say("setup-env: [%zu/%zu] %s: %s%s%s%s%s", i + 1, p->n, d,
	    s->state == STEP_OK ? "ok" : "skipped", s->note ? " (" : "",
	    s->note ? s->note : "", s->note ? ")" : "", took);
	free(d);
}

static void
report_steps(const struct setupenv_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->v[i];
		if (s->state != STEP_OK && s->state != STEP_SKIPPED)
			continue;
		report_done(p, i, -1);
		if (!quiet)
			print_output(s->output);
	}
}

/*
 * Each step as it happens, so that a venv on Lustre is not minutes of
 * silence.  At a terminal: "setup-env: [2/3] venv /p/v ..." when it
 * starts, the seconds counting on that line after the first, then the
 * result in its place.  Elsewhere (a job's log): one plain line as each
 * step ends.  Failures are reported in full afterwards (report_step).
 */
struct progress {
	struct setupenv_plan *p;
	const char *nonce;
	size_t pos;           /* of the transcript, read up to here */
	int tty;              /* stderr is a terminal: the live line */
	int open;             /* the live line is on the screen, unfinished */
	long secs;            /* the seconds it shows */
	size_t cur;           /* the step that began last */
	const char *buf;      /* the transcript so far */
	size_t seg;           /* where the output after the last marker starts */
	struct buf out;       /* the current step's own output */
	double t0;            /* when it began */
	int shown;            /* some step was reported here: report_steps not needed */
};

static void
progress_line(struct progress *g, long secs)
{
	char *d = step_describe(&g->p->v[g->cur]);
	fprintf(stderr, "\r\033[Kezpz: setup-env: [%zu/%zu] %s ...", g->cur + 1, g->p->n, d);
	if (secs > 0)
		fprintf(stderr, " %ld s", secs);
	fflush(stderr);
	message_status_line(1);
	g->open = 1;
	g->secs = secs;
	free(d);
}

static void
progress_event(void *ctx, const struct step *s, const char *verb, size_t start, size_t end)
{
	struct progress *g = ctx;
	size_t i = (size_t)(s - g->p->v);
	if (streq(verb, "begin")) {
		g->cur = i;
		g->t0 = mono_now();
		g->out.len = 0;
		g->seg = end;
		if (g->tty)
			progress_line(g, 0);
		return;
	}
	if (g->seg && start > g->seg)   /* as the transcript reads it: between markers */
		buf_add(&g->out, g->buf + g->seg, start - g->seg);
	g->seg = end;
	if (!streq(verb, "ok") && !streq(verb, "skip") && !streq(verb, "fail"))
		return;
	if (g->open) {
		fputs("\r\033[K", stderr);
		message_status_line(0);
		g->open = 0;
	}
	if (streq(verb, "fail"))
		return;
	report_done(g->p, i, i == g->cur ? mono_now() - g->t0 : -1);
	if (i == g->cur && g->out.len) {
		print_output(g->out.s);
		g->out.len = 0;
	}
	g->shown = 1;
}

static void
progress_watch(void *ctx, const char *out, size_t len)
{
	struct progress *g = ctx;
	g->buf = out;
	setupenv_follow(g->p, g->nonce, out, len, &g->pos, progress_event, g);
	if (g->open) {
		long secs = (long)(mono_now() - g->t0);
		if (secs >= 1 && secs != g->secs)
			progress_line(g, secs);
	}
}

/* ---- running the steps ---- */

static int
file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

static void
make_nonce(char out[33])
{
	unsigned char r[16];
	static const char hex[] = "0123456789abcdef";
	if (getrandom(r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		unsigned long x = (unsigned long)time(NULL) * 2654435761u ^ (unsigned long)getpid();
		for (size_t i = 0; i < sizeof r; i++, x = x * 6364136223846793005u + 1442695040888963407u)
			r[i] = (unsigned char)(x >> 33);
	}
	for (size_t i = 0; i < sizeof r; i++) {
		out[2 * i] = hex[r[i] >> 4];
		out[2 * i + 1] = hex[r[i] & 15];
	}
	out[32] = '\0';
}

/*
 * The steps' bash reads no startup file of the user's: BASH_ENV (and ENV)
 * pointing at a ~/.bashrc that runs setup-env made each step start another
 * setup-env, without end.  They are put back in what the steps end with,
 * also over a value a step set (Lmod's init sets BASH_ENV to its own): the
 * user's file is theirs to keep; only where they had none does a step's
 * stand.  STEP_MARK tells a setup-env that it was started inside the steps
 * of another one all the same.
 */
static const char *const step_unset[] = { "BASH_ENV", "ENV" };
#define STEP_MARK "__EZPZ_SETUP_ENV_STEP"

static void
step_environ(struct strvec *out)
{
	strvec_pushv(out, environ);
	for (size_t i = 0; i < NITEMS(step_unset); i++)
		envset_unset(out, step_unset[i]);
	strvec_pushf(out, "%s=%ld", STEP_MARK, (long)getpid());
}

static void
step_restore(struct strvec *env)
{
	envset_unset(env, STEP_MARK);
	for (size_t i = 0; i < NITEMS(step_unset); i++) {
		const char *v = env_get(environ, step_unset[i]);
		/* env->v anew each time: envset_set may move it */
		if (v)
			envset_set(env, step_unset[i], v);
	}
}

/* Run the plan in bash; env gets the environment it ends with.  -1 with
 * *err (or a failed step in the plan) when it did not all work. */
static int
run_steps(struct setupenv_plan *p, struct strvec *env, char **err, int *shown)
{
	char nonce[33], *script, *bash, *out = NULL;
	struct strvec senv = STRVEC_INIT;
	size_t len = 0;
	int truncated = 0;
	int status, r;
	time_t t0;

	make_nonce(nonce);
	script = setupenv_script(p, nonce);
	if (strlen(script) > SETUPENV_SCRIPT_MAX) {
		*err = xasprintf("the script for %zu steps is %zu bytes, over the %d-byte limit of "
		    "one argument; load fewer modules", p->n, strlen(script), SETUPENV_SCRIPT_MAX);
		free(script);
		return -1;
	}
	if ((bash = path_which(environ, "bash")) == NULL)
		bash = xstrdup("/bin/bash");
	step_environ(&senv);
	t0 = time(NULL);
	{
		char *argv[] = { bash, "-c", script, "ezpz-setup-env", NULL };
		struct progress g = { p, nonce, 0, isatty(2) && !quiet, 0, 0, 0, NULL, 0, BUF_INIT,
			0, 0 };
		char **envp = strvec_argv(&senv);
		status = quiet ? exec_capture_group(argv, envp, SETUPENV_TIMEOUT_MS, &out, &len,
		    &truncated) : exec_capture_watch(argv, envp, SETUPENV_TIMEOUT_MS,
		    progress_watch, &g, &out, &len, &truncated);
		if (g.open) {
			fputs("\r\033[K", stderr);
			message_status_line(0);
		}
		*shown = g.shown;
		buf_free(&g.out);
	}
	if (status < 0) {
		*err = xasprintf("cannot run %s: %s (the steps need bash)", bash, strerror(errno));
		r = -1;
	} else if (truncated) {
		*err = xasprintf("the steps printed more than 64 MiB, so their environment could not "
		    "be read back whole; make the modules or the venv's activate script quieter");
		r = -1;
	} else if ((r = setupenv_transcript(p, nonce, out, len, status, env, err)) == 0) {
		step_restore(env);
	}
	/* killed by exec_capture_group's timeout, not by someone else */
	if (r < 0 && status == EXIT_SIGBASE + SIGKILL &&
	    (time(NULL) - t0) * 1000 >= SETUPENV_TIMEOUT_MS - 1000)
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].state == STEP_FAILED) {
				free(p->v[i].note);
				p->v[i].note = xasprintf("still running after %d s, so ezpz killed it "
				    "(does a module, conda or pip wait for something?)",
				    SETUPENV_TIMEOUT_MS / 1000);
			}
	free(out);
	free(script);
	free(bash);
	strvec_clear(&senv);
	return r;
}

/* ---- the job's variables ---- */

/*
 * Could the steps have changed the launcher?  Only when it was found on
 * PATH (not named by --launcher, EZPZ_LAUNCHER or the profile) and a
 * launcher on PATH is another one now (a module brought mpiexec).
 */
static int
launcher_may_differ(const struct job *job, char *const *after)
{
	static const char *const names[] = { "srun", "mpiexec", "mpirun" };
	enum src_kind src = job->src.launcher.kind;
	int differ = 0;

	if (src == SRC_OPTION || src == SRC_ENV || src == SRC_PROFILE)
		return 0;
	for (size_t i = 0; i < NITEMS(names) && !differ; i++) {
		char *a = path_which(environ, names[i]), *b = path_which(after, names[i]);
		differ = !streq(a ? a : "", b ? b : "");
		free(a);
		free(b);
	}
	return differ;
}

/* The job's facts; detected again in the final environment when the
 * launcher may have changed.  Those the job lacks are unset: another
 * job's HOSTFILE left in place would outlive it under the new EZPZ_JOBID,
 * where the stale-fact check can no longer see it. */
static void
add_job_env(struct strvec *env, const struct args *a, const struct job *first)
{
	struct strvec facts = STRVEC_INIT, absent = STRVEC_INIT;
	struct jobctx c;
	struct job_opts jo = a->jo;
	int rerun = launcher_may_differ(first, strvec_argv(env));

	if (rerun) {
		if (first->profile && jo.machine == NULL)
			jo.machine = first->profile->name;
		jobctx_init(&c, strvec_argv(env), a->topology);
		jobctx_detect(&c, &jo);
		job_facts_env(&c.job, &facts, &absent);
		jobctx_free(&c);
	} else {
		job_facts_env(first, &facts, &absent);
	}
	for (size_t i = 0; i < absent.n; i++)
		envset_unset(env, absent.v[i]);
	for (size_t i = 0; i < facts.n; i++)
		envset_put(env, facts.v[i]);
	strvec_clear(&facts);
	strvec_clear(&absent);
}

/* The profile's runtime variables: defaults; a value the user set wins,
 * even an empty one (as in ezpz launch: ezpz-machines(5)). */
static void
add_profile_env(struct strvec *env, const struct profile *pr)
{
	for (size_t i = 0; pr && i < pr->env.n; i++) {
		const char *v;
		char *k = env_split(pr->env.v[i], &v);
		if (env_get(strvec_argv(env), k) == NULL)
			envset_set(env, k, v);
		free(k);
	}
}

static void
dedupe_path(struct strvec *env)
{
	const char *path = env_get(strvec_argv(env), "PATH");
	char *d;
	if (path == NULL)
		return;
	d = setupenv_path_dedupe(path);
	envset_set(env, "PATH", d);
	free(d);
}

/* ---- printing ---- */

static char *
launch_function(enum shell sh, const char *self)
{
	char *q = shell_quote(sh, self), *r;
	switch (sh) {
	case SHELL_FISH: r = xasprintf("function launch; %s launch $argv; end;\n", q); break;
	case SHELL_SH: r = xasprintf("launch() { %s launch \"$@\"; };\n", q); break;
	default:
		/* 'function NAME' is not alias-expanded: an old `alias launch=`
		 * (the Python ezpz defined one) cannot break the definition. */
		r = xasprintf("function launch { %s launch \"$@\"; };\n", q);
		break;
	}
	free(q);
	return r;
}

/* ---- undo ---- */

/*
 * The undo record: for each variable the printed code changes, and for
 * UNDO_VAR itself (so that undoing twice goes back two setup-envs), its
 * value now ("KEY=VALUE") or that it is unset ("KEY"), NUL-separated, in
 * a file of the state directory.  The module system's state (Lmod's
 * _ModuleTable, LOADEDMODULES, MODULEPATH) and the venv's (VIRTUAL_ENV,
 * PATH) are variables too, so this puts modules and venv back as well.
 */
static void
undo_add(struct buf *b, const char *key)
{
	const char *v = env_get(environ, key);
	buf_adds(b, key);
	if (v) {
		buf_addc(b, '=');
		buf_adds(b, v);
	}
	buf_addc(b, '\0');
}

/*
 * Records no setup-env has written for UNDO_KEEP_DAYS go: every job adds
 * one.  A shell that old that still wants its undo gets "the record ...:
 * No such file", and a setup-env of its own does not go back.
 */
#define UNDO_KEEP_DAYS 90
static void
undo_prune(const char *dir)
{
	time_t old = time(NULL) - (time_t)UNDO_KEEP_DAYS * 24 * 3600;
	DIR *d = opendir(dir);
	struct dirent *e;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		size_t n = strlen(e->d_name);
		if (!startswith(e->d_name, "undo-") || n < 5 || !streq(e->d_name + n - 5, ".env0"))
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode) && st.st_mtime < old)
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

static char *
save_undo(const struct envdiff *d)
{
	char *err = NULL, *dir = path_state_dir(environ, "setup-env", &err), *path;
	struct buf b = BUF_INIT;
	int fd, bad;

	if (dir == NULL) {
		warn("setup-env: no undo for this one: %s", err);
		free(err);
		return NULL;
	}
	undo_add(&b, UNDO_VAR);
	for (size_t i = 0; i < d->set.n; i++) {
		const char *v;
		char *k = env_split(d->set.v[i], &v);
		undo_add(&b, k);
		free(k);
	}
	for (size_t i = 0; i < d->unset.n; i++)
		undo_add(&b, d->unset.v[i]);
	undo_prune(dir);
	/* Unique: shells on hosts (or in containers) that share HOME can have
	 * the same pid in the same second. */
	path = xasprintf("%s/undo-%ld-%ld-XXXXXX.env0", dir, (long)time(NULL), (long)getpid());
	free(dir);
	fd = mkostemps(path, 5, O_CLOEXEC);
	bad = fd < 0 || write_all(fd, b.s, b.len) < 0;
	bad |= fd >= 0 && close(fd) < 0;
	free(b.s);
	if (bad) {
		warn("setup-env: no undo for this one: cannot write '%s': %s", path, strerror(errno));
		unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

static char *
unset_launch(enum shell sh)
{
	return xstrdup(sh == SHELL_FISH ? "functions -e launch;\n" :
	    "unset -f launch 2>/dev/null || true;\n");
}

/*
 * All or nothing against read-only variables too: bash goes on after an
 * export it refuses (status 0 at the end), zsh stops half-way, dash exits.
 * So the changes are tried first, by name, in a subshell; only when every
 * one is allowed do they run.  fish has no read-only variables of a user's.
 */
static void
trial_open(enum shell sh, const struct strvec *set, const struct strvec *unset, int launch,
    FILE *fp)
{
	/* && and not set -e, which an if's condition turns off */
	if (sh == SHELL_FISH)
		return;
	fputs("if ( :", fp);
	for (size_t i = 0; i < set->n; i++)
		if (shell_valid_name(set->v[i]))
			fprintf(fp, " && export %s=", set->v[i]);
	for (size_t i = 0; i < unset->n; i++)
		if (shell_valid_name(unset->v[i]))
			fprintf(fp, " && unset %s", unset->v[i]);
	/* bash's readonly -f launch refuses the function too */
	if (launch)
		fputs(sh == SHELL_SH ? " && launch() { :; }" : " && function launch { :; }", fp);
	fputs(" ); then\n", fp);
}

static void
trial_close(enum shell sh, FILE *fp)
{
	if (sh == SHELL_FISH)
		return;
	fputs("else echo 'ezpz: setup-env: this shell refused a change (above: a read-only "
	    "variable or function?); nothing was changed' >&2; false; fi\n", fp);
}

/* --undo: the code that puts back what UNDO_VAR's record holds. */
static int
undo_run(const struct args *a)
{
	enum shell sh = shell_choose("setup-env", a->shell, environ);
	const char *path = env_nonempty(environ, UNDO_VAR);
	size_t len = 0, nset = 0, nunset = 0;
	struct strvec lines = STRVEC_INIT, set = STRVEC_INIT, unset = STRVEC_INIT;
	char *text;
	int last = 0;

	/* a failure prints 'false' (setup_env_run armed the guard), as every
	 * setup-env does: an eval of nothing returns 0 */
	guard.sh = sh;
	if (a->nopts)
		die_usage("setup-env: --undo takes only --shell and -q");
	if (path == NULL)
		die("setup-env: --undo: nothing to undo in this shell (%s is unset: "
		    "eval \"$(ezpz setup-env)\" sets it)", UNDO_VAR);
	if ((text = read_file(path, READ_MAX_HOSTFILE, &len, NULL)) == NULL)
		die_errno("setup-env: --undo: the record '%s'", path);
	if (len == 0 || text[len - 1] != '\0')
		die("setup-env: --undo: the record '%s' is cut short", path);
	for (const char *q = text; q < text + len; q += strlen(q) + 1) {
		const char *v = strchr(q, '='), *now;
		char *k = v ? xstrndup(q, (size_t)(v - q)) : xstrdup(q), *l = NULL;
		if (!shell_valid_name(k)) {
			free(k);
			continue;
		}
		now = env_get(environ, k);
		if (v && (now == NULL || !streq(now, v + 1))) {
			l = shell_export(sh, k, v + 1), nset++;
			strvec_push(&set, k);
		} else if (!v && now) {
			l = shell_unset(sh, k), nunset++;
			strvec_push(&unset, k);
		}
		if (!v && streq(k, UNDO_VAR))
			last = 1;   /* back to before any setup-env: no launch either */
		if (l)
			strvec_push(&lines, l);
		free(l);
		free(k);
	}
	free(text);
	if (last) {
		char *l = unset_launch(sh);
		strvec_push(&lines, l);
		free(l);
	}
	fputs(block_open(sh), stdout);
	trial_open(sh, &set, &unset, 0, stdout);
	for (size_t i = 0; i < lines.n; i++)
		fputs(lines.v[i], stdout);
	trial_close(sh, stdout);
	fputs(block_close(sh), stdout);
	strvec_clear(&lines);
	strvec_clear(&set);
	strvec_clear(&unset);
	if (!a->quiet)
		fprintf(stderr, "ezpz: setup-env: undo: %zu variable%s put back, %zu unset (%s)\n",
		    nset, nset == 1 ? "" : "s", nunset, path);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("setup-env: --undo: cannot write the code");
	guard.done = 1;
	return EXIT_OK;
}

static void
print_code(enum shell sh, const struct envdiff *d, const char *self, const char *undo)
{
	struct strvec lines = STRVEC_INIT, names = STRVEC_INIT;
	char *f;

	for (size_t i = 0; i < d->unset.n; i++) {
		char *l = shell_unset(sh, d->unset.v[i]);
		if (l)
			strvec_push(&lines, l);
		free(l);
	}
	for (size_t i = 0; i < d->set.n; i++) {
		const char *v;
		char *k = env_split(d->set.v[i], &v);
		char *l = shell_export(sh, k, v);
		if (l)
			strvec_push(&lines, l);
		free(l);
		free(k);
	}
	if (undo) {
		char *l = shell_export(sh, UNDO_VAR, undo);
		strvec_push(&lines, l);
		free(l);
	}
	f = launch_function(sh, self);
	strvec_push(&lines, f);
	free(f);
	for (size_t i = 0; i < d->set.n; i++)
		strvec_push(&names, d->set.v[i]);
	for (size_t i = 0; i < names.n; i++)
		names.v[i][strcspn(names.v[i], "=")] = '\0';
	if (undo)
		strvec_push(&names, UNDO_VAR);
	trial_open(sh, &names, &d->unset, 1, stdout);
	for (size_t i = 0; i < lines.n; i++)
		fputs(lines.v[i], stdout);
	trial_close(sh, stdout);
	fputs(block_close(sh), stdout);
	guard.done = 1;
	strvec_clear(&lines);
	strvec_clear(&names);
}

/*
 * One comment line of the dry run.  Every value in it (the working
 * directory, the profile's path, a module name, a fact) is the user's or
 * the machine's: a newline there would end the comment and run the rest
 * under eval, so control characters become '?' (tabs are harmless).
 */
static void PRINTF(1, 2)
comment(const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = xvasprintf(fmt, ap);
	va_end(ap);
	for (unsigned char *c = (unsigned char *)line; *c; c++)
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f)
			*c = '?';
	printf("#%s%s\n", *line ? " " : "", line);
	free(line);
}

static void
print_dry_run(const struct setupenv_plan *p, const struct strvec *facts,
    const struct strvec *absent, const struct profile *pr, const char *self, const char *script,
    enum shell sh)
{
	const struct setupenv_opts *o = p->o;
	char *f;

	comment("ezpz setup-env --dry-run: nothing runs, nothing is created or changed");
	comment("machine: %s (%s)", o->machine, pr ? profile_file(o) : "no profile");
	comment("module system: %s, %s (%s)", modsys_name(o->modsys->kind),
	    o->modsys->init ? o->modsys->init : "no init file", o->modsys->why);
	if (p->n == 0)
		comment("steps: none, so no shell runs");
	else
		comment("steps, in one bash:");
	for (size_t i = 0; i < p->n; i++) {
		char *d = step_describe(&p->v[i]);
		comment("  %zu. %s  [%s%s]%s%s", i + 1, d,
		    p->v[i].kind == STEP_MODINIT ? "" : "from ", p->v[i].from,
		    p->v[i].state == STEP_FAILED ? "  FAILS: " : "",
		    p->v[i].state == STEP_FAILED ? p->v[i].note : "");
		free(d);
		if (p->v[i].kind == STEP_VENV && p->v[i].arg == NULL)
			comment("     (the active venv if VIRTUAL_ENV is set, else %s/venvs/%s/"
			    "<basename of %s>-<basename of the Python root after the steps above>)",
			    o->workdir, o->machine, o->workdir);
	}
	comment("then the job's variables:");
	for (size_t i = 0; i < facts->n; i++)
		comment("  %s", facts->v[i]);
	for (size_t i = 0; i < absent->n; i++)
		comment("  unset %s (this job has none)", absent->v[i]);
	if (pr && pr->env.n) {
		comment("and the profile's defaults (a value already set wins):");
		for (size_t i = 0; i < pr->env.n; i++)
			comment("  %s", pr->env.v[i]);
	}
	f = launch_function(sh, self);
	comment("and the function: %.*s", (int)strlen(f) - 1, f);   /* less its newline */
	free(f);
	comment("then the check that a Python environment is active (else exit 1, change nothing)");
	if (script) {
		comment("the bash script:");
		for (const char *q = script; *q; ) {
			size_t n = strcspn(q, "\n");
			comment("  %.*s", (int)n, q);
			q += n + (q[n] == '\n');
		}
	}
}

/* ---- the command ---- */

struct run {
	struct args a;
	enum shell sh;
	struct jobctx c;
	char *cwd, *venv, *self;
	char *workdir;         /* where the default venv goes (venv_workdir) */
	struct modsys ms;
	struct setupenv_opts o;
	struct setupenv_plan p;
	struct strvec env;
	struct envdiff d;
	struct pycheck pc;
	int checked;
};

/* What failed, in one line, for JSON's "error". */
static char *
failure_summary(const struct run *r)
{
	for (size_t i = 0; i < r->p.n; i++) {
		const struct step *s = &r->p.v[i];
		if (s->state == STEP_FAILED) {
			char *d = step_describe(s), *m;
			m = xasprintf("step %zu, %s: %s", i + 1, d, s->note ? s->note : "failed");
			free(d);
			return m;
		}
	}
	if (r->checked && !r->pc.ok)
		return xasprintf("no Python environment is active (python3: %s)",
		    r->pc.python3 ? r->pc.real : "not found on PATH");
	return xstrdup("setup-env failed");
}

/* why: a failure no step carries, or NULL. */
static int
finish_fail(struct run *r, const char *why)
{
	if (why)
		error("setup-env: %s", why);
	if (r->a.json) {
		char *summary = why ? xstrdup(why) : failure_summary(r), *s;
		struct setupenv_report rep = { 0, 0, summary, NULL, &r->p, &r->ms,
			r->checked ? &r->pc : NULL, r->self, NULL };
		s = json_setup_env(&rep);
		fputs(s, stdout);
		free(s);
		free(summary);
		guard.done = 1;
	} else {
		error("setup-env: nothing was changed in your shell: the code printed for eval only "
		    "runs 'false'");
	}
	guard_fail();
	return EXIT_FAIL;
}

static int
same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && S_ISDIR(sa.st_mode) &&
	    S_ISDIR(sb.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/*
 * The directory the default venv goes under: the current one, except in a
 * PBS job still in $HOME, where PBS starts it (Slurm starts jobs where
 * sbatch ran): there PBS_O_WORKDIR, where qsub ran, so that the job finds
 * the venv made there on the login node, not a new one in $HOME.
 */
static char *
venv_workdir(const struct run *r)
{
	const char *home = env_nonempty(environ, "HOME");
	const char *sub = env_nonempty(environ, "PBS_O_WORKDIR");
	struct stat st;
	char *real;

	if (r->c.job.sched != SCHED_PBS || home == NULL || sub == NULL || *sub != '/' ||
	    !same_dir(r->cwd, home) || same_dir(sub, r->cwd) || stat(sub, &st) < 0 ||
	    !S_ISDIR(st.st_mode))
		return xstrdup(r->cwd);
	say("setup-env: the job started in $HOME (%s): the default venv goes under "
	    "PBS_O_WORKDIR %s, where qsub ran", r->cwd, sub);
	return (real = realpath(sub, NULL)) != NULL ? real : xstrdup(sub);
}

static void
run_init(struct run *r, int argc, char **argv)
{
	parse_args(&r->a, argc, argv);
	quiet = r->a.quiet;
	r->sh = shell_choose("setup-env", r->a.shell, environ);
	guard.sh = r->sh;
	if (!r->a.json && !r->a.dry_run) {
		fputs(block_open(r->sh), stdout);
		fflush(stdout);
		guard.opened = 1;
	}
	jobctx_init(&r->c, environ, r->a.topology);
	jobctx_detect(&r->c, &r->a.jo);
	if (r->c.job.stale_note)
		warn("%s", r->c.job.stale_note);
	if (r->c.job.launcher_note)
		warn("launcher: %s", r->c.job.launcher_note);
	if ((r->cwd = getcwd(NULL, 0)) == NULL)
		die_errno("setup-env: cannot find the working directory (for the venv path)");
	r->self = path_self();
	r->workdir = venv_workdir(r);
	modsys_detect(environ, file_exists, &r->ms);
	if (r->a.venv)
		r->venv = setupenv_abspath(r->cwd, r->a.venv);
	r->o = (struct setupenv_opts){
		.profile = r->c.job.profile, .machine = r->c.job.machine, .workdir = r->workdir,
		.modules = r->a.modules.v, .nmodules = r->a.modules.n,
		.module_use = r->a.module_use.v, .nmodule_use = r->a.module_use.n, .venv = r->venv,
		.no_modules = r->a.no_modules, .no_venv = r->a.no_venv,
		.without_pip = r->a.without_pip, .modsys = &r->ms,
	};
	setupenv_plan_build(&r->p, &r->o);
}

static void
run_free(struct run *r)
{
	setupenv_plan_free(&r->p);
	modsys_free(&r->ms);
	envdiff_free(&r->d);
	strvec_clear(&r->env);
	strvec_clear(&r->a.modules);
	strvec_clear(&r->a.module_use);
	if (r->checked)
		pycheck_free(&r->pc);
	jobctx_free(&r->c);
	free(r->cwd);
	free(r->workdir);
	free(r->venv);
	free(r->self);
}

static int
dry_run(struct run *r)
{
	struct strvec facts = STRVEC_INIT, absent = STRVEC_INIT, unset = STRVEC_INIT;
	char *script = r->p.n ? setupenv_script(&r->p, "NONCE") : NULL;
	int failed = 0;

	for (size_t i = 0; i < r->p.n; i++)
		failed |= r->p.v[i].state == STEP_FAILED;
	job_facts_env(&r->c.job, &facts, &absent);
	/* Only what is set would be unset. */
	for (size_t i = 0; i < absent.n; i++)
		if (env_get(environ, absent.v[i]))
			strvec_push(&unset, absent.v[i]);
	if (r->a.json) {
		struct envdiff d = ENVDIFF_INIT;
		struct setupenv_report rep = { !failed, 1, NULL, &d, &r->p, &r->ms, NULL, r->self,
			script };
		char *s;
		strvec_pushv(&d.set, facts.v);
		strvec_pushv(&d.unset, unset.v);
		for (size_t i = 0; r->c.job.profile && i < r->c.job.profile->env.n; i++)
			strvec_push(&d.set, r->c.job.profile->env.v[i]);
		s = json_setup_env(&rep);
		fputs(s, stdout);
		free(s);
		envdiff_free(&d);
	} else {
		print_dry_run(&r->p, &facts, &unset, r->c.job.profile, r->self, script, r->sh);
	}
	guard.done = 1;
	strvec_clear(&facts);
	strvec_clear(&absent);
	strvec_clear(&unset);
	free(script);
	if (failed)
		error("setup-env: the steps would fail: no module system found (see above)");
	return failed ? EXIT_FAIL : EXIT_OK;
}

#define PY_START_TIMEOUT_MS 30000   /* a cold start on a busy shared filesystem */

static int
check_python(struct run *r, char **why)
{
	char *advice;

	setupenv_python_check(strvec_argv(&r->env), r->a.allow_system, &r->pc);
	r->checked = 1;
	/* The python3 a shell will have must start, as doctor checks: found
	 * is not enough (a wrapper that fails, a deleted interpreter). */
	if (r->pc.ok && r->pc.python3) {
		char *argv[] = { r->pc.python3, "-c", "", NULL }, *out = NULL;
		int st = exec_capture(argv, strvec_argv(&r->env), PY_START_TIMEOUT_MS, &out);
		if (st != 0) {
			/* its last line: a traceback's first says nothing */
			char *t = out ? strtrim(out) : NULL, *last = t ? strrchr(t, '\n') : NULL;
			const char *line = last ? last + 1 : t ? t : "";
			if (st < 0)
				*why = xasprintf("python3 at %s cannot be started: %s; fix or deactivate the "
				    "environment that provides it", r->pc.python3, strerror(errno));
			else
				*why = xasprintf("python3 at %s does not run (exit %d)%s%s; fix or deactivate "
				    "the environment that provides it", r->pc.python3, st, *line ? ": " : "",
				    line);
			free(out);
			r->pc.ok = 0;
			return -1;
		}
		free(out);
	}
	if (r->pc.ok) {
		if (r->pc.root_var)
			say("setup-env: python3 is %s (%s=%s)", r->pc.python3, r->pc.root_var, r->pc.root);
		else
			say("setup-env: python3 is %s%s", r->pc.python3,
			    r->pc.system ? " (the system python: --allow-system-python)" : "");
		return 0;
	}
	advice = setupenv_python_advice(&r->pc, strvec_argv(&r->env), &r->p);
	error("setup-env: no Python environment is active after the steps");
	fputs(advice, stderr);
	free(advice);
	return -1;
}

static int
setup_env_run(int argc, char **argv)
{
	struct run r = { 0 };
	char *err = NULL;
	int status = EXIT_OK, shown = 0, undo_asked = 0;

	/* from here on, every way out but success prints 'false' (--undo's
	 * usage errors too) */
	guard.armed = 1;
	atexit(guard_fail);
	for (int i = 1; i < argc && !streq(argv[i], "--"); i++) {
		guard.json |= streq(argv[i], "--json");   /* before an option error */
		undo_asked |= streq(argv[i], "--undo");
	}
	if (undo_asked) {
		struct args a = { 0 };
		parse_args(&a, argc, argv);
		status = undo_run(&a);
		strvec_clear(&a.modules);
		strvec_clear(&a.module_use);
		return status;
	}
	if (env_nonempty(environ, STEP_MARK))
		die("setup-env: started inside a step of another ezpz setup-env (pid %s): a shell "
		    "startup file that bash reads there runs setup-env again; run it only in "
		    "interactive shells or job scripts, or skip it when %s is set",
		    env_get(environ, STEP_MARK), STEP_MARK);
	run_init(&r, argc, argv);
	if (r.a.dry_run) {
		status = dry_run(&r);
		goto out;
	}
	for (size_t i = 0; i < r.p.n; i++)
		if (r.p.v[i].state == STEP_FAILED) {
			report_step(&r.p, i);
			status = finish_fail(&r, NULL);
			goto out;
		}
	if (r.p.n) {
		say("setup-env: machine '%s': running %zu step%s in bash", r.c.job.machine, r.p.n,
		    r.p.n == 1 ? "" : "s");
		if (run_steps(&r.p, &r.env, &err, &shown) < 0) {
			for (size_t i = 0; i < r.p.n; i++)
				if (r.p.v[i].state == STEP_FAILED)
					report_step(&r.p, i);
			status = finish_fail(&r, err);
			goto out;
		}
		if (!shown)
			report_steps(&r.p);
		dedupe_path(&r.env);
	} else {
		strvec_pushv(&r.env, environ);
	}
	if (check_python(&r, &err) < 0) {
		status = finish_fail(&r, err);
		goto out;
	}
	add_job_env(&r.env, &r.a, &r.c.job);
	add_profile_env(&r.env, r.c.job.profile);
	setupenv_diff(environ, strvec_argv(&r.env), &r.d);
	say("setup-env: %zu variable%s to set, %zu to unset; 'launch' runs %s launch", r.d.set.n,
	    r.d.set.n == 1 ? "" : "s", r.d.unset.n, r.self);
	if (r.a.json) {
		struct setupenv_report rep = { 1, 0, NULL, &r.d, &r.p, &r.ms, &r.pc, r.self, NULL };
		char *s = json_setup_env(&rep);
		fputs(s, stdout);
		free(s);
		guard.done = 1;
	} else {
		/* a setup-env that changes nothing keeps the record of the one before */
		char *undo = r.d.set.n + r.d.unset.n ? save_undo(&r.d) : NULL;
		print_code(r.sh, &r.d, r.self, undo);
		free(undo);
		/* code on a terminal changed nothing: never a silent no-op */
		if (isatty(STDOUT_FILENO)) {
			fflush(stdout);
			warn("setup-env: the code above changed nothing in this shell; to apply it: %s",
			    r.sh == SHELL_FISH ? "ezpz setup-env | source" : "eval \"$(ezpz setup-env)\"");
		}
	}
out:
	free(err);
	run_free(&r);
	return status;
}

const struct ezpz_cmd cmd_setup_env = {
	.name = "setup-env",
	.summary = "print shell code that loads modules, a venv and the job's variables",
	.usage = "[--shell SHELL | --json] [--dry-run] [-q] [--module-use DIR]... [--module NAME]... "
	    "[--no-modules] [--venv DIR | --no-venv] [--without-pip] [--allow-system-python] "
	    "[--machine NAME]\n"
	    "--undo [--shell SHELL] [-q]",
	.description =
	    "Use as: eval \"$(ezpz setup-env)\"   (fish: ezpz setup-env | source)\n"
	    "\n"
	    "In one bash, set up the module system (Lmod or Environment Modules, found\n"
	    "from LMOD_CMD, MODULES_CMD, MODULESHOME or their standard init files, so a\n"
	    "non-login shell works), then run the machine profile's 'module use',\n"
	    "'module unload' and 'module load' and each --module, 'conda activate' of\n"
	    "python.conda_env, python.prefix/bin first on PATH, and a venv on top:\n"
	    "--venv DIR, else the venv already active, else\n"
	    "  WORKDIR/venvs/MACHINE/<basename of WORKDIR>-<basename of the Python root>\n"
	    "(the root: CONDA_PREFIX, PYTHON_ROOT or PYTHONUSERBASE, else the prefix of\n"
	    "python3; 'pythonX.Y' in the name becomes 'pyX.Y'), created when missing with\n"
	    "--system-site-packages ('uv venv' when uv is on PATH, else python3 -m venv).\n"
	    "Each step is checked (a module that loads nothing fails).  Then the job's\n"
	    "variables (NHOSTS, NGPU_PER_HOST, NGPUS, HOSTFILE, EZPZ_*), the profile's\n"
	    "env defaults and a 'launch' function are added (HOSTFILE and EZPZ_LAUNCHER\n"
	    "are unset when the job has none), and the difference to this shell's\n"
	    "environment is printed for eval.  The module state (LOADEDMODULES,\n"
	    "MODULEPATH, ...) is carried, but not the 'module' function: 'module list'\n"
	    "works where 'module' is defined (a login shell, or after sourcing the module\n"
	    "system's init).  A second eval changes nothing.\n"
	    "\n"
	    "It fails (exit 1) when a step fails or no Python environment is active\n"
	    "afterwards (CONDA_PREFIX, PYTHON_ROOT, PYTHONUSERBASE and VIRTUAL_ENV unset,\n"
	    "and python3 missing or a system one, unless --allow-system-python): it then\n"
	    "says what failed and how to fix it, and prints only 'false', so the eval\n"
	    "fails, a 'set -e' script stops, and the shell is left unchanged.\n"
	    "Exit status: 0 ok, 1 a step or the Python check failed, 2 usage.",
	.opts = se_opts,
	.run = setup_env_run,
};
