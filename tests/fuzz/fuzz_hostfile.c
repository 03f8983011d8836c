/* SPDX-License-Identifier: MIT */
/*
 * fuzz_hostfile: hostfile text (src/hostfile.c: one host per line, PBS
 * nodefiles, "host slots=N max_slots=M", "host:N").
 *
 * What hostfile_parse accepts must be at least one host, each named only
 * with [A-Za-z0-9._-] (not starting with '-' or '.', at most 253 bytes),
 * unique, with 1 to 2^20 slots; what it rejects gets a message naming the
 * file and a line, and leaves the set it was given as it was.  Parsing into
 * a set that already holds a host merges: the same hosts, slots added.  The
 * names also survive hostlist compress -> expand (EZPZ_HOSTS, srun
 * --nodelist are written that way).
 */
#include "fuzz.h"
#include "hostfile.h"
#include "hostlist.h"
#include "strvec.h"
#include "util.h"

#define PATH "fuzz.hosts"
#define MAX_SLOTS (1 << 20)

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
check_set(const struct hostset *hs)
{
	char **names = malloc((hs->n ? hs->n : 1) * sizeof *names);
	struct strvec back = STRVEC_INIT;
	char *c, *err = NULL;

	FUZZ_CHECK(names != NULL, "malloc");
	FUZZ_CHECK(hs->n >= 1, "accepted a hostfile with no hosts");
	for (size_t i = 0; i < hs->n; i++) {
		const char *h = hs->v[i].name;
		FUZZ_CHECK(*h && strlen(h) <= 253, "host %zu: bad length %zu", i, strlen(h));
		FUZZ_CHECK(strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
		    == strlen(h), "host '%s' has a bad byte", h);
		FUZZ_CHECK(h[0] != '-' && h[0] != '.', "host '%s' starts badly", h);
		FUZZ_CHECK(hs->v[i].slots >= 1 && hs->v[i].slots <= MAX_SLOTS, "host '%s': %d slots",
		    h, hs->v[i].slots);
		names[i] = hs->v[i].name;
	}
	c = hostlist_compress(names, hs->n);
	FUZZ_CHECK(hostlist_expand(c, &back, &err) == 0, "compressed '%.200s' rejected: %s", c, err);
	FUZZ_CHECK(back.n == hs->n, "'%.200s': %zu hosts back, not %zu", c, back.n, hs->n);
	for (size_t i = 0; i < hs->n; i++)
		FUZZ_CHECK(strcmp(back.v[i], names[i]) == 0, "'%.200s': host %zu is '%s', not '%s'", c,
		    i, back.v[i], names[i]);
	strvec_clear(&back);
	free(c);
	qsort(names, hs->n, sizeof *names, cmp_str);
	for (size_t i = 1; i < hs->n; i++)
		FUZZ_CHECK(strcmp(names[i - 1], names[i]) != 0, "host '%s' listed twice", names[i]);
	free(names);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size), *err = NULL, *err2 = NULL;
	struct hostset fresh = HOSTSET_INIT, merged = HOSTSET_INIT;
	int r, r2;

	r = hostfile_parse(text, PATH, &fresh, &err);
	hostset_add(&merged, "pre-existing", 3);
	r2 = hostfile_parse(text, PATH, &merged, &err2);
	FUZZ_CHECK(r == r2, "parsing into a non-empty set: %d, into an empty one: %d", r2, r);
	if (r < 0) {
		FUZZ_CHECK(err && strncmp(err, "hostfile '" PATH "': ", 22) == 0, "message '%s'", err);
		FUZZ_CHECK(err2 && strcmp(err, err2) == 0, "messages differ: '%s' / '%s'", err, err2);
		FUZZ_CHECK(fresh.n == 0, "rejected, but %zu hosts added", fresh.n);
		FUZZ_CHECK(merged.n == 1 && merged.v[0].slots == 3, "rejected, but the set changed");
	} else {
		size_t off;
		FUZZ_CHECK(err == NULL && err2 == NULL, "accepted with a message");
		check_set(&fresh);
		/* Merged: the earlier host first, then the file's, slots added. */
		off = hostset_find(&fresh, "pre-existing") >= 0 ? 0 : 1;
		FUZZ_CHECK(merged.n == fresh.n + off, "merged %zu hosts, expected %zu", merged.n,
		    fresh.n + off);
		for (size_t i = 0; i < fresh.n; i++) {
			long j = hostset_find(&merged, fresh.v[i].name);
			int want = fresh.v[i].slots + (strcmp(fresh.v[i].name, "pre-existing") ? 0 : 3);
			FUZZ_CHECK(j >= 0 && merged.v[j].slots == want, "merged '%s': %d slots, not %d",
			    fresh.v[i].name, j >= 0 ? merged.v[j].slots : -1, want);
		}
	}
	free(err);
	free(err2);
	hostset_free(&fresh);
	hostset_free(&merged);
	free(text);
	return 0;
}
