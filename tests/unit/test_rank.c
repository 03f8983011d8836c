/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for rank facts from launcher variables, their validation, the
 * check against stale exported values, and per-rank GPU masks.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "rank.h"
#include "util.h"

struct want { long rank, size, local_rank, local_size, node_rank; const char *src; };

static void
expect_env(char **env, struct want w)
{
	struct rankinfo ri;
	char *err = NULL;
	cr_assert_eq(rank_from_env(&ri, env, &err), 0, "%s", err ? err : "no launcher found");
	cr_expect_eq(ri.rank, w.rank, "rank");
	cr_expect_eq(ri.size, w.size, "size");
	cr_expect_eq(ri.local_rank, w.local_rank, "local rank");
	cr_expect_eq(ri.local_size, w.local_size, "local size");
	cr_expect_eq(ri.node_rank, w.node_rank, "node rank");
	cr_expect(strstr(ri.source, w.src) != NULL, "source %s, want %s", ri.source, w.src);
	cr_expect_eq(rank_validate(&ri, &err), 0, "%s", err);
	rank_free(&ri);
}

Test(rank, launcher_families)
{
	char *ompi[] = { "OMPI_COMM_WORLD_RANK=5", "OMPI_COMM_WORLD_SIZE=8",
		"OMPI_COMM_WORLD_LOCAL_RANK=1", "OMPI_COMM_WORLD_LOCAL_SIZE=4", NULL };
	char *pals[] = { "PALS_RANKID=13", "PMI_SIZE=24", "PALS_LOCAL_RANKID=1", "PALS_LOCAL_SIZE=12",
		"PALS_NODEID=1", "PMI_RANK=13", NULL };
	char *hydra[] = { "PMI_RANK=3", "PMI_SIZE=4", "MPI_LOCALRANKID=1", "MPI_LOCALNRANKS=2", NULL };
	char *slurm[] = { "SLURM_PROCID=6", "SLURM_NTASKS=8", "SLURM_LOCALID=2", "SLURM_NODEID=1",
		"SLURM_STEP_TASKS_PER_NODE=4(x2)", "SLURM_LOCAL_ID=99", NULL };
	char *flux[] = { "FLUX_TASK_RANK=2", "FLUX_JOB_SIZE=4", "FLUX_TASK_LOCAL_ID=2",
		"FLUX_JOB_NNODES=1", NULL };
	/* Cray PMI's names where PALS's own are missing */
	char *pals_pmi[] = { "PALS_RANKID=5", "PMI_SIZE=8", "PMI_LOCAL_RANK=1", "PMI_LOCAL_SIZE=4",
		"PALS_NODEID=1", NULL };
	char *alone[] = { "PMI_RANK=0", "PMI_SIZE=1", NULL };   /* a singleton needs no locals */
	/* srun --mpi=pmi2: PMI_RANK and PMI_SIZE beside Slurm's own; not Hydra */
	char *slurm_pmi2[] = { "PMI_RANK=3", "PMI_SIZE=4", "PMI_FD=5", "PMI_JOBID=7.0",
		"SLURM_PROCID=3", "SLURM_NTASKS=4", "SLURM_STEP_NUM_TASKS=4", "SLURM_LOCALID=1",
		"SLURM_NODEID=1", "SLURM_STEP_TASKS_PER_NODE=2(x2)", NULL };
	/* flux run (its shell's pmi plugin sets PMI_RANK, PMI_SIZE) on one node */
	char *flux_pmi[] = { "FLUX_TASK_RANK=1", "FLUX_JOB_SIZE=2", "FLUX_TASK_LOCAL_ID=1",
		"FLUX_JOB_NNODES=1", "PMI_RANK=1", "PMI_SIZE=2", "PMI_FD=4", NULL };
	/* srun -E in a job of 8 tasks: SLURM_NTASKS is the job's, the step has 2 */
	char *slurm_e[] = { "SLURM_PROCID=1", "SLURM_NTASKS=8", "SLURM_STEP_NUM_TASKS=2",
		"SLURM_LOCALID=1", "SLURM_NODEID=0", "SLURM_STEP_TASKS_PER_NODE=2", NULL };
	char *jsm[] = { "JSM_NAMESPACE_RANK=1", "JSM_NAMESPACE_SIZE=2", "JSM_NAMESPACE_LOCAL_RANK=1",
		"JSM_NAMESPACE_LOCAL_SIZE=2", NULL };
	/* mpirun inside a Slurm allocation: Open MPI's variables, not the daemon's SLURM_PROCID */
	char *ompi_in_slurm[] = { "SLURM_PROCID=0", "SLURM_NTASKS=2", "SLURM_LOCALID=0",
		"OMPI_COMM_WORLD_RANK=3", "OMPI_COMM_WORLD_SIZE=4", "OMPI_COMM_WORLD_LOCAL_RANK=1",
		"OMPI_COMM_WORLD_LOCAL_SIZE=2", NULL };
	char *torchrun[] = { "TORCHELASTIC_RUN_ID=x", "RANK=3", "WORLD_SIZE=4", "LOCAL_RANK=1",
		"LOCAL_WORLD_SIZE=2", "GROUP_RANK=1", "OMPI_COMM_WORLD_RANK=0", NULL };

	expect_env(ompi, (struct want){ 5, 8, 1, 4, 1, "OMPI_COMM_WORLD_RANK" });
	expect_env(pals, (struct want){ 13, 24, 1, 12, 1, "PALS_RANKID" });
	expect_env(hydra, (struct want){ 3, 4, 1, 2, 1, "PMI_RANK" });
	expect_env(slurm, (struct want){ 6, 8, 2, 4, 1, "SLURM_PROCID" });
	expect_env(flux, (struct want){ 2, 4, 2, 4, 0, "FLUX_TASK_RANK" });
	expect_env(pals_pmi, (struct want){ 5, 8, 1, 4, 1, "PALS_RANKID" });
	expect_env(alone, (struct want){ 0, 1, 0, 1, 0, "PMI_RANK" });
	expect_env(slurm_pmi2, (struct want){ 3, 4, 1, 2, 1, "SLURM_PROCID" });
	expect_env(flux_pmi, (struct want){ 1, 2, 1, 2, 0, "FLUX_TASK_RANK" });
	expect_env(slurm_e, (struct want){ 1, 2, 1, 2, 0, "SLURM_PROCID" });
	expect_env(jsm, (struct want){ 1, 2, 1, 2, 0, "JSM_NAMESPACE_RANK" });
	expect_env(ompi_in_slurm, (struct want){ 3, 4, 1, 2, 1, "OMPI_COMM_WORLD_RANK" });
	expect_env(torchrun, (struct want){ 3, 4, 1, 2, 1, "torchrun" });
}

Test(rank, outside_any_launcher_is_0_of_1)
{
	char *env[] = { "RANK=5", "WORLD_SIZE=8", "PATH=/bin", NULL };   /* no torchrun marker */
	struct rankinfo ri;
	char *err = NULL;
	cr_assert_eq(rank_from_env(&ri, env, &err), 1);
	cr_expect_eq(ri.rank, 0);
	cr_expect_eq(ri.size, 1);
	cr_expect_eq(ri.local_size, 1);
	rank_free(&ri);
}

Test(rank, malformed_value_names_the_variable)
{
	char *env[] = { "OMPI_COMM_WORLD_RANK=x1", "OMPI_COMM_WORLD_SIZE=2", NULL };
	struct rankinfo ri;
	char *err = NULL;
	cr_assert_eq(rank_from_env(&ri, env, &err), -1);
	cr_expect_str_eq(err, "OMPI_COMM_WORLD_RANK='x1': not a number");
	free(err);
}

/* Partial launcher variables: an error naming what is missing, never a
 * guess that puts every rank on this host (MASTER_ADDR 127.0.0.1, the
 * same LOCAL_RANK on every host). */
Test(rank, missing_facts_are_errors)
{
	static const struct { const char *env[7]; const char *err; } cases[] = {
		{ { "PMI_RANK=1", "PMI_SIZE=2" },
		  "PMI_RANK=1 (Hydra), but MPI_LOCALRANKID is not set: start the ranks with the "
		  "launcher itself, which sets it (or with 'ezpz launch')" },
		{ { "PMI_RANK=1" }, "PMI_RANK=1 (Hydra), but PMI_SIZE is not set" },
		{ { "PMI_RANK=1", "PMI_SIZE=2", "MPI_LOCALRANKID=0" }, "but MPI_LOCALNRANKS is not set" },
		{ { "PALS_RANKID=1", "PMI_SIZE=2", "PALS_LOCAL_RANKID=0" },
		  "but PALS_LOCAL_SIZE (or PMI_LOCAL_SIZE) is not set" },
		{ { "SLURM_PROCID=2", "SLURM_NTASKS=4", "SLURM_NODEID=1", "SLURM_LOCALID=0" },
		  "SLURM_PROCID=2 (Slurm), but neither SLURM_STEP_TASKS_PER_NODE nor "
		  "SLURM_TASKS_PER_NODE gives node 1's tasks" },
		{ { "SLURM_PROCID=2", "SLURM_NTASKS=4", "SLURM_LOCALID=0", "SLURM_TASKS_PER_NODE=2(x2)" },
		  "but SLURM_NODEID is not set" },
		{ { "FLUX_TASK_RANK=2", "FLUX_JOB_SIZE=4", "FLUX_TASK_LOCAL_ID=0", "FLUX_JOB_NNODES=2" },
		  "the job has 2 nodes and Flux gives no count of ranks per node" },
		{ { "FLUX_TASK_RANK=2", "FLUX_JOB_SIZE=4", "FLUX_TASK_LOCAL_ID=0" },
		  "but FLUX_JOB_NNODES is not set" },
		/* flux run on 2 nodes: Flux's reason (the outermost), not Hydra's */
		{ { "FLUX_TASK_RANK=2", "FLUX_JOB_SIZE=4", "FLUX_TASK_LOCAL_ID=0", "FLUX_JOB_NNODES=2",
		    "PMI_RANK=2", "PMI_SIZE=4" },
		  "FLUX_TASK_RANK=2 (Flux): the job has 2 nodes" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct rankinfo ri;
		char *err = NULL;
		cr_assert_eq(rank_from_env(&ri, (char **)cases[i].env, &err), -1, "case %zu", i);
		cr_expect(strstr(err, cases[i].err) != NULL, "case %zu: %s", i, err);
		free(err);
	}
}

Test(rank, validation)
{
	static const struct { long r, s, lr, ls; int ok; long node; } cases[] = {
		{ 0, 1, 0, 1, 1, 0 }, { 3, 4, 1, 2, 1, 1 }, { 4, 4, 0, 2, 0, 0 }, { 0, 4, 2, 2, 0, 0 },
		{ 0, 2, 0, 3, 0, 0 }, { 0, 0, 0, 1, 0, 0 }, { -1, 2, 0, 1, 0, 0 },
		{ 2, 4, 0, 4, 0, 1 },    /* all ranks here, yet on node 1 */
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct rankinfo ri = { cases[i].r, cases[i].s, cases[i].lr, cases[i].ls, cases[i].node, 1,
			NULL, (char *)"test" };
		char *err = NULL;
		cr_expect_eq(rank_validate(&ri, &err) == 0, cases[i].ok, "case %zu: %s", i, err ? err : "");
		free(err);
	}
}

Test(rank, stale_exports_are_rejected)
{
	struct rankinfo ri = { 2, 4, 0, 2, 1, 2, NULL, (char *)"env:OMPI_COMM_WORLD_RANK (Open MPI)" };
	char *stale[] = { "WORLD_SIZE=1", NULL };
	char *agree[] = { "WORLD_SIZE=4", "RANK=2", NULL };
	char *err = NULL;
	cr_expect_eq(rank_check_env(&ri, agree, &err), 0);
	cr_assert_eq(rank_check_env(&ri, stale, &err), -1);
	cr_expect_str_eq(err, "WORLD_SIZE=1 is already set, but the launcher says 4 "
	    "(env:OMPI_COMM_WORLD_RANK (Open MPI)); a login profile or an outer job may have "
	    "exported it: unset WORLD_SIZE");
	free(err);
}

struct mask { enum vendor v; int ngpus, tiles; long lr, ls; const char *pre; const char *var, *val; int have; };

Test(rank, gpu_masks)
{
	static const struct mask cases[] = {
		{ VENDOR_NVIDIA, 4, 0, 2, 4, NULL, "CUDA_VISIBLE_DEVICES", "2", -1 },
		{ VENDOR_NVIDIA, 4, 0, 1, 2, "CUDA_VISIBLE_DEVICES=2,3", "CUDA_VISIBLE_DEVICES", "3", -1 },
		{ VENDOR_NVIDIA, 4, 0, 0, 1, "CUDA_VISIBLE_DEVICES=GPU-aaa,GPU-bbb", "CUDA_VISIBLE_DEVICES", "GPU-aaa", -1 },
		{ VENDOR_NVIDIA, 2, 0, 3, 4, NULL, "CUDA_VISIBLE_DEVICES", "1", -1 },   /* 2 ranks per GPU */
		{ VENDOR_AMD, 8, 0, 5, 8, NULL, "ROCR_VISIBLE_DEVICES", "5", -1 },
		{ VENDOR_AMD, 8, 0, 1, 2, "HIP_VISIBLE_DEVICES=4,6", "HIP_VISIBLE_DEVICES", "6", -1 },
		{ VENDOR_AMD, 8, 0, 1, 2, "ROCR_VISIBLE_DEVICES=0,2", "ROCR_VISIBLE_DEVICES", "2", -1 },
		{ VENDOR_INTEL, 12, 2, 0, 12, NULL, "ZE_AFFINITY_MASK", "0.0", -1 },
		{ VENDOR_INTEL, 12, 2, 5, 12, NULL, "ZE_AFFINITY_MASK", "2.1", -1 },
		{ VENDOR_INTEL, 12, 2, 11, 12, NULL, "ZE_AFFINITY_MASK", "5.1", -1 },
		{ VENDOR_INTEL, 6, 0, 4, 6, NULL, "ZE_AFFINITY_MASK", "4", -1 },
		{ VENDOR_INTEL, 12, 2, 1, 2, "ZE_AFFINITY_MASK=3.0,3.1", "ZE_AFFINITY_MASK", "3.1", -1 },
		/* the list as the runtime reads it: it ends at -1 or at a device
		 * the host lacks (have 4), so one device for both ranks */
		{ VENDOR_NVIDIA, 4, 0, 1, 2, "CUDA_VISIBLE_DEVICES=0,-1", "CUDA_VISIBLE_DEVICES", "0", -1 },
		{ VENDOR_NVIDIA, 4, 0, 1, 2, "CUDA_VISIBLE_DEVICES=0,9,1", "CUDA_VISIBLE_DEVICES", "0", 4 },
		{ VENDOR_NVIDIA, 2, 0, 1, 2, "CUDA_VISIBLE_DEVICES=2,3", "CUDA_VISIBLE_DEVICES", "3", -1 },
		{ VENDOR_AMD, 8, 0, 1, 2, "ROCR_VISIBLE_DEVICES= 4, 6", "ROCR_VISIBLE_DEVICES", "6", 8 },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *env[] = { (char *)cases[i].pre, NULL };
		const char *var = NULL;
		char *val = NULL, *err = NULL;
		int r = rank_gpu_mask(cases[i].v, cases[i].ngpus, cases[i].have, cases[i].tiles,
		    cases[i].lr, cases[i].ls, env, &var, &val, &err);
		cr_assert_eq(r, 0, "case %zu: %s", i, err);
		cr_expect_str_eq(var, cases[i].var, "case %zu", i);
		cr_expect_str_eq(val, cases[i].val, "case %zu", i);
		free(val);
	}
}

Test(rank, gpu_mask_errors)
{
	char *env[] = { NULL };
	const char *var;
	char *val = NULL, *err = NULL;
	cr_expect_eq(rank_gpu_mask(VENDOR_NONE, 0, -1, 0, 0, 1, env, &var, &val, &err), -1);
	cr_expect(strstr(err, "no GPU vendor known") != NULL, "%s", err);
	free(err);
	err = NULL;
	cr_expect_eq(rank_gpu_mask(VENDOR_NVIDIA, 0, -1, 0, 0, 1, env, &var, &val, &err), -1);
	cr_expect(strstr(err, "no GPUs") != NULL, "%s", err);
	free(err);
	/* a list that shows no device: never a device it hid */
	static const char *const none[] = { "CUDA_VISIBLE_DEVICES=", "CUDA_VISIBLE_DEVICES=NoDevFiles",
		"CUDA_VISIBLE_DEVICES=-1,0", "CUDA_VISIBLE_DEVICES=0,0,1" };
	for (size_t i = 0; i < NITEMS(none); i++) {
		char *e2[] = { (char *)none[i], NULL };
		err = NULL;
		cr_expect_eq(rank_gpu_mask(VENDOR_NVIDIA, 4, 4, 0, 0, 2, e2, &var, &val, &err), -1, "%s", none[i]);
		cr_expect(err && strstr(err, "shows no GPU to give local rank 0") != NULL, "%s: %s", none[i], err);
		free(err);
	}
}

Test(rank, visible_devices_as_the_runtime_reads_them)
{
	static const struct { const char *val; long have, n; const char *first; } cases[] = {
		{ "0,1,2", 4, 3, "0" }, { "", 4, 0, NULL }, { "NoDevFiles", 4, 0, NULL },
		{ "1,-1,2", 4, 1, "1" }, { "3,4,0", 4, 1, "3" }, { "3,4,0", -1, 3, "3" },
		{ "0,0,1", 4, 0, NULL },       /* a device named twice: none (CUDA, PyTorch) */
		{ "GPU-ab,GPU-cd", 2, 2, "GPU-ab" }, { " 2 , 3 ", 4, 2, "2" }, { "1,,2", 4, 1, "1" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct strvec out = STRVEC_INIT;
		cr_expect_eq(gpu_visible_parse(cases[i].val, cases[i].have, &out), cases[i].n, "'%s'",
		    cases[i].val);
		cr_expect_eq((long)out.n, cases[i].n, "'%s'", cases[i].val);
		if (cases[i].first && out.n)
			cr_expect_str_eq(out.v[0], cases[i].first, "'%s'", cases[i].val);
		strvec_clear(&out);
	}
}

Test(bind, gpu_of_rank)
{
	cr_expect_eq(bind_gpu_of_rank(0, 12, 6), 0);
	cr_expect_eq(bind_gpu_of_rank(11, 12, 6), 5);
	cr_expect_eq(bind_gpu_of_rank(3, 4, 8), 3);
	cr_expect_eq(bind_gpu_of_rank(0, 1, 0), -1);
}

Test(bind, list_groups)
{
	int *v = NULL;
	cr_expect_eq(bind_list_ngroups("0-3,8:4-7"), 2);
	cr_assert_eq(bind_list_group("0-3,8:4-7", 0, &v), 5);
	cr_expect_eq(v[4], 8);
	free(v);
	cr_assert_eq(bind_list_group("0-3,8:4-7", 1, &v), 4);
	cr_expect_eq(v[0], 4);
	free(v);
	cr_expect_eq(bind_list_group("0-3", 1, &v), -1, "no group 1");
	cr_expect_eq(bind_list_group("3-1", 0, &v), -1, "descending");
	cr_expect_eq(bind_list_group("x", 0, &v), -1);
	cr_expect_eq(bind_list_group("1,,2", 0, &v), -1);
}

Test(bind, format_ranges)
{
	int v[] = { 8, 0, 1, 2, 3, 10, 11, 5 };
	char *s = bind_format_ranges(v, NITEMS(v));
	cr_expect_str_eq(s, "0-3,5,8,10-11");
	free(s);
}
