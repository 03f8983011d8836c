/* SPDX-License-Identifier: MIT */
/*
 * strvec.h: a growable, always NULL-terminated vector of owned strings, used
 * for every argv and environment ezpz builds (git's strvec idea).
 */
#ifndef EZPZ_STRVEC_H
#define EZPZ_STRVEC_H

#include <stddef.h>

#include "util.h"

struct strvec {
	char **v;     /* NULL-terminated; NULL while empty and never pushed */
	size_t n;
	size_t alloc;
};

#define STRVEC_INIT { NULL, 0, 0 }

void strvec_init(struct strvec *sv);
void strvec_push(struct strvec *sv, const char *s);
void strvec_pushf(struct strvec *sv, const char *fmt, ...) PRINTF(2, 3);
/* Push each string of a NULL-terminated array, or the first n of v. */
void strvec_pushv(struct strvec *sv, char *const *v);
void strvec_pushn(struct strvec *sv, char *const *v, size_t n);
void strvec_pop(struct strvec *sv);
void strvec_insert(struct strvec *sv, size_t at, const char *s);
void strvec_clear(struct strvec *sv);
/* Index of s in sv, or -1. */
long strvec_find(const struct strvec *sv, const char *s);
/* A NULL-terminated view, never NULL itself. */
char **strvec_argv(struct strvec *sv);

/*
 * Environment vectors ("KEY=VALUE" strings).  env_get reads any envp; the
 * envset functions keep one entry per key, replacing in place.
 */
const char *env_get(char *const *envp, const char *key);
/* Like env_get, but NULL for an empty value. */
const char *env_nonempty(char *const *envp, const char *key);
void envset_set(struct strvec *env, const char *key, const char *value);
/* envset_set from one "KEY=VALUE" entry (an entry without '=' is ignored). */
void envset_put(struct strvec *env, const char *entry);
/*
 * The one place a "KEY=VALUE" entry is split: its key as a new string and
 * *value pointing after the first '=' in entry; NULL if there is no '='.
 */
char *env_split(const char *entry, const char **value);
void envset_unset(struct strvec *env, const char *key);

#endif
