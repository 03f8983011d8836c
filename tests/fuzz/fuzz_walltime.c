/* SPDX-License-Identifier: MIT */
/*
 * fuzz_walltime: submit -t, parsed by submit_walltime (src/submit.c) for
 * PBS and for Slurm.
 *
 * Accepted: only digits, ':' and '-'; PBS accepts a subset of what Slurm
 * does, with the same seconds; the seconds, written back as H:MM:SS, parse
 * to the same seconds for both.  Rejected: a message that quotes the value.
 */
#include "fuzz.h"
#include "submit.h"
#include "util.h"

static void
round_trip(const char *s, long long secs)
{
	char *again = xasprintf("%lld:%02lld:%02lld", secs / 3600, secs / 60 % 60, secs % 60);
	char *err = NULL;
	long long p, q;

	if (secs / 3600 >= 1000000) {   /* more hours than H:MM:SS may have digits */
		free(again);
		return;
	}
	p = submit_walltime(again, SCHED_PBS, &err);
	FUZZ_CHECK(p == secs, "'%.100s' -> '%s': PBS reads %lld s, not %lld (%s)", s, again, p, secs,
	    err ? err : "");
	q = submit_walltime(again, SCHED_SLURM, &err);
	FUZZ_CHECK(q == secs, "'%.100s' -> '%s': Slurm reads %lld s, not %lld (%s)", s, again, q,
	    secs, err ? err : "");
	free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size), *perr = NULL, *serr = NULL;
	long long p = submit_walltime(s, SCHED_PBS, &perr);
	long long q = submit_walltime(s, SCHED_SLURM, &serr);

	if (p >= 0 || q >= 0)
		FUZZ_CHECK(s[strspn(s, "0123456789:-")] == '\0', "'%.100s' accepted", s);
	if (p >= 0) {
		FUZZ_CHECK(perr == NULL, "'%.100s': accepted with a message", s);
		FUZZ_CHECK(q == p, "'%.100s': PBS %lld s, Slurm %lld s", s, p, q);
		round_trip(s, p);
	} else {
		FUZZ_CHECK(p == -1 && perr && strstr(perr, s), "'%.100s': PBS refuses it without "
		    "quoting it: %s", s, perr ? perr : "(no message)");
	}
	if (q >= 0) {
		FUZZ_CHECK(serr == NULL, "'%.100s': accepted with a message", s);
		round_trip(s, q);
	} else {
		FUZZ_CHECK(q == -1 && serr && strstr(serr, s), "'%.100s': Slurm refuses it without "
		    "quoting it: %s", s, serr ? serr : "(no message)");
	}
	free(perr);
	free(serr);
	free(s);
	return 0;
}
