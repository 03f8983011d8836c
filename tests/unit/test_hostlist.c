/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for hostlist.c.  Every expected expansion below was taken from
 * Slurm 22.05's 'scontrol show hostnames'; tests/integration/
 * t-hostlist-scontrol.sh compares against it over a generated corpus.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostlist.h"
#include "strvec.h"
#include "util.h"

/* The hosts of expr joined by ' ', or NULL (with *why) when it is rejected. */
static char *
expand_joined(const char *expr, char **why)
{
	struct strvec sv = STRVEC_INIT;
	size_t len = 1;
	char *s;

	*why = NULL;
	if (hostlist_expand(expr, &sv, why) < 0) {
		cr_expect_eq(sv.n, 0, "'%s': out left as it was", expr);
		strvec_clear(&sv);
		return NULL;
	}
	for (size_t i = 0; i < sv.n; i++)
		len += strlen(sv.v[i]) + 1;
	s = xcalloc(len, 1);
	for (size_t i = 0; i < sv.n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, sv.v[i]);
	}
	strvec_clear(&sv);
	return s;
}

struct ok_case {
	const char *expr, *hosts;
};

/* Each pair is scontrol's own answer. */
static const struct ok_case ok_cases[] = {
	{ "node001", "node001" },
	{ "  node001  ", "node001" },
	{ "node[001,003,005]", "node001 node003 node005" },
	{ "node[001-004]", "node001 node002 node003 node004" },
	{ "node[001-003,007,010-012]", "node001 node002 node003 node007 node010 node011 node012" },
	{ "x3[0001-0003]", "x30001 x30002 x30003" },
	{ "node[042]", "node042" },
	{ "gpu[1-3]", "gpu1 gpu2 gpu3" },
	/* peers §3.4: leading zeros neither dropped (submitit) nor added (parallelly) */
	{ "b04-[09-10]", "b04-09 b04-10" },
	{ "n[09-010]", "n09 n10" },
	{ "n[098-101]", "n098 n099 n100 n101" },
	{ "nid[00001-00003,00100]", "nid00001 nid00002 nid00003 nid00100" },
	/* the width is the lower bound's: [1-010] is not padded */
	{ "n[1-010]", "n1 n2 n3 n4 n5 n6 n7 n8 n9 n10" },
	{ "n[001-10]", "n001 n002 n003 n004 n005 n006 n007 n008 n009 n010" },
	{ "n[01-3]", "n01 n02 n03" },
	{ "n[7-007]", "n7" },
	{ "n[007-7]", "n007" },
	{ "n[8-12]", "n8 n9 n10 n11 n12" },
	/* hydra: host-[001-002], no trailing digit, c[1-2] */
	{ "host-[001-002]", "host-001 host-002" },
	{ "c[1-2]", "c1 c2" },
	{ "login", "login" },
	{ "a-b[1-2]", "a-b1 a-b2" },
	{ "a.b_c-d[1-2]", "a.b_c-d1 a.b_c-d2" },
	/* mixed bracketed and plain (Megatron), commas inside brackets (Lightning) */
	{ "nodeA,nodeB[001,003],nodeC", "nodeA nodeB001 nodeB003 nodeC" },
	{ "linux[1-2],linux5", "linux1 linux2 linux5" },
	{ "n[1-3,5]", "n1 n2 n3 n5" },
	/* several groups, in Slurm's order */
	{ "n[1-3]b[01-02]", "n1b01 n1b02 n2b01 n2b02 n3b01 n3b02" },
	{ "r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2" },
	{ "n[1-2][3-4]", "n13 n14 n23 n24" },
	{ "n[1][2]", "n12" },
	{ "x1000c0s[0-1]b0n[0]", "x1000c0s0b0n0 x1000c0s1b0n0" },
	{ "a[1-2]b[3-4]c[5-6]", "a1b3c5 a1b3c6 a2b3c5 a2b3c6 a1b4c5 a1b4c6 a2b4c5 a2b4c6" },
	{ "a[1-2]b[1-2]c[1-2]d[1-2]", "a1b1c1d1 a1b1c1d2 a2b1c1d1 a2b1c1d2 a1b2c1d1 a1b2c1d2 "
	    "a2b2c1d1 a2b2c1d2 a1b1c2d1 a1b1c2d2 a2b1c2d1 a2b1c2d2 a1b2c2d1 a1b2c2d2 a2b2c2d1 "
	    "a2b2c2d2" },
	{ "[1-3]", "1 2 3" },
	{ "n[0]", "n0" },
	{ "n[00]", "n00" },
	{ "n[5-5]", "n5" },
	/* separators: ',', ' ', TAB; empty items vanish; duplicates and order kept */
	{ "a\tb c,d", "a b c d" },
	{ "a,,b", "a b" },
	{ ",a,b,", "a b" },
	{ ",,,", "" },
	{ "", "" },
	{ "n1,n1,n01", "n1 n1 n01" },
	{ "n[1,1,2]", "n1 n1 n2" },
	{ "n[2-3],n[1]", "n2 n3 n1" },
	{ "\xc3\xbc[1-2]", "\xc3\xbc" "1 \xc3\xbc" "2" },
	{ "n-x,n+y;z", "n-x n+y;z" },
	{ "n[0000000000000000000001-0000000000000000000002]",
	    "n0000000000000000000001 n0000000000000000000002" },
	{ "n[18446744073709551613-18446744073709551614]",
	    "n18446744073709551613 n18446744073709551614" },
	/* a plain name is printed as written, even past ULONG_MAX */
	{ "n18446744073709551614", "n18446744073709551614" },
	{ "n99999999999999999999999", "n99999999999999999999999" },
};

Test(hostlist, expand_matches_scontrol)
{
	for (size_t i = 0; i < NITEMS(ok_cases); i++) {
		char *why, *got = expand_joined(ok_cases[i].expr, &why);
		cr_expect_not_null(got, "'%s' rejected: %s", ok_cases[i].expr, why ? why : "?");
		if (got)
			cr_expect_str_eq(got, ok_cases[i].hosts, "'%s'", ok_cases[i].expr);
		free(got);
		free(why);
	}
}

struct bad_case {
	const char *expr, *why;
};

/* scontrol rejects all of these too. */
static const struct bad_case bad_cases[] = {
	{ "n[3-1]", "range 3-1 at column 3 is descending (write 1-3)" },
	{ "n[]", "empty range at column 3" },
	{ "[]", "empty range at column 2" },
	{ "n[1,,2]", "empty range at column 5" },
	{ "n[1,]", "empty range at column 5" },
	{ "n[,1]", "empty range at column 3" },
	{ "n[1-3]b[]", "empty range" },
	{ "n[-1-2]", "negative numbers are not allowed" },
	{ "n[a-c]", "'a' at column 3 is not allowed inside brackets" },
	{ "n[1x2]", "'x' at column 4 is not allowed" },
	{ "n[1-x]", "'x' at column 5 is not allowed" },
	{ "n[1--3]", "more than one '-'" },
	{ "n[1-2-3]", "more than one '-'" },
	{ "n[1 ,2]", "blank at column 4 inside brackets" },
	{ "n[1-3,5]s", "text 's' after the last ']' at column 9" },
	{ "n[1-2]b", "text 'b' after the last ']'" },
	{ "a[1-2]b[3-4],c[5]d", "text 'd' after the last ']'" },
	{ "r[1-2]n1", "text 'n1' after the last ']'" },
	{ "n[[1-2]]", "nested '[' at column 3" },
	{ "n[1-2]]", "unbalanced ']' at column 7" },
	{ "n[1]]x", "unbalanced ']'" },
	{ "n[1-2]]x", "unbalanced ']'" },
	{ "n[0-999999999]", "range 0-999999999 at column 3 has 1000000000 hosts; Slurm allows at "
	    "most 65536 in one range" },
	{ "n[0-65536]", "has 65537 hosts" },
	{ "n[1-9999999999999999999]", "has 9999999999999999999 hosts" },
	{ "a[0-65535,0]b[1]", "the bracket group at column 2 has 65537 hosts; Slurm allows at most "
	    "65536 in a group before the last one" },
	{ "a[3-1]b[1]c[1],x", "range 3-1" },
};

/*
 * scontrol prints something for these, but not what anyone meant (its
 * output in the comment); ezpz refuses them.
 */
static const struct bad_case deviations[] = {
	{ "n[1-3", "unbalanced '[' at column 2: no ']' closes it" },          /* n] */
	{ "n[1-2", "unbalanced '['" },                                        /* n] */
	{ "[1-3", "unbalanced '['" },                                         /* 1-3 */
	{ "a[1]b[2", "unbalanced '[' at column 6" },                          /* a[1]b] */
	{ "n[1,2 m", "unbalanced '['" },                                      /* n] m */
	{ "n1-2]", "unbalanced ']' at column 5: no '[' opens it" },           /* n1-2] */
	{ "a]b[1-2]", "unbalanced ']' at column 2" },                         /* a]b1 a]b2 */
	{ "x[1,[2],3]", "nested '['" },                                       /* x[1,2 3] */
	{ "n[1, 2]", "blank at column 5 inside brackets" },                   /* n1 n02 */
	{ "n[ 1-3]", "blank at column 3" },                                   /* n01 n02 n03 */
	{ "n[+1]", "'+' at column 3 is not allowed" },                        /* n01 */
	{ "n[1-+3]", "'+' at column 5" },                                     /* n1 n2 n3 */
	{ "n[1a-3]", "'a' at column 4" },                                     /* n01 n02 n03 */
	{ "n[1-]", "range '1-' at column 3 has no upper bound" },             /* n1 */
	{ "n[18446744073709551615]", "number '18446744073709551615' at column 3 is too large" },
	{ "n[99999999999999999999]", "too large" },                           /* clamped */
	{ "n[18446744073709551614-18446744073709551615]", "too large" },     /* nothing */
	/* with three groups scontrol drops the name silently */
	{ "a[0-65535,0]b[1]c[1],x", "the bracket group at column 2 has 65537 hosts" },
	/* scontrol has no total cap */
	{ "a[0-65535]b[0-65535]", "expands to more than 1048576 hosts" },
};

static void
expect_rejected(const struct bad_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *why, *got = expand_joined(c[i].expr, &why);
		cr_expect_null(got, "'%s' accepted as '%s'", c[i].expr, got ? got : "");
		cr_expect_not_null(why, "'%s': no reason", c[i].expr);
		if (why)
			cr_expect(strstr(why, c[i].why) != NULL, "'%s': got '%s', want '%s'",
			    c[i].expr, why, c[i].why);
		free(got);
		free(why);
	}
}

Test(hostlist, rejects_what_scontrol_rejects)
{
	expect_rejected(bad_cases, NITEMS(bad_cases));
}

Test(hostlist, rejects_what_scontrol_misreads)
{
	expect_rejected(deviations, NITEMS(deviations));
}

Test(hostlist, appends_and_leaves_out_alone_on_error)
{
	struct strvec sv = STRVEC_INIT;
	char *why = NULL;

	strvec_push(&sv, "keep");
	cr_assert_eq(hostlist_expand("a[1-2]", &sv, &why), 0);
	cr_expect_eq(sv.n, 3);
	cr_expect_str_eq(sv.v[2], "a2");
	cr_expect_null(sv.v[3]);
	cr_assert_eq(hostlist_expand("b1,b[2-1]", &sv, &why), -1);
	cr_expect_eq(sv.n, 3);
	cr_expect_not_null(why);
	free(why);
	cr_expect_eq(hostlist_expand("b[", &sv, NULL), -1, "err may be NULL");
	cr_expect_eq(hostlist_expand(NULL, &sv, NULL), 0, "NULL is the empty list");
	cr_expect_eq(sv.n, 3);
	strvec_clear(&sv);
}

static double
seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Expands expr, checks the count and the last host, returns the seconds taken. */
static double
expand_big(const char *expr, size_t n, const char *last)
{
	struct strvec sv = STRVEC_INIT;
	char *why = NULL;
	double t0 = seconds(), dt;

	cr_assert_eq(hostlist_expand(expr, &sv, &why), 0, "%s", why ? why : "");
	dt = seconds() - t0;
	cr_expect_eq(sv.n, n);
	cr_expect_str_eq(sv.v[n - 1], last);
	strvec_clear(&sv);
	return dt;
}

Test(hostlist, cap_is_exact)
{
	char *why = NULL;
	struct strvec sv = STRVEC_INIT;

	/* 1024 * 1024 = HOSTLIST_MAX_HOSTS exactly: fine */
	expand_big("a[0-1023]b[0-1023]", (size_t)HOSTLIST_MAX_HOSTS, "a1023b1023");
	cr_expect_eq(hostlist_expand("a[0-1023]b[0-1024]", &sv, &why), -1);
	cr_expect_str_eq(why, "expands to more than 1048576 hosts");
	free(why);
	cr_expect_eq(hostlist_expand("a[0-1023]b[0-1023],x", &sv, &why), -1);
	free(why);
	cr_expect_eq(hostlist_expand("n[0-65535,0-65535,0-65535,0-65535,0-65535,0-65535,0-65535,"
	    "0-65535,0-65535,0-65535,0-65535,0-65535,0-65535,0-65535,0-65535,0-65535,0]", &sv, &why),
	    -1);
	cr_expect_str_eq(why, "expands to more than 1048576 hosts");
	free(why);
	cr_expect_eq(sv.n, 0);
}

/*
 * The bytes of names are capped too, exactly: 65536 names of 250 + 5
 * digits + NUL are 16777216 bytes.  (Long names under the host cap made
 * 46 MB that the fuzzer's round trip took seconds to compress.)
 */
Test(hostlist, byte_cap_is_exact)
{
	char expr[300], last[300], *why = NULL;
	struct strvec sv = STRVEC_INIT;

	memset(expr, 'x', 250);
	strcpy(expr + 250, "[00000-65535]");
	memcpy(last, expr, 250);
	strcpy(last + 250, "65535");
	expand_big(expr, 65536, last);
	/* one byte more, in the text or as another name */
	memset(expr, 'x', 251);
	strcpy(expr + 251, "[00000-65535]");
	cr_expect_eq(hostlist_expand(expr, &sv, &why), -1);
	cr_expect_str_eq(why, "expands to more than 16777216 bytes of host names");
	free(why);
	why = NULL;
	strcpy(expr + 250, "[00000-65535],y");
	cr_expect_eq(hostlist_expand(expr, &sv, &why), -1);
	cr_expect_str_eq(why, "expands to more than 16777216 bytes of host names");
	free(why);
	/*
	 * Unpadded digits widen: 1..65536 print 316574 digits, so 65536 names
	 * of 250 + digits + NUL are 16766110 bytes, and a plain name of 11105
	 * more fills the cap; 11106 pass it.
	 */
	{
		char *big = xmalloc(250 + 20 + 11106 + 1);
		memset(big, 'x', 250);
		strcpy(big + 250, "[1-65536],");
		memset(big + 260, 'y', 11105);
		big[260 + 11105] = '\0';
		why = NULL;
		cr_expect_eq(hostlist_expand(big, &sv, &why), 0, "%s", why ? why : "");
		cr_expect_eq(sv.n, 65537);
		strvec_clear(&sv);
		strcpy(big + 260 + 11105, "y");
		cr_expect_eq(hostlist_expand(big, &sv, &why), -1);
		cr_expect_str_eq(why, "expands to more than 16777216 bytes of host names");
		free(why);
		free(big);
	}
	cr_expect_eq(sv.n, 0);
}

/* The fuzzer's timeout (tests/fuzz/corpus/hostlist/regress-timeout-long-names):
 * 655350 names of 71 bytes, under the host cap, now refused at once. */
Test(hostlist, long_names_refused_before_allocating, .timeout = 2)
{
	static const char expr[] = "n0r2\x85n2\xcd\nn03r2n01\n\nr2nn03r2n067)4403[0-9]\n\n"
	    "r2n02\n)[0-65534]";
	struct strvec sv = STRVEC_INIT;
	char *why = NULL;

	cr_expect_eq(hostlist_expand(expr, &sv, &why), -1);
	cr_expect_str_eq(why, "expands to more than 16777216 bytes of host names");
	cr_expect_eq(sv.n, 0);
	free(why);
}

/* Nothing is allocated before counting: this must be instant, not 4G hosts. */
Test(hostlist, cap_counts_before_allocating, .timeout = 2)
{
	static const char *const huge[] = {
		"a[0-65535]b[0-65535]c[0-65535]d[0-65535]",
		"a[0-65535]b[0-65535]",
		"n[0-999999999]",
	};
	for (size_t i = 0; i < NITEMS(huge); i++) {
		struct strvec sv = STRVEC_INIT;
		char *why = NULL;
		cr_expect_eq(hostlist_expand(huge[i], &sv, &why), -1, "%s", huge[i]);
		cr_expect_eq(sv.n, 0);
		free(why);
	}
}

Test(hostlist, slurm_limits_kept)
{
	char *many, *why = NULL;
	size_t n = 262144;
	struct strvec sv = STRVEC_INIT;

	expand_big("n[0-65535]", 65536, "n65535");
	expand_big("a[0-65535]b[7]", 65536, "a65535b7");
	/* 262144 ranges in one group are fine, one more is not */
	many = xmalloc(2 * n + 8);
	strcpy(many, "n[");
	for (size_t i = 0; i < n; i++)
		memcpy(many + 2 + 2 * i, "1,", 2);
	strcpy(many + 2 + 2 * n - 1, "]");
	expand_big(many, n, "n1");
	strcpy(many + 2 + 2 * n - 1, ",1]");
	cr_expect_eq(hostlist_expand(many, &sv, &why), -1);
	cr_expect(why && strstr(why, "more than 262144 ranges"), "%s", why ? why : "");
	free(why);
	free(many);
}

/* 100,000 hosts in milliseconds: no quadratic step anywhere. */
Test(hostlist, expands_100k_hosts_fast)
{
	double dt = expand_big("nid[000000-065535,065536-099999]", 100000, "nid099999");
	double dt2 = expand_big("r[0-99]n[0000-0999]", 100000, "r99n0999");
	cr_log_info("100000 hosts: %.1f ms and %.1f ms", dt * 1e3, dt2 * 1e3);
	cr_expect_lt(dt, 1.0, "took %.3f s", dt);
	cr_expect_lt(dt2, 1.0, "took %.3f s", dt2);
}

/* Split a space-separated list into a strvec. */
static void
split(const char *s, struct strvec *sv)
{
	char *copy = xstrdup(s), *save = NULL;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		strvec_push(sv, w);
	free(copy);
}

static void
expect_round_trip(struct strvec *hosts, const char *label)
{
	struct strvec back = STRVEC_INIT;
	char *list = hostlist_compress(hosts->v, hosts->n), *why = NULL;
	size_t plain = 0;

	for (size_t i = 0; i < hosts->n; i++)
		plain += strlen(hosts->v[i]) + (i > 0);
	cr_expect_leq(strlen(list), plain, "%s: '%s' longer than the plain list", label, list);
	if (hostlist_expand(list, &back, &why) < 0) {
		cr_expect_fail("%s: compress gave '%s', which does not expand: %s", label, list, why);
		free(why);
	} else {
		int same = back.n == hosts->n;
		for (size_t i = 0; same && i < back.n; i++)
			same = strcmp(back.v[i], hosts->v[i]) == 0;
		cr_expect(same, "%s: '%s' expands to %zu hosts, not the %zu given", label, list,
		    back.n, hosts->n);
	}
	strvec_clear(&back);
	free(list);
}

struct compress_case {
	const char *hosts, *expr;
};

static const struct compress_case compress_cases[] = {
	{ "", "" },
	{ "n1", "n1" },
	{ "n1 n2 n3", "n[1-3]" },
	{ "n1 n3", "n1,n3" },                      /* n[1,3] is longer */
	{ "n1 n2 n3 n5 n6", "n[1-3,5-6]" },
	{ "n01 n02 n03", "n[01-03]" },
	{ "n09 n10", "n09,n10" },                  /* n[09-10] is longer */
	{ "n08 n09 n10", "n[08-10]" },              /* not n[8-10], not n[08-010] */
	{ "n8 n9 n10 n11", "n[8-11]" },
	{ "n098 n099 n100", "n[098-100]" },
	{ "n9 n010 n011", "n9,n010,n011" },        /* n[9,010-011] is no shorter */
	{ "n1 n01 n001 n0001", "n[1,01,001,0001]" },
	{ "n3 n2 n1", "n3,n2,n1" },                /* order kept */
	{ "n1 n2 n3 n2 n3 n4", "n[1-3,2-4]" },
	{ "n1 n1 n1 n1", "n[1,1,1,1]" },
	{ "a b c", "a,b,c" },
	{ "n1-ib n2-ib n3-ib", "n1-ib,n2-ib,n3-ib" },  /* n[1-3]-ib is not Slurm */
	{ "123 124 125", "[123-125]" },
	{ "nodeA nodeB001 nodeB002 nodeB003 nodeC", "nodeA,nodeB[001-003],nodeC" },
	{ "r1n1 r1n2 r2n1 r2n2 r3n1 r3n2", "r[1-3]n[1-2]" },
	{ "x1000c0s0b0n0 x1000c0s1b0n0 x1000c0s2b0n0 x1000c0s3b0n0", "x1000c0s[0-3]b0n[0]" },
	{ "n1 n2 n3 m1 m2 m3", "n[1-3],m[1-3]" },
	/* past ULONG_MAX: text, as written (Slurm itself cannot name such a node) */
	{ "n99999999999999999999 n99999999999999999998", "n99999999999999999999,n99999999999999999998" },
	{ "n18446744073709551613 n18446744073709551614", "n18446744073709551613,n18446744073709551614" },
};

Test(hostlist, compress)
{
	for (size_t i = 0; i < NITEMS(compress_cases); i++) {
		struct strvec sv = STRVEC_INIT;
		char *got;
		split(compress_cases[i].hosts, &sv);
		got = hostlist_compress(sv.v, sv.n);
		cr_expect_str_eq(got, compress_cases[i].expr, "compress '%s'", compress_cases[i].hosts);
		expect_round_trip(&sv, compress_cases[i].hosts);
		free(got);
		strvec_clear(&sv);
	}
}

/* A random host name from a few cluster-like shapes. */
static void
random_host(struct strvec *sv, unsigned *seed, const char *prefix, int width)
{
	static const char *const tails[] = { "", "", "", "-ib", "b0n0", "n" };
	unsigned r = (unsigned)rand_r(seed);
	unsigned v = r % 40;
	const char *tail = tails[(r >> 8) % NITEMS(tails)];

	if ((r >> 12) % 7 == 0)
		width = 1 + (int)((r >> 16) % 4);   /* mixed widths */
	if (strcmp(tail, "n") == 0)
		strvec_pushf(sv, "%s%0*un%u", prefix, width, v / 8, v % 8);
	else
		strvec_pushf(sv, "%s%0*u%s", prefix, width, v, tail);
}

/* expand(compress(x)) == x for many random lists, runs and duplicates in them. */
Test(hostlist, compress_round_trips)
{
	static const char *const prefixes[] = { "n", "nid", "x1000c0s", "", "gpu-", "a.b_", "r" };
	unsigned seed = 12345;

	for (int t = 0; t < 2000; t++) {
		struct strvec sv = STRVEC_INIT;
		const char *prefix = prefixes[rand_r(&seed) % NITEMS(prefixes)];
		int width = 1 + rand_r(&seed) % 4, n = rand_r(&seed) % 30;
		char label[32];
		for (int i = 0; i < n; i++) {
			if (i > 0 && rand_r(&seed) % 3 != 0) {
				/* often a neighbour: the next number, the same host */
				char *prev = sv.v[sv.n - 1], *end = prev + strlen(prev);
				char *d = end;
				while (d > prev && d[-1] >= '0' && d[-1] <= '9')
					d--;
				if (d < end && rand_r(&seed) % 5 != 0)
					strvec_pushf(&sv, "%.*s%0*lu", (int)(d - prev), prev,
					    (int)(end - d), strtoul(d, NULL, 10) + 1);
				else
					strvec_push(&sv, prev);
				continue;
			}
			random_host(&sv, &seed, prefix, width);
		}
		snprintf(label, sizeof label, "random list %d", t);
		expect_round_trip(&sv, label);
		strvec_clear(&sv);
	}
}

Test(hostlist, compress_100k_round_trip)
{
	struct strvec sv = STRVEC_INIT;
	char *list;

	cr_assert_eq(hostlist_expand("r[0-99]n[0000-0999],nid[000000-065535,065536-099999]", &sv,
	    NULL), 0);
	list = hostlist_compress(sv.v, sv.n);
	cr_expect_str_eq(list, "r[0-99]n[0000-0999],nid[000000-065535,065536-099999]");
	expect_round_trip(&sv, "200000 hosts");
	free(list);
	strvec_clear(&sv);
}

/* The first host, as hostlist_expand's first, for every case above; none
 * for none; a bad expression fails the same way. */
Test(hostlist, first_is_the_first_of_the_expansion)
{
	char *first, *err = NULL;

	for (size_t i = 0; i < NITEMS(ok_cases); i++) {
		const char *want = ok_cases[i].hosts;
		size_t n = strcspn(want, " ");
		cr_assert_eq(hostlist_first(ok_cases[i].expr, &first, &err), 0, "'%s'", ok_cases[i].expr);
		if (n == 0) {
			cr_expect_null(first, "'%s'", ok_cases[i].expr);
		} else {
			cr_assert_not_null(first, "'%s'", ok_cases[i].expr);
			cr_expect(strlen(first) == n && strncmp(first, want, n) == 0, "'%s': %s",
			    ok_cases[i].expr, first);
		}
		free(first);
	}
	cr_expect_eq(hostlist_first("n[00001-10000]", &first, &err), 0);
	cr_expect_str_eq(first, "n00001");
	free(first);
	cr_expect_eq(hostlist_first("n[1-", &first, &err), -1);
	cr_expect_null(first);
	cr_expect_not_null(err);
	free(err);
}
