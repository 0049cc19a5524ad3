/*
 * registry.c - the model registry's schema and domain, references, and
 * versions: register, read, list, tag, rm (registry.h).  Aliases and
 * promotion are in registry-promote.c, archives and checkouts in
 * registry-io.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "db.h"
#include "err.h"
#include "events.h"
#include "mltime.h"
#include "names.h"
#include "progress.h"
#include "registry.h"
#include "repo.h"
#include "runs.h"
#include "strbuf.h"
#include "tabout.h"
#include "tree.h"

static const struct domain_migration migrations[] = {
	/* 9: the model registry (model-promote) */
	{ 9,
	  "CREATE TABLE IF NOT EXISTS models ("
	  "  name TEXT PRIMARY KEY,"
	  "  created INTEGER NOT NULL,"
	  "  last_version INTEGER NOT NULL," /* numbers are never reused */
	  "  time INTEGER NOT NULL"
	  ") WITHOUT ROWID;"
	  "CREATE TABLE IF NOT EXISTS model_versions ("
	  "  name TEXT NOT NULL, version INTEGER NOT NULL,"
	  "  tree TEXT NOT NULL,"	   /* the files' manifest, an object */
	  "  size INTEGER NOT NULL, nfiles INTEGER NOT NULL,"
	  "  metrics TEXT NOT NULL,"	   /* JSON objects */
	  "  params TEXT NOT NULL,"
	  "  lineage TEXT NOT NULL,"
	  "  run TEXT,"			   /* the exp-log run, if any */
	  "  description TEXT, source TEXT, user TEXT, host TEXT,"
	  "  created INTEGER NOT NULL,"
	  "  PRIMARY KEY (name, version)"
	  ") WITHOUT ROWID;"
	  "CREATE INDEX IF NOT EXISTS model_versions_run ON "
	  "model_versions(run);"
	  /* value NULL: deleted (a tombstone, so that it travels) */
	  "CREATE TABLE IF NOT EXISTS model_tags ("
	  "  name TEXT NOT NULL, version INTEGER NOT NULL,"
	  "  key TEXT NOT NULL, value TEXT, time INTEGER NOT NULL,"
	  "  PRIMARY KEY (name, version, key)"
	  ") WITHOUT ROWID;"
	  /* version NULL: deleted; stack: earlier holders, a JSON array */
	  "CREATE TABLE IF NOT EXISTS model_aliases ("
	  "  name TEXT NOT NULL, alias TEXT NOT NULL, version INTEGER,"
	  "  stack TEXT NOT NULL DEFAULT '[]', time INTEGER NOT NULL,"
	  "  PRIMARY KEY (name, alias)"
	  ") WITHOUT ROWID" },
	{ 0, NULL }
};

static const struct domain_col model_cols[] = {
	{ "created", DOMAIN_COL_TIME }, { "time", DOMAIN_COL_TIME },
	{ NULL, 0 }
};
static const struct domain_col version_cols[] = {
	{ "created", DOMAIN_COL_TIME }, { "tree", DOMAIN_COL_OBJECT },
	{ NULL, 0 }
};
static const struct domain_col timed_cols[] = {
	{ "time", DOMAIN_COL_TIME }, { NULL, 0 }
};

static const struct domain_table tables[] = {
	/* every model's row goes: there are few, and versions need theirs */
	{ "models", "time", NULL, "name", model_cols, NULL, "1", NULL, NULL },
	/*
	 * a version never changes; the same number with other files in the
	 * bundle is a conflict, and ours stays
	 */
	/*
	 * a version goes with an alias move or a tag that is carried, so
	 * that no bundle brings an alias pointing at nothing (when the
	 * receiver lacks its files too, the unbundle is refused whole)
	 */
	{ "model_versions", "created", NULL, NULL, version_cols, NULL,
	  "EXISTS (SELECT 1 FROM model_aliases a WHERE a.name = "
	  "model_versions.name AND a.version = model_versions.version AND "
	  "a.time >= ?1) OR EXISTS (SELECT 1 FROM model_tags t WHERE "
	  "t.name = model_versions.name AND t.version = "
	  "model_versions.version AND t.time >= ?1)",
	  NULL,
	  "SELECT 'model ' || :name || ':' || :version || ' differs in the "
	  "bundle (files ' || substr(:tree, 1, 12) || ', here ' || "
	  "substr(tree, 1, 12) || '): kept this one' FROM model_versions "
	  "WHERE name = :name AND version = :version AND tree IS NOT :tree" },
	{ "model_tags", "time", NULL, "name, version, key", timed_cols, NULL,
	  NULL, NULL, NULL },
	{ "model_aliases", "time", NULL, "name, alias", timed_cols, NULL,
	  NULL, NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static const struct domain_check checks[] = {
	{ "models", NULL, NULL },
	{ "model_versions", NULL, NULL },
	{ "model_tags", NULL, NULL },
	{ "model_aliases", NULL, NULL },
	{ "model_versions", "model versions of models that do not exist",
	  "SELECT count(*) FROM model_versions WHERE name NOT IN "
	  "(SELECT name FROM models)" },
	{ "model_aliases", "aliases pointing at versions that do not exist",
	  "SELECT count(*) FROM model_aliases a WHERE version IS NOT NULL "
	  "AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE "
	  "v.name = a.name AND v.version = a.version)" },
	{ "model_tags", "tags of model versions that do not exist",
	  "SELECT count(*) FROM model_tags t WHERE NOT EXISTS (SELECT 1 FROM "
	  "model_versions v WHERE v.name = t.name AND v.version = t.version)" },
	{ "objrefs", "object references held by model versions that do not "
		     "exist",
	  "SELECT count(*) FROM objrefs WHERE owner LIKE 'model:%' AND "
	  "substr(owner, 7, instr(owner, '/') - 7) NOT IN "
	  "(SELECT name || ':' || version FROM model_versions)" },
	{ "model_versions", "model versions whose files are not referenced",
	  "SELECT count(*) FROM model_versions v WHERE NOT EXISTS (SELECT 1 "
	  "FROM objrefs o WHERE o.owner = 'model:' || v.name || ':' || "
	  "v.version || '/tree' AND o.oid = v.tree)" },
	{ NULL, NULL, NULL }
};

/* A bundle may carry versions above a model's counter. */
static int after_unbundle(sqlite3 *db)
{
	return db_exec(db, "UPDATE models SET last_version = max(last_version, "
			   "coalesce((SELECT max(version) FROM model_versions "
			   "v WHERE v.name = models.name), 0))");
}

static int status(struct repo *r, sqlite3 *db, struct domain_status *st)
{
	int64_t models = db_query_int(db, "SELECT count(*) FROM models");
	int64_t versions =
		db_query_int(db, "SELECT count(*) FROM model_versions");

	(void)r;
	if (models < 0 || versions < 0)
		return -1;
	strbuf_addf(st->text, "models:          %lld (%lld versions)\n",
		    (long long)models, (long long)versions);
	cJSON_AddNumberToObject(st->json, "models", (double)models);
	cJSON_AddNumberToObject(st->json, "model_versions", (double)versions);
	return 0;
}

const struct domain registry_domain = {
	.name = "registry",
	.migrations = migrations,
	.tables = tables,
	.checks = checks,
	.after_unbundle = after_unbundle,
	.status = status,
};

/* ---- references ----------------------------------------------------------- */

int registry_check_alias(const char *alias)
{
	if (names_check("alias", alias) < 0)
		return -1;
	if (!strcmp(alias, "latest"))
		return error_input("'latest' is reserved: it always means the "
				   "highest version");
	return 0;
}

int registry_parse_ref(const char *text, struct model_ref *ref)
{
	size_t n = strcspn(text, ":@");

	memset(ref, 0, sizeof(*ref));
	ref->name = xstrndup(text, n);
	if (names_check("model", ref->name) < 0)
		goto bad;
	if (text[n] == ':') {
		const char *v = text + n + 1;
		char *end;

		errno = 0;
		ref->version = strtoll(v, &end, 10);
		if (*v < '1' || *v > '9' || *end || errno ||
		    ref->version < 1) {
			error_input("bad model version '%s' in '%s': versions "
				    "are 1, 2, ...", v, text);
			goto bad;
		}
	} else if (text[n] == '@') {
		ref->alias = xstrdup(text + n + 1);
		if (names_check("alias", ref->alias) < 0)
			goto bad;
	}
	return 0;
bad:
	registry_ref_release(ref);
	return -1;
}

void registry_ref_release(struct model_ref *ref)
{
	free(ref->name);
	free(ref->alias);
	memset(ref, 0, sizeof(*ref));
}

int registry_model_exists(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT 1 FROM models WHERE name = ?");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

static int no_model(const char *name)
{
	return error_input("no model '%s'", name);
}

int registry_resolve(sqlite3 *db, const struct model_ref *ref,
		     int64_t *version)
{
	sqlite3_stmt *st;
	int rc;

	if (ref->alias && strcmp(ref->alias, "latest")) {
		rc = registry_alias_get(db, ref->name, ref->alias, version);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (registry_model_exists(db, ref->name) == 0)
				return no_model(ref->name);
			return error_input("no alias '%s' of model '%s'",
					   ref->alias, ref->name);
		}
		return 0;
	}
	if (ref->version)
		st = db_prepare(db, "SELECT version FROM model_versions WHERE "
				    "name = ?1 AND version = ?2");
	else
		st = db_prepare(db, "SELECT max(version) FROM model_versions "
				    "WHERE name = ?1 HAVING count(*)");
	if (!st)
		return -1;
	db_bind_text(st, 1, ref->name);
	if (ref->version)
		db_bind_int64(st, 2, ref->version);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return -1;
	if (registry_model_exists(db, ref->name) == 0)
		return no_model(ref->name);
	if (ref->version)
		return error_input("no version %" PRId64 " of model '%s'",
				   ref->version, ref->name);
	return error_input("model '%s' has no versions", ref->name);
}

/* ---- reading versions ----------------------------------------------------- */

static cJSON *json_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	cJSON *j = s ? cJSON_Parse((const char *)s) : NULL;

	return j ? j : cJSON_CreateObject();
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? xstrdup((const char *)s) : NULL;
}

#define VERSION_COLS                                                          \
	"v.name, v.version, v.tree, v.size, v.nfiles, v.metrics, v.params, "  \
	"v.lineage, v.description, v.source, v.user, v.host, v.created, "     \
	"(SELECT json_group_object(key, value) FROM model_tags t WHERE "      \
	"t.name = v.name AND t.version = v.version AND value IS NOT NULL), "  \
	"(SELECT json_group_array(alias) FROM (SELECT alias FROM "            \
	"model_aliases a WHERE a.name = v.name AND a.version = v.version "    \
	"ORDER BY alias)) "

static void read_version(sqlite3_stmt *st, struct model_version *v)
{
	const unsigned char *tree = sqlite3_column_text(st, 2);

	memset(v, 0, sizeof(*v));
	v->name = col_dup(st, 0);
	v->version = sqlite3_column_int64(st, 1);
	snprintf(v->tree, sizeof(v->tree), "%s",
		 tree ? (const char *)tree : "");
	v->size = sqlite3_column_int64(st, 3);
	v->nfiles = sqlite3_column_int64(st, 4);
	v->metrics = json_col(st, 5);
	v->params = json_col(st, 6);
	v->lineage = json_col(st, 7);
	v->description = col_dup(st, 8);
	v->source = col_dup(st, 9);
	v->user = col_dup(st, 10);
	v->host = col_dup(st, 11);
	v->created = sqlite3_column_int64(st, 12);
	v->tags = json_col(st, 13);
	v->aliases = json_col(st, 14);
	if (!cJSON_IsArray(v->aliases)) {
		cJSON_Delete(v->aliases);
		v->aliases = cJSON_CreateArray();
	}
}

void registry_version_release(struct model_version *v)
{
	free(v->name);
	cJSON_Delete(v->metrics);
	cJSON_Delete(v->params);
	cJSON_Delete(v->tags);
	cJSON_Delete(v->lineage);
	cJSON_Delete(v->aliases);
	free(v->description);
	free(v->source);
	free(v->user);
	free(v->host);
	memset(v, 0, sizeof(*v));
}

int registry_get(sqlite3 *db, const char *name, int64_t version,
		 struct model_version *out)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " VERSION_COLS
					  "FROM model_versions v WHERE "
					  "name = ? AND version = ?");
	int rc;

	memset(out, 0, sizeof(*out));
	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, version);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		read_version(st, out);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return error_input("no version %" PRId64 " of model '%s'",
				   version, name);
	return rc == SQLITE_ROW ? 0 : -1;
}

int registry_versions(sqlite3 *db, const char *name,
		      int (*fn)(const struct model_version *v, void *data),
		      void *data)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT " VERSION_COLS
					  "FROM model_versions v WHERE "
					  "name = ? ORDER BY version");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct model_version v;
		int r;

		read_version(st, &v);
		r = fn(&v, data);
		registry_version_release(&v);
		if (r) {
			sqlite3_finalize(st);
			return r < 0 ? -1 : 0;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int registry_models(sqlite3 *db,
		    int (*fn)(const struct model_info *m, void *data),
		    void *data)
{
	sqlite3_stmt *st = db_prepare(
		db,
		"SELECT m.name, m.created, m.time, "
		"(SELECT count(*) FROM model_versions v WHERE v.name = m.name),"
		" (SELECT max(version) FROM model_versions v WHERE "
		"v.name = m.name), "
		"coalesce((SELECT group_concat(alias || '=' || version, ' ') "
		"FROM (SELECT alias, version FROM model_aliases a WHERE "
		"a.name = m.name AND version IS NOT NULL ORDER BY alias)), ''), "
		"max(m.time, coalesce((SELECT max(time) FROM model_aliases a "
		"WHERE a.name = m.name), 0)) "
		"FROM models m ORDER BY m.name");
	int rc;

	if (!st)
		return -1;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct model_info m;
		int r;

		m.name = (const char *)sqlite3_column_text(st, 0);
		m.created = sqlite3_column_int64(st, 1);
		m.versions = sqlite3_column_int64(st, 3);
		m.latest = sqlite3_column_int64(st, 4);
		m.aliases = (const char *)sqlite3_column_text(st, 5);
		m.updated = sqlite3_column_int64(st, 6);
		r = fn(&m, data);
		if (r) {
			sqlite3_finalize(st);
			return r < 0 ? -1 : 0;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static void add_time(cJSON *o, const char *key, int64_t t)
{
	char buf[MLTIME_BUFSZ];

	cJSON_AddStringToObject(o, key, mltime_format(t, buf));
}

cJSON *registry_version_json(const struct model_version *v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", v->name);
	cJSON_AddNumberToObject(o, "version", (double)v->version);
	add_time(o, "created", v->created);
	if (v->user)
		cJSON_AddStringToObject(o, "user", v->user);
	if (v->host)
		cJSON_AddStringToObject(o, "host", v->host);
	if (v->description)
		cJSON_AddStringToObject(o, "description", v->description);
	if (v->source)
		cJSON_AddStringToObject(o, "source", v->source);
	cJSON_AddStringToObject(o, "tree", v->tree);
	cJSON_AddNumberToObject(o, "size", (double)v->size);
	cJSON_AddNumberToObject(o, "nfiles", (double)v->nfiles);
	cJSON_AddItemToObject(o, "aliases", cJSON_Duplicate(v->aliases, 1));
	cJSON_AddItemToObject(o, "metrics", cJSON_Duplicate(v->metrics, 1));
	cJSON_AddItemToObject(o, "params", cJSON_Duplicate(v->params, 1));
	cJSON_AddItemToObject(o, "tags", cJSON_Duplicate(v->tags, 1));
	cJSON_AddItemToObject(o, "lineage", cJSON_Duplicate(v->lineage, 1));
	return o;
}

/* ---- registering ------------------------------------------------------- */

/* Record the version's object references (inside a transaction). */
static int add_refs(struct repo *r, sqlite3 *db, const char *name,
		    int64_t version, const char *tree)
{
	struct strbuf owner = STRBUF_INIT;
	struct tree_entry *e;
	size_t n, i;
	int rc = 0;

	if (tree_read(r, tree, &e, &n) < 0)
		return -1;
	strbuf_addf(&owner, "model:%s:%" PRId64 "/tree", name, version);
	rc = catalog_ref_add(db, tree, owner.buf);
	for (i = 0; !rc && i < n; i++) {
		strbuf_reset(&owner);
		strbuf_addf(&owner, "model:%s:%" PRId64 "/file:%s", name,
			    version, e[i].path);
		rc = catalog_ref_add(db, e[i].id, owner.buf);
	}
	tree_entries_free(e, n);
	strbuf_release(&owner);
	return rc;
}

/* The sizes of a stored tree. */
static int tree_sizes(struct repo *r, const char *tree, int64_t *size,
		      int64_t *nfiles)
{
	struct tree_stored s;

	if (tree_list(r, tree, &s) < 0)
		return -1;
	*size = s.size;
	*nfiles = (int64_t)s.nfiles;
	tree_stored_release(&s);
	return 0;
}

static char *json_text(const cJSON *j)
{
	cJSON *empty = NULL;
	char *s;

	if (!j)
		j = empty = cJSON_CreateObject();
	s = json_print_exact(j, 0);
	cJSON_Delete(empty);
	return s;
}

/* Set tags from a JSON object of strings (inside a transaction). */
static int set_tag(sqlite3 *db, const char *name, int64_t version,
		   const char *key, const char *value, int64_t now)
{
	sqlite3_stmt *st = db_prepare(
		db, "INSERT OR REPLACE INTO model_tags(name, version, key, "
		    "value, time) VALUES (?, ?, ?, ?, ?)");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, version);
	db_bind_text(st, 3, key);
	db_bind_text(st, 4, value);
	db_bind_int64(st, 5, now);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int registry_add_version(struct repo *r, sqlite3 *db, const char *name,
			 const char *tree, cJSON *metrics, cJSON *params,
			 cJSON *tags, cJSON *lineage, const char *description,
			 const char *source, int64_t *version)
{
	int64_t now = mltime_now(), size, nfiles, v;
	char *mtext = NULL, *ptext = NULL, *ltext = NULL;
	const cJSON *run = cJSON_GetObjectItemCaseSensitive(lineage, "run");
	const char *who = events_who();
	const char *at = strchr(who, '@');
	char *user = at ? xstrndup(who, (size_t)(at - who)) : xstrdup(who);
	struct event_detail d = EVENT_DETAIL_INIT;
	sqlite3_stmt *st = NULL;
	const cJSON *t;
	int rc = -1;

	if (names_check("model", name) < 0)
		goto out;
	if (tree_sizes(r, tree, &size, &nfiles) < 0)
		goto out;
	mtext = json_text(metrics);
	ptext = json_text(params);
	ltext = json_text(lineage);
	if (db_begin(db) < 0)
		goto out;
	st = db_prepare(db, "INSERT INTO models(name, created, last_version, "
			    "time) VALUES (?1, ?2, 0, ?2) ON CONFLICT(name) "
			    "DO UPDATE SET time = ?2");
	if (!st)
		goto fail;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, now);
	if (db_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = db_prepare(db, "UPDATE models SET last_version = max(last_version,"
			    " coalesce((SELECT max(version) FROM "
			    "model_versions WHERE name = ?1), 0)) + 1 WHERE "
			    "name = ?1 RETURNING last_version");
	if (!st)
		goto fail;
	db_bind_text(st, 1, name);
	if (db_step(st) != SQLITE_ROW)
		goto fail;
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = db_prepare(db, "INSERT INTO model_versions(name, version, tree, "
			    "size, nfiles, metrics, params, lineage, run, "
			    "description, source, user, host, created) VALUES "
			    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
	if (!st)
		goto fail;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, v);
	db_bind_text(st, 3, tree);
	db_bind_int64(st, 4, size);
	db_bind_int64(st, 5, nfiles);
	db_bind_text(st, 6, mtext);
	db_bind_text(st, 7, ptext);
	db_bind_text(st, 8, ltext);
	db_bind_text(st, 9, cJSON_IsString(run) ? run->valuestring : NULL);
	db_bind_text(st, 10, description);
	db_bind_text(st, 11, source ? source : "register");
	db_bind_text(st, 12, user);
	db_bind_text(st, 13, at ? at + 1 : NULL);
	db_bind_int64(st, 14, now);
	if (db_step(st) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(st);
	st = NULL;
	cJSON_ArrayForEach(t, tags)
	{
		if (cJSON_IsString(t) &&
		    set_tag(db, name, v, t->string, t->valuestring, now) < 0)
			goto fail;
	}
	if (add_refs(r, db, name, v, tree) < 0)
		goto fail;
	event_detail_int(&d, "version", v);
	event_detail_str(&d, "tree", tree);
	event_detail_str(&d, "source", source ? source : "register");
	if (cJSON_IsString(run))
		event_detail_str(&d, "run", run->valuestring);
	if (events_add_detail(db, "model.register", name, &d) < 0)
		goto fail;
	if (db_commit(db) < 0)
		goto out;
	*version = v;
	rc = 0;
	goto out;
fail:
	sqlite3_finalize(st);
	db_rollback(db);
out:
	event_detail_release(&d);
	free(mtext);
	free(ptext);
	free(ltext);
	free(user);
	return rc;
}

/* "KEY=VALUE" items into a JSON object (numbers for metrics). */
static int kv_into(cJSON *obj, const char *what, const char *const *kv,
		   int metrics)
{
	for (; kv && *kv; kv++) {
		char *key, *value;
		double d;

		if (runs_split_kv(what, *kv, &key, &value) < 0)
			return -1;
		if (metrics && runs_parse_value(value, &d) < 0) {
			error_input("metric %s: '%s' is not a number", key,
				    value);
			free(key);
			free(value);
			return -1;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
		cJSON_AddItemToObject(obj, key,
				      metrics ? runs_json_value(d)
					      : cJSON_CreateString(value));
		free(key);
		free(value);
	}
	return 0;
}

/* What a version takes from its run: metrics, params, lineage. */
static void from_run(const struct run_info *ri, cJSON *metrics,
		     cJSON *params, cJSON *lineage)
{
	const char *pipe = runs_info_tag(ri, "pipe.run");
	cJSON *inputs;
	int i;

	for (i = 0; i < ri->nmetrics; i++)
		cJSON_AddItemToObject(metrics, ri->metrics[i].key,
				      runs_json_value(ri->metrics[i].value));
	for (i = 0; i < ri->nparams; i++)
		cJSON_AddStringToObject(params, ri->params[i].key,
					ri->params[i].value);
	cJSON_AddStringToObject(lineage, "run", ri->id);
	if (ri->experiment)
		cJSON_AddStringToObject(lineage, "experiment", ri->experiment);
	if (ri->name)
		cJSON_AddStringToObject(lineage, "run_name", ri->name);
	if (pipe)
		cJSON_AddStringToObject(lineage, "pipeline_run", pipe);
	if (ri->git_commit) {
		cJSON_AddStringToObject(lineage, "git_commit", ri->git_commit);
		if (ri->git_dirty >= 0)
			cJSON_AddBoolToObject(lineage, "git_dirty",
					      ri->git_dirty);
	}
	if (!ri->ninputs)
		return;
	inputs = cJSON_AddArrayToObject(lineage, "inputs");
	for (i = 0; i < ri->ninputs; i++) {
		const struct run_dataset *ds = &ri->inputs[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", ds->name);
		cJSON_AddStringToObject(o, "digest", ds->digest);
		cJSON_AddStringToObject(o, "context", ds->context);
		if (ds->source)
			cJSON_AddStringToObject(o, "source", ds->source);
		cJSON_AddItemToArray(inputs, o);
	}
}

/* A run's artifact as a tree: a directory's manifest, or a new one. */
static int artifact_tree(struct repo *r, const struct run_info *ri,
			 const char *name, char tree[ODB_HEXSZ + 1])
{
	const struct run_artifact *a = NULL;
	struct tree_stored ts;
	struct tree_entry e;
	const char *base;
	int i, rc;

	for (i = 0; i < ri->nartifacts; i++)
		if (!strcmp(ri->artifacts[i].name, name))
			a = &ri->artifacts[i];
	if (!a)
		return error_input("run %.12s has no artifact '%s'", ri->id,
				   name);
	if (!strcmp(a->kind, "dir")) {
		if (!tree_complete(r, a->oid))
			return error("the files of artifact '%s' of run %.12s "
				     "are not all in the object store",
				     name, ri->id);
		snprintf(tree, ODB_HEXSZ + 1, "%s", a->oid);
		return 0;
	}
	if (!odb_has(r, a->oid))
		return error("artifact '%s' of run %.12s (object %.12s) is "
			     "not in the object store", name, ri->id, a->oid);
	base = strrchr(name, '/');
	e.path = (char *)(base ? base + 1 : name);
	memcpy(e.id, a->oid, sizeof(e.id));
	e.size = a->size;
	e.executable = 0;
	rc = tree_store_entries(r, &e, 1, &ts);
	if (rc == 0) {
		memcpy(tree, ts.id, ODB_HEXSZ + 1);
		tree_stored_release(&ts);
	}
	return rc;
}

int registry_register(struct repo *r, sqlite3 *db,
		      const struct registry_new *n, int64_t *version)
{
	cJSON *metrics = cJSON_CreateObject(), *params = cJSON_CreateObject();
	cJSON *lineage = cJSON_CreateObject(), *tags = cJSON_CreateObject();
	struct run_info ri;
	char run[RUN_ID_HEX + 1], tree[ODB_HEXSZ + 1];
	char *from = NULL, *artifact = NULL, *source = NULL;
	const char *run_given = n->run;
	int rc = -1;

	memset(&ri, 0, sizeof(ri));
	if (names_check("model", n->name) < 0)
		goto out;
	if (n->from_run) {
		/* RUN:ARTIFACT, or MLflow's runs:/RUN/ARTIFACT */
		int uri = !strncmp(n->from_run, "runs:/", 6);
		const char *start = n->from_run + (uri ? 6 : 0);
		const char *sep = strchr(start, uri ? '/' : ':');

		if (!sep || sep == start || !sep[1]) {
			error_input("--from-run '%s': give RUN:ARTIFACT or "
				    "runs:/RUN/ARTIFACT", n->from_run);
			goto out;
		}
		from = xstrndup(start, (size_t)(sep - start));
		artifact = xstrdup(sep + 1);
		if (run_given && strncmp(run_given, from, strlen(run_given)) &&
		    strncmp(from, run_given, strlen(from))) {
			error_input("-r %s and --from-run %s name two runs",
				    run_given, from);
			goto out;
		}
		run_given = from;
	}
	if (kv_into(metrics, "metric", n->metrics, 1) < 0 ||
	    kv_into(tags, "tag", n->tags, 0) < 0)
		goto out;
	/* the run's metrics, with those of -m set again on top: they win */
	if (run_given || getenv("MLREPO_RUN")) {
		if (runs_resolve(db, run_given, run) < 0 ||
		    runs_get(db, run, &ri) < 0)
			goto out;
		cJSON_Delete(metrics);
		metrics = cJSON_CreateObject();
		from_run(&ri, metrics, params, lineage);
		if (kv_into(metrics, "metric", n->metrics, 1) < 0)
			goto out;
	}
	if (from) {
		struct strbuf sb = STRBUF_INIT;

		if (artifact_tree(r, &ri, artifact, tree) < 0)
			goto out;
		strbuf_addf(&sb, "runs:/%s/%s", ri.id, artifact);
		source = strbuf_detach(&sb, NULL);
	} else {
		struct tree_stored ts;
		struct stat st;
		int stored;

		if (!n->npaths) {
			error_input("give the model's files, or --from-run");
			goto out;
		}
		int dir = n->npaths == 1 && stat(n->paths[0], &st) == 0 &&
			  S_ISDIR(st.st_mode);
		struct progress *pg;
		int64_t size = 0;

		/* bad files are refused before any of them is stored */
		if ((dir ? tree_check_dir(n->paths[0], &size)
			 : tree_check_paths(n->paths, n->npaths, &size)) < 0)
			goto out;
		pg = progress_start_bytes("storing", (uint64_t)size);
		odb_set_progress(pg);
		stored = dir ? tree_store(r, n->paths[0], &ts)
			     : tree_store_paths(r, n->paths, n->npaths, &ts);
		odb_set_progress(NULL);
		progress_stop(pg);
		if (stored < 0)
			goto out;
		memcpy(tree, ts.id, sizeof(tree));
		tree_stored_release(&ts);
	}
	rc = registry_add_version(r, db, n->name, tree, metrics, params, tags,
				  lineage, n->description,
				  source ? source : n->source, version);
out:
	runs_info_release(&ri);
	cJSON_Delete(metrics);
	cJSON_Delete(params);
	cJSON_Delete(lineage);
	cJSON_Delete(tags);
	free(from);
	free(artifact);
	free(source);
	return rc;
}

/* ---- tags, rm --------------------------------------------------------- */

int registry_tag(sqlite3 *db, const char *name, int64_t version,
		 const char *const *kv, int n)
{
	struct event_detail d = EVENT_DETAIL_INIT;
	struct model_ref ref = { (char *)name, version, NULL };
	int64_t now = mltime_now(), got;
	int i;

	if (db_begin(db) < 0)
		return -1;
	if (registry_resolve(db, &ref, &got) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		char *key, *value;
		int rc;

		if (runs_split_kv("tag", kv[i], &key, &value) < 0)
			goto fail;
		rc = set_tag(db, name, version, key, value, now);
		free(key);
		free(value);
		if (rc < 0)
			goto fail;
	}
	event_detail_int(&d, "version", version);
	event_detail_kv(&d, n, (char *const *)kv);
	if (events_add_detail(db, "model.tag", name, &d) < 0)
		goto fail;
	return db_commit(db);
fail:
	event_detail_release(&d);
	db_rollback(db);
	return -1;
}

int registry_tag_delete(sqlite3 *db, const char *name, int64_t version,
			const char *key)
{
	struct event_detail d = EVENT_DETAIL_INIT;
	sqlite3_stmt *st;
	int changed;

	if (db_begin(db) < 0)
		return -1;
	st = db_prepare(db, "UPDATE model_tags SET value = NULL, time = ? "
			    "WHERE name = ? AND version = ? AND key = ? AND "
			    "value IS NOT NULL");
	if (!st)
		goto fail;
	db_bind_int64(st, 1, mltime_now());
	db_bind_text(st, 2, name);
	db_bind_int64(st, 3, version);
	db_bind_text(st, 4, key);
	if (db_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	changed = sqlite3_changes(db);
	if (!changed) {
		error_input("no tag '%s' on %s:%" PRId64, key, name, version);
		goto fail;
	}
	event_detail_int(&d, "version", version);
	event_detail_str(&d, "deleted", key);
	if (events_add_detail(db, "model.tag", name, &d) < 0)
		goto fail;
	return db_commit(db);
fail:
	db_rollback(db);
	return -1;
}

/* Run `sql`, with ?1 the name and ?2 the version, to its end. */
static int exec_version(sqlite3 *db, const char *sql, const char *name,
			int64_t version)
{
	sqlite3_stmt *st = db_prepare(db, sql);
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, version);
	rc = db_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int registry_rm(struct repo *r, sqlite3 *db, const char *name,
		int64_t version)
{
	struct strbuf owner = STRBUF_INIT;
	struct event_detail d = EVENT_DETAIL_INIT;
	sqlite3_stmt *st = NULL;
	const char *held = NULL;
	char *held_by = NULL;

	(void)r;
	if (db_begin(db) < 0)
		return -1;
	st = db_prepare(db, "SELECT group_concat(alias, ', ') FROM "
			    "model_aliases WHERE name = ? AND version = ?");
	if (!st)
		goto fail;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, version);
	if (db_step(st) == SQLITE_ROW &&
	    (held = (const char *)sqlite3_column_text(st, 0)))
		held_by = xstrdup(held);
	sqlite3_finalize(st);
	st = NULL;
	if (held_by) {
		error_input("%s:%" PRId64 " is held by alias %s: promote "
			    "another version or delete the alias first",
			    name, version, held_by);
		goto fail;
	}
	if (exec_version(db, "DELETE FROM model_versions WHERE name = ?1 AND "
			     "version = ?2", name, version) < 0)
		goto fail;
	if (!sqlite3_changes(db)) {
		error_input("no version %" PRId64 " of model '%s'", version,
			    name);
		goto fail;
	}
	/* its tags go, and it leaves every rollback stack of the model */
	if (exec_version(db, "DELETE FROM model_tags WHERE name = ?1 AND "
			     "version = ?2", name, version) < 0 ||
	    exec_version(db, "UPDATE model_aliases SET stack = coalesce(("
			     "SELECT json_group_array(j.value) FROM "
			     "json_each(model_aliases.stack) j WHERE "
			     "j.value != ?2), '[]') WHERE name = ?1 AND "
			     "EXISTS (SELECT 1 FROM json_each(stack) WHERE "
			     "value = ?2)", name, version) < 0)
		goto fail;
	strbuf_addf(&owner, "model:%s:%" PRId64 "/", name, version);
	if (catalog_ref_drop_prefix(db, owner.buf) < 0)
		goto fail;
	event_detail_int(&d, "version", version);
	if (events_add_detail(db, "model.rm", name, &d) < 0)
		goto fail;
	strbuf_release(&owner);
	return db_commit(db);
fail:
	sqlite3_finalize(st);
	event_detail_release(&d);
	free(held_by);
	strbuf_release(&owner);
	db_rollback(db);
	return -1;
}
