/* SPDX-License-Identifier: MIT */
/*
 * hostfile.c: host sets with slot counts, the hostfile formats users bring,
 * and Slurm's compressed SLURM_TASKS_PER_NODE.  Pure code, no I/O.
 *
 * One grammar reads every hostfile format, line by line:
 *
 *   line := host [':' N] [slots=N] [max_slots=M]   # comment
 *
 * so "n1" (PALS, PBS), "n1 slots=4 max_slots=8" (Open MPI, DeepSpeed) and
 * "n1:4" (hydra) all work, and a host listed again adds its slots (a PBS
 * nodefile has a line per slot).  max_slots is checked and otherwise
 * ignored: ezpz never places more ranks on a host than its slots.  A file
 * with no hosts at all is an error, because no job runs on zero hosts.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hostfile.h"
#include "hostlist.h"
#include "util.h"

/* No host has a million slots; the cap keeps sums far from INT_MAX. */
#define MAX_SLOTS (1 << 20)
/* DNS names are at most 253 characters. */
#define MAX_HOST_LEN 253

static uint64_t
hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t *
index_slot(const struct hostset *hs, const char *name)
{
	size_t i = (size_t)hash_name(name) & (hs->cap - 1);
	while (hs->index[i] && strcmp(hs->v[hs->index[i] - 1].name, name) != 0)
		i = (i + 1) & (hs->cap - 1);
	return &hs->index[i];
}

static void
index_grow(struct hostset *hs)
{
	if (2 * hs->n + 2 <= hs->cap)
		return;
	free(hs->index);
	hs->cap = hs->cap ? hs->cap : 64;
	while (hs->cap < 2 * hs->n + 2)
		hs->cap *= 2;
	hs->index = xcalloc(hs->cap, sizeof *hs->index);
	for (size_t i = 0; i < hs->n; i++)
		*index_slot(hs, hs->v[i].name) = i + 1;
}

void
hostset_add_owned(struct hostset *hs, char *name, int slots)
{
	size_t *s;

	index_grow(hs);
	s = index_slot(hs, name);
	if (*s == 0) {
		hs->v = xgrow(hs->v, &hs->alloc, hs->n + 1, sizeof *hs->v);
		hs->v[hs->n].name = name;
		hs->v[hs->n].slots = slots;
		*s = ++hs->n;
		return;
	}
	free(name);
	/* Saturate rather than wrap; hostfile_parse reports sums this large. */
	hs->v[*s - 1].slots = slots > INT_MAX - hs->v[*s - 1].slots ? INT_MAX : hs->v[*s - 1].slots + slots;
}

void
hostset_add(struct hostset *hs, const char *name, int slots)
{
	hostset_add_owned(hs, xstrdup(name), slots);
}

long
hostset_find(const struct hostset *hs, const char *name)
{
	size_t *s;
	if (hs->cap == 0)
		return -1;
	s = index_slot(hs, name);
	return *s ? (long)*s - 1 : -1;
}

char *
hostset_compress(const struct hostset *hs)
{
	char **names = xcalloc(hs->n ? hs->n : 1, sizeof *names), *s;
	for (size_t i = 0; i < hs->n; i++)
		names[i] = hs->v[i].name;
	s = hostlist_compress(names, hs->n);
	free(names);
	return s;
}

void
hostset_free(struct hostset *hs)
{
	for (size_t i = 0; i < hs->n; i++)
		free(hs->v[i].name);
	free(hs->v);
	free(hs->index);
	memset(hs, 0, sizeof *hs);
}

/* What one line says; why is a static or malloc'd reason on error. */
struct hf_line {
	char *host;
	int slots;
	char *why;
};

static int PRINTF(2, 3)
line_fail(struct hf_line *ln, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ln->why = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static int
host_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '-' || c == '.' || c == '_';
}

static int
check_host(struct hf_line *ln, const char *h)
{
	const char *p;

	if (*h == '\0')
		return line_fail(ln, "empty host name");
	if (strlen(h) > MAX_HOST_LEN)
		return line_fail(ln, "host name '%.20s...' is longer than %d characters", h, MAX_HOST_LEN);
	for (p = h; *p && host_char_ok(*p); p++)
		;
	if (*p == '[' || *p == ']')
		return line_fail(ln, "host name '%s' contains '%c' (hostlist expressions are not "
		    "expanded in a hostfile: list one host per line)", h, *p);
	if (*p && (unsigned char)*p > ' ' && (unsigned char)*p < 127)
		return line_fail(ln, "host name '%s' contains '%c' (allowed: letters, digits, '-', "
		    "'.', '_')", h, *p);
	if (*p)
		return line_fail(ln, "host name contains byte 0x%02x at offset %zu (allowed: letters, "
		    "digits, '-', '.', '_')", (unsigned char)*p, (size_t)(p - h) + 1);
	if (*h == '-' || *h == '.')
		return line_fail(ln, "host name '%s' starts with '%c'", h, *h);
	return 0;
}

/* A slot count: a whole number from 1 to MAX_SLOTS. */
static int
parse_count(struct hf_line *ln, const char *what, const char *s, int *out)
{
	const char *why;
	long v;

	if (parse_long(s, 0, MAX_SLOTS, &v, &why) < 0) {
		if (streq(why, "too large"))
			return line_fail(ln, "%s%s is more than %d", what, s, MAX_SLOTS);
		return line_fail(ln, "%s'%s' is not a positive whole number", what, s);
	}
	if (v == 0)
		return line_fail(ln, "%s0: a host needs at least 1 slot", what);
	*out = (int)v;
	return 0;
}

/* "host" or "host:N", the first word. */
static int
parse_host_word(struct hf_line *ln, char *w, int *colon_slots)
{
	char *colon = strchr(w, ':');

	*colon_slots = 0;
	if (strchr(w, '=') != NULL)
		return line_fail(ln, "'%s' has no host name before it", w);
	if (colon) {
		*colon++ = '\0';
		if (check_host(ln, w) < 0)
			return -1;
		if (*colon == '\0')
			return line_fail(ln, "no slot count after '%s:'", w);
		if (parse_count(ln, "slot count ", colon, colon_slots) < 0)
			return -1;
	} else if (check_host(ln, w) < 0) {
		return -1;
	}
	ln->host = w;
	return 0;
}

/* "slots=N" or "max_slots=M" after the host. */
static int
parse_key(struct hf_line *ln, char *w, int *slots, int *max_slots)
{
	char *eq = strchr(w, '=');
	int *dst;

	if (eq == NULL)
		return line_fail(ln, "unexpected '%s' after the host (expected slots=N or max_slots=M)",
		    w);
	*eq = '\0';
	if (strcmp(w, "slots") == 0)
		dst = slots;
	else if (strcmp(w, "max_slots") == 0)
		dst = max_slots;
	else
		return line_fail(ln, "unknown key '%s' (expected slots=N or max_slots=M)", w);
	if (*dst)
		return line_fail(ln, "%s= given twice", w);
	return parse_count(ln, dst == slots ? "slots=" : "max_slots=", eq + 1, dst);
}

/* One line, comment and blanks already stripped and non-empty. */
static int
parse_line(struct hf_line *ln, char *s)
{
	char *save = NULL, *w = strtok_r(s, " \t", &save);
	int colon_slots, slots = 0, max_slots = 0;

	if (parse_host_word(ln, w, &colon_slots) < 0)
		return -1;
	while ((w = strtok_r(NULL, " \t", &save)) != NULL)
		if (parse_key(ln, w, &slots, &max_slots) < 0)
			return -1;
	if (colon_slots && slots)
		return line_fail(ln, "both ':%d' and slots=%d give the slot count", colon_slots, slots);
	if (colon_slots)
		slots = colon_slots;
	if (slots == 0)
		slots = 1;
	if (max_slots && max_slots < slots)
		return line_fail(ln, "max_slots=%d is less than slots=%d", max_slots, slots);
	ln->slots = slots;
	return 0;
}

/* Cut the comment and blanks (and a CR) off a line, in place. */
static char *
line_content(char *line)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	return strtrim(line);
}

struct hf_errors {
	char *first;
	int more;
};

static void
note_error(struct hf_errors *e, const char *path, long lineno, char *why)
{
	if (e->first == NULL)
		e->first = xasprintf("hostfile '%s': line %ld: %s", path, lineno, why);
	else
		e->more++;
	free(why);
}

/* Move the parsed set into out, or merge it when out already has hosts. */
static void
hostset_take(struct hostset *out, struct hostset *hs)
{
	if (out->n == 0) {
		hostset_free(out);
		*out = *hs;
		return;
	}
	for (size_t i = 0; i < hs->n; i++)
		hostset_add(out, hs->v[i].name, hs->v[i].slots);
	hostset_free(hs);
}

static int
slots_of(const struct hostset *hs, const char *name)
{
	long i = hostset_find(hs, name);
	return i < 0 ? 0 : hs->v[i].slots;
}

static int
parse_fail(struct hf_errors *e, struct hostset *hs, char **err)
{
	if (e->more)
		*err = xasprintf("%s (and %d more bad line%s)", e->first, e->more,
		    e->more == 1 ? "" : "s");
	else
		*err = xstrdup(e->first);
	free(e->first);
	hostset_free(hs);
	return -1;
}

int
hostfile_parse(const char *text, const char *path, struct hostset *out, char **err)
{
	struct hostset hs = HOSTSET_INIT;
	struct hf_errors e = { NULL, 0 };
	char *copy = xstrdup(text ? text : ""), *line = copy, *next;
	long lineno = 0;

	for (; line; line = next) {
		struct hf_line ln = { NULL, 0, NULL };
		char *s;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		if (*(s = line_content(line)) == '\0')
			continue;
		if (parse_line(&ln, s) < 0)
			note_error(&e, path, lineno, ln.why);
		else if (e.first == NULL && slots_of(&hs, ln.host) > MAX_SLOTS - ln.slots)
			note_error(&e, path, lineno, xasprintf("host '%s' has more than %d slots in all",
			    ln.host, MAX_SLOTS));
		else if (e.first == NULL)
			hostset_add(&hs, ln.host, ln.slots);
	}
	free(copy);
	if (e.first == NULL && hs.n == 0)
		e.first = xasprintf("hostfile '%s': no hosts in it (only blank lines and comments); "
		    "a job needs at least one host", path);
	if (e.first)
		return parse_fail(&e, &hs, err);
	hostset_take(out, &hs);
	return 0;
}

/*
 * SLURM_TASKS_PER_NODE.  Read twice: once to check and count, so a value
 * like "1(x99999999)" is refused before anything is allocated; then to fill.
 * At most HOSTLIST_MAX_HOSTS entries, whatever max the caller allows.
 */
struct tpn_item {
	long count, repeat;
};

static int PRINTF(2, 3)
tpn_fail(char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err)
		*err = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

/* A whole number of at least 1 at *s, at most max. */
static int
tpn_number(const char *start, const char **s, long max, const char *what, long *out, char **err)
{
	const char *d = *s;
	long v = 0;

	if (**s < '0' || **s > '9')
		return tpn_fail(err, "expected %s at column %zu", what, (size_t)(*s - start) + 1);
	for (; **s >= '0' && **s <= '9'; (*s)++) {
		if (v > (max - (**s - '0')) / 10)
			return tpn_fail(err, "%s '%.*s' at column %zu is more than %ld", what,
			    (int)strspn(d, "0123456789"), d, (size_t)(d - start) + 1, max);
		v = v * 10 + (**s - '0');
	}
	if (v == 0)
		return tpn_fail(err, "%s 0 at column %zu: must be at least 1", what,
		    (size_t)(d - start) + 1);
	*out = v;
	return 0;
}

/* "N" or "N(xM)" at *s. */
static int
tpn_item(const char *start, const char **s, long max, struct tpn_item *it, char **err)
{
	it->repeat = 1;
	if (tpn_number(start, s, INT_MAX, "a task count", &it->count, err) < 0)
		return -1;
	if (**s != '(')
		return 0;
	if ((*s)[1] != 'x')
		return tpn_fail(err, "expected '(x' at column %zu", (size_t)(*s - start) + 1);
	*s += 2;
	if (tpn_number(start, s, max > 0 ? max : 1, "a node count", &it->repeat, err) < 0)
		return -1;
	if (*(*s)++ != ')')
		return tpn_fail(err, "expected ')' at column %zu", (size_t)(*s - start));
	return 0;
}

/* Check s and count its entries (fill out when it is not NULL). */
static long
tpn_walk(const char *s, long max, int *out, char **err)
{
	const char *p = s;
	long n = 0;

	if (*s == '\0')
		return tpn_fail(err, "empty value");
	for (;;) {
		struct tpn_item it;
		if (tpn_item(s, &p, max, &it, err) < 0)
			return -1;
		if (it.repeat > max - n)
			return tpn_fail(err, "more than %ld nodes", max);
		for (long i = 0; out && i < it.repeat; i++)
			out[n + i] = (int)it.count;
		n += it.repeat;
		if (*p == '\0')
			return n;
		if (*p != ',')
			return tpn_fail(err, "unexpected '%c' at column %zu (expected ',' or '(xN)')",
			    *p, (size_t)(p - s) + 1);
		p++;
	}
}

long
tasks_per_node_parse(const char *s, int **out, long max, char **err)
{
	long n;

	*out = NULL;
	if (s == NULL)
		s = "";
	/* No job has more nodes than a hostlist can name. */
	if (max > HOSTLIST_MAX_HOSTS)
		max = HOSTLIST_MAX_HOSTS;
	if ((n = tpn_walk(s, max, NULL, err)) < 0)
		return -1;
	*out = xcalloc((size_t)n, sizeof **out);
	tpn_walk(s, max, *out, NULL);
	return n;
}
