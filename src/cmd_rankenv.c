/* SPDX-License-Identifier: MIT */
/*
 * cmd_rankenv.c: `ezpz rankenv [OPTIONS] [--] CMD [ARGS...]`, run inside
 * each rank: find the rank's facts (PMIx first, then launcher variables),
 * export what torch.distributed's env:// rendezvous reads, narrow the GPUs
 * and CPUs when asked, then exec CMD so no extra process stays around.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bind.h"
#include "ezpz.h"
#include "hostlist.h"
#include "jobio.h"
#include "pmix.h"
#include "rank.h"
#include "rankwrap.h"
#include "srunmpi.h"
#include "hostcache.h"
#include "topo.h"
#include "util.h"

extern char **environ;
extern const struct ezpz_cmd cmd_rankenv;

enum { O_GPU_BIND = 1, O_CPU_BIND, O_PMIX, O_VERBOSE, O_TOPOLOGY, O_LABEL, O_REPORT, O_LOG_DIR,
	O_CONTAIN, O_NO_CONTAIN };

static const struct opt rankenv_opts[] = {
	{ O_GPU_BIND, "--gpu-bind", "MODE", "none|per-rank",
	  "per-rank: narrow the visible GPUs to this rank's (default none)" },
	{ O_CPU_BIND, "--cpu-bind", "VALUE", "none|auto",
	  "none (default), auto (cores near this rank's GPU), or list:A:B... (group per local rank)" },
	{ O_PMIX, "--pmix", NULL, NULL,
	  "ask the launcher's PMIx server first; not for MPI programs (see ezpz(1))" },
	{ O_VERBOSE, "-v|--verbose", NULL, NULL, "print one line per rank: host, ranks, GPU, CPUs" },
	{ O_TOPOLOGY, "--topology", "FILE.xml", "@file", "hardware for --cpu-bind auto (else this host)" },
	{ O_LABEL, "--label", NULL, NULL, "prefix each line of output with the rank and ': '" },
	{ O_REPORT, "--report", NULL, NULL,
	  "when CMD fails, say so on stderr: 'ezpz rankenv: rank N on HOST: exited with status S'" },
	{ O_LOG_DIR, "--log-dir", "DIR", "@dir", "also keep the rank's output in DIR/rank-N.log" },
	{ O_CONTAIN, "--contain", NULL, NULL,
	  "stay CMD's parent; when it ends, end what it left running (default under srun)" },
	{ O_NO_CONTAIN, "--no-contain", NULL, NULL, "exec CMD in place, even under srun" },
	{ 0 }
};

#define PORT_BASE 29500
#define PORT_SPAN 1000

struct rankenv {
	const char *gpu_bind, *cpu_bind, *topology;
	int verbose, pmix_first;
	struct rankwrap wrap;
	struct rankinfo ri;
	char *gpu_note, *cpu_note;
	struct topo topo;
	int have_topo;
};

static void
set(const char *k, const char *v)
{
	if (setenv(k, v, 1) < 0)
		die_errno("cannot set %s", k);
}

static void
setn(const char *k, long v)
{
	char buf[32];
	snprintf(buf, sizeof buf, "%ld", v);
	set(k, buf);
}

static const struct topo *
need_topo(struct rankenv *re)
{
	char *err = NULL;
	const char *xml = re->topology ? re->topology : env_nonempty(environ, "EZPZ_TOPOLOGY");
	struct hostcache hc;

	if (re->have_topo)
		return &re->topo;
	/* Every rank of a node asks: this host's facts come from the cache
	 * (one hwloc load per node and boot, not per rank). */
	if (xml == NULL) {
		hostcache_open(&hc, environ, 0);
		if (hostcache_take_topo(&hc, &re->topo) < 0) {
			if (topo_load(&re->topo, NULL, &err) < 0)
				die("rankenv: %s", err);
			hostcache_put_topo(&hc, &re->topo);
		}
		hostcache_free(&hc);
	} else if (topo_load(&re->topo, xml, &err) < 0) {
		die("rankenv: %s", err);
	}
	re->have_topo = 1;
	return &re->topo;
}

/*
 * Launcher variables first, PMIx only when none name the rank (or with
 * --pmix).  Measured with Open MPI 4.1.4 and PMIx 4.2.2, under mpirun and
 * srun --mpi=pmix: once any PMIx client has connected for a rank (finalized
 * or not, in this process or a forked one), the program's own PMIx_Init for
 * that rank finds no job data and MPI_Init fails ("getting local rank
 * failed").  Every program that is, or may become (mpi4py), an MPI program
 * must be the rank's only PMIx client.
 */
static void
rank_facts(struct rankenv *re)
{
	char *err = NULL;
	int r = 1;

	if (re->pmix_first && (r = pmix_rankinfo(&re->ri, environ, &err)) < 0)
		die("rankenv: %s", err);
	if (r == 1 && (r = rank_from_env(&re->ri, environ, &err)) < 0)
		die("rankenv: %s", err);
	if (r == 1 && !re->pmix_first) {
		rank_free(&re->ri);
		if ((r = pmix_rankinfo(&re->ri, environ, &err)) < 0)
			die("rankenv: %s", err);
		if (r == 1)
			(void)rank_from_env(&re->ri, environ, &err);   /* rank 0 of 1 */
	}
	if (rank_validate(&re->ri, &err) < 0)
		die("rankenv: %s", err);
	if (!startswith(re->ri.source, "env:RANK") && rank_check_env(&re->ri, environ, &err) < 0)
		die("rankenv: %s", err);
}

/* First host of the step, for MASTER_ADDR when no one set it. */
static char *
first_host(void)
{
	const char *var = "SLURM_STEP_NODELIST", *list = env_nonempty(environ, var);
	const char *nodefile = env_nonempty(environ, "PBS_NODEFILE");
	char *err = NULL, *h = NULL;

	if (list == NULL)
		list = env_nonempty(environ, var = "SLURM_JOB_NODELIST");
	/* Not the whole list: every rank of a 10,000-node step asks. */
	if (list && hostlist_first(list, &h, &err) < 0)
		die("rankenv: %s='%s': %s (a Slurm hostlist; set MASTER_ADDR to skip reading it)", var,
		    list, err);
	if (h == NULL && nodefile) {
		const char *why;
		char *text = read_file(nodefile, READ_MAX_HOSTFILE, NULL, &why);
		if (text) {
			char *t = strtrim(text);
			h = xstrndup(t, strcspn(t, " \t\r\n"));
			free(text);
		} else if (errno != ENOENT) {
			die("rankenv: PBS_NODEFILE '%s': %s", nodefile, why);
		}
	}
	free(err);
	return h;
}

static unsigned
hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void
export_master(struct rankenv *re)
{
	if (env_get(environ, "MASTER_ADDR") == NULL) {
		char *h = re->ri.master ? xstrdup(re->ri.master) : first_host();
		/* every rank on this host: loopback is rank 0's address */
		if (h == NULL && re->ri.local_size == re->ri.size)
			h = xstrdup("127.0.0.1");
		if (h == NULL)
			die("rankenv: MASTER_ADDR is not set and rank 0's host is unknown (%s gives no "
			    "host list); run under 'ezpz launch', set MASTER_ADDR, or try --pmix",
			    re->ri.source);
		set("MASTER_ADDR", h);
		free(h);
	}
	if (env_get(environ, "MASTER_PORT") == NULL) {
		/* Every rank derives the same port from the same job, with no talking. */
		const char *key = env_nonempty(environ, "PMIX_NAMESPACE");
		char *k = NULL;
		if (key == NULL && env_nonempty(environ, "SLURM_JOB_ID"))
			key = k = xasprintf("%s.%s", env_get(environ, "SLURM_JOB_ID"),
			    env_nonempty(environ, "SLURM_STEP_ID") ? env_get(environ, "SLURM_STEP_ID") : "");
		if (key == NULL)
			key = env_nonempty(environ, "PBS_JOBID");
		setn("MASTER_PORT", key ? PORT_BASE + (long)(hash(key) % PORT_SPAN) : PORT_BASE);
		free(k);
	}
}

static void
export_rank(struct rankenv *re)
{
	setn("RANK", re->ri.rank);
	setn("WORLD_SIZE", re->ri.size);
	setn("LOCAL_RANK", re->ri.local_rank);
	setn("LOCAL_WORLD_SIZE", re->ri.local_size);
	setn("NODE_RANK", re->ri.node_rank);
	setn("GROUP_RANK", re->ri.node_rank);
	export_master(re);
}

static int
env_int(const char *k, int dflt)
{
	const char *v = env_nonempty(environ, k), *why;
	long n;
	if (v == NULL)
		return dflt;
	if (parse_long(v, 0, 1 << 20, &n, &why) < 0)
		die("rankenv: %s='%s': %s", k, v, why);
	return (int)n;
}

static void
bind_gpu(struct rankenv *re)
{
	const char *vname = env_nonempty(environ, "EZPZ_GPU_VENDOR"), *var;
	enum vendor v = VENDOR_UNSET;
	int ngpus, have = -1;
	char *value = NULL, *err = NULL;

	if (!streq(re->gpu_bind, "per-rank"))
		return;
	if (vname && (v = vendor_parse(vname)) == VENDOR_UNSET)
		die("rankenv: EZPZ_GPU_VENDOR='%s': not a GPU vendor (use nvidia, amd, intel or none)",
		    vname);
	/* EZPZ_NGPU_PER_HOST is what launch counted: the devices shown, which
	 * may be fewer than the host's (have: only from the hardware). */
	ngpus = env_int("EZPZ_NGPU_PER_HOST", -1);
	if (v == VENDOR_UNSET || ngpus < 0) {
		const struct topo *t = need_topo(re);
		if (v == VENDOR_UNSET)
			v = t->vendor;
		if (ngpus < 0)
			ngpus = have = (int)t->ngpus;
	}
	if (rank_gpu_mask(v, ngpus, have, env_int("EZPZ_GPU_TILES", 0), re->ri.local_rank,
	    re->ri.local_size, environ, &var, &value, &err) < 0)
		die("rankenv: %s", err);
	set(var, value);
	re->gpu_note = xasprintf("%s=%s", var, value);
	free(value);
}

static int *
cpu_group(struct rankenv *re, size_t *n)
{
	const struct topo *t;
	struct bind_plan bp;
	struct jobctx c;
	const struct profile *p;
	int *pus = NULL;
	char *err = NULL, *host;
	long k;

	if (startswith(re->cpu_bind, "list:")) {
		/* More ranks than groups reuse the list from its start, as PALS
		 * and srun do. */
		int g = (int)(re->ri.local_rank % bind_list_ngroups(re->cpu_bind + 5));
		if ((k = bind_list_group(re->cpu_bind + 5, g, &pus)) < 0)
			die("rankenv: --cpu-bind '%s': group %d is not a list of CPU numbers", re->cpu_bind, g + 1);
		*n = (size_t)k;
		return pus;
	}
	t = need_topo(re);
	jobctx_init(&c, environ, NULL);          /* the profile names reserved cores */
	host = this_hostname(environ);
	p = profiles_match(&c.profiles, host, environ);
	if (bind_auto(t, (int)re->ri.local_size, p ? p->reserved_cores : NULL,
	    p ? p->nreserved : 0, &bp, &err) < 0)
		die("rankenv: --cpu-bind auto: %s", err);
	*n = bind_rank_pus(t, &bp, (int)re->ri.local_rank, &pus);
	bind_free(&bp);
	jobctx_free(&c);
	free(host);
	return pus;
}

/* Every group, in every rank: a malformed list is a usage error for all
 * of them, not only for the ranks whose group is bad. */
static void
check_cpu_list(const char *value)
{
	int ng = bind_list_ngroups(value + 5);
	for (int g = 0; g < ng; g++) {
		int *pus = NULL;
		if (bind_list_group(value + 5, g, &pus) < 0)
			die_usage("rankenv: --cpu-bind '%s': group %d is not a list of CPU numbers (0 to "
			    "%d) and ascending ranges", value, g + 1, BIND_CPU_MAX);
		free(pus);
	}
}

static void
bind_cpu(struct rankenv *re)
{
	size_t n;
	int *pus;
	char *err = NULL;

	if (re->cpu_bind == NULL || streq(re->cpu_bind, "none"))
		return;
	if (!streq(re->cpu_bind, "auto") && !startswith(re->cpu_bind, "list:"))
		die_usage("rankenv: --cpu-bind '%s': use none, auto or list:A:B...", re->cpu_bind);
	if (startswith(re->cpu_bind, "list:"))
		check_cpu_list(re->cpu_bind);
	pus = cpu_group(re, &n);
	if (topo_bind_self(pus, n, &err) < 0)
		die("rankenv: rank %ld: %s", re->ri.rank, err);
	re->cpu_note = bind_format_ranges(pus, n);
	free(pus);
}

static void
report(struct rankenv *re)
{
	char *host = this_hostname(environ), *cpus = re->cpu_note ? NULL : topo_get_binding();
	fprintf(stderr, "ezpz rankenv: host %s rank %ld/%ld local %ld/%ld node %ld gpu %s cpus %s "
	    "(%s)\n", host, re->ri.rank, re->ri.size, re->ri.local_rank, re->ri.local_size,
	    re->ri.node_rank, re->gpu_note ? re->gpu_note : "all", re->cpu_note ? re->cpu_note : cpus,
	    re->ri.source);
	free(cpus);
	free(host);
}

/* What rank_facts and the binding kept; exec'ing needs none of it, but
 * a rankenv that stays the command's parent exits, and leaks are checked. */
static void
rankenv_free(struct rankenv *re)
{
	rank_free(&re->ri);
	free(re->gpu_note);
	free(re->cpu_note);
	if (re->have_topo)
		topo_free(&re->topo);
}

static int
rankenv_run(int argc, char **argv)
{
	struct rankenv re = { 0 };
	struct optstate st;
	int o, e, contain = -1;

	re.gpu_bind = "none";
	opt_init(&st, "rankenv", argc, argv);
	while ((o = opt_next(&st, rankenv_opts)) != OPT_DONE) {
		switch (o) {
		case OPT_HELP: cmd_help_exit(&cmd_rankenv); break;
		case O_GPU_BIND:
			if (!streq(st.arg, "none") && !streq(st.arg, "per-rank"))
				die_usage("rankenv: --gpu-bind '%s': use none or per-rank", st.arg);
			re.gpu_bind = st.arg;
			break;
		case O_CPU_BIND: re.cpu_bind = st.arg; break;
		case O_PMIX: re.pmix_first = 1; break;
		case O_VERBOSE: re.verbose = 1; break;
		case O_TOPOLOGY: re.topology = st.arg; break;
		case O_LABEL: re.wrap.label = 1; break;
		case O_REPORT: re.wrap.report = 1; break;
		case O_LOG_DIR: re.wrap.log_dir = st.arg; break;
		case O_CONTAIN: contain = 1; break;
		case O_NO_CONTAIN: contain = 0; break;
		default: opt_unknown(&st);
		}
	}
	if (st.ind >= argc)
		die_usage("rankenv: no command given (usage: ezpz rankenv [OPTIONS] [--] CMD [ARGS...])");
	rank_facts(&re);
	export_rank(&re);
	bind_gpu(&re);
	bind_cpu(&re);
	if (re.verbose)
		report(&re);
	fflush(NULL);
	/*
	 * Under srun, what a rank leaves running when it ends is Slurm's to
	 * end, and only proctrack/cgroup finds a process whose parent died:
	 * with proctrack/linuxproc or pgid such an orphan goes to init and
	 * outlives the job step.  Staying its parent, as a subreaper, keeps
	 * it below us, and we end it.
	 */
	if (contain < 0)
		contain = env_get(environ, "SLURM_STEP_ID") != NULL;
	re.wrap.contain = contain;
	re.wrap.step_task = slurm_in_step(environ);
	if (re.wrap.label || re.wrap.report || re.wrap.log_dir || re.wrap.contain) {
		char *host = this_hostname(environ);
		re.wrap.rank = re.ri.rank;
		re.wrap.host = host;
		rankenv_free(&re);
		e = rankwrap_run(&re.wrap, argv + st.ind);
		free(host);
		return e;
	}
	execvp(argv[st.ind], argv + st.ind);
	return rankwrap_exec_failed(argv[st.ind], errno);
}

const struct ezpz_cmd cmd_rankenv = {
	.name = "rankenv",
	.summary = "inside a rank: set RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR... then run CMD",
	.usage = "[--gpu-bind none|per-rank] [--cpu-bind none|auto|list:...] [--pmix] [-v] [--] CMD [ARGS...]",
	.description =
	    "Run by 'ezpz launch' in front of every rank's command (or by hand under any\n"
	    "launcher).  Reads the rank's facts from its launcher's variables (PALS, Open\n"
	    "MPI, Hydra, Slurm, Flux, ...), else from the launcher's PMIx server, checks\n"
	    "them, exports RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, NODE_RANK,\n"
	    "GROUP_RANK, MASTER_ADDR and MASTER_PORT (values already set for the last two\n"
	    "win), and execs CMD, so torch.distributed's env:// works with no torchrun.",
	.opts = rankenv_opts,
	.run = rankenv_run,
};
