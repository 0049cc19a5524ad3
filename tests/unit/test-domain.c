/*
 * test-domain.c - domains (lib/domain.c): the migrations they assemble,
 * and a domain that keeps a file outside catalog.db, seen by status, gc,
 * fsck and bundles through its callbacks alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "bundle.h"
#include "catalog.h"
#include "domain.h"
#include "drifthist.h"
#include "err.h"
#include "fstore.h"
#include "piperun.h"
#include "fsutil.h"
#include "maint.h"
#include "mltime.h"
#include "odb.h"
#include "opt.h"
#include "repo.h"
#include "fstore.h"
#include "piperun.h"
#include "registry.h"
#include "runs.h"
#include "strbuf.h"
#include "tap.h"

static char dir[] = "/tmp/test-domain.XXXXXX";

/* ---- a domain with one file, notes/NOTE, naming one object ------------ */

static char note_oid[ODB_HEXSZ + 1];
static struct strbuf got_file = STRBUF_INIT;
static char got_name[64];
static int fsck_calls;

static char *note_path(struct repo *r)
{
	return repo_path(r, "tmp/NOTE");
}

static int notes_status(struct repo *r, sqlite3 *db, struct domain_status *st)
{
	strbuf_addstr(st->text, "notes:           1\n");
	cJSON_AddNumberToObject(st->json, "notes", 1);
	return 0;
}

static int notes_fsck(struct repo *r, domain_problem_fn report, void *data)
{
	fsck_calls++;
	report(data, "NOTE", "a note's problem");
	return 0;
}

static int notes_refs(struct repo *r, domain_ref_fn fn, void *data)
{
	return *note_oid ? fn(data, note_oid) : 0;
}

static int notes_bundle_files(struct repo *r, int64_t since,
			      domain_file_fn fn, void *data)
{
	char *p = note_path(r);
	int rc = fn(data, "NOTE", p);

	free(p);
	return rc;
}

static int notes_unbundle_file(struct repo *r, sqlite3 *db, const char *name,
			       const void *buf, size_t len)
{
	snprintf(got_name, sizeof(got_name), "%s", name);
	strbuf_add(&got_file, buf, len);
	return 0;
}

static const struct domain notes_domain = {
	.name = "notes",
	.status = notes_status,
	.fsck = notes_fsck,
	.refs = notes_refs,
	.bundle_files = notes_bundle_files,
	.unbundle_file = notes_unbundle_file,
};

static const struct domain *const with_notes[] = {
	&catalog_domain, &runs_domain, &fs_domain, &pipe_domain,
	&registry_domain, &drift_domain, &notes_domain, NULL
};

/* ---- migrations that do not fit together ------------------------------ */

static const struct domain_migration twice_m[] = {
	{ 1, "SELECT 1" }, { 1, "SELECT 2" }, { 0, NULL }
};
static const struct domain twice = { .name = "twice", .migrations = twice_m };
static const struct domain *const twice_list[] = { &twice, NULL };

static const struct domain_migration gap_m[] = {
	{ 1, "SELECT 1" }, { 3, "SELECT 3" }, { 0, NULL }
};
static const struct domain gap = { .name = "gap", .migrations = gap_m };
static const struct domain *const gap_list[] = { &gap, NULL };

/* Does domain_migrations() die (exit 3) on `list`?  In a child. */
static int dies_on(const struct domain *const *list)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		domain_list_set(list);
		domain_migrations();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 3;
}

static void collect_problem(void *data, const char *subject, const char *what)
{
	strbuf_addf(data, "%s: %s\n", subject, what);
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

int main(void)
{
	const char *const *m;
	struct strbuf sb = STRBUF_INIT, text = STRBUF_INIT;
	struct bundle_stats bs;
	struct repo *a, *b;
	char **ids;
	size_t nr, i, checked;
	int n, created, found;
	cJSON *json;

	m = domain_migrations();
	for (n = 0; m[n]; n++)
		;
	/* 1 the journal, 2-7 exp-log's runs, 8 pipeline runs, 9 the model
	 * registry, 10 drift history (catalog.c, runs.c, pipe-domain.c,
	 * registry.c, drifthist.c) */
	is_int(n, 10, "the built-in domains give migrations 1 to 10");
	ok(strstr(m[0], "CREATE TABLE events") &&
	   strstr(m[1], "CREATE TABLE runs"), "in version order");
	ok(dies_on(twice_list), "a version given twice is refused");
	ok(dies_on(gap_list), "a missing version is refused");
	ok(domain_find_table("metrics", NULL, NULL) != NULL &&
	   domain_find_table("nosuch", NULL, NULL) == NULL,
	   "tables are found by name");
	{
		size_t pos;
		const struct domain *owner;

		ok(domain_find_table("runs", &pos, &owner) && pos == 4 &&
		   owner == &runs_domain,
		   "a table's bundle position counts every domain's tables");
	}

	if (!mkdtemp(dir))
		return 1;
	strbuf_addf(&sb, "%s/a", dir);
	ok(repo_init(sb.buf, 0, &created) == 0, "repository a");
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/b", dir);
	ok(repo_init(sb.buf, 0, &created) == 0, "repository b");

	domain_list_set(with_notes);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/a/.mlrepo", dir);
	a = open_at(sb.buf);
	ok(a && repo_catalog(a), "open a with the notes domain");
	ok(odb_put_buf(a, "noted\n", 6, note_oid, NULL) == 0,
	   "an object only the note references");
	{
		char *p = note_path(a);

		ok(fs_write_file_atomic(p, "the note\n", 9, 0644) == 0,
		   "the domain's file");
		free(p);
	}

	ok(maint_referenced(a, &ids, &nr) == 0, "referenced objects");
	for (found = 0, i = 0; i < nr; i++)
		found |= !strcmp(ids[i], note_oid);
	ok(found, "gc keeps what a domain's file references");
	maint_free_ids(ids, nr);

	json = cJSON_CreateObject();
	ok(maint_status(a, &text, json) == 0, "status");
	ok(strstr(text.buf, "notes:           1\n") &&
	   strstr(text.buf, "experiments:") && strstr(text.buf, "events:"),
	   "every domain adds its line to status");
	ok(cJSON_GetObjectItem(json, "notes") != NULL, "and its JSON field");
	cJSON_Delete(json);

	fsck_calls = 0;
	strbuf_reset(&text);
	n = maint_fsck(a, collect_problem, &text, &checked);
	ok(fsck_calls == 1 && n == 1 &&
	   !strcmp(text.buf, "NOTE: a note's problem\n"),
	   "fsck runs the domain's check and counts its problem");

	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/x.bundle", dir);
	/* since a time to come: only what a reference names goes along */
	ok(bundle_create(a, sb.buf, mltime_now() + 3600 * MLTIME_US_PER_SEC,
			 &bs) == 0, "bundle create --since an hour ahead");
	is_int(bs.objects, 1, "the note's object goes with it, alone");
	repo_close(a);

	strbuf_reset(&text);
	strbuf_addf(&text, "%s/b/.mlrepo", dir);
	b = open_at(text.buf);
	ok(b && repo_catalog(b), "open b");
	ok(bundle_unbundle(b, sb.buf, &bs) == 0, "unbundle into b");
	strbuf_release(&bs.conflicts);
	is_str(got_name, "NOTE", "the domain gets its file by name");
	ok(got_file.len == 9 && !memcmp(got_file.buf, "the note\n", 9),
	   "with its content");
	ok(odb_has(b, note_oid), "and the object it references came along");
	repo_close(b);
	domain_list_set(NULL);
	strbuf_release(&sb);
	strbuf_release(&text);
	strbuf_release(&got_file);
	fs_remove_tree(dir);
	return tap_done();
}
