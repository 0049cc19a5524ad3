/*
 * piperun.h - running a pipeline (pipe-run(1)): which stages are stale,
 * running them in parallel within the machine's budgets, the run cache,
 * pipeline.lock, and the record of every pipeline run (a catalog domain).
 *
 * lib/pipeline.h reads the file and builds the graph; this module does
 * everything after that.  The pieces, in the order a run uses them:
 *
 * Hashes.  A dep or out is known by its SHA-256 (a file: the id its
 * object has or would have; a directory: the id of the tree manifest
 * tree_store() would write, tree.h).  Hashes of files that did not change
 * are not computed again: `pipe_hashes`, a table in the catalog keyed by
 * absolute path, keeps size, mtime (ns), inode and the time the hash was
 * taken, as git's index does.  An entry is trusted only when the file's
 * mtime is more than a second older than the time its hash was taken, so
 * a file changed within the same clock tick as it was hashed is hashed
 * again ("racily clean" in git's words).
 *
 * pipeline.lock.  Next to the pipeline file (FILE with its .ini suffix
 * replaced by .lock, or FILE.lock), JSON with a stable key order, meant
 * to be committed:
 *	{"version":1,"stages":{"train":{"cmd":"...","env":[...],
 *	  "params":{"lr":"0.01"},
 *	  "deps":{"data/clean.csv":"<sha256>"},
 *	  "outs":{"model/":"<tree id>","metrics.json":"<sha256>"}}}}
 * with stages sorted by name, params by name, deps and outs by path
 * (relative to the pipeline file's directory; a directory's ends in
 * '/').  Entries are set as stages succeed (ran or restored) and the
 * file is written under a lock (re-reading it first when another
 * process changed it, so two pipe-run processes keep each other's
 * entries), replaced atomically, at most every quarter second and at
 * the end of a run (pipe-int.h); a stage's flock is held until its
 * entry is in the file.  Entries of stages the pipeline no longer has
 * are dropped; an entry of another shape is bad input.
 *
 * Staleness.  A stage is up to date when its entry matches: cmd and env,
 * the values of the params it uses, every dep's hash, every out present
 * with its hash.  Otherwise it is stale, with reasons such as "dep
 * changed: data/raw.csv" (pipe_stage_reasons()).  `always` stages are
 * always stale.  A stage whose upstream stage is stale is "upstream
 * stale: NAME" to status and --dry-run; when running, its staleness is
 * decided once its upstream stages are done, on the hashes they left.
 *
 * Run cache.  A stage's cache key is the SHA-256 of its name, cmd, env,
 * wdir, param values, dep hashes and out paths.  Before a stale stage
 * runs, a past successful run of the same key whose outs are all in the
 * object store is restored instead (reflink, hard link or copy), unless
 * the stage has no outs (it runs for what it does), says `always` or
 * `cache = false`, is forced, or --no-cache is given.
 *
 * Records.  A pipeline run (pipe_runs) has an id, the pipeline file (as
 * an object), params, start, end and status; each stage that ran, was
 * restored or failed has a row (pipe_stages): status, attempts, exit
 * status, times, peak RSS, its lock entry (deps and outs with hashes),
 * the object of its log, where it was restored from.  Logs and outs are
 * referenced (objrefs owner "pipe:RUN/..."), so gc keeps them while the
 * run exists and bundles carry them.  Each pipeline run is also an
 * exp-log run, with one child run per stage (runs.h).
 */
#ifndef MLREPO_PIPERUN_H
#define MLREPO_PIPERUN_H

#include <sqlite3.h>
#include <stdint.h>

#include "domain.h"

struct repo;
struct pipeline;
struct stage;
struct strbuf;
struct cJSON;

/* How a pipe_run() goes (the options of `pipe-run [STAGE...]`). */
struct pipe_opts {
	const char *const *targets; /* stage names; none: all */
	size_t nr_targets;
	int jobs;	  /* at once; < 1: the number of CPUs, or 100 when a
			     stage runs on Slurm */
	int force;	  /* run the targets even when up to date */
	int dry_run;	  /* only say what would run */
	int keep_going;	  /* start new stages after a failure */
	int no_cache;	  /* never restore from the run cache */
	int quiet;	  /* no stage output on stderr */
	const char *experiment; /* NULL: the pipeline directory's name */
	const char *name;	/* of the exp-log run; NULL: none */
	const char *command;	/* our command line, a JSON array */
	const char *executor;	/* of stages that name none: "local"
				   (NULL) or "slurm" (pipe-int.h) */
};

/*
 * Run what the targets need.  Progress lines ("train: ran in 2.1s",
 * "train: restored from cache") go to stdout, stage output to stderr
 * with a "[stage] " prefix; the failure summary to stderr.  Sets
 * *exit_status: 0 when everything needed is up to date or ran, 1 when a
 * stage failed (or we were stopped by a signal).  Returns 0, or -1 with
 * the error set for bad input (a stage needing more than the machine
 * has: exit 2) or a repository problem.
 */
int pipe_run(struct repo *r, sqlite3 *db, struct pipeline *p,
	     const struct pipe_opts *o, int *exit_status);

/* What `pipe-run status` reports for each stage. */
struct pipe_stage_status {
	const char *stage;
	int stale;
	struct strbuf *reasons; /* "; "-separated, empty when up to date */
};

/*
 * The state of the stages `targets` select (all when none), in
 * topological order: *out gets *nr entries (free with
 * pipe_status_release()).  Hashes computed are remembered in the catalog
 * when it is writable.  0 or -1.
 */
int pipe_status(struct repo *r, sqlite3 *db, struct pipeline *p,
		const char *const *targets, size_t nr_targets,
		struct pipe_stage_status **out, size_t *nr);
void pipe_status_release(struct pipe_stage_status *s, size_t nr);

/*
 * Put outs back: for each selected stage, its outs as pipeline.lock
 * records them, or with `run` (a pipeline run id or prefix) as that run
 * left them (and its lock entries become the stages'), from the object
 * store.  Files already matching are left alone.  Prints each restored
 * path unless quiet.  0 or -1.
 */
int pipe_checkout(struct repo *r, sqlite3 *db, struct pipeline *p,
		  const char *const *targets, size_t nr_targets,
		  const char *run, int quiet);

/* The lock file of pipeline file `file` (free it). */
char *pipe_lock_path(const char *file);

/* History: pipeline runs, newest first. */
struct pipe_run_info {
	char id[33];
	char *pipeline, *status, *exp_run, *file_obj, *params;
	int64_t start_time, end_time;
	int nran, ncached, nfailed;
};
struct pipe_log_filter {
	const char *pipeline; /* absolute path of the file; NULL: all */
	const char *stage;    /* runs where this stage ran or failed */
	int64_t limit;	      /* 0: all */
};
typedef int (*pipe_run_fn)(const struct pipe_run_info *ri, void *data);
int pipe_runs_query(sqlite3 *db, const struct pipe_log_filter *f,
		    pipe_run_fn fn, void *data);
void pipe_run_info_release(struct pipe_run_info *ri);

/* A pipeline run's stages, in the order they ended. */
struct pipe_stage_info {
	char *stage, *status, *cache_key, *cached_from, *entry, *log,
		*exp_run, *reasons;
	int attempts, exit_status;
	int64_t start_time, end_time, max_rss_kb;
	double wall, cpu;
};
typedef int (*pipe_stage_fn)(const struct pipe_stage_info *si, void *data);
/*
 * Resolve a run id prefix (exit 2 if unknown) and read the run.  The
 * prefix may also be the pipeline run's exp-log run id, as `exp-log best`
 * prints it.
 */
int pipe_run_get(sqlite3 *db, const char *prefix, struct pipe_run_info *ri);
int pipe_run_stages(sqlite3 *db, const char *run, pipe_stage_fn fn,
		    void *data);

/* Pipeline runs as a catalog domain (domain.h). */
extern const struct domain pipe_domain;

#endif
