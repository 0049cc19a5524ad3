/*
 * profile.h - drift-check's profiles: a compact, mergeable summary of each
 * column of a data set, from which drift tests can run with no raw data
 * (as whylogs profiles and SageMaker Model Monitor's baseline statistics
 * do).  Profiles of shards merge into the profile of the whole.
 *
 *	struct profile *p = profile_new();
 *	struct profile_col *c = profile_col(p, "amount", 1);
 *
 *	for (each row) {
 *		profile_add_number(c, 12.5);	(or one of these two)
 *		profile_add_text(c, "x", 1);
 *		profile_add_missing(c);
 *		profile_add_row(p);
 *	}
 *	if (profile_write(p, "out.json") < 0)	(atomically)
 *		...
 *	profile_free(p);
 *
 * 1. Look each column up once with profile_col(p, name, 1) and keep the
 *    pointer: the lookup is a linear search, the pointer stays valid
 *    until profile_free().
 * 2. Give every value of the column to one of the profile_add_*()
 *    functions: a finite number, a text that is no number (the caller
 *    decides what parses), or a missing value.  NaN and infinities given
 *    to profile_add_number() count as missing.  -0 is 0.
 * 3. Count each row once with profile_add_row() (before or after its
 *    values).  All columns see every row: a row that gave a column no
 *    value (a key absent from a JSON Lines record, a column created after
 *    the first rows) counts as missing for it, in the summary, the file
 *    and a merge.
 *
 * WHAT A COLUMN HOLDS (for the man page)
 *
 *   moments     rows, missing (missing, NaN or infinite), whether every
 *               non-missing value was a number; over the finite numbers:
 *               count, min, max, mean and population variance (ddof 0),
 *               Welford's update per value and Chan's pairwise formulas to
 *               merge: count, missing, min and max are exact, mean and
 *               variance exact to rounding.
 *   sketch      a KLL quantile sketch (Karnin, Lang and Liberty 2016) with
 *               k = PROFILE_SKETCH_K: levels of items of weight 1, 2, 4,
 *               ...; at most about 3k items (24 KB in memory, 6 to 60 KB
 *               of JSON by how many digits the numbers have).  A column
 *               of at most k numbers is held exactly (profile_values()
 *               gives them back, and every distance below is then the
 *               exact one).  Past k, the estimated CDF F^(x) = (weight of
 *               the items <= x) / count is within PROFILE_RANK_ERROR of
 *               the true F(x) at every x, with high probability (see that
 *               constant), for a sketch built in one pass and for one
 *               merged from shards in any order.  Deterministic: its coins
 *               are a hash of the sketch's state, so the same values in
 *               the same order give the same profile, byte for byte.
 *   histogram   at most PROFILE_HIST_BINS bins of width 2^e, aligned at
 *               0 (bin i is [i 2^e, (i + 1) 2^e)), e the smallest that
 *               holds [min, max]: a function of min and max alone, so the
 *               histogram of the whole is the same from one pass or from
 *               merged shards, exactly.  For plots (profile_histogram()).
 *   values      each distinct value with its count, exact up to
 *               PROFILE_MAX_DISTINCT distinct values: numbers for a column
 *               of numbers, else text (a number in a column that also
 *               holds text is counted as its shortest round-trip text,
 *               "2.5", so a mixed column counts as a categorical one).
 *               Text that is not UTF-8 is kept with U+FFFD for each bad
 *               byte.  Past the cap the values are dropped and the column
 *               is marked over it (distinct -1): it then still has its
 *               moments, sketch and histogram (numeric methods work), but
 *               no categories (profile_counts() fails), and profile_bins()
 *               cannot bin it per value.
 *
 * THE FILE (JSON, UTF-8, numbers written so that they read back exactly)
 *
 *	{"format":"mlrepo-profile","version":1,"rows":N,"columns":[
 *	{"name":"amount","rows":N,"missing":M,"all_numbers":true,
 *	 "count":C,"min":x,"max":x,"mean":x,"var":x,
 *	 "sketch":{"k":1000,"levels":[[sorted items of weight 1],[...2],...]},
 *	 "histogram":{"log2_width":e,"first":i,"counts":[bins i, i+1, ...]},
 *	 "values":[[value,count],...]   or   "values_over_cap":true}, ...]}
 *
 * min, max, mean and var are null and the histogram null when count is 0
 * (mean and var also when they overflowed: numbers spanning more than
 * the largest double).
 * profile_read() checks everything that the code relies on (counts that
 * add up, sorted levels, items within [min, max], the histogram's grid,
 * distinct values): a hand-edited or truncated file is error_input()
 * "'FILE': not a valid profile: column 'NAME': WHAT", never a crash.
 * Unknown keys are ignored.
 *
 * Memory.  A column takes about 30 KB however many values it sees (the
 * sketch's items in one array, the histogram), and up to 45 KB more for
 * the values table while under the cap (plus the texts themselves), freed
 * past it.  A 10 GB file is profiled in memory bounded by its columns.
 *
 * Errors.  Functions return 0, or -1 (NULL) with the error set: a file
 * that does not exist or is no profile is error_input() (exit 2), an I/O
 * error is error() (exit 3).  Allocation failures die (err.h).  Nothing
 * here prints.
 */
#ifndef MLREPO_PROFILE_H
#define MLREPO_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/* The sketch's k: a column of at most this many numbers is exact. */
#define PROFILE_SKETCH_K 1000
/*
 * The stated rank error of a sketch past k numbers: |F^(x) - F(x)| <=
 * PROFILE_RANK_ERROR at every x at once, with high probability.  KLL's
 * error is a sum of independent +-2^h steps, one per compaction that
 * splits a pair around x, so no bound is certain; this one is twice the
 * worst measured.  Over 360 data sets of 10^6 numbers (uniform, normal,
 * skewed, 300 distinct values, sorted up and down; 60 seeds each), the
 * largest error at every 97th number of the sorted data and just below
 * it was 0.26% for a sketch built in one pass (mean 0.13%) and 0.16% for
 * 8 shards merged in a random order or as a tree (mean 0.08%); 10^5 and
 * 10^7 numbers gave the same.  tests/unit/test-profile.c checks it on
 * other data (the real co2 column among them).
 */
#define PROFILE_RANK_ERROR 0.005
/* Distinct values counted exactly per column. */
#define PROFILE_MAX_DISTINCT 1000
/* Bins of the histogram, at most (a power of two). */
#define PROFILE_HIST_BINS 256

struct statdist_bins;

struct profile;
struct profile_col;

/* An empty profile; free it with profile_free() (NULL is allowed). */
struct profile *profile_new(void);
void profile_free(struct profile *p);

/*
 * Rows summarised: those counted with profile_add_row(), or more when a
 * column was given more values than that.
 */
int64_t profile_rows(const struct profile *p);
/* Count one more row (call once per row read). */
void profile_add_row(struct profile *p);

/* Columns, in the order first seen (NULL for an `i` out of range). */
int profile_ncols(const struct profile *p);
struct profile_col *profile_col_at(struct profile *p, int i);
/*
 * The column called `name`; with `create`, made when absent (else NULL).
 * A name that is not UTF-8 is kept with U+FFFD for each bad byte, in the
 * lookup too.
 */
struct profile_col *profile_col(struct profile *p, const char *name,
				int create);
const char *profile_col_name(const struct profile_col *c);

/*
 * Add one value: a finite number (NaN and infinities count as missing),
 * a text that is no number, a missing value.  O(1) amortised, no
 * allocation per value.
 */
void profile_add_number(struct profile_col *c, double v);
void profile_add_text(struct profile_col *c, const char *s, size_t len);
void profile_add_missing(struct profile_col *c);

/*
 * Merge `src` into `dst`: columns by name, a column one side lacks counts
 * that side's rows as missing (a column only `src` has is added at the
 * end).  The result is the profile of both data sets together: exact for
 * counts, min, max, histogram and values under the cap; mean and
 * variance to rounding; the sketch within its stated error, however many
 * merges and in whatever order.  -1 only when `src` is `dst`.
 */
int profile_merge(struct profile *dst, const struct profile *src);

/*
 * Write as JSON, atomically (fs_atomic_*; "-": standard output).  0, or
 * -1 with error() (the file left as it was).
 */
int profile_write(const struct profile *p, const char *path);
/* The JSON text profile_write() writes (free it), its length in *len. */
char *profile_to_json(const struct profile *p, size_t *len);
/*
 * Read a profile ("-": standard input).  NULL with error_input() when the
 * file does not exist or is no valid profile (naming it and what is
 * wrong), error() when it cannot be read.
 */
struct profile *profile_read(const char *path);
/* The same from a buffer; `name` is the file named in messages. */
struct profile *profile_read_buf(const char *name, const char *buf,
				 size_t len);
/*
 * Does the file look like a profile rather than a table?  A cheap sniff
 * of its first bytes: a JSON object whose first member is "format":
 * "mlrepo-profile" (as profile_write() writes it; a UTF-8 BOM and white
 * space allowed).  1 or 0; -1 with the error set when it cannot be
 * opened (error_input() when it does not exist).  "-" gives 0: standard
 * input is not sniffed (it could not be read again).
 */
int profile_is_profile(const char *path);
/* The same sniff of the first `len` bytes of a file, already read. */
int profile_sniff(const char *buf, size_t len);

/* ---- what a check reads from a column ---- */

struct profile_summary {
	int64_t rows, missing;
	int all_numbers;	/* every non-missing value was a number */
	int64_t n;		/* finite numbers */
	double min, max, mean, var;	/* var: population (ddof 0); */
					/* NaN when n is 0 */
	int64_t distinct;	/* distinct values; -1: more than */
				/* PROFILE_MAX_DISTINCT */
};
void profile_col_summary(const struct profile_col *c,
			 struct profile_summary *s);

/*
 * The distinct values of both columns together: exact count, or -1 when
 * either is over its cap.  Numbers compare as numbers when both columns
 * hold numbers only, else as text (a number as its shortest text).
 */
int64_t profile_distinct_union(const struct profile_col *a,
			       const struct profile_col *b);

/*
 * Counts per category over the union of both columns' categories (sorted:
 * numbers ascending when both columns hold numbers only, else text in
 * byte order, numbers as their shortest text), as stattest_chisquare()
 * and statdist_bins_counts() take them.  -1 with error_input() when a
 * column is over its cap: "column 'NAME' has more than 1000 distinct
 * values: a profile counts categories only up to that many".  Free *ref
 * and *cur.
 */
int profile_counts(const struct profile_col *a, const struct profile_col *b,
		   size_t **ref, size_t **cur, size_t *k);

/*
 * The sorted finite numbers, when the sketch still holds every one (at
 * most PROFILE_SKETCH_K of them): 1 and *v (free it; NULL when there is
 * none) / *n set; 0 when it does not.  Exact methods (ks's exact
 * p-value, anderson, ...) can then run on a profile of a small column.
 */
int profile_values(const struct profile_col *c, double **v, size_t *n);

/*
 * Estimated fraction of the numbers <= x (the sketch's CDF): exact while
 * the sketch is, else within profile_rank_error().  NaN with no numbers.
 */
double profile_cdf(const struct profile_col *c, double x);

/*
 * Distances between the two columns' numbers, from their sketches, over
 * the union of the points they hold (between two consecutive points both
 * estimated CDFs are constant).  When both sketches are exact they are
 * the exact values: stattest_ks()'s statistic, statdist_wasserstein1()
 * and statdist_energy() on the raw numbers (to rounding).  Otherwise,
 * with ea, eb the two rank errors and R = max - min over both columns:
 *   ks           sup |Fa - Fb|, within ea + eb of the true one;
 *   wasserstein1 the integral of |Fa - Fb|, within (ea + eb) R;
 *   energy       sqrt(2 * integral (Fa - Fb)^2), as
 *                scipy.stats.energy_distance, within (ea + eb) sqrt(2 R).
 * NaN when a column has no numbers.
 */
double profile_ks_stat(const struct profile_col *a,
		       const struct profile_col *b);
double profile_wasserstein1(const struct profile_col *a,
			    const struct profile_col *b);
double profile_energy(const struct profile_col *a,
		      const struct profile_col *b);

/*
 * Evidently's binning (statdist.h) from profiles, into `out` (release it
 * with statdist_bins_release()):
 *   - when the reference `a` has at most 20 distinct numbers and both
 *     columns hold numbers only, under their caps: one bin per distinct
 *     value of the union, exact proportions;
 *   - else numpy's Sturges edges (statdist_sturges()) over [min, max] of
 *     both columns with n = both counts, each side's proportions read
 *     from its sketch's CDF at the edges (bin i is [e_i, e_i+1), the last
 *     one closed), each within 2 profile_rank_error() of the truth.  A
 *     reference of at most 20 values against a current column over its
 *     cap lands here too, where Evidently would make a bin for each of
 *     the current's values.
 * With both sketches exact it is statdist_bins_numeric() on the raw
 * numbers.  A column with no numbers has NaN proportions; a range wider
 * than the largest double gives no bins.
 */
void profile_bins(const struct profile_col *a, const struct profile_col *b,
		  struct statdist_bins *out);

/*
 * The sketch's stated rank error (a fraction), for reports: 0 while the
 * sketch is exact, else PROFILE_RANK_ERROR.
 */
double profile_rank_error(const struct profile_col *c);

/*
 * The histograms of `a` and `b` on one grid, to plot them overlaid: bin i
 * is [*first + i *width, *first + (i + 1) *width), the grid that the
 * profile of both columns together would have (at most
 * PROFILE_HIST_BINS bins).  `b` (and `cb`) may be NULL for one column.
 * Returns the number of bins and sets *ca and *cb (free them; all zero
 * for a column with no numbers), or 0 (and NULLs) when neither column
 * has a number.
 */
size_t profile_histogram(const struct profile_col *a,
			 const struct profile_col *b, double *first,
			 double *width, int64_t **ca, int64_t **cb);

#endif
