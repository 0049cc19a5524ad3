/* maint.c - see maint.h */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
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

int maint_referenced(struct repo *r, char ***idsp, size_t *nrp)
{
	sqlite3 *db = repo_catalog(r);
	sqlite3_stmt *st;
	char **ids = NULL;
	size_t nr = 0, alloc = 0;
	int rc;

	*idsp = NULL;
	*nrp = 0;
	if (!db)
		return -1;
	st = db_prepare(db, "SELECT DISTINCT oid FROM objrefs ORDER BY oid");
	if (!st)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		ALLOC_GROW(ids, nr + 1, alloc);
		ids[nr++] = xstrdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	if (rc < 0) {
		maint_free_ids(ids, nr);
		return -1;
	}
	if (nr)
		qsort(ids, nr, sizeof(*ids), cmp_str);
	*idsp = ids;
	*nrp = nr;
	return 0;
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

static void fsck_db(struct fsck_state *s, const char *path)
{
	sqlite3 *db = db_open(path, 0);
	char *problems = NULL;
	int rc;

	if (!db) {
		problem(s, path, err_msg());
		err_clear();
		return;
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
}

/*
 * Rows that point at nothing: each query counts them.  A table the
 * catalog lacks is a problem of its own.
 */
static const struct {
	const char *table, *what, *sql;
} orphan_checks[] = {
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
	{ "objrefs", "object references held by runs that do not exist",
	  "SELECT count(*) FROM objrefs WHERE owner LIKE 'run:%' AND "
	  "substr(owner, 5, 32) NOT IN (SELECT id FROM runs)" },
	{ "events", NULL, NULL },
	{ NULL, NULL, NULL }
};

static void fsck_catalog_rows(struct fsck_state *s, sqlite3 *db)
{
	int i;

	for (i = 0; orphan_checks[i].table; i++) {
		struct strbuf sb = STRBUF_INIT;
		int64_t n;

		if (!db_has_table(db, orphan_checks[i].table)) {
			strbuf_addf(&sb, "table '%s' is missing",
				    orphan_checks[i].table);
			problem(s, "catalog.db", sb.buf);
			strbuf_release(&sb);
			continue;
		}
		if (!orphan_checks[i].sql)
			continue;
		n = db_query_int(db, orphan_checks[i].sql);
		if (n < 0) {
			problem(s, "catalog.db", err_msg());
			err_clear();
		} else if (n > 0) {
			strbuf_addf(&sb, "%lld %s", (long long)n,
				    orphan_checks[i].what);
			problem(s, "catalog.db", sb.buf);
		}
		strbuf_release(&sb);
	}
}

int maint_fsck(struct repo *r, maint_problem_fn report, void *data,
	       size_t *objects_checked)
{
	static const char *const dirs[] = { "objects", "features", "hooks",
					    "checkout", "runs", "tmp", NULL };
	struct fsck_state s = { r, report, data, 0, 0 };
	char **ids;
	size_t nr, i;
	char *path;
	DIR *d;

	for (i = 0; dirs[i]; i++) {
		path = repo_path(r, "%s", dirs[i]);
		if (!fs_is_dir(path))
			problem(&s, path, "missing directory");
		free(path);
	}
	/* the config was parsed by repo_open(); a syntax error stops there */

	path = repo_path(r, "catalog.db");
	fsck_db(&s, path);
	free(path);

	path = repo_path(r, "features");
	if ((d = opendir(path))) {
		struct dirent *de;

		while ((de = readdir(d))) {
			size_t n = strlen(de->d_name);
			char *f;

			if (n < 4 || strcmp(de->d_name + n - 3, ".db"))
				continue;
			f = repo_path(r, "features/%s", de->d_name);
			fsck_db(&s, f);
			free(f);
		}
		closedir(d);
	}
	free(path);

	if (odb_foreach(r, fsck_object, &s) < 0) {
		problem(&s, "objects", err_msg());
		err_clear();
	}
	if (repo_catalog(r))
		fsck_catalog_rows(&s, repo_catalog(r));
	else
		err_clear();
	if (maint_referenced(r, &ids, &nr) == 0) {
		sqlite3 *db = repo_catalog(r);

		for (i = 0; i < nr; i++) {
			sqlite3_stmt *st;
			struct strbuf sb = STRBUF_INIT;

			if (odb_has(r, ids[i]))
				continue;
			strbuf_addstr(&sb, "missing object, referenced by");
			st = db_prepare(db, "SELECT owner FROM objrefs WHERE "
					    "oid=? ORDER BY owner");
			if (st) {
				db_bind_text(st, 1, ids[i]);
				while (db_step(st) == SQLITE_ROW)
					strbuf_addf(&sb, " %s",
						    sqlite3_column_text(st, 0));
				sqlite3_finalize(st);
			}
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
		if (lstat(p.buf, &st) == 0 && mtime_us(&st) < cutoff) {
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
