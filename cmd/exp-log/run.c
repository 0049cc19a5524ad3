/* run.c - exp-log run: a command as a run */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "fsutil.h"
#include "err.h"
#include "exp-log.h"
#include "mltime.h"
#include "opt.h"
#include "proc.h"
#include "repo.h"
#include "runfeed.h"
#include "runs.h"
#include "strbuf.h"

static const char *const usage_run[] = {
	"exp-log run [-e EXPERIMENT] [-n NAME] [-p KEY=VALUE]... "
	"[-t KEY=VALUE]... -- COMMAND [ARG...]",
	NULL
};

static char *argv_json(char **argv)
{
	cJSON *a = cJSON_CreateArray();
	char *s;

	for (; *argv; argv++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*argv));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

int cmd_run(int argc, char **argv)
{
	const char *exp = NULL, *name = NULL;
	struct opt_list params = OPT_LIST_INIT, tags = OPT_LIST_INIT;
	char id[RUN_ID_HEX + 1];
	struct run_new n = { 0 };
	struct runfeed *feed = NULL;
	struct proc_opts po = PROC_OPTS_INIT;
	struct proc_result res;
	struct run_exit x;
	sqlite3 *db;
	struct fs_atomic out = FS_ATOMIC_INIT, err = FS_ATOMIC_INIT;
	char *command = NULL;
	char envrun[64];
	const char *env[3];
	int status = 0, prc;
	enum run_status st;
	struct option opts[] = {
		OPT_STRING('e', "experiment", &exp, "EXPERIMENT",
			   "the experiment (default: default)"),
		OPT_STRING('n', "name", &name, "NAME", "a name for the run"),
		OPT_LIST('p', "param", &params, "KEY=VALUE", "log a param"),
		OPT_LIST('t', "tag", &tags, "KEY=VALUE", "set a tag"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_run, OPT_STOP_AT_NON_OPTION);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out_lists;
	}
	if (argc < 2) {
		status = opt_usage_error(usage_run, "give a COMMAND after --");
		goto out_lists;
	}
	if (runs_check_kv_list("param", params.items) < 0 ||
	    runs_check_kv_list("tag", tags.items) < 0) {
		status = err_report();
		goto out_lists;
	}
	if ((status = setup_now()))
		goto out_lists;
	db = the_catalog;
	command = argv_json(argv + 1);
	n.experiment = exp ? exp : getenv("MLREPO_EXPERIMENT");
	n.name = name;
	n.command = command;
	n.params = params.items;
	n.tags = tags.items;
	if (runs_start(db, &n, id) < 0) {
		status = err_report();
		goto out;
	}
	if (!gopt.quiet)
		fprintf(stderr, "exp-log: run %s\n", id);

	if (repo_tmpfile(the_repo, "stdout", &out) < 0 ||
	    repo_tmpfile(the_repo, "stderr", &err) < 0) {
		/* the run started but the command cannot: it failed */
		status = err_report();
		runs_finish(the_repo, db, id, RUN_FAILED, NULL, NULL, NULL,
			    NULL);
		goto out;
	}
	snprintf(envrun, sizeof(envrun), "MLREPO_RUN=%s", id);
	env[0] = envrun;
	env[1] = getenv("PYTHONUNBUFFERED") ? NULL : "PYTHONUNBUFFERED=1";
	env[2] = NULL;
	feed = runfeed_new(db, id);
	po.argv = argv + 1;
	po.env_add = env;
	po.out_copy_fd = out.fd;
	po.err_copy_fd = err.fd;
	po.on_stdout_line = runfeed_output_line;
	po.data = feed;
	prc = proc_run(&po, &res);
	st = runs_exit_from_proc(&res, &x);
	if (prc < 0 && !res.started) {
		/* the command never ran: the run failed, exit 3 */
		status = err_report();
	} else {
		if (prc < 0)
			warning("%s", err_msg());
		if (res.long_lines)
			warning("%llu line%s of more than 1 MiB on stdout were "
				"not read for ::metric (kept in stdout.log)",
				res.long_lines, res.long_lines == 1 ? "" : "s");
		status = x.exit_status;
	}
	/* the logs become artifacts and the run ends, at once; a failure to
	 * keep the logs is reported, but the command's status wins */
	if (runs_finish(the_repo, db, id, st, &x, out.tmp_path, err.tmp_path,
			runfeed_counts(feed)) < 0) {
		if (status == 0)
			status = err_report();
		else
			err_report();
	}
out:
	fs_atomic_abort(&out);
	fs_atomic_abort(&err);
	free(command);
	runfeed_free(feed);
out_lists:
	opt_list_release(&params);
	opt_list_release(&tags);
	return status;
}
