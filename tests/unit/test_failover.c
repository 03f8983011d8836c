/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for failover.c: each launcher's report of the first failed
 * rank (srun, PALS, Hydra, Open MPI 4 and 5, ezpz rankenv), the machine
 * patterns (Aurora's shepherd line and gloo's peer address, resolved
 * through the fake edge), cascades that prove nothing, and the outcome of
 * an attempt: success, scheduler, stuck, node failure, program error.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "failover.h"
#include "fakeio.h"
#include "util.h"

struct scan_case {
	const char *what, *text;
	long rank;
	const char *host;   /* NULL: none said */
	int code, sig;
};

static const struct scan_case scans[] = {
	{ "srun exit", "hello\nsrun: error: n2: task 3: Exited with exit code 3\n", 3, "n2", 3, 0 },
	{ "srun tasks", "srun: error: n1: tasks 0-1: Killed\n", 0, "n1", -1, SIGKILL },
	{ "PALS exit", "x1.hsn.cm.aurora.alcf.anl.gov: rank 5 exited with code 1\n", 5,
	  "x1.hsn.cm.aurora.alcf.anl.gov", 1, 0 },
	{ "PALS signal", "x2: rank 7 died from signal 9\n", 7, "x2", -1, 9 },
	{ "Hydra", "=====\n=   BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES\n"
	  "=   RANK 1 PID 4242 RUNNING AT n2\n=   KILLED BY SIGNAL: 9 (Killed)\n=====\n", 1, "n2", -1, 9 },
	{ "Hydra exit", "=   RANK 2 PID 1 RUNNING AT n3\n=   EXIT CODE: 4\n", 2, "n3", 4, 0 },
	{ "Open MPI 4", "mpirun detected that one or more processes exited with non-zero status, thus causing\n"
	  "the job to be terminated. The first process to do so was:\n\n  Process name: [[4242,1],2]\n"
	  "  Exit code:    3\n", 2, NULL, 3, 0 },
	{ "Open MPI 5", "  Process name: [prterun-h-123@1,1]\n  Exit code:    5\n", 1, NULL, 5, 0 },
	{ "Open MPI signal", "mpirun noticed that process rank 1 with PID 0 on node n2 exited on signal 9 (Killed).\n",
	  1, "n2", -1, 9 },
	{ "rankenv, then Open MPI names the same rank", "ezpz rankenv: rank 2 on node2: exited with status 3\n"
	  "  Process name: [[4242,1],2]\n  Exit code:    3\n", 2, "node2", 3, 0 },
	{ "Open MPI, then rankenv gives the host", "  Process name: [[4242,1],2]\n  Exit code:    3\n"
	  "ezpz rankenv: rank 2 on node2: exited with status 3\n", 2, "node2", 3, 0 },
	{ "labelled rankenv", "3: ezpz rankenv: rank 3 on n4: killed by signal 6\n", 3, "n4", -1, 6 },
};

Test(failover, first_rank_each_launcher)
{
	for (size_t i = 0; i < NITEMS(scans); i++) {
		const struct scan_case *c = &scans[i];
		struct rank_fails f;
		failover_scan_ranks(c->text, &f);
		cr_assert_geq(f.n, 1, "%s: no report found", c->what);
		cr_expect_eq(f.v[0].rank, c->rank, "%s: rank %ld", c->what, f.v[0].rank);
		if (c->host)
			cr_expect_str_eq(f.v[0].host ? f.v[0].host : "(null)", c->host, "%s", c->what);
		else
			cr_expect_null(f.v[0].host, "%s", c->what);
		cr_expect_eq(f.v[0].code, c->code, "%s: code %d", c->what, f.v[0].code);
		cr_expect_eq(f.v[0].sig, c->sig, "%s: sig %d", c->what, f.v[0].sig);
		rank_fails_free(&f);
	}
}

Test(failover, nothing_reported)
{
	struct rank_fails f;
	failover_scan_ranks("all good\nrank 0 ok\n", &f);
	cr_expect_eq(f.n, 0);
	rank_fails_free(&f);
}

static struct strvec
aurora_patterns(void)
{
	struct profiles ps = PROFILES_INIT;
	struct strvec out = STRVEC_INIT;
	load_builtin_profiles(&ps);
	for (size_t i = 0; i < ps.n; i++)
		if (streq(ps.v[i].name, "aurora"))
			strvec_pushv(&out, ps.v[i].failover_patterns.v);
	profiles_free(&ps);
	return out;
}

static const char *const addrs[] = { "10.115.3.7", "x4102c5s2b0n0.hsn.cm.aurora.alcf.anl.gov", NULL };

Test(failover, aurora_patterns)
{
	struct fakeio fio;
	struct strvec pats = aurora_patterns(), hosts = STRVEC_INIT;
	char *err = NULL;
	cr_assert_eq(pats.n, 2, "Aurora's profile has its two patterns");
	fakeio_init(&fio, NULL, NULL);
	fio.addrs = addrs;
	cr_assert_eq(failover_scan_patterns(
	    "x4000c0s0b0n0.hsn.cm.aurora.alcf.anl.gov: rank 3 died from signal 15\n"
	    "x4000c0s1b0n0.hsn.cm.aurora.alcf.anl.gov: rank 4 died from signal 11\n"
	    "x4105c0s4b0n0.hsn.cm.aurora.alcf.anl.gov: shepherd died from signal 9\n"
	    "RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer [10.115.3.7]:23456\n"
	    "RuntimeError: [gloo] Connection closed by peer [10.9.9.9]:1\n"
	    "x4105c0s4b0n0.hsn.cm.aurora.alcf.anl.gov: shepherd died from signal 9\n"
	    "x4105c0s5b0n0.hsn.cm.aurora.alcf.anl.gov: shepherd died from signal 91\n",
	    &pats, &fio.io, &hosts, &err), 0);
	cr_assert_eq(hosts.n, 2, "unique; the signal 11/15 lines, the unresolvable address and "
	    "signal 91 name no one (got %zu)", hosts.n);
	cr_expect_str_eq(hosts.v[0], "x4105c0s4b0n0.hsn.cm.aurora.alcf.anl.gov");
	cr_expect_str_eq(hosts.v[1], "x4102c5s2b0n0.hsn.cm.aurora.alcf.anl.gov");
	strvec_clear(&hosts);
	strvec_clear(&pats);
	fakeio_free(&fio);
}

Test(failover, a_pattern_matching_cascades_reads_no_cascade)
{
	struct strvec pats = STRVEC_INIT, hosts = STRVEC_INIT;
	char *err = NULL;
	strvec_push(&pats, "^([^:]+): rank [0-9]+ died from signal");
	cr_assert_eq(failover_scan_patterns("h1: rank 3 died from signal 15\nh2: rank 4 died from signal 11\n"
	    "h3: rank 5 died from signal 9\n", &pats, NULL, &hosts, &err), 0);
	cr_assert_eq(hosts.n, 1);
	cr_expect_str_eq(hosts.v[0], "h3");
	strvec_clear(&hosts);
	strvec_clear(&pats);
	strvec_push(&pats, "no group");
	cr_expect_eq(failover_scan_patterns("x\n", &pats, NULL, &hosts, &err), -1);
	cr_expect_not_null(strstr(err, "no group"));
	free(err);
	strvec_clear(&pats);
}

static char *const four[] = { "n1", "n2", "n3", "n4" };
static char *const aurora2[] = { "x4105c0s4b0n0.hostmgmt2001.cm.aurora.alcf.anl.gov",
	"x4102c5s2b0n0.hostmgmt2001.cm.aurora.alcf.anl.gov" };

struct class_case {
	const char *what;
	int status, signal, timed_out, np;
	const char *text;
	enum outcome want;
	const char *bad;    /* first host to swap, or NULL */
	int aurora;
};

static const struct class_case classes[] = {
	{ "exit 0", 0, 0, 0, 4, "ok\n", OUTCOME_SUCCESS, NULL, 0 },
	{ "ezpz got SIGTERM (walltime)", 143, SIGTERM, 0, 4, "", OUTCOME_SCHEDULER, NULL, 0 },
	{ "launcher killed by SIGTERM, nothing named", 143, 0, 0, 4, "", OUTCOME_SCHEDULER, NULL, 0 },
	{ "watchdog, no output", 124, 0, 1, 4, "", OUTCOME_STUCK, NULL, 0 },
	{ "one host's rank crashes (srun)", 3, 0, 0, 4,
	  "srun: error: n2: task 1: Exited with exit code 3\nsrun: error: n1: task 0: Terminated\n",
	  OUTCOME_NODE, "n2", 0 },
	{ "exit 1 on every host (srun)", 1, 0, 0, 4,
	  "srun: error: n1: tasks 0: Exited with exit code 1\nsrun: error: n2: task 1: Exited with exit code 1\n",
	  OUTCOME_PROGRAM, NULL, 0 },
	{ "exit 1 on every rank of one host", 1, 0, 0, 2,
	  "ezpz rankenv: rank 0 on n1: exited with status 1\nezpz rankenv: rank 1 on n1: exited with status 1\n",
	  OUTCOME_PROGRAM, NULL, 0 },
	{ "the same traceback everywhere", 1, 0, 0, 4,
	  "Traceback (most recent call last):\n  File \"t.py\", line 1\nNameError: name 'x' is not defined\n"
	  "Traceback (most recent call last):\n  File \"t.py\", line 1\nNameError: name 'x' is not defined\n",
	  OUTCOME_PROGRAM, NULL, 0 },
	{ "one host's ranks raise, the others were stopped first", 1, 0, 0, 4,
	  "Traceback (most recent call last):\nImportError: x\nezpz rankenv: rank 0 on n1: exited with status 1\n"
	  "ezpz rankenv: rank 2 on n2: killed by signal 15\n", OUTCOME_PROGRAM, NULL, 0 },
	{ "tracebacks that differ are no program error", 3, 0, 0, 4,
	  "Traceback (most recent call last):\nImportError: x\nTraceback (most recent call last):\nOSError: y\n"
	  "srun: error: n3: task 2: Exited with exit code 3\n", OUTCOME_NODE, "n3", 0 },
	{ "PALS cascades are no evidence", 1, 0, 0, 4,
	  "n3: rank 2 died from signal 15\nn4: rank 3 died from signal 11\n", OUTCOME_UNKNOWN, NULL, 0 },
	{ "Aurora shepherd wins over tracebacks", 1, 0, 0, 24,
	  "Traceback (most recent call last):\nRuntimeError: [gloo] Connection closed by peer [10.115.3.7]:1\n"
	  "Traceback (most recent call last):\nRuntimeError: [gloo] Connection closed by peer [10.115.3.7]:1\n",
	  OUTCOME_NODE, "x4102c5s2b0n0.hostmgmt2001.cm.aurora.alcf.anl.gov", 1 },
	{ "a named host that is not in the attempt", 1, 0, 0, 4,
	  "srun: error: n9: task 1: Exited with exit code 3\n", OUTCOME_UNKNOWN, NULL, 0 },
};

Test(failover, classify)
{
	struct fakeio fio;
	struct strvec pats = aurora_patterns();
	fakeio_init(&fio, NULL, NULL);
	fio.addrs = addrs;
	for (size_t i = 0; i < NITEMS(classes); i++) {
		const struct class_case *c = &classes[i];
		struct attempt_in in = { c->status, c->signal, c->timed_out, c->np, c->text,
			c->aurora ? aurora2 : four, c->aurora ? 2 : 4, c->aurora ? &pats : NULL, &fio.io, 0, 0 };
		struct verdict v;
		char *err = NULL;
		cr_assert_eq(failover_classify(&in, &v, &err), 0, "%s", c->what);
		cr_expect_eq(v.outcome, c->want, "%s: got %s (%s)", c->what, outcome_name(v.outcome), v.why);
		if (c->bad) {
			cr_assert_geq(v.bad.n, 1, "%s: no host to swap", c->what);
			cr_expect_str_eq(v.bad.v[0], c->bad, "%s", c->what);
		} else {
			cr_expect_eq(v.bad.n, 0, "%s: swaps %s", c->what, v.bad.n ? v.bad.v[0] : "");
		}
		verdict_free(&v);
	}
	strvec_clear(&pats);
	fakeio_free(&fio);
}

/* The first failed rank the verdict names: rank, host and status. */
static void
expect_first(const struct attempt_in *in, long rank, const char *host, const char *status)
{
	struct verdict v;
	char *err = NULL, *st;
	cr_assert_eq(failover_classify(in, &v, &err), 0);
	cr_assert(v.have_first);
	st = rank_fail_status(&v.first);
	cr_expect_eq(v.first.rank, rank, "%s", in->text);
	cr_expect_str_eq(v.first.host, host);
	cr_expect_str_eq(st, status);
	free(st);
	verdict_free(&v);
}

Test(failover, first_failed_rank_skips_cascades)
{
	struct attempt_in in = { 1, 0, 0, 4, "n3: rank 2 died from signal 15\nn2: rank 1 exited with code 7\n",
		four, 4, NULL, NULL, 0, 0 };
	expect_first(&in, 1, "n2", "exit 7");
	/* a shell between reports its child's SIGTERM as 143: a cascade too */
	in.text = "srun: error: n2: task 3: Exited with exit code 143\n"
	    "srun: error: n1: task 1: Exited with exit code 7\n";
	expect_first(&in, 1, "n1", "exit 7");
}

/* srun -K stops every rank at the first failure it reports: that one is
 * the first, whatever came after it, even a death by a signal that elsewhere
 * marks a cascade (the text is what srun printed here, in that order). */
Test(failover, srun_kill_on_bad_exit_first_report_is_first)
{
	static const char out[] =
	    "srun: error: n1: task 1: Segmentation fault (core dumped)\n"
	    "srun: launch/slurm: _step_signal: Terminating StepId=36.0\n"
	    "srun: error: n1: task 0: Terminated\n"
	    "srun: error: n2: task 2: Exited with exit code 1\n"
	    "srun: error: n2: task 3: Exited with exit code 143\n";
	struct attempt_in in = { 143, 0, 0, 4, out, four, 4, NULL, NULL, 2, 1 };
	expect_first(&in, 1, "n1", "signal 11 (SIGSEGV)");
	in.stops_at_first = 0;   /* without -K the order proves nothing */
	expect_first(&in, 2, "n2", "exit 1");
}

/* Open MPI's "Process name" report names no host: ezpz's own block
 * placement (ppn per host, in order) says which; without it, none. */
Test(failover, first_failed_host_from_placement)
{
	static const char ompi[] =
	    "mpirun detected that one or more processes exited with non-zero status, thus causing\n"
	    "the job to be terminated. The first process to do so was:\n\n"
	    "  Process name: [[8276,1],5]\n  Exit code:    3\n";
	struct attempt_in in = { 3, 0, 0, 8, ompi, four, 4, NULL, NULL, 2, 0 };
	struct verdict v;
	char *err = NULL;
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	cr_assert(v.have_first);
	cr_expect_eq(v.first.rank, 5);
	cr_expect_str_eq(v.first.host, "n3");
	verdict_free(&v);

	in.ppn = 0;   /* the user's own --map-by: the placement is not ezpz's */
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	cr_expect_null(v.first.host);
	verdict_free(&v);

	in.nhosts = 1;   /* one host: the only one it can be */
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	cr_expect_str_eq(v.first.host, "n1");
	verdict_free(&v);

	in.nhosts = 4, in.ppn = 1;   /* rank 5 beyond 4 hosts x 1: no guess */
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	cr_expect_null(v.first.host);
	verdict_free(&v);
}

/* MPICH 4's Hydra box names no rank, and gives a signal's number as the
 * EXIT CODE; the EXIT STRING after it says it was a signal. */
Test(failover, hydra4_box_signal)
{
	static const char box[] =
	    "\n===================================================================================\n"
	    "=   BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES\n"
	    "=   PID 12917 RUNNING AT n2\n"
	    "=   EXIT CODE: 9\n"
	    "=   CLEANING UP REMAINING PROCESSES\n"
	    "=   YOU CAN IGNORE THE BELOW CLEANUP MESSAGES\n"
	    "===================================================================================\n"
	    "YOUR APPLICATION TERMINATED WITH THE EXIT STRING: Segmentation fault (signal 11)\n"
	    "This typically refers to a problem with your application.\n";
	struct rank_fails f;
	failover_scan_ranks(box, &f);
	cr_assert_eq(f.n, 1);
	cr_expect_eq(f.v[0].rank, -1);
	cr_expect_str_eq(f.v[0].host, "n2");
	cr_expect_eq(f.v[0].code, -1);
	cr_expect_eq(f.v[0].sig, 11);
	rank_fails_free(&f);

	/* MPICH 3's, with the rank and a plain exit code */
	failover_scan_ranks("=   RANK 3 PID 4242 RUNNING AT n4\n=   EXIT CODE: 7\n", &f);
	cr_assert_eq(f.n, 1);
	cr_expect_eq(f.v[0].rank, 3);
	cr_expect_str_eq(f.v[0].host, "n4");
	cr_expect_eq(f.v[0].code, 7);
	cr_expect_eq(f.v[0].sig, 0);
	rank_fails_free(&f);
}

/* srun -K cut a program's exit 1 on every rank down to one rank's on one
 * host: a node failure, once.  The same status on the host swapped in
 * says it was the program; another status, or the same host, does not. */
Test(failover, same_failure_on_the_swapped_in_host_is_the_program)
{
	struct attempt_in in = { 1, 0, 0, 2, "srun: error: n1: task 0: Exited with exit code 1\n"
		"srun: error: n2: task 1: Terminated\n", four, 4, NULL, NULL, 1, 1 };
	struct verdict first, v;
	char *err = NULL;

	cr_assert_eq(failover_classify(&in, &first, &err), 0);
	cr_assert_eq(first.outcome, OUTCOME_NODE);
	cr_expect_str_eq(first.bad.v[0], "n1");
	failover_followed(&(struct verdict){ 0 }, &first);
	cr_expect_eq(first.outcome, OUTCOME_NODE, "no attempt before it");

	in.text = "srun: error: n3: task 0: Exited with exit code 1\n";
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	failover_followed(&first, &v);
	cr_expect_eq(v.outcome, OUTCOME_PROGRAM);
	cr_expect_str_eq(v.why, "exit 1 again, now on n3 (was n1): it follows the program, not the host");
	cr_expect_eq(v.bad.n, 0);
	verdict_free(&v);

	in.text = "srun: error: n3: task 0: Exited with exit code 3\n";
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	failover_followed(&first, &v);
	cr_expect_eq(v.outcome, OUTCOME_NODE, "another status");
	verdict_free(&v);

	in.text = "srun: error: n1: task 0: Exited with exit code 1\n";
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	failover_followed(&first, &v);
	cr_expect_eq(v.outcome, OUTCOME_NODE, "the same host");
	verdict_free(&v);

	/* another rank the same way on another host: two bad hosts can do that */
	in.text = "srun: error: n3: task 1: Exited with exit code 1\n"
	    "srun: error: n2: task 0: Terminated\n";
	cr_assert_eq(failover_classify(&in, &v, &err), 0);
	failover_followed(&first, &v);
	cr_expect_eq(v.outcome, OUTCOME_NODE, "another rank");
	verdict_free(&v);
	verdict_free(&first);
}
