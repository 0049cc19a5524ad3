/*
 * profile.h - drift-check's profiles: a compact, mergeable summary of each
 * column of a data set, from which drift tests can run with no raw data
 * (as whylogs profiles and SageMaker Model Monitor's baseline statistics
 * do).
 *
 * (INTERFACE DRAFT: the lead wrote the API; the implementation fills in
 * the details and this comment.)
 *
 * Per column a profile holds:
 *   - rows, missing (missing, NaN or infinite values), whether every
 *     non-missing value was a number;
 *   - over the finite numbers: count, min, max, mean and variance (merged
 *     exactly with Chan's formulas);
 *   - a quantile sketch with a stated rank error (KLL), exact while the
 *     column has few values;
 *   - a fixed-bin histogram that merges exactly;
 *   - the frequencies of distinct values (numbers for a column of numbers,
 *     else text) up to a cap, exact while under it.
 *
 *	struct profile *p = profile_new();
 *	struct profile_col *c = profile_col(p, "amount", 1);
 *	profile_add_number(c, 12.5);  profile_add_text(c, "x", 1);
 *	profile_add_missing(c);
 *	profile_write(p, "out.json");  (atomically)
 *	profile_free(p);
 *
 * Functions return 0, or -1 with the error set (error_input() for a file
 * that is not a profile, naming it).
 */
#ifndef MLREPO_PROFILE_H
#define MLREPO_PROFILE_H

#include <stddef.h>
#include <stdint.h>

struct statdist_bins;

struct profile;
struct profile_col;

struct profile *profile_new(void);
void profile_free(struct profile *p);

/* Rows summarised (all columns see every row). */
int64_t profile_rows(const struct profile *p);
/* Count one more row (call once per row read). */
void profile_add_row(struct profile *p);

/* Columns, in the order first seen. */
int profile_ncols(const struct profile *p);
struct profile_col *profile_col_at(struct profile *p, int i);
/* The column called `name`; with `create`, made when absent. */
struct profile_col *profile_col(struct profile *p, const char *name,
				int create);
const char *profile_col_name(const struct profile_col *c);

/* Add one value: a finite number, a text that is no number, a missing. */
void profile_add_number(struct profile_col *c, double v);
void profile_add_text(struct profile_col *c, const char *s, size_t len);
void profile_add_missing(struct profile_col *c);

/* Merge `src` into `dst` (columns by name; a column one lacks is added). */
int profile_merge(struct profile *dst, const struct profile *src);

/* Write as JSON, atomically ("-": stdout); read one back. */
int profile_write(const struct profile *p, const char *path);
struct profile *profile_read(const char *path);
/* Does the file look like a profile (not a table)?  1, 0, or -1. */
int profile_is_profile(const char *path);

/* ---- what a check reads from a column ---- */

struct profile_summary {
	int64_t rows, missing;
	int all_numbers;	/* every non-missing value was a number */
	int64_t n;		/* finite numbers */
	double min, max, mean, var;	/* var: population (ddof 0) */
	int64_t distinct;	/* distinct values, -1 over the cap */
};
void profile_col_summary(const struct profile_col *c,
			 struct profile_summary *s);

/*
 * The distinct values of both columns together: exact count, or -1 when
 * either is over its cap.
 */
int64_t profile_distinct_union(const struct profile_col *a,
			       const struct profile_col *b);

/*
 * Counts per category over the union of both columns' categories (sorted:
 * numbers ascending for columns of numbers, else text in byte order), as
 * stattest_chisquare() and statdist_bins_counts() take them.  -1 with
 * error_input() when a column is over its cap.  Free *ref and *cur.
 */
int profile_counts(const struct profile_col *a, const struct profile_col *b,
		   size_t **ref, size_t **cur, size_t *k);

/*
 * The sorted finite numbers, when the sketch still holds every one (a
 * small column): 1 and *v (free it) / *n set; 0 when it does not.
 */
int profile_values(const struct profile_col *c, double **v, size_t *n);

/* Estimated fraction of the numbers <= x (the sketch's CDF). */
double profile_cdf(const struct profile_col *c, double x);

/* Distances between the two columns' numbers, from their sketches. */
double profile_ks_stat(const struct profile_col *a,
		       const struct profile_col *b);	/* sup |Fa - Fb| */
double profile_wasserstein1(const struct profile_col *a,
			    const struct profile_col *b);
double profile_energy(const struct profile_col *a,
		      const struct profile_col *b);

/*
 * Evidently's binning (statdist.h) from sketches: one bin per distinct
 * value when the reference `a` has at most 20 (exact counts), else
 * Sturges' edges over both columns' range and count, the proportions in
 * each bin estimated from each sketch.
 */
void profile_bins(const struct profile_col *a, const struct profile_col *b,
		  struct statdist_bins *out);

/* The sketch's stated rank error (a fraction), for reports. */
double profile_rank_error(const struct profile_col *c);

#endif
