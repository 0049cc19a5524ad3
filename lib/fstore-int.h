/*
 * fstore-int.h - what the feature store's own files (fstore.c,
 * fstore-ingest.c, fstore-join.c) share; not for other modules.
 */
#ifndef MLREPO_FSTORE_INT_H
#define MLREPO_FSTORE_INT_H

#include "fstore.h"

/*
 * The index of column `name` among the group's entity columns (0 ..
 * nentity-1) and features (nentity + j), with its type; -1 if none.
 */
int fs_group_column(const struct fs_group *g, const char *name,
		    enum table_type *type);
/* .mlrepo/features/NAME.db (the caller frees it). */
char *fs_group_path(struct repo *r, const char *name);
/*
 * Fill `g` from a schema version's stored JSON (`file` names the group's
 * file in the message); -1 with error() "FILE: a schema version that
 * cannot be read".
 */
int fs_group_parse_spec(struct fs_group *g, const char *text,
			const char *file);
/*
 * Make a just-created group file's pages 16 KiB (before any table; the
 * file leaves WAL mode until it is opened again).  0 or -1.
 */
int fs_group_new_file(sqlite3 *db);
/*
 * Create a new group file's tables in the open database `db`: schema,
 * batches, and rows with the columns of `g` (no schema version yet).
 */
int fs_group_create_tables(sqlite3 *db, const struct fs_group *g);
/* The column type a table_type is stored as. */
const char *fs_sql_type(enum table_type t);

struct table_writer;
/*
 * The features a "F1,F2" list names (NULL: all), as indexes into
 * g->features, in the list's order: *idx (the caller frees it), *n.  A
 * name the group lacks, or one given twice, is error_input().
 */
int fs_pick_features(const struct fs_group *g, const char *list, int **idx,
		     int *n);
/* Write column `col` of a rows query as a value of `type` (NULL: missing). */
void fs_write_value(struct table_writer *w, sqlite3_stmt *st, int col,
		    enum table_type type);

#endif
