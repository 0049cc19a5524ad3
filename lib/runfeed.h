/*
 * runfeed.h - feeding a run from text: the ::metric protocol a command
 * prints, and the lines `exp-log log` reads.
 *
 * A command under `exp-log run` (or a pipe-run stage) reports to its run
 * by printing lines on its standard output; `exp-log log` reads the same
 * lines, and more, from a file or a pipe.  One parser reads them all:
 *
 *	::metric KEY=VALUE... [step=N] [time=TIME]	metric points
 *	::param KEY=VALUE				a param
 *	::tag KEY=VALUE					a tag
 *
 * A protocol line starts in its first column.  After "::metric" the rest
 * is read as a metric text line (below).  After "::param" and "::tag" the
 * key starts after any spaces and ends before the first '=' (spaces
 * before '=' dropped); the value is the rest of the line, spaces
 * included, with leading and trailing spaces removed.
 *
 * `exp-log log` also reads, one a line:
 *	KEY=VALUE... [step=N] [time=TIME]	a metric text line: several
 *		points, separated by spaces or tabs, share step= and time=
 *		(default: one more than the key's last step, and now); a
 *		value is a decimal number, nan, inf or -inf; at most 64 a line
 *	{"metric": K, "value": V [, "step": N] [, "time": T]}
 *	{"param": K, "value": V}, {"tag": K, "value": V}
 *
 * Two ways to use it:
 *  1. Live output (exp-log run, pipe-run): pass runfeed_output_line() as
 *     proc_opts.on_stdout_line with the feed as its data.  Each protocol
 *     line is recorded at once in a transaction of its own (runs_begin(),
 *     so a run removed meanwhile is noticed); other lines are ignored.  A
 *     bad protocol line is warned about on stderr ("stdout line 12: ...")
 *     and counted as rejected; the command is never disturbed.
 *  2. A file or stream (exp-log log): runfeed_read(), which calls
 *     runfeed_line() for each line inside its own transactions; or, in a
 *     transaction of the caller's (runs_begin()), runfeed_line() for each
 *     line, runfeed_flush() before every commit and runfeed_discard()
 *     after a rollback.
 *
 * Errors: -1 with error_input() naming what was wrong in the line, not
 * where it was: the caller adds the position ("'x.log' line 3: ").
 */
#ifndef MLREPO_RUNFEED_H
#define MLREPO_RUNFEED_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

struct runfeed;

struct runfeed_counts {
	uint64_t lines;	   /* lines seen (runfeed_output_line) */
	uint64_t recorded; /* protocol lines recorded */
	uint64_t rejected; /* protocol lines refused (warned about) */
	uint64_t params, tags; /* params and tags set */
};

/* A feed of run `run` (a full id) in the catalog `db`.  Free it. */
struct runfeed *runfeed_new(sqlite3 *db, const char *run);
void runfeed_free(struct runfeed *f);
/* What the warnings of runfeed_output_line() name ("stdout" by default). */
void runfeed_set_source(struct runfeed *f, const char *source);

/*
 * One line of `exp-log log` input, inside the caller's transaction: a
 * protocol line, a JSON record (it starts with '{') or a metric text line.
 * `line` is NUL-terminated and may be changed.  0 or -1.
 */
int runfeed_line(struct runfeed *f, char *line);
/* Write the current metric values; call before every commit.  0 or -1. */
int runfeed_flush(struct runfeed *f);
/* After a rollback: forget what the feed knew of the run's metrics. */
void runfeed_discard(struct runfeed *f);
/* Metric points written so far. */
uint64_t runfeed_points(const struct runfeed *f);
const struct runfeed_counts *runfeed_counts(const struct runfeed *f);

/*
 * `exp-log log`: read lines from `fd` (named `name` in messages) to its
 * end and record them.  With `size` >= 0 the input is a regular file of
 * that many bytes: it goes in in one transaction, all or nothing, with a
 * progress bar on a terminal.  With `size` < 0 it is a stream (a pipe, a
 * terminal): lines are committed in batches whenever it goes quiet, at
 * least every 0.5 s or 20000 lines, so a live stream shows up as it
 * comes; the write lock is never held while a read may block.  Blank
 * lines and lines starting with '#' (after spaces and tabs) are skipped.
 * With RUNFEED_PROTOCOL_ONLY a lone carriage return ends a line too, as
 * in live output, and every line that is no protocol line (after spaces
 * and tabs) is skipped.  Journals
 * "run.log" with the counts.  0, or -1 with the message naming the input
 * and line ("'train.log' line 3: metric 'x': not a number: 'abc'").
 */
enum runfeed_flags {
	/* only protocol lines count; others are skipped (a saved output) */
	RUNFEED_PROTOCOL_ONLY = 1 << 0
};
int runfeed_read(struct runfeed *f, int fd, const char *name, int64_t size,
		 unsigned flags);

/*
 * A line of a command's output (a proc_line_fn; `data` is the feed):
 * records a protocol line in a transaction of its own, ignores others.
 * Always returns 0: a bad line is warned about, not fatal.
 */
int runfeed_output_line(const char *line, size_t len, void *data);

#endif
