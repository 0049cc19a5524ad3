/*
 * report.c - exp-log report: the chosen runs as one self-contained HTML
 * page, a table of them (params and current metric values) and, per
 * metric, their curves over steps as inline SVG (lib/html.h).
 *
 * For the man page (exp-log(1), "report"): without RUN, -e or --filter,
 * every live run; RUNs are ids or prefixes, shown in the order given,
 * else newest first; -e and --filter narrow either set.  A curve of more
 * than REPORT_MAX_POINTS points is drawn from that many of them
 * (html_decimate()); NaN and infinite values are not drawn.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exp-log.h"
#include "html.h"
#include "mltime.h"
#include "num.h"
#include "opt.h"
#include "runs.h"
#include "strbuf.h"

/* Points drawn of one run's curve, at most (see html_decimate()). */
#define REPORT_MAX_POINTS 1000
/* The run id as the table and the legends show it. */
#define SHORT_ID 8

static const char *const usage_report[] = {
	"exp-log report [-e EXPERIMENT] [--filter EXPR] [RUN...] -o FILE.html",
	NULL
};

static int collect_id(sqlite3_stmt *row, void *data)
{
	strlist_add(data, (const char *)sqlite3_column_text(row, 0));
	return 0;
}

/*
 * The runs to report, into `ids`: the RUNs given (resolved, repeats
 * dropped), or every live run; -e and --filter narrow either.
 */
static int choose_runs(sqlite3 *db, int nargs, char **args, const char *exp,
		       const char *filter, struct strlist *ids)
{
	struct runs_query q = { 0 };
	struct strlist match = STRLIST_INIT, given = STRLIST_INIT;
	char id[RUN_ID_HEX + 1];
	int i, rc = -1;

	q.experiment = exp;
	q.filter = filter;
	q.limit = -1;
	if (!nargs)
		return runs_query(db, &q, collect_id, ids);
	for (i = 0; i < nargs; i++) {
		if (runs_resolve(db, args[i], id) < 0)
			goto out;
		if (!strlist_has(&given, id))
			strlist_add(&given, id);
	}
	if (exp || filter) {
		q.all = 1; /* a run named is shown, deleted or not */
		if (runs_query(db, &q, collect_id, &match) < 0)
			goto out;
	}
	for (i = 0; i < (int)given.n; i++)
		if (!(exp || filter) || strlist_has(&match, given.v[i]))
			strlist_add(ids, given.v[i]);
	rc = 0;
out:
	strlist_release(&match);
	strlist_release(&given);
	return rc;
}

/* "NAME (abcdef12)", or the short id alone. */
static void run_label(struct strbuf *sb, const struct run_info *in)
{
	if (in->name && *in->name)
		strbuf_addf(sb, "%s (%.*s)", in->name, SHORT_ID, in->id);
	else
		strbuf_addf(sb, "%.*s", SHORT_ID, in->id);
}

static void table(struct strbuf *sb, const struct run_info *in, size_t n,
		  const struct strlist *params, const struct strlist *metrics)
{
	char t[MLTIME_BUFSZ], v[NUM_BUFSZ];
	size_t i, k;

	strbuf_addstr(sb, "<div class=\"wide\"><table id=\"runs\"><tr><th>run</th><th>name</th>"
			  "<th>experiment</th><th>status</th><th>start</th>"
			  "<th>duration</th>");
	for (k = 0; k < params->n; k++) {
		strbuf_addstr(sb, "<th>params.");
		html_escape(sb, params->v[k]);
		strbuf_addstr(sb, "</th>");
	}
	for (k = 0; k < metrics->n; k++) {
		strbuf_addstr(sb, "<th>metrics.");
		html_escape(sb, metrics->v[k]);
		strbuf_addstr(sb, "</th>");
	}
	strbuf_addstr(sb, "</tr>\n");
	for (i = 0; i < n; i++) {
		const struct run_info *r = &in[i];

		strbuf_addf(sb, "<tr data-run=\"%s\"><td title=\"%s\"><code>"
				"%.*s</code></td><td>", r->id, r->id, SHORT_ID,
			    r->id);
		html_escape(sb, r->name ? r->name : "");
		strbuf_addstr(sb, "</td><td>");
		html_escape(sb, r->experiment);
		strbuf_addf(sb, "</td><td>%s%s</td><td>%s</td>", r->status,
			    r->deleted ? " (deleted)" : "",
			    mltime_format(r->start_time, t));
		strbuf_addf(sb, "<td class=\"n\">%s</td>",
			    r->end_time ? mltime_format_duration(
					     r->end_time - r->start_time, t)
					: "");
		for (k = 0; k < params->n; k++) {
			const char *p = runs_info_param(r, params->v[k]);

			strbuf_addstr(sb, "<td>");
			html_escape(sb, p ? p : "");
			strbuf_addstr(sb, "</td>");
		}
		for (k = 0; k < metrics->n; k++) {
			const struct run_metric *m =
				runs_info_metric(r, metrics->v[k]);

			strbuf_addf(sb, "<td class=\"n\">%s</td>",
				    m ? num_format_value(m->value, v) : "");
		}
		strbuf_addstr(sb, "</tr>\n");
	}
	strbuf_addstr(sb, "</table></div>\n");
}

/* One run's curve of one metric: its finite points, by step. */
struct curve {
	double *x, *y;
	size_t n, alloc;
};

static int curve_point(const struct run_point *p, void *data)
{
	struct curve *c = data;

	if (!isfinite(p->value))
		return 0;
	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 64;
		c->x = xrealloc(c->x, c->alloc * sizeof(*c->x));
		c->y = xrealloc(c->y, c->alloc * sizeof(*c->y));
	}
	c->x[c->n] = (double)p->step;
	c->y[c->n++] = p->value;
	return 0;
}

/* The card of metric `key`: a chart of every run that has it, a legend. */
static int chart(struct strbuf *sb, sqlite3 *db, const char *key, size_t nr,
		 const struct run_info *in, struct curve *cv, size_t *keep)
{
	double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
	double *xs = xmalloc(REPORT_MAX_POINTS * sizeof(*xs));
	double *ys = xmalloc(REPORT_MAX_POINTS * sizeof(*ys));
	struct strbuf attrs = STRBUF_INIT, label = STRBUF_INIT;
	struct html_chart c;
	int decimated = 0, rc = -1;
	size_t i, j, k;

	for (i = 0; i < nr; i++) {
		cv[i].n = 0;
		if (!runs_info_metric(&in[i], key))
			continue;
		if (runs_metric_history(db, in[i].id, key, curve_point,
					&cv[i]) < 0)
			goto out;
		for (j = 0; j < cv[i].n; j++) {
			xlo = fmin(xlo, cv[i].x[j]);
			xhi = fmax(xhi, cv[i].x[j]);
			ylo = fmin(ylo, cv[i].y[j]);
			yhi = fmax(yhi, cv[i].y[j]);
		}
	}
	strbuf_addstr(sb, "<div class=\"card\"><h2>");
	html_escape(sb, key);
	strbuf_addstr(sb, "</h2>\n");
	html_chart_init(&c, 720, 280);
	html_chart_range(&c, xlo, xhi, ylo, yhi, HTML_X_INT);
	strbuf_addstr(&attrs, "data-metric=\"");
	html_escape(&attrs, key);
	strbuf_addch(&attrs, '"');
	html_chart_begin(sb, &c, "chart", attrs.buf);
	html_chart_axes(sb, &c, "step", key);
	for (i = 0; i < nr; i++) {
		size_t m;

		if (!cv[i].n)
			continue;
		m = html_decimate(cv[i].y, cv[i].n, REPORT_MAX_POINTS, keep);
		decimated |= m < cv[i].n;
		for (k = 0; k < m; k++) {
			xs[k] = cv[i].x[keep[k]];
			ys[k] = cv[i].y[keep[k]];
		}
		strbuf_reset(&attrs);
		strbuf_addf(&attrs, "class=\"run\" data-run=\"%s\"", in[i].id);
		strbuf_reset(&label);
		run_label(&label, &in[i]);
		html_chart_polyline(sb, &c, xs, ys, m, html_color(i), attrs.buf,
				    label.buf);
	}
	html_chart_end(sb);
	strbuf_addstr(sb, "<ul class=\"legend\">");
	for (i = 0; i < nr; i++) {
		if (!runs_info_metric(&in[i], key))
			continue;
		strbuf_reset(&label);
		run_label(&label, &in[i]);
		strbuf_addf(sb, "<li><span style=\"background:%s\"></span>",
			    html_color(i));
		html_escape(sb, label.buf);
		if (!cv[i].n)
			strbuf_addstr(sb, " (no finite value)");
		strbuf_addstr(sb, "</li>");
	}
	strbuf_addstr(sb, "</ul>\n");
	if (decimated)
		strbuf_addf(sb, "<p class=\"note\">Curves of more than %d points "
				"are drawn from %d of them, each stretch of "
				"steps by its lowest and highest value.</p>\n",
			    REPORT_MAX_POINTS, REPORT_MAX_POINTS);
	strbuf_addstr(sb, "</div>\n");
	rc = 0;
out:
	free(xs);
	free(ys);
	strbuf_release(&attrs);
	strbuf_release(&label);
	return rc;
}

/* The one-line error when nothing is left to report (exit 2). */
static void no_runs(int given, const char *exp, const char *filter)
{
	struct strbuf sb = STRBUF_INIT;

	if (given)
		strbuf_addstr(&sb, "none of the runs given");
	else if (exp && !filter)
		strbuf_addf(&sb, "experiment '%s' has no live run", exp);
	else if (!exp && !filter)
		strbuf_addstr(&sb, "the repository has no live run");
	else
		strbuf_addstr(&sb, "no live run");
	if (given && exp)
		strbuf_addf(&sb, " is in experiment '%s'", exp);
	else if (!given && exp && filter)
		strbuf_addf(&sb, " of experiment '%s'", exp);
	if (filter)
		strbuf_addf(&sb, "%s matches the filter '%s'",
			    given && exp ? " and" : "", filter);
	error_input("no runs chosen: %s", sb.buf);
	strbuf_release(&sb);
}

static const char style[] =
	"code{font-size:90%}"
	"td{white-space:nowrap}.wide{overflow-x:auto}";

int cmd_report(int argc, char **argv)
{
	const char *exp = NULL, *filter = NULL, *out = NULL;
	struct strlist ids = STRLIST_INIT, params = STRLIST_INIT,
		       metrics = STRLIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct run_info *in = NULL;
	struct curve *cv = NULL;
	size_t *keep = NULL, i, loaded = 0;
	char now[MLTIME_BUFSZ];
	int status = 0, k;
	sqlite3 *db;
	struct option opts[] = {
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   "only this experiment's runs"),
		OPT_STRING('f', "filter", &filter, "EXPR",
			   "only runs matching EXPR (see exp-log(1))"),
		OPT_STRING('o', "output", &out, "FILE",
			   "write the page to FILE (- for standard output)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_report, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (!out || !*out)
		return opt_usage_error(usage_report, "give -o FILE.html "
				       "(- for standard output)");
	if ((status = setup_now()))
		return status;
	db = the_catalog;
	if (choose_runs(db, argc - 1, argv + 1, exp, filter, &ids) < 0)
		goto fail;
	if (!ids.n) {
		no_runs(argc > 1, exp, filter);
		goto fail;
	}
	in = xcalloc(ids.n, sizeof(*in));
	for (i = 0; i < ids.n; i++, loaded++) {
		if (runs_get(db, ids.v[i], &in[i]) < 0)
			goto fail;
		for (k = 0; k < in[i].nparams; k++)
			strlist_add(&params, in[i].params[k].key);
		for (k = 0; k < in[i].nmetrics; k++)
			strlist_add(&metrics, in[i].metrics[k].key);
	}
	strlist_sort_uniq(&params);
	strlist_sort_uniq(&metrics);

	html_page_begin(&sb, "exp-log report", style);
	strbuf_addf(&sb, "<h1>Runs</h1>\n<p>%zu run%s, %zu param%s, %zu "
			 "metric%s; written %s.</p>\n", ids.n,
		    ids.n == 1 ? "" : "s", params.n, params.n == 1 ? "" : "s",
		    metrics.n, metrics.n == 1 ? "" : "s",
		    mltime_format(mltime_now(), now));
	table(&sb, in, ids.n, &params, &metrics);
	cv = xcalloc(ids.n, sizeof(*cv));
	keep = xmalloc(REPORT_MAX_POINTS * sizeof(*keep));
	for (i = 0; i < metrics.n; i++)
		if (chart(&sb, db, metrics.v[i], ids.n, in, cv, keep) < 0)
			goto fail;
	html_page_end(&sb);
	if (html_write(out, &sb) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	for (i = 0; i < loaded; i++)
		runs_info_release(&in[i]);
	if (cv)
		for (i = 0; i < ids.n; i++) {
			free(cv[i].x);
			free(cv[i].y);
		}
	free(cv);
	free(keep);
	free(in);
	strlist_release(&ids);
	strlist_release(&params);
	strlist_release(&metrics);
	strbuf_release(&sb);
	return status;
}
