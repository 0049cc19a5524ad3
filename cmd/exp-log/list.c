/* list.c - exp-log ls, show, diff, history, experiments, best, export */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "exp-log.h"
#include "expr.h"
#include "mltime.h"
#include "num.h"
#include "opt.h"
#include "repo.h"
#include "runs.h"
#include "strbuf.h"
#include "table.h"
#include "tabout.h"

static void add_str(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* ---- ls --------------------------------------------------------------- */

static const char *const usage_ls[] = {
	"exp-log ls [-e EXPERIMENT] [--filter EXPR] [--order-by KEY [ASC|DESC]]... "
	"[--limit N] [--all] [--columns LIST] [--json | --ids]",
	NULL
};

struct ls_state {
	sqlite3 *db;
	int ids, json, ncols;
	const int *is_time; /* per extra column: a time attribute */
	struct tabout *tab;
	int failed;
};

static int ls_row(sqlite3_stmt *row, void *data)
{
	struct ls_state *s = data;
	const char *id = (const char *)sqlite3_column_text(row, 0);
	int i;

	if (s->ids) {
		printf("%s\n", id);
		return 0;
	}
	if (s->json) {
		struct run_info in;
		cJSON *o;

		if (runs_get(s->db, id, &in) < 0) {
			s->failed = 1;
			return 1;
		}
		o = runs_info_json(&in, 0);
		json_print_line(stdout, o);
		cJSON_Delete(o);
		runs_info_release(&in);
		return 0;
	}
	{
		const char **cells = xcalloc(5 + s->ncols, sizeof(char *));
		char start[MLTIME_BUFSZ];
		char (*vals)[MLTIME_BUFSZ] = xcalloc(s->ncols + 1, sizeof(*vals));

		cells[0] = id;
		cells[1] = (const char *)sqlite3_column_text(row, 1);
		cells[2] = (const char *)sqlite3_column_text(row, 2);
		cells[3] = (const char *)sqlite3_column_text(row, 3);
		cells[4] = mltime_format(sqlite3_column_int64(row, 4), start);
		for (i = 0; i < s->ncols; i++) {
			int c = 6 + i;

			switch (sqlite3_column_type(row, c)) {
			case SQLITE_NULL:
				cells[5 + i] = "";
				break;
			case SQLITE_INTEGER:
			case SQLITE_FLOAT:
				if (s->is_time[i] &&
				    sqlite3_column_type(row, c) == SQLITE_INTEGER) {
					char t[MLTIME_BUFSZ];

					mltime_format(sqlite3_column_int64(row, c), t);
					snprintf(vals[i], sizeof(vals[i]), "%s", t);
					cells[5 + i] = vals[i];
					break;
				}
				cells[5 + i] = num_format_value(
					sqlite3_column_double(row, c), vals[i]);
				break;
			default:
				cells[5 + i] =
					(const char *)sqlite3_column_text(row, c);
			}
		}
		tabout_add(s->tab, cells);
		free(cells);
		free(vals);
	}
	return 0;
}

/* Is the column `name` the time attribute start_time or end_time? */
static int is_time_col(const char *name)
{
	const char *dot = strchr(name, '.');

	if (dot && (!strncasecmp(name, "attributes.", 11) ||
		    !strncasecmp(name, "attribute.", 10) ||
		    !strncasecmp(name, "attr.", 5) ||
		    !strncasecmp(name, "run.", 4)))
		name = dot + 1;
	return !strcasecmp(name, "start_time") || !strcasecmp(name, "end_time") ||
	       !strcasecmp(name, "created");
}

/* Collect identifiers of a filter or order-by for default columns. */
struct cols {
	char **v;
	size_t n, alloc;
};

static void cols_add(struct cols *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (!strcmp(c->v[i], name))
			return;
	ALLOC_GROW(c->v, c->n + 2, c->alloc);
	c->v[c->n++] = xstrdup(name);
	c->v[c->n] = NULL;
}

static int collect_ident(const char *const *parts, int nparts, int col,
			 void *data)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p0 = parts[0];

	(void)col;
	if (nparts < 2 ||
	    !(!strcasecmp(p0, "metrics") || !strcasecmp(p0, "metric") ||
	      !strcasecmp(p0, "params") || !strcasecmp(p0, "param") ||
	      !strcasecmp(p0, "tags") || !strcasecmp(p0, "tag")))
		return 0;
	expr_ident_format(&sb, parts, nparts);
	cols_add(data, sb.buf);
	strbuf_release(&sb);
	return 0;
}

static void default_columns(const char *filter, struct opt_list *order,
			    struct cols *c)
{
	struct expr *e;
	int i;

	if (filter && (e = expr_parse(filter, "filter"))) {
		expr_foreach_ident(e, collect_ident, c);
		expr_free(e);
	}
	for (i = 0; i < order->nr; i++) {
		char *t = xstrdup(order->items[i]), *sp = strrchr(t, ' ');

		if (sp && (!strcasecmp(sp + 1, "asc") ||
			   !strcasecmp(sp + 1, "desc")))
			*sp = '\0';
		if ((e = expr_parse_value(t, "--order-by"))) {
			expr_foreach_ident(e, collect_ident, c);
			expr_free(e);
		}
		free(t);
	}
	err_clear();
}

static int is_dir_word(const char *s)
{
	return !strcasecmp(s, "asc") || !strcasecmp(s, "desc");
}

/*
 * Let "--order-by KEY DESC" be written as two words, as the synopsis
 * reads: join a following ASC or DESC to the option's value.  The joined
 * strings are kept in `keep` (freed by the caller).
 */
static int join_order_words(int argc, char **argv, struct strbuf *keep)
{
	int i, j;

	for (i = 1; i < argc; i++) {
		int eq = !strncmp(argv[i], "--order-by=", 11);
		int k = eq ? i : i + 1; /* where the KEY is */

		if (!strcmp(argv[i], "--"))
			break;
		if (!eq && strcmp(argv[i], "--order-by") && strcmp(argv[i], "-o"))
			continue;
		if (k + 1 >= argc || !is_dir_word(argv[k + 1]))
			continue;
		strbuf_reset(&keep[i]);
		strbuf_addf(&keep[i], "%s %s", argv[k], argv[k + 1]);
		argv[k] = keep[i].buf;
		for (j = k + 1; j < argc - 1; j++)
			argv[j] = argv[j + 1];
		argv[--argc] = NULL;
	}
	return argc;
}

int cmd_ls(int argc, char **argv)
{
	const char *exp = NULL, *filter = NULL, *columns = NULL;
	long long limit = LLONG_MIN; /* not given */
	int all = 0, ids = 0, status = 0, i;
	struct opt_list order = OPT_LIST_INIT;
	struct cols cols = { NULL, 0, 0 };
	struct runs_query q = { 0 };
	struct ls_state s = { 0 };
	const char **headers = NULL;
	int *is_time = NULL, nkeep = 0;
	struct strbuf *keep = NULL;
	sqlite3 *db;
	struct option opts[] = {
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   "only this experiment's runs"),
		OPT_STRING('f', "filter", &filter, "EXPR",
			   "only runs matching EXPR (see exp-log(1))"),
		OPT_LIST('o', "order-by", &order, "KEY [ASC|DESC]",
			 "sort by KEY; repeatable (default: newest first)"),
		OPT_INT('n', "limit", &limit, "N", "at most N runs"),
		OPT_BOOL('a', "all", &all, "include deleted runs"),
		OPT_STRING('c', "columns", &columns, "LIST",
			   "extra columns, comma-separated (metrics.auc,params.lr)"),
		OPT_BOOL(0, "ids", &ids, "print run ids only"),
		OPT_GLOBALS(),
		OPT_END()
	};

	keep = xcalloc(argc, sizeof(*keep));
	for (i = 0; i < argc; i++)
		strbuf_init(&keep[i], 0);
	nkeep = argc;
	argc = join_order_words(argc, argv, keep);
	argc = opt_parse(argc, argv, opts, usage_ls, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out_free;
	}
	if (argc > 1) {
		status = opt_usage_error(usage_ls, "unexpected argument '%s'",
					 argv[1]);
		goto out_free;
	}
	if (ids && gopt.json) {
		status = opt_usage_error(usage_ls, "--ids and --json do not mix");
		goto out_free;
	}
	if (limit == LLONG_MIN) {
		limit = -1;
	} else if (limit < 0) {
		status = opt_usage_error(usage_ls, "--limit: 0 or more, not %lld",
					 limit);
		goto out_free;
	}
	if (columns) {
		char *copy = xstrdup(columns), *p = copy, *c;

		while ((c = strsep(&p, ",")))
			if (*c)
				cols_add(&cols, c);
		free(copy);
	} else {
		default_columns(filter, &order, &cols);
	}
	if (cols.n > 200) {
		status = opt_usage_error(usage_ls, "--columns: at most 200 "
					 "columns, not %zu", cols.n);
		goto out_free;
	}
	if ((status = setup_now()))
		goto out_free;
	db = the_catalog;
	q.experiment = exp;
	q.filter = filter;
	q.order_by = order.items; /* NULL-terminated, or NULL */
	q.columns = (const char *const *)cols.v;
	q.limit = limit;
	q.all = all;
	s.db = db;
	s.ids = ids;
	s.json = gopt.json;
	s.ncols = (int)cols.n;
	is_time = xcalloc(cols.n + 1, sizeof(int));
	for (i = 0; i < (int)cols.n; i++)
		is_time[i] = is_time_col(cols.v[i]);
	s.is_time = is_time;
	if (!ids && !gopt.json) {
		headers = xcalloc(5 + cols.n, sizeof(char *));
		headers[0] = "ID";
		headers[1] = "EXPERIMENT";
		headers[2] = "NAME";
		headers[3] = "STATUS";
		headers[4] = "START";
		for (i = 0; i < (int)cols.n; i++)
			headers[5 + i] = cols.v[i];
		s.tab = tabout_new(5 + (int)cols.n, headers);
	}
	if (runs_query(db, &q, ls_row, &s) < 0 || s.failed)
		status = err_report();
	else if (s.tab && tabout_print(s.tab, stdout) < 0)
		status = err_report();
	else if (out_flush(stdout) < 0)
		status = err_report();
	tabout_free(s.tab);
	free(headers);
	free(is_time);
out_free:
	for (i = 0; i < (int)cols.n; i++)
		free(cols.v[i]);
	free(cols.v);
	opt_list_release(&order);
	for (i = 0; i < nkeep; i++)
		strbuf_release(&keep[i]);
	free(keep);
	return status;
}

/* ---- show ------------------------------------------------------------- */

static const char *const usage_show[] = { "exp-log show [RUN] [--json]", NULL };

/* "LABEL  VALUE", the value with control characters made visible. */
static void show_line(struct strbuf *out, const char *label, const char *v,
		      const char *after)
{
	strbuf_addf(out, "%-12s", label);
	tabout_add_visible(out, v);
	strbuf_addf(out, "%s\n", after);
}

/* "  KEY = VALUE", both made visible. */
static void show_kv(struct strbuf *out, const char *k, const char *v)
{
	strbuf_addstr(out, "  ");
	tabout_add_visible(out, k);
	strbuf_addstr(out, " = ");
	tabout_add_visible(out, v);
	strbuf_addch(out, '\n');
}

static void show_text(const struct run_info *in)
{
	struct strbuf out = STRBUF_INIT, sb = STRBUF_INIT;
	char a[MLTIME_BUFSZ], b[MLTIME_BUFSZ], v[32];
	int i;

	show_line(&out, "run", in->id, in->deleted ? " (deleted)" : "");
	show_line(&out, "experiment", in->experiment, "");
	if (in->name)
		show_line(&out, "name", in->name, "");
	show_line(&out, "status", in->status, "");
	show_line(&out, "start", mltime_format(in->start_time, a), "");
	if (in->end_time) {
		show_line(&out, "end", mltime_format(in->end_time, a), "");
		show_line(&out, "duration",
			  mltime_format_duration(in->end_time - in->start_time,
						 b), "");
	}
	strbuf_addf(&sb, "%s@%s", in->user ? in->user : "?",
		    in->host ? in->host : "?");
	show_line(&out, "user", sb.buf, "");
	if (in->cwd)
		show_line(&out, "cwd", in->cwd, "");
	if (in->command)
		show_line(&out, "command", in->command, "");
	if (in->git_commit)
		show_line(&out, "git", in->git_commit,
			  in->git_dirty > 0 ? " (dirty)" : "");
	if (in->parent)
		show_line(&out, "parent", in->parent, "");
	if (in->has_exit)
		strbuf_addf(&out, "exit        %d (wall %.3fs, cpu %.3fs, max "
			    "rss %ld kB)\n", in->exit.exit_status,
			    in->exit.wall_time, in->exit.cpu_time,
			    in->exit.max_rss_kb);
	if (in->nparams)
		strbuf_addstr(&out, "params\n");
	for (i = 0; i < in->nparams; i++)
		show_kv(&out, in->params[i].key, in->params[i].value);
	if (in->nmetrics)
		strbuf_addstr(&out, "metrics\n");
	for (i = 0; i < in->nmetrics; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s (step %lld, %lld point%s)",
			    num_format_value(in->metrics[i].value, v),
			    (long long)in->metrics[i].step,
			    (long long)in->metrics[i].count,
			    in->metrics[i].count == 1 ? "" : "s");
		show_kv(&out, in->metrics[i].key, sb.buf);
	}
	if (in->ntags)
		strbuf_addstr(&out, "tags\n");
	for (i = 0; i < in->ntags; i++)
		show_kv(&out, in->tags[i].key, in->tags[i].value);
	if (in->nartifacts)
		strbuf_addstr(&out, "artifacts\n");
	for (i = 0; i < in->nartifacts; i++) {
		strbuf_addstr(&out, "  ");
		tabout_add_visible(&out, in->artifacts[i].name);
		strbuf_addf(&out, "  %s  %lld bytes  %s\n",
			    in->artifacts[i].kind,
			    (long long)in->artifacts[i].size,
			    in->artifacts[i].oid);
	}
	/* "  NAME  CONTEXT  DIGEST[  (object)]", then "    source TEXT" */
	if (in->ninputs)
		strbuf_addstr(&out, "inputs\n");
	for (i = 0; i < in->ninputs; i++) {
		const struct run_dataset *d = &in->inputs[i];

		strbuf_addstr(&out, "  ");
		tabout_add_visible(&out, d->name);
		strbuf_addstr(&out, "  ");
		tabout_add_visible(&out, d->context);
		strbuf_addstr(&out, "  ");
		tabout_add_visible(&out, d->digest);
		strbuf_addstr(&out, d->is_object ? "  (object)\n" : "\n");
		if (d->source)
			show_line(&out, "    source", d->source, "");
	}
	fwrite(out.buf, 1, out.len, stdout);
	strbuf_release(&out);
	strbuf_release(&sb);
}

int cmd_show(int argc, char **argv)
{
	char id[RUN_ID_HEX + 1];
	struct run_info in;
	sqlite3 *db;
	int status = 0;
	const char *run = NULL;
	struct option opts[] = {
		OPT_STRING('r', "run", &run, "RUN", "the run"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_show, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 2)
		return opt_usage_error(usage_show, "give one RUN");
	if (argc == 2)
		run = argv[1];
	if ((status = setup_now()))
		return status;
	db = the_catalog;
	if (runs_resolve(db, run, id) < 0 || runs_get(db, id, &in) < 0) {
		status = err_report();
		goto out;
	}
	if (gopt.json) {
		cJSON *o = runs_info_json(&in, 1);

		json_print_line(stdout, o);
		cJSON_Delete(o);
	} else {
		show_text(&in);
	}
	runs_info_release(&in);
	if (out_flush(stdout) < 0)
		status = err_report();
out:
	return status;
}

/* ---- diff ------------------------------------------------------------- */

static const char *const usage_diff[] = {
	"exp-log diff RUN RUN... [--json]", NULL
};

/*
 * One row: on a terminal or in a pipe a line of the table; with --json
 * (t NULL) a JSON Lines record {"key": K, "differs": B, "values": {RUN: V}},
 * metric values as numbers (`nums`, NULL for other rows), a value the run
 * lacks as null.
 */
static void diff_row(struct tabout *t, int n, const char *section,
		     const char *key, const char **vals, const double *nums,
		     const struct run_info *in)
{
	const char **cells;
	struct strbuf k = STRBUF_INIT;
	int i, differ = 0;

	for (i = 1; i < n; i++)
		if (strcmp(vals[i] ? vals[i] : "", vals[0] ? vals[0] : ""))
			differ = 1;
	strbuf_addf(&k, "%s%s", section, key);
	if (!t) {
		cJSON *o = cJSON_CreateObject(), *v;

		cJSON_AddStringToObject(o, "key", k.buf);
		cJSON_AddBoolToObject(o, "differs", differ);
		v = cJSON_AddObjectToObject(o, "values");
		for (i = 0; i < n; i++)
			if (!vals[i])
				cJSON_AddNullToObject(v, in[i].id);
			else if (nums)
				cJSON_AddItemToObject(v, in[i].id,
						      runs_json_value(nums[i]));
			else
				cJSON_AddStringToObject(v, in[i].id, vals[i]);
		json_print_line(stdout, o);
		cJSON_Delete(o);
		strbuf_release(&k);
		return;
	}
	cells = xcalloc(n + 2, sizeof(char *));
	cells[0] = differ ? "*" : "";
	cells[1] = k.buf;
	for (i = 0; i < n; i++)
		cells[2 + i] = vals[i] ? vals[i] : "";
	tabout_add(t, cells);
	strbuf_release(&k);
	free(cells);
}

/* The sorted union of keys of one kind across runs. */
static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cmd_diff(int argc, char **argv)
{
	struct run_info *in;
	sqlite3 *db;
	struct tabout *t = NULL;
	const char **headers = NULL, **vals = NULL;
	double *nums = NULL;
	char (*fmt)[32] = NULL;
	int status = 0, n, i, j, k, loaded = 0;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_diff, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 3)
		return opt_usage_error(usage_diff, "give two or more runs");
	n = argc - 1;
	if ((status = setup_now()))
		return status;
	db = the_catalog;
	in = xcalloc(n, sizeof(*in));
	for (i = 0; i < n; i++, loaded++) {
		char id[RUN_ID_HEX + 1];

		if (runs_resolve(db, argv[i + 1], id) < 0 ||
		    runs_get(db, id, &in[i]) < 0) {
			status = err_report();
			goto out;
		}
	}
	headers = xcalloc(n + 2, sizeof(char *));
	headers[0] = "";
	headers[1] = "KEY";
	for (i = 0; i < n; i++)
		headers[2 + i] = in[i].id;
	if (!gopt.json)
		t = tabout_new(n + 2, headers);
	vals = xcalloc(n, sizeof(char *));
	nums = xcalloc(n, sizeof(*nums));
	fmt = xcalloc(n, sizeof(*fmt));
	for (i = 0; i < n; i++)
		vals[i] = in[i].experiment;
	diff_row(t, n, "", "experiment", vals, NULL, in);
	for (i = 0; i < n; i++)
		vals[i] = in[i].name;
	diff_row(t, n, "", "name", vals, NULL, in);
	for (i = 0; i < n; i++)
		vals[i] = in[i].status;
	diff_row(t, n, "", "status", vals, NULL, in);
	for (k = 0; k < 3; k++) {
		char **keys = NULL;
		size_t nk = 0, alloc = 0, x;
		static const char *const sect[] = { "params.", "metrics.",
						    "tags." };

		for (i = 0; i < n; i++) {
			int cnt = k == 0 ? in[i].nparams
				: k == 1 ? in[i].nmetrics : in[i].ntags;

			for (j = 0; j < cnt; j++) {
				char *key = k == 0 ? in[i].params[j].key
					  : k == 1 ? in[i].metrics[j].key
						   : in[i].tags[j].key;

				ALLOC_GROW(keys, nk + 1, alloc);
				keys[nk++] = key;
			}
		}
		if (nk)
			qsort(keys, nk, sizeof(*keys), cmp_strp);
		for (x = 0; x < nk; x++) {
			if (x && !strcmp(keys[x], keys[x - 1]))
				continue;
			for (i = 0; i < n; i++) {
				const struct run_metric *m;

				if (k == 0) {
					vals[i] = runs_info_param(&in[i], keys[x]);
				} else if (k == 2) {
					vals[i] = runs_info_tag(&in[i], keys[x]);
				} else {
					m = runs_info_metric(&in[i], keys[x]);
					vals[i] = m ? num_format_value(m->value,
									fmt[i])
						    : NULL;
					nums[i] = m ? m->value : 0;
				}
			}
			diff_row(t, n, sect[k], keys[x], vals,
				 k == 1 ? nums : NULL, in);
		}
		free(keys);
	}
	if ((t && tabout_print(t, stdout) < 0) || out_flush(stdout) < 0)
		status = err_report();
out:
	for (i = 0; i < loaded; i++)
		runs_info_release(&in[i]);
	free(in);
	free(headers);
	free(vals);
	free(nums);
	free(fmt);
	tabout_free(t);
	return status;
}

/* ---- history ---------------------------------------------------------- */

static const char *const usage_history[] = {
	"exp-log history [-r RUN] KEY [--json]", NULL
};

struct history_out {
	struct tabout *t; /* NULL with --json */
	double *vals;
	size_t n, alloc;
};

static int history_point(const struct run_point *p, void *data)
{
	struct history_out *h = data;
	char step[32], val[32], when[MLTIME_BUFSZ];

	mltime_format(p->time, when);
	if (!h->t) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "step", (double)p->step);
		cJSON_AddItemToObject(o, "value", runs_json_value(p->value));
		cJSON_AddStringToObject(o, "time", when);
		json_print_line(stdout, o);
		cJSON_Delete(o);
	} else {
		const char *cells[3] = { step, num_format_value(p->value, val),
					 when };

		snprintf(step, sizeof(step), "%lld", (long long)p->step);
		tabout_add(h->t, cells);
	}
	ALLOC_GROW(h->vals, h->n + 1, h->alloc);
	h->vals[h->n++] = p->value;
	return 0;
}

int cmd_history(int argc, char **argv)
{
	const char *run = NULL;
	char id[RUN_ID_HEX + 1];
	struct history_out h = { NULL, NULL, 0, 0 };
	int status = 0;
	static const char *const hdr[] = { "STEP", "VALUE", "TIME" };
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_history, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_history, "give one metric KEY");
	if (runs_check_key("metric", argv[1]) < 0)
		return err_report();
	if ((status = setup_now()))
		return status;
	if (runs_resolve(the_catalog, run, id) < 0)
		return err_report();
	if (!gopt.json)
		h.t = tabout_new(3, hdr);
	if (runs_metric_history(the_catalog, id, argv[1], history_point,
				&h) < 0)
		goto fail;
	if (!h.n) {
		error_input("run %.12s has no metric '%s'", id, argv[1]);
		goto fail;
	}
	if (h.t && tabout_print(h.t, stdout) < 0)
		goto fail;
	if (h.t && isatty(STDOUT_FILENO)) {
		struct strbuf sb = STRBUF_INIT;
		double range[2];

		/* 60 blocks at most, each a mean; then the scale's ends */
		tabout_sparkline(&sb, h.vals, h.n, 60, 0, range);
		printf("%s  %g .. %g\n", sb.buf, range[0], range[1]);
		strbuf_release(&sb);
	}
	if (out_flush(stdout) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	tabout_free(h.t);
	free(h.vals);
	return status;
}

/* ---- experiments ------------------------------------------------------ */

static const char *const usage_experiments[] = {
	"exp-log experiments [--json]",
	"exp-log experiments --delete NAME [--delete NAME]... [--force]", NULL
};

/*
 * experiments --delete: every NAME or none.  One with runs is refused
 * (exit 2) unless --force, which deletes its runs for good with it.
 */
static int delete_experiments(const struct opt_list *names, int force)
{
	sqlite3 *db;
	int i, n, status;
	int64_t total = 0;

	/* experiments lists with SETUP_READ_ONLY; deleting writes */
	if ((status = setup_repo(SETUP_CATALOG)))
		return status;
	db = the_catalog;
	if (db_begin(db) < 0)
		return err_report();
	for (i = 0; i < names->nr; i++) {
		struct event_detail d = EVENT_DETAIL_INIT;

		n = runs_experiment_delete(db, names->items[i], force);
		if (n >= 0) {
			event_detail_int(&d, "runs", n);
			if (force)
				event_detail_bool(&d, "force", 1);
			if (events_add_detail(db, "experiment.delete",
					      names->items[i], &d) < 0)
				n = -1;
		}
		if (n < 0) {
			db_rollback(db);
			return err_report();
		}
		total += n;
	}
	if (db_commit(db) < 0)
		return err_report();
	if (!gopt.quiet && total)
		fprintf(stderr, "exp-log: removed %lld run%s for good; 'mlrepo "
			"gc' frees their artifacts\n", (long long)total,
			total == 1 ? "" : "s");
	return 0;
}

static int experiment_row(const struct experiment_info *e, void *data)
{
	struct tabout *t = data;
	char created[MLTIME_BUFSZ], last[MLTIME_BUFSZ] = "", runs[24];
	cJSON *tags = cJSON_Parse(e->tags_json);

	mltime_format(e->created, created);
	if (e->last_run)
		mltime_format(e->last_run, last);
	snprintf(runs, sizeof(runs), "%lld", (long long)e->runs);
	if (!t) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", e->name);
		cJSON_AddNumberToObject(o, "runs", (double)e->runs);
		cJSON_AddStringToObject(o, "created", created);
		add_str(o, "last_run", *last ? last : NULL);
		cJSON_AddItemToObject(o, "tags", tags ? tags
					: cJSON_CreateObject());
		tags = NULL;
		json_print_line(stdout, o);
		cJSON_Delete(o);
	} else {
		struct strbuf tb = STRBUF_INIT;
		const char *cells[5] = { e->name, runs, created, last, NULL };
		cJSON *kv;

		cJSON_ArrayForEach(kv, tags)
			strbuf_addf(&tb, "%s%s=%s", tb.len ? "," : "",
				    kv->string,
				    cJSON_IsString(kv) ? kv->valuestring : "");
		cells[4] = tb.buf;
		tabout_add(t, cells);
		strbuf_release(&tb);
	}
	cJSON_Delete(tags);
	return 0;
}

int cmd_experiments(int argc, char **argv)
{
	struct tabout *t = NULL;
	struct opt_list dels = OPT_LIST_INIT;
	int status = 0, force = 0;
	static const char *const hdr[] = { "NAME", "RUNS", "CREATED",
					   "LAST RUN", "TAGS" };
	struct option opts[] = {
		OPT_LIST(0, "delete", &dels, "NAME",
			 "delete the experiment (repeatable)"),
		OPT_BOOL(0, "force", &force,
			 "with --delete: and its runs, for good"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_experiments, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (argc != 1) {
		status = opt_usage_error(usage_experiments,
					 "experiments takes no arguments");
		goto out;
	}
	if (force && !dels.nr) {
		status = opt_usage_error(usage_experiments,
					 "--force goes with --delete NAME");
		goto out;
	}
	if (dels.nr) {
		status = delete_experiments(&dels, force);
		goto out;
	}
	if ((status = setup_now()))
		goto out;
	if (!gopt.json)
		t = tabout_new(5, hdr);
	if (runs_experiments(the_catalog, experiment_row, t) < 0 ||
	    (t && tabout_print(t, stdout) < 0) || out_flush(stdout) < 0)
		status = err_report();
out:
	tabout_free(t);
	opt_list_release(&dels);
	return status;
}

/* ---- best ------------------------------------------------------------- */

static const char *const usage_best[] = {
	"exp-log best [-e EXPERIMENT] --metric KEY [--max | --min] [--filter EXPR]",
	NULL
};

static int first_id(sqlite3_stmt *row, void *data)
{
	snprintf(data, RUN_ID_HEX + 1, "%s",
		 (const char *)sqlite3_column_text(row, 0));
	return 1;
}

/* Quote a key for the expression language: metrics.`KEY`. */
static char *metric_ident(const char *key)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "metrics.`");
	strbuf_addstr(&sb, key);
	strbuf_addch(&sb, '`');
	return strbuf_detach(&sb, NULL);
}

int cmd_best(int argc, char **argv)
{
	const char *exp = NULL, *metric = NULL, *filter = NULL;
	int max = 0, min = 0, status = 0;
	char id[RUN_ID_HEX + 1] = "";
	struct strbuf o = STRBUF_INIT;
	const char *order[2];
	struct runs_query q = { 0 };
	sqlite3 *db;
	char *ident;
	struct option opts[] = {
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   "only this experiment's runs"),
		OPT_STRING('m', "metric", &metric, "KEY", "the metric to rank by"),
		OPT_BOOL(0, "max", &max, "the largest value wins (default)"),
		OPT_BOOL(0, "min", &min, "the smallest value wins"),
		OPT_STRING('f', "filter", &filter, "EXPR",
			   "only runs matching EXPR"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_best, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_best, "unexpected argument '%s'",
				       argv[1]);
	if (!metric)
		return opt_usage_error(usage_best, "give --metric KEY");
	if (max && min)
		return opt_usage_error(usage_best, "--max or --min, not both");
	if (runs_check_key("metric", metric) < 0)
		return err_report();
	if (strchr(metric, '`')) {
		error_input("metric key '%s' cannot hold a backtick", metric);
		return err_report();
	}
	ident = metric_ident(metric);
	strbuf_addf(&o, "%s %s", ident, min ? "ASC" : "DESC");
	order[0] = o.buf;
	order[1] = NULL;
	if ((status = setup_now())) {
		free(ident);
		strbuf_release(&o);
		return status;
	}
	db = the_catalog;
	q.experiment = exp;
	q.filter = filter;
	q.has_metric = metric;
	q.order_by = order;
	q.limit = 1;
	if (runs_query(db, &q, first_id, id) < 0) {
		/* a filter error names columns in the user's text */
		status = err_report();
	} else if (!*id) {
		fprintf(stderr, "exp-log: no run%s%s has metric '%s'%s\n",
			exp ? " of experiment " : "", exp ? exp : "", metric,
			filter ? " and matches the filter" : "");
		status = EXIT_NEGATIVE;
	} else {
		printf("%s\n", id);
		if (out_flush(stdout) < 0)
			status = err_report();
	}
	free(ident);
	strbuf_release(&o);
	return status;
}

/* ---- export ----------------------------------------------------------- */

static const char *const usage_export[] = {
	"exp-log export [-e EXPERIMENT] [--filter EXPR] [--all] "
	"[--format csv|tsv|jsonl]",
	NULL
};

struct export_state {
	sqlite3 *db;
	char **ids;
	size_t n, alloc;
};

static int collect_row(sqlite3_stmt *row, void *data)
{
	struct export_state *s = data;

	ALLOC_GROW(s->ids, s->n + 1, s->alloc);
	s->ids[s->n++] = xstrdup((const char *)sqlite3_column_text(row, 0));
	return 0;
}

/* A text cell, or a missing value for NULL. */
static void put_text(struct table_writer *w, const char *s)
{
	table_writer_text(w, s, s ? strlen(s) : 0);
}

int cmd_export(int argc, char **argv)
{
	const char *exp = NULL, *filter = NULL, *format = "csv";
	int all = 0, status = 0, ncols = 0, col;
	enum table_format fmt;
	struct export_state s = { 0 };
	struct runs_query q = { 0 };
	struct strlist keys[3] = { STRLIST_INIT, STRLIST_INIT, STRLIST_INIT };
	static const char *const fixed[] = { "run_id", "experiment", "name",
					     "status", "start_time", "end_time",
					     "duration" };
	static const char *const prefix[] = { "params.", "metrics.", "tags." };
	struct run_info *infos = NULL;
	char **names = NULL;
	enum table_type *types = NULL;
	struct table_writer *w = NULL;
	sqlite3 *db;
	size_t i, j;
	int k;
	struct option opts[] = {
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   "only this experiment's runs"),
		OPT_STRING('f', "filter", &filter, "EXPR",
			   "only runs matching EXPR"),
		OPT_BOOL('a', "all", &all, "include deleted runs"),
		OPT_STRING(0, "format", &format, "FORMAT",
			   "csv (default), tsv or jsonl"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_export, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_export, "unexpected argument '%s'",
				       argv[1]);
	if (gopt.json || !strcmp(format, "jsonl"))
		fmt = TABLE_JSONL;
	else if (!strcmp(format, "tsv"))
		fmt = TABLE_TSV;
	else if (!strcmp(format, "csv"))
		fmt = TABLE_CSV;
	else
		return opt_usage_error(usage_export,
				       "--format: csv, tsv or jsonl, not '%s'",
				       format);
	if ((status = setup_now()))
		return status;
	db = the_catalog;
	q.experiment = exp;
	q.filter = filter;
	q.limit = -1;
	q.all = all;
	s.db = db;
	if (runs_query(db, &q, collect_row, &s) < 0)
		goto fail;
	infos = xcalloc(s.n + 1, sizeof(*infos));
	for (i = 0; i < s.n; i++) {
		if (runs_get(db, s.ids[i], &infos[i]) < 0)
			goto fail;
		for (j = 0; j < (size_t)infos[i].nparams; j++)
			strlist_add(&keys[0], infos[i].params[j].key);
		for (j = 0; j < (size_t)infos[i].nmetrics; j++)
			strlist_add(&keys[1], infos[i].metrics[j].key);
		for (j = 0; j < (size_t)infos[i].ntags; j++)
			strlist_add(&keys[2], infos[i].tags[j].key);
	}
	for (k = 0; k < 3; k++)
		strlist_sort_uniq(&keys[k]);

	/* the columns: fixed ones, then params, metrics and tags by key */
	ncols = 7 + (int)(keys[0].n + keys[1].n + keys[2].n);
	names = xcalloc(ncols, sizeof(*names));
	types = xcalloc(ncols, sizeof(*types));
	for (col = 0; col < 7; col++)
		names[col] = xstrdup(fixed[col]);
	types[4] = types[5] = TABLE_TIMESTAMP;
	types[6] = TABLE_FLOAT;
	for (k = 0; k < 3; k++)
		for (j = 0; j < keys[k].n; j++, col++) {
			struct strbuf h = STRBUF_INIT;

			strbuf_addf(&h, "%s%s", prefix[k], keys[k].v[j]);
			names[col] = strbuf_detach(&h, NULL);
			types[col] = k == 1 ? TABLE_FLOAT : TABLE_STRING;
		}
	w = table_writer_open(1, "-", fmt, 0, ncols,
			      (const char *const *)names, types);
	if (!w)
		goto fail;

	for (i = 0; i < s.n; i++) {
		struct run_info *in = &infos[i];
		char du[32];

		put_text(w, in->id);
		put_text(w, in->experiment);
		put_text(w, in->name);
		put_text(w, in->status);
		table_writer_time(w, in->start_time);
		if (in->end_time) {
			table_writer_time(w, in->end_time);
			snprintf(du, sizeof(du), "%.6f",
				 (in->end_time - in->start_time) / 1e6);
			put_text(w, du);
		} else {
			table_writer_null(w);	/* still running */
			table_writer_null(w);
		}
		for (k = 0; k < 3; k++)
			for (j = 0; j < keys[k].n; j++) {
				const struct run_metric *m;

				if (k == 0)
					put_text(w, runs_info_param(in, keys[k].v[j]));
				else if (k == 2)
					put_text(w, runs_info_tag(in, keys[k].v[j]));
				else if ((m = runs_info_metric(in, keys[k].v[j])))
					table_writer_float(w, m->value);
				else
					table_writer_null(w);
			}
		if (table_writer_end_row(w) < 0)
			goto fail;
	}
	k = table_writer_close(w);
	w = NULL;
	if (k < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	table_writer_free(w);
	for (i = 0; i < s.n; i++) {
		if (infos)
			runs_info_release(&infos[i]);
		free(s.ids[i]);
	}
	free(s.ids);
	free(infos);
	for (k = 0; k < 3; k++)
		strlist_release(&keys[k]);
	if (names)
		for (col = 0; col < ncols; col++)
			free(names[col]);
	free(names);
	free(types);
	return status;
}
