/*
 * fs-ingest - a feature store: typed feature groups, validated ingest,
 * point-in-time joins and online lookup.  See fs-ingest(1).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "fstore.h"
#include "fsutil.h"
#include "mltime.h"
#include "names.h"
#include "num.h"
#include "odb.h"
#include "opt.h"
#include "repo.h"
#include "runs.h"
#include "setup.h"
#include "strbuf.h"
#include "table.h"
#include "tabout.h"

static const char *const usage[] = {
	"fs-ingest [-C DIR] [--repo PATH] [-q] [-v] [OPTIONS] GROUP FILE...|-",
	"fs-ingest [-C DIR] [--repo PATH] [-q] [-v] [--json] COMMAND [ARGS]",
	NULL
};

static const struct tool tool;

static int parse_format(const char *s, enum table_format *out,
			const char *opt)
{
	int f;

	if (!s) {
		*out = TABLE_AUTO;
		return 0;
	}
	f = table_format_from_name(s);
	if (f < 0)
		return error_input("%s '%s': give csv, tsv or jsonl", opt, s);
	*out = f;
	return 0;
}

static void print_json(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	puts(s);
	free(s);
}

/* ---- define ------------------------------------------------------------- */

static const char *const usage_define[] = {
	"fs-ingest define GROUP --entity COL[:TYPE][,COL[:TYPE]...] "
	"--timestamp COL [--created COL] [--feature NAME:TYPE]... "
	"[--ttl DURATION] [--check EXPR]... [--description TEXT]",
	"fs-ingest define [GROUP] --from FILE",
	NULL
};

static int cmd_define(int argc, char **argv)
{
	const char *entity = NULL, *ts = NULL, *created = NULL, *ttl = NULL;
	const char *desc = NULL, *from = NULL;
	struct opt_list feats = OPT_LIST_INIT, checks = OPT_LIST_INIT;
	struct fs_group g = { 0 };
	int status = 0, rc;
	struct option opts[] = {
		OPT_STRING(0, "entity", &entity, "COL[:TYPE],...",
			   "the entity key column(s); types default to string"),
		OPT_STRING(0, "timestamp", &ts, "COL", "the event time column"),
		OPT_STRING(0, "created", &created, "COL",
			   "the created time column (default: ingest time)"),
		OPT_LIST(0, "feature", &feats, "NAME:TYPE", "a feature"),
		OPT_STRING(0, "ttl", &ttl, "DURATION",
			   "how long a row stays valid (default: no TTL)"),
		OPT_LIST(0, "check", &checks, "EXPR", "a rule every row meets"),
		OPT_STRING(0, "description", &desc, "TEXT", "what it holds"),
		OPT_STRING(0, "from", &from, "FILE",
			   "the settings from a [group \"NAME\"] file"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_define, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 2)
		return opt_usage_error(usage_define, "unexpected argument '%s'",
				       argv[2]);
	if (!from && argc != 2)
		return opt_usage_error(usage_define, "give the group's name");
	if (from && (entity || ts || created || ttl || desc || feats.nr ||
		     checks.nr))
		return opt_usage_error(usage_define, "--from takes every "
				       "setting from the file");
	if (argc == 2 && names_check_free("feature group", argv[1],
					   &tool) < 0)
		goto fail;
	rc = from ? fs_group_from_file(&g, argc == 2 ? argv[1] : NULL, from)
		  : fs_group_from_args(&g, argv[1], entity, ts, created,
				       (char *const *)feats.items, ttl,
				       (char *const *)checks.items, desc);
	if (rc < 0)
		goto fail;
	if (from && names_check_free("feature group", g.name, &tool) < 0)
		goto fail;
	if ((status = setup_now()))
		goto out;
	rc = fs_group_define(the_repo, the_catalog, &g);
	if (rc < 0)
		goto fail;
	if (!gopt.quiet)
		fprintf(stderr, rc ? "fs-ingest: feature group '%s' is at "
				     "version %d\n"
				   : "fs-ingest: feature group '%s' is "
				     "unchanged (version %d)\n",
			g.name, g.version);
	goto out;
fail:
	status = err_report();
out:
	fs_group_release(&g);
	free(feats.items);
	free(checks.items);
	return status;
}

/* ---- ingest (the verb) --------------------------------------------------- */

static const char *const usage_ingest[] = {
	"fs-ingest [--format csv|tsv|jsonl] [--map SRC=DST]... "
	"[--on-error abort|skip] [--rejects FILE] [--ignore-extra] [--force] "
	"[--time-format FORMAT] GROUP FILE...|-",
	NULL
};

static int cmd_ingest(int argc, char **argv)
{
	const char *format = NULL, *on_error = NULL, *rejects = NULL;
	const char *time_format = NULL;
	struct opt_list map = OPT_LIST_INIT;
	struct fs_ingest_opts o = { 0 };
	int force = 0, extra = 0, status = 0, i;
	struct option opts[] = {
		OPT_STRING(0, "format", &format, "FORMAT",
			   "csv, tsv or jsonl (default: by the name)"),
		OPT_LIST(0, "map", &map, "SRC=DST",
			   "read the input's column SRC as DST"),
		OPT_STRING(0, "on-error", &on_error, "abort|skip",
			   "a bad row rejects the batch (abort) or itself"),
		OPT_STRING(0, "rejects", &rejects, "FILE",
			   "with --on-error skip: the bad rows and why"),
		OPT_BOOL(0, "ignore-extra", &extra,
			 "skip columns the group does not have"),
		OPT_BOOL(0, "force", &force,
			 "ingest content ingested before again"),
		OPT_STRING(0, "time-format", &time_format, "FORMAT",
			   "times are epoch, epoch_ms, epoch_us or a strftime "
			   "pattern (default: ISO 8601)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_ingest, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 3)
		return opt_usage_error(usage_ingest, "give a group and one or "
				       "more files (- for standard input)");
	if (parse_format(format, &o.format, "--format") < 0 ||
	    mltime_check_format(time_format) < 0)
		goto fail;
	o.time_format = time_format;
	if (on_error && strcmp(on_error, "abort") && strcmp(on_error, "skip"))
		return opt_usage_error(usage_ingest, "--on-error '%s': give "
				       "abort or skip", on_error);
	o.on_error = on_error && !strcmp(on_error, "skip") ? FS_SKIP
							   : FS_ABORT;
	if (rejects && o.on_error != FS_SKIP)
		return opt_usage_error(usage_ingest, "--rejects goes with "
				       "--on-error skip");
	if (rejects && argc > 3)
		return opt_usage_error(usage_ingest, "--rejects takes one "
				       "input file");
	if (names_check("feature group", argv[1]) < 0)
		goto fail;
	o.map = (char *const *)map.items;
	o.rejects = rejects;
	o.force = force;
	o.ignore_extra = extra;
	o.progress = !gopt.quiet && isatty(2);
	if ((status = setup_now()))
		goto out;
	for (i = 2; i < argc; i++) {
		struct fs_ingest_result res;

		if (fs_ingest(the_repo, the_catalog, argv[1], argv[i], &o,
			      &res) < 0) {
			fs_ingest_result_release(&res);
			goto fail;
		}
		if (res.skipped) {
			if (!gopt.quiet)
				fprintf(stderr, "fs-ingest: %s: the same "
					"content went into '%s' before (batch "
					"%.12s); skipped (--force ingests it "
					"again)\n", argv[i], argv[1],
					res.seen_batch);
		} else if (!gopt.quiet) {
			fprintf(stderr, "fs-ingest: %s: %lld row%s into '%s'",
				argv[i], (long long)res.rows,
				res.rows == 1 ? "" : "s", argv[1]);
			if (res.rejected)
				fprintf(stderr, ", %lld rejected%s%s",
					(long long)res.rejected,
					rejects ? " to " : "",
					rejects ? rejects : "");
			fprintf(stderr, " (batch %.12s)\n", res.id);
		}
		fs_ingest_result_release(&res);
	}
	goto out;
fail:
	status = err_report();
out:
	free(map.items);
	return status;
}

/* ---- list, show, drop ----------------------------------------------------- */

static const char *const usage_list[] = { "fs-ingest list", NULL };

static int cmd_list(int argc, char **argv)
{
	static const char *const hdr[] = { "GROUP", "VERSION", "FEATURES",
					   "ROWS", "BATCHES" };
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };
	struct tabout *t;
	char **names = NULL;
	int n = 0, i, status = 0;
	cJSON *arr = NULL;

	argc = opt_parse(argc, argv, opts, usage_list, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_list, "list takes no arguments");
	if ((status = setup_now()))
		return status;
	if (fs_group_list(the_repo, &names, &n) < 0)
		return err_report();
	t = tabout_new(5, hdr);
	if (gopt.json)
		arr = cJSON_CreateArray();
	for (i = 0; i < n && !status; i++) {
		struct fs_group g;
		struct fs_summary sum;
		sqlite3 *db;
		char v[16], f[16], r[24], b[24];

		if (fs_group_open(the_repo, names[i], 0, &g, &db) < 0 ||
		    fs_group_summary(db, &sum) < 0) {
			status = err_report();
			db_close(db);
			fs_group_release(&g);
			break;
		}
		snprintf(v, sizeof(v), "%d", g.version);
		snprintf(f, sizeof(f), "%d", g.nfeatures);
		snprintf(r, sizeof(r), "%lld", (long long)sum.rows);
		snprintf(b, sizeof(b), "%lld", (long long)sum.batches);
		if (arr) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "group", g.name);
			cJSON_AddNumberToObject(o, "version", g.version);
			cJSON_AddNumberToObject(o, "features", g.nfeatures);
			cJSON_AddNumberToObject(o, "rows", (double)sum.rows);
			cJSON_AddNumberToObject(o, "batches",
						(double)sum.batches);
			cJSON_AddItemToArray(arr, o);
		} else {
			const char *cells[] = { g.name, v, f, r, b };

			tabout_add(t, cells);
		}
		db_close(db);
		fs_group_release(&g);
	}
	if (!status) {
		if (arr)
			print_json(arr);
		else if (tabout_print(t, stdout) < 0)
			status = err_report();
		if (!status && out_flush(stdout) < 0)
			status = err_report();
	}
	cJSON_Delete(arr);
	tabout_free(t);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return status;
}

static const char *const usage_show[] = { "fs-ingest show GROUP [--json]",
					  NULL };

static void show_columns(const char *label, const struct fs_column *c, int n)
{
	int i;

	printf("%-12s", label);
	for (i = 0; i < n; i++)
		printf("%s%s:%s", i ? ", " : "", c[i].name,
		       fs_type_name(c[i].type));
	printf("\n");
}

/* One line of the ingest log, or one object of --json's "batches". */
static int show_batch(const struct fs_batch *b, void *data)
{
	cJSON *arr = data;
	char buf[MLTIME_BUFSZ];

	mltime_format(b->time, buf);
	if (arr) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", b->id);
		cJSON_AddStringToObject(o, "time", buf);
		cJSON_AddStringToObject(o, "source", b->source ? b->source : "");
		cJSON_AddNumberToObject(o, "rows", (double)b->rows);
		cJSON_AddNumberToObject(o, "rejected", (double)b->rejected);
		cJSON_AddStringToObject(o, "user", b->user ? b->user : "");
		cJSON_AddNumberToObject(o, "version", b->version);
		cJSON_AddItemToArray(arr, o);
	} else {
		struct strbuf s = STRBUF_INIT;

		tabout_add_visible(&s, b->source ? b->source : "");
		printf("  %.12s  %s  %lld rows, %lld rejected  v%d  %s\n", b->id,
		       buf, (long long)b->rows, (long long)b->rejected,
		       b->version, s.buf);
		strbuf_release(&s);
	}
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };
	struct fs_group g = { 0 }, *v = NULL;
	struct fs_summary sum;
	sqlite3 *db = NULL;
	int nv = 0, i, status = 0;
	cJSON *o = NULL, *a = NULL;
	char buf[MLTIME_BUFSZ], buf2[MLTIME_BUFSZ];

	argc = opt_parse(argc, argv, opts, usage_show, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_show, "give one group");
	if ((status = setup_now()))
		return status;
	if (fs_group_open(the_repo, argv[1], 0, &g, &db) < 0 ||
	    fs_group_versions(db, &v, &nv) < 0 ||
	    fs_group_summary(db, &sum) < 0)
		goto fail;
	if (gopt.json) {
		o = fs_group_to_json(&g);
		cJSON_AddNumberToObject(o, "rows", (double)sum.rows);
		if (sum.rows) {
			cJSON_AddStringToObject(o, "first",
						mltime_format(sum.first, buf));
			cJSON_AddStringToObject(o, "last",
						mltime_format(sum.last, buf));
		}
		a = cJSON_AddArrayToObject(o, "versions");
		for (i = 0; i < nv; i++)
			cJSON_AddItemToArray(a, fs_group_to_json(&v[i]));
		a = cJSON_AddArrayToObject(o, "batches");
	} else {
		printf("group       %s\n", g.name);
		if (g.description)
			printf("description %s\n", g.description);
		printf("version     %d (defined %s)\n", g.version,
		       mltime_format(g.time, buf));
		show_columns("entity", g.entity, g.nentity);
		printf("timestamp   %s\n", g.timestamp);
		if (g.created)
			printf("created     %s\n", g.created);
		if (g.ttl)
			printf("ttl         %s\n",
			       mltime_format_duration(g.ttl, buf));
		show_columns("features", g.features, g.nfeatures);
		for (i = 0; i < g.nchecks; i++)
			printf("check       %s\n", g.checks[i]);
		printf("rows        %lld", (long long)sum.rows);
		if (sum.rows)
			printf(" (%s .. %s)", mltime_format(sum.first, buf),
			       mltime_format(sum.last, buf2));
		printf("\n\nversions:\n");
		for (i = 0; i < nv; i++)
			printf("  %d  %s  %d features\n", v[i].version,
			       mltime_format(v[i].time, buf), v[i].nfeatures);
		printf("\ningest log:\n");
	}
	if (fs_group_batches(db, show_batch, a) < 0)
		goto fail;
	if (o)
		print_json(o);
	if (out_flush(stdout) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	cJSON_Delete(o);
	for (i = 0; i < nv; i++)
		fs_group_release(&v[i]);
	free(v);
	fs_group_release(&g);
	db_close(db);
	return status;
}

static const char *const usage_drop[] = { "fs-ingest drop GROUP --yes",
					  NULL };

static int cmd_drop(int argc, char **argv)
{
	int yes = 0, status;
	struct option opts[] = {
		OPT_BOOL(0, "yes", &yes, "really remove it and its rows"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_drop, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_drop, "give one group");
	if (!yes)
		return opt_usage_error(usage_drop, "dropping '%s' removes "
				       "every row: give --yes", argv[1]);
	if ((status = setup_now()))
		return status;
	if (fs_group_drop(the_repo, the_catalog, argv[1]) < 0)
		return err_report();
	if (!gopt.quiet)
		fprintf(stderr, "fs-ingest: dropped feature group '%s'\n",
			argv[1]);
	return 0;
}

/* ---- join ---------------------------------------------------------------- */

static const char *const usage_join[] = {
	"fs-ingest join ENTITIES --features SPEC [--features SPEC]... "
	"[--timestamp COL] [--full-names] [--as-of TIME] "
	"[--format csv|tsv|jsonl] [--entities-format FORMAT] "
	"[--time-format FORMAT] "
	"[--log-input NAME [-r RUN] [--context CONTEXT]]",
	NULL
};

/*
 * The training set of --log-input: stored as an object and recorded on
 * the run as a dataset input whose source names the features and the
 * groups' schema versions (exp-log input).
 */
static int log_input(const char *tmp, const char *run_opt, const char *name,
		     const char *context, const struct opt_list *specs,
		     const struct strbuf *versions)
{
	char id[RUN_ID_HEX + 1], oid[ODB_HEXSZ + 1];
	struct strbuf src = STRBUF_INIT;
	struct run_input in = { 0 };
	int i, rc = -1;

	if (runs_resolve(the_catalog, run_opt, id) < 0 ||
	    odb_put_file(the_repo, tmp, oid, NULL) < 0)
		goto out;
	strbuf_addstr(&src, "fs-ingest join");
	for (i = 0; i < specs->nr; i++)
		strbuf_addf(&src, " --features %s", specs->items[i]);
	strbuf_addf(&src, " (%s)", versions->buf);
	in.name = name;
	in.digest = oid;
	in.context = context;
	in.source = src.buf;
	if (db_begin(the_catalog) < 0)
		goto out;
	if (runs_input(the_repo, the_catalog, id, &in, NULL) < 0) {
		db_rollback(the_catalog);
		goto out;
	}
	if (db_commit(the_catalog) < 0)
		goto out;
	if (!gopt.quiet)
		fprintf(stderr, "fs-ingest: training set %.12s recorded as "
			"input '%s' of run %.12s\n", oid, name, id);
	rc = 0;
out:
	strbuf_release(&src);
	return rc;
}

static int cmd_join(int argc, char **argv)
{
	const char *ts = NULL, *as_of = NULL, *format = NULL, *eformat = NULL;
	const char *input = NULL, *run = NULL, *context = NULL;
	const char *time_format = NULL;
	struct opt_list specs = OPT_LIST_INIT;
	struct fs_join_opts o = { 0 };
	struct fs_atomic tmp = FS_ATOMIC_INIT;
	struct strbuf versions = STRBUF_INIT;
	int full = 0, status = 0;
	struct option opts[] = {
		OPT_LIST(0, "features", &specs, "SPEC",
			 "GROUP or GROUP:F1,F2 (repeatable)"),
		OPT_STRING(0, "timestamp", &ts, "COL",
			   "the entity table's time column "
			   "(default: event_timestamp)"),
		OPT_BOOL(0, "full-names", &full,
			 "name feature columns GROUP__FEATURE"),
		OPT_STRING(0, "as-of", &as_of, "TIME",
			   "only what was ingested by TIME"),
		OPT_STRING(0, "format", &format, "FORMAT",
			   "csv (default), tsv or jsonl"),
		OPT_STRING(0, "entities-format", &eformat, "FORMAT",
			   "the entity table's format (default: by the name)"),
		OPT_STRING(0, "time-format", &time_format, "FORMAT",
			   "the entity table's times: epoch, epoch_ms, "
			   "epoch_us or a strftime pattern (default: ISO 8601)"),
		OPT_STRING(0, "log-input", &input, "NAME",
			   "store the result and record it on the run"),
		OPT_STRING('r', "run", &run, "RUN",
			   "with --log-input: the run (default: $MLREPO_RUN)"),
		OPT_STRING(0, "context", &context, "CONTEXT",
			   "with --log-input: train (default), eval, ..."),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_join, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_join, "give one entity table "
				       "(- for standard input)");
	if (!specs.nr)
		return opt_usage_error(usage_join, "give --features");
	if ((run || context) && !input)
		return opt_usage_error(usage_join, "-r and --context go with "
				       "--log-input NAME");
	if (parse_format(eformat, &o.entities_format, "--entities-format") < 0 ||
	    parse_format(format, &o.out_format, "--format") < 0 ||
	    mltime_check_format(time_format) < 0)
		goto fail;
	o.time_format = time_format;
	if (o.out_format == TABLE_AUTO)
		o.out_format = TABLE_CSV;
	if (as_of) {
		if (mltime_parse(as_of, &o.as_of) < 0)
			goto fail;
		o.has_as_of = 1;
	}
	o.entities = argv[1];
	o.timestamp = ts;
	o.specs = (char *const *)specs.items;
	o.full_names = full;
	o.out_fd = 1;
	o.out_name = "-";
	if (input) {
		struct run_input check = { input, "x", context, NULL };

		if (runs_input_check(&check) < 0)
			goto fail;
		/* a writer then: the run gets an input */
		if ((status = setup_repo(SETUP_CATALOG)))
			goto out;
		if (repo_tmpfile(the_repo, "join", &tmp) < 0)
			goto fail;
		o.out_fd = tmp.fd;
		o.out_name = tmp.tmp_path;
		o.source = &versions;
	} else if ((status = setup_now())) {
		goto out;
	}
	if (fs_join(the_repo, &o) < 0)
		goto fail;
	if (input && (log_input(tmp.tmp_path, run, input, context, &specs,
				&versions) < 0 ||
		      fs_copy_to_fd(tmp.tmp_path, 1, "standard output") < 0))
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	fs_atomic_abort(&tmp);
	strbuf_release(&versions);
	free(specs.items);
	return status;
}

/* ---- get ----------------------------------------------------------------- */

static const char *const usage_get[] = {
	"fs-ingest get GROUP [KEY...] [--at TIME] [--json]",
	NULL
};

/* Split a composite key "a,b" into n parts (in place); 0 or -1. */
static int split_key(char *s, const char **parts, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		parts[i] = s;
		s = strchr(s, ',');
		if (i < n - 1) {
			if (!s)
				return -1;
			*s++ = '\0';
		}
	}
	return s ? -1 : 0;
}

static int get_one(struct fs_lookup *l, struct table_writer *w, char *key,
		   int64_t at, const char **parts, const char **vals)
{
	const struct fs_group *g = fs_lookup_group(l);
	char *copy = xstrdup(key);
	int i, rc;

	if (split_key(copy, parts, g->nentity) < 0) {
		free(copy);
		return error_input("key '%s': the entity of '%s' has %d "
				   "column%s; write them a,b", key, g->name,
				   g->nentity, g->nentity == 1 ? "" : "s");
	}
	rc = fs_lookup_get(l, parts, at, vals);
	if (rc >= 0) {
		for (i = 0; i < g->nentity; i++)
			table_writer_text(w, parts[i], strlen(parts[i]));
		for (i = 0; i < g->nfeatures; i++)
			table_writer_text(w, vals[i],
					  vals[i] ? strlen(vals[i]) : 0);
		rc = table_writer_end_row(w);
	}
	free(copy);
	return rc;
}

static int cmd_get(int argc, char **argv)
{
	const char *at_s = NULL;
	struct fs_lookup *l = NULL;
	struct table_writer *w = NULL;
	const char **names = NULL, **parts = NULL, **vals = NULL;
	enum table_type *types = NULL;
	const struct fs_group *g;
	int64_t at;
	int status = 0, i, n;
	struct option opts[] = {
		OPT_STRING(0, "at", &at_s, "TIME",
			   "look up as of TIME (default: now)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_get, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2)
		return opt_usage_error(usage_get, "give a group");
	at = mltime_now();
	if (at_s && mltime_parse(at_s, &at) < 0)
		return err_report();
	if ((status = setup_now()))
		return status;
	l = fs_lookup_open(the_repo, argv[1]);
	if (!l)
		goto fail;
	g = fs_lookup_group(l);
	n = g->nentity + g->nfeatures;
	names = xcalloc(n, sizeof(*names));
	types = xcalloc(n, sizeof(*types));
	parts = xcalloc(g->nentity, sizeof(*parts));
	vals = xcalloc(g->nfeatures + 1, sizeof(*vals));
	for (i = 0; i < g->nentity; i++) {
		names[i] = g->entity[i].name;
		types[i] = g->entity[i].type;
	}
	for (i = 0; i < g->nfeatures; i++) {
		names[g->nentity + i] = g->features[i].name;
		types[g->nentity + i] = g->features[i].type;
	}
	w = table_writer_open(1, "-", gopt.json ? TABLE_JSONL : TABLE_CSV, 0,
			      n, names, types);
	if (!w)
		goto fail;
	if (argc > 2) {
		for (i = 2; i < argc; i++)
			if (get_one(l, w, argv[i], at, parts, vals) < 0)
				goto fail;
	} else {
		struct strbuf line = STRBUF_INIT;

		while (strbuf_getline(&line, stdin) != EOF) {
			if (!line.len)
				continue;
			if (get_one(l, w, line.buf, at, parts, vals) < 0) {
				strbuf_release(&line);
				goto fail;
			}
		}
		strbuf_release(&line);
	}
	if (table_writer_close(w) < 0) {
		w = NULL;
		goto fail;
	}
	w = NULL;
	goto out;
fail:
	status = err_report();
out:
	table_writer_free(w);
	fs_lookup_close(l);
	free(names);
	free(types);
	free(parts);
	free(vals);
	return status;
}

/* ---- range, export, stats ------------------------------------------------ */

static int window_opts(const char *from, const char *to,
		       struct fs_range_opts *o)
{
	if (from) {
		if (mltime_parse(from, &o->from) < 0)
			return -1;
		o->has_from = 1;
	}
	if (to) {
		if (mltime_parse_end(to, &o->to) < 0)
			return -1;
		o->has_to = 1;
	}
	return 0;
}

static const char *const usage_range[] = {
	"fs-ingest range GROUP [--from TIME] [--to TIME] [--features F,...] "
	"[--latest] [--format csv|tsv|jsonl]",
	NULL
};

static int cmd_range(int argc, char **argv)
{
	const char *from = NULL, *to = NULL, *feats = NULL, *format = NULL;
	struct fs_range_opts o = { 0 };
	int latest = 0, status;
	struct option opts[] = {
		OPT_STRING(0, "from", &from, "TIME", "event times from TIME"),
		OPT_STRING(0, "to", &to, "TIME",
			   "to TIME, included (a date: its whole day)"),
		OPT_STRING(0, "features", &feats, "F,...",
			   "these features (default: all)"),
		OPT_BOOL(0, "latest", &latest,
			 "each entity's last row in the window only"),
		OPT_STRING(0, "format", &format, "FORMAT",
			   "csv (default), tsv or jsonl"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_range, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_range, "give one group");
	if (window_opts(from, to, &o) < 0 ||
	    parse_format(format, &o.out_format, "--format") < 0)
		return err_report();
	if (o.out_format == TABLE_AUTO)
		o.out_format = TABLE_CSV;
	o.features = feats;
	o.latest = latest;
	o.out_fd = 1;
	o.out_name = "-";
	if ((status = setup_now()))
		return status;
	return fs_range(the_repo, argv[1], &o) < 0 ? err_report() : 0;
}

static const char *const usage_export[] = {
	"fs-ingest export GROUP [--as-of TIME] [--format csv|tsv|jsonl]",
	NULL
};

static int cmd_export(int argc, char **argv)
{
	const char *as_of = NULL, *format = NULL;
	struct fs_range_opts o = { 0 };
	int status;
	struct option opts[] = {
		OPT_STRING(0, "as-of", &as_of, "TIME",
			   "the rows as known at TIME (default: now)"),
		OPT_STRING(0, "format", &format, "FORMAT",
			   "csv (default), tsv or jsonl"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_export, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_export, "give one group");
	if (parse_format(format, &o.out_format, "--format") < 0)
		return err_report();
	if (as_of) {
		if (mltime_parse(as_of, &o.as_of) < 0)
			return err_report();
		o.has_as_of = 1;
	}
	if (o.out_format == TABLE_AUTO)
		o.out_format = TABLE_CSV;
	o.with_created = 1;
	o.out_fd = 1;
	o.out_name = "-";
	if ((status = setup_now()))
		return status;
	return fs_range(the_repo, argv[1], &o) < 0 ? err_report() : 0;
}

static const char *const usage_stats[] = {
	"fs-ingest stats GROUP [--features F,...] [--from TIME] [--to TIME] "
	"[--json]",
	NULL
};

static const char *fmt_num(double v, int has, char *buf)
{
	return has && !isnan(v) ? num_format_value(v, buf) : "";
}

static void add_num(cJSON *o, const char *key, double v, int has)
{
	if (has && isfinite(v))
		cJSON_AddNumberToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static int cmd_stats(int argc, char **argv)
{
	static const char *const hdr[] = {
		"FEATURE", "TYPE", "COUNT", "MISSING", "DISTINCT", "MIN", "MAX",
		"MEAN", "STD", "25%", "50%", "75%"
	};
	const char *from = NULL, *to = NULL, *feats = NULL;
	struct fs_range_opts o = { 0 };
	struct fs_stat *st = NULL;
	struct tabout *t = NULL;
	cJSON *arr = NULL;
	int n = 0, i, status;
	struct option opts[] = {
		OPT_STRING(0, "features", &feats, "F,...",
			   "these features (default: all)"),
		OPT_STRING(0, "from", &from, "TIME", "event times from TIME"),
		OPT_STRING(0, "to", &to, "TIME",
			   "to TIME, included (a date: its whole day)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_stats, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_stats, "give one group");
	if (window_opts(from, to, &o) < 0)
		return err_report();
	o.features = feats;
	if ((status = setup_now()))
		return status;
	if (fs_stats(the_repo, argv[1], &o, &st, &n) < 0) {
		status = err_report();
		goto out;
	}
	if (gopt.json)
		arr = cJSON_CreateArray();
	else
		t = tabout_new(12, hdr);
	for (i = 0; i < n; i++) {
		struct fs_stat *s = &st[i];
		char c[24], m[24], d[24], b[8][NUM_BUFSZ];

		if (arr) {
			cJSON *x = cJSON_CreateObject();

			cJSON_AddStringToObject(x, "feature", s->name);
			cJSON_AddStringToObject(x, "type", fs_type_name(s->type));
			cJSON_AddNumberToObject(x, "count", (double)s->count);
			cJSON_AddNumberToObject(x, "missing", (double)s->missing);
			cJSON_AddNumberToObject(x, "distinct",
						(double)s->distinct);
			if (s->type == TABLE_STRING) {
				if (s->smin) {
					cJSON_AddStringToObject(x, "min", s->smin);
					cJSON_AddStringToObject(x, "max", s->smax);
				}
			} else {
				add_num(x, "min", s->min, s->has_num);
				add_num(x, "max", s->max, s->has_num);
				add_num(x, "mean", s->mean, s->has_num);
				add_num(x, "std", s->std, s->has_num);
				add_num(x, "p25", s->p25, s->has_num);
				add_num(x, "p50", s->p50, s->has_num);
				add_num(x, "p75", s->p75, s->has_num);
			}
			cJSON_AddItemToArray(arr, x);
			continue;
		}
		snprintf(c, sizeof(c), "%lld", (long long)s->count);
		snprintf(m, sizeof(m), "%lld", (long long)s->missing);
		snprintf(d, sizeof(d), "%lld", (long long)s->distinct);
		{
			const char *cells[12] = {
				s->name, fs_type_name(s->type), c, m, d,
				s->type == TABLE_STRING ? (s->smin ? s->smin : "")
					: fmt_num(s->min, s->has_num, b[0]),
				s->type == TABLE_STRING ? (s->smax ? s->smax : "")
					: fmt_num(s->max, s->has_num, b[1]),
				fmt_num(s->mean, s->has_num, b[2]),
				fmt_num(s->std, s->has_num, b[3]),
				fmt_num(s->p25, s->has_num, b[4]),
				fmt_num(s->p50, s->has_num, b[5]),
				fmt_num(s->p75, s->has_num, b[6])
			};

			tabout_add(t, cells);
		}
	}
	if (arr)
		print_json(arr);
	else if (tabout_print(t, stdout) < 0)
		status = err_report();
	if (!status && out_flush(stdout) < 0)
		status = err_report();
out:
	cJSON_Delete(arr);
	tabout_free(t);
	fs_stats_free(st, n);
	return status;
}

static const struct subcommand subcommands[] = {
	{ "define", cmd_define, "define or extend a feature group",
	  SETUP_CATALOG },
	{ "ingest", cmd_ingest, "ingest files into a group (the default)",
	  SETUP_CATALOG },
	{ "join", cmd_join, "a training set: point-in-time join",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ "get", cmd_get, "online lookup of the latest features",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ "list", cmd_list, "the feature groups", SETUP_REPO | SETUP_READ_ONLY },
	{ "show", cmd_show, "a group's schema versions and ingest log",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ "range", cmd_range, "rows by event time, without entities",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ "export", cmd_export, "a group's rows as known at a time",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ "stats", cmd_stats, "count, missing, distinct, quartiles...",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ "drop", cmd_drop, "remove a group and its rows", SETUP_CATALOG },
	{ NULL, NULL, NULL, 0 }
};

static const struct tool tool = { "fs-ingest", usage, subcommands,
				  cmd_ingest, SETUP_CATALOG };

int main(int argc, char **argv)
{
	return setup_main(&tool, argc, argv);
}
