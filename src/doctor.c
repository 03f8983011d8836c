/* SPDX-License-Identifier: MIT */
/*
 * doctor.c: the verdicts of `ezpz doctor`, each a pure function of the
 * facts cmd_doctor.c gathered.  A check never fails by itself: whatever it
 * cannot know becomes a warning that says so.  Messages name the input
 * (variable, file, command) and the remedy says what to type or change.
 *
 * Severity rule: error means `ezpz launch` or the job will fail (no
 * launcher, a host list from another job, fewer GPUs than ranks, a profile
 * that stops ezpz); warn means it may fail or run badly (limits, torch, a
 * module system that a non-login shell cannot see: setup-env sets it up
 * itself, a script's own 'module load' is at risk).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "doctor.h"
#include "hostlist.h"
#include "launcher.h"
#include "util.h"

/* launcher.c: a launcher's flavour from its path and --version text. */

#define KiB 1024LL
#define GiB (1024LL * 1024 * 1024)
#define NOFILE_MIN 4096           /* below this, many ranks per host run out */
#define SHM_MIN GiB               /* Docker's 64 MiB default breaks NCCL */
#define LINE_MAX_SHOWN 100        /* a probe's output line in a message */
#define HOSTS_SHOWN 4             /* hosts named in a message */

const char *
doc_status_name(enum doc_status s)
{
	switch (s) {
	case DOC_OK: return "ok";
	case DOC_WARN: return "warn";
	default: return "error";
	}
}

static void
set(struct doc_check *c, enum doc_status s, char *message, char *remedy)
{
	c->status = s;
	c->message = message;
	c->remedy = s == DOC_OK ? (free(remedy), NULL) : remedy;
}

#define ok(c, ...) set((c), DOC_OK, xasprintf(__VA_ARGS__), NULL)

void
doc_check_free(struct doc_check *c)
{
	free(c->name);
	free(c->message);
	free(c->remedy);
	memset(c, 0, sizeof *c);
}

void
doc_report_free(struct doc_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		doc_check_free(&r->v[i]);
	free(r->v);
	memset(r, 0, sizeof *r);
}

/* ---- small helpers ----------------------------------------------------- */

/* The first non-blank line of text (or the last, when last), trimmed and
 * cut to a width a message can carry; malloc'd, "" for none. */
static char *
pick_line(const char *text, int last)
{
	char *copy = xstrdup(text ? text : ""), *save = NULL, *pick = NULL, *r;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l = strtrim(l);
		if (*l && (pick == NULL || last))
			pick = l;
	}
	if (pick && strlen(pick) > LINE_MAX_SHOWN)
		strcpy(pick + LINE_MAX_SHOWN - 3, "...");
	r = xstrdup(pick ? pick : "");
	free(copy);
	return r;
}

/* "8 MiB", "24 GiB", "512 KiB", "100 bytes". */
static char *
human_bytes(long long b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int u = -1;
	if (b < KiB)
		return xasprintf("%lld bytes", b);
	while (v >= 1024 && u < (int)NITEMS(units) - 1) {
		v /= 1024;
		u++;
	}
	return xasprintf(v == (long long)v ? "%.0f %s" : "%.1f %s", v, units[u]);
}

/* "a, b, c and 2 more" from a set of host names. */
static char *
some_hosts(char *const *names, size_t n)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < n && i < HOSTS_SHOWN; i++) {
		char *t = xasprintf("%s%s%s", s, i ? ", " : "", names[i]);
		free(s);
		s = t;
	}
	if (n > HOSTS_SHOWN) {
		char *t = xasprintf("%s and %zu more", s, n - HOSTS_SHOWN);
		free(s);
		s = t;
	}
	return s;
}


static const char *
plural(size_t n)
{
	return n == 1 ? "" : "s";
}

/* The job the other checks look at: launch's view, else the scheduler's. */
static const struct job *
any_job(const struct doc_facts *f)
{
	return f->job ? f->job : f->sched_job;
}

/* The check that owns a detection that stopped at `at`. */
static const char *
stage_check(enum job_stage at)
{
	static const char *const name[] = { [JOB_AT_SCHED] = "scheduler",
		[JOB_AT_MACHINE] = "profile", [JOB_AT_HOSTFILE] = "hostfile", [JOB_AT_GPUS] = "gpus",
		[JOB_AT_LAUNCHER] = "launcher", [JOB_AT_DONE] = "none" };
	return name[at];
}

/* Detection failed at this check's fact: its error (the launch's view
 * first, then the scheduler's, which a bad HOSTFILE does not stop), else
 * NULL. */
static const char *
stopped_here(const struct doc_facts *f, enum job_stage at)
{
	if (f->job == NULL && f->job_at == at)
		return f->job_err;
	if (f->sched_job == NULL && f->sched_at == at)
		return f->sched_err;
	return NULL;
}

static const char *
job_label(const struct job *j)
{
	return j->jobid ? j->jobid : "?";
}

/* ---- profile ------------------------------------------------------------ */

static void
check_profile(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = any_job(f);
	size_t nerr = f->profile_errs ? f->profile_errs->n : 0;
	const char *why;

	if (nerr > 0) {
		set(c, DOC_ERROR, xasprintf("%zu error%s in machine profiles: %s%s", nerr, plural(nerr),
		    f->profile_errs->v[0], nerr > 1 ? " (and more: see 'ezpz info')" : ""),
		    xstrdup("fix or remove the file named (see ezpz-machines(5)); until then "
		    "'ezpz launch' and 'ezpz info' refuse to run"));
		return;
	}
	if (f->nprofiles == 0) {
		set(c, DOC_WARN, xstrdup("no machine profiles found: no site policy (binding, "
		    "modules) applies"), xstrdup("check the installation: profiles live in "
		    "share/ezpz/machines next to the binary (EZPZ_DATADIR overrides)"));
		return;
	}
	if ((why = stopped_here(f, JOB_AT_MACHINE)) != NULL) {
		set(c, DOC_ERROR, xstrdup(why), xstrdup("name one of the profiles listed "
		    "(--machine, EZPZ_MACHINE), or unset EZPZ_MACHINE to detect it"));
		return;
	}
	if (j == NULL) {
		ok(c, "%zu profiles loaded; machine unknown (job detection failed, see %s)",
		    f->nprofiles, stage_check(f->job_at));
		return;
	}
	if (j->src.machine.kind == SRC_DEFAULT)
		ok(c, "machine %s: no profile matches hostname %s (%zu profiles loaded)", j->machine,
		    j->hostname, f->nprofiles);
	else if (j->src.machine.kind == SRC_PROFILE)
		ok(c, "machine %s: its profile matches %s (%zu profiles loaded)", j->machine,
		    j->src.machine.detail ? j->src.machine.detail : j->hostname, f->nprofiles);
	else
		ok(c, "machine %s, chosen by %s (%zu profiles loaded)", j->machine,
		    j->src.machine.text, f->nprofiles);
}

/* ---- scheduler ------------------------------------------------------------ */

static char *
stale_remedy(enum sched s)
{
	switch (s) {
	case SCHED_PBS:
		return xstrdup("unset PBS_JOBID and PBS_NODEFILE (left over from another job), "
		    "or run this inside the job (qsub -I, or on its first host)");
	case SCHED_SLURM:
		return xstrdup("unset SLURM_JOB_ID, SLURM_JOBID and SLURM_JOB_NODELIST, or run "
		    "this inside the allocation");
	default:
		return xstrdup("unset the job's variables, or run this inside the job");
	}
}

static void
check_scheduler(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = f->sched_job;
	char *hosts;

	if (j == NULL && f->sched_at != JOB_AT_SCHED) {
		ok(c, "the scheduler was found; detection stopped later (see %s)",
		    stage_check(f->sched_at));
		return;
	}
	if (j == NULL) {
		set(c, DOC_ERROR, xstrdup(f->sched_err ? f->sched_err : "job detection failed"),
		    xstrdup("fix the variable or file named, or unset the variables of a job "
		    "this shell is no longer in"));
		return;
	}
	if (j->stale_note) {
		set(c, DOC_WARN, xstrdup(j->stale_note), xstrdup("run 'eval \"$(ezpz setup-env)\"' "
		    "again in this job, or unset the variables named"));
		return;
	}
	if (j->sched == SCHED_LOCAL && j->find_failed) {
		set(c, DOC_WARN, xasprintf("no batch job found: %s", j->find_note), xstrdup("if this "
		    "host runs a job of yours, make the command named answer (a slow server: raise "
		    "EZPZ_JOBFIND_TIMEOUT); EZPZ_SCHEDULER=local stops asking"));
		return;
	}
	if (j->warnings.n) {
		set(c, DOC_WARN, xstrdup(j->warnings.v[0]), xstrdup("fix or unset the variable named"));
		return;
	}
	if (j->sched == SCHED_LOCAL) {
		ok(c, "no batch job%s%s%s: ezpz launch runs on this host (%s)", j->find_note ? " (" : "",
		    j->find_note ? j->find_note : "", j->find_note ? ")" : "", f->hostname);
		return;
	}
	hosts = hostset_compress(&j->hosts);
	if (!job_has_host(j, f->hostname) && j->sched != SCHED_SLURM) {
		set(c, DOC_ERROR, xasprintf("this host (%s) is not one of %s job %s's %zu host%s "
		    "(%s): its variables are stale", f->hostname, sched_name(j->sched), job_label(j),
		    j->hosts.n, plural(j->hosts.n), hosts), stale_remedy(j->sched));
	} else if (!job_has_host(j, f->hostname)) {
		/* salloc leaves the shell on the login node: srun still reaches the nodes. */
		ok(c, "slurm job %s: %zu host%s (%s); this shell runs on %s, outside the "
		    "allocation (srun reaches it)", job_label(j), j->hosts.n, plural(j->hosts.n),
		    hosts, f->hostname);
	} else {
		ok(c, "%s job %s: %zu host%s (%s), this host is one (%s)", sched_name(j->sched),
		    job_label(j), j->hosts.n, plural(j->hosts.n), hosts, j->src.scheduler.text);
	}
	free(hosts);
}

/* ---- hostfile --------------------------------------------------------------- */

/* Hosts of a that are not in b. */
static size_t
hosts_missing(const struct hostset *a, const struct hostset *b, char ***out)
{
	size_t n = 0;
	*out = xcalloc(a->n ? a->n : 1, sizeof **out);
	for (size_t i = 0; i < a->n; i++)
		if (hostset_find(b, a->v[i].name) < 0)
			(*out)[n++] = a->v[i].name;
	return n;
}

static void
compare_with_job(struct doc_check *c, const struct doc_facts *f, const char *path,
    const struct hostset *hf)
{
	const struct job *s = f->sched_job;
	char **extra, **unused, *list;
	size_t nextra = hosts_missing(hf, &s->hosts, &extra);
	size_t nunused = hosts_missing(&s->hosts, hf, &unused);

	if (nextra > 0) {
		list = some_hosts(extra, nextra);
		set(c, DOC_ERROR, xasprintf("hostfile '%s' names %zu host%s outside %s job %s: %s",
		    path, nextra, plural(nextra), sched_name(s->sched), job_label(s), list),
		    xasprintf("point HOSTFILE at the job's own list%s, or unset it",
		    s->hostfile ? " ($PBS_NODEFILE)" : ""));
	} else if (nunused > 0) {
		list = some_hosts(unused, nunused);
		set(c, DOC_WARN, xasprintf("hostfile '%s' uses %zu of %s job %s's %zu hosts "
		    "(not: %s)", path, hf->n, sched_name(s->sched), job_label(s), s->hosts.n, list),
		    xstrdup("fine if meant; to use every host, unset HOSTFILE"));
	} else {
		list = NULL;
		ok(c, "hostfile '%s': the %zu host%s of %s job %s%s", path, hf->n, plural(hf->n),
		    sched_name(s->sched), job_label(s), s->hostfile && !streq(s->hostfile, path) ?
		    ", same as PBS_NODEFILE" : "");
	}
	free(list);
	free(extra);
	free(unused);
}

static void
check_hostfile_given(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = f->job;
	const char *path = f->hostfile_path;

	if (f->hostfile_err) {
		set(c, DOC_ERROR, xstrdup(f->hostfile_err), xasprintf("fix the file, or %s (then the "
		    "job's own host list is used)", f->hostfile_option ? "drop --hostfile" : "unset HOSTFILE"));
	} else if (j && j->stale_note && !f->hostfile_option) {
		set(c, DOC_WARN, xasprintf("HOSTFILE '%s' is ignored: 'ezpz setup-env' exported it "
		    "for another job", path), xstrdup("unset HOSTFILE, or run 'eval \"$(ezpz setup-env)\"' "
		    "in this job"));
	} else if (f->sched_job && f->sched_job->sched != SCHED_LOCAL) {
		compare_with_job(c, f, path, f->hostfile_hosts);
	} else if (f->sched_job == NULL) {
		ok(c, "hostfile '%s': %zu host%s (not compared: the job was not detected, see "
		    "scheduler)", path, f->hostfile_hosts->n, plural(f->hostfile_hosts->n));
	} else {
		ok(c, "hostfile '%s': %zu host%s (no batch job; ezpz launch uses them)", path,
		    f->hostfile_hosts->n, plural(f->hostfile_hosts->n));
	}
}

static void
check_hostfile(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *s = f->sched_job;
	const char *nodefile = env_nonempty(f->envp, "PBS_NODEFILE");

	if (f->hostfile_path) {
		check_hostfile_given(c, f);
	} else if (f->nodefile_err && s) {
		set(c, DOC_WARN, xasprintf("PBS_NODEFILE '%s': %s; hosts came from %s instead",
		    nodefile, f->nodefile_err, s->src.hosts.text), xstrdup("PBS_NODEFILE is from "
		    "another node or job: unset it, or run this on the job's first host"));
	} else if (s == NULL && f->sched_at != JOB_AT_SCHED) {
		ok(c, "not checked: detection stopped before the host list was used (see %s)",
		    stage_check(f->sched_at));
	} else if (s == NULL) {
		set(c, DOC_ERROR, xasprintf("no host list: %s", f->sched_err ? f->sched_err :
		    "job detection failed"), xstrdup("see the scheduler check"));
	} else if (s->sched == SCHED_LOCAL) {
		ok(c, "no batch job and no HOSTFILE: this host only");
	} else if (s->hostfile) {
		ok(c, "%zu host%s from %s '%s'", s->hosts.n, plural(s->hosts.n),
		    s->src.hostfile.text, s->hostfile);
	} else {
		ok(c, "%zu host%s from %s; no hostfile needed", s->hosts.n, plural(s->hosts.n),
		    s->src.hosts.text);
	}
}

/* ---- launcher --------------------------------------------------------------- */

/* The line of --version output that has the version: Hydra prints a
 * header first ("HYDRA build details:" then "    Version:   4.1.2").
 * Runs of blanks become one; malloc'd, "" when there is none. */
static char *
version_line(const char *out)
{
	char *copy = xstrdup(out ? out : ""), *save = NULL, *pick = NULL, *r, *w;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l = strtrim(l);
		if (strpbrk(l, "0123456789") && (pick == NULL || strcasestr(l, "version")))
			pick = pick && strcasestr(pick, "version") ? pick : l;
		if (pick == NULL && *l)
			pick = l;
	}
	r = pick_line(pick, 0);
	for (char *p = w = r; *p; p++)
		if (!(*p == ' ' && (w == r || w[-1] == ' ')))
			*w++ = *p;
	*w = '\0';
	free(copy);
	return r;
}

const char *
launcher_env_flag(enum launcher l)
{
	const struct backend *b = backend_for(l);
	return b ? b->env_flag : "none";
}

/* The launcher cannot run at all; returns 1 when c says why. */
static int
launcher_missing(struct doc_check *c, const struct job *j, const struct doc_facts *f)
{
	const char *name = launcher_name(j->launcher);
	char *why, *what;

	if (j->launcher == LAUNCHER_NONE && j->launcher_note) {
		set(c, DOC_ERROR, xasprintf("no usable launcher: %s", j->launcher_note),
		    xstrdup("fix that launcher (a missing library? its own error is above), or put "
		    "a working MPI's bin directory first on PATH"));
	} else if (j->launcher == LAUNCHER_NONE) {
		set(c, DOC_ERROR, xasprintf("no launcher: none of mpiexec, mpirun%s on PATH",
		    j->sched == SCHED_SLURM ? ", srun" : ""), xstrdup("load your MPI module "
		    "(e.g. 'module load openmpi') or put its bin directory on PATH"));
	} else if (j->launcher_path == NULL) {
		set(c, DOC_ERROR, xasprintf("launcher %s (from %s), but %s is not on PATH", name,
		    j->src.launcher.text, backend_for(j->launcher)->exe),
		    xstrdup("load the module that provides it, or choose another with --launcher"));
	} else if (f->launcher_version.status != 0) {
		why = pick_line(f->launcher_version.out, 1);
		what = f->launcher_version.status < 0 ? xstrdup("could not start") :
		    xasprintf("exit %d%s%s", f->launcher_version.status, *why ? ": " : "", why);
		set(c, DOC_WARN, xasprintf("%s at %s: '--version' failed (%s)", name,
		    j->launcher_path, what), xasprintf("run '%s --version' to see why (a missing "
		    "library?)", j->launcher_path));
		free(what);
		free(why);
	} else {
		return 0;
	}
	return 1;
}

/*
 * Open MPI on several hosts of a PBS job: how mpirun reaches the others
 * (plan_rsh_agent).  Returns 1 when c says it all.
 */
static int
pbs_reach(struct doc_check *c, const struct job *j, const struct doc_facts *f, const char *ver)
{
	const char *own = env_nonempty(f->envp, "OMPI_MCA_plm_rsh_agent");
	const char *how = j->src.launcher.kind == SRC_PROBE ? "probing PATH" : j->src.launcher.text;

	if (j->sched != SCHED_PBS || j->launcher != LAUNCHER_OPENMPI || j->hosts.n < 2)
		return 0;
	if (own == NULL)
		own = env_nonempty(f->envp, "OMPI_MCA_orte_rsh_agent");
	if (own)
		ok(c, "openmpi at %s (%s), chosen by %s; reaches the other hosts with your rsh agent "
		    "'%s' (OMPI_MCA_plm_rsh_agent), unless it has PBS's tm launcher", j->launcher_path,
		    *ver ? ver : "no version", how, own);
	else if (f->pbs_rsh_agent)
		ok(c, "openmpi at %s (%s), chosen by %s; reaches the other hosts through pbs_tmrsh: "
		    "ezpz launch sets OMPI_MCA_plm_rsh_agent=%s (unused if Open MPI has PBS's tm "
		    "launcher)", j->launcher_path, *ver ? ver : "no version", how, f->pbs_rsh_agent);
	else
		set(c, DOC_WARN, xasprintf("openmpi at %s (%s): without PBS's tm launcher it starts "
		    "ranks on the other hosts with ssh, and pbs_tmrsh (or ezpz's agent ompi-pbs-rsh) "
		    "is not there to do it as tasks of the job", j->launcher_path,
		    *ver ? ver : "no version"), xstrdup("put PBS's bin directory on PATH (or set "
		    "PBS_EXEC), or set OMPI_MCA_plm_rsh_agent to an agent that reaches the job's "
		    "hosts"));
	return 1;
}

static void
check_launcher(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = any_job(f);
	enum launcher seen;
	const char *why;
	char *ver;

	if ((why = stopped_here(f, JOB_AT_LAUNCHER)) != NULL) {
		set(c, DOC_ERROR, xstrdup(why), xstrdup("fix or unset what the message names "
		    "(--launcher or EZPZ_LAUNCHER: a flavour or an installed launcher's path; "
		    "EZPZ_SRUN_MPI)"));
		return;
	}
	if (j == NULL) {
		set(c, DOC_WARN, xstrdup("not checked: job detection failed"),
		    xasprintf("fix the %s check first", stage_check(f->job_at)));
		return;
	}
	if (launcher_missing(c, j, f))
		return;
	ver = version_line(f->launcher_version.out);
	seen = launcher_classify(j->launcher_path, f->launcher_version.out);
	/* A flavour that was given (profile, option, variable) must be what is
	 * on PATH; srun and a probed flavour are what they are. */
	if (seen != LAUNCHER_UNSET && seen != j->launcher && j->launcher != LAUNCHER_SRUN &&
	    j->src.launcher.kind != SRC_PROBE) {
		set(c, DOC_WARN, xasprintf("%s says the launcher is %s, but %s is %s (%s)",
		    j->src.launcher.text, launcher_name(j->launcher), j->launcher_path,
		    launcher_name(seen), ver), xasprintf("load the MPI the profile expects, or pass "
		    "--launcher %s (or set EZPZ_LAUNCHER)", launcher_name(seen)));
	} else if (j->launcher == LAUNCHER_SRUN && j->srun_mpi_why &&
	    (j->srun_mpi || strstr(j->srun_mpi_why, "no pmix plugin"))) {
		/* Slurm's default MpiDefault=none: plain srun lines start singletons. */
		set(c, DOC_WARN, xasprintf("srun at %s: %s%s%s", j->launcher_path, j->srun_mpi_why,
		    j->srun_mpi ? "; ezpz launch adds --mpi=" : "", j->srun_mpi ? j->srun_mpi : ""),
		    j->srun_mpi ? xasprintf("in your own srun lines pass --mpi=%s (or export "
		    "SLURM_MPI_TYPE=%s); a site sets MpiDefault=%s in slurm.conf", j->srun_mpi,
		    j->srun_mpi, j->srun_mpi) : xstrdup("install Slurm's pmix plugin (mpi_pmix.so), "
		    "or build your MPI with Slurm's PMI2"));
	} else if (j->launcher_note) {
		set(c, DOC_WARN, xasprintf("%s at %s (%s); %s", launcher_name(j->launcher),
		    j->launcher_path, *ver ? ver : "no version", j->launcher_note),
		    xstrdup("fix or remove the launcher named, or put the one you want first on PATH"));
	} else if (!pbs_reach(c, j, f, ver)) {
		ok(c, "%s at %s (%s), chosen by %s; passes the environment with %s%s%s",
		    launcher_name(j->launcher), j->launcher_path, *ver ? ver : "no version",
		    j->src.launcher.kind == SRC_PROBE ? "probing PATH" : j->src.launcher.text,
		    launcher_env_flag(j->launcher), j->srun_mpi_why ? "; MPI plugin: " : "",
		    j->srun_mpi_why ? j->srun_mpi_why : "");
	}
	free(ver);
}

/* ---- MPI library ------------------------------------------------------------------ */

/* Library names that are an MPI implementation's main library. */
static int
is_mpi_lib(const char *name)
{
	static const char *const prefixes[] = { "libmpi.so", "libmpich.so", "libmpi_cray",
		"libmpi_gnu", "libmpi_intel", "libmpi_nvidia" };
	for (size_t i = 0; i < NITEMS(prefixes); i++)
		if (startswith(name, prefixes[i]))
			return 1;
	return 0;
}

/* ldconfig -p: "\tlibmpi.so.40 (libc6,x86-64) => /lib/.../libmpi.so.40" */
static char *
ldconfig_mpi(const char *out)
{
	char *copy = xstrdup(out ? out : ""), *save = NULL, *r = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l && !r; l = strtok_r(NULL, "\n", &save)) {
		char *arrow = strstr(l, "=> ");
		l = strtrim(l);
		if (arrow && is_mpi_lib(l))
			r = xstrdup(strtrim(arrow + 3));
	}
	free(copy);
	return r;
}

/*
 * The test worker's MPI against the launcher's flavour: a worker built for
 * Open MPI under Hydra starts as N singletons.  Same families: Open MPI
 * with openmpi; MPICH, Intel MPI and Cray MPICH with mpich and pals.
 */
static void
check_worker(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = any_job(f);
	const char *out = f->worker_mpi.out ? f->worker_mpi.out : "";
	enum launcher w, l = j ? j->launcher : LAUNCHER_UNSET;
	char *lib;

	if (f->worker == NULL) {
		ok(c, "no test worker installed ('ezpz test' needs one; 'ezpz test --torch' does not)");
		return;
	}
	lib = xstrndup(out, strcspn(out, ",\n"));
	if (f->worker_mpi.status != 0 || *lib == '\0') {
		set(c, DOC_WARN, xasprintf("the test worker %s cannot start: %.*s", f->worker,
		    (int)strcspn(out, "\n"), *out ? out : "no output"), xstrdup("rebuild it against "
		    "this host's MPI: make MPI_PKG=<its pkg-config name> (or MPI_CFLAGS=... "
		    "MPI_LIBS=...), then make install"));
		free(lib);
		return;
	}
	w = launcher_classify(NULL, out);
	if (l == LAUNCHER_PALS && w == LAUNCHER_MPICH)
		w = LAUNCHER_PALS;
	if (w == LAUNCHER_UNSET || l <= LAUNCHER_NONE || l == LAUNCHER_SRUN || w == l) {
		ok(c, "the test worker runs with %s%s%s", lib, l == LAUNCHER_SRUN ? " (under srun "
		    "through its PMI/PMIx plugin)" : "", w == l ? ", the launcher's MPI family" : "");
	} else {
		set(c, DOC_WARN, xasprintf("the test worker is built against %s but the launcher is "
		    "%s: 'ezpz test' would start each rank as a singleton", lib, launcher_name(l)),
		    xasprintf("rebuild the worker for the launcher's MPI: make MPI_PKG=%s (or "
		    "MPI_CFLAGS=... MPI_LIBS=...), then make install", l == LAUNCHER_OPENMPI ?
		    "ompi-c" : "mpich"));
	}
	free(lib);
}

static void
check_mpi(struct doc_check *c, const struct doc_facts *f)
{
	char *lib;
	if (f->mpi_lib) {
		ok(c, "%s (%s)", f->mpi_lib, f->mpi_lib_from);
		return;
	}
	if ((lib = ldconfig_mpi(f->ldconfig.out)) != NULL) {
		ok(c, "%s (ldconfig -p)", lib);
		free(lib);
		return;
	}
	set(c, DOC_WARN, xstrdup("no MPI library (libmpi, libmpich, libmpi_cray) in "
	    "LD_LIBRARY_PATH, next to the launcher, or in 'ldconfig -p': mpi4py and MPI "
	    "programs will not load (torch with NCCL or gloo does not need it)"),
	    xstrdup("load your MPI module (it sets LD_LIBRARY_PATH), or install an MPI"));
}

/* ---- PMIx --------------------------------------------------------------------------- */

static int
in_launch(char *const *envp)
{
	return env_get(envp, "PMIX_RANK") != NULL || env_get(envp, "PMIX_NAMESPACE") != NULL;
}

static void
check_pmix(struct doc_check *c, const struct doc_facts *f)
{
	const struct rankinfo *ri = f->pmix;

	if (!in_launch(f->envp)) {
		ok(c, "not inside a launch (no PMIX_RANK or PMIX_NAMESPACE): nothing to check");
	} else if (f->pmix_rc == 0 && ri) {
		ok(c, "rank %ld of %ld (local rank %ld of %ld) from the launcher's PMIx server",
		    ri->rank, ri->size, ri->local_rank, ri->local_size);
	} else if (f->pmix_rc > 0) {
		set(c, DOC_WARN, xstrdup("PMIX_* variables are set but no PMIx server answered: "
		    "ranks fall back to launcher variables"), xstrdup("check the launcher's PMIx "
		    "support (srun --mpi=pmix; Open MPI's mpirun runs a server), or unset stale "
		    "PMIX_* variables"));
	} else {
		/* Seen with Open MPI 4.1 when this process had already connected and
		 * finalized before an exec (ezpz rankenv does): MPI_Init fails too. */
		set(c, DOC_ERROR, xasprintf("the launcher's PMIx server gave this process no rank "
		    "facts (%s): MPI_Init would fail here too", f->pmix_err ? f->pmix_err :
		    "unknown error"), xstrdup("under 'ezpz launch', try --no-rankenv (a PMIx client "
		    "that finalized before an exec leaves nothing for the next); else report it with "
		    "the launcher's version"));
	}
}

/* ---- GPUs -------------------------------------------------------------------------------- */

static void
check_gpus(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = any_job(f);
	const char *why;
	int tiles, want, hw;

	if ((why = stopped_here(f, JOB_AT_GPUS)) != NULL) {
		set(c, DOC_ERROR, xstrdup(why), xstrdup("fix or unset what the message names "
		    "(NGPU_PER_HOST, a SLURM_ GPU variable, --topology or EZPZ_TOPOLOGY)"));
		return;
	}
	if (f->topo == NULL) {
		set(c, DOC_WARN, xasprintf("cannot read this host's hardware: %s",
		    f->topo_err ? f->topo_err : "unknown error"), xstrdup("set EZPZ_TOPOLOGY to an "
		    "hwloc XML file ('lstopo host.xml'), or check the hwloc installation"));
		return;
	}
	if (j == NULL) {
		ok(c, "%zu GPU%s (hwloc); the job's allocation is unknown (see scheduler)",
		    f->topo->ngpus, plural(f->topo->ngpus));
		return;
	}
	tiles = j->gpu_tiles > 1 ? j->gpu_tiles : 1;
	hw = (int)f->topo->ngpus * tiles;
	want = j->ngpu_per_host;
	if (j->src.ngpu_per_host.kind == SRC_HWLOC) {
		if (hw == 0)
			ok(c, "no GPUs on this host (hwloc): ranks run on CPUs");
		else
			ok(c, "%d GPU%s (%s, hwloc%s)", hw, plural((size_t)hw), vendor_name(f->topo->vendor),
			    f->topo->backend && streq(f->topo->backend, "pci") ? ": counted by PCI "
			    "class, hwloc has no vendor plugin" : "");
	} else if (want == hw) {
		ok(c, "%d GPU%s per host (from %s); hwloc sees %d here", want, plural((size_t)want),
		    j->src.ngpu_per_host.text, hw);
	} else if (hw == 0) {
		set(c, DOC_WARN, xasprintf("%s says %d GPU%s per host, but hwloc sees none on this "
		    "host", j->src.ngpu_per_host.text, want, plural((size_t)want)),
		    xstrdup("expected on a login node; on a compute node check the driver, and "
		    "that hwloc has CUDA/NVML, ROCm or Level Zero support"));
	} else if (hw < want) {
		set(c, DOC_ERROR, xasprintf("%s says %d GPUs per host, but hwloc sees %d: ranks past "
		    "local rank %d would have no GPU", j->src.ngpu_per_host.text, want, hw, hw - 1),
		    xasprintf("set NGPU_PER_HOST=%d, or ask the scheduler for the GPUs you use", hw));
	} else {
		ok(c, "%d of this host's %d GPUs are the job's (from %s)", want, hw,
		    j->src.ngpu_per_host.text);
	}
}

/* ---- modules ------------------------------------------------------------------------------ */

static char *
module_summary(const char *out)
{
	char *copy, *save = NULL, *names = NULL;
	size_t n = 0;

	if (out && strstr(out, "No modules loaded"))
		return xstrdup("no modules loaded");
	copy = xstrdup(out ? out : "");
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		l = strtrim(l);
		if (*l == '\0' || strchr(l, ' ') || l[strlen(l) - 1] == ':')
			continue;   /* headers ("Currently Loaded Modules:") and notes */
		if (n < 3) {
			char *t = xasprintf("%s%s%s", names ? names : "", n ? ", " : "", l);
			free(names);
			names = t;
		}
		n++;
	}
	free(copy);
	if (n == 0)
		return xstrdup("no modules loaded");
	copy = xasprintf("%zu loaded: %s%s", n, names, n > 3 ? ", ..." : "");
	free(names);
	return copy;
}

static int
profile_loads_modules(const struct job *j)
{
	return j && j->profile && j->profile->module_load.n > 0;
}

/* "Lmod (/usr/share/lmod/lmod/init/bash)", or NULL when there is none. */
static char *
modsys_text(const struct modsys *m)
{
	if (m == NULL || (m->kind == MODSYS_NONE && m->init == NULL))
		return NULL;
	return xasprintf("%s (%s)", modsys_name(m->kind), m->init ? m->init : m->why);
}

/* The host facts cache: off by choice is fine; unusable or unwritable is worth a word. */
static void
check_cache(struct doc_check *c, const struct doc_facts *f)
{
	const struct hostcache *hc = f->cache;
	if (hc == NULL || (f->topo && f->topo->origin == NULL)) {
		ok(c, "not used (this host's hardware comes from %s)",
		    f->topo ? f->topo->source : "an XML file");
	} else if (!hc->on && hc->file == NULL && strstr(hc->state, "(--no-cache)") == NULL &&
	    strstr(hc->state, "(EZPZ_NO_CACHE)") == NULL) {
		set(c, DOC_WARN, xasprintf("host facts cache %s: every command loads hwloc and probes "
		    "the launcher again", hc->state), xstrdup("make $XDG_CACHE_HOME/ezpz (or "
		    "~/.cache/ezpz) a directory of yours with mode 0700"));
	} else if (hc->file && strstr(hc->state, "not written")) {
		set(c, DOC_WARN, xasprintf("host facts cache %s", hc->state),
		    xasprintf("check the space and permissions of %s's directory", hc->file));
	} else if (hc->hit) {
		ok(c, "this host's facts read from %s", hc->file);
	} else {
		ok(c, "host facts cache %s", hc->state);
	}
}

static void
check_modules(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = any_job(f);
	int need = profile_loads_modules(j);
	char *sys = modsys_text(f->modsys), *s;

	if (f->module.status == 0) {
		s = module_summary(f->module.out);
		ok(c, "'module' works in a non-login shell (%s)", s);
		free(s);
	} else if (f->module.status == DOC_MODULE_UNDEFINED && sys) {
		/* A warning, profile or not: setup-env sets the module system up
		 * itself, so only a script's own 'module' commands are at risk. */
		set(c, DOC_WARN, xasprintf("%s is installed, but 'module' is not defined in a "
		    "non-login shell: 'bash job.sh' skips a 'module load' of its own (ezpz setup-env "
		    "sets the module system up itself%s)", sys,
		    need ? ", and loads this machine's modules" : ""), f->modsys->init ?
		    xasprintf("in job scripts that run 'module' themselves: '#!/bin/bash -l', or "
		    "'source %s' before 'module'", f->modsys->init) :
		    xstrdup("in job scripts that run 'module' themselves: '#!/bin/bash -l'"));
	} else if (f->module.status == DOC_MODULE_UNDEFINED || f->module.status < 0) {
		if (need)
			set(c, DOC_ERROR, xasprintf("profile %s loads modules (%s...), but no module "
			    "system was found", j->profile->name, j->profile->module_load.v[0]),
			    xstrdup("run this on the machine's login or compute nodes, or source the "
			    "site's module init file"));
		else
			ok(c, "no module system (Lmod, Environment Modules) found; none needed here");
	} else {
		s = pick_line(f->module.out, 0);
		set(c, DOC_ERROR, xasprintf("'module -t list' failed (exit %d)%s%s", f->module.status,
		    *s ? ": " : "", s), xstrdup("run 'module -t list' in a new shell to see why "
		    "(a broken MODULEPATH or init file?)"));
		free(s);
	}
	free(sys);
}

/* ---- Python --------------------------------------------------------------------------------- */

static int
profile_sets_python(const struct job *j)
{
	const struct profile *p = j ? j->profile : NULL;
	return p && (p->module_load.n > 0 || p->conda_env || p->python_prefix);
}

/* Why setup-env's post-condition failed, as words. */
static char *
python_why(const struct pycheck *py)
{
	if (py->python3 == NULL)
		return xstrdup("no python3 on PATH");
	return xasprintf("python3 is the system's (%s), and none of VIRTUAL_ENV, CONDA_PREFIX, "
	    "PYTHON_ROOT, PYTHONUSERBASE is set", py->real);
}

static void
check_python(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = any_job(f);
	const struct pycheck *py = f->py;
	const char *ver = f->python_version ? f->python_version : "?";
	char *why;

	if (py == NULL) {
		set(c, DOC_WARN, xstrdup("not checked"), xstrdup("report this as a bug"));
	} else if (py->python3 && f->python.status != 0) {
		why = pick_line(f->python.out, 1);
		set(c, DOC_ERROR, xasprintf("python3 at %s does not run (%s %d)%s%s", py->python3,
		    f->python.status < 0 ? "status" : "exit", f->python.status, *why ? ": " : "", why),
		    xstrdup("fix or deactivate the environment that provides it"));
		free(why);
	} else if (py->ok && py->root_var) {
		ok(c, "%s=%s; python3 %s at %s", py->root_var, py->root, ver, py->python3);
	} else if (py->ok) {
		ok(c, "python3 %s at %s%s%s, not the system's", ver, py->python3,
		    streq(py->python3, py->real) ? "" : " -> ", streq(py->python3, py->real) ? "" : py->real);
	} else {
		/* An error where the machine's profile sets Python up: setup-env
		 * would fail there, and the job would die much later (#216). */
		why = python_why(py);
		set(c, profile_sets_python(j) ? DOC_ERROR : DOC_WARN, xasprintf("no Python "
		    "environment is active: %s", why), xstrdup("activate yours first (source "
		    "VENV/bin/activate, conda activate ENV; on ALCF 'module load frameworks/VERSION' "
		    "with the version: a bare 'frameworks' loads nothing), or run "
		    "'eval \"$(ezpz setup-env)\"'"));
		free(why);
	}
}

static void
check_torch(struct doc_check *c, const struct doc_facts *f)
{
	const char *py = f->py ? f->py->python3 : NULL;
	char *line;

	if (py == NULL) {
		set(c, DOC_WARN, xstrdup("not checked: no python3 on PATH"),
		    xstrdup("activate the Python environment that has torch"));
		return;
	}
	if (f->torch.status == EXIT_SIGBASE + 9) {
		set(c, DOC_WARN, xasprintf("'import torch' took more than %d s with %s",
		    DOC_TORCH_TIMEOUT_MS / 1000, py), xstrdup("a slow or overloaded file "
		    "system? Stage the environment on node-local disk"));
		return;
	}
	line = pick_line(f->torch.out, 1);
	if (f->torch.status == 0)
		ok(c, "torch %s (%s)", *line ? line : "?", py);
	else
		set(c, DOC_WARN, xasprintf("torch is not importable with %s%s%s", py,
		    *line ? ": " : "", line), xstrdup("install torch in the active environment, or "
		    "activate the one that has it (only torch programs need it)"));
	free(line);
}

/* ---- limits --------------------------------------------------------------------------------- */

static void
check_memlock(struct doc_check *c, const struct doc_facts *f)
{
	const struct job *j = any_job(f);
	int matters = f->rdma || (j && j->sched != SCHED_LOCAL);
	char *h;

	if (f->memlock == DOC_UNLIMITED) {
		ok(c, "locked memory: unlimited");
		return;
	}
	if (f->memlock < 0) {
		set(c, DOC_WARN, xstrdup("locked memory limit unknown (getrlimit failed)"),
		    xstrdup("check 'ulimit -l'"));
		return;
	}
	h = human_bytes(f->memlock);
	if (matters)
		set(c, DOC_WARN, xasprintf("locked memory is limited to %s (ulimit -l %lld): RDMA "
		    "networks (InfiniBand, Slingshot) pin buffers there, and large jobs fail to "
		    "register memory", h, f->memlock / KiB), xasprintf("'ulimit -l unlimited' in the "
		    "job script if the hard limit allows; else ask the admins (limits.conf, "
		    "%s)", j && j->sched == SCHED_PBS ? "the limits pbs_mom starts with: its service "
		    "unit's LimitMEMLOCK" : "slurmd's LimitMEMLOCK"));
	else
		ok(c, "locked memory is limited to %s: fine without an RDMA network", h);
	free(h);
}

static void
check_nofile(struct doc_check *c, const struct doc_facts *f)
{
	char hard[32];

	if (f->nofile_max == DOC_UNLIMITED)
		snprintf(hard, sizeof hard, "unlimited");
	else
		snprintf(hard, sizeof hard, "%lld", f->nofile_max);
	if (f->nofile == DOC_UNLIMITED || f->nofile >= NOFILE_MIN) {
		ok(c, "open files: %lld (hard limit %s)", f->nofile, hard);
	} else if (f->nofile < 0) {
		set(c, DOC_WARN, xstrdup("open files limit unknown (getrlimit failed)"),
		    xstrdup("check 'ulimit -n'"));
	} else {
		set(c, DOC_WARN, xasprintf("open files are limited to %lld (ulimit -n): many ranks "
		    "per host, NCCL and data loaders need more", f->nofile), f->nofile_max ==
		    DOC_UNLIMITED || f->nofile_max > f->nofile ? xasprintf("'ulimit -n %s' in the job "
		    "script (the hard limit allows it)", f->nofile_max == DOC_UNLIMITED ? "65536" : hard) :
		    xstrdup("ask the admins to raise the hard limit (nofile)"));
	}
}

static void
check_shm(struct doc_check *c, const struct doc_facts *f)
{
	char *h;

	if (f->shm_bytes < 0) {
		set(c, DOC_WARN, xstrdup("/dev/shm is missing: NCCL and PyTorch DataLoader workers "
		    "need shared memory"), xstrdup("mount a tmpfs on /dev/shm (containers: "
		    "--shm-size=8g or --ipc=host)"));
		return;
	}
	h = human_bytes(f->shm_bytes);
	if (f->shm_bytes < SHM_MIN)
		set(c, DOC_WARN, xasprintf("/dev/shm is only %s: NCCL and DataLoader workers crash "
		    "with 'Bus error'", h), xstrdup("containers: run with --shm-size=8g (or "
		    "--ipc=host); elsewhere ask the admins"));
	else
		ok(c, "/dev/shm: %s", h);
	free(h);
}

/* ---- the table ------------------------------------------------------------------------------ */

static const struct {
	const char *name;
	void (*fn)(struct doc_check *c, const struct doc_facts *f);
} checks[] = {
	{ "profile", check_profile }, { "scheduler", check_scheduler },
	{ "hostfile", check_hostfile }, { "launcher", check_launcher }, { "worker", check_worker },
	{ "mpi", check_mpi },
	{ "pmix", check_pmix }, { "gpus", check_gpus }, { "cache", check_cache },
	{ "modules", check_modules },
	{ "python", check_python }, { "torch", check_torch }, { "memlock", check_memlock },
	{ "nofile", check_nofile }, { "shm", check_shm },
};

int
doctor_check(const char *name, const struct doc_facts *f, struct doc_check *out)
{
	for (size_t i = 0; i < NITEMS(checks); i++) {
		if (streq(checks[i].name, name)) {
			memset(out, 0, sizeof *out);
			out->name = xstrdup(name);
			checks[i].fn(out, f);
			return 0;
		}
	}
	return -1;
}

void
doctor_run(struct doc_report *r, const struct doc_facts *f)
{
	for (size_t i = 0; i < NITEMS(checks); i++) {
		r->v = xgrow(r->v, &r->alloc, r->n + 1, sizeof *r->v);
		doctor_check(checks[i].name, f, &r->v[r->n++]);
	}
}

int
doctor_exit_status(const struct doc_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].status == DOC_ERROR)
			return EXIT_FAIL;
	return EXIT_OK;
}
