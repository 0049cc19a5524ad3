/* catalog.c - see catalog.h */
#include <ctype.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "err.h"
#include "mltime.h"
#include "names.h"
#include "strbuf.h"

static const struct domain_migration migrations[] = {
	/* 1: the event journal and object references */
	{ 1,
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
	"CREATE INDEX objrefs_owner ON objrefs(owner)" },
	{ 0, NULL }
};

static const struct domain_col event_cols[] = {
	{ "uid", DOMAIN_COL_ID32 }, { "time", DOMAIN_COL_TIME }, { NULL, 0 }
};
static const struct domain_col objref_cols[] = {
	{ "oid", DOMAIN_COL_OBJECT }, { "time", DOMAIN_COL_TIME }, { NULL, 0 }
};

static const struct domain_table tables[] = {
	{ "events", "time", "id", NULL, event_cols, NULL, NULL, NULL, NULL },
	{ "objrefs", "time", NULL, NULL, objref_cols, NULL, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const struct domain_check checks[] = {
	{ "events", NULL, NULL },
	{ "objrefs", NULL, NULL },
	{ NULL, NULL, NULL }
};

/* events: N, last at TIME */
static int status(struct repo *r, sqlite3 *db, struct domain_status *st)
{
	int64_t events = db_query_int(db, "SELECT count(*) FROM events");
	char when[MLTIME_BUFSZ] = "";

	(void)r;
	if (events < 0)
		return -1;
	if (events > 0) {
		int64_t last = db_query_int(db, "SELECT max(time) FROM events");

		if (last < 0)
			return -1;
		mltime_format(last, when);
	}
	strbuf_addf(st->text, "events:          %lld%s%s\n", (long long)events,
		    events > 0 ? ", last at " : "", when);
	cJSON_AddNumberToObject(st->json, "events", (double)events);
	if (events > 0)
		cJSON_AddStringToObject(st->json, "last_event", when);
	else
		cJSON_AddNullToObject(st->json, "last_event");
	return 0;
}

const struct domain catalog_domain = {
	.name = "repository",
	.migrations = migrations,
	.tables = tables,
	.checks = checks,
	.status = status,
};

int catalog_refs(sqlite3 *db, int64_t since, domain_ref_fn fn, void *data)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT DISTINCT oid FROM objrefs "
					  "WHERE time >= ? ORDER BY oid");
	int rc;

	if (!st)
		return -1;
	db_bind_int64(st, 1, since);
	while ((rc = db_step(st)) == SQLITE_ROW)
		if (fn(data, (const char *)sqlite3_column_text(st, 0)) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

int catalog_ref_owners(sqlite3 *db, const char *oid, struct strbuf *out)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT owner FROM objrefs WHERE "
					  "oid=? ORDER BY owner");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, oid);
	while ((rc = db_step(st)) == SQLITE_ROW)
		strbuf_addf(out, " %s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}

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

int catalog_resolve_id(sqlite3 *db, const char *table, const char *col,
		       const char *what, const char *given, char id[33])
{
	char lo[33], hi[34];
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st;
	size_t len = strlen(given), i;
	int n = 0, rc;

	if (len < 6 || len > 32)
		return error_input("not a %s id: '%s' (give 6 to 32 hex "
				   "digits)", what, given);
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)given[i]))
			return error_input("not a %s id: '%s'", what, given);
		lo[i] = (char)tolower((unsigned char)given[i]);
	}
	lo[len] = '\0';
	memcpy(hi, lo, len);
	hi[len] = 'g'; /* just past every hex digit */
	hi[len + 1] = '\0';
	strbuf_addstr(&sql, "SELECT ");
	names_sql_ident(&sql, col);
	strbuf_addstr(&sql, " FROM ");
	names_sql_ident(&sql, table);
	strbuf_addstr(&sql, " WHERE ");
	names_sql_ident(&sql, col);
	strbuf_addstr(&sql, " >= ? AND ");
	names_sql_ident(&sql, col);
	strbuf_addstr(&sql, " < ? ORDER BY 1 LIMIT 2");
	st = db_prepare(db, sql.buf);
	strbuf_release(&sql);
	if (!st)
		return -1;
	db_bind_text(st, 1, lo);
	db_bind_text(st, 2, hi);
	while ((rc = db_step(st)) == SQLITE_ROW)
		if (!n++)
			snprintf(id, 33, "%s",
				 (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	if (!n)
		return error_input("no such %s: '%s'", what, given);
	if (n > 1)
		return error_input("ambiguous %s id prefix '%s': give more "
				   "digits", what, given);
	return 0;
}
