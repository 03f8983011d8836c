/* SPDX-License-Identifier: MIT */
/*
 * pycheck.c: the Python post-condition of `ezpz setup-env`, and the advice
 * when it fails (see pycheck.h).
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "path.h"
#include "pycheck.h"
#include "setupenv.h"
#include "util.h"

static const char *const root_vars[] = { "CONDA_PREFIX", "PYTHON_ROOT", "PYTHONUSERBASE",
	"VIRTUAL_ENV" };
static const char *const system_dirs[] = { "/usr/bin", "/bin", "/usr/local/bin" };

static int
is_system_python(const char *real)
{
	const char *slash = strrchr(real, '/');
	size_t dlen;
	if (slash == NULL || !startswith(slash + 1, "python3"))
		return 0;
	dlen = (size_t)(slash - real);
	for (size_t i = 0; i < NITEMS(system_dirs); i++)
		if (strlen(system_dirs[i]) == dlen && memcmp(real, system_dirs[i], dlen) == 0)
			return 1;
	return 0;
}

void
setupenv_python_check(char *const *envp, int allow_system, struct pycheck *pc)
{
	char *real;

	memset(pc, 0, sizeof *pc);
	for (size_t i = 0; i < NITEMS(root_vars) && pc->root_var == NULL; i++)
		if ((pc->root = env_nonempty(envp, root_vars[i])) != NULL)
			pc->root_var = root_vars[i];
	if ((pc->python3 = path_which(envp, "python3")) == NULL)
		return;
	real = realpath(pc->python3, NULL);
	pc->real = real ? real : xstrdup(pc->python3);
	pc->system = is_system_python(pc->real);
	pc->ok = pc->root_var != NULL || !pc->system || allow_system;
}

void
pycheck_free(struct pycheck *pc)
{
	free(pc->python3);
	free(pc->real);
	memset(pc, 0, sizeof *pc);
}

static int
plan_has(const struct setupenv_plan *p, enum step_kind k)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (p->v[i].kind == k)
			return 1;
	return 0;
}

static const char *
or_unset(char *const *envp, const char *k)
{
	const char *v = env_nonempty(envp, k);
	return v ? v : "<unset>";
}

char *
setupenv_python_advice(const struct pycheck *pc, char *const *envp,
    const struct setupenv_plan *p)
{
	struct buf b = BUF_INIT;
	const struct setupenv_opts *o = p ? p->o : NULL;
	const char *loaded = env_nonempty(envp, "LOADEDMODULES");

	buf_adds(&b, "Python environment setup did NOT take effect.\n");
	if (pc->python3 == NULL)
		buf_adds(&b, "  - python3          : <not found on PATH>\n");
	else
		buf_addf(&b, "  - python3          : %s%s%s%s\n", pc->python3,
		    streq(pc->python3, pc->real) ? "" : " -> ", streq(pc->python3, pc->real) ? "" : pc->real,
		    pc->system ? " (the system python)" : "");
	buf_addf(&b, "  - VIRTUAL_ENV      : %s\n", or_unset(envp, "VIRTUAL_ENV"));
	buf_addf(&b, "  - CONDA_PREFIX     : %s\n", or_unset(envp, "CONDA_PREFIX"));
	buf_addf(&b, "  - modules loaded   : %s\n", loaded ? loaded : "<none>");
	buf_adds(&b, "Load the module that provides Python FIRST, with an explicit version:\n"
	    "    module load frameworks/2025.2.0   # e.g.; a bare 'frameworks' may load nothing\n"
	    "  (the profile's modules.load, or --module NAME/VERSION), or set python.conda_env\n"
	    "  or python.prefix in the profile, or let ezpz make a venv (leave out --no-venv,\n"
	    "  or --venv DIR); --allow-system-python accepts the system python3.\n");
	if (p && !plan_has(p, STEP_MODULE_LOAD) && o && o->no_modules)
		buf_adds(&b, "NOTE: no module was loaded: --no-modules was passed.\n");
	else if (p && !plan_has(p, STEP_MODULE_LOAD))
		buf_addf(&b, "NOTE: no module was loaded: %s%s%s lists none and no --module was given.\n",
		    o && o->profile ? "the profile '" : "no machine profile applies, and it",
		    o && o->profile ? o->profile->name : "", o && o->profile ? "'" : "");
	if (o && o->modsys && o->modsys->kind == MODSYS_NONE && o->modsys->init == NULL)
		buf_addf(&b, "NOTE: `module` is not defined in this shell, and ezpz found no module "
		    "system to set it up (%s; none of the standard init files exists), so a "
		    "'module load' could not run.\n", o->modsys->why ? o->modsys->why : "");
	return buf_detach(&b);
}
