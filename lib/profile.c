/*
 * profile.c - drift-check's mergeable profiles (profile.h).
 *
 * A column is four summaries fed by one value at a time:
 *
 *   - moments: count, min, max, and Welford's running mean and sum of
 *     squared deviations (m2), merged with Chan et al.'s pairwise formulas;
 *   - a KLL sketch (Karnin, Lang and Liberty 2016, "Optimal quantile
 *     approximation in streams"), lazy as in Apache DataSketches: levels
 *     of items of weight 2^h, level h holding at most
 *     max(8, k (2/3)^(H-1-h)) of H levels before it is compacted; the
 *     sketch compacts only when all its levels together are full, and
 *     then only the lowest level over its own capacity.  A compaction
 *     sorts the level and moves every other item (from the first or the
 *     second, by a coin) to the level above, so that each pair straddling
 *     a point moves the estimated rank there by +-2^h with equal odds;
 *   - a histogram of power-of-two bins aligned at 0, whose width is a
 *     function of min and max alone (the finest that holds both in
 *     PROFILE_HIST_BINS bins), so that the histogram of a data set is one
 *     thing however it was cut into shards;
 *   - the distinct values with their counts, in an open-addressing table,
 *     until there are more than PROFILE_MAX_DISTINCT of them; then the
 *     table is freed and the column is only marked over the cap.
 *
 * Determinism.  The coin of a compaction is a hash of the level, the
 * number of values summarised and the sorted level's size, smallest and
 * largest item: the same values in the same order give the same sketch,
 * and shards of different data do not share their coins.  Levels, values
 * and histograms are written in sorted order, so the JSON text is a
 * function of the summaries alone.
 *
 * The hot path, profile_add_number(): Welford, a histogram increment, a
 * hash probe while under the cap, an append to level 0.  The sketch's
 * array (all levels share one, struct kll) grows by doubling up to the
 * sketch's capacity, so nothing is allocated per value.  A compaction of
 * level 0 sorts it (sort_doubles() below); levels above are kept sorted,
 * each compaction merging its run into the level above, so they are never
 * sorted again.  Each value is sorted once and merged about once: O(log
 * k) compares a value amortised, measured at 30 to 50 ns a value for the
 * whole of profile_add_number() on random doubles (10^7 of them, one core
 * of this shared machine).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "fsutil.h"
#include "num.h"
#include "profile.h"
#include "statdist.h"
#include "strbuf.h"

#define KLL_MINW 8		/* the smallest capacity of a level */
#define KLL_MAXLEV 64		/* weights 2^h fit in int64 below this */
#define VSLOTS 2048		/* hash slots: a power of two > 2 cap */
#define HIST_EMIN (-1023)	/* 2^-e stays a normal double */
#define HIST_EMAX 1074		/* 2^-e stays a (subnormal) double */
#define HIST_IMAX 0x1p62	/* bin indexes stay below this */

/* ---- the pieces of a column ---------------------------------------- */

/*
 * All items of a sketch in one array, level 0 first: level h is
 * v[start[h], start[h + 1]), start[nlev] == alloc, and the free room is
 * v[0, start[0]) in front, where level 0 grows.  One array, not one a
 * level: each level grows to k items while it is the top one and would
 * keep that room (230 KB a column where the items take 24).
 */
struct kll {
	int nlev;	/* levels in use (1 at first) */
	size_t cap;	/* the levels' total capacity */
	size_t levcap[KLL_MAXLEV];	/* each level's */
	double *v;	/* level 0 unsorted, the levels above sorted */
	size_t alloc;
	size_t start[KLL_MAXLEV + 1];
};

#define KLL_SIZE(k) ((k)->alloc - (k)->start[0])
#define KLL_N(k, h) ((k)->start[(h) + 1] - (k)->start[h])
#define KLL_AT(k, h) ((k)->v + (k)->start[h])

struct hist {
	int e;			/* bin width 2^e */
	double scale;		/* 2^-e */
	int64_t lo, hi;		/* the bins of min and max */
	int64_t *ring;		/* bin i counted in ring[i % NB] */
};

struct ventry {
	double num;	/* the key of a number table */
	char *text;	/* the key of a text table, NUL-terminated */
	size_t len;
	int64_t count;
};

struct vmap {
	int text;		/* keys are text (the column holds text) */
	int over;		/* more distinct values than the cap */
	size_t n, alloc;
	struct ventry *e;
	uint32_t *slot;		/* VSLOTS entries: index + 1, 0 free */
};

struct profile_col {
	struct profile *p;
	char *name;
	int64_t rows, missing, ntext;
	int64_t count;		/* finite numbers */
	double min, max, mean, m2;
	int var_read;		/* var below is what the file said */
	double var;
	struct kll kll;
	struct hist hist;
	struct vmap vals;
};

struct profile {
	int64_t rows;
	int ncols, alloc;
	struct profile_col **cols;
};

/* ---- small helpers ------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finaliser */
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static uint64_t dbits(double v)
{
	uint64_t b;

	memcpy(&b, &v, sizeof(b));
	return b;
}

static void sort_insertion(double *x, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		double t = x[i];

		for (j = i; j > 0 && x[j - 1] > t; j--)
			x[j] = x[j - 1];
		x[j] = t;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Sorting doubles (no NaN) ascending, for level 0 of a sketch.  A
 * quicksort whose partitions do not branch on the data (each item is
 * swapped into place and the boundary moves by the comparison's 0 or 1):
 * on random data, mispredicted branches were most of the cost of qsort()
 * and of a classic Hoare partition (59 ns a value for the whole
 * profile_add_number() with qsort(), 45 with this).  Three parts (<
 * pivot, ==, >), so that a column of few distinct values stays n log n;
 * after 2 log n levels qsort() finishes, so that no input is quadratic.
 */
/* Move the items < piv (le: <= piv) to the front; return their number. */
static size_t partition(double *x, size_t n, double piv, int le)
{
	size_t i, j = 0;

	for (i = 0; i < n; i++) {
		double t = x[i];

		x[i] = x[j];
		x[j] = t;
		j += le ? t <= piv : t < piv;
	}
	return j;
}

static void sort_doubles_depth(double *x, size_t n, int depth)
{
	while (n > 16) {
		double a = x[0], b = x[n / 2], c = x[n - 1], piv;
		size_t lt, eq;

		if (depth-- <= 0) {
			qsort(x, n, sizeof(*x), cmp_double);
			return;
		}
		piv = a < b ? (b < c ? b : (a < c ? c : a))
			    : (a < c ? a : (b < c ? c : b));
		lt = partition(x, n, piv, 0);
		eq = partition(x + lt, n - lt, piv, 1);
		/* x[0, lt) < piv == x[lt, lt + eq) < x[lt + eq, n) */
		if (lt < n - lt - eq) {
			sort_doubles_depth(x, lt, depth);
			x += lt + eq;
			n -= lt + eq;
		} else {
			sort_doubles_depth(x + lt + eq, n - lt - eq, depth);
			n = lt;
		}
	}
	sort_insertion(x, n);
}

static void sort_doubles(double *x, size_t n)
{
	int depth = 0;
	size_t m;

	for (m = n; m; m >>= 1)
		depth += 2;
	sort_doubles_depth(x, n, depth);
}

/*
 * Text as it is kept: bytes that are not UTF-8, and NUL, become U+FFFD,
 * so that the JSON is UTF-8 and reads back to the same key.  Returns `s`
 * itself when it is plain (the common case), else tmp's buffer.
 */
static const char *clean_text(const char *s, size_t len, struct strbuf *tmp,
			      size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;
	size_t i;

	for (i = 0; i < len; i++)
		if (!p[i] || p[i] >= 0x80)
			break;
	if (i == len) {
		*outlen = len;
		return s;
	}
	strbuf_reset(tmp);
	strbuf_add(tmp, s, i);
	for (p += i; p < e;) {
		size_t n = *p ? strbuf_utf8_len(p, e) : 0;

		if (n) {
			strbuf_add(tmp, p, n);
			p += n;
		} else {
			strbuf_addstr(tmp, "\xef\xbf\xbd");
			p++;
		}
	}
	*outlen = tmp->len;
	return tmp->buf;
}

/* Is `s` kept as it is by clean_text()? */
static int is_clean(const char *s)
{
	struct strbuf tmp = STRBUF_INIT;
	size_t len = strlen(s), n;
	const char *t = clean_text(s, len, &tmp, &n);
	int same = n == len && !memcmp(t, s, len);

	strbuf_release(&tmp);
	return same;
}

/* ---- the KLL sketch ------------------------------------------------ */

/*
 * The capacity of a level `d` below the top: k (2/3)^d, at least
 * KLL_MINW, rounded down at each step (1000, 666, 444, ..., 10, 8).
 */
static size_t kll_cap_depth(int d)
{
	size_t c = PROFILE_SKETCH_K;

	while (d-- > 0 && c > KLL_MINW)
		c = c * 2 / 3;
	return c < KLL_MINW ? KLL_MINW : c;
}

static size_t kll_total_cap(int nlev)
{
	size_t t = 0;
	int d;

	for (d = 0; d < nlev; d++)
		t += kll_cap_depth(d);
	return t;
}

/* Use `nlev` levels (more than before): the capacities change. */
static void kll_set_levels(struct kll *k, int nlev)
{
	int h;

	for (h = k->nlev + 1; h <= nlev; h++)
		k->start[h] = k->alloc;	/* new levels, empty, on top */
	k->nlev = nlev;
	k->cap = 0;
	for (h = 0; h < nlev; h++) {
		k->levcap[h] = kll_cap_depth(nlev - 1 - h);
		k->cap += k->levcap[h];
	}
}

static void kll_init(struct kll *k)
{
	memset(k, 0, sizeof(*k));
	/* never NULL, so that every level is a pointer, if empty */
	k->alloc = 64;
	k->v = xmalloc(k->alloc * sizeof(*k->v));
	k->start[0] = k->alloc;
	kll_set_levels(k, 1);
}

static void kll_release(struct kll *k)
{
	free(k->v);
}

/*
 * Make the array hold at least `need` items, the levels moved to its end.
 * It grows by doubling up to the sketch's capacity, which it then follows.
 */
static void kll_reserve(struct kll *k, size_t need)
{
	size_t n = k->alloc * 2, size = KLL_SIZE(k), shift;
	double *v;
	int h;

	if (k->alloc >= need)
		return;
	if (n < 64)
		n = 64;
	if (n > k->cap)
		n = k->cap;
	if (n < need)
		n = need;
	v = xmalloc(n * sizeof(*v));
	shift = n - k->alloc;
	if (size)
		memcpy(v + k->start[0] + shift, k->v + k->start[0],
		       size * sizeof(*v));
	for (h = 0; h <= k->nlev; h++)
		k->start[h] += shift;
	free(k->v);
	k->v = v;
	k->alloc = n;
}

/*
 * Compact level h into h + 1; `n` is the number of values summarised.
 * In place: the run of every other item is first gathered at the bottom
 * of level h (each moves down), then merged with the sorted level above
 * into the room that ends where that level ends and starts `pairs` items
 * lower, front to back: the merge writes above the run's room and never
 * ahead of the item it reads from the level above.  Then the levels
 * below h move up over the room freed (they are short: a level is
 * compacted only when all below it are under their capacities).
 */
static void kll_compact(struct kll *k, int h, int64_t n)
{
	double *v, odd_item = 0;
	size_t nl, pairs, lo, hi, r, u, o, i, shift;
	uint64_t seed;
	int coin, odd, g;

	if (h + 1 == k->nlev) {
		if (k->nlev == KLL_MAXLEV)
			die(EXIT_ENV, "profile: the sketch ran out of levels");
		kll_set_levels(k, k->nlev + 1);
	}
	v = k->v;
	lo = k->start[h];
	nl = KLL_N(k, h);
	pairs = nl / 2;
	odd = (int)(nl & 1);
	if (h == 0)
		sort_doubles(v + lo, nl);
	seed = UINT64_C(0x6d6c7265706f6b6c) ^
	       (uint64_t)h * UINT64_C(0x9e3779b97f4a7c15);
	seed = mix64(seed ^ (uint64_t)n);
	seed = mix64(seed ^ (uint64_t)nl ^ dbits(v[lo]));
	seed = mix64(seed ^ dbits(v[lo + nl - 1]));
	coin = (int)(seed >> 63);
	/* an odd item out stays, at its weight: keep the largest */
	if (odd)
		odd_item = v[lo + nl - 1];
	for (i = 0; i < pairs; i++)
		v[lo + i] = v[lo + coin + 2 * i];
	/* merge v[lo, lo + pairs) and level h + 1 into [o, its end) */
	r = lo;
	u = k->start[h + 1];
	hi = k->start[h + 2];
	o = u - pairs;
	k->start[h + 1] = o;
	while (r < lo + pairs && u < hi)
		v[o++] = v[u] < v[r] ? v[u++] : v[r++];
	while (r < lo + pairs)
		v[o++] = v[r++];
	/* what is left of level h + 1 is in place already */
	o = k->start[h + 1];
	if (odd)
		v[--o] = odd_item;
	shift = o - lo;	/* == pairs */
	if (lo > k->start[0])
		memmove(v + k->start[0] + shift, v + k->start[0],
			(lo - k->start[0]) * sizeof(*v));
	for (g = 0; g <= h; g++)
		k->start[g] += shift;
}

/* Compact the lowest level at or over its capacity. */
static void kll_compress(struct kll *k, int64_t n)
{
	int h;

	for (h = 0; h < k->nlev - 1; h++)
		if (KLL_N(k, h) >= k->levcap[h])
			break;
	kll_compact(k, h, n);
}

static inline void kll_add(struct kll *k, double v, int64_t n)
{
	if (KLL_SIZE(k) >= k->cap)
		kll_compress(k, n);
	if (!k->start[0])
		kll_reserve(k, KLL_SIZE(k) + 1);
	k->v[--k->start[0]] = v;
}

/* Merge the sorted a[na] and b[nb] into out[na + nb]. */
static void merge_sorted(const double *a, size_t na, const double *b,
			 size_t nb, double *out)
{
	size_t i = 0, j = 0, o = 0;

	while (i < na && j < nb)
		out[o++] = b[j] < a[i] ? b[j++] : a[i++];
	while (i < na)
		out[o++] = a[i++];
	while (j < nb)
		out[o++] = b[j++];
}

static void kll_merge(struct kll *d, const struct kll *s, int64_t n)
{
	int nlev = s->nlev > d->nlev ? s->nlev : d->nlev, h;
	size_t size = KLL_SIZE(d) + KLL_SIZE(s), alloc, at;
	size_t start[KLL_MAXLEV + 1];
	double *v;

	kll_set_levels(d, nlev);
	alloc = size > d->cap ? size : d->cap;
	v = xmalloc((alloc ? alloc : 1) * sizeof(*v));
	/* level by level from the top down, to the end of the new array */
	at = alloc;
	start[nlev] = alloc;
	for (h = nlev - 1; h >= 0; h--) {
		size_t nd = KLL_N(d, h), ns = h < s->nlev ? KLL_N(s, h) : 0;

		at -= nd + ns;
		if (h == 0) {
			if (nd)
				memcpy(v + at, KLL_AT(d, 0), nd * sizeof(*v));
			if (ns)
				memcpy(v + at + nd, KLL_AT(s, 0),
				       ns * sizeof(*v));
		} else {
			merge_sorted(KLL_AT(d, h), nd, ns ? KLL_AT(s, h) : NULL,
				     ns, v + at);
		}
		start[h] = at;
	}
	free(d->v);
	d->v = v;
	d->alloc = alloc;
	memcpy(d->start, start, (size_t)(nlev + 1) * sizeof(*start));
	while (KLL_SIZE(d) > d->cap)
		kll_compress(d, n);
}

/* The weight of the items <= x (or < x when `strict`). */
static int64_t kll_rank(const struct kll *k, double x, int strict)
{
	int64_t r = 0;
	size_t i;
	int h;

	for (h = 0; h < k->nlev; h++) {
		const double *l = KLL_AT(k, h);
		size_t n = KLL_N(k, h);
		int64_t c = 0;

		for (i = 0; i < n; i++)
			c += strict ? l[i] < x : l[i] <= x;
		r += c << h;
	}
	return r;
}

/* A sketch's items sorted, with their weights. */
struct wpt {
	double v;
	int64_t w;
};

static int cmp_wpt(const void *a, const void *b)
{
	double x = ((const struct wpt *)a)->v, y = ((const struct wpt *)b)->v;

	return (x > y) - (x < y);
}

static struct wpt *kll_view(const struct kll *k, size_t *m)
{
	struct wpt *w = xmalloc((KLL_SIZE(k) ? KLL_SIZE(k) : 1) * sizeof(*w));
	size_t i, j = 0;
	int h;

	for (h = 0; h < k->nlev; h++)
		for (i = 0; i < KLL_N(k, h); i++) {
			w[j].v = KLL_AT(k, h)[i];
			w[j++].w = (int64_t)1 << h;
		}
	qsort(w, j, sizeof(*w), cmp_wpt);
	*m = j;
	return w;
}

/* ---- the histogram ------------------------------------------------- */

/* floor(v / 2^e) with s = 2^-e; v * s is exact unless subnormal. */
static inline int64_t hist_index(double v, double s)
{
	double d = floor(v * s);

	/* a negative value too small to scale rounds to -0: its bin is -1 */
	if (d == 0 && v < 0)
		return -1;
	return (int64_t)d;
}

static int hist_fits(double min, double max, int e)
{
	double s = ldexp(1.0, -e);

	if (!(fabs(min * s) < HIST_IMAX && fabs(max * s) < HIST_IMAX))
		return 0;
	return hist_index(max, s) - hist_index(min, s) < PROFILE_HIST_BINS;
}

/* The finest width 2^e, e >= e0, that holds [min, max]. */
static int hist_width(double min, double max, int e0)
{
	double r = max - min, a = fabs(min) > fabs(max) ? fabs(min)
						     : fabs(max);
	int e = HIST_EMIN, lb;

	/* lower bounds: the range in NB bins, the indexes in 62 bits */
	if (r > 0) {
		lb = isfinite(r) ? ilogb(r) - 9 : 1015;
		if (lb > e)
			e = lb;
	}
	if (a > 0) {
		lb = ilogb(a) - 63;
		if (lb > e)
			e = lb;
	}
	if (e0 > e)
		e = e0;
	while (e < HIST_EMAX && !hist_fits(min, max, e))
		e++;
	return e;
}

/* floor(i / 2^d) */
static int64_t shift_floor(int64_t i, int d)
{
	if (d >= 63)
		return i < 0 ? -1 : 0;
	return i >= 0 ? i >> d : -((-i - 1) >> d) - 1;
}

static inline int64_t *hist_slot(const struct hist *h, int64_t i)
{
	return &h->ring[(uint64_t)i & (PROFILE_HIST_BINS - 1)];
}

/* Add the bins of `src` (width 2^src->e <= 2^dst->e) to `dst`. */
static void hist_fold(struct hist *dst, const struct hist *src)
{
	int64_t i;
	int d = dst->e - src->e;

	for (i = src->lo; i <= src->hi; i++) {
		int64_t c = *hist_slot(src, i);

		if (c)
			*hist_slot(dst, shift_floor(i, d)) += c;
	}
}

/* Set the grid for [min, max] (width at least 2^e0), keeping the counts. */
static void hist_regrid(struct hist *h, double min, double max, int e0)
{
	struct hist old = *h;

	h->e = hist_width(min, max, e0);
	h->scale = ldexp(1.0, -h->e);
	if (h->e != old.e) {
		h->ring = xcalloc(PROFILE_HIST_BINS, sizeof(*h->ring));
		if (old.ring) {
			hist_fold(h, &old);
			free(old.ring);
		}
	} else if (!h->ring) {
		h->ring = xcalloc(PROFILE_HIST_BINS, sizeof(*h->ring));
	}
	h->lo = hist_index(min, h->scale);
	h->hi = hist_index(max, h->scale);
}

/* ---- the values and their counts ----------------------------------- */

static uint32_t hash_num(double v)
{
	return (uint32_t)(mix64(dbits(v)) >> 32);
}

static uint32_t hash_text(const char *s, size_t len)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
	return (uint32_t)(mix64(h) >> 32);
}

static void vmap_drop(struct vmap *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->e[i].text);
	free(m->e);
	free(m->slot);
	m->e = NULL;
	m->slot = NULL;
	m->n = m->alloc = 0;
}

static void vmap_over(struct vmap *m)
{
	vmap_drop(m);
	m->over = 1;
}

static uint32_t vmap_hash(const struct vmap *m, const struct ventry *e)
{
	return m->text ? hash_text(e->text, e->len) : hash_num(e->num);
}

static void vmap_reslot(struct vmap *m)
{
	size_t i;

	if (!m->slot)
		m->slot = xcalloc(VSLOTS, sizeof(*m->slot));
	else
		memset(m->slot, 0, VSLOTS * sizeof(*m->slot));
	for (i = 0; i < m->n; i++) {
		uint32_t s = vmap_hash(m, &m->e[i]) & (VSLOTS - 1);

		while (m->slot[s])
			s = (s + 1) & (VSLOTS - 1);
		m->slot[s] = (uint32_t)i + 1;
	}
}

/*
 * The entry of a key (a number, or text when m->text), made with count 0
 * when absent; NULL when a new key would pass the cap (the map is then
 * over it and freed).
 */
static struct ventry *vmap_get(struct vmap *m, double num, const char *text,
			       size_t len)
{
	uint32_t s, h;
	struct ventry *e;

	if (m->over)
		return NULL;
	if (!m->slot)
		m->slot = xcalloc(VSLOTS, sizeof(*m->slot));
	h = m->text ? hash_text(text, len) : hash_num(num);
	for (s = h & (VSLOTS - 1); m->slot[s]; s = (s + 1) & (VSLOTS - 1)) {
		e = &m->e[m->slot[s] - 1];
		if (m->text ? e->len == len && !memcmp(e->text, text, len)
			    : e->num == num)
			return e;
	}
	if (m->n == PROFILE_MAX_DISTINCT) {
		vmap_over(m);
		return NULL;
	}
	ALLOC_GROW(m->e, m->n + 1, m->alloc);
	e = &m->e[m->n];
	e->num = m->text ? 0 : num;
	e->text = m->text ? xstrndup(text, len) : NULL;
	e->len = m->text ? len : 0;
	e->count = 0;
	m->slot[s] = (uint32_t)++m->n;
	return e;
}

/* Make a number table a text table: the numbers' shortest exact text. */
static void vmap_to_text(struct vmap *m)
{
	char buf[NUM_BUFSZ];
	size_t i;

	if (m->text)
		return;
	m->text = 1;
	for (i = 0; i < m->n; i++) {
		m->e[i].text = xstrdup(num_format_exact(m->e[i].num, buf));
		m->e[i].len = strlen(m->e[i].text);
		m->e[i].num = 0;
	}
	if (m->slot)
		vmap_reslot(m);
}

static int cmp_ventry_num(const void *a, const void *b)
{
	double x = ((const struct ventry *)a)->num;
	double y = ((const struct ventry *)b)->num;

	return (x > y) - (x < y);
}

static int cmp_ventry_text(const void *a, const void *b)
{
	return strcmp(((const struct ventry *)a)->text,
		      ((const struct ventry *)b)->text);
}

/* A sorted copy of the entries (texts shared with `m`); free() it. */
static struct ventry *vmap_sorted(const struct vmap *m)
{
	struct ventry *e = xmalloc((m->n ? m->n : 1) * sizeof(*e));

	if (m->n)
		memcpy(e, m->e, m->n * sizeof(*e));
	qsort(e, m->n, sizeof(*e), m->text ? cmp_ventry_text : cmp_ventry_num);
	return e;
}

/* ---- profiles and columns ------------------------------------------ */

struct profile *profile_new(void)
{
	return xcalloc(1, sizeof(struct profile));
}

static void col_free(struct profile_col *c)
{
	kll_release(&c->kll);
	free(c->hist.ring);
	vmap_drop(&c->vals);
	free(c->name);
	free(c);
}

void profile_free(struct profile *p)
{
	int i;

	if (!p)
		return;
	for (i = 0; i < p->ncols; i++)
		col_free(p->cols[i]);
	free(p->cols);
	free(p);
}

int64_t profile_rows(const struct profile *p)
{
	int64_t r = p->rows;
	int i;

	for (i = 0; i < p->ncols; i++)
		if (p->cols[i]->rows > r)
			r = p->cols[i]->rows;
	return r;
}

void profile_add_row(struct profile *p)
{
	p->rows++;
}

int profile_ncols(const struct profile *p)
{
	return p->ncols;
}

struct profile_col *profile_col_at(struct profile *p, int i)
{
	return i >= 0 && i < p->ncols ? p->cols[i] : NULL;
}

static struct profile_col *col_new(struct profile *p, const char *name)
{
	struct profile_col *c = xcalloc(1, sizeof(*c));
	int alloc = p->alloc;

	c->p = p;
	c->name = xstrdup(name);
	kll_init(&c->kll);
	ALLOC_GROW(p->cols, (size_t)p->ncols + 1, alloc);
	p->alloc = alloc;
	p->cols[p->ncols++] = c;
	return c;
}

struct profile_col *profile_col(struct profile *p, const char *name,
				int create)
{
	struct strbuf tmp = STRBUF_INIT;
	struct profile_col *c = NULL;
	size_t len;
	const char *key = clean_text(name, strlen(name), &tmp, &len);
	int i;

	for (i = 0; i < p->ncols; i++)
		if (!strcmp(p->cols[i]->name, key)) {
			c = p->cols[i];
			break;
		}
	if (!c && create)
		c = col_new(p, key);
	strbuf_release(&tmp);
	return c;
}

const char *profile_col_name(const struct profile_col *c)
{
	return c->name;
}

void profile_add_missing(struct profile_col *c)
{
	c->rows++;
	c->missing++;
}

void profile_add_number(struct profile_col *c, double v)
{
	struct ventry *e;
	double d;

	if (!isfinite(v)) {
		profile_add_missing(c);
		return;
	}
	if (v == 0)
		v = 0;	/* -0 is 0 */
	c->rows++;
	c->var_read = 0;
	if (c->count++ == 0) {
		c->min = c->max = c->mean = v;
		c->m2 = 0;
		hist_regrid(&c->hist, v, v, HIST_EMIN);
	} else {
		d = v - c->mean;
		c->mean += d / (double)c->count;
		c->m2 += d * (v - c->mean);
		if (v < c->min || v > c->max) {
			if (v < c->min)
				c->min = v;
			else
				c->max = v;
			if (!hist_fits(c->min, c->max, c->hist.e))
				hist_regrid(&c->hist, c->min, c->max,
					    c->hist.e);
			c->hist.lo = hist_index(c->min, c->hist.scale);
			c->hist.hi = hist_index(c->max, c->hist.scale);
		}
	}
	(*hist_slot(&c->hist, hist_index(v, c->hist.scale)))++;
	kll_add(&c->kll, v, c->count);
	if (c->vals.over)
		return;
	if (c->vals.text) {
		char buf[NUM_BUFSZ];

		num_format_exact(v, buf);
		e = vmap_get(&c->vals, 0, buf, strlen(buf));
	} else {
		e = vmap_get(&c->vals, v, NULL, 0);
	}
	if (e)
		e->count++;
}

void profile_add_text(struct profile_col *c, const char *s, size_t len)
{
	struct strbuf tmp = STRBUF_INIT;
	struct ventry *e;

	c->rows++;
	c->ntext++;
	if (c->vals.over)
		return;
	vmap_to_text(&c->vals);
	s = clean_text(s, len, &tmp, &len);
	e = vmap_get(&c->vals, 0, s, len);
	if (e)
		e->count++;
	strbuf_release(&tmp);
}

/* ---- rows every column sees ---------------------------------------- */

/*
 * A column's rows and missing values as reported: a row of the profile
 * that gave the column no value counts as missing for it.
 */
static void col_rows(const struct profile_col *c, int64_t *rows,
		     int64_t *missing)
{
	int64_t r = profile_rows(c->p);

	*rows = r;
	*missing = c->missing + (r - c->rows);
}

static double col_var(const struct profile_col *c)
{
	if (!c->count)
		return NAN;
	return c->var_read ? c->var : c->m2 / (double)c->count;
}

/* ---- merging ------------------------------------------------------- */

static void vmap_merge(struct vmap *d, const struct vmap *s)
{
	struct vmap tmp = { 0 };
	const struct vmap *src = s;
	size_t i;

	if (d->over)
		return;
	if (s->over) {
		vmap_over(d);
		return;
	}
	if (s->text && !d->text)
		vmap_to_text(d);
	if (d->text && !s->text) {
		/* a text copy of the source's numbers */
		tmp.alloc = tmp.n = s->n;
		tmp.e = xmalloc((s->n ? s->n : 1) * sizeof(*tmp.e));
		if (s->n)
			memcpy(tmp.e, s->e, s->n * sizeof(*tmp.e));
		vmap_to_text(&tmp);
		src = &tmp;
	}
	for (i = 0; i < src->n; i++) {
		const struct ventry *se = &src->e[i];
		struct ventry *e = vmap_get(d, se->num, se->text, se->len);

		if (!e)
			break;
		e->count += se->count;
	}
	if (src == &tmp)
		vmap_drop(&tmp);
}

static void col_merge(struct profile_col *d, const struct profile_col *s,
		      int64_t srows, int64_t smissing)
{
	d->rows += srows;
	d->missing += smissing;
	d->ntext += s->ntext;
	if (s->count) {
		d->var_read = 0;
		if (!d->count) {
			d->min = s->min;
			d->max = s->max;
			d->mean = s->mean;
			d->m2 = s->var_read ? s->var * (double)s->count : s->m2;
			/* merged into nothing, a profile read stays as read */
			d->var_read = s->var_read;
			d->var = s->var;
			hist_regrid(&d->hist, s->min, s->max, s->hist.e);
		} else {
			double na = (double)d->count, nb = (double)s->count;
			double n = na + nb, delta = s->mean - d->mean;
			double m2a = d->m2, m2b = s->m2;

			if (s->var_read)
				m2b = s->var * nb;
			d->mean += delta * (nb / n);
			d->m2 = m2a + m2b + delta * delta * (na * nb / n);
			if (s->min < d->min)
				d->min = s->min;
			if (s->max > d->max)
				d->max = s->max;
			hist_regrid(&d->hist, d->min, d->max,
				    s->hist.e > d->hist.e ? s->hist.e
							  : d->hist.e);
		}
		hist_fold(&d->hist, &s->hist);
		d->count += s->count;
		kll_merge(&d->kll, &s->kll, d->count);
	}
	if (d->var_read)
		d->m2 = d->var * (double)d->count;
	vmap_merge(&d->vals, &s->vals);
}

int profile_merge(struct profile *dst, const struct profile *src)
{
	int64_t drows = profile_rows(dst), srows = profile_rows(src);
	int i, nd = dst->ncols;

	if (dst == src)
		return error("profile_merge: a profile cannot be merged into "
			     "itself");
	/* every column of dst sees all its rows (missing where none came) */
	for (i = 0; i < nd; i++) {
		struct profile_col *c = dst->cols[i];

		c->missing += drows - c->rows;
		c->rows = drows;
	}
	for (i = 0; i < src->ncols; i++) {
		const struct profile_col *s = src->cols[i];
		struct profile_col *d = profile_col(dst, s->name, 0);
		int64_t r, m;

		if (!d) {
			d = col_new(dst, s->name);
			d->rows = d->missing = drows;
		}
		col_rows(s, &r, &m);
		col_merge(d, s, r, m);
	}
	/* columns src lacks: its rows are missing values for them */
	for (i = 0; i < nd; i++) {
		struct profile_col *c = dst->cols[i];

		if (c->rows == drows) {
			c->rows += srows;
			c->missing += srows;
		}
	}
	dst->rows = drows + srows;
	return 0;
}

/* ---- writing ------------------------------------------------------- */

static void put_num(struct strbuf *sb, double v)
{
	char buf[NUM_BUFSZ];

	if (!isfinite(v)) {
		strbuf_addstr(sb, "null");
		return;
	}
	strbuf_addstr(sb, num_format_exact(v, buf));
}

static void put_int(struct strbuf *sb, int64_t v)
{
	char buf[NUM_BUFSZ];

	strbuf_addstr(sb, num_format_int(v, buf));
}

static void put_col(struct strbuf *sb, const struct profile_col *c,
		    int64_t rows)
{
	int64_t missing = c->missing + (rows - c->rows), i;
	size_t j;
	int h;

	strbuf_addstr(sb, "{\"name\":");
	strbuf_add_json_str(sb, c->name);
	strbuf_addstr(sb, ",\"rows\":");
	put_int(sb, rows);
	strbuf_addstr(sb, ",\"missing\":");
	put_int(sb, missing);
	strbuf_addstr(sb, ",\"all_numbers\":");
	strbuf_addstr(sb, c->ntext ? "false" : "true");
	strbuf_addstr(sb, ",\"count\":");
	put_int(sb, c->count);
	strbuf_addstr(sb, ",\"min\":");
	put_num(sb, c->count ? c->min : NAN);
	strbuf_addstr(sb, ",\"max\":");
	put_num(sb, c->count ? c->max : NAN);
	strbuf_addstr(sb, ",\"mean\":");
	put_num(sb, c->count ? c->mean : NAN);
	strbuf_addstr(sb, ",\"var\":");
	put_num(sb, col_var(c));

	strbuf_addf(sb, ",\"sketch\":{\"k\":%d,\"levels\":[",
		    PROFILE_SKETCH_K);
	for (h = 0; h < c->kll.nlev; h++) {
		size_t n = KLL_N(&c->kll, h);
		double *v = xmalloc((n ? n : 1) * sizeof(*v));

		if (n)
			memcpy(v, KLL_AT(&c->kll, h), n * sizeof(*v));
		if (h == 0)
			sort_doubles(v, n);
		strbuf_addstr(sb, h ? ",[" : "[");
		for (j = 0; j < n; j++) {
			if (j)
				strbuf_addch(sb, ',');
			put_num(sb, v[j]);
		}
		strbuf_addch(sb, ']');
		free(v);
	}
	strbuf_addstr(sb, "]}");

	strbuf_addstr(sb, ",\"histogram\":");
	if (!c->count) {
		strbuf_addstr(sb, "null");
	} else {
		strbuf_addf(sb, "{\"log2_width\":%d,\"first\":", c->hist.e);
		put_int(sb, c->hist.lo);
		strbuf_addstr(sb, ",\"counts\":[");
		for (i = c->hist.lo; i <= c->hist.hi; i++) {
			if (i != c->hist.lo)
				strbuf_addch(sb, ',');
			put_int(sb, *hist_slot(&c->hist, i));
		}
		strbuf_addstr(sb, "]}");
	}

	if (c->vals.over) {
		strbuf_addstr(sb, ",\"values_over_cap\":true");
	} else {
		struct ventry *e = vmap_sorted(&c->vals);

		strbuf_addstr(sb, ",\"values\":[");
		for (j = 0; j < c->vals.n; j++) {
			strbuf_addstr(sb, j ? ",[" : "[");
			if (c->vals.text)
				strbuf_add_json_str(sb, e[j].text);
			else
				put_num(sb, e[j].num);
			strbuf_addch(sb, ',');
			put_int(sb, e[j].count);
			strbuf_addch(sb, ']');
		}
		strbuf_addch(sb, ']');
		free(e);
	}
	strbuf_addch(sb, '}');
}

/* The profile's JSON text, appended to `sb`. */
static void profile_json(const struct profile *p, struct strbuf *sb)
{
	int64_t rows = profile_rows(p);
	int i;

	strbuf_addstr(sb, "{\"format\":\"mlrepo-profile\",\"version\":1,"
			  "\"rows\":");
	put_int(sb, rows);
	strbuf_addstr(sb, ",\"columns\":[");
	for (i = 0; i < p->ncols; i++) {
		strbuf_addstr(sb, i ? ",\n" : "\n");
		put_col(sb, p->cols[i], rows);
	}
	strbuf_addstr(sb, "\n]}\n");
}

char *profile_to_json(const struct profile *p, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;

	profile_json(p, &sb);
	return strbuf_detach(&sb, len);
}

int profile_write(const struct profile *p, const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct fs_atomic a = FS_ATOMIC_INIT;
	int ret = -1;

	profile_json(p, &sb);
	if (!strcmp(path, "-")) {
		if (fs_write_all(STDOUT_FILENO, sb.buf, sb.len) < 0) {
			error("cannot write to standard output: %s",
			      strerror(errno));
			goto out;
		}
		ret = 0;
		goto out;
	}
	if (fs_atomic_begin(&a, path, 0644, 0) < 0)
		goto out;
	if (fs_atomic_write(&a, sb.buf, sb.len) < 0) {
		fs_atomic_abort(&a);
		goto out;
	}
	ret = fs_atomic_commit(&a);
out:
	strbuf_release(&sb);
	return ret;
}

/* ---- reading ------------------------------------------------------- */

/* What profile_read() is reading, for its messages. */
struct rd {
	const char *file;
	const char *col;	/* the column, NULL outside one */
};

static int bad(const struct rd *r, const char *fmt, ...) ERR_FORMAT(2, 3);

static int bad(const struct rd *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (r->col)
		error_input("'%s': not a valid profile: column '%s': %s",
			    r->file, r->col, sb.buf);
	else
		error_input("'%s': not a valid profile: %s", r->file, sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* A count: an integer in [0, 2^53]. */
static int get_count(const struct rd *r, const cJSON *o, const char *key,
		     int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return bad(r, "no \"%s\"", key);
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0) ||
	    v->valuedouble > 0x1p53 || v->valuedouble != floor(v->valuedouble))
		return bad(r, "\"%s\" is not a count (a whole number >= 0)",
			   key);
	*out = (int64_t)v->valuedouble;
	return 0;
}

/* A finite number, or null when `null_ok` (stored as NaN). */
static int get_double(const struct rd *r, const cJSON *o, const char *key,
		      int null_ok, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		return bad(r, "no \"%s\"", key);
	if (null_ok && cJSON_IsNull(v)) {
		*out = NAN;
		return 0;
	}
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return bad(r, "\"%s\" is not %s", key,
			   null_ok ? "null" : "a number");
	*out = v->valuedouble;
	if (*out == 0)
		*out = 0;
	return 0;
}

static int read_moments(const struct rd *r, const cJSON *o,
			struct profile_col *c)
{
	double mn, mx, mean, var;

	/* mean and var are null when they overflowed (a range past 1e308) */
	if (get_double(r, o, "min", !c->count, &mn) < 0 ||
	    get_double(r, o, "max", !c->count, &mx) < 0 ||
	    get_double(r, o, "mean", 1, &mean) < 0 ||
	    get_double(r, o, "var", 1, &var) < 0)
		return -1;
	if (!c->count) {
		if (!isnan(mn) || !isnan(mx) || !isnan(mean) || !isnan(var))
			return bad(r, "\"count\" is 0 but \"min\", \"max\", "
				      "\"mean\" or \"var\" is not null");
		return 0;
	}
	if (mn > mx)
		return bad(r, "\"min\" is above \"max\"");
	if (var < 0)
		return bad(r, "\"var\" is negative");
	c->min = mn;
	c->max = mx;
	c->mean = mean;
	c->var = var;
	c->var_read = 1;
	c->m2 = var * (double)c->count;
	return 0;
}

static int read_sketch(const struct rd *r, const cJSON *o,
		       struct profile_col *c)
{
	const cJSON *sk = cJSON_GetObjectItemCaseSensitive(o, "sketch");
	const cJSON *k, *levels, *lv, *x;
	size_t n = 0, alloc = 0, ends[KLL_MAXLEV], most;
	struct kll *kl = &c->kll;
	double *items = NULL;
	int64_t weight = 0;
	int h = 0, ret = -1;

	if (!cJSON_IsObject(sk))
		return bad(r, "\"sketch\" is not an object");
	k = cJSON_GetObjectItemCaseSensitive(sk, "k");
	if (!cJSON_IsNumber(k) || k->valuedouble != PROFILE_SKETCH_K)
		return bad(r, "the sketch's \"k\" is not %d",
			   PROFILE_SKETCH_K);
	levels = cJSON_GetObjectItemCaseSensitive(sk, "levels");
	if (!cJSON_IsArray(levels) || !levels->child)
		return bad(r, "the sketch's \"levels\" is not a non-empty "
			      "array");
	most = kll_total_cap(KLL_MAXLEV - 1);
	cJSON_ArrayForEach(lv, levels) {
		double prev = -INFINITY;

		if (h == KLL_MAXLEV - 1) {
			bad(r, "the sketch has too many levels");
			goto out;
		}
		if (!cJSON_IsArray(lv)) {
			bad(r, "sketch level %d is not an array", h);
			goto out;
		}
		cJSON_ArrayForEach(x, lv) {
			double v;

			if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble)) {
				bad(r, "sketch level %d holds something not "
				       "a number", h);
				goto out;
			}
			v = x->valuedouble == 0 ? 0 : x->valuedouble;
			if (v < prev) {
				bad(r, "sketch level %d is not sorted", h);
				goto out;
			}
			if (v < c->min || v > c->max) {
				bad(r, "sketch level %d holds a number "
				       "outside [min, max]", h);
				goto out;
			}
			prev = v;
			weight += (int64_t)1 << h;
			if (weight > c->count || n >= most) {
				bad(r, "the sketch holds more than \"count\" "
				       "values");
				goto out;
			}
			ALLOC_GROW(items, n + 1, alloc);
			items[n++] = v;
		}
		ends[h++] = n;
	}
	if (weight != c->count) {
		bad(r, "the sketch holds %lld values, \"count\" says %lld",
		    (long long)weight, (long long)c->count);
		goto out;
	}
	kll_set_levels(kl, h);
	if (n > kl->cap) {
		bad(r, "the sketch holds more items than its levels can");
		goto out;
	}
	/* the levels in order at the end of an array of the capacity */
	free(kl->v);
	kl->alloc = kl->cap;
	kl->v = xmalloc(kl->alloc * sizeof(*kl->v));
	if (n)
		memcpy(kl->v + kl->alloc - n, items, n * sizeof(*items));
	kl->start[0] = kl->alloc - n;
	while (h-- > 0)
		kl->start[h + 1] = kl->alloc - n + ends[h];
	ret = 0;
out:
	free(items);
	return ret;
}

static int read_histogram(const struct rd *r, const cJSON *o,
			  struct profile_col *c)
{
	const cJSON *hj = cJSON_GetObjectItemCaseSensitive(o, "histogram");
	const cJSON *e, *first, *counts, *x;
	int64_t sum = 0, i, lo, hi;

	if (!c->count) {
		if (!cJSON_IsNull(hj))
			return bad(r, "\"count\" is 0 but \"histogram\" is "
				      "not null");
		return 0;
	}
	if (!cJSON_IsObject(hj))
		return bad(r, "\"histogram\" is not an object");
	e = cJSON_GetObjectItemCaseSensitive(hj, "log2_width");
	first = cJSON_GetObjectItemCaseSensitive(hj, "first");
	counts = cJSON_GetObjectItemCaseSensitive(hj, "counts");
	/* the grid is a function of min and max: it must be that one */
	hist_regrid(&c->hist, c->min, c->max, HIST_EMIN);
	lo = c->hist.lo;
	hi = c->hist.hi;
	if (!cJSON_IsNumber(e) || e->valuedouble != c->hist.e ||
	    !cJSON_IsNumber(first) || first->valuedouble != (double)lo)
		return bad(r, "the histogram's \"log2_width\" and \"first\" "
			      "are not those of [min, max] (%d and %lld)",
			   c->hist.e, (long long)lo);
	if (!cJSON_IsArray(counts) ||
	    cJSON_GetArraySize(counts) != (int)(hi - lo + 1))
		return bad(r, "the histogram's \"counts\" is not an array of "
			      "%d counts", (int)(hi - lo + 1));
	i = lo;
	cJSON_ArrayForEach(x, counts) {
		if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0) ||
		    x->valuedouble > 0x1p53 ||
		    x->valuedouble != floor(x->valuedouble))
			return bad(r, "the histogram's \"counts\" holds "
				      "something not a count");
		*hist_slot(&c->hist, i) = (int64_t)x->valuedouble;
		sum += (int64_t)x->valuedouble;
		if (sum > c->count)
			break;
		i++;
	}
	if (sum != c->count || !*hist_slot(&c->hist, lo) ||
	    !*hist_slot(&c->hist, hi))
		return bad(r, "the histogram's counts do not add up to "
			      "\"count\" with min and max in the end bins");
	return 0;
}

static int read_values(const struct rd *r, const cJSON *o,
		       struct profile_col *c, int64_t nonmissing)
{
	const cJSON *over = cJSON_GetObjectItemCaseSensitive(o,
							    "values_over_cap");
	const cJSON *vals = cJSON_GetObjectItemCaseSensitive(o, "values");
	const cJSON *pair;
	int64_t sum = 0;

	if (over && !cJSON_IsFalse(over)) {
		if (!cJSON_IsTrue(over) || vals)
			return bad(r, "\"values_over_cap\" is not true, or "
				      "comes with \"values\"");
		c->vals.over = 1;
		return 0;
	}
	if (!cJSON_IsArray(vals))
		return bad(r, "no \"values\" array (nor \"values_over_cap\")");
	c->vals.text = c->ntext > 0;
	cJSON_ArrayForEach(pair, vals) {
		const cJSON *k = cJSON_GetArrayItem(pair, 0);
		const cJSON *n = cJSON_GetArrayItem(pair, 1);
		struct ventry *e;
		size_t before = c->vals.n;

		if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 ||
		    !cJSON_IsNumber(n) || !(n->valuedouble >= 1) ||
		    n->valuedouble > 0x1p53 ||
		    n->valuedouble != floor(n->valuedouble))
			return bad(r, "\"values\" holds something not a "
				      "[value, count] pair");
		if (c->vals.text) {
			if (!cJSON_IsString(k))
				return bad(r, "\"values\" of a column with "
					      "text holds a number");
			if (!is_clean(k->valuestring))
				return bad(r, "\"values\" holds text that "
					      "is not UTF-8");
			e = vmap_get(&c->vals, 0, k->valuestring,
				     strlen(k->valuestring));
		} else {
			double v;

			if (!cJSON_IsNumber(k) || !isfinite(k->valuedouble))
				return bad(r, "\"values\" of a column of "
					      "numbers holds text");
			v = k->valuedouble == 0 ? 0 : k->valuedouble;
			if (v < c->min || v > c->max)
				return bad(r, "\"values\" holds a number "
					      "outside [min, max]");
			e = vmap_get(&c->vals, v, NULL, 0);
		}
		if (!e)
			return bad(r, "\"values\" holds more than %d values",
				   PROFILE_MAX_DISTINCT);
		if (c->vals.n == before)
			return bad(r, "\"values\" holds a value twice");
		e->count = (int64_t)n->valuedouble;
		sum += e->count;
		if (sum > nonmissing)
			break;
	}
	if (sum != nonmissing)
		return bad(r, "the counts of \"values\" do not add up to the "
			      "values that are not missing");
	return 0;
}

static int read_col(const struct rd *r0, const cJSON *o, struct profile *p,
		    int64_t rows)
{
	struct rd r = *r0;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
	const cJSON *alln;
	struct profile_col *c;
	int64_t crows, missing, count;

	if (!cJSON_IsObject(o))
		return bad(&r, "a column is not an object");
	if (!cJSON_IsString(name))
		return bad(&r, "a column has no \"name\"");
	r.col = name->valuestring;
	if (!is_clean(name->valuestring))
		return bad(&r, "the name is not UTF-8");
	if (profile_col(p, name->valuestring, 0))
		return bad(&r, "the column comes twice");
	if (get_count(&r, o, "rows", &crows) < 0 ||
	    get_count(&r, o, "missing", &missing) < 0 ||
	    get_count(&r, o, "count", &count) < 0)
		return -1;
	alln = cJSON_GetObjectItemCaseSensitive(o, "all_numbers");
	if (!cJSON_IsBool(alln))
		return bad(&r, "\"all_numbers\" is not true or false");
	if (crows != rows)
		return bad(&r, "\"rows\" is %lld, the profile's is %lld",
			   (long long)crows, (long long)rows);
	if (missing > crows || count > crows - missing)
		return bad(&r, "\"missing\" and \"count\" add up to more "
			      "than \"rows\"");
	if (cJSON_IsTrue(alln) != (count == crows - missing))
		return bad(&r, "\"all_numbers\" disagrees with \"count\"");
	c = col_new(p, name->valuestring);
	c->rows = crows;
	c->missing = missing;
	c->count = count;
	c->ntext = crows - missing - count;
	if (read_moments(&r, o, c) < 0 || read_sketch(&r, o, c) < 0 ||
	    read_histogram(&r, o, c) < 0 ||
	    read_values(&r, o, c, crows - missing) < 0)
		return -1;
	return 0;
}

struct profile *profile_read_buf(const char *name, const char *buf,
				 size_t len)
{
	struct rd r = { name, NULL };
	struct profile *p = NULL;
	const char *end = NULL;
	const cJSON *f, *v, *cols, *c;
	cJSON *root;
	int64_t rows;

	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (!root) {
		size_t at = end && end >= buf ? (size_t)(end - buf) : 0;

		/* cJSON puts an error past the end on the last byte */
		if (at + 1 >= len)
			bad(&r, "the JSON ends too soon (truncated?)");
		else
			bad(&r, "not JSON, at byte %zu", at + 1);
		return NULL;
	}
	for (; end && end < buf + len; end++)
		if (!strchr(" \t\r\n", *end)) {
			bad(&r, "more after the JSON object, at byte %zu",
			    (size_t)(end - buf) + 1);
			goto fail;
		}
	f = cJSON_GetObjectItemCaseSensitive(root, "format");
	if (!cJSON_IsObject(root) || !cJSON_IsString(f) ||
	    strcmp(f->valuestring, "mlrepo-profile")) {
		bad(&r, "no \"format\": \"mlrepo-profile\"");
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (!cJSON_IsNumber(v) || v->valuedouble != 1) {
		bad(&r, "\"version\" is not 1 (the only version this mlrepo "
			"reads)");
		goto fail;
	}
	if (get_count(&r, root, "rows", &rows) < 0)
		goto fail;
	cols = cJSON_GetObjectItemCaseSensitive(root, "columns");
	if (!cJSON_IsArray(cols)) {
		bad(&r, "\"columns\" is not an array");
		goto fail;
	}
	p = profile_new();
	p->rows = rows;
	cJSON_ArrayForEach(c, cols)
		if (read_col(&r, c, p, rows) < 0)
			goto fail;
	cJSON_Delete(root);
	return p;
fail:
	profile_free(p);
	cJSON_Delete(root);
	return NULL;
}

/* Open a named input: a missing file is bad input, anything else not. */
static int open_input(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			error_input("cannot open '%s': %s", path,
				    strerror(errno));
		else
			error("cannot open '%s': %s", path, strerror(errno));
	}
	return fd;
}

struct profile *profile_read(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct profile *p = NULL;
	int stdin_ = !strcmp(path, "-");
	int fd = stdin_ ? STDIN_FILENO : open_input(path);
	const char *name = stdin_ ? "standard input" : path;

	if (fd < 0)
		return NULL;
	if (strbuf_read_fd(&sb, fd) < 0)
		error("cannot read '%s': %s", name, strerror(errno));
	else
		p = profile_read_buf(name, sb.buf, sb.len);
	if (!stdin_)
		close(fd);
	strbuf_release(&sb);
	return p;
}

int profile_sniff(const char *buf, size_t len)
{
	static const char *const want[] = { "{", "\"format\"", ":",
					    "\"mlrepo-profile\"" };
	size_t i = 0, j, w;

	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		i = 3;
	for (j = 0; j < 4; j++) {
		while (i < len && strchr(" \t\r\n", buf[i]) && buf[i])
			i++;
		w = strlen(want[j]);
		if (len - i < w || memcmp(buf + i, want[j], w))
			return 0;
		i += w;
	}
	return 1;
}

int profile_is_profile(const char *path)
{
	char buf[256];
	ssize_t n;
	int fd;

	if (!strcmp(path, "-"))
		return 0;
	fd = open_input(path);
	if (fd < 0)
		return -1;
	n = fs_read_full(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return error("cannot read '%s': %s", path, strerror(errno));
	return profile_sniff(buf, (size_t)n);
}

/* ---- what a check reads -------------------------------------------- */

void profile_col_summary(const struct profile_col *c,
			 struct profile_summary *s)
{
	col_rows(c, &s->rows, &s->missing);
	s->all_numbers = !c->ntext;
	s->n = c->count;
	s->min = c->count ? c->min : NAN;
	s->max = c->count ? c->max : NAN;
	s->mean = c->count ? c->mean : NAN;
	s->var = col_var(c);
	s->distinct = c->vals.over ? -1 : (int64_t)c->vals.n;
}

/* One category of the union of two columns. */
struct cat {
	double num;
	const char *text;
	size_t ref, cur;
};

static int cmp_cat_num(const void *a, const void *b)
{
	double x = ((const struct cat *)a)->num;
	double y = ((const struct cat *)b)->num;

	return (x > y) - (x < y);
}

static int cmp_cat_text(const void *a, const void *b)
{
	return strcmp(((const struct cat *)a)->text,
		      ((const struct cat *)b)->text);
}

/*
 * The union of both columns' values, sorted, with each side's count
 * (numbers when both columns hold numbers only, else text).  Returns the
 * number of categories; *texts holds text made for numbers (free each
 * and the array).  Both maps must be under the cap.
 */
static size_t cat_union(const struct profile_col *a,
			const struct profile_col *b, struct cat **out,
			char ***texts, size_t *ntexts)
{
	const struct profile_col *side[2] = { a, b };
	int text = a->ntext || b->ntext || a->vals.text || b->vals.text;
	size_t n = 0, i, j, k, nt = 0;
	struct cat *c;
	char **t;
	int s;

	c = xmalloc((a->vals.n + b->vals.n + 1) * sizeof(*c));
	t = xmalloc((a->vals.n + b->vals.n + 1) * sizeof(*t));
	for (s = 0; s < 2; s++) {
		const struct vmap *m = &side[s]->vals;

		for (i = 0; i < m->n; i++) {
			struct cat *x = &c[n++];
			char buf[NUM_BUFSZ];

			x->num = m->e[i].num;
			x->text = m->e[i].text;
			if (text && !m->text) {
				t[nt] = xstrdup(num_format_exact(x->num, buf));
				x->text = t[nt++];
			}
			x->ref = s == 0 ? (size_t)m->e[i].count : 0;
			x->cur = s == 1 ? (size_t)m->e[i].count : 0;
		}
	}
	qsort(c, n, sizeof(*c), text ? cmp_cat_text : cmp_cat_num);
	/* fold equal keys (at most one from each side) */
	for (i = 0, k = 0; i < n; i = j) {
		c[k] = c[i];
		for (j = i + 1; j < n && !(text ? cmp_cat_text(&c[i], &c[j])
						: cmp_cat_num(&c[i], &c[j]));
		     j++) {
			c[k].ref += c[j].ref;
			c[k].cur += c[j].cur;
		}
		k++;
	}
	*out = c;
	*texts = t;
	*ntexts = nt;
	return k;
}

static void free_texts(char **t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(t[i]);
	free(t);
}

int64_t profile_distinct_union(const struct profile_col *a,
			       const struct profile_col *b)
{
	struct cat *c;
	char **t;
	size_t n, nt;

	if (a->vals.over || b->vals.over)
		return -1;
	n = cat_union(a, b, &c, &t, &nt);
	free(c);
	free_texts(t, nt);
	return (int64_t)n;
}

static int over_cap(const struct profile_col *c)
{
	return error_input("column '%s' has more than %d distinct values: a "
			   "profile counts categories only up to that many",
			   c->name, PROFILE_MAX_DISTINCT);
}

int profile_counts(const struct profile_col *a, const struct profile_col *b,
		   size_t **ref, size_t **cur, size_t *k)
{
	struct cat *c;
	char **t;
	size_t n, nt, i;

	if (a->vals.over)
		return over_cap(a);
	if (b->vals.over)
		return over_cap(b);
	n = cat_union(a, b, &c, &t, &nt);
	*ref = xmalloc((n ? n : 1) * sizeof(**ref));
	*cur = xmalloc((n ? n : 1) * sizeof(**cur));
	for (i = 0; i < n; i++) {
		(*ref)[i] = c[i].ref;
		(*cur)[i] = c[i].cur;
	}
	*k = n;
	free(c);
	free_texts(t, nt);
	return 0;
}

int profile_values(const struct profile_col *c, double **v, size_t *n)
{
	size_t m = KLL_N(&c->kll, 0);

	if (c->kll.nlev > 1)
		return 0;
	*n = m;
	*v = NULL;
	if (m) {
		*v = xmalloc(m * sizeof(**v));
		memcpy(*v, KLL_AT(&c->kll, 0), m * sizeof(**v));
		sort_doubles(*v, m);
	}
	return 1;
}

double profile_cdf(const struct profile_col *c, double x)
{
	if (!c->count || isnan(x))
		return NAN;
	return (double)kll_rank(&c->kll, x, 0) / (double)c->count;
}

/*
 * Walk the union of two sketches' points, as statdist's cdf_distance()
 * walks two samples: between consecutive points x < next both CDFs are
 * constant.  p = 0: the largest |Fa - Fb|; 1: the integral of |Fa - Fb|;
 * 2: the integral of (Fa - Fb)^2.
 */
static double cdf_walk(int p, const struct profile_col *ca,
		       const struct profile_col *cb)
{
	struct wpt *u, *v;
	size_t nu, nv, i = 0, j = 0;
	double x, next, d, sum = 0, na, nb;
	int64_t ra = 0, rb = 0;

	if (!ca->count || !cb->count)
		return NAN;
	u = kll_view(&ca->kll, &nu);
	v = kll_view(&cb->kll, &nv);
	na = (double)ca->count;
	nb = (double)cb->count;
	x = u[0].v < v[0].v ? u[0].v : v[0].v;
	for (;;) {
		while (i < nu && u[i].v <= x)
			ra += u[i++].w;
		while (j < nv && v[j].v <= x)
			rb += v[j++].w;
		d = fabs((double)ra / na - (double)rb / nb);
		if (p == 0 && d > sum)
			sum = d;
		if (i == nu && j == nv)
			break;
		if (i == nu)
			next = v[j].v;
		else if (j == nv)
			next = u[i].v;
		else
			next = u[i].v < v[j].v ? u[i].v : v[j].v;
		if (p)
			sum += (p == 1 ? d : d * d) * (next - x);
		x = next;
	}
	free(u);
	free(v);
	return sum;
}

double profile_ks_stat(const struct profile_col *a,
		       const struct profile_col *b)
{
	return cdf_walk(0, a, b);
}

double profile_wasserstein1(const struct profile_col *a,
			    const struct profile_col *b)
{
	return cdf_walk(1, a, b);
}

double profile_energy(const struct profile_col *a,
		      const struct profile_col *b)
{
	return sqrt(2.0) * sqrt(cdf_walk(2, a, b));
}

static void bins_alloc(struct statdist_bins *out, size_t n, int sturges)
{
	out->n = n;
	out->ref = xcalloc(n ? n : 1, sizeof(*out->ref));
	out->cur = xcalloc(n ? n : 1, sizeof(*out->cur));
	out->sturges = sturges;
}

/* The proportions of c's numbers in the bins of `edges`, numpy's way. */
static void sketch_props(const struct profile_col *c, const double *edges,
			 size_t nb, double *prop)
{
	double n = (double)c->count;
	int64_t below = kll_rank(&c->kll, edges[0], 1), r;
	size_t i;

	for (i = 0; i < nb; i++) {
		r = kll_rank(&c->kll, edges[i + 1], i + 1 < nb);
		prop[i] = (double)(r - below) / n;
		below = r;
	}
}

void profile_bins(const struct profile_col *a, const struct profile_col *b,
		  struct statdist_bins *out)
{
	double edges[STATDIST_MAX_EDGES], min, max;
	size_t nb, i;

	if (!a->vals.over && a->vals.n <= 20 && !b->vals.over &&
	    !a->ntext && !b->ntext) {
		struct cat *c;
		char **t;
		size_t nt, n = cat_union(a, b, &c, &t, &nt);

		bins_alloc(out, n, 0);
		for (i = 0; i < n; i++) {
			out->ref[i] = (double)c[i].ref / (double)a->count;
			out->cur[i] = (double)c[i].cur / (double)b->count;
		}
		free(c);
		free_texts(t, nt);
		return;
	}
	if (!a->count && !b->count) {
		bins_alloc(out, 0, 1);
		return;
	}
	min = !a->count ? b->min : !b->count || a->min < b->min ? a->min
								 : b->min;
	max = !a->count ? b->max : !b->count || a->max > b->max ? a->max
								 : b->max;
	if (!isfinite(max - min)) {
		/* numpy cannot bin a range past the largest double either */
		bins_alloc(out, 0, 1);
		return;
	}
	nb = statdist_sturges(min, max, (size_t)(a->count + b->count), edges);
	bins_alloc(out, nb, 1);
	if (a->count)
		sketch_props(a, edges, nb, out->ref);
	else
		for (i = 0; i < nb; i++)
			out->ref[i] = NAN;
	if (b->count)
		sketch_props(b, edges, nb, out->cur);
	else
		for (i = 0; i < nb; i++)
			out->cur[i] = NAN;
}

double profile_rank_error(const struct profile_col *c)
{
	return c->kll.nlev > 1 ? PROFILE_RANK_ERROR : 0;
}

size_t profile_histogram(const struct profile_col *a,
			 const struct profile_col *b, double *first,
			 double *width, int64_t **ca, int64_t **cb)
{
	const struct profile_col *side[2] = { a, b };
	struct hist h = { 0 };
	double min = 0, max = 0;
	int e = HIST_EMIN, s, any = 0;
	size_t n, i;

	*ca = NULL;
	if (cb)
		*cb = NULL;
	for (s = 0; s < 2; s++) {
		const struct profile_col *c = side[s];

		if (!c || !c->count)
			continue;
		if (!any || c->min < min)
			min = c->min;
		if (!any || c->max > max)
			max = c->max;
		if (c->hist.e > e)
			e = c->hist.e;
		any = 1;
	}
	if (!any)
		return 0;
	hist_regrid(&h, min, max, e);
	n = (size_t)(h.hi - h.lo + 1);
	*first = ldexp((double)h.lo, h.e);
	*width = ldexp(1.0, h.e);
	for (s = 0; s < 2; s++) {
		int64_t *out = xcalloc(n, sizeof(*out));

		if (side[s] && side[s]->count) {
			memset(h.ring, 0, PROFILE_HIST_BINS * sizeof(*h.ring));
			hist_fold(&h, &side[s]->hist);
			for (i = 0; i < n; i++)
				out[i] = *hist_slot(&h, h.lo + (int64_t)i);
		}
		if (s == 0)
			*ca = out;
		else if (cb)
			*cb = out;
		else
			free(out);
	}
	free(h.ring);
	return n;
}
