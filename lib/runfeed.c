/* runfeed.c - see runfeed.h */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "mltime.h"
#include "num.h"
#include "progress.h"
#include "runfeed.h"
#include "runs.h"
#include "strbuf.h"

#define MAX_POINTS_A_LINE 64

struct runfeed {
	sqlite3 *db;
	char run[RUN_ID_HEX + 1];
	struct metric_writer *w;
	const char *source;
	struct runfeed_counts n;
};

struct runfeed *runfeed_new(sqlite3 *db, const char *run)
{
	struct runfeed *f = xcalloc(1, sizeof(*f));

	f->db = db;
	snprintf(f->run, sizeof(f->run), "%s", run);
	f->w = metric_writer_new(db, run);
	f->source = "stdout";
	return f;
}

void runfeed_free(struct runfeed *f)
{
	if (!f)
		return;
	metric_writer_free(f->w);
	free(f);
}

void runfeed_set_source(struct runfeed *f, const char *source)
{
	f->source = source;
}

int runfeed_flush(struct runfeed *f)
{
	return metric_writer_flush(f->w);
}

void runfeed_discard(struct runfeed *f)
{
	metric_writer_discard(f->w);
}

uint64_t runfeed_points(const struct runfeed *f)
{
	return metric_writer_count(f->w);
}

const struct runfeed_counts *runfeed_counts(const struct runfeed *f)
{
	return &f->n;
}

/* "loss=0.3 acc=0.9 step=3 time=..." */
static int text_metrics(struct runfeed *f, char *line)
{
	char *p = line, *tok;
	int has_step = 0, has_time = 0, n = 0, i;
	int64_t step = 0, t = mltime_now();
	struct {
		char *key;
		double v;
	} items[MAX_POINTS_A_LINE];

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
			if (has_step)
				return error_input("step= given twice");
			if (runs_parse_step(eq + 1, &step) < 0)
				return -1;
			has_step = 1;
			continue;
		}
		if (!strcmp(tok, "time")) {
			if (has_time++)
				return error_input("time= given twice");
			if (mltime_parse(eq + 1, &t) < 0) {
				err_prefix("time: ");
				return -1;
			}
			continue;
		}
		if (n == MAX_POINTS_A_LINE)
			return error_input("more than %d metrics on a line",
					   MAX_POINTS_A_LINE);
		if (runs_check_key("metric", tok) < 0)
			return -1;
		if (runs_parse_value(eq + 1, &items[n].v) < 0) {
			err_prefix("metric '%s': ", tok);
			return -1;
		}
		items[n++].key = tok;
	}
	for (i = 0; i < n; i++)
		if (metric_writer_add(f->w, items[i].key, items[i].v, has_step,
				      step, t) < 0)
			return -1;
	return n ? 0 : error_input("no KEY=VALUE on the line");
}

/* "::param lr = 0.1" means lr=0.1: a param or tag, trimmed. */
static int text_kv(struct runfeed *f, int is_param, char *text)
{
	char *k, *v, *vv;
	size_t n, kn;
	int rc;

	while (*text == ' ')
		text++;
	if (runs_split_kv(is_param ? "param" : "tag", text, &k, &v) < 0)
		return -1;
	n = strlen(v);
	kn = strlen(k);
	while (kn && k[kn - 1] == ' ')
		k[--kn] = '\0';
	for (vv = v; *vv == ' '; vv++)
		n--;
	while (n && (vv[n - 1] == ' ' || vv[n - 1] == '\r'))
		n--;
	vv[n] = '\0';
	rc = is_param ? runs_param(f->db, f->run, k, vv)
		      : runs_tag(f->db, f->run, k, vv);
	free(k);
	free(v);
	if (rc == 0)
		(*(is_param ? &f->n.params : &f->n.tags))++;
	return rc;
}

enum kind { NOT_PROTOCOL, METRIC, PARAM, TAG };

/* Which protocol line `line` is, and where its text starts. */
static enum kind protocol_kind(char *line, char **rest)
{
	if (line[0] != ':' || line[1] != ':')
		return NOT_PROTOCOL;
	if (!strncmp(line, "::metric ", 9)) {
		*rest = line + 9;
		return METRIC;
	}
	if (!strncmp(line, "::param ", 8)) {
		*rest = line + 8;
		return PARAM;
	}
	if (!strncmp(line, "::tag ", 6)) {
		*rest = line + 6;
		return TAG;
	}
	return NOT_PROTOCOL;
}

/* Skip a JSON string at p ('"' ... '"'); the byte after it, or NULL. */
static const char *skip_string(const char *p)
{
	for (p++; *p && *p != '"'; p++)
		if (*p == '\\' && p[1])
			p++;
	return *p ? p + 1 : NULL;
}

/*
 * The text of the top-level member "value" of the JSON object `line`
 * when it is a number, as written (cJSON keeps only a double, and a param
 * logged as 9007199254740993 or 1.10 must keep its digits); NULL when it
 * is not a number.  The line has been parsed by cJSON already, so it is
 * well-formed.
 */
static char *raw_number_value(const char *line)
{
	const char *p = line;
	int depth = 0;

	for (; *p; p++) {
		if (*p == '"') {
			const char *k = p, *e = skip_string(p);

			if (!e)
				return NULL;
			p = e;
			while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
				p++;
			if (depth == 1 && *p == ':' && e - k == 7 &&
			    !strncmp(k, "\"value\"", 7)) {
				size_t n;

				for (p++; *p == ' ' || *p == '\t'; p++)
					;
				n = num_json_len(p, strlen(p));
				return n ? xstrndup(p, n) : NULL;
			}
			p--;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		}
	}
	return NULL;
}

static cJSON *field(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* One JSON record: {"metric":K,"value":V[,"step":N][,"time":T]}, param, tag. */
static int json_record(struct runfeed *f, const char *line)
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
				    "(or \"NaN\", \"Infinity\" as strings)",
				    k->valuestring);
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
		if (metric_writer_add(f->w, k->valuestring, val,
				      s && !cJSON_IsNull(s), step, when) < 0)
			goto out;
	} else if ((k = field(o, "param")) || (k = field(o, "tag"))) {
		int is_param = !strcmp(k->string, "param");
		char *text;
		int r;

		if (!cJSON_IsString(k) || !v || cJSON_IsNull(v) ||
		    cJSON_IsObject(v) || cJSON_IsArray(v)) {
			error_input("a %s needs a string \"%s\" and a "
				    "\"value\"", k->string, k->string);
			goto out;
		}
		text = cJSON_IsString(v) ? xstrdup(v->valuestring)
		       : cJSON_IsNumber(v) ? raw_number_value(line)
					   : NULL;
		if (!text)
			text = cJSON_PrintUnformatted(v);
		r = is_param ? runs_param(f->db, f->run, k->valuestring, text)
			     : runs_tag(f->db, f->run, k->valuestring, text);
		free(text);
		if (r < 0)
			goto out;
		(*(is_param ? &f->n.params : &f->n.tags))++;
	} else {
		error_input("expected \"metric\", \"param\" or \"tag\"");
		goto out;
	}
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int runfeed_line(struct runfeed *f, char *line)
{
	char *rest;

	if (*line == '{')
		return json_record(f, line);
	switch (protocol_kind(line, &rest)) {
	case METRIC:
		return text_metrics(f, rest);
	case PARAM:
		return text_kv(f, 1, rest);
	case TAG:
		return text_kv(f, 0, rest);
	default:
		return text_metrics(f, line);
	}
}

int runfeed_output_line(const char *line, size_t len, void *data)
{
	struct runfeed *f = data;
	enum kind kind;
	char *copy, *rest;
	int rc = -1;

	f->n.lines++;
	if (len < 3 || line[0] != ':' || line[1] != ':')
		return 0;
	copy = xstrndup(line, len);
	kind = protocol_kind(copy, &rest);
	if (kind == NOT_PROTOCOL) {
		free(copy);
		return 0;
	}
	if (runs_begin(f->db, f->run) < 0)
		goto out;
	rc = kind == METRIC ? text_metrics(f, rest)
			    : text_kv(f, kind == PARAM, rest);
	if (rc == 0 && kind == METRIC)
		rc = metric_writer_flush(f->w);
	if (rc == 0)
		rc = db_commit(f->db);
	else
		db_rollback(f->db);
	if (rc < 0)
		metric_writer_discard(f->w);
out:
	free(copy);
	if (rc < 0) {
		/* a bad line is reported, and the run goes on */
		f->n.rejected++;
		warning("%s line %llu: %s", f->source,
			(unsigned long long)f->n.lines, err_msg());
		err_clear();
		return 0;
	}
	f->n.recorded++;
	return 0;
}

/* ---- exp-log log: reading a file or a stream -------------------------- */

#define BATCH_LINES 20000
#define BATCH_MS 500

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
	/*
	 * No whole line buffered: the next read may block, even with bytes
	 * waiting (half a line), and the write lock must not be held while
	 * it does.
	 */
	return !l->buf || !memchr(l->buf + l->start, '\n', l->len - l->start);
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

int runfeed_read(struct runfeed *f, int fd, const char *name, int64_t size,
		 unsigned flags)
{
	struct lines in = { fd, NULL, 0, 0, 0, 0 };
	struct progress *bar = NULL;
	struct event_detail d = EVENT_DETAIL_INIT;
	int64_t lineno = 0, batch = 0, last = now_ms();
	uint64_t done = 0;
	int whole = size >= 0, in_tx = 0, got, rc = -1;
	size_t len;
	char *line, *rest;

	/* a bar for a big file, on a terminal only, after a second */
	if (whole)
		bar = progress_start_bytes("logging", size);
	for (;;) {
		char *p;

		/* a live stream is committed when it goes quiet, or often */
		if (!whole && in_tx &&
		    (batch >= BATCH_LINES || now_ms() - last >= BATCH_MS ||
		     lines_idle(&in))) {
			if (metric_writer_flush(f->w) < 0)
				goto fail_tx;
			if (db_commit(f->db) < 0)
				goto out;
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
				    name, (long long)lineno);
			goto fail_tx;
		}
		if (!*p || *p == '#')
			continue;
		for (;;) {
			char *cr = NULL;

			/* a saved output: a lone \r ends a line too, as in
			 * live output, so a protocol line printed after a
			 * progress bar is seen */
			if (flags & RUNFEED_PROTOCOL_ONLY) {
				cr = strchr(p, '\r');
				if (cr)
					*cr = '\0';
				if (protocol_kind(p, &rest) == NOT_PROTOCOL)
					goto next;
			}
			if (!in_tx) {
				if (runs_begin(f->db, f->run) < 0)
					goto out;
				in_tx = 1;
			}
			/* the position goes only into a message, off the
			 * hot path */
			if (runfeed_line(f, p) < 0) {
				err_prefix("'%s' line %lld: ", name,
					   (long long)lineno);
				goto fail_tx;
			}
			batch++;
next:
			if (!cr)
				break;
			for (p = cr + 1; *p == ' ' || *p == '\t'; p++)
				;
		}
	}
	if (got < 0) {
		error("cannot read '%s': %s", name, strerror(errno));
		goto fail_tx;
	}
	if (!in_tx) {
		if (runs_begin(f->db, f->run) < 0)
			goto out;
		in_tx = 1;
	}
	if (metric_writer_flush(f->w) < 0)
		goto fail_tx;
	event_detail_int(&d, "lines", lineno);
	event_detail_int(&d, "metrics", (int64_t)metric_writer_count(f->w));
	event_detail_int(&d, "params", (int64_t)f->n.params);
	event_detail_int(&d, "tags", (int64_t)f->n.tags);
	if (events_add_detail(f->db, "run.log", f->run, &d) < 0)
		goto fail_tx;
	in_tx = 0;
	if (db_commit(f->db) < 0)
		goto out;
	rc = 0;
	goto out;
fail_tx:
	if (in_tx)
		db_rollback(f->db);
	metric_writer_discard(f->w);
out:
	event_detail_release(&d);
	progress_stop(bar);
	free(in.buf);
	return rc;
}
