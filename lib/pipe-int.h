/*
 * pipe-int.h - what the pipe-run modules (pipestate.c, piperun.c,
 * pipeslurm.c, pipe-domain.c) share; not for other modules: use piperun.h.
 */
#ifndef MLREPO_PIPE_INT_H
#define MLREPO_PIPE_INT_H

#include <sqlite3.h>
#include <stdint.h>
#include <sys/stat.h>

#include "odb.h"
#include "pipeline.h"

struct cJSON;
struct config;
struct pipeline;
struct stage;
struct strbuf;
struct repo;

/* ---- the hash cache (pipestate.c) --------------------------------------- */

struct pipe_hash {
	char *path; /* absolute */
	int64_t size, mtime_ns, ino, hashed_at;
	char id[ODB_HEXSZ + 1];
	int dirty; /* to be saved */
	int fresh; /* hashed by this process: trusted while stat matches */
};
struct pipe_hashes {
	struct pipe_hash *v;	/* the entries, nr of them */
	size_t nr, alloc;
	uint32_t *slots;	/* open addressing: index + 1, 0 empty */
	size_t cap;		/* a power of two */
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
/* The same, with the stat(2) of `abs` given (NULL: stat it). */
int pipe_hash_stat(struct pipe_hashes *h, const char *abs,
		   const struct stat *given, struct pipe_obj *o);
/* Now, in nanoseconds since the epoch. */
int64_t pipe_now_ns(void);

/* ---- the lock file (pipestate.c) --------------------------------------- */

struct pipe_lockfile {
	struct cJSON *root;   /* {"version":1,"stages":{...}} */
	struct cJSON *stages; /* inside root */
	/* the file as it was read or written, to know when it changed */
	int64_t dev, ino, size, mtime_ns;
	int exists;
	/* entries set but not written yet (pipe_lock_set) */
	struct cJSON *pending;
	int64_t flushed_at, flush_cost; /* mltime */
	unsigned gen; /* counts the times the file was read again */
};
/* Read `path` (a missing file is empty).  Bad JSON is bad input.  0/-1. */
int pipe_lock_load(const char *path, struct pipe_lockfile *l);
/* Read it again if it changed since `l` was read or written.  0/-1. */
int pipe_lock_refresh(const char *path, struct pipe_lockfile *l);
void pipe_lock_release(struct pipe_lockfile *l);
/* The entry of `stage`, or NULL. */
struct cJSON *pipe_lock_get(const struct pipe_lockfile *l, const char *stage);
/*
 * Writing.  pipe_lock_set() sets the entry of `stage` to a copy of
 * `entry` in memory; pipe_lock_flush() writes what was set to the file
 * at `path`, under the pipeline's lock file (flock), re-reading the file
 * first if another process changed it since `mem` was read (so their
 * entries stay), dropping entries of stages `p` does not have, replacing
 * the file atomically.  Rewriting a lock of thousands of entries after
 * every stage would cost more than the stages, so a runner flushes when
 * pipe_lock_due() says so (a quarter second since the last write, or 20
 * times as long as that write took) and at the end.  pipe_lock_put()
 * does both at once.  0 or -1.
 */
void pipe_lock_set(struct pipe_lockfile *mem, const char *stage,
		   const struct cJSON *entry);
int pipe_lock_due(const struct pipe_lockfile *mem);
int pipe_lock_flush(struct repo *r, const struct pipeline *p,
		    const char *path, struct pipe_lockfile *mem);
int pipe_lock_put(struct repo *r, const struct pipeline *p, const char *path,
		  const char *stage, const struct cJSON *entry,
		  struct pipe_lockfile *mem);
/*
 * Open (creating) and flock(LOCK_EX) the lock file named by `key` under
 * runs/locks/; `wait` 0: return -2 at once when another process holds it;
 * 2: wait, but return -3 when a signal interrupts the wait.  Returns the
 * fd (close it to unlock), or -1 with error().
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
	/* deps' stats from pipeline_build() are good (nothing ran since) */
	int build_stats;
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
/*
 * A dep or out of a lock entry: "deps" and "outs" are objects mapping a
 * path to its SHA-256, a directory's path ending in '/'.  Its path
 * without the '/' (free it), and whether it is a directory.
 */
char *pipe_file_path(const struct cJSON *f);
int pipe_file_is_dir(const struct cJSON *f);
/* The run-cache key of a stage whose entry (deps hashed) is `entry`. */
void pipe_cache_key(const struct stage *s, const struct cJSON *entry,
		    char key[ODB_HEXSZ + 1]);

/* ---- the Slurm executor (pipeslurm.c) ----------------------------------- */

/*
 * A stage whose executor is slurm runs as a Slurm batch job, and the
 * runner keeps its DAG, budgets and records as for a local stage.  What
 * proc_run_parallel() runs for it on the submit host is a small /bin/sh
 * watcher (argv from pipe_slurm_prepare()) that:
 *  1. submits the job script with `sbatch --parsable`, its options on the
 *     command line (job name "pipe-run.RUN8.STAGE", --chdir the stage's
 *     wdir, -o/-e into the job directory, cpus -> --cpus-per-task, mem ->
 *     --mem, gpus -> --gres=gpu:N, timeout -> --time in whole minutes,
 *     --partition, --account, --qos and the extra options of the config
 *     and the stage, --export=ALL so the job gets the stage's environment);
 *  2. writes "JOBID PGID" to STAGE.job in the job directory;
 *  3. waits for the job's STAGE.status ("EXIT START END", written by the
 *     job itself, renamed into place), asking squeue every second whether
 *     the job still exists (a cancelled, timed-out or lost job writes no
 *     status: then scontrol's JobState is reported);
 *  4. copies the job's stdout and stderr to its own, so that the stage's
 *     log, its "[stage] " lines and its ::metric lines are what a local
 *     run gives;
 *  5. exits with the job's exit status (1 when the job wrote none).
 * On SIGTERM, SIGINT or SIGHUP (Ctrl-C, a failure stopping the run, a
 * stage's timeout: 124 then) it scancels the job, waits up to 10 s for it
 * to leave the queue, and exits 128 + the signal.  Only the controlling
 * pipe-run writes the catalog: the job and the watcher write files in the
 * job directory, `slurm.sharedDir` (default .pipe-run/jobs/ under the
 * pipeline's directory), one subdirectory per pipeline run, which compute
 * nodes must see at the same path.  No sacct: accounting may be off.
 */
struct pipe_slurm {
	char *partition, *account, *qos; /* [slurm] of the config; NULL */
	struct pipeline_list extra;	 /* slurm.extra, split into words */
	char *dir;			 /* the job directory, absolute */
};
/* Read [slurm] of `cfg`; the job directory relative to `root`.  0/-1. */
int pipe_slurm_init(struct pipe_slurm *sl, const struct config *cfg,
		    const char *root);
void pipe_slurm_release(struct pipe_slurm *sl);
/*
 * Write the job script of stage `s` (running `script` with /bin/sh -c in
 * `wdir`) for pipeline run `run` under the job directory, and return the
 * watcher's argv (NULL-ended; free with pipe_slurm_argv_free()), or NULL
 * with error() when the files cannot be written.
 */
char **pipe_slurm_prepare(const struct pipe_slurm *sl, const char *run,
			  const struct stage *s, const char *script,
			  const char *wdir);
void pipe_slurm_argv_free(char **argv);
/*
 * The job id of the last submission of `stage` in `run` (into `id`, of
 * `n` bytes) and its watcher's process group (*pgid, 0 when unknown):
 * 1, or 0 when it has none (not submitted yet, or sbatch failed).
 */
int pipe_slurm_job(const struct pipe_slurm *sl, const char *run,
		   const char *stage, char *id, size_t n, long *pgid);
/* Remove the job directory of `run` (its jobs have ended).  0/-1. */
int pipe_slurm_clean(const struct pipe_slurm *sl, const char *run);

#endif
