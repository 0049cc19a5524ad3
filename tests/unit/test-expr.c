/*
 * test-expr.c - the expression language (lib/expr.c): parsing, messages,
 * evaluation in memory, and compilation to SQL run against a real SQLite
 * database.
 *
 * The epoch values of the test runs were computed outside this test with
 * python3:
 *	from datetime import datetime, timezone
 *	int(datetime(2026, 11, 1, tzinfo=timezone.utc).timestamp()) * 10**6
 * giving 2026-10-01 1790812800000000, 2026-11-01 1793491200000000,
 * 2026-11-10 1794268800000000, 2026-11-20 1795132800000000,
 * 2026-11-25 1795564800000000, 2026-11-26 1795651200000000.
 * The arithmetic in the expectations is worked by hand in the comments.
 */
#include <math.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "expr.h"
#include "strbuf.h"
#include "tap.h"

#define T_OCT01 INT64_C(1790812800000000)
#define T_NOV01 INT64_C(1793491200000000)
#define T_NOV10 INT64_C(1794268800000000)
#define T_NOV20 INT64_C(1795132800000000)
#define T_NOV25 INT64_C(1795564800000000)
#define T_NOV26 INT64_C(1795651200000000)

/* A test name without control characters, which would break TAP. */
static const char *tapname(char *name)
{
	char *p;

	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return name;
}

/* ---- the shape of a tree, as an S-expression ---------------------------- */

static const char *const ops[] = {
	"+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">="
};

static void shape(const struct expr *e, struct strbuf *sb)
{
	int i;

	switch (e->kind) {
	case EXPR_LIT_NUM:
		if (e->is_bool)
			strbuf_addf(sb, "%s", e->num ? "true" : "false");
		else
			strbuf_addf(sb, "%.17g", e->num);
		return;
	case EXPR_LIT_STR:
		strbuf_addf(sb, "<%s>", e->str);
		return;
	case EXPR_LIT_NULL:
		strbuf_addstr(sb, "null");
		return;
	case EXPR_IDENT:
		for (i = 0; i < e->nparts; i++)
			strbuf_addf(sb, "%s[%s]", i ? "." : "", e->parts[i]);
		return;
	case EXPR_NEG: strbuf_addstr(sb, "(neg"); break;
	case EXPR_ARITH:
	case EXPR_CMP: strbuf_addf(sb, "(%s", ops[e->op]); break;
	case EXPR_LIKE: strbuf_addstr(sb, e->nocase ? "(ilike" : "(like"); break;
	case EXPR_IN: strbuf_addstr(sb, e->negated ? "(notin" : "(in"); break;
	case EXPR_ISNULL:
		strbuf_addstr(sb, e->negated ? "(notnull" : "(isnull");
		break;
	case EXPR_NOT: strbuf_addstr(sb, "(not"); break;
	case EXPR_AND: strbuf_addstr(sb, "(and"); break;
	case EXPR_OR: strbuf_addstr(sb, "(or"); break;
	}
	for (i = 0; i < e->nkids; i++) {
		strbuf_addch(sb, ' ');
		shape(e->kids[i], sb);
	}
	strbuf_addch(sb, ')');
}

/* Parse `text` (a condition, or a value when `value`), check its shape. */
static void shape_is_v(const char *text, int value, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	struct expr *e = value ? expr_parse_value(text, "filter")
			       : expr_parse(text, "filter");
	char name[300];

	snprintf(name, sizeof(name), "parse: %s", text);
	tapname(name);
	if (!e) {
		ok(0, name);
		printf("# error: %s\n", err_msg());
		return;
	}
	shape(e, &sb);
	is_str(sb.buf, want, name);
	strbuf_release(&sb);
	expr_free(e);
}

static void shape_is(const char *text, const char *want)
{
	shape_is_v(text, 0, want);
}

/* Parse, print canonically (want), and check the print parses the same. */
static void format_is(const char *text, const char *want)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
	struct expr *e = expr_parse(text, "filter"), *e2 = NULL;
	char name[300];

	snprintf(name, sizeof(name), "format: %s", text);
	tapname(name);
	if (!e) {
		ok(0, name);
		printf("# error: %s\n", err_msg());
		return;
	}
	expr_format(e, &a);
	is_str(a.buf, want, name);
	e2 = expr_parse(a.buf, "filter");
	if (e2) {
		strbuf_reset(&a);
		shape(e, &a);
		shape(e2, &b);
	}
	snprintf(name, sizeof(name), "format: %s: parses back the same", text);
	tapname(name);
	ok(e2 && !strcmp(a.buf, b.buf), name);
	strbuf_release(&a);
	strbuf_release(&b);
	expr_free(e);
	expr_free(e2);
}

/* Parsing must fail with exactly `want`, as bad input (exit 2). */
static void parse_err_v(const char *text, const char *what, int value,
			const char *want)
{
	struct expr *e;
	char name[300];

	err_clear();
	e = value ? expr_parse_value(text, what) : expr_parse(text, what);
	snprintf(name, sizeof(name), "refused: %.200s", text);
	tapname(name);
	ok(!e && err_code() == EXIT_USAGE, name);
	expr_free(e);
	snprintf(name, sizeof(name), "message: %.200s", text);
	tapname(name);
	is_str(err_msg(), want, name);
}

static void parse_err(const char *text, const char *want)
{
	parse_err_v(text, "filter", 0, want);
}

/* ---- evaluation in memory ----------------------------------------------- */

struct var {
	const char *name;	/* dotted, unquoted */
	enum expr_vtype type;
	double num;
	const char *str;
	int64_t time;
};

static const struct var vars[] = {
	{ "amount", EXPR_NUM, 12.5, NULL, 0 },
	{ "neg", EXPR_NUM, -3, NULL, 0 },
	{ "zero", EXPR_NUM, 0, NULL, 0 },
	{ "name", EXPR_STR, 0, "Alice", 0 },
	{ "city", EXPR_STR, 0, "Zürich", 0 },
	{ "lr", EXPR_STR, 0, "0.01", 0 },
	{ "opt", EXPR_STR, 0, "adam", 0 },
	{ "missing", EXPR_NULL, 0, NULL, 0 },
	{ "nan", EXPR_NUM, 0, NULL, 0 },	/* set to NAN in main() */
	{ "ts", EXPR_TIME, 0, NULL, T_NOV26 },
	{ "auc", EXPR_NUM, 0.912, NULL, 0 },
	{ "current.auc", EXPR_NUM, 0.9, NULL, 0 },
	{ "metrics.val loss", EXPR_NUM, 1, NULL, 0 },
	{ "metrics.a.b", EXPR_NUM, 7, NULL, 0 },
	{ "in", EXPR_NUM, 5, NULL, 0 },
};
static double nan_value;
static int lookups;

static int lookup(const char *const *parts, int nparts,
		  struct expr_value *out, void *data)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	int j;

	(void)data;
	lookups++;
	for (j = 0; j < nparts; j++)
		strbuf_addf(&sb, "%s%s", j ? "." : "", parts[j]);
	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++) {
		if (strcmp(vars[i].name, sb.buf))
			continue;
		out->type = vars[i].type;
		out->num = !strcmp(sb.buf, "nan") ? nan_value : vars[i].num;
		out->str = vars[i].str;
		out->time = vars[i].time;
		strbuf_release(&sb);
		return 0;
	}
	strbuf_reset(&sb);
	expr_ident_format(&sb, parts, nparts);
	error_input("unknown name '%s'", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* Evaluate condition `text`: want 1, 0 or EXPR_UNKNOWN. */
static void eval_is(const char *text, int want)
{
	struct expr *e = expr_parse(text, "check");
	char name[300];
	int r = -7;

	if (e)
		r = expr_eval_tri(e, lookup, NULL);
	snprintf(name, sizeof(name), "eval: %s", text);
	tapname(name);
	is_int(r, want, name);
	if (r < 0)
		printf("# error: %s\n", err_msg());
	if (e && r >= 0) {
		snprintf(name, sizeof(name), "eval_bool: %s", text);
		tapname(name);
		is_int(expr_eval_bool(e, lookup, NULL), r == 1, name);
	}
	expr_free(e);
}

/* Evaluation must fail with message `want`. */
static void eval_err(const char *text, const char *want)
{
	struct expr *e = expr_parse(text, "check");
	char name[300];
	int r = -7;

	if (e) {
		err_clear();
		r = expr_eval_bool(e, lookup, NULL);
	} else {
		printf("# parse error: %s\n", err_msg());
	}
	snprintf(name, sizeof(name), "eval fails: %s", text);
	tapname(name);
	ok(r == -1, name);
	snprintf(name, sizeof(name), "eval message: %s", text);
	tapname(name);
	is_str(err_msg(), want, name);
	expr_free(e);
}

/* Evaluate value `text` (parsed as a value). */
static void value_is(const char *text, enum expr_vtype type, double num,
		     const char *str)
{
	struct expr *e = expr_parse_value(text, "value");
	struct expr_value v = { EXPR_STR, -1, "junk", 0 };
	char name[300];
	int r = -7;

	if (e)
		r = expr_eval_value(e, lookup, NULL, &v);
	snprintf(name, sizeof(name), "value: %s", text);
	tapname(name);
	ok(r == 0 && v.type == type &&
	   (type != EXPR_NUM || fabs(v.num - num) < 1e-12) &&
	   (type != EXPR_STR || (v.str && !strcmp(v.str, str))), name);
	if (r < 0)
		printf("# error: %s\n", err_msg());
	else
		printf("# got type %d num %.17g str %s\n", (int)v.type, v.num,
		       v.type == EXPR_STR && v.str ? v.str : "-");
	expr_free(e);
}

static void test_three_valued(void)
{
	/* atoms: amount > 0 is true, amount < 0 false, missing > 0 unknown */
	static const char *const atom[3] = {
		"amount < 0", "amount > 0", "missing > 0"
	};
	static const int val[3] = { 0, 1, EXPR_UNKNOWN };
	/* SQL's tables, indexed [false, true, unknown] */
	static const int and_table[3][3] = {
		{ 0, 0, 0 }, { 0, 1, EXPR_UNKNOWN },
		{ 0, EXPR_UNKNOWN, EXPR_UNKNOWN }
	};
	static const int or_table[3][3] = {
		{ 0, 1, EXPR_UNKNOWN }, { 1, 1, 1 },
		{ EXPR_UNKNOWN, 1, EXPR_UNKNOWN }
	};
	char text[200];
	int i, j;

	for (i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "%s", atom[i]);
		eval_is(text, val[i]);
		snprintf(text, sizeof(text), "NOT %s", atom[i]);
		eval_is(text, i == 2 ? EXPR_UNKNOWN : !val[i]);
		for (j = 0; j < 3; j++) {
			snprintf(text, sizeof(text), "%s AND %s", atom[i],
				 atom[j]);
			eval_is(text, and_table[i][j]);
			snprintf(text, sizeof(text), "%s OR %s", atom[i],
				 atom[j]);
			eval_is(text, or_table[i][j]);
		}
	}
	/* n-ary: one false decides AND, one true decides OR */
	eval_is("missing > 0 AND amount > 0 AND amount < 0", 0);
	eval_is("missing > 0 OR amount < 0 OR amount > 0", 1);
	eval_is("missing > 0 OR amount < 0 OR zero > 1", EXPR_UNKNOWN);
}

static void test_eval(void)
{
	/* numbers and arithmetic */
	eval_is("amount >= 0", 1);
	eval_is("amount > 12.5", 0);
	eval_is("amount <= 12.5", 1);
	eval_is("amount = 12.5", 1);
	eval_is("amount != 12.5", 0);
	eval_is("amount <> 12", 1);
	eval_is("0 <= amount", 1);
	/* 0.9 + 0.005 = 0.905 <= 0.912; 0.9 + 0.02 = 0.92 > 0.912 */
	eval_is("auc >= current.auc + 0.005", 1);
	eval_is("auc >= current.auc + 0.02", 0);
	eval_is("amount * 2 = 25", 1);
	eval_is("1 + 2 * 3 = 7", 1);
	eval_is("(1 + 2) * 3 = 9", 1);
	eval_is("10 - 4 - 3 = 3", 1);		/* (10 - 4) - 3 */
	eval_is("8 / 4 / 2 = 1", 1);		/* (8 / 4) / 2 */
	eval_is("7 / 2 = 3.5", 1);		/* never integer division */
	eval_is("-amount = -12.5", 1);
	eval_is("- neg = 3", 1);
	eval_is("--3 = 3", 1);
	eval_is("neg * -1 > 0", 1);
	eval_is("amount / 0 > 1", EXPR_UNKNOWN);
	eval_is("amount / 0 IS NULL", 1);
	eval_is("amount / zero IS NULL", 1);
	eval_is("missing + 1 IS NULL", 1);
	eval_is("missing * 0 = 0", EXPR_UNKNOWN);
	eval_is("TRUE = 1 AND FALSE = 0 AND zero = false", 1);
	eval_is("amount + '2.5' = 15", 1);	/* a number in quotes */
	eval_is("amount > '12'", 1);
	/* strings */
	eval_is("name = 'Alice'", 1);
	eval_is("name = \"Alice\"", 1);
	eval_is("name = 'alice'", 0);
	eval_is("name != 'Bob'", 1);
	eval_is("'Alice' = name", 1);
	eval_is("name LIKE 'A%'", 1);
	eval_is("name LIKE 'a%'", 0);
	eval_is("name ILIKE 'a%'", 1);
	eval_is("name ILIKE 'ALICE'", 1);
	eval_is("name LIKE '_lice'", 1);
	eval_is("name LIKE 'Al_'", 0);
	eval_is("name LIKE '%'", 1);
	eval_is("name LIKE '%c%'", 1);
	eval_is("name NOT LIKE 'B%'", 1);
	eval_is("name NOT ILIKE 'a%'", 0);
	eval_is("city LIKE 'Z_rich'", 1);	/* _ is one UTF-8 character */
	eval_is("city LIKE 'Z__rich'", 0);
	eval_is("missing LIKE '%'", EXPR_UNKNOWN);
	eval_is("missing NOT LIKE '%'", EXPR_UNKNOWN);
	/* a looked-up string behaves like a param */
	eval_is("lr = 0.01", 1);
	eval_is("lr = 1e-2", 1);
	eval_is("lr = '0.01'", 1);
	eval_is("lr = '1e-2'", 0);		/* text against text */
	eval_is("lr < 0.1", 1);
	eval_is("lr < '0.1'", 1);		/* ordering reads numbers */
	eval_is("lr * 100 = 1", 1);
	eval_is("opt = 'adam'", 1);
	eval_is("opt > 1", EXPR_UNKNOWN);
	eval_is("opt = 1", EXPR_UNKNOWN);
	eval_is("opt * 2 IS NULL", 1);
	eval_is("lr = opt", 0);
	/* IN */
	eval_is("name IN ('Bob', 'Alice')", 1);
	eval_is("name IN ('Bob')", 0);
	eval_is("name NOT IN ('Bob')", 1);
	eval_is("name NOT IN ('Bob', 'Alice')", 0);
	eval_is("amount IN (1, 12.5)", 1);
	eval_is("amount IN (-12.5)", 0);
	eval_is("neg IN (-3)", 1);
	eval_is("missing IN (1)", EXPR_UNKNOWN);
	eval_is("missing NOT IN (1)", EXPR_UNKNOWN);
	eval_is("opt IN (1, 2)", EXPR_UNKNOWN);
	eval_is("lr IN (0.01)", 1);
	eval_is("lr IN ('1e-2')", 0);
	/* IS NULL */
	eval_is("missing IS NULL", 1);
	eval_is("missing IS NOT NULL", 0);
	eval_is("amount IS NULL", 0);
	eval_is("amount is not null", 1);
	eval_is("NOT missing IS NULL", 0);
	/* a lacking value satisfies no comparison, nor its negation */
	eval_is("missing > 1", EXPR_UNKNOWN);
	eval_is("NOT (missing > 1)", EXPR_UNKNOWN);
	eval_is("missing != 1", EXPR_UNKNOWN);
	eval_is("missing IS NULL OR missing <= 1", 1);
	/*
	 * NaN satisfies no comparison, != included, nor a negated one (as
	 * a missing value), yet it is not NULL (as MLflow's search: a NaN
	 * metric is no match for any comparison)
	 */
	eval_is("nan = nan", EXPR_UNKNOWN);
	eval_is("nan != 1", EXPR_UNKNOWN);
	eval_is("nan < 1", EXPR_UNKNOWN);
	eval_is("nan >= 1", EXPR_UNKNOWN);
	eval_is("NOT nan > 1", EXPR_UNKNOWN);
	eval_is("nan IN (1, 2)", EXPR_UNKNOWN);
	eval_is("nan IS NULL", 0);
	eval_is("nan IS NOT NULL", 1);
	eval_is("amount < 'inf'", 1);
	eval_is("amount > '-Infinity'", 1);
	eval_is("amount = 'nan'", EXPR_UNKNOWN);
	/* times */
	eval_is("ts >= '2026-11-01'", 1);
	eval_is("ts = '2026-11-26T00:00:00Z'", 1);
	eval_is("ts = '2026-11-26T01:00:00+01:00'", 1);
	eval_is("ts < '2026-11-25T23:59:59.999999Z'", 0);
	/* a number meeting a time is MLflow's milliseconds since the epoch */
	eval_is("ts = 1795651200000", 1);
	eval_is("ts > 1795651199999", 1);
	eval_is("ts > 1795651200000", 0);
	eval_is("ts = 1795651200000000", 0);	/* not microseconds */
	eval_is("ts - 1795651200000 * 1 = 0", 1);
	eval_is("ts IN (1795651200000, 2)", 1);
	eval_is("ts IN ('2026-11-26', '2026-11-27')", 1);
	eval_is("ts > '@0'", 1);
	/* quoted names */
	eval_is("metrics.\"val loss\" = 1", 1);
	eval_is("metrics.`val loss` = 1", 1);
	eval_is("metrics.\"a.b\" = 7", 1);
	eval_is("metrics.a.b = 7", 1);
	eval_is("`in` = 5", 1);
}

static void test_eval_errors(void)
{
	int before;
	struct expr *e;

	eval_err("nosuch > 1", "check column 1: unknown name 'nosuch'");
	eval_err("amount > 1 AND metrics.`val  x` > 1",
		 "check column 16: unknown name 'metrics.`val  x`'");
	/* no short-circuit: the unknown name is found whatever the data */
	eval_err("amount < 0 AND nosuch = 1",
		 "check column 16: unknown name 'nosuch'");
	eval_err("amount > 'abc'",
		 "check column 10: 'amount' is a number: 'abc' is not one");
	eval_err("amount + 1 = 'abc'",
		 "check column 14: expected a number: 'abc' is not one");
	eval_err("lr < 'abc'",
		 "check column 6: '<' compares numbers: 'abc' is not one");
	eval_err("'a' < 'b'", "check column 5: ''a'' is a string: strings "
			      "compare only with =, !=, LIKE, ILIKE and IN");
	eval_err("amount LIKE 'a%'",
		 "check column 1: LIKE compares strings: 'amount' is a number");
	eval_err("ts ILIKE 'a%'",
		 "check column 1: ILIKE compares strings: 'ts' is a time");
	eval_err("ts > 'soon'", "check column 6: invalid time 'soon': "
				"expected a date like 2026-11-26 or 20261126");
	eval_err("amount IN ('x')",
		 "check column 12: 'amount' is a number: 'x' is not one");

	/* every name is looked up once per evaluation */
	e = expr_parse("amount > 1 OR name = 'x' OR amount < 0", "check");
	before = lookups;
	expr_eval_bool(e, lookup, NULL);
	is_int(lookups - before, 3, "every name looked up, no short-circuit");
	expr_free(e);

	value_is("current.auc + 0.005", EXPR_NUM, 0.905, NULL);
	value_is("'abc'", EXPR_STR, 0, "abc");
	value_is("name", EXPR_STR, 0, "Alice");
	value_is("missing + 1", EXPR_NULL, 0, NULL);
	value_is("opt * 1", EXPR_NULL, 0, NULL);
	value_is("lr * 100", EXPR_NUM, 1, NULL);
	/* a condition as a value: 1, 0, or NULL when unknown */
	{
		static const char *const conds[] = {
			"amount > 1", "amount < 1", "missing < 1"
		};
		struct expr_value v;
		int i, okay = 1;

		for (i = 0; i < 3; i++) {
			e = expr_parse(conds[i], "check");
			okay &= e && expr_eval_value(e, lookup, NULL, &v) == 0 &&
				(i == 2 ? v.type == EXPR_NULL :
				 v.type == EXPR_NUM && v.num == (i == 0));
			expr_free(e);
		}
		ok(okay, "value: a condition gives 1, 0 or NULL");
	}
	value_is("ts", EXPR_TIME, 0, NULL);

	/* the right-hand side of a gate rule, for "needed auc >= 0.905" */
	e = expr_parse("auc >= current.auc + 0.005", "gate rule");
	{
		struct expr_value v;

		ok(e && e->kind == EXPR_CMP && e->op == EXPR_GE &&
		   expr_eval_value(e->kids[1], lookup, NULL, &v) == 0 &&
		   v.type == EXPR_NUM && fabs(v.num - 0.905) < 1e-12,
		   "a gate rule's right-hand side evaluates on its own");
	}
	expr_free(e);
}

/* ---- parsing ------------------------------------------------------------ */

static void test_parse(void)
{
	/* precedence: OR < AND < NOT < comparison < + - < * / < unary - */
	shape_is("a = 1 OR b = 2 AND c = 3",
		 "(or (= [a] 1) (and (= [b] 2) (= [c] 3)))");
	shape_is("a = 1 AND b = 2 OR c = 3",
		 "(or (and (= [a] 1) (= [b] 2)) (= [c] 3))");
	shape_is("NOT a = 1 AND b = 2",
		 "(and (not (= [a] 1)) (= [b] 2))");
	shape_is("NOT (a = 1 AND b = 2)",
		 "(not (and (= [a] 1) (= [b] 2)))");
	shape_is("NOT NOT a = 1", "(not (not (= [a] 1)))");
	shape_is("(a = 1 OR b = 2) AND c = 3",
		 "(and (or (= [a] 1) (= [b] 2)) (= [c] 3))");
	shape_is("a = 1 AND b = 2 AND c = 3 AND d = 4",
		 "(and (= [a] 1) (= [b] 2) (= [c] 3) (= [d] 4))");
	shape_is("(a = 1 AND b = 2) AND c = 3",
		 "(and (and (= [a] 1) (= [b] 2)) (= [c] 3))");
	shape_is("a + b * c - d / e > -f",
		 "(> (- (+ [a] (* [b] [c])) (/ [d] [e])) (neg [f]))");
	shape_is("a - b - c = 0", "(= (- (- [a] [b]) [c]) 0)");
	shape_is("a * (b + c) = 0", "(= (* [a] (+ [b] [c])) 0)");
	shape_is("-a * b = 0", "(= (* (neg [a]) [b]) 0)");
	shape_is("x = -3", "(= [x] -3)");
	shape_is("x = - - 3", "(= [x] 3)");
	shape_is("x = -(3)", "(= [x] -3)");
	shape_is("((x)) = ((1))", "(= [x] 1)");
	/* keywords in any case */
	shape_is("a = 1 and B = 2 Or not c = 3",
		 "(or (and (= [a] 1) (= [B] 2)) (not (= [c] 3)))");
	shape_is("a like 'x' AND b iLike 'y' aNd c In (1) and d iS nOt NuLl",
		 "(and (like [a] <x>) (ilike [b] <y>) (in [c] 1) "
		 "(notnull [d]))");
	shape_is("x NOT IN (1, 2)", "(notin [x] 1 2)");
	shape_is("x not in ('a')", "(notin [x] <a>)");
	shape_is("x NOT LIKE 'a%'", "(not (like [x] <a%>))");
	shape_is("x NOT ILIKE 'a%'", "(not (ilike [x] <a%>))");
	shape_is("x IS NULL", "(isnull [x])");
	shape_is("x IS NOT NULL", "(notnull [x])");
	shape_is("NULL IS NULL", "(isnull null)");
	shape_is("x + 1 IS NULL", "(isnull (+ [x] 1))");
	shape_is("x IN (-1, 2.5, 1e3)", "(in [x] -1 2.5 1000)");
	shape_is("x = TRUE OR y = false", "(or (= [x] true) (= [y] false))");
	/* names */
	shape_is("metrics.auc > 0.9 AND params.model = 'xgb'",
		 "(and (> [metrics].[auc] 0.90000000000000002) "
		 "(= [params].[model] <xgb>))");
	shape_is("attributes.status = 'FINISHED'",
		 "(= [attributes].[status] <FINISHED>)");
	shape_is("metrics.\"val loss\" < 1", "(< [metrics].[val loss] 1)");
	shape_is("metrics.`val loss` < 1", "(< [metrics].[val loss] 1)");
	shape_is("`val loss` < 1", "(< [val loss] 1)");
	shape_is("`metrics`.auc < 1", "(< [metrics].[auc] 1)");
	shape_is("metrics.\"a.b\" < 1", "(< [metrics].[a.b] 1)");
	shape_is("metrics.a.b < 1", "(< [metrics].[a].[b] 1)");
	shape_is("metrics.`a``b` < 1", "(< [metrics].[a`b] 1)");
	shape_is("metrics.\"a\"\"b\\\"c\" < 1", "(< [metrics].[a\"b\"c] 1)");
	shape_is("metrics.\"x/y z\" < 1", "(< [metrics].[x/y z] 1)");
	shape_is("metrics.1st < 1", "(< [metrics].[1st] 1)");
	shape_is("tags.`mlflow.user` = 'me'",
		 "(= [tags].[mlflow.user] <me>)");
	shape_is("null.x = 1", "(= [null].[x] 1)");
	shape_is("params.and = 1", "(= [params].[and] 1)");
	shape_is("auc-base = 1", "(= [auc-base] 1)");
	shape_is("auc - base = 1", "(= (- [auc] [base]) 1)");
	shape_is("auc -base = 1", "(= (- [auc] [base]) 1)");
	shape_is("auc- base = 1", "(= (- [auc] [base]) 1)");
	shape_is("a_1-b-c = 1", "(= [a_1-b-c] 1)");
	shape_is("x-1 = 1", "(= [x-1] 1)");
	shape_is("x -1 = 1", "(= (- [x] 1) 1)");
	/* strings */
	shape_is("params.model = \"xgb\"", "(= [params].[model] <xgb>)");
	shape_is("x = 'it''s'", "(= [x] <it's>)");
	shape_is("x = \"say \"\"hi\"\"\"", "(= [x] <say \"hi\">)");
	shape_is("x = 'a\\'b'", "(= [x] <a'b>)");
	shape_is("x = \"a\\\"b\"", "(= [x] <a\"b>)");
	shape_is("x = 'a\\\\b'", "(= [x] <a\\b>)");
	shape_is("x = 'a\\_b'", "(= [x] <a\\_b>)");
	shape_is("x = 'a\"b'", "(= [x] <a\"b>)");
	shape_is("x = \"a'b\"", "(= [x] <a'b>)");
	shape_is("x = ''", "(= [x] <>)");
	shape_is("x = 'tab\there'", "(= [x] <tab\there>)");
	/* numbers */
	shape_is("x = 1e3 OR x = .5 OR x = 1. OR x = 2.5E+4 OR x = 1e-2",
		 "(or (= [x] 1000) (= [x] 0.5) (= [x] 1) (= [x] 25000) "
		 "(= [x] 0.01))");
	shape_is("x = 007", "(= [x] 7)");
	/* white space of every kind, none needed around operators */
	shape_is("\ta\n>=\r1\f", "(>= [a] 1)");
	shape_is("a>=1 AND(b<>2)", "(and (>= [a] 1) (!= [b] 2))");
	shape_is("a=1", "(= [a] 1)");
	shape_is("a!=1", "(!= [a] 1)");
	/* values */
	shape_is_v("metrics.auc", 1, "[metrics].[auc]");
	shape_is_v("metrics.auc * 2 + 1", 1, "(+ (* [metrics].[auc] 2) 1)");
	shape_is_v("'x'", 1, "<x>");
	/* a numeric string becomes a number in arithmetic */
	shape_is("x + '2' = 3", "(= (+ [x] 2) 3)");

	{
		struct expr *e = expr_parse("x = 'a'", "filter");

		ok(e && expr_is_condition(e) &&
		   !expr_is_condition(e->kids[0]), "expr_is_condition");
		ok(e && e->col == 1 && e->opcol == 3 && e->kids[1]->col == 5,
		   "columns of nodes");
		ok(e && e->kids[1]->off == 4 && e->kids[1]->len == 3,
		   "source span of a node");
		expr_free(e);
		e = expr_parse("  (b > 2)  ", "filter");
		ok(e && e->off == 3 && e->len == 5 && e->col == 4,
		   "a parenthesized node spans its inside");
		expr_free(e);
		expr_free(NULL);
	}
}

static void test_format(void)
{
	format_is("a = 1 or b = 2 and c = 3", "a = 1 OR b = 2 AND c = 3");
	format_is("(a = 1 or b = 2) and c = 3", "(a = 1 OR b = 2) AND c = 3");
	format_is("(a = 1 and b = 2) and c = 3", "(a = 1 AND b = 2) AND c = 3");
	format_is("not (a = 1 and b = 2)", "NOT (a = 1 AND b = 2)");
	format_is("not a = 1", "NOT a = 1");
	format_is("a - (b - c) = a - b - c", "a - (b - c) = a - b - c");
	format_is("a / (b * c) = (a / b) * c", "a / (b * c) = a / b * c");
	format_is("-(a + b) = - -a", "-(a + b) = - -a");
	format_is("a * -5 = -2.5", "a * -5 = -2.5");
	format_is("x not like 'a%'", "NOT x LIKE 'a%'");
	format_is("x not in (1, -2)", "x NOT IN (1, -2)");
	format_is("x is not null", "x IS NOT NULL");
	format_is("params.model = \"it's\"", "params.model = 'it''s'");
	format_is("x = 'a\\\\b\\_c'", "x = 'a\\\\b\\\\_c'");
	format_is("metrics.\"val loss\" > 0.1",
		  "metrics.`val loss` > 0.1");
	format_is("`in` = 1 and null.x = 2 and metrics.`a``b` = 3",
		  "`in` = 1 AND null.x = 2 AND metrics.`a``b` = 3");
	format_is("metrics.\"1st\" = 1", "metrics.1st = 1");
	format_is("x = 0.1 + 0.2", "x = 0.1 + 0.2");
	format_is("x = 1e300", "x = 1e+300");
	format_is("x = 9007199254740993", "x = 9007199254740993");
	format_is("x = true", "x = TRUE");
	format_is("(x + 1) * 2 > y", "(x + 1) * 2 > y");
	/* found by fuzzing: -0 printed as "-0" read back as 0 */
	format_is("x = -0e2 + '-0' - -0", "x = 0 + 0 - 0");
}

static void test_parse_errors(void)
{
	char deep[1200];
	struct strbuf sb = STRBUF_INIT;
	int i;

	parse_err("", "filter column 1: expected a condition, found end of "
		      "input");
	parse_err("   ", "filter column 4: expected a condition, found end "
			 "of input");
	parse_err("metrics.auc >", "filter column 14: expected a value after "
				   "'>', found end of input");
	parse_err("metrics.auc > 0.9 AND", "filter column 22: expected a "
		  "condition after 'AND', found end of input");
	parse_err("metrics.auc > 0.9 and ", "filter column 23: expected a "
		  "condition after 'AND', found end of input");
	parse_err("metrics.auc > 0.9 AND metrics.f1 >", "filter column 35: "
		  "expected a value after '>', found end of input");
	parse_err("metrics.auc", "filter column 12: expected a comparison "
		  "operator after 'metrics.auc', found end of input");
	parse_err("metrics.auc AND x = 1", "filter column 13: expected a "
		  "comparison operator after 'metrics.auc', found 'AND'");
	parse_err("x = 1 AND metrics.auc + 1", "filter column 26: expected a "
		  "comparison operator after 'metrics.auc + 1', found end of "
		  "input");
	parse_err("NOT x", "filter column 6: expected a comparison operator "
			   "after 'x', found end of input");
	parse_err("NOT", "filter column 4: expected a condition after 'NOT', "
			 "found end of input");
	parse_err("(a = 1", "filter column 7: expected ')' to close '(' at "
			    "column 1, found end of input");
	parse_err("a = (1 + 2", "filter column 11: expected ')' to close '(' "
				"at column 5, found end of input");
	parse_err("(", "filter column 2: expected a condition after '(', "
		       "found end of input");
	parse_err("a > (", "filter column 6: expected a value after '(', "
			   "found end of input");
	parse_err("a = 1)", "filter column 6: expected AND, OR or end of "
			    "input, found ')'");
	parse_err("a = 1 b", "filter column 7: expected AND, OR or end of "
			     "input, found 'b'");
	parse_err("a < b < c", "filter column 7: expected AND, OR or end of "
			       "input, found '<'");
	parse_err("a IN 1", "filter column 6: expected '(' after 'IN', found "
			    "'1'");
	parse_err("a IN ()", "filter column 7: expected a number or a string "
			     "in the list, found ')'");
	parse_err("a IN (1 2)", "filter column 9: expected ',' or ')' in the "
				"list, found '2'");
	parse_err("a IN (1,", "filter column 9: expected a number or a string "
			      "in the list, found end of input");
	parse_err("a IN (1, 'x')", "filter column 10: the list mixes numbers "
				   "and strings");
	parse_err("a IN (b)", "filter column 7: expected a number or a string "
			      "in the list, found 'b'");
	parse_err("a IN (-b)", "filter column 7: expected a number or a "
			       "string in the list, found '-b'");
	parse_err("a IN (NULL)", "filter column 7: expected a number or a "
				 "string in the list, found 'NULL'");
	parse_err("a IS 1", "filter column 6: expected NULL after 'IS', found "
			    "'1'");
	parse_err("a IS NOT 1", "filter column 10: expected NULL after 'IS "
				"NOT', found '1'");
	parse_err("a LIKE b", "filter column 8: expected a string pattern "
			      "after 'LIKE', found 'b'");
	parse_err("a ilike", "filter column 8: expected a string pattern "
			     "after 'ILIKE', found end of input");
	parse_err("a NOT = 1", "filter column 7: expected LIKE, ILIKE or IN "
			       "after 'NOT', found '='");
	parse_err("a = NULL", "filter column 5: use IS NULL or IS NOT NULL to "
			      "test for a missing value");
	parse_err("NULL != a", "filter column 1: use IS NULL or IS NOT NULL "
			       "to test for a missing value");
	parse_err("a + NULL > 1", "filter column 5: use IS NULL or IS NOT "
				  "NULL to test for a missing value");
	parse_err("NULL LIKE 'a'", "filter column 1: use IS NULL or IS NOT "
				   "NULL to test for a missing value");
	parse_err("a # 1", "filter column 3: unexpected character '#'");
	parse_err("a ! b", "filter column 3: unexpected character '!'");
	parse_err("a = . ", "filter column 5: unexpected character '.'");
	parse_err("a \xe2\x89\xa5 1", "filter column 3: unexpected character "
				      "'\xe2\x89\xa5'");
	parse_err("a = \x01", "filter column 5: unexpected character '\\x01'");
	parse_err("a = \xff", "filter column 5: unexpected character '\\xff'");
	parse_err("a = 'abc", "filter column 5: unterminated string: "
			      "expected a closing '");
	parse_err("a = \"abc", "filter column 5: unterminated string: "
			       "expected a closing \"");
	parse_err("a = 'abc\\'", "filter column 5: unterminated string: "
				 "expected a closing '");
	parse_err("`abc = 1", "filter column 1: unterminated quoted name: "
			      "expected a closing `");
	parse_err("metrics.\"abc = 1", "filter column 9: unterminated quoted "
				       "name: expected a closing \"");
	parse_err("metrics. = 1", "filter column 9: expected a name after "
				  "'.', found ' '");
	parse_err("metrics.", "filter column 9: expected a name after '.', "
			      "found end of input");
	parse_err("metrics.-x = 1", "filter column 9: expected a name after "
				    "'.', found '-'");
	parse_err("metrics.`` = 1", "filter column 9: expected a name, found "
				    "an empty quoted name");
	parse_err("`` = 1", "filter column 1: expected a name, found an "
			    "empty quoted name");
	parse_err("a = 12abc", "filter column 5: malformed number '12abc'");
	parse_err("a = 1.2.3", "filter column 5: malformed number '1.2.3'");
	parse_err("a>=1AND b = 2", "filter column 4: malformed number '1AND'");
	parse_err("a = 1e999", "filter column 5: number out of range '1e999'");
	parse_err("(a = 1) + 1 > 0", "filter column 2: expected a value "
				     "before '+', found a condition");
	parse_err("x = 1 + (a = 1)", "filter column 10: expected a value "
				     "after '+', found a condition");
	parse_err("(a = 1) = 1", "filter column 2: expected a value before "
				 "'=', found a condition");
	parse_err("(a = 1) LIKE 'x'", "filter column 2: expected a value "
				      "before 'LIKE', found a condition");
	parse_err("(a = 1) IS NULL", "filter column 2: expected a value "
				     "before 'IS', found a condition");
	parse_err("-(a = 1) = 1", "filter column 3: expected a value after "
				  "'-', found a condition");
	parse_err("x + 'abc' > 1", "filter column 5: arithmetic needs "
				   "numbers: 'abc' is not one");
	parse_err("-'abc' > 1", "filter column 2: arithmetic needs numbers: "
				"'abc' is not one");
	parse_err("a = -", "filter column 6: expected a value after '-', "
			   "found end of input");
	parse_err("a = x.'y'", "filter column 7: expected a name after '.', "
			       "found '''");
	parse_err("a == 1", "filter column 4: expected a value after '=', "
			    "found '='");
	/* long tokens are shortened in messages */
	parse_err("a = 1 bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		  "filter column 7: expected AND, OR or end of input, found "
		  "'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...'");
	/* columns count characters, not bytes; the prefix is the caller's */
	parse_err_v("`\xc3\xa9t\xc3\xa9` = '\xc3\xbc' AND", "gate rule", 0,
		    "gate rule column 16: expected a condition after 'AND', "
		    "found end of input");
	parse_err_v("auc >= current.auc +", "gate rule", 0,
		    "gate rule column 21: expected a value after '+', found "
		    "end of input");
	parse_err_v("x", NULL, 0, "expression column 2: expected a comparison "
		    "operator after 'x', found end of input");
	/* values */
	parse_err_v("a > 1", "--order-by", 1, "--order-by column 1: expected "
		    "a value, found a condition");
	parse_err_v("a b", "--order-by", 1, "--order-by column 3: expected an "
		    "operator or end of input, found 'b'");
	parse_err_v("", "--order-by", 1, "--order-by column 1: expected a "
		    "value, found end of input");

	/* nesting is bounded */
	for (i = 0; i < 200; i++)
		deep[i] = '(';
	snprintf(deep + 200, sizeof(deep) - 200, "a = 1");
	for (i = 0; i < 200; i++)
		strbuf_addch(&sb, ')');
	{
		struct strbuf t = STRBUF_INIT;
		struct expr *e;

		strbuf_addf(&t, "%s%s", deep, sb.buf);
		e = expr_parse(t.buf, "filter");
		ok(e != NULL, "200 levels of parentheses are fine");
		expr_free(e);
		strbuf_reset(&t);
		strbuf_addf(&t, "(%s)%s", deep, sb.buf);
		parse_err(t.buf, "filter column 201: expression nested too "
				 "deeply (more than 200 levels)");
		strbuf_reset(&t);
		for (i = 0; i < 201; i++)
			strbuf_addstr(&t, "NOT ");
		strbuf_addstr(&t, "a = 1");
		parse_err(t.buf, "filter column 801: expression nested too "
				 "deeply (more than 200 levels)");
		strbuf_reset(&t);
		strbuf_addstr(&t, "a = ");
		for (i = 0; i < 201; i++)
			strbuf_addch(&t, '-');
		strbuf_addstr(&t, "1");
		parse_err(t.buf, "filter column 205: expression nested too "
				 "deeply (more than 200 levels)");
		/* a long chain of arithmetic is a deep tree too */
		strbuf_reset(&t);
		strbuf_addstr(&t, "a");
		for (i = 0; i < 250; i++)
			strbuf_addstr(&t, " + 1");
		strbuf_addstr(&t, " > 0");
		parse_err(t.buf, "filter column 799: expression nested too "
				 "deeply (more than 200 levels)");
		/* but a long AND is one node */
		strbuf_reset(&t);
		for (i = 0; i < 5000; i++)
			strbuf_addf(&t, "%sa%d = %d", i ? " AND " : "", i, i);
		e = expr_parse(t.buf, "filter");
		ok(e && e->kind == EXPR_AND && e->nkids == 5000,
		   "5000 conditions joined by AND");
		expr_free(e);
		strbuf_release(&t);
	}
	strbuf_release(&sb);
}

struct names {
	struct strbuf sb;
	int stop_at;
	int seen;
};

static int collect(const char *const *parts, int nparts, int col, void *data)
{
	struct names *n = data;

	if (n->sb.len)
		strbuf_addch(&n->sb, ' ');
	expr_ident_format(&n->sb, parts, nparts);
	strbuf_addf(&n->sb, "@%d", col);
	if (++n->seen == n->stop_at)
		return 42;
	return 0;
}

static void test_foreach(void)
{
	struct expr *e = expr_parse("metrics.auc > 0.9 AND params.`val loss` "
				    "= 'x' OR current.auc + amount IS NULL "
				    "OR tags.\"in\" IN ('a')", "filter");
	struct names n = { STRBUF_INIT, 0, 0 };

	ok(e && expr_foreach_ident(e, collect, &n) == 0, "foreach: walks");
	is_str(n.sb.buf, "metrics.auc@1 params.`val loss`@23 current.auc@50 "
			 "amount@64 tags.in@82", "foreach: every name, in order");
	strbuf_reset(&n.sb);
	n.stop_at = 2;
	n.seen = 0;
	is_int(expr_foreach_ident(e, collect, &n), 42,
	       "foreach: a non-zero return stops the walk");
	is_str(n.sb.buf, "metrics.auc@1 params.`val loss`@23",
	       "foreach: stopped after the second");
	strbuf_release(&n.sb);
	expr_free(e);

	{
		static const char *const p1[] = { "in" };
		static const char *const p2[] = { "metrics", "a.b", "x-y" };
		static const char *const p3[] = { "9a", "b-", "-c", "d" };

		strbuf_init(&n.sb, 0);
		expr_ident_format(&n.sb, p1, 1);
		strbuf_addch(&n.sb, ' ');
		expr_ident_format(&n.sb, p2, 3);
		strbuf_addch(&n.sb, ' ');
		expr_ident_format(&n.sb, p3, 4);
		is_str(n.sb.buf, "`in` metrics.`a.b`.x-y `9a`.`b-`.`-c`.d",
		       "expr_ident_format quotes what needs it");
		strbuf_release(&n.sb);
	}
}

static void test_like_and_numbers(void)
{
	double d = -1;
	char big[5000];

	ok(expr_like_match("abc", "a%c", 0), "like: a%c");
	ok(expr_like_match("ac", "a%c", 0), "like: % matches nothing");
	ok(!expr_like_match("ab", "a%c", 0), "like: a%c not ab");
	ok(expr_like_match("", "%", 0), "like: % matches empty");
	ok(expr_like_match("", "", 0), "like: empty matches empty");
	ok(!expr_like_match("", "_", 0), "like: _ needs a character");
	ok(!expr_like_match("a", "", 0), "like: empty pattern");
	ok(expr_like_match("h\xc3\xa9llo", "h_llo", 0), "like: _ is a UTF-8 "
							"character");
	ok(expr_like_match("a%b", "a\\%b", 0), "like: \\% is a percent");
	ok(!expr_like_match("aXb", "a\\%b", 0), "like: \\% is only a percent");
	ok(expr_like_match("a_b", "a\\_b", 0), "like: \\_ is an underscore");
	ok(!expr_like_match("aXb", "a\\_b", 0), "like: \\_ only");
	ok(expr_like_match("a\\b", "a\\\\b", 0), "like: \\\\ is a backslash");
	ok(expr_like_match("a\\", "a\\", 0), "like: a final backslash");
	ok(expr_like_match("ABC", "abc", 1), "ilike folds case");
	ok(!expr_like_match("ABC", "abc", 0), "like keeps case");
	ok(expr_like_match("mississippi", "%iss%ppi", 0), "like: backtracks");
	ok(expr_like_match("mississippi", "m%s%s%s%i", 0), "like: m%s%s%s%i");
	ok(!expr_like_match("mississippi", "m%s%s%s%s%s", 0),
	   "like: too many s");
	ok(expr_like_match("ab", "a%%%b", 0), "like: %%%");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(!expr_like_match(big, "%a%a%a%a%a%a%a%a%b", 0),
	   "like: no exponential backtracking");

	ok(!expr_text_number(" 1.5 ", 5, &d) && d == 1.5, "number: blanks");
	ok(!expr_text_number("1e-2", 4, &d) && d == 0.01, "number: 1e-2");
	ok(!expr_text_number("+3", 2, &d) && d == 3, "number: +3");
	ok(!expr_text_number("-.5", 3, &d) && d == -0.5, "number: -.5");
	ok(!expr_text_number("12x", 2, &d) && d == 12, "number: length kept");
	ok(expr_text_number("abc", 3, &d) < 0, "number: abc is not");
	ok(expr_text_number("", 0, &d) < 0, "number: empty is not");
	ok(expr_text_number(" ", 1, &d) < 0, "number: blank is not");
	ok(expr_text_number("1.2.3", 5, &d) < 0, "number: 1.2.3 is not");
	ok(expr_text_number("0x10", 4, &d) < 0, "number: no hex");
	/* the words num.h reads, in any case, with a sign */
	ok(!expr_text_number("inf", 3, &d) && isinf(d) && d > 0, "number: inf");
	ok(!expr_text_number(" -Infinity ", 11, &d) && isinf(d) && d < 0,
	   "number: -Infinity");
	ok(!expr_text_number("NaN", 3, &d) && isnan(d), "number: NaN");
	ok(expr_text_number("infinit", 7, &d) < 0, "number: infinit is not");
	ok(expr_text_number("nanx", 4, &d) < 0, "number: nanx is not");
	ok(expr_text_number("1e", 2, &d) < 0, "number: 1e is not");
	ok(expr_text_number("--1", 3, &d) < 0, "number: --1 is not");
}

/* ---- SQL ---------------------------------------------------------------- */

static sqlite3 *db;

static void exec_ok(const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		printf("# sql error: %s\n# in: %s\n", msg, sql);
		sqlite3_free(msg);
		exit(1);
	}
}

/*
 * A small catalog.  r1 is the XGBoost run, r2 the LightGBM one, r3 has no
 * loss, r4 is still running with no params or metrics, r5 holds a param
 * whose key is an injection attempt.
 */
static void setup_db(void)
{
	if (sqlite3_open(":memory:", &db) != SQLITE_OK)
		exit(1);
	exec_ok("CREATE TABLE runs (id TEXT PRIMARY KEY, status TEXT, "
		"start_time INTEGER, exit_code INTEGER);"
		"CREATE TABLE params (run TEXT, key TEXT, value TEXT);"
		"CREATE TABLE metrics (run TEXT, key TEXT, value REAL);"
		"CREATE TABLE tags (run TEXT, key TEXT, value TEXT);"
		"INSERT INTO runs VALUES"
		" ('r1', 'FINISHED', 1793491200000000, 3),"
		" ('r2', 'FAILED', 1794268800000000, 1),"
		" ('r3', 'FINISHED', 1795132800000000, 0),"
		" ('r4', 'RUNNING', 1795564800000000, NULL),"
		" ('r5', 'FINISHED', 1790812800000000, 0);"
		"INSERT INTO params VALUES"
		" ('r1', 'model', 'xgb'), ('r1', 'lr', '0.01'),"
		" ('r1', 'opt', 'adam'),"
		" ('r2', 'model', 'lgbm'), ('r2', 'lr', '1e-2'),"
		" ('r3', 'model', 'XGB_v2'), ('r3', 'lr', '0.1'),"
		" ('r5', 'a\" OR 1=1 --', 'v');"
		"INSERT INTO metrics VALUES"
		" ('r1', 'auc', 0.95), ('r1', 'loss', 0.2), ('r1', 'epochs', 10),"
		" ('r2', 'auc', 0.85), ('r2', 'loss', 0.4), ('r2', 'epochs', 20),"
		" ('r2', 'val loss', 0.3),"
		" ('r3', 'auc', 0.91);"
		"INSERT INTO tags VALUES"
		" ('r1', 'team', 'vision'), ('r2', 'team', 'nlp'),"
		" ('r4', 'team', 'vision');");
	ok(expr_sql_register(db) == 0, "sql: functions registered");
}

static int resolve(const char *const *parts, int nparts, int col,
		   struct strbuf *sql, struct expr_binds *binds, int *type,
		   void *data)
{
	static const char *const tables[] = { "metrics", "params", "tags" };
	static const int types[] = {
		EXPR_SQL_NUM, EXPR_SQL_PARAM, EXPR_SQL_TEXT
	};
	const char *attr = NULL;
	struct strbuf name = STRBUF_INIT;
	int i;

	(void)col;
	(void)data;
	for (i = 0; i < 3 && nparts == 2; i++) {
		if (strcmp(parts[0], tables[i]))
			continue;
		strbuf_addf(sql, "SELECT value FROM %s WHERE run = runs.id "
				 "AND key = ?", tables[i]);
		expr_binds_text(binds, parts[1]);
		*type = types[i];
		return 0;
	}
	if (nparts == 1)
		attr = parts[0];
	else if (nparts == 2 && !strcmp(parts[0], "attributes"))
		attr = parts[1];
	if (attr && (!strcmp(attr, "status") || !strcmp(attr, "id"))) {
		strbuf_addf(sql, "runs.%s", attr);
		*type = EXPR_SQL_TEXT;
		return 0;
	}
	if (attr && !strcmp(attr, "start_time")) {
		strbuf_addstr(sql, "runs.start_time");
		*type = EXPR_SQL_TIME;
		return 0;
	}
	if (attr && !strcmp(attr, "exit_code")) {
		strbuf_addstr(sql, "runs.exit_code");
		*type = EXPR_SQL_NUM;
		return 0;
	}
	expr_ident_format(&name, parts, nparts);
	error_input("unknown name '%s'", name.buf);
	strbuf_release(&name);
	return -1;
}

/* Run `query` with %s replaced by the compiled `text`; ids, comma-joined. */
static char *run_query(const char *query, const char *text, int value)
{
	struct expr *e = value ? expr_parse_value(text, "filter")
			       : expr_parse(text, "filter");
	struct strbuf sql = STRBUF_INIT, full = STRBUF_INIT, out = STRBUF_INIT;
	struct expr_binds binds = EXPR_BINDS_INIT;
	sqlite3_stmt *st = NULL;
	const char *pct;

	if (!e || expr_to_sql(e, resolve, NULL, &sql, &binds) < 0) {
		strbuf_addf(&out, "error: %s", err_msg());
		goto out;
	}
	pct = strstr(query, "%s");
	strbuf_add(&full, query, (size_t)(pct - query));
	strbuf_addstr(&full, sql.buf);
	strbuf_addstr(&full, pct + 2);
	if (sqlite3_prepare_v2(db, full.buf, -1, &st, NULL) != SQLITE_OK) {
		strbuf_addf(&out, "prepare: %s: %s", sqlite3_errmsg(db),
			    full.buf);
		goto out;
	}
	if (expr_binds_apply(&binds, st, 1) != (int)binds.nr + 1) {
		strbuf_addf(&out, "bind: %s", err_msg());
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (out.len)
			strbuf_addch(&out, ',');
		strbuf_addstr(&out, (const char *)sqlite3_column_text(st, 0));
	}
out:
	sqlite3_finalize(st);
	expr_binds_release(&binds);
	expr_free(e);
	strbuf_release(&sql);
	strbuf_release(&full);
	return strbuf_detach(&out, NULL);
}

static void sql_is(const char *text, const char *want)
{
	char *got = run_query("SELECT id FROM runs WHERE %s ORDER BY id", text,
			      0);
	char name[300];

	snprintf(name, sizeof(name), "sql: %s", text);
	tapname(name);
	is_str(got, want, name);
	free(got);
}

static void sql_err(const char *text, const char *want)
{
	struct expr *e = expr_parse(text, "filter");
	struct strbuf sql = STRBUF_INIT;
	struct expr_binds binds = EXPR_BINDS_INIT;
	char name[300];
	int r = -7;

	strbuf_addstr(&sql, "kept");
	expr_binds_int(&binds, 7);
	if (e) {
		err_clear();
		r = expr_to_sql(e, resolve, NULL, &sql, &binds);
	} else {
		printf("# parse error: %s\n", err_msg());
	}
	snprintf(name, sizeof(name), "sql refused: %s", text);
	tapname(name);
	ok(r == -1 && !strcmp(sql.buf, "kept") && binds.nr == 1 &&
	   binds.v[0].i == 7, name);
	snprintf(name, sizeof(name), "sql message: %s", text);
	tapname(name);
	is_str(err_msg(), want, name);
	expr_binds_release(&binds);
	strbuf_release(&sql);
	expr_free(e);
}

static void test_sql(void)
{
	setup_db();
	sql_is("metrics.auc > 0.9", "r1,r3");
	sql_is("metrics.auc > 0.9 AND params.model = 'xgb'", "r1");
	sql_is("params.model = \"xgb\"", "r1");
	sql_is("params.model LIKE 'xgb%'", "r1");
	sql_is("params.model ILIKE 'xgb%'", "r1,r3");
	sql_is("params.model LIKE '%\\_v_'", "r3");
	sql_is("params.model NOT LIKE 'xgb%'", "r2,r3");
	sql_is("params.model LIKE '%'", "r1,r2,r3");
	/* a param compared with a number is read as one */
	sql_is("params.lr = 0.01", "r1,r2");
	sql_is("params.lr = '0.01'", "r1");
	sql_is("params.lr > 0.05", "r3");
	sql_is("params.lr > '0.05'", "r3");
	sql_is("params.lr * 10 >= 1", "r3");		/* 0.1 * 10 = 1 */
	sql_is("params.opt > 1", "");
	sql_is("params.model = 1", "");
	sql_is("params.model IN ('xgb', 'lgbm')", "r1,r2");
	sql_is("params.lr IN (0.01)", "r1,r2");
	/* a lacking key satisfies nothing but IS NULL */
	sql_is("NOT (metrics.loss > 0.3)", "r1");
	sql_is("metrics.loss != 0.2", "r2");
	sql_is("metrics.loss IS NULL", "r3,r4,r5");
	sql_is("metrics.loss IS NOT NULL", "r1,r2");
	sql_is("metrics.loss IS NULL OR metrics.loss <= 0.3", "r1,r3,r4,r5");
	sql_is("tags.team IN ('vision', 'nlp')", "r1,r2,r4");
	sql_is("tags.team NOT IN ('vision')", "r2");
	sql_is("status = 'FINISHED'", "r1,r3,r5");
	sql_is("attributes.status != 'FINISHED'", "r2,r4");
	sql_is("status LIKE '%ING'", "r4");
	/* times: quoted ISO times, or numbers of milliseconds (MLflow's) */
	sql_is("attributes.start_time >= '2026-11-10'", "r2,r3,r4");
	sql_is("start_time < '2026-11-10T00:00:00+01:00'", "r1,r5");
	sql_is("start_time < 1794268800000", "r1,r5");
	sql_is("start_time = 1794268800000", "r2");
	sql_is("start_time = 1794268800000000", "");
	sql_is("start_time - 1794268800000 > 0", "r3,r4");
	sql_is("start_time IN (1794268800000, 1795132800000)", "r2,r3");
	sql_is("start_time IN ('2026-11-10', '2026-11-20')", "r2,r3");
	sql_is("start_time > '@0'", "r1,r2,r3,r4,r5");
	/* arithmetic: 0.95 >= 0.2 * 4 = 0.8, 0.85 < 0.4 * 4 = 1.6 */
	sql_is("metrics.auc >= metrics.loss * 4", "r1");
	sql_is("-metrics.auc < -0.9", "r1,r3");
	sql_is("metrics.epochs / 3 < 3.4", "r1");	/* 10/3 = 3.33, 20/3 */
	sql_is("exit_code / 2 = 1.5", "r1");		/* not integer division */
	sql_is("exit_code / 0 IS NULL", "r1,r2,r3,r4,r5");
	sql_is("metrics.auc / 0 IS NULL", "r1,r2,r3,r4,r5");
	sql_is("metrics.auc + 1 - 1 = metrics.auc AND exit_code * 2 = 6", "r1");
	sql_is("metrics.auc != 0.95", "r2,r3");
	sql_is("metrics.epochs IN (10, 30)", "r1");
	sql_is("metrics.epochs NOT IN (10, 30)", "r2");
	sql_is("metrics.auc > '0.9'", "r1,r3");
	sql_is("0.9 < metrics.auc", "r1,r3");
	/* quoted keys */
	sql_is("metrics.\"val loss\" < 0.5", "r2");
	sql_is("metrics.`val loss` < 0.5", "r2");
	/* injection attempts are values, never SQL */
	sql_is("params.x = '1; DROP TABLE runs; --'", "");
	sql_is("params.model = 'xgb'' OR ''1''=''1'", "");
	sql_is("params.`a\" OR 1=1 --` = 'x'", "");
	sql_is("params.`a\" OR 1=1 --` = 'v'", "r5");
	sql_is("tags.`team') OR 1=1 --` = 'vision'", "");
	{
		char *n = run_query("SELECT count(*) FROM runs WHERE %s",
				    "1 = 1", 0);

		is_str(n, "5", "sql: the runs table is intact");
		free(n);
	}
	/* 3-valued logic in SQL matches memory: a run lacking loss */
	sql_is("metrics.loss > 0 OR metrics.auc > 0.9", "r1,r2,r3");
	sql_is("metrics.loss > 0 AND metrics.auc > 0.9", "r1");
	sql_is("NOT (metrics.loss > 0 AND metrics.auc > 0.9)", "r2");
	/* long AND chains stay within SQLite's depth limit */
	{
		struct strbuf t = STRBUF_INIT;
		char *got;
		int i;

		for (i = 0; i < 3000; i++)
			strbuf_addf(&t, "%sstatus != 'x%d'", i ? " AND " : "",
				    i);
		got = run_query("SELECT id FROM runs WHERE %s ORDER BY id",
				t.buf, 0);
		is_str(got, "r1,r2,r3,r4,r5", "sql: 3000 conditions ANDed");
		free(got);
		strbuf_release(&t);
	}
	/* SQLite's parser takes about 30 levels of parentheses */
	{
		struct strbuf t = STRBUF_INIT;
		char *got;
		int i;

		/* a - (a - (a - ...)) with 19 minus signs is a - a = 0 */
		for (i = 0; i < 19; i++)
			strbuf_addstr(&t, "metrics.auc - (");
		strbuf_addstr(&t, "metrics.auc");
		for (i = 0; i < 19; i++)
			strbuf_addch(&t, ')');
		strbuf_addstr(&t, " = 0");
		got = run_query("SELECT id FROM runs WHERE %s ORDER BY id",
				t.buf, 0);
		is_str(got, "r1,r2,r3", "sql: 19 levels of nesting run");
		free(got);
		strbuf_reset(&t);
		for (i = 0; i < 30; i++)
			strbuf_addstr(&t, "metrics.auc - (");
		strbuf_addstr(&t, "metrics.auc");
		for (i = 0; i < 30; i++)
			strbuf_addch(&t, ')');
		strbuf_addstr(&t, " = 0");
		sql_err(t.buf, "filter column 1: expression nested too deeply "
			"to run as SQL (more than 28 levels of parentheses once "
			"translated)");
		strbuf_release(&t);
	}
	/* values: --order-by metrics.auc */
	{
		char *got = run_query("SELECT id FROM runs ORDER BY %s DESC, id",
				      "metrics.auc * 100", 1);

		is_str(got, "r1,r3,r2,r4,r5", "sql: a value orders runs");
		free(got);
		got = run_query("SELECT %s FROM runs WHERE id = 'r1'",
				"params.lr", 1);
		is_str(got, "0.01", "sql: a param as a value is its text");
		free(got);
		got = run_query("SELECT %s", "'it''s'", 1);
		is_str(got, "it's", "sql: a string literal as a value");
		free(got);
	}

	/* errors the resolver's types reveal */
	sql_err("metrics.auc > 'abc'", "filter column 15: metrics are "
				       "numbers: 'abc' is not one");
	sql_err("exit_code = 'abc'", "filter column 13: 'exit_code' is a "
				     "number: 'abc' is not one");
	sql_err("metrics.auc + 1 = 'abc'", "filter column 19: expected a "
					   "number: 'abc' is not one");
	sql_err("params.lr < 'abc'", "filter column 13: '<' compares numbers: "
				     "'abc' is not one");
	sql_err("tags.team > 'a'", "filter column 11: 'tags.team' is a string: "
		"strings compare only with =, !=, LIKE, ILIKE and IN");
	sql_err("tags.team = 5", "filter column 13: 'tags.team' is a string: "
				 "write the number in quotes ('5')");
	sql_err("tags.team IN (1, 2)", "filter column 15: 'tags.team' is a "
		"string: write the number in quotes ('1')");
	sql_err("tags.team = metrics.auc", "filter column 11: 'tags.team' is "
		"a string and cannot be compared with a number");
	sql_err("tags.team = start_time", "filter column 11: 'tags.team' is a "
		"string and cannot be compared with a time");
	sql_err("start_time > 'yesterday'", "filter column 14: invalid time "
		"'yesterday': expected a date like 2026-11-26 or 20261126");
	sql_err("metrics.auc LIKE 'a%'", "filter column 1: LIKE compares "
		"strings: 'metrics.auc' is a number");
	sql_err("tags.team + 1 > 2", "filter column 1: arithmetic needs "
		"numbers: 'tags.team' is a string");
	sql_err("foo.bar = 1", "filter column 1: unknown name 'foo.bar'");
	sql_err("status = 'x' OR foo = 1",
		"filter column 17: unknown name 'foo'");
	sql_err("'a' < 'b'", "filter column 5: ''a'' is a string: strings "
		"compare only with =, !=, LIKE, ILIKE and IN");

	/* the SQL is only fragments, operators, placeholders, functions */
	{
		struct expr *e = expr_parse("metrics.auc > 0.9 AND "
					    "params.lr < 1 AND "
					    "tags.team LIKE 'v%'", "filter");
		struct strbuf sql = STRBUF_INIT;
		struct expr_binds b = EXPR_BINDS_INIT;

		ok(e && expr_to_sql(e, resolve, NULL, &sql, &b) == 0,
		   "sql: compiles");
		is_str(sql.buf,
		       "((nullif((SELECT value FROM metrics WHERE run = runs.id "
		       "AND key = ?), 'nan') > ?) AND ((mlr_num((SELECT value FROM params "
		       "WHERE run = runs.id AND key = ?)) < ?) AND "
		       "mlr_like((SELECT value FROM tags WHERE run = runs.id "
		       "AND key = ?), ?, ?)))", "sql: the SQL");
		ok(b.nr == 7 && b.v[0].type == EXPR_BIND_TEXT &&
		   !strcmp(b.v[0].text, "auc") &&
		   b.v[1].type == EXPR_BIND_DOUBLE && b.v[1].d == 0.9 &&
		   !strcmp(b.v[2].text, "lr") && b.v[3].d == 1 &&
		   !strcmp(b.v[4].text, "team") && !strcmp(b.v[5].text, "v%") &&
		   b.v[6].type == EXPR_BIND_INT && b.v[6].i == 0,
		   "sql: the values, in order");
		expr_binds_release(&b);
		strbuf_release(&sql);
		expr_free(e);
	}
	/* binds start where the caller says; a bad index is an error */
	{
		struct expr_binds b = EXPR_BINDS_INIT;
		sqlite3_stmt *st = NULL;

		sqlite3_prepare_v2(db, "SELECT ?, ?, ?, ?, ?", -1, &st, NULL);
		expr_binds_text(&b, "a");
		expr_binds_double(&b, 1.5);
		expr_binds_int(&b, INT64_C(1) << 60);
		expr_binds_null(&b);
		is_int(expr_binds_apply(&b, st, 2), 6,
		       "binds: the next index is returned");
		ok(sqlite3_step(st) == SQLITE_ROW &&
		   sqlite3_column_type(st, 0) == SQLITE_NULL &&
		   !strcmp((const char *)sqlite3_column_text(st, 1), "a") &&
		   sqlite3_column_double(st, 2) == 1.5 &&
		   sqlite3_column_int64(st, 3) == INT64_C(1) << 60 &&
		   sqlite3_column_type(st, 4) == SQLITE_NULL,
		   "binds: bound in order");
		sqlite3_reset(st);
		is_int(expr_binds_apply(&b, st, 4), -1,
		       "binds: past the last parameter is an error");
		sqlite3_finalize(st);
		expr_binds_release(&b);
		ok(b.nr == 0 && b.v == NULL, "binds: released");
	}
	/* the SQL functions themselves */
	{
		char *got = run_query("SELECT quote(mlr_num(' 2.5 ')) || ',' || "
				      "quote(mlr_num('abc')) || ',' || "
				      "quote(mlr_num(NULL)) || ',' || "
				      "quote(mlr_num(7)) || ',' || "
				      "quote(mlr_num(x'31')) || ',' || "
				      "quote(mlr_like('Abc', 'a%', 1)) || ',' || "
				      "quote(mlr_like('Abc', 'a%', 0)) || ',' || "
				      "quote(mlr_like(NULL, 'a%', 0)) WHERE %s",
				      "1 = 1", 0);

		is_str(got, "2.5,NULL,NULL,7.0,NULL,1,0,NULL",
		       "sql: mlr_num and mlr_like");
		free(got);
	}
	sqlite3_close(db);
}

int main(void)
{
	nan_value = NAN;
	test_parse();
	test_format();
	test_parse_errors();
	test_foreach();
	test_three_valued();
	test_eval();
	test_eval_errors();
	test_like_and_numbers();
	test_sql();
	return tap_done();
}
