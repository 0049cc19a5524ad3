/*
 * test-mltime.c - times and durations (lib/mltime.c).
 *
 * Reference epoch values were computed outside this test with python3:
 *
 *	from datetime import datetime, timezone, timedelta
 *	U = timezone.utc
 *	def us(dt):
 *		d = dt - datetime(1970, 1, 1, tzinfo=U)
 *		return (d.days * 86400 + d.seconds) * 10**6 + d.microseconds
 *	us(datetime(2026, 11, 26, tzinfo=U))	# 1795651200000000
 *
 * and the whole-second ones checked against GNU date, e.g.
 * `date -u -d 1900-01-01 +%s` (-2208988800).  Fractional durations
 * came from python3's Decimal: int(Decimal("0.123456789") * 604800 * 10**6).
 */
#include <stdint.h>
#include <stdlib.h>

#include "err.h"
#include "mltime.h"
#include "tap.h"

#define T2026 INT64_C(1795651200000000) /* 2026-11-26T00:00:00Z */
#define HOUR (INT64_C(3600) * 1000000)
#define MIN (INT64_C(60) * 1000000)
#define SEC INT64_C(1000000)
#define DAY (24 * HOUR)

static int64_t parse_ok(const char *s)
{
	int64_t t = INT64_C(-424242);

	if (mltime_parse_at(s, T2026, &t) < 0)
		printf("# unexpected error for '%s': %s\n", s, err_msg());
	return t;
}

static void time_is(const char *s, int64_t want)
{
	char name[160];

	snprintf(name, sizeof(name), "time '%s'", s);
	is_int(parse_ok(s), want, name);
}

/* Must fail, and the message must be `want` (NULL: any). */
/* A test name without control characters, which would break TAP. */
static const char *tapname(char *name)
{
	char *p;

	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = '?';
	return name;
}

static void time_bad(const char *s, const char *want)
{
	char name[160];
	int64_t t = 7;
	int r;

	err_clear();
	r = mltime_parse_at(s, T2026, &t);
	snprintf(name, sizeof(name), "time '%s' is refused", s);
	tapname(name);
	ok(r == -1 && t == 7 && err_code() == EXIT_USAGE, name);
	if (want) {
		snprintf(name, sizeof(name), "time '%s': message", s);
		tapname(name);
		is_str(err_msg(), want, name);
	}
}

static void dur_is(const char *s, int64_t want)
{
	char name[160];
	int64_t d = -1;

	snprintf(name, sizeof(name), "duration '%s'", s);
	if (mltime_parse_duration(s, &d) < 0)
		printf("# unexpected error: %s\n", err_msg());
	is_int(d, want, name);
}

static void dur_bad(const char *s, const char *want)
{
	char name[160];
	int64_t d = 7;
	int r;

	err_clear();
	r = mltime_parse_duration(s, &d);
	snprintf(name, sizeof(name), "duration '%s' is refused", s);
	ok(r == -1 && d == 7 && err_code() == EXIT_USAGE, name);
	if (want) {
		snprintf(name, sizeof(name), "duration '%s': message", s);
		is_str(err_msg(), want, name);
	}
}

static void value_is(const char *s, const char *fmt, int64_t want)
{
	char name[160];
	int64_t t = -424242;

	snprintf(name, sizeof(name), "value '%s' as %s", s,
		 fmt ? fmt : "(default)");
	if (mltime_parse_value(s, strlen(s), fmt, &t) < 0)
		printf("# unexpected error: %s\n", err_msg());
	is_int(t, want, name);
}

static void value_bad(const char *s, const char *fmt, const char *want)
{
	char name[160];
	int64_t t = 7;
	int r;

	err_clear();
	r = mltime_parse_value(s, strlen(s), fmt, &t);
	snprintf(name, sizeof(name), "value '%s' as %s is refused", s,
		 fmt ? fmt : "(default)");
	ok(r == -1 && t == 7 && err_code() == EXIT_USAGE, name);
	if (want) {
		snprintf(name, sizeof(name), "value '%s' as %s: message", s,
			 fmt ? fmt : "(default)");
		is_str(err_msg(), want, name);
	}
}

static void fmt_is(int64_t t, const char *want)
{
	char buf[MLTIME_BUFSZ], name[160];

	snprintf(name, sizeof(name), "format %lld", (long long)t);
	is_str(mltime_format(t, buf), want, name);
}

static void fmtdur_is(int64_t d, const char *want)
{
	char buf[MLTIME_BUFSZ], name[160];
	int64_t back = -1;

	snprintf(name, sizeof(name), "format duration %lld", (long long)d);
	is_str(mltime_format_duration(d, buf), want, name);
	if (d > 0) {
		snprintf(name, sizeof(name), "'%s' parses back", want);
		ok(mltime_parse_duration(buf, &back) == 0 && back <= d &&
			   back > d / 2,
		   name);
	}
}

static void test_iso(void)
{
	/* Every accepted form of the same instant. */
	time_is("2026-11-26", T2026);
	time_is("20261126", T2026);
	time_is("2026-11-26T00:00", T2026);
	time_is("2026-11-26T00:00:00Z", T2026);
	time_is("20261126T000000Z", T2026);
	time_is("20261126T0000", T2026);
	time_is("2026-11-26 00:00:00", T2026);
	time_is("2026-11-26t00:00:00z", T2026);
	time_is("2026-11-26T12:00", INT64_C(1795694400000000));
	time_is("2026-11-26T12:00:00Z", INT64_C(1795694400000000));
	time_is("20261126T120000Z", INT64_C(1795694400000000));
	time_is("20261126T12:00:00Z", INT64_C(1795694400000000));
	time_is("2026-11-26T1200", INT64_C(1795694400000000));
	time_is("2026-11-26T13:45:07Z", INT64_C(1795700707000000));
	time_is("20261126T134507", INT64_C(1795700707000000));

	/* Fractions: more than six digits are truncated. */
	time_is("2026-11-26 12:00:00.25", INT64_C(1795694400250000));
	time_is("2026-11-26T12:00:00,25Z", INT64_C(1795694400250000));
	time_is("2026-11-26T12:00:00.123456Z", INT64_C(1795694400123456));
	time_is("2026-11-26T12:00:00.1234569999Z", INT64_C(1795694400123456));
	time_is("20261126T120000.5", INT64_C(1795694400500000));
	time_is("2026-11-26T12:00:00.000001", INT64_C(1795694400000001));

	/* Offsets. */
	time_is("2026-11-26T12:00:00+01:00", INT64_C(1795690800000000));
	time_is("2026-11-26T12:00:00+0100", INT64_C(1795690800000000));
	time_is("2026-11-26T12:00:00+01", INT64_C(1795690800000000));
	time_is("2026-11-26T12:00+01", INT64_C(1795690800000000));
	time_is("20261126T1200+0100", INT64_C(1795690800000000));
	time_is("2026-11-26T12:00:00-05:00", INT64_C(1795712400000000));
	time_is("2026-11-26T12:00:00-05", INT64_C(1795712400000000));
	time_is("2026-11-26T12:00:00+05:30", INT64_C(1795674600000000));
	time_is("2026-11-26T12:00:00.25+05:30", INT64_C(1795674600250000));
	time_is("2026-11-26T12:00:00-00:00", INT64_C(1795694400000000));
	/* An offset that crosses midnight into the day before. */
	time_is("2026-11-26T00:30+01:00", T2026 - 30 * MIN);

	/* Before 1970, leap days, the calendar's edges. */
	time_is("1970-01-01T00:00:00Z", 0);
	time_is("1969-12-31T23:59:59", INT64_C(-1000000));
	time_is("1969-12-31T23:59:59.999999Z", -1);
	time_is("1900-01-01", INT64_C(-2208988800000000));
	time_is("1600-02-29", INT64_C(-11670998400000000));
	time_is("2000-02-29T06:30", INT64_C(951805800000000));
	time_is("2024-02-29", INT64_C(1709164800000000));
	time_is("0004-02-29", INT64_C(-62035891200000000));
	time_is("1066-10-14T09:00", INT64_C(-28502722800000000));
	time_is("1582-10-04", INT64_C(-12220243200000000));
	time_is("2038-01-19T03:14:08", INT64_C(2147483648000000));
	time_is("0001-01-01", MLTIME_MIN);
	time_is("0001-01-01T00:00:00Z", INT64_C(-62135596800000000));
	time_is("9999-12-31T23:59:59.999999", MLTIME_MAX);
	time_is("9999-12-31T23:59:59.999999Z", INT64_C(253402300799999999));
	/* A leap second reads as the next second. */
	time_is("2016-12-31T23:59:60Z", INT64_C(1483228800000000));

	/* Refused, with the reason. */
	time_bad("2026-13-01",
		 "invalid time '2026-13-01': month 13 out of range (01-12)");
	time_bad("2026-00-10",
		 "invalid time '2026-00-10': month 00 out of range (01-12)");
	time_bad("20261301", "invalid time '20261301': month 13 out of "
			     "range (01-12)");
	time_bad("2026-02-30", "invalid time '2026-02-30': day 30 out of "
			       "range for 2026-02");
	time_bad("2026-02-29", "invalid time '2026-02-29': day 29 out of "
			       "range for 2026-02");
	time_bad("1900-02-29", NULL);
	time_bad("2100-02-29", NULL);
	time_bad("2023-02-29", NULL);
	time_bad("2026-04-31", NULL);
	time_bad("2026-11-00", NULL);
	time_bad("2026-01-32", NULL);
	time_bad("0000-01-01", "invalid time '0000-01-01': year 0 out of "
			       "range (0001-9999)");
	time_bad("2026-11-26T25:00", "invalid time '2026-11-26T25:00': hour "
				     "25 out of range (00-23)");
	time_bad("2026-11-26T24:00", NULL);
	time_bad("2026-11-26T12:60", "invalid time '2026-11-26T12:60': "
				     "minute 60 out of range (00-59)");
	time_bad("2026-11-26T12:00:61", "invalid time '2026-11-26T12:00:61': "
					"second 61 out of range (00-60)");
	time_bad("2026-11-26T12:00+24:00", "invalid time "
		 "'2026-11-26T12:00+24:00': offset out of range (at most "
		 "23:59)");
	time_bad("2026-11-26T12:00+01:60", NULL);
	time_bad("2026-11-26T12", "invalid time '2026-11-26T12': expected "
				  "minutes after the hour");
	time_bad("2026-11-26T", "invalid time '2026-11-26T': expected a time "
				"like 12:00 after the date");
	time_bad("2026-11-26Z", "invalid time '2026-11-26Z': unexpected 'Z' "
				"after the date");
	time_bad("2026-11-26 ", NULL);
	time_bad(" 2026-11-26", NULL);
	time_bad("2026-11-26T12:00:00.Z", "invalid time "
		 "'2026-11-26T12:00:00.Z': expected digits after the decimal "
		 "point");
	time_bad("2026-11-26T12:00.5", NULL);
	time_bad("2026-11-26T12:00+1", "invalid time '2026-11-26T12:00+1': "
				       "expected an offset like +01:00");
	time_bad("2026-11-26T12:00+01:0", NULL);
	time_bad("2026-11-26T12:00Zjunk", "invalid time "
		 "'2026-11-26T12:00Zjunk': unexpected 'j' after the time");
	time_bad("2026-11-26T12:00:00 +01:00", NULL);
	time_bad("2026-1-5", "invalid time '2026-1-5': expected a date like "
			     "2026-11-26");
	time_bad("2026/11/26", NULL);
	time_bad("2026-11", NULL);
	time_bad("2026", NULL);
	time_bad("202611261", "invalid time '202611261': unexpected '1' "
			      "after the date");
	time_bad("", "invalid time '': empty");
	time_bad("abc", NULL);
	time_bad("yesterday", NULL);
	time_bad("2026-11-26\n", "invalid time '2026-11-26?': unexpected "
				 "\\x0a after the date");
	/* The offset must not push the time out of years 0001-9999. */
	time_bad("0001-01-01T00:00+01:00", "invalid time "
		 "'0001-01-01T00:00+01:00': out of range (years 0001-9999)");
	time_bad("9999-12-31T23:59-01:00", NULL);
	time_bad("9999-12-31T23:59:60Z", NULL);
}

static void test_hints(void)
{
	int64_t t;

	err_clear();
	ok(mltime_parse_at("1700000000", T2026, &t) < 0 && err_hint_msg() &&
		   !strcmp(err_hint_msg(),
			   "seconds since the epoch are written @1700000000"),
	   "a 10-digit number suggests @SECONDS");
	err_clear();
	ok(mltime_parse_at("7d", T2026, &t) < 0 && err_hint_msg() &&
		   !strcmp(err_hint_msg(),
			   "a time relative to now takes a sign: -7d"),
	   "an unsigned duration suggests a sign");
	err_clear();
	ok(mltime_parse_at("next week", T2026, &t) < 0 && err_hint_msg() &&
		   strstr(err_hint_msg(), "ISO 8601"),
	   "anything else lists the accepted forms");
	err_clear();
	ok(mltime_parse_at("2026-13-01", T2026, &t) < 0 && !err_hint_msg(),
	   "a range error has no hint");
}

static void test_epoch_now_relative(void)
{
	time_is("@0", 0);
	time_is("@1700000000", INT64_C(1700000000000000));
	time_is("@-1", -SEC);
	time_is("@+5", 5 * SEC);
	time_is("@1.5", 1500000);
	time_is("@-1.5", -1500000);
	time_is("@1700000000.123456789", INT64_C(1700000000123456));
	time_is("@-62135596800", MLTIME_MIN);
	/* A bare 8-digit number is a date, never epoch seconds. */
	time_bad("17000000", "invalid time '17000000': month 00 out of range "
			     "(01-12)");
	time_is("17000101", INT64_C(-8520336000000000)); /* 1700-01-01 */
	time_bad("@", "invalid time '@': not a number");
	time_bad("@abc", NULL);
	time_bad("@1e9", NULL);
	time_bad("@1.", NULL);
	time_bad("@ 5", NULL);
	time_bad("@-62135596801", "invalid time '@-62135596801': out of "
				  "range (years 0001-9999)");
	time_bad("@99999999999999999999999", NULL);

	time_is("now", T2026);
	time_is("-7d", T2026 - 7 * DAY);
	time_is("+2h", T2026 + 2 * HOUR);
	time_is("-90s", T2026 - 90 * SEC);
	time_is("-1w", T2026 - 7 * DAY);
	time_is("-1h30m", T2026 - 90 * MIN);
	time_is("now-1h30m", T2026 - 90 * MIN);
	time_is("now+1.5h", T2026 + 90 * MIN);
	time_is("-0s", T2026);
	time_bad("-", NULL);
	time_bad("now-", NULL);
	time_bad("now -1d", NULL);
	time_bad("Now", NULL);
	time_bad("-7x", "invalid time '-7x': unknown unit 'x' (use us, ms, "
			"s, m, h, d or w)");
	time_bad("-99999999d", "invalid time '-99999999d': out of range "
			       "(years 0001-9999)");
	time_bad("+99999999999999999999d", NULL);

	{
		int64_t a = mltime_now(), b;

		ok(mltime_parse("now", &b) == 0 && b >= a && b - a < 60 * SEC,
		   "mltime_parse(\"now\") is the current time");
		ok(a > INT64_C(1700000000000000), "the clock is past 2023");
	}
}

static void test_durations(void)
{
	dur_is("90s", 90 * SEC);
	dur_is("15m", 15 * MIN);
	dur_is("12h", 12 * HOUR);
	dur_is("30d", 30 * DAY);
	dur_is("2w", 14 * DAY);
	dur_is("1h30m", 90 * MIN);
	dur_is("30m1h", 90 * MIN);
	dur_is("1d2h3m4s5ms6us", DAY + 2 * HOUR + 3 * MIN + 4 * SEC + 5006);
	dur_is("1.5h", INT64_C(5400000000));
	dur_is("500ms", 500000);
	dur_is("250us", 250);
	dur_is("0", 0);
	dur_is("0s", 0);
	dur_is(".5s", 500000);
	dur_is("0.1s", 100000);
	dur_is("1.000001s", 1000001);
	dur_is("1.5us", 1);
	dur_is("1.9999999s", 1999999);
	dur_is("007m", 7 * MIN);
	/* Exact fractions of long units (python3 Decimal, truncated). */
	dur_is("0.123456789w", INT64_C(74666665987));
	dur_is("2.345678912d", INT64_C(202666657996));
	dur_is("0.3333333333m", INT64_C(19999999));
	dur_is("0.00000000000000000000000000001w", 0);
	dur_is("9223372036854775807us", INT64_MAX);

	dur_bad("", "invalid duration '': empty");
	dur_bad("90", "invalid duration '90': missing unit after the number "
		      "(us, ms, s, m, h, d or w)");
	dur_bad("-5m", "invalid duration '-5m': a duration cannot be "
		       "negative");
	dur_bad("+5m", NULL);
	dur_bad("5x", "invalid duration '5x': unknown unit 'x' (use us, ms, "
		      "s, m, h, d or w)");
	dur_bad("5u", NULL);
	dur_bad("5M", NULL);
	dur_bad("h", "invalid duration 'h': expected a number, not 'h'");
	dur_bad("1.h", NULL);
	dur_bad("1..5h", NULL);
	dur_bad("1.5.5h", NULL);
	dur_bad(".h", NULL);
	dur_bad("5 m", NULL);
	dur_bad("1h ", NULL);
	dur_bad("1h30", NULL);
	dur_bad("99999999999999999999s", "invalid duration "
		"'99999999999999999999s': too long");
	dur_bad("9223372036854775807us1us", NULL);
	dur_bad("15250285w", NULL); /* more than 2^63 microseconds */
	dur_bad("2.weeks", NULL);
	{
		int64_t d;

		err_clear();
		ok(mltime_parse_duration("2.weeks", &d) < 0 && err_hint_msg(),
		   "a bad duration has a hint");
	}
}

static void test_values(void)
{
	const char *row = "2026-11-26T12:00:00Z,next";
	int64_t t = 0;

	/* Not NUL-terminated: only `len` bytes are read. */
	ok(mltime_parse_value(row, 20, NULL, &t) == 0 &&
		   t == INT64_C(1795694400000000),
	   "a value is read within its length");
	ok(mltime_parse_value(row, 10, "iso", &t) == 0 && t == T2026,
	   "a prefix of a value is a date");
	value_bad("2026-11-26T12:00:00Z,", NULL, NULL);

	value_is("2026-11-26", NULL, T2026);
	value_is("20261126", "iso", T2026);
	value_is("2026-11-26 12:00:00.25+05:30", NULL,
		 INT64_C(1795674600250000));
	value_bad("now", NULL, NULL);
	value_bad("-7d", NULL, NULL);
	value_bad("@1700000000", NULL, NULL);
	value_bad("", NULL, "invalid time '': expected a date like 2026-11-26 "
			    "or 20261126");
	value_bad("2026-02-30", NULL, "invalid time '2026-02-30': day 30 out "
				      "of range for 2026-02");

	value_is("1700000000", "epoch", INT64_C(1700000000000000));
	value_is("1700000000.5", "epoch", INT64_C(1700000000500000));
	value_is("-1", "epoch", -SEC);
	value_is("+1", "epoch", SEC);
	value_is("0", "epoch", 0);
	value_is("-62135596800", "epoch", MLTIME_MIN);
	value_is("1700000000123", "epoch_ms", INT64_C(1700000000123000));
	value_is("1700000000123.456", "epoch_ms", INT64_C(1700000000123456));
	value_is("1700000000123456", "epoch_us", INT64_C(1700000000123456));
	value_is("1700000000123456.0", "epoch_us", INT64_C(1700000000123456));
	value_is("-5", "epoch_us", -5);
	value_bad("1.7e9", "epoch", "invalid time '1.7e9': not a number");
	value_bad("", "epoch", NULL);
	value_bad("-", "epoch", NULL);
	value_bad(" 1", "epoch", NULL);
	value_bad("253402300800", "epoch", "invalid time '253402300800': out "
					   "of range (years 0001-9999)");
	value_bad("9223372036854775808", "epoch_us", NULL);

	value_is("26/11/2026 12:00", "%d/%m/%Y %H:%M",
		 INT64_C(1795694400000000));
	value_is("2026-11-26 12:00 +0100", "%Y-%m-%d %H:%M %z",
		 INT64_C(1795690800000000));
	value_is("1969-12-31 23:59:59", "%Y-%m-%d %H:%M:%S", -SEC);
	value_is("2026-11", "%Y-%m", INT64_C(1793491200000000)); /* 11-01 */
	value_bad("30/02/2026", "%d/%m/%Y", "invalid time '30/02/2026': day "
					   "30 out of range for 2026-02");
	value_bad("2026-11-26", "%d/%m/%Y", "invalid time '2026-11-26': does "
					   "not match the format '%d/%m/%Y'");
	value_bad("26/11/2026 extra", "%d/%m/%Y", NULL);
	{
		/* A long value goes through the heap copy. */
		char longv[300];

		memset(longv, ' ', sizeof(longv));
		memcpy(longv + sizeof(longv) - 10, "26/11/2026", 10);
		ok(mltime_parse_value(longv, sizeof(longv), " %d/%m/%Y",
				      &t) == 0 && t == T2026,
		   "a value longer than the stack buffer");
		ok(mltime_parse_value("26/11\0/2026", 11, "%d/%m/%Y", &t) < 0,
		   "a NUL inside a value is refused");
	}

	value_bad("1700000000", "epochs",
		  "unknown time format 'epochs'");
	ok(mltime_check_format(NULL) == 0 && mltime_check_format("iso") == 0 &&
		   mltime_check_format("epoch_ms") == 0 &&
		   mltime_check_format("%Y") == 0,
	   "known formats pass the check");
	ok(mltime_check_format("unix") < 0 && err_code() == EXIT_USAGE &&
		   err_hint_msg(),
	   "an unknown format fails the check, with a hint");

	err_clear();
	ok(mltime_parse_value("1700000000", 10, NULL, &t) < 0 &&
		   err_hint_msg() && strstr(err_hint_msg(), "--time-format"),
	   "an epoch number in an ISO column hints at --time-format");
	err_clear();
	ok(mltime_parse_value("1700000000.25", 13, NULL, &t) < 0 &&
		   err_hint_msg(),
	   "the hint also for fractional epoch numbers");
	err_clear();
	ok(mltime_parse_value("tomorrow", 8, NULL, &t) < 0 && !err_hint_msg(),
	   "no epoch hint for words");
}

static void test_format(void)
{
	char buf[MLTIME_BUFSZ];

	fmt_is(0, "1970-01-01T00:00:00Z");
	fmt_is(INT64_C(1795694400250000), "2026-11-26T12:00:00.250000Z");
	fmt_is(INT64_C(1795694400000001), "2026-11-26T12:00:00.000001Z");
	fmt_is(-1, "1969-12-31T23:59:59.999999Z");
	fmt_is(-SEC, "1969-12-31T23:59:59Z");
	fmt_is(INT64_C(-2208988800000000), "1900-01-01T00:00:00Z");
	fmt_is(INT64_C(951805800000000), "2000-02-29T06:30:00Z");
	fmt_is(MLTIME_MIN, "0001-01-01T00:00:00Z");
	fmt_is(MLTIME_MAX, "9999-12-31T23:59:59.999999Z");
	fmt_is(MLTIME_MAX + 1, "+10000-01-01T00:00:00Z");
	fmt_is(MLTIME_MIN - DAY, "0000-12-31T00:00:00Z");
	/*
	 * The extremes of int64_t print without overflow; the dates are
	 * GNU date's: date -u -d @9223372036854 and @-9223372036855.
	 */
	fmt_is(INT64_MAX, "+294247-01-10T04:00:54.775807Z");
	fmt_is(INT64_MIN, "-290308-12-21T19:59:05.224192Z");
	ok(strlen(mltime_format(INT64_MIN, buf)) < MLTIME_BUFSZ,
	   "INT64_MIN fits the buffer");

	fmtdur_is(0, "0s");
	fmtdur_is(250, "250us");
	fmtdur_is(850000, "850ms");
	fmtdur_is(999999, "999ms");
	fmtdur_is(42 * SEC, "42s");
	fmtdur_is(42 * SEC + 999999, "42s");
	fmtdur_is(192 * SEC, "3m12s");
	fmtdur_is(185 * SEC, "3m05s");
	fmtdur_is(2 * HOUR + 5 * MIN + 59 * SEC, "2h05m");
	fmtdur_is(3 * DAY + 4 * HOUR + 59 * MIN, "3d4h");
	fmtdur_is(400 * DAY, "400d0h");
	fmtdur_is(-90 * SEC, "-1m30s");
	ok(strlen(mltime_format_duration(INT64_MIN, buf)) < MLTIME_BUFSZ,
	   "INT64_MIN formats as a duration");
}

/* Parse the format of many times back: the calendar maths agree. */
static void test_round_trips(void)
{
	uint64_t x = 88172645463325252u;
	int i, bad = 0;
	int64_t span = MLTIME_MAX - MLTIME_MIN, day, prev_y = 0;
	struct mltime_tm tm, prev = { 0, 0, 0, 0, 0, 0, 0 };

	for (i = 0; i < 200000; i++) {
		char buf[MLTIME_BUFSZ];
		int64_t t, back = 0;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = MLTIME_MIN + (int64_t)(x % (uint64_t)span);
		if (i % 3 == 0)
			t -= t % SEC; /* whole seconds too */
		mltime_format(t, buf);
		if (mltime_parse_value(buf, strlen(buf), NULL, &back) < 0 ||
		    back != t) {
			if (bad++ < 5)
				printf("# %lld -> %s -> %lld\n", (long long)t,
				       buf, (long long)back);
		}
	}
	is_int(bad, 0, "200000 random times survive format and parse");

	/*
	 * Every day of years 0001-9999: consecutive days split into
	 * consecutive dates, and join back to the same time.
	 */
	bad = 0;
	for (day = MLTIME_MIN / DAY; day <= MLTIME_MAX / DAY; day++) {
		int64_t back;
		int next;

		mltime_split(day * DAY, &tm);
		next = day != MLTIME_MIN / DAY &&
		       ((tm.day == prev.day + 1 && tm.month == prev.month &&
			 tm.year == prev.year) ||
			(tm.day == 1 && tm.month == prev.month + 1 &&
			 tm.year == prev.year) ||
			(tm.day == 1 && tm.month == 1 && prev.month == 12 &&
			 prev.day == 31 && tm.year == prev.year + 1));
		if (day != MLTIME_MIN / DAY && !next)
			bad++;
		/* A month ends where it should: Feb 29 only in leap years. */
		if (tm.day == 1 && day != MLTIME_MIN / DAY) {
			int leap = (prev.year % 4 == 0 && prev.year % 100 != 0) ||
				   prev.year % 400 == 0;
			static const int dim[] = { 31, 28, 31, 30, 31, 30,
						   31, 31, 30, 31, 30, 31 };
			int want = dim[prev.month - 1] +
				   (prev.month == 2 && leap);

			if (prev.day != want)
				bad++;
		}
		if (mltime_join(&tm, &back) < 0 || back != day * DAY ||
		    tm.hour || tm.min || tm.sec || tm.usec)
			bad++;
		prev = tm;
		prev_y = tm.year;
	}
	is_int(bad, 0, "every day from 0001-01-01 to 9999-12-31");
	is_int(prev_y, 9999, "the last day is in 9999");
	is_int(MLTIME_MAX / DAY - MLTIME_MIN / DAY + 1, 3652059,
	       "3652059 days in years 0001-9999");

	tm = (struct mltime_tm){ 2026, 2, 29, 0, 0, 0, 0 };
	ok(mltime_join(&tm, &day) < 0, "mltime_join checks the day");
	tm = (struct mltime_tm){ 2026, 11, 26, 0, 0, 0, 1000000 };
	ok(mltime_join(&tm, &day) < 0, "mltime_join checks the fraction");
}

/* The end of a window: a bare date covers its whole day. */
static void test_window_end(void)
{
	int64_t t, d;

	ok(!mltime_parse("2026-11-26", &d) && !mltime_parse_end("2026-11-26", &t) &&
	   t == d + 86400 * MLTIME_US_PER_SEC - 1, "end: a date is its last us");
	ok(!mltime_parse_end("20261126", &t) &&
	   t == d + 86400 * MLTIME_US_PER_SEC - 1, "end: a basic date too");
	ok(!mltime_parse_end("2026-11-26T00:00:00Z", &t) && t == d,
	   "end: a time is itself");
	ok(mltime_parse_end("2026-13-01", &t) < 0, "end: bad dates fail");
}

int main(void)
{
	test_window_end();
	test_iso();
	test_hints();
	test_epoch_now_relative();
	test_durations();
	test_values();
	test_format();
	test_round_trips();
	return tap_done();
}
