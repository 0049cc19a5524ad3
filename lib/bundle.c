/* bundle.c - see bundle.h */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "arc.h"
#include "bundle.h"
#include "catalog.h"
#include "db.h"
#include "domain.h"
#include "err.h"
#include "events.h"
#include "fsutil.h"
#include "maint.h"
#include "mltime.h"
#include "odb.h"
#include "repo.h"
#include "strbuf.h"

#define BUNDLE_FORMAT "mlrepo-bundle"
#define BUNDLE_VERSION 1

/* ---- create ----------------------------------------------------------- */


/* Dump the rows of one table into `out`; returns the row count or -1. */
static long dump_table(sqlite3 *db, const struct domain_table *t,
		       int64_t since, struct strbuf *out)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st;
	int ncol, i, rc;
	long rows = 0;

	strbuf_addf(&sql, "SELECT * FROM \"%s\" WHERE \"%s\" >= ?1", t->name,
		    t->time_col);
	if (t->also && since != INT64_MIN)
		strbuf_addf(&sql, " OR (%s)", t->also);
	strbuf_addf(&sql, " ORDER BY \"%s\"", t->time_col);
	st = db_prepare(db, sql.buf);
	strbuf_release(&sql);
	if (!st)
		return -1;
	db_bind_int64(st, 1, since);
	ncol = sqlite3_column_count(st);
	strbuf_addstr(out, "{\"columns\":[");
	for (i = 0; i < ncol; i++) {
		const char *c = sqlite3_column_name(st, i);

		if (t->local_id && !strcmp(c, t->local_id))
			continue;
		if (out->buf[out->len - 1] != '[')
			strbuf_addch(out, ',');
		strbuf_add_json_str(out, c);
	}
	strbuf_addstr(out, "]}\n");
	while ((rc = db_step(st)) == SQLITE_ROW) {
		int first = 1;

		strbuf_addch(out, '[');
		for (i = 0; i < ncol; i++) {
			if (t->local_id &&
			    !strcmp(sqlite3_column_name(st, i), t->local_id))
				continue;
			if (!first)
				strbuf_addch(out, ',');
			first = 0;
			db_add_json_value(out, st, i);
		}
		strbuf_addstr(out, "]\n");
		rows++;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : rows;
}

struct collect {
	struct repo *r;
	int64_t since;
	char **refs;
	size_t nrefs;
	struct arc_entry *entries;
	size_t nr, alloc;
	size_t objects;
	size_t refs_alloc;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int collect_object(const char *id, const char *path, int compressed,
			  const struct stat *st, void *data)
{
	struct collect *c = data;
	int64_t mtime;
	struct arc_entry *e;
	struct strbuf name = STRBUF_INIT;

	if (!id)
		return 0;
	mtime = (int64_t)st->st_mtim.tv_sec * MLTIME_US_PER_SEC +
		st->st_mtim.tv_nsec / 1000;
	if (mtime < c->since &&
	    !(c->nrefs && bsearch(&id, c->refs, c->nrefs, sizeof(char *),
				  cmp_str)))
		return 0;
	strbuf_addf(&name, "objects/%.2s/%s%s", id, id + 2,
		    compressed ? ".z" : "");
	ALLOC_GROW(c->entries, c->nr + 1, c->alloc);
	e = &c->entries[c->nr++];
	memset(e, 0, sizeof(*e));
	e->name = strbuf_detach(&name, NULL);
	e->path = xstrdup(path);
	c->objects++;
	return 0;
}

/* Every domain's bundle tables, in order (NULL-terminated); free it. */
static const struct domain_table **all_tables(size_t *n)
{
	const struct domain *const *d;
	const struct domain_table **list = NULL;
	size_t nr = 0, alloc = 0;
	int i;

	for (d = domain_list(); *d; d++)
		for (i = 0; (*d)->tables && (*d)->tables[i].name; i++) {
			ALLOC_GROW(list, nr + 2, alloc);
			list[nr++] = &(*d)->tables[i];
		}
	ALLOC_GROW(list, nr + 1, alloc);
	list[nr] = NULL;
	*n = nr;
	return list;
}

static int add_ref(void *data, const char *oid)
{
	struct collect *c = data;

	ALLOC_GROW(c->refs, c->nrefs + 1, c->refs_alloc);
	c->refs[c->nrefs++] = xstrdup(oid);
	return 0;
}

/*
 * A domain's file goes in as files/DOMAIN/NAME.  It is read now, so that
 * a domain may hand over a temporary file and remove it once fn returns.
 */
struct file_ctx {
	struct collect *c;
	const struct domain *d;
};

static int add_file(void *data, const char *name, const char *path)
{
	struct file_ctx *f = data;
	struct arc_entry *e;
	struct strbuf sb = STRBUF_INIT, content = STRBUF_INIT;

	if (strbuf_read_file(&content, path) < 0) {
		strbuf_release(&content);
		return -1;
	}
	strbuf_addf(&sb, "files/%s/%s", f->d->name, name);
	ALLOC_GROW(f->c->entries, f->c->nr + 1, f->c->alloc);
	e = &f->c->entries[f->c->nr++];
	memset(e, 0, sizeof(*e));
	e->name = strbuf_detach(&sb, NULL);
	e->data = strbuf_detach(&content, &e->len);
	return 0;
}

int bundle_create(struct repo *r, const char *path, int64_t since,
		  struct bundle_stats *stats)
{
	const struct domain_table **tables = NULL;
	sqlite3 *db = repo_catalog(r);
	struct collect c = { r, since, NULL, 0, NULL, 0, 0, 0, 0 };
	struct strbuf *dumps = NULL, head = STRBUF_INIT;
	struct fs_atomic out = FS_ATOMIC_INIT;
	char when[MLTIME_BUFSZ];
	size_t ntables = 0, i;
	int rc = -1;

	memset(stats, 0, sizeof(*stats));
	strbuf_init(&stats->conflicts, 0);
	if (!*path)
		return error_input("no bundle file given");
	if (!db)
		return -1;
	/* one read transaction: rows and references from one moment */
	if (db_exec(db, "BEGIN") < 0)
		return -1;
	tables = all_tables(&ntables);
	dumps = xcalloc(ntables, sizeof(*dumps));
	for (i = 0; i < ntables; i++) {
		long n;

		strbuf_init(&dumps[i], 0);
		n = dump_table(db, tables[i], since, &dumps[i]);
		if (n < 0)
			goto out;
		stats->rows += n;
	}
	/* the objects the bundled references name */
	if (catalog_refs(db, since, add_ref, &c) < 0)
		goto out;
	db_exec(db, "COMMIT");
	/* files of domains that keep some outside catalog.db */
	{
		const struct domain *const *d;

		for (d = domain_list(); *d; d++) {
			struct file_ctx f = { &c, *d };

			if ((*d)->refs && (*d)->refs(r, add_ref, &c) < 0)
				goto out;
			if ((*d)->bundle_files &&
			    (*d)->bundle_files(r, since, add_file, &f) < 0)
				goto out;
		}
	}
	if (c.nrefs)
		qsort(c.refs, c.nrefs, sizeof(*c.refs), cmp_str);
	for (i = 0; i < c.nrefs; i++)
		if (!odb_has(r, c.refs[i])) {
			error("object %s is missing; run 'mlrepo fsck'",
			      c.refs[i]);
			goto out;
		}
	if (odb_foreach(r, collect_object, &c) < 0)
		goto out;
	stats->objects = c.objects;

	strbuf_addf(&head, "{\"format\":\"%s\",\"version\":%d,\"created\":\"%s\"",
		    BUNDLE_FORMAT, BUNDLE_VERSION,
		    mltime_format(mltime_now(), when));
	if (since != INT64_MIN)
		strbuf_addf(&head, ",\"since\":\"%s\"", mltime_format(since, when));
	else
		strbuf_addstr(&head, ",\"since\":null");
	strbuf_addf(&head, ",\"objects\":%zu,\"rows\":%zu}\n", stats->objects,
		    stats->rows);
	ALLOC_GROW(c.entries, c.nr + ntables + 1, c.alloc);
	memset(&c.entries[c.nr], 0, sizeof(c.entries[0]) * (ntables + 1));
	c.entries[c.nr].name = xstrdup("BUNDLE");
	c.entries[c.nr].data = head.buf;
	c.entries[c.nr].len = head.len;
	c.nr++;
	for (i = 0; i < ntables; i++) {
		struct strbuf name = STRBUF_INIT;

		strbuf_addf(&name, "catalog/%02zu-%s.jsonl", i,
			    tables[i]->name);
		c.entries[c.nr].name = strbuf_detach(&name, NULL);
		c.entries[c.nr].data = dumps[i].buf;
		c.entries[c.nr].len = dumps[i].len;
		c.nr++;
	}

	if (!strcmp(path, "-")) {
		/* standard output: for ssh and pipes; atomic is the reader's */
		if (arc_pack_fd(STDOUT_FILENO, c.entries, c.nr) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	if (fs_atomic_begin(&out, path, 0644, 0) < 0)
		goto out;
	if (arc_pack_fd(out.fd, c.entries, c.nr) < 0 ||
	    fs_atomic_commit(&out) < 0)
		goto out;
	rc = 0;
out:
	fs_atomic_abort(&out);
	db_rollback(db);
	for (i = 0; i < c.nr; i++) {
		/* the domains' files are the only entries that own data */
		if (!strncmp(c.entries[i].name, "files/", 6))
			free((void *)c.entries[i].data);
		free((char *)c.entries[i].name);
		free((char *)c.entries[i].path);
	}
	free(c.entries);
	maint_free_ids(c.refs, c.nrefs);
	for (i = 0; i < ntables; i++)
		strbuf_release(&dumps[i]);
	free(dumps);
	free(tables);
	strbuf_release(&head);
	return rc;
}

/* ---- unbundle --------------------------------------------------------- */

static long read_entry(void *ctx, void *buf, size_t n)
{
	ssize_t r = arc_read(ctx, buf, n);

	return r < 0 ? -1 : (long)r;
}

static int read_all(struct arc_reader *a, struct strbuf *sb, int64_t size)
{
	char buf[65536];
	ssize_t n;

	(void)size;
	while ((n = arc_read(a, buf, sizeof(buf))) > 0)
		strbuf_add(sb, buf, n);
	return n < 0 ? -1 : 0;
}

/*
 * The table of an entry named catalog/NN-TABLE.jsonl (two digits), or
 * NULL.  Tables are known by name: NN is where the writer had the table,
 * and a domain that gained a table since must not make older bundles
 * unreadable; rows load in the order of the domain list.
 */
static const struct domain_table *table_of(const char *name,
					   const struct domain **owner)
{
	const struct domain_table *t;
	char want[160];

	if (strncmp(name, "catalog/", 8) || !isdigit((unsigned char)name[8]) ||
	    !isdigit((unsigned char)name[9]) || name[10] != '-')
		return NULL;
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(name + 11, "."),
		 name + 11);
	t = domain_find_table(want, NULL, owner);
	if (!t)
		return NULL;
	snprintf(want, sizeof(want), "catalog/%.2s-%s.jsonl", name + 8,
		 t->name);
	return strcmp(name, want) ? NULL : t;
}

/* Does `table` have the column `col`? */
static int has_column(sqlite3 *db, const char *table, const char *col)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM pragma_table_info(?) "
					  "WHERE name = ?");
	int found;

	if (!st)
		return 0;
	db_bind_text(st, 1, table);
	db_bind_text(st, 2, col);
	found = db_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static int is_hex32(const cJSON *v)
{
	return cJSON_IsString(v) && strlen(v->valuestring) == 32 &&
	       strspn(v->valuestring, "0123456789abcdef") == 32;
}

/*
 * Check a row before it goes in, on the columns its table names: an id or
 * uid is 32 hex digits, a time is in range, and an object id names an
 * object that is in the repository now (it came in the bundle, or was
 * there already).
 */
static int check_row(struct repo *r, const struct domain_table *t,
		     cJSON *cols, cJSON *row)
{
	int i, k, n = cJSON_GetArraySize(cols);

	for (i = 0; t->checks && i < n; i++) {
		const char *c = cJSON_GetArrayItem(cols, i)->valuestring;
		cJSON *v = cJSON_GetArrayItem(row, i);

		for (k = 0; t->checks[k].name; k++) {
			if (strcmp(c, t->checks[k].name))
				continue;
			switch (t->checks[k].kind) {
			case DOMAIN_COL_ID32:
				if (is_hex32(v))
					break;
				if (!strcmp(c, "uid"))
					return error_input("column uid: not 32 "
							   "hex digits");
				return error_input("column %s: not a run id",
						   c);
			case DOMAIN_COL_TIME:
				if (!cJSON_IsNumber(v) ||
				    v->valuedouble != floor(v->valuedouble) ||
				    v->valuedouble < (double)MLTIME_MIN ||
				    v->valuedouble > (double)MLTIME_MAX)
					return error_input("column %s: not a "
							   "time", c);
				break;
			case DOMAIN_COL_OBJECT:
				if (!cJSON_IsString(v) ||
				    !odb_valid_id(v->valuestring))
					return error_input("column %s: not an "
							   "object id", c);
				if (!odb_has(r, v->valuestring))
					return error_input("object %s is "
						"neither in the bundle nor in "
						"the repository",
						v->valuestring);
				break;
			}
		}
	}
	return 0;
}

static int bind_json(sqlite3_stmt *st, int i, const cJSON *v)
{
	if (cJSON_IsNull(v)) {
		sqlite3_bind_null(st, i);
	} else if (cJSON_IsString(v)) {
		db_bind_text(st, i, v->valuestring);
	} else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == (double)(int64_t)d && d > -9.2e18 && d < 9.2e18)
			sqlite3_bind_int64(st, i, (int64_t)d);
		else
			sqlite3_bind_double(st, i, d);
	} else if (cJSON_IsObject(v) &&
		   cJSON_IsString(cJSON_GetObjectItem(v, "float"))) {
		const char *f = cJSON_GetObjectItem(v, "float")->valuestring;

		sqlite3_bind_double(st, i, strtod(f, NULL));
	} else if (cJSON_IsObject(v) &&
		   cJSON_IsString(cJSON_GetObjectItem(v, "blob"))) {
		const char *h = cJSON_GetObjectItem(v, "blob")->valuestring;
		size_t n = strlen(h) / 2, k;
		unsigned char *b = xmalloc(n + 1);

		for (k = 0; k < n; k++) {
			unsigned int x;

			if (sscanf(h + 2 * k, "%2x", &x) != 1) {
				free(b);
				return -1;
			}
			b[k] = (unsigned char)x;
		}
		sqlite3_bind_blob(st, i, b, (int)n, free);
	} else {
		return -1;
	}
	return 0;
}

/*
 * Bind a bundle row: by position, or (`named`) each column to the
 * parameter ":COLUMN" of a table's own statement, where one is used
 * (parameters the bundle does not have stay NULL).
 */
static int bind_row(sqlite3_stmt *st, int named, cJSON *cols, cJSON *row)
{
	int i, n = cJSON_GetArraySize(cols);

	sqlite3_clear_bindings(st);
	for (i = 0; i < n; i++) {
		int idx = i + 1;

		if (named) {
			char name[160];

			snprintf(name, sizeof(name), ":%s",
				 cJSON_GetArrayItem(cols, i)->valuestring);
			idx = sqlite3_bind_parameter_index(st, name);
			if (!idx)
				continue;
		}
		if (bind_json(st, idx, cJSON_GetArrayItem(row, i)) < 0)
			return -1;
	}
	return 0;
}

/* Insert the rows of one table dump; adds to the stats. */
static int load_rows(struct repo *r, sqlite3 *db, const char *bundle,
		     const char *entry, const struct domain_table *t,
		     char *text, struct bundle_stats *stats)
{
	struct strbuf sql = STRBUF_INIT;
	sqlite3_stmt *st = NULL, *touch = NULL, *conflict = NULL;
	cJSON *head = NULL, *cols;
	char *line = text, *nl;
	int ncols, i, lineno = 1, rc = -1, touch_col = -1;

	nl = strchr(line, '\n');
	if (nl)
		*nl = '\0';
	head = cJSON_Parse(line);
	cols = cJSON_GetObjectItem(head, "columns");
	if (!cJSON_IsArray(cols) || !(ncols = cJSON_GetArraySize(cols))) {
		error_input("'%s' entry '%s' line 1: expected {\"columns\":[...]}",
			    bundle, entry);
		goto out;
	}
	strbuf_addf(&sql, "INSERT %sINTO \"%s\"(", t->newer ? "" : "OR IGNORE ",
		    t->name);
	for (i = 0; i < ncols; i++) {
		cJSON *c = cJSON_GetArrayItem(cols, i);
		const char *q;

		if (!cJSON_IsString(c)) {
			error_input("'%s' entry '%s': bad column list", bundle,
				    entry);
			goto out;
		}
		for (q = c->valuestring; *q; q++)
			if (*q == '"') {
				error_input("'%s' entry '%s': bad column name",
					    bundle, entry);
				goto out;
			}
		if (t->touch_col && !strcmp(c->valuestring, t->touch_col))
			touch_col = i;
		if ((t->local_id && !strcmp(c->valuestring, t->local_id)) ||
		    !has_column(db, t->name, c->valuestring)) {
			error_input("'%s' entry '%s': table %s has no column "
				    "'%s' a bundle may carry", bundle, entry,
				    t->name, c->valuestring);
			goto out;
		}
		strbuf_addf(&sql, "%s\"%s\"", i ? "," : "", c->valuestring);
	}
	strbuf_addstr(&sql, ") VALUES (");
	for (i = 0; i < ncols; i++)
		strbuf_addstr(&sql, i ? ",?" : "?");
	strbuf_addch(&sql, ')');
	if (t->newer) {
		/* a changed row: the one changed later wins */
		int has_time = 0;

		strbuf_addf(&sql, " ON CONFLICT(%s) DO UPDATE SET ", t->newer);
		for (i = 0; i < ncols; i++) {
			const char *c = cJSON_GetArrayItem(cols, i)->valuestring;

			has_time |= !strcmp(c, t->time_col);
			strbuf_addf(&sql, "%s\"%s\" = excluded.\"%s\"",
				    i ? ", " : "", c, c);
		}
		strbuf_addf(&sql, " WHERE excluded.\"%s\" > \"%s\".\"%s\"",
			    t->time_col, t->name, t->time_col);
		if (!has_time) {
			error_input("'%s' entry '%s': no column '%s'", bundle,
				    entry, t->time_col);
			goto out;
		}
	}
	/* a table with rules of its own gives its statements (domain.h) */
	st = db_prepare(db, t->insert ? t->insert : sql.buf);
	if (st && t->conflict)
		conflict = db_prepare(db, t->conflict);
	if (!st || (t->conflict && !conflict)) {
		err_prefix("'%s' entry '%s': ", bundle, entry);
		goto out;
	}
	while (nl && *(line = nl + 1)) {
		cJSON *row;

		lineno++;
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		row = cJSON_Parse(line);
		if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != ncols) {
			cJSON_Delete(row);
			error_input("'%s' entry '%s' line %d: expected an array "
				    "of %d values", bundle, entry, lineno, ncols);
			goto out;
		}
		if (check_row(r, t, cols, row) < 0) {
			cJSON_Delete(row);
			err_prefix("'%s' entry '%s' line %d: ", bundle, entry,
				   lineno);
			goto out;
		}
		if (bind_row(st, t->insert != NULL, cols, row) < 0 ||
		    (conflict && bind_row(conflict, 1, cols, row) < 0)) {
			cJSON_Delete(row);
			error_input("'%s' entry '%s' line %d: bad value",
				    bundle, entry, lineno);
			goto out;
		}
		if (conflict) {
			int c = db_step(conflict);

			if (c == SQLITE_ROW) {
				/* keep ours, say so, go on */
				strbuf_addf(&stats->conflicts, "%s\n",
					    sqlite3_column_text(conflict, 0));
				sqlite3_reset(conflict);
				stats->rows++;
				cJSON_Delete(row);
				continue;
			}
			sqlite3_reset(conflict);
			if (c < 0) {
				cJSON_Delete(row);
				goto out;
			}
		}
		if (db_step(st) != SQLITE_DONE) {
			cJSON_Delete(row);
			err_prefix("'%s' entry '%s' line %d: ", bundle, entry,
				   lineno);
			goto out;
		}
		stats->rows++;
		if (sqlite3_changes(db)) {
			stats->rows_new++;
			/* remembered for the domain's after_unbundle */
			if (touch_col >= 0) {
				cJSON *tv = cJSON_GetArrayItem(row, touch_col);

				if (!touch) {
					touch = db_prepare(db, "INSERT OR IGNORE "
						"INTO temp.bundle_touched "
						"VALUES (?, ?)");
					if (!touch) {
						cJSON_Delete(row);
						goto out;
					}
				}
				db_bind_text(touch, 1, t->name);
				db_bind_text(touch, 2, cJSON_IsString(tv)
						       ? tv->valuestring : NULL);
				if (db_step(touch) != SQLITE_DONE) {
					cJSON_Delete(row);
					goto out;
				}
				sqlite3_reset(touch);
			}
		}
		cJSON_Delete(row);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_finalize(touch);
	sqlite3_finalize(conflict);
	cJSON_Delete(head);
	strbuf_release(&sql);
	return rc;
}

/* A set of object ids (open addressing on their leading hex digits). */
struct idset {
	char (*v)[ODB_HEXSZ + 1];
	size_t cap, n;
};

/* Add `id`; 0 if it was there already. */
static int idset_add(struct idset *s, const char *id)
{
	char head[17];
	size_t i;

	if ((s->n + 1) * 2 > s->cap) {
		struct idset bigger = { NULL, s->cap ? s->cap * 2 : 1024, 0 };

		bigger.v = xcalloc(bigger.cap, sizeof(*bigger.v));
		for (i = 0; i < s->cap; i++)
			if (s->v[i][0])
				idset_add(&bigger, s->v[i]);
		free(s->v);
		*s = bigger;
	}
	memcpy(head, id, 16);
	head[16] = '\0';
	i = strtoull(head, NULL, 16) & (s->cap - 1);
	while (s->v[i][0]) {
		if (!strcmp(s->v[i], id))
			return 0;
		i = (i + 1) & (s->cap - 1);
	}
	memcpy(s->v[i], id, ODB_HEXSZ + 1);
	s->n++;
	return 1;
}

/*
 * The domains' counts of rows that point at nothing (their fsck checks),
 * in order, into `n` (NULL: only count them).  Returns how many checks, or
 * -1.  A check on a missing table counts 0.
 */
static int orphan_counts(sqlite3 *db, int64_t *n)
{
	const struct domain *const *d;
	int i, k = 0;

	for (d = domain_list(); *d; d++)
		for (i = 0; (*d)->checks && (*d)->checks[i].table; i++) {
			const struct domain_check *c = &(*d)->checks[i];
			int64_t v = 0;

			if (!c->sql)
				continue;
			if (n && db_has_table(db, c->table) &&
			    (v = db_query_int(db, c->sql)) < 0)
				return -1;
			if (n)
				n[k] = v;
			k++;
		}
	return k;
}

/* The `what` of check number `k` (as orphan_counts() counts them). */
static const char *orphan_what(int k)
{
	const struct domain *const *d;
	int i;

	for (d = domain_list(); *d; d++)
		for (i = 0; (*d)->checks && (*d)->checks[i].table; i++)
			if ((*d)->checks[i].sql && !k--)
				return (*d)->checks[i].what;
	return "rows";
}

struct pending {
	const struct domain_table *table; /* NULL: a domain's file */
	const struct domain *domain;
	char *entry;
	struct strbuf text;
};

/*
 * A new entry to load once every object is in: a table's rows (`t`; a
 * table given twice, under any number, is refused) or a domain's file
 * (`t` NULL; a name given twice is refused).  NULL with the error set.
 */
static struct pending *add_pending(struct pending **pend, size_t *npend,
				   size_t *apend, const char *path,
				   const char *name,
				   const struct domain_table *t,
				   const struct domain *d)
{
	struct pending *p;
	size_t i;

	for (i = 0; i < *npend; i++)
		if (t ? (*pend)[i].table == t : !strcmp((*pend)[i].entry, name)) {
			error_input("'%s': entry '%s' appears twice", path, name);
			return NULL;
		}
	ALLOC_GROW(*pend, *npend + 1, *apend);
	p = &(*pend)[(*npend)++];
	p->table = t;
	p->domain = d;
	p->entry = xstrdup(name);
	strbuf_init(&p->text, 0);
	return p;
}

int bundle_unbundle(struct repo *r, const char *path,
		    struct bundle_stats *stats)
{
	struct arc_reader *a;
	struct pending *pend = NULL;
	size_t npend = 0, apend = 0, i;
	struct idset seen = { NULL, 0, 0 }; /* object ids met so far */
	const struct domain *const *d;
	size_t k;
	size_t *new_rows = NULL; /* per domain */
	int64_t *orphans = NULL; /* before, then after */
	int northans = 0;
	const char *name;
	int64_t size;
	int rc, seen_head = 0, result = -1;
	sqlite3 *db = repo_catalog(r);

	memset(stats, 0, sizeof(*stats));
	strbuf_init(&stats->conflicts, 0);
	if (!db)
		return -1;
	if (strcmp(path, "-") && access(path, R_OK) < 0)
		return error_input("cannot open '%s': %s", path,
				   strerror(errno));
	a = arc_open(path);
	if (!a)
		return -1;
	while ((rc = arc_next(a, &name, &size)) == 1) {
		if (!strcmp(name, "BUNDLE")) {
			struct strbuf sb = STRBUF_INIT;
			cJSON *h, *f, *v;

			if (read_all(a, &sb, size) < 0)
				goto out;
			h = cJSON_Parse(sb.buf);
			f = cJSON_GetObjectItem(h, "format");
			v = cJSON_GetObjectItem(h, "version");
			strbuf_release(&sb);
			if (!cJSON_IsString(f) || strcmp(f->valuestring,
							 BUNDLE_FORMAT) ||
			    !cJSON_IsNumber(v)) {
				cJSON_Delete(h);
				error_input("'%s' is not an mlrepo bundle",
					    path);
				goto out;
			}
			if (v->valuedouble > BUNDLE_VERSION ||
			    v->valuedouble < 1) {
				double ver = v->valuedouble;

				cJSON_Delete(h);
				error_input("'%s' is a bundle of version %g; "
					    "this mlrepo reads %d", path, ver,
					    BUNDLE_VERSION);
				goto out;
			}
			cJSON_Delete(h);
			seen_head = 1;
		} else if (!seen_head) {
			error_input("'%s' is not an mlrepo bundle (no BUNDLE "
				    "entry first)", path);
			goto out;
		} else if (!strncmp(name, "catalog/", 8)) {
			const struct domain *owner = NULL;
			const struct domain_table *t = table_of(name, &owner);
			struct pending *p;

			if (!t) {
				error_input("'%s': unknown catalog table in "
					    "entry '%s'", path, name);
				goto out;
			}
			p = add_pending(&pend, &npend, &apend, path, name, t,
					owner);
			if (!p || read_all(a, &p->text, size) < 0)
				goto out;
		} else if (!strncmp(name, "files/", 6)) {
			/* files/DOMAIN/NAME: a domain's file outside catalog.db */
			const char *slash = strchr(name + 6, '/');
			struct pending *p;

			for (d = domain_list(); slash && *d; d++)
				if (strlen((*d)->name) == (size_t)(slash - name - 6) &&
				    !strncmp((*d)->name, name + 6, slash - name - 6))
					break;
			if (!slash || !*d || !(*d)->unbundle_file || !slash[1]) {
				error_input("'%s': unexpected entry '%s'", path,
					    name);
				goto out;
			}
			p = add_pending(&pend, &npend, &apend, path, name, NULL,
					*d);
			if (!p || read_all(a, &p->text, size) < 0)
				goto out;
		} else if (!strncmp(name, "objects/", 8)) {
			char id[ODB_HEXSZ + 1], got[ODB_HEXSZ + 1];
			size_t n = strlen(name);
			int z = n == 8 + 3 + 62 + 2 && !strcmp(name + n - 2, ".z");
			int added;

			if ((n != 8 + 3 + 62 && !z) || name[10] != '/') {
				error_input("'%s': bad object entry '%s'", path,
					    name);
				goto out;
			}
			memcpy(id, name + 8, 2);
			memcpy(id + 2, name + 11, 62);
			id[ODB_HEXSZ] = '\0';
			if (!odb_valid_id(id)) {
				error_input("'%s': bad object entry '%s'", path,
					    name);
				goto out;
			}
			if (!idset_add(&seen, id)) {
				error_input("'%s': object %s appears twice",
					    path, id);
				goto out;
			}
			stats->objects++;
			if (odb_freshen(r, id))
				continue; /* present; refreshed against gc */
			if (odb_put_reader(r, read_entry, a, z, id, got,
					   &added) < 0) {
				err_prefix("'%s' entry '%s': ", path, name);
				goto out;
			}
			stats->objects_new += added;
		} else {
			error_input("'%s': unexpected entry '%s'", path, name);
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	if (!seen_head) {
		error_input("'%s' is not an mlrepo bundle", path);
		goto out;
	}
	/*
	 * the domains' files first, each the domain's own commit: a row
	 * (an event) that describes a file then never comes in without it
	 */
	for (i = 0; i < npend; i++) {
		if (pend[i].table)
			continue;
		if (pend[i].domain->unbundle_file(r, db, strchr(pend[i].entry + 6,
								 '/') + 1,
						  pend[i].text.buf,
						  pend[i].text.len) < 0) {
			err_prefix("'%s' entry '%s': ", path, pend[i].entry);
			goto out;
		}
	}
	/* rows last, in one transaction, in the order of the table list */
	if (db_begin(db) < 0)
		goto out;
	if (db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS bundle_touched"
			"(tbl TEXT, val TEXT, PRIMARY KEY (tbl, val)); "
			"DELETE FROM temp.bundle_touched") < 0) {
		db_rollback(db);
		goto out;
	}
	for (k = 0, d = domain_list(); *d; d++)
		k++;
	new_rows = xcalloc(k + 1, sizeof(*new_rows));
	/* a bundle may not leave rows that point at nothing */
	northans = orphan_counts(db, NULL);
	orphans = xcalloc(2 * northans + 1, sizeof(*orphans));
	if (orphan_counts(db, orphans) < 0) {
		db_rollback(db);
		goto out;
	}
	for (k = 0, d = domain_list(); *d; d++, k++) {
		int t;

		for (t = 0; (*d)->tables && (*d)->tables[t].name; t++)
			for (i = 0; i < npend; i++) {
				size_t before = stats->rows_new;

				if (!pend[i].table ||
				    pend[i].table != &(*d)->tables[t])
					continue;
				if (load_rows(r, db, path, pend[i].entry,
					      pend[i].table, pend[i].text.buf,
					      stats) < 0) {
					db_rollback(db);
					goto out;
				}
				new_rows[k] += stats->rows_new - before;
			}
		if (new_rows[k] && (*d)->after_unbundle &&
		    (*d)->after_unbundle(db) < 0) {
			err_prefix("'%s': ", path);
			db_rollback(db);
			goto out;
		}
	}
	if (orphan_counts(db, orphans + northans) < 0) {
		db_rollback(db);
		goto out;
	}
	for (k = 0; k < (size_t)northans; k++)
		if (orphans[northans + k] > orphans[k]) {
			error_input("'%s' carries %lld %s; nothing was "
				    "changed", path,
				    (long long)(orphans[northans + k] -
						orphans[k]),
				    orphan_what((int)k));
			err_hint("make the bundle with an earlier --since, or "
				 "unbundle the bundle that carries them first");
			db_rollback(db);
			goto out;
		}
	if (stats->rows_new || stats->objects_new) {
		struct event_detail ed = EVENT_DETAIL_INIT;

		event_detail_int(&ed, "objects", (int64_t)stats->objects_new);
		event_detail_int(&ed, "rows", (int64_t)stats->rows_new);
		if (events_add_detail(db, "bundle.unbundle", path, &ed) < 0) {
			db_rollback(db);
			goto out;
		}
	}
	if (db_commit(db) < 0)
		goto out;
	result = 0;
out:
	arc_close(a);
	for (i = 0; i < npend; i++) {
		free(pend[i].entry);
		strbuf_release(&pend[i].text);
	}
	free(pend);
	free(seen.v);
	free(new_rows);
	free(orphans);
	return result;
}
