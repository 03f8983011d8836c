/* SPDX-License-Identifier: MIT */
/*
 * setupenv.h: the pure parts of `ezpz setup-env`: which module system to
 * initialise, the steps (modules, conda, Python prefix, venv) built from a
 * profile and the options, the bash script that runs them, and reading what
 * the script reports back (its transcript and `env -0`).  The module system
 * is in modsys.h, the difference between two environments in envdiff.h,
 * the Python post-condition in pycheck.h.  Running the script, and
 * printing, live in cmd_setup_env.c.
 */
#ifndef EZPZ_SETUPENV_H
#define EZPZ_SETUPENV_H

#include <stddef.h>

#include "envdiff.h"
#include "modsys.h"
#include "profile.h"
#include "pycheck.h"
#include "strvec.h"

/* The script goes to bash -c as one argument: Linux caps one at 128 KiB. */
#define SETUPENV_SCRIPT_MAX (120 * 1024)
/* A venv step's status when another setup-env is making that venv now. */
#define SETUPENV_BUSY 75

enum step_kind {
	STEP_MODINIT,       /* source the module system's bash init */
	STEP_MODULE_USE,
	STEP_MODULE_UNLOAD,
	STEP_MODULE_LOAD,
	STEP_CONDA,         /* conda activate NAME */
	STEP_PREFIX,        /* PREFIX/bin first on PATH */
	STEP_VENV           /* create when missing, then activate */
};

enum step_state { STEP_PLANNED, STEP_OK, STEP_SKIPPED, STEP_FAILED, STEP_NOT_RUN };

struct step {
	enum step_kind kind;
	char *arg;          /* the module, dir, env, prefix or venv; NULL: the default venv */
	char *from;         /* "profile 'aurora' (FILE)", "--module", "--venv", "default" */
	enum step_state state;
	int rc;             /* the failing command's exit status */
	char *note;         /* the script's words: why it failed or was skipped */
	char *output;       /* what the step printed (the module system's messages) */
};

struct setupenv_opts {
	const struct profile *profile;  /* may be NULL */
	const char *machine;            /* for the default venv path */
	const char *workdir;            /* absolute */
	char *const *modules;           /* --module, in order */
	size_t nmodules;
	char *const *module_use;        /* --module-use, in order */
	size_t nmodule_use;
	const char *venv;               /* --venv, absolute; NULL: the default */
	int no_modules, no_venv, without_pip;
	const struct modsys *modsys;
};

struct setupenv_plan {
	struct step *v;
	size_t n, alloc;
	const struct setupenv_opts *o;
};

/* The steps, in the order they run: modules (init, use, unload, load,
 * --module), conda, prefix, venv.  No step: no shell needs to run. */
void setupenv_plan_build(struct setupenv_plan *p, const struct setupenv_opts *o);
void setupenv_plan_free(struct setupenv_plan *p);
/* "module load", "venv", ...; and the step as one line for people. */
const char *step_kind_name(enum step_kind k);
const char *step_state_name(enum step_state s);
char *step_describe(const struct step *s);

/*
 * The bash script that runs the plan.  Every value in it is quoted with
 * shell_quote(SHELL_BASH); nonce (hex) tags its progress markers, which
 * it writes to stdout between the steps' own output; it ends with `env -0`.
 */
char *setupenv_script(const struct setupenv_plan *p, const char *nonce);

/*
 * Progress while the script runs: the markers complete in buf[*pos, len)
 * (what it wrote so far), each applied to its step as setupenv_transcript
 * will apply it again, then shown to fn with its verb ("begin", "ok",
 * "skip", "fail", "note", "venv") and where the marker starts and ends in
 * buf.  *pos moves past them; it stops at the environment.
 */
typedef void setupenv_follow_fn(void *ctx, const struct step *s, const char *verb,
    size_t start, size_t end);
void setupenv_follow(struct setupenv_plan *p, const char *nonce, const char *buf, size_t len,
    size_t *pos, setupenv_follow_fn *fn, void *ctx);

/*
 * Read what the script wrote (buf, len) and how it ended (status: its exit
 * status, 128+N for signal N, -1 if it did not start).  Fills each step's
 * state, note and output, and env with the final environment.  Returns 0
 * when every step ran and the environment is complete, else -1 with *err
 * saying what went wrong (a step's own failure is in the step).
 */
int setupenv_transcript(struct setupenv_plan *p, const char *nonce, const char *buf,
    size_t len, int status, struct strvec *env, char **err);
/* Output before the first step (e.g. from $BASH_ENV), or NULL; malloc'd. */
char *setupenv_preamble(const char *nonce, const char *buf, size_t len);

/* `env -0` output into "KEY=VALUE" strings; -1 with *err if malformed. */
int setupenv_parse_env0(const char *buf, size_t len, struct strvec *out, char **err);

/* What `setup-env --json` prints (json_setup_env in json.c). */
struct setupenv_report {
	int ok, dry_run;
	const char *error;                /* what failed, or NULL */
	const struct envdiff *diff;       /* NULL on failure: nothing is set */
	const struct setupenv_plan *plan;
	const struct modsys *modsys;
	const struct pycheck *python;     /* NULL when not checked */
	const char *launch;               /* the command 'launch' runs */
	const char *script;               /* the bash script (dry run), or NULL */
};

#endif
