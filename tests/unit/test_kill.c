/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kill.c: signal names, what matches (marker, pattern,
 * job, full PBS ids, self and ancestors, helpers, zombies, kernel
 * threads, other users), which parents are signalled (ezpz launch, ezpz
 * test), the uid in /proc/PID/status, how a command is shown, and the
 * --all-nodes launch line for each launcher.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "kill.h"
#include "util.h"

#define ME 1000L                 /* the uid ezpz kill runs as */

/* A process of ME whose environment is the NUL-separated list env (ends "\0\0"). */
static struct kproc
proc(long pid, const char *cmdline, const char *env, size_t envlen)
{
	struct kproc p = { pid, 1, 'S', (char *)cmdline, (char *)env, envlen, ME };
	return p;
}

#define ENV(s) (s), sizeof(s) - 1

Test(kill, signal_names)
{
	cr_expect_eq(kill_signal_parse("TERM"), SIGTERM);
	cr_expect_eq(kill_signal_parse("term"), SIGTERM);
	cr_expect_eq(kill_signal_parse("SIGKILL"), SIGKILL);
	cr_expect_eq(kill_signal_parse("sigint"), SIGINT);
	cr_expect_eq(kill_signal_parse("HUP"), SIGHUP);
	cr_expect_eq(kill_signal_parse("QUIT"), SIGQUIT);
	cr_expect_eq(kill_signal_parse("USR1"), SIGUSR1);
	cr_expect_eq(kill_signal_parse("USR2"), SIGUSR2);
	cr_expect_eq(kill_signal_parse("STOP"), -1);
	cr_expect_eq(kill_signal_parse("9"), -1);
	cr_expect_eq(kill_signal_parse(""), -1);
	cr_expect_eq(kill_signal_parse("SIG"), -1);
	cr_expect_str_eq(kill_signal_name(SIGTERM), "TERM");
	cr_expect_str_eq(kill_signal_name(SIGUSR2), "USR2");
	cr_expect_null(kill_signal_name(SIGSTOP));
	cr_expect(kill_signal_ends(SIGTERM) && kill_signal_ends(SIGKILL) && kill_signal_ends(SIGQUIT));
	cr_expect(!kill_signal_ends(SIGUSR1) && !kill_signal_ends(SIGUSR2));
}

Test(kill, environment_lookup)
{
	struct kproc p = proc(10, "x", ENV("A=1\0EZPZ_RUN_COMMAND=mpirun -np 2\0B=\0PBS_JOBIDX=9\0"));
	cr_expect_str_eq(kproc_env(&p, "A"), "1");
	cr_expect_str_eq(kproc_env(&p, "EZPZ_RUN_COMMAND"), "mpirun -np 2");
	cr_expect_str_eq(kproc_env(&p, "B"), "");
	cr_expect_null(kproc_env(&p, "PBS_JOBID"), "a longer name is another variable");
	cr_expect_null(kproc_env(&p, "EZPZ_RUN"));
	p.env = NULL;
	cr_expect_null(kproc_env(&p, "A"), "an unreadable environment has nothing");
	/* No NUL at the end (a truncated read) must not run past the buffer. */
	p = proc(10, "x", "K=v", 3);
	cr_expect_str_eq(kproc_env(&p, "K"), "v");
}

Test(kill, marker_pattern_and_skips)
{
	long skip[] = { 100, 50, 1 };
	struct kill_match marker = { NULL, NULL, skip, 3, ME, 0 };
	struct kill_match pat = { "sleep 30", NULL, skip, 3, ME, 0 };
	struct kproc rank = proc(200, "sleep 300", ENV("EZPZ_RUN_COMMAND=x\0"));
	struct kproc plain = proc(201, "sleep 300", ENV("HOME=/root\0"));
	struct kproc self = proc(100, "ezpz kill sleep 30", ENV("EZPZ_RUN_COMMAND=x\0"));
	struct kproc parent = proc(50, "mpirun sleep 300", ENV("EZPZ_RUN_COMMAND=x\0"));
	struct kproc helper = proc(300, "srun --overlap ezpz kill -- sleep 30",
	    ENV("EZPZ_RUN_COMMAND=x\0EZPZ_KILL_HELPER=1\0"));
	struct kproc zombie = proc(301, "sleep 300", ENV("EZPZ_RUN_COMMAND=x\0"));
	struct kproc kthread = proc(2, NULL, NULL, 0);
	struct kproc other_user = proc(400, "sleep 300", NULL, 0);
	struct kproc other_marked = proc(401, "sleep 300", ENV("EZPZ_RUN_COMMAND=x\0"));
	struct kproc uid_unknown = proc(402, "sleep 300", ENV("EZPZ_RUN_COMMAND=x\0"));

	zombie.state = 'Z';
	other_user.uid = 1001;
	other_marked.uid = 0;
	uid_unknown.uid = -1;
	cr_expect(kill_matches(&rank, &marker));
	cr_expect(!kill_matches(&plain, &marker), "no marker");
	cr_expect(!kill_matches(&self, &marker), "never itself");
	cr_expect(!kill_matches(&parent, &marker), "never its ancestors");
	cr_expect(!kill_matches(&helper, &marker), "never the --all-nodes helpers");
	cr_expect(!kill_matches(&zombie, &marker), "a zombie is already dead");
	cr_expect(!kill_matches(&kthread, &marker));
	cr_expect(!kill_matches(&other_user, &marker), "unreadable environment: no marker");
	cr_expect(kill_matches(&rank, &pat));
	cr_expect(!kill_matches(&plain, &pat), "a pattern narrows the marked processes");
	pat.any = 1;
	cr_expect(kill_matches(&plain, &pat), "--any-process: a pattern needs no marker");
	cr_expect(!kill_matches(&other_user, &pat), "--any-process: still only the user's");
	cr_expect(!kill_matches(&self, &pat), "--any-process: never itself");
	marker.any = 1;
	cr_expect(!kill_matches(&plain, &marker), "--any-process without a pattern: the marker");
	marker.any = pat.any = 0;
	cr_expect(!kill_matches(&other_user, &pat), "another user's process, even with a pattern");
	cr_expect(!kill_matches(&other_marked, &marker), "root's marked process is not user 1000's");
	cr_expect(!kill_matches(&other_marked, &pat));
	cr_expect(!kill_matches(&uid_unknown, &marker), "an unknown owner is not ours");
	marker.uid = 0;
	cr_expect(kill_matches(&other_marked, &marker), "root: only root's");
	cr_expect(!kill_matches(&rank, &marker), "root: not user 1000's");
	marker.uid = ME;
	cr_expect(!kill_matches(&self, &pat));
	cr_expect(!kill_matches(&helper, &pat), "the srun carrying the pattern is ours");
	pat.pattern = "sleep 3000";
	cr_expect(!kill_matches(&rank, &pat), "substring of the command line");
}

Test(kill, only_the_jobs_processes)
{
	struct kill_match m = { NULL, "4242", NULL, 0, ME, 0 };
	struct kproc pbs = proc(10, "a", ENV("EZPZ_RUN_COMMAND=x\0PBS_JOBID=4242.aurora-pbs-0001\0"));
	struct kproc pbs2 = proc(11, "a", ENV("EZPZ_RUN_COMMAND=x\0PBS_JOBID=42420.server\0"));
	struct kproc slurm = proc(12, "a", ENV("SLURM_JOB_ID=4242\0EZPZ_RUN_COMMAND=x\0"));
	struct kproc slurm_old = proc(13, "a", ENV("SLURM_JOBID=4242\0EZPZ_RUN_COMMAND=x\0"));
	struct kproc other = proc(14, "a", ENV("SLURM_JOB_ID=4243\0EZPZ_RUN_COMMAND=x\0"));
	struct kproc none = proc(15, "a", ENV("EZPZ_RUN_COMMAND=x\0"));
	struct kproc flux = proc(16, "a", ENV("FLUX_JOB_ID=4242\0EZPZ_RUN_COMMAND=x\0"));
	struct kproc pbs_other = proc(17, "a", ENV("PBS_JOBID=99.s\0EZPZ_RUN_COMMAND=x\0"));

	cr_expect(kill_matches(&pbs, &m));
	cr_expect(!kill_matches(&pbs2, &m), "4242 is not 42420");
	cr_expect(kill_matches(&slurm, &m));
	cr_expect(kill_matches(&slurm_old, &m));
	cr_expect(!kill_matches(&other, &m), "another job's ranks on a shared node");
	cr_expect(kill_matches(&none, &m), "no job id (a rank started over ssh): not another job's");
	cr_expect(kill_matches(&flux, &m));
	cr_expect(!kill_matches(&pbs_other, &m), "one job id that is another job's is enough");

	/* --job with the full PBS id: the part before the first '.' on both sides */
	m.jobid = "4242.aurora-pbs-0001";
	cr_expect(kill_matches(&pbs, &m), "--job 4242.aurora-pbs-0001 is PBS_JOBID's job");
	m.jobid = "4242.pbs01";
	cr_expect(kill_matches(&pbs, &m), "the server part need not be the same");
	cr_expect(!kill_matches(&pbs2, &m), "4242 is not 42420");
	cr_expect(kill_matches(&slurm, &m));
	cr_expect(!kill_matches(&other, &m));
	cr_expect(!kill_matches(&pbs_other, &m));
	m.jobid = "424";
	cr_expect(!kill_matches(&pbs, &m), "424 is not 4242");
}

Test(kill, launch_parents)
{
	struct kill_match m = { NULL, NULL, NULL, 0, ME, 0 };
	struct kill_match job = { NULL, "77", NULL, 0, ME, 0 };
	long skip[] = { 60 };
	struct kill_match skipping = { NULL, NULL, skip, 1, ME, 0 };
	struct kproc launch = proc(60, "ezpz launch --retries 2 -n 1 -- sleep 60",
	    ENV("PBS_JOBID=77.pbs01\0"));
	static const char a_launch[] = "/opt/ezpz/bin/ezpz\0launch\0--retries\0" "2";
	static const char a_test[] = "ezpz\0test\0";
	static const char a_rankenv[] = "/opt/ezpz/bin/ezpz\0rankenv\0--\0sleep";
	static const char a_other[] = "/usr/bin/notezpz\0launch";
	static const char a_prefix[] = "ezpz\0launcher";
	static const char a_alone[] = "ezpz";

	cr_expect(kill_is_launch(a_launch, sizeof a_launch - 1, 0));
	cr_expect(kill_is_launch(a_test, sizeof a_test - 1, 0), "trailing NULs");
	cr_expect(!kill_is_launch(a_rankenv, sizeof a_rankenv - 1, 0), "rankenv execs the rank");
	cr_expect(!kill_is_launch(a_rankenv, sizeof a_rankenv - 1, 1), "this ezpz, but not launch");
	cr_expect(!kill_is_launch(a_other, sizeof a_other - 1, 0), "another program");
	cr_expect(kill_is_launch(a_other, sizeof a_other - 1, 1), "this ezpz under another name");
	cr_expect(!kill_is_launch(a_prefix, sizeof a_prefix - 1, 0), "launcher is not launch");
	cr_expect(!kill_is_launch(a_alone, sizeof a_alone - 1, 1), "no argv[1]");

	cr_expect(kill_parent_matches(&launch, 1, &m));
	cr_expect(!kill_parent_matches(&launch, 0, &m), "not an ezpz launch");
	cr_expect(!kill_matches(&launch, &m), "it has no marker: only as a parent");
	cr_expect(kill_parent_matches(&launch, 1, &job), "of the job");
	job.jobid = "78";
	cr_expect(!kill_parent_matches(&launch, 1, &job), "another job's");
	cr_expect(!kill_parent_matches(&launch, 1, &skipping), "an ancestor of ezpz kill");
	launch.uid = 0;
	cr_expect(!kill_parent_matches(&launch, 1, &m), "another user's");
	launch.uid = ME;
	launch.state = 'Z';
	cr_expect(!kill_parent_matches(&launch, 1, &m), "already dead");
	launch.state = 'S';
	/* itself, with no child (between the attempts of --retries): by its
	 * own command line */
	{
		struct kill_match pat = { "sleep 60", NULL, NULL, 0, ME, 0 };
		struct kill_match other = { "python", NULL, NULL, 0, ME, 0 };
		cr_expect(kill_launch_matches(&launch, 1, &m), "no pattern: every launch of ours");
		cr_expect(kill_launch_matches(&launch, 1, &pat), "its command line has the pattern");
		cr_expect(!kill_launch_matches(&launch, 1, &other), "not this pattern");
		cr_expect(!kill_launch_matches(&launch, 0, &pat), "not an ezpz launch");
		cr_expect(!kill_launch_matches(&launch, 1, &skipping), "an ancestor of ezpz kill");
		job.jobid = "77";
		cr_expect(kill_launch_matches(&launch, 1, &job), "of the job");
		job.jobid = "78";
		cr_expect(!kill_launch_matches(&launch, 1, &job), "another job's");
	}
}

Test(kill, status_uid)
{
	cr_expect_eq(kill_status_uid("Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\n"
	    "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"), 65534);
	cr_expect_eq(kill_status_uid("Uid:\t0\t1000\t0\t0\n"), 0, "the real uid, first");
	cr_expect_eq(kill_status_uid("Uid:\t4294967294\t0\t0\t0\n"), 4294967294L);
	cr_expect_eq(kill_status_uid("Name:\tx\nGid:\t0\n"), -1, "no Uid line");
	cr_expect_eq(kill_status_uid("Name:\tUid: 5\nUid:\t7\n"), 7, "a line that starts with it");
	cr_expect_eq(kill_status_uid("Uid:\t-1\n"), -1);
	cr_expect_eq(kill_status_uid(""), -1);
}

Test(kill, display)
{
	char long_cmd[300], *s;

	memset(long_cmd, 'a', sizeof long_cmd - 1);
	long_cmd[sizeof long_cmd - 1] = '\0';
	s = kill_display(long_cmd, 120);
	cr_expect_eq(strlen(s), 120);
	cr_expect_str_eq(s + 117, "...");
	free(s);
	s = kill_display("python3 -c print(1)\nx\x1b[31m", 120);
	cr_expect_str_eq(s, "python3 -c print(1)?x?[31m", "no control characters reach the terminal");
	free(s);
	s = kill_display("short", 120);
	cr_expect_str_eq(s, "short");
	free(s);
}

static char *
remote(enum launcher l, const char *hostfile, const struct kill_opts *o)
{
	struct strvec a = STRVEC_INIT;
	char *err = NULL, *s = xstrdup("");
	if (kill_remote_argv(l, 4, hostfile, "/opt/ezpz/bin/ezpz", "4242", o, &a, &err) < 0) {
		free(s);
		return err;
	}
	for (size_t i = 0; i < a.n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? " " : "", a.v[i]);
		free(s);
		s = t;
	}
	strvec_clear(&a);
	return s;
}

Test(kill, all_nodes_launch_lines)
{
	struct kill_opts o = { SIGTERM, -1, 0, NULL, 0 };
	struct kill_opts o2 = { SIGINT, 10, 1, "train.py --lr 1", 0 };
	char *s;

	s = remote(LAUNCHER_SRUN, NULL, &o);
	cr_expect_str_eq(s, "srun --overlap -N4 -n4 --ntasks-per-node=1 --kill-on-bad-exit=0 "
	    "/opt/ezpz/bin/ezpz kill --job 4242 --signal TERM");
	free(s);
	s = remote(LAUNCHER_PALS, "/var/spool/pbs/aux/4242.x", &o2);
	cr_expect_str_eq(s, "mpiexec --envall --np=4 --ppn=1 --hostfile=/var/spool/pbs/aux/4242.x "
	    "/opt/ezpz/bin/ezpz kill --job 4242 --signal INT --grace 10 --dry-run -- train.py --lr 1");
	free(s);
	s = remote(LAUNCHER_MPICH, "hf", &o);
	cr_expect_str_eq(s, "mpiexec -n 4 -ppn 1 -f hf -genvall /opt/ezpz/bin/ezpz kill --job 4242 "
	    "--signal TERM");
	free(s);
	s = remote(LAUNCHER_OPENMPI, "hf", &o);
	cr_expect_str_eq(s, "mpirun -np 4 --map-by ppr:1:node --bind-to none --hostfile hf "
	    "-x EZPZ_KILL_HELPER -x PATH /opt/ezpz/bin/ezpz kill --job 4242 --signal TERM");
	free(s);
	s = remote(LAUNCHER_NONE, NULL, &o);
	cr_expect(startswith(s, "no launcher to reach the other hosts"), "%s", s);
	free(s);
}
