/* SPDX-License-Identifier: MIT */
/*
 * job.h: the job ezpz is in — scheduler, job id, machine, hosts, GPUs per
 * host, hostfile, launcher flavour — and where each fact came from.
 * Detection is pure: the environment, profiles and options come in as
 * arguments, and every file read, command run or topology load goes through
 * struct job_io, which tests replace.
 */
#ifndef EZPZ_JOB_H
#define EZPZ_JOB_H

#include <stddef.h>

#include "hostfile.h"
#include "profile.h"
#include "source.h"
#include "strvec.h"
#include "topo.h"
#include "types.h"

/* What a scheduler said when asked (job_io's query). */
struct query_answer {
	int status;                /* exit status, or QUERY_NOT_RUN, QUERY_TIMEOUT */
	char *out;                 /* stdout (NULL when not run) */
	char *err;                 /* stderr, or why it could not run */
	int timeout_s;             /* the time it was given */
	int age_s;                 /* from the cache: seconds since it was asked; else -1 */
};
#define QUERY_NOT_RUN (-1)
#define QUERY_TIMEOUT (-2)

/* The edge: everything detection may need from the outside world. */
struct job_io {
	void *ctx;
	/* Whole regular file of at most max bytes, NUL-terminated; NULL on
	 * failure with *why set, as read_file() in util.h. */
	char *(*read)(void *ctx, const char *path, size_t max, size_t *len, const char **why);
	/* Run argv (no shell); stdout+stderr in *out. Exit status, or -1 if
	 * it could not be started. */
	int (*run)(void *ctx, char *const *argv, char **out);
	/* Executable name on PATH, as a malloc'd path, or NULL. */
	char *(*which)(void *ctx, const char *name);
	/* This host's topology, loaded at most once; NULL with *err set. */
	const struct topo *(*topo)(void *ctx, char **err);
	/*
	 * Ask the scheduler (qstat, squeue): argv in a process group of its
	 * own, bounded in time, the whole group killed at the end; answered
	 * from a short-lived per-user cache when the same question was asked
	 * moments ago.  NULL: asking is not possible here (then no job is
	 * looked for).  The caller frees a->out and a->err.
	 */
	void (*query)(void *ctx, char *const *argv, struct query_answer *a);
	/* The login name of the user ezpz runs as; malloc'd, or NULL. */
	char *(*user)(void *ctx);
	/* The host name of an address ("10.1.2.3"), malloc'd, or NULL when
	 * it has none (or this edge cannot say: may be NULL itself). */
	char *(*resolve)(void *ctx, const char *addr);
	/* Whether anything (a file, a directory) is at path: a launcher named
	 * by path that cannot run is 126 when it is there, 127 when not.  May
	 * be NULL (then nothing is). */
	int (*present)(void *ctx, const char *path);
};

struct job_opts {
	const char *hostfile;    /* --hostfile */
	const char *machine;     /* --machine */
	const char *launcher;    /* --launcher */
	const char *srun_mpi;    /* --srun-mpi */
	int no_cache;            /* --no-cache */
	const char *job;         /* --job: which of the user's jobs on this host */
};

/* Where each fact came from ({SRC_ENV, "PBS_JOBID"}, {SRC_HWLOC, ""}, ...). */
struct job_sources {
	struct fact_src scheduler, jobid, machine, hosts, hostfile;
	struct fact_src ngpu_per_host, gpu_vendor, launcher;
};

struct job {
	enum sched sched;
	char *jobid;               /* short id (PBS: before the first '.'); NULL outside a job */
	char *hostname;            /* this host */
	char *machine;             /* profile name; "generic" when none matched */
	const struct profile *profile;   /* may be NULL when no profiles are installed */
	struct hostset hosts;      /* unique, in order, with slot counts */
	struct hostset sched_hosts;   /* the scheduler's, when a hostfile replaced them under
	                               * srun: job_srun_rank0_host */
	char *hostfile;            /* file the hosts came from, or NULL */
	int ngpu_per_host;
	int sched_gpus;            /* GPUs per host the scheduler gave the job (Slurm); 0 none
	                            * or unknown: srun then asks for none */
	enum vendor gpu_vendor;
	int gpu_tiles;             /* tiles per GPU from the profile; 0 when none */
	enum launcher launcher;    /* LAUNCHER_NONE when none was found */
	char *launcher_path;       /* where it was found on PATH, or NULL */
	int launcher_exact;        /* run launcher_path itself (found under another name, or
	                            * given as a path), not the flavour's program on PATH */
	char *launcher_note;       /* a launcher skipped or overridden, and why; or NULL */
	char *srun_mpi;            /* srun: the --mpi value to add, or NULL (srun's own choice) */
	char *srun_mpi_why;        /* srun: why, one line; or NULL */
	char *stale_note;          /* why exported facts were ignored, or NULL */
	struct strvec warnings;    /* input detection ignored, one line each ("VAR='x': ...") */
	int cpus_per_host;         /* CPUs the allocation gives each host (Slurm); 0 unknown */
	/* Found by asking the scheduler (no job variables here): the job as it
	 * described it; NULL otherwise.  See jobfind.h. */
	struct found_job *found;
	char *find_note;           /* no job found although asked: why; else NULL */
	int find_failed;           /* ... because a scheduler did not answer */
	struct job_sources src;
};

/*
 * Detect the job.  envp is the environment to read, hostname this host's
 * name.  Returns 0, or -1 with *err malloc'd ("PBS_NODEFILE '...': ..."),
 * or -2 when an option's value was the problem (a usage error, exit 2),
 * JOB_NO_LAUNCHER when the launcher named by path is not there (exit 127)
 * and JOB_LAUNCHER_NOEXEC when it is there but cannot run (exit 126).
 */
enum { JOB_NO_LAUNCHER = -3, JOB_LAUNCHER_NOEXEC = -4 };
int job_detect(struct job *job, char *const *envp, const char *hostname,
    const struct profiles *ps, const struct job_opts *o, const struct job_io *io,
    char **err);
/* The same, saying in *at which fact stopped a failed detection (doctor
 * files the error under that fact's check). */
enum job_stage { JOB_AT_SCHED, JOB_AT_MACHINE, JOB_AT_HOSTFILE, JOB_AT_GPUS, JOB_AT_LAUNCHER,
	JOB_AT_DONE };
int job_detect_at(struct job *job, char *const *envp, const char *hostname,
    const struct profiles *ps, const struct job_opts *o, const struct job_io *io,
    char **err, enum job_stage *at);
void job_free(struct job *job);

/*
 * The job's facts as the variables `ezpz info --shell` and `ezpz setup-env`
 * export ("KEY=VALUE"): NHOSTS, NGPU_PER_HOST, NGPUS, HOSTFILE (when there
 * is one), EZPZ_JOBID, EZPZ_SCHEDULER, EZPZ_MACHINE, EZPZ_HOSTS (a compressed
 * hostlist), EZPZ_GPU_VENDOR, EZPZ_LAUNCHER (when there is one).  absent
 * (may be NULL) gets the names of those this job does not have (HOSTFILE,
 * EZPZ_LAUNCHER), which the exporters unset: left over from another job,
 * they would describe that job under this one's EZPZ_JOBID.
 */
void job_facts_env(const struct job *job, struct strvec *env, struct strvec *absent);

/* Is this host one of the job's hosts (short names compared)? */
int job_has_host(const struct job *job, const char *hostname);
/* "x4105c0s4b0n0.hostmgmt..." -> length of "x4105c0s4b0n0". */
size_t host_short_len(const char *host);

/*
 * Schedulers: small vtables (one file each).  detect() returns a confidence
 * (0: not this one) and names the variable that says so (*evidence stays
 * NULL when none does); read() fills jobid and hosts.
 */
struct sched_ops {
	enum sched id;
	int (*detect)(char *const *envp, const char **evidence);
	int (*read)(struct job *job, char *const *envp, const struct job_io *io, char **err);
};

extern const struct sched_ops sched_pbs, sched_slurm, sched_flux, sched_lsf, sched_local;

/* Helpers the scheduler files share. */
int job_hosts_from_text(struct job *job, const char *text, const char *path, char **err);
/*
 * Where srun starts rank 0 on the first n of the job's hosts: the one that
 * comes first in the allocation's order, whatever the order srun is given
 * them in (a hostfile's); with no hostfile, the first.
 */
const char *job_srun_rank0_host(const struct job *job, int n);

#endif
