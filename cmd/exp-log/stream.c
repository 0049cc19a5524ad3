/* stream.c - exp-log log: a stream of metrics, params and tags */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "exp-log.h"
#include "mltime.h"
#include "opt.h"
#include "progress.h"
#include "repo.h"
#include "runs.h"
#include "strbuf.h"
#include "tabout.h"

#define BATCH_LINES 20000
#define BATCH_MS 500

int xl_text_metrics(struct metric_writer *w, char *line)
{
	char *p = line, *tok;
	int has_step = 0, n = 0, i;
	int64_t step = 0, t = mltime_now();
	struct {
		char *key;
		double v;
	} items[64];

	/* first pass: split, find step= and time= */
	while (*p) {
		char *eq;

		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		if (*p)
			*p++ = '\0';
		eq = strchr(tok, '=');
		if (!eq || eq == tok)
			return error_input("expected KEY=VALUE, not '%s'", tok);
		*eq = '\0';
		if (!strcmp(tok, "step")) {
			if (runs_parse_step(eq + 1, &step) < 0) {
				return -1;
			}
			has_step = 1;
			continue;
		}
		if (!strcmp(tok, "time")) {
			if (mltime_parse(eq + 1, &t) < 0) {
				err_prefix("time: ");
				return -1;
			}
			continue;
		}
		if (n == 64)
			return error_input("more than 64 metrics on a line");
		if (runs_check_key("metric", tok) < 0) {
			return -1;
		}
		if (runs_parse_value(eq + 1, &items[n].v) < 0) {
			err_prefix("metric '%s': ", tok);
			return -1;
		}
		items[n++].key = tok;
	}
	for (i = 0; i < n; i++)
		if (metric_writer_add(w, items[i].key, items[i].v, has_step,
				      step, t) < 0)
			return -1;
	return n ? 0 : error_input("no KEY=VALUE on the line");
}

static cJSON *field(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* One JSON record: {"metric":K,"value":V[,"step":N][,"time":T]}, param, tag. */
static int json_record(sqlite3 *db, struct metric_writer *w, const char *run,
		       const char *line, uint64_t *params,
		       uint64_t *tags)
{
	cJSON *o = cJSON_ParseWithOpts(line, NULL, 1), *k, *v;
	int rc = -1;

	if (!cJSON_IsObject(o)) {
		error_input("not a JSON object");
		goto out;
	}
	v = field(o, "value");
	if ((k = field(o, "metric"))) {
		cJSON *s = field(o, "step");
		cJSON *t = field(o, "time");
		int64_t when = mltime_now(), step = 0;
		double val;

		if (!cJSON_IsString(k)) {
			error_input("\"metric\" must be a string");
			goto out;
		}
		if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
			val = v->valuedouble;
		} else if (cJSON_IsString(v)) {
			if (runs_parse_value(v->valuestring, &val) < 0) {
				err_prefix("metric '%s': ", k->valuestring);
				goto out;
			}
		} else {
			error_input("metric '%s' needs a number \"value\" "
				    "(or \"NaN\", \"Infinity\" as strings)", k->valuestring);
			goto out;
		}
		if (s && !cJSON_IsNull(s)) {
			double d = cJSON_IsNumber(s) ? s->valuedouble : 0.5;

			if (d != floor(d) || d > (double)RUNS_STEP_MAX ||
			    d < -(double)RUNS_STEP_MAX) {
				error_input("\"step\" must be an integer "
					    "within 2^53");
				goto out;
			}
			step = (int64_t)d;
		}
		if (t && !cJSON_IsNull(t)) {
			if (cJSON_IsString(t)) {
				if (mltime_parse(t->valuestring, &when) < 0) {
					err_prefix("time: ");
					goto out;
				}
			} else if (cJSON_IsNumber(t) &&
				   t->valuedouble * 1e6 >= (double)MLTIME_MIN &&
				   t->valuedouble * 1e6 <= (double)MLTIME_MAX) {
				when = (int64_t)(t->valuedouble * 1e6);
			} else {
				error_input("\"time\" must be a time or "
					    "seconds since the epoch in years "
					    "1-9999");
				goto out;
			}
		}
		if (metric_writer_add(w, k->valuestring, val,
				      s && !cJSON_IsNull(s), step, when) < 0) {
			goto out;
		}
	} else if ((k = field(o, "param")) || (k = field(o, "tag"))) {
		int is_param = !strcmp(k->string, "param");
		char *text;

		if (!cJSON_IsString(k) || !v || cJSON_IsNull(v) ||
		    cJSON_IsObject(v) || cJSON_IsArray(v)) {
			error_input("a %s needs a string \"%s\" and a "
				    "\"value\"", k->string, k->string);
			goto out;
		}
		text = cJSON_IsString(v) ? xstrdup(v->valuestring)
					 : cJSON_PrintUnformatted(v);
		rc = is_param ? runs_param(db, run, k->valuestring, text)
			      : runs_tag(db, run, k->valuestring, text);
		free(text);
		if (rc < 0) {
			goto out;
		}
		rc = -1;
		(*(is_param ? params : tags))++;
	} else {
		error_input("expected \"metric\", \"param\" or \"tag\"");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

/*
 * A line reader on a descriptor that can tell whether more input is
 * waiting, so that a live stream is committed whenever it goes quiet.
 */
struct lines {
	int fd;
	char *buf;
	size_t start, len, cap;
	int eof;
};

/* Is there nothing to read right now? */
static int lines_idle(struct lines *l)
{
	struct pollfd p = { l->fd, POLLIN, 0 };

	if (!l->buf)
		return poll(&p, 1, 0) == 0;
	return !memchr(l->buf + l->start, '\n', l->len - l->start) &&
	       poll(&p, 1, 0) == 0;
}

/*
 * The next line (its newline replaced by NUL) in *line, length in *n:
 * 1 a line, 0 end of input, -1 a read error (errno set).
 */
static int lines_next(struct lines *l, char **line, size_t *n)
{
	if (!l->buf) {
		l->cap = 1 << 20;
		l->buf = xmalloc(l->cap);
	}
	for (;;) {
		char *nl = memchr(l->buf + l->start, '\n', l->len - l->start);
		ssize_t r;

		if (nl) {
			*line = l->buf + l->start;
			*n = nl - *line;
			*nl = '\0';
			l->start = nl + 1 - l->buf;
			return 1;
		}
		if (l->eof) {
			if (l->start == l->len)
				return 0;
			/* a last line without a newline */
			if (l->len == l->cap)
				l->buf = xrealloc(l->buf, ++l->cap);
			*line = l->buf + l->start;
			*n = l->len - l->start;
			l->buf[l->len] = '\0';
			l->start = l->len;
			return 1;
		}
		if (l->start) {
			memmove(l->buf, l->buf + l->start, l->len - l->start);
			l->len -= l->start;
			l->start = 0;
		}
		if (l->cap - l->len < 65536) {
			l->cap = l->cap ? l->cap * 2 : 1 << 20;
			l->buf = xrealloc(l->buf, l->cap);
		}
		r = read(l->fd, l->buf + l->len, l->cap - l->len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!r)
			l->eof = 1;
		l->len += r;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *const usage_log[] = {
	"exp-log log [-r RUN] [FILE|-]", NULL
};

int cmd_log(int argc, char **argv)
{
	const char *run = NULL, *file = "-";
	char id[RUN_ID_HEX + 1];
	struct repo *r = NULL;
	sqlite3 *db = NULL;
	struct metric_writer *w = NULL;
	struct lines in = { 0, NULL, 0, 0, 0, 0 };
	char *line;
	size_t len;
	int got;
	int64_t lineno = 0, batch = 0, last = 0;
	uint64_t params = 0, tags = 0, done = 0;
	struct progress *bar = NULL;
	int status = 0, whole, in_tx = 0;
	struct stat st;
	const char *shown;
	struct option opts[] = {
		OPT_RUN(&run),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_log, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 2)
		return opt_usage_error(usage_log, "give one FILE or -");
	if (argc == 2)
		file = argv[1];
	if (strcmp(file, "-")) {
		in.fd = open(file, O_RDONLY | O_CLOEXEC);
		if (in.fd < 0) {
			error_input("cannot open '%s': %s", file,
				    strerror(errno));
			return err_report();
		}
	}
	shown = strcmp(file, "-") ? file : "<stdin>";
	/* a file goes in whole or not at all; a live stream in batches */
	whole = fstat(in.fd, &st) == 0 && S_ISREG(st.st_mode);
	if (fstat(in.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		error_input("'%s' is a directory", shown);
		status = err_report();
		goto out_close;
	}
	if (xl_open(&r, &db, &status) < 0)
		goto out_close;
	if (xl_run(db, run, id) < 0)
		goto fail;
	w = metric_writer_new(db, id);
	last = now_ms();
	/* a bar for a big file, on a terminal only, after a second */
	if (whole)
		bar = progress_start_bytes("logging", st.st_size);
	for (;;) {
		char *p;

		/* a live stream is committed when it goes quiet, or often */
		if (!whole && in_tx &&
		    (batch >= BATCH_LINES || now_ms() - last >= BATCH_MS ||
		     lines_idle(&in))) {
			if (metric_writer_flush(w) < 0)
				goto fail_tx;
			if (db_commit(db) < 0)
				goto fail;
			in_tx = 0;
			batch = 0;
			last = now_ms();
		}
		got = lines_next(&in, &line, &len);
		if (got <= 0)
			break;
		done += len + 1;
		if (bar && !(lineno & 4095))
			progress_update(bar, done);
		p = line;
		lineno++;
		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (strlen(line) != len) {
			error_input("'%s' line %lld: a NUL byte in the line",
				    shown, (long long)lineno);
			goto fail_tx;
		}
		if (!*p || *p == '#')
			continue;
		if (!in_tx) {
			if (xl_begin(db, id) < 0)
				goto fail;
			in_tx = 1;
		}
		/* the position is added only to a message, off the hot path */
		if (*p == '{' ? json_record(db, w, id, p, &params, &tags) < 0
			      : xl_text_metrics(w, p) < 0) {
			err_prefix("'%s' line %lld: ", shown, (long long)lineno);
			goto fail_tx;
		}
		batch++;
	}
	if (got < 0) {
		error("cannot read '%s': %s", shown, strerror(errno));
		goto fail_tx;
	}
	if (!in_tx) {
		if (xl_begin(db, id) < 0)
			goto fail;
		in_tx = 1;
	}
	if (metric_writer_flush(w) < 0)
		goto fail_tx;
	{
		char detail[160];

		snprintf(detail, sizeof(detail),
			 "{\"lines\":%lld,\"metrics\":%llu,\"params\":%llu,"
			 "\"tags\":%llu}",
			 (long long)lineno,
			 (unsigned long long)metric_writer_count(w),
			 (unsigned long long)params, (unsigned long long)tags);
		if (xl_event(db, "run.log", id, detail) < 0)
			goto fail_tx;
	}
	if (db_commit(db) < 0)
		goto fail;
	goto out;
fail_tx:
	if (in_tx)
		db_rollback(db);
fail:
	status = err_report();
out:
	progress_stop(bar);
	metric_writer_free(w);
	repo_close(r);
out_close:
	if (in.fd > 0)
		close(in.fd);
	free(in.buf);
	return status;
}
