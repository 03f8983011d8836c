/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hostlist: Slurm hostlist expressions (src/hostlist.c).
 *
 * An input is an expression.  hostlist_expand must accept it or reject it
 * with a message, leaving its output vector as it was, and hostlist_first
 * must agree (the same verdict, its first host); what it accepts must
 * be plain host names (no separator or bracket), and must survive the round
 * trip compress -> expand unchanged, in a form no longer than the names
 * joined by ','.  An input whose first line is "%hosts" is instead a list
 * of host names, a line each, fed to hostlist_compress directly (the names
 * expand can produce: non-empty, no ',', blank or bracket), with the same
 * round trip.
 */
#include "fuzz.h"
#include "hostlist.h"
#include "strvec.h"
#include "util.h"

#define LIST_MAX 20000

static size_t
joined_len(char *const *hosts, size_t n)
{
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += strlen(hosts[i]) + (i > 0);
	return len;
}

static void
roundtrip(char *const *hosts, size_t n, const char *what)
{
	struct strvec back = STRVEC_INIT;
	char *c = hostlist_compress(hosts, n), *err = NULL;

	FUZZ_CHECK(c != NULL, "%s: compress gave NULL", what);
	FUZZ_CHECK(strlen(c) <= joined_len(hosts, n), "%s: '%.200s' is longer than the plain list",
	    what, c);
	FUZZ_CHECK(hostlist_expand(c, &back, &err) == 0, "%s: compressed form '%.200s' rejected: %s",
	    what, c, err);
	FUZZ_CHECK(back.n == n, "%s: '%.200s' expands to %zu hosts, not %zu", what, c, back.n, n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(strcmp(back.v[i], hosts[i]) == 0,
		    "%s: '%.200s' host %zu is '%s', not '%s'", what, c, i, back.v[i], hosts[i]);
	strvec_clear(&back);
	free(c);
}

static int
plain_host(const char *h)
{
	return *h && strpbrk(h, ", \t[]") == NULL;
}

/* hostlist_first agrees with the expansion: its first host, or its verdict. */
static void
first_agrees(const char *expr, int expanded, const char *want)
{
	char *first, *err = NULL;
	int r = hostlist_first(expr, &first, &err);

	FUZZ_CHECK(r == expanded, "'%.200s': hostlist_first gave %d, hostlist_expand %d", expr, r,
	    expanded);
	FUZZ_CHECK(want ? first && strcmp(first, want) == 0 : first == NULL,
	    "'%.200s': first host '%s', not '%s'", expr, first ? first : "(none)",
	    want ? want : "(none)");
	free(first);
	free(err);
}

static void
expand_one(const char *expr)
{
	struct strvec out = STRVEC_INIT;
	char *err = NULL;

	strvec_push(&out, "sentinel");
	if (hostlist_expand(expr, &out, &err) < 0) {
		first_agrees(expr, -1, NULL);
		FUZZ_CHECK(err != NULL && *err, "rejected '%.200s' without a message", expr);
		FUZZ_CHECK(out.n == 1 && strcmp(out.v[0], "sentinel") == 0,
		    "rejected '%.200s' but changed its output (%zu entries)", expr, out.n);
		free(err);
		strvec_clear(&out);
		return;
	}
	first_agrees(expr, 0, out.n > 1 ? out.v[1] : NULL);
	FUZZ_CHECK(err == NULL, "accepted '%.200s' and set a message", expr);
	FUZZ_CHECK(out.n - 1 <= (size_t)HOSTLIST_MAX_HOSTS, "'%.200s': %zu hosts", expr, out.n - 1);
	FUZZ_CHECK(joined_len(out.v + 1, out.n - 1) + (out.n > 1) <= (size_t)HOSTLIST_MAX_BYTES,
	    "'%.200s': names over %ld bytes", expr, HOSTLIST_MAX_BYTES);
	for (size_t i = 1; i < out.n; i++)
		FUZZ_CHECK(plain_host(out.v[i]), "'%.200s' gave host '%s'", expr, out.v[i]);
	roundtrip(out.v + 1, out.n - 1, expr);
	strvec_clear(&out);
}

static void
compress_list(const char *p, const char *end)
{
	struct strvec hosts = STRVEC_INIT;
	char *line;

	while (hosts.n < LIST_MAX && (line = fuzz_line(&p, end)) != NULL) {
		if (plain_host(line))
			strvec_push(&hosts, line);
		free(line);
	}
	roundtrip(hosts.v, hosts.n, "host list");
	strvec_clear(&hosts);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char mark[] = "%hosts\n";
	char *s;

	if (size >= sizeof mark - 1 && memcmp(data, mark, sizeof mark - 1) == 0) {
		s = fuzz_cstr(data, size);
		compress_list(s + sizeof mark - 1, s + strlen(s));
		free(s);
		return 0;
	}
	s = fuzz_cstr(data, size);
	expand_one(s);
	free(s);
	return 0;
}
