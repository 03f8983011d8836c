/* SPDX-License-Identifier: MIT */
/* fakeio.c: see fakeio.h. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fakeio.h"
#include "util.h"

char *
fixture(const char *rel)
{
	const char *top = getenv("EZPZ_TOP");
	return xasprintf("%s/%s", top && *top ? top : ".", rel);
}

static char *
f_read(void *ctx, const char *path, size_t max, size_t *len, const char **why)
{
	(void)ctx;
	return read_file(path, max, len, why);
}

static const struct fake_cmd *
f_find(struct fakeio *f, const char *name)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	for (const struct fake_cmd *c = f->cmds; c && c->name; c++)
		if (strcmp(c->name, base) == 0 || (c->path && strcmp(c->path, name) == 0))
			return c;
	return NULL;
}

static int
f_run(void *ctx, char *const *argv, char **out)
{
	const struct fake_cmd *c = f_find(ctx, argv[0]);
	if (c == NULL || c->output == NULL) {
		*out = NULL;
		return -1;
	}
	*out = xstrdup(c->output);
	return c->status;
}

static char *
f_which(void *ctx, const char *name)
{
	const struct fake_cmd *c = f_find(ctx, name);
	return c && c->path ? xstrdup(c->path) : NULL;
}

/* Files are real (the fixtures). */
static int
f_present(void *ctx, const char *path)
{
	struct stat st;
	(void)ctx;
	return stat(path, &st) == 0;
}

static char *
f_resolve(void *ctx, const char *addr)
{
	struct fakeio *f = ctx;
	for (const char *const *a = f->addrs; a && a[0] && a[1]; a += 2)
		if (strcmp(a[0], addr) == 0)
			return xstrdup(a[1]);
	return NULL;
}

static const struct topo *
f_topo(void *ctx, char **err)
{
	struct fakeio *f = ctx;
	f->topo_loads++;
	if (f->topo_xml == NULL) {
		*err = xstrdup("no topology in this test");
		return NULL;
	}
	if (!f->loaded) {
		char *rel = xasprintf("tests/fixtures/topo/%s", f->topo_xml), *path = fixture(rel);
		if (topo_load(&f->topo, path, err) < 0) {
			free(rel);
			free(path);
			return NULL;
		}
		free(rel);
		free(path);
		f->loaded = 1;
	}
	return &f->topo;
}

void
fakeio_init(struct fakeio *f, const struct fake_cmd *cmds, const char *topo_xml)
{
	memset(f, 0, sizeof *f);
	f->cmds = cmds;
	f->topo_xml = topo_xml;
	f->io = (struct job_io){ f, f_read, f_run, f_which, f_topo, NULL, NULL, f_resolve, f_present };
}

void
fakeio_free(struct fakeio *f)
{
	if (f->loaded)
		topo_free(&f->topo);
}

void
load_builtin_profiles(struct profiles *ps)
{
	struct strvec errs = STRVEC_INIT;
	char *dir = fixture("src/machines");
	if (profiles_load_dir(ps, dir, &errs) != 0)
		abort();
	free(dir);
	strvec_clear(&errs);
}
