/* SPDX-License-Identifier: MIT */
/*
 * main.c: ezpz-yeet-worker, the MPI program behind 'ezpz yeet', one rank
 * per host.  Rank 0 alone reads the source (a directory tree or one file)
 * from the shared file system and broadcasts it: first the list of
 * entries, then each file's bytes in chunks, then its checksums.  Every
 * rank writes into a temporary sibling of its destination, checks what it
 * wrote against rank 0's sizes, modes, link targets and checksums, and
 * only then renames it into place (swapping with an older copy), so a
 * full or read-only destination leaves nothing behind.  Rank 0 gathers a
 * line per host and decides the verdict (--min-success); every rank exits
 * with it: 0 enough hosts ok, 1 not, 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <mpi.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../path.h"

#define WORKER "ezpz-yeet-worker"
#define CHUNK (8u << 20)          /* bytes per broadcast; a multiple of 32 */
#define MSG_MAX 256
#define HOST_MAX 64
#define ENTRIES_MAX (1l << 24)
#define MARK ".ezpz-yeet"     /* in every copy of a directory: what check_dest allows */

enum { T_DIR = 'd', T_FILE = 'f', T_LINK = 'l' };

struct entry {
	int type;
	unsigned mode;
	long long size;
	long long mtime_s, mtime_ns;
	char *path;       /* relative to the root; "" is the root itself */
	char *target;     /* T_LINK */
	uint64_t sum;     /* T_FILE, from rank 0 */
};

struct list {
	struct entry *e;
	size_t n, alloc;
};

/* Per host, gathered by rank 0: fixed size, so one MPI_Gather of bytes. */
struct report {
	char host[HOST_MAX];
	int ok;
	long long bytes, files;
	double seconds;
	char msg[MSG_MAX];
};

static int rank, nranks;

static void
msg0(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, WORKER ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void *
xalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL) {
		msg0("out of memory");
		MPI_Abort(MPI_COMM_WORLD, 1);
	}
	return p;
}

static char *
xdup(const char *s)
{
	return strcpy(xalloc(strlen(s) + 1), s);
}

/* ---- the checksum: 64 bits, four lanes of 8 bytes (not cryptographic) -- */

#define K1 0x9e3779b97f4a7c15ull

struct sum {
	uint64_t h[4], len;
};

static void
sum_init(struct sum *s)
{
	for (int i = 0; i < 4; i++)
		s->h[i] = 0x243f6a8885a308d3ull + (uint64_t)i * K1;
	s->len = 0;
}

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 31;
	h *= 0x7fb5d329728ea185ull;
	h ^= h >> 27;
	return h;
}

static uint64_t
step(uint64_t h, uint64_t w)
{
	h = (h ^ w) * K1;
	return h ^ (h >> 29);
}

/* Callers feed whole multiples of 32 bytes until the last piece (CHUNK
 * is one); four independent lanes keep the multiplier busy. */
static void
sum_add(struct sum *s, const unsigned char *p, size_t n)
{
	uint64_t w[4];
	size_t i;

	for (i = 0; i + 32 <= n; i += 32) {
		memcpy(w, p + i, 32);
		s->h[0] = step(s->h[0], w[0]);
		s->h[1] = step(s->h[1], w[1]);
		s->h[2] = step(s->h[2], w[2]);
		s->h[3] = step(s->h[3], w[3]);
	}
	for (; i < n; i += 8) {
		w[0] = 0;
		memcpy(w, p + i, n - i < 8 ? n - i : 8);
		s->h[0] = step(s->h[0], w[0] ^ 0xff);
	}
	s->len += n;
}

static uint64_t
sum_end(const struct sum *s)
{
	uint64_t h = s->len;
	for (int i = 0; i < 4; i++)
		h = mix(h ^ s->h[i]) * K1;
	return mix(h);
}

/* ---- small helpers ---------------------------------------------------- */

static ssize_t
read_full(int fd, unsigned char *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int
write_full(int fd, const unsigned char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* root + "/" + rel, or root itself for the root entry. */
static char *
join(const char *root, const char *rel)
{
	size_t a = strlen(root), b = strlen(rel);
	char *p = xalloc(a + b + 2);
	memcpy(p, root, a);
	if (b) {
		p[a] = '/';
		memcpy(p + a + 1, rel, b + 1);
	} else {
		p[a] = 0;
	}
	return p;
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	if (remove(p) < 0 && errno != ENOENT)
		return -1;
	return 0;
}

/* rm -rf, giving back write permission to directories on the way down. */
static int
chmod_dirs(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)f;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(p, (st->st_mode & 07777) | 0700);
	return 0;
}

static void
rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode))
		nftw(path, chmod_dirs, 32, FTW_PHYS);
	nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

/* ---- rank 0: the source's entries -------------------------------------- */

static void
list_add(struct list *l, int type, const struct stat *st, const char *rel, const char *target)
{
	struct entry *e;
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 256;
		l->e = realloc(l->e, l->alloc * sizeof *l->e);
		if (l->e == NULL) {
			msg0("out of memory");
			MPI_Abort(MPI_COMM_WORLD, 1);
		}
	}
	e = &l->e[l->n++];
	memset(e, 0, sizeof *e);
	e->type = type;
	e->mode = st->st_mode & 07777;
	e->size = type == T_FILE ? (long long)st->st_size : 0;
	e->mtime_s = (long long)st->st_mtim.tv_sec;
	e->mtime_ns = (long long)st->st_mtim.tv_nsec;
	e->path = xdup(rel);
	e->target = xdup(target ? target : "");
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walk root/rel in name order (the same order on every run). */
static int
walk(struct list *l, const char *root, const char *rel, char *err)
{
	char *full = join(root, rel), **names = NULL, lnk[PATH_MAX];
	size_t n = 0, alloc = 0;
	struct stat st;
	struct dirent *d;
	DIR *dir;
	ssize_t len;
	int rc = 0;

	if (lstat(full, &st) < 0) {
		snprintf(err, MSG_MAX, "source '%s': %s", full, strerror(errno));
		free(full);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		if ((len = readlink(full, lnk, sizeof lnk - 1)) < 0) {
			snprintf(err, MSG_MAX, "source '%s': %s", full, strerror(errno));
			free(full);
			return -1;
		}
		lnk[len] = 0;
		list_add(l, T_LINK, &st, rel, lnk);
	} else if (S_ISREG(st.st_mode)) {
		list_add(l, T_FILE, &st, rel, NULL);
	} else if (S_ISDIR(st.st_mode)) {
		list_add(l, T_DIR, &st, rel, NULL);
		if ((dir = opendir(full)) == NULL) {
			snprintf(err, MSG_MAX, "source '%s': %s", full, strerror(errno));
			free(full);
			return -1;
		}
		while ((d = readdir(dir)) != NULL) {
			if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
				continue;
			if (n == alloc) {
				alloc = alloc ? 2 * alloc : 32;
				names = realloc(names, alloc * sizeof *names);
				if (names == NULL)
					MPI_Abort(MPI_COMM_WORLD, 1);
			}
			names[n++] = *rel ? join(rel, d->d_name) : xdup(d->d_name);
		}
		closedir(dir);
		if (n > 0)     /* an empty directory: names is NULL */
			qsort(names, n, sizeof *names, cmpstr);
		for (size_t i = 0; i < n; i++) {
			if (rc == 0 && (long)l->n < ENTRIES_MAX)
				rc = walk(l, root, names[i], err);
			free(names[i]);
		}
		free(names);
		if (rc == 0 && (long)l->n >= ENTRIES_MAX) {
			snprintf(err, MSG_MAX, "source '%s': more than %ld entries", root, ENTRIES_MAX);
			rc = -1;
		}
	} else {
		/* Sockets, fifos and devices have no place in an environment. */
		fprintf(stderr, WORKER ": skipping '%s': not a file, directory or link\n", full);
	}
	free(full);
	return rc;
}

/* ---- the entry list on the wire: text fields, NUL-separated ------------ */

static char *
list_pack(const struct list *l, size_t *len)
{
	size_t cap = 64, n = 0;
	char *b;
	for (size_t i = 0; i < l->n; i++)
		cap += 80 + strlen(l->e[i].path) + strlen(l->e[i].target) + 2;
	b = xalloc(cap);
	n += (size_t)sprintf(b, "%zu", l->n) + 1;
	for (size_t i = 0; i < l->n; i++) {
		const struct entry *e = &l->e[i];
		n += (size_t)sprintf(b + n, "%c %o %lld %lld %lld", e->type, e->mode, e->size,
		    e->mtime_s, e->mtime_ns) + 1;
		n += (size_t)sprintf(b + n, "%s", e->path) + 1;
		n += (size_t)sprintf(b + n, "%s", e->target) + 1;
	}
	*len = n;
	return b;
}

static void
list_unpack(struct list *l, const char *b)
{
	char type;
	l->n = l->alloc = strtoul(b, NULL, 10);
	l->e = xalloc(l->n * sizeof *l->e);
	b += strlen(b) + 1;
	for (size_t i = 0; i < l->n; i++) {
		struct entry *e = &l->e[i];
		memset(e, 0, sizeof *e);
		sscanf(b, "%c %o %lld %lld %lld", &type, &e->mode, &e->size, &e->mtime_s,
		    &e->mtime_ns);
		e->type = type;
		b += strlen(b) + 1;
		e->path = xdup(b);
		b += strlen(b) + 1;
		e->target = xdup(b);
		b += strlen(b) + 1;
	}
}

/* MPI counts are ints: big buffers go in pieces. */
static void
bcast_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	while (n > 0) {
		int c = n > (1u << 30) ? 1 << 30 : (int)n;
		MPI_Bcast(p, c, MPI_BYTE, 0, MPI_COMM_WORLD);
		p += c;
		n -= (size_t)c;
	}
}

/* ---- every rank: write, check, rename ----------------------------------- */

struct dest {
	char *final;      /* where the copy ends up */
	char *tmp;        /* the sibling it is written into */
	int failed;       /* the first error is in r->msg; keep receiving, stop writing */
	struct report *r;
};

static void fail(struct dest *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fail(struct dest *d, const char *fmt, ...)
{
	va_list ap;
	if (d->failed)
		return;
	d->failed = 1;
	va_start(ap, fmt);
	vsnprintf(d->r->msg, MSG_MAX, fmt, ap);
	va_end(ap);
}

/* mkdir -p for the destination's parent. */
static int
mkdir_parents(const char *path)
{
	char *p = xdup(path), *s;
	int rc = 0;
	for (s = p + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = 0;
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		*s = '/';
	}
	free(p);
	return rc;
}

/* Create the entry (dirs with owner write until the end; files opened). */
static int
make_entry(struct dest *d, const struct entry *e)
{
	char *p;
	int fd = -1;

	if (d->failed)
		return -1;
	p = join(d->tmp, e->path);
	if (e->type == T_DIR) {
		if (mkdir(p, 0700) < 0)
			fail(d, "mkdir '%s': %s", p, strerror(errno));
	} else if (e->type == T_LINK) {
		if (symlink(e->target, p) < 0)
			fail(d, "symlink '%s': %s", p, strerror(errno));
	} else {
		if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
			fail(d, "create '%s': %s", p, strerror(errno));
	}
	free(p);
	return fd;
}

static void
set_times(struct dest *d, const struct entry *e, const char *p)
{
	struct timespec ts[2];
	ts[0].tv_sec = ts[1].tv_sec = (time_t)e->mtime_s;
	ts[0].tv_nsec = ts[1].tv_nsec = (long)e->mtime_ns;
	if (utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) < 0)
		fail(d, "set times of '%s': %s", p, strerror(errno));
}

/* Modes and times last: directories deepest first, so that a read-only
 * directory is made so after everything inside it. */
static void
finish_entries(struct dest *d, const struct list *l)
{
	for (size_t i = l->n; i-- > 0 && !d->failed;) {
		const struct entry *e = &l->e[i];
		char *p = join(d->tmp, e->path);
		if (e->type != T_LINK && chmod(p, e->mode) < 0)
			fail(d, "chmod '%s': %s", p, strerror(errno));
		set_times(d, e, p);
		free(p);
	}
}

/* Read back what was written and hold it to rank 0's facts. */
static void
verify(struct dest *d, const struct list *l, unsigned char *buf)
{
	for (size_t i = 0; i < l->n && !d->failed; i++) {
		const struct entry *e = &l->e[i];
		char *p = join(d->tmp, e->path), lnk[PATH_MAX];
		struct stat st;
		struct sum s;
		ssize_t r;
		int fd;

		if (lstat(p, &st) < 0) {
			fail(d, "check '%s': %s", p, strerror(errno));
		} else if ((e->type == T_DIR && !S_ISDIR(st.st_mode)) ||
		    (e->type == T_FILE && !S_ISREG(st.st_mode)) ||
		    (e->type == T_LINK && !S_ISLNK(st.st_mode))) {
			fail(d, "check '%s': wrong type", p);
		} else if (e->type != T_LINK && (st.st_mode & 07777) != e->mode) {
			fail(d, "check '%s': mode %o, want %o", p, st.st_mode & 07777, e->mode);
		} else if (e->type == T_LINK) {
			r = readlink(p, lnk, sizeof lnk - 1);
			if (r < 0 || (lnk[r] = 0, strcmp(lnk, e->target) != 0))
				fail(d, "check '%s': link target differs", p);
		} else if (e->type == T_FILE) {
			if ((long long)st.st_size != e->size)
				fail(d, "check '%s': size %lld, want %lld", p, (long long)st.st_size, e->size);
			else if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
				fail(d, "check '%s': %s", p, strerror(errno));
			else {
				sum_init(&s);
				while ((r = read_full(fd, buf, CHUNK)) > 0)
					sum_add(&s, buf, (size_t)r);
				if (r < 0)
					fail(d, "check '%s': %s", p, strerror(errno));
				else if (sum_end(&s) != e->sum)
					fail(d, "check '%s': checksum differs", p);
				close(fd);
			}
			d->r->bytes += e->size;
			d->r->files++;
		}
		free(p);
	}
}

/* ---- a venv's or conda environment's scripts name its path ---------------- */

#define SCRIPT_MAX (1l << 20)

/* Is the tree a Python environment (venv or conda)? */
static int
is_pyenv(const struct list *l)
{
	for (size_t i = 0; i < l->n; i++)
		if ((l->e[i].type == T_FILE && !strcmp(l->e[i].path, "pyvenv.cfg")) ||
		    (l->e[i].type == T_DIR && !strcmp(l->e[i].path, "conda-meta")))
			return 1;
	return 0;
}

/* Does text hold old at i, as a whole path (not /x/venv2 for /x/venv)? */
static int
path_at(const char *text, size_t len, size_t i, const char *old, size_t olen)
{
	char c;
	if (i + olen > len || memcmp(text + i, old, olen) != 0)
		return 0;
	c = i + olen < len ? text[i + olen] : '\n';
	return strchr("/'\"\n :;", c) != NULL;
}

/* Rewrite one script if it names old; 1 if it did, 0 if not, -1 failed. */
static int
relocate_one(struct dest *d, const struct entry *e, const char *old, const char *new)
{
	size_t olen = strlen(old), nlen = strlen(new), n = 0, len;
	char *p = join(d->tmp, e->path), *t = NULL, *text = NULL, *out = NULL;
	int fd = -1, rc = 0;
	ssize_t r;

	if ((fd = open(p, O_RDONLY | O_CLOEXEC)) < 0)
		goto fail;
	text = xalloc((size_t)e->size);
	r = read_full(fd, (unsigned char *)text, (size_t)e->size);
	close(fd);
	if (r != (ssize_t)e->size)
		goto fail;
	len = (size_t)r;
	if (memchr(text, 0, len) != NULL)      /* a binary */
		goto done;
	out = xalloc(len / (olen ? olen : 1) * nlen + len + 1);
	for (size_t i = 0; i < len;) {
		if (path_at(text, len, i, old, olen)) {
			memcpy(out + n, new, nlen);
			n += nlen, i += olen, rc = 1;
		} else {
			out[n++] = text[i++];
		}
	}
	if (rc == 0)
		goto done;
	t = xalloc(strlen(p) + 16);
	sprintf(t, "%s.yeet-new", p);
	if ((fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0 ||
	    write_full(fd, (unsigned char *)out, n) < 0 || fchmod(fd, e->mode) < 0 ||
	    close(fd) < 0 || (fd = -1, rename(t, p) < 0)) {
		if (fd >= 0)
			close(fd);
		unlink(t);
		goto fail;
	}
	set_times(d, e, p);
	goto done;
fail:
	fail(d, "rewrite '%s': %s", p, strerror(errno));
	rc = -1;
done:
	free(p), free(t), free(text), free(out);
	return rc;
}

/* A venv's bin/activate and its scripts' #! lines name the venv's path:
 * after the check, those in bin/ that name the source name the copy. */
static int
relocate(struct dest *d, const struct list *l, const char *old)
{
	int n = 0, r;
	if (d->failed || !is_pyenv(l) || !strcmp(old, d->final))
		return 0;
	for (size_t i = 0; i < l->n && !d->failed; i++) {
		const struct entry *e = &l->e[i];
		if (e->type != T_FILE || strncmp(e->path, "bin/", 4) || strchr(e->path + 4, '/') ||
		    e->size > SCRIPT_MAX)
			continue;
		if ((r = relocate_one(d, e, old, d->final)) > 0)
			n++;
	}
	return n;
}

/* Put the checked copy in place: a rename, or an exchange with an older
 * copy that is then removed. */
static void
put_in_place(struct dest *d)
{
	struct stat st;
	if (d->failed)
		return;
	if (lstat(d->final, &st) < 0 && errno == ENOENT) {
		if (rename(d->tmp, d->final) < 0)
			fail(d, "rename to '%s': %s", d->final, strerror(errno));
		return;
	}
	if (renameat2(AT_FDCWD, d->tmp, AT_FDCWD, d->final, RENAME_EXCHANGE) == 0) {
		rm_rf(d->tmp);    /* now the older copy */
		return;
	}
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) {
		fail(d, "replace '%s': %s", d->final, strerror(errno));
		return;
	}
	/* A file system without the exchange: the older copy steps aside
	 * first, so DIR is missing for a moment but never half-written. */
	char *old = xalloc(strlen(d->tmp) + 8);
	sprintf(old, "%s.old", d->tmp);
	if (rename(d->final, old) < 0)
		fail(d, "replace '%s': %s", d->final, strerror(errno));
	else if (rename(d->tmp, d->final) < 0) {
		fail(d, "rename to '%s': %s", d->final, strerror(errno));
		rename(old, d->final);
	} else {
		rm_rf(old);
	}
	free(old);
}

/* ---- a stop (Ctrl-C, the walltime, ezpz kill) ------------------------------ */

static char stop_tmp[PATH_MAX + HOST_MAX + 48], stop_old[PATH_MAX + HOST_MAX + 56];
static char stop_final[PATH_MAX + 1];

/*
 * rm -rf of name below dirfd with system calls alone (openat, getdents64,
 * unlinkat): what a signal handler may do.  Names removed while a
 * directory is read can make the read skip others, so it reads again, a
 * few times at most (a name it cannot remove stays).
 */
static void
rm_tree_at(int dirfd, const char *name, int depth)
{
	char buf[2048];
	int fd, pass, found = 1;

	if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT || depth > 64)
		return;
	if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		fchmodat(dirfd, name, 0700, 0);   /* a read-only directory of the copy */
		if ((fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return;
	}
	fchmod(fd, 0700);
	for (pass = 0; found && pass < 4; pass++) {
		ssize_t n;
		found = 0;
		lseek(fd, 0, SEEK_SET);
		while ((n = getdents64(fd, buf, sizeof buf)) > 0)
			for (ssize_t off = 0; off < n; ) {
				struct dirent64 *e = (struct dirent64 *)(buf + off);
				off += e->d_reclen;
				if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
					rm_tree_at(fd, e->d_name, depth + 1);
					found = 1;
				}
			}
	}
	close(fd);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Nothing half-written stays: the temporary copy goes, and an older copy
 * moved aside (no RENAME_EXCHANGE) goes back to DIR. */
static void
on_stop(int sig)
{
	if (access(stop_final, F_OK) < 0 && access(stop_old, F_OK) == 0)
		rename(stop_old, stop_final);
	rm_tree_at(AT_FDCWD, stop_tmp, 0);
	rm_tree_at(AT_FDCWD, stop_old, 0);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
clean_on_stop(const struct dest *d)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa, old;

	if (strlen(d->final) >= sizeof stop_final || strlen(d->tmp) + 4 >= sizeof stop_tmp)
		return;
	strcpy(stop_final, d->final);
	strcpy(stop_tmp, d->tmp);
	sprintf(stop_old, "%s.old", d->tmp);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigfillset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof stops / sizeof stops[0]; i++)
		if (sigaction(stops[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
			sigaction(stops[i], &sa, NULL);
}

/* ---- what DIR may be ------------------------------------------------------ */

/* path with its links resolved, as far up as it exists (the rest as
 * given), or NULL. */
static char *
resolve(const char *path)
{
	char *p = xdup(path), *slash, real[PATH_MAX], *out = NULL;
	if (realpath(p, real)) {
		free(p);
		return xdup(real);
	}
	if ((slash = strrchr(p, '/')) != NULL) {
		char *up;
		*slash = 0;
		if ((up = resolve(*p ? p : "/")) != NULL) {
			out = xalloc(strlen(up) + strlen(slash + 1) + 2);
			sprintf(out, "%s/%s", strcmp(up, "/") ? up : "", slash + 1);
			free(up);
		}
	}
	free(p);
	return out;
}

static int
empty_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int n = 0;
	while (dir && (e = readdir(dir)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	if (dir)
		closedir(dir);
	return dir && n == 0;
}

static const char *
kind_of(mode_t m)
{
	return S_ISDIR(m) ? "a directory" : S_ISREG(m) ? "a file" : S_ISLNK(m) ?
	    "a symbolic link" : "not a directory or a file";
}

/*
 * DIR (after %h) is replaced only by what can only be an earlier copy:
 * nothing, a directory with yeet's mark in it (or empty), or a file for a
 * file.  Never the source, inside it, or what holds it: renaming a copy
 * over any of those destroys the source.
 */
static void
check_dest(struct dest *d, const char *src, int type)
{
	char *rsrc = resolve(src), *rdest = resolve(d->final), *mark;
	struct stat st;

	if (rsrc && rdest && (path_under(rdest, rsrc) || path_under(rsrc, rdest)))
		fail(d, "'%s' is the source '%s', or inside it, or holds it: give --dest "
		    "another place", d->final, src);
	else if (lstat(d->final, &st) < 0)
		;
	else if (type == T_DIR && S_ISDIR(st.st_mode)) {
		mark = join(d->final, MARK);
		if (access(mark, F_OK) < 0 && !empty_dir(d->final))
			fail(d, "'%s' is a directory that yeet did not make (no %s in it): "
			    "remove it or give --dest another place", d->final, MARK);
		free(mark);
	} else if (!(type == T_FILE && S_ISREG(st.st_mode))) {
		fail(d, "'%s' is %s and the source %s: remove it or give --dest another place",
		    d->final, kind_of(st.st_mode), type == T_DIR ? "a directory" : "a file");
	}
	free(rsrc);
	free(rdest);
}

/* The mark check_dest looks for next time, unless the source brought one. */
static void
mark_copy(struct dest *d, const char *src)
{
	char *p;
	int fd;
	if (d->failed)
		return;
	p = join(d->tmp, MARK);
	if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) >= 0) {
		dprintf(fd, "a copy of %s made by ezpz yeet: the next yeet to here replaces it\n",
		    src);
		if (close(fd) < 0)
			fail(d, "write '%s': %s", p, strerror(errno));
	} else if (errno != EEXIST) {
		fail(d, "create '%s': %s", p, strerror(errno));
	}
	free(p);
}

/* Earlier yeets' temporary copies on this host whose process is gone
 * (killed outright, or stopped before it could clean up): DIR.yeet-HOST-PID
 * and DIR.yeet-HOST-PID.old. */
static void
remove_stale(const char *final, const char *host)
{
	char *dirpath = xdup(final), *slash = strrchr(dirpath, '/'), *pre;
	const char *base = final + (slash - dirpath) + 1;
	struct dirent *e;
	DIR *dir;

	*slash = 0;
	pre = xalloc(strlen(base) + strlen(host) + 16);
	sprintf(pre, "%s.yeet-%s-", base, host);
	if ((dir = opendir(*dirpath ? dirpath : "/")) != NULL) {
		while ((e = readdir(dir)) != NULL) {
			char *end, *p;
			long pid;
			if (strncmp(e->d_name, pre, strlen(pre)) != 0)
				continue;
			pid = strtol(e->d_name + strlen(pre), &end, 10);
			if (pid <= 0 || (*end && strcmp(end, ".old")) ||
			    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
				continue;
			p = join(*dirpath ? dirpath : "", e->d_name);
			rm_rf(p);
			free(p);
		}
		closedir(dir);
	}
	free(pre);
	free(dirpath);
}

/* %h: this host's short name; %%: a percent sign. */
static char *
expand_dest(const char *tmpl, const char *host)
{
	size_t cap = strlen(tmpl) * (strlen(host) + 1) + 1, n = 0;
	char *o = xalloc(cap);
	for (const char *s = tmpl; *s; s++) {
		if (s[0] == '%' && s[1] == 'h') {
			n += (size_t)sprintf(o + n, "%s", host);
			s++;
		} else if (s[0] == '%' && s[1] == '%') {
			o[n++] = '%';
			s++;
		} else {
			o[n++] = *s;
		}
	}
	o[n] = 0;
	return o;
}

/* ---- the verdict ---------------------------------------------------------- */

/* N hosts, or a fraction in (0, 1] of them (rounded up); -1 if malformed. */
static long
min_needed(const char *spec, int hosts)
{
	char *end;
	double f;
	if (spec == NULL)
		return hosts;
	if (strchr(spec, '.')) {
		f = strtod(spec, &end);
		if (*end || !(f > 0 && f <= 1))
			return -1;
		long need = (long)(f * hosts);
		return need < f * hosts ? need + 1 : need;
	}
	long n = strtol(spec, &end, 10);
	if (*end || end == spec || n < 1)
		return -1;
	return n;
}

static int
report_all(const struct report *all, const char *spec)
{
	long need = min_needed(spec, nranks), ok = 0;
	printf("%-20s %-6s %12s %8s %9s  %s\n", "host", "status", "bytes", "files", "seconds",
	    "detail");
	for (int i = 0; i < nranks; i++) {
		const struct report *r = &all[i];
		ok += r->ok;
		printf("%-20s %-6s %12lld %8lld %9.2f  %s\n", r->host, r->ok ? "ok" : "FAIL",
		    r->bytes, r->files, r->seconds, r->msg);
	}
	printf("yeet: %ld of %d hosts ok, %ld needed\n", ok, nranks, need);
	fflush(stdout);
	return ok >= need ? 0 : 1;
}

/* ---- main ------------------------------------------------------------------ */

struct args {
	const char *src, *dest, *min;
};

static int
parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && !strcmp(argv[i], "--src"))
			a->src = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--dest"))
			a->dest = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--min-success"))
			a->min = argv[++i];
		else
			return -1;
	}
	/* as ezpz yeet checks: no '.' or '..' (see check_dest) */
	if (a->dest && path_has_dots(a->dest))
		return -1;
	return a->src && a->dest && a->dest[0] == '/' ? 0 : -1;
}

/* Rank 0: list the source; broadcast its size (-1: failed) and the list. */
static void
share_list(struct list *l, const char *src, struct report *me)
{
	long long len = 0;
	char *blob = NULL;
	size_t n;

	if (rank == 0) {
		if (walk(l, src, "", me->msg) < 0)
			len = -1;
		else if (l->n == 0)   /* a fifo or socket: walk skips it */
			snprintf(me->msg, MSG_MAX, "source '%s': not a directory or a file", src), len = -1;
		else if (l->n > 0 && l->e[0].type == T_LINK)
			snprintf(me->msg, MSG_MAX, "source '%s': a symbolic link", src), len = -1;
		else
			blob = list_pack(l, &n), len = (long long)n;
	}
	MPI_Bcast(&len, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
	if (len < 0) {
		if (rank == 0)
			msg0("%s", me->msg);
		MPI_Finalize();
		exit(1);
	}
	if (rank != 0)
		blob = xalloc((size_t)len);
	bcast_bytes(blob, (size_t)len);
	if (rank != 0)
		list_unpack(l, blob);
	free(blob);
}

/* Every file's bytes, chunk by chunk; rank 0 sums them as it reads. */
static void
share_files(struct list *l, const char *src, struct dest *d, unsigned char *buf, int *srcerr)
{
	for (size_t i = 0; i < l->n; i++) {
		struct entry *e = &l->e[i];
		int in = -1, out = make_entry(d, e);
		long long left = e->size;
		struct sum s;

		if (rank == 0 && e->type == T_FILE) {
			char *p = join(src, e->path);
			if ((in = open(p, O_RDONLY | O_CLOEXEC)) < 0 && !*srcerr)
				*srcerr = 1, msg0("read '%s': %s", p, strerror(errno));
			free(p);
			sum_init(&s);
		}
		while (e->type == T_FILE && left > 0) {
			size_t c = left > CHUNK ? CHUNK : (size_t)left;
			if (rank == 0) {
				ssize_t r = in >= 0 ? read_full(in, buf, c) : -1;
				if (r != (ssize_t)c) {
					if (!*srcerr)
						msg0("read '%s/%s': changed while being copied", src, e->path);
					*srcerr = 1;
					memset(buf, 0, c);
				}
				sum_add(&s, buf, c);
			}
			bcast_bytes(buf, c);
			if (out >= 0 && !d->failed && write_full(out, buf, c) < 0)
				fail(d, "write '%s/%s': %s", d->tmp, e->path, strerror(errno));
			left -= (long long)c;
		}
		if (rank == 0 && e->type == T_FILE)
			e->sum = sum_end(&s);
		if (in >= 0)
			close(in);
		if (out >= 0 && close(out) < 0)
			fail(d, "write '%s/%s': %s", d->tmp, e->path, strerror(errno));
	}
}

int
main(int argc, char **argv)
{
	struct list l = { 0 };
	struct report me, *all = NULL;
	struct dest d = { 0 };
	struct args a;
	unsigned char *buf;
	uint64_t *sums;
	int srcerr = 0, verdict, relocated;
	double t0;
	char *dot;

	MPI_Init(&argc, &argv);
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	if (parse_args(argc, argv, &a) < 0) {
		if (rank == 0)
			msg0("usage: " WORKER " --src PATH --dest /ABS/PATH [--min-success N|FRACTION] "
			    "(run by 'ezpz yeet')");
		MPI_Finalize();
		return 2;
	}
	if (min_needed(a.min, nranks) < 0) {
		if (rank == 0)
			msg0("--min-success '%s': a count of hosts >= 1 or a fraction in (0, 1]", a.min);
		MPI_Finalize();
		return 2;
	}
	memset(&me, 0, sizeof me);
	gethostname(me.host, sizeof me.host - 1);
	if ((dot = strchr(me.host, '.')) != NULL)
		*dot = 0;
	t0 = MPI_Wtime();
	buf = xalloc(CHUNK);
	share_list(&l, a.src, &me);

	d.r = &me;
	d.final = expand_dest(a.dest, me.host);
	d.tmp = xalloc(strlen(d.final) + HOST_MAX + 40);
	sprintf(d.tmp, "%s.yeet-%s-%ld", d.final, me.host, (long)getpid());
	check_dest(&d, a.src, l.e[0].type);
	if (!d.failed && mkdir_parents(d.final) < 0)
		fail(&d, "create the parent of '%s': %s", d.final, strerror(errno));
	if (!d.failed) {
		remove_stale(d.final, me.host);
		clean_on_stop(&d);
	}

	share_files(&l, a.src, &d, buf, &srcerr);
	if (l.e[0].type == T_DIR)
		mark_copy(&d, a.src);
	MPI_Bcast(&srcerr, 1, MPI_INT, 0, MPI_COMM_WORLD);
	if (srcerr)
		fail(&d, "the source could not be read whole (see rank 0's message)");
	sums = xalloc(l.n * sizeof *sums);
	for (size_t i = 0; rank == 0 && i < l.n; i++)
		sums[i] = l.e[i].sum;
	bcast_bytes(sums, l.n * sizeof *sums);
	for (size_t i = 0; i < l.n; i++)
		l.e[i].sum = sums[i];

	finish_entries(&d, &l);
	verify(&d, &l, buf);
	relocated = relocate(&d, &l, a.src);
	put_in_place(&d);
	if (d.failed)
		rm_rf(d.tmp);
	me.ok = !d.failed;
	if (me.ok && relocated)
		snprintf(me.msg, MSG_MAX, "%s (%d scripts now name it)", d.final, relocated);
	else if (me.ok)
		snprintf(me.msg, MSG_MAX, "%s", d.final);
	me.seconds = MPI_Wtime() - t0;

	if (rank == 0)
		all = xalloc((size_t)nranks * sizeof *all);
	MPI_Gather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, 0, MPI_COMM_WORLD);
	if (rank == 0)
		verdict = report_all(all, a.min);
	MPI_Bcast(&verdict, 1, MPI_INT, 0, MPI_COMM_WORLD);
	MPI_Finalize();
	return verdict;
}
