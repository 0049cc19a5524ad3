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
 */
#ifndef MLREPO_MLTIME_H
#define MLREPO_MLTIME_H

#include <stddef.h>
#include <stdint.h>

#define MLTIME_US_PER_SEC INT64_C(1000000)

/* The current time. */
int64_t mltime_now(void);

/* Parse a time given on the command line. */
int mltime_parse(const char *s, int64_t *out);
/* The same, with `now` given (for relative times; used by tests). */
int mltime_parse_at(const char *s, int64_t now, int64_t *out);

/* Parse a duration into microseconds (never negative). */
int mltime_parse_duration(const char *s, int64_t *out);

/*
 * Parse a time held in a data column, `len` bytes at `s` (not
 * NUL-terminated).  `fmt` is NULL or "iso" (ISO 8601 as above, without
 * "now" and relative forms), "epoch", "epoch_ms", "epoch_us" (numbers,
 * fractions allowed for epoch and epoch_ms), or a strptime(3) pattern
 * (read as UTC).  Returns 0 or -1 with error_input() naming the value.
 */
int mltime_parse_value(const char *s, size_t len, const char *fmt,
		       int64_t *out);

#define MLTIME_BUFSZ 40
/*
 * Format as ISO 8601 UTC with "Z": 2026-11-26T12:00:00Z, with a fraction
 * (.250000) only when it is not zero.  Writes into `buf` and returns it.
 */
char *mltime_format(int64_t t, char buf[MLTIME_BUFSZ]);
/* Format a duration as the shortest of "850ms", "42s", "3m12s", "2h05m", "3d4h". */
char *mltime_format_duration(int64_t us, char buf[MLTIME_BUFSZ]);

#endif
