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
#include "setup.h"
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
	if ((status = setup_now()))
		return status;
	r = the_repo;
	n = maint_fsck(r, print_problem, NULL, &objects);
	if (n < 0)
		status = err_report();
	else if (n > 0)
		status = EXIT_NEGATIVE;
	if (out_flush(stdout) < 0)
		status = err_report();
	if (n >= 0 && !gopt.quiet)
		fprintf(stderr, "%s: checked %zu objects; %d problem%s%s\n",
			err_progname(), objects, n, n == 1 ? "" : "s",
			r->read_only ? " (read-only repository, checked "
				       "without writing)" : "");
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
	/* --dry-run only reads; removing needs a writable repository */
	if ((status = setup_repo(dry ? tool_setup : SETUP_REPO)))
		return status;
	r = the_repo;
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
		struct event_detail d = EVENT_DETAIL_INIT;

		event_detail_int(&d, "objects", (int64_t)res.objects);
		event_detail_int(&d, "bytes", (int64_t)res.bytes);
		event_detail_int(&d, "tmpfiles", (int64_t)res.tmpfiles);
		if (!db || events_add_detail(db, "gc", prune, &d) < 0) {
			event_detail_release(&d);
			status = err_report();
			goto out;
		}
	}
	/*
	 * Last, the catalog's WAL into catalog.db, so that the file alone
	 * holds the whole catalog (a copy, a read-only reader: db.h).  When
	 * other processes keep it from finishing, the next gc does it.
	 */
	if (!dry) {
		sqlite3 *db = repo_catalog(r);

		if (!db || db_checkpoint(db) < 0) {
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
	return status;
}

static const char *const usage_log[] = {
	"mlrepo log [--since TIME] [--until TIME] [--action ACTION] "
	"[--limit N] [--reverse] [--json]",
	NULL
};

struct log_out {
	struct tabout *tab; /* NULL with --json */
};

static int log_event(const struct event *e, void *data)
{
	struct log_out *lo = data;
	char when[MLTIME_BUFSZ];

	mltime_format(e->time, when);
	if (!lo->tab) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "time", when);
		cJSON_AddStringToObject(o, "who", e->who);
		cJSON_AddStringToObject(o, "tool", e->tool);
		cJSON_AddItemToObject(o, "argv", cJSON_Parse(e->argv));
		cJSON_AddStringToObject(o, "action", e->action);
		if (e->subject)
			cJSON_AddStringToObject(o, "subject", e->subject);
		else
			cJSON_AddNullToObject(o, "subject");
		if (e->detail)
			cJSON_AddItemToObject(o, "detail", cJSON_Parse(e->detail));
		else
			cJSON_AddNullToObject(o, "detail");
		cJSON_AddStringToObject(o, "uid", e->uid);
		json_print_line(stdout, o);
		cJSON_Delete(o);
	} else {
		const char *cells[5] = { when, e->who, e->tool, e->action,
					 e->subject ? e->subject : "" };

		tabout_add(lo->tab, cells);
	}
	return 0;
}

int cmd_log(int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *action = NULL;
	long long limit = LLONG_MIN; /* not given */
	int reverse = 0, status = 0;
	struct event_filter f = EVENT_FILTER_INIT;
	static const char *const headers[] = { "TIME", "WHO", "TOOL",
					       "ACTION", "SUBJECT" };
	struct log_out lo = { NULL };
	struct repo *r;
	sqlite3 *db;
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
	if ((since && mltime_parse(since, &f.since) < 0) ||
	    (until && mltime_parse(until, &f.until) < 0)) {
		err_prefix("%s: ", since && f.since == INT64_MIN ? "--since"
								 : "--until");
		return err_report();
	}
	f.action = action;
	f.limit = limit;
	f.reverse = reverse;
	if ((status = setup_now()))
		return status;
	r = the_repo;
	db = repo_catalog(r);
	if (!gopt.json)
		lo.tab = tabout_new(5, headers);
	if (!db || events_query(db, &f, log_event, &lo) < 0) {
		status = err_report();
		goto out;
	}
	if (lo.tab && tabout_print(lo.tab, stdout) < 0)
		status = err_report();
	else if (out_flush(stdout) < 0)
		status = err_report();
out:
	tabout_free(lo.tab);
	return status;
}

static const char *const usage_status[] = { "mlrepo status [--json]", NULL };

int cmd_status(int argc, char **argv)
{
	int status = 0;
	struct strbuf text = STRBUF_INIT;
	cJSON *o = cJSON_CreateObject();
	struct repo *r;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_status, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out_free;
	}
	if (argc != 1) {
		status = opt_usage_error(usage_status,
					 "status takes no arguments");
		goto out_free;
	}
	if ((status = setup_now()))
		goto out_free;
	r = the_repo;
	if (maint_status(r, &text, o) < 0) {
		status = err_report();
		goto out;
	}
	if (gopt.json)
		json_print_line(stdout, o);
	else
		fputs(text.buf, stdout);
	if (out_flush(stdout) < 0)
		status = err_report();
out:
out_free:
	cJSON_Delete(o);
	strbuf_release(&text);
	return status;
}
