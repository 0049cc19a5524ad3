/*
 * fstore-domain.c - feature groups as a domain of the repository
 * (domain.h): what `mlrepo fsck` checks in features/, the groups' line
 * in `mlrepo status`, and how `mlrepo bundle` carries groups.  The group
 * files are the authority for their rows, so the domain has no catalog
 * tables; it reads the catalog only for the fs.ingest events.
 *
 * fsck, for every features/GROUP.db: the file opens and passes SQLite's
 * integrity check, its tables exist, every schema version's JSON reads
 * (and names the group), every batch's version exists, every row's batch
 * exists, and every batch holds the rows it records.  A file in features/
 * that is no group (nor a group's -wal, -shm or -journal) is a problem; a
 * writer's GROUP.db.lock is a note.  A batch commits in the group first and
 * is journaled (fs.ingest) afterwards, so a batch without its event is a
 * note (a crash fell between the two); an fs.ingest event whose batch is
 * missing is damage, unless the group was dropped (fs.drop) after it.
 *
 * Bundles carry each group as files/features/GROUP.jsonl (mlrepo-layout(5)):
 *
 *	{"group":NAME,"format":1,"columns":["e0",...,"t","c","f0",...]}
 *	{"schema":VERSION,"time":T,"spec":{...}}	every version, in order
 *	{"batch":ID,"time":T,"source":..,"sha256":..,"rows":N,
 *	 "rejected":N,"user":..,"version":V}		a batch, in commit order
 *	[VALUE,...]				each of its N rows, in columns'
 *						order, right after it
 *
 * Values are written as the catalog's rows are (an integer beyond 2^53 as
 * a string, an infinity as {"float":"inf"}).  A bundle made --since T
 * carries every group with all its schema versions and the batches
 * committed at or after T, and any older batch whose fs.ingest event is
 * at or after T (so that no bundle carries an event without its batch).
 *
 * Unbundling a group file: a group that does not exist is made in a
 * temporary file renamed into place; one that does gets the schema
 * versions it lacks and the batches it lacks (known by batch id), in one
 * transaction.  A version the group has with another spec is refused
 * (error_input(), nothing of the group changes).  Rows keep their times
 * and batch id; the batch gets a seq of this repository.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "domain.h"
#include "err.h"
#include "fstore.h"
#include "fstore-int.h"
#include "fsutil.h"
#include "mltime.h"
#include "names.h"
#include "repo.h"
#include "strbuf.h"

#define BUNDLE_FILE_FORMAT 1

/* ---- the fs.ingest events of the catalog --------------------------------- */

/* "GROUP\nBATCH" keys, sorted, with a flag per key once its batch is seen. */
struct event_set {
	char **keys;
	char *seen;
	size_t nr, alloc;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The batches of fs.ingest events at or after `since` (INT64_MIN: all),
 * leaving out the events of a group dropped after them.
 */
static int events_load(sqlite3 *catalog, int64_t since, struct event_set *s)
{
	sqlite3_stmt *st = db_prepare(catalog,
		"SELECT e.subject, json_extract(e.detail, '$.batch') "
		"FROM events e WHERE e.action = 'fs.ingest' AND e.time >= ?1 "
		"AND NOT EXISTS (SELECT 1 FROM events d WHERE "
		"d.action = 'fs.drop' AND d.subject = e.subject AND "
		"d.time > e.time)");
	int rc;

	memset(s, 0, sizeof(*s));
	if (!st)
		return -1;
	db_bind_int64(st, 1, since);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *g = (const char *)sqlite3_column_text(st, 0);
		const char *b = (const char *)sqlite3_column_text(st, 1);
		struct strbuf k = STRBUF_INIT;

		if (!g || !b)
			continue;
		strbuf_addf(&k, "%s\n%s", g, b);
		ALLOC_GROW(s->keys, s->nr + 1, s->alloc);
		s->keys[s->nr++] = strbuf_detach(&k, NULL);
	}
	sqlite3_finalize(st);
	if (s->nr)
		qsort(s->keys, s->nr, sizeof(*s->keys), cmp_str);
	s->seen = xcalloc(s->nr + 1, 1);
	return rc < 0 ? -1 : 0;
}

/* The index of group's batch among the events, or -1. */
static long events_find(const struct event_set *s, const char *group,
			const char *batch)
{
	struct strbuf k = STRBUF_INIT;
	char *key, **hit;

	if (!s->nr)
		return -1;
	strbuf_addf(&k, "%s\n%s", group, batch);
	key = k.buf;
	hit = bsearch(&key, s->keys, s->nr, sizeof(*s->keys), cmp_str);
	strbuf_release(&k);
	return hit ? hit - s->keys : -1;
}

static void events_release(struct event_set *s)
{
	size_t i;

	for (i = 0; i < s->nr; i++)
		free(s->keys[i]);
	free(s->keys);
	free(s->seen);
	memset(s, 0, sizeof(*s));
}

/* ---- opening a group file for a look ------------------------------------ */

/*
 * Open a group file without changing it: NULL with `*why` set (a problem
 * to report) when it is empty or does not open; NULL with `*why` NULL and
 * error() set when this read-only process cannot read it at all.
 */
static sqlite3 *open_group_file(const char *path, char **why)
{
	struct stat st;
	sqlite3 *db;

	*why = NULL;
	/* opening an empty file would make it a database: look only */
	if (stat(path, &st) == 0 && st.st_size == 0) {
		*why = xstrdup("empty file: the group's database was lost");
		return NULL;
	}
	if (!db_writable(path, NULL) && db_check_readable(path) < 0) {
		err_prefix("cannot check: ");
		return NULL;
	}
	db = db_open(path, 0);
	if (!db) {
		*why = xstrdup(err_msg());
		err_clear();
	}
	return db;
}

/* .mlrepo/features/NAME as fsck names it: from the work tree. */
static char *shown_path(struct repo *r, const char *entry)
{
	char *path = repo_path(r, "features/%s", entry);
	size_t n = strlen(r->worktree);
	char *shown;

	if (strncmp(path, r->worktree, n) || path[n] != '/')
		return path;
	shown = xstrdup(path + n + 1);
	free(path);
	return shown;
}

/* ---- status ------------------------------------------------------------- */

/* feature groups:  N, M rows */
static int status(struct repo *r, sqlite3 *catalog, struct domain_status *st)
{
	char **names;
	int n, i, unreadable = 0;
	int64_t rows = 0;

	(void)catalog;
	if (fs_group_list(r, &names, &n) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		char *path = fs_group_path(r, names[i]), *why = NULL;
		sqlite3 *db = open_group_file(path, &why);
		/* the batches' counts: fsck checks them against the rows */
		int64_t k = db ? db_query_int(db, "SELECT coalesce(sum(rows), "
						  "0) FROM batches") : -1;

		if (k < 0) {
			unreadable++;
			err_clear();
		} else {
			rows += k;
		}
		db_close(db);
		free(why);
		free(path);
		free(names[i]);
	}
	free(names);
	strbuf_addf(st->text, "feature groups:  %d, %lld rows", n,
		    (long long)rows);
	if (unreadable)
		strbuf_addf(st->text, " (%d unreadable: see 'mlrepo fsck')",
			    unreadable);
	strbuf_addch(st->text, '\n');
	cJSON_AddNumberToObject(st->json, "feature_groups", n);
	cJSON_AddNumberToObject(st->json, "feature_rows", (double)rows);
	return 0;
}

/* ---- fsck --------------------------------------------------------------- */

struct fsck_ctx {
	struct repo *r;
	domain_problem_fn report;
	void *data;
	struct event_set ev;
	int have_events;
	/* groups whose file could not be read: their events are not judged */
	char **unread;
	size_t nunread, aunread;
};

static void report_count(struct fsck_ctx *c, const char *shown, sqlite3 *db,
			 const char *sql, const char *what)
{
	int64_t n = db_query_int(db, sql);
	struct strbuf sb = STRBUF_INIT;

	if (n < 0) {
		c->report(c->data, shown, err_msg());
		err_clear();
	} else if (n > 0) {
		strbuf_addf(&sb, "%lld %s", (long long)n, what);
		c->report(c->data, shown, sb.buf);
	}
	strbuf_release(&sb);
}

/* Every schema version reads, and is the group's. */
static void check_versions(struct fsck_ctx *c, const char *name,
			   const char *shown, sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT version, spec FROM schema "
					  "ORDER BY version");
	struct strbuf sb = STRBUF_INIT;
	int rc, n = 0;

	if (!st) {
		c->report(c->data, shown, err_msg());
		err_clear();
		return;
	}
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *spec = (const char *)sqlite3_column_text(st, 1);
		int v = sqlite3_column_int(st, 0);
		struct fs_group g = { 0 };

		n++;
		strbuf_reset(&sb);
		if (!spec || fs_group_parse_spec(&g, spec, shown) < 0) {
			err_clear();
			strbuf_addf(&sb, "schema version %d cannot be read", v);
			c->report(c->data, shown, sb.buf);
			continue;
		}
		if (strcmp(g.name, name)) {
			strbuf_addf(&sb, "schema version %d is of group '%s'",
				    v, g.name);
			c->report(c->data, shown, sb.buf);
		}
		fs_group_release(&g);
	}
	if (rc < 0) {
		c->report(c->data, shown, err_msg());
		err_clear();
	} else if (!n) {
		c->report(c->data, shown, "no schema version");
	}
	sqlite3_finalize(st);
	strbuf_release(&sb);
}

/* Each batch holds the rows it records, and has its event. */
static void check_batches(struct fsck_ctx *c, const char *name,
			  const char *shown, sqlite3 *db)
{
	sqlite3_stmt *st = db_prepare(db,
		"SELECT x.id, x.rows, coalesce(y.n, 0) FROM batches x "
		"LEFT JOIN (SELECT b, count(*) AS n FROM rows GROUP BY b) y "
		"ON y.b = x.seq ORDER BY x.seq");
	struct strbuf sb = STRBUF_INIT;
	int rc;

	if (!st) {
		c->report(c->data, shown, err_msg());
		err_clear();
		return;
	}
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 0);
		int64_t want = sqlite3_column_int64(st, 1);
		int64_t have = sqlite3_column_int64(st, 2);
		long k;

		strbuf_reset(&sb);
		if (want != have) {
			strbuf_addf(&sb, "batch %s records %lld rows; %lld "
				    "are present", id, (long long)want,
				    (long long)have);
			c->report(c->data, shown, sb.buf);
			strbuf_reset(&sb);
		}
		if (!c->have_events)
			continue;
		k = events_find(&c->ev, name, id);
		if (k >= 0) {
			c->ev.seen[k] = 1;
		} else {
			strbuf_addf(&sb, "note: batch %s has no fs.ingest "
				    "event (a crash came between its commit "
				    "and its journal entry; the batch is "
				    "sound)", id);
			c->report(c->data, shown, sb.buf);
		}
	}
	if (rc < 0) {
		c->report(c->data, shown, err_msg());
		err_clear();
	}
	sqlite3_finalize(st);
	strbuf_release(&sb);
}

/* One group file; -1 only when it cannot be checked at all. */
static int check_group(struct fsck_ctx *c, const char *name,
		       const char *entry)
{
	static const char *const tables[] = { "schema", "batches", "rows",
					      NULL };
	char *path = repo_path(c->r, "features/%s", entry);
	char *shown = shown_path(c->r, entry), *why = NULL, *problems = NULL;
	sqlite3 *db = open_group_file(path, &why);
	int i, rc = 0, sound = 1;

	if (!db) {
		if (!why) {
			rc = -1;
			goto out;
		}
		c->report(c->data, shown, why);
		sound = 0;
		goto out;
	}
	rc = db_integrity(db, &problems);
	if (rc != 0) {
		char *line = problems, *nl;

		sound = 0;
		if (rc < 0)
			c->report(c->data, shown, err_msg());
		for (; line && *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (!nl)
				nl = line + strlen(line) - 1;
			else
				*nl = '\0';
			c->report(c->data, shown, line);
		}
		err_clear();
	}
	rc = 0;
	for (i = 0; tables[i]; i++)
		if (!db_has_table(db, tables[i])) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "table '%s' is missing", tables[i]);
			c->report(c->data, shown, sb.buf);
			strbuf_release(&sb);
			sound = 0;
		}
	if (!sound)
		goto out;
	check_versions(c, name, shown, db);
	report_count(c, shown, db, "SELECT count(*) FROM batches WHERE "
		     "version NOT IN (SELECT version FROM schema)",
		     "batches of schema versions that do not exist");
	report_count(c, shown, db, "SELECT count(*) FROM rows WHERE b NOT IN "
		     "(SELECT seq FROM batches)",
		     "rows of batches that do not exist");
	check_batches(c, name, shown, db);
out:
	if (!sound) {
		ALLOC_GROW(c->unread, c->nunread + 1, c->aunread);
		c->unread[c->nunread++] = xstrdup(name);
	}
	db_close(db);
	free(problems);
	free(why);
	free(shown);
	free(path);
	return rc;
}

/*
 * What an entry of features/ is: 1 a group (NAME.db), 0 a group's
 * companion (-wal, -shm, -journal), 2 a writer's lock (NAME.db.lock and
 * its companions), -1 a stray file.
 */
static int entry_kind(const char *e, char **group)
{
	static const char *const companions[] = { "", "-wal", "-shm",
						  "-journal", NULL };
	const char *db = strstr(e, ".db");
	char *name;
	int i;

	*group = NULL;
	if (!db || db == e)
		return -1;
	name = xstrndup(e, db - e);
	if (!names_valid(name)) {
		free(name);
		return -1;
	}
	db += 3;
	for (i = 0; companions[i]; i++) {
		if (!strcmp(db, companions[i])) {
			*group = name;
			return i == 0;
		}
		if (!strncmp(db, ".lock", 5) && !strcmp(db + 5, companions[i])) {
			*group = name;
			return 2;
		}
	}
	free(name);
	return -1;
}

static int fsck(struct repo *r, domain_problem_fn report, void *data)
{
	struct fsck_ctx c = { r, report, data, { 0 }, 0, NULL, 0, 0 };
	sqlite3 *catalog = repo_catalog(r);
	char *dir = repo_path(r, "features");
	struct dirent *de;
	DIR *d;
	size_t i;
	int rc = 0;

	if (catalog) {
		if (events_load(catalog, INT64_MIN, &c.ev) < 0) {
			report(data, "catalog.db", err_msg());
			events_release(&c.ev);
		} else {
			c.have_events = 1;
		}
	}
	/* a catalog that does not open is the repository layer's problem */
	err_clear();
	d = opendir(dir);
	if (!d) {
		/* a missing features/ is the layout's problem */
		free(dir);
		events_release(&c.ev);
		return 0;
	}
	while (rc == 0 && (de = readdir(d))) {
		char *group, *shown;
		int kind;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		kind = entry_kind(de->d_name, &group);
		if (kind == 1) {
			struct stat st;
			char *p = repo_path(r, "features/%s", de->d_name);

			if (stat(p, &st) == 0 && !S_ISREG(st.st_mode))
				kind = -1;
			free(p);
		}
		shown = shown_path(r, de->d_name);
		if (kind == 1)
			rc = check_group(&c, group, de->d_name);
		else if (kind == 2)
			report(data, shown, "note: a writer's lock: one at "
			       "work, or left by one that was killed (remove "
			       "it if no fs-ingest runs)");
		else if (kind < 0)
			report(data, shown, "stray file in features/: not a "
			       "feature group");
		free(shown);
		free(group);
	}
	closedir(d);
	free(dir);
	if (c.unread && c.nunread)
		qsort(c.unread, c.nunread, sizeof(*c.unread), cmp_str);
	for (i = 0; rc == 0 && c.have_events && i < c.ev.nr; i++) {
		char *nl = strchr(c.ev.keys[i], '\n');
		struct strbuf sb = STRBUF_INIT;
		char *g;

		if (c.ev.seen[i])
			continue;
		g = xstrndup(c.ev.keys[i], nl - c.ev.keys[i]);
		if (!(c.nunread && bsearch(&g, c.unread, c.nunread,
					   sizeof(*c.unread), cmp_str))) {
			strbuf_addf(&sb, "fs.ingest event of batch %s of "
				    "feature group '%s': the batch is missing",
				    nl + 1, g);
			report(data, "catalog.db", sb.buf);
		}
		strbuf_release(&sb);
		free(g);
	}
	for (i = 0; i < c.nunread; i++)
		free(c.unread[i]);
	free(c.unread);
	events_release(&c.ev);
	return rc;
}

/* ---- bundle create ------------------------------------------------------ */

/* Flush `sb` to the file when it grew big. */
static int spill(struct fs_atomic *a, struct strbuf *sb, int force)
{
	if (!force && sb->len < 1 << 20)
		return 0;
	if (fs_write_all(a->fd, sb->buf, sb->len) < 0)
		return error("cannot write '%s': %s", a->tmp_path,
			     strerror(errno));
	strbuf_reset(sb);
	return 0;
}

/* Write one group's bundle file into a->fd. */
static int dump_group(sqlite3 *db, const char *name,
		      const struct event_set *ev, int64_t since,
		      struct fs_atomic *a)
{
	struct strbuf sb = STRBUF_INIT;
	sqlite3_stmt *sv = NULL, *sbat = NULL, *srow = NULL;
	int rc = -1, i, ncol, bcol = -1, have_row, first, step;

	/* the header: the rows' columns, all but their batch's seq */
	srow = db_prepare(db, "SELECT * FROM rows ORDER BY b, rowid");
	if (!srow)
		goto out;
	ncol = sqlite3_column_count(srow);
	strbuf_addf(&sb, "{\"group\":");
	strbuf_add_json_str(&sb, name);
	strbuf_addf(&sb, ",\"format\":%d,\"columns\":[", BUNDLE_FILE_FORMAT);
	for (i = 0, first = 1; i < ncol; i++) {
		const char *c = sqlite3_column_name(srow, i);

		if (!strcmp(c, "b")) {
			bcol = i;
			continue;
		}
		if (!first)
			strbuf_addch(&sb, ',');
		first = 0;
		strbuf_add_json_str(&sb, c);
	}
	strbuf_addstr(&sb, "]}\n");
	if (bcol < 0) {
		error("'%s': the rows have no batch column", db_name(db));
		goto out;
	}
	/* every schema version */
	sv = db_prepare(db, "SELECT version, time, spec FROM schema ORDER BY "
			    "version");
	if (!sv)
		goto out;
	while ((step = db_step(sv)) == SQLITE_ROW) {
		strbuf_addf(&sb, "{\"schema\":%d,\"time\":%lld,\"spec\":%s}\n",
			    sqlite3_column_int(sv, 0),
			    (long long)sqlite3_column_int64(sv, 1),
			    (const char *)sqlite3_column_text(sv, 2));
	}
	if (step < 0)
		goto out;
	/* which batches go: by time, or by their event's time */
	sbat = db_prepare(db, "SELECT seq, id, time, source, sha256, rows, "
			      "rejected, user, version FROM batches ORDER BY "
			      "seq");
	if (!sbat)
		goto out;
	have_row = db_step(srow);
	while ((step = db_step(sbat)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(sbat, 0);
		const char *id = (const char *)sqlite3_column_text(sbat, 1);
		int go = sqlite3_column_int64(sbat, 2) >= since ||
			 events_find(ev, name, id) >= 0;

		if (go) {
			static const char *const keys[] = {
				"batch", "time", "source", "sha256", "rows",
				"rejected", "user", "version"
			};

			strbuf_addch(&sb, '{');
			for (i = 0; i < 8; i++) {
				if (i)
					strbuf_addch(&sb, ',');
				strbuf_addf(&sb, "\"%s\":", keys[i]);
				db_add_json_value(&sb, sbat, i + 1);
			}
			strbuf_addstr(&sb, "}\n");
		}
		/* its rows follow it; rows of no batch are fsck's */
		for (; have_row == SQLITE_ROW; have_row = db_step(srow)) {
			int64_t b = sqlite3_column_int64(srow, bcol);

			if (b > seq)
				break;
			if (b < seq || !go)
				continue;
			strbuf_addch(&sb, '[');
			for (i = 0, first = 1; i < ncol; i++) {
				if (i == bcol)
					continue;
				if (!first)
					strbuf_addch(&sb, ',');
				first = 0;
				db_add_json_value(&sb, srow, i);
			}
			strbuf_addstr(&sb, "]\n");
			if (spill(a, &sb, 0) < 0)
				goto out;
		}
		if (have_row < 0)
			goto out;
	}
	if (step < 0 || spill(a, &sb, 1) < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(sv);
	sqlite3_finalize(sbat);
	sqlite3_finalize(srow);
	strbuf_release(&sb);
	return rc;
}

static int bundle_files(struct repo *r, int64_t since, domain_file_fn fn,
			void *data)
{
	struct event_set ev = { 0 };
	sqlite3 *catalog = repo_catalog(r);
	char **names = NULL;
	int n = 0, i, rc = -1;

	if (!catalog || events_load(catalog, since, &ev) < 0 ||
	    fs_group_list(r, &names, &n) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		struct fs_atomic a = FS_ATOMIC_INIT;
		struct strbuf entry = STRBUF_INIT;
		char *path = fs_group_path(r, names[i]), *why = NULL;
		sqlite3 *db = open_group_file(path, &why);
		int ok;

		if (!db && why)
			error("%s", why);
		ok = db && repo_tmpfile(r, "bundle-group", &a) == 0 &&
		     dump_group(db, names[i], &ev, since, &a) == 0;
		db_close(db);
		free(why);
		free(path);
		strbuf_addf(&entry, "%s.jsonl", names[i]);
		/* the bundle reads the file before fn() returns */
		if (ok && fn(data, entry.buf, a.tmp_path) < 0)
			ok = 0;
		if (!ok)
			err_prefix("feature group '%s': ", names[i]);
		fs_atomic_abort(&a);
		strbuf_release(&entry);
		if (!ok)
			goto out;
	}
	rc = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	events_release(&ev);
	return rc;
}

/* ---- unbundle ----------------------------------------------------------- */

/* One line of the buffer at a time. */
struct lines {
	const char *p, *end;
	int no;
	int bad;	/* a line was no JSON (error_input() set) */
};

static cJSON *next_line(struct lines *l)
{
	const char *nl;
	cJSON *j;

	while (l->p < l->end) {
		nl = memchr(l->p, '\n', l->end - l->p);
		if (!nl)
			nl = l->end;
		l->no++;
		if (nl == l->p) {
			l->p = nl + 1;
			continue;
		}
		j = cJSON_ParseWithLength(l->p, nl - l->p);
		l->p = nl + 1;
		if (!j) {
			l->bad = 1;
			error_input("line %d: not JSON", l->no);
		}
		return j;
	}
	return NULL;
}

static int is_int(const cJSON *v, int64_t *out)
{
	if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
	    fabs(v->valuedouble) <= 9007199254740992.0) {
		*out = (int64_t)v->valuedouble;
		return 1;
	}
	if (cJSON_IsString(v)) {
		char *end;

		errno = 0;
		*out = strtoll(v->valuestring, &end, 10);
		return !errno && *v->valuestring && !*end;
	}
	return 0;
}

static int is_id32(const char *s)
{
	int i;

	for (i = 0; i < 32; i++)
		if (!s[i] || !strchr("0123456789abcdef", s[i]))
			return 0;
	return !s[32];
}

static void bind_value(sqlite3_stmt *st, int i, const cJSON *v)
{
	int64_t n;

	if (cJSON_IsNull(v)) {
		sqlite3_bind_null(st, i);
	} else if (cJSON_IsNumber(v)) {
		if (is_int(v, &n))
			sqlite3_bind_int64(st, i, n);
		else
			sqlite3_bind_double(st, i, v->valuedouble);
	} else if (cJSON_IsString(v)) {
		/* an integer beyond 2^53: INTEGER affinity takes it back */
		db_bind_text(st, i, v->valuestring);
	} else {
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(v, "float");
		const char *s = cJSON_IsString(f) ? f->valuestring : "nan";

		/* NaN, which SQLite cannot hold, is the text 'nan' */
		if (!strcmp(s, "inf"))
			sqlite3_bind_double(st, i, INFINITY);
		else if (!strcmp(s, "-inf"))
			sqlite3_bind_double(st, i, -INFINITY);
		else
			db_bind_text(st, i, "nan");
	}
}

/* A bundle's schema version. */
struct version {
	int version;
	int64_t time;
	cJSON *spec;
};

/* Does the rows table have this column? */
static int has_column(sqlite3 *db, const char *col)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM pragma_table_info("
					  "'rows') WHERE name = ?");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, col);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc < 0 ? -1 : rc == SQLITE_ROW;
}

/*
 * Take the bundle's schema versions into the open transaction: those the
 * group has must be the same, the others come next in order (their new
 * features become columns).  `fresh`: the file is new and has no tables.
 */
static int take_versions(sqlite3 *db, const char *name, int fresh,
			 const struct version *v, int nv)
{
	sqlite3_stmt *st = NULL;
	struct fs_group g = { 0 };
	int i, j, rc = -1, have = 0;

	for (i = 0; i < nv; i++) {
		char *text = NULL;
		int local = 0;

		if (!fresh) {
			st = db_prepare(db, "SELECT spec FROM schema WHERE "
					    "version = ?");
			if (!st)
				goto out;
			sqlite3_bind_int(st, 1, v[i].version);
			local = db_step(st);
			if (local < 0)
				goto out;
			if (local == SQLITE_ROW) {
				cJSON *mine = cJSON_Parse((const char *)
					sqlite3_column_text(st, 0));
				int same = mine && cJSON_Compare(mine,
							v[i].spec, 1);

				cJSON_Delete(mine);
				if (!same) {
					error_input("feature group '%s': "
						    "schema version %d differs "
						    "from this repository's; "
						    "nothing was changed", name,
						    v[i].version);
					err_hint("the group was defined apart "
						 "in each repository: define "
						 "a new group in one of them");
					goto out;
				}
				have = v[i].version;
				sqlite3_finalize(st);
				st = NULL;
				continue;
			}
			sqlite3_finalize(st);
			st = NULL;
			if (!have)
				have = (int)db_query_int(db, "SELECT coalesce("
							 "max(version), 0) "
							 "FROM schema");
		}
		if (v[i].version != have + 1) {
			error_input("feature group '%s': schema version %d "
				    "comes without version %d", name,
				    v[i].version, have + 1);
			goto out;
		}
		text = cJSON_PrintUnformatted(v[i].spec);
		fs_group_release(&g);
		if (fs_group_parse_spec(&g, text, name) < 0 ||
		    strcmp(g.name, name)) {
			free(text);
			error_input("feature group '%s': schema version %d "
				    "cannot be read", name, v[i].version);
			goto out;
		}
		if (fresh && v[i].version == 1 &&
		    fs_group_create_tables(db, &g) < 0) {
			free(text);
			goto out;
		}
		for (j = 0; j < g.nfeatures; j++) {
			struct strbuf sql = STRBUF_INIT;
			int k;

			strbuf_addf(&sql, "f%d", g.features[j].slot);
			k = has_column(db, sql.buf);
			strbuf_reset(&sql);
			if (!k)
				strbuf_addf(&sql, "ALTER TABLE rows ADD COLUMN "
					    "f%d %s", g.features[j].slot,
					    fs_sql_type(g.features[j].type));
			k = k < 0 || (!k && db_exec(db, sql.buf) < 0);
			strbuf_release(&sql);
			if (k) {
				free(text);
				goto out;
			}
		}
		st = db_prepare(db, "INSERT INTO schema(version, time, spec) "
				    "VALUES (?, ?, ?)");
		if (st) {
			sqlite3_bind_int(st, 1, v[i].version);
			db_bind_int64(st, 2, v[i].time);
			db_bind_text(st, 3, text);
		}
		free(text);
		if (!st || db_step(st) != SQLITE_DONE)
			goto out;
		sqlite3_finalize(st);
		st = NULL;
		have = v[i].version;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	fs_group_release(&g);
	return rc;
}

/* The INSERT for a row of the bundle's columns, with b last. */
static sqlite3_stmt *row_insert(sqlite3 *db, const cJSON *cols)
{
	struct strbuf sql = STRBUF_INIT;
	const cJSON *c;
	sqlite3_stmt *st = NULL;
	int n = 0;

	strbuf_addstr(&sql, "INSERT INTO rows(");
	cJSON_ArrayForEach(c, cols) {
		const char *s = c->valuestring;
		size_t k = *s ? strspn(s + 1, "0123456789") : 0;
		int ok = *s && (!strcmp(s, "t") || !strcmp(s, "c") ||
			  ((*s == 'e' || *s == 'f') && k && !s[1 + k]));

		if (!ok || has_column(db, s) != 1) {
			error_input("unknown column '%s'", s);
			goto out;
		}
		strbuf_addf(&sql, "%s, ", s);
		n++;
	}
	strbuf_addstr(&sql, "b) VALUES (");
	while (n--)
		strbuf_addstr(&sql, "?, ");
	strbuf_addstr(&sql, "?)");
	st = db_prepare(db, sql.buf);
out:
	strbuf_release(&sql);
	return st;
}

/*
 * The batches and rows after the versions, into the open transaction;
 * `j` is the first record after the versions (freed here).
 */
static int take_batches(sqlite3 *db, struct lines *l, const cJSON *cols,
			cJSON *j)
{
	static const char *const keys[] = { "batch", "time", "source",
					    "sha256", "rows", "rejected",
					    "user", "version" };
	sqlite3_stmt *ins = NULL, *bat = NULL, *seen = NULL, *ver = NULL;
	int ncol = cJSON_GetArraySize(cols), i, rc = -1, go = 0;
	int in_batch = 0;
	int64_t want = 0, got = 0, seq = 0, n, version;

	ins = row_insert(db, cols);
	bat = db_prepare(db, "INSERT INTO batches(id, time, source, sha256, "
			     "rows, rejected, user, version) VALUES "
			     "(?, ?, ?, ?, ?, ?, ?, ?)");
	seen = db_prepare(db, "SELECT 1 FROM batches WHERE id = ?");
	ver = db_prepare(db, "SELECT 1 FROM schema WHERE version = ?");
	if (!ins || !bat || !seen || !ver)
		goto out;
	for (; j; cJSON_Delete(j), j = next_line(l)) {
		const cJSON *id;

		if (cJSON_IsArray(j)) {
			const cJSON *v;

			if (!in_batch) {
				error_input("line %d: a row before any batch",
					    l->no);
				goto out;
			}
			if (cJSON_GetArraySize(j) != ncol || ++got > want) {
				error_input("line %d: not a row of %d values "
					    "of its batch", l->no, ncol);
				goto out;
			}
			if (!go)
				continue;
			i = 1;
			cJSON_ArrayForEach(v, j)
				bind_value(ins, i++, v);
			sqlite3_bind_int64(ins, i, seq);
			if (db_step(ins) != SQLITE_DONE)
				goto out;
			sqlite3_reset(ins);
			continue;
		}
		if (got != want) {
			error_input("line %d: the batch before has %lld rows "
				    "of %lld", l->no, (long long)got,
				    (long long)want);
			goto out;
		}
		id = cJSON_GetObjectItemCaseSensitive(j, "batch");
		if (!cJSON_IsString(id) || !is_id32(id->valuestring) ||
		    !is_int(cJSON_GetObjectItemCaseSensitive(j, "time"), &n) ||
		    !is_int(cJSON_GetObjectItemCaseSensitive(j, "rows"),
			    &want) || want < 0 ||
		    !is_int(cJSON_GetObjectItemCaseSensitive(j, "version"),
			    &version)) {
			error_input("line %d: not a batch record", l->no);
			goto out;
		}
		in_batch = 1;
		got = 0;
		db_bind_text(seen, 1, id->valuestring);
		i = db_step(seen);
		sqlite3_reset(seen);
		if (i < 0)
			goto out;
		go = i != SQLITE_ROW;
		if (!go)
			continue;
		sqlite3_bind_int64(ver, 1, version);
		i = db_step(ver);
		sqlite3_reset(ver);
		if (i < 0)
			goto out;
		if (i != SQLITE_ROW) {
			error_input("line %d: batch %s is of schema version "
				    "%lld, which the bundle lacks", l->no,
				    id->valuestring, (long long)version);
			goto out;
		}
		for (i = 0; i < 8; i++)
			bind_value(bat, i + 1,
				   cJSON_GetObjectItemCaseSensitive(j, keys[i]));
		if (db_step(bat) != SQLITE_DONE)
			goto out;
		sqlite3_reset(bat);
		seq = sqlite3_last_insert_rowid(db);
	}
	if (l->bad)
		goto out;
	if (got != want) {
		error_input("line %d: the last batch has %lld rows of %lld",
			    l->no, (long long)got, (long long)want);
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(j);
	sqlite3_finalize(ins);
	sqlite3_finalize(bat);
	sqlite3_finalize(seen);
	sqlite3_finalize(ver);
	return rc;
}

static int unbundle_file(struct repo *r, sqlite3 *catalog, const char *file,
			 const void *buf, size_t len)
{
	struct lines l = { buf, (const char *)buf + len, 0 };
	struct fs_atomic a = FS_ATOMIC_INIT;
	struct version *v = NULL;
	cJSON *head = NULL, *j = NULL;
	const cJSON *g, *f, *cols, *c;
	size_t n = strlen(file);
	char *name = NULL, *path = NULL;
	sqlite3 *db = NULL;
	int nv = 0, av = 0, rc = -1, fresh = 0, in_tx = 0, i;

	(void)catalog;
	err_clear();
	if (n <= 6 || strcmp(file + n - 6, ".jsonl"))
		return error_input("not a feature group's file");
	name = xstrndup(file, n - 6);
	if (names_check("feature group", name) < 0)
		goto out;
	head = next_line(&l);
	g = cJSON_GetObjectItemCaseSensitive(head, "group");
	f = cJSON_GetObjectItemCaseSensitive(head, "format");
	cols = cJSON_GetObjectItemCaseSensitive(head, "columns");
	if (!cJSON_IsString(g) || strcmp(g->valuestring, name) ||
	    !cJSON_IsNumber(f) || !cJSON_IsArray(cols)) {
		error_input("line 1: not the header of feature group '%s'",
			    name);
		goto out;
	}
	if (f->valuedouble != BUNDLE_FILE_FORMAT) {
		error_input("a feature group file of format %g; this mlrepo "
			    "reads %d", f->valuedouble, BUNDLE_FILE_FORMAT);
		goto out;
	}
	cJSON_ArrayForEach(c, cols)
		if (!cJSON_IsString(c)) {
			error_input("line 1: a column that is not a string");
			goto out;
		}
	/* the schema versions come first */
	while ((j = next_line(&l))) {
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(j,
								    "schema");
		const cJSON *spec = cJSON_GetObjectItemCaseSensitive(j,
								     "spec");
		int64_t t;

		if (!ver)
			break;
		if (!cJSON_IsNumber(ver) || !cJSON_IsObject(spec) ||
		    !is_int(cJSON_GetObjectItemCaseSensitive(j, "time"), &t) ||
		    ver->valueint != nv + 1) {
			error_input("line %d: not schema version %d", l.no,
				    nv + 1);
			goto out;
		}
		ALLOC_GROW(v, nv + 1, av);
		v[nv].version = ver->valueint;
		v[nv].time = t;
		v[nv].spec = cJSON_DetachItemFromObjectCaseSensitive(j, "spec");
		nv++;
		cJSON_Delete(j);
	}
	if (l.bad)
		goto out;
	if (!nv) {
		error_input("feature group '%s' comes without a schema version",
			    name);
		goto out;
	}

	path = fs_group_path(r, name);
	if (!fs_exists(path)) {
		if (fs_atomic_begin(&a, path, 0644, FS_ATOMIC_LOCK |
				    FS_ATOMIC_MKDIR) < 0)
			goto out;
		/* another process may have made it while we waited */
		fresh = !fs_exists(path);
		if (!fresh)
			fs_atomic_abort(&a);
	}
	db = db_open(fresh ? a.tmp_path : path, fresh);
	if (!db || (fresh && fs_group_new_file(db) < 0) || db_begin(db) < 0)
		goto out;
	in_tx = 1;
	if (take_versions(db, name, fresh, v, nv) < 0)
		goto out;
	rc = take_batches(db, &l, cols, j);
	j = NULL; /* take_batches() freed it */
	if (rc < 0)
		goto out;
	rc = -1;
	if (db_commit(db) < 0)
		goto out;
	in_tx = 0;
	if (fresh) {
		/* the whole group in the file itself, as create_group() */
		if (db_exec(db, "PRAGMA journal_mode = DELETE") < 0)
			goto out;
		db_close(db);
		db = NULL;
		if (fs_atomic_commit(&a) < 0)
			goto out;
	}
	rc = 0;
out:
	if (in_tx)
		db_rollback(db);
	db_close(db);
	fs_atomic_abort(&a);
	cJSON_Delete(j);
	cJSON_Delete(head);
	for (i = 0; i < nv; i++)
		cJSON_Delete(v[i].spec);
	free(v);
	free(path);
	free(name);
	return rc;
}

const struct domain fs_domain = {
	.name = "features",
	.status = status,
	.fsck = fsck,
	.bundle_files = bundle_files,
	.unbundle_file = unbundle_file,
};
