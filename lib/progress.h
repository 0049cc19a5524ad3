/*
 * progress.h - a progress line on standard error for long work.
 *
 * DESIGN.md: progress bars for work longer than about a second, only
 * when standard error is a terminal and -q was not given.  Callers need
 * not check either: on a pipe, with -q or with TERM=dumb the functions
 * do nothing, cheaply.
 *
 *	struct progress *p = progress_start_bytes("hashing", st.st_size);
 *
 *	while ((n = read(fd, buf, sizeof(buf))) > 0) {
 *		hash(buf, n);
 *		progress_add(p, n);
 *	}
 *	progress_stop(p);
 *
 * 1. progress_start() (counts) or progress_start_bytes() (sizes) with a
 *    short title and the expected total, 0 when unknown.
 * 2. progress_update() with the amount done so far, or progress_add()
 *    with the amount just done, as often as you like: an update costs a
 *    monotonic clock read, nothing is drawn in the first second, and the
 *    line is redrawn at most ten times a second.
 * 3. progress_stop() clears the line and frees the progress.  Stop it
 *    before printing anything else to standard error.
 *
 * The line, cut to the terminal's width:
 *	hashing  [=========>          ]  45%  512.0 MiB / 1.1 GiB  180.2 MiB/s  ETA 3s
 *	ingest  120000 rows  41.2k/s                       (total unknown)
 * Sizes and rates of bytes use binary units (KiB, MiB, GiB, TiB); counts
 * show the unit given to progress_set_unit() ("rows"), if any.
 *
 * Allocation failures die.  Every function accepts NULL.
 */
#ifndef MLREPO_PROGRESS_H
#define MLREPO_PROGRESS_H

#include <stdint.h>

struct progress;

/* Start a progress of `total` items (0: unknown).  Free with progress_stop(). */
struct progress *progress_start(const char *title, uint64_t total);
/* The same, for `total` bytes, shown as sizes. */
struct progress *progress_start_bytes(const char *title, uint64_t total);
/* Name the items counted ("rows", "objects"), shown after the count. */
void progress_set_unit(struct progress *p, const char *unit);
/* Change the expected total (0: unknown), e.g. once it is known. */
void progress_set_total(struct progress *p, uint64_t total);
/* Record that `done` items are done in all. */
void progress_update(struct progress *p, uint64_t done);
/* Record `n` more items done. */
void progress_add(struct progress *p, uint64_t n);
/* Clear the line (if anything was drawn) and free `p`. */
void progress_stop(struct progress *p);

#endif
