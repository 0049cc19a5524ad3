/*
 * err.h - errors, warnings and exit statuses shared by every tool.
 *
 * Library code never prints and never exits.  A function that fails records
 * one message and returns -1 (or NULL):
 *
 *	if (fd < 0)
 *		return error("cannot open '%s': %s", path, strerror(errno));
 *
 * error() classes the failure as an environment failure (exit 3: I/O,
 * locks, a missing repository); error_input() as bad input or usage
 * (exit 2: nothing was written).  err_hint() attaches an optional second
 * line.  A tool's main() reports the last error with err_report(), which
 * prints "TOOL: error: MESSAGE" (and "hint: ..." when set) to stderr and
 * returns the exit status to use.
 *
 * The message lives in a buffer owned by this module, one per thread; the
 * next error replaces it.  A worker thread that fails hands its error to
 * the thread that reports it with err_save() and err_restore().  die() is
 * the one place outside cmd/ that calls exit(3).
 */
#ifndef MLREPO_ERR_H
#define MLREPO_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* Exit statuses, the same in every tool (DESIGN.md). */
enum {
	EXIT_OK = 0,	  /* success, check passed */
	EXIT_NEGATIVE = 1, /* drift detected, gate not met, stage failed */
	EXIT_USAGE = 2,	  /* usage error or bad input; nothing was written */
	EXIT_ENV = 3	  /* no repository, I/O error, lock timeout */
};

#define ERR_FORMAT(a, b) __attribute__((format(printf, a, b)))

/* Set the name printed before messages ("mlrepo", "exp-log"). */
void err_set_progname(const char *name);
const char *err_progname(void);

/* Record an environment failure (exit 3).  Returns -1. */
int error(const char *fmt, ...) ERR_FORMAT(1, 2);
/* Record bad input or a usage error (exit 2).  Returns -1. */
int error_input(const char *fmt, ...) ERR_FORMAT(1, 2);
/* Record an error with an explicit exit status.  Returns -1. */
int error_code(int code, const char *fmt, ...) ERR_FORMAT(2, 3);
int error_v(int code, const char *fmt, va_list ap);
/* Attach a hint line to the last error (printed as "hint: ..."). */
void err_hint(const char *fmt, ...) ERR_FORMAT(1, 2);
/*
 * Prefix the last message with more context, as in
 * "'data.csv' line 3: " + the old message.
 */
void err_prefix(const char *fmt, ...) ERR_FORMAT(1, 2);

/* The last message ("" when none), its exit status and hint (NULL: none). */
const char *err_msg(void);
int err_code(void);
const char *err_hint_msg(void);
/* Change the exit status of the last error. */
void err_set_code(int code);
/* Forget the last error. */
void err_clear(void);

/*
 * Keep the last error while trying something that may fail too (a
 * fallback), then put it back:
 *	struct err_saved keep;
 *	err_save(&keep);  ...  err_restore(&keep);
 */
struct err_saved {
	char msg[4096], hint[1024];
	int code;
};
void err_save(struct err_saved *s);
void err_restore(const struct err_saved *s);

/* Print the last error (and hint) to stderr; return its exit status. */
int err_report(void);

/* Print "TOOL: warning: ..." to stderr unless quiet was set. */
void warning(const char *fmt, ...) ERR_FORMAT(1, 2);
/* Print "TOOL: error: ..." and exit with `code`. */
void die(int code, const char *fmt, ...) ERR_FORMAT(2, 3)
	__attribute__((noreturn));
/* die() for out-of-memory; used by the x* allocators below. */
void die_oom(void) __attribute__((noreturn));

/* Allocators that die on exhaustion, so callers need not check. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow an array to hold at least `need` items: ALLOC_GROW(v, n + 1, alloc). */
#define ALLOC_GROW(p, need, alloc)                                            \
	do {                                                                   \
		if ((size_t)(need) > (alloc)) {                                \
			size_t ag_n_ = (alloc) ? (alloc) * 2 : 16;             \
			if (ag_n_ < (size_t)(need))                            \
				ag_n_ = (size_t)(need);                        \
			(p) = xrealloc((p), ag_n_ * sizeof(*(p)));             \
			(alloc) = ag_n_;                                       \
		}                                                              \
	} while (0)

/* Global verbosity, set by the option parser: -1 quiet, 0 normal, 1 verbose. */
extern int err_verbosity;

#endif
