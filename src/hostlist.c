/* SPDX-License-Identifier: MIT */
/*
 * hostlist.c: Slurm hostlist expressions, expanded exactly as Slurm 22.05's
 * 'scontrol show hostnames' does, and compressed back.  Pure code, no I/O.
 *
 * The grammar (checked against scontrol, see tests/integration):
 *
 *   expr   := sep* [name (sep+ name)*] sep*      sep is ',', ' ' or TAB
 *   name   := text | (text '[' ranges ']')+      text holds no sep or bracket
 *   ranges := range (',' range)*
 *   range  := digits | digits '-' digits         lo <= hi
 *
 * A range's zero-pad width is the length of its lower bound as written:
 * [09-10] gives 09 10, [1-010] gives 1..10.  Duplicates are kept, order is
 * the written order.  Several bracket groups multiply out in Slurm's own
 * odd order: the last group varies fastest, then the first, then the
 * second ... and the one before the last varies slowest.  Text after the
 * last group ("n[1-2]b") is an error, as in Slurm.  Slurm's limits are
 * kept: 65536 hosts per range, 65536 hosts in any group but the last,
 * 262144 ranges in one group.
 *
 * Where scontrol accepts nonsense we reject it instead, because what it
 * prints is not what anyone meant: unbalanced or nested brackets ("n[1-3"
 * prints "n]"), blanks, signs or letters inside brackets ("n[1, 2]" prints
 * n1 n02), "n[1-]", numbers of ULONG_MAX or more (scontrol clamps them,
 * prints nothing or crashes), and a group before the last with more than
 * 65536 hosts when there are three or more groups (scontrol silently drops
 * the name).  A plain name is printed as written even when its digits
 * overflow (scontrol mangles those).  One expression may expand to at most
 * HOSTLIST_MAX_HOSTS hosts and HOSTLIST_MAX_BYTES bytes of names (with
 * their NULs); both are counted, exactly, before anything is allocated.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hostlist.h"

/* Slurm 22.05's limits (src/common/hostlist.c: MAX_RANGE, MAX_PREFIX_CNT,
 * MAX_RANGES). */
#define SLURM_MAX_RANGE     65536UL
#define SLURM_MAX_PREFIX    65536UL
#define SLURM_MAX_RANGES    262144UL
/* Slurm misbehaves on ranges that reach ULONG_MAX; nothing real gets near. */
#define HL_MAX_NUMBER       (ULONG_MAX - 1)

struct hl_range {
	unsigned long lo, hi;
	size_t width;            /* digits in lo as written */
};

struct hl_group {
	const char *text;        /* the text before '[' */
	size_t textlen;
	size_t range0, nranges;  /* into hl_parse.ranges */
	uint64_t count;
	uint64_t digits;         /* digits printed over all its values */
	size_t maxwidth;
	/* odometer state while emitting */
	size_t r;
	unsigned long x;
};

struct hl_name {
	const char *start;       /* the whole name, for names without groups */
	size_t len;
	size_t group0, ngroups;  /* into hl_parse.groups */
	uint64_t count;
};

struct hl_parse {
	const char *expr;
	struct hl_range *ranges;
	size_t nranges, ranges_alloc;
	struct hl_group *groups;
	size_t ngroups, groups_alloc;
	struct hl_name *names;
	size_t nnames, names_alloc;
	uint64_t total;
	uint64_t bytes;          /* of all names, with their NULs */
	char *err;
};

static int
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int PRINTF(2, 3)
fail(struct hl_parse *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	p->err = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static size_t
column(const struct hl_parse *p, const char *s)
{
	return (size_t)(s - p->expr) + 1;
}

/* A run of digits; *s is left after it.  Returns the digit count (0: none). */
static size_t
parse_digits(struct hl_parse *p, const char **s, unsigned long *out)
{
	const char *d = *s;
	unsigned long v = 0;
	int big = 0;

	for (; is_digit(**s); (*s)++) {
		unsigned digit = (unsigned)(**s - '0');
		if (v > (HL_MAX_NUMBER - digit) / 10)
			big = 1;
		else
			v = v * 10 + digit;
	}
	if (big) {
		fail(p, "number '%.*s' at column %zu is too large (at most %lu)", (int)(*s - d), d,
		    column(p, d), HL_MAX_NUMBER);
		return (size_t)-1;
	}
	*out = v;
	return (size_t)(*s - d);
}

/* Why the byte at s cannot continue a bracket group. */
static int
bad_in_group(struct hl_parse *p, const char *s, const char *open)
{
	unsigned char c = (unsigned char)*s;

	if (c == '\0' || (is_sep(*s) && !strchr(s, ']')))
		return fail(p, "unbalanced '[' at column %zu: no ']' closes it", column(p, open));
	if (c == '[')
		return fail(p, "nested '[' at column %zu", column(p, s));
	if (c == ' ' || c == '\t')
		return fail(p, "blank at column %zu inside brackets (write 'n[1,2]', not 'n[1, 2]')",
		    column(p, s));
	if (c > ' ' && c < 0x7f)
		return fail(p, "'%c' at column %zu is not allowed inside brackets (only digits, '-' "
		    "and ',')", c, column(p, s));
	return fail(p, "byte 0x%02x at column %zu is not allowed inside brackets (only digits, '-' "
	    "and ',')", c, column(p, s));
}

static int
range_check(struct hl_parse *p, const struct hl_range *r, const char *at)
{
	if (r->lo > r->hi)
		return fail(p, "range %.*s at column %zu is descending (write %lu-%lu)",
		    (int)strspn(at, "0123456789-"), at, column(p, at), r->hi, r->lo);
	if (r->hi - r->lo >= SLURM_MAX_RANGE)
		return fail(p, "range %.*s at column %zu has %lu hosts; Slurm allows at most %lu in one "
		    "range (split it into several)", (int)strspn(at, "0123456789-"), at,
		    column(p, at), r->hi - r->lo + 1, SLURM_MAX_RANGE);
	return 0;
}

/* The "hi" of "lo-hi", *s just after the '-' (at: the range, for messages). */
static int
parse_upper(struct hl_parse *p, const char **s, const char *at, const char *open,
    unsigned long *hi)
{
	size_t n = parse_digits(p, s, hi);

	if (n == (size_t)-1)
		return -1;
	if (**s == '-')
		return fail(p, "range at column %zu has more than one '-'", column(p, at));
	if (n == 0 && (**s == ',' || **s == ']'))
		return fail(p, "range '%.*s' at column %zu has no upper bound", (int)(*s - at), at,
		    column(p, at));
	if (n == 0)
		return bad_in_group(p, *s, open);
	return 0;
}

/* One "lo" or "lo-hi"; *s is left on the ',' or ']' after it. */
static int
parse_range(struct hl_parse *p, const char **s, const char *open, struct hl_range *r)
{
	const char *at = *s;
	size_t n;

	if (**s == ',' || **s == ']')
		return fail(p, "empty range at column %zu (a ',' or '[]' with no number)", column(p, at));
	if (**s == '-')
		return fail(p, "range at column %zu has no lower bound (negative numbers are not allowed)",
		    column(p, at));
	if ((n = parse_digits(p, s, &r->lo)) == (size_t)-1)
		return -1;
	if (n == 0)
		return bad_in_group(p, *s, open);
	r->width = n;
	r->hi = r->lo;
	if (**s == '-') {
		(*s)++;
		if (parse_upper(p, s, at, open, &r->hi) < 0)
			return -1;
	}
	if (**s != ',' && **s != ']')
		return bad_in_group(p, *s, open);
	return range_check(p, r, at);
}

/* The digits x in lo..hi print as, zero-padded to width, all together. */
static uint64_t
range_digits(const struct hl_range *r)
{
	uint64_t sum = 0;
	unsigned long x = r->lo, next = 10;
	size_t d = 1;

	/* d: the digits of x unpadded; next: the first value with d + 1. */
	while (next <= x) {
		d++;
		next = next > ULONG_MAX / 10 ? ULONG_MAX : next * 10;
	}
	for (;;) {
		unsigned long top = next - 1 < r->hi ? next - 1 : r->hi;
		sum += (uint64_t)(top - x + 1) * (d > r->width ? d : r->width);
		if (top == r->hi)
			return sum;
		x = next;
		d++;
		next = next > ULONG_MAX / 10 ? ULONG_MAX : next * 10;
	}
}

/* "[ranges]" at *s; *s is left after the ']'. */
static int
parse_group(struct hl_parse *p, const char **s, struct hl_group *g)
{
	const char *open = *s;

	g->range0 = p->nranges;
	g->nranges = 0;
	g->count = 0;
	g->digits = 0;
	g->maxwidth = 0;
	(*s)++;
	for (;;) {
		struct hl_range r;
		if (parse_range(p, s, open, &r) < 0)
			return -1;
		if (g->nranges == SLURM_MAX_RANGES)
			return fail(p, "bracket group at column %zu has more than %lu ranges",
			    column(p, open), SLURM_MAX_RANGES);
		p->ranges = xgrow(p->ranges, &p->ranges_alloc, p->nranges + 1, sizeof *p->ranges);
		p->ranges[p->nranges++] = r;
		g->nranges++;
		g->count += r.hi - r.lo + 1;
		g->digits += range_digits(&r);
		if (r.width > g->maxwidth)
			g->maxwidth = r.width;
		if (*(*s)++ == ']')
			return 0;
	}
}

/* Hosts in a name, capped: more than HOSTLIST_MAX_HOSTS is reported as such. */
static int
name_count(struct hl_parse *p, struct hl_name *nm)
{
	uint64_t count = 1;

	for (size_t i = 0; i < nm->ngroups; i++) {
		const struct hl_group *g = &p->groups[nm->group0 + i];
		if (i + 1 < nm->ngroups && g->count > SLURM_MAX_PREFIX)
			return fail(p, "the bracket group at column %zu has %llu hosts; Slurm allows at "
			    "most %lu in a group before the last one", column(p, g->text + g->textlen),
			    (unsigned long long)g->count, SLURM_MAX_PREFIX);
		/* Both factors are below 2^35, so the product cannot wrap
		 * before it passes the cap. */
		count *= g->count;
		if (count > (uint64_t)HOSTLIST_MAX_HOSTS)
			count = (uint64_t)HOSTLIST_MAX_HOSTS + 1;
	}
	nm->count = count;
	p->total += count;
	if (p->total > (uint64_t)HOSTLIST_MAX_HOSTS)
		return fail(p, "expands to more than %ld hosts", HOSTLIST_MAX_HOSTS);
	/*
	 * Its bytes: each group's text and digits appear once for every host
	 * of the other groups (count / g->count of them), plus a NUL a host.
	 * Below 2^20 hosts of at most 2^20 + 20 bytes each: no wrap.
	 */
	if (nm->ngroups == 0)
		p->bytes += nm->len + 1;
	else
		p->bytes += count;
	for (size_t i = 0; i < nm->ngroups; i++) {
		const struct hl_group *g = &p->groups[nm->group0 + i];
		p->bytes += (count / g->count) * (g->textlen * g->count + g->digits);
	}
	if (p->bytes > (uint64_t)HOSTLIST_MAX_BYTES)
		return fail(p, "expands to more than %ld bytes of host names", HOSTLIST_MAX_BYTES);
	return 0;
}

static int
parse_name(struct hl_parse *p, const char **s)
{
	struct hl_name nm = { *s, 0, p->ngroups, 0, 0 };
	const char *text = *s;

	while (**s && !is_sep(**s)) {
		struct hl_group g;
		if (**s == ']')
			return fail(p, "unbalanced ']' at column %zu: no '[' opens it", column(p, *s));
		if (**s != '[') {
			(*s)++;
			continue;
		}
		g.text = text;
		g.textlen = (size_t)(*s - text);
		if (parse_group(p, s, &g) < 0)
			return -1;
		p->groups = xgrow(p->groups, &p->groups_alloc, p->ngroups + 1, sizeof *p->groups);
		p->groups[p->ngroups++] = g;
		nm.ngroups++;
		text = *s;
	}
	if (nm.ngroups > 0 && *s > text)
		return fail(p, "text '%.*s' after the last ']' at column %zu (Slurm allows text after a "
		    "bracket group only when another group follows)", (int)(*s - text), text,
		    column(p, text));
	nm.len = (size_t)(*s - nm.start);
	if (name_count(p, &nm) < 0)
		return -1;
	p->names = xgrow(p->names, &p->names_alloc, p->nnames + 1, sizeof *p->names);
	p->names[p->nnames++] = nm;
	return 0;
}

static int
parse_expr(struct hl_parse *p)
{
	const char *s = p->expr;

	for (;;) {
		while (is_sep(*s))
			s++;
		if (*s == '\0')
			return 0;
		if (parse_name(p, &s) < 0)
			return -1;
	}
}

/* Write x zero-padded to width; returns the length written. */
static size_t
put_number(char *dst, unsigned long x, size_t width)
{
	char tmp[3 * sizeof x];
	size_t n = 0, pad;

	do {
		tmp[n++] = (char)('0' + x % 10);
		x /= 10;
	} while (x);
	pad = width > n ? width - n : 0;
	memset(dst, '0', pad);
	for (size_t i = 0; i < n; i++)
		dst[pad + i] = tmp[n - 1 - i];
	return pad + n;
}

/* Step one group; returns 1 when it wrapped back to its first value. */
static int
group_step(const struct hl_parse *p, struct hl_group *g)
{
	const struct hl_range *r = &p->ranges[g->range0 + g->r];

	if (g->x < r->hi) {
		g->x++;
		return 0;
	}
	if (++g->r == g->nranges)
		g->r = 0;
	g->x = p->ranges[g->range0 + g->r].lo;
	return g->r == 0;
}

/*
 * Slurm's order: the last group fastest, then the first, second, ..., and
 * the one before the last slowest (its _push_range_list recursion).
 */
static void
odometer_step(const struct hl_parse *p, struct hl_group *g, size_t n)
{
	if (!group_step(p, &g[n - 1]))
		return;
	for (size_t i = 0; i + 1 < n; i++)
		if (!group_step(p, &g[i]))
			return;
}

/* The hosts of nm, at most *left of them (less that many after). */
static void
emit_name(struct hl_parse *p, const struct hl_name *nm, char *buf, struct strvec *out,
    size_t *left)
{
	struct hl_group *g;

	if (*left == 0)
		return;
	if (nm->ngroups == 0) {
		memcpy(buf, nm->start, nm->len);
		buf[nm->len] = '\0';
		strvec_push(out, buf);
		(*left)--;
		return;
	}
	g = &p->groups[nm->group0];   /* not before: groups is NULL without any */
	for (size_t i = 0; i < nm->ngroups; i++) {
		g[i].r = 0;
		g[i].x = p->ranges[g[i].range0].lo;
	}
	for (uint64_t k = 0; k < nm->count && *left > 0; k++, (*left)--) {
		size_t len = 0;
		for (size_t i = 0; i < nm->ngroups; i++) {
			memcpy(buf + len, g[i].text, g[i].textlen);
			len += g[i].textlen;
			len += put_number(buf + len, g[i].x, p->ranges[g[i].range0 + g[i].r].width);
		}
		buf[len] = '\0';
		strvec_push(out, buf);
		odometer_step(p, g, nm->ngroups);
	}
}

/* Longest name any host of nm can print, plus the NUL. */
static size_t
name_bufsize(const struct hl_parse *p, const struct hl_name *nm)
{
	size_t size = nm->len + 1;

	for (size_t i = 0; i < nm->ngroups; i++) {
		const struct hl_group *g = &p->groups[nm->group0 + i];
		size += g->textlen + (g->maxwidth > 3 * sizeof(long) ? g->maxwidth : 3 * sizeof(long));
	}
	return size;
}

static void
parse_free(struct hl_parse *p)
{
	free(p->ranges);
	free(p->groups);
	free(p->names);
}

/* The first max hosts of expr; all of expr is checked. */
static int
expand(const char *expr, struct strvec *out, size_t max, char **err)
{
	struct hl_parse p;
	size_t bufsize = 1;
	char *buf;

	memset(&p, 0, sizeof p);
	p.expr = expr ? expr : "";
	/* All of it is checked and counted before the first host is made. */
	if (parse_expr(&p) < 0) {
		if (err)
			*err = p.err;
		else
			free(p.err);
		parse_free(&p);
		return -1;
	}
	for (size_t i = 0; i < p.nnames; i++) {
		size_t n = name_bufsize(&p, &p.names[i]);
		if (n > bufsize)
			bufsize = n;
	}
	buf = xmalloc(bufsize);
	for (size_t i = 0; i < p.nnames; i++)
		emit_name(&p, &p.names[i], buf, out, &max);
	free(buf);
	parse_free(&p);
	return 0;
}

int
hostlist_expand(const char *expr, struct strvec *out, char **err)
{
	return expand(expr, out, SIZE_MAX, err);
}

int
hostlist_first(const char *expr, char **first, char **err)
{
	struct strvec one = STRVEC_INIT;

	*first = NULL;
	if (expand(expr, &one, 1, err) < 0)
		return -1;
	if (one.n > 0) {
		*first = one.v[0];
		one.v[0] = NULL;
	}
	strvec_clear(&one);
	return 0;
}

/*
 * Compression.  Each host is cut into text and numeric fields ("x1c2n3":
 * x 1 c 2 n 3).  A run of neighbours that differ in one numeric field
 * becomes one bracket group there; runs of such groups that differ only in
 * one earlier field become a second, leading group ("r[1-2]n[1-4]").  Each
 * piece is written bracketed only when that is shorter than the plain
 * names.  Only forms Slurm reads the same way are written: the name must
 * end in its last numeric field, and a group there is always bracketed.
 */

struct cfield {
	size_t off, len;         /* the digits within the host name */
	unsigned long value;
};

struct chost {
	const char *name;
	size_t len;
	size_t field0, nfields;  /* into the field array */
	int bracketable;         /* ends in a numeric field, no special chars */
};

/* One run of hosts differing only in field v (v < 0: a single host). */
struct citem {
	size_t first, n;
	long v;
};

struct compress {
	char *const *hosts;
	struct chost *h;
	struct cfield *f;
	size_t nf, falloc;
};

static int
plain_name_ok(const char *s)
{
	return *s && strpbrk(s, ", \t[]") == NULL;
}

static void
split_host(struct compress *c, size_t i)
{
	struct chost *h = &c->h[i];
	const char *s = c->hosts[i];

	h->name = s;
	h->len = strlen(s);
	h->field0 = c->nf;
	h->nfields = 0;
	for (size_t k = 0; k < h->len;) {
		struct cfield f = { k, 0, 0 };
		int big = 0;
		if (!is_digit(s[k])) {
			k++;
			continue;
		}
		for (; k < h->len && is_digit(s[k]); k++, f.len++) {
			unsigned digit = (unsigned)(s[k] - '0');
			if (f.value > (HL_MAX_NUMBER - digit) / 10)
				big = 1;
			else
				f.value = f.value * 10 + digit;
		}
		/*
		 * Too large for a range: it stays text.  (At the end of a name,
		 * Slurm clamps it; no Slurm node can have such a name.)
		 */
		if (big)
			continue;
		c->f = xgrow(c->f, &c->falloc, c->nf + 1, sizeof *c->f);
		c->f[c->nf++] = f;
		h->nfields++;
	}
	h->bracketable = plain_name_ok(s) && h->nfields > 0 &&
	    c->f[h->field0 + h->nfields - 1].off + c->f[h->field0 + h->nfields - 1].len == h->len;
}

static const struct cfield *
field(const struct compress *c, size_t host, size_t k)
{
	return &c->f[c->h[host].field0 + k];
}

/*
 * How many numeric fields differ between two hosts of the same shape (the
 * same text between fields): 0, 1 (*which set) or 2 for "more"; -1 when
 * the shapes differ.  skip is a field to ignore, or -1.
 */
static int
fields_differ(const struct compress *c, size_t a, size_t b, long skip, long *which)
{
	const struct chost *ha = &c->h[a], *hb = &c->h[b];
	size_t pa = 0, pb = 0;
	int ndiff = 0;

	if (!ha->bracketable || !hb->bracketable || ha->nfields != hb->nfields)
		return -1;
	for (size_t k = 0; k < ha->nfields; k++) {
		const struct cfield *fa = field(c, a, k), *fb = field(c, b, k);
		if (fa->off - pa != fb->off - pb || memcmp(ha->name + pa, hb->name + pb, fa->off - pa))
			return -1;
		if ((long)k != skip && (fa->len != fb->len ||
		    memcmp(ha->name + fa->off, hb->name + fb->off, fa->len) != 0)) {
			if (++ndiff > 1)
				return 2;
			*which = (long)k;
		}
		pa = fa->off + fa->len;
		pb = fb->off + fb->len;
	}
	return ndiff;
}

/*
 * The longest run from first whose hosts differ from it only in one field.
 * Slurm's limits bound it: a group before the last holds at most 65536
 * hosts, the last one at most 262144 ranges (put_ranges splits ranges).
 */
static struct citem
take_run(const struct compress *c, size_t first, size_t n)
{
	struct citem it = { first, 1, -1 };
	long last = (long)c->h[first].nfields - 1;

	while (first + it.n < n && it.n < (it.v == last ? SLURM_MAX_RANGES : SLURM_MAX_PREFIX)) {
		long which = -1;
		int d = fields_differ(c, first, first + it.n, -1, &which);
		if (d < 0 || d > 1)
			break;
		if (d == 0)
			which = it.v >= 0 ? it.v : last;
		if (it.v >= 0 && which != it.v)
			break;
		it.v = which;
		it.n++;
	}
	return it;
}

/*
 * Does next continue a range of the given width after prev?  Its value must
 * be one more, and printing it at that width must give its digits back:
 * "09" continues "08", "10" continues "09" (width 2), "010" does not.
 */
static int
extends_range(size_t width, const struct cfield *prev, const struct cfield *next,
    const char *next_name)
{
	if (prev->value == HL_MAX_NUMBER || next->value != prev->value + 1)
		return 0;
	return next->len == width || (next->len > width && next_name[next->off] != '0');
}

/* "1-3,5,09-10" for n fields, each given by host index and field number. */
static void
put_ranges(struct buf *b, const struct compress *c, const size_t *host, size_t n, size_t k)
{
	for (size_t i = 0; i < n;) {
		const struct cfield *lo = field(c, host[i], k);
		size_t j = i;
		while (j + 1 < n && j + 1 - i < SLURM_MAX_RANGE && extends_range(lo->len,
		    field(c, host[j], k), field(c, host[j + 1], k), c->h[host[j + 1]].name))
			j++;
		if (i > 0)
			buf_addc(b, ',');
		buf_add(b, c->h[host[i]].name + lo->off, lo->len);
		if (j > i) {
			const struct cfield *hi = field(c, host[j], k);
			buf_addc(b, '-');
			buf_add(b, c->h[host[j]].name + hi->off, hi->len);
		}
		i = j + 1;
	}
}

/*
 * Write the template host t with field u as "[u values]" (from hosts uh)
 * and the last field as "[last values]" (from hosts lh); u < 0 for none.
 */
static void
put_groups(struct buf *b, const struct compress *c, size_t t, long u, const size_t *uh,
    size_t un, const size_t *lh, size_t ln)
{
	const struct chost *h = &c->h[t];
	size_t last = h->nfields - 1, pos = 0;

	if (u >= 0) {
		const struct cfield *fu = field(c, t, (size_t)u);
		buf_add(b, h->name, fu->off);
		buf_addc(b, '[');
		put_ranges(b, c, uh, un, (size_t)u);
		buf_addc(b, ']');
		pos = fu->off + fu->len;
	}
	buf_add(b, h->name + pos, field(c, t, last)->off - pos);
	buf_addc(b, '[');
	put_ranges(b, c, lh, ln, last);
	buf_addc(b, ']');
}

static void
put_plain(struct buf *b, const struct compress *c, size_t first, size_t n)
{
	for (size_t i = first; i < first + n; i++) {
		if (i > first)
			buf_addc(b, ',');
		buf_add(b, c->h[i].name, c->h[i].len);
	}
}

/* One run: bracketed if that is shorter than the plain names. */
static void
put_item(struct buf *b, const struct compress *c, const struct citem *it)
{
	struct buf br = BUF_INIT, pl = BUF_INIT;
	size_t *idx;

	put_plain(&pl, c, it->first, it->n);
	if (it->n > 1) {
		long last = (long)c->h[it->first].nfields - 1;
		idx = xcalloc(it->n, sizeof *idx);
		for (size_t i = 0; i < it->n; i++)
			idx[i] = it->first + i;
		if (it->v == last)
			put_groups(&br, c, it->first, -1, NULL, 0, idx, it->n);
		else
			put_groups(&br, c, it->first, it->v, idx, it->n, idx, 1);
		free(idx);
	}
	if (br.s && br.len < pl.len)
		buf_add(b, br.s, br.len);
	else
		buf_add(b, pl.s, pl.len);
	free(br.s);
	free(pl.s);
}

/* Do items a and b have the same last-field values, host by host? */
static int
same_last_values(const struct compress *c, const struct citem *a, const struct citem *b)
{
	size_t last = c->h[a->first].nfields - 1;

	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct cfield *fa = field(c, a->first + i, last);
		const struct cfield *fb = field(c, b->first + i, last);
		if (fa->len != fb->len || memcmp(c->h[a->first + i].name + fa->off,
		    c->h[b->first + i].name + fb->off, fa->len) != 0)
			return 0;
	}
	return 1;
}

/*
 * How many items from it[0] form one two-group block "a[u]b[last]": each
 * varies only in the last field, all with the same values there, and their
 * first hosts differ in one earlier field u.
 */
static size_t
take_block(const struct compress *c, const struct citem *it, size_t n, long *u)
{
	size_t k = 1;
	long last = (long)c->h[it[0].first].nfields - 1;

	if (!c->h[it[0].first].bracketable || (it[0].v != last && it[0].n > 1))
		return 1;
	*u = -1;
	while (k < n && k < SLURM_MAX_PREFIX) {
		long which = -1;
		if (it[k].v != last && it[k].n > 1)
			break;
		/* Same shape first: only then are the fields comparable. */
		if (fields_differ(c, it[0].first, it[k].first, last, &which) != 1 ||
		    (*u >= 0 && which != *u) || !same_last_values(c, &it[0], &it[k]))
			break;
		*u = which;
		k++;
	}
	return k;
}

static void
put_block(struct buf *b, const struct compress *c, const struct citem *it, size_t k, long u)
{
	struct buf br = BUF_INIT, pl = BUF_INIT;
	size_t *uh = xcalloc(k, sizeof *uh), *lh = xcalloc(it[0].n, sizeof *lh);

	for (size_t i = 0; i < k; i++) {
		if (i > 0)
			buf_addc(&pl, ',');
		put_item(&pl, c, &it[i]);
		uh[i] = it[i].first;
	}
	for (size_t i = 0; i < it[0].n; i++)
		lh[i] = it[0].first + i;
	put_groups(&br, c, it[0].first, u, uh, k, lh, it[0].n);
	if (br.len < pl.len)
		buf_add(b, br.s, br.len);
	else
		buf_add(b, pl.s, pl.len);
	free(uh);
	free(lh);
	free(br.s);
	free(pl.s);
}

char *
hostlist_compress(char *const *hosts, size_t n)
{
	struct compress c = { hosts, NULL, NULL, 0, 0 };
	struct citem *items;
	size_t nitems = 0;
	struct buf b = BUF_INIT;

	buf_add(&b, "", 0);
	c.h = xcalloc(n, sizeof *c.h);
	items = xcalloc(n, sizeof *items);
	for (size_t i = 0; i < n; i++)
		split_host(&c, i);
	for (size_t i = 0; i < n; i += items[nitems - 1].n)
		items[nitems++] = take_run(&c, i, n);
	for (size_t i = 0; i < nitems;) {
		long u = -1;
		size_t k = take_block(&c, &items[i], nitems - i, &u);
		if (i > 0)
			buf_addc(&b, ',');
		if (k > 1)
			put_block(&b, &c, &items[i], k, u);
		else
			put_item(&b, &c, &items[i]);
		i += k;
	}
	free(items);
	free(c.h);
	free(c.f);
	return b.s;
}
