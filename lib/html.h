/*
 * html.h - self-contained HTML reports with inline SVG charts: what
 * drift-check --html and exp-log report share.
 *
 * A report is one page built in a strbuf and written in one go, so that
 * a reader never sees half of it: no script, no font, no style sheet or
 * image from elsewhere (the only URL in it is the SVG namespace), so it
 * opens offline, in a mail attachment or a CI artifact store.
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	struct html_chart c;
 *
 *	html_page_begin(&sb, "exp-log report", extra_css);
 *	strbuf_addstr(&sb, "<h1>Runs</h1>\n");
 *	html_escape(&sb, user_text);
 *
 *	html_chart_init(&c, 720, 260);
 *	html_chart_range(&c, xlo, xhi, ylo, yhi, HTML_X_INT);
 *	html_chart_begin(&sb, &c, "plot", NULL);
 *	html_chart_axes(&sb, &c, "step", "loss");
 *	html_chart_polyline(&sb, &c, xs, ys, n, html_color(i), attrs, name);
 *	html_chart_end(&sb);
 *
 *	html_page_end(&sb);
 *	rc = html_write(path, &sb);	(atomic; "-" is standard output)
 *
 * 1. html_page_begin() writes the doctype, the head (UTF-8, the title
 *    escaped, the shared style sheet and the caller's own rules) and opens
 *    the body; html_page_end() closes it.
 * 2. A chart maps data to pixels inside its margins: html_chart_range()
 *    rounds the data's ranges out to "nice" ticks (html_ticks(): steps of
 *    1, 2 or 5 times a power of ten), html_chart_x() and html_chart_y()
 *    map a value, and the emitters write <svg> (explicit width, height
 *    and viewBox, so that a browser gives it a size before any CSS),
 *    axes with ticks and labels, polylines and markers.  Coordinates are
 *    written with one decimal: a tenth of a pixel is finer than a screen.
 * 3. html_decimate() picks the points of a long curve worth drawing.
 *
 * The shared style sheet gives: body, table, th, td (td.n right-aligned
 * numbers), .card (a box per chart), .note, .legend (an HTML list of
 * coloured keys), and in SVG .axis, .grid, .tick and .label.
 *
 * Nothing here fails but html_write(); allocation failures die, as with
 * the strbuf functions.  Numbers go through num.h, in the "C" locale.
 */
#ifndef MLREPO_HTML_H
#define MLREPO_HTML_H

#include <stddef.h>

#include "num.h"

struct strbuf;

/*
 * Append `s` with &, <, >, " and ' written as entities, so that it is
 * safe in element text and in a double- or single-quoted attribute.
 */
void html_escape(struct strbuf *sb, const char *s);

/*
 * The page's start, up to and including <body>: `title` escaped, and
 * `css` (may be NULL) appended to the shared style sheet verbatim.
 */
void html_page_begin(struct strbuf *sb, const char *title, const char *css);
/* The page's end: </body></html>. */
void html_page_end(struct strbuf *sb);

/*
 * Write the page: to standard output for "-" (flushed; a write error is
 * reported), else atomically to `path` with mode 0666 less the umask
 * (fs_write_file_atomic(): nothing is left behind on error).  0, or -1
 * with error() (exit 3).
 */
int html_write(const char *path, const struct strbuf *sb);

/* Ticks of an axis: html_ticks(). */
#define HTML_TICKS_MAX 24
struct html_ticks {
	double lo, hi;	/* the range, rounded out to multiples of step */
	double step;
	int n;		/* ticks lo, lo + step, ... hi: n of them */
};

/*
 * Nice ticks for the data range [lo, hi]: a step of 1, 2 or 5 times a
 * power of ten giving at most `target` intervals (at least 1, at most
 * HTML_TICKS_MAX - 1), and the range rounded out to multiples of it.
 * With `integer` the step is at least 1 (steps of a run are whole).  An
 * empty range (lo == hi) is widened around the value (by 1 at 0, else
 * by a tenth of it); non-finite bounds give the range [0, 1].
 */
void html_ticks(double lo, double hi, int target, int integer,
		struct html_ticks *t);
/* The value of tick i (0 <= i < t->n), exact 0 where it should be. */
double html_tick_value(const struct html_ticks *t, int i);
/*
 * A tick's label: as many decimals as the step needs ("0.25", "10",
 * "1500"), or %g's form for very large or small steps ("1e+08").
 */
char *html_tick_label(double v, double step, char buf[NUM_BUFSZ]);

/* A chart: its size in pixels, margins, and the ranges of its axes. */
struct html_chart {
	int width, height;
	int left, right, top, bottom; /* margins for ticks and labels */
	struct html_ticks x, y;
	const char *yunit; /* appended to y tick labels ("%"), or NULL */
};

enum html_chart_flags {
	HTML_X_INT = 1 << 0,  /* x ticks are whole numbers (steps) */
	HTML_Y_ZERO = 1 << 1, /* the y range includes 0 (bars) */
	HTML_Y_INT = 1 << 2   /* y ticks are whole numbers */
};

/* A chart of `width` x `height` pixels with default margins. */
void html_chart_init(struct html_chart *c, int width, int height);
/*
 * Set the ranges from the data's (html_ticks(): about 8 x intervals and
 * 5 y intervals), with `flags` from enum html_chart_flags.
 */
void html_chart_range(struct html_chart *c, double xlo, double xhi,
		      double ylo, double yhi, unsigned flags);
/* The pixel position of a data value along x, or along y. */
double html_chart_x(const struct html_chart *c, double v);
double html_chart_y(const struct html_chart *c, double v);

/*
 * Open the <svg> element of class `cls` with its width, height, viewBox
 * and namespace, role="img", and `attrs` (may be NULL) as
 * html_chart_polyline() takes them.
 */
void html_chart_begin(struct strbuf *sb, const struct html_chart *c,
		      const char *cls, const char *attrs);
/*
 * Grid lines, tick marks and tick labels of both axes, and the axis
 * titles `xlabel` and `ylabel` (escaped; NULL: none).  A chart whose x
 * axis is not numeric (bars by category) passes xlabel NULL and sets
 * c->x.n to 0: then only the x axis line is drawn.
 */
void html_chart_axes(struct strbuf *sb, const struct html_chart *c,
		     const char *xlabel, const char *ylabel);
/*
 * A <polyline> through the `n` points (x[i], y[i]) in data units, in
 * `color`, with `attrs` (may be NULL: text put inside the element's tag
 * verbatim, such as data-run="ID"; the caller escapes it) and a <title>
 * `title` (escaped; NULL: none).  A single point is drawn as a marker
 * instead; none, as nothing.  Points must be finite.
 */
void html_chart_polyline(struct strbuf *sb, const struct html_chart *c,
			 const double *x, const double *y, size_t n,
			 const char *color, const char *attrs,
			 const char *title);
/* A round marker at (x, y), as html_chart_polyline() draws one point. */
void html_chart_marker(struct strbuf *sb, const struct html_chart *c,
		       double x, double y, const char *color,
		       const char *attrs, const char *title);
/* Close the <svg>. */
void html_chart_end(struct strbuf *sb);

/*
 * Append `v` as a coordinate with one decimal ("12.5", "-3", "0"),
 * faster than printf for the many points of a curve.
 */
void html_add_coord(struct strbuf *sb, double v);

/*
 * The points of a long curve worth drawing: of the `n` finite values
 * `y` (in order of x), write to `keep` the indexes of at most `max` (at
 * least 4) of them, in order, and return how many.  With n <= max, all
 * of them.  Else the points are split into max / 2 runs of consecutive
 * ones, and each run is drawn by its lowest and its highest point (the
 * first lowest and the last highest, in their order), so that spikes
 * stay visible: exactly max / 2 * 2 points.  `keep` holds `max` items.
 */
size_t html_decimate(const double *y, size_t n, size_t max, size_t *keep);

/* A colour of the report palette (ten, Tableau's), by index, repeating. */
const char *html_color(size_t i);

#endif
