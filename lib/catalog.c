/* catalog.c - see catalog.h */
#include "catalog.h"
#include "db.h"
#include "err.h"
#include "mltime.h"

const char *const catalog_migrations[] = {
	/* 1: the event journal and object references */
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  uid TEXT NOT NULL UNIQUE,"  /* random, the same in every clone */
	"  time INTEGER NOT NULL,"     /* UTC microseconds */
	"  who TEXT NOT NULL,"	       /* user@host */
	"  tool TEXT NOT NULL,"
	"  argv TEXT NOT NULL,"	       /* JSON array */
	"  action TEXT NOT NULL,"      /* object.write, config.set, ... */
	"  subject TEXT,"	       /* what changed: an id, a key */
	"  detail TEXT"		       /* JSON object or NULL */
	");"
	"CREATE INDEX events_time ON events(time);"
	"CREATE TABLE objrefs ("
	"  oid TEXT NOT NULL,"
	"  owner TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  PRIMARY KEY (oid, owner)"
	") WITHOUT ROWID;"
	"CREATE INDEX objrefs_owner ON objrefs(owner)",

	/* 2: experiment tracking (exp-log; lib/runs.h) */
	"CREATE TABLE experiments ("
	"  name TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE experiment_tags ("
	"  experiment TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (experiment, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY,"	      /* 32 hex */
	"  experiment TEXT NOT NULL,"
	"  name TEXT,"
	"  status TEXT NOT NULL,"	      /* running finished failed killed */
	"  start_time INTEGER NOT NULL,"
	"  end_time INTEGER,"
	"  user TEXT, host TEXT, cwd TEXT,"
	"  command TEXT,"		      /* JSON array */
	"  git_commit TEXT, git_dirty INTEGER,"
	"  parent TEXT,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  exit_status INTEGER,"	      /* exp-log run */
	"  wall_time REAL, cpu_time REAL, max_rss_kb INTEGER"
	") WITHOUT ROWID;"
	"CREATE INDEX runs_start ON runs(start_time);"
	"CREATE INDEX runs_experiment ON runs(experiment, start_time);"
	"CREATE TABLE params ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE tags ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	/* every point; value NULL is NaN (SQLite has no NaN) */
	"CREATE TABLE metrics ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  step INTEGER NOT NULL, value REAL, time INTEGER NOT NULL,"
	"  PRIMARY KEY (run, key, seq)"
	") WITHOUT ROWID;"
	/* per run and key: the current value (largest step, then last
	 * logged), the largest step and the count, kept by every writer */
	"CREATE TABLE latest ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, value REAL,"
	"  step INTEGER NOT NULL, seq INTEGER NOT NULL,"
	"  max_step INTEGER NOT NULL, n INTEGER NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX latest_key ON latest(key, value);"
	"CREATE TABLE artifacts ("
	"  run TEXT NOT NULL, name TEXT NOT NULL, oid TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"		      /* file or dir */
	"  size INTEGER NOT NULL, time INTEGER NOT NULL,"
	"  PRIMARY KEY (run, name)"
	") WITHOUT ROWID",

	/* 3: searching by key and value (exp-log ls --filter) */
	"CREATE INDEX params_key ON params(key, value);"
	"CREATE INDEX tags_key ON tags(key, value)",

	/* 4: when a run last changed, for bundles (the later one wins) */
	"ALTER TABLE runs ADD COLUMN time INTEGER NOT NULL DEFAULT 0;"
	"UPDATE runs SET time = coalesce(end_time, start_time)",
	NULL
};

const struct catalog_table catalog_bundle_tables[] = {
	{ "events", "time", "id", NULL },
	{ "objrefs", "time", NULL, NULL },
	{ "experiments", "created", NULL, NULL },
	{ "experiment_tags", "time", NULL, "experiment, key" },
	{ "runs", "time", NULL, "id" },
	{ "params", "time", NULL, NULL },
	{ "tags", "time", NULL, "run, key" },
	{ "metrics", "time", NULL, NULL },
	{ "artifacts", "time", NULL, "run, name" },
	{ NULL, NULL, NULL, NULL }
};

int catalog_ref_add(sqlite3 *db, const char *oid, const char *owner)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT OR IGNORE INTO objrefs"
					  "(oid, owner, time) VALUES (?,?,?)");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, oid);
	db_bind_text(st, 2, owner);
	db_bind_int64(st, 3, mltime_now());
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int catalog_ref_drop_prefix(sqlite3 *db, const char *prefix)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM objrefs WHERE "
					  "substr(owner, 1, length(?1)) = ?1");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, prefix);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db) : -1;
}

int catalog_ref_drop_owner(sqlite3 *db, const char *owner)
{
	sqlite3_stmt *st = db_prepare(db, "DELETE FROM objrefs WHERE owner=?");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, owner);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db) : -1;
}
