/*
 * fstore-join.c - reading features back: the point-in-time join and the
 * online lookup, one rule for both (fstore.h, "THE JOIN").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "fstore-int.h"
#include "fstore.h"
#include "mltime.h"
#include "names.h"
#include "num.h"
#include "repo.h"
#include "strbuf.h"
#include "table.h"

/* One group of a join or lookup: its file and its one prepared query. */
struct side {
	struct fs_group g;
	sqlite3 *db;
	sqlite3_stmt *q;
	int *feat;		/* the features asked for: indexes into g */
	int nfeat;
	int *key_col;		/* the entity table's column of each key */
	int64_t max_seq;	/* with as-of: the last batch seen */
	/* the text of each value, for lookups */
	char (*buf)[MLTIME_BUFSZ];
};

static void side_release(struct side *s)
{
	sqlite3_finalize(s->q);
	db_close(s->db);
	fs_group_release(&s->g);
	free(s->feat);
	free(s->key_col);
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

/*
 * The query the rule needs: ?1.. the keys, then the time t, then (with
 * a TTL) t - ttl, then (with as-of) the last batch.  The index on (keys,
 * t, c, b) gives the rows in the rule's order, the newest first.
 */
static int side_prepare(struct side *s, int has_as_of)
{
	struct strbuf sql = STRBUF_INIT;
	int j, n = 1;

	strbuf_addstr(&sql, "SELECT ");
	for (j = 0; j < s->nfeat; j++)
		strbuf_addf(&sql, "%sf%d", j ? ", " : "",
			    s->g.features[s->feat[j]].slot);
	if (!s->nfeat)
		strbuf_addstr(&sql, "1");
	strbuf_addstr(&sql, " FROM rows WHERE ");
	for (j = 0; j < s->g.nentity; j++)
		strbuf_addf(&sql, "e%d = ?%d AND ", j, n++);
	strbuf_addf(&sql, "t <= ?%d", n++);
	if (s->g.ttl)
		strbuf_addf(&sql, " AND t >= ?%d", n++);
	if (has_as_of)
		strbuf_addf(&sql, " AND b <= ?%d", n++);
	strbuf_addstr(&sql, " ORDER BY t DESC, c DESC, b DESC, rowid DESC "
			    "LIMIT 1");
	s->q = db_prepare(s->db, sql.buf);
	strbuf_release(&sql);
	return s->q ? 0 : -1;
}

static int side_open(struct repo *r, const char *group, const char *list,
		     struct side *s)
{
	memset(s, 0, sizeof(*s));
	if (fs_group_open(r, group, 0, &s->g, &s->db) < 0)
		return -1;
	if (fs_pick_features(&s->g, list, &s->feat, &s->nfeat) < 0)
		return -1;
	s->buf = xcalloc(s->nfeat + 1, sizeof(*s->buf));
	return 0;
}

/*
 * A join reads under one transaction: in autocommit mode every query took
 * and dropped SQLite's shared lock and WAL read lock (an fcntl() and a
 * stat() each), and read each page missing from the small cache with a
 * pread().  One snapshot for the whole join, and the file mapped (SQLite's
 * mmap_size, up to its 2 GB limit), took 1,000,000 entity rows against
 * 10,000,000 group rows from 25.9 s of CPU to 9.1 s
 * (bench/bench-fs-ingest.sh; 14 s of it system time before).  The mapped
 * pages are the kernel's file cache, shared and reclaimable, but they count
 * in the resident size: up to the file's size, at most 2 GB.
 */
static int side_begin(struct side *s)
{
	return db_exec(s->db, "PRAGMA mmap_size = 2147418112; BEGIN");
}

/* Bind the key's text `v` (of entity column j) to the query. */
static int bind_key(struct side *s, int j, const char *v, size_t len,
		    const char *where)
{
	int64_t i;
	int b;
	double d;

	switch (s->g.entity[j].type) {
	case TABLE_INT:
		if (table_parse_int(v, len, &i) < 0)
			goto bad;
		sqlite3_bind_int64(s->q, j + 1, i);
		return 0;
	case TABLE_BOOL:
		if (table_parse_bool(v, len, &b) < 0)
			goto bad;
		sqlite3_bind_int(s->q, j + 1, b);
		return 0;
	case TABLE_TIMESTAMP:
		if (mltime_parse_value(v, len, NULL, &i) < 0)
			goto bad;
		sqlite3_bind_int64(s->q, j + 1, i);
		return 0;
	case TABLE_FLOAT:
		if (table_parse_float(v, len, &d) < 0)
			goto bad;
		sqlite3_bind_double(s->q, j + 1, d);
		return 0;
	default:
		sqlite3_bind_text(s->q, j + 1, v, (int)len, SQLITE_TRANSIENT);
		return 0;
	}
bad:
	return error_input("%s: key '%.*s' is not %s %s (entity column '%s' "
			   "of feature group '%s')", where, (int)len, v,
			   s->g.entity[j].type == TABLE_INT ? "an" : "a",
			   fs_type_name(s->g.entity[j].type),
			   s->g.entity[j].name, s->g.name);
}

/* Run the query for time t (keys bound): 1 a row, 0 none, -1. */
static int side_find(struct side *s, int64_t t)
{
	int n = s->g.nentity + 1, rc;

	sqlite3_bind_int64(s->q, n++, t);
	if (s->g.ttl)
		sqlite3_bind_int64(s->q, n++, t - s->g.ttl);
	if (s->max_seq >= 0)
		sqlite3_bind_int64(s->q, n++, s->max_seq);
	rc = db_step(s->q);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* Value j of the row found, written as the column's type. */
static void write_value(struct table_writer *w, struct side *s, int j)
{
	fs_write_value(w, s->q, j, s->g.features[s->feat[j]].type);
}

/* The last batch committed at or before `as_of`: -1 none asked; 0 none. */
static int set_as_of(struct side *s, int has, int64_t as_of)
{
	sqlite3_stmt *st;

	s->max_seq = -1;
	if (!has)
		return 0;
	st = db_prepare(s->db, "SELECT coalesce(max(seq), 0) FROM batches "
			       "WHERE time <= ?");
	if (!st)
		return -1;
	db_bind_int64(st, 1, as_of);
	if (db_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	s->max_seq = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return 0;
}

/*
 * With no --timestamp: event_timestamp, else the one column of the first
 * row (not a key) that reads as a time.
 */
static int find_time_col(struct table_reader *t, struct side *sides,
			 int nsides, int have_row, const char *time_format)
{
	int i, k, j, found = -1, n = 0;

	if ((i = table_col_index(t, "event_timestamp")) >= 0)
		return i;
	if (!have_row)
		return error_input("'%s': no column event_timestamp; name the "
				   "time column with --timestamp",
				   table_name(t));
	for (i = 0; i < table_ncols(t); i++) {
		size_t len;
		const char *v = table_field(t, i, &len);
		int64_t x;
		int is_key = 0;

		for (k = 0; k < nsides; k++)
			for (j = 0; j < sides[k].g.nentity; j++)
				if (sides[k].key_col[j] == i)
					is_key = 1;
		if (is_key || !v ||
		    mltime_parse_value(v, len, time_format, &x) < 0)
			continue;
		found = i;
		n++;
	}
	if (n == 1)
		return found;
	return error_input("'%s': %s; name the time column with --timestamp",
			   table_name(t), n ? "more than one column reads as "
			   "a time" : "no column event_timestamp, and none "
			   "reads as a time");
}

static int parse_spec(const char *spec, char **group, const char **list)
{
	const char *colon = strchr(spec, ':');

	*group = colon ? xstrndup(spec, colon - spec) : xstrdup(spec);
	*list = colon ? colon + 1 : NULL;
	if (!**group)
		return error_input("--features '%s': give GROUP or "
				   "GROUP:F1,F2", spec);
	return names_check("feature group", *group);
}

int64_t fs_join(struct repo *r, const struct fs_join_opts *o)
{
	struct table_reader *t = NULL;
	struct table_writer *w = NULL;
	struct side *sides = NULL;
	const char **names = NULL;
	enum table_type *types = NULL;
	struct strbuf where = STRBUF_INIT, colname = STRBUF_INIT;
	int nsides = 0, i, j, k, ncols, nout = 0, time_col = -1, rc;
	int have_row = 0;
	int64_t rows = -1, n = 0;
	char **owned = NULL;
	int nowned = 0;

	for (i = 0; o->specs && o->specs[i]; i++)
		;
	if (!i)
		return error_input("give --features GROUP[:F1,F2]");
	sides = xcalloc(i, sizeof(*sides));
	for (i = 0; o->specs[i]; i++) {
		char *group;
		const char *list;

		if (parse_spec(o->specs[i], &group, &list) < 0) {
			free(group);
			goto out;
		}
		for (k = 0; k < nsides; k++)
			if (!strcmp(sides[k].g.name, group))
				break;
		if (k < nsides) {
			error_input("--features: group '%s' is given twice; "
				    "list its features in one item", group);
			free(group);
			goto out;
		}
		rc = side_open(r, group, list, &sides[nsides]);
		nsides++;
		free(group);
		if (rc < 0 || side_begin(&sides[nsides - 1]) < 0 ||
		    set_as_of(&sides[nsides - 1], o->has_as_of,
					o->as_of) < 0 ||
		    side_prepare(&sides[nsides - 1], o->has_as_of) < 0)
			goto out;
	}
	t = table_open(o->entities, o->entities_format, 0);
	if (!t)
		goto out;
	ncols = table_ncols(t);
	for (k = 0; k < nsides; k++) {
		struct side *s = &sides[k];

		s->key_col = xcalloc(s->g.nentity + 1, sizeof(*s->key_col));
		for (j = 0; j < s->g.nentity; j++) {
			s->key_col[j] = table_col_index(t, s->g.entity[j].name);
			if (s->key_col[j] < 0) {
				error_input("'%s': no column '%s' (the entity "
					    "of feature group '%s')",
					    table_name(t), s->g.entity[j].name,
					    s->g.name);
				goto out;
			}
		}
	}
	if (o->timestamp) {
		time_col = table_col_index(t, o->timestamp);
		if (time_col < 0) {
			error_input("'%s': no column '%s' (--timestamp)",
				    table_name(t), o->timestamp);
			goto out;
		}
	} else {
		if (table_col_index(t, "event_timestamp") < 0) {
			rc = table_next(t);
			if (rc < 0)
				goto out;
			have_row = rc == TABLE_ROW;
		}
		time_col = find_time_col(t, sides, nsides, have_row,
					 o->time_format);
		if (time_col < 0)
			goto out;
	}
	/* the output's columns: the entity table's, then the features */
	for (k = 0; k < nsides; k++)
		nout += sides[k].nfeat;
	names = xcalloc(ncols + nout + 1, sizeof(*names));
	types = xcalloc(ncols + nout + 1, sizeof(*types));
	owned = xcalloc(nout + 1, sizeof(*owned));
	for (i = 0; i < ncols; i++) {
		names[i] = table_colname(t, i);
		types[i] = TABLE_STRING;
		for (k = 0; k < nsides; k++)
			for (j = 0; j < sides[k].g.nentity; j++)
				if (sides[k].key_col[j] == i)
					types[i] = sides[k].g.entity[j].type;
	}
	nout = ncols;
	for (k = 0; k < nsides; k++) {
		struct side *s = &sides[k];

		for (j = 0; j < s->nfeat; j++) {
			const char *f = s->g.features[s->feat[j]].name;

			strbuf_reset(&colname);
			if (o->full_names)
				strbuf_addf(&colname, "%s__", s->g.name);
			strbuf_addstr(&colname, f);
			for (i = 0; i < nout; i++)
				if (!strcmp(names[i], colname.buf))
					break;
			if (i < nout) {
				error_input("column '%s' would appear twice in "
					    "the result (feature of '%s')",
					    colname.buf, s->g.name);
				err_hint("--full-names names features "
					 "GROUP__FEATURE");
				goto out;
			}
			owned[nowned] = strbuf_detach(&colname, NULL);
			names[nout] = owned[nowned++];
			types[nout++] = s->g.features[s->feat[j]].type;
		}
		if (o->source)
			strbuf_addf(o->source, "%s%s v%d", k ? "; " : "",
				    s->g.name, s->g.version);
	}
	if (o->source && o->has_as_of) {
		char buf[MLTIME_BUFSZ];

		strbuf_addf(o->source, "; as of %s",
			    mltime_format(o->as_of, buf));
	}
	w = table_writer_open(o->out_fd, o->out_name, o->out_format, 0, nout,
			      names, types);
	if (!w)
		goto out;
	for (;;) {
		int64_t at;

		if (!have_row) {
			rc = table_next(t);
			if (rc == TABLE_END)
				break;
			if (rc < 0)
				goto out;
		}
		have_row = 0;
		strbuf_reset(&where);
		strbuf_addf(&where, "'%s' line %lld", table_name(t),
			    (long long)table_line(t));
		rc = table_get_time(t, time_col, o->time_format, &at);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			error_input("%s column '%s': the time is missing",
				    where.buf, table_colname(t, time_col));
			goto out;
		}
		for (i = 0; i < ncols; i++) {
			size_t len = 0;
			const char *v = table_field(t, i, &len);

			table_writer_text(w, v, len);
		}
		for (k = 0; k < nsides; k++) {
			struct side *s = &sides[k];
			int found = 1;

			sqlite3_reset(s->q);
			for (j = 0; j < s->g.nentity && found; j++) {
				size_t len;
				const char *v = table_field(t, s->key_col[j],
							    &len);

				if (!v) {
					/* a missing key matches nothing */
					found = 0;
					break;
				}
				if (bind_key(s, j, v, len, where.buf) < 0)
					goto out;
			}
			if (found && (found = side_find(s, at)) < 0)
				goto out;
			for (j = 0; j < s->nfeat; j++)
				if (found)
					write_value(w, s, j);
				else
					table_writer_null(w);
		}
		if (table_writer_end_row(w) < 0)
			goto out;
		n++;
	}
	if (table_writer_close(w) < 0) {
		w = NULL;
		goto out;
	}
	w = NULL;
	rows = n;
out:
	table_writer_free(w);
	table_close(t);
	for (k = 0; k < nsides; k++)
		side_release(&sides[k]);
	free(sides);
	for (i = 0; i < nowned; i++)
		free(owned[i]);
	free(owned);
	free(names);
	free(types);
	strbuf_release(&where);
	strbuf_release(&colname);
	return rows;
}

/* ---- online lookup ------------------------------------------------------- */

/*
 * Keys read from stdin share a read transaction for up to this long
 * (microseconds), for the reasons side_begin() gives: 10,000 keys took
 * 0.18 s in autocommit mode and 0.10 s this way.  A bound, so that a
 * long-lived pipe of keys still sees new batches within it.
 */
#define LOOKUP_SNAPSHOT_US 10000

struct fs_lookup {
	struct side s;
	int64_t since;		/* when the read transaction began; 0 none */
};

struct fs_lookup *fs_lookup_open(struct repo *r, const char *group)
{
	struct fs_lookup *l = xcalloc(1, sizeof(*l));

	if (side_open(r, group, NULL, &l->s) < 0 ||
	    set_as_of(&l->s, 0, 0) < 0 || side_prepare(&l->s, 0) < 0) {
		fs_lookup_close(l);
		return NULL;
	}
	return l;
}

const struct fs_group *fs_lookup_group(const struct fs_lookup *l)
{
	return &l->s.g;
}

int fs_lookup_get(struct fs_lookup *l, const char *const *key, int64_t at,
		  const char **vals)
{
	struct side *s = &l->s;
	int j, rc;

	sqlite3_reset(s->q);
	if (l->since && mltime_now() - l->since >= LOOKUP_SNAPSHOT_US) {
		if (db_exec(s->db, "COMMIT") < 0)
			return -1;
		l->since = 0;
	}
	if (!l->since) {
		if (db_exec(s->db, "BEGIN") < 0)
			return -1;
		l->since = mltime_now();
	}
	for (j = 0; j < s->g.nentity; j++)
		if (bind_key(s, j, key[j], strlen(key[j]), "key") < 0)
			return -1;
	rc = side_find(s, at);
	if (rc <= 0) {
		for (j = 0; j < s->nfeat; j++)
			vals[j] = NULL;
		return rc;
	}
	for (j = 0; j < s->nfeat; j++) {
		enum table_type type = s->g.features[s->feat[j]].type;
		int ct = sqlite3_column_type(s->q, j);

		if (ct == SQLITE_NULL) {
			vals[j] = NULL;
			continue;
		}
		switch (type) {
		case TABLE_FLOAT:
			vals[j] = num_format_exact(
				ct == SQLITE_TEXT ? NAN
						  : sqlite3_column_double(s->q, j),
				s->buf[j]);
			break;
		case TABLE_BOOL:
			vals[j] = sqlite3_column_int(s->q, j) ? "true" : "false";
			break;
		case TABLE_TIMESTAMP:
			vals[j] = mltime_format(sqlite3_column_int64(s->q, j),
						s->buf[j]);
			break;
		default:
			vals[j] = (const char *)sqlite3_column_text(s->q, j);
		}
	}
	return 1;
}

void fs_lookup_close(struct fs_lookup *l)
{
	if (!l)
		return;
	side_release(&l->s);
	free(l);
}
