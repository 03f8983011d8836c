/* SPDX-License-Identifier: MIT */
/*
 * cmd_submit.c: `ezpz submit` — make a PBS or Slurm job script from a
 * template (submit.c), write it under a name nobody else has (O_EXCL),
 * completely, before the scheduler sees it, submit it with qsub or sbatch,
 * and print the job id.  A failed submission is a failed command: the
 * scheduler's own message and a non-zero exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "exec.h"
#include "ezpz.h"
#include "jobio.h"
#include "path.h"
#include "profile.h"
#include "shell.h"
#include "submit.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_submit;

#define SUBMIT_TIMEOUT_MS 120000   /* a busy slurmctld/PBS server answers slowly */
#define SCRIPT_NAME_TRIES 100

enum {
	O_NODES = 1, O_TIME, O_QUEUE, O_ACCOUNT, O_FILESYSTEMS, O_JOB_NAME, O_SCHEDULER,
	O_ENV, O_NO_LAUNCH, O_DRY_RUN, O_OUTPUT, O_TEMPLATE, O_RESOURCE, O_QOS, O_CONSTRAINT,
	O_GPUS_PER_NODE, O_MACHINE, O_SCHED_ARGS
};

static const struct opt submit_opts_table[] = {
	{ O_NODES, "-N|--nodes", "N", NULL, "number of nodes (default 1)" },
	{ O_TIME, "-t|--time", "HH:MM:SS", NULL, "walltime (default: 01:00:00 under PBS, the partition's DefaultTime under Slurm)" },
	{ O_QUEUE, "-q|--queue", "QUEUE", NULL, "PBS queue or Slurm partition (default: the scheduler's)" },
	{ O_ACCOUNT, "-A|--account", "ACCOUNT", NULL,
	  "account to charge (else $PBS_ACCOUNT or $SLURM_ACCOUNT, else $PROJECT)" },
	{ O_FILESYSTEMS, "--filesystems", "FS[,FS...]", NULL,
	  "PBS filesystems (default: the machine profile's submit.filesystems, else none)" },
	{ O_RESOURCE, "-l|--resource", "RES=VALUE", NULL,
	  "a PBS resource, e.g. place=scatter, or select=2:ncpus=8:mpiprocs=4 instead of -N "
	  "(repeatable)" },
	{ O_JOB_NAME, "--job-name", "NAME", NULL, "job name (default: from -m MODULE or the command)" },
	{ O_QOS, "--qos", "QOS", NULL, "Slurm quality of service (e.g. debug, regular)" },
	{ O_CONSTRAINT, "-C|--constraint", "FEATURES", NULL, "Slurm node features (e.g. gpu)" },
	{ O_GPUS_PER_NODE, "--gpus-per-node", "N", NULL, "Slurm GPUs per node" },
	{ O_MACHINE, "--machine", "NAME", NULL,
	  "the machine profile to use (else $EZPZ_MACHINE, else the one matching this host)" },
	{ O_SCHED_ARGS, "--sched-args", "ARGS...", NULL,
	  "pass every word up to the next '--' to qsub or sbatch as it is" },
	{ O_SCHEDULER, "--scheduler", "NAME", "pbs|slurm",
	  "pbs or slurm (else the job's, the profile's, or qsub/sbatch on PATH)" },
	{ O_ENV, "--env", "LINE", NULL,
	  "shell line that sets up the job's environment; an existing file: "
	  "'source /abs/FILE' (default: ezpz setup-env)" },
	{ O_NO_LAUNCH, "--no-launch", NULL, NULL, "run the command itself, not through 'ezpz launch'" },
	{ O_DRY_RUN, "--dry-run", NULL, NULL, "print the script (or the submit command), submit nothing" },
	{ O_OUTPUT, "-o|--output", "FILE", "@file", "write the script to FILE, submit nothing" },
	{ O_TEMPLATE, "--template", "FILE", "@file",
	  "template to use (else templates/SCHEDULER.sh in the profile directories, else built in)" },
	{ 0 }
};

struct submit_args {
	struct submit_opts so;
	const char *scheduler, *env, *output, *template, *machine;
	struct strvec sched_args;  /* --sched-args ... -- */
	char *sched_how;       /* where the scheduler choice came from */
	struct strvec resources;   /* -l RES=VALUE but select */
	char *prof_name;       /* the machine profile's name, and its submit: keys */
	char *prof_filesystems;
	int account_required;
	int dry_run, env_given;
	char **words;          /* command words, or the script */
	size_t nwords;
	int script_mode;
};

/* ---- parsing ---- */

static void
check_value(const char *what, const char *v)
{
	char *err = NULL;
	if (v && submit_check_value(what, v, &err) < 0) {
		error("submit: %s", err);
		free(err);
		exit(EXIT_USAGE);
	}
}

/* -l RES=VALUE: select= becomes the select spec, anything else a resource. */
static void
take_resource(struct submit_args *a, const char *v)
{
	const char *eq = strchr(v, '=');

	check_value("-l", v);
	if (eq == NULL || eq == v || eq[1] == '\0')
		die_usage("submit: -l '%s': expected RESOURCE=VALUE (e.g. -l place=scatter)", v);
	if (startswith(v, "walltime=") || startswith(v, "filesystems="))
		die_usage("submit: -l '%s': give it as %s, which ezpz checks and writes once", v,
		    startswith(v, "walltime=") ? "-t/--time" : "--filesystems");
	if (startswith(v, "select=") && a->so.select)
		die_usage("submit: -l select=%s, then -l '%s': give select= once", a->so.select, v);
	if (startswith(v, "select="))
		a->so.select = eq + 1;
	else
		strvec_push(&a->resources, v);
}

static void
take(struct submit_args *a, int o, struct optstate *st)
{
	switch (o) {
	case O_NODES: a->so.nodes = (int)opt_long(st, 1, 1 << 20); break;
	case O_TIME: check_value("--time", a->so.time = st->arg); break;
	case O_QUEUE: check_value("--queue", a->so.queue = st->arg); break;
	case O_ACCOUNT: check_value("--account", a->so.account = st->arg); break;
	case O_FILESYSTEMS: check_value("--filesystems", a->so.filesystems = st->arg); break;
	case O_JOB_NAME: check_value("--job-name", a->so.job_name = st->arg); break;
	case O_SCHEDULER: a->scheduler = st->arg; break;
	case O_ENV: a->env = st->arg; a->env_given = 1; break;
	case O_NO_LAUNCH: a->so.no_launch = 1; break;
	case O_DRY_RUN: a->dry_run = 1; break;
	case O_OUTPUT:
		if (*(a->output = st->arg) == '\0')
			die_usage("submit: -o: empty value (give the file to write the script to)");
		break;
	case O_TEMPLATE: a->template = st->arg; break;
	case O_RESOURCE: take_resource(a, st->arg); break;
	case O_QOS: check_value("--qos", a->so.qos = st->arg); break;
	case O_CONSTRAINT: check_value("--constraint", a->so.constraint = st->arg); break;
	case O_GPUS_PER_NODE:
		opt_long(st, 1, 1024);
		a->so.gpus_per_node = st->arg;
		break;
	case O_MACHINE: check_value("--machine", a->machine = st->arg); break;
	default: die("submit: option table and parser disagree on '%s'", st->word);
	}
}

static void NORETURN
no_command(void)
{
	die_usage("submit: give a command after '--' or a job script\n"
	    "  ezpz submit -N 2 -q debug -- python3 -m ezpz.examples.test\n"
	    "  ezpz submit -N 4 job.sh");
}

/*
 * --sched-args ARG... --: the words up to the next "--" go to qsub or
 * sbatch unchanged (any option ezpz does not have).  They leave argv here,
 * before the option parser sees them; *after is where the words after
 * that "--" start in the new argv (the command, or a script), else -1.
 */
static int
cut_sched_args(struct submit_args *a, int *argc, char **argv, int *after)
{
	int i, j, n = *argc;

	*after = -1;
	for (i = 1; i < n && !streq(argv[i], "--"); i++)
		if (streq(argv[i], "--sched-args"))
			break;
	if (i == n || !streq(argv[i], "--sched-args"))
		return 0;
	for (j = i + 1; j < n && !streq(argv[j], "--"); j++)
		strvec_push(&a->sched_args, argv[j]);
	if (j == n)
		die_usage("submit: --sched-args: its words end at '--' (ezpz submit [OPTIONS] "
		    "--sched-args ARG... -- [--] COMMAND)");
	if (a->sched_args.n == 0)
		die_usage("submit: --sched-args: no words before '--'");
	memmove(argv + i, argv + j + 1, (size_t)(n - j) * sizeof *argv);   /* with argv[n] */
	*argc = n - (j + 1 - i);
	*after = i;
	return 1;
}

/* A name that can only be meant as a job script (for the error when it is missing). */
static int
looks_like_script(const char *w)
{
	static const char *const ext[] = { ".sh", ".sbatch", ".pbs", ".qsub", ".slurm", ".job" };
	const char *dot = strrchr(w, '.');
	for (size_t i = 0; dot && i < NITEMS(ext); i++)
		if (streq(dot, ext[i]))
			return 1;
	return strchr(w, '/') != NULL;
}

static int
starts_with_hashbang(const char *path)
{
	char b[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok;
	if (fd < 0)
		return 0;
	ok = read(fd, b, 2) == 2 && b[0] == '#' && b[1] == '!';
	close(fd);
	return ok;
}

static void
parse(struct submit_args *a, int argc, char **argv)
{
	struct optstate st;
	struct stat sb;
	int o, after;

	/* the words after "--sched-args ... --" are more options, the command,
	 * or a script */
	if (cut_sched_args(a, &argc, argv, &after) && after < argc &&
	    argv[after][0] != '-' && !(argc - after == 1 && stat(argv[after], &sb) == 0 &&
	    S_ISREG(sb.st_mode))) {
		memmove(argv + after + 1, argv + after, (size_t)(argc - after + 1) * sizeof *argv);
		argv[after] = "--";
		argc++;
	}
	opt_init(&st, "submit", argc, argv);
	while ((o = opt_next(&st, submit_opts_table)) != OPT_DONE) {
		if (o == OPT_HELP)
			cmd_help_exit(&cmd_submit);
		if (o == OPT_UNKNOWN)
			opt_unknown(&st);
		take(a, o, &st);
	}
	if (a->so.select && a->so.nodes > 0)
		die_usage("submit: -N %d and -l select=%s both give the nodes; use one",
		    a->so.nodes, a->so.select);
	a->words = argv + st.ind;
	a->nwords = (size_t)(argc - st.ind);
	if (a->nwords == 0)
		no_command();
	if (st.dashdash)
		return;
	if (stat(a->words[0], &sb) < 0) {
		if (looks_like_script(a->words[0]))
			die_usage("submit: job script '%s': %s (a command goes after '--')",
			    a->words[0], strerror(errno));
		sb.st_mode = 0;
	}
	if (!S_ISREG(sb.st_mode) || (a->nwords > 1 && !starts_with_hashbang(a->words[0])))
		die_usage("submit: '%s' is not a job script%s; to submit a command, put it after "
		    "'--': ezpz submit [OPTIONS] -- %s%s", a->words[0], a->nwords > 1 &&
		    S_ISREG(sb.st_mode) ? " (no '#!' line)" : "", a->words[0],
		    a->nwords > 1 ? " ..." : "");
	a->script_mode = 1;
	if (a->env_given || a->so.no_launch || a->template || a->output)
		die_usage("submit: %s only applies to a command (after '--'), not to the script "
		    "'%s'", a->env_given ? "--env" : a->so.no_launch ? "--no-launch" :
		    a->template ? "--template" : "-o", a->words[0]);
}

/* -t: only once the scheduler is known (PBS and Slurm take different forms). */
static void
check_time(const struct submit_args *a)
{
	char *err = NULL;
	if (a->so.time && submit_walltime(a->so.time, a->so.sched, &err) < 0) {
		error("submit: %s", err);
		free(err);
		exit(EXIT_USAGE);
	}
}

/* ---- choosing ---- */

static const struct profile *
machine_profile(struct profiles *ps, char *const *envp, const char *machine)
{
	struct strvec errs = STRVEC_INIT;
	char *datadir = path_datadir(envp), *host;
	const struct profile *p;
	const char *forced = machine ? machine : env_nonempty(envp, "EZPZ_MACHINE");

	if (profiles_load_default(ps, datadir, envp, &errs) > 0) {
		for (size_t i = 0; i < errs.n; i++)
			error("%s", errs.v[i]);
		die("%zu error%s in machine profiles; fix or remove the file%s named above "
		    "(see ezpz-machines(5)), or pass --scheduler", errs.n, errs.n == 1 ? "" : "s",
		    errs.n == 1 ? "" : "s");
	}
	free(datadir);
	strvec_clear(&errs);
	if (forced) {
		if ((p = profiles_find(ps, forced)) == NULL)
			die_usage("submit: %s '%s': no such machine profile (see 'ezpz info' "
			    "and ezpz-machines(5))", machine ? "--machine" : "EZPZ_MACHINE", forced);
		return p;
	}
	host = this_hostname(envp);
	p = profiles_match(ps, host, envp);
	free(host);
	return p;
}

/*
 * sbatch -Q/--quiet (getopt takes --qu, --quie, and -Q in a cluster such
 * as -QJx), qsub -z: the job id would not be printed.
 */
static int
hides_job_id(enum sched s, const char *w)
{
	size_t n = strlen(w);
	if (w[0] != '-')
		return 0;
	if (s == SCHED_SLURM && w[1] == '-')
		return n >= 4 && strncmp(w, "--quiet", n) == 0;
	return w[1] != '-' && strchr(w + 1, s == SCHED_SLURM ? 'Q' : 'z') != NULL;
}

static void
choose_sched(struct submit_args *a, char *const *envp)
{
	struct profiles ps = PROFILES_INIT;
	const struct profile *prof = NULL;
	char *qsub = path_which(envp, "qsub"), *sbatch = path_which(envp, "sbatch");
	char *err = NULL;
	int rc;

	/* The profile's scheduler only matters when nothing closer decides;
	 * its submit: keys (the site's directives) always do. */
	prof = machine_profile(&ps, envp, a->machine);
	if ((rc = submit_choose_sched(a->scheduler, envp, a->scheduler == NULL &&
	    env_nonempty(envp, "PBS_JOBID") == NULL && env_nonempty(envp, "SLURM_JOB_ID") == NULL &&
	    env_nonempty(envp, "SLURM_JOBID") == NULL ? prof : NULL, qsub != NULL, sbatch != NULL,
	    &a->so.sched, &a->sched_how, &err)) < 0) {
		error("submit: %s", err);
		exit(rc == -2 ? EXIT_NOTFOUND : EXIT_USAGE);
	}
	for (size_t i = 0; i < a->sched_args.n; i++)
		if (hides_job_id(a->so.sched, a->sched_args.v[i]))
			die_usage("submit: --sched-args %s: %s would print no job id, and ezpz reads "
			    "it to report the job; leave it out", a->sched_args.v[i],
			    submit_program(a->so.sched));
	if (a->so.sched != SCHED_PBS && a->so.filesystems)
		die_usage("submit: --filesystems is a PBS resource; this job goes to %s (scheduler "
		    "from %s)", sched_name(a->so.sched), a->sched_how);
	if (a->so.sched != SCHED_PBS && (a->so.select || a->resources.n > 0))
		die_usage("submit: -l %s is a PBS resource; this job goes to %s (scheduler from %s)",
		    a->so.select ? "select=..." : a->resources.v[0], sched_name(a->so.sched),
		    a->sched_how);
	if (a->so.sched != SCHED_SLURM && (a->so.qos || a->so.constraint || a->so.gpus_per_node))
		die_usage("submit: %s is a Slurm option; this job goes to %s (scheduler from %s)",
		    a->so.qos ? "--qos" : a->so.constraint ? "--constraint" : "--gpus-per-node",
		    sched_name(a->so.sched), a->sched_how);
	a->so.resources = a->resources.v;
	a->so.nresources = a->resources.n;
	a->so.sched_args = a->sched_args.v;
	a->so.nsched_args = a->sched_args.n;
	if (prof) {
		a->prof_name = xstrdup(prof->name);
		a->prof_filesystems = prof->submit_filesystems ? xstrdup(prof->submit_filesystems) : NULL;
		a->account_required = prof->submit_account_required;
	}
	free(qsub);
	free(sbatch);
	profiles_free(&ps);
}

/* The template: --template, else the last templates/SCHED.sh found in the
 * profile directories (the same order as profiles: later ones override),
 * else the built-in one. */
static char *
load_template(const struct submit_args *a, char *const *envp, char **name)
{
	const char *sched = sched_name(a->so.sched);
	struct strvec dirs = STRVEC_INIT;
	char *datadir, *text = NULL;
	const char *why;

	if (a->template) {
		if ((text = read_file(a->template, READ_MAX_TEMPLATE, NULL, &why)) == NULL)
			die("submit: template '%s': %s", a->template, why);
		*name = xstrdup(a->template);
		return text;
	}
	datadir = path_datadir(envp);
	profile_dirs(datadir, envp, &dirs);   /* a later directory's template wins */
	for (size_t i = dirs.n; i-- > 0 && text == NULL; ) {
		char *p = xasprintf("%s/templates/%s.sh", dirs.v[i], sched);
		if ((text = read_file(p, READ_MAX_TEMPLATE, NULL, &why)) != NULL)
			*name = p;
		else if (errno != ENOENT && errno != ENOTDIR)
			die("submit: template '%s': %s", p, why);
		else
			free(p);
	}
	strvec_clear(&dirs);
	free(datadir);
	if (text == NULL) {
		text = xstrdup(submit_default_template(a->so.sched));
		*name = xasprintf("built-in %s", sched);
	}
	return text;
}

/* ---- writing ---- */

/* Write the whole script to a file created here (O_EXCL), mode 0755; on
 * any failure the file is removed: never a half-written script. */
static int
write_new(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755), e;
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0755) < 0 || write_all(fd, text, strlen(text)) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		unlink(path);
		errno = e;
		return -1;
	}
	if (close(fd) < 0) {
		e = errno;
		unlink(path);
		errno = e;
		return -1;
	}
	return 0;
}

/*
 * Where job scripts are written: $XDG_STATE_HOME/ezpz/submit, else
 * ~/.local/state/ezpz/submit.  Not the working directory: a failed
 * submission left its script among the user's files there.
 */
static char *
state_dir(char *const *envp)
{
	char *err = NULL, *dir = path_state_dir(envp, "submit", &err);
	if (dir == NULL)
		die("submit: nowhere to keep the job script: %s (set one, or write it with -o FILE)",
		    err);
	return dir;
}

/* STATE/ezpz-submit-YYYYmmdd-HHMMSS-PID[-N].sh */
static char *
write_unique(const char *text)
{
	char ts[32], *dir = state_dir(environ);
	time_t t = time(NULL);

	strftime(ts, sizeof ts, "%Y%m%d-%H%M%S", localtime(&t));
	for (int i = 0; i < SCRIPT_NAME_TRIES; i++) {
		char *p = i ? xasprintf("%s/ezpz-submit-%s-%ld-%d.sh", dir, ts, (long)getpid(), i) :
		    xasprintf("%s/ezpz-submit-%s-%ld.sh", dir, ts, (long)getpid());
		if (write_new(p, text) == 0) {
			free(dir);
			return p;
		}
		if (errno != EEXIST)
			die_errno("submit: cannot write the job script '%s'", p);
		free(p);
	}
	die("submit: cannot find an unused name for the job script in '%s'", dir);
}

static const char *
file_kind(mode_t m)
{
	return S_ISLNK(m) ? "a symbolic link" : S_ISDIR(m) ? "a directory" :
	    S_ISCHR(m) ? "a character device" : S_ISBLK(m) ? "a block device" :
	    S_ISFIFO(m) ? "a FIFO" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* rename, but never over something: EEXIST if to exists. */
static int
rename_new(const char *from, const char *to)
{
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* a file system without RENAME_NOREPLACE: link fails with EEXIST too */
	if (link(from, to) < 0)
		return -1;
	return unlink(from);
}

/*
 * -o FILE: a temporary file next to FILE, then put in its place, so FILE is
 * never partial.  Only a regular file is replaced (lstat: a symlink is not
 * followed, nor replaced); a new FILE is linked in, which fails rather than
 * replace anything that appeared meanwhile.  A device, a FIFO or a
 * directory at FILE is refused: renaming over /dev/full would replace the
 * device itself.
 */
static void
write_output(const char *path, const char *text)
{
	struct stat sb;
	char *tmp;
	int exists, r;

	if (lstat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode))
			die("submit: -o '%s': %s; give a regular file or a new name", path,
			    file_kind(sb.st_mode));
		exists = 1;
	} else if (errno == ENOENT) {
		exists = 0;
	} else {
		die_errno("submit: -o '%s'", path);
	}
	tmp = xasprintf("%s.tmp-%ld", path, (long)getpid());
	if (write_new(tmp, text) < 0)
		die_errno("submit: -o '%s': cannot write it (first as '%s')", path, tmp);
	r = exists ? rename(tmp, path) : rename_new(tmp, path);
	if (r < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		if (!exists && e == EEXIST)
			die("submit: -o '%s': appeared while the script was written; not replaced",
			    path);
		die_errno("submit: cannot rename '%s' to '%s'", tmp, path);
	}
	free(tmp);
}

/* ---- submitting ---- */

static void
print_argv(FILE *fp, char *const *argv)
{
	for (size_t i = 0; argv[i]; i++) {
		char *q = shell_quote(SHELL_SH, argv[i]);
		fprintf(fp, "%s%s", i ? " " : "", q);
		free(q);
	}
	fputc('\n', fp);
}

static int
submit(const struct submit_args *a, const char *script, int with_options)
{
	struct strvec argv = STRVEC_INIT;
	const char *prog = submit_program(a->so.sched);
	char *out = NULL, *id = NULL;
	int status;

	submit_argv(&a->so, script, with_options, &argv);
	status = exec_capture(argv.v, environ, SUBMIT_TIMEOUT_MS, &out);
	if (status == EXIT_SIGBASE + 9) {
		error("submit: %s gave no answer in %d s; the job may or may not have been "
		    "submitted (check '%s')", prog, SUBMIT_TIMEOUT_MS / 1000,
		    a->so.sched == SCHED_PBS ? "qstat -u $USER" : "squeue --me");
	} else if (status != 0) {
		error("submit: %s failed (exit %d)%s%s", prog, status, out && *out ? ":\n" : "",
		    out ? strtrim(out) : "");
	} else if ((id = submit_parse_jobid(a->so.sched, out)) == NULL) {
		char *t = strtrim(out);
		error("submit: %s exited 0 but printed no job id ezpz can read ('%.*s'): the job may "
		    "be queued; check '%s' before submitting again", prog, (int)strcspn(t, "\n"), t,
		    a->so.sched == SCHED_PBS ? "qstat -u $USER" : "squeue --me");
		status = EXIT_FAIL;
	} else {
		printf("%s\n", id);
		fprintf(stderr, "ezpz submit: submitted %s job %s (script %s)\n",
		    sched_name(a->so.sched), id, script);
	}
	if (status != 0 && !with_options)
		error("submit: the job script is kept in '%s'", script);
	free(id);
	free(out);
	strvec_clear(&argv);
	return status == 0 ? EXIT_OK : EXIT_FAIL;
}

static void
need_program(const struct submit_args *a)
{
	const char *prog = submit_program(a->so.sched);
	char *path = path_which(environ, prog);
	if (path == NULL)
		die_status(EXIT_NOTFOUND, "submit: %s: not found on PATH; submit from a %s login "
		    "node, or load the module that provides it", prog,
		    a->so.sched == SCHED_PBS ? "PBS" : "Slurm");
	free(path);
}

/*
 * The account: -A, else PBS_ACCOUNT/SLURM_ACCOUNT, else PROJECT; none on a
 * machine that requires one is a usage error (script: the job script,
 * which could name it).  Returns where it came from, or NULL.
 */
static const char *
take_account(struct submit_args *a, const char *script)
{
	const char *from;
	a->so.account = submit_account(a->so.sched, a->so.account, environ, &from);
	if (a->so.account && !streq(from, "--account"))
		check_value(from, a->so.account);
	if (a->so.account == NULL && a->account_required && script)
		die_usage("submit: machine '%s' needs an account to charge the job to: pass "
		    "-A/--account, set %s or PROJECT, or name it in '%s'", a->prof_name,
		    a->so.sched == SCHED_PBS ? "PBS_ACCOUNT" : "SLURM_ACCOUNT", script);
	if (a->so.account == NULL && a->account_required)
		die_usage("submit: machine '%s' needs an account to charge the job to: pass "
		    "-A/--account, or set %s or PROJECT", a->prof_name,
		    a->so.sched == SCHED_PBS ? "PBS_ACCOUNT" : "SLURM_ACCOUNT");
	return from;
}

/* Does the script name its own account (#PBS -A, #SBATCH -A/--account)? */
static int
script_has_account(const char *path, enum sched s)
{
	const char *why;
	char *text = read_file(path, READ_MAX_TEMPLATE, NULL, &why), *line, *save = NULL;
	int has = 0;
	const char *tag = s == SCHED_PBS ? "#PBS" : "#SBATCH";
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && !has;
	    line = strtok_r(NULL, "\n", &save)) {
		char *w, *wsave = NULL;
		if (!startswith(line, tag) || (line[strlen(tag)] != ' ' && line[strlen(tag)] != '\t'))
			continue;
		/* any word of the directive: '#PBS -q debug -A proj', '#SBATCH  --account=x' */
		for (w = strtok_r(line + strlen(tag), " \t", &wsave); w && !has;
		    w = strtok_r(NULL, " \t", &wsave))
			has = startswith(w, "-A") || streq(w, "--account") ||
			    startswith(w, "--account=");
	}
	free(text);
	return has;
}

static int
run_script_mode(struct submit_args *a)
{
	struct strvec argv = STRVEC_INIT;

	if (a->nwords > 1 && a->so.sched == SCHED_PBS)
		die_usage("submit: qsub passes no arguments to a job script ('%s'): put them in "
		    "the script, or submit a command after '--'", a->words[1]);
	/* the account the man page promises, unless the script names its own */
	if (!script_has_account(a->words[0], a->so.sched))
		take_account(a, a->words[0]);
	a->so.script_args = a->words + 1;
	a->so.nscript_args = a->nwords - 1;
	if (a->dry_run) {
		submit_argv(&a->so, a->words[0], 1, &argv);
		print_argv(stdout, argv.v);
		strvec_clear(&argv);
		return EXIT_OK;
	}
	need_program(a);
	return submit(a, a->words[0], 1);
}

static char *
generate(struct submit_args *a, const char *self, const char *cwd)
{
	const char *from;
	char *tmpl, *name, *text, *err = NULL;

	a->so.self = self;
	a->so.workdir = cwd;
	a->so.command = a->words;
	a->so.ncommand = a->nwords;
	from = take_account(a, NULL);
	/* Site-only directives come from the machine profile alone. */
	if (a->so.filesystems == NULL && a->so.sched == SCHED_PBS)
		a->so.filesystems = a->prof_filesystems;
	tmpl = load_template(a, environ, &name);
	if (submit_template_drops(tmpl, name, &a->so, (from && streq(from, "--account")) ||
	    a->account_required, a->so.filesystems != a->prof_filesystems, &err) < 0)
		die_usage("submit: %s", err);
	if (submit_render(tmpl, name, &a->so, &text, &err) < 0)
		die("submit: %s", err);
	free(tmpl);
	free(name);
	return text;
}

/* --env LINE: a file is sourced (by its absolute path: the job may start
 * elsewhere); anything else is the line itself. */
static char *
env_line(const char *arg)
{
	struct stat sb;
	char *real, *q, *line;

	if (stat(arg, &sb) < 0 || !S_ISREG(sb.st_mode) || (real = realpath(arg, NULL)) == NULL)
		return xstrdup(arg);
	q = shell_quote(SHELL_BASH, real);
	line = xasprintf("source %s", q);
	free(q);
	free(real);
	return line;
}

static int
run_command_mode(struct submit_args *a)
{
	char *self = path_self(), *env = NULL, *text, *script, cwd[PATH_MAX];
	int status = EXIT_OK;

	if (getcwd(cwd, sizeof cwd) == NULL)
		die_errno("submit: cannot get the working directory");
	a->so.env_setup = a->env_given ? (env = env_line(a->env)) : (env = submit_default_env(self));
	text = generate(a, self, cwd);
	if (a->dry_run) {
		struct strvec argv = STRVEC_INIT;
		fputs(text, stdout);
		/* the command too: --sched-args go there, not into the script */
		submit_argv(&a->so, "SCRIPT", 0, &argv);
		fprintf(stderr, "ezpz submit: dry run: %s (scheduler from %s) would get this script: ",
		    submit_program(a->so.sched), a->sched_how);
		print_argv(stderr, argv.v);
		strvec_clear(&argv);
	} else if (a->output) {
		struct strvec argv = STRVEC_INIT;
		write_output(a->output, text);
		submit_argv(&a->so, a->output, 0, &argv);
		fprintf(stderr, "ezpz submit: wrote %s; submit it with: ", a->output);
		print_argv(stderr, argv.v);
		strvec_clear(&argv);
	} else {
		need_program(a);
		script = write_unique(text);
		status = submit(a, script, 0);
		free(script);
	}
	free(text);
	free(env);
	free(self);
	return status;
}

static int
submit_run(int argc, char **argv)
{
	struct submit_args a;
	int status;

	memset(&a, 0, sizeof a);
	parse(&a, argc, argv);
	if (a.dry_run && a.output)
		die_usage("submit: --dry-run prints the script, -o writes it: pick one");
	choose_sched(&a, environ);
	check_time(&a);
	status = a.script_mode ? run_script_mode(&a) : run_command_mode(&a);
	free(a.sched_how);
	free(a.prof_name);
	free(a.prof_filesystems);
	strvec_clear(&a.resources);
	strvec_clear(&a.sched_args);
	return status;
}

const struct ezpz_cmd cmd_submit = {
	.name = "submit",
	.summary = "write a PBS or Slurm job script for a command and submit it",
	.usage = "[OPTIONS] [--sched-args ARG... --] -- COMMAND [ARGS...]\n"
	    "[OPTIONS] [--sched-args ARG... --] SCRIPT",
	.description = "With a command: make a job script (set up the environment, then run the\n"
	    "command through 'ezpz launch'), write it to\n"
	    "$XDG_STATE_HOME/ezpz/submit/ezpz-submit-TIME-PID.sh (~/.local/state when unset),\n"
	    "submit it with qsub or sbatch, and print the job id; the script stays there, and\n"
	    "a failure names it.  With SCRIPT: submit it, passing the options given to qsub\n"
	    "or sbatch.  Scheduler options ezpz does not have go between --sched-args and\n"
	    "'--': ezpz submit -N 2 --sched-args --exclusive --mem=0 -- -- python3 train.py\n"
	    "Templates and placeholders: ezpz-submit(1).",
	.opts = submit_opts_table,
	.run = submit_run,
};
