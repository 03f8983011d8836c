/* SPDX-License-Identifier: MIT */
/*
 * jobfind.c: find the job of a shell on one of its nodes by asking the
 * scheduler (see jobfind.h).  PBS: qselect names the user's running jobs
 * (the server filters them, so a site's thousands of jobs never come over),
 * then qstat -f describes those: which hosts each runs on (exec_host) and
 * with how many MPI processes per chunk (Resource_List.select).  Slurm: one
 * squeue of the user's running jobs; the node lists are expanded here, so a
 * host that is not a Slurm node (a login node) is simply in none of them.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostlist.h"
#include "jobfind.h"
#include "json.h"
#include "util.h"

void
found_job_free(struct found_job *j)
{
	if (j == NULL)
		return;
	free(j->id);
	free(j->source);
	hostset_free(&j->hosts);
	memset(j, 0, sizeof *j);
}

void
found_jobs_free(struct found_jobs *js)
{
	for (size_t i = 0; i < js->n; i++)
		found_job_free(&js->v[i]);
	free(js->v);
	memset(js, 0, sizeof *js);
}

void
jobfind_free(struct jobfind *jf)
{
	if (jf->job) {
		found_job_free(jf->job);
		free(jf->job);
	}
	free(jf->how);
	free(jf->note);
	memset(jf, 0, sizeof *jf);
}

void
qstat_jobs_free(struct qstat_jobs *q)
{
	for (size_t i = 0; i < q->n; i++) {
		struct qstat_job *j = &q->v[i];
		free(j->id); free(j->owner); free(j->state); free(j->exec_host); free(j->select);
	}
	free(q->v);
	memset(q, 0, sizeof *q);
}

static struct found_job *
found_add(struct found_jobs *js, enum sched s, const char *id)
{
	struct found_job *j;
	js->v = xgrow(js->v, &js->alloc, js->n + 1, sizeof *js->v);
	j = &js->v[js->n++];
	memset(j, 0, sizeof *j);
	j->sched = s;
	j->id = xstrdup(id);
	j->ngpu_per_host = -1;
	return j;
}

static int
same_short(const char *a, const char *b)
{
	size_t n = host_short_len(a);
	return host_short_len(b) == n && strncasecmp(a, b, n) == 0;
}

static int
hosts_have(const struct hostset *hs, const char *host)
{
	for (size_t i = 0; i < hs->n; i++)
		if (same_short(hs->v[i].name, host))
			return 1;
	return 0;
}

int
found_job_is(const struct found_job *j, const char *id)
{
	if (j->sched != SCHED_PBS)
		return streq(j->id, id);
	return strcspn(j->id, ".") == strcspn(id, ".") && strncmp(j->id, id, strcspn(id, ".")) == 0;
}

/* ---- Slurm ------------------------------------------------------------------- */

/* A count squeue printed; -1 for "N/A", "" or nonsense. */
static long
count_field(const char *s, long max)
{
	const char *why;
	long n;
	return parse_long(s, 0, max, &n, &why) == 0 ? n : -1;
}

/*
 * One GPU item of a Slurm string, "gres" and "gpu" fields already dropped:
 * "4" (untyped) or "a100:4" (typed).  Returns 1 typed, 0 untyped, -1 bad.
 */
static int
gpu_item(char **f, size_t nf, long *n)
{
	const char *why;
	if (nf == 0 || nf > 2 || parse_long(f[nf - 1], 0, 1 << 20, n, &why) < 0)
		return -1;
	return nf == 2;
}

int
slurm_gpus_count(const char *v, int tres, long *n)
{
	char *copy = xmalloc(strlen(v) + 1), *save = NULL, *tok, *o = copy;
	long typed = 0, untyped = 0, c;
	int items = 0, bad = 0, depth = 0;

	/* "(IDX:0,2)" says which devices, and its commas separate no items */
	for (const char *p = v; *p; p++) {
		depth += *p == '(';
		if (depth == 0)
			*o++ = *p;
		depth -= *p == ')' && depth > 0;
	}
	*o = '\0';

	for (tok = strtok_r(copy, ",", &save); tok && !bad; tok = strtok_r(NULL, ",", &save)) {
		char *f[8], *fsave = NULL, *w;
		size_t nf = 0, skip = 0;
		int r;
		for (w = strtok_r(tok, ":/=", &fsave); w; w = strtok_r(NULL, ":/=", &fsave))
			if (nf < NITEMS(f))
				f[nf++] = w;
		if (nf > 0 && streq(f[0], "gres")) {
			if (nf < 2 || !streq(f[1], "gpu"))
				continue;   /* another resource: gres/shard, gres/mps */
			skip = 2;
		} else if (nf > 0 && streq(f[0], "gpu")) {
			skip = 1;
		} else if (tres) {
			continue;   /* cpu=2, mem=... */
		}
		if ((r = gpu_item(f + skip, nf - skip, &c)) < 0) {
			bad = 1;
			break;
		}
		items++;
		*(r ? &typed : &untyped) += c;
	}
	free(copy);
	if (bad || items == 0)
		return -1;
	/* "gres/gpu=4,gres/gpu:a100=4": one request named twice */
	*n = typed && untyped ? (typed > untyped ? typed : untyped) : typed + untyped;
	return *n <= 1 << 20 ? 0 : -1;
}

/* Tasks per node as Slurm lays them out by default: even, the rest on the first nodes. */
static void
slurm_slots(struct found_job *j, long ntasks, long per_node)
{
	size_t n = j->hosts.n;
	for (size_t i = 0; i < n; i++) {
		long s = 1;
		if (per_node > 0)
			s = per_node;
		else if (ntasks >= (long)n)
			s = ntasks / (long)n + ((long)i < ntasks % (long)n);
		j->hosts.v[i].slots = s > 1 << 20 ? 1 << 20 : (int)s;
	}
}

enum { SQ_ID, SQ_STATE, SQ_NODES, SQ_CPUS, SQ_TASKS, SQ_TPN, SQ_TRES, SQ_LIST, SQ_NFIELDS };

static int
squeue_line(char *line, const char *host, struct found_jobs *js)
{
	char *f[SQ_NFIELDS], *p = line;
	struct strvec names = STRVEC_INIT;
	struct found_job *j;
	long nodes, cpus, gpus;

	for (int i = 0; i < SQ_NFIELDS; i++) {
		char *bar = strchr(p, '|');
		if (bar == NULL)
			return -1;
		*bar = '\0';
		f[i] = strtrim(p);
		p = bar + 1;
	}
	if (!streq(f[SQ_STATE], "R") || *f[SQ_ID] == '\0')
		return 0;
	if (hostlist_expand(f[SQ_LIST], &names, NULL) < 0 || names.n == 0) {
		strvec_clear(&names);
		return -1;
	}
	j = found_add(js, SCHED_SLURM, f[SQ_ID]);
	for (size_t i = 0; i < names.n; i++)
		hostset_add(&j->hosts, names.v[i], 1);
	strvec_clear(&names);
	if (!hosts_have(&j->hosts, host)) {
		found_job_free(j);
		js->n--;
		return 0;
	}
	slurm_slots(j, count_field(f[SQ_TASKS], 1L << 30), count_field(f[SQ_TPN], 1 << 20));
	j->ngpu_per_host = slurm_gpus_count(f[SQ_TRES], 1, &gpus) == 0 ? (int)gpus : -1;
	nodes = count_field(f[SQ_NODES], 1L << 30);
	cpus = count_field(f[SQ_CPUS], 1L << 30);
	if (nodes == (long)j->hosts.n && cpus > 0 && cpus % nodes == 0)
		j->cpus_per_host = (int)(cpus / nodes);
	return 0;
}

int
jobfind_read_squeue(const char *out, const char *host, struct found_jobs *js, char **err)
{
	char *text = xstrdup(out), *line, *save = NULL;
	int bad = 0, good = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (*strtrim(line) == '\0')
			continue;
		if (squeue_line(line, host, js) < 0) {
			if (!bad++)
				*err = xasprintf("unexpected line '%.80s'", line);
		} else {
			good++;
		}
	}
	free(text);
	if (bad && !good)
		return -1;
	if (bad)
		free(*err);   /* a stray line among good ones: not worth failing */
	return 0;
}

/* ---- PBS ------------------------------------------------------------------------- */

/* Resource_List.select "2:ncpus=2:mpiprocs=2+1:ncpus=4": MPI processes per chunk. */
static size_t
select_mpiprocs(const char *select, int **out)
{
	char *copy = xstrdup(select ? select : ""), *chunk, *save = NULL;
	size_t n = 0, alloc = 0;

	*out = NULL;
	for (chunk = strtok_r(copy, "+", &save); chunk; chunk = strtok_r(NULL, "+", &save)) {
		char *res, *rsave = NULL, *first = chunk;
		long count = 1, procs = 1, v;
		if (isdigit((unsigned char)*chunk)) {
			first = strchr(chunk, ':');
			if (first)
				*first++ = '\0';
			if ((count = count_field(chunk, 100000)) < 0)
				count = 1;
		}
		for (res = strtok_r(first, ":", &rsave); res; res = strtok_r(NULL, ":", &rsave))
			if (startswith(res, "mpiprocs=") && (v = count_field(res + 9, 1 << 20)) >= 0)
				procs = v;
		for (long i = 0; i < count && n < 100000; i++) {
			*out = xgrow(*out, &alloc, n + 1, sizeof **out);
			(*out)[n++] = (int)procs;
		}
	}
	free(copy);
	return n;
}

/*
 * exec_host "pbsn1/0*2+pbsn2/0*2": the hosts in order, one chunk each;
 * slots from the select's mpiprocs when it has as many chunks (PBS writes
 * that many lines per chunk into PBS_NODEFILE), else one per chunk.
 */
static void
pbs_hosts(struct found_job *j, const char *exec_host, const char *select)
{
	char *copy = xstrdup(exec_host), *tok, *save = NULL;
	struct strvec names = STRVEC_INIT;
	int *procs;
	size_t nprocs = select_mpiprocs(select, &procs);

	for (tok = strtok_r(copy, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		tok[strcspn(tok, "/")] = '\0';
		if (*strtrim(tok))
			strvec_push(&names, strtrim(tok));
	}
	for (size_t i = 0; i < names.n; i++)
		hostset_add(&j->hosts, names.v[i], nprocs == names.n && procs[i] > 0 ? procs[i] : 1);
	strvec_clear(&names);
	free(procs);
	free(copy);
}

static int
owner_is(const char *owner, const char *user)
{
	size_t n = strcspn(owner ? owner : "", "@");
	return owner && strlen(user) == n && strncmp(owner, user, n) == 0;
}

static void
pbs_found(const struct qstat_jobs *q, const char *host, const char *user, struct found_jobs *js)
{
	for (size_t i = 0; i < q->n; i++) {
		const struct qstat_job *x = &q->v[i];
		struct found_job *j;
		if (x->id == NULL || x->exec_host == NULL || !streq(x->state ? x->state : "", "R") ||
		    !owner_is(x->owner, user))
			continue;
		j = found_add(js, SCHED_PBS, x->id);
		pbs_hosts(j, x->exec_host, x->select);
		if (!hosts_have(&j->hosts, host)) {
			found_job_free(j);
			js->n--;
		}
	}
}

int
jobfind_read_qstat_json(const char *out, const char *host, const char *user,
    struct found_jobs *js, char **err)
{
	struct qstat_jobs q = { 0 };
	if (json_qstat_jobs(out, &q, err) < 0)
		return -1;
	pbs_found(&q, host, user, js);
	qstat_jobs_free(&q);
	return 0;
}

static struct qstat_job *
qjob_add(struct qstat_jobs *q, const char *id)
{
	struct qstat_job *j;
	q->v = xgrow(q->v, &q->alloc, q->n + 1, sizeof *q->v);
	j = &q->v[q->n++];
	memset(j, 0, sizeof *j);
	j->id = xstrdup(id);
	return j;
}

static void
qjob_set(struct qstat_job *j, const char *key, const char *val)
{
	char **slot = streq(key, "Job_Owner") ? &j->owner : streq(key, "job_state") ? &j->state :
	    streq(key, "exec_host") ? &j->exec_host : streq(key, "Resource_List.select") ?
	    &j->select : NULL;
	if (slot) {
		free(*slot);
		*slot = xstrdup(val);
	}
}

/*
 * qstat -f: "Job Id: ID", then "    name = value" lines; a long value goes
 * on over lines that start with a tab.
 */
int
jobfind_read_qstat_text(const char *out, const char *host, const char *user,
    struct found_jobs *js, char **err)
{
	struct qstat_jobs q = { 0 };
	struct qstat_job *cur = NULL;
	char *key = NULL, *val = NULL;
	const char *p = out;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *line = xstrndup(p, len), *eq;
		p += len + (p[len] == '\n');
		if (line[0] == '\t' && val) {
			char *v = xasprintf("%s%s", val, line + 1);
			free(val);
			val = v;
		} else {
			if (cur && key)
				qjob_set(cur, key, val);
			free(key);
			free(val);
			key = val = NULL;
			if (startswith(line, "Job Id:"))
				cur = qjob_add(&q, strtrim(line + 7));
			else if (cur && (eq = strstr(line, " = ")) != NULL) {
				*eq = '\0';
				key = xstrdup(strtrim(line));
				val = xstrdup(eq + 3);
			}
		}
		free(line);
	}
	if (cur && key)
		qjob_set(cur, key, val);
	free(key);
	free(val);
	if (q.n == 0 && *out) {
		*err = xstrdup("no 'Job Id:' in its output");
		return -1;
	}
	pbs_found(&q, host, user, js);
	qstat_jobs_free(&q);
	return 0;
}

void
jobfind_read_qselect(const char *out, struct strvec *ids)
{
	char *text = xstrdup(out), *line, *save = NULL;
	for (line = strtok_r(text, "\n", &save); line && ids->n < JOBFIND_MAX_JOBS;
	    line = strtok_r(NULL, "\n", &save))
		if (*strtrim(line) && !strchr(line, ' '))
			strvec_push(ids, line);
	free(text);
}

/* ---- asking ---------------------------------------------------------------------- */

struct asking {
	const struct job_io *io;
	const char *host, *user;
	struct found_jobs js;
	struct strvec notes;        /* what each scheduler said, when it found nothing */
	int failed;
	int forced;                 /* only one scheduler is asked (EZPZ_SCHEDULER) */
};

/* "qstat: no answer within 10 s", or NULL when the answer can be read. */
static char *
answer_problem(const char *what, const struct query_answer *a)
{
	const char *e = a->err && *a->err ? a->err : a->out ? a->out : "";
	char *first = xstrndup(e, strcspn(e, "\n")), *msg, *r;

	if (a->status == QUERY_NOT_RUN)
		msg = xasprintf("%s: cannot run it: %s", what, strtrim(first));
	else if (a->status == QUERY_TIMEOUT)
		msg = xasprintf("%s: no answer within %d s", what, a->timeout_s);
	else if (a->status != 0 && *strtrim(first))
		msg = xasprintf("%s: exit %d: %s", what, a->status, strtrim(first));
	else if (a->status != 0)
		msg = xasprintf("%s: exit %d", what, a->status);
	else {
		free(first);
		return NULL;
	}
	free(first);
	if (a->age_s < 0)
		return msg;
	r = xasprintf("%s (answer cached %d s ago)", msg, a->age_s);
	free(msg);
	return r;
}

static void
answer_free(struct query_answer *a)
{
	free(a->out);
	free(a->err);
	memset(a, 0, sizeof *a);
}

/* Run argv through the edge; 0 with a->out to read, or -1 (noted). */
static int
ask(struct asking *k, const char *what, char *const *argv, struct query_answer *a)
{
	char *why;
	memset(a, 0, sizeof *a);
	k->io->query(k->io->ctx, argv, a);
	if ((why = answer_problem(what, a)) == NULL)
		return 0;
	strvec_push(&k->notes, why);
	free(why);
	k->failed = 1;
	return -1;
}

static size_t
jobs_found(const struct asking *k, enum sched s)
{
	size_t n = 0;
	for (size_t i = 0; i < k->js.n; i++)
		n += k->js.v[i].sched == s;
	return n;
}

/* qstat -f [-F json] IDS... */
static void
qstat_argv(struct strvec *argv, const char *qstat, int json, char *const *ids, size_t n)
{
	strvec_clear(argv);
	strvec_push(argv, qstat);
	strvec_push(argv, "-f");
	if (json) {
		strvec_push(argv, "-F");
		strvec_push(argv, "json");
	}
	strvec_pushn(argv, ids, n);
}

/*
 * The JSON of each job: OpenPBS 23.06 prints only the first of several ids
 * given to one `qstat -f -F json`.  Returns 0, or -1 when some answer is
 * not that JSON (*why says so, or is NULL when the answer was a failure,
 * already noted).
 */
static int
ask_pbs_json(struct asking *k, const char *qstat, const struct strvec *ids, char **why)
{
	struct strvec argv = STRVEC_INIT;
	struct found_jobs js = { 0 };
	int r = 0;

	for (size_t i = 0; i < ids->n && r == 0; i++) {
		struct query_answer a;
		qstat_argv(&argv, qstat, 1, ids->v + i, 1);
		memset(&a, 0, sizeof a);
		k->io->query(k->io->ctx, strvec_argv(&argv), &a);
		/* A job that ended since qselect makes qstat exit non-zero with
		 * JSON that lacks it: the JSON decides, not the status. */
		if (a.status == QUERY_NOT_RUN || a.status == QUERY_TIMEOUT) {
			*why = answer_problem("qstat", &a);
			r = -2;
		} else if (jobfind_read_qstat_json(a.out ? a.out : "", k->host, k->user, &js, why) < 0) {
			r = -1;
		}
		answer_free(&a);
	}
	for (size_t i = 0; r == 0 && i < js.n; i++) {
		k->js.v = xgrow(k->js.v, &k->js.alloc, k->js.n + 1, sizeof *k->js.v);
		k->js.v[k->js.n++] = js.v[i];
		memset(&js.v[i], 0, sizeof js.v[i]);
	}
	found_jobs_free(&js);
	strvec_clear(&argv);
	return r;
}

static void
ask_pbs_jobs(struct asking *k, const char *qstat, const struct strvec *ids)
{
	struct strvec argv = STRVEC_INIT;
	struct query_answer a;
	char *why = NULL;
	int r = ids->n <= JOBFIND_JSON_MAX ? ask_pbs_json(k, qstat, ids, &why) : -1;

	memset(&a, 0, sizeof a);
	if (r == -1) {
		/* No JSON (an older PBS, a value it did not escape, many jobs):
		 * the text, which takes them all at once. */
		free(why);
		why = NULL;
		qstat_argv(&argv, qstat, 0, ids->v, ids->n);
		if (ask(k, "qstat", strvec_argv(&argv), &a) == 0 &&
		    jobfind_read_qstat_text(a.out, k->host, k->user, &k->js, &why) < 0) {
			char *w = xasprintf("qstat -f: %s", why);
			free(why);
			why = w;
		}
	}
	if (why) {
		strvec_push(&k->notes, why);
		k->failed = 1;
	}
	free(why);
	answer_free(&a);
	strvec_clear(&argv);
}

static void
ask_pbs(struct asking *k, const char *qstat)
{
	char *qselect = k->io->which(k->io->ctx, "qselect");
	char *argv[] = { qselect, "-u", (char *)k->user, "-s", "R", "-T", NULL };
	struct strvec ids = STRVEC_INIT;
	struct query_answer a;
	size_t notes = k->notes.n;

	if (qselect == NULL) {
		/* Slurm's qstat wrapper comes without qselect: no PBS here. */
		if (k->forced) {
			strvec_push(&k->notes, "qselect: not found on PATH (it comes with qstat)");
			k->failed = 1;
		}
		return;
	}
	if (ask(k, "qselect", argv, &a) == 0) {
		jobfind_read_qselect(a.out, &ids);
		if (ids.n == 0)
			strvec_pushf(&k->notes, "%s has no running PBS job (qselect)", k->user);
		else
			ask_pbs_jobs(k, qstat, &ids);
		if (ids.n > 0 && jobs_found(k, SCHED_PBS) == 0 && k->notes.n == notes)
			strvec_pushf(&k->notes, "none of %s's %zu running PBS job%s runs on %s (qstat)",
			    k->user, ids.n, ids.n == 1 ? "" : "s", k->host);
	}
	answer_free(&a);
	strvec_clear(&ids);
	free(qselect);
}

static void
ask_slurm(struct asking *k, const char *squeue)
{
	char *argv[] = { (char *)squeue, "-h", "-u", (char *)k->user, "-t", "R", "-O",
		"JobID:|,StateCompact:|,NumNodes:|,NumCPUs:|,NumTasks:|,NTPerNode:|,"
		"tres-per-node:|,NodeList:|", NULL };
	struct query_answer a;
	size_t before = k->js.n;
	char *why = NULL;

	if (ask(k, "squeue", argv, &a) == 0) {
		if (jobfind_read_squeue(a.out, k->host, &k->js, &why) < 0) {
			strvec_pushf(&k->notes, "squeue: %s", why);
			k->failed = 1;
			free(why);
		} else if (k->js.n == before) {
			strvec_pushf(&k->notes, "%s has no running Slurm job on %s (squeue)", k->user,
			    k->host);
		}
	}
	answer_free(&a);
}

static char *
ids_list(const struct found_jobs *js)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < js->n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? ", " : "", js->v[i].id);
		free(s);
		s = t;
	}
	return s;
}

static void
take(struct jobfind *jf, struct asking *k, size_t i, const char *how)
{
	struct found_job *j = &k->js.v[i];
	jf->job = xmalloc(sizeof *jf->job);
	*jf->job = *j;
	jf->job->source = xasprintf("a running job of %s on %s", k->user, k->host);
	memset(j, 0, sizeof *j);
	jf->how = how ? xstrdup(how) : NULL;
}

/* One job: it.  Several: the one asked for, else the user must choose. */
static int
choose(struct jobfind *jf, struct asking *k, const char *want, const char *want_how, char **err)
{
	size_t match = 0, at = 0;
	char *ids;

	if (k->js.n == 0)
		return 0;
	for (size_t i = 0; want && i < k->js.n; i++)
		if (found_job_is(&k->js.v[i], want)) {
			match++;
			at = i;
		}
	if (match == 1) {
		take(jf, k, at, k->js.n > 1 ? want_how : NULL);
		return 0;
	}
	ids = ids_list(&k->js);
	if (want && streq(want_how, "option:--job")) {
		*err = xasprintf("--job %s: not a running job of %s on %s (running here: %s)", want,
		    k->user, k->host, ids);
		free(ids);
		return -2;
	}
	if (k->js.n == 1) {
		/* EZPZ_JOBID of another job: the stale-facts check says so. */
		take(jf, k, 0, NULL);
		free(ids);
		return 0;
	}
	*err = xasprintf("%zu running jobs of %s on %s: %s%s%s%s; choose one with --job ID or "
	    "EZPZ_JOBID=ID", k->js.n, k->user, k->host, ids, want ? " (EZPZ_JOBID=" : "",
	    want ? want : "", want ? " is none of them)" : "");
	free(ids);
	return -1;
}

static char *
notes_text(const struct strvec *notes)
{
	char *s = xstrdup("");
	for (size_t i = 0; i < notes->n; i++) {
		char *t = xasprintf("%s%s%s", s, i ? "; " : "", notes->v[i]);
		free(s);
		s = t;
	}
	return s;
}

int
jobfind_run(struct jobfind *jf, enum sched sched, const char *hostname, const char *want,
    const char *want_how, const struct job_io *io, char **err)
{
	struct asking k = { io, hostname, NULL, { 0 }, STRVEC_INIT, 0, sched != SCHED_UNSET };
	char *qstat = NULL, *squeue = NULL, *user = NULL;
	int r = 0;

	memset(jf, 0, sizeof *jf);
	if (io->query == NULL || io->user == NULL)
		return 0;
	/* Only the PATH lookups where there is no scheduler (a laptop). */
	if (sched == SCHED_UNSET || sched == SCHED_PBS)
		qstat = io->which(io->ctx, "qstat");
	if (sched == SCHED_UNSET || sched == SCHED_SLURM)
		squeue = io->which(io->ctx, "squeue");
	if (qstat == NULL && squeue == NULL) {
		if (sched != SCHED_UNSET)
			jf->note = xasprintf("%s: not found on PATH", sched == SCHED_PBS ? "qstat" : "squeue");
		return 0;
	}
	if ((k.user = user = io->user(io->ctx)) == NULL) {
		jf->note = xstrdup("cannot tell which user this is (no passwd entry) to ask for its jobs");
		jf->failed = 1;
	} else {
		/* A host with both (a test machine, Slurm's qstat wrapper):
		 * Slurm is asked only when PBS has no job here. */
		if (qstat)
			ask_pbs(&k, qstat);
		if (squeue && k.js.n == 0)
			ask_slurm(&k, squeue);
		r = choose(jf, &k, want, want_how, err);
		if (jf->job == NULL && r == 0) {
			jf->note = notes_text(&k.notes);
			jf->failed = k.failed;
		}
	}
	found_jobs_free(&k.js);
	strvec_clear(&k.notes);
	free(user);
	free(qstat);
	free(squeue);
	return r;
}
