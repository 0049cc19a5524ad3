/*
 * tabout.h - listings and records on standard output, the same in every
 * tool (DESIGN.md, command-line conventions).
 *
 * A listing (runs, groups, models, stages, history) prints as aligned
 * columns under a header line on a terminal, and as tab-separated lines
 * in a pipe, so that `cut -f2`, `sort` and `while IFS=$'\t' read` work:
 *
 *	static const char *const hdr[] = { "NAME", "VERSION", "CREATED" };
 *	struct tabout *t = tabout_new(3, hdr);
 *
 *	while (more rows) {
 *		const char *cells[3] = { name, version, created };
 *		tabout_add(t, cells);
 *	}
 *	if (tabout_print(t, stdout) < 0)
 *		ret = -1;	(a write error, already reported via error())
 *	tabout_free(t);
 *
 * 1. tabout_new() takes the column count and the header names (copied).
 * 2. tabout_add() copies a row of `ncols` cells; a NULL cell is empty
 *    (null in JSON Lines).
 * 3. tabout_print() writes every row, then flushes `fp` and reports a
 *    write error.  It picks the layout from isatty(fileno(fp)), unless
 *    tabout_set_mode() forced one (tests, a tool's own option, or
 *    TABOUT_JSONL for --json: `if (gopt.json) tabout_set_mode(t,
 *    TABOUT_JSONL);` gives JSON Lines from the same listing).
 *
 * On a terminal (TABOUT_TERMINAL):
 *   - a header line, in bold when colour is on (opt_use_color());
 *   - columns padded to the widest cell and separated by two spaces,
 *     widths counted in UTF-8 characters; no trailing blanks;
 *   - a column is right-aligned, header included, when every non-empty
 *     cell in it (other than "-") looks like a number: 42, -1.5, 3e-05,
 *     12%, nan, inf;
 *   - control characters in cells are shown as \t, \n, \r or \xNN, so a
 *     cell can neither break the layout nor send escape sequences.
 * In a pipe (TABOUT_PIPE):
 *   - cells in the given order separated by one tab, one row a line, no
 *     colour, no padding;
 *   - the header line only when --header was given (gopt.header);
 *   - tab, newline, carriage return and backslash in cells are written
 *     as \t, \n, \r and \\, other bytes as they are (table_put_tsv(),
 *     the table writer's TSV: a cell reads back with the table reader),
 *     and a NULL cell as nothing, an empty field.
 * As JSON Lines (TABOUT_JSONL):
 *   - one object a row, with a key for each column in order: its header
 *     name with ASCII letters lower-cased (NAME, VERSION -> "name",
 *     "version"), so headers should differ in more than case; without
 *     headers each row is an array instead;
 *   - cells are JSON strings, NULL cells null, unless tabout_set_types()
 *     declared the column's type: then table_put_json() writes a number
 *     or true/false bare when the cell is one (an "int" column holding
 *     "12" gives 12, holding "-" gives "-");
 *   - text is escaped as RFC 8259 says, bytes that are not UTF-8 written
 *     as U+FFFD; no header line, whatever --header says.
 * The whole listing is held in memory until tabout_print(): listings are
 * meant for hundreds or thousands of rows, not for data sets (those are
 * written as CSV by the table module).
 *
 * Allocation failures die (out of memory), as with the x* allocators.
 */
#ifndef MLREPO_TABOUT_H
#define MLREPO_TABOUT_H

#include <stdio.h>

#include "table.h"

struct cJSON;

enum tabout_mode {
	TABOUT_AUTO,	 /* terminal or pipe, from isatty(fileno(fp)) */
	TABOUT_TERMINAL, /* aligned columns and a header */
	TABOUT_PIPE,	 /* tab-separated, header only with --header */
	TABOUT_JSONL	 /* one JSON object a row */
};

struct tabout;

/*
 * A new listing of `ncols` columns (at least 1).  `headers` holds
 * `ncols` names, or is NULL for a listing without a header line.
 * Free it with tabout_free().
 */
struct tabout *tabout_new(int ncols, const char *const *headers);
/* Force a layout instead of asking isatty(). */
void tabout_set_mode(struct tabout *t, enum tabout_mode mode);
/*
 * Declare the columns' types (`ncols` of them, copied) for JSON Lines;
 * the other layouts ignore them.  Without it every column is
 * TABLE_STRING.
 */
void tabout_set_types(struct tabout *t, const enum table_type *types);
/* Append a row: `ncols` cells, copied; NULL cells are empty (or null). */
void tabout_add(struct tabout *t, const char *const *cells);
/* The number of rows added so far. */
size_t tabout_rows(const struct tabout *t);
/*
 * Write the listing to `fp` and flush it.  Returns 0, or -1 via error()
 * ("cannot write to standard output: No space left on device") when a
 * write failed.  The rows are kept: printing twice prints them twice.
 */
int tabout_print(struct tabout *t, FILE *fp);
/* Free the listing and every cell.  NULL is allowed. */
void tabout_free(struct tabout *t);
/*
 * Append `s` to `sb` with control characters made visible as on a
 * terminal (\t, \n, \r, \xNN), for reports that are not listings
 * (`exp-log show`), so a value can neither break a line nor send escape
 * sequences.
 */
struct strbuf;
void tabout_add_visible(struct strbuf *sb, const char *s);

/*
 * A sparkline: append to `sb` a line of the eight blocks U+2581 to
 * U+2588 drawing the `n` values of `v`, one block a value or, with more
 * than `width` of them (width > 0), `width` blocks each the mean of its
 * share of consecutive values.  A block's height is its value's place on
 * the scale from the lowest value (or 0, with TABOUT_SPARK_FROM_ZERO,
 * when no value is below 0) to the highest, in eight equal bands; when
 * every value is the same, the fourth block (the lowest with
 * TABOUT_SPARK_FROM_ZERO, where that means every value is 0).  NaN and
 * infinite values are left out of means and of the scale; a block with
 * none to show is a space.  The scale's ends go to range[0] and range[1]
 * when `range` is not NULL (NaN both when no value is finite).  No
 * newline.  For terminals only: in a pipe, write the numbers.
 */
enum tabout_spark_flags {
	TABOUT_SPARK_FROM_ZERO = 1 << 0
};
void tabout_sparkline(struct strbuf *sb, const double *v, size_t n,
		      size_t width, unsigned flags, double range[2]);

/*
 * Write `obj` as compact JSON and a newline: one document for --json, or
 * one record of JSON Lines.  Does not flush (call out_flush() at the
 * end).  Returns 0, or -1 via error() if `fp` has seen a write error.
 */
int json_print_line(FILE *fp, const struct cJSON *obj);
/*
 * `obj` as JSON text (compact, or indented when `formatted`) with every
 * number written exactly: the shortest text that reads back as the same
 * double (num_format_exact()), where cJSON's own printing may round off
 * the last bit (0.30000000000000004 as 0.3).  The caller frees the text
 * with cJSON_free() (free(3) by default).
 */
char *json_print_exact(const struct cJSON *obj, int formatted);

/*
 * Flush `fp` and report whether every write to it succeeded, so that a
 * full disk or a closed pipe is an error, not silently lost output (the
 * idea of sbase's fshut).  Returns 0, or -1 via error() with "cannot
 * write to standard output: ..." (or standard error, or output).  Call
 * it on stdout before a tool exits with success.
 */
int out_flush(FILE *fp);

#endif
