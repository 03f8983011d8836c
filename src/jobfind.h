/* SPDX-License-Identifier: MIT */
/*
 * jobfind.h: the job of a shell that has none of the job's variables.  On a
 * node of a running job (ssh from the head node, an editor's remote shell, a
 * login shell) there is no PBS_JOBID or SLURM_JOB_ID, so the scheduler is
 * asked for this user's running jobs on this host: PBS with qselect and
 * qstat -f (its JSON, else its text), Slurm with squeue.  Pure: the
 * questions go out through job_io's query (bounded in time and cached, in
 * jobio.c) and the answers are read here, so every case is a unit test on
 * canned output.
 */
#ifndef EZPZ_JOBFIND_H
#define EZPZ_JOBFIND_H

#include <stddef.h>

#include "hostfile.h"
#include "job.h"
#include "strvec.h"
#include "types.h"

/* More running jobs than this of one user are not looked at. */
#define JOBFIND_MAX_JOBS 1000
/* Up to this many, each job is described by its own qstat -f -F json (one
 * qstat prints only the first of several ids as JSON); more, by one
 * qstat -f in text. */
#define JOBFIND_JSON_MAX 8

/* One running job of the user's on this host, as its scheduler describes it. */
struct found_job {
	enum sched sched;
	char *id;                 /* the scheduler's full id: "12.pbsn1", "20[3].pbsn1", "345" */
	struct hostset hosts;     /* in the job's order, with slots */
	int ngpu_per_host;        /* Slurm: the job's GPUs per node (tres-per-node); -1 unknown */
	int cpus_per_host;        /* Slurm: CPUs per node when even; 0 unknown */
	char *source;             /* "a running job of root on pbsn2", once chosen */
};

struct found_jobs {
	struct found_job *v;
	size_t n, alloc;
};

/* What asking found. */
struct jobfind {
	struct found_job *job;    /* the job of this shell, or NULL */
	char *how;                /* what chose it among several: "option:--job", "env:EZPZ_JOBID"; or NULL */
	char *note;               /* when no job: why (what each scheduler said); NULL when none was asked */
	int failed;               /* a scheduler could not be asked, or did not answer */
};

/*
 * Ask the schedulers whose commands are on PATH (only sched's when it is
 * not SCHED_UNSET) for user's running jobs on hostname.  want is the job
 * asked for (--job, else EZPZ_JOBID; NULL for none), want_how where it came
 * from ("option:--job" or "env:EZPZ_JOBID").  Returns 0 with jf filled (no
 * job is not an error), or -1 with *err malloc'd when the choice is the
 * user's to make (several jobs here), or -2 when --job names none of them.
 */
int jobfind_run(struct jobfind *jf, enum sched sched, const char *hostname, const char *want,
    const char *want_how, const struct job_io *io, char **err);
void jobfind_free(struct jobfind *jf);
void found_job_free(struct found_job *j);
void found_jobs_free(struct found_jobs *js);

/* Is id this job?  PBS ids compare up to the first '.' ("12" is "12.pbsn1"). */
int found_job_is(const struct found_job *j, const char *id);

/*
 * The readers, public for the unit tests.  Each appends the jobs of user
 * (PBS: the user part of Job_Owner) running on host (short names, any
 * case) to js; returns 0, or -1 with *err a malloc'd reason when the text
 * is not what that command prints.
 */
/* squeue -h -O JobID:|,StateCompact:|,NumNodes:|,NumCPUs:|,NumTasks:|,NTPerNode:|,tres-per-node:|,NodeList:| */
int jobfind_read_squeue(const char *out, const char *host, struct found_jobs *js, char **err);
/* qstat -f -F json */
int jobfind_read_qstat_json(const char *out, const char *host, const char *user,
    struct found_jobs *js, char **err);
/* qstat -f */
int jobfind_read_qstat_text(const char *out, const char *host, const char *user,
    struct found_jobs *js, char **err);
/* qselect: one job id a line; appends them to ids (at most JOBFIND_MAX_JOBS). */
void jobfind_read_qselect(const char *out, struct strvec *ids);

/* One job of `qstat -f`, the attributes job finding reads (json.c fills it). */
struct qstat_job {
	char *id, *owner, *state, *exec_host, *select;
};
struct qstat_jobs {
	struct qstat_job *v;
	size_t n, alloc;
};
void qstat_jobs_free(struct qstat_jobs *q);

/*
 * GPUs per node in one of Slurm's GPU strings: a count ("4"), a request
 * ("a100:4", "gpu:a100:2,gpu:v100:1", "4(IDX:0-3)") or squeue's
 * tres-per-node ("gres/gpu:a100:2,gres/gpu:v100:1", "gres:gpu:4",
 * "gres/gpu=4"): the sum over its GPU items, other resources (gres/shard)
 * skipped; a typed and an untyped item naming the same GPUs count once
 * (the larger).  tres: squeue's string, where an item that names no gres
 * or gpu (cpu=2) is another resource; else a variable's, where "a100:4" is
 * a GPU type.  Returns 0, or -1 when an item has no count or none is a GPU.
 */
int slurm_gpus_count(const char *v, int tres, long *n);

#endif
