/* SPDX-License-Identifier: MIT */
/*
 * plan.c: sizes, binding and environment for a launch.  Pure: everything
 * comes from the job, the options and the environment passed in.
 *
 * Sizes follow the Python ezpz's inference, with its crashes turned into
 * messages that name the numbers: -nh, -ppn and -n fill in each other;
 * by default every host of the job runs one rank per GPU (one rank per host
 * on CPU-only hosts in a job; $WORLD_SIZE, else 2, on a laptop).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "backend.h"
#include "bind.h"
#include "plan.h"
#include "shell.h"
#include "srunmpi.h"
#include "util.h"

#define MASTER_PORT_BASE 29500
#define MASTER_PORT_SPAN 1000
#define PLAN_MAX_RANKS (1 << 24)

static int
usage_err(char **err, const char *fmt, ...) PRINTF(2, 3);

static int
usage_err(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	*err = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static int
local_ranks_default(char *const *envp, char **err)
{
	const char *ws = env_nonempty(envp, "WORLD_SIZE"), *why;
	long n;
	if (ws == NULL)
		return 2;
	if (parse_long(ws, 1, 1 << 20, &n, &why) < 0)
		return usage_err(err, "WORLD_SIZE='%s': %s (it sets the number of ranks outside a job; "
		    "unset it or pass -n)", ws, why);
	return (int)n;
}

/* The most ranks per host the job takes: its GPUs, its CPUs (Slurm); 0 any. */
static int
ppn_cap(const struct job *job)
{
	int g = job->ngpu_per_host, c = job->cpus_per_host;
	if (g > 0 && c > 0)
		return g < c ? g : c;
	return g > 0 ? g : c > 0 ? c : 0;
}

/* -n np on fewer hosts than the job has: the most hosts that take np
 * ranks evenly within the cap, as the suggestion of an error; 0: none. */
static int
hosts_for(int np, int nh_max, int cap)
{
	for (int nh = nh_max; nh >= 1; nh--)
		if (np % nh == 0 && (cap == 0 || np / nh <= cap))
			return nh;
	return 0;
}

static int
sizes_fill(struct plan *p, const struct job *job, int local, int def_ppn,
    const struct launch_opts *o, char **err)
{
	int nh_max = (int)job->hosts.n, np = o->np, ppn = o->ppn, nh = o->nhosts;

	if (nh > 0) {
		if (ppn > 0) {
			if (np > 0 && (long)np != (long)nh * ppn)
				return usage_err(err, "-n %d does not match -nh %d x -ppn %d = %ld",
				    np, nh, ppn, (long)nh * ppn);
		} else if (np > 0) {
			if (np % nh)
				return usage_err(err, "-n %d is not a multiple of -nh %d", np, nh);
			ppn = np / nh;
		} else {
			ppn = def_ppn;
		}
	} else if (np > 0 && ppn > 0) {
		if (np % ppn)
			return usage_err(err, "-n %d is not a multiple of -ppn %d", np, ppn);
		nh = np / ppn;
		if (nh > nh_max)
			return usage_err(err, "-n %d with -ppn %d needs %d hosts, but the job has %d",
			    np, ppn, nh, nh_max);
	} else if (np > 0) {
		nh = local ? 1 : nh_max;
		if (np % nh) {
			int cap = ppn_cap(job), fit = hosts_for(np, nh_max, cap);
			if (fit)
				return usage_err(err, "-n %d does not divide evenly over the job's %d hosts; "
				    "add -nh or -ppn (e.g. -n %d -nh %d: %d per host)", np, nh, np, fit,
				    np / fit);
			return usage_err(err, "-n %d does not divide evenly over the job's %d hosts, nor "
			    "over fewer with at most %d per host; use a multiple of the hosts (e.g. -n %d), "
			    "or -nh H -ppn P", np, nh, cap, nh * (np / nh > 0 ? np / nh : 1));
		}
		ppn = np / nh;
	} else {
		nh = nh_max;
		ppn = ppn > 0 ? ppn : def_ppn;
	}
	if ((long)nh * ppn > PLAN_MAX_RANKS)
		return usage_err(err, "%d hosts x %d ranks per host is more than %d ranks", nh, ppn,
		    PLAN_MAX_RANKS);
	p->nhosts = nh;
	p->ppn = ppn;
	p->np = nh * ppn;
	return 0;
}

static int
plan_sizes(struct plan *p, const struct job *job, char *const *envp,
    const struct launch_opts *o, char **err)
{
	int local = job->sched == SCHED_LOCAL && job->hostfile == NULL;
	int nh_max = (int)job->hosts.n, gpn = job->ngpu_per_host, def_ppn;

	if (o->nhosts > nh_max) {
		if (local)
			return usage_err(err, "-nh %d: outside a job only this host is available "
			    "(pass --hostfile to use others)", o->nhosts);
		return usage_err(err, "-nh %d: the job has only %d host%s", o->nhosts, nh_max,
		    nh_max == 1 ? "" : "s");
	}
	if (gpn > 0)
		def_ppn = gpn;
	else if (!local)
		def_ppn = 1;
	else if ((def_ppn = local_ranks_default(envp, err)) < 0)
		return -1;
	if (sizes_fill(p, job, local, def_ppn, o, err) < 0)
		return -1;
	if (gpn > 0 && p->ppn > gpn)
		return usage_err(err, "%d ranks per host, but each host has %d GPUs (%s); use -ppn %d or "
		    "fewer, or set NGPU_PER_HOST", p->ppn, gpn, job->src.ngpu_per_host.text, gpn);
	/* srun would say "More processors requested than permitted". */
	if (job->cpus_per_host > 0 && p->ppn > job->cpus_per_host)
		return usage_err(err, "%d ranks per host, but the allocation gives each host only %d CPU%s "
		    "(SLURM_JOB_CPUS_PER_NODE); allocate whole nodes (--exclusive) or "
		    "--ntasks-per-node=%d, or use -ppn %d", p->ppn, job->cpus_per_host,
		    job->cpus_per_host == 1 ? "" : "s", p->ppn, job->cpus_per_host);
	if (gpn > 0 && (long)p->np < (long)gpn * nh_max)
		strvec_pushf(&p->notes, "using %d of the job's %ld GPUs (%d host%s x %d)", p->np,
		    (long)gpn * nh_max, p->nhosts, p->nhosts == 1 ? "" : "s", p->ppn);
	return 0;
}

/* --------------------------------------------------------------------- */
/* CPU binding                                                            */

void
cpu_bind_free(struct cpu_bind *b)
{
	free(b->list);
	free(b->native);
	free(b->from);
	memset(b, 0, sizeof *b);
}

int
cpu_bind_parse(const char *s, struct cpu_bind *b, char **err)
{
	static const struct { const char *name; enum bind_kind kind; } words[] = {
		{ "none", BIND_NONE }, { "auto", BIND_AUTO }, { "depth", BIND_DEPTH },
		{ "core", BIND_CORE }, { "cores", BIND_CORE }, { "socket", BIND_SOCKET },
		{ "sockets", BIND_SOCKET }, { "numa", BIND_NUMA },
	};
	char *v = xstrdup(s), *t = strtrim(v);

	if (startswith(t, "--cpu-bind="))
		t = strtrim(t + strlen("--cpu-bind="));
	memset(b, 0, sizeof *b);
	if (*t == '\0') {
		free(v);
		return 0;   /* BIND_UNSET */
	}
	for (size_t i = 0; i < NITEMS(words); i++)
		if (strcmp(t, words[i].name) == 0)
			b->kind = words[i].kind;
	if (b->kind == BIND_UNSET && startswith(t, "list:")) {
		const char *g = t + 5;
		if (*g == '\0' || strspn(g, "0123456789,-:") != strlen(g)) {
			*err = xasprintf("cpu binding '%s': a list is groups of CPU numbers and ranges "
			    "separated by ':' (list:0-7:8-15)", s);
			free(v);
			return -1;
		}
		for (int i = 0; i < bind_list_ngroups(g); i++) {
			int *cpus;
			long n = bind_list_group(g, i, &cpus);
			free(cpus);
			if (n < 0) {
				*err = xasprintf("cpu binding '%s': group %d is not a list of CPU numbers "
				    "(0 to %d) and ascending ranges", s, i + 1, BIND_CPU_MAX);
				free(v);
				return -1;
			}
		}
		b->kind = BIND_LIST;
		b->list = xstrdup(g);
	}
	if (b->kind == BIND_UNSET && startswith(t, "depth:")) {
		const char *why;
		long d;
		if (parse_long(t + 6, 1, 4096, &d, &why) < 0) {
			*err = xasprintf("cpu binding '%s': depth:N needs a whole number of cores", s);
			free(v);
			return -1;
		}
		b->kind = BIND_DEPTH;
		b->depth = (int)d;
	}
	if (b->kind == BIND_UNSET) {
		b->kind = BIND_NATIVE;   /* the launcher's own syntax, e.g. verbose,list:... */
		b->native = xstrdup(t);
	}
	free(v);
	return 0;
}

static int
bind_from_topo(struct plan *p, const struct job *job, const struct job_io *io, char **err)
{
	const struct profile *pr = job->profile;
	const struct topo *t;
	struct bind_plan bp;
	char *terr = NULL, *list;

	if ((t = io->topo(io->ctx, &terr)) == NULL) {
		*err = xasprintf("--cpu-bind auto needs this host's topology: %s", terr);
		free(terr);
		return -1;
	}
	if (p->bind.kind == BIND_DEPTH) {
		p->bind.depth = (int)t->ncores / p->ppn;
		if (p->bind.depth < 1)
			p->bind.depth = 1;
		return 0;
	}
	if (bind_auto(t, p->ppn, pr ? pr->reserved_cores : NULL, pr ? pr->nreserved : 0,
	    &bp, &terr) < 0) {
		*err = xasprintf("--cpu-bind auto: %s", terr);
		free(terr);
		return -1;
	}
	list = bind_list(t, &bp);
	bind_free(&bp);
	p->bind.kind = BIND_LIST;
	free(p->bind.list);
	p->bind.list = list;
	return 0;
}

/* The binding asked for: --cpu-bind, CPU_BIND, the profile, or none. */
static int
bind_select(struct plan *p, const struct job *job, char *const *envp,
    const struct launch_opts *o, char **err)
{
	const char *env = env_nonempty(envp, "CPU_BIND");
	const struct profile *pr = job->profile;
	const char *v = NULL, *from = NULL;

	if (o->cpu_bind) {
		v = o->cpu_bind;
		from = "--cpu-bind";
		if (env)
			strvec_pushf(&p->notes, "both --cpu-bind and CPU_BIND are set; "
			    "--cpu-bind wins (CPU_BIND='%s' ignored)", env);
	} else if (env) {
		v = env;
		from = "CPU_BIND";
	} else if (pr && pr->cpu_bind) {
		v = pr->cpu_bind;
		from = "profile";
	}
	if (v && cpu_bind_parse(v, &p->bind, err) < 0)
		return -1;
	if (from)
		p->bind.from = streq(from, "profile") ? xasprintf("profile:%s", pr->name) : xstrdup(from);
	if (from && streq(from, "profile") && p->bind.kind == BIND_DEPTH && pr->cpu_depth > 0)
		p->bind.depth = pr->cpu_depth;
	return 0;
}

static int
plan_bind(struct plan *p, const struct job *job, char *const *envp, const struct job_io *io,
    const struct launch_opts *o, char **err)
{
	if (bind_select(p, job, envp, o, err) < 0)
		return -1;
	/* A profile's fixed list is for its default ranks per host only. */
	if (p->bind.kind == BIND_LIST && startswith(p->bind.from, "profile:") &&
	    bind_list_ngroups(p->bind.list) != p->ppn) {
		strvec_pushf(&p->notes, "the %s binding has %d groups but %d ranks run per host; "
		    "computing one from the topology instead", p->bind.from, bind_list_ngroups(p->bind.list),
		    p->ppn);
		p->bind.kind = BIND_AUTO;
	}
	/* PALS on a machine without a policy: depth = physical cores / ranks,
	 * if this host's topology can say; else the launcher's own default. */
	if (p->bind.kind == BIND_UNSET && p->launcher == LAUNCHER_PALS) {
		char *terr = NULL;
		if (io->topo(io->ctx, &terr) != NULL) {
			p->bind.kind = BIND_DEPTH;
			free(p->bind.from);
			p->bind.from = xstrdup("default for pals: cores per host / ranks per host");
		} else {
			strvec_pushf(&p->notes, "no CPU binding: %s", terr);
			free(terr);
		}
	}
	if (p->bind.kind == BIND_AUTO || (p->bind.kind == BIND_DEPTH && p->bind.depth == 0))
		if (bind_from_topo(p, job, io, err) < 0)
			return -1;
	switch (p->bind.kind) {
	case BIND_UNSET: p->cpu_bind = NULL; break;
	case BIND_LIST: p->cpu_bind = xasprintf("list:%s", p->bind.list); break;
	case BIND_DEPTH: p->cpu_bind = xasprintf("depth:%d", p->bind.depth); break;
	case BIND_NATIVE: p->cpu_bind = xstrdup(p->bind.native); break;
	case BIND_NONE: p->cpu_bind = xstrdup("none"); break;
	case BIND_CORE: p->cpu_bind = xstrdup("core"); break;
	case BIND_SOCKET: p->cpu_bind = xstrdup("socket"); break;
	case BIND_NUMA: p->cpu_bind = xstrdup("numa"); break;
	case BIND_AUTO: break;
	}
	return 0;
}

/* --------------------------------------------------------------------- */
/* Environment                                                            */

static unsigned
fnv1a(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static int
is_this_host(const struct job *job, const char *host)
{
	size_t n = host_short_len(host);
	return host_short_len(job->hostname) == n && strncasecmp(host, job->hostname, n) == 0;
}

/* Every rank must agree on these without talking to each other. */
static void
plan_master(struct plan *p, const struct job *job, char *const *envp, const struct launch_opts *o)
{
	/* rank 0's host: under srun not always the first it is given */
	const char *first = p->launcher == LAUNCHER_SRUN ? job_srun_rank0_host(job, p->nhosts) :
	    job->hosts.v[0].name;
	const char *suffix = job->profile ? job->profile->master_suffix : NULL;
	int local = job->sched == SCHED_LOCAL && job->hostfile == NULL;

	if (env_get(envp, "MASTER_ADDR") == NULL) {
		if (local)
			envset_set(&p->env, "MASTER_ADDR", "127.0.0.1");
		else if (suffix)
			strvec_pushf(&p->env, "MASTER_ADDR=%.*s%s", (int)host_short_len(first), first, suffix);
		else
			strvec_pushf(&p->env, "MASTER_ADDR=%s", first);
	}
	if (env_get(envp, "MASTER_PORT") == NULL) {
		int port = MASTER_PORT_BASE;
		if ((local || is_this_host(job, first)) && o->local_port > 0)
			port = o->local_port;
		else if (job->jobid)
			port = MASTER_PORT_BASE + (int)(fnv1a(job->jobid) % MASTER_PORT_SPAN);
		strvec_pushf(&p->env, "MASTER_PORT=%d", port);
	}
}

/*
 * The command line for EZPZ_RUN_COMMAND, quoted, at most RUN_COMMAND_MAX
 * bytes ("..." after a cut): Linux refuses any one environment string over
 * 128 KiB, and ezpz kill needs only the variable to be there.
 */
#define RUN_COMMAND_MAX 4096

static char *
command_line(char *const *argv, size_t n)
{
	size_t len = 0, alloc = 0;
	char *s = NULL;

	s = xgrow(s, &alloc, 1, 1);
	s[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char *q = shell_quote(SHELL_BASH, argv[i]);
		size_t ql = strlen(q);
		if (len + ql + 1 > RUN_COMMAND_MAX) {
			free(q);
			s = xgrow(s, &alloc, len + 5, 1);
			memcpy(s + len, " ...", 5);
			return s;
		}
		s = xgrow(s, &alloc, len + ql + 2, 1);
		if (i)
			s[len++] = ' ';
		memcpy(s + len, q, ql + 1);
		len += ql;
		free(q);
	}
	return s;
}

/*
 * ezpz launch is not a rank: RANK, LOCAL_RANK, ... in its environment were
 * left by a login profile or an outer job (or WORLD_SIZE chose -n outside
 * a job), and ezpz rankenv rightly refuses ranks that disagree with them.
 * The ranks get the planned world size and none of the others.
 */
static void
stale_rank_vars(struct plan *p, char *const *envp)
{
	static const char *const vars[] = { "RANK", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "NODE_RANK",
		"GROUP_RANK" };
	if (env_get(envp, "WORLD_SIZE"))
		strvec_pushf(&p->env, "WORLD_SIZE=%d", p->np);
	for (size_t i = 0; i < NITEMS(vars); i++)
		if (env_get(envp, vars[i]))
			strvec_push(&p->unset, vars[i]);
}

const char *const plan_forward_prefixes[] = {
	"NCCL_", "TORCH_", "TORCHINDUCTOR_", "PYTORCH_", "CUDA_", "CUDNN_", "NVIDIA_", "HF_",
	"HUGGINGFACE_", "TRANSFORMERS_", "WANDB_", "PYTHON", "OMP_", "KMP_", "MKL_", "UCX_",
	"FI_", "CCL_", "ZE_", "ONEAPI_", "SYCL_", "HIP_", "HSA_", "ROCR_", "MIOPEN_", "RCCL_",
	"TRITON_", "XLA_", "JAX_", "TF_", NULL
};

static int
forwarded_prefix(const char *kv)
{
	for (size_t i = 0; plan_forward_prefixes[i]; i++)
		if (startswith(kv, plan_forward_prefixes[i]))
			return 1;
	return 0;
}

/* The caller's variables the ranks everywhere need: by prefix, and those
 * named by -x KEY and .ezpz_env (when set). */
static void
forward_callers(struct plan *p, char *const *envp, const struct launch_opts *o)
{
	for (size_t i = 0; envp && envp[i]; i++) {
		size_t n = strcspn(envp[i], "=");
		char *k;
		if (envp[i][n] != '=' || !forwarded_prefix(envp[i]))
			continue;
		k = xstrndup(envp[i], n);
		if (strvec_find(&p->forward, k) < 0 && strvec_find(&p->unset, k) < 0)
			strvec_push(&p->forward, k);
		free(k);
	}
	for (size_t i = 0; i < o->forward.n; i++)
		if (env_get(envp, o->forward.v[i]) && strvec_find(&p->forward, o->forward.v[i]) < 0)
			strvec_push(&p->forward, o->forward.v[i]);
}

/*
 * Open MPI reaches the other hosts of a PBS job with its tm launcher when it
 * has one; without (Debian's has none) with its rsh agent, ssh by default,
 * which PBS nodes need not allow and whose processes PBS does not know of
 * (qdel would leave them behind).  The agent ezpz ships starts them with
 * pbs_tmrsh, as tasks of the job.  An Open MPI with tm never calls it; an
 * agent the user chose wins.
 */
static void
plan_rsh_agent(struct plan *p, const struct job *job, char *const *envp, const struct launch_opts *o)
{
	if (p->launcher != LAUNCHER_OPENMPI || job->sched != SCHED_PBS || p->nhosts < 2 ||
	    o->pbs_rsh_agent == NULL || env_get(envp, "OMPI_MCA_plm_rsh_agent") ||
	    env_get(envp, "OMPI_MCA_orte_rsh_agent"))
		return;
	envset_set(&p->env, "OMPI_MCA_plm_rsh_agent", o->pbs_rsh_agent);
	strvec_pushf(&p->notes, "Open MPI reaches the other hosts through pbs_tmrsh "
	    "(OMPI_MCA_plm_rsh_agent=%s; unused if Open MPI has PBS's tm launcher)", o->pbs_rsh_agent);
}

static void
plan_env(struct plan *p, const struct job *job, char *const *envp, const struct launch_opts *o)
{
	static const char *const carried[] = { "PATH", "LD_LIBRARY_PATH", "PYTHONPATH",
		"VIRTUAL_ENV", "CONDA_PREFIX", "MASTER_ADDR", "MASTER_PORT", "PYTHONUNBUFFERED" };
	const struct profile *pr = job->profile;

	if (env_get(envp, "PYTHONUNBUFFERED") == NULL)
		envset_set(&p->env, "PYTHONUNBUFFERED", "1");
	plan_master(p, job, envp, o);
	stale_rank_vars(p, envp);
	strvec_pushf(&p->env, "EZPZ_LAUNCH_TIME=%.6f", o->launch_time);
	if (o->rankenv) {
		strvec_pushf(&p->env, "EZPZ_NGPU_PER_HOST=%d", job->ngpu_per_host);
		/* GPUs this host cannot name (salloc's shell on a login node,
		 * the count from Slurm): each rank's host says, not "none" */
		if (job->gpu_vendor > VENDOR_NONE || job->ngpu_per_host == 0)
			strvec_pushf(&p->env, "EZPZ_GPU_VENDOR=%s", vendor_name(job->gpu_vendor));
		else if (env_get(envp, "EZPZ_GPU_VENDOR"))   /* setup-env's, from this host */
			strvec_push(&p->unset, "EZPZ_GPU_VENDOR");
		if (job->gpu_tiles > 1)
			strvec_pushf(&p->env, "EZPZ_GPU_TILES=%d", job->gpu_tiles);
	}
	for (size_t i = 0; pr && i < pr->env.n; i++) {
		const char *v;
		char *k = env_split(pr->env.v[i], &v);
		if (env_get(envp, k) == NULL)
			envset_set(&p->env, k, v);
		free(k);
	}
	for (size_t i = 0; i < o->env.n; i++)
		envset_put(&p->env, o->env.v[i]);
	for (size_t i = 0; i < p->env.n; i++)
		strvec_pushf(&p->forward, "%.*s", (int)strcspn(p->env.v[i], "="), p->env.v[i]);
	/* set last (its value is the finished argv), but ranks everywhere need it
	 * so 'ezpz kill' can find them */
	strvec_push(&p->forward, "EZPZ_RUN_COMMAND");
	for (size_t i = 0; i < NITEMS(carried); i++)
		if (env_get(envp, carried[i]) && strvec_find(&p->forward, carried[i]) < 0)
			strvec_push(&p->forward, carried[i]);
	forward_callers(p, envp, o);
	plan_rsh_agent(p, job, envp, o);   /* for mpirun itself: not forwarded */
}

/* --------------------------------------------------------------------- */

static void
plan_rankenv(struct plan *p, const struct launch_opts *o)
{
	if (!o->rankenv)
		return;
	strvec_push(&p->rankenv_argv, o->self);
	strvec_push(&p->rankenv_argv, "rankenv");
	if (o->verbose)
		strvec_push(&p->rankenv_argv, "-v");
	if (o->label)
		strvec_push(&p->rankenv_argv, "--label");
	if (o->report)
		strvec_push(&p->rankenv_argv, "--report");
	if (o->rank_log_dir) {
		strvec_push(&p->rankenv_argv, "--log-dir");
		strvec_push(&p->rankenv_argv, o->rank_log_dir);
	}
	if (o->gpu_bind && !streq(o->gpu_bind, "none")) {
		strvec_push(&p->rankenv_argv, "--gpu-bind");
		strvec_push(&p->rankenv_argv, o->gpu_bind);
	}
	/* Launchers that cannot take a per-rank list leave binding to rankenv. */
	if (p->bind.kind == BIND_LIST && (p->launcher == LAUNCHER_OPENMPI)) {
		strvec_push(&p->rankenv_argv, "--cpu-bind");
		strvec_pushf(&p->rankenv_argv, "list:%s", p->bind.list);
	}
	strvec_push(&p->rankenv_argv, "--");
}

/* "-x" followed by name already in argv (Open MPI's forwarding flag)? */
static int
has_x(const struct strvec *argv, const char *name)
{
	for (size_t i = 0; i + 1 < argv->n; i++)
		if (streq(argv->v[i], "-x") && streq(argv->v[i + 1], name))
			return 1;
	return 0;
}

static int
names_kill_on_bad_exit(const struct strvec *args)
{
	for (size_t i = 0; i < args->n; i++)
		if (startswith(args->v[i], "-K") || startswith(args->v[i], "--kill-on-bad-exit"))
			return 1;
	return 0;
}

/*
 * Slurm's default (KillOnBadExit=0) lets the other ranks run on when one
 * fails, blocked in a collective until the walltime, where mpirun and Hydra
 * stop them.  Unless the user or the profile chose (SLURM_KILL_BAD_EXIT, -K),
 * ezpz asks srun to stop them too.
 */
static int
srun_kill_unset(const struct job *job, char *const *envp, const struct launch_opts *o)
{
	if (env_get(envp, "SLURM_KILL_BAD_EXIT") != NULL || names_kill_on_bad_exit(&o->passthrough))
		return 0;
	return job->profile == NULL || !names_kill_on_bad_exit(&job->profile->launcher_args);
}

/* The profile's flags, without repeating a "-x VAR" the backend already gave. */
static void
push_profile_args(struct plan *p, const struct strvec *args)
{
	for (size_t i = 0; i < args->n; i++) {
		if (streq(args->v[i], "-x") && i + 1 < args->n && has_x(&p->launcher_argv, args->v[i + 1])) {
			i++;
			continue;
		}
		strvec_push(&p->launcher_argv, args->v[i]);
	}
}

int
plan_build(struct plan *p, const struct job *job, char *const *envp,
    const struct job_io *io, const struct launch_opts *o, char **err)
{
	const struct backend *be;
	char *cmdline;

	memset(p, 0, sizeof *p);
	*err = NULL;
	p->launcher = job->launcher;
	if ((be = backend_for(p->launcher)) == NULL) {
		char *looked = backend_looked_for(job->sched == SCHED_SLURM);
		int r = usage_err(err, "no launcher: found none of %s on PATH; load your MPI module "
		    "or pass --launcher", looked);
		free(looked);
		return r;
	}
	/* Known now, not in every rank after the launch. */
	if (o->gpu_bind && streq(o->gpu_bind, "per-rank") && job->ngpu_per_host == 0)
		return usage_err(err, "--gpu-bind per-rank: the job has no GPUs (0 per host, from %s); "
		    "leave it out, or set NGPU_PER_HOST if that missed them", job->src.ngpu_per_host.text);
	if (plan_sizes(p, job, envp, o, err) < 0 || plan_bind(p, job, envp, io, o, err) < 0) {
		plan_free(p);   /* notes and binding gathered so far */
		return -1;
	}
	p->hostfile = job->hostfile;
	/* Open MPI refuses more ranks than cores unless told; on a laptop that
	 * is what the user asked for. */
	if (job->sched == SCHED_LOCAL && job->hostfile == NULL && o->ncpus > 0 && p->np > o->ncpus) {
		p->oversubscribe = 1;
		strvec_pushf(&p->notes, "%d ranks on %d CPUs: oversubscribing", p->np, o->ncpus);
	}
	p->gpu_flags = job->sched == SCHED_SLURM && job->ngpu_per_host > 0 && job->sched_gpus > 0;
	strvec_pushv(&p->command, o->command.v);
	p->kill_on_bad_exit = p->launcher == LAUNCHER_SRUN && srun_kill_unset(job, envp, o);
	/* Run under srun (srun ezpz launch ...), the job's step holds CPUs
	 * our srun then waits for until the walltime ("Requested nodes are
	 * busy"): it shares them instead.  Not from the batch script (no
	 * SLURM_STEP_ID) or Slurm's own steps (salloc's interactive step,
	 * 0xfffffffa; normal steps are below 0xfffffff0). */
	if (p->launcher == LAUNCHER_SRUN && job->sched == SCHED_SLURM && env_nonempty(envp, "SLURM_JOB_ID") &&
	    slurm_in_step(envp)) {
		static const char *const step_binding[] = { "SLURM_CPU_BIND", "SLURM_CPU_BIND_LIST",
			"SLURM_CPU_BIND_TYPE", "SLURM_CPU_BIND_VERBOSE", "SLURM_MEM_BIND",
			"SLURM_MEM_BIND_LIST", "SLURM_MEM_BIND_TYPE", "SLURM_MEM_BIND_VERBOSE",
			"SLURM_CPUS_PER_TASK" };
		p->overlap = 1;
		strvec_pushf(&p->notes, "inside job step %s.%s: srun --overlap, to share its CPUs",
		    env_get(envp, "SLURM_JOB_ID"), env_get(envp, "SLURM_STEP_ID"));
		/* srun reads these as its options: the outer step's one-task
		 * binding must not become every rank's */
		for (size_t i = 0; i < NITEMS(step_binding); i++)
			if (env_get(envp, step_binding[i]))
				strvec_push(&p->unset, step_binding[i]);
	}
	plan_env(p, job, envp, o);
	be->build(p, job);
	/* Found as mpiexec.hydra, or given as a path: that program, not the
	 * flavour's name looked up on PATH (which may be another MPI's). */
	if (job->launcher_exact && job->launcher_path && p->launcher_argv.n > 0) {
		free(p->launcher_argv.v[0]);
		p->launcher_argv.v[0] = xstrdup(job->launcher_path);
	}
	if (job->profile)
		push_profile_args(p, &job->profile->launcher_args);
	strvec_pushv(&p->launcher_argv, o->passthrough.v);
	plan_rankenv(p, o);
	strvec_pushv(&p->argv, p->launcher_argv.v);
	strvec_pushv(&p->argv, p->rankenv_argv.v);
	strvec_pushv(&p->argv, p->command.v);
	cmdline = command_line(p->argv.v, p->argv.n);
	envset_set(&p->env, "EZPZ_RUN_COMMAND", cmdline);
	free(cmdline);
	return 0;
}

void
plan_free(struct plan *p)
{
	cpu_bind_free(&p->bind);
	free(p->cpu_bind);
	strvec_clear(&p->launcher_argv);
	strvec_clear(&p->rankenv_argv);
	strvec_clear(&p->command);
	strvec_clear(&p->argv);
	strvec_clear(&p->env);
	strvec_clear(&p->unset);
	strvec_clear(&p->forward);
	strvec_clear(&p->notes);
	memset(p, 0, sizeof *p);
}
