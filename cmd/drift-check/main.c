/*
 * drift-check - data and prediction drift (drift-check(1)).  The check
 * is lib/drift.c's, profiles lib/profile.c's, drift history and
 * escalation lib/drifthist.c's.  This file parses command lines, reads
 * the inputs and prints.
 */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dc.h"
#include "drift.h"
#include "drifthist.h"
#include "err.h"
#include "fstore.h"
#include "mltime.h"
#include "num.h"
#include "opt.h"
#include "profile.h"
#include "repo.h"
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

static const struct tool tool;

static const char *const usage[] = {
	"drift-check [OPTIONS] REFERENCE CURRENT",
	"drift-check profile FILE... -o OUT.json",
	"drift-check merge PROFILE... -o OUT.json",
	"drift-check history NAME [--json]",
	NULL
};

/* ---- option lists ---------------------------------------------------------- */

/* Every item of `l`, split at commas, NULL-terminated (free with free_list). */
static char **split_list(const struct opt_list *l)
{
	char **out = NULL;
	size_t n = 0, alloc = 0;
	int i;

	for (i = 0; i < l->nr; i++) {
		const char *p = l->items[i];

		while (*p) {
			size_t len = strcspn(p, ",");

			if (len) {
				ALLOC_GROW(out, n + 2, alloc);
				out[n++] = xstrndup(p, len);
				out[n] = NULL;
			}
			p += len + (p[len] == ',');
		}
	}
	return out;
}

static void free_list(char **l)
{
	char **p;

	for (p = l; p && *p; p++)
		free(*p);
	free(l);
}

/* ---- inputs ---------------------------------------------------------------- */

static int is_fs(const char *arg)
{
	return !strncmp(arg, "fs:", 3);
}

/*
 * A feature group window, fs:GROUP[@FROM..TO], read from the store: its
 * features only (the entity and time columns are no data to compare).
 */
static int read_fs(const char *arg, struct drift_side *s,
		   const struct drift_opts *o, int into_profile)
{
	struct fs_range_opts ro = { 0 };
	struct table_reader *t;
	char *group = xstrdup(arg + 3), *at = strchr(group, '@');
	const char **skip = NULL;
	int rc = -1, i, nkeys;

	if (at) {
		char *dots = strstr(at + 1, "..");

		*at = '\0';
		if (dots)
			*dots = '\0';
		if (at[1] && mltime_parse(at + 1, &ro.from) < 0)
			goto out;
		ro.has_from = at[1] != '\0';
		if (dots && dots[2]) {
			if (mltime_parse_end(dots + 2, &ro.to) < 0)
				goto out;
			ro.has_to = 1;
		}
	}
	if (!*group) {
		error_input("'%s': no feature group named", arg);
		goto out;
	}
	if (setup_repo(SETUP_REPO | SETUP_READ_ONLY)) {
		rc = -2; /* setup reported it; keep its exit status */
		goto out;
	}
	t = fs_range_reader(the_repo, group, &ro, arg, &nkeys);
	if (!t)
		goto out;
	skip = xcalloc(nkeys + 1, sizeof(*skip));
	for (i = 0; i < nkeys; i++)
		skip[i] = table_colname(t, i);
	s->name = xstrdup(arg);
	rc = drift_side_read_table(s, t, o, into_profile, skip);
	table_close(t);
out:
	free(skip);
	free(group);
	return rc;
}

/* Read one side; -1 with the error set, -2 when setup reported it. */
static int read_side(const char *arg, struct drift_side *s,
		     const struct drift_opts *o, int prof_mode, int is_prof)
{
	if (is_prof) {
		struct profile *p = profile_read(arg);

		if (!p)
			return -1;
		return drift_side_from_profile(s, arg, p);
	}
	if (is_fs(arg))
		return read_fs(arg, s, o, prof_mode);
	return drift_side_read(s, arg, o, prof_mode);
}

/* ---- output ---------------------------------------------------------------- */

static const char *type_name(const struct drift_colres *c)
{
	return c->numeric ? "num" : "cat";
}

static void add_num(cJSON *o, const char *key, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

static cJSON *result_json(const struct drift_result *res,
			  const char *severity, const char *ref,
			  const char *cur)
{
	cJSON *o = cJSON_CreateObject(), *cols = cJSON_CreateArray();
	int i;

	cJSON_AddBoolToObject(o, "drift", res->drift);
	cJSON_AddNumberToObject(o, "share_of_drifted_columns", res->share);
	cJSON_AddNumberToObject(o, "drift_share", res->drift_share);
	cJSON_AddNumberToObject(o, "drifted_columns", res->ndrifted);
	cJSON_AddNumberToObject(o, "number_of_columns", res->ncols);
	cJSON_AddStringToObject(o, "severity", severity);
	cJSON_AddStringToObject(o, "reference", ref);
	cJSON_AddStringToObject(o, "current", cur);
	cJSON_AddStringToObject(o, "correction",
				drift_correction_name(res->correction));
	for (i = 0; i < res->ncols; i++) {
		const struct drift_colres *c = &res->cols[i];
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "column", c->column);
		cJSON_AddStringToObject(x, "type", type_name(c));
		cJSON_AddStringToObject(x, "method",
					drift_methods[c->method].name);
		add_num(x, "score", c->score);
		if (res->correction != DRIFT_CORR_NONE)
			add_num(x, "raw_score", c->raw_score);
		add_num(x, "threshold", c->threshold);
		cJSON_AddBoolToObject(x, "drift", c->drift);
		cJSON_AddNumberToObject(x, "missing_reference",
					c->missing_reference);
		cJSON_AddNumberToObject(x, "missing_current",
					c->missing_current);
		cJSON_AddBoolToObject(x, "missing_share_changed",
				      c->missing_share_changed);
		cJSON_AddNumberToObject(x, "n_reference", (double)c->nref);
		cJSON_AddNumberToObject(x, "n_current", (double)c->ncur);
		cJSON_AddItemToArray(cols, x);
	}
	cJSON_AddItemToObject(o, "columns", cols);
	return o;
}

static const char *fmt_score(double v, char buf[NUM_BUFSZ])
{
	return isnan(v) ? "-" : num_format_value(v, buf);
}

static void missing_note(const struct drift_colres *c, struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
	if (c->missing_share_changed)
		strbuf_addf(sb, "missing %.1f%% -> %.1f%%",
			    100 * c->missing_reference,
			    100 * c->missing_current);
	else if (!c->nref || !c->ncur)
		strbuf_addf(sb, "no values in %s",
			    !c->nref ? "reference" : "current");
}

static void verdict_line(const struct drift_result *res, const char *sev,
			 struct strbuf *sb)
{
	strbuf_addf(sb, "%s: %d of %d columns drifted (%.1f%%; the data "
			"set drifts at %g%%)",
		    res->drift ? "drift detected" : "no drift", res->ndrifted,
		    res->ncols, 100 * res->share, 100 * res->drift_share);
	if (strcmp(sev, "none"))
		strbuf_addf(sb, ", severity %s", sev);
}

static int print_table(const struct drift_result *res, const char *sev)
{
	static const char *const hdr[] = { "COLUMN", "TYPE", "METHOD", "SCORE",
					   "THRESHOLD", "DRIFTED", "NOTE" };
	struct tabout *t = tabout_new(7, hdr);
	struct strbuf note = STRBUF_INIT, line = STRBUF_INIT;
	char b1[NUM_BUFSZ], b2[NUM_BUFSZ];
	int i, rc;

	for (i = 0; i < res->ncols; i++) {
		const struct drift_colres *c = &res->cols[i];
		const char *cells[7];

		missing_note(c, &note);
		cells[0] = c->column;
		cells[1] = type_name(c);
		cells[2] = drift_methods[c->method].name;
		cells[3] = fmt_score(c->score, b1);
		cells[4] = fmt_score(c->threshold, b2);
		cells[5] = c->drift ? "yes" : "no";
		cells[6] = note.buf;
		tabout_add(t, cells);
	}
	rc = tabout_print(t, stdout);
	tabout_free(t);
	verdict_line(res, sev, &line);
	if (rc == 0)
		printf("%s\n", line.buf);
	strbuf_release(&note);
	strbuf_release(&line);
	return rc;
}

/* A markdown cell: pipes escaped, line breaks as spaces. */
static void md_cell(const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", stdout);
		else if (*s == '\n' || *s == '\r')
			putchar(' ');
		else
			putchar(*s);
	}
}

static void print_markdown(const struct drift_result *res, const char *sev)
{
	struct strbuf note = STRBUF_INIT, line = STRBUF_INIT;
	char b1[NUM_BUFSZ], b2[NUM_BUFSZ];
	int i;

	verdict_line(res, sev, &line);
	printf("**%s**\n\n", line.buf);
	printf("| column | type | method | score | threshold | drifted | "
	       "note |\n|---|---|---|---:|---:|---|---|\n");
	for (i = 0; i < res->ncols; i++) {
		const struct drift_colres *c = &res->cols[i];

		missing_note(c, &note);
		fputs("| ", stdout);
		md_cell(c->column);
		printf(" | %s | %s | %s | %s | %s | ", type_name(c),
		       drift_methods[c->method].name, fmt_score(c->score, b1),
		       fmt_score(c->threshold, b2),
		       c->drift ? "**yes**" : "no");
		md_cell(note.buf);
		fputs(" |\n", stdout);
	}
	strbuf_release(&note);
	strbuf_release(&line);
}

/* The drifted columns' names, comma-separated. */
static char *drifted_csv(const struct drift_result *res)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < res->ncols; i++)
		if (res->cols[i].drift)
			strbuf_addf(&sb, "%s%s", sb.len ? "," : "",
				    res->cols[i].column);
	return strbuf_detach(&sb, NULL);
}

/* ---- the check ------------------------------------------------------------- */

struct check_args {
	struct opt_list columns, exclude, categorical, numeric, colmethod,
		colthresh;
	const char *method, *threshold, *correction, *drift_share, *format;
	const char *html, *record, *model, *on_drift, *input_format, *delim;
	long long escalate_after;
};

/* How table inputs are read: in the check and in profile. */
#define OPT_INPUT(a)                                                         \
	OPT_STRING(0, "input-format", &(a)->input_format, "FORMAT",           \
		   "csv, tsv or jsonl (default: by name)"),                   \
	OPT_STRING(0, "delimiter", &(a)->delim, "C",                          \
		   "the field delimiter of the inputs")

static int parse_double(const char *opt, const char *s, double *out)
{
	if (num_parse_float(s, strlen(s), out) < 0 || !isfinite(*out))
		return error_input("--%s: not a number: '%s'", opt, s);
	return 0;
}

/* Fill the check's options from the command line; -1 on bad input. */
static int make_opts(struct check_args *a, struct drift_opts *o,
		     char ***lists)
{
	int m;

	if (a->method) {
		if ((m = drift_method_from_name(a->method)) < 0)
			return error_input("unknown method '%s' (see "
					   "drift-check(1))", a->method);
		o->method = m;
	}
	if (a->threshold && parse_double("threshold", a->threshold,
					 &o->threshold) < 0)
		return -1;
	if (a->drift_share) {
		if (parse_double("drift-share", a->drift_share,
				 &o->drift_share) < 0)
			return -1;
		if (o->drift_share < 0 || o->drift_share > 1)
			return error_input("--drift-share %s: not between 0 "
					   "and 1", a->drift_share);
	}
	if (a->correction) {
		if ((m = drift_correction_from_name(a->correction)) < 0)
			return error_input("--correction %s: none, bonferroni "
					   "or fdr", a->correction);
		o->correction = m;
	}
	if (a->input_format) {
		if ((m = table_format_from_name(a->input_format)) < 0)
			return error_input("--input-format %s: csv, tsv or "
					   "jsonl", a->input_format);
		o->format = m;
	}
	if (a->delim) {
		if (strlen(a->delim) != 1)
			return error_input("--delimiter '%s': one character",
					   a->delim);
		o->delim = (unsigned char)a->delim[0];
	}
	lists[0] = split_list(&a->columns);
	lists[1] = split_list(&a->exclude);
	lists[2] = split_list(&a->categorical);
	lists[3] = split_list(&a->numeric);
	lists[4] = split_list(&a->colmethod);
	lists[5] = split_list(&a->colthresh);
	o->columns = (const char *const *)lists[0];
	o->exclude = (const char *const *)lists[1];
	o->categorical = (const char *const *)lists[2];
	o->numeric = (const char *const *)lists[3];
	o->column_method = (const char *const *)lists[4];
	o->column_threshold = (const char *const *)lists[5];
	for (m = 4; m < 6; m++) {
		char **l;

		for (l = lists[m]; l && *l; l++)
			if (!strchr(*l, '=') || **l == '=')
				return error_input("--column-%s '%s': write "
						   "COLUMN=%s",
						   m == 4 ? "method"
							  : "threshold", *l,
						   m == 4 ? "METHOD" : "X");
	}
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct check_args a = { OPT_LIST_INIT, OPT_LIST_INIT, OPT_LIST_INIT,
				OPT_LIST_INIT, OPT_LIST_INIT, OPT_LIST_INIT };
	struct drift_opts o = DRIFT_OPTS_INIT;
	struct drift_side ref = DRIFT_SIDE_INIT, cur = DRIFT_SIDE_INIT;
	struct drift_result res = { 0 };
	struct drift_rec_out rec = { 0 };
	char **lists[6] = { 0 }, *drifted = NULL;
	const char *sev;
	cJSON *obj = NULL;
	int status = 0, i, prof_mode, ref_prof, cur_prof, rc;
	struct option opts[] = {
		OPT_STRING('m', "method", &a.method, "METHOD",
			   "the method for every column (default: auto)"),
		OPT_LIST(0, "column-method", &a.colmethod, "COL=METHOD",
			 "the method for one column"),
		OPT_STRING('t', "threshold", &a.threshold, "X",
			   "the threshold for every column"),
		OPT_LIST(0, "column-threshold", &a.colthresh, "COL=X",
			 "the threshold for one column"),
		OPT_LIST(0, "columns", &a.columns, "COL,...",
			 "compare only these columns"),
		OPT_LIST(0, "exclude", &a.exclude, "COL,...",
			 "leave these columns out"),
		OPT_LIST(0, "categorical", &a.categorical, "COL,...",
			 "treat these columns as categorical"),
		OPT_LIST(0, "numeric", &a.numeric, "COL,...",
			 "treat these columns as numeric"),
		OPT_STRING(0, "correction", &a.correction, "KIND",
			   "none, bonferroni or fdr across p-values"),
		OPT_STRING(0, "drift-share", &a.drift_share, "X",
			   "share of drifted columns that is drift (0.5)"),
		OPT_STRING(0, "format", &a.format, "FORMAT",
			   "text, json or markdown"),
		OPT_STRING(0, "html", &a.html, "FILE",
			   "write a self-contained HTML report"),
		OPT_STRING(0, "record", &a.record, "NAME",
			   "store the result as a check of NAME"),
		OPT_STRING(0, "model", &a.model, "MODEL",
			   "with --record: escalate when MODEL's retraining "
			   "did not help"),
		OPT_INT(0, "escalate-after", &a.escalate_after, "K",
			"critical after K drifted checks in a row (3)"),
		OPT_STRING(0, "on-drift", &a.on_drift, "CMD",
			   "run CMD on warning or critical"),
		OPT_INPUT(&a),
		OPT_GLOBALS(),
		OPT_END()
	};

	a.escalate_after = 3;
	argc = opt_parse(argc, argv, opts, usage, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (argc >= 2 && tool_is_subcommand(&tool, argv[1])) {
		error_input("'%s' is a command: write it first, as in "
			    "`drift-check %s ...`", argv[1], argv[1]);
		status = err_report();
		goto out;
	}
	if (argc != 3) {
		status = opt_usage_error(usage, "give REFERENCE and CURRENT");
		goto out;
	}
	if (!strcmp(argv[1], "-") && !strcmp(argv[2], "-")) {
		status = opt_usage_error(usage, "only one side can be "
						"standard input");
		goto out;
	}
	if (a.format && strcmp(a.format, "text") && strcmp(a.format, "json") &&
	    strcmp(a.format, "markdown")) {
		status = opt_usage_error(usage, "--format %s: text, json or "
						"markdown", a.format);
		goto out;
	}
	if (gopt.json)
		a.format = "json";
	if (!a.format)
		a.format = "text";
	if (a.escalate_after < 1) {
		status = opt_usage_error(usage, "--escalate-after %lld: at "
						"least 1", a.escalate_after);
		goto out;
	}
	if (a.model && !a.record) {
		status = opt_usage_error(usage, "--model needs --record NAME");
		goto out;
	}
	if (make_opts(&a, &o, lists) < 0) {
		status = err_report();
		goto out;
	}
	o.progress = !gopt.quiet;
	/* a recorded check needs the repository: refuse before reading */
	if (a.record && (status = setup_repo(SETUP_CATALOG)))
		goto out;
	ref_prof = !is_fs(argv[1]) && strcmp(argv[1], "-") &&
		   profile_is_profile(argv[1]) == 1;
	cur_prof = !is_fs(argv[2]) && strcmp(argv[2], "-") &&
		   profile_is_profile(argv[2]) == 1;
	prof_mode = ref_prof || cur_prof;
	if (!ref_prof && !cur_prof && !is_fs(argv[1]) && !is_fs(argv[2]))
		rc = drift_sides_read(&ref, argv[1], &cur, argv[2], &o, 0);
	else if ((rc = read_side(argv[1], &ref, &o, prof_mode, ref_prof)) >= 0)
		rc = read_side(argv[2], &cur, &o, prof_mode, cur_prof);
	if (rc < 0) {
		status = rc == -2 ? err_code() : err_report();
		if (rc == -2 && !status)
			status = EXIT_ENV;
		goto out;
	}
	if (drift_check(&ref, &cur, &o, &res) < 0) {
		status = err_report();
		goto out;
	}
	drifted = drifted_csv(&res);
	obj = result_json(&res, res.drift ? "warning" : "none", ref.name,
			  cur.name);
	sev = drift_severity_unrecorded(res.drift);
	if (a.record) {
		struct drift_rec_in in = { 0 };
		char *text = json_print_exact(obj, 0);

		in.name = a.record;
		in.model = a.model;
		in.escalate_after = (int)a.escalate_after;
		in.drift = res.drift;
		in.share = res.share;
		in.drifted = res.ndrifted;
		in.ncols = res.ncols;
		in.columns_csv = drifted;
		in.result_json = text;
		rc = drift_record(the_repo, the_catalog, &in, &rec);
		free(text);
		if (rc < 0) {
			status = err_report();
			goto out;
		}
		sev = rec.severity;
		cJSON_ReplaceItemInObject(obj, "severity",
					  cJSON_CreateString(sev));
		cJSON_AddStringToObject(obj, "record", a.record);
		cJSON_AddStringToObject(obj, "id", rec.id);
		cJSON_AddNumberToObject(obj, "streak", rec.streak);
	}
	if (a.html && dc_html(a.html, &res, sev, ref.name, cur.name) < 0) {
		status = err_report();
		goto out;
	}
	if (!gopt.quiet || !strcmp(a.format, "json")) {
		if (!strcmp(a.format, "json"))
			rc = json_print_line(stdout, obj);
		else if (!strcmp(a.format, "markdown"))
			print_markdown(&res, sev), rc = 0;
		else
			rc = print_table(&res, sev);
		if (rc < 0 || out_flush(stdout) < 0) {
			status = err_report();
			goto out;
		}
	}
	if (res.drift) {
		/* hooks/on-drift runs inside a repository, recorded or not */
		if (!the_repo && !(the_repo = repo_open()))
			err_clear();
		dc_alert(the_repo, a.on_drift, a.record ? a.record : "", sev,
			 drifted);
		status = EXIT_NEGATIVE;
	}
out:
	cJSON_Delete(obj);
	free(drifted);
	drift_result_release(&res);
	drift_side_release(&ref);
	drift_side_release(&cur);
	for (i = 0; i < 6; i++)
		free_list(lists[i]);
	opt_list_release(&a.columns);
	opt_list_release(&a.exclude);
	opt_list_release(&a.categorical);
	opt_list_release(&a.numeric);
	opt_list_release(&a.colmethod);
	opt_list_release(&a.colthresh);
	return status;
}

/* ---- profile, merge -------------------------------------------------------- */

static const char *const usage_profile[] = {
	"drift-check profile FILE... -o OUT.json [--columns COL,...] "
	"[--exclude COL,...]",
	NULL
};

static int cmd_profile(int argc, char **argv)
{
	struct check_args a = { OPT_LIST_INIT, OPT_LIST_INIT, OPT_LIST_INIT,
				OPT_LIST_INIT, OPT_LIST_INIT, OPT_LIST_INIT };
	struct drift_opts o = DRIFT_OPTS_INIT;
	struct profile *all = NULL;
	char **lists[6] = { 0 };
	const char *out = NULL;
	int status = 0, i;
	struct option opts[] = {
		OPT_STRING('o', "output", &out, "OUT.json",
			   "where to write the profile ('-': stdout)"),
		OPT_LIST(0, "columns", &a.columns, "COL,...",
			 "profile only these columns"),
		OPT_LIST(0, "exclude", &a.exclude, "COL,...",
			 "leave these columns out"),
		OPT_INPUT(&a),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_profile, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (argc < 2 || !out) {
		status = opt_usage_error(usage_profile, "give FILE... and "
						       "-o OUT.json");
		goto out;
	}
	if (make_opts(&a, &o, lists) < 0) {
		status = err_report();
		goto out;
	}
	o.progress = !gopt.quiet;
	for (i = 1; i < argc; i++) {
		struct drift_side s = DRIFT_SIDE_INIT;
		int rc = is_fs(argv[i]) ? read_fs(argv[i], &s, &o, 1)
					: drift_side_read(&s, argv[i], &o, 1);

		if (rc < 0) {
			status = rc == -2 ? err_code() : err_report();
			drift_side_release(&s);
			goto out;
		}
		if (!all) {
			all = s.profile;
			s.profile = NULL;
		} else if (profile_merge(all, s.profile) < 0) {
			drift_side_release(&s);
			status = err_report();
			goto out;
		}
		drift_side_release(&s);
	}
	if (profile_write(all, out) < 0)
		status = err_report();
out:
	profile_free(all);
	for (i = 0; i < 6; i++)
		free_list(lists[i]);
	opt_list_release(&a.columns);
	opt_list_release(&a.exclude);
	return status;
}

static const char *const usage_merge[] = {
	"drift-check merge PROFILE... -o OUT.json", NULL
};

static int cmd_merge(int argc, char **argv)
{
	struct profile *all = NULL;
	const char *out = NULL;
	int status = 0, i;
	struct option opts[] = {
		OPT_STRING('o', "output", &out, "OUT.json",
			   "where to write the merged profile ('-': stdout)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_merge, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2 || !out)
		return opt_usage_error(usage_merge, "give PROFILE... and "
						    "-o OUT.json");
	for (i = 1; i < argc; i++) {
		struct profile *p = profile_read(argv[i]);

		if (!p) {
			status = err_report();
			goto out;
		}
		if (!all) {
			all = p;
			continue;
		}
		if (profile_merge(all, p) < 0) {
			profile_free(p);
			status = err_report();
			goto out;
		}
		profile_free(p);
	}
	if (profile_write(all, out) < 0)
		status = err_report();
out:
	profile_free(all);
	return status;
}

static const struct subcommand subcommands[] = {
	{ "profile", cmd_profile, "summarise tables into a mergeable profile",
	  0 },
	{ "merge", cmd_merge, "merge profiles of shards into one", 0 },
	{ "history", cmd_history, "the recorded checks of a name",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ NULL, NULL, NULL, 0 }
};

static const struct tool tool = { "drift-check", usage, subcommands,
				  cmd_check, 0 };

int main(int argc, char **argv)
{
	/*
	 * A check allocates and frees column-sized arrays (tens of MB) again
	 * and again: keep them in the heap rather than mapping fresh pages
	 * each time, whose first touch (a page fault a page) cost more than
	 * the sorting itself on the virtual machines we measured.
	 */
	mallopt(M_MMAP_THRESHOLD, 1 << 30);
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	/* one arena: a thread's own would give its pages back and refault */
	mallopt(M_ARENA_MAX, 1);
	return setup_main(&tool, argc, argv);
}
