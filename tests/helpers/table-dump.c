/*
 * table-dump - read a table with lib/table.c and print it, for the shell
 * tests and the benchmark.
 *
 *   table-dump [--format F] [--delimiter C] [--types SPEC] [--time-format F]
 *              [--count] [--rejects FILE] FILE
 *
 * Prints the header and every row as tab-separated lines: missing values
 * as \N; tab, newline, CR and backslash inside values as \t, \n, \r, \\.
 * SPEC is NAME:TYPE,... with TYPE one of string, int, float, bool,
 * timestamp; NAME "*" gives a type to every column not named.  Typed
 * columns are converted and printed back: ints in decimal, floats in the
 * shortest form that reads back exactly, bools as true/false, timestamps
 * in ISO 8601.  --count converts the same way but prints only the number
 * of rows.  --rejects FILE skips bad rows, writing their raw text to FILE
 * and the reason as a warning.  Bad input exits 2 with the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mltime.h"
#include "opt.h"
#include "strbuf.h"
#include "table.h"

static const char *const usage[] = {
	"table-dump [--format F] [--delimiter C] [--types SPEC] "
	"[--time-format F] [--count] [--rejects FILE] FILE",
	NULL
};

static void put_text(struct strbuf *sb, const char *s, size_t len)
{
	const char *e = s + len;

	while (s < e) {
		const char *q = s;

		while (q < e && *q != '\t' && *q != '\n' && *q != '\r' &&
		       *q != '\\')
			q++;
		strbuf_add(sb, s, q - s);
		if (q == e)
			break;
		strbuf_addch(sb, '\\');
		strbuf_addch(sb, *q == '\t' ? 't' : *q == '\n' ? 'n' :
				 *q == '\r' ? 'r' : '\\');
		s = q + 1;
	}
}

static void put_float(struct strbuf *sb, double v)
{
	char b[40];
	int prec;

	for (prec = 15; prec <= 17; prec++) {
		snprintf(b, sizeof(b), "%.*g", prec, v);
		if (strtod(b, NULL) == v || v != v)
			break;
	}
	strbuf_addstr(sb, b);
}

static int parse_delim(const char *s)
{
	if (!strcmp(s, "\\t") || !strcmp(s, "tab"))
		return '\t';
	if (strlen(s) != 1)
		return -1;
	return (unsigned char)s[0];
}

/* Fill types[] from SPEC; -1 with a message on a bad spec. */
static int parse_types(const struct table_reader *t, const char *spec,
		       int *types)
{
	char *copy = xstrdup(spec), *item = copy, *next;
	int i, ret = 0, star = -1;

	for (; item && *item; item = next) {
		char *colon;
		int col, ty;

		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		colon = strrchr(item, ':');
		if (!colon) {
			ret = error_input("--types: expected NAME:TYPE, got '%s'",
					  item);
			break;
		}
		*colon = '\0';
		ty = table_type_from_name(colon + 1);
		if (ty < 0) {
			ret = error_input("--types: unknown type '%s'", colon + 1);
			break;
		}
		if (!strcmp(item, "*")) {
			star = ty;
			continue;
		}
		col = table_col_index(t, item);
		if (col < 0) {
			ret = error_input("--types: no column '%s' in '%s'", item,
					  table_name(t));
			break;
		}
		types[col] = ty;
	}
	if (star >= 0)
		for (i = 0; i < table_ncols(t); i++)
			if (types[i] < 0)
				types[i] = star;
	for (i = 0; i < table_ncols(t); i++)
		if (types[i] < 0)
			types[i] = TABLE_STRING;
	free(copy);
	return ret;
}

/* Convert one field, appending it to `sb` unless `quiet`; 0 or -1. */
static int dump_field(struct table_reader *t, int col, int type,
		      const char *timefmt, int quiet, struct strbuf *sb)
{
	int64_t i64;
	double d;
	int b, rc;
	const char *s;
	size_t len;
	char tb[MLTIME_BUFSZ];

	switch (type) {
	case TABLE_INT:
		rc = table_get_int(t, col, &i64);
		if (rc == 0 && !quiet)
			strbuf_addf(sb, "%lld", (long long)i64);
		break;
	case TABLE_FLOAT:
		rc = table_get_float(t, col, &d);
		if (rc == 0 && !quiet)
			put_float(sb, d);
		break;
	case TABLE_BOOL:
		rc = table_get_bool(t, col, &b);
		if (rc == 0 && !quiet)
			strbuf_addstr(sb, b ? "true" : "false");
		break;
	case TABLE_TIMESTAMP:
		rc = table_get_time(t, col, timefmt, &i64);
		if (rc == 0 && !quiet)
			strbuf_addstr(sb, mltime_format(i64, tb));
		break;
	default:
		s = table_field(t, col, &len);
		rc = s ? 0 : 1;
		if (s && !quiet)
			put_text(sb, s, len);
		break;
	}
	if (rc == 1 && !quiet)
		strbuf_addstr(sb, "\\N");
	return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *format = "auto", *delim_s = NULL, *types_s = NULL;
	const char *timefmt = NULL, *rejects_path = NULL;
	int count = 0, fmt, delim = 0, ncols, i, rc, ret = 0, *types = NULL;
	long long rows = 0;
	struct table_reader *t;
	FILE *rejects = NULL;
	struct strbuf line = STRBUF_INIT;
	static char outbuf[1 << 16];
	struct option opts[] = {
		OPT_STRING(0, "format", &format, "F", "csv, tsv, jsonl or auto"),
		OPT_STRING(0, "delimiter", &delim_s, "C", "field delimiter"),
		OPT_STRING(0, "types", &types_s, "SPEC", "NAME:TYPE,..."),
		OPT_STRING(0, "time-format", &timefmt, "F", "for timestamps"),
		OPT_BOOL(0, "count", &count, "print only the row count"),
		OPT_STRING(0, "rejects", &rejects_path, "FILE",
			   "skip bad rows, writing them to FILE"),
		OPT_END()
	};

	err_set_progname("table-dump");
	argc = opt_parse(argc, argv, opts, usage, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage, "expected one FILE");
	fmt = table_format_from_name(format);
	if (fmt < 0)
		return opt_usage_error(usage, "unknown format '%s'", format);
	if (delim_s && (delim = parse_delim(delim_s)) < 0)
		return opt_usage_error(usage, "bad delimiter '%s'", delim_s);
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

	t = table_open(argv[1], (enum table_format)fmt, delim);
	if (!t)
		return err_report();
	ncols = table_ncols(t);
	types = xmalloc((ncols + 1) * sizeof(*types));
	for (i = 0; i < ncols; i++)
		types[i] = -1;
	if (parse_types(t, types_s ? types_s : "", types) < 0) {
		ret = err_report();
		goto out;
	}
	if (rejects_path && !(rejects = fopen(rejects_path, "w"))) {
		error("cannot open '%s'", rejects_path);
		ret = err_report();
		goto out;
	}
	if (!count) {
		for (i = 0; i < ncols; i++) {
			if (i)
				strbuf_addch(&line, '\t');
			put_text(&line, table_colname(t, i),
				 strlen(table_colname(t, i)));
		}
		strbuf_addch(&line, '\n');
		fwrite(line.buf, 1, line.len, stdout);
	}
	while ((rc = table_next(t)) != TABLE_END) {
		if (rc == TABLE_ROW) {
			strbuf_reset(&line);
			for (i = 0; i < ncols; i++) {
				if (!count && i)
					strbuf_addch(&line, '\t');
				if (dump_field(t, i, types[i], timefmt, count,
					       &line) < 0)
					break;
			}
			if (i == ncols) {
				if (!count) {
					strbuf_addch(&line, '\n');
					fwrite(line.buf, 1, line.len, stdout);
				}
				rows++;
				continue;
			}
		}
		if (!rejects || rc == TABLE_FATAL) {
			fflush(stdout);
			ret = err_report();
			goto out;
		}
		{
			size_t len;
			const char *raw = table_row_text(t, &len);

			warning("%s", err_msg());
			if (raw) {
				fwrite(raw, 1, len, rejects);
				fputc('\n', rejects);
			}
		}
	}
	if (count)
		printf("%lld\n", rows);
	if (fflush(stdout) || ferror(stdout)) {
		error("write error on standard output");
		ret = err_report();
	}
	if (rejects && fclose(rejects)) {
		rejects = NULL;
		error("cannot write '%s'", rejects_path);
		ret = err_report();
	}
	rejects = NULL;
out:
	if (rejects)
		fclose(rejects);
	free(types);
	strbuf_release(&line);
	table_close(t);
	return ret;
}
