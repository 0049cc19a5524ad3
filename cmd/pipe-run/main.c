/*
 * pipe-run - versioned pipelines: a DAG of shell stages, rerun exactly
 * where their inputs changed (pipe-run(1)).  The pipeline file is
 * lib/pipeline.c's; running, status, checkout and the history are
 * lib/piperun.c's.  This file parses command lines and prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "fsutil.h"
#include "mltime.h"
#include "names.h"
#include "odb.h"
#include "opt.h"
#include "pipeline.h"
#include "piperun.h"
#include "repo.h"
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

static const struct tool tool;

static const char *const usage[] = {
	"pipe-run [-f FILE] [-j N] [--force] [--dry-run] [--keep-going] "
	"[-S NAME=VALUE]... [--no-cache] [STAGE...]",
	"pipe-run [-C DIR] [--repo PATH] [-q] [-v] [--json] COMMAND [ARGS]",
	NULL
};

#define OPT_FILE(v)                                                           \
	OPT_STRING('f', "file", (v), "FILE",                                   \
		   "the pipeline file (default: pipeline.ini)")
#define OPT_SETS(v)                                                           \
	OPT_LIST('S', "set", (v), "NAME=VALUE",                                \
		 "override a param of [params] for this run")

/*
 * Read, override and build the pipeline file; a stage may not be named
 * after one of our commands.
 */
static int load(struct pipeline *p, const char *file,
		const struct opt_list *sets)
{
	size_t i;
	int k;

	if (pipeline_read(p, file) < 0)
		return -1;
	for (k = 0; k < sets->nr; k++) {
		const char *eq = strchr(sets->items[k], '=');
		char *name;
		int rc;

		if (!eq || eq == sets->items[k])
			return error_input("-S '%s': give NAME=VALUE",
					   sets->items[k]);
		name = xstrndup(sets->items[k], eq - sets->items[k]);
		rc = pipeline_set_param(p, name, eq + 1);
		free(name);
		if (rc < 0)
			return -1;
	}
	if (pipeline_build(p) < 0)
		return -1;
	for (i = 0; i < p->nr_stages; i++)
		if (!p->stages[i].item &&
		    names_check_free("stage", p->stages[i].base, &tool) < 0) {
			err_prefix("'%s' line %d: ", p->file,
				   p->stages[i].line);
			return -1;
		}
	return 0;
}

/* A positional argument that is one of our commands, after options. */
static int misplaced_command(const char *const *targets, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (tool_is_subcommand(&tool, targets[i]))
			return error_input("'%s' is a command: write the "
					   "command first, as in `pipe-run %s "
					   "-f FILE`", targets[i], targets[i]);
	return 0;
}

static char *argv_json(void)
{
	cJSON *a = cJSON_CreateArray();
	char *s;
	int i;

	for (i = 0; i < tool_argc; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(tool_argv[i]));
	s = cJSON_PrintUnformatted(a);
	cJSON_Delete(a);
	return s;
}

/* ---- pipe-run [STAGE...] ---------------------------------------------------- */

static int cmd_run(int argc, char **argv)
{
	const char *file = "pipeline.ini";
	struct opt_list sets = OPT_LIST_INIT;
	struct pipeline p = PIPELINE_INIT;
	struct pipe_opts po = { 0 };
	long long jobs = 0;
	int status = 0, exit_status = 0;
	char *command = NULL;
	struct option opts[] = {
		OPT_FILE(&file),
		OPT_INT('j', "jobs", &jobs, "N",
			"stages at once (default: the number of CPUs, or "
			"100 with Slurm)"),
		OPT_STRING(0, "executor", &po.executor, "local|slurm",
			   "where stages that name no executor run"),
		OPT_BOOL(0, "force", &po.force,
			 "run the targets even when up to date"),
		OPT_BOOL('n', "dry-run", &po.dry_run,
			 "only say what would run, and why"),
		OPT_BOOL('k', "keep-going", &po.keep_going,
			 "start new stages after a failure"),
		OPT_SETS(&sets),
		OPT_BOOL(0, "no-cache", &po.no_cache,
			 "run stale stages rather than restore them"),
		OPT_STRING('e', "experiment", &po.experiment, "NAME",
			   "the exp-log experiment (default: the directory's "
			   "name)"),
		OPT_STRING(0, "name", &po.name, "NAME",
			   "a name for the exp-log run"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (jobs < 0 || jobs > 4096) {
		status = opt_usage_error(usage, "-j %lld: give 1 to 4096 (0: "
					 "the number of CPUs)", jobs);
		goto out;
	}
	if (po.executor && strcmp(po.executor, "local") &&
	    strcmp(po.executor, "slurm")) {
		status = opt_usage_error(usage, "--executor '%s': give local "
					 "or slurm", po.executor);
		goto out;
	}
	if (misplaced_command((const char *const *)argv + 1, argc - 1) < 0 ||
	    (po.experiment && names_check("experiment", po.experiment) < 0) ||
	    load(&p, file, &sets) < 0) {
		status = err_report();
		goto out;
	}
	if ((status = setup_now()))
		goto out;
	command = argv_json();
	po.targets = (const char *const *)argv + 1;
	po.nr_targets = (size_t)argc - 1;
	po.jobs = (int)jobs;
	po.quiet = gopt.quiet;
	po.command = command;
	if (pipe_run(the_repo, the_catalog, &p, &po, &exit_status) < 0)
		status = err_report();
	else
		status = exit_status;
out:
	free(command);
	pipeline_release(&p);
	opt_list_release(&sets);
	return status;
}

/* ---- status ------------------------------------------------------------------ */

static const char *const usage_status[] = {
	"pipe-run status [-f FILE] [-S NAME=VALUE]... [--json] [--exit-code] "
	"[STAGE...]",
	NULL
};

static int cmd_status(int argc, char **argv)
{
	const char *file = "pipeline.ini";
	struct opt_list sets = OPT_LIST_INIT;
	struct pipeline p = PIPELINE_INIT;
	struct pipe_stage_status *ss = NULL;
	size_t n = 0, i;
	int exit_code = 0, status = 0, stale = 0;
	struct option opts[] = {
		OPT_FILE(&file),
		OPT_SETS(&sets),
		OPT_BOOL(0, "exit-code", &exit_code,
			 "exit 1 when a stage is stale"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_status, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (load(&p, file, &sets) < 0) {
		status = err_report();
		goto out;
	}
	if ((status = setup_now()))
		goto out;
	if (pipe_status(the_repo, the_catalog, &p,
			(const char *const *)argv + 1, (size_t)argc - 1, &ss,
			&n) < 0) {
		status = err_report();
		goto out;
	}
	for (i = 0; i < n; i++) {
		stale += ss[i].stale;
		if (gopt.json) {
			cJSON *o = cJSON_CreateObject(), *r;
			const char *q = ss[i].reasons->buf;
			char *text;

			cJSON_AddStringToObject(o, "stage", ss[i].stage);
			cJSON_AddBoolToObject(o, "stale", ss[i].stale);
			r = cJSON_AddArrayToObject(o, "reasons");
			while (ss[i].reasons->len && *q) {
				const char *e = strstr(q, "; ");
				size_t len = e ? (size_t)(e - q) : strlen(q);
				char *one = xstrndup(q, len);

				cJSON_AddItemToArray(r, cJSON_CreateString(one));
				free(one);
				q += len + (e ? 2 : 0);
			}
			text = cJSON_PrintUnformatted(o);
			printf("%s\n", text);
			free(text);
			cJSON_Delete(o);
		} else if (ss[i].stale) {
			printf("%s: stale (%s)\n", ss[i].stage,
			       ss[i].reasons->buf);
		} else {
			printf("%s: up to date\n", ss[i].stage);
		}
	}
	if (exit_code && stale)
		status = 1;
out:
	pipe_status_release(ss, n);
	pipeline_release(&p);
	opt_list_release(&sets);
	return status;
}

/* ---- dag ----------------------------------------------------------------------- */

static const char *const usage_dag[] = {
	"pipe-run dag [-f FILE] [--dot | --mermaid]", NULL
};

static int cmd_dag(int argc, char **argv)
{
	const char *file = "pipeline.ini";
	struct opt_list sets = OPT_LIST_INIT;
	struct pipeline p = PIPELINE_INIT;
	struct strbuf sb = STRBUF_INIT;
	int dot = 0, mermaid = 0, status = 0;
	size_t i, k;
	struct option opts[] = {
		OPT_FILE(&file),
		OPT_SETS(&sets),
		OPT_BOOL(0, "dot", &dot, "Graphviz dot"),
		OPT_BOOL(0, "mermaid", &mermaid, "a Mermaid flowchart"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_dag, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (dot && mermaid) {
		status = opt_usage_error(usage_dag, "give --dot or --mermaid, "
					 "not both");
		goto out;
	}
	if (argc > 1) {
		status = opt_usage_error(usage_dag, "unexpected argument '%s'",
					 argv[1]);
		goto out;
	}
	if (load(&p, file, &sets) < 0) {
		status = err_report();
		goto out;
	}
	if (dot) {
		pipeline_dot(&p, &sb);
	} else if (mermaid) {
		pipeline_mermaid(&p, &sb);
	} else {
		/* make's way: each stage, then what it needs */
		for (i = 0; i < p.nr_stages; i++) {
			const struct stage *s = &p.stages[p.order[i]];

			strbuf_addf(&sb, "%s:", s->name);
			for (k = 0; k < s->nr_up; k++)
				strbuf_addf(&sb, " %s", p.stages[s->up[k]].name);
			strbuf_addch(&sb, '\n');
		}
	}
	fwrite(sb.buf, 1, sb.len, stdout);
out:
	strbuf_release(&sb);
	pipeline_release(&p);
	opt_list_release(&sets);
	return status;
}

/* ---- log ------------------------------------------------------------------------- */

static const char *const usage_log[] = {
	"pipe-run log [-f FILE] [--all] [--stage STAGE] [--limit N] [--json]",
	NULL
};

static char *when(int64_t t)
{
	static char buf[MLTIME_BUFSZ];

	return t ? mltime_format(t, buf) : "-";
}

static cJSON *run_json(const struct pipe_run_info *ri)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *params = ri->params ? cJSON_Parse(ri->params) : NULL;
	char buf[MLTIME_BUFSZ];

	cJSON_AddStringToObject(o, "id", ri->id);
	cJSON_AddStringToObject(o, "pipeline", ri->pipeline);
	cJSON_AddStringToObject(o, "status", ri->status);
	cJSON_AddStringToObject(o, "start_time",
				mltime_format(ri->start_time, buf));
	if (ri->end_time)
		cJSON_AddStringToObject(o, "end_time",
					mltime_format(ri->end_time, buf));
	else
		cJSON_AddNullToObject(o, "end_time");
	cJSON_AddNumberToObject(o, "ran", ri->nran);
	cJSON_AddNumberToObject(o, "cached", ri->ncached);
	cJSON_AddNumberToObject(o, "failed", ri->nfailed);
	cJSON_AddItemToObject(o, "params", params ? params :
						    cJSON_CreateObject());
	if (ri->exp_run)
		cJSON_AddStringToObject(o, "exp_run", ri->exp_run);
	if (ri->file_obj)
		cJSON_AddStringToObject(o, "pipeline_object", ri->file_obj);
	return o;
}

static int print_run(const struct pipe_run_info *ri, void *data)
{
	char buf[MLTIME_BUFSZ], start[MLTIME_BUFSZ];
	char ran[16], cached[16], failed[16];
	struct tabout *t = data;

	if (t) {
		const char *cells[7];

		snprintf(ran, sizeof(ran), "%d", ri->nran);
		snprintf(cached, sizeof(cached), "%d", ri->ncached);
		snprintf(failed, sizeof(failed), "%d", ri->nfailed);
		cells[0] = ri->id;
		cells[1] = mltime_format(ri->start_time, start);
		cells[2] = ri->status;
		cells[3] = ri->end_time ?
				   mltime_format_duration(ri->end_time -
							  ri->start_time, buf) :
				   "-";
		cells[4] = ran;
		cells[5] = cached;
		cells[6] = failed;
		tabout_add(t, cells);
		return 0;
	}
	if (gopt.json) {
		cJSON *o = run_json(ri);
		char *text = cJSON_PrintUnformatted(o);

		printf("%s\n", text);
		free(text);
		cJSON_Delete(o);
		return 0;
	}
	return 0;
}

static int cmd_log(int argc, char **argv)
{
	const char *file = "pipeline.ini", *stage = NULL;
	long long limit = 0;
	int all = 0, status = 0;
	struct pipe_log_filter f = { 0 };
	struct tabout *t = NULL;
	char *abs = NULL;
	struct option opts[] = {
		OPT_FILE(&file),
		OPT_BOOL('a', "all", &all, "the runs of every pipeline"),
		OPT_STRING(0, "stage", &stage, "STAGE",
			   "runs where this stage ran, was restored or failed"),
		OPT_INT('n', "limit", &limit, "N", "the newest N runs"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_log, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 1)
		return opt_usage_error(usage_log, "unexpected argument '%s'",
				       argv[1]);
	if (limit < 0)
		return opt_usage_error(usage_log, "--limit %lld: give 1 or "
					"more", limit);
	if ((status = setup_now()))
		return status;
	if (!all) {
		abs = realpath(file, NULL); /* as runs record it */
		if (!abs)
			abs = fs_absolute(file);
	}
	f.pipeline = abs;
	f.stage = stage;
	f.limit = limit;
	if (!gopt.json) {
		static const char *const hdr[] = { "RUN", "STARTED", "STATUS",
						   "TOOK", "RAN", "CACHED",
						   "FAILED" };

		t = tabout_new(7, hdr);
	}
	if (pipe_runs_query(the_catalog, &f, print_run, t) < 0)
		status = err_report();
	else if (t && tabout_print(t, stdout) < 0)
		status = err_report();
	tabout_free(t);
	free(abs);
	return status;
}

/* ---- show -------------------------------------------------------------------------- */

static const char *const usage_show[] = {
	"pipe-run show RUN [--stage STAGE] [--log] [--json]", NULL
};

struct show_ctx {
	const char *stage;
	int log, found;
	cJSON *stages; /* --json */
};

static int show_log(const struct pipe_stage_info *si)
{
	fflush(stdout);
	if (!si->log) {
		printf("(no log: restored from cache)\n");
		return 0;
	}
	return odb_cat(the_repo, si->log, 1);
}

static int show_stage(const struct pipe_stage_info *si, void *data)
{
	struct show_ctx *sc = data;
	char buf[MLTIME_BUFSZ];

	if (sc->stage && strcmp(sc->stage, si->stage))
		return 0;
	sc->found++;
	if (sc->log) {
		if (!sc->stage)
			printf("==> %s <==\n", si->stage);
		return show_log(si) < 0 ? -1 : 0;
	}
	if (gopt.json) {
		cJSON *o = cJSON_CreateObject();
		cJSON *entry = si->entry ? cJSON_Parse(si->entry) : NULL;

		cJSON_AddStringToObject(o, "stage", si->stage);
		cJSON_AddStringToObject(o, "status", si->status);
		cJSON_AddNumberToObject(o, "attempts", si->attempts);
		if (si->exit_status >= 0)
			cJSON_AddNumberToObject(o, "exit_status",
						si->exit_status);
		cJSON_AddStringToObject(o, "start_time",
					mltime_format(si->start_time, buf));
		cJSON_AddStringToObject(o, "end_time",
					mltime_format(si->end_time, buf));
		cJSON_AddNumberToObject(o, "wall_time", si->wall);
		cJSON_AddNumberToObject(o, "cpu_time", si->cpu);
		cJSON_AddNumberToObject(o, "max_rss_kb", (double)si->max_rss_kb);
		cJSON_AddBoolToObject(o, "cached", !strcmp(si->status,
							   "cached"));
		if (si->cached_from)
			cJSON_AddStringToObject(o, "cached_from",
						si->cached_from);
		if (si->reasons)
			cJSON_AddStringToObject(o, "reasons", si->reasons);
		if (si->log)
			cJSON_AddStringToObject(o, "log", si->log);
		if (si->exp_run)
			cJSON_AddStringToObject(o, "exp_run", si->exp_run);
		if (entry) {
			cJSON_AddItemToObject(o, "deps", cJSON_DetachItemFromObject(
						       entry, "deps"));
			cJSON_AddItemToObject(o, "outs", cJSON_DetachItemFromObject(
						       entry, "outs"));
			cJSON_AddItemToObject(o, "params",
					      cJSON_DetachItemFromObject(
						      entry, "params"));
			cJSON_Delete(entry);
		}
		cJSON_AddItemToArray(sc->stages, o);
		return 0;
	}
	printf("%-20s %-7s attempts %d  exit %s  %8.2fs  rss %ld KiB%s%.12s\n",
	       si->stage, si->status, si->attempts,
	       si->exit_status >= 0 ? (snprintf(buf, sizeof(buf), "%d",
						si->exit_status), buf) : "-",
	       si->wall, (long)si->max_rss_kb,
	       si->cached_from ? "  from run " : "",
	       si->cached_from ? si->cached_from : "");
	if (sc->stage) {
		cJSON *entry = si->entry ? cJSON_Parse(si->entry) : NULL;
		char *text = entry ? cJSON_Print(entry) : NULL;

		if (si->reasons && *si->reasons)
			printf("why: %s\n", si->reasons);
		if (si->exp_run)
			printf("exp-log run: %s\n", si->exp_run);
		if (si->log)
			printf("log: %s\n", si->log);
		if (text)
			printf("%s\n", text);
		free(text);
		cJSON_Delete(entry);
	}
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	struct show_ctx sc = { 0 };
	struct pipe_run_info ri;
	int status = 0;
	struct option opts[] = {
		OPT_STRING(0, "stage", &sc.stage, "STAGE", "only this stage"),
		OPT_BOOL(0, "log", &sc.log, "print the stages' logs"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_show, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_show, "give one RUN");
	if ((status = setup_now()))
		return status;
	if (pipe_run_get(the_catalog, argv[1], &ri) < 0)
		return err_report();
	if (gopt.json && !sc.log)
		sc.stages = cJSON_CreateArray();
	else if (!sc.log && !sc.stage)
		printf("run %s\npipeline: %s\nstatus: %s\nstart: %s\n", ri.id,
		       ri.pipeline, ri.status, when(ri.start_time));
	if (!gopt.json && !sc.log && !sc.stage) {
		printf("end: %s\n", when(ri.end_time));
		if (ri.params && strcmp(ri.params, "{}"))
			printf("params: %s\n", ri.params);
		if (ri.exp_run)
			printf("exp-log run: %s\n", ri.exp_run);
		printf("\n");
	}
	if (pipe_run_stages(the_catalog, ri.id, show_stage, &sc) < 0) {
		status = err_report();
		goto out;
	}
	if (sc.stage && !sc.found) {
		error_input("stage '%s' did not run in pipeline run %.12s",
			    sc.stage, ri.id);
		status = err_report();
		goto out;
	}
	if (sc.stages) {
		cJSON *o = run_json(&ri);
		char *text;

		cJSON_AddItemToObject(o, "stages", sc.stages);
		sc.stages = NULL;
		text = cJSON_PrintUnformatted(o);
		printf("%s\n", text);
		free(text);
		cJSON_Delete(o);
	}
out:
	cJSON_Delete(sc.stages);
	pipe_run_info_release(&ri);
	return status;
}

/* ---- checkout ------------------------------------------------------------------------ */

static const char *const usage_checkout[] = {
	"pipe-run checkout [-f FILE] [--run RUN] [STAGE...]", NULL
};

static int cmd_checkout(int argc, char **argv)
{
	const char *file = "pipeline.ini", *run = NULL;
	struct opt_list sets = OPT_LIST_INIT;
	struct pipeline p = PIPELINE_INIT;
	int status = 0;
	struct option opts[] = {
		OPT_FILE(&file),
		OPT_STRING(0, "run", &run, "RUN",
			   "the outputs of this pipeline run, not the lock's"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_checkout, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (load(&p, file, &sets) < 0) {
		status = err_report();
		goto out;
	}
	if ((status = setup_now()))
		goto out;
	if (pipe_checkout(the_repo, the_catalog, &p,
			  (const char *const *)argv + 1, (size_t)argc - 1, run,
			  gopt.quiet) < 0)
		status = err_report();
out:
	pipeline_release(&p);
	opt_list_release(&sets);
	return status;
}

static const struct subcommand subcommands[] = {
	{ "status", cmd_status, "each stage up to date or stale, and why",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "dag", cmd_dag, "the graph of the stages (text, dot, mermaid)", 0 },
	{ "log", cmd_log, "the history of pipeline runs",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "show", cmd_show, "one pipeline run: its stages, their logs",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "checkout", cmd_checkout, "put outputs back from the object store",
	  SETUP_CATALOG },
	{ NULL, NULL, NULL, 0 }
};

static const struct tool tool = { "pipe-run", usage, subcommands, cmd_run,
				  SETUP_CATALOG };

int main(int argc, char **argv)
{
	return setup_main(&tool, argc, argv);
}
