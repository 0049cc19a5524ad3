/*
 * piperun.c - running a pipeline: staleness, budgets, the run cache, the
 * parallel runner and the records of a run (piperun.h).
 *
 * pipe_run() decides first whether anything is stale at all (nothing:
 * no run is recorded).  Then proc_run_parallel() runs the stages: its
 * next_task callback walks the selected stages in topological order and
 * hands out the first one whose upstream stages are done and that fits
 * in the free budgets; its staleness is decided there, on the hashes its
 * upstream stages left, under a per-stage lock (flock) so that two
 * pipe-run processes never run one stage twice: the second waits, reads
 * the lock file again and finds the stage up to date.  A stage served by
 * the run cache is restored inside next_task.  task_done records a
 * stage that ended.  proc_run_parallel returns when nothing is ready and
 * nothing runs; the loop around it sleeps until a retry is due or waits
 * for a stage another process runs, and goes on.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "err.h"
#include "events.h"
#include "fsutil.h"
#include "mltime.h"
#include "names.h"
#include "num.h"
#include "odb.h"
#include "pipe-int.h"
#include "pipeline.h"
#include "piperun.h"
#include "proc.h"
#include "repo.h"
#include "runfeed.h"
#include "runs.h"
#include "strbuf.h"
#include "tree.h"

#define TAIL_LINES 20

/* A stopping signal we received while not inside proc_run_parallel(). */
static volatile sig_atomic_t stop_signal;

enum st_state {
	ST_IDLE,    /* not selected */
	ST_WAIT,    /* selected, not started */
	ST_LOCKED,  /* another pipe-run runs it: wait for it */
	ST_RUNNING,
	ST_RETRY,   /* failed, runs again at retry_at */
	ST_OK,	    /* up to date, ran or restored */
	ST_FAILED,
	ST_SKIPPED  /* an upstream stage failed */
};

struct ctx;

struct st {
	struct ctx *c;
	struct stage *s;
	int stale; /* status and --dry-run: stale, for itself or upstream */
	enum st_state state;
	int forced;
	int decided;	/* stale, `why` and `now` are known */
	unsigned lock_gen; /* env.lock.gen when it was decided */
	int lock_fd;	/* the stage's flock, -1 */
	struct strbuf why;
	cJSON *now;	/* the entry with deps hashed, at dispatch */
	char key[ODB_HEXSZ + 1];
	int attempts;
	int64_t retry_at; /* mltime */
	int64_t start_time;
	char child[RUN_ID_HEX + 1];
	struct runfeed *feed;
	char *log_path;
	int log_fd;
	char *tail[TAIL_LINES];
	size_t ntail;
	char *argv[4];
	char **sargv;	/* a Slurm stage's watcher (pipe-int.h) */
	int slurm;	/* runs on Slurm */
	char job_id[64]; /* its last Slurm job, or "" */
	char *script;
	char **env;
	char *prefix;
	int *gpus; /* device indices given */
	struct proc_result res;
	char *source;  /* what the feed's warnings name */
	char *failure; /* why it failed, for the summary */
	char *last_failure; /* of the last attempt, while a retry waits */
	int exit_status;
};

struct ctx {
	struct pipe_env env;
	const struct pipe_opts *o;
	struct st *v; /* by stage index */
	size_t *sel;
	size_t nsel;
	int cpus_total, cpus_free;
	uint64_t mem_total, mem_free;
	char **gpu_ids;
	int *gpu_busy;
	int ngpus;
	struct pipe_slurm slurm; /* when a stage runs there */
	int have_run;
	char run[33];
	char exp_run[RUN_ID_HEX + 1];
	struct runfeed *parent_feed;
	struct run_provenance prov;
	char *run_dir;
	int failed, stopping, nran, ncached;
	/* flocks of stages whose lock entries are not written yet */
	int *held;
	size_t nheld, alloc_held;
};

/* ---- budgets ------------------------------------------------------------ */

static int gpu_line(const char *line, size_t len, void *data)
{
	struct ctx *c = data;
	int idx;

	(void)len;
	/* "GPU 0: NVIDIA A100 (UUID: ...)" */
	if (sscanf(line, "GPU %d:", &idx) == 1 && idx >= 0) {
		char buf[16];

		snprintf(buf, sizeof(buf), "%d", idx);
		c->gpu_ids = xrealloc(c->gpu_ids,
				      (c->ngpus + 1) * sizeof(*c->gpu_ids));
		c->gpu_ids[c->ngpus++] = xstrdup(buf);
	}
	return 0;
}

static void split_gpus(struct ctx *c, const char *list)
{
	const char *p = list;

	while (*p) {
		size_t n;

		while (*p == ',' || isspace((unsigned char)*p))
			p++;
		n = strcspn(p, ", \t");
		if (!n)
			break;
		c->gpu_ids = xrealloc(c->gpu_ids,
				      (c->ngpus + 1) * sizeof(*c->gpu_ids));
		c->gpu_ids[c->ngpus++] = xstrndup(p, n);
		p += n;
	}
}

/*
 * The machine: compute.cpus, compute.mem, compute.gpus from the
 * repository's config, else what the machine has (GPUs: nvidia-smi -L,
 * asked only when a stage wants one).
 */
static int budgets(struct ctx *c, struct repo *r)
{
	const char *v;
	int want_gpus = 0;
	size_t i;

	v = config_get(&r->cfg, "compute.cpus");
	if (v) {
		int64_t n;

		if (num_parse_int(v, strlen(v), &n) < 0 || n < 1 ||
		    n > INT_MAX)
			return error_input("'%s': compute.cpus: not a whole "
					   "number from 1: '%s'",
					   r->cfg.name ? r->cfg.name : "config",
					   v);
		c->cpus_total = (int)n;
	} else {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		c->cpus_total = n > 0 ? (int)n : 1;
	}
	v = config_get(&r->cfg, "compute.mem");
	if (v) {
		if (pipeline_parse_size(v, &c->mem_total) < 0) {
			err_prefix("compute.mem: ");
			return -1;
		}
	} else {
		long pages = sysconf(_SC_PHYS_PAGES);
		long psz = sysconf(_SC_PAGESIZE);

		c->mem_total = pages > 0 && psz > 0 ?
				       (uint64_t)pages * (uint64_t)psz : 0;
	}
	for (i = 0; i < c->nsel; i++)
		want_gpus |= c->v[c->sel[i]].s->gpus > 0 &&
			     !c->v[c->sel[i]].slurm;
	v = config_get(&r->cfg, "compute.gpus");
	if (v) {
		split_gpus(c, v);
	} else if (want_gpus) {
		char *argv[] = { "nvidia-smi", "-L", NULL };
		struct proc_opts po = PROC_OPTS_INIT;
		struct proc_result res;

		po.argv = argv;
		po.in_fd = -1;
		po.out_pass_fd = po.err_pass_fd = -1;
		po.on_stdout_line = gpu_line;
		po.data = c;
		po.pgrp = PROC_PGRP_NEW;
		if (proc_run(&po, &res) < 0 || proc_exit_code(&res) != 0) {
			/* no nvidia-smi: no GPUs */
			err_clear();
			for (i = 0; i < (size_t)c->ngpus; i++)
				free(c->gpu_ids[i]);
			c->ngpus = 0;
		}
	}
	c->gpu_busy = xcalloc((size_t)c->ngpus + 1, sizeof(*c->gpu_busy));
	c->cpus_free = c->cpus_total;
	c->mem_free = c->mem_total;
	/* a stage that can never fit is an error before anything runs */
	for (i = 0; i < c->nsel; i++) {
		const struct stage *s = c->v[c->sel[i]].s;

		if (c->v[c->sel[i]].slurm)
			continue; /* Slurm's scheduler owns its limits */
		if (s->cpus > c->cpus_total)
			return error_input("stage '%s' asks for %d cpus; this "
					   "machine has %d (compute.cpus)",
					   s->name, s->cpus, c->cpus_total);
		if (s->mem > c->mem_total && c->mem_total)
			return error_input("stage '%s' asks for %llu bytes of "
					   "memory; this machine has %llu "
					   "(compute.mem)", s->name,
					   (unsigned long long)s->mem,
					   (unsigned long long)c->mem_total);
		if (s->gpus > c->ngpus)
			return error_input("stage '%s' asks for %d gpus; this "
					   "machine has %d (compute.gpus)",
					   s->name, s->gpus, c->ngpus);
	}
	return 0;
}

static int fits(const struct ctx *c, const struct st *t)
{
	const struct stage *s = t->s;
	int i, free_gpus = 0;

	if (t->slurm)
		return 1;
	for (i = 0; i < c->ngpus; i++)
		free_gpus += !c->gpu_busy[i];
	/* no memory figure (compute.mem = 0, or unknown): no mem budget */
	return s->cpus <= c->cpus_free &&
	       (!c->mem_total || s->mem <= c->mem_free) &&
	       s->gpus <= free_gpus;
}

/* Take the stage's share; its GPUs as "CUDA_VISIBLE_DEVICES=1,3". */
static char *take(struct ctx *c, struct st *t)
{
	struct strbuf sb = STRBUF_INIT;
	int i, n = 0;

	if (t->slurm)
		return NULL; /* Slurm sets CUDA_VISIBLE_DEVICES itself */
	c->cpus_free -= t->s->cpus;
	c->mem_free -= t->s->mem;
	if (!t->s->gpus)
		return NULL;
	t->gpus = xcalloc((size_t)t->s->gpus, sizeof(*t->gpus));
	strbuf_addstr(&sb, "CUDA_VISIBLE_DEVICES=");
	for (i = 0; i < c->ngpus && n < t->s->gpus; i++) {
		if (c->gpu_busy[i])
			continue;
		c->gpu_busy[i] = 1;
		t->gpus[n++] = i;
		strbuf_addf(&sb, "%s%s", n > 1 ? "," : "", c->gpu_ids[i]);
	}
	return strbuf_detach(&sb, NULL);
}

static void give_back(struct ctx *c, struct st *t)
{
	int i;

	if (t->slurm)
		return;
	c->cpus_free += t->s->cpus;
	c->mem_free += t->s->mem;
	for (i = 0; t->gpus && i < t->s->gpus; i++)
		c->gpu_busy[t->gpus[i]] = 0;
	free(t->gpus);
	t->gpus = NULL;
}

/* ---- the pipeline run ----------------------------------------------------- */

static char *json_params(const struct pipeline *p)
{
	cJSON *o = cJSON_CreateObject();
	char *s;
	size_t i;

	for (i = 0; i < p->nr_params; i++)
		cJSON_AddStringToObject(o, p->params[i].name,
					p->params[i].value);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* The experiment: --experiment, else the pipeline's directory's name. */
static char *experiment_name(const struct ctx *c)
{
	const char *base = strrchr(c->env.root, '/');
	struct strbuf sb = STRBUF_INIT;
	const char *p;

	if (c->o->experiment)
		return xstrdup(c->o->experiment);
	base = base && base[1] ? base + 1 : "pipeline";
	if (!isalpha((unsigned char)*base) && *base != '_')
		strbuf_addch(&sb, '_');
	for (p = base; *p && sb.len < NAMES_MAX; p++)
		strbuf_addch(&sb, isalnum((unsigned char)*p) || *p == '_' ||
					  *p == '.' || *p == '-' ?
				  *p : '_');
	return strbuf_detach(&sb, NULL);
}

/* Start the pipeline run, the first time a stage is to run or be restored. */
static int ensure_run(struct ctx *c)
{
	struct run_new n = { 0 };
	struct strbuf sb = STRBUF_INIT, tag_run = STRBUF_INIT,
		      tag_file = STRBUF_INIT;
	const char **params = NULL, *tags[3];
	char file_obj[ODB_HEXSZ + 1], *exp = NULL, *pjson = NULL,
	     *tjson = NULL;
	struct event_detail d = EVENT_DETAIL_INIT;
	cJSON *targets;
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc = -1;

	if (c->have_run)
		return 0;
	if (events_random_hex(c->run) < 0 ||
	    odb_put_file(c->env.r, c->env.file_abs, file_obj, NULL) < 0)
		return -1;
	exp = experiment_name(c);
	params = xcalloc(c->env.p->nr_params + 1, sizeof(*params));
	for (i = 0; i < c->env.p->nr_params; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%s=%s", c->env.p->params[i].name,
			    c->env.p->params[i].value);
		params[i] = strbuf_detach(&sb, NULL);
	}
	strbuf_addf(&tag_run, "pipe.run=%s", c->run);
	strbuf_addf(&tag_file, "pipe.file=%s", c->env.file_abs);
	tags[0] = tag_run.buf;
	tags[1] = tag_file.buf;
	tags[2] = NULL;
	n.experiment = exp;
	n.name = c->o->name;
	n.command = c->o->command;
	n.params = params;
	n.tags = tags;
	n.provenance = &c->prov;
	if (runs_start(c->env.db, &n, c->exp_run) < 0)
		goto out;
	c->run_dir = repo_path(c->env.r, "runs/%s", c->run);
	if (fs_mkdirs(c->run_dir, 0777) < 0)
		goto out;
	pjson = json_params(c->env.p);
	targets = cJSON_CreateArray();
	for (i = 0; i < c->o->nr_targets; i++)
		cJSON_AddItemToArray(targets,
				     cJSON_CreateString(c->o->targets[i]));
	tjson = cJSON_PrintUnformatted(targets);
	cJSON_Delete(targets);
	if (db_begin(c->env.db) < 0)
		goto out;
	st = db_prepare(c->env.db,
			"INSERT INTO pipe_runs(id, pipeline, file_obj, params, "
			"targets, exp_run, user, host, start_time, status, "
			"time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', "
			"?)");
	if (!st)
		goto fail;
	db_bind_text(st, 1, c->run);
	db_bind_text(st, 2, c->env.file_abs);
	db_bind_text(st, 3, file_obj);
	db_bind_text(st, 4, pjson);
	db_bind_text(st, 5, tjson);
	db_bind_text(st, 6, c->exp_run);
	db_bind_text(st, 7, c->prov.user);
	db_bind_text(st, 8, c->prov.host);
	db_bind_int64(st, 9, mltime_now());
	db_bind_int64(st, 10, mltime_now());
	strbuf_reset(&sb);
	strbuf_addf(&sb, "pipe:%s/pipeline", c->run);
	event_detail_str(&d, "pipeline", c->env.file_abs);
	event_detail_str(&d, "exp_run", c->exp_run);
	if (db_step(st) != SQLITE_DONE ||
	    catalog_ref_add(c->env.db, file_obj, sb.buf) < 0 ||
	    events_add_detail(c->env.db, "pipe.start", c->run, &d) < 0 ||
	    db_commit(c->env.db) < 0)
		goto fail;
	c->have_run = 1;
	c->parent_feed = runfeed_new(c->env.db, c->exp_run);
	if (!c->o->quiet)
		printf("pipe-run: run %s\n", c->run);
	fflush(stdout);
	rc = 0;
	goto out;
fail:
	db_rollback(c->env.db);
out:
	sqlite3_finalize(st);
	event_detail_release(&d);
	for (i = 0; params && params[i]; i++)
		free((char *)params[i]);
	free(params);
	free(exp);
	free(pjson);
	free(tjson);
	strbuf_release(&sb);
	strbuf_release(&tag_run);
	strbuf_release(&tag_file);
	return rc;
}

/* ---- metrics -------------------------------------------------------------- */

struct metric_list {
	char **keys;
	double *vals;
	size_t n, alloc;
};

static void metric_add(struct metric_list *m, const char *key, double v)
{
	if (m->n == m->alloc) {
		m->alloc = m->alloc ? 2 * m->alloc : 8;
		m->keys = xrealloc(m->keys, m->alloc * sizeof(*m->keys));
		m->vals = xrealloc(m->vals, m->alloc * sizeof(*m->vals));
	}
	m->keys[m->n] = xstrdup(key);
	m->vals[m->n++] = v;
}

static void metric_list_release(struct metric_list *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Numbers (and booleans) of a JSON object, nested keys joined by '.'. */
static void json_metrics(const cJSON *o, const char *prefix,
			 struct metric_list *m)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, o)
	{
		struct strbuf k = STRBUF_INIT;

		strbuf_addf(&k, "%s%s%s", prefix, *prefix ? "." : "",
			    e->string ? e->string : "");
		if (cJSON_IsNumber(e))
			metric_add(m, k.buf, e->valuedouble);
		else if (cJSON_IsBool(e))
			metric_add(m, k.buf, cJSON_IsTrue(e) ? 1 : 0);
		else if (cJSON_IsObject(e))
			json_metrics(e, k.buf, m);
		strbuf_release(&k);
	}
}

static void rtrim(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

/*
 * Read a metrics file: a JSON object, or lines KEY=VALUE (also "KEY:
 * VALUE"); values that are no numbers are skipped with a warning.
 */
static int read_metrics_file(const char *path, const char *shown,
			     struct metric_list *m)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	int line = 0;

	if (strbuf_read_file(&sb, path) < 0) {
		strbuf_release(&sb);
		return error_input("metrics file '%s': %s", shown,
				   strerror(errno));
	}
	for (p = sb.buf; isspace((unsigned char)*p); p++)
		;
	if (*p == '{') {
		cJSON *o = cJSON_ParseWithLength(sb.buf, sb.len);

		if (!cJSON_IsObject(o)) {
			cJSON_Delete(o);
			strbuf_release(&sb);
			return error_input("metrics file '%s': not a JSON "
					   "object", shown);
		}
		json_metrics(o, "", m);
		cJSON_Delete(o);
		strbuf_release(&sb);
		return 0;
	}
	for (p = sb.buf; *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *l = xstrndup(p, n), *k, *v, *sep;
		double d;

		line++;
		p += n + (e ? 1 : 0);
		for (k = l; isspace((unsigned char)*k); k++)
			;
		if (!*k || *k == '#') {
			free(l);
			continue;
		}
		sep = strpbrk(k, "=:");
		if (!sep) {
			warning("metrics file '%s' line %d: no '=': '%s'",
				shown, line, k);
			free(l);
			continue;
		}
		*sep = '\0';
		v = sep + 1;
		while (*v && isspace((unsigned char)*v))
			v++;
		rtrim(k);
		rtrim(v);
		if (runs_parse_value(v, &d) < 0 ||
		    runs_check_key("metric", k) < 0) {
			warning("metrics file '%s' line %d: %s", shown, line,
				err_msg());
			err_clear();
		} else {
			metric_add(m, k, d);
		}
		free(l);
	}
	strbuf_release(&sb);
	return 0;
}

/* Log the metrics to run `run`, each at its next step. */
static int log_metrics(sqlite3 *db, const char *run,
		       const struct metric_list *m)
{
	struct metric_writer *w;
	int64_t now = mltime_now();
	size_t i;

	if (!m->n)
		return 0;
	if (runs_begin(db, run) < 0)
		return -1;
	w = metric_writer_new(db, run);
	for (i = 0; i < m->n; i++)
		if (metric_writer_add(w, m->keys[i], m->vals[i], 0, 0, now) < 0)
			goto fail;
	if (metric_writer_flush(w) < 0 || db_commit(db) < 0)
		goto fail;
	metric_writer_free(w);
	return 0;
fail:
	db_rollback(db);
	metric_writer_free(w);
	return -1;
}

/* ---- recording a stage ---------------------------------------------------- */

/* The objects a stage's outs are, for refs: files and manifests. */
static int store_outs(struct ctx *c, struct st *t, struct strbuf *ids)
{
	size_t i;

	for (i = 0; i < t->s->outs.nr; i++) {
		char *abs = pipe_abs(&c->env, t->s->outs.v[i].norm);
		struct stat sb;
		int rc;

		if (stat(abs, &sb) == 0 && S_ISDIR(sb.st_mode)) {
			struct tree_stored ts;
			size_t k;

			rc = tree_store(c->env.r, abs, &ts);
			if (!rc) {
				strbuf_addf(ids, "%s\n", ts.id);
				for (k = 0; k < ts.nfiles; k++)
					strbuf_addf(ids, "%s\n", ts.files[k]);
				tree_stored_release(&ts);
			}
		} else {
			char id[ODB_HEXSZ + 1];
			int64_t at = pipe_now_ns();

			rc = odb_put_file(c->env.r, abs, id, NULL);
			if (!rc) {
				strbuf_addf(ids, "%s\n", id);
				if (stat(abs, &sb) == 0)
					pipe_hashes_set(&c->env.hashes, abs,
							&sb, id, at);
			}
		}
		free(abs);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void stage_detail(struct event_detail *d, const struct st *t,
			 const char *status)
{
	event_detail_str(d, "stage", t->s->name);
	event_detail_str(d, "status", status);
	event_detail_int(d, "attempts", t->attempts);
}

/*
 * Record stage `t` of the run: its row, its child run ended, its refs.
 * `entry` is its lock entry (NULL for a failure), `ids` the objects its
 * outs are (one a line), `log_obj` its log.
 */
static int record_stage(struct ctx *c, struct st *t, const char *status,
			const cJSON *entry, const char *ids,
			const char *log_obj, const char *cached_from,
			const struct run_stored *log)
{
	sqlite3 *db = c->env.db;
	char *text = entry ? cJSON_PrintUnformatted(entry) : NULL;
	struct strbuf owner = STRBUF_INIT;
	struct event_detail d = EVENT_DETAIL_INIT;
	struct run_exit x;
	enum run_status rs;
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (t->res.started && !cached_from)
		rs = runs_exit_from_proc(&t->res, &x);
	else {
		memset(&x, 0, sizeof(x));
		x.exit_status = t->exit_status;
		rs = strcmp(status, "failed") ? RUN_FINISHED : RUN_FAILED;
	}
	if (!strcmp(status, "failed") && rs == RUN_FINISHED)
		rs = RUN_FAILED; /* a missing out */
	if (runs_begin(db, t->child) < 0)
		goto out;
	if (log && runs_artifact_record(db, t->child, "pipe-run.log", log) < 0)
		goto fail;
	if (*t->job_id && runs_tag(db, t->child, "slurm.job_id", t->job_id) < 0)
		goto fail;
	if (runs_end(db, t->child, rs, t->res.started ? &x : NULL) < 0)
		goto fail;
	st = db_prepare(db, "INSERT OR REPLACE INTO pipe_stages(run, stage, "
			    "status, attempts, exit_status, start_time, "
			    "end_time, wall, cpu, max_rss_kb, cache_key, "
			    "cached_from, entry, reasons, log, exp_run, time) "
			    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
			    "?, ?, ?)");
	if (!st)
		goto fail;
	db_bind_text(st, 1, c->run);
	db_bind_text(st, 2, t->s->name);
	db_bind_text(st, 3, status);
	db_bind_int64(st, 4, t->attempts);
	if (t->res.started || cached_from)
		db_bind_int64(st, 5, t->exit_status);
	db_bind_int64(st, 6, t->start_time);
	db_bind_int64(st, 7, mltime_now());
	sqlite3_bind_double(st, 8, t->res.started ? t->res.wall_s : 0);
	sqlite3_bind_double(st, 9, t->res.started ?
				   t->res.cpu_user_s + t->res.cpu_sys_s : 0);
	if (t->res.started)
		db_bind_int64(st, 10, t->res.max_rss_kb);
	if (*t->key)
		db_bind_text(st, 11, t->key);
	db_bind_text(st, 12, cached_from);
	db_bind_text(st, 13, text);
	db_bind_text(st, 14, t->why.buf);
	db_bind_text(st, 15, log_obj);
	db_bind_text(st, 16, t->child);
	db_bind_int64(st, 17, mltime_now());
	if (db_step(st) != SQLITE_DONE)
		goto fail;
	/* gc keeps what a run's stages made while the run exists */
	strbuf_addf(&owner, "pipe:%s/%s", c->run, t->s->name);
	if (log_obj && catalog_ref_add(db, log_obj, owner.buf) < 0)
		goto fail;
	while (ids && *ids) {
		char id[ODB_HEXSZ + 1];

		memcpy(id, ids, ODB_HEXSZ);
		id[ODB_HEXSZ] = '\0';
		if (catalog_ref_add(db, id, owner.buf) < 0)
			goto fail;
		ids += ODB_HEXSZ + 1;
	}
	stage_detail(&d, t, status);
	if (events_add_detail(db, "pipe.stage", c->run, &d) < 0 ||
	    db_commit(db) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	db_rollback(db);
out:
	sqlite3_finalize(st);
	event_detail_release(&d);
	strbuf_release(&owner);
	free(text);
	return rc;
}

/* Start the stage's child run (the exp-log run of this stage). */
static int start_child(struct ctx *c, struct st *t)
{
	struct run_new n = { 0 };
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	const char **params;
	const char *tags[3];
	char *exp = experiment_name(c);
	size_t i;
	int rc;

	params = xcalloc(t->s->params.nr + 1, sizeof(*params));
	for (i = 0; i < t->s->params.nr; i++) {
		const char *v = pipeline_param(c->env.p, t->s->params.v[i].text);
		struct strbuf kv = STRBUF_INIT;

		strbuf_addf(&kv, "%s=%s", t->s->params.v[i].text, v ? v : "");
		params[i] = strbuf_detach(&kv, NULL);
	}
	strbuf_addf(&a, "pipe.run=%s", c->run);
	strbuf_addf(&b, "pipe.stage=%s", t->s->name);
	tags[0] = a.buf;
	tags[1] = b.buf;
	tags[2] = NULL;
	n.experiment = exp;
	n.name = t->s->name;
	n.parent = c->exp_run;
	n.params = params;
	n.tags = tags;
	n.provenance = &c->prov;
	rc = runs_start(c->env.db, &n, t->child);
	for (i = 0; params[i]; i++)
		free((char *)params[i]);
	free(params);
	free(exp);
	strbuf_release(&a);
	strbuf_release(&b);
	return rc;
}

/* ---- restoring from the run cache ------------------------------------------ */


/*
 * A path from a lock entry is relative, without "." or ".." parts, or
 * absolute (an out outside the project, as the pipeline file allows):
 * a hand-edited lock cannot make checkout write elsewhere.
 */
static int safe_path(const char *p)
{
	const char *s = p;

	if (!p || !*p)
		return 0;
	while (*s) {
		size_t n = strcspn(s, "/");

		if ((n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)))
			return 0;
		s += n;
		while (*s == '/')
			s++;
	}
	return 1;
}

static int declared_out(const struct stage *s, const cJSON *f);

/* Every out of the entry that stage `s` declares is in the store. */
static int outs_stored(struct repo *r, const struct stage *s,
		       const cJSON *entry)
{
	const cJSON *f;

	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(entry, "outs")))
		return 0;
	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(entry, "outs"))
	{
		const char *id = cJSON_IsString(f) ? f->valuestring : NULL;

		if (!declared_out(s, f))
			continue; /* a hand-edited lock: ignored */
		if (!id || !odb_valid_id(id) || !safe_path(f->string))
			return 0;
		/* a directory: its files too, or a checkout stops half-way */
		if (pipe_file_is_dir(f) ? !tree_complete(r, id) :
					  !odb_has(r, id))
			return 0;
	}
	return 1;
}

/*
 * How outs are put in place: reflink, else hard link (read-only, as the
 * object is), else copy; but root is not stopped by a read-only mode, and
 * writing through a hard link would change the stored object, so root
 * gets reflinks or copies.
 */
static enum odb_checkout_how checkout_how(void)
{
	return geteuid() == 0 ? ODB_CHECKOUT_NO_LINK : ODB_CHECKOUT_AUTO;
}

/* Put one out of a lock entry back at its path. */
static int checkout_out(struct pipe_env *e, const cJSON *f, int *done)
{
	const char *id = cJSON_IsString(f) ? f->valuestring : NULL;
	int is_dir = pipe_file_is_dir(f);
	char *abs, *slash, *path;
	struct pipe_obj o;
	int got, rc = -1;

	*done = 0;
	if (!id || !odb_valid_id(id) || !safe_path(f->string))
		return error("a lock entry has a bad out: '%s'", f->string);
	path = pipe_file_path(f);
	abs = pipe_abs(e, path);
	free(path);
	got = pipe_hash_path(&e->hashes, abs, &o);
	if (got < 0)
		goto out;
	if (got && !strcmp(o.id, id)) {
		rc = 0; /* already there */
		goto out;
	}
	if (got && fs_remove_tree(abs) < 0)
		goto out;
	slash = strrchr(abs, '/');
	if (slash && slash != abs) {
		*slash = '\0';
		rc = fs_mkdirs(abs, 0777);
		*slash = '/';
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (is_dir) {
		if (tree_checkout_how(e->r, id, abs, checkout_how()) < 0)
			goto out;
	} else {
		struct stat sb;

		if (odb_checkout(e->r, id, abs, checkout_how()) < 0)
			goto out;
		if (stat(abs, &sb) == 0)
			pipe_hashes_set(&e->hashes, abs, &sb, id, pipe_now_ns());
	}
	*done = 1;
	rc = 0;
out:
	free(abs);
	return rc;
}

/* Is `f` (an out of a lock entry) one that stage `s` declares? */
static int declared_out(const struct stage *s, const cJSON *f)
{
	char *path = pipe_file_path(f);
	size_t i;
	int found = 0;

	for (i = 0; i < s->outs.nr && !found; i++)
		found = !strcmp(s->outs.v[i].norm, path);
	free(path);
	return found;
}

/* Put back the outs of `entry` that stage `s` declares. */
static int pipe_checkout_entry(struct pipe_env *e, const struct stage *s,
			       const cJSON *entry, int quiet)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(entry, "outs"))
	{
		int done;

		if (!declared_out(s, f))
			continue;
		if (checkout_out(e, f, &done) < 0)
			return -1;
		if (done && !quiet)
			printf("%s\n", f->string);
	}
	return 0;
}

/* Copy the current metrics of run `from` into *m. */
static int run_metrics(sqlite3 *db, const char *from, struct metric_list *m)
{
	struct run_info ri;
	int i;

	if (!from || runs_get(db, from, &ri) < 0) {
		err_clear();
		return 0; /* its run is gone: no metrics to log again */
	}
	for (i = 0; i < ri.nmetrics; i++)
		metric_add(m, ri.metrics[i].key, ri.metrics[i].value);
	runs_info_release(&ri);
	return 0;
}

/*
 * Serve stage `t` from the run cache: 1 when restored, 0 when no past
 * run fits, -1 on error.
 */
static int try_cache(struct ctx *c, struct st *t)
{
	sqlite3_stmt *st;
	cJSON *hit = NULL, *entry = NULL;
	char from[33] = "", *from_exp = NULL;
	struct metric_list m = { 0 };
	struct strbuf ids = STRBUF_INIT;
	int rc;

	st = db_prepare(c->env.db, "SELECT entry, run, exp_run FROM "
				   "pipe_stages WHERE cache_key = ? AND status "
				   "IN ('ran', 'cached') ORDER BY end_time DESC");
	if (!st)
		return -1;
	db_bind_text(st, 1, t->key);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(st, 0);
		cJSON *e = text ? cJSON_Parse(text) : NULL;

		if (e && outs_stored(c->env.r, t->s, e)) {
			hit = e;
			snprintf(from, sizeof(from), "%s",
				 (const char *)sqlite3_column_text(st, 1));
			if (sqlite3_column_text(st, 2))
				from_exp = xstrdup(
					(const char *)sqlite3_column_text(st,
									  2));
			break;
		}
		cJSON_Delete(e);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW) {
		free(from_exp);
		return rc == SQLITE_DONE ? 0 : -1;
	}
	rc = -1;
	if (pipe_checkout_entry(&c->env, t->s, hit, 1) < 0)
		goto out;
	entry = pipe_entry_now(&c->env, t->s, 1, NULL);
	if (!entry || ensure_run(c) < 0 || start_child(c, t) < 0)
		goto out;
	{
		const cJSON *f;

		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(hit,
								       "outs"))
		{
			struct tree_stored ts;
			size_t k;

			strbuf_addf(&ids, "%s\n", f->valuestring);
			if (!pipe_file_is_dir(f))
				continue;
			/* a restored run holds on to its files as well */
			if (tree_list(c->env.r, f->valuestring, &ts) < 0)
				goto out;
			for (k = 0; k < ts.nfiles; k++)
				strbuf_addf(&ids, "%s\n", ts.files[k]);
			tree_stored_release(&ts);
		}
	}
	t->start_time = mltime_now();
	run_metrics(c->env.db, from_exp, &m);
	if (log_metrics(c->env.db, t->child, &m) < 0 ||
	    log_metrics(c->env.db, c->exp_run, &m) < 0 ||
	    record_stage(c, t, "cached", entry, ids.buf, NULL, from, NULL) < 0)
		goto out;
	pipe_lock_set(&c->env.lock, t->s->name, entry);
	c->ncached++;
	if (!c->o->quiet)
		printf("%s: restored from cache (run %.12s)\n", t->s->name,
		       from);
	fflush(stdout);
	rc = 1;
out:
	cJSON_Delete(hit);
	cJSON_Delete(entry);
	free(from_exp);
	metric_list_release(&m);
	strbuf_release(&ids);
	return rc;
}

/* ---- running a stage -------------------------------------------------------- */

static void tail_add(struct st *t, const char *line, size_t len)
{
	if (t->ntail == TAIL_LINES) {
		free(t->tail[0]);
		memmove(t->tail, t->tail + 1,
			(TAIL_LINES - 1) * sizeof(*t->tail));
		t->ntail--;
	}
	t->tail[t->ntail++] = xstrndup(line, len);
}

static void tail_clear(struct st *t)
{
	size_t i;

	for (i = 0; i < t->ntail; i++)
		free(t->tail[i]);
	t->ntail = 0;
}

static int stage_stderr_line(const char *line, size_t len, void *data)
{
	tail_add(data, line, len);
	return 0;
}

/* A stage's stdout line: ::metric lines go to its run and the pipeline's. */
static int stage_stdout_line(const char *line, size_t len, void *data)
{
	struct st *t = data;
	struct ctx *c = t->c;

	uint64_t bad = runfeed_counts(t->feed)->rejected;

	runfeed_output_line(line, len, t->feed);
	/* the pipeline's run gets the stage's good points, warned once */
	if (len > 9 && !strncmp(line, "::metric ", 9) && c->parent_feed &&
	    runfeed_counts(t->feed)->rejected == bad)
		runfeed_output_line(line, len, c->parent_feed);
	return 0;
}

/* The script: each cmd in turn, stopping at the first that fails. */
static char *stage_script(const struct stage *s)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	if (s->cmds.nr == 1)
		return xstrdup(s->cmds.v[0].text);
	for (i = 0; i < s->cmds.nr; i++) {
		if (i)
			strbuf_addstr(&sb, "_pipe_run_s=$?; [ $_pipe_run_s -eq 0 ] "
					   "|| exit $_pipe_run_s\n");
		strbuf_addf(&sb, "%s\n", s->cmds.v[i].text);
	}
	return strbuf_detach(&sb, NULL);
}

static void remove_outs(struct ctx *c, const struct stage *s)
{
	size_t i;

	for (i = 0; i < s->outs.nr; i++) {
		char *abs = pipe_abs(&c->env, s->outs.v[i].norm);
		struct stat sb;

		if (lstat(abs, &sb) == 0) {
			if (S_ISDIR(sb.st_mode))
				fs_remove_tree(abs);
			else
				unlink(abs);
		}
		free(abs);
	}
	err_clear();
}

/* Make the parents of the outs, as a stage expects to write them. */
static int out_parents(struct ctx *c, const struct stage *s)
{
	size_t i;

	for (i = 0; i < s->outs.nr; i++) {
		char *abs = pipe_abs(&c->env, s->outs.v[i].norm);
		char *slash = strrchr(abs, '/');
		int rc = 0;

		if (slash && slash != abs) {
			*slash = '\0';
			rc = fs_mkdirs(abs, 0777);
		}
		free(abs);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static void free_env(char **env)
{
	size_t i;

	for (i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* Fill `o` to run stage `t` (its child run started). */
static int launch(struct ctx *c, struct st *t, struct proc_opts *o)
{
	struct strbuf sb = STRBUF_INIT;
	char *gpus;
	size_t n = 0, i;

	if (!t->log_path) {
		t->log_path = xstrfmt("%s/%s.log", c->run_dir, t->s->name);
		t->log_fd = open(t->log_path,
				 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
		if (t->log_fd < 0)
			return error("cannot create '%s': %s", t->log_path,
				     strerror(errno));
		t->feed = runfeed_new(c->env.db, t->child);
		t->source = xstrfmt("stage '%s': stdout", t->s->name);
		runfeed_set_source(t->feed, t->source);
	} else {
		strbuf_addf(&sb, "pipe-run: attempt %d\n", t->attempts + 1);
		if (fs_write_all(t->log_fd, sb.buf, sb.len) < 0)
			return error("cannot write '%s': %s", t->log_path,
				     strerror(errno));
		strbuf_reset(&sb);
	}
	remove_outs(c, t->s);
	if (out_parents(c, t->s) < 0)
		return -1;
	free(t->script);
	t->script = stage_script(t->s);
	o->cwd = pipe_wdir(&c->env, t->s);
	if (t->slurm) {
		pipe_slurm_argv_free(t->sargv);
		t->sargv = pipe_slurm_prepare(&c->slurm, c->run, t->s,
					      t->script, o->cwd);
		if (!t->sargv) {
			free((char *)o->cwd);
			o->cwd = NULL;
			return -1;
		}
	}
	t->argv[0] = "/bin/sh";
	t->argv[1] = "-c";
	t->argv[2] = t->script;
	t->argv[3] = NULL;
	free_env(t->env);
	t->env = xcalloc(t->s->env.nr + 8, sizeof(*t->env));
	t->env[n++] = xstrfmt("MLREPO_RUN=%s", t->child);
	t->env[n++] = xstrfmt("MLREPO_DIR=%s", c->env.r->dir);
	t->env[n++] = xstrfmt("PIPE_RUN_ID=%s", c->run);
	t->env[n++] = xstrfmt("PIPE_STAGE=%s", t->s->name);
	if (!getenv("PYTHONUNBUFFERED"))
		t->env[n++] = xstrdup("PYTHONUNBUFFERED=1");
	gpus = take(c, t);
	if (gpus)
		t->env[n++] = gpus;
	for (i = 0; i < t->s->env.nr; i++)
		t->env[n++] = xstrdup(t->s->env.v[i].text);
	t->env[n] = NULL;
	free(t->prefix);
	t->prefix = xstrfmt("[%s] ", t->s->name);
	tail_clear(t);
	o->argv = t->slurm ? t->sargv : t->argv;
	o->env_add = (const char *const *)t->env;
	o->out_pass_fd = c->o->quiet ? -1 : 2;
	o->err_pass_fd = c->o->quiet ? -1 : 2;
	o->out_copy_fd = t->log_fd;
	o->err_copy_fd = t->log_fd;
	o->on_stdout_line = stage_stdout_line;
	o->on_stderr_line = stage_stderr_line;
	o->data = t;
	o->prefix = t->prefix;
	/* a Slurm stage's watcher times its job from when it starts */
	if (t->s->timeout && !t->slurm)
		o->timeout_ms = t->s->timeout / 1000 > INT_MAX ?
					INT_MAX : (int)(t->s->timeout / 1000);
	t->state = ST_RUNNING;
	t->attempts++;
	if (!t->start_time)
		t->start_time = mltime_now();
	strbuf_release(&sb);
	return 0;
}

/* The upstream stages of `t`: 1 all done, 0 not yet, -1 one failed. */
static int upstream_done(const struct ctx *c, const struct st *t)
{
	size_t i;
	int ready = 1;

	for (i = 0; i < t->s->nr_up; i++) {
		enum st_state u = c->v[t->s->up[i]].state;

		if (u == ST_FAILED || u == ST_SKIPPED)
			return -1;
		if (u != ST_OK && u != ST_IDLE)
			ready = 0;
	}
	return ready;
}

static void lock_key(const struct ctx *c, const struct stage *s,
		     char key[ODB_HEXSZ + 1])
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "stage\n%s\n%s", c->env.lock_path, s->name);
	odb_hash_buf(sb.buf, sb.len, key);
	key[24] = '\0';
	strbuf_release(&sb);
}

/* Decide whether `t` must run; 1 yes, 0 it is up to date, -1 error. */
static int decide(struct ctx *c, struct st *t)
{
	int stale;

	strbuf_reset(&t->why);
	cJSON_Delete(t->now);
	t->now = NULL;
	stale = pipe_stale(&c->env, t->s, &t->why, &t->now);
	if (stale < 0)
		return -1;
	if (t->forced && !stale) {
		strbuf_reset(&t->why);
		strbuf_addstr(&t->why, "forced");
		stale = 1;
	}
	if (t->s->always && !stale) {
		strbuf_addstr(&t->why, "always");
		stale = 1;
	}
	pipe_cache_key(t->s, t->now, t->key);
	t->decided = 1;
	t->lock_gen = c->env.lock.gen;
	return stale;
}

static void release_flock(struct st *t)
{
	if (t->lock_fd >= 0)
		close(t->lock_fd);
	t->lock_fd = -1;
}

/*
 * A stage whose entry is set but not written keeps its flock until it
 * is: a pipe-run waiting for the stage must find it in the file.
 */
static void hold_flock(struct ctx *c, struct st *t)
{
	if (t->lock_fd < 0)
		return;
	ALLOC_GROW(c->held, c->nheld + 1, c->alloc_held);
	c->held[c->nheld++] = t->lock_fd;
	t->lock_fd = -1;
}

/* Write pipeline.lock when due (or now), then let the stages go. */
static int flush_lock(struct ctx *c, int now)
{
	int rc = 0;
	size_t i;

	if (!now && !pipe_lock_due(&c->env.lock))
		return 0;
	rc = pipe_lock_flush(c->env.r, c->env.p, c->env.lock_path,
			     &c->env.lock);
	for (i = 0; i < c->nheld; i++)
		close(c->held[i]);
	c->nheld = 0;
	return rc;
}

static int next_task(struct proc_opts *o, void *data)
{
	struct ctx *c = data;
	size_t i;

	if (c->stopping)
		return 0;
	for (i = 0; i < c->nsel; i++) {
		struct st *t = &c->v[c->sel[i]];
		int up, stale, rc;

		if (t->state == ST_RETRY && t->retry_at <= mltime_now()) {
			if (!fits(c, t))
				continue;
			if (launch(c, t, o) < 0)
				return -1;
			return 1;
		}
		if (t->state != ST_WAIT)
			continue;
		up = upstream_done(c, t);
		if (up < 0) {
			t->state = ST_SKIPPED;
			continue;
		}
		if (!up)
			continue;
		if (!t->decided) {
			stale = decide(c, t);
			if (stale < 0)
				return -1;
			if (!stale) {
				t->state = ST_OK;
				i = (size_t)-1; /* may unblock earlier ones */
				continue;
			}
		}
		if (!fits(c, t))
			continue;
		if (t->lock_fd < 0) {
			char key[ODB_HEXSZ + 1];

			lock_key(c, t->s, key);
			t->lock_fd = pipe_flock(c->env.r, key, 0);
			if (t->lock_fd == -2) {
				t->lock_fd = -1;
				t->state = ST_LOCKED;
				continue;
			}
			if (t->lock_fd < 0)
				return -1;
		}
		/*
		 * With the stage's lock: what another pipe-run did shows now.
		 * Decided again only when the lock file changed: the files
		 * were hashed a moment ago, or another run wrote its entry.
		 */
		if (pipe_lock_refresh(c->env.lock_path, &c->env.lock) < 0)
			return -1;
		stale = c->env.lock.gen == t->lock_gen ? 1 : decide(c, t);
		if (stale <= 0) {
			release_flock(t);
			if (stale < 0)
				return -1;
			t->state = ST_OK;
			i = (size_t)-1;
			continue;
		}
		/* a stage without outs runs for what it does: never restored */
		if (!t->forced && !c->o->no_cache && t->s->cache &&
		    !t->s->always && t->s->outs.nr) {
			rc = try_cache(c, t);
			if (rc < 0)
				return -1;
			if (rc) {
				hold_flock(c, t);
				if (flush_lock(c, 0) < 0)
					return -1;
				t->state = ST_OK;
				i = (size_t)-1;
				continue;
			}
		}
		if (ensure_run(c) < 0 || start_child(c, t) < 0 ||
		    launch(c, t, o) < 0)
			return -1;
		if (!c->o->quiet)
			printf("%s: running (%s)\n", t->s->name, t->why.buf);
		fflush(stdout);
		return 1;
	}
	return 0;
}

/* Why a finished attempt failed, or NULL when it did not. */
static char *attempt_failure(struct ctx *c, struct st *t, int rc,
			     const struct proc_result *res)
{
	size_t i;

	t->exit_status = proc_exit_code(res);
	if (rc < 0 && !res->started)
		return xstrfmt("could not start: %s", err_msg());
	if (res->timed_out) {
		char buf[MLTIME_BUFSZ];

		return xstrfmt("timed out after %s",
			       mltime_format_duration(t->s->timeout, buf));
	}
	if (res->signaled)
		return xstrfmt("killed by signal %d (%s)", res->signal,
			       strsignal(res->signal));
	if (res->status)
		return xstrfmt("failed with exit status %d", res->status);
	if (rc < 0)
		warning("stage '%s': %s", t->s->name, err_msg());
	for (i = 0; i < t->s->outs.nr; i++) {
		char *abs = pipe_abs(&c->env, t->s->outs.v[i].norm);
		struct stat sb;
		int there = stat(abs, &sb) == 0;

		free(abs);
		if (!there)
			return xstrfmt("declared output '%s' was not created",
				       t->s->outs.v[i].text);
		/* a FIFO would block the store; a device is no output */
		if (!S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
			return xstrfmt("declared output '%s' is neither a "
				       "file nor a directory",
				       t->s->outs.v[i].text);
	}
	return NULL;
}

static int stage_succeeded(struct ctx *c, struct st *t)
{
	struct strbuf ids = STRBUF_INIT;
	struct metric_list m = { 0 };
	struct run_stored log = { 0 };
	cJSON *entry = NULL;
	size_t i;
	int rc = -1;

	for (i = 0; i < t->s->metrics.nr; i++) {
		char *abs = pipe_abs(&c->env, t->s->metrics.v[i].norm);
		int r = read_metrics_file(abs, t->s->metrics.v[i].text, &m);

		free(abs);
		if (r < 0) {
			warning("stage '%s': %s", t->s->name, err_msg());
			err_clear();
		}
	}
	if ((t->s->cache && store_outs(c, t, &ids) < 0) ||
	    runs_artifact_store(c->env.r, t->log_path, &log) < 0)
		goto out;
	entry = pipe_entry_now(&c->env, t->s, 1, NULL);
	if (!entry)
		goto out;
	/* the feed's points first: then the files' are the latest */
	runfeed_flush(t->feed);
	if (log_metrics(c->env.db, t->child, &m) < 0 ||
	    log_metrics(c->env.db, c->exp_run, &m) < 0 ||
	    record_stage(c, t, "ran", entry, ids.buf, log.id, NULL, &log) < 0)
		goto out;
	pipe_lock_set(&c->env.lock, t->s->name, entry);
	c->nran++;
	rc = 0;
out:
	cJSON_Delete(entry);
	metric_list_release(&m);
	runs_stored_release(&log);
	strbuf_release(&ids);
	return rc;
}

static int stage_failed(struct ctx *c, struct st *t)
{
	struct run_stored log = { 0 };
	int rc;

	remove_outs(c, t->s);
	if (runs_artifact_store(c->env.r, t->log_path, &log) < 0)
		return -1;
	rc = record_stage(c, t, "failed", NULL, NULL, log.id, NULL, &log);
	runs_stored_release(&log);
	return rc;
}

/*
 * A failure stops the run: local stages that run are waited for, but
 * Slurm jobs are cancelled, by their watchers (SIGTERM to each one's
 * process group), which may still have jobs waiting in the queue.
 */
static void cancel_slurm(struct ctx *c)
{
	size_t i;

	for (i = 0; i < c->nsel; i++) {
		struct st *t = &c->v[c->sel[i]];
		char id[64];
		long pgid;

		if (t->slurm && t->state == ST_RUNNING &&
		    pipe_slurm_job(&c->slurm, c->run, t->s->name, id,
				   sizeof(id), &pgid) && pgid > 1)
			kill(-(pid_t)pgid, SIGTERM);
	}
}

static int task_done(int rc, const struct proc_opts *o,
		     const struct proc_result *res, void *data)
{
	struct ctx *c = data;
	struct st *t = o->data;
	char buf[MLTIME_BUFSZ];
	char *why;

	free((char *)o->cwd);
	give_back(c, t);
	t->res = *res;
	if (t->slurm) {
		long pgid;

		if (!pipe_slurm_job(&c->slurm, c->run, t->s->name, t->job_id,
				    sizeof(t->job_id), &pgid))
			*t->job_id = '\0';
	}
	/*
	 * Stopped by a signal: what the stage started in the background
	 * (a shell's `&` job ignores SIGINT) must not write on after we
	 * said the run was killed.  The stage had its own process group.
	 */
	if (res->started && res->pid > 0 && (res->got_signal || stop_signal))
		kill(-(pid_t)res->pid, SIGKILL);
	why = attempt_failure(c, t, rc, res);
	err_clear();
	if (why && t->attempts <= t->s->retries && !res->got_signal &&
	    !c->stopping) {
		t->state = ST_RETRY;
		t->retry_at = mltime_now() + t->s->retry_delay;
		free(t->last_failure);
		t->last_failure = xstrdup(why);
		if (!c->o->quiet)
			printf("%s: %s; retrying in %s (attempt %d of %d)\n",
			       t->s->name, why,
			       mltime_format_duration(t->s->retry_delay, buf),
			       t->attempts + 1, t->s->retries + 1);
		fflush(stdout);
		free(why);
		return 0;
	}
	if (!why && stage_succeeded(c, t) < 0) {
		/* its outs cannot be kept (a symlink in a directory out, a
		 * full disk): the stage failed, the run goes on as after any
		 * failure */
		why = xstrfmt("its outputs cannot be stored: %s", err_msg());
		err_clear();
	}
	if (!why) {
		t->state = ST_OK;
		if (!c->o->quiet)
			printf("%s: done in %s\n", t->s->name,
			       mltime_format_duration(
				       (int64_t)(res->wall_s * 1e6), buf));
		fflush(stdout);
	} else {
		t->failure = why;
		t->state = ST_FAILED;
		c->failed++;
		if (stage_failed(c, t) < 0)
			goto fail;
		if (!c->o->quiet)
			printf("%s: %s\n", t->s->name, why);
		fflush(stdout);
	}
	if (t->state == ST_OK) {
		hold_flock(c, t);
		if (flush_lock(c, 0) < 0)
			goto fail;
	} else {
		release_flock(t);
	}
	if (t->state == ST_FAILED && !c->o->keep_going) {
		c->stopping = 1;
		cancel_slurm(c);
		return PROC_STOP;
	}
	return 0;
fail:
	release_flock(t);
	if (t->state != ST_FAILED)
		t->state = ST_FAILED, t->failure = xstrdup(err_msg());
	c->stopping = 1;
	return -1;
}

/* ---- the whole ---------------------------------------------------------------- */

static void summary(struct ctx *c)
{
	size_t i, k;

	for (i = 0; i < c->nsel; i++) {
		struct st *t = &c->v[c->sel[i]];

		if (t->state != ST_FAILED)
			continue;
		fprintf(stderr, "pipe-run: %s: %s", t->s->name,
			t->failure ? t->failure : "failed");
		if (t->attempts > 1)
			fprintf(stderr, " (attempt %d of %d)", t->attempts,
				t->s->retries + 1);
		fputc('\n', stderr);
		if (t->ntail) {
			fprintf(stderr, "  last %zu line%s of its stderr:\n",
				t->ntail, t->ntail == 1 ? "" : "s");
			for (k = 0; k < t->ntail; k++)
				fprintf(stderr, "  | %s\n", t->tail[k]);
		}
		if (t->log_path)
			fprintf(stderr, "  full log: %s\n", t->log_path);
	}
	for (i = 0, k = 0; i < c->nsel; i++) {
		enum st_state s = c->v[c->sel[i]].state;

		k += s == ST_SKIPPED || s == ST_WAIT || s == ST_LOCKED;
	}
	if (k)
		fprintf(stderr, "pipe-run: %zu stage%s not run after the "
				"failure\n", k, k == 1 ? "" : "s");
}

/* End the pipeline run and its exp-log run. */
static int end_run(struct ctx *c, enum run_status st)
{
	sqlite3_stmt *s;
	struct event_detail d = EVENT_DETAIL_INIT;
	int rc = -1;

	if (!c->have_run)
		return 0;
	if (c->parent_feed)
		runfeed_flush(c->parent_feed);
	if (runs_begin(c->env.db, c->exp_run) < 0)
		return -1;
	s = db_prepare(c->env.db, "UPDATE pipe_runs SET status = ?, "
				  "end_time = ?, time = ? WHERE id = ?");
	if (!s)
		goto fail;
	db_bind_text(s, 1, runs_status_name(st));
	db_bind_int64(s, 2, mltime_now());
	db_bind_int64(s, 3, mltime_now());
	db_bind_text(s, 4, c->run);
	event_detail_str(&d, "status", runs_status_name(st));
	event_detail_int(&d, "ran", c->nran);
	event_detail_int(&d, "cached", c->ncached);
	event_detail_int(&d, "failed", c->failed);
	if (db_step(s) != SQLITE_DONE || runs_end(c->env.db, c->exp_run, st,
						  NULL) < 0 ||
	    events_add_detail(c->env.db, "pipe.end", c->run, &d) < 0 ||
	    db_commit(c->env.db) < 0)
		goto fail;
	rc = 0;
	goto out;
fail:
	db_rollback(c->env.db);
out:
	sqlite3_finalize(s);
	event_detail_release(&d);
	return rc;
}

static void ctx_release(struct ctx *c)
{
	size_t i, k;

	for (i = 0; c->v && i < c->env.p->nr_stages; i++) {
		struct st *t = &c->v[i];

		strbuf_release(&t->why);
		cJSON_Delete(t->now);
		runfeed_free(t->feed);
		free(t->log_path);
		if (t->log_fd >= 0)
			close(t->log_fd);
		tail_clear(t);
		free(t->script);
		pipe_slurm_argv_free(t->sargv);
		free_env(t->env);
		free(t->prefix);
		free(t->gpus);
		free(t->failure);
		free(t->last_failure);
		free(t->source);
		release_flock(t);
	}
	for (i = 0; i < c->nheld; i++)
		close(c->held[i]);
	free(c->held);
	free(c->v);
	free(c->sel);
	for (k = 0; k < (size_t)c->ngpus; k++)
		free(c->gpu_ids[k]);
	free(c->gpu_ids);
	free(c->gpu_busy);
	runfeed_free(c->parent_feed);
	runs_provenance_release(&c->prov);
	pipe_slurm_release(&c->slurm);
	free(c->run_dir);
	pipe_env_release(&c->env);
}

static int ctx_init(struct ctx *c, struct repo *r, sqlite3 *db,
		    struct pipeline *p, const char *const *targets,
		    size_t nr_targets)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	if (pipe_env_init(&c->env, r, db, p) < 0)
		return -1;
	c->v = xcalloc(p->nr_stages + 1, sizeof(*c->v));
	for (i = 0; i < p->nr_stages; i++) {
		c->v[i].c = c;
		c->v[i].s = &p->stages[i];
		c->v[i].lock_fd = -1;
		c->v[i].log_fd = -1;
		strbuf_init(&c->v[i].why, 0);
	}
	if (pipeline_select(p, targets, nr_targets, &c->sel, &c->nsel) < 0)
		return -1;
	for (i = 0; i < c->nsel; i++)
		c->v[c->sel[i]].state = ST_WAIT;
	return 0;
}

/* Is `a` the path `b`, or a directory holding it? */
static int holds(const char *a, const char *b)
{
	size_t n = strlen(a);

	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/' ||
				     (n && a[n - 1] == '/'));
}

/*
 * Outs are removed before their stage runs: none may be the project
 * directory or hold it, be the pipeline file or its lock, or touch the
 * repository.  Params must fit in an exp-log run.
 */
static int check_selected(struct pipe_env *e, const size_t *sel,
			  size_t nsel)
{
	const struct pipeline *p = e->p;
	size_t i, k;

	for (i = 0; i < p->nr_params; i++)
		if (strlen(p->params[i].value) > RUNS_PARAM_VALUE_MAX)
			return error_input("'%s' line %d: param '%s' is longer "
					   "than %d bytes (an exp-log param's "
					   "limit)", p->file,
					   p->params[i].line, p->params[i].name,
					   RUNS_PARAM_VALUE_MAX);
	for (i = 0; i < nsel; i++) {
		const struct stage *s = &p->stages[sel[i]];
		char *wdir = pipe_wdir(e, s);
		int made = fs_is_dir(wdir);
		size_t j;

		/* a wdir that is not there must come from a stage's out */
		for (j = 0; !made && j < p->nr_stages; j++)
			for (k = 0; !made && k < p->stages[j].outs.nr; k++) {
				char *o = pipe_abs(e,
						   p->stages[j].outs.v[k].norm);

				made = holds(o, wdir);
				free(o);
			}
		free(wdir);
		if (!made)
			return error_input("'%s' line %d: stage '%s': wdir '%s' "
					   "is not a directory", p->file,
					   s->lines[PIPELINE_KEY_WDIR] ?
						   s->lines[PIPELINE_KEY_WDIR] :
						   s->line,
					   s->name, s->wdir);
		for (k = 0; k < s->outs.nr; k++) {
			char *abs = pipe_abs(e, s->outs.v[k].norm);
			const char *what = NULL;

			if (holds(abs, e->root))
				what = "holds the pipeline's directory";
			else if (!strcmp(abs, e->file_abs) ||
				 !strcmp(abs, e->lock_path))
				what = "is the pipeline file or its lock";
			else if (holds(abs, e->r->dir) || holds(e->r->dir, abs))
				what = "is in the repository";
			free(abs);
			if (what)
				return error_input("'%s' line %d: stage '%s': "
						   "output '%s' %s",
						   p->file, s->outs.v[k].line,
						   s->name, s->outs.v[k].text,
						   what);
		}
	}
	return 0;
}

/* Is `t` one of the targets (all stages are when none is given)? */
static int is_target(const struct pipe_opts *o, const struct stage *s)
{
	size_t i;

	if (!o->nr_targets)
		return 1;
	for (i = 0; i < o->nr_targets; i++)
		if (!strcmp(o->targets[i], s->name) ||
		    (s->item && !strcmp(o->targets[i], s->base)))
			return 1;
	return 0;
}

/*
 * Staleness for status and --dry-run: a stage is stale for its own
 * reasons, or because a stage it needs is ("upstream stale: X").
 */
static int all_status(struct ctx *c, int force, int *nstale)
{
	size_t i, k;

	*nstale = 0;
	for (i = 0; i < c->nsel; i++) {
		struct st *t = &c->v[c->sel[i]];
		int stale = decide(c, t);

		if (stale < 0)
			return -1;
		if (!stale && force && is_target(c->o, t->s)) {
			strbuf_addstr(&t->why, "forced");
			stale = 1;
		}
		for (k = 0; k < t->s->nr_up; k++) {
			struct st *u = &c->v[t->s->up[k]];

			if (u->stale) {
				strbuf_addf(&t->why, "%supstream stale: %s",
					    t->why.len ? "; " : "",
					    u->s->name);
				stale = 1;
				break;
			}
		}
		t->stale = stale;
		*nstale += stale;
		cJSON_Delete(t->now); /* decided again before it runs */
		t->now = NULL;
	}
	return 0;
}

/*
 * Between two proc_run_parallel() calls (waiting for a retry or for
 * another pipe-run) a signal must not kill us half-way: it is noted, and
 * the run ends as killed.
 */
static void note_signal(int sig)
{
	stop_signal = sig;
}

static const int stop_signals[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1,
				    SIGUSR2 };
#define NSTOP (sizeof(stop_signals) / sizeof(stop_signals[0]))

static void catch_signals(struct sigaction *old)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = note_signal;
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	for (i = 0; i < NSTOP; i++) {
		sigaction(stop_signals[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(stop_signals[i], &sa, NULL);
	}
}

static void restore_signals(const struct sigaction *old)
{
	size_t i;

	for (i = 0; i < NSTOP; i++)
		sigaction(stop_signals[i], &old[i], NULL);
}

int pipe_run(struct repo *r, sqlite3 *db, struct pipeline *p,
	     const struct pipe_opts *o, int *exit_status)
{
	struct sigaction old_sa[NSTOP];
	struct ctx c;
	struct proc_par_opts po = PROC_PAR_OPTS_INIT;
	struct proc_par_result pr;
	enum run_status rs = RUN_FINISHED;
	int nstale, rc = -1, got_signal = 0, nslurm = 0;
	size_t i;

	*exit_status = 0;
	if (ctx_init(&c, r, db, p, o->targets, o->nr_targets) < 0)
		goto out;
	c.o = o;
	for (i = 0; i < c.nsel; i++) {
		struct st *t = &c.v[c.sel[i]];
		const char *ex = t->s->executor ? t->s->executor : o->executor;

		t->slurm = ex && !strcmp(ex, "slurm");
		nslurm += t->slurm;
	}
	if (nslurm && pipe_slurm_init(&c.slurm, &r->cfg, c.env.root) < 0)
		goto out;
	if (check_selected(&c.env, c.sel, c.nsel) < 0 || budgets(&c, r) < 0)
		goto out;
	c.o = o;
	c.env.build_stats = 1;
	if (all_status(&c, o->force, &nstale) < 0)
		goto out;
	c.env.build_stats = 0; /* stages run from here on */
	if (o->dry_run || !nstale) {
		for (i = 0; i < c.nsel; i++) {
			struct st *t = &c.v[c.sel[i]];

			if (t->stale)
				printf("would run %s: %s\n", t->s->name,
				       t->why.buf);
		}
		if (!nstale && !o->quiet)
			printf("everything is up to date\n");
		rc = pipe_hashes_save(db, &c.env.hashes);
		goto out;
	}
	/* run: states back to waiting, targets forced as asked */
	for (i = 0; i < c.nsel; i++) {
		struct st *t = &c.v[c.sel[i]];

		t->state = ST_WAIT;
		t->decided = 0;
		t->forced = o->force && is_target(o, t->s);
	}
	runs_provenance(&c.prov);
	catch_signals(old_sa);
	/* -j bounds the jobs queued at once: a cluster's, not our CPUs */
	po.jobs = o->jobs < 1 && nslurm ? 100 : o->jobs;
	po.next_task = next_task;
	po.task_done = task_done;
	po.data = &c;
	for (;;) {
		int64_t soonest = INT64_MAX;
		struct st *locked = NULL;

		if (stop_signal) {
			got_signal = stop_signal;
			break;
		}
		if (proc_run_parallel(&po, &pr) < 0)
			goto out_run;
		if (pr.got_signal || stop_signal) {
			got_signal = pr.got_signal ? pr.got_signal : stop_signal;
			break;
		}
		if (c.stopping)
			break;
		for (i = 0; i < c.nsel; i++) {
			struct st *t = &c.v[c.sel[i]];

			if (t->state == ST_RETRY && t->retry_at < soonest)
				soonest = t->retry_at;
			if (t->state == ST_LOCKED && !locked)
				locked = t;
		}
		if (soonest != INT64_MAX) {
			int64_t wait = soonest - mltime_now();

			if (wait > 0) {
				struct timespec ts = { wait / 1000000,
						       (wait % 1000000) * 1000 };

				while (nanosleep(&ts, &ts) < 0 && errno == EINTR &&
				       !stop_signal)
					;
			}
			continue;
		}
		if (locked) {
			char key[ODB_HEXSZ + 1];

			/* ours first: that pipe-run may be waiting for one */
			if (flush_lock(&c, 1) < 0)
				goto out_run;
			if (!o->quiet)
				printf("%s: running in another pipe-run; "
				       "waiting\n", locked->s->name);
			fflush(stdout);
			lock_key(&c, locked->s, key);
			do
				locked->lock_fd = pipe_flock(r, key, 2);
			while (locked->lock_fd == -3 && !stop_signal);
			if (locked->lock_fd == -3) {
				locked->lock_fd = -1;
				got_signal = stop_signal;
				break;
			}
			if (locked->lock_fd < 0) {
				locked->lock_fd = -1;
				goto out_run;
			}
			locked->state = ST_WAIT;
			continue;
		}
		break;
	}
	rc = 0;
	/* a stage waiting for a retry when the run stopped failed for good */
	for (i = 0; i < c.nsel; i++) {
		struct st *t = &c.v[c.sel[i]];

		if (t->state != ST_RETRY)
			continue;
		t->state = ST_FAILED;
		t->failure = xstrfmt("%s (no retry: the run stopped)",
				     t->last_failure ? t->last_failure
						     : "failed");
		c.failed++;
		if (stage_failed(&c, t) < 0 && rc == 0)
			rc = -1;
	}
	if (c.failed)
		summary(&c);
out_run:
	if (flush_lock(&c, 1) < 0 && rc == 0)
		rc = -1;
	if (got_signal)
		rs = RUN_KILLED;
	else if (c.failed || rc < 0)
		rs = RUN_FAILED;
	if (end_run(&c, rs) < 0 && rc == 0)
		rc = -1;
	/* a failed run's job files are kept for a look */
	if (nslurm && c.have_run && rs == RUN_FINISHED &&
	    pipe_slurm_clean(&c.slurm, c.run) < 0 && rc == 0)
		rc = -1;
	if (pipe_hashes_save(db, &c.env.hashes) < 0 && rc == 0)
		rc = -1;
	if (rc == 0 && !c.have_run && !o->quiet)
		printf("everything is up to date\n");
	if (got_signal)
		*exit_status = 128 + got_signal;
	else if (c.failed)
		*exit_status = 1;
	restore_signals(old_sa);
out:
	ctx_release(&c);
	return rc;
}

/* ---- status and checkout ------------------------------------------------------- */

int pipe_status(struct repo *r, sqlite3 *db, struct pipeline *p,
		const char *const *targets, size_t nr_targets,
		struct pipe_stage_status **out, size_t *nr)
{
	struct ctx c;
	struct pipe_opts o = { 0 };
	int nstale, rc = -1;
	size_t i;

	*out = NULL;
	*nr = 0;
	o.targets = targets;
	o.nr_targets = nr_targets;
	if (ctx_init(&c, r, db, p, targets, nr_targets) < 0)
		goto out;
	c.o = &o;
	c.env.build_stats = 1;
	if (all_status(&c, 0, &nstale) < 0)
		goto out;
	*out = xcalloc(c.nsel + 1, sizeof(**out));
	for (i = 0; i < c.nsel; i++) {
		struct st *t = &c.v[c.sel[i]];

		(*out)[i].stage = t->s->name;
		(*out)[i].stale = t->stale;
		(*out)[i].reasons = xcalloc(1, sizeof(struct strbuf));
		strbuf_init((*out)[i].reasons, 0);
		strbuf_addstr((*out)[i].reasons, t->why.len ? t->why.buf : "");
	}
	*nr = c.nsel;
	if (db_readonly(db) || pipe_hashes_save(db, &c.env.hashes) == 0)
		rc = 0;
out:
	ctx_release(&c);
	return rc;
}

void pipe_status_release(struct pipe_stage_status *s, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		strbuf_release(s[i].reasons);
		free(s[i].reasons);
	}
	free(s);
}

struct run_entries {
	cJSON *by_stage;
};

static int collect_entry(const struct pipe_stage_info *si, void *data)
{
	struct run_entries *re = data;
	cJSON *e;

	if (!si->entry || !strcmp(si->status, "failed"))
		return 0;
	e = cJSON_Parse(si->entry);
	if (!e)
		return 0;
	cJSON_DeleteItemFromObjectCaseSensitive(re->by_stage, si->stage);
	cJSON_AddItemToObject(re->by_stage, si->stage, e);
	return 0;
}

int pipe_checkout(struct repo *r, sqlite3 *db, struct pipeline *p,
		  const char *const *targets, size_t nr_targets,
		  const char *run, int quiet)
{
	struct pipe_env e;
	struct run_entries re = { NULL };
	size_t *sel = NULL, nsel, i;
	int rc = -1, done = 0;

	if (pipe_env_init(&e, r, db, p) < 0)
		return -1;
	if (pipeline_select(p, targets, nr_targets, &sel, &nsel) < 0 ||
	    check_selected(&e, sel, nsel) < 0)
		goto out;
	if (run) {
		struct pipe_run_info ri;

		if (pipe_run_get(db, run, &ri) < 0)
			goto out;
		re.by_stage = cJSON_CreateObject();
		rc = pipe_run_stages(db, ri.id, collect_entry, &re);
		pipe_run_info_release(&ri);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	for (i = 0; i < nsel; i++) {
		const struct stage *s = &p->stages[sel[i]];
		const cJSON *ent = run ? cJSON_GetObjectItemCaseSensitive(
						 re.by_stage, s->name) :
					 pipe_lock_get(&e.lock, s->name);

		if (!ent)
			continue;
		if (!outs_stored(r, s, ent)) {
			if (run || s->cache) {
				error("the outs of stage '%s' are not all in "
				      "the object store", s->name);
				goto out;
			}
			continue;
		}
		if (pipe_checkout_entry(&e, s, ent, quiet) < 0)
			goto out;
		if (run)
			pipe_lock_set(&e.lock, s->name, ent);
		done++;
	}
	if (!done && run) {
		error_input("pipeline run %s has no stage output to check out",
			    run);
		goto out;
	}
	if (pipe_lock_flush(r, p, e.lock_path, &e.lock) < 0)
		goto out;
	rc = pipe_hashes_save(db, &e.hashes);
out:
	cJSON_Delete(re.by_stage);
	free(sel);
	pipe_env_release(&e);
	return rc;
}
