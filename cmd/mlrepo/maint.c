/* maint.c - mlrepo fsck, gc, log and status */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "maint.h"
#include "mlrepo.h"
#include "mltime.h"
#include "odb.h"
#include "opt.h"
#include "repo.h"
#include "strbuf.h"
#include "tabout.h"

static const char *const usage_fsck[] = { "mlrepo fsck", NULL };

static void print_problem(void *data, const char *subject, const char *what)
{
	(void)data;
	if (gopt.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "subject", subject);
		cJSON_AddStringToObject(o, "problem", what);
		json_print_line(stdout, o);
		cJSON_Delete(o);
	} else {
		printf("%s: %s\n", subject, what);
	}
}

int cmd_fsck(int argc, char **argv)
{
	int status = 0, n;
	size_t objects = 0;
	struct repo *r;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_fsck, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_fsck, "fsck takes no arguments");
	r = open_repo_or_report(&status);
	if (!r)
		return status;
	n = maint_fsck(r, print_problem, NULL, &objects);
	if (n < 0)
		status = err_report();
	else if (n > 0)
		status = EXIT_NEGATIVE;
	if (out_flush(stdout) < 0)
		status = err_report();
	if (n >= 0 && !gopt.quiet)
		fprintf(stderr, "%s: checked %zu objects; %d problem%s\n",
			err_progname(), objects, n, n == 1 ? "" : "s");
	repo_close(r);
	return status;
}

static const char *const usage_gc[] = {
	"mlrepo gc [--prune=AGE] [--dry-run]", NULL
};

static void print_removed(void *data, const char *id, uint64_t size)
{
	int dry = *(int *)data;

	if (gopt.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "id", id);
		cJSON_AddNumberToObject(o, "size", (double)size);
		cJSON_AddBoolToObject(o, dry ? "would_remove" : "removed", 1);
		json_print_line(stdout, o);
		cJSON_Delete(o);
	} else if (dry || gopt.verbose)
		printf("%s%s %llu\n", dry ? "would remove " : "removed ", id,
		       (unsigned long long)size);
}

int cmd_gc(int argc, char **argv)
{
	const char *prune = NULL, *label = "--prune";
	int dry = 0, status = 0, no_prune = 0;
	int64_t age, before;
	struct gc_result res;
	struct repo *r;
	struct option opts[] = {
		OPT_STRING(0, "prune", &prune, "AGE",
			   "remove unreferenced objects older than AGE "
			   "(default 14d; 'now', 'never')"),
		OPT_BOOL(0, "no-prune", &no_prune,
			 "remove no objects (same as --prune=never)"),
		OPT_BOOL('n', "dry-run", &dry, "only list what would go"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_gc, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_gc, "gc takes no arguments");
	if (no_prune) {
		if (prune)
			return opt_usage_error(usage_gc, "--prune or --no-prune, "
					       "not both");
		prune = "never";
	}
	r = open_repo_or_report(&status);
	if (!r)
		return status;
	if (!prune) {
		prune = config_get(&r->cfg, "gc.pruneexpire");
		label = "gc.pruneExpire";
	}
	if (!prune)
		prune = "14d";
	if (!strcmp(prune, "now")) {
		before = INT64_MAX;
	} else if (!strcmp(prune, "never")) {
		before = INT64_MIN;
	} else if (mltime_parse_duration(prune, &age) == 0) {
		before = mltime_now() - age;
	} else {
		err_prefix("%s: ", label);
		status = err_report();
		goto out;
	}
	if (maint_gc(r, before, dry, print_removed, &dry, &res) < 0) {
		status = err_report();
		goto out;
	}
	if (!dry && res.objects) {
		sqlite3 *db = repo_catalog(r);
		char detail[160];

		snprintf(detail, sizeof(detail),
			 "{\"objects\":%zu,\"bytes\":%llu,\"tmpfiles\":%zu}",
			 res.objects, (unsigned long long)res.bytes,
			 res.tmpfiles);
		if (!db || events_add(db, "gc", prune, detail) < 0) {
			status = err_report();
			goto out;
		}
	}
	if (!gopt.quiet)
		fprintf(stderr,
			"%s: %s %zu object%s (%llu bytes) and %zu temporary "
			"file%s; kept %zu unreferenced within the grace period\n",
			err_progname(), dry ? "would remove" : "removed",
			res.objects, res.objects == 1 ? "" : "s",
			(unsigned long long)res.bytes, res.tmpfiles,
			res.tmpfiles == 1 ? "" : "s", res.kept);
	if (out_flush(stdout) < 0)
		status = err_report();
out:
	repo_close(r);
	return status;
}

static const char *const usage_log[] = {
	"mlrepo log [--since TIME] [--until TIME] [--action ACTION] "
	"[--limit N] [--reverse] [--json]",
	NULL
};

int cmd_log(int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *action = NULL;
	long long limit = LLONG_MIN; /* not given */
	int reverse = 0, status = 0, rc;
	int64_t t_since = INT64_MIN, t_until = INT64_MAX;
	static const char *const headers[] = { "TIME", "WHO", "TOOL",
					       "ACTION", "SUBJECT" };
	struct tabout *tab = NULL;
	struct repo *r;
	sqlite3 *db;
	sqlite3_stmt *st;
	struct option opts[] = {
		OPT_STRING(0, "since", &since, "TIME", "events at or after TIME"),
		OPT_STRING(0, "until", &until, "TIME", "events before TIME"),
		OPT_STRING(0, "action", &action, "ACTION",
			   "only this action (a prefix ending in '.' matches a family)"),
		OPT_INT('n', "limit", &limit, "N", "at most N events"),
		OPT_BOOL(0, "reverse", &reverse, "oldest first"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_log, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_log, "log takes no arguments");
	if (limit == LLONG_MIN)
		limit = -1;
	else if (limit < 0)
		return opt_usage_error(usage_log, "--limit: 0 or more, not %lld",
				       limit);
	if ((since && mltime_parse(since, &t_since) < 0) ||
	    (until && mltime_parse(until, &t_until) < 0)) {
		err_prefix("%s: ", since && t_since == INT64_MIN ? "--since"
								 : "--until");
		return err_report();
	}
	r = open_repo_or_report(&status);
	if (!r)
		return status;
	db = repo_catalog(r);
	st = db ? db_prepare(db, reverse
		? "SELECT time, who, tool, argv, action, subject, detail, uid "
		  "FROM events WHERE time >= ? AND time < ? AND (?3 IS NULL OR "
		  "action = ?3 OR (substr(?3, -1) = '.' AND "
		  "substr(action, 1, length(?3)) = ?3)) ORDER BY time, id LIMIT ?"
		: "SELECT time, who, tool, argv, action, subject, detail, uid "
		  "FROM events WHERE time >= ? AND time < ? AND (?3 IS NULL OR "
		  "action = ?3 OR (substr(?3, -1) = '.' AND "
		  "substr(action, 1, length(?3)) = ?3)) "
		  "ORDER BY time DESC, id DESC LIMIT ?") : NULL;
	if (!st) {
		status = err_report();
		goto out;
	}
	db_bind_int64(st, 1, t_since);
	db_bind_int64(st, 2, t_until);
	db_bind_text(st, 3, action);
	db_bind_int64(st, 4, limit);
	if (!gopt.json)
		tab = tabout_new(5, headers);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		char when[MLTIME_BUFSZ];
		const char *subject = (const char *)sqlite3_column_text(st, 5);

		mltime_format(sqlite3_column_int64(st, 0), when);
		if (gopt.json) {
			cJSON *o = cJSON_CreateObject();
			const char *argvj = (const char *)sqlite3_column_text(st, 3);
			const char *detail = (const char *)sqlite3_column_text(st, 6);

			cJSON_AddStringToObject(o, "time", when);
			cJSON_AddStringToObject(o, "who",
				(const char *)sqlite3_column_text(st, 1));
			cJSON_AddStringToObject(o, "tool",
				(const char *)sqlite3_column_text(st, 2));
			cJSON_AddItemToObject(o, "argv", cJSON_Parse(argvj));
			cJSON_AddStringToObject(o, "action",
				(const char *)sqlite3_column_text(st, 4));
			if (subject)
				cJSON_AddStringToObject(o, "subject", subject);
			else
				cJSON_AddNullToObject(o, "subject");
			if (detail)
				cJSON_AddItemToObject(o, "detail",
						      cJSON_Parse(detail));
			else
				cJSON_AddNullToObject(o, "detail");
			cJSON_AddStringToObject(o, "uid",
				(const char *)sqlite3_column_text(st, 7));
			json_print_line(stdout, o);
			cJSON_Delete(o);
		} else {
			const char *cells[5];

			cells[0] = when;
			cells[1] = (const char *)sqlite3_column_text(st, 1);
			cells[2] = (const char *)sqlite3_column_text(st, 2);
			cells[3] = (const char *)sqlite3_column_text(st, 4);
			cells[4] = subject ? subject : "";
			tabout_add(tab, cells);
		}
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		status = err_report();
		goto out;
	}
	if (tab && tabout_print(tab, stdout) < 0)
		status = err_report();
	else if (out_flush(stdout) < 0)
		status = err_report();
out:
	tabout_free(tab);
	repo_close(r);
	return status;
}

static const char *const usage_status[] = { "mlrepo status [--json]", NULL };

struct obj_count {
	size_t raw, compressed, stray;
	uint64_t bytes;
};

static int count_object(const char *id, const char *path, int compressed,
			const struct stat *st, void *data)
{
	struct obj_count *c = data;

	(void)path;
	if (!id)
		c->stray++;
	else if (compressed)
		c->compressed++;
	else
		c->raw++;
	if (id)
		c->bytes += st->st_size;
	return 0;
}

int cmd_status(int argc, char **argv)
{
	int status = 0;
	struct obj_count oc = { 0, 0, 0, 0 };
	struct repo *r;
	sqlite3 *db;
	size_t groups = 0, nref;
	char **refs;
	int64_t events, last = 0, experiments, runs;
	char when[MLTIME_BUFSZ] = "";
	char *fdir;
	DIR *d;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_status, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_status, "status takes no arguments");
	r = open_repo_or_report(&status);
	if (!r)
		return status;
	db = repo_catalog(r);
	if (!db || odb_foreach(r, count_object, &oc) < 0 ||
	    maint_referenced(r, &refs, &nref) < 0) {
		status = err_report();
		goto out;
	}
	maint_free_ids(refs, nref);
	events = db_query_int(db, "SELECT count(*) FROM events");
	experiments = db_query_int(db, "SELECT count(*) FROM experiments");
	runs = db_query_int(db, "SELECT count(*) FROM runs WHERE deleted = 0");
	if (events > 0) {
		last = db_query_int(db, "SELECT max(time) FROM events");
		mltime_format(last, when);
	}
	fdir = repo_path(r, "features");
	if ((d = opendir(fdir))) {
		struct dirent *de;

		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);

			if (n > 3 && !strcmp(de->d_name + n - 3, ".db"))
				groups++;
		}
		closedir(d);
	}
	free(fdir);
	if (gopt.json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "repository", r->dir);
		cJSON_AddNumberToObject(o, "layout_version", REPO_LAYOUT_VERSION);
		cJSON_AddNumberToObject(o, "objects",
					(double)(oc.raw + oc.compressed));
		cJSON_AddNumberToObject(o, "objects_compressed",
					(double)oc.compressed);
		cJSON_AddNumberToObject(o, "object_bytes", (double)oc.bytes);
		cJSON_AddNumberToObject(o, "referenced_objects", (double)nref);
		cJSON_AddNumberToObject(o, "stray_files", (double)oc.stray);
		cJSON_AddNumberToObject(o, "feature_groups", (double)groups);
		cJSON_AddNumberToObject(o, "events", (double)events);
		if (events > 0)
			cJSON_AddStringToObject(o, "last_event", when);
		else
			cJSON_AddNullToObject(o, "last_event");
		cJSON_AddNumberToObject(o, "config_entries", (double)r->cfg.nr);
		cJSON_AddNumberToObject(o, "experiments", (double)experiments);
		cJSON_AddNumberToObject(o, "runs", (double)runs);
		json_print_line(stdout, o);
		cJSON_Delete(o);
	} else {
		printf("repository:      %s\n", r->dir);
		printf("layout version:  %d\n", REPO_LAYOUT_VERSION);
		printf("objects:         %zu (%zu compressed), %llu bytes stored\n",
		       oc.raw + oc.compressed, oc.compressed,
		       (unsigned long long)oc.bytes);
		printf("referenced:      %zu objects\n", nref);
		if (oc.stray)
			printf("stray files:     %zu (see 'mlrepo fsck')\n",
			       oc.stray);
		printf("feature groups:  %zu\n", groups);
		printf("experiments:     %lld, %lld runs\n", (long long)experiments,
		       (long long)runs);
		printf("events:          %lld%s%s\n", (long long)events,
		       events > 0 ? ", last at " : "", when);
	}
	if (out_flush(stdout) < 0)
		status = err_report();
out:
	repo_close(r);
	return status;
}
