/* SPDX-License-Identifier: MIT */
/* Unit tests for hostfile.c: host sets, hostfile formats, SLURM_TASKS_PER_NODE. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hostfile.h"
#include "util.h"

Test(hostfile, hostset_ops)
{
	struct hostset hs = HOSTSET_INIT;

	hostset_add(&hs, "a", 1);
	hostset_add(&hs, "b", 2);
	hostset_add(&hs, "a", 3);
	cr_expect_eq(hs.n, 2);
	cr_expect_str_eq(hs.v[0].name, "a");
	cr_expect_eq(hs.v[0].slots, 4);
	cr_expect_eq(hs.v[1].slots, 2);
	cr_expect_eq(hostset_find(&hs, "b"), 1);
	cr_expect_eq(hostset_find(&hs, "c"), -1);
	hostset_add(&hs, "b", 2147483647);
	cr_expect_eq(hs.v[1].slots, 2147483647, "saturates instead of wrapping");
	hostset_free(&hs);
	cr_expect_eq(hs.n, 0);
	cr_expect_null(hs.v);
	hostset_free(&hs);
}

/* "name:slots name:slots" for a set. */
static char *
render(const struct hostset *hs)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < hs->n; i++) {
		char *t = xasprintf("%s%s%s:%d", s, i ? " " : "", hs->v[i].name, hs->v[i].slots);
		free(s);
		s = t;
	}
	return s;
}

struct hf_case {
	const char *text, *want;   /* want: rendered set, or NULL when rejected */
	const char *why;           /* the whole error, for rejected ones */
};

static const struct hf_case hf_cases[] = {
	/* one host per line (PALS), with the usual dirt */
	{ "n1\nn2\n", "n1:1 n2:1", NULL },
	{ "n1\nn2", "n1:1 n2:1", NULL },
	{ "n1\r\nn2\r\n", "n1:1 n2:1", NULL },
	{ "  n1  \n\tn2\t\n", "n1:1 n2:1", NULL },
	{ "# nodes\n\nn1   # the first\n\n   \n#n9\nn2\n", "n1:1 n2:1", NULL },
	{ "x1000c0s0b0n0.hostmgmt2000.cm.aurora.alcf.anl.gov\n",
	    "x1000c0s0b0n0.hostmgmt2000.cm.aurora.alcf.anl.gov:1", NULL },
	{ "node_01\nNODE-2\n10.0.0.1\n", "node_01:1 NODE-2:1 10.0.0.1:1", NULL },
	/* PBS nodefile: a line per slot, first-seen order */
	{ "n2\nn2\nn1\nn2\nn1\n", "n2:3 n1:2", NULL },
	/* Open MPI / DeepSpeed */
	{ "n1 slots=4\nn2 slots=8 max_slots=16\n", "n1:4 n2:8", NULL },
	{ "n1\tslots=4   max_slots=4\n", "n1:4", NULL },
	{ "n1 max_slots=8\n", "n1:1", NULL },
	{ "worker-0 slots=4\nworker-1 slots=4\n", "worker-0:4 worker-1:4", NULL },
	/* hydra */
	{ "n1:4\nn2:2\n", "n1:4 n2:2", NULL },
	{ "n1:2 max_slots=4\n", "n1:2", NULL },
	/* formats mixed, and a repeated host adds up */
	{ "n1 slots=2\nn1:3\nn1\n", "n1:6", NULL },
	/* malformed lines: file and line named */
	{ "n1\nn2 slots=x\n", NULL, "hostfile 'hf': line 2: slots='x' is not a positive whole number" },
	{ "n1 slots=\n", NULL, "hostfile 'hf': line 1: slots='' is not a positive whole number" },
	{ "n1 slots=-1\n", NULL, "hostfile 'hf': line 1: slots='-1' is not a positive whole number" },
	{ "n1 slots=0\n", NULL, "hostfile 'hf': line 1: slots=0: a host needs at least 1 slot" },
	{ "n1 slots=99999999999\n", NULL, "hostfile 'hf': line 1: slots=99999999999 is more than "
	    "1048576" },
	{ "n1:0\n", NULL, "hostfile 'hf': line 1: slot count 0: a host needs at least 1 slot" },
	{ "n1:\n", NULL, "hostfile 'hf': line 1: no slot count after 'n1:'" },
	{ "n1:x\n", NULL, "hostfile 'hf': line 1: slot count 'x' is not a positive whole number" },
	{ "n1:2:3\n", NULL, "hostfile 'hf': line 1: slot count '2:3' is not a positive whole number" },
	{ ":4\n", NULL, "hostfile 'hf': line 1: empty host name" },
	{ "n1 junk\n", NULL, "hostfile 'hf': line 1: unexpected 'junk' after the host (expected "
	    "slots=N or max_slots=M)" },
	{ "n1 cpu=4\n", NULL, "hostfile 'hf': line 1: unknown key 'cpu' (expected slots=N or "
	    "max_slots=M)" },
	{ "n1 slots=2 slots=4\n", NULL, "hostfile 'hf': line 1: slots= given twice" },
	{ "n1:2 slots=4\n", NULL, "hostfile 'hf': line 1: both ':2' and slots=4 give the slot count" },
	{ "n1 slots=8 max_slots=4\n", NULL, "hostfile 'hf': line 1: max_slots=4 is less than "
	    "slots=8" },
	{ "slots=4\n", NULL, "hostfile 'hf': line 1: 'slots=4' has no host name before it" },
	{ "\n\nn/1\n", NULL, "hostfile 'hf': line 3: host name 'n/1' contains '/' (allowed: letters, "
	    "digits, '-', '.', '_')" },
	{ "n[1-4]\n", NULL, "hostfile 'hf': line 1: host name 'n[1-4]' contains '[' (hostlist "
	    "expressions are not expanded in a hostfile: list one host per line)" },
	{ "n1,n2\n", NULL, "hostfile 'hf': line 1: host name 'n1,n2' contains ','" },
	{ "-n1\n", NULL, "hostfile 'hf': line 1: host name '-n1' starts with '-'" },
	{ "n\xc3\xbc\n", NULL, "hostfile 'hf': line 1: host name contains byte 0xc3 at offset 2" },
	{ "n1\rn2\n", NULL, "hostfile 'hf': line 1: host name contains byte 0x0d at offset 3" },
	/* every bad line is read; the first is named, the rest counted */
	{ "n1 slots=x\nn2\nn3:0\n#\nn4 junk\n", NULL, "hostfile 'hf': line 1: slots='x' is not a "
	    "positive whole number (and 2 more bad lines)" },
	{ "a:0\nb:0\n", NULL, "hostfile 'hf': line 1: slot count 0: a host needs at least 1 slot "
	    "(and 1 more bad line)" },
	/* no hosts at all: no job runs on zero hosts */
	{ "", NULL, "hostfile 'hf': no hosts in it (only blank lines and comments); a job needs at "
	    "least one host" },
	{ "\n# only a comment\n  \n", NULL, "hostfile 'hf': no hosts in it" },
};

Test(hostfile, parse_formats_and_errors)
{
	for (size_t i = 0; i < NITEMS(hf_cases); i++) {
		const struct hf_case *c = &hf_cases[i];
		struct hostset hs = HOSTSET_INIT;
		char *err = NULL;
		int r = hostfile_parse(c->text, "hf", &hs, &err);
		if (c->want) {
			char *got;
			cr_expect_eq(r, 0, "case %zu: %s", i, err ? err : "");
			got = render(&hs);
			cr_expect_str_eq(got, c->want, "case %zu", i);
			free(got);
		} else {
			cr_expect_eq(r, -1, "case %zu accepted", i);
			cr_expect_eq(hs.n, 0, "case %zu: out left alone", i);
			cr_expect(err && strncmp(err, c->why, strlen(c->why)) == 0,
			    "case %zu: got '%s', want '%s...'", i, err ? err : "(null)", c->why);
		}
		free(err);
		hostset_free(&hs);
	}
}

Test(hostfile, parse_appends_to_a_set)
{
	struct hostset hs = HOSTSET_INIT;
	char *err = NULL, *got;

	hostset_add(&hs, "n2", 1);
	cr_assert_eq(hostfile_parse("n1\nn2 slots=3\n", "hf", &hs, &err), 0);
	got = render(&hs);
	cr_expect_str_eq(got, "n2:4 n1:1");
	free(got);
	cr_expect_eq(hostfile_parse("n3 slots=x\n", "hf", &hs, &err), -1);
	cr_expect_eq(hs.n, 2, "a bad file leaves the set alone");
	free(err);
	hostset_free(&hs);
}

/* A 20,000-slot PBS nodefile of 5,000 nodes reads in linear time. */
Test(hostfile, big_nodefile, .timeout = 5)
{
	size_t n = 5000, per = 4, len = 0;
	char *text = xmalloc(n * per * 16), *err = NULL;
	struct hostset hs = HOSTSET_INIT;

	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < per; k++)
			len += (size_t)sprintf(text + len, "x%05zu\n", (i * 7919) % n);
	cr_assert_eq(hostfile_parse(text, "nodefile", &hs, &err), 0, "%s", err ? err : "");
	cr_expect_eq(hs.n, n);
	for (size_t i = 0; i < hs.n; i++)
		cr_expect_eq(hs.v[i].slots, (int)per);
	free(text);
	hostset_free(&hs);
}

Test(hostfile, slots_sum_is_capped)
{
	struct hostset hs = HOSTSET_INIT;
	char *err = NULL;

	cr_expect_eq(hostfile_parse("n1 slots=1048576\nn1\n", "hf", &hs, &err), -1);
	cr_expect_str_eq(err, "hostfile 'hf': line 2: host 'n1' has more than 1048576 slots in all");
	free(err);
	hostset_free(&hs);
}

struct tpn_case {
	const char *s;
	long max;
	const char *want;          /* "4 4 2", or NULL */
	const char *why;
};

static const struct tpn_case tpn_cases[] = {
	{ "4(x2),2", 10, "4 4 2", NULL },
	{ "1", 10, "1", NULL },
	{ "2(x3)", 3, "2 2 2", NULL },
	{ "8,8,8", 3, "8 8 8", NULL },
	{ "1(x1),3(x2),5", 10, "1 3 3 5", NULL },
	{ "2147483647", 1, "2147483647", NULL },
	{ "", 10, NULL, "empty value" },
	{ "4(x2),", 10, NULL, "expected a task count at column 7" },
	{ ",4", 10, NULL, "expected a task count at column 1" },
	{ "4,,2", 10, NULL, "expected a task count at column 3" },
	{ "x", 10, NULL, "expected a task count at column 1" },
	{ "-4", 10, NULL, "expected a task count at column 1" },
	{ " 4", 10, NULL, "expected a task count at column 1" },
	{ "4 ", 10, NULL, "unexpected ' ' at column 2" },
	{ "0", 10, NULL, "a task count 0 at column 1: must be at least 1" },
	{ "4(x0)", 10, NULL, "a node count 0 at column 4: must be at least 1" },
	{ "4(2)", 10, NULL, "expected '(x' at column 2" },
	{ "4(x2", 10, NULL, "expected ')' at column 5" },
	{ "4(x2]", 10, NULL, "expected ')' at column 5" },
	{ "4(x)", 10, NULL, "expected a node count at column 4" },
	{ "4x2", 10, NULL, "unexpected 'x' at column 2" },
	{ "2147483648", 10, NULL, "a task count '2147483648' at column 1 is more than 2147483647" },
	{ "99999999999999999999999", 10, NULL, "is more than 2147483647" },
	{ "1(x11)", 10, NULL, "a node count '11' at column 4 is more than 10" },
	{ "1(x9999999999999999999999)", 10, NULL, "is more than 10" },
	{ "1(x5),1(x6)", 10, NULL, "more than 10 nodes" },
	{ "1,1,1", 2, NULL, "more than 2 nodes" },
	{ "1", 0, NULL, "more than 0 nodes" },
};

Test(hostfile, tasks_per_node)
{
	for (size_t i = 0; i < NITEMS(tpn_cases); i++) {
		const struct tpn_case *c = &tpn_cases[i];
		int *v = (int *)1;
		char *err = NULL;
		long n = tasks_per_node_parse(c->s, &v, c->max, &err);
		if (c->want) {
			char got[256] = "";
			cr_expect_geq(n, 1, "'%s': %s", c->s, err ? err : "");
			for (long k = 0; k < n; k++)
				snprintf(got + strlen(got), sizeof got - strlen(got), "%s%d",
				    k ? " " : "", v[k]);
			cr_expect_str_eq(got, c->want, "'%s'", c->s);
		} else {
			cr_expect_eq(n, -1, "'%s' accepted", c->s);
			cr_expect_null(v, "'%s': *out is NULL on error", c->s);
			cr_expect(err && strstr(err, c->why), "'%s': got '%s', want '%s'", c->s,
			    err ? err : "(null)", c->why);
		}
		free(v);
		free(err);
	}
}

/* The count is checked before anything is allocated. */
Test(hostfile, tasks_per_node_huge_repeat, .timeout = 2)
{
	int *v = NULL;
	char *err = NULL;
	cr_expect_eq(tasks_per_node_parse("1(x2000000000)", &v, 2147483647L, &err), -1);
	cr_expect_null(v);
	cr_expect_str_eq(err, "a node count '2000000000' at column 4 is more than 1048576");
	free(err);
	cr_expect_eq(tasks_per_node_parse("1(x1048576),1", &v, 2147483647L, &err), -1);
	cr_expect_str_eq(err, "more than 1048576 nodes");
	free(err);
	cr_expect_eq(tasks_per_node_parse("1(x1000),2(x24)", &v, 1024, &err), 1024);
	cr_expect_eq(v[999], 1);
	cr_expect_eq(v[1023], 2);
	free(v);
}
