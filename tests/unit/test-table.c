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
	CHECK_DUMP("a.tab", "a\tb\n1\t\n\t2\r\n", TABLE_AUTO, 0,
		   "a|b\n1|<NA>\n<NA>|2\n", "TSV: empty fields are missing");
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

static void test_parse_int(void)
{
	int64_t v = 0;

	ok(!table_parse_int("42", 2, &v) && v == 42, "int 42");
	ok(!table_parse_int("-17", 3, &v) && v == -17, "int -17");
	ok(!table_parse_int("+5", 2, &v) && v == 5, "int +5");
	ok(!table_parse_int(" 007 ", 5, &v) && v == 7, "int with blanks and zeros");
	ok(!table_parse_int("9223372036854775807", 19, &v) && v == INT64_MAX,
	   "int64 max");
	ok(!table_parse_int("-9223372036854775808", 20, &v) && v == INT64_MIN,
	   "int64 min");
	ok(table_parse_int("9223372036854775808", 19, &v) == -2, "max + 1 overflows");
	ok(table_parse_int("-9223372036854775809", 20, &v) == -2, "min - 1 overflows");
	ok(table_parse_int("99999999999999999999999", 23, &v) == -2, "a long overflow");
	ok(table_parse_int("12,5", 4, &v) == -1, "12,5 is no int");
	ok(table_parse_int("1e3", 3, &v) == -1, "1e3 is no int");
	ok(table_parse_int("1.0", 3, &v) == -1, "1.0 is no int");
	ok(table_parse_int("", 0, &v) == -1, "empty is no int");
	ok(table_parse_int("-", 1, &v) == -1, "a sign alone is no int");
	ok(table_parse_int("0x10", 4, &v) == -1, "hex is no int");
	ok(table_parse_int("1 2", 3, &v) == -1, "1 2 is no int");
	ok(table_parse_int("99999999999999999999x", 21, &v) == -1,
	   "garbage wins over overflow");
	ok(!table_parse_int("123456", 3, &v) && v == 123, "only len bytes are read");
}

static int same_double(double a, double b)
{
	if (isnan(a) || isnan(b))
		return isnan(a) && isnan(b);
	return !memcmp(&a, &b, sizeof(a));
}

static int float_is(const char *s, double want)
{
	double v;

	return !table_parse_float(s, strlen(s), &v) && same_double(v, want);
}

static void test_parse_float(void)
{
	static const char *const bad[] = {
		"", " ", "12,5", "1e", "1e+", "e5", ".", "-", "+.", "1.2.3",
		"0x10", "1p3", "nan(1)", "infinit", "in", "1e5x", "--1", "1 2",
		"1d5", "1_000", "inf1", ".inf", "-.nan", "1inf", "0nan", NULL
	};
	static const char *const exact[] = {
		"0.1", "1e23", "9007199254740993", "1.7976931348623157e308",
		"2.2250738585072014e-308", "4.9e-324", "1e-400", "1e400",
		"123456789012345678901234567890", "0.000000000000000000001234",
		"3.14159265358979323846264338327950288", "-0", "-0.0", "1e22",
		"1e-22", "9007199254740992e22", "123.456e-7", "1.", ".5",
		"8.98846567431158e307", "0e999999999999", "1e-99999999999",
		"00000000000000000000000000001.5", "2.5e+3", "-1234.567890",
		"18446744073709551615", "18446744073709551616", NULL
	};
	char buf[128];
	double v;
	int i, bad_n = 0, diff = 0;
	unsigned long long seed = 42;

	ok(float_is("1", 1.0) && float_is("-2.5", -2.5) && float_is("+3e2", 300),
	   "simple floats");
	ok(float_is(" 1.5\t", 1.5), "blanks around a float");
	ok(float_is("inf", INFINITY) && float_is("-INF", -INFINITY) &&
	   float_is("Infinity", INFINITY) && float_is("+inf", INFINITY),
	   "inf in any case");
	ok(float_is("nan", NAN) && float_is("NaN", NAN) && float_is("-nan", NAN),
	   "nan in any case");
	ok(float_is("-0", -0.0) && signbit(-0.0), "-0 keeps its sign");
	for (i = 0; bad[i]; i++)
		if (table_parse_float(bad[i], strlen(bad[i]), &v) != -1) {
			printf("# accepted: '%s'\n", bad[i]);
			bad_n++;
		}
	ok(!bad_n, "garbage is refused");
	for (i = 0; exact[i]; i++)
		if (!float_is(exact[i], strtod(exact[i], NULL))) {
			printf("# differs from strtod: '%s'\n", exact[i]);
			diff++;
		}
	ok(!diff, "hard cases equal strtod exactly");

	/* random decimals of every shape against strtod, bit for bit */
	diff = 0;
	for (i = 0; i < 300000; i++) {
		int n = 0, k, nd;

#define RND() (seed = seed * 6364136223846793005ULL + 1442695040888963407ULL, \
	       (unsigned)(seed >> 33))
		if (RND() % 3 == 0)
			buf[n++] = RND() % 2 ? '-' : '+';
		nd = RND() % 22;
		for (k = 0; k < nd; k++)
			buf[n++] = '0' + RND() % 10;
		if (RND() % 4 || !nd) {
			buf[n++] = '.';
			nd = RND() % 22 + (nd ? 0 : 1);
			for (k = 0; k < nd; k++)
				buf[n++] = '0' + RND() % 10;
		}
		if (RND() % 3 == 0)
			n += snprintf(buf + n, sizeof(buf) - n, "e%d",
				      (int)(RND() % 700) - 350);
		buf[n] = '\0';
		if (table_parse_float(buf, n, &v) ||
		    !same_double(v, strtod(buf, NULL))) {
			if (diff++ < 5)
				printf("# differs from strtod: '%s'\n", buf);
		}
	}
	ok(!diff, "300000 random decimals equal strtod exactly");
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
	test_parse_int();
	test_parse_float();
	test_parse_bool();
	test_typed();
	test_jsonl();
	test_compressed();
	test_big();
	test_pipe();
	test_fd();
	test_shared_data();
	if (chdir("/") == 0) {
		char cmd[100];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd))
			printf("# could not remove %s\n", tmpdir);
	}
	return tap_done();
}
