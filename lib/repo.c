/* repo.c - see repo.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "db.h"
#include "domain.h"
#include "err.h"
#include "events.h"
#include "fsutil.h"
#include "mltime.h"
#include "opt.h"
#include "repo.h"
#include "strbuf.h"

static const char *const layout_dirs[] = {
	"objects", "features", "hooks", "checkout", "runs", "tmp", NULL
};

static const char default_config[] =
	"# mlrepo configuration; see mlrepo(1) and 'mlrepo config --list'\n"
	"[core]\n"
	"\tlockTimeout = 60s\n";

char *repo_path(const struct repo *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s/", r->dir);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	return strbuf_detach(&sb, NULL);
}

/* Is `dir` a repository (a directory with a VERSION file)? */
static int is_repo_dir(const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	int yes;

	strbuf_addf(&sb, "%s/VERSION", dir);
	yes = access(sb.buf, F_OK) == 0 && fs_is_dir(dir);
	strbuf_release(&sb);
	return yes;
}

static int check_version(const char *dir)
{
	struct strbuf sb = STRBUF_INIT, path = STRBUF_INIT;
	long v;
	char *end;
	int rc = 0;

	strbuf_addf(&path, "%s/VERSION", dir);
	if (strbuf_read_file(&sb, path.buf) < 0) {
		rc = -1;
		goto out;
	}
	v = strtol(sb.buf, &end, 10);
	if (end == sb.buf || v < 1 || (*end && strcmp(end, "\n"))) {
		rc = error("'%s' is damaged: not a layout version: '%.20s'",
			   path.buf, sb.buf);
	} else if (v > REPO_LAYOUT_VERSION) {
		rc = error("'%s' has layout version %ld; this mlrepo knows %d",
			   dir, v, REPO_LAYOUT_VERSION);
		err_hint("upgrade mlrepo to use this repository");
	}
out:
	strbuf_release(&sb);
	strbuf_release(&path);
	return rc;
}

static char *discover(void)
{
	const char *given = gopt.repo ? gopt.repo : getenv("MLREPO_DIR");
	struct strbuf sb = STRBUF_INIT;
	char *cwd;

	if (given && *given) {
		char *abs = fs_absolute(given);

		if (!is_repo_dir(abs)) {
			error("not a repository: '%s'", given);
			err_hint("--repo and MLREPO_DIR name the .mlrepo "
				 "directory itself; 'mlrepo init' creates one");
			free(abs);
			return NULL;
		}
		return abs;
	}
	cwd = fs_absolute(".");
	for (;;) {
		char *slash;

		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s%s" REPO_DIRNAME, cwd,
			    strcmp(cwd, "/") ? "/" : "");
		if (is_repo_dir(sb.buf)) {
			free(cwd);
			return strbuf_detach(&sb, NULL);
		}
		slash = strrchr(cwd, '/');
		if (!slash || !strcmp(cwd, "/"))
			break;
		if (slash == cwd)
			slash[1] = '\0';
		else
			*slash = '\0';
	}
	free(cwd);
	strbuf_release(&sb);
	{
		char *here = fs_absolute(".");

		error("not in an mlrepo repository (or any parent): '%s'",
		      here);
		free(here);
	}
	err_hint("run 'mlrepo init' to create one, or pass --repo PATH");
	return NULL;
}

static void apply_config(struct repo *r)
{
	const char *t = config_get(&r->cfg, "core.locktimeout");
	const char *d = config_get(&r->cfg, "core.durable");
	int64_t us;
	int on;

	if (t && !getenv("MLREPO_LOCK_TIMEOUT")) {
		if (mltime_parse_duration(t, &us) == 0) {
			db_set_timeout_ms(us / 1000);
		} else {
			err_clear();
			warning("core.lockTimeout: not a duration: '%s'; "
				"using 60s", t);
		}
	}
	if (d) {
		if (config_bool(d, &on) == 0) {
			db_set_durable(on);
		} else {
			err_clear();
			warning("core.durable: not a boolean: '%s'", d);
		}
	}
}

/* Can this process write the repository in `dir`?  0, or -1 with error() */
static int check_writable(const char *dir)
{
	struct strbuf db = STRBUF_INIT;
	size_t n = strlen(dir);
	char *what;
	int rc = 0;

	strbuf_addf(&db, "%s/catalog.db", dir);
	if (db_writable(db.buf, &what))
		goto out;
	if (errno == EROFS)
		rc = error("repository '%s' is read-only (read-only file "
			   "system)", dir);
	else if (!strncmp(what, dir, n) && what[n] == '/')
		rc = error("repository '%s' is read-only (cannot write %s)",
			   dir, what + n + 1);
	else
		rc = error("repository '%s' is read-only (cannot create files "
			   "in it)", dir);
	err_hint("commands that only read work on it; to change it, copy it "
		 "(cp -a) or ask its owner");
	free(what);
out:
	strbuf_release(&db);
	return rc;
}

int repo_check_writable(const struct repo *r)
{
	return check_writable(r->dir);
}

int repo_reload_config(struct repo *r)
{
	char *path = repo_path(r, "config");
	int rc;

	config_release(&r->cfg);
	rc = config_parse_file(&r->cfg, path);
	free(path);
	if (rc == 0)
		apply_config(r);
	return rc;
}

struct repo *repo_open(void)
{
	struct repo *r;
	char *dir = discover();

	if (!dir)
		return NULL;
	if (check_version(dir) < 0) {
		free(dir);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->dir = dir;
	{
		const char *slash = strrchr(dir, '/');

		r->worktree = xstrndup(dir, slash && slash != dir
						    ? (size_t)(slash - dir)
						    : 1);
	}
	if (repo_reload_config(r) < 0) {
		err_set_code(EXIT_ENV); /* the repository is broken, not argv */
		repo_close(r);
		return NULL;
	}
	{
		char *db = repo_path(r, "catalog.db");

		r->read_only = !db_writable(db, NULL);
		free(db);
	}
	return r;
}

void repo_close(struct repo *r)
{
	if (!r)
		return;
	db_close(r->catalog);
	config_release(&r->cfg);
	free(r->dir);
	free(r->worktree);
	free(r);
}

static sqlite3 *open_catalog(const char *dir, int create)
{
	struct strbuf sb = STRBUF_INIT;
	sqlite3 *db;

	strbuf_addf(&sb, "%s/catalog.db", dir);
	/*
	 * Only init creates the catalog.  Anywhere else a missing or empty
	 * one is damage: created again, it would look like a repository with
	 * no runs, and gc would then prune every object it referenced.
	 */
	if (!create) {
		struct stat st;

		if (stat(sb.buf, &st) < 0) {
			error("'%s' is missing", sb.buf);
			err_hint("the catalog was lost: restore it from a backup "
				 "or a bundle; 'mlrepo fsck' checks the rest");
			goto fail;
		}
		if (st.st_size == 0) {
			error("'%s' is empty", sb.buf);
			err_hint("the catalog was lost: restore it from a backup "
				 "or a bundle; 'mlrepo fsck' checks the rest");
			goto fail;
		}
	}
	db = db_open(sb.buf, create);
	if (db && !create && db_query_int(db, "PRAGMA user_version") == 0) {
		/* init migrates before the repository appears: never 0 */
		error("'%s' holds no catalog (schema version 0)", sb.buf);
		db_close(db);
		goto fail;
	}
	strbuf_release(&sb);
	if (db && db_migrate(db, domain_migrations()) < 0) {
		db_close(db);
		return NULL;
	}
	return db;
fail:
	strbuf_release(&sb);
	return NULL;
}

sqlite3 *repo_catalog(struct repo *r)
{
	if (!r->catalog)
		r->catalog = open_catalog(r->dir, 0);
	return r->catalog;
}

/* Create what a repository holds in `dir` (which exists). */
static int populate(const char *dir, int fresh, const char *final)
{
	struct strbuf sb = STRBUF_INIT;
	sqlite3 *db;
	int i, rc = -1;

	for (i = 0; layout_dirs[i]; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s/%s", dir, layout_dirs[i]);
		if (mkdir(sb.buf, 0777) < 0 && errno != EEXIST) {
			error("cannot create '%s': %s", sb.buf,
			      strerror(errno));
			goto out;
		}
	}
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/config", dir);
	if (access(sb.buf, F_OK) < 0 &&
	    fs_write_file_atomic(sb.buf, default_config,
				 sizeof(default_config) - 1, 0644) < 0)
		goto out;
	db = open_catalog(dir, 1);
	if (!db)
		goto out;
	if (fresh) {
		if (events_add(db, "init", final, NULL) < 0) {
			db_close(db);
			goto out;
		}
	}
	db_close(db);
	/* VERSION last: its presence marks a complete repository */
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/VERSION", dir);
	if (access(sb.buf, F_OK) < 0) {
		char v[16];
		int n = snprintf(v, sizeof(v), "%d\n", REPO_LAYOUT_VERSION);

		if (fs_write_file_atomic(sb.buf, v, n, 0644) < 0)
			goto out;
	}
	rc = 0;
out:
	strbuf_release(&sb);
	return rc;
}

int repo_init(const char *worktree, int bare, int *created)
{
	struct strbuf target = STRBUF_INIT, tmpl = STRBUF_INIT;
	struct fs_atomic_dir tmp;
	char *abs;
	int rc = -1;

	*created = 0;
	if (fs_mkdirs(worktree, 0777) < 0)
		return -1;
	abs = fs_absolute(worktree);
	if (bare)
		strbuf_addstr(&target, abs);
	else
		strbuf_addf(&target, "%s%s" REPO_DIRNAME, abs,
			    strcmp(abs, "/") ? "/" : "");
	free(abs);

	if (is_repo_dir(target.buf)) {
		if (check_version(target.buf) < 0 ||
		    check_writable(target.buf) < 0)
			goto out;
		rc = populate(target.buf, 0, target.buf);
		goto out;
	}
	if (fs_exists(target.buf) && !bare) {
		error("'%s' exists but is not a repository", target.buf);
		err_hint("move it away, then run 'mlrepo init' again");
		goto out;
	}
	if (bare && fs_is_dir(target.buf)) {
		DIR *d = opendir(target.buf);
		struct dirent *de;
		int empty = 1;

		while (d && (de = readdir(d)))
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				empty = 0;
		if (d)
			closedir(d);
		if (!empty) {
			error("'%s' is not empty and not a repository",
			      target.buf);
			goto out;
		}
		/* an empty directory: fill it in place */
		rc = populate(target.buf, 1, target.buf);
		*created = rc == 0;
		goto out;
	}
	/* 0700: the mode mkdtemp gave it before fs_atomic_dir existed */
	strbuf_addf(&tmpl, "%s.init-XXXXXX", target.buf);
	if (fs_atomic_dir_begin(&tmp, target.buf, tmpl.buf, 0700) < 0)
		goto out;
	if (populate(tmp.tmp_path, 1, target.buf) < 0) {
		fs_atomic_dir_abort(&tmp);
		goto out;
	}
	switch (fs_atomic_dir_commit(&tmp)) {
	case 0:
		*created = 1;
		rc = 0;
		break;
	case 1:
		if (is_repo_dir(target.buf)) {
			rc = 0; /* another init won the race */
			break;
		}
		error("'%s' exists but is not a repository", target.buf);
		err_hint("move it away, then run 'mlrepo init' again");
		break;
	}
out:
	strbuf_release(&target);
	strbuf_release(&tmpl);
	return rc;
}

char *repo_tmp_template(const struct repo *r, const char *what)
{
	const char *t = getenv("TMPDIR");
	struct strbuf sb = STRBUF_INIT;

	if (!r->read_only)
		return repo_path(r, "tmp/%s-XXXXXX", what);
	/* nothing may be created in a read-only repository */
	strbuf_addf(&sb, "%s/mlrepo-%s-XXXXXX", t && *t ? t : "/tmp", what);
	return strbuf_detach(&sb, NULL);
}

int repo_tmpfile(struct repo *r, const char *what, struct fs_atomic *a)
{
	char *tmpl = repo_tmp_template(r, what);
	int rc = fs_atomic_begin_tmp(a, tmpl, 0600, 0);

	free(tmpl);
	/* held while we live: gc leaves a locked file alone, however old */
	if (rc == 0 && flock(a->fd, LOCK_EX | LOCK_NB) < 0) {
		rc = error("cannot lock '%s': %s", a->tmp_path, strerror(errno));
		fs_atomic_abort(a);
	}
	return rc;
}
