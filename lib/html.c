/*
 * html.c - self-contained HTML reports with inline SVG charts (html.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "fsutil.h"
#include "html.h"
#include "strbuf.h"
#include "tabout.h"

void html_escape(struct strbuf *sb, const char *s)
{
	const char *run = s;

	for (; *s; s++) {
		const char *ent;

		switch (*s) {
		case '&':
			ent = "&amp;";
			break;
		case '<':
			ent = "&lt;";
			break;
		case '>':
			ent = "&gt;";
			break;
		case '"':
			ent = "&quot;";
			break;
		case '\'':
			ent = "&#39;";
			break;
		default:
			continue;
		}
		strbuf_add(sb, run, s - run);
		strbuf_addstr(sb, ent);
		run = s + 1;
	}
	strbuf_add(sb, run, s - run);
}

static const char page_css[] =
	"body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0}"
	"td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	".card{border:1px solid #ddd;border-radius:6px;padding:1em;"
	"margin:1em 0;max-width:760px}"
	".axis{stroke:#444}.grid{stroke:#ddd}"
	".tick,.lab,.label{font-size:10px;fill:#444}"
	".label{font-size:11px}"
	".legend{list-style:none;padding:0;margin:.5em 0;font-size:90%}"
	".legend li{display:inline-block;margin:0 1em 0 0}"
	".legend span{display:inline-block;width:12px;height:12px;"
	"margin-right:4px;vertical-align:middle}"
	".note{color:#666;font-size:90%}";

void html_page_begin(struct strbuf *sb, const char *title, const char *css)
{
	strbuf_addstr(sb, "<!DOCTYPE html>\n<html lang=\"en\"><head>"
			  "<meta charset=\"utf-8\">\n<title>");
	html_escape(sb, title);
	strbuf_addf(sb, "</title>\n<style>%s%s</style></head><body>\n",
		    page_css, css ? css : "");
}

void html_page_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "</body></html>\n");
}

int html_write(const char *path, const struct strbuf *sb)
{
	mode_t um;

	if (!strcmp(path, "-")) {
		if (fwrite(sb->buf, 1, sb->len, stdout) != sb->len)
			return error("cannot write to standard output: %s",
				     strerror(errno));
		return out_flush(stdout);
	}
	um = umask(0);
	umask(um);
	return fs_write_file_atomic(path, sb->buf, sb->len, 0666 & ~um);
}

/* ---- ticks ------------------------------------------------------------ */

void html_ticks(double lo, double hi, int target, int integer,
		struct html_ticks *t)
{
	double span, raw, mag, f, step;

	if (target < 1)
		target = 1;
	if (target > HTML_TICKS_MAX - 1)
		target = HTML_TICKS_MAX - 1;
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	if (lo > hi) {
		double tmp = lo;

		lo = hi;
		hi = tmp;
	}
	if (lo == hi) {
		double d = lo == 0 ? 1 : fabs(lo) / 10;

		lo -= d;
		hi += d;
	}
	span = hi - lo;
	if (!isfinite(span)) {
		lo = 0;
		hi = span = 1;
	}
	raw = span / target;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	/* the smallest nice step that keeps the intervals within target */
	for (;;) {
		step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
		if (integer && step < 1)
			step = 1;
		t->lo = floor(lo / step) * step;
		t->hi = ceil(hi / step) * step;
		t->n = (int)floor((t->hi - t->lo) / step + 0.5) + 1;
		if (t->n - 1 <= target || !isfinite(step))
			break;
		/* rounding out took an interval too many: a larger step */
		f = step / mag * 1.01;
		if (f > 10) {
			mag *= 10;
			f /= 10;
		}
	}
	t->step = step;
	if (t->n > HTML_TICKS_MAX)
		t->n = HTML_TICKS_MAX;
}

double html_tick_value(const struct html_ticks *t, int i)
{
	double v = t->lo + i * t->step;

	return fabs(v) < t->step * 1e-9 ? 0 : v;
}

char *html_tick_label(double v, double step, char buf[NUM_BUFSZ])
{
	int dec;

	if (fabs(v) < step * 1e-9)
		v = 0;
	if (step >= 1e-4 && step < 1e6 && fabs(v) < 1e7) {
		dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
		/* steps of 2.5e-k need one more */
		if (fabs(step * pow(10, dec) - floor(step * pow(10, dec) + 0.5)) >
		    1e-6)
			dec++;
		snprintf(buf, NUM_BUFSZ, "%.*f", dec, v);
	} else {
		snprintf(buf, NUM_BUFSZ, "%g", v);
	}
	return buf;
}

/* ---- charts ----------------------------------------------------------- */

void html_chart_init(struct html_chart *c, int width, int height)
{
	memset(c, 0, sizeof(*c));
	c->width = width;
	c->height = height;
	c->left = 60;
	c->right = 16;
	c->top = 12;
	c->bottom = 40;
	html_ticks(0, 1, 5, 0, &c->x);
	html_ticks(0, 1, 5, 0, &c->y);
}

void html_chart_range(struct html_chart *c, double xlo, double xhi,
		      double ylo, double yhi, unsigned flags)
{
	if (flags & HTML_Y_ZERO) {
		ylo = fmin(ylo, 0);
		yhi = fmax(yhi, 0);
	}
	html_ticks(xlo, xhi, 8, !!(flags & HTML_X_INT), &c->x);
	html_ticks(ylo, yhi, 5, !!(flags & HTML_Y_INT), &c->y);
}

double html_chart_x(const struct html_chart *c, double v)
{
	double w = c->width - c->left - c->right;

	return c->left + (v - c->x.lo) / (c->x.hi - c->x.lo) * w;
}

double html_chart_y(const struct html_chart *c, double v)
{
	double h = c->height - c->top - c->bottom;

	return c->height - c->bottom - (v - c->y.lo) / (c->y.hi - c->y.lo) * h;
}

void html_chart_begin(struct strbuf *sb, const struct html_chart *c,
		      const char *cls, const char *attrs)
{
	strbuf_addf(sb, "<svg class=\"%s\" %s%swidth=\"%d\" height=\"%d\" "
			"viewBox=\"0 0 %d %d\" role=\"img\" "
			"xmlns=\"http://www.w3.org/2000/svg\">\n",
		    cls, attrs ? attrs : "", attrs ? " " : "", c->width,
		    c->height, c->width, c->height);
}

void html_chart_axes(struct strbuf *sb, const struct html_chart *c,
		     const char *xlabel, const char *ylabel)
{
	int x0 = c->left, x1 = c->width - c->right;
	int y0 = c->height - c->bottom, y1 = c->top;
	char buf[NUM_BUFSZ];
	int i;

	for (i = 0; i < c->y.n; i++) {
		double v = html_tick_value(&c->y, i), y = html_chart_y(c, v);

		strbuf_addf(sb, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" "
				"y2=\"%.1f\" class=\"grid\"/>"
				"<text x=\"%d\" y=\"%.1f\" class=\"tick\" "
				"text-anchor=\"end\">%s%s</text>\n",
			    x0, y, x1, y, x0 - 4, y + 3.5,
			    html_tick_label(v, c->y.step, buf),
			    c->yunit ? c->yunit : "");
	}
	for (i = 0; i < c->x.n; i++) {
		double v = html_tick_value(&c->x, i), x = html_chart_x(c, v);

		strbuf_addf(sb, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" "
				"y2=\"%d\" class=\"axis\"/>"
				"<text x=\"%.1f\" y=\"%d\" class=\"tick\" "
				"text-anchor=\"middle\">%s</text>\n",
			    x, y0, x, y0 + 4, x, y0 + 15,
			    html_tick_label(v, c->x.step, buf));
	}
	strbuf_addf(sb, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
			"class=\"axis\"/>\n", x0, y0, x1, y0);
	if (c->y.n)
		strbuf_addf(sb, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" "
				"y2=\"%d\" class=\"axis\"/>\n", x0, y0, x0, y1);
	if (xlabel) {
		strbuf_addf(sb, "<text x=\"%.1f\" y=\"%d\" class=\"label\" "
				"text-anchor=\"middle\">",
			    (x0 + x1) / 2.0, c->height - 6);
		html_escape(sb, xlabel);
		strbuf_addstr(sb, "</text>\n");
	}
	if (ylabel) {
		strbuf_addf(sb, "<text class=\"label\" text-anchor=\"middle\" "
				"transform=\"translate(12,%.1f) rotate(-90)\">",
			    (y0 + y1) / 2.0);
		html_escape(sb, ylabel);
		strbuf_addstr(sb, "</text>\n");
	}
}

void html_add_coord(struct strbuf *sb, double v)
{
	char buf[32], *p = buf + sizeof(buf);
	long long t;
	int neg;

	if (!isfinite(v) || fabs(v) > 1e15) {
		strbuf_addf(sb, "%.1f", isfinite(v) ? v : 0.0);
		return;
	}
	t = llround(v * 10);
	neg = t < 0;
	if (neg)
		t = -t;
	if (t % 10) {
		*--p = (char)('0' + t % 10);
		*--p = '.';
	}
	t /= 10;
	do {
		*--p = (char)('0' + t % 10);
		t /= 10;
	} while (t);
	if (neg)
		*--p = '-';
	strbuf_add(sb, p, buf + sizeof(buf) - p);
}

static void title_and_close(struct strbuf *sb, const char *tag,
			    const char *title)
{
	if (!title) {
		strbuf_addstr(sb, "/>\n");
		return;
	}
	strbuf_addstr(sb, "><title>");
	html_escape(sb, title);
	strbuf_addf(sb, "</title></%s>\n", tag);
}

void html_chart_marker(struct strbuf *sb, const struct html_chart *c,
		       double x, double y, const char *color,
		       const char *attrs, const char *title)
{
	strbuf_addstr(sb, "<circle ");
	if (attrs)
		strbuf_addf(sb, "%s ", attrs);
	strbuf_addstr(sb, "cx=\"");
	html_add_coord(sb, html_chart_x(c, x));
	strbuf_addstr(sb, "\" cy=\"");
	html_add_coord(sb, html_chart_y(c, y));
	strbuf_addf(sb, "\" r=\"3.5\" fill=\"%s\"", color);
	title_and_close(sb, "circle", title);
}

void html_chart_polyline(struct strbuf *sb, const struct html_chart *c,
			 const double *x, const double *y, size_t n,
			 const char *color, const char *attrs,
			 const char *title)
{
	size_t i;

	if (!n)
		return;
	if (n == 1) {
		html_chart_marker(sb, c, x[0], y[0], color, attrs, title);
		return;
	}
	strbuf_grow(sb, n * 14 + 128);
	strbuf_addstr(sb, "<polyline ");
	if (attrs)
		strbuf_addf(sb, "%s ", attrs);
	strbuf_addf(sb, "fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
			"points=\"", color);
	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ' ');
		html_add_coord(sb, html_chart_x(c, x[i]));
		strbuf_addch(sb, ',');
		html_add_coord(sb, html_chart_y(c, y[i]));
	}
	strbuf_addch(sb, '"');
	title_and_close(sb, "polyline", title);
}

void html_chart_end(struct strbuf *sb)
{
	strbuf_addstr(sb, "</svg>\n");
}

/* ---- decimation, colours ---------------------------------------------- */

size_t html_decimate(const double *y, size_t n, size_t max, size_t *keep)
{
	size_t i, b, nb, out = 0;

	if (max < 4)
		max = 4;
	if (n <= max) {
		for (i = 0; i < n; i++)
			keep[i] = i;
		return n;
	}
	nb = max / 2;
	for (b = 0; b < nb; b++) {
		size_t a = b * n / nb, e = (b + 1) * n / nb;
		size_t lo = a, hi = e - 1;

		/* n > max: every bucket holds 2 points or more; the first
		 * lowest and the last highest */
		for (i = a; i < e; i++) {
			if (y[i] < y[lo])
				lo = i;
			if (y[i] >= y[hi])
				hi = i;
		}
		/* never lo == hi: were all equal, lo would be a and hi e - 1 */
		keep[out++] = lo < hi ? lo : hi;
		keep[out++] = lo < hi ? hi : lo;
	}
	return out;
}

const char *html_color(size_t i)
{
	static const char *const palette[] = {
		"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
		"#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"
	};

	return palette[i % (sizeof(palette) / sizeof(*palette))];
}
