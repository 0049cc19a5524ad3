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
 */
#ifndef MLREPO_EVENTS_H
#define MLREPO_EVENTS_H

#include <sqlite3.h>
#include <stdint.h>

int events_add(sqlite3 *db, const char *action, const char *subject,
	       const char *detail);
/* "user@host" for this process; a static buffer. */
const char *events_who(void);
/* Fill `out` with 32 random hex digits and a NUL (for uids and run ids). */
int events_random_hex(char out[33]);

#endif
