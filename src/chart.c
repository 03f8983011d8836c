/* SPDX-License-Identifier: MIT */
/*
 * chart.c: the terminal and SVG charts of 'ezpz test' (chart.h).  Pure:
 * every function fills a struct buf from numbers it is given.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chart.h"
#include "strvec.h"

#define AXIS_LABEL_MAX 32
#define BAR_COL 5           /* a bar of 4 cells and a gap: fits "256K" */

enum chart_style
chart_style_for(char **envp, const char *codeset)
{
	const char *term = env_get(envp, "TERM");
	if (term && streq(term, "dumb"))
		return CHART_ASCII;
	if (env_nonempty(envp, "NO_COLOR"))
		return CHART_ASCII;
	if (codeset == NULL || (strcasecmp(codeset, "UTF-8") != 0 && strcasecmp(codeset, "utf8") != 0))
		return CHART_ASCII;
	return CHART_UNICODE;
}

int
chart_style_parse(const char *s)
{
	if (streq(s, "ascii"))
		return CHART_ASCII;
	if (streq(s, "unicode"))
		return CHART_UNICODE;
	if (streq(s, "none"))
		return CHART_NONE;
	return -1;
}

static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };

char *
fmt_bytes(size_t bytes, char *out, size_t len)
{
	double v = (double)bytes;
	size_t u = 0;
	while (v >= 1024 && u + 1 < NITEMS(units)) {
		v /= 1024;
		u++;
	}
	if (v == floor(v))
		snprintf(out, len, "%.0f %s", v, units[u]);
	else
		snprintf(out, len, "%.1f %s", v, units[u]);
	return out;
}

char *
fmt_size_short(size_t bytes, char *out, size_t len)
{
	static const char sfx[] = { '\0', 'K', 'M', 'G', 'T' };
	size_t u = 0;
	while (bytes >= 1024 && bytes % 1024 == 0 && u + 1 < sizeof sfx) {
		bytes /= 1024;
		u++;
	}
	if (sfx[u])
		snprintf(out, len, "%zu%c", bytes, sfx[u]);
	else
		snprintf(out, len, "%zu", bytes);
	return out;
}

char *
fmt_seconds(double s, char *out, size_t len)
{
	if (!isfinite(s))
		snprintf(out, len, "-");
	else if (s < 1e-3)
		snprintf(out, len, "%.1f us", s * 1e6);
	else if (s < 1)
		snprintf(out, len, "%.1f ms", s * 1e3);
	else
		snprintf(out, len, "%.3f s", s);
	return out;
}

/* U+2800 + bits as UTF-8. */
static void
add_braille(struct buf *b, unsigned bits)
{
	buf_addc(b, (char)0xe2);
	buf_addc(b, (char)(0xa0 | (bits >> 6)));
	buf_addc(b, (char)(0x80 | (bits & 0x3f)));
}

/* The smallest and largest finite value; 0 when there is none. */
static int
finite_range(const double *y, size_t n, double *lo, double *hi)
{
	int any = 0;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(y[i]))
			continue;
		if (!any || y[i] < *lo)
			*lo = y[i];
		if (!any || y[i] > *hi)
			*hi = y[i];
		any = 1;
	}
	return any;
}

/* y at fraction f of the way along, linear between points; NAN in a gap. */
static double
sample(const double *y, size_t n, double f)
{
	double x = f * (double)(n - 1), t;
	size_t i = (size_t)x;
	if (n == 1 || i >= n - 1)
		return y[n - 1];
	t = x - (double)i;
	return y[i] + (y[i + 1] - y[i]) * t;
}

/* Row (0 at the top) of value v in rows rows spanning [lo, hi]. */
static int
row_of(double v, double lo, double hi, int rows)
{
	double f = hi > lo ? (hi - v) / (hi - lo) : 0.5;
	int r = (int)lround(f * (rows - 1));
	return r < 0 ? 0 : r >= rows ? rows - 1 : r;
}

/* Marks the cells of the curve: dots (2x4 per cell) or one character per cell. */
static void
plot_cells(unsigned *cell, const double *y, size_t n, int w, int h, double lo, double hi,
    enum chart_style st)
{
	int sub_x = st == CHART_UNICODE ? 2 : 1, sub_y = st == CHART_UNICODE ? 4 : 1;
	int pw = w * sub_x, ph = h * sub_y, prev = -1;
	static const unsigned dot[2][4] = { { 0x01, 0x02, 0x04, 0x40 }, { 0x08, 0x10, 0x20, 0x80 } };

	for (int px = 0; px < pw; px++) {
		double v = sample(y, n, pw > 1 ? (double)px / (pw - 1) : 0);
		int py, a, z;
		if (!isfinite(v)) {
			prev = -1;
			continue;
		}
		py = row_of(v, lo, hi, ph);
		a = prev < 0 ? py : prev < py ? prev : py;
		z = prev < 0 ? py : prev < py ? py : prev;
		for (int q = a; q <= z; q++) {
			unsigned *c = &cell[(q / sub_y) * w + px / sub_x];
			*c |= st == CHART_UNICODE ? dot[px % 2][q % 4] : (q == py ? 2u : 1u);
		}
		prev = py;
	}
}

static void
pad(struct buf *b, int n)
{
	for (int i = 0; i < n; i++)
		buf_addc(b, ' ');
}

static void
repeat(struct buf *b, const char *s, int n)
{
	for (int i = 0; i < n; i++)
		buf_adds(b, s);
}

void
chart_line(struct buf *b, const char *title, const double *y, size_t n, int width, int height,
    enum chart_style st)
{
	char top[AXIS_LABEL_MAX], bot[AXIS_LABEL_MAX], last[AXIS_LABEL_MAX];
	double lo = 0, hi = 0;
	unsigned *cell;
	int lw, uni = st == CHART_UNICODE;

	if (st == CHART_NONE)
		return;
	buf_addf(b, "%s\n", title);
	if (n == 0 || !finite_range(y, n, &lo, &hi) || width < 2 || height < 2) {
		buf_adds(b, "  (no finite values)\n");
		return;
	}
	snprintf(top, sizeof top, "%.4g", hi);
	snprintf(bot, sizeof bot, "%.4g", lo);
	lw = (int)(strlen(top) > strlen(bot) ? strlen(top) : strlen(bot));
	cell = xcalloc((size_t)width * (size_t)height, sizeof *cell);
	plot_cells(cell, y, n, width, height, lo, hi, st);
	for (int r = 0; r < height; r++) {
		const char *label = r == 0 ? top : r == height - 1 ? bot : "";
		buf_addf(b, "%*s ", lw, label);
		buf_adds(b, *label ? (uni ? "\xe2\x94\xa4" : "+") : (uni ? "\xe2\x94\x82" : "|"));
		for (int x = 0; x < width; x++) {
			unsigned c = cell[r * width + x];
			if (uni)
				add_braille(b, c);
			else
				buf_addc(b, c & 2 ? '*' : c ? '.' : ' ');
		}
		buf_addc(b, '\n');
	}
	free(cell);
	pad(b, lw + 1);
	buf_adds(b, uni ? "\xe2\x94\x94" : "+");
	repeat(b, uni ? "\xe2\x94\x80" : "-", width);
	snprintf(last, sizeof last, "%zu", n - 1);
	buf_addc(b, '\n');
	pad(b, lw + 2);
	buf_addc(b, '0');
	pad(b, width / 2 - 3);
	buf_adds(b, "step");
	pad(b, width - (width / 2 - 3) - 5 - (int)strlen(last));
	buf_addf(b, "%s\n", last);
}

/* One row of one bar: full, empty or an eighth block. */
static void
bar_cell(struct buf *b, int fill, enum chart_style st)
{
	if (fill <= 0)
		buf_addc(b, ' ');
	else if (st == CHART_ASCII)
		buf_addc(b, '#');
	else if (fill >= 8)
		buf_adds(b, "\xe2\x96\x88");
	else {   /* U+2581 (one eighth) .. U+2587 */
		buf_addc(b, (char)0xe2);
		buf_addc(b, (char)0x96);
		buf_addc(b, (char)(0x80 + fill));
	}
}

void
chart_bars(struct buf *b, const char *title, const size_t *bytes, const double *val, size_t n,
    int height, enum chart_style st)
{
	char top[AXIS_LABEL_MAX], lab[AXIS_LABEL_MAX];
	int lw, sub = st == CHART_UNICODE ? 8 : 1, uni = st == CHART_UNICODE;
	double hi = 0;

	if (st == CHART_NONE)
		return;
	buf_addf(b, "%s\n", title);
	for (size_t i = 0; i < n; i++)
		if (isfinite(val[i]) && val[i] > hi)
			hi = val[i];
	if (n == 0 || height < 1 || hi <= 0) {
		buf_adds(b, "  (nothing to draw)\n");
		return;
	}
	snprintf(top, sizeof top, "%.3g", hi);
	lw = (int)strlen(top);
	for (int r = 0; r < height; r++) {
		int base = (height - 1 - r) * sub;
		const char *label = r == 0 ? top : "";
		buf_addf(b, "%*s ", lw, label);
		buf_adds(b, *label ? (uni ? "\xe2\x94\xa4" : "+") : (uni ? "\xe2\x94\x82" : "|"));
		for (size_t i = 0; i < n; i++) {
			double v = isfinite(val[i]) && val[i] > 0 ? val[i] : 0;
			int lvl = (int)lround(v / hi * height * sub), fill = lvl - base;
			if (v > 0 && lvl == 0 && r == height - 1)
				fill = 1;   /* a bar that is there shows */
			for (int k = 0; k < BAR_COL - 1; k++)
				bar_cell(b, fill > sub ? sub : fill, st);
			buf_addc(b, ' ');
		}
		buf_addc(b, '\n');
	}
	buf_addf(b, "%*s ", lw, "0");
	buf_adds(b, uni ? "\xe2\x94\xb4" : "+");
	repeat(b, uni ? "\xe2\x94\x80" : "-", (int)n * BAR_COL);
	buf_addc(b, '\n');
	pad(b, lw + 2);
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%-*s", BAR_COL, fmt_size_short(bytes[i], lab, sizeof lab));
	buf_adds(b, "bytes\n");
}

/* Text for an SVG element's content or a quoted attribute. */
static void
add_xml(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': buf_adds(b, "&lt;"); break;
		case '>': buf_adds(b, "&gt;"); break;
		case '&': buf_adds(b, "&amp;"); break;
		case '"': buf_adds(b, "&quot;"); break;
		default: buf_addc(b, *s); break;
		}
	}
}

#define SVG_W 760
#define PLOT_X0 80
#define PLOT_X1 700
#define PLOT_H 220
#define CHART_H 300

static const char *const svg_colors[] = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e" };

/* The frame of one chart at vertical offset y0: axes, its title, labels. */
static void
svg_frame(struct buf *b, int y0, const char *title, const char *xlabel, const char *ylabel)
{
	int top = y0 + 30, bottom = top + PLOT_H;
	buf_addf(b, "<text class=\"chart-title\" x=\"%d\" y=\"%d\" font-size=\"15\">", PLOT_X0, y0 + 18);
	add_xml(b, title);
	buf_adds(b, "</text>\n");
	buf_addf(b, "<path class=\"axis\" d=\"M%d %d V%d H%d\" fill=\"none\" stroke=\"#000\"/>\n",
	    PLOT_X0, top, bottom, PLOT_X1);
	buf_addf(b, "<text class=\"axis-label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
	    (PLOT_X0 + PLOT_X1) / 2, bottom + 38, xlabel);
	buf_addf(b, "<text class=\"axis-label\" x=\"18\" y=\"%d\" text-anchor=\"middle\" "
	    "transform=\"rotate(-90 18 %d)\">%s</text>\n", (top + bottom) / 2, (top + bottom) / 2, ylabel);
}

static void
svg_ytick(struct buf *b, int y, double v)
{
	buf_addf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%.4g</text>\n",
	    PLOT_X0 - 6, y + 4, v);
}

static void
svg_loss(struct buf *b, int y0, const double *loss, size_t n)
{
	int top = y0 + 30, bottom = top + PLOT_H, drawn = 0;
	double lo = 0, hi = 0;

	svg_frame(b, y0, "loss per training step (rank 0)", "training step", "loss");
	if (n == 0 || !finite_range(loss, n, &lo, &hi))
		return;
	svg_ytick(b, top, hi);
	svg_ytick(b, bottom, lo);
	buf_addf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">0</text>\n",
	    PLOT_X0, bottom + 16);
	buf_addf(b, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">%zu</text>\n",
	    PLOT_X1, bottom + 16, n - 1);
	for (size_t i = 0; i < n; i++)
		drawn += isfinite(loss[i]) != 0;
	buf_addf(b, "<polyline class=\"loss\" data-points=\"%d\" fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"1.5\" points=\"", drawn, svg_colors[0]);
	for (size_t i = 0; i < n; i++) {
		double x, y;
		if (!isfinite(loss[i]))
			continue;
		x = PLOT_X0 + (n > 1 ? (double)i / (double)(n - 1) : 0.5) * (PLOT_X1 - PLOT_X0);
		y = top + (hi > lo ? (hi - loss[i]) / (hi - lo) : 0.5) * PLOT_H;
		buf_addf(b, "%s%.1f,%.1f", i ? " " : "", x, y);
	}
	buf_adds(b, "\"/>\n");
}

/* The sizes of the series with the most, as the groups of bars. */
static const struct chart_series *
widest(const struct chart_series *s, size_t ns)
{
	const struct chart_series *w = s;
	for (size_t i = 1; i < ns; i++)
		if (s[i].n > w->n)
			w = &s[i];
	return w;
}

static void
svg_bars(struct buf *b, int y0, const struct chart_series *s, size_t ns)
{
	int top = y0 + 30, bottom = top + PLOT_H;
	const struct chart_series *g = ns ? widest(s, ns) : NULL;
	double hi = 0, gw, bw;
	char lab[AXIS_LABEL_MAX];

	svg_frame(b, y0, "bus bandwidth by message size", "message size (bytes)",
	    "bus bandwidth (GB/s)");
	for (size_t k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++)
			if (isfinite(s[k].busbw[i]) && s[k].busbw[i] > hi)
				hi = s[k].busbw[i];
	if (g == NULL || g->n == 0 || hi <= 0)
		return;
	svg_ytick(b, top, hi);
	svg_ytick(b, bottom, 0);
	gw = (double)(PLOT_X1 - PLOT_X0) / (double)g->n;
	bw = gw * 0.8 / (double)ns;
	for (size_t i = 0; i < g->n; i++)
		buf_addf(b, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
		    PLOT_X0 + gw * ((double)i + 0.5), bottom + 16, fmt_size_short(g->bytes[i], lab, sizeof lab));
	for (size_t k = 0; k < ns; k++) {
		/* the legend on the title's line, clear of the bars */
		buf_addf(b, "<rect class=\"legend\" x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
		    "<text x=\"%d\" y=\"%d\">", PLOT_X1 - 270 + 95 * (int)k, y0 + 9,
		    svg_colors[k % NITEMS(svg_colors)], PLOT_X1 - 255 + 95 * (int)k, y0 + 18);
		add_xml(b, s[k].name);
		buf_adds(b, "</text>\n");
		for (size_t i = 0; i < s[k].n; i++) {
			double v = isfinite(s[k].busbw[i]) && s[k].busbw[i] > 0 ? s[k].busbw[i] : 0;
			double h = v / hi * PLOT_H;
			size_t slot = i;
			for (size_t j = 0; j < g->n; j++)   /* the group of the same size */
				if (g->bytes[j] == s[k].bytes[i])
					slot = j;
			buf_adds(b, "<rect class=\"bar\" data-collective=\"");
			add_xml(b, s[k].name);
			buf_addf(b, "\" data-bytes=\"%zu\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
			    "fill=\"%s\"><title>%s %s: %.3f GB/s</title></rect>\n", s[k].bytes[i],
			    PLOT_X0 + gw * (double)slot + gw * 0.1 + bw * (double)k, bottom - h, bw, h,
			    svg_colors[k % NITEMS(svg_colors)], s[k].name,
			    fmt_bytes(s[k].bytes[i], lab, sizeof lab), v);
		}
	}
}

void
chart_svg(struct buf *b, const char *title, const double *loss, size_t nloss,
    const struct chart_series *s, size_t ns)
{
	int h = 40 + 2 * CHART_H + 20;

	buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
	    SVG_W, h, SVG_W, h);
	buf_adds(b, "<title>");
	add_xml(b, title);
	buf_adds(b, "</title>\n");
	buf_addf(b, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>\n", SVG_W, h);
	buf_adds(b, "<text class=\"title\" x=\"20\" y=\"26\" font-size=\"17\" font-weight=\"bold\">");
	add_xml(b, title);
	buf_adds(b, "</text>\n<g id=\"loss-chart\">\n");
	svg_loss(b, 40, loss, nloss);
	buf_adds(b, "</g>\n<g id=\"busbw-chart\">\n");
	svg_bars(b, 40 + CHART_H, s, ns);
	buf_adds(b, "</g>\n</svg>\n");
}
