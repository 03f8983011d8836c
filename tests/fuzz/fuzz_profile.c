/* SPDX-License-Identifier: MIT */
/*
 * fuzz_profile: machine-profile YAML (src/profile.c, ezpz-machines(5)).
 *
 * The input is the file, given with its length and no NUL after it (the
 * API takes a length).  profile_parse must return the number of errors it
 * appended, each "FILE:LINE: message" with LINE within the file, and leave
 * the profile zeroed on error; an accepted profile must hold what the
 * format promises (a valid name, values in their documented ranges).  The
 * accepted profile is then matched against a few host names.
 */
#include <limits.h>

#include "fuzz.h"
#include "profile.h"
#include "shell.h"
#include "strvec.h"
#include "util.h"

#define FILE_NAME "<fuzz>"

/* An upper bound of the lines libyaml counts: it also breaks lines at a
 * lone CR, NEL (U+0085), LS and PS (U+2028, U+2029). */
static long
lines_in(const uint8_t *data, size_t size)
{
	long n = 1;
	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n' || data[i] == '\r' || (data[i] == 0x85 && i > 0 &&
		    data[i - 1] == 0xc2) || ((data[i] == 0xa8 || data[i] == 0xa9) && i > 1 &&
		    data[i - 1] == 0x80 && data[i - 2] == 0xe2);
	return n;
}

static void
check_errors(const struct strvec *errs, int n, long nlines, const struct profile *p)
{
	FUZZ_CHECK(n > 0 && errs->n == (size_t)n, "returned %d, appended %zu", n, errs->n);
	for (size_t i = 0; i < errs->n; i++) {
		const char *e = errs->v[i], *why;
		char *colon;
		long line;
		FUZZ_CHECK(strncmp(e, FILE_NAME ":", sizeof FILE_NAME) == 0, "error '%s'", e);
		colon = strchr(e + sizeof FILE_NAME, ':');
		FUZZ_CHECK(colon != NULL && colon[1] == ' ' && colon[2], "error '%s'", e);
		*colon = '\0';
		FUZZ_CHECK(parse_long(e + sizeof FILE_NAME, 1, nlines + 1, &line, &why) == 0,
		    "error line '%s' (%s) in a file of %ld lines", e + sizeof FILE_NAME, why, nlines);
		*colon = ':';
	}
	FUZZ_CHECK(p->name == NULL && p->description == NULL && p->file == NULL &&
	    p->match == NULL && p->nmatch == 0 && p->cpu_bind == NULL &&
	    p->reserved_cores == NULL && p->master_suffix == NULL && p->conda_env == NULL &&
	    p->python_prefix == NULL && p->env.n == 0 && p->module_load.n == 0,
	    "rejected, but the profile was not cleared");
}

static void
check_profile(const struct profile *p)
{
	FUZZ_CHECK(p->name && *p->name && strlen(p->name) <= 64 &&
	    strspn(p->name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(p->name),
	    "name '%s'", p->name ? p->name : "(null)");
	FUZZ_CHECK(p->file && strcmp(p->file, FILE_NAME) == 0, "file");
	FUZZ_CHECK(p->priority >= -1000 && p->priority <= 1000, "priority %d", p->priority);
	FUZZ_CHECK(p->gpus_per_host >= -1 && p->gpus_per_host <= 1024, "per_host %d",
	    p->gpus_per_host);
	FUZZ_CHECK(!(p->gpus_per_host > 0 && p->gpu_vendor == VENDOR_NONE), "GPUs of vendor none");
	FUZZ_CHECK(p->gpu_tiles >= 0 && p->gpu_tiles <= 16, "tiles %d", p->gpu_tiles);
	FUZZ_CHECK(p->cpu_depth == -1 || (p->cpu_depth >= 1 && p->cpu_depth <= 4096), "depth %d",
	    p->cpu_depth);
	FUZZ_CHECK(p->cpu_depth == -1 || (p->cpu_bind && strcmp(p->cpu_bind, "depth") == 0),
	    "depth without bind: depth");
	FUZZ_CHECK(p->nreserved == 0 || p->reserved_cores, "reserved cores");
	for (size_t i = 0; i < p->nreserved; i++) {
		FUZZ_CHECK(p->reserved_cores[i] >= 0 && p->reserved_cores[i] <= 65535, "core %d",
		    p->reserved_cores[i]);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(p->reserved_cores[i] != p->reserved_cores[j], "core %d twice",
			    p->reserved_cores[i]);
	}
	FUZZ_CHECK(p->master_suffix == NULL || p->master_suffix[0] == '.', "suffix '%s'",
	    p->master_suffix);
	FUZZ_CHECK(p->python_prefix == NULL || p->python_prefix[0] == '/', "prefix '%s'",
	    p->python_prefix);
	for (size_t i = 0; i < p->env.n; i++) {
		const char *eq = strchr(p->env.v[i], '=');
		char *k;
		FUZZ_CHECK(eq != NULL, "env '%s'", p->env.v[i]);
		k = xstrndup(p->env.v[i], (size_t)(eq - p->env.v[i]));
		FUZZ_CHECK(shell_valid_name(k), "env name '%s'", k);
		free(k);
	}
	for (size_t i = 0; i < p->nmatch; i++) {
		const struct profile_match *m = &p->match[i];
		FUZZ_CHECK(m->hostname.n + m->env.n > 0, "match %zu is empty", i);
		for (size_t j = 0; j < m->env.n; j++)
			FUZZ_CHECK(strchr(m->env.v[j], '=') != NULL, "match env '%s'", m->env.v[j]);
	}
}

/* Match the profile against its own patterns used as names, and others. */
static void
match_some(struct profile *p)
{
	struct profiles ps = { p, 1, 1 };
	static const char *const hosts[] = { "x4105c0s4b0n0", "nid001004", "", "login01" };
	struct strvec env = STRVEC_INIT;

	for (size_t i = 0; i < p->nmatch; i++)
		strvec_pushv(&env, p->match[i].env.v ? p->match[i].env.v : (char *[]){ NULL });
	for (size_t i = 0; i < NITEMS(hosts); i++)
		(void)profiles_match(&ps, hosts[i], strvec_argv(&env));
	for (size_t i = 0; i < p->nmatch; i++)
		for (size_t j = 0; j < p->match[i].hostname.n; j++)
			(void)profiles_match(&ps, p->match[i].hostname.v[j], strvec_argv(&env));
	FUZZ_CHECK(profiles_find(&ps, p->name) == p, "profiles_find");
	strvec_clear(&env);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strvec errs = STRVEC_INIT;
	struct profile p;
	char *text = malloc(size ? size : 1);
	int n;

	FUZZ_CHECK(text != NULL, "malloc");
	memcpy(text, data, size);
	n = profile_parse(text, size, FILE_NAME, &p, &errs);
	if (n != 0) {
		check_errors(&errs, n, lines_in(data, size), &p);
	} else {
		FUZZ_CHECK(errs.n == 0, "accepted with %zu errors", errs.n);
		check_profile(&p);
		match_some(&p);
		profile_free(&p);
	}
	strvec_clear(&errs);
	free(text);
	return 0;
}
