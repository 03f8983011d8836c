/* SPDX-License-Identifier: MIT */
/*
 * submit.h: `ezpz submit` as data: which scheduler, the job script made
 * from a template, the qsub/sbatch argv, and the job id in their answer.
 * Pure; cmd_submit.c writes the file and runs the scheduler.
 *
 * TEMPLATES.  A template is a bash script with placeholders {{name}}:
 *
 *   {{nodes}}        -N/--nodes (default 1)
 *   {{select}}       the PBS select spec: -l select=SPEC, else {{nodes}}
 *   {{resources}}    the other -l RES=VALUE, joined by ',' (PBS; place=scatter for -N 2 or more)
 *   {{time}}         -t/--time (default 01:00:00 under PBS, empty under Slurm)
 *   {{queue}}        -q/--queue (PBS queue, Slurm partition; default none)
 *   {{account}}      -A/--account, else PBS_ACCOUNT (PBS) or SLURM_ACCOUNT
 *                    (Slurm), else PROJECT; default none
 *   {{filesystems}}  --filesystems, else the profile's submit.filesystems,
 *                    ',' written as ':' (PBS; default none)
 *   {{job_name}}     --job-name, else from the command (see submit_job_name)
 *   {{scheduler}}    pbs or slurm
 *   {{workdir}}      the directory ezpz submit ran in, shell-quoted
 *   {{env_setup}}    the --env line, verbatim (default: ezpz setup-env)
 *   {{ezpz}}         this ezpz's absolute path, shell-quoted
 *   {{command}}      the command, each word shell-quoted
 *   {{run}}          '{{ezpz}} launch -- {{command}}', or {{command}} with
 *                    --no-launch
 *
 * A line with a placeholder whose value is empty is left out (so
 * "#SBATCH --account={{account}}" disappears without an account), except
 * a line holding {{run}} or {{command}}: there the empty value becomes
 * nothing, and the line stays (else the job would run nothing).  An
 * unknown placeholder is an error, and so is a template without {{run}}
 * or {{command}}.  Values that go into directives (time, queue, account,
 * filesystems, job name) may not hold blanks or control characters: a
 * newline there would be a directive of the user's making.
 */
#ifndef EZPZ_SUBMIT_H
#define EZPZ_SUBMIT_H

#include <stddef.h>

#include "profile.h"
#include "strvec.h"
#include "types.h"

#define SUBMIT_DEFAULT_TIME "01:00:00"
#define SUBMIT_JOB_NAME_MAX 64

struct submit_opts {
	enum sched sched;            /* SCHED_PBS or SCHED_SLURM */
	int nodes;                   /* 0: not given */
	const char *select;          /* -l select=SPEC's SPEC; NULL: not given */
	char *const *resources;      /* the other -l RES=VALUE (PBS) */
	size_t nresources;
	const char *time;            /* NULL: not given */
	const char *queue;
	const char *account;
	const char *filesystems;     /* NULL: not given */
	const char *job_name;        /* NULL: not given */
	const char *qos;             /* Slurm --qos; NULL: not given */
	const char *constraint;      /* Slurm -C/--constraint */
	const char *gpus_per_node;   /* Slurm --gpus-per-node */
	char *const *sched_args;     /* after --sched-args: to qsub/sbatch as they are */
	size_t nsched_args;
	char *const *script_args;    /* after SCRIPT (sbatch only): the script's arguments */
	size_t nscript_args;
	const char *env_setup;       /* NULL or "": no setup line */
	int no_launch;
	const char *self;            /* ezpz's absolute path */
	const char *workdir;
	char *const *command;        /* the user's command (command mode) */
	size_t ncommand;
};

/* The built-in template for SCHED_PBS or SCHED_SLURM (NULL otherwise). */
const char *submit_default_template(enum sched s);

/*
 * Render tmpl (name is for messages: a path or "built-in pbs") with o.
 * Returns 0 with *out malloc'd, or -1 with *err ("template 'X': line N:
 * unknown placeholder '{{foo}}' ...").
 */
int submit_render(const char *tmpl, const char *name, const struct submit_opts *o,
    char **out, char **err);

/* The default setup line: eval "$('EZPZ' setup-env || echo 'exit 1')"; malloc'd. */
char *submit_default_env(const char *self);

/*
 * The job name for a command: the module after the first -m
 * ("python3 -m ezpz.examples.test" -> ezpz.examples.test), else the script
 * an interpreter runs ("python3 train.py" -> train), else the program's
 * name without its directory and extension.  Characters other than
 * [A-Za-z0-9._-] become '_', at most SUBMIT_JOB_NAME_MAX; "ezpz" when
 * nothing is left.  malloc'd.
 */
char *submit_job_name(char *const *cmd, size_t n);

/*
 * The account: opt, else PBS_ACCOUNT (pbs) or SLURM_ACCOUNT (slurm), else
 * PROJECT, else NULL.  *from names where it came from.
 */
const char *submit_account(enum sched s, const char *opt, char *const *envp, const char **from);

/*
 * The scheduler: opt ("pbs", "slurm", any case), else EZPZ_SCHEDULER or the
 * job this shell is in, else the machine profile's, else whichever of
 * qsub and sbatch is on PATH.  Returns 0 with *out and *how ("--scheduler",
 * "env:PBS_JOBID", "profile:aurora", "qsub on PATH"), or -1 with *err:
 * -2 when neither qsub nor sbatch is on PATH.
 */
int submit_choose_sched(const char *opt, char *const *envp, const struct profile *prof,
    int have_qsub, int have_sbatch, enum sched *out, char **how, char **err);

/* "qsub" or "sbatch". */
const char *submit_program(enum sched s);

/*
 * The submit command for script.  With options, each option given is passed
 * on the command line (where it overrides the script's own directives):
 * used for `ezpz submit SCRIPT`; a generated script has them inside.
 */
void submit_argv(const struct submit_opts *o, const char *script, int with_options,
    struct strvec *argv);

/* The job id in qsub's ("123.server") or sbatch's ("Submitted batch job
 * 123", or --parsable's "123;cluster") output; malloc'd, NULL when there
 * is none. */
char *submit_parse_jobid(enum sched s, const char *out);

/*
 * An option given (account: when account_wanted; filesystems: when given,
 * not the profile's default) whose placeholder the template lacks would be
 * lost without a word: -1 with *err naming it.
 */
int submit_template_drops(const char *tmpl, const char *name, const struct submit_opts *o,
    int account_wanted, int filesystems_given, char **err);

/* A directive value must be non-empty printable ASCII without blanks;
 * returns 0, or -1 with *err naming what. */
int submit_check_value(const char *what, const char *v, char **err);

/*
 * A walltime (-t) for scheduler s, in seconds; -1 with *err (which quotes
 * v) when it is not one.  Both take HH:MM:SS (MM and SS below 60); Slurm
 * also MINUTES, MINUTES:SS, DAYS-HH, DAYS-HH:MM and DAYS-HH:MM:SS (HH below
 * 24), as sbatch(1) documents.  A plain number is refused for PBS, which
 * would read it as seconds where Slurm reads minutes.  The first number
 * has at most SUBMIT_TIME_DIGITS digits, those after a ':' at most 2.
 */
#define SUBMIT_TIME_DIGITS 6
long long submit_walltime(const char *v, enum sched s, char **err);

#endif
