/* SPDX-License-Identifier: MIT */
/*
 * doctor.h: `ezpz doctor`'s checks.  The edge (cmd_doctor.c) gathers facts
 * into struct doc_facts: the detected job, files, probe outputs, limits.
 * Each check is a pure function of those facts, so every verdict is a unit
 * test with fixture facts (tests/unit/test_doctor.c).
 */
#ifndef EZPZ_DOCTOR_H
#define EZPZ_DOCTOR_H

#include <stddef.h>

#include "hostcache.h"
#include "job.h"
#include "profile.h"
#include "rank.h"
#include "setupenv.h"
#include "strvec.h"
#include "topo.h"

enum doc_status { DOC_OK, DOC_WARN, DOC_ERROR };

struct doc_check {
	char *name;
	enum doc_status status;
	char *message;            /* one line */
	char *remedy;             /* one line; NULL when ok */
};

struct doc_report {
	struct doc_check *v;
	size_t n, alloc;
};

/* A command doctor ran: status -1 when it could not start (or was not run). */
struct doc_probe {
	int status;               /* exit status; 128+9 when killed at its timeout */
	const char *out;          /* stdout and stderr, or NULL */
};

/* Limits: DOC_UNLIMITED for RLIM_INFINITY, -1 when unknown. */
#define DOC_UNLIMITED (-2LL)

struct doc_facts {
	char *const *envp;
	const char *hostname;

	/* Machine profiles: every load error, and how many loaded. */
	const struct strvec *profile_errs;
	size_t nprofiles;

	/* The job `ezpz launch` would use (NULL with job_err when detection
	 * failed), and the scheduler's own view with HOSTFILE ignored. */
	const struct job *job;
	const char *job_err;
	const struct job *sched_job;
	const char *sched_err;
	/* Where each detection stopped (JOB_AT_DONE: it did not): its error
	 * goes under that fact's check (profile, hostfile, gpus, launcher). */
	enum job_stage job_at, sched_at;
	const char *nodefile_err;     /* PBS_NODEFILE set but unreadable: why */

	/* A hostfile given by --hostfile or HOSTFILE: its hosts, or (only)
	 * why it cannot be read or parsed. */
	const char *hostfile_path;
	int hostfile_option;          /* it came from --hostfile */
	const struct hostset *hostfile_hosts;
	const char *hostfile_err;

	/* The launcher's --version output (job->launcher_path). */
	struct doc_probe launcher_version;
	/* In a PBS job with Open MPI: the rsh agent ezpz gives mpirun
	 * (launch_pbs_rsh_agent), or NULL. */
	const char *pbs_rsh_agent;

	/* The test worker (NULL: not installed) and its --mpi-library output:
	 * the MPI library it runs with, and how it was built. */
	const char *worker;
	struct doc_probe worker_mpi;

	/* MPI library: one found in LD_LIBRARY_PATH or next to the launcher
	 * (and where), else what `ldconfig -p` lists. */
	const char *mpi_lib, *mpi_lib_from;
	struct doc_probe ldconfig;

	/* PMIx: only inside a launch (a PMIX_RANK or PMIX_NAMESPACE variable). */
	int pmix_rc;                  /* pmix_rankinfo: 0 ok, 1 no server, -1 bad data */
	const char *pmix_err;
	const struct rankinfo *pmix;

	/* This host's hardware (NULL with topo_err). */
	const struct topo *topo;
	const char *topo_err;
	/* This host's facts between runs (NULL: not used, e.g. an XML file). */
	const struct hostcache *cache;

	/* Modules: the module system setup-env would use (modsys_detect), and
	 * `module -t list` in a non-login bash (status 3: not defined there). */
	const struct modsys *modsys;
	struct doc_probe module;

	/* Python: setup-env's post-condition (setupenv_python_check), then
	 * python3 asked for its version, then `import torch`. */
	const struct pycheck *py;
	struct doc_probe python;
	const char *python_version;   /* "3.11.2", or NULL */
	struct doc_probe torch;

	/* Limits: bytes of locked memory, open files (soft, hard), /dev/shm
	 * size in bytes (-1: no /dev/shm); an RDMA device present. */
	long long memlock, nofile, nofile_max, shm_bytes;
	int rdma;
};

/* Status 3 from the module probe: 'module' is not defined in that shell. */
#define DOC_MODULE_UNDEFINED 3
/* How long the torch probe may take (an import from a parallel FS is slow). */
#define DOC_TORCH_TIMEOUT_MS 60000
#define DOC_PROBE_TIMEOUT_MS 10000

/* Every check, in order. */
void doctor_run(struct doc_report *r, const struct doc_facts *f);
/* One check by name; returns -1 for an unknown name. */
int doctor_check(const char *name, const struct doc_facts *f, struct doc_check *out);
/* 1 if any check is an error, else 0. */
int doctor_exit_status(const struct doc_report *r);
const char *doc_status_name(enum doc_status s);
void doc_check_free(struct doc_check *c);
void doc_report_free(struct doc_report *r);

/* The flag that makes this launcher pass the environment to every rank. */
const char *launcher_env_flag(enum launcher l);

#endif
