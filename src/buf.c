/* SPDX-License-Identifier: MIT */
/* buf.c: see buf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
buf_add(struct buf *b, const char *s, size_t n)
{
	b->s = xgrow(b->s, &b->alloc, b->len + n + 1, 1);
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("cannot format '%s'", fmt);
	b->s = xgrow(b->s, &b->alloc, b->len + (size_t)n + 1, 1);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

size_t
buf_len(const struct buf *b)
{
	return b->len;
}

char *
buf_detach(struct buf *b)
{
	char *s = b->s ? b->s : xstrdup("");
	*b = (struct buf)BUF_INIT;
	return s;
}

void
buf_free(struct buf *b)
{
	free(b->s);
	*b = (struct buf)BUF_INIT;
}
