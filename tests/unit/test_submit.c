/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for submit.c: the generated PBS and Slurm scripts line by
 * line, quoting of hostile commands (proved by running the script's line
 * through bash), templates and placeholders, account and scheduler
 * fallbacks, job names, the submit argv and the job id in the answer.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fakeio.h"
#include "submit.h"
#include "util.h"

static struct submit_opts
opts(enum sched s, char **cmd, size_t n)
{
	struct submit_opts o;
	memset(&o, 0, sizeof o);
	o.sched = s;
	o.self = "/opt/ezpz/bin/ezpz";
	o.workdir = "/home/u/proj";
	o.env_setup = "eval \"$('/opt/ezpz/bin/ezpz' setup-env || echo 'exit 1')\"";
	o.command = cmd;
	o.ncommand = n;
	return o;
}

static char *
render(const struct submit_opts *o)
{
	char *out = NULL, *err = NULL;
	cr_assert_eq(submit_render(submit_default_template(o->sched), "built-in", o, &out, &err),
	    0, "%s", err);
	return out;
}

Test(submit, pbs_script_line_by_line)
{
	char *cmd[] = { "python3", "-m", "ezpz.examples.test", NULL };
	struct submit_opts o = opts(SCHED_PBS, cmd, 3);
	char *s;

	o.nodes = 2;
	o.queue = "debug";
	o.account = "myproject";
	o.filesystems = "home,eagle,grand";
	s = render(&o);
	cr_expect_str_eq(s,
	    "#!/bin/bash --login\n"
	    "#PBS -l select=2\n"
	    "#PBS -l walltime=01:00:00\n"
	    "#PBS -l filesystems=home:eagle:grand\n"
	    "#PBS -l place=scatter\n"        /* -N 2: two hosts, not PBS's free placement */
	    "#PBS -A myproject\n"
	    "#PBS -k doe\n"
	    "#PBS -j oe\n"
	    "#PBS -q debug\n"
	    "#PBS -N ezpz.examples.test\n"
	    "\n"
	    "set -eo pipefail\n"
	    "cd /home/u/proj\n"
	    "\n"
	    "# Environment setup\n"
	    "eval \"$('/opt/ezpz/bin/ezpz' setup-env || echo 'exit 1')\"\n"
	    "\n"
	    "/opt/ezpz/bin/ezpz launch -- python3 -m ezpz.examples.test\n");
	free(s);
}

Test(submit, slurm_script_line_by_line)
{
	char *cmd[] = { "python3", "train.py", "--lr", "0.1", NULL };
	struct submit_opts o = opts(SCHED_SLURM, cmd, 4);
	char *s;

	o.nodes = 4;
	o.time = "02:00:00";
	o.queue = "batch";
	o.account = "proj123";
	o.job_name = "my-slurm-job";
	o.qos = "debug";
	o.constraint = "gpu&hbm80g";
	o.gpus_per_node = "4";
	o.workdir = "/home/u/my proj";
	s = render(&o);
	cr_expect_str_eq(s,
	    "#!/bin/bash\n"
	    "#SBATCH --nodes=4\n"
	    "#SBATCH --time=02:00:00\n"
	    "#SBATCH --account=proj123\n"
	    "#SBATCH --partition=batch\n"
	    "#SBATCH --job-name=my-slurm-job\n"
	    "#SBATCH --qos=debug\n"
	    "#SBATCH --constraint=gpu&hbm80g\n"
	    "#SBATCH --gpus-per-node=4\n"
	    "#SBATCH --ntasks-per-node=4\n"
	    "\n"
	    "set -eo pipefail\n"
	    "cd '/home/u/my proj'\n"
	    "\n"
	    "# Environment setup\n"
	    "eval \"$('/opt/ezpz/bin/ezpz' setup-env || echo 'exit 1')\"\n"
	    "\n"
	    "/opt/ezpz/bin/ezpz launch -- python3 train.py --lr 0.1\n");
	free(s);
}

Test(submit, empty_values_drop_their_lines)
{
	char *cmd[] = { "hostname", NULL };
	struct submit_opts o = opts(SCHED_SLURM, cmd, 1);
	char *s;

	o.env_setup = NULL;
	o.no_launch = 1;
	s = render(&o);
	cr_expect_null(strstr(s, "--account"), "%s", s);
	cr_expect_null(strstr(s, "--partition"), "%s", s);
	/* no -t: no --time, the partition's DefaultTime (a fixed one can be over MaxTime) */
	cr_expect(strstr(s, "#SBATCH --nodes=1\n#SBATCH --job-name=hostname\n"), "%s", s);
	cr_expect_null(strstr(s, "--time"), "%s", s);
	cr_expect(strstr(s, "# Environment setup\n\nhostname\n"), "%s", s);
	cr_expect_null(strstr(s, "ezpz launch"), "--no-launch: %s", s);
	free(s);
	o.sched = SCHED_PBS;
	o.filesystems = "";
	s = render(&o);
	cr_expect_null(strstr(s, "filesystems"), "--filesystems '': %s", s);
	cr_expect_null(strstr(s, "#PBS -A"), "%s", s);
	cr_expect_null(strstr(s, "#PBS -q"), "%s", s);
	free(s);
}

/* Run the script's last line through bash with the launch line replaced
 * by printf: each word must come back exactly. */
static char *
words_through_bash(const char *script)
{
	const char *last = script + strlen(script) - 1, *line;
	char path[] = "/tmp/ezpz-submit-test-XXXXXX", *out;
	FILE *fp;
	int fd;
	size_t len = 0;
	char buf[4096];

	while (last > script && last[-1] != '\n')
		last--;
	line = last + strlen("/opt/ezpz/bin/ezpz launch -- ");
	cr_assert(startswith(last, "/opt/ezpz/bin/ezpz launch -- "), "%s", last);
	cr_assert((fd = mkstemp(path)) >= 0);
	fp = fdopen(fd, "w");
	fprintf(fp, "printf '<%%s>' %s", line);
	fclose(fp);
	snprintf(buf, sizeof buf, "bash %s", path);
	fp = popen(buf, "r");
	out = xmalloc(65536);
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	cr_assert_eq(pclose(fp), 0);
	unlink(path);
	return out;
}

Test(submit, hostile_command_reaches_the_job_unchanged)
{
	char *cmd[] = { "python3", "-c", "import sys; print(sys.argv)", "a b", "it's",
		"\"quoted\"", "$HOME", "`id`", "$(id)", "line1\nline2", "tab\there", "back\\slash",
		"!bang", "*", "", "-- not an option", "{{run}}", "caf\xc3\xa9", NULL };
	struct submit_opts o = opts(SCHED_SLURM, cmd, 18);
	char *s = render(&o), *got, *want = xstrdup("");

	for (size_t i = 0; i < 18; i++) {
		char *t = xasprintf("%s<%s>", want, cmd[i]);
		free(want);
		want = t;
	}
	cr_expect_eq(strchr(strstr(s, "launch -- "), '\n'), s + strlen(s) - 1,
	    "the command is one line: %s", s);
	got = words_through_bash(s);
	cr_expect_str_eq(got, want);
	cr_expect(strstr(s, "{{run}}") != NULL, "a placeholder in the command is not expanded");
	free(got);
	free(want);
	free(s);
}

Test(submit, templates_and_placeholders)
{
	char *cmd[] = { "hostname", NULL };
	struct submit_opts o = opts(SCHED_PBS, cmd, 1);
	char *out = NULL, *err = NULL;

	cr_assert_eq(submit_render("#!/bin/bash\n#PBS -l select={{nodes}}:ncpus=64\n"
	    "echo {{scheduler}} {{job_name}} {{ezpz}} {{workdir}}\n{{run}}\n", "site.sh", &o, &out,
	    &err), 0, "%s", err);
	cr_expect_str_eq(out, "#!/bin/bash\n#PBS -l select=1:ncpus=64\n"
	    "echo pbs hostname /opt/ezpz/bin/ezpz /home/u/proj\n"
	    "/opt/ezpz/bin/ezpz launch -- hostname\n");
	free(out);
	cr_assert_eq(submit_render("x\n{{command}}", "t", &o, &out, &err), 0, "%s", err);
	cr_expect_str_eq(out, "x\nhostname\n");
	free(out);
	cr_expect_eq(submit_render("a\n\n#PBS -q {{queu}}\n{{run}}\n", "site.sh", &o, &out, &err), -1);
	cr_expect(startswith(err, "template 'site.sh': line 3: unknown placeholder '{{queu}}' "
	    "(known: nodes,"), "%s", err);
	free(err);
	cr_expect_eq(submit_render("{{run}\n", "t.sh", &o, &out, &err), -1);
	cr_expect(startswith(err, "template 't.sh': line 1: unclosed placeholder '{{run}'"), "%s", err);
	free(err);
	cr_expect_eq(submit_render("#!/bin/bash\necho hi\n", "t.sh", &o, &out, &err), -1);
	cr_expect_str_eq(err, "template 't.sh': no {{run}} or {{command}}: the job would not run "
	    "your command");
	free(err);
}

/* An empty value beside {{run}} must not take the command with it. */
Test(submit, run_line_with_an_empty_value_stays)
{
	char *cmd[] = { "hostname", NULL };
	struct submit_opts o = opts(SCHED_SLURM, cmd, 1);
	char *out = NULL, *err = NULL;

	cr_assert_eq(submit_render("#!/bin/bash\n#SBATCH -A {{account}}\n"
	    "{{env_setup}} {{run}}\n{{queue}}{{command}} # {{account}}\n", "site.sh", &o, &out,
	    &err), 0, "%s", err);
	cr_expect_str_eq(out, "#!/bin/bash\n"
	    "eval \"$('/opt/ezpz/bin/ezpz' setup-env || echo 'exit 1')\" "
	    "/opt/ezpz/bin/ezpz launch -- hostname\nhostname # \n");
	free(out);
	o.env_setup = NULL;
	cr_assert_eq(submit_render("{{env_setup}}\n{{env_setup}}{{run}}\n", "t", &o, &out, &err),
	    0, "%s", err);
	cr_expect_str_eq(out, "/opt/ezpz/bin/ezpz launch -- hostname\n",
	    "the setup line alone goes, the run line stays");
	free(out);
}

Test(submit, default_env_line_fails_the_job)
{
	char *s = submit_default_env("/opt/my ezpz/bin/ezpz");
	cr_expect_str_eq(s, "eval \"$('/opt/my ezpz/bin/ezpz' setup-env || echo 'exit 1')\"");
	free(s);
}

Test(submit, job_names)
{
	static const struct {
		char *cmd[6];
		const char *want;
	} cases[] = {
		{ { "python3", "-m", "ezpz.examples.fsdp", "--model", "small", NULL }, "ezpz.examples.fsdp" },
		{ { "python3", "-u", "-m", "pkg.train", NULL }, "pkg.train" },
		{ { "python3", "train.py", "--lr", "1", NULL }, "train" },
		{ { "/usr/bin/python3.11", "../x/run.sh", NULL }, "run" },
		{ { "./my_app", "--x", NULL }, "my_app" },
		{ { "/opt/bin/a.out", NULL }, "a" },
		{ { "python3", "-c", "print(1)", NULL }, "python3" },
		{ { "bash", "job script.sh", NULL }, "job_script" },
		{ { ".hidden", NULL }, ".hidden" },
		{ { "python3", "-m", "a b$c", NULL }, "a_b_c" },
		/* the interpreter's own options, not the program's */
		{ { "python3", "-u", "train.py", NULL }, "train" },
		{ { "python3", "-W", "error", "train.py", NULL }, "train" },
		{ { "python3", "train.py", "-m", "resnet", NULL }, "train" },
		{ { "git", "commit", "-m", "fix", NULL }, "git" },
		{ { "/usr/bin/env", "OMP_NUM_THREADS=1", "python3", "train.py", NULL }, "train" },
		{ { "bash", "-o", "posix", "run.sh", NULL }, "run" },
		{ { "env", NULL }, "ezpz" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		size_t n = 0;
		char *got;
		while (cases[i].cmd[n])
			n++;
		got = submit_job_name(cases[i].cmd, n);
		cr_expect_str_eq(got, cases[i].want, "case %zu", i);
		free(got);
	}
	char *none = submit_job_name(NULL, 0);
	cr_expect_str_eq(none, "ezpz");
	free(none);
}

Test(submit, account_fallbacks)
{
	char *env[] = { "PBS_ACCOUNT=fallback_proj", "SLURM_ACCOUNT=slurm_proj", "PROJECT=proj", NULL };
	char *env2[] = { "PROJECT=proj", "PBS_ACCOUNT=", NULL };
	char *env3[] = { NULL };
	const char *from;

	cr_expect_str_eq(submit_account(SCHED_PBS, "given", env, &from), "given");
	cr_expect_str_eq(from, "--account");
	cr_expect_str_eq(submit_account(SCHED_PBS, NULL, env, &from), "fallback_proj");
	cr_expect_str_eq(from, "PBS_ACCOUNT");
	cr_expect_str_eq(submit_account(SCHED_SLURM, NULL, env, &from), "slurm_proj");
	cr_expect_str_eq(from, "SLURM_ACCOUNT");
	cr_expect_str_eq(submit_account(SCHED_PBS, NULL, env2, &from), "proj");
	cr_expect_str_eq(from, "PROJECT");
	cr_expect_null(submit_account(SCHED_SLURM, NULL, env3, &from));
}

Test(submit, scheduler_choice)
{
	struct profiles ps = PROFILES_INIT;
	char *none[] = { NULL };
	char *pbs[] = { "PBS_JOBID=1.server", NULL };
	char *slurm[] = { "SLURM_JOB_ID=5", NULL };
	char *forced[] = { "EZPZ_SCHEDULER=slurm", "PBS_JOBID=1.server", NULL };
	char *how = NULL, *err = NULL;
	enum sched s;

	load_builtin_profiles(&ps);
	cr_expect_eq(submit_choose_sched("PBS", slurm, NULL, 0, 1, &s, &how, &err), 0);
	cr_expect_eq(s, SCHED_PBS);
	cr_expect_str_eq(how, "--scheduler");
	free(how);
	cr_expect_eq(submit_choose_sched("lsf", none, NULL, 1, 1, &s, &how, &err), -1);
	cr_expect_str_eq(err, "--scheduler 'lsf': use pbs or slurm");
	free(err);
	cr_expect_eq(submit_choose_sched(NULL, pbs, NULL, 0, 1, &s, &how, &err), 0);
	cr_expect_eq(s, SCHED_PBS);
	cr_expect_str_eq(how, "env:PBS_JOBID");
	free(how);
	cr_expect_eq(submit_choose_sched(NULL, forced, NULL, 0, 0, &s, &how, &err), 0);
	cr_expect_eq(s, SCHED_SLURM);
	cr_expect_str_eq(how, "env:EZPZ_SCHEDULER");
	free(how);
	cr_expect_eq(submit_choose_sched(NULL, none, profiles_find(&ps, "frontier"), 1, 0, &s, &how,
	    &err), 0);
	cr_expect_eq(s, SCHED_SLURM, "the profile wins over what is on PATH");
	cr_expect_str_eq(how, "profile:frontier");
	free(how);
	cr_expect_eq(submit_choose_sched(NULL, none, profiles_find(&ps, "generic"), 1, 0, &s, &how,
	    &err), 0);
	cr_expect_eq(s, SCHED_PBS);
	cr_expect_str_eq(how, "qsub on PATH");
	free(how);
	cr_expect_eq(submit_choose_sched(NULL, none, NULL, 1, 1, &s, &how, &err), -1);
	cr_expect_str_eq(err, "cannot tell which scheduler to submit to: not in a job, no machine "
	    "profile names one, and both qsub and sbatch are on PATH; pass --scheduler pbs or "
	    "--scheduler slurm");
	free(err);
	cr_expect_eq(submit_choose_sched(NULL, none, profiles_find(&ps, "generic"), 0, 0, &s, &how,
	    &err), -2, "neither on PATH: not found");
	cr_expect(strstr(err, "neither qsub nor sbatch is on PATH (and not in a job, and the machine "
	    "profile names no scheduler)") != NULL, "%s", err);
	free(err);
	profiles_free(&ps);
}

static char *
joined(struct strvec *a)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < a->n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? " " : "", a->v[i]);
		free(s);
		s = t;
	}
	strvec_clear(a);
	return s;
}

Test(submit, submit_argv)
{
	struct submit_opts o = opts(SCHED_PBS, NULL, 0);
	struct strvec a = STRVEC_INIT;
	char *s;

	submit_argv(&o, "/w/.ezpz-submit-1.sh", 0, &a);
	s = joined(&a);
	cr_expect_str_eq(s, "qsub /w/.ezpz-submit-1.sh");
	free(s);
	o.nodes = 2;
	o.time = "00:30:00";
	o.queue = "debug";
	o.account = "acct";
	o.filesystems = "home,eagle";
	o.job_name = "j";
	submit_argv(&o, "job.sh", 1, &a);
	s = joined(&a);
	cr_expect_str_eq(s, "qsub -l select=2 -l walltime=00:30:00 -l filesystems=home:eagle "
	    "-l place=scatter -q debug -A acct -N j job.sh");
	free(s);
	o.sched = SCHED_SLURM;
	submit_argv(&o, "job.sh", 1, &a);
	s = joined(&a);
	cr_expect_str_eq(s, "sbatch --nodes=2 --time=00:30:00 --partition=debug --account=acct "
	    "--job-name=j job.sh");
	free(s);
	o = opts(SCHED_SLURM, NULL, 0);
	submit_argv(&o, "job.sh", 1, &a);
	s = joined(&a);
	cr_expect_str_eq(s, "sbatch job.sh", "only the options given");
	free(s);
}

Test(submit, job_ids)
{
	char *id;
	id = submit_parse_jobid(SCHED_SLURM, "Submitted batch job 67890\n");
	cr_expect_str_eq(id, "67890");
	free(id);
	id = submit_parse_jobid(SCHED_SLURM, "sbatch: warning: x\nSubmitted batch job 12_3\n");
	cr_expect_str_eq(id, "12_3");
	free(id);
	cr_expect_null(submit_parse_jobid(SCHED_SLURM, "sbatch: error: invalid partition\n"));
	/* sbatch --parsable: the bare id, or id;cluster */
	id = submit_parse_jobid(SCHED_SLURM, "47\n");
	cr_expect_str_eq(id, "47");
	free(id);
	id = submit_parse_jobid(SCHED_SLURM, "sbatch: warning: x\n48;perlmutter\n");
	cr_expect_str_eq(id, "48");
	free(id);
	cr_expect_null(submit_parse_jobid(SCHED_SLURM, "47.server\n"), "not Slurm's");
	id = submit_parse_jobid(SCHED_PBS, "12345.pbs-server\n");
	cr_expect_str_eq(id, "12345.pbs-server");
	free(id);
	id = submit_parse_jobid(SCHED_PBS, "qsub: note: x y\n  4242.aurora-pbs-0001.hostmgmt \r\n\n");
	cr_expect_str_eq(id, "4242.aurora-pbs-0001.hostmgmt");
	free(id);
	cr_expect_null(submit_parse_jobid(SCHED_PBS, "qsub: Unknown queue\n"));
	cr_expect_null(submit_parse_jobid(SCHED_PBS, ""));
	cr_expect_null(submit_parse_jobid(SCHED_PBS, NULL));
}

Test(submit, directive_values)
{
	char *err = NULL;
	cr_expect_eq(submit_check_value("--queue", "debug-scaling", &err), 0);
	cr_expect_eq(submit_check_value("--account", "x\n#SBATCH --uid=0", &err), -1);
	cr_expect(startswith(err, "--account 'x\n#SBATCH --uid=0': blanks and control characters"),
	    "%s", err);
	free(err);
	cr_expect_eq(submit_check_value("--time", "1 hour", &err), -1);
	free(err);
	cr_expect_eq(submit_check_value("--queue", "", &err), -1);
	cr_expect_str_eq(err, "--queue: empty value");
	free(err);
}

/*
 * -t: HH:MM:SS for both schedulers, minutes and seconds below 60 (99:99:99
 * was accepted); Slurm's other forms (sbatch(1)) only for Slurm; a plain
 * number is refused for PBS, which would read it as seconds.
 */
Test(submit, walltime)
{
	static const struct { const char *v; long long pbs, slurm; } cases[] = {
		{ "01:00:00", 3600, 3600 }, { "1:5:0", 3900, 3900 }, { "100:00:00", 360000, 360000 },
		{ "00:00:59", 59, 59 }, { "999999:59:59", 3599999999LL, 3599999999LL },
		{ "10", -1, 600 }, { "10:30", -1, 630 }, { "90:00", -1, 5400 },
		{ "2-12", -1, 216000 }, { "1-00:30", -1, 88200 }, { "1-23:59:59", -1, 172799 },
		{ "99:99:99", -1, -1 }, { "01:60:00", -1, -1 }, { "01:00:60", -1, -1 },
		{ "10:60", -1, -1 }, { "2-24", -1, -1 }, { "1-00:60", -1, -1 }, { "1-0:0:60", -1, -1 },
		{ "", -1, -1 }, { "x", -1, -1 }, { "1:00:00:00", -1, -1 }, { ":00:00", -1, -1 },
		{ "01::00", -1, -1 }, { "01:00:", -1, -1 }, { "-5", -1, -1 }, { "1--2", -1, -1 },
		{ "1-", -1, -1 }, { "1-2-3", -1, -1 }, { "1000000:00:00", -1, -1 }, { "01:000:00", -1, -1 },
		{ "+1:00:00", -1, -1 }, { " 1:00:00", -1, -1 }, { "1:00:00 ", -1, -1 },
		{ "UNLIMITED", -1, -1 },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *err = NULL;
		long long got = submit_walltime(cases[i].v, SCHED_PBS, &err);
		cr_expect_eq(got, cases[i].pbs, "pbs '%s': %lld", cases[i].v, got);
		if (got < 0)
			cr_expect(err && strstr(err, cases[i].v), "pbs '%s': %s", cases[i].v, err);
		free(err);
		err = NULL;
		got = submit_walltime(cases[i].v, SCHED_SLURM, &err);
		cr_expect_eq(got, cases[i].slurm, "slurm '%s': %lld", cases[i].v, got);
		if (got < 0)
			cr_expect(err && strstr(err, cases[i].v), "slurm '%s': %s", cases[i].v, err);
		free(err);
	}
}

/* A generic PBS has no 'filesystems' resource (qsub refuses the job):
 * none unless given; -l select=SPEC replaces the node count, the other -l
 * resources share one directive and go on qsub's command line as given. */
Test(submit, pbs_generic_site_and_resources)
{
	char *cmd[] = { "hostname", NULL };
	char *res[] = { "place=scatter", "mem=4gb", NULL };
	struct submit_opts o = opts(SCHED_PBS, cmd, 1);
	struct strvec a = STRVEC_INIT;
	char *s;

	s = render(&o);
	cr_expect_null(strstr(s, "filesystems"), "no filesystems by default: %s", s);
	cr_expect(strstr(s, "#PBS -l select=1\n#PBS -l walltime=01:00:00\n#PBS -k doe\n"), "%s", s);
	free(s);
	o.select = "2:ncpus=4:mpiprocs=4";
	o.resources = res;
	o.nresources = 2;
	s = render(&o);
	cr_expect(strstr(s, "#PBS -l select=2:ncpus=4:mpiprocs=4\n#PBS -l walltime=01:00:00\n"
	    "#PBS -l place=scatter,mem=4gb\n#PBS -k doe\n"), "%s", s);
	free(s);
	submit_argv(&o, "job.sh", 1, &a);
	s = joined(&a);
	cr_expect_str_eq(s, "qsub -l select=2:ncpus=4:mpiprocs=4 -l place=scatter -l mem=4gb job.sh");
	free(s);
	strvec_clear(&a);
}
