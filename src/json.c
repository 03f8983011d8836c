/* SPDX-License-Identifier: MIT */
/*
 * json.c: the only file that includes cJSON.h.  The keys written here are a
 * contract (documented in ezpz(1)); other tools and tests parse them.
 *
 * Every string goes out through jstr(): environment values, a step's
 * output, paths and host names are bytes, not text, and cJSON writes them
 * as they are; one invalid UTF-8 byte makes the whole document unreadable
 * to a strict parser (Python's json.load).  Each invalid sequence becomes
 * U+FFFD, as a UTF-8 decoder that replaces errors does.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "bind.h"
#include "doctor.h"
#include "jobfind.h"
#include "json.h"
#include "plan.h"
#include "setupenv.h"
#include "util.h"

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlongs, surrogates or code points past U+10FFFF), or 0 with *bad the
 * number of bytes of its longest valid start, at least 1: those become
 * one U+FFFD, and decoding goes on at the byte that broke it.
 */
static size_t
utf8_seq(const unsigned char *s, size_t *bad)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else {
		*bad = 1;
		return 0;
	}
	if (s[0] == 0xe0)
		lo = 0xa0;           /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;           /* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;           /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;           /* past U+10FFFF */
	for (size_t i = 1; i < n; i++, lo = 0x80, hi = 0xbf)
		if (s[i] < lo || s[i] > hi) {   /* the NUL at the end stops it too */
			*bad = i;
			return 0;
		}
	return n;
}

/* Writes the cleaned s to out when not NULL; returns its length. */
static size_t
utf8_clean_into(const unsigned char *s, char *out)
{
	size_t o = 0;

	while (*s) {
		size_t bad = 0, n = utf8_seq(s, &bad);
		if (out)
			memcpy(out + o, n ? (const char *)s : "\xef\xbf\xbd", n ? n : 3);
		o += n ? n : 3;
		s += n ? n : bad;
	}
	return o;
}

char *
json_utf8_clean(const char *s)
{
	size_t n = utf8_clean_into((const unsigned char *)s, NULL);
	char *out = xmalloc(n + 1);

	utf8_clean_into((const unsigned char *)s, out);
	out[n] = '\0';
	return out;
}

/* NULL for NULL, as cJSON_CreateString: then nothing is added. */
static cJSON *
jstr(const char *s)
{
	char *t;
	cJSON *j;

	if (s == NULL)
		return NULL;
	t = json_utf8_clean(s);
	j = cJSON_CreateString(t);
	free(t);
	return j;
}

static void
add_str(cJSON *o, const char *key, const char *s)
{
	cJSON_AddItemToObject(o, key, jstr(s));   /* no-op for a NULL item */
}

static cJSON *
str_or_null(const char *s)
{
	return s ? jstr(s) : cJSON_CreateNull();
}

static cJSON *
strings(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, jstr(v[i]));
	return a;
}

static char *
finish(cJSON *o)
{
	char *s = cJSON_Print(o), *r;
	cJSON_Delete(o);
	if (s == NULL)
		die("out of memory printing JSON");
	r = xasprintf("%s\n", s);
	cJSON_free(s);
	return r;
}

static cJSON *
job_sources(const struct job_sources *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "scheduler", str_or_null(s->scheduler.text));
	cJSON_AddItemToObject(o, "jobid", str_or_null(s->jobid.text));
	cJSON_AddItemToObject(o, "machine", str_or_null(s->machine.text));
	cJSON_AddItemToObject(o, "hosts", str_or_null(s->hosts.text));
	cJSON_AddItemToObject(o, "hostfile", str_or_null(s->hostfile.text));
	cJSON_AddItemToObject(o, "ngpu_per_host", str_or_null(s->ngpu_per_host.text));
	cJSON_AddItemToObject(o, "gpu_vendor", str_or_null(s->gpu_vendor.text));
	cJSON_AddItemToObject(o, "launcher", str_or_null(s->launcher.text));
	return o;
}

static void
add_job(cJSON *o, const struct job *job)
{
	cJSON *hosts = cJSON_CreateArray(), *slots = cJSON_CreateArray();
	const char *launcher = job->launcher == LAUNCHER_NONE ? NULL : launcher_name(job->launcher);

	for (size_t i = 0; i < job->hosts.n; i++) {
		cJSON_AddItemToArray(hosts, jstr(job->hosts.v[i].name));
		cJSON_AddItemToArray(slots, cJSON_CreateNumber(job->hosts.v[i].slots));
	}
	add_str(o, "scheduler", sched_name(job->sched));
	cJSON_AddItemToObject(o, "jobid", str_or_null(job->jobid));
	add_str(o, "machine", job->machine);
	cJSON_AddItemToObject(o, "profile", str_or_null(job->profile ? job->profile->file : NULL));
	add_str(o, "hostname", job->hostname);
	cJSON_AddItemToObject(o, "hosts", hosts);
	cJSON_AddItemToObject(o, "slots", slots);
	cJSON_AddNumberToObject(o, "nhosts", (double)job->hosts.n);
	cJSON_AddNumberToObject(o, "ngpu_per_host", job->ngpu_per_host);
	cJSON_AddNumberToObject(o, "ngpus", (double)job->ngpu_per_host * (double)job->hosts.n);
	add_str(o, "gpu_vendor", vendor_name(job->gpu_vendor));
	cJSON_AddNumberToObject(o, "gpu_tiles", job->gpu_tiles);
	cJSON_AddItemToObject(o, "hostfile", str_or_null(job->hostfile));
	cJSON_AddItemToObject(o, "launcher", str_or_null(launcher));
	cJSON_AddItemToObject(o, "launcher_path", str_or_null(job->launcher_path));
	cJSON_AddItemToObject(o, "sources", job_sources(&job->src));
}

static cJSON *
topo_json(const struct topo *t)
{
	cJSON *o = cJSON_CreateObject(), *gpus = cJSON_CreateArray();
	add_str(o, "source", t->source);
	cJSON_AddNumberToObject(o, "packages", t->npackages);
	cJSON_AddNumberToObject(o, "cores", (double)t->ncores);
	cJSON_AddNumberToObject(o, "pus", t->npus);
	cJSON_AddNumberToObject(o, "numa", t->nnuma);
	cJSON_AddItemToObject(o, "gpu_backend", str_or_null(t->backend));
	for (size_t i = 0; i < t->ngpus; i++) {
		const struct topo_gpu *g = &t->gpus[i];
		cJSON *x = cJSON_CreateObject();
		int *pus = xcalloc(g->ncores ? g->ncores : 1, sizeof *pus);
		char *list;
		for (size_t c = 0; c < g->ncores; c++)
			pus[c] = t->cores[g->cores[c]].pus[0];
		list = bind_format_ranges(pus, g->ncores);
		add_str(x, "name", g->name);
		add_str(x, "vendor", vendor_name(g->vendor));
		cJSON_AddItemToObject(x, "model", str_or_null(g->model));
		cJSON_AddItemToObject(x, "pci", str_or_null(g->pci));
		/* the cores nearest the GPU, named by their first PU */
		cJSON_AddItemToObject(x, "near_cores", str_or_null(g->ncores ? list : NULL));
		cJSON_AddItemToArray(gpus, x);
		free(list);
		free(pus);
	}
	cJSON_AddItemToObject(o, "gpus", gpus);
	return o;
}

char *
json_job(const struct job *job, const struct topo *t)
{
	cJSON *o = cJSON_CreateObject();
	add_job(o, job);
	if (t) {
		/* where this host's facts came from: the cache, or hwloc and what the cache did */
		char *from = t->origin ? xstrdup(t->origin) : xasprintf("hwloc:%s", t->source);
		add_str(cJSON_GetObjectItemCaseSensitive(o, "sources"), "this_host", from);
		free(from);
		cJSON_AddItemToObject(o, "this_host", topo_json(t));
	}
	return finish(o);
}

static cJSON *
env_object(const struct strvec *env)
{
	cJSON *o = cJSON_CreateObject();
	for (size_t i = 0; i < env->n; i++) {
		const char *v;
		char *k = env_split(env->v[i], &v), *ck = json_utf8_clean(k);
		add_str(o, ck, v);      /* cJSON copies the key */
		free(ck);
		free(k);
	}
	return o;
}

char *
json_plan(const struct plan *p, const struct job *job)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "argv", strings(p->argv.v, p->argv.n));
	cJSON_AddItemToObject(o, "launcher_argv", strings(p->launcher_argv.v, p->launcher_argv.n));
	cJSON_AddItemToObject(o, "command", strings(p->command.v, p->command.n));
	cJSON_AddItemToObject(o, "env", env_object(&p->env));
	cJSON_AddNumberToObject(o, "nproc", p->np);
	cJSON_AddNumberToObject(o, "ppn", p->ppn);
	cJSON_AddNumberToObject(o, "nhosts_used", p->nhosts);
	cJSON_AddItemToObject(o, "cpu_bind", str_or_null(p->cpu_bind));
	add_job(o, job);
	/* the plan's launcher wins over the job's guess (e.g. --launcher) */
	cJSON_ReplaceItemInObject(o, "launcher", jstr(launcher_name(p->launcher)));
	return finish(o);
}

char *
json_doctor(const struct doc_report *r)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; i < r->n; i++) {
		const struct doc_check *c = &r->v[i];
		cJSON *o = cJSON_CreateObject();
		add_str(o, "name", c->name);
		add_str(o, "status", doc_status_name(c->status));
		add_str(o, "message", c->message);
		cJSON_AddItemToObject(o, "remedy", str_or_null(c->remedy));
		cJSON_AddItemToArray(a, o);
	}
	return finish(a);
}

static cJSON *
setupenv_steps(const struct setupenv_plan *p)
{
	cJSON *a = cJSON_CreateArray();
	for (size_t i = 0; p && i < p->n; i++) {
		const struct step *s = &p->v[i];
		cJSON *o = cJSON_CreateObject();
		add_str(o, "step", step_kind_name(s->kind));
		cJSON_AddItemToObject(o, "arg", str_or_null(s->arg));
		add_str(o, "from", s->from);
		add_str(o, "status", step_state_name(s->state));
		if (s->state == STEP_FAILED)
			cJSON_AddNumberToObject(o, "exit", s->rc);
		else
			cJSON_AddNullToObject(o, "exit");
		cJSON_AddItemToObject(o, "note", str_or_null(s->note));
		cJSON_AddItemToObject(o, "output", str_or_null(s->output));
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *
setupenv_python(const struct pycheck *pc)
{
	cJSON *o;
	if (pc == NULL)
		return cJSON_CreateNull();
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", pc->ok);
	cJSON_AddItemToObject(o, "python3", str_or_null(pc->python3));
	cJSON_AddItemToObject(o, "realpath", str_or_null(pc->real));
	cJSON_AddBoolToObject(o, "system", pc->system);
	cJSON_AddItemToObject(o, "root_var", str_or_null(pc->root_var));
	cJSON_AddItemToObject(o, "root", str_or_null(pc->root));
	return o;
}

char *
json_setup_env(const struct setupenv_report *r)
{
	cJSON *o = cJSON_CreateObject(), *ms = cJSON_CreateObject();
	struct strvec none = STRVEC_INIT;
	const struct strvec *set = r->diff ? &r->diff->set : &none;
	const struct strvec *unset = r->diff ? &r->diff->unset : &none;

	cJSON_AddBoolToObject(o, "ok", r->ok);
	if (r->dry_run)
		cJSON_AddBoolToObject(o, "dry_run", 1);
	cJSON_AddItemToObject(o, "error", str_or_null(r->error));
	cJSON_AddItemToObject(o, "set", env_object(set));
	cJSON_AddItemToObject(o, "unset", strings(unset->v, unset->n));
	cJSON_AddItemToObject(o, "steps", setupenv_steps(r->plan));
	add_str(ms, "kind", modsys_name(r->modsys ? r->modsys->kind : MODSYS_NONE));
	cJSON_AddItemToObject(ms, "init", str_or_null(r->modsys ? r->modsys->init : NULL));
	cJSON_AddItemToObject(ms, "why", str_or_null(r->modsys ? r->modsys->why : NULL));
	cJSON_AddItemToObject(o, "module_system", ms);
	cJSON_AddItemToObject(o, "python", setupenv_python(r->python));
	cJSON_AddItemToObject(o, "launch", str_or_null(r->launch));
	if (r->script)
		add_str(o, "script", r->script);
	return finish(o);
}

/* ---- reading ------------------------------------------------------------ */

static char *
member_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) && v->valuestring ? xstrdup(v->valuestring) : NULL;
}

int
json_qstat_jobs(const char *text, struct qstat_jobs *q, char **err)
{
	cJSON *root = cJSON_Parse(text);
	const cJSON *jobs, *j;

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		*err = xstrdup("its output is not a JSON object");
		return -1;
	}
	/* No "Jobs" at all: none of the jobs asked for exists any more. */
	jobs = cJSON_GetObjectItemCaseSensitive(root, "Jobs");
	if (jobs && !cJSON_IsObject(jobs)) {
		cJSON_Delete(root);
		*err = xstrdup("its \"Jobs\" is not an object");
		return -1;
	}
	cJSON_ArrayForEach(j, jobs) {
		struct qstat_job *x;
		if (!cJSON_IsObject(j) || j->string == NULL)
			continue;
		q->v = xgrow(q->v, &q->alloc, q->n + 1, sizeof *q->v);
		x = &q->v[q->n++];
		x->id = xstrdup(j->string);
		x->owner = member_str(j, "Job_Owner");
		x->state = member_str(j, "job_state");
		x->exec_host = member_str(j, "exec_host");
		x->select = member_str(cJSON_GetObjectItemCaseSensitive(j, "Resource_List"), "select");
	}
	cJSON_Delete(root);
	return 0;
}
