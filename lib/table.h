/*
 * table.h - the one streaming reader of tabular input: CSV, TSV and JSON
 * Lines, plain or compressed, from a file or from stdin.
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
 * works too) and decompressed through libarchive's raw reader.  Other input
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
 *   - TSV has a header row, fields separated by tabs and no quoting and no
 *     escapes at all: a quote is an ordinary character, and a field cannot
 *     hold a tab or a line break.  (Quoted TSV, as some spreadsheet
 *     programs write it, is read as CSV with the delimiter '\t'.)
 *   - JSON Lines: one JSON object per line.  The columns are the keys of
 *     the first object, in its order; a later object with a key not seen
 *     in the first is an error.  A key missing from an object, and JSON
 *     null, are missing values.  Strings are their decoded text, numbers
 *     their text as written (so 64-bit integers keep every digit), true and
 *     false the words "true" and "false", nested arrays and objects their
 *     JSON text as written.  Blank lines are skipped.  An empty input has
 *     no columns and no rows.
 *
 * Missing values.  An empty unquoted CSV or TSV field and JSON null are
 * missing: table_field() returns NULL.  A quoted empty CSV field ("") is an
 * empty string, not missing; the typed getters (int, float, bool,
 * timestamp) treat it as missing too, since it has no other meaning there.
 * A blank line is skipped when the header has two or more columns; with
 * one column it is a row whose value is missing (as RFC 4180 reads it).
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
 * Numbers are read in the "C" locale's syntax; a program using this module
 * must not set LC_NUMERIC to another locale.
 *
 * The reader is not thread-safe; distinct readers may be used from
 * distinct threads, apart from err.h's single message buffer.
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
	TABLE_TIMESTAMP /* int64_t microseconds, through mltime_parse_value() */
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
 * table_parse_int(): decimal int64 with an optional sign.  Returns 0, -1
 * for text that is no integer ("12,5", "1e3", ""), -2 when out of range.
 *
 * table_parse_float(): a decimal number with optional sign, fraction and
 * exponent, or inf, infinity, nan (any case, optional sign).  The result
 * is exactly strtod(3)'s (out-of-range values give +-inf or 0 as there).
 * Hexadecimal and other forms strtod() knows are refused.  Returns 0 or -1.
 *
 * table_parse_bool(): true/false, t/f, yes/no, 1/0 in any case; stores 1
 * or 0.  Returns 0 or -1.
 */
int table_parse_int(const char *s, size_t len, int64_t *out);
int table_parse_float(const char *s, size_t len, double *out);
int table_parse_bool(const char *s, size_t len, int *out);

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

#endif
