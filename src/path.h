/* SPDX-License-Identifier: MIT */
/*
 * path.h: where ezpz's own files are.  The build tree is laid out like an
 * install (bin/, libexec/ezpz/, share/ezpz/), so both find their worker and
 * profiles relative to the running binary, never the source tree.
 */
#ifndef EZPZ_PATH_H
#define EZPZ_PATH_H

#include <stddef.h>

/* Does the absolute path p have a "." or ".." component? */
int path_has_dots(const char *p);
/* Is b the path a or below it?  Both absolute, without trailing slashes. */
int path_under(const char *b, const char *a);
/* Absolute path of the running ezpz binary; malloc'd. */
char *path_self(void);
/* share/ezpz: $EZPZ_DATADIR, else <bindir>/../share/ezpz; malloc'd. */
char *path_datadir(char *const *envp);
/* libexec/ezpz: $EZPZ_LIBEXECDIR, else <bindir>/../libexec/ezpz; malloc'd. */
char *path_libexecdir(char *const *envp);
/* share/man: $EZPZ_MANDIR, else <bindir>/../share/man, else MANPREFIX. */
char *path_mandir(char *const *envp);
/* name on the PATH of envp, as a malloc'd path, or NULL.  Names with a
 * slash are checked as given. */
char *path_which(char *const *envp, const char *name);
/* The first NAME on PATH that is there at all (a file execvp could not
 * run, a directory), malloc'd, or NULL: an EACCES from execvp means one of
 * these, or only a PATH directory that cannot be searched. */
char *path_which_any(char *const *envp, const char *name);
/* Could a file be written at path (there and writable, or its directory
 * is)?  1, or 0 with why (n bytes) saying why not. */
int path_can_write(const char *path, char *why, size_t n);
/* $XDG_STATE_HOME/ezpz/SUB, else ~/.local/state/ezpz/SUB, created 0700 as
 * needed; NULL with *err when neither is absolute or mkdir fails. */
char *path_state_dir(char *const *envp, const char *sub, char **err);

#endif
