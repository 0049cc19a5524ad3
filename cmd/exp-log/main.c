/*
 * exp-log - experiment tracking: runs, params, metrics, tags, artifacts,
 * search.  See exp-log(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "exp-log.h"
#include "mltime.h"
#include "opt.h"
#include "repo.h"
#include "runs.h"
#include "strbuf.h"
#include "tabout.h"

static const char *const usage[] = {
	"exp-log [-C DIR] [--repo PATH] [-q] [-v] [--json] COMMAND [ARGS]",
	NULL
};

int xl_open(struct repo **r, sqlite3 **db, int *status)
{
	*db = NULL;
	*r = repo_open();
	if (!*r) {
		*status = err_report();
		return -1;
	}
	*db = repo_catalog(*r);
	if (!*db) {
		*status = err_report();
		repo_close(*r);
		*r = NULL;
		return -1;
	}
	return 0;
}

int xl_run(sqlite3 *db, const char *given, char id[RUN_ID_HEX + 1])
{
	return runs_resolve(db, given, id);
}

int xl_begin(sqlite3 *db, const char *id)
{
	sqlite3_stmt *st;
	int rc;

	if (db_begin(db) < 0)
		return -1;
	st = db_prepare(db, "SELECT 1 FROM runs WHERE id = ?");
	if (!st) {
		db_rollback(db);
		return -1;
	}
	db_bind_text(st, 1, id);
	rc = db_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	db_rollback(db);
	if (rc >= 0)
		error_input("run %s was removed meanwhile (exp-log gc)", id);
	return -1;
}

int xl_start(sqlite3 *db, const struct run_new *n,
	     const struct opt_list *params, const struct opt_list *tags,
	     char id[RUN_ID_HEX + 1])
{
	cJSON *o;
	char *detail;
	int rc;

	if (runs_start(db, n, id) < 0 || xl_set_kv(db, id, params, tags) < 0)
		return -1;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "experiment",
				n->experiment ? n->experiment : "default");
	if (n->name)
		cJSON_AddStringToObject(o, "name", n->name);
	detail = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	rc = xl_event(db, "run.start", id, detail);
	free(detail);
	return rc;
}

int xl_set_kv(sqlite3 *db, const char *id, const struct opt_list *params,
	      const struct opt_list *tags)
{
	int i;

	for (i = 0; i < params->nr + tags->nr; i++) {
		int is_param = i < params->nr;
		const char *item = is_param ? params->items[i]
					    : tags->items[i - params->nr];
		char *k, *v;
		int rc = runs_split_kv(is_param ? "param" : "tag", item, &k, &v);

		if (rc == 0)
			rc = is_param ? runs_param(db, id, k, v)
				      : runs_tag(db, id, k, v);
		free(k);
		free(v);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int xl_event(sqlite3 *db, const char *action, const char *subject,
	     const char *detail)
{
	return events_add(db, action, subject, detail);
}

/* A JSON object of the KEY=VALUE arguments, for an event's detail. */
static char *kv_detail(int argc, char **argv)
{
	cJSON *o = cJSON_CreateObject();
	char *s;
	int i;

	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char *k;

		if (!eq)
			continue;
		k = xstrndup(argv[i], eq - argv[i]);
		cJSON_DeleteItemFromObjectCaseSensitive(o, k);
		cJSON_AddStringToObject(o, k, eq + 1);
		free(k);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* ---- start ------------------------------------------------------------ */

static const char *const usage_start[] = {
	"exp-log start [-e EXPERIMENT] [-n NAME] [--parent RUN] "
	"[-p KEY=VALUE]... [-t KEY=VALUE]...",
	NULL
};

int cmd_start(int argc, char **argv)
{
	const char *exp = NULL, *name = NULL, *parent = NULL;
	struct opt_list params = OPT_LIST_INIT, tags = OPT_LIST_INIT;
	char id[RUN_ID_HEX + 1], pid[RUN_ID_HEX + 1];
	struct run_new n = { 0 };
	struct repo *r;
	sqlite3 *db;
	int status = 0;
	struct option opts[] = {
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   "the experiment (default: default)"),
		OPT_STRING('n', "name", &name, "NAME", "a name for the run"),
		OPT_STRING(0, "parent", &parent, "RUN", "the parent run"),
		OPT_LIST('p', "param", &params, "KEY=VALUE", "log a param"),
		OPT_LIST('t', "tag", &tags, "KEY=VALUE", "set a tag"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_start, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 1)
		return opt_usage_error(usage_start, "unexpected argument '%s'",
				       argv[1]);
	if (!exp)
		exp = getenv("MLREPO_EXPERIMENT");
	if (exp && runs_check_name("experiment", exp) < 0)
		return err_report();
	if (xl_open(&r, &db, &status) < 0)
		goto out_lists;
	if (db_begin(db) < 0)
		goto fail;
	if (parent) {
		if (xl_run(db, parent, pid) < 0)
			goto fail_tx;
		n.parent = pid;
	}
	n.experiment = exp;
	n.name = name;
	if (xl_start(db, &n, &params, &tags, id) < 0)
		goto fail_tx;
	if (db_commit(db) < 0)
		goto fail;
	printf("%s\n", id);
	if (out_flush(stdout) < 0)
		status = err_report();
	goto out;
fail_tx:
	db_rollback(db);
fail:
	status = err_report();
out:
	repo_close(r);
out_lists:
	opt_list_release(&params);
	opt_list_release(&tags);
	return status;
}

/* ---- param, tag ------------------------------------------------------- */

static const char *const usage_param[] = {
	"exp-log param [-r RUN] KEY=VALUE...", NULL
};
static const char *const usage_tag[] = {
	"exp-log tag [-r RUN] KEY=VALUE...",
	"exp-log tag -e EXPERIMENT KEY=VALUE...", NULL
};

static int set_kv(int argc, char **argv, int is_param)
{
	const char *run = NULL, *exp = NULL;
	const char *const *u = is_param ? usage_param : usage_tag;
	char id[RUN_ID_HEX + 1];
	struct repo *r;
	sqlite3 *db;
	char *detail = NULL;
	int status = 0, i;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   is_param ? NULL : "tag the experiment, not a run"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, u, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2)
		return opt_usage_error(u, "give KEY=VALUE");
	/* check every argument before touching the repository */
	for (i = 1; i < argc; i++) {
		char *k, *v;

		if (runs_split_kv(is_param ? "param" : "tag", argv[i], &k,
				  &v) < 0)
			return err_report();
		free(k);
		free(v);
	}
	if (exp && (is_param || run))
		return opt_usage_error(u, is_param ? "params belong to runs"
					: "-e or -r, not both");
	if (xl_open(&r, &db, &status) < 0)
		return status;
	if (exp) {
		if (runs_experiment_tags_begin(db, exp) < 0)
			goto fail;
		snprintf(id, sizeof(id), "%s", "");
	} else if (xl_run(db, run, id) < 0 || xl_begin(db, id) < 0) {
		goto fail;
	}
	for (i = 1; i < argc; i++) {
		char *k, *v;
		int rc;

		runs_split_kv("", argv[i], &k, &v);
		rc = exp ? runs_experiment_tag(db, exp, k, v)
		   : is_param ? runs_param(db, id, k, v) : runs_tag(db, id, k, v);
		free(k);
		free(v);
		if (rc < 0) {
			db_rollback(db);
			goto fail;
		}
	}
	detail = kv_detail(argc - 1, argv + 1);
	if (xl_event(db, exp ? "experiment.tag" : is_param ? "run.param"
							     : "run.tag",
		     exp ? exp : id, detail) < 0) {
		db_rollback(db);
		goto fail;
	}
	if (db_commit(db) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	free(detail);
	repo_close(r);
	return status;
}

int cmd_param(int argc, char **argv)
{
	return set_kv(argc, argv, 1);
}

int cmd_tag(int argc, char **argv)
{
	return set_kv(argc, argv, 0);
}

/* ---- metric ----------------------------------------------------------- */

static const char *const usage_metric[] = {
	"exp-log metric [-r RUN] [--step N] [--time TIME] KEY=VALUE...", NULL
};

int cmd_metric(int argc, char **argv)
{
	const char *run = NULL, *when = NULL, *step_s = NULL;
	int64_t step = 0;
	int has_step = 0, status = 0, i;
	int64_t t;
	char id[RUN_ID_HEX + 1];
	struct metric_writer *w = NULL;
	struct repo *r;
	sqlite3 *db;
	double *values;
	char **keys;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_STRING('s', "step", &step_s, "N",
			   "the step (default: one more than the key's last)"),
		OPT_STRING(0, "time", &when, "TIME", "when it was measured "
			   "(default: now)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_metric, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2)
		return opt_usage_error(usage_metric, "give KEY=VALUE");
	has_step = step_s != NULL;
	if (has_step && runs_parse_step(step_s, &step) < 0) {
		err_prefix("--step: ");
		return err_report();
	}
	t = mltime_now();
	if (when && mltime_parse(when, &t) < 0) {
		err_prefix("--time: ");
		return err_report();
	}
	keys = xcalloc(argc, sizeof(*keys));
	values = xcalloc(argc, sizeof(*values));
	for (i = 1; i < argc; i++) {
		char *v;

		if (runs_split_kv("metric", argv[i], &keys[i], &v) < 0) {
			status = err_report();
			goto out_free;
		}
		if (runs_parse_value(v, &values[i]) < 0) {
			err_prefix("metric '%s': ", keys[i]);
			free(v);
			status = err_report();
			goto out_free;
		}
		free(v);
	}
	if (xl_open(&r, &db, &status) < 0)
		goto out_free;
	if (xl_run(db, run, id) < 0 || xl_begin(db, id) < 0)
		goto fail;
	w = metric_writer_new(db, id);
	for (i = 1; i < argc; i++)
		if (metric_writer_add(w, keys[i], values[i], has_step, step,
				      t) < 0) {
			db_rollback(db);
			goto fail;
		}
	if (metric_writer_flush(w) < 0) {
		db_rollback(db);
		goto fail;
	}
	if (db_commit(db) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	metric_writer_free(w);
	repo_close(r);
out_free:
	for (i = 0; i < argc; i++)
		free(keys[i]);
	free(keys);
	free(values);
	return status;
}

/* ---- end -------------------------------------------------------------- */

static const char *const usage_end[] = {
	"exp-log end [-r RUN] [--status finished|failed|killed]", NULL
};

int cmd_end(int argc, char **argv)
{
	const char *run = NULL, *st = "finished";
	enum run_status s;
	char id[RUN_ID_HEX + 1];
	struct repo *r;
	sqlite3 *db;
	int status = 0;
	char detail[64];
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_STRING(0, "status", &st, "STATUS",
			   "finished (default), failed or killed"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_end, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 1)
		return opt_usage_error(usage_end, "unexpected argument '%s'",
				       argv[1]);
	if (runs_status_parse(st, &s) < 0)
		return err_report();
	if (s == RUN_RUNNING) {
		error_input("--status: a run ends finished, failed or killed");
		return err_report();
	}
	if (xl_open(&r, &db, &status) < 0)
		return status;
	snprintf(detail, sizeof(detail), "{\"status\":\"%s\"}", st);
	if (xl_run(db, run, id) < 0 || xl_begin(db, id) < 0)
		goto fail;
	if (runs_end(db, id, s, NULL) < 0 ||
	    xl_event(db, "run.end", id, detail) < 0) {
		db_rollback(db);
		goto fail;
	}
	if (db_commit(db) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	repo_close(r);
	return status;
}

static const struct subcommand subcommands[] = {
	{ "start", cmd_start, "start a run; prints its id" },
	{ "param", cmd_param, "log params (write-once)" },
	{ "tag", cmd_tag, "set tags" },
	{ "metric", cmd_metric, "log metric values" },
	{ "log", cmd_log, "log a stream of metrics, params and tags" },
	{ "artifact", cmd_artifact, "store files or directories with a run" },
	{ "get-artifact", cmd_get_artifact, "write an artifact out" },
	{ "end", cmd_end, "end a run" },
	{ "run", cmd_run, "run a command as a run" },
	{ "ls", cmd_ls, "list and search runs" },
	{ "show", cmd_show, "everything about a run" },
	{ "diff", cmd_diff, "params and metrics of runs side by side" },
	{ "history", cmd_history, "a metric's steps" },
	{ "experiments", cmd_experiments, "list experiments" },
	{ "best", cmd_best, "the id of the best run by a metric" },
	{ "rm", cmd_rm, "delete runs (restore can bring them back)" },
	{ "restore", cmd_restore, "bring back deleted runs" },
	{ "mv", cmd_mv, "move runs to another experiment" },
	{ "gc", cmd_gc, "remove deleted runs for good" },
	{ "export", cmd_export, "runs as a data set (CSV, TSV, JSON Lines)" },
	{ NULL, NULL, NULL }
};

static const struct tool tool = { "exp-log", usage, subcommands, NULL };

int main(int argc, char **argv)
{
	return tool_main(&tool, argc, argv);
}
