/*
 * test-stattest.c - lib/stattest.c against SciPy 1.10.1 (NumPy 1.24.2).
 *
 * Every reference value below was computed once, outside this test, by
 * this script, run with /usr/bin/python3 from the top of the tree; its
 * output was pasted in (WANT lines into the structs; the co2 arrays are
 * its `win` and `st`):
 *
 *   import csv, numpy as np
 *   from scipy import stats, special
 *   v = [float(r['co2']) for r in
 *        csv.DictReader(open('../shared/data/co2.csv')) if r['co2']]
 *   win = v[:200]; st = v[::22]
 *   big_a = [((i * 104729) % 12007) / 12007.0 for i in range(12000)]
 *   big_b = [((j * 7919) % 11003) / 11003.0 * 1.02 for j in range(11000)]
 *   pairs = [("co2_window", win[:110], win[110:]),
 *            ("co2_halves", st[:51], st[51:]),
 *            ("ties", [1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 6]),
 *            ("small", [1.1, 2.3, 3.7, 4.2, 5.9],
 *                      [2.0, 4.0, 6.1, 7.5, 8.8, 9.3, 10.4]),
 *            ("equal_n", [0.5, 1.5, 2.5, 3.5, 4.5, 5.5],
 *                        [2.2, 3.2, 4.2, 5.2, 6.2, 7.2]),
 *            ("ks_exact_big", big_a[:10000], big_b[:9000]),
 *            ("ks_asymp", big_a, big_b)]
 *   def out(name, r):
 *       print(f"WANT({name}, {float(r[0])!r}, {float(r[1])!r})")
 *   for tag, a, b in pairs:
 *       out("KS_" + tag, stats.ks_2samp(a, b, method="auto"))
 *       if tag.startswith("ks_"):
 *           continue
 *       out("T_" + tag, stats.ttest_ind(a, b))
 *       out("WELCH_" + tag, stats.ttest_ind(a, b, equal_var=False))
 *       out("MANNW_" + tag, stats.mannwhitneyu(a, b, alternative="less"))
 *       out("MWU_" + tag, stats.mannwhitneyu(a, b))
 *   def chi(ref, cur):      # Evidently's chisquare
 *       ref = np.array(ref, float); cur = np.array(cur, float)
 *       return stats.chisquare(cur, ref * (cur.sum() / ref.sum()))
 *   out("CHI_3", chi([10, 20, 30], [12, 25, 20]))
 *   out("CHI_2", chi([100, 5], [90, 20]))
 *   def z(ref, cur):        # Evidently's z on "not category 0"
 *       n1, n2 = sum(ref), sum(cur)
 *       p1 = (n1 - ref[0]) / n1; p2 = (n2 - cur[0]) / n2
 *       P = (p1 * n1 + p2 * n2) / (n1 + n2)
 *       zz = (p1 - p2) / np.sqrt(P * (1 - P) * (1.0 / n1 + 1.0 / n2))
 *       return zz, 2 * (1 - stats.norm.cdf(abs(zz)))
 *   out("Z_2", z([30, 70], [45, 55]))
 *   out("Z_3", z([20, 30, 50], [35, 30, 35]))
 *   out("Z_apart", z([10, 0], [0, 5]))
 *   print(special.kolmogorov(0.5), special.kolmogorov(1.2),
 *         stats.kstwo.sf(0.02, 5000), stats.kstwo.sf(0.004, 200000),
 *         stats.kstwo.sf(0.2, 60), special.smirnov(100, 0.1),
 *         stats.chi2.sf(30, 20), stats.t.sf(2.5, 12))
 *
 * Hand-made cases whose answer is a rule rather than a number (constant
 * samples, a category only in the current sample) say why in a comment.
 */
#include <stdlib.h>

#include "err.h"
#include "stattest.h"
#include "tap.h"

/* Relative agreement to 1e-6; p-values below 1e-300 may be 0. */
static int close_to(double got, double want)
{
	if (isnan(want))
		return isnan(got);
	if (isinf(want))
		return got == want;
	if (fabs(want) < 1e-300)
		return fabs(got) < 1e-290;
	return fabs(got - want) <= 1e-6 * fabs(want);
}

static void want_result(int rc, const struct stattest_result *r,
			double stat, double p, const char *name)
{
	int good = rc == 0 && close_to(r->statistic, stat) &&
		   close_to(r->pvalue, p);

	if (!ok(good, name))
		printf("#   got: rc %d statistic %.17g p %.17g\n"
		       "#   want: statistic %.17g p %.17g\n",
		       rc, r->statistic, r->pvalue, stat, p);
}

static void want_value(double got, double want, const char *name)
{
	if (!ok(close_to(got, want), name))
		printf("#   got: %.17g\n#   want: %.17g\n", got, want);
}

/* co2.csv's first 200 non-missing weekly values (1958-1962). */
static const double co2_window[200] = {
	316.1, 317.3, 317.6, 317.5, 316.4, 316.9, 317.5, 317.9, 315.8, 315.8,
	315.4, 315.5, 315.6, 315.1, 315.0, 314.1, 313.5, 313.0, 313.2, 313.5,
	314.0, 314.5, 314.4, 314.7, 315.2, 315.2, 315.5, 315.6, 315.8, 315.4,
	316.9, 316.6, 316.6, 316.8, 316.7, 316.7, 317.7, 317.1, 317.6, 318.3,
	318.2, 318.7, 318.0, 318.4, 318.5, 318.1, 317.8, 317.7, 316.8, 316.8,
	316.4, 316.1, 315.6, 314.9, 315.0, 314.1, 314.4, 313.9, 313.5, 313.5,
	313.0, 313.1, 313.4, 313.4, 314.1, 314.4, 314.8, 315.2, 315.1, 315.0,
	315.6, 315.8, 315.7, 315.7, 316.4, 316.7, 316.5, 316.6, 316.6, 316.9,
	317.4, 317.0, 316.9, 317.7, 318.0, 317.7, 318.6, 319.3, 319.0, 319.0,
	319.7, 319.9, 319.8, 320.0, 320.0, 319.4, 320.0, 319.4, 319.0, 318.1,
	318.6, 318.4, 317.9, 317.3, 316.6, 316.7, 315.1, 314.7, 314.7, 314.5,
	314.2, 313.3, 313.6, 313.3, 313.9, 314.2, 314.2, 314.5, 315.1, 315.1,
	315.4, 315.8, 316.0, 316.2, 316.4, 316.6, 316.7, 317.0, 317.0, 317.0,
	317.0, 317.7, 317.9, 318.0, 318.0, 318.5, 318.9, 318.7, 319.4, 319.5,
	318.9, 319.7, 319.6, 320.6, 320.4, 320.6, 320.3, 320.0, 320.0, 319.6,
	319.4, 319.2, 319.0, 318.4, 317.1, 317.9, 317.9, 317.3, 316.7, 315.2,
	315.2, 314.9, 314.5, 315.0, 315.6, 314.9, 315.4, 315.4, 315.7, 315.8,
	315.7, 316.2, 316.5, 316.5, 317.0, 316.9, 317.1, 317.4, 317.9, 318.1,
	318.0, 317.7, 318.0, 318.3, 318.9, 319.3, 319.2, 319.4, 319.9, 319.7,
	320.2, 320.2, 321.0, 320.7, 320.3, 320.8, 320.7, 321.0, 321.1, 320.9};

/* Every 22nd non-missing value of co2.csv, 1958 to 2001. */
static const double co2_stride[102] = {
	316.1, 314.4, 318.5, 314.8, 319.0, 314.2, 317.9, 317.1, 317.1, 321.1,
	316.9, 321.9, 315.6, 318.6, 319.1, 321.7, 318.9, 323.9, 318.2, 324.2,
	319.4, 323.1, 324.1, 322.9, 326.8, 322.0, 327.5, 324.8, 326.7, 328.5,
	325.5, 330.0, 324.2, 329.9, 330.0, 328.9, 332.0, 328.0, 333.5, 328.5,
	332.5, 332.4, 332.2, 336.7, 331.7, 337.0, 333.8, 336.9, 338.2, 336.5,
	341.3, 335.8, 341.0, 338.4, 340.7, 343.4, 339.7, 345.3, 339.9, 344.6,
	342.0, 345.0, 347.4, 345.3, 350.1, 344.1, 349.2, 348.6, 350.2, 353.6,
	350.1, 356.0, 349.3, 354.7, 354.7, 354.8, 358.5, 353.4, 358.5, 353.5,
	356.6, 358.0, 356.5, 361.4, 356.0, 360.9, 358.7, 362.1, 365.0, 361.2,
	366.7, 359.8, 367.3, 366.8, 367.5, 370.9, 366.2, 371.7, 366.7, 371.1,
	371.3, 371.2
};

static const double ties_a[] = { 1, 2, 2, 3, 3, 3, 4 };
static const double ties_b[] = { 2, 3, 3, 4, 4, 5, 5, 6 };
static const double small_a[] = { 1.1, 2.3, 3.7, 4.2, 5.9 };
static const double small_b[] = { 2.0, 4.0, 6.1, 7.5, 8.8, 9.3, 10.4 };
static const double equal_a[] = { 0.5, 1.5, 2.5, 3.5, 4.5, 5.5 };
static const double equal_b[] = { 2.2, 3.2, 4.2, 5.2, 6.2, 7.2 };

#define N(v) (sizeof(v) / sizeof((v)[0]))

/* statistic and p-value of ks, t_test, welch, mannw, mannwhitney */
struct want5 {
	double ks[2], t[2], welch[2], mannw[2], mwu[2];
};

static void check_numeric(const char *tag, const double *a, size_t na,
			  const double *b, size_t nb, const struct want5 *w)
{
	struct stattest_result r = { 0, 0 };
	char name[80];

	snprintf(name, sizeof(name), "%s: ks", tag);
	want_result(stattest_ks(a, na, b, nb, &r), &r, w->ks[0], w->ks[1], name);
	snprintf(name, sizeof(name), "%s: t_test", tag);
	want_result(stattest_t(a, na, b, nb, &r), &r, w->t[0], w->t[1], name);
	snprintf(name, sizeof(name), "%s: welch", tag);
	want_result(stattest_welch(a, na, b, nb, &r), &r, w->welch[0],
		    w->welch[1], name);
	snprintf(name, sizeof(name), "%s: mannw (one-sided, less)", tag);
	want_result(stattest_mannw(a, na, b, nb, &r), &r, w->mannw[0],
		    w->mannw[1], name);
	snprintf(name, sizeof(name), "%s: mannwhitney (two-sided)", tag);
	want_result(stattest_mannwhitney(a, na, b, nb, &r), &r, w->mwu[0],
		    w->mwu[1], name);
}

static void test_numeric(void)
{
	/* 110 against 90 weeks: ties (one decimal), asymptotic MWU */
	static const struct want5 window = {
		{ 0.2636363636363636, 0.0015919868145468623 },
		{ -4.22383011130101, 3.661142660665096e-05 },
		{ -4.159910188726167, 4.9660915369535937e-05 },
		{ 3364.0, 4.9247647144655556e-05 },
		{ 3364.0, 9.849529428931111e-05 },
	};
	/* the early and late halves: nearly apart, tiny exact KS p */
	static const struct want5 halves = {
		{ 0.9607843137254902, 2.5780209508709103e-26 },
		{ -17.034434094492987, 2.5170817061148425e-31 },
		{ -17.034434094492983, 5.5308453590589734e-30 },
		{ 11.0, 3.14515680065391e-18 },
		{ 11.0, 6.29031360130782e-18 },
	};
	/* n <= 8 but tied: MWU takes the normal approximation */
	static const struct want5 ties = {
		{ 0.48214285714285715, 0.2522144522144522 },
		{ -2.364613678693068, 0.03427889783364381 },
		{ -2.413553960127389, 0.03164632576332642 },
		{ 11.0, 0.02494221848996294 },
		{ 11.0, 0.04988443697992588 },
	};
	/* n <= 8 without ties: MWU's exact distribution */
	static const struct want5 small = {
		{ 0.7142857142857143, 0.06565656565656565 },
		{ -2.238995142880597, 0.049087850392382754 },
		{ -2.4361873361510518, 0.03542041944937873 },
		{ 6.0, 0.036616161616161616 },
		{ 6.0, 0.07323232323232323 },
	};
	/* n1 = n2: KS by the alternating sum */
	static const struct want5 equal = {
		{ 0.3333333333333333, 0.9307359307359307 },
		{ -1.5738941696133377, 0.14658834778657387 },
		{ -1.5738941696133377, 0.14658834778657387 },
		{ 10.0, 0.12012987012987013 },
		{ 10.0, 0.24025974025974026 },
	};

	check_numeric("co2 window", co2_window, 110, co2_window + 110, 90,
		      &window);
	check_numeric("co2 halves", co2_stride, 51, co2_stride + 51, 51,
		      &halves);
	check_numeric("ties", ties_a, N(ties_a), ties_b, N(ties_b), &ties);
	check_numeric("small", small_a, N(small_a), small_b, N(small_b),
		      &small);
	check_numeric("equal n", equal_a, N(equal_a), equal_b, N(equal_b),
		      &equal);
}

/* The deterministic samples of the script: exact and asymptotic KS. */
static void test_ks_large(void)
{
	double *a = malloc(12000 * sizeof(*a)), *b = malloc(11000 * sizeof(*b));
	struct stattest_result r = { 0, 0 };
	long i;

	for (i = 0; i < 12000; i++)
		a[i] = (double)((i * 104729) % 12007) / 12007.0;
	for (i = 0; i < 11000; i++)
		b[i] = (double)((i * 7919) % 11003) / 11003.0 * 1.02;
	want_result(stattest_ks(a, 10000, b, 9000, &r), &r,
		    0.01978888888888889, 0.04819738543488753,
		    "ks exact at n = 10000 and 9000");
	want_result(stattest_ks(a, 12000, b, 11000, &r), &r,
		    0.019681818181818245, 0.023133710479859848,
		    "ks asymptotic (kstwo) above 10000");
	free(a);
	free(b);
}

static void test_constant(void)
{
	static const double one[] = { 1, 1, 1 }, two[] = { 2, 2, 2 };
	struct stattest_result r = { 0, 0 };

	/* SciPy: ttest_ind([1,1,1], [1,1,1]) is (nan, nan) */
	ok(!stattest_t(one, 3, one, 3, &r) && isnan(r.statistic) &&
	   isnan(r.pvalue), "t_test of two equal constants is NaN");
	/* ttest_ind([1,1,1], [2,2,2]) is (-inf, 0.0) */
	ok(!stattest_t(one, 3, two, 3, &r) && isinf(r.statistic) &&
	   r.statistic < 0 && r.pvalue == 0, "t_test of 1s and 2s: -inf, 0");
	ok(!stattest_welch(one, 3, two, 3, &r) && r.pvalue == 0,
	   "welch of 1s and 2s: p 0");
	/* ks_2samp([1,1,1], [1,1,1]) is (0.0, 1.0) */
	want_result(stattest_ks(one, 3, one, 3, &r), &r, 0, 1,
		    "ks of equal constants: 0, 1");
	/* mannwhitneyu([1,1,1], [1,1,1]) is (4.5, 1.0), both sides */
	want_result(stattest_mannwhitney(one, 3, one, 3, &r), &r, 4.5, 1,
		    "mannwhitney of equal constants: 4.5, 1");
	want_result(stattest_mannw(one, 3, one, 3, &r), &r, 4.5, 1,
		    "mannw of equal constants: 4.5, 1");
	/* ks_2samp([1,1,1], [2,2,2]): D = 1, exact p = 2 / C(6,3) = 0.1 */
	want_result(stattest_ks(one, 3, two, 3, &r), &r, 1, 0.1,
		    "ks of 1s and 2s: 1, 2/C(6,3)");
}

static void test_categorical(void)
{
	static const double r3[] = { 10, 20, 30 }, c3[] = { 12, 25, 20 };
	static const double r2[] = { 100, 5 }, c2[] = { 90, 20 };
	static const double rnew[] = { 50, 50, 0 }, cnew[] = { 40, 40, 5 };
	static const double zr[] = { 30, 70 }, zc[] = { 45, 55 };
	static const double zr3[] = { 20, 30, 50 }, zc3[] = { 35, 30, 35 };
	static const double only_a[] = { 10, 0 }, only_a2[] = { 5, 0 };
	static const double only_b[] = { 0, 5 };
	static const double single[] = { 5 };
	struct stattest_result r = { 0, 0 };

	want_result(stattest_chisquare(r3, c3, 3, &r), &r,
		    5.087719298245614, 0.07856258983696651, "chisquare, 3");
	want_result(stattest_chisquare(r2, c2, 2, &r), &r,
		    43.68181818181819, 3.863444502018892e-11, "chisquare, 2");
	/* Evidently: a category the reference lacks gives p = 0 */
	want_result(stattest_chisquare(rnew, cnew, 3, &r), &r, INFINITY, 0,
		    "chisquare: a category only in current gives p 0");
	/* chisquare([5], [5.0]) is (0.0, nan): no degree of freedom */
	want_result(stattest_chisquare(single, single, 1, &r), &r, 0, NAN,
		    "chisquare of one category is NaN");
	want_result(stattest_z(zr, zc, 2, &r), &r, 2.1908902300206634,
		    0.02845973691631065, "z, 2 categories");
	want_result(stattest_z(zr3, zc3, 3, &r), &r, 2.375422747394688,
		    0.017528861260372786, "z, category 0 against the rest");
	want_result(stattest_z(only_a, only_b, 2, &r), &r,
		    -3.8729833462074166, 0.00010751117672946897,
		    "z, two different constants");
	/* Evidently: both samples one and the same value give p = 1 */
	ok(!stattest_z(only_a, only_a2, 2, &r) && r.pvalue == 1,
	   "z of one and the same value is 1");
}

static void test_functions(void)
{
	want_value(stattest_kolmogorov_sf(0.5), 0.9639452436648751,
		   "kolmogorov(0.5)");
	want_value(stattest_kolmogorov_sf(1.2), 0.11224966667072497,
		   "kolmogorov(1.2)");
	want_value(stattest_kstwo_sf(0.02, 5000), 0.03613941395325637,
		   "kstwo.sf(0.02, 5000): Durbin's matrix");
	want_value(stattest_kstwo_sf(0.004, 200000), 0.003314212822560255,
		   "kstwo.sf(0.004, 200000): Pelz-Good");
	want_value(stattest_kstwo_sf(0.2, 60), 0.014023403960275127,
		   "kstwo.sf(0.2, 60)");
	want_value(stattest_smirnov_sf(100, 0.1), 0.1265906584562817,
		   "smirnov(100, 0.1)");
	want_value(stattest_chi2_sf(30, 20), 0.06985366069940986,
		   "chi2.sf(30, 20)");
	want_value(stattest_t_sf(2.5, 12), 0.013957699785662607,
		   "t.sf(2.5, 12)");
	/* the normal tails are erfc's: Phi(0) = 1/2 exactly */
	ok(stattest_norm_cdf(0) == 0.5 && stattest_norm_sf(0) == 0.5,
	   "norm at 0");
}

static void test_empty(void)
{
	struct stattest_result r = { 0, 0 };
	static const double x[] = { 1 };

	ok(stattest_ks(x, 0, x, 1, &r) == -1 && err_code() == EXIT_USAGE,
	   "an empty reference is bad input");
	is_str(err_msg(), "ks: the reference sample is empty",
	       "the message names the test and the side");
	ok(stattest_mannw(x, 1, x, 0, &r) == -1, "an empty current fails");
	is_str(err_msg(), "mannw: the current sample is empty",
	       "the message names the current side");
}

int main(void)
{
	test_numeric();
	test_ks_large();
	test_constant();
	test_categorical();
	test_functions();
	test_empty();
	return tap_done();
}
