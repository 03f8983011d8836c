/* SPDX-License-Identifier: MIT */
/* types.c: names of the shared enumerations (launchers: backend.c). */
#include <string.h>

#include "types.h"

static const char *const sched_names[] = { "local", "pbs", "slurm", "flux", "lsf" };
static const char *const vendor_names[] = { "none", "nvidia", "amd", "intel" };

static const char *
name_of(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : NULL;
}

static int
parse_name(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

const char *sched_name(enum sched s) { return name_of(sched_names, N(sched_names), s); }
const char *vendor_name(enum vendor v) { return name_of(vendor_names, N(vendor_names), v); }
enum sched sched_parse(const char *s) { return parse_name(sched_names, N(sched_names), s); }
enum vendor vendor_parse(const char *s) { return parse_name(vendor_names, N(vendor_names), s); }
