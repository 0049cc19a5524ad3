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
/* The column type a table_type is stored as. */
const char *fs_sql_type(enum table_type t);

#endif
