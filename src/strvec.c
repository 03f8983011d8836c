/* SPDX-License-Identifier: MIT */
/*
 * strvec.c: NULL-terminated string vectors and "KEY=VALUE" environment sets.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "strvec.h"

static char *empty_argv[] = { NULL };

void
strvec_init(struct strvec *sv)
{
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

static void
strvec_put(struct strvec *sv, size_t at, char *owned)
{
	sv->v = xgrow(sv->v, &sv->alloc, sv->n + 2, sizeof *sv->v);
	memmove(sv->v + at + 1, sv->v + at, (sv->n - at) * sizeof *sv->v);
	sv->v[at] = owned;
	sv->v[++sv->n] = NULL;
}

void
strvec_push(struct strvec *sv, const char *s)
{
	strvec_put(sv, sv->n, xstrdup(s));
}

void
strvec_pushf(struct strvec *sv, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strvec_put(sv, sv->n, xvasprintf(fmt, ap));
	va_end(ap);
}

void
strvec_pushv(struct strvec *sv, char *const *v)
{
	for (; v && *v; v++)
		strvec_push(sv, *v);
}

void
strvec_pushn(struct strvec *sv, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strvec_push(sv, v[i]);
}

void
strvec_insert(struct strvec *sv, size_t at, const char *s)
{
	strvec_put(sv, at > sv->n ? sv->n : at, xstrdup(s));
}

void
strvec_pop(struct strvec *sv)
{
	if (sv->n == 0)
		return;
	free(sv->v[--sv->n]);
	sv->v[sv->n] = NULL;
}

void
strvec_clear(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	strvec_init(sv);
}

long
strvec_find(const struct strvec *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return (long)i;
	return -1;
}

char **
strvec_argv(struct strvec *sv)
{
	return sv->v ? sv->v : empty_argv;
}

static int
env_match(const char *entry, const char *key, size_t klen)
{
	return strncmp(entry, key, klen) == 0 && entry[klen] == '=';
}

const char *
env_get(char *const *envp, const char *key)
{
	size_t klen = strlen(key);
	for (; envp && *envp; envp++)
		if (env_match(*envp, key, klen))
			return *envp + klen + 1;
	return NULL;
}

const char *
env_nonempty(char *const *envp, const char *key)
{
	const char *v = env_get(envp, key);
	return v && *v ? v : NULL;
}

void
envset_set(struct strvec *env, const char *key, const char *value)
{
	size_t klen = strlen(key);
	char *entry = xasprintf("%s=%s", key, value);
	for (size_t i = 0; i < env->n; i++) {
		if (env_match(env->v[i], key, klen)) {
			free(env->v[i]);
			env->v[i] = entry;
			return;
		}
	}
	strvec_put(env, env->n, entry);
}

char *
env_split(const char *entry, const char **value)
{
	const char *eq = strchr(entry, '=');
	if (eq == NULL)
		return NULL;
	*value = eq + 1;
	return xstrndup(entry, (size_t)(eq - entry));
}

void
envset_put(struct strvec *env, const char *entry)
{
	const char *v;
	char *k = env_split(entry, &v);
	if (k)
		envset_set(env, k, v);
	free(k);
}

void
envset_unset(struct strvec *env, const char *key)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i < env->n; i++) {
		if (env_match(env->v[i], key, klen)) {
			free(env->v[i]);
			memmove(env->v + i, env->v + i + 1, (env->n - i) * sizeof *env->v);
			env->n--;
			return;
		}
	}
}
