/* SPDX-License-Identifier: MIT */
/*
 * modsys.h: which module system this machine has and the bash file that
 * sets it up (modsys.c).
 */
#ifndef EZPZ_MODSYS_H
#define EZPZ_MODSYS_H

#include <stddef.h>

enum modsys_kind { MODSYS_NONE, MODSYS_LMOD, MODSYS_ENVMOD };

struct modsys {
	enum modsys_kind kind;  /* what the init file should set up */
	char *init;             /* bash file to source; NULL when none was found */
	char *why;              /* how it was chosen: "LMOD_CMD is set", "found FILE" */
};

/*
 * Find the module system and its bash init file.  The variables win
 * (LMOD_CMD/LMOD_VERSION: Lmod; else MODULES_CMD, or MODULESHOME without
 * Lmod: Environment Modules); without them, the standard files are looked
 * for, site profile scripts first (they also set the default MODULEPATH).
 * exists(path) says whether a readable file is there.
 */
void modsys_detect(char *const *envp, int (*exists)(const char *path), struct modsys *out);
void modsys_free(struct modsys *m);
const char *modsys_name(enum modsys_kind k);
/* The i-th file modsys_detect looks for when no variable names one; NULL
 * after the last. */
const char *modsys_standard_file(size_t i);

#endif
