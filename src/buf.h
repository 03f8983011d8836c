/* SPDX-License-Identifier: MIT */
/*
 * buf.h: the one growable string.  Appending never fails (xgrow dies
 * instead), the text is always NUL-terminated once anything was added,
 * and appending is amortised O(1), so building a long string piece by
 * piece stays linear.
 */
#ifndef EZPZ_BUF_H
#define EZPZ_BUF_H

#include <stddef.h>

#include "util.h"

struct buf {
	char *s;        /* NULL until the first append */
	size_t len, alloc;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_add(struct buf *b, const char *s, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) PRINTF(2, 3);
size_t buf_len(const struct buf *b);
/* The text ("" when nothing was added), now the caller's; b is empty again. */
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

#endif
