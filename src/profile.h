/* SPDX-License-Identifier: MIT */
/*
 * profile.h: machine profiles (YAML, see ezpz-machines(5)): how to recognise
 * a machine and the site facts ezpz cannot detect (launcher flavour, CPU
 * binding policy, reserved cores, modules, Python setup, runtime variables).
 */
#ifndef EZPZ_PROFILE_H
#define EZPZ_PROFILE_H

#include <stddef.h>

#include "strvec.h"
#include "types.h"

/* One alternative of a profile's "match:": every part present must hold. */
struct profile_match {
	struct strvec hostname;  /* fnmatch(3) patterns; any may match */
	struct strvec env;       /* "NAME=PATTERN"; all must match */
};

struct profile {
	char *name;              /* "aurora" */
	char *description;
	char *file;              /* the YAML file it came from */
	int priority;            /* higher wins among matches; default 0 */
	struct profile_match *match;
	size_t nmatch;           /* 0: never auto-detected (e.g. generic) */

	enum sched scheduler;    /* SCHED_UNSET when not given */
	enum launcher launcher;  /* LAUNCHER_UNSET when not given */
	enum vendor gpu_vendor;  /* VENDOR_UNSET when not given */
	int gpus_per_host;       /* compute devices ranks use; -1 when not given */
	int gpu_tiles;           /* tiles per physical GPU (Aurora 2); 0 not given */

	char *cpu_bind;          /* launcher binding, e.g. "list:1-8:..." or "depth" */
	int cpu_depth;           /* with cpu_bind "depth"; -1 when not given */
	int *reserved_cores;     /* PU numbers never bound to ranks */
	size_t nreserved;

	char *master_suffix;     /* appended to MASTER_ADDR's host name */
	struct strvec launcher_args;   /* extra launcher flags (Sophia's -x PATH) */
	char *srun_mpi;          /* srun --mpi TYPE, or "site": srun's own; NULL not given */
	struct strvec failover_patterns;   /* regexes naming a bad host (failover.h) */

	struct strvec module_use;      /* module use DIR */
	struct strvec module_unload;
	struct strvec module_load;     /* NAME or NAME/VERSION */
	char *conda_env;         /* conda activate NAME, after modules */
	char *python_prefix;     /* a Python prefix whose bin/ goes first on PATH */

	struct strvec env;       /* "KEY=VALUE" runtime defaults (user's value wins) */

	char *submit_filesystems;      /* ezpz submit: -l filesystems= (ALCF), or NULL */
	int submit_account_required;   /* ezpz submit: a job needs an account */
	int venv_lib_first;      /* setup-env: the venv's lib first on LD_LIBRARY_PATH */
};

struct profiles {
	struct profile *v;
	size_t n;
	size_t alloc;
};

#define PROFILES_INIT { NULL, 0, 0 }

/*
 * Parse one profile.  Every error in the text is appended to errs as
 * "FILE:LINE: message" (the whole file is read before failing).  Returns
 * the number of errors; on error *out is left freed and zeroed.
 */
int profile_parse(const char *text, size_t len, const char *file,
    struct profile *out, struct strvec *errs);
void profile_free(struct profile *p);

/*
 * Load every *.yaml in dir, in name order.  A profile whose name is already
 * loaded replaces it (later directories override earlier ones).  A missing
 * dir is not an error.  Returns the number of errors appended to errs.
 */
int profiles_load_dir(struct profiles *ps, const char *dir, struct strvec *errs);
/*
 * The standard search: DATADIR/machines, /etc/ezpz/machines.d,
 * $XDG_CONFIG_HOME (or ~/.config)/ezpz/machines.d, then $EZPZ_CONFIG_DIR.
 */
int profiles_load_default(struct profiles *ps, const char *datadir,
    char *const *envp, struct strvec *errs);
/* Those directories, in that order (later ones override earlier ones). */
void profile_dirs(const char *datadir, char *const *envp, struct strvec *dirs);

const struct profile *profiles_find(const struct profiles *ps, const char *name);
/*
 * The profile that recognises hostname (and envp), or NULL.  Among several,
 * the highest priority wins, then the longest matching hostname pattern.
 */
const struct profile *profiles_match(const struct profiles *ps,
    const char *hostname, char *const *envp);
/* What made p match: "hostname x4102...", "env SITE=alcf", or both;
 * malloc'd, NULL when it does not match. */
char *profile_match_why(const struct profile *p, const char *hostname, char *const *envp);
void profiles_free(struct profiles *ps);

#endif
