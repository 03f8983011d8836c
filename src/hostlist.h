/* SPDX-License-Identifier: MIT */
/*
 * hostlist.h: Slurm hostlist expressions ("nid[001-004,010],login1"),
 * expanded exactly as 'scontrol show hostnames' does, and compressed back.
 */
#ifndef EZPZ_HOSTLIST_H
#define EZPZ_HOSTLIST_H

#include <stddef.h>

#include "strvec.h"

/* Expansion is capped so "n[0-999999999]" cannot exhaust memory.  (The
 * fuzz build sets both caps lower: the same checks, hit in microseconds.) */
#ifndef HOSTLIST_MAX_HOSTS
#define HOSTLIST_MAX_HOSTS (1L << 20)
#endif
/*
 * And so that long names cannot make a million hosts hundreds of megabytes
 * (and compressing them back seconds): the names of one expansion, each
 * with its NUL, hold at most this many bytes (1048576 names of 15 chars).
 */
#ifndef HOSTLIST_MAX_BYTES
#define HOSTLIST_MAX_BYTES (16L << 20)
#endif

/*
 * Append the hosts of expr to out, as 'scontrol show hostnames' prints them
 * (duplicates and order kept; "" or only separators gives none).  Returns
 * 0, or -1 with *err (when err is not NULL) set to a malloc'd message
 * naming the problem and its column (the caller prefixes the input),
 * leaving out as it was.  Expressions scontrol misreads are rejected (see
 * hostlist.c), as is one expanding to more than HOSTLIST_MAX_HOSTS hosts or
 * HOSTLIST_MAX_BYTES bytes of names.
 */
int hostlist_expand(const char *expr, struct strvec *out, char **err);
/*
 * The first host of expr, malloc'd in *first (NULL when expr names none),
 * without making the others: 0, or -1 as hostlist_expand for a bad expr.
 */
int hostlist_first(const char *expr, char **first, char **err);
/*
 * The shortest bracketed form of hosts, in order, that Slurm and
 * hostlist_expand read back as exactly these hosts; malloc'd ("" for none),
 * never longer than the names joined by ','.  A name that is empty or holds
 * ',', a blank or a bracket cannot be written in a hostlist: it is copied as
 * is, and the caller should refuse it first.  (Nor can Slurm read back a
 * name ending in a number of ULONG_MAX or more; it cannot name such a node.)
 */
char *hostlist_compress(char *const *hosts, size_t n);

#endif
