/* SPDX-License-Identifier: MIT */
/* Unit tests for chart.c: the style rule, human units, the terminal charts, the SVG. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

static size_t
count(const char *s, const char *what)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static size_t
lines(const char *s)
{
	return count(s, "\n");
}

/* Any byte of a multi-byte UTF-8 sequence. */
static int
ascii_only(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

Test(chart, style_rule)
{
	char *plain[] = { "TERM=xterm-256color", NULL };
	char *dumb[] = { "TERM=dumb", NULL };
	char *nocolor[] = { "TERM=xterm", "NO_COLOR=1", NULL };
	char *nocolor_empty[] = { "TERM=xterm", "NO_COLOR=", NULL };
	char *noterm[] = { NULL };

	cr_expect_eq(chart_style_for(plain, "UTF-8"), CHART_UNICODE);
	cr_expect_eq(chart_style_for(plain, "utf8"), CHART_UNICODE);
	cr_expect_eq(chart_style_for(noterm, "UTF-8"), CHART_UNICODE);
	cr_expect_eq(chart_style_for(dumb, "UTF-8"), CHART_ASCII, "TERM=dumb");
	cr_expect_eq(chart_style_for(nocolor, "UTF-8"), CHART_ASCII, "NO_COLOR set");
	cr_expect_eq(chart_style_for(nocolor_empty, "UTF-8"), CHART_UNICODE,
	    "NO_COLOR empty is unset (no-color.org)");
	cr_expect_eq(chart_style_for(plain, "ANSI_X3.4-1968"), CHART_ASCII, "C locale");
	cr_expect_eq(chart_style_for(plain, "ISO-8859-1"), CHART_ASCII);
	cr_expect_eq(chart_style_for(plain, NULL), CHART_ASCII);
	cr_expect_eq(chart_style_parse("unicode"), CHART_UNICODE);
	cr_expect_eq(chart_style_parse("ascii"), CHART_ASCII);
	cr_expect_eq(chart_style_parse("none"), CHART_NONE);
	cr_expect_eq(chart_style_parse("braille"), -1);
}

Test(chart, human_units)
{
	static const struct { size_t b; const char *full, *brief; } cases[] = {
		{ 4, "4 B", "4" }, { 1023, "1023 B", "1023" }, { 1024, "1 KiB", "1K" },
		{ 1536, "1.5 KiB", "1536" }, { 262144, "256 KiB", "256K" },
		{ 67108864, "64 MiB", "64M" }, { 1u << 30, "1 GiB", "1G" },
	};
	char out[32];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_expect_str_eq(fmt_bytes(cases[i].b, out, sizeof out), cases[i].full);
		cr_expect_str_eq(fmt_size_short(cases[i].b, out, sizeof out), cases[i].brief);
	}
	cr_expect_str_eq(fmt_seconds(0.086965, out, sizeof out), "87.0 ms");
	cr_expect_str_eq(fmt_seconds(0.000412, out, sizeof out), "412.0 us");
	cr_expect_str_eq(fmt_seconds(2.5, out, sizeof out), "2.500 s");
}

static const double falling[] = { 1.0, 0.7, 0.5, 0.4, 0.35, 0.3, 0.28, 0.27, 0.26, 0.25 };

Test(chart, line_unicode_shape)
{
	struct buf b = BUF_INIT;
	char *s;

	chart_line(&b, "loss", falling, 10, 20, 5, CHART_UNICODE);
	s = buf_detach(&b);
	/* title, 5 rows, the axis, the step labels */
	cr_expect_eq(lines(s), 8, "got:\n%s", s);
	cr_expect(strstr(s, "loss\n") == s);
	cr_expect(strstr(s, "\n   1 \xe2\x94\xa4") != NULL, "top label is the maximum:\n%s", s);
	cr_expect(strstr(s, "\n0.25 \xe2\x94\xa4") != NULL, "bottom label is the minimum:\n%s", s);
	cr_expect(strstr(s, "step") != NULL && strstr(s, "9\n") != NULL, "x axis 0..9:\n%s", s);
	/* the first column's dot is at the top-left (U+2801 or more), the curve
	 * ends on the bottom row */
	cr_expect_eq(count(s, "\xe2\x94\x80"), 20, "axis as wide as the plot");
	free(s);
}

Test(chart, line_ascii_is_ascii)
{
	struct buf b = BUF_INIT;
	char *s;

	chart_line(&b, "loss", falling, 10, 20, 5, CHART_ASCII);
	s = buf_detach(&b);
	cr_expect(ascii_only(s), "non-ASCII byte in:\n%s", s);
	cr_expect_eq(lines(s), 8);
	cr_expect_eq(count(s, "*"), 20, "one point per column:\n%s", s);
	/* the first column is on the top row, the last on the bottom row */
	cr_expect(strstr(s, "\n   1 +*") != NULL, "got:\n%s", s);
	cr_expect(strstr(s, "*\n     +---") != NULL, "got:\n%s", s);
	free(s);
}

Test(chart, line_gaps_and_flat)
{
	const double flat[] = { 2, 2, 2 }, nan[] = { NAN, NAN };
	struct buf b = BUF_INIT;
	char *s;

	chart_line(&b, "t", flat, 3, 10, 3, CHART_ASCII);
	s = buf_detach(&b);
	cr_expect_eq(count(s, "*"), 10, "a flat line is drawn:\n%s", s);
	free(s);
	chart_line(&b, "t", nan, 2, 10, 3, CHART_UNICODE);
	s = buf_detach(&b);
	cr_expect_str_eq(s, "t\n  (no finite values)\n");
	free(s);
	chart_line(&b, "t", flat, 3, 10, 3, CHART_NONE);
	cr_expect_eq(buf_len(&b), 0, "none draws nothing");
}

static const size_t sizes[] = { 4, 1024, 1048576 };
static const double bw[] = { 0.01, 4.0, 8.0 };

Test(chart, bars_unicode)
{
	struct buf b = BUF_INIT;
	char *s;

	chart_bars(&b, "allreduce", sizes, bw, 3, 2, CHART_UNICODE);
	s = buf_detach(&b);
	/* title, 2 rows, axis, size labels */
	cr_expect_eq(lines(s), 5, "got:\n%s", s);
	/* the largest bar is full on both rows (4 cells wide), the middle one
	 * (half) fills the bottom row only, the smallest shows as an eighth */
	cr_expect_eq(count(s, "\xe2\x96\x88"), 4 * 2 + 4, "full blocks:\n%s", s);
	cr_expect_eq(count(s, "\xe2\x96\x81"), 4, "one-eighth blocks:\n%s", s);
	cr_expect(strstr(s, "4    1K   1M   bytes\n") != NULL, "size labels:\n%s", s);
	cr_expect(strstr(s, "8 \xe2\x94\xa4") != NULL, "top label 8:\n%s", s);
	free(s);
}

Test(chart, bars_ascii)
{
	struct buf b = BUF_INIT;
	char *s;

	chart_bars(&b, "allreduce", sizes, bw, 3, 4, CHART_ASCII);
	s = buf_detach(&b);
	cr_expect(ascii_only(s), "non-ASCII byte in:\n%s", s);
	/* heights 4 (8/8), 2 (4/8), and 1 for the tiny one that is not zero */
	cr_expect_eq(count(s, "####"), 4 + 2 + 1, "got:\n%s", s);
	free(s);
	chart_bars(&b, "x", sizes, (const double[]){ 0, 0, 0 }, 3, 4, CHART_ASCII);
	s = buf_detach(&b);
	cr_expect_str_eq(s, "x\n  (nothing to draw)\n");
	free(s);
}

Test(chart, svg_structure)
{
	const size_t ar_b[] = { 4, 64, 1024 }, ag_b[] = { 64, 1024 };
	const double ar_v[] = { 0.1, 1, 2 }, ag_v[] = { 0.5, 1.5 };
	const struct chart_series s[] = { { "allreduce", ar_b, ar_v, 3 }, { "allgather", ag_b, ag_v, 2 } };
	struct buf b = BUF_INIT;
	char *svg;

	chart_svg(&b, "ezpz test: 2 ranks on 1 host (a<b&c): PASS", falling, 10, s, 2);
	svg = buf_detach(&b);
	cr_expect(strncmp(svg, "<?xml version=\"1.0\"", 19) == 0);
	cr_expect(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\"") != NULL);
	cr_expect(strstr(svg, "(a&lt;b&amp;c)") != NULL, "the title is escaped");
	cr_expect(strstr(svg, "(a<b") == NULL);
	cr_expect(strstr(svg, "data-points=\"10\"") != NULL);
	cr_expect_eq(count(svg, "class=\"bar\""), 5);
	cr_expect_eq(count(svg, "class=\"axis-label\""), 4);
	cr_expect(strstr(svg, ">bus bandwidth (GB/s)</text>") != NULL);
	cr_expect(strstr(svg, ">message size (bytes)</text>") != NULL);
	cr_expect(strstr(svg, ">training step</text>") != NULL);
	cr_expect(strstr(svg, "</svg>\n") != NULL);
	free(svg);
}
