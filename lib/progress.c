/* progress.c - see progress.h */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "mltime.h"
#include "opt.h"
#include "progress.h"

#define NS_PER_SEC INT64_C(1000000000)
#define FIRST_DRAW_NS NS_PER_SEC      /* nothing in the first second */
#define REDRAW_NS (NS_PER_SEC / 10)  /* at most ten redraws a second */

struct progress {
	char *title, *unit;
	uint64_t total, done;
	int64_t start, last; /* monotonic nanoseconds */
	int bytes, enabled, drawn, width;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

static struct progress *start(const char *title, uint64_t total, int bytes)
{
	struct progress *p = xcalloc(1, sizeof(*p));
	const char *term = getenv("TERM");
	struct winsize ws;

	p->title = xstrdup(title ? title : "");
	p->total = total;
	p->bytes = bytes;
	p->enabled = !gopt.quiet && isatty(STDERR_FILENO) &&
		     !(term && !strcmp(term, "dumb"));
	p->width = 80;
	if (p->enabled && ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		p->width = ws.ws_col;
	p->start = now_ns();
	return p;
}

struct progress *progress_start(const char *title, uint64_t total)
{
	return start(title, total, 0);
}

struct progress *progress_start_bytes(const char *title, uint64_t total)
{
	return start(title, total, 1);
}

void progress_set_unit(struct progress *p, const char *unit)
{
	if (!p)
		return;
	free(p->unit);
	p->unit = unit && *unit ? xstrdup(unit) : NULL;
}

void progress_set_total(struct progress *p, uint64_t total)
{
	if (p)
		p->total = total;
}

/* 512.0 MiB; bytes below 1 KiB as "812 B". */
static void fmt_size(char *buf, size_t n, double v)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	int u = -1;

	while (v >= 1023.95 && u < 5) { /* 1023.96 would print as 1024.0 */
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, n, "%.0f B", v);
	else
		snprintf(buf, n, "%.1f %s", v, units[u]);
}

/* 950, 12.3k, 4.1M: counts per second. */
static void fmt_count(char *buf, size_t n, double v)
{
	if (v < 10000)
		snprintf(buf, n, "%.0f", v);
	else if (v < 1e6)
		snprintf(buf, n, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(buf, n, "%.1fM", v / 1e6);
	else
		snprintf(buf, n, "%.1fG", v / 1e9);
}

static void draw(struct progress *p, int64_t t)
{
	char line[600], tail[200], done[32], total[32], rate[32];
	char eta[MLTIME_BUFSZ] = "";
	double secs = (double)(t - p->start) / NS_PER_SEC;
	double per_sec = secs > 0 ? (double)p->done / secs : 0;
	int room, max = p->width - 1;
	const char *unit = p->unit ? p->unit : "";
	const char *sp = p->unit ? " " : "";

	if (max > 500)
		max = 500;
	if (p->bytes) {
		fmt_size(done, sizeof(done), (double)p->done);
		fmt_size(total, sizeof(total), (double)p->total);
		fmt_size(rate, sizeof(rate), per_sec);
	} else {
		snprintf(done, sizeof(done), "%llu",
			 (unsigned long long)p->done);
		snprintf(total, sizeof(total), "%llu",
			 (unsigned long long)p->total);
		fmt_count(rate, sizeof(rate), per_sec);
	}

	if (!p->total) {
		snprintf(line, sizeof(line), "%s  %s%s%s  %s/s", p->title, done,
			 sp, unit, rate);
	} else {
		uint64_t d = p->done < p->total ? p->done : p->total;
		int pct = (int)((double)d * 100 / (double)p->total);

		if (per_sec > 0 && d < p->total) {
			double left = (double)(p->total - d) / per_sec;

			if (left < 1e7) /* beyond that it means nothing */
				mltime_format_duration(
					(int64_t)(left + 1) * MLTIME_US_PER_SEC,
					eta);
		}
		snprintf(tail, sizeof(tail), "%3d%%  %s / %s%s%s  %s/s%s%s",
			 pct, done, total, sp, unit, rate,
			 eta[0] ? "  ETA " : "", eta);
		/* A bar of 10 to 30 columns when the line has room for it. */
		room = max - (int)strlen(p->title) - (int)strlen(tail) - 6;
		if (room >= 10) {
			char bar[32];
			int w = room > 30 ? 30 : room, fill = w * pct / 100, i;

			for (i = 0; i < w; i++)
				bar[i] = i < fill ? '=' : ' ';
			if (fill > 0 && fill < w)
				bar[fill - 1] = '>';
			bar[w] = '\0';
			snprintf(line, sizeof(line), "%s  [%s]  %s", p->title,
				 bar, tail);
		} else {
			snprintf(line, sizeof(line), "%s  %s", p->title, tail);
		}
	}
	if ((int)strlen(line) > max)
		line[max > 0 ? max : 0] = '\0';
	fprintf(stderr, "\r%s\033[K", line);
	fflush(stderr);
	p->drawn = 1;
	p->last = t;
}

void progress_update(struct progress *p, uint64_t done)
{
	int64_t t;

	if (!p || !p->enabled)
		return;
	p->done = done;
	t = now_ns();
	if (t - p->start < FIRST_DRAW_NS)
		return;
	if (p->drawn && t - p->last < REDRAW_NS)
		return;
	draw(p, t);
}

void progress_add(struct progress *p, uint64_t n)
{
	if (p)
		progress_update(p, p->done + n);
}

void progress_stop(struct progress *p)
{
	if (!p)
		return;
	if (p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	free(p->title);
	free(p->unit);
	free(p);
}
