/* exp-log.h - the subcommands of exp-log, shared helpers. */
#ifndef MLREPO_CMD_EXPLOG_H
#define MLREPO_CMD_EXPLOG_H

#include <sqlite3.h>

#include "runs.h"

struct repo;

/* -r RUN, as every command that takes a run has it. */
#define OPT_RUN(v) \
	OPT_STRING('r', "run", (v), "RUN", "the run (default: $MLREPO_RUN)")

/* Open the repository and its catalog; on failure report and set *status. */
int xl_open(struct repo **r, sqlite3 **db, int *status);
/* Resolve -r RUN (or $MLREPO_RUN) to a full id; report on failure. */
int xl_run(sqlite3 *db, const char *given, char id[RUN_ID_HEX + 1]);
/*
 * Begin a write transaction on run `id`, checking inside it that the run
 * still exists (an `exp-log gc` may have removed it since it was
 * resolved).  0, or -1 with the error set and no transaction open.
 */
int xl_begin(sqlite3 *db, const char *id);
struct opt_list;
/*
 * Inside the caller's transaction: start a run, set its -p params and -t
 * tags, and journal it (start and run both begin runs this way).
 */
int xl_start(sqlite3 *db, const struct run_new *n,
	     const struct opt_list *params, const struct opt_list *tags,
	     char id[RUN_ID_HEX + 1]);
/* Set the -p KEY=VALUE params and -t KEY=VALUE tags on run `id`. */
int xl_set_kv(sqlite3 *db, const char *id, const struct opt_list *params,
	      const struct opt_list *tags);
/* Record an event with a JSON detail built from KEY=VALUE pairs (or NULL). */
int xl_event(sqlite3 *db, const char *action, const char *subject,
	     const char *detail);

int cmd_start(int argc, char **argv);
int cmd_param(int argc, char **argv);
int cmd_tag(int argc, char **argv);
int cmd_metric(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_end(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_artifact(int argc, char **argv);
int cmd_get_artifact(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_experiments(int argc, char **argv);
int cmd_best(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_mv(int argc, char **argv);
int cmd_gc(int argc, char **argv);
int cmd_export(int argc, char **argv);

/*
 * Parse one line of the metric protocol ("loss=0.3 acc=0.9 step=3") into
 * the writer.  0, or -1 with a message the caller prefixes with where the
 * line came from.
 */
int xl_text_metrics(struct metric_writer *w, char *line);

#endif
