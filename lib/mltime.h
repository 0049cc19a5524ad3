/*
 * mltime.h - times and durations as every tool accepts and prints them.
 *
 * A time is an int64_t count of UTC microseconds since the Unix epoch.
 * Accepted forms (DESIGN.md, command-line conventions):
 *   - ISO 8601, extended or basic: 2026-11-26, 20261126, 2026-11-26T12:00,
 *     2026-11-26T12:00:00Z, 20261126T120000Z, 2026-11-26 12:00:00.25,
 *     fractions of a second (up to microseconds; more digits are
 *     truncated), offsets Z, +01, +0100, +01:00, -05:00.  No zone means UTC.
 *     A bare 8-digit number is a basic date, never epoch seconds.
 *   - @SECONDS since the epoch, as GNU date writes it (fraction allowed).
 *   - now
 *   - relative to now: -7d, +2h, -90s, -1w (units of mltime_parse_duration).
 * Durations: a number and a unit, us, ms, s, m, h, d, w ("90s", "15m",
 * "12h", "30d", "1.5h"); several may be chained ("1h30m").
 *
 * Every parser returns 0, or -1 with error_input() naming the text.
 *
 * The details, for the man pages:
 *   - The date is YYYY-MM-DD or YYYYMMDD, year 0001 to 9999 (proleptic
 *     Gregorian calendar).  The time, after "T", "t" or one space, is
 *     hh:mm, hh:mm:ss, hhmm or hhmmss, with a fraction after the seconds
 *     ("." or ","); the minutes are required.  The extended and basic
 *     forms of date and time may be mixed.  Ranges are checked: month
 *     01-12, the day against the month (leap years included), hour 00-23
 *     (24:00 is refused), minute 00-59, second 00-60: a leap second
 *     23:59:60 reads as the next second, as POSIX time has none.  An
 *     offset is Z (or z), +hh, +hhmm or +hh:mm with hh 00-23; it may
 *     follow a time, not a bare date.
 *   - Every time parsed must lie within MLTIME_MIN .. MLTIME_MAX, years
 *     0001 to 9999 in UTC, after the offset is applied.
 *   - "now+1h" and "now-7d" are accepted as well as "+1h" and "-7d".
 *   - Fractions of durations and epoch numbers are truncated toward zero
 *     to whole microseconds ("1.5us" is 1us).
 */
#ifndef MLREPO_MLTIME_H
#define MLREPO_MLTIME_H

#include <stddef.h>
#include <stdint.h>

#define MLTIME_US_PER_SEC INT64_C(1000000)

/* 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999Z. */
#define MLTIME_MIN INT64_C(-62135596800000000)
#define MLTIME_MAX INT64_C(253402300799999999)

/* The current time. */
int64_t mltime_now(void);

/* Parse a time given on the command line. */
int mltime_parse(const char *s, int64_t *out);
/* The same, with `now` given (for relative times; used by tests). */
int mltime_parse_at(const char *s, int64_t now, int64_t *out);

/*
 * Parse the end TO of a time window FROM..TO (--to), which includes both
 * ends: as mltime_parse(), but a bare date (2026-11-26, 20261126) is the
 * last microsecond of that day, so that the window covers the whole day
 * (DESIGN.md).
 */
int mltime_parse_end(const char *s, int64_t *out);

/* Parse a duration into microseconds (never negative). */
int mltime_parse_duration(const char *s, int64_t *out);

/*
 * Parse a time held in a data column, `len` bytes at `s` (not
 * NUL-terminated).  `fmt` is NULL or "iso" (ISO 8601 as above, without
 * "now", @SECONDS and relative forms), "epoch", "epoch_ms", "epoch_us"
 * (decimal numbers with an optional sign; a fraction is allowed and
 * truncated to microseconds), or a strptime(3) pattern (it contains a
 * '%'), read as UTC: %z in the pattern is honoured, and the fields are
 * range-checked as for ISO times, not normalised.  Patterns cannot read
 * fractions of a second.  Returns 0 or -1 with error_input() naming the
 * value.  The ISO and epoch forms are parsed by hand, without locale or
 * allocation: this is called once per row of large files.
 */
int mltime_parse_value(const char *s, size_t len, const char *fmt,
		       int64_t *out);

/*
 * Check a --time-format argument once, before reading rows: 0 when `fmt`
 * is NULL, a known name or a pattern with a '%'; else -1 via
 * error_input().
 */
int mltime_check_format(const char *fmt);

#define MLTIME_BUFSZ 40
/*
 * Format as ISO 8601 UTC with "Z": 2026-11-26T12:00:00Z, with a fraction
 * (.250000) only when it is not zero.  Writes into `buf` and returns it.
 * Times outside MLTIME_MIN..MLTIME_MAX are printed with a signed,
 * expanded year (+10000-01-01T00:00:00Z).
 */
char *mltime_format(int64_t t, char buf[MLTIME_BUFSZ]);
/*
 * Format a duration as the shortest of "850ms", "42s", "3m12s", "2h05m",
 * "3d4h" (truncated, not rounded; under a millisecond "250us", zero "0s",
 * negative durations with a leading "-").  The result parses back with
 * mltime_parse_duration().
 */
char *mltime_format_duration(int64_t us, char buf[MLTIME_BUFSZ]);

/* A time split into its UTC calendar fields (month 1-12, day 1-31). */
struct mltime_tm {
	int year, month, day, hour, min, sec, usec;
};
/* Split `t` into calendar fields (any int64_t value). */
void mltime_split(int64_t t, struct mltime_tm *tm);
/*
 * Join calendar fields into a time; the fields are range-checked as for
 * ISO input (second 60 allowed).  Returns 0, or -1 via error_input().
 */
int mltime_join(const struct mltime_tm *tm, int64_t *out);

#endif
