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
#include <stdlib.h>

#include "err.h"
#include "statdist.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void statdist_sort(double *x, size_t n)
{
	if (n > 1)
		qsort(x, n, sizeof(*x), cmp_double);
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
	nbins = width > 0 ? (size_t)ceil((last - first) / width) : 1;
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

void statdist_bins_numeric(const double *ref, size_t nr, const double *cur,
			   size_t nc, struct statdist_bins *out)
{
	double edges[STATDIST_MAX_EDGES] = { 0 }, min, max;
	size_t counts[STATDIST_MAX_EDGES], nb, i, j, k;

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

	/* one bin per distinct value of the union: merge the two runs */
	nb = 0;
	for (i = 0, j = 0; i < nr || j < nc; nb++) {
		double v = j == nc || (i < nr && ref[i] < cur[j]) ? ref[i]
								    : cur[j];
		while (i < nr && ref[i] == v)
			i++;
		while (j < nc && cur[j] == v)
			j++;
	}
	bins_alloc(out, nb, 0);
	for (k = 0, i = 0, j = 0; i < nr || j < nc; k++) {
		double v = j == nc || (i < nr && ref[i] < cur[j]) ? ref[i]
								    : cur[j];
		size_t i0 = i, j0 = j;

		while (i < nr && ref[i] == v)
			i++;
		while (j < nc && cur[j] == v)
			j++;
		out->ref[k] = (double)(i - i0) / (double)nr;
		out->cur[k] = (double)(j - j0) / (double)nc;
	}
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
	size_t nb, i, j, u;

	if (!nr || !nc)
		return NAN;
	/* the distinct values of the union, counted by merging */
	u = 0;
	for (i = 0, j = 0; i < nr || j < nc; u++) {
		double v = j == nc || (i < nr && ref[i] < cur[j]) ? ref[i]
								    : cur[j];
		while (i < nr && ref[i] == v)
			i++;
		while (j < nc && cur[j] == v)
			j++;
	}
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
