/* SPDX-License-Identifier: MIT */
/*
 * envdiff.h: the difference between two environments, PATH
 * de-duplication, abspath (envdiff.c).
 */
#ifndef EZPZ_ENVDIFF_H
#define EZPZ_ENVDIFF_H

#include "strvec.h"

/* The variables no difference carries: the shell's own (PWD, SHLVL, _, ...). */
int setupenv_ignored(const char *key);

struct envdiff {
	struct strvec set;      /* "KEY=VALUE", new or changed, sorted by KEY */
	struct strvec unset;    /* KEY, sorted */
	struct strvec skipped;  /* KEY no shell can name (BASH_FUNC_x%%), sorted */
};

#define ENVDIFF_INIT { STRVEC_INIT, STRVEC_INIT, STRVEC_INIT }

/* What turns before into after (for the first of duplicate keys). */
void setupenv_diff(char *const *before, char *const *after, struct envdiff *d);
void envdiff_free(struct envdiff *d);

/* PATH with each entry kept once, where it first appears; malloc'd. */
char *setupenv_path_dedupe(const char *path);
/* p made absolute against cwd and normalised (., .., //) like Python's
 * os.path.abspath, which is what a venv's VIRTUAL_ENV holds; malloc'd. */
char *setupenv_abspath(const char *cwd, const char *p);

#endif
