/* err.c - see err.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

#include "err.h"

static const char *progname = "mlrepo";
/* per thread, so that a worker's error does not garble another's */
static _Thread_local char msg[4096];
static _Thread_local char hint[1024];
static _Thread_local int code;
int err_verbosity;

void err_set_progname(const char *name)
{
	progname = name;
}

const char *err_progname(void)
{
	return progname;
}

int error_v(int c, const char *fmt, va_list ap)
{
	vsnprintf(msg, sizeof(msg), fmt, ap);
	hint[0] = '\0';
	code = c;
	return -1;
}

int error_code(int c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_v(c, fmt, ap);
	va_end(ap);
	return -1;
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_v(EXIT_ENV, fmt, ap);
	va_end(ap);
	return -1;
}

int error_input(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_v(EXIT_USAGE, fmt, ap);
	va_end(ap);
	return -1;
}

void err_hint(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hint, sizeof(hint), fmt, ap);
	va_end(ap);
}

void err_prefix(const char *fmt, ...)
{
	char old[sizeof(msg)];
	va_list ap;
	int n;

	memcpy(old, msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, "%s", old);
}

const char *err_msg(void)
{
	return msg;
}

int err_code(void)
{
	return code ? code : EXIT_ENV;
}

const char *err_hint_msg(void)
{
	return hint[0] ? hint : NULL;
}

void err_set_code(int c)
{
	code = c;
}

void err_clear(void)
{
	msg[0] = hint[0] = '\0';
	code = 0;
}

void err_save(struct err_saved *s)
{
	memcpy(s->msg, msg, sizeof(s->msg));
	memcpy(s->hint, hint, sizeof(s->hint));
	s->code = code;
}

void err_restore(const struct err_saved *s)
{
	memcpy(msg, s->msg, sizeof(msg));
	memcpy(hint, s->hint, sizeof(hint));
	code = s->code;
}

int err_report(void)
{
	fprintf(stderr, "%s: error: %s\n", progname,
		msg[0] ? msg : "unknown error");
	if (hint[0])
		fprintf(stderr, "hint: %s\n", hint);
	return err_code();
}

void warning(const char *fmt, ...)
{
	va_list ap;

	if (err_verbosity < 0)
		return;
	fprintf(stderr, "%s: warning: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void die(int c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(c);
}

void die_oom(void)
{
	die(EXIT_ENV, "out of memory");
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die_oom();
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die_oom();
	return p;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die_oom();
	return p;
}

char *xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		die_oom();
	return p;
}
