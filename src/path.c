/* SPDX-License-Identifier: MIT */
/* path.c: locating ezpz's own files and executables on PATH. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "strvec.h"
#include "util.h"

#ifndef EZPZ_DATADIR
#define EZPZ_DATADIR "/usr/local/share/ezpz"
#endif
#ifndef EZPZ_LIBEXECDIR
#define EZPZ_LIBEXECDIR "/usr/local/libexec/ezpz"
#endif

int
path_has_dots(const char *p)
{
	size_t n = strlen(p);
	return strstr(p, "/./") || strstr(p, "/../") ||
	    (n >= 2 && strcmp(p + n - 2, "/.") == 0) || (n >= 3 && strcmp(p + n - 3, "/..") == 0);
}

int
path_under(const char *b, const char *a)
{
	size_t n = strlen(a);
	if (n == 1 && a[0] == '/')
		return 1;   /* everything is below / */
	return strncmp(a, b, n) == 0 && (b[n] == '\0' || b[n] == '/');
}

char *
path_self(void)
{
	char buf[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
	if (n <= 0 || (size_t)n >= sizeof buf - 1)
		return xstrdup("ezpz");
	buf[n] = '\0';
	return xstrdup(buf);
}

/*
 * $var, else REL next to the binary (bin/../REL: the install and the build
 * tree look alike), else the directory configured at build time (an install
 * whose DATADIR or LIBEXECDIR is not under PREFIX).
 */
static char *
path_sibling(char *const *envp, const char *var, const char *rel, const char *configured)
{
	const char *v = env_nonempty(envp, var);
	char *self, *slash, *r, *real;
	if (v)
		return xstrdup(v);
	self = path_self();
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	r = xasprintf("%s/../%s", self, rel);
	free(self);
	/* "/usr/local/share/ezpz" reads better than "/usr/local/bin/../share/ezpz" */
	if ((real = realpath(r, NULL)) != NULL) {
		free(r);
		return real;
	}
	if (access(configured, F_OK) == 0) {
		free(r);
		return xstrdup(configured);
	}
	return r;
}

char *
path_datadir(char *const *envp)
{
	return path_sibling(envp, "EZPZ_DATADIR", "share/ezpz", EZPZ_DATADIR);
}

#ifndef EZPZ_MANDIR
#define EZPZ_MANDIR "/usr/local/share/man"
#endif

char *
path_mandir(char *const *envp)
{
	return path_sibling(envp, "EZPZ_MANDIR", "share/man", EZPZ_MANDIR);
}

char *
path_libexecdir(char *const *envp)
{
	return path_sibling(envp, "EZPZ_LIBEXECDIR", "libexec/ezpz", EZPZ_LIBEXECDIR);
}

static int
is_exec_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

static int
exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0;
}

static char *
path_search(char *const *envp, const char *name, int (*ok)(const char *))
{
	const char *path = env_get(envp, "PATH"), *p;
	size_t nn;
	if (strchr(name, '/'))
		return ok(name) ? xstrdup(name) : NULL;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	/* Each launcher probe walks PATH for several names: no heap per try. */
	nn = strlen(name);
	for (p = path;; ) {
		size_t len = strcspn(p, ":");
		const char *dir = len ? p : ".";
		size_t nd = len ? len : 1;
		char cand[PATH_MAX];
		if (nd + 1 + nn < sizeof cand) {
			memcpy(cand, dir, nd);
			cand[nd] = '/';
			memcpy(cand + nd + 1, name, nn + 1);
			if (ok(cand))
				return xstrdup(cand);
		}
		if (p[len] == '\0')
			return NULL;
		p += len + 1;
	}
}

char *
path_which(char *const *envp, const char *name)
{
	return path_search(envp, name, is_exec_file);
}

char *
path_which_any(char *const *envp, const char *name)
{
	return path_search(envp, name, exists);
}

char *
path_state_dir(char *const *envp, const char *sub, char **err)
{
	const char *xdg = env_nonempty(envp, "XDG_STATE_HOME"), *home = env_nonempty(envp, "HOME");
	char *dir;

	if (xdg && xdg[0] == '/')
		dir = xasprintf("%s/ezpz/%s", xdg, sub);
	else if (home && home[0] == '/')
		dir = xasprintf("%s/.local/state/ezpz/%s", home, sub);
	else {
		*err = xstrdup("neither XDG_STATE_HOME nor HOME is an absolute path");
		return NULL;
	}
	for (char *p = strchr(dir + 1, '/'); ; p = strchr(p + 1, '/')) {
		if (p)
			*p = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			*err = xasprintf("cannot create '%s': %s", dir, strerror(errno));
			free(dir);
			return NULL;
		}
		if (p == NULL)
			break;
		*p = '/';
	}
	return dir;
}

int
path_can_write(const char *path, char *why, size_t n)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	struct stat sb;
	int there = stat(path, &sb) == 0;
	int ok = there ? !S_ISDIR(sb.st_mode) && access(path, W_OK) == 0 :
	    access(dir, W_OK | X_OK) == 0;
	if (!ok)
		snprintf(why, n, "%s", there && S_ISDIR(sb.st_mode) ? "a directory" : strerror(errno));
	free(dir);
	return ok;
}
