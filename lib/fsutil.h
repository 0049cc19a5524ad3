/*
 * fsutil.h - small file-system helpers: complete writes, fsync of a parent
 * directory, recursive mkdir, and atomic replacement of a file or a
 * directory.
 *
 * Every function returns 0 (or a count) on success and -1 on failure; the
 * plain ones leave errno set for the caller's message, the ones that say so
 * set an error() message themselves (exit 3, naming the path and the
 * strerror text).
 *
 * Atomic files.  Every file mlrepo replaces is written the same way, so a
 * reader (or a crash) sees the old file or the new one, never a mix:
 *
 *	struct fs_atomic a;
 *
 *	if (fs_atomic_begin(&a, path, 0644, 0) < 0)
 *		return -1;
 *	if (fs_atomic_write(&a, buf, len) < 0 || more_writes(a.fd) < 0) {
 *		fs_atomic_abort(&a);
 *		return -1;
 *	}
 *	return fs_atomic_commit(&a);
 *
 *   1. fs_atomic_begin() creates the temporary file, open for writing in
 *	a.fd (O_CLOEXEC):
 *	  - by default a new, uniquely named PATH.tmp-XXXXXX beside PATH
 *	    (mkostemp(3), so two writers never share one);
 *	  - with FS_ATOMIC_LOCK, PATH.lock (O_EXCL), which is also a lock:
 *	    one writer at a time, as git's lock files are.  A second locker
 *	    waits up to FS_ATOMIC_LOCK_WAIT_MS for the first to finish, then
 *	    fails with "cannot lock 'PATH': locked by another process" and a
 *	    hint naming the lock file (FS_ATOMIC_NOWAIT: fail at once).  Hold
 *	    the lock while reading the old PATH, for a read-modify-write;
 *	  - with fs_atomic_begin_tmp(), a unique name from a template of the
 *	    caller's ("REPO/tmp/obj-XXXXXX") for content whose final name is
 *	    known only at the end (an object is named by its hash).
 *   2. The caller writes a.fd, with fs_atomic_write() or its own calls.
 *   3. fs_atomic_commit() (or fs_atomic_commit_to(a, path) after
 *	fs_atomic_begin_tmp()) sets the mode, fsyncs and closes the file,
 *	renames it over PATH and fsyncs PATH's directory.  With
 *	FS_ATOMIC_MKDIR it first creates PATH's directory (one level) when
 *	that is missing, and again if it vanishes before the rename (gc
 *	removes empty object directories).
 *   4. On any error before the commit, fs_atomic_abort() closes and
 *	removes the temporary file.  A failed commit has removed it already.
 *	fs_atomic_abort() is harmless after a commit, after a failed begin,
 *	twice, and on a struct zeroed with FS_ATOMIC_INIT, so one cleanup
 *	label can call it on every path.
 *
 * Mode.  A unique temporary file is created 0600 and set to exactly `mode`
 * (the umask does not apply) with fchmod(2) at the commit, so a reader
 * never opens it writable and objects end up 0444.  A lock file is created
 * with `mode` less the umask, as open(2) does, and is not chmod'ed.
 *
 * Errors.  begin: "cannot create 'TEMPORARY': ..." or the lock message
 * above; fs_atomic_write() and a failed fsync or close at the commit:
 * "cannot write 'TEMPORARY': ..."; the rename: "cannot rename 'TEMPORARY'
 * to 'PATH': ...".  PATH stays as it was after every one of them.
 *
 * Cleanup when the process dies.  Every temporary that has begun and not
 * been committed or aborted is on a list that is emptied
 *   - at exit(3) (an atexit handler: die() included), files and
 *     directories alike;
 *   - on SIGHUP, SIGINT, SIGQUIT, SIGTERM and SIGPIPE (files only: removing
 *     a tree is not async-signal-safe), after which the signal kills the
 *     process as it would have.  The handlers are installed at the first
 *     fs_atomic_begin*() for those signals whose action is the default
 *     then; a signal ignored or handled by the tool (proc_run()'s
 *     forwarding) is left alone.  Signals are blocked across the commit's
 *     rename, so a lock that another writer took right after ours is
 *     never removed by us.
 * Only the process that began a temporary removes it, not a child forked
 * since.  SIGKILL and a crash cannot be caught: a temporary in the
 * repository's tmp/ is removed by `mlrepo gc` once an hour old; one beside
 * its target is never read as the real file (mlrepo-layout(5)), and a stale
 * lock file is named in the lock error's hint.  Not thread-safe: one
 * thread does the file work.
 *
 * Atomic directories.  A directory that must appear whole (a new
 * repository, a pipeline run's runs/ID/, a checkout/NAME/VER/) is built
 * under a temporary name and renamed into place:
 *   1. fs_atomic_dir_begin() makes the temporary directory (mkdtemp(3)),
 *	named after a template or PATH.tmp-XXXXXX, with exactly `mode`;
 *   2. the caller fills d.tmp_path, writing each file durably (files
 *	written with fs_atomic_*, SQLite databases);
 *   3. fs_atomic_dir_commit() fsyncs the temporary directory, renames it
 *	to PATH and fsyncs PATH's parent.  It returns 1, not an error, when
 *	PATH is already a directory that is not empty (another process won
 *	the race, or it was there before): the temporary tree is removed and
 *	the caller decides whether the existing one will do;
 *   4. fs_atomic_dir_abort() removes the temporary tree (rm -rf).
 */
#ifndef MLREPO_FSUTIL_H
#define MLREPO_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* write(2) all of `buf`, retrying short writes and EINTR.  errno on -1. */
int fs_write_all(int fd, const void *buf, size_t len);
/* read(2) up to `len` bytes, retrying EINTR and short reads until EOF. */
ssize_t fs_read_full(int fd, void *buf, size_t len);
/*
 * Copy the file at `path` to `fd` (`fd_name` in messages: "standard
 * output").  0, or -1 with error().
 */
int fs_copy_to_fd(const char *path, int fd, const char *fd_name);
/* fsync the directory holding `path` (best effort; errors are ignored). */
void fs_fsync_parent(const char *path);
/* fsync the directory `dir` itself (best effort). */
void fs_fsync_dir(const char *dir);
/* mkdir -p; error() on failure. */
int fs_mkdirs(const char *path, mode_t mode);
/*
 * Write `len` bytes to `path` atomically, with `mode`: fs_atomic_begin(),
 * fs_atomic_write() and fs_atomic_commit() in one call.  error() on -1.
 */
int fs_write_file_atomic(const char *path, const void *buf, size_t len,
			 mode_t mode);
/* Does `path` exist (any type)? */
int fs_exists(const char *path);
/* Is `path` a directory? */
int fs_is_dir(const char *path);
/* Remove a tree (rm -rf); error() on failure. */
int fs_remove_tree(const char *path);
/* The absolute form of `path` without resolving links; caller frees. */
char *fs_absolute(const char *path);

/* ---- atomic files and directories (see the top of this file) ---------- */

enum fs_atomic_flags {
	FS_ATOMIC_LOCK = 1 << 0,   /* PATH.lock, one writer at a time */
	FS_ATOMIC_NOWAIT = 1 << 1, /* with LOCK: fail at once if it is held */
	FS_ATOMIC_MKDIR = 1 << 2   /* commit creates PATH's directory */
};

/* How long FS_ATOMIC_LOCK waits for another holder, in 50 ms steps. */
#define FS_ATOMIC_LOCK_WAIT_MS 5000

struct fs_tmp_entry; /* the cleanup list's record, private to fsutil.c */

/*
 * One file being replaced.  The strings are this module's: read them
 * (for messages), never free or change them.  They are freed, and fd is
 * -1, once the file is committed or aborted.
 */
struct fs_atomic {
	int fd;		/* the temporary, open for writing; -1: closed */
	char *path;	/* the target; NULL until fs_atomic_commit_to() */
	char *tmp_path; /* the temporary file (PATH.lock with the lock) */
	mode_t mode;
	unsigned flags;
	int linked;	/* fs_atomic_link() replaced the temporary */
	struct fs_tmp_entry *entry;
};
#define FS_ATOMIC_INIT { .fd = -1 }

/*
 * Create the temporary file for `path` (step 1 above), with `flags` from
 * enum fs_atomic_flags.  0, or -1 with error() and nothing left behind.
 */
int fs_atomic_begin(struct fs_atomic *a, const char *path, mode_t mode,
		    unsigned flags);
/*
 * Create a temporary file named after `tmpl` (a path ending in "XXXXXX",
 * in the target's file system) whose target is named later, by
 * fs_atomic_commit_to().  FS_ATOMIC_LOCK is refused.  0 or -1 (error()).
 */
int fs_atomic_begin_tmp(struct fs_atomic *a, const char *tmpl, mode_t mode,
			unsigned flags);
/* Write all of `buf` to the temporary; "cannot write" error() on -1. */
int fs_atomic_write(struct fs_atomic *a, const void *buf, size_t len);
/*
 * Make the temporary a hard link to `src` instead (for a read-only copy
 * of a file that is durable already: a checked-out object): a.fd is
 * closed, the temporary file removed and `src` linked at its name; the
 * commit then renames that link into place and neither chmods nor fsyncs
 * it.  Returns 1 when linked; 0 when link(2) fails (another file system,
 * too many links, not permitted): the temporary is then a new empty file
 * again, open in a.fd, for the caller to write a copy into; -1 with error()
 * when that new file cannot be created (the temporary is gone then).
 */
int fs_atomic_link(struct fs_atomic *a, const char *src);
/*
 * Step 3: fchmod, fsync, close, rename over the target, fsync its
 * directory.  0, or -1 with error(); the temporary is removed either way
 * (on success, by the rename).
 */
int fs_atomic_commit(struct fs_atomic *a);
/* The same, naming the target now (after fs_atomic_begin_tmp()). */
int fs_atomic_commit_to(struct fs_atomic *a, const char *path);
/* Close and remove the temporary; no-op when there is none (step 4). */
void fs_atomic_abort(struct fs_atomic *a);

/* One directory being built (the strings as in struct fs_atomic). */
struct fs_atomic_dir {
	char *path;	/* the target */
	char *tmp_path; /* the directory to fill */
	struct fs_tmp_entry *entry;
};
#define FS_ATOMIC_DIR_INIT { 0 }

/*
 * Make the temporary directory for `path`: named after `tmpl` (ending in
 * "XXXXXX", in the same file system as `path`), or PATH.tmp-XXXXXX when
 * `tmpl` is NULL, with exactly `mode`.  0, or -1 with error().
 */
int fs_atomic_dir_begin(struct fs_atomic_dir *d, const char *path,
			const char *tmpl, mode_t mode);
/*
 * Rename the filled directory to its target.  0 when it is in place; 1
 * when the target is already a non-empty directory (nothing changed, the
 * temporary tree is removed, no error set); -1 with error(), the
 * temporary tree removed.
 */
int fs_atomic_dir_commit(struct fs_atomic_dir *d);
/* Remove the temporary tree; no-op when there is none. */
void fs_atomic_dir_abort(struct fs_atomic_dir *d);

#endif
