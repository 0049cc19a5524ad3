/*
 * pipestate.c - what pipe-run knows of a pipeline's files: the hash cache,
 * pipeline.lock, and whether a stage is stale (piperun.h, pipe-int.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "fsutil.h"
#include "mltime.h"
#include "odb.h"
#include "pipe-int.h"
#include "pipeline.h"
#include "piperun.h"
#include "repo.h"
#include "strbuf.h"
#include "tree.h"

int64_t pipe_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mtime_ns(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

/* ---- the hash cache ---------------------------------------------------- */

static uint64_t str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* The slot of `path`: holding it, or the empty one where it would go. */
static uint32_t *slot(struct pipe_hashes *h, const char *path)
{
	size_t i = str_hash(path) & (h->cap - 1);

	while (h->slots[i] && strcmp(h->v[h->slots[i] - 1].path, path))
		i = (i + 1) & (h->cap - 1);
	return &h->slots[i];
}

static void grow(struct pipe_hashes *h)
{
	size_t i;

	h->cap = h->cap ? h->cap * 2 : 1024;
	free(h->slots);
	h->slots = xcalloc(h->cap, sizeof(*h->slots));
	for (i = 0; i < h->nr; i++)
		*slot(h, h->v[i].path) = (uint32_t)i + 1;
}

static struct pipe_hash *lookup(struct pipe_hashes *h, const char *path,
				int create)
{
	uint32_t *sl;

	if (!h->cap || (create && (h->nr + 1) * 2 > h->cap))
		grow(h);
	sl = slot(h, path);
	if (!*sl && create) {
		ALLOC_GROW(h->v, h->nr + 1, h->alloc);
		memset(&h->v[h->nr], 0, sizeof(h->v[h->nr]));
		h->v[h->nr].path = xstrdup(path);
		*sl = (uint32_t)++h->nr;
	}
	return *sl ? &h->v[*sl - 1] : NULL;
}

int pipe_hashes_load(sqlite3 *db, struct pipe_hashes *h)
{
	sqlite3_stmt *st;
	int rc;

	if (h->loaded)
		return 0;
	st = db_prepare(db, "SELECT path, size, mtime_ns, ino, hashed_at, id "
			    "FROM pipe_hashes");
	if (!st)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(st, 5);
		struct pipe_hash *e;

		if (!id || !odb_valid_id(id))
			continue;
		e = lookup(h, (const char *)sqlite3_column_text(st, 0), 1);
		e->size = sqlite3_column_int64(st, 1);
		e->mtime_ns = sqlite3_column_int64(st, 2);
		e->ino = sqlite3_column_int64(st, 3);
		e->hashed_at = sqlite3_column_int64(st, 4);
		memcpy(e->id, id, ODB_HEXSZ + 1);
	}
	sqlite3_finalize(st);
	h->loaded = 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

int pipe_hashes_save(sqlite3 *db, struct pipe_hashes *h)
{
	sqlite3_stmt *st = NULL;
	size_t i, n = 0;

	for (i = 0; i < h->nr; i++)
		n += h->v[i].dirty;
	if (!n || db_readonly(db))
		return 0;
	if (db_begin(db) < 0)
		return -1;
	st = db_prepare(db, "INSERT OR REPLACE INTO pipe_hashes(path, size, "
			    "mtime_ns, ino, hashed_at, id) "
			    "VALUES (?, ?, ?, ?, ?, ?)");
	if (!st)
		goto fail;
	for (i = 0; i < h->nr; i++) {
		struct pipe_hash *e = &h->v[i];

		if (!e->dirty)
			continue;
		sqlite3_reset(st);
		db_bind_text(st, 1, e->path);
		db_bind_int64(st, 2, e->size);
		db_bind_int64(st, 3, e->mtime_ns);
		db_bind_int64(st, 4, e->ino);
		db_bind_int64(st, 5, e->hashed_at);
		db_bind_text(st, 6, e->id);
		if (db_step(st) != SQLITE_DONE)
			goto fail;
	}
	sqlite3_finalize(st);
	if (db_commit(db) < 0)
		return -1;
	for (i = 0; i < h->nr; i++)
		h->v[i].dirty = 0;
	return 0;
fail:
	sqlite3_finalize(st);
	db_rollback(db);
	return -1;
}

void pipe_hashes_release(struct pipe_hashes *h)
{
	size_t i;

	for (i = 0; i < h->nr; i++)
		free(h->v[i].path);
	free(h->v);
	free(h->slots);
	memset(h, 0, sizeof(*h));
}

void pipe_hashes_set(struct pipe_hashes *h, const char *abs,
		     const struct stat *st, const char *id, int64_t hashed_at)
{
	struct pipe_hash *e = lookup(h, abs, 1);

	e->size = st->st_size;
	e->mtime_ns = mtime_ns(st);
	e->ino = (int64_t)st->st_ino;
	e->hashed_at = hashed_at;
	memcpy(e->id, id, ODB_HEXSZ + 1);
	e->dirty = 1;
	e->fresh = 1;
}

/* A regular file's hash, from the cache when its entry can be trusted. */
static int hash_file(void *data, const char *path, const struct stat *st,
		     char id[ODB_HEXSZ + 1])
{
	struct pipe_hashes *h = data;
	struct pipe_hash *e = h->cap ? lookup(h, path, 0) : NULL;
	int64_t at;

	/* trusted when nothing changed and it was hashed well after its last
	 * change (a write in the same clock tick as the hash shows no
	 * difference in mtime), or by us during this run: an out just
	 * stored is not read a second time */
	if (e && e->size == st->st_size && e->mtime_ns == mtime_ns(st) &&
	    e->ino == (int64_t)st->st_ino &&
	    (e->fresh || e->mtime_ns + 1000000000 < e->hashed_at)) {
		memcpy(id, e->id, ODB_HEXSZ + 1);
		return 0;
	}
	at = pipe_now_ns();
	if (odb_hash_file(path, id) < 0)
		return -1;
	pipe_hashes_set(h, path, st, id, at);
	return 0;
}

int pipe_hash_path(struct pipe_hashes *h, const char *abs, struct pipe_obj *o)
{
	return pipe_hash_stat(h, abs, NULL, o);
}

int pipe_hash_stat(struct pipe_hashes *h, const char *abs,
		   const struct stat *given, struct pipe_obj *o)
{
	struct stat st;

	memset(o, 0, sizeof(*o));
	if (given) {
		st = *given;
	} else if (stat(abs, &st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return error("cannot stat '%s': %s", abs, strerror(errno));
	}
	if (S_ISDIR(st.st_mode)) {
		o->dir = 1;
		if (tree_hash(abs, hash_file, h, o->id, &o->size,
			      &o->files) < 0)
			return -1;
		return 1;
	}
	if (!S_ISREG(st.st_mode))
		return error_input("'%s' is neither a file nor a directory",
				   abs);
	o->size = st.st_size;
	return hash_file(h, abs, &st, o->id) < 0 ? -1 : 1;
}

/* ---- pipeline.lock ------------------------------------------------------ */

char *pipe_lock_path(const char *file)
{
	size_t n = strlen(file);
	struct strbuf sb = STRBUF_INIT;

	if (n > 4 && !strcmp(file + n - 4, ".ini"))
		strbuf_add(&sb, file, n - 4);
	else
		strbuf_addstr(&sb, file);
	strbuf_addstr(&sb, ".lock");
	return strbuf_detach(&sb, NULL);
}

static void lock_empty(struct pipe_lockfile *l)
{
	l->root = cJSON_CreateObject();
	cJSON_AddNumberToObject(l->root, "version", 1);
	l->stages = cJSON_AddObjectToObject(l->root, "stages");
}

static void lock_sig(struct pipe_lockfile *l, const struct stat *st)
{
	l->exists = st != NULL;
	l->dev = st ? (int64_t)st->st_dev : 0;
	l->ino = st ? (int64_t)st->st_ino : 0;
	l->size = st ? (int64_t)st->st_size : 0;
	l->mtime_ns = st ? mtime_ns(st) : 0;
}

/*
 * An object whose every member is a string (absent is fine); with
 * `ids`, each an object id.
 */
static int strings_ok(const cJSON *o, int ids)
{
	const cJSON *e;

	if (!o)
		return 1;
	if (!cJSON_IsObject(o))
		return 0;
	cJSON_ArrayForEach(e, o)
		if (!cJSON_IsString(e) || !e->string || !*e->string ||
		    (ids && !odb_valid_id(e->valuestring)))
			return 0;
	return 1;
}

/* A stage's entry has the shape this file writes. */
static int entry_ok(const cJSON *e)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(e, "env");
	const cJSON *x;

	if (!cJSON_IsObject(e) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(e, "cmd")) ||
	    !strings_ok(cJSON_GetObjectItemCaseSensitive(e, "params"), 0) ||
	    !strings_ok(cJSON_GetObjectItemCaseSensitive(e, "deps"), 1) ||
	    !strings_ok(cJSON_GetObjectItemCaseSensitive(e, "outs"), 1))
		return 0;
	x = cJSON_GetObjectItemCaseSensitive(e, "wdir");
	if (x && !cJSON_IsString(x))
		return 0;
	if (env) {
		if (!cJSON_IsArray(env))
			return 0;
		cJSON_ArrayForEach(x, env)
			if (!cJSON_IsString(x))
				return 0;
	}
	return 1;
}

int pipe_lock_load(const char *path, struct pipe_lockfile *l)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	cJSON *v;
	int fd;

	memset(l, 0, sizeof(*l));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT) {
			lock_empty(l);
			return 0;
		}
		return error("cannot read '%s': %s", path, strerror(errno));
	}
	if (fstat(fd, &st) < 0 || strbuf_read_fd(&sb, fd) < 0) {
		error("cannot read '%s': %s", path, strerror(errno));
		close(fd);
		strbuf_release(&sb);
		return -1;
	}
	close(fd);
	l->root = cJSON_ParseWithLength(sb.buf, sb.len);
	if (!l->root) {
		/* where it goes wrong, as a line number */
		const char *at = cJSON_GetErrorPtr(), *q;
		int line = 1;

		for (q = sb.buf; at && q < at && q < sb.buf + sb.len; q++)
			line += *q == '\n';
		error_input("'%s' line %d: not JSON (remove the file to "
			    "rebuild it)", path, line);
		strbuf_release(&sb);
		memset(l, 0, sizeof(*l));
		return -1;
	}
	strbuf_release(&sb);
	v = cJSON_GetObjectItemCaseSensitive(l->root, "version");
	l->stages = cJSON_GetObjectItemCaseSensitive(l->root, "stages");
	if (!cJSON_IsObject(l->root) || !cJSON_IsNumber(v) ||
	    !cJSON_IsObject(l->stages)) {
		cJSON_Delete(l->root);
		memset(l, 0, sizeof(*l));
		return error_input("'%s' is not a pipeline lock file (remove it "
				   "to rebuild it)", path);
	}
	if (v->valuedouble != 1) {
		double version = v->valuedouble;

		cJSON_Delete(l->root);
		memset(l, 0, sizeof(*l));
		return error_input("'%s': lock file version %g is not known "
				   "to this pipe-run", path, version);
	}
	for (v = l->stages->child; v; v = v->next)
		if (!entry_ok(v)) {
			error_input("'%s': the entry of stage '%s' is damaged "
				    "(remove it, or the file, to rebuild it)",
				    path, v->string);
			cJSON_Delete(l->root);
			memset(l, 0, sizeof(*l));
			return -1;
		}
	lock_sig(l, &st);
	return 0;
}

static void set_entry(cJSON *stages, const char *stage, const cJSON *entry)
{
	if (cJSON_GetObjectItemCaseSensitive(stages, stage))
		cJSON_ReplaceItemInObjectCaseSensitive(
			stages, stage, cJSON_Duplicate(entry, 1));
	else
		cJSON_AddItemToObject(stages, stage, cJSON_Duplicate(entry, 1));
}

int pipe_lock_refresh(const char *path, struct pipe_lockfile *l)
{
	struct stat st;
	int there = stat(path, &st) == 0;
	struct pipe_lockfile fresh;
	const cJSON *e;

	if (l->root && there == l->exists &&
	    (!there || (l->dev == (int64_t)st.st_dev &&
			l->ino == (int64_t)st.st_ino &&
			l->size == (int64_t)st.st_size &&
			l->mtime_ns == mtime_ns(&st))))
		return 0;
	if (pipe_lock_load(path, &fresh) < 0)
		return -1;
	/* what we set and did not write yet stays ours */
	fresh.pending = l->pending;
	fresh.flushed_at = l->flushed_at;
	fresh.flush_cost = l->flush_cost;
	fresh.gen = l->gen + 1;
	l->pending = NULL;
	cJSON_ArrayForEach(e, fresh.pending)
		set_entry(fresh.stages, e->string, e);
	pipe_lock_release(l);
	*l = fresh;
	return 0;
}

void pipe_lock_set(struct pipe_lockfile *mem, const char *stage,
		   const cJSON *entry)
{
	if (!mem->pending)
		mem->pending = cJSON_CreateObject();
	set_entry(mem->pending, stage, entry);
	set_entry(mem->stages, stage, entry);
}

int pipe_lock_due(const struct pipe_lockfile *mem)
{
	int64_t wait = mem->flush_cost * 20;

	if (wait < 250000)
		wait = 250000;
	return mem->pending && mltime_now() - mem->flushed_at >= wait;
}

void pipe_lock_release(struct pipe_lockfile *l)
{
	cJSON_Delete(l->root);
	cJSON_Delete(l->pending);
	memset(l, 0, sizeof(*l));
}

cJSON *pipe_lock_get(const struct pipe_lockfile *l, const char *stage)
{
	cJSON *e = cJSON_GetObjectItemCaseSensitive(l->stages, stage);

	return cJSON_IsObject(e) ? e : NULL;
}

int pipe_flock(struct repo *r, const char *key, int wait)
{
	char *dir = repo_path(r, "runs/locks");
	char *path = repo_path(r, "runs/locks/%s.lock", key);
	int fd = -1;

	if (fs_mkdirs(dir, 0777) < 0)
		goto out;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (fd < 0) {
		error("cannot open '%s': %s", path, strerror(errno));
		goto out;
	}
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR && wait > 1) {
			close(fd);
			fd = -3;
			goto out;
		}
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK && !wait) {
			close(fd);
			fd = -2;
			goto out;
		}
		error("cannot lock '%s': %s", path, strerror(errno));
		close(fd);
		fd = -1;
		break;
	}
out:
	free(dir);
	free(path);
	return fd;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string,
		      (*(const cJSON *const *)b)->string);
}

/* The lock as text: stages sorted by name, each entry as it is. */
static char *lock_text(cJSON *stages)
{
	cJSON **v = NULL, *e, *root = cJSON_CreateObject(), *out;
	size_t n = 0, alloc = 0, i;
	char *text;

	cJSON_ArrayForEach(e, stages)
	{
		ALLOC_GROW(v, n + 1, alloc);
		v[n++] = e;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_names);
	cJSON_AddNumberToObject(root, "version", 1);
	out = cJSON_AddObjectToObject(root, "stages");
	for (i = 0; i < n; i++)
		cJSON_AddItemReferenceToObject(out, v[i]->string, v[i]);
	text = cJSON_Print(root);
	cJSON_Delete(root);
	free(v);
	return text;
}

int pipe_lock_flush(struct repo *r, const struct pipeline *p,
		    const char *path, struct pipe_lockfile *mem)
{
	char key[ODB_HEXSZ + 1];
	cJSON *e, *next;
	char *text = NULL;
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	int64_t t0 = mltime_now();
	mode_t mask = umask(0);
	int fd, rc = -1;

	umask(mask); /* a file the user would have made: their umask */
	if (!mem->pending)
		return 0;
	strbuf_addf(&sb, "lockfile\n%s", path);
	odb_hash_buf(sb.buf, sb.len, key);
	key[24] = '\0';
	strbuf_reset(&sb);
	fd = pipe_flock(r, key, 1);
	if (fd < 0)
		return -1;
	/* what another pipe-run wrote meanwhile is kept */
	if (pipe_lock_refresh(path, mem) < 0)
		goto out;
	for (e = mem->stages->child; e; e = next) {
		next = e->next;
		if (!pipeline_stage(p, e->string))
			cJSON_Delete(cJSON_DetachItemViaPointer(mem->stages, e));
	}
	text = lock_text(mem->stages);
	strbuf_addstr(&sb, text);
	strbuf_addch(&sb, '\n');
	if (fs_write_file_atomic(path, sb.buf, sb.len, 0666 & ~mask) < 0) {
		mem->exists = -1; /* not written: read it again next time */
		goto out;
	}
	if (stat(path, &st) == 0)
		lock_sig(mem, &st);
	else
		mem->exists = -1;
	cJSON_Delete(mem->pending);
	mem->pending = NULL;
	mem->flushed_at = mltime_now();
	mem->flush_cost = mem->flushed_at - t0;
	rc = 0;
out:
	free(text);
	strbuf_release(&sb);
	close(fd);
	return rc;
}

int pipe_lock_put(struct repo *r, const struct pipeline *p, const char *path,
		  const char *stage, const cJSON *entry,
		  struct pipe_lockfile *mem)
{
	pipe_lock_set(mem, stage, entry);
	return pipe_lock_flush(r, p, path, mem);
}

/* ---- a stage's state ---------------------------------------------------- */

static char *real_or_absolute(const char *path)
{
	char *r = realpath(path, NULL);

	return r ? r : fs_absolute(path);
}

int pipe_env_init(struct pipe_env *e, struct repo *r, sqlite3 *db,
		  struct pipeline *p)
{
	char *lock;

	memset(e, 0, sizeof(*e));
	e->r = r;
	e->db = db;
	e->p = p;
	/* resolved: the same pipeline by another path is the same one */
	e->file_abs = real_or_absolute(p->file);
	e->root = real_or_absolute(p->dir);
	lock = pipe_lock_path(p->file);
	{
		const char *base = strrchr(lock, '/');
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s/%s", e->root, base ? base + 1 : lock);
		e->lock_path = strbuf_detach(&sb, NULL);
	}
	free(lock);
	if (pipe_lock_load(e->lock_path, &e->lock) < 0 ||
	    pipe_hashes_load(db, &e->hashes) < 0) {
		pipe_env_release(e);
		return -1;
	}
	return 0;
}

void pipe_env_release(struct pipe_env *e)
{
	free(e->root);
	free(e->file_abs);
	free(e->lock_path);
	pipe_hashes_release(&e->hashes);
	pipe_lock_release(&e->lock);
	memset(e, 0, sizeof(*e));
}

char *pipe_abs(const struct pipe_env *e, const char *norm)
{
	/* "../x" is resolved: outs are compared with the project's paths */
	return pipeline_norm_path(e->root, norm);
}

char *pipe_wdir(const struct pipe_env *e, const struct stage *s)
{
	return pipe_abs(e, s->wdir ? s->wdir : ".");
}

static int cmp_item_norm(const void *a, const void *b)
{
	return strcmp((*(const struct pipeline_item *const *)a)->norm,
		      (*(const struct pipeline_item *const *)b)->norm);
}

static char *xstrfmt_dir(const char *path)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/", path);
	return strbuf_detach(&sb, NULL);
}

char *pipe_file_path(const cJSON *f)
{
	size_t n = strlen(f->string);

	if (n > 1 && f->string[n - 1] == '/')
		n--;
	return xstrndup(f->string, n);
}

int pipe_file_is_dir(const cJSON *f)
{
	size_t n = strlen(f->string);

	return n > 1 && f->string[n - 1] == '/';
}

/* The files of one list, hashed, sorted by path. */
static int add_files(struct pipe_env *e, const struct pipeline_list *list,
		     const char *kind, cJSON *arr, struct strbuf *missing)
{
	const struct pipeline_item **v;
	size_t i;
	int rc = 0;

	if (!list->nr)
		return 0;
	v = xcalloc(list->nr, sizeof(*v));
	for (i = 0; i < list->nr; i++)
		v[i] = &list->v[i];
	qsort(v, list->nr, sizeof(*v), cmp_item_norm);
	for (i = 0; i < list->nr && !rc; i++) {
		char *abs = pipe_abs(e, v[i]->norm);
		struct pipe_obj o;
		struct stat st, *given = NULL;
		int got;

		if (e->build_stats && v[i]->have_st) {
			memset(&st, 0, sizeof(st));
			st.st_size = v[i]->st_size;
			st.st_mtim.tv_sec = v[i]->st_mtime_ns / 1000000000;
			st.st_mtim.tv_nsec = v[i]->st_mtime_ns % 1000000000;
			st.st_ino = (ino_t)v[i]->st_ino;
			st.st_mode = v[i]->st_mode;
			given = &st;
		}
		got = pipe_hash_stat(&e->hashes, abs, given, &o);

		free(abs);
		if (got < 0) {
			rc = -1;
			break;
		}
		if (!got) {
			if (missing)
				strbuf_addf(missing, "%s missing: %s; ", kind,
					    v[i]->norm);
			continue;
		}
		/* "path": "sha256", a directory's path ending in '/' */
		if (o.dir) {
			char *k = xstrfmt_dir(v[i]->norm);

			cJSON_AddStringToObject(arr, k, o.id);
			free(k);
		} else {
			cJSON_AddStringToObject(arr, v[i]->norm, o.id);
		}
	}
	free(v);
	return rc;
}

static char *joined_cmd(const struct stage *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < s->cmds.nr; i++)
		strbuf_addf(&sb, "%s%s", i ? "\n" : "", s->cmds.v[i].text);
	return strbuf_detach(&sb, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

cJSON *pipe_entry_now(struct pipe_env *e, const struct stage *s, int outs,
		      struct strbuf *missing)
{
	cJSON *ent = cJSON_CreateObject(), *params, *env;
	const char **names;
	char *cmd = joined_cmd(s);
	size_t i;

	cJSON_AddStringToObject(ent, "cmd", cmd);
	free(cmd);
	if (s->wdir && strcmp(s->wdir, "."))
		cJSON_AddStringToObject(ent, "wdir", s->wdir);
	if (s->env.nr) {
		env = cJSON_AddArrayToObject(ent, "env");
		for (i = 0; i < s->env.nr; i++)
			cJSON_AddItemToArray(env,
					     cJSON_CreateString(s->env.v[i].text));
	}
	params = cJSON_AddObjectToObject(ent, "params");
	names = xcalloc(s->params.nr + 1, sizeof(*names));
	for (i = 0; i < s->params.nr; i++)
		names[i] = s->params.v[i].text;
	if (s->params.nr)
		qsort(names, s->params.nr, sizeof(*names), cmp_str);
	for (i = 0; i < s->params.nr; i++) {
		const char *v = pipeline_param(e->p, names[i]);

		cJSON_AddStringToObject(params, names[i], v ? v : "");
	}
	free(names);
	if (add_files(e, &s->deps, "dep",
		      cJSON_AddObjectToObject(ent, "deps"), missing) < 0 ||
	    (outs && add_files(e, &s->outs, "out",
			       cJSON_AddObjectToObject(ent, "outs"),
			       missing) < 0)) {
		cJSON_Delete(ent);
		return NULL;
	}
	return ent;
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Compare the file lists `kind` of the lock entry and now. */
static void diff_files(const cJSON *was, const cJSON *now, const char *kind,
		       const struct strbuf *missing, struct strbuf *why)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, now)
	{
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(was,
								  f->string);
		char *p = pipe_file_path(f);

		if (!cJSON_IsString(w))
			strbuf_addf(why, "%s added: %s; ", kind, p);
		else if (strcmp(w->valuestring, f->valuestring))
			strbuf_addf(why, "%s changed: %s; ", kind, p);
		free(p);
	}
	cJSON_ArrayForEach(f, was)
	{
		struct strbuf said = STRBUF_INIT;
		char *p;

		if (!f->string || cJSON_GetObjectItemCaseSensitive(now,
								   f->string))
			continue;
		p = pipe_file_path(f);
		/* a missing one was said already */
		strbuf_addf(&said, "%s missing: %s; ", kind, p);
		if (!missing->len || !strstr(missing->buf, said.buf))
			strbuf_addf(why, "%s removed: %s; ", kind, p);
		strbuf_release(&said);
		free(p);
	}
}

int pipe_stale(struct pipe_env *e, const struct stage *s, struct strbuf *why,
	       cJSON **nowp)
{
	const cJSON *was = pipe_lock_get(&e->lock, s->name);
	struct strbuf missing = STRBUF_INIT;
	size_t len0 = why->len;
	cJSON *now, *p;

	if (nowp)
		*nowp = NULL;
	now = pipe_entry_now(e, s, 1, &missing);
	if (!now) {
		strbuf_release(&missing);
		return -1;
	}
	if (!was) {
		strbuf_addstr(why, "not in the lock file; ");
	} else {
		const cJSON *wp = cJSON_GetObjectItemCaseSensitive(was, "params");
		const char *wd = str_of(was, "wdir");
		const char *nd = str_of(now, "wdir");

		if (s->always)
			strbuf_addstr(why, "always; ");
		if (strcmp(str_of(now, "cmd"), str_of(was, "cmd") ?
		    str_of(was, "cmd") : ""))
			strbuf_addstr(why, "cmd changed; ");
		if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(now, "env"),
				   cJSON_GetObjectItemCaseSensitive(was, "env"),
				   1) &&
		    (cJSON_GetObjectItemCaseSensitive(now, "env") ||
		     cJSON_GetObjectItemCaseSensitive(was, "env")))
			strbuf_addstr(why, "env changed; ");
		if ((wd || nd) && (!wd || !nd || strcmp(wd, nd)))
			strbuf_addstr(why, "wdir changed; ");
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(now,
								       "params"))
		{
			const char *w = str_of(wp, p->string);

			if (!w || strcmp(w, p->valuestring))
				strbuf_addf(why, "param changed: %s; ",
					    p->string);
		}
		cJSON_ArrayForEach(p, wp)
			if (!cJSON_GetObjectItemCaseSensitive(
				    cJSON_GetObjectItemCaseSensitive(now,
								     "params"),
				    p->string))
				strbuf_addf(why, "param removed: %s; ",
					    p->string);
		if (missing.len)
			strbuf_add(why, missing.buf, missing.len);
		diff_files(cJSON_GetObjectItemCaseSensitive(was, "deps"),
			   cJSON_GetObjectItemCaseSensitive(now, "deps"),
			   "dep", &missing, why);
		diff_files(cJSON_GetObjectItemCaseSensitive(was, "outs"),
			   cJSON_GetObjectItemCaseSensitive(now, "outs"),
			   "out", &missing, why);
	}
	strbuf_release(&missing);
	if (why->len > len0 && why->len >= 2)
		strbuf_setlen(why, why->len - 2); /* the last "; " */
	if (nowp)
		*nowp = now;
	else
		cJSON_Delete(now);
	return why->len > len0;
}

void pipe_cache_key(const struct stage *s, const cJSON *entry,
		    char key[ODB_HEXSZ + 1])
{
	struct strbuf sb = STRBUF_INIT;
	const cJSON *f;
	size_t i;
	char *env = cJSON_PrintUnformatted(
		cJSON_GetObjectItemCaseSensitive(entry, "env"));
	char *params = cJSON_PrintUnformatted(
		cJSON_GetObjectItemCaseSensitive(entry, "params"));

	/* the stage's name too: it is in its environment (PIPE_STAGE) */
	strbuf_addf(&sb, "pipe-run cache 1\nstage %s\ncmd %s\nwdir %s\n"
			 "env %s\nparams %s\n", s->name, str_of(entry, "cmd"),
		    s->wdir ? s->wdir : ".", env ? env : "null",
		    params ? params : "null");
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(entry, "deps"))
		strbuf_addf(&sb, "dep %s %s\n", cJSON_IsString(f) ?
			    f->valuestring : "", f->string);
	for (i = 0; i < s->outs.nr; i++)
		strbuf_addf(&sb, "out %s\n", s->outs.v[i].norm);
	odb_hash_buf(sb.buf, sb.len, key);
	free(env);
	free(params);
	strbuf_release(&sb);
}
