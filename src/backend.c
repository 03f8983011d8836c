/* SPDX-License-Identifier: MIT */
/* backend.c: the table of launcher flavours and its lookups; see backend.h. */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buf.h"
#include "util.h"

const struct backend *const backends[] = {
	&be_pals, &be_mpich, &be_openmpi, &be_srun, NULL
};

const struct backend *
backend_for(enum launcher l)
{
	for (const struct backend *const *b = backends; *b; b++)
		if ((*b)->id == l)
			return *b;
	return NULL;
}

const struct backend *
backend_by_name(const char *name)
{
	for (const struct backend *const *b = backends; name && *b; b++)
		if (strcmp((*b)->name, name) == 0)
			return *b;
	return NULL;
}

static int
has_mark(const struct backend *b, const char *text)
{
	for (const char *const *m = b->version_marks; m && *m; m++)
		if (strstr(text, *m))
			return 1;
	return 0;
}

const struct backend *
backend_recognise(const char *path, const char *text)
{
	const struct backend *best = NULL;

	for (const struct backend *const *b = backends; path && *b; b++)
		if ((*b)->path_mark && strstr(path, (*b)->path_mark))
			return *b;
	for (const struct backend *const *b = backends; text && *b; b++)
		if (has_mark(*b, text) && (!best || (*b)->version_rank < best->version_rank))
			best = *b;
	return best;
}

char *
backend_names(const char *sep, const char *last_sep)
{
	struct buf out = BUF_INIT;
	for (size_t i = 0; backends[i]; i++)
		buf_addf(&out, "%s%s", i == 0 ? "" : backends[i + 1] ? sep : last_sep,
		    backends[i]->name);
	return buf_detach(&out);
}

size_t
backend_probe_names(const char **names, size_t max)
{
	size_t n = 0;
	/* the programs first (mpiexec, mpirun: what a user's PATH or the
	 * alternatives system picked), then the names distributions install
	 * them under; each once */
	for (int pass = 0; pass < 2; pass++) {
		for (const struct backend *const *b = backends; *b; b++) {
			const char *const one[] = { (*b)->exe, NULL };
			const char *const *list = pass == 0 ? one : (*b)->aliases;
			for (; (*b)->probe && list && *list && n < max; list++) {
				size_t i = 0;
				while (i < n && strcmp(names[i], *list) != 0)
					i++;
				if (i == n)
					names[n++] = *list;
			}
		}
	}
	return n;
}

char *
backend_looked_for(int slurm)
{
	const char *names[32];
	size_t n = backend_probe_names(names, NITEMS(names));
	struct buf out = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_addf(&out, "%s%s", i ? ", " : "", names[i]);
	if (slurm)
		buf_addf(&out, "%s%s", n ? ", " : "", be_srun.exe);
	return buf_detach(&out);
}

const char *
launcher_name(enum launcher l)
{
	const struct backend *b = backend_for(l);
	return l == LAUNCHER_NONE ? "none" : b ? b->name : NULL;
}

enum launcher
launcher_parse(const char *s)
{
	const struct backend *b = backend_by_name(s);
	return b ? b->id : s && strcmp(s, "none") == 0 ? LAUNCHER_NONE : LAUNCHER_UNSET;
}
