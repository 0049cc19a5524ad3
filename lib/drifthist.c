/*
 * drifthist.c - drift history: the schema and domain, recording a check
 * with its severity, and reading the checks back (drifthist.h).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "domain.h"
#include "drifthist.h"
#include "err.h"
#include "events.h"
#include "mltime.h"
#include "names.h"
#include "strbuf.h"
#include "tabout.h"

static const struct domain_migration migrations[] = {
	/* 10: drift history (drift-check --record) */
	{ 10,
	  "CREATE TABLE IF NOT EXISTS drift_checks ("
	  "  id TEXT PRIMARY KEY,"	/* 32 hex digits */
	  "  name TEXT NOT NULL,"	/* --record NAME */
	  "  time INTEGER NOT NULL,"
	  "  model TEXT,"		/* --model, or NULL */
	  "  drift INTEGER NOT NULL,"	/* the verdict, 0 or 1 */
	  "  severity TEXT NOT NULL,"	/* none warning critical */
	  "  share REAL NOT NULL,"	/* of drifted columns */
	  "  drifted INTEGER NOT NULL, ncols INTEGER NOT NULL,"
	  "  streak INTEGER NOT NULL,"	/* place in the episode; 0 clean */
	  "  episode_start INTEGER,"	/* its first check's time; NULL */
	  "  result TEXT NOT NULL,"	/* the check's JSON object */
	  "  who TEXT"			/* user@host */
	  ") WITHOUT ROWID;"
	  "CREATE INDEX IF NOT EXISTS drift_checks_name ON "
	  "drift_checks(name, time)" },
	{ 0, NULL }
};

static const struct domain_col check_cols[] = {
	{ "id", DOMAIN_COL_ID32 }, { "time", DOMAIN_COL_TIME }, { NULL, 0 }
};

static const struct domain_table tables[] = {
	/* a check never changes */
	{ "drift_checks", "time", NULL, NULL, check_cols, NULL, NULL, NULL,
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

/*
 * Each row on its own: the streak of checks of one NAME made in two
 * repositories and bundled together need not follow on from the row
 * before it, so fsck does not ask it to.
 */
static const struct domain_check checks[] = {
	{ "drift_checks", NULL, NULL },
	{ "drift_checks", "drift checks whose result is not a JSON object",
	  "SELECT count(*) FROM drift_checks WHERE CASE WHEN "
	  "json_valid(result) THEN json_type(result) IS NOT 'object' "
	  "ELSE 1 END" },
	{ "drift_checks", "drift checks whose severity is not none, warning "
			  "or critical as their verdict says",
	  "SELECT count(*) FROM drift_checks WHERE severity NOT IN "
	  "('none', 'warning', 'critical') OR drift NOT IN (0, 1) OR "
	  "(drift = 0) <> (severity = 'none')" },
	{ "drift_checks", "drift checks whose streak or episode does not fit "
			  "their verdict",
	  "SELECT count(*) FROM drift_checks WHERE CASE WHEN drift = 0 THEN "
	  "streak <> 0 OR episode_start IS NOT NULL ELSE streak < 1 OR "
	  "episode_start IS NULL OR episode_start > time OR "
	  "(streak = 1) <> (episode_start = time) END" },
	{ "drift_checks", "drift checks whose column counts do not add up",
	  "SELECT count(*) FROM drift_checks WHERE drifted < 0 OR ncols < 0 "
	  "OR drifted > ncols OR NOT (share BETWEEN 0 AND 1)" },
	{ NULL, NULL, NULL }
};

/* The checks whose NAME has no later check: the latest of each NAME. */
#define LATEST_CHECKS                                                         \
	"FROM drift_checks c WHERE NOT EXISTS (SELECT 1 FROM drift_checks d " \
	"WHERE d.name = c.name AND (d.time > c.time OR (d.time = c.time "     \
	"AND d.id > c.id)))"

/* drift checks:    N (M names, K open episodes) */
static int status(struct repo *r, sqlite3 *db, struct domain_status *st)
{
	int64_t checks_n = db_query_int(db, "SELECT count(*) FROM "
					    "drift_checks");
	int64_t names = db_query_int(db, "SELECT count(DISTINCT name) FROM "
					 "drift_checks");
	int64_t open = db_query_int(db, "SELECT count(*) " LATEST_CHECKS
					" AND c.drift");

	(void)r;
	if (checks_n < 0 || names < 0 || open < 0)
		return -1;
	strbuf_addf(st->text, "drift checks:    %lld (%lld name%s, %lld open "
		    "episode%s)\n", (long long)checks_n, (long long)names,
		    names == 1 ? "" : "s", (long long)open,
		    open == 1 ? "" : "s");
	cJSON_AddNumberToObject(st->json, "drift_checks", (double)checks_n);
	cJSON_AddNumberToObject(st->json, "drift_names", (double)names);
	cJSON_AddNumberToObject(st->json, "drift_open_episodes", (double)open);
	return 0;
}

const struct domain drift_domain = {
	.name = "drift",
	.migrations = migrations,
	.tables = tables,
	.checks = checks,
	.status = status,
};

/* ---- recording ------------------------------------------------------- */

const char *drift_severity_unrecorded(int drift)
{
	return drift ? "warning" : "none";
}

/* The latest check of `name`: 1 (fields set), 0 when none, -1. */
static int latest(sqlite3 *db, const char *name, int64_t *time, int *drift,
		  int *streak, int64_t *episode_start)
{
	sqlite3_stmt *st = db_prepare(
		db, "SELECT time, drift, streak, episode_start FROM "
		    "drift_checks WHERE name = ? ORDER BY time DESC, id DESC "
		    "LIMIT 1");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		*time = sqlite3_column_int64(st, 0);
		*drift = sqlite3_column_int(st, 1);
		*streak = sqlite3_column_int(st, 2);
		*episode_start = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int found_one(const struct event *e, void *data)
{
	(void)e;
	*(int *)data = 1;
	return 1;
}

/* Was `model` promoted (to any alias) after `since`?  1, 0 or -1. */
static int promoted_after(sqlite3 *db, const char *model, int64_t since)
{
	struct event_filter f = EVENT_FILTER_INIT;
	int found = 0;

	f.since = since + 1;
	f.action = "model.promote";
	f.subject = model;
	f.limit = 1;
	if (events_query(db, &f, found_one, &found) < 0)
		return -1;
	return found;
}

/*
 * The drifted columns for the journal: from the result's "columns"
 * (items with "drift": true), else from the comma-separated list.
 */
static cJSON *drifted_columns(const cJSON *result, const char *csv)
{
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(result, "columns");
	cJSON *out = cJSON_CreateArray();
	const cJSON *c;

	if (cJSON_IsArray(cols)) {
		cJSON_ArrayForEach(c, cols)
		{
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(
				c, "column");

			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
				    c, "drift")) && cJSON_IsString(n))
				cJSON_AddItemToArray(
					out, cJSON_CreateString(n->valuestring));
		}
		return out;
	}
	while (csv && *csv) {
		size_t len = strcspn(csv, ",");
		char *one = xstrndup(csv, len);

		cJSON_AddItemToArray(out, cJSON_CreateString(one));
		free(one);
		csv += len + (csv[len] == ',');
	}
	return out;
}

/* The journal's record of a check. */
static int journal(sqlite3 *db, const struct drift_rec_in *in,
		   const struct drift_rec_out *out, const cJSON *result)
{
	cJSON *d = cJSON_CreateObject();
	char *text;
	int rc;

	cJSON_AddStringToObject(d, "id", out->id);
	cJSON_AddStringToObject(d, "severity", out->severity);
	cJSON_AddNumberToObject(d, "share", in->share);
	cJSON_AddNumberToObject(d, "drifted", in->drifted);
	cJSON_AddNumberToObject(d, "ncols", in->ncols);
	cJSON_AddItemToObject(d, "columns",
			      drifted_columns(result, in->columns_csv));
	cJSON_AddNumberToObject(d, "streak", out->streak);
	if (in->model)
		cJSON_AddStringToObject(d, "model", in->model);
	if (out->promoted)
		cJSON_AddBoolToObject(d, "promoted", 1);
	text = json_print_exact(d, 0);
	cJSON_Delete(d);
	rc = events_add(db, "drift.check", in->name, text);
	free(text);
	return rc;
}

static int insert(sqlite3 *db, const struct drift_rec_in *in,
		  const struct drift_rec_out *out, const char *result)
{
	sqlite3_stmt *st = db_prepare(
		db, "INSERT INTO drift_checks(id, name, time, model, drift, "
		    "severity, share, drifted, ncols, streak, episode_start, "
		    "result, who) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
		    "?)");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, out->id);
	db_bind_text(st, 2, in->name);
	db_bind_int64(st, 3, out->time);
	if (in->model)
		db_bind_text(st, 4, in->model);
	db_bind_int64(st, 5, in->drift != 0);
	db_bind_text(st, 6, out->severity);
	sqlite3_bind_double(st, 7, in->share);
	db_bind_int64(st, 8, in->drifted);
	db_bind_int64(st, 9, in->ncols);
	db_bind_int64(st, 10, out->streak);
	if (out->episode_start)
		db_bind_int64(st, 11, out->episode_start);
	db_bind_text(st, 12, result);
	db_bind_text(st, 13, events_who());
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int drift_record(struct repo *r, sqlite3 *db, const struct drift_rec_in *in,
		 struct drift_rec_out *out)
{
	cJSON *result = NULL;
	char *text = NULL;
	int64_t prev_time = 0, prev_start = 0, now;
	int prev_drift = 0, prev_streak = 0, have, promoted = 0, rc = -1;

	(void)r;
	memset(out, 0, sizeof(*out));
	if (names_check("drift check", in->name) < 0 ||
	    (in->model && names_check("model", in->model) < 0))
		return -1;
	if (in->escalate_after < 1)
		return error_input("--escalate-after must be at least 1, not "
				   "%d", in->escalate_after);
	if (!(in->share >= 0 && in->share <= 1) || in->drifted < 0 ||
	    in->ncols < 0 || in->drifted > in->ncols)
		return error("drift check '%s': %d of %d columns drifted, "
			     "share %g: these do not add up", in->name,
			     in->drifted, in->ncols, in->share);
	result = in->result_json ? cJSON_Parse(in->result_json) : NULL;
	if (!cJSON_IsObject(result)) {
		cJSON_Delete(result);
		return error("drift check '%s': the result to record is not a "
			     "JSON object", in->name);
	}
	if (events_random_hex(out->id) < 0)
		goto out_free;

	if (db_begin(db) < 0)
		goto out_free;
	have = latest(db, in->name, &prev_time, &prev_drift, &prev_streak,
		      &prev_start);
	if (have < 0)
		goto out_rollback;
	now = mltime_now();
	if (have && now <= prev_time)
		now = prev_time + 1;
	out->time = now;
	if (!in->drift) {
		out->severity = "none";
	} else {
		if (have && prev_drift && prev_streak > 0 && prev_start) {
			out->streak = prev_streak + 1;
			out->episode_start = prev_start;
		} else {
			out->streak = 1;
			out->episode_start = now;
		}
		if (in->model) {
			promoted = promoted_after(db, in->model,
						  out->episode_start);
			if (promoted < 0)
				goto out_rollback;
		}
		out->promoted = promoted;
		out->severity = out->streak >= in->escalate_after || promoted
					? "critical"
					: "warning";
	}
	cJSON_DeleteItemFromObjectCaseSensitive(result, "severity");
	cJSON_AddStringToObject(result, "severity", out->severity);
	text = json_print_exact(result, 0);
	if (insert(db, in, out, text) < 0 || journal(db, in, out, result) < 0)
		goto out_rollback;
	if (db_commit(db) < 0)
		goto out_free;
	rc = 0;
	goto out_free;
out_rollback:
	db_rollback(db);
out_free:
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	free(text);
	cJSON_Delete(result);
	return rc;
}

/* ---- reading --------------------------------------------------------- */

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int drift_history(sqlite3 *db, const char *name,
		  int (*fn)(const struct drift_hist_row *row, void *data),
		  void *data)
{
	sqlite3_stmt *st = db_prepare(
		db, "SELECT id, name, time, model, drift, severity, share, "
		    "drifted, ncols, streak, episode_start, result, who FROM "
		    "drift_checks WHERE name = ? ORDER BY time, id");
	int rc, n = 0, r = 0;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct drift_hist_row row;

		row.id = col_text(st, 0);
		row.name = col_text(st, 1);
		row.time = sqlite3_column_int64(st, 2);
		row.model = col_text(st, 3);
		row.drift = sqlite3_column_int(st, 4);
		row.severity = col_text(st, 5);
		row.share = sqlite3_column_double(st, 6);
		row.drifted = sqlite3_column_int(st, 7);
		row.ncols = sqlite3_column_int(st, 8);
		row.streak = sqlite3_column_int(st, 9);
		row.episode_start = sqlite3_column_int64(st, 10);
		row.result = col_text(st, 11);
		row.who = col_text(st, 12);
		n++;
		r = fn(&row, data);
		if (r) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE || r < 0)
		return -1;
	return n;
}
