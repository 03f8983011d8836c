/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for profile.c: the built-in profiles (src/machines), host name
 * matching, the override order of the profile directories, and the exact
 * FILE:LINE errors of the bad profiles in tests/fixtures/profiles/bad.
 * Paths are found from $EZPZ_TOP (tests/run exports it), else ".".
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "profile.h"
#include "strvec.h"
#include "types.h"
#include "util.h"

/* Absolute, since a relative XDG_CONFIG_HOME is ignored by design. */
static char *
repo_path(const char *rel)
{
	const char *top = getenv("EZPZ_TOP");
	char cwd[4096];
	if (top == NULL || *top == '\0')
		top = getcwd(cwd, sizeof cwd);
	cr_assert_not_null(top);
	return xasprintf("%s/%s", top, rel);
}

static void
load_builtins(struct profiles *ps)
{
	struct strvec errs = STRVEC_INIT;
	char *dir = repo_path("src/machines");
	int n = profiles_load_dir(ps, dir, &errs);
	for (size_t i = 0; i < errs.n; i++)
		cr_log_error("%s", errs.v[i]);
	cr_assert_eq(n, 0, "built-in profiles have %d errors", n);
	cr_assert_eq(errs.n, 0);
	free(dir);
	strvec_clear(&errs);
}

/* Parse text as FILE; the errors come back joined by newlines. */
static int
parse_text(const char *text, const char *file, struct profile *p, char **joined)
{
	struct strvec errs = STRVEC_INIT;
	int n = profile_parse(text, strlen(text), file, p, &errs);
	size_t len = 0;
	char *s = xstrdup("");
	for (size_t i = 0; i < errs.n; i++) {
		char *t = xasprintf("%s%s\n", s, errs.v[i]);
		free(s);
		s = t;
		len++;
	}
	cr_expect_eq((size_t)n, len, "profile_parse returned %d for %zu messages", n, len);
	strvec_clear(&errs);
	*joined = s;
	return n;
}

static const char *const builtin_names[] = {
	"aurora", "frontier", "generic", "perlmutter", "polaris", "sirius", "sophia", "sunspot",
};

Test(profile, builtins_parse_cleanly)
{
	struct profiles ps = PROFILES_INIT;
	load_builtins(&ps);
	cr_expect_eq(ps.n, NITEMS(builtin_names));
	for (size_t i = 0; i < NITEMS(builtin_names); i++) {
		const struct profile *p = profiles_find(&ps, builtin_names[i]);
		cr_expect_not_null(p, "no built-in profile '%s'", builtin_names[i]);
		if (p) {
			cr_expect_not_null(p->description, "%s has no description", p->name);
			cr_expect_not_null(strstr(p->file, builtin_names[i]));
		}
	}
	profiles_free(&ps);
}

/* The facts ezpz cannot detect, per machine (ezpz-python.md §2-§5, peers.md §1.6). */
static const struct {
	const char *name;
	enum sched sched;
	enum launcher launcher;
	enum vendor vendor;
	int gpus, tiles;
	const char *bind;
	int depth;
	const char *suffix;
	const char *first_module;   /* first of modules.load */
	const char *conda_env;
	int detected;               /* has a match: */
} facts[] = {
	{ "aurora", SCHED_PBS, LAUNCHER_PALS, VENDOR_INTEL, 12, 2,
	  "list:1-8:9-16:17-24:25-32:33-40:41-48:53-60:61-68:69-76:77-84:85-92:93-100", -1,
	  ".hsn.cm.aurora.alcf.anl.gov", "frameworks", NULL, 1 },
	{ "sunspot", SCHED_PBS, LAUNCHER_PALS, VENDOR_INTEL, 12, 2,
	  "list:1-8:9-16:17-24:25-32:33-40:41-48:53-60:61-68:69-76:77-84:85-92:93-100", -1,
	  NULL, "frameworks", NULL, 1 },
	{ "polaris", SCHED_PBS, LAUNCHER_PALS, VENDOR_NVIDIA, 4, 0, "depth", 8,
	  ".hsn.cm.polaris.alcf.anl.gov", "conda/2025-09-25", "base", 1 },
	{ "sirius", SCHED_PBS, LAUNCHER_PALS, VENDOR_NVIDIA, 4, 0, "depth", 8,
	  ".hsn.cm.sirius.alcf.anl.gov", NULL, NULL, 1 },
	{ "sophia", SCHED_PBS, LAUNCHER_OPENMPI, VENDOR_NVIDIA, 8, 0, NULL, -1,
	  ".lab.alcf.anl.gov", "conda", "base", 1 },
	{ "perlmutter", SCHED_SLURM, LAUNCHER_SRUN, VENDOR_NVIDIA, 4, 0, NULL, -1,
	  NULL, "cudatoolkit", NULL, 1 },
	{ "frontier", SCHED_SLURM, LAUNCHER_SRUN, VENDOR_AMD, 8, 2, NULL, -1,
	  NULL, "PrgEnv-gnu/8.5.0", NULL, 1 },
	{ "generic", SCHED_UNSET, LAUNCHER_UNSET, VENDOR_UNSET, -1, 0, NULL, -1,
	  NULL, NULL, NULL, 0 },
};

static void
expect_str(const char *got, const char *want, const char *what, const char *name)
{
	if (want == NULL)
		cr_expect_null(got, "%s: %s is '%s', want none", name, what, got);
	else
		cr_expect(got && strcmp(got, want) == 0, "%s: %s is '%s', want '%s'", name, what,
		    got ? got : "(none)", want);
}

Test(profile, builtin_facts)
{
	struct profiles ps = PROFILES_INIT;
	load_builtins(&ps);
	for (size_t i = 0; i < NITEMS(facts); i++) {
		const struct profile *p = profiles_find(&ps, facts[i].name);
		cr_assert_not_null(p, "%s", facts[i].name);
		cr_expect_eq(p->scheduler, facts[i].sched, "%s: scheduler", p->name);
		cr_expect_eq(p->launcher, facts[i].launcher, "%s: launcher", p->name);
		cr_expect_eq(p->gpu_vendor, facts[i].vendor, "%s: vendor", p->name);
		cr_expect_eq(p->gpus_per_host, facts[i].gpus, "%s: per_host", p->name);
		cr_expect_eq(p->gpu_tiles, facts[i].tiles, "%s: tiles", p->name);
		cr_expect_eq(p->cpu_depth, facts[i].depth, "%s: depth", p->name);
		cr_expect_eq(p->nmatch > 0, facts[i].detected, "%s: match", p->name);
		expect_str(p->cpu_bind, facts[i].bind, "cpu.bind", p->name);
		expect_str(p->master_suffix, facts[i].suffix, "master_suffix", p->name);
		expect_str(p->module_load.n ? p->module_load.v[0] : NULL, facts[i].first_module,
		    "modules.load", p->name);
		expect_str(p->conda_env, facts[i].conda_env, "conda_env", p->name);
	}
	profiles_free(&ps);
}

Test(profile, builtin_details)
{
	static const char *const aurora_env[] = {
		"ZE_FLAT_DEVICE_HIERARCHY=FLAT", "CCL_PROCESS_LAUNCHER=pmix", "CCL_OP_SYNC=1",
		"FI_MR_CACHE_MONITOR=userfaultfd", "TORCH_CPP_LOG_LEVEL=ERROR",
		"ONEAPI_DEVICE_SELECTOR=opencl:gpu;level_zero:gpu",
	};
	static const int reserved[] = { 0, 52, 104, 156 };
	static const char *const sophia_args[] = { "-x", "PATH", "-x", "LD_LIBRARY_PATH" };
	struct profiles ps = PROFILES_INIT;
	const struct profile *p;

	load_builtins(&ps);
	p = profiles_find(&ps, "aurora");
	for (size_t i = 0; i < NITEMS(aurora_env); i++)
		cr_expect_geq(strvec_find(&p->env, aurora_env[i]), 0, "aurora env %s", aurora_env[i]);
	for (const char *const *n = builtin_names; n < builtin_names + NITEMS(builtin_names); n++) {
		if (strcmp(*n, "aurora") && strcmp(*n, "sunspot"))
			continue;
		p = profiles_find(&ps, *n);
		cr_assert_eq(p->nreserved, NITEMS(reserved), "%s", *n);
		for (size_t i = 0; i < NITEMS(reserved); i++)
			cr_expect_eq(p->reserved_cores[i], reserved[i]);
	}
	/* FI_MR_CACHE_MONITOR is Aurora's alone (ezpz-python.md §5.11) */
	cr_expect_null(env_get(profiles_find(&ps, "sunspot")->env.v, "FI_MR_CACHE_MONITOR"));

	p = profiles_find(&ps, "sophia");
	cr_assert_eq(p->launcher_args.n, NITEMS(sophia_args));
	for (size_t i = 0; i < NITEMS(sophia_args); i++)
		cr_expect_str_eq(p->launcher_args.v[i], sophia_args[i]);

	p = profiles_find(&ps, "polaris");
	cr_assert_eq(p->module_use.n, 1);
	cr_expect_str_eq(p->module_use.v[0], "/soft/modulefiles");

	p = profiles_find(&ps, "generic");
	cr_expect_eq(p->env.n + p->module_load.n + p->module_use.n + p->launcher_args.n, 0);
	cr_expect_null(p->cpu_bind);
	profiles_free(&ps);
}

/* ezpz-python.md §2.1's test cases, plus the decisions noted in the profiles. */
Test(profile, match_hostnames)
{
	static const struct {
		const char *host;
		const char *env;     /* one "NAME=VALUE", or NULL */
		const char *want;    /* NULL: no profile */
	} cases[] = {
		{ "x4105c0s4b0n0", NULL, "aurora" },
		{ "aurora-uan-0009", NULL, "aurora" },
		{ "X4105C0S4B0N0.HSN.CM.AURORA.ALCF.ANL.GOV", NULL, "aurora" },
		{ "x1002c0s3b0n0", NULL, "sunspot" },
		{ "uan-0001.sunspot.alcf.anl.gov", NULL, "sunspot" },
		{ "uan01", NULL, NULL },
		{ "x3001c0s7b0n0", NULL, "polaris" },
		{ "polaris-login-01", NULL, "polaris" },
		{ "x3001c0s7b0n0.sirius.alcf.anl.gov", NULL, "sirius" },
		{ "x3001c0s7b0n0", "PBS_O_HOST=sirius-login", "sirius" },
		{ "x3001c0s7b0n0", "PBS_O_HOST=polaris-login-02", "polaris" },
		{ "login01.perlmutter", NULL, "perlmutter" },
		{ "nid00123", NULL, "perlmutter" },
		{ "login01", NULL, NULL },
		{ "login01", "NERSC_HOST=perlmutter", "perlmutter" },
		{ "frontier-login01", NULL, "frontier" },
		{ "frontier08123", NULL, "frontier" },
		{ "login05.frontier.olcf.ornl.gov", NULL, "frontier" },
		{ "sophia-n02", NULL, "sophia" },
		{ "myworkstation", NULL, NULL },
		{ "", NULL, NULL },
	};
	struct profiles ps = PROFILES_INIT;
	load_builtins(&ps);
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *envp[] = { (char *)cases[i].env, NULL };
		const struct profile *p = profiles_match(&ps, cases[i].host, envp);
		expect_str(p ? p->name : NULL, cases[i].want, "match", cases[i].host);
	}
	cr_expect_null(profiles_match(&ps, NULL, NULL));
	profiles_free(&ps);
}

static void
add_profile(struct profiles *ps, const char *text)
{
	struct profile p;
	char *errs;
	int n = parse_text(text, "<test>", &p, &errs);
	cr_assert_eq(n, 0, "%s", errs);
	free(errs);
	ps->v = xgrow(ps->v, &ps->alloc, ps->n + 1, sizeof *ps->v);
	ps->v[ps->n++] = p;
}

/* Priority, then the longest pattern, then the name. */
Test(profile, match_tie_breaks)
{
	static const struct {
		const char *host;
		const char *env;
		const char *want;
	} cases[] = {
		{ "abc123", NULL, "pri" },          /* priority beats a longer pattern */
		{ "abz", NULL, "long" },            /* "ab*" (3) beats "a*" (2) */
		{ "ax", NULL, "a-first" },          /* equal length: the name sorting first */
		{ "zzz", "SITE=lab1", "envonly" },  /* an env-only alternative */
		{ "zzz", "SITE=", NULL },           /* the pattern must match the value */
		{ "zzz", NULL, NULL },              /* an unset variable never matches */
		{ "q1", "SITE=lab1", "both" },      /* hostname and env both hold */
		{ "q1", "SITE=xlab1", NULL },
	};
	struct profiles ps = PROFILES_INIT;
	add_profile(&ps, "name: long\nmatch: { hostname: [\"a*\", \"ab*\"] }\n");
	add_profile(&ps, "name: pri\npriority: 5\nmatch: { hostname: \"abc1*\" }\n");
	add_profile(&ps, "name: pri2\npriority: 5\nmatch: { hostname: \"abc1*\" }\n");
	add_profile(&ps, "name: b-second\nmatch: { hostname: \"a*\" }\n");
	add_profile(&ps, "name: a-first\nmatch: { hostname: \"a*\" }\n");
	add_profile(&ps, "name: envonly\nmatch: { env: { SITE: \"lab*\" } }\n");
	add_profile(&ps, "name: both\npriority: 1\n"
	    "match:\n  - { hostname: q*, env: { SITE: lab1 } }\n");
	add_profile(&ps, "name: nomatch\n");
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *envp[] = { (char *)cases[i].env, NULL };
		const struct profile *p = profiles_match(&ps, cases[i].host, envp);
		expect_str(p ? p->name : NULL, cases[i].want, "match", cases[i].host);
	}
	/* "pri" and "pri2" tie on priority and length: the name decides */
	cr_expect_str_eq(profiles_match(&ps, "abc1", NULL)->name, "pri");
	/* what made each match, for info and doctor (an env-only match was
	 * shown as "hostname zzz") */
	{
		static const struct { const char *host, *env, *name, *why; } whys[] = {
			{ "zzz", "SITE=lab1", "envonly", "env SITE=lab1" },
			{ "q1", "SITE=lab1", "both", "hostname q1, env SITE=lab1" },
			{ "abz", NULL, "long", "hostname abz" },
			{ "zzz", NULL, "long", NULL },
		};
		for (size_t i = 0; i < NITEMS(whys); i++) {
			char *envp[] = { (char *)whys[i].env, NULL };
			char *why = profile_match_why(profiles_find(&ps, whys[i].name), whys[i].host, envp);
			expect_str(why, whys[i].why, "why", whys[i].name);
			free(why);
		}
	}
	profiles_free(&ps);
}

static char *
load_errors(struct profiles *ps, const char *rel, int *nerr)
{
	struct strvec errs = STRVEC_INIT;
	char *dir = repo_path(rel);
	char *s = xstrdup("");
	*nerr = profiles_load_dir(ps, dir, &errs);
	for (size_t i = 0; i < errs.n; i++) {
		const char *e = errs.v[i];
		char *t = xasprintf("%s%s\n", s, startswith(e, dir) ? e + strlen(dir) + 1 : e);
		free(s);
		s = t;
	}
	free(dir);
	strvec_clear(&errs);
	return s;
}

static const char *
desc(const struct profiles *ps, const char *name)
{
	const struct profile *p = profiles_find(ps, name);
	return p ? p->description : "(missing)";
}

/* Later directories replace earlier profiles of the same name, whole. */
Test(profile, override_order)
{
	struct profiles ps = PROFILES_INIT;
	char *data = repo_path("tests/fixtures/profiles/override/data");
	char *xdg = repo_path("tests/fixtures/profiles/override/xdg");
	char *home = repo_path("tests/fixtures/profiles/override/home");
	char *own = repo_path("tests/fixtures/profiles/override/own");
	char *e_xdg = xasprintf("XDG_CONFIG_HOME=%s", xdg);
	char *e_home = xasprintf("HOME=%s", home);
	char *e_own = xasprintf("EZPZ_CONFIG_DIR=%s", own);
	struct strvec errs = STRVEC_INIT;

	char *env1[] = { e_home, e_xdg, e_own, NULL };
	cr_expect_eq(profiles_load_default(&ps, data, env1, &errs), 0);
	cr_expect_eq(ps.n, 3);
	cr_expect_str_eq(desc(&ps, "alpha"), "xdg");     /* XDG_CONFIG_HOME, not HOME */
	cr_expect_str_eq(desc(&ps, "beta"), "own");      /* EZPZ_CONFIG_DIR last */
	cr_expect_str_eq(desc(&ps, "gamma"), "data");    /* .gamma.yaml is skipped */
	cr_expect(strstr(profiles_find(&ps, "beta")->file, "/own/beta.yaml") != NULL);
	profiles_free(&ps);

	/* no XDG_CONFIG_HOME, or a relative one: $HOME/.config */
	char *env2[] = { "XDG_CONFIG_HOME=relative/dir", e_home, NULL };
	cr_expect_eq(profiles_load_default(&ps, data, env2, &errs), 0);
	cr_expect_str_eq(desc(&ps, "alpha"), "home");
	cr_expect_str_eq(desc(&ps, "beta"), "data");
	profiles_free(&ps);

	/* nothing set, no datadir: only /etc/ezpz/machines.d, absent here */
	char *env3[] = { NULL };
	cr_expect_eq(profiles_load_default(&ps, NULL, env3, &errs), 0);
	cr_expect_eq(errs.n, 0);
	profiles_free(&ps);
	free(data), free(xdg), free(home), free(own);
	free(e_xdg), free(e_home), free(e_own);
}

/* A profile with errors is skipped; the one it would replace stays. */
Test(profile, broken_override_keeps_earlier)
{
	struct profiles ps = PROFILES_INIT;
	int n;
	char *errs;
	free(load_errors(&ps, "tests/fixtures/profiles/override/data/machines", &n));
	cr_assert_eq(n, 0);
	errs = load_errors(&ps, "tests/fixtures/profiles/override/broken", &n);
	cr_expect_eq(n, 1);
	cr_expect_str_eq(errs, "alpha.yaml:4: gpu.per_host: expected an integer, got 'many'\n");
	cr_expect_str_eq(desc(&ps, "alpha"), "data");
	cr_expect_str_eq(desc(&ps, "delta"), "broken dir, good file");
	cr_expect_eq(ps.n, 4);
	free(errs);
	profiles_free(&ps);
}

Test(profile, load_dir_missing_and_unreadable)
{
	struct profiles ps = PROFILES_INIT;
	struct strvec errs = STRVEC_INIT;
	char tmp[] = "/tmp/ezpz-profile-XXXXXX";
	char *sub, *file;

	cr_expect_eq(profiles_load_dir(&ps, "/nonexistent/ezpz/machines.d", &errs), 0);
	cr_expect_eq(errs.n, 0);

	cr_assert_not_null(mkdtemp(tmp));
	/* a "profile" that cannot be read (a directory; root reads any file) */
	sub = xasprintf("%s/unreadable.yaml", tmp);
	cr_assert_eq(mkdir(sub, 0700), 0);
	cr_expect_eq(profiles_load_dir(&ps, tmp, &errs), 1);
	cr_assert_eq(errs.n, 1);
	cr_expect_str_eq(errs.v[0] + strlen(tmp), "/unreadable.yaml: cannot read: Is a directory");
	cr_expect_eq(ps.n, 0);
	strvec_clear(&errs);

	/* a file where a directory should be */
	file = xasprintf("%s/plain", tmp);
	FILE *fp = fopen(file, "w");
	cr_assert_not_null(fp);
	fclose(fp);
	cr_expect_eq(profiles_load_dir(&ps, file, &errs), 1);
	cr_assert_eq(errs.n, 1);
	cr_expect_str_eq(errs.v[0] + strlen(tmp), "/plain: cannot read directory: Not a directory");
	strvec_clear(&errs);

	unlink(file);
	rmdir(sub);
	rmdir(tmp);
	free(sub);
	free(file);
}

/* Each bad profile and every message it must give, in line order. */
static const struct {
	const char *file;
	const char *errors;
} bad[] = {
	{ "anchors.yaml",
	  "bad/anchors.yaml:3: anchors and aliases are not supported\n"
	  "bad/anchors.yaml:4: anchors and aliases are not supported\n" },
	{ "bad-list.yaml",
	  "bad/bad-list.yaml:3: cpu.bind: bad CPU list 'list:1-8:16-9' (want list:N-M:N,M-K...)\n" },
	{ "bad-name.yaml",
	  "bad/bad-name.yaml:1: name: 'Bad Name' is not a valid profile name "
	  "(use a-z, 0-9, '_', '-'; at most 64)\n" },
	{ "cross.yaml",
	  "bad/cross.yaml:4: gpu.per_host is 4 but gpu.vendor is none\n"
	  "bad/cross.yaml:6: cpu.bind: binds reserved core 0\n"
	  "bad/cross.yaml:7: cpu.depth is only used with 'bind: depth'\n" },
	{ "duplicates.yaml",
	  "bad/duplicates.yaml:5: duplicate key 'gpu.per_host' (first on line 4)\n"
	  "bad/duplicates.yaml:6: duplicate key 'scheduler' (first on line 2)\n"
	  "bad/duplicates.yaml:9: duplicate key 'env.A' (first on line 8)\n" },
	{ "empty.yaml", "bad/empty.yaml:1: empty file\n" },
	{ "enums.yaml",
	  "bad/enums.yaml:2: scheduler: unknown value 'pbspro' "
	  "(expected local, pbs, slurm, flux or lsf)\n"
	  "bad/enums.yaml:3: launcher: unknown value 'mpiexec' "
	  "(expected none, pals, mpich, openmpi or srun)\n"
	  "bad/enums.yaml:5: gpu.vendor: unknown value 'NVIDIA' "
	  "(expected none, nvidia, amd or intel)\n" },
	{ "match.yaml",
	  "bad/match.yaml:4: unknown key 'match.hostnames' (did you mean 'match.hostname'?)\n"
	  "bad/match.yaml:5: match: an alternative needs a hostname pattern or an env condition "
	  "(an empty one would match every host)\n"
	  "bad/match.yaml:6: match: expected a mapping, got a string\n"
	  "bad/match.yaml:7: match.hostname: expected a list of strings, got a mapping\n"
	  "bad/match.yaml:8: match.env: '1BAD' is not a valid variable name\n"
	  "bad/match.yaml:8: match.env.PBS_O_HOST: missing value (write \"\" for empty)\n"
	  "bad/match.yaml:9: match: an alternative needs a hostname pattern or an env condition "
	  "(an empty one would match every host)\n"
	  "bad/match.yaml:10: match: an alternative needs a hostname pattern or an env condition "
	  "(an empty one would match every host)\n" },
	{ "missing-name.yaml",
	  "bad/missing-name.yaml:1: missing required key 'name'\n"
	  "bad/missing-name.yaml:4: gpu: expected a mapping, got a string\n" },
	{ "name-mismatch.yaml",
	  "bad/name-mismatch.yaml:1: name 'polaris' does not match the file name "
	  "'name-mismatch.yaml'\n" },
	{ "syntax.yaml",
	  "bad/syntax.yaml:4: YAML syntax error: mapping values are not allowed in this context\n" },
	{ "tags.yaml", "bad/tags.yaml:2: YAML tags are not supported\n" },
	{ "top-list.yaml",
	  "bad/top-list.yaml:1: expected a mapping (name:, match:, ...) at the top, got a list\n" },
	{ "two-docs.yaml",
	  "bad/two-docs.yaml:2: more than one YAML document (one profile per file)\n" },
	{ "types.yaml",
	  "bad/types.yaml:2: description: expected a string, got a list\n"
	  "bad/types.yaml:3: priority: 100000 is out of range (-1000 to 1000)\n"
	  "bad/types.yaml:6: gpu.per_host: expected an integer, got 'twelve'\n"
	  "bad/types.yaml:7: gpu.tiles: -1 is out of range (1 to 16)\n"
	  "bad/types.yaml:10: cpu.depth: 0 is out of range (1 to 4096)\n"
	  "bad/types.yaml:11: cpu.reserved_cores: -4 is out of range (0 to 65535)\n"
	  "bad/types.yaml:11: cpu.reserved_cores: core 52 listed twice\n"
	  "bad/types.yaml:11: cpu.reserved_cores: expected an integer, got 'x'\n"
	  "bad/types.yaml:12: launcher_args: expected a list of strings, got a string\n"
	  "bad/types.yaml:13: modules: expected a mapping, got a list\n"
	  "bad/types.yaml:15: python.conda_env: missing value\n"
	  "bad/types.yaml:16: python.prefix: expected a string, got a mapping\n"
	  "bad/types.yaml:18: network.master_suffix: 'hsn.cm.aurora.alcf.anl.gov' "
	  "must start with '.'\n"
	  "bad/types.yaml:21: env: 'BAD-NAME' is not a valid variable name\n"
	  "bad/types.yaml:22: env.EMPTY: missing value (write \"\" for empty)\n"
	  "bad/types.yaml:23: env.LIST: expected a string, got a list\n" },
	{ "unclosed.yaml",
	  "bad/unclosed.yaml:4: YAML syntax error: did not find expected ',' or ']' "
	  "(while parsing a flow sequence at line 3)\n" },
	{ "unknown-keys.yaml",
	  "bad/unknown-keys.yaml:3: unknown key 'priorty' (did you mean 'priority'?)\n"
	  "bad/unknown-keys.yaml:6: unknown key 'gpu.per_hots' (did you mean 'gpu.per_host'?)\n"
	  "bad/unknown-keys.yaml:7: unknown key 'gpu.ranks_per_nod'\n"
	  "bad/unknown-keys.yaml:8: unknown key 'depth' (did you mean 'cpu.depth'?)\n"
	  "bad/unknown-keys.yaml:10: unknown key 'cpu.bnid' (did you mean 'cpu.bind'?)\n"
	  "bad/unknown-keys.yaml:11: unknown key 'colour'\n" },
	{ "utf8.yaml", "bad/utf8.yaml:2: invalid UTF-8 (byte 0xe9)\n" },
};

static size_t
count_yaml(const char *rel)
{
	char *dir = repo_path(rel);
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d)) != NULL)
		n += strlen(de->d_name) > 5 && strcmp(de->d_name + strlen(de->d_name) - 5, ".yaml") == 0;
	closedir(d);
	free(dir);
	return n;
}

Test(profile, bad_profiles_exact_errors)
{
	struct profiles ps = PROFILES_INIT;
	char *all, *want = xstrdup("");
	int n, total = 0;

	for (size_t i = 0; i < NITEMS(bad); i++) {
		char *path = xasprintf("tests/fixtures/profiles/bad/%s", bad[i].file);
		char *full = repo_path(path);
		char *label = xasprintf("bad/%s", bad[i].file);
		size_t len;
		char *text = read_file(full, READ_MAX_PROFILE, &len, NULL);
		struct strvec errs = STRVEC_INIT;
		struct profile p;
		char *got = xstrdup(""), *t;

		cr_assert_not_null(text, "%s", full);
		n = profile_parse(text, len, label, &p, &errs);
		for (size_t k = 0; k < errs.n; k++) {
			t = xasprintf("%s%s\n", got, errs.v[k]);
			free(got);
			got = t;
		}
		cr_expect_str_eq(got, bad[i].errors, "%s", bad[i].file);
		cr_expect_eq((size_t)n, errs.n, "%s: returned %d for %zu messages", bad[i].file, n,
		    errs.n);
		cr_expect_null(p.name, "%s: profile not cleared", bad[i].file);
		total += n;
		t = xasprintf("%s%s", want, bad[i].errors);
		free(want);
		want = t;
		strvec_clear(&errs);
		free(got), free(text), free(label), free(full), free(path);
	}

	/* the same through the directory loader, in name order; nothing loads */
	all = load_errors(&ps, "tests/fixtures/profiles/bad", &n);
	cr_expect_eq(n, total);
	cr_expect_eq(ps.n, 0);
	{
		/* load_errors strips the directory: put "bad/" back to compare */
		char *s = xstrdup("");
		for (char *line = strtok(all, "\n"); line; line = strtok(NULL, "\n")) {
			char *t = xasprintf("%sbad/%s\n", s, line);
			free(s);
			s = t;
		}
		cr_expect_str_eq(s, want);
		free(s);
	}
	cr_expect_eq(count_yaml("tests/fixtures/profiles/bad"), NITEMS(bad),
	    "every fixture in tests/fixtures/profiles/bad is in the table");
	free(all);
	free(want);
	profiles_free(&ps);
}

/* Cases too small for a fixture file. */
Test(profile, parse_edge_cases)
{
	static const struct {
		const char *text;
		const char *errors;
	} cases[] = {
		{ "", "t.yaml:1: empty file\n" },
		{ "---\n", "t.yaml:1: empty file\n" },
		{ "# nothing\n\n", "t.yaml:1: empty file\n" },
		{ "name:\n", "t.yaml:1: name: missing value\n" },
		{ "name: \"\"\n", "t.yaml:1: name: empty string\n" },
		{ "name: t\nmatch: []\n",
		  "t.yaml:2: match: no alternatives (leave 'match' out for a profile that is never "
		  "detected)\n" },
		{ "name: t\nenv: { A: \"a\\0b\" }\n", "t.yaml:2: NUL character in a value\n" },
		{ "name: t\nx: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
		  "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
		  "t.yaml:2: nested deeper than 32 levels\n" },
		{ "name: t\npython: { prefix: opt/py }\n",
		  "t.yaml:2: python.prefix: 'opt/py' is not an absolute path\n" },
		{ "name: t\ncpu: { bind: \"list:1-8 9-16\" }\n",
		  "t.yaml:2: cpu.bind: 'list:1-8 9-16' contains blanks\n" },
		{ "name: t\ncpu: { bind: \"list:1-8::9\" }\n",
		  "t.yaml:2: cpu.bind: bad CPU list 'list:1-8::9' (want list:N-M:N,M-K...)\n" },
		{ "name: t\ncpu: { bind: \"list:1-8:\" }\n",
		  "t.yaml:2: cpu.bind: bad CPU list 'list:1-8:' (want list:N-M:N,M-K...)\n" },
		{ "name: t\ngpu: { per_host: 99999999999999999999999 }\n",
		  "t.yaml:2: gpu.per_host: 99999999999999999999999 is out of range (0 to 1024)\n" },
		{ "name: t\npriority: [1]\n", "t.yaml:2: priority: expected an integer, got a list\n" },
		{ "name: t\nvendor: nvidia\n", "t.yaml:2: unknown key 'vendor' (did you mean 'gpu.vendor'?)\n" },
		{ "name: t\nName: t\n", "t.yaml:2: unknown key 'Name' (did you mean 'name'?)\n" },
		{ "name: t\n? [a]\n: b\n", "t.yaml:2: keys must be strings, not a list\n" },
		{ "- a\n", "t.yaml:1: expected a mapping (name:, match:, ...) at the top, got a list\n" },
		{ "name: t\n\tgpu: 1\n", NULL },    /* a tab: libyaml's own words; just one error */
		{ "name: t\ndescription: a\001b\n",
		  "t.yaml:2: YAML syntax error: control characters are not allowed\n" },
		{ "name: t\ndescription: \"two\\nlines\"\n",
		  "t.yaml:2: description: one line, without tabs (shell completion shows it)\n" },
		{ "name: t\ndescription: |\n  two\n  lines\n",
		  "t.yaml:2: description: one line, without tabs (shell completion shows it)\n" },
		{ "\xef\xbb\xbfname: t\r\ngpu:\r\n  per_host: x\r\n",     /* BOM, CRLF */
		  "t.yaml:3: gpu.per_host: expected an integer, got 'x'\n" },
		{ "\xff\xfen\0", "t.yaml:1: invalid UTF-8 (byte 0xff)\n" },   /* UTF-16 */
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		struct profile p;
		char *errs;
		int n = parse_text(cases[i].text, "t.yaml", &p, &errs);
		if (cases[i].errors)
			cr_expect_str_eq(errs, cases[i].errors, "case %zu", i);
		else
			cr_expect_eq(n, 1, "case %zu: %s", i, errs);
		cr_expect_null(p.name);
		free(errs);
	}
}

/* What a profile holds when keys are left out, and the accepted forms. */
Test(profile, srun_mpi)
{
	struct profile p;
	char *errs;
	cr_assert_eq(parse_text("name: t\nsrun_mpi: pmi2\n", "t.yaml", &p, &errs), 0, "%s", errs);
	free(errs);
	cr_expect_str_eq(p.srun_mpi, "pmi2");
	profile_free(&p);
	cr_assert_eq(parse_text("name: t\n", "t.yaml", &p, &errs), 0, "%s", errs);
	free(errs);
	cr_expect_null(p.srun_mpi);
	profile_free(&p);
	cr_expect_neq(parse_text("name: t\nsrun_mpi: \"pmix --pty\"\n", "t.yaml", &p, &errs), 0);
	cr_expect_str_eq(errs, "t.yaml:2: srun_mpi: 'pmix --pty' is not an MPI plugin type (like "
	    "pmix, pmi2, cray_shasta; or site: srun's own default)\n");
	free(errs);
}

Test(profile, defaults_and_forms)
{
	struct profile p;
	char *errs;
	cr_assert_eq(parse_text("name: t\n", "t.yaml", &p, &errs), 0, "%s", errs);
	free(errs);
	cr_expect_eq(p.priority, 0);
	cr_expect_eq(p.scheduler, SCHED_UNSET);
	cr_expect_eq(p.launcher, LAUNCHER_UNSET);
	cr_expect_eq(p.gpu_vendor, VENDOR_UNSET);
	cr_expect_eq(p.gpus_per_host, -1);
	cr_expect_eq(p.gpu_tiles, 0);
	cr_expect_eq(p.cpu_depth, -1);
	cr_expect_eq(p.nmatch, 0);
	cr_expect_str_eq(p.file, "t.yaml");
	profile_free(&p);

	cr_assert_eq(parse_text(
	    "name: t\n"
	    "priority: -3\n"
	    "match: { hostname: \"h*\" }\n"
	    "gpu: { vendor: none, per_host: \"0\" }\n"
	    "cpu: { bind: \"verbose,list:1-3,5:6\", reserved_cores: 4 }\n"
	    "modules: { load: frameworks, unload: [], use: }\n"
	    "launcher_args: []\n"
	    "env: { EMPTY: \"\", NUM: 1, FLAG: false }\n",
	    "t.yaml", &p, &errs), 0, "%s", errs);
	free(errs);
	cr_expect_eq(p.priority, -3);
	cr_assert_eq(p.nmatch, 1);
	cr_expect_str_eq(p.match[0].hostname.v[0], "h*");
	cr_expect_eq(p.gpu_vendor, VENDOR_NONE);
	cr_expect_eq(p.gpus_per_host, 0);
	cr_expect_eq(p.nreserved, 1);
	cr_expect_eq(p.reserved_cores[0], 4);
	cr_assert_eq(p.module_load.n, 1);
	cr_expect_str_eq(p.module_load.v[0], "frameworks");
	cr_expect_eq(p.module_unload.n + p.module_use.n + p.launcher_args.n, 0);
	cr_assert_eq(p.env.n, 3);
	cr_expect_str_eq(p.env.v[0], "EMPTY=");
	cr_expect_str_eq(p.env.v[1], "NUM=1");
	cr_expect_str_eq(p.env.v[2], "FLAG=false");
	profile_free(&p);
}

/*
 * A guard against pathologically slow loading, not a benchmark: the built-in
 * profiles load in about 0.16 ms (-O2; 1.7 ms with ASan), and this runs on
 * every 'ezpz launch --dry-run'.  The bound leaves room for a loaded machine.
 */
Test(profile, load_is_fast)
{
	struct timespec a, b;
	enum { ROUNDS = 10 };
	double ms;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < ROUNDS; i++) {
		struct profiles ps = PROFILES_INIT;
		load_builtins(&ps);
		profiles_free(&ps);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6) / ROUNDS;
	cr_log_info("built-in profiles: %.3f ms per load", ms);
	/* valgrind (its preload in LD_PRELOAD) is some 150 times slower */
	if (strstr(getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "", "vgpreload") == NULL)
		cr_expect_lt(ms, 10.0, "loading the built-in profiles took %.3f ms", ms);
}

/*
 * Duplicate keys found by sorting (not pair by pair) are still reported at
 * the later key's line with the first one's, in file order, in an env map
 * of 20,000 keys and in a section; a key repeated three times names the
 * first both times, and keys that are prefixes of others are not mistaken
 * for repeats.
 */
Test(profile, duplicate_keys_in_a_large_map)
{
	enum { N = 20000 };
	struct profile p;
	char *errs, *text = xstrdup("name: t\nenv:\n"), *t;
	size_t len = strlen(text), alloc = len + 1;

	for (int i = 0; i < N; i++) {
		/* line 3 + i; V_<i> in a scrambled order, V_17 again at the end */
		char line[64];
		int n = snprintf(line, sizeof line, "  V_%d: \"%d\"\n", (i * 7919) % N, i);
		text = xgrow(text, &alloc, len + (size_t)n + 1, 1);
		memcpy(text + len, line, (size_t)n + 1);
		len += (size_t)n;
	}
	t = xasprintf("%s  V_1: x\n  V_17: a\n  V_17: b\n  V_1000: y\n"
	    "gpu:\n  per_host: 4\n  vendor: nvidia\n  per_host: 8\n", text);
	free(text);
	/* (i * 7919) % N is 17 at i = 543 (line 546), 1 at i = 17679, 1000 at i = 19000 */
	cr_assert_eq(parse_text(t, "t.yaml", &p, &errs), 5, "%s", errs);
	cr_expect_str_eq(errs,
	    "t.yaml:20003: duplicate key 'env.V_1' (first on line 17682)\n"
	    "t.yaml:20004: duplicate key 'env.V_17' (first on line 546)\n"
	    "t.yaml:20005: duplicate key 'env.V_17' (first on line 546)\n"
	    "t.yaml:20006: duplicate key 'env.V_1000' (first on line 19003)\n"
	    "t.yaml:20010: duplicate key 'gpu.per_host' (first on line 20008)\n");
	free(errs);
	free(t);
}

/* submit: the site's own directives: ALCF's filesystems and a required
 * account live in its profiles, nowhere else; a bad value is an error. */
Test(profile, submit_site_directives)
{
	struct profiles ps = PROFILES_INIT;
	struct profile p;
	const struct profile *a;
	char *errs;

	load_builtins(&ps);
	a = profiles_find(&ps, "aurora");
	cr_assert_not_null(a);
	cr_expect_str_eq(a->submit_filesystems, "home:flare");
	cr_expect_eq(a->submit_account_required, 1);
	a = profiles_find(&ps, "polaris");
	cr_assert_not_null(a);
	cr_expect_str_eq(a->submit_filesystems, "home:eagle");
	a = profiles_find(&ps, "generic");
	cr_assert_not_null(a);
	cr_expect_null(a->submit_filesystems);
	cr_expect_eq(a->submit_account_required, 0);
	profiles_free(&ps);

	cr_assert_eq(parse_text("name: t\nsubmit: { account: maybe }\n", "t.yaml", &p, &errs), 1);
	cr_expect_str_eq(errs, "t.yaml:2: submit.account: unknown value 'maybe' (expected optional "
	    "or required)\n");
	free(errs);
}
