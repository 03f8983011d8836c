/* SPDX-License-Identifier: MIT */
/*
 * chart.h: the pictures of 'ezpz test', pure: numbers in, text out.  A
 * line chart (loss per step) and bar charts (bus bandwidth by message
 * size) for the terminal, in Unicode braille and block characters or in
 * plain ASCII, and the same two charts as one self-contained SVG.
 */
#ifndef EZPZ_CHART_H
#define EZPZ_CHART_H

#include <stddef.h>

#include "buf.h"

enum chart_style { CHART_NONE, CHART_ASCII, CHART_UNICODE };

/*
 * ASCII when TERM=dumb, NO_COLOR is set, or the locale's codeset (as
 * nl_langinfo(CODESET) gives it; NULL: unknown) is not UTF-8.
 */
enum chart_style chart_style_for(char **envp, const char *codeset);
/* "ascii", "unicode", "none" -> style; -1 for anything else. */
int chart_style_parse(const char *s);

/* Human units: "4 B", "256 KiB", "64 MiB"; "87.0 ms", "412 us"; short
 * axis sizes "4", "256K", "64M".  Return out. */
char *fmt_bytes(size_t bytes, char *out, size_t len);
char *fmt_seconds(double s, char *out, size_t len);
char *fmt_size_short(size_t bytes, char *out, size_t len);

/* y[0..n) against its index, width x height character cells plus axes. */
void chart_line(struct buf *b, const char *title, const double *y, size_t n, int width,
    int height, enum chart_style st);

/* One bar per size, height rows tall, the value axis from 0 to the largest. */
void chart_bars(struct buf *b, const char *title, const size_t *bytes, const double *val,
    size_t n, int height, enum chart_style st);

/* One collective's bus bandwidth by message size, for the SVG. */
struct chart_series {
	const char *name;
	const size_t *bytes;
	const double *busbw;     /* GB/s */
	size_t n;
};

/* Both charts as one SVG document: loss per step, and bus bandwidth by
 * message size with one group of bars per size, one bar per series. */
void chart_svg(struct buf *b, const char *title, const double *loss, size_t nloss,
    const struct chart_series *s, size_t ns);

#endif
