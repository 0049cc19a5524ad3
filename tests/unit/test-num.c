/*
 * test-num.c - lib/num.c: the decimal grammar and number formatting.
 *
 * References: strtod(3) and strtoll(3) of the C library for the parsers
 * (bit for bit), hand-worked cases with the reasoning in a comment, and
 * for num_format_exact() the loop lib/runs.c used before num.c existed
 * (ref_exact() below, kept here as the specification it must match).
 */
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "num.h"
#include "tap.h"

static unsigned long long seed = 42;

static unsigned rnd(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(seed >> 33);
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

	return !num_parse_float(s, strlen(s), &v) && same_double(v, want);
}

static void test_parse_int(void)
{
	int64_t v = 99;

	ok(!num_parse_int("42", 2, &v) && v == 42, "int 42");
	ok(!num_parse_int("-17", 3, &v) && v == -17, "int -17");
	ok(!num_parse_int("+5", 2, &v) && v == 5, "int +5");
	ok(!num_parse_int(" 007 ", 5, &v) && v == 7, "int with blanks and zeros");
	ok(!num_parse_int("\t-0\t", 4, &v) && v == 0, "-0 is 0");
	ok(!num_parse_int("9223372036854775807", 19, &v) && v == INT64_MAX,
	   "INT64_MAX");
	ok(!num_parse_int("-9223372036854775808", 20, &v) && v == INT64_MIN,
	   "INT64_MIN");
	v = 99;
	ok(num_parse_int("9223372036854775808", 19, &v) == -2 && v == 99,
	   "max + 1 overflows, storing nothing");
	ok(num_parse_int("-9223372036854775809", 20, &v) == -2,
	   "min - 1 overflows");
	ok(num_parse_int("99999999999999999999999", 23, &v) == -2,
	   "a long overflow");
	ok(num_parse_int("000000000000000000000000042", 27, &v) == 0 && v == 42,
	   "leading zeros do not overflow");
	ok(num_parse_int("12,5", 4, &v) == -1, "12,5 is no int");
	ok(num_parse_int("1e3", 3, &v) == -1, "1e3 is no int");
	ok(num_parse_int("1.0", 3, &v) == -1, "1.0 is no int");
	ok(num_parse_int("", 0, &v) == -1 && num_parse_int("  ", 2, &v) == -1,
	   "empty is no int");
	ok(num_parse_int("-", 1, &v) == -1, "a sign alone is no int");
	ok(num_parse_int("0x10", 4, &v) == -1, "hex is no int");
	ok(num_parse_int("1 2", 3, &v) == -1, "1 2 is no int");
	ok(num_parse_int("99999999999999999999x", 21, &v) == -1,
	   "a bad byte after an overflow is no int");
	ok(!num_parse_int("123456", 3, &v) && v == 123, "only len bytes are read");

	/* random integers against strtoll() */
	{
		char buf[40];
		int i, n, diff = 0;

		for (i = 0; i < 100000; i++) {
			long long ref;
			int rc;

			n = snprintf(buf, sizeof(buf), "%s%u%09u%09u",
				     rnd() % 2 ? "-" : "", rnd() % 20,
				     rnd() % 1000000000, rnd() % 1000000000);
			errno = 0;
			ref = strtoll(buf, NULL, 10);
			rc = num_parse_int(buf, n, &v);
			if (errno == ERANGE ? rc != -2 : rc || v != ref) {
				if (diff++ < 5)
					printf("# differs from strtoll: '%s'\n",
					       buf);
			}
		}
		ok(!diff, "100000 random integers of up to 20 digits equal "
			  "strtoll(), overflow included");
	}
}

static void test_parse_float(void)
{
	static const char *const bad[] = {
		"", " ", "12,5", "1e", "1e+", "e5", ".", "-", "+.", "1.2.3",
		"0x10", "1p3", "nan(1)", "infinit", "in", "1e5x", "--1", "1 2",
		"1d5", "1_000", "inf1", ".inf", "-.nan", "1inf", "0nan", NULL
	};
	/* cases that defeat a naive conversion: reference is strtod() */
	static const char *const exact[] = {
		"0.1", "1e23", "9007199254740993", "1.7976931348623157e308",
		"2.2250738585072014e-308", "4.9e-324", "1e-400", "1e400",
		"123456789012345678901234567890", "0.000000000000000000001234",
		"3.14159265358979323846264338327950288", "-0", "-0.0", "1e22",
		"1e-22", "9007199254740992e22", "123.456e-7", "1.", ".5",
		"8.98846567431158e307", "0e999999999999", "1e-99999999999",
		"00000000000000000000000000001.5", "2.5e+3", "-1234.567890",
		"18446744073709551615", "18446744073709551616",
		"9007199254740993e-22", "2.4703282292062327e-324",
		"2.4703282292062328e-324", NULL
	};
	char buf[200];
	double v;
	int i, bad_n = 0, diff = 0;

	ok(float_is("1", 1.0) && float_is("-2.5", -2.5) && float_is("+3e2", 300),
	   "simple floats");
	ok(float_is(" 1.5\t", 1.5), "blanks around a float");
	ok(float_is("inf", INFINITY) && float_is("-INF", -INFINITY) &&
	   float_is("Infinity", INFINITY) && float_is("+inf", INFINITY),
	   "inf in any case");
	ok(float_is("nan", NAN) && float_is("NaN", NAN) && float_is("-nan", NAN),
	   "nan in any case");
	ok(!num_parse_float("-nan", 4, &v) && signbit(v), "-nan has its sign");
	ok(float_is("-0", -0.0) && signbit(-0.0), "-0 keeps its sign");
	/* 0.1 + 0.2 rounds up to 0.30000000000000004, not to 0.3 */
	ok(float_is("0.30000000000000004", 0.1 + 0.2) &&
	   !float_is("0.3", 0.1 + 0.2), "0.30000000000000004 is 0.1 + 0.2");
	/* 2^53 + 1 = 9007199254740993 is a tie and rounds to even, 2^53 */
	ok(float_is("9007199254740993", 9007199254740992.0),
	   "2^53 + 1 rounds to 2^53");
	for (i = 0; bad[i]; i++)
		if (num_parse_float(bad[i], strlen(bad[i]), &v) != -1) {
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
	memset(buf, '1', 150);
	buf[150] = '\0';
	ok(float_is(buf, strtod(buf, NULL)), "150 digits (the slow path's "
					      "heap copy)");

	/* random decimals of every shape against strtod, bit for bit */
	diff = 0;
	for (i = 0; i < 300000; i++) {
		int n = 0, k, nd;

		if (rnd() % 3 == 0)
			buf[n++] = rnd() % 2 ? '-' : '+';
		nd = rnd() % 22;
		for (k = 0; k < nd; k++)
			buf[n++] = '0' + rnd() % 10;
		if (rnd() % 4 || !nd) {
			buf[n++] = '.';
			nd = rnd() % 22 + (nd ? 0 : 1);
			for (k = 0; k < nd; k++)
				buf[n++] = '0' + rnd() % 10;
		}
		if (rnd() % 3 == 0)
			n += snprintf(buf + n, sizeof(buf) - n, "e%d",
				      (int)(rnd() % 700) - 350);
		buf[n] = '\0';
		if (num_parse_float(buf, n, &v) ||
		    !same_double(v, strtod(buf, NULL))) {
			if (diff++ < 5)
				printf("# differs from strtod: '%s'\n", buf);
		}
	}
	ok(!diff, "300000 random decimals equal strtod exactly");
}

static void test_json_len(void)
{
	static const struct {
		const char *s;
		size_t want;
	} cases[] = {
		{ "0", 1 }, { "-0", 2 }, { "12", 2 }, { "1.5", 3 },
		{ "-1.5e-3", 7 }, { "1E+10", 5 }, { "2e5", 3 },
		/* RFC 8259: no '+', no leading zeros, digits on both sides
		 * of '.', no inf or nan: these have a shorter number or none */
		{ "+1", 0 }, { "01", 1 }, { ".5", 0 }, { "1.", 1 },
		{ "1.e5", 1 }, { "1e", 1 }, { "1e+", 1 }, { "-", 0 },
		{ "inf", 0 }, { "NaN", 0 }, { "", 0 }, { "-a", 0 },
		{ "12,5", 2 }, { "3}", 1 }, { "1.5.5", 3 },
	};
	size_t i;
	int fails = 0;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		size_t got = num_json_len(cases[i].s, strlen(cases[i].s));

		if (got != cases[i].want) {
			printf("# '%s': %zu, want %zu\n", cases[i].s, got,
			       cases[i].want);
			fails++;
		}
	}
	ok(!fails, "num_json_len: RFC 8259 numbers");
	ok(num_json_len("123", 2) == 2, "num_json_len reads only len bytes");
}

/* num_format_exact() as lib/runs.c wrote it (runs_format_exact). */
static char *ref_exact(double v, char buf[32])
{
	int prec;

	if (isnan(v)) {
		snprintf(buf, 32, "nan");
		return buf;
	}
	if (isinf(v)) {
		snprintf(buf, 32, "%s", v > 0 ? "inf" : "-inf");
		return buf;
	}
	for (prec = 15; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return buf;
}

static double random_double(void)
{
	uint64_t bits = (uint64_t)rnd() << 32 | rnd();
	char buf[64];
	double d;

	switch (rnd() % 5) {
	case 0: /* any bit pattern (NaNs and infinities included) */
		memcpy(&d, &bits, sizeof(d));
		return d;
	case 1: /* an integer, most in the fast path's range */
		return (double)((int64_t)bits >> (rnd() % 64));
	case 2: /* a binary fraction */
		return (double)((int)(rnd() % 200000) - 100000) /
		       (double)(1u << (rnd() % 20)) / 1000.0;
	case 3: /* a short decimal, as people type them, at any scale */
		snprintf(buf, sizeof(buf), "%s%.*se%d", rnd() % 2 ? "-" : "",
			 (int)(rnd() % 17 + 1), "1234567890123456789" + rnd() % 3,
			 (int)(rnd() % 40) - 30);
		return strtod(buf, NULL);
	default: /* around the integer fast path's edge, 1e15 */
		return (rnd() % 2 ? -1 : 1) *
		       (1e15 + (double)(int)(rnd() % 2001) - 1000.0) /
		       (rnd() % 2 ? 1 : 10);
	}
}

static void test_format(void)
{
	char buf[NUM_BUFSZ], ref[32];
	int i, diff = 0, rt = 0;

	/* %.10g: ten significant digits, trailing zeros dropped */
	is_str(num_format_value(0.1, buf), "0.1", "value 0.1");
	is_str(num_format_value(1.0 / 3, buf), "0.3333333333", "value 1/3");
	is_str(num_format_value(12345678901234.0, buf), "1.23456789e+13",
	       "value 12345678901234 (1.234567890e+13 less its zero)");
	is_str(num_format_value(-2.5e-7, buf), "-2.5e-07", "value -2.5e-7");
	is_str(num_format_value(NAN, buf), "nan", "value nan");
	is_str(num_format_value(-NAN, buf), "nan", "value -nan is nan");
	is_str(num_format_value(INFINITY, buf), "inf", "value inf");
	is_str(num_format_value(-INFINITY, buf), "-inf", "value -inf");

	/* %.15g first, then 16, then 17 digits, whichever reads back */
	is_str(num_format_exact(0.1, buf), "0.1", "exact 0.1");
	/* %.15g and %.16g both give 0.3, which is not 0.1 + 0.2 */
	is_str(num_format_exact(0.1 + 0.2, buf), "0.30000000000000004",
	       "exact 0.1 + 0.2");
	/* 1e23 is not a double; %.15g's 1e+23 reads back as the nearest */
	is_str(num_format_exact(1e23, buf), "1e+23", "exact 1e23");
	is_str(num_format_exact(-0.0, buf), "-0", "exact -0");
	is_str(num_format_exact(0.0, buf), "0", "exact 0");
	is_str(num_format_exact(123456, buf), "123456", "exact 123456");
	is_str(num_format_exact(-999999999999999.0, buf), "-999999999999999",
	       "exact -(1e15 - 1): fifteen digits, no exponent");
	is_str(num_format_exact(1e15, buf), "1e+15",
	       "exact 1e15: %.15g's exponent form");
	/* 2^53 has 16 digits: %.15g rounds it to 9.00719925474099e+15 */
	is_str(num_format_exact(9007199254740992.0, buf), "9007199254740992",
	       "exact 2^53");
	is_str(num_format_exact(DBL_MAX, buf), "1.7976931348623157e+308",
	       "exact DBL_MAX needs 17 digits");
	/* the short-decimal path: each of these reads back from %.15g */
	is_str(num_format_exact(12.5, buf), "12.5", "exact 12.5");
	is_str(num_format_exact(-0.00125, buf), "-0.00125", "exact -0.00125");
	is_str(num_format_exact(0.0001, buf), "0.0001",
	       "exact 1e-4: %g's last fixed form");
	is_str(num_format_exact(0.00001, buf), "1e-05",
	       "exact 1e-5: %g's exponent form, two exponent digits");
	is_str(num_format_exact(3.25e-7, buf), "3.25e-07", "exact 3.25e-7");
	is_str(num_format_exact(99999999999999.9, buf), "99999999999999.9",
	       "exact 99999999999999.9: fifteen digits");
	/* 1234567890.1234567 has 17 digits: %.15g and %.16g lose some */
	is_str(num_format_exact(1234567890.1234567, buf), "1234567890.1234567",
	       "exact 1234567890.1234567");
	is_str(num_format_exact(INFINITY, buf), "inf", "exact inf");
	is_str(num_format_exact(NAN, buf), "nan", "exact nan");

	for (i = 0; i < 400000; i++) {
		double d = random_double();

		num_format_exact(d, buf);
		ref_exact(d, ref);
		if (strcmp(buf, ref)) {
			if (diff++ < 5)
				printf("# %.17g: '%s', runs.c wrote '%s'\n", d,
				       buf, ref);
		}
		if (!isnan(d) && !same_double(strtod(buf, NULL), d))
			rt++;
	}
	ok(!diff, "400000 random doubles: num_format_exact is what runs.c "
		  "wrote");
	ok(!rt, "... and every one reads back exactly");

	is_str(num_format_int(0, buf), "0", "int 0");
	is_str(num_format_int(-1, buf), "-1", "int -1");
	is_str(num_format_int(INT64_MAX, buf), "9223372036854775807",
	       "int INT64_MAX");
	is_str(num_format_int(INT64_MIN, buf), "-9223372036854775808",
	       "int INT64_MIN");
	diff = 0;
	for (i = 0; i < 100000; i++) {
		int64_t v = (int64_t)((uint64_t)rnd() << 32 | rnd()) >>
			    (rnd() % 64);

		snprintf(ref, sizeof(ref), "%lld", (long long)v);
		if (strcmp(num_format_int(v, buf), ref))
			diff++;
	}
	ok(!diff, "100000 random int64s as printf writes them");
}

int main(void)
{
	test_parse_int();
	test_parse_float();
	test_json_len();
	test_format();
	return tap_done();
}
