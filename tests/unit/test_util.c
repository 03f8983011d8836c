/* SPDX-License-Identifier: MIT */
/* Unit tests for util.c, strvec.c and opt.c. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "opt.h"
#include "strvec.h"
#include "util.h"

Test(util, parse_long)
{
	static const struct { const char *s; long min, max; int ok; long v; } cases[] = {
		{ "0", 0, 10, 1, 0 }, { "10", 0, 10, 1, 10 }, { "11", 0, 10, 0, 0 },
		{ "-1", 0, 10, 0, 0 }, { "", 0, 10, 0, 0 }, { " 1", 0, 10, 0, 0 },
		{ "1 ", 0, 10, 0, 0 }, { "0x10", 0, 100, 0, 0 }, { "4k", 0, 10, 0, 0 },
		{ "99999999999999999999999", 0, 10, 0, 0 }, { "-5", -10, 10, 1, -5 },
	};
	for (size_t i = 0; i < NITEMS(cases); i++) {
		long v = -42;
		const char *why = NULL;
		int r = parse_long(cases[i].s, cases[i].min, cases[i].max, &v, &why);
		cr_expect_eq(r == 0, cases[i].ok, "parse_long('%s')", cases[i].s);
		if (cases[i].ok)
			cr_expect_eq(v, cases[i].v);
		else
			cr_expect_not_null(why);
	}
}

Test(util, strtrim)
{
	char a[] = " \t host1 \r\n";
	cr_expect_str_eq(strtrim(a), "host1");
	char b[] = "";
	cr_expect_str_eq(strtrim(b), "");
}

static char *
tmpfile_of(const char *name, const char *text, size_t len)
{
	char *dir = xstrdup("/tmp/ezpz-unit.XXXXXX"), *path;
	FILE *f;
	cr_assert_not_null(mkdtemp(dir));
	path = xasprintf("%s/%s", dir, name);
	free(dir);
	if (text) {
		cr_assert_not_null(f = fopen(path, "w"));
		cr_assert_eq(fwrite(text, 1, len, f), len);
		cr_assert_eq(fclose(f), 0);
	}
	return path;
}

static void
tmp_remove(char *path)
{
	unlink(path);
	*strrchr(path, '/') = '\0';
	rmdir(path);
	free(path);
}

/* A file of exactly max bytes is read; one byte more is refused, by name of the limit. */
Test(util, read_file_limit)
{
	char *path = tmpfile_of("f", "abcd", 4), *text;
	const char *why = NULL;
	size_t len = 0;

	cr_assert_not_null(text = read_file(path, 4, &len, &why));
	cr_expect_str_eq(text, "abcd");
	cr_expect_eq(len, 4);
	free(text);
	cr_expect_null(read_file(path, 3, &len, &why));
	cr_expect_str_eq(why, "larger than 3 bytes");
	cr_expect_eq(errno, EFBIG);
	tmp_remove(path);
	path = tmpfile_of("big", NULL, 0);
	{
		int fd = open(path, O_WRONLY | O_CREAT, 0600);
		cr_assert_geq(fd, 0);
		cr_assert_eq(ftruncate(fd, READ_MAX_HOSTFILE + 1), 0);   /* sparse: nothing written */
		close(fd);
	}
	cr_expect_null(read_file(path, READ_MAX_HOSTFILE, NULL, &why));
	cr_expect_str_eq(why, "larger than 64 MiB");
	tmp_remove(path);
}

/* /dev/zero and /dev/urandom never end; a FIFO with no writer would block. */
Test(util, read_file_refuses_what_is_not_a_file, .timeout = 10)
{
	char *fifo = tmpfile_of("fifo", NULL, 0);
	const char *why = NULL;

	cr_expect_null(read_file("/dev/zero", READ_MAX_HOSTFILE, NULL, &why));
	cr_expect_str_eq(why, "not a regular file");
	cr_expect_null(read_file("/dev/urandom", READ_MAX_HOSTFILE, NULL, &why));
	cr_expect_str_eq(why, "not a regular file");
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_expect_null(read_file(fifo, READ_MAX_HOSTFILE, NULL, &why));
	cr_expect_str_eq(why, "not a regular file");
	tmp_remove(fifo);
	cr_expect_null(read_file("/", READ_MAX_HOSTFILE, NULL, &why));
	cr_expect_str_eq(why, strerror(EISDIR));
	cr_expect_null(read_file("/nonexistent/x", READ_MAX_HOSTFILE, NULL, &why));
	cr_expect_eq(errno, ENOENT);
	cr_expect_str_eq(why, strerror(ENOENT));
}

/* A pipe is read, but only up to the limit. */
Test(util, read_fd_bounds_a_pipe, .timeout = 10)
{
	int fd = open("/dev/zero", O_RDONLY);
	const char *why = NULL;
	size_t len = 0;
	char *text;

	cr_assert_geq(fd, 0);
	cr_expect_null(read_fd(fd, 1 << 20, &len, &why));
	cr_expect_str_eq(why, "larger than 1 MiB");
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	cr_assert_not_null(text = read_fd(fd, 1 << 20, &len, &why));
	cr_expect_eq(len, 0);
	cr_expect_str_eq(text, "");
	free(text);
	close(fd);
}

Test(strvec, push_insert_pop)
{
	struct strvec sv = STRVEC_INIT;
	cr_expect_null(strvec_argv(&sv)[0]);
	strvec_push(&sv, "b");
	strvec_pushf(&sv, "%s%d", "c", 1);
	strvec_insert(&sv, 0, "a");
	cr_expect_eq(sv.n, 3);
	cr_expect_str_eq(sv.v[0], "a");
	cr_expect_str_eq(sv.v[2], "c1");
	cr_expect_null(sv.v[3]);
	cr_expect_eq(strvec_find(&sv, "b"), 1);
	strvec_pop(&sv);
	cr_expect_eq(sv.n, 2);
	cr_expect_null(sv.v[2]);
	strvec_clear(&sv);
	cr_expect_eq(sv.n, 0);
}

Test(strvec, envset)
{
	struct strvec env = STRVEC_INIT;
	envset_set(&env, "A", "1");
	envset_set(&env, "AB", "2");
	envset_set(&env, "A", "3");
	cr_expect_eq(env.n, 2);
	cr_expect_str_eq(env_get(env.v, "A"), "3");
	cr_expect_str_eq(env_get(env.v, "AB"), "2");
	cr_expect_null(env_get(env.v, "B"));
	envset_set(&env, "E", "");
	cr_expect_str_eq(env_get(env.v, "E"), "");
	cr_expect_null(env_nonempty(env.v, "E"));
	envset_unset(&env, "A");
	cr_expect_null(env_get(env.v, "A"));
	cr_expect_str_eq(env_get(env.v, "AB"), "2");
	strvec_clear(&env);
}

enum { O_N = 1, O_PPN, O_DRY, O_X };
static const struct opt tab[] = {
	{ O_N, "-n|-np|--np|--nproc", "N", NULL, "ranks" },
	{ O_PPN, "-ppn|--ppn", "N", NULL, "per host" },
	{ O_DRY, "--dry-run", NULL, NULL, "dry" },
	{ O_X, "-x|--env", "KEY=VALUE", NULL, "env" },
	{ 0 }
};

Test(opt, exact_spellings_and_values)
{
	char *argv[] = { "launch", "-np", "4", "-ppn=2", "--dry-run", "-x", "A=B", "-n8",
		"--nproc=3", "python3", "a.py", "-n", "4", NULL };
	struct optstate st;
	opt_init(&st, "launch", 13, argv);
	cr_expect_eq(opt_next(&st, tab), O_N);
	cr_expect_str_eq(st.arg, "4");
	cr_expect_eq(opt_next(&st, tab), O_PPN);
	cr_expect_str_eq(st.arg, "2");
	cr_expect_str_eq(st.word, "-ppn");
	cr_expect_eq(opt_next(&st, tab), O_DRY);
	cr_expect_eq(opt_next(&st, tab), O_X);
	cr_expect_str_eq(st.arg, "A=B");
	cr_expect_eq(opt_next(&st, tab), O_N);
	cr_expect_str_eq(st.arg, "8");
	cr_expect_eq(opt_next(&st, tab), O_N);
	cr_expect_str_eq(st.arg, "3");
	/* stops at the user's command; its -n 4 is never read */
	cr_expect_eq(opt_next(&st, tab), OPT_DONE);
	cr_expect_eq(st.ind, 9);
	cr_expect_eq(st.dashdash, 0);
}

Test(opt, no_abbreviations_unknown_and_dashdash)
{
	char *argv[] = { "launch", "--dry", "--tag-output", "-h", "--", "cmd", "--dry-run", NULL };
	struct optstate st;
	opt_init(&st, "launch", 7, argv);
	cr_expect_eq(opt_next(&st, tab), OPT_UNKNOWN);
	cr_expect_str_eq(st.word, "--dry");
	cr_expect_eq(opt_next(&st, tab), OPT_UNKNOWN);
	cr_expect_eq(opt_next(&st, tab), OPT_HELP);
	cr_expect_eq(opt_next(&st, tab), OPT_DONE);
	cr_expect_eq(st.dashdash, 1);
	cr_expect_str_eq(argv[st.ind], "cmd");
}

Test(opt, missing_value_is_usage_error, .exit_code = 2)
{
	char *argv[] = { "launch", "-n", NULL };
	struct optstate st;
	opt_init(&st, "launch", 2, argv);
	opt_next(&st, tab);
}

Test(opt, flag_with_value_is_usage_error, .exit_code = 2)
{
	char *argv[] = { "launch", "--dry-run=yes", NULL };
	struct optstate st;
	opt_init(&st, "launch", 2, argv);
	opt_next(&st, tab);
}

Test(opt, bad_number_is_usage_error, .exit_code = 2)
{
	char *argv[] = { "launch", "-n", "p4", NULL };
	struct optstate st;
	opt_init(&st, "launch", 3, argv);
	cr_expect_eq(opt_next(&st, tab), O_N);
	opt_long(&st, 1, 100);
}

Test(opt, only_numbers_attach)
{
	/* launcher flags that begin like -n or -x stay whole */
	char *argv[] = { "launch", "-npernode", "-xFOO=1", "-mca", "-np4", NULL };
	struct optstate st;
	opt_init(&st, "launch", 5, argv);
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(opt_next(&st, tab), OPT_UNKNOWN);
		cr_expect_str_eq(st.word, argv[i + 1]);
	}
}

/* A command's own table chaining another, less some of its options. */
static const struct opt chained[] = {
	OPT_INCLUDE_TABLE(tab, "-x|-m"),
	{ 99, "--torch", NULL, NULL, "own flag" },
	{ 0 }
};
static const struct opt chained_all[] = {
	{ 98, "--first", NULL, NULL, "own, before" },
	OPT_INCLUDE_TABLE(chained, NULL),
	{ 0 }
};

Test(opt, chained_tables_parse_and_leave_out)
{
	char *argv[] = { "test", "--torch", "-n", "2", "--dry-run", "-x", "A=B", NULL };
	struct optstate st;
	opt_init(&st, "test", 7, argv);
	cr_expect_eq(opt_next(&st, chained), 99);
	cr_expect_eq(opt_next(&st, chained), O_N);
	cr_expect_str_eq(st.arg, "2");
	cr_expect_eq(opt_next(&st, chained), O_DRY);
	/* -x is left out of the chained table: unknown here */
	cr_expect_eq(opt_next(&st, chained), OPT_UNKNOWN);
	cr_expect_str_eq(st.word, "-x");
}

Test(opt, chained_tables_iterate_in_order)
{
	struct opt_iter it;
	const struct opt *o;
	size_t n = 0, ntab = 0;
	int first = 0, last = 0;

	for (const struct opt *t = tab; t->id; t++)
		ntab += !opt_names_has("-x|-m", t->names, strcspn(t->names, "|"));
	opt_iter_init(&it, chained_all);
	while ((o = opt_iter_next(&it)) != NULL) {
		cr_expect_neq(o->id, OPT_INCLUDE);
		cr_expect_neq(o->id, O_X);
		if (n == 0)
			first = o->id;
		last = o->id;
		n++;
	}
	cr_expect_eq(first, 98);
	cr_expect_eq(last, 99);
	cr_expect_eq(n, ntab + 2);
	opt_iter_init(&it, NULL);
	cr_expect_null(opt_iter_next(&it));
}
