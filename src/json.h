/* SPDX-License-Identifier: MIT */
/*
 * json.h: JSON views of ezpz's structs, siblings of the text views.  Only
 * json.c sees cJSON.  Each function returns a malloc'd, newline-terminated
 * document, valid UTF-8 whatever bytes the values held.
 */
#ifndef EZPZ_JSON_H
#define EZPZ_JSON_H

#include "job.h"
#include "topo.h"

struct plan;
struct doc_report;
struct setupenv_report;
struct qstat_jobs;

/* `ezpz info --json`: the job, plus this host's hardware when t is given. */
char *json_job(const struct job *job, const struct topo *t);
/* `ezpz launch --dry-run --json`: the plan and the job's fields. */
char *json_plan(const struct plan *p, const struct job *job);

/* `ezpz doctor --json`: [{name, status, message, remedy}], remedy null when ok. */
char *json_doctor(const struct doc_report *r);

/*
 * `ezpz setup-env --json`: {"ok", "error", "set": {KEY: VALUE}, "unset":
 * [KEY], "steps": [{"step", "arg", "from", "status", "exit", "note",
 * "output"}], "module_system", "python", "launch"} (+ "script" in a dry run).
 */
char *json_setup_env(const struct setupenv_report *r);

/*
 * Read `qstat -f -F json` (PBS): each job's id, Job_Owner, job_state,
 * exec_host and Resource_List.select (NULL when absent) into q.  Returns 0,
 * or -1 with *err malloc'd when text is not that JSON.
 */
int json_qstat_jobs(const char *text, struct qstat_jobs *q, char **err);

/* s with each invalid UTF-8 sequence replaced by U+FFFD (what every string
 * in these documents goes through); malloc'd. */
char *json_utf8_clean(const char *s);

#endif
