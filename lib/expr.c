/* expr.c - see expr.h */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "expr.h"
#include "mltime.h"
#include "num.h"
#include "strbuf.h"

/* ---- characters --------------------------------------------------------- */

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* Bytes of the UTF-8 character at s (1 for a stray byte); never past a NUL. */
static size_t u8len(const char *s)
{
	unsigned char c = *s;
	size_t n, want;

	if (c < 0xc0)
		return 1;
	want = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	for (n = 1; n < want && ((unsigned char)s[n] & 0xc0) == 0x80; n++)
		;
	return n;
}

#define EXCERPT_MAX 40

/*
 * Append s[0 .. len) for a message: at most EXCERPT_MAX bytes (cut at a
 * character boundary, "..." marking the cut), control characters as '?'.
 */
static void add_excerpt(struct strbuf *sb, const char *s, size_t len)
{
	size_t i = 0, n;

	while (i < len && s[i]) {
		n = u8len(s + i);
		if (n > len - i)
			n = len - i;
		if (i + n > EXCERPT_MAX) {
			strbuf_addstr(sb, "...");
			return;
		}
		if (n == 1 && ((unsigned char)s[i] < 0x20 || s[i] == 0x7f))
			strbuf_addch(sb, '?');
		else
			strbuf_add(sb, s + i, n);
		i += n;
	}
}

/* Describe the character at s for "unexpected character ..." messages. */
static void add_char_desc(struct strbuf *sb, const char *s)
{
	unsigned char c = *s;
	size_t n = u8len(s);

	if (!c)
		strbuf_addstr(sb, "end of input");
	else if (c >= 0x20 && c < 0x7f)
		strbuf_addf(sb, "'%c'", c);
	else if (c >= 0xc0 && n > 1 &&
		 n == (size_t)(c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4) && c < 0xf5) {
		strbuf_addch(sb, '\'');
		strbuf_add(sb, s, n);
		strbuf_addch(sb, '\'');
	} else {
		strbuf_addf(sb, "'\\x%02x'", c);
	}
}

static int ERR_FORMAT(3, 4) col_error(const char *what, int col,
				      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_input("%s column %d: %s", what, col, sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* ---- numbers ------------------------------------------------------------ */

/* Length of the decimal number at s[0 .. len): 12, 1.5, .5, 1., 1e-3. */
static size_t number_span(const char *s, size_t len)
{
	size_t i = 0, digits = 0, j;

	while (i < len && is_digit(s[i]))
		i++, digits++;
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i]))
			i++, digits++;
	}
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		j = i + 1;
		if (j < len && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < len && is_digit(s[j])) {
			while (j < len && is_digit(s[j]))
				j++;
			i = j;
		}
	}
	return i;
}

/*
 * The value of the number_span() at s: num.h's conversion, which reads
 * every such span (exactly as strtod() would).
 */
static double span_value(const char *s, size_t n)
{
	double d = 0;

	num_parse_float(s, n, &d);
	return d;
}

/* The length of inf, infinity or nan (any case) at s[0 .. len), or 0. */
static size_t word_span(const char *s, size_t len, double *out)
{
	static const struct { const char *w; size_t n; } words[] = {
		{ "infinity", 8 }, { "inf", 3 }, { "nan", 3 }
	};
	size_t k;

	for (k = 0; k < 3; k++)
		if (len >= words[k].n && !strncasecmp(s, words[k].w, words[k].n)) {
			*out = k < 2 ? INFINITY : NAN;
			return words[k].n;
		}
	return 0;
}

int expr_text_number(const char *s, size_t len, double *out)
{
	size_t i = 0, n, j;
	int neg = 0;
	double d;

	while (i < len && is_blank(s[i]))
		i++;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	n = number_span(s + i, len - i);
	if (!n)
		n = word_span(s + i, len - i, &d);
	else
		d = 0;
	if (!n)
		return -1;
	for (j = i + n; j < len && is_blank(s[j]); j++)
		;
	if (j != len)
		return -1;
	if (!isinf(d) && !isnan(d))
		d = span_value(s + i, n);
	*out = neg ? -d : d;
	return 0;
}

/* ---- LIKE --------------------------------------------------------------- */

static int fold(unsigned char c, int nocase)
{
	return nocase && c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/*
 * '%' any run, '_' one character, '\' quotes the next character.  The
 * classic backtracking to the last '%': O(len(s) * len(pattern)) at worst.
 */
int expr_like_match(const char *s, const char *p, int nocase)
{
	const char *star_p = NULL, *star_s = NULL;

	for (;;) {
		if (*p == '%') {
			while (*p == '%')
				p++;
			star_p = p;
			star_s = s;
			continue;
		}
		if (!*s)
			break;
		if (*p == '_') {
			s += u8len(s);
			p++;
			continue;
		}
		if (*p) {
			const char *q = p;
			size_t plen = 1;

			if (*q == '\\' && q[1]) {
				q++;
				plen = 2;
			}
			if (fold(*q, nocase) == fold(*s, nocase)) {
				s++;
				p += plen;
				continue;
			}
		}
		if (!star_p)
			return 0;
		/* star_s < s or == s, and *s is not NUL: so *star_s is not */
		star_s += u8len(star_s);
		s = star_s;
		p = star_p;
	}
	while (*p == '%')
		p++;
	return !*p;
}

/* ---- the tree ----------------------------------------------------------- */

void expr_free(struct expr *e)
{
	int i;

	if (!e)
		return;
	for (i = 0; i < e->nkids; i++)
		expr_free(e->kids[i]);
	free(e->kids);
	for (i = 0; i < e->nparts; i++)
		free(e->parts[i]);
	free(e->parts);
	free(e->str);
	free(e->what_owned);
	free(e);
}

int expr_is_condition(const struct expr *e)
{
	return e->kind >= EXPR_CMP;
}

static const char *const op_names[] = {
	"+", "-", "*", "/", "=", "!=", "<", "<=", ">", ">="
};

static int is_ordering(enum expr_op op)
{
	return op == EXPR_LT || op == EXPR_LE || op == EXPR_GT ||
	       op == EXPR_GE;
}

/* ---- the lexer ---------------------------------------------------------- */

enum tok {
	TK_EOF, TK_NUM, TK_STR, TK_IDENT, TK_LP, TK_RP, TK_COMMA,
	TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
	TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH,
	/* keywords */
	TK_AND, TK_OR, TK_NOT, TK_LIKE, TK_ILIKE, TK_IN, TK_IS, TK_NULL,
	TK_TRUE, TK_FALSE
};

static const char *const keywords[] = {
	"AND", "OR", "NOT", "LIKE", "ILIKE", "IN", "IS", "NULL", "TRUE", "FALSE"
};
#define NKEYWORDS (sizeof(keywords) / sizeof(*keywords))

static int keyword(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < NKEYWORDS; i++)
		if (strlen(keywords[i]) == n && !strncasecmp(s, keywords[i], n))
			return (int)(TK_AND + i);
	return -1;
}

struct token {
	enum tok kind;
	size_t off, end;	/* its text */
	int col;
	double num;
	int is_int;
	int64_t inum;
	char *str;		/* TK_STR, owned until taken */
	char **parts;		/* TK_IDENT, owned until taken */
	int nparts;
	size_t parts_alloc;
};

struct parser {
	const char *text, *what;
	size_t len, pos;
	size_t col_off;		/* column cache: col_at is the column of */
	int col_at;		/* byte col_off */
	struct token tok;
	int have_prev;
	enum tok prev;
	size_t prev_off, prev_end;
	int depth;
	const char *want;	/* "a condition" or "a value" */
};

static void tok_clear(struct token *t)
{
	int i;

	free(t->str);
	for (i = 0; i < t->nparts; i++)
		free(t->parts[i]);
	free(t->parts);
	memset(t, 0, sizeof(*t));
}

/* The 1-based column of byte `off`, counting UTF-8 characters. */
static int col_of(struct parser *p, size_t off)
{
	if (off < p->col_off) {
		p->col_off = 0;
		p->col_at = 1;
	}
	while (p->col_off < off) {
		if (((unsigned char)p->text[p->col_off] & 0xc0) != 0x80)
			p->col_at++;
		p->col_off++;
	}
	return p->col_at;
}

/*
 * A bare name at s: [A-Za-z_] (or a digit when digit_first), then
 * [A-Za-z0-9_], or '-' followed by one of those.  Returns its length.
 */
static size_t bare_span(const char *s, int digit_first)
{
	size_t i;

	if (!is_alpha(s[0]) && !(digit_first && is_digit(s[0])))
		return 0;
	for (i = 1;;) {
		if (is_alnum(s[i]))
			i++;
		else if (s[i] == '-' && is_alnum(s[i + 1]))
			i += 2;
		else
			return i;
	}
}

/*
 * Read a quoted string or name at p->pos (the opening quote q) into *out.
 * The quote is doubled to stand for itself; in ' and " quotes \' \" \\
 * are escapes too, other backslashes stay.
 */
static int lex_quoted(struct parser *p, int is_name, char **out)
{
	size_t start = p->pos;
	char q = p->text[p->pos], c, d;
	struct strbuf sb = STRBUF_INIT;

	p->pos++;
	for (;;) {
		c = p->text[p->pos];
		if (!c) {
			strbuf_release(&sb);
			return col_error(p->what, col_of(p, start),
					 "unterminated %s: expected a closing %c",
					 is_name ? "quoted name" : "string", q);
		}
		p->pos++;
		if (c == q) {
			if (p->text[p->pos] != q)
				break;
			p->pos++;
		} else if (c == '\\' && q != '`') {
			d = p->text[p->pos];
			if (d == '\'' || d == '"' || d == '\\') {
				c = d;
				p->pos++;
			}
		}
		strbuf_addch(&sb, c);
	}
	if (is_name && !sb.len) {
		strbuf_release(&sb);
		return col_error(p->what, col_of(p, start),
				 "expected a name, found an empty quoted name");
	}
	*out = strbuf_detach(&sb, NULL);
	return 0;
}

static void tok_add_part(struct token *t, char *part)
{
	ALLOC_GROW(t->parts, t->nparts + 1, t->parts_alloc);
	t->parts[t->nparts++] = part;
}

/* A dotted name at p->pos; its first part is bare (length n) or in `. */
static int lex_ident(struct parser *p, size_t n)
{
	struct token *t = &p->tok;
	const char *s = p->text;
	char *part;

	t->kind = TK_IDENT;
	if (s[p->pos] == '`') {
		if (lex_quoted(p, 1, &part) < 0)
			return -1;
	} else {
		part = xstrndup(s + p->pos, n);
		p->pos += n;
	}
	tok_add_part(t, part);
	while (s[p->pos] == '.') {
		p->pos++;
		if (s[p->pos] == '`' || s[p->pos] == '"') {
			if (lex_quoted(p, 1, &part) < 0)
				return -1;
		} else if ((n = bare_span(s + p->pos, 1))) {
			part = xstrndup(s + p->pos, n);
			p->pos += n;
		} else {
			struct strbuf d = STRBUF_INIT;

			add_char_desc(&d, s + p->pos);
			col_error(p->what, col_of(p, p->pos),
				  "expected a name after '.', found %s", d.buf);
			strbuf_release(&d);
			return -1;
		}
		tok_add_part(t, part);
	}
	return 0;
}

static int lex_number(struct parser *p)
{
	struct token *t = &p->tok;
	const char *s = p->text + p->pos;
	size_t n = number_span(s, p->len - p->pos), i;

	if (is_alnum(s[n]) || s[n] == '.') {
		struct strbuf d = STRBUF_INIT;

		for (i = n; is_alnum(s[i]) || s[i] == '.'; i++)
			;
		add_excerpt(&d, s, i);
		col_error(p->what, col_of(p, p->pos), "malformed number '%s'",
			  d.buf);
		strbuf_release(&d);
		return -1;
	}
	t->kind = TK_NUM;
	t->num = span_value(s, n);
	if (!isfinite(t->num)) {
		struct strbuf d = STRBUF_INIT;

		add_excerpt(&d, s, n);
		col_error(p->what, col_of(p, p->pos),
			  "number out of range '%s'", d.buf);
		strbuf_release(&d);
		return -1;
	}
	/* an integer literal that fits is kept exactly (times are int64) */
	if (!memchr(s, '.', n) && !memchr(s, 'e', n) && !memchr(s, 'E', n) &&
	    num_parse_int(s, n, &t->inum) == 0)
		t->is_int = 1;
	p->pos += n;
	return 0;
}

/* Read the next token into p->tok.  0 or -1 (the error set). */
static int lex(struct parser *p)
{
	struct token *t = &p->tok;
	const char *s = p->text;
	size_t n;
	int c, kw;

	memset(t, 0, sizeof(*t));
	while (is_blank(s[p->pos]))
		p->pos++;
	t->off = p->pos;
	t->col = col_of(p, p->pos);
	c = (unsigned char)s[p->pos];
	switch (c) {
	case '\0':
		t->kind = TK_EOF;
		break;
	case '(': t->kind = TK_LP; p->pos++; break;
	case ')': t->kind = TK_RP; p->pos++; break;
	case ',': t->kind = TK_COMMA; p->pos++; break;
	case '+': t->kind = TK_PLUS; p->pos++; break;
	case '-': t->kind = TK_MINUS; p->pos++; break;
	case '*': t->kind = TK_STAR; p->pos++; break;
	case '/': t->kind = TK_SLASH; p->pos++; break;
	case '=': t->kind = TK_EQ; p->pos++; break;
	case '<':
		t->kind = TK_LT;
		p->pos++;
		if (s[p->pos] == '=' || s[p->pos] == '>') {
			t->kind = s[p->pos] == '=' ? TK_LE : TK_NE;
			p->pos++;
		}
		break;
	case '>':
		t->kind = TK_GT;
		p->pos++;
		if (s[p->pos] == '=') {
			t->kind = TK_GE;
			p->pos++;
		}
		break;
	case '!':
		if (s[p->pos + 1] != '=')
			goto bad;
		t->kind = TK_NE;
		p->pos += 2;
		break;
	case '\'':
	case '"':
		t->kind = TK_STR;
		if (lex_quoted(p, 0, &t->str) < 0)
			return -1;
		break;
	case '`':
		if (lex_ident(p, 0) < 0)
			return -1;
		break;
	default:
		if (is_digit(c) || (c == '.' && is_digit(s[p->pos + 1]))) {
			if (lex_number(p) < 0)
				return -1;
			break;
		}
		n = bare_span(s + p->pos, 0);
		if (!n)
			goto bad;
		if (s[p->pos + n] != '.' && (kw = keyword(s + p->pos, n)) >= 0) {
			t->kind = (enum tok)kw;
			p->pos += n;
			break;
		}
		if (lex_ident(p, n) < 0)
			return -1;
		break;
	}
	t->end = p->pos;
	return 0;
bad:
	{
		struct strbuf d = STRBUF_INIT;

		add_char_desc(&d, s + p->pos);
		col_error(p->what, t->col, "unexpected character %s", d.buf);
		strbuf_release(&d);
		return -1;
	}
}

/* "end of input", a string as written, or any other token in quotes. */
static void tok_desc(struct parser *p, struct strbuf *sb)
{
	const struct token *t = &p->tok;

	if (t->kind == TK_EOF) {
		strbuf_addstr(sb, "end of input");
	} else if (t->kind == TK_STR) {
		add_excerpt(sb, p->text + t->off, t->end - t->off);
	} else {
		strbuf_addch(sb, '\'');
		add_excerpt(sb, p->text + t->off, t->end - t->off);
		strbuf_addch(sb, '\'');
	}
}

static int advance(struct parser *p)
{
	p->have_prev = 1;
	p->prev = p->tok.kind;
	p->prev_off = p->tok.off;
	p->prev_end = p->tok.end;
	tok_clear(&p->tok);
	return lex(p);
}

/* ---- the parser --------------------------------------------------------- */

static struct expr *parse_or(struct parser *p);
static struct expr *parse_unary(struct parser *p);

static struct expr *node_new(struct parser *p, enum expr_kind kind,
			     size_t off, int col)
{
	struct expr *e = xcalloc(1, sizeof(*e));

	e->kind = kind;
	e->what = p->what;
	e->off = off;
	e->col = e->opcol = col;
	e->height = 1;
	return e;
}

static void node_end(struct parser *p, struct expr *e)
{
	e->len = p->prev_end > e->off ? p->prev_end - e->off : 0;
}

static int too_deep(const char *what, int col)
{
	return col_error(what, col,
			 "expression nested too deeply (more than %d levels)",
			 EXPR_MAX_DEPTH);
}

/* Give `kid` to `e`; fails when the tree grows too high (e keeps kid). */
static int add_kid(struct expr *e, struct expr *kid)
{
	ALLOC_GROW(e->kids, e->nkids + 1, e->kids_alloc);
	e->kids[e->nkids++] = kid;
	if (kid->height + 1 > e->height)
		e->height = kid->height + 1;
	if (e->height > EXPR_MAX_DEPTH)
		return too_deep(e->what, e->opcol);
	return 0;
}

/* A node with operands a (and b); on failure everything is freed. */
static struct expr *node_op(struct parser *p, enum expr_kind kind,
			    int opcol, struct expr *a, struct expr *b)
{
	struct expr *e = node_new(p, kind, a->off, a->col);

	e->opcol = opcol;
	if (add_kid(e, a) < 0 || (b && add_kid(e, b) < 0)) {
		if (b && e->nkids < 2)
			expr_free(b);
		expr_free(e);
		return NULL;
	}
	node_end(p, e);
	return e;
}

static void add_source(struct parser *p, struct strbuf *sb,
		       const struct expr *e)
{
	add_excerpt(sb, p->text + e->off, e->len);
}

/* A condition is needed here: e.g. not a bare name before AND. */
static int need_cond(struct parser *p, const struct expr *e)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	if (expr_is_condition(e))
		return 0;
	add_source(p, &a, e);
	tok_desc(p, &b);
	col_error(p->what, p->tok.col,
		  "expected a comparison operator after '%s', found %s", a.buf,
		  b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
	return -1;
}

/* A value is needed as an operand of `op` (before it or after it). */
static int need_value(struct parser *p, const struct expr *e, const char *op,
		      int before, int null_ok)
{
	if (expr_is_condition(e))
		return col_error(p->what, e->col,
				 "expected a value %s '%s', found a condition",
				 before ? "before" : "after", op);
	if (e->kind == EXPR_LIT_NULL && !null_ok)
		return col_error(p->what, e->col,
				 "use IS NULL or IS NOT NULL to test for a "
				 "missing value");
	return 0;
}

/*
 * An operand of arithmetic: a value, and a string only when it reads as a
 * number (it becomes one).
 */
static int arith_operand(struct parser *p, struct expr *e, const char *op,
			 int before)
{
	struct strbuf sb = STRBUF_INIT;

	if (need_value(p, e, op, before, 0) < 0)
		return -1;
	if (e->kind != EXPR_LIT_STR)
		return 0;
	if (e->str_isnum) {
		e->kind = EXPR_LIT_NUM;
		e->num = e->strnum == 0 ? 0 : e->strnum;	/* no -0 */
		free(e->str);
		e->str = NULL;
		return 0;
	}
	add_excerpt(&sb, e->str, strlen(e->str));
	col_error(p->what, e->col, "arithmetic needs numbers: '%s' is not one",
		  sb.buf);
	strbuf_release(&sb);
	return -1;
}

static const char *tok_name(enum tok k)
{
	switch (k) {
	case TK_LP: return "(";
	case TK_RP: return ")";
	case TK_COMMA: return ",";
	case TK_EQ: return "=";
	case TK_NE: return "!=";
	case TK_LT: return "<";
	case TK_LE: return "<=";
	case TK_GT: return ">";
	case TK_GE: return ">=";
	case TK_PLUS: return "+";
	case TK_MINUS: return "-";
	case TK_STAR: return "*";
	case TK_SLASH: return "/";
	default:
		if (k >= TK_AND)
			return keywords[k - TK_AND];
		return NULL;
	}
}

/*
 * "expected a value after '>', found end of input": `after` names what
 * came before (NULL: the previous token).
 */
static int expected_after(struct parser *p, const char *what_is_expected,
			  const char *after)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	tok_desc(p, &b);
	if (p->have_prev) {
		const char *name = after ? after : tok_name(p->prev);

		if (name)
			strbuf_addstr(&a, name);
		else
			add_excerpt(&a, p->text + p->prev_off,
				    p->prev_end - p->prev_off);
		col_error(p->what, p->tok.col, "expected %s after '%s', found %s",
			  what_is_expected, a.buf, b.buf);
	} else {
		col_error(p->what, p->tok.col, "expected %s, found %s",
			  what_is_expected, b.buf);
	}
	strbuf_release(&a);
	strbuf_release(&b);
	return -1;
}

static int expected(struct parser *p, const char *what_is_expected)
{
	return expected_after(p, what_is_expected, NULL);
}

static struct expr *parse_primary(struct parser *p)
{
	struct token *t = &p->tok;
	struct expr *e;
	size_t off = t->off;
	int col = t->col;

	switch (t->kind) {
	case TK_NUM:
		e = node_new(p, EXPR_LIT_NUM, off, col);
		e->num = t->num;
		e->is_int = t->is_int;
		e->inum = t->inum;
		break;
	case TK_TRUE:
	case TK_FALSE:
		e = node_new(p, EXPR_LIT_NUM, off, col);
		e->num = e->inum = t->kind == TK_TRUE;
		e->is_int = e->is_bool = 1;
		break;
	case TK_STR:
		e = node_new(p, EXPR_LIT_STR, off, col);
		e->str = t->str;
		t->str = NULL;
		e->str_isnum = !expr_text_number(e->str, strlen(e->str),
						 &e->strnum);
		break;
	case TK_NULL:
		e = node_new(p, EXPR_LIT_NULL, off, col);
		break;
	case TK_IDENT:
		e = node_new(p, EXPR_IDENT, off, col);
		e->parts = t->parts;
		e->nparts = t->nparts;
		t->parts = NULL;
		t->nparts = 0;
		break;
	case TK_LP:
		if (++p->depth > EXPR_MAX_DEPTH) {
			too_deep(p->what, col);
			return NULL;
		}
		if (advance(p) < 0)
			return NULL;
		e = parse_or(p);
		p->depth--;
		if (!e)
			return NULL;
		if (p->tok.kind != TK_RP) {
			struct strbuf b = STRBUF_INIT;

			tok_desc(p, &b);
			col_error(p->what, p->tok.col,
				  "expected ')' to close '(' at column %d, "
				  "found %s", col, b.buf);
			strbuf_release(&b);
			expr_free(e);
			return NULL;
		}
		if (advance(p) < 0) {
			expr_free(e);
			return NULL;
		}
		return e;
	default:
		expected(p, p->want);
		return NULL;
	}
	if (advance(p) < 0) {
		expr_free(e);
		return NULL;
	}
	node_end(p, e);
	return e;
}

static struct expr *parse_unary(struct parser *p)
{
	struct expr *kid, *e;
	size_t off = p->tok.off;
	int col = p->tok.col;

	if (p->tok.kind != TK_MINUS)
		return parse_primary(p);
	if (++p->depth > EXPR_MAX_DEPTH) {
		too_deep(p->what, col);
		return NULL;
	}
	if (advance(p) < 0)
		return NULL;
	p->want = "a value";
	kid = parse_unary(p);
	p->depth--;
	if (!kid)
		return NULL;
	if (arith_operand(p, kid, "-", 0) < 0) {
		expr_free(kid);
		return NULL;
	}
	if (kid->kind == EXPR_LIT_NUM) {
		/* fold: -3 is the number -3 (and -0 is 0: the sign of a zero
		 * cannot be observed, division by zero being NULL) */
		kid->num = kid->num == 0 ? 0 : -kid->num;
		kid->inum = -kid->inum;
		kid->is_bool = 0;
		kid->off = off;
		kid->col = kid->opcol = col;
		node_end(p, kid);
		return kid;
	}
	e = node_new(p, EXPR_NEG, off, col);
	if (add_kid(e, kid) < 0) {
		expr_free(e);
		return NULL;
	}
	node_end(p, e);
	return e;
}

static struct expr *parse_arith(struct parser *p, int mul)
{
	struct expr *left, *right;
	enum expr_op op;
	enum tok k;
	int opcol;

	left = mul ? parse_unary(p) : parse_arith(p, 1);
	while (left) {
		k = p->tok.kind;
		if (mul ? k != TK_STAR && k != TK_SLASH :
			  k != TK_PLUS && k != TK_MINUS)
			break;
		op = k == TK_STAR ? EXPR_MUL : k == TK_SLASH ? EXPR_DIV :
		     k == TK_PLUS ? EXPR_ADD : EXPR_SUB;
		opcol = p->tok.col;
		if (arith_operand(p, left, op_names[op], 1) < 0 ||
		    advance(p) < 0)
			goto fail;
		p->want = "a value";
		right = mul ? parse_unary(p) : parse_arith(p, 1);
		if (!right)
			goto fail;
		if (arith_operand(p, right, op_names[op], 0) < 0) {
			expr_free(right);
			goto fail;
		}
		left = node_op(p, EXPR_ARITH, opcol, left, right);
		if (left)
			left->op = op;
	}
	return left;
fail:
	expr_free(left);
	return NULL;
}

/* x [NOT] LIKE 'pattern', at LIKE or ILIKE; `not` the column of NOT. */
static struct expr *parse_like(struct parser *p, struct expr *left,
			       int notcol)
{
	int nocase = p->tok.kind == TK_ILIKE, opcol = p->tok.col;
	const char *name = nocase ? "ILIKE" : "LIKE";
	struct expr *pat, *e;

	if (need_value(p, left, name, 1, 0) < 0 || advance(p) < 0)
		goto fail;
	if (p->tok.kind != TK_STR) {
		expected(p, "a string pattern");
		goto fail;
	}
	pat = parse_primary(p);
	if (!pat)
		goto fail;
	e = node_op(p, EXPR_LIKE, opcol, left, pat);
	if (!e)
		return NULL;
	e->nocase = nocase;
	if (notcol) {
		struct expr *n = node_new(p, EXPR_NOT, e->off, e->col);

		n->opcol = notcol;
		if (add_kid(n, e) < 0) {
			expr_free(n);
			return NULL;
		}
		node_end(p, n);
		e = n;
	}
	return e;
fail:
	expr_free(left);
	return NULL;
}

/* x [NOT] IN (literal, ...), at IN; `notcol` the column of NOT or 0. */
static struct expr *parse_in(struct parser *p, struct expr *left, int notcol)
{
	struct expr *e, *item;
	enum tok k;

	if (need_value(p, left, notcol ? "NOT IN" : "IN", 1, 0) < 0) {
		expr_free(left);
		return NULL;
	}
	e = node_new(p, EXPR_IN, left->off, left->col);
	e->opcol = notcol ? notcol : p->tok.col;
	e->negated = !!notcol;
	if (add_kid(e, left) < 0 || advance(p) < 0)
		goto fail;
	if (p->tok.kind != TK_LP) {
		expected(p, "'('");
		goto fail;
	}
	if (advance(p) < 0)
		goto fail;
	for (;;) {
		k = p->tok.kind;
		if (k != TK_NUM && k != TK_STR && k != TK_MINUS &&
		    k != TK_TRUE && k != TK_FALSE) {
			struct strbuf b = STRBUF_INIT;

			tok_desc(p, &b);
			col_error(p->what, p->tok.col,
				  "expected a number or a string in the list, "
				  "found %s", b.buf);
			strbuf_release(&b);
			goto fail;
		}
		p->want = "a number";
		item = parse_unary(p);
		if (!item)
			goto fail;
		if (add_kid(e, item) < 0)
			goto fail;
		if (item->kind != EXPR_LIT_NUM && item->kind != EXPR_LIT_STR) {
			struct strbuf b = STRBUF_INIT;

			add_source(p, &b, item);
			col_error(p->what, item->col,
				  "expected a number or a string in the list, "
				  "found '%s'", b.buf);
			strbuf_release(&b);
			goto fail;
		}
		if (item->kind != e->kids[1]->kind) {
			col_error(p->what, item->col,
				  "the list mixes numbers and strings");
			goto fail;
		}
		if (p->tok.kind == TK_COMMA) {
			if (advance(p) < 0)
				goto fail;
			continue;
		}
		if (p->tok.kind == TK_RP)
			break;
		{
			struct strbuf b = STRBUF_INIT;

			tok_desc(p, &b);
			col_error(p->what, p->tok.col,
				  "expected ',' or ')' in the list, found %s",
				  b.buf);
			strbuf_release(&b);
			goto fail;
		}
	}
	if (advance(p) < 0)
		goto fail;
	node_end(p, e);
	return e;
fail:
	expr_free(e);
	return NULL;
}

static struct expr *parse_cmp(struct parser *p)
{
	struct expr *left = parse_arith(p, 0), *right, *e;
	enum expr_op op;
	enum tok k;
	int opcol, neg;

	if (!left)
		return NULL;
	k = p->tok.kind;
	opcol = p->tok.col;
	switch (k) {
	case TK_EQ: op = EXPR_EQ; break;
	case TK_NE: op = EXPR_NE; break;
	case TK_LT: op = EXPR_LT; break;
	case TK_LE: op = EXPR_LE; break;
	case TK_GT: op = EXPR_GT; break;
	case TK_GE: op = EXPR_GE; break;
	case TK_LIKE:
	case TK_ILIKE:
		return parse_like(p, left, 0);
	case TK_IN:
		return parse_in(p, left, 0);
	case TK_NOT:
		if (advance(p) < 0)
			goto fail;
		if (p->tok.kind == TK_LIKE || p->tok.kind == TK_ILIKE)
			return parse_like(p, left, opcol);
		if (p->tok.kind == TK_IN)
			return parse_in(p, left, opcol);
		expected(p, "LIKE, ILIKE or IN");
		goto fail;
	case TK_IS:
		if (need_value(p, left, "IS", 1, 1) < 0 || advance(p) < 0)
			goto fail;
		neg = p->tok.kind == TK_NOT;
		if (neg && advance(p) < 0)
			goto fail;
		if (p->tok.kind != TK_NULL) {
			expected_after(p, "NULL", neg ? "IS NOT" : "IS");
			goto fail;
		}
		if (advance(p) < 0)
			goto fail;
		e = node_op(p, EXPR_ISNULL, opcol, left, NULL);
		if (e)
			e->negated = neg;
		return e;
	default:
		return left;
	}
	if (need_value(p, left, op_names[op], 1, 0) < 0 || advance(p) < 0)
		goto fail;
	p->want = "a value";
	right = parse_arith(p, 0);
	if (!right)
		goto fail;
	if (need_value(p, right, op_names[op], 0, 0) < 0) {
		expr_free(right);
		goto fail;
	}
	e = node_op(p, EXPR_CMP, opcol, left, right);
	if (e)
		e->op = op;
	return e;
fail:
	expr_free(left);
	return NULL;
}

static struct expr *parse_not(struct parser *p)
{
	struct expr *kid, *e;
	size_t off = p->tok.off;
	int col = p->tok.col;

	if (p->tok.kind != TK_NOT)
		return parse_cmp(p);
	if (++p->depth > EXPR_MAX_DEPTH) {
		too_deep(p->what, col);
		return NULL;
	}
	if (advance(p) < 0)
		return NULL;
	p->want = "a condition";
	kid = parse_not(p);
	p->depth--;
	if (!kid)
		return NULL;
	if (need_cond(p, kid) < 0) {
		expr_free(kid);
		return NULL;
	}
	e = node_new(p, EXPR_NOT, off, col);
	if (add_kid(e, kid) < 0) {
		expr_free(e);
		return NULL;
	}
	node_end(p, e);
	return e;
}

/* AND (or OR) of two or more conditions, as one node. */
static struct expr *parse_junction(struct parser *p, int is_or)
{
	enum tok k = is_or ? TK_OR : TK_AND;
	struct expr *first, *e, *kid;

	first = is_or ? parse_junction(p, 0) : parse_not(p);
	if (!first || p->tok.kind != k)
		return first;
	if (need_cond(p, first) < 0) {
		expr_free(first);
		return NULL;
	}
	e = node_new(p, is_or ? EXPR_OR : EXPR_AND, first->off, first->col);
	e->opcol = p->tok.col;
	if (add_kid(e, first) < 0)
		goto fail;
	while (p->tok.kind == k) {
		if (advance(p) < 0)
			goto fail;
		p->want = "a condition";
		kid = is_or ? parse_junction(p, 0) : parse_not(p);
		if (!kid)
			goto fail;
		if (add_kid(e, kid) < 0 || need_cond(p, kid) < 0)
			goto fail;
	}
	node_end(p, e);
	return e;
fail:
	expr_free(e);
	return NULL;
}

static struct expr *parse_or(struct parser *p)
{
	return parse_junction(p, 1);
}

static struct expr *parse_top(const char *text, const char *what, int cond)
{
	struct parser p;
	struct expr *e = NULL;
	char *what_owned = xstrdup(what ? what : "expression");

	memset(&p, 0, sizeof(p));
	p.text = text ? text : "";
	p.len = strlen(p.text);
	p.what = what_owned;
	p.col_at = 1;
	p.want = cond ? "a condition" : "a value";
	if (lex(&p) < 0)
		goto fail;
	e = parse_or(&p);
	if (!e)
		goto fail;
	if (cond && need_cond(&p, e) < 0)
		goto fail;
	if (!cond && expr_is_condition(e)) {
		col_error(p.what, e->col, "expected a value, found a condition");
		goto fail;
	}
	if (p.tok.kind != TK_EOF) {
		struct strbuf b = STRBUF_INIT;

		tok_desc(&p, &b);
		col_error(p.what, p.tok.col, "expected %s or end of input, "
			  "found %s", cond ? "AND, OR" : "an operator", b.buf);
		strbuf_release(&b);
		goto fail;
	}
	tok_clear(&p.tok);
	e->what_owned = what_owned;
	return e;
fail:
	tok_clear(&p.tok);
	expr_free(e);
	free(what_owned);
	return NULL;
}

struct expr *expr_parse(const char *text, const char *what)
{
	return parse_top(text, what, 1);
}

struct expr *expr_parse_value(const char *text, const char *what)
{
	return parse_top(text, what, 0);
}

/* ---- walking and printing ----------------------------------------------- */

int expr_foreach_ident(const struct expr *e,
		       int (*fn)(const char *const *parts, int nparts, int col,
				 void *data),
		       void *data)
{
	int i, r;

	if (e->kind == EXPR_IDENT)
		return fn((const char *const *)e->parts, e->nparts, e->col,
			  data);
	for (i = 0; i < e->nkids; i++)
		if ((r = expr_foreach_ident(e->kids[i], fn, data)))
			return r;
	return 0;
}

void expr_ident_format(struct strbuf *sb, const char *const *parts,
		       int nparts)
{
	const char *s;
	int i;

	for (i = 0; i < nparts; i++) {
		s = parts[i];
		if (i)
			strbuf_addch(sb, '.');
		if (*s && bare_span(s, i > 0) == strlen(s) &&
		    (nparts > 1 || keyword(s, strlen(s)) < 0)) {
			strbuf_addstr(sb, s);
			continue;
		}
		strbuf_addch(sb, '`');
		for (; *s; s++) {
			if (*s == '`')
				strbuf_addch(sb, '`');
			strbuf_addch(sb, *s);
		}
		strbuf_addch(sb, '`');
	}
}

/* Precedence for printing: higher binds tighter. */
static int prec(const struct expr *e)
{
	switch (e->kind) {
	case EXPR_OR: return 1;
	case EXPR_AND: return 2;
	case EXPR_NOT: return 3;
	case EXPR_CMP: case EXPR_LIKE: case EXPR_IN: case EXPR_ISNULL: return 4;
	case EXPR_ARITH: return e->op <= EXPR_SUB ? 5 : 6;
	case EXPR_NEG: return 7;
	case EXPR_LIT_NUM: return e->num < 0 ? 7 : 8;
	default: return 8;
	}
}

static void add_number(struct strbuf *sb, double d)
{
	char buf[NUM_BUFSZ];

	if (d == 0) {
		strbuf_addch(sb, '0');	/* -0 too: its sign is not observable */
		return;
	}
	strbuf_addstr(sb, num_format_exact(d, buf));
}

static void format_child(const struct expr *e, int need, struct strbuf *sb)
{
	if (prec(e) < need) {
		strbuf_addch(sb, '(');
		expr_format(e, sb);
		strbuf_addch(sb, ')');
	} else {
		expr_format(e, sb);
	}
}

void expr_format(const struct expr *e, struct strbuf *sb)
{
	const char *s;
	int i, pr;

	switch (e->kind) {
	case EXPR_LIT_NUM:
		if (e->is_bool)
			strbuf_addstr(sb, e->num ? "TRUE" : "FALSE");
		else if (e->is_int)
			strbuf_addf(sb, "%" PRId64, e->inum);
		else
			add_number(sb, e->num);
		break;
	case EXPR_LIT_STR:
		strbuf_addch(sb, '\'');
		for (s = e->str; *s; s++) {
			if (*s == '\'' || *s == '\\')
				strbuf_addch(sb, *s == '\\' ? '\\' : '\'');
			strbuf_addch(sb, *s);
		}
		strbuf_addch(sb, '\'');
		break;
	case EXPR_LIT_NULL:
		strbuf_addstr(sb, "NULL");
		break;
	case EXPR_IDENT:
		expr_ident_format(sb, (const char *const *)e->parts, e->nparts);
		break;
	case EXPR_NEG: {
		struct strbuf k = STRBUF_INIT;

		format_child(e->kids[0], 7, &k);
		strbuf_addstr(sb, k.buf[0] == '-' ? "- " : "-");
		strbuf_addstr(sb, k.buf);
		strbuf_release(&k);
		break;
	}
	case EXPR_ARITH:
	case EXPR_CMP:
		pr = e->kind == EXPR_ARITH ? prec(e) : 5;
		format_child(e->kids[0], pr, sb);
		strbuf_addf(sb, " %s ", op_names[e->op]);
		format_child(e->kids[1], e->kind == EXPR_ARITH ? pr + 1 : 5,
			     sb);
		break;
	case EXPR_LIKE:
		format_child(e->kids[0], 5, sb);
		strbuf_addstr(sb, e->nocase ? " ILIKE " : " LIKE ");
		expr_format(e->kids[1], sb);
		break;
	case EXPR_IN:
		format_child(e->kids[0], 5, sb);
		strbuf_addstr(sb, e->negated ? " NOT IN (" : " IN (");
		for (i = 1; i < e->nkids; i++) {
			if (i > 1)
				strbuf_addstr(sb, ", ");
			expr_format(e->kids[i], sb);
		}
		strbuf_addch(sb, ')');
		break;
	case EXPR_ISNULL:
		format_child(e->kids[0], 5, sb);
		strbuf_addstr(sb, e->negated ? " IS NOT NULL" : " IS NULL");
		break;
	case EXPR_NOT:
		strbuf_addstr(sb, "NOT ");
		format_child(e->kids[0], 3, sb);
		break;
	case EXPR_AND:
	case EXPR_OR:
		for (i = 0; i < e->nkids; i++) {
			if (i)
				strbuf_addstr(sb, e->kind == EXPR_AND ? " AND "
								      : " OR ");
			format_child(e->kids[i], prec(e) + 1, sb);
		}
		break;
	}
}

/* The expression in a message: its canonical text, shortened. */
static void add_name(struct strbuf *sb, const struct expr *e)
{
	struct strbuf t = STRBUF_INIT;

	expr_format(e, &t);
	add_excerpt(sb, t.buf, t.len);
	strbuf_release(&t);
}

/* ---- comparisons: what compares with what ------------------------------ */

/*
 * The kind of one side of a comparison, from the resolver's SQL type or
 * the value a lookup returned (a looked-up string acts as a param).
 */
enum cat { C_NULL, C_NUM, C_LITNUM, C_TIME, C_TEXT, C_PARAM, C_LITSTR };

/* How a comparison compares: as numbers, as times, as text; as is. */
enum mode { M_NUM, M_TIME, M_TEXT, M_RAW };

struct num {
	double d;
	int has_i;	/* i is exact */
	int64_t i;
};

static int is_metric(const struct expr *e)
{
	return e->kind == EXPR_IDENT && e->nparts >= 2 &&
	       (!strcmp(e->parts[0], "metrics") ||
		!strcmp(e->parts[0], "metric"));
}

static int string_error(const struct expr *cmp, const struct expr *t,
			const char *why)
{
	struct strbuf a = STRBUF_INIT;

	add_name(&a, t);
	col_error(cmp->what, cmp->opcol, "'%s' is a string%s", a.buf, why);
	strbuf_release(&a);
	return -1;
}

/*
 * Decide how `cmp` (a comparison, or IN with one list item) compares l
 * with r, or fail with a message naming what does not fit.
 */
static int decide(const struct expr *cmp, int ord, const struct expr *l,
		  int lc, const struct expr *r, int rc, enum mode *mode)
{
	if (lc == C_TEXT || rc == C_TEXT) {
		const struct expr *t = lc == C_TEXT ? l : r;
		const struct expr *o = lc == C_TEXT ? r : l;
		int oc = lc == C_TEXT ? rc : lc;

		if (oc == C_LITNUM) {
			struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

			add_name(&a, t);
			add_name(&b, o);
			col_error(cmp->what, o->col, "'%s' is a string: write "
				  "the number in quotes ('%s')", a.buf, b.buf);
			strbuf_release(&a);
			strbuf_release(&b);
			return -1;
		}
		if (oc == C_NUM)
			return string_error(cmp, t, " and cannot be compared "
						    "with a number");
		if (oc == C_TIME)
			return string_error(cmp, t, " and cannot be compared "
						    "with a time");
		if (ord)
			return string_error(cmp, t, ": strings compare only "
						    "with =, !=, LIKE, ILIKE "
						    "and IN");
		*mode = M_TEXT;
		return 0;
	}
	if (lc == C_TIME || rc == C_TIME) {
		int oc = lc == C_TIME ? rc : lc;

		/*
		 * a time meets a time or a quoted time as a time; a number
		 * (MLflow's milliseconds since the epoch) as a number
		 */
		*mode = oc == C_TIME || oc == C_LITSTR ? M_TIME : M_NUM;
		return 0;
	}
	if (lc == C_NUM || lc == C_LITNUM || rc == C_NUM || rc == C_LITNUM) {
		*mode = M_NUM;
		return 0;
	}
	/* params and string literals */
	if (!ord) {
		*mode = M_TEXT;
		return 0;
	}
	if (lc == C_LITSTR && rc == C_LITSTR)
		return string_error(cmp, l, ": strings compare only with =, "
					    "!=, LIKE, ILIKE and IN");
	*mode = M_NUM;
	return 0;
}

/*
 * A literal read in mode M_NUM or M_TIME, compared (by cmp) with `other`
 * of kind ocat.  0, or -1 with the error set.
 */
static int lit_num(const struct expr *lit, enum mode mode,
		   const struct expr *cmp, const struct expr *other, int ocat,
		   struct num *n)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;

	memset(n, 0, sizeof(*n));
	if (lit->kind == EXPR_LIT_NUM) {
		n->d = lit->num;
		n->has_i = lit->is_int;
		n->i = lit->inum;
		return 0;
	}
	if (mode == M_TIME) {
		if (mltime_parse(lit->str, &n->i) < 0) {
			err_prefix("%s column %d: ", lit->what, lit->col);
			return -1;
		}
		n->d = (double)n->i;
		n->has_i = 1;
		return 0;
	}
	if (lit->str_isnum) {
		n->d = lit->strnum;
		return 0;
	}
	if (ocat == C_NUM && is_metric(other)) {
		strbuf_addstr(&a, "metrics are numbers");
	} else if (ocat == C_NUM && other->kind == EXPR_IDENT) {
		strbuf_addch(&a, '\'');
		add_name(&a, other);
		strbuf_addstr(&a, "' is a number");
	} else if (cmp->kind == EXPR_CMP && is_ordering(cmp->op)) {
		strbuf_addf(&a, "'%s' compares numbers", op_names[cmp->op]);
	} else {
		strbuf_addstr(&a, "expected a number");
	}
	add_excerpt(&b, lit->str, strlen(lit->str));
	col_error(lit->what, lit->col, "%s: '%s' is not one", a.buf, b.buf);
	strbuf_release(&a);
	strbuf_release(&b);
	return -1;
}

static int num_cmp(enum expr_op op, const struct num *a, const struct num *b)
{
	double x = a->d, y = b->d;

	if (a->has_i && b->has_i) {
		x = (a->i > b->i) - (a->i < b->i);
		y = 0;
	}
	switch (op) {
	case EXPR_EQ: return x == y;
	case EXPR_NE: return x != y;
	case EXPR_LT: return x < y;
	case EXPR_LE: return x <= y;
	case EXPR_GT: return x > y;
	case EXPR_GE: return x >= y;
	default: return 0;
	}
}

static const char *like_name(const struct expr *e)
{
	return e->nocase ? "ILIKE" : "LIKE";
}

static int like_operand(const struct expr *like, const struct expr *v, int c)
{
	struct strbuf a = STRBUF_INIT;

	if (c != C_NUM && c != C_LITNUM && c != C_TIME)
		return 0;
	add_name(&a, v);
	col_error(like->what, v->col, "%s compares strings: '%s' is a %s",
		  like_name(like), a.buf, c == C_TIME ? "time" : "number");
	strbuf_release(&a);
	return -1;
}

static int arith_side(const struct expr *v, int c)
{
	struct strbuf a = STRBUF_INIT;

	if (c != C_TEXT)
		return 0;
	add_name(&a, v);
	col_error(v->what, v->col, "arithmetic needs numbers: '%s' is a string",
		  a.buf);
	strbuf_release(&a);
	return -1;
}

/* ---- evaluation in memory ----------------------------------------------- */

struct eval {
	expr_lookup_fn fn;
	void *data;
};

static int eval_tri(struct eval *ev, const struct expr *e);

static int val_cat(const struct expr *n, const struct expr_value *v)
{
	if (v->type == EXPR_NULL)
		return C_NULL;
	if (n->kind == EXPR_LIT_NUM)
		return C_LITNUM;
	if (n->kind == EXPR_LIT_STR)
		return C_LITSTR;
	return v->type == EXPR_NUM ? C_NUM : v->type == EXPR_TIME ? C_TIME
								   : C_PARAM;
}

/* A value as a number for arithmetic: 1, or 0 when it is none (NULL). */
static int val_number(const struct expr_value *v, double *d)
{
	switch (v->type) {
	case EXPR_NUM:
		*d = v->num;
		return 1;
	case EXPR_TIME:
		*d = (double)(v->time / 1000); /* milliseconds, as in SQL */
		return 1;
	case EXPR_STR:
		return !expr_text_number(v->str, strlen(v->str), d);
	default:
		return 0;
	}
}

static int eval_val(struct eval *ev, const struct expr *e,
		    struct expr_value *out)
{
	struct expr_value a, b;
	double x, y;
	int r;

	memset(out, 0, sizeof(*out));
	switch (e->kind) {
	case EXPR_LIT_NUM:
		out->type = EXPR_NUM;
		out->num = e->num;
		return 0;
	case EXPR_LIT_STR:
		out->type = EXPR_STR;
		out->str = e->str;
		return 0;
	case EXPR_LIT_NULL:
		return 0;
	case EXPR_IDENT:
		if (ev->fn((const char *const *)e->parts, e->nparts, out,
			   ev->data) < 0) {
			err_prefix("%s column %d: ", e->what, e->col);
			return -1;
		}
		if (out->type == EXPR_STR && !out->str)
			out->type = EXPR_NULL;
		if (out->type != EXPR_NULL && out->type != EXPR_NUM &&
		    out->type != EXPR_STR && out->type != EXPR_TIME)
			return error("%s column %d: lookup gave no type",
				     e->what, e->col);
		return 0;
	case EXPR_NEG:
		if (eval_val(ev, e->kids[0], &a) < 0)
			return -1;
		if (val_number(&a, &x)) {
			out->type = EXPR_NUM;
			out->num = -x;
		}
		return 0;
	case EXPR_ARITH:
		if (eval_val(ev, e->kids[0], &a) < 0 ||
		    eval_val(ev, e->kids[1], &b) < 0)
			return -1;
		if (!val_number(&a, &x) || !val_number(&b, &y))
			return 0;
		out->type = EXPR_NUM;
		switch (e->op) {
		case EXPR_ADD: out->num = x + y; break;
		case EXPR_SUB: out->num = x - y; break;
		case EXPR_MUL: out->num = x * y; break;
		default:
			if (y == 0)
				out->type = EXPR_NULL;
			else
				out->num = x / y;
		}
		return 0;
	default:
		r = eval_tri(ev, e);
		if (r < 0)
			return -1;
		if (r != EXPR_UNKNOWN) {
			out->type = EXPR_NUM;
			out->num = r;
		}
		return 0;
	}
}

/* A side of a comparison as a number: 1, 0 unknown, -1 error. */
static int side_num(const struct expr *n, int c, const struct expr_value *v,
		    enum mode mode, const struct expr *cmp,
		    const struct expr *other, int ocat, struct num *out)
{
	memset(out, 0, sizeof(*out));
	switch (c) {
	case C_LITNUM:
	case C_LITSTR:
		return lit_num(n, mode, cmp, other, ocat, out) < 0 ? -1 : 1;
	case C_TIME:
		/* against a number, whole milliseconds (as in SQL) */
		out->i = mode == M_TIME ? v->time : v->time / 1000;
		out->has_i = 1;
		out->d = (double)out->i;
		return 1;
	case C_NUM:
		out->d = v->num;
		return 1;
	default:
		return !expr_text_number(v->str, strlen(v->str), &out->d);
	}
}

/* Compare two evaluated sides: 1, 0, EXPR_UNKNOWN or -1. */
static int cmp_values(const struct expr *cmp, enum expr_op op,
		      const struct expr *ln, const struct expr_value *lv,
		      const struct expr *rn, const struct expr_value *rv)
{
	int lc = val_cat(ln, lv), rc = val_cat(rn, rv), a, b;
	struct num x, y;
	enum mode mode;

	if (lc == C_NULL || rc == C_NULL)
		return EXPR_UNKNOWN;
	if (decide(cmp, is_ordering(op), ln, lc, rn, rc, &mode) < 0)
		return -1;
	if (mode == M_TEXT)
		return !strcmp(lv->str, rv->str) == (op == EXPR_EQ);
	a = side_num(ln, lc, lv, mode, cmp, rn, rc, &x);
	b = side_num(rn, rc, rv, mode, cmp, ln, lc, &y);
	if (a < 0 || b < 0)
		return -1;
	/* NaN satisfies no comparison, != included: unknown, as NULL */
	if (!a || !b || isnan(x.d) || isnan(y.d))
		return EXPR_UNKNOWN;
	return num_cmp(op, &x, &y);
}

static int eval_in(struct eval *ev, const struct expr *e)
{
	struct expr_value lv, iv;
	int i, r, found = 0, unknown = 0;

	if (eval_val(ev, e->kids[0], &lv) < 0)
		return -1;
	for (i = 1; i < e->nkids; i++) {
		if (eval_val(ev, e->kids[i], &iv) < 0)
			return -1;
		r = cmp_values(e, EXPR_EQ, e->kids[0], &lv, e->kids[i], &iv);
		if (r < 0)
			return -1;
		if (r == 1)
			found = 1;
		else if (r == EXPR_UNKNOWN)
			unknown = 1;
	}
	if (found)
		return !e->negated;
	if (unknown)
		return EXPR_UNKNOWN;
	return e->negated;
}

static int eval_tri(struct eval *ev, const struct expr *e)
{
	struct expr_value a, b;
	int i, r, res;

	switch (e->kind) {
	case EXPR_CMP:
		if (eval_val(ev, e->kids[0], &a) < 0 ||
		    eval_val(ev, e->kids[1], &b) < 0)
			return -1;
		return cmp_values(e, e->op, e->kids[0], &a, e->kids[1], &b);
	case EXPR_LIKE:
		if (eval_val(ev, e->kids[0], &a) < 0)
			return -1;
		r = val_cat(e->kids[0], &a);
		if (r == C_NULL)
			return EXPR_UNKNOWN;
		if (like_operand(e, e->kids[0], r) < 0)
			return -1;
		return expr_like_match(a.str, e->kids[1]->str, e->nocase);
	case EXPR_IN:
		return eval_in(ev, e);
	case EXPR_ISNULL:
		if (eval_val(ev, e->kids[0], &a) < 0)
			return -1;
		return (a.type == EXPR_NULL) != e->negated;
	case EXPR_NOT:
		r = eval_tri(ev, e->kids[0]);
		return r < 0 ? -1 : r == EXPR_UNKNOWN ? r : !r;
	case EXPR_AND:
	case EXPR_OR:
		/* every operand is evaluated, so that errors are reported */
		res = e->kind == EXPR_AND;
		for (i = 0; i < e->nkids; i++) {
			r = eval_tri(ev, e->kids[i]);
			if (r < 0)
				return -1;
			if (r == (e->kind == EXPR_OR))
				res = r;
			else if (r == EXPR_UNKNOWN &&
				 res == (e->kind == EXPR_AND))
				res = EXPR_UNKNOWN;
		}
		return res;
	default:
		return col_error(e->what, e->col, "expected a condition");
	}
}

int expr_eval_tri(const struct expr *e, expr_lookup_fn fn, void *data)
{
	struct eval ev = { fn, data };

	return eval_tri(&ev, e);
}

int expr_eval_bool(const struct expr *e, expr_lookup_fn fn, void *data)
{
	int r = expr_eval_tri(e, fn, data);

	return r < 0 ? -1 : r == 1;
}

int expr_eval_value(const struct expr *e, expr_lookup_fn fn, void *data,
		    struct expr_value *out)
{
	struct eval ev = { fn, data };

	return eval_val(&ev, e, out);
}

/* ---- binds -------------------------------------------------------------- */

static struct expr_bind *bind_new(struct expr_binds *b,
				  enum expr_bind_type type)
{
	struct expr_bind *v;

	ALLOC_GROW(b->v, b->nr + 1, b->alloc);
	v = &b->v[b->nr++];
	memset(v, 0, sizeof(*v));
	v->type = type;
	return v;
}

void expr_binds_text(struct expr_binds *b, const char *s)
{
	bind_new(b, EXPR_BIND_TEXT)->text = xstrdup(s);
}

void expr_binds_double(struct expr_binds *b, double d)
{
	bind_new(b, EXPR_BIND_DOUBLE)->d = d;
}

void expr_binds_int(struct expr_binds *b, int64_t i)
{
	bind_new(b, EXPR_BIND_INT)->i = i;
}

void expr_binds_null(struct expr_binds *b)
{
	bind_new(b, EXPR_BIND_NULL);
}

static void binds_truncate(struct expr_binds *b, size_t nr)
{
	while (b->nr > nr)
		free(b->v[--b->nr].text);
}

void expr_binds_release(struct expr_binds *b)
{
	binds_truncate(b, 0);
	free(b->v);
	b->v = NULL;
	b->nr = b->alloc = 0;
}

/* Move every value of src to the end of dst; src is left empty. */
static void binds_move(struct expr_binds *dst, struct expr_binds *src)
{
	size_t i;

	for (i = 0; i < src->nr; i++) {
		ALLOC_GROW(dst->v, dst->nr + 1, dst->alloc);
		dst->v[dst->nr++] = src->v[i];
	}
	free(src->v);
	src->v = NULL;
	src->nr = src->alloc = 0;
}

int expr_binds_apply(const struct expr_binds *b, sqlite3_stmt *st,
		     int first_index)
{
	int idx = first_index, rc = SQLITE_OK;
	size_t i;

	for (i = 0; i < b->nr; i++, idx++) {
		const struct expr_bind *v = &b->v[i];

		switch (v->type) {
		case EXPR_BIND_NULL:
			rc = sqlite3_bind_null(st, idx);
			break;
		case EXPR_BIND_TEXT:
			rc = sqlite3_bind_text(st, idx, v->text, -1,
					       SQLITE_TRANSIENT);
			break;
		case EXPR_BIND_DOUBLE:
			rc = sqlite3_bind_double(st, idx, v->d);
			break;
		case EXPR_BIND_INT:
			rc = sqlite3_bind_int64(st, idx, v->i);
			break;
		}
		if (rc != SQLITE_OK)
			return error("cannot bind SQL parameter %d: %s", idx,
				     sqlite3_errstr(rc));
	}
	return idx;
}

/* ---- compilation to SQL ------------------------------------------------- */

struct sqlc {
	expr_sql_fn fn;
	void *data;
};

/* One compiled side of an operator, not yet placed. */
struct piece {
	const struct expr *e;
	int cat;
	int frag;		/* sql is a resolver's fragment */
	int any;		/* of a name of many values (EXPR_SQL_ANY) */
	struct strbuf sql;
	struct expr_binds binds;
};

static void piece_init(struct piece *pc, const struct expr *e)
{
	memset(pc, 0, sizeof(*pc));
	pc->e = e;
	strbuf_init(&pc->sql, 0);
}

static void piece_release(struct piece *pc)
{
	strbuf_release(&pc->sql);
	expr_binds_release(&pc->binds);
}

static int compile_cond(struct sqlc *sc, const struct expr *e,
			struct strbuf *sql, struct expr_binds *binds);

/*
 * A condition on a name of many values (EXPR_SQL_ANY, expr.h): open
 * "EXISTS (SELECT 1 FROM (fragment) AS mlr_any WHERE " in sql, with the
 * fragment's binds, and make pc stand for mlr_any.value.  Returns 1 when
 * opened (the caller closes it with ')'), 0 for any other piece.
 */
static int any_open(struct piece *pc, struct strbuf *sql,
		    struct expr_binds *binds)
{
	if (!pc->any)
		return 0;
	strbuf_addstr(sql, "EXISTS (SELECT 1 FROM (");
	strbuf_add(sql, pc->sql.buf, pc->sql.len);
	strbuf_addstr(sql, ") AS mlr_any WHERE ");
	binds_move(binds, &pc->binds);
	strbuf_reset(&pc->sql);
	strbuf_addstr(&pc->sql, "mlr_any.value");
	pc->any = 0;
	return 1;
}

/*
 * Place pc in sql, read in `mode` (its comparison is cmp, with `other` of
 * kind ocat on the other side; both NULL for M_RAW), and move its binds.
 */
static int emit(struct piece *pc, enum mode mode, const struct expr *cmp,
		const struct expr *other, int ocat, struct strbuf *sql,
		struct expr_binds *binds)
{
	struct num n;
	int wrap;

	if (pc->any && mode == M_RAW) {
		/* as a value: its distinct values in order, joined */
		strbuf_addstr(sql, "(SELECT group_concat(value, ',') FROM "
			      "(SELECT DISTINCT value FROM (");
		strbuf_add(sql, pc->sql.buf, pc->sql.len);
		strbuf_addstr(sql, ") ORDER BY value))");
		binds_move(binds, &pc->binds);
		return 0;
	}
	if (pc->any) {
		struct strbuf a = STRBUF_INIT;

		add_name(&a, pc->e);
		col_error(pc->e->what, pc->e->col, "'%s' has many values: it "
			  "compares with values (=, !=, LIKE, IN), not with "
			  "another such name, nor in arithmetic", a.buf);
		strbuf_release(&a);
		return -1;
	}
	switch (pc->cat) {
	case C_LITNUM:
	case C_LITSTR:
		if (pc->cat == C_LITSTR && (mode == M_TEXT || mode == M_RAW)) {
			expr_binds_text(binds, pc->e->str);
		} else if (mode == M_RAW) {
			expr_binds_double(binds, pc->e->num);
		} else {
			if (lit_num(pc->e, mode, cmp, other, ocat, &n) < 0)
				return -1;
			if (mode == M_TIME && n.has_i)
				expr_binds_int(binds, n.i);
			else
				expr_binds_double(binds, n.d);
		}
		strbuf_addch(sql, '?');
		return 0;
	case C_NULL:
		expr_binds_null(binds);
		strbuf_addch(sql, '?');
		return 0;
	}
	/* a param read as a number: mlr_num((fragment)) */
	wrap = pc->cat == C_PARAM && (mode == M_NUM || mode == M_TIME);
	if (wrap)
		strbuf_addstr(sql, "mlr_num(");
	/*
	 * a number a resolver gives may be the text 'nan' (see "NaN" in
	 * expr.h): compared or computed with, it is unknown, as NULL is
	 */
	if (pc->cat == C_NUM && pc->frag && mode != M_RAW)
		strbuf_addstr(sql, "nullif(");
	/* a time read as a number: whole milliseconds, as MLflow's */
	if (pc->cat == C_TIME && mode == M_NUM)
		strbuf_addch(sql, '(');
	if (pc->frag)
		strbuf_addch(sql, '(');
	strbuf_add(sql, pc->sql.buf, pc->sql.len);
	if (pc->frag)
		strbuf_addch(sql, ')');
	if (pc->cat == C_TIME && mode == M_NUM)
		strbuf_addstr(sql, " / 1000)");
	if (pc->cat == C_NUM && pc->frag && mode != M_RAW)
		strbuf_addstr(sql, ", 'nan')");
	if (wrap)
		strbuf_addch(sql, ')');
	binds_move(binds, &pc->binds);
	return 0;
}

static int compile_piece(struct sqlc *sc, const struct expr *e,
			 struct piece *pc)
{
	struct piece a, b;
	int type = -1, rc = -1;

	piece_init(pc, e);
	switch (e->kind) {
	case EXPR_LIT_NUM:
		pc->cat = C_LITNUM;
		return 0;
	case EXPR_LIT_STR:
		pc->cat = C_LITSTR;
		return 0;
	case EXPR_LIT_NULL:
		pc->cat = C_NULL;
		return 0;
	case EXPR_IDENT:
		if (sc->fn((const char *const *)e->parts, e->nparts, e->col,
			   &pc->sql, &pc->binds, &type, sc->data) < 0) {
			err_prefix("%s column %d: ", e->what, e->col);
			return -1;
		}
		pc->frag = 1;
		pc->any = (type & EXPR_SQL_ANY) != 0;
		switch (type & ~EXPR_SQL_ANY) {
		case EXPR_SQL_NUM: pc->cat = C_NUM; break;
		case EXPR_SQL_TEXT: pc->cat = C_TEXT; break;
		case EXPR_SQL_TIME: pc->cat = C_TIME; break;
		case EXPR_SQL_PARAM: pc->cat = C_PARAM; break;
		default:
			return error("%s column %d: the resolver gave no SQL "
				     "type", e->what, e->col);
		}
		if (!pc->sql.len)
			return error("%s column %d: the resolver gave no SQL",
				     e->what, e->col);
		return 0;
	case EXPR_NEG:
		pc->cat = C_NUM;
		if (compile_piece(sc, e->kids[0], &a) < 0) {
			piece_release(&a);
			return -1;
		}
		if (arith_side(a.e, a.cat) == 0) {
			strbuf_addstr(&pc->sql, "(- ");
			rc = emit(&a, M_NUM, e, NULL, C_NUM, &pc->sql,
				  &pc->binds);
			strbuf_addch(&pc->sql, ')');
		}
		piece_release(&a);
		return rc;
	case EXPR_ARITH:
		pc->cat = C_NUM;
		piece_init(&b, e->kids[1]);
		if (compile_piece(sc, e->kids[0], &a) < 0 ||
		    compile_piece(sc, e->kids[1], &b) < 0 ||
		    arith_side(a.e, a.cat) < 0 || arith_side(b.e, b.cat) < 0)
			goto out;
		/* make the division real even when both sides are integers */
		strbuf_addstr(&pc->sql, e->op == EXPR_DIV &&
			      (a.cat == C_NUM || a.cat == C_TIME) ?
			      "(mlr_num(" : "(");
		if (emit(&a, M_NUM, e, NULL, C_NUM, &pc->sql, &pc->binds) < 0)
			goto out;
		if (e->op == EXPR_DIV && (a.cat == C_NUM || a.cat == C_TIME))
			strbuf_addch(&pc->sql, ')');
		strbuf_addf(&pc->sql, " %s ", op_names[e->op]);
		if (emit(&b, M_NUM, e, NULL, C_NUM, &pc->sql, &pc->binds) < 0)
			goto out;
		strbuf_addch(&pc->sql, ')');
		rc = 0;
out:
		piece_release(&a);
		piece_release(&b);
		return rc;
	default:
		/* a condition as a value: 1, 0 or NULL */
		pc->cat = C_NUM;
		return compile_cond(sc, e, &pc->sql, &pc->binds);
	}
}

static const char *const sql_ops[] = {
	"+", "-", "*", "/", "=", "<>", "<", "<=", ">", ">="
};

static int compile_cmp(struct sqlc *sc, const struct expr *e,
		       struct strbuf *sql, struct expr_binds *binds)
{
	struct piece a, b;
	enum mode mode;
	int rc = -1, any;

	piece_init(&b, e->kids[1]);
	if (compile_piece(sc, e->kids[0], &a) < 0 ||
	    compile_piece(sc, e->kids[1], &b) < 0 ||
	    decide(e, is_ordering(e->op), a.e, a.cat, b.e, b.cat, &mode) < 0)
		goto out;
	/* one side may have many values; the other's would be misplaced */
	any = any_open(&a, sql, binds);
	if (!any)
		any = any_open(&b, sql, binds);
	strbuf_addch(sql, '(');
	if (emit(&a, mode, e, b.e, b.cat, sql, binds) < 0)
		goto out;
	strbuf_addf(sql, " %s ", sql_ops[e->op]);
	if (emit(&b, mode, e, a.e, a.cat, sql, binds) < 0)
		goto out;
	strbuf_addstr(sql, any ? "))" : ")");
	rc = 0;
out:
	piece_release(&a);
	piece_release(&b);
	return rc;
}

static int compile_in(struct sqlc *sc, const struct expr *e,
		      struct strbuf *sql, struct expr_binds *binds)
{
	struct piece a, item;
	enum mode mode = M_RAW, m;
	int i, rc = -1, lc, any;

	if (compile_piece(sc, e->kids[0], &a) < 0)
		goto out;
	lc = a.cat;
	for (i = 1; i < e->nkids; i++) {
		int ic = e->kids[i]->kind == EXPR_LIT_NUM ? C_LITNUM : C_LITSTR;

		if (decide(e, 0, a.e, lc, e->kids[i], ic, &m) < 0)
			goto out;
		if (i == 1)
			mode = m;
	}
	any = any_open(&a, sql, binds);
	strbuf_addch(sql, '(');
	if (emit(&a, mode, e, e->kids[1],
		 e->kids[1]->kind == EXPR_LIT_NUM ? C_LITNUM : C_LITSTR, sql,
		 binds) < 0)
		goto out;
	strbuf_addstr(sql, e->negated ? " NOT IN (" : " IN (");
	for (i = 1; i < e->nkids; i++) {
		piece_init(&item, e->kids[i]);
		item.cat = e->kids[i]->kind == EXPR_LIT_NUM ? C_LITNUM
							    : C_LITSTR;
		if (i > 1)
			strbuf_addstr(sql, ", ");
		if (emit(&item, mode, e, a.e, lc, sql, binds) < 0) {
			piece_release(&item);
			goto out;
		}
		piece_release(&item);
	}
	strbuf_addstr(sql, any ? ")))" : "))");
	rc = 0;
out:
	piece_release(&a);
	return rc;
}

/*
 * kids[lo .. hi) of an AND or OR, as a balanced tree: SQLite parses
 * "a AND b AND c" into a chain as deep as it is long, and refuses
 * expressions deeper than 1000.
 */
static int compile_junction(struct sqlc *sc, const struct expr *e, int lo,
			    int hi, struct strbuf *sql, struct expr_binds *binds)
{
	int mid = lo + (hi - lo) / 2;

	if (hi - lo == 1)
		return compile_cond(sc, e->kids[lo], sql, binds);
	strbuf_addch(sql, '(');
	if (compile_junction(sc, e, lo, mid, sql, binds) < 0)
		return -1;
	strbuf_addstr(sql, e->kind == EXPR_AND ? " AND " : " OR ");
	if (compile_junction(sc, e, mid, hi, sql, binds) < 0)
		return -1;
	strbuf_addch(sql, ')');
	return 0;
}

static int compile_cond(struct sqlc *sc, const struct expr *e,
			struct strbuf *sql, struct expr_binds *binds)
{
	struct piece a;
	int rc = -1, any;

	switch (e->kind) {
	case EXPR_CMP:
		return compile_cmp(sc, e, sql, binds);
	case EXPR_IN:
		return compile_in(sc, e, sql, binds);
	case EXPR_LIKE:
		if (compile_piece(sc, e->kids[0], &a) < 0 ||
		    like_operand(e, a.e, a.cat) < 0)
			goto out;
		any = any_open(&a, sql, binds);
		strbuf_addstr(sql, "mlr_like(");
		if (emit(&a, M_TEXT, e, NULL, C_LITSTR, sql, binds) < 0)
			goto out;
		strbuf_addstr(sql, any ? ", ?, ?))" : ", ?, ?)");
		expr_binds_text(binds, e->kids[1]->str);
		expr_binds_int(binds, e->nocase);
		rc = 0;
		goto out;
	case EXPR_ISNULL:
		if (compile_piece(sc, e->kids[0], &a) < 0)
			goto out;
		strbuf_addch(sql, '(');
		if (emit(&a, M_RAW, NULL, NULL, C_NULL, sql, binds) < 0)
			goto out;
		strbuf_addstr(sql, e->negated ? " IS NOT NULL)" : " IS NULL)");
		rc = 0;
		goto out;
	case EXPR_NOT:
		strbuf_addstr(sql, "(NOT ");
		if (compile_cond(sc, e->kids[0], sql, binds) < 0)
			return -1;
		strbuf_addch(sql, ')');
		return 0;
	case EXPR_AND:
	case EXPR_OR:
		return compile_junction(sc, e, 0, e->nkids, sql, binds);
	default:
		return col_error(e->what, e->col, "expected a condition");
	}
out:
	piece_release(&a);
	return rc;
}

/*
 * How deep parentheses nest in s, not counting those inside '...', "...",
 * `...` or [...] (the resolver's fragments may quote identifiers).
 */
static int paren_depth(const char *s)
{
	int depth = 0, max = 0;
	char close;

	for (; *s; s++) {
		if (*s == '\'' || *s == '"' || *s == '`' || *s == '[') {
			close = *s == '[' ? ']' : *s;
			while (s[1] && s[1] != close)
				s++;
			if (!s[1])
				break;
			s++;
		} else if (*s == '(') {
			if (++depth > max)
				max = depth;
		} else if (*s == ')') {
			depth--;
		}
	}
	return max;
}

int expr_to_sql(const struct expr *e, expr_sql_fn fn, void *data,
		struct strbuf *sql, struct expr_binds *binds)
{
	struct sqlc sc = { fn, data };
	size_t len = sql->len, nr = binds->nr;
	struct piece pc;
	int rc;

	if (expr_is_condition(e)) {
		rc = compile_cond(&sc, e, sql, binds);
	} else {
		rc = compile_piece(&sc, e, &pc);
		if (!rc)
			rc = emit(&pc, M_RAW, NULL, NULL, C_NULL, sql, binds);
		piece_release(&pc);
	}
	if (!rc && paren_depth(sql->buf + len) > EXPR_SQL_MAX_NESTING)
		rc = col_error(e->what, e->col, "expression nested too deeply "
			       "to run as SQL (more than %d levels of "
			       "parentheses once translated)",
			       EXPR_SQL_MAX_NESTING);
	if (rc < 0) {
		strbuf_setlen(sql, len);
		binds_truncate(binds, nr);
	}
	return rc;
}

/* ---- SQL functions ------------------------------------------------------ */

static void sql_mlr_num(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s;
	double d;

	(void)argc;
	switch (sqlite3_value_type(argv[0])) {
	case SQLITE_INTEGER:
	case SQLITE_FLOAT:
		sqlite3_result_double(ctx, sqlite3_value_double(argv[0]));
		return;
	case SQLITE_TEXT:
		s = sqlite3_value_text(argv[0]);
		if (s && !expr_text_number((const char *)s,
					   (size_t)sqlite3_value_bytes(argv[0]),
					   &d)) {
			sqlite3_result_double(ctx, d);
			return;
		}
		break;
	}
	sqlite3_result_null(ctx);
}

static void sql_mlr_like(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *s, *p;

	(void)argc;
	if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
	    sqlite3_value_type(argv[1]) == SQLITE_NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	s = sqlite3_value_text(argv[0]);
	p = sqlite3_value_text(argv[1]);
	if (!s || !p) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	sqlite3_result_int(ctx, expr_like_match((const char *)s,
						(const char *)p,
						sqlite3_value_int(argv[2])));
}

int expr_sql_register(sqlite3 *db)
{
	int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;

#ifdef SQLITE_INNOCUOUS
	flags |= SQLITE_INNOCUOUS;
#endif
	if (sqlite3_create_function(db, "mlr_num", 1, flags, NULL,
				    sql_mlr_num, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "mlr_like", 3, flags, NULL,
				    sql_mlr_like, NULL, NULL) != SQLITE_OK)
		return error("cannot register SQL functions: %s",
			     sqlite3_errmsg(db));
	return 0;
}
