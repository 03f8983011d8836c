/* SPDX-License-Identifier: MIT */
/*
 * modsys.c: which module system this machine has (Lmod or Environment
 * Modules) and the bash file that sets it up, for `ezpz setup-env` and
 * `ezpz doctor` (see modsys.h).
 */
#include <stdlib.h>
#include <string.h>

#include "modsys.h"
#include "strvec.h"
#include "util.h"

/*
 * Without variables: site profile scripts first (they set the default
 * MODULEPATH a login shell would have), then the bare init files.  A
 * profile script left behind by a removed package (Debian keeps
 * /etc/profile.d/lmod.sh until purge) is only taken when what it sources
 * is there.
 */
static const struct {
	const char *path, *needs;
	enum modsys_kind kind;
} standard[] = {
	{ "/etc/profile.d/lmod.sh", "/usr/share/lmod/lmod/init/bash", MODSYS_LMOD },
	{ "/etc/profile.d/z00_lmod.sh", NULL, MODSYS_LMOD },
	{ "/etc/profile.d/modules.sh", NULL, MODSYS_ENVMOD },
	{ "/usr/share/lmod/lmod/init/bash", NULL, MODSYS_LMOD },
	{ "/opt/apps/lmod/lmod/init/bash", NULL, MODSYS_LMOD },
	{ "/usr/share/modules/init/bash", NULL, MODSYS_ENVMOD },
	{ "/usr/share/Modules/init/bash", NULL, MODSYS_ENVMOD },
};

const char *
modsys_standard_file(size_t i)
{
	return i < NITEMS(standard) ? standard[i].path : NULL;
}

const char *
modsys_name(enum modsys_kind k)
{
	switch (k) {
	case MODSYS_LMOD: return "Lmod";
	case MODSYS_ENVMOD: return "Environment Modules";
	case MODSYS_NONE: break;
	}
	return "none";
}

/* The standard files of one kind, init files first when the shell already
 * had the module system (its MODULEPATH is in the environment). */
static char *
standard_file(enum modsys_kind kind, int (*exists)(const char *))
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < NITEMS(standard); i++) {
			int profile_d = startswith(standard[i].path, "/etc/profile.d/");
			if (standard[i].kind != kind || profile_d != (pass == 1))
				continue;
			if (exists(standard[i].path))
				return xstrdup(standard[i].path);
		}
	return NULL;
}

/* "$dir/init/bash" if it exists. */
static char *
init_under(const char *dir, int (*exists)(const char *))
{
	char *f;
	if (dir == NULL || *dir == '\0')
		return NULL;
	f = xasprintf("%s/init/bash", dir);
	if (exists(f))
		return f;
	free(f);
	return NULL;
}

/* LMOD_CMD is PKG/libexec/lmod: PKG/init/bash. */
static char *
init_from_lmod_cmd(const char *cmd, int (*exists)(const char *))
{
	char *d, *slash, *r = NULL;
	if (cmd == NULL)
		return NULL;
	d = xstrdup(cmd);
	for (int up = 0; up < 2 && (slash = strrchr(d, '/')) != NULL; up++)
		*slash = '\0';
	if (strrchr(cmd, '/') != NULL && *d)
		r = init_under(d, exists);
	free(d);
	return r;
}

void
modsys_detect(char *const *envp, int (*exists)(const char *path), struct modsys *out)
{
	const char *lmod_cmd = env_nonempty(envp, "LMOD_CMD");
	const char *lmod_ver = env_nonempty(envp, "LMOD_VERSION");
	const char *mod_cmd = env_nonempty(envp, "MODULES_CMD");
	const char *home = env_nonempty(envp, "MODULESHOME");

	memset(out, 0, sizeof *out);
	if (lmod_cmd || lmod_ver) {
		out->kind = MODSYS_LMOD;
		if ((out->init = init_under(env_nonempty(envp, "LMOD_PKG"), exists)) == NULL &&
		    (out->init = init_from_lmod_cmd(lmod_cmd, exists)) == NULL)
			out->init = standard_file(MODSYS_LMOD, exists);
		out->why = xasprintf("%s=%s", lmod_cmd ? "LMOD_CMD" : "LMOD_VERSION",
		    lmod_cmd ? lmod_cmd : lmod_ver);
	} else if (mod_cmd || home) {
		out->kind = MODSYS_ENVMOD;
		if ((out->init = init_under(home, exists)) == NULL)
			out->init = standard_file(MODSYS_ENVMOD, exists);
		out->why = xasprintf("%s=%s", mod_cmd ? "MODULES_CMD" : "MODULESHOME",
		    mod_cmd ? mod_cmd : home);
	} else {
		for (size_t i = 0; i < NITEMS(standard); i++) {
			if (!exists(standard[i].path) || (standard[i].needs && !exists(standard[i].needs)))
				continue;
			out->kind = standard[i].kind;
			out->init = xstrdup(standard[i].path);
			out->why = xasprintf("found %s; LMOD_CMD, MODULES_CMD and MODULESHOME are unset",
			    standard[i].path);
			return;
		}
		out->why = xstrdup("LMOD_CMD, MODULES_CMD and MODULESHOME are unset");
	}
}

void
modsys_free(struct modsys *m)
{
	free(m->init);
	free(m->why);
	memset(m, 0, sizeof *m);
}
