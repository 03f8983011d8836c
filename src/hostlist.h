/* SPDX-License-Identifier: MIT */
/*
 * hostlist.h: Slurm hostlist expressions ("nid[001-004,010],login1"),
 * expanded exactly as 'scontrol show hostnames' does, and compressed back.
 */
#ifndef EZPZ_HOSTLIST_H
#define EZPZ_HOSTLIST_H

#include <stddef.h>

#include "strvec.h"

/* Expansion is capped so "n[0-999999999]" cannot exhaust memory. */
#define HOSTLIST_MAX_HOSTS (1L << 20)

/*
 * Append the hosts of expr to out.  Returns 0, or -1 with *err set to a
 * malloc'd message naming the problem (the caller prefixes the input),
 * leaving out as it was.
 */
int hostlist_expand(const char *expr, struct strvec *out, char **err);
/* The shortest bracketed form of hosts, in order; malloc'd. */
char *hostlist_compress(char *const *hosts, size_t n);

#endif
