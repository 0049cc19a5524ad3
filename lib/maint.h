/*
 * maint.h - repository upkeep: fsck (find every problem) and gc (remove
 * what nothing references).
 *
 * maint_fsck() re-hashes every object, runs SQLite's integrity check on the
 * catalog, checks the layout and the
 * config, runs every domain's checks (domain.h: its tables, rows that point
 * at nothing, its own fsck for files outside the catalog; a catalog that
 * cannot be opened is a problem too), and checks that every object
 * referenced exists.  It calls report() once per problem (subject: an
 * object id, a file), and for each of a domain's notes ("note: ...", not
 * counted), and returns the number of problems.  A read-only
 * repository is checked without writing anything; -1 (error() set, exit 3)
 * when a database in it cannot be read that way (db_check_readable()):
 * that is not damage, and fsck cannot call it sound.
 *
 * maint_gc() removes objects that nothing references (no objrefs row, no
 * domain's refs callback) and whose file
 * is older than `prune_before` (UTC microseconds; writers refresh an
 * object's mtime when they reuse it, so the grace period protects a
 * reference being recorded right now), and temporary files older than an
 * hour.  With dry_run nothing is removed; each() is called for every
 * object that goes (or would go).
 */
#ifndef MLREPO_MAINT_H
#define MLREPO_MAINT_H

#include <stddef.h>
#include <stdint.h>

struct repo;

typedef void (*maint_problem_fn)(void *data, const char *subject,
				 const char *what);
int maint_fsck(struct repo *r, maint_problem_fn report, void *data,
	       size_t *objects_checked);

struct gc_result {
	size_t objects, tmpfiles, kept;
	uint64_t bytes;
};
typedef void (*maint_gc_fn)(void *data, const char *id, uint64_t size);
int maint_gc(struct repo *r, int64_t prune_before, int dry_run,
	     maint_gc_fn each, void *data, struct gc_result *res);

/*
 * What `mlrepo status` shows: the objects, references and layout, then
 * each domain's lines (domain.h).  Appends the text to `text` and the
 * fields to the JSON object `json`.  0 or -1 with the error set.
 */
struct strbuf;
struct cJSON;
int maint_status(struct repo *r, struct strbuf *text, struct cJSON *json);

/*
 * Sorted list of every object id referenced (by the catalog's objrefs and
 * by each domain's files), each once; caller frees with maint_free_ids().
 */
int maint_referenced(struct repo *r, char ***ids, size_t *nr);
void maint_free_ids(char **ids, size_t nr);

#endif
