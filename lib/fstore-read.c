/*
 * fstore-read.c - reading a group whole or by time: fs_range() (range and
 * export), fs_range_reader() and fs_stats() (fstore.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "fstore-int.h"
#include "fstore.h"
#include "mltime.h"
#include "repo.h"
#include "strbuf.h"
#include "table.h"

int fs_pick_features(const struct fs_group *g, const char *list, int **idx,
		     int *n)
{
	char *copy, *save = NULL, *f;
	int j, k;

	*idx = xcalloc(g->nfeatures + 1, sizeof(**idx));
	*n = 0;
	if (!list) {
		for (j = 0; j < g->nfeatures; j++)
			(*idx)[(*n)++] = j;
		return 0;
	}
	copy = xstrdup(list);
	for (f = strtok_r(copy, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		for (j = 0; j < g->nfeatures; j++)
			if (!strcmp(g->features[j].name, f))
				break;
		if (j == g->nfeatures) {
			error_input("feature group '%s' has no feature '%s'",
				    g->name, f);
			goto fail;
		}
		for (k = 0; k < *n; k++)
			if ((*idx)[k] == j)
				break;
		if (k < *n) {
			error_input("feature '%s' of '%s' is asked for twice",
				    f, g->name);
			goto fail;
		}
		*idx = xrealloc(*idx, (*n + 1) * sizeof(**idx));
		(*idx)[(*n)++] = j;
	}
	free(copy);
	if (!*n)
		return error_input("no features named in '%s'", list);
	return 0;
fail:
	free(copy);
	return -1;
}

void fs_write_value(struct table_writer *w, sqlite3_stmt *st, int col,
		    enum table_type type)
{
	int ct = sqlite3_column_type(st, col);

	if (ct == SQLITE_NULL) {
		table_writer_null(w);
		return;
	}
	switch (type) {
	case TABLE_INT:
		table_writer_int(w, sqlite3_column_int64(st, col));
		break;
	case TABLE_BOOL:
		table_writer_bool(w, sqlite3_column_int(st, col));
		break;
	case TABLE_TIMESTAMP:
		table_writer_time(w, sqlite3_column_int64(st, col));
		break;
	case TABLE_FLOAT:
		/* a NaN is kept as the text 'nan' */
		table_writer_float(w, ct == SQLITE_TEXT
					      ? NAN
					      : sqlite3_column_double(st, col));
		break;
	default:
		table_writer_text(w, (const char *)sqlite3_column_text(st, col),
				  (size_t)sqlite3_column_bytes(st, col));
	}
}

/* " AND t >= ? AND t <= ? AND b <= ?" as the options ask; binds in order. */
static void add_window(struct strbuf *sql, const struct fs_range_opts *o,
		       int64_t max_seq)
{
	if (o->has_from)
		strbuf_addstr(sql, " AND t >= ?");
	if (o->has_to)
		strbuf_addstr(sql, " AND t <= ?");
	if (max_seq >= 0)
		strbuf_addstr(sql, " AND b <= ?");
}

static int bind_window(sqlite3_stmt *st, int i, const struct fs_range_opts *o,
		       int64_t max_seq)
{
	if (o->has_from)
		sqlite3_bind_int64(st, i++, o->from);
	if (o->has_to)
		sqlite3_bind_int64(st, i++, o->to);
	if (max_seq >= 0)
		sqlite3_bind_int64(st, i++, max_seq);
	return i;
}

static int64_t last_batch(sqlite3 *db, const struct fs_range_opts *o)
{
	sqlite3_stmt *st;
	int64_t seq = -1;

	if (!o->has_as_of)
		return -1;
	st = db_prepare(db, "SELECT coalesce(max(seq), 0) FROM batches WHERE "
			    "time <= ?");
	if (!st)
		return -2;
	db_bind_int64(st, 1, o->as_of);
	if (db_step(st) == SQLITE_ROW)
		seq = sqlite3_column_int64(st, 0);
	else
		seq = -2;
	sqlite3_finalize(st);
	return seq;
}

int64_t fs_range(struct repo *r, const char *group,
		 const struct fs_range_opts *o)
{
	struct fs_group g = { 0 };
	struct table_writer *w = NULL;
	struct strbuf sql = STRBUF_INIT, keys = STRBUF_INIT;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char **names = NULL;
	enum table_type *types = NULL;
	int *feat = NULL, nfeat = 0, ncols = 0, j, rc, with_created;
	int64_t n = 0, rows = -1, max_seq;

	if (fs_group_open(r, group, 0, &g, &db) < 0 ||
	    fs_pick_features(&g, o->features, &feat, &nfeat) < 0)
		goto out;
	max_seq = last_batch(db, o);
	if (max_seq < -1)
		goto out;
	with_created = o->with_created && g.created;
	names = xcalloc(g.nentity + nfeat + 2, sizeof(*names));
	types = xcalloc(g.nentity + nfeat + 2, sizeof(*types));
	for (j = 0; j < g.nentity; j++) {
		names[ncols] = g.entity[j].name;
		types[ncols++] = g.entity[j].type;
		strbuf_addf(&keys, "e%d, ", j);
	}
	names[ncols] = g.timestamp;
	types[ncols++] = TABLE_TIMESTAMP;
	if (with_created) {
		names[ncols] = g.created;
		types[ncols++] = TABLE_TIMESTAMP;
	}
	strbuf_addf(&sql, "SELECT %st, c", keys.buf);
	for (j = 0; j < nfeat; j++) {
		names[ncols] = g.features[feat[j]].name;
		types[ncols++] = g.features[feat[j]].type;
		strbuf_addf(&sql, ", f%d", g.features[feat[j]].slot);
	}
	if (o->latest) {
		/*
		 * each entity's last row in the window, by the join's rule:
		 * the latest t, then c, then batch, then the last in it
		 */
		strbuf_addf(&sql, " FROM (SELECT *, row_number() OVER "
				  "(PARTITION BY %s1 ORDER BY t DESC, c DESC, "
				  "b DESC, rowid DESC) AS rn FROM rows WHERE 1",
			    keys.buf);
		add_window(&sql, o, max_seq);
		strbuf_addf(&sql, ") WHERE rn = 1 ORDER BY %st", keys.buf);
	} else {
		strbuf_addstr(&sql, " FROM rows WHERE 1");
		add_window(&sql, o, max_seq);
		strbuf_addf(&sql, " ORDER BY %st, c, b, rowid", keys.buf);
	}
	st = db_prepare(db, sql.buf);
	if (!st)
		goto out;
	bind_window(st, 1, o, max_seq);
	w = table_writer_open(o->out_fd, o->out_name, o->out_format, 0, ncols,
			      names, types);
	if (!w)
		goto out;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		int c = 0;

		for (j = 0; j < g.nentity; j++)
			fs_write_value(w, st, c++, g.entity[j].type);
		table_writer_time(w, sqlite3_column_int64(st, c++));
		if (with_created)
			table_writer_time(w, sqlite3_column_int64(st, c));
		c++;
		for (j = 0; j < nfeat; j++)
			fs_write_value(w, st, c++, g.features[feat[j]].type);
		if (table_writer_end_row(w) < 0)
			goto out;
		n++;
	}
	if (rc != SQLITE_DONE)
		goto out;
	rc = table_writer_close(w);
	w = NULL;
	if (rc < 0)
		goto out;
	rows = n;
out:
	table_writer_free(w);
	sqlite3_finalize(st);
	db_close(db);
	fs_group_release(&g);
	strbuf_release(&sql);
	strbuf_release(&keys);
	free(names);
	free(types);
	free(feat);
	return rows;
}

/* ---- stats ---------------------------------------------------------------- */

struct table_reader *fs_range_reader(struct repo *r, const char *group,
				     const struct fs_range_opts *o,
				     const char *name, int *nkeys)
{
	struct fs_range_opts ro = *o;
	struct fs_group g = { 0 };
	sqlite3 *db = NULL;
	char *tmpl;
	int fd;

	if (fs_group_open(r, group, 0, &g, &db) < 0)
		return NULL;
	db_close(db);
	*nkeys = g.nentity + 1;
	fs_group_release(&g);
	tmpl = repo_tmp_template(r, "range");
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd < 0) {
		error("cannot create '%s': %s", tmpl, strerror(errno));
		free(tmpl);
		return NULL;
	}
	unlink(tmpl); /* gone when the reader closes it */
	ro.with_created = 0;
	ro.out_format = TABLE_CSV;
	ro.out_fd = fd;
	ro.out_name = name;
	if (fs_range(r, group, &ro) < 0)
		goto fail;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		error("cannot read back '%s': %s", tmpl, strerror(errno));
		goto fail;
	}
	free(tmpl);
	return table_open_fd(fd, name, TABLE_CSV, 0); /* owns fd */
fail:
	close(fd);
	free(tmpl);
	return NULL;
}

/* The q-quantile of sorted v[0..n), linearly interpolated (pandas'). */
static double quantile(const double *v, size_t n, double q)
{
	double pos = q * (double)(n - 1), frac;
	size_t i = (size_t)pos;

	frac = pos - (double)i;
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (v[i + 1] - v[i]) * frac;
}

static int stat_feature(sqlite3 *db, const struct fs_column *f,
			const struct fs_range_opts *o, struct fs_stat *s)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st = NULL;
	double *v = NULL, mean = 0, m2 = 0;
	size_t nv = 0, alloc = 0;
	int rc = -1, numeric = f->type != TABLE_STRING;

	memset(s, 0, sizeof(*s));
	s->name = xstrdup(f->name);
	s->type = f->type;
	strbuf_addf(&sql, "SELECT count(*), count(f%d), count(DISTINCT f%d) "
			  "FROM rows WHERE 1", f->slot, f->slot);
	add_window(&sql, o, -1);
	st = db_prepare(db, sql.buf);
	if (!st)
		goto out;
	bind_window(st, 1, o, -1);
	if (db_step(st) != SQLITE_ROW)
		goto out;
	s->count = sqlite3_column_int64(st, 1);
	s->missing = sqlite3_column_int64(st, 0) - s->count;
	s->distinct = sqlite3_column_int64(st, 2);
	sqlite3_finalize(st);
	st = NULL;
	strbuf_reset(&sql);
	if (!numeric) {
		strbuf_addf(&sql, "SELECT min(f%d), max(f%d) FROM rows WHERE "
				  "f%d IS NOT NULL", f->slot, f->slot, f->slot);
		add_window(&sql, o, -1);
		st = db_prepare(db, sql.buf);
		if (!st)
			goto out;
		bind_window(st, 1, o, -1);
		if (db_step(st) != SQLITE_ROW)
			goto out;
		if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
			s->smin = xstrdup((const char *)sqlite3_column_text(st, 0));
			s->smax = xstrdup((const char *)sqlite3_column_text(st, 1));
		}
		rc = 0;
		goto out;
	}
	/* the numbers, sorted (NaN left out, as pandas' describe does) */
	strbuf_addf(&sql, "SELECT f%d FROM rows WHERE f%d IS NOT NULL AND "
			  "f%d IS NOT 'nan'", f->slot, f->slot, f->slot);
	add_window(&sql, o, -1);
	strbuf_addf(&sql, " ORDER BY f%d", f->slot);
	st = db_prepare(db, sql.buf);
	if (!st)
		goto out;
	bind_window(st, 1, o, -1);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		double x = sqlite3_column_double(st, 0), d;

		ALLOC_GROW(v, nv + 1, alloc);
		v[nv++] = x;
		/* Welford: one pass, no cancellation */
		d = x - mean;
		mean += d / (double)nv;
		m2 += d * (x - mean);
	}
	if (rc != SQLITE_DONE) {
		rc = -1;
		goto out;
	}
	if (nv) {
		s->has_num = 1;
		s->min = v[0];
		s->max = v[nv - 1];
		s->mean = mean;
		s->std = nv > 1 ? sqrt(m2 / (double)(nv - 1)) : NAN;
		s->p25 = quantile(v, nv, 0.25);
		s->p50 = quantile(v, nv, 0.5);
		s->p75 = quantile(v, nv, 0.75);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	strbuf_release(&sql);
	free(v);
	return rc;
}

int fs_stats(struct repo *r, const char *group, const struct fs_range_opts *o,
	     struct fs_stat **out, int *n)
{
	struct fs_group g = { 0 };
	sqlite3 *db = NULL;
	int *feat = NULL, nfeat = 0, j, rc = -1;

	*out = NULL;
	*n = 0;
	if (fs_group_open(r, group, 0, &g, &db) < 0 ||
	    fs_pick_features(&g, o->features, &feat, &nfeat) < 0)
		goto out;
	*out = xcalloc(nfeat + 1, sizeof(**out));
	for (j = 0; j < nfeat; j++) {
		if (stat_feature(db, &g.features[feat[j]], o, &(*out)[j]) < 0) {
			(*n)++;
			goto out;
		}
		(*n)++;
	}
	rc = 0;
out:
	db_close(db);
	fs_group_release(&g);
	free(feat);
	return rc;
}

void fs_stats_free(struct fs_stat *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].smin);
		free(s[i].smax);
	}
	free(s);
}
