/*
 * pipe-int.h - what the pipe-run modules (pipestate.c, piperun.c,
 * pipe-domain.c) share; not for other modules: use piperun.h.
 */
#ifndef MLREPO_PIPE_INT_H
#define MLREPO_PIPE_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>

#include "odb.h"

struct cJSON;
struct pipeline;
struct stage;
struct strbuf;
struct repo;

/* ---- the hash cache (pipestate.c) --------------------------------------- */

struct pipe_hash {
	char *path; /* absolute; NULL: an empty slot */
	int64_t size, mtime_ns, ino, hashed_at;
	char id[ODB_HEXSZ + 1];
	int dirty; /* to be saved */
};
struct pipe_hashes {
	struct pipe_hash *v; /* open addressing, cap a power of two */
	size_t nr, cap;
	int loaded;
};

/* What a path holds now. */
struct pipe_obj {
	char id[ODB_HEXSZ + 1];
	int64_t size;
	size_t files; /* a directory's */
	int dir;
};

int pipe_hashes_load(sqlite3 *db, struct pipe_hashes *h);
/* Save new and changed entries (not on a read-only catalog).  0 or -1. */
int pipe_hashes_save(sqlite3 *db, struct pipe_hashes *h);
void pipe_hashes_release(struct pipe_hashes *h);
/* Remember that `abs` (stat `st`) hashes to `id`, taken at `hashed_at`. */
void pipe_hashes_set(struct pipe_hashes *h, const char *abs,
		     const struct stat *st, const char *id, int64_t hashed_at);
/*
 * Hash `abs` through the cache: 1 with *o filled, 0 when it does not
 * exist, -1 with the error set.
 */
int pipe_hash_path(struct pipe_hashes *h, const char *abs, struct pipe_obj *o);
/* Now, in nanoseconds since the epoch. */
int64_t pipe_now_ns(void);

/* ---- the lock file (pipestate.c) --------------------------------------- */

struct pipe_lockfile {
	struct cJSON *root;   /* {"version":1,"stages":{...}} */
	struct cJSON *stages; /* inside root */
};
/* Read `path` (a missing file is empty).  Bad JSON is bad input.  0/-1. */
int pipe_lock_load(const char *path, struct pipe_lockfile *l);
void pipe_lock_release(struct pipe_lockfile *l);
/* The entry of `stage`, or NULL. */
struct cJSON *pipe_lock_get(const struct pipe_lockfile *l, const char *stage);
/*
 * Set the entry of `stage` to a copy of `entry` in pipeline.lock at
 * `path`, under the pipeline's lock file (flock), re-reading the file
 * first; entries of stages `p` does not have are dropped.  `mem` (may be
 * NULL) is replaced by what was written.  0 or -1.
 */
int pipe_lock_put(struct repo *r, const struct pipeline *p, const char *path,
		  const char *stage, const struct cJSON *entry,
		  struct pipe_lockfile *mem);
/*
 * Open (creating) and flock(LOCK_EX) the lock file named by `key` under
 * runs/locks/; `wait` 0: return -2 at once when another process holds it.
 * Returns the fd (close it to unlock), or -1 with error().
 */
int pipe_flock(struct repo *r, const char *key, int wait);

/* ---- a stage's state (pipestate.c) ------------------------------------- */

struct pipe_env {
	struct repo *r;
	sqlite3 *db;
	struct pipeline *p;
	char *root;	 /* absolute directory of the pipeline file */
	char *file_abs;	 /* the pipeline file, absolute */
	char *lock_path; /* absolute */
	struct pipe_hashes hashes;
	struct pipe_lockfile lock;
};
int pipe_env_init(struct pipe_env *e, struct repo *r, sqlite3 *db,
		  struct pipeline *p);
void pipe_env_release(struct pipe_env *e);
/* The absolute path of a normalised dep or out path (free it). */
char *pipe_abs(const struct pipe_env *e, const char *norm);
/* The absolute working directory of a stage (free it). */
char *pipe_wdir(const struct pipe_env *e, const struct stage *s);

/*
 * The stage's lock entry as it would be now: cmd, env, params and the
 * current hashes of its deps (and outs when `outs`).  Missing deps (or
 * outs) are left out and listed in `missing` (may be NULL) as
 * "dep missing: PATH; ".  NULL with the error set on I/O errors.
 */
struct cJSON *pipe_entry_now(struct pipe_env *e, const struct stage *s,
			     int outs, struct strbuf *missing);
/*
 * Why stage `s` is stale, compared with its lock entry: appends reasons
 * ("dep changed: x", separated by "; ") to `why`.  Returns 1 stale, 0 up
 * to date, -1 on error.  `now` (may be NULL) gets pipe_entry_now(.., 1).
 */
int pipe_stale(struct pipe_env *e, const struct stage *s, struct strbuf *why,
	       struct cJSON **now);
/* The run-cache key of a stage whose entry (deps hashed) is `entry`. */
void pipe_cache_key(const struct stage *s, const struct cJSON *entry,
		    char key[ODB_HEXSZ + 1]);

#endif
