/* SPDX-License-Identifier: MIT */
/*
 * pycheck.h: the Python post-condition of `ezpz setup-env` (pycheck.c).
 */
#ifndef EZPZ_PYCHECK_H
#define EZPZ_PYCHECK_H

struct setupenv_plan;

/*
 * The post-condition (ezpz-python.md §5.6): a Python environment is
 * active when CONDA_PREFIX, PYTHON_ROOT, PYTHONUSERBASE or VIRTUAL_ENV is
 * set, or when python3 resolves (symlinks followed) outside /usr/bin,
 * /bin and /usr/local/bin.  python3 must be on PATH either way.
 */
struct pycheck {
	int ok;
	char *python3;      /* python3 on PATH, or NULL */
	char *real;         /* with symlinks followed */
	const char *root_var;   /* the root variable that is set, or NULL */
	const char *root;       /* its value */
	int system;         /* real is a system python */
};

void setupenv_python_check(char *const *envp, int allow_system, struct pycheck *pc);
void pycheck_free(struct pycheck *pc);
/* Lines saying what is missing and how to fix it; malloc'd. */
char *setupenv_python_advice(const struct pycheck *pc, char *const *envp,
    const struct setupenv_plan *p);

#endif
