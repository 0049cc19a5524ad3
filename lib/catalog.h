/*
 * catalog.h - the catalog database (.mlrepo/catalog.db): its schema and the
 * tables every tool shares.
 *
 * The schema is one list of forward migrations, each domain's own kept in
 * its module (domain.h) and assembled by domain_migrations(); db_migrate()
 * applies them when a tool opens the catalog.  Append new versions at the
 * end; never edit a released one.
 *
 * It is also the repository's own domain (domain.h), and where any id
 * table resolves an abbreviated id.
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

#include "domain.h"

struct strbuf;

/* Record that `owner` references object `oid`.  0 or -1. */
int catalog_ref_add(sqlite3 *db, const char *oid, const char *owner);
/* Drop every reference held by `owner`.  Returns the count or -1. */
int catalog_ref_drop_owner(sqlite3 *db, const char *owner);

/* Drop every reference whose owner starts with `prefix` ("run:ab12.../"). */
int catalog_ref_drop_prefix(sqlite3 *db, const char *prefix);

/*
 * Call fn for every object id referenced by a reference recorded at or
 * after `since` (INT64_MIN: all), in id order, each once.  0 or -1.
 */
int catalog_refs(sqlite3 *db, int64_t since, domain_ref_fn fn, void *data);
/* Append " OWNER" for every owner of a reference to `oid`.  0 or -1. */
int catalog_ref_owners(sqlite3 *db, const char *oid, struct strbuf *out);

/*
 * The repository's own domain (domain.h): the events and objrefs tables,
 * the first migration, its line in `mlrepo status`.
 */
extern const struct domain catalog_domain;

/*
 * Resolve `given`, a unique prefix of 6 to 32 hex digits (any case), to a
 * full id in column `col` of `table` (fixed names from the caller, never
 * user input).  `what` names the kind in messages ("run").  Writes the id
 * (at most 32 hex and a NUL) to `id`.  Returns 0, or -1 with error_input()
 * for a malformed, unknown or ambiguous prefix, error() otherwise.
 */
int catalog_resolve_id(sqlite3 *db, const char *table, const char *col,
		       const char *what, const char *given, char id[33]);

#endif
