/*
 * db.h - SQLite databases the way every tool opens them: WAL, a busy
 * timeout, retry on SQLITE_BUSY, forward migrations keyed on
 * PRAGMA user_version, and a transaction helper.
 *
 * Many processes write at once (cron jobs, CI steps, parallel stages), so:
 *   1. db_open() sets WAL, synchronous, foreign keys and a busy handler
 *      that waits up to the lock timeout (default 60 s; MLREPO_LOCK_TIMEOUT
 *      or core.lockTimeout, as a duration).
 *   2. Writers use db_begin() (BEGIN IMMEDIATE: the write lock is taken up
 *      front, so a transaction never fails half-way on a lock upgrade) and
 *      db_commit() / db_rollback().
 *   3. db_step() retries SQLITE_BUSY and SQLITE_LOCKED with backoff until
 *      the timeout; only then does it fail, with error() (exit 3) saying
 *      "lock timeout" - never "database is locked".
 *
 * db_migrate() brings a database forward: migrations[i] takes it from
 * version i to i+1, each in its own IMMEDIATE transaction that re-reads
 * user_version first, so concurrent openers migrate exactly once.  A
 * database newer than the tool is refused.
 *
 * Read-only databases.  A database this process cannot write (the file, the
 * directory SQLite makes the -wal and -shm files in, or those files: see
 * db_writable()) is opened read-only, so that another user's repository,
 * a CI artifact or a read-only mount can be read:
 *   - when a -wal file holds transactions (more than its header), with
 *     SQLITE_OPEN_READONLY: SQLite reads the WAL through the -shm file,
 *     which must exist and be readable (it builds a private copy of the
 *     index when it cannot write it).  A -wal with content and no readable
 *     -shm cannot be read without creating the -shm, so db_open() refuses
 *     it (db_check_readable());
 *   - otherwise with the URI parameter immutable=1: SQLite would need to
 *     create the -wal and -shm to read a WAL-mode database the ordinary
 *     way, and with no WAL content there is nothing they would add.
 * A read-only connection sets no journal mode, never checkpoints (not in
 * db_close() either) and cannot migrate; a write on it fails with
 * "'DB' is read-only" (exit 3).
 *
 * Errors: -1 (or NULL) with a message that names the database file.
 */
#ifndef MLREPO_DB_H
#define MLREPO_DB_H

#include <sqlite3.h>
#include <stdint.h>

/*
 * Open (creating if `create`) the database at `path`; without `create`, one
 * this process cannot write is opened read-only (above).  NULL on error.
 */
sqlite3 *db_open(const char *path, int create);
/* Close, checkpointing a long WAL first unless `db` is read-only. */
void db_close(sqlite3 *db);
/* Was `db` opened read-only? */
int db_readonly(sqlite3 *db);
/*
 * Can this process write the database at `path`: the file itself, its -wal
 * and -shm files when they exist, and their directory?  1 when it can (or
 * when `path` does not exist: opening it reports that); 0 when one of them
 * cannot be written (no permission, a read-only file system), with
 * `*what` (when `what` is not NULL) set to that path, malloc'd, for the
 * caller to free, and errno set (EACCES, EPERM or EROFS).
 */
int db_writable(const char *path, char **what);
/*
 * Can a read-only open of `path` see every transaction?  0 when it can;
 * -1 with error() when its -wal holds transactions that cannot be read
 * without writing: "'DB-wal' holds changes not yet in 'DB' that cannot be
 * read without 'DB-shm', which is missing" (or unreadable).
 */
int db_check_readable(const char *path);
/*
 * Copy the whole WAL into the database and truncate it, so that the
 * database file alone holds every transaction (mlrepo gc does this before
 * a repository is copied or made read-only).  0; 1 when other processes
 * kept it from finishing (nothing is lost, it is only not done); -1 on
 * error.
 */
int db_checkpoint(sqlite3 *db);
/*
 * synchronous=FULL instead of NORMAL for databases opened after this call
 * (core.durable): a commit survives a power cut, at the cost of an fsync.
 */
void db_set_durable(int on);
/* Set the lock timeout for databases opened after this call. */
void db_set_timeout_ms(int64_t ms);

/* Bring the schema forward; `migrations` ends with NULL.  0 or -1. */
int db_migrate(sqlite3 *db, const char *const *migrations);

/* Run SQL with no results (may hold several statements).  0 or -1. */
int db_exec(sqlite3 *db, const char *sql);
/* Transactions: BEGIN IMMEDIATE, COMMIT, ROLLBACK.  0 or -1. */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* Prepare a statement; NULL with error() on failure.  Finalize it. */
sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql);
/*
 * Step with retry: SQLITE_ROW, SQLITE_DONE, or -1 with error() set (the
 * statement is reset on error).
 */
int db_step(sqlite3_stmt *st);
/* Bind helpers (1-based index); text is copied by SQLite. */
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_int64(sqlite3_stmt *st, int i, int64_t v);
/* Run a one-row integer query ("SELECT count(*) FROM t"); -1 on error. */
int64_t db_query_int(sqlite3 *db, const char *sql);
/* Does table `name` exist? */
int db_has_table(sqlite3 *db, const char *name);
/* The file name of `db`, for messages. */
const char *db_name(sqlite3 *db);
/*
 * Run PRAGMA integrity_check; returns 0 when "ok", 1 with the problems
 * appended (one a line) to `*problems` (a malloc'd string the caller frees),
 * -1 when the check itself could not run.
 */
int db_integrity(sqlite3 *db, char **problems);

struct strbuf;
/*
 * Append column i of a row as JSON, as bundles carry rows: a number, an
 * integer beyond 2^53 as a string (INTEGER affinity reads it back), NaN
 * and the infinities as {"float":"nan"|"inf"|"-inf"}, a blob as
 * {"blob":"HEX"}, text as a JSON string, NULL as null.
 */
void db_add_json_value(struct strbuf *sb, sqlite3_stmt *st, int i);

#endif
