/* SPDX-License-Identifier: MIT */
/*
 * fuzz_tasks_per_node: Slurm's SLURM_TASKS_PER_NODE ("4(x2),2"), parsed by
 * tasks_per_node_parse (src/hostfile.c).
 *
 * The first byte picks the caller's limit on entries (sched_slurm.c passes
 * the number of hosts); the rest is the value.  Accepted: 1..limit entries
 * (never more than HOSTLIST_MAX_HOSTS), each at least 1, and writing them
 * back in the compressed form gives the same entries.  Rejected: a message,
 * and no array.
 */
#include <limits.h>

#include "buf.h"
#include "fuzz.h"
#include "hostfile.h"
#include "hostlist.h"
#include "util.h"

static const long limits[] = { 0, 1, 2, 3, 4, 16, 1000, 65536, 1L << 20, 1L << 21, LONG_MAX, -1 };

/* "4(x2),2" for v[0..n). */
static char *
compressed(const int *v, long n)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "");
	for (long i = 0; i < n;) {
		long j = i;
		while (j + 1 < n && v[j + 1] == v[i])
			j++;
		if (j > i)
			buf_addf(&b, "%s%d(x%ld)", i ? "," : "", v[i], j - i + 1);
		else
			buf_addf(&b, "%s%d", i ? "," : "", v[i]);
		i = j + 1;
	}
	return buf_detach(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long max, n, n2, cap;
	int *v = NULL, *v2 = NULL;
	char *s, *err = NULL, *again;

	if (size == 0)
		return 0;
	max = limits[data[0] % (sizeof limits / sizeof *limits)];
	s = fuzz_cstr(data + 1, size - 1);
	n = tasks_per_node_parse(s, &v, max, &err);
	if (n < 0) {
		FUZZ_CHECK(v == NULL, "'%.200s' rejected, but an array was returned", s);
		FUZZ_CHECK(err && *err, "'%.200s' rejected without a message", s);
		free(err);
		free(s);
		return 0;
	}
	cap = max < HOSTLIST_MAX_HOSTS ? max : HOSTLIST_MAX_HOSTS;
	FUZZ_CHECK(n >= 1 && n <= cap, "'%.200s': %ld entries, limit %ld", s, n, cap);
	FUZZ_CHECK(v != NULL && err == NULL, "'%.200s': accepted, but no array or a message", s);
	for (long i = 0; i < n; i++)
		FUZZ_CHECK(v[i] >= 1, "'%.200s': entry %ld is %d", s, i, v[i]);
	again = compressed(v, n);
	n2 = tasks_per_node_parse(again, &v2, max, &err);
	FUZZ_CHECK(n2 == n, "'%.200s' -> '%.200s': %ld entries, not %ld (%s)", s, again, n2, n,
	    err ? err : "");
	FUZZ_CHECK(memcmp(v, v2, (size_t)n * sizeof *v) == 0, "'%.200s' -> '%.200s' differs", s,
	    again);
	free(again);
	free(v);
	free(v2);
	free(s);
	return 0;
}
