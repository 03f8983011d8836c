/* SPDX-License-Identifier: MIT */
/* source.c: see source.h. */
#include <stdarg.h>
#include <stdlib.h>

#include "source.h"

char *
src_format(enum src_kind kind, const char *name, const char *detail)
{
	char *base, *r;

	switch (kind) {
	case SRC_NONE: return NULL;
	case SRC_ENV: base = xasprintf("env:%s", name); break;
	case SRC_OPTION: base = xasprintf("option:%s", name); break;
	case SRC_PROFILE: base = xasprintf("profile:%s", name); break;
	case SRC_PROBE: base = xasprintf("probe:%s", name); break;
	case SRC_HWLOC: base = *name ? xasprintf("hwloc:%s", name) : xstrdup("hwloc"); break;
	case SRC_DEFAULT: base = xasprintf("default (%s)", name); break;
	default: base = xstrdup(name); break;
	}
	if (detail == NULL)
		return base;
	r = xasprintf("%s (%s)", base, detail);
	free(base);
	return r;
}

static void
render(struct fact_src *s)
{
	free(s->text);
	s->text = src_format(s->kind, s->name, s->detail);
}

void
src_set(struct fact_src *s, enum src_kind kind, const char *fmt, ...)
{
	va_list ap;

	free(s->name);
	free(s->detail);
	s->detail = NULL;
	s->kind = kind;
	va_start(ap, fmt);
	s->name = xvasprintf(fmt, ap);
	va_end(ap);
	render(s);
}

void
src_set_detail(struct fact_src *s, const char *fmt, ...)
{
	va_list ap;

	free(s->detail);
	va_start(ap, fmt);
	s->detail = xvasprintf(fmt, ap);
	va_end(ap);
	render(s);
}

void
src_free(struct fact_src *s)
{
	free(s->name);
	free(s->detail);
	free(s->text);
	*s = (struct fact_src){ SRC_NONE, NULL, NULL, NULL };
}

int
src_is_env(const struct fact_src *s, const char *prefix)
{
	return s->kind == SRC_ENV && startswith(s->name, prefix);
}
