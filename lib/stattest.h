/*
 * stattest.h - two-sample statistical tests, as drift-check runs them:
 * each gives the statistic and the p-value SciPy 1.10 gives on the same
 * data (to 1e-6 relative; p-values below 1e-300 may come out as 0), and
 * where Evidently wraps SciPy with a rule of its own, Evidently's rule.
 *
 *	struct stattest_result r;
 *
 *	if (stattest_ks(ref, nref, cur, ncur, &r) < 0)
 *		return -1;		(an empty sample; the error is set)
 *	drifted = r.pvalue <= 0.05;
 *
 * Numeric tests take two arrays of doubles.  The caller guarantees that no
 * value is NaN or infinite (drop them first; drift-check reports them as
 * missing); the arrays are not modified (tests that sort, sort a copy).
 * Categorical tests take counts per category, two arrays of the same
 * length over the union of the categories of both samples, so that
 * ref[i] and cur[i] count the same category and every category has a
 * non-zero count on one side at least.
 *
 * Every test returns 0 and fills `r`, or -1 with error_input() set when a
 * sample is empty ("ks: the reference sample is empty").  A result SciPy
 * gives as NaN (a t-test of two constant samples) is NaN here too.
 *
 * THE TESTS (for the man page)
 *
 *   ks           two-sample Kolmogorov-Smirnov, two-sided, as
 *                scipy.stats.ks_2samp(ref, cur, method="auto"): exact
 *                (Hodges' lattice-path count, 1 - p carried as Viehmann
 *                does) when both samples have at most 10,000 values,
 *                else asymptotic: the one-sample distribution of D_n with
 *                n = round(n1 n2 / (n1 + n2)) (SciPy's kstwo), which is
 *                not Kolmogorov's limit.  In the exact path the statistic
 *                is h / lcm(n1, n2), the lattice step nearest D.
 *   chisquare    Pearson's chi-square of the current counts against the
 *                reference proportions scaled to the current total,
 *                k - 1 degrees of freedom (Evidently's chisquare).  A
 *                category absent from the reference gives statistic +inf
 *                and p = 0; a single category gives p = NaN (as SciPy).
 *   z            two-proportion z-test of the first category (category 0:
 *                the smallest value, as Evidently sorts them) against the
 *                rest, p = 2 (1 - Phi(|z|)) computed as Evidently does; p = 1
 *                when both samples hold one and the same category.
 *   t_test       Student's t with pooled variance, two-sided
 *                (ttest_ind(ref, cur), Evidently's t_test).
 *   welch        Welch's t, two-sided (ttest_ind(equal_var=False)).
 *   mannw        Mann-Whitney U as Evidently: mannwhitneyu(ref, cur,
 *                alternative="less"), which detects only a current sample
 *                shifted upward; the statistic is U of the reference.
 *   mannwhitney  the same, two-sided.
 *                Both follow SciPy's method="auto": the exact null
 *                distribution when one sample has at most 8 values and no
 *                value is tied, else the normal approximation with the tie
 *                correction and a continuity correction of 1/2.
 *
 * The distribution functions below are exported for drift-check's other
 * methods and for tests; none fails or allocates.
 */
#ifndef MLREPO_STATTEST_H
#define MLREPO_STATTEST_H

#include <stddef.h>

struct stattest_result {
	double statistic;
	double pvalue;
};

/* Two-sided two-sample Kolmogorov-Smirnov (ks_2samp, method "auto"). */
int stattest_ks(const double *ref, size_t nref, const double *cur,
		size_t ncur, struct stattest_result *r);

/*
 * Chi-square of current counts against reference proportions over `k`
 * categories (Evidently's chisquare).
 */
int stattest_chisquare(const double *ref, const double *cur, size_t k,
		       struct stattest_result *r);

/* Two-proportion z-test, category 0 against the rest (Evidently's z). */
int stattest_z(const double *ref, const double *cur, size_t k,
	       struct stattest_result *r);

/* Student's t (pooled variance) and Welch's t, two-sided. */
int stattest_t(const double *ref, size_t nref, const double *cur,
	       size_t ncur, struct stattest_result *r);
int stattest_welch(const double *ref, size_t nref, const double *cur,
		   size_t ncur, struct stattest_result *r);

/*
 * Mann-Whitney U: stattest_mannw() one-sided, alternative "less" with the
 * reference first (Evidently's mannw); stattest_mannwhitney() two-sided.
 * The statistic is U1, the U of the reference sample.
 */
int stattest_mannw(const double *ref, size_t nref, const double *cur,
		   size_t ncur, struct stattest_result *r);
int stattest_mannwhitney(const double *ref, size_t nref, const double *cur,
			 size_t ncur, struct stattest_result *r);

/* The standard normal distribution: P(Z <= z) and P(Z > z), from erfc(). */
double stattest_norm_cdf(double z);
double stattest_norm_sf(double z);

/*
 * The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 - P
 * (a > 0, x >= 0), and the chi-square survival function built on Q.
 */
double stattest_gamma_p(double a, double x);
double stattest_gamma_q(double a, double x);
double stattest_chi2_sf(double x, double df);

/*
 * The regularized incomplete beta function I_x(a, b) (a, b > 0,
 * 0 <= x <= 1), and Student's t survival function P(T > t) on df degrees
 * of freedom.
 */
double stattest_beta_inc(double a, double b, double x);
double stattest_t_sf(double t, double df);

/*
 * Kolmogorov's limiting distribution, P(sqrt(n) D_n > x) as n grows
 * (scipy.special.kolmogorov); the exact one-sided P(D+_n >= x)
 * (scipy.special.smirnov); and the exact two-sided P(D_n >= x) for n
 * values (scipy.stats.kstwo.sf, Simard and L'Ecuyer's choice of method).
 */
double stattest_kolmogorov_sf(double x);
double stattest_smirnov_sf(long n, double x);
double stattest_kstwo_sf(double x, long n);

#endif
