/*
 * table.h - the one streaming reader of tabular input (CSV, TSV and JSON
 * Lines, plain or compressed, from a file or from stdin) and the one
 * writer of tabular output, with one grammar, so that whatever a tool
 * writes reads back unchanged.
 *
 * Every tool that reads a data set reads it through this module:
 *
 *	struct table_reader *t = table_open(path, TABLE_AUTO, 0);
 *	if (!t)
 *		return -1;			(the message is set)
 *	int amount = table_col_index(t, "amount");
 *	while ((rc = table_next(t)) > 0) {
 *		double v;
 *		int got = table_get_float(t, amount, &v);
 *		if (got < 0)
 *			break;			(bad value; message set)
 *		if (got == 0)
 *			use(v);			(got == 1: missing value)
 *	}
 *	table_close(t);
 *
 * 1. table_open() opens the input, detects compression and format and
 *    reads the column names (a CSV/TSV header row, or the keys of the
 *    first JSON object).
 * 2. table_next() steps to the next row.  Its fields are read with
 *    table_field() as text, or converted with table_get_int() and friends.
 *    Field pointers stay valid until the next table_next() or
 *    table_close().
 * 3. table_close() frees everything.
 *
 * Input.  "-" is stdin (shown as "<stdin>" in messages); any other path is
 * opened as given and shown as given.  Input compressed with gzip, xz,
 * zstd or bzip2 is recognised by its magic bytes (not its name, so stdin
 * works too) and decompressed through libarchive's raw reader, which is
 * loaded (dlopen) only then: a program that reads plain tables does not
 * pay for loading libarchive at start-up; without it, compressed input is
 * an environment error (exit 3).  Other input
 * is read with read(2) in large blocks.  A UTF-8 byte order mark at the
 * start is skipped.  Memory is bounded by the longest row, and no row may
 * be longer than TABLE_MAX_ROW bytes.
 *
 * Formats.  TABLE_AUTO picks the format from the name's extension, looking
 * through a compression suffix (data.csv.gz): .csv, .tsv or .tab, .jsonl
 * or .ndjson.  With no known extension (stdin included) the first line
 * decides: JSON Lines if it starts with '{', TSV if it holds a tab and no
 * comma, CSV otherwise.
 *   - CSV is RFC 4180 with a header row: fields may be quoted with '"', a
 *     quote inside is doubled, quoted fields may hold delimiters and line
 *     breaks, lines end in LF or CRLF (a lone CR is data), the last may
 *     lack a line end.  A quote in the middle of an unquoted field is an
 *     ordinary character; text between a closing quote and the next
 *     delimiter is an error.  The delimiter is ',' unless one is given.
 *   - TSV is PostgreSQL's COPY text format with a header row: fields
 *     separated by tabs, lines ending in LF or CRLF, no quoting (a quote
 *     is an ordinary character), and backslash escapes: \t, \n, \r and
 *     \\ stand for a tab, a newline, a carriage return and a backslash,
 *     and a field that is exactly \N is a missing value.  Any other byte
 *     after a backslash, and a backslash at the end of a field, make the
 *     row bad: 'data.tsv' line 4 column 'note': unknown escape '\x'.
 *     (Quoted TSV, as some spreadsheet programs write it, is read as CSV
 *     with the delimiter '\t'.)
 *   - JSON Lines: one JSON object per line.  The columns are the keys of
 *     the first object, in its order; a later object with a key not seen
 *     in the first is an error.  A key missing from an object, and JSON
 *     null, are missing values.  Strings are their decoded text, numbers
 *     their text as written (so 64-bit integers keep every digit), true and
 *     false the words "true" and "false", nested arrays and objects their
 *     JSON text as written.  Blank lines are skipped.  An empty input has
 *     no columns and no rows.
 *
 * Missing values.  An empty unquoted CSV field, a TSV \N and JSON null
 * are missing: table_field() returns NULL.  A quoted empty CSV field ("")
 * and an empty TSV field are empty strings, not missing; the typed getters
 * (int, float, bool, timestamp) treat an empty string as missing too,
 * since it has no other meaning there.  A blank line is skipped when the
 * header has two or more columns; with one column it is a row whose value
 * is missing in CSV (as RFC 4180 reads it) and an empty string in TSV.
 *
 * Line numbers are physical lines of the input, 1 for the header (or the
 * first JSON line); a row that spans lines is numbered by its first.
 *
 * Errors.  Every function that fails sets one message through err.h and
 * returns -1 (or NULL).  Malformed input is reported with error_input()
 * (exit status 2) and names the input, the line and, where there is one,
 * the column:
 *	'data.csv' line 17 column 'amount': not a float: "12,5"
 *	'data.csv' line 9: 4 fields, expected 3 (header has 3)
 *	'data.csv' line 5: unclosed quote (opened at line 4)
 * Corrupt compressed data is bad input too; I/O errors use error() (exit
 * status 3).  table_next() tells a bad row it can step over (its extent
 * is known) from an error that ends the input, so that a caller may skip
 * bad rows and keep them (table_row_text()) in a rejects file.
 *
 * Numbers are read with num.h's grammar, in the "C" locale's syntax; a
 * program using this module must not set LC_NUMERIC to another locale.
 *
 * Writing (lib/tablewrite.c).  table_writer_open() starts a table on a
 * descriptor; each row is given cell by cell (as text, or typed) or all
 * at once, and table_writer_close() flushes and reports:
 *
 *	static const char *const names[] = { "id", "score", "note" };
 *	static const enum table_type types[] = { TABLE_INT, TABLE_FLOAT,
 *						 TABLE_STRING };
 *	struct table_writer *w = table_writer_open(1, "-", TABLE_CSV, 0, 3,
 *						   names, types);
 *	if (!w)
 *		return -1;			(the message is set)
 *	while (more rows) {
 *		table_writer_int(w, id);
 *		table_writer_float(w, score);
 *		table_writer_text(w, note, note ? strlen(note) : 0);
 *		if (table_writer_end_row(w) < 0)
 *			goto fail;		(a write error, reported)
 *	}
 *	return table_writer_close(w);		(flushes; -1 on a write error)
 * fail:
 *	table_writer_free(w);
 *	return -1;
 *
 * The writer streams: it holds one buffer of output (flushed with
 * write(2) every 64 KiB or so), never the data set.  It writes exactly
 * the grammar the reader reads, and reading back what it wrote gives the
 * same columns, the same text and the same missing values:
 *   - CSV: a header row, fields separated by the delimiter (',' unless
 *     one is given), lines ending in LF.  A field is quoted (with '"',
 *     quotes inside doubled) when it holds the delimiter, a quote, CR or
 *     LF, starts or ends with a space or a tab, or is the empty string
 *     (written ""); a missing value is an empty unquoted field, so a row
 *     of one missing value is an empty line.  The first column name is
 *     quoted too when the header would otherwise start with a byte order
 *     mark or look compressed.
 *   - TSV: a header row, fields separated by tabs, lines ending in LF;
 *     a tab, newline, carriage return and backslash in a field are
 *     written \t, \n, \r and \\ (table_put_tsv()), a missing value as
 *     \N, the empty string as an empty field.  A header the reader
 *     would not read back cannot be written as TSV (open fails): one
 *     empty column name (a blank line), and a header that starts with a
 *     UTF-8 byte order mark or looks compressed (table_looks_compressed()).
 *   - JSON Lines: one object a row, with every column as a key, in
 *     order; a missing value is null; text is a JSON string, escaped as
 *     RFC 8259 says, with each byte that is not part of valid UTF-8
 *     written as U+FFFD (so only valid UTF-8 reads back byte for byte).
 *     A text cell of a column declared TABLE_INT or TABLE_FLOAT that is
 *     a number in JSON's grammar, and one of a TABLE_BOOL column that is
 *     true or false, is written bare; see table_put_json() for the rest.
 *     There is no header: a table of no rows is an empty file.
 * Column types matter for JSON Lines only (CSV and TSV write text as
 * it is), and only for text cells: the typed cell functions write their
 * value's own form in every format.
 *
 * Write errors (a full disk, a closed pipe) are reported with error()
 * (exit status 3): "cannot write to standard output: No space left on
 * device".  After one, every later call fails the same way.
 *
 * Readers and writers are not thread-safe; distinct ones may be used
 * from distinct threads, apart from err.h's single message buffer.
 */
#ifndef MLREPO_TABLE_H
#define MLREPO_TABLE_H

#include <stddef.h>
#include <stdint.h>

/* The longest row (or JSON line) accepted, in bytes: 64 MiB. */
#define TABLE_MAX_ROW ((size_t)64 << 20)

enum table_format { TABLE_AUTO, TABLE_CSV, TABLE_TSV, TABLE_JSONL };
enum table_type {
	TABLE_STRING,
	TABLE_INT,	/* int64_t, decimal, optional sign */
	TABLE_FLOAT,	/* double */
	TABLE_BOOL,	/* true/false, 1/0, yes/no, t/f, any case */
	TABLE_TIMESTAMP, /* int64_t microseconds, through mltime_parse_value() */
	TABLE_JSON	/* writer only: JSON text (no --types name) */
};

/* table_next()'s results. */
enum {
	TABLE_ROW = 1,	     /* a row is ready */
	TABLE_END = 0,	     /* no more rows */
	TABLE_BAD_ROW = -1,  /* this row is malformed; the next call goes on */
	TABLE_FATAL = -2     /* the input cannot be read further */
};

struct table_reader;

/*
 * Open `path` ("-" for stdin) as `fmt` (TABLE_AUTO: see above).  `delim`
 * is the field delimiter for CSV or TSV, 0 for the default (',' or tab);
 * it may be any byte but a line break, NUL or, for CSV, '"'.  Reads the
 * header (or first JSON object) before returning.  Returns NULL with the
 * message set: error_input() for a bad header, a bad delimiter, a
 * directory, a file that does not exist; error() for other I/O errors.
 */
struct table_reader *table_open(const char *path, enum table_format fmt,
				int delim);
/*
 * The same for an open descriptor, shown in messages as `name` (which
 * also picks the format for TABLE_AUTO).  The reader owns `fd` from then
 * on, also on failure: table_close() closes it.
 */
struct table_reader *table_open_fd(int fd, const char *name,
				   enum table_format fmt, int delim);
/* Free the reader and close its input (stdin is left open). */
void table_close(struct table_reader *t);

/* The name used in messages ("<stdin>" for "-"). */
const char *table_name(const struct table_reader *t);
/* The format in use, after TABLE_AUTO was resolved. */
enum table_format table_format(const struct table_reader *t);
/*
 * Bytes read from the input so far: compressed bytes for compressed
 * input, so it compares with the file's size (for progress bars).
 */
uint64_t table_bytes_read(const struct table_reader *t);

/* The number of columns, and the name of column `i` (owned by the reader). */
int table_ncols(const struct table_reader *t);
const char *table_colname(const struct table_reader *t, int i);
/* The index of the column called `name`, or -1 when there is none. */
int table_col_index(const struct table_reader *t, const char *name);

/*
 * Step to the next row.  Returns TABLE_ROW (1), TABLE_END (0), or with the
 * message set TABLE_BAD_ROW (-1: a malformed row, such as a ragged row, a
 * stray quote or an object with an unknown key; calling again reads on
 * from the row after it) or TABLE_FATAL (-2: an unclosed quote at the end
 * of the input, a row over TABLE_MAX_ROW, corrupt compressed data or an
 * I/O error; every later call returns TABLE_FATAL again).
 */
int table_next(struct table_reader *t);
/* The physical line on which the current row starts (1: the header). */
int64_t table_line(const struct table_reader *t);
/* The number of rows returned so far (bad rows not counted). */
int64_t table_rows(const struct table_reader *t);

/*
 * Field `col` of the current row, NUL-terminated, with its length in
 * `*len` when `len` is not NULL (the text may hold NUL bytes of its own).
 * Returns NULL for a missing value, for a column out of range, and after
 * table_next() failed.  The text is owned by the reader and valid until
 * the next table_next().
 */
const char *table_field(const struct table_reader *t, int col, size_t *len);
/*
 * The current row's raw text as read, without its line ending: for
 * writing a bad row (after TABLE_BAD_ROW) or a rejected one to a rejects
 * file.  Owned by the reader, valid until the next table_next(); fields
 * stay valid.  NULL when there is no current row.
 */
const char *table_row_text(struct table_reader *t, size_t *len);

/*
 * Typed access to field `col` of the current row.  Each returns 0 and
 * stores the value, 1 for a missing value (storing 0, or NAN for floats),
 * or -1 with an error_input() message naming the input, line, column and
 * value, as in: 'data.csv' line 17 column 'amount': not a float: "12,5".
 * Spaces and tabs around a value are ignored.
 */
int table_get_int(const struct table_reader *t, int col, int64_t *out);
int table_get_float(const struct table_reader *t, int col, double *out);
int table_get_bool(const struct table_reader *t, int col, int *out);
/* `timefmt` is passed to mltime_parse_value(): NULL, "iso", "epoch", ... */
int table_get_time(const struct table_reader *t, int col, const char *timefmt,
		   int64_t *out);

/*
 * Plain converters of the `len` bytes at `s` (need not be NUL-terminated),
 * with no message.  Spaces and tabs around the value are ignored.
 *
 * table_parse_int() and table_parse_float() are num_parse_int() and
 * num_parse_float() (num.h), the grammar the typed getters use: a
 * decimal int64 with an optional sign (0; -1 for no integer, -2 when out
 * of range), and a decimal number or inf/infinity/nan, exactly as
 * strtod(3) reads it (0 or -1).
 *
 * table_parse_bool(): true/false, t/f, yes/no, 1/0 in any case; stores 1
 * or 0.  Returns 0 or -1.
 */
int table_parse_int(const char *s, size_t len, int64_t *out);
int table_parse_float(const char *s, size_t len, double *out);
int table_parse_bool(const char *s, size_t len, int *out);

/*
 * Do the `n` bytes at `buf`, the start of an input, look like gzip, xz,
 * zstd or bzip2 data (their magic bytes)?  The reader decompresses such
 * input, and the writer makes sure that no table it writes starts so.
 */
int table_looks_compressed(const void *buf, size_t n);

/*
 * Names for --format and --types: "csv", "tsv", "jsonl" (also "ndjson",
 * and "auto" for TABLE_AUTO); "string", "int", "float", "bool",
 * "timestamp".  The *_from_name() functions return -1 for an unknown
 * name, without a message.
 */
int table_format_from_name(const char *s);
const char *table_format_name(enum table_format fmt);
int table_type_from_name(const char *s);
const char *table_type_name(enum table_type type);

/* ---- writing ---- */

struct strbuf;
struct table_writer;

/*
 * Start writing a table of `ncols` columns (at least 1) named `colnames`
 * to `fd`, as `fmt` (TABLE_CSV, TABLE_TSV or TABLE_JSONL), and write its
 * header into the buffer.  `delim` is CSV's delimiter, 0 for ','; for
 * TSV only 0 or '\t'.  `types` gives each column's type for JSON Lines,
 * or is NULL for all TABLE_STRING.  `name` is the output in messages:
 * "-" for "standard output", a path is shown quoted.  The writer does not
 * close `fd` (the caller may fsync and rename it), and nothing else
 * should write to `fd` until it is closed.  Returns NULL with an
 * error_input() message for a bad delimiter, a duplicate column name or
 * a header TSV cannot hold.
 */
struct table_writer *table_writer_open(int fd, const char *name,
				       enum table_format fmt, int delim,
				       int ncols, const char *const *colnames,
				       const enum table_type *types);
/*
 * The next cell of the current row, as text: `len` bytes at `s` (NUL
 * bytes included), or a missing value when `s` is NULL.  Cells past the
 * last column are dropped (and table_writer_end_row() fails).
 */
void table_writer_text(struct table_writer *w, const char *s, size_t len);
/* A missing value. */
void table_writer_null(struct table_writer *w);
/* An integer in decimal (a JSON number). */
void table_writer_int(struct table_writer *w, int64_t v);
/*
 * A double in the shortest form that reads back exactly
 * (num_format_exact(): "0.1", "1e+23"); nan, inf and -inf are written so
 * in CSV and TSV, and as the strings "NaN", "Infinity" and "-Infinity" in
 * JSON Lines (which has no such numbers).  All read back through
 * table_get_float().
 */
void table_writer_float(struct table_writer *w, double v);
/* true or false (a JSON boolean). */
void table_writer_bool(struct table_writer *w, int v);
/* Microseconds since the epoch in ISO 8601 UTC (mltime_format()). */
void table_writer_time(struct table_writer *w, int64_t us);
/*
 * End the row, and write the buffer out when it is full.  Returns 0, or
 * -1 via error() for a write error, or for a row that did not have
 * exactly `ncols` cells (a bug in the caller; the row is written with
 * its missing cells as missing values).
 */
int table_writer_end_row(struct table_writer *w);
/* Drop the cells given since the row began, as if none had been. */
void table_writer_cancel_row(struct table_writer *w);
/*
 * A whole row: `ncols` cells of text, NULL for a missing value, with
 * their lengths in `lens` (NULL: each cell is NUL-terminated).  Returns
 * what table_writer_end_row() returns.
 */
int table_writer_row(struct table_writer *w, const char *const *cells,
		     const size_t *lens);
/* The number of rows ended so far. */
int64_t table_writer_rows(const struct table_writer *w);
/*
 * Write out what is buffered and free the writer.  Returns 0, or -1 via
 * error() when this or any earlier write failed.  NULL is allowed.
 */
int table_writer_close(struct table_writer *w);
/*
 * Free the writer without writing what is buffered and without touching
 * the error message: for a caller that fails for another reason.  NULL
 * is allowed.
 */
void table_writer_free(struct table_writer *w);

/*
 * The encoders the writer uses, for other output of the same grammar
 * (lib/tabout.c's listings).  Each appends to `sb`.
 *
 * table_put_tsv(): `len` bytes of text as a TSV field: tab, newline,
 * carriage return and backslash as \t, \n, \r and \\, other bytes as
 * they are.  (A missing value, \N, is the caller's to write.)
 *
 * table_put_json_str(): `len` bytes of text as a JSON string, quotes
 * included: '"' and '\\' escaped, control characters as \n, \r, \t,
 * \b, \f or \u00XX, and each byte that is not part of valid UTF-8 as
 * U+FFFD.
 *
 * table_put_json(): a cell of a column of type `type` as a JSON value:
 * null when `s` is NULL; for TABLE_INT and TABLE_FLOAT the text as it is
 * when it is a number in JSON's grammar (num_json_len()); for TABLE_BOOL
 * when it is true or false; for TABLE_JSON when it is such a number, true,
 * false, or an object or array that parses (its line breaks, which can
 * only be white space there, written as spaces, so the record stays on
 * one line); any other text, and every TABLE_STRING and TABLE_TIMESTAMP
 * cell, as a JSON string.
 */
void table_put_tsv(struct strbuf *sb, const char *s, size_t len);
void table_put_json_str(struct strbuf *sb, const char *s, size_t len);
void table_put_json(struct strbuf *sb, const char *s, size_t len,
		    enum table_type type);

#endif
