/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for finding the job of a shell without the job's variables
 * (jobfind.c), on canned qselect, qstat and squeue output, and for the
 * answer cache (qcache.c) in a temporary directory.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "fakeio.h"
#include "jobfind.h"
#include "qcache.h"
#include "util.h"

/* ---- canned output (as OpenPBS 23.06 and Slurm 22.05 print it) ---- */

static const char qstat_json[] =
	"{\n\t\"timestamp\":\t1796591007,\n\t\"pbs_version\":\t\"23.06.06\",\n"
	"\t\"pbs_server\":\t\"pbsn1\",\n\t\"Jobs\":\t{\n"
	"\t\t\"3.pbsn1\":\t{\n\t\t\t\"Job_Name\":\t\"STDIN\",\n"
	"\t\t\t\"Job_Owner\":\t\"alice@pbsn1\",\n"
	"\t\t\t\"job_state\":\t\"R\",\n"
	"\t\t\t\"exec_host\":\t\"pbsn1/1*2+pbsn2/1*2\",\n"
	"\t\t\t\"exec_vnode\":\t\"(pbsn1:ncpus=2)+(pbsn2:ncpus=2)\",\n"
	"\t\t\t\"Resource_List\":\t{\n\t\t\t\t\"mpiprocs\":\t4,\n\t\t\t\t\"ncpus\":\t4,\n"
	"\t\t\t\t\"nodect\":\t2,\n\t\t\t\t\"place\":\t\"scatter\",\n"
	"\t\t\t\t\"select\":\t\"2:ncpus=2:mpiprocs=2\"\n\t\t\t},\n"
	"\t\t\t\"Variable_List\":\t{\n\t\t\t\t\"PBS_O_HOME\":\t\"/home/alice\"\n\t\t\t}\n\t\t},\n"
	"\t\t\"4.pbsn1\":\t{\n"
	"\t\t\t\"Job_Owner\":\t\"alice@pbsn1\",\n"
	"\t\t\t\"job_state\":\t\"R\",\n"
	"\t\t\t\"exec_host\":\t\"pbsn3/0\",\n"
	"\t\t\t\"Resource_List\":\t{\n\t\t\t\t\"select\":\t\"1:ncpus=1\"\n\t\t\t}\n\t\t}\n"
	"\t}\n}\n";

/* What one `qstat -f -F json ID` prints for each (several ids: only the first). */
static const char qstat_json3[] =
	"{\"pbs_server\": \"pbsn1\", \"Jobs\": {\"3.pbsn1\": {\"Job_Owner\": \"alice@pbsn1\", "
	"\"job_state\": \"R\", \"exec_host\": \"pbsn1/1*2+pbsn2/1*2\", "
	"\"Resource_List\": {\"select\": \"2:ncpus=2:mpiprocs=2\", \"nodect\": 2}}}}\n";
static const char qstat_json4[] =
	"{\"pbs_server\": \"pbsn1\", \"Jobs\": {\"4.pbsn1\": {\"Job_Owner\": \"alice@pbsn1\", "
	"\"job_state\": \"R\", \"exec_host\": \"pbsn3/0\"}}}\n";

static const char qstat_text[] =
	"Job Id: 3.pbsn1\n"
	"    Job_Name = STDIN\n"
	"    Job_Owner = alice@pbsn1\n"
	"    job_state = R\n"
	"    exec_host = pbsn1/1*2+pbsn2/1*2+pbsn3/0*2+pbsn4/0*2+pbsn5/0*2+pbsn6/0*2+pb\n"
	"\tsn7/0*2\n"
	"    Resource_List.select = 7:ncpus=2:mpiprocs=3\n"
	"\n"
	"Job Id: 9.pbsn1\n"
	"    Job_Owner = bob@pbsn1\n"
	"    job_state = R\n"
	"    exec_host = pbsn2/0\n";

static const char squeue_out[] =
	"1|R|2|6|6|3|gres:gpu:2|n[1-2]|\n"
	"2|R|1|2|2|0|N/A|n3|\n"
	"3|R|3|12|5|0|gres/gpu:a100:4|n[2,4-5]|\n";

/* ---- readers ---- */

Test(jobfind, squeue_jobs_on_this_host_with_slots_gpus_cpus)
{
	struct found_jobs js = { 0 };
	char *err = NULL;
	cr_assert_eq(jobfind_read_squeue(squeue_out, "n2.cluster", &js, &err), 0);
	cr_assert_eq(js.n, 2);
	cr_expect_str_eq(js.v[0].id, "1");
	cr_expect_eq(js.v[0].sched, SCHED_SLURM);
	cr_expect_eq(js.v[0].hosts.n, 2);
	cr_expect_str_eq(js.v[0].hosts.v[1].name, "n2");
	cr_expect_eq(js.v[0].hosts.v[0].slots, 3);      /* NTPerNode */
	cr_expect_eq(js.v[0].ngpu_per_host, 2);
	cr_expect_eq(js.v[0].cpus_per_host, 3);
	cr_expect_str_eq(js.v[1].id, "3");
	cr_expect_eq(js.v[1].hosts.n, 3);
	/* 5 tasks on 3 nodes: 2, 2, 1, as Slurm lays them out */
	cr_expect_eq(js.v[1].hosts.v[0].slots, 2);
	cr_expect_eq(js.v[1].hosts.v[1].slots, 2);
	cr_expect_eq(js.v[1].hosts.v[2].slots, 1);
	cr_expect_eq(js.v[1].ngpu_per_host, 4);
	cr_expect_eq(js.v[1].cpus_per_host, 4);
	found_jobs_free(&js);
}

/* Every GPU string Slurm writes: env variables and squeue's tres-per-node. */
Test(jobfind, slurm_gpu_strings)
{
	static const struct { const char *v; int tres; long want; } ok[] = {
		{ "4", 0, 4 }, { "a100:4", 0, 4 }, { "gpu:a100:2", 0, 2 }, { "gpu:3", 0, 3 },
		{ "a100:2,v100:1", 0, 3 }, { "4(IDX:0-3)", 0, 4 }, { "0", 0, 0 },
		{ "gpu:a100:2(IDX:0,2)", 0, 2 }, { "a100:2(IDX:0,2),v100:1(IDX:3)", 0, 3 },
		{ "gres:gpu:2", 1, 2 }, { "gres/gpu:a100:4", 1, 4 }, { "gres/gpu=4", 1, 4 },
		{ "gres/gpu:a100:2,gres/gpu:v100:1", 1, 3 },
		{ "gres/gpu=4,gres/gpu:a100=4", 1, 4 },          /* one request, named twice */
		{ "cpu=2,gres/gpu:2,gres/shard:8", 1, 2 },         /* other resources */
	};
	static const struct { const char *v; int tres; } bad[] = {
		{ "x", 0 }, { "a100", 0 }, { "a100:x", 0 }, { "-1", 0 }, { "a:b:c:4", 0 },
		{ "a100:2,v100", 0 }, { "99999999", 0 }, { "N/A", 1 }, { "gres/shard:2", 1 }, { "", 0 },
		{ "gres/gpu:a100:x", 1 }, { "600000,600000", 0 },
	};
	for (size_t i = 0; i < NITEMS(ok); i++) {
		long n = -1;
		cr_expect_eq(slurm_gpus_count(ok[i].v, ok[i].tres, &n), 0, "'%s' refused", ok[i].v);
		cr_expect_eq(n, ok[i].want, "'%s': %ld", ok[i].v, n);
	}
	for (size_t i = 0; i < NITEMS(bad); i++) {
		long n = -1;
		cr_expect_eq(slurm_gpus_count(bad[i].v, bad[i].tres, &n), -1, "'%s' taken as %ld",
		    bad[i].v, n);
	}
}

Test(jobfind, squeue_other_hosts_states_and_noise)
{
	struct found_jobs js = { 0 };
	char *err = NULL;
	cr_assert_eq(jobfind_read_squeue("4|CG|1|1|1|0|N/A|login1|\n"
	    "squeue: error: something\n5|R|1|1|1|0|N/A|n7|\n", "login1", &js, &err), 0);
	cr_expect_eq(js.n, 0, "a completing job and another host's job are not this host's");
	cr_assert_eq(jobfind_read_squeue("", "n1", &js, &err), 0);
	cr_expect_eq(js.n, 0);
	/* An squeue that ignored the '|' separators (an old version) */
	cr_expect_eq(jobfind_read_squeue("1      R     2    n[1-2]\n", "n1", &js, &err), -1);
	cr_expect_not_null(strstr(err, "unexpected line '1      R"), "%s", err);
	free(err);
	found_jobs_free(&js);
}

Test(jobfind, qstat_json_jobs_of_the_user_on_this_host)
{
	struct found_jobs js = { 0 };
	char *err = NULL;
	cr_assert_eq(jobfind_read_qstat_json(qstat_json, "pbsn2", "alice", &js, &err), 0, "%s", err);
	cr_assert_eq(js.n, 1);
	cr_expect_str_eq(js.v[0].id, "3.pbsn1");
	cr_expect_eq(js.v[0].sched, SCHED_PBS);
	cr_assert_eq(js.v[0].hosts.n, 2);
	cr_expect_str_eq(js.v[0].hosts.v[0].name, "pbsn1");
	cr_expect_str_eq(js.v[0].hosts.v[1].name, "pbsn2");
	cr_expect_eq(js.v[0].hosts.v[0].slots, 2, "mpiprocs=2 per chunk");
	found_jobs_free(&js);
	cr_assert_eq(jobfind_read_qstat_json(qstat_json, "pbsn2", "bob", &js, &err), 0);
	cr_expect_eq(js.n, 0, "alice's jobs are not bob's");
	found_jobs_free(&js);
	cr_assert_eq(jobfind_read_qstat_json(qstat_json, "PBSN3.example.org", "alice", &js, &err), 0);
	cr_assert_eq(js.n, 1, "short names, any case");
	cr_expect_eq(js.v[0].hosts.v[0].slots, 1, "no mpiprocs: one per chunk");
	found_jobs_free(&js);
	/* a job that ended between qselect and qstat: no "Jobs" */
	cr_expect_eq(jobfind_read_qstat_json("{\"pbs_server\": \"pbsn1\"}", "pbsn2", "alice", &js,
	    &err), 0);
	cr_expect_eq(js.n, 0);
	cr_expect_eq(jobfind_read_qstat_json("qstat: illegal option -- F\nusage: ...", "pbsn2",
	    "alice", &js, &err), -1);
	free(err);
	found_jobs_free(&js);
}

Test(jobfind, qstat_text_with_folded_exec_host)
{
	struct found_jobs js = { 0 };
	char *err = NULL;
	cr_assert_eq(jobfind_read_qstat_text(qstat_text, "pbsn7", "alice", &js, &err), 0, "%s", err);
	cr_assert_eq(js.n, 1);
	cr_expect_str_eq(js.v[0].id, "3.pbsn1");
	cr_assert_eq(js.v[0].hosts.n, 7, "the tab-continued line is joined");
	cr_expect_str_eq(js.v[0].hosts.v[6].name, "pbsn7");
	cr_expect_eq(js.v[0].hosts.v[6].slots, 3);
	found_jobs_free(&js);
	cr_assert_eq(jobfind_read_qstat_text(qstat_text, "pbsn2", "bob", &js, &err), 0);
	cr_expect_eq(js.n, 1);
	found_jobs_free(&js);
	cr_expect_eq(jobfind_read_qstat_text("Connection refused\n", "pbsn2", "bob", &js, &err), -1);
	free(err);
	found_jobs_free(&js);
}

Test(jobfind, qselect_ids)
{
	struct strvec ids = STRVEC_INIT;
	jobfind_read_qselect("3.pbsn1\n20[1].pbsn1\n\n", &ids);
	cr_assert_eq(ids.n, 2);
	cr_expect_str_eq(ids.v[1], "20[1].pbsn1");
	strvec_clear(&ids);
}

/* ---- asking, through a scripted edge ---- */

struct answer {
	const char *argv;     /* the words after the command's name, space-joined */
	int status;
	const char *out, *err;
};

struct script {
	struct fakeio *f;               /* files, other commands and hwloc; or NULL */
	const char *const *path;        /* names on PATH */
	const struct answer *answers;
	int asked;                      /* queries made */
	char last[512];
	struct job_io io;
};

static char *
s_which(void *ctx, const char *name)
{
	struct script *s = ctx;
	for (const char *const *p = s->path; p && *p; p++)
		if (streq(*p, name))
			return xasprintf("/opt/bin/%s", name);
	return NULL;
}

static void
s_query(void *ctx, char *const *argv, struct query_answer *a)
{
	struct script *s = ctx;
	char words[512] = "";
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	snprintf(words, sizeof words, "%s", base);
	for (size_t i = 1; argv[i]; i++)
		snprintf(words + strlen(words), sizeof words - strlen(words), " %s", argv[i]);
	s->asked++;
	snprintf(s->last, sizeof s->last, "%s", words);
	memset(a, 0, sizeof *a);
	a->age_s = -1;
	a->timeout_s = 10;
	for (const struct answer *x = s->answers; x && x->argv; x++)
		if (streq(x->argv, words)) {
			a->status = x->status;
			a->out = x->out ? xstrdup(x->out) : NULL;
			a->err = x->err ? xstrdup(x->err) : NULL;
			return;
		}
	a->status = 1;
	a->err = xasprintf("unscripted: %s", words);
}

static char *
s_read(void *ctx, const char *path, size_t max, size_t *len, const char **why)
{
	struct script *s = ctx;
	return s->f->io.read(s->f, path, max, len, why);
}

static int
s_run(void *ctx, char *const *argv, char **out)
{
	struct script *s = ctx;
	return s->f->io.run(s->f, argv, out);
}

static const struct topo *
s_topo(void *ctx, char **err)
{
	struct script *s = ctx;
	return s->f->io.topo(s->f, err);
}

static char *
s_user(void *ctx)
{
	(void)ctx;
	return xstrdup("alice");
}

static void
script_init(struct script *s, const char *const *path, const struct answer *answers)
{
	memset(s, 0, sizeof *s);
	s->path = path;
	s->answers = answers;
	s->io = (struct job_io){ s, s_read, s_run, s_which, s_topo, s_query, s_user, NULL, NULL };
}

#define SQUEUE "squeue -h -u alice -t R -O JobID:|,StateCompact:|,NumNodes:|,NumCPUs:|," \
	"NumTasks:|,NTPerNode:|,tres-per-node:|,NodeList:|"

static const char *const pbs_path[] = { "qstat", "qselect", NULL };
static const char *const slurm_path[] = { "squeue", "srun", NULL };

static const struct answer pbs_one[] = {
	{ "qselect -u alice -s R -T", 0, "3.pbsn1\n4.pbsn1\n", "" },
	{ "qstat -f -F json 3.pbsn1", 0, qstat_json3, "" },
	{ "qstat -f -F json 4.pbsn1", 0, qstat_json4, "" },
	{ NULL, 0, NULL, NULL }
};

Test(jobfind, laptop_asks_nothing)
{
	static const char *const none[] = { "mpirun", NULL };
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, none, NULL);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "laptop", NULL, NULL, &s.io, &err), 0);
	cr_expect_null(jf.job);
	cr_expect_null(jf.note, "nothing to say where there is no scheduler");
	cr_expect_eq(s.asked, 0);
	jobfind_free(&jf);
}

Test(jobfind, pbs_job_found)
{
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, pbs_path, pbs_one);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "pbsn2", NULL, NULL, &s.io, &err), 0, "%s", err);
	cr_assert_not_null(jf.job, "%s", jf.note);
	cr_expect_str_eq(jf.job->id, "3.pbsn1");
	cr_expect_str_eq(jf.job->source, "a running job of alice on pbsn2");
	cr_expect_null(jf.how);
	cr_expect_eq(s.asked, 3, "qselect, then one qstat -f -F json per job");
	jobfind_free(&jf);
}

Test(jobfind, pbs_many_jobs_in_one_qstat_text)
{
	static const struct answer a[] = {
		{ "qselect -u alice -s R -T", 0, "1.s\n2.s\n3.pbsn1\n4.s\n5.s\n6.s\n7.s\n8.s\n9.s\n", "" },
		{ "qstat -f 1.s 2.s 3.pbsn1 4.s 5.s 6.s 7.s 8.s 9.s", 0, qstat_text, "" },
		{ NULL, 0, NULL, NULL }
	};
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, pbs_path, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "pbsn4", NULL, NULL, &s.io, &err), 0, "%s", err);
	cr_assert_not_null(jf.job, "%s", jf.note);
	cr_expect_str_eq(jf.job->id, "3.pbsn1");
	cr_expect_eq(s.asked, 2);
	jobfind_free(&jf);
}

Test(jobfind, slurm_is_asked_only_when_pbs_has_no_job_here)
{
	static const char *const both[] = { "qstat", "qselect", "squeue", NULL };
	static const struct answer a[] = {
		{ "qselect -u alice -s R -T", 0, "3.pbsn1\n", "" },
		{ "qstat -f -F json 3.pbsn1", 0, qstat_json3, "" },
		{ SQUEUE, 1, "", "squeue: error: resolve_ctls_from_dns_srv: res_nsearch error\n" },
		{ NULL, 0, NULL, NULL }
	};
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, both, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "pbsn1", NULL, NULL, &s.io, &err), 0, "%s", err);
	cr_assert_not_null(jf.job);
	cr_expect_eq(s.asked, 2);
	jobfind_free(&jf);
	script_init(&s, both, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "pbsn9", NULL, NULL, &s.io, &err), 0, "%s", err);
	cr_expect_null(jf.job);
	cr_expect_str_eq(jf.note, "none of alice's 1 running PBS job runs on pbsn9 (qstat); "
	    "squeue: exit 1: squeue: error: resolve_ctls_from_dns_srv: res_nsearch error");
	cr_expect_eq(s.asked, 3);
	jobfind_free(&jf);
}

Test(jobfind, pbs_no_running_job)
{
	static const struct answer a[] = { { "qselect -u alice -s R -T", 0, "", "" }, { NULL, 0, NULL, NULL } };
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, pbs_path, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "login1", NULL, NULL, &s.io, &err), 0);
	cr_expect_null(jf.job);
	cr_expect_str_eq(jf.note, "alice has no running PBS job (qselect)");
	cr_expect_eq(jf.failed, 0);
	cr_expect_eq(s.asked, 1, "no qstat when qselect names no job");
	jobfind_free(&jf);
	script_init(&s, pbs_path, pbs_one);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "login1", NULL, NULL, &s.io, &err), 0);
	cr_expect_str_eq(jf.note, "none of alice's 2 running PBS jobs runs on login1 (qstat)");
	jobfind_free(&jf);
}

Test(jobfind, pbs_without_json_reads_the_text)
{
	static const struct answer a[] = {
		{ "qselect -u alice -s R -T", 0, "3.pbsn1\n", "" },
		{ "qstat -f -F json 3.pbsn1", 2, "", "qstat: illegal option -- F\n" },
		{ "qstat -f 3.pbsn1", 0, qstat_text, "" },
		{ NULL, 0, NULL, NULL }
	};
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, pbs_path, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_PBS, "pbsn5", NULL, NULL, &s.io, &err), 0);
	cr_assert_not_null(jf.job, "%s", jf.note);
	cr_expect_eq(jf.job->hosts.n, 7);
	cr_expect_eq(s.asked, 3);
	jobfind_free(&jf);
}

Test(jobfind, two_jobs_are_an_error_naming_both)
{
	static const struct answer a[] = { { SQUEUE, 0, squeue_out, "" }, { NULL, 0, NULL, NULL } };
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, slurm_path, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", NULL, NULL, &s.io, &err), -1);
	cr_expect_str_eq(err, "2 running jobs of alice on n2: 1, 3; choose one with --job ID or "
	    "EZPZ_JOBID=ID");
	free(err);
	err = NULL;
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", "3", "option:--job", &s.io, &err), 0);
	cr_assert_not_null(jf.job);
	cr_expect_str_eq(jf.job->id, "3");
	cr_expect_str_eq(jf.how, "option:--job");
	jobfind_free(&jf);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", "1", "env:EZPZ_JOBID", &s.io, &err), 0);
	cr_expect_str_eq(jf.job->id, "1");
	cr_expect_str_eq(jf.how, "env:EZPZ_JOBID");
	jobfind_free(&jf);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", "2", "option:--job", &s.io, &err), -2);
	cr_expect_str_eq(err, "--job 2: not a running job of alice on n2 (running here: 1, 3)");
	free(err);
	err = NULL;
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", "9", "env:EZPZ_JOBID", &s.io, &err), -1);
	cr_expect_not_null(strstr(err, "(EZPZ_JOBID=9 is none of them)"), "%s", err);
	free(err);
}

Test(jobfind, pbs_ids_compare_up_to_the_dot)
{
	static const struct answer a[] = {
		{ "qselect -u alice -s R -T", 0, "3.pbsn1\n5.pbsn1\n", "" },
		{ "qstat -f -F json 3.pbsn1", 0, "{\"Jobs\": {\"3.pbsn1\": {\"Job_Owner\": \"alice@x\", "
		  "\"job_state\": \"R\", \"exec_host\": \"pbsn2/0\"}}}", "" },
		{ "qstat -f -F json 5.pbsn1", 153, "{\"Jobs\": {\"5.pbsn1\": {\"Job_Owner\": \"alice@x\", "
		  "\"job_state\": \"R\", \"exec_host\": \"pbsn2/1\"}}}", "qstat: Unknown Job Id 6.pbsn1\n" },
		{ NULL, 0, NULL, NULL }
	};
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, pbs_path, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "pbsn2", "5", "option:--job", &s.io, &err), 0,
	    "%s", err);
	cr_expect_str_eq(jf.job->id, "5.pbsn1");
	jobfind_free(&jf);
}

Test(jobfind, a_scheduler_that_fails_or_hangs_means_no_job_with_the_reason)
{
	static const struct answer hang[] = { { SQUEUE, QUERY_TIMEOUT, "", "" }, { NULL, 0, NULL, NULL } };
	static const struct answer fail[] = {
		{ SQUEUE, 1, "", "squeue: error: Unable to contact slurm controller (connect failure)\n" },
		{ NULL, 0, NULL, NULL }
	};
	static const struct answer gone[] = { { SQUEUE, QUERY_NOT_RUN, NULL, "Permission denied" }, { NULL, 0, NULL, NULL } };
	struct script s;
	struct jobfind jf;
	char *err = NULL;

	script_init(&s, slurm_path, hang);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", NULL, NULL, &s.io, &err), 0);
	cr_expect_null(jf.job);
	cr_expect_str_eq(jf.note, "squeue: no answer within 10 s");
	cr_expect_eq(jf.failed, 1);
	jobfind_free(&jf);
	script_init(&s, slurm_path, fail);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", NULL, NULL, &s.io, &err), 0);
	cr_expect_str_eq(jf.note, "squeue: exit 1: squeue: error: Unable to contact slurm controller "
	    "(connect failure)");
	jobfind_free(&jf);
	script_init(&s, slurm_path, gone);
	cr_assert_eq(jobfind_run(&jf, SCHED_UNSET, "n2", NULL, NULL, &s.io, &err), 0);
	cr_expect_str_eq(jf.note, "squeue: cannot run it: Permission denied");
	jobfind_free(&jf);
}

Test(jobfind, only_the_forced_scheduler_is_asked)
{
	static const char *const both[] = { "qstat", "qselect", "squeue", NULL };
	static const struct answer a[] = { { SQUEUE, 0, squeue_out, "" }, { NULL, 0, NULL, NULL } };
	struct script s;
	struct jobfind jf;
	char *err = NULL;
	script_init(&s, both, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_SLURM, "n3", NULL, NULL, &s.io, &err), 0, "%s", err);
	cr_assert_not_null(jf.job);
	cr_expect_str_eq(jf.job->id, "2");
	cr_expect_eq(s.asked, 1);
	cr_expect_str_eq(s.last, SQUEUE);
	jobfind_free(&jf);
	script_init(&s, slurm_path, a);
	cr_assert_eq(jobfind_run(&jf, SCHED_PBS, "n3", NULL, NULL, &s.io, &err), 0);
	cr_expect_str_eq(jf.note, "qstat: not found on PATH");
	cr_expect_eq(s.asked, 0);
	jobfind_free(&jf);
}

/* ---- job_detect with a found job ---- */

struct det {
	struct script s;
	struct fakeio f;
	struct profiles ps;
	struct job job;
	char *err;
	int rc;
};

static void
detect_job(struct det *d, char **env, const char *host, const struct job_opts *o,
    const char *const *path, const struct answer *answers)
{
	static const struct job_opts none = { 0 };
	static const struct fake_cmd no_cmds[] = { { NULL, NULL, NULL, 0 } };
	memset(d, 0, sizeof *d);
	fakeio_init(&d->f, no_cmds, "synthetic-nogpu.xml");
	script_init(&d->s, path, answers);
	d->s.f = &d->f;
	load_builtin_profiles(&d->ps);
	d->rc = job_detect(&d->job, env, host, &d->ps, o ? o : &none, &d->s.io, &d->err);
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

Test(jobfind, detect_slurm_job_from_squeue)
{
	static const struct answer a[] = { { SQUEUE, 0, squeue_out, "" }, { NULL, 0, NULL, NULL } };
	char *env[] = { "PATH=/opt/bin", "NGPU_PER_HOST=", NULL };
	struct det d;
	detect_job(&d, env, "n3", NULL, slurm_path, a);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_SLURM);
	cr_expect_str_eq(d.job.jobid, "2");
	cr_expect_str_eq(d.job.src.scheduler.text, "squeue (a running job of alice on n3)");
	cr_expect_str_eq(d.job.src.jobid.text, "squeue");
	cr_expect_str_eq(d.job.src.hosts.text, "squeue");
	cr_expect_eq(d.job.hosts.n, 1);
	cr_expect_eq(d.job.hosts.v[0].slots, 2);
	cr_expect_eq(d.job.cpus_per_host, 2);
	cr_expect_eq(d.job.launcher, LAUNCHER_SRUN);
	det_free(&d);
}

Test(jobfind, detect_gpus_from_squeue_and_choice_in_sources)
{
	static const struct answer a[] = { { SQUEUE, 0, squeue_out, "" }, { NULL, 0, NULL, NULL } };
	char *env[] = { "PATH=/opt/bin", NULL };
	struct job_opts o = { 0 };
	struct det d;
	o.job = "3";
	detect_job(&d, env, "n2", &o, slurm_path, a);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_str_eq(d.job.jobid, "3");
	cr_expect_str_eq(d.job.src.jobid.text, "squeue (chosen by --job)");
	cr_expect_eq(d.job.ngpu_per_host, 4);
	cr_expect_str_eq(d.job.src.ngpu_per_host.text, "squeue");
	det_free(&d);
}

Test(jobfind, detect_pbs_job_hosts_from_exec_host_without_the_spool_file)
{
	char *env[] = { "PATH=/opt/bin", "PBS_HOME=/nonexistent/pbs", NULL };
	struct det d;
	detect_job(&d, env, "pbsn2", NULL, pbs_path, pbs_one);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_PBS);
	cr_expect_str_eq(d.job.jobid, "3");
	cr_expect_str_eq(d.job.src.jobid.text, "qstat");
	cr_expect_str_eq(d.job.src.hosts.text, "qstat");
	cr_expect_null(d.job.hostfile);
	cr_assert_eq(d.job.hosts.n, 2);
	cr_expect_eq(d.job.hosts.v[1].slots, 2);
	det_free(&d);
}

Test(jobfind, detect_pbs_job_hosts_from_the_spool_file_named_in_pbs_conf)
{
	char dir[] = "/tmp/ezpz-jobfind-XXXXXX", *conf, *aux, *confvar;
	FILE *fp;
	struct det d;
	cr_assert_not_null(mkdtemp(dir));
	conf = xasprintf("%s/pbs.conf", dir);
	aux = xasprintf("%s/aux", dir);
	mkdir(aux, 0755);
	free(aux);
	aux = xasprintf("%s/aux/3.pbsn1", dir);
	fp = fopen(conf, "w");
	fprintf(fp, "PBS_EXEC=/opt/pbs\nPBS_HOME=%s\n", dir);
	fclose(fp);
	fp = fopen(aux, "w");
	fputs("pbsn1\npbsn1\npbsn2\npbsn2\n", fp);
	fclose(fp);
	confvar = xasprintf("PBS_CONF_FILE=%s", conf);
	{
		char *env[] = { "PATH=/opt/bin", confvar, NULL };
		detect_job(&d, env, "pbsn2", NULL, pbs_path, pbs_one);
	}
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_str_eq(d.job.src.hosts.text, "pbs spool");
	cr_expect_str_eq(d.job.hostfile, aux);
	cr_expect_eq(d.job.hosts.v[0].slots, 2);
	det_free(&d);
	unlink(aux);
	unlink(conf);
	free(aux);
	aux = xasprintf("%s/aux", dir);
	rmdir(aux);
	rmdir(dir);
	free(aux);
	free(conf);
	free(confvar);
}

Test(jobfind, detect_no_job_says_why_in_sources)
{
	static const struct answer a[] = { { SQUEUE, QUERY_TIMEOUT, "", "" }, { NULL, 0, NULL, NULL } };
	char *env[] = { "PATH=/opt/bin", NULL };
	struct det d;
	detect_job(&d, env, "n2", NULL, slurm_path, a);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.job.sched, SCHED_LOCAL);
	cr_expect_str_eq(d.job.src.scheduler.text, "no job found; squeue: no answer within 10 s");
	cr_expect_eq(d.job.find_failed, 1);
	det_free(&d);
}

Test(jobfind, detect_with_job_variables_or_scheduler_local_asks_nothing)
{
	static const struct answer a[] = { { SQUEUE, 0, squeue_out, "" }, { NULL, 0, NULL, NULL } };
	char *in_job[] = { "PATH=/opt/bin", "SLURM_JOB_ID=1", "SLURM_JOB_NODELIST=n[1-2]", NULL };
	char *local[] = { "PATH=/opt/bin", "EZPZ_SCHEDULER=local", NULL };
	struct job_opts o = { 0 };
	struct det d;
	detect_job(&d, in_job, "n2", NULL, slurm_path, a);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.s.asked, 0);
	cr_expect_str_eq(d.job.src.jobid.text, "env:SLURM_JOB_ID");
	det_free(&d);
	o.job = "3";
	detect_job(&d, in_job, "n2", &o, slurm_path, a);
	cr_expect_eq(d.rc, -2);
	cr_expect_str_eq(d.err, "--job 3: this shell is in job 1 (its scheduler's variables say so)");
	det_free(&d);
	detect_job(&d, local, "n2", NULL, slurm_path, a);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_eq(d.s.asked, 0);
	cr_expect_eq(d.job.sched, SCHED_LOCAL);
	det_free(&d);
}

Test(jobfind, detect_exported_facts_of_the_found_job_are_kept_others_dropped)
{
	static const struct answer a[] = { { SQUEUE, 0, squeue_out, "" }, { NULL, 0, NULL, NULL } };
	char *same[] = { "PATH=/opt/bin", "EZPZ_JOBID=2", "NGPU_PER_HOST=1", NULL };
	char *other[] = { "PATH=/opt/bin", "EZPZ_JOBID=77", "NGPU_PER_HOST=1", NULL };
	struct det d;
	detect_job(&d, same, "n3", NULL, slurm_path, a);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_null(d.job.stale_note);
	cr_expect_eq(d.job.ngpu_per_host, 1);
	det_free(&d);
	detect_job(&d, other, "n3", NULL, slurm_path, a);
	cr_assert_eq(d.rc, 0, "%s", d.err);
	cr_expect_str_eq(d.job.jobid, "2");
	cr_assert_not_null(d.job.stale_note);
	cr_expect_not_null(strstr(d.job.stale_note, "ignoring NGPU_PER_HOST: 'ezpz setup-env' exported it for job 77, but this is job 2"),
	    "%s", d.job.stale_note);
	det_free(&d);
}

/* ---- the cache ---- */

static char cdir[64];

static void
cache_setup(void)
{
	snprintf(cdir, sizeof cdir, "/tmp/ezpz-qcache-XXXXXX");
	cr_assert_not_null(mkdtemp(cdir));
}

static void
cache_teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", cdir);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", cdir);
	free(cmd);
}

static char *
only_file(void)
{
	char *cmd = xasprintf("ls %s/ezpz-*/q-* %s/ezpz/q-* 2>/dev/null | head -1", cdir, cdir);
	FILE *p = popen(cmd, "r");
	char buf[512] = "";
	if (p && fgets(buf, sizeof buf, p))
		buf[strcspn(buf, "\n")] = '\0';
	if (p)
		pclose(p);
	free(cmd);
	return xstrdup(buf);
}

Test(qcache, round_trip_expiry_and_strangers, .init = cache_setup, .fini = cache_teardown)
{
	char *tmpdir = xasprintf("TMPDIR=%s", cdir), *env[] = { tmpdir, NULL }, *dir, *file;
	struct query_answer a = { 3, "out\n", "err\n", 10, -1 }, b;
	struct stat st;
	struct timeval old[2] = { { 1000, 0 }, { 1000, 0 } };

	dir = qcache_dir(env);
	cr_assert_not_null(dir);
	cr_assert_eq(stat(dir, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0700);
	qcache_store(dir, "squeue\n-h", &a);
	memset(&b, 0, sizeof b);
	cr_assert_eq(qcache_load(dir, "squeue\n-h", 30, &b), 1);
	cr_expect_eq(b.status, 3);
	cr_expect_str_eq(b.out, "out\n");
	cr_expect_str_eq(b.err, "err\n");
	cr_expect_geq(b.age_s, 0);
	free(b.out);
	free(b.err);
	cr_expect_eq(qcache_load(dir, "squeue\n-H", 30, &b), 0, "another question");
	file = only_file();
	cr_assert_str_neq(file, "");
	cr_assert_eq(stat(file, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	/* too old */
	utimes(file, old);
	cr_expect_eq(qcache_load(dir, "squeue\n-h", 30, &b), 0);
	/* a second ahead of time(2) (the kernel's clock at a second's edge,
	 * an NFS server's): written now; an hour ahead: a clock set back */
	qcache_store(dir, "squeue\n-h", &a);
	{
		struct timeval soon[2] = { { time(NULL) + 2, 0 }, { time(NULL) + 2, 0 } };
		struct timeval later[2] = { { time(NULL) + 3600, 0 }, { time(NULL) + 3600, 0 } };
		utimes(file, soon);
		cr_expect_eq(qcache_load(dir, "squeue\n-h", 30, &b), 1, "2 s ahead");
		cr_expect_eq(b.age_s, 0);
		free(b.out);
		free(b.err);
		utimes(file, later);
		cr_expect_eq(qcache_load(dir, "squeue\n-h", 30, &b), 0, "an hour ahead");
	}
	/* another user's file */
	qcache_store(dir, "squeue\n-h", &a);
	cr_assert_eq(qcache_load(dir, "squeue\n-h", 30, &b), 1);
	free(b.out);
	free(b.err);
	if (geteuid() == 0) {
		cr_assert_eq(chown(file, 65534, 65534), 0);
		cr_expect_eq(qcache_load(dir, "squeue\n-h", 30, &b), 0, "not our own file");
		cr_assert_eq(chown(file, 0, 0), 0);
	}
	/* writable by others */
	chmod(file, 0622);
	cr_expect_eq(qcache_load(dir, "squeue\n-h", 30, &b), 0);
	chmod(file, 0600);
	/* malformed: cut short */
	cr_assert_eq(truncate(file, 20), 0);
	cr_expect_eq(qcache_load(dir, "squeue\n-h", 30, &b), 0);
	/* a directory others can enter is not used */
	chmod(dir, 0755);
	cr_expect_null(qcache_dir(env));
	free(file);
	free(dir);
	free(tmpdir);
}
