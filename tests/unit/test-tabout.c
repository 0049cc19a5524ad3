/*
 * test-tabout.c - listings, JSON lines and checked flushes (lib/tabout.c).
 */
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "opt.h"
#include "strbuf.h"
#include "tabout.h"
#include "tap.h"

/* Print `t` in `mode` to a temporary file and return what was written. */
static const char *render(struct tabout *t, enum tabout_mode mode)
{
	static struct strbuf sb = STRBUF_INIT;
	FILE *fp = tmpfile();
	int rc;

	strbuf_reset(&sb);
	if (!fp)
		return "(no tmpfile)";
	tabout_set_mode(t, mode);
	rc = tabout_print(t, fp);
	rewind(fp);
	strbuf_read_fd(&sb, fileno(fp));
	fclose(fp);
	return rc < 0 ? "(error)" : sb.buf;
}

static const char *const hdr3[] = { "NAME", "VERSION", "AUC" };

static struct tabout *sample(void)
{
	struct tabout *t = tabout_new(3, hdr3);
	const char *r1[] = { "churn", "3", "0.91" };
	const char *r2[] = { "fraud-detector", "12", "0.8765" };
	const char *r3[] = { "x", "1", NULL };

	tabout_add(t, r1);
	tabout_add(t, r2);
	tabout_add(t, r3);
	return t;
}

static void test_pipe(void)
{
	struct tabout *t = sample();
	const char *esc[] = { "tab\there", "two\nlines", "back\\slash" };
	const char *cr[] = { "cr\r", "", "\\t is not a tab" };
	struct tabout *e = tabout_new(3, hdr3);

	gopt.header = 0;
	is_str(render(t, TABOUT_PIPE),
	       "churn\t3\t0.91\nfraud-detector\t12\t0.8765\nx\t1\t\n",
	       "pipe: tab-separated, no header, a NULL cell is empty");
	is_str(render(t, TABOUT_AUTO),
	       "churn\t3\t0.91\nfraud-detector\t12\t0.8765\nx\t1\t\n",
	       "auto on a file is the pipe layout");
	gopt.header = 1;
	is_str(render(t, TABOUT_PIPE),
	       "NAME\tVERSION\tAUC\nchurn\t3\t0.91\n"
	       "fraud-detector\t12\t0.8765\nx\t1\t\n",
	       "pipe: --header adds the header line");
	gopt.header = 0;

	tabout_add(e, esc);
	tabout_add(e, cr);
	is_str(render(e, TABOUT_PIPE),
	       "tab\\there\ttwo\\nlines\tback\\\\slash\n"
	       "cr\\r\t\t\\\\t is not a tab\n",
	       "pipe: tab, newline, CR and backslash are escaped");
	is_int(tabout_rows(e), 2, "tabout_rows");
	tabout_free(e);

	is_str(render(t, TABOUT_PIPE),
	       "churn\t3\t0.91\nfraud-detector\t12\t0.8765\nx\t1\t\n",
	       "printing twice prints the same");
	tabout_free(t);

	t = tabout_new(2, NULL);
	{
		const char *r[] = { "a", "b" };

		tabout_add(t, r);
	}
	gopt.header = 1;
	is_str(render(t, TABOUT_PIPE), "a\tb\n",
	       "no headers: no header line even with --header");
	is_str(render(t, TABOUT_TERMINAL), "a  b\n",
	       "no headers: no header line on a terminal");
	gopt.header = 0;
	tabout_free(t);

	t = tabout_new(2, hdr3);
	is_str(render(t, TABOUT_PIPE), "", "an empty listing prints nothing");
	is_str(render(t, TABOUT_TERMINAL), "NAME  VERSION\n",
	       "an empty listing on a terminal is its header");
	tabout_free(t);
	tabout_free(NULL);
}

static void test_terminal(void)
{
	struct tabout *t = sample();

	gopt.color = COLOR_NEVER;
	is_str(render(t, TABOUT_TERMINAL),
	       "NAME            VERSION     AUC\n"
	       "churn                 3    0.91\n"
	       "fraud-detector       12  0.8765\n"
	       "x                     1\n",
	       "terminal: aligned, numbers right-aligned, no trailing blanks");

	gopt.color = COLOR_ALWAYS;
	is_str(render(t, TABOUT_TERMINAL),
	       "\033[1mNAME\033[0m            \033[1mVERSION\033[0m     "
	       "\033[1mAUC\033[0m\n"
	       "churn                 3    0.91\n"
	       "fraud-detector       12  0.8765\n"
	       "x                     1\n",
	       "terminal with colour: a bold header, padding outside");
	gopt.color = COLOR_AUTO;
	setenv("NO_COLOR", "1", 1);
	ok(!strchr(render(t, TABOUT_TERMINAL), '\033'),
	   "NO_COLOR: no escape sequences");
	unsetenv("NO_COLOR");
	gopt.color = COLOR_NEVER;
	tabout_free(t);

	{
		static const char *const h[] = { "RUN", "STATUS", "LOSS" };
		const char *r1[] = { "r\xc3\xa9sum\xc3\xa9", "ok", "-1.5e-3" };
		const char *r2[] = { "a\tb", "fail\x1b[31m", "nan" };
		const char *r3[] = { "z", "-", "-" };
		const char *r4[] = { "pct", "", "95%" };

		t = tabout_new(3, h);
		tabout_add(t, r1);
		tabout_add(t, r2);
		tabout_add(t, r3);
		tabout_add(t, r4);
		is_str(render(t, TABOUT_TERMINAL),
		       "RUN     STATUS           LOSS\n"
		       "r\xc3\xa9sum\xc3\xa9  ok            -1.5e-3\n"
		       "a\\tb    fail\\x1b[31m      nan\n"
		       "z       -                   -\n"
		       "pct                       95%\n",
		       "terminal: UTF-8 widths, control characters shown, "
		       "'-' and empty cells do not stop a numeric column");
		tabout_free(t);
	}
	{
		static const char *const h[] = { "ID", "VALUE" };
		const char *r1[] = { "1", "12" };
		const char *r2[] = { "2", "n/a" };

		t = tabout_new(2, h);
		tabout_add(t, r1);
		tabout_add(t, r2);
		is_str(render(t, TABOUT_TERMINAL),
		       "ID  VALUE\n"
		       " 1  12\n"
		       " 2  n/a\n",
		       "one word in a column keeps it left-aligned");
		tabout_free(t);
	}
}

static void test_json(void)
{
	cJSON *o = cJSON_CreateObject();
	FILE *fp = tmpfile();
	struct strbuf sb = STRBUF_INIT;

	cJSON_AddStringToObject(o, "name", "churn\n\"x\"");
	cJSON_AddNumberToObject(o, "version", 3);
	cJSON_AddItemToObject(o, "tags", cJSON_CreateArray());
	ok(json_print_line(fp, o) == 0 && json_print_line(fp, o) == 0,
	   "json_print_line");
	ok(out_flush(fp) == 0, "out_flush on a good file");
	rewind(fp);
	strbuf_read_fd(&sb, fileno(fp));
	is_str(sb.buf,
	       "{\"name\":\"churn\\n\\\"x\\\"\",\"version\":3,\"tags\":[]}\n"
	       "{\"name\":\"churn\\n\\\"x\\\"\",\"version\":3,\"tags\":[]}\n",
	       "compact JSON, one document a line");
	fclose(fp);
	cJSON_Delete(o);
	strbuf_release(&sb);
}

static void test_jsonl(void)
{
	struct tabout *t = sample();
	static const enum table_type ty[] = { TABLE_STRING, TABLE_INT,
					      TABLE_FLOAT };

	gopt.header = 0;
	is_str(render(t, TABOUT_JSONL),
	       "{\"name\":\"churn\",\"version\":\"3\",\"auc\":\"0.91\"}\n"
	       "{\"name\":\"fraud-detector\",\"version\":\"12\","
	       "\"auc\":\"0.8765\"}\n"
	       "{\"name\":\"x\",\"version\":\"1\",\"auc\":null}\n",
	       "JSON Lines: lower-cased header keys, strings, NULL is null");
	tabout_set_types(t, ty);
	{
		const char *r[] = { "y", "-", "1e-3" };

		tabout_add(t, r);
	}
	gopt.header = 1;
	is_str(render(t, TABOUT_JSONL),
	       "{\"name\":\"churn\",\"version\":3,\"auc\":0.91}\n"
	       "{\"name\":\"fraud-detector\",\"version\":12,\"auc\":0.8765}\n"
	       "{\"name\":\"x\",\"version\":1,\"auc\":null}\n"
	       "{\"name\":\"y\",\"version\":\"-\",\"auc\":1e-3}\n",
	       "JSON Lines with types: numbers bare, other text a string, "
	       "no header line even with --header");
	gopt.header = 0;
	is_str(render(t, TABOUT_PIPE),
	       "churn\t3\t0.91\nfraud-detector\t12\t0.8765\nx\t1\t\ny\t-\t1e-3\n",
	       "types change nothing in a pipe");
	tabout_free(t);

	t = tabout_new(2, NULL);
	{
		const char *r[] = { "a\tb\"\xff", NULL };

		tabout_add(t, r);
	}
	is_str(render(t, TABOUT_JSONL), "[\"a\\tb\\\"\xef\xbf\xbd\",null]\n",
	       "JSON Lines without headers: arrays; escapes and U+FFFD");
	tabout_free(t);

	{
		static const char *const h[] = { "Run ID", "\xc3\x89TAT" };
		const char *r[] = { "1", "2" };

		t = tabout_new(2, h);
		tabout_add(t, r);
		is_str(render(t, TABOUT_JSONL),
		       "{\"run id\":\"1\",\"\xc3\x89tat\":\"2\"}\n",
		       "keys: ASCII letters lower-cased, the rest kept");
		tabout_free(t);
	}
}

/* The pipe layout with --header is TSV that the table reader reads back. */
static void test_pipe_reads_back(void)
{
	static const char *const h[] = { "K\tEY", "VALUE" };
	const char *r1[] = { "a\\b", "tab\there\r\n" };
	const char *r2[] = { "\\N", NULL };
	struct tabout *t = tabout_new(2, h);
	char path[] = "/tmp/test-tabout.XXXXXX";
	int fd = mkstemp(path), ok_ = 0;
	FILE *fp;
	struct table_reader *rd;

	tabout_add(t, r1);
	tabout_add(t, r2);
	tabout_set_mode(t, TABOUT_PIPE);
	gopt.header = 1;
	fp = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (fp && tabout_print(t, fp) == 0 && fclose(fp) == 0 &&
	    (rd = table_open(path, TABLE_TSV, 0))) {
		ok_ = !strcmp(table_colname(rd, 0), "K\tEY") &&
		      table_next(rd) == TABLE_ROW &&
		      !strcmp(table_field(rd, 0, NULL), "a\\b") &&
		      !strcmp(table_field(rd, 1, NULL), "tab\there\r\n") &&
		      table_next(rd) == TABLE_ROW &&
		      !strcmp(table_field(rd, 0, NULL), "\\N") &&
		      !strcmp(table_field(rd, 1, NULL), "") &&
		      table_next(rd) == TABLE_END;
		table_close(rd);
	}
	ok(ok_, "a listing in a pipe reads back through the table reader "
		"(a NULL cell as an empty string)");
	gopt.header = 0;
	unlink(path);
	tabout_free(t);
}

static void test_write_errors(void)
{
	FILE *fp = fopen("/dev/full", "w");
	struct tabout *t = sample();
	int fds[2], saved;
	void (*old)(int);

	if (fp) {
		char big[10000];

		fputs("still in the buffer\n", fp);
		err_clear();
		ok(out_flush(fp) < 0 && err_code() == EXIT_ENV,
		   "out_flush reports a full disk");
		is_str(err_msg(),
		       "cannot write to output: No space left on device",
		       "... naming the cause");
		fclose(fp);

		fp = fopen("/dev/full", "w");
		memset(big, 'x', sizeof(big));
		fwrite(big, 1, sizeof(big), fp);
		errno = 0;
		err_clear();
		ok(out_flush(fp) < 0, "out_flush reports an earlier failed "
				      "write");
		is_str(err_msg(), "cannot write to output: write error",
		       "... whose cause stdio has lost");
		fclose(fp);

		fp = fopen("/dev/full", "w");
		err_clear();
		tabout_set_mode(t, TABOUT_PIPE);
		ok(tabout_print(t, fp) < 0 &&
			   strstr(err_msg(), "No space left on device"),
		   "tabout_print reports a full disk");
		fclose(fp);

		fp = fopen("/dev/full", "w");
		setvbuf(fp, NULL, _IONBF, 0);
		{
			cJSON *o = cJSON_CreateObject();

			err_clear();
			ok(json_print_line(fp, o) < 0 &&
				   strstr(err_msg(), "No space left"),
			   "json_print_line reports a write error at once "
			   "on an unbuffered stream");
			cJSON_Delete(o);
		}
		fclose(fp);
	} else {
		ok(1, "# skip no /dev/full");
		ok(1, "# skip no /dev/full");
		ok(1, "# skip no /dev/full");
		ok(1, "# skip no /dev/full");
		ok(1, "# skip no /dev/full");
		ok(1, "# skip no /dev/full");
	}

	/* A closed pipe: EPIPE once SIGPIPE is ignored. */
	old = signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) == 0) {
		close(fds[0]);
		fp = fdopen(fds[1], "w");
		fputs("hello\n", fp);
		err_clear();
		ok(out_flush(fp) < 0 && strstr(err_msg(), "Broken pipe"),
		   "out_flush reports a closed pipe");
		fclose(fp);
	}
	signal(SIGPIPE, old);

	/* stderr is named as such. */
	saved = dup(2);
	{
		int full = open("/dev/full", O_WRONLY);

		if (full >= 0 && saved >= 0) {
			dup2(full, 2);
			close(full);
			fputs("lost\n", stderr);
			err_clear();
			out_flush(stderr);
			dup2(saved, 2);
			clearerr(stderr);
			is_str(err_msg(), "cannot write to standard error: "
					  "write error",
			       "stderr is named 'standard error'");
		} else {
			ok(1, "# skip no /dev/full");
		}
		if (saved >= 0)
			close(saved);
	}
	tabout_free(t);
}

static const char *spark(const double *v, size_t n, size_t width,
			 unsigned flags, double range[2])
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	tabout_sparkline(&sb, v, n, width, flags, range);
	return sb.buf;
}

static void test_sparkline(void)
{
	double up[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, same[3] = { 2, 2, 2 };
	double zero[3] = { 0, 0, 0 }, gap[3] = { 0, NAN, 1 };
	double p[2] = { 0.94, 1 }, many[120], range[2];
	const char *s;
	size_t i;

	is_str(spark(up, 8, 0, 0, range),
	       "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588",
	       "sparkline: eight values, the eight blocks");
	ok(range[0] == 1 && range[1] == 8, "sparkline: its scale, 1 to 8");
	is_str(spark(same, 3, 0, 0, NULL), "\u2584\u2584\u2584",
	       "sparkline: one value throughout is the fourth block");
	is_str(spark(same, 3, 0, TABOUT_SPARK_FROM_ZERO, range),
	       "\u2588\u2588\u2588", "sparkline from 0: 2 of 2 is the top");
	ok(range[0] == 0 && range[1] == 2, "sparkline from 0: scale 0 to 2");
	is_str(spark(zero, 3, 0, TABOUT_SPARK_FROM_ZERO, NULL),
	       "\u2581\u2581\u2581", "sparkline from 0: all 0 is the lowest");
	is_str(spark(gap, 3, 0, 0, NULL), "\u2581 \u2588",
	       "sparkline: NaN is a blank");
	is_str(spark(p, 2, 0, TABOUT_SPARK_FROM_ZERO, NULL),
	       "\u2588\u2588", "sparkline from 0: 0.94 against 1 looks alike");
	is_str(spark(p, 2, 0, 0, NULL), "\u2581\u2588",
	       "sparkline from the lowest: 0.94 against 1 differs");
	spark(gap + 1, 1, 0, 0, range);
	ok(isnan(range[0]) && isnan(range[1]), "sparkline: no finite value");
	for (i = 0; i < 120; i++)
		many[i] = (double)i;
	s = spark(many, 120, 60, 0, range);
	is_int(strlen(s), 60 * 3, "sparkline: 120 values in 60 blocks");
	ok(!strncmp(s, "\u2581", 3) && !strcmp(s + 59 * 3, "\u2588") &&
	   range[1] == 119, "sparkline: bucket means, the scale of all");
}

int main(void)
{
	unsetenv("NO_COLOR");
	test_pipe();
	test_terminal();
	test_json();
	test_jsonl();
	test_pipe_reads_back();
	test_write_errors();
	test_sparkline();
	return tap_done();
}
