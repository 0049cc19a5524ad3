/*
 * fuzz-expr.c - libFuzzer harness for the expression language (lib/expr.c).
 *
 *	make fuzz && build-fuzz/fuzz-expr -max_total_time=120
 *
 * The input is parsed as a condition and as a value.  Besides crashes,
 * sanitizer reports, leaks and hangs, it checks the module's promises:
 *   - a parsed expression prints (expr_format) to text that parses back
 *     and prints the same;
 *   - compiled SQL always prepares in SQLite, with exactly as many '?' as
 *     values to bind, whatever types the resolver gives the names;
 *   - SQL and the evaluator in memory agree.  Each name gets one value,
 *     chosen by a hash of the name (NULL, numbers, params that are and are
 *     not numbers, a time); the resolver binds it in place of a column and
 *     the lookup returns it.  Whenever the SQL compiles, the evaluation in
 *     memory must succeed and give the same true, false or unknown (or the
 *     same value).  This is done 8 times, rotating the values, so that
 *     every name takes every value.  Expressions whose arithmetic leaves the doubles that
 *     SQLite's integers hold exactly (|x| >= 2^53, inf, NaN: SQLite has no
 *     NaN) are not compared, as documented in expr.h.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "expr.h"
#include "strbuf.h"

#define TS INT64_C(1795651200000000) /* 2026-11-26T00:00:00Z */

static sqlite3 *db;
static unsigned rotation;	/* every input is checked with each of 8 */

/* The value a name stands for, from a hash of its parts. */
static unsigned slot(const char *const *parts, int nparts)
{
	unsigned h = 5381;
	const char *s;
	int i;

	for (i = 0; i < nparts; i++)
		for (s = parts[i]; *s; s++)
			h = h * 33 + (unsigned char)*s;
	return (h + (unsigned)nparts + rotation) % 8;
}

static int lookup(const char *const *parts, int nparts,
		  struct expr_value *out, void *data)
{
	(void)data;
	switch (slot(parts, nparts)) {
	case 0: out->type = EXPR_NULL; break;
	case 1: out->type = EXPR_NUM; out->num = 1.5; break;
	case 2: out->type = EXPR_NUM; out->num = -2; break;
	case 3: out->type = EXPR_STR; out->str = "0.5"; break;
	case 4: out->type = EXPR_STR; out->str = "abc"; break;
	case 5: out->type = EXPR_TIME; out->time = TS; break;
	case 6: out->type = EXPR_NULL; break;
	default: out->type = EXPR_STR; out->str = "a_b%"; break;
	}
	return 0;
}

/* The same values in SQL; with `text`, slot 4 is a string column. */
static int resolve_as(const char *const *parts, int nparts,
		      struct strbuf *sql, struct expr_binds *binds, int *type,
		      int text)
{
	strbuf_addstr(sql, "?");
	switch (slot(parts, nparts)) {
	case 0: expr_binds_null(binds); *type = EXPR_SQL_NUM; break;
	case 1: expr_binds_double(binds, 1.5); *type = EXPR_SQL_NUM; break;
	case 2: expr_binds_double(binds, -2); *type = EXPR_SQL_NUM; break;
	case 3: expr_binds_text(binds, "0.5"); *type = EXPR_SQL_PARAM; break;
	case 4:
		expr_binds_text(binds, "abc");
		*type = text ? EXPR_SQL_TEXT : EXPR_SQL_PARAM;
		break;
	case 5: expr_binds_int(binds, TS); *type = EXPR_SQL_TIME; break;
	case 6: expr_binds_null(binds); *type = EXPR_SQL_PARAM; break;
	default: expr_binds_text(binds, "a_b%"); *type = EXPR_SQL_PARAM;
	}
	return 0;
}

static int resolve(const char *const *parts, int nparts, int col,
		   struct strbuf *sql, struct expr_binds *binds, int *type,
		   void *data)
{
	(void)col;
	(void)data;
	return resolve_as(parts, nparts, sql, binds, type, 0);
}

static int resolve_text(const char *const *parts, int nparts, int col,
			struct strbuf *sql, struct expr_binds *binds,
			int *type, void *data)
{
	(void)col;
	(void)data;
	return resolve_as(parts, nparts, sql, binds, type, 1);
}

/* A resolver that fails on some names, to exercise the error paths. */
static int resolve_picky(const char *const *parts, int nparts, int col,
			 struct strbuf *sql, struct expr_binds *binds,
			 int *type, void *data)
{
	(void)data;
	if (slot(parts, nparts) == 6)
		return error_input("unknown name at %d", col);
	return resolve_as(parts, nparts, sql, binds, type, 1);
}

/* Does any value in the tree leave the range compared exactly? */
static int inexact(const struct expr *e)
{
	struct expr_value v;
	int i;

	for (i = 0; i < e->nkids; i++)
		if (inexact(e->kids[i]))
			return 1;
	if (expr_is_condition(e) || expr_eval_value(e, lookup, NULL, &v) < 0)
		return 0;
	if (v.type == EXPR_NUM && (!isfinite(v.num) || fabs(v.num) >= 0x1p53))
		return 1;
	return 0;
}

static size_t count_qmarks(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '?';
	return n;
}

/* Prepare "SELECT <sql>", bind, step: the one row's column 0, or abort. */
static sqlite3_stmt *run(const struct strbuf *sql,
			 const struct expr_binds *b)
{
	struct strbuf full = STRBUF_INIT;
	sqlite3_stmt *st = NULL;

	if (count_qmarks(sql->buf) != b->nr)
		abort();
	strbuf_addf(&full, "SELECT %s", sql->buf);
	if (sqlite3_prepare_v2(db, full.buf, -1, &st, NULL) != SQLITE_OK)
		abort();
	strbuf_release(&full);
	if (expr_binds_apply(b, st, 1) != (int)b->nr + 1)
		abort();
	if (sqlite3_step(st) != SQLITE_ROW)
		abort();
	return st;
}

/* Compile with `fn`; if it compiles, run it (and return the statement). */
static sqlite3_stmt *compile_run(const struct expr *e, expr_sql_fn fn)
{
	struct strbuf sql = STRBUF_INIT;
	struct expr_binds b = EXPR_BINDS_INIT;
	sqlite3_stmt *st = NULL;

	strbuf_addstr(&sql, "");
	if (expr_to_sql(e, fn, NULL, &sql, &b) == 0)
		st = run(&sql, &b);
	else if (sql.len || b.nr)
		abort();	/* left as it was on error */
	strbuf_release(&sql);
	expr_binds_release(&b);
	return st;
}

static void check_condition(const struct expr *e)
{
	sqlite3_stmt *st;
	int mem, sqlv;

	if (rotation == 0) {
		sqlite3_finalize(compile_run(e, resolve_text));
		sqlite3_finalize(compile_run(e, resolve_picky));
	}
	st = compile_run(e, resolve);
	mem = expr_eval_tri(e, lookup, NULL);
	if (!st)
		return;
	if (mem < 0)
		abort();	/* SQL compiled, so memory must evaluate */
	if (!inexact(e)) {
		sqlv = sqlite3_column_type(st, 0) == SQLITE_NULL ?
			       EXPR_UNKNOWN : sqlite3_column_int(st, 0) != 0;
		if (sqlv != mem)
			abort();
	}
	sqlite3_finalize(st);
}

static void check_value(const struct expr *e)
{
	struct expr_value v;
	sqlite3_stmt *st;
	int mem, t;

	if (rotation == 0)
		sqlite3_finalize(compile_run(e, resolve_text));
	st = compile_run(e, resolve);
	mem = expr_eval_value(e, lookup, NULL, &v);
	if (!st)
		return;
	if (mem < 0)
		abort();
	if (!inexact(e)) {
		t = sqlite3_column_type(st, 0);
		switch (v.type) {
		case EXPR_NULL:
			if (t != SQLITE_NULL)
				abort();
			break;
		case EXPR_NUM:
			if ((t != SQLITE_FLOAT && t != SQLITE_INTEGER) ||
			    sqlite3_column_double(st, 0) != v.num)
				abort();
			break;
		case EXPR_TIME:
			if (t != SQLITE_INTEGER ||
			    sqlite3_column_int64(st, 0) != v.time)
				abort();
			break;
		case EXPR_STR:
			if (t != SQLITE_TEXT ||
			    strcmp((const char *)sqlite3_column_text(st, 0),
				   v.str))
				abort();
			break;
		}
	}
	sqlite3_finalize(st);
}

/* Print, parse the print, print again: the same text. */
static void check_format(const struct expr *e, int value)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct expr *e2;

	expr_format(e, &a);
	e2 = value ? expr_parse_value(a.buf, "x") : expr_parse(a.buf, "x");
	if (!e2)
		abort();
	expr_format(e2, &b);
	if (strcmp(a.buf, b.buf))
		abort();
	expr_free(e2);
	strbuf_release(&a);
	strbuf_release(&b);
}

static int count_ident(const char *const *parts, int nparts, int col,
		       void *data)
{
	if (nparts < 1 || col < 1 || !parts[0][0])
		abort();
	(*(int *)data)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct expr *e;
	int n = 0;

	if (!s)
		return 0;
	if (!db) {
		if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
		    expr_sql_register(db) < 0)
			abort();
	}
	memcpy(s, data, size);
	s[size] = '\0';

	e = expr_parse(s, "filter");
	if (e) {
		if (!expr_is_condition(e))
			abort();
		expr_foreach_ident(e, count_ident, &n);
		check_format(e, 0);
		for (rotation = 0; rotation < 8; rotation++)
			check_condition(e);
		rotation = 0;
		expr_free(e);
	} else if (strncmp(err_msg(), "filter column ", 14)) {
		abort();	/* every message names the column */
	}
	e = expr_parse_value(s, "value");
	if (e) {
		if (expr_is_condition(e))
			abort();
		check_format(e, 1);
		for (rotation = 0; rotation < 8; rotation++)
			check_value(e);
		rotation = 0;
		expr_free(e);
	}
	err_clear();
	free(s);
	return 0;
}
