/*
 * tablewrite.c - the table writer and its encoders (see table.h)
 *
 * Output is built in one strbuf and handed to write(2) once it holds
 * FLUSH_AT bytes, at the end of a row.  Fields are scanned once with a
 * 256-byte table of the bytes that need care (for CSV: the delimiter,
 * '"', CR and LF; for TSV: tab, LF, CR and '\\'; for JSON: '"', '\\',
 * control characters and bytes of 0x80 and up); runs of other bytes are
 * copied with one memcpy, and numbers are formatted by num.c, not printf.
 * Writing 2e6 rows of an int, a short string, a float with few digits,
 * a timestamp and a sometimes missing string to a file takes about
 * 200 ns a row in CSV and TSV and 250 ns in JSON Lines (-O2, on the
 * 2-core build machine): some 5 million rows a second.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "mltime.h"
#include "num.h"
#include "strbuf.h"
#include "table.h"

#define FLUSH_AT ((size_t)64 << 10)

struct table_writer {
	int fd;
	char *name;		/* for messages: "standard output", "'x.csv'" */
	enum table_format fmt;
	unsigned char delim;
	int ncols;
	enum table_type *types;
	/* JSON Lines: column i's key, `"name":`, at keys.buf + koff[i] */
	struct strbuf keys;
	size_t *koff;
	unsigned char csv_special[256];

	struct strbuf out;
	size_t row_start;	/* where the current row starts in `out` */
	int col;		/* cells given in the current row */
	int64_t rows;
	char *fail_msg;		/* set after a write error */
};

/* ---- encoders ---- */

/* Bytes that need care: 1 in TSV, 2 in JSON (3: both). */
static const unsigned char special[256] = {
	/* control characters are JSON escapes; tab, LF, CR TSV ones too */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 2, 2, 3, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	0, 0, 2, /* '"' */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, /* '\\' */ 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x80 and up: checked as UTF-8 in JSON */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
#define TSV_SPECIAL 1
#define JSON_SPECIAL 2

void table_put_tsv(struct strbuf *sb, const char *s, size_t len)
{
	const char *e = s + len;

	strbuf_grow(sb, len);
	while (s < e) {
		const char *q = s;
		char c;

		while (q < e && !(special[(unsigned char)*q] & TSV_SPECIAL))
			q++;
		strbuf_add(sb, s, q - s);
		if (q == e)
			break;
		switch (*q) {
		case '\t': c = 't'; break;
		case '\n': c = 'n'; break;
		case '\r': c = 'r'; break;
		default: c = '\\'; break;
		}
		strbuf_addch(sb, '\\');
		strbuf_addch(sb, c);
		s = q + 1;
	}
}

void table_put_json_str(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	strbuf_grow(sb, len + 2);
	strbuf_addch(sb, '"');
	while (p < e) {
		const unsigned char *q = p;
		char esc[6];

		while (q < e && !(special[*q] & JSON_SPECIAL))
			q++;
		strbuf_add(sb, p, q - p);
		if (q == e)
			break;
		if (*q >= 0x80) {
			size_t n = strbuf_utf8_len(q, e);

			if (n)
				strbuf_add(sb, q, n);
			else
				strbuf_add(sb, "\xef\xbf\xbd", 3);
			p = q + (n ? n : 1);
			continue;
		}
		esc[0] = '\\';
		switch (*q) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*q >> 4];
			esc[5] = hex[*q & 15];
			strbuf_add(sb, esc, 6);
			p = q + 1;
			continue;
		}
		strbuf_add(sb, esc, 2);
		p = q + 1;
	}
	strbuf_addch(sb, '"');
}

static int json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Append the JSON object or array at [s, s+len), white space around it
 * dropped, or return -1 (appending nothing) if the text is not one.
 * cJSON checks the syntax; it is more lenient than RFC 8259 in places
 * (control characters inside strings, any byte up to ' ' as white
 * space), so the text is written again strictly: control characters
 * inside strings escaped, outside them turned into spaces (which also
 * keeps the record on one line), and bytes that are not valid UTF-8 as
 * U+FFFD.
 */
static int put_json_container(struct strbuf *sb, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const char *e = s + len, *end = NULL;
	char *tmp;
	cJSON *item;
	size_t n, i;
	int in_str = 0;

	while (s < e && json_ws(*s))
		s++;
	while (e > s && json_ws(e[-1]))
		e--;
	if (s == e || (*s != '{' && *s != '['))
		return -1;
	n = e - s;
	tmp = xmalloc(n + 1);	/* cJSON is given a terminated copy */
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	item = cJSON_ParseWithLengthOpts(tmp, n, &end, 0);
	cJSON_Delete(item);
	if (!item || end != tmp + n) {
		free(tmp);
		return -1;
	}
	strbuf_grow(sb, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)tmp[i];

		if (!in_str) {
			if (c == '"')
				in_str = 1;
			strbuf_addch(sb, c < 0x20 ? ' ' : c);
		} else if (c == '\\' && i + 1 < n) {
			/* cJSON refused any escape but \" \\ \/ \b \f \n \r \t \u */
			strbuf_add(sb, tmp + i, 2);
			i++;
		} else if (c == '"') {
			in_str = 0;
			strbuf_addch(sb, c);
		} else if (c < 0x20) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4],
					hex[c & 15] };

			strbuf_add(sb, esc, 6);
		} else if (c >= 0x80) {
			size_t k = strbuf_utf8_len((unsigned char *)tmp + i,
					    (unsigned char *)tmp + n);

			if (k) {
				strbuf_add(sb, tmp + i, k);
				i += k - 1;
			} else {
				strbuf_add(sb, "\xef\xbf\xbd", 3);
			}
		} else {
			strbuf_addch(sb, c);
		}
	}
	free(tmp);
	return 0;
}

void table_put_json(struct strbuf *sb, const char *s, size_t len,
		    enum table_type type)
{
	int bare = 0;

	if (!s) {
		strbuf_add(sb, "null", 4);
		return;
	}
	switch (type) {
	case TABLE_INT:
	case TABLE_FLOAT:
		bare = len && num_json_len(s, len) == len;
		break;
	case TABLE_BOOL:
		bare = (len == 4 && !memcmp(s, "true", 4)) ||
		       (len == 5 && !memcmp(s, "false", 5));
		break;
	case TABLE_JSON:
		bare = (len && num_json_len(s, len) == len) ||
		       (len == 4 && !memcmp(s, "true", 4)) ||
		       (len == 5 && !memcmp(s, "false", 5));
		if (!bare && put_json_container(sb, s, len) == 0)
			return;
		break;
	default:
		break;
	}
	if (bare)
		strbuf_add(sb, s, len);
	else
		table_put_json_str(sb, s, len);
}

/* ---- the writer ---- */

static void put_csv(struct table_writer *w, const char *s, size_t len,
		    int force)
{
	struct strbuf *out = &w->out;
	size_t i, q = 0;
	char *d;

	if (!force && len && s[0] != ' ' && s[0] != '\t' &&
	    s[len - 1] != ' ' && s[len - 1] != '\t') {
		for (i = 0; i < len; i++)
			if (w->csv_special[(unsigned char)s[i]])
				break;
		if (i == len) {
			strbuf_add(out, s, len);
			return;
		}
	}
	for (i = 0; i < len; i++)
		q += s[i] == '"';
	strbuf_grow(out, len + q + 2);
	d = out->buf + out->len;
	*d++ = '"';
	for (i = 0; i < len; i++) {
		*d++ = s[i];
		if (s[i] == '"')
			*d++ = '"';
	}
	*d++ = '"';
	strbuf_setlen(out, d - out->buf);
}

/* Start the next cell: its column, or -1 past the last one. */
static inline int cell_begin(struct table_writer *w)
{
	int c = w->col++;

	if (c >= w->ncols)
		return -1;
	if (w->fmt == TABLE_JSONL) {
		strbuf_addch(&w->out, c ? ',' : '{');
		strbuf_add(&w->out, w->keys.buf + w->koff[c],
			   w->koff[c + 1] - w->koff[c]);
	} else if (c) {
		strbuf_addch(&w->out, w->delim);
	}
	return c;
}

void table_writer_text(struct table_writer *w, const char *s, size_t len)
{
	int c = cell_begin(w);

	if (c < 0)
		return;
	switch (w->fmt) {
	case TABLE_CSV:
		if (s)
			put_csv(w, s, len, 0);
		break;
	case TABLE_TSV:
		if (s)
			table_put_tsv(&w->out, s, len);
		else
			strbuf_add(&w->out, "\\N", 2);
		break;
	default:
		table_put_json(&w->out, s, len, w->types[c]);
		break;
	}
}

void table_writer_null(struct table_writer *w)
{
	table_writer_text(w, NULL, 0);
}

/* A cell of text that needs no escape but, in CSV, a delimiter's quotes. */
static void put_plain(struct table_writer *w, const char *s, int json_quote)
{
	size_t len = strlen(s);

	if (cell_begin(w) < 0)
		return;
	if (w->fmt == TABLE_CSV) {
		put_csv(w, s, len, 0);
	} else if (w->fmt == TABLE_JSONL && json_quote) {
		strbuf_addch(&w->out, '"');
		strbuf_add(&w->out, s, len);
		strbuf_addch(&w->out, '"');
	} else {
		strbuf_add(&w->out, s, len);
	}
}

void table_writer_int(struct table_writer *w, int64_t v)
{
	char buf[NUM_BUFSZ];

	put_plain(w, num_format_int(v, buf), 0);
}

void table_writer_float(struct table_writer *w, double v)
{
	char buf[NUM_BUFSZ];

	if (w->fmt == TABLE_JSONL && !isfinite(v))
		put_plain(w, isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity",
			  1);
	else
		put_plain(w, num_format_exact(v, buf), 0);
}

void table_writer_bool(struct table_writer *w, int v)
{
	put_plain(w, v ? "true" : "false", 0);
}

void table_writer_time(struct table_writer *w, int64_t us)
{
	char buf[MLTIME_BUFSZ];

	put_plain(w, mltime_format(us, buf), 1);
}

/* Repeat the error that stopped the writer. */
static int failed(const struct table_writer *w)
{
	return error("%s", w->fail_msg);
}

static int flush_out(struct table_writer *w)
{
	const char *p = w->out.buf;
	size_t n = w->out.len;

	if (w->fail_msg)
		return failed(w);
	while (n) {
		ssize_t k = write(w->fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			error("cannot write to %s: %s", w->name,
			      k < 0 ? strerror(errno) : "nothing written");
			w->fail_msg = xstrdup(err_msg());
			strbuf_reset(&w->out);
			w->row_start = 0;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	strbuf_reset(&w->out);
	w->row_start = 0;
	return 0;
}

int table_writer_end_row(struct table_writer *w)
{
	int got = w->col, bad = got != w->ncols;

	while (w->col < w->ncols)
		table_writer_null(w);
	strbuf_add(&w->out, w->fmt == TABLE_JSONL ? "}\n" : "\n",
		   w->fmt == TABLE_JSONL ? 2 : 1);
	w->col = 0;
	w->rows++;
	if (w->fail_msg) {
		strbuf_reset(&w->out);
		w->row_start = 0;
		return failed(w);
	}
	if (w->out.len >= FLUSH_AT && flush_out(w) < 0)
		return -1;
	w->row_start = w->out.len;
	if (bad)
		return error("table writer: a row of %d cell%s for %d column%s",
			     got, got == 1 ? "" : "s", w->ncols,
			     w->ncols == 1 ? "" : "s");
	return 0;
}

void table_writer_cancel_row(struct table_writer *w)
{
	strbuf_setlen(&w->out, w->row_start);
	w->col = 0;
}

int table_writer_row(struct table_writer *w, const char *const *cells,
		     const size_t *lens)
{
	int i;

	for (i = 0; i < w->ncols; i++)
		table_writer_text(w, cells[i],
				  !cells[i] ? 0 : lens ? lens[i] : strlen(cells[i]));
	return table_writer_end_row(w);
}

int64_t table_writer_rows(const struct table_writer *w)
{
	return w->rows;
}

void table_writer_free(struct table_writer *w)
{
	if (!w)
		return;
	free(w->name);
	free(w->types);
	free(w->koff);
	free(w->fail_msg);
	strbuf_release(&w->keys);
	strbuf_release(&w->out);
	free(w);
}

int table_writer_close(struct table_writer *w)
{
	int rc;

	if (!w)
		return 0;
	rc = flush_out(w);
	table_writer_free(w);
	return rc;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A duplicate among the `n` names, or NULL. */
static const char *find_duplicate(const char *const *names, int n)
{
	const char **v = xmalloc(n * sizeof(*v));
	const char *dup = NULL;
	int i;

	memcpy(v, names, n * sizeof(*v));
	qsort(v, n, sizeof(*v), cmp_name);
	for (i = 1; i < n && !dup; i++)
		if (!strcmp(v[i - 1], v[i]))
			dup = v[i];
	free(v);
	return dup;
}

/*
 * The header line of CSV or TSV.  The reader skips a byte order mark at
 * the start of its input and decompresses input that starts with a
 * compressor's magic bytes, so a header that starts so would not read
 * back: in CSV the first name is then quoted (a quote starts no magic);
 * TSV cannot quote, and refuses it.  Checking the header line alone is
 * enough: every magic longer than a header has a byte where the header's
 * newline would be that is no newline.  0, or -1 with a message.
 */
static int put_header(struct table_writer *w, const char *const *names,
		      int quote_first)
{
	int i;

	strbuf_reset(&w->out);
	for (i = 0; i < w->ncols; i++) {
		const char *s = names[i];

		if (i)
			strbuf_addch(&w->out, w->delim);
		if (w->fmt == TABLE_TSV)
			table_put_tsv(&w->out, s, strlen(s));
		else
			put_csv(w, s, strlen(s), !i && quote_first);
	}
	strbuf_addch(&w->out, '\n');
	if (!table_looks_compressed(w->out.buf, w->out.len) &&
	    strncmp(w->out.buf, "\xef\xbb\xbf", 3))
		return 0;
	if (w->fmt == TABLE_CSV)
		return put_header(w, names, 1);
	return error_input("TSV cannot hold a header that starts with a "
			   "byte order mark or a compressor's magic bytes");
}

struct table_writer *table_writer_open(int fd, const char *name,
				       enum table_format fmt, int delim,
				       int ncols, const char *const *colnames,
				       const enum table_type *types)
{
	struct table_writer *w;
	const char *dup;
	int i;

	if (fmt != TABLE_CSV && fmt != TABLE_TSV && fmt != TABLE_JSONL) {
		error_input("cannot write tables as '%s'", table_format_name(fmt));
		return NULL;
	}
	if (ncols < 1) {
		error_input("a table to write needs a column");
		return NULL;
	}
	if (!delim)
		delim = fmt == TABLE_CSV ? ',' : '\t';
	if ((fmt == TABLE_TSV && delim != '\t') ||
	    (fmt == TABLE_CSV && (delim < 1 || delim > 255 || delim == '"' ||
				  delim == '\n' || delim == '\r'))) {
		error_input("invalid delimiter for %s output",
			    table_format_name(fmt));
		return NULL;
	}
	dup = find_duplicate(colnames, ncols);
	if (dup) {
		error_input("duplicate column name '%s'", dup);
		return NULL;
	}
	if (fmt == TABLE_TSV && ncols == 1 && !*colnames[0]) {
		error_input("TSV cannot hold a single column with an empty name");
		return NULL;
	}

	w = xcalloc(1, sizeof(*w));
	w->fd = fd;
	if (!name || !strcmp(name, "-")) {
		w->name = xstrdup("standard output");
	} else {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "'%s'", name);
		w->name = strbuf_detach(&sb, NULL);
	}
	w->fmt = fmt;
	w->delim = (unsigned char)delim;
	w->ncols = ncols;
	w->types = xcalloc(ncols, sizeof(*w->types));
	if (types)
		memcpy(w->types, types, ncols * sizeof(*types));
	w->csv_special[w->delim] = w->csv_special['"'] = 1;
	w->csv_special['\n'] = w->csv_special['\r'] = 1;
	strbuf_init(&w->out, FLUSH_AT + 4096);

	if (fmt == TABLE_JSONL) {
		w->koff = xmalloc((ncols + 1) * sizeof(*w->koff));
		for (i = 0; i < ncols; i++) {
			w->koff[i] = w->keys.len;
			table_put_json_str(&w->keys, colnames[i],
					   strlen(colnames[i]));
			strbuf_addch(&w->keys, ':');
		}
		w->koff[ncols] = w->keys.len;
		return w;
	}
	if (put_header(w, colnames, 0) < 0) {
		table_writer_free(w);
		return NULL;
	}
	w->row_start = w->out.len;
	return w;
}

/*
 * ---- shared with the reader ----
 *
 * These live here, not in table.c, so that a tool that only writes tables
 * (exp-log export) does not link the reader and, with it, libarchive.
 */

int table_looks_compressed(const void *buf, size_t n)
{
	const unsigned char *b = buf;

	if (n >= 3 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8)
		return 1; /* gzip */
	if (n >= 6 && !memcmp(b, "\xfd" "7zXZ\0", 6))
		return 1; /* xz */
	if (n >= 4 && !memcmp(b, "\x28\xb5\x2f\xfd", 4))
		return 1; /* zstd */
	if (n >= 10 && !memcmp(b, "BZh", 3) && b[3] >= '1' && b[3] <= '9' &&
	    (!memcmp(b + 4, "1AY&SY", 6) ||
	     !memcmp(b + 4, "\x17\x72\x45\x38\x50\x90", 6)))
		return 1; /* bzip2: a block, or the end of an empty stream */
	return 0;
}

/* ---- names ---- */

int table_format_from_name(const char *s)
{
	if (!strcmp(s, "csv"))
		return TABLE_CSV;
	if (!strcmp(s, "tsv"))
		return TABLE_TSV;
	if (!strcmp(s, "jsonl") || !strcmp(s, "ndjson"))
		return TABLE_JSONL;
	if (!strcmp(s, "auto"))
		return TABLE_AUTO;
	return -1;
}

const char *table_format_name(enum table_format fmt)
{
	switch (fmt) {
	case TABLE_CSV: return "csv";
	case TABLE_TSV: return "tsv";
	case TABLE_JSONL: return "jsonl";
	default: return "auto";
	}
}

static const char *const type_names[] = { "string", "int", "float", "bool",
					  "timestamp" };

int table_type_from_name(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(*type_names); i++)
		if (!strcmp(s, type_names[i]))
			return (int)i;
	return -1;
}

const char *table_type_name(enum table_type type)
{
	if ((size_t)type < sizeof(type_names) / sizeof(*type_names))
		return type_names[type];
	return type == TABLE_JSON ? "json" : "unknown";
}
