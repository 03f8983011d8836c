/* SPDX-License-Identifier: MIT */
/*
 * be_openmpi.c: Open MPI mpirun.  It does not forward the environment to
 * remote nodes by itself, so every variable ezpz adds, PATH and friends, the
 * caller's variables of plan_forward_prefixes, -x KEY and .ezpz_env's (all
 * in p->forward) go with -x on multi-host runs.  It rejects --cpu-bind: binding becomes
 * --bind-to / --map-by ...:PE=, and per-rank lists are applied by ezpz
 * rankenv inside each rank (see plan_rankenv).
 *
 * A killed mpirun leaves its session directory behind (Open MPI 4.1:
 * $TMPDIR/ompi.HOST.UID/pid.PID, with PMIx's shared-memory segments in
 * it); openmpi_cleanup removes it once mpirun is gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "plan.h"
#include "strvec.h"
#include "util.h"

/* Deeper than this is not Open MPI's (its session tree is 4 levels deep). */
#define SESSION_DEPTH_MAX 16

static void
openmpi_build(struct plan *p, const struct job *job)
{
	struct strvec *a = &p->launcher_argv;
	int remote = p->hostfile != NULL || job->hosts.n > 1;
	const char *bind = NULL;

	strvec_push(a, "mpirun");
	strvec_push(a, "-np");
	strvec_pushf(a, "%d", p->np);
	if (p->hostfile) {
		strvec_push(a, "--hostfile");
		strvec_push(a, p->hostfile);
	}
	if (p->oversubscribe)
		strvec_push(a, "--oversubscribe");
	if (p->bind.kind == BIND_DEPTH) {
		strvec_push(a, "--map-by");
		strvec_pushf(a, "ppr:%d:node:PE=%d", p->ppn, p->bind.depth);
	} else if (remote) {
		strvec_push(a, "--map-by");
		strvec_pushf(a, "ppr:%d:node", p->ppn);
	}
	switch (p->bind.kind) {
	case BIND_LIST: case BIND_NONE: bind = "none"; break;
	case BIND_DEPTH: case BIND_CORE: bind = "core"; break;
	case BIND_SOCKET: bind = "socket"; break;
	case BIND_NUMA: bind = "numa"; break;
	case BIND_NATIVE: bind = p->bind.native; break;
	default: break;
	}
	if (bind) {
		strvec_push(a, "--bind-to");
		strvec_push(a, bind);
	}
	for (size_t i = 0; remote && i < p->forward.n; i++) {
		strvec_push(a, "-x");
		strvec_push(a, p->forward.v[i]);
	}
}

static void
openmpi_per_host(struct strvec *a, int nhosts, const char *hostfile, const char *const *forward)
{
	strvec_push(a, "mpirun");
	strvec_push(a, "-np");
	strvec_pushf(a, "%d", nhosts);
	strvec_push(a, "--map-by");
	strvec_push(a, "ppr:1:node");
	strvec_push(a, "--bind-to");
	strvec_push(a, "none");
	if (hostfile) {
		strvec_push(a, "--hostfile");
		strvec_push(a, hostfile);
	}
	/* Open MPI passes no environment to remote hosts by itself. */
	for (; forward && *forward; forward++) {
		strvec_push(a, "-x");
		strvec_push(a, *forward);
	}
}

/*
 * Empty the directory open as dirfd (closed here), never following a
 * symlink or leaving the file system: symlinks are unlinked, not followed.
 * Returns 0, or -1 with errno from the first failure (the rest is still
 * tried).
 */
static int
empty_dir(int dirfd, dev_t dev, int depth)
{
	DIR *d = fdopendir(dirfd);
	struct dirent *e;
	int rc = 0, saved = 0;

	if (d == NULL) {
		close(dirfd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;
		int fd;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			goto failed;
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev != dev || depth >= SESSION_DEPTH_MAX) {
				errno = st.st_dev != dev ? EXDEV : ELOOP;
				goto failed;
			}
			fd = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd < 0 || empty_dir(fd, dev, depth + 1) < 0 ||
			    unlinkat(dirfd, e->d_name, AT_REMOVEDIR) < 0)
				goto failed;
		} else if (unlinkat(dirfd, e->d_name, 0) < 0) {
			goto failed;
		}
		continue;
failed:
		if (rc == 0)
			saved = errno;
		rc = -1;
	}
	closedir(d);
	errno = saved;
	return rc;
}

/*
 * Remove tmp/top/pid.PID (top: "ompi.HOST.UID") if it is a directory of
 * ours, then top if that left it empty.  Returns 1 if it removed one.
 */
static int
remove_session(const char *tmp, const char *top, pid_t pid)
{
	char name[32];
	struct stat st;
	int tfd, sfd, done = 0;

	snprintf(name, sizeof name, "pid.%ld", (long)pid);
	tfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tfd < 0)
		return 0;
	sfd = openat(tfd, top, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0 || fstat(sfd, &st) < 0 || st.st_uid != getuid()) {
		if (sfd >= 0)
			close(sfd);
		close(tfd);
		return 0;
	}
	if (fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == getuid()) {
		int fd = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat again;
		/* The one we checked, not one put in its place since. */
		if (fd >= 0 && fstat(fd, &again) == 0 && again.st_ino == st.st_ino &&
		    again.st_dev == st.st_dev) {
			if (empty_dir(fd, st.st_dev, 0) < 0 || unlinkat(sfd, name, AT_REMOVEDIR) < 0)
				warn("cannot remove Open MPI's session directory %s/%s/%s: %s", tmp, top,
				    name, strerror(errno));
			else
				done = 1;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	close(sfd);
	/* Only if empty: another mpirun of ours may be using it. */
	if (done)
		unlinkat(tfd, top, AT_REMOVEDIR);
	close(tfd);
	return done;
}

/*
 * Open MPI 4.1's session directory: the tmpdir is the MCA parameter
 * orte_tmpdir_base, else TMPDIR, TEMP, TMP, else /tmp (opal_tmp_directory);
 * the host is gethostname()'s up to its first '.' (unless
 * orte_keep_fqdn_hostnames, so the whole name is tried too); the uid getuid().
 */
static void
openmpi_cleanup(pid_t pid, char *const *envp)
{
	static const char *const vars[] = { "OMPI_MCA_orte_tmpdir_base", "TMPDIR", "TEMP", "TMP" };
	const char *tmp = "/tmp";
	char host[256], *top;
	char *dot;

	if (pid <= 0 || (kill(pid, 0) == 0 || errno != ESRCH))
		return;   /* not gone (or its pid already reused): leave it */
	for (size_t i = 0; i < NITEMS(vars); i++) {
		const char *v = env_get(envp, vars[i]);
		if (v && *v) {
			tmp = v;
			break;
		}
	}
	if (gethostname(host, sizeof host) < 0)
		return;
	host[sizeof host - 1] = '\0';
	dot = strchr(host, '.');
	top = xasprintf("ompi.%.*s.%lu", (int)(dot ? (size_t)(dot - host) : strlen(host)), host,
	    (unsigned long)getuid());
	if (!remove_session(tmp, top, pid) && dot) {
		free(top);
		top = xasprintf("ompi.%s.%lu", host, (unsigned long)getuid());
		remove_session(tmp, top, pid);
	}
	free(top);
}

/* Its text wins over the others' (tried first). */
static const char *const openmpi_marks[] = { "Open MPI", "OpenRTE", "Open RTE", NULL };

static const char *const openmpi_aliases[] = { "mpiexec.openmpi", "mpirun.openmpi", NULL };

const struct backend be_openmpi = {
	.id = LAUNCHER_OPENMPI, .name = "openmpi", .exe = "mpirun", .probe = 1,
	.aliases = openmpi_aliases,
	.version_marks = openmpi_marks, .version_rank = 1,
	.env_flag = "-x VAR for each variable", .build = openmpi_build,
	.per_host = openmpi_per_host, .cleanup = openmpi_cleanup,
};
