/* tabout.c - see tabout.h */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "num.h"
#include "opt.h"
#include "strbuf.h"
#include "tabout.h"

/*
 * `e` is the errno of the failed write, or 0 when it is lost: stdio keeps
 * only the error flag once a buffered write has failed.
 */
static int write_error(FILE *fp, int e)
{
	const char *what = fp == stdout ? "standard output"
			 : fp == stderr ? "standard error"
					: "output";

	return error("cannot write to %s: %s", what,
		     e ? strerror(e) : "write error");
}

struct tabout {
	int ncols;
	enum tabout_mode mode;
	char **headers;	/* ncols strings, or NULL */
	char **cells;	/* nrows * ncols strings, NULL for a NULL cell */
	enum table_type *types;	/* ncols, or NULL: all TABLE_STRING */
	size_t nrows, alloc;
};

/* A cell as text for the terminal and the pipe. */
static const char *cell_text(const struct tabout *t, size_t i)
{
	return t->cells[i] ? t->cells[i] : "";
}

struct tabout *tabout_new(int ncols, const char *const *headers)
{
	struct tabout *t = xcalloc(1, sizeof(*t));
	int i;

	t->ncols = ncols > 0 ? ncols : 1;
	if (headers) {
		t->headers = xcalloc(t->ncols, sizeof(*t->headers));
		for (i = 0; i < ncols; i++)
			t->headers[i] = xstrdup(headers[i] ? headers[i] : "");
		if (ncols < 1)
			t->headers[0] = xstrdup("");
	}
	return t;
}

void tabout_set_mode(struct tabout *t, enum tabout_mode mode)
{
	t->mode = mode;
}

void tabout_set_types(struct tabout *t, const enum table_type *types)
{
	if (!t->types)
		t->types = xcalloc(t->ncols, sizeof(*t->types));
	memcpy(t->types, types, t->ncols * sizeof(*types));
}

void tabout_add(struct tabout *t, const char *const *cells)
{
	size_t base;
	int i;

	ALLOC_GROW(t->cells, (t->nrows + 1) * t->ncols, t->alloc);
	base = t->nrows * t->ncols;
	for (i = 0; i < t->ncols; i++)
		t->cells[base + i] = cells[i] ? xstrdup(cells[i]) : NULL;
	t->nrows++;
}

size_t tabout_rows(const struct tabout *t)
{
	return t->nrows;
}

void tabout_free(struct tabout *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	if (t->headers)
		for (i = 0; i < (size_t)t->ncols; i++)
			free(t->headers[i]);
	free(t->headers);
	free(t->types);
	free(t);
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* 42, -1.5, .5, 3e-05, 1E6, 12%, nan, inf, -Infinity */
static int looks_numeric(const char *s)
{
	int digits = 0;

	if (*s == '+' || *s == '-')
		s++;
	if (!strcasecmp(s, "nan") || !strcasecmp(s, "inf") ||
	    !strcasecmp(s, "infinity"))
		return 1;
	for (; is_digit(*s); s++)
		digits++;
	if (*s == '.')
		for (s++; is_digit(*s); s++)
			digits++;
	if (!digits)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!is_digit(*s))
			return 0;
		while (is_digit(*s))
			s++;
	}
	if (*s == '%')
		s++;
	return !*s;
}

/* Append a cell escaped for a pipe: \t \n \r \\ , as the table writer. */
static void add_tsv(struct strbuf *sb, const char *s)
{
	table_put_tsv(sb, s, strlen(s));
}

/*
 * Append a cell for a terminal, control characters made visible.
 * Returns its width in UTF-8 characters (continuation bytes not counted).
 */
static size_t add_term(struct strbuf *sb, const char *s)
{
	size_t w = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			size_t before = sb->len;

			if (c == '\t')
				strbuf_addstr(sb, "\\t");
			else if (c == '\n')
				strbuf_addstr(sb, "\\n");
			else if (c == '\r')
				strbuf_addstr(sb, "\\r");
			else
				strbuf_addf(sb, "\\x%02x", c);
			w += sb->len - before;
			continue;
		}
		strbuf_addch(sb, c);
		if ((c & 0xc0) != 0x80)
			w++;
	}
	return w;
}

void tabout_add_visible(struct strbuf *sb, const char *s)
{
	add_term(sb, s);
}

void tabout_sparkline(struct strbuf *sb, const double *v, size_t n,
		      size_t width, unsigned flags, double range[2])
{
	static const char *const blocks[] = { "\u2581", "\u2582", "\u2583",
					      "\u2584", "\u2585", "\u2586",
					      "\u2587", "\u2588" };
	double lo = INFINITY, hi = -INFINITY;
	size_t i, cols = width && n > width ? width : n;

	for (i = 0; i < n; i++)
		if (isfinite(v[i])) {
			lo = v[i] < lo ? v[i] : lo;
			hi = v[i] > hi ? v[i] : hi;
		}
	if ((flags & TABOUT_SPARK_FROM_ZERO) && lo > 0)
		lo = 0;
	if (range) {
		range[0] = lo <= hi ? lo : NAN;
		range[1] = lo <= hi ? hi : NAN;
	}
	for (i = 0; i < cols; i++) {
		size_t a = i * n / cols, b = (i + 1) * n / cols, j, c = 0;
		double sum = 0;
		int k;

		for (j = a; j < b; j++)
			if (isfinite(v[j])) {
				sum += v[j];
				c++;
			}
		if (!c) {
			strbuf_addch(sb, ' ');
			continue;
		}
		sum /= c;
		if (hi > lo)
			k = (int)((sum - lo) / (hi - lo) * 8);
		else
			k = flags & TABOUT_SPARK_FROM_ZERO ? 0 : 3;
		strbuf_addstr(sb, blocks[k < 0 ? 0 : k > 7 ? 7 : k]);
	}
}

static void pad(struct strbuf *sb, size_t n)
{
	while (n--)
		strbuf_addch(sb, ' ');
}

static void print_pipe(struct tabout *t, struct strbuf *out)
{
	size_t r;
	int c;

	if (t->headers && gopt.header) {
		for (c = 0; c < t->ncols; c++) {
			if (c)
				strbuf_addch(out, '\t');
			add_tsv(out, t->headers[c]);
		}
		strbuf_addch(out, '\n');
	}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (c)
				strbuf_addch(out, '\t');
			add_tsv(out, cell_text(t, r * t->ncols + c));
		}
		strbuf_addch(out, '\n');
	}
}

static void print_jsonl(struct tabout *t, struct strbuf *out)
{
	struct strbuf *keys = NULL;
	size_t r, i;
	int c;

	if (t->headers) {
		keys = xcalloc(t->ncols, sizeof(*keys));
		for (c = 0; c < t->ncols; c++) {
			strbuf_init(&keys[c], 0);
			table_put_json_str(&keys[c], t->headers[c],
					   strlen(t->headers[c]));
			for (i = 0; i < keys[c].len; i++)
				if (keys[c].buf[i] >= 'A' && keys[c].buf[i] <= 'Z')
					keys[c].buf[i] += 'a' - 'A';
			strbuf_addch(&keys[c], ':');
		}
	}
	for (r = 0; r < t->nrows; r++) {
		strbuf_addch(out, keys ? '{' : '[');
		for (c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			if (c)
				strbuf_addch(out, ',');
			if (keys)
				strbuf_add(out, keys[c].buf, keys[c].len);
			table_put_json(out, s, s ? strlen(s) : 0,
				       t->types ? t->types[c] : TABLE_STRING);
		}
		strbuf_addstr(out, keys ? "}\n" : "]\n");
	}
	if (keys)
		for (c = 0; c < t->ncols; c++)
			strbuf_release(&keys[c]);
	free(keys);
}

/* Lay one line out; `row` holds rendered cells and `w` their widths. */
static void term_line(struct strbuf *out, int ncols, struct strbuf *row,
		      const size_t *w, const size_t *width, const char *right,
		      const char *on, const char *off)
{
	size_t start = out->len;
	int c;

	for (c = 0; c < ncols; c++) {
		size_t gap = width[c] - w[c];

		if (c)
			strbuf_addstr(out, "  ");
		if (right[c])
			pad(out, gap);
		strbuf_addstr(out, on);
		strbuf_add(out, row[c].buf, row[c].len);
		strbuf_addstr(out, off);
		if (!right[c] && c < ncols - 1)
			pad(out, gap);
	}
	while (out->len > start && out->buf[out->len - 1] == ' ')
		strbuf_setlen(out, out->len - 1);
	strbuf_addch(out, '\n');
}

static void print_term(struct tabout *t, struct strbuf *out, int color)
{
	int n = t->ncols, c;
	size_t total = t->nrows * n + (t->headers ? n : 0), r, i;
	struct strbuf *cell = xcalloc(total ? total : 1, sizeof(*cell));
	size_t *w = xcalloc(total ? total : 1, sizeof(*w));
	size_t *width = xcalloc(n, sizeof(*width));
	char *right = xcalloc(n, 1);
	size_t hoff = t->nrows * n;

	for (i = 0; i < total; i++) {
		const char *s = i < hoff ? cell_text(t, i) : t->headers[i - hoff];

		strbuf_init(&cell[i], 0);
		w[i] = add_term(&cell[i], s);
		if (w[i] > width[i % n])
			width[i % n] = w[i];
	}
	for (c = 0; c < n; c++) {
		int numeric = 0, other = 0;

		for (r = 0; r < t->nrows; r++) {
			const char *s = cell_text(t, r * n + c);

			if (!*s || !strcmp(s, "-"))
				continue;
			if (looks_numeric(s))
				numeric = 1;
			else
				other = 1;
		}
		right[c] = numeric && !other;
	}

	if (t->headers) {
		/* Bold the whole header line but not the trailing padding. */
		term_line(out, n, cell + hoff, w + hoff, width, right,
			  color ? "\033[1m" : "", color ? "\033[0m" : "");
	}
	for (r = 0; r < t->nrows; r++)
		term_line(out, n, cell + r * n, w + r * n, width, right, "",
			  "");

	for (i = 0; i < total; i++)
		strbuf_release(&cell[i]);
	free(cell);
	free(w);
	free(width);
	free(right);
}

int tabout_print(struct tabout *t, FILE *fp)
{
	struct strbuf out = STRBUF_INIT;
	enum tabout_mode mode = t->mode;
	int fd = fileno(fp);

	if (mode == TABOUT_AUTO)
		mode = fd >= 0 && isatty(fd) ? TABOUT_TERMINAL : TABOUT_PIPE;
	if (mode == TABOUT_TERMINAL)
		print_term(t, &out, fd >= 0 && opt_use_color(fd));
	else if (mode == TABOUT_JSONL)
		print_jsonl(t, &out);
	else
		print_pipe(t, &out);
	errno = 0;
	if (out.len && fwrite(out.buf, 1, out.len, fp) != out.len) {
		int e = errno;

		strbuf_release(&out);
		return write_error(fp, e);
	}
	strbuf_release(&out);
	return out_flush(fp);
}

/* Every finite number of `j` as a raw item with its exact text. */
static void exact_numbers(cJSON *j)
{
	cJSON *c;

	for (c = j->child; c; c = c->next) {
		if (cJSON_IsNumber(c) && isfinite(c->valuedouble)) {
			char buf[NUM_BUFSZ];

			c->type = cJSON_Raw | (c->type & cJSON_StringIsConst);
			c->valuestring = cJSON_malloc(strlen(num_format_exact(
							      c->valuedouble,
							      buf)) + 1);
			if (!c->valuestring)
				die_oom();
			strcpy(c->valuestring, buf);
		} else if (c->child) {
			exact_numbers(c);
		}
	}
}

char *json_print_exact(const cJSON *obj, int formatted)
{
	cJSON *wrap = cJSON_CreateArray(), *copy = cJSON_Duplicate(obj, 1);
	char *s;

	if (!wrap || !copy)
		die_oom();
	/* the top item may be a number itself: wrap it to reach it */
	cJSON_AddItemToArray(wrap, copy);
	exact_numbers(wrap);
	s = formatted ? cJSON_Print(wrap->child)
		      : cJSON_PrintUnformatted(wrap->child);
	cJSON_Delete(wrap);
	if (!s)
		die_oom();
	return s;
}

int json_print_line(FILE *fp, const struct cJSON *obj)
{
	char *s = json_print_exact(obj, 0);
	const unsigned char *p;
	int e, bad = 0;

	if (!s)
		die_oom();
	/*
	 * Stored text may hold bytes that are not UTF-8 (a file name, a
	 * hand-edited value); JSON must be UTF-8, so each such byte is
	 * written as U+FFFD.  They can only stand inside strings.
	 */
	for (p = (const unsigned char *)s; *p;) {
		size_t n = strbuf_utf8_len(p, NULL);

		if (!n) {
			bad = 1;
			break;
		}
		p += n;
	}
	if (bad) {
		struct strbuf sb = STRBUF_INIT;

		for (p = (const unsigned char *)s; *p;) {
			size_t n = strbuf_utf8_len(p, NULL);

			if (n) {
				strbuf_add(&sb, p, n);
				p += n;
			} else {
				strbuf_addstr(&sb, "\xef\xbf\xbd");
				p++;
			}
		}
		cJSON_free(s);
		s = cJSON_malloc(sb.len + 1);
		if (!s)
			die_oom();
		memcpy(s, sb.buf, sb.len + 1);
		strbuf_release(&sb);
	}
	errno = 0;
	if (fputs(s, fp) == EOF || putc('\n', fp) == EOF) {
		e = errno;
		cJSON_free(s);
		return write_error(fp, e);
	}
	cJSON_free(s);
	return ferror(fp) ? write_error(fp, 0) : 0;
}

int out_flush(FILE *fp)
{
	int e;

	errno = 0;
	if (fflush(fp) == 0) {
		if (!ferror(fp))
			return 0;
		return write_error(fp, 0); /* an earlier write failed */
	}
	e = errno;
	return write_error(fp, e);
}
