/*
 * fuzz-table.c - libFuzzer harness for lib/table.c.
 *
 * Each input is put in a memfd and read as CSV, TSV, JSON Lines, CSV with
 * ';' and as TABLE_AUTO (so compressed inputs reach libarchive too).
 * Every field of every row goes through every converter, and the raw row
 * text is taken.  Besides crashes, hangs and sanitizer reports, it checks
 * that table_parse_float() agrees with strtod() bit for bit and
 * table_parse_int() with strtoll() whenever they accept a value.
 *
 *   make fuzz && build-fuzz/fuzz-table -max_total_time=60
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "table.h"

static void check_converters(const char *s, size_t len)
{
	char buf[512];
	const char *p = s, *e = s + len;
	double d, ref;
	int64_t i64;
	long long ll;
	char *end;

	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if ((size_t)(e - p) >= sizeof(buf))
		return;
	memcpy(buf, p, e - p);
	buf[e - p] = '\0';

	if (table_parse_float(s, len, &d) == 0) {
		ref = strtod(buf, &end);
		if (*end || (isnan(d) ? !isnan(ref) : memcmp(&d, &ref, sizeof(d)))) {
			fprintf(stderr, "float mismatch on '%s': %.17g vs %.17g\n",
				buf, d, ref);
			abort();
		}
	}
	if (table_parse_int(s, len, &i64) == 0) {
		errno = 0;
		ll = strtoll(buf, &end, 10);
		if (*end || errno || ll != i64) {
			fprintf(stderr, "int mismatch on '%s'\n", buf);
			abort();
		}
	}
}

static void read_all(int fd, enum table_format fmt, int delim)
{
	struct table_reader *t = table_open_fd(fd, "fuzz", fmt, delim);
	int rc, i, n, b;
	int64_t i64;
	double d;

	if (!t)
		return;
	n = table_ncols(t);
	for (i = 0; i < n; i++)
		if (!table_colname(t, i) ||
		    table_col_index(t, table_colname(t, i)) < 0)
			abort();
	while ((rc = table_next(t)) != TABLE_END) {
		size_t len, len2;
		const char *raw;

		if (rc == TABLE_FATAL)
			break;
		raw = table_row_text(t, &len);
		if (!raw)
			abort();
		if (rc < 0)
			continue;
		for (i = 0; i < n; i++) {
			const char *f = table_field(t, i, &len);

			if (f) {
				if (f[len] != '\0')
					abort();
				check_converters(f, len);
			}
			table_get_int(t, i, &i64);
			table_get_float(t, i, &d);
			table_get_bool(t, i, &b);
			table_get_time(t, i, NULL, &i64);
			table_get_time(t, i, "epoch", &i64);
			table_get_time(t, i, "%d/%m/%Y", &i64);
			/* taking the raw text leaves the fields as they were */
			if (f && (table_row_text(t, NULL),
				  table_field(t, i, &len2) != f || len2 != len ||
				  f[len] != '\0'))
				abort();
		}
	}
	(void)table_bytes_read(t);
	table_close(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct {
		enum table_format fmt;
		int delim;
	} runs[] = {
		{ TABLE_CSV, 0 }, { TABLE_TSV, 0 }, { TABLE_JSONL, 0 },
		{ TABLE_CSV, ';' }, { TABLE_AUTO, 0 }
	};
	size_t i;
	int fd = memfd_create("fuzz-table", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	for (i = 0; i < sizeof(runs) / sizeof(*runs); i++) {
		int dfd;

		if (lseek(fd, 0, SEEK_SET) < 0)
			break;
		dfd = dup(fd);
		if (dfd < 0)
			break;
		read_all(dfd, runs[i].fmt, runs[i].delim);
	}
	close(fd);
	err_clear();
	return 0;
}
