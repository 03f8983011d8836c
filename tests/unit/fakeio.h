/* SPDX-License-Identifier: MIT */
/*
 * fakeio.h: a struct job_io for unit tests.  Files are read for real (the
 * fixtures); PATH lookups and command output come from tables; the topology
 * is an XML fixture or "none".
 */
#ifndef EZPZ_TEST_FAKEIO_H
#define EZPZ_TEST_FAKEIO_H

#include "job.h"
#include "profile.h"

struct fake_cmd {
	const char *name;      /* e.g. "mpiexec" */
	const char *path;      /* what which() returns */
	const char *output;    /* what running it prints, or NULL (cannot run) */
	int status;
};

struct fakeio {
	const struct fake_cmd *cmds;
	const char *topo_xml;  /* fixture name under tests/fixtures/topo, or NULL: no topology */
	struct topo topo;
	int loaded;
	int topo_loads;        /* how many times the topology was asked for */
	const char *const *addrs;   /* resolve(): "ADDR", "HOST", ..., NULL */
	struct job_io io;
};

void fakeio_init(struct fakeio *f, const struct fake_cmd *cmds, const char *topo_xml);
void fakeio_free(struct fakeio *f);
/* Repository-relative path, from $EZPZ_TOP (tests/run sets it) or ".". */
char *fixture(const char *rel);
/* The built-in profiles (src/machines). */
void load_builtin_profiles(struct profiles *ps);

#endif
