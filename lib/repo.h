/*
 * repo.h - the repository: finding it, creating it, its layout and config.
 *
 * A repository is a directory named .mlrepo (mlrepo-layout(5)).  Tools find
 * it the way git finds .git:
 *   1. --repo PATH (gopt.repo) or MLREPO_DIR name the .mlrepo directory
 *      itself;
 *   2. otherwise the first .mlrepo/ in the current directory or a parent.
 * Only repo_init() creates one.
 *
 * Usage: `struct repo *r = repo_open();` (NULL: no repository, error set
 * with exit status 3 and a hint to run `mlrepo init`), then repo_catalog()
 * for the catalog database (opened and migrated on first use), repo_path()
 * for file names, r->cfg for the configuration; repo_close() at the end.
 * The struct and everything in it belong to this module.
 *
 * A repository this process cannot write (another user's, a CI artifact, a
 * read-only mount: its catalog.db or the .mlrepo directory is not
 * writable) opens all the same, with r->read_only set, and its catalog
 * opens read-only (db.h).  Commands that only read work on it; a command
 * that writes asks repo_check_writable() first (setup.h does, for every
 * subcommand not marked SETUP_READ_ONLY), so that it changes nothing and
 * says why.
 */
#ifndef MLREPO_REPO_H
#define MLREPO_REPO_H

#include <sqlite3.h>

#include "config.h"

#define REPO_DIRNAME ".mlrepo"
#define REPO_LAYOUT_VERSION 1

struct repo {
	char *dir;	  /* absolute path of the .mlrepo directory */
	char *worktree;	  /* the directory holding it */
	struct config cfg; /* .mlrepo/config */
	sqlite3 *catalog; /* NULL until repo_catalog() */
	int read_only;	  /* this process cannot write it */
};

/* Find and open the repository.  NULL with error() (exit 3) if none. */
struct repo *repo_open(void);
void repo_close(struct repo *r);

/*
 * Create a repository in `worktree` (worktree/.mlrepo), or, when `bare` is
 * set, at exactly the path `worktree` names.  Idempotent: an existing one
 * is left as it is (missing directories are added back; a read-only one
 * is refused, as by repo_check_writable()).  Sets *created.
 * The new repository appears whole or not at all (built in a temporary
 * directory and renamed).  0 or -1.
 */
int repo_init(const char *worktree, int bare, int *created);

/* A path inside the repository: repo_path(r, "objects/%s", x); free it. */
char *repo_path(const struct repo *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Create a new empty file tmp/WHAT-XXXXXX in the repository, for output
 * captured while a command runs: an uncommitted fs_atomic (fsutil.h), so
 * it is removed if we die; a->fd is open for writing, a->tmp_path names
 * it.  It is locked (flock(2)) while the descriptor is open, so that
 * `mlrepo gc` never removes it, however long the command runs.  The
 * caller removes it with fs_atomic_abort().  In a read-only repository
 * it is made in $TMPDIR instead (repo_tmp_template()), so that readers
 * such as `bundle create` create nothing there.  0 or -1 (error()).
 */
struct fs_atomic;
int repo_tmpfile(struct repo *r, const char *what, struct fs_atomic *a);
/*
 * The template of a scratch name for mkstemp(3) or mkdtemp(3):
 * .mlrepo/tmp/WHAT-XXXXXX, or in a read-only repository, where nothing may
 * be created, $TMPDIR/mlrepo-WHAT-XXXXXX (/tmp without TMPDIR).  Free it.
 */
char *repo_tmp_template(const struct repo *r, const char *what);

/*
 * 0 when this process can write the repository; -1 when it cannot, with
 * error() (exit 3): "repository '/x/.mlrepo' is read-only (cannot write
 * catalog.db)" (or "(read-only file system)", "(cannot create files in
 * it)") and a hint.
 */
int repo_check_writable(const struct repo *r);

/* The catalog database, opened and migrated on first use.  NULL on error. */
sqlite3 *repo_catalog(struct repo *r);

/* Re-read .mlrepo/config (after a change).  0 or -1. */
int repo_reload_config(struct repo *r);

#endif
