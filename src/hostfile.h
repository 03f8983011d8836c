/* SPDX-License-Identifier: MIT */
/*
 * hostfile.h: sets of hosts with slot counts, and the hostfile formats users
 * bring: one host per line, PBS nodefiles (a line per slot), Open MPI /
 * DeepSpeed "host slots=N [max_slots=M]", hydra "host:N".  Also Slurm's
 * compressed SLURM_TASKS_PER_NODE ("4(x2),2").
 */
#ifndef EZPZ_HOSTFILE_H
#define EZPZ_HOSTFILE_H

#include <stddef.h>

struct host {
	char *name;
	int slots;     /* >= 1 */
};

/* Unique hosts in first-seen order, with a name index (nodefiles of many
 * thousand lines and 10k-node Slurm lists are read in linear time). */
struct hostset {
	struct host *v;
	size_t n;
	size_t alloc;
	size_t *index;   /* open addressing: position + 1, 0 empty */
	size_t cap;      /* of index: a power of two, 0 before the first add */
};

#define HOSTSET_INIT { NULL, 0, 0, NULL, 0 }

/* Add slots to name, appending it if new. */
void hostset_add(struct hostset *hs, const char *name, int slots);
/* The same with a malloc'd name the set keeps (or frees: a repeat). */
void hostset_add_owned(struct hostset *hs, char *name, int slots);
long hostset_find(const struct hostset *hs, const char *name);
/* The hosts as one hostlist expression (hostlist_compress); malloc'd. */
char *hostset_compress(const struct hostset *hs);
void hostset_free(struct hostset *hs);

/*
 * Parse hostfile text (path is for messages only).  '#' comments, blank
 * lines, CRLF and surrounding blanks are fine; a repeated host adds slots.
 * Returns 0, or -1 with *err a malloc'd "hostfile 'PATH': line N: why"
 * (the first bad line; every line is read, and the rest are counted) and
 * out left as it was.  A file with no hosts is an error.
 */
int hostfile_parse(const char *text, const char *path, struct hostset *out, char **err);

/*
 * SLURM_TASKS_PER_NODE: "4(x2),2" -> {4,4,2}.  Returns the count, or -1
 * with *err set to a malloc'd reason (the caller prefixes the input) and
 * *out NULL.  *out is malloc'd.  At most max entries (and never more than
 * HOSTLIST_MAX_HOSTS); counts are 1 to INT_MAX.
 */
long tasks_per_node_parse(const char *s, int **out, long max, char **err);

#endif
