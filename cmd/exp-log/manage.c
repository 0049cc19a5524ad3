/* manage.c - exp-log artifact, get-artifact, input, rm, restore, mv, gc */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "exp-log.h"
#include "names.h"
#include "opt.h"
#include "repo.h"
#include "runs.h"
#include "strbuf.h"
#include "tabout.h"

static const char *const usage_artifact[] = {
	"exp-log artifact [-r RUN] PATH... [--as NAME]",
	"exp-log artifact [-r RUN] - --name NAME", NULL
};

/* The default name of an artifact: the last part of its path. */
static char *base_name(const char *path)
{
	char *copy = xstrdup(path), *b, *r;
	size_t n = strlen(copy);

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	b = basename(copy);
	r = xstrdup(b);
	free(copy);
	return r;
}

int cmd_artifact(int argc, char **argv)
{
	const char *run = NULL, *as = NULL;
	char id[RUN_ID_HEX + 1];
	struct run_stored *stored = NULL;
	struct repo *r;
	sqlite3 *db;
	int status = 0, i;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_STRING(0, "as", &as, "NAME",
			   "the artifact's name (default: the file's name)"),
		OPT_STRING(0, "name", &as, "NAME", "the same as --as"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_artifact, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2)
		return opt_usage_error(usage_artifact, "give a PATH");
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "-") && !as)
			return opt_usage_error(usage_artifact, "'-' (standard "
					       "input) needs --name NAME");
	if (as && argc > 2)
		return opt_usage_error(usage_artifact,
				       "--as names one PATH, not %d", argc - 1);
	if ((status = setup_now()))
		return status;
	r = the_repo;
	db = the_catalog;
	if (runs_resolve(db, run, id) < 0)
		goto fail;
	/* objects first, outside the transaction (they are immutable, and
	 * unreferenced until the rows commit), then the rows at once */
	stored = xcalloc(argc, sizeof(*stored));
	for (i = 1; i < argc; i++)
		if (runs_artifact_store(r, argv[i], &stored[i]) < 0)
			goto fail;
	if (runs_begin(db, id) < 0)
		goto fail;
	for (i = 1; i < argc; i++) {
		char *name = as ? xstrdup(as) : base_name(argv[i]);
		struct event_detail d = EVENT_DETAIL_INIT;
		int rc;

		rc = runs_artifact_record(db, id, name, &stored[i]);
		if (rc == 0) {
			event_detail_str(&d, "name", name);
			event_detail_str(&d, "path", argv[i]);
			rc = events_add_detail(db, "run.artifact", id, &d);
		}
		event_detail_release(&d);
		free(name);
		if (rc < 0) {
			db_rollback(db);
			goto fail;
		}
	}
	if (db_commit(db) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	for (i = 0; stored && i < argc; i++)
		runs_stored_release(&stored[i]);
	free(stored);
	return status;
}

static const char *const usage_get_artifact[] = {
	"exp-log get-artifact RUN NAME [-o PATH]",
	"exp-log get-artifact [-r RUN] NAME [-o PATH]", NULL
};

int cmd_get_artifact(int argc, char **argv)
{
	const char *out = NULL, *run = NULL, *name;
	char id[RUN_ID_HEX + 1];
	struct repo *r;
	sqlite3 *db;
	int status = 0;
	char *dflt = NULL;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_STRING('o', "output", &out, "PATH",
			   "where to write it ('-': stdout; default: NAME's "
			   "last part, here)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_get_artifact, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc == 3 && !run)
		run = argv[1];
	else if (argc != 2)
		return opt_usage_error(usage_get_artifact,
				       "give RUN NAME, or -r RUN NAME");
	name = argv[argc - 1];
	if ((status = setup_now()))
		return status;
	r = the_repo;
	db = the_catalog;
	if (!out)
		out = dflt = base_name(name);
	if (runs_resolve(db, run, id) < 0 ||
	    runs_artifact_get(r, db, id, name, out) < 0)
		status = err_report();
	free(dflt);
	return status;
}

static const char *const usage_input[] = {
	"exp-log input [-r RUN] NAME --digest DIGEST [--context CONTEXT] "
	"[--source TEXT]",
	NULL
};

/* Record which data a run used (MLflow's log_input). */
int cmd_input(int argc, char **argv)
{
	const char *run = NULL;
	struct run_input in = { NULL, NULL, NULL, NULL };
	char id[RUN_ID_HEX + 1];
	sqlite3 *db;
	int status;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_STRING(0, "digest", &in.digest, "DIGEST",
			   "what identifies the data's content (an object id, "
			   "a SHA-256)"),
		OPT_STRING(0, "context", &in.context, "CONTEXT",
			   "how the run used it (default: train)"),
		OPT_STRING(0, "source", &in.source, "TEXT",
			   "where it came from, free text"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_input, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_input, argc < 2 ? "give the input's "
				       "NAME" : "give one NAME, not %d",
				       argc - 1);
	if (!in.digest)
		return opt_usage_error(usage_input, "give --digest DIGEST");
	in.name = argv[1];
	/* bad input is exit 2 before the repository is looked for */
	if (runs_input_check(&in) < 0)
		return err_report();
	if ((status = setup_now()))
		return status;
	db = the_catalog;
	if (runs_resolve(db, run, id) < 0 || runs_begin(db, id) < 0)
		return err_report();
	if (runs_input(the_repo, db, id, &in, NULL) < 0) {
		db_rollback(db);
		return err_report();
	}
	if (db_commit(db) < 0)
		return err_report();
	return 0;
}

/* rm, restore, mv: resolve every run first, then change them at once. */
static int for_runs(int argc, char **argv, const char *run,
		    const char *action, int (*fn)(sqlite3 *, const char *,
						  const void *),
		    const void *arg, const char *detail)
{
	char (*ids)[RUN_ID_HEX + 1];
	sqlite3 *db;
	int status = 0, i;

	if ((status = setup_now()))
		return status;
	db = the_catalog;
	/* no RUN arguments: -r RUN, else $MLREPO_RUN */
	if (argc < 2) {
		static char *none[] = { NULL, NULL };

		argv = none;
		argc = 2;
		argv[1] = (char *)run;
	}
	ids = xcalloc(argc, sizeof(*ids));
	for (i = 1; i < argc; i++)
		if (runs_resolve(db, argv[i], ids[i]) < 0)
			goto fail;
	if (db_begin(db) < 0)
		goto fail;
	for (i = 1; i < argc; i++)
		if (fn(db, ids[i], arg) < 0 ||
		    events_add(db, action, ids[i], detail) < 0) {
			db_rollback(db);
			goto fail;
		}
	if (db_commit(db) < 0)
		goto fail;
	goto out;
fail:
	status = err_report();
out:
	free(ids);
	return status;
}

static int do_delete(sqlite3 *db, const char *id, const void *arg)
{
	return runs_set_deleted(db, id, *(const int *)arg);
}

static int do_move(sqlite3 *db, const char *id, const void *arg)
{
	return runs_move(db, id, arg);
}

static const char *const usage_rm[] = {
	"exp-log rm RUN...", "exp-log rm [-r RUN]", NULL
};
static const char *const usage_restore[] = {
	"exp-log restore RUN...", "exp-log restore [-r RUN]", NULL
};
static const char *const usage_mv[] = {
	"exp-log mv RUN... -e EXPERIMENT", "exp-log mv [-r RUN] -e EXPERIMENT",
	NULL
};

static int rm_or_restore(int argc, char **argv, int deleted)
{
	const char *const *u = deleted ? usage_rm : usage_restore;
	const char *run = NULL;
	struct option opts[] = {
		OPT_STRING('r', "run", &run, "RUN",
			   "the run, when none is given (default: $MLREPO_RUN)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, u, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 1 && run)
		return opt_usage_error(u, "give RUN arguments or -r RUN, not both");
	return for_runs(argc, argv, run, deleted ? "run.rm" : "run.restore",
			do_delete, &deleted, NULL);
}

int cmd_rm(int argc, char **argv)
{
	return rm_or_restore(argc, argv, 1);
}

int cmd_restore(int argc, char **argv)
{
	return rm_or_restore(argc, argv, 0);
}

int cmd_mv(int argc, char **argv)
{
	const char *exp = NULL, *run = NULL;
	struct event_detail d = EVENT_DETAIL_INIT;
	char *text;
	int status;
	struct option opts[] = {
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   "the experiment to move the runs to"),
		OPT_STRING('r', "run", &run, "RUN",
			   "the run, when none is given (default: $MLREPO_RUN)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_mv, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (!exp)
		return opt_usage_error(usage_mv, "give -e EXPERIMENT");
	if (argc > 1 && run)
		return opt_usage_error(usage_mv,
				       "give RUN arguments or -r RUN, not both");
	if (names_check("experiment", exp) < 0)
		return err_report();
	event_detail_str(&d, "experiment", exp);
	text = event_detail_text(&d);
	status = for_runs(argc, argv, run, "run.mv", do_move, exp, text);
	free(text);
	event_detail_release(&d);
	return status;
}

static const char *const usage_gc[] = { "exp-log gc", NULL };

int cmd_gc(int argc, char **argv)
{
	sqlite3 *db;
	int status = 0, n;
	struct event_detail d = EVENT_DETAIL_INIT;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_gc, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 1)
		return opt_usage_error(usage_gc, "gc takes no arguments");
	if ((status = setup_now()))
		return status;
	db = the_catalog;
	if (db_begin(db) < 0)
		goto fail;
	n = runs_gc(db);
	if (n < 0) {
		db_rollback(db);
		goto fail;
	}
	event_detail_int(&d, "runs", n);
	if ((n && events_add_detail(db, "run.gc", NULL, &d) < 0) ||
	    db_commit(db) < 0) {
		event_detail_release(&d);
		goto fail;
	}
	event_detail_release(&d);
	if (!gopt.quiet)
		fprintf(stderr, "exp-log: removed %d deleted run%s; 'mlrepo gc' "
				"frees their artifacts\n", n, n == 1 ? "" : "s");
	goto out;
fail:
	status = err_report();
out:
	return status;
}
