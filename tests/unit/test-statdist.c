/*
 * test-statdist.c - lib/statdist.c: Evidently's drift distances.
 *
 * Every reference value below was computed outside this test, with
 * /usr/bin/python3 (numpy 1.24.2, scipy 1.10.1) running the script that
 * follows.  Evidently itself was not installed: its get_binned_data()
 * (stattests/utils.py) and its numeric hellinger (hellinger_distance.py)
 * are re-implemented in the script from Evidently's source; psi, kl_div,
 * jensenshannon, wasserstein and energy are the one-line formulas of its
 * psi.py, kl_div.py, jensenshannon.py, wasserstein_distance_norm.py and
 * energy_distance.py.  The values are printed with %.17g and copied here.
 *
 *	# Reference values for tests/unit/test-statdist.c (numpy 1.24.2, scipy 1.10.1).
 *	# Evidently is not installed: get_binned_data() and the numeric hellinger are
 *	# re-implemented below from evidently/legacy/calculations/stattests/.
 *	import csv, numpy as np
 *	from scipy import stats
 *	from scipy.spatial import distance
 *
 *	def binned(ref, cur, numerical, fill):
 *	    ref = np.asarray(ref, float); cur = np.asarray(cur, float)
 *	    if numerical and len(np.unique(ref)) > 20:
 *	        bins = np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")
 *	        r = np.histogram(ref, bins)[0] / len(ref)
 *	        c = np.histogram(cur, bins)[0] / len(cur)
 *	    else:
 *	        keys = sorted(set(ref) | set(cur))
 *	        r = np.array([np.sum(ref == k) / len(ref) for k in keys])
 *	        c = np.array([np.sum(cur == k) / len(cur) for k in keys])
 *	    if fill:
 *	        for p in (r, c):
 *	            m = min(p[p != 0])
 *	            np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
 *	    return r, c
 *
 *	def binned_counts(rc, cc, fill):
 *	    r = np.asarray(rc, float) / sum(rc); c = np.asarray(cc, float) / sum(cc)
 *	    if fill:
 *	        for p in (r, c):
 *	            m = min(p[p != 0])
 *	            np.place(p, p == 0, m / 10**6 if m <= 0.0001 else 0.0001)
 *	    return r, c
 *
 *	def hell_num(ref, cur):
 *	    keys = list(set(ref) | set(cur))
 *	    bins = np.histogram_bin_edges(keys, bins="sturges")
 *	    h1 = np.histogram(np.asarray(ref), bins=bins, density=True)[0]
 *	    h2 = np.histogram(np.asarray(cur), bins=bins, density=True)[0]
 *	    w = (max(bins) - min(bins)) / (len(bins) - 1)
 *	    s = sum(np.sqrt(h1[i] * h2[i]) * w for i in range(len(h1)))
 *	    return np.sqrt(1 - np.clip(s, 0, 1))
 *
 *	def hell_cat(r, c):
 *	    return np.sqrt(1 - np.clip(np.sum(np.sqrt(r * c)), 0, 1))
 *
 *	def show(name, ref, cur, numerical=True):
 *	    r, c = binned(ref, cur, numerical, True)
 *	    print(f"{name}: nbins {len(r)}")
 *	    print(f"  psi {np.sum((r - c) * np.log(r / c)):.17g}")
 *	    print(f"  kl_div {stats.entropy(r, c):.17g}")
 *	    r0, c0 = binned(ref, cur, numerical, False)
 *	    print(f"  jensenshannon {distance.jensenshannon(r0, c0):.17g}")
 *	    print(f"  hellinger {hell_num(ref, cur):.17g}")
 *	    print(f"  wasserstein1 {stats.wasserstein_distance(ref, cur):.17g}")
 *	    print(f"  wasserstein {stats.wasserstein_distance(ref, cur) / max(np.std(ref), 0.001):.17g}")
 *	    print(f"  energy {stats.energy_distance(ref, cur):.17g}")
 *	    print(f"  std(ref) {np.std(ref):.17g}")
 *
 *	def show_counts(name, rc, cc):
 *	    r, c = binned_counts(rc, cc, True)
 *	    print(f"{name}: psi {np.sum((r - c) * np.log(r / c)):.17g}")
 *	    print(f"  kl_div {stats.entropy(r, c):.17g}")
 *	    r0, c0 = binned_counts(rc, cc, False)
 *	    print(f"  jensenshannon {distance.jensenshannon(r0, c0):.17g}")
 *	    print(f"  hellinger {hell_cat(r0, c0):.17g}")
 *
 *	rows = list(csv.reader(open("/work/shared/data/elnino.csv")))[1:]
 *	flat = [float(v) for row in rows for v in row[1:]]
 *	ref, cur = flat[:96], flat[-96:]
 *	show("elnino first 96 vs last 96 months", ref, cur)
 *	print("  edges", list(np.histogram_bin_edges(np.concatenate([ref, cur]), bins="sturges")))
 *
 *	small_ref = [1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5]
 *	small_cur = [1, 2, 3, 3, 4, 4, 5, 5, 6, 6]
 *	show("small ints, 6 only in current", small_ref, small_cur)
 *
 *	show_counts("counts 50/30/20/0 vs 40/30/25/5", [50, 30, 20, 0], [40, 30, 25, 5])
 *	show_counts("counts 99999/1/0 vs 50000/49999/1", [99999, 1, 0], [50000, 49999, 1])
 *
 *	gap_ref = [i / 29 for i in range(30)]
 *	gap_cur = [2 + i / 19 for i in range(20)]
 *	show("gap: ref in [0,1], cur in [2,3]", gap_ref, gap_cur)
 *	r, c = binned(gap_ref, gap_cur, True, False)
 *	print("  ref props", list(r)); print("  cur props", list(c))
 *
 *	const_ref = [5.0] * 10
 *	const_cur = [5.0, 5.1, 5.2, 5.3, 5.0, 5.0]
 *	show("constant reference", const_ref, const_cur)
 *
 *	r64 = [i * 19.87 / 31 for i in range(32)]
 *	c64 = [i * 0.6 for i in range(32)]
 *	print("sturges 64 values over [0, 19.87]: nbins",
 *	      len(np.histogram_bin_edges(np.concatenate([r64, c64]), bins="sturges")) - 1)
 *	show("sturges rounding case", r64, c64)
 *
 * Data: the El Nino sea surface temperatures of /work/shared/data/elnino.csv
 * (month columns read row by row in time order): the first 96 months
 * (1950-1957) against the last 96 (2003-2010).  The rest is made by hand
 * for one edge each: few distinct values, a category only in current,
 * empty bins on both sides, a constant reference, NumPy's rounding of the
 * number of Sturges bins.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "statdist.h"
#include "tap.h"

/* `got` within 1e-6 relative of `want` (absolute at 0) */
#define is_rel(got, want, name)                                               \
	is_double((got), (want), fabs(want) > 0 ? 1e-6 * fabs(want) : 1e-12,  \
		  (name))

static double elnino_ref[96] = {
	23.110, 24.200, 25.370, 23.860, 23.030, 21.570, 20.630, 20.150,
	19.670, 20.030, 20.020, 21.800, 24.190, 25.280, 25.600, 25.370,
	24.790, 24.690, 23.860, 22.320, 21.440, 21.770, 22.330, 22.890,
	24.520, 26.210, 26.370, 24.730, 23.710, 22.340, 20.890, 20.020,
	19.630, 20.400, 20.770, 22.390, 24.150, 26.340, 27.360, 27.030,
	25.470, 23.490, 22.200, 21.450, 21.250, 20.950, 21.600, 22.440,
	23.020, 25.000, 25.330, 22.970, 21.730, 20.770, 19.520, 19.330,
	18.950, 19.110, 20.270, 21.300, 23.750, 24.820, 25.140, 24.220,
	22.160, 21.200, 20.460, 19.630, 19.240, 19.160, 19.840, 21.190,
	23.240, 24.710, 25.900, 24.660, 23.140, 22.040, 21.470, 20.550,
	19.890, 19.690, 20.570, 21.580, 23.130, 26.300, 27.630, 27.150,
	26.720, 25.040, 23.830, 22.340, 21.800, 21.800, 22.390, 23.690,
};

static double elnino_cur[96] = {
	25.010, 26.270, 26.910, 25.410, 23.240, 22.150, 21.500, 21.250,
	20.750, 21.700, 22.330, 23.600, 25.090, 26.470, 26.120, 25.270,
	23.440, 22.540, 21.260, 20.790, 20.830, 21.560, 22.880, 23.390,
	24.610, 25.090, 25.230, 25.210, 24.310, 22.600, 21.610, 20.470,
	20.000, 19.890, 20.610, 22.200, 24.760, 26.520, 26.220, 24.290,
	23.840, 22.820, 22.200, 21.890, 21.930, 22.460, 22.610, 24.150,
	25.820, 26.810, 26.410, 24.960, 23.050, 21.610, 21.050, 19.950,
	19.850, 19.310, 19.820, 21.150, 24.240, 26.390, 26.910, 25.680,
	24.430, 23.190, 23.020, 22.140, 21.600, 21.390, 21.540, 22.730,
	24.390, 25.530, 25.480, 25.840, 24.950, 24.090, 23.090, 22.030,
	21.480, 21.640, 21.990, 23.210, 24.700, 26.160, 26.540, 26.040,
	24.750, 23.260, 21.110, 19.490, 19.280, 19.730, 20.440, 22.070,
};

/* The same, kept unsorted (the tests above sort the arrays in place). */
static double elnino_orig_ref[96], elnino_orig_cur[96];

/* What the script prints for one pair of samples. */
struct want {
	size_t nbins;
	int sturges;
	double psi, kl_div, js, hellinger, w1, w, energy, std;
};

static void check_pair(const char *what, double *ref, size_t nr, double *cur,
		       size_t nc, const struct want *w)
{
	struct statdist_bins b;
	char name[160];

	statdist_sort(ref, nr);
	statdist_sort(cur, nc);
	statdist_bins_numeric(ref, nr, cur, nc, &b);
#define NAME(m) (snprintf(name, sizeof(name), "%s: %s", what, (m)), name)
	is_int(b.n, w->nbins, NAME("number of bins"));
	is_int(b.sturges, w->sturges, NAME("Sturges bins or one per value"));
	is_rel(statdist_psi(&b), w->psi, NAME("psi"));
	is_rel(statdist_kl_div(&b), w->kl_div, NAME("kl_div"));
	is_rel(statdist_jensenshannon(&b), w->js, NAME("jensenshannon"));
	is_rel(statdist_hellinger(ref, nr, cur, nc), w->hellinger,
	       NAME("hellinger"));
	is_rel(statdist_wasserstein1(ref, nr, cur, nc), w->w1,
	       NAME("wasserstein_distance"));
	is_rel(statdist_wasserstein(ref, nr, cur, nc), w->w,
	       NAME("wasserstein normed"));
	is_rel(statdist_energy(ref, nr, cur, nc), w->energy,
	       NAME("energy_distance"));
	is_rel(statdist_std(ref, nr), w->std, NAME("np.std(ref)"));
#undef NAME
	statdist_bins_release(&b);
	statdist_bins_release(&b);
}

static void test_elnino(void)
{
	static const struct want w = {
		9, 1, 0.15450579641242479, 0.074151272331550139,
		0.13775413794155136, 0.13835516899646919, 0.51010416666666669,
		0.22578947496427151, 0.27444309139904882, 2.2592025901445787
	};
	/* numpy's edges, printed with repr(): compared bit for bit */
	static const double edges_want[10] = {
		18.95, 19.914444444444445, 20.878888888888888,
		21.843333333333334, 22.807777777777776, 23.772222222222222,
		24.736666666666665, 25.70111111111111, 26.665555555555557,
		27.63
	};
	double edges[STATDIST_MAX_EDGES];
	size_t i, nb;
	int same = 1;

	check_pair("elnino", elnino_ref, 96, elnino_cur, 96, &w);
	/* both sorted by now: min and max of the union */
	nb = statdist_sturges(elnino_ref[0], elnino_ref[95], 192, edges);
	is_int(nb, 9, "elnino: 9 Sturges bins for 192 values");
	for (i = 0; i <= nb && i < 10; i++)
		same &= edges[i] == edges_want[i];
	ok(same, "elnino: the edges are numpy's, bit for bit");
}

static void test_sturges(void)
{
	double e[STATDIST_MAX_EDGES];

	/* log2(64) + 1 = 7, but numpy divides: 19.87 / (19.87 / 7) > 7 */
	is_int(statdist_sturges(0, 19.87, 64, e), 8,
	       "64 values over [0, 19.87]: numpy's 8 bins, not 7");
	is_int(statdist_sturges(0, 0.3, 64, e), 7,
	       "64 values over [0, 0.3]: 7 bins");
	is_int(statdist_sturges(0, 1, 100, e), 8,
	       "100 values: ceil(log2(100) + 1) = 8 bins");
	is_int(statdist_sturges(5, 5, 10, e), 1, "a constant: one bin");
	ok(e[0] == 4.5 && e[1] == 5.5, "a constant: the bin is [x-0.5, x+0.5]");
	is_int(statdist_sturges(0, 1, 0, e), 0, "no values: no bins");
}

static void test_histogram(void)
{
	static const double x[] = { 0, 1, 1.5, 2, 3 };
	static const double edges[] = { 0, 1.5, 3 };
	static const double inner[] = { 0.5, 1.5 };
	size_t c[2];

	/* numpy.histogram([0, 1, 1.5, 2, 3], [0, 1.5, 3]) -> [2, 3] */
	statdist_histogram(x, 5, edges, 2, c);
	ok(c[0] == 2 && c[1] == 3,
	   "histogram: an inner edge opens its bin, the last edge closes");
	/* numpy.histogram([0, 1, 1.5, 2, 3], [0.5, 1.5]) -> [2] */
	statdist_histogram(x, 5, inner, 1, c);
	is_int(c[0], 2, "histogram: values outside the edges are not counted");
}

static void test_small_ints(void)
{
	double ref[] = { 5, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5 };
	double cur[] = { 1, 2, 3, 3, 4, 4, 5, 5, 6, 6 };
	static const struct want w = {
		6, 0, 1.6418587818210686, 0.26473174209306227,
		0.29065097622625252, 0.19075802736902009, 0.59999999999999998,
		0.50911688245431419, 0.46308146631499353, 1.1785113019775793
	};

	check_pair("<= 20 values, 6 only in current", ref, 12, cur, 10, &w);
}

static void test_gap(void)
{
	double ref[30], cur[20];
	static const struct want w = {
		7, 1, 16.377940392837861, 8.1771505866966034,
		0.83255461115769769, 1, 2, 6.7009869277929219,
		1.818118685772619, 0.2984634982206617
	};
	static const double rp[7] = { 0.43333333333333335, 0.4,
				      0.16666666666666666, 0, 0, 0, 0 };
	static const double cp[7] = { 0, 0, 0, 0, 0.15, 0.4, 0.45 };
	struct statdist_bins b;
	size_t i;
	int same = 1;

	for (i = 0; i < 30; i++)
		ref[i] = (double)i / 29;
	for (i = 0; i < 20; i++)
		cur[i] = 2 + (double)i / 19;
	check_pair("empty bins on both sides", ref, 30, cur, 20, &w);
	statdist_bins_numeric(ref, 30, cur, 20, &b);
	for (i = 0; i < 7 && b.n == 7; i++)
		same &= fabs(b.ref[i] - rp[i]) < 1e-15 &&
			fabs(b.cur[i] - cp[i]) < 1e-15;
	ok(b.n == 7 && same,
	   "empty bins: the proportions are numpy's, unfilled");
	statdist_bins_release(&b);
}

static void test_constant_ref(void)
{
	double ref[] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
	double cur[] = { 5.0, 5.1, 5.2, 5.3, 5.0, 5.0 };
	/* W1 = 0.1 divided by the floor 0.001, not by np.std(ref) = 0 */
	static const struct want w = {
		4, 0, 4.0536384673832115, 0.69041443696253124,
		0.46450140402245904, 0.54119610014619512, 0.09999999999999995,
		99.999999999999943, 0.27888667551135837, 0
	};

	check_pair("constant reference", ref, 10, cur, 6, &w);
}

static void test_rounding_case(void)
{
	double ref[32], cur[32];
	static const struct want w = {
		8, 1, 0.015963300742687203, 0.0080673151421963921,
		0.044606608023628522, 0.075569658220375785, 0.63500000000000079,
		0.10729768653990324, 0.24453708736462515, 5.9181145509959237
	};
	size_t i;

	for (i = 0; i < 32; i++) {
		ref[i] = (double)i * 19.87 / 31;
		cur[i] = (double)i * 0.6;
	}
	check_pair("64 values, numpy's 8 Sturges bins", ref, 32, cur, 32, &w);
}

static void test_counts(void)
{
	static const size_t r1[] = { 50, 30, 20, 0 }, c1[] = { 40, 30, 25, 5 };
	static const size_t r2[] = { 99999, 1, 0 }, c2[] = { 50000, 49999, 1 };
	struct statdist_bins b;

	/* a category only in current: epsilon 1e-4 on the reference side */
	statdist_bins_counts(r1, c1, 4, &b);
	is_rel(statdist_psi(&b), 0.34358047680839876, "counts: psi");
	is_rel(statdist_kl_div(&b), 0.066214978086778703, "counts: kl_div");
	is_rel(statdist_jensenshannon(&b), 0.14664229331529324,
	       "counts: jensenshannon");
	is_rel(statdist_hellinger_bins(&b), 0.17082039324993709,
	       "counts: hellinger");
	statdist_bins_release(&b);

	/* smallest reference proportion 1e-5 <= 1e-4: epsilon 1e-11 */
	statdist_bins_counts(r2, c2, 3, &b);
	is_rel(statdist_psi(&b), 5.7563625607900475, "rare counts: psi");
	is_rel(statdist_kl_div(&b), 0.69302205140021222, "rare counts: kl_div");
	is_rel(statdist_jensenshannon(&b), 0.46443996687547023,
	       "rare counts: jensenshannon");
	is_rel(statdist_hellinger_bins(&b), 0.53912958436677261,
	       "rare counts: hellinger");
	statdist_bins_release(&b);
}

static void test_empty(void)
{
	double x[] = { 1, 2 };
	struct statdist_bins b = { 0, NULL, NULL, 0 };

	ok(isnan(statdist_wasserstein(x, 0, x, 2)), "empty reference: NaN");
	ok(isnan(statdist_energy(x, 2, x, 0)), "empty current: NaN");
	ok(isnan(statdist_hellinger(x, 0, x, 2)),
	   "empty sample: hellinger NaN");
	ok(isnan(statdist_psi(&b)) && isnan(statdist_jensenshannon(&b)),
	   "no bins: NaN");
	is_int(statdist_distinct(x, 0), 0, "no values: none distinct");
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * statdist_sort() is a radix sort above 64 values: it must order exactly
 * as a comparison sort does, negatives, zeros of both signs, huge and tiny
 * magnitudes and repeats included.
 */
static void test_sort(void)
{
	size_t n = 100003, i, bad = 0;
	double *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	uint64_t s = 12345;

	for (i = 0; i < n; i++) {
		s ^= s << 13;
		s ^= s >> 7;
		s ^= s << 17;
		switch (s % 6) {
		case 0:
			x[i] = (double)(int64_t)(s >> 20) * 1e-9;
			break;
		case 1:
			x[i] = -(double)(s % 1000) / 7;
			break;
		case 2:
			x[i] = (s & 1) ? 0.0 : -0.0;
			break;
		case 3:
			x[i] = (s & 2 ? -1 : 1) * 1e300 / (double)(s % 97 + 1);
			break;
		case 4:
			x[i] = (s & 2 ? -1 : 1) * 4.9e-324 * (double)(s % 5);
			break;
		default:
			x[i] = (double)(s % 10); /* many repeats */
		}
		y[i] = x[i];
	}
	statdist_sort(x, n);
	qsort(y, n, sizeof(*y), cmp_dbl);
	for (i = 0; i < n; i++)
		bad += !(x[i] == y[i]) || (i && x[i] < x[i - 1]);
	is_int(bad, 0, "radix sort orders 100003 mixed values as qsort does");
	is_int(statdist_distinct(x, n), statdist_distinct(y, n),
	       "and leaves the same distinct values");
	for (i = 0; i < 100; i++)
		x[i] = 100 - i;
	statdist_sort(x, 100);
	ok(x[0] == 1 && x[99] == 100, "100 values in reverse come out sorted");
	free(x);
	free(y);
}

/*
 * The p-value tests.  Reference values from this script, run as above:
 *
 *	# Reference p-values for statdist_anderson() and statdist_cramer_von_mises()
 *	# (numpy 1.24.2, scipy 1.10.1; Evidently calls anderson_ksamp() and a copy
 *	# of SciPy's cramervonmises_2samp()).
 *	import csv, warnings, numpy as np
 *	from scipy import stats
 *	warnings.simplefilter("ignore")
 *	rows = list(csv.reader(open("/work/shared/data/elnino.csv")))[1:]
 *	flat = [float(v) for row in rows for v in row[1:]]
 *	cases = {
 *	    "elnino": (flat[:96], flat[-96:]),
 *	    "elnino 40 vs 40": (flat[:40], flat[-40:]),
 *	    "elnino 20 vs 15": (flat[:20], flat[-15:]),
 *	    "small ints": ([1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5],
 *	                   [1, 2, 3, 3, 4, 4, 5, 5, 6, 6]),
 *	    "gap": ([i / 29 for i in range(30)], [2 + i / 19 for i in range(20)]),
 *	    "shift 0.3": ([i / 49 for i in range(50)], [0.3 + i / 49 for i in range(50)]),
 *	    "shift 0.1": ([i / 49 for i in range(50)], [0.1 + i / 49 for i in range(50)]),
 *	    "shift 0.12": ([i / 49 for i in range(50)], [0.12 + i / 49 for i in range(50)]),
 *	    "shift 0.15": ([i / 49 for i in range(50)], [0.15 + i / 49 for i in range(50)]),
 *	    "shift 0.2": ([i / 49 for i in range(50)], [0.2 + i / 49 for i in range(50)]),
 *	    "12 vs 10 shift 0.3": ([i / 11 for i in range(12)], [0.3 + i / 9 for i in range(10)]),
 *	    "12 vs 10 shift 0.4": ([i / 11 for i in range(12)], [0.4 + i / 9 for i in range(10)]),
 *	    "same": ([i / 29 for i in range(30)], [i / 29 + 1e-3 for i in range(30)]),
 *	}
 *	for name, (r, c) in cases.items():
 *	    a = stats.anderson_ksamp([np.array(r), np.array(c)])
 *	    v = stats.cramervonmises_2samp(r, c)
 *	    print(f"{name}: anderson {a.pvalue:.17g} (A2 {a.statistic:.6g})"
 *	          f" cvm {v.pvalue:.17g}")
 */
struct ptest {
	const char *name;
	double anderson, cvm;
};

/* x[i] = off + i / div, i < n: the made-up samples of the script */
static void ramp(double *x, size_t n, double off, double div)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = off + (double)i / div;
}

static void check_p(const struct ptest *t, double *ref, size_t nr,
		    double *cur, size_t nc)
{
	char name[160];

	statdist_sort(ref, nr);
	statdist_sort(cur, nc);
	snprintf(name, sizeof(name), "%s: anderson_ksamp p-value", t->name);
	is_rel(statdist_anderson(ref, nr, cur, nc), t->anderson, name);
	snprintf(name, sizeof(name), "%s: cramervonmises_2samp p-value",
		 t->name);
	/*
	 * Below 1e-8 the asymptotic p-value is 1 minus a cdf within 1e-8 of
	 * 1, and SciPy's own value carries the rounding of that difference
	 * (a few 1e-16): there it is held to 1e-14 absolute.
	 */
	if (t->cvm < 1e-8)
		is_double(statdist_cramer_von_mises(ref, nr, cur, nc), t->cvm,
			  1e-14, name);
	else
		is_rel(statdist_cramer_von_mises(ref, nr, cur, nc), t->cvm,
		       name);
}

static void test_pvalues(void)
{
	static const struct ptest el96 = { "elnino 96 vs 96",
		0.17335977829146812, 0.19905948350268932 };
	static const struct ptest el40 = { "elnino 40 vs 40 (A2 < 0.325)",
		0.25, 0.97816603198071661 };
	static const struct ptest el20 = { "elnino 20 vs 15 (exact cvm)",
		0.25, 0.71082891549124272 };
	static const struct ptest ints = { "small ints (ties, exact cvm)",
		0.25, 0.52418170065228886 };
	static const struct ptest gap = { "gap (A2 > 6.546)",
		0.001, 3.7637493122133492e-10 };
	static const struct ptest sh[] = {
		{ "shift 0.3", 0.001, 5.9051300666856932e-05 },
		{ "shift 0.1", 0.17594880268971477, 0.28464282818660236 },
		{ "shift 0.12", 0.081268774676593866, 0.15212829152205731 },
		{ "shift 0.15", 0.014538365923918897, 0.037776098833935734 },
		{ "shift 0.2", 0.0023033582694118992, 0.0076229316172953254 },
	};
	static const double shift[] = { 0.3, 0.1, 0.12, 0.15, 0.2 };
	static const struct ptest s12[] = {
		{ "12 vs 10 shift 0.3 (exact cvm)", 0.078500767609257296,
		  0.11301082818110682 },
		{ "12 vs 10 shift 0.4 (exact cvm)", 0.017706351849370836,
		  0.026920447973079551 },
	};
	static const struct ptest same = { "same", 0.25,
		0.99999999999986844 };
	double r[96], c[96];
	size_t i;

	/* elnino_ref and elnino_cur are sorted by now: copy the originals */
	memcpy(r, elnino_orig_ref, 96 * sizeof(double));
	memcpy(c, elnino_orig_cur, 96 * sizeof(double));
	check_p(&el96, r, 96, c, 96);
	memcpy(r, elnino_orig_ref, 40 * sizeof(double));
	memcpy(c, elnino_orig_cur + 56, 40 * sizeof(double));
	check_p(&el40, r, 40, c, 40);
	memcpy(r, elnino_orig_ref, 20 * sizeof(double));
	memcpy(c, elnino_orig_cur + 81, 15 * sizeof(double));
	check_p(&el20, r, 20, c, 15);
	{
		double ir[] = { 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 5, 5 };
		double ic[] = { 1, 2, 3, 3, 4, 4, 5, 5, 6, 6 };

		check_p(&ints, ir, 12, ic, 10);
	}
	ramp(r, 30, 0, 29);
	ramp(c, 20, 2, 19);
	check_p(&gap, r, 30, c, 20);
	for (i = 0; i < 5; i++) {
		ramp(r, 50, 0, 49);
		ramp(c, 50, shift[i], 49);
		check_p(&sh[i], r, 50, c, 50);
	}
	for (i = 0; i < 2; i++) {
		ramp(r, 12, 0, 11);
		ramp(c, 10, i ? 0.4 : 0.3, 9);
		check_p(&s12[i], r, 12, c, 10);
	}
	ramp(r, 30, 0, 29);
	ramp(c, 30, 1e-3, 29);
	check_p(&same, r, 30, c, 30);

	ok(isnan(statdist_anderson(r, 1, r, 1)) &&
	   isnan(statdist_anderson(r, 3, r, 0)),
	   "anderson: too few values give NaN");
	r[0] = r[1] = c[0] = c[1] = 7;
	ok(isnan(statdist_anderson(r, 2, c, 2)),
	   "anderson: one distinct value gives NaN");
	ok(isnan(statdist_cramer_von_mises(r, 1, c, 5)),
	   "cramer_von_mises: a sample of one gives NaN");
}

int main(void)
{
	memcpy(elnino_orig_ref, elnino_ref, sizeof(elnino_ref));
	memcpy(elnino_orig_cur, elnino_cur, sizeof(elnino_cur));
	test_sturges();
	test_histogram();
	test_elnino();
	test_small_ints();
	test_gap();
	test_constant_ref();
	test_rounding_case();
	test_counts();
	test_empty();
	test_sort();
	test_pvalues();
	return tap_done();
}
