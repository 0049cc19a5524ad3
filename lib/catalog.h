/*
 * catalog.h - the catalog database (.mlrepo/catalog.db): its schema and the
 * tables every tool shares.
 *
 * The schema is a list of forward migrations (catalog_migrations), applied
 * by db_migrate() when a tool opens the catalog.  Append new versions at
 * the end; never edit a released one.
 *
 * objrefs records which objects the catalog references and who holds each
 * reference ("owner", e.g. "run:4f2a.../artifact:model.pkl").  It is what
 * `mlrepo gc` keeps and what `mlrepo fsck` checks exists.  Tools add a
 * reference in the same transaction that records the thing owning it.
 */
#ifndef MLREPO_CATALOG_H
#define MLREPO_CATALOG_H

#include <sqlite3.h>
#include <stdint.h>

extern const char *const catalog_migrations[];

/* Record that `owner` references object `oid`.  0 or -1. */
int catalog_ref_add(sqlite3 *db, const char *oid, const char *owner);
/* Drop every reference held by `owner`.  Returns the count or -1. */
int catalog_ref_drop_owner(sqlite3 *db, const char *owner);

/* Drop every reference whose owner starts with `prefix` ("run:ab12.../"). */
int catalog_ref_drop_prefix(sqlite3 *db, const char *prefix);

/*
 * The tables a bundle carries, in the order they are loaded, with the
 * column that says when a row was made or last changed (for `bundle create
 * --since`) and a local row id to leave out (NULL: none).  Each table has a
 * key that is the same in every repository (a random uid, a run id and a
 * key, a content id).  Rows that never change are inserted with INSERT OR
 * IGNORE; for rows that do (a run that ended, a tag set again), `newer`
 * names the key and the row with the later time wins.  Either way a
 * second unbundle of the same file changes nothing.  New tables go at the
 * end: a bundle names its entries by position (catalog/NN-TABLE.jsonl).
 */
struct catalog_table {
	const char *name;
	const char *time_col;
	const char *local_id;
	const char *newer; /* conflict key for "the later time wins", or NULL */
};
extern const struct catalog_table catalog_bundle_tables[];

#endif
