/* maint.c - see maint.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "domain.h"
#include "err.h"
#include "fsutil.h"
#include "maint.h"
#include "mltime.h"
#include "odb.h"
#include "repo.h"
#include "strbuf.h"

#define TMP_GRACE_US (3600 * MLTIME_US_PER_SEC)

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void maint_free_ids(char **ids, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(ids[i]);
	free(ids);
}

struct id_list {
	char **ids;
	size_t nr, alloc;
};

static int add_id(void *data, const char *oid)
{
	struct id_list *l = data;

	ALLOC_GROW(l->ids, l->nr + 1, l->alloc);
	l->ids[l->nr++] = xstrdup(oid);
	return 0;
}

int maint_referenced(struct repo *r, char ***idsp, size_t *nrp)
{
	sqlite3 *db = repo_catalog(r);
	const struct domain *const *d;
	struct id_list l = { NULL, 0, 0 };
	size_t i, k;

	*idsp = NULL;
	*nrp = 0;
	if (!db || catalog_refs(db, INT64_MIN, add_id, &l) < 0)
		goto fail;
	for (d = domain_list(); *d; d++)
		if ((*d)->refs && (*d)->refs(r, add_id, &l) < 0)
			goto fail;
	if (l.nr)
		qsort(l.ids, l.nr, sizeof(*l.ids), cmp_str);
	/* each once */
	for (i = k = 0; i < l.nr; i++) {
		if (k && !strcmp(l.ids[k - 1], l.ids[i])) {
			free(l.ids[i]);
			continue;
		}
		l.ids[k++] = l.ids[i];
	}
	*idsp = l.ids;
	*nrp = k;
	return 0;
fail:
	maint_free_ids(l.ids, l.nr);
	return -1;
}

static int is_referenced(char **ids, size_t nr, const char *id)
{
	return nr && bsearch(&id, ids, nr, sizeof(*ids), cmp_str) != NULL;
}

/* ---- fsck ------------------------------------------------------------- */

struct fsck_state {
	struct repo *r;
	maint_problem_fn report;
	void *data;
	size_t problems, objects;
};

static void problem(struct fsck_state *s, const char *subject,
		    const char *what)
{
	s->problems++;
	s->report(s->data, subject, what);
}

static int fsck_object(const char *id, const char *path, int compressed,
		       const struct stat *st, void *data)
{
	struct fsck_state *s = data;

	(void)compressed;
	(void)st;
	if (!id) {
		size_t n = strlen(s->r->worktree);

		/* name it from the work tree: .mlrepo/objects/... */
		if (!strncmp(path, s->r->worktree, n) && path[n] == '/')
			path += n + 1;
		problem(s, path, "stray file in the object store");
		return 0;
	}
	s->objects++;
	if (odb_verify(s->r, id) < 0)
		problem(s, id, err_msg());
	err_clear();
	return 0;
}

/*
 * Check one database: 0, or -1 when it cannot be checked at all (read-only,
 * with a WAL this process cannot read: not damage, and not sound either).
 */
static int fsck_db(struct fsck_state *s, const char *path)
{
	sqlite3 *db;
	char *problems = NULL;
	struct stat st;
	int rc;

	/* opening an empty file would make it a database: look, do not touch */
	if (stat(path, &st) == 0 && st.st_size == 0) {
		problem(s, path, "empty file: the database was lost");
		return 0;
	}
	if (!db_writable(path, NULL) && db_check_readable(path) < 0) {
		err_prefix("cannot check: ");
		return -1;
	}
	db = db_open(path, 0);
	if (!db) {
		problem(s, path, err_msg());
		err_clear();
		return 0;
	}
	rc = db_integrity(db, &problems);
	if (rc < 0)
		problem(s, path, err_msg());
	else if (rc > 0) {
		char *line = problems, *nl;

		for (; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (!nl)
				nl = line + strlen(line) - 1;
			else
				*nl = '\0';
			problem(s, path, line);
		}
	}
	err_clear();
	free(problems);
	db_close(db);
	return 0;
}

static void fsck_catalog_rows(struct fsck_state *s, sqlite3 *db)
{
	const struct domain *const *d;
	int i;

	for (d = domain_list(); *d; d++)
		for (i = 0; (*d)->checks && (*d)->checks[i].table; i++) {
			const struct domain_check *c = &(*d)->checks[i];
			struct strbuf sb = STRBUF_INIT;
			int64_t n;

			/* a table is missing once, by its owner's entry; a
			 * row check on a missing table has nothing to count */
			if (!db_has_table(db, c->table)) {
				if (!c->sql) {
					strbuf_addf(&sb, "table '%s' is missing",
						    c->table);
					problem(s, "catalog.db", sb.buf);
					strbuf_release(&sb);
				}
				continue;
			}
			if (!c->sql)
				continue;
			n = db_query_int(db, c->sql);
			if (n < 0) {
				problem(s, "catalog.db", err_msg());
				err_clear();
			} else if (n > 0) {
				strbuf_addf(&sb, "%lld %s", (long long)n,
					    c->what);
				problem(s, "catalog.db", sb.buf);
			}
			strbuf_release(&sb);
		}
}

/*
 * A domain's report.  One that begins "note: " is shown but is no
 * problem: a state a crash may leave that is sound (a feature batch
 * whose journal entry was lost).
 */
static void fsck_report(void *data, const char *subject, const char *what)
{
	struct fsck_state *s = data;

	if (!strncmp(what, "note: ", 6))
		s->report(s->data, subject, what);
	else
		problem(s, subject, what);
}

int maint_fsck(struct repo *r, maint_problem_fn report, void *data,
	       size_t *objects_checked)
{
	static const char *const dirs[] = { "objects", "features", "hooks",
					    "checkout", "runs", "tmp", NULL };
	struct fsck_state s = { r, report, data, 0, 0 };
	const struct domain *const *dom;
	char **ids;
	size_t nr, i;
	char *path;
	int rc;

	for (i = 0; dirs[i]; i++) {
		path = repo_path(r, "%s", dirs[i]);
		if (!fs_is_dir(path))
			problem(&s, path, "missing directory");
		free(path);
	}
	/* the config was parsed by repo_open(); a syntax error stops there */

	path = repo_path(r, "catalog.db");
	rc = fsck_db(&s, path);
	free(path);
	if (rc < 0)
		return -1;

	if (odb_foreach(r, fsck_object, &s) < 0) {
		problem(&s, "objects", err_msg());
		err_clear();
	}
	if (repo_catalog(r)) {
		fsck_catalog_rows(&s, repo_catalog(r));
	} else {
		problem(&s, "catalog.db", err_msg());
		err_clear();
	}
	/* -1: its files cannot be checked at all (read-only), as above */
	for (dom = domain_list(); *dom; dom++)
		if ((*dom)->fsck && (*dom)->fsck(r, fsck_report, &s) < 0)
			return -1;
	if (maint_referenced(r, &ids, &nr) == 0) {
		sqlite3 *db = repo_catalog(r);

		for (i = 0; i < nr; i++) {
			struct strbuf sb = STRBUF_INIT;

			if (odb_has(r, ids[i]))
				continue;
			strbuf_addstr(&sb, "missing object, referenced by");
			if (catalog_ref_owners(db, ids[i], &sb) < 0)
				err_clear();
			problem(&s, ids[i], sb.buf);
			strbuf_release(&sb);
		}
		maint_free_ids(ids, nr);
	} else {
		err_clear();
	}
	if (objects_checked)
		*objects_checked = s.objects;
	return (int)s.problems;
}

/* ---- gc --------------------------------------------------------------- */

struct gc_state {
	struct repo *r;
	char **ids;
	size_t nr;
	int64_t prune_before;
	int dry_run;
	maint_gc_fn each;
	void *data;
	struct gc_result *res;
	int failed;
};

static int64_t mtime_us(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * MLTIME_US_PER_SEC +
	       st->st_mtim.tv_nsec / 1000;
}

static int gc_object(const char *id, const char *path, int compressed,
		     const struct stat *st, void *data)
{
	struct gc_state *s = data;

	(void)compressed;
	if (!id || is_referenced(s->ids, s->nr, id))
		return 0;
	if (mtime_us(st) >= s->prune_before) {
		s->res->kept++;
		return 0;
	}
	if (!s->dry_run && unlink(path) < 0 && errno != ENOENT) {
		s->failed = 1;
		return error("cannot remove '%s': %s", path, strerror(errno));
	}
	s->res->objects++;
	s->res->bytes += st->st_size;
	if (s->each)
		s->each(s->data, id, st->st_size);
	return 0;
}

/*
 * Does a live process still hold this temporary file?  Writers that keep
 * a file open for long (exp-log run's captures of a command that may be
 * quiet for hours) hold a lock on it (repo_tmpfile()); its age says
 * nothing then.  The lock is released when the process ends, however it
 * ends, so a file left by a killed one goes.
 */
static int in_use(const char *path, const struct stat *st)
{
	int fd, busy;

	if (!S_ISREG(st->st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return busy;
}

static int gc_tmp(struct repo *r, int dry_run, struct gc_result *res)
{
	char *dir = repo_path(r, "tmp");
	int64_t cutoff = mltime_now() - TMP_GRACE_US;
	DIR *d = opendir(dir);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		rc = error("cannot open '%s': %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	while ((de = readdir(d))) {
		struct strbuf p = STRBUF_INIT;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addf(&p, "%s/%s", dir, de->d_name);
		if (lstat(p.buf, &st) == 0 && mtime_us(&st) < cutoff &&
		    !in_use(p.buf, &st)) {
			if (dry_run || fs_remove_tree(p.buf) == 0)
				res->tmpfiles++;
			else
				rc = -1;
		}
		strbuf_release(&p);
	}
	closedir(d);
	free(dir);
	return rc;
}

static void remove_empty_dirs(struct repo *r)
{
	char *top = repo_path(r, "objects");
	DIR *d = opendir(top);
	struct dirent *de;

	if (d) {
		while ((de = readdir(d))) {
			struct strbuf p = STRBUF_INIT;

			if (strlen(de->d_name) != 2)
				continue;
			strbuf_addf(&p, "%s/%s", top, de->d_name);
			rmdir(p.buf); /* fails, as it should, unless empty */
			strbuf_release(&p);
		}
		closedir(d);
	}
	free(top);
}

int maint_gc(struct repo *r, int64_t prune_before, int dry_run,
	     maint_gc_fn each, void *data, struct gc_result *res)
{
	struct gc_state s = { r, NULL, 0, prune_before, dry_run, each, data,
			      res, 0 };
	int rc;

	memset(res, 0, sizeof(*res));
	if (maint_referenced(r, &s.ids, &s.nr) < 0)
		return -1;
	rc = odb_foreach(r, gc_object, &s);
	maint_free_ids(s.ids, s.nr);
	if (rc < 0)
		return -1;
	if (!dry_run)
		remove_empty_dirs(r);
	return gc_tmp(r, dry_run, res);
}

/* ---- status ----------------------------------------------------------- */

struct obj_count {
	size_t raw, compressed, stray;
	uint64_t bytes;
};

static int count_object(const char *id, const char *path, int compressed,
			const struct stat *st, void *data)
{
	struct obj_count *c = data;

	(void)path;
	if (!id)
		c->stray++;
	else if (compressed)
		c->compressed++;
	else
		c->raw++;
	if (id)
		c->bytes += st->st_size;
	return 0;
}

int maint_status(struct repo *r, struct strbuf *text, struct cJSON *json)
{
	struct obj_count oc = { 0, 0, 0, 0 };
	struct domain_status ds = { text, json };
	const struct domain *const *d;
	sqlite3 *db = repo_catalog(r);
	size_t nref;
	char **refs;

	if (!db || odb_foreach(r, count_object, &oc) < 0 ||
	    maint_referenced(r, &refs, &nref) < 0)
		return -1;
	maint_free_ids(refs, nref);
	cJSON_AddStringToObject(json, "repository", r->dir);
	cJSON_AddNumberToObject(json, "layout_version", REPO_LAYOUT_VERSION);
	cJSON_AddNumberToObject(json, "objects",
				(double)(oc.raw + oc.compressed));
	cJSON_AddNumberToObject(json, "objects_compressed",
				(double)oc.compressed);
	cJSON_AddNumberToObject(json, "object_bytes", (double)oc.bytes);
	cJSON_AddNumberToObject(json, "referenced_objects", (double)nref);
	cJSON_AddNumberToObject(json, "stray_files", (double)oc.stray);
	cJSON_AddNumberToObject(json, "config_entries", (double)r->cfg.nr);
	strbuf_addf(text, "repository:      %s\n", r->dir);
	strbuf_addf(text, "layout version:  %d\n", REPO_LAYOUT_VERSION);
	strbuf_addf(text, "objects:         %zu (%zu compressed), %llu bytes "
		    "stored\n", oc.raw + oc.compressed, oc.compressed,
		    (unsigned long long)oc.bytes);
	strbuf_addf(text, "referenced:      %zu objects\n", nref);
	if (oc.stray)
		strbuf_addf(text, "stray files:     %zu (see 'mlrepo fsck')\n",
			    oc.stray);
	for (d = domain_list(); *d; d++)
		if ((*d)->status && (*d)->status(r, db, &ds) < 0)
			return -1;
	return 0;
}
