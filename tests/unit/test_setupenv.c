/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for setupenv.c and pycheck.c: env -0 parsing with hostile
 * values, the step list, the script's transcript, and the Python
 * post-condition (the 13 cases of the Python ezpz's
 * test_setup_env_no_silent_noop.sh).  The
 * script itself is run in a real bash, with hostile names, against a
 * stand-in module function.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec.h"
#include "profile.h"
#include "setupenv.h"
#include "strvec.h"
#include "util.h"

/* ---- helpers ---- */

static char *
tmpdir(void)
{
	char *t = xstrdup("/tmp/ezpz-unit-se.XXXXXX");
	cr_assert_not_null(mkdtemp(t));
	return t;
}

static void
rmtree(const char *d)
{
	char *cmd = xasprintf("rm -rf '%s'", d);
	cr_expect_eq(system(cmd), 0);
	free(cmd);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void
parse_profile(struct profile *p, const char *yaml)
{
	struct strvec errs = STRVEC_INIT;
	int n = profile_parse(yaml, strlen(yaml), "/etc/ezpz/machines.d/testm.yaml", p, &errs);
	for (size_t i = 0; i < errs.n; i++)
		cr_log_error("%s", errs.v[i]);
	cr_assert_eq(n, 0);
	strvec_clear(&errs);
}

/* ---- env -0 ---- */

Test(setupenv_env0, hostile_values)
{
	static const char buf[] =
	    "A=1\0"
	    "NL=a\nb\n\0"
	    "EQ==x=y=\0"
	    "EMPTY=\0"
	    "Q='\"$(id)`id`\\\0"
	    "RS=\036ezpz:fake:end\036\0"
	    "BIN=\x01\xff\xc3\xa9\0"
	    "NOEQUALS\0"
	    "=noname\0"
	    "LAST=z\0";
	struct strvec env = STRVEC_INIT;
	char *err = NULL;

	cr_assert_eq(setupenv_parse_env0(buf, sizeof buf - 1, &env, &err), 0);
	cr_assert_eq(env.n, 8);
	cr_expect_str_eq(env.v[0], "A=1");
	cr_expect_str_eq(env.v[1], "NL=a\nb\n");
	cr_expect_str_eq(env.v[2], "EQ==x=y=");
	cr_expect_str_eq(env.v[3], "EMPTY=");
	cr_expect_str_eq(env.v[4], "Q='\"$(id)`id`\\");
	cr_expect_str_eq(env.v[5], "RS=\036ezpz:fake:end\036");
	cr_expect_str_eq(env.v[6], "BIN=\x01\xff\xc3\xa9");
	cr_expect_str_eq(env.v[7], "LAST=z");
	strvec_clear(&env);
}

Test(setupenv_env0, cut_short)
{
	static const char buf[] = "A=1\0B=par";
	struct strvec env = STRVEC_INIT;
	char *err = NULL;
	cr_expect_eq(setupenv_parse_env0(buf, sizeof buf - 1, &env, &err), -1);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "cut short") != NULL, "%s", err);
	free(err);
	strvec_clear(&env);
	cr_expect_eq(setupenv_parse_env0("", 0, &env, &err), 0, "an empty environment is fine");
	cr_expect_eq(env.n, 0);
}

/* ---- the step list ---- */

static const char profile_yaml[] =
    "name: testm\n"
    "modules:\n"
    "  use: [/soft/modulefiles/, /x]\n"
    "  unload: [darshan]\n"
    "  load: [frameworks/2025.2.0, cray-mpich]\n"
    "python:\n"
    "  conda_env: base\n"
    "  prefix: /opt/py\n"
    "env:\n"
    "  FI_MR_CACHE_MONITOR: userfaultfd\n";

static struct modsys lmod = { MODSYS_LMOD, "/etc/profile.d/lmod.sh", "found it" };

Test(setupenv_plan, profile_modules_conda_prefix_venv)
{
	struct profile pr;
	char *extra[] = { "cudatoolkit/12.4", "$(touch /tmp/pwned)" };
	struct setupenv_opts o = { .machine = "testm", .workdir = "/w", .modules = extra,
		.nmodules = 2, .modsys = &lmod };
	struct setupenv_plan p;
	static const struct { enum step_kind k; const char *arg, *from; } want[] = {
		{ STEP_MODINIT, "/etc/profile.d/lmod.sh", "found it" },
		{ STEP_MODULE_USE, "/soft/modulefiles", "profile" },
		{ STEP_MODULE_USE, "/x", "profile" },
		{ STEP_MODULE_UNLOAD, "darshan", "profile" },
		{ STEP_MODULE_LOAD, "frameworks/2025.2.0", "profile" },
		{ STEP_MODULE_LOAD, "cray-mpich", "profile" },
		{ STEP_MODULE_LOAD, "cudatoolkit/12.4", "--module" },
		{ STEP_MODULE_LOAD, "$(touch /tmp/pwned)", "--module" },
		{ STEP_CONDA, "base", "profile" },
		{ STEP_PREFIX, "/opt/py", "profile" },
		{ STEP_VENV, NULL, "default" },
	};

	parse_profile(&pr, profile_yaml);
	o.profile = &pr;
	setupenv_plan_build(&p, &o);
	cr_assert_eq(p.n, NITEMS(want));
	for (size_t i = 0; i < p.n; i++) {
		cr_expect_eq(p.v[i].kind, want[i].k, "step %zu", i);
		if (want[i].arg)
			cr_expect_str_eq(p.v[i].arg, want[i].arg, "step %zu", i);
		else
			cr_expect_null(p.v[i].arg, "step %zu", i);
		cr_expect(startswith(p.v[i].from, want[i].from), "step %zu from %s", i, p.v[i].from);
		cr_expect_eq(p.v[i].state, STEP_PLANNED);
	}
	cr_expect_str_eq(p.v[1].from, "profile 'testm' (/etc/ezpz/machines.d/testm.yaml)");
	setupenv_plan_free(&p);
	profile_free(&pr);
}

Test(setupenv_plan, options_cut_steps)
{
	struct profile pr;
	char *extra[] = { "x" };
	struct setupenv_opts o = { .machine = "testm", .workdir = "/w", .modsys = &lmod };
	struct setupenv_plan p;

	parse_profile(&pr, profile_yaml);
	o.profile = &pr;
	o.no_modules = 1;
	o.no_venv = 1;
	setupenv_plan_build(&p, &o);
	cr_assert_eq(p.n, 2, "conda and prefix stay with --no-modules --no-venv");
	cr_expect_eq(p.v[0].kind, STEP_CONDA);
	cr_expect_eq(p.v[1].kind, STEP_PREFIX);
	setupenv_plan_free(&p);

	o.profile = NULL;
	setupenv_plan_build(&p, &o);
	cr_expect_eq(p.n, 0, "no profile, --no-venv: nothing to run, so no shell");
	setupenv_plan_free(&p);

	o.no_modules = 0;
	o.no_venv = 0;
	o.venv = "/w/my venv";
	o.modules = extra;
	o.nmodules = 1;
	setupenv_plan_build(&p, &o);
	cr_assert_eq(p.n, 3);
	cr_expect_eq(p.v[0].kind, STEP_MODINIT);
	cr_expect_eq(p.v[1].kind, STEP_MODULE_LOAD);
	cr_expect_str_eq(p.v[1].from, "--module");
	cr_expect_eq(p.v[2].kind, STEP_VENV);
	cr_expect_str_eq(p.v[2].arg, "/w/my venv");
	cr_expect_str_eq(p.v[2].from, "--venv");
	setupenv_plan_free(&p);
	profile_free(&pr);
}

Test(setupenv_plan, no_module_system_fails_before_running)
{
	struct profile pr;
	struct modsys none = { MODSYS_NONE, NULL, "LMOD_CMD, MODULES_CMD and MODULESHOME are unset" };
	struct setupenv_opts o = { .machine = "testm", .workdir = "/w", .modsys = &none,
		.no_venv = 1 };
	struct setupenv_plan p;

	parse_profile(&pr, profile_yaml);
	o.profile = &pr;
	setupenv_plan_build(&p, &o);
	cr_assert_gt(p.n, 0);
	cr_expect_eq(p.v[0].kind, STEP_MODINIT);
	cr_expect_eq(p.v[0].state, STEP_FAILED);
	cr_expect(strstr(p.v[0].note, "no module system found") != NULL, "%s", p.v[0].note);
	setupenv_plan_free(&p);
	profile_free(&pr);
}

/* ---- the transcript ---- */

#define M(x) "\036ezpz:n0nce:" x "\036"

static char *two_mods[] = { "hello/1.0" };

static void
two_steps(struct setupenv_plan *p, struct setupenv_opts *o)
{
	memset(o, 0, sizeof *o);
	o->machine = "m";
	o->workdir = "/w";
	o->modsys = &lmod;
	o->modules = two_mods;
	o->nmodules = 1;
	setupenv_plan_build(p, o);   /* init, load hello/1.0, venv */
	cr_assert_eq(p->n, 3);
}

Test(setupenv_transcript, success)
{
	static const char out[] = "from BASH_ENV\n"
	    M("begin 0") "init says hi\n" M("note 0 Lmod 8.6") M("ok 0")
	    M("begin 1") "Lmod: loading\n" M("ok 1")
	    M("begin 2") M("venv 2 /w/venvs/m/w-usr") M("note 2 created with python3 -m venv")
	    M("ok 2")
	    "stray \036ezpz:wrong:fail 1 1 fake\036 bytes\n" M("env")
	    "A=1\0VIRTUAL_ENV=/w/venvs/m/w-usr\0" M("end");
	struct setupenv_plan p;
	struct setupenv_opts o;
	struct strvec env = STRVEC_INIT;
	char *err = NULL, *pre;

	two_steps(&p, &o);
	cr_assert_eq(setupenv_transcript(&p, "n0nce", out, sizeof out - 1, 0, &env, &err), 0,
	    "%s", err ? err : "");
	cr_expect_eq(p.v[0].state, STEP_OK);
	cr_expect_str_eq(p.v[0].note, "Lmod 8.6");
	cr_expect_str_eq(p.v[0].output, "init says hi\n");
	cr_expect_eq(p.v[1].state, STEP_OK);
	cr_expect_str_eq(p.v[1].output, "Lmod: loading\n");
	cr_expect_eq(p.v[2].state, STEP_OK);
	cr_expect_str_eq(p.v[2].arg, "/w/venvs/m/w-usr", "the default venv's path is reported");
	cr_expect_str_eq(p.v[2].note, "created with python3 -m venv");
	cr_expect(strstr(p.v[2].output, "stray \036ezpz:wrong:fail") != NULL,
	    "a marker with another nonce is only output");
	cr_assert_eq(env.n, 2);
	cr_expect_str_eq(env.v[1], "VIRTUAL_ENV=/w/venvs/m/w-usr");
	pre = setupenv_preamble("n0nce", out, sizeof out - 1);
	cr_expect_str_eq(pre, "from BASH_ENV\n");
	free(pre);
	strvec_clear(&env);
	setupenv_plan_free(&p);
}

Test(setupenv_transcript, failed_step)
{
	static const char out[] = M("begin 0") M("ok 0") M("begin 1")
	    "Lmod has detected the following error: unknown \"hello/1.0\"\n"
	    M("fail 1 1 module load failed");
	struct setupenv_plan p;
	struct setupenv_opts o;
	struct strvec env = STRVEC_INIT;
	char *err = NULL;

	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", out, sizeof out - 1, 11, &env, &err), -1);
	cr_expect_null(err, "the step says why");
	cr_expect_eq(p.v[1].state, STEP_FAILED);
	cr_expect_eq(p.v[1].rc, 1);
	cr_expect_str_eq(p.v[1].note, "module load failed");
	cr_expect(strstr(p.v[1].output, "unknown \"hello/1.0\"") != NULL);
	cr_expect_eq(p.v[2].state, STEP_NOT_RUN);
	cr_expect_eq(env.n, 0);
	setupenv_plan_free(&p);
}

Test(setupenv_transcript, shell_ended_inside_a_step)
{
	static const char out[] = M("begin 0") "sourced file ran exit 3\n";
	static const char killed[] = M("begin 0") M("ok 0") M("begin 1");
	struct setupenv_plan p;
	struct setupenv_opts o;
	struct strvec env = STRVEC_INIT;
	char *err = NULL;

	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", out, sizeof out - 1, 3, &env, &err), -1);
	cr_expect_eq(p.v[0].state, STEP_FAILED);
	cr_expect_eq(p.v[0].rc, 3);
	cr_expect(strstr(p.v[0].note, "status 3") != NULL, "%s", p.v[0].note);
	cr_expect_str_eq(p.v[0].output, "sourced file ran exit 3\n");
	setupenv_plan_free(&p);

	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", killed, sizeof killed - 1, 128 + 9, &env,
	    &err), -1);
	cr_expect_eq(p.v[1].state, STEP_FAILED);
	cr_expect(strstr(p.v[1].note, "signal 9") != NULL, "%s", p.v[1].note);
	setupenv_plan_free(&p);
}

Test(setupenv_transcript, environment_cut_short)
{
	static const char no_end[] = M("begin 0") M("ok 0") M("begin 1") M("ok 1") M("begin 2")
	    M("ok 2") M("env") "A=1\0B=";
	static const char no_env[] = M("begin 0") M("ok 0") M("begin 1") M("ok 1") M("begin 2")
	    M("ok 2");
	struct setupenv_plan p;
	struct setupenv_opts o;
	struct strvec env = STRVEC_INIT;
	char *err = NULL;

	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", no_end, sizeof no_end - 1, 0, &env, &err), -1);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "incomplete") != NULL, "%s", err);
	free(err);
	setupenv_plan_free(&p);
	strvec_clear(&env);

	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", no_env, sizeof no_env - 1, 0, &env, &err), -1);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "before it printed the environment") != NULL, "%s", err);
	free(err);
	setupenv_plan_free(&p);

	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", "", 0, -1, &env, &err), -1);
	cr_assert_not_null(err);
	cr_expect(strstr(err, "could not be started") != NULL, "%s", err);
	free(err);
	setupenv_plan_free(&p);
}

/* ---- the script, in a real bash ---- */

/*
 * A stand-in module system: `module` logs its words, one per line, and
 * "loads" by remembering the name; a name starting with "bad" fails, one
 * starting with "noop" exits 0 and loads nothing (the silent no-op).
 */
static const char fake_init[] =
    "module() {\n"
    "  printf '%s\\n' \"$@\" >> \"$FAKE_LOG\"\n"
    "  case $1 in\n"
    "  is-loaded) case \" ${FAKE_LOADED:-} \" in *\" $2 \"*) return 0;; esac; return 1;;\n"
    "  load) case $2 in bad*) echo \"no such module: $2\" >&2; return 1;;\n"
    "        noop*) return 0;; esac\n"
    "        export FAKE_LOADED=\"${FAKE_LOADED:-} $2\"\n"
    "        export LOADEDMODULES=\"${LOADEDMODULES:+$LOADEDMODULES:}$2\";;\n"
    "  esac\n"
    "}\n";

struct fake {
	char *dir, *log;
	struct modsys ms;
	struct setupenv_opts o;
	struct setupenv_plan p;
	struct strvec env;
	char *err;
	int rc;
};

static void
fake_run(struct fake *f, char **mods, size_t n, const char *loaded)
{
	char *init = xasprintf("%s/init.bash", f->dir), *logf = xasprintf("%s/log", f->dir);
	char *logvar = xasprintf("FAKE_LOG=%s", logf);
	char *lm = xasprintf("LOADEDMODULES=%s", loaded ? loaded : "");
	char *envp[] = { "PATH=/usr/bin:/bin", logvar, loaded ? lm : NULL, NULL };
	char *script, *out = NULL;
	size_t len = 0;
	int status;

	unlink(logf);
	write_file(init, fake_init, 0644);
	f->ms = (struct modsys){ MODSYS_LMOD, init, xstrdup("test") };
	f->o = (struct setupenv_opts){ .machine = "m", .workdir = f->dir, .modules = mods,
		.nmodules = n, .no_venv = 1, .modsys = &f->ms };
	setupenv_plan_build(&f->p, &f->o);
	script = setupenv_script(&f->p, "0123abcd");
	{
		char *argv[] = { "/bin/bash", "-c", script, "t", NULL };
		int truncated = 0;
		status = exec_capture_group(argv, envp, 20000, &out, &len, &truncated);
		cr_assert(!truncated);
	}
	f->err = NULL;
	f->rc = setupenv_transcript(&f->p, "0123abcd", out, len, status, &f->env, &f->err);
	f->log = read_file(logf, READ_MAX_HOSTFILE, NULL, NULL);
	free(out);
	free(script);
	free(logvar);
	free(logf);
	free(lm);
}

static void
fake_free(struct fake *f)
{
	setupenv_plan_free(&f->p);
	modsys_free(&f->ms);
	strvec_clear(&f->env);
	free(f->err);
	free(f->log);
}

Test(setupenv_script, hostile_names_reach_module_as_words)
{
	struct fake f = { .dir = tmpdir() };
	char *pwned = xasprintf("%s/pwned", f.dir);
	char *evil1 = xasprintf("$(touch %s)", pwned);
	char *evil2 = xasprintf("a'; touch %s; '", pwned);
	char *evil3 = xasprintf("x\n touch %s `touch %s`", pwned, pwned);
	char *evil4 = xasprintf("\036ezpz:0123abcd:ok 1\036\"$HOME\\");
	char *mods[] = { evil1, evil2, evil3, evil4, "ok/1.0" };
	char *want;

	fake_run(&f, mods, NITEMS(mods), NULL);
	cr_expect_eq(f.rc, 0, "%s", f.err ? f.err : "");
	cr_expect_neq(access(pwned, F_OK), 0, "no value ran as code");
	cr_assert_not_null(f.log);
	want = xasprintf("load\n%s\n", evil1);
	cr_expect(strstr(f.log, want) != NULL, "module got '%s' as one word:\n%s", evil1, f.log);
	free(want);
	want = xasprintf("load\n%s\n", evil3);
	cr_expect(strstr(f.log, want) != NULL, "module got a name with a newline as one word");
	free(want);
	want = xasprintf("load\n%s\n", evil4);
	cr_expect(strstr(f.log, want) != NULL, "module got a name with markers in it");
	free(want);
	want = xasprintf("%s:%s:%s:%s:ok/1.0", evil1, evil2, evil3, evil4);
	cr_expect_str_eq(env_get(strvec_argv(&f.env), "LOADEDMODULES"), want);
	free(want);
	for (size_t i = 0; i < f.p.n; i++)
		cr_expect_eq(f.p.v[i].state, STEP_OK, "step %zu: %s", i, step_state_name(f.p.v[i].state));
	fake_free(&f);
	rmtree(f.dir);
	free(f.dir);
	free(evil1);
	free(evil2);
	free(evil3);
	free(evil4);
	free(pwned);
}

Test(setupenv_script, failure_and_silent_noop_are_caught)
{
	struct fake f = { .dir = tmpdir() };
	char *bad[] = { "good/1", "bad/2", "never/3" };
	char *noop[] = { "noop/1" };

	fake_run(&f, bad, NITEMS(bad), NULL);
	cr_expect_eq(f.rc, -1);
	cr_expect_eq(f.p.v[1].state, STEP_OK);
	cr_expect_eq(f.p.v[2].state, STEP_FAILED);
	cr_expect_eq(f.p.v[2].rc, 1);
	cr_expect(f.p.v[2].output && strstr(f.p.v[2].output, "no such module: bad/2") != NULL,
	    "%s", f.p.v[2].output ? f.p.v[2].output : "(no output)");
	cr_expect_eq(f.p.v[3].state, STEP_NOT_RUN);
	cr_expect_eq(f.env.n, 0, "no environment from a failed run");
	fake_free(&f);

	fake_run(&f, noop, 1, NULL);
	cr_expect_eq(f.rc, -1);
	cr_expect_eq(f.p.v[1].state, STEP_FAILED);
	cr_expect(f.p.v[1].note && strstr(f.p.v[1].note, "not loaded") != NULL, "%s",
	    f.p.v[1].note ? f.p.v[1].note : "(no note)");
	fake_free(&f);
	rmtree(f.dir);
	free(f.dir);
}

/* ---- the post-condition: test_setup_env_no_silent_noop.sh's 13 cases ---- */

struct py {
	char *dir, *bin, *path;
};

static void
py_setup(struct py *p)
{
	p->dir = tmpdir();
	p->bin = xasprintf("%s/bin", p->dir);
	mkdir(p->bin, 0755);
	p->path = xasprintf("PATH=%s:/usr/bin:/bin", p->bin);
}

static void
py_free(struct py *p)
{
	rmtree(p->dir);
	free(p->dir);
	free(p->bin);
	free(p->path);
}

static int
check(char **envp, int allow)
{
	struct pycheck pc;
	int ok;
	setupenv_python_check(envp, allow, &pc);
	ok = pc.ok;
	pycheck_free(&pc);
	return ok;
}

static char *
advice(char **envp, struct modsys *ms)
{
	struct pycheck pc;
	struct setupenv_opts o = { .machine = "m", .workdir = "/w", .modsys = ms, .no_venv = 1 };
	struct setupenv_plan p;
	char *a;
	setupenv_plan_build(&p, &o);
	setupenv_python_check(envp, 0, &pc);
	a = setupenv_python_advice(&pc, envp, &p);
	pycheck_free(&pc);
	setupenv_plan_free(&p);
	return a;
}

static void
need_system_python(void)
{
	if (access("/usr/bin/python3", X_OK) != 0)
		cr_skip_test("no /usr/bin/python3 here");
}

Test(silent_noop, c01_nothing_active_fails)
{
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	need_system_python();
	cr_expect_not(check(envp, 0));
}

Test(silent_noop, c02_virtual_env_passes)
{
	char *envp[] = { "PATH=/usr/bin:/bin", "VIRTUAL_ENV=/w/venv", NULL };
	need_system_python();
	cr_expect(check(envp, 0));
}

Test(silent_noop, c03_conda_prefix_passes)
{
	char *envp[] = { "PATH=/usr/bin:/bin", "CONDA_PREFIX=/opt/conda", NULL };
	need_system_python();
	cr_expect(check(envp, 0));
}

Test(silent_noop, c04_module_python_passes)
{
	struct py p;
	char *exe;
	py_setup(&p);
	exe = xasprintf("%s/python3", p.bin);
	write_file(exe, "#!/bin/sh\n", 0755);
	{
		char *envp[] = { p.path, NULL };
		struct pycheck pc;
		setupenv_python_check(envp, 0, &pc);
		cr_expect(pc.ok);
		cr_expect_str_eq(pc.python3, exe);
		cr_expect_not(pc.system);
		cr_expect_null(pc.root_var);
		pycheck_free(&pc);
	}
	free(exe);
	py_free(&p);
}

Test(silent_noop, c05_pythonuserbase_only_passes)
{
	char *envp[] = { "PATH=/usr/bin:/bin", "PYTHONUSERBASE=/soft/py/user", NULL };
	need_system_python();
	cr_expect(check(envp, 0));
}

Test(silent_noop, c06_python_root_only_passes)
{
	char *envp[] = { "PATH=/usr/bin:/bin", "PYTHON_ROOT=/soft/py", NULL };
	need_system_python();
	cr_expect(check(envp, 0));
}

Test(silent_noop, c07_symlink_to_system_python_fails)
{
	struct py p;
	char *link;
	need_system_python();
	py_setup(&p);
	link = xasprintf("%s/python3", p.bin);
	cr_assert_eq(symlink("/usr/bin/python3", link), 0);
	{
		char *envp[] = { p.path, NULL };
		struct pycheck pc;
		setupenv_python_check(envp, 0, &pc);
		cr_expect_not(pc.ok, "a shim that resolves to /usr/bin/python3 is still the system's");
		cr_expect_str_eq(pc.python3, link);
		cr_expect(pc.system);
		pycheck_free(&pc);
	}
	free(link);
	py_free(&p);
}

Test(silent_noop, c08_error_names_frameworks_and_module_load)
{
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	char *a;
	need_system_python();
	a = advice(envp, &lmod);
	cr_expect(strstr(a, "did NOT take effect") != NULL, "%s", a);
	cr_expect(strstr(a, "frameworks") != NULL, "%s", a);
	cr_expect(strstr(a, "module load") != NULL, "%s", a);
	cr_expect(strstr(a, "/usr/bin/python3") != NULL, "%s", a);
	free(a);
}

Test(silent_noop, c09_no_module_system_says_module_not_defined)
{
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	struct modsys none = { MODSYS_NONE, NULL, "LMOD_CMD, MODULES_CMD and MODULESHOME are unset" };
	char *a = advice(envp, &none);
	cr_expect(strstr(a, "not defined in this shell") != NULL, "%s", a);
	free(a);
}

Test(silent_noop, c10_module_system_found_no_such_note)
{
	char *envp[] = { "PATH=/usr/bin:/bin", NULL };
	char *a = advice(envp, &lmod);
	cr_expect(strstr(a, "not defined in this shell") == NULL, "%s", a);
	free(a);
}

/* The reference's pbs/slurm branches must not "return 0" after the helper:
 * here, a failed step fails the run though the environment has a venv. */
Test(silent_noop, c11_failed_step_fails_despite_venv)
{
	static const char out[] = M("begin 0") M("ok 0") M("begin 1") M("fail 1 1 module load failed")
	    M("env") "VIRTUAL_ENV=/w/v\0" M("end");
	struct setupenv_plan p;
	struct setupenv_opts o;
	struct strvec env = STRVEC_INIT;
	char *err = NULL;
	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", out, sizeof out - 1, 0, &env, &err), -1);
	setupenv_plan_free(&p);
	strvec_clear(&env);
}

Test(silent_noop, c12_step_that_ends_the_shell_fails)
{
	static const char out[] = M("begin 0") M("ok 0") M("begin 1");
	struct setupenv_plan p;
	struct setupenv_opts o;
	struct strvec env = STRVEC_INIT;
	char *err = NULL;
	two_steps(&p, &o);
	cr_expect_eq(setupenv_transcript(&p, "n0nce", out, sizeof out - 1, 0, &env, &err), -1,
	    "exit 0 in the middle of a step is no success");
	cr_expect_eq(p.v[1].state, STEP_FAILED);
	free(err);
	setupenv_plan_free(&p);
}

/* The check holds on every path: no python3 at all fails even with a root
 * variable set, and --allow-system-python accepts /usr/bin, not nothing. */
Test(silent_noop, c13_no_python3_fails_always)
{
	struct py p;
	py_setup(&p);
	{
		char *path = xasprintf("PATH=%s", p.bin);
		char *envp[] = { path, "VIRTUAL_ENV=/w/venv", NULL };
		char *bare[] = { path, NULL };
		char *a;
		cr_expect_not(check(envp, 0));
		cr_expect_not(check(bare, 1), "--allow-system-python needs a python3");
		a = advice(bare, &lmod);
		cr_expect(strstr(a, "not found on PATH") != NULL, "%s", a);
		free(a);
		free(path);
	}
	py_free(&p);
	if (access("/usr/bin/python3", X_OK) == 0) {
		char *sys[] = { "PATH=/usr/bin:/bin", NULL };
		cr_expect(check(sys, 1), "--allow-system-python accepts /usr/bin/python3");
	}
}

Test(setupenv_script, loaded_modules_are_not_loaded_again)
{
	struct fake f = { .dir = tmpdir() };
	char *mods[] = { "hello", "tcl/2.0", "new/1" };

	fake_run(&f, mods, NITEMS(mods), "hello/1.0:tcl/2.0");
	cr_expect_eq(f.rc, 0, "%s", f.err ? f.err : "");
	cr_expect_eq(f.p.v[1].state, STEP_SKIPPED, "hello/1.0 is loaded: 'hello' is skipped");
	cr_expect_str_eq(f.p.v[1].note, "already loaded");
	cr_expect_eq(f.p.v[2].state, STEP_SKIPPED);
	cr_expect_eq(f.p.v[3].state, STEP_OK);
	cr_assert_not_null(f.log);
	cr_expect_str_eq(f.log, "load\nnew/1\n", "only the new module meets the module command");
	cr_expect_str_eq(env_get(strvec_argv(&f.env), "LOADEDMODULES"), "hello/1.0:tcl/2.0:new/1");
	fake_free(&f);
	rmtree(f.dir);
	free(f.dir);
}

/* ---- conda, prefix and venv steps, in a real bash, with stand-ins ---- */

/* Run the plan of o in bash with envp; returns setupenv_transcript's. */
static int
run_plan(struct setupenv_plan *p, const struct setupenv_opts *o, char **envp,
    struct strvec *env)
{
	char *script, *out = NULL, *err = NULL;
	size_t len = 0;
	int status, r;

	setupenv_plan_build(p, o);
	script = setupenv_script(p, "feedf00d");
	{
		char *argv[] = { "/bin/bash", "-c", script, "t", NULL };
		int truncated = 0;
		status = exec_capture_group(argv, envp, 20000, &out, &len, &truncated);
		cr_assert(!truncated);
	}
	r = setupenv_transcript(p, "feedf00d", out, len, status, env, &err);
	if (err)
		cr_log_info("transcript: %s", err);
	free(err);
	free(out);
	free(script);
	return r;
}

static char *
path_join(const char *a, const char *b)
{
	return xasprintf("%s/%s", a, b);
}

/* A stand-in venv: bin/activate sets VIRTUAL_ENV and PATH, bin/python3. */
static void
fake_venv(const char *dir)
{
	char *cmd = xasprintf("mkdir -p '%s/bin'", dir), *f, *text;
	cr_assert_eq(system(cmd), 0);
	f = path_join(dir, "bin/activate");
	text = xasprintf("VIRTUAL_ENV='%s'; export VIRTUAL_ENV\n"
	    "PATH=\"$VIRTUAL_ENV/bin:$PATH\"; export PATH\n", dir);
	write_file(f, text, 0644);
	free(f);
	f = path_join(dir, "bin/python3");
	write_file(f, "#!/bin/sh\n", 0755);
	free(f);
	free(text);
	free(cmd);
}

static const char conda_yaml[] = "name: testm\npython:\n  conda_env: myenv\n";

Test(setupenv_steps, conda_hook_activate_and_skip)
{
	char *d = tmpdir(), *bin = path_join(d, "bin"), *conda = path_join(d, "bin/conda");
	char *path = xasprintf("PATH=%s:/usr/bin:/bin", bin);
	struct profile pr;
	struct setupenv_opts o = { .machine = "m", .workdir = d, .no_venv = 1, .no_modules = 1 };
	struct setupenv_plan p;
	struct strvec env = STRVEC_INIT;

	mkdir(bin, 0755);
	/* conda's hook defines the conda function that activate needs */
	write_file(conda, "#!/bin/sh\n"
	    "[ \"$1 $2\" = 'shell.bash hook' ] || exit 2\n"
	    "[ -z \"$CONDA_HOOK_FAILS\" ] || { echo 'hook broke' >&2; exit 3; }\n"
	    "echo 'conda() { [ \"$1\" = activate ] || return 1; export CONDA_PREFIX=/envs/$2 "
	    "CONDA_DEFAULT_ENV=$2; }'\n", 0755);
	parse_profile(&pr, conda_yaml);
	o.profile = &pr;
	{
		char *envp[] = { path, NULL };
		cr_expect_eq(run_plan(&p, &o, envp, &env), 0);
		cr_assert_eq(p.n, 1);
		cr_expect_eq(p.v[0].kind, STEP_CONDA);
		cr_expect_eq(p.v[0].state, STEP_OK);
		cr_expect_str_eq(env_get(strvec_argv(&env), "CONDA_PREFIX"), "/envs/myenv");
		setupenv_plan_free(&p);
		strvec_clear(&env);
	}
	{
		char *envp[] = { path, "CONDA_DEFAULT_ENV=myenv", "CONDA_PREFIX=/envs/myenv", NULL };
		cr_expect_eq(run_plan(&p, &o, envp, &env), 0);
		cr_expect_eq(p.v[0].state, STEP_SKIPPED, "an active env is not activated again");
		setupenv_plan_free(&p);
		strvec_clear(&env);
	}
	{
		/* eval "$(failing hook)" would return 0: the hook's status counts */
		char *envp[] = { path, "CONDA_HOOK_FAILS=1", NULL };
		cr_expect_eq(run_plan(&p, &o, envp, &env), -1);
		cr_expect_eq(p.v[0].state, STEP_FAILED);
		cr_expect_eq(p.v[0].rc, 3);
		cr_expect(p.v[0].output && strstr(p.v[0].output, "hook broke"));
		setupenv_plan_free(&p);
		strvec_clear(&env);
	}
	{
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		cr_expect_eq(run_plan(&p, &o, envp, &env), -1);
		cr_expect_eq(p.v[0].rc, 127);
		cr_expect(p.v[0].note && strstr(p.v[0].note, "conda is not on PATH"), "%s", p.v[0].note);
		setupenv_plan_free(&p);
	}
	profile_free(&pr);
	rmtree(d);
	free(d);
	free(bin);
	free(conda);
	free(path);
}

Test(setupenv_steps, prefix_first_on_path)
{
	char *d = tmpdir(), *yaml = xasprintf("name: testm\npython:\n  prefix: %s/py\n", d);
	char *py = path_join(d, "py/bin"), *exe = path_join(d, "py/bin/python3");
	char *path = xasprintf("PATH=/usr/bin:%s:/bin", py);
	char *want = xasprintf("%s:/usr/bin:/bin", py);
	char *envp[] = { path, NULL };
	struct profile pr;
	struct setupenv_opts o = { .machine = "m", .workdir = d, .no_venv = 1, .no_modules = 1 };
	struct setupenv_plan p;
	struct strvec env = STRVEC_INIT;

	parse_profile(&pr, yaml);
	o.profile = &pr;
	cr_expect_eq(run_plan(&p, &o, envp, &env), -1, "no python3 there yet");
	cr_expect(p.v[0].note && strstr(p.v[0].note, "no executable"), "%s", p.v[0].note);
	setupenv_plan_free(&p);
	{
		char *cmd = xasprintf("mkdir -p '%s'", py);
		cr_assert_eq(system(cmd), 0);
		free(cmd);
	}
	write_file(exe, "#!/bin/sh\n", 0755);
	cr_expect_eq(run_plan(&p, &o, envp, &env), 0);
	cr_expect_str_eq(env_get(strvec_argv(&env), "PATH"), want, "moved first, not added twice");
	setupenv_plan_free(&p);
	strvec_clear(&env);
	profile_free(&pr);
	rmtree(d);
	free(d);
	free(yaml);
	free(py);
	free(exe);
	free(path);
	free(want);
}

Test(setupenv_steps, venv_default_name_keep_and_switch)
{
	char *d = tmpdir(), *wd = path_join(d, "my proj");
	char *def = xasprintf("%s/venvs/m/my proj-py3.10-torch", wd);
	char *a = path_join(d, "A"), *b = path_join(d, "B");
	char *pa = xasprintf("PATH=/usr/bin:%s/bin:/bin", a), *va = xasprintf("VIRTUAL_ENV=%s", a);
	char *want;
	struct setupenv_opts o = { .machine = "m", .workdir = wd, .no_modules = 1 };
	struct setupenv_plan p;
	struct strvec env = STRVEC_INIT;

	fake_venv(def);
	fake_venv(a);
	fake_venv(b);
	{
		/* the name: <basename wd>-<basename root>, python3.10 -> py3.10 */
		char *envp[] = { "PATH=/usr/bin:/bin", "CONDA_PREFIX=/opt/envs/python3.10-torch", NULL };
		cr_expect_eq(run_plan(&p, &o, envp, &env), 0);
		cr_expect_str_eq(p.v[0].arg, def);
		cr_expect_str_eq(env_get(strvec_argv(&env), "VIRTUAL_ENV"), def);
		setupenv_plan_free(&p);
		strvec_clear(&env);
	}
	{
		/* an active venv is kept, and put first on PATH */
		char *envp[] = { pa, va, NULL };
		cr_expect_eq(run_plan(&p, &o, envp, &env), 0);
		cr_expect_eq(p.v[0].state, STEP_SKIPPED);
		cr_expect_str_eq(env_get(strvec_argv(&env), "VIRTUAL_ENV"), a);
		want = xasprintf("%s/bin:/usr/bin:/bin", a);
		cr_expect_str_eq(env_get(strvec_argv(&env), "PATH"), want);
		free(want);
		setupenv_plan_free(&p);
		strvec_clear(&env);
	}
	{
		/* --venv B with A active: A leaves PATH, B comes first */
		char *envp[] = { pa, va, NULL };
		o.venv = b;
		cr_expect_eq(run_plan(&p, &o, envp, &env), 0);
		cr_expect_eq(p.v[0].state, STEP_OK);
		cr_expect_str_eq(env_get(strvec_argv(&env), "VIRTUAL_ENV"), b);
		want = xasprintf("%s/bin:/usr/bin:/bin", b);
		cr_expect_str_eq(env_get(strvec_argv(&env), "PATH"), want);
		free(want);
		setupenv_plan_free(&p);
		strvec_clear(&env);
	}
	{
		/* something in the way: a directory with files but no bin/activate */
		char *c = path_join(d, "C"), *f = path_join(d, "C/file");
		char *envp[] = { "PATH=/usr/bin:/bin", NULL };
		mkdir(c, 0755);
		write_file(f, "x", 0644);
		o.venv = c;
		cr_expect_eq(run_plan(&p, &o, envp, &env), -1);
		cr_expect(p.v[0].note && strstr(p.v[0].note, "no venv"), "%s", p.v[0].note);
		setupenv_plan_free(&p);
		free(c);
		free(f);
	}
	rmtree(d);
	free(d);
	free(wd);
	free(def);
	free(a);
	free(b);
	free(pa);
	free(va);
}

/* --module-use comes after the profile's 'module use', before any load. */
Test(setupenv_plan, module_use_option)
{
	char *use[] = { "/home/u/mods/" }, *mods[] = { "mine/1" };
	struct setupenv_opts o = { .machine = "m", .workdir = "/w", .modules = mods, .nmodules = 1,
		.module_use = use, .nmodule_use = 1, .no_venv = 1, .modsys = &lmod };
	struct setupenv_plan p;

	setupenv_plan_build(&p, &o);
	cr_assert_eq(p.n, 3);
	cr_expect_eq(p.v[1].kind, STEP_MODULE_USE);
	cr_expect_str_eq(p.v[1].arg, "/home/u/mods", "trailing slashes go");
	cr_expect_str_eq(p.v[1].from, "--module-use");
	cr_expect_eq(p.v[2].kind, STEP_MODULE_LOAD);
	setupenv_plan_free(&p);
}

/* python.venv_lib_first: the venv's lib goes first on LD_LIBRARY_PATH, only
 * when the profile asks. */
Test(setupenv_script, venv_lib_first)
{
	static const char *const yaml[] = {
		"name: testm\npython:\n  venv_lib_first: true\n",
		"name: testm\n",
	};
	for (int i = 0; i < 2; i++) {
		struct profile pr;
		struct setupenv_opts o = { .machine = "testm", .workdir = "/w", .modsys = &lmod };
		struct setupenv_plan p;
		char *script;

		parse_profile(&pr, yaml[i]);
		cr_expect_eq(pr.venv_lib_first, i == 0);
		o.profile = &pr;
		setupenv_plan_build(&p, &o);
		script = setupenv_script(&p, "0123abcd");
		cr_expect_eq(strstr(script, "export LD_LIBRARY_PATH=\"$VIRTUAL_ENV/lib${LD_LIBRARY_PATH:+:"
		    "$LD_LIBRARY_PATH}\"") != NULL, i == 0, "profile %d", i);
		free(script);
		setupenv_plan_free(&p);
		profile_free(&pr);
	}
}
