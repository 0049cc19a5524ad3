/*
 * fstore.h - the feature store behind fs-ingest: typed feature groups,
 * validated ingest, point-in-time correct joins and online lookup.
 *
 * A feature group is a table of rows keyed by an entity (one or more key
 * columns) and an event time, each row carrying typed features.  It lives
 * in its own SQLite file, .mlrepo/features/GROUP.db, which is the
 * authority for the group's schema versions, rows and ingest batches:
 *
 *	schema(version, time, spec)	  each definition of the group; spec is
 *					  JSON (fs_group_to_json())
 *	batches(seq, id, time, source, sha256, rows, rejected, user, version)
 *					  one row per ingest, in commit order
 *	rows(rowid, e0.., t, c, b, f0..)  e<i>: entity key i; t: event time;
 *					  c: created time; b: the batch's seq;
 *					  f<j>: feature j of the schema, in the
 *					  order features were first defined
 *
 * Internal column names (e0, f3) keep any feature name out of SQL text,
 * and let a later schema version add features (ALTER TABLE ADD COLUMN):
 * rows ingested before read them as missing.  Times are mltime's UTC
 * microseconds; int and bool features are INTEGERs, floats REALs
 * (a NaN, which SQLite cannot hold, is stored as the text 'nan'), strings
 * TEXT, timestamps INTEGERs.
 *
 * A batch commits in the group's file first and is journaled in the
 * catalog's events afterwards (fs.ingest): a crash between the two leaves
 * a batch without its event, never an event without its batch.
 *
 * THE JOIN (Feast's get_historical_features).  For an entity row with key
 * k and time t, a group gives the row with key k and event time <= t, and,
 * when the group has a TTL, event time >= t - ttl (both ends included);
 * among those the latest event time, then the latest created time, then
 * the latest batch, then the row that came last in its batch.  With an
 * as-of time only batches committed at or before it are seen.
 *
 * Usage: fs_group_define() / fs_group_load() / fs_group_free(); an
 * ingest with fs_ingest(); a join with fs_join().  Functions return 0 (or
 * a documented value) or -1 with the error set: error_input() (exit 2)
 * for bad input, error() for the environment.
 */
#ifndef MLREPO_FSTORE_H
#define MLREPO_FSTORE_H

#include <sqlite3.h>
#include <stdint.h>

#include "table.h"

struct repo;
struct strbuf;
struct cJSON;
struct expr;
struct domain;

struct fs_column {
	char *name;
	enum table_type type;	/* TABLE_STRING .. TABLE_TIMESTAMP */
	int slot;		/* features: j of the rows column f<j> */
};

/* A group's definition: one schema version. */
struct fs_group {
	char *name;
	struct fs_column *entity;	/* key columns */
	int nentity;
	char *timestamp;		/* the input's event time column */
	char *created;			/* the input's created column, or NULL */
	struct fs_column *features;
	int nfeatures;
	int64_t ttl;			/* microseconds; 0: none */
	char **checks;			/* expressions over a row */
	int nchecks;
	char *description;
	int version;			/* schema version (1, 2, ...); 0: new */
	int64_t time;			/* when this version was defined */
};

/* The name of a type ("int", "float", ...) and back. */
const char *fs_type_name(enum table_type t);
int fs_type_parse(const char *s, enum table_type *out);

/*
 * Fill `g` from command-line settings: entity "COL[:TYPE][,COL[:TYPE]...]"
 * (types default to string), feature "NAME:TYPE" items, ttl a duration
 * ("0" for none).  Everything is checked (names, types, checks parse, no
 * column twice); error_input() on anything wrong.
 */
int fs_group_from_args(struct fs_group *g, const char *name,
		       const char *entity, const char *timestamp,
		       const char *created, char *const *features,
		       const char *ttl, char *const *checks,
		       const char *description);
/*
 * Fill `g` from a git-config file's [group "NAME"] section: entity,
 * timestamp, created, feature (repeated, NAME:TYPE), ttl, check
 * (repeated), description.  `name` picks the section; NULL takes the only
 * one.  error_input() naming the file and key.
 */
int fs_group_from_file(struct fs_group *g, const char *name,
		       const char *path);
void fs_group_release(struct fs_group *g);

/* The JSON of a definition (as stored and as `show --json` prints). */
struct cJSON *fs_group_to_json(const struct fs_group *g);

/*
 * Define (or redefine) the group in the repository.  Returns 0 when it
 * changed nothing (the same settings), 1 when it created the group or a
 * new schema version (features added, a new TTL, new checks, a new
 * description), or -1: changing an entity, the timestamp column, or a
 * feature's type, or removing a feature, is refused (define a new group).
 * g->version is set to the version now current.
 */
int fs_group_define(struct repo *r, sqlite3 *catalog, struct fs_group *g);

/* Does the group exist?  1, 0, or -1. */
int fs_group_exists(struct repo *r, const char *name);
/*
 * Open the group's file (read-only unless `write`) and load its current
 * definition into g.  A group that does not exist is error_input() "no
 * such feature group".  The caller closes *db with db_close().
 */
int fs_group_open(struct repo *r, const char *name, int write,
		  struct fs_group *g, sqlite3 **db);
/* Every schema version of an open group, oldest first (free each). */
int fs_group_versions(sqlite3 *db, struct fs_group **out, int *n);
/* How much an open group holds: first and last are set when rows > 0. */
struct fs_summary {
	int64_t rows, batches;
	int64_t first, last;	/* the earliest and latest event times */
};
int fs_group_summary(sqlite3 *db, struct fs_summary *s);

/* One ingest batch of a group, as fs_group_batches() hands it over. */
struct fs_batch {
	const char *id, *source, *user;	/* valid during the call */
	int64_t time, rows, rejected;
	int version;
};
/*
 * Call fn for each batch of an open group, oldest first; fn returns 0 to
 * go on, anything else stops the walk and is returned.  -1 on error.
 */
int fs_group_batches(sqlite3 *db, int (*fn)(const struct fs_batch *b,
					    void *data), void *data);

/* The names of the groups, sorted (free each and the array). */
int fs_group_list(struct repo *r, char ***names, int *n);
/* Remove the group and its file, journaled as fs.drop. */
int fs_group_drop(struct repo *r, sqlite3 *catalog, const char *name);

/*
 * Feature groups as a domain of the repository (domain.h; in
 * fstore-domain.c): fsck, status and bundles of the group files.
 */
extern const struct domain fs_domain;

/* ---- ingest ------------------------------------------------------------- */

enum fs_on_error { FS_ABORT, FS_SKIP };

struct fs_ingest_opts {
	enum table_format format;	/* TABLE_AUTO: by the name */
	char *const *map;		/* "SRC=DST" items, NULL-terminated */
	enum fs_on_error on_error;
	const char *rejects;		/* the rejects file, or NULL */
	int force;			/* ingest content seen before again */
	int ignore_extra;		/* columns the group lacks are fine */
	int progress;			/* a progress bar on stderr */
	/* how the input writes times (mltime_parse_value()); NULL: ISO */
	const char *time_format;
};

struct fs_ingest_result {
	char id[33];			/* the batch id */
	int64_t rows, rejected;
	int skipped;			/* the same content was ingested before */
	char *seen_batch;		/* ... as this batch (owned) */
};

/*
 * Ingest one input ("-" for stdin) into the group: every value
 * type-checked and every check evaluated, then one transaction and one
 * batch record.  With FS_ABORT a bad row rejects the whole batch
 * (error_input() naming the file, line, column, value and rule; nothing is
 * written); with FS_SKIP good rows go in and bad ones, with a reason
 * column, go to opts->rejects.  Content ingested into the group before
 * (same SHA-256) is skipped (res->skipped) unless opts->force.
 */
int fs_ingest(struct repo *r, sqlite3 *catalog, const char *group,
	      const char *path, const struct fs_ingest_opts *opts,
	      struct fs_ingest_result *res);
void fs_ingest_result_release(struct fs_ingest_result *res);

/* ---- retrieval ---------------------------------------------------------- */

/* One "GROUP" or "GROUP:F1,F2" item of --features. */
struct fs_spec {
	char *group;
	char **features;	/* NULL: all of the group's */
	int nfeatures;
};

struct fs_join_opts {
	const char *entities;		/* the entity table, "-" for stdin */
	enum table_format entities_format;
	const char *timestamp;		/* its time column; NULL: find it */
	const char *time_format;	/* how it writes times; NULL: ISO */
	char *const *specs;		/* --features items, NULL-terminated */
	int full_names;			/* name columns GROUP__F */
	int64_t as_of;			/* only batches up to this; 0: all */
	int has_as_of;
	enum table_format out_format;	/* TABLE_CSV, TSV or JSONL */
	int out_fd;
	const char *out_name;		/* for messages ("-") */
	/* filled in: the groups' names and schema versions, for lineage */
	struct strbuf *source;
};

/*
 * The point-in-time join: every entity row once, in input order, its
 * columns unchanged, then the features asked for (missing where nothing
 * matched).  Returns the number of entity rows, or -1.
 */
int64_t fs_join(struct repo *r, const struct fs_join_opts *opts);

/*
 * Online lookup: for each key (its columns' text), the row the join would
 * give at time `at`; fn() receives the group and the feature values as
 * text (NULL: missing) for each key, found or not.
 */
struct fs_lookup;
struct fs_lookup *fs_lookup_open(struct repo *r, const char *group);
const struct fs_group *fs_lookup_group(const struct fs_lookup *l);
/*
 * Look one key up: vals[j] receives feature j's text or NULL (valid until
 * the next call).  1 found, 0 not found, -1 error (a key of the wrong
 * type is error_input()).
 */
int fs_lookup_get(struct fs_lookup *l, const char *const *key, int64_t at,
		  const char **vals);
void fs_lookup_close(struct fs_lookup *l);

/* ---- whole groups: range, export, stats --------------------------------- */

struct fs_range_opts {
	int64_t from, to;		/* the window, both ends included */
	int has_from, has_to;
	const char *features;		/* "F1,F2"; NULL: all */
	int latest;			/* each entity's last row only */
	int64_t as_of;			/* only batches up to this */
	int has_as_of;
	int with_created;		/* and the created column (export) */
	enum table_format out_format;
	int out_fd;
	const char *out_name;
};

/*
 * Write the group's rows whose event time is in the window, ordered by
 * entity and time (range), or with with_created and as_of every row as
 * known then (export): entity columns, the timestamp column, the created
 * column when asked and the group has one, the features.  Returns the
 * number of rows, or -1.
 */
int64_t fs_range(struct repo *r, const char *group,
		 const struct fs_range_opts *o);

/*
 * The same rows as a table reader, for a tool that reads a group as it
 * reads a file (drift-check's fs:GROUP@FROM..TO): o's window and features
 * (its output fields are ignored), written as CSV to an unlinked scratch
 * file (repo_tmp_template(): $TMPDIR in a read-only repository) and read
 * back, named `name` in messages.  The first *nkeys columns are the entity
 * keys and the event time, the features follow.  NULL with the error set.
 */
struct table_reader *fs_range_reader(struct repo *r, const char *group,
				     const struct fs_range_opts *o,
				     const char *name, int *nkeys);
/* One feature's summary (fs_stats()). */
struct fs_stat {
	char *name;
	enum table_type type;
	int64_t count, missing, distinct;	/* distinct: exact */
	int has_num;		/* min .. p75 are set (numbers seen) */
	double min, max, mean, std, p25, p50, p75;
	char *smin, *smax;	/* strings: the least and greatest */
};

/*
 * Per feature of the window (o->from, o->to, o->features): count,
 * missing, distinct; for numbers min, max, mean, the sample standard
 * deviation and the quartiles interpolated linearly (pandas' describe();
 * NaN left out); for strings the least and greatest.  *out has *n items
 * (free with fs_stats_free(), also on failure).
 */
int fs_stats(struct repo *r, const char *group, const struct fs_range_opts *o,
	     struct fs_stat **out, int *n);
void fs_stats_free(struct fs_stat *s, int n);

#endif
