/*
 * history.c - drift-check history NAME: the checks recorded with
 * --record NAME, and how each column's score went.
 *
 * For the man page (drift-check(1), "history"):
 *
 *   drift-check history NAME [--json]
 *	Lists the checks recorded as NAME, oldest first: TIME, SEVERITY,
 *	SHARE (of drifted columns), DRIFTED (drifted columns / columns
 *	compared), STREAK (the check's place in its episode of consecutive
 *	drifted checks, 0 for a clean one) and MODEL.  Then, after an empty
 *	line, the trend of every column that any listed check compared, in
 *	the order the columns first appear: COLUMN, METHOD (of the latest
 *	check that has the column), DRIFTED (in how many of the listed checks
 *	it drifted, "k/n"), LAST (its latest score) and TREND, its score in
 *	each listed check, oldest first.  On a terminal TREND is a sparkline
 *	of the blocks U+2581 to U+2588, one a check, its height the score
 *	on a scale from 0 (or the lowest score, if one is below 0) to the
 *	column's highest listed score, so that a p-value of 0.94 against 1
 *	looks nearly the same (all the lowest block when every score is 0; a
 *	blank where a check did not compare the column).
 *	For a p-value method a fall is drift; for a distance, a rise.  In a
 *	pipe both listings are tab-separated, and TREND is the scores
 *	themselves, comma-separated (an empty field where a check did not
 *	compare the column), so `drift-check history tx | sed '1,/^$/d'`
 *	gives the trends alone.
 *	With --json, one JSON object a check (JSON Lines), oldest first:
 *	"time", "id", "severity", "drift", "share", "drifted_columns",
 *	"number_of_columns", "streak", "episode_start" (the time of the
 *	episode's first check, or null), "model" (or null) and "columns", an
 *	object of each column's score.
 *	A NAME with no checks recorded is exit status 2, "no drift checks
 *	recorded as 'NAME'", as model-promote history and exp-log ls are for
 *	an unknown model or experiment.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "dc.h"
#include "drifthist.h"
#include "err.h"
#include "mltime.h"
#include "names.h"
#include "num.h"
#include "opt.h"
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

static const char *const usage_history[] = {
	"drift-check history NAME [--json]", NULL
};

/* One column's scores over the checks listed so far. */
struct trend {
	char *column;
	char *method;	 /* of the latest check that has it */
	double *scores;	 /* one a check; NaN: not compared, or no score */
	int ndrifted;
};

struct hist {
	struct tabout *checks;	/* NULL with --json */
	struct trend *trends;
	size_t ntrends, alloc;
	size_t nchecks;
};

static const char *when(int64_t t)
{
	static char buf[MLTIME_BUFSZ];

	return mltime_format(t, buf);
}

static struct trend *trend_of(struct hist *h, const char *column)
{
	struct trend *t;
	size_t i;

	for (i = 0; i < h->ntrends; i++)
		if (!strcmp(h->trends[i].column, column))
			return &h->trends[i];
	ALLOC_GROW(h->trends, h->ntrends + 1, h->alloc);
	t = &h->trends[h->ntrends++];
	t->column = xstrdup(column);
	t->method = NULL;
	t->ndrifted = 0;
	/* room for every check, the ones listed so far not comparing it */
	t->scores = xmalloc((h->nchecks + 1) * sizeof(*t->scores));
	for (i = 0; i <= h->nchecks; i++)
		t->scores[i] = NAN;
	return t;
}

/* The result's "columns" array, or NULL (a damaged result shows none). */
static const cJSON *result_columns(const cJSON *result)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(result, "columns");

	return cJSON_IsArray(c) ? c : NULL;
}

/* Note this check's scores (check number h->nchecks) in the trends. */
static void add_trends(struct hist *h, const cJSON *cols)
{
	const cJSON *c;
	size_t i;

	/* every trend gets a slot for this check */
	for (i = 0; i < h->ntrends; i++) {
		struct trend *t = &h->trends[i];

		t->scores = xrealloc(t->scores,
				     (h->nchecks + 1) * sizeof(*t->scores));
		t->scores[h->nchecks] = NAN;
	}
	cJSON_ArrayForEach(c, cols)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "column");
		const cJSON *score = cJSON_GetObjectItemCaseSensitive(c, "score");
		const cJSON *method = cJSON_GetObjectItemCaseSensitive(c, "method");
		struct trend *t;

		if (!cJSON_IsString(name))
			continue;
		t = trend_of(h, name->valuestring);
		if (cJSON_IsNumber(score))
			t->scores[h->nchecks] = score->valuedouble;
		if (cJSON_IsString(method)) {
			free(t->method);
			t->method = xstrdup(method->valuestring);
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "drift")))
			t->ndrifted++;
	}
}

static cJSON *check_json(const struct drift_hist_row *row, const cJSON *cols)
{
	cJSON *o = cJSON_CreateObject(), *scores = cJSON_CreateObject();
	const cJSON *c;

	cJSON_AddStringToObject(o, "time", when(row->time));
	cJSON_AddStringToObject(o, "id", row->id);
	cJSON_AddStringToObject(o, "severity", row->severity);
	cJSON_AddBoolToObject(o, "drift", row->drift);
	cJSON_AddNumberToObject(o, "share", row->share);
	cJSON_AddNumberToObject(o, "drifted_columns", row->drifted);
	cJSON_AddNumberToObject(o, "number_of_columns", row->ncols);
	cJSON_AddNumberToObject(o, "streak", row->streak);
	if (row->episode_start)
		cJSON_AddStringToObject(o, "episode_start",
					when(row->episode_start));
	else
		cJSON_AddNullToObject(o, "episode_start");
	if (row->model)
		cJSON_AddStringToObject(o, "model", row->model);
	else
		cJSON_AddNullToObject(o, "model");
	cJSON_ArrayForEach(c, cols)
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(c, "column");
		const cJSON *score = cJSON_GetObjectItemCaseSensitive(c, "score");

		if (!cJSON_IsString(name) ||
		    cJSON_GetObjectItemCaseSensitive(scores, name->valuestring))
			continue;
		if (cJSON_IsNumber(score))
			cJSON_AddNumberToObject(scores, name->valuestring,
						score->valuedouble);
		else
			cJSON_AddNullToObject(scores, name->valuestring);
	}
	cJSON_AddItemToObject(o, "columns", scores);
	return o;
}

static int one_check(const struct drift_hist_row *row, void *data)
{
	struct hist *h = data;
	cJSON *result = row->result ? cJSON_Parse(row->result) : NULL;
	const cJSON *cols = result_columns(result);
	int rc = 0;

	if (!h->checks) {
		cJSON *o = check_json(row, cols);

		rc = json_print_line(stdout, o) < 0 ? -1 : 0;
		cJSON_Delete(o);
	} else {
		char share[NUM_BUFSZ], streak[NUM_BUFSZ], drifted[64];
		const char *cells[6];

		snprintf(drifted, sizeof(drifted), "%d/%d", row->drifted,
			 row->ncols);
		cells[0] = when(row->time);
		cells[1] = row->severity;
		cells[2] = num_format_value(row->share, share);
		cells[3] = drifted;
		cells[4] = num_format_int(row->streak, streak);
		cells[5] = row->model ? row->model : "-";
		tabout_add(h->checks, cells);
		add_trends(h, cols);
	}
	h->nchecks++;
	cJSON_Delete(result);
	return rc;
}

/* The scores comma-separated, an empty field where there is none. */
static void score_list(struct strbuf *sb, const double *v, size_t n)
{
	char buf[NUM_BUFSZ];
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			strbuf_addch(sb, ',');
		if (isfinite(v[i]))
			strbuf_addstr(sb, num_format_value(v[i], buf));
	}
}

static int print_trends(struct hist *h)
{
	static const char *const hdr[] = { "COLUMN", "METHOD", "DRIFTED",
					   "LAST", "TREND" };
	struct tabout *t = tabout_new(5, hdr);
	int terminal = isatty(fileno(stdout)), rc;
	size_t i;

	for (i = 0; i < h->ntrends; i++) {
		struct trend *tr = &h->trends[i];
		struct strbuf trend = STRBUF_INIT;
		char last[NUM_BUFSZ] = "-", drifted[64];
		const char *cells[5];
		size_t k;

		for (k = h->nchecks; k-- > 0;)
			if (isfinite(tr->scores[k])) {
				num_format_value(tr->scores[k], last);
				break;
			}
		snprintf(drifted, sizeof(drifted), "%d/%zu", tr->ndrifted,
			 h->nchecks);
		if (terminal)
			tabout_sparkline(&trend, tr->scores, h->nchecks, 0,
					 TABOUT_SPARK_FROM_ZERO, NULL);
		else
			score_list(&trend, tr->scores, h->nchecks);
		cells[0] = tr->column;
		cells[1] = tr->method ? tr->method : "-";
		cells[2] = drifted;
		cells[3] = last;
		cells[4] = trend.buf;
		tabout_add(t, cells);
		strbuf_release(&trend);
	}
	rc = tabout_print(t, stdout);
	tabout_free(t);
	return rc;
}

int cmd_history(int argc, char **argv)
{
	static const char *const hdr[] = { "TIME", "SEVERITY", "SHARE",
					   "DRIFTED", "STREAK", "MODEL" };
	struct hist h = { NULL, NULL, 0, 0, 0 };
	int status = 0, n;
	size_t i;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_history, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_history, "give one NAME");
	if (names_check("drift check", argv[1]) < 0)
		return err_report();
	if ((status = setup_now()))
		return status;
	if (!gopt.json)
		h.checks = tabout_new(6, hdr);
	n = drift_history(the_catalog, argv[1], one_check, &h);
	if (n < 0) {
		status = err_report();
	} else if (n == 0) {
		error_input("no drift checks recorded as '%s'", argv[1]);
		err_hint("record one with drift-check --record %s REFERENCE "
			 "CURRENT", argv[1]);
		status = err_report();
	} else if (h.checks) {
		if (tabout_print(h.checks, stdout) < 0 ||
		    fputs("\n", stdout) == EOF || print_trends(&h) < 0)
			status = err_report();
	} else if (out_flush(stdout) < 0) {
		status = err_report();
	}
	tabout_free(h.checks);
	for (i = 0; i < h.ntrends; i++) {
		free(h.trends[i].column);
		free(h.trends[i].method);
		free(h.trends[i].scores);
	}
	free(h.trends);
	return status;
}
