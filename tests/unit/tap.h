/*
 * tap.h - the Test Anything Protocol for the C unit tests in tests/unit/.
 *
 *	int main(void)
 *	{
 *		ok(1 + 1 == 2, "arithmetic works");
 *		is_str(got, "abc", "the parser keeps quotes");
 *		return tap_done();
 *	}
 *
 * Every check prints "ok N - name" or "not ok N - name" with a diagnostic;
 * tap_done() prints the plan and returns the exit status for main().
 */
#ifndef MLREPO_TAP_H
#define MLREPO_TAP_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *name, const char *file, int line)
{
	tap_n++;
	printf("%s %d - %s\n", cond ? "ok" : "not ok", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s line %d\n", file, line);
	}
	fflush(stdout);
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), (name), __FILE__, __LINE__)

#define is_str(got, want, name)                                               \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (!tap_ok(g_ && w_ ? !strcmp(g_, w_) : g_ == w_, (name),     \
			    __FILE__, __LINE__))                               \
			printf("#   got: '%s'\n#   want: '%s'\n",                \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");        \
	} while (0)

#define is_int(got, want, name)                                               \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (!tap_ok(g_ == w_, (name), __FILE__, __LINE__))             \
			printf("#   got: %lld\n#   want: %lld\n", g_, w_);       \
	} while (0)

#define is_double(got, want, tol, name)                                       \
	do {                                                                   \
		double g_ = (got), w_ = (want);                                \
		if (!tap_ok(fabs(g_ - w_) <= (tol), (name), __FILE__,          \
			    __LINE__))                                         \
			printf("#   got: %.17g\n#   want: %.17g\n", g_, w_);     \
	} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
