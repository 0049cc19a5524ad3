/*
 * test-html.c - escaping, ticks, coordinates, decimation and charts of
 * the HTML reports (lib/html.c).  The expected ticks are worked out by
 * hand in the comments: a step of 1, 2 or 5 times a power of ten, the
 * smallest giving at most `target` intervals once the range is rounded
 * out to multiples of it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "html.h"
#include "strbuf.h"
#include "tap.h"

static const char *escaped(const char *s)
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	html_escape(&sb, s);
	return sb.buf;
}

static void test_escape(void)
{
	is_str(escaped("plain text, 42"), "plain text, 42", "plain text stays");
	is_str(escaped(""), "", "empty stays empty");
	is_str(escaped("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&#39;d",
	       "the five special characters become entities");
	is_str(escaped("&amp;"), "&amp;amp;", "an entity is escaped again");
	is_str(escaped("\xc3\xa9t\xc3\xa9 <"), "\xc3\xa9t\xc3\xa9 &lt;",
	       "UTF-8 passes through");
}

static int near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void test_ticks(void)
{
	struct html_ticks t;
	char buf[NUM_BUFSZ];
	int i;

	/* [0, 1] by 5: raw 0.2, a nice step already */
	html_ticks(0, 1, 5, 0, &t);
	ok(near(t.step, 0.2) && near(t.lo, 0) && near(t.hi, 1) && t.n == 6,
	   "[0, 1] in 5: 0, 0.2, ... 1");
	/* [0.13, 0.97]: step 0.2, rounded out to [0, 1] */
	html_ticks(0.13, 0.97, 5, 0, &t);
	ok(near(t.step, 0.2) && near(t.lo, 0) && near(t.hi, 1) && t.n == 6,
	   "[0.13, 0.97] rounds out to [0, 1]");
	/* [3, 10]: raw 1.4 -> 2; [2, 10], 4 intervals */
	html_ticks(3, 10, 5, 0, &t);
	ok(near(t.step, 2) && near(t.lo, 2) && near(t.hi, 10) && t.n == 5,
	   "[3, 10] in 5: 2, 4, ... 10");
	/* [-0.7, 0.3]: 0.2 rounds out to [-0.8, 0.4], 6 intervals > 5: 0.5 */
	html_ticks(-0.7, 0.3, 5, 0, &t);
	ok(near(t.step, 0.5) && near(t.lo, -1) && near(t.hi, 0.5) && t.n == 4,
	   "a step that rounds out to too many intervals grows to the next");
	/* steps 0..3 of a run: 0.5 would be the step, integer makes it 1 */
	html_ticks(0, 3, 8, 1, &t);
	ok(near(t.step, 1) && near(t.lo, 0) && near(t.hi, 3) && t.n == 4,
	   "integer ticks: at least 1 apart");
	/* [0, 999] in 8: raw 124.9 -> 200, [0, 1000] */
	html_ticks(0, 999, 8, 1, &t);
	ok(near(t.step, 200) && near(t.hi, 1000) && t.n == 6,
	   "[0, 999] in 8: steps of 200");
	/* one value: widened by a tenth of it, and still covering it */
	html_ticks(5, 5, 5, 0, &t);
	ok(t.lo < 5 && t.hi > 5 && t.n >= 2 && t.n - 1 <= 5,
	   "an empty range is widened around its value");
	html_ticks(0, 0, 5, 0, &t);
	ok(t.lo <= -1 && t.hi >= 1, "an empty range at 0 is widened by 1");
	html_ticks(NAN, 1, 5, 0, &t);
	ok(near(t.lo, 0) && near(t.hi, 1), "a NaN bound gives [0, 1]");
	html_ticks(2, 1, 5, 0, &t);
	ok(t.lo <= 1 && t.hi >= 2, "bounds given the wrong way round");
	for (i = 1; i < 1000; i += 37) {
		double lo = -i * 0.37, hi = i * i * 0.011;

		html_ticks(lo, hi, 5, 0, &t);
		if (!(t.lo <= lo && t.hi >= hi && t.n - 1 <= 5 && t.n >= 2))
			break;
	}
	ok(i >= 1000, "ticks always cover the range in at most 5 intervals");

	/* [-0.3, 0.3]: -0.4, -0.2, 0, 0.2, 0.4, the middle one exactly 0 */
	html_ticks(-0.3, 0.3, 5, 0, &t);
	ok(t.n == 5 && html_tick_value(&t, 2) == 0 &&
	   !signbit(html_tick_value(&t, 2)), "the zero tick is exactly 0");
	is_str(html_tick_label(html_tick_value(&t, 2), t.step, buf), "0.0",
	       "and its label has no minus sign");
	is_str(html_tick_label(0.25, 0.05, buf), "0.25", "two decimals");
	is_str(html_tick_label(0.75, 0.25, buf), "0.75",
	       "a step of 0.25 needs two decimals");
	is_str(html_tick_label(1500, 500, buf), "1500", "no decimals");
	is_str(html_tick_label(-3, 1, buf), "-3", "negative");
	is_str(html_tick_label(0.0003, 0.0001, buf), "0.0003", "four decimals");
	is_str(html_tick_label(3e8, 1e8, buf), "3e+08", "huge steps: %g");
	is_str(html_tick_label(2e-5, 1e-5, buf), "2e-05", "tiny steps: %g");
}

static const char *coord(double v)
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	html_add_coord(&sb, v);
	return sb.buf;
}

static void test_coords(void)
{
	is_str(coord(12.5), "12.5", "one decimal");
	is_str(coord(12), "12", "a whole number has none");
	is_str(coord(1234.56), "1234.6", "rounded to a tenth");
	is_str(coord(-3.04), "-3", "negative, rounded");
	is_str(coord(-0.06), "-0.1", "small negative");
	is_str(coord(-0.04), "0", "no negative zero");
	is_str(coord(0.96), "1", "rounding carries");
	is_str(coord(NAN), "0.0", "NaN does not break the text");
}

static void test_decimate(void)
{
	size_t n = 2000, keep[1000], m, i, ok_order = 1, has_spike = 0;
	double *y = calloc(n, sizeof(*y));
	double z[10];

	for (i = 0; i < 10; i++)
		z[i] = (double)i;
	m = html_decimate(z, 10, 1000, keep);
	ok(m == 10 && keep[0] == 0 && keep[9] == 9, "short curves are whole");

	y[777] = 100;
	y[1500] = -5;
	m = html_decimate(y, n, 1000, keep);
	is_int(m, 1000, "2000 points are drawn by 1000");
	for (i = 1; i < m; i++)
		if (keep[i] <= keep[i - 1])
			ok_order = 0;
	for (i = 0; i < m; i++)
		if (keep[i] == 777 || keep[i] == 1500)
			has_spike++;
	ok(ok_order, "in order, no index twice");
	is_int(has_spike, 2, "a spike up and a spike down are both kept");
	ok(keep[0] == 0 && keep[m - 1] == n - 1,
	   "a flat curve keeps its first and last points");

	for (i = 0; i < n; i++)
		y[i] = sin(i / 50.0);
	m = html_decimate(y, 1001, 1000, keep);
	is_int(m, 1000, "1001 points: 500 stretches of 2 or 3, 1000 points");
	m = html_decimate(y, 5, 3, keep);
	is_int(m, 4, "max is at least 4");
	free(y);
}

static void test_chart(void)
{
	struct html_chart c;
	struct strbuf sb = STRBUF_INIT;
	double x[3] = { 0, 5, 10 }, y[3] = { 0, 1, 0.5 };
	const char *p;

	html_chart_init(&c, 720, 280);
	html_chart_range(&c, 0, 10, 0, 1, HTML_X_INT);
	ok(near(html_chart_x(&c, 0), c.left) &&
	   near(html_chart_x(&c, 10), 720 - c.right), "x maps to the margins");
	ok(near(html_chart_y(&c, 0), 280 - c.bottom) &&
	   near(html_chart_y(&c, 1), c.top), "y maps upwards");

	html_chart_begin(&sb, &c, "chart", "data-metric=\"loss\"");
	ok(strstr(sb.buf, "width=\"720\" height=\"280\" viewBox=\"0 0 720 280\"") &&
	   strstr(sb.buf, "data-metric=\"loss\""),
	   "<svg> has its size, viewBox and attributes");
	strbuf_reset(&sb);
	html_chart_axes(&sb, &c, "step", "a<b");
	ok(strstr(sb.buf, ">a&lt;b</text>") && strstr(sb.buf, ">step</text>"),
	   "axis titles, escaped");
	ok(strstr(sb.buf, ">0.0</text>") && strstr(sb.buf, ">1.0</text>") &&
	   strstr(sb.buf, ">10</text>"), "tick labels on both axes");
	strbuf_reset(&sb);
	html_chart_polyline(&sb, &c, x, y, 3, "#123456", "data-run=\"r\"",
			    "x & y");
	p = strstr(sb.buf, "points=\"");
	ok(p && !strncmp(p, "points=\"60,240 382,12 704,126\"", 30),
	   "three points, in pixels");
	ok(strstr(sb.buf, "<title>x &amp; y</title></polyline>") != NULL,
	   "the title is escaped");
	strbuf_reset(&sb);
	html_chart_polyline(&sb, &c, x, y, 1, "#123456", NULL, NULL);
	ok(!strncmp(sb.buf, "<circle cx=\"60\" cy=\"240\"", 24),
	   "one point is a marker");
	strbuf_reset(&sb);
	html_chart_polyline(&sb, &c, x, y, 0, "#123456", NULL, NULL);
	is_int(sb.len, 0, "no point, nothing drawn");
	strbuf_release(&sb);
}

static void test_page(void)
{
	struct strbuf sb = STRBUF_INIT, back = STRBUF_INIT;
	char dir[] = "/tmp/test-html.XXXXXX", path[64];

	html_page_begin(&sb, "a \"report\" <1>", ".x{}");
	html_page_end(&sb);
	ok(!strncmp(sb.buf, "<!DOCTYPE html>", 15) &&
	   strstr(sb.buf, "<title>a &quot;report&quot; &lt;1&gt;</title>") &&
	   strstr(sb.buf, ".x{}</style>") &&
	   !strcmp(sb.buf + sb.len - 15, "</body></html>\n"),
	   "a page: doctype, escaped title, the caller's style, the end");
	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/r.html", dir);
	ok(html_write(path, &sb) == 0 && strbuf_read_file(&back, path) == 0 &&
	   !strcmp(back.buf, sb.buf), "written whole");
	unlink(path);
	snprintf(path, sizeof(path), "%s/no/r.html", dir);
	ok(html_write(path, &sb) < 0 && err_code() == EXIT_ENV,
	   "a missing directory is an environment error");
	rmdir(dir);
	strbuf_release(&sb);
	strbuf_release(&back);
}

int main(void)
{
	test_escape();
	test_ticks();
	test_coords();
	test_decimate();
	test_chart();
	test_page();
	return tap_done();
}
