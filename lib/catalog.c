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
	NULL
};

const struct catalog_table catalog_bundle_tables[] = {
	{ "events", "time", "id" },
	{ "objrefs", "time", NULL },
	{ NULL, NULL, NULL }
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
