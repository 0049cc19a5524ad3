/* db.c - see db.h */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "mltime.h"
#include "strbuf.h"
#include "strbuf.h"

static int64_t timeout_ms = -1;
static int durable;

void db_set_durable(int on)
{
	durable = on;
}

void db_set_timeout_ms(int64_t ms)
{
	timeout_ms = ms;
}

static int64_t get_timeout_ms(void)
{
	const char *env;
	int64_t us;

	if (timeout_ms >= 0)
		return timeout_ms;
	env = getenv("MLREPO_LOCK_TIMEOUT");
	if (env && *env) {
		if (mltime_parse_duration(env, &us) == 0)
			return us / 1000;
		err_clear();
		warning("MLREPO_LOCK_TIMEOUT: not a duration: '%s'; using 60s",
			env);
		timeout_ms = 60000;
	}
	return 60000;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void backoff(int attempt)
{
	/* 1 ms growing to 50 ms, with jitter so writers do not march */
	long ms = 1L << (attempt < 6 ? attempt : 6);
	struct timespec ts;

	if (ms > 50)
		ms = 50;
	ms = ms / 2 + rand() % (ms + 1);
	ts.tv_sec = 0;
	ts.tv_nsec = ms * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * SQLite's busy handler: called when a lock is held elsewhere.  Returning
 * non-zero retries.  We wait with backoff until the lock timeout.
 */
static int64_t busy_deadline; /* the tools are single-threaded */

static int busy_handler(void *data, int count)
{
	(void)data;
	if (count == 0)
		busy_deadline = now_ms() + get_timeout_ms();
	if (now_ms() >= busy_deadline)
		return 0;
	backoff(count);
	return 1;
}

const char *db_name(sqlite3 *db)
{
	const char *n = sqlite3_db_filename(db, "main");

	return n && *n ? n : "database";
}

int db_readonly(sqlite3 *db)
{
	return sqlite3_db_readonly(db, "main") == 1;
}

static int db_error(sqlite3 *db, const char *what)
{
	int code = sqlite3_errcode(db);

	if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
		error("lock timeout on '%s' after %lld ms (%s)", db_name(db),
		      (long long)get_timeout_ms(), what);
		err_hint("another process holds the write lock; raise "
			 "MLREPO_LOCK_TIMEOUT or core.lockTimeout");
		return -1;
	}
	if (code == SQLITE_READONLY && db_readonly(db)) {
		error("'%s' is read-only (%s)", db_name(db), what);
		err_hint("it was opened read-only because this process cannot "
			 "write it or its directory");
		return -1;
	}
	if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB)
		return error("'%s' is damaged: %s (%s)", db_name(db),
			     sqlite3_errmsg(db), what);
	return error("'%s': %s (%s)", db_name(db), sqlite3_errmsg(db), what);
}

/* Is `path` not writable by this process (and not merely missing)? */
static int cannot_write(const char *path)
{
	if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
		return 0;
	return errno == EACCES || errno == EPERM || errno == EROFS;
}

int db_writable(const char *path, char **what)
{
	struct strbuf sb = STRBUF_INIT;
	const char *slash = strrchr(path, '/');
	static const char *const sfx[] = { "-wal", "-shm", NULL };
	int i, saved;

	if (what)
		*what = NULL;
	if (cannot_write(path)) {
		strbuf_addstr(&sb, path);
		goto no;
	}
	for (i = 0; sfx[i]; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s%s", path, sfx[i]);
		if (cannot_write(sb.buf))
			goto no;
	}
	strbuf_reset(&sb);
	if (!slash)
		strbuf_addstr(&sb, ".");
	else
		strbuf_add(&sb, path, slash == path ? 1 : (size_t)(slash - path));
	if (cannot_write(sb.buf))
		goto no;
	strbuf_release(&sb);
	return 1;
no:
	saved = errno;
	if (what)
		*what = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	errno = saved;
	return 0;
}

/* "file:" URI for `path`, with the characters a URI gives meaning escaped */
static void add_uri(struct strbuf *sb, const char *path)
{
	const char *p;

	/* an absolute path gets an empty authority: file:///x */
	strbuf_addstr(sb, *path == '/' ? "file://" : "file:");
	for (p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			strbuf_addf(sb, "%%%02X", (unsigned char)*p);
		else
			strbuf_addch(sb, *p);
	}
}

/* Does `path` exist with more than `size` bytes? */
static int bigger_than(const char *path, off_t size)
{
	struct stat st;

	return stat(path, &st) == 0 && st.st_size > size;
}

/* A WAL file starts with a 32-byte header; transactions follow it. */
#define WAL_HEADER_BYTES 32

int db_check_readable(const char *path)
{
	struct strbuf wal = STRBUF_INIT, shm = STRBUF_INIT;
	int rc = 0;

	strbuf_addf(&wal, "%s-wal", path);
	strbuf_addf(&shm, "%s-shm", path);
	if (!bigger_than(wal.buf, WAL_HEADER_BYTES))
		goto out;
	if (access(wal.buf, R_OK) < 0) {
		rc = error("cannot read '%s': %s", wal.buf, strerror(errno));
	} else if (access(shm.buf, R_OK) < 0) {
		/* SQLite would have to create or write it */
		rc = error("'%s' holds changes not yet in '%s' that cannot be "
			   "read without '%s', which is %s", wal.buf, path,
			   shm.buf, errno == ENOENT ? "missing" : "unreadable");
		err_hint("copy the repository where you can write it (cp -a), "
			 "or have its owner run 'mlrepo gc' in it, which "
			 "empties the WAL");
	}
out:
	strbuf_release(&wal);
	strbuf_release(&shm);
	return rc;
}

/*
 * Open `path` read-only (see db.h).  Why not always immutable=1: it makes
 * SQLite ignore the WAL, and these tools keep transactions in the WAL
 * between processes (db_open() below), often all of them, so a reader
 * would see an old catalog or none.  Why not always SQLITE_OPEN_READONLY:
 * with no -wal and -shm, SQLite must create them to read a WAL-mode
 * database, which a read-only directory does not allow.  immutable=1 also
 * means no locks: a writer that appears while we read (the owner of the
 * files, who may write them) could change the file under us only by a
 * checkpoint, which needs a WAL past 1 MiB (db_close()) or mlrepo gc, so a
 * reader that lives for one command takes that risk.
 */
static sqlite3 *open_readonly(const char *path)
{
	struct strbuf wal = STRBUF_INIT, uri = STRBUF_INIT;
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	sqlite3 *db = NULL;
	int rc;

	if (db_check_readable(path) < 0)
		return NULL;
	strbuf_addf(&wal, "%s-wal", path);
	if (bigger_than(wal.buf, WAL_HEADER_BYTES)) {
		strbuf_addstr(&uri, path);
	} else {
		add_uri(&uri, path);
		strbuf_addstr(&uri, "?immutable=1");
		flags |= SQLITE_OPEN_URI;
	}
	rc = sqlite3_open_v2(uri.buf, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		error("cannot open '%s': %s", path,
		      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		db = NULL;
		goto out;
	}
	sqlite3_extended_result_codes(db, 0);
	sqlite3_busy_handler(db, busy_handler, NULL);
out:
	strbuf_release(&wal);
	strbuf_release(&uri);
	return db;
}

sqlite3 *db_open(const char *path, int create)
{
	sqlite3 *db = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		    (create ? SQLITE_OPEN_CREATE : 0);
	int rc, attempt = 0;
	int64_t start = now_ms();

	if (!create && !db_writable(path, NULL))
		return open_readonly(path);
	rc = sqlite3_open_v2(path, &db, flags, NULL);
	if (rc != SQLITE_OK) {
		error("cannot open '%s': %s", path,
		      db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_extended_result_codes(db, 0);
	sqlite3_busy_handler(db, busy_handler, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	sqlite3_wal_autocheckpoint(db, 4096);
	/*
	 * Short-lived tools keep the WAL between processes: SQLite's default
	 * (the last connection to close checkpoints, fsyncs and deletes the
	 * WAL) nearly doubled the time of `exp-log metric` (hyperfine: 4.1 ms
	 * against 2.2 ms).  A process that opens a database nobody has open
	 * rebuilds the WAL index by reading the whole WAL and cannot know what
	 * was checkpointed before, so automatic checkpoints would copy the
	 * whole WAL again in every process; instead they are left to long
	 * writers (every 4096 pages) and db_close() checkpoints and truncates
	 * the WAL once it passes 1 MiB, which bounds what an open reads.
	 */
	for (;;) {
		rc = sqlite3_exec(db,
				  durable ? "PRAGMA journal_mode=WAL;"
					    "PRAGMA synchronous=FULL;"
					    "PRAGMA foreign_keys=ON;"
					  : "PRAGMA journal_mode=WAL;"
					    "PRAGMA synchronous=NORMAL;"
					    "PRAGMA foreign_keys=ON;",
				  NULL, NULL, NULL);
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
		    now_ms() - start > get_timeout_ms())
			break;
		backoff(attempt++);
	}
	if (rc != SQLITE_OK) {
		db_error(db, "open");
		db_close(db);
		return NULL;
	}
	return db;
}

/*
 * Once the WAL has grown past this (many short commands, or one big
 * stream), the closing connection checkpoints it and truncates it to
 * nothing, giving up quickly if other processes are busy with it (the
 * next one to close tries again).  See db_open().
 */
#define WAL_TRUNCATE_BYTES (1 << 20)

void db_close(sqlite3 *db)
{
	sqlite3_stmt *st;
	struct stat sb;
	char *wal;

	if (!db)
		return;
	while ((st = sqlite3_next_stmt(db, NULL)))
		sqlite3_finalize(st);
	if (db_readonly(db)) {
		sqlite3_close(db); /* a checkpoint writes */
		return;
	}
	wal = sqlite3_mprintf("%s-wal", db_name(db));
	if (wal && stat(wal, &sb) == 0 && sb.st_size > WAL_TRUNCATE_BYTES) {
		sqlite3_busy_timeout(db, 200);
		sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
					  NULL, NULL);
	}
	sqlite3_free(wal);
	sqlite3_close(db);
}

int db_checkpoint(sqlite3 *db)
{
	int rc;

	if (db_readonly(db))
		return error("'%s' is read-only (checkpoint)", db_name(db));
	/* give up soon when readers hold the WAL: the next gc tries again */
	sqlite3_busy_timeout(db, 200);
	rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE,
				       NULL, NULL);
	sqlite3_busy_handler(db, busy_handler, NULL);
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return 1;
	if (rc != SQLITE_OK)
		return db_error(db, "checkpoint");
	return 0;
}

int db_exec(sqlite3 *db, const char *sql)
{
	int attempt = 0;
	int64_t start = now_ms();

	for (;;) {
		int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
		    now_ms() - start > get_timeout_ms())
			return db_error(db, "exec");
		backoff(attempt++);
	}
}

int db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE");
}

int db_commit(sqlite3 *db)
{
	if (db_exec(db, "COMMIT") < 0) {
		db_rollback(db);
		return -1;
	}
	return 0;
}

void db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3_stmt *db_prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int attempt = 0;
	int64_t start = now_ms();

	for (;;) {
		int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

		if (rc == SQLITE_OK)
			return st;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) ||
		    now_ms() - start > get_timeout_ms()) {
			db_error(db, "prepare");
			return NULL;
		}
		backoff(attempt++);
	}
}

int db_step(sqlite3_stmt *st)
{
	int attempt = 0;
	int64_t start = now_ms();

	for (;;) {
		int rc = sqlite3_step(st);

		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			return rc;
		if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) &&
		    now_ms() - start <= get_timeout_ms()) {
			sqlite3_reset(st);
			backoff(attempt++);
			continue;
		}
		rc = db_error(sqlite3_db_handle(st), "step");
		sqlite3_reset(st);
		return rc;
	}
}

void db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

void db_bind_int64(sqlite3_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(st, i, v);
}

int64_t db_query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int64_t v = -1;

	if (!st)
		return -1;
	if (db_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int db_has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = db_prepare(
		db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
	int found = 0;

	if (!st)
		return 0;
	db_bind_text(st, 1, name);
	found = db_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

int db_migrate(sqlite3 *db, const char *const *migrations)
{
	int64_t want = 0, have;

	while (migrations[want])
		want++;
	have = db_query_int(db, "PRAGMA user_version");
	if (have < 0) {
		if (!*err_msg())
			error("'%s' is damaged: schema version %lld",
			      db_name(db), (long long)have);
		return -1;
	}
	if (have > want)
		return error("'%s' has schema version %lld, newer than this "
			     "tool knows (%lld)", db_name(db), (long long)have,
			     (long long)want);
	if (have < want && db_readonly(db)) {
		error("'%s' has schema version %lld, older than this tool's "
		      "(%lld), and is read-only: it cannot be brought forward",
		      db_name(db), (long long)have, (long long)want);
		err_hint("any command that opens it where it can be written "
			 "migrates it ('mlrepo status' by its owner)");
		return -1;
	}
	while (have < want) {
		struct strbuf sb = STRBUF_INIT;

		if (db_begin(db) < 0)
			return -1;
		have = db_query_int(db, "PRAGMA user_version");
		if (have < 0) {
			db_rollback(db);
			return -1;
		}
		if (have >= want) {
			db_rollback(db);
			break;
		}
		strbuf_addf(&sb, "%s;PRAGMA user_version=%lld;",
			    migrations[have], (long long)have + 1);
		if (db_exec(db, sb.buf) < 0) {
			strbuf_release(&sb);
			db_rollback(db);
			return -1;
		}
		strbuf_release(&sb);
		if (db_commit(db) < 0)
			return -1;
		have++;
	}
	return 0;
}

int db_integrity(sqlite3 *db, char **problems)
{
	sqlite3_stmt *st = db_prepare(db, "PRAGMA integrity_check");
	struct strbuf sb = STRBUF_INIT;
	int rc, bad = 0;

	*problems = NULL;
	if (!st)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *line = (const char *)sqlite3_column_text(st, 0);

		if (line && !strcmp(line, "ok"))
			continue;
		bad = 1;
		strbuf_addf(&sb, "%s\n", line ? line : "?");
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		strbuf_release(&sb);
		return -1;
	}
	if (bad)
		*problems = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	return bad;
}

void db_add_json_value(struct strbuf *sb, sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER: {
		long long v = sqlite3_column_int64(st, i);

		/*
		 * Beyond 2^53 a JSON number loses digits in most readers
		 * (cJSON too): write a string, which a column of INTEGER
		 * affinity turns back into the same integer.
		 */
		if (v > (1LL << 53) || v < -(1LL << 53))
			strbuf_addf(sb, "\"%lld\"", v);
		else
			strbuf_addf(sb, "%lld", v);
		break;
	}
	case SQLITE_FLOAT: {
		double d = sqlite3_column_double(st, i);

		if (d != d || d - d != 0) /* NaN and inf are no JSON numbers */
			strbuf_addf(sb, "{\"float\":\"%s\"}",
				    d != d ? "nan" : d > 0 ? "inf" : "-inf");
		else
			strbuf_addf(sb, "%.17g", d);
		break;
	}
	case SQLITE_NULL:
		strbuf_addstr(sb, "null");
		break;
	case SQLITE_BLOB: {
		const unsigned char *b = sqlite3_column_blob(st, i);
		int n = sqlite3_column_bytes(st, i), k;

		strbuf_addstr(sb, "{\"blob\":\"");
		for (k = 0; k < n; k++)
			strbuf_addf(sb, "%02x", b[k]);
		strbuf_addstr(sb, "\"}");
		break;
	}
	default:
		strbuf_add_json_str(sb, (const char *)sqlite3_column_text(st, i));
	}
}
