/*
 * runs.h - experiment tracking: experiments, runs, params, tags, metrics
 * and artifacts in the catalog (exp-log(1)); the tables are this module's
 * domain (domain.h).
 *
 * The data model follows MLflow Tracking's:
 *   - an experiment is a name, created on first use;
 *   - a run has a 32-hex random id, an experiment, a name, a status
 *     (running, finished, failed, killed), start and end times, who and
 *     where, the command line, the git commit and dirty flag of the work
 *     tree, a parent run and a soft-deleted flag;
 *   - params are write-once: logging the same value again is fine, a
 *     different value is an error (exit 2);
 *   - tags can be overwritten;
 *   - metrics are points (key, value, step, time), appended and never
 *     overwritten; a run's current value of a metric is the one at the
 *     largest step, and at equal steps the one logged last.  NaN is stored
 *     as NULL (SQLite has no NaN) and shown as "nan"; +-inf are stored;
 *   - artifacts are files or directories in the object store, by name;
 *   - inputs (MLflow's dataset inputs, log_input) say which data a run
 *     used: a name, a digest, a context (train, eval, ...) and a source;
 *     a digest that is an object id keeps that object from `mlrepo gc`.
 *
 * Usage: the caller opens the catalog (repo_catalog()), starts a run with
 * runs_start() (its own transaction), and for every later change begins a
 * transaction with runs_begin(), calls the functions here, records an
 * event when it wants one, and commits.  runfeed.h feeds a run from text
 * (the ::metric protocol, `exp-log log` input); runs_finish() ends a run
 * that ran a command, with its output.  Functions return 0 or -1 with the error
 * set (error_input() for bad input: exit 2).  Strings returned in structs
 * belong to the struct and are freed by its _release function.
 */
#ifndef MLREPO_RUNS_H
#define MLREPO_RUNS_H

#include <sqlite3.h>
#include <stdint.h>

struct repo;
struct domain;
struct proc_result;
struct runfeed_counts;

#define RUN_ID_HEX 32
#define RUNS_KEY_MAX 250
#define RUNS_PARAM_VALUE_MAX 6000

enum run_status { RUN_RUNNING, RUN_FINISHED, RUN_FAILED, RUN_KILLED };
const char *runs_status_name(enum run_status s);
int runs_status_parse(const char *s, enum run_status *out);

/* A key: [A-Za-z0-9_./ -]+, at most 250 bytes. */
int runs_check_key(const char *what, const char *key);
/*
 * Split "KEY=VALUE" at the first '=' into new strings (free them) and
 * check the key.  `what` names the kind in messages ("param").
 */
int runs_split_kv(const char *what, const char *arg, char **key,
		  char **value);
/* Every "KEY=VALUE" of a NULL-ended list (or NULL) splits with a good key. */
int runs_check_kv_list(const char *what, const char *const *list);
/* Parse a metric value: a number, nan, inf, -inf (any case). */
int runs_parse_value(const char *s, double *out);
/* Steps are integers within +-2^53 (exact in JSON, and room to count up). */
#define RUNS_STEP_MAX (INT64_C(1) << 53)
int runs_parse_step(const char *s, int64_t *out);

struct run_provenance;

/* A new run (runs_start). */
struct run_new {
	const char *experiment; /* NULL: "default" */
	const char *name;	/* NULL: none */
	const char *parent;	/* a full id or NULL */
	const char *command;	/* a JSON array, or NULL */
	int64_t start_time;	/* 0: now */
	const char *const *params; /* "KEY=VALUE" items, NULL-ended, or NULL */
	const char *const *tags;   /* likewise */
	/* who and where (below); NULL: runs_start() collects it */
	const struct run_provenance *provenance;
};

/*
 * Where and by whom a run starts: user, host, working directory and,
 * inside a git work tree (unless MLREPO_NO_GIT is set), the commit and
 * whether tracked files changed.  runs_provenance() runs git, so it is
 * called before a transaction, never inside one: the catalog's write lock
 * is never held across a subprocess.  Release with
 * runs_provenance_release().
 */
struct run_provenance {
	char *user, *host, *cwd, *git_commit;
	int git_dirty; /* -1 unknown */
};
void runs_provenance(struct run_provenance *p);
void runs_provenance_release(struct run_provenance *p);

/*
 * Start a run, in a transaction of its own: check the experiment, name,
 * params and tags; collect the provenance (outside the transaction); then
 * create the run (and its experiment on first use), set its params and
 * tags and journal "run.start".  Writes the new id into `id`.  This is how
 * `exp-log start`, `exp-log run` and pipe-run's stages begin runs.
 */
int runs_start(sqlite3 *db, const struct run_new *n, char id[RUN_ID_HEX + 1]);

/*
 * Begin a write transaction on run `id`, checking inside it that the run
 * still exists (an `exp-log gc` may have removed it since it was
 * resolved).  0, or -1 with the error set (error_input when the run is
 * gone) and no transaction open.
 */
int runs_begin(sqlite3 *db, const char *id);

/*
 * Inside the caller's transaction: set the "KEY=VALUE" params and tags of
 * the two NULL-ended lists (either may be NULL) on run `id`.
 */
int runs_set_kv(sqlite3 *db, const char *id, const char *const *params,
		const char *const *tags);

/*
 * Resolve a run given by a unique id prefix of 6 or more hex digits; with
 * `prefix` NULL, $MLREPO_RUN is used, and with neither it is an error
 * (exit 2).  Soft-deleted runs resolve too.
 */
int runs_resolve(sqlite3 *db, const char *prefix, char id[RUN_ID_HEX + 1]);

/* Set a param (write-once) or a tag (overwritable). */
int runs_param(sqlite3 *db, const char *run, const char *key,
	       const char *value);
int runs_tag(sqlite3 *db, const char *run, const char *key,
	     const char *value);
/*
 * Inside the caller's transaction: delete tag `key` of run `run`;
 * error_input "no such tag 'KEY' in run ID" when it has none (as MLflow's
 * delete_tag raises).
 */
int runs_tag_delete(sqlite3 *db, const char *run, const char *key);

/*
 * Inputs: the data a run used (MLflow's log_input).  A run's inputs are
 * known by name, digest and context: recording one again changes nothing,
 * and its first source stays (MLflow keeps the first too).
 *   - name: any text but control characters, 1 to RUNS_INPUT_NAME_MAX
 *     bytes ("churn_train", "s3://bucket/train.parquet");
 *   - digest: any text but control characters, 1 to RUNS_DIGEST_MAX
 *     bytes; 64 hex digits (a SHA-256, an object id) are stored in lower
 *     case, and when the object store holds that object the run
 *     references it (owner "run:ID/input:NAME"), so `mlrepo gc` keeps it
 *     and `mlrepo fsck` checks it, as an artifact's object;
 *   - context: NULL means "train"; else any text but control
 *     characters, 1 to RUNS_KEY_MAX bytes;
 *   - source: NULL or free text (the feature spec and schema versions a
 *     training set was built from), at most RUNS_SOURCE_MAX bytes.
 */
#define RUNS_INPUT_NAME_MAX 500
#define RUNS_DIGEST_MAX 256
#define RUNS_SOURCE_MAX 65535
struct run_input {
	const char *name, *digest, *context, *source;
};
/* Check an input's fields (error_input, exit 2), before any work. */
int runs_input_check(const struct run_input *in);
/*
 * Inside the caller's transaction: record input `in` of run `run` and
 * journal "run.input" (name, digest as stored, context, source, object).
 * Returns 0 when it was recorded, 1 when the run had it already (nothing
 * journaled), -1 on error.  *is_object (may be NULL) says whether the
 * digest names an object of this repository, referenced by the run.
 */
int runs_input(struct repo *r, sqlite3 *db, const char *run,
	       const struct run_input *in, int *is_object);

/*
 * Metrics.  A writer keeps, for the keys it has seen, the largest step and
 * the count in memory, so that a stream of points costs one INSERT each;
 * metric_writer_flush() writes the current values.  Flush before every
 * commit: the cache is only valid inside one transaction.
 */
struct metric_writer;
struct metric_writer *metric_writer_new(sqlite3 *db, const char *run);
/* has_step 0: one more than the key's largest step so far (0 at first). */
int metric_writer_add(struct metric_writer *w, const char *key, double value,
		      int has_step, int64_t step, int64_t time);
int metric_writer_flush(struct metric_writer *w);
/* Forget the cache without writing it (after a rollback). */
void metric_writer_discard(struct metric_writer *w);
/* Points added since creation (those of rolled back transactions too). */
uint64_t metric_writer_count(const struct metric_writer *w);
void metric_writer_free(struct metric_writer *w);

/* What `exp-log run` measured (NULL to runs_end: nothing). */
struct run_exit {
	int exit_status; /* the shell's convention: 128 + signal */
	double wall_time, cpu_time;
	long max_rss_kb;
};
/* End a run: status and end time (now). */
int runs_end(sqlite3 *db, const char *run, enum run_status status,
	     const struct run_exit *x);

/*
 * How a command that ran as the run ended (proc.h's result): its exit
 * status (127/126 when it could not start), wall and CPU time and peak
 * memory into `x`, and the run's status: killed when a signal killed it
 * or it failed after we passed one on, finished on exit 0, else failed.
 */
enum run_status runs_exit_from_proc(const struct proc_result *res,
				    struct run_exit *x);

/*
 * End a run that ran a command (exp-log run, a pipe-run stage): store the
 * captured output files `out_path` and `err_path` (either may be NULL) as
 * the artifacts stdout.log and stderr.log (objects first, outside the
 * write lock), then in one transaction record them, end the run with `st`
 * and `x` and journal "run.end" with the status, exit status and, given
 * `counts`, how many protocol lines were recorded and rejected.  When the
 * output cannot be stored the run is still ended as it ended, and -1 is
 * returned with the first error.
 */
int runs_finish(struct repo *r, sqlite3 *db, const char *id,
		enum run_status st, const struct run_exit *x,
		const char *out_path, const char *err_path,
		const struct runfeed_counts *counts);

/*
 * Artifacts are stored in two steps, so that the (slow) object writes
 * happen before the caller takes the database's write lock:
 *   1. runs_artifact_store() writes a file ("-": standard input), or a
 *      directory (each file an object, plus a manifest object listing
 *      them), into the object store; nothing references them yet (gc's grace period covers that);
 *   2. runs_artifact_record(), inside the caller's transaction, records it
 *      as the artifact `name` of the run with its object references,
 *      replacing an artifact of that name.
 * runs_artifact_add() does both.
 */
struct run_stored {
	char id[65]; /* the file, or the manifest */
	const char *kind; /* "file" or "dir" */
	int64_t size;
	char (*files)[65]; /* a directory's files */
	size_t nfiles;
};
int runs_artifact_store(struct repo *r, const char *path,
			struct run_stored *s);
int runs_artifact_record(sqlite3 *db, const char *run, const char *name,
			 const struct run_stored *s);
void runs_stored_release(struct run_stored *s);
int runs_artifact_add(struct repo *r, sqlite3 *db, const char *run,
		      const char *path, const char *name);
/*
 * Write the artifact to `dest`: a file (or "-" for stdout), or for a
 * directory artifact the directory `dest` (created).
 */
int runs_artifact_get(struct repo *r, sqlite3 *db, const char *run,
		      const char *name, const char *dest);

/* Soft-delete, restore, move to another experiment. */
int runs_set_deleted(sqlite3 *db, const char *run, int deleted);
int runs_move(sqlite3 *db, const char *run, const char *experiment);
/*
 * Inside the caller's transaction: remove run `id` for good, with its
 * params, tags, metrics, artifact records, inputs and object references.
 */
int runs_discard(sqlite3 *db, const char *id);
/* Hard-delete every soft-deleted run; returns how many or -1. */
int runs_gc(sqlite3 *db);

/* Create an experiment if it does not exist. */
int runs_ensure_experiment(sqlite3 *db, const char *name);
/*
 * Experiment tags: begin a write transaction in which the experiment
 * `name` exists (error_input if it does not), then set tags in it.
 */
int runs_experiment_tags_begin(sqlite3 *db, const char *name);
int runs_experiment_tag(sqlite3 *db, const char *experiment, const char *key,
			const char *value);
/* Inside that transaction: delete a tag (error_input when it has none). */
int runs_experiment_tag_delete(sqlite3 *db, const char *experiment,
			       const char *key);
/*
 * Inside the caller's transaction: delete experiment `name` and its tags.
 * While it has runs (soft-deleted ones included) this is refused with
 * error_input (exit 2) unless `force`, which removes every run of it for
 * good first, as runs_discard() does.  Returns the number of runs removed,
 * or -1 (error_input also for an experiment that does not exist).
 */
int runs_experiment_delete(sqlite3 *db, const char *name, int force);

/*
 * Queries.  runs_query_* build one SELECT over runs with a filter in the
 * expression language (lib/expr.h) compiled to bound SQL.
 */
struct runs_query {
	const char *experiment;	/* NULL: all; unknown: error_input */
	const char *filter;	/* NULL: none */
	const char *const *order_by; /* "KEY [ASC|DESC]" items, NULL-ended */
	const char *const *columns;  /* extra columns (identifiers), NULL-ended */
	int64_t limit;		/* -1: none */
	int all;		/* include soft-deleted runs */
	const char *has_metric;	/* only runs with a (non-NaN) value of it */
};

/*
 * Call fn for every matching run, in order, with the result row: columns
 * 0-5 are id, experiment, name, status, start_time, end_time, then one
 * per extra column (NULL when the run lacks it; a metric's NaN is NULL
 * too).  fn returns non-zero to stop.  Newest first unless ordered.
 */
int runs_query(sqlite3 *db, const struct runs_query *q,
	       int (*fn)(sqlite3_stmt *row, void *data), void *data);
/* Is `ident` (a column name such as "metrics.auc") a metric? */
int runs_ident_is_metric(const char *ident);

/*
 * Every point of metric `key` of `run`, by step and then in the order
 * logged; fn returns non-zero to stop.  Returns the number of points seen
 * or -1.
 */
struct run_point {
	int64_t step, time;
	double value; /* NaN when stored as NULL */
};
int runs_metric_history(sqlite3 *db, const char *run, const char *key,
			int (*fn)(const struct run_point *p, void *data),
			void *data);

/* Every experiment, by name, with its live runs and tags; fn as above. */
struct experiment_info {
	const char *name;
	int64_t created;
	int64_t runs;	    /* not deleted */
	int64_t last_run;   /* the latest start time, 0: no run */
	const char *tags_json; /* a JSON object of its tags */
};
int runs_experiments(sqlite3 *db,
		     int (*fn)(const struct experiment_info *e, void *data),
		     void *data);

/* One run, whole. */
struct run_kv {
	char *key, *value;
};
struct run_metric {
	char *key;
	double value; /* NaN when stored as NULL */
	int64_t step, time, count;
};
struct run_artifact {
	char *name, *oid, *kind;
	int64_t size, time;
};
struct run_dataset {
	char *name, *digest, *context, *source; /* source may be NULL */
	int64_t time;
	int is_object; /* the run references the digest as an object */
};
struct run_info {
	char id[RUN_ID_HEX + 1];
	char *experiment, *name, *status, *user, *host, *cwd, *command;
	char *git_commit, *parent;
	int git_dirty; /* -1 unknown */
	int deleted;
	int64_t start_time, end_time; /* end_time 0: none */
	int has_exit;
	struct run_exit exit;
	struct run_kv *params, *tags;
	int nparams, ntags;
	struct run_metric *metrics;
	int nmetrics;
	struct run_artifact *artifacts;
	int nartifacts;
	struct run_dataset *inputs; /* by name, context, digest */
	int ninputs;
};
int runs_get(sqlite3 *db, const char *id, struct run_info *info);
void runs_info_release(struct run_info *info);
/* The value of a param, tag or current metric in `info`; NULL if none. */
const char *runs_info_param(const struct run_info *info, const char *key);
const char *runs_info_tag(const struct run_info *info, const char *key);
const struct run_metric *runs_info_metric(const struct run_info *info,
					  const char *key);

/*
 * Column i of a row that holds a metric value (metrics.value, latest.value
 * or a --columns metrics.KEY): the number, or NaN.  The catalog keeps a
 * NaN as the text 'nan', apart from NULL, which is a missing value: check
 * for SQLITE_NULL first where a value may be missing.
 */
double runs_column_value(sqlite3_stmt *st, int i);
/*
 * A metric value as JSON: a number, or the strings "NaN", "Infinity" and
 * "-Infinity" (JSON has none of them).  The caller owns the item.
 */
struct cJSON *runs_json_value(double v);
/*
 * The JSON record of a run, as `exp-log ls --json` (full 0: id, experiment,
 * name, status, times, params, metrics, tags) and `show --json` (full 1:
 * and who, where, the command, git, the exit and costs, metric steps,
 * artifacts and inputs) print it.  The caller owns it (cJSON_Delete).
 */
struct cJSON *runs_info_json(const struct run_info *in, int full);

/* The runs' part of the catalog (domain.h). */
extern const struct domain runs_domain;

#endif
