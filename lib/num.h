/*
 * num.h - decimal numbers in and out: the one grammar every tool reads
 * numbers with, and the one way they are written back.
 *
 * Reading.  num_parse_int() and num_parse_float() convert `len` bytes
 * (not necessarily NUL-terminated) with no message; the caller adds the
 * context (a file and line, a column of a filter).  They are fast: an
 * integer's digits are accumulated in one pass, and a float whose digits
 * fit in 53 bits and whose power of ten is at most 22 is converted with one
 * correctly rounded multiply or divide (Clinger's fast path); anything else
 * goes to strtod(3).  Either way the result is bit for bit strtod()'s.
 * The table reader, the expression language and the table writer all read
 * numbers here, so "1e3", " 2.5" or "inf" mean the same everywhere.
 *
 * Writing.  num_format_value() gives the short form people read (ten
 * significant digits); num_format_exact() the shortest text that reads back
 * as the same double, for data that must round-trip; num_format_int() an
 * int64 in decimal.  Each writes into the caller's buffer and returns it.
 *
 * Numbers are in the "C" locale's syntax; a program using this module must
 * not set LC_NUMERIC to another locale.  Nothing here allocates (but the
 * rare strtod() fallback for a float of more than 127 bytes) or fails but
 * by its return value.
 */
#ifndef MLREPO_NUM_H
#define MLREPO_NUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The longest text num_format_value() and num_format_exact() write. */
#define NUM_BUFSZ 32

/*
 * A decimal int64 with an optional sign, spaces and tabs around it
 * ignored: "42", "-17", " +007 ".  Returns 0 and stores the value, -1 for
 * text that is no integer ("12,5", "1e3", "1.0", "", "0x10"), or -2 when
 * the integer is out of range.  Nothing is stored on failure.
 */
int num_parse_int(const char *s, size_t len, int64_t *out);

/*
 * A decimal number with an optional sign, fraction and exponent ("-1.5",
 * ".5", "1.", "2.5e+3"), or inf, infinity or nan in any case with an
 * optional sign; spaces and tabs around it ignored.  The result is exactly
 * strtod(3)'s (out-of-range values give +-inf or +-0 as there; "-nan" is a
 * NaN with the sign bit set).  Hexadecimal floats, "nan(...)" and other
 * forms strtod() knows are refused.  Returns 0 and stores the value, or -1
 * (nothing stored).
 */
static inline int num_parse_float(const char *s, size_t len, double *out);

/*
 * What num_parse_float() is made of: the whole grammar out of line, and an
 * inline fast path for the plain decimals that fill data sets ("-12.375":
 * a sign, at most 19 digits, a point, no exponent, no spaces), so that the
 * table reader's inner loop converts them without a call.  Measured on a
 * 420 MB CSV of floats: the call alone cost 2% of the reader's time.
 * Call num_parse_float(), not these.
 */
extern const double num_pow10_exact[23];
int num_parse_float_full(const char *s, size_t len, double *out);

static inline int num_parse_float(const char *s, size_t len, double *out)
{
	const char *p = s, *e = s + len, *d0;
	uint64_t m = 0, bits;
	int neg = 0, nd, nfrac = 0;
	double v;

	if (p < e) {
		neg = *p == '-';
		p += neg | (*p == '+');
	}
	for (d0 = p; p < e && (unsigned char)(*p - '0') < 10; p++)
		m = m * 10 + (unsigned)(*p - '0');
	nd = (int)(p - d0);
	if (p < e && *p == '.') {
		for (d0 = ++p; p < e && (unsigned char)(*p - '0') < 10; p++)
			m = m * 10 + (unsigned)(*p - '0');
		nfrac = (int)(p - d0);
		nd += nfrac;
	}
	/* exact: m and 10^nfrac are doubles, one correctly rounded divide */
	if (p != e || !nd || nd > 19 || m > (UINT64_C(1) << 53) || nfrac > 22)
		return num_parse_float_full(s, len, out);
	v = (double)m / num_pow10_exact[nfrac];
	/* v >= 0: the sign bit without a branch (random signs mispredict) */
	memcpy(&bits, &v, sizeof(v));
	bits |= (uint64_t)neg << 63;
	memcpy(out, &bits, sizeof(bits));
	return 0;
}

/*
 * The length of the number in JSON's grammar (RFC 8259 section 6: "-0",
 * "1.5e-3"; not "+1", "01", ".5", "1.", "inf") that starts at `s`, or 0
 * when none does.  It is the longest such prefix of the `len` bytes.
 */
size_t num_json_len(const char *s, size_t len);

/* `v` with ten significant digits (%.10g), or "nan", "inf", "-inf". */
char *num_format_value(double v, char buf[NUM_BUFSZ]);
/*
 * The shortest %.15g, %.16g or %.17g text of `v` that strtod() reads back
 * as `v` itself ("0.1", "1e+23", "-0"), or "nan", "inf", "-inf".
 */
char *num_format_exact(double v, char buf[NUM_BUFSZ]);
/* `v` in decimal, with a '-' when negative.  24 bytes are enough. */
char *num_format_int(int64_t v, char buf[NUM_BUFSZ]);

#endif
