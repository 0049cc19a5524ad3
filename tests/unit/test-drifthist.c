/*
 * test-drifthist.c - drift history (lib/drifthist.c) through a real
 * catalog: severity by count and by promotion, episodes, the stored result
 * and its journal event, two writers at once, fsck, status and bundles.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bundle.h"
#include "db.h"
#include "domain.h"
#include "drifthist.h"
#include "err.h"
#include "events.h"
#include "fsutil.h"
#include "maint.h"
#include "opt.h"
#include "repo.h"
#include "strbuf.h"
#include "tap.h"

static char dir[] = "/tmp/test-drifthist.XXXXXX";

/* A check's JSON as drift-check prints it: column a drifts or not. */
static const char *result_of(int drift)
{
	return drift ? "{\"drift\":true,\"share_of_drifted_columns\":0.5,"
		       "\"columns\":[{\"column\":\"a\",\"score\":0.001,"
		       "\"drift\":true},{\"column\":\"b\",\"score\":0.7,"
		       "\"drift\":false}],\"severity\":\"warning\"}"
		     : "{\"drift\":false,\"share_of_drifted_columns\":0,"
		       "\"columns\":[{\"column\":\"a\",\"score\":0.4,"
		       "\"drift\":false},{\"column\":\"b\",\"score\":0.7,"
		       "\"drift\":false}]}";
}

/* Record a check of `name`; the severity, or "ERROR". */
static const char *rec(sqlite3 *db, const char *name, const char *model,
		       int k, int drift, struct drift_rec_out *out)
{
	struct drift_rec_in in = { name, model, k, drift, drift ? 0.5 : 0,
				   drift, 2, drift ? "a" : "",
				   result_of(drift) };
	struct drift_rec_out o;

	if (!out)
		out = &o;
	if (drift_record(NULL, db, &in, out) < 0)
		return "ERROR";
	return out->severity;
}

/* The severities of `name`'s checks, comma-separated, into `sb`. */
static int add_severity(const struct drift_hist_row *row, void *data)
{
	struct strbuf *sb = data;

	strbuf_addf(sb, "%s%s:%d", sb->len ? "," : "", row->severity,
		    row->streak);
	return 0;
}

static const char *severities(sqlite3 *db, const char *name)
{
	static struct strbuf sb = STRBUF_INIT;

	strbuf_reset(&sb);
	if (drift_history(db, name, add_severity, &sb) < 0)
		return "ERROR";
	return sb.buf;
}

static int promote_event(sqlite3 *db, const char *model)
{
	return events_add(db, "model.promote", model,
			  "{\"alias\":\"production\",\"from\":1,\"to\":2}");
}

static struct repo *open_at(const char *path)
{
	static char *keep[2];
	static int k;

	free(keep[k]);
	keep[k] = xstrdup(path);
	gopt.repo = keep[k];
	k = !k;
	return repo_open();
}

static void collect_problem(void *data, const char *subject, const char *what)
{
	strbuf_addf(data, "%s: %s\n", subject, what);
}

/* A child: record `n` drifted checks of "race" in the repository at p. */
static void racer(const char *p, int n, const char *model)
{
	struct repo *r = open_at(p);
	sqlite3 *db = r ? repo_catalog(r) : NULL;
	int i;

	for (i = 0; db && i < n; i++)
		if (!strcmp(rec(db, "race", model, 1000, 1, NULL), "ERROR"))
			_exit(1);
	_exit(db ? 0 : 1);
}

struct race {
	int n, in_order, one_episode;
	int64_t start;
};

static int check_race(const struct drift_hist_row *row, void *data)
{
	struct race *rc = data;

	rc->n++;
	if (row->streak != rc->n)
		rc->in_order = 0;
	if (rc->n == 1)
		rc->start = row->episode_start;
	else if (row->episode_start != rc->start)
		rc->one_episode = 0;
	return 0;
}

int main(void)
{
	struct strbuf sb = STRBUF_INIT, text = STRBUF_INIT;
	struct drift_rec_out out;
	struct bundle_stats bs;
	struct repo *a, *b;
	sqlite3 *db;
	size_t checked;
	cJSON *json;
	int created, i;

	{
		size_t pos;
		const struct domain *owner;

		ok(domain_find_table("drift_checks", &pos, &owner) &&
		   owner == &drift_domain && pos == 16,
		   "bundles carry drift_checks as catalog/16-drift_checks "
		   "(mlrepo-layout(5))");
	}
	if (!mkdtemp(dir))
		return 1;
	strbuf_addf(&sb, "%s/a", dir);
	ok(repo_init(sb.buf, 0, &created) == 0, "repository a");
	strbuf_addstr(&sb, "/.mlrepo");
	a = open_at(sb.buf);
	db = a ? repo_catalog(a) : NULL;
	ok(db != NULL, "its catalog, migrated");
	if (!db)
		return tap_done();

	/* by count: K = 3 */
	is_str(rec(db, "tx", NULL, 3, 0, NULL), "none", "no drift: none");
	is_str(rec(db, "tx", NULL, 3, 1, &out), "warning", "drift: warning");
	is_int(out.streak, 1, "the first check of an episode has streak 1");
	ok(out.episode_start == out.time, "and starts the episode");
	is_str(rec(db, "tx", NULL, 3, 1, NULL), "warning", "twice: warning");
	is_str(rec(db, "tx", NULL, 3, 1, &out), "critical",
	       "three in a row with K=3: critical");
	ok(!out.promoted, "by count, not by promotion");
	is_str(rec(db, "tx", NULL, 3, 1, NULL), "critical", "and it stays so");
	is_str(rec(db, "tx", NULL, 3, 0, NULL), "none", "a clean check");
	is_str(rec(db, "tx", NULL, 3, 1, NULL), "warning",
	       "ends the episode: the next drift is a warning again");
	is_str(severities(db, "tx"),
	       "none:0,warning:1,warning:2,critical:3,critical:4,none:0,"
	       "warning:1", "history: oldest first, with streaks");
	is_str(rec(db, "k1", NULL, 1, 1, NULL), "critical",
	       "K=1 makes every drift critical");
	is_str(rec(db, "k1", NULL, 1, 0, NULL), "none", "but not a clean one");
	is_str(rec(db, "tx2", NULL, 3, 1, NULL), "warning",
	       "each NAME has its own episodes");

	/* by promotion */
	is_str(rec(db, "p", "churn", 5, 1, NULL), "warning",
	       "drift with a model: warning");
	ok(promote_event(db, "other") == 0 &&
	   events_add(db, "model.rollback", "churn",
		      "{\"alias\":\"production\",\"from\":2,\"to\":1}") == 0,
	   "a promotion of another model, a rollback of this one");
	is_str(rec(db, "p", "churn", 5, 1, NULL), "warning",
	   "neither escalates");
	ok(promote_event(db, "churn") == 0, "churn is promoted");
	is_str(rec(db, "p", "churn", 5, 1, &out), "critical",
	       "drift still there after a promotion: critical");
	ok(out.promoted && out.streak == 3, "because of the promotion");
	is_str(rec(db, "p", NULL, 5, 1, NULL), "warning",
	       "a check without --model does not look");
	is_str(rec(db, "p", "churn", 5, 0, NULL), "none", "the drift goes");
	is_str(rec(db, "p", "churn", 5, 1, NULL), "warning",
	       "a new episode: the old promotion is before its start");
	is_str(rec(db, "q", "nosuch", 2, 1, NULL), "warning",
	       "a model that is not in the registry is fine");

	/* what is stored and journaled */
	{
		sqlite3_stmt *st = db_prepare(
			db, "SELECT json_extract(result, '$.severity'), "
			    "json_extract(result, '$.columns[0].column'), "
			    "model, who FROM drift_checks WHERE id = ?");

		db_bind_text(st, 1, out.id);
		ok(db_step(st) == SQLITE_ROW, "the check is there by its id");
		is_str((const char *)sqlite3_column_text(st, 0), "critical",
		       "its result holds the severity decided");
		is_str((const char *)sqlite3_column_text(st, 1), "a",
		       "and the check's columns");
		is_str((const char *)sqlite3_column_text(st, 2), "churn",
		       "and the model");
		ok(sqlite3_column_text(st, 3) != NULL, "and who");
		sqlite3_finalize(st);
	}
	{
		int64_t n = db_query_int(db, "SELECT count(*) FROM events "
					     "WHERE action = 'drift.check'");
		int64_t m = db_query_int(db, "SELECT count(*) FROM "
					     "drift_checks");

		ok(n == m && n > 0, "one drift.check event per check");
		n = db_query_int(db, "SELECT count(*) FROM events WHERE action "
				     "= 'drift.check' AND subject = 'p' AND "
				     "json_extract(detail, '$.columns[0]') = "
				     "'a' AND json_extract(detail, "
				     "'$.severity') = 'critical' AND "
				     "json_extract(detail, '$.promoted')");
		is_int(n, 1, "subject NAME; detail: severity, columns, why");
	}

	/* time never goes back within a NAME */
	ok(db_exec(db, "UPDATE drift_checks SET time = time + 3600000000, "
		       "episode_start = episode_start + 3600000000 WHERE "
		       "name = 'tx2'") == 0, "a check an hour ahead");
	is_str(rec(db, "tx2", NULL, 3, 1, &out), "warning", "then one now");
	is_int(db_query_int(db, "SELECT max(time) FROM drift_checks WHERE "
				"name = 'tx2'"), out.time,
	       "comes after it all the same");
	is_int(out.streak, 2, "and continues its episode");

	/* bad input: nothing written */
	{
		int64_t before = db_query_int(db, "SELECT count(*) FROM "
						  "drift_checks");

		is_str(rec(db, "9x", NULL, 3, 1, NULL), "ERROR", "bad NAME");
		is_int(err_code(), EXIT_USAGE, "is exit 2");
		ok(strstr(err_msg(), "'9x'") != NULL, "named in the message");
		is_str(rec(db, "tx", "bad model", 3, 1, NULL), "ERROR",
		       "bad MODEL");
		is_int(err_code(), EXIT_USAGE, "is exit 2");
		is_str(rec(db, "tx", NULL, 0, 1, NULL), "ERROR", "K = 0");
		is_int(err_code(), EXIT_USAGE, "is exit 2");
		ok(strstr(err_msg(), "--escalate-after") != NULL,
		   "the message names the option");
		is_int(db_query_int(db, "SELECT count(*) FROM drift_checks"),
		       before, "nothing was recorded");
		err_clear();
	}
	is_int(drift_history(db, "nosuch", add_severity, &text), 0,
	       "a NAME with no checks has no history");

	/*
	 * two writers at once: streaks 1..2N, never two episodes (with a
	 * deferred BEGIN instead of db_begin(), a writer fails here)
	 */
	{
		pid_t p1, p2;
		int s1 = 1, s2 = 1;
		struct race race = { 0, 1, 1, 0 };

		fflush(stdout);
		p1 = fork();
		if (p1 == 0)
			racer(sb.buf, 100, "m1");
		p2 = fork();
		if (p2 == 0)
			racer(sb.buf, 100, "m2");
		waitpid(p1, &s1, 0);
		waitpid(p2, &s2, 0);
		ok(WIFEXITED(s1) && !WEXITSTATUS(s1) && WIFEXITED(s2) &&
		   !WEXITSTATUS(s2), "two processes record 100 checks each");
		ok(drift_history(db, "race", check_race, &race) == 200 &&
		   race.in_order && race.one_episode,
		   "streaks 1 to 200 in time order, one episode");
	}

	/* fsck, status */
	strbuf_reset(&text);
	ok(maint_fsck(a, collect_problem, &text, &checked) == 0 && !text.len,
	   "fsck finds nothing wrong");
	if (text.len)
		printf("# %s", text.buf);
	ok(db_exec(db, "INSERT INTO drift_checks(id, name, time, drift, "
		       "severity, share, drifted, ncols, streak, "
		       "episode_start, result) VALUES ('bad', 'z', 5, 1, "
		       "'none', 0.5, 1, 2, 1, 5, '{');"
		       "INSERT INTO drift_checks(id, name, time, drift, "
		       "severity, share, drifted, ncols, streak, "
		       "episode_start, result) VALUES ('bad2', 'z', 6, 1, "
		       "'warning', 0.5, 1, 2, 1, 2, '[]')") == 0,
	   "two damaged checks");
	strbuf_reset(&text);
	i = maint_fsck(a, collect_problem, &text, &checked);
	ok(i == 3 && strstr(text.buf, "2 drift checks whose result is not a "
			       "JSON object") &&
	   strstr(text.buf, "severity") && strstr(text.buf, "streak"),
	   "fsck finds them: bad JSON twice, the severity, the streak");
	if (i != 3)
		printf("# %d: %s", i, text.buf);
	ok(db_exec(db, "DELETE FROM drift_checks WHERE id LIKE 'bad%'") == 0,
	   "removed again");

	json = cJSON_CreateObject();
	strbuf_reset(&text);
	ok(maint_status(a, &text, json) == 0, "status");
	/* tx, tx2, p, q and race end in drift: open; k1 ends clean */
	ok(strstr(text.buf, "drift checks:    ") &&
	   strstr(text.buf, "(6 names, 5 open episodes)\n"),
	   "status counts checks, names and open episodes");
	is_int(cJSON_GetObjectItem(json, "drift_open_episodes")->valuedouble,
	       5, "and says so in JSON");
	cJSON_Delete(json);

	/* bundles carry checks */
	strbuf_reset(&text);
	strbuf_addf(&text, "%s/x.bundle", dir);
	ok(bundle_create(a, text.buf, INT64_MIN, &bs) == 0, "bundle create");
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/b", dir);
	ok(repo_init(sb.buf, 0, &created) == 0, "repository b");
	strbuf_addstr(&sb, "/.mlrepo");
	{
		int64_t n = db_query_int(db, "SELECT count(*) FROM "
					     "drift_checks");

		repo_close(a);
		b = open_at(sb.buf);
		ok(b && repo_catalog(b), "open b");
		ok(bundle_unbundle(b, text.buf, &bs) == 0, "unbundle into b");
		strbuf_release(&bs.conflicts);
		is_int(db_query_int(repo_catalog(b), "SELECT count(*) FROM "
						     "drift_checks"), n,
		       "every check came along");
		is_str(severities(repo_catalog(b), "tx"),
		       "none:0,warning:1,warning:2,critical:3,critical:4,"
		       "none:0,warning:1", "as they were");
		is_str(rec(repo_catalog(b), "tx", NULL, 3, 1, NULL), "warning",
		       "the next check continues from the latest");
		is_str(rec(repo_catalog(b), "tx", NULL, 3, 1, NULL),
		       "critical", "and escalates there");
		ok(bundle_unbundle(b, text.buf, &bs) == 0 && bs.rows_new == 0,
		   "a second unbundle changes nothing");
		strbuf_release(&bs.conflicts);
		repo_close(b);
	}
	strbuf_release(&sb);
	strbuf_release(&text);
	fs_remove_tree(dir);
	return tap_done();
}
