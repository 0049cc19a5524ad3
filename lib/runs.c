/* runs.c - see runs.h */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "domain.h"
#include "err.h"
#include "events.h"
#include "expr.h"
#include "fsutil.h"
#include "mltime.h"
#include "names.h"
#include "num.h"
#include "odb.h"
#include "proc.h"
#include "repo.h"
#include "runfeed.h"
#include "runs.h"
#include "strbuf.h"
#include "tree.h"

static const char *const status_names[] = { "running", "finished", "failed",
					    "killed" };

const char *runs_status_name(enum run_status s)
{
	return status_names[s];
}

int runs_status_parse(const char *s, enum run_status *out)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!strcmp(s, status_names[i])) {
			*out = (enum run_status)i;
			return 0;
		}
	return error_input("not a run status: '%s' (running, finished, "
			   "failed or killed)", s);
}

int runs_check_key(const char *what, const char *key)
{
	const char *p;

	if (!*key)
		return error_input("%s key is empty", what);
	if (strlen(key) > RUNS_KEY_MAX)
		return error_input("%s key is longer than %d bytes: '%.40s...'",
				   what, RUNS_KEY_MAX, key);
	for (p = key; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_./ -", *p))
			return error_input("bad %s key '%s': only letters, "
					   "digits and '_./ -' are allowed",
					   what, key);
	return 0;
}

int runs_split_kv(const char *what, const char *arg, char **key,
		  char **value)
{
	const char *eq = strchr(arg, '=');

	*key = *value = NULL;
	if (!eq)
		return error_input("expected %s KEY=VALUE, not '%s'", what, arg);
	*key = xstrndup(arg, eq - arg);
	if (runs_check_key(what, *key) < 0) {
		free(*key);
		*key = NULL;
		return -1;
	}
	*value = xstrdup(eq + 1);
	return 0;
}

/*
 * A metric value: num.h's decimal grammar (no hex, no stray text), or
 * nan, inf, infinity; a number too large for a double is refused rather
 * than stored as infinity.
 */
int runs_parse_value(const char *s, double *out)
{
	size_t n = strlen(s);

	if (!n || strchr(" \t", s[0]) || strchr(" \t", s[n - 1]) ||
	    num_parse_float(s, n, out) < 0)
		return error_input("not a number: '%s'", s);
	if (isinf(*out) && strpbrk(s, "0123456789"))
		return error_input("out of range: '%s'", s);
	return 0;
}

int runs_parse_step(const char *s, int64_t *out)
{
	int64_t v;
	int rc = num_parse_int(s, strlen(s), &v);

	if (rc == -1)
		return error_input("step is not an integer: '%s'", s);
	if (rc == -2 || v > RUNS_STEP_MAX || v < -RUNS_STEP_MAX)
		return error_input("step %s is out of range (at most 2^53 either "
				   "way)", s);
	*out = v;
	return 0;
}

/* ---- starting, resolving ---------------------------------------------- */

int runs_ensure_experiment(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = db_prepare(db, "INSERT OR IGNORE INTO experiments"
					  "(name, created) VALUES (?, ?)");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, mltime_now());
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int put_kv(sqlite3 *db, const char *sql, const char *run,
		  const char *key, const char *value);

/* Run `sql` with ?1 `a` and ?2 `b` (NULL: unbound); the rows changed or -1. */
static int exec_2(sqlite3 *db, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, a);
	if (b)
		db_bind_text(st, 2, b);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? sqlite3_changes(db) : -1;
}

/* Does `sql` ("SELECT 1 FROM ... WHERE key = ?") find `key`?  1, 0 or -1. */
static int row_exists(sqlite3 *db, const char *sql, const char *key)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, key);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc < 0 ? -1 : 0;
}

/*
 * Begin a write transaction in which the row that `sql` ("SELECT 1 FROM
 * ... WHERE key = ?") finds for `key` exists: 0 with the transaction open,
 * 1 when there is no such row, -1 on error; no transaction stays open
 * unless 0 is returned.
 */
static int begin_where(sqlite3 *db, const char *sql, const char *key)
{
	int rc;

	if (db_begin(db) < 0)
		return -1;
	rc = row_exists(db, sql, key);
	if (rc == 1)
		return 0;
	db_rollback(db);
	return rc < 0 ? -1 : 1;
}
int runs_experiment_tags_begin(sqlite3 *db, const char *name)
{
	int rc;

	if (names_check("experiment", name) < 0)
		return -1;
	rc = begin_where(db, "SELECT 1 FROM experiments WHERE name = ?", name);
	return rc <= 0 ? rc : error_input("no such experiment: '%s'", name);
}

/* A tag's key and value are within the rules. */
static int check_tag(const char *key, const char *value)
{
	if (runs_check_key("tag", key) < 0)
		return -1;
	if (strlen(value) > RUNS_PARAM_VALUE_MAX)
		return error_input("tag '%s': value longer than %d bytes", key,
				   RUNS_PARAM_VALUE_MAX);
	return 0;
}

int runs_experiment_tag(sqlite3 *db, const char *experiment, const char *key,
			const char *value)
{
	if (check_tag(key, value) < 0)
		return -1;
	return put_kv(db, "INSERT INTO experiment_tags(experiment, key, value,"
			  " time) VALUES (?1,?2,?3,?4) ON CONFLICT(experiment,"
			  " key) DO UPDATE SET value = ?3, time = ?4",
		      experiment, key, value);
}

int runs_experiment_tag_delete(sqlite3 *db, const char *experiment,
			       const char *key)
{
	int n;

	if (runs_check_key("tag", key) < 0)
		return -1;
	n = exec_2(db, "DELETE FROM experiment_tags WHERE experiment = ? AND "
		       "key = ?", experiment, key);
	if (n == 0)
		return error_input("no such tag '%s' in experiment '%s'", key,
				   experiment);
	return n < 0 ? -1 : 0;
}

/* Run `cmd` (fixed text) and return its first line of output, or NULL. */
static char *first_line(const char *cmd)
{
	FILE *fp = popen(cmd, "r");
	char buf[256];
	char *r = NULL;

	if (!fp)
		return NULL;
	if (fgets(buf, sizeof(buf), fp)) {
		buf[strcspn(buf, "\n")] = '\0';
		r = xstrdup(buf);
	}
	pclose(fp);
	return r;
}

/* Inside a git work tree?  Look for .git upwards without running git. */
static int in_git_tree(void)
{
	char *dir = fs_absolute(".");
	int found = 0;

	for (;;) {
		struct strbuf sb = STRBUF_INIT;
		char *slash;

		strbuf_addf(&sb, "%s/.git", strcmp(dir, "/") ? dir : "");
		found = fs_exists(sb.buf);
		strbuf_release(&sb);
		if (found)
			break;
		slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	free(dir);
	return found;
}

void runs_provenance(struct run_provenance *p)
{
	const char *who = events_who(), *at = strchr(who, '@');

	memset(p, 0, sizeof(*p));
	p->user = xstrndup(who, at ? (size_t)(at - who) : strlen(who));
	p->host = at ? xstrdup(at + 1) : NULL;
	p->cwd = fs_absolute(".");
	p->git_dirty = -1;
	if (!getenv("MLREPO_NO_GIT") && in_git_tree()) {
		p->git_commit = first_line("git rev-parse --verify -q HEAD "
					   "2>/dev/null");
		if (p->git_commit) {
			char *changed = first_line(
				"git status --porcelain --untracked-files=no "
				"2>/dev/null");

			p->git_dirty = changed != NULL;
			free(changed);
		}
	}
}

void runs_provenance_release(struct run_provenance *p)
{
	free(p->user);
	free(p->host);
	free(p->cwd);
	free(p->git_commit);
	memset(p, 0, sizeof(*p));
}

int runs_check_kv_list(const char *what, const char *const *list)
{
	for (; list && *list; list++) {
		char *k, *v;

		if (runs_split_kv(what, *list, &k, &v) < 0)
			return -1;
		free(k);
		free(v);
	}
	return 0;
}

int runs_set_kv(sqlite3 *db, const char *id, const char *const *params,
		const char *const *tags)
{
	int pass;

	for (pass = 0; pass < 2; pass++) {
		const char *const *l = pass ? tags : params;

		for (; l && *l; l++) {
			char *k, *v;
			int rc = runs_split_kv(pass ? "tag" : "param", *l, &k, &v);

			if (rc == 0)
				rc = pass ? runs_tag(db, id, k, v)
					  : runs_param(db, id, k, v);
			free(k);
			free(v);
			if (rc < 0)
				return -1;
		}
	}
	return 0;
}

/* Insert the run's row (inside the caller's transaction). */
static int insert_run(sqlite3 *db, const struct run_new *n, const char *exp,
		      const struct run_provenance *p, const char *id)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "INSERT INTO runs(id, experiment, name, status,"
			    " start_time, user, host, cwd, command, git_commit,"
			    " git_dirty, parent, time) VALUES (?,?,?,?,?5,?,?,?,?,"
			    "?,?,?,?5)");
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, exp);
	db_bind_text(st, 3, n->name && *n->name ? n->name : NULL);
	db_bind_text(st, 4, "running");
	db_bind_int64(st, 5, n->start_time ? n->start_time : mltime_now());
	db_bind_text(st, 6, p->user);
	db_bind_text(st, 7, p->host);
	db_bind_text(st, 8, p->cwd);
	db_bind_text(st, 9, n->command);
	db_bind_text(st, 10, p->git_commit);
	if (p->git_dirty >= 0)
		db_bind_int64(st, 11, p->git_dirty);
	else
		sqlite3_bind_null(st, 11);
	db_bind_text(st, 12, n->parent);
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	return rc;
}


int runs_start(sqlite3 *db, const struct run_new *n, char id[RUN_ID_HEX + 1])
{
	const char *exp = n->experiment ? n->experiment : "default";
	struct run_provenance prov;
	struct event_detail d = EVENT_DETAIL_INIT;
	int rc = -1;

	/* everything that can be checked is, before any work */
	if (names_check("experiment", exp) < 0 ||
	    (n->name && *n->name && strlen(n->name) > 1000 &&
	     error_input("run name is longer than 1000 bytes") < 0) ||
	    runs_check_kv_list("param", n->params) < 0 ||
	    runs_check_kv_list("tag", n->tags) < 0 || events_random_hex(id) < 0)
		return -1;
	/* git runs before the write lock is taken: never hold it across a
	 * subprocess, or parallel writers would wait for git status */
	if (n->provenance)
		memset(&prov, 0, sizeof(prov));
	else
		runs_provenance(&prov);
	if (db_begin(db) < 0)
		goto out;
	if (n->parent) {
		int found = row_exists(db, "SELECT 1 FROM runs WHERE id = ?",
				       n->parent);

		if (found == 0)
			error_input("parent run %s was removed meanwhile "
				    "(exp-log gc)", n->parent);
		if (found <= 0)
			goto fail;
	}
	if (runs_ensure_experiment(db, exp) < 0 ||
	    insert_run(db, n, exp, n->provenance ? n->provenance : &prov,
		       id) < 0 ||
	    runs_set_kv(db, id, n->params, n->tags) < 0)
		goto fail;
	event_detail_str(&d, "experiment", exp);
	if (n->name)
		event_detail_str(&d, "name", n->name);
	if (events_add_detail(db, "run.start", id, &d) < 0 ||
	    db_commit(db) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	db_rollback(db);
out:
	event_detail_release(&d);
	runs_provenance_release(&prov);
	return rc;
}

int runs_begin(sqlite3 *db, const char *id)
{
	int rc = begin_where(db, "SELECT 1 FROM runs WHERE id = ?", id);

	return rc <= 0 ? rc : error_input("run %s was removed meanwhile "
					  "(exp-log gc)", id);
}

int runs_resolve(sqlite3 *db, const char *prefix, char id[RUN_ID_HEX + 1])
{
	const char *given = prefix;

	if (!given) {
		given = getenv("MLREPO_RUN");
		if (!given || !*given) {
			error_input("no run given");
			err_hint("pass -r RUN or set MLREPO_RUN (exp-log start "
				 "prints a run id)");
			return -1;
		}
	}
	if (catalog_resolve_id(db, "runs", "id", "run", given, id) < 0) {
		if (!prefix)
			err_prefix("MLREPO_RUN: ");
		return -1;
	}
	return 0;
}

/* ---- params, tags ----------------------------------------------------- */

/* Run `sql` with ?1 run, ?2 key, ?3 value, ?4 now. */
static int put_kv(sqlite3 *db, const char *sql, const char *run,
		  const char *key, const char *value)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, run);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, value);
	db_bind_int64(st, 4, mltime_now());
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int runs_param(sqlite3 *db, const char *run, const char *key,
	       const char *value)
{
	sqlite3_stmt *st;
	int rc;

	if (runs_check_key("param", key) < 0)
		return -1;
	if (strlen(value) > RUNS_PARAM_VALUE_MAX)
		return error_input("param '%s': value longer than %d bytes",
				   key, RUNS_PARAM_VALUE_MAX);
	st = db_prepare(db, "SELECT value FROM params WHERE run=? AND key=?");
	if (!st)
		return -1;
	db_bind_text(st, 1, run);
	db_bind_text(st, 2, key);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		const char *old = (const char *)sqlite3_column_text(st, 0);

		if (strcmp(old, value)) {
			error_input("param '%s' is already '%s' in run %.12s; "
				    "params are write-once (not '%s')", key,
				    old, run, value);
			err_hint("log a tag, or start a new run");
			sqlite3_finalize(st);
			return -1;
		}
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return -1;
	return put_kv(db, "INSERT INTO params(run, key, value, time) "
			  "VALUES (?1,?2,?3,?4)", run, key, value);
}

int runs_tag(sqlite3 *db, const char *run, const char *key,
	     const char *value)
{
	if (check_tag(key, value) < 0)
		return -1;
	return put_kv(db, "INSERT INTO tags(run, key, value, time) VALUES "
			  "(?1,?2,?3,?4) ON CONFLICT(run, key) DO UPDATE SET "
			  "value = ?3, time = ?4", run, key, value);
}

int runs_tag_delete(sqlite3 *db, const char *run, const char *key)
{
	int n;

	if (runs_check_key("tag", key) < 0)
		return -1;
	n = exec_2(db, "DELETE FROM tags WHERE run = ? AND key = ?", run, key);
	if (n == 0)
		return error_input("no such tag '%s' in run %.12s", key, run);
	return n < 0 ? -1 : 0;
}

/* ---- inputs ----------------------------------------------------------- */

/* `s`, the `what`, is 1 to `max` bytes without control characters. */
static int check_text(const char *what, const char *s, size_t max)
{
	const unsigned char *p;

	if (!s || !*s)
		return error_input("%s is empty", what);
	if (strlen(s) > max)
		return error_input("%s is longer than %zu bytes: '%.40s...'",
				   what, max, s);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return error_input("%s holds a control character "
					   "(byte 0x%02x)", what, *p);
	return 0;
}

int runs_input_check(const struct run_input *in)
{
	if (check_text("input name", in->name, RUNS_INPUT_NAME_MAX) < 0 ||
	    check_text("input digest", in->digest, RUNS_DIGEST_MAX) < 0 ||
	    (in->context &&
	     check_text("input context", in->context, RUNS_KEY_MAX) < 0))
		return -1;
	if (in->source && strlen(in->source) > RUNS_SOURCE_MAX)
		return error_input("input source is longer than %d bytes",
				   RUNS_SOURCE_MAX);
	return 0;
}

int runs_input(struct repo *r, sqlite3 *db, const char *run,
	       const struct run_input *in, int *is_object)
{
	struct strbuf owner = STRBUF_INIT;
	struct event_detail d = EVENT_DETAIL_INIT;
	const char *context = in->context ? in->context : "train";
	sqlite3_stmt *st;
	char *digest;
	size_t i;
	int rc = -1, obj = 0;

	if (is_object)
		*is_object = 0;
	if (runs_input_check(in) < 0)
		return -1;
	/* a SHA-256 in hex is one value however it is written */
	digest = xstrdup(in->digest);
	if (strlen(digest) == ODB_HEXSZ &&
	    strspn(digest, "0123456789abcdefABCDEF") == ODB_HEXSZ)
		for (i = 0; digest[i]; i++)
			digest[i] = (char)tolower((unsigned char)digest[i]);
	st = db_prepare(db, "INSERT OR IGNORE INTO inputs(run, name, digest, "
			    "context, source, time) VALUES (?,?,?,?,?,?)");
	if (!st)
		goto out;
	db_bind_text(st, 1, run);
	db_bind_text(st, 2, in->name);
	db_bind_text(st, 3, digest);
	db_bind_text(st, 4, context);
	db_bind_text(st, 5, in->source);
	db_bind_int64(st, 6, mltime_now());
	rc = db_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		rc = -1;
		goto out;
	}
	rc = sqlite3_changes(db) ? 0 : 1;
	/*
	 * An object of ours: reference it, as an artifact's, so that gc
	 * keeps it.  Freshening it first restarts gc's grace period, so a
	 * gc running now cannot take it before the reference commits.
	 */
	if (odb_valid_id(digest) && odb_freshen(r, digest)) {
		strbuf_addf(&owner, "run:%s/input:%s", run, in->name);
		if (catalog_ref_add(db, digest, owner.buf) < 0) {
			rc = -1;
			goto out;
		}
		obj = 1;
	}
	if (is_object)
		*is_object = obj;
	if (rc == 1)
		goto out;
	event_detail_str(&d, "name", in->name);
	event_detail_str(&d, "digest", digest);
	event_detail_str(&d, "context", context);
	if (in->source)
		event_detail_str(&d, "source", in->source);
	event_detail_bool(&d, "object", obj);
	if (events_add_detail(db, "run.input", run, &d) < 0)
		rc = -1;
out:
	event_detail_release(&d);
	strbuf_release(&owner);
	free(digest);
	return rc;
}

/* ---- metrics ---------------------------------------------------------- */

/*
 * A metric value in the catalog: a REAL, or the text 'nan' for NaN.
 * SQLite turns a NaN it is given into NULL, which is a missing value;
 * NaN is not missing (it satisfies no comparison, but not IS NULL
 * either), so it is kept apart as text.  The infinities are REALs.
 */
static void bind_value(sqlite3_stmt *st, int i, double v)
{
	if (isnan(v))
		sqlite3_bind_text(st, i, "nan", 3, SQLITE_STATIC);
	else
		sqlite3_bind_double(st, i, v);
}

double runs_column_value(sqlite3_stmt *st, int i)
{
	switch (sqlite3_column_type(st, i)) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		return sqlite3_column_double(st, i);
	default:
		return NAN; /* 'nan' (or NULL, from a bundle of before) */
	}
}

struct mkey {
	char *key;
	int64_t max_step, n, step, seq, time;
	double value;
	int has_cur, dirty;
};

/*
 * Is the point (step, time, value) the current value rather than the one
 * in k?  MLflow's rule: the largest step, then the latest time, then the
 * largest value (a number beats NaN); a complete tie goes to the later
 * logged.
 */
static int newer_point(int64_t step, int64_t time, double value,
		       const struct mkey *k)
{
	if (step != k->step)
		return step > k->step;
	if (time != k->time)
		return time > k->time;
	if (isnan(value) != isnan(k->value))
		return !isnan(value);
	return isnan(value) || value >= k->value;
}

struct metric_writer {
	sqlite3 *db;
	char run[RUN_ID_HEX + 1];
	struct mkey *keys; /* open addressing */
	size_t cap, used;
	sqlite3_stmt *ins, *load;
	uint64_t count;
	int64_t recorded; /* when this batch's points were recorded */
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

struct metric_writer *metric_writer_new(sqlite3 *db, const char *run)
{
	struct metric_writer *w = xcalloc(1, sizeof(*w));

	w->db = db;
	snprintf(w->run, sizeof(w->run), "%s", run);
	w->cap = 16;
	w->keys = xcalloc(w->cap, sizeof(*w->keys));
	return w;
}

static struct mkey *find_slot(struct mkey *keys, size_t cap, const char *key)
{
	size_t i = hash_str(key) & (cap - 1);

	while (keys[i].key && strcmp(keys[i].key, key))
		i = (i + 1) & (cap - 1);
	return &keys[i];
}

static void grow(struct metric_writer *w)
{
	struct mkey *old = w->keys;
	size_t i, cap = w->cap;

	w->cap *= 2;
	w->keys = xcalloc(w->cap, sizeof(*w->keys));
	for (i = 0; i < cap; i++)
		if (old[i].key)
			*find_slot(w->keys, w->cap, old[i].key) = old[i];
	free(old);
}

/* The state of a key: from the cache, else from the `latest` table. */
static struct mkey *get_key(struct metric_writer *w, const char *key)
{
	struct mkey *k;
	int rc;

	if ((w->used + 1) * 2 > w->cap)
		grow(w);
	k = find_slot(w->keys, w->cap, key);
	if (k->key)
		return k;
	/* a key is checked once, when the writer first meets it */
	if (runs_check_key("metric", key) < 0)
		return NULL;
	if (!w->load) {
		w->load = db_prepare(w->db, "SELECT max_step, n, step, seq, "
					    "value, time FROM latest WHERE "
					    "run=? AND key=?");
		if (!w->load)
			return NULL;
	}
	sqlite3_reset(w->load);
	db_bind_text(w->load, 1, w->run);
	db_bind_text(w->load, 2, key);
	rc = db_step(w->load);
	if (rc < 0)
		return NULL;
	memset(k, 0, sizeof(*k));
	k->key = xstrdup(key);
	w->used++;
	if (rc == SQLITE_ROW) {
		k->max_step = sqlite3_column_int64(w->load, 0);
		k->n = sqlite3_column_int64(w->load, 1);
		k->step = sqlite3_column_int64(w->load, 2);
		k->seq = sqlite3_column_int64(w->load, 3);
		k->value = runs_column_value(w->load, 4);
		k->time = sqlite3_column_int64(w->load, 5);
		k->has_cur = 1;
	}
	sqlite3_reset(w->load);
	return k;
}

int metric_writer_add(struct metric_writer *w, const char *key, double value,
		      int has_step, int64_t step, int64_t time)
{
	struct mkey *k;
	int rc;

	if (has_step && (step > RUNS_STEP_MAX || step < -RUNS_STEP_MAX))
		return error_input("step %lld is out of range (at most 2^53 "
				   "either way)", (long long)step);
	k = get_key(w, key);
	if (!k)
		return -1;
	if (!has_step)
		step = k->n ? k->max_step + 1 : 0;
	if (!w->ins) {
		w->ins = db_prepare(w->db, "INSERT INTO metrics(run, key, seq, "
					   "step, value, time, recorded) "
					   "VALUES (?,?,?,?,?,?,?)");
		if (!w->ins)
			return -1;
	}
	sqlite3_reset(w->ins);
	db_bind_text(w->ins, 1, w->run);
	db_bind_text(w->ins, 2, key);
	db_bind_int64(w->ins, 3, k->n + 1);
	db_bind_int64(w->ins, 4, step);
	bind_value(w->ins, 5, value);
	db_bind_int64(w->ins, 6, time);
	/*
	 * When we learnt it, which a bundle made --since goes by: read once
	 * a batch (a transaction), not once a point
	 */
	if (!w->recorded)
		w->recorded = mltime_now();
	db_bind_int64(w->ins, 7, w->recorded);
	rc = db_step(w->ins);
	sqlite3_reset(w->ins);
	if (rc != SQLITE_DONE)
		return -1;
	k->n++;
	if (k->n == 1 || step > k->max_step)
		k->max_step = step;
	if (!k->has_cur || newer_point(step, time, value, k)) {
		k->step = step;
		k->seq = k->n;
		k->value = value;
		k->time = time;
		k->has_cur = 1;
	}
	k->dirty = 1;
	w->count++;
	return 0;
}

int metric_writer_flush(struct metric_writer *w)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; i < w->cap; i++) {
		struct mkey *k = &w->keys[i];

		if (!k->key)
			continue;
		if (k->dirty) {
			if (!st)
				st = db_prepare(w->db,
					"INSERT OR REPLACE INTO latest(run, key,"
					" value, step, seq, max_step, n, time)"
					" VALUES (?,?,?,?,?,?,?,?)");
			if (!st) {
				rc = -1;
				break;
			}
			db_bind_text(st, 1, w->run);
			db_bind_text(st, 2, k->key);
			bind_value(st, 3, k->value);
			db_bind_int64(st, 4, k->step);
			db_bind_int64(st, 5, k->seq);
			db_bind_int64(st, 6, k->max_step);
			db_bind_int64(st, 7, k->n);
			db_bind_int64(st, 8, k->time);
			if (db_step(st) != SQLITE_DONE) {
				rc = -1;
				break;
			}
			sqlite3_reset(st);
		}
	}
	sqlite3_finalize(st);
	/* the cache is only good inside one transaction */
	metric_writer_discard(w);
	return rc;
}

void metric_writer_discard(struct metric_writer *w)
{
	size_t i;

	w->recorded = 0; /* the next batch reads the clock again */
	for (i = 0; i < w->cap; i++) {
		free(w->keys[i].key);
		w->keys[i].key = NULL;
	}
	w->used = 0;
}

uint64_t metric_writer_count(const struct metric_writer *w)
{
	return w->count;
}

void metric_writer_free(struct metric_writer *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->cap; i++)
		free(w->keys[i].key);
	free(w->keys);
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->load);
	free(w);
}

/* ---- end, delete, move ------------------------------------------------ */

int runs_end(sqlite3 *db, const char *run, enum run_status status,
	     const struct run_exit *x)
{
	/* without `x`, what `exp-log run` measured stays */
	sqlite3_stmt *st = db_prepare(db, x ? "UPDATE runs SET status=?1, end_time=?2,"
					  " exit_status=?3, wall_time=?4,"
					  " cpu_time=?5, max_rss_kb=?6, time=?2"
					  " WHERE id=?7"
					: "UPDATE runs SET status=?1, end_time=?2,"
					  " time=?2 WHERE id=?7");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, runs_status_name(status));
	db_bind_int64(st, 2, mltime_now());
	if (x) {
		db_bind_int64(st, 3, x->exit_status);
		sqlite3_bind_double(st, 4, x->wall_time);
		sqlite3_bind_double(st, 5, x->cpu_time);
		db_bind_int64(st, 6, x->max_rss_kb);
	}
	db_bind_text(st, 7, run);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

enum run_status runs_exit_from_proc(const struct proc_result *res,
				    struct run_exit *x)
{
	int code = proc_exit_code(res);

	memset(x, 0, sizeof(*x));
	x->exit_status = code;
	if (!res->started)
		return RUN_FAILED;
	x->wall_time = res->wall_s;
	x->cpu_time = res->cpu_user_s + res->cpu_sys_s;
	x->max_rss_kb = res->max_rss_kb;
	/* killed: by a signal, or failing after one we passed on */
	if (res->signaled || (res->got_signal && code != 0))
		return RUN_KILLED;
	return code == 0 ? RUN_FINISHED : RUN_FAILED;
}

int runs_finish(struct repo *r, sqlite3 *db, const char *id,
		enum run_status st, const struct run_exit *x,
		const char *out_path, const char *err_path,
		const struct runfeed_counts *counts)
{
	struct run_stored so = { 0 }, se = { 0 };
	struct event_detail d = EVENT_DETAIL_INIT;
	struct err_saved keep;
	int rc = -1;

	/* the logs become artifacts: objects first, outside the write lock */
	if ((out_path && runs_artifact_store(r, out_path, &so) < 0) ||
	    (err_path && runs_artifact_store(r, err_path, &se) < 0))
		goto fail_logs;
	if (runs_begin(db, id) < 0)
		goto fail_logs;
	if ((out_path && runs_artifact_record(db, id, "stdout.log", &so) < 0) ||
	    (err_path && runs_artifact_record(db, id, "stderr.log", &se) < 0) ||
	    runs_end(db, id, st, x) < 0) {
		db_rollback(db);
		goto fail_logs;
	}
	event_detail_str(&d, "status", runs_status_name(st));
	if (x)
		event_detail_int(&d, "exit_status", x->exit_status);
	if (counts) {
		event_detail_int(&d, "recorded", (int64_t)counts->recorded);
		event_detail_int(&d, "rejected", (int64_t)counts->rejected);
	}
	if (events_add_detail(db, "run.end", id, &d) < 0) {
		db_rollback(db);
		goto fail_logs;
	}
	if (db_commit(db) < 0)
		goto fail_logs;
	rc = 0;
	goto out;
fail_logs:
	/* the logs could not be kept: still end the run as it ended, and
	 * keep the first error for the caller, as an environment failure
	 * (exit 3): the command's own status is not in question */
	err_set_code(EXIT_ENV);
	err_save(&keep);
	if (runs_begin(db, id) == 0) {
		if (runs_end(db, id, st, x) == 0)
			db_commit(db);
		else
			db_rollback(db);
	}
	err_restore(&keep);
out:
	event_detail_release(&d);
	runs_stored_release(&so);
	runs_stored_release(&se);
	return rc;
}

int runs_set_deleted(sqlite3 *db, const char *run, int deleted)
{
	sqlite3_stmt *st = db_prepare(db, "UPDATE runs SET deleted=?, time=? "
					  "WHERE id=?");
	int rc;

	if (!st)
		return -1;
	db_bind_int64(st, 1, deleted);
	db_bind_int64(st, 2, mltime_now());
	db_bind_text(st, 3, run);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int runs_move(sqlite3 *db, const char *run, const char *experiment)
{
	sqlite3_stmt *st;
	int rc;

	if (names_check("experiment", experiment) < 0 ||
	    runs_ensure_experiment(db, experiment) < 0)
		return -1;
	st = db_prepare(db, "UPDATE runs SET experiment=?, time=? WHERE id=?");
	if (!st)
		return -1;
	db_bind_text(st, 1, experiment);
	db_bind_int64(st, 2, mltime_now());
	db_bind_text(st, 3, run);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int runs_discard(sqlite3 *db, const char *id)
{
	static const char *const tables[] = { "params", "tags", "metrics",
					      "latest", "artifacts", "inputs",
					      NULL };
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st;
	int t, rc = 0;

	for (t = 0; tables[t] && rc == 0; t++) {
		strbuf_reset(&sql);
		strbuf_addf(&sql, "DELETE FROM %s WHERE run=?", tables[t]);
		st = db_prepare(db, sql.buf);
		if (!st) {
			rc = -1;
			break;
		}
		db_bind_text(st, 1, id);
		rc = db_step(st) == SQLITE_DONE ? 0 : -1;
		sqlite3_finalize(st);
	}
	strbuf_release(&sql);
	if (rc < 0)
		return -1;
	st = db_prepare(db, "DELETE FROM runs WHERE id=?");
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	if (rc == 0) {
		strbuf_addf(&sql, "run:%s/", id);
		rc = catalog_ref_drop_prefix(db, sql.buf) < 0 ? -1 : 0;
		strbuf_release(&sql);
	}
	return rc;
}

/*
 * Discard every run that `sql` (SELECT id FROM runs WHERE ...; ?1 is
 * `arg` when given) finds; returns how many or -1.
 */
static int discard_runs(sqlite3 *db, const char *sql, const char *arg)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	char **ids = NULL;
	size_t n = 0, alloc = 0, i;
	int rc, result = -1;

	if (!st)
		return -1;
	if (arg)
		db_bind_text(st, 1, arg);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(ids, n + 1, alloc);
		ids[n++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc < 0)
		goto out;
	for (i = 0; i < n; i++)
		if (runs_discard(db, ids[i]) < 0)
			goto out;
	result = (int)n;
out:
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	return result;
}

int runs_gc(sqlite3 *db)
{
	return discard_runs(db, "SELECT id FROM runs WHERE deleted=1", NULL);
}

int runs_experiment_delete(sqlite3 *db, const char *name, int force)
{
	sqlite3_stmt *st;
	int64_t nruns, ndeleted;
	int rc;

	if (names_check("experiment", name) < 0)
		return -1;
	rc = row_exists(db, "SELECT 1 FROM experiments WHERE name = ?", name);
	if (rc <= 0)
		return rc < 0 ? -1 : error_input("no such experiment: '%s'",
						 name);
	st = db_prepare(db, "SELECT count(*), total(deleted) FROM runs WHERE "
			    "experiment = ?");
	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	rc = db_step(st);
	nruns = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	ndeleted = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return -1;
	if (nruns && !force) {
		struct strbuf sb = STRBUF_INIT;

		if (ndeleted)
			strbuf_addf(&sb, ", %lld of them deleted",
				    (long long)ndeleted);
		error_input("experiment '%s' has %lld run%s%s; it was not "
			    "deleted", name, (long long)nruns,
			    nruns == 1 ? "" : "s", sb.buf);
		strbuf_release(&sb);
		err_hint("--force deletes its runs for good with it; 'exp-log "
			 "mv' moves them to another experiment");
		return -1;
	}
	rc = discard_runs(db, "SELECT id FROM runs WHERE experiment = ?",
			  name);
	if (rc < 0 ||
	    exec_2(db, "DELETE FROM experiment_tags WHERE experiment = ?",
		   name, NULL) < 0 ||
	    exec_2(db, "DELETE FROM experiments WHERE name = ?", name,
		   NULL) < 0)
		return -1;
	return rc;
}

/* ---- artifacts -------------------------------------------------------- */

static int ref_add(sqlite3 *db, const char *oid, const char *run,
		   const char *name)
{
	struct strbuf owner = STRBUF_INIT;
	int rc;

	strbuf_addf(&owner, "run:%s/artifact:%s", run, name);
	rc = catalog_ref_add(db, oid, owner.buf);
	strbuf_release(&owner);
	return rc;
}

/* Standard input, counted as it is read. */
struct counted_fd {
	int fd;
	int64_t n;
};

static long read_counted(void *data, void *buf, size_t n)
{
	struct counted_fd *c = data;
	ssize_t got;

	do
		got = read(c->fd, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return error("cannot read standard input: %s", strerror(errno));
	c->n += got;
	return (long)got;
}

int runs_artifact_store(struct repo *r, const char *path,
			struct run_stored *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	if (!strcmp(path, "-")) {
		struct counted_fd in = { STDIN_FILENO, 0 };

		out->kind = "file";
		if (odb_put_reader(r, read_counted, &in, 0, NULL, out->id,
				   NULL) < 0)
			return -1;
		out->size = in.n;
		return 0;
	}
	if (stat(path, &st) < 0)
		return error_input("cannot open '%s': %s", path,
				   strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		struct tree_stored t;

		out->kind = "dir";
		if (tree_store(r, path, &t) < 0)
			return -1;
		memcpy(out->id, t.id, sizeof(out->id));
		out->size = t.size;
		out->files = t.files; /* taken over: released with `out` */
		out->nfiles = t.nfiles;
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		out->kind = "file";
		out->size = st.st_size;
		return odb_put_file(r, path, out->id, NULL);
	}
	return error_input("'%s': only regular files and directories can be "
			   "artifacts", path);
}

void runs_stored_release(struct run_stored *s)
{
	free(s->files);
	memset(s, 0, sizeof(*s));
}

int runs_artifact_record(sqlite3 *db, const char *run, const char *name,
			 const struct run_stored *s)
{
	struct strbuf owner = STRBUF_INIT;
	sqlite3_stmt *q;
	size_t i;
	int rc = -1;

	if (!*name || strchr(name, '\n') || strlen(name) > 1024)
		return error_input("bad artifact name '%s'", name);
	/* replace an artifact of the same name, references included */
	strbuf_addf(&owner, "run:%s/artifact:%s", run, name);
	if (catalog_ref_drop_owner(db, owner.buf) < 0 ||
	    ref_add(db, s->id, run, name) < 0)
		goto out;
	for (i = 0; i < s->nfiles; i++)
		if (ref_add(db, s->files[i], run, name) < 0)
			goto out;
	q = db_prepare(db, "INSERT OR REPLACE INTO artifacts(run, name, oid, "
			   "kind, size, time) VALUES (?,?,?,?,?,?)");
	if (!q)
		goto out;
	db_bind_text(q, 1, run);
	db_bind_text(q, 2, name);
	db_bind_text(q, 3, s->id);
	db_bind_text(q, 4, s->kind);
	db_bind_int64(q, 5, s->size);
	db_bind_int64(q, 6, mltime_now());
	rc = db_step(q) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(q);
out:
	strbuf_release(&owner);
	return rc;
}

int runs_artifact_add(struct repo *r, sqlite3 *db, const char *run,
		      const char *path, const char *name)
{
	struct run_stored s;
	int rc = runs_artifact_store(r, path, &s);

	if (rc == 0)
		rc = runs_artifact_record(db, run, name, &s);
	runs_stored_release(&s);
	return rc;
}

int runs_artifact_get(struct repo *r, sqlite3 *db, const char *run,
		      const char *name, const char *dest)
{
	sqlite3_stmt *st;
	char id[ODB_HEXSZ + 1], kind[8];
	int rc;

	if (!*dest)
		return error_input("no output path given");
	st = db_prepare(db, "SELECT oid, kind FROM artifacts "
			    "WHERE run=? AND name=?");
	if (!st)
		return -1;
	db_bind_text(st, 1, run);
	db_bind_text(st, 2, name);
	rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc < 0)
			return -1;
		return error_input("run %.12s has no artifact '%s'", run, name);
	}
	snprintf(id, sizeof(id), "%s", (const char *)sqlite3_column_text(st, 0));
	snprintf(kind, sizeof(kind), "%s",
		 (const char *)sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	if (!strcmp(kind, "dir")) {
		if (!strcmp(dest, "-"))
			return error_input("artifact '%s' is a directory: give "
					   "-o DIR", name);
		return tree_checkout(r, id, dest);
	}
	if (!strcmp(dest, "-"))
		return odb_cat(r, id, STDOUT_FILENO);
	return odb_checkout(r, id, dest, ODB_CHECKOUT_COPY) < 0 ? -1 : 0;
}

/* ---- reading a run ---------------------------------------------------- */

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? xstrdup((const char *)t) : NULL;
}

static int load_kv(sqlite3 *db, const char *sql, const char *id,
		   struct run_kv **out, int *n)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	size_t alloc = 0, nr = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(*out, nr + 1, alloc);
		(*out)[nr].key = col_dup(st, 0);
		(*out)[nr].value = col_dup(st, 1);
		nr++;
	}
	sqlite3_finalize(st);
	*n = (int)nr;
	return rc < 0 ? -1 : 0;
}

int runs_get(sqlite3 *db, const char *id, struct run_info *in)
{
	sqlite3_stmt *st;
	size_t alloc = 0, nr = 0;
	int rc;

	memset(in, 0, sizeof(*in));
	st = db_prepare(db, "SELECT id, experiment, name, status, user, host,"
			    " cwd, command, git_commit, parent, git_dirty,"
			    " deleted, start_time, end_time, exit_status,"
			    " wall_time, cpu_time, max_rss_kb FROM runs"
			    " WHERE id=?");
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	rc = db_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return rc < 0 ? -1 : error_input("no such run: '%s'", id);
	}
	snprintf(in->id, sizeof(in->id), "%s",
		 (const char *)sqlite3_column_text(st, 0));
	in->experiment = col_dup(st, 1);
	in->name = col_dup(st, 2);
	in->status = col_dup(st, 3);
	in->user = col_dup(st, 4);
	in->host = col_dup(st, 5);
	in->cwd = col_dup(st, 6);
	in->command = col_dup(st, 7);
	in->git_commit = col_dup(st, 8);
	in->parent = col_dup(st, 9);
	in->git_dirty = sqlite3_column_type(st, 10) == SQLITE_NULL
				? -1
				: sqlite3_column_int(st, 10);
	in->deleted = sqlite3_column_int(st, 11);
	in->start_time = sqlite3_column_int64(st, 12);
	in->end_time = sqlite3_column_int64(st, 13);
	if (sqlite3_column_type(st, 14) != SQLITE_NULL) {
		in->has_exit = 1;
		in->exit.exit_status = sqlite3_column_int(st, 14);
		in->exit.wall_time = sqlite3_column_double(st, 15);
		in->exit.cpu_time = sqlite3_column_double(st, 16);
		in->exit.max_rss_kb = (long)sqlite3_column_int64(st, 17);
	}
	sqlite3_finalize(st);
	if (load_kv(db, "SELECT key, value FROM params WHERE run=? ORDER BY key",
		    id, &in->params, &in->nparams) < 0 ||
	    load_kv(db, "SELECT key, value FROM tags WHERE run=? ORDER BY key",
		    id, &in->tags, &in->ntags) < 0)
		return -1;
	st = db_prepare(db, "SELECT key, value, step, time, n FROM latest "
			    "WHERE run=? ORDER BY key");
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct run_metric *m;

		ALLOC_GROW(in->metrics, nr + 1, alloc);
		m = &in->metrics[nr++];
		m->key = col_dup(st, 0);
		m->value = runs_column_value(st, 1);
		m->step = sqlite3_column_int64(st, 2);
		m->time = sqlite3_column_int64(st, 3);
		m->count = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	in->nmetrics = (int)nr;
	if (rc < 0)
		return -1;
	st = db_prepare(db, "SELECT name, oid, kind, size, time FROM artifacts "
			    "WHERE run=? ORDER BY name");
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	alloc = nr = 0;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct run_artifact *a;

		ALLOC_GROW(in->artifacts, nr + 1, alloc);
		a = &in->artifacts[nr++];
		a->name = col_dup(st, 0);
		a->oid = col_dup(st, 1);
		a->kind = col_dup(st, 2);
		a->size = sqlite3_column_int64(st, 3);
		a->time = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	in->nartifacts = (int)nr;
	if (rc < 0)
		return -1;
	/* an input's object is the digest, referenced in the run's name */
	st = db_prepare(db, "SELECT name, digest, context, source, time, "
			    "EXISTS (SELECT 1 FROM objrefs WHERE oid = i.digest "
			    "AND owner = 'run:' || i.run || '/input:' || i.name) "
			    "FROM inputs i WHERE run=? ORDER BY name, context, "
			    "digest");
	if (!st)
		return -1;
	db_bind_text(st, 1, id);
	alloc = nr = 0;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct run_dataset *d;

		ALLOC_GROW(in->inputs, nr + 1, alloc);
		d = &in->inputs[nr++];
		d->name = col_dup(st, 0);
		d->digest = col_dup(st, 1);
		d->context = col_dup(st, 2);
		d->source = col_dup(st, 3);
		d->time = sqlite3_column_int64(st, 4);
		d->is_object = sqlite3_column_int(st, 5);
	}
	sqlite3_finalize(st);
	in->ninputs = (int)nr;
	return rc < 0 ? -1 : 0;
}

void runs_info_release(struct run_info *in)
{
	int i;

	free(in->experiment);
	free(in->name);
	free(in->status);
	free(in->user);
	free(in->host);
	free(in->cwd);
	free(in->command);
	free(in->git_commit);
	free(in->parent);
	for (i = 0; i < in->nparams; i++) {
		free(in->params[i].key);
		free(in->params[i].value);
	}
	for (i = 0; i < in->ntags; i++) {
		free(in->tags[i].key);
		free(in->tags[i].value);
	}
	for (i = 0; i < in->nmetrics; i++)
		free(in->metrics[i].key);
	for (i = 0; i < in->nartifacts; i++) {
		free(in->artifacts[i].name);
		free(in->artifacts[i].oid);
		free(in->artifacts[i].kind);
	}
	for (i = 0; i < in->ninputs; i++) {
		free(in->inputs[i].name);
		free(in->inputs[i].digest);
		free(in->inputs[i].context);
		free(in->inputs[i].source);
	}
	free(in->params);
	free(in->tags);
	free(in->metrics);
	free(in->artifacts);
	free(in->inputs);
	memset(in, 0, sizeof(*in));
}

/*
 * The lists are sorted by key (ORDER BY key, which is byte order), so a
 * lookup is a binary search: export and diff over many keys stay linear.
 */
static int cmp_kv(const void *key, const void *elem)
{
	return strcmp(key, ((const struct run_kv *)elem)->key);
}

static int cmp_metric(const void *key, const void *elem)
{
	return strcmp(key, ((const struct run_metric *)elem)->key);
}

const char *runs_info_param(const struct run_info *in, const char *key)
{
	const struct run_kv *kv = in->nparams
		? bsearch(key, in->params, in->nparams, sizeof(*kv), cmp_kv)
		: NULL;

	return kv ? kv->value : NULL;
}

const char *runs_info_tag(const struct run_info *in, const char *key)
{
	const struct run_kv *kv = in->ntags
		? bsearch(key, in->tags, in->ntags, sizeof(*kv), cmp_kv)
		: NULL;

	return kv ? kv->value : NULL;
}

const struct run_metric *runs_info_metric(const struct run_info *in,
					  const char *key)
{
	return in->nmetrics ? bsearch(key, in->metrics, in->nmetrics,
				      sizeof(*in->metrics), cmp_metric)
			    : NULL;
}

/* ---- queries ---------------------------------------------------------- */

/*
 * Run attributes, with the names MLflow's search_runs accepts for them
 * (matched without regard to case, so `Run name` and `run name` work);
 * `sql` is the fragment, `type` its enum expr_sqltype.  The time
 * attributes are microseconds in the catalog; lib/expr.c reads them as
 * MLflow's milliseconds wherever they meet a number.
 */
struct run_attr {
	const char *name, *sql;
	int type;
};

static const struct run_attr run_attrs[] = {
	{ "run_id", "r.id", EXPR_SQL_TEXT },
	{ "id", "r.id", EXPR_SQL_TEXT },
	{ "run_name", "r.name", EXPR_SQL_TEXT },
	{ "run name", "r.name", EXPR_SQL_TEXT },
	{ "name", "r.name", EXPR_SQL_TEXT },
	/*
	 * stored in lower case, compared in any case, and seen by LIKE as
	 * MLflow spells them (FINISHED); ILIKE takes any case
	 */
	{ "status", "upper(r.status) COLLATE NOCASE", EXPR_SQL_TEXT },
	{ "experiment", "r.experiment", EXPR_SQL_TEXT },
	{ "user_id", "r.user", EXPR_SQL_TEXT },
	{ "user", "r.user", EXPR_SQL_TEXT },
	{ "host", "r.host", EXPR_SQL_TEXT },
	{ "parent", "r.parent", EXPR_SQL_TEXT },
	{ "start_time", "r.start_time", EXPR_SQL_TIME },
	{ "created", "r.start_time", EXPR_SQL_TIME },
	{ "end_time", "r.end_time", EXPR_SQL_TIME },
	{ "exit_status", "r.exit_status", EXPR_SQL_NUM },
	/* where a run's artifacts are: MLflow's runs:/ID URI of them */
	{ "artifact_uri", "'runs:/' || r.id", EXPR_SQL_TEXT },
	{ NULL, NULL, 0 }
};

/*
 * MLflow's system tags that exp-log keeps as attributes: a filter on
 * tags.mlflow.runName reads the run's name.
 */
static const struct run_attr system_tags[] = {
	{ "mlflow.runName", "r.name", EXPR_SQL_TEXT },
	{ "mlflow.user", "r.user", EXPR_SQL_TEXT },
	{ "mlflow.parentRunId", "r.parent", EXPR_SQL_TEXT },
	{ "mlflow.source.git.commit", "r.git_commit", EXPR_SQL_TEXT },
	{ NULL, NULL, 0 }
};

static const struct run_attr *find_attr(const struct run_attr *list,
					const char *name)
{
	for (; list->name; list++)
		if (!strcasecmp(name, list->name))
			return list;
	return NULL;
}

struct resolve_ctx {
	int64_t now;
};

/*
 * datasets.name, datasets.digest, datasets.context (dataset. too), as in
 * MLflow: a run has any number of inputs, so each is a name of many
 * values (EXPR_SQL_ANY), and datasets.name = 'x' holds when some input of
 * the run is named x.
 */
static int resolve_input(const char *const *parts, int nparts,
			 struct strbuf *sql, int *type)
{
	static const char *const cols[] = { "name", "digest", "context", NULL };
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; nparts == 2 && cols[i]; i++)
		if (!strcasecmp(parts[1], cols[i])) {
			strbuf_addf(sql, "SELECT %s AS value FROM inputs WHERE "
					 "run = r.id", cols[i]);
			*type = EXPR_SQL_TEXT | EXPR_SQL_ANY;
			return 0;
		}
	expr_ident_format(&sb, parts, nparts);
	error_input("unknown identifier '%s'", sb.buf);
	err_hint("a run's inputs are datasets.name, datasets.digest and "
		 "datasets.context");
	strbuf_release(&sb);
	return -1;
}

static int resolve_ident(const char *const *parts, int nparts, int col,
			 struct strbuf *sql, struct expr_binds *binds,
			 int *type, void *data)
{
	struct resolve_ctx *ctx = data;
	const char *first = parts[0], *attr = NULL;
	const struct run_attr *a;
	struct strbuf key = STRBUF_INIT;
	int i;

	if (nparts == 1) {
		attr = first;
	} else if (!strcasecmp(first, "attributes") ||
		   !strcasecmp(first, "attribute") ||
		   !strcasecmp(first, "attr") || !strcasecmp(first, "run")) {
		if (nparts == 2)
			attr = parts[1];
	} else {
		const char *table = NULL;

		if (!strcasecmp(first, "datasets") || !strcasecmp(first, "dataset"))
			return resolve_input(parts, nparts, sql, type);
		if (!strcasecmp(first, "metrics") || !strcasecmp(first, "metric")) {
			table = "latest";
			*type = EXPR_SQL_NUM;
		} else if (!strcasecmp(first, "params") ||
			   !strcasecmp(first, "param")) {
			table = "params";
			*type = EXPR_SQL_PARAM;
		} else if (!strcasecmp(first, "tags") || !strcasecmp(first, "tag")) {
			table = "tags";
			*type = EXPR_SQL_TEXT;
		}
		if (table) {
			/* an unquoted metrics.val.loss means the key val.loss */
			for (i = 1; i < nparts; i++)
				strbuf_addf(&key, "%s%s", i > 1 ? "." : "",
					    parts[i]);
			if (!strcmp(table, "tags") &&
			    (a = find_attr(system_tags, key.buf))) {
				strbuf_addstr(sql, a->sql);
				strbuf_release(&key);
				return 0;
			}
			strbuf_addf(sql, "(SELECT value FROM %s WHERE run = r.id"
					 " AND key = ?)", table);
			expr_binds_text(binds, key.buf);
			strbuf_release(&key);
			return 0;
		}
	}
	if (attr && !strcasecmp(attr, "duration")) {
		strbuf_addstr(sql, "((coalesce(r.end_time, ?) - "
				   "r.start_time) / 1000000.0)");
		expr_binds_int(binds, ctx->now);
		*type = EXPR_SQL_NUM;
		return 0;
	}
	if (attr && (a = find_attr(run_attrs, attr))) {
		strbuf_addstr(sql, a->sql);
		*type = a->type;
		return 0;
	}
	strbuf_reset(&key);
	for (i = 0; i < nparts; i++)
		strbuf_addf(&key, "%s%s", i ? "." : "", parts[i]);
	(void)col; /* the expression module prefixes the column */
	error_input("unknown identifier '%s'", key.buf);
	err_hint("use metrics.KEY, params.KEY, tags.KEY, datasets.name|digest|"
		 "context or an attribute: "
		 "run_id (id), run_name (name), status, experiment, user_id "
		 "(user), host, start_time (created), end_time, duration, "
		 "parent, exit_status, artifact_uri");
	strbuf_release(&key);
	return -1;
}

/*
 * Params are text, but filters compare two numbers as numbers; sorting
 * does the same: two values that are both numbers in num.h's grammar by
 * value, numbers before other text, other text byte by byte.  A total
 * order, so SQLite's sort stays consistent.
 */
static int cmp_param(void *unused, int na, const void *a, int nb,
		     const void *b)
{
	double x, y;
	int xa = num_parse_float(a, na, &x) == 0 && !isnan(x);
	int yb = num_parse_float(b, nb, &y) == 0 && !isnan(y);
	int c;

	(void)unused;
	if (xa && yb && x != y)
		return x < y ? -1 : 1;
	if (xa != yb)
		return xa ? -1 : 1;
	c = memcmp(a, b, na < nb ? na : nb);
	return c ? c : (na > nb) - (na < nb);
}

/* Append "(KEY) IS NULL, (KEY) ASC|DESC" for one --order-by item. */
static int add_order(const char *item, struct strbuf *sql,
		     struct expr_binds *binds, struct resolve_ctx *ctx)
{
	char *text = xstrdup(item), *end = text + strlen(text), *word;
	const char *dir = "ASC";
	struct expr *e;
	struct strbuf frag = STRBUF_INIT;
	int rc = -1;

	while (end > text && isspace((unsigned char)end[-1]))
		*--end = '\0';
	word = strrchr(text, ' ');
	if (word && (!strcasecmp(word + 1, "asc") ||
		     !strcasecmp(word + 1, "desc"))) {
		dir = !strcasecmp(word + 1, "desc") ? "DESC" : "ASC";
		*word = '\0';
	}
	e = expr_parse_value(text, "--order-by");
	if (!e)
		goto out;
	if (expr_to_sql(e, resolve_ident, ctx, &frag, binds) < 0)
		goto out;
	/*
	 * the fragment appears two or three times: compile (and bind) it
	 * each time.  Missing values come last, and before them a metric's
	 * NaN (the text 'nan', which SQLite would put after every number
	 * going up and before them going down), as MLflow sorts.
	 */
	strbuf_addf(sql, "(%s) IS NULL, ", frag.buf);
	strbuf_reset(&frag);
	if (e->kind == EXPR_IDENT && e->nparts > 1 &&
	    (!strcasecmp(e->parts[0], "metrics") ||
	     !strcasecmp(e->parts[0], "metric"))) {
		if (expr_to_sql(e, resolve_ident, ctx, &frag, binds) < 0)
			goto out;
		strbuf_addf(sql, "(%s) IS 'nan', ", frag.buf);
		strbuf_reset(&frag);
	}
	if (expr_to_sql(e, resolve_ident, ctx, &frag, binds) < 0)
		goto out;
	strbuf_addf(sql, "(%s)%s %s, ", frag.buf,
		    e->kind == EXPR_IDENT && e->nparts > 1 &&
		    (!strcasecmp(e->parts[0], "params") ||
		     !strcasecmp(e->parts[0], "param"))
			    ? " COLLATE mlrepo_param" : "", dir);
	rc = 0;
out:
	expr_free(e);
	strbuf_release(&frag);
	free(text);
	return rc;
}

/*
 * An --order-by item may be a list, as MLflow's order_by is: "KEY [ASC|
 * DESC], KEY [ASC|DESC]".  Split at the commas outside quotes and
 * backquotes.
 */
static int add_order_list(const char *item, struct strbuf *sql,
			  struct expr_binds *binds, struct resolve_ctx *ctx)
{
	char *text = xstrdup(item), *p = text, *start = text;
	char quote = 0;
	int rc = 0;

	for (;; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
			else if (!*p)
				break; /* unclosed: the parser says so */
			continue;
		}
		if (*p == '\'' || *p == '"' || *p == '`') {
			quote = *p;
			continue;
		}
		if (*p != ',' && *p)
			continue;
		{
			char end = *p;
			const char *s = start;

			*p = '\0';
			while (isspace((unsigned char)*s))
				s++;
			if (!*s) {
				rc = error_input("--order-by: an empty item in "
						 "'%s'", item);
				break;
			}
			if ((rc = add_order(s, sql, binds, ctx)) < 0)
				break;
			if (!end)
				break;
			start = p + 1;
		}
	}
	if (quote && rc == 0)
		rc = add_order(start, sql, binds, ctx);
	free(text);
	return rc;
}

int runs_ident_is_metric(const char *ident)
{
	return !strncmp(ident, "metrics.", 8) || !strncmp(ident, "metric.", 7);
}

/* Append ", (column)" for one extra column. */
static int add_column(const char *ident, struct strbuf *sql,
		      struct expr_binds *binds, struct resolve_ctx *ctx)
{
	struct expr *e = expr_parse_value(ident, "--columns");
	struct strbuf frag = STRBUF_INIT;
	int rc = -1;

	if (e && expr_to_sql(e, resolve_ident, ctx, &frag, binds) == 0) {
		strbuf_addf(sql, ", (%s)", frag.buf);
		rc = 0;
	}
	expr_free(e);
	strbuf_release(&frag);
	return rc;
}

/*
 * A necessary condition for one conjunct of the filter, in a form SQLite
 * can drive a search from: "metrics.auc > 0.9" implies "r.id IN (SELECT
 * run FROM latest WHERE key = 'auc' AND value > 0.9)", which the index on
 * latest(key, value) answers at once, instead of one lookup per run.  The
 * conjunct itself stays in the query, so the results are the same (NOT,
 * OR and missing keys keep their meaning); this only narrows the scan.
 */
static void add_hint(const struct expr *c, struct strbuf *sql,
		     struct expr_binds *binds)
{
	static const char *const ops[] = { [EXPR_EQ] = "=", [EXPR_NE] = "!=",
					   [EXPR_LT] = "<", [EXPR_LE] = "<=",
					   [EXPR_GT] = ">", [EXPR_GE] = ">=" };
	const struct expr *id, *lit;
	const char *first, *table;
	struct strbuf key = STRBUF_INIT;
	double num;
	int i, is_num;

	if (c->kind != EXPR_CMP || c->nkids != 2)
		return;
	id = c->kids[0];
	lit = c->kids[1];
	if (id->kind != EXPR_IDENT || id->nparts < 2 ||
	    (lit->kind != EXPR_LIT_NUM && lit->kind != EXPR_LIT_STR))
		return;
	first = id->parts[0];
	if (!strcasecmp(first, "metrics") || !strcasecmp(first, "metric"))
		table = "latest";
	else if (!strcasecmp(first, "params") || !strcasecmp(first, "param"))
		table = "params";
	else if (!strcasecmp(first, "tags") || !strcasecmp(first, "tag"))
		table = "tags";
	else
		return;
	for (i = 1; i < id->nparts; i++)
		strbuf_addf(&key, "%s%s", i > 1 ? "." : "", id->parts[i]);
	if (!strcmp(table, "tags") && find_attr(system_tags, key.buf)) {
		strbuf_release(&key);
		return; /* an attribute, not in the tags table */
	}
	is_num = lit->kind == EXPR_LIT_NUM;
	num = lit->num;
	if (!is_num && !strcmp(table, "latest") &&
	    expr_text_number(lit->str, strlen(lit->str), &num) == 0)
		is_num = 1;
	if (!strcmp(table, "latest") && is_num) {
		strbuf_addf(sql, " AND r.id IN (SELECT run FROM latest WHERE "
				 "key = ? AND value %s ?)", ops[c->op]);
		expr_binds_text(binds, key.buf);
		expr_binds_double(binds, num);
	} else if (strcmp(table, "latest") && !is_num && c->op == EXPR_EQ) {
		strbuf_addf(sql, " AND r.id IN (SELECT run FROM %s WHERE "
				 "key = ? AND value = ?)", table);
		expr_binds_text(binds, key.buf);
		expr_binds_text(binds, lit->str);
	} else {
		/* at least the key must be there */
		strbuf_addf(sql, " AND r.id IN (SELECT run FROM %s WHERE "
				 "key = ?)", table);
		expr_binds_text(binds, key.buf);
	}
	strbuf_release(&key);
}

int runs_query(sqlite3 *db, const struct runs_query *q,
	       int (*fn)(sqlite3_stmt *row, void *data), void *data)
{
	struct strbuf sql = STRBUF_INIT, filter = STRBUF_INIT;
	struct expr_binds binds = EXPR_BINDS_INIT;
	struct resolve_ctx ctx = { mltime_now() };
	struct expr *e = NULL;
	sqlite3_stmt *st = NULL;
	int i, rc = -1;

	if (expr_sql_register(db) < 0)
		return -1;
	if (q->experiment) {
		/* a typo is not "no run": exit 2, not an empty answer */
		sqlite3_stmt *x = db_prepare(db, "SELECT 1 FROM experiments "
					     "WHERE name = ?");

		if (!x)
			return -1;
		db_bind_text(x, 1, q->experiment);
		rc = db_step(x);
		sqlite3_finalize(x);
		if (rc != SQLITE_ROW)
			return rc < 0 ? -1 : error_input("no such experiment: "
							 "'%s'", q->experiment);
		rc = -1;
	}
	strbuf_addstr(&sql, "SELECT r.id, r.experiment, r.name, r.status, "
			    "r.start_time, r.end_time");
	for (i = 0; q->columns && q->columns[i]; i++)
		if (add_column(q->columns[i], &sql, &binds, &ctx) < 0)
			goto out;
	strbuf_addstr(&sql, " FROM runs r WHERE 1");
	if (!q->all)
		strbuf_addstr(&sql, " AND r.deleted = 0");
	if (q->experiment) {
		strbuf_addstr(&sql, " AND r.experiment = ?");
		expr_binds_text(&binds, q->experiment);
	}
	if (q->has_metric) {
		strbuf_addstr(&sql, " AND EXISTS (SELECT 1 FROM latest WHERE "
				    "run = r.id AND key = ? AND value IS NOT NULL "
				    "AND value IS NOT 'nan')");
		expr_binds_text(&binds, q->has_metric);
	}
	if (q->filter && *q->filter) {
		e = expr_parse(q->filter, "filter");
		if (!e || expr_to_sql(e, resolve_ident, &ctx, &filter,
				      &binds) < 0)
			goto out;
		strbuf_addf(&sql, " AND (%s)", filter.buf);
		if (e->kind == EXPR_AND)
			for (i = 0; i < e->nkids; i++)
				add_hint(e->kids[i], &sql, &binds);
		else
			add_hint(e, &sql, &binds);
	}
	strbuf_addstr(&sql, " ORDER BY ");
	if (sqlite3_create_collation_v2(db, "mlrepo_param", SQLITE_UTF8, NULL,
					cmp_param, NULL) != SQLITE_OK) {
		error("cannot register a collation: %s", sqlite3_errmsg(db));
		goto out;
	}
	for (i = 0; q->order_by && q->order_by[i]; i++)
		if (add_order_list(q->order_by[i], &sql, &binds, &ctx) < 0)
			goto out;
	strbuf_addstr(&sql, "r.start_time DESC, r.id LIMIT ?");
	expr_binds_int(&binds, q->limit);
	st = db_prepare(db, sql.buf);
	if (!st)
		goto out;
	expr_binds_apply(&binds, st, 1);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		if (fn(st, data)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : -1;
out:
	sqlite3_finalize(st);
	expr_free(e);
	expr_binds_release(&binds);
	strbuf_release(&sql);
	strbuf_release(&filter);
	return rc;
}

/* ---- the domain: tables, bundles, fsck, status ------------------------ */

static const struct domain_migration migrations[] = {
	/* 2: experiment tracking (exp-log) */
	{ 2,
	"CREATE TABLE experiments ("
	"  name TEXT PRIMARY KEY,"
	"  created INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE TABLE experiment_tags ("
	"  experiment TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (experiment, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE runs ("
	"  id TEXT PRIMARY KEY,"	      /* 32 hex */
	"  experiment TEXT NOT NULL,"
	"  name TEXT,"
	"  status TEXT NOT NULL,"	      /* running finished failed killed */
	"  start_time INTEGER NOT NULL,"
	"  end_time INTEGER,"
	"  user TEXT, host TEXT, cwd TEXT,"
	"  command TEXT,"		      /* JSON array */
	"  git_commit TEXT, git_dirty INTEGER,"
	"  parent TEXT,"
	"  deleted INTEGER NOT NULL DEFAULT 0,"
	"  exit_status INTEGER,"	      /* exp-log run */
	"  wall_time REAL, cpu_time REAL, max_rss_kb INTEGER"
	") WITHOUT ROWID;"
	"CREATE INDEX runs_start ON runs(start_time);"
	"CREATE INDEX runs_experiment ON runs(experiment, start_time);"
	"CREATE TABLE params ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	"CREATE TABLE tags ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	/* every point; value NULL was NaN (SQLite has no NaN): 6 says now */
	"CREATE TABLE metrics ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,"
	"  step INTEGER NOT NULL, value REAL, time INTEGER NOT NULL,"
	"  PRIMARY KEY (run, key, seq)"
	") WITHOUT ROWID;"
	/* per run and key: the current value (largest step, then last
	 * logged), the largest step and the count, kept by every writer */
	"CREATE TABLE latest ("
	"  run TEXT NOT NULL, key TEXT NOT NULL, value REAL,"
	"  step INTEGER NOT NULL, seq INTEGER NOT NULL,"
	"  max_step INTEGER NOT NULL, n INTEGER NOT NULL,"
	"  time INTEGER NOT NULL, PRIMARY KEY (run, key)"
	") WITHOUT ROWID;"
	"CREATE INDEX latest_key ON latest(key, value);"
	"CREATE TABLE artifacts ("
	"  run TEXT NOT NULL, name TEXT NOT NULL, oid TEXT NOT NULL,"
	"  kind TEXT NOT NULL,"		      /* file or dir */
	"  size INTEGER NOT NULL, time INTEGER NOT NULL,"
	"  PRIMARY KEY (run, name)"
	") WITHOUT ROWID" },

	/* 3: searching by key and value (exp-log ls --filter) */
	{ 3,
	"CREATE INDEX params_key ON params(key, value);"
	"CREATE INDEX tags_key ON tags(key, value)" },

	/* 4: when a run last changed, for bundles (the later one wins) */
	{ 4,
	"ALTER TABLE runs ADD COLUMN time INTEGER NOT NULL DEFAULT 0;"
	"UPDATE runs SET time = coalesce(end_time, start_time)" },

	/*
	 * 5: when a metric point was recorded here, apart from the time its
	 * value claims (--time -2d), for bundle create --since; points of
	 * before keep their claimed time as the best guess
	 */
	{ 5,
	"ALTER TABLE metrics ADD COLUMN recorded INTEGER NOT NULL DEFAULT 0;"
	"UPDATE metrics SET recorded = time" },

	/*
	 * 6: NaN is not missing: kept as the text 'nan' (runs_column_value());
	 * until now a metric value NULL was NaN.  The current values are
	 * computed again by MLflow's rule (after_unbundle() says it).
	 */
	{ 6,
	"UPDATE metrics SET value = 'nan' WHERE value IS NULL;"
	"UPDATE latest SET value = 'nan' WHERE value IS NULL;"
	"INSERT OR REPLACE INTO latest(run, key, value, step, seq, max_step,"
	" n, time) "
	"SELECT m.run, m.key, m.value, m.step, m.seq, l.max_step, l.n, m.time"
	" FROM latest l JOIN metrics m ON m.run = l.run AND m.key = l.key"
	" WHERE m.seq = (SELECT seq FROM metrics x WHERE x.run = l.run"
	" AND x.key = l.key ORDER BY step DESC, time DESC, value IS 'nan',"
	" value DESC, seq DESC LIMIT 1)" },

	/*
	 * 7: the data a run used (MLflow's dataset inputs), one row per
	 * name, digest and context; the digest index finds the runs that
	 * used a training set
	 */
	{ 7,
	"CREATE TABLE inputs ("
	"  run TEXT NOT NULL, name TEXT NOT NULL, digest TEXT NOT NULL,"
	"  context TEXT NOT NULL, source TEXT, time INTEGER NOT NULL,"
	"  PRIMARY KEY (run, name, context, digest)"
	") WITHOUT ROWID;"
	"CREATE INDEX inputs_digest ON inputs(digest)" },
	{ 0, NULL }
};

static const struct domain_col run_cols[] = {
	{ "id", DOMAIN_COL_ID32 }, { "time", DOMAIN_COL_TIME }, { NULL, 0 }
};
static const struct domain_col of_run_cols[] = {
	{ "run", DOMAIN_COL_ID32 }, { "time", DOMAIN_COL_TIME }, { NULL, 0 }
};
static const struct domain_col metric_cols[] = {
	{ "run", DOMAIN_COL_ID32 }, { "time", DOMAIN_COL_TIME },
	{ "recorded", DOMAIN_COL_TIME }, { NULL, 0 }
};
static const struct domain_col timed_cols[] = {
	{ "time", DOMAIN_COL_TIME }, { NULL, 0 }
};

/* The runs something of which a bundle made since ?1 carries. */
#define CHANGED_RUNS \
	"SELECT id FROM runs WHERE time >= ?1 UNION " \
	"SELECT run FROM params WHERE time >= ?1 UNION " \
	"SELECT run FROM tags WHERE time >= ?1 UNION " \
	"SELECT run FROM metrics WHERE recorded >= ?1 UNION " \
	"SELECT run FROM artifacts WHERE time >= ?1 UNION " \
	"SELECT run FROM inputs WHERE time >= ?1"

static const struct domain_table tables[] = {
	/* an experiment goes with its runs and its tags */
	{ "experiments", "created", NULL, NULL, NULL, NULL,
	  "name IN (SELECT experiment FROM runs WHERE id IN (" CHANGED_RUNS
	  ")) OR name IN (SELECT experiment FROM experiment_tags WHERE "
	  "time >= ?1)", NULL, NULL },
	{ "experiment_tags", "time", NULL, "experiment, key", timed_cols, NULL,
	  NULL, NULL, NULL },
	/* a run goes with anything of it that is carried */
	{ "runs", "time", NULL, "id", run_cols, NULL,
	  "id IN (" CHANGED_RUNS ")", NULL, NULL },
	/* a param is write-once: another value is a conflict, ours stays */
	{ "params", "time", NULL, NULL, of_run_cols, NULL, NULL, NULL,
	  "SELECT 'param ' || :key || ' of run ' || substr(:run, 1, 12) || "
	  "': kept ''' || value || ''', the bundle has ''' || :value || '''' "
	  "FROM params WHERE run = :run AND key = :key AND value IS NOT :value" },
	{ "tags", "time", NULL, "run, key", of_run_cols, NULL, NULL, NULL,
	  NULL },
	/* new points: their run's `latest` is computed again */
	/*
	 * a point is known by what it says, not by its seq, which each
	 * repository counts for itself: two repositories logging to the
	 * same run keep each other's points
	 */
	{ "metrics", "recorded", NULL, NULL, metric_cols, "run", NULL,
	  "INSERT INTO metrics(run, key, seq, step, value, time, recorded) "
	  "SELECT :run, :key, coalesce((SELECT max(seq) FROM metrics WHERE "
	  "run = :run AND key = :key), 0) + 1, :step, :value, :time, "
	  "coalesce(:recorded, :time) WHERE NOT EXISTS (SELECT 1 FROM metrics "
	  "WHERE run = :run AND key = :key AND step = :step AND time = :time "
	  "AND value IS :value)", NULL },
	{ "artifacts", "time", NULL, "run, name", of_run_cols, NULL, NULL,
	  NULL, NULL },
	/* an input never changes: the first one recorded stays */
	{ "inputs", "time", NULL, NULL, of_run_cols, NULL, NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

/* Rows that point at nothing: each query counts them. */
static const struct domain_check checks[] = {
	{ "experiments", NULL, NULL },
	{ "experiment_tags", NULL, NULL },
	{ "runs", NULL, NULL },
	{ "params", NULL, NULL },
	{ "tags", NULL, NULL },
	{ "metrics", NULL, NULL },
	{ "latest", NULL, NULL },
	{ "artifacts", NULL, NULL },
	{ "inputs", NULL, NULL },
	{ "params", "params of runs that do not exist",
	  "SELECT count(*) FROM params WHERE run NOT IN (SELECT id FROM runs)" },
	{ "tags", "tags of runs that do not exist",
	  "SELECT count(*) FROM tags WHERE run NOT IN (SELECT id FROM runs)" },
	{ "metrics", "metric points of runs that do not exist",
	  "SELECT count(*) FROM metrics WHERE run NOT IN (SELECT id FROM runs)" },
	{ "latest", "current metric values of runs that do not exist",
	  "SELECT count(*) FROM latest WHERE run NOT IN (SELECT id FROM runs)" },
	{ "artifacts", "artifacts of runs that do not exist",
	  "SELECT count(*) FROM artifacts WHERE run NOT IN (SELECT id FROM runs)" },
	{ "inputs", "inputs of runs that do not exist",
	  "SELECT count(*) FROM inputs WHERE run NOT IN (SELECT id FROM runs)" },
	{ "objrefs", "object references held by runs that do not exist",
	  "SELECT count(*) FROM objrefs WHERE owner LIKE 'run:%' AND "
	  "substr(owner, 5, 32) NOT IN (SELECT id FROM runs)" },
	{ NULL, NULL, NULL }
};

/*
 * `latest` (a run's current value of each metric) is derived, so bundles
 * do not carry it: after new points arrive it is computed again for the
 * runs they belong to, by the rule the metric writer follows
 * (newer_point()): the largest step, then the latest time, then the
 * largest value (a number before NaN), then the last logged.
 */
static int after_unbundle(sqlite3 *db)
{
	/*
	 * points from a bundle of before version 5 know no recorded time;
	 * before version 6, a NaN came as NULL
	 */
	if (db_exec(db, "UPDATE metrics SET recorded = time WHERE recorded = 0 "
			"AND run IN (SELECT val FROM temp.bundle_touched WHERE "
			"tbl = 'metrics')") < 0 ||
	    db_exec(db, "UPDATE metrics SET value = 'nan' WHERE value IS NULL "
			"AND run IN (SELECT val FROM temp.bundle_touched WHERE "
			"tbl = 'metrics')") < 0)
		return -1;
	return db_exec(db,
		"INSERT OR REPLACE INTO latest(run, key, value, step, seq,"
		" max_step, n, time) "
		"SELECT m.run, m.key, m.value, m.step, m.seq, a.max_step, a.n,"
		" m.time FROM metrics m JOIN (SELECT run, key,"
		" max(step) AS max_step, count(*) AS n FROM metrics"
		" WHERE run IN (SELECT val FROM temp.bundle_touched"
		" WHERE tbl = 'metrics')"
		" GROUP BY run, key) a ON a.run = m.run AND a.key = m.key"
		" WHERE m.seq = (SELECT seq FROM metrics x WHERE x.run = m.run"
		" AND x.key = m.key ORDER BY step DESC, time DESC,"
		" value IS 'nan', value DESC, seq DESC LIMIT 1)");
}

/* experiments: N, M runs */
static int status(struct repo *r, sqlite3 *db, struct domain_status *st)
{
	int64_t experiments = db_query_int(db, "SELECT count(*) FROM "
					       "experiments");
	int64_t runs = db_query_int(db, "SELECT count(*) FROM runs WHERE "
					"deleted = 0");

	(void)r;
	if (experiments < 0 || runs < 0)
		return -1;
	strbuf_addf(st->text, "experiments:     %lld, %lld runs\n",
		    (long long)experiments, (long long)runs);
	cJSON_AddNumberToObject(st->json, "experiments", (double)experiments);
	cJSON_AddNumberToObject(st->json, "runs", (double)runs);
	return 0;
}

const struct domain runs_domain = {
	.name = "runs",
	.migrations = migrations,
	.tables = tables,
	.checks = checks,
	.after_unbundle = after_unbundle,
	.status = status,
};

/* ---- JSON ----------------------------------------------------------- */

/* A JSON number, or "NaN" / "Infinity" / "-Infinity" (JSON has none). */
cJSON *runs_json_value(double v)
{
	if (isnan(v))
		return cJSON_CreateString("NaN");
	if (isinf(v))
		return cJSON_CreateString(v > 0 ? "Infinity" : "-Infinity");
	return cJSON_CreateNumber(v);
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
	char buf[MLTIME_BUFSZ];

	if (t)
		cJSON_AddStringToObject(o, key, mltime_format(t, buf));
	else
		cJSON_AddNullToObject(o, key);
}

static void add_str(cJSON *o, const char *key, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *runs_info_json(const struct run_info *in, int full)
{
	cJSON *o = cJSON_CreateObject(), *p, *m, *t;
	int i;

	cJSON_AddStringToObject(o, "run_id", in->id);
	add_str(o, "experiment", in->experiment);
	add_str(o, "name", in->name);
	add_str(o, "status", in->status);
	add_time(o, "start_time", in->start_time);
	add_time(o, "end_time", in->end_time);
	p = cJSON_AddObjectToObject(o, "params");
	for (i = 0; i < in->nparams; i++)
		cJSON_AddStringToObject(p, in->params[i].key,
					in->params[i].value);
	m = cJSON_AddObjectToObject(o, "metrics");
	for (i = 0; i < in->nmetrics; i++)
		cJSON_AddItemToObject(m, in->metrics[i].key,
				      runs_json_value(in->metrics[i].value));
	t = cJSON_AddObjectToObject(o, "tags");
	for (i = 0; i < in->ntags; i++)
		cJSON_AddStringToObject(t, in->tags[i].key, in->tags[i].value);
	if (in->deleted)
		cJSON_AddBoolToObject(o, "deleted", 1);
	if (!full)
		return o;
	add_str(o, "user", in->user);
	add_str(o, "host", in->host);
	add_str(o, "cwd", in->cwd);
	if (in->command)
		cJSON_AddItemToObject(o, "command", cJSON_Parse(in->command));
	else
		cJSON_AddNullToObject(o, "command");
	add_str(o, "git_commit", in->git_commit);
	if (in->git_dirty >= 0)
		cJSON_AddBoolToObject(o, "git_dirty", in->git_dirty);
	else
		cJSON_AddNullToObject(o, "git_dirty");
	add_str(o, "parent", in->parent);
	if (!in->deleted)
		cJSON_AddBoolToObject(o, "deleted", 0);
	if (in->has_exit) {
		cJSON_AddNumberToObject(o, "exit_status", in->exit.exit_status);
		cJSON_AddNumberToObject(o, "wall_time", in->exit.wall_time);
		cJSON_AddNumberToObject(o, "cpu_time", in->exit.cpu_time);
		cJSON_AddNumberToObject(o, "max_rss_kb",
					(double)in->exit.max_rss_kb);
	}
	m = cJSON_AddObjectToObject(o, "metric_steps");
	for (i = 0; i < in->nmetrics; i++) {
		cJSON *x = cJSON_AddObjectToObject(m, in->metrics[i].key);

		cJSON_AddNumberToObject(x, "step", (double)in->metrics[i].step);
		cJSON_AddNumberToObject(x, "points",
					(double)in->metrics[i].count);
	}
	p = cJSON_AddArrayToObject(o, "artifacts");
	for (i = 0; i < in->nartifacts; i++) {
		cJSON *a = cJSON_CreateObject();

		cJSON_AddStringToObject(a, "name", in->artifacts[i].name);
		cJSON_AddStringToObject(a, "kind", in->artifacts[i].kind);
		cJSON_AddStringToObject(a, "id", in->artifacts[i].oid);
		cJSON_AddNumberToObject(a, "size", (double)in->artifacts[i].size);
		cJSON_AddItemToArray(p, a);
	}
	p = cJSON_AddArrayToObject(o, "inputs");
	for (i = 0; i < in->ninputs; i++) {
		cJSON *a = cJSON_CreateObject();

		cJSON_AddStringToObject(a, "name", in->inputs[i].name);
		cJSON_AddStringToObject(a, "digest", in->inputs[i].digest);
		cJSON_AddStringToObject(a, "context", in->inputs[i].context);
		add_str(a, "source", in->inputs[i].source);
		cJSON_AddBoolToObject(a, "object", in->inputs[i].is_object);
		add_time(a, "time", in->inputs[i].time);
		cJSON_AddItemToArray(p, a);
	}
	return o;
}

/* ---- history, experiments --------------------------------------------- */

int runs_metric_history(sqlite3 *db, const char *run, const char *key,
			int (*fn)(const struct run_point *p, void *data),
			void *data)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT step, value, time FROM "
					  "metrics WHERE run=? AND key=? "
					  "ORDER BY step, seq");
	int rc, n = 0;

	if (!st)
		return -1;
	db_bind_text(st, 1, run);
	db_bind_text(st, 2, key);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct run_point p;

		p.step = sqlite3_column_int64(st, 0);
		p.value = runs_column_value(st, 1);
		p.time = sqlite3_column_int64(st, 2);
		n++;
		if (fn(&p, data))
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : n;
}

int runs_experiments(sqlite3 *db,
		     int (*fn)(const struct experiment_info *e, void *data),
		     void *data)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, "SELECT e.name, e.created, (SELECT count(*) FROM "
			    "runs WHERE experiment = e.name AND deleted = 0), "
			    "(SELECT max(start_time) FROM runs WHERE "
			    "experiment = e.name AND deleted = 0), "
			    "(SELECT json_group_object(key, value) FROM "
			    "(SELECT key, value FROM experiment_tags WHERE "
			    "experiment = e.name ORDER BY key)) "
			    "FROM experiments e ORDER BY e.name");
	if (!st)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct experiment_info e;

		e.name = (const char *)sqlite3_column_text(st, 0);
		e.created = sqlite3_column_int64(st, 1);
		e.runs = sqlite3_column_int64(st, 2);
		e.last_run = sqlite3_column_type(st, 3) == SQLITE_NULL
				     ? 0
				     : sqlite3_column_int64(st, 3);
		e.tags_json = (const char *)sqlite3_column_text(st, 4);
		if (fn(&e, data))
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}
