/*
 * statdist.c - distances between two samples (statdist.h).
 *
 * Where NumPy's or SciPy's arithmetic decides a result (the number of
 * Sturges bins, the edges, which bin an edge value falls in), the code
 * below does the same operations in the same order, so that a value on an
 * edge lands in the same bin.  Sums are plain left-to-right loops where
 * NumPy sums pairwise; over at most a few thousand terms of one sign the
 * difference stays far below the 1e-6 the scores are held to.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "statdist.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * A double's bits as an unsigned key that sorts as the double does: the
 * sign bit flipped for positives, every bit flipped for negatives (so
 * -0.0 comes just before 0.0, which compare equal anyway).
 */
static uint64_t sort_key(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return u >> 63 ? ~u : u | (UINT64_C(1) << 63);
}

static double from_key(uint64_t k)
{
	double v;

	k = k >> 63 ? k & ~(UINT64_C(1) << 63) : ~k;
	memcpy(&v, &k, sizeof(v));
	return v;
}

/*
 * LSD radix sort, 11 bits a pass (six passes cover 64 bits), skipping a
 * pass whose digit is the same in every key (the high digits of values of
 * one sign and magnitude): a million values sort in about 15 ms where
 * qsort() takes ten times that, and drift-check sorts every column twice.
 */
#define RADIX_BITS 11
#define RADIX_SIZE (1 << RADIX_BITS)

void statdist_sort(double *x, size_t n)
{
	static const int passes = (64 + RADIX_BITS - 1) / RADIX_BITS;
	uint64_t *a, *b, *t;
	size_t (*count)[RADIX_SIZE], i;
	int p;

	if (n < 64) {
		if (n > 1)
			qsort(x, n, sizeof(*x), cmp_double);
		return;
	}
	a = xmalloc(n * sizeof(*a));
	b = xmalloc(n * sizeof(*b));
	count = xcalloc(passes, sizeof(*count));
	for (i = 0; i < n; i++) {
		uint64_t k = sort_key(x[i]);

		a[i] = k;
		for (p = 0; p < passes; p++)
			count[p][(k >> (p * RADIX_BITS)) & (RADIX_SIZE - 1)]++;
	}
	for (p = 0; p < passes; p++) {
		size_t sum = 0, *c = count[p];
		int shift = p * RADIX_BITS, d;

		if (c[(a[0] >> shift) & (RADIX_SIZE - 1)] == n)
			continue; /* one digit everywhere: nothing moves */
		for (d = 0; d < RADIX_SIZE; d++) {
			size_t here = c[d];

			c[d] = sum;
			sum += here;
		}
		for (i = 0; i < n; i++)
			b[c[(a[i] >> shift) & (RADIX_SIZE - 1)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (i = 0; i < n; i++)
		x[i] = from_key(a[i]);
	free(a);
	free(b);
	free(count);
}

size_t statdist_distinct(const double *x, size_t n)
{
	size_t i, d = n ? 1 : 0;

	for (i = 1; i < n; i++)
		d += x[i] != x[i - 1];
	return d;
}

size_t statdist_sturges(double min, double max, size_t n,
			double edges[STATDIST_MAX_EDGES])
{
	double first = min, last = max, width, step, t;
	size_t nbins, i;

	if (!n)
		return 0;
	/* numpy's _hist_bin_sturges(): ptp / (log2(size) + 1) */
	width = (max - min) / (log2((double)n) + 1.0);
	if (first == last) {
		first -= 0.5;
		last += 0.5;
	}
	/*
	 * int(ceil((last - first) / width)), with the division done, not
	 * simplified: for n = 64 over a range of 19.87, the quotient
	 * 19.87 / (19.87 / 7) is a hair above 7 and NumPy makes 8 bins.
	 */
	/*
	 * A range past the largest double (-1e308 .. 1e308) has an infinite
	 * width, where NumPy fails: one bin then, not ceil(NaN) as a size.
	 */
	nbins = width > 0 && isfinite(width)
			? (size_t)ceil((last - first) / width)
			: 1;
	if (nbins < 1)
		nbins = 1;
	if (nbins > STATDIST_MAX_EDGES - 1)
		nbins = STATDIST_MAX_EDGES - 1;
	/*
	 * numpy.linspace(first, last, nbins + 1): i * step + first, the
	 * product and the sum rounded apart (two statements, so that no
	 * compiler fuses them into one fma), the last edge `last` itself.
	 */
	step = (last - first) / (double)nbins;
	for (i = 0; i < nbins; i++) {
		t = (double)i * step;
		edges[i] = t + first;
	}
	edges[nbins] = last;
	return nbins;
}

/* The number of x[] < v (side "left") or <= v (side "right"). */
static size_t search_sorted(const double *x, size_t n, double v, int right)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (right ? x[mid] <= v : x[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void statdist_histogram(const double *x, size_t n, const double *edges,
			size_t nbins, size_t *counts)
{
	size_t i, lo, hi;

	/* numpy.histogram's _search_sorted_inclusive() */
	lo = search_sorted(x, n, edges[0], 0);
	for (i = 0; i < nbins; i++) {
		hi = search_sorted(x, n, edges[i + 1], i + 1 == nbins);
		counts[i] = hi - lo;
		lo = hi;
	}
}

static void bins_alloc(struct statdist_bins *b, size_t n, int sturges)
{
	b->n = n;
	b->ref = xcalloc(n ? n : 1, sizeof(*b->ref));
	b->cur = xcalloc(n ? n : 1, sizeof(*b->cur));
	b->sturges = sturges;
}

/*
 * The distinct values of the union of two sorted samples, by merging
 * them: returns how many there are and, given `pr` and `pc`, the share of
 * each side that holds each value, in order.
 */
static size_t union_values(const double *ref, size_t nr, const double *cur,
			   size_t nc, double *pr, double *pc)
{
	size_t i = 0, j = 0, k;

	for (k = 0; i < nr || j < nc; k++) {
		double v = j == nc || (i < nr && ref[i] < cur[j]) ? ref[i]
								    : cur[j];
		size_t i0 = i, j0 = j;

		while (i < nr && ref[i] == v)
			i++;
		while (j < nc && cur[j] == v)
			j++;
		if (pr) {
			pr[k] = (double)(i - i0) / (double)nr;
			pc[k] = (double)(j - j0) / (double)nc;
		}
	}
	return k;
}

void statdist_bins_numeric(const double *ref, size_t nr, const double *cur,
			   size_t nc, struct statdist_bins *out)
{
	double edges[STATDIST_MAX_EDGES] = { 0 }, min, max;
	size_t counts[STATDIST_MAX_EDGES], nb, k;

	if (statdist_distinct(ref, nr) > 20) {
		/* nr > 20 here: ref is not empty */
		min = ref[0];
		max = ref[nr - 1];
		if (nc && cur[0] < min)
			min = cur[0];
		if (nc && cur[nc - 1] > max)
			max = cur[nc - 1];
		nb = statdist_sturges(min, max, nr + nc, edges);
		bins_alloc(out, nb, 1);
		statdist_histogram(ref, nr, edges, nb, counts);
		for (k = 0; k < nb; k++)
			out->ref[k] = (double)counts[k] / (double)nr;
		statdist_histogram(cur, nc, edges, nb, counts);
		for (k = 0; k < nb; k++)
			out->cur[k] = (double)counts[k] / (double)nc;
		return;
	}

	/* one bin per distinct value of the union */
	nb = union_values(ref, nr, cur, nc, NULL, NULL);
	bins_alloc(out, nb, 0);
	union_values(ref, nr, cur, nc, out->ref, out->cur);
}

void statdist_bins_counts(const size_t *ref, const size_t *cur, size_t k,
			  struct statdist_bins *out)
{
	double sr = 0, sc = 0;
	size_t i;

	for (i = 0; i < k; i++) {
		sr += (double)ref[i];
		sc += (double)cur[i];
	}
	bins_alloc(out, k, 0);
	for (i = 0; i < k; i++) {
		out->ref[i] = (double)ref[i] / sr;
		out->cur[i] = (double)cur[i] / sc;
	}
}

void statdist_bins_release(struct statdist_bins *b)
{
	free(b->ref);
	free(b->cur);
	b->ref = b->cur = NULL;
	b->n = 0;
}

/*
 * What an empty bin of `p` becomes for psi and kl_div (Evidently's
 * get_binned_data(feel_zeroes=True)): the smallest non-zero proportion /
 * 1e6 when that is <= 1e-4, else 1e-4.  NaN when every bin is empty.
 */
static double fill_eps(const double *p, size_t n)
{
	double min = INFINITY;
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0 && p[i] < min)
			min = p[i];
	if (min == INFINITY)
		return NAN;
	return min <= 0.0001 ? min / 1e6 : 0.0001;
}

double statdist_psi(const struct statdist_bins *b)
{
	double er, ec, r, c, sum = 0;
	size_t i;

	if (!b->n)
		return NAN;
	er = fill_eps(b->ref, b->n);
	ec = fill_eps(b->cur, b->n);
	for (i = 0; i < b->n; i++) {
		r = b->ref[i] == 0 ? er : b->ref[i];
		c = b->cur[i] == 0 ? ec : b->cur[i];
		sum += (r - c) * log(r / c);
	}
	return sum;
}

/* scipy.special.rel_entr(x, y): x ln(x / y), 0 for x = 0 */
static double rel_entr(double x, double y)
{
	if (x > 0 && y > 0)
		return x * log(x / y);
	if (x == 0 && y >= 0)
		return 0;
	return INFINITY;
}

double statdist_kl_div(const struct statdist_bins *b)
{
	double er, ec, sr = 0, sc = 0, sum = 0, r, c;
	size_t i;

	if (!b->n)
		return NAN;
	er = fill_eps(b->ref, b->n);
	ec = fill_eps(b->cur, b->n);
	for (i = 0; i < b->n; i++) {
		sr += b->ref[i] == 0 ? er : b->ref[i];
		sc += b->cur[i] == 0 ? ec : b->cur[i];
	}
	/* scipy.stats.entropy(pk, qk) divides each by its sum first */
	for (i = 0; i < b->n; i++) {
		r = (b->ref[i] == 0 ? er : b->ref[i]) / sr;
		c = (b->cur[i] == 0 ? ec : b->cur[i]) / sc;
		sum += rel_entr(r, c);
	}
	return sum;
}

double statdist_jensenshannon(const struct statdist_bins *b)
{
	double sr = 0, sc = 0, left = 0, right = 0, p, q, m;
	size_t i;

	if (!b->n)
		return NAN;
	for (i = 0; i < b->n; i++) {
		sr += b->ref[i];
		sc += b->cur[i];
	}
	for (i = 0; i < b->n; i++) {
		p = b->ref[i] / sr;
		q = b->cur[i] / sc;
		m = (p + q) / 2.0;
		left += rel_entr(p, m);
		right += rel_entr(q, m);
	}
	return sqrt((left + right) / 2.0);
}

/* Evidently's last step: sqrt(1 - clip(sum, 0, 1)) */
static double hellinger_finish(double sum)
{
	if (isnan(sum))
		return NAN;
	if (sum < 0)
		sum = 0;
	if (sum > 1)
		sum = 1;
	return sqrt(1 - sum);
}

double statdist_hellinger_bins(const struct statdist_bins *b)
{
	double sum = 0;
	size_t i;

	if (!b->n)
		return NAN;
	for (i = 0; i < b->n; i++)
		sum += sqrt(b->ref[i] * b->cur[i]);
	return hellinger_finish(sum);
}

double statdist_hellinger(const double *ref, size_t nr, const double *cur,
			  size_t nc)
{
	double edges[STATDIST_MAX_EDGES] = { 0 }, min, max, width, db, p, q;
	double sum = 0;
	size_t cr[STATDIST_MAX_EDGES], cc[STATDIST_MAX_EDGES];
	size_t nb, i, u;

	if (!nr || !nc)
		return NAN;
	u = union_values(ref, nr, cur, nc, NULL, NULL);
	min = ref[0] < cur[0] ? ref[0] : cur[0];
	max = ref[nr - 1] > cur[nc - 1] ? ref[nr - 1] : cur[nc - 1];
	nb = statdist_sturges(min, max, u, edges);
	statdist_histogram(ref, nr, edges, nb, cr);
	statdist_histogram(cur, nc, edges, nb, cc);
	/* (max(bins) - min(bins)) / (len(bins) - 1) */
	width = (edges[nb] - edges[0]) / (double)nb;
	for (i = 0; i < nb; i++) {
		/* numpy.histogram(density=True): n / diff(edges) / sum(n) */
		db = edges[i + 1] - edges[i];
		p = (double)cr[i] / db / (double)nr;
		q = (double)cc[i] / db / (double)nc;
		sum += sqrt(p * q) * width;
	}
	return hellinger_finish(sum);
}

double statdist_std(const double *x, size_t n)
{
	double mean = 0, ss = 0, d;
	size_t i;

	if (!n)
		return NAN;
	for (i = 0; i < n; i++)
		mean += x[i];
	mean /= (double)n;
	for (i = 0; i < n; i++) {
		d = x[i] - mean;
		ss += d * d;
	}
	return sqrt(ss / (double)n);
}

/*
 * SciPy's _cdf_distance(): walk the distinct values of the union in order;
 * between one and the next, the CDFs are (values <= it) / size on each
 * side.  Returns the sum of |U - V|^p * gap for p = 1 or 2.
 */
static double cdf_distance(int p, const double *u, size_t nu, const double *v,
			   size_t nv)
{
	double x, next, d, sum = 0;
	size_t i = 0, j = 0;

	if (!nu || !nv)
		return NAN;
	x = u[0] < v[0] ? u[0] : v[0];
	for (;;) {
		while (i < nu && u[i] <= x)
			i++;
		while (j < nv && v[j] <= x)
			j++;
		if (i == nu && j == nv)
			break;
		if (i == nu)
			next = v[j];
		else if (j == nv)
			next = u[i];
		else
			next = u[i] < v[j] ? u[i] : v[j];
		d = fabs((double)i / (double)nu - (double)j / (double)nv);
		sum += (p == 1 ? d : d * d) * (next - x);
		x = next;
	}
	return sum;
}

double statdist_wasserstein1(const double *ref, size_t nr, const double *cur,
			     size_t nc)
{
	return cdf_distance(1, ref, nr, cur, nc);
}

double statdist_wasserstein(const double *ref, size_t nr, const double *cur,
			    size_t nc)
{
	double sd = statdist_std(ref, nr);

	return statdist_wasserstein1(ref, nr, cur, nc) /
	       (sd > 0.001 ? sd : 0.001);
}

double statdist_energy(const double *ref, size_t nr, const double *cur,
		       size_t nc)
{
	return sqrt(2.0) * sqrt(cdf_distance(2, ref, nr, cur, nc));
}

/* The count of x[] equal to x[i] from i on, and the index past them. */
static size_t run_end(const double *x, size_t n, size_t i)
{
	double v = x[i];

	while (i < n && x[i] == v)
		i++;
	return i;
}

/*
 * Scholz and Stephens' A2akN for two samples with ties (their equation 7),
 * as SciPy's _anderson_ksamp_midrank(): for each distinct value z_j of the
 * union, lj values equal to it, Bj = (values below) + lj / 2 and, per
 * sample, Mij = (its values <= z_j) - (its values == z_j) / 2.
 */
static double anderson_a2akn(const double *s0, size_t n0, const double *s1,
			     size_t n1)
{
	const double *s[2] = { s0, s1 };
	size_t n[2] = { n0, n1 }, pos[2] = { 0, 0 }, end[2], below = 0, k;
	double N = (double)(n0 + n1), sum = 0, lj, bj, mij, fij, d, z;

	while (pos[0] < n0 || pos[1] < n1) {
		if (pos[1] == n1 || (pos[0] < n0 && s0[pos[0]] < s1[pos[1]]))
			z = s0[pos[0]];
		else
			z = s1[pos[1]];
		for (k = 0; k < 2; k++)
			end[k] = pos[k] < n[k] && s[k][pos[k]] == z
					 ? run_end(s[k], n[k], pos[k])
					 : pos[k];
		lj = (double)(end[0] - pos[0] + end[1] - pos[1]);
		bj = (double)below + lj / 2.;
		for (k = 0; k < 2; k++) {
			fij = (double)(end[k] - pos[k]);
			mij = (double)end[k] - fij / 2.;
			d = N * mij - bj * (double)n[k];
			sum += lj / N * d * d / (bj * (N - bj) - N * lj / 4.) /
			       (double)n[k];
		}
		below += (size_t)lj;
		pos[0] = end[0];
		pos[1] = end[1];
	}
	return sum * (N - 1.) / N;
}

/*
 * The quadratic c[0] x^2 + c[1] x + c[2] fitting (x[i], y[i]) in least
 * squares, numpy.polyfit(x, y, 2), by the normal equations: for the seven
 * points below their condition is about 1e5, so the coefficients agree
 * with NumPy's SVD far below 1e-6.
 */
static void polyfit2(const double *x, const double *y, size_t n, double c[3])
{
	double a[3][4] = { { 0 } }, p[5], t;
	size_t i, j, r, piv;

	for (i = 0; i < n; i++) {
		p[0] = 1;
		for (j = 1; j < 5; j++)
			p[j] = p[j - 1] * x[i];
		for (r = 0; r < 3; r++) {
			for (j = 0; j < 3; j++)
				a[r][j] += p[4 - r - j];
			a[r][3] += p[2 - r] * y[i];
		}
	}
	/* Gauss-Jordan with partial pivoting on the 3 x 4 system */
	for (r = 0; r < 3; r++) {
		piv = r;
		for (i = r + 1; i < 3; i++)
			if (fabs(a[i][r]) > fabs(a[piv][r]))
				piv = i;
		for (j = 0; j < 4; j++) {
			t = a[r][j];
			a[r][j] = a[piv][j];
			a[piv][j] = t;
		}
		for (i = 0; i < 3; i++) {
			if (i == r)
				continue;
			t = a[i][r] / a[r][r];
			for (j = r; j < 4; j++)
				a[i][j] -= t * a[r][j];
		}
	}
	for (r = 0; r < 3; r++)
		c[r] = a[r][3] / a[r][r];
}

double statdist_anderson(const double *ref, size_t nr, const double *cur,
			 size_t nc)
{
	/* Scholz and Stephens' table 2, as in SciPy, for k - 1 = 1 */
	static const double b0[7] = { 0.675, 1.281, 1.645, 1.96,
				      2.326, 2.573, 3.085 };
	static const double b1[7] = { -0.245, 0.25, 0.678, 1.149,
				      1.822, 2.364, 3.615 };
	static const double b2[7] = { -0.105, -0.305, -0.362, -0.391,
				      -0.396, -0.345, -0.154 };
	static const double sig[7] = { 0.25, 0.1, 0.05, 0.025,
				       0.01, 0.005, 0.001 };
	double crit[7], logsig[7], c[3], cmin, cmax;
	double a2kn, H, hs = 0, h, g = 0, N, a, b, cc, d, sigmasq, A2;
	size_t i, n = nr + nc;

	if (!nr || !nc || n < 4 || (ref[0] == ref[nr - 1] &&
				    cur[0] == cur[nc - 1] && ref[0] == cur[0]))
		return NAN;
	a2kn = anderson_a2akn(ref, nr, cur, nc);
	N = (double)n;
	H = 1. / (double)nr + 1. / (double)nc;
	/* hs_cs = cumsum(1 / [N-1, N-2, ..., 2]); g sums hs_cs / [2..N-1] */
	for (i = 0; i + 2 < n; i++) {
		hs += 1. / (double)(n - 1 - i);
		g += hs / (double)(i + 2);
	}
	h = hs + 1;
	/* SciPy's a, b, c, d with k = 2 samples */
	a = (4 * g - 6) * 1 + (10 - 6 * g) * H;
	b = (2 * g - 4) * 4 + 8 * h * 2 + (2 * g - 14 * h - 4) * H - 8 * h +
	    4 * g - 6;
	cc = (6 * h + 2 * g - 2) * 4 + (4 * h - 4 * g + 6) * 2 +
	     (2 * h - 6) * H + 4 * h;
	d = (2 * h + 6) * 4 - 4 * h * 2;
	sigmasq = (a * N * N * N + b * N * N + cc * N + d) /
		  ((N - 1.) * (N - 2.) * (N - 3.));
	A2 = (a2kn - 1) / sqrt(sigmasq);

	for (i = 0; i < 7; i++) {
		crit[i] = b0[i] + b1[i] / sqrt(1.) + b2[i] / 1.;
		logsig[i] = log(sig[i]);
	}
	cmin = crit[0];
	cmax = crit[6];
	if (A2 < cmin)
		return 0.25;
	if (A2 > cmax)
		return 0.001;
	polyfit2(crit, logsig, 7, c);
	return exp((c[0] * A2 + c[1]) * A2 + c[2]);
}

/*
 * K_nu(q) * exp(q), the scaled modified Bessel function of the second
 * kind, from K_nu(q) = integral over t >= 0 of exp(-q cosh t) cosh(nu t):
 * the trapezoid rule, exact to rounding for so smooth and fast-decaying an
 * integrand at step 1/32, summed until the terms no longer count.
 */
static double bessel_k_scaled(double nu, double q)
{
	const double step = 1.0 / 32;
	double sum = 0.5, t, f;
	int i;

	for (i = 1; i < 100000; i++) {
		t = i * step;
		f = exp(-q * (cosh(t) - 1)) * cosh(nu * t);
		sum += f;
		if (f < sum * 1e-18)
			break;
	}
	return sum * step;
}

/*
 * SciPy's _cdf_cvm_inf(): the limiting distribution of the Cramer-von
 * Mises statistic (Csorgo and Faraway 1996, eq. 1.2), its terms added
 * until one is below 1e-7 as SciPy stops.
 */
static double cvm_cdf_inf(double x)
{
	const double pi15 = pow(M_PI, 1.5);
	double tot = 0, u, y, q, z;
	int k;

	for (k = 0; k < 1000; k++) {
		u = exp(lgamma(k + 0.5) - lgamma(k + 1.0)) / (pi15 * sqrt(x));
		y = 4.0 * k + 1;
		q = y * y / (16 * x);
		/* exp(-q) * K(q) = exp(-2q) * (K(q) exp(q)) */
		z = u * sqrt(y) * exp(-2 * q) * bessel_k_scaled(0.25, q);
		tot += z;
		if (fabs(z) < 1e-7)
			break;
	}
	return tot;
}

/* numpy.floor_divide() of two doubles (npy_divmod()) */
static double floor_div(double a, double b)
{
	double mod = fmod(a, b), div = (a - mod) / b, fl;

	if (mod != 0 && (b < 0) != (mod < 0))
		div -= 1.0;
	if (div == 0)
		return copysign(0.0, a / b);
	fl = floor(div);
	if (div - fl > 0.5)
		fl += 1.0;
	return fl;
}

/* One frequency table of Xiao et al.: values ascending, their counts. */
struct cvm_tab {
	size_t n;
	int64_t *val;
	uint64_t *freq;
};

/*
 * The exact p-value P(U >= s) of the two-sample statistic for sizes m and
 * n, as SciPy's _pval_cvm_2samp_exact() (Xiao, Gordon and Yakovlev 2006):
 * g(u, v) = g(u, v - 1) merged with g(u - 1, v), each value plus
 * (a v - b u)^2, the tables kept sorted so that a merge is linear.
 */
static double cvm_exact(double s, size_t m, size_t n)
{
	struct cvm_tab *gs, *next, tmp;
	uint64_t lcm, a, b, mn, x, y, r;
	size_t u, v, i, j, k;
	double zeta, comb, hits = 0;
	int64_t add;

	for (x = m, y = n; y; r = x % y, x = y, y = r)
		;
	lcm = (uint64_t)m / x * n;
	a = lcm / m;
	b = lcm / n;
	mn = (uint64_t)m * n;
	zeta = floor_div((double)(lcm * lcm * (m + n)) *
				 (6 * s - (double)mn * (double)(4 * mn - 1)),
			 (double)(6 * mn * mn));
	/* scipy.special.comb(m + n, m), a float */
	comb = 1;
	for (i = 1; i <= m; i++)
		comb = comb * (double)(n + i) / (double)i;

	gs = xcalloc(m + 1, sizeof(*gs));
	next = xcalloc(m + 1, sizeof(*next));
	gs[0].n = 1;
	gs[0].val = xcalloc(1, sizeof(int64_t));
	gs[0].freq = xcalloc(1, sizeof(uint64_t));
	gs[0].freq[0] = 1;
	for (u = 0; u <= n; u++) {
		for (v = 0; v <= m; v++) {
			const struct cvm_tab *p = v ? &next[v - 1] : NULL;
			size_t pn = p ? p->n : 0;

			tmp.val = xcalloc(pn + gs[v].n + 1, sizeof(int64_t));
			tmp.freq = xcalloc(pn + gs[v].n + 1, sizeof(uint64_t));
			for (i = 0, j = 0, k = 0; i < pn || j < gs[v].n; k++) {
				if (j == gs[v].n ||
				    (i < pn && p->val[i] < gs[v].val[j])) {
					tmp.val[k] = p->val[i];
					tmp.freq[k] = p->freq[i++];
				} else if (i == pn ||
					   gs[v].val[j] < p->val[i]) {
					tmp.val[k] = gs[v].val[j];
					tmp.freq[k] = gs[v].freq[j++];
				} else {
					tmp.val[k] = p->val[i];
					tmp.freq[k] =
						p->freq[i++] + gs[v].freq[j++];
				}
			}
			tmp.n = k;
			add = (int64_t)(a * v) - (int64_t)(b * u);
			for (k = 0; k < tmp.n; k++)
				tmp.val[k] += add * add;
			next[v] = tmp;
		}
		for (v = 0; v <= m; v++) {
			free(gs[v].val);
			free(gs[v].freq);
			gs[v] = next[v];
		}
	}
	for (k = 0; k < gs[m].n; k++)
		if ((double)gs[m].val[k] >= zeta)
			hits += (double)gs[m].freq[k];
	for (v = 0; v <= m; v++) {
		free(gs[v].val);
		free(gs[v].freq);
	}
	free(gs);
	free(next);
	return hits / comb;
}

/* The midrank of x[i] among the sorted x[] and y[] together. */
static double midrank(const double *x, size_t nx, size_t i, const double *y,
		      size_t ny)
{
	double v = x[i];
	size_t lo, hi;

	lo = search_sorted(x, nx, v, 0) + search_sorted(y, ny, v, 0);
	hi = search_sorted(x, nx, v, 1) + search_sorted(y, ny, v, 1);
	return ((double)lo + 1 + (double)hi) / 2;
}

double statdist_cramer_von_mises(const double *ref, size_t nr,
				 const double *cur, size_t nc)
{
	double U = 0, sx = 0, sy = 0, d, k, N, t, et, vt, tn, p;
	size_t i;

	if (nr < 2 || nc < 2)
		return NAN;
	for (i = 0; i < nr; i++) {
		d = midrank(ref, nr, i, cur, nc) - (double)(i + 1);
		sx += d * d;
	}
	for (i = 0; i < nc; i++) {
		d = midrank(cur, nc, i, ref, nr) - (double)(i + 1);
		sy += d * d;
	}
	U = (double)nr * sx + (double)nc * sy;
	if (nr <= 20 && nc <= 20)
		return cvm_exact(U, nr, nc);
	k = (double)nr * (double)nc;
	N = (double)(nr + nc);
	t = U / (k * N) - (4 * k - 1) / (6 * N);
	et = (1 + 1 / N) / 6;
	vt = (N + 1) * (4 * k * N - 3 * ((double)nr * (double)nr +
					 (double)nc * (double)nc) - 2 * k);
	vt = vt / (45 * N * N * 4 * k);
	tn = 1. / 6 + (t - et) / sqrt(45 * vt);
	if (tn < 0.003)
		return 1.0;
	p = 1.0 - cvm_cdf_inf(tn);
	return p > 0 ? p : 0;
}
