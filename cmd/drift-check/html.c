/*
 * html.c - drift-check --html FILE: one self-contained page (no script,
 * no font, no style sheet from elsewhere) with the verdict, the table, and
 * per column the reference and current distributions overlaid as inline
 * SVG bars, written atomically.  The page, its charts and the writing
 * are lib/html.h's; what is drift-check's is here.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dc.h"
#include "drift.h"
#include "err.h"
#include "html.h"
#include "mltime.h"
#include "num.h"
#include "strbuf.h"

/* Bins drawn at most; the rest of a long category list is summed up. */
#define MAX_BARS 40

static const char *score_text(double v, char buf[NUM_BUFSZ])
{
	return isnan(v) ? "-" : num_format_value(v, buf);
}

/*
 * A bin label is drawn at most LABEL_MAX characters long, in 10px type
 * (about LABEL_CW pixels a character, wide digits included), turned
 * LABEL_DEG degrees up and ending under its bars.
 */
#define LABEL_MAX 20
#define LABEL_CW 6.5
#define LABEL_DEG 40

/*
 * The bars of one column: reference and current side by side per bin,
 * on a y axis in percent of each side's values.
 */
static void svg(struct strbuf *sb, const struct drift_plot *p)
{
	const int w = 720, plot_h = 150, top = 10;
	size_t n = p->n < MAX_BARS ? p->n : MAX_BARS, i, len, longest = 0;
	double max = 0, slot, bw, y0, lw, dx, half;
	int left, bottom;
	struct html_chart c;

	for (i = 0; i < n; i++) {
		max = fmax(max, fmax(p->ref[i], p->cur[i]));
		len = strlen(p->labels[i]);
		longest = len > longest ? len : longest;
	}
	if (max <= 0)
		max = 1;
	/*
	 * Room for the turned labels, which the browser would otherwise clip
	 * at the bottom and, left of the first bin, at the left edge: a label
	 * lw long reaches dx left of where it ends (the middle of its slot)
	 * and lw * sin down.  left + slot / 2 >= dx + 4, with slot =
	 * (w - left - 10) / n, gives the left margin.
	 */
	lw = LABEL_CW * (double)(longest < LABEL_MAX ? longest : LABEL_MAX);
	dx = lw * cos(LABEL_DEG * M_PI / 180);
	bottom = (int)ceil(16 + lw * sin(LABEL_DEG * M_PI / 180));
	if (bottom < 60)
		bottom = 60;
	half = 1.0 / (2.0 * (double)(n ? n : 1));
	left = (int)ceil((dx + 4 - (w - 10) * half) / (1 - half));
	if (left < 44)
		left = 44;
	html_chart_init(&c, w, top + plot_h + bottom);
	c.left = left;
	c.right = 5;
	c.top = top;
	c.bottom = bottom;
	c.yunit = "%";
	html_chart_range(&c, 0, 1, 0, 100 * max, HTML_Y_ZERO);
	c.x.n = 0; /* bins, not numbers */
	slot = (double)(c.width - c.left - 10) / (n ? n : 1);
	bw = slot * 0.4;
	y0 = html_chart_y(&c, 0);
	html_chart_begin(sb, &c, "plot", NULL);
	html_chart_axes(sb, &c, NULL, NULL);
	for (i = 0; i < n; i++) {
		double x = c.left + slot * i + slot * 0.1;
		double hr = y0 - html_chart_y(&c, 100 * p->ref[i]);
		double hc = y0 - html_chart_y(&c, 100 * p->cur[i]);

		strbuf_addf(sb, "<rect class=\"ref\" x=\"%.1f\" y=\"%.1f\" "
				"width=\"%.1f\" height=\"%.1f\"><title>",
			    x, y0 - hr, bw, hr);
		html_escape(sb, p->labels[i]);
		strbuf_addf(sb, ": reference %.2f%%</title></rect>\n",
			    100 * p->ref[i]);
		strbuf_addf(sb, "<rect class=\"cur\" x=\"%.1f\" y=\"%.1f\" "
				"width=\"%.1f\" height=\"%.1f\"><title>",
			    x + bw, y0 - hc, bw, hc);
		html_escape(sb, p->labels[i]);
		strbuf_addf(sb, ": current %.2f%%</title></rect>\n",
			    100 * p->cur[i]);
		if (n <= 24 || i % ((n + 11) / 12) == 0) {
			char lab[LABEL_MAX + 1];

			snprintf(lab, sizeof(lab), "%s", p->labels[i]);
			strbuf_addf(sb, "<text class=\"lab\" transform=\""
					"translate(%.1f,%.1f) rotate(-%d)\" "
					"text-anchor=\"end\">",
				    x + bw, y0 + 12, LABEL_DEG);
			html_escape(sb, lab);
			strbuf_addstr(sb, "</text>\n");
		}
	}
	html_chart_end(sb);
	if (p->n > n)
		strbuf_addf(sb, "<p class=\"note\">%zu more bins not drawn.</p>\n",
			    p->n - n);
}

/* drift-check's rules, after html.c's shared style sheet */
static const char style[] =
	".yes{color:#b00;font-weight:bold}.no{color:#070}"
	".ref{fill:#4c78a8}.cur{fill:#f58518}"
	".key span{display:inline-block;width:12px;height:12px;"
	"margin:0 4px 0 12px;vertical-align:middle}";

int dc_html(const char *path, const struct drift_result *res,
	    const char *severity, const char *ref, const char *cur)
{
	struct strbuf sb = STRBUF_INIT;
	char b1[NUM_BUFSZ], b2[NUM_BUFSZ], tbuf[MLTIME_BUFSZ];
	char *title;
	int i, rc = -1;

	title = xstrfmt("drift-check: %s vs %s", ref, cur);
	html_page_begin(&sb, title, style);
	free(title);
	strbuf_addf(&sb, "<h1>Drift report</h1>\n<p>Reference <code>");
	html_escape(&sb, ref);
	strbuf_addstr(&sb, "</code>, current <code>");
	html_escape(&sb, cur);
	strbuf_addf(&sb, "</code>, %s.</p>\n", mltime_format(mltime_now(),
							      tbuf));
	strbuf_addf(&sb, "<p id=\"verdict\" class=\"%s\">%s: %d of %d columns "
			 "drifted (%.1f%%; the data set drifts at %g%%); "
			 "severity %s.</p>\n",
		    res->drift ? "yes" : "no",
		    res->drift ? "Drift detected" : "No drift", res->ndrifted,
		    res->ncols, 100 * res->share, 100 * res->drift_share,
		    severity);
	strbuf_addstr(&sb, "<table><tr><th>column</th><th>type</th>"
			   "<th>method</th><th>score</th><th>threshold</th>"
			   "<th>drifted</th><th>missing (ref / cur)</th>"
			   "</tr>\n");
	for (i = 0; i < res->ncols; i++) {
		const struct drift_colres *c = &res->cols[i];

		strbuf_addstr(&sb, "<tr><td><a href=\"#c");
		strbuf_addf(&sb, "%d\">", i);
		html_escape(&sb, c->column);
		strbuf_addf(&sb, "</a></td><td>%s</td><td>%s</td>"
				 "<td class=\"n\">%s</td><td class=\"n\">%s</td>"
				 "<td class=\"%s\">%s</td>"
				 "<td class=\"n\">%.1f%% / %.1f%%%s</td></tr>\n",
			    c->numeric ? "num" : "cat",
			    drift_methods[c->method].name,
			    score_text(c->score, b1),
			    score_text(c->threshold, b2),
			    c->drift ? "yes" : "no", c->drift ? "yes" : "no",
			    100 * c->missing_reference,
			    100 * c->missing_current,
			    c->missing_share_changed ? " (changed)" : "");
	}
	strbuf_addstr(&sb, "</table>\n<p class=\"key\"><span class=\"ref\" "
			   "style=\"background:#4c78a8\"></span>reference"
			   "<span style=\"background:#f58518\"></span>current"
			   "</p>\n");
	for (i = 0; i < res->ncols; i++) {
		const struct drift_colres *c = &res->cols[i];
		struct drift_plot p;

		strbuf_addf(&sb, "<div class=\"card\" id=\"c%d\"><h2>", i);
		html_escape(&sb, c->column);
		strbuf_addf(&sb, "</h2>\n<p>%s, %s: score %s against %s: "
				 "<span class=\"%s\">%s</span>. %lld reference "
				 "and %lld current values.</p>\n",
			    c->numeric ? "numeric" : "categorical",
			    drift_methods[c->method].what,
			    score_text(c->score, b1),
			    score_text(c->threshold, b2),
			    c->drift ? "yes" : "no",
			    c->drift ? "drift" : "no drift",
			    (long long)c->nref, (long long)c->ncur);
		if (drift_plot(c, &p) < 0)
			goto out;
		if (p.n)
			svg(&sb, &p);
		else
			strbuf_addstr(&sb, "<p class=\"note\">Nothing to "
					   "draw: a side has no values.</p>\n");
		drift_plot_release(&p);
		strbuf_addstr(&sb, "</div>\n");
	}
	html_page_end(&sb);
	rc = html_write(path, &sb);
out:
	strbuf_release(&sb);
	return rc;
}
