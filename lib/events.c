/* events.c - see events.h */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "mltime.h"
#include "opt.h"
#include "strbuf.h"

const char *events_who(void)
{
	static char who[512];
	char host[256] = "localhost";
	const char *user = getenv("USER");

	if (who[0])
		return who;
	if (!user || !*user) {
		struct passwd *pw = getpwuid(getuid());

		user = pw ? pw->pw_name : "unknown";
	}
	if (gethostname(host, sizeof(host) - 1) < 0)
		memcpy(host, "localhost", 10);
	host[sizeof(host) - 1] = '\0';
	snprintf(who, sizeof(who), "%s@%s", user, host);
	return who;
}

int events_random_hex(char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t got = 0;
	int i;

	while (got < sizeof(b)) {
		ssize_t n = getrandom(b + got, sizeof(b) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error("cannot get random bytes: %s",
				     strerror(errno));
		}
		got += n;
	}
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[32] = '\0';
	return 0;
}

static char *argv_json(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	strbuf_addch(&sb, '[');
	for (i = 0; i < tool_argc; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		strbuf_add_json_str(&sb, tool_argv[i]);
	}
	strbuf_addch(&sb, ']');
	return strbuf_detach(&sb, NULL);
}

int events_add(sqlite3 *db, const char *action, const char *subject,
	       const char *detail)
{
	sqlite3_stmt *st;
	char uid[33];
	char *argv;
	int rc;

	if (events_random_hex(uid) < 0)
		return -1;
	st = db_prepare(db, "INSERT INTO events(uid, time, who, tool, argv,"
			    " action, subject, detail) VALUES (?,?,?,?,?,?,?,?)");
	if (!st)
		return -1;
	argv = argv_json();
	db_bind_text(st, 1, uid);
	db_bind_int64(st, 2, mltime_now());
	db_bind_text(st, 3, events_who());
	db_bind_text(st, 4, err_progname());
	db_bind_text(st, 5, argv);
	db_bind_text(st, 6, action);
	db_bind_text(st, 7, subject);
	db_bind_text(st, 8, detail);
	rc = db_step(st);
	sqlite3_finalize(st);
	free(argv);
	return rc == SQLITE_DONE ? 0 : -1;
}

static cJSON *detail_obj(struct event_detail *d)
{
	if (!d->obj)
		d->obj = cJSON_CreateObject();
	return d->obj;
}

void event_detail_str(struct event_detail *d, const char *key,
		      const char *value)
{
	cJSON *o = detail_obj(d);

	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, value);
}

void event_detail_int(struct event_detail *d, const char *key, int64_t v)
{
	cJSON *o = detail_obj(d);

	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddNumberToObject(o, key, (double)v);
}

void event_detail_bool(struct event_detail *d, const char *key, int v)
{
	cJSON *o = detail_obj(d);

	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddBoolToObject(o, key, v);
}

char *event_detail_text(const struct event_detail *d)
{
	return d->obj ? cJSON_PrintUnformatted(d->obj) : NULL;
}

void event_detail_kv(struct event_detail *d, int argc, char *const *argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		char *k;

		if (!eq)
			continue;
		k = xstrndup(argv[i], eq - argv[i]);
		event_detail_str(d, k, eq + 1);
		free(k);
	}
}

void event_detail_release(struct event_detail *d)
{
	cJSON_Delete(d->obj);
	d->obj = NULL;
}

int events_add_detail(sqlite3 *db, const char *action, const char *subject,
		      struct event_detail *d)
{
	char *text = event_detail_text(d);
	int rc = events_add(db, action, subject, text);

	free(text);
	event_detail_release(d);
	return rc;
}

int events_query(sqlite3 *db, const struct event_filter *f,
		 int (*fn)(const struct event *e, void *data), void *data)
{
	sqlite3_stmt *st;
	int rc;

	st = db_prepare(db, f->reverse
		? "SELECT time, uid, who, tool, argv, action, subject, detail "
		  "FROM events WHERE time >= ?1 AND time < ?2 AND (?3 IS NULL "
		  "OR action = ?3 OR (substr(?3, -1) = '.' AND "
		  "substr(action, 1, length(?3)) = ?3)) AND (?4 IS NULL OR "
		  "subject = ?4) ORDER BY time, id LIMIT ?5"
		: "SELECT time, uid, who, tool, argv, action, subject, detail "
		  "FROM events WHERE time >= ?1 AND time < ?2 AND (?3 IS NULL "
		  "OR action = ?3 OR (substr(?3, -1) = '.' AND "
		  "substr(action, 1, length(?3)) = ?3)) AND (?4 IS NULL OR "
		  "subject = ?4) ORDER BY time DESC, id DESC LIMIT ?5");
	if (!st)
		return -1;
	db_bind_int64(st, 1, f->since);
	db_bind_int64(st, 2, f->until);
	db_bind_text(st, 3, f->action);
	db_bind_text(st, 4, f->subject);
	db_bind_int64(st, 5, f->limit);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		struct event e;

		e.time = sqlite3_column_int64(st, 0);
		e.uid = (const char *)sqlite3_column_text(st, 1);
		e.who = (const char *)sqlite3_column_text(st, 2);
		e.tool = (const char *)sqlite3_column_text(st, 3);
		e.argv = (const char *)sqlite3_column_text(st, 4);
		e.action = (const char *)sqlite3_column_text(st, 5);
		e.subject = (const char *)sqlite3_column_text(st, 6);
		e.detail = (const char *)sqlite3_column_text(st, 7);
		if (fn(&e, data))
			break;
	}
	sqlite3_finalize(st);
	return rc < 0 ? -1 : 0;
}
