/*
 * expr.h - the one expression language of mlrepo: exp-log's run filters
 * (metrics.auc > 0.9 AND params.model = 'xgb'), model-promote's gate rules
 * (auc >= current.auc + 0.005) and fs-ingest's value checks (amount >= 0).
 *
 * It is MLflow's search grammar extended with OR, NOT, parentheses,
 * IS [NOT] NULL, NOT LIKE and arithmetic.  One parser builds a tree; the
 * tree is then either evaluated in memory against values a caller looks
 * up, or compiled to one parameterized SQL expression.  Keys and values
 * are never spliced into SQL: every literal becomes a bound parameter and
 * every identifier becomes whatever SQL fragment the caller's resolver
 * writes for it (with its own '?' placeholders).
 *
 * Usage:
 *   1. e = expr_parse(text, "filter") for a condition (expr_parse_value()
 *      for a value, as in --order-by).  NULL means bad input: the message,
 *      set with error_input() (exit 2), reads
 *          filter column 17: expected a value after '>', found end of input
 *      `what` ("filter", "gate rule", "check") starts every message about
 *      the expression, from the parser, the evaluator and the compiler.
 *   2. Optionally walk the names with expr_foreach_ident(), e.g. to refuse
 *      unknown prefixes before any data is read.
 *   3. Either evaluate, as often as needed: expr_eval_bool(e, lookup, data)
 *      calls lookup() for each identifier;
 *      or compile once: expr_sql_register(db) on the connection, then
 *      expr_to_sql(e, resolve, data, &sql, &binds), prepare "... WHERE " +
 *      sql, expr_binds_apply(&binds, stmt, first_index), step.
 *   4. expr_free(e); expr_binds_release(&binds).
 *
 * A tree is never changed after parsing: evaluate it as often as needed.
 * expr_free() frees a tree returned by a parser, never a sub-tree.  Functions returning int
 * return 0 (or a documented value) on success and -1 with the error set.
 *
 * THE LANGUAGE (for the man pages)
 *
 *   Precedence, lowest first: OR; AND; NOT; comparisons (= != <> < <= > >=
 *   LIKE ILIKE NOT LIKE NOT ILIKE IN NOT IN IS NULL IS NOT NULL); + and -;
 *   * and /; unary minus.  Parentheses group.  Binary operators are
 *   left-associative; comparisons do not chain (a < b < c is an error).
 *   Keywords (AND OR NOT LIKE ILIKE IN IS NULL TRUE FALSE) are
 *   case-insensitive.  Spaces, tabs and newlines separate tokens.
 *
 *   Names are dotted: metrics.auc, params.lr, tags.team, attributes.status,
 *   status, current.auc, amount.  Each part is [A-Za-z_][A-Za-z0-9_-]*
 *   (after a dot it may also start with a digit: metrics.1st), where a '-'
 *   belongs to the name only when a letter, digit or '_' follows it: write
 *   spaces around a minus between names (auc - current.auc; auc-base is one
 *   name).  Any part may be quoted in backticks (`val loss`, with `` for a
 *   backtick), and a part after a dot also in double quotes
 *   (metrics."val loss", with "" or \" for a double quote); a quoted part
 *   may hold any character, dots included (metrics."a.b" is the key a.b of
 *   metrics), but may not be empty.  No space is allowed around the dots.
 *   A bare word followed by a dot is always a name (null.x), a bare word
 *   alone that is a keyword is the keyword.
 *
 *   Strings are in single quotes, or in double quotes where a double
 *   quote does not directly follow a dot: params.model = "xgb" compares
 *   with the string xgb.  Inside, the quote is written twice ('it''s') or
 *   escaped with a backslash (\' \" \\); any other backslash stays as it
 *   is ('a\_b' is the four characters a\_b).
 *
 *   Numbers: 12, 0.5, .5, 1., 1e-3, 2.5E+4 (decimal only; no sign: -3 is
 *   unary minus applied to 3).  TRUE and FALSE are the numbers 1 and 0.
 *   NULL may only be tested with IS NULL and IS NOT NULL; x = NULL is an
 *   error saying so.
 *
 *   Comparisons take a value on either side (0.9 < metrics.auc works, as
 *   does metrics.a > metrics.b).  What a comparison means depends on the
 *   kinds of its two sides, as the caller's resolver declares them:
 *     - numbers (metrics, numeric attributes, arithmetic, number
 *       literals) compare numerically with = != < <= > >=; a quoted
 *       string compared with a number must itself be a number
 *       (metrics.auc > '0.9' is allowed, metrics.auc > 'abc' is an error:
 *       "metrics are numbers: 'abc' is not one");
 *     - times (start_time, end_time) are held as UTC microseconds since
 *       the epoch.  They compare with times, and with quoted times in
 *       any form mltime_parse() accepts (attributes.start_time >=
 *       '2026-11-01', start_time > '-7d'), as times.  Met by a number
 *       (a bare number, a param, arithmetic) a time is read as MLflow's
 *       whole milliseconds since the epoch, truncated: start_time >
 *       1764547200000, and end_time - start_time is a duration in ms;
 *     - strings (tags, names, status) compare with = != LIKE ILIKE IN,
 *       byte-wise and case-sensitively for =; comparing one with a number
 *       or ordering strings with < is an error;
 *     - params are strings that may hold numbers: compared with a number,
 *       or ordered with < <= > >=, a param is read as a number (a param
 *       that is not one, like 'adam', then satisfies nothing); compared
 *       with a string by = != LIKE IN, it is compared as text.  So
 *       params.lr = 0.01 matches "0.01" and "1e-2", params.lr = '0.01'
 *       only "0.01".
 *   LIKE patterns are string literals: % matches any run of characters
 *   (none included), _ exactly one (UTF-8) character, \ makes the next
 *   character literal ('xgb\_%').  LIKE is case-sensitive (as MLflow's),
 *   ILIKE ignores ASCII case.  x NOT LIKE p means NOT (x LIKE p).
 *   IN lists hold literals only, all numbers or all strings:
 *   params.model IN ('xgb', 'lgbm'), metrics.epochs NOT IN (10, 20).
 *   Arithmetic + - * / is on numbers (params are read as numbers,
 *   strings are refused); a division by zero gives NULL.
 *
 *   Missing values follow SQL's three-valued logic.  A name the row or run
 *   lacks (a metric never logged) is NULL, and any comparison, LIKE or IN
 *   with a NULL side, or arithmetic on one, is unknown rather than true or
 *   false; NOT unknown is unknown; unknown AND false is false, unknown OR
 *   true is true.  A filter keeps only what is true.  So a run lacking x
 *   satisfies neither metrics.x > 1 nor NOT (metrics.x > 1), nor
 *   metrics.x != 1: only metrics.x IS NULL.  This is intended; write
 *   (metrics.x IS NULL OR metrics.x <= 1) to include such runs.
 *
 *   NaN: SQLite stores no NaN (exp-log stores a NaN metric as NULL, so it
 *   behaves as missing in filters).  A NaN met in memory follows IEEE 754:
 *   it is unequal to everything, itself included, so = < <= > >= are
 *   false and != is true.
 *
 *   Errors name the column (1-based, counting UTF-8 characters from the
 *   start of the text, newlines included) and what was expected there.
 *   Nesting deeper than EXPR_MAX_DEPTH levels (parentheses, NOT, unary
 *   minus, or chains of arithmetic) is refused; SQL has a lower limit,
 *   EXPR_SQL_MAX_NESTING, reached only by expressions nested some 25
 *   levels deep.
 */
#ifndef MLREPO_EXPR_H
#define MLREPO_EXPR_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

#define EXPR_MAX_DEPTH 200
/*
 * SQLite (3.40) parses a statement with a fixed stack: about 30 levels of
 * parentheses in the worst (right-nested) case, with room left for the
 * caller's own SQL around ours.  expr_to_sql() refuses expressions whose
 * SQL would nest deeper than this (filters never come near it).
 */
#define EXPR_SQL_MAX_NESTING 28

/* ---- the tree ----------------------------------------------------------- */

enum expr_kind {
	EXPR_LIT_NUM,	/* a number: num (TRUE, FALSE: 1, 0 with is_bool) */
	EXPR_LIT_STR,	/* a string: str */
	EXPR_LIT_NULL,	/* NULL (before IS [NOT] NULL, or a whole value) */
	EXPR_IDENT,	/* a name: parts[0 .. nparts-1], unquoted */
	EXPR_NEG,	/* - kids[0] */
	EXPR_ARITH,	/* kids[0] op kids[1], op EXPR_ADD .. EXPR_DIV */
	EXPR_CMP,	/* kids[0] op kids[1], op EXPR_EQ .. EXPR_GE */
	EXPR_LIKE,	/* kids[0] LIKE kids[1] (an EXPR_LIT_STR); nocase: ILIKE */
	EXPR_IN,	/* kids[0] IN (kids[1 ..]: literals); negated: NOT IN */
	EXPR_ISNULL,	/* kids[0] IS NULL; negated: IS NOT NULL */
	EXPR_NOT,	/* NOT kids[0] (x NOT LIKE p is NOT (x LIKE p)) */
	EXPR_AND,	/* kids[0] AND kids[1] AND ... (two or more) */
	EXPR_OR		/* kids[0] OR kids[1] OR ... (two or more) */
};

enum expr_op {
	EXPR_ADD, EXPR_SUB, EXPR_MUL, EXPR_DIV,
	EXPR_EQ, EXPR_NE, EXPR_LT, EXPR_LE, EXPR_GT, EXPR_GE
};

/*
 * A node.  Callers may read the tree (to find the comparisons of a gate
 * rule and evaluate one side, say) but not change it.  A value node
 * (literal, name, minus, arithmetic) is distinct from a condition node
 * (comparison, LIKE, IN, IS NULL, NOT, AND, OR); the parser guarantees
 * that operators get the kind of operands they need.
 */
struct expr {
	enum expr_kind kind;
	enum expr_op op;	/* EXPR_ARITH, EXPR_CMP */
	int negated;		/* EXPR_IN: NOT IN; EXPR_ISNULL: IS NOT NULL */
	int nocase;		/* EXPR_LIKE: ILIKE */
	int col;		/* 1-based column where the node's text starts */
	int opcol;		/* column of its operator (or col) */
	size_t off, len;	/* its text: bytes [off, off + len) of the input */
	double num;		/* EXPR_LIT_NUM */
	int is_bool;		/* EXPR_LIT_NUM written TRUE or FALSE */
	char *str;		/* EXPR_LIT_STR, NUL-terminated */
	char **parts;		/* EXPR_IDENT */
	int nparts;
	struct expr **kids;
	int nkids;

	/* private */
	size_t kids_alloc;
	int height;
	int is_int;		/* EXPR_LIT_NUM written as an integer: inum */
	int64_t inum;
	int str_isnum;		/* EXPR_LIT_STR reads as a number: strnum */
	double strnum;
	const char *what;
	char *what_owned;	/* the root's copy of `what` */
};

/*
 * Parse a condition (the whole text must be one).  `what` names the
 * expression in messages ("filter", "gate rule"; NULL: "expression"); it
 * is copied.  Returns a tree the caller frees with expr_free(), or NULL
 * with error_input() set.  Never crashes or hangs on any input.
 */
struct expr *expr_parse(const char *text, const char *what);
/*
 * Parse a value (a name, a literal or arithmetic: --order-by metrics.auc),
 * the same way; a condition is refused.
 */
struct expr *expr_parse_value(const char *text, const char *what);
/* Free a tree returned by expr_parse() or expr_parse_value().  NULL is ok. */
void expr_free(struct expr *e);
/* Is `e` a condition (as opposed to a value)? */
int expr_is_condition(const struct expr *e);

/*
 * Call fn for every name in the tree, in the order of the text, with its
 * parts and the column it starts at.  fn returns 0 to go on; anything
 * else stops the walk and is returned (so fn may return error_input()).
 */
int expr_foreach_ident(const struct expr *e,
		       int (*fn)(const char *const *parts, int nparts, int col,
				 void *data),
		       void *data);

/*
 * Append the expression to sb in canonical form: keywords in capitals,
 * single-quoted strings, backquoted names where needed, numbers in their
 * shortest exact form, only the parentheses precedence needs.  It parses
 * back to the same tree.
 */
void expr_format(const struct expr *e, struct strbuf *sb);
/*
 * Append a dotted name as it would be typed (metrics.`val loss`), for
 * messages and column headers.
 */
void expr_ident_format(struct strbuf *sb, const char *const *parts,
		       int nparts);

/* ---- evaluation in memory ---------------------------------------------- */

enum expr_vtype { EXPR_NULL, EXPR_NUM, EXPR_STR, EXPR_TIME };

/*
 * A value.  EXPR_STR: str (not owned; it must live until the evaluation
 * returns).  EXPR_NUM: num.  EXPR_TIME: time, UTC microseconds since the
 * epoch (a timestamp column; compared with quoted times as in SQL).
 */
struct expr_value {
	enum expr_vtype type;
	double num;
	const char *str;
	int64_t time;
};

/*
 * Look up a name: fill *out (EXPR_NULL for a missing value) and return 0,
 * or return -1 with the error set.  For an unknown name, set it with
 * error_input() naming the name ("unknown name 'foo'", see
 * expr_ident_format()): the evaluator prefixes "WHAT column N: ".
 * A string a lookup returns behaves like a param above: compared with a
 * number or ordered, it is read as a number.
 */
typedef int (*expr_lookup_fn)(const char *const *parts, int nparts,
			      struct expr_value *out, void *data);

#define EXPR_UNKNOWN 2
/*
 * Evaluate a condition: 1 true, 0 false or unknown, -1 error.  Every name
 * is looked up (no short-circuit), so an unknown name is reported whatever
 * the data.  (A literal that does not fit its comparison, 'abc' against a
 * number, is reported when that comparison meets a value, not NULL.)
 */
int expr_eval_bool(const struct expr *e, expr_lookup_fn fn, void *data);
/* The same, telling unknown apart: 1 true, 0 false, EXPR_UNKNOWN, -1. */
int expr_eval_tri(const struct expr *e, expr_lookup_fn fn, void *data);
/*
 * Evaluate a value (any node: a gate rule's right-hand side, to show
 * "needed auc >= 0.912").  Arithmetic gives EXPR_NUM, or EXPR_NULL with a
 * missing operand, a param that is not a number, or a division by zero; a
 * condition gives EXPR_NUM 1 or 0, or EXPR_NULL when unknown.  A string
 * in *out points into the tree or into the lookup's data.  0 or -1.
 */
int expr_eval_value(const struct expr *e, expr_lookup_fn fn, void *data,
		    struct expr_value *out);

/* ---- compilation to SQL ------------------------------------------------ */

/* Values to bind, in the order of their '?' placeholders. */
enum expr_bind_type {
	EXPR_BIND_NULL, EXPR_BIND_TEXT, EXPR_BIND_DOUBLE, EXPR_BIND_INT
};
struct expr_bind {
	enum expr_bind_type type;
	char *text;	/* EXPR_BIND_TEXT, owned */
	double d;
	int64_t i;
};
struct expr_binds {
	struct expr_bind *v;
	size_t nr, alloc;
};
#define EXPR_BINDS_INIT { NULL, 0, 0 }

/* Append a value (text is copied). */
void expr_binds_text(struct expr_binds *b, const char *s);
void expr_binds_double(struct expr_binds *b, double d);
void expr_binds_int(struct expr_binds *b, int64_t i);
void expr_binds_null(struct expr_binds *b);
/*
 * Bind every value to st, in order, starting at parameter first_index
 * (1-based); returns the index after the last, or -1 via error().
 */
int expr_binds_apply(const struct expr_binds *b, sqlite3_stmt *st,
		     int first_index);
/* Free the values; b is empty and reusable afterwards. */
void expr_binds_release(struct expr_binds *b);

/* What an identifier's SQL fragment holds (see "THE LANGUAGE"). */
enum expr_sqltype {
	EXPR_SQL_NUM,	/* a REAL or INTEGER expression */
	EXPR_SQL_TEXT,	/* text, compared as text */
	EXPR_SQL_TIME,	/* an INTEGER of UTC microseconds */
	EXPR_SQL_PARAM,	/* text read as a number where one is needed */
	EXPR_SQL_ANY = 1 << 4 /* a flag or'ed into one of the above */
};
/*
 * EXPR_SQL_ANY: a name with any number of values per row (the inputs of
 * a run: datasets.name).  Its fragment is then a whole SELECT of one
 * column called `value`, one row per value, and a condition on the name
 * holds when it holds for at least one of them, as MLflow's datasets.*
 * filters do: a comparison, LIKE or IN compiles to
 *     EXISTS (SELECT 1 FROM (fragment) AS mlr_any WHERE condition)
 * with the name read as mlr_any.value.  So such a condition is never
 * unknown: with no values, or none that fits, it is false, and NOT of it
 * true (NOT datasets.name = 'x': no input is named x).  IS NOT NULL holds
 * when the name has a value, IS NULL when it has none.  At most one side
 * of a comparison may be such a name.  Used as a value (--order-by,
 * --columns) it is its distinct values in order, joined with ','
 * (NULL when none); arithmetic on it is an error.
 */

/*
 * Resolve a name to SQL: append an expression to `sql` (it is always
 * parenthesized or wrapped by the compiler) using '?' for every value,
 * append those values to `binds` in order, set *sqltype to an
 * enum expr_sqltype and return 0.  Or return -1 with the error set; for an
 * unknown name, error_input() naming it: the compiler prefixes
 * "WHAT column N: " (col is given for the resolver's own use).
 */
typedef int (*expr_sql_fn)(const char *const *parts, int nparts, int col,
			   struct strbuf *sql, struct expr_binds *binds,
			   int *sqltype, void *data);

/*
 * Compile `e` to one SQL expression appended to `sql` (a condition gives
 * a boolean expression for a WHERE clause, a value an expression for
 * ORDER BY or a result column), its values appended to `binds`.  The SQL
 * holds only the resolver's fragments, operators, parentheses, '?'
 * placeholders and calls of mlr_num() and mlr_like(), so the connection
 * needs expr_sql_register().  Type errors the resolver's types reveal
 * ("filter column 15: metrics are numbers: 'abc' is not one") are found
 * here.  On error sql and binds are left as they were.
 */
int expr_to_sql(const struct expr *e, expr_sql_fn fn, void *data,
		struct strbuf *sql, struct expr_binds *binds);

/*
 * Register on db the SQL functions compiled expressions call:
 *   mlr_num(x): x as a REAL, or NULL when x is NULL, a blob, or text that
 *     is not a decimal number (surrounding blanks are allowed);
 *   mlr_like(value, pattern, nocase): 1 or 0 as described for LIKE above,
 *     NULL when value or pattern is NULL.
 * Both are deterministic and innocuous.  0, or -1 via error().
 */
int expr_sql_register(sqlite3 *db);

/*
 * Read text as mlr_num() does: 0 with *out set, or -1 (no error set) when
 * s[0 .. len) is not a decimal number.
 */
int expr_text_number(const char *s, size_t len, double *out);
/* Match as mlr_like() does: 1 or 0. */
int expr_like_match(const char *s, const char *pattern, int nocase);

#endif
