/* SPDX-License-Identifier: MIT */
/*
 * hostcache.c: this host's facts between runs (see hostcache.h).  The
 * format and parse are pure; the edge checks the directory and the file
 * before trusting them, and writes by temp + rename so that a reader sees
 * the old file or the new one, never half of one.
 *
 *   ezpz-host-facts 1
 *   key <boot id> <host> <hwloc version> <ezpz version>
 *   topo <packages> <PUs> <NUMA domains> <backend|->
 *   core <package> <PU>[,<PU>...]                  one per core, in order
 *   gpu <vendor> <name> <model|-> <pci|-> <core indexes|->
 *   probe <dev> <ino> <size> <mtime ns> <path> <output>
 *   end
 *
 * Fields are separated by one tab; in a string field a tab, a newline and
 * a backslash are written \t, \n and \\, and a string that is "-" as \-.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "hostcache.h"
#include "strvec.h"
#include "util.h"

#define MAGIC "ezpz-host-facts 1"
#define MAX_FIELDS 8

static const char *const backends[] = { "nvml", "cuda", "rsmi", "levelzero", "pci", "opencl" };

/* ---- the pure part ------------------------------------------------------ */

static void
put_str(struct buf *b, const char *s)
{
	buf_add(b, "\t", 1);
	if (s == NULL) {
		buf_add(b, "-", 1);
		return;
	}
	if (streq(s, "-")) {
		buf_add(b, "\\-", 2);
		return;
	}
	for (; *s; s++) {
		switch (*s) {
		case '\t': buf_add(b, "\\t", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\\': buf_add(b, "\\\\", 2); break;
		default: buf_add(b, s, 1);
		}
	}
}

static void
put_list(struct buf *b, const int *v, size_t n)
{
	buf_add(b, "\t", 1);
	if (n == 0)
		buf_add(b, "-", 1);
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%s%d", i ? "," : "", v[i]);
}

char *
hostcache_format(const struct hostcache_key *k, const struct topo *t,
    const struct hostcache_probe *p, size_t np)
{
	struct buf b = BUF_INIT;

	buf_addf(&b, "%s\nkey", MAGIC);
	put_str(&b, k->boot_id);
	put_str(&b, k->hostname);
	put_str(&b, k->hwloc);
	put_str(&b, k->ezpz);
	buf_add(&b, "\n", 1);
	if (t) {
		buf_addf(&b, "topo\t%d\t%d\t%d", t->npackages, t->npus, t->nnuma);
		put_str(&b, t->backend);
		buf_add(&b, "\n", 1);
		for (size_t i = 0; i < t->ncores; i++) {
			buf_addf(&b, "core\t%d", t->cores[i].package);
			put_list(&b, t->cores[i].pus, (size_t)t->cores[i].npus);
			buf_add(&b, "\n", 1);
		}
		for (size_t i = 0; i < t->ngpus; i++) {
			const struct topo_gpu *g = &t->gpus[i];
			buf_addf(&b, "gpu");
			put_str(&b, vendor_name(g->vendor));
			put_str(&b, g->name);
			put_str(&b, g->model);
			put_str(&b, g->pci);
			put_list(&b, g->cores, g->ncores);
			buf_add(&b, "\n", 1);
		}
	}
	for (size_t i = 0; i < np; i++) {
		buf_addf(&b, "probe\t%llu\t%llu\t%llu\t%llu", p[i].id.dev, p[i].id.ino, p[i].id.size,
		    p[i].id.mtime_ns);
		put_str(&b, p[i].path);
		put_str(&b, p[i].out);
		buf_add(&b, "\n", 1);
	}
	buf_add(&b, "end\n", 4);
	return buf_detach(&b);
}

/* Split a line in place at tabs and unescape each field; "-" is NULL. */
static size_t
split(char *line, char **f, size_t max, int *bad)
{
	size_t n = 0;
	char *s = line;
	for (;;) {
		char *end = strchr(s, '\t'), *w = s, *r = s;
		if (end)
			*end = '\0';
		if (n == max) {
			*bad = 1;
			return n;
		}
		if (streq(s, "-")) {
			f[n++] = NULL;
		} else {
			for (; *r; r++) {
				if (*r != '\\') {
					*w++ = *r;
					continue;
				}
				switch (*++r) {
				case 't': *w++ = '\t'; break;
				case 'n': *w++ = '\n'; break;
				case '\\': *w++ = '\\'; break;
				case '-': *w++ = '-'; break;
				default: *bad = 1; return n;
				}
			}
			*w = '\0';
			f[n++] = s;
		}
		if (end == NULL)
			return n;
		s = end + 1;
	}
}

static int
num(const char *s, long max, long *out)
{
	const char *why;
	return s && parse_long(s, 0, max, out, &why) == 0 ? 0 : -1;
}

static int
ull(const char *s, unsigned long long *out)
{
	char *end;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* "0,1,5" into a malloc'd array; NULL field: none. */
static int
int_list(const char *s, long max, int **v, size_t *n)
{
	char *copy, *tok, *save = NULL;
	*v = NULL;
	*n = 0;
	if (s == NULL)
		return 0;
	copy = xstrdup(s);
	*v = xcalloc(strlen(s) / 2 + 1, sizeof **v);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long x;
		if (num(tok, max, &x) < 0) {
			free(copy);
			return -1;
		}
		(*v)[(*n)++] = (int)x;
	}
	free(copy);
	return 0;
}

static const char *
backend_static(const char *s)
{
	for (size_t i = 0; s && i < NITEMS(backends); i++)
		if (streq(s, backends[i]))
			return backends[i];
	return NULL;
}

static int
parse_core(struct topo *t, size_t *alloc, char **f, size_t n)
{
	long pkg;
	int *pus = NULL;
	size_t npus = 0;
	struct topo_core *c;
	if (n != 3 || num(f[1], 1 << 20, &pkg) < 0 || int_list(f[2], 1 << 24, &pus, &npus) < 0 ||
	    npus == 0 || npus > TOPO_MAX_SMT) {
		free(pus);
		return -1;
	}
	t->cores = xgrow(t->cores, alloc, t->ncores + 1, sizeof *t->cores);
	c = &t->cores[t->ncores++];
	memset(c, 0, sizeof *c);
	c->package = (int)pkg;
	c->npus = (int)npus;
	memcpy(c->pus, pus, npus * sizeof *pus);
	free(pus);
	return 0;
}

static int
parse_gpu(struct topo *t, size_t *alloc, char **f, size_t n)
{
	struct topo_gpu *g;
	enum vendor v;
	if (n != 6 || f[1] == NULL || f[2] == NULL || (v = vendor_parse(f[1])) <= VENDOR_NONE)
		return -1;
	t->gpus = xgrow(t->gpus, alloc, t->ngpus + 1, sizeof *t->gpus);
	g = &t->gpus[t->ngpus++];
	memset(g, 0, sizeof *g);
	g->vendor = v;
	g->name = xstrdup(f[2]);
	g->model = f[3] ? xstrdup(f[3]) : NULL;
	g->pci = f[4] ? xstrdup(f[4]) : NULL;
	if (int_list(f[5], (long)t->ncores - 1, &g->cores, &g->ncores) < 0)
		return -1;
	return 0;
}

static int
parse_probe(struct hostcache *hc, size_t *alloc, char **f, size_t n)
{
	struct hostcache_probe *p;
	struct hostcache_id id;
	if (n != 7 || ull(f[1], &id.dev) || ull(f[2], &id.ino) || ull(f[3], &id.size) ||
	    ull(f[4], &id.mtime_ns) || f[5] == NULL || f[5][0] != '/' || f[6] == NULL ||
	    hc->nprobes >= HOSTCACHE_MAX_PROBES)
		return -1;
	hc->probes = xgrow(hc->probes, alloc, hc->nprobes + 1, sizeof *hc->probes);
	p = &hc->probes[hc->nprobes++];
	p->path = xstrdup(f[5]);
	p->id = id;
	p->out = xstrdup(f[6]);
	return 0;
}

static int
parse_line(struct hostcache *hc, char *line, size_t *alloc, int *state, char **why)
{
	char *f[MAX_FIELDS];
	int bad = 0;
	size_t n = split(line, f, MAX_FIELDS, &bad);
	const char *kind = n ? f[0] : NULL;
	long a, b, c;
	struct topo *t = &hc->topo;

	if (bad || kind == NULL)
		goto fail;
	if (streq(kind, "key")) {
		if (n != 5 || *state != 0 || !f[1] || !f[2] || !f[3] || !f[4])
			goto fail;
		hc->key = (struct hostcache_key){ xstrdup(f[1]), xstrdup(f[2]), xstrdup(f[3]),
			xstrdup(f[4]) };
		*state = 1;
	} else if (*state == 0) {
		goto fail;
	} else if (streq(kind, "topo")) {
		if (n != 5 || hc->have_topo || num(f[1], 1 << 20, &a) || num(f[2], 1 << 24, &b) ||
		    num(f[3], 1 << 20, &c) || (f[4] && !backend_static(f[4])))
			goto fail;
		t->npackages = (int)a;
		t->npus = (int)b;
		t->nnuma = (int)c;
		t->backend = backend_static(f[4]);
		t->source = xstrdup("this host");
		hc->have_topo = 1;
	} else if (streq(kind, "core")) {
		if (!hc->have_topo || t->ngpus || parse_core(t, &alloc[0], f, n) < 0)
			goto fail;
	} else if (streq(kind, "gpu")) {
		if (!hc->have_topo || parse_gpu(t, &alloc[1], f, n) < 0)
			goto fail;
	} else if (streq(kind, "probe")) {
		if (parse_probe(hc, &alloc[2], f, n) < 0)
			goto fail;
	} else {
		goto fail;
	}
	return 0;
fail:
	*why = xasprintf("unexpected line '%.40s'", kind ? kind : "");
	return -1;
}

int
hostcache_parse(struct hostcache *hc, const char *text, char **why)
{
	char *copy, *line, *next;
	size_t alloc[3] = { 0, 0, 0 };
	int state = 0, r = -1;

	if (!startswith(text, MAGIC "\n")) {
		*why = xstrdup("not an ezpz host facts file");
		return -1;
	}
	copy = xstrdup(text + strlen(MAGIC) + 1);
	for (line = copy; *line; line = next) {
		char *nl = strchr(line, '\n');
		if (nl == NULL)
			break;   /* a last line without its newline: cut short */
		*nl = '\0';
		next = nl + 1;
		if (streq(line, "end")) {
			r = *next == '\0' && state == 1 ? 0 : -1;
			if (r < 0)
				*why = xstrdup("text after its end");
			break;
		}
		if (parse_line(hc, line, alloc, &state, why) < 0)
			break;
	}
	if (r < 0 && *why == NULL)
		*why = xstrdup("cut short");
	if (r == 0 && hc->have_topo)
		topo_set_vendor(&hc->topo);
	free(copy);
	return r;
}

/* ---- the edge -------------------------------------------------------------- */

static char *
boot_id(void)
{
	char *s = read_file("/proc/sys/kernel/random/boot_id", READ_MAX_PROC, NULL, NULL);
	if (s == NULL)
		return NULL;
	strtrim(s);
	if (*s == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

/* The directory: $XDG_CACHE_HOME (absolute only, as the spec says) or ~/.cache. */
static char *
cache_dir(char *const *envp)
{
	const char *x = env_nonempty(envp, "XDG_CACHE_HOME"), *home = env_nonempty(envp, "HOME");
	if (x && x[0] == '/')
		return xasprintf("%s/ezpz", x);
	if (home && home[0] == '/')
		return xasprintf("%s/.cache/ezpz", home);
	return NULL;
}

/* Make dir (0700) and its parent; it must then be ours and private. */
static int
private_dir(const char *dir, char **why)
{
	struct stat st;
	char *parent = xstrdup(dir), *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST) {
			*why = xasprintf("cannot make %s: %s", parent, strerror(errno));
			free(parent);
			return -1;
		}
	}
	free(parent);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		*why = xasprintf("cannot make %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		*why = xasprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		*why = xasprintf("%s is not a private directory of yours (mode %03o, uid %ld)", dir,
		    (unsigned)(st.st_mode & 0777), (long)st.st_uid);
		return -1;
	}
	return 0;
}

/* The file's text if it is ours, 0600, a plain file; else NULL and *why. */
static char *
read_private(const char *file, char **why)
{
	struct stat st;
	char *text;
	ssize_t n;
	size_t got = 0;
	int fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		*why = errno == ENOENT ? NULL : xasprintf("%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 0777) != 0600 || (unsigned long long)st.st_size > HOSTCACHE_MAX_BYTES) {
		*why = xasprintf("not a plain 0600 file of yours (mode %03o, uid %ld)",
		    (unsigned)(st.st_mode & 0777), (long)st.st_uid);
		close(fd);
		return NULL;
	}
	text = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size && (n = read(fd, text + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	text[got] = '\0';
	close(fd);
	return text;
}

static int
key_eq(const struct hostcache_key *a, const struct hostcache_key *b, const char **what)
{
	if (!streq(a->boot_id, b->boot_id))
		*what = "boot id";
	else if (!streq(a->hostname, b->hostname))
		*what = "host name";
	else if (!streq(a->hwloc, b->hwloc))
		*what = "hwloc version";
	else if (!streq(a->ezpz, b->ezpz))
		*what = "ezpz version";
	else
		return 1;
	return 0;
}

static void
key_free(struct hostcache_key *k)
{
	free(k->boot_id);
	free(k->hostname);
	free(k->hwloc);
	free(k->ezpz);
	memset(k, 0, sizeof *k);
}

static void
forget(struct hostcache *hc)
{
	struct hostcache_key k = hc->key;
	memset(&hc->key, 0, sizeof hc->key);
	key_free(&k);
	if (hc->have_topo)
		topo_free(&hc->topo);
	hc->have_topo = 0;
	for (size_t i = 0; i < hc->nprobes; i++) {
		free(hc->probes[i].path);
		free(hc->probes[i].out);
	}
	free(hc->probes);
	hc->probes = NULL;
	hc->nprobes = 0;
}

static void
set_state(struct hostcache *hc, char *s)
{
	free(hc->state);
	hc->state = s;
}

static void
load(struct hostcache *hc, const struct hostcache_key *want)
{
	char *why = NULL, *text = read_private(hc->file, &why);
	const char *what;

	if (text == NULL) {
		set_state(hc, why ? xasprintf("%s ignored (%s), rebuilt", hc->file, why)
		    : xasprintf("%s (new)", hc->file));
		hc->rebuilt = why != NULL;
		free(why);
		return;
	}
	if (hostcache_parse(hc, text, &why) < 0) {
		set_state(hc, xasprintf("%s ignored (%s), rebuilt", hc->file, why));
		forget(hc);
		hc->rebuilt = 1;
	} else if (!key_eq(&hc->key, want, &what)) {
		set_state(hc, xasprintf("%s out of date (%s changed), rebuilt", hc->file, what));
		forget(hc);
		hc->rebuilt = 1;
	} else {
		set_state(hc, xasprintf("%s", hc->file));
		hc->hit = 1;
	}
	free(why);
	free(text);
}

void
hostcache_open(struct hostcache *hc, char *const *envp, int off)
{
	const char *no = env_nonempty(envp, "EZPZ_NO_CACHE");
	char host[256], *dir, *why = NULL, *name;
	struct hostcache_key want;

	memset(hc, 0, sizeof *hc);
	if (off || (no && !streq(no, "0"))) {
		hc->state = xstrdup(off ? "off (--no-cache)" : "off (EZPZ_NO_CACHE)");
		return;
	}
	if ((dir = cache_dir(envp)) == NULL) {
		hc->state = xstrdup("off (no HOME or XDG_CACHE_HOME)");
		return;
	}
	if (gethostname(host, sizeof host) < 0 || host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	host[sizeof host - 1] = '\0';
	want = (struct hostcache_key){ boot_id(), xstrdup(host), xstrdup(topo_hwloc_version()),
		xstrdup(VERSION) };
	if (want.boot_id == NULL) {
		hc->state = xstrdup("off (no /proc/sys/kernel/random/boot_id)");
	} else if (private_dir(dir, &why) < 0) {
		hc->state = xasprintf("off (%s)", why);
	} else {
		/* a host name is a file name here: no '/' (and no leading '.') */
		name = xstrdup(host);
		for (char *p = name; *p; p++)
			if (*p == '/')
				*p = '_';
		hc->file = xasprintf("%s/host-%s.facts", dir, name);
		free(name);
		hc->on = 1;
		load(hc, &want);
		if (!hc->hit)
			hc->key = want;
		else
			key_free(&want);
	}
	if (!hc->on)
		key_free(&want);
	free(why);
	free(dir);
}

void
hostcache_free(struct hostcache *hc)
{
	forget(hc);
	free(hc->file);
	free(hc->state);
	memset(hc, 0, sizeof *hc);
}

int
hostcache_take_topo(struct hostcache *hc, struct topo *t)
{
	if (!hc->have_topo)
		return -1;
	*t = hc->topo;
	memset(&hc->topo, 0, sizeof hc->topo);
	hc->have_topo = 0;
	hc->topo_ref = t;
	return 0;
}

/* Write the file whole: the topology it holds (or the one taken from it) and the probes. */
static void
save(struct hostcache *hc)
{
	const struct topo *t = hc->have_topo ? &hc->topo : hc->topo_ref;
	char *text = hostcache_format(&hc->key, t, hc->probes, hc->nprobes);
	char *tmp = xasprintf("%s.%ld.tmp", hc->file, (long)getpid());
	size_t len = strlen(text), done = 0;
	ssize_t n = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0) {
		while (done < len && (n = write(fd, text + done, len - done)) > 0)
			done += (size_t)n;
		if (close(fd) < 0 || done != len || rename(tmp, hc->file) < 0) {
			set_state(hc, xasprintf("%s not written (%s)", hc->file, strerror(errno)));
			unlink(tmp);
		} else if (!hc->hit && !hc->rebuilt) {
			set_state(hc, xasprintf("%s (written)", hc->file));
		}
	} else {
		set_state(hc, xasprintf("%s not written (%s)", hc->file, strerror(errno)));
	}
	free(tmp);
	free(text);
}

void
hostcache_put_topo(struct hostcache *hc, const struct topo *t)
{
	if (!hc->on)
		return;
	hc->topo_ref = t;
	save(hc);
}

/*
 * Which file path is, when it is a compiled program.  A script's --version
 * may depend on the environment (a site wrapper choosing an MPI by the
 * modules loaded; the tests' stubs), so scripts are asked every time.
 */
static int
file_id(const char *path, struct hostcache_id *id)
{
	struct stat st;
	char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, magic, sizeof magic);
	if (n != (ssize_t)sizeof magic || memcmp(magic, "\177ELF", 4) != 0 || fstat(fd, &st) < 0 ||
	    !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	close(fd);
	*id = (struct hostcache_id){ (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
		(unsigned long long)st.st_size,
		(unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
		(unsigned long long)st.st_mtim.tv_nsec };
	return 0;
}

static int
id_eq(const struct hostcache_id *a, const struct hostcache_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	    a->mtime_ns == b->mtime_ns;
}

const char *
hostcache_probe(const struct hostcache *hc, const char *path)
{
	struct hostcache_id id;
	if (!hc->on || hc->nprobes == 0 || file_id(path, &id) < 0)
		return NULL;
	for (size_t i = 0; i < hc->nprobes; i++)
		if (streq(hc->probes[i].path, path) && id_eq(&hc->probes[i].id, &id))
			return hc->probes[i].out;
	return NULL;
}

void
hostcache_put_probe(struct hostcache *hc, const char *path, const char *out)
{
	struct hostcache_id id;
	size_t i;
	if (!hc->on || path[0] != '/' || file_id(path, &id) < 0)
		return;
	for (i = 0; i < hc->nprobes && !streq(hc->probes[i].path, path); i++)
		;
	if (i == hc->nprobes) {
		if (hc->nprobes == HOSTCACHE_MAX_PROBES)
			return;
		hc->probes = xreallocarray(hc->probes, hc->nprobes + 1, sizeof *hc->probes);
		hc->probes[hc->nprobes++] = (struct hostcache_probe){ xstrdup(path), id, xstrdup(out) };
	} else {
		free(hc->probes[i].out);
		hc->probes[i].out = xstrdup(out);
		hc->probes[i].id = id;
	}
	save(hc);
}
