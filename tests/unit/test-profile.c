/*
 * test-profile.c - lib/profile.c: drift-check's mergeable profiles.
 *
 * What is checked, and against what:
 *   - moments, rows and missing values against hand calculations;
 *   - the distances of exact sketches (at most PROFILE_SKETCH_K numbers)
 *     against SciPy on the co2 column, and against stattest_ks(),
 *     statdist_wasserstein1(), statdist_energy() and
 *     statdist_bins_numeric() on the raw numbers, to 1e-12;
 *   - the stated rank error: on 1,000,000 values (uniform, a skewed
 *     distribution, and the real co2 column cycled), the sketch's CDF at
 *     200 points is within PROFILE_RANK_ERROR of the exact CDF, for a
 *     sketch built in one pass and for 8 shards merged in three orders;
 *     the distances of such sketches within the bounds profile.h states;
 *   - merges against one pass: counts, min, max, histogram and values
 *     exact, mean and variance to rounding;
 *   - the file: byte-identical for the same input, read back whole, and
 *     every kind of damage refused with a message naming file and fault.
 *
 * The co2 column is tests/data/co2-ppm.txt: the non-empty "co2" values of
 * /work/shared/data/co2.csv (Mauna Loa, weekly, 1958-2001) in file order.
 * Reference values computed with /usr/bin/python3 (numpy 1.24.2, scipy
 * 1.10.1), printed with %.17g and copied here:
 *
 *	import numpy as np
 *	from scipy import stats
 *	x = np.array([float(v) for v in open("tests/data/co2-ppm.txt")])
 *	print(f"mean {np.mean(x):.17g} var {np.var(x):.17g}")
 *	a, b = x[:600], x[600:1400]
 *	print(f"ks {stats.ks_2samp(a, b).statistic:.17g}"
 *	      f" w1 {stats.wasserstein_distance(a, b):.17g}"
 *	      f" energy {stats.energy_distance(a, b):.17g}")
 *	a, b = x[:1000], x[-1000:]
 *	e = np.histogram_bin_edges(np.concatenate([a, b]), bins="sturges")
 *	print(len(e) - 1, list(np.histogram(a, e)[0] / 1000),
 *	      list(np.histogram(b, e)[0] / 1000))
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "profile.h"
#include "statdist.h"
#include "stattest.h"
#include "strbuf.h"
#include "tap.h"

static char tmp[256];
static double *co2;
static size_t nco2;

/* splitmix64: the same numbers on every machine */
static uint64_t rng_state;

static uint64_t rng(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static double unif(void)
{
	return (double)(rng() >> 11) * 0x1p-53;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *sorted_copy(const double *x, size_t n)
{
	double *s = xmalloc(n * sizeof(*s));

	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

/* The exact CDF of the sorted `s` at x. */
static double exact_cdf(const double *s, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s[mid] <= x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (double)lo / (double)n;
}

static struct profile_col *col_of(const double *x, size_t n,
				  struct profile **p)
{
	struct profile_col *c;
	size_t i;

	*p = profile_new();
	c = profile_col(*p, "x", 1);
	for (i = 0; i < n; i++) {
		profile_add_number(c, x[i]);
		profile_add_row(*p);
	}
	return c;
}

static char *slurp(const char *path, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	if (strbuf_read_file(&sb, path) < 0)
		return NULL;
	return strbuf_detach(&sb, len);
}

static void load_co2(void)
{
	FILE *f = fopen("data/co2-ppm.txt", "r");
	size_t alloc = 0;
	double v;

	if (!f) {
		printf("Bail out! data/co2-ppm.txt: %s\n", strerror(errno));
		exit(1);
	}
	while (fscanf(f, "%lf", &v) == 1) {
		ALLOC_GROW(co2, nco2 + 1, alloc);
		co2[nco2++] = v;
	}
	fclose(f);
}

/* ---- small columns: moments, rows, exactness ----------------------- */

static void test_small(void)
{
	struct profile *p = profile_new();
	struct profile_col *c = profile_col(p, "a", 1);
	struct profile_summary s;
	double *v;
	size_t n;

	profile_add_number(c, 1);
	profile_add_number(c, 2);
	profile_add_number(c, 2);
	profile_add_number(c, 3.5);
	profile_add_missing(c);
	profile_add_number(c, NAN);
	profile_add_number(c, -INFINITY);
	profile_add_text(c, "x", 1);
	for (n = 0; n < 8; n++)
		profile_add_row(p);
	profile_col_summary(c, &s);
	is_int(s.rows, 8, "small: rows");
	is_int(s.missing, 3, "small: missing, NaN and -inf are missing");
	is_int(s.n, 4, "small: 4 finite numbers");
	is_int(s.all_numbers, 0, "small: a text: not all numbers");
	ok(s.min == 1 && s.max == 3.5, "small: min and max");
	/* (1 + 2 + 2 + 3.5) / 4; squares of -1.125 -0.125 -0.125 1.375 / 4 */
	is_double(s.mean, 2.125, 1e-15, "small: mean");
	is_double(s.var, 0.796875, 1e-15, "small: population variance");
	is_int(s.distinct, 4, "small: 1, 2, 3.5 and 'x' are 4 values");
	ok(profile_values(c, &v, &n) == 1 && n == 4 && v[0] == 1 &&
		   v[1] == 2 && v[2] == 2 && v[3] == 3.5,
	   "small: profile_values gives the sorted numbers");
	free(v);
	is_double(profile_cdf(c, 2), 0.75, 0, "small: CDF at 2 is 3/4");
	is_double(profile_cdf(c, 0.5), 0, 0, "small: CDF below min is 0");
	is_double(profile_rank_error(c), 0, 0, "small: exact, no rank error");
	ok(profile_col(p, "a", 0) == c && !profile_col(p, "b", 0) &&
		   profile_ncols(p) == 1 && profile_col_at(p, 0) == c &&
		   !profile_col_at(p, 1),
	   "small: lookups find the column and make none");
	profile_free(p);

	/* exact up to k numbers, a sketch past them */
	p = profile_new();
	c = profile_col(p, "k", 1);
	for (n = 0; n < PROFILE_SKETCH_K; n++)
		profile_add_number(c, (double)((n * 7919) % 1000));
	ok(profile_values(c, &v, &n) == 1 && n == PROFILE_SKETCH_K,
	   "k numbers: still exact");
	free(v);
	profile_add_number(c, 0.5);
	ok(profile_values(c, &v, &n) == 0,
	   "k + 1 numbers: no longer every value");
	is_double(profile_rank_error(c), PROFILE_RANK_ERROR, 0,
		  "k + 1 numbers: the stated rank error");
	profile_free(p);

	/* an empty column */
	p = profile_new();
	c = profile_col(p, "none", 1);
	profile_add_missing(c);
	profile_add_row(p);
	profile_col_summary(c, &s);
	ok(s.n == 0 && isnan(s.mean) && isnan(s.var) && isnan(s.min),
	   "all missing: no moments (NaN)");
	ok(isnan(profile_cdf(c, 1)), "all missing: CDF NaN");
	ok(profile_values(c, &v, &n) == 1 && n == 0 && !v,
	   "all missing: exact, with no values");
	profile_free(p);
}

static void test_rows(void)
{
	struct profile *p = profile_new(), *q = profile_new();
	struct profile_col *a = profile_col(p, "a", 1), *late = NULL;
	struct profile_summary s;
	int i;

	for (i = 0; i < 5; i++) {
		profile_add_number(a, i);
		if (i == 3)
			late = profile_col(p, "late", 1);
		if (i >= 3)
			profile_add_text(late, "t", 1);
		profile_add_row(p);
	}
	profile_col_summary(late, &s);
	ok(s.rows == 5 && s.missing == 3,
	   "a column made at row 4: the 3 rows before are missing");

	/* q: columns "late" and "c", 2 rows */
	for (i = 0; i < 2; i++) {
		profile_add_number(profile_col(q, "late", 1), 1);
		profile_add_number(profile_col(q, "c", 1), 2);
		profile_add_row(q);
	}
	ok(profile_merge(p, q) == 0, "merge with other columns");
	is_int(profile_rows(p), 7, "merge: 5 + 2 rows");
	ok(profile_ncols(p) == 3 &&
		   !strcmp(profile_col_name(profile_col_at(p, 2)), "c"),
	   "merge: a column only the source has comes last");
	profile_col_summary(profile_col(p, "a", 0), &s);
	ok(s.rows == 7 && s.missing == 2 && s.n == 5,
	   "merge: a column the source lacks gets its rows as missing");
	profile_col_summary(profile_col(p, "c", 0), &s);
	ok(s.rows == 7 && s.missing == 5 && s.n == 2,
	   "merge: a new column gets the destination's rows as missing");
	profile_col_summary(profile_col(p, "late", 0), &s);
	ok(s.rows == 7 && s.missing == 3 && s.n == 2 && !s.all_numbers,
	   "merge: a shared column adds up");
	ok(profile_merge(p, p) < 0, "a profile cannot merge into itself");
	err_clear();
	profile_free(p);
	profile_free(q);
}

/* ---- exact sketches: the exact distances --------------------------- */

static void check_exact_pair(const char *what, const double *a, size_t na,
			     const double *b, size_t nb)
{
	struct profile *pa, *pb;
	struct profile_col *ca = col_of(a, na, &pa), *cb = col_of(b, nb, &pb);
	double *sa = sorted_copy(a, na), *sb = sorted_copy(b, nb);
	struct stattest_result r;
	struct statdist_bins want, got;
	char name[200];
	size_t i;
	int same;

#define NAME(m) (snprintf(name, sizeof(name), "%s: %s", what, (m)), name)
	stattest_ks(sa, na, sb, nb, &r);
	is_double(profile_ks_stat(ca, cb), r.statistic, 1e-12,
		  NAME("ks statistic as stattest_ks()"));
	is_double(profile_wasserstein1(ca, cb),
		  statdist_wasserstein1(sa, na, sb, nb), 1e-12,
		  NAME("wasserstein1 as statdist_wasserstein1()"));
	is_double(profile_energy(ca, cb), statdist_energy(sa, na, sb, nb),
		  1e-12, NAME("energy as statdist_energy()"));
	statdist_bins_numeric(sa, na, sb, nb, &want);
	profile_bins(ca, cb, &got);
	same = got.n == want.n && got.sturges == want.sturges;
	for (i = 0; same && i < got.n; i++)
		same = got.ref[i] == want.ref[i] && got.cur[i] == want.cur[i];
	ok(same, NAME("bins as statdist_bins_numeric(), exactly"));
	statdist_bins_release(&want);
	statdist_bins_release(&got);
#undef NAME
	free(sa);
	free(sb);
	profile_free(pa);
	profile_free(pb);
}

static void test_exact(void)
{
	struct profile *pa, *pb;
	struct profile_col *ca, *cb;
	struct statdist_bins got;
	static const double hr[12] = { 0.195, 0.286, 0.238, 0.203, 0.077,
				       0.001 };
	static const double hc[12] = { 0, 0, 0, 0, 0.004, 0.065,
				       0.151, 0.167, 0.198, 0.156, 0.157,
				       0.102 };
	double a[1000], b[777];
	size_t i;
	int same;

	/* co2: the first 600 weeks against the next 800 */
	ca = col_of(co2, 600, &pa);
	cb = col_of(co2 + 600, 800, &pb);
	is_double(profile_ks_stat(ca, cb), 0.88916666666666666, 1e-12,
		  "co2 600 vs 800: ks_2samp statistic");
	is_double(profile_wasserstein1(ca, cb), 15.517625000000001, 1e-11,
		  "co2 600 vs 800: wasserstein_distance");
	is_double(profile_energy(ca, cb), 4.421772720646727, 1e-12,
		  "co2 600 vs 800: energy_distance");
	profile_free(pa);
	profile_free(pb);
	check_exact_pair("co2 600 vs 800", co2, 600, co2 + 600, 800);

	/* first 1000 against last 1000: numpy's 12 Sturges bins */
	ca = col_of(co2, 1000, &pa);
	cb = col_of(co2 + nco2 - 1000, 1000, &pb);
	profile_bins(ca, cb, &got);
	same = got.n == 12 && got.sturges;
	for (i = 0; same && i < 12; i++)
		same = fabs(got.ref[i] - hr[i]) < 1e-15 &&
		       fabs(got.cur[i] - hc[i]) < 1e-15;
	ok(same, "co2 first vs last 1000: numpy's histogram proportions");
	statdist_bins_release(&got);
	profile_free(pa);
	profile_free(pb);

	/* ties: one decimal of a normal-ish variable */
	rng_state = 11;
	for (i = 0; i < 1000; i++)
		a[i] = round((unif() + unif() + unif()) * 10) / 10;
	for (i = 0; i < 777; i++)
		b[i] = round((unif() + unif() + unif() + 0.2) * 10) / 10;
	check_exact_pair("ties, 1000 vs 777", a, 1000, b, 777);
	/* few distinct values: one bin per value of the union */
	for (i = 0; i < 1000; i++)
		a[i] = (double)(rng() % 6);
	for (i = 0; i < 777; i++)
		b[i] = (double)(rng() % 8) - 1;
	check_exact_pair("6 values vs 8, union bins", a, 1000, b, 777);
}

/* ---- the stated error on a million values -------------------------- */

#define NBIG 1000000
#define NPOINTS 200

/* The largest |F^ - F| at NPOINTS points spread over the data's ranks. */
static double max_cdf_error(const struct profile_col *c, const double *s,
			    size_t n)
{
	double worst = 0;
	int j;

	for (j = 0; j < NPOINTS; j++) {
		double x = s[(size_t)((j + 0.5) / NPOINTS * (double)n)];
		double e = fabs(profile_cdf(c, x) - exact_cdf(s, n, x));

		if (e > worst)
			worst = e;
		/* and just below it, where a tie's step starts */
		x = nextafter(x, -INFINITY);
		e = fabs(profile_cdf(c, x) - exact_cdf(s, n, x));
		if (e > worst)
			worst = e;
	}
	return worst;
}

/* 8 shards of contiguous rows, merged as `order` says. */
static struct profile *merged_shards(const double *x, size_t n, int order)
{
	static const int perm[3][8] = { { 0, 1, 2, 3, 4, 5, 6, 7 },
					{ 5, 2, 7, 0, 3, 6, 1, 4 },
					{ 7, 6, 5, 4, 3, 2, 1, 0 } };
	struct profile *sh[8], *m = profile_new();
	int k;

	for (k = 0; k < 8; k++)
		col_of(x + n / 8 * k, k == 7 ? n - n / 8 * 7 : n / 8, &sh[k]);
	if (order == 2) {
		/* a tree: pairs, then pairs of pairs */
		for (k = 0; k < 8; k += 2)
			profile_merge(sh[perm[1][k]], sh[perm[1][k + 1]]);
		profile_merge(sh[perm[1][0]], sh[perm[1][2]]);
		profile_merge(sh[perm[1][4]], sh[perm[1][6]]);
		profile_merge(m, sh[perm[1][4]]);
		profile_merge(m, sh[perm[1][0]]);
	} else {
		for (k = 0; k < 8; k++)
			profile_merge(m, sh[perm[order == 1 ? 1 : 0][k]]);
	}
	for (k = 0; k < 8; k++)
		profile_free(sh[k]);
	return m;
}

static void check_accuracy(const char *what, const double *x)
{
	double *s = sorted_copy(x, NBIG), e;
	struct profile *p, *m;
	struct profile_col *c = col_of(x, NBIG, &p);
	char name[200];
	int order;

	e = max_cdf_error(c, s, NBIG);
	snprintf(name, sizeof(name), "%s: one pass, CDF within %g "
		 "(largest error %.5f)", what, PROFILE_RANK_ERROR, e);
	ok(e <= PROFILE_RANK_ERROR, name);
	for (order = 0; order < 3; order++) {
		m = merged_shards(x, NBIG, order);
		e = max_cdf_error(profile_col_at(m, 0), s, NBIG);
		snprintf(name, sizeof(name), "%s: 8 shards merged %s, CDF "
			 "within %g (largest error %.5f)", what,
			 order == 0 ? "in order" : order == 1 ? "shuffled"
							      : "as a tree",
			 PROFILE_RANK_ERROR, e);
		ok(e <= PROFILE_RANK_ERROR, name);
		profile_free(m);
	}
	profile_free(p);
	free(s);
}

static void test_accuracy(double *x)
{
	size_t i;

	rng_state = 1;
	for (i = 0; i < NBIG; i++)
		x[i] = unif();
	check_accuracy("uniform", x);
	/* skewed, long right tail */
	for (i = 0; i < NBIG; i++) {
		double u = unif();

		x[i] = exp(4 * u * u);
	}
	check_accuracy("exp(4 u^2)", x);
	/* the real column, cycled in file order: trend and many ties */
	for (i = 0; i < NBIG; i++)
		x[i] = co2[i % nco2];
	check_accuracy("co2 cycled", x);
}

static void test_approx_distances(double *x)
{
	double *y = xmalloc(NBIG * sizeof(*y)), *sx, *sy, ea, eb, range;
	struct profile *px, *py;
	struct profile_col *cx, *cy;
	struct stattest_result r;
	struct statdist_bins want, got;
	double worst = 0;
	size_t i;

	rng_state = 2;
	for (i = 0; i < NBIG; i++) {
		x[i] = unif() + unif();
		y[i] = unif() + unif() * 1.1 + 0.02;
	}
	cx = col_of(x, NBIG, &px);
	cy = col_of(y, NBIG, &py);
	sx = sorted_copy(x, NBIG);
	sy = sorted_copy(y, NBIG);
	ea = profile_rank_error(cx);
	eb = profile_rank_error(cy);
	range = (sx[NBIG - 1] > sy[NBIG - 1] ? sx[NBIG - 1] : sy[NBIG - 1]) -
		(sx[0] < sy[0] ? sx[0] : sy[0]);
	ok(ea == PROFILE_RANK_ERROR && eb == ea, "1e6 values: not exact");
	stattest_ks(sx, NBIG, sy, NBIG, &r);
	ok(fabs(profile_ks_stat(cx, cy) - r.statistic) <= ea + eb,
	   "1e6 values: ks statistic within ea + eb");
	printf("# ks %.6f exact %.6f\n", profile_ks_stat(cx, cy), r.statistic);
	ok(fabs(profile_wasserstein1(cx, cy) -
		statdist_wasserstein1(sx, NBIG, sy, NBIG)) <= (ea + eb) * range,
	   "1e6 values: wasserstein1 within (ea + eb) R");
	printf("# w1 %.6f exact %.6f\n", profile_wasserstein1(cx, cy),
	       statdist_wasserstein1(sx, NBIG, sy, NBIG));
	ok(fabs(profile_energy(cx, cy) - statdist_energy(sx, NBIG, sy, NBIG)) <=
		   (ea + eb) * sqrt(2 * range),
	   "1e6 values: energy within (ea + eb) sqrt(2 R)");
	printf("# energy %.6f exact %.6f\n", profile_energy(cx, cy),
	       statdist_energy(sx, NBIG, sy, NBIG));
	statdist_bins_numeric(sx, NBIG, sy, NBIG, &want);
	profile_bins(cx, cy, &got);
	ok(got.n == want.n && got.sturges && want.sturges,
	   "1e6 values: the same Sturges bins");
	for (i = 0; got.n == want.n && i < got.n; i++) {
		if (fabs(got.ref[i] - want.ref[i]) > worst)
			worst = fabs(got.ref[i] - want.ref[i]);
		if (fabs(got.cur[i] - want.cur[i]) > worst)
			worst = fabs(got.cur[i] - want.cur[i]);
	}
	ok(got.n == want.n && worst <= 2 * PROFILE_RANK_ERROR,
	   "1e6 values: each bin's proportion within 2 rank errors");
	printf("# largest error of a bin's proportion %.6f\n", worst);
	statdist_bins_release(&want);
	statdist_bins_release(&got);
	profile_free(px);
	profile_free(py);
	free(sx);
	free(sy);
	free(y);
}

/* ---- merges are the profile of the whole --------------------------- */

static void fill_mixed(struct profile *p, size_t from, size_t to)
{
	struct profile_col *num = profile_col(p, "num", 1);
	struct profile_col *cat = profile_col(p, "cat", 1);
	struct profile_col *many = profile_col(p, "many", 1);
	size_t i;

	for (i = from; i < to; i++) {
		double v = co2[i % nco2];

		if (i % 17 == 0)
			profile_add_missing(num);
		else
			profile_add_number(num, v - 300 + (double)(i % 5) / 8);
		if (i % 3 == 0)
			profile_add_text(cat, i % 2 ? "odd" : "even",
					 i % 2 ? 3 : 4);
		else
			profile_add_number(cat, (double)(i % 7));
		profile_add_number(many, (double)i * 0.25);
		profile_add_row(p);
	}
}

static void test_merge(void)
{
	static const size_t cuts[] = { 0, 700, 3000, 3001, 9000 };
	struct profile *whole = profile_new(), *m = profile_new();
	const char *names[] = { "num", "cat", "many" };
	int k, same;

	fill_mixed(whole, 0, 9000);
	for (k = 3; k >= 0; k--) {
		struct profile *sh = profile_new();

		fill_mixed(sh, cuts[k], cuts[k + 1]);
		profile_merge(m, sh);
		profile_free(sh);
	}
	is_int(profile_rows(m), 9000, "merge: rows of the whole");
	for (k = 0; k < 3; k++) {
		struct profile_col *a = profile_col(whole, names[k], 0);
		struct profile_col *b = profile_col(m, names[k], 0);
		struct profile_summary sa, sb;
		double fa, wa, fb, wb;
		int64_t *ha, *hb, *h2a, *h2b;
		size_t n, n2, i, *r, *c, kc;
		char name[160];

#define NAME(x) (snprintf(name, sizeof(name), "merge: %s: %s", names[k], \
			  (x)), name)
		profile_col_summary(a, &sa);
		profile_col_summary(b, &sb);
		ok(sa.rows == sb.rows && sa.missing == sb.missing &&
			   sa.n == sb.n && sa.min == sb.min &&
			   sa.max == sb.max &&
			   sa.all_numbers == sb.all_numbers &&
			   sa.distinct == sb.distinct,
		   NAME("counts, min, max and distinct exact"));
		is_double(sb.mean, sa.mean, 1e-12 * fabs(sa.mean),
			  NAME("mean to rounding"));
		is_double(sb.var, sa.var, 1e-11 * sa.var,
			  NAME("variance to rounding"));
		n = profile_histogram(a, NULL, &fa, &wa, &ha, NULL);
		n2 = profile_histogram(b, NULL, &fb, &wb, &hb, NULL);
		same = n == n2 && fa == fb && wa == wb;
		for (i = 0; same && i < n; i++)
			same = ha[i] == hb[i];
		ok(same && n > 0, NAME("the histogram, exactly"));
		/* both on one grid: the same again */
		n2 = profile_histogram(a, b, &fb, &wb, &h2a, &h2b);
		same = n == n2 && fa == fb && wa == wb;
		for (i = 0; same && i < n; i++)
			same = h2a[i] == ha[i] && h2b[i] == ha[i];
		ok(same, NAME("both on one grid, the same"));
		free(ha);
		free(hb);
		free(h2a);
		free(h2b);
		if (sa.distinct >= 0) {
			same = profile_counts(a, b, &r, &c, &kc) == 0 &&
			       kc == (size_t)sa.distinct;
			for (i = 0; same && i < kc; i++)
				same = r[i] == c[i];
			ok(same, NAME("the values' counts, exactly"));
			free(r);
			free(c);
		}
		ok(profile_ks_stat(a, b) <= 2 * PROFILE_RANK_ERROR,
		   NAME("the sketches agree within the error"));
#undef NAME
	}
	profile_free(whole);
	profile_free(m);
}

/* ---- values, categories and the cap -------------------------------- */

static void test_values(void)
{
	struct profile *p = profile_new();
	struct profile_col *num = profile_col(p, "num", 1);
	struct profile_col *mix = profile_col(p, "mix", 1);
	struct profile_col *big = profile_col(p, "big", 1);
	struct profile_summary s;
	size_t *r, *c, k, i;

	profile_add_number(num, 10);
	profile_add_number(num, 2);
	profile_add_number(num, 1.5);
	profile_add_number(num, 2);
	profile_add_number(num, -0.0);
	profile_add_number(num, 0);
	ok(profile_counts(num, num, &r, &c, &k) == 0 && k == 4 &&
		   r[0] == 2 && r[1] == 1 && r[2] == 2 && r[3] == 1,
	   "numbers: counted ascending (0 and -0 one value, 1.5, 2, 10)");
	free(r);
	free(c);

	profile_add_number(mix, 2);
	profile_add_number(mix, 10);
	profile_add_text(mix, "abc", 3);
	profile_add_number(mix, 3);
	profile_add_number(mix, 1.5);
	profile_add_text(mix, "abc", 3);
	profile_col_summary(mix, &s);
	ok(!s.all_numbers && s.distinct == 5, "mixed: 5 distinct values");
	/* as text, byte order: "0" "1.5" "10" "2" "3" "abc" */
	ok(profile_counts(num, mix, &r, &c, &k) == 0 && k == 6 &&
		   r[0] == 2 && c[0] == 0 && r[1] == 1 && c[1] == 1 &&
		   r[2] == 1 && c[2] == 1 && r[3] == 2 && c[3] == 1 &&
		   r[4] == 0 && c[4] == 1 && r[5] == 0 && c[5] == 2,
	   "a mixed column: categories as text, numbers as their text");
	free(r);
	free(c);
	is_int(profile_distinct_union(num, mix), 6,
	       "distinct over both: 6");

	for (i = 0; i < PROFILE_MAX_DISTINCT; i++)
		profile_add_number(big, (double)i);
	profile_col_summary(big, &s);
	is_int(s.distinct, PROFILE_MAX_DISTINCT, "at the cap: still exact");
	profile_add_number(big, 1e6);
	profile_col_summary(big, &s);
	is_int(s.distinct, -1, "past the cap: distinct -1");
	ok(profile_counts(num, big, &r, &c, &k) == -1 &&
		   err_code() == EXIT_USAGE,
	   "past the cap: profile_counts fails as bad input");
	is_str(err_msg(), "column 'big' has more than 1000 distinct values: "
			  "a profile counts categories only up to that many",
	       "past the cap: the message names the column and the cap");
	err_clear();
	is_int(profile_distinct_union(num, big), -1,
	       "past the cap: distinct over both unknown");
	profile_add_text(big, "late text", 9);
	profile_col_summary(big, &s);
	ok(s.distinct == -1 && !s.all_numbers && s.n == 1001,
	   "past the cap: text still counts as not a number");

	/* text that is not UTF-8 is kept with U+FFFD */
	profile_add_text(mix, "a\xff", 2);
	profile_add_text(mix, "a\xef\xbf\xbd", 4);
	profile_col_summary(mix, &s);
	is_int(s.distinct, 6, "a bad byte becomes U+FFFD (one new value)");
	profile_free(p);
}

/* ---- the histogram's grid ------------------------------------------ */

static void test_histogram(void)
{
	struct profile *p = profile_new();
	struct profile_col *a = profile_col(p, "a", 1);
	struct profile_col *b = profile_col(p, "b", 1);
	struct profile_col *neg = profile_col(p, "neg", 1);
	int64_t *ca, *cb, sum = 0;
	double first, width;
	size_t n, i;
	int good = 1;

	for (i = 0; i <= 1000; i++)
		profile_add_number(a, (double)i);
	/* 1000 / 2^e < 256: e = 2, bins [0, 4) ... [1000, 1004) */
	n = profile_histogram(a, NULL, &first, &width, &ca, NULL);
	ok(n == 251 && first == 0 && width == 4,
	   "0..1000: 251 bins of width 4 from 0");
	for (i = 0; n == 251 && i < 250; i++)
		good &= ca[i] == 4;
	ok(good && n == 251 && ca[250] == 1, "0..1000: 4 a bin, 1 in the last");
	free(ca);

	profile_add_number(neg, -3.5);
	profile_add_number(neg, 0.25);
	profile_add_number(neg, -0.25);
	/* 0.25 * 64 - (-3.5 * 64) = 240 bins; at 1/128 it would be 480 */
	n = profile_histogram(neg, NULL, &first, &width, &ca, NULL);
	ok(n == 241 && width == 1.0 / 64 && first == -3.5,
	   "-3.5..0.25: width 1/64 from -3.5");
	ok(n == 241 && ca[0] == 1 && ca[(size_t)(3.25 * 64)] == 1 &&
		   ca[240] == 1,
	   "-3.5..0.25: each value in its bin");
	free(ca);

	for (i = 2000; i <= 2100; i++)
		profile_add_number(b, (double)i);
	/* both: 2100 / 16 = 131.25: 132 bins of 16 */
	n = profile_histogram(a, b, &first, &width, &ca, &cb);
	ok(n == 132 && first == 0 && width == 16,
	   "0..1000 with 2000..2100: one grid of 132 bins of 16");
	for (i = 0; i < n; i++)
		sum += ca[i] + 2 * cb[i];
	is_int(sum, 1001 + 2 * 101, "one grid: every value counted once");
	free(ca);
	free(cb);
	profile_free(p);
}

/* Numbers at the ends of the doubles: the grid and the file hold. */
static void test_extremes(void)
{
	static const double v[] = { -1.7e308, 5e-324, -5e-324, -5e-324, 0,
				    1e-300, -2.5, 1.7e308 };
	struct profile *whole = profile_new(), *m = profile_new(), *r;
	struct profile_summary s;
	int64_t *ha, *hb;
	double fa, wa, fb, wb;
	size_t i, na, nb, len;
	char *t1, *t2;
	int same;

	for (i = 0; i < 8; i++)
		profile_add_number(profile_col(whole, "e", 1), v[i]);
	for (i = 8; i-- > 0;) {
		struct profile *sh = profile_new();

		profile_add_number(profile_col(sh, "e", 1), v[i]);
		profile_merge(m, sh);
		profile_free(sh);
	}
	na = profile_histogram(profile_col(whole, "e", 0), NULL, &fa, &wa,
			       &ha, NULL);
	nb = profile_histogram(profile_col(m, "e", 0), NULL, &fb, &wb, &hb,
			       NULL);
	same = na == nb && fa == fb && wa == wb && na > 0;
	for (i = 0; same && i < na; i++)
		same = ha[i] == hb[i];
	ok(same && ha[0] == 1 && ha[na - 1] == 1,
	   "+-1.7e308: one value at each end, the same merged one by one");
	free(ha);
	free(hb);
	profile_col_summary(profile_col(whole, "e", 0), &s);
	ok(s.min == -1.7e308 && s.max == 1.7e308 && s.distinct == 7 &&
		   !isfinite(s.var),
	   "+-1.7e308: min, max, distinct exact; the variance overflows");
	t1 = profile_to_json(whole, &len);
	r = profile_read_buf("extremes.json", t1, len);
	ok(r != NULL, "+-1.7e308: the file reads back (mean and var null)");
	if (!r)
		printf("# %s\n", err_msg());
	t2 = r ? profile_to_json(r, NULL) : NULL;
	ok(t2 && !strcmp(t1, t2), "+-1.7e308: and writes the same text");
	free(t1);
	free(t2);
	profile_free(r);
	profile_free(whole);
	profile_free(m);
}

/* ---- the file ------------------------------------------------------ */

static struct profile *sample_profile(size_t n)
{
	struct profile *p = profile_new();

	rng_state = 5;
	fill_mixed(p, 0, n);
	profile_add_text(profile_col(p, "na\xefme", 1), "\"q\"\n", 4);
	return p;
}

static void test_file(void)
{
	char f1[300], f2[300], f3[300];
	struct profile *p = sample_profile(50000), *q, *r, *q2;
	char *t1, *t2, *t3, *t4;
	size_t l1, l2, l3, l4;
	int k, same = 1;

	snprintf(f1, sizeof(f1), "%s/a.json", tmp);
	snprintf(f2, sizeof(f2), "%s/b.json", tmp);
	snprintf(f3, sizeof(f3), "%s/c.json", tmp);
	ok(profile_write(p, f1) == 0, "write a profile");
	q = sample_profile(50000);
	ok(profile_write(q, f2) == 0, "write the same again");
	t1 = slurp(f1, &l1);
	t2 = slurp(f2, &l2);
	ok(t1 && t2 && l1 == l2 && !memcmp(t1, t2, l1),
	   "the same input gives the same bytes");
	printf("# profile of 50000 rows x 4 columns: %zu bytes\n", l1);
	ok(profile_is_profile(f1) == 1, "profile_is_profile: yes");
	r = profile_read(f1);
	ok(r != NULL, "read it back");
	if (!r) {
		printf("# %s\n", err_msg());
		return;
	}
	ok(profile_write(r, f3) == 0, "write what was read");
	t3 = slurp(f3, &l3);
	ok(t3 && l3 == l1 && !memcmp(t1, t3, l1),
	   "read and written again: the same bytes");
	is_int(profile_ncols(r), 4, "all 4 columns read");
	for (k = 0; k < profile_ncols(r); k++) {
		struct profile_col *a = profile_col_at(p, k);
		struct profile_col *b = profile_col_at(r, k);
		struct profile_summary sa, sb;

		profile_col_summary(a, &sa);
		profile_col_summary(b, &sb);
		same &= !strcmp(profile_col_name(a), profile_col_name(b)) &&
			sa.rows == sb.rows && sa.missing == sb.missing &&
			sa.n == sb.n && sa.distinct == sb.distinct &&
			(sa.n == 0 || (sa.mean == sb.mean && sa.var == sb.var &&
				       profile_ks_stat(a, b) == 0));
	}
	ok(same, "read back: the same columns, summaries and sketches");
	ok(!strcmp(profile_col_name(profile_col_at(r, 3)), "na\xef\xbf\xbdme"),
	   "a name that is not UTF-8 is kept with U+FFFD");
	/* one profile merged into nothing is itself */
	q2 = profile_new();
	profile_merge(q2, r);
	t4 = profile_to_json(q2, &l4);
	ok(l4 == l1 && !memcmp(t4, t1, l1),
	   "a profile read and merged into an empty one: the same bytes");
	free(t4);
	profile_free(q2);
	/* merging what was read goes on as merging what was made */
	profile_merge(p, q);
	profile_merge(r, q);
	ok(profile_ks_stat(profile_col_at(p, 0), profile_col_at(r, 0)) == 0,
	   "merging a profile read back gives the same sketch");

	ok(profile_write(p, "/nonexistent-dir/x.json") == -1 &&
		   err_code() == EXIT_ENV,
	   "write into a missing directory: an environment error");
	err_clear();
	free(t1);
	free(t2);
	free(t3);
	profile_free(p);
	profile_free(q);
	profile_free(r);
}

/* Replace the first `from` in `s` by `to`; the result is malloc'd. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *at = strstr(s, from);
	struct strbuf sb = STRBUF_INIT;

	if (!at) {
		printf("# '%s' not in the profile text\n", from);
		return xstrdup(s);
	}
	strbuf_add(&sb, s, (size_t)(at - s));
	strbuf_addstr(&sb, to);
	strbuf_addstr(&sb, at + strlen(from));
	return strbuf_detach(&sb, NULL);
}

static int sniff(const char *s)
{
	return profile_sniff(s, strlen(s));
}

static void test_bad_files(void)
{
	/* each: a change to a good profile, and what the message must say */
	static const struct {
		const char *from, *to, *says;
	} bad[] = {
		{ "{\"format\":\"mlrepo-profile\"", "{\"format\":\"other\"",
		  "no \"format\": \"mlrepo-profile\"" },
		{ "\"version\":1", "\"version\":2", "\"version\" is not 1" },
		{ "\"rows\":300,", "\"rows\":-1,", "\"rows\" is not a count" },
		{ "\"rows\":300,\"columns\"", "\"rows\":301,\"columns\"",
		  "column 'num': \"rows\" is 300, the profile's is 301" },
		{ "\"missing\":18", "\"missing\":1800",
		  "column 'num': \"missing\" and \"count\" add up" },
		{ "\"all_numbers\":true", "\"all_numbers\":false",
		  "column 'num': \"all_numbers\" disagrees" },
		{ "\"count\":282", "\"count\":281", "column 'num': " },
		{ "\"min\":13", "\"min\":\"13\"", "\"min\" is not a number" },
		{ "\"var\":", "\"var\":-1,\"x\":",
		  "column 'num': \"var\" is negative" },
		{ "\"k\":1000", "\"k\":200", "the sketch's \"k\" is not 1000" },
		{ "\"levels\":[[13", "\"levels\":[[14,13",
		  "column 'num': sketch level 0 is not sorted" },
		{ "\"levels\":[[13", "\"levels\":[[1e9,13",
		  "sketch level 0 holds a number outside [min, max]" },
		{ "\"levels\":[[13", "\"levels\":[[13,13",
		  "the sketch holds more than \"count\" values" },
		{ "\"log2_width\":", "\"log2_width\":1,\"z\":",
		  "the histogram's \"log2_width\" and \"first\" are not" },
		{ "\"counts\":[", "\"counts\":[1,",
		  "the histogram's \"counts\" is not an array of" },
		{ "\"values\":[[0,", "\"values\":[[0,1],[0,",
		  "column 'cat': \"values\" holds a value twice" },
		{ "\"values\":[[0,", "\"values\":[[\"0\",",
		  "column 'cat': \"values\" of a column of numbers holds "
		  "text" },
		{ "\"values\":[[", "\"values\":[[1e9,1],[",
		  "\"values\" holds a number outside [min, max]" },
		{ "\"values\":[[", "\"values_over_cap\":true,\"values\":[[",
		  "\"values_over_cap\" is not true, or comes with \"values\"" },
		{ "\"name\":\"cat\"", "\"name\":\"num\"",
		  "column 'num': the column comes twice" },
		{ "\n]}", "\n]}x", "more after the JSON object" },
		{ "\"columns\":[", "\"columns\":[1,",
		  "a column is not an object" },
	};
	struct profile *p = profile_new();
	struct profile_col *c;
	char f[300], *good;
	size_t len, i;

	/* num: 282 numbers in [13, ...], 18 missing; cat: numbers 0..6 */
	for (i = 0; i < 300; i++) {
		c = profile_col(p, "num", 1);
		if (i % 17 == 0)
			profile_add_missing(c);
		else
			profile_add_number(c, 13 + (double)(i % 50));
		profile_add_number(profile_col(p, "cat", 1), (double)(i % 7));
		profile_add_row(p);
	}
	snprintf(f, sizeof(f), "%s/good.json", tmp);
	profile_write(p, f);
	profile_free(p);
	good = slurp(f, &len);
	p = profile_read_buf("good.json", good, len);
	ok(p != NULL, "the good profile reads");
	profile_free(p);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *t = replace(good, bad[i].from, bad[i].to), name[300];
		const char *msg;

		p = profile_read_buf("bad.json", t, strlen(t));
		msg = err_msg();
		snprintf(name, sizeof(name), "refused: %s", bad[i].says);
		ok(!p && err_code() == EXIT_USAGE &&
			   !strncmp(msg, "'bad.json': not a valid profile: ",
				    33) &&
			   strstr(msg, bad[i].says),
		   name);
		if (p || !strstr(msg, bad[i].says))
			printf("#   got: %s\n", p ? "a profile" : msg);
		profile_free(p);
		err_clear();
		free(t);
	}
	/* truncated anywhere: refused, never a crash */
	for (i = 0; i < len; i += 1 + len / 300) {
		p = profile_read_buf("cut.json", good, i);
		if (p || err_code() != EXIT_USAGE)
			break;
		err_clear();
	}
	ok(i >= len, "cut short at 300 places: refused each time");
	profile_free(p);
	p = profile_read_buf("cut.json", good, len / 2);
	ok(!p && strstr(err_msg(), "the JSON ends too soon"),
	   "cut short: the JSON ends too soon");
	err_clear();
	p = profile_read_buf("empty.json", "", 0);
	ok(!p && err_code() == EXIT_USAGE, "an empty file is refused");
	err_clear();

	snprintf(f, sizeof(f), "%s/missing.json", tmp);
	ok(!profile_read(f) && err_code() == EXIT_USAGE,
	   "a file that does not exist is bad input");
	ok(profile_is_profile(f) == -1 && err_code() == EXIT_USAGE,
	   "profile_is_profile: a missing file is bad input");
	err_clear();
	ok(profile_sniff(good, len) == 1 && sniff("\xef\xbb\xbf { \"format\" :"
						  "\n\"mlrepo-profile\""),
	   "sniff: a profile, with a BOM and white space");
	ok(!sniff("a,b\n1,2\n") && !sniff("{\"format\":\"mlrepo-prof") &&
		   !sniff("{\"a\":1,\"format\":\"mlrepo-profile\"}"),
	   "sniff: a CSV, a cut profile, a JSON Lines record: no");
	ok(profile_is_profile("-") == 0, "profile_is_profile: stdin: no");
	free(good);
}

static void rm_tmp(void)
{
	const char *names[] = { "a.json", "b.json", "c.json", "good.json" };
	char f[300];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(f, sizeof(f), "%s/%s", tmp, names[i]);
		unlink(f);
	}
	rmdir(tmp);
}

int main(void)
{
	const char *t = getenv("TMPDIR");
	double *x;

	snprintf(tmp, sizeof(tmp), "%s/test-profile.XXXXXX",
		 t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	load_co2();
	is_int(nco2, 2225, "co2: 2225 weeks with a value");
	{
		struct profile *p;
		struct profile_col *c = col_of(co2, nco2, &p);
		struct profile_summary s;

		profile_col_summary(c, &s);
		is_double(s.mean, 340.14224719101122, 1e-12,
			  "co2: mean as numpy");
		is_double(s.var, 289.00215225350337, 1e-10,
			  "co2: variance as numpy.var");
		profile_free(p);
	}
	test_small();
	test_rows();
	test_exact();
	x = xmalloc(NBIG * sizeof(*x));
	test_accuracy(x);
	test_approx_distances(x);
	free(x);
	test_merge();
	test_values();
	test_histogram();
	test_extremes();
	test_file();
	test_bad_files();
	if (!getenv("MLREPO_TEST_KEEP"))
		rm_tmp();
	else
		printf("# kept %s\n", tmp);
	free(co2);
	return tap_done();
}
