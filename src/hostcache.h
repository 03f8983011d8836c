/* SPDX-License-Identifier: MIT */
/*
 * hostcache.h: this host's facts kept between runs, so that a command on a
 * host without a profile neither loads hwloc (tens of ms) nor runs
 * `mpiexec --version` again: the topology (cores, PUs, NUMA domains, GPUs
 * with vendor, PCI id and locality) and the launchers' version texts.
 *
 * One file per host, $XDG_CACHE_HOME/ezpz/host-NAME.facts (else
 * ~/.cache/ezpz), in a directory only the user can read (0700), written
 * whole to a temporary file and renamed.  It holds a key: the boot id, the
 * host name, hwloc's version and ezpz's; a file with another key, not the
 * user's own, not 0600, or that does not parse is ignored and rebuilt (the
 * way slurmd keeps its hwloc XML).  A version text is kept per compiled
 * executable (never a script: its output may follow the environment) and
 * only while the file is the same (device, inode, size, mtime).
 * EZPZ_NO_CACHE=1 or --no-cache turn it off.
 */
#ifndef EZPZ_HOSTCACHE_H
#define EZPZ_HOSTCACHE_H

#include <stddef.h>

#include "topo.h"

#define HOSTCACHE_MAX_BYTES (4u << 20)   /* a larger file is not ours */
#define HOSTCACHE_MAX_PROBES 16

/* Which file an executable is: a cached version text holds while this does. */
struct hostcache_id {
	unsigned long long dev, ino, size, mtime_ns;
};

struct hostcache_probe {
	char *path;
	struct hostcache_id id;
	char *out;
};

struct hostcache_key {
	char *boot_id, *hostname, *hwloc, *ezpz;
};

struct hostcache {
	int on;                     /* 0: off, or no usable directory */
	char *file;                 /* the cache file; NULL when off */
	char *state;                /* for info and doctor: why off, hit, rebuilt and why */
	int hit;                    /* the file was read and its key matched */
	int rebuilt;                /* there was a file, but not one to trust */
	struct hostcache_key key;
	int have_topo;
	struct topo topo;           /* from the file; hostcache_take_topo moves it */
	const struct topo *topo_ref;  /* the caller's, once taken or put: written with the probes */
	struct hostcache_probe *probes;
	size_t nprobes;
};

/*
 * Open this host's cache (reads it when there is one).  off: --no-cache.
 * Never fails: a cache that cannot be used is off, and hc->state says why.
 */
void hostcache_open(struct hostcache *hc, char *const *envp, int off);
void hostcache_free(struct hostcache *hc);
/* Move the cached topology into *t (which must outlive hc); 0, or -1 when there is none. */
int hostcache_take_topo(struct hostcache *hc, struct topo *t);
/* Write the file with t (which must outlive hc: not copied). */
void hostcache_put_topo(struct hostcache *hc, const struct topo *t);
/* The kept output of `path --version` while path is the same file, or NULL. */
const char *hostcache_probe(const struct hostcache *hc, const char *path);
/* Keep that output and write the file. */
void hostcache_put_probe(struct hostcache *hc, const char *path, const char *out);

/* Pure: the file's text, and back (-1 with *why malloc'd). */
char *hostcache_format(const struct hostcache_key *k, const struct topo *t,
    const struct hostcache_probe *p, size_t np);
int hostcache_parse(struct hostcache *hc, const char *text, char **why);

#endif
