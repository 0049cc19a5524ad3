/*
 * events.h - the event journal: every change a tool makes, in the catalog's
 * `events` table (time, user@host, tool, argv, action, subject, detail).
 * It is the audit trail for promotions and the lineage log; `mlrepo log`
 * shows it.
 *
 * Record an event in the same transaction as the change it describes:
 *
 *	db_begin(db);
 *	... the change ...
 *	events_add(db, "config.set", "core.lockTimeout", NULL);
 *	db_commit(db);
 *
 * `detail` is a JSON object text or NULL.  The tool name and argv come from
 * err_progname() and tool_argv (lib/opt.h).  Returns 0 or -1 (error set).
 *
 * A detail is usually built with the event_detail helpers and recorded
 * with events_add_detail(), which frees it:
 *
 *	struct event_detail d = EVENT_DETAIL_INIT;
 *	event_detail_str(&d, "status", "finished");
 *	event_detail_int(&d, "exit_status", 0);
 *	if (events_add_detail(db, "run.end", id, &d) < 0) ...
 *
 * events_query() reads the journal back (`mlrepo log`, model-promote's
 * history): a filter by time, action and subject, newest first unless
 * reversed, one callback a row.
 */
#ifndef MLREPO_EVENTS_H
#define MLREPO_EVENTS_H

#include <sqlite3.h>
#include <stdint.h>

int events_add(sqlite3 *db, const char *action, const char *subject,
	       const char *detail);

/* An event's detail under construction: a JSON object. */
struct event_detail {
	struct cJSON *obj; /* NULL until the first field */
};
#define EVENT_DETAIL_INIT { NULL }
/* Set a string field (a later value of the same key replaces it). */
void event_detail_str(struct event_detail *d, const char *key,
		      const char *value);
/* Set an integer field. */
void event_detail_int(struct event_detail *d, const char *key, int64_t v);
/* Set a true/false field. */
void event_detail_bool(struct event_detail *d, const char *key, int v);
/*
 * Set a field for every "KEY=VALUE" in argv[0..argc-1] (the value is a
 * string; arguments without '=' are skipped; the last of a key wins).
 */
void event_detail_kv(struct event_detail *d, int argc, char *const *argv);
/* The detail's JSON text (NULL when empty); the caller frees it. */
char *event_detail_text(const struct event_detail *d);
/* Free the detail. */
void event_detail_release(struct event_detail *d);
/* events_add() with the detail's JSON (NULL when empty); releases `d`. */
int events_add_detail(sqlite3 *db, const char *action, const char *subject,
		      struct event_detail *d);

/* Which events events_query() returns. */
struct event_filter {
	int64_t since, until;	/* since <= time < until */
	const char *action;	/* NULL: all; "run." (ending in '.'): a family */
	const char *subject;	/* NULL: all; else exactly this subject */
	int64_t limit;		/* -1: no limit */
	int reverse;		/* oldest first (default: newest first) */
};
#define EVENT_FILTER_INIT { INT64_MIN, INT64_MAX, NULL, NULL, -1, 0 }

/* One row of the journal; the strings live until the callback returns. */
struct event {
	int64_t time;
	const char *uid, *who, *tool;
	const char *argv;	/* JSON array text */
	const char *action;
	const char *subject;	/* may be NULL */
	const char *detail;	/* JSON object text, may be NULL */
};
/*
 * Call fn for every event that passes `f`, in time order (then the order
 * they were recorded).  fn returns 0 to go on, non-zero to stop.  Returns
 * 0, or -1 with the error set.
 */
int events_query(sqlite3 *db, const struct event_filter *f,
		 int (*fn)(const struct event *e, void *data), void *data);
/* "user@host" for this process; a static buffer. */
const char *events_who(void);
/* Fill `out` with 32 random hex digits and a NUL (for uids and run ids). */
int events_random_hex(char out[33]);

#endif
