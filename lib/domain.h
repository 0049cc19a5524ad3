/*
 * domain.h - the parts of the repository, each described once.
 *
 * The catalog holds the data of several domains: the repository's own (the
 * event journal and object references, lib/catalog.c), exp-log's runs
 * (lib/runs.c), and next the feature store, the model registry, pipeline
 * runs and drift history.  Each domain lives in its own lib module and
 * describes itself there with one `struct domain`.  The repository layer
 * (opening the catalog, `mlrepo fsck`, `gc`, `status` and `bundle`)
 * iterates over domain_list() and names no domain's table.
 *
 * To add a domain:
 *  1. Write its migrations as { VERSION, "SQL" } items.  The catalog's
 *     versions are one append-only list shared by every domain: a new
 *     migration takes the next number after the highest one of ANY domain,
 *     and a released one is never edited.  domain_migrations() assembles
 *     them in order and refuses a gap or a repeat.
 *  2. List the tables a bundle carries (struct domain_table), in the order
 *     they load, with the columns a row is checked on before it goes in.
 *     A bundle names its entries catalog/NN-TABLE.jsonl, NN counting the
 *     tables of every domain in list order.
 *  3. List the fsck checks: tables that must exist, and queries counting
 *     rows that point at nothing.
 *  4. Give a status callback for its lines in `mlrepo status`.
 *  5. A domain that owns files outside catalog.db (a feature group's
 *     features/GROUP.db, a pipeline run's runs/ID/) gives the fsck, refs
 *     and bundle callbacks for them.
 *  6. Add it at the END of the list in domain.c, so that the positions of
 *     the tables already in bundles do not move.
 *
 * Callbacks return 0, or -1 with the error set, unless they say otherwise.
 *
 * The list in domain.c is the one place where the repository layer names
 * the domains above it (as git's command table names every builtin).
 */
#ifndef MLREPO_DOMAIN_H
#define MLREPO_DOMAIN_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct repo;
struct strbuf;
struct cJSON;

struct domain_migration {
	int version;	 /* the catalog version this takes it to */
	const char *sql; /* one or more statements */
};

/* What a bundle checks in a column of each row it brings in. */
enum domain_col_kind {
	DOMAIN_COL_ID32,   /* 32 lower-case hex digits (run ids, uids) */
	DOMAIN_COL_TIME,   /* an integer time in mltime's range */
	DOMAIN_COL_OBJECT  /* an object id, present in the repository */
};
struct domain_col {
	const char *name;
	enum domain_col_kind kind;
};

struct domain_table {
	const char *name;
	/* when a row was made or last changed (bundle create --since) */
	const char *time_col;
	/* a local row id a bundle leaves out (NULL: none) */
	const char *local_id;
	/*
	 * NULL: rows never change; they are inserted with INSERT OR IGNORE.
	 * Else the conflict key of rows that do (a run that ended, a tag set
	 * again), and the row with the later time_col wins.  Either way a
	 * second unbundle of the same file changes nothing.
	 */
	const char *newer;
	/* the columns checked, NULL-name-terminated (NULL: none) */
	const struct domain_col *checks;
	/*
	 * A column whose value in each NEW row is remembered, for
	 * after_unbundle, in the temporary table
	 * temp.bundle_touched(tbl TEXT, val TEXT) (NULL: none).
	 */
	const char *touch_col;
	/*
	 * Rows a bundle made --since carries whatever their own time: an SQL
	 * condition on the table's columns, ?1 being `since` (NULL: none).
	 * A run whose params changed goes with its run row, so that no
	 * bundle carries rows whose parent it leaves behind.
	 */
	const char *also;
	/*
	 * Rules of the table's own for unbundling, as SQL with a named
	 * parameter ":COLUMN" for each column of the bundle's rows (those a
	 * bundle lacks are NULL); NULL: the generic INSERT above.
	 * `insert` takes a row in (metric points: appended with a seq of
	 * this repository's unless the same point is here already);
	 * `conflict`, run first, returns a one-column row, a message, when
	 * the bundle's row conflicts with a local one (a param with another
	 * value): the row is skipped and the message listed.
	 */
	const char *insert;
	const char *conflict;
};

/*
 * fsck: with `sql` NULL, `table` must exist (list each table the domain
 * owns so); with `sql`, a count of bad rows, told as `what` (skipped when
 * `table` is missing: its owner reports that).
 */
struct domain_check {
	const char *table;
	const char *what;
	const char *sql;
};

/* Report a problem (fsck), or an object id that is referenced (gc). */
typedef void (*domain_problem_fn)(void *data, const char *subject,
				  const char *what);
typedef int (*domain_ref_fn)(void *data, const char *oid);
/*
 * Add a file to a bundle: its name inside the domain's part, its path.
 * The file is read before fn returns (a temporary file may go then).
 */
typedef int (*domain_file_fn)(void *data, const char *name, const char *path);

struct domain_status {
	struct strbuf *text;  /* lines "label:  value\n", as status prints */
	struct cJSON *json;   /* fields of status --json */
};

struct domain {
	const char *name;
	const struct domain_migration *migrations; /* { 0, NULL }-terminated */
	const struct domain_table *tables;	   /* NULL-name-terminated */
	const struct domain_check *checks;	   /* NULL-table-terminated */
	/*
	 * After a bundle brought new rows into this domain's tables, inside
	 * the same transaction (derived tables are computed again here).
	 */
	int (*after_unbundle)(sqlite3 *db);
	/* Its lines in `mlrepo status`. */
	int (*status)(struct repo *r, sqlite3 *db, struct domain_status *st);
	/* Files outside catalog.db (all optional): */
	/*
	 * check them, calling report() per problem (a `what` beginning
	 * "note: " is shown but is no problem: a sound state a crash may
	 * leave); returns 0, or -1 when they cannot be checked at all
	 * (read-only, db_check_readable()), which fails the whole fsck
	 */
	int (*fsck)(struct repo *r, domain_problem_fn report, void *data);
	/* every object they reference, for gc, fsck and bundles */
	int (*refs)(struct repo *r, domain_ref_fn fn, void *data);
	/* the files a bundle made `since` carries */
	int (*bundle_files)(struct repo *r, int64_t since, domain_file_fn fn,
			    void *data);
	/*
	 * Take in one such file from a bundle.  Called before the rows'
	 * transaction (a row, such as an event, that describes the file
	 * then never arrives without it; a failure leaves the rows out),
	 * and again for every unbundle of the same
	 * file: it must be idempotent, and must not let an older file undo a
	 * newer local one (the later wins, as with rows).
	 */
	int (*unbundle_file)(struct repo *r, sqlite3 *db, const char *name,
			     const void *buf, size_t len);
};

/* The domains, in order, NULL-terminated. */
const struct domain *const *domain_list(void);
/* For unit tests: use another list (NULL: the built-in one again). */
void domain_list_set(const struct domain *const *list);

/*
 * The catalog's migrations from every domain, as db_migrate() takes them
 * (migrations[i] takes version i to i+1, NULL-terminated).  Dies on a gap
 * or a repeated version: that is a bug in the domains' lists.
 */
const char *const *domain_migrations(void);

/* The table called `name` in any domain and its position; NULL if none. */
const struct domain_table *domain_find_table(const char *name, size_t *pos,
					     const struct domain **owner);

#endif
