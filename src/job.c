/* SPDX-License-Identifier: MIT */
/*
 * job.c: put the job together.  The order of evidence for each fact is the
 * contract documented in ezpz(1) and reported in `ezpz info --json` sources:
 *
 *   scheduler   EZPZ_SCHEDULER, else the highest-confidence scheduler vtable,
 *               else the user's running job on this host that qstat or
 *               squeue names (jobfind.c: a shell without the job's variables)
 *   hosts       --hostfile, HOSTFILE, else the scheduler's (nodefile, nodelist)
 *   machine     --machine, EZPZ_MACHINE, else the matching profile, else generic
 *   GPUs/host   NGPU_PER_HOST, Slurm's GPU variables, the profile, hwloc
 *   launcher    --launcher, EZPZ_LAUNCHER, the profile, srun in a Slurm job,
 *               else whatever mpiexec/mpirun on PATH says it is
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hostfile.h"
#include "hostlist.h"
#include "job.h"
#include "jobfind.h"
#include "launcher.h"
#include "rank.h"
#include "util.h"

static const struct sched_ops *const scheds[] = {
	&sched_pbs, &sched_slurm, &sched_flux, &sched_lsf, &sched_local,
};

size_t
host_short_len(const char *host)
{
	const char *dot = strchr(host, '.');
	return dot ? (size_t)(dot - host) : strlen(host);
}

int
job_has_host(const struct job *job, const char *hostname)
{
	size_t n = host_short_len(hostname);
	for (size_t i = 0; i < job->hosts.n; i++) {
		const char *h = job->hosts.v[i].name;
		if (host_short_len(h) == n && strncasecmp(h, hostname, n) == 0)
			return 1;
	}
	return 0;
}

int
job_hosts_from_text(struct job *job, const char *text, const char *path, char **err)
{
	struct hostset hs = HOSTSET_INIT;
	if (hostfile_parse(text, path, &hs, err) < 0)
		return -1;
	hostset_free(&job->hosts);
	job->hosts = hs;
	return 0;
}

static const struct sched_ops *
sched_choose(struct job *job, char *const *envp, char **err)
{
	const char *forced = env_nonempty(envp, "EZPZ_SCHEDULER");
	const struct sched_ops *best = &sched_local;
	const char *evidence = NULL;
	int conf = 0;

	if (forced) {
		enum sched s = sched_parse(forced);
		if (s == SCHED_UNSET) {
			*err = xasprintf("EZPZ_SCHEDULER='%s': unknown scheduler "
			    "(use pbs, slurm, flux, lsf or local)", forced);
			return NULL;
		}
		src_set(&job->src.scheduler, SRC_ENV, "EZPZ_SCHEDULER");
		for (size_t i = 0; i < NITEMS(scheds); i++)
			if (scheds[i]->id == s)
				return scheds[i];
	}
	for (size_t i = 0; i < NITEMS(scheds); i++) {
		const char *ev = NULL;
		int c = scheds[i]->detect(envp, &ev);
		if (c > conf) {
			conf = c;
			best = scheds[i];
			evidence = ev;
		}
	}
	if (best == &sched_local && job->found) {
		best = job->found->sched == SCHED_PBS ? &sched_pbs : &sched_slurm;
		src_set(&job->src.scheduler, SRC_OTHER, "%s", best == &sched_pbs ? "qstat" : "squeue");
		src_set_detail(&job->src.scheduler, "%s", job->found->source);
	} else if (evidence) {
		src_set(&job->src.scheduler, SRC_ENV, "%s", evidence);
	} else if (job->find_note) {
		src_set(&job->src.scheduler, SRC_OTHER, "no job found; %s", job->find_note);
	} else {
		src_set(&job->src.scheduler, SRC_OTHER, "no job found");
	}
	return best;
}

static int
machine_choose(struct job *job, char *const *envp, const struct profiles *ps,
    const struct job_opts *o, char **err)
{
	const char *forced = o->machine;
	enum src_kind how = SRC_OPTION;
	const char *howname = "--machine";

	if (forced == NULL && (forced = env_nonempty(envp, "EZPZ_MACHINE")) != NULL) {
		how = SRC_ENV;
		howname = "EZPZ_MACHINE";
	}
	if (forced) {
		if ((job->profile = profiles_find(ps, forced)) == NULL) {
			struct buf kb = BUF_INIT;
			char *known;
			for (size_t i = 0; i < ps->n; i++)
				buf_addf(&kb, "%s%s", i ? ", " : "", ps->v[i].name);
			known = buf_detach(&kb);
			*err = xasprintf("machine '%s' (from %s): no such profile (known: %s)",
			    forced, howname, *known ? known : "none");
			free(known);
			return o->machine ? -2 : -1;   /* a bad option value is a usage error */
		}
		src_set(&job->src.machine, how, "%s", howname);
	} else if ((job->profile = profiles_match(ps, job->hostname, envp)) != NULL) {
		char *why = profile_match_why(job->profile, job->hostname, envp);
		src_set(&job->src.machine, SRC_PROFILE, "%s", job->profile->name);
		src_set_detail(&job->src.machine, "%s", why);
		free(why);
	} else {
		job->profile = profiles_find(ps, "generic");
		src_set(&job->src.machine, SRC_DEFAULT, "no profile matches hostname %s",
		    job->hostname);
	}
	job->machine = xstrdup(job->profile ? job->profile->name : "generic");
	return 0;
}

/* A host's key for matching names: its short name, in lower case
 * ("N1.example.org": n1), as host names compare. */
static char *
host_key(const char *name)
{
	char *k = xstrndup(name, host_short_len(name));
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

static void
host_keys(const struct hostset *hs, struct hostset *out)
{
	for (size_t i = 0; i < hs->n; i++)
		hostset_add_owned(out, host_key(hs->v[i].name), 1);
}

/* The job's hosts for a message: compressed, and cut short past a line. */
static char *
hosts_for_message(const struct hostset *hs)
{
	char *all = hostset_compress(hs);
	if (strlen(all) > 200) {
		char *cut = xasprintf("%.180s... (%zu hosts)", all, hs->n);
		free(all);
		all = cut;
	}
	return all;
}

/*
 * Under srun in a job, a hostfile picks some of the job's nodes: any other
 * name is an error here, naming it, not srun's later "Only allocated 2
 * nodes asked for 3".  (Other launchers take addresses and aliases, and
 * say themselves what they cannot reach.)
 */
static int
hostfile_in_job(const struct job *job, const struct hostset *sched, char **err)
{
	struct hostset in_job = HOSTSET_INIT;
	int r = 0;

	host_keys(sched, &in_job);
	for (size_t i = 0; i < job->hosts.n && r == 0; i++) {
		char *k = host_key(job->hosts.v[i].name);
		if (hostset_find(&in_job, k) < 0) {
			char *all = hosts_for_message(sched);
			*err = xasprintf("hostfile '%s': '%s' is not one of the job's nodes (%s); remove it "
			    "from the file, or run in a job that has it", job->hostfile,
			    job->hosts.v[i].name, all);
			free(all);
			r = -1;
		}
		free(k);
	}
	hostset_free(&in_job);
	return r;
}

const char *
job_srun_rank0_host(const struct job *job, int n)
{
	struct hostset keys = HOSTSET_INIT;
	const char *first = job->hosts.v[0].name;

	if (job->sched_hosts.n == 0)
		return first;
	/* the chosen hosts, by key; the first of the allocation among them */
	for (int i = 0; i < n && (size_t)i < job->hosts.n; i++)
		hostset_add_owned(&keys, host_key(job->hosts.v[i].name), 1);
	for (size_t i = 0; i < job->sched_hosts.n; i++) {
		char *k = host_key(job->sched_hosts.v[i].name);
		long at = hostset_find(&keys, k);
		free(k);
		if (at >= 0) {
			first = job->hosts.v[at].name;
			break;
		}
	}
	hostset_free(&keys);
	return first;
}

/* sched: the scheduler's hosts are moved there when a hostfile replaces them. */
static int
hostfile_override(struct job *job, char *const *envp, const struct job_opts *o,
    const struct job_io *io, struct hostset *sched, char **err)
{
	const char *path = o->hostfile, *howname = "--hostfile", *why;
	enum src_kind how = SRC_OPTION;
	struct hostset hs = HOSTSET_INIT;
	char *text;
	int r;

	if (path == NULL && (path = env_nonempty(envp, "HOSTFILE")) != NULL) {
		how = SRC_ENV;
		howname = "HOSTFILE";
	}
	if (path == NULL)
		return 0;
	if ((text = io->read(io->ctx, path, READ_MAX_HOSTFILE, NULL, &why)) == NULL) {
		*err = xasprintf("hostfile '%s' (from %s): %s", path, howname, why);
		return -1;
	}
	r = hostfile_parse(text, path, &hs, err);
	free(text);
	if (r < 0)
		return -1;
	*sched = job->hosts;
	job->hosts = hs;
	free(job->hostfile);
	job->hostfile = xstrdup(path);
	src_set(&job->src.hosts, how, "%s", howname);
	src_set(&job->src.hostfile, how, "%s", howname);
	return 0;
}

/*
 * SLURM_JOB_GPUS, "0,1,2,3" (ranges "0-3" too): how many GPUs it names, or
 * -1 with *why set.  An empty item or a word is an error: counting commas
 * made '0,1,,,,' six GPUs and 'junk' one.
 */
static long
slurm_gpu_list_count(const char *v, const char **why)
{
	/* indices up to 2^20 + 2^20: a bit each, to find one named twice */
	unsigned char *seen = xcalloc((2u << 20) / 8 + 1, 1);
	const char *bad = NULL;
	long n = 0;

	for (const char *p = v; bad == NULL; p++) {
		char *end;
		unsigned long a, b;
		if (*p < '0' || *p > '9') {
			bad = *p == ',' || *p == '\0' ? "an empty item" : "not a GPU index";
			break;
		}
		a = b = strtoul(p, &end, 10);
		if (*end == '-') {
			p = end + 1;
			if (*p < '0' || *p > '9' || (b = strtoul(p, &end, 10)) < a) {
				bad = "a bad range";
				break;
			}
		}
		if (a > (1 << 20) || b - a >= (unsigned long)(1 << 20) - (unsigned long)n) {
			bad = "too many GPUs";
			break;
		}
		for (unsigned long c = a; c <= b && bad == NULL; c++) {
			if (seen[c / 8] & (1u << (c % 8)))
				bad = "a GPU index named twice";
			seen[c / 8] |= (unsigned char)(1u << (c % 8));
		}
		n += (long)(b - a + 1);
		if (*end == '\0')
			break;
		if (*end != ',')
			bad = "not a GPU index";
		p = end;
	}
	free(seen);
	if (bad != NULL) {
		*why = bad;
		return -1;
	}
	return n;
}

/*
 * The GPUs per node the Slurm job was given: squeue's answer for a found
 * job, else its variables.  Returns 1 with *n and *var (the source's name),
 * 0 when it has none, -1 with *err for a value that would plan a wrong
 * launch.  quiet: NGPU_PER_HOST decides the count, and a value here that
 * does not parse is neither an error nor a warning (it only tells whether
 * the job has GPUs of its own, for srun --gpus-per-node).
 */
static int
slurm_job_gpus(struct job *job, char *const *envp, int quiet, long *n, const char **var,
    char **err)
{
	static const char *const slurm_vars[] = { "SLURM_GPUS_ON_NODE", "SLURM_GPUS_PER_NODE" };
	const char *v, *why = NULL;

	if (job->found) {
		*n = job->found->ngpu_per_host;
		*var = "squeue";
		return *n >= 0;
	}
	for (size_t i = 0; i < NITEMS(slurm_vars); i++) {
		if ((v = env_nonempty(envp, slurm_vars[i])) == NULL)
			continue;
		if (slurm_gpus_count(v, 0, n) == 0) {
			*var = slurm_vars[i];
			return 1;
		}
		if (quiet)
			continue;
		/* Slurm itself sets SLURM_GPUS_ON_NODE, a count; SLURM_GPUS_PER_NODE
		 * is the request (--gpus-per-node), whose forms vary: the next
		 * source can still count the GPUs. */
		if (i == 0) {
			*err = xasprintf("SLURM_GPUS_ON_NODE='%s': not a number of GPUs (unset it, or "
			    "set NGPU_PER_HOST)", v);
			return -1;
		}
		strvec_pushf(&job->warnings, "%s='%s': no GPU count in it (want N, TYPE:N or "
		    "TYPE:N,TYPE:N); ignored", slurm_vars[i], v);
	}
	if ((v = env_nonempty(envp, "SLURM_JOB_GPUS")) != NULL) {
		if ((*n = slurm_gpu_list_count(v, &why)) >= 0) {
			*var = "SLURM_JOB_GPUS";
			return 1;
		}
		if (quiet)
			return 0;
		*err = xasprintf("SLURM_JOB_GPUS='%s': %s (want GPU indices such as 0,1,2,3; "
		    "unset it, or set NGPU_PER_HOST)", v, why);
		return -1;
	}
	return 0;
}

static int
gpus_from_env(struct job *job, char *const *envp, char **err)
{
	const char *ngpu = env_nonempty(envp, "NGPU_PER_HOST"), *var = NULL, *why;
	long n = 0, own = 0;
	int r = 0;

	if (job->sched == SCHED_SLURM &&
	    (r = slurm_job_gpus(job, envp, ngpu != NULL, &own, &var, err)) < 0)
		return -1;
	/* srun asks for the job's GPUs whoever counted them: setup-env
	 * exports NGPU_PER_HOST in every Slurm job. */
	job->sched_gpus = r == 1 ? (int)own : 0;
	if (ngpu != NULL) {
		if (parse_long(ngpu, 0, 1 << 20, &n, &why) < 0) {
			*err = xasprintf("NGPU_PER_HOST='%s': %s (unset it, or give the number of "
			    "GPUs per host)", ngpu, why);
			return -1;
		}
		job->ngpu_per_host = (int)n;
		src_set(&job->src.ngpu_per_host, SRC_ENV, "NGPU_PER_HOST");
		return 1;
	}
	if (r == 1) {
		job->ngpu_per_host = (int)own;
		if (streq(var, "squeue"))
			src_set(&job->src.ngpu_per_host, SRC_OTHER, "squeue");
		else
			src_set(&job->src.ngpu_per_host, SRC_ENV, "%s", var);
	}
	return r;
}

/*
 * The devices a vendor's runtime shows this process of the `have` there
 * are: CUDA_VISIBLE_DEVICES (NVIDIA), ROCR_VISIBLE_DEVICES and
 * HIP_VISIBLE_DEVICES (AMD: each narrows, so the fewer), read as the
 * runtime reads them (gpu_visible_parse).  Returns the count, or -1 when
 * no such variable is set.
 */
static long
visible_gpus(enum vendor v, int have, char *const *envp, const char **var)
{
	static const struct { enum vendor v; const char *name; } vars[] = {
		{ VENDOR_NVIDIA, "CUDA_VISIBLE_DEVICES" }, { VENDOR_AMD, "ROCR_VISIBLE_DEVICES" },
		{ VENDOR_AMD, "HIP_VISIBLE_DEVICES" },
	};
	long fewest = -1;
	for (size_t i = 0; i < NITEMS(vars); i++) {
		const char *val;
		long n;
		if (vars[i].v != v || (val = env_get(envp, vars[i].name)) == NULL)
			continue;
		n = gpu_visible_parse(val, have, NULL);
		if (fewest < 0 || n < fewest) {
			fewest = n;
			*var = vars[i].name;
		}
	}
	return fewest;
}

static int
gpus_choose(struct job *job, char *const *envp, const struct job_io *io, char **err)
{
	const struct profile *p = job->profile;
	const struct topo *t = NULL;
	char *terr = NULL;
	int r = gpus_from_env(job, envp, err);

	if (r < 0)
		return -1;
	if (r == 0 && p && p->gpus_per_host >= 0) {
		job->ngpu_per_host = p->gpus_per_host;
		src_set(&job->src.ngpu_per_host, SRC_PROFILE, "%s", p->name);
		r = 1;
	}
	if (p && p->gpu_vendor != VENDOR_UNSET) {
		job->gpu_vendor = p->gpu_vendor;
		src_set(&job->src.gpu_vendor, SRC_PROFILE, "%s", p->name);
	}
	job->gpu_tiles = p && p->gpu_tiles > 0 ? p->gpu_tiles : 0;
	/* hwloc only when something is still unknown: loading it costs ~20 ms. */
	if (r == 0 || (job->gpu_vendor == VENDOR_UNSET && job->ngpu_per_host > 0))
		t = io->topo(io->ctx, &terr);
	if (r == 0) {
		if (t == NULL) {
			*err = xasprintf("cannot count this host's GPUs: %s (set NGPU_PER_HOST)", terr);
			free(terr);
			return -1;
		}
		job->ngpu_per_host = (int)t->ngpus;
		src_set(&job->src.ngpu_per_host, SRC_HWLOC, "%s", t->backend ? t->backend : "");
	}
	if (job->gpu_vendor == VENDOR_UNSET) {
		if (job->ngpu_per_host == 0 || t == NULL) {
			job->gpu_vendor = VENDOR_NONE;
			src_set(&job->src.gpu_vendor, SRC_OTHER, "%s",
			    job->ngpu_per_host ? "unknown" : "no GPUs");
		} else {
			job->gpu_vendor = t->vendor;
			src_set(&job->src.gpu_vendor, SRC_HWLOC, "%s", "");
		}
	}
	/* The hardware's count (hwloc or the profile), but the runtime shows
	 * the ranks only the visible devices: more ranks would share them.
	 * So is the count 'ezpz setup-env' exported (EZPZ_JOBID says it ran;
	 * env_without_stale dropped another job's): a fact it derived, not
	 * the user's choice, and maybe narrowed already (no index check). */
	int derived = src_is_env(&job->src.ngpu_per_host, "NGPU_PER_HOST") &&
	    env_get(envp, "EZPZ_JOBID") != NULL;
	if (job->src.ngpu_per_host.kind == SRC_HWLOC || job->src.ngpu_per_host.kind == SRC_PROFILE ||
	    derived) {
		const char *var = NULL;
		long n = visible_gpus(job->gpu_vendor, derived ? -1 : job->ngpu_per_host, envp, &var);
		if (n >= 0 && n < job->ngpu_per_host) {
			int all = job->ngpu_per_host;
			job->ngpu_per_host = (int)n;
			src_set(&job->src.ngpu_per_host, SRC_ENV, "%s", var);
			src_set_detail(&job->src.ngpu_per_host, "of the %d this host has", all);
		}
	}
	free(terr);
	return 0;
}

void
job_free(struct job *job)
{
	struct job_sources *s = &job->src;
	free(job->jobid);
	free(job->hostname);
	free(job->machine);
	hostset_free(&job->hosts);
	hostset_free(&job->sched_hosts);
	free(job->hostfile);
	free(job->launcher_path);
	free(job->launcher_note);
	free(job->srun_mpi);
	free(job->srun_mpi_why);
	free(job->stale_note);
	free(job->find_note);
	if (job->found) {
		found_job_free(job->found);
		free(job->found);
	}
	strvec_clear(&job->warnings);
	src_free(&s->scheduler); src_free(&s->jobid); src_free(&s->machine); src_free(&s->hosts);
	src_free(&s->hostfile); src_free(&s->ngpu_per_host); src_free(&s->gpu_vendor);
	src_free(&s->launcher);
	memset(job, 0, sizeof *job);
}

static int job_detect_env(struct job *job, char *const *envp, const char *hostname,
    const struct profiles *ps, const struct job_opts *o, const struct job_io *io, char **err,
    enum job_stage *at);

/*
 * The job id the scheduler's own variables name ("" outside a job), to
 * compare with EZPZ_JOBID.
 */
static char *
native_jobid(char *const *envp)
{
	static const char *const vars[] = { "SLURM_JOB_ID", "SLURM_JOBID", "FLUX_JOB_ID", "LSB_JOBID" };
	const char *v = env_nonempty(envp, "PBS_JOBID");
	if (v)
		return xstrndup(v, strcspn(v, "."));
	for (size_t i = 0; i < NITEMS(vars); i++)
		if ((v = env_nonempty(envp, vars[i])) != NULL)
			return xstrdup(v);
	return xstrdup("");
}

/* The id as job->jobid holds it: PBS's up to the first '.'. */
static char *
found_short_id(const struct found_job *f)
{
	return f->sched == SCHED_PBS ? xstrndup(f->id, strcspn(f->id, ".")) : xstrdup(f->id);
}

/* "A", "A and B", "A, B and C" */
static char *
names_and(const struct strvec *v)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < v->n; i++) {
		if (i > 0)
			buf_adds(&b, i + 1 == v->n ? " and " : ", ");
		buf_adds(&b, v->v[i]);
	}
	return buf_detach(&b);
}

/*
 * 'ezpz setup-env' exports facts (NGPU_PER_HOST, HOSTFILE, EZPZ_SCHEDULER,
 * ...) that are also inputs, with EZPZ_JOBID naming the job they describe.
 * Carried into another job (qsub -V, a login shell's exports), they would
 * silently describe the wrong job: drop them when EZPZ_JOBID disagrees.
 */
static char **
env_without_stale(struct job *job, char *const *envp, struct strvec *keep)
{
	static const char *const facts[] = { "NGPU_PER_HOST", "HOSTFILE", "EZPZ_SCHEDULER",
		"EZPZ_MACHINE", "EZPZ_LAUNCHER" };
	const char *exported = env_get(envp, "EZPZ_JOBID");
	struct strvec set = STRVEC_INIT;
	char *native, *names;

	if (exported == NULL)
		return (char **)envp;
	for (size_t i = 0; i < NITEMS(facts); i++)
		if (env_get(envp, facts[i]))
			strvec_push(&set, facts[i]);
	if (set.n == 0)       /* nothing to ignore, nothing to say */
		return (char **)envp;
	native = native_jobid(envp);
	if (*native == '\0' && job->found) {
		free(native);
		native = found_short_id(job->found);
	}
	if (strcmp(native, exported) == 0) {
		free(native);
		strvec_clear(&set);
		return (char **)envp;
	}
	names = names_and(&set);
	job->stale_note = xasprintf("ignoring %s: 'ezpz setup-env' exported %s for %s%s, but this "
	    "is %s%s", names, set.n > 1 ? "them" : "it", *exported ? "job " : "",
	    *exported ? exported : "no job", *native ? "job " : "", *native ? native : "no job");
	free(names);
	free(native);
	strvec_clear(&set);
	for (; *envp; envp++) {
		size_t i;
		for (i = 0; i < NITEMS(facts); i++)
			if (startswith(*envp, facts[i]) && (*envp)[strlen(facts[i])] == '=')
				break;
		if (i == NITEMS(facts))
			strvec_push(keep, *envp);
	}
	return strvec_argv(keep);
}

static int
same_id(const char *a, const char *b)
{
	size_t n = strcspn(a, ".");
	return strcspn(b, ".") == n && strncmp(a, b, n) == 0;
}

/*
 * A shell with none of the job's variables (ssh to a node of the job, an
 * editor's remote shell, a login shell): ask the scheduler whether this
 * user has a running job on this host.  EZPZ_SCHEDULER=local (or flux,
 * lsf) means not to ask; pbs or slurm, to ask only that one.
 */
static int
job_find(struct job *job, char *const *envp, const char *hostname, const struct job_opts *o,
    const struct job_io *io, char **err)
{
	const char *forced = env_nonempty(envp, "EZPZ_SCHEDULER");
	const char *want = o->job, *how = "option:--job";
	char *native = native_jobid(envp);
	enum sched s = SCHED_UNSET;
	struct jobfind jf;
	int r;

	if (*native) {
		r = o->job && !same_id(o->job, native) ? -2 : 0;
		if (r < 0)
			*err = xasprintf("--job %s: this shell is in job %s (its scheduler's variables say "
			    "so)", o->job, native);
		free(native);
		return r;
	}
	free(native);
	if (want == NULL && (want = env_nonempty(envp, "EZPZ_JOBID")) != NULL)
		how = "env:EZPZ_JOBID";
	if (forced && (s = sched_parse(forced)) != SCHED_PBS && s != SCHED_SLURM) {
		if (o->job) {
			*err = xasprintf("--job %s: EZPZ_SCHEDULER=%s does not look for jobs", o->job,
			    forced);
			return -2;
		}
		return 0;
	}
	if ((r = jobfind_run(&jf, s, hostname, want, how, io, err)) < 0)
		return r;
	if (jf.job == NULL && o->job) {
		*err = xasprintf("--job %s: not a running job of yours on %s (%s)", o->job, hostname,
		    jf.note ? jf.note : "no qstat or squeue on PATH to ask");
		jobfind_free(&jf);
		return -2;
	}
	job->found = jf.job;
	job->find_note = jf.note;
	job->find_failed = jf.failed;
	if (jf.job) {
		src_set(&job->src.jobid, SRC_OTHER, "%s", jf.job->sched == SCHED_PBS ? "qstat" : "squeue");
		if (jf.how)
			src_set_detail(&job->src.jobid, "chosen by %s", strchr(jf.how, ':') + 1);
	}
	free(jf.how);
	return 0;
}

int
job_detect_at(struct job *job, char *const *envp_in, const char *hostname,
    const struct profiles *ps, const struct job_opts *o, const struct job_io *io, char **err,
    enum job_stage *at)
{
	struct strvec keep = STRVEC_INIT;
	char *const *envp;
	enum job_stage dummy;
	int r;

	memset(job, 0, sizeof *job);
	if (at == NULL)
		at = &dummy;
	*at = JOB_AT_SCHED;
	if ((r = job_find(job, envp_in, hostname, o, io, err)) < 0) {
		job_free(job);
		return r;
	}
	envp = env_without_stale(job, envp_in, &keep);
	r = job_detect_env(job, envp, hostname, ps, o, io, err, at);
	strvec_clear(&keep);
	if (r == 0)
		*at = JOB_AT_DONE;
	return r;
}

int
job_detect(struct job *job, char *const *envp, const char *hostname,
    const struct profiles *ps, const struct job_opts *o, const struct job_io *io, char **err)
{
	return job_detect_at(job, envp, hostname, ps, o, io, err, NULL);
}

static int
job_detect_env(struct job *job, char *const *envp, const char *hostname,
    const struct profiles *ps, const struct job_opts *o, const struct job_io *io, char **err,
    enum job_stage *at)
{
	const struct sched_ops *sc;
	struct hostset sched = HOSTSET_INIT;
	int r = -1;

	job->gpu_vendor = VENDOR_UNSET;
	job->hostname = xstrdup(hostname);
	if ((sc = sched_choose(job, envp, err)) == NULL)
		goto fail;
	job->sched = sc->id;
	*at = JOB_AT_MACHINE;
	if ((r = machine_choose(job, envp, ps, o, err)) < 0)
		goto fail;
	*at = JOB_AT_SCHED;
	if (sc->read(job, envp, io, err) < 0)
		goto fail;
	*at = JOB_AT_HOSTFILE;
	if (hostfile_override(job, envp, o, io, &sched, err) < 0)
		goto fail;
	if (job->hosts.n == 0) {
		hostset_add(&job->hosts, job->hostname, 1);
		src_set(&job->src.hosts, SRC_OTHER, "this host");
	}
	if (job->src.jobid.kind == SRC_NONE)
		src_set(&job->src.jobid, SRC_OTHER, "%s", job->jobid ? "?" : "no job");
	if (job->src.hostfile.kind == SRC_NONE)
		src_set(&job->src.hostfile, SRC_OTHER, "%s", job->hostfile ? "?" : "none");
	*at = JOB_AT_GPUS;
	if (gpus_choose(job, envp, io, err) < 0)
		goto fail;
	*at = JOB_AT_LAUNCHER;
	if ((r = launcher_choose(job, envp, o, io, err)) < 0)
		goto fail;
	if (job->launcher == LAUNCHER_SRUN && job->sched == SCHED_SLURM && sched.n > 0) {
		*at = JOB_AT_HOSTFILE;
		if (hostfile_in_job(job, &sched, err) < 0)
			goto fail;
		job->sched_hosts = sched;      /* for job_srun_rank0_host */
		sched = (struct hostset)HOSTSET_INIT;
	}
	hostset_free(&sched);
	return 0;
fail:
	hostset_free(&sched);
	job_free(job);
	return r < -1 ? r : -1;
}

void
job_facts_env(const struct job *job, struct strvec *env, struct strvec *absent)
{
	char *hosts = hostset_compress(&job->hosts);
	strvec_pushf(env, "NHOSTS=%zu", job->hosts.n);
	strvec_pushf(env, "NGPU_PER_HOST=%d", job->ngpu_per_host);
	strvec_pushf(env, "NGPUS=%d", job->ngpu_per_host * (int)job->hosts.n);
	if (job->hostfile)
		strvec_pushf(env, "HOSTFILE=%s", job->hostfile);
	else if (absent)
		strvec_push(absent, "HOSTFILE");
	strvec_pushf(env, "EZPZ_JOBID=%s", job->jobid ? job->jobid : "");
	strvec_pushf(env, "EZPZ_SCHEDULER=%s", sched_name(job->sched));
	strvec_pushf(env, "EZPZ_MACHINE=%s", job->machine);
	strvec_pushf(env, "EZPZ_HOSTS=%s", hosts);
	strvec_pushf(env, "EZPZ_GPU_VENDOR=%s", vendor_name(job->gpu_vendor));
	if (job->launcher != LAUNCHER_NONE)
		strvec_pushf(env, "EZPZ_LAUNCHER=%s", launcher_name(job->launcher));
	else if (absent)
		strvec_push(absent, "EZPZ_LAUNCHER");
	free(hosts);
}
