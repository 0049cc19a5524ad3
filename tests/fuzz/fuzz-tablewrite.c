/*
 * fuzz-tablewrite.c - libFuzzer harness for the table writer
 * (lib/tablewrite.c): whatever it writes, the reader reads back unchanged.
 *
 * The input is cut at NUL bytes into tokens.  Its first byte picks the
 * format (CSV, TSV, JSON Lines, CSV with ';' or with a tab) and the
 * number of columns (1 to 6); the first tokens are the column names, the
 * rest the cells, row by row, and a token starting with byte 0x01 is a
 * missing value.  The table is written to a memfd, read back with the
 * reader, and every name, cell, length and missing value must be what
 * was written; the writer may refuse only what table.h says it refuses
 * (duplicate names, a header TSV cannot hold: blank, starting with a
 * byte order mark or with a compressor's magic bytes).  JSON Lines turns bytes
 * that are not UTF-8 into U+FFFD, so there the expected text is made so
 * by ref_utf8() below, written apart from the library on purpose.
 *
 *   make fuzz && build-fuzz/fuzz-tablewrite -max_total_time=60
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "strbuf.h"
#include "table.h"

#define MAXTOK 4096

struct tok {
	const char *s;	/* NULL: missing */
	size_t len;
};

/* Is [p, e) a valid UTF-8 sequence start?  Its length, or 0. */
static size_t ref_seq(const unsigned char *p, const unsigned char *e)
{
	unsigned c = *p, cp;
	size_t n, i;

	if (c < 0x80)
		return 1;
	n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
	if (!n || c > 0xf4 || (size_t)(e - p) < n)
		return 0;
	cp = c & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	/* shortest form only, no surrogates, nothing past U+10FFFF */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* The text with each byte that is not part of valid UTF-8 as U+FFFD. */
static void ref_utf8(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	while (p < e) {
		size_t n = ref_seq(p, e);

		if (n) {
			strbuf_add(sb, p, n);
			p += n;
		} else {
			strbuf_add(sb, "\xef\xbf\xbd", 3);
			p++;
		}
	}
}

static int same(const char *got, size_t glen, const char *want, size_t wlen)
{
	return got && glen == wlen && !memcmp(got, want, wlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		enum table_format fmt;
		int delim;
	} kinds[] = { { TABLE_CSV, 0 }, { TABLE_TSV, 0 }, { TABLE_JSONL, 0 },
		      { TABLE_CSV, ';' }, { TABLE_CSV, '\t' } };
	static struct tok tok[MAXTOK];
	struct strbuf *want = NULL;
	char **names = NULL;
	size_t ntok = 0, i, p, nrows, ncells;
	int kind, ncols, fd = -1, c, rc, dupname = 0, dupkey = 0, jsonl;
	struct table_writer *w = NULL;
	struct table_reader *t = NULL;

	if (size < 1)
		return 0;
	kind = data[0] % 5;
	ncols = 1 + data[0] / 5 % 6;
	jsonl = kinds[kind].fmt == TABLE_JSONL;
	for (p = 1; p < size && ntok < MAXTOK;) {
		const uint8_t *z = memchr(data + p, 0, size - p);
		size_t end = z ? (size_t)(z - data) : size;

		tok[ntok].s = (const char *)data + p;
		tok[ntok].len = end - p;
		if (ntok >= (size_t)ncols && tok[ntok].len &&
		    tok[ntok].s[0] == 1)
			tok[ntok].s = NULL;
		ntok++;
		p = end + 1;
	}
	if (ntok < (size_t)ncols)
		return 0;

	/* names: NUL-terminated copies; as JSON keys, what the reader sees */
	names = calloc(ncols, sizeof(*names));
	want = calloc(ntok, sizeof(*want));
	if (!names || !want)
		abort();
	for (i = 0; i < ntok; i++) {
		strbuf_init(&want[i], 0);
		if (!tok[i].s)
			continue;
		if (jsonl)
			ref_utf8(&want[i], tok[i].s, tok[i].len);
		else
			strbuf_add(&want[i], tok[i].s, tok[i].len);
	}
	for (c = 0; c < ncols; c++) {
		names[c] = malloc(tok[c].len + 1);
		if (!names[c])
			abort();
		memcpy(names[c], tok[c].s, tok[c].len);
		names[c][tok[c].len] = '\0';
	}
	for (c = 0; c < ncols; c++)
		for (i = 0; i < (size_t)c; i++) {
			if (!strcmp(names[i], names[c]))
				dupname = 1;
			/* distinct names may be one JSON key after U+FFFD */
			if (want[i].len == want[c].len &&
			    !memcmp(want[i].buf, want[c].buf, want[c].len))
				dupkey = 1;
		}

	fd = memfd_create("fuzz-tablewrite", 0);
	if (fd < 0)
		goto out;
	w = table_writer_open(fd, "fuzz", kinds[kind].fmt, kinds[kind].delim,
			      ncols, (const char *const *)names, NULL);
	if (!w) {
		struct strbuf h = STRBUF_INIT;
		int tsv_bad;

		/* TSV may refuse a header the reader would not read back */
		for (c = 0; c < ncols; c++) {
			if (c)
				strbuf_addch(&h, '\t');
			table_put_tsv(&h, names[c], strlen(names[c]));
		}
		strbuf_addch(&h, '\n');
		tsv_bad = kinds[kind].fmt == TABLE_TSV &&
			  (h.len == 1 || !strncmp(h.buf, "\xef\xbb\xbf", 3) ||
			   table_looks_compressed(h.buf, h.len));
		strbuf_release(&h);

		if (!dupname && !tsv_bad) {
			fprintf(stderr, "open refused: %s\n", err_msg());
			abort();
		}
		goto out;
	}
	if (dupname)
		abort();	/* duplicate names must be refused */
	ncells = ntok - ncols;
	nrows = (ncells + ncols - 1) / ncols;
	for (i = 0; i < nrows * ncols; i++) {
		size_t k = ncols + i;

		if (k < ntok)
			table_writer_text(w, tok[k].s, tok[k].len);
		else
			table_writer_null(w);
		if ((i + 1) % ncols == 0 && table_writer_end_row(w) < 0)
			abort();
	}
	rc = table_writer_close(w);
	w = NULL;
	if (rc < 0)
		abort();

	if (lseek(fd, 0, SEEK_SET) < 0)
		goto out;
	t = table_open_fd(dup(fd), "fuzz", kinds[kind].fmt, kinds[kind].delim);
	if (!t) {
		if (jsonl && dupkey && nrows)
			goto out;	/* the reader refuses a duplicate key */
		fprintf(stderr, "reopen: %s\n", err_msg());
		abort();
	}
	if (!jsonl || nrows) {
		/* JSON Lines has no header: no rows, no columns */
		if (table_ncols(t) != ncols)
			abort();
		for (c = 0; c < ncols; c++)
			if (strlen(table_colname(t, c)) != want[c].len ||
			    memcmp(table_colname(t, c), want[c].buf, want[c].len))
				abort();
	}
	for (i = 0; (rc = table_next(t)) == TABLE_ROW; i++) {
		if (i >= nrows)
			abort();
		for (c = 0; c < ncols; c++) {
			size_t k = ncols + i * ncols + c, len;
			const char *f = table_field(t, c, &len);

			if (k >= ntok || !tok[k].s) {
				if (f)
					abort();
			} else if (!same(f, len, want[k].buf, want[k].len)) {
				fprintf(stderr, "row %zu col %d differs\n", i, c);
				abort();
			}
		}
	}
	if (rc != TABLE_END || i != nrows) {
		fprintf(stderr, "read back: %s\n", err_msg());
		abort();
	}
out:
	table_writer_free(w);
	table_close(t);
	if (fd >= 0)
		close(fd);
	for (i = 0; i < ntok && want; i++)
		strbuf_release(&want[i]);
	free(want);
	for (c = 0; names && c < ncols; c++)
		free(names[c]);
	free(names);
	err_clear();
	return 0;
}
