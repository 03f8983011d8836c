/* SPDX-License-Identifier: MIT */
/*
 * setupenv.c: the pure parts of `ezpz setup-env` (see setupenv.h).
 *
 * ezpz cannot change its parent shell, and that shell may not have the
 * `module` function (a non-login job script: the Python ezpz's "silent
 * no-op", ezpz-python.md §5.6).  So, like direnv, the steps run in a child
 * bash that sets the module system up itself, checks each step's result
 * (exit status, then the state it promised: `module is-loaded`,
 * CONDA_PREFIX, which python3), and reports through markers on stdout:
 *
 *   \036ezpz:NONCE:begin N\036        step N starts; output until the next
 *                                     marker is the step's own
 *   \036ezpz:NONCE:ok N\036           done
 *   \036ezpz:NONCE:skip N WHY\036     nothing to do (already loaded, ...)
 *   \036ezpz:NONCE:note N TEXT\036    what it did ("Lmod 8.6.19", ...)
 *   \036ezpz:NONCE:venv N PATH\036    the default venv path it computed
 *   \036ezpz:NONCE:fail N RC WHY\036  failed; the script exits 10+N
 *   \036ezpz:NONCE:env\036 ... \036ezpz:NONCE:end\036
 *                                     `env -0` of the final environment
 *
 * NONCE is random per run, so no module's output can fake a marker.  The
 * caller diffs that environment against its own and prints the difference
 * in the user's shell syntax.  Every value pasted into the script goes
 * through shell_quote(SHELL_BASH): no profile or option can inject code.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "path.h"
#include "setupenv.h"
#include "shell.h"
#include "util.h"

/* ---- the plan ---- */

static const char *const kind_names[] = {
	[STEP_MODINIT] = "module system", [STEP_MODULE_USE] = "module use",
	[STEP_MODULE_UNLOAD] = "module unload", [STEP_MODULE_LOAD] = "module load",
	[STEP_CONDA] = "conda activate", [STEP_PREFIX] = "python prefix", [STEP_VENV] = "venv",
};

static const char *const state_names[] = {
	[STEP_PLANNED] = "planned", [STEP_OK] = "ok", [STEP_SKIPPED] = "skipped",
	[STEP_FAILED] = "failed", [STEP_NOT_RUN] = "not run",
};

const char *
step_kind_name(enum step_kind k)
{
	return kind_names[k];
}

const char *
step_state_name(enum step_state s)
{
	return state_names[s];
}

char *
step_describe(const struct step *s)
{
	switch (s->kind) {
	case STEP_MODINIT:
		return s->arg ? xasprintf("module system: source %s", s->arg)
			      : xstrdup("module system: none found");
	case STEP_VENV:
		return s->arg ? xasprintf("venv %s", s->arg) : xstrdup("venv (default path)");
	default:
		return xasprintf("%s %s", kind_names[s->kind], s->arg ? s->arg : "");
	}
}

static struct step *
plan_add(struct setupenv_plan *p, enum step_kind kind, const char *arg, const char *from)
{
	struct step *s;
	p->v = xgrow(p->v, &p->alloc, p->n + 1, sizeof *p->v);
	s = &p->v[p->n++];
	memset(s, 0, sizeof *s);
	s->kind = kind;
	s->arg = arg ? xstrdup(arg) : NULL;
	s->from = xstrdup(from);
	s->state = STEP_PLANNED;
	return s;
}

/* "/soft/modulefiles/" and "/soft/modulefiles" are one MODULEPATH entry. */
static char *
strip_slashes(const char *d)
{
	size_t n = strlen(d);
	while (n > 1 && d[n - 1] == '/')
		n--;
	return xstrndup(d, n);
}

static void
plan_modules(struct setupenv_plan *p, const struct setupenv_opts *o, const char *from)
{
	const struct profile *pr = o->profile;
	size_t nprof = pr ? pr->module_use.n + pr->module_unload.n + pr->module_load.n : 0;
	struct step *s;

	if (o->no_modules || nprof + o->nmodules + o->nmodule_use == 0)
		return;
	s = plan_add(p, STEP_MODINIT, o->modsys ? o->modsys->init : NULL,
	    o->modsys && o->modsys->why ? o->modsys->why : "detected");
	if (s->arg == NULL) {
		s->state = STEP_FAILED;
		s->rc = 1;
		s->note = xasprintf("no module system found (%s%s)",
		    o->modsys && o->modsys->why ? o->modsys->why : "",
		    o->modsys && o->modsys->kind != MODSYS_NONE ? ", but no init file for it" :
		    ", and none of the standard init files exists");
	}
	for (size_t i = 0; pr && i < pr->module_use.n; i++) {
		char *d = strip_slashes(pr->module_use.v[i]);
		plan_add(p, STEP_MODULE_USE, d, from);
		free(d);
	}
	for (size_t i = 0; i < o->nmodule_use; i++) {
		char *d = strip_slashes(o->module_use[i]);
		plan_add(p, STEP_MODULE_USE, d, "--module-use");
		free(d);
	}
	for (size_t i = 0; pr && i < pr->module_unload.n; i++)
		plan_add(p, STEP_MODULE_UNLOAD, pr->module_unload.v[i], from);
	for (size_t i = 0; pr && i < pr->module_load.n; i++)
		plan_add(p, STEP_MODULE_LOAD, pr->module_load.v[i], from);
	for (size_t i = 0; i < o->nmodules; i++)
		plan_add(p, STEP_MODULE_LOAD, o->modules[i], "--module");
}

void
setupenv_plan_build(struct setupenv_plan *p, const struct setupenv_opts *o)
{
	const struct profile *pr = o->profile;
	char *from = pr ? xasprintf("profile '%s' (%s)", pr->name, pr->file ? pr->file : "built in")
			: xstrdup("no profile");

	memset(p, 0, sizeof *p);
	p->o = o;
	plan_modules(p, o, from);
	if (pr && pr->conda_env)
		plan_add(p, STEP_CONDA, pr->conda_env, from);
	if (pr && pr->python_prefix)
		plan_add(p, STEP_PREFIX, pr->python_prefix, from);
	if (!o->no_venv)
		plan_add(p, STEP_VENV, o->venv, o->venv ? "--venv" : "default");
	free(from);
}

void
setupenv_plan_free(struct setupenv_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].arg);
		free(p->v[i].from);
		free(p->v[i].note);
		free(p->v[i].output);
	}
	free(p->v);
	memset(p, 0, sizeof *p);
}

/* ---- the script ---- */

static const char script_head[] =
	"# ezpz setup-env: the steps, in one bash; every value is quoted by ezpz.\n"
	"set +e +u +f +x +v\n"
	"set +o pipefail 2>/dev/null\n"
	"ezpz_m() { builtin printf '\\036ezpz:%s:%s\\036' \"$ezpz_nonce\" \"$*\"; }\n"
	"ezpz_fail() {\n"
	"\tezpz_undo\n"
	"\t# 75 is ezpz_busy's: a tool's own 75 must not read as another run's venv\n"
	"\tezpz_m \"fail $ezpz_n $(( $1 == 75 ? 1 : $1 )) $2\"\n"
	"\tbuiltin exit $((ezpz_n < 200 ? 10 + ezpz_n : 210))\n"
	"}\n"
	"ezpz_busy() {   # another setup-env is making this venv: status 75\n"
	"\tezpz_undo\n"
	"\tezpz_m \"fail $ezpz_n 75 $1\"\n"
	"\tbuiltin exit $((ezpz_n < 200 ? 10 + ezpz_n : 210))\n"
	"}\n"
	"# All or nothing on disk too: a venv this run began making goes away\n"
	"# when any step fails (a full disk leaves pyvenv.cfg without python3)\n"
	"# or a signal stops it, and its marker with it (see script_venv).\n"
	"ezpz_new_venv=\n"
	"ezpz_undo() {\n"
	"\tif [ -n \"$ezpz_new_venv\" ]; then\n"
	"\t\tif [ \"${ezpz_new_venv_existed:-}\" = 1 ]; then\n"
	"\t\t\tfind \"$ezpz_new_venv\" -mindepth 1 -delete 2>/dev/null\n"
	"\t\telse\n"
	"\t\t\trm -rf -- \"$ezpz_new_venv\" 2>/dev/null\n"
	"\t\tfi\n"
	"\t\trm -f -- \"$ezpz_mark\" 2>/dev/null\n"
	"\t\tezpz_new_venv=\n"
	"\tfi\n"
	"}\n"
	"# PATH without DIR, every copy; an empty entry (the cwd) is kept.\n"
	"ezpz_path_rm() {\n"
	"\tlocal p=\":${PATH-}:\"\n"
	"\twhile [[ $p == *\":$1:\"* ]]; do p=${p//\":$1:\"/:}; done\n"
	"\tp=${p#:}\n"
	"\tPATH=${p%:}\n"
	"\tbuiltin export PATH\n"
	"}\n"
	"ezpz_path_first() { ezpz_path_rm \"$1\"; PATH=$1${PATH:+:$PATH}; builtin export PATH; }\n"
	"# NAME in LOADEDMODULES, as NAME or NAME/VERSION: no module command needed\n"
	"# (an alias, frameworks/latest, is not listed: then `module is-loaded` decides)\n"
	"ezpz_listed() {\n"
	"\tcase \":${LOADEDMODULES:-}:\" in *\":$1:\"* | *\":$1/\"*) return 0 ;; esac\n"
	"\treturn 1\n"
	"}\n";

static void
sb_quoted(struct buf *b, const char *v)
{
	char *q = shell_quote(SHELL_BASH, v);
	buf_adds(b, q);
	free(q);
}

static void
sb_assign(struct buf *b, const char *var, const char *v)
{
	buf_addf(b, "%s=", var);
	sb_quoted(b, v);
	buf_adds(b, "\n");
}

static void
script_modinit(struct buf *b, const struct step *s)
{
	sb_assign(b, "ezpz_i", s->arg);
	buf_adds(b,
	    "[ -r \"$ezpz_i\" ] || ezpz_fail 1 \"cannot read $ezpz_i\"\n"
	    ". \"$ezpz_i\"\n"
	    "[ \"$(builtin type -t module)\" = function ] ||\n"
	    "\tezpz_fail 1 \"sourcing $ezpz_i did not define the module function\"\n"
	    "if [ -n \"${LMOD_CMD:-}\" ]; then ezpz_m \"note $ezpz_n Lmod ${LMOD_VERSION:-}\"\n"
	    "elif [ -n \"${MODULES_CMD:-}\" ]; then ezpz_m \"note $ezpz_n Environment Modules\"\n"
	    "fi\n"
	    "ezpz_m \"ok $ezpz_n\"\n");
}

static void
script_use(struct buf *b, const struct step *s)
{
	sb_assign(b, "ezpz_d", s->arg);
	buf_adds(b,
	    "[ -e \"$ezpz_d\" ] || ezpz_fail 1 \"no such directory\"\n"
	    "[ -d \"$ezpz_d\" ] || ezpz_fail 1 \"not a directory\"\n"
	    "case \":${MODULEPATH:-}:\" in\n"
	    "*\":$ezpz_d:\"* | *\":$ezpz_d/:\"*) ezpz_m \"skip $ezpz_n already in MODULEPATH\" ;;\n"
	    "*)\tmodule use \"$ezpz_d\" || ezpz_fail $? \"module use failed\"\n"
	    "\tezpz_m \"ok $ezpz_n\" ;;\n"
	    "esac\n");
}

static void
script_unload(struct buf *b, const struct step *s)
{
	sb_assign(b, "ezpz_mod", s->arg);
	buf_adds(b,
	    "if ezpz_listed \"$ezpz_mod\"; then\n"
	    "\tmodule unload \"$ezpz_mod\" || ezpz_fail $? \"module unload failed\"\n"
	    "\tif ezpz_listed \"$ezpz_mod\"; then\n"
	    "\t\tezpz_fail 1 \"module unload returned 0, but the module is still loaded\"\n"
	    "\tfi\n"
	    "\tezpz_m \"ok $ezpz_n\"\n"
	    "else ezpz_m \"skip $ezpz_n not loaded\"; fi\n");
}

static void
script_load(struct buf *b, const struct step *s)
{
	sb_assign(b, "ezpz_mod", s->arg);
	buf_adds(b,
	    "if ezpz_listed \"$ezpz_mod\"; then ezpz_m \"skip $ezpz_n already loaded\"\n"
	    "else\n"
	    "\tmodule load \"$ezpz_mod\" || ezpz_fail $? \"module load failed\"\n"
	    "\tezpz_listed \"$ezpz_mod\" || module is-loaded \"$ezpz_mod\" ||\n"
	    "\t\tezpz_fail 1 \"module load returned 0, but the module is not loaded\"\n"
	    "\tezpz_m \"ok $ezpz_n\"\n"
	    "fi\n");
}

/* The hook's output is captured first: eval "$(failing)" would return 0. */
static void
script_conda(struct buf *b, const struct step *s)
{
	sb_assign(b, "ezpz_c", s->arg);
	buf_adds(b,
	    "if [ \"${CONDA_DEFAULT_ENV:-}\" = \"$ezpz_c\" ] && [ -n \"${CONDA_PREFIX:-}\" ]; then\n"
	    "\tezpz_m \"skip $ezpz_n already active ($CONDA_PREFIX)\"\n"
	    "else\n"
	    "\tif [ \"$(builtin type -t conda)\" != function ]; then\n"
	    "\t\tezpz_x=$(builtin command -v conda) ||\n"
	    "\t\t\tezpz_fail 127 \"conda is not on PATH (no module above provides it)\"\n"
	    "\t\tezpz_h=$(\"$ezpz_x\" shell.bash hook) || ezpz_fail $? \"'conda shell.bash hook' failed\"\n"
	    "\t\tbuiltin eval \"$ezpz_h\" || ezpz_fail $? \"conda's shell hook failed\"\n"
	    "\tfi\n"
	    "\tconda activate \"$ezpz_c\" || ezpz_fail $? \"conda activate failed\"\n"
	    "\t[ -n \"${CONDA_PREFIX:-}\" ] ||\n"
	    "\t\tezpz_fail 1 \"conda activate returned 0, but CONDA_PREFIX is empty\"\n"
	    "\tezpz_m \"note $ezpz_n CONDA_PREFIX=$CONDA_PREFIX\"\n"
	    "\tezpz_m \"ok $ezpz_n\"\n"
	    "fi\n");
}

static void
script_prefix(struct buf *b, const struct step *s)
{
	sb_assign(b, "ezpz_p", s->arg);
	buf_adds(b,
	    "[ -x \"$ezpz_p/bin/python3\" ] || ezpz_fail 1 \"no executable $ezpz_p/bin/python3\"\n"
	    "ezpz_path_first \"$ezpz_p/bin\"\n"
	    "ezpz_m \"ok $ezpz_n\"\n");
}

/*
 * The default venv: <workdir>/venvs/<machine>/<basename workdir>-<basename
 * of the Python root>, the root being CONDA_PREFIX, PYTHON_ROOT or
 * PYTHONUSERBASE once the steps above ran, else the prefix of the python3
 * on PATH (symlinks followed: /usr/bin/python3 gives "usr").  As the Python
 * ezpz, a first "pythonX.Y" in the name becomes "pyX.Y".  A venv already
 * active (VIRTUAL_ENV) is kept instead.
 */
static void
script_venv_default(struct buf *b, const struct setupenv_opts *o)
{
	const char *wd = o->workdir, *slash = strrchr(wd, '/');
	char *vdir = xasprintf("%s/venvs/%s", streq(wd, "/") ? "" : wd, o->machine);

	sb_assign(b, "ezpz_wdbase", slash && slash[1] ? slash + 1 : "root");
	sb_assign(b, "ezpz_vdir", vdir);
	buf_adds(b,
	    "if [ -n \"${VIRTUAL_ENV:-}\" ]; then\n"
	    "\tezpz_v=$VIRTUAL_ENV\n"
	    "\tezpz_m \"note $ezpz_n kept the venv already active\"\n"
	    "else\n"
	    "\tezpz_root=${CONDA_PREFIX:-${PYTHON_ROOT:-${PYTHONUSERBASE:-}}}\n"
	    "\tif [ -z \"$ezpz_root\" ]; then\n"
	    "\t\tezpz_py=$(builtin command -v python3) ||\n"
	    "\t\t\tezpz_fail 127 \"no python3 on PATH to create the venv with\"\n"
	    "\t\tezpz_r=$(readlink -f -- \"$ezpz_py\" 2>/dev/null) || ezpz_r=$ezpz_py\n"
	    "\t\tezpz_root=${ezpz_r%/*}\n"
	    "\t\tezpz_root=${ezpz_root%/*}\n"
	    "\tfi\n"
	    "\tezpz_root=${ezpz_root%/}\n"
	    "\tezpz_name=$ezpz_wdbase-${ezpz_root##*/}\n"
	    "\tezpz_pre=${ezpz_name%%python[0-9.]*}\n"
	    "\tif [ \"$ezpz_pre\" != \"$ezpz_name\" ]; then\n"
	    "\t\tezpz_rest=${ezpz_name#\"$ezpz_pre\"python}\n"
	    "\t\tezpz_ver=${ezpz_rest%%[!0-9.]*}\n"
	    "\t\tezpz_name=${ezpz_pre}py$ezpz_ver${ezpz_rest#\"$ezpz_ver\"}\n"
	    "\tfi\n"
	    "\tezpz_v=$ezpz_vdir/$ezpz_name\n"
	    "fi\n"
	    "ezpz_m \"venv $ezpz_n $ezpz_v\"\n");
	free(vdir);
}

/*
 * A venv cannot be made elsewhere and renamed into place: bin/activate and
 * pip's scripts hold its absolute path.  So it is made in place, beside a
 * marker, .NAME.ezpz-creating ("ezpz-setup-env HOST PID STARTTIME
 * EXISTED"), that goes only once the venv works.  SIGINT, SIGTERM and SIGHUP
 * (ezpz forwards them to this bash's group) remove both; after a SIGKILL
 * (or the timeout) the marker stays, and a later run that finds it with its
 * owner gone removes the half-made venv before making it again.  An owner on
 * another host cannot be asked: its marker counts as left over after an
 * hour, longer than making any venv takes.
 */
static const char script_venv_marker[] =
	"ezpz_mark=${ezpz_v%/*}/.${ezpz_v##*/}.ezpz-creating\n"
	"ezpz_left=\n"
	"{ builtin read -r ezpz_host </proc/sys/kernel/hostname; } 2>/dev/null || ezpz_host=$HOSTNAME\n"
	"ezpz_started() {   # PID's start time (field 22 of /proc/PID/stat); a zombie has none\n"
	"\tlocal s f\n"
	"\t{ builtin read -r s <\"/proc/$1/stat\"; } 2>/dev/null || return 1\n"
	"\tbuiltin read -r -a f <<<\"${s##*) }\"\n"
	"\t[ \"${f[0]}\" != Z ] && [ \"${f[0]}\" != X ] && builtin printf '%s' \"${f[19]}\"\n"
	"}\n"
	"if [ -e \"$ezpz_mark\" ] && [ \"${VIRTUAL_ENV:-}\" != \"$ezpz_v\" ]; then\n"
	"\tezpz_tag= ezpz_mh= ezpz_mp= ezpz_ms= ezpz_me=\n"
	"\t[ -r \"$ezpz_mark\" ] || ezpz_fail 1 \"cannot read the marker $ezpz_mark\"\n"
	"\tbuiltin read -r ezpz_tag ezpz_mh ezpz_mp ezpz_ms ezpz_me <\"$ezpz_mark\"\n"
	"\tif [ \"$ezpz_tag\" = ezpz-setup-env ] && [ \"$ezpz_mh\" = \"$ezpz_host\" ]; then\n"
	"\t\t[ \"$(ezpz_started \"$ezpz_mp\")\" != \"$ezpz_ms\" ] ||\n"
	"\t\t\tezpz_busy \"another ezpz setup-env (pid $ezpz_mp) is making this venv now; wait for it\"\n"
	"\telif [ \"$ezpz_tag\" = ezpz-setup-env ] && [ -n \"$(find \"$ezpz_mark\" -mmin -60 2>/dev/null)\" ]; then\n"
	"\t\tezpz_busy \"an ezpz setup-env on $ezpz_mh (pid $ezpz_mp) began making this venv less than an hour ago; wait for it, or remove $ezpz_mark if it is no longer running\"\n"
	"\tfi\n"
	"\tif [ \"$ezpz_me\" = 1 ]; then find \"$ezpz_v\" -mindepth 1 -delete\n"
	"\telse rm -rf -- \"$ezpz_v\"; fi ||\n"
	"\t\tezpz_fail 1 \"cannot remove the half-made venv an interrupted run left (marker $ezpz_mark)\"\n"
	"\trm -f -- \"$ezpz_mark\" || ezpz_fail 1 \"cannot remove $ezpz_mark\"\n"
	"\tezpz_left=\"removed the half-made venv an interrupted run left; \"\n"
	"fi\n";

static void
script_venv(struct buf *b, const struct step *s, const struct setupenv_opts *o)
{
	if (s->arg)
		sb_assign(b, "ezpz_v", s->arg);
	else
		script_venv_default(b, o);
	buf_adds(b, script_venv_marker);
	buf_adds(b,
	    "if [ \"${VIRTUAL_ENV:-}\" = \"$ezpz_v\" ]; then\n"
	    "\t[ -x \"$ezpz_v/bin/python3\" ] ||\n"
	    "\t\tezpz_fail 1 \"the active venv has no bin/python3 (deleted?); deactivate it or pass --venv\"\n"
	    "\tezpz_path_first \"$ezpz_v/bin\"\n"
	    "\tezpz_m \"skip $ezpz_n already active\"\n"
	    "else\n"
	    "\tif [ -n \"${VIRTUAL_ENV:-}\" ]; then\n"
	    "\t\tezpz_path_rm \"$VIRTUAL_ENV/bin\"\n"
	    "\t\tbuiltin unset VIRTUAL_ENV VIRTUAL_ENV_PROMPT\n"
	    "\tfi\n"
	    "\tif [ ! -e \"$ezpz_v/bin/activate\" ]; then\n"
	    "\t\tif [ -e \"$ezpz_v\" ] && [ ! -d \"$ezpz_v\" ]; then\n"
	    "\t\t\tezpz_fail 1 \"it exists and is not a directory\"\n"
	    "\t\tfi\n"
	    "\t\tif [ -n \"$(ls -A -- \"$ezpz_v\" 2>/dev/null)\" ]; then\n"
	    "\t\t\tezpz_fail 1 \"it is a directory with files but no bin/activate, so no venv\"\n"
	    "\t\tfi\n"
	    "\t\tezpz_py=$(builtin command -v python3) ||\n"
	    "\t\t\tezpz_fail 127 \"no python3 on PATH to create the venv with\"\n"
	    "\t\tezpz_parent=${ezpz_v%/*}\n"
	    "\t\tmkdir -p -- \"${ezpz_parent:-/}\" || ezpz_fail $? \"cannot create ${ezpz_parent:-/}\"\n"
	    "\t\tezpz_new_venv_existed=0\n"
	    "\t\t[ -d \"$ezpz_v\" ] && ezpz_new_venv_existed=1\n"
	    "\t\t# Two runs that both found no marker: the one that made it goes on.\n"
	    "\t\tif ! ezpz_e=$( (set -C; builtin printf 'ezpz-setup-env %s %s %s %s\\n' \"$ezpz_host\" \\\n"
	    "\t\t    \"$$\" \"$(ezpz_started $$)\" \"$ezpz_new_venv_existed\" >\"$ezpz_mark\") 2>&1); then\n"
	    "\t\t\tif [ -e \"$ezpz_mark\" ]; then\n"
	    "\t\t\t\tezpz_tag= ezpz_mh= ezpz_mp=\n"
	    "\t\t\t\t{ builtin read -r ezpz_tag ezpz_mh ezpz_mp _ <\"$ezpz_mark\"; } 2>/dev/null\n"
	    "\t\t\t\tezpz_busy \"another ezpz setup-env (pid ${ezpz_mp:-?} on ${ezpz_mh:-?}) began making this venv at the same moment; wait for it\"\n"
	    "\t\t\tfi\n"
	    "\t\t\tezpz_fail 1 \"cannot create the marker $ezpz_mark: ${ezpz_e##*: }\"\n"
	    "\t\tfi\n"
	    "\t\tezpz_new_venv=$ezpz_v\n"
	    "\t\tbuiltin trap 'ezpz_undo; builtin exit 130' INT\n"
	    "\t\tbuiltin trap 'ezpz_undo; builtin exit 143' TERM\n"
	    "\t\tbuiltin trap 'ezpz_undo; builtin exit 129' HUP\n"
	    "\t\tif ezpz_uv=$(builtin command -v uv); then\n"
	    "\t\t\tezpz_m \"note $ezpz_n ${ezpz_left}created with uv venv --python $ezpz_py --system-site-packages\"\n"
	    "\t\t\t\"$ezpz_uv\" venv --python \"$ezpz_py\" --system-site-packages \"$ezpz_v\" ||\n"
	    "\t\t\t\tezpz_fail $? \"uv venv failed\"\n"
	    "\t\telse\n");
	buf_addf(b,
	    "\t\t\tezpz_m \"note $ezpz_n ${ezpz_left}created with $ezpz_py -m venv --system-site-packages%s\"\n"
	    "\t\t\t\"$ezpz_py\" -m venv --system-site-packages%s \"$ezpz_v\" ||\n"
	    "\t\t\t\tezpz_fail $? \"$ezpz_py -m venv failed\"\n",
	    o->without_pip ? " --without-pip" : "", o->without_pip ? " --without-pip" : "");
	buf_adds(b,
	    "\t\tfi\n"
	    "\t\t[ -r \"$ezpz_v/bin/activate\" ] || ezpz_fail 1 \"created, but it has no bin/activate\"\n"
	    "\tfi\n"
	    "\t. \"$ezpz_v/bin/activate\" || ezpz_fail $? \"sourcing $ezpz_v/bin/activate failed\"\n"
	    "\tif [ -L \"$ezpz_v/bin/python3\" ] && [ ! -e \"$ezpz_v/bin/python3\" ]; then\n"
	    "\t\tezpz_fail 1 \"its bin/python3 is a broken link to '$(readlink \"$ezpz_v/bin/python3\")': the Python it was made with is gone; remove $ezpz_v (rm -rf) and run setup-env again to make it anew\"\n"
	    "\tfi\n"
	    "\tezpz_m \"ok $ezpz_n\"\n"
	    "fi\n"
	    "ezpz_w=$(builtin command -v python3)\n"
	    "[ \"$ezpz_w\" = \"${VIRTUAL_ENV:-}/bin/python3\" ] ||\n"
	    "\tezpz_fail 1 \"python3 is '$ezpz_w' after activating, not ${VIRTUAL_ENV:-<no VIRTUAL_ENV>}/bin/python3\"\n"
	    "[ -x \"$ezpz_w\" ] && \"$ezpz_w\" -c '' ||\n"
	    "\tezpz_fail 1 \"the venv's python3 does not run (a disk that filled up while creating it?)\"\n"
	    "if [ -n \"$ezpz_new_venv\" ]; then   # complete: kept from here on, and reused next time\n"
	    "\trm -f -- \"$ezpz_mark\" || ezpz_fail 1 \"cannot remove $ezpz_mark\"\n"
	    "\tezpz_new_venv=\n"
	    "\tbuiltin trap - INT TERM HUP\n"
	    "fi\n");
	/* Intel's GPU stacks load libraries a pip wheel brings (oneCCL, the
	 * SYCL runtime) by name: the venv's copies must win over the modules'. */
	if (o->profile && o->profile->venv_lib_first)
		buf_adds(b, "export LD_LIBRARY_PATH=\"$VIRTUAL_ENV/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}\"\n"
		    "ezpz_m \"note $ezpz_n $VIRTUAL_ENV/lib first on LD_LIBRARY_PATH (profile)\"\n");
}

char *
setupenv_script(const struct setupenv_plan *p, const char *nonce)
{
	struct buf b = BUF_INIT;

	buf_adds(&b, script_head);
	sb_assign(&b, "ezpz_nonce", nonce);
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->v[i];
		char *d = step_describe(s);
		/* describe() is for a comment line: no newline may end it early */
		for (char *c = d; *c; c++)
			if (*c == '\n' || *c == '\r')
				*c = '?';
		buf_addf(&b, "\n# %zu: %s\nezpz_n=%zu\nezpz_m \"begin $ezpz_n\"\n", i, d, i);
		free(d);
		switch (s->kind) {
		case STEP_MODINIT: script_modinit(&b, s); break;
		case STEP_MODULE_USE: script_use(&b, s); break;
		case STEP_MODULE_UNLOAD: script_unload(&b, s); break;
		case STEP_MODULE_LOAD: script_load(&b, s); break;
		case STEP_CONDA: script_conda(&b, s); break;
		case STEP_PREFIX: script_prefix(&b, s); break;
		case STEP_VENV: script_venv(&b, s, p->o); break;
		}
	}
	buf_adds(&b, "\n# the result\nezpz_m env\n"
	    "builtin command -p env -0 || builtin exit 9\n"
	    "ezpz_m end\n");
	return buf_detach(&b);
}

/* ---- reading the transcript ---- */

static void
append(char **dst, const char *s, size_t n)
{
	size_t old = *dst ? strlen(*dst) : 0;
	char *r = xmalloc(old + n + 1);
	if (old)
		memcpy(r, *dst, old);
	memcpy(r + old, s, n);
	r[old + n] = '\0';
	free(*dst);
	*dst = r;
}

/* "N rest": the step N names, with rest after it; NULL if N is no step. */
static struct step *
record_step(struct setupenv_plan *p, const char *text, const char **rest)
{
	long n;
	const char *why;
	size_t len = strcspn(text, " ");
	char *num = xstrndup(text, len);
	int r = parse_long(num, 0, (long)p->n - 1, &n, &why);
	free(num);
	if (r < 0)
		return NULL;
	*rest = text[len] ? text + len + 1 : text + len;
	return &p->v[n];
}

/* One marker's text; returns the step it is about (for the output after
 * "begin"), or NULL. */
static struct step *
record(struct setupenv_plan *p, const char *text)
{
	const char *rest = NULL;
	struct step *s;
	size_t vlen = strcspn(text, " ");
	char *verb = xstrndup(text, vlen);

	s = text[vlen] ? record_step(p, text + vlen + 1, &rest) : NULL;
	if (s == NULL) {
		free(verb);
		return NULL;
	}
	if (streq(verb, "ok")) {
		s->state = STEP_OK;
	} else if (streq(verb, "skip")) {
		s->state = STEP_SKIPPED;
		free(s->note);
		s->note = xstrdup(rest);
	} else if (streq(verb, "note")) {
		free(s->note);
		s->note = xstrdup(rest);
	} else if (streq(verb, "venv")) {
		if (s->arg == NULL)
			s->arg = xstrdup(rest);
	} else if (streq(verb, "fail")) {
		long rc = 1;
		const char *why;
		size_t n = strcspn(rest, " ");
		char *num = xstrndup(rest, n);
		if (parse_long(num, 0, 255, &rc, &why) < 0)
			rc = 1;
		free(num);
		s->state = STEP_FAILED;
		s->rc = (int)rc;
		free(s->note);
		s->note = xstrdup(rest[n] ? rest + n + 1 : "");
	} else if (!streq(verb, "begin")) {
		s = NULL;
	}
	free(verb);
	return s;
}

void
setupenv_follow(struct setupenv_plan *p, const char *nonce, const char *buf, size_t len,
    size_t *pos, setupenv_follow_fn *fn, void *ctx)
{
	char *mark = xasprintf("\036ezpz:%s:", nonce);
	size_t mlen = strlen(mark);

	while (*pos < len) {
		const char *m = memmem(buf + *pos, len - *pos, mark, mlen), *text, *close;
		struct step *s;
		char *t, *verb;
		if (m == NULL)
			break;
		text = m + mlen;
		if ((close = memchr(text, '\036', (size_t)(buf + len - text))) == NULL)
			break;   /* not all written yet */
		t = xstrndup(text, (size_t)(close - text));
		if (streq(t, "env")) {
			*pos = SIZE_MAX;   /* the rest is the environment */
			free(t);
			break;
		}
		*pos = (size_t)(close + 1 - buf);
		verb = xstrndup(t, strcspn(t, " "));
		if ((s = record(p, t)) != NULL)
			fn(ctx, s, verb, (size_t)(m - buf), *pos);
		free(verb);
		free(t);
	}
	free(mark);
}

char *
setupenv_preamble(const char *nonce, const char *buf, size_t len)
{
	char *mark = xasprintf("\036ezpz:%s:", nonce);
	const char *m = memmem(buf, len, mark, strlen(mark));
	size_t n = m ? (size_t)(m - buf) : len;
	free(mark);
	return n ? xstrndup(buf, n) : NULL;
}

/* The step that began last and never ended: the shell exited inside it. */
static void
mark_unfinished(struct setupenv_plan *p, long cur, int status)
{
	struct step *s;
	if (cur < 0)
		return;
	s = &p->v[cur];
	if (s->state != STEP_PLANNED)
		return;
	s->state = STEP_FAILED;
	s->rc = status > 0 ? status : 1;
	free(s->note);
	if (status > 128 && status < 128 + 65)
		s->note = xasprintf("bash was killed by signal %d during this step", status - 128);
	else
		s->note = xasprintf("bash exited with status %d during this step (the step ended "
		    "the shell)", status);
}

static int
env_section(const char *nonce, const char *start, const char *end, struct strvec *env,
    char **err)
{
	char *endmark = xasprintf("\036ezpz:%s:end\036", nonce);
	size_t n = strlen(endmark), len = (size_t)(end - start);
	int r = -1;

	if (len < n || memcmp(end - n, endmark, n) != 0)
		*err = xstrdup("the environment bash printed is incomplete (output cut short)");
	else
		r = setupenv_parse_env0(start, len - n, env, err);
	free(endmark);
	return r;
}

int
setupenv_transcript(struct setupenv_plan *p, const char *nonce, const char *buf,
    size_t len, int status, struct strvec *env, char **err)
{
	char *mark = xasprintf("\036ezpz:%s:", nonce);
	size_t mlen = strlen(mark);
	const char *q = buf, *end = buf + len, *m;
	long cur = -1;
	int have_env = 0, r = -1;

	*err = NULL;
	while (q < end) {
		const char *text, *close;
		struct step *s;
		char *t;
		m = memmem(q, (size_t)(end - q), mark, mlen);
		if (cur >= 0 && (m ? m : end) > q)
			append(&p->v[cur].output, q, (size_t)((m ? m : end) - q));
		if (m == NULL)
			break;
		text = m + mlen;
		if ((close = memchr(text, '\036', (size_t)(end - text))) == NULL)
			break;   /* a marker cut short: the output ended in it */
		t = xstrndup(text, (size_t)(close - text));
		q = close + 1;
		if (streq(t, "env")) {
			free(t);
			have_env = 1;
			r = env_section(nonce, q, end, env, err);
			break;
		}
		if ((s = record(p, t)) != NULL && startswith(t, "begin "))
			cur = s - p->v;
		free(t);
	}
	free(mark);
	mark_unfinished(p, cur, status);
	for (size_t i = 0; i < p->n; i++) {
		if (p->v[i].state == STEP_FAILED) {
			for (size_t j = i + 1; j < p->n; j++)
				if (p->v[j].state == STEP_PLANNED)
					p->v[j].state = STEP_NOT_RUN;
			free(*err);
			*err = NULL;
			return -1;
		}
	}
	if (status < 0) {
		free(*err);
		*err = xstrdup("bash could not be started");
		return -1;
	}
	if (!have_env) {
		*err = status > 128 && status < 128 + 65 ?
		    xasprintf("bash was killed by signal %d before it printed the environment",
			status - 128) :
		    xasprintf("bash exited with status %d before it printed the environment", status);
		return -1;
	}
	if (r == 0 && status != 0) {
		*err = xasprintf("bash exited with status %d after printing the environment", status);
		r = -1;
	}
	return r;
}

int
setupenv_parse_env0(const char *buf, size_t len, struct strvec *out, char **err)
{
	const char *q = buf, *end = buf + len;

	if (len > 0 && buf[len - 1] != '\0') {
		*err = xstrdup("the environment does not end with a NUL (output cut short)");
		return -1;
	}
	while (q < end) {
		size_t n = strlen(q);
		const char *eq = memchr(q, '=', n);
		/* env(1) never prints an entry without '=', nor one with an empty
		 * name; an execve'd environment may hold them, and no shell can
		 * set them, so they are dropped. */
		if (eq && eq != q)
			strvec_push(out, q);
		q += n + 1;
	}
	return 0;
}
