/*
 * registry-promote.c - aliases: promotion through the gate, rollback,
 * deletion, the post-promote hook and the history read back from the
 * event journal (registry.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "gate.h"
#include "hook.h"
#include "mltime.h"
#include "registry.h"
#include "repo.h"
#include "strbuf.h"
#include "tabout.h"

int registry_alias_get(sqlite3 *db, const char *name, const char *alias,
		       int64_t *version)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT version FROM model_aliases "
					  "WHERE name = ? AND alias = ? AND "
					  "version IS NOT NULL");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, alias);
	rc = db_step(st);
	if (rc == SQLITE_ROW)
		*version = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int registry_aliases(sqlite3 *db, const char *name,
		     int (*fn)(const char *alias, int64_t version, void *data),
		     void *data)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT alias, version FROM "
					  "model_aliases WHERE name = ? AND "
					  "version IS NOT NULL ORDER BY alias");
	int rc;

	if (!st)
		return -1;
	db_bind_text(st, 1, name);
	while ((rc = db_step(st)) == SQLITE_ROW)
		if (fn((const char *)sqlite3_column_text(st, 0),
		       sqlite3_column_int64(st, 1), data)) {
			rc = SQLITE_DONE;
			break;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The alias's stack (a JSON array of versions, oldest first). */
static cJSON *alias_stack(sqlite3 *db, const char *name, const char *alias)
{
	sqlite3_stmt *st = db_prepare(db, "SELECT stack FROM model_aliases "
					  "WHERE name = ? AND alias = ?");
	cJSON *j = NULL;
	int rc;

	if (!st)
		return NULL;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, alias);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);

		j = s ? cJSON_Parse(s) : NULL;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return NULL;
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		j = cJSON_CreateArray();
	}
	return j;
}

/* Point the alias at `version` (0: delete it) with `stack`. */
static int alias_set(sqlite3 *db, const char *name, const char *alias,
		     int64_t version, const cJSON *stack)
{
	sqlite3_stmt *st = db_prepare(
		db, "INSERT OR REPLACE INTO model_aliases(name, alias, "
		    "version, stack, time) VALUES (?, ?, ?, ?, ?)");
	char *text = cJSON_PrintUnformatted(stack);
	int rc;

	if (!st) {
		free(text);
		return -1;
	}
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, alias);
	if (version)
		db_bind_int64(st, 3, version);
	db_bind_text(st, 4, text);
	db_bind_int64(st, 5, mltime_now());
	rc = db_step(st);
	sqlite3_finalize(st);
	free(text);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The journal's record of a move, with the gate's results. */
static int journal(sqlite3 *db, const char *action, const char *name,
		   const char *alias, int64_t from, int64_t to,
		   const char *reason, int forced, const struct gate *g)
{
	cJSON *d = cJSON_CreateObject();
	char *text;
	int rc;

	cJSON_AddStringToObject(d, "alias", alias);
	if (from)
		cJSON_AddNumberToObject(d, "from", (double)from);
	else
		cJSON_AddNullToObject(d, "from");
	if (to)
		cJSON_AddNumberToObject(d, "to", (double)to);
	else
		cJSON_AddNullToObject(d, "to");
	if (reason)
		cJSON_AddStringToObject(d, "reason", reason);
	if (forced)
		cJSON_AddBoolToObject(d, "forced", 1);
	if (g)
		cJSON_AddItemToObject(d, "gate", gate_json(g));
	text = json_print_exact(d, 0);
	cJSON_Delete(d);
	rc = events_add(db, action, name, text);
	free(text);
	return rc;
}

int registry_promote(sqlite3 *db, const struct promote_opts *o,
		     struct promote_result *res)
{
	struct model_version cand, cur;
	struct strbuf cand_name = STRBUF_INIT, cur_name = STRBUF_INIT;
	cJSON *stack = NULL;
	int64_t from = 0;
	int rc = -1, held;

	memset(res, 0, sizeof(*res));
	memset(&cand, 0, sizeof(cand));
	memset(&cur, 0, sizeof(cur));
	if (registry_check_alias(o->alias) < 0)
		return -1;
	if (o->force && (!o->reason || !*o->reason))
		return error_input("--force needs --reason: the history keeps "
				   "why the gate was overridden");
	/*
	 * the holder is read in the transaction that moves the alias (a
	 * dry run only reads: a read transaction, so that `check` works on
	 * a read-only repository)
	 */
	if ((o->dry_run ? db_exec(db, "BEGIN") : db_begin(db)) < 0)
		return -1;
	if (registry_get(db, o->name, o->version, &cand) < 0)
		goto out;
	held = registry_alias_get(db, o->name, o->alias, &from);
	if (held < 0)
		goto out;
	if (held && registry_get(db, o->name, from, &cur) < 0)
		goto out;
	res->from = held ? from : 0;
	strbuf_addf(&cand_name, "%s:%" PRId64, o->name, o->version);
	if (held)
		strbuf_addf(&cur_name, "%s:%" PRId64, o->name, from);
	if (o->gate) {
		res->failed = gate_eval(o->gate, cand.metrics,
					held ? cur.metrics : NULL,
					cand_name.buf, cur_name.buf);
		if (res->failed < 0)
			goto out;
	}
	if (held && from == o->version) {
		res->same = 1;
		rc = 0;
		goto out;
	}
	if ((res->failed && !o->force) || o->dry_run) {
		rc = 0;
		goto out;
	}
	stack = alias_stack(db, o->name, o->alias);
	if (!stack)
		goto out;
	if (held)
		cJSON_AddItemToArray(stack, cJSON_CreateNumber((double)from));
	if (alias_set(db, o->name, o->alias, o->version, stack) < 0 ||
	    journal(db, "model.promote", o->name, o->alias, res->from,
		    o->version, o->reason, o->force && res->failed,
		    o->gate) < 0)
		goto out;
	if (db_commit(db) < 0)
		goto done;
	res->moved = 1;
	rc = 0;
	goto done;
out:
	db_rollback(db);
done:
	cJSON_Delete(stack);
	registry_version_release(&cand);
	registry_version_release(&cur);
	strbuf_release(&cand_name);
	strbuf_release(&cur_name);
	return rc;
}

int registry_rollback(sqlite3 *db, const char *name, const char *alias,
		      const char *reason, int64_t *from, int64_t *to)
{
	cJSON *stack = NULL, *top;
	int held, n;

	if (registry_check_alias(alias) < 0)
		return -1;
	if (db_begin(db) < 0)
		return -1;
	held = registry_alias_get(db, name, alias, from);
	if (held < 0)
		goto fail;
	if (!held) {
		if (registry_model_exists(db, name) == 0)
			error_input("no model '%s'", name);
		else
			error_input("no alias '%s' of model '%s'", alias,
				    name);
		goto fail;
	}
	stack = alias_stack(db, name, alias);
	if (!stack)
		goto fail;
	n = cJSON_GetArraySize(stack);
	if (!n) {
		error_input("nothing to roll back: no earlier promotion of "
			    "%s@%s is left to undo", name, alias);
		goto fail;
	}
	top = cJSON_DetachItemFromArray(stack, n - 1);
	*to = (int64_t)top->valuedouble;
	cJSON_Delete(top);
	if (alias_set(db, name, alias, *to, stack) < 0 ||
	    journal(db, "model.rollback", name, alias, *from, *to, reason, 0,
		    NULL) < 0)
		goto fail;
	cJSON_Delete(stack);
	return db_commit(db);
fail:
	cJSON_Delete(stack);
	db_rollback(db);
	return -1;
}

int registry_alias_delete(sqlite3 *db, const char *name, const char *alias,
			  const char *reason, int64_t *was)
{
	cJSON *empty = cJSON_CreateArray();
	int held;

	if (registry_check_alias(alias) < 0)
		goto out;
	if (db_begin(db) < 0)
		goto out;
	held = registry_alias_get(db, name, alias, was);
	if (held < 0)
		goto fail;
	if (!held) {
		error_input("no alias '%s' of model '%s'", alias, name);
		goto fail;
	}
	if (alias_set(db, name, alias, 0, empty) < 0 ||
	    journal(db, "model.alias.delete", name, alias, *was, 0, reason, 0,
		    NULL) < 0)
		goto fail;
	cJSON_Delete(empty);
	return db_commit(db);
fail:
	db_rollback(db);
out:
	cJSON_Delete(empty);
	return -1;
}

int registry_run_hook(struct repo *r, const char *name, const char *alias,
		      int64_t from, int64_t to, const char *action)
{
	char old[32] = "", new[32];
	struct strbuf env = STRBUF_INIT;
	const char *args[5], *env_add[2];
	int rc;

	if (from)
		snprintf(old, sizeof(old), "%" PRId64, from);
	snprintf(new, sizeof(new), "%" PRId64, to);
	strbuf_addf(&env, "MLREPO_PROMOTE_ACTION=%s", action);
	env_add[0] = env.buf;
	env_add[1] = NULL;
	args[0] = name;
	args[1] = alias;
	args[2] = old;
	args[3] = new;
	args[4] = NULL;
	rc = hook_run(r, "post-promote", args, env_add);
	strbuf_release(&env);
	return rc;
}

/* ---- history ------------------------------------------------------------ */

struct hist {
	const char *alias;
	int (*fn)(const struct alias_move *m, void *data);
	void *data;
	int rc;
};

static int64_t num_or_zero(const cJSON *o, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(x) ? (int64_t)x->valuedouble : 0;
}

static int one_event(const struct event *e, void *data)
{
	struct hist *h = data;
	struct alias_move m;
	cJSON *d;
	const cJSON *alias, *reason;
	int r = 0;

	if (strcmp(e->action, "model.promote") &&
	    strcmp(e->action, "model.rollback") &&
	    strcmp(e->action, "model.alias.delete"))
		return 0;
	d = e->detail ? cJSON_Parse(e->detail) : NULL;
	alias = cJSON_GetObjectItemCaseSensitive(d, "alias");
	if (!cJSON_IsString(alias) ||
	    (h->alias && strcmp(h->alias, alias->valuestring))) {
		cJSON_Delete(d);
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.time = e->time;
	m.who = e->who;
	m.action = !strcmp(e->action, "model.promote")	? "promote"
		   : !strcmp(e->action, "model.rollback") ? "rollback"
							  : "delete";
	m.alias = alias->valuestring;
	m.from = num_or_zero(d, "from");
	m.to = num_or_zero(d, "to");
	reason = cJSON_GetObjectItemCaseSensitive(d, "reason");
	m.reason = cJSON_IsString(reason) ? reason->valuestring : NULL;
	m.forced = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "forced"));
	m.gate = cJSON_GetObjectItemCaseSensitive(d, "gate");
	r = h->fn(&m, h->data);
	cJSON_Delete(d);
	if (r < 0)
		h->rc = -1;
	return r;
}

int registry_history(sqlite3 *db, const char *name, const char *alias,
		     int (*fn)(const struct alias_move *m, void *data),
		     void *data)
{
	struct event_filter f = EVENT_FILTER_INIT;
	struct hist h = { alias, fn, data, 0 };

	f.action = "model.";
	f.subject = name;
	if (events_query(db, &f, one_event, &h) < 0)
		return -1;
	return h.rc;
}
