/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for launch plans: sizes, binding and the exact launcher argv
 * for every machine profile and launcher flavour, including the Python
 * ezpz's pinned strings (ezpz-python.md §3.4, §12).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakeio.h"
#include "plan.h"
#include "util.h"

struct pl {
	struct fakeio f;
	struct profiles ps;
	struct job job;
	struct launch_opts lo;
	struct plan p;
	char *err;
	int rc;
	char *argv;      /* p.launcher_argv joined by spaces */
};

static const char *cmd[] = { "python3", "-m", "ezpz.examples.test", NULL };

static void
lo_init(struct launch_opts *lo)
{
	memset(lo, 0, sizeof *lo);
	lo->np = lo->ppn = lo->nhosts = -1;
	lo->rankenv = 1;   /* as ezpz launch defaults */
	lo->self = "/opt/ezpz/bin/ezpz";
	lo->local_port = 45678;
	lo->launch_time = 1.5;
	strvec_pushv(&lo->command, (char **)cmd);
}

static char *
join(const struct strvec *sv)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < sv->n; i++) {
		char *n = xasprintf("%s%s%s", s, i ? " " : "", sv->v[i]);
		free(s);
		s = n;
	}
	return s;
}

/* Detect the job from env, then plan with lo (already filled). */
static void
plan(struct pl *x, char **env, const char *host, const char *topo)
{
	static const struct fake_cmd cmds[] = {
		{ "mpirun", "/usr/bin/mpirun", "mpirun (Open MPI) 4.1.4\n", 0 }, { NULL, NULL, NULL, 0 } };
	struct job_opts o = { 0 };
	char *e = NULL;
	fakeio_init(&x->f, cmds, topo);
	load_builtin_profiles(&x->ps);
	if (job_detect(&x->job, env, host, &x->ps, &o, &x->f.io, &e) < 0)
		cr_assert_fail("detect: %s", e);
	x->rc = plan_build(&x->p, &x->job, env, &x->f.io, &x->lo, &x->err);
	x->argv = x->rc == 0 ? join(&x->p.launcher_argv) : NULL;
}

static void
pl_free(struct pl *x)
{
	if (x->rc == 0)
		plan_free(&x->p);
	job_free(&x->job);
	profiles_free(&x->ps);
	fakeio_free(&x->f);
	strvec_clear(&x->lo.command);
	strvec_clear(&x->lo.env);
	strvec_clear(&x->lo.passthrough);
	free(x->argv);
	free(x->err);
}

/* A PBS job on `host` with the given nodefile fixture; env extras appended. */
static char **
pbs_env(const char *nodefile, const char *extra1, const char *extra2)
{
	static char *env[8];
	static char nf[4096];
	char *path = fixture(nodefile);
	snprintf(nf, sizeof nf, "PBS_NODEFILE=%s", path);
	free(path);
	env[0] = "PBS_JOBID=8518207.aurora-pbs-0001";
	env[1] = nf;
	env[2] = (char *)extra1;
	env[3] = extra1 ? (char *)extra2 : NULL;
	env[4] = NULL;
	return env;
}

static const char *
nodefile_path(const char *rel)
{
	static char buf[4096];
	char *p = fixture(rel);
	snprintf(buf, sizeof buf, "%s", p);
	free(p);
	return buf;
}

Test(plan, aurora_default_is_the_reference_line)
{
	struct pl x = { 0 };
	char *want;
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	plan(&x, pbs_env("tests/fixtures/job/aurora-2n.nodefile", NULL, NULL), "x4105c0s4b0n0", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	want = xasprintf("mpiexec --envall --line-buffer --np=24 --ppn=12 --hostfile=%s "
	    "--cpu-bind=list:1-8:9-16:17-24:25-32:33-40:41-48:53-60:61-68:69-76:77-84:85-92:93-100",
	    nodefile_path("tests/fixtures/job/aurora-2n.nodefile"));
	cr_expect_str_eq(x.argv, want);
	cr_expect_eq(strstr(x.argv, "--no-vni"), NULL);
	cr_expect_eq(x.f.topo_loads, 0, "no hwloc needed on aurora");
	free(want);
	pl_free(&x);
}

Test(plan, aurora_auto_binding_equals_the_profile)
{
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.cpu_bind = "auto";
	plan(&x, pbs_env("tests/fixtures/job/aurora-2n.nodefile", NULL, NULL), "x4105c0s4b0n0",
	    "aurora-like.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(x.p.cpu_bind,
	    "list:1-8:9-16:17-24:25-32:33-40:41-48:53-60:61-68:69-76:77-84:85-92:93-100");
	pl_free(&x);
}

Test(plan, aurora_fewer_ranks_recomputes_the_list)
{
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.ppn = 6;
	plan(&x, pbs_env("tests/fixtures/job/aurora-2n.nodefile", NULL, NULL), "x4105c0s4b0n0",
	    "aurora-like.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	/* 6 ranks, one per GPU: 3 per socket, 17 usable cores each */
	cr_expect_str_eq(x.p.cpu_bind, "list:1-17:18-34:35-51:53-69:70-86:87-103");
	cr_expect_eq(x.p.np, 12);
	cr_expect_eq(x.p.notes.n, 2, "a note on the list, a note on the GPUs left idle");
	pl_free(&x);
}

Test(plan, polaris_depth_and_sizes)
{
	static const struct { int n, ppn, nh; const char *frag; } cases[] = {
		{ -1, -1, -1, "--np=8 --ppn=4" }, { 4, -1, -1, "--np=4 --ppn=2" },
		{ 4, 4, -1, "--np=4 --ppn=4" }, { -1, -1, 1, "--np=4 --ppn=4" },
		{ -1, 2, -1, "--np=4 --ppn=2" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct pl x = { 0 };
		char *want;
		lo_init(&x.lo);
		x.lo.rankenv = 0;
		x.lo.np = cases[i].n;
		x.lo.ppn = cases[i].ppn;
		x.lo.nhosts = cases[i].nh;
		plan(&x, pbs_env("tests/fixtures/job/polaris-2n.nodefile", NULL, NULL), "x3005c0s7b0n0", NULL);
		cr_assert_eq(x.rc, 0, "%s", x.err);
		want = xasprintf("mpiexec --envall --line-buffer %s --hostfile=%s --cpu-bind=depth --depth=8",
		    cases[i].frag, nodefile_path("tests/fixtures/job/polaris-2n.nodefile"));
		cr_expect_str_eq(x.argv, want, "case %zu", i);
		free(want);
		pl_free(&x);
	}
}

Test(plan, inconsistent_sizes_name_the_numbers)
{
	static const struct { int n, ppn, nh; const char *msg; } cases[] = {
		/* the suggestion must itself fit: 4 GPUs per host */
		{ 3, -1, -1, "-n 3 does not divide evenly over the job's 2 hosts; add -nh or -ppn (e.g. -n 3 -nh 1: 3 per host)" },
		{ 5, -1, -1, "-n 5 does not divide evenly over the job's 2 hosts, nor over fewer with at most 4 per host; use a multiple of the hosts (e.g. -n 4), or -nh H -ppn P" },
		{ -1, 8, -1, "8 ranks per host, but each host has 4 GPUs (profile:polaris); use -ppn 4 or fewer, or set NGPU_PER_HOST" },
		{ 8, 8, -1, "8 ranks per host, but each host has 4 GPUs (profile:polaris); use -ppn 4 or fewer, or set NGPU_PER_HOST" },
		{ -1, -1, 3, "-nh 3: the job has only 2 hosts" },
		{ 6, 2, 2, "-n 6 does not match -nh 2 x -ppn 2 = 4" },
		{ 5, -1, 2, "-n 5 is not a multiple of -nh 2" },
		{ 12, 4, -1, "-n 12 with -ppn 4 needs 3 hosts, but the job has 2" },
		{ 6, 4, -1, "-n 6 is not a multiple of -ppn 4" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct pl x = { 0 };
		lo_init(&x.lo);
		x.lo.np = cases[i].n;
		x.lo.ppn = cases[i].ppn;
		x.lo.nhosts = cases[i].nh;
		plan(&x, pbs_env("tests/fixtures/job/polaris-2n.nodefile", NULL, NULL), "x3005c0s7b0n0", NULL);
		cr_assert_eq(x.rc, -1, "case %zu planned", i);
		cr_expect_str_eq(x.err, cases[i].msg, "case %zu", i);
		pl_free(&x);
	}
}

Test(plan, cpu_bind_precedence)
{
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	plan(&x, pbs_env("tests/fixtures/job/polaris-2n.nodefile", "CPU_BIND=--cpu-bind=list:0-1", NULL),
	    "x3005c0s7b0n0", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect(strstr(x.argv, "--cpu-bind=list:0-1") != NULL, "%s", x.argv);
	cr_expect_eq(strstr(x.argv, "--depth"), NULL);
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	x.lo.cpu_bind = "list:2-3";
	plan(&x, pbs_env("tests/fixtures/job/polaris-2n.nodefile", "CPU_BIND=--cpu-bind=list:0-1", NULL),
	    "x3005c0s7b0n0", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect(strstr(x.argv, "--cpu-bind=list:2-3") != NULL, "%s", x.argv);
	cr_expect(strstr(x.p.notes.v[0], "both --cpu-bind and CPU_BIND are set") != NULL);
	pl_free(&x);
}

Test(plan, generic_pbs_pals_depth_from_topology)
{
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	/* the reference's pinned default: 4 nodes x 4 GPUs, depth 8 on 32-core hosts */
	plan(&x, pbs_env("tests/fixtures/job/aurora-2n.nodefile", "EZPZ_MACHINE=generic",
	    "EZPZ_LAUNCHER=pals"), "somehost", "polaris-like.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect(strstr(x.argv, "--np=8 --ppn=4 ") != NULL, "%s", x.argv);
	cr_expect(strstr(x.argv, "--cpu-bind=depth --depth=8") != NULL, "%s", x.argv);
	pl_free(&x);
}

Test(plan, cpu_only_job_runs_one_rank_per_host)
{
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	plan(&x, pbs_env("tests/fixtures/job/aurora-2n.nodefile", "EZPZ_MACHINE=generic",
	    "EZPZ_LAUNCHER=mpich"), "cpunode", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect(startswith(x.argv, "mpiexec -n 2 -ppn 1 -f "), "%s", x.argv);
	cr_expect(strstr(x.argv, " -genvall") != NULL);
	pl_free(&x);
}

Test(plan, slurm_srun_gpu_flags_only_from_slurm)
{
	char *gres[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=nid[001-004]", "SLURM_GPUS_ON_NODE=4", NULL };
	char *prof[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=nid[001-004]", NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	plan(&x, gres, "nid001", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(x.argv, "srun -u --kill-on-bad-exit=1 -N4 -n16 --ntasks-per-node=4 --gpus-per-node=4");
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	x.lo.np = 16;
	x.lo.nhosts = 4;
	x.lo.cpu_bind = "cores";
	plan(&x, prof, "nid001", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(x.argv, "srun -u --kill-on-bad-exit=1 -N4 -n16 --ntasks-per-node=4 --cpu-bind=cores");
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	x.lo.nhosts = 2;
	plan(&x, prof, "nid001", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(x.argv, "srun -u --kill-on-bad-exit=1 -N2 -n8 --ntasks-per-node=4");
	pl_free(&x);
}

/* Run by srun (a normal job step holds CPUs): --overlap; from the batch
 * script or Slurm's interactive step (0xfffffffa): not. */
Test(plan, srun_inside_a_step_overlaps)
{
	static const struct { const char *step; int overlap; } cases[] = {
		{ "SLURM_STEP_ID=0", 1 }, { "SLURM_STEP_ID=12", 1 }, { "SLURM_STEP_ID=4294967290", 0 },
		{ "SLURM_STEP_ID=", 0 }, { "EZPZ_NO_STEP=1", 0 },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=nid[001-002]", (char *)cases[i].step, NULL };
		struct pl x = { 0 };
		lo_init(&x.lo);
		x.lo.rankenv = 0;
		plan(&x, env, "nid001", NULL);
		cr_assert_eq(x.rc, 0, "%s: %s", cases[i].step, x.err);
		cr_expect_eq(strstr(x.argv, " --overlap") != NULL, cases[i].overlap, "%s: %s", cases[i].step,
		    x.argv);
		pl_free(&x);
	}
	/* the outer step's binding, which srun reads as options, is not passed on */
	{
		char *env[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=nid[001-002]", "SLURM_STEP_ID=0",
			"SLURM_CPU_BIND=quiet,mask_cpu:0x1", "SLURM_CPUS_PER_TASK=1", NULL };
		struct pl x = { 0 };
		lo_init(&x.lo);
		x.lo.rankenv = 0;
		plan(&x, env, "nid001", NULL);
		cr_assert_eq(x.rc, 0, "%s", x.err);
		cr_expect(strvec_find(&x.p.unset, "SLURM_CPU_BIND") >= 0);
		cr_expect(strvec_find(&x.p.unset, "SLURM_CPUS_PER_TASK") >= 0);
		pl_free(&x);
	}
}

/* --gpu-bind per-rank on a job without GPUs: a usage error before the
 * launch, not one failure per rank after it. */
Test(plan, gpu_bind_per_rank_needs_gpus)
{
	char *none[] = { NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.gpu_bind = "per-rank";
	plan(&x, none, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, -1);
	cr_expect_str_eq(x.err, "--gpu-bind per-rank: the job has no GPUs (0 per host, from hwloc); "
	    "leave it out, or set NGPU_PER_HOST if that missed them");
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	x.lo.gpu_bind = "per-rank";
	plan(&x, none, "workstation", "synthetic-4xA100.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	pl_free(&x);
}

/* setup-env exports NGPU_PER_HOST in a Slurm job: srun still asks for the
 * job's GPUs (the count NGPU_PER_HOST gives); a job without GPUs of its own
 * gets no such flag whatever NGPU_PER_HOST says. */
Test(plan, slurm_srun_gpu_flags_survive_setup_env)
{
	static const struct { const char *gpus, *ngpu, *want; } cases[] = {
		{ "SLURM_GPUS_ON_NODE=4", "NGPU_PER_HOST=4",
		  "srun -u --kill-on-bad-exit=1 -N2 -n8 --ntasks-per-node=4 --gpus-per-node=4" },
		{ "SLURM_GPUS_ON_NODE=4", "NGPU_PER_HOST=2",
		  "srun -u --kill-on-bad-exit=1 -N2 -n4 --ntasks-per-node=2 --gpus-per-node=2" },
		{ "SLURM_GPUS_ON_NODE=4", "NGPU_PER_HOST=8",    /* 8 ranks on 4 GPUs: asks for 4 */
		  "srun -u --kill-on-bad-exit=1 -N2 -n16 --ntasks-per-node=8 --gpus-per-node=4" },
		{ "SLURM_GPUS_PER_NODE=a100:2,v100:1", "NGPU_PER_HOST=3",
		  "srun -u --kill-on-bad-exit=1 -N2 -n6 --ntasks-per-node=3 --gpus-per-node=3" },
		{ "SLURM_JOB_GPUS=0,1", "NGPU_PER_HOST=2",
		  "srun -u --kill-on-bad-exit=1 -N2 -n4 --ntasks-per-node=2 --gpus-per-node=2" },
		{ "SLURM_GPUS_ON_NODE=junk", "NGPU_PER_HOST=2",
		  "srun -u --kill-on-bad-exit=1 -N2 -n4 --ntasks-per-node=2" },
		{ "SLURM_CPUS_ON_NODE=8", "NGPU_PER_HOST=4",
		  "srun -u --kill-on-bad-exit=1 -N2 -n8 --ntasks-per-node=4" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=nid[001-002]",
			(char *)cases[i].gpus, (char *)cases[i].ngpu, NULL };
		struct pl x = { 0 };
		lo_init(&x.lo);
		x.lo.rankenv = 0;
		plan(&x, env, "nid001", NULL);
		cr_assert_eq(x.rc, 0, "%s %s: %s", cases[i].gpus, cases[i].ngpu, x.err);
		cr_expect_str_eq(x.argv, cases[i].want, "%s %s", cases[i].gpus, cases[i].ngpu);
		pl_free(&x);
	}
}

/* Slurm's default lets the other ranks run on when one fails; ezpz asks srun
 * to stop them, unless the user or the profile said (SLURM_KILL_BAD_EXIT, -K). */
Test(plan, srun_stops_every_rank_when_one_fails_unless_told)
{
	char *dflt[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=nid[001-002]", NULL };
	char *keep[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=nid[001-002]",
		"SLURM_KILL_BAD_EXIT=0", NULL };
	static const struct { int keep; const char *flag, *want; } cases[] = {
		{ 0, NULL, "srun -u --kill-on-bad-exit=1 -N2 -n2 --ntasks-per-node=1" },
		{ 1, NULL, "srun -u -N2 -n2 --ntasks-per-node=1" },
		{ 0, "-K0", "srun -u -N2 -n2 --ntasks-per-node=1 -K0" },
		{ 0, "--kill-on-bad-exit=0", "srun -u -N2 -n2 --ntasks-per-node=1 --kill-on-bad-exit=0" },
		{ 0, "-K", "srun -u -N2 -n2 --ntasks-per-node=1 -K" },
	};

	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct pl x = { 0 };
		lo_init(&x.lo);
		x.lo.rankenv = 0;
		x.lo.ppn = 1;
		if (cases[i].flag)
			strvec_push(&x.lo.passthrough, cases[i].flag);
		plan(&x, cases[i].keep ? keep : dflt, "nid001", NULL);
		cr_assert_eq(x.rc, 0, "%s", x.err);
		cr_expect_str_eq(x.argv, cases[i].want);
		cr_expect_eq(x.p.kill_on_bad_exit, i == 0, "%s", cases[i].want);
		pl_free(&x);
	}
}

Test(plan, srun_list_binding_becomes_masks)
{
	char *env[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=f[1-2]", NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.cpu_bind = "list:1-8:9-16:64";
	x.lo.ppn = 3;
	plan(&x, env, "frontier-login", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect(strstr(x.argv, "--cpu-bind=mask_cpu:0x1fe,0x1fe00,0x10000000000000000") != NULL,
	    "%s", x.argv);
	pl_free(&x);
}

Test(plan, sophia_openmpi_forwards_environment)
{
	struct pl x = { 0 };
	char *nf = xasprintf("%s", nodefile_path("tests/fixtures/job/polaris-2n.nodefile")), *want;
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	plan(&x, pbs_env("tests/fixtures/job/polaris-2n.nodefile", "PATH=/usr/bin", NULL),
	    "sophia-gpu-01", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	want = xasprintf("mpirun -np 16 --hostfile %s --map-by ppr:8:node -x PYTHONUNBUFFERED "
	    "-x MASTER_ADDR -x MASTER_PORT -x EZPZ_LAUNCH_TIME -x EZPZ_RUN_COMMAND -x PATH -x LD_LIBRARY_PATH", nf);
	cr_expect_str_eq(x.argv, want);
	free(want);
	free(nf);
	pl_free(&x);
}

Test(plan, openmpi_list_binding_goes_to_rankenv)
{
	char *env[] = { NULL };
	struct pl x = { 0 };
	char *all;
	lo_init(&x.lo);
	x.lo.cpu_bind = "auto";
	x.lo.np = 4;
	plan(&x, env, "gpubox", "synthetic-4xA100.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	all = join(&x.p.argv);
	cr_expect_str_eq(all, "mpirun -np 4 --bind-to none /opt/ezpz/bin/ezpz rankenv --cpu-bind "
	    "list:0-1:2-3:4-5:6-7 -- python3 -m ezpz.examples.test");
	free(all);
	pl_free(&x);
}

Test(plan, mpich_list_binding_is_hydra_user_syntax)
{
	char *env[] = { "EZPZ_LAUNCHER=mpich", NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.cpu_bind = "list:0-1,4:2-3";
	x.lo.np = 2;
	plan(&x, env, "box", "synthetic-4xA100.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(x.argv, "mpiexec -n 2 -ppn 2 -genvall -bind-to user:0+1+4,2+3");
	pl_free(&x);
}

Test(plan, local_defaults)
{
	char *ws[] = { "WORLD_SIZE=4", NULL };
	char *none[] = { NULL };
	char *badws[] = { "WORLD_SIZE=all", NULL };
	struct pl x = { 0 };
	char *all;

	lo_init(&x.lo);
	x.lo.rankenv = 0;
	plan(&x, ws, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	all = join(&x.p.argv);
	cr_expect_str_eq(all, "mpirun -np 4 python3 -m ezpz.examples.test");
	free(all);
	cr_expect_str_eq(env_get(x.p.env.v, "MASTER_ADDR"), "127.0.0.1");
	cr_expect_str_eq(env_get(x.p.env.v, "MASTER_PORT"), "45678");
	cr_expect_str_eq(env_get(x.p.env.v, "PYTHONUNBUFFERED"), "1");
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	plan(&x, none, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_eq(x.p.np, 2, "2 ranks by default on a CPU laptop");
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	plan(&x, none, "workstation", "synthetic-4xA100.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_eq(x.p.np, 4, "one rank per local GPU");
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	x.lo.nhosts = 2;
	plan(&x, none, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, -1);
	cr_expect_str_eq(x.err, "-nh 2: outside a job only this host is available (pass --hostfile to use others)");
	pl_free(&x);

	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	plan(&x, badws, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, -1);
	cr_expect(startswith(x.err, "WORLD_SIZE='all': not a number"), "%s", x.err);
	pl_free(&x);
}

Test(plan, environment_and_rankenv)
{
	char *env[] = { "MASTER_PORT=1234", "PYTHONUNBUFFERED=0", NULL };
	struct pl x = { 0 };
	char *all;
	lo_init(&x.lo);
	x.lo.gpu_bind = "per-rank";
	strvec_push(&x.lo.env, "FOO=a b");
	strvec_push(&x.lo.env, "MASTER_ADDR=override");
	strvec_push(&x.lo.passthrough, "--tag-output");
	plan(&x, env, "gpubox", "synthetic-4xA100.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	all = join(&x.p.argv);
	cr_expect_str_eq(all, "mpirun -np 4 --tag-output /opt/ezpz/bin/ezpz rankenv --gpu-bind "
	    "per-rank -- python3 -m ezpz.examples.test");
	free(all);
	cr_expect_null(env_get(x.p.env.v, "MASTER_PORT"), "the user's MASTER_PORT stays");
	cr_expect_null(env_get(x.p.env.v, "PYTHONUNBUFFERED"), "the user's value stays");
	cr_expect_str_eq(env_get(x.p.env.v, "MASTER_ADDR"), "override", "-x wins");
	cr_expect_str_eq(env_get(x.p.env.v, "FOO"), "a b");
	cr_expect_str_eq(env_get(x.p.env.v, "EZPZ_NGPU_PER_HOST"), "4");
	cr_expect_str_eq(env_get(x.p.env.v, "EZPZ_GPU_VENDOR"), "nvidia");
	cr_expect_str_eq(env_get(x.p.env.v, "EZPZ_RUN_COMMAND"), "mpirun -np 4 --tag-output "
	    "/opt/ezpz/bin/ezpz rankenv --gpu-bind per-rank -- python3 -m ezpz.examples.test");
	pl_free(&x);
}

/* GPUs counted (NGPU_PER_HOST, the scheduler) on a host that has none to
 * name the vendor: the ranks' hosts find it, rankenv is not told "none". */
Test(plan, gpu_vendor_unknown_here_is_left_to_the_ranks)
{
	char *env[] = { "NGPU_PER_HOST=4", NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.gpu_bind = "per-rank";
	plan(&x, env, "login1", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(env_get(x.p.env.v, "EZPZ_NGPU_PER_HOST"), "4");
	cr_expect_null(env_get(x.p.env.v, "EZPZ_GPU_VENDOR"), "%s", env_get(x.p.env.v, "EZPZ_GPU_VENDOR"));
	pl_free(&x);
	/* ... and setup-env's EZPZ_GPU_VENDOR=none from this host is taken away */
	{
		char *env2[] = { "NGPU_PER_HOST=4", "EZPZ_GPU_VENDOR=none", NULL };
		struct pl y = { 0 };
		lo_init(&y.lo);
		y.lo.gpu_bind = "per-rank";
		plan(&y, env2, "login1", "synthetic-nogpu.xml");
		cr_assert_eq(y.rc, 0, "%s", y.err);
		cr_expect_null(env_get(y.p.env.v, "EZPZ_GPU_VENDOR"));
		cr_expect(strvec_find(&y.p.unset, "EZPZ_GPU_VENDOR") >= 0, "unset for the ranks");
		pl_free(&y);
	}
}

Test(plan, master_address_and_port_agree_everywhere)
{
	struct pl x = { 0 }, y = { 0 };
	lo_init(&x.lo);
	lo_init(&y.lo);
	y.lo.local_port = 1111;   /* another launch on another host: the port must not change */
	plan(&x, pbs_env("tests/fixtures/job/aurora-2n.nodefile", "EZPZ_MACHINE=aurora", NULL),
	    "login-node", NULL);
	plan(&y, pbs_env("tests/fixtures/job/aurora-2n.nodefile", "EZPZ_MACHINE=aurora", NULL),
	    "login-node-2", NULL);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_assert_eq(y.rc, 0, "%s", y.err);
	cr_expect_str_eq(env_get(x.p.env.v, "MASTER_ADDR"), "x4105c0s4b0n0.hsn.cm.aurora.alcf.anl.gov");
	cr_expect_str_eq(env_get(x.p.env.v, "MASTER_PORT"), env_get(y.p.env.v, "MASTER_PORT"));
	cr_expect_neq(atoi(env_get(x.p.env.v, "MASTER_PORT")), 45678, "derived from the job id");
	pl_free(&x);
	pl_free(&y);
}

Test(plan, cpu_bind_parse)
{
	static const struct { const char *in; enum bind_kind kind; int ok; } cases[] = {
		{ "--cpu-bind=depth", BIND_DEPTH, 1 }, { "none", BIND_NONE, 1 }, { "auto", BIND_AUTO, 1 },
		{ "list:0-3:4-7", BIND_LIST, 1 }, { "depth:4", BIND_DEPTH, 1 }, { "cores", BIND_CORE, 1 },
		{ "verbose,list:0-3", BIND_NATIVE, 1 }, { "list:a-b", BIND_UNSET, 0 },
		{ "depth:0", BIND_UNSET, 0 }, { "  ", BIND_UNSET, 1 },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct cpu_bind b;
		char *err = NULL;
		int r = cpu_bind_parse(cases[i].in, &b, &err);
		cr_expect_eq(r == 0, cases[i].ok, "'%s'", cases[i].in);
		if (r == 0)
			cr_expect_eq(b.kind, cases[i].kind, "'%s'", cases[i].in);
		cpu_bind_free(&b);
		free(err);
	}
}

Test(plan, slurm_allocation_too_small_for_one_rank_per_gpu)
{
	char *env[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=n[1-2]", "SLURM_GPUS_PER_NODE=4",
		"SLURM_JOB_CPUS_PER_NODE=1(x2)", NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	plan(&x, env, "n1", NULL);
	cr_assert_eq(x.rc, -1);
	cr_expect_str_eq(x.err, "4 ranks per host, but the allocation gives each host only 1 CPU "
	    "(SLURM_JOB_CPUS_PER_NODE); allocate whole nodes (--exclusive) or --ntasks-per-node=4, "
	    "or use -ppn 1");
	pl_free(&x);
}

Test(plan, laptop_oversubscribes_only_when_needed)
{
	char *env[] = { NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	x.lo.ncpus = 2;
	x.lo.np = 4;
	plan(&x, env, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(x.argv, "mpirun -np 4 --oversubscribe");
	pl_free(&x);
	memset(&x, 0, sizeof x);
	lo_init(&x.lo);
	x.lo.rankenv = 0;
	x.lo.ncpus = 8;
	x.lo.np = 4;
	plan(&x, env, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(x.argv, "mpirun -np 4");
	pl_free(&x);
}

Test(plan, stale_rank_variables_do_not_reach_the_ranks)
{
	char *env[] = { "WORLD_SIZE=4", "RANK=3", "LOCAL_RANK=1", NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	x.lo.np = 2;
	plan(&x, env, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_str_eq(env_get(x.p.env.v, "WORLD_SIZE"), "2");
	cr_expect_neq(strvec_find(&x.p.unset, "RANK"), -1);
	cr_expect_neq(strvec_find(&x.p.unset, "LOCAL_RANK"), -1);
	pl_free(&x);
}

Test(plan, long_command_lines_fit_the_environment)
{
	char *env[] = { NULL };
	struct pl x = { 0 };
	lo_init(&x.lo);
	for (int i = 0; i < 30000; i++)
		strvec_pushf(&x.lo.command, "%d", i);
	plan(&x, env, "laptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_leq(strlen(env_get(x.p.env.v, "EZPZ_RUN_COMMAND")), 4100);
	cr_expect(strstr(env_get(x.p.env.v, "EZPZ_RUN_COMMAND"), " ...") != NULL);
	pl_free(&x);
}

Test(plan, malformed_list_binding_is_a_usage_error)
{
	static const char *const bad[] = { "list:8-1:0-3", "list:,:-", "list:1,,2" };
	for (size_t i = 0; i < NITEMS(bad); i++) {
		char *env[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=f[1-2]", NULL };
		struct pl x = { 0 };
		lo_init(&x.lo);
		x.lo.cpu_bind = bad[i];
		plan(&x, env, "frontier-login", NULL);
		cr_expect_eq(x.rc, -1, "%s", bad[i]);
		if (x.err)
			cr_expect(strstr(x.err, "is not a list of CPU numbers") != NULL, "%s", x.err);
		pl_free(&x);
	}
}

/* A launcher found under its own name or given as a path runs as itself,
 * not as the flavour's program looked up on PATH (another MPI's). */
Test(plan, exact_launcher_path_runs_itself)
{
	char *env[] = { "PATH=/usr/bin", NULL };
	struct pl x = { 0 };

	lo_init(&x.lo);
	x.lo.np = 2;
	plan(&x, env, "mylaptop", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect(startswith(x.argv, "mpirun -np 2"), "%s", x.argv);
	plan_free(&x.p);
	free(x.argv);
	x.job.launcher = LAUNCHER_MPICH;
	free(x.job.launcher_path);
	x.job.launcher_path = xstrdup("/opt/mpich/bin/mpiexec.hydra");
	x.job.launcher_exact = 1;
	x.rc = plan_build(&x.p, &x.job, env, &x.f.io, &x.lo, &x.err);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	x.argv = join(&x.p.launcher_argv);
	cr_expect(startswith(x.argv, "/opt/mpich/bin/mpiexec.hydra -n 2"), "%s", x.argv);
	pl_free(&x);
}

/* srun: --mpi only when detection chose one (srunmpi.c). */
Test(plan, srun_mpi_flag)
{
	char *env[] = { "SLURM_JOB_ID=7", "SLURM_JOB_NODELIST=n[1-2]", "SLURM_TASKS_PER_NODE=2(x2)",
		"SLURM_CONF=/no/such/slurm.conf", "NGPU_PER_HOST=0", "EZPZ_LAUNCHER=srun", NULL };
	struct pl x = { 0 };

	lo_init(&x.lo);
	plan(&x, env, "n1", "synthetic-nogpu.xml");
	cr_assert_eq(x.rc, 0, "%s", x.err);
	cr_expect_null(strstr(x.argv, "--mpi"), "unknown site default kept: %s", x.argv);
	plan_free(&x.p);
	free(x.argv);
	x.job.srun_mpi = xstrdup("pmix");
	x.rc = plan_build(&x.p, &x.job, env, &x.f.io, &x.lo, &x.err);
	cr_assert_eq(x.rc, 0, "%s", x.err);
	x.argv = join(&x.p.launcher_argv);
	cr_expect(strstr(x.argv, " --mpi=pmix"), "%s", x.argv);
	pl_free(&x);
}

/* An Open MPI launch in a PBS job reaches the other hosts through the rsh
 * agent the edge found (pbs_tmrsh), unless the user chose one; not on one
 * host, not under another launcher. */
static const char *
env_of(const struct plan *p, const char *name)
{
	return env_get(p->env.v, name);
}

Test(plan, pbs_openmpi_gets_the_pbs_rsh_agent)
{
	static const struct { const char *extra, *launcher; int nh; const char *want; } cases[] = {
		{ NULL, "EZPZ_LAUNCHER=openmpi", -1, "/x/share/ezpz/ompi-pbs-rsh" },
		{ "OMPI_MCA_plm_rsh_agent=ssh", "EZPZ_LAUNCHER=openmpi", -1, NULL },
		{ "OMPI_MCA_orte_rsh_agent=rsh", "EZPZ_LAUNCHER=openmpi", -1, NULL },
		{ NULL, "EZPZ_LAUNCHER=openmpi", 1, NULL },
		{ NULL, "EZPZ_LAUNCHER=mpich", -1, NULL },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct pl x = { 0 };
		char **env;
		lo_init(&x.lo);
		x.lo.pbs_rsh_agent = "/x/share/ezpz/ompi-pbs-rsh";
		x.lo.nhosts = cases[i].nh;
		env = pbs_env("tests/fixtures/job/aurora-2n.nodefile", cases[i].launcher, "EZPZ_MACHINE=generic");
		env[4] = (char *)cases[i].extra;
		env[5] = NULL;
		plan(&x, env, "cpunode", "synthetic-nogpu.xml");
		cr_assert_eq(x.rc, 0, "case %zu: %s", i, x.err);
		if (cases[i].want) {
			cr_expect_str_eq(env_of(&x.p, "OMPI_MCA_plm_rsh_agent"), cases[i].want, "case %zu", i);
			cr_expect(x.p.notes.n > 0 && strstr(x.p.notes.v[x.p.notes.n - 1], "pbs_tmrsh"),
			    "case %zu: the banner says so", i);
			cr_expect(strstr(x.argv, "-x OMPI_MCA_plm_rsh_agent") == NULL, "case %zu: %s", i, x.argv);
		} else {
			cr_expect_null(env_of(&x.p, "OMPI_MCA_plm_rsh_agent"), "case %zu", i);
		}
		pl_free(&x);
	}
}
