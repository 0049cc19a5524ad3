/*
 * statdist.h - distances between two samples, as drift-check scores them:
 * the histogram methods (psi, kl_div, jensenshannon, hellinger) over
 * Evidently's binning, and the distances over the samples themselves
 * (wasserstein, energy), and the p-values of two tests over the samples
 * (anderson, cramer_von_mises).  Each score agrees with Evidently's legacy
 * stattests (which call NumPy and SciPy) to 1e-6 relative on the same data;
 * the comment on each function names what it reproduces.
 *
 * The caller prepares the data:
 *
 * 1. Drop missing values and infinities: nothing here looks for NaN or
 *    +-inf, and a sample holding one gives a meaningless score.
 * 2. Sort each numeric sample ascending with statdist_sort().  Every
 *    function taking a sample wants it sorted (so that a column is sorted
 *    once for all methods) and non-empty; an empty sample gives NaN.
 * 3. For the histogram methods, bin once: statdist_bins_numeric() for a
 *    numeric column, statdist_bins_counts() for a categorical one (the
 *    count of each category on each side, over the union of categories).
 *    Then call statdist_psi(), statdist_kl_div(), statdist_jensenshannon()
 *    or statdist_hellinger_bins() on the result, and statdist_bins_release()
 *    at the end.
 *
 * Binning (Evidently's get_binned_data()).  A numeric column with more than
 * 20 distinct reference values is cut into equal-width bins over both
 * samples together, exactly numpy.histogram_bin_edges(np.concatenate([ref,
 * cur]), bins="sturges"); any other column gets one bin per distinct value
 * of the union.  Each side holds proportions (count / sample size).  psi
 * and kl_div fill the empty bins of each side on its own with a small
 * epsilon (the side's smallest non-zero proportion / 1e6 when that is at
 * most 1e-4, else 1e-4, not renormalised); jensenshannon and hellinger
 * fill none.  Values compare as doubles: 0.0 and -0.0 are one value.
 *
 * Nothing here fails but by allocation, and the allocators die on
 * exhaustion (err.h), so no function reports an error: an impossible input
 * (an empty sample, no bins) gives NaN.  Nothing prints.
 */
#ifndef MLREPO_STATDIST_H
#define MLREPO_STATDIST_H

#include <stddef.h>

/*
 * Sturges' rule never gives more than ceil(log2(n) + 1) <= 65 bins for any
 * n a size_t holds (66 with NumPy's rounding, see statdist_sturges()); the
 * edges fit in an array of this size.
 */
#define STATDIST_MAX_EDGES 72

/* Sort `x` ascending in place (doubles without NaN). */
void statdist_sort(double *x, size_t n);

/* The number of distinct values of the sorted `x`. */
size_t statdist_distinct(const double *x, size_t n);

/*
 * The bin edges numpy.histogram_bin_edges(a, bins="sturges") gives for
 * `n` values between `min` and `max`: the width (max - min) / (log2(n) +
 * 1), the number of bins ceil((max - min) / width) computed as NumPy does
 * it (so 2^k values may get k + 2 bins, not k + 1, by rounding), and
 * numpy.linspace()'s edges, the last one `max` itself.  When min == max
 * there is one bin, [min - 0.5, max + 0.5].  Writes nbins + 1 edges and
 * returns nbins (0 when n is 0).
 */
size_t statdist_sturges(double min, double max, size_t n,
			double edges[STATDIST_MAX_EDGES]);

/*
 * Count the sorted `x` into the `nbins` bins of `edges` (nbins + 1 edges,
 * ascending) as numpy.histogram(x, edges) does: bin i holds edges[i] <= v <
 * edges[i + 1], the last bin holds its right edge too, values outside are
 * not counted.
 */
void statdist_histogram(const double *x, size_t n, const double *edges,
			size_t nbins, size_t *counts);

/* Proportions per bin on each side, from the functions below. */
struct statdist_bins {
	size_t n;	/* number of bins */
	double *ref;	/* reference proportions, n of them */
	double *cur;	/* current proportions, n of them */
	int sturges;	/* 1: equal-width Sturges bins; 0: one per value */
};

/*
 * Bin two sorted numeric samples as Evidently does (above): Sturges bins
 * over both when the reference has more than 20 distinct values, else one
 * bin per distinct value of the union, in ascending order.  Fills `out`
 * (its arrays are allocated; statdist_bins_release() frees them).  An
 * empty sample gives a proportion of NaN in every bin.
 */
void statdist_bins_numeric(const double *ref, size_t nr, const double *cur,
			   size_t nc, struct statdist_bins *out);

/*
 * Bins from per-category counts over the union of `k` categories: the
 * proportions ref[i] / sum(ref) and cur[i] / sum(cur).  A category absent
 * from one side has count 0 there.
 */
void statdist_bins_counts(const size_t *ref, const size_t *cur, size_t k,
			  struct statdist_bins *out);

/* Free the arrays of `b` and set it empty; safe to call twice. */
void statdist_bins_release(struct statdist_bins *b);

/*
 * Population stability index, Evidently's psi: the sum over bins of
 * (r - c) * ln(r / c), reference first, with empty bins filled.  >= 0.
 */
double statdist_psi(const struct statdist_bins *b);

/*
 * Kullback-Leibler divergence of the reference from the current,
 * Evidently's kl_div: scipy.stats.entropy(ref, cur) with empty bins filled,
 * so each side is renormalised to sum 1 and the result is the sum of r *
 * ln(r / c) in nats.
 */
double statdist_kl_div(const struct statdist_bins *b);

/*
 * Jensen-Shannon distance, natural log, no filling:
 * scipy.spatial.distance.jensenshannon(ref, cur), the square root of half
 * the sum of the two divergences from the mean distribution.  In [0,
 * sqrt(ln 2)].
 */
double statdist_jensenshannon(const struct statdist_bins *b);

/*
 * Hellinger distance of categories, Evidently's hellinger for a
 * categorical column: sqrt(1 - sum sqrt(r * c)), the sum clipped to
 * [0, 1], no filling.  Give it statdist_bins_counts()' bins.
 */
double statdist_hellinger_bins(const struct statdist_bins *b);

/*
 * Hellinger distance of two sorted numeric samples, Evidently's hellinger
 * for a numeric column, which bins its own way: Sturges edges over the
 * DISTINCT values of the union (not over the values), each side a density
 * histogram (count / bin width / size) times the mean bin width, then as
 * statdist_hellinger_bins().  In [0, 1].
 */
double statdist_hellinger(const double *ref, size_t nr, const double *cur,
			  size_t nc);

/* Population standard deviation (ddof 0) of `x`, as numpy.std(x). */
double statdist_std(const double *x, size_t n);

/*
 * First Wasserstein distance of two sorted samples (the area between their
 * empirical CDFs), scipy.stats.wasserstein_distance(ref, cur).
 */
double statdist_wasserstein1(const double *ref, size_t nr, const double *cur,
			     size_t nc);

/*
 * Evidently's wasserstein score: statdist_wasserstein1() divided by the
 * reference's population standard deviation, the divisor floored at 0.001
 * (so a constant reference does not divide by zero).
 */
double statdist_wasserstein(const double *ref, size_t nr, const double *cur,
			    size_t nc);

/*
 * Energy distance of two sorted samples, scipy.stats.energy_distance(ref,
 * cur): sqrt(2) times the L2 distance between the empirical CDFs.
 */
double statdist_energy(const double *ref, size_t nr, const double *cur,
		       size_t nc);

/*
 * The p-value of the two-sample Anderson-Darling test,
 * scipy.stats.anderson_ksamp([ref, cur]).pvalue (midranks for ties),
 * which SciPy interpolates from Scholz and Stephens' table and so clips to
 * [0.001, 0.25].  NaN with fewer than 4 values in all or a single
 * distinct value (where SciPy raises an error).
 */
double statdist_anderson(const double *ref, size_t nr, const double *cur,
			 size_t nc);

/*
 * The p-value of the two-sample Cramer-von Mises test,
 * scipy.stats.cramervonmises_2samp(ref, cur) (method "auto"), which
 * Evidently copies: exact when neither sample has more than 20 values (its
 * cost grows fast with the sizes; 20 and 20 take milliseconds), else the
 * limiting distribution of the normalised statistic, its series cut where
 * SciPy cuts it.  NaN when a sample has fewer than 2 values.
 */
double statdist_cramer_von_mises(const double *ref, size_t nr,
				 const double *cur, size_t nc);

#endif
