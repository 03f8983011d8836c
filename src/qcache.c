/* SPDX-License-Identifier: MIT */
/*
 * qcache.c: see qcache.h.  A file holds one answer:
 *
 *   ezpz-qcache 1 STATUS TIMEOUT KEYLEN OUTLEN ERRLEN\n KEY OUT ERR
 *
 * KEY (the command's path, its arguments and the variables that choose the
 * scheduler's server) is compared whole, so a hash collision in the file
 * name or a file from another question is a miss.  Its age is its mtime,
 * which the rename of a fresh file sets; one from the future is a miss too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "qcache.h"
#include "strvec.h"
#include "util.h"

#define QCACHE_MAGIC "ezpz-qcache 1"

static int
private_dir(const char *dir)
{
	struct stat st;
	return lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    (st.st_mode & 077) == 0;
}

/*
 * $XDG_RUNTIME_DIR/ezpz (a per-user tmpfs where there is one), else the
 * user's cache directory ($XDG_CACHE_HOME/ezpz or ~/.cache/ezpz, where the
 * host facts are kept too), else ${TMPDIR:-/tmp}/ezpz-UID.  A run's TMPDIR
 * comes last: a job's TMPDIR is removed with the job, and nothing ezpz keeps
 * for later should be left among a run's temporary files.
 */
static char *
qcache_base(char *const *envp)
{
	const char *run = env_nonempty(envp, "XDG_RUNTIME_DIR");
	const char *cache = env_nonempty(envp, "XDG_CACHE_HOME");
	const char *home = env_nonempty(envp, "HOME");
	const char *tmp = env_nonempty(envp, "TMPDIR");
	char *dot;

	if (run && run[0] == '/')
		return xasprintf("%s/ezpz", run);
	if (cache && cache[0] == '/')
		return xasprintf("%s/ezpz", cache);
	if (home && home[0] == '/') {
		dot = xasprintf("%s/.cache", home);
		if (mkdir(dot, 0700) == 0 || errno == EEXIST) {
			free(dot);
			return xasprintf("%s/.cache/ezpz", home);
		}
		free(dot);
	}
	return xasprintf("%s/ezpz-%lu", tmp && tmp[0] == '/' ? tmp : "/tmp",
	    (unsigned long)geteuid());
}

char *
qcache_dir(char *const *envp)
{
	char *dir = qcache_base(envp);

	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	if (!private_dir(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

static char *
file_of(const char *dir, const char *key)
{
	unsigned long long h = 1469598103934665603ULL;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return xasprintf("%s/q-%016llx", dir, h);
}

/*
 * How far in the future a file's time may be and still count as written
 * now: the kernel stamps files from a clock that can be a tick ahead of
 * time(2)'s at a second's edge (a file written at once read as from the
 * future), and a home on NFS takes the server's clock.  Beyond it, a clock
 * was set back: the file's age cannot be known.
 */
#define QCACHE_SKEW_S 5

/* The whole file, if it is a regular file of ours that nobody else can
 * write, not older than ttl_s; *age its age. */
static char *
load_own(const char *path, int ttl_s, size_t *len, int *age)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;
	time_t now = time(NULL);
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) || st.st_size > QCACHE_MAX_BYTES + 4096 ||
	    st.st_mtime > now + QCACHE_SKEW_S || now - st.st_mtime >= ttl_s)
		goto out;
	buf = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got != (size_t)st.st_size) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[got] = '\0';
	*len = got;
	*age = st.st_mtime > now ? 0 : (int)(now - st.st_mtime);
out:
	close(fd);
	return buf;
}

int
qcache_load(const char *dir, const char *key, int ttl_s, struct query_answer *a)
{
	char *path = file_of(dir, key), *buf;
	size_t len = 0, klen, olen, elen;
	int status, timeout, age = 0, hdr = 0;

	buf = load_own(path, ttl_s, &len, &age);
	free(path);
	if (buf == NULL)
		return 0;
	if (sscanf(buf, QCACHE_MAGIC " %d %d %zu %zu %zu\n%n", &status, &timeout, &klen, &olen,
	    &elen, &hdr) != 5 || hdr == 0 || klen > len || olen > len || elen > len ||
	    (size_t)hdr + klen + olen + elen != len || klen != strlen(key) ||
	    memcmp(buf + hdr, key, klen) != 0 || status < QUERY_TIMEOUT || status > 255 ||
	    memchr(buf + hdr + klen, '\0', olen + elen) != NULL) {
		free(buf);
		return 0;
	}
	a->status = status;
	a->timeout_s = timeout;
	a->out = xstrndup(buf + hdr + klen, olen);
	a->err = xstrndup(buf + hdr + klen + olen, elen);
	a->age_s = age;
	free(buf);
	return 1;
}

static int
write_all_fd(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void
qcache_store(const char *dir, const char *key, const struct query_answer *a)
{
	const char *out = a->out ? a->out : "", *err = a->err ? a->err : "";
	size_t olen = strlen(out), elen = strlen(err);
	char *path, *tmp, *hdr;
	int fd, bad;

	if (a->status == QUERY_NOT_RUN || olen + elen > QCACHE_MAX_BYTES)
		return;
	tmp = xasprintf("%s/.q-XXXXXX", dir);
	if ((fd = mkstemp(tmp)) < 0) {
		free(tmp);
		return;
	}
	hdr = xasprintf(QCACHE_MAGIC " %d %d %zu %zu %zu\n", a->status, a->timeout_s, strlen(key),
	    olen, elen);
	bad = write_all_fd(fd, hdr, strlen(hdr)) < 0 || write_all_fd(fd, key, strlen(key)) < 0 ||
	    write_all_fd(fd, out, olen) < 0 || write_all_fd(fd, err, elen) < 0;
	bad |= close(fd) < 0;
	path = file_of(dir, key);
	if (bad || rename(tmp, path) < 0)
		unlink(tmp);
	free(path);
	free(hdr);
	free(tmp);
}
