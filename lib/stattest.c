/*
 * stattest.c - two-sample tests and the distribution functions under them
 * (see stattest.h).  The algorithms are the textbook ones, named where
 * they are used; SciPy 1.10's choices of algorithm by region are followed
 * where they change the result beyond rounding (ks_2samp, kstwo,
 * mannwhitneyu's method "auto").
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stattest.h"

#define ITMAX 100000
#define TINY 1e-300
#define SQRT_2PI 2.50662827463100050242

/* -------- distribution functions -------- */

double stattest_norm_cdf(double z)
{
	return 0.5 * erfc(-z / M_SQRT2);
}

double stattest_norm_sf(double z)
{
	return 0.5 * erfc(z / M_SQRT2);
}

/* exp(-x) x^a / Gamma(a), the factor in front of both gamma expansions. */
static double gamma_front(double a, double x)
{
	return exp(-x + a * log(x) - lgamma(a));
}

/* P(a, x) by its power series; good for x < a + 1. */
static double gamma_p_series(double a, double x)
{
	double ap = a, term = 1.0 / a, sum = term;
	int i;

	for (i = 0; i < ITMAX; i++) {
		ap += 1.0;
		term *= x / ap;
		sum += term;
		if (fabs(term) < fabs(sum) * DBL_EPSILON)
			break;
	}
	return sum * gamma_front(a, x);
}

/* Q(a, x) by its continued fraction (modified Lentz); x >= a + 1. */
static double gamma_q_cf(double a, double x)
{
	double b = x + 1.0 - a, c = 1.0 / TINY, d = 1.0 / b, h = d;
	int i;

	for (i = 1; i < ITMAX; i++) {
		double an = -i * (i - a), del;

		b += 2.0;
		d = an * d + b;
		if (fabs(d) < TINY)
			d = TINY;
		c = b + an / c;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < DBL_EPSILON)
			break;
	}
	return h * gamma_front(a, x);
}

double stattest_gamma_p(double a, double x)
{
	if (isnan(a) || isnan(x))
		return NAN;
	if (x <= 0)
		return 0.0;
	if (isinf(x))
		return 1.0;
	return x < a + 1.0 ? gamma_p_series(a, x) : 1.0 - gamma_q_cf(a, x);
}

double stattest_gamma_q(double a, double x)
{
	if (isnan(a) || isnan(x))
		return NAN;
	if (x <= 0)
		return 1.0;
	if (isinf(x))
		return 0.0;
	return x < a + 1.0 ? 1.0 - gamma_p_series(a, x) : gamma_q_cf(a, x);
}

double stattest_chi2_sf(double x, double df)
{
	if (isnan(x) || !(df > 0))
		return NAN;
	return stattest_gamma_q(df / 2.0, x / 2.0);
}

/* The continued fraction of I_x(a, b) (Lentz), for x < (a+1)/(a+b+2). */
static double beta_cf(double a, double b, double x)
{
	double qab = a + b, qap = a + 1.0, qam = a - 1.0;
	double c = 1.0, d = 1.0 - qab * x / qap, h;
	int m;

	if (fabs(d) < TINY)
		d = TINY;
	d = 1.0 / d;
	h = d;
	for (m = 1; m < ITMAX; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < TINY)
			d = TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1.0 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1.0 + aa * d;
		if (fabs(d) < TINY)
			d = TINY;
		c = 1.0 + aa / c;
		if (fabs(c) < TINY)
			c = TINY;
		d = 1.0 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1.0) < DBL_EPSILON)
			break;
	}
	return h;
}

/*
 * I_x(a, b) given both x and y = 1 - x, so that a caller who knows y
 * more precisely than 1 - x (the t distribution's tail) loses nothing.
 */
static double beta_inc2(double a, double b, double x, double y)
{
	double front;

	if (x <= 0)
		return 0.0;
	if (y <= 0)
		return 1.0;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log(y));
	if (x < (a + 1.0) / (a + b + 2.0))
		return front * beta_cf(a, b, x) / a;
	return 1.0 - front * beta_cf(b, a, y) / b;
}

double stattest_beta_inc(double a, double b, double x)
{
	if (isnan(a) || isnan(b) || isnan(x))
		return NAN;
	return beta_inc2(a, b, x, 1.0 - x);
}

/* P(|T| > |t|): I_{df/(df+t^2)}(df/2, 1/2). */
static double t_two_sided(double t, double df)
{
	double t2 = t * t;

	if (isnan(t) || !(df > 0))
		return NAN;
	if (isinf(t))
		return 0.0;
	return beta_inc2(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2));
}

double stattest_t_sf(double t, double df)
{
	double p = t_two_sided(t, df) / 2.0;

	return t > 0 ? p : 1.0 - p;
}

/*
 * Kolmogorov's limit, by the alternating series 2 sum (-1)^(k-1)
 * exp(-2 k^2 x^2) for x >= 1, else by its theta-function form 1 -
 * sqrt(2 pi)/x sum exp(-(2k-1)^2 pi^2 / (8 x^2)), each where it converges
 * fast (the split SciPy's cephes uses).
 */
double stattest_kolmogorov_sf(double x)
{
	double p = 0.0, t;
	int k;

	if (isnan(x))
		return NAN;
	if (x <= 0)
		return 1.0;
	if (x >= 1.0) {
		for (k = 1; k < 1000; k++) {
			t = exp(-2.0 * k * k * x * x);
			p += (k & 1) ? t : -t;
			if (t == 0 || t / p <= DBL_EPSILON)
				break;
		}
		return 2.0 * p;
	}
	for (k = 1; k < 1000; k += 2) {
		t = exp(-M_PI * M_PI * k * k / (8.0 * x * x));
		p += t;
		if (t == 0 || t / p < DBL_EPSILON)
			break;
	}
	return 1.0 - p * SQRT_2PI / x;
}

/*
 * Birnbaum and Tingey's exact formula for the one-sided statistic:
 * P(D+_n >= x) = x sum_{v=0}^{floor(n(1-x))} C(n,v) (x + v/n)^(v-1)
 * (1 - x - v/n)^(n-v), each term in logarithms.
 */
double stattest_smirnov_sf(long n, double x)
{
	double lgn, sum = 0.0;
	long v, nn;

	if (isnan(x) || n <= 0)
		return NAN;
	if (x <= 0)
		return 1.0;
	if (x >= 1)
		return 0.0;
	lgn = lgamma(n + 1.0);
	nn = (long)floor(n * (1.0 - x));
	for (v = 0; v <= nn; v++) {
		double evn = x + (double)v / n, omevn = 1.0 - evn, t;

		t = lgn - lgamma(v + 1.0) - lgamma((double)(n - v) + 1.0) +
		    (v - 1) * log(evn);
		if (n - v > 0) {
			if (omevn <= 0)
				continue;
			t += (n - v) * log(omevn);
		}
		sum += exp(t);
	}
	return sum * x;
}

/* c = a b for m x m matrices. */
static void mat_mul(const double *a, const double *b, double *c, int m)
{
	int i, j, l;

	for (i = 0; i < m; i++) {
		for (j = 0; j < m; j++)
			c[i * m + j] = 0.0;
		for (l = 0; l < m; l++) {
			double ail = a[i * m + l];

			if (ail == 0)
				continue;
			for (j = 0; j < m; j++)
				c[i * m + j] += ail * b[l * m + j];
		}
	}
}

/* Divide `a` by 2^128 while its largest entry exceeds 2^128. */
static void mat_scale(double *a, int m, long *expnt)
{
	double mx = 0;
	int i;

	for (i = 0; i < m * m; i++)
		if (fabs(a[i]) > mx)
			mx = fabs(a[i]);
	while (mx > 0x1p128) {
		for (i = 0; i < m * m; i++)
			a[i] = ldexp(a[i], -128);
		mx = ldexp(mx, -128);
		*expnt += 128;
	}
}

/*
 * P(D_n < d) by Durbin's matrix, as Marsaglia, Tsang and Wang (2003)
 * evaluate it: with k = ceil(nd), h = k - nd, the (2k-1)-square matrix H,
 * the answer is n!/n^n (H^n)[k-1][k-1]; powers by squaring, with the
 * exponent kept apart.
 */
static double kolmogn_dmtw_cdf(long n, double d)
{
	double nd = n * d, h, p, f, *H, *P, *T;
	long k, nn, expnt = 0, hexp = 0, i;
	int m, r, c;

	if (d >= 1.0)
		return 1.0;
	if (nd <= 0.5)
		return 0.0;
	k = (long)ceil(nd);
	h = k - nd;
	m = (int)(2 * k - 1);
	H = xcalloc((size_t)m * m, sizeof(*H));
	P = xcalloc((size_t)m * m, sizeof(*P));
	T = xcalloc((size_t)m * m, sizeof(*T));
	for (r = 0; r < m; r++) {
		f = 1.0;	/* 1 / (r - c + 1)! for c from r + 1 down */
		for (c = r + 1; c >= 0; c--) {
			if (c < m)
				H[r * m + c] = f;
			f /= (r - c + 2);
		}
	}
	f = 1.0;
	for (r = 0; r < m; r++) {
		f /= (r + 1);	/* 1 / (r + 1)! */
		H[r * m] -= pow(h, r + 1) * f;
		H[(m - 1) * m + (m - 1 - r)] -= pow(h, r + 1) * f;
	}
	if (2 * h - 1 > 0)
		H[(m - 1) * m] += pow(2 * h - 1, m) * f;
	for (r = 0; r < m; r++)
		P[r * m + r] = 1.0;
	for (nn = n; nn > 0; nn >>= 1) {
		if (nn & 1) {
			mat_mul(P, H, T, m);
			memcpy(P, T, sizeof(*P) * m * m);
			expnt += hexp;
			mat_scale(P, m, &expnt);
		}
		if (nn > 1) {
			mat_mul(H, H, T, m);
			memcpy(H, T, sizeof(*H) * m * m);
			hexp *= 2;
			mat_scale(H, m, &hexp);
		}
	}
	p = P[(k - 1) * m + (k - 1)];
	for (i = 1; i <= n; i++) {
		p = p * i / n;
		if (p != 0 && fabs(p) < 0x1p-128) {
			p = ldexp(p, 128);
			expnt -= 128;
		}
	}
	free(H);
	free(P);
	free(T);
	return ldexp(p, (int)expnt);
}

/*
 * P(D_n <= x) by Pelz and Good's (1976) expansion K0 + K1/sqrt(n) +
 * K2/n + K3/n^1.5 in z = x sqrt(n), each K in its theta-function form
 * (sums over odd m of polynomials times q^(m^2), q = exp(-pi^2/(8 z^2)),
 * and for K2, K3 a second sum over all k of exp(-k^2 pi^2 / (2 z^2))).
 */
static double kolmogn_pelzgood_cdf(long n, double x)
{
	double z, z2, z4, z6, z8, q, q2, pi2 = M_PI * M_PI;
	double pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0, e2 = 0, e3 = 0;
	double k0, k1, k2, k3, rn = (double)n;
	long k, maxk;

	if (x <= 0)
		return 0.0;
	if (x >= 1)
		return 1.0;
	z = sqrt(rn) * x;
	z2 = z * z;
	z4 = z2 * z2;
	z6 = z4 * z2;
	z8 = z4 * z4;
	if (-pi2 / 8 / z2 < -708)
		return 0.0;
	q = -pi2 / 8 / z2;
	q2 = -pi2 / 2 / z2;
	maxk = (long)ceil(16 * z / M_PI);
	for (k = maxk; k >= 1; k--) {
		double mm = 2.0 * k - 1, m2 = mm * mm, m4 = m2 * m2;
		double m6 = m4 * m2, w = exp(q * m2), w2;

		s0 += w;
		s1 += (-z2 + pi2 * m2 / 4) * w;
		s2 += (6 * z6 + 2 * z4 + (2 * z4 - 5 * z2) * pi2 / 4 * m2 +
		       pi4 * (1 - 2 * z2) / 16 * m4) * w;
		s3 += (-30 * z6 - 90 * z8 + pi2 * (135 * z4 - 96 * z6) / 4 * m2 +
		       pi4 * (-60 * z2 + 212 * z4) / 16 * m4 +
		       pi6 * (5 - 30 * z2) / 64 * m6) * w;
		w2 = exp(q2 * (double)k * k);
		e2 += (double)k * k * w2;
		e3 += (3 * z2 - pi2 * k * k) * (double)k * k * w2;
	}
	k0 = SQRT_2PI * s0 / z;
	k1 = SQRT_2PI * s1 / (6 * z4);
	k2 = SQRT_2PI * s2 / (72 * z6 * z) -
	     pi2 * SQRT_2PI * e2 / (36 * z2 * z);
	k3 = SQRT_2PI * s3 / (6480 * z8 * z2) + pi2 * SQRT_2PI * e3 / (216 * z6);
	return k0 + k1 / sqrt(rn) + k2 / rn + k3 / (rn * sqrt(rn));
}

static double clip01(double p)
{
	if (isnan(p))
		return p;
	return p < 0 ? 0.0 : p > 1 ? 1.0 : p;
}

/*
 * SciPy's kstwo.sf: Ruben and Gambino's closed forms at the ends, twice
 * the one-sided tail where that is exact or close enough, and otherwise 1
 * minus an exact CDF (Durbin's matrix; SciPy uses Pomeranz's recursion
 * for n <= 140 and 0.754693 < n x^2 <= 4: another exact method, equal to
 * rounding) or Pelz and Good's expansion, chosen as Simard and L'Ecuyer
 * (2011) advise.
 */
double stattest_kstwo_sf(double x, long n)
{
	double t, nx2;

	if (isnan(x) || n <= 0)
		return NAN;
	if (x >= 1)
		return 0.0;
	if (x <= 0)
		return 1.0;
	t = n * x;
	if (t <= 1.0) {
		double prob = 1.0;
		long i;

		if (t <= 0.5)
			return 1.0;
		if (n <= 140)
			for (i = 1; i <= n; i++)
				prob *= i * (1.0 / n) * (2 * t - 1);
		else
			prob = exp(lgamma(n + 1.0) - n * log((double)n) +
				   n * log(2 * t - 1));
		return clip01(1.0 - prob);
	}
	if (t >= n - 1)
		return clip01(2 * pow(1.0 - x, (double)n));
	if (x >= 0.5)
		return clip01(2 * stattest_smirnov_sf(n, x));
	nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 4)
			return clip01(1.0 - kolmogn_dmtw_cdf(n, x));
		return clip01(2 * stattest_smirnov_sf(n, x));
	}
	if (nx2 >= 370.0)
		return 0.0;
	if (nx2 >= 2.2)
		return clip01(2 * stattest_smirnov_sf(n, x));
	if (n <= 100000 && n * pow(x, 1.5) <= 1.4)
		return clip01(1.0 - kolmogn_dmtw_cdf(n, x));
	return clip01(1.0 - kolmogn_pelzgood_cdf(n, x));
}

/* -------- the tests -------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *sorted_copy(const double *v, size_t n)
{
	double *s = xmalloc(n * sizeof(*s));

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return s;
}

static int check_sizes(const char *test, size_t nref, size_t ncur)
{
	if (!nref)
		return error_input("%s: the reference sample is empty", test);
	if (!ncur)
		return error_input("%s: the current sample is empty", test);
	return 0;
}

/*
 * P(D >= h/lcm) for n1 = n2 = n: Gnedenko and Korolyuk's alternating sum
 * 2 sum_k (-1)^(k-1) C(2n, n - kh) / C(2n, n), nested as 2 A1 (1 - A2 (1
 * - A3 (...))) with A_k = C(2n, n - kh) / C(2n, n - (k-1)h), so that no
 * difference of large terms is formed.
 */
static double ks_square(long n, long h)
{
	double p = 0.0;
	long k, j;

	for (k = n / h; k >= 1; k--) {
		double a = 1.0;

		/* A_k as a product of h ratios */
		for (j = 0; j < h; j++)
			a = a * (double)(n - (k - 1) * h - j) /
			    (double)(n + (k - 1) * h + j + 1);
		p = a * (1.0 - p);
	}
	return 2.0 * p;
}

static long floor_div(long a, long b)
{
	long q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/*
 * P(D >= h/lcm) for n1 != n2 by Hodges' lattice paths from (0,0) to
 * (m,n) that stay strictly inside |x n/g - y m/g| < h: column by column,
 * c[y] holds the share of the paths to (x, y) that have left the band
 * (Viehmann's 1 - p form, 2021: no subtraction at the end), a point
 * outside the band holding 1.  c(x,y) = (x c(x-1,y) + y c(x,y-1)) /
 * (x + y), the path counts divided by C(x+y, y).
 */
static double ks_inside(long m, long n, long g, long h)
{
	long mg, ng, i, j, lo = 0, hi, plo = 0;
	double *c, p;

	if (m < n) {
		long t = m;

		m = n;
		n = t;
	}
	mg = m / g;
	ng = n / g;
	c = xmalloc((size_t)(n + 1) * sizeof(*c));
	for (j = 0; j <= n; j++)
		c[j] = mg * j < h ? 0.0 : 1.0;
	for (i = 1; i <= m; i++) {
		lo = floor_div(ng * i - h, mg) + 1;
		if (lo < 0)
			lo = 0;
		if (lo > n)
			lo = n;
		hi = -floor_div(-(ng * i + h), mg);	/* ceiling */
		if (hi > n + 1)
			hi = n + 1;
		if (hi <= lo) {
			free(c);
			return 1.0;
		}
		for (j = plo; j < lo; j++)
			c[j] = 1.0;
		for (j = lo; j < hi; j++)
			c[j] = ((double)i * c[j] + (j ? (double)j * c[j - 1] : 0)) /
			       (double)(i + j);
		plo = lo;
	}
	p = c[n];
	free(c);
	return p;
}

static long gcd(long a, long b)
{
	while (b) {
		long t = a % b;

		a = b;
		b = t;
	}
	return a;
}

#define KS_MAX_EXACT 10000

int stattest_ks(const double *ref, size_t nref, const double *cur,
		size_t ncur, struct stattest_result *r)
{
	double *a, *b, d, maxs = 0, mins = 0, p = NAN, en, big, small;
	size_t i = 0, j = 0;
	long n1 = (long)nref, n2 = (long)ncur;

	if (check_sizes("ks", nref, ncur) < 0)
		return -1;
	a = sorted_copy(ref, nref);
	b = sorted_copy(cur, ncur);
	/* the ECDFs' difference at every value of either sample */
	while (i < nref || j < ncur) {
		double v, diff;

		if (j >= ncur || (i < nref && a[i] <= b[j]))
			v = a[i];
		else
			v = b[j];
		while (i < nref && a[i] == v)
			i++;
		while (j < ncur && b[j] == v)
			j++;
		diff = (double)i / n1 - (double)j / n2;
		if (diff > maxs)
			maxs = diff;
		if (-diff > mins)
			mins = -diff;
	}
	free(a);
	free(b);
	d = mins > maxs ? mins : maxs;
	if (n1 <= KS_MAX_EXACT && n2 <= KS_MAX_EXACT) {
		long g = gcd(n1, n2), lcm = n1 / g * n2;
		long h = (long)nearbyint(d * lcm);

		d = (double)h / lcm;
		if (h == 0)
			p = 1.0;
		else if (n1 == n2)
			p = ks_square(n1, h);
		else
			p = ks_inside(n1, n2, g, h);
	}
	if (!(p >= 0 && p <= 1)) {	/* large samples, or exact failed */
		big = n1 > n2 ? n1 : n2;
		small = n1 > n2 ? n2 : n1;
		en = big * small / (big + small);
		p = stattest_kstwo_sf(d, (long)nearbyint(en));
	}
	r->statistic = d;
	r->pvalue = clip01(p);
	return 0;
}

static double sum_counts(const double *v, size_t k)
{
	double s = 0;
	size_t i;

	for (i = 0; i < k; i++)
		s += v[i];
	return s;
}

int stattest_chisquare(const double *ref, const double *cur, size_t k,
		       struct stattest_result *r)
{
	double nref = sum_counts(ref, k), ncur = sum_counts(cur, k), norm;
	double stat = 0;
	size_t i;

	if (check_sizes("chisquare", nref > 0, ncur > 0) < 0)
		return -1;
	norm = ncur / nref;
	for (i = 0; i < k; i++) {
		double e = ref[i] * norm, dev = cur[i] - e;

		stat += e > 0 ? dev * dev / e : (dev != 0 ? INFINITY : NAN);
	}
	r->statistic = stat;
	r->pvalue = isinf(stat) ? 0.0 : stattest_chi2_sf(stat, (double)k - 1);
	return 0;
}

int stattest_z(const double *ref, const double *cur, size_t k,
	       struct stattest_result *r)
{
	double n1 = sum_counts(ref, k), n2 = sum_counts(cur, k);
	double p1, p2, pp, z;
	size_t i, nzr = 0, nzc = 0, ir = 0, ic = 0;

	if (check_sizes("z", n1 > 0, n2 > 0) < 0)
		return -1;
	for (i = 0; i < k; i++) {
		if (ref[i] > 0) {
			nzr++;
			ir = i;
		}
		if (cur[i] > 0) {
			nzc++;
			ic = i;
		}
	}
	if (nzr == 1 && nzc == 1 && ir == ic) {
		r->statistic = 0.0;
		r->pvalue = 1.0;
		return 0;
	}
	/* the share of values other than category 0, as Evidently counts */
	p1 = (n1 - ref[0]) / n1;
	p2 = (n2 - cur[0]) / n2;
	pp = (p1 * n1 + p2 * n2) / (n1 + n2);
	z = (p1 - p2) / sqrt(pp * (1 - pp) * (1.0 / n1 + 1.0 / n2));
	r->statistic = z;
	r->pvalue = 2 * (1 - stattest_norm_cdf(fabs(z)));
	return 0;
}

static void mean_var(const double *v, size_t n, double *mean, double *var)
{
	double s = 0, ss = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s += v[i];
	*mean = s / n;
	for (i = 0; i < n; i++)
		ss += (v[i] - *mean) * (v[i] - *mean);
	*var = n > 1 ? ss / (n - 1) : NAN;
}

static int t_test(const char *name, int welch, const double *ref,
		  size_t nref, const double *cur, size_t ncur,
		  struct stattest_result *r)
{
	double m1, v1, m2, v2, n1 = (double)nref, n2 = (double)ncur;
	double df, denom, t;

	if (check_sizes(name, nref, ncur) < 0)
		return -1;
	mean_var(ref, nref, &m1, &v1);
	mean_var(cur, ncur, &m2, &v2);
	if (welch) {
		double vn1 = v1 / n1, vn2 = v2 / n2;

		df = (vn1 + vn2) * (vn1 + vn2) /
		     (vn1 * vn1 / (n1 - 1) + vn2 * vn2 / (n2 - 1));
		if (isnan(df))	/* two constant samples: SciPy takes 1 */
			df = 1;
		denom = sqrt(vn1 + vn2);
	} else {
		df = n1 + n2 - 2;
		denom = sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / df *
			     (1.0 / n1 + 1.0 / n2));
	}
	t = (m1 - m2) / denom;
	r->statistic = t;
	r->pvalue = t_two_sided(t, df);
	return 0;
}

int stattest_t(const double *ref, size_t nref, const double *cur,
	       size_t ncur, struct stattest_result *r)
{
	return t_test("t_test", 0, ref, nref, cur, ncur, r);
}

int stattest_welch(const double *ref, size_t nref, const double *cur,
		   size_t ncur, struct stattest_result *r)
{
	return t_test("welch", 1, ref, nref, cur, ncur, r);
}

struct tagged {
	double v;
	int ref;
};

static int cmp_tagged(const void *a, const void *b)
{
	return cmp_double(&((const struct tagged *)a)->v,
			  &((const struct tagged *)b)->v);
}

/*
 * P(U <= k) for sample sizes m and n without ties.  The number of
 * arrangements with U = u is the coefficient of q^u in the Gaussian
 * binomial [m+n choose m]_q = prod_{i=1}^{s} (1 - q^(l+i)) / (1 - q^i),
 * s = min(m, n), l = max(m, n); only degrees up to k are kept.  Memory is
 * k + 1 long doubles, k <= m n / 2 (the other half by symmetry).
 */
static double mwu_exact_cdf(long m, long n, long k)
{
	long s = m < n ? m : n, l = m < n ? n : m, i, j;
	long double *c, total = 1, sum = 0;
	int flip = 0;

	if (k < 0)
		return 0.0;
	if (k >= m * n)
		return 1.0;
	if (k > m * n / 2) {	/* P(U <= k) = 1 - P(U <= mn - k - 1) */
		k = m * n - k - 1;
		flip = 1;
	}
	c = xcalloc((size_t)k + 1, sizeof(*c));
	c[0] = 1;
	for (i = 1; i <= s; i++) {
		for (j = k; j >= l + i; j--)
			c[j] -= c[j - l - i];
		for (j = i; j <= k; j++)
			c[j] += c[j - i];
		total = total * (l + i) / i;
	}
	for (j = 0; j <= k; j++)
		sum += c[j];
	free(c);
	return flip ? (double)(1 - sum / total) : (double)(sum / total);
}

static int mann_whitney(const char *name, int two_sided, const double *ref,
			size_t nref, const double *cur, size_t ncur,
			struct stattest_result *r)
{
	struct tagged *all;
	size_t n = nref + ncur, i, j;
	double r1 = 0, ties = 0, u1, u2, u, p, n1 = (double)nref;
	double n2 = (double)ncur;

	if (check_sizes(name, nref, ncur) < 0)
		return -1;
	all = xmalloc(n * sizeof(*all));
	for (i = 0; i < nref; i++) {
		all[i].v = ref[i];
		all[i].ref = 1;
	}
	for (i = 0; i < ncur; i++) {
		all[nref + i].v = cur[i];
		all[nref + i].ref = 0;
	}
	qsort(all, n, sizeof(*all), cmp_tagged);
	for (i = 0; i < n; i = j) {
		double rank, t;

		for (j = i + 1; j < n && all[j].v == all[i].v; j++)
			;
		rank = (double)(i + 1 + j) / 2;	/* the average of i+1..j */
		t = (double)(j - i);
		ties += t * t * t - t;
		for (; i < j; i++)
			if (all[i].ref)
				r1 += rank;
	}
	free(all);
	u1 = r1 - n1 * (n1 + 1) / 2;
	u2 = n1 * n2 - u1;
	u = two_sided ? (u1 > u2 ? u1 : u2) : u2;
	if ((nref <= 8 || ncur <= 8) && ties == 0) {
		p = mwu_exact_cdf((long)nref, (long)ncur,
				  (long)(n1 * n2 - u));
	} else {
		double nn = n1 + n2, mu = n1 * n2 / 2, num = u - mu - 0.5;
		double s = sqrt(n1 * n2 / 12 * ((nn + 1) -
						ties / (nn * (nn - 1))));

		p = stattest_norm_sf(num / s);
	}
	if (two_sided)
		p *= 2;
	r->statistic = u1;
	r->pvalue = clip01(p);
	return 0;
}

int stattest_mannw(const double *ref, size_t nref, const double *cur,
		   size_t ncur, struct stattest_result *r)
{
	return mann_whitney("mannw", 0, ref, nref, cur, ncur, r);
}

int stattest_mannwhitney(const double *ref, size_t nref, const double *cur,
			 size_t ncur, struct stattest_result *r)
{
	return mann_whitney("mannwhitney", 1, ref, nref, cur, ncur, r);
}
