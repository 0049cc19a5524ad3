/*
 * bundle.h - bundles: a .tar.gz that carries objects and catalog rows from
 * one repository to another (as `git bundle` carries commits).
 *
 * A bundle holds (mlrepo-layout(5)):
 *	BUNDLE                  JSON: format, version, created, since, counts
 *	catalog/NN-TABLE.jsonl  a header line {"columns":[...]}, then one JSON
 *	                        array of values per row
 *	objects/ab/cdef...[.z]  objects in their stored form
 *	files/DOMAIN/NAME       a domain's file kept outside catalog.db
 *
 * bundle_create() writes every row of every domain's bundle tables
 * (domain.h) made at or after `since` (INT64_MIN: all), the objects those
 * rows reference, the files the domains give and every object the domains'
 * refs callbacks name (whatever `since`), and every object whose file is at
 * least that recent; the file appears atomically (a temporary file
 * renamed), or with `path` "-" the bundle goes to standard output.
 * bundle_unbundle() verifies every object against its name
 * while storing it, checks each row on the columns its table names, then
 * inserts the rows in one transaction (INSERT OR IGNORE, or "the later
 * time wins" for rows that change; tables are known by name, NN only
 * records the writer's order), so a second unbundle of the same file
 * changes nothing (and records no event).  Each domain that got new rows
 * then runs its after_unbundle in the same transaction; the domains'
 * files are handed to them before it begins.
 *
 * Both return 0 or -1 with the error set; counts go to *stats.
 */
#ifndef MLREPO_BUNDLE_H
#define MLREPO_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct repo;

struct bundle_stats {
	size_t objects, objects_new;
	size_t rows, rows_new;
	/*
	 * unbundle: one line per row that conflicts with a local one (a param
	 * with another value); the local value was kept.  Initialised by
	 * bundle_unbundle(); the caller releases it.
	 */
	struct strbuf conflicts;
};

int bundle_create(struct repo *r, const char *path, int64_t since,
		  struct bundle_stats *stats);
int bundle_unbundle(struct repo *r, const char *path,
		    struct bundle_stats *stats);


#endif
