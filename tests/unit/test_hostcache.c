/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the host facts cache: the file's text round trip (a
 * topology with GPUs and locality, probe outputs with tabs and newlines),
 * what the parser refuses, and the edge: a private directory, a file that
 * is not 0600 or does not parse or has another key ignored and rebuilt,
 * EZPZ_NO_CACHE and --no-cache.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakeio.h"
#include "hostcache.h"
#include "topo.h"
#include "util.h"

static void
load_xml(struct topo *t, const char *name)
{
	char *rel = xasprintf("tests/fixtures/topo/%s", name), *path = fixture(rel), *err = NULL;
	cr_assert_eq(topo_load(t, path, &err), 0, "%s", err);
	free(rel);
	free(path);
}

static void
expect_same_topo(const struct topo *a, const struct topo *b)
{
	cr_expect_eq(a->npackages, b->npackages);
	cr_expect_eq(a->npus, b->npus);
	cr_expect_eq(a->nnuma, b->nnuma);
	cr_expect_str_eq(a->backend ? a->backend : "-", b->backend ? b->backend : "-");
	cr_expect_eq(a->vendor, b->vendor);
	cr_assert_eq(a->ncores, b->ncores);
	for (size_t i = 0; i < a->ncores; i++) {
		cr_expect_eq(a->cores[i].package, b->cores[i].package);
		cr_assert_eq(a->cores[i].npus, b->cores[i].npus);
		cr_expect_arr_eq(a->cores[i].pus, b->cores[i].pus, sizeof(int) * (size_t)a->cores[i].npus);
	}
	cr_assert_eq(a->ngpus, b->ngpus);
	for (size_t i = 0; i < a->ngpus; i++) {
		const struct topo_gpu *x = &a->gpus[i], *y = &b->gpus[i];
		cr_expect_str_eq(x->name, y->name);
		cr_expect_eq(x->vendor, y->vendor);
		cr_expect_str_eq(x->model ? x->model : "-", y->model ? y->model : "-");
		cr_expect_str_eq(x->pci ? x->pci : "-", y->pci ? y->pci : "-");
		cr_assert_eq(x->ncores, y->ncores);
		if (x->ncores)
			cr_expect_arr_eq(x->cores, y->cores, sizeof(int) * x->ncores);
	}
}

Test(hostcache, round_trip)
{
	static const char *const xmls[] = { "stock-dgx2-drm.xml", "aurora-like.xml",
		"frontier-like.xml", "synthetic-nogpu.xml" };
	struct hostcache_key k = { "b00t-1d", "x1000c0s0b0n0", "api 2.8.0 /lib/libhwloc.so 1", "0.1.0" };
	struct hostcache_probe p[] = {
		{ "/usr/bin/mpiexec", { 1, 2, 3, 4 }, "mpiexec (OpenRTE) 4.1.4\n\n\tReport \\bugs\n" },
		{ "/opt/x/mpiexec.hydra", { 5, 6, 7, 8 }, "-" },
	};
	for (size_t i = 0; i < NITEMS(xmls); i++) {
		struct hostcache hc = { 0 };
		struct topo t;
		char *text, *why = NULL;

		load_xml(&t, xmls[i]);
		text = hostcache_format(&k, &t, p, NITEMS(p));
		cr_assert_eq(hostcache_parse(&hc, text, &why), 0, "%s: %s\n%s", xmls[i], why, text);
		cr_expect_str_eq(hc.key.boot_id, k.boot_id);
		cr_expect_str_eq(hc.key.hostname, k.hostname);
		cr_expect_str_eq(hc.key.hwloc, k.hwloc);
		cr_expect_str_eq(hc.key.ezpz, k.ezpz);
		cr_assert(hc.have_topo);
		expect_same_topo(&t, &hc.topo);
		cr_assert_eq(hc.nprobes, 2);
		cr_expect_str_eq(hc.probes[0].out, p[0].out);
		cr_expect_str_eq(hc.probes[1].out, "-");
		cr_expect_eq(hc.probes[1].id.mtime_ns, 8);
		hostcache_free(&hc);
		topo_free(&t);
		free(text);
	}
}

Test(hostcache, parse_refuses)
{
	static const char *const bad[] = {
		"",
		"ezpz-host-facts 2\nend\n",
		"ezpz-host-facts 1\nend\n",                                  /* no key */
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\n",                       /* no end */
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\nend",                    /* end cut */
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\nend\nmore\n",
		"ezpz-host-facts 1\nkey\ta\tb\tc\nend\n",
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\nwhat\t1\nend\n",
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\ncore\t0\t0\nend\n",     /* core before topo */
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\ntopo\t1\t1\t1\tcuda\ncore\t0\t0,x\nend\n",
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\ntopo\t1\t1\t1\tmagic\nend\n",
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\ntopo\t1\t1\t1\t-\ncore\t0\t0\n"
		    "gpu\tacme\tg0\t-\t-\t0\nend\n",                          /* unknown vendor */
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\ntopo\t1\t1\t1\t-\ncore\t0\t0\n"
		    "gpu\tnvidia\tg0\t-\t-\t1\nend\n",                        /* no core 1 */
		"ezpz-host-facts 1\nkey\ta\tb\tc\td\nprobe\t1\t2\t3\t4\trel/path\tx\nend\n",
		"ezpz-host-facts 1\nkey\ta\\qb\tb\tc\td\nend\n",              /* bad escape */
	};
	for (size_t i = 0; i < NITEMS(bad); i++) {
		struct hostcache hc = { 0 };
		char *why = NULL;
		cr_expect_eq(hostcache_parse(&hc, bad[i], &why), -1, "accepted: %s", bad[i]);
		cr_expect(why && *why, "no reason for: %s", bad[i]);
		free(why);
		hostcache_free(&hc);
	}
}

/* ---- the edge: a private directory under a temporary HOME ---- */

struct home {
	char dir[64];
	char *envhome, *file;
	char *env[3];
};

static void
home_init(struct home *h)
{
	char host[256];
	strcpy(h->dir, "/tmp/ezpz-hc.XXXXXX");
	cr_assert_not_null(mkdtemp(h->dir));
	h->envhome = xasprintf("HOME=%s", h->dir);
	h->env[0] = h->envhome;
	h->env[1] = NULL;
	h->env[2] = NULL;
	cr_assert_eq(gethostname(host, sizeof host), 0);
	host[sizeof host - 1] = '\0';
	h->file = xasprintf("%s/.cache/ezpz/host-%s.facts", h->dir, host);
}

static void
home_free(struct home *h)
{
	char *d1 = xasprintf("%s/.cache/ezpz", h->dir), *d2 = xasprintf("%s/.cache", h->dir);
	unlink(h->file);
	rmdir(d1);
	rmdir(d2);
	rmdir(h->dir);
	free(d1);
	free(d2);
	free(h->file);
	free(h->envhome);
}

/* Open, and when the file had no topology, put one (what jobio does). */
static void
cycle(struct home *h, struct hostcache *hc, struct topo *t, int off)
{
	hostcache_open(hc, h->env, off);
	if (hostcache_take_topo(hc, t) < 0) {
		load_xml(t, "stock-mi250x-drm.xml");
		hostcache_put_topo(hc, t);
	}
}

static void
rewrite(const char *file, const char *from, const char *to)
{
	char *text = read_file(file, READ_MAX_PROFILE, NULL, NULL), *at;
	FILE *f;
	cr_assert_not_null(text);
	cr_assert_not_null(at = strstr(text, from), "no '%s' in %s", from, file);
	f = fopen(file, "w");
	fprintf(f, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	fclose(f);
	free(text);
}

Test(hostcache, written_read_rebuilt)
{
	struct home h;
	struct hostcache hc;
	struct topo t;
	struct stat st;
	char *d;

	home_init(&h);
	cycle(&h, &hc, &t, 0);
	cr_expect_not(hc.hit);
	cr_expect(strstr(hc.state, "(written)"), "%s", hc.state);
	cr_assert_eq(stat(h.file, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	d = xasprintf("%s/.cache/ezpz", h.dir);
	cr_assert_eq(stat(d, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0700);
	hostcache_free(&hc);
	topo_free(&t);

	/* read back: a hit, the same GPUs */
	cycle(&h, &hc, &t, 0);
	cr_expect(hc.hit, "%s", hc.state);
	cr_expect_eq(t.ngpus, 8);
	cr_expect_str_eq(t.backend, "pci");
	cr_expect_eq(t.gpus[0].vendor, VENDOR_AMD);
	hostcache_free(&hc);
	topo_free(&t);

	/* another boot: out of date, rebuilt */
	rewrite(h.file, "\nkey\t", "\nkey\told-boot-");
	cycle(&h, &hc, &t, 0);
	cr_expect_not(hc.hit);
	cr_expect(strstr(hc.state, "out of date (boot id changed), rebuilt"), "%s", hc.state);
	hostcache_free(&hc);
	topo_free(&t);

	/* readable by others: ignored, rebuilt 0600 */
	cr_assert_eq(chmod(h.file, 0644), 0);
	cycle(&h, &hc, &t, 0);
	cr_expect_not(hc.hit);
	cr_expect(strstr(hc.state, "ignored (not a plain 0600 file of yours (mode 644"), "%s", hc.state);
	cr_assert_eq(stat(h.file, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	hostcache_free(&hc);
	topo_free(&t);

	/* not the user's own (root can make one): ignored, rebuilt */
	if (geteuid() == 0) {
		cr_assert_eq(chown(h.file, 65534, 65534), 0);
		cycle(&h, &hc, &t, 0);
		cr_expect_not(hc.hit);
		cr_expect(strstr(hc.state, "ignored (not a plain 0600 file of yours"), "%s", hc.state);
		cr_assert_eq(stat(h.file, &st), 0);
		cr_expect_eq(st.st_uid, 0);
		hostcache_free(&hc);
		topo_free(&t);
	}

	/* garbage: ignored, rebuilt */
	rewrite(h.file, "\ncore\t", "\ncore\tgarbage\t");
	cycle(&h, &hc, &t, 0);
	cr_expect(strstr(hc.state, "ignored (unexpected line 'core'), rebuilt"), "%s", hc.state);
	hostcache_free(&hc);
	topo_free(&t);
	cycle(&h, &hc, &t, 0);
	cr_expect(hc.hit, "%s", hc.state);
	hostcache_free(&hc);
	topo_free(&t);

	/* off: --no-cache, EZPZ_NO_CACHE; a directory others can read */
	hostcache_open(&hc, h.env, 1);
	cr_expect_not(hc.on);
	cr_expect_str_eq(hc.state, "off (--no-cache)");
	cr_expect_eq(hostcache_take_topo(&hc, &t), -1);
	hostcache_free(&hc);
	h.env[1] = "EZPZ_NO_CACHE=1";
	hostcache_open(&hc, h.env, 0);
	cr_expect_str_eq(hc.state, "off (EZPZ_NO_CACHE)");
	hostcache_free(&hc);
	h.env[1] = NULL;
	cr_assert_eq(chmod(d, 0755), 0);
	hostcache_open(&hc, h.env, 0);
	cr_expect_not(hc.on);
	cr_expect(strstr(hc.state, "is not a private directory of yours (mode 755"), "%s", hc.state);
	hostcache_free(&hc);
	free(d);
	home_free(&h);
}

/* A version text is kept for a compiled program while it is the same file; never for a script. */
Test(hostcache, probes)
{
	struct home h;
	struct hostcache hc;
	char *script, *prog;
	FILE *f;

	home_init(&h);
	script = xasprintf("%s/mpiexec.sh", h.dir);
	prog = xasprintf("%s/mpiexec", h.dir);
	f = fopen(script, "w");
	fputs("#!/bin/sh\necho HYDRA\n", f);
	fclose(f);
	f = fopen(prog, "w");
	fputs("\177ELF pretend", f);
	fclose(f);
	hostcache_open(&hc, h.env, 0);
	hostcache_put_probe(&hc, script, "HYDRA\n");
	hostcache_put_probe(&hc, prog, "mpiexec (OpenRTE) 4.1.4\n");
	hostcache_free(&hc);
	hostcache_open(&hc, h.env, 0);
	cr_expect(hc.hit, "%s", hc.state);
	cr_expect_null(hostcache_probe(&hc, script));
	cr_expect_str_eq(hostcache_probe(&hc, prog) ? hostcache_probe(&hc, prog) : "(null)",
	    "mpiexec (OpenRTE) 4.1.4\n");
	hostcache_free(&hc);
	/* the file changes: asked again */
	f = fopen(prog, "a");
	fputs(" upgraded", f);
	fclose(f);
	hostcache_open(&hc, h.env, 0);
	cr_expect_null(hostcache_probe(&hc, prog));
	hostcache_free(&hc);
	unlink(script);
	unlink(prog);
	free(script);
	free(prog);
	home_free(&h);
}
