/*
 * test-table.c - lib/table.c: CSV, TSV and JSON Lines edge cases, the
 * typed converters, compressed input and the shared real data sets.
 */
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "err.h"
#include "num.h"
#include "strbuf.h"
#include "table.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-table.XXXXXX";
static char *shared;	/* the absolute path of shared/data, or NULL */

/* Write `len` bytes (-1: strlen) to `name` in the test's directory. */
static const char *put(const char *name, const char *data, long len)
{
	FILE *fp = fopen(name, "wb");

	if (!fp) {
		perror(name);
		exit(99);
	}
	fwrite(data, 1, len < 0 ? strlen(data) : (size_t)len, fp);
	if (fclose(fp)) {
		perror(name);
		exit(99);
	}
	return name;
}

/*
 * Read every row of an open reader into one string: fields joined by '|',
 * missing values as <NA>, rows ending in '\n'; a bad row as "!msg\n"
 * (reading on), a fatal error as "!!msg\n" (stopping).
 */
static char *rows_of(struct table_reader *t)
{
	struct strbuf sb = STRBUF_INIT;
	int rc, i;

	while ((rc = table_next(t)) != TABLE_END) {
		if (rc < 0) {
			strbuf_addf(&sb, "%s%s\n", rc == TABLE_FATAL ? "!!" : "!",
				    err_msg());
			if (rc == TABLE_FATAL)
				break;
			continue;
		}
		for (i = 0; i < table_ncols(t); i++) {
			size_t len;
			const char *f = table_field(t, i, &len);

			if (i)
				strbuf_addch(&sb, '|');
			if (f)
				strbuf_add(&sb, f, len);
			else
				strbuf_addstr(&sb, "<NA>");
		}
		strbuf_addch(&sb, '\n');
	}
	return strbuf_detach(&sb, NULL);
}

/* The header joined by '|', then a newline, then rows_of(). */
static char *dump_file(const char *path, enum table_format fmt, int delim)
{
	struct table_reader *t = table_open(path, fmt, delim);
	struct strbuf sb = STRBUF_INIT;
	char *rows;
	int i;

	if (!t) {
		strbuf_addf(&sb, "open: %s", err_msg());
		return strbuf_detach(&sb, NULL);
	}
	for (i = 0; i < table_ncols(t); i++)
		strbuf_addf(&sb, "%s%s", i ? "|" : "", table_colname(t, i));
	strbuf_addch(&sb, '\n');
	rows = rows_of(t);
	strbuf_addstr(&sb, rows);
	free(rows);
	table_close(t);
	return strbuf_detach(&sb, NULL);
}

static char *dump_str(const char *name, const char *data, enum table_format fmt,
		      int delim)
{
	return dump_file(put(name, data, -1), fmt, delim);
}

#define CHECK_DUMP(name, data, fmt, delim, want, what)                          \
	do {                                                                   \
		char *got_ = dump_str((name), (data), (fmt), (delim));         \
		is_str(got_, (want), (what));                                  \
		free(got_);                                                    \
	} while (0)

static void test_csv_basics(void)
{
	CHECK_DUMP("a.csv", "a,b,c\n1,2,3\n4,5,6\n", TABLE_AUTO, 0,
		   "a|b|c\n1|2|3\n4|5|6\n", "plain CSV");
	CHECK_DUMP("a.csv", "a,b\n1,2", TABLE_AUTO, 0, "a|b\n1|2\n",
		   "no newline at the end");
	CHECK_DUMP("a.csv", "a,b\r\n1,2\r\n3,4", TABLE_AUTO, 0,
		   "a|b\n1|2\n3|4\n", "CRLF line ends");
	CHECK_DUMP("a.csv", "\xef\xbb\xbf" "id,v\n1,2\n", TABLE_AUTO, 0,
		   "id|v\n1|2\n", "a UTF-8 BOM is skipped");
	CHECK_DUMP("a.csv", "a,b\n\"x,y\",\"he said \"\"hi\"\"\"\n", TABLE_AUTO,
		   0, "a|b\nx,y|he said \"hi\"\n",
		   "quoted delimiter and doubled quotes");
	CHECK_DUMP("a.csv", "a,b\n\"line1\nline2\",\"crlf\r\ninside\"\n", TABLE_AUTO,
		   0, "a|b\nline1\nline2|crlf\r\ninside\n",
		   "line breaks inside quotes are kept");
	CHECK_DUMP("a.csv", "a,b,c\n,\"\",x\n", TABLE_AUTO, 0,
		   "a|b|c\n<NA>||x\n", "empty is missing, \"\" is an empty string");
	CHECK_DUMP("a.csv", "a,b\n1,\n", TABLE_AUTO, 0, "a|b\n1|<NA>\n",
		   "an empty last field is missing");
	CHECK_DUMP("a.csv", "a,b\n5'11\",x\"y\"\n", TABLE_AUTO, 0,
		   "a|b\n5'11\"|x\"y\"\n",
		   "a quote inside an unquoted field is data");
	CHECK_DUMP("a.csv", "a,b\n1,2\n\n3,4\n\r\n", TABLE_AUTO, 0,
		   "a|b\n1|2\n3|4\n", "blank lines are skipped (2+ columns)");
	CHECK_DUMP("a.csv", "a\n1\n\n3\n", TABLE_AUTO, 0, "a\n1\n<NA>\n3\n",
		   "a blank line is a missing value (1 column)");
	CHECK_DUMP("a.csv", "\"a \"\"q\"\"\",b\n1,2\n", TABLE_AUTO, 0,
		   "a \"q\"|b\n1|2\n", "quoted header names");
	CHECK_DUMP("a.csv", "a,b\n\"\"\"\",\"\"\"\"\"\"\n", TABLE_AUTO, 0,
		   "a|b\n\"|\"\"\n", "fields of quotes only");
	CHECK_DUMP("a.csv", "a,b\n1,\"x\"", TABLE_AUTO, 0, "a|b\n1|x\n",
		   "a closing quote at the very end");
	CHECK_DUMP("a.csv", "a,b\n1,2\r", TABLE_AUTO, 0, "a|b\n1|2\n",
		   "a CR at the very end ends the row");
	CHECK_DUMP("a.csv", "a,b\nx\ry,2\n", TABLE_AUTO, 0, "a|b\nx\ry|2\n",
		   "a lone CR is data");
	CHECK_DUMP("a.csv", "a;b\n1;\"2;3\"\n", TABLE_CSV, ';',
		   "a|b\n1|2;3\n", "--delimiter ;");
}

static void test_csv_errors(void)
{
	struct table_reader *t;
	const char *raw;
	size_t len;

	CHECK_DUMP("data.csv", "a,b,c\n1,2,3\n1,2,3,4\n5,6,7\n8,9\n", TABLE_AUTO,
		   0,
		   "a|b|c\n1|2|3\n"
		   "!'data.csv' line 3: 4 fields, expected 3 (header has 3)\n"
		   "5|6|7\n"
		   "!'data.csv' line 5: 2 fields, expected 3 (header has 3)\n",
		   "ragged rows are errors, and reading goes on");
	CHECK_DUMP("data.csv", "a,b\n1\n", TABLE_AUTO, 0,
		   "a|b\n!'data.csv' line 2: 1 field, expected 2 (header has 2)\n",
		   "one field is a field, not fields");
	CHECK_DUMP("m.csv", "a,b\n\"x\ny\",1\n2,3,4\n", TABLE_AUTO, 0,
		   "a|b\nx\ny|1\n"
		   "!'m.csv' line 4: 3 fields, expected 2 (header has 2)\n",
		   "line numbers count line breaks inside quotes");
	CHECK_DUMP("uq.csv", "a,b\n1,2\n3,\"abc\n4,5\n", TABLE_AUTO, 0,
		   "a|b\n1|2\n"
		   "!!'uq.csv' line 4: unclosed quote (opened at line 3)\n",
		   "an unclosed quote ends the input");
	CHECK_DUMP("uq.csv", "a,b\n1,2\n\n3,\"x", TABLE_AUTO, 0,
		   "a|b\n1|2\n!!'uq.csv' line 4: unclosed quote (opened at line 4)\n",
		   "the line of the opening quote");
	CHECK_DUMP("uq.csv", "a,b\n\"1\n\n2,\"x,\"\n", TABLE_AUTO, 0,
		   "a|b\n!!'uq.csv' line 4: unclosed quote (opened at line 4)\n",
		   "a quote closed, then a new one opened");
	CHECK_DUMP("tq.csv", "a,b\n\"x\"y,2\n3,4\n1,\"z\" \n", TABLE_AUTO, 0,
		   "a|b\n"
		   "!'tq.csv' line 2 column 'a': unexpected text after a closing quote\n"
		   "3|4\n"
		   "!'tq.csv' line 4 column 'b': unexpected text after a closing quote\n",
		   "text after a closing quote");
	is_str(err_hint_msg(), "a quote inside a quoted field must be doubled (\"\")",
	       "with a hint");
	CHECK_DUMP("empty.csv", "", TABLE_AUTO, 0,
		   "open: 'empty.csv': empty input, expected a header line",
		   "an empty file has no header");
	CHECK_DUMP("blank.csv", "\n1,2\n", TABLE_AUTO, 0,
		   "open: 'blank.csv' line 1: empty header line",
		   "a blank header line");
	CHECK_DUMP("dup.csv", "a,b,a\n", TABLE_AUTO, 0,
		   "open: 'dup.csv' line 1: duplicate column name 'a'",
		   "duplicate column names");
	CHECK_DUMP("hq.csv", "\"a\"x,b\n", TABLE_AUTO, 0,
		   "open: 'hq.csv' line 1 column 1: unexpected text after a closing quote",
		   "a bad header names the column by number");
	CHECK_DUMP("d.csv", "a\n", TABLE_CSV, '"',
		   "open: invalid delimiter for 'd.csv'", "'\"' cannot delimit CSV");
	CHECK_DUMP("d.csv", "a\n", TABLE_CSV, '\n',
		   "open: invalid delimiter for 'd.csv'", "nor a newline");
	t = table_open("nothere.csv", TABLE_AUTO, 0);
	ok(!t && err_code() == EXIT_USAGE, "a missing file is bad input");
	is_str(err_msg(), "cannot open 'nothere.csv': No such file or directory",
	       "and says so");
	mkdir("adir.csv", 0700);
	t = table_open("adir.csv", TABLE_AUTO, 0);
	ok(!t, "a directory cannot be read");
	is_str(err_msg(), "'adir.csv' is a directory", "and says so");

	/* the raw text of rows, for rejects files */
	t = table_open(put("raw.csv", "a,b\n\"x\"\"y\",2\r\n1,2,3\n\"q\"r,4\n", -1),
		       TABLE_AUTO, 0);
	ok(t && table_next(t) == TABLE_ROW, "raw: a good row");
	raw = t ? table_row_text(t, &len) : NULL;
	is_str(raw, "\"x\"\"y\",2", "raw text of a good row (quotes kept)");
	is_str(t ? table_field(t, 0, NULL) : NULL, "x\"y", "fields stay valid");
	is_str(t ? table_field(t, 1, NULL) : NULL, "2", "every field");
	ok(t && table_next(t) == TABLE_BAD_ROW, "raw: a ragged row");
	is_str(t ? table_row_text(t, NULL) : NULL, "1,2,3", "raw text of a ragged row");
	ok(t && !table_field(t, 0, NULL), "a bad row has no fields");
	ok(t && table_next(t) == TABLE_BAD_ROW, "raw: a stray quote");
	is_str(t ? table_row_text(t, NULL) : NULL, "\"q\"r,4",
	       "raw text of a row with a stray quote");
	ok(t && table_next(t) == TABLE_END, "raw: the end");
	ok(t && !table_row_text(t, NULL), "no raw text at the end");
	table_close(t);

	/* fatal errors stay */
	t = table_open(put("uq2.csv", "a\n\"x\n", -1), TABLE_AUTO, 0);
	ok(t && table_next(t) == TABLE_FATAL, "an unclosed quote is fatal");
	err_clear();
	ok(t && table_next(t) == TABLE_FATAL, "and stays so");
	is_str(err_msg(), "'uq2.csv' line 2: unclosed quote (opened at line 2)",
	       "with the same message");
	table_close(t);
}

static void test_tsv(void)
{
	CHECK_DUMP("a.tsv", "a\tb\n\"x\"\t\"y\n", TABLE_AUTO, 0,
		   "a|b\n\"x\"|\"y\n", "TSV has no quoting");
	CHECK_DUMP("a.tab", "a\tb\n1\t\n\t2\r\n\\N\t\\N\n", TABLE_AUTO, 0,
		   "a|b\n1|\n|2\n<NA>|<NA>\n",
		   "TSV: an empty field is an empty string, \\N is missing");
	CHECK_DUMP("e.tsv", "a\\tb\tc\\\\d\n"
		   "x\\ty\t1\\n2\r\n"
		   "\\r\\\\N\t\\\\N\n"
		   "\\\\\\\\\tq\\\\\n",
		   TABLE_AUTO, 0,
		   "a\tb|c\\d\nx\ty|1\n2\n\r\\N|\\N\n\\\\|q\\\n",
		   "TSV escapes: \\t \\n \\r \\\\, in the header too; "
		   "\\\\N is the text \\N");
	CHECK_DUMP("one.tsv", "a\n1\n\n\\N\n\n", TABLE_AUTO, 0,
		   "a\n1\n\n<NA>\n\n",
		   "TSV, one column: a blank line is an empty string");
	CHECK_DUMP("two.tsv", "a\tb\n1\t2\n\n3\t4\n", TABLE_AUTO, 0,
		   "a|b\n1|2\n3|4\n",
		   "TSV, two columns: blank lines are skipped");
	CHECK_DUMP("bad.tsv", "a\tb\n"
		   "x\\q\t1\n"
		   "ok\t2\n"
		   "x\t1\\\n"
		   "\\Nx\t3\n"
		   "x\t\\\x01\n"
		   "x\ta\\\tb\n"
		   "\\\\\t\\\\\\\n"
		   "end\t4",
		   TABLE_AUTO, 0,
		   "a|b\n"
		   "!'bad.tsv' line 2 column 'a': unknown escape '\\q'\n"
		   "ok|2\n"
		   "!'bad.tsv' line 4 column 'b': a backslash at the end of the field\n"
		   "!'bad.tsv' line 5 column 'a': \\N (a missing value) must be "
		   "the whole field\n"
		   "!'bad.tsv' line 6 column 'b': unknown escape: a backslash "
		   "before byte 0x01\n"
		   "!'bad.tsv' line 7: 3 fields, expected 2 (header has 2)\n"
		   "!'bad.tsv' line 8 column 'b': a backslash at the end of the field\n"
		   "end|4\n",
		   "bad TSV escapes are bad rows naming line and column");
	CHECK_DUMP("badh.tsv", "a\tb\\x\n1\t2\n", TABLE_AUTO, 0,
		   "open: 'badh.tsv' line 1 column 2: unknown escape '\\x'",
		   "a bad escape in the header fails the open");
	{
		struct table_reader *t =
			table_open(put("h.tsv", "a\n\\x\n", -1), TABLE_AUTO, 0);

		ok(t && table_next(t) == TABLE_BAD_ROW &&
		   !strcmp(err_hint_msg(), "TSV escapes are \\t, \\n, \\r and "
					   "\\\\; \\N alone is a missing value") &&
		   err_code() == EXIT_USAGE &&
		   !strcmp(table_row_text(t, NULL), "\\x") &&
		   table_next(t) == TABLE_END,
		   "a bad escape: bad input with a hint, raw text kept, read on");
		table_close(t);
		t = table_open(put("d.tsv", "a\\b\n", -1), TABLE_TSV, '\\');
		ok(!t && strstr(err_msg(), "invalid delimiter"),
		   "a backslash cannot be TSV's delimiter");
	}
	CHECK_DUMP("a.tsv", "a\tb\n1\t2\t3\n", TABLE_AUTO, 0,
		   "a|b\n!'a.tsv' line 2: 3 fields, expected 2 (header has 2)\n",
		   "TSV: ragged rows");
	CHECK_DUMP("q.tsv", "a\tb\n\"x\ty\"\t2\n", TABLE_CSV, '\t',
		   "a|b\nx\ty|2\n", "quoted TSV is CSV with a tab delimiter");
	CHECK_DUMP("a.tsv", "a,b\tc\n1,2\t3\n", TABLE_AUTO, 0,
		   "a,b|c\n1,2|3\n", "commas are data in TSV");
}

static void test_format_detection(void)
{
	struct table_reader *t;

	ok(table_format_from_name("csv") == TABLE_CSV &&
	   table_format_from_name("tsv") == TABLE_TSV &&
	   table_format_from_name("jsonl") == TABLE_JSONL &&
	   table_format_from_name("ndjson") == TABLE_JSONL &&
	   table_format_from_name("auto") == TABLE_AUTO &&
	   table_format_from_name("xml") == -1, "format names");
	ok(table_type_from_name("int") == TABLE_INT &&
	   table_type_from_name("float") == TABLE_FLOAT &&
	   table_type_from_name("string") == TABLE_STRING &&
	   table_type_from_name("bool") == TABLE_BOOL &&
	   table_type_from_name("timestamp") == TABLE_TIMESTAMP &&
	   table_type_from_name("double") == -1, "type names");
	is_str(table_type_name(TABLE_TIMESTAMP), "timestamp", "type name");
	is_str(table_format_name(TABLE_JSONL), "jsonl", "format name");

#define FMT_OF(name, data, want, what)                                         \
	do {                                                                   \
		t = table_open(put((name), (data), -1), TABLE_AUTO, 0);        \
		ok(t && table_format(t) == (want), (what));                    \
		table_close(t);                                                \
	} while (0)
	FMT_OF("x.CSV", "a\tb\n", TABLE_CSV, "the extension wins (.CSV)");
	FMT_OF("x.tsv", "a,b\n", TABLE_TSV, ".tsv");
	FMT_OF("x.tab", "a,b\n", TABLE_TSV, ".tab");
	FMT_OF("x.jsonl", "{\"a\":1}\n", TABLE_JSONL, ".jsonl");
	FMT_OF("x.ndjson", "{\"a\":1}\n", TABLE_JSONL, ".ndjson");
	FMT_OF("x.txt", "  {\"a\":1}\n", TABLE_JSONL, "sniffed: JSON Lines");
	FMT_OF("x.txt", "a\tb c\n", TABLE_TSV, "sniffed: TSV");
	FMT_OF("x.txt", "a\tb,c\n", TABLE_CSV, "sniffed: a comma means CSV");
	FMT_OF("x", "a\n", TABLE_CSV, "sniffed: CSV by default");
#undef FMT_OF
}

/*
 * table_parse_int() and table_parse_float() are num.h's parsers under the
 * reader's names; the grammar itself is tested in test-num.c.
 */
static void test_parse_numbers(void)
{
	static const char *const texts[] = {
		"42", " -17 ", "+5", "9223372036854775808", "1e3", "12,5", "",
		"0.1", "-0", "inf", "NaN", "1e400", ".5", "1.", "0x10", NULL
	};
	int i, fails = 0;

	for (i = 0; texts[i]; i++) {
		size_t n = strlen(texts[i]);
		int64_t a = 7, b = 7;
		double x = 7, y = 7;

		if (table_parse_int(texts[i], n, &a) !=
			    num_parse_int(texts[i], n, &b) || a != b ||
		    table_parse_float(texts[i], n, &x) !=
			    num_parse_float(texts[i], n, &y) ||
		    memcmp(&x, &y, sizeof(x)))
			fails++;
	}
	ok(!fails, "table_parse_int and _float are num_parse_int and _float");
	ok(table_parse_int("12,5", 4, &(int64_t){ 0 }) == -1 &&
	   table_parse_float("12,5", 4, &(double){ 0 }) == -1,
	   "... refusing 12,5");
}

static void test_parse_bool(void)
{
	static const char *const yes[] = { "true", "TRUE", "True", "t", "T",
					   "yes", "YES", "1", NULL };
	static const char *const no[] = { "false", "False", "f", "F", "no",
					  "No", "0", NULL };
	static const char *const bad[] = { "", "2", "tru", "yess", "on",
					   "off", "-1", "nope", NULL };
	int i, v, fails = 0;

	for (i = 0; yes[i]; i++)
		if (table_parse_bool(yes[i], strlen(yes[i]), &v) || v != 1)
			fails++;
	for (i = 0; no[i]; i++)
		if (table_parse_bool(no[i], strlen(no[i]), &v) || v != 0)
			fails++;
	for (i = 0; bad[i]; i++)
		if (table_parse_bool(bad[i], strlen(bad[i]), &v) != -1)
			fails++;
	ok(!fails, "bools: true/false, t/f, yes/no, 1/0 in any case, nothing else");
	ok(!table_parse_bool(" yes ", 5, &v) && v == 1, "blanks around a bool");
}

static void test_typed(void)
{
	struct table_reader *t;
	int64_t i64;
	double d;
	int b, rc;

	t = table_open(put("data.csv",
			   "id,amount,ok,when\n"
			   "1,12.5,yes,2024-01-02\n"
			   "2,\"12,5\",maybe,notatime\n"
			   "99999999999999999999,,\"\",\n"
			   "1.5,\"\",x,86400\n", -1),
		       TABLE_AUTO, 0);
	ok(t && table_ncols(t) == 4, "typed: open");
	if (!t)
		return;
	ok(table_col_index(t, "amount") == 1 && table_col_index(t, "when") == 3 &&
	   table_col_index(t, "nope") == -1, "column indexes");
	is_str(table_colname(t, 2), "ok", "column names");
	ok(table_colname(t, 4) == NULL, "no name past the end");

	ok(table_next(t) == TABLE_ROW && table_line(t) == 2, "row 1 on line 2");
	ok(table_get_int(t, 0, &i64) == 0 && i64 == 1, "get_int");
	ok(table_get_float(t, 1, &d) == 0 && d == 12.5, "get_float");
	ok(table_get_bool(t, 2, &b) == 0 && b == 1, "get_bool");
	ok(table_get_time(t, 3, NULL, &i64) == 0 && i64 == INT64_C(1704153600000000),
	   "get_time (2024-01-02 is 1704153600 s: date -d 2024-01-02Z +%s)");
	ok(table_get_float(t, 0, &d) == 0 && d == 1.0, "an int reads as a float");

	ok(table_next(t) == TABLE_ROW && table_line(t) == 3, "row 2");
	rc = table_get_float(t, 1, &d);
	ok(rc == -1 && err_code() == EXIT_USAGE, "a bad float");
	is_str(err_msg(), "'data.csv' line 3 column 'amount': not a float: \"12,5\"",
	       "names file, line, column and value");
	ok(table_get_bool(t, 2, &b) == -1, "a bad bool");
	is_str(err_msg(), "'data.csv' line 3 column 'ok': not a bool: \"maybe\"",
	       "bad bool message");
	ok(table_get_int(t, 1, &i64) == -1, "a bad int");
	is_str(err_msg(), "'data.csv' line 3 column 'amount': not an int: \"12,5\"",
	       "bad int message");
	ok(table_get_time(t, 3, NULL, &i64) == -1, "a bad time");
	ok(!strncmp(err_msg(), "'data.csv' line 3 column 'when': ", 33) &&
	   strstr(err_msg(), "notatime"), "bad time message has the position");

	ok(table_next(t) == TABLE_ROW, "row 3");
	ok(table_get_int(t, 0, &i64) == -1, "an int out of range");
	is_str(err_msg(),
	       "'data.csv' line 4 column 'id': int out of range: \"99999999999999999999\"",
	       "out of range message");
	d = 0;
	ok(table_get_float(t, 1, &d) == 1 && isnan(d), "missing float: 1 and NAN");
	ok(table_get_bool(t, 2, &b) == 1, "an empty quoted string is missing for bool");
	ok(table_get_time(t, 3, NULL, &i64) == 1, "missing time");
	is_str(table_field(t, 2, NULL), "", "but an empty string as text");
	ok(table_field(t, 1, NULL) == NULL, "and missing as text");

	ok(table_next(t) == TABLE_ROW, "row 4");
	ok(table_get_int(t, 0, &i64) == -1, "1.5 is no int");
	ok(table_get_float(t, 1, &d) == 1, "\"\" is a missing float");
	ok(table_get_time(t, 3, "epoch", &i64) == 0 && i64 == 86400 * INT64_C(1000000),
	   "a time format is passed on (epoch)");
	ok(table_get_int(t, 9, &i64) == -1, "a column out of range is an error");
	ok(table_field(t, 9, NULL) == NULL && table_field(t, -1, NULL) == NULL,
	   "and has no field");
	ok(table_next(t) == TABLE_END && table_rows(t) == 4, "4 rows");
	ok(table_get_int(t, 0, &i64) == -1, "no row after the end");
	table_close(t);

	t = table_open(put("long.csv", "a\n0123456789012345678901234567890123456789"
				      "01234567890123456789xyz\n", -1),
		       TABLE_AUTO, 0);
	ok(t && table_next(t) == TABLE_ROW && table_get_int(t, 0, &i64) == -1,
	   "a long bad value");
	is_str(err_msg(), "'long.csv' line 2 column 'a': not an int: "
	       "\"012345678901234567890123456789012345678901234567890123456789...\"",
	       "is cut short in the message");
	table_close(t);
	t = table_open(put("ctl.csv", "a\n\"x\ty\\\x01\"\"\"\n", -1), TABLE_AUTO, 0);
	ok(t && table_next(t) == TABLE_ROW && table_get_int(t, 0, &i64) == -1,
	   "a bad value with control characters");
	is_str(err_msg(), "'ctl.csv' line 2 column 'a': not an int: \"x\\ty\\\\\\x01\\\"\"",
	       "is escaped in the message");
	table_close(t);
}

static void test_jsonl(void)
{
	struct table_reader *t;
	int64_t i64;

	CHECK_DUMP("a.jsonl",
		   "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":[1, {\"e\":2}],\"f\":true}\n"
		   "{\"b\":\"y\",\"a\":2}\n"
		   "\n"
		   "  {\"a\" : -0.5e+3 , \"f\":false,\"d\":{}}  \r\n"
		   "{}\n",
		   TABLE_AUTO, 0,
		   "a|b|c|d|f\n"
		   "1|x|<NA>|[1, {\"e\":2}]|true\n"
		   "2|y|<NA>|<NA>|<NA>\n"
		   "-0.5e+3|<NA>|<NA>|{}|false\n"
		   "<NA>|<NA>|<NA>|<NA>|<NA>\n",
		   "JSON Lines: keys, missing keys, null, nested values, bools");
	CHECK_DUMP("e.jsonl",
		   "{\"s\":\"a\\\"b\\\\c\\/d\\u00e9\\ud83d\\ude00\\n\\t\",\"k\\u0041\":\"\"}\n",
		   TABLE_AUTO, 0,
		   "s|kA\na\"b\\c/d\xc3\xa9\xf0\x9f\x98\x80\n\t|\n",
		   "JSON string escapes, in values and keys");
	CHECK_DUMP("u.jsonl", "{\"a\":1,\"b\":2}\n{\"a\":3,\"z\":4}\n{\"b\":5}\n",
		   TABLE_AUTO, 0,
		   "a|b\n1|2\n"
		   "!'u.jsonl' line 2: unknown key 'z' (not in the first record)\n"
		   "<NA>|5\n",
		   "a key not in the first record is an error");
	CHECK_DUMP("bad.jsonl",
		   "{\"a\":1}\n"
		   "{\"a\":1,}\n"
		   "{\"a\":01}\n"
		   "[1,2]\n"
		   "{\"a\":1,\"a\":2}\n"
		   "{\"a\":1} x\n"
		   "{\"a\":\"x\n"
		   "{\"a\":\"\\ud800\"}\n"
		   "{\"a\":tru}\n"
		   "{\"a\":[1,}\n"
		   "{\"a\":\"\\q\"}\n"
		   "{\"a\" 1}\n"
		   "{\"a\":\"\x01\"}\n"
		   "{\"a\":-}\n"
		   "{\"a\":2}\n",
		   TABLE_AUTO, 0,
		   "a\n1\n"
		   "!'bad.jsonl' line 2: invalid JSON at byte 8: expected a string key\n"
		   "!'bad.jsonl' line 3: invalid JSON at byte 7: expected ',' or '}'\n"
		   "!'bad.jsonl' line 4: not a JSON object\n"
		   "!'bad.jsonl' line 5: duplicate key 'a'\n"
		   "!'bad.jsonl' line 6: invalid JSON at byte 9: text after the object\n"
		   "!'bad.jsonl' line 7: invalid JSON at byte 8: unterminated string\n"
		   "!'bad.jsonl' line 8: invalid JSON at byte 7: lone surrogate in \\u escape\n"
		   "!'bad.jsonl' line 9: invalid JSON at byte 6: bad value\n"
		   "!'bad.jsonl' line 10: invalid JSON at byte 9: bad nested value\n"
		   "!'bad.jsonl' line 11: invalid JSON at byte 7: bad escape in a string\n"
		   "!'bad.jsonl' line 12: invalid JSON at byte 6: expected ':'\n"
		   "!'bad.jsonl' line 13: invalid JSON at byte 7: control character in a string\n"
		   "!'bad.jsonl' line 14: invalid JSON at byte 6: bad value\n"
		   "2\n",
		   "bad JSON lines are errors naming line and byte");
	CHECK_DUMP("first.jsonl", "\n{\"a\":1,\"b\"}\n", TABLE_AUTO, 0,
		   "open: 'first.jsonl' line 2: invalid JSON at byte 11: expected ':'",
		   "a bad first object fails the open");
	CHECK_DUMP("dupfirst.jsonl", "{\"a\":1,\"a\":2}\n", TABLE_AUTO, 0,
		   "open: 'dupfirst.jsonl' line 1: duplicate key 'a'",
		   "duplicate keys in the first object");
	CHECK_DUMP("empty.jsonl", "\n  \n", TABLE_AUTO, 0, "\n",
		   "empty JSON Lines: no columns, no rows");
	CHECK_DUMP("nonl.jsonl", "{\"a\":\"x\"}", TABLE_AUTO, 0, "a\nx\n",
		   "no newline at the end");

	t = table_open(put("big.jsonl", "{\"id\":9007199254740993,\"x\":1e400}\n", -1),
		       TABLE_AUTO, 0);
	ok(t && table_next(t) == TABLE_ROW && table_get_int(t, 0, &i64) == 0 &&
	   i64 == INT64_C(9007199254740993), "JSON integers keep every digit");
	is_str(t ? table_row_text(t, NULL) : NULL,
	       "{\"id\":9007199254740993,\"x\":1e400}", "raw text of a JSON line");
	table_close(t);
}

/* Write `data` gzip-compressed with zlib. */
static void gzip_with_zlib(const char *path, const char *data)
{
	gzFile gz = gzopen(path, "wb");

	if (!gz || (*data && gzwrite(gz, data, strlen(data)) <= 0) ||
	    gzclose(gz) != Z_OK) {
		fprintf(stderr, "cannot write %s\n", path);
		exit(99);
	}
}

static int have_program(const char *name)
{
	char cmd[200];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

static void test_compressed(void)
{
	static const struct {
		const char *prog, *ext;
	} progs[] = {
		{ "gzip", "gz" }, { "xz", "xz" }, { "bzip2", "bz2" },
		{ "zstd", "zst" }, { NULL, NULL }
	};
	const char *data = "\xef\xbb\xbf" "a,b\n1,\"x\ny\"\n2,3\n";
	const char *want = "a|b\n1|x\ny\n2|3\n";
	struct table_reader *t;
	char cmd[300], name[100];
	char *got;
	int i, rc;

	put("plain.csv", data, -1);
	gzip_with_zlib("zlib.csv.gz", data);
	got = dump_file("zlib.csv.gz", TABLE_AUTO, 0);
	is_str(got, want, "gzip (written with zlib)");
	free(got);

	for (i = 0; progs[i].prog; i++) {
		snprintf(name, sizeof(name), "p.csv.%s", progs[i].ext);
		if (!have_program(progs[i].prog)) {
			printf("ok %d # skip %s not installed\n", ++tap_n, progs[i].prog);
			printf("ok %d # skip %s not installed\n", ++tap_n, progs[i].prog);
			continue;
		}
		snprintf(cmd, sizeof(cmd), "%s -c plain.csv >%s", progs[i].prog, name);
		rc = system(cmd);
		ok(rc == 0, cmd);
		got = dump_file(name, TABLE_AUTO, 0);
		is_str(got, want, progs[i].prog);
		free(got);
	}

	/* found by magic bytes, whatever the name */
	gzip_with_zlib("mislabelled.dat", "{\"k\":\"v\"}\n");
	got = dump_file("mislabelled.dat", TABLE_AUTO, 0);
	is_str(got, "k\nv\n", "compression and format found by content");
	free(got);

	/* not compressed, though named so */
	put("plain.csv.gz", "a\n1\n", -1);
	got = dump_file("plain.csv.gz", TABLE_AUTO, 0);
	is_str(got, "a\n1\n", "an uncompressed .gz is read as it is");
	free(got);

	/* an empty compressed file */
	gzip_with_zlib("empty.jsonl.gz", "");
	got = dump_file("empty.jsonl.gz", TABLE_AUTO, 0);
	is_str(got, "\n", "an empty compressed file");
	free(got);

	/* truncated: the error says so */
	{
		struct strbuf sb = STRBUF_INIT;
		FILE *fp;
		char *big = xmalloc(300000);
		size_t n;

		for (n = 0; n + 10 < 300000; n += 10)
			memcpy(big + n, "123,45678\n", 10);
		big[n] = '\0';
		memcpy(big, "abc,defgh\n", 10);
		gzip_with_zlib("trunc.csv.gz", big);
		fp = fopen("trunc.csv.gz", "rb");
		strbuf_read_fd(&sb, fileno(fp));
		fclose(fp);
		put("trunc.csv.gz", sb.buf, (long)sb.len / 2);
		t = table_open("trunc.csv.gz", TABLE_AUTO, 0);
		rc = 0;
		if (t)
			while ((rc = table_next(t)) > 0)
				;
		ok(rc == TABLE_FATAL || !t, "a truncated gzip file is an error");
		ok(!strncmp(err_msg(), "'trunc.csv.gz': corrupt compressed data: ", 41),
		   "that says so");
		printf("# %s\n", err_msg());
		table_close(t);
		strbuf_release(&sb);
		free(big);
	}
}

/* Rows longer than the buffer, and rows across its refills. */
static void test_big(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct table_reader *t;
	size_t i, n = 60000, bad = 0, len;
	const char *f;
	char *bigfield;
	size_t biglen = 3u << 20;
	int64_t line = 2;

	bigfield = xmalloc(biglen + 1);
	for (i = 0; i < biglen; i++)
		bigfield[i] = i % 1000 == 999 ? '\n' : "abc\"def,"[i % 8];
	bigfield[biglen] = '\0';

	strbuf_addstr(&sb, "i,s\n");
	for (i = 0; i < n; i++) {
		size_t k, w = (i * 37) % 97;

		if (i == n / 2) { /* one huge quoted field */
			strbuf_addf(&sb, "%zu,\"", i);
			for (k = 0; k < biglen; k++) {
				strbuf_addch(&sb, bigfield[k]);
				if (bigfield[k] == '"')
					strbuf_addch(&sb, '"');
			}
			strbuf_addstr(&sb, "\"\r\n");
			continue;
		}
		strbuf_addf(&sb, "%zu,", i);
		if (i % 7 == 0)
			strbuf_addch(&sb, '"');
		for (k = 0; k < w; k++)
			strbuf_addch(&sb, 'a' + (i + k) % 26);
		if (i % 7 == 0)
			strbuf_addstr(&sb, "\"\"\n\"");
		strbuf_addstr(&sb, i % 3 ? "\n" : "\r\n");
	}
	put("big.csv", sb.buf, (long)sb.len);

	t = table_open("big.csv", TABLE_AUTO, 0);
	ok(t != NULL, "big: open");
	for (i = 0; t && i < n; i++) {
		size_t k, w = (i * 37) % 97;
		int64_t v;

		if (table_next(t) != TABLE_ROW || table_line(t) != line ||
		    table_get_int(t, 0, &v) || v != (int64_t)i) {
			bad++;
			break;
		}
		f = table_field(t, 1, &len);
		if (i == n / 2) {
			if (!f || len != biglen || memcmp(f, bigfield, biglen))
				bad++;
			line += biglen / 1000 + 1;
			continue;
		}
		strbuf_reset(&sb);
		for (k = 0; k < w; k++)
			strbuf_addch(&sb, 'a' + (i + k) % 26);
		if (i % 7 == 0)
			strbuf_addstr(&sb, "\"\n");
		if (!(w == 0 && i % 7) ? !f || len != sb.len || memcmp(f, sb.buf, len) : f != NULL)
			bad++;
		line += 1 + (i % 7 == 0);
	}
	ok(!bad, "big: every row and line number right across refills");
	if (bad)
		printf("# first bad row %zu: %s\n", i, err_msg());
	ok(t && table_next(t) == TABLE_END, "big: then the end");
	{
		struct stat st;

		stat("big.csv", &st);
		ok(t && table_bytes_read(t) == (uint64_t)st.st_size,
		   "bytes_read counts the whole file");
	}
	table_close(t);
	strbuf_release(&sb);
	free(bigfield);
}

/* Read `data` through a pipe fed in small pieces: short reads, refills. */
static struct table_reader *open_pipe(const char *data, size_t len,
				      const char *name, pid_t *pid)
{
	int pfd[2];

	if (pipe(pfd)) {
		perror("pipe");
		exit(99);
	}
	*pid = fork();
	if (*pid == 0) {
		size_t off = 0;

		close(pfd[0]);
		while (off < len) {
			size_t n = len - off < 777 ? len - off : 777;
			ssize_t w = write(pfd[1], data + off, n);

			if (w <= 0)
				_exit(1);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(pfd[1]);
	return table_open_fd(pfd[0], name, TABLE_AUTO, 0);
}

static void test_pipe(void)
{
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	struct table_reader *t;
	pid_t pid;
	int status, i, bad = 0, n = 3000;
	size_t len;
	const char *f;

	/* JSON Lines with a line of 2.5 MiB in the middle, through a pipe */
	for (i = 0; i < n; i++) {
		size_t k, w = i == n / 2 ? (5u << 19) : (size_t)(i * 131) % 3000;

		strbuf_addf(&sb, "{\"i\":%d,\"s\":\"", i);
		for (k = 0; k < w; k++)
			strbuf_addch(&sb, "abyc"[k % 4]);
		strbuf_addstr(&sb, "\\n\"}\n");
	}
	t = open_pipe(sb.buf, sb.len, "pipe.jsonl", &pid);
	for (i = 0; t && i < n; i++) {
		size_t k, w = i == n / 2 ? (5u << 19) : (size_t)(i * 131) % 3000;
		int64_t v;

		if (table_next(t) != TABLE_ROW || table_get_int(t, 0, &v) || v != i ||
		    table_line(t) != i + 1) {
			bad++;
			break;
		}
		strbuf_reset(&want);
		for (k = 0; k < w; k++)
			strbuf_addch(&want, "abyc"[k % 4]);
		strbuf_addch(&want, '\n');
		f = table_field(t, 1, &len);
		if (!f || len != want.len || memcmp(f, want.buf, len))
			bad++;
	}
	ok(t && !bad && table_next(t) == TABLE_END,
	   "JSON Lines through a pipe, with a line longer than the buffer");
	table_close(t);
	waitpid(pid, &status, 0);

	/* the big CSV of test_big(), through a pipe */
	strbuf_reset(&sb);
	{
		FILE *fp = fopen("big.csv", "rb");

		strbuf_read_fd(&sb, fileno(fp));
		fclose(fp);
	}
	t = open_pipe(sb.buf, sb.len, "pipe.csv", &pid);
	i = 0;
	while (t && (status = table_next(t)) == TABLE_ROW)
		i++;
	ok(t && status == TABLE_END && i == 60000, "the big CSV through a pipe");
	table_close(t);
	waitpid(pid, &status, 0);
	strbuf_release(&sb);
	strbuf_release(&want);
}

static void test_fd(void)
{
	int fd = open(put("fd.csv", "x\n1\n", -1), O_RDONLY);
	struct table_reader *t = table_open_fd(fd, "from-fd.tsv", TABLE_AUTO, 0);

	ok(t && table_format(t) == TABLE_TSV && !strcmp(table_name(t), "from-fd.tsv"),
	   "table_open_fd takes its name for format and messages");
	ok(t && table_next(t) == TABLE_ROW && !strcmp(table_field(t, 0, NULL), "1"),
	   "and reads the descriptor");
	table_close(t);
}

static char *shared_path(const char *name)
{
	static char p[4200];

	snprintf(p, sizeof(p), "%s/%s", shared, name);
	return p;
}

/* ---- the writer ---- */

/* What a writer wrote to a temporary file, after table_writer_close(). */
struct wout {
	FILE *fp;
	struct table_writer *w;
	int close_rc;
	struct strbuf text;
};

static struct table_writer *wopen(struct wout *o, enum table_format fmt,
				  int delim, int ncols,
				  const char *const *names,
				  const enum table_type *types)
{
	memset(o, 0, sizeof(*o));
	strbuf_init(&o->text, 0);
	o->fp = tmpfile();
	if (!o->fp) {
		perror("tmpfile");
		exit(99);
	}
	o->w = table_writer_open(fileno(o->fp), "tmp", fmt, delim, ncols,
				 names, types);
	return o->w;
}

static const char *wclose(struct wout *o)
{
	o->close_rc = table_writer_close(o->w);
	o->w = NULL;
	rewind(o->fp);
	strbuf_read_fd(&o->text, fileno(o->fp));
	fclose(o->fp);
	return o->text.buf;
}

static void test_writer_formats(void)
{
	static const char *const names[] = { "a", "b,c", "d\"e", " f", "g\th" };
	const char *row1[] = { "x,y", "", NULL, " lead", "trail\t" };
	const char *row2[] = { "say \"hi\"", "two\nlines", "cr\r", "back\\slash",
			       "\\N" };
	static const enum table_type ty[] = { TABLE_INT, TABLE_FLOAT, TABLE_BOOL,
					      TABLE_JSON, TABLE_STRING };
	struct wout o;

	wopen(&o, TABLE_CSV, 0, 5, names, NULL);
	ok(table_writer_row(o.w, row1, NULL) == 0 &&
	   table_writer_row(o.w, row2, NULL) == 0, "CSV rows");
	is_int(table_writer_rows(o.w), 2, "table_writer_rows");
	/* RFC 4180 quoting, by hand: a delimiter, a quote, CR or LF, a blank
	 * at either end, or the empty string; missing is nothing at all */
	is_str(wclose(&o),
	       "a,\"b,c\",\"d\"\"e\",\" f\",g\th\n"
	       "\"x,y\",\"\",,\" lead\",\"trail\t\"\n"
	       "\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",back\\slash,\\N\n",
	       "CSV: quoted only where it must be");
	ok(o.close_rc == 0, "close reports success");
	strbuf_release(&o.text);

	wopen(&o, TABLE_CSV, ';', 2, names, NULL);
	{
		const char *r[] = { "1;2", "1,2" };

		table_writer_row(o.w, r, NULL);
	}
	is_str(wclose(&o), "a;b,c\n\"1;2\";1,2\n",
	       "CSV with ';': that delimiter is quoted, ',' is not");
	strbuf_release(&o.text);

	wopen(&o, TABLE_TSV, 0, 5, names, NULL);
	table_writer_row(o.w, row1, NULL);
	table_writer_row(o.w, row2, NULL);
	/* PostgreSQL COPY text: \t \n \r \\ escaped, \N missing */
	is_str(wclose(&o),
	       "a\tb,c\td\"e\t f\tg\\th\n"
	       "x,y\t\t\\N\t lead\ttrail\\t\n"
	       "say \"hi\"\ttwo\\nlines\tcr\\r\tback\\\\slash\t\\\\N\n",
	       "TSV: backslash escapes, \\N for missing");
	strbuf_release(&o.text);

	wopen(&o, TABLE_JSONL, 0, 5, names, ty);
	{
		const char *r[] = { "12", "-1.5e-3", "true", "{\"k\":\n[1, 2]}",
				    "s" };
		const char *r2[] = { "012", "nan", "yes", "{\"k\":", NULL };
		const char *r3[] = { "1e5", "1.", "false", "[\"\x01\",\n\"a\xff\"]",
				     "\xc3\xa9\xff\x01" };

		table_writer_row(o.w, r, NULL);
		table_writer_row(o.w, r2, NULL);
		table_writer_row(o.w, r3, NULL);
	}
	/*
	 * Numbers in JSON's grammar and true/false are bare; text that is
	 * not (012, nan, 1., yes) is a string.  Raw JSON keeps its value
	 * on one line (the line break becomes a space, a control character
	 * in a string an escape, a bad UTF-8 byte U+FFFD); JSON that does
	 * not parse is a string.  é stays, \xff becomes U+FFFD.
	 */
	is_str(wclose(&o),
	       "{\"a\":12,\"b,c\":-1.5e-3,\"d\\\"e\":true,\" f\":{\"k\": [1, 2]},"
	       "\"g\\th\":\"s\"}\n"
	       "{\"a\":\"012\",\"b,c\":\"nan\",\"d\\\"e\":\"yes\","
	       "\" f\":\"{\\\"k\\\":\",\"g\\th\":null}\n"
	       "{\"a\":1e5,\"b,c\":\"1.\",\"d\\\"e\":false,"
	       "\" f\":[\"\\u0001\", \"a\xef\xbf\xbd\"],"
	       "\"g\\th\":\"\xc3\xa9\xef\xbf\xbd\\u0001\"}\n",
	       "JSON Lines: typed text bare where JSON allows, else strings");
	strbuf_release(&o.text);

	wopen(&o, TABLE_JSONL, 0, 5, names, NULL);
	table_writer_int(o.w, INT64_MIN);
	table_writer_float(o.w, 0.1);
	table_writer_bool(o.w, 1);
	table_writer_time(o.w, INT64_C(1704153600000000));
	table_writer_null(o.w);
	table_writer_end_row(o.w);
	table_writer_float(o.w, NAN);
	table_writer_float(o.w, -INFINITY);
	table_writer_float(o.w, INFINITY);
	table_writer_float(o.w, -0.0);
	table_writer_float(o.w, 1e300);
	table_writer_end_row(o.w);
	/* 1704153600 s is 2024-01-02T00:00:00Z (date -ud @1704153600) */
	is_str(wclose(&o),
	       "{\"a\":-9223372036854775808,\"b,c\":0.1,\"d\\\"e\":true,"
	       "\" f\":\"2024-01-02T00:00:00Z\",\"g\\th\":null}\n"
	       "{\"a\":\"NaN\",\"b,c\":\"-Infinity\",\"d\\\"e\":\"Infinity\","
	       "\" f\":-0,\"g\\th\":1e+300}\n",
	       "JSON Lines: typed cells, whatever the column's type");
	strbuf_release(&o.text);

	wopen(&o, TABLE_CSV, '.', 3, names, NULL);
	table_writer_float(o.w, 2.5);
	table_writer_float(o.w, NAN);
	table_writer_time(o.w, 0);
	table_writer_end_row(o.w);
	is_str(wclose(&o), "a.b,c.\"d\"\"e\"\n\"2.5\".nan.1970-01-01T00:00:00Z\n",
	       "CSV with '.': typed cells are quoted when they must be");
	strbuf_release(&o.text);

	{
		static const char *const one[] = { "" };
		static const char *const bom[] = { "\xef\xbb\xbfid" };
		static const char *const zstd[] = { "(\xb5/\xfd" };
		static const char *const gz[] = { "\x1f\x8b", "x" };
		const char *r[] = { NULL };
		const char *e[] = { "" };

		wopen(&o, TABLE_CSV, 0, 1, one, NULL);
		table_writer_row(o.w, r, NULL);
		table_writer_row(o.w, e, NULL);
		is_str(wclose(&o), "\"\"\n\n\"\"\n",
		       "CSV, one column: an empty name and \"\" are quoted, "
		       "missing is a blank line");
		strbuf_release(&o.text);
		wopen(&o, TABLE_CSV, 0, 1, bom, NULL);
		is_str(wclose(&o), "\"\xef\xbb\xbfid\"\n",
		       "CSV: a name starting with a BOM is quoted");
		strbuf_release(&o.text);
		/* the magic bytes of zstd (28 b5 2f fd) and gzip (1f 8b 08) */
		wopen(&o, TABLE_CSV, 0, 1, zstd, NULL);
		is_str(wclose(&o), "\"(\xb5/\xfd\"\n",
		       "CSV: a header that looks like zstd is quoted");
		strbuf_release(&o.text);
		wopen(&o, TABLE_CSV, 8, 2, gz, NULL);
		is_str(wclose(&o), "\"\x1f\x8b\"\x08x\n",
		       "CSV: ... and one that looks like gzip with the delimiter");
		strbuf_release(&o.text);
		ok(!table_writer_open(1, "-", TABLE_TSV, 0, 1, zstd, NULL) &&
		   err_code() == EXIT_USAGE,
		   "TSV: a header that looks compressed is refused");
	}
}

static void test_writer_errors(void)
{
	static const char *const names[] = { "a", "b", "a" };
	static const char *const empty[] = { "" };
	static const char *const bom[] = { "\xef\xbb\xbfid" };
	struct table_writer *w;
	struct wout o;
	const char *r[] = { "1", "2" };
	size_t lens[] = { 1, 1 };
	FILE *full;

	w = table_writer_open(1, "-", TABLE_CSV, 0, 3, names, NULL);
	ok(!w && err_code() == EXIT_USAGE, "duplicate names are refused");
	is_str(err_msg(), "duplicate column name 'a'", "... naming the name");
	ok(!table_writer_open(1, "-", TABLE_CSV, '"', 2, names, NULL) &&
	   !table_writer_open(1, "-", TABLE_CSV, '\n', 2, names, NULL) &&
	   !table_writer_open(1, "-", TABLE_TSV, ',', 2, names, NULL),
	   "bad delimiters are refused");
	is_str(err_msg(), "invalid delimiter for tsv output", "... so saying");
	ok(!table_writer_open(1, "-", TABLE_CSV, 0, 0, names, NULL),
	   "a table needs a column");
	ok(!table_writer_open(1, "-", TABLE_AUTO, 0, 2, names, NULL),
	   "TABLE_AUTO is no output format");
	ok(!table_writer_open(1, "-", TABLE_TSV, 0, 1, empty, NULL) &&
	   !strcmp(err_msg(), "TSV cannot hold a single column with an empty name"),
	   "TSV: one column with an empty name is a blank header: refused");
	ok(!table_writer_open(1, "-", TABLE_TSV, 0, 1, bom, NULL),
	   "TSV: a first name starting with a BOM is refused");

	wopen(&o, TABLE_CSV, 0, 2, names, NULL);
	table_writer_text(o.w, "1", 1);
	ok(table_writer_end_row(o.w) < 0 && err_code() == EXIT_ENV,
	   "a row short of cells is an error");
	is_str(err_msg(), "table writer: a row of 1 cell for 2 columns",
	       "... naming the counts");
	table_writer_text(o.w, "1", 1);
	table_writer_text(o.w, "2", 1);
	table_writer_text(o.w, "3", 1);
	ok(table_writer_end_row(o.w) < 0, "a row with a cell too many too");
	table_writer_text(o.w, "x", 1);
	table_writer_cancel_row(o.w);
	ok(table_writer_row(o.w, r, lens) == 0, "a row with lengths");
	is_str(wclose(&o), "a,b\n1,\n1,2\n1,2\n",
	       "short rows are filled with missing values, extra cells "
	       "dropped, a cancelled row leaves nothing");
	strbuf_release(&o.text);

	full = fopen("/dev/full", "w");
	if (full) {
		int i, rc = 0;

		w = table_writer_open(fileno(full), "out.csv", TABLE_CSV, 0, 2,
				      names, NULL);
		for (i = 0; i < 100000 && rc == 0; i++)
			rc = table_writer_row(w, r, NULL);
		ok(rc < 0 && i < 100000 && err_code() == EXIT_ENV,
		   "a full disk fails a row once the buffer is written");
		is_str(err_msg(), "cannot write to 'out.csv': No space left on device",
		       "... naming the output and the cause");
		err_clear();
		ok(table_writer_row(w, r, NULL) < 0 &&
		   !strcmp(err_msg(), "cannot write to 'out.csv': No space left on device"),
		   "... and every later row fails the same way");
		err_clear();
		ok(table_writer_close(w) < 0 && strstr(err_msg(), "No space"),
		   "... and so does close");

		w = table_writer_open(fileno(full), "-", TABLE_JSONL, 0, 2,
				      names, NULL);
		table_writer_row(w, r, NULL);
		err_clear();
		ok(table_writer_close(w) < 0 &&
		   !strcmp(err_msg(), "cannot write to standard output: "
				      "No space left on device"),
		   "a small table fails at close: nothing is lost silently");
		w = table_writer_open(fileno(full), "-", TABLE_JSONL, 0, 2,
				      names, NULL);
		table_writer_row(w, r, NULL);
		err_clear();
		table_writer_free(w);
		ok(!*err_msg(), "table_writer_free writes nothing, reports nothing");
		fclose(full);
	} else {
		for (int i = 0; i < 5; i++)
			ok(1, "# skip no /dev/full");
	}
	ok(table_writer_close(NULL) == 0, "closing NULL is allowed");
	table_writer_free(NULL);
}

static unsigned long long wseed = 7;

static unsigned wrnd(void)
{
	wseed = wseed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(wseed >> 33);
}

/* Random UTF-8 text without NUL, heavy on the bytes that need care. */
static void random_text(struct strbuf *sb, int maxlen)
{
	static const char *const atoms[] = {
		"\t", "\n", "\r", "\r\n", "\\", "\\N", "\\t", "\"", "\"\"", ",",
		";", " ", "N", "a", "Z", "0", "-1.5", "{", "}", "[1]", "null",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x01", "\x7f",
		"x y", "'"
	};
	int n = wrnd() % (maxlen + 1), i;

	for (i = 0; i < n; i++)
		strbuf_addstr(sb, atoms[wrnd() % (sizeof(atoms) / sizeof(*atoms))]);
}

/*
 * Write `nrows` random rows (missing values, empty strings and awkward
 * text) in `fmt`, read them back through the reader, and count every
 * difference in names, text, lengths and missing values.
 */
static int round_trip(enum table_format fmt, int delim, int nrows)
{
	int ncols = 1 + wrnd() % 6, i, r, c, diffs = 0, rc;
	struct strbuf *cell = xcalloc(ncols * (size_t)(nrows ? nrows : 1),
				      sizeof(*cell));
	char *missing = xcalloc(ncols * (size_t)(nrows ? nrows : 1), 1);
	char **names = xcalloc(ncols, sizeof(*names));
	struct table_writer *w;
	struct table_reader *t;
	FILE *fp = tmpfile();

	for (c = 0; c < ncols; c++) {
		struct strbuf sb = STRBUF_INIT;

		/* unique names: a prefix of the column number */
		strbuf_addf(&sb, "%c", 'A' + c);
		random_text(&sb, 4);
		names[c] = strbuf_detach(&sb, NULL);
	}
	w = table_writer_open(fileno(fp), "rt", fmt, delim, ncols,
			      (const char *const *)names, NULL);
	if (!w) {
		printf("# open: %s\n", err_msg());
		diffs++;
		goto out;
	}
	for (r = 0; r < nrows; r++) {
		for (c = 0; c < ncols; c++) {
			struct strbuf *sb = &cell[r * ncols + c];

			strbuf_init(sb, 0);
			switch (wrnd() % 6) {
			case 0:
				missing[r * ncols + c] = 1;
				table_writer_null(w);
				continue;
			case 1:
				break; /* the empty string */
			default:
				random_text(sb, 8);
			}
			table_writer_text(w, sb->buf, sb->len);
		}
		if (table_writer_end_row(w) < 0)
			diffs++;
	}
	if (table_writer_close(w) < 0)
		diffs++;
	rewind(fp);
	t = table_open_fd(dup(fileno(fp)), "rt", fmt, delim);
	if (!t) {
		printf("# reopen: %s\n", err_msg());
		diffs++;
		goto out;
	}
	/* JSON Lines has no header: with no rows there are no columns */
	if (fmt != TABLE_JSONL || nrows) {
		if (table_ncols(t) != ncols)
			diffs++;
		for (c = 0; c < ncols && c < table_ncols(t); c++)
			if (strcmp(table_colname(t, c), names[c]))
				diffs++;
	}
	for (r = 0; (rc = table_next(t)) == TABLE_ROW; r++) {
		for (c = 0; c < ncols && r < nrows; c++) {
			size_t len;
			const char *f = table_field(t, c, &len);
			const struct strbuf *want = &cell[r * ncols + c];

			if (missing[r * ncols + c] ? f != NULL :
			    !f || len != want->len || memcmp(f, want->buf, len)) {
				if (diffs++ < 3)
					printf("# %s row %d col %d differs\n",
					       table_format_name(fmt), r, c);
			}
		}
	}
	if (rc != TABLE_END) {
		printf("# %s: %s\n", table_format_name(fmt), err_msg());
		diffs++;
	}
	if (r != nrows)
		diffs++;
	table_close(t);
out:
	for (i = 0; i < ncols * (nrows ? nrows : 1); i++)
		strbuf_release(&cell[i]);
	for (c = 0; c < ncols; c++)
		free(names[c]);
	free(names);
	free(cell);
	free(missing);
	fclose(fp);
	return diffs;
}

static void test_writer_round_trip(void)
{
	static const struct {
		enum table_format fmt;
		int delim;
	} kinds[] = { { TABLE_CSV, 0 }, { TABLE_TSV, 0 }, { TABLE_JSONL, 0 },
		      { TABLE_CSV, ';' }, { TABLE_CSV, '\t' } };
	size_t k;
	int i;

	for (k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		int diffs = 0;
		char name[100];

		for (i = 0; i < 300; i++)
			diffs += round_trip(kinds[k].fmt,
					    kinds[k].delim, wrnd() % 8);
		diffs += round_trip(kinds[k].fmt, kinds[k].delim, 20000);
		snprintf(name, sizeof(name),
			 "%s%s: 300 random small tables and one of 20000 rows "
			 "read back unchanged",
			 table_format_name(kinds[k].fmt),
			 kinds[k].delim == ';' ? " with ';'" :
			 kinds[k].delim == '\t' ? " with a tab" : "");
		ok(!diffs, name);
	}
}

static void test_shared_data(void)
{
	struct table_reader *t;
	int64_t rows = 0, missing = 0, d;
	double sum = 0, v, sum2 = 0;
	int rc, bad = 0, c;

	if (!shared) {
		int i;

		for (i = 0; i < 9; i++)
			printf("ok %d # skip ../shared/data not found\n", ++tap_n);
		return;
	}

	/*
	 * co2.csv.  Reference values from pandas 1.5.3 (/usr/bin/python3):
	 *   c = pd.read_csv("co2.csv")
	 *   len(c) -> 2284; c.co2.isna().sum() -> 59; c.co2.sum() -> 756816.5
	 *   c.date.iloc[-1] -> 20011229
	 */
	t = table_open(shared_path("co2.csv"), TABLE_AUTO, 0);
	ok(t && table_ncols(t) == 2 && !strcmp(table_colname(t, 0), "date") &&
	   !strcmp(table_colname(t, 1), "co2"), "co2.csv: columns date,co2");
	while (t && (rc = table_next(t)) == TABLE_ROW) {
		rows++;
		c = table_get_float(t, 1, &v);
		if (c < 0)
			bad++;
		else if (c == 1)
			missing++;
		else
			sum += v;
		if (table_get_time(t, 0, NULL, &d) < 0)
			bad++;
	}
	ok(rows == 2284 && !bad, "co2.csv: 2284 rows, all good");
	is_int(missing, 59, "co2.csv: 59 missing co2 values (pandas isna)");
	is_double(sum, 756816.5, 756816.5 * 1e-9, "co2.csv: sum of co2 (pandas)");
	is_int(d, INT64_C(1009584000000000),
	       "co2.csv: last date 20011229 (date -u -d 2001-12-29 +%s = 1009584000)");
	table_close(t);

	/*
	 * randhie.csv, pandas 1.5.3:
	 *   r = pd.read_csv("randhie.csv")
	 *   len(r) -> 20190; r.lncoins.sum() -> 35818.502590000004
	 *   r.disea.sum() -> 227026.29231599998; r.mdvis.sum() -> 57752
	 */
	t = table_open(shared_path("randhie.csv"), TABLE_AUTO, 0);
	rows = 0;
	sum = 0;
	missing = 0;
	bad = 0;
	while (t && (rc = table_next(t)) == TABLE_ROW) {
		int64_t iv;

		rows++;
		if (table_get_float(t, table_col_index(t, "lncoins"), &v))
			bad++;
		sum += v;
		if (table_get_float(t, table_col_index(t, "disea"), &v))
			bad++;
		sum2 += v;
		if (table_get_int(t, table_col_index(t, "mdvis"), &iv))
			bad++;
		missing += iv;
	}
	ok(rows == 20190 && !bad && t && table_ncols(t) == 10,
	   "randhie.csv: 20190 rows of 10 columns");
	is_double(sum, 35818.502590000004, 35818.5 * 1e-9, "randhie.csv: sum of lncoins");
	is_double(sum2, 227026.29231599998, 227026.3 * 1e-9, "randhie.csv: sum of disea");
	is_int(missing, 57752, "randhie.csv: sum of mdvis");
	table_close(t);
}

int main(void)
{
	char *s;

	s = realpath("../../shared/data", NULL);
	if (!s)
		s = realpath("../shared/data", NULL);
	if (s) {
		shared = xmalloc(strlen(s) + 16);
		snprintf(shared, strlen(s) + 16, "%s", s);
		free(s);
		if (access(shared_path("co2.csv"), R_OK))
			shared = NULL;
	}
	if (!mkdtemp(tmpdir) || chdir(tmpdir)) {
		perror(tmpdir);
		return 99;
	}
	test_csv_basics();
	test_csv_errors();
	test_tsv();
	test_format_detection();
	test_parse_numbers();
	test_parse_bool();
	test_typed();
	test_jsonl();
	test_compressed();
	test_big();
	test_pipe();
	test_fd();
	test_writer_formats();
	test_writer_errors();
	test_writer_round_trip();
	test_shared_data();
	if (chdir("/") == 0) {
		char cmd[100];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			printf("# could not remove %s\n", tmpdir);
	}
	return tap_done();
}
