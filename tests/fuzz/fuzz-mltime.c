/*
 * fuzz-mltime.c - libFuzzer harness for the time and duration parsers.
 *
 *	make fuzz && build-fuzz/fuzz-mltime -max_total_time=60
 *
 * Besides crashes and sanitizer reports, it checks the parsers' promises:
 * a parsed time lies within MLTIME_MIN..MLTIME_MAX and survives
 * mltime_format() and a parse back; a duration is never negative and its
 * formatted form parses back to at most itself; column values are read
 * within their length only (the input buffer is not NUL-terminated).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mltime.h"

#define NOW INT64_C(1795651200000000) /* 2026-11-26T00:00:00Z */

static const char *const formats[] = {
	NULL, "iso", "epoch", "epoch_ms", "epoch_us",
	"%Y-%m-%d %H:%M:%S %z", "%d/%m/%Y"
};

static void check_time(int64_t t)
{
	char buf[MLTIME_BUFSZ];
	int64_t back;

	if (t < MLTIME_MIN || t > MLTIME_MAX)
		abort();
	mltime_format(t, buf);
	if (mltime_parse_value(buf, strlen(buf), NULL, &back) < 0 ||
	    back != t)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	char buf[MLTIME_BUFSZ];
	int64_t t, d, back;
	size_t i;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (mltime_parse_at(s, NOW, &t) == 0)
		check_time(t);
	if (mltime_parse_duration(s, &d) == 0) {
		if (d < 0)
			abort();
		mltime_format_duration(d, buf);
		if (mltime_parse_duration(buf, &back) < 0 || back > d)
			abort();
	}
	for (i = 0; i < sizeof(formats) / sizeof(*formats); i++)
		if (mltime_parse_value((const char *)data, size, formats[i],
				       &t) == 0)
			check_time(t);
	/* Any int64_t formats without overflow. */
	if (size >= 8) {
		memcpy(&t, data, 8);
		mltime_format(t, buf);
		mltime_format_duration(t, buf);
	}
	err_clear();
	free(s);
	return 0;
}
