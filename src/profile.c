/* SPDX-License-Identifier: MIT */
/*
 * profile.c: machine profiles, the only file that includes yaml.h.  It turns
 * a YAML file into a plain struct profile, loads the profile directories in
 * order, and picks the profile that recognises a host.
 *
 * The format, its limits and every error message are documented in
 * ezpz-machines(5) (man/ezpz-machines.5); the key tables below (*_fields)
 * are what the man-page check holds that page to.  In short: one YAML
 * mapping per file, scalars are strings or plain decimal integers, no
 * anchors, tags or second documents; errors are "FILE:LINE: message",
 * sorted by line, all reported, and a file with any error loads nothing.
 *
 * Directories: profiles_load_dir reads *.yaml (not dot files) in byte order
 * of their names; a later profile with the same name replaces the earlier
 * one whole (keys are not merged); a file with errors is skipped and the
 * earlier profile kept.  profiles_load_default reads DATADIR/machines, /etc/ezpz/machines.d,
 * $XDG_CONFIG_HOME/ezpz/machines.d (an absolute XDG_CONFIG_HOME, else
 * $HOME/.config), then $EZPZ_CONFIG_DIR itself, all from the given envp.
 *
 * Matching: among the profiles that match, the highest priority wins, then
 * the longest matching hostname pattern (strlen: "x3*sirius*" beats "x3*";
 * an env-only alternative counts 0), then the name that sorts first.
 */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#include "backend.h"
#include "buf.h"
#include "profile.h"
#include "strvec.h"
#include "types.h"
#include "util.h"

enum {
	PROFILE_NAME_MAX = 64,
	PROFILE_MAX_GPUS = 1024,
	PROFILE_MAX_TILES = 16,
	PROFILE_MAX_DEPTH = 4096,
	PROFILE_MAX_CORE = 65535,
	PROFILE_MAX_RESERVED = 4096,
	PROFILE_PRIORITY_MAX = 1000,
	YAML_MAX_NESTING = 32,   /* profiles nest 3 deep; "[[[[..." is an attack */
};

/* Keys whose lines the cross-checks need (struct field.slot). */
enum { L_NONE, L_NAME, L_BIND, L_DEPTH, L_PER_HOST, L_MAX };

/* ---- the YAML tree: events folded into plain nodes ---- */

enum ntype { N_NULL, N_SCALAR, N_SEQ, N_MAP, N_BAD };

struct node {
	enum ntype type;
	int line;                /* 1-based */
	char *s;                 /* N_SCALAR */
	struct node **kid;       /* N_SEQ items; N_MAP key, value, key, value... */
	size_t n, alloc;
};

struct perr {
	int line;
	char *msg;
};

struct pctx {
	const char *file;
	const char *text;        /* the whole file, for lines of byte offsets */
	size_t len;
	struct perr *e;
	size_t ne, alloc;
	yaml_parser_t parser;
	int syntax;              /* a syntax error ended the parse */
	int line[L_MAX];         /* where the keys the cross-checks name are */
};

static void PRINTF(3, 4)
err_at(struct pctx *cx, int line, const char *fmt, ...)
{
	va_list ap;
	cx->e = xgrow(cx->e, &cx->alloc, cx->ne + 1, sizeof *cx->e);
	va_start(ap, fmt);
	cx->e[cx->ne].msg = xvasprintf(fmt, ap);
	va_end(ap);
	cx->e[cx->ne++].line = line;
}

static void
node_free(struct node *nd)
{
	if (nd == NULL)
		return;
	for (size_t i = 0; i < nd->n; i++)
		node_free(nd->kid[i]);
	free(nd->kid);
	free(nd->s);
	free(nd);
}

static struct node *
node_new(enum ntype type, const yaml_mark_t *m)
{
	struct node *nd = xcalloc(1, sizeof *nd);
	nd->type = type;
	nd->line = (int)m->line + 1;
	return nd;
}

static void
node_add(struct node *parent, struct node *kid)
{
	parent->kid = xgrow(parent->kid, &parent->alloc, parent->n + 1, sizeof *parent->kid);
	parent->kid[parent->n++] = kid;
}

static int
line_of_offset(const char *text, size_t len, size_t off)
{
	int line = 1;
	for (size_t i = 0; i < off && i < len; i++)
		line += text[i] == '\n';
	return line;
}

/* Record libyaml's complaint; the parse cannot go on after it. */
static void
syntax_error(struct pctx *cx)
{
	yaml_parser_t *p = &cx->parser;
	const char *problem = p->problem ? p->problem : "cannot parse";

	cx->syntax = 1;
	if (p->error == YAML_READER_ERROR) {
		err_at(cx, line_of_offset(cx->text, cx->len, p->problem_offset),
		    "YAML syntax error: %s", problem);
	} else if (p->context) {
		err_at(cx, (int)p->problem_mark.line + 1, "YAML syntax error: %s (%s at line %d)",
		    problem, p->context, (int)p->context_mark.line + 1);
	} else {
		err_at(cx, (int)p->problem_mark.line + 1, "YAML syntax error: %s", problem);
	}
}

static int
is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	return *v == '\0' || streq(v, "~") || streq(v, "null") || streq(v, "Null") ||
	    streq(v, "NULL");
}

/* Anchors and tags are reported where they appear; the node is still used. */
static void
check_decorations(struct pctx *cx, const yaml_event_t *ev, const yaml_char_t *anchor,
    const yaml_char_t *tag)
{
	if (anchor)
		err_at(cx, (int)ev->start_mark.line + 1, "anchors and aliases are not supported");
	if (tag)
		err_at(cx, (int)ev->start_mark.line + 1, "YAML tags are not supported");
}

static int
next_event(struct pctx *cx, yaml_event_t *ev)
{
	if (yaml_parser_parse(&cx->parser, ev))
		return 0;
	syntax_error(cx);
	return -1;
}

static struct node *build(struct pctx *cx, yaml_event_t *ev, int depth);

/* Read the items of a sequence or mapping up to end; NULL on syntax error. */
static struct node *
build_kids(struct pctx *cx, struct node *nd, yaml_event_type_t end, int depth)
{
	for (;;) {
		yaml_event_t ev;
		struct node *kid;
		if (next_event(cx, &ev) < 0) {
			node_free(nd);
			return NULL;
		}
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return nd;
		}
		kid = build(cx, &ev, depth + 1);
		if (kid == NULL) {
			node_free(nd);
			return NULL;
		}
		node_add(nd, kid);
	}
}

/* Fold the node that starts with ev (consumed) into a tree. */
static struct node *
build(struct pctx *cx, yaml_event_t *ev, int depth)
{
	struct node *nd = NULL;

	if (depth > YAML_MAX_NESTING) {
		err_at(cx, (int)ev->start_mark.line + 1, "nested deeper than %d levels",
		    YAML_MAX_NESTING);
		cx->syntax = 1;
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		check_decorations(cx, ev, ev->data.scalar.anchor, ev->data.scalar.tag);
		nd = node_new(is_null_scalar(ev) ? N_NULL : N_SCALAR, &ev->start_mark);
		if (strlen((char *)ev->data.scalar.value) != ev->data.scalar.length) {
			err_at(cx, nd->line, "NUL character in a value");
			nd->type = N_BAD;
		} else {
			nd->s = xstrdup((char *)ev->data.scalar.value);
		}
		break;
	case YAML_ALIAS_EVENT:
		err_at(cx, (int)ev->start_mark.line + 1, "anchors and aliases are not supported");
		nd = node_new(N_BAD, &ev->start_mark);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int seq = ev->type == YAML_SEQUENCE_START_EVENT;
		check_decorations(cx, ev,
		    seq ? ev->data.sequence_start.anchor : ev->data.mapping_start.anchor,
		    seq ? ev->data.sequence_start.tag : ev->data.mapping_start.tag);
		nd = node_new(seq ? N_SEQ : N_MAP, &ev->start_mark);
		yaml_event_delete(ev);
		return build_kids(cx, nd, seq ? YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT,
		    depth);
	}
	default:   /* the parser allows nothing else here */
		err_at(cx, (int)ev->start_mark.line + 1, "unexpected YAML event");
		cx->syntax = 1;
		break;
	}
	yaml_event_delete(ev);
	return nd;
}

/*
 * The one document of the stream, or NULL (empty file or an error, already
 * reported).
 */
static struct node *
build_document(struct pctx *cx)
{
	yaml_event_t ev;
	struct node *root = NULL;

	if (next_event(cx, &ev) < 0)         /* STREAM-START */
		return NULL;
	yaml_event_delete(&ev);
	if (next_event(cx, &ev) < 0)
		return NULL;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return NULL;
	}
	yaml_event_delete(&ev);                         /* DOCUMENT-START */
	if (next_event(cx, &ev) < 0)
		return NULL;
	root = build(cx, &ev, 0);
	if (root == NULL || next_event(cx, &ev) < 0)   /* DOCUMENT-END */
		goto fail;
	yaml_event_delete(&ev);
	if (next_event(cx, &ev) < 0)
		goto fail;
	if (ev.type == YAML_DOCUMENT_START_EVENT)
		err_at(cx, (int)ev.start_mark.line + 1,
		    "more than one YAML document (one profile per file)");
	yaml_event_delete(&ev);
	return root;
fail:
	node_free(root);
	return NULL;
}

/* ---- UTF-8: libyaml only reports an offset, and a vague one ---- */

static size_t
utf8_bad(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned min, cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			n = 1, min = 0x80, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			n = 2, min = 0x800, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			n = 3, min = 0x10000, cp = c & 0x07;
		else
			return i;
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return i;
		i += n + 1;
	}
	return SIZE_MAX;
}

/* ---- values ---- */

static const char *
type_name(const struct node *v)
{
	switch (v->type) {
	case N_SEQ: return "a list";
	case N_MAP: return "a mapping";
	default: return "a string";
	}
}

/* The string of a scalar, or NULL after reporting why not. */
static const char *
want_string(struct pctx *cx, const char *path, const struct node *v, int allow_empty)
{
	switch (v->type) {
	case N_BAD:
		return NULL;
	case N_NULL:
		err_at(cx, v->line, "%s: missing value", path);
		return NULL;
	case N_SEQ:
	case N_MAP:
		err_at(cx, v->line, "%s: expected a string, got %s", path, type_name(v));
		return NULL;
	default:
		break;
	}
	if (!allow_empty && *v->s == '\0') {
		err_at(cx, v->line, "%s: empty string", path);
		return NULL;
	}
	return v->s;
}

static int
want_int(struct pctx *cx, const char *path, const struct node *v, long min, long max,
    long *out)
{
	const char *s, *why;
	if (v->type == N_SEQ || v->type == N_MAP) {
		err_at(cx, v->line, "%s: expected an integer, got %s", path, type_name(v));
		return -1;
	}
	if ((s = want_string(cx, path, v, 0)) == NULL)
		return -1;
	if (parse_long(s, LONG_MIN, LONG_MAX, out, &why) < 0 && streq(why, "not a number")) {
		err_at(cx, v->line, "%s: expected an integer, got '%s'", path, s);
		return -1;
	}
	if (parse_long(s, min, max, out, &why) < 0) {
		err_at(cx, v->line, "%s: %s is out of range (%ld to %ld)", path, s, min, max);
		return -1;
	}
	return 0;
}

/* ---- the schema, as tables ---- */

struct field;
typedef void setter(struct pctx *, const struct field *, const char *path,
    const struct node *key, const struct node *v, void *base);

struct field {
	const char *key;
	setter *set;
	size_t off;              /* into the struct being filled */
	long min, max;
	const struct field *sub; /* f_section: the keys inside */
	int slot;                /* L_*: remember the key's line */
};

#define AT(base, f, type) ((type *)((char *)(base) + (f)->off))

static void walk_map(struct pctx *cx, const struct field *tab, const char *prefix,
    const struct node *map, void *base);

static void
f_text(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	const char *s = want_string(cx, path, v, 0);
	(void)k;
	if (s) {
		free(*AT(base, f, char *));
		*AT(base, f, char *) = xstrdup(s);
	}
}

/* One line for people: shell completion shows it after a tab. */
static void
f_line(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	const char *s = want_string(cx, path, v, 0);
	(void)k;
	if (s == NULL)
		return;
	if (s[strcspn(s, "\n\r\t")] != '\0') {
		err_at(cx, v->line, "%s: one line, without tabs (shell completion shows it)", path);
		return;
	}
	free(*AT(base, f, char *));
	*AT(base, f, char *) = xstrdup(s);
}

static int
valid_name(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");
	return s[n] == '\0' && n <= PROFILE_NAME_MAX;
}

static void
f_name(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	const char *s = want_string(cx, path, v, 0);
	if (s == NULL)
		return;
	if (!valid_name(s)) {
		err_at(cx, v->line, "%s: '%s' is not a valid profile name (use a-z, 0-9, '_', '-'; "
		    "at most %d)", path, s, PROFILE_NAME_MAX);
		return;
	}
	f_text(cx, f, path, k, v, base);
}

static void
f_int(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	long n;
	(void)k;
	if (want_int(cx, path, v, f->min, f->max, &n) == 0)
		*AT(base, f, int) = (int)n;
}

/* "a, b or c" from a name function of types.h. */
static char *
allowed_names(const char *(*name)(int))
{
	struct strvec sv = STRVEC_INIT;
	char *s = xstrdup("");
	for (int i = 0; name(i); i++)
		strvec_push(&sv, name(i));
	for (size_t i = 0; i < sv.n; i++) {
		char *t = xasprintf("%s%s%s", s, i == 0 ? "" : i + 1 == sv.n ? " or " : ", ",
		    sv.v[i]);
		free(s);
		s = t;
	}
	strvec_clear(&sv);
	return s;
}

static const char *sched_i(int i) { return sched_name(i); }
static const char *launcher_i(int i) { return launcher_name(i); }
static const char *vendor_i(int i) { return vendor_name(i); }

static int
want_enum(struct pctx *cx, const char *path, const struct node *v, int (*parse)(const char *),
    const char *(*name)(int))
{
	const char *s = want_string(cx, path, v, 0);
	int r;
	if (s == NULL)
		return -1;
	if ((r = parse(s)) < 0) {
		char *allowed = allowed_names(name);
		err_at(cx, v->line, "%s: unknown value '%s' (expected %s)", path, s, allowed);
		free(allowed);
	}
	return r;
}

static const char *account_i(int i)
{
	static const char *const names[] = { "optional", "required" };
	return i >= 0 && i < (int)NITEMS(names) ? names[i] : NULL;
}

static int
account_p(const char *s)
{
	for (int i = 0; account_i(i); i++)
		if (streq(s, account_i(i)))
			return i;
	return -1;
}

static void
f_account(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	int r = want_enum(cx, path, v, account_p, account_i);
	(void)k;
	if (r >= 0)
		*AT(base, f, int) = r;
}

static const char *bool_i(int i)
{
	static const char *const names[] = { "false", "true" };
	return i >= 0 && i < (int)NITEMS(names) ? names[i] : NULL;
}

static int
bool_p(const char *s)
{
	for (int i = 0; bool_i(i); i++)
		if (streq(s, bool_i(i)))
			return i;
	return -1;
}

static void
f_bool(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	int r = want_enum(cx, path, v, bool_p, bool_i);
	(void)k;
	if (r >= 0)
		*AT(base, f, int) = r;
}

static int sched_p(const char *s) { return (int)sched_parse(s); }
static int launcher_p(const char *s) { return (int)launcher_parse(s); }
static int vendor_p(const char *s) { return (int)vendor_parse(s); }

static void
f_sched(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	int r = want_enum(cx, path, v, sched_p, sched_i);
	(void)k;
	if (r >= 0)
		*AT(base, f, enum sched) = (enum sched)r;
}

static void
f_launcher(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	int r = want_enum(cx, path, v, launcher_p, launcher_i);
	(void)k;
	if (r >= 0)
		*AT(base, f, enum launcher) = (enum launcher)r;
}

static void
f_vendor(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	int r = want_enum(cx, path, v, vendor_p, vendor_i);
	(void)k;
	if (r >= 0)
		*AT(base, f, enum vendor) = (enum vendor)r;
}

/* A string or a list of strings; any empty list is fine. */
static void
strlist(struct pctx *cx, const char *path, const struct node *v, struct strvec *out,
    int allow_scalar)
{
	const char *s;
	if (v->type == N_NULL || v->type == N_BAD)
		return;
	if (v->type == N_MAP || (v->type == N_SCALAR && !allow_scalar)) {
		err_at(cx, v->line, "%s: expected a list of strings, got %s", path, type_name(v));
		return;
	}
	if (v->type == N_SCALAR) {
		if ((s = want_string(cx, path, v, 0)) != NULL)
			strvec_push(out, s);
		return;
	}
	for (size_t i = 0; i < v->n; i++)
		if ((s = want_string(cx, path, v->kid[i], 0)) != NULL)
			strvec_push(out, s);
}

static void
f_strlist(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	(void)k;
	strlist(cx, path, v, AT(base, f, struct strvec), 1);
}

/* Extended regexes, each with a group for the host (failover.h). */
static void
f_regexes(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	struct strvec *out = AT(base, f, struct strvec);
	size_t from = out->n;
	(void)k;
	strlist(cx, path, v, out, 0);
	for (size_t i = from; i < out->n; i++) {
		regex_t re;
		int rc = regcomp(&re, out->v[i], REG_EXTENDED);
		if (rc != 0) {
			char why[128];
			regerror(rc, &re, why, sizeof why);
			err_at(cx, v->line, "%s: '%s': %s", path, out->v[i], why);
			continue;
		}
		if (re.re_nsub < 1)
			err_at(cx, v->line, "%s: '%s': needs a group ( ) around the host name or address",
			    path, out->v[i]);
		regfree(&re);
	}
}

static void
f_args(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	(void)k;
	strlist(cx, path, v, AT(base, f, struct strvec), 0);
}

static void
f_prefix(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	if (v->type == N_SCALAR && v->s[0] != '/' && v->s[0] != '\0') {
		err_at(cx, v->line, "%s: '%s' is not an absolute path", path, v->s);
		return;
	}
	f_text(cx, f, path, k, v, base);
}

static void
f_suffix(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	if (v->type == N_SCALAR && v->s[0] != '.' && v->s[0] != '\0') {
		err_at(cx, v->line, "%s: '%s' must start with '.'", path, v->s);
		return;
	}
	f_text(cx, f, path, k, v, base);
}

/* srun's --mpi: a plugin type (pmix, pmi2, cray_shasta, pmix_v4), or site. */
static void
f_srun_mpi(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	if (v->type == N_SCALAR && !srun_mpi_valid(v->s)) {
		err_at(cx, v->line, "%s: '%s' is not an MPI plugin type (like pmix, pmi2, "
		    "cray_shasta; or site: srun's own default)", path, v->s);
		return;
	}
	f_text(cx, f, path, k, v, base);
}

static void
f_bind(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	(void)k;
	if (v->type == N_SCALAR && v->s[strcspn(v->s, " \t\n")] != '\0') {
		err_at(cx, v->line, "%s: '%s' contains blanks", path, v->s);
		return;
	}
	f_text(cx, f, path, k, v, base);
}

static void
f_cores(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	struct profile *p = base;
	const struct node *one[1] = { v };
	const struct node *const *items = one;
	size_t n = 1;
	(void)f, (void)k;

	if (v->type == N_NULL || v->type == N_BAD)
		return;
	if (v->type == N_MAP) {
		err_at(cx, v->line, "%s: expected a list of integers, got a mapping", path);
		return;
	}
	if (v->type == N_SEQ)
		items = (const struct node *const *)v->kid, n = v->n;
	if (n > PROFILE_MAX_RESERVED) {
		err_at(cx, v->line, "%s: more than %d cores", path, PROFILE_MAX_RESERVED);
		return;
	}
	free(p->reserved_cores);
	p->reserved_cores = xcalloc(n, sizeof *p->reserved_cores);
	p->nreserved = 0;
	for (size_t i = 0; i < n; i++) {
		long c;
		if (want_int(cx, path, items[i], 0, PROFILE_MAX_CORE, &c) < 0)
			continue;
		for (size_t j = 0; j < p->nreserved; j++) {
			if (p->reserved_cores[j] == c) {
				err_at(cx, items[i]->line, "%s: core %ld listed twice", path, c);
				c = -1;
				break;
			}
		}
		if (c >= 0)
			p->reserved_cores[p->nreserved++] = (int)c;
	}
}

static int
valid_env_name(const char *s)
{
	if (!(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return 0;
	return s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")] ==
	    '\0';
}

struct keyref {
	const char *s;
	size_t i;
};

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	int c = strcmp(x->s, y->s);
	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/*
 * For each key of map (kid[2j]), the kid index of the first key with the
 * same text, or SIZE_MAX when it is the first: one sort, so that a map of
 * 200,000 keys is not compared pair by pair.  Free the result.
 */
static size_t *
map_firsts(const struct node *map)
{
	size_t npairs = map->n / 2, nref = 0;
	size_t *first = xcalloc(npairs ? npairs : 1, sizeof *first);
	struct keyref *ref = xcalloc(npairs ? npairs : 1, sizeof *ref);

	for (size_t j = 0; j < npairs; j++) {
		first[j] = SIZE_MAX;
		if (map->kid[2 * j]->type == N_SCALAR)
			ref[nref++] = (struct keyref){ map->kid[2 * j]->s, 2 * j };
	}
	qsort(ref, nref, sizeof *ref, keyref_cmp);
	for (size_t a = 0, b; a < nref; a = b)
		for (b = a + 1; b < nref && strcmp(ref[a].s, ref[b].s) == 0; b++)
			first[ref[b].i / 2] = ref[a].i;
	free(ref);
	return first;
}

/*
 * The key string of map->kid[i], or NULL after reporting a bad or repeated
 * key; first is from map_firsts(map).
 */
static const char *
map_key(struct pctx *cx, const char *prefix, const struct node *map, const size_t *first,
    size_t i)
{
	const struct node *k = map->kid[i];
	const char *dot = *prefix ? "." : "";
	if (k->type == N_BAD)
		return NULL;
	if (k->type != N_SCALAR) {
		err_at(cx, k->line, "%s%skeys must be strings, not %s", prefix, *prefix ? ": " : "",
		    k->type == N_NULL ? "empty" : type_name(k));
		return NULL;
	}
	if (first[i / 2] != SIZE_MAX) {
		err_at(cx, k->line, "duplicate key '%s%s%s' (first on line %d)", prefix, dot,
		    k->s, map->kid[first[i / 2]]->line);
		return NULL;
	}
	return k->s;
}

/* NAME: VALUE pairs into "NAME=VALUE" strings (env:, match.env:). */
static void
envmap(struct pctx *cx, const char *path, const struct node *v, struct strvec *out,
    int allow_empty)
{
	if (v->type == N_NULL || v->type == N_BAD)
		return;
	if (v->type != N_MAP) {
		err_at(cx, v->line, "%s: expected a mapping, got %s", path, type_name(v));
		return;
	}
	size_t *first = map_firsts(v);
	for (size_t i = 0; i + 1 < v->n; i += 2) {
		const char *name = map_key(cx, path, v, first, i), *val;
		char *sub;
		if (name == NULL)
			continue;
		if (!valid_env_name(name)) {
			err_at(cx, v->kid[i]->line, "%s: '%s' is not a valid variable name", path,
			    name);
			continue;
		}
		sub = xasprintf("%s.%s", path, name);
		if (v->kid[i + 1]->type == N_NULL)
			err_at(cx, v->kid[i + 1]->line, "%s: missing value (write \"\" for empty)", sub);
		else if ((val = want_string(cx, sub, v->kid[i + 1], allow_empty)) != NULL)
			strvec_pushf(out, "%s=%s", name, val);
		free(sub);
	}
	free(first);
}

static void
f_env(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	(void)k;
	envmap(cx, path, v, AT(base, f, struct strvec), 1);
}

static void
f_match_env(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	(void)k;
	envmap(cx, path, v, AT(base, f, struct strvec), 0);
}

static void
f_section(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	(void)k;
	if (v->type == N_NULL || v->type == N_BAD)
		return;
	if (v->type != N_MAP) {
		err_at(cx, v->line, "%s: expected a mapping, got %s", path, type_name(v));
		return;
	}
	walk_map(cx, f->sub, path, v, base);
}

static const struct field match_fields[] = {
	{ "hostname", f_strlist, .off = offsetof(struct profile_match, hostname) },
	{ "env", f_match_env, .off = offsetof(struct profile_match, env) },
	{ NULL }
};

static void
f_match(struct pctx *cx, const struct field *f, const char *path, const struct node *k,
    const struct node *v, void *base)
{
	struct profile *p = base;
	const struct node *const *alts = &v;
	size_t n = 1;
	(void)f, (void)k;

	if (v->type == N_BAD)
		return;
	if (v->type == N_NULL || (v->type == N_SEQ && v->n == 0)) {
		err_at(cx, v->line, "%s: no alternatives (leave 'match' out for a profile that "
		    "is never detected)", path);
		return;
	}
	if (v->type == N_SEQ)
		alts = (const struct node *const *)v->kid, n = v->n;
	p->match = xcalloc(n, sizeof *p->match);
	for (size_t i = 0; i < n; i++) {
		struct profile_match *m = &p->match[p->nmatch];
		if (alts[i]->type == N_BAD)
			continue;
		if (alts[i]->type != N_MAP) {
			err_at(cx, alts[i]->line, "%s: expected a mapping, got %s", path,
			    type_name(alts[i]));
			continue;
		}
		size_t before = cx->ne;
		p->nmatch++;
		walk_map(cx, match_fields, path, alts[i], m);
		/* An empty alternative would match every host and steal detection
		 * (said only when nothing more specific was wrong with it). */
		if (m->hostname.n == 0 && m->env.n == 0 && cx->ne == before)
			err_at(cx, alts[i]->line, "%s: an alternative needs a hostname pattern or an "
			    "env condition (an empty one would match every host)", path);
	}
}

#define OFF(m) offsetof(struct profile, m)

static const struct field gpu_fields[] = {
	{ "vendor", f_vendor, .off = OFF(gpu_vendor) },
	{ "per_host", f_int, .off = OFF(gpus_per_host), .max = PROFILE_MAX_GPUS,
	  .slot = L_PER_HOST },
	{ "tiles", f_int, .off = OFF(gpu_tiles), .min = 1, .max = PROFILE_MAX_TILES },
	{ NULL }
};

static const struct field cpu_fields[] = {
	{ "bind", f_bind, .off = OFF(cpu_bind), .slot = L_BIND },
	{ "depth", f_int, .off = OFF(cpu_depth), .min = 1, .max = PROFILE_MAX_DEPTH,
	  .slot = L_DEPTH },
	{ .key = "reserved_cores", .set = f_cores },
	{ NULL }
};

static const struct field network_fields[] = {
	{ "master_suffix", f_suffix, .off = OFF(master_suffix) },
	{ NULL }
};

static const struct field failover_fields[] = {
	{ "bad_host_patterns", f_regexes, .off = OFF(failover_patterns) },
	{ NULL }
};

static const struct field modules_fields[] = {
	{ "use", f_strlist, .off = OFF(module_use) },
	{ "unload", f_strlist, .off = OFF(module_unload) },
	{ "load", f_strlist, .off = OFF(module_load) },
	{ NULL }
};

static const struct field python_fields[] = {
	{ "conda_env", f_text, .off = OFF(conda_env) },
	{ "prefix", f_prefix, .off = OFF(python_prefix) },
	{ "venv_lib_first", f_bool, .off = OFF(venv_lib_first) },
	{ NULL }
};

static const struct field submit_fields[] = {
	{ "filesystems", f_text, .off = OFF(submit_filesystems) },
	{ "account", f_account, .off = OFF(submit_account_required) },
	{ NULL }
};

static const struct field top_fields[] = {
	{ "name", f_name, .off = OFF(name), .slot = L_NAME },
	{ "description", f_line, .off = OFF(description) },
	{ "priority", f_int, .off = OFF(priority), .min = -PROFILE_PRIORITY_MAX,
	  .max = PROFILE_PRIORITY_MAX },
	{ .key = "match", .set = f_match },
	{ "scheduler", f_sched, .off = OFF(scheduler) },
	{ "launcher", f_launcher, .off = OFF(launcher) },
	{ "gpu", f_section, .sub = gpu_fields },
	{ "cpu", f_section, .sub = cpu_fields },
	{ "network", f_section, .sub = network_fields },
	{ "launcher_args", f_args, .off = OFF(launcher_args) },
	{ "srun_mpi", f_srun_mpi, .off = OFF(srun_mpi) },
	{ "failover", f_section, .sub = failover_fields },
	{ "modules", f_section, .sub = modules_fields },
	{ "python", f_section, .sub = python_fields },
	{ "submit", f_section, .sub = submit_fields },
	{ "env", f_env, .off = OFF(env) },
	{ NULL }
};

/* ---- unknown keys: suggest the nearest known one ---- */

/* Optimal string alignment distance (a swap of neighbours costs 1). */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *d, r;
	if (la > 64 || lb > 64)
		return SIZE_MAX;
	d = xcalloc((la + 1) * (lb + 1), sizeof *d);
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			size_t v = D(i - 1, j - 1) + cost;
			if (D(i - 1, j) + 1 < v)
				v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

static const struct { const char *name; const struct field *tab; } sections[] = {
	{ "", top_fields }, { "gpu", gpu_fields }, { "cpu", cpu_fields },
	{ "network", network_fields }, { "modules", modules_fields },
	{ "python", python_fields }, { "submit", submit_fields }, { "match", match_fields },
};

/*
 * The key the user probably meant: a near miss in the same section, else
 * the same key in another section ("per_host" at the top: "gpu.per_host").
 */
static char *
suggest(const struct field *tab, const char *prefix, const char *key)
{
	size_t best = SIZE_MAX, limit = strlen(key) < 6 ? 1 : strlen(key) < 12 ? 2 : 3;
	const char *near = NULL;
	for (const struct field *f = tab; f->key; f++) {
		size_t d = edit_distance(key, f->key);
		if (d < best)
			best = d, near = f->key;
	}
	if (near && best <= limit)
		return *prefix ? xasprintf("%s.%s", prefix, near) : xstrdup(near);
	for (size_t i = 0; i < NITEMS(sections); i++) {
		if (sections[i].tab == tab)
			continue;
		for (const struct field *f = sections[i].tab; f->key; f++)
			if (strcmp(f->key, key) == 0)
				return *sections[i].name ? xasprintf("%s.%s", sections[i].name, key) :
				    xstrdup(key);
	}
	return NULL;
}

/*
 * "prefix.key" in buf, or on the heap when it does not fit.  Every key of
 * every profile passes here at every start, and its path is wanted only for
 * messages: no printf and no heap for the usual short one.
 */
static char *
key_path(char *buf, size_t size, const char *prefix, const char *key)
{
	size_t np = strlen(prefix), nk = strlen(key), dot = np > 0;
	char *p = buf;

	if (np + dot + nk >= size)
		p = xmalloc(np + dot + nk + 1);
	memcpy(p, prefix, np);
	if (dot)
		p[np] = '.';
	memcpy(p + np + dot, key, nk + 1);
	return p;
}

static void
walk_map(struct pctx *cx, const struct field *tab, const char *prefix, const struct node *map,
    void *base)
{
	size_t *first = map_firsts(map);
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const char *key = map_key(cx, prefix, map, first, i);
		const struct field *f;
		char small[128], *path;
		if (key == NULL)
			continue;
		path = key_path(small, sizeof small, prefix, key);
		for (f = tab; f->key && strcmp(f->key, key) != 0; f++)
			;
		if (f->key) {
			cx->line[f->slot] = map->kid[i]->line;
			f->set(cx, f, path, map->kid[i], map->kid[i + 1], base);
		} else {
			char *hint = suggest(tab, prefix, key);
			if (hint)
				err_at(cx, map->kid[i]->line, "unknown key '%s' (did you mean '%s'?)", path,
				    hint);
			else
				err_at(cx, map->kid[i]->line, "unknown key '%s'", path);
			free(hint);
		}
		if (path != small)
			free(path);
	}
	free(first);
}

/* ---- cross-checks between keys ---- */

/* Check a PALS "list:" binding; report a reserved core it names. */
static void
check_list_bind(struct pctx *cx, const struct profile *p)
{
	const char *s = p->cpu_bind;
	if (startswith(s, "verbose,"))
		s += strlen("verbose,");
	if (!startswith(s, "list:"))
		return;
	s += strlen("list:");
	for (;;) {      /* N or N-M, then ':' (next rank), ',' (same rank) or the end */
		char *end;
		long lo, hi;
		if (*s < '0' || *s > '9')
			goto bad;
		lo = hi = strtol(s, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				goto bad;
			hi = strtol(end + 1, &end, 10);
		}
		if (lo > hi || hi > PROFILE_MAX_CORE || (*end && *end != ':' && *end != ','))
			goto bad;
		for (size_t i = 0; i < p->nreserved; i++) {
			if (p->reserved_cores[i] >= lo && p->reserved_cores[i] <= hi) {
				err_at(cx, cx->line[L_BIND], "cpu.bind: binds reserved core %d",
				    p->reserved_cores[i]);
				return;
			}
		}
		if (*end == '\0')
			return;
		s = end + 1;
	}
bad:
	err_at(cx, cx->line[L_BIND], "cpu.bind: bad CPU list '%s' (want list:N-M:N,M-K...)",
	    p->cpu_bind);
}

static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void
cross_check(struct pctx *cx, const struct profile *p)
{
	const char *file = base_name(cx->file);
	size_t flen = strlen(file);

	if (p->name == NULL && cx->line[L_NAME] == 0)
		err_at(cx, 1, "missing required key 'name'");
	if (p->name && flen > 5 && strcmp(file + flen - 5, ".yaml") == 0 &&
	    (strlen(p->name) != flen - 5 || strncmp(p->name, file, flen - 5) != 0))
		err_at(cx, cx->line[L_NAME], "name '%s' does not match the file name '%s'", p->name,
		    file);
	if (p->cpu_bind)
		check_list_bind(cx, p);
	if (p->cpu_depth >= 0 && !streq(p->cpu_bind, "depth"))
		err_at(cx, cx->line[L_DEPTH], "cpu.depth is only used with 'bind: depth'");
	if (p->gpu_vendor == VENDOR_NONE && p->gpus_per_host > 0)
		err_at(cx, cx->line[L_PER_HOST], "gpu.per_host is %d but gpu.vendor is none",
		    p->gpus_per_host);
}

/* ---- the API ---- */

static void
profile_init(struct profile *p)
{
	memset(p, 0, sizeof *p);
	p->scheduler = SCHED_UNSET;
	p->launcher = LAUNCHER_UNSET;
	p->gpu_vendor = VENDOR_UNSET;
	p->gpus_per_host = -1;
	p->cpu_depth = -1;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->description);
	free(p->file);
	for (size_t i = 0; i < p->nmatch; i++) {
		strvec_clear(&p->match[i].hostname);
		strvec_clear(&p->match[i].env);
	}
	free(p->match);
	free(p->cpu_bind);
	free(p->reserved_cores);
	free(p->master_suffix);
	free(p->srun_mpi);
	strvec_clear(&p->launcher_args);
	strvec_clear(&p->failover_patterns);
	strvec_clear(&p->module_use);
	strvec_clear(&p->module_unload);
	strvec_clear(&p->module_load);
	free(p->conda_env);
	free(p->submit_filesystems);
	free(p->python_prefix);
	strvec_clear(&p->env);
	memset(p, 0, sizeof *p);
}

/* Hand the messages over as "FILE:LINE: msg", sorted by line (stable). */
static int
flush_errors(struct pctx *cx, struct strvec *errs)
{
	int n = (int)cx->ne;
	for (size_t i = 1; i < cx->ne; i++) {      /* insertion sort: a handful of errors */
		struct perr t = cx->e[i];
		size_t j = i;
		for (; j > 0 && cx->e[j - 1].line > t.line; j--)
			cx->e[j] = cx->e[j - 1];
		cx->e[j] = t;
	}
	for (size_t i = 0; i < cx->ne; i++) {
		if (errs)
			strvec_pushf(errs, "%s:%d: %s", cx->file, cx->e[i].line, cx->e[i].msg);
		free(cx->e[i].msg);
	}
	free(cx->e);
	cx->e = NULL;
	cx->ne = cx->alloc = 0;
	return n;
}

int
profile_parse(const char *text, size_t len, const char *file, struct profile *out,
    struct strvec *errs)
{
	struct pctx cx;
	struct node *root = NULL;
	size_t bad;

	memset(&cx, 0, sizeof cx);
	cx.file = file ? file : "<profile>";
	cx.text = text;
	cx.len = len;
	profile_init(out);
	/* libyaml would take a UTF-16 BOM; UTF-8 (BOM or not) is all we accept */
	if ((bad = utf8_bad((const unsigned char *)text, len)) != SIZE_MAX) {
		err_at(&cx, line_of_offset(text, len, bad), "invalid UTF-8 (byte 0x%02x)",
		    (unsigned char)text[bad]);
		return flush_errors(&cx, errs);
	}
	if (!yaml_parser_initialize(&cx.parser))
		die("out of memory initialising the YAML parser");
	yaml_parser_set_input_string(&cx.parser, (const unsigned char *)text, len);
	root = build_document(&cx);
	yaml_parser_delete(&cx.parser);

	if (root == NULL || root->type == N_NULL) {
		if (!cx.syntax && cx.ne == 0)
			err_at(&cx, 1, "empty file");
	} else if (root->type != N_MAP) {
		err_at(&cx, root->line, "expected a mapping (name:, match:, ...) at the top, got %s",
		    root->type == N_SEQ ? "a list" : "a string");
	} else {
		walk_map(&cx, top_fields, "", root, out);
		cross_check(&cx, out);
	}
	node_free(root);
	if (cx.ne) {
		profile_free(out);
		return flush_errors(&cx, errs);
	}
	out->file = xstrdup(cx.file);
	return 0;
}

static void
profiles_put(struct profiles *ps, struct profile *p)
{
	for (size_t i = 0; i < ps->n; i++) {
		if (strcmp(ps->v[i].name, p->name) == 0) {
			profile_free(&ps->v[i]);
			ps->v[i] = *p;
			return;
		}
	}
	ps->v = xgrow(ps->v, &ps->alloc, ps->n + 1, sizeof *ps->v);
	ps->v[ps->n++] = *p;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.yaml names in dir, sorted; -1 with errno when it cannot be read. */
static int
yaml_names(const char *dir, struct strvec *names)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (de->d_name[0] != '.' && n > 5 && strcmp(de->d_name + n - 5, ".yaml") == 0)
			strvec_push(names, de->d_name);
	}
	closedir(d);
	if (names->n)
		qsort(names->v, names->n, sizeof *names->v, cmp_str);
	return 0;
}

int
profiles_load_dir(struct profiles *ps, const char *dir, struct strvec *errs)
{
	struct strvec names = STRVEC_INIT;
	int nerr = 0;

	if (yaml_names(dir, &names) < 0) {
		struct stat st;
		int e = errno;
		/* A missing directory is normal; a file where one should be is not. */
		if (e == ENOENT || (e == ENOTDIR && stat(dir, &st) < 0))
			return 0;
		strvec_pushf(errs, "%s: cannot read directory: %s", dir, strerror(e));
		return 1;
	}
	for (size_t i = 0; i < names.n; i++) {
		char *path = xasprintf("%s/%s", dir, names.v[i]);
		size_t len;
		const char *why;
		char *text = read_file(path, READ_MAX_PROFILE, &len, &why);
		struct profile p;
		if (text == NULL) {
			strvec_pushf(errs, "%s: cannot read: %s", path, why);
			nerr++;
		} else {
			int n = profile_parse(text, len, path, &p, errs);
			if (n == 0)
				profiles_put(ps, &p);
			nerr += n;
		}
		free(text);
		free(path);
	}
	strvec_clear(&names);
	return nerr;
}

void
profile_dirs(const char *datadir, char *const *envp, struct strvec *dirs)
{
	const char *xdg = env_nonempty(envp, "XDG_CONFIG_HOME");
	const char *home = env_nonempty(envp, "HOME");
	const char *own = env_nonempty(envp, "EZPZ_CONFIG_DIR");

	if (datadir && *datadir)
		strvec_pushf(dirs, "%s/machines", datadir);
	strvec_push(dirs, "/etc/ezpz/machines.d");
	/* The XDG spec says a relative XDG_CONFIG_HOME is to be ignored. */
	if (xdg && xdg[0] == '/')
		strvec_pushf(dirs, "%s/ezpz/machines.d", xdg);
	else if (home)
		strvec_pushf(dirs, "%s/.config/ezpz/machines.d", home);
	if (own)
		strvec_push(dirs, own);
}

int
profiles_load_default(struct profiles *ps, const char *datadir, char *const *envp,
    struct strvec *errs)
{
	struct strvec dirs = STRVEC_INIT;
	int nerr = 0;

	profile_dirs(datadir, envp, &dirs);
	for (size_t i = 0; i < dirs.n; i++)
		nerr += profiles_load_dir(ps, dirs.v[i], errs);
	strvec_clear(&dirs);
	return nerr;
}

const struct profile *
profiles_find(const struct profiles *ps, const char *name)
{
	for (size_t i = 0; name && i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return &ps->v[i];
	return NULL;
}

/* -1: no match; else the length of the longest hostname pattern that matched. */
static long
alt_match(const struct profile_match *m, const char *hostname, char *const *envp)
{
	long best = -1;
	for (size_t i = 0; i < m->env.n; i++) {
		const char *pat;
		char *name = env_split(m->env.v[i], &pat);
		const char *val = env_get(envp, name);
		free(name);
		if (val == NULL || fnmatch(pat, val, 0) != 0)
			return -1;
	}
	if (m->hostname.n == 0)
		return 0;
	for (size_t i = 0; hostname && i < m->hostname.n; i++) {
		long len = (long)strlen(m->hostname.v[i]);
		if (len > best && fnmatch(m->hostname.v[i], hostname, FNM_CASEFOLD) == 0)
			best = len;
	}
	return best;
}

static long
profile_match_len(const struct profile *p, const char *hostname, char *const *envp)
{
	long best = -1;
	for (size_t i = 0; i < p->nmatch; i++) {
		long len = alt_match(&p->match[i], hostname, envp);
		if (len > best)
			best = len;
	}
	return best;
}

char *
profile_match_why(const struct profile *p, const char *hostname, char *const *envp)
{
	const struct profile_match *best = NULL;
	long bestlen = -1;
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < p->nmatch; i++) {
		long len = alt_match(&p->match[i], hostname, envp);
		if (len > bestlen) {
			best = &p->match[i];
			bestlen = len;
		}
	}
	if (best == NULL)
		return NULL;
	if (best->hostname.n > 0)
		buf_addf(&b, "hostname %s", hostname);
	for (size_t i = 0; i < best->env.n; i++) {
		const char *pat;
		char *name = env_split(best->env.v[i], &pat);
		buf_addf(&b, "%s%s=%s", b.len ? ", env " : "env ", name, env_get(envp, name));
		free(name);
	}
	return buf_detach(&b);
}

const struct profile *
profiles_match(const struct profiles *ps, const char *hostname, char *const *envp)
{
	const struct profile *best = NULL;
	long bestlen = -1;
	for (size_t i = 0; i < ps->n; i++) {
		const struct profile *p = &ps->v[i];
		long len = profile_match_len(p, hostname, envp);
		if (len < 0)
			continue;
		if (best == NULL || p->priority > best->priority ||
		    (p->priority == best->priority && (len > bestlen ||
		    (len == bestlen && strcmp(p->name, best->name) < 0)))) {
			best = p;
			bestlen = len;
		}
	}
	return best;
}

void
profiles_free(struct profiles *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		profile_free(&ps->v[i]);
	free(ps->v);
	ps->v = NULL;
	ps->n = ps->alloc = 0;
}
