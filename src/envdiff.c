/* SPDX-License-Identifier: MIT */
/*
 * envdiff.c: the difference between two environments (what `ezpz
 * setup-env` prints), PATH de-duplication, and abspath (see envdiff.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envdiff.h"
#include "shell.h"
#include "util.h"

static const char *const ignored[] = {
	"_", "PWD", "OLDPWD", "SHLVL",        /* the child bash's own */
	"PS1",                                 /* a venv's activate exports it */
	"SHELLOPTS", "BASHOPTS",               /* readonly in bash */
};

int
setupenv_ignored(const char *key)
{
	for (size_t i = 0; i < NITEMS(ignored); i++)
		if (streq(key, ignored[i]))
			return 1;
	return 0;
}

struct kv {
	const char *k;
	size_t klen;
	const char *v;
	size_t idx;
};

static int
kv_cmp_key(const struct kv *a, const struct kv *b)
{
	size_t n = a->klen < b->klen ? a->klen : b->klen;
	int c = memcmp(a->k, b->k, n);
	if (c)
		return c;
	return a->klen < b->klen ? -1 : a->klen > b->klen;
}

static int
kv_cmp(const void *x, const void *y)
{
	const struct kv *a = x, *b = y;
	int c = kv_cmp_key(a, b);
	if (c)
		return c;
	return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* The entries sorted by key, the first of duplicate keys kept. */
static struct kv *
kv_index(char *const *envp, size_t *n)
{
	size_t cnt = 0, m = 0;
	struct kv *v;
	for (size_t i = 0; envp && envp[i]; i++)
		cnt++;
	v = xcalloc(cnt ? cnt : 1, sizeof *v);
	for (size_t i = 0; i < cnt; i++) {
		const char *eq = strchr(envp[i], '=');
		if (eq == NULL || eq == envp[i])
			continue;
		v[m++] = (struct kv){ envp[i], (size_t)(eq - envp[i]), eq + 1, i };
	}
	qsort(v, m, sizeof *v, kv_cmp);
	cnt = 0;
	for (size_t i = 0; i < m; i++)
		if (cnt == 0 || kv_cmp_key(&v[cnt - 1], &v[i]) != 0)
			v[cnt++] = v[i];
	*n = cnt;
	return v;
}

static void
diff_one(struct envdiff *d, const struct kv *e, int set)
{
	char *k = xstrndup(e->k, e->klen);
	if (setupenv_ignored(k))
		;
	else if (!shell_valid_name(k))
		strvec_push(&d->skipped, k);
	else if (set)
		strvec_pushf(&d->set, "%s=%s", k, e->v);
	else
		strvec_push(&d->unset, k);
	free(k);
}

void
setupenv_diff(char *const *before, char *const *after, struct envdiff *d)
{
	size_t nb, na, i = 0, j = 0;
	struct kv *b = kv_index(before, &nb), *a = kv_index(after, &na);

	while (i < nb || j < na) {
		int c = i == nb ? 1 : j == na ? -1 : kv_cmp_key(&b[i], &a[j]);
		if (c < 0) {
			diff_one(d, &b[i++], 0);
		} else if (c > 0) {
			diff_one(d, &a[j++], 1);
		} else {
			if (!streq(b[i].v, a[j].v))
				diff_one(d, &a[j], 1);
			i++;
			j++;
		}
	}
	free(b);
	free(a);
}

void
envdiff_free(struct envdiff *d)
{
	strvec_clear(&d->set);
	strvec_clear(&d->unset);
	strvec_clear(&d->skipped);
}

/* ---- paths ---- */

char *
setupenv_path_dedupe(const char *path)
{
	struct strvec seen = STRVEC_INIT;
	struct buf b = BUF_INIT;
	const char *p = path;

	for (;;) {
		size_t n = strcspn(p, ":");
		char *e = xstrndup(p, n);
		if (strvec_find(&seen, e) < 0) {
			if (seen.n)
				buf_adds(&b, ":");
			buf_adds(&b, e);
			strvec_push(&seen, e);
		}
		free(e);
		if (p[n] == '\0')
			break;
		p += n + 1;
	}
	strvec_clear(&seen);
	return buf_detach(&b);
}

char *
setupenv_abspath(const char *cwd, const char *p)
{
	struct strvec parts = STRVEC_INIT;
	struct buf b = BUF_INIT;
	char *full = p[0] == '/' ? xstrdup(p) : xasprintf("%s/%s", cwd, p);
	char *save = NULL;

	for (char *t = strtok_r(full, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		if (streq(t, "."))
			continue;
		if (streq(t, "..")) {
			if (parts.n)
				strvec_pop(&parts);
			continue;
		}
		strvec_push(&parts, t);
	}
	for (size_t i = 0; i < parts.n; i++)
		buf_addf(&b, "/%s", parts.v[i]);
	if (parts.n == 0)
		buf_adds(&b, "/");
	strvec_clear(&parts);
	free(full);
	return buf_detach(&b);
}
