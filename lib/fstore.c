/*
 * fstore.c - feature groups: definitions, schema versions and the
 * group files.  Ingest is in fstore-ingest.c, joins and lookups in
 * fstore-join.c; fstore.h says what a group is.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "events.h"
#include "expr.h"
#include "fstore.h"
#include "fstore-int.h"
#include "fsutil.h"
#include "mltime.h"
#include "names.h"
#include "repo.h"
#include "strbuf.h"

static const char *const type_names[] = {
	[TABLE_STRING] = "string", [TABLE_INT] = "int",
	[TABLE_FLOAT] = "float", [TABLE_BOOL] = "bool",
	[TABLE_TIMESTAMP] = "timestamp"
};

const char *fs_type_name(enum table_type t)
{
	return t <= TABLE_TIMESTAMP ? type_names[t] : "?";
}

int fs_type_parse(const char *s, enum table_type *out)
{
	int i;

	for (i = 0; i <= TABLE_TIMESTAMP; i++)
		if (!strcmp(s, type_names[i])) {
			*out = i;
			return 0;
		}
	return -1;
}

void fs_group_release(struct fs_group *g)
{
	int i;

	free(g->name);
	for (i = 0; i < g->nentity; i++)
		free(g->entity[i].name);
	free(g->entity);
	free(g->timestamp);
	free(g->created);
	for (i = 0; i < g->nfeatures; i++)
		free(g->features[i].name);
	free(g->features);
	for (i = 0; i < g->nchecks; i++)
		free(g->checks[i]);
	free(g->checks);
	free(g->description);
	memset(g, 0, sizeof(*g));
}

/* ---- building a definition ---------------------------------------------- */

static int add_column(struct fs_column **v, int *n, const char *what,
		      const char *item, int need_type)
{
	const char *colon = strrchr(item, ':');
	char *name = colon ? xstrndup(item, colon - item) : xstrdup(item);
	enum table_type type = TABLE_STRING;

	if (!colon && need_type) {
		error_input("%s '%s': give NAME:TYPE (a type of int, float, "
			    "string, bool, timestamp)", what, item);
		free(name);
		return -1;
	}
	if (colon && fs_type_parse(colon + 1, &type) < 0) {
		error_input("%s '%s': unknown type '%s' (int, float, string, "
			    "bool, timestamp)", what, item, colon + 1);
		free(name);
		return -1;
	}
	if (names_check(what, name) < 0) {
		free(name);
		return -1;
	}
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].name = name;
	(*v)[*n].type = type;
	(*v)[*n].slot = *n;
	(*n)++;
	return 0;
}

/* Every column name of g once: entity, timestamp, created, features. */
static int check_distinct(const struct fs_group *g)
{
	const char **all = xcalloc(g->nentity + g->nfeatures + 2,
				   sizeof(*all));
	int n = 0, i, j, rc = 0;

	for (i = 0; i < g->nentity; i++)
		all[n++] = g->entity[i].name;
	all[n++] = g->timestamp;
	if (g->created)
		all[n++] = g->created;
	for (i = 0; i < g->nfeatures; i++)
		all[n++] = g->features[i].name;
	for (i = 0; i < n && !rc; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(all[i], all[j])) {
				rc = error_input("feature group '%s': column "
						 "'%s' is given twice", g->name,
						 all[i]);
				break;
			}
	free(all);
	return rc;
}

/* A check may name the group's features and entity columns only. */
struct check_names {
	const struct fs_group *g;
	const char *check;
};

static int check_ident(const char *const *parts, int nparts, int col,
		       void *data)
{
	struct check_names *c = data;
	struct strbuf sb = STRBUF_INIT;

	if (nparts == 1 && fs_group_column(c->g, parts[0], NULL) >= 0)
		return 0;
	expr_ident_format(&sb, parts, nparts);
	error_input("check column %d: '%s' is not a column of feature group "
		    "'%s'", col, sb.buf, c->g->name);
	err_hint("a check names the group's features and entity columns: %s",
		 c->check);
	strbuf_release(&sb);
	return -1;
}

static int finish(struct fs_group *g)
{
	int i;

	if (!g->nentity)
		return error_input("feature group '%s': give --entity",
				   g->name);
	if (!g->timestamp)
		return error_input("feature group '%s': give --timestamp",
				   g->name);
	if (names_check("timestamp column", g->timestamp) < 0 ||
	    (g->created && names_check("created column", g->created) < 0) ||
	    check_distinct(g) < 0)
		return -1;
	for (i = 0; i < g->nchecks; i++) {
		struct expr *e = expr_parse(g->checks[i], "check");
		struct check_names cn = { g, g->checks[i] };
		int rc;

		if (!e)
			return -1;
		rc = expr_foreach_ident(e, check_ident, &cn);
		expr_free(e);
		if (rc)
			return -1;
	}
	return 0;
}

static int parse_ttl(const char *s, int64_t *out)
{
	if (!s || !strcmp(s, "0")) {
		*out = 0;
		return 0;
	}
	return mltime_parse_duration(s, out);
}

int fs_group_from_args(struct fs_group *g, const char *name,
		       const char *entity, const char *timestamp,
		       const char *created, char *const *features,
		       const char *ttl, char *const *checks,
		       const char *description)
{
	memset(g, 0, sizeof(*g));
	g->name = xstrdup(name);
	if (entity) {
		char *list = xstrdup(entity), *save = NULL, *item;
		int rc = 0;

		for (item = strtok_r(list, ",", &save); item && !rc;
		     item = strtok_r(NULL, ",", &save)) {
			char *end = item + strlen(item);

			/* "city, day:int" as well as "city,day:int" */
			while (*item == ' ' || *item == '\t')
				item++;
			while (end > item && (end[-1] == ' ' || end[-1] == '\t'))
				*--end = '\0';
			rc = add_column(&g->entity, &g->nentity,
					"entity column", item, 0);
		}
		free(list);
		if (rc)
			return -1;
	}
	g->timestamp = timestamp ? xstrdup(timestamp) : NULL;
	g->created = created ? xstrdup(created) : NULL;
	for (; features && *features; features++)
		if (add_column(&g->features, &g->nfeatures, "feature",
			       *features, 1) < 0)
			return -1;
	if (parse_ttl(ttl, &g->ttl) < 0)
		return -1;
	for (; checks && *checks; checks++) {
		g->checks = xrealloc(g->checks,
				     (g->nchecks + 1) * sizeof(*g->checks));
		g->checks[g->nchecks++] = xstrdup(*checks);
	}
	g->description = description ? xstrdup(description) : NULL;
	return finish(g);
}

int fs_group_from_file(struct fs_group *g, const char *name,
		       const char *path)
{
	struct config cfg = CONFIG_INIT;
	struct strvec { char **v; int n; } feats = { 0 }, checks = { 0 };
	const char *entity = NULL, *ts = NULL, *created = NULL, *ttl = NULL;
	const char *desc = NULL, *section = NULL;
	size_t i;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (!fs_exists(path))
		return error_input("cannot read '%s': no such file", path);
	if (config_parse_file(&cfg, path) < 0)
		return -1;
	for (i = 0; i < cfg.nr; i++) {
		const struct config_entry *e = &cfg.entries[i];

		if (strcmp(e->section, "group") || !e->subsection) {
			error_input("'%s' line %d: expected a [group \"NAME\"] "
				    "section, found [%s]", path, e->line,
				    e->section);
			goto out;
		}
		if (!section && (!name || !strcmp(name, e->subsection)))
			section = e->subsection;
		if (!name && strcmp(section, e->subsection)) {
			error_input("'%s' line %d: more than one group; name "
				    "the one to define", path, e->line);
			goto out;
		}
		if (!section || strcmp(section, e->subsection))
			continue;
		if (!e->value) {
			error_input("'%s' line %d: '%s' needs a value", path,
				    e->line, e->key);
			goto out;
		}
		if (!strcmp(e->key, "entity")) {
			entity = e->value;
		} else if (!strcmp(e->key, "timestamp")) {
			ts = e->value;
		} else if (!strcmp(e->key, "created")) {
			created = e->value;
		} else if (!strcmp(e->key, "feature")) {
			feats.v = xrealloc(feats.v, (feats.n + 2) * sizeof(char *));
			feats.v[feats.n++] = e->value;
			feats.v[feats.n] = NULL;
		} else if (!strcmp(e->key, "check")) {
			checks.v = xrealloc(checks.v,
					    (checks.n + 2) * sizeof(char *));
			checks.v[checks.n++] = e->value;
			checks.v[checks.n] = NULL;
		} else if (!strcmp(e->key, "ttl")) {
			ttl = e->value;
		} else if (!strcmp(e->key, "description")) {
			desc = e->value;
		} else {
			error_input("'%s' line %d: unknown key '%s' (entity, "
				    "timestamp, created, feature, ttl, check, "
				    "description)", path, e->line, e->key);
			goto out;
		}
	}
	if (!section) {
		if (name)
			error_input("'%s': no [group \"%s\"] section", path,
				    name);
		else
			error_input("'%s': no [group \"NAME\"] section", path);
		goto out;
	}
	rc = fs_group_from_args(g, section, entity, ts, created, feats.v, ttl,
				checks.v, desc);
	if (rc < 0)
		err_prefix("'%s': ", path);
out:
	free(feats.v);
	free(checks.v);
	config_release(&cfg);
	return rc;
}

int fs_group_column(const struct fs_group *g, const char *name,
		    enum table_type *type)
{
	int i;

	for (i = 0; i < g->nentity; i++)
		if (!strcmp(g->entity[i].name, name)) {
			if (type)
				*type = g->entity[i].type;
			return i;
		}
	for (i = 0; i < g->nfeatures; i++)
		if (!strcmp(g->features[i].name, name)) {
			if (type)
				*type = g->features[i].type;
			return g->nentity + i;
		}
	return -1;
}

/* ---- JSON --------------------------------------------------------------- */

static cJSON *columns_json(const struct fs_column *c, int n, int slots)
{
	cJSON *a = cJSON_CreateArray();
	int i;

	for (i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", c[i].name);
		cJSON_AddStringToObject(o, "type", fs_type_name(c[i].type));
		if (slots)
			cJSON_AddNumberToObject(o, "slot", c[i].slot);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

cJSON *fs_group_to_json(const struct fs_group *g)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char buf[MLTIME_BUFSZ];
	int i;

	cJSON_AddStringToObject(o, "name", g->name);
	if (g->version)
		cJSON_AddNumberToObject(o, "version", g->version);
	if (g->time)
		cJSON_AddStringToObject(o, "defined", mltime_format(g->time, buf));
	cJSON_AddItemToObject(o, "entity", columns_json(g->entity, g->nentity,
							0));
	cJSON_AddStringToObject(o, "timestamp", g->timestamp);
	if (g->created)
		cJSON_AddStringToObject(o, "created", g->created);
	else
		cJSON_AddNullToObject(o, "created");
	cJSON_AddItemToObject(o, "features",
			      columns_json(g->features, g->nfeatures, 1));
	cJSON_AddNumberToObject(o, "ttl_us", (double)g->ttl);
	a = cJSON_AddArrayToObject(o, "checks");
	for (i = 0; i < g->nchecks; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(g->checks[i]));
	if (g->description)
		cJSON_AddStringToObject(o, "description", g->description);
	else
		cJSON_AddNullToObject(o, "description");
	return o;
}

static int columns_from_json(const cJSON *a, struct fs_column **v, int *n)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, a) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(it, "name");
		const cJSON *ty = cJSON_GetObjectItemCaseSensitive(it, "type");
		const cJSON *sl = cJSON_GetObjectItemCaseSensitive(it, "slot");
		enum table_type t;

		if (!cJSON_IsString(nm) || !cJSON_IsString(ty) ||
		    fs_type_parse(ty->valuestring, &t) < 0)
			return -1;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[*n].name = xstrdup(nm->valuestring);
		(*v)[*n].type = t;
		(*v)[*n].slot = cJSON_IsNumber(sl) ? sl->valueint : *n;
		(*n)++;
	}
	return 0;
}

int fs_group_parse_spec(struct fs_group *g, const char *text,
			const char *file)
{
	cJSON *o = cJSON_Parse(text), *it;
	const cJSON *v;
	int rc = -1;

	memset(g, 0, sizeof(*g));
	if (!o)
		goto bad;
	v = cJSON_GetObjectItemCaseSensitive(o, "name");
	if (!cJSON_IsString(v))
		goto bad;
	g->name = xstrdup(v->valuestring);
	if (columns_from_json(cJSON_GetObjectItemCaseSensitive(o, "entity"),
			      &g->entity, &g->nentity) < 0 ||
	    columns_from_json(cJSON_GetObjectItemCaseSensitive(o, "features"),
			      &g->features, &g->nfeatures) < 0)
		goto bad;
	v = cJSON_GetObjectItemCaseSensitive(o, "timestamp");
	if (!cJSON_IsString(v))
		goto bad;
	g->timestamp = xstrdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "created");
	if (cJSON_IsString(v))
		g->created = xstrdup(v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(o, "ttl_us");
	g->ttl = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "checks")) {
		if (!cJSON_IsString(it))
			goto bad;
		g->checks = xrealloc(g->checks,
				     (g->nchecks + 1) * sizeof(*g->checks));
		g->checks[g->nchecks++] = xstrdup(it->valuestring);
	}
	v = cJSON_GetObjectItemCaseSensitive(o, "description");
	if (cJSON_IsString(v))
		g->description = xstrdup(v->valuestring);
	rc = 0;
	goto out;
bad:
	error("%s: a schema version that cannot be read", file);
	fs_group_release(g);
out:
	cJSON_Delete(o);
	return rc;
}

/* ---- the group's file ---------------------------------------------------- */

char *fs_group_path(struct repo *r, const char *name)
{
	return repo_path(r, "features/%s.db", name);
}

static const char *const group_schema =
	"CREATE TABLE schema ("
	"  version INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
	"  spec TEXT NOT NULL);"
	"CREATE TABLE batches ("
	"  seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
	"  time INTEGER NOT NULL, source TEXT, sha256 TEXT,"
	"  rows INTEGER NOT NULL, rejected INTEGER NOT NULL,"
	"  user TEXT, version INTEGER NOT NULL);"
	"CREATE INDEX batches_sha ON batches(sha256)";

/* CREATE TABLE rows (...) and its index for the group's first version. */
static void rows_sql(const struct fs_group *g, struct strbuf *sql)
{
	int i;

	strbuf_addstr(sql, "CREATE TABLE rows (");
	for (i = 0; i < g->nentity; i++)
		strbuf_addf(sql, "e%d %s NOT NULL, ", i,
			    fs_sql_type(g->entity[i].type));
	strbuf_addstr(sql, "t INTEGER NOT NULL, c INTEGER NOT NULL, "
			   "b INTEGER NOT NULL");
	for (i = 0; i < g->nfeatures; i++)
		strbuf_addf(sql, ", f%d %s", g->features[i].slot,
			    fs_sql_type(g->features[i].type));
	strbuf_addstr(sql, ");CREATE INDEX rows_key ON rows(");
	for (i = 0; i < g->nentity; i++)
		strbuf_addf(sql, "e%d, ", i);
	strbuf_addstr(sql, "t, c, b)");
}

int fs_group_new_file(sqlite3 *db)
{
	/*
	 * 16 KiB pages: rows of a key, a time and a handful of numbers fill
	 * them well, and a bulk load writes (and the WAL copies) a quarter
	 * as many page headers: 15% less CPU per ingested row than 4 KiB.
	 * The size is fixed when the first table is made, outside WAL mode,
	 * which db_open() had set; it is set again at the next open.
	 */
	return db_exec(db, "PRAGMA journal_mode = DELETE;"
			   "PRAGMA page_size = 16384; VACUUM");
}

int fs_group_create_tables(sqlite3 *db, const struct fs_group *g)
{
	struct strbuf sql = STRBUF_INIT;
	int rc;

	rows_sql(g, &sql);
	rc = db_exec(db, group_schema) < 0 || db_exec(db, sql.buf) < 0 ? -1 : 0;
	strbuf_release(&sql);
	return rc;
}

const char *fs_sql_type(enum table_type t)
{
	switch (t) {
	case TABLE_INT:
	case TABLE_BOOL:
	case TABLE_TIMESTAMP:
		return "INTEGER";
	case TABLE_FLOAT:
		return "REAL";
	default:
		return "TEXT";
	}
}

static int add_version(sqlite3 *db, struct fs_group *g)
{
	sqlite3_stmt *st;
	cJSON *j;
	char *text;
	int rc;

	g->time = mltime_now();
	j = fs_group_to_json(g);
	cJSON_DeleteItemFromObjectCaseSensitive(j, "version");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "defined");
	text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	st = db_prepare(db, "INSERT INTO schema(version, time, spec) "
			    "VALUES (?, ?, ?)");
	if (!st) {
		free(text);
		return -1;
	}
	sqlite3_bind_int(st, 1, g->version);
	db_bind_int64(st, 2, g->time);
	db_bind_text(st, 3, text);
	rc = db_step(st) == SQLITE_DONE ? 0 : -1;
	sqlite3_finalize(st);
	free(text);
	return rc;
}

static int load_version(sqlite3 *db, int version, struct fs_group *g)
{
	sqlite3_stmt *st = db_prepare(db, version ?
		"SELECT version, time, spec FROM schema WHERE version = ?" :
		"SELECT version, time, spec FROM schema ORDER BY version DESC "
		"LIMIT 1");
	int rc;

	if (!st)
		return -1;
	if (version)
		sqlite3_bind_int(st, 1, version);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		rc = fs_group_parse_spec(g,
					 (const char *)sqlite3_column_text(st, 2),
					 db_name(db));
		g->version = sqlite3_column_int(st, 0);
		g->time = sqlite3_column_int64(st, 1);
	} else {
		rc = rc < 0 ? -1 : error("%s: no schema version", db_name(db));
	}
	sqlite3_finalize(st);
	return rc;
}

int fs_group_exists(struct repo *r, const char *name)
{
	char *path;
	int rc;

	if (!names_valid(name))
		return 0;
	path = fs_group_path(r, name);
	rc = fs_exists(path);
	free(path);
	return rc;
}

int fs_group_open(struct repo *r, const char *name, int write,
		  struct fs_group *g, sqlite3 **db)
{
	char *path;

	memset(g, 0, sizeof(*g));
	*db = NULL;
	if (names_check("feature group", name) < 0)
		return -1;
	path = fs_group_path(r, name);
	if (!fs_exists(path)) {
		free(path);
		error_input("no such feature group: '%s'", name);
		err_hint("'fs-ingest list' lists them; 'fs-ingest define' "
			 "makes one");
		return -1;
	}
	(void)write;
	*db = db_open(path, 0);
	free(path);
	if (!*db)
		return -1;
	if (load_version(*db, 0, g) < 0) {
		db_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

int fs_group_versions(sqlite3 *db, struct fs_group **out, int *n)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT version FROM schema ORDER "
					  "BY version");
	int rc;

	*out = NULL;
	*n = 0;
	if (!st)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		if (load_version(db, sqlite3_column_int(st, 0),
				 &(*out)[*n]) < 0) {
			rc = -1;
			break;
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int fs_group_summary(sqlite3 *db, struct fs_summary *s)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT count(*), min(t), max(t), "
					  "(SELECT count(*) FROM batches) "
					  "FROM rows");
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (st && db_step(st) == SQLITE_ROW) {
		s->rows = sqlite3_column_int64(st, 0);
		s->first = sqlite3_column_int64(st, 1);
		s->last = sqlite3_column_int64(st, 2);
		s->batches = sqlite3_column_int64(st, 3);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

int fs_group_batches(sqlite3 *db, int (*fn)(const struct fs_batch *b,
					    void *data), void *data)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT id, time, source, rows, "
					  "rejected, user, version FROM batches "
					  "ORDER BY seq");
	struct fs_batch b;
	int rc;

	if (!st)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		b.id = (const char *)sqlite3_column_text(st, 0);
		b.time = sqlite3_column_int64(st, 1);
		b.source = (const char *)sqlite3_column_text(st, 2);
		b.rows = sqlite3_column_int64(st, 3);
		b.rejected = sqlite3_column_int64(st, 4);
		b.user = (const char *)sqlite3_column_text(st, 5);
		b.version = sqlite3_column_int(st, 6);
		if ((rc = fn(&b, data)))
			break;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int fs_group_list(struct repo *r, char ***names, int *n)
{
	char *dir = repo_path(r, "features");
	DIR *d = opendir(dir);
	struct dirent *de;

	*names = NULL;
	*n = 0;
	if (!d) {
		int rc = errno == ENOENT ? 0 : error("cannot read '%s': %s",
						     dir, strerror(errno));
		free(dir);
		return rc;
	}
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char *name;

		if (len <= 3 || strcmp(de->d_name + len - 3, ".db"))
			continue;
		name = xstrndup(de->d_name, len - 3);
		if (!names_valid(name)) {
			free(name);
			continue;
		}
		*names = xrealloc(*names, (*n + 1) * sizeof(**names));
		(*names)[(*n)++] = name;
	}
	closedir(d);
	free(dir);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

/* ---- define ------------------------------------------------------------- */

static int same_columns(const struct fs_column *a, int na,
			const struct fs_column *b, int nb)
{
	int i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i].name, b[i].name) || a[i].type != b[i].type)
			return 0;
	return 1;
}

static int same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static int same_checks(const struct fs_group *a, const struct fs_group *b)
{
	int i;

	if (a->nchecks != b->nchecks)
		return 0;
	for (i = 0; i < a->nchecks; i++)
		if (strcmp(a->checks[i], b->checks[i]))
			return 0;
	return 1;
}

/* A change define refuses: the message, and the way out. */
static int ERR_FORMAT(1, 2) refused(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_v(2, fmt, ap);
	va_end(ap);
	err_hint("define a new group");
	return -1;
}

/*
 * Compare the new definition g with the current one: 0 the same, 1 a
 * compatible change (features added; TTL, checks or description
 * changed), -1 refused.  Gives g's features their slots: an existing
 * feature keeps its slot, a new one takes the next free.
 */
static int compare(const struct fs_group *cur, struct fs_group *g)
{
	int i, j, added = 0, next = 0;

	if (!same_columns(cur->entity, cur->nentity, g->entity, g->nentity))
		return refused("feature group '%s': its entity is %s; a "
				   "group's entity cannot change", g->name,
				   cur->nentity ? cur->entity[0].name : "?");
	if (strcmp(cur->timestamp, g->timestamp) ||
	    !same_str(cur->created, g->created))
		return refused("feature group '%s': its timestamp and "
				   "created columns cannot change", g->name);
	for (i = 0; i < cur->nfeatures; i++)
		if (cur->features[i].slot >= next)
			next = cur->features[i].slot + 1;
	for (i = 0; i < cur->nfeatures; i++) {
		for (j = 0; j < g->nfeatures; j++)
			if (!strcmp(cur->features[i].name, g->features[j].name))
				break;
		if (j == g->nfeatures)
			return refused("feature group '%s': feature '%s' "
					   "cannot be removed", g->name,
					   cur->features[i].name);
		if (g->features[j].type != cur->features[i].type)
			return refused("feature group '%s': feature '%s' "
					   "is %s; its type cannot change to "
					   "%s", g->name,
					   cur->features[i].name,
					   fs_type_name(cur->features[i].type),
					   fs_type_name(g->features[j].type));
		g->features[j].slot = cur->features[i].slot;
	}
	for (j = 0; j < g->nfeatures; j++) {
		for (i = 0; i < cur->nfeatures; i++)
			if (!strcmp(cur->features[i].name, g->features[j].name))
				break;
		if (i == cur->nfeatures) {
			g->features[j].slot = next++;
			added++;
		}
	}
	/* the order the user gave is the definition's order */
	for (i = 0; !added && i < g->nfeatures; i++)
		if (strcmp(g->features[i].name, cur->features[i].name))
			added = 1;
	if (added || g->ttl != cur->ttl || !same_checks(cur, g) ||
	    !same_str(cur->description, g->description))
		return 1;
	return 0;
}

static int journal(sqlite3 *catalog, const char *action,
		   const struct fs_group *g, struct event_detail *d)
{
	if (db_begin(catalog) < 0)
		return -1;
	if (events_add_detail(catalog, action, g->name, d) < 0) {
		db_rollback(catalog);
		return -1;
	}
	return db_commit(catalog);
}

static int create_group(struct repo *r, sqlite3 *catalog, struct fs_group *g,
			const char *path)
{
	struct fs_atomic a = FS_ATOMIC_INIT;
	struct event_detail d = { 0 };
	sqlite3 *db = NULL;
	int rc = -1;

	if (fs_atomic_begin(&a, path, 0644, FS_ATOMIC_LOCK |
			    FS_ATOMIC_MKDIR) < 0)
		return -1;
	if (fs_exists(path)) {
		/* another process made it while we waited */
		fs_atomic_abort(&a);
		return 2;
	}
	db = db_open(a.tmp_path, 1);
	if (!db || fs_group_new_file(db) < 0)
		goto out;
	g->version = 1;
	if (db_begin(db) < 0)
		goto out;
	if (fs_group_create_tables(db, g) < 0 ||
	    add_version(db, g) < 0 || db_commit(db) < 0) {
		db_rollback(db);
		goto out;
	}
	/*
	 * everything into the file itself (no -wal beside the temporary
	 * name), so that the rename moves the whole group; db_open() puts
	 * the file back in WAL mode the next time
	 */
	if (db_exec(db, "PRAGMA journal_mode = DELETE") < 0)
		goto out;
	db_close(db);
	db = NULL;
	if (fs_atomic_commit(&a) < 0)
		goto out;
	event_detail_int(&d, "version", 1);
	event_detail_int(&d, "features", g->nfeatures);
	rc = journal(catalog, "fs.define", g, &d) < 0 ? -1 : 1;
out:
	db_close(db);
	fs_atomic_abort(&a);
	(void)r;
	return rc;
}

int fs_group_define(struct repo *r, sqlite3 *catalog, struct fs_group *g)
{
	char *path = fs_group_path(r, g->name);
	struct fs_group cur = { 0 };
	struct event_detail d = { 0 };
	struct strbuf sql = STRBUF_INIT;
	sqlite3 *db = NULL;
	int rc = -1, i, j;

	if (!fs_exists(path)) {
		rc = create_group(r, catalog, g, path);
		if (rc != 2)
			goto out;
	}
	db = db_open(path, 0);
	if (!db || db_begin(db) < 0)
		goto out;
	if (load_version(db, 0, &cur) < 0)
		goto fail;
	rc = compare(&cur, g);
	if (rc <= 0) {
		g->version = cur.version;
		db_rollback(db);
		goto out;
	}
	for (j = 0; j < g->nfeatures; j++) {
		for (i = 0; i < cur.nfeatures; i++)
			if (!strcmp(cur.features[i].name, g->features[j].name))
				break;
		if (i < cur.nfeatures)
			continue;
		strbuf_reset(&sql);
		strbuf_addf(&sql, "ALTER TABLE rows ADD COLUMN f%d %s",
			    g->features[j].slot,
			    fs_sql_type(g->features[j].type));
		if (db_exec(db, sql.buf) < 0)
			goto fail;
	}
	g->version = cur.version + 1;
	if (add_version(db, g) < 0 || db_commit(db) < 0)
		goto fail;
	event_detail_int(&d, "version", g->version);
	event_detail_int(&d, "features", g->nfeatures);
	rc = journal(catalog, "fs.define", g, &d) < 0 ? -1 : 1;
	goto out;
fail:
	db_rollback(db);
	rc = -1;
out:
	db_close(db);
	fs_group_release(&cur);
	strbuf_release(&sql);
	free(path);
	return rc;
}

int fs_group_drop(struct repo *r, sqlite3 *catalog, const char *name)
{
	static const char *const suffixes[] = { "-wal", "-shm", NULL };
	struct fs_group g = { 0 };
	struct event_detail d = { 0 };
	sqlite3 *db;
	char *path;
	int64_t rows;
	int i, rc;

	if (fs_group_open(r, name, 1, &g, &db) < 0)
		return -1;
	rows = db_query_int(db, "SELECT count(*) FROM rows");
	db_close(db);
	path = fs_group_path(r, name);
	rc = unlink(path) < 0 && errno != ENOENT
		     ? error("cannot remove '%s': %s", path, strerror(errno))
		     : 0;
	for (i = 0; !rc && suffixes[i]; i++) {
		struct strbuf p = STRBUF_INIT;

		strbuf_addf(&p, "%s%s", path, suffixes[i]);
		unlink(p.buf);
		strbuf_release(&p);
	}
	if (!rc) {
		fs_fsync_parent(path);
		event_detail_int(&d, "rows", rows);
		event_detail_int(&d, "versions", g.version);
		rc = journal(catalog, "fs.drop", &g, &d);
	}
	free(path);
	fs_group_release(&g);
	return rc;
}
