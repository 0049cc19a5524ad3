/*
 * drift.c - drift-check's check: reading the two sides, typing the
 * columns, choosing and running each column's method, the correction
 * across columns and the verdict (drift.h).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drift.h"
#include "err.h"
#include "num.h"
#include "profile.h"
#include "progress.h"
#include "statdist.h"
#include "stattest.h"
#include "strbuf.h"

/* ---- the methods ---------------------------------------------------------- */

#define NUM DRIFT_FOR_NUM
#define CAT DRIFT_FOR_CAT
const struct drift_method_info drift_methods[DRIFT_NMETHODS] = {
	[DRIFT_AUTO] = { "auto", NAN, DRIFT_D_GE, NUM | CAT, 1,
			 "Evidently's choice by type, size and distinct values" },
	[DRIFT_KS] = { "ks", 0.05, DRIFT_P_LE, NUM, 1,
		       "two-sample Kolmogorov-Smirnov p-value" },
	[DRIFT_CHISQUARE] = { "chisquare", 0.05, DRIFT_P_LT, CAT, 1,
			      "chi-square p-value against reference proportions" },
	[DRIFT_Z] = { "z", 0.05, DRIFT_P_LT, CAT, 1,
		      "two-proportion z-test p-value" },
	[DRIFT_WASSERSTEIN] = { "wasserstein", 0.1, DRIFT_D_GE, NUM, 1,
				"Wasserstein-1 distance / reference std" },
	[DRIFT_JENSENSHANNON] = { "jensenshannon", 0.1, DRIFT_D_GE, NUM | CAT, 1,
				  "Jensen-Shannon distance of the bins" },
	[DRIFT_PSI] = { "psi", 0.1, DRIFT_D_GE, NUM | CAT, 1,
			"population stability index of the bins" },
	[DRIFT_KL_DIV] = { "kl_div", 0.1, DRIFT_D_GE, NUM | CAT, 1,
			   "Kullback-Leibler divergence of the bins" },
	[DRIFT_HELLINGER] = { "hellinger", 0.1, DRIFT_D_GE, NUM | CAT, 1,
			      "Hellinger distance" },
	[DRIFT_ANDERSON] = { "anderson", 0.1, DRIFT_P_LT, NUM, 0,
			     "k-sample Anderson-Darling p-value" },
	[DRIFT_CRAMER_VON_MISES] = { "cramer_von_mises", 0.1, DRIFT_P_LE, NUM, 0,
				     "two-sample Cramer-von Mises p-value" },
	[DRIFT_ENERGY] = { "energy", 0.1, DRIFT_D_GT, NUM, 1,
			   "energy distance" },
	[DRIFT_T_TEST] = { "t_test", 0.05, DRIFT_P_LT, NUM, 1,
			   "Student's t-test p-value (equal variances)" },
	[DRIFT_MANNW] = { "mannw", 0.05, DRIFT_P_LT, NUM, 0,
			  "Mann-Whitney U p-value, one-sided (current higher)" },
	[DRIFT_WELCH] = { "welch", 0.05, DRIFT_P_LT, NUM, 1,
			  "Welch's t-test p-value" },
	[DRIFT_MANNWHITNEY] = { "mannwhitney", 0.05, DRIFT_P_LT, NUM, 0,
				"Mann-Whitney U p-value, two-sided" },
};
#undef NUM
#undef CAT

int drift_method_from_name(const char *name)
{
	int i;

	for (i = 0; i < DRIFT_NMETHODS; i++)
		if (!strcmp(drift_methods[i].name, name))
			return i;
	return -1;
}

int drift_is_pvalue(enum drift_method m)
{
	return m != DRIFT_AUTO && (drift_methods[m].rule == DRIFT_P_LT ||
				   drift_methods[m].rule == DRIFT_P_LE);
}

int drift_is_drift(enum drift_method m, double score, double t)
{
	if (isnan(score))
		return 0;
	switch (drift_methods[m].rule) {
	case DRIFT_P_LT:
		return score < t;
	case DRIFT_P_LE:
		return score <= t;
	case DRIFT_D_GE:
		return score >= t;
	case DRIFT_D_GT:
		return score > t;
	}
	return 0;
}

static const char *const corr_names[] = { "none", "bonferroni", "fdr" };

int drift_correction_from_name(const char *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (!strcmp(s, corr_names[i]))
			return i;
	return -1;
}

const char *drift_correction_name(enum drift_correction c)
{
	return corr_names[c];
}

/* ---- categories: text -> count ------------------------------------------- */

struct drift_catmap {
	struct drift_cat *slots; /* open addressing; text NULL: empty */
	size_t cap, n;
};

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	while (len--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

static void catmap_grow(struct drift_catmap *m);

static void catmap_add(struct drift_catmap *m, const char *s, size_t len,
		       int64_t count)
{
	size_t i;

	if (m->n * 2 >= m->cap)
		catmap_grow(m);
	i = hash_bytes(s, len) & (m->cap - 1);
	for (;;) {
		struct drift_cat *c = &m->slots[i];

		if (!c->text) {
			c->text = xstrndup(s, len);
			c->count = count;
			m->n++;
			return;
		}
		if (!strncmp(c->text, s, len) && !c->text[len]) {
			c->count += count;
			return;
		}
		i = (i + 1) & (m->cap - 1);
	}
}

static void catmap_grow(struct drift_catmap *m)
{
	struct drift_catmap big = { NULL, m->cap ? m->cap * 2 : 64, 0 };
	size_t i;

	big.slots = xcalloc(big.cap, sizeof(*big.slots));
	for (i = 0; i < m->cap; i++) {
		struct drift_cat *c = &m->slots[i];

		if (c->text) {
			catmap_add(&big, c->text, strlen(c->text), c->count);
			free(c->text);
		}
	}
	free(m->slots);
	*m = big;
}

static void catmap_free(struct drift_catmap *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->cap; i++)
		free(m->slots[i].text);
	free(m->slots);
	free(m);
}

/* ---- reading a side -------------------------------------------------------- */

static int in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return 1;
	return 0;
}

/*
 * A column's numbers live in a malloc()ed array while small, and in their
 * own mapping once they pass HUGE_BYTES, asked to be backed by huge pages
 * (where transparent huge pages are on "madvise", as on Debian) and grown
 * by mremap(2) without a copy: filling a million-row column page by page
 * cost more in page faults than parsing its numbers, on the virtual
 * machines we measured.
 */
#define HUGE_BYTES ((size_t)2 << 20)

static void num_grow(struct drift_col *c, size_t cap)
{
	size_t bytes = (cap * sizeof(double) + HUGE_BYTES - 1) &
		       ~(HUGE_BYTES - 1);
	void *p;

	if (c->map_bytes) {
		p = mremap(c->num, c->map_bytes, bytes, MREMAP_MAYMOVE);
		if (p == MAP_FAILED)
			die(EXIT_ENV, "cannot grow a column to %zu bytes: %s",
			    bytes, strerror(errno));
	} else if (cap * sizeof(double) < HUGE_BYTES) {
		c->num = xrealloc(c->num, cap * sizeof(double));
		c->anum = cap;
		return;
	} else {
		char *m = mmap(NULL, bytes + HUGE_BYTES, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t head;

		if (m == MAP_FAILED)
			die(EXIT_ENV, "cannot map %zu bytes for a column: %s",
			    bytes, strerror(errno));
		/* aligned to a huge page, so that every one can be */
		head = (HUGE_BYTES - (uintptr_t)m % HUGE_BYTES) % HUGE_BYTES;
		if (head)
			munmap(m, head);
		munmap(m + head + bytes, HUGE_BYTES - head);
		p = m + head;
#ifdef MADV_HUGEPAGE
		madvise(p, bytes, MADV_HUGEPAGE); /* before the first touch */
#endif
		memcpy(p, c->num, c->nnum * sizeof(double));
		free(c->num);
	}
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE); /* the grown part, after mremap */
#endif
	c->num = p;
	c->map_bytes = bytes;
	c->anum = bytes / sizeof(double);
}

static void num_free(struct drift_col *c)
{
	if (c->map_bytes)
		munmap(c->num, c->map_bytes);
	else
		free(c->num);
	c->num = NULL;
	c->nnum = c->anum = 0;
	c->map_bytes = 0;
}

/*
 * A raw column gives up its numbers when text shows up: they become
 * categories, written as the shortest text that reads back as them.
 */
static void col_to_text(struct drift_col *c)
{
	char buf[NUM_BUFSZ];
	size_t i;

	if (!c->cats)
		c->cats = xcalloc(1, sizeof(*c->cats));
	for (i = 0; i < c->nnum; i++) {
		num_format_exact(c->num[i], buf);
		catmap_add(c->cats, buf, strlen(buf), 1);
	}
	num_free(c);
	c->all_numbers = 0;
}

static void col_add_raw(struct drift_col *c, const char *s, size_t len)
{
	double v;

	c->rows++;
	if (!s || !len) {
		c->missing++;
		return;
	}
	if (num_parse_float(s, len, &v) == 0) {
		if (!isfinite(v)) {
			c->missing++;
			return;
		}
		if (c->all_numbers) {
			if (c->nnum == c->anum)
				num_grow(c, c->anum ? c->anum * 2 : 1024);
			c->num[c->nnum++] = v;
			return;
		}
	} else if (c->all_numbers) {
		col_to_text(c);
	}
	catmap_add(c->cats, s, len, 1);
}

static void col_add_prof(struct profile_col *pc, const char *s, size_t len)
{
	double v;

	if (!s || !len) {
		profile_add_missing(pc);
		return;
	}
	if (num_parse_float(s, len, &v) == 0) {
		if (isfinite(v))
			profile_add_number(pc, v);
		else
			profile_add_missing(pc);
		return;
	}
	profile_add_text(pc, s, len);
}

/*
 * Size the columns' arrays for the whole input once a few thousand rows
 * tell how long a row is, rather than doubling them (each doubling copies
 * the column, and a 1,000,000-row table has 25 of them).
 */
static void reserve(struct drift_side *s, uint64_t row_bytes)
{
	struct stat st;
	double rows;
	int i;

	if (!row_bytes || !s->name || stat(s->name, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return;
	/* compressed input gives too few; doubling then makes up */
	rows = (double)st.st_size / row_bytes * s->rows * 1.01 + 1024;
	if (rows > 1e10)
		return;
	for (i = 0; i < s->ncols; i++) {
		struct drift_col *c = &s->cols[i];

		if (c->all_numbers && c->anum < (size_t)rows &&
		    c->nnum > s->rows / 2) {
			num_grow(c, (size_t)rows);
		}
	}
}

int drift_side_read_table(struct drift_side *s, struct table_reader *t,
			  const struct drift_opts *o, int into_profile,
			  const char *const *skip)
{
	int n = table_ncols(t), i, rc, *map;
	struct profile_col **pcols = NULL;
	struct progress *pr = NULL;
	uint64_t row_bytes = 0;
	struct stat st;

	if (!s->name)
		s->name = xstrdup(table_name(t));
	map = xcalloc(n ? n : 1, sizeof(*map));
	if (into_profile) {
		s->profile = profile_new();
		pcols = xcalloc(n ? n : 1, sizeof(*pcols));
	}
	s->cols = xcalloc(n ? n : 1, sizeof(*s->cols));
	s->ncols = 0;
	for (i = 0; i < n; i++) {
		const char *name = table_colname(t, i);
		struct drift_col *c;

		map[i] = -1;
		if (in_list(skip, name) || in_list(o->exclude, name) ||
		    (o->columns && !in_list(o->columns, name)))
			continue;
		map[i] = s->ncols;
		c = &s->cols[s->ncols++];
		c->name = xstrdup(name);
		c->all_numbers = 1;
		if (into_profile) {
			c->prof = profile_col(s->profile, name, 1);
			pcols[i] = c->prof;
		}
	}
	if (o->progress && strcmp(table_name(t), "<stdin>") &&
	    stat(s->name, &st) == 0 && S_ISREG(st.st_mode) && isatty(2))
		pr = progress_start_bytes(s->name, st.st_size);
	while ((rc = table_next(t)) == TABLE_ROW) {
		if (++s->rows <= 4096 && !into_profile) {
			size_t len = 0;

			table_row_text(t, &len);
			row_bytes += len + 1;
			if (s->rows == 4096)
				reserve(s, row_bytes);
		}
		if (into_profile)
			profile_add_row(s->profile);
		for (i = 0; i < n; i++) {
			const char *f;
			size_t len = 0;

			if (map[i] < 0)
				continue;
			f = table_field(t, i, &len);
			if (into_profile)
				col_add_prof(pcols[i], f, len);
			else
				col_add_raw(&s->cols[map[i]], f, len);
		}
		if (pr && !(s->rows & 0xffff))
			progress_update(pr, table_bytes_read(t));
	}
	progress_stop(pr);
	free(map);
	free(pcols);
	return rc == TABLE_END ? 0 : -1;
}

int drift_side_read(struct drift_side *s, const char *path,
		    const struct drift_opts *o, int into_profile)
{
	struct table_reader *t = table_open(path, o->format, o->delim);
	int rc;

	if (!t)
		return -1;
	free(s->name);
	s->name = xstrdup(path);
	rc = drift_side_read_table(s, t, o, into_profile, NULL);
	table_close(t);
	return rc;
}

struct side_job {
	struct drift_side *s;
	const char *path;
	struct drift_opts o;
	int into_profile, rc;
	struct err_saved err;
};

static void *side_worker(void *arg)
{
	struct side_job *j = arg;

	j->rc = drift_side_read(j->s, j->path, &j->o, j->into_profile);
	if (j->rc < 0)
		err_save(&j->err);
	return NULL;
}

int drift_sides_read(struct drift_side *ref, const char *rpath,
		     struct drift_side *cur, const char *cpath,
		     const struct drift_opts *o, int into_profile)
{
	struct side_job j;
	pthread_t th;
	int rc;

	memset(&j, 0, sizeof(j));
	j.s = cur;
	j.path = cpath;
	j.o = *o;
	j.o.progress = 0; /* one progress line: the reference's */
	j.into_profile = into_profile;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    pthread_create(&th, NULL, side_worker, &j)) {
		if (drift_side_read(ref, rpath, o, into_profile) < 0)
			return -1;
		return drift_side_read(cur, cpath, o, into_profile);
	}
	rc = drift_side_read(ref, rpath, o, into_profile);
	pthread_join(th, NULL);
	if (rc < 0)
		return -1; /* the reference's error, set in this thread */
	if (j.rc < 0) {
		err_restore(&j.err);
		return -1;
	}
	return 0;
}

int drift_side_from_profile(struct drift_side *s, const char *name,
			    struct profile *p)
{
	int i, n = profile_ncols(p);

	s->name = xstrdup(name);
	s->profile = p;
	s->rows = profile_rows(p);
	s->cols = xcalloc(n ? n : 1, sizeof(*s->cols));
	s->ncols = n;
	for (i = 0; i < n; i++) {
		struct drift_col *c = &s->cols[i];
		struct profile_summary sum;

		c->prof = profile_col_at(p, i);
		c->name = xstrdup(profile_col_name(c->prof));
		profile_col_summary(c->prof, &sum);
		c->rows = sum.rows;
		c->missing = sum.missing;
		c->all_numbers = sum.all_numbers;
	}
	return 0;
}

void drift_side_release(struct drift_side *s)
{
	int i;

	for (i = 0; i < s->ncols; i++) {
		free(s->cols[i].name);
		num_free(&s->cols[i]);
		catmap_free(s->cols[i].cats);
	}
	free(s->cols);
	free(s->name);
	profile_free(s->profile);
	memset(s, 0, sizeof(*s));
}

/* ---- one column ------------------------------------------------------------ */

/* Profile columns: copy the counts a raw column keeps. */
static void col_sync(struct drift_col *c)
{
	struct profile_summary sum;

	if (!c->prof)
		return;
	profile_col_summary(c->prof, &sum);
	c->rows = sum.rows;
	c->missing = sum.missing;
	c->all_numbers = sum.all_numbers;
}

static int64_t col_values(const struct drift_col *c)
{
	return c->rows - c->missing;
}

/*
 * Distinct values of one sorted raw column, or a profile's (-1: many), the
 * count of numbers stopping past `cap` (the callers ask "more than 5?",
 * "more than 20?").
 */
static int64_t col_distinct(const struct drift_col *c, size_t cap)
{
	struct profile_summary sum;
	size_t i, d;

	if (c->prof) {
		profile_col_summary(c->prof, &sum);
		return sum.distinct;
	}
	if (c->all_numbers) {
		for (i = 1, d = c->nnum ? 1 : 0; i < c->nnum && d <= cap; i++)
			d += c->num[i] != c->num[i - 1];
		return (int64_t)d;
	}
	return c->cats ? (int64_t)c->cats->n : 0;
}

/* Distinct values of two sorted arrays together. */
static size_t union_distinct(const double *a, size_t na, const double *b,
			     size_t nb)
{
	size_t i = 0, j = 0, d = 0;
	double last = 0;
	int any = 0;

	while (i < na || j < nb) {
		double v = j >= nb || (i < na && a[i] <= b[j]) ? a[i++] : b[j++];

		if (!any || v != last)
			d++;
		last = v;
		any = 1;
	}
	return d;
}

static int cmp_cat(const void *a, const void *b)
{
	const struct drift_cat *x = a, *y = b;

	return strcmp(x->text, y->text);
}

/*
 * A column's text categories, sorted (numbers formatted when numeric).
 * *owned says whether the texts are the caller's to free (else the
 * column's map keeps them).
 */
static struct drift_cat *col_cats(const struct drift_col *c, size_t *n,
				  int *owned)
{
	struct drift_catmap tmp = { NULL, 0, 0 };
	const struct drift_catmap *m = c->cats;
	struct drift_cat *out;
	size_t i, k = 0;

	if (c->all_numbers) {
		char buf[NUM_BUFSZ];

		for (i = 0; i < c->nnum; i++) {
			num_format_exact(c->num[i], buf);
			catmap_add(&tmp, buf, strlen(buf), 1);
		}
		m = &tmp;
	}
	out = xcalloc(m && m->n ? m->n : 1, sizeof(*out));
	for (i = 0; m && i < m->cap; i++)
		if (m->slots[i].text)
			out[k++] = m->slots[i];
	qsort(out, k, sizeof(*out), cmp_cat);
	*n = k;
	*owned = m == &tmp;
	if (m == &tmp)
		free(tmp.slots); /* texts moved to out */
	return out;
}

/*
 * Counts per category over the union of both sides (raw columns): the
 * numbers themselves when both sides hold only numbers, else the text.
 */
static void raw_counts(const struct drift_col *r, const struct drift_col *c,
		       size_t **rc, size_t **cc, size_t *k, char ***labels)
{
	size_t i = 0, j = 0, n = 0, alloc;
	char buf[NUM_BUFSZ];

	if (r->all_numbers && c->all_numbers) {
		const double *a = r->num, *b = c->num;
		size_t na = r->nnum, nb = c->nnum;

		alloc = union_distinct(a, na, b, nb);
		*rc = xcalloc(alloc ? alloc : 1, sizeof(**rc));
		*cc = xcalloc(alloc ? alloc : 1, sizeof(**cc));
		if (labels)
			*labels = xcalloc(alloc ? alloc : 1, sizeof(**labels));
		while (i < na || j < nb) {
			double v = j >= nb || (i < na && a[i] <= b[j]) ? a[i]
								       : b[j];

			if (labels)
				(*labels)[n] = xstrdup(num_format_exact(v, buf));
			while (i < na && a[i] == v)
				(*rc)[n]++, i++;
			while (j < nb && b[j] == v)
				(*cc)[n]++, j++;
			n++;
		}
		*k = n;
		return;
	} else {
		size_t na, nb;
		int owna, ownb;
		struct drift_cat *a = col_cats(r, &na, &owna);
		struct drift_cat *b = col_cats(c, &nb, &ownb);

		alloc = na + nb;
		*rc = xcalloc(alloc ? alloc : 1, sizeof(**rc));
		*cc = xcalloc(alloc ? alloc : 1, sizeof(**cc));
		if (labels)
			*labels = xcalloc(alloc ? alloc : 1, sizeof(**labels));
		while (i < na || j < nb) {
			int cmp = i >= na ? 1 : j >= nb ? -1
					: strcmp(a[i].text, b[j].text);

			if (labels)
				(*labels)[n] = xstrdup(cmp <= 0 ? a[i].text
								: b[j].text);
			if (cmp <= 0)
				(*rc)[n] = a[i++].count;
			if (cmp >= 0)
				(*cc)[n] = b[j++].count;
			n++;
		}
		*k = n;
		for (i = 0; owna && i < na; i++)
			free(a[i].text);
		for (j = 0; ownb && j < nb; j++)
			free(b[j].text);
		free(a);
		free(b);
	}
}

static int counts(const struct drift_col *r, const struct drift_col *c,
		  size_t **rc, size_t **cc, size_t *k)
{
	if (r->prof && c->prof)
		return profile_counts(r->prof, c->prof, rc, cc, k);
	raw_counts(r, c, rc, cc, k, NULL);
	return 0;
}

/* The p-value of a two-sample t-test from each side's moments. */
static double t_moments(int64_t n1, double m1, double v1, int64_t n2,
			double m2, double v2, int equal_var)
{
	/* v1, v2: population variances; ttest_ind uses ddof 1 */
	double s1 = n1 > 1 ? v1 * n1 / (n1 - 1) : NAN;
	double s2 = n2 > 1 ? v2 * n2 / (n2 - 1) : NAN;
	double t, df, se2;

	if (equal_var) {
		df = (double)(n1 + n2 - 2);
		se2 = ((n1 - 1) * s1 + (n2 - 1) * s2) / df *
		      (1.0 / n1 + 1.0 / n2);
	} else {
		double a = s1 / n1, b = s2 / n2;

		se2 = a + b;
		df = se2 * se2 / (a * a / (n1 - 1) + b * b / (n2 - 1));
	}
	t = (m1 - m2) / sqrt(se2);
	if (isnan(t))
		return NAN;
	return 2 * stattest_t_sf(fabs(t), df);
}

/* Score a numeric column from two profiles whose sketches lost values. */
static int score_num_profiles(enum drift_method m, const struct drift_col *r,
			      const struct drift_col *c, double *score)
{
	struct profile_summary a, b;
	struct statdist_bins bins = { 0 };

	profile_col_summary(r->prof, &a);
	profile_col_summary(c->prof, &b);
	switch (m) {
	case DRIFT_KS: {
		/*
		 * D from sketches is within the two rank errors of the true
		 * one, and at these sizes an error of 0.005 alone would be
		 * "significant": take the p-value of the smallest D the
		 * sketches allow, so that their error never raises an alarm.
		 */
		double d = profile_ks_stat(r->prof, c->prof) -
			   profile_rank_error(r->prof) -
			   profile_rank_error(c->prof);
		double en = (double)a.n * b.n / (double)(a.n + b.n);

		*score = stattest_kstwo_sf(d > 0 ? d : 0, (long)round(en));
		return 0;
	}
	case DRIFT_WASSERSTEIN: {
		double sd = sqrt(a.var);

		*score = profile_wasserstein1(r->prof, c->prof) /
			 (sd < 0.001 ? 0.001 : sd);
		return 0;
	}
	case DRIFT_ENERGY:
		*score = profile_energy(r->prof, c->prof);
		return 0;
	case DRIFT_T_TEST:
	case DRIFT_WELCH:
		*score = t_moments(a.n, a.mean, a.var, b.n, b.mean, b.var,
				   m == DRIFT_T_TEST);
		return 0;
	case DRIFT_JENSENSHANNON:
	case DRIFT_PSI:
	case DRIFT_KL_DIV:
	case DRIFT_HELLINGER:
		profile_bins(r->prof, c->prof, &bins);
		*score = m == DRIFT_JENSENSHANNON ? statdist_jensenshannon(&bins)
			 : m == DRIFT_PSI	  ? statdist_psi(&bins)
			 : m == DRIFT_KL_DIV	  ? statdist_kl_div(&bins)
						  : statdist_hellinger_bins(&bins);
		statdist_bins_release(&bins);
		return 0;
	default:
		return error_input("column '%s': method '%s' needs the "
				   "reference's values, not a profile",
				   r->name, drift_methods[m].name);
	}
}

static int score_num(enum drift_method m, const double *a, size_t na,
		     const double *b, size_t nb, double *score)
{
	struct stattest_result tr;
	struct statdist_bins bins = { 0 };
	int rc = 0;

	switch (m) {
	case DRIFT_KS:
		rc = stattest_ks(a, na, b, nb, &tr);
		*score = tr.pvalue;
		break;
	case DRIFT_T_TEST:
		rc = stattest_t(a, na, b, nb, &tr);
		*score = tr.pvalue;
		break;
	case DRIFT_WELCH:
		rc = stattest_welch(a, na, b, nb, &tr);
		*score = tr.pvalue;
		break;
	case DRIFT_MANNW:
		rc = stattest_mannw(a, na, b, nb, &tr);
		*score = tr.pvalue;
		break;
	case DRIFT_MANNWHITNEY:
		rc = stattest_mannwhitney(a, na, b, nb, &tr);
		*score = tr.pvalue;
		break;
	case DRIFT_WASSERSTEIN:
		*score = statdist_wasserstein(a, na, b, nb);
		break;
	case DRIFT_ENERGY:
		*score = statdist_energy(a, na, b, nb);
		break;
	case DRIFT_ANDERSON:
		*score = statdist_anderson(a, na, b, nb);
		break;
	case DRIFT_CRAMER_VON_MISES:
		*score = statdist_cramer_von_mises(a, na, b, nb);
		break;
	case DRIFT_HELLINGER:
		*score = statdist_hellinger(a, na, b, nb);
		break;
	case DRIFT_JENSENSHANNON:
	case DRIFT_PSI:
	case DRIFT_KL_DIV:
		statdist_bins_numeric(a, na, b, nb, &bins);
		*score = m == DRIFT_JENSENSHANNON ? statdist_jensenshannon(&bins)
			 : m == DRIFT_PSI	  ? statdist_psi(&bins)
						  : statdist_kl_div(&bins);
		statdist_bins_release(&bins);
		break;
	default:
		*score = NAN;
	}
	return rc;
}

static int score_cat(enum drift_method m, const size_t *rc, const size_t *cc,
		     size_t k, double *score)
{
	struct stattest_result tr;
	struct statdist_bins bins = { 0 };
	double *rd, *cd;
	size_t i;
	int ret = 0;

	switch (m) {
	case DRIFT_CHISQUARE:
	case DRIFT_Z:
		rd = xcalloc(k ? k : 1, sizeof(*rd));
		cd = xcalloc(k ? k : 1, sizeof(*cd));
		for (i = 0; i < k; i++) {
			rd[i] = (double)rc[i];
			cd[i] = (double)cc[i];
		}
		ret = m == DRIFT_CHISQUARE ? stattest_chisquare(rd, cd, k, &tr)
					   : stattest_z(rd, cd, k, &tr);
		*score = tr.pvalue;
		free(rd);
		free(cd);
		return ret;
	default:
		statdist_bins_counts(rc, cc, k, &bins);
		*score = m == DRIFT_JENSENSHANNON ? statdist_jensenshannon(&bins)
			 : m == DRIFT_PSI	  ? statdist_psi(&bins)
			 : m == DRIFT_KL_DIV	  ? statdist_kl_div(&bins)
						  : statdist_hellinger_bins(&bins);
		statdist_bins_release(&bins);
		return 0;
	}
}

/* "COL=VALUE" items: the value for `col`, or NULL. */
static const char *item_for(const char *const *items, const char *col)
{
	const char *found = NULL;
	size_t len = strlen(col);

	for (; items && *items; items++)
		if (!strncmp(*items, col, len) && (*items)[len] == '=')
			found = *items + len + 1;
	return found;
}

/* Evidently's auto choice (its registry's get_stattest()). */
static enum drift_method auto_method(int numeric, int64_t n, int64_t u)
{
	if (n <= 1000) {
		if (numeric && (u < 0 || u > 5))
			return DRIFT_KS;
		return u >= 0 && u <= 2 ? DRIFT_Z : DRIFT_CHISQUARE;
	}
	return numeric && (u < 0 || u > 5) ? DRIFT_WASSERSTEIN
					   : DRIFT_JENSENSHANNON;
}

struct drift_ctx {
	const struct drift_opts *o;
	enum drift_method num_method, cat_method; /* global; AUTO: choose */
};

static int check_column(struct drift_col *r, struct drift_col *c,
			const struct drift_opts *o, struct drift_colres *res)
{
	const char *mname = item_for(o->column_method, r->name);
	const char *tstr = item_for(o->column_threshold, r->name);
	int profiles = r->prof && c->prof;
	int forced_num = in_list(o->numeric, r->name);
	int forced_cat = in_list(o->categorical, r->name);
	size_t *crc = NULL, *ccc = NULL, k = 0;
	int64_t u;
	enum drift_method m = o->method;
	int mi, ret = -1;

	col_sync(r);
	col_sync(c);
	if (!profiles) {
		statdist_sort(r->num, r->nnum);
		statdist_sort(c->num, c->nnum);
	}
	res->column = r->name;
	res->ref = r;
	res->cur = c;
	res->nref = col_values(r);
	res->ncur = col_values(c);
	res->missing_reference = r->rows ? (double)r->missing / r->rows : 0;
	res->missing_current = c->rows ? (double)c->missing / c->rows : 0;
	res->missing_share_changed =
		fabs(res->missing_reference - res->missing_current) > 0.1;
	if (forced_num && forced_cat)
		return error_input("column '%s' cannot be both numeric and "
				   "categorical", r->name);
	if (forced_num) {
		const struct drift_col *bad = !r->all_numbers ? r
					      : !c->all_numbers ? c : NULL;

		if (bad)
			return error_input("column '%s' of '%s' holds text, "
					   "not numbers (--numeric)", r->name,
					   bad == r ? "reference" : "current");
		res->numeric = 1;
	} else if (forced_cat) {
		res->numeric = 0;
	} else {
		int64_t d = col_distinct(r, 5);

		res->numeric = r->all_numbers && c->all_numbers &&
			       (d < 0 || d > 5);
	}
	if (res->numeric) {
		/*
		 * The auto rule asks only whether u > 5: with more than 5
		 * distinct reference values it is, unless --numeric forced a
		 * column with fewer.
		 */
		u = col_distinct(r, 5);
		if (u >= 0 && u <= 5) {
			if (profiles)
				u = profile_distinct_union(r->prof, c->prof);
			else
				u = (int64_t)union_distinct(r->num, r->nnum,
							    c->num, c->nnum);
		}
	} else {
		if (counts(r, c, &crc, &ccc, &k) < 0)
			return -1;
		u = (int64_t)k;
	}
	if (mname) {
		mi = drift_method_from_name(mname);
		if (mi < 0) {
			error_input("column '%s': unknown method '%s'",
				    r->name, mname);
			goto out;
		}
		m = mi;
		if (m != DRIFT_AUTO &&
		    !(drift_methods[m].kinds &
		      (res->numeric ? DRIFT_FOR_NUM : DRIFT_FOR_CAT))) {
			error_input("column '%s' is %s; method '%s' takes "
				    "%s columns", r->name,
				    res->numeric ? "numeric" : "categorical",
				    mname, res->numeric ? "categorical"
							: "numeric");
			goto out;
		}
	} else if (m != DRIFT_AUTO &&
		   !(drift_methods[m].kinds &
		     (res->numeric ? DRIFT_FOR_NUM : DRIFT_FOR_CAT))) {
		m = DRIFT_AUTO; /* a global method for the other type */
	}
	if (m == DRIFT_AUTO)
		m = auto_method(res->numeric, res->nref, u);
	res->method = m;
	res->threshold = drift_methods[m].threshold;
	if (!isnan(o->threshold))
		res->threshold = o->threshold;
	if (tstr && num_parse_float(tstr, strlen(tstr), &res->threshold) < 0) {
		error_input("--column-threshold %s=%s: not a number",
			    r->name, tstr);
		goto out;
	}
	res->score = NAN;
	if (!res->nref || !res->ncur)
		goto done; /* nothing to test: no score, no drift */
	if (profiles && !drift_methods[m].on_profile &&
	    !(profile_rank_error(r->prof) == 0 &&
	      profile_rank_error(c->prof) == 0)) {
		error_input("column '%s': method '%s' needs the "
			    "reference's values, not a profile", r->name,
			    drift_methods[m].name);
		goto out;
	}
	if (!res->numeric || m == DRIFT_CHISQUARE || m == DRIFT_Z) {
		/* auto gives a numeric column of few values a category test */
		if (!crc && counts(r, c, &crc, &ccc, &k) < 0)
			goto out;
		if (score_cat(m, crc, ccc, k, &res->score) < 0)
			goto out;
	} else if (profiles) {
		double *a = NULL, *b = NULL;
		size_t na = 0, nb = 0;

		if (profile_values(r->prof, &a, &na) == 1 &&
		    profile_values(c->prof, &b, &nb) == 1)
			ret = score_num(m, a, na, b, nb, &res->score);
		else
			ret = score_num_profiles(m, r, c, &res->score);
		free(a);
		free(b);
		if (ret < 0)
			goto out;
	} else if (score_num(m, r->num, r->nnum, c->num, c->nnum,
			     &res->score) < 0) {
		goto out;
	}
done:
	res->raw_score = res->score;
	ret = 0;
out:
	free(crc);
	free(ccc);
	return ret;
}

/* ---- across columns ------------------------------------------------------- */

struct pidx {
	double p;
	int i;
};

static int cmp_pidx(const void *a, const void *b)
{
	const struct pidx *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? -1 : 1;
	return x->i - y->i;
}

/* Bonferroni or Benjamini-Hochberg over the columns with a p-value. */
static void correct(struct drift_result *res)
{
	struct pidx *idx = xcalloc(res->ncols ? res->ncols : 1, sizeof(*idx));
	int i, m = 0;
	double next = 1;

	for (i = 0; i < res->ncols; i++)
		if (drift_is_pvalue(res->cols[i].method) &&
		    !isnan(res->cols[i].raw_score)) {
			idx[m].p = res->cols[i].raw_score;
			idx[m++].i = i;
		}
	if (res->correction == DRIFT_CORR_BONFERRONI) {
		for (i = 0; i < m; i++) {
			struct drift_colres *c = &res->cols[idx[i].i];

			c->score = fmin(1.0, c->raw_score * m);
		}
	} else if (res->correction == DRIFT_CORR_FDR) {
		qsort(idx, m, sizeof(*idx), cmp_pidx);
		for (i = m - 1; i >= 0; i--) {
			struct drift_colres *c = &res->cols[idx[i].i];
			double adj = c->raw_score * m / (i + 1);

			next = fmin(next, adj);
			c->score = fmin(1.0, next);
		}
	}
	free(idx);
}

/*
 * Columns are checked by up to two threads (the machines we run on have
 * two cores, and sorting a column of a million values is most of a
 * check): each takes the next column until none is left.  Every column's
 * data is its own, and the methods keep no state, so nothing is shared but
 * the counter.  The error of the first failing column (in column order)
 * is the one reported, whichever thread met it.
 */
struct check_pool {
	struct drift_result *res;
	const struct drift_opts *o;
	pthread_mutex_t lock;
	int next;
	int failed;		/* the first failing column, or ncols */
	struct err_saved err;
};

static void *check_worker(void *arg)
{
	struct check_pool *p = arg;

	for (;;) {
		struct drift_colres *c;
		int i;

		pthread_mutex_lock(&p->lock);
		i = p->next < p->failed ? p->next++ : -1;
		pthread_mutex_unlock(&p->lock);
		if (i < 0)
			return NULL;
		c = &p->res->cols[i];
		if (check_column(c->ref, c->cur, p->o, c) < 0) {
			pthread_mutex_lock(&p->lock);
			if (i < p->failed) {
				p->failed = i;
				err_save(&p->err);
			}
			pthread_mutex_unlock(&p->lock);
		}
	}
}

static int check_all(struct drift_result *res, const struct drift_opts *o)
{
	struct check_pool p;
	pthread_t helper;
	int two = res->ncols > 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1;

	memset(&p, 0, sizeof(p));
	p.res = res;
	p.o = o;
	p.failed = res->ncols;
	pthread_mutex_init(&p.lock, NULL);
	if (two && pthread_create(&helper, NULL, check_worker, &p))
		two = 0; /* no thread: one is enough */
	check_worker(&p);
	if (two)
		pthread_join(helper, NULL);
	pthread_mutex_destroy(&p.lock);
	if (p.failed < res->ncols) {
		err_restore(&p.err);
		return -1;
	}
	return 0;
}

static struct drift_col *find_col(struct drift_side *s, const char *name)
{
	int i;

	for (i = 0; i < s->ncols; i++)
		if (!strcmp(s->cols[i].name, name))
			return &s->cols[i];
	return NULL;
}

int drift_check(struct drift_side *ref, struct drift_side *cur,
		const struct drift_opts *o, struct drift_result *res)
{
	const char *const *l;
	int i;

	memset(res, 0, sizeof(*res));
	res->drift_share = o->drift_share;
	res->correction = o->correction;
	if ((ref->profile != NULL) != (cur->profile != NULL))
		return error("drift_check: a profile side against a raw one");
	/* every named column must exist on both sides */
	for (l = o->columns; l && *l; l++) {
		if (!find_col(ref, *l))
			return error_input("no column '%s' in '%s'", *l,
					   ref->name);
		if (!find_col(cur, *l))
			return error_input("no column '%s' in '%s'", *l,
					   cur->name);
	}
	res->cols = xcalloc(ref->ncols ? ref->ncols : 1, sizeof(*res->cols));
	for (i = 0; i < ref->ncols; i++) {
		struct drift_col *c = find_col(cur, ref->cols[i].name);

		if (c) {
			/* paired now, checked by check_all() */
			res->cols[res->ncols].ref = &ref->cols[i];
			res->cols[res->ncols++].cur = c;
		}
	}
	if (check_all(res, o) < 0) {
		drift_result_release(res);
		return -1;
	}
	/* options naming a column that is compared nowhere are mistakes */
	{
		const char *const *lists[] = { o->categorical, o->numeric,
					       o->column_method,
					       o->column_threshold };
		size_t k;

		for (k = 0; k < 4; k++) {
			for (l = lists[k]; l && *l; l++) {
				size_t len = strcspn(*l, k >= 2 ? "=" : "");
				int found = 0;

				for (i = 0; i < res->ncols && !found; i++)
					found = strlen(res->cols[i].column) ==
							len &&
						!strncmp(res->cols[i].column,
							 *l, len);
				if (!found) {
					drift_result_release(res);
					return error_input(
						"no column '%.*s' on both "
						"sides", (int)len, *l);
				}
			}
		}
	}
	if (!res->ncols) {
		drift_result_release(res);
		return error_input("'%s' and '%s' have no column in common",
				   ref->name, cur->name);
	}
	correct(res);
	for (i = 0; i < res->ncols; i++) {
		struct drift_colres *c = &res->cols[i];

		c->drift = drift_is_drift(c->method, c->score, c->threshold);
		res->ndrifted += c->drift;
	}
	res->share = (double)res->ndrifted / res->ncols;
	res->drift = res->share >= res->drift_share;
	return 0;
}

void drift_result_release(struct drift_result *res)
{
	free(res->cols);
	memset(res, 0, sizeof(*res));
}

/* ---- what a report draws ---------------------------------------------------- */

void drift_plot_release(struct drift_plot *p)
{
	size_t i;

	for (i = 0; p->labels && i < p->n; i++)
		free(p->labels[i]);
	free(p->labels);
	free(p->ref);
	free(p->cur);
	memset(p, 0, sizeof(*p));
}

static void plot_from_counts(struct drift_plot *p, const size_t *rc,
			     const size_t *cc, size_t k)
{
	size_t i, tr = 0, tc = 0;

	p->n = k;
	p->ref = xcalloc(k ? k : 1, sizeof(*p->ref));
	p->cur = xcalloc(k ? k : 1, sizeof(*p->cur));
	for (i = 0; i < k; i++) {
		tr += rc[i];
		tc += cc[i];
	}
	for (i = 0; i < k; i++) {
		p->ref[i] = tr ? (double)rc[i] / tr : 0;
		p->cur[i] = tc ? (double)cc[i] / tc : 0;
	}
}

int drift_plot(const struct drift_colres *c, struct drift_plot *p)
{
	const struct drift_col *r = c->ref, *k = c->cur;
	size_t *rc = NULL, *cc = NULL, n = 0, i;
	double edges[STATDIST_MAX_EDGES], lo, hi;
	int64_t d;
	char b1[NUM_BUFSZ], b2[NUM_BUFSZ];
	struct profile_summary a, b;

	memset(p, 0, sizeof(*p));
	if (!c->nref || !c->ncur)
		return 0;
	if (!c->numeric || ((d = col_distinct(r, 20)) >= 0 && d <= 20)) {
		if (r->prof && k->prof) {
			if (profile_counts(r->prof, k->prof, &rc, &cc, &n) < 0)
				return -1;
		} else {
			raw_counts(r, k, &rc, &cc, &n, &p->labels);
		}
		plot_from_counts(p, rc, cc, n);
		free(rc);
		free(cc);
		if (!p->labels) {
			p->labels = xcalloc(n ? n : 1, sizeof(*p->labels));
			for (i = 0; i < n; i++) {
				snprintf(b1, sizeof(b1), "#%zu", i + 1);
				p->labels[i] = xstrdup(b1);
			}
		}
		return 0;
	}
	/* equal-width bins over both sides, Sturges' rule */
	if (r->prof && k->prof) {
		struct statdist_bins bins = { 0 };

		profile_col_summary(r->prof, &a);
		profile_col_summary(k->prof, &b);
		lo = fmin(a.min, b.min);
		hi = fmax(a.max, b.max);
		n = statdist_sturges(lo, hi, (size_t)(a.n + b.n), edges);
		profile_bins(r->prof, k->prof, &bins);
		p->n = bins.n;
		p->ref = bins.ref;
		p->cur = bins.cur;
		if (bins.n != n) /* no edges to name the bins by */
			n = 0;
	} else {
		lo = fmin(r->num[0], k->num[0]);
		hi = fmax(r->num[r->nnum - 1], k->num[k->nnum - 1]);
		n = statdist_sturges(lo, hi, r->nnum + k->nnum, edges);
		rc = xcalloc(n, sizeof(*rc));
		cc = xcalloc(n, sizeof(*cc));
		statdist_histogram(r->num, r->nnum, edges, n, rc);
		statdist_histogram(k->num, k->nnum, edges, n, cc);
		plot_from_counts(p, rc, cc, n);
		free(rc);
		free(cc);
	}
	p->labels = xcalloc(p->n ? p->n : 1, sizeof(*p->labels));
	for (i = 0; i < p->n; i++) {
		if (n) {
			char lab[2 * NUM_BUFSZ + 8];

			snprintf(lab, sizeof(lab), "%s..%s",
				 num_format_value(edges[i], b1),
				 num_format_value(edges[i + 1], b2));
			p->labels[i] = xstrdup(lab);
		} else {
			snprintf(b1, sizeof(b1), "#%zu", i + 1);
			p->labels[i] = xstrdup(b1);
		}
	}
	return 0;
}
