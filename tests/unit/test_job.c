/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for job detection: scheduler, job id, hosts, GPUs, machine,
 * launcher and the sources of each, under fixture environments.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fakeio.h"
#include "job.h"
#include "util.h"

static const struct fake_cmd no_cmds[] = { { NULL, NULL, NULL, 0 } };
static const struct fake_cmd ompi_cmds[] = {
	{ "mpirun", "/usr/bin/mpirun", "mpirun (Open MPI) 4.1.4\n", 0 },
	{ "mpiexec", "/usr/bin/mpiexec", "mpiexec (OpenRTE) 4.1.4\n", 0 },
	{ NULL, NULL, NULL, 0 }
};

struct det {
	struct fakeio f;
	struct profiles ps;
	struct job job;
	char *err;
	int rc;
};

/* Detect with env (NULL-terminated), this hostname and options. */
static void
detect(struct det *d, char **env, const char *host, const struct job_opts *o,
    const struct fake_cmd *cmds, const char *topo)
{
	static const struct job_opts none = { 0 };
	memset(d, 0, sizeof *d);
	fakeio_init(&d->f, cmds ? cmds : no_cmds, topo);
	load_builtin_profiles(&d->ps);
	d->rc = job_detect(&d->job, env, host, &d->ps, o ? o : &none, &d->f.io, &d->err);
}

static void
det_free(struct det *d)
{
	if (d->rc == 0)
		job_free(&d->job);
	free(d->err);
	profiles_free(&d->ps);
	fakeio_free(&d->f);
}

/* Detection must refuse env, with an error that starts with want. */
static void
expect_refused(char **env, const struct fake_cmd *cmds, const char *want, const char *what)
{
	struct det d;
	detect(&d, env, "n1", NULL, cmds, "synthetic-nogpu.xml");
	cr_expect_eq(d.rc, -1, "%s: accepted", what);
	if (d.rc == -1)
		cr_expect(startswith(d.err, want), "%s: %s", what, d.err);
	det_free(&d);
}

Test(job, laptop_is_local_with_this_host)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct det d;
	detect(&d, env, "mylaptop", NULL, ompi_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_LOCAL);
	cr_expect_null(d.job.jobid);
	cr_expect_eq(d.job.hosts.n, 1);
	cr_expect_str_eq(d.job.hosts.v[0].name, "mylaptop");
	cr_expect_str_eq(d.job.machine, "generic");
	cr_expect_eq(d.job.ngpu_per_host, 0);
	cr_expect_eq(d.job.gpu_vendor, VENDOR_NONE);
	cr_expect_str_eq(d.job.src.ngpu_per_host.text, "hwloc");
	cr_expect_eq(d.job.launcher, LAUNCHER_OPENMPI);
	cr_expect_str_eq(d.job.launcher_path, "/usr/bin/mpiexec");
	cr_expect_not(d.job.launcher_exact, "a plain mpiexec: Open MPI's mpirun runs, as before");
	det_free(&d);
}

Test(job, login_node_with_qsub_is_still_local)
{
	static const struct fake_cmd cmds[] = { { "qsub", "/opt/pbs/bin/qsub", "", 0 }, { NULL, NULL, NULL, 0 } };
	char *env[] = { "PATH=/opt/pbs/bin", "PBS_JOBID=", NULL };
	struct det d;
	detect(&d, env, "polaris-login-01", NULL, cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_LOCAL);
	cr_expect_str_eq(d.job.machine, "polaris");
	cr_expect_eq(d.job.launcher, LAUNCHER_PALS);   /* the profile's, even with no mpiexec here */
	cr_expect_null(d.job.launcher_path);
	det_free(&d);
}

Test(job, pbs_aurora_two_nodes)
{
	char *nf = fixture("tests/fixtures/job/aurora-2n.nodefile");
	char *pbs_nodefile = xasprintf("PBS_NODEFILE=%s", nf);
	char *env[] = { "PBS_JOBID=8518207.aurora-pbs-0001.hostmgmt.cm.aurora.alcf.anl.gov",
		pbs_nodefile, NULL };
	struct det d;
	detect(&d, env, "x4105c0s4b0n0", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_PBS);
	cr_expect_str_eq(d.job.jobid, "8518207");
	cr_expect_str_eq(d.job.machine, "aurora");
	cr_expect_eq(d.job.hosts.n, 2);
	cr_expect_str_eq(d.job.hosts.v[1].name, "x4105c0s5b0n0.hostmgmt2204.cm.aurora.alcf.anl.gov");
	cr_expect_eq(d.job.hosts.v[0].slots, 2, "repeated nodefile lines are slots");
	cr_expect_str_eq(d.job.hostfile, nf);
	cr_expect_str_eq(d.job.src.hosts.text, "env:PBS_NODEFILE");
	cr_expect_eq(d.job.ngpu_per_host, 12);
	cr_expect_str_eq(d.job.src.ngpu_per_host.text, "profile:aurora");
	cr_expect_eq(d.job.gpu_vendor, VENDOR_INTEL);
	cr_expect_eq(d.job.gpu_tiles, 2);
	cr_expect_eq(d.job.launcher, LAUNCHER_PALS);
	cr_expect_eq(d.f.topo_loads, 0, "no hwloc when the profile knows");
	cr_expect(job_has_host(&d.job, "x4105c0s4b0n0"));
	cr_expect_not(job_has_host(&d.job, "x4105c0s6b0n0"));
	det_free(&d);
	free(pbs_nodefile);
	free(nf);
}

Test(job, pbs_spool_when_nodefile_missing)
{
	char *home = fixture("tests/fixtures/job/pbs_home"), *h = xasprintf("PBS_HOME=%s", home);
	char *env[] = { "PBS_JOBID=777.pbs-server", "PBS_NODEFILE=/nonexistent/nodefile", h, NULL };
	struct det d;
	detect(&d, env, "n01", NULL, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_str_eq(d.job.jobid, "777");
	cr_expect_eq(d.job.hosts.n, 3);
	cr_expect_str_eq(d.job.src.hosts.text, "pbs spool");
	det_free(&d);
	free(h);
	free(home);
}

Test(job, pbs_qstat_last_resort)
{
	char *out = read_file("tests/fixtures/job/qstat-f.txt", READ_MAX_HOSTFILE, NULL, NULL);
	char *path = fixture("tests/fixtures/job/qstat-f.txt");
	struct fake_cmd cmds[] = { { "qstat", "/opt/pbs/bin/qstat", NULL, 0 }, { NULL, NULL, NULL, 0 } };
	char *env[] = { "PBS_JOBID=999.pbs-server", "PBS_HOME=/nonexistent", NULL };
	struct det d;
	if (out == NULL)
		out = read_file(path, READ_MAX_HOSTFILE, NULL, NULL);
	cmds[0].output = out;
	detect(&d, env, "x1000c0s0b0n0", NULL, cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.hosts.n, 4);
	cr_expect_str_eq(d.job.hosts.v[3].name, "x1000c0s1b1n0", "qstat's folded line is joined");
	cr_expect_str_eq(d.job.src.hosts.text, "qstat");
	det_free(&d);
	free(out);
	free(path);
}

Test(job, pbs_no_hosts_anywhere_names_every_attempt)
{
	char *env[] = { "PBS_JOBID=999.pbs-server", "PBS_NODEFILE=/nope", "PBS_HOME=/nonexistent", NULL };
	struct det d;
	detect(&d, env, "x1", NULL, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, -1);
	cr_expect(strstr(d.err, "pbs job 999.pbs-server: cannot find its hosts") != NULL, "%s", d.err);
	cr_expect(strstr(d.err, "PBS_NODEFILE '/nope'") != NULL, "%s", d.err);
	cr_expect(strstr(d.err, "/nonexistent/aux/999.pbs-server") != NULL, "%s", d.err);
	cr_expect(strstr(d.err, "qstat: not found") != NULL, "%s", d.err);
	det_free(&d);
}

Test(job, slurm_perlmutter)
{
	static const struct fake_cmd cmds[] = { { "srun", "/usr/bin/srun", NULL, 0 }, { NULL, NULL, NULL, 0 } };
	char *env[] = { "SLURM_JOB_ID=4242", "SLURM_JOB_NODELIST=nid[001-003,010]",
		"SLURM_NODELIST=wrong[1-2]", "SLURM_TASKS_PER_NODE=4(x3),2", "SLURM_GPUS_ON_NODE=4",
		"SLURM_STEP_NODELIST=nid001", NULL };
	struct det d;
	detect(&d, env, "nid001", NULL, cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_SLURM);
	cr_expect_str_eq(d.job.jobid, "4242");
	cr_expect_str_eq(d.job.machine, "perlmutter");
	cr_assert_eq(d.job.hosts.n, 4);
	cr_expect_str_eq(d.job.hosts.v[3].name, "nid010");
	cr_expect_eq(d.job.hosts.v[3].slots, 2);
	cr_expect_str_eq(d.job.src.hosts.text, "env:SLURM_JOB_NODELIST");
	cr_expect_null(d.job.hostfile);
	cr_expect_eq(d.job.ngpu_per_host, 4);
	cr_expect_str_eq(d.job.src.ngpu_per_host.text, "env:SLURM_GPUS_ON_NODE");
	cr_expect_eq(d.job.launcher, LAUNCHER_SRUN);
	det_free(&d);
}

/* The hardware's count, narrowed to the devices the runtime shows:
 * CUDA_VISIBLE_DEVICES=0,1 on a 4-GPU host is 2 ranks, not 4 sharing 2. */
Test(job, visible_devices_narrow_the_hardware_count)
{
	static const struct { const char *var; int want; const char *src; } cases[] = {
		{ "CUDA_VISIBLE_DEVICES=0,1", 2, "env:CUDA_VISIBLE_DEVICES" },
		{ "CUDA_VISIBLE_DEVICES=GPU-a,GPU-b,GPU-c", 3, "env:CUDA_VISIBLE_DEVICES" },
		{ "CUDA_VISIBLE_DEVICES=", 0, "env:CUDA_VISIBLE_DEVICES" },
		{ "CUDA_VISIBLE_DEVICES=NoDevFiles", 0, "env:CUDA_VISIBLE_DEVICES" },
		{ "CUDA_VISIBLE_DEVICES=2,-1,3", 1, "env:CUDA_VISIBLE_DEVICES" },
		{ "CUDA_VISIBLE_DEVICES=0,1,2,3,4,5", 4, "hwloc" },     /* never more than there are */
		{ "CUDA_VISIBLE_DEVICES=0,1,7,2", 2, "env:CUDA_VISIBLE_DEVICES" },  /* 7: none such */
		{ "CUDA_VISIBLE_DEVICES=0,0,1", 0, "env:CUDA_VISIBLE_DEVICES" },    /* twice: none (CUDA) */
		{ "ROCR_VISIBLE_DEVICES=0", 4, "hwloc" },               /* another vendor's */
		{ "EZPZ_UNRELATED=1", 4, "hwloc" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { "PATH=/usr/bin", (char *)cases[i].var, NULL };
		struct det d;
		detect(&d, env, "ws", NULL, ompi_cmds, "synthetic-4xA100.xml");
		cr_assert_eq(d.rc, 0, "%s: %s", cases[i].var, d.err);
		cr_expect_eq(d.job.ngpu_per_host, cases[i].want, "%s: %d", cases[i].var, d.job.ngpu_per_host);
		cr_expect(startswith(d.job.src.ngpu_per_host.text, cases[i].src), "%s: %s", cases[i].var,
		    d.job.src.ngpu_per_host.text);
		det_free(&d);
	}
	/* AMD: each variable narrows, so the fewer */
	{
		char *env[] = { "PATH=/usr/bin", "ROCR_VISIBLE_DEVICES=0,1,2,3",
			"HIP_VISIBLE_DEVICES=0", NULL };
		struct det d;
		detect(&d, env, "ws", NULL, ompi_cmds, "stock-mi250x.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.gpu_vendor, VENDOR_AMD);
		cr_expect_eq(d.job.ngpu_per_host, 1);
		cr_expect(startswith(d.job.src.ngpu_per_host.text, "env:HIP_VISIBLE_DEVICES"), "%s",
		    d.job.src.ngpu_per_host.text);
		det_free(&d);
	}
	/* a count the user or the scheduler gave stays theirs */
	{
		char *env[] = { "PATH=/usr/bin", "NGPU_PER_HOST=4", "CUDA_VISIBLE_DEVICES=0", NULL };
		struct det d;
		detect(&d, env, "ws", NULL, ompi_cmds, "synthetic-4xA100.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.ngpu_per_host, 4);
		det_free(&d);
	}
	/* ... but one 'ezpz setup-env' exported (EZPZ_JOBID: for this, no,
	 * job) is a derived fact: narrowed as the hardware's would be */
	{
		char *env[] = { "PATH=/usr/bin", "NGPU_PER_HOST=4", "EZPZ_JOBID=",
			"CUDA_VISIBLE_DEVICES=0,1", NULL };
		struct det d;
		detect(&d, env, "ws", NULL, ompi_cmds, "synthetic-4xA100.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.ngpu_per_host, 2, "%d", d.job.ngpu_per_host);
		cr_expect(startswith(d.job.src.ngpu_per_host.text, "env:CUDA_VISIBLE_DEVICES"), "%s",
		    d.job.src.ngpu_per_host.text);
		det_free(&d);
	}
}

/* EZPZ_SRUN_MPI gets the check --srun-mpi gets (which wins over it). */
Test(job, srun_mpi_from_env_checked)
{
	static const struct fake_cmd cmds[] = { { "srun", "/usr/bin/srun", NULL, 0 }, { NULL, NULL, NULL, 0 } };
	static const char *const bad[] = { "EZPZ_SRUN_MPI=--foo", "EZPZ_SRUN_MPI= ", "EZPZ_SRUN_MPI=pmix x" };
	struct job_opts opt = { .srun_mpi = "pmi2" };
	struct det d;
	for (size_t i = 0; i < NITEMS(bad); i++) {
		char *env[] = { "SLURM_JOB_ID=1", "SLURM_JOB_NODELIST=n1", (char *)bad[i], NULL };
		const char *v = strchr(bad[i], '=') + 1;
		char *want = xasprintf("EZPZ_SRUN_MPI='%s': not an MPI plugin type (", v);
		expect_refused(env, cmds, want, bad[i]);
		free(want);
		detect(&d, env, "n1", &opt, cmds, "synthetic-nogpu.xml");
		cr_assert_eq(d.rc, 0, "%s with --srun-mpi: %s", bad[i], d.err);
		cr_expect_str_eq(d.job.srun_mpi, "pmi2");
		det_free(&d);
	}
}

Test(job, slurm_gpu_variable_forms)
{
	static const struct { const char *var; int want; } cases[] = {
		{ "SLURM_GPUS_PER_NODE=a100:4", 4 }, { "SLURM_GPUS_PER_NODE=gpu:a100:2", 2 },
		{ "SLURM_GPUS_PER_NODE=8", 8 }, { "SLURM_JOB_GPUS=0,1,2", 3 },
		/* several types: every one counts (the last alone made 1) */
		{ "SLURM_GPUS_PER_NODE=a100:2,v100:1", 3 },
		{ "SLURM_GPUS_PER_NODE=gpu:a100:2,gpu:v100:2", 4 },
		{ "SLURM_GPUS_ON_NODE=4(IDX:0-3)", 4 },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { "SLURM_JOBID=1", "SLURM_NODELIST=n1", (char *)cases[i].var, NULL };
		struct det d;
		detect(&d, env, "n1", NULL, no_cmds, "synthetic-nogpu.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.ngpu_per_host, cases[i].want, "%s", cases[i].var);
		det_free(&d);
	}
}

/*
 * Bad Slurm values: an error naming the variable and its value where the
 * value would plan a wrong launch; a warning where ezpz can go on without
 * it (a --gpus-per-node request it cannot read: the next source counts).
 */
/* A PBS_JOBID with no id before its dot, or a path: an error (it was an
 * empty job id, and the spool path was built from it). */
Test(job, pbs_bad_jobid)
{
	static const char *const bad[] = { "PBS_JOBID=.x", "PBS_JOBID=../../etc/x", "PBS_JOBID=." };
	for (size_t i = 0; i < NITEMS(bad); i++) {
		char *env[] = { (char *)bad[i], "PBS_NODEFILE=/nonexistent", NULL };
		char *want = xasprintf("PBS_JOBID='%s': not a PBS job id (", strchr(bad[i], '=') + 1);
		expect_refused(env, no_cmds, want, bad[i]);
		free(want);
	}
}

Test(job, slurm_bad_values)
{
	static const struct { const char *var, *err; } errors[] = {
		{ "SLURM_JOB_GPUS=0,1,,,,", "SLURM_JOB_GPUS='0,1,,,,': an empty item (" },
		{ "SLURM_JOB_GPUS=junk", "SLURM_JOB_GPUS='junk': not a GPU index (" },
		{ "SLURM_JOB_GPUS=0,1x", "SLURM_JOB_GPUS='0,1x': not a GPU index (" },
		{ "SLURM_JOB_GPUS=,0", "SLURM_JOB_GPUS=',0': an empty item (" },
		{ "SLURM_JOB_GPUS=3-1", "SLURM_JOB_GPUS='3-1': a bad range (" },
		{ "SLURM_JOB_GPUS=0,0", "SLURM_JOB_GPUS='0,0': a GPU index named twice (" },
		{ "SLURM_JOB_GPUS=0-3,2", "SLURM_JOB_GPUS='0-3,2': a GPU index named twice (" },
		{ "SLURM_JOB_GPUS=0-99999999999", "SLURM_JOB_GPUS='0-99999999999': too many GPUs (" },
		{ "SLURM_GPUS_ON_NODE=x", "SLURM_GPUS_ON_NODE='x': not a number of GPUs (" },
		{ "SLURM_GPUS_ON_NODE=-1", "SLURM_GPUS_ON_NODE='-1': not a number of GPUs (" },
		{ "SLURM_TASKS_PER_NODE=2(x99999999999)", "SLURM_TASKS_PER_NODE='2(x99999999999)': "
		  "a node count '99999999999' at column 4 is more than 1048576 (" },
		{ "SLURM_TASKS_PER_NODE=x", "SLURM_TASKS_PER_NODE='x': expected a task count at column 1 (" },
		{ "SLURM_JOB_CPUS_PER_NODE=4(x", "SLURM_JOB_CPUS_PER_NODE='4(x': expected a node count" },
		{ "SLURM_JOB_NODELIST=,", "SLURM_JOB_NODELIST=',': names no hosts" },
		{ "SLURM_JOB_NODELIST=,,,", "SLURM_JOB_NODELIST=',,,': names no hosts" },
	};
	for (size_t i = 0; i < NITEMS(errors); i++) {
		char *env[] = { "SLURM_JOB_ID=1", (char *)errors[i].var, "SLURM_NODELIST=n1", NULL };
		struct det d;
		detect(&d, env, "n1", NULL, no_cmds, "synthetic-nogpu.xml");
		cr_expect_eq(d.rc, -1, "%s: accepted", errors[i].var);
		if (d.rc == -1)
			cr_expect(startswith(d.err, errors[i].err), "%s: %s", errors[i].var, d.err);
		det_free(&d);
	}
	/* Warned and ignored: GPUs then come from SLURM_JOB_GPUS, else hwloc. */
	{
		char *env[] = { "SLURM_JOB_ID=1", "SLURM_NODELIST=n1", "SLURM_GPUS_PER_NODE=x",
			"SLURM_JOB_GPUS=0-2,5", NULL };
		struct det d;
		detect(&d, env, "n1", NULL, no_cmds, "synthetic-nogpu.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.ngpu_per_host, 4);
		cr_expect_str_eq(d.job.src.ngpu_per_host.text, "env:SLURM_JOB_GPUS");
		cr_assert_eq(d.job.warnings.n, 1);
		cr_expect_str_eq(d.job.warnings.v[0],
		    "SLURM_GPUS_PER_NODE='x': no GPU count in it (want N, TYPE:N or TYPE:N,TYPE:N); "
		    "ignored");
		det_free(&d);
	}
	/* Good values still pass, warning-free; a step's task counts for another
	 * number of nodes are not an error (the hosts keep one slot). */
	{
		char *env[] = { "SLURM_JOB_ID=1", "SLURM_JOB_NODELIST=n[1-3]", "SLURM_GPUS_ON_NODE=4",
			"SLURM_TASKS_PER_NODE=2(x2)", "SLURM_JOB_CPUS_PER_NODE=8,4(x2)", NULL };
		struct det d;
		detect(&d, env, "n1", NULL, no_cmds, "synthetic-nogpu.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.ngpu_per_host, 4);
		cr_expect_eq(d.job.hosts.v[0].slots, 1);
		cr_expect_eq(d.job.cpus_per_host, 4);
		cr_expect_eq(d.job.warnings.n, 0);
		det_free(&d);
	}
}

Test(job, slurm_bad_nodelist)
{
	char *env[] = { "SLURM_JOB_ID=1", "SLURM_JOB_NODELIST=n[1-", NULL };
	struct det d;
	detect(&d, env, "n1", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, -1);
	cr_expect(startswith(d.err, "SLURM_JOB_NODELIST='n[1-': "), "%s", d.err);
	det_free(&d);
}

Test(job, slurm_without_nodelist)
{
	char *env[] = { "SLURM_JOB_ID=5", NULL };
	struct det d;
	detect(&d, env, "n1", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, -1);
	cr_expect(strstr(d.err, "neither SLURM_JOB_NODELIST nor SLURM_NODELIST") != NULL, "%s", d.err);
	det_free(&d);
}

Test(job, forced_scheduler)
{
	char *env[] = { "EZPZ_SCHEDULER=local", "PBS_JOBID=1.x", NULL };
	char *bad[] = { "EZPZ_SCHEDULER=torque", NULL };
	struct det d;
	detect(&d, env, "h", NULL, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_LOCAL);
	cr_expect_str_eq(d.job.src.scheduler.text, "env:EZPZ_SCHEDULER");
	det_free(&d);
	detect(&d, bad, "h", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, -1);
	cr_expect_str_eq(d.err, "EZPZ_SCHEDULER='torque': unknown scheduler (use pbs, slurm, flux, lsf or local)");
	det_free(&d);
}

Test(job, ngpu_per_host_env_wins_and_is_checked)
{
	char *env[] = { "NGPU_PER_HOST=6", NULL };
	char *bad[] = { "NGPU_PER_HOST=six", NULL };
	struct det d;
	detect(&d, env, "x4105c0s4b0n0", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.ngpu_per_host, 6);
	cr_expect_str_eq(d.job.src.ngpu_per_host.text, "env:NGPU_PER_HOST");
	det_free(&d);
	detect(&d, bad, "h", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, -1);
	cr_expect(startswith(d.err, "NGPU_PER_HOST='six': not a number"), "%s", d.err);
	det_free(&d);
}

Test(job, stale_exports_from_another_job_are_ignored)
{
	char *nf = fixture("tests/fixtures/job/polaris-2n.nodefile");
	char *pn = xasprintf("PBS_NODEFILE=%s", nf);
	char *env[] = { "PBS_JOBID=456.polaris-pbs", pn, "EZPZ_JOBID=123", "NGPU_PER_HOST=99",
		"EZPZ_SCHEDULER=local", "HOSTFILE=/gone", NULL };
	char *same[] = { "PBS_JOBID=456.polaris-pbs", pn, "EZPZ_JOBID=456", "NGPU_PER_HOST=2", NULL };
	struct det d;
	detect(&d, env, "x3005c0s7b0n0", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_PBS);
	cr_expect_eq(d.job.ngpu_per_host, 4, "the profile's, not the stale 99");
	cr_expect_eq(d.job.hosts.n, 2);
	cr_assert_not_null(d.job.stale_note);
	cr_expect(strstr(d.job.stale_note, "ignoring NGPU_PER_HOST, HOSTFILE and EZPZ_SCHEDULER: "
	    "'ezpz setup-env' exported them for job 123, but this is job 456") != NULL, "%s",
	    d.job.stale_note);
	det_free(&d);
	/* only EZPZ_JOBID left: nothing is ignored, and nothing is said */
	char *bare[] = { "PBS_JOBID=456.polaris-pbs", pn, "EZPZ_JOBID=123", NULL };
	detect(&d, bare, "x3005c0s7b0n0", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_null(d.job.stale_note, "%s", d.job.stale_note);
	det_free(&d);
	detect(&d, same, "x3005c0s7b0n0", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.ngpu_per_host, 2, "exports of this job are honoured");
	cr_expect_null(d.job.stale_note);
	det_free(&d);
	free(pn);
	free(nf);
}

Test(job, machine_forced_and_unknown)
{
	struct job_opts o = { .machine = "frontier" };
	struct job_opts bad = { .machine = "summit" };
	char *env[] = { NULL };
	char *env2[] = { "EZPZ_MACHINE=sophia", NULL };
	struct det d;
	detect(&d, env, "mylaptop", &o, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_str_eq(d.job.machine, "frontier");
	cr_expect_str_eq(d.job.src.machine.text, "option:--machine");
	cr_expect_eq(d.job.gpu_vendor, VENDOR_AMD);
	det_free(&d);
	detect(&d, env2, "mylaptop", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_str_eq(d.job.machine, "sophia");
	cr_expect_str_eq(d.job.src.machine.text, "env:EZPZ_MACHINE");
	det_free(&d);
	detect(&d, env, "mylaptop", &bad, no_cmds, NULL);
	cr_assert_eq(d.rc, -2, "a bad option value is a usage error");
	cr_expect(startswith(d.err, "machine 'summit' (from --machine): no such profile (known: "), "%s", d.err);
	det_free(&d);
}

Test(job, hostfile_formats)
{
	static const char *const files[] = { "openmpi.hostfile", "hydra.hostfile" };
	for (size_t i = 0; i < NITEMS(files); i++) {
		char *rel = xasprintf("tests/fixtures/job/%s", files[i]), *path = fixture(rel);
		struct job_opts o = { .hostfile = path };
		char *env[] = { NULL };
		struct det d;
		detect(&d, env, "login", &o, no_cmds, "synthetic-nogpu.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.hosts.n, 2, "%s", files[i]);
		cr_expect_str_eq(d.job.hosts.v[1].name, "node2");
		cr_expect_eq(d.job.hosts.v[1].slots, 4);
		cr_expect_str_eq(d.job.src.hosts.text, "option:--hostfile");
		cr_expect_str_eq(d.job.hostfile, path);
		det_free(&d);
		free(rel);
		free(path);
	}
}

Test(job, hostfile_errors_name_the_file)
{
	char *bad = fixture("tests/fixtures/job/bad.hostfile");
	struct job_opts o = { .hostfile = bad };
	char *env[] = { NULL };
	char *envmissing[] = { "HOSTFILE=/no/such/file", NULL };
	struct det d;
	detect(&d, env, "login", &o, no_cmds, NULL);
	cr_assert_eq(d.rc, -1);
	cr_expect(strstr(d.err, "bad.hostfile") && strstr(d.err, "line 2"), "%s", d.err);
	det_free(&d);
	detect(&d, envmissing, "login", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, -1);
	cr_expect_str_eq(d.err, "hostfile '/no/such/file' (from HOSTFILE): No such file or directory");
	det_free(&d);
	free(bad);
}

Test(job, gpus_from_hwloc_counted_once)
{
	static const struct { const char *xml; int n; enum vendor v; } cases[] = {
		{ "synthetic-4xA100.xml", 4, VENDOR_NVIDIA },
		{ "power8gpudistances.xml", 4, VENDOR_NVIDIA },      /* cuda+nvml+opencl each */
		{ "nvidiaDGX2.xml", 16, VENDOR_NVIDIA },
		{ "synthetic-8xMI250X-gcd.xml", 8, VENDOR_AMD },
		{ "synthetic-6xIntelMax1550.xml", 6, VENDOR_INTEL },
		{ "32em64t-2n8c2t-pci-normalio.xml", 1, VENDOR_NVIDIA },  /* DRM card0 not counted */
		/* no osdevs: its 3 Tesla M2070 PCI devices count, its ES1000 VGA not */
		{ "24em64t-2n6c2t-pci.xml", 3, VENDOR_NVIDIA },
		{ "stock-dgx2-drm.xml", 16, VENDOR_NVIDIA },         /* a distribution's hwloc */
		{ "stock-bmc.xml", 0, VENDOR_NONE },
		{ "aurora-like.xml", 6, VENDOR_INTEL },
		{ "frontier-like.xml", 8, VENDOR_AMD },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { NULL };
		struct det d;
		detect(&d, env, "somenode", NULL, no_cmds, cases[i].xml);
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.ngpu_per_host, cases[i].n, "%s", cases[i].xml);
		cr_expect_eq(d.job.gpu_vendor, cases[i].v, "%s", cases[i].xml);
		cr_expect(startswith(d.job.src.ngpu_per_host.text, "hwloc"));
		det_free(&d);
	}
}

Test(job, launcher_flavours)
{
	static const struct fake_cmd pals[] = {
		{ "mpiexec", "/opt/cray/pals/1.4/bin/mpiexec", NULL, 0 }, { NULL, NULL, NULL, 0 } };
	static const struct fake_cmd hydra[] = {
		{ "mpiexec", "/usr/bin/mpiexec", "HYDRA build details:\n    Version: 4.1.2\n", 0 },
		{ NULL, NULL, NULL, 0 } };
	static const struct fake_cmd intel[] = {
		{ "mpiexec", "/opt/intel/mpiexec", "Intel(R) MPI Library for Linux* OS, Version 2021.10\n", 0 },
		{ NULL, NULL, NULL, 0 } };
	static const struct fake_cmd unknown[] = {
		{ "mpiexec", "/usr/bin/mpiexec", "who knows\n", 0 },
		{ "mpirun", "/usr/bin/mpirun", "mpirun (Open MPI) 5.0.3\n", 0 }, { NULL, NULL, NULL, 0 } };
	static const struct { const struct fake_cmd *cmds; enum launcher want; } cases[] = {
		{ pals, LAUNCHER_PALS }, { hydra, LAUNCHER_MPICH }, { intel, LAUNCHER_MPICH },
		{ unknown, LAUNCHER_OPENMPI }, { no_cmds, LAUNCHER_NONE },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { NULL };
		struct det d;
		detect(&d, env, "box", NULL, cases[i].cmds, "synthetic-nogpu.xml");
		cr_assert_eq(d.rc, 0, "%s", d.err);
		cr_expect_eq(d.job.launcher, cases[i].want, "case %zu: got %s", i, launcher_name(d.job.launcher));
		det_free(&d);
	}
}

Test(job, launcher_forced)
{
	struct job_opts o = { .launcher = "mpich" };
	struct job_opts bad = { .launcher = "jsrun" };
	char *env[] = { "EZPZ_LAUNCHER=srun", NULL };
	struct det d;
	detect(&d, env, "x4105c0s4b0n0", &o, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_MPICH, "--launcher beats EZPZ_LAUNCHER and the profile");
	det_free(&d);
	detect(&d, env, "x4105c0s4b0n0", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_SRUN);
	cr_expect_str_eq(d.job.src.launcher.text, "env:EZPZ_LAUNCHER");
	det_free(&d);
	detect(&d, env, "x", &bad, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, -2);   /* an option's bad value: usage */
	cr_expect_str_eq(d.err, "launcher 'jsrun' (from --launcher): unknown flavour (use pals, mpich, openmpi or srun, or a path)");
	det_free(&d);
}

Test(job, lsf_hosts)
{
	char *env[] = { "LSB_JOBID=31", "LSB_MCPU_HOSTS=batch1 1 c01 42 c02 42", NULL };
	char *bad[] = { "LSB_JOBID=31", "LSB_MCPU_HOSTS=c01 x", NULL };
	struct det d;
	detect(&d, env, "batch1", NULL, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_LSF);
	cr_expect_eq(d.job.hosts.n, 3);
	cr_expect_eq(d.job.hosts.v[2].slots, 42);
	det_free(&d);
	detect(&d, bad, "c01", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, -1);
	det_free(&d);
}

Test(job, facts_env)
{
	char *env[] = { "SLURM_JOB_ID=4242", "SLURM_JOB_NODELIST=nid[001-004]", "SLURM_GPUS_ON_NODE=4", NULL };
	struct strvec out = STRVEC_INIT, absent = STRVEC_INIT;
	struct det d;
	detect(&d, env, "nid001", NULL, no_cmds, NULL);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	job_facts_env(&d.job, &out, &absent);
	cr_expect_str_eq(env_get(out.v, "NHOSTS"), "4");
	cr_expect_str_eq(env_get(out.v, "NGPUS"), "16");
	cr_expect_str_eq(env_get(out.v, "EZPZ_JOBID"), "4242");
	cr_expect_str_eq(env_get(out.v, "EZPZ_HOSTS"), "nid[001-004]");
	cr_expect_null(env_get(out.v, "HOSTFILE"));
	cr_expect_str_eq(env_get(out.v, "EZPZ_LAUNCHER"), "srun", "the perlmutter profile's");
	cr_assert_eq(absent.n, 1, "no hostfile: HOSTFILE is to be unset");
	cr_expect_str_eq(absent.v[0], "HOSTFILE");
	strvec_clear(&out);
	strvec_clear(&absent);
	det_free(&d);
}

/* A fact this job lacks is reported absent, so that a value left over from
 * another job (here PBS job 111's HOSTFILE and launcher) is unset. */
Test(job, facts_env_absent)
{
	char *env[] = { "EZPZ_JOBID=111", "HOSTFILE=/var/spool/pbs/aux/111.pbs01",
		"EZPZ_LAUNCHER=pals", "PATH=/nonexistent", NULL };
	struct strvec out = STRVEC_INIT, absent = STRVEC_INIT;
	struct det d;

	detect(&d, env, "c01", NULL, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_not_null(d.job.stale_note, "job 111's facts in no job");
	cr_expect_eq(d.job.launcher, LAUNCHER_NONE);
	job_facts_env(&d.job, &out, &absent);
	cr_expect_null(env_get(out.v, "HOSTFILE"));
	cr_expect_null(env_get(out.v, "EZPZ_LAUNCHER"));
	cr_expect_str_eq(env_get(out.v, "EZPZ_JOBID"), "");
	cr_assert_eq(absent.n, 2);
	cr_expect_str_eq(absent.v[0], "HOSTFILE");
	cr_expect_str_eq(absent.v[1], "EZPZ_LAUNCHER");
	strvec_clear(&out);
	job_facts_env(&d.job, &out, NULL);
	cr_expect_eq(absent.n, 2, "absent may be NULL");
	strvec_clear(&out);
	strvec_clear(&absent);
	det_free(&d);
}

Test(job, flux_hosts_from_the_instance)
{
	static const struct fake_cmd cmds[] = {
		{ "flux", "/usr/bin/flux", "tioga[12-13],tioga20\n", 0 }, { NULL, NULL, NULL, 0 } };
	char *env[] = { "FLUX_JOB_ID=f2Bx", NULL };
	struct det d;
	detect(&d, env, "tioga12", NULL, cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_FLUX);
	cr_expect_str_eq(d.job.jobid, "f2Bx");
	cr_assert_eq(d.job.hosts.n, 3);
	cr_expect_str_eq(d.job.hosts.v[2].name, "tioga20");
	cr_expect_str_eq(d.job.src.hosts.text, "flux getattr hostlist");
	det_free(&d);
}

Test(job, forced_scheduler_without_its_job)
{
	char *flux[] = { "EZPZ_SCHEDULER=flux", NULL };
	char *lsf[] = { "EZPZ_SCHEDULER=lsf", NULL };
	struct det d;
	detect(&d, flux, "h", NULL, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, -1);
	cr_expect(strstr(d.err, "FLUX_JOB_ID is not set") != NULL, "%s", d.err);
	det_free(&d);
	detect(&d, lsf, "h", NULL, no_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, -1);
	cr_expect(strstr(d.err, "LSB_JOBID is not set") != NULL, "%s", d.err);
	det_free(&d);
}

/* ---- launchers on a stock install: every name, PATH's order, broken ones skipped ---- */

static const struct fake_cmd mixed_cmds[] = {
	{ "mpiexec.hydra", "/opt/mpich/bin/mpiexec.hydra", "HYDRA build details:\n    Version: 4.0.2\n", 0 },
	{ "mpiexec.mpich", "/opt/mpich/bin/mpiexec.mpich", "HYDRA build details:\n    Version: 4.0.2\n", 0 },
	{ "mpiexec", "/usr/bin/mpiexec", "mpiexec (OpenRTE) 4.1.4\n", 0 },
	{ "mpirun", "/usr/bin/mpirun", "mpirun (Open MPI) 4.1.4\n", 0 },
	{ NULL, NULL, NULL, 0 }
};

Test(job, launcher_probed_by_every_name_in_path_order)
{
	char *mpich_first[] = { "PATH=/opt/mpich/bin:/usr/bin", NULL };
	char *ompi_first[] = { "PATH=/usr/bin:/opt/mpich/bin", NULL };
	struct det d;

	detect(&d, mpich_first, "x", NULL, mixed_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_MPICH, "mpiexec.hydra, first on PATH");
	cr_expect_str_eq(d.job.launcher_path, "/opt/mpich/bin/mpiexec.hydra");
	cr_expect(d.job.launcher_exact, "run by its own name, not as 'mpiexec' on PATH");
	cr_expect_null(d.job.launcher_note);
	det_free(&d);
	detect(&d, ompi_first, "x", NULL, mixed_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_OPENMPI);
	cr_expect_str_eq(d.job.launcher_path, "/usr/bin/mpiexec");
	cr_expect_not(d.job.launcher_exact, "a plain mpiexec: Open MPI's mpirun runs, as before");
	det_free(&d);
}

Test(job, broken_launcher_named_and_the_next_tried)
{
	static const struct fake_cmd cmds[] = {
		{ "mpiexec", "/opt/broken/bin/mpiexec", "/opt/broken/bin/mpiexec: error while loading "
		    "shared libraries: libhwloc.so.5: cannot open shared object file\n", 127 },
		{ "mpirun", "/usr/bin/mpirun", "mpirun (Open MPI) 4.1.4\n", 0 },
		{ NULL, NULL, NULL, 0 }
	};
	static const struct fake_cmd all_broken[] = {
		{ "mpiexec", "/opt/broken/bin/mpiexec", "libhwloc.so.5: cannot open shared object file\n", 127 },
		{ NULL, NULL, NULL, 0 }
	};
	char *env[] = { "PATH=/opt/broken/bin:/usr/bin", NULL };
	struct det d;

	detect(&d, env, "x", NULL, cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_OPENMPI, "the next candidate");
	cr_expect_str_eq(d.job.launcher_path, "/usr/bin/mpirun");
	cr_assert_not_null(d.job.launcher_note);
	cr_expect_str_eq(d.job.launcher_note, "skipped /opt/broken/bin/mpiexec: exit 127: "
	    "/opt/broken/bin/mpiexec: error while loading shared libraries: libhwloc.so.5: cannot "
	    "open shared object file");
	det_free(&d);
	detect(&d, env, "x", NULL, all_broken, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_NONE);
	cr_expect_str_eq(d.job.src.launcher.text, "none usable on PATH (looked for mpiexec, mpirun, "
	    "mpiexec.hydra, mpiexec.mpich, mpirun.mpich, mpiexec.openmpi, mpirun.openmpi)");
	cr_expect(d.job.launcher_note && strstr(d.job.launcher_note, "libhwloc.so.5"), "%s",
	    d.job.launcher_note);
	det_free(&d);
}

Test(job, launcher_given_as_a_path)
{
	struct job_opts o = { .launcher = "/opt/mpich/bin/mpiexec.hydra" };
	struct job_opts bad = { .launcher = "/no/such/mpiexec" };
	char *env[] = { "PATH=/usr/bin", NULL };
	struct det d;

	detect(&d, env, "x", &o, mixed_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_MPICH);
	cr_expect_str_eq(d.job.launcher_path, "/opt/mpich/bin/mpiexec.hydra");
	cr_expect(d.job.launcher_exact);
	cr_expect_str_eq(d.job.src.launcher.text, "option:--launcher");
	det_free(&d);
	/* nothing there: 127, as a command not found; there but not a
	 * program: 126, as exec's EACCES */
	detect(&d, env, "x", &bad, mixed_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, JOB_NO_LAUNCHER);
	cr_expect_str_eq(d.err, "launcher '/no/such/mpiexec' (from --launcher): no such file (give "
	    "the path of an installed mpiexec, mpirun or srun, or a flavour: pals, mpich, openmpi "
	    "or srun)");
	det_free(&d);
	{
		char *file = fixture("tests/fixtures/job/polaris-2n.nodefile");
		struct job_opts notexe = { .launcher = file };
		detect(&d, env, "x", &notexe, mixed_cmds, "synthetic-nogpu.xml");
		cr_assert_eq(d.rc, JOB_LAUNCHER_NOEXEC);
		cr_expect(strstr(d.err, "): not an executable file (give the path") != NULL, "%s", d.err);
		det_free(&d);
		free(file);
	}
}

Test(job, stale_exported_launcher_loses_to_path)
{
	/* setup-env exported EZPZ_LAUNCHER=openmpi (with EZPZ_JOBID); MPICH is loaded now */
	char *stale[] = { "PATH=/opt/mpich/bin:/usr/bin", "EZPZ_JOBID=", "EZPZ_LAUNCHER=openmpi", NULL };
	char *chosen[] = { "PATH=/opt/mpich/bin:/usr/bin", "EZPZ_LAUNCHER=openmpi", NULL };
	struct det d;

	detect(&d, stale, "x", NULL, mixed_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_MPICH, "what PATH holds wins");
	cr_expect_str_eq(d.job.launcher_path, "/opt/mpich/bin/mpiexec.hydra");
	cr_expect(d.job.launcher_note && strstr(d.job.launcher_note, "EZPZ_LAUNCHER=openmpi is stale: "
	    "/opt/mpich/bin/mpiexec.hydra on PATH is mpich; using mpich"), "%s", d.job.launcher_note);
	det_free(&d);
	/* set by hand (no EZPZ_JOBID with it): the user's word */
	detect(&d, chosen, "x", NULL, mixed_cmds, "synthetic-nogpu.xml");
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.launcher, LAUNCHER_OPENMPI);
	cr_expect_null(d.job.launcher_note);
	det_free(&d);
}
