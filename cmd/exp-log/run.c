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
#include "err.h"
#include "exp-log.h"
#include "mltime.h"
#include "opt.h"
#include "proc.h"
#include "repo.h"
#include "runs.h"
#include "strbuf.h"

static const char *const usage_run[] = {
	"exp-log run [-e EXPERIMENT] [-n NAME] [-p KEY=VALUE]... "
	"[-t KEY=VALUE]... -- COMMAND [ARG...]",
	NULL
};

struct run_ctx {
	sqlite3 *db;
	const char *id;
	long long lineno;
	long long recorded, rejected;
};

/* A protocol line: "::metric k=v ... [step=N]", "::param k=v", "::tag k=v". */
static int on_line(const char *line, size_t len, void *data)
{
	struct run_ctx *c = data;
	const char *rest;
	int kind, rc = -1;
	char *copy;

	c->lineno++;
	if (len < 3 || line[0] != ':' || line[1] != ':')
		return 0;
	if (!strncmp(line, "::metric ", 9)) {
		kind = 0;
		rest = line + 9;
	} else if (!strncmp(line, "::param ", 8)) {
		kind = 1;
		rest = line + 8;
	} else if (!strncmp(line, "::tag ", 6)) {
		kind = 2;
		rest = line + 6;
	} else {
		return 0;
	}
	copy = xstrdup(rest);
	if (xl_begin(c->db, c->id) < 0)
		goto out;
	if (kind == 0) {
		struct metric_writer *w = metric_writer_new(c->db, c->id);

		rc = xl_text_metrics(w, copy);
		if (rc == 0)
			rc = metric_writer_flush(w);
		metric_writer_free(w);
	} else {
		char *k, *v, *p = copy;

		while (*p == ' ')
			p++;
		rc = runs_split_kv(kind == 1 ? "param" : "tag", p, &k, &v);
		if (rc == 0) {
			size_t n = strlen(v), kn = strlen(k);
			char *vv = v;

			/* "::param lr = 0.1" means lr=0.1 */
			while (kn && k[kn - 1] == ' ')
				k[--kn] = '\0';
			while (*vv == ' ')
				memmove(vv, vv + 1, n--);
			while (n && (v[n - 1] == ' ' || v[n - 1] == '\r'))
				v[--n] = '\0';
			rc = kind == 1 ? runs_param(c->db, c->id, k, v)
				       : runs_tag(c->db, c->id, k, v);
			free(k);
			free(v);
		}
	}
	if (rc == 0)
		rc = db_commit(c->db);
	else
		db_rollback(c->db);
out:
	free(copy);
	if (rc < 0) {
		/* a bad line is reported, and the run goes on */
		c->rejected++;
		warning("stdout line %lld: %s", c->lineno, err_msg());
		err_clear();
		return 0;
	}
	c->recorded++;
	return 0;
}

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

static int tmpfile_in(struct repo *r, const char *what, char **path)
{
	int fd;

	*path = repo_path(r, "tmp/%s-XXXXXX", what);
	fd = mkostemp(*path, O_CLOEXEC);
	if (fd < 0)
		error("cannot create '%s': %s", *path, strerror(errno));
	return fd;
}

int cmd_run(int argc, char **argv)
{
	const char *exp = NULL, *name = NULL;
	struct opt_list params = OPT_LIST_INIT, tags = OPT_LIST_INIT;
	char id[RUN_ID_HEX + 1];
	struct run_new n = { 0 };
	struct run_ctx ctx = { 0 };
	struct proc_opts po = PROC_OPTS_INIT;
	struct proc_result res;
	struct run_exit x;
	struct run_stored so = { 0 }, se = { 0 };
	struct repo *r;
	sqlite3 *db;
	char *command = NULL, *out_path = NULL, *err_path = NULL;
	char envrun[64];
	const char *env[3];
	int status = 0, out_fd = -1, err_fd = -1, prc, code;
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
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2)
		return opt_usage_error(usage_run, "give a COMMAND after --");
	if (!exp)
		exp = getenv("MLREPO_EXPERIMENT");
	if (exp && runs_check_name("experiment", exp) < 0)
		return err_report();
	if (xl_open(&r, &db, &status) < 0)
		goto out_lists;
	command = argv_json(argv + 1);
	n.experiment = exp;
	n.name = name;
	n.command = command;
	if (db_begin(db) < 0)
		goto fail;
	if (xl_start(db, &n, &params, &tags, id) < 0)
		goto fail_tx;
	if (db_commit(db) < 0)
		goto fail;
	if (!gopt.quiet)
		fprintf(stderr, "exp-log: run %s\n", id);

	out_fd = tmpfile_in(r, "stdout", &out_path);
	err_fd = out_fd < 0 ? -1 : tmpfile_in(r, "stderr", &err_path);
	if (out_fd < 0 || err_fd < 0)
		goto fail_end;
	snprintf(envrun, sizeof(envrun), "MLREPO_RUN=%s", id);
	env[0] = envrun;
	env[1] = getenv("PYTHONUNBUFFERED") ? NULL : "PYTHONUNBUFFERED=1";
	env[2] = NULL;
	po.argv = argv + 1;
	po.env_add = env;
	po.out_copy_fd = out_fd;
	po.err_copy_fd = err_fd;
	po.on_stdout_line = on_line;
	po.data = &ctx;
	ctx.db = db;
	ctx.id = id;
	prc = proc_run(&po, &res);
	if (prc < 0 && !res.started) {
		/* the command never ran: the run failed, exit 3 */
		status = err_report();
		x.exit_status = proc_exit_code(&res);
		x.wall_time = x.cpu_time = 0;
		x.max_rss_kb = 0;
		st = RUN_FAILED;
	} else {
		if (prc < 0)
			warning("%s", err_msg());
		if (res.long_lines)
			warning("%llu line%s of more than 1 MiB on stdout were "
				"not read for ::metric (kept in stdout.log)",
				res.long_lines, res.long_lines == 1 ? "" : "s");
		code = proc_exit_code(&res);
		x.exit_status = code;
		x.wall_time = res.wall_s;
		x.cpu_time = res.cpu_user_s + res.cpu_sys_s;
		x.max_rss_kb = res.max_rss_kb;
		if (res.signaled || (res.got_signal && code != 0))
			st = RUN_KILLED;
		else
			st = code == 0 ? RUN_FINISHED : RUN_FAILED;
		status = code;
	}
	/* the logs become artifacts (objects first, outside the write
	 * lock), then the run ends, at once */
	if (runs_artifact_store(r, out_path, &so) < 0 ||
	    runs_artifact_store(r, err_path, &se) < 0)
		goto fail_logs;
	if (xl_begin(db, id) < 0 ||
	    runs_artifact_record(db, id, "stdout.log", &so) < 0 ||
	    runs_artifact_record(db, id, "stderr.log", &se) < 0 ||
	    runs_end(db, id, st, &x) < 0) {
		db_rollback(db);
		goto fail_logs;
	}
	{
		char detail[160];

		snprintf(detail, sizeof(detail),
			 "{\"status\":\"%s\",\"exit_status\":%d,"
			 "\"recorded\":%lld,\"rejected\":%lld}",
			 runs_status_name(st), x.exit_status, ctx.recorded,
			 ctx.rejected);
		if (xl_event(db, "run.end", id, detail) < 0) {
			db_rollback(db);
			goto fail_logs;
		}
	}
	if (db_commit(db) < 0)
		goto fail_logs;
	goto out;
fail_end:
	/* the run started but the command could not: end it failed */
	status = err_report();
	if (db_begin(db) == 0 && runs_end(db, id, RUN_FAILED, NULL) == 0)
		db_commit(db);
	goto out;
fail_logs:
	if (status == 0)
		status = err_report();
	else
		err_report();
	/* the logs could not be kept: still end the run as it ended */
	if (xl_begin(db, id) == 0) {
		if (runs_end(db, id, st, &x) == 0)
			db_commit(db);
		else
			db_rollback(db);
	}
	goto out;
fail_tx:
	db_rollback(db);
fail:
	status = err_report();
out:
	if (out_fd >= 0) {
		close(out_fd);
		unlink(out_path);
	}
	if (err_fd >= 0) {
		close(err_fd);
		unlink(err_path);
	}
	free(out_path);
	free(err_path);
	free(command);
	runs_stored_release(&so);
	runs_stored_release(&se);
	repo_close(r);
out_lists:
	opt_list_release(&params);
	opt_list_release(&tags);
	return status;
}
