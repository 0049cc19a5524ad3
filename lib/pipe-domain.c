/*
 * pipe-domain.c - pipeline runs in the catalog: the schema, the domain
 * (fsck, gc through objrefs, bundles) and the history queries of
 * `pipe-run log` and `pipe-run show` (piperun.h).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "err.h"
#include "piperun.h"
#include "strbuf.h"

static const struct domain_migration migrations[] = {
	/* 8: pipeline runs (pipe-run) */
	{ 8,
	  "CREATE TABLE IF NOT EXISTS pipe_runs ("
	  "  id TEXT PRIMARY KEY,"
	  "  pipeline TEXT NOT NULL," /* the file's absolute path */
	  "  file_obj TEXT,"	      /* its content, an object */
	  "  params TEXT,"	      /* JSON object */
	  "  targets TEXT,"	      /* JSON array */
	  "  exp_run TEXT,"	      /* the exp-log run */
	  "  user TEXT, host TEXT,"
	  "  start_time INTEGER NOT NULL, end_time INTEGER,"
	  "  status TEXT NOT NULL,"   /* running finished failed killed */
	  "  time INTEGER NOT NULL"   /* last change */
	  ") WITHOUT ROWID;"
	  "CREATE INDEX IF NOT EXISTS pipe_runs_start ON pipe_runs(start_time);"
	  "CREATE TABLE IF NOT EXISTS pipe_stages ("
	  "  run TEXT NOT NULL, stage TEXT NOT NULL,"
	  "  status TEXT NOT NULL," /* ran cached failed */
	  "  attempts INTEGER NOT NULL, exit_status INTEGER,"
	  "  start_time INTEGER NOT NULL, end_time INTEGER NOT NULL,"
	  "  wall REAL, cpu REAL, max_rss_kb INTEGER,"
	  "  cache_key TEXT, cached_from TEXT,"
	  "  entry TEXT," /* the lock entry: cmd, params, deps, outs */
	  "  reasons TEXT," /* why it was stale */
	  "  log TEXT,"	  /* the output, an object */
	  "  exp_run TEXT,"
	  "  time INTEGER NOT NULL,"
	  "  PRIMARY KEY (run, stage)"
	  ") WITHOUT ROWID;"
	  "CREATE INDEX IF NOT EXISTS pipe_stages_cache ON pipe_stages(cache_key);"
	  /* local only: the hashes of files that did not change */
	  "CREATE TABLE IF NOT EXISTS pipe_hashes ("
	  "  path TEXT PRIMARY KEY, size INTEGER NOT NULL,"
	  "  mtime_ns INTEGER NOT NULL, ino INTEGER NOT NULL,"
	  "  hashed_at INTEGER NOT NULL, id TEXT NOT NULL"
	  ") WITHOUT ROWID" },
	{ 0, NULL }
};

static const struct domain_col run_cols[] = {
	{ "id", DOMAIN_COL_ID32 }, { "time", DOMAIN_COL_TIME },
	{ "start_time", DOMAIN_COL_TIME }, { NULL, 0 }
};
static const struct domain_col stage_cols[] = {
	{ "run", DOMAIN_COL_ID32 }, { "time", DOMAIN_COL_TIME },
	{ "start_time", DOMAIN_COL_TIME }, { "end_time", DOMAIN_COL_TIME },
	{ NULL, 0 }
};

static const struct domain_table tables[] = {
	/* a run goes with any stage of it that is carried */
	{ "pipe_runs", "time", NULL, "id", run_cols, NULL,
	  "id IN (SELECT run FROM pipe_stages WHERE time >= ?1)", NULL,
	  NULL },
	{ "pipe_stages", "time", NULL, "run, stage", stage_cols, NULL, NULL,
	  NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const struct domain_check checks[] = {
	{ "pipe_runs", NULL, NULL },
	{ "pipe_stages", NULL, NULL },
	{ "pipe_hashes", NULL, NULL },
	{ "pipe_stages", "stages of pipeline runs that do not exist",
	  "SELECT count(*) FROM pipe_stages WHERE run NOT IN "
	  "(SELECT id FROM pipe_runs)" },
	{ "objrefs", "object references held by pipeline runs that do not "
		     "exist",
	  "SELECT count(*) FROM objrefs WHERE owner LIKE 'pipe:%' AND "
	  "substr(owner, 6, 32) NOT IN (SELECT id FROM pipe_runs)" },
	{ NULL, NULL, NULL }
};

static int status(struct repo *r, sqlite3 *db, struct domain_status *st)
{
	int64_t runs = db_query_int(db, "SELECT count(*) FROM pipe_runs");

	(void)r;
	if (runs < 0)
		return -1;
	strbuf_addf(st->text, "pipeline runs:   %lld\n", (long long)runs);
	cJSON_AddNumberToObject(st->json, "pipeline_runs", (double)runs);
	return 0;
}

const struct domain pipe_domain = {
	.name = "pipelines",
	.migrations = migrations,
	.tables = tables,
	.checks = checks,
	.status = status,
};

/* ---- history ------------------------------------------------------------ */

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

#define RUN_COLS                                                              \
	"r.id, r.pipeline, r.status, r.exp_run, r.file_obj, r.params, "       \
	"r.start_time, r.end_time, "                                          \
	"(SELECT count(*) FROM pipe_stages s WHERE s.run = r.id AND "         \
	"s.status = 'ran'), "                                                 \
	"(SELECT count(*) FROM pipe_stages s WHERE s.run = r.id AND "         \
	"s.status = 'cached'), "                                              \
	"(SELECT count(*) FROM pipe_stages s WHERE s.run = r.id AND "         \
	"s.status = 'failed') "

static void read_run(sqlite3_stmt *st, struct pipe_run_info *ri)
{
	const unsigned char *id = sqlite3_column_text(st, 0);

	memset(ri, 0, sizeof(*ri));
	snprintf(ri->id, sizeof(ri->id), "%s", id ? (const char *)id : "");
	ri->pipeline = col_dup(st, 1);
	ri->status = col_dup(st, 2);
	ri->exp_run = col_dup(st, 3);
	ri->file_obj = col_dup(st, 4);
	ri->params = col_dup(st, 5);
	ri->start_time = sqlite3_column_int64(st, 6);
	ri->end_time = sqlite3_column_int64(st, 7);
	ri->nran = sqlite3_column_int(st, 8);
	ri->ncached = sqlite3_column_int(st, 9);
	ri->nfailed = sqlite3_column_int(st, 10);
}

void pipe_run_info_release(struct pipe_run_info *ri)
{
	free(ri->pipeline);
	free(ri->status);
	free(ri->exp_run);
	free(ri->file_obj);
	free(ri->params);
	memset(ri, 0, sizeof(*ri));
}

int pipe_runs_query(sqlite3 *db, const struct pipe_log_filter *f,
		    pipe_run_fn fn, void *data)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st;
	int rc, i = 0;

	strbuf_addstr(&sql, "SELECT " RUN_COLS "FROM pipe_runs r WHERE 1");
	if (f->pipeline)
		strbuf_addstr(&sql, " AND r.pipeline = ?");
	if (f->stage)
		strbuf_addstr(&sql, " AND r.id IN (SELECT run FROM pipe_stages "
				    "WHERE stage = ?)");
	strbuf_addstr(&sql, " ORDER BY r.start_time DESC, r.id");
	if (f->limit > 0)
		strbuf_addf(&sql, " LIMIT %lld", (long long)f->limit);
	st = db_prepare(db, sql.buf);
	strbuf_release(&sql);
	if (!st)
		return -1;
	if (f->pipeline)
		db_bind_text(st, ++i, f->pipeline);
	if (f->stage)
		db_bind_text(st, ++i, f->stage);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct pipe_run_info ri;
		int r;

		read_run(st, &ri);
		r = fn(&ri, data);
		pipe_run_info_release(&ri);
		if (r) {
			sqlite3_finalize(st);
			return r < 0 ? -1 : 0;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int pipe_run_get(sqlite3 *db, const char *prefix, struct pipe_run_info *ri)
{
	char id[33];
	sqlite3_stmt *st;
	int rc, by_exp_run = 0;

	if (catalog_resolve_id(db, "pipe_runs", "id", "pipeline run", prefix,
			       id) < 0) {
		/* The pipeline run's exp-log run id (what `exp-log best` prints) */
		struct err_saved keep;

		err_save(&keep);
		if (catalog_resolve_id(db, "pipe_runs", "exp_run",
				       "pipeline run", prefix, id) < 0) {
			err_restore(&keep);
			return -1;
		}
		by_exp_run = 1;
	}
	st = db_prepare(db, by_exp_run
			? "SELECT " RUN_COLS "FROM pipe_runs r WHERE exp_run = ?"
			: "SELECT " RUN_COLS "FROM pipe_runs r WHERE id = ?");
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		read_run(st, ri);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return error_input("no pipeline run %s", id);
	return rc == SQLITE_ROW ? 0 : -1;
}

int pipe_run_stages(sqlite3 *db, const char *run, pipe_stage_fn fn,
		    void *data)
{
	sqlite3_stmt *st = db_prepare(
		db, "SELECT stage, status, cache_key, cached_from, entry, log, "
		    "exp_run, reasons, attempts, exit_status, start_time, "
		    "end_time, max_rss_kb, wall, cpu FROM pipe_stages "
		    "WHERE run = ? ORDER BY end_time, stage");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, run);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct pipe_stage_info si;
		int r;

		si.stage = col_dup(st, 0);
		si.status = col_dup(st, 1);
		si.cache_key = col_dup(st, 2);
		si.cached_from = col_dup(st, 3);
		si.entry = col_dup(st, 4);
		si.log = col_dup(st, 5);
		si.exp_run = col_dup(st, 6);
		si.reasons = col_dup(st, 7);
		si.attempts = sqlite3_column_int(st, 8);
		si.exit_status = sqlite3_column_type(st, 9) == SQLITE_NULL ?
					 -1 : sqlite3_column_int(st, 9);
		si.start_time = sqlite3_column_int64(st, 10);
		si.end_time = sqlite3_column_int64(st, 11);
		si.max_rss_kb = sqlite3_column_int64(st, 12);
		si.wall = sqlite3_column_double(st, 13);
		si.cpu = sqlite3_column_double(st, 14);
		r = fn(&si, data);
		free(si.stage);
		free(si.status);
		free(si.cache_key);
		free(si.cached_from);
		free(si.entry);
		free(si.log);
		free(si.exp_run);
		free(si.reasons);
		if (r) {
			sqlite3_finalize(st);
			return r < 0 ? -1 : 0;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
