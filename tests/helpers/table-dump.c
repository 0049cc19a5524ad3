/*
 * table-dump - read a table with lib/table.c and write it again with the
 * table writer, for the shell tests and the benchmark.
 *
 *   table-dump [--format F] [--delimiter C] [--types SPEC] [--time-format F]
 *              [--output-format F] [--count] [--rejects FILE] FILE
 *
 * Writes the header and every row as TSV (or as --output-format says:
 * csv, tsv or jsonl): missing values as \N; tab, newline, CR and
 * backslash inside values as \t, \n, \r, \\.  SPEC is NAME:TYPE,...
 * with TYPE one of string, int, float, bool, timestamp; NAME "*" gives a
 * type to every column not named.  Typed columns are converted and
 * written back with the writer's typed cells: ints in decimal, floats in
 * the shortest form that reads back exactly, bools as true/false,
 * timestamps in ISO 8601.  --count converts the same way but prints only
 * the number of rows.  --rejects FILE skips bad rows, writing their raw
 * text to FILE and the reason as a warning.  Bad input exits 2 with the
 * message, a write error 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mltime.h"
#include "opt.h"
#include "strbuf.h"
#include "table.h"
#include "tabout.h"

static const char *const usage[] = {
	"table-dump [--format F] [--delimiter C] [--types SPEC] "
	"[--time-format F] [--output-format F] [--count] [--rejects FILE] FILE",
	NULL
};

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

/* Convert one field, giving it to `w` unless it is NULL; 0 or -1. */
static int dump_field(struct table_reader *t, int col, int type,
		      const char *timefmt, struct table_writer *w)
{
	int64_t i64;
	double d;
	int b, rc;
	const char *s;
	size_t len;

	switch (type) {
	case TABLE_INT:
		rc = table_get_int(t, col, &i64);
		if (rc == 0 && w)
			table_writer_int(w, i64);
		break;
	case TABLE_FLOAT:
		rc = table_get_float(t, col, &d);
		if (rc == 0 && w)
			table_writer_float(w, d);
		break;
	case TABLE_BOOL:
		rc = table_get_bool(t, col, &b);
		if (rc == 0 && w)
			table_writer_bool(w, b);
		break;
	case TABLE_TIMESTAMP:
		rc = table_get_time(t, col, timefmt, &i64);
		if (rc == 0 && w)
			table_writer_time(w, i64);
		break;
	default:
		s = table_field(t, col, &len);
		rc = s ? 0 : 1;
		if (s && w)
			table_writer_text(w, s, len);
		break;
	}
	if (rc == 1 && w)
		table_writer_null(w);
	return rc < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	const char *format = "auto", *delim_s = NULL, *types_s = NULL;
	const char *timefmt = NULL, *rejects_path = NULL, *oformat = "tsv";
	int count = 0, fmt, ofmt, delim = 0, ncols, i, rc, ret = 0;
	int *types = NULL;
	enum table_type *wtypes = NULL;
	const char **names = NULL;
	long long rows = 0;
	struct table_reader *t;
	struct table_writer *w = NULL;
	FILE *rejects = NULL;
	struct option opts[] = {
		OPT_STRING(0, "format", &format, "F", "csv, tsv, jsonl or auto"),
		OPT_STRING(0, "delimiter", &delim_s, "C", "field delimiter"),
		OPT_STRING(0, "types", &types_s, "SPEC", "NAME:TYPE,..."),
		OPT_STRING(0, "time-format", &timefmt, "F", "for timestamps"),
		OPT_STRING(0, "output-format", &oformat, "F",
			   "csv, tsv (default) or jsonl"),
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
	ofmt = table_format_from_name(oformat);
	if (ofmt < 0 || ofmt == TABLE_AUTO)
		return opt_usage_error(usage, "unknown output format '%s'",
				       oformat);
	if (delim_s && (delim = parse_delim(delim_s)) < 0)
		return opt_usage_error(usage, "bad delimiter '%s'", delim_s);

	t = table_open(argv[1], (enum table_format)fmt, delim);
	if (!t)
		return err_report();
	ncols = table_ncols(t);
	types = xmalloc((ncols + 1) * sizeof(*types));
	wtypes = xmalloc((ncols + 1) * sizeof(*wtypes));
	names = xmalloc((ncols + 1) * sizeof(*names));
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
	for (i = 0; i < ncols; i++) {
		names[i] = table_colname(t, i);
		wtypes[i] = (enum table_type)types[i];
	}
	if (!count && !ncols) {
		/* an empty JSON Lines input: no columns, an empty header */
		putchar('\n');
	} else if (!count) {
		w = table_writer_open(1, "-", (enum table_format)ofmt, 0, ncols,
				      names, wtypes);
		if (!w) {
			ret = err_report();
			goto out;
		}
	}
	while ((rc = table_next(t)) != TABLE_END) {
		if (rc == TABLE_ROW) {
			for (i = 0; i < ncols; i++)
				if (dump_field(t, i, types[i], timefmt, w) < 0)
					break;
			if (i == ncols) {
				if (w && table_writer_end_row(w) < 0) {
					ret = err_report();
					goto out;
				}
				rows++;
				continue;
			}
			if (w)
				table_writer_cancel_row(w);
		}
		if (!rejects || rc == TABLE_FATAL) {
			/* the rows before the bad one are written */
			ret = err_report();
			if (table_writer_close(w) < 0)
				err_report();
			w = NULL;
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
	if (out_flush(stdout) < 0)
		ret = err_report();
	rc = table_writer_close(w);
	w = NULL;
	if (rc < 0)
		ret = err_report();
	if (rejects && fclose(rejects)) {
		rejects = NULL;
		error("cannot write '%s'", rejects_path);
		ret = err_report();
	}
	rejects = NULL;
out:
	if (rejects)
		fclose(rejects);
	table_writer_free(w);
	free(types);
	free(wtypes);
	free(names);
	table_close(t);
	return ret;
}
