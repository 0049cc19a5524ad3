/*
 * table.c - see table.h
 *
 * The input lands in one buffer, read in large blocks.  A row is scanned
 * in place: first its extent and field boundaries are found (without
 * touching the buffer, so a row cut by the end of the buffer can be
 * scanned again after a refill, and a bad row keeps its raw text), then
 * each field is NUL-terminated by overwriting the byte after it.  That
 * byte is saved, so table_row_text() can give back the raw row.  Quoted
 * CSV fields with doubled quotes and JSON strings with escapes are decoded
 * into a per-row scratch buffer instead.
 *
 * Delimiters, quotes and line breaks are found 64 bytes at a time: SSE2
 * compares give a 64-bit mask of the special bytes of a block, and the
 * scanner walks its set bits.  Without SSE2 a lookup table builds the
 * same mask.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <dlfcn.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "arc.h"
#include "err.h"
#include "mltime.h"
#include "num.h"
#include "strbuf.h"
#include "table.h"

#define TABLE_BUFSZ ((size_t)1 << 20)	  /* the first buffer */
#define TABLE_MAXCAP (TABLE_MAX_ROW + 4) /* a longest row and its CRLF */
#define SCAN_PAD 64			  /* readable bytes past the end */
#define RAW_BLOCK ((size_t)256 << 10)	  /* compressed bytes per read */

enum field_kind {
	K_MISSING,	/* NULL */
	K_PLAIN,	/* in the buffer: p, len; terminated at p[len] */
	K_CSVESC,	/* quoted CSV with doubled quotes: decode at finish */
	K_TSVESC,	/* TSV with backslash escapes: check and decode */
	K_SCRATCH	/* decoded into the scratch buffer at `soff` */
};

struct field {
	char *p;
	size_t len;
	char *term;	/* the byte overwritten with NUL, or NULL */
	size_t soff;
	unsigned char kind;
	char saved;
	unsigned char seen; /* JSONL: the key appeared in this object */
};

enum scan_result { SCAN_ROW, SCAN_MORE, SCAN_EOF, SCAN_BAD, SCAN_FATAL,
		   SCAN_BLANK };

struct table_reader {
	char *name;
	int fd, own_fd;
	enum table_format fmt;
	unsigned char delim, quote;

	/* compressed input */
	struct archive *ar;
	char *pre;		/* bytes read before libarchive took over */
	size_t pre_len;
	char *raw;		/* libarchive's read block */
	uint64_t bytes_read;
	int eof;

	/* the buffer: [0, end) holds data, `cap` bytes + SCAN_PAD allocated */
	char *buf;
	size_t cap, end;
	size_t pos;		/* where the next row starts */
	size_t row_start, row_end;
	int64_t line;		/* the current row's first line */
	int64_t next_line;	/* the line at `pos` */
	int64_t nrows;
	int fills;		/* refills while scanning one row */

	/* scanner state, valid for special bytes at or after `pos` */
	size_t sbase;
	uint64_t smask;
#ifndef __SSE2__
	unsigned char special[256];
#endif

	/* columns */
	char **cols;
	size_t *collen;
	int ncols;
	size_t cols_alloc;
	int *htab;
	size_t hsize;		/* a power of two, 0 before the first column */

	/* the current row */
	struct field *f;
	size_t nf, f_alloc;
	int row_ok;		/* fields are valid */
	int have_row;		/* row_start/row_end describe a row */
	int row_esc;		/* TSV: some field of the row holds a '\\' */
	int pending;		/* JSONL: the first object waits for table_next */
	struct strbuf scratch;
	struct strbuf rawtext;

	int fatal;
	char *fatal_msg;
	int fatal_code;
};

/* ---- messages ---- */

/*
 * Write `s` (`len` bytes) into `dst` for a one-line message: control
 * characters, quotes and backslashes escaped, cut after about 60 bytes.
 */
static void msg_text(char *dst, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < len && o + 8 < cap; i++) {
		unsigned char c = s[i];

		if (i >= 60) {
			memcpy(dst + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '"' || c == '\\' || c == '\'') {
			dst[o++] = '\\';
			dst[o++] = c;
		} else if (c == '\n') {
			dst[o++] = '\\';
			dst[o++] = 'n';
		} else if (c == '\t') {
			dst[o++] = '\\';
			dst[o++] = 't';
		} else if (c == '\r') {
			dst[o++] = '\\';
			dst[o++] = 'r';
		} else if (c < 0x20 || c == 0x7f) {
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 15];
		} else {
			dst[o++] = c;
		}
	}
	dst[o] = '\0';
}

/* "column 'amount'" for a named column, "column 4" past the header. */
static void msg_column(const struct table_reader *t, size_t col, char *dst,
		       size_t cap)
{
	char name[256];

	if (col < (size_t)t->ncols) {
		msg_text(name, sizeof(name), t->cols[col], t->collen[col]);
		snprintf(dst, cap, "column '%s'", name);
	} else {
		snprintf(dst, cap, "column %zu", col + 1);
	}
}

static int set_fatal(struct table_reader *t)
{
	if (!t->fatal) {
		t->fatal = 1;
		t->fatal_msg = xstrdup(err_msg());
		t->fatal_code = err_code();
	}
	return TABLE_FATAL;
}

/*
 * libarchive, loaded when the first compressed input is met.  Linking it
 * would make every program that reads tables load it, and with it
 * libxml2, ICU and libstdc++, at every start: 5 ms of `fs-ingest get`,
 * whose target is 3 ms.  Only these functions are called.
 */
static struct {
	struct archive *(*read_new)(void);
	int (*support_filter_all)(struct archive *);
	int (*support_format_raw)(struct archive *);
	int (*support_format_empty)(struct archive *);
	int (*read_open)(struct archive *, void *, archive_open_callback *,
			 archive_read_callback *, archive_close_callback *);
	int (*next_header)(struct archive *, struct archive_entry **);
	la_ssize_t (*read_data)(struct archive *, void *, size_t);
	const char *(*error_string)(struct archive *);
	void (*set_error)(struct archive *, int, const char *, ...);
	int (*read_free)(struct archive *);
} ar;

static int ar_load(void)
{
	static int state; /* 0 not tried, 1 loaded, -1 missing */
	void *h;

	if (state)
		return state > 0 ? 0 : error("cannot read compressed input: "
					     "libarchive cannot be loaded");
	state = -1;
	if (!(h = arc_libarchive())) {
		err_prefix("cannot read compressed input: ");
		return -1;
	}
#define AR_SYM(field, name) \
	if (!(*(void **)&ar.field = dlsym(h, name))) \
		return error("cannot read compressed input: libarchive has no " \
			     "%s", name)
	AR_SYM(read_new, "archive_read_new");
	AR_SYM(support_filter_all, "archive_read_support_filter_all");
	AR_SYM(support_format_raw, "archive_read_support_format_raw");
	AR_SYM(support_format_empty, "archive_read_support_format_empty");
	AR_SYM(read_open, "archive_read_open");
	AR_SYM(next_header, "archive_read_next_header");
	AR_SYM(read_data, "archive_read_data");
	AR_SYM(error_string, "archive_error_string");
	AR_SYM(set_error, "archive_set_error");
	AR_SYM(read_free, "archive_read_free");
#undef AR_SYM
	state = 1;
	return 0;
}

/* ---- input ---- */

static la_ssize_t ar_read_cb(struct archive *a, void *data, const void **out)
{
	struct table_reader *t = data;
	ssize_t n;

	if (t->pre_len) {
		*out = t->pre;
		n = (ssize_t)t->pre_len;
		t->pre_len = 0;
		return n;
	}
	do
		n = read(t->fd, t->raw, RAW_BLOCK);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		ar.set_error(a, errno, "read error: %s", strerror(errno));
		return -1;
	}
	t->bytes_read += (uint64_t)n;
	*out = t->raw;
	return n;
}

/* Read up to `n` bytes at `dst`: >0 bytes, 0 at the end, -1 on error. */
static ssize_t input(struct table_reader *t, char *dst, size_t n)
{
	ssize_t got;

	if (t->ar) {
		got = ar.read_data(t->ar, dst, n);
		if (got < 0) {
			const char *why = ar.error_string(t->ar);

			return error_input("'%s': corrupt compressed data: %s",
					   t->name, why ? why : "truncated or damaged");
		}
		return got;
	}
	do
		got = read(t->fd, dst, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return error("cannot read '%s': %s", t->name, strerror(errno));
	t->bytes_read += (uint64_t)got;
	return got;
}

/*
 * Read into the free space at the end of the buffer: once, or until it is
 * full (`full`), or until it holds `min` bytes.  Sets `eof` at the end.
 */
static int read_more(struct table_reader *t, int full, size_t min)
{
	while (!t->eof && t->end < t->cap) {
		ssize_t n = input(t, t->buf + t->end, t->cap - t->end);

		if (n < 0)
			return -1;
		if (n == 0) {
			t->eof = 1;
			break;
		}
		t->end += (size_t)n;
		if (!full && t->end >= min)
			break;
	}
	return 0;
}

static void scan_reset(struct table_reader *t);

/*
 * The row at `pos` is cut by the end of the buffer: move it to the front,
 * grow the buffer if the row fills it, and read more.  The first refill
 * for a row reads what is there; later ones fill the buffer, so that a
 * long row is scanned again only as often as the buffer doubles.
 */
static int refill(struct table_reader *t)
{
	if (t->pos) {
		memmove(t->buf, t->buf + t->pos, t->end - t->pos);
		t->end -= t->pos;
		t->pos = 0;
	}
	if (t->end == t->cap) {
		size_t ncap = t->cap * 2;

		if (t->cap >= TABLE_MAXCAP)
			return error_input("'%s' line %lld: row longer than %zu MiB",
					   t->name, (long long)t->next_line,
					   TABLE_MAX_ROW >> 20);
		if (ncap > TABLE_MAXCAP)
			ncap = TABLE_MAXCAP;
		t->buf = xrealloc(t->buf, ncap + SCAN_PAD);
		memset(t->buf + t->cap + SCAN_PAD, 0, ncap - t->cap);
		t->cap = ncap;
	}
	if (read_more(t, t->fills++ > 0, t->end + 1) < 0)
		return -1;
	scan_reset(t);
	return 0;
}

/* Hand the bytes read so far to libarchive and read through it. */
static int start_decompression(struct table_reader *t)
{
	struct archive_entry *ent;
	int rc;

	if (t->cap < TABLE_BUFSZ) {
		t->buf = xrealloc(t->buf, TABLE_BUFSZ + SCAN_PAD);
		memset(t->buf + t->cap + SCAN_PAD, 0, TABLE_BUFSZ - t->cap);
		t->cap = TABLE_BUFSZ;
	}
	t->pre_len = t->end;
	t->pre = xmalloc(t->end);
	memcpy(t->pre, t->buf, t->end);
	t->end = 0;
	t->eof = 0;
	t->raw = xmalloc(RAW_BLOCK);
	if (ar_load() < 0)
		return -1;
	t->ar = ar.read_new();
	if (!t->ar)
		die_oom();
	ar.support_filter_all(t->ar);
	ar.support_format_raw(t->ar);
	ar.support_format_empty(t->ar);
	if (ar.read_open(t->ar, t, NULL, ar_read_cb, NULL) != ARCHIVE_OK)
		goto fail;
	rc = ar.next_header(t->ar, &ent);
	if (rc == ARCHIVE_EOF) {
		t->eof = 1;
		return 0;
	}
	if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
		goto fail;
	return 0;
fail:
	return error_input("'%s': corrupt compressed data: %s", t->name,
			   ar.error_string(t->ar) ?
				   ar.error_string(t->ar) : "truncated or damaged");
}

/* ---- the scanner ---- */

struct scanner {
	const char *buf;
	size_t end, base;
	uint64_t mask;
#ifdef __SSE2__
	__m128i vd, vq, vn, vr;
#else
	const unsigned char *special;
#endif
};

static inline uint64_t block_mask(const struct scanner *s, size_t base)
{
	const char *p = s->buf + base;
	size_t left = s->end - base;
	uint64_t m = 0;
#ifdef __SSE2__
	int i;

	for (i = 0; i < 4; i++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * i));
		__m128i e = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(x, s->vd),
				     _mm_cmpeq_epi8(x, s->vq)),
			_mm_or_si128(_mm_cmpeq_epi8(x, s->vn),
				     _mm_cmpeq_epi8(x, s->vr)));

		m |= (uint64_t)(uint32_t)_mm_movemask_epi8(e) << (16 * i);
	}
#else
	int i;

	for (i = 0; i < 64; i++)
		m |= (uint64_t)s->special[(unsigned char)p[i]] << i;
#endif
	if (left < 64)
		m &= ((uint64_t)1 << left) - 1;
	return m;
}

/* The next special byte's offset, or `end` when there is none. */
static inline size_t scan_next(struct scanner *s)
{
	size_t p;

	while (!s->mask) {
		if (s->base + 64 >= s->end) {
			s->base = s->end;
			return s->end;
		}
		s->base += 64;
		s->mask = block_mask(s, s->base);
	}
	p = s->base + (size_t)__builtin_ctzll(s->mask);
	s->mask &= s->mask - 1;
	return p;
}

static void scanner_load(struct scanner *s, const struct table_reader *t)
{
	s->buf = t->buf;
	s->end = t->end;
	s->base = t->sbase;
	s->mask = t->smask;
#ifdef __SSE2__
	s->vd = _mm_set1_epi8((char)t->delim);
	s->vq = _mm_set1_epi8((char)t->quote);
	s->vn = _mm_set1_epi8('\n');
	s->vr = _mm_set1_epi8('\r');
#else
	s->special = t->special;
#endif
}

static void scan_reset(struct table_reader *t)
{
	struct scanner s;

	scanner_load(&s, t);
	t->sbase = t->pos;
	t->smask = t->pos < t->end ? block_mask(&s, t->pos) : 0;
}

/* ---- fields ---- */

static inline struct field *add_field(struct table_reader *t, size_t nf)
{
	if (nf >= t->f_alloc) {
		size_t old = t->f_alloc;

		ALLOC_GROW(t->f, nf + 1, t->f_alloc);
		memset(t->f + old, 0, (t->f_alloc - old) * sizeof(*t->f));
	}
	return &t->f[nf];
}

/*
 * Make the fields of the row usable: NUL-terminate those in the buffer,
 * decode the ones that need it into scratch.
 */
static void finish_fields(struct table_reader *t, size_t n)
{
	size_t i;
	int any_scratch = 0;

	for (i = 0; i < n; i++) {
		struct field *f = &t->f[i];

		switch (f->kind) {
		case K_PLAIN:
			f->term = f->p + f->len;
			f->saved = *f->term;
			*f->term = '\0';
			break;
		case K_CSVESC: {
			const char *s = f->p, *e = f->p + f->len;

			f->soff = t->scratch.len;
			while (s < e) {
				const char *q = memchr(s, t->quote, e - s);

				if (!q) {
					strbuf_add(&t->scratch, s, e - s);
					break;
				}
				strbuf_add(&t->scratch, s, q + 1 - s);
				s = q + 2; /* skip the doubled quote */
			}
			f->len = t->scratch.len - f->soff;
			strbuf_addch(&t->scratch, '\0');
			f->kind = K_SCRATCH;
			f->term = NULL;
			any_scratch = 1;
			break;
		}
		case K_SCRATCH:
			f->term = NULL;
			any_scratch = 1;
			break;
		default:
			f->kind = K_MISSING;
			f->p = NULL;
			f->term = NULL;
			break;
		}
	}
	if (any_scratch)
		for (i = 0; i < n; i++)
			if (t->f[i].kind == K_SCRATCH)
				t->f[i].p = t->scratch.buf + t->f[i].soff;
}

/* ---- CSV and TSV ---- */

/* Is the byte after a closing quote at `q` a proper end of the field? */
static int after_quote(struct table_reader *t, size_t q, int *bad)
{
	size_t a = q + 1;
	unsigned char c;

	*bad = 0;
	if (a >= t->end)
		return t->eof ? 0 : -1;
	c = t->buf[a];
	if (c == t->delim || c == '\n')
		return 0;
	if (c == '\r') {
		if (a + 1 >= t->end)
			return t->eof ? 0 : -1;
		if (t->buf[a + 1] == '\n')
			return 0;
	}
	*bad = 1;
	return 0;
}

/*
 * Find the extent and fields of the row at `pos`.  Touches nothing but
 * the reader's bookkeeping, so that it can be run again on SCAN_MORE.
 */
static int csv_scan(struct table_reader *t)
{
	struct scanner s;
	const char *buf = t->buf;
	size_t start = t->pos, end = t->end, fstart = start, nf = 0;
	size_t row_end, next, p, qs = 0, qe = 0, bad_col = 0;
	const unsigned char delim = t->delim, quote = t->quote;
	const int tsv = t->fmt == TABLE_TSV;
	int64_t nl = 0;
	int quoted = 0, bad = 0; /* 1: quoted, 2: with doubled quotes */
	int esc = 0, row_esc = 0; /* TSV: a backslash in the field, row */
	struct field *f;

	if (start >= end)
		return t->eof ? SCAN_EOF : SCAN_MORE;
	scanner_load(&s, t);

#define END_FIELD(at)                                                          \
	do {                                                                   \
		f = add_field(t, nf++);                                        \
		if (!quoted) {                                                 \
			f->p = (char *)buf + fstart;                           \
			f->len = (at) - fstart;                                \
			f->kind = esc ? K_TSVESC                               \
				: f->len || tsv ? K_PLAIN : K_MISSING;         \
		} else {                                                       \
			f->p = (char *)buf + qs;                               \
			f->len = qe - qs;                                      \
			f->kind = quoted == 2 ? K_CSVESC : K_PLAIN;            \
		}                                                              \
	} while (0)

	for (;;) {
		unsigned char c;

		p = scan_next(&s);
		if (p >= end) {
			if (!t->eof)
				return SCAN_MORE;
			END_FIELD(end);
			row_end = next = end;
			break;
		}
		c = buf[p];
		if (c == delim) {
			END_FIELD(p);
			fstart = p + 1;
			quoted = 0;
			esc = 0;
			continue;
		}
		if (c == '\n') {
			END_FIELD(p);
			row_end = p;
			next = p + 1;
			break;
		}
		if (c == '\r') {
			if (p + 1 >= end) {
				if (!t->eof)
					return SCAN_MORE;
				END_FIELD(p);
				row_end = p;
				next = end;
				break;
			}
			if (buf[p + 1] != '\n')
				continue; /* a lone CR is data */
			END_FIELD(p);
			scan_next(&s); /* the LF */
			row_end = p;
			next = p + 2;
			break;
		}
		if (tsv) {
			/* a backslash: decoded (and checked) by tsv_decode() */
			esc = row_esc = 1;
			continue;
		}
		/* a quote */
		if (p != fstart)
			continue; /* inside an unquoted field: data */
		{
			size_t q0 = p;
			int64_t nl0 = nl;
			int dq = 0, b;

			for (;;) {
				p = scan_next(&s);
				if (p >= end) {
					int64_t last;

					if (!t->eof)
						return SCAN_MORE;
					last = t->next_line + nl;
					if (end > start && buf[end - 1] == '\n')
						last--;
					error_input("'%s' line %lld: unclosed quote (opened at line %lld)",
						    t->name, (long long)last,
						    (long long)(t->next_line + nl0));
					return SCAN_FATAL;
				}
				c = buf[p];
				if (c == '\n') {
					nl++;
					continue;
				}
				if (c != quote)
					continue;
				if (p + 1 >= end) {
					if (!t->eof)
						return SCAN_MORE;
					break;
				}
				if ((unsigned char)buf[p + 1] != quote)
					break;
				dq = 1;
				scan_next(&s); /* the second quote */
			}
			qs = q0 + 1;
			qe = p;
			quoted = dq ? 2 : 1;
			if (after_quote(t, p, &b) < 0)
				return SCAN_MORE;
			if (b && !bad) {
				bad = 1;
				bad_col = nf;
			}
		}
	}
#undef END_FIELD

	t->sbase = s.base;
	t->smask = s.mask;
	t->row_start = start;
	t->row_end = row_end;
	t->pos = next;
	t->nf = nf;
	t->row_esc = row_esc;
	t->line = t->next_line;
	t->next_line += 1 + nl;
	if (bad) {
		char col[300];

		msg_column(t, bad_col, col, sizeof(col));
		error_input("'%s' line %lld %s: unexpected text after a closing quote",
			    t->name, (long long)t->line, col);
		err_hint("a quote inside a quoted field must be doubled (\"\")");
		return SCAN_BAD;
	}
	return SCAN_ROW;
}

/* Is the current row a blank line (no bytes, or only a CR)? */
static int row_is_blank(const struct table_reader *t)
{
	return t->nf == 1 && t->row_end == t->row_start;
}

/* A bad TSV escape in field `col`: an error_input() message, SCAN_BAD. */
static int tsv_bad(struct table_reader *t, size_t col, const char *b,
		   const char *e)
{
	char colname[300], what[80];
	unsigned char c = b + 1 < e ? (unsigned char)b[1] : 0;

	if (b + 1 >= e)
		snprintf(what, sizeof(what), "a backslash at the end of the field");
	else if (c == 'N')
		snprintf(what, sizeof(what),
			 "\\N (a missing value) must be the whole field");
	else if (c > 0x20 && c < 0x7f)
		snprintf(what, sizeof(what), "unknown escape '\\%c'", c);
	else
		snprintf(what, sizeof(what),
			 "unknown escape: a backslash before byte 0x%02x", c);
	msg_column(t, col, colname, sizeof(colname));
	error_input("'%s' line %lld %s: %s", t->name, (long long)t->line,
		    colname, what);
	err_hint("TSV escapes are \\t, \\n, \\r and \\\\; \\N alone is a missing value");
	return SCAN_BAD;
}

/*
 * Decode the backslash escapes of the row's TSV fields into scratch, as
 * PostgreSQL's COPY text format writes them: \t \n \r \\, and \N alone
 * for a missing value.  Anything else after a backslash is an error.
 * Touches nothing in the buffer.  SCAN_ROW or SCAN_BAD.
 */
static int tsv_decode(struct table_reader *t)
{
	size_t i;

	for (i = 0; i < t->nf; i++) {
		struct field *f = &t->f[i];
		const char *s = f->p, *e = f->p + f->len;

		if (f->kind != K_TSVESC)
			continue;
		if (f->len == 2 && s[0] == '\\' && s[1] == 'N') {
			f->kind = K_MISSING;
			continue;
		}
		f->soff = t->scratch.len;
		while (s < e) {
			const char *b = memchr(s, '\\', e - s);
			char c;

			if (!b) {
				strbuf_add(&t->scratch, s, e - s);
				break;
			}
			strbuf_add(&t->scratch, s, b - s);
			switch (b + 1 < e ? b[1] : 0) {
			case 't': c = '\t'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case '\\': c = '\\'; break;
			default: return tsv_bad(t, i, b, e);
			}
			strbuf_addch(&t->scratch, c);
			s = b + 2;
		}
		f->len = t->scratch.len - f->soff;
		strbuf_addch(&t->scratch, '\0');
		f->kind = K_SCRATCH;
	}
	return SCAN_ROW;
}

/* Check the row's width and finish its fields.  SCAN_ROW, _BAD, _BLANK. */
static int csv_finish(struct table_reader *t)
{
	if (t->nf != (size_t)t->ncols) {
		if (t->ncols > 1 && row_is_blank(t))
			return SCAN_BLANK;
		error_input("'%s' line %lld: %zu field%s, expected %d (header has %d)",
			    t->name, (long long)t->line, t->nf,
			    t->nf == 1 ? "" : "s", t->ncols, t->ncols);
		return SCAN_BAD;
	}
	if (t->row_esc && tsv_decode(t) == SCAN_BAD)
		return SCAN_BAD;
	finish_fields(t, t->nf);
	return SCAN_ROW;
}

/* ---- columns ---- */

static uint32_t hash_name(const char *s, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static int col_lookup(const struct table_reader *t, const char *s, size_t n)
{
	size_t h;

	if (!t->hsize)
		return -1;
	h = hash_name(s, n) & (t->hsize - 1);
	while (t->htab[h] >= 0) {
		int c = t->htab[h];

		if (t->collen[c] == n && !memcmp(t->cols[c], s, n))
			return c;
		h = (h + 1) & (t->hsize - 1);
	}
	return -1;
}

static void hash_insert(struct table_reader *t, int c)
{
	size_t h = hash_name(t->cols[c], t->collen[c]) & (t->hsize - 1);

	while (t->htab[h] >= 0)
		h = (h + 1) & (t->hsize - 1);
	t->htab[h] = c;
}

/* Add a column; returns its index, or -1 (no message) if it exists. */
static int add_column(struct table_reader *t, const char *s, size_t n)
{
	int c;

	if (col_lookup(t, s, n) >= 0)
		return -1;
	ALLOC_GROW(t->cols, t->ncols + 1, t->cols_alloc);
	t->collen = xrealloc(t->collen, t->cols_alloc * sizeof(*t->collen));
	c = t->ncols++;
	t->cols[c] = xmalloc(n + 1);
	memcpy(t->cols[c], s, n);
	t->cols[c][n] = '\0';
	t->collen[c] = n;
	if ((size_t)t->ncols * 2 > t->hsize) {
		size_t i;

		t->hsize = t->hsize ? t->hsize * 2 : 16;
		while ((size_t)t->ncols * 2 > t->hsize)
			t->hsize *= 2;
		free(t->htab);
		t->htab = xmalloc(t->hsize * sizeof(*t->htab));
		for (i = 0; i < t->hsize; i++)
			t->htab[i] = -1;
		for (i = 0; i < (size_t)t->ncols; i++)
			hash_insert(t, (int)i);
	} else {
		hash_insert(t, c);
	}
	return c;
}

/* ---- JSON Lines ---- */

static int json_fail(struct table_reader *t, const char *at, const char *what)
{
	error_input("'%s' line %lld: invalid JSON at byte %zu: %s", t->name,
		    (long long)t->line,
		    (size_t)(at - (t->buf + t->row_start)) + 1, what);
	return SCAN_BAD;
}

static inline int json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int read_hex4(const char *p, const char *e)
{
	int v = 0, i;

	if (e - p < 4)
		return -1;
	for (i = 0; i < 4; i++) {
		int h = hexval((unsigned char)p[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

static void add_utf8(struct strbuf *sb, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

/*
 * A JSON string at *pp (at its opening quote).  Without escapes it stays
 * in the buffer (*esc = 0, text at *s, *len bytes); with escapes it is
 * decoded onto the end of scratch (*esc = 1, text at scratch offset
 * *soff).  Moves *pp past the closing quote.  Returns 0 or SCAN_BAD.
 */
static int json_string(struct table_reader *t, const char **pp, const char *e,
		       const char **s, size_t *len, int *esc, size_t *soff)
{
	const char *p = *pp + 1, *start = p;

	*esc = 0;
	for (;;) {
		unsigned char c;

		if (p >= e)
			return json_fail(t, p, "unterminated string");
		c = *p;
		if (c == '"')
			break;
		if (c < 0x20)
			return json_fail(t, p, "control character in a string");
		if (c == '\\') {
			if (!*esc) {
				*esc = 1;
				*soff = t->scratch.len;
				strbuf_add(&t->scratch, start, p - start);
			}
			if (p + 1 >= e)
				return json_fail(t, p, "unterminated string");
			c = p[1];
			p += 2;
			switch (c) {
			case '"': case '\\': case '/':
				strbuf_addch(&t->scratch, c);
				break;
			case 'b': strbuf_addch(&t->scratch, '\b'); break;
			case 'f': strbuf_addch(&t->scratch, '\f'); break;
			case 'n': strbuf_addch(&t->scratch, '\n'); break;
			case 'r': strbuf_addch(&t->scratch, '\r'); break;
			case 't': strbuf_addch(&t->scratch, '\t'); break;
			case 'u': {
				long cp = read_hex4(p, e), lo;

				if (cp < 0)
					return json_fail(t, p - 2, "bad \\u escape");
				p += 4;
				if (cp >= 0xdc00 && cp <= 0xdfff)
					return json_fail(t, p - 6, "lone surrogate in \\u escape");
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
					    (lo = read_hex4(p + 2, e)) < 0xdc00 ||
					    lo > 0xdfff)
						return json_fail(t, p - 6, "lone surrogate in \\u escape");
					cp = 0x10000 + ((cp - 0xd800) << 10) +
					     (lo - 0xdc00);
					p += 6;
				}
				add_utf8(&t->scratch, (unsigned long)cp);
				break;
			}
			default:
				return json_fail(t, p - 2, "bad escape in a string");
			}
			continue;
		}
		if (*esc) {
			const char *q = p;

			while (q < e && *q != '"' && *q != '\\' &&
			       (unsigned char)*q >= 0x20)
				q++;
			strbuf_add(&t->scratch, p, q - p);
			p = q;
		} else {
			p++;
		}
	}
	if (*esc) {
		*len = t->scratch.len - *soff;
		strbuf_addch(&t->scratch, '\0');
		*s = NULL;
	} else {
		*s = start;
		*len = p - start;
	}
	*pp = p + 1;
	return 0;
}

/*
 * Parse the line [row_start, row_end) as one object into the fields.  With
 * `first`, its keys become the columns.  SCAN_ROW, SCAN_BLANK or SCAN_BAD.
 */
static int json_object_in(struct table_reader *t, int first)
{
	const char *p = t->buf + t->row_start, *e = t->buf + t->row_end;
	int i, ord = 0;

	strbuf_reset(&t->scratch);
	while (p < e && json_ws(*p))
		p++;
	if (p == e)
		return SCAN_BLANK;
	if (*p != '{') {
		error_input("'%s' line %lld: not a JSON object", t->name,
			    (long long)t->line);
		return SCAN_BAD;
	}
	for (i = 0; i < t->ncols; i++) {
		t->f[i].kind = K_MISSING;
		t->f[i].seen = 0;
	}
	p++;
	while (p < e && json_ws(*p))
		p++;
	if (p < e && *p == '}') {
		p++;
		goto done;
	}
	for (;; ord++) {
		const char *ks, *vs, *ve;
		size_t klen, kmark = t->scratch.len, soff = 0;
		int esc, col, rc;
		struct field *f;
		char kbuf[200];

		if (p >= e || *p != '"')
			return json_fail(t, p, "expected a string key");
		rc = json_string(t, &p, e, &ks, &klen, &esc, &soff);
		if (rc)
			return rc;
		if (esc)
			ks = t->scratch.buf + soff;
		if (memchr(ks, '\0', klen))
			return json_fail(t, p - 1, "NUL in a key");
		if (ord < t->ncols && t->collen[ord] == klen &&
		    !memcmp(t->cols[ord], ks, klen))
			col = ord;
		else
			col = col_lookup(t, ks, klen);
		if (first && col < 0) {
			col = add_column(t, ks, klen);
			f = add_field(t, col);
			f->kind = K_MISSING;
			f->seen = 0;
		} else if (col < 0) {
			msg_text(kbuf, sizeof(kbuf), ks, klen);
			error_input("'%s' line %lld: unknown key '%s' (not in the first record)",
				    t->name, (long long)t->line, kbuf);
			err_hint("the columns of JSON Lines input are the keys of its first object");
			return SCAN_BAD;
		}
		f = &t->f[col];
		if (f->seen) {
			msg_text(kbuf, sizeof(kbuf), ks, klen);
			error_input("'%s' line %lld: duplicate key '%s'",
				    t->name, (long long)t->line, kbuf);
			return SCAN_BAD;
		}
		f->seen = 1;
		strbuf_setlen(&t->scratch, kmark);

		while (p < e && json_ws(*p))
			p++;
		if (p >= e || *p != ':')
			return json_fail(t, p, "expected ':'");
		p++;
		while (p < e && json_ws(*p))
			p++;
		if (p >= e)
			return json_fail(t, p, "expected a value");
		vs = p;
		switch (*p) {
		case '"':
			rc = json_string(t, &p, e, &ks, &klen, &esc, &soff);
			if (rc)
				return rc;
			if (esc) {
				f->kind = K_SCRATCH;
				f->soff = soff;
				f->len = klen;
			} else {
				f->kind = K_PLAIN;
				f->p = (char *)ks;
				f->len = klen;
			}
			break;
		case '{':
		case '[': {
			const char *endp = NULL;
			cJSON *item = cJSON_ParseWithLengthOpts(p, e - p, &endp, 0);

			if (!item) {
				if (!endp || endp < p || endp > e)
					endp = p;
				return json_fail(t, endp, "bad nested value");
			}
			cJSON_Delete(item);
			if (endp < p || endp > e)
				return json_fail(t, p, "bad nested value");
			f->kind = K_PLAIN;
			f->p = (char *)p;
			f->len = endp - p;
			p = endp;
			break;
		}
		case 't':
			if (e - p < 4 || memcmp(p, "true", 4))
				return json_fail(t, p, "bad value");
			p += 4;
			f->kind = K_PLAIN;
			f->p = (char *)vs;
			f->len = 4;
			break;
		case 'f':
			if (e - p < 5 || memcmp(p, "false", 5))
				return json_fail(t, p, "bad value");
			p += 5;
			f->kind = K_PLAIN;
			f->p = (char *)vs;
			f->len = 5;
			break;
		case 'n':
			if (e - p < 4 || memcmp(p, "null", 4))
				return json_fail(t, p, "bad value");
			p += 4;
			f->kind = K_MISSING;
			break;
		default:
			ve = p + num_json_len(p, e - p);
			if (ve == p || (ve < e && (*ve == '.' || *ve == 'e' ||
						   *ve == 'E')))
				return json_fail(t, p, "bad value");
			f->kind = K_PLAIN;
			f->p = (char *)p;
			f->len = ve - p;
			p = ve;
			break;
		}
		while (p < e && json_ws(*p))
			p++;
		if (p < e && *p == ',') {
			p++;
			while (p < e && json_ws(*p))
				p++;
			continue;
		}
		if (p < e && *p == '}') {
			p++;
			break;
		}
		return json_fail(t, p, "expected ',' or '}'");
	}
done:
	while (p < e && json_ws(*p))
		p++;
	if (p != e)
		return json_fail(t, p, "text after the object");
	t->nf = (size_t)t->ncols;
	return SCAN_ROW;
}

/*
 * The same, with the byte after the line (its '\r' or '\n', or padding)
 * set to NUL meanwhile, so that no JSON parser can read past the line.
 */
static int json_object(struct table_reader *t, int first)
{
	char saved = t->buf[t->row_end];
	int rc;

	t->buf[t->row_end] = '\0';
	rc = json_object_in(t, first);
	t->buf[t->row_end] = saved;
	return rc;
}

/* Find the next non-blank line and parse it. */
static int jsonl_scan(struct table_reader *t, int first)
{
	for (;;) {
		size_t start = t->pos, le, next;
		const char *nl;
		int rc;

		if (start >= t->end)
			return t->eof ? SCAN_EOF : SCAN_MORE;
		nl = memchr(t->buf + start, '\n', t->end - start);
		if (!nl) {
			if (!t->eof)
				return SCAN_MORE;
			le = next = t->end;
		} else {
			le = nl - t->buf;
			next = le + 1;
		}
		t->row_start = start;
		t->row_end = le > start && t->buf[le - 1] == '\r' ? le - 1 : le;
		t->pos = next;
		t->line = t->next_line++;
		rc = json_object(t, first);
		if (rc != SCAN_BLANK)
			return rc;
	}
}

/* ---- opening ---- */

static int has_ext(const char *name, size_t n, const char *ext)
{
	size_t el = strlen(ext);

	return n > el && name[n - el - 1] == '.' &&
	       !strncasecmp(name + n - el, ext, el);
}

static enum table_format format_from_ext(const char *name)
{
	static const char *const zext[] = { "gz", "gzip", "xz", "zst", "zstd",
					    "bz2", "bzip2", NULL };
	const char *slash = strrchr(name, '/');
	size_t n, i;

	if (slash)
		name = slash + 1;
	n = strlen(name);
	for (i = 0; zext[i]; i++)
		if (has_ext(name, n, zext[i])) {
			n -= strlen(zext[i]) + 1;
			break;
		}
	if (has_ext(name, n, "csv"))
		return TABLE_CSV;
	if (has_ext(name, n, "tsv") || has_ext(name, n, "tab"))
		return TABLE_TSV;
	if (has_ext(name, n, "jsonl") || has_ext(name, n, "ndjson"))
		return TABLE_JSONL;
	return TABLE_AUTO;
}

/* The first line decides: '{' JSONL, a tab and no comma TSV, else CSV. */
static enum table_format format_sniff(const struct table_reader *t)
{
	const char *p = t->buf + t->pos, *e = t->buf + t->end;
	const char *nl = memchr(p, '\n', e - p);

	if (nl)
		e = nl;
	while (p < e && json_ws(*p))
		p++;
	if (p < e && *p == '{')
		return TABLE_JSONL;
	if (memchr(p, '\t', e - p) && !memchr(p, ',', e - p))
		return TABLE_TSV;
	return TABLE_CSV;
}

static int read_header(struct table_reader *t)
{
	size_t i;
	int rc;

	t->fills = 0;
	for (;;) {
		rc = t->fmt == TABLE_JSONL ? jsonl_scan(t, 1) : csv_scan(t);
		if (rc != SCAN_MORE)
			break;
		if (refill(t) < 0)
			return -1;
	}
	if (rc == SCAN_BAD || rc == SCAN_FATAL)
		return -1;
	if (t->fmt == TABLE_JSONL) {
		if (rc == SCAN_ROW) {
			finish_fields(t, t->nf);
			t->pending = 1;
		}
		return 0;
	}
	if (rc == SCAN_EOF)
		return error_input("'%s': empty input, expected a header line",
				   t->name);
	if (row_is_blank(t))
		return error_input("'%s' line 1: empty header line", t->name);
	if (t->row_esc && tsv_decode(t) == SCAN_BAD)
		return -1;
	finish_fields(t, t->nf);
	for (i = 0; i < t->nf; i++) {
		struct field *f = &t->f[i];
		const char *s = f->p ? f->p : "";

		if (f->p && memchr(s, '\0', f->len))
			return error_input("'%s' line 1 column %zu: a NUL byte in a column name",
					   t->name, i + 1);
		if (add_column(t, s, f->p ? f->len : 0) < 0) {
			char name[200];

			msg_text(name, sizeof(name), s, f->p ? f->len : 0);
			return error_input("'%s' line 1: duplicate column name '%s'",
					   t->name, name);
		}
	}
	return 0;
}

static struct table_reader *open_fd(int fd, int own_fd, const char *name,
				    enum table_format fmt, int delim)
{
	struct table_reader *t = xcalloc(1, sizeof(*t));
	struct stat st;

	t->fd = fd;
	t->own_fd = own_fd;
	t->name = xstrdup(name);
	t->next_line = 1;
	strbuf_init(&t->scratch, 0);
	strbuf_init(&t->rawtext, 0);
	t->cap = TABLE_BUFSZ;
	if (!fstat(fd, &st)) {
		if (S_ISDIR(st.st_mode)) {
			error_input("'%s' is a directory", name);
			goto fail;
		}
		/* a small file needs no big buffer */
		if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < t->cap / 2)
			t->cap = st.st_size < 2048 ? 4096 : (size_t)st.st_size * 2;
	}
	t->buf = xcalloc(1, t->cap + SCAN_PAD);

#ifdef POSIX_FADV_SEQUENTIAL
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	if (read_more(t, 0, 16) < 0)
		goto fail;
	if (table_looks_compressed(t->buf, t->end)) {
		if (start_decompression(t) < 0 || read_more(t, 0, 16) < 0)
			goto fail;
	}
	if (t->end >= 3 && !memcmp(t->buf, "\xef\xbb\xbf", 3))
		t->pos = 3;

	if (fmt == TABLE_AUTO)
		fmt = format_from_ext(name);
	if (fmt == TABLE_AUTO) {
		/* the whole first line, if the buffer can hold it */
		while (!t->eof && t->end < t->cap &&
		       !memchr(t->buf + t->pos, '\n', t->end - t->pos))
			if (read_more(t, 0, t->end + 1) < 0)
				goto fail;
		fmt = format_sniff(t);
	}
	if (fmt != TABLE_CSV && fmt != TABLE_TSV && fmt != TABLE_JSONL) {
		error_input("unknown table format %d", (int)fmt);
		goto fail;
	}
	t->fmt = fmt;
	if (!delim)
		delim = fmt == TABLE_TSV ? '\t' : ',';
	if (fmt != TABLE_JSONL &&
	    (delim < 1 || delim > 255 || delim == '\n' || delim == '\r' ||
	     (fmt == TABLE_CSV && delim == '"') ||
	     (fmt == TABLE_TSV && delim == '\\'))) {
		error_input("invalid delimiter for '%s'", name);
		goto fail;
	}
	t->delim = (unsigned char)delim;
	/* TSV has no quoting, but the scanner finds its backslashes. */
	t->quote = fmt == TABLE_CSV ? '"' : '\\';
#ifndef __SSE2__
	t->special[t->delim] = t->special[t->quote] = 1;
	t->special['\n'] = t->special['\r'] = 1;
#endif
	scan_reset(t);
	if (read_header(t) < 0)
		goto fail;
	return t;
fail:
	table_close(t);
	return NULL;
}

struct table_reader *table_open(const char *path, enum table_format fmt,
				int delim)
{
	int fd;

	if (!strcmp(path, "-"))
		return open_fd(0, 0, "<stdin>", fmt, delim);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			error_input("cannot open '%s': %s", path, strerror(errno));
		else
			error("cannot open '%s': %s", path, strerror(errno));
		return NULL;
	}
	return open_fd(fd, 1, path, fmt, delim);
}

struct table_reader *table_open_fd(int fd, const char *name,
				   enum table_format fmt, int delim)
{
	return open_fd(fd, 1, name, fmt, delim);
}

void table_close(struct table_reader *t)
{
	int i;

	if (!t)
		return;
	if (t->ar)
		ar.read_free(t->ar);
	if (t->own_fd && t->fd >= 0)
		close(t->fd);
	for (i = 0; i < t->ncols; i++)
		free(t->cols[i]);
	free(t->cols);
	free(t->collen);
	free(t->htab);
	free(t->f);
	free(t->buf);
	free(t->pre);
	free(t->raw);
	free(t->name);
	free(t->fatal_msg);
	strbuf_release(&t->scratch);
	strbuf_release(&t->rawtext);
	free(t);
}

/* ---- rows ---- */

int table_next(struct table_reader *t)
{
	int rc;

	if (t->fatal) {
		error_code(t->fatal_code, "%s", t->fatal_msg);
		return TABLE_FATAL;
	}
	t->row_ok = 0;
	t->have_row = 0;
	if (t->pending) {
		t->pending = 0;
		t->row_ok = t->have_row = 1;
		t->nrows++;
		return TABLE_ROW;
	}
	t->fills = 0;
	for (;;) {
		if (t->fmt == TABLE_JSONL) {
			rc = jsonl_scan(t, 0);
		} else {
			strbuf_reset(&t->scratch);
			rc = csv_scan(t);
		}
		switch (rc) {
		case SCAN_MORE:
			if (refill(t) < 0)
				return set_fatal(t);
			continue;
		case SCAN_EOF:
			return TABLE_END;
		case SCAN_FATAL:
			return set_fatal(t);
		case SCAN_BAD:
			t->have_row = 1;
			return TABLE_BAD_ROW;
		}
		if (t->fmt == TABLE_JSONL) {
			finish_fields(t, t->nf);
		} else {
			rc = csv_finish(t);
			if (rc == SCAN_BLANK)
				continue;
			if (rc == SCAN_BAD) {
				t->have_row = 1;
				return TABLE_BAD_ROW;
			}
		}
		t->row_ok = t->have_row = 1;
		t->nrows++;
		return TABLE_ROW;
	}
}

const char *table_row_text(struct table_reader *t, size_t *len)
{
	size_t i, n = t->row_ok ? t->nf : 0;

	if (!t->have_row)
		return NULL;
	for (i = 0; i < n; i++)
		if (t->f[i].term)
			*t->f[i].term = t->f[i].saved;
	strbuf_reset(&t->rawtext);
	strbuf_add(&t->rawtext, t->buf + t->row_start,
		   t->row_end - t->row_start);
	for (i = 0; i < n; i++)
		if (t->f[i].term)
			*t->f[i].term = '\0';
	if (len)
		*len = t->rawtext.len;
	return t->rawtext.buf;
}

const char *table_field(const struct table_reader *t, int col, size_t *len)
{
	const struct field *f;

	if (!t->row_ok || col < 0 || col >= t->ncols)
		return NULL;
	f = &t->f[col];
	if (len)
		*len = f->p ? f->len : 0;
	return f->p;
}

const char *table_name(const struct table_reader *t)
{
	return t->name;
}

enum table_format table_format(const struct table_reader *t)
{
	return t->fmt;
}

uint64_t table_bytes_read(const struct table_reader *t)
{
	return t->bytes_read;
}

int table_ncols(const struct table_reader *t)
{
	return t->ncols;
}

const char *table_colname(const struct table_reader *t, int i)
{
	return i >= 0 && i < t->ncols ? t->cols[i] : NULL;
}

int table_col_index(const struct table_reader *t, const char *name)
{
	return col_lookup(t, name, strlen(name));
}

int64_t table_line(const struct table_reader *t)
{
	return t->line;
}

int64_t table_rows(const struct table_reader *t)
{
	return t->nrows;
}

/* ---- conversions ---- */

static inline void trim(const char **s, const char **e)
{
	while (*s < *e && (**s == ' ' || **s == '\t'))
		(*s)++;
	while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
		(*e)--;
}

int table_parse_int(const char *s, size_t len, int64_t *out)
{
	return num_parse_int(s, len, out);
}

int table_parse_float(const char *s, size_t len, double *out)
{
	return num_parse_float(s, len, out);
}

/* Does [p, e) spell `word`, in any case? */
static int is_word(const char *p, const char *e, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(e - p) == n && !strncasecmp(p, word, n);
}

int table_parse_bool(const char *s, size_t len, int *out)
{
	static const char *const yes[] = { "true", "t", "yes", "1", NULL };
	static const char *const no[] = { "false", "f", "no", "0", NULL };
	const char *p = s, *e = s + len;
	int i;

	trim(&p, &e);
	for (i = 0; yes[i]; i++)
		if (is_word(p, e, yes[i])) {
			*out = 1;
			return 0;
		}
	for (i = 0; no[i]; i++)
		if (is_word(p, e, no[i])) {
			*out = 0;
			return 0;
		}
	return -1;
}

/*
 * The field for a typed getter: 0 with the text, 1 when missing (or an
 * empty quoted string), -1 with a message when there is no such field.
 */
static int typed_field(const struct table_reader *t, int col, const char **s,
		       size_t *len)
{
	*s = NULL;
	*len = 0;
	if (col < 0 || col >= t->ncols)
		return error("'%s': no column %d", t->name, col);
	if (!t->row_ok)
		return error("'%s': no current row", t->name);
	*s = t->f[col].p;
	*len = t->f[col].len;
	return !*s || !*len;
}

static int bad_value(const struct table_reader *t, int col, const char *what,
		     const char *s, size_t len)
{
	char colname[300], val[300];

	msg_column(t, col, colname, sizeof(colname));
	msg_text(val, sizeof(val), s, len);
	return error_input("'%s' line %lld %s: %s: \"%s\"", t->name,
			   (long long)t->line, colname, what, val);
}

int table_get_int(const struct table_reader *t, int col, int64_t *out)
{
	const char *s;
	size_t len;
	int rc = typed_field(t, col, &s, &len);

	*out = 0;
	if (rc)
		return rc;
	rc = num_parse_int(s, len, out);
	if (rc == -2)
		return bad_value(t, col, "int out of range", s, len);
	if (rc < 0)
		return bad_value(t, col, "not an int", s, len);
	return 0;
}

int table_get_float(const struct table_reader *t, int col, double *out)
{
	const char *s;
	size_t len;
	int rc = typed_field(t, col, &s, &len);

	*out = NAN;
	if (rc)
		return rc;
	if (num_parse_float(s, len, out) < 0)
		return bad_value(t, col, "not a float", s, len);
	return 0;
}

int table_get_bool(const struct table_reader *t, int col, int *out)
{
	const char *s;
	size_t len;
	int rc = typed_field(t, col, &s, &len);

	*out = 0;
	if (rc)
		return rc;
	if (table_parse_bool(s, len, out) < 0)
		return bad_value(t, col, "not a bool", s, len);
	return 0;
}

int table_get_time(const struct table_reader *t, int col, const char *timefmt,
		   int64_t *out)
{
	const char *s, *e;
	size_t len;
	int rc = typed_field(t, col, &s, &len);

	*out = 0;
	if (rc)
		return rc;
	e = s + len;
	trim(&s, &e);
	if (mltime_parse_value(s, e - s, timefmt, out) < 0) {
		char colname[300];

		msg_column(t, col, colname, sizeof(colname));
		err_prefix("'%s' line %lld %s: ", t->name, (long long)t->line,
			   colname);
		return -1;
	}
	return 0;
}
