/* SPDX-License-Identifier: MIT */
/*
 * cmd_doctor.c: `ezpz doctor` — gather the facts (job detection twice, files,
 * probes with timeouts, limits), let doctor.c judge them, print a table or
 * JSON.  Unlike the other commands it must survive a broken setup: a bad
 * machine profile or a hostfile that does not parse is a finding, so it
 * opens the job edge with jobctx_open (which keeps profile errors) and
 * calls job_detect itself.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "doctor.h"
#include "exec.h"
#include "ezpz.h"
#include "jobio.h"
#include "json.h"
#include "launch.h"
#include "path.h"
#include "pmix.h"
#include "setupenv.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_doctor;

enum { O_JSON = 1 };

static const struct opt doctor_opts[] = {
	{ O_JSON, "--json", NULL, NULL, "print a JSON array of {name, status, message, remedy}" },
	JOBOPT_ENTRIES,
	JOBOPT_JOB_ENTRY,
	{ 0 }
};

/* Everything gathered, owned here; doc_facts points into it. */
struct gather {
	char **envp;
	const char *topology;
	struct jobctx ctx;         /* the edge: files, probes, hwloc, profiles */
	struct job job, sched_job;
	int have_job, have_sched;
	char *job_err, *sched_err;
	struct strvec env_nohostfile;
	char *hostname;
	struct hostset hostfile_hosts;
	char *hostfile_err;
	char *mpi_lib;
	char *launcher_out, *ldconfig_out, *module_out, *python_out, *torch_out;
	char *worker, *worker_out;
	char *pbs_rsh_agent;
	char *python_version;
	struct pycheck py;
	struct modsys modsys;
	struct rankinfo pmix;
	char *pmix_err;
	struct doc_facts f;
};

/* ---- gathering ---- */

static void
gather_jobs(struct gather *g, const struct job_opts *jo)
{
	struct job_opts sched_jo = *jo;

	g->have_job = job_detect_at(&g->job, g->envp, g->hostname, &g->ctx.profiles, jo, &g->ctx.io,
	    &g->job_err, &g->f.job_at) == 0;
	/* The scheduler's own view: the same detection without any hostfile. */
	for (char **e = g->envp; *e; e++)
		if (!startswith(*e, "HOSTFILE="))
			strvec_push(&g->env_nohostfile, *e);
	sched_jo.hostfile = NULL;
	g->have_sched = job_detect_at(&g->sched_job, strvec_argv(&g->env_nohostfile), g->hostname,
	    &g->ctx.profiles, &sched_jo, &g->ctx.io, &g->sched_err, &g->f.sched_at) == 0;
	g->f.job = g->have_job ? &g->job : NULL;
	g->f.job_err = g->job_err;
	g->f.sched_job = g->have_sched ? &g->sched_job : NULL;
	g->f.sched_err = g->sched_err;
}

static void
gather_hostfile(struct gather *g, const struct job_opts *jo)
{
	const char *path = jo->hostfile ? jo->hostfile : env_nonempty(g->envp, "HOSTFILE"), *why;
	char *text;

	if (path == NULL)
		return;
	g->f.hostfile_path = path;
	g->f.hostfile_option = jo->hostfile != NULL;
	if ((text = read_file(path, READ_MAX_HOSTFILE, NULL, &why)) == NULL) {
		g->hostfile_err = xasprintf("hostfile '%s' (from %s): %s", path, jo->hostfile ?
		    "--hostfile" : "HOSTFILE", why);
	} else if (hostfile_parse(text, path, &g->hostfile_hosts, &g->hostfile_err) == 0) {
		g->f.hostfile_hosts = &g->hostfile_hosts;
	}
	free(text);
	g->f.hostfile_err = g->hostfile_err;
}

static const char *
nodefile_error(char *const *envp)
{
	const char *p = env_nonempty(envp, "PBS_NODEFILE");
	return p && access(p, R_OK) < 0 ? strerror(errno) : NULL;
}

/* In a process group of its own: a timeout ends bash's module command or
 * python's children too, not only the probe. */
static char *
probe(struct gather *g, char *const *argv, int timeout_ms, struct doc_probe *pr)
{
	char *out = NULL;
	size_t len;
	int truncated;
	pr->status = exec_capture_group(argv, g->envp, timeout_ms, &out, &len, &truncated);
	pr->out = out;
	return out;
}

static void
gather_launcher(struct gather *g)
{
	const struct job *j = g->f.job ? g->f.job : g->f.sched_job;
	char *argv[] = { NULL, "--version", NULL };

	g->f.launcher_version.status = -1;
	if (j == NULL || j->launcher_path == NULL)
		return;
	argv[0] = j->launcher_path;
	g->launcher_out = probe(g, argv, DOC_PROBE_TIMEOUT_MS, &g->f.launcher_version);
	g->f.pbs_rsh_agent = g->pbs_rsh_agent = launch_pbs_rsh_agent(j, g->envp);
}

/* The test worker's MPI: it prints its library without MPI_Init. */
static void
gather_worker(struct gather *g)
{
	char *dir = path_libexecdir(g->envp), *argv[] = { NULL, "--mpi-library", NULL };

	g->f.worker_mpi.status = -1;
	g->worker = xasprintf("%s/ezpz-test-worker", dir);
	free(dir);
	if (access(g->worker, X_OK) != 0) {
		free(g->worker);
		g->worker = NULL;
		return;
	}
	g->f.worker = g->worker;
	argv[0] = g->worker;
	g->worker_out = probe(g, argv, DOC_PROBE_TIMEOUT_MS, &g->f.worker_mpi);
}

/* The first MPI library file in dir, as a malloc'd path. */
static char *
mpi_lib_in(const char *dir)
{
	static const char *const names[] = { "libmpi.so", "libmpich.so", "libmpi_cray.so" };
	for (size_t i = 0; i < NITEMS(names); i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	return NULL;
}

static void
gather_mpi(struct gather *g)
{
	const struct job *j = g->f.job ? g->f.job : g->f.sched_job;
	const char *llp = env_nonempty(g->envp, "LD_LIBRARY_PATH");
	char *argv[] = { NULL, "-p", NULL };

	for (const char *p = llp; p && *p && g->mpi_lib == NULL; ) {
		size_t len = strcspn(p, ":");
		char *dir = xstrndup(p, len);
		if (*dir && (g->mpi_lib = mpi_lib_in(dir)) != NULL)
			g->f.mpi_lib_from = "LD_LIBRARY_PATH";
		free(dir);
		p += len + (p[len] == ':');
	}
	if (g->mpi_lib == NULL && j && j->launcher_path) {
		/* <prefix>/bin/mpiexec -> <prefix>/lib, <prefix>/lib64 */
		char *prefix = xstrdup(j->launcher_path), *s;
		for (int up = 0; up < 2 && (s = strrchr(prefix, '/')) != NULL; up++)
			*s = '\0';
		for (int i = 0; i < 2 && g->mpi_lib == NULL; i++) {
			char *dir = xasprintf("%s/%s", prefix, i ? "lib64" : "lib");
			if ((g->mpi_lib = mpi_lib_in(dir)) != NULL)
				g->f.mpi_lib_from = "next to the launcher";
			free(dir);
		}
		free(prefix);
	}
	g->f.mpi_lib = g->mpi_lib;
	g->f.ldconfig.status = -1;
	if (g->mpi_lib)
		return;
	/* ldconfig lives in sbin, often not on a user's PATH. */
	argv[0] = path_which(g->envp, "ldconfig");
	if (argv[0] == NULL && access("/sbin/ldconfig", X_OK) == 0)
		argv[0] = xstrdup("/sbin/ldconfig");
	if (argv[0] == NULL && access("/usr/sbin/ldconfig", X_OK) == 0)
		argv[0] = xstrdup("/usr/sbin/ldconfig");
	if (argv[0])
		g->ldconfig_out = probe(g, argv, DOC_PROBE_TIMEOUT_MS, &g->f.ldconfig);
	free(argv[0]);
}

static void
gather_pmix(struct gather *g)
{
	if (env_get(g->envp, "PMIX_RANK") == NULL && env_get(g->envp, "PMIX_NAMESPACE") == NULL)
		return;
	g->f.pmix_rc = pmix_rankinfo(&g->pmix, g->envp, &g->pmix_err);
	g->f.pmix = &g->pmix;
	g->f.pmix_err = g->pmix_err;
}

static int
readable(const char *path)
{
	return access(path, R_OK) == 0;
}

static void
gather_modules(struct gather *g)
{
	/* A non-login, non-interactive bash: what 'bash job.sh' gets. */
	char *argv[] = { "bash", "-c", "type module >/dev/null 2>&1 || exit 3; "
	    "module -t list 2>&1", NULL };
	char *bash = path_which(g->envp, "bash");

	if (bash == NULL && access("/bin/bash", X_OK) == 0)
		bash = xstrdup("/bin/bash");
	modsys_detect(g->envp, readable, &g->modsys);
	g->f.modsys = &g->modsys;
	g->f.module.status = -1;
	if (bash) {
		argv[0] = bash;
		g->module_out = probe(g, argv, DOC_PROBE_TIMEOUT_MS, &g->f.module);
	}
	free(bash);
}

static void
gather_python(struct gather *g)
{
	char *ask[] = { NULL, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])", NULL };
	char *torch[] = { NULL, "-c", "import torch; print(torch.__version__)", NULL };

	setupenv_python_check(g->envp, 0, &g->py);
	g->f.py = &g->py;
	g->f.python.status = g->f.torch.status = -1;
	if (g->py.python3 == NULL)
		return;
	ask[0] = torch[0] = g->py.python3;
	g->python_out = probe(g, ask, DOC_PROBE_TIMEOUT_MS, &g->f.python);
	if (g->f.python.status == 0)
		g->f.python_version = g->python_version = xstrndup(g->python_out,
		    strcspn(g->python_out, "\n"));
	g->torch_out = probe(g, torch, DOC_TORCH_TIMEOUT_MS, &g->f.torch);
}

static long long
limit_value(rlim_t v)
{
	return v == RLIM_INFINITY ? DOC_UNLIMITED : (long long)v;
}

static int
dir_has_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;
	if (d == NULL)
		return 0;
	while (n == 0 && (e = readdir(d)) != NULL)
		n = e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void
gather_limits(struct gather *g)
{
	struct rlimit rl;
	struct statvfs sv;

	g->f.memlock = getrlimit(RLIMIT_MEMLOCK, &rl) == 0 ? limit_value(rl.rlim_cur) : -1;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		g->f.nofile = limit_value(rl.rlim_cur);
		g->f.nofile_max = limit_value(rl.rlim_max);
	} else {
		g->f.nofile = g->f.nofile_max = -1;
	}
	g->f.shm_bytes = statvfs("/dev/shm", &sv) == 0 ?
	    (long long)sv.f_blocks * (long long)sv.f_frsize : -1;
	/* InfiniBand/RoCE HCAs, or HPE Slingshot's CXI devices. */
	g->f.rdma = dir_has_entries("/sys/class/infiniband") || access("/dev/cxi0", F_OK) == 0;
}

static void
gather(struct gather *g, const struct job_opts *jo)
{
	char *terr = NULL;

	jobctx_open(&g->ctx, g->envp, g->topology);
	g->ctx.no_cache = jo->no_cache;
	g->hostname = this_hostname(g->envp);
	g->f.envp = g->envp;
	g->f.hostname = g->hostname;
	g->f.profile_errs = &g->ctx.profile_errs;
	g->f.nprofiles = g->ctx.profiles.n;
	gather_jobs(g, jo);
	gather_hostfile(g, jo);
	g->f.nodefile_err = nodefile_error(g->envp);
	gather_launcher(g);
	gather_worker(g);
	gather_mpi(g);
	gather_pmix(g);
	g->f.topo = g->ctx.io.topo(g->ctx.io.ctx, &terr);
	g->f.topo_err = g->ctx.topo_err;
	g->f.cache = g->ctx.cache_open ? &g->ctx.cache : NULL;
	free(terr);
	gather_modules(g);
	gather_python(g);
	gather_limits(g);
}

static void
gather_free(struct gather *g)
{
	if (g->have_job)
		job_free(&g->job);
	if (g->have_sched)
		job_free(&g->sched_job);
	jobctx_free(&g->ctx);
	strvec_clear(&g->env_nohostfile);
	free(g->job_err);
	free(g->sched_err);
	free(g->hostname);
	hostset_free(&g->hostfile_hosts);
	free(g->hostfile_err);
	free(g->mpi_lib);
	free(g->launcher_out);
	free(g->worker);
	free(g->worker_out);
	free(g->pbs_rsh_agent);
	free(g->ldconfig_out);
	free(g->module_out);
	free(g->python_out);
	free(g->torch_out);
	free(g->python_version);
	pycheck_free(&g->py);
	modsys_free(&g->modsys);
	if (g->f.pmix)
		rank_free(&g->pmix);
	free(g->pmix_err);
}

/* ---- output ---- */

static int
use_colour(char *const *envp)
{
	return colour_on(STDOUT_FILENO, envp);
}

static void
print_table(const struct doc_report *r, int colour)
{
	static const char *const sgr[] = { "\033[32m", "\033[33m", "\033[1;31m" };
	size_t count[3] = { 0, 0, 0 };

	printf("%-10s %-6s %s\n", "CHECK", "STATUS", "MESSAGE");
	for (size_t i = 0; i < r->n; i++) {
		const struct doc_check *c = &r->v[i];
		const char *st = doc_status_name(c->status);
		count[c->status]++;
		if (colour)
			printf("%-10s %s%-6s\033[0m %s\n", c->name, sgr[c->status], st, c->message);
		else
			printf("%-10s %-6s %s\n", c->name, st, c->message);
		if (c->remedy)
			printf("%-17s fix: %s\n", "", c->remedy);
	}
	printf("%zu checks: %zu ok, %zu warning%s, %zu error%s\n", r->n, count[DOC_OK],
	    count[DOC_WARN], count[DOC_WARN] == 1 ? "" : "s", count[DOC_ERROR],
	    count[DOC_ERROR] == 1 ? "" : "s");
}

static int
doctor_run_cmd(int argc, char **argv)
{
	struct job_opts jo = { 0 };
	struct gather g;
	struct doc_report r = { 0 };
	struct optstate st;
	int json = 0, o, status;

	memset(&g, 0, sizeof g);
	opt_init(&st, "doctor", argc, argv);
	while ((o = opt_next(&st, doctor_opts)) != OPT_DONE) {
		if (o == OPT_HELP)
			cmd_help_exit(&cmd_doctor);
		if (o == O_JSON)
			json = 1;
		else if (!jobopt_take(&jo, &g.topology, o, st.arg))
			opt_unknown(&st);
	}
	if (st.ind < argc)
		die_usage("doctor: unexpected argument '%s'", argv[st.ind]);
	g.envp = environ;
	gather(&g, &jo);
	doctor_run(&r, &g.f);
	if (json) {
		char *s = json_doctor(&r);
		fputs(s, stdout);
		free(s);
	} else {
		print_table(&r, use_colour(environ));
	}
	status = doctor_exit_status(&r);
	doc_report_free(&r);
	gather_free(&g);
	return status;
}

const struct ezpz_cmd cmd_doctor = {
	.name = "doctor",
	.summary = "check this host and job for what breaks distributed runs",
	.usage = "[--json] [JOB OPTIONS]",
	.description = "Check the machine profile, the job and its host list, the launcher and\n"
	    "MPI library, PMIx (inside a launch), GPUs, modules, Python and torch, and the\n"
	    "limits large jobs hit.  Each check is ok, warn or error with a one-line fix.\n"
	    "Exit status 1 if any check is an error, else 0.",
	.opts = doctor_opts,
	.run = doctor_run_cmd,
};
