/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for doctor.c: each check's verdict from fixture facts.  The
 * jobs are real detections (job_detect over fakeio and the built-in
 * profiles), as cmd_doctor.c makes them; probes and limits are set here.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "doctor.h"
#include "fakeio.h"
#include "json.h"
#include "util.h"

static const struct fake_cmd ompi_cmds[] = {
	{ "mpirun", "/usr/bin/mpirun", "mpirun (Open MPI) 4.1.4\n", 0 },
	{ "mpiexec", "/usr/bin/mpiexec", "mpiexec (OpenRTE) 4.1.4\n", 0 },
	{ NULL, NULL, NULL, 0 }
};
static const struct fake_cmd no_cmds[] = { { NULL, NULL, NULL, 0 } };
static const struct fake_cmd srun_cmds[] = {
	{ "srun", "/usr/bin/srun", "slurm 22.05.8\n", 0 }, { NULL, NULL, NULL, 0 }
};

/* A doctor run over a fixture environment. */
struct fx {
	struct fakeio io;
	struct profiles ps;
	struct strvec errs;
	struct job job, sched_job;
	char *job_err, *sched_err;
	struct strvec env_nohf;
	struct hostset hf;
	struct topo topo;
	struct pycheck py;
	struct modsys ms;
	struct doc_facts f;
	struct doc_check c;
};

static void
fx_init(struct fx *x, char **env, const char *host, const struct fake_cmd *cmds, const char *topo)
{
	static const struct job_opts none = { 0 };
	char *err = NULL;

	memset(x, 0, sizeof *x);
	fakeio_init(&x->io, cmds, topo);
	load_builtin_profiles(&x->ps);
	x->f.envp = env;
	x->f.hostname = host;
	x->f.profile_errs = &x->errs;
	x->f.nprofiles = x->ps.n;
	if (job_detect_at(&x->job, env, host, &x->ps, &none, &x->io.io, &x->job_err,
	    &x->f.job_at) == 0)
		x->f.job = &x->job;
	x->f.job_err = x->job_err;
	for (char **e = env; *e; e++)
		if (!startswith(*e, "HOSTFILE="))
			strvec_push(&x->env_nohf, *e);
	if (job_detect_at(&x->sched_job, strvec_argv(&x->env_nohf), host, &x->ps, &none, &x->io.io,
	    &x->sched_err, &x->f.sched_at) == 0)
		x->f.sched_job = &x->sched_job;
	x->f.sched_err = x->sched_err;
	if (topo) {
		char *rel = xasprintf("tests/fixtures/topo/%s", topo), *path = fixture(rel);
		if (topo_load(&x->topo, path, &err) == 0)
			x->f.topo = &x->topo;
		free(rel);
		free(path);
	} else {
		x->f.topo_err = "no topology in this test";
	}
	free(err);
	/* Probes: a healthy laptop unless a test says otherwise. */
	x->f.launcher_version = (struct doc_probe){ 0, "mpiexec (OpenRTE) 4.1.4\n" };
	x->f.ldconfig = (struct doc_probe){ 0, "\tlibmpi.so.40 (libc6,x86-64) => /lib/x86_64-linux-gnu/libmpi.so.40\n" };
	x->f.module = (struct doc_probe){ DOC_MODULE_UNDEFINED, "" };
	x->py.ok = 1;
	x->py.python3 = "/home/u/venv/bin/python3";
	x->py.real = "/usr/bin/python3.11";
	x->py.root_var = "VIRTUAL_ENV";
	x->py.root = "/home/u/venv";
	x->f.py = &x->py;
	x->f.python = (struct doc_probe){ 0, "3.11.2\n" };
	x->f.python_version = "3.11.2";
	x->f.torch = (struct doc_probe){ 0, "2.5.1+cu124\n" };
	x->ms.why = "LMOD_CMD, MODULES_CMD and MODULESHOME are unset";
	x->f.modsys = &x->ms;
	x->f.memlock = DOC_UNLIMITED;
	x->f.nofile = 65536;
	x->f.nofile_max = 1048576;
	x->f.shm_bytes = 8LL << 30;
}

/* Run one check into x->c. */
static const struct doc_check *
check(struct fx *x, const char *name)
{
	doc_check_free(&x->c);
	cr_assert_eq(doctor_check(name, &x->f, &x->c), 0, "no check '%s'", name);
	cr_assert_str_eq(x->c.name, name);
	if (x->c.status == DOC_OK)
		cr_assert_null(x->c.remedy, "%s: an ok check has no remedy", name);
	else
		cr_assert(x->c.remedy && *x->c.remedy, "%s: a %s check needs a remedy", name,
		    doc_status_name(x->c.status));
	cr_assert_null(strchr(x->c.message, '\n'), "%s: one line: %s", name, x->c.message);
	return &x->c;
}

static void
fx_free(struct fx *x)
{
	doc_check_free(&x->c);
	if (x->f.job)
		job_free(&x->job);
	if (x->f.sched_job)
		job_free(&x->sched_job);
	if (x->f.topo)
		topo_free(&x->topo);
	free(x->job_err);
	free(x->sched_err);
	strvec_clear(&x->env_nohf);
	strvec_clear(&x->errs);
	hostset_free(&x->hf);
	profiles_free(&x->ps);
	fakeio_free(&x->io);
}

#define expect_check(x, name, st, substr) do { \
	const struct doc_check *c_ = check((x), (name)); \
	cr_expect_eq(c_->status, (st), "%s: status %s, want %s: %s", (name), \
	    doc_status_name(c_->status), doc_status_name(st), c_->message); \
	cr_expect(strstr(c_->message, (substr)) != NULL, "%s: want '%s' in: %s", (name), \
	    (substr), c_->message); \
} while (0)

/* ---- profile, scheduler ---- */

Test(doctor, scheduler_that_did_not_answer_is_a_warning)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "n2", ompi_cmds, "synthetic-nogpu.xml");
	cr_assert_not_null(x.f.sched_job);
	x.sched_job.find_note = xstrdup("root has no running Slurm job on n2 (squeue)");
	expect_check(&x, "scheduler", DOC_OK, "no batch job (root has no running Slurm job on n2 "
	    "(squeue)): ezpz launch runs on this host (n2)");
	free(x.sched_job.find_note);
	x.sched_job.find_note = xstrdup("squeue: no answer within 10 s");
	x.sched_job.find_failed = 1;
	expect_check(&x, "scheduler", DOC_WARN, "no batch job found: squeue: no answer within 10 s");
	cr_expect_not_null(strstr(x.c.remedy, "EZPZ_JOBFIND_TIMEOUT"), "%s", x.c.remedy);
	fx_free(&x);
}

Test(doctor, laptop_is_healthy)
{
	char *env[] = { "PATH=/usr/bin", "VIRTUAL_ENV=/home/u/venv", NULL };
	struct doc_report r = { 0 };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	doctor_run(&r, &x.f);
	cr_assert_eq(r.n, 15);
	for (size_t i = 0; i < r.n; i++)
		cr_expect_eq(r.v[i].status, DOC_OK, "%s: %s", r.v[i].name, r.v[i].message);
	cr_expect_str_eq(r.v[0].name, "profile");
	cr_expect_str_eq(r.v[14].name, "shm");
	cr_expect_eq(doctor_exit_status(&r), 0);
	expect_check(&x, "profile", DOC_OK, "machine generic: no profile matches hostname mylaptop");
	expect_check(&x, "scheduler", DOC_OK, "no batch job: ezpz launch runs on this host (mylaptop)");
	expect_check(&x, "launcher", DOC_OK, "openmpi at /usr/bin/mpiexec (mpiexec (OpenRTE) 4.1.4), "
	    "chosen by probing PATH;");
	expect_check(&x, "launcher", DOC_OK, "passes the environment with -x VAR for each variable");
	doc_report_free(&r);
	fx_free(&x);
}

Test(doctor, profile_errors_are_reported_not_fatal)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	strvec_push(&x.errs, "/etc/ezpz/machines.d/site.yaml:3: unknown key 'gpus' (did you mean 'gpu'?)");
	strvec_push(&x.errs, "/etc/ezpz/machines.d/site.yaml:9: missing value");
	expect_check(&x, "profile", DOC_ERROR, "2 errors in machine profiles: "
	    "/etc/ezpz/machines.d/site.yaml:3: unknown key 'gpus'");
	strvec_clear(&x.errs);
	x.f.nprofiles = 0;
	expect_check(&x, "profile", DOC_WARN, "no machine profiles found");
	fx_free(&x);
}

Test(doctor, profile_matched_by_hostname)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;
	fx_init(&x, env, "x4105c0s4b0n0", no_cmds, "synthetic-6xIntelMax1550.xml");
	expect_check(&x, "profile", DOC_OK, "machine aurora: its profile matches hostname x4105c0s4b0n0");
	fx_free(&x);
}

Test(doctor, pbs_job_on_its_host)
{
	char *nf = fixture("tests/fixtures/job/aurora-2n.nodefile");
	char *nfv = xasprintf("PBS_NODEFILE=%s", nf);
	char *env[] = { "PATH=/usr/bin", "PBS_JOBID=777.aurora-pbs-0001", nfv, NULL };
	struct fx x;

	fx_init(&x, env, "x4105c0s4b0n0", no_cmds, "synthetic-6xIntelMax1550.xml");
	expect_check(&x, "scheduler", DOC_OK, "pbs job 777: 2 hosts (");
	expect_check(&x, "scheduler", DOC_OK, "this host is one (env:PBS_JOBID)");
	expect_check(&x, "hostfile", DOC_OK, "2 hosts from env:PBS_NODEFILE");
	/* Aurora: 6 GPUs x 2 tiles = the profile's 12. */
	expect_check(&x, "gpus", DOC_OK, "12 GPUs per host (from profile:aurora); hwloc sees 12 here");
	fx_free(&x);
	free(nfv);
	free(nf);
}

Test(doctor, stale_pbs_jobid_is_an_error)
{
	char *nf = fixture("tests/fixtures/job/aurora-2n.nodefile");
	char *nfv = xasprintf("PBS_NODEFILE=%s", nf);
	char *env[] = { "PATH=/usr/bin", "PBS_JOBID=777.aurora-pbs-0001", nfv, NULL };
	struct doc_report r = { 0 };
	struct fx x;

	fx_init(&x, env, "aurora-uan-0010", no_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "scheduler", DOC_ERROR, "this host (aurora-uan-0010) is not one of pbs job "
	    "777's 2 hosts");
	cr_expect(strstr(x.c.remedy, "unset PBS_JOBID and PBS_NODEFILE") != NULL, "%s", x.c.remedy);
	doctor_run(&r, &x.f);
	cr_expect_eq(doctor_exit_status(&r), 1);
	doc_report_free(&r);
	fx_free(&x);
	free(nfv);
	free(nf);
}

Test(doctor, slurm_shell_outside_the_allocation_is_fine)
{
	char *env[] = { "PATH=/usr/bin", "SLURM_JOB_ID=42", "SLURM_JOB_NODELIST=nid[001-004]",
		"SLURM_GPUS_ON_NODE=4", NULL };
	struct fx x;

	fx_init(&x, env, "login07", srun_cmds, "synthetic-4xA100.xml");
	expect_check(&x, "scheduler", DOC_OK, "slurm job 42: 4 hosts (nid[001-004]); this shell runs "
	    "on login07, outside the allocation");
	expect_check(&x, "hostfile", DOC_OK, "4 hosts from env:SLURM_JOB_NODELIST; no hostfile needed");
	x.f.launcher_version = (struct doc_probe){ 0, "slurm 22.05.8\n" };
	expect_check(&x, "launcher", DOC_OK, "srun at /usr/bin/srun (slurm 22.05.8), chosen by slurm "
	    "job, srun on PATH; passes the environment with --export=ALL");
	expect_check(&x, "gpus", DOC_OK, "4 GPUs per host (from env:SLURM_GPUS_ON_NODE); hwloc sees 4");
	fx_free(&x);
}

Test(doctor, job_detection_failure_is_an_error)
{
	char *env[] = { "PATH=/usr/bin", "SLURM_JOB_ID=42", NULL };
	struct fx x;

	fx_init(&x, env, "nid001", srun_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "scheduler", DOC_ERROR, "slurm job 42: neither SLURM_JOB_NODELIST nor "
	    "SLURM_NODELIST is set");
	expect_check(&x, "hostfile", DOC_ERROR, "no host list: slurm job 42");
	expect_check(&x, "launcher", DOC_WARN, "not checked: job detection failed");
	fx_free(&x);
}

/* ---- hostfile ---- */

static void
hostfile_fact(struct fx *x, const char *path, const char *text)
{
	char *err = NULL;
	x->f.hostfile_path = path;
	cr_assert_eq(hostfile_parse(text, path, &x->hf, &err), 0, "%s", err);
	x->f.hostfile_hosts = &x->hf;
}

Test(doctor, hostfile_against_the_job)
{
	char *env[] = { "PATH=/usr/bin", "SLURM_JOB_ID=42", "SLURM_JOB_NODELIST=n[1-4]",
		"HOSTFILE=/tmp/hf", NULL };
	struct fx x;

	fx_init(&x, env, "n1", srun_cmds, "synthetic-nogpu.xml");
	hostfile_fact(&x, "/tmp/hf", "n1\nn2\nn3\nn4\n");
	expect_check(&x, "hostfile", DOC_OK, "hostfile '/tmp/hf': the 4 hosts of slurm job 42");
	hostset_free(&x.hf);
	hostfile_fact(&x, "/tmp/hf", "n1\nn2\n");
	expect_check(&x, "hostfile", DOC_WARN, "hostfile '/tmp/hf' uses 2 of slurm job 42's 4 hosts "
	    "(not: n3, n4)");
	hostset_free(&x.hf);
	hostfile_fact(&x, "/tmp/hf", "n1\nn9\nother1\nother2\nother3\nother4\n");
	expect_check(&x, "hostfile", DOC_ERROR, "hostfile '/tmp/hf' names 5 hosts outside slurm job "
	    "42: n9, other1, other2, other3 and 1 more");
	fx_free(&x);
}

Test(doctor, hostfile_errors)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	x.f.hostfile_path = "nodes.txt";
	x.f.hostfile_err = "hostfile 'nodes.txt': line 2: bad slots 'abc'";
	expect_check(&x, "hostfile", DOC_ERROR, "hostfile 'nodes.txt': line 2");
	cr_expect_str_eq(x.c.remedy, "fix the file, or unset HOSTFILE (then the job's own host list "
	    "is used)");
	x.f.hostfile_option = 1;
	expect_check(&x, "hostfile", DOC_ERROR, "line 2");
	cr_expect(strstr(x.c.remedy, "drop --hostfile") != NULL);
	x.f.hostfile_err = NULL;
	hostfile_fact(&x, "nodes.txt", "a\nb\n");
	expect_check(&x, "hostfile", DOC_OK, "hostfile 'nodes.txt': 2 hosts (no batch job");
	fx_free(&x);
}

Test(doctor, unreadable_pbs_nodefile_with_a_fallback)
{
	char *home = fixture("tests/fixtures/job/pbs_home"), *hv = xasprintf("PBS_HOME=%s", home);
	char *env[] = { "PATH=/usr/bin", "PBS_JOBID=777.pbs-server", "PBS_NODEFILE=/nonexistent/777",
		hv, NULL };
	struct fx x;

	fx_init(&x, env, "x1000c0s0b0n0", no_cmds, "synthetic-nogpu.xml");
	x.f.nodefile_err = "No such file or directory";
	cr_assert_not_null(x.f.sched_job, "%s", x.sched_err);
	expect_check(&x, "hostfile", DOC_WARN, "PBS_NODEFILE '/nonexistent/777': No such file or "
	    "directory; hosts came from pbs spool instead");
	fx_free(&x);
	free(hv);
	free(home);
}

/* ---- launcher, MPI ---- */

Test(doctor, no_launcher_is_an_error)
{
	char *env[] = { "PATH=/nowhere", NULL };
	struct doc_report r = { 0 };
	struct fx x;

	fx_init(&x, env, "mylaptop", no_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "launcher", DOC_ERROR, "no launcher: none of mpiexec, mpirun on PATH");
	cr_expect(strstr(x.c.remedy, "module load") != NULL);
	doctor_run(&r, &x.f);
	cr_expect_eq(doctor_exit_status(&r), 1);
	doc_report_free(&r);
	fx_free(&x);
}

Test(doctor, profile_launcher_missing_or_different)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	/* Polaris says PALS; nothing on PATH. */
	fx_init(&x, env, "x3005c0s7b0n0", no_cmds, "synthetic-4xA100.xml");
	expect_check(&x, "launcher", DOC_ERROR, "launcher pals (from profile:polaris), but mpiexec is "
	    "not on PATH");
	fx_free(&x);
	/* ... and an Open MPI mpiexec where PALS was expected. */
	fx_init(&x, env, "x3005c0s7b0n0", ompi_cmds, "synthetic-4xA100.xml");
	expect_check(&x, "launcher", DOC_WARN, "profile:polaris says the launcher is pals, but "
	    "/usr/bin/mpiexec is openmpi (mpiexec (OpenRTE) 4.1.4)");
	cr_expect(strstr(x.c.remedy, "--launcher openmpi") != NULL, "%s", x.c.remedy);
	fx_free(&x);
}

Test(doctor, launcher_version_failure)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	x.f.launcher_version = (struct doc_probe){ 127, "mpiexec: error while loading shared "
	    "libraries: libopen-rte.so.40: cannot open shared object file\n" };
	expect_check(&x, "launcher", DOC_WARN, "openmpi at /usr/bin/mpiexec: '--version' failed "
	    "(exit 127: mpiexec: error while loading shared libraries");
	x.f.launcher_version = (struct doc_probe){ -1, NULL };
	expect_check(&x, "launcher", DOC_WARN, "'--version' failed (could not start)");
	fx_free(&x);
}

Test(doctor, launcher_version_line)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	x.f.launcher_version = (struct doc_probe){ 0, "HYDRA build details:\n    Version:"
	    "                                 4.1.2\n    Release Date:     Wed Jun  7 2023\n" };
	expect_check(&x, "launcher", DOC_OK, "(Version: 4.1.2), chosen by probing PATH");
	x.f.launcher_version = (struct doc_probe){ 0, "\nIntel(R) MPI Library for Linux* OS, Version "
	    "2021.10 Build 20230619\nCopyright 2003-2023, Intel Corporation.\n" };
	expect_check(&x, "launcher", DOC_OK, "(Intel(R) MPI Library for Linux* OS, Version 2021.10 "
	    "Build 20230619)");
	x.f.launcher_version = (struct doc_probe){ 0, "" };
	expect_check(&x, "launcher", DOC_OK, "(no version)");
	fx_free(&x);
}

Test(doctor, launcher_env_flags)
{
	cr_expect_str_eq(launcher_env_flag(LAUNCHER_PALS), "--envall");
	cr_expect_str_eq(launcher_env_flag(LAUNCHER_MPICH), "-genvall");
	cr_expect_str_eq(launcher_env_flag(LAUNCHER_OPENMPI), "-x VAR for each variable");
	cr_expect_str_eq(launcher_env_flag(LAUNCHER_SRUN), "--export=ALL (its default)");
}

Test(doctor, mpi_library)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "mpi", DOC_OK, "/lib/x86_64-linux-gnu/libmpi.so.40 (ldconfig -p)");
	x.f.ldconfig = (struct doc_probe){ 0, "\tlibmpi_cxx.so.40 (libc6,x86-64) => /lib/libmpi_cxx.so.40\n"
	    "\tlibmpich.so.12 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libmpich.so.12\n" };
	expect_check(&x, "mpi", DOC_OK, "/usr/lib/x86_64-linux-gnu/libmpich.so.12 (ldconfig -p)");
	x.f.mpi_lib = "/opt/cray/pe/mpich/8.1.28/ofi/gnu/12.3/lib/libmpi_cray.so";
	x.f.mpi_lib_from = "LD_LIBRARY_PATH";
	expect_check(&x, "mpi", DOC_OK, "libmpi_cray.so (LD_LIBRARY_PATH)");
	x.f.mpi_lib = NULL;
	x.f.ldconfig = (struct doc_probe){ 0, "\tlibc.so.6 (libc6,x86-64) => /lib/libc.so.6\n" };
	expect_check(&x, "mpi", DOC_WARN, "no MPI library");
	x.f.ldconfig = (struct doc_probe){ -1, NULL };
	expect_check(&x, "mpi", DOC_WARN, "no MPI library");
	fx_free(&x);
}

/* ---- PMIx ---- */

Test(doctor, pmix_only_inside_a_launch)
{
	char *out_env[] = { "PATH=/usr/bin", NULL };
	char *in_env[] = { "PATH=/usr/bin", "PMIX_RANK=1", "PMIX_NAMESPACE=prterun-x-1@1", NULL };
	struct rankinfo ri = { 1, 4, 1, 2, 0, 2, NULL, NULL };
	struct fx x;

	fx_init(&x, out_env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "pmix", DOC_OK, "not inside a launch");
	fx_free(&x);
	fx_init(&x, in_env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	x.f.pmix = &ri;
	expect_check(&x, "pmix", DOC_OK, "rank 1 of 4 (local rank 1 of 2) from the launcher's PMIx server");
	x.f.pmix_rc = 1;
	expect_check(&x, "pmix", DOC_WARN, "no PMIx server answered");
	x.f.pmix_rc = -1;
	x.f.pmix_err = "the PMIx server of namespace 'x' did not give job size";
	expect_check(&x, "pmix", DOC_ERROR, "the launcher's PMIx server gave this process no rank "
	    "facts (the PMIx server of namespace 'x' did not give job size): MPI_Init would fail");
	fx_free(&x);
}

/* ---- GPUs ---- */

Test(doctor, gpus_against_the_allocation)
{
	char *env4[] = { "PATH=/usr/bin", "SLURM_JOB_ID=42", "SLURM_JOB_NODELIST=n1",
		"SLURM_GPUS_ON_NODE=8", NULL };
	char *env2[] = { "PATH=/usr/bin", "SLURM_JOB_ID=42", "SLURM_JOB_NODELIST=n1",
		"SLURM_GPUS_ON_NODE=2", NULL };
	struct fx x;

	fx_init(&x, env4, "n1", srun_cmds, "synthetic-4xA100.xml");
	expect_check(&x, "gpus", DOC_ERROR, "env:SLURM_GPUS_ON_NODE says 8 GPUs per host, but hwloc "
	    "sees 4: ranks past local rank 3 would have no GPU");
	cr_expect_str_eq(x.c.remedy, "set NGPU_PER_HOST=4, or ask the scheduler for the GPUs you use");
	fx_free(&x);
	fx_init(&x, env2, "n1", srun_cmds, "synthetic-4xA100.xml");
	expect_check(&x, "gpus", DOC_OK, "2 of this host's 4 GPUs are the job's");
	fx_free(&x);
	fx_init(&x, env2, "n1", srun_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "gpus", DOC_WARN, "env:SLURM_GPUS_ON_NODE says 2 GPUs per host, but hwloc "
	    "sees none on this host");
	fx_free(&x);
	fx_init(&x, env2, "n1", srun_cmds, NULL);
	expect_check(&x, "gpus", DOC_WARN, "cannot read this host's hardware: no topology in this test");
	fx_free(&x);
}

Test(doctor, gpus_from_hwloc)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-4xA100.xml");
	expect_check(&x, "gpus", DOC_OK, "4 GPUs (nvidia, hwloc)");
	fx_free(&x);
	fx_init(&x, env, "dgx", ompi_cmds, "stock-dgx2-drm.xml");
	expect_check(&x, "gpus", DOC_OK, "16 GPUs (nvidia, hwloc: counted by PCI class, hwloc has "
	    "no vendor plugin)");
	fx_free(&x);
}

/* ---- worker ---- */

Test(doctor, worker_mpi_against_the_launcher)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	char *hydra[] = { "PATH=/usr/bin", "EZPZ_LAUNCHER=mpich", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "worker", DOC_OK, "no test worker installed");
	x.f.worker = "/p/libexec/ezpz/ezpz-test-worker";
	x.f.worker_mpi = (struct doc_probe){ 0, "Open MPI v4.1.4, package: Debian OpenMPI\n"
	    "built with MPI_PKG=ompi-c\n" };
	expect_check(&x, "worker", DOC_OK, "the test worker runs with Open MPI v4.1.4, the "
	    "launcher's MPI family");
	x.f.worker_mpi = (struct doc_probe){ 127, "/p/libexec/ezpz/ezpz-test-worker: error while "
	    "loading shared libraries: libmpi.so.40: cannot open shared object file\n" };
	expect_check(&x, "worker", DOC_WARN, "cannot start: /p/libexec/ezpz/ezpz-test-worker: error "
	    "while loading shared libraries: libmpi.so.40");
	fx_free(&x);

	fx_init(&x, hydra, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	x.f.worker = "/p/libexec/ezpz/ezpz-test-worker";
	x.f.worker_mpi = (struct doc_probe){ 0, "Open MPI v4.1.4, package: Debian OpenMPI\n" };
	expect_check(&x, "worker", DOC_WARN, "the test worker is built against Open MPI v4.1.4 but "
	    "the launcher is mpich: 'ezpz test' would start each rank as a singleton");
	cr_expect(strstr(x.c.remedy, "make MPI_PKG=mpich"), "%s", x.c.remedy);
	x.f.worker_mpi = (struct doc_probe){ 0, "MPICH Version:\t4.0.2\nMPICH Release date: ...\n" };
	expect_check(&x, "worker", DOC_OK, "the test worker runs with MPICH Version:\t4.0.2, the "
	    "launcher's MPI family");
	fx_free(&x);
}

/* ---- cache ---- */

Test(doctor, cache)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct hostcache hc = { 0 };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "cache", DOC_OK, "not used (this host's hardware comes from ");
	x.f.cache = &hc;
	hc.state = "/h/.cache/ezpz/host-n1.facts (new)";
	expect_check(&x, "cache", DOC_OK, "not used (this host's hardware comes from ");
	x.topo.origin = xstrdup("hwloc; cache ...");   /* this host's, not an XML file's */
	hc.state = "off (EZPZ_NO_CACHE)";
	expect_check(&x, "cache", DOC_OK, "host facts cache off (EZPZ_NO_CACHE)");
	hc.state = "off (/h/.cache/ezpz is not a private directory of yours (mode 755, uid 0))";
	expect_check(&x, "cache", DOC_WARN, "host facts cache off (/h/.cache/ezpz is not a private");
	hc.on = 1;
	hc.file = "/h/.cache/ezpz/host-n1.facts";
	hc.state = "/h/.cache/ezpz/host-n1.facts not written (No space left on device)";
	expect_check(&x, "cache", DOC_WARN, "host facts cache /h/.cache/ezpz/host-n1.facts not written");
	hc.state = "/h/.cache/ezpz/host-n1.facts out of date (boot id changed), rebuilt";
	expect_check(&x, "cache", DOC_OK, "host facts cache /h/.cache/ezpz/host-n1.facts out of date");
	hc.hit = 1;
	hc.state = "/h/.cache/ezpz/host-n1.facts";
	expect_check(&x, "cache", DOC_OK, "this host's facts read from /h/.cache/ezpz/host-n1.facts");
	x.f.cache = NULL;
	fx_free(&x);
}

/* A detection that stops is filed under the fact that stopped it, and the
 * checks before it say they were not the cause. */
Test(doctor, detection_errors_go_to_their_check)
{
	static const struct { const char *var, *check, *msg, *quiet; } cases[] = {
		{ "EZPZ_LAUNCHER=bogus", "launcher", "launcher 'bogus' (from EZPZ_LAUNCHER): unknown flavour",
		  "scheduler" },
		{ "EZPZ_MACHINE=nosuch", "profile", "machine 'nosuch' (from EZPZ_MACHINE): no such profile",
		  "hostfile" },
		{ "EZPZ_LAUNCHER=/no/such/mpiexec", "launcher", "launcher '/no/such/mpiexec' (from "
		  "EZPZ_LAUNCHER): no such file", "profile" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { "PATH=/usr/bin", "EZPZ_SCHEDULER=local", (char *)cases[i].var, NULL };
		struct fx x;
		fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
		expect_check(&x, cases[i].check, DOC_ERROR, cases[i].msg);
		expect_check(&x, cases[i].quiet, DOC_OK, "");
		expect_check(&x, "scheduler", DOC_OK, "detection stopped later (see ");
		fx_free(&x);
	}
	/* a bad HOSTFILE stops the launch's view first; the scheduler's view
	 * (HOSTFILE ignored) then stops at the GPUs: both errors are shown */
	{
		char *env[] = { "PATH=/usr/bin", "EZPZ_SCHEDULER=local", "HOSTFILE=/nonexistent",
			"NGPU_PER_HOST=abc", NULL };
		struct fx x;
		fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
		expect_check(&x, "gpus", DOC_ERROR, "NGPU_PER_HOST='abc'");
		cr_expect(strstr(x.c.remedy, "NGPU_PER_HOST") != NULL, "%s", x.c.remedy);
		fx_free(&x);
	}
	/* a Slurm job without its node list: still the scheduler's */
	{
		char *env[] = { "PATH=/usr/bin", "SLURM_JOB_ID=7", NULL };
		struct fx x;
		fx_init(&x, env, "n1", ompi_cmds, "synthetic-nogpu.xml");
		expect_check(&x, "scheduler", DOC_ERROR, "slurm job 7: neither SLURM_JOB_NODELIST");
		expect_check(&x, "launcher", DOC_WARN, "not checked: job detection failed");
		fx_free(&x);
	}
}

/* ---- modules ---- */

Test(doctor, modules)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "modules", DOC_OK, "no module system (Lmod, Environment Modules) found");
	x.ms.kind = MODSYS_LMOD;
	x.ms.init = "/usr/share/lmod/lmod/init/bash";
	expect_check(&x, "modules", DOC_WARN, "Lmod (/usr/share/lmod/lmod/init/bash) is installed, "
	    "but 'module' is not defined in a non-login shell");
	cr_expect_str_eq(x.c.remedy, "in job scripts that run 'module' themselves: '#!/bin/bash -l', "
	    "or 'source /usr/share/lmod/lmod/init/bash' before 'module'");
	x.f.module = (struct doc_probe){ 0, "No modules loaded\n" };
	expect_check(&x, "modules", DOC_OK, "'module' works in a non-login shell (no modules loaded)");
	x.f.module = (struct doc_probe){ 0, "gcc/12.2\nopenmpi/4.1.4\ncuda/12.4\npython/3.11\n" };
	expect_check(&x, "modules", DOC_OK, "(4 loaded: gcc/12.2, openmpi/4.1.4, cuda/12.4, ...)");
	x.f.module = (struct doc_probe){ 1, "Lmod has detected the following error: bad MODULEPATH\n" };
	expect_check(&x, "modules", DOC_ERROR, "'module -t list' failed (exit 1): Lmod has detected");
	fx_free(&x);
}

Test(doctor, modules_a_profile_needs)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	/* Aurora's profile loads frameworks. */
	fx_init(&x, env, "x4105c0s4b0n0", no_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "modules", DOC_ERROR, "profile aurora loads modules (frameworks...), but no "
	    "module system was found");
	x.ms.kind = MODSYS_LMOD;
	x.ms.init = "/usr/share/lmod/lmod/init/bash";
	/* setup-env sets Lmod up itself: only a script's own 'module' is at risk */
	expect_check(&x, "modules", DOC_WARN, "(ezpz setup-env sets the module system up itself, "
	    "and loads this machine's modules)");
	fx_free(&x);
}

/* ---- Python, torch ---- */

Test(doctor, python_post_condition)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "python", DOC_OK, "VIRTUAL_ENV=/home/u/venv; python3 3.11.2 at "
	    "/home/u/venv/bin/python3");
	x.py = (struct pycheck){ 0, "/usr/bin/python3", "/usr/bin/python3.11", NULL, NULL, 1 };
	expect_check(&x, "python", DOC_WARN, "no Python environment is active: python3 is the "
	    "system's (/usr/bin/python3.11)");
	cr_expect(strstr(x.c.remedy, "module load frameworks/VERSION") != NULL);
	x.py = (struct pycheck){ 0, NULL, NULL, NULL, NULL, 0 };
	expect_check(&x, "python", DOC_WARN, "no Python environment is active: no python3 on PATH");
	x.py = (struct pycheck){ 1, "/opt/py/bin/python3", "/opt/py/bin/python3.12", NULL, NULL, 0 };
	expect_check(&x, "python", DOC_OK, "python3 3.11.2 at /opt/py/bin/python3 -> "
	    "/opt/py/bin/python3.12, not the system's");
	x.f.python = (struct doc_probe){ 1, "Fatal Python error: init_fs_encoding\n" };
	expect_check(&x, "python", DOC_ERROR, "python3 at /opt/py/bin/python3 does not run (exit 1): "
	    "Fatal Python error");
	fx_free(&x);
}

Test(doctor, python_is_an_error_where_the_profile_sets_it_up)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "x4105c0s4b0n0", no_cmds, "synthetic-nogpu.xml");
	x.py = (struct pycheck){ 0, "/usr/bin/python3", "/usr/bin/python3.6", NULL, NULL, 1 };
	expect_check(&x, "python", DOC_ERROR, "no Python environment is active");
	fx_free(&x);
}

Test(doctor, torch)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "torch", DOC_OK, "torch 2.5.1+cu124 (/home/u/venv/bin/python3)");
	x.f.torch = (struct doc_probe){ 1, "Traceback (most recent call last):\n  File \"<string>\", "
	    "line 1, in <module>\nModuleNotFoundError: No module named 'torch'\n" };
	expect_check(&x, "torch", DOC_WARN, "torch is not importable with /home/u/venv/bin/python3: "
	    "ModuleNotFoundError: No module named 'torch'");
	x.f.torch = (struct doc_probe){ 128 + 9, "" };
	expect_check(&x, "torch", DOC_WARN, "'import torch' took more than 60 s");
	x.py.python3 = NULL;
	expect_check(&x, "torch", DOC_WARN, "not checked: no python3 on PATH");
	fx_free(&x);
}

/* ---- limits ---- */

Test(doctor, limits)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	char *job_env[] = { "PATH=/usr/bin", "SLURM_JOB_ID=42", "SLURM_JOB_NODELIST=n1", NULL };
	struct fx x;

	fx_init(&x, env, "mylaptop", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "memlock", DOC_OK, "locked memory: unlimited");
	x.f.memlock = 8LL << 20;
	expect_check(&x, "memlock", DOC_OK, "locked memory is limited to 8 MiB: fine without an RDMA network");
	x.f.rdma = 1;
	expect_check(&x, "memlock", DOC_WARN, "locked memory is limited to 8 MiB (ulimit -l 8192)");
	expect_check(&x, "nofile", DOC_OK, "open files: 65536 (hard limit 1048576)");
	x.f.nofile = 1024;
	x.f.nofile_max = 4096;
	expect_check(&x, "nofile", DOC_WARN, "open files are limited to 1024 (ulimit -n)");
	cr_expect_str_eq(x.c.remedy, "'ulimit -n 4096' in the job script (the hard limit allows it)");
	x.f.nofile_max = 1024;
	expect_check(&x, "nofile", DOC_WARN, "limited to 1024");
	cr_expect_str_eq(x.c.remedy, "ask the admins to raise the hard limit (nofile)");
	x.f.nofile_max = DOC_UNLIMITED;
	expect_check(&x, "nofile", DOC_WARN, "limited to 1024");
	cr_expect_str_eq(x.c.remedy, "'ulimit -n 65536' in the job script (the hard limit allows it)");
	expect_check(&x, "shm", DOC_OK, "/dev/shm: 8 GiB");
	x.f.shm_bytes = 64LL << 20;
	expect_check(&x, "shm", DOC_WARN, "/dev/shm is only 64 MiB: NCCL and DataLoader workers crash");
	x.f.shm_bytes = -1;
	expect_check(&x, "shm", DOC_WARN, "/dev/shm is missing");
	x.f.shm_bytes = (long long)(1.5 * (1 << 30));
	expect_check(&x, "shm", DOC_OK, "/dev/shm: 1.5 GiB");
	fx_free(&x);
	fx_init(&x, job_env, "n1", srun_cmds, "synthetic-nogpu.xml");
	x.f.memlock = 64 * 1024;
	expect_check(&x, "memlock", DOC_WARN, "locked memory is limited to 64 KiB (ulimit -l 64)");
	fx_free(&x);
}

/* ---- JSON ---- */

Test(doctor, json_view)
{
	char *env[] = { "PATH=/nowhere", NULL };
	struct doc_report r = { 0 };
	struct fx x;
	char *s;

	fx_init(&x, env, "mylaptop", no_cmds, "synthetic-nogpu.xml");
	doctor_run(&r, &x.f);
	s = json_doctor(&r);
	cr_expect(strncmp(s, "[{", 2) == 0, "%s", s);
	cr_expect(strstr(s, "\"name\":\t\"profile\",\n\t\t\"status\":\t\"ok\"") != NULL, "%s", s);
	cr_expect(strstr(s, "\"remedy\":\tnull") != NULL, "%s", s);
	cr_expect(strstr(s, "\"status\":\t\"error\",\n\t\t\"message\":\t\"no launcher: none of "
	    "mpiexec, mpirun on PATH\",\n\t\t\"remedy\":\t\"load your MPI module") != NULL, "%s", s);
	cr_expect_eq(s[strlen(s) - 1], '\n');
	free(s);
	doc_report_free(&r);
	fx_free(&x);
}

/* Open MPI across the hosts of a PBS job: doctor says how mpirun reaches
 * the other hosts (ezpz's pbs_tmrsh agent, the user's, or neither: a
 * warning); and the memlock remedy names PBS's MoM, not slurmd. */
Test(doctor, pbs_openmpi_reaches_the_hosts)
{
	char *nf = fixture("tests/fixtures/job/aurora-2n.nodefile");
	char *nfv = xasprintf("PBS_NODEFILE=%s", nf);
	char *env[] = { "PATH=/usr/bin", "PBS_JOBID=777.pbs", nfv, "EZPZ_MACHINE=generic", NULL, NULL };
	struct fx x;

	fx_init(&x, env, "x4105c0s4b0n0", ompi_cmds, "synthetic-nogpu.xml");
	x.f.pbs_rsh_agent = "/usr/share/ezpz/ompi-pbs-rsh";
	expect_check(&x, "launcher", DOC_OK, "reaches the other hosts through pbs_tmrsh: ezpz launch "
	    "sets OMPI_MCA_plm_rsh_agent=/usr/share/ezpz/ompi-pbs-rsh");
	x.f.pbs_rsh_agent = NULL;
	expect_check(&x, "launcher", DOC_WARN, "without PBS's tm launcher it starts ranks on the "
	    "other hosts with ssh");
	x.f.memlock = 8 << 20;
	expect_check(&x, "memlock", DOC_WARN, "locked memory is limited to 8 MiB");
	cr_expect(strstr(x.c.remedy, "pbs_mom") != NULL, "%s", x.c.remedy);
	fx_free(&x);

	env[4] = "OMPI_MCA_plm_rsh_agent=ssh";
	fx_init(&x, env, "x4105c0s4b0n0", ompi_cmds, "synthetic-nogpu.xml");
	expect_check(&x, "launcher", DOC_OK, "reaches the other hosts with your rsh agent 'ssh'");
	fx_free(&x);
	free(nfv);
	free(nf);
}
