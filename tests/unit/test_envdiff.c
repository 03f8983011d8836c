/* SPDX-License-Identifier: MIT */
/* Unit tests for envdiff.c: the environment difference, PATH de-duplication, abspath. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "envdiff.h"
#include "strvec.h"
#include "util.h"

/* ---- the difference ---- */

Test(setupenv_diff, set_changed_unset_sorted)
{
	char *before[] = { "KEEP=1", "CHANGE=old", "GONE=x", "PATH=/usr/bin", "ALSO_GONE=", NULL };
	char *after[] = { "PATH=/v/bin:/usr/bin", "KEEP=1", "NEW=it's $x", "CHANGE=new",
		"A_FIRST=a", "EMPTY=", NULL };
	struct envdiff d = ENVDIFF_INIT;

	setupenv_diff(before, after, &d);
	cr_assert_eq(d.set.n, 5);
	cr_expect_str_eq(d.set.v[0], "A_FIRST=a");
	cr_expect_str_eq(d.set.v[1], "CHANGE=new");
	cr_expect_str_eq(d.set.v[2], "EMPTY=");
	cr_expect_str_eq(d.set.v[3], "NEW=it's $x");
	cr_expect_str_eq(d.set.v[4], "PATH=/v/bin:/usr/bin");
	cr_assert_eq(d.unset.n, 2);
	cr_expect_str_eq(d.unset.v[0], "ALSO_GONE");
	cr_expect_str_eq(d.unset.v[1], "GONE");
	cr_expect_eq(d.skipped.n, 0);
	envdiff_free(&d);
}

Test(setupenv_diff, empty_value_versus_unset)
{
	/* "X=" and no X are different states: both directions show. */
	char *before[] = { "X=", NULL };
	char *after[] = { "Y=", NULL };
	struct envdiff d = ENVDIFF_INIT;
	setupenv_diff(before, after, &d);
	cr_assert_eq(d.set.n, 1);
	cr_expect_str_eq(d.set.v[0], "Y=");
	cr_assert_eq(d.unset.n, 1);
	cr_expect_str_eq(d.unset.v[0], "X");
	envdiff_free(&d);
}

Test(setupenv_diff, identical_gives_nothing)
{
	char *env[] = { "A=1", "B=2\n3", "C==", NULL };
	char *same[] = { "C==", "A=1", "B=2\n3", NULL };
	struct envdiff d = ENVDIFF_INIT;
	setupenv_diff(env, same, &d);
	cr_expect_eq(d.set.n + d.unset.n + d.skipped.n, 0);
	envdiff_free(&d);
}

Test(setupenv_diff, shell_own_and_unnameable)
{
	char *before[] = { "SHLVL=1", "PWD=/a", "BASH_FUNC_old%%=() { :; }", "PS1=$ ", NULL };
	char *after[] = { "SHLVL=2", "PWD=/b", "_=/usr/bin/env", "OLDPWD=/a", "PS1=(v) $ ",
		"SHELLOPTS=braceexpand", "BASH_FUNC_module%%=() { eval x; }", "A-B=1", NULL };
	struct envdiff d = ENVDIFF_INIT;
	setupenv_diff(before, after, &d);
	cr_expect_eq(d.set.n, 0, "the child shell's own variables are never carried");
	cr_expect_eq(d.unset.n, 0);
	cr_assert_eq(d.skipped.n, 3);
	cr_expect_str_eq(d.skipped.v[0], "A-B");
	cr_expect_str_eq(d.skipped.v[1], "BASH_FUNC_module%%");
	cr_expect_str_eq(d.skipped.v[2], "BASH_FUNC_old%%");
	envdiff_free(&d);
}

Test(setupenv_diff, first_of_duplicates)
{
	/* getenv() sees the first; so does the diff. */
	char *before[] = { "D=1", "D=2", NULL };
	char *after1[] = { "D=1", NULL };
	char *after2[] = { "D=2", "D=1", NULL };
	struct envdiff d = ENVDIFF_INIT;
	setupenv_diff(before, after1, &d);
	cr_expect_eq(d.set.n + d.unset.n, 0);
	envdiff_free(&d);
	setupenv_diff(before, after2, &d);
	cr_assert_eq(d.set.n, 1);
	cr_expect_str_eq(d.set.v[0], "D=2");
	envdiff_free(&d);
}

Test(setupenv_diff, key_prefixes_sort_apart)
{
	/* Byte order of the keys, not of the "KEY=VALUE" strings ('=' sorts
	 * before 'A' and '_'). */
	char *before[] = { NULL };
	char *after[] = { "PATHX=2", "PATH=1", "A_=3", "A=4", "B=5", NULL };
	struct envdiff d = ENVDIFF_INIT;
	setupenv_diff(before, after, &d);
	cr_assert_eq(d.set.n, 5);
	cr_expect_str_eq(d.set.v[0], "A=4");
	cr_expect_str_eq(d.set.v[1], "A_=3");
	cr_expect_str_eq(d.set.v[2], "B=5");
	cr_expect_str_eq(d.set.v[3], "PATH=1");
	cr_expect_str_eq(d.set.v[4], "PATHX=2");
	envdiff_free(&d);
}

/* ---- PATH ---- */

Test(setupenv_path, dedupe)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "/a:/b:/c", "/a:/b:/c" },
		{ "/v/bin:/a:/v/bin:/b", "/v/bin:/a:/b" },
		{ "/a:/a:/a", "/a" },
		{ "/a::/b::", "/a::/b" },           /* the first empty entry (cwd) stays */
		{ "", "" },
		{ "/a/:/a", "/a/:/a" },              /* different strings: both kept */
		{ "/x y:/x y", "/x y" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *r = setupenv_path_dedupe(cases[i].in);
		cr_expect_str_eq(r, cases[i].out, "dedupe('%s')", cases[i].in);
		free(r);
	}
}

Test(setupenv_path, abspath)
{
	static const struct { const char *cwd, *p, *out; } cases[] = {
		{ "/w", "venv", "/w/venv" },
		{ "/w", "./a/../b/", "/w/b" },
		{ "/w/x", "../v", "/w/v" },
		{ "/w", "/abs//dir/.", "/abs/dir" },
		{ "/", "..", "/" },
		{ "/w", "/../../x", "/x" },
		{ "/w", "a b/'c'", "/w/a b/'c'" },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		char *r = setupenv_abspath(cases[i].cwd, cases[i].p);
		cr_expect_str_eq(r, cases[i].out, "abspath('%s', '%s')", cases[i].cwd, cases[i].p);
		free(r);
	}
}
