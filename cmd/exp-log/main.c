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
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

static const char *const usage[] = {
	"exp-log [-C DIR] [--repo PATH] [-q] [-v] [--json] COMMAND [ARGS]",
	NULL
};

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
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (argc > 1) {
		status = opt_usage_error(usage_start, "unexpected argument "
					 "'%s'", argv[1]);
		goto out;
	}
	/* bad input is exit 2 before the repository is looked for */
	if (runs_check_kv_list("param", params.items) < 0 ||
	    runs_check_kv_list("tag", tags.items) < 0)
		goto fail;
	if ((status = setup_now()))
		goto out;
	if (parent) {
		if (runs_resolve(the_catalog, parent, pid) < 0)
			goto fail;
		n.parent = pid;
	}
	n.experiment = exp ? exp : getenv("MLREPO_EXPERIMENT");
	n.name = name;
	n.params = params.items;
	n.tags = tags.items;
	if (runs_start(the_catalog, &n, id) < 0)
		goto fail;
	printf("%s\n", id);
	if (out_flush(stdout) < 0) {
		/* nobody could name the run: take it back */
		struct event_detail d = EVENT_DETAIL_INIT;
		struct err_saved keep;

		err_save(&keep);
		event_detail_str(&d, "reason", "its id could not be written");
		if (runs_begin(the_catalog, id) == 0) {
			if (runs_discard(the_catalog, id) == 0 &&
			    events_add_detail(the_catalog, "run.discard", id,
					      &d) == 0)
				db_commit(the_catalog);
			else
				db_rollback(the_catalog);
		}
		event_detail_release(&d);
		err_restore(&keep);
		goto fail;
	}
	goto out;
fail:
	status = err_report();
out:
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
	"exp-log tag -e EXPERIMENT KEY=VALUE...",
	"exp-log tag [-r RUN | -e EXPERIMENT] --delete KEY [--delete KEY]...",
	NULL
};

/*
 * tag --delete KEY...: of a run, or with `exp` of an experiment, all or
 * none; a tag that is not set is exit 2, as MLflow's delete_tag raises.
 */
static int delete_tags(const char *run, const char *exp,
		       const struct opt_list *keys)
{
	char id[RUN_ID_HEX + 1];
	sqlite3 *db;
	int i, rc;

	for (i = 0; i < keys->nr; i++)
		if (runs_check_key("tag", keys->items[i]) < 0)
			return err_report();
	if ((rc = setup_now()))
		return rc;
	db = the_catalog;
	if (exp) {
		if (runs_experiment_tags_begin(db, exp) < 0)
			return err_report();
	} else if (runs_resolve(db, run, id) < 0 || runs_begin(db, id) < 0) {
		return err_report();
	}
	for (i = 0; i < keys->nr; i++) {
		struct event_detail d = EVENT_DETAIL_INIT;

		rc = exp ? runs_experiment_tag_delete(db, exp, keys->items[i])
			 : runs_tag_delete(db, id, keys->items[i]);
		if (rc == 0) {
			event_detail_str(&d, "key", keys->items[i]);
			rc = events_add_detail(db, exp ? "experiment.tag.delete"
						       : "run.tag.delete",
					       exp ? exp : id, &d);
		}
		if (rc < 0) {
			db_rollback(db);
			return err_report();
		}
	}
	if (db_commit(db) < 0)
		return err_report();
	return 0;
}

static int set_kv(int argc, char **argv, int is_param)
{
	const char *run = NULL, *exp = NULL;
	const char *const *u = is_param ? usage_param : usage_tag;
	struct event_detail d = EVENT_DETAIL_INIT;
	struct opt_list dels = OPT_LIST_INIT;
	char id[RUN_ID_HEX + 1];
	sqlite3 *db;
	int i;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   is_param ? NULL : "tag the experiment, not a run"),
		OPT_LIST(0, "delete", &dels, "KEY",
			 is_param ? NULL : "delete tag KEY (repeatable)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, u, 0);
	if (argc < 0) {
		opt_list_release(&dels);
		return opt_exit(argc);
	}
	if (exp && (is_param || run)) {
		opt_list_release(&dels);
		return opt_usage_error(u, is_param ? "params belong to runs"
					: "-e or -r, not both");
	}
	if (dels.nr) {
		i = is_param ? opt_usage_error(u, "params are write-once: they "
					       "cannot be deleted")
		    : argc > 1 ? opt_usage_error(u, "--delete takes no "
						"KEY=VALUE ('%s')", argv[1])
			       : delete_tags(run, exp, &dels);
		opt_list_release(&dels);
		return i;
	}
	if (argc < 2)
		return opt_usage_error(u, "give KEY=VALUE");
	if (runs_check_kv_list(is_param ? "param" : "tag",
			       (const char *const *)argv + 1) < 0)
		return err_report();
	if ((i = setup_now()))
		return i;
	db = the_catalog;
	if (exp) {
		if (runs_experiment_tags_begin(db, exp) < 0)
			return err_report();
		for (i = 1; i < argc; i++) {
			char *k, *v;
			int rc = runs_split_kv("tag", argv[i], &k, &v);

			if (rc == 0)
				rc = runs_experiment_tag(db, exp, k, v);
			free(k);
			free(v);
			if (rc < 0)
				goto fail_tx;
		}
	} else {
		if (runs_resolve(db, run, id) < 0 || runs_begin(db, id) < 0)
			return err_report();
		if (runs_set_kv(db, id, is_param ? (const char *const *)argv + 1
						: NULL,
				is_param ? NULL : (const char *const *)argv + 1) < 0)
			goto fail_tx;
	}
	event_detail_kv(&d, argc - 1, argv + 1);
	if (events_add_detail(db, exp ? "experiment.tag" : is_param ? "run.param"
								    : "run.tag",
			      exp ? exp : id, &d) < 0)
		goto fail_tx;
	if (db_commit(db) < 0)
		return err_report();
	return 0;
fail_tx:
	db_rollback(db);
	event_detail_release(&d);
	return err_report();
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
		int rc = 0;

		if (runs_split_kv("metric", argv[i], &keys[i], &v) < 0) {
			status = err_report();
			goto out_free;
		}
		/* step= and time= mean what they mean in ::metric lines */
		if (!strcmp(keys[i], "step") || !strcmp(keys[i], "time")) {
			int is_step = keys[i][0] == 's';

			if (is_step ? has_step : when != NULL)
				rc = error_input("%s given twice", keys[i]);
			else if (is_step)
				rc = runs_parse_step(v, &step);
			else if ((rc = mltime_parse(v, &t)) < 0)
				err_prefix("time: ");
			has_step |= is_step;
			if (!is_step)
				when = "";
			free(v);
			free(keys[i]);
			keys[i] = NULL;
			if (rc < 0) {
				status = err_report();
				goto out_free;
			}
			continue;
		}
		if (runs_parse_value(v, &values[i]) < 0) {
			err_prefix("metric '%s': ", keys[i]);
			free(v);
			status = err_report();
			goto out_free;
		}
		free(v);
	}
	if ((status = setup_now()))
		goto out_free;
	db = the_catalog;
	if (runs_resolve(db, run, id) < 0 || runs_begin(db, id) < 0)
		goto fail;
	w = metric_writer_new(db, id);
	for (i = 1; i < argc; i++)
		if (keys[i] && metric_writer_add(w, keys[i], values[i], has_step,
						 step, t) < 0) {
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
	sqlite3 *db = NULL;
	struct event_detail d = EVENT_DETAIL_INIT;
	int status;
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
	if ((status = setup_now()))
		return status;
	db = the_catalog;
	if (runs_resolve(db, run, id) < 0 || runs_begin(db, id) < 0)
		return err_report();
	event_detail_str(&d, "status", st);
	if (runs_end(db, id, s, NULL) < 0 ||
	    events_add_detail(db, "run.end", id, &d) < 0) {
		event_detail_release(&d);
		db_rollback(db);
		return err_report();
	}
	if (db_commit(db) < 0)
		return err_report();
	return 0;
}

static const struct subcommand subcommands[] = {
	{ "start", cmd_start, "start a run; prints its id",
	  SETUP_CATALOG },
	{ "param", cmd_param, "log params (write-once)",
	  SETUP_CATALOG },
	{ "tag", cmd_tag, "set tags",
	  SETUP_CATALOG },
	{ "metric", cmd_metric, "log metric values",
	  SETUP_CATALOG },
	{ "log", cmd_log, "log a stream of metrics, params and tags",
	  SETUP_CATALOG },
	{ "artifact", cmd_artifact, "store files or directories with a run",
	  SETUP_CATALOG },
	{ "get-artifact", cmd_get_artifact, "write an artifact out",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "input", cmd_input, "record a data set a run used",
	  SETUP_CATALOG },
	{ "end", cmd_end, "end a run",
	  SETUP_CATALOG },
	{ "run", cmd_run, "run a command as a run",
	  SETUP_CATALOG },
	{ "ls", cmd_ls, "list and search runs",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "show", cmd_show, "everything about a run",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "diff", cmd_diff, "params and metrics of runs side by side",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "history", cmd_history, "a metric's steps",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "experiments", cmd_experiments, "list or delete experiments",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "best", cmd_best, "the id of the best run by a metric",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "rm", cmd_rm, "delete runs (restore can bring them back)",
	  SETUP_CATALOG },
	{ "restore", cmd_restore, "bring back deleted runs",
	  SETUP_CATALOG },
	{ "mv", cmd_mv, "move runs to another experiment",
	  SETUP_CATALOG },
	{ "gc", cmd_gc, "remove deleted runs for good",
	  SETUP_CATALOG },
	{ "export", cmd_export, "runs as a data set (CSV, TSV, JSON Lines)",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "report", cmd_report, "runs and their curves as one HTML page",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ NULL, NULL, NULL }
};

static const struct tool tool = { "exp-log", usage, subcommands, NULL };

int main(int argc, char **argv)
{
	return setup_main(&tool, argc, argv);
}
