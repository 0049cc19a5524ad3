/* mltime.c - see mltime.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "mltime.h"

#define US_PER_SEC MLTIME_US_PER_SEC
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)

/*
 * A parser's reason for refusing, filled only on failure (left
 * uninitialised by callers: zeroing it would cost more than a parse).
 */
struct why {
	char msg[160];
	int range; /* well-formed but out of range: no hint about forms */
};

#define FAIL(w, ...)                                                           \
	do {                                                                   \
		snprintf((w)->msg, sizeof((w)->msg), __VA_ARGS__);             \
		(w)->range = 0;                                                \
		return -1;                                                     \
	} while (0)

#define FAIL_RANGE(w, ...)                                                     \
	do {                                                                   \
		snprintf((w)->msg, sizeof((w)->msg), __VA_ARGS__);             \
		(w)->range = 1;                                                \
		return -1;                                                     \
	} while (0)

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const unsigned char dim[12] = { 31, 28, 31, 30, 31, 30,
					       31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/*
 * Days since 1970-01-01 of a date in the proleptic Gregorian calendar.
 * The year is counted from March, so that a leap day is the last day of
 * its year; a 400-year era has exactly 146097 days.
 */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;				 /* 0..399 */
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* 0..365 */
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	 /* 0..146096 */
	return era * 146097 + doe - 719468;		 /* 719468: 0000-03-01 */
}

/* The inverse of days_from_civil(). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153; /* 0 = March */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* Read exactly `n` digits. */
static int read_digits(const char **pp, const char *end, int n, int *val)
{
	const char *p = *pp;
	int v = 0, i;

	if (end - p < n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*val = v;
	return 0;
}

/* A byte for a message: itself when printable, else a description. */
static const char *show_char(int c, char buf[8])
{
	unsigned char u = (unsigned char)c;

	if (u >= 0x20 && u < 0x7f)
		snprintf(buf, 8, "'%c'", u);
	else
		snprintf(buf, 8, "\\x%02x", u);
	return buf;
}

/* A value for a message: at most 60 bytes, control bytes as '?'. */
static const char *show(const char *s, size_t len, char buf[80])
{
	size_t i, n = len > 60 ? 60 : len;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (n < len) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return buf;
}

static int check_fields(const struct mltime_tm *tm, struct why *w)
{
	if (tm->year < 1 || tm->year > 9999)
		FAIL_RANGE(w, "year %d out of range (0001-9999)", tm->year);
	if (tm->month < 1 || tm->month > 12)
		FAIL_RANGE(w, "month %02d out of range (01-12)", tm->month);
	if (tm->day < 1 || tm->day > days_in_month(tm->year, tm->month))
		FAIL_RANGE(w, "day %02d out of range for %04d-%02d", tm->day,
			   tm->year, tm->month);
	if (tm->hour < 0 || tm->hour > 23)
		FAIL_RANGE(w, "hour %02d out of range (00-23)", tm->hour);
	if (tm->min < 0 || tm->min > 59)
		FAIL_RANGE(w, "minute %02d out of range (00-59)", tm->min);
	if (tm->sec < 0 || tm->sec > 60)
		FAIL_RANGE(w, "second %02d out of range (00-60)", tm->sec);
	if (tm->usec < 0 || tm->usec >= US_PER_SEC)
		FAIL_RANGE(w, "fraction of a second out of range");
	return 0;
}

/* Fields already checked; never overflows for years 1..9999. */
static int64_t fields_to_time(const struct mltime_tm *tm)
{
	int64_t secs = days_from_civil(tm->year, tm->month, tm->day) * 86400 +
		       tm->hour * 3600 + tm->min * 60 + tm->sec;

	return secs * US_PER_SEC + tm->usec;
}

static int check_range(int64_t t, struct why *w)
{
	if (t < MLTIME_MIN || t > MLTIME_MAX)
		FAIL_RANGE(w, "out of range (years 0001-9999)");
	return 0;
}

/* ISO 8601, extended or basic; see mltime.h.  The hot path of ingest. */
static int parse_iso(const char *s, size_t len, int64_t *out, struct why *w)
{
	const char *p = s, *end = s + len;
	struct mltime_tm tm = { 0, 0, 0, 0, 0, 0, 0 };
	int64_t off = 0, t;
	char cb[8];

	if (read_digits(&p, end, 4, &tm.year) < 0)
		FAIL(w, "expected a date like 2026-11-26 or 20261126");
	if (p < end && *p == '-') {
		p++;
		if (read_digits(&p, end, 2, &tm.month) < 0 || p == end ||
		    *p++ != '-' || read_digits(&p, end, 2, &tm.day) < 0)
			FAIL(w, "expected a date like 2026-11-26");
	} else if (read_digits(&p, end, 2, &tm.month) < 0 ||
		   read_digits(&p, end, 2, &tm.day) < 0) {
		FAIL(w, "expected a date like 2026-11-26 or 20261126");
	}

	if (p < end) {
		int ext;

		if (*p != 'T' && *p != 't' && *p != ' ')
			FAIL(w, "unexpected %s after the date",
			     show_char(*p, cb));
		p++;
		if (read_digits(&p, end, 2, &tm.hour) < 0)
			FAIL(w, "expected a time like 12:00 after the date");
		ext = p < end && *p == ':';
		if (ext)
			p++;
		if (read_digits(&p, end, 2, &tm.min) < 0)
			FAIL(w, "expected minutes after the hour");
		if (ext ? p < end && *p == ':'
			: end - p >= 2 && is_digit(p[0]) && is_digit(p[1])) {
			p += ext;
			if (read_digits(&p, end, 2, &tm.sec) < 0)
				FAIL(w, "expected seconds after the minutes");
			if (p < end && (*p == '.' || *p == ',')) {
				int n = 0;

				if (++p == end || !is_digit(*p))
					FAIL(w, "expected digits after the "
						"decimal point");
				for (; p < end && is_digit(*p); p++) {
					if (n < 6) {
						tm.usec = tm.usec * 10 +
							  (*p - '0');
						n++;
					}
				}
				for (; n < 6; n++)
					tm.usec *= 10;
			}
		}
		if (p < end && (*p == 'Z' || *p == 'z')) {
			p++;
		} else if (p < end && (*p == '+' || *p == '-')) {
			int neg = *p++ == '-', oh, om = 0;

			if (read_digits(&p, end, 2, &oh) < 0)
				FAIL(w, "expected an offset like +01:00");
			if (p < end && *p == ':') {
				p++;
				if (read_digits(&p, end, 2, &om) < 0)
					FAIL(w, "expected an offset like "
						"+01:00");
			} else if (p < end && is_digit(*p) &&
				   read_digits(&p, end, 2, &om) < 0) {
				FAIL(w, "expected an offset like +0100");
			}
			if (oh > 23 || om > 59)
				FAIL_RANGE(w, "offset out of range (at most "
					      "23:59)");
			off = (oh * 60 + om) * 60;
			if (neg)
				off = -off;
		}
		if (p < end)
			FAIL(w, "unexpected %s after the time",
			     show_char(*p, cb));
	}
	if (check_fields(&tm, w) < 0)
		return -1;
	t = fields_to_time(&tm) - off * US_PER_SEC;
	if (check_range(t, w) < 0)
		return -1;
	*out = t;
	return 0;
}

/*
 * Scan an unsigned decimal number, digits with an optional fraction
 * (at least one digit in all), and scale it by `unit` (microseconds per
 * 1), truncating toward zero.  The fraction is evaluated exactly in
 * integers from its last digit back: x = floor((digit * unit + x) / 10)
 * at each step, which equals floor(unit * 0.d1d2...dn) because
 * floor((a + floor(y)) / 10) = floor((a + y) / 10) for an integer a;
 * x stays below `unit`, so nothing overflows.  Returns 0, -1 when there
 * is no number, -2 on overflow.
 */
static int scan_number(const char **pp, const char *end, int64_t unit,
		       int64_t *out)
{
	const char *p = *pp, *q;
	int64_t ip = 0, frac = 0, v;
	int nd = 0, ovf = 0;

	for (; p < end && is_digit(*p); p++, nd++)
		if (!ovf && (__builtin_mul_overflow(ip, 10, &ip) ||
			     __builtin_add_overflow(ip, *p - '0', &ip)))
			ovf = 1;
	if (p < end && *p == '.') {
		const char *first = p + 1;

		for (q = first; q < end && is_digit(*q); q++)
			;
		if (q == first)
			return -1;
		p = q;
		while (q-- > first)
			frac = ((*q - '0') * unit + frac) / 10;
	}
	if (!nd && p == *pp)
		return -1;
	if (ovf || __builtin_mul_overflow(ip, unit, &v) ||
	    __builtin_add_overflow(v, frac, &v))
		return -2;
	*pp = p;
	*out = v;
	return 0;
}

/* A signed decimal number scaled by `unit`; the whole of [s, s+len). */
static int parse_signed(const char *s, size_t len, int64_t unit, int64_t *out,
			struct why *w)
{
	const char *p = s, *end = s + len;
	int neg = 0, r;
	int64_t v;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	r = scan_number(&p, end, unit, &v);
	if (r == -2)
		FAIL_RANGE(w, "out of range (years 0001-9999)");
	if (r < 0 || p != end)
		FAIL(w, "not a number");
	if (neg)
		v = -v;
	return check_range(v, w) < 0 ? -1 : (*out = v, 0);
}

static int parse_duration_n(const char *s, size_t len, int64_t *out,
			    struct why *w)
{
	const char *p = s, *end = s + len;
	int64_t total = 0;
	char cb[8];

	if (!len)
		FAIL(w, "empty");
	if (len == 1 && *s == '0') {
		*out = 0;
		return 0;
	}
	while (p < end) {
		const char *q = p;
		int64_t unit, v;
		int ulen = 1, r;

		while (q < end && (is_digit(*q) || *q == '.'))
			q++;
		if (q == p)
			FAIL(w, "expected a number, not %s", show_char(*p, cb));
		if (q == end)
			FAIL(w, "missing unit after the number "
				"(us, ms, s, m, h, d or w)");
		switch (*q) {
		case 'u':
			if (q + 1 == end || q[1] != 's')
				FAIL(w, "unknown unit 'u' (did you mean us?)");
			unit = 1;
			ulen = 2;
			break;
		case 'm':
			if (q + 1 < end && q[1] == 's') {
				unit = 1000;
				ulen = 2;
			} else {
				unit = 60 * US_PER_SEC;
			}
			break;
		case 's':
			unit = US_PER_SEC;
			break;
		case 'h':
			unit = 3600 * US_PER_SEC;
			break;
		case 'd':
			unit = US_PER_DAY;
			break;
		case 'w':
			unit = 7 * US_PER_DAY;
			break;
		default:
			FAIL(w, "unknown unit %s (use us, ms, s, m, h, d or w)",
			     show_char(*q, cb));
		}
		r = scan_number(&p, q, unit, &v);
		if (r == -2 || (!r && __builtin_add_overflow(total, v, &total)))
			FAIL_RANGE(w, "too long");
		if (r < 0 || p != q)
			FAIL(w, "not a number before the unit");
		p = q + ulen;
	}
	*out = total;
	return 0;
}

int64_t mltime_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * US_PER_SEC + ts.tv_nsec / 1000;
}

int mltime_parse_duration(const char *s, int64_t *out)
{
	struct why w;
	char sb[80];

	if (*s == '-')
		return error_input("invalid duration '%s': a duration cannot "
				   "be negative", show(s, strlen(s), sb));
	if (parse_duration_n(s, strlen(s), out, &w) < 0) {
		error_input("invalid duration '%s': %s", show(s, strlen(s), sb),
			    w.msg);
		if (!w.range)
			err_hint("durations are a number and a unit, "
				 "us, ms, s, m, h, d or w: 90s, 15m, 1h30m");
		return -1;
	}
	return 0;
}

static int all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return 0;
	return len > 0;
}

int mltime_parse_at(const char *s, int64_t now, int64_t *out)
{
	struct why w;
	size_t len = strlen(s);
	const char *rel = NULL;
	char sb[80];
	int64_t d;

	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (!strncmp(s, "now", 3) && (s[3] == '+' || s[3] == '-'))
		rel = s + 3;
	else if (*s == '+' || *s == '-')
		rel = s;
	if (rel) {
		int64_t t;

		if (parse_duration_n(rel + 1, strlen(rel + 1), &d, &w) < 0)
			goto fail;
		if (*rel == '-' ? __builtin_sub_overflow(now, d, &t)
				: __builtin_add_overflow(now, d, &t))
			t = *rel == '-' ? INT64_MIN : INT64_MAX;
		if (check_range(t, &w) < 0)
			goto fail;
		*out = t;
		return 0;
	}
	if (*s == '@') {
		if (parse_signed(s + 1, len - 1, US_PER_SEC, out, &w) < 0)
			goto fail;
		return 0;
	}
	if (!len) {
		snprintf(w.msg, sizeof(w.msg), "empty");
		w.range = 0;
		goto fail;
	}
	if (parse_iso(s, len, out, &w) < 0)
		goto fail;
	return 0;

fail:
	error_input("invalid time '%s': %s", show(s, len, sb), w.msg);
	if (w.range)
		return -1;
	if (all_digits(s, len) && len != 8)
		err_hint("seconds since the epoch are written @%s", sb);
	else if (!rel && is_digit(*s) && parse_duration_n(s, len, &d, &w) == 0)
		err_hint("a time relative to now takes a sign: -%s", sb);
	else
		err_hint("times are ISO 8601 (2026-11-26, "
			 "2026-11-26T12:00:00Z), @SECONDS, now, or relative "
			 "to now (-7d, +2h)");
	return -1;
}

int mltime_parse(const char *s, int64_t *out)
{
	return mltime_parse_at(s, mltime_now(), out);
}

/* Is s a bare date, YYYY-MM-DD or YYYYMMDD? */
static int date_only(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 8)
		return strspn(s, "0123456789") == 8;
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (i = 0; i < n; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

int mltime_parse_end(const char *s, int64_t *out)
{
	if (mltime_parse(s, out) < 0)
		return -1;
	if (date_only(s))
		*out += 86400 * MLTIME_US_PER_SEC - 1;
	return 0;
}

static int parse_pattern(const char *s, size_t len, const char *fmt,
			 int64_t *out, struct why *w)
{
	char small[128], *buf = small;
	const char *end;
	struct tm tm;
	struct mltime_tm mt;
	int64_t t;
	int ret = -1;

	if (memchr(s, '\0', len))
		FAIL(w, "does not match the format '%s'", fmt);
	if (len >= sizeof(small))
		buf = xmalloc(len + 1);
	memcpy(buf, s, len);
	buf[len] = '\0';

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 70;
	tm.tm_mday = 1;
	end = strptime(buf, fmt, &tm);
	if (!end || *end) {
		snprintf(w->msg, sizeof(w->msg),
			 "does not match the format '%s'", fmt);
		w->range = 0;
		goto out;
	}
	mt.year = tm.tm_year + 1900;
	mt.month = tm.tm_mon + 1;
	mt.day = tm.tm_mday;
	mt.hour = tm.tm_hour;
	mt.min = tm.tm_min;
	mt.sec = tm.tm_sec;
	mt.usec = 0;
	if (check_fields(&mt, w) < 0)
		goto out;
	t = fields_to_time(&mt) - (int64_t)tm.tm_gmtoff * US_PER_SEC;
	if (check_range(t, w) < 0)
		goto out;
	*out = t;
	ret = 0;
out:
	if (buf != small)
		free(buf);
	return ret;
}

int mltime_check_format(const char *fmt)
{
	if (!fmt || !strcmp(fmt, "iso") || !strcmp(fmt, "epoch") ||
	    !strcmp(fmt, "epoch_ms") || !strcmp(fmt, "epoch_us") ||
	    strchr(fmt, '%'))
		return 0;
	error_input("unknown time format '%s'", fmt);
	err_hint("use iso, epoch, epoch_ms, epoch_us or a strptime pattern "
		 "such as '%%d/%%m/%%Y %%H:%%M'");
	return -1;
}

/* A plain decimal number, as epoch columns hold: [+-]digits[.digits]. */
static int looks_numeric(const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	int64_t v;

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	return scan_number(&p, end, 1, &v) != -1 && p == end;
}

int mltime_parse_value(const char *s, size_t len, const char *fmt,
		       int64_t *out)
{
	struct why w;
	char sb[80];
	int r;

	if (!fmt || (fmt[0] == 'i' && !strcmp(fmt, "iso")))
		r = parse_iso(s, len, out, &w);
	else if (!strcmp(fmt, "epoch"))
		r = parse_signed(s, len, US_PER_SEC, out, &w);
	else if (!strcmp(fmt, "epoch_ms"))
		r = parse_signed(s, len, 1000, out, &w);
	else if (!strcmp(fmt, "epoch_us"))
		r = parse_signed(s, len, 1, out, &w);
	else if (strchr(fmt, '%'))
		r = parse_pattern(s, len, fmt, out, &w);
	else
		return mltime_check_format(fmt);
	if (!r)
		return 0;
	error_input("invalid time '%s': %s", show(s, len, sb), w.msg);
	if ((!fmt || !strcmp(fmt, "iso")) && !w.range && looks_numeric(s, len))
		err_hint("if the column holds seconds since the epoch, say so "
			 "with --time-format epoch (or epoch_ms, epoch_us)");
	return -1;
}

static char *put_digits(char *p, int64_t v, int width)
{
	int i;

	for (i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void mltime_split(int64_t t, struct mltime_tm *tm)
{
	int64_t days = t / US_PER_DAY, rem = t % US_PER_DAY, y;

	if (rem < 0) {
		rem += US_PER_DAY;
		days--;
	}
	civil_from_days(days, &y, &tm->month, &tm->day);
	tm->year = (int)y;
	tm->usec = (int)(rem % US_PER_SEC);
	rem /= US_PER_SEC;
	tm->hour = (int)(rem / 3600);
	tm->min = (int)(rem / 60 % 60);
	tm->sec = (int)(rem % 60);
}

int mltime_join(const struct mltime_tm *tm, int64_t *out)
{
	struct why w;
	int64_t t;

	if (check_fields(tm, &w) < 0)
		return error_input("invalid time: %s", w.msg);
	t = fields_to_time(tm);
	if (check_range(t, &w) < 0)
		return error_input("invalid time: %s", w.msg);
	*out = t;
	return 0;
}

char *mltime_format(int64_t t, char buf[MLTIME_BUFSZ])
{
	struct mltime_tm tm;
	char *p = buf;

	mltime_split(t, &tm);
	if (tm.year >= 0 && tm.year <= 9999) {
		p = put_digits(p, tm.year, 4);
	} else {
		int n = snprintf(p, 16, "%+05d", tm.year);

		p += n > 0 ? n : 0;
	}
	*p++ = '-';
	p = put_digits(p, tm.month, 2);
	*p++ = '-';
	p = put_digits(p, tm.day, 2);
	*p++ = 'T';
	p = put_digits(p, tm.hour, 2);
	*p++ = ':';
	p = put_digits(p, tm.min, 2);
	*p++ = ':';
	p = put_digits(p, tm.sec, 2);
	if (tm.usec) {
		*p++ = '.';
		p = put_digits(p, tm.usec, 6);
	}
	*p++ = 'Z';
	*p = '\0';
	return buf;
}

char *mltime_format_duration(int64_t us, char buf[MLTIME_BUFSZ])
{
	uint64_t u = us < 0 ? -(uint64_t)us : (uint64_t)us, s;
	const char *sign = us < 0 ? "-" : "";

	s = u / US_PER_SEC;
	if (!u)
		snprintf(buf, MLTIME_BUFSZ, "0s");
	else if (u < 1000)
		snprintf(buf, MLTIME_BUFSZ, "%s%uus", sign, (unsigned)u);
	else if (u < (uint64_t)US_PER_SEC)
		snprintf(buf, MLTIME_BUFSZ, "%s%ums", sign, (unsigned)(u / 1000));
	else if (s < 60)
		snprintf(buf, MLTIME_BUFSZ, "%s%us", sign, (unsigned)s);
	else if (s < 3600)
		snprintf(buf, MLTIME_BUFSZ, "%s%um%02us", sign,
			 (unsigned)(s / 60), (unsigned)(s % 60));
	else if (s < 86400)
		snprintf(buf, MLTIME_BUFSZ, "%s%uh%02um", sign,
			 (unsigned)(s / 3600), (unsigned)(s / 60 % 60));
	else
		snprintf(buf, MLTIME_BUFSZ, "%s%llud%uh", sign,
			 (unsigned long long)(s / 86400),
			 (unsigned)(s / 3600 % 24));
	return buf;
}
