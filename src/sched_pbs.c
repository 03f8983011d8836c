/* SPDX-License-Identifier: MIT */
/*
 * sched_pbs.c: PBS Pro / OpenPBS jobs (ALCF Aurora, Polaris, Sunspot).
 * Hosts come from $PBS_NODEFILE, else the job's file in the PBS spool
 * ($PBS_HOME, else PBS_HOME in pbs.conf, default /var/spool/pbs;
 * aux/<PBS_JOBID>), and only as a last resort from qstat: compute nodes
 * often lack qstat, and a missing qstat must never break a job whose
 * nodefile is right there.  A job found by asking qstat (no PBS_JOBID in
 * this shell, see jobfind.c) reads the same spool file, else the hosts
 * qstat named.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "job.h"
#include "jobfind.h"
#include "util.h"

static int
pbs_detect(char *const *envp, const char **evidence)
{
	if (env_nonempty(envp, "PBS_JOBID")) {
		*evidence = "PBS_JOBID";
		return 90;
	}
	return 0;
}

static int
pbs_hosts_from_file(struct job *job, const struct job_io *io, const char *path,
    enum src_kind how, const char *howname, struct strvec *tried, char **err)
{
	const char *why;
	char *text = io->read(io->ctx, path, READ_MAX_HOSTFILE, NULL, &why);
	if (text == NULL) {
		char *h = src_format(how, howname, NULL);
		strvec_pushf(tried, "%s '%s': %s", h, path, why);
		free(h);
		return 0;
	}
	if (job_hosts_from_text(job, text, path, err) < 0) {
		free(text);
		return -1;
	}
	free(text);
	job->hostfile = xstrdup(path);
	src_set(&job->src.hosts, how, "%s", howname);
	src_set(&job->src.hostfile, how, "%s", howname);
	return 1;
}

/*
 * qstat -f prints "exec_host = x1/0*64+x2/0*64", folding long values onto
 * continuation lines that start with a tab.  Take the hosts before each '/'.
 */
static int
pbs_hosts_from_qstat(struct job *job, const char *out)
{
	const char *p = strstr(out, "exec_host = ");
	char *val, *q, *tok, *save = NULL;
	size_t n = 0;

	if (p == NULL)
		return 0;
	p += strlen("exec_host = ");
	val = xmalloc(strlen(p) + 1);
	while (*p) {
		if (*p == '\n' && p[1] == '\t') {
			p += 2;
			continue;
		}
		if (*p == '\n')
			break;
		val[n++] = *p++;
	}
	val[n] = '\0';
	for (tok = strtok_r(val, "+", &save); tok; tok = strtok_r(NULL, "+", &save)) {
		if ((q = strchr(tok, '/')) != NULL)
			*q = '\0';
		tok = strtrim(tok);
		if (*tok)
			hostset_add(&job->hosts, tok, 1);
	}
	free(val);
	return job->hosts.n > 0;
}

/*
 * PBS_HOME: the variable, else the PBS_HOME line of pbs.conf (PBS_CONF_FILE,
 * default /etc/pbs.conf: a shell outside the job has only that), else
 * PBS's default.
 */
static char *
pbs_home(char *const *envp, const struct job_io *io)
{
	const char *home = env_nonempty(envp, "PBS_HOME");
	const char *conf = env_nonempty(envp, "PBS_CONF_FILE");
	char *text, *line, *save = NULL, *found = NULL;
	const char *why;

	if (home)
		return xstrdup(home);
	if ((text = io->read(io->ctx, conf ? conf : "/etc/pbs.conf", READ_MAX_PROFILE, NULL, &why)) != NULL) {
		for (line = strtok_r(text, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save))
			if (startswith(strtrim(line), "PBS_HOME=") && *strtrim(line + 9))
				found = xstrdup(strtrim(line + 9));
		free(text);
	}
	return found ? found : xstrdup("/var/spool/pbs");
}

static int
pbs_read(struct job *job, char *const *envp, const struct job_io *io, char **err)
{
	const char *env_id = env_nonempty(envp, "PBS_JOBID");
	const char *id = env_id ? env_id : job->found ? job->found->id : NULL;
	const char *nodefile = env_nonempty(envp, "PBS_NODEFILE");
	struct strvec tried = STRVEC_INIT;
	int r = 0;

	/* "123.server", "20[3].server": a name before the dot, no path */
	if (env_id && (strcspn(env_id, ".") == 0 || strchr(env_id, '/') != NULL)) {
		*err = xasprintf("PBS_JOBID='%s': not a PBS job id (want NUMBER.SERVER, as qsub "
		    "prints; unset it outside a PBS job)", env_id);
		return -1;
	}
	if (id) {
		job->jobid = xstrndup(id, strcspn(id, "."));
		if (env_id)
			src_set(&job->src.jobid, SRC_ENV, "PBS_JOBID");
	}
	if (nodefile)
		r = pbs_hosts_from_file(job, io, nodefile, SRC_ENV, "PBS_NODEFILE", &tried, err);
	if (r == 0 && id) {
		char *home = pbs_home(envp, io), *aux = xasprintf("%s/aux/%s", home, id);
		r = pbs_hosts_from_file(job, io, aux, SRC_OTHER, "pbs spool", &tried, err);
		free(aux);
		free(home);
	}
	if (r == 0 && !env_id && job->found) {
		for (size_t i = 0; i < job->found->hosts.n; i++)
			hostset_add(&job->hosts, job->found->hosts.v[i].name, job->found->hosts.v[i].slots);
		src_set(&job->src.hosts, SRC_OTHER, "qstat");
		r = 1;
	}
	if (r == 0 && id) {
		char *qstat = io->which(io->ctx, "qstat"), *out = NULL;
		char *argv[] = { qstat, "-f", (char *)id, NULL };
		if (qstat == NULL)
			strvec_push(&tried, "qstat: not found on PATH");
		else if (io->run(io->ctx, argv, &out) != 0 || !pbs_hosts_from_qstat(job, out))
			strvec_pushf(&tried, "'qstat -f %s' gave no exec_host", id);
		else
			src_set(&job->src.hosts, SRC_OTHER, "qstat");
		free(qstat);
		free(out);
		r = job->hosts.n > 0;
	}
	if (r == 0) {
		char *list = xstrdup("");
		for (size_t i = 0; i < tried.n; i++) {
			char *l = xasprintf("%s%s%s", list, i ? "; " : "", tried.v[i]);
			free(list);
			list = l;
		}
		*err = xasprintf("pbs job %s: cannot find its hosts (%s%s%s); set PBS_NODEFILE or pass "
		    "--hostfile", id ? id : "(no PBS_JOBID)", *list ? list : "PBS_NODEFILE is not set",
		    job->find_note ? "; " : "", job->find_note ? job->find_note : "");
		free(list);
		r = -1;
	}
	strvec_clear(&tried);
	return r < 0 ? -1 : 0;
}

const struct sched_ops sched_pbs = { SCHED_PBS, pbs_detect, pbs_read };
