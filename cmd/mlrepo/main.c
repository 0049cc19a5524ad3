/*
 * mlrepo - the repository tool: init, config, objects, fsck, gc, log,
 * status and bundles.  See mlrepo(1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "events.h"
#include "fsutil.h"
#include "mltime.h"
#include "mlrepo.h"
#include "opt.h"
#include "repo.h"
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

#include <cjson/cJSON.h>

static const char *const usage[] = {
	"mlrepo [-C DIR] [--repo PATH] [-q] [-v] [--json] [--header] "
	"[--color=WHEN] COMMAND [ARGS]",
	NULL
};

static const char *const usage_init[] = {
	"mlrepo init [--bare] [DIR]", NULL
};

int cmd_init(int argc, char **argv)
{
	int bare = 0, created;
	const char *dir = ".";
	struct option opts[] = {
		OPT_BOOL(0, "bare", &bare,
			 "create the repository at DIR itself, not DIR/.mlrepo"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_init, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 2)
		return opt_usage_error(usage_init, "too many arguments");
	if (argc == 2)
		dir = argv[1];
	if (repo_init(dir, bare, &created) < 0)
		return err_report();
	if (!gopt.quiet || gopt.json) {
		struct strbuf sb = STRBUF_INIT;
		char *abs;

		if (bare)
			strbuf_addstr(&sb, dir);
		else
			strbuf_addf(&sb, "%s/" REPO_DIRNAME, dir);
		abs = fs_absolute(sb.buf);
		if (gopt.json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "repository", abs);
			cJSON_AddBoolToObject(o, "created", created);
			json_print_line(stdout, o);
			cJSON_Delete(o);
		} else {
			printf("%s mlrepo repository in %s\n",
			       created ? "Initialized empty"
				       : "Reinitialized existing",
			       abs);
		}
		free(abs);
		strbuf_release(&sb);
	}
	return out_flush(stdout) < 0 ? err_report() : 0;
}

static const char *const usage_config[] = {
	"mlrepo config KEY",
	"mlrepo config KEY VALUE",
	"mlrepo config --get-all KEY",
	"mlrepo config --unset KEY",
	"mlrepo config --list",
	NULL
};

/* Check the values of the keys mlrepo itself reads. */
static int check_known(const char *key, const char *value)
{
	int64_t us;
	int b;

	if (!strcasecmp(key, "core.locktimeout")) {
		if (mltime_parse_duration(value, &us) < 0)
			return error_input("%s: not a duration: '%s'", key,
					   value);
	} else if (!strcasecmp(key, "gc.pruneexpire")) {
		if (!strcmp(value, "never") || !strcmp(value, "now"))
			return 0;
		if (mltime_parse_duration(value, &us) < 0)
			return error_input("%s: not a duration: '%s'", key,
					   value);
	} else if (!strcasecmp(key, "core.compression")) {
		char *end;
		long l = strtol(value, &end, 10);

		if (*end || end == value || l < -1 || l > 9)
			return error_input("%s: expected -1 to 9, not '%s'",
					   key, value);
	} else if (!strcasecmp(key, "core.durable")) {
		if (config_bool(value, &b) < 0)
			return error_input("%s: not a boolean: '%s'", key,
					   value);
	}
	return 0;
}

static int print_value(const char *value, void *data)
{
	(void)data;
	printf("%s\n", value);
	return 0;
}

static int config_list(struct repo *r)
{
	size_t i;

	for (i = 0; i < r->cfg.nr; i++) {
		const struct config_entry *e = &r->cfg.entries[i];
		char *key = config_entry_fullkey(e);
		const char *v = e->value ? e->value : "true";

		if (gopt.json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "key", key);
			cJSON_AddStringToObject(o, "value", v);
			json_print_line(stdout, o);
			cJSON_Delete(o);
		} else {
			printf("%s=%s\n", key, v);
		}
		free(key);
	}
	return 0;
}

/* Record a config change in the journal. */
static int journal(struct repo *r, const char *action, const char *key,
		   const char *value)
{
	sqlite3 *db = repo_catalog(r);
	struct event_detail d = EVENT_DETAIL_INIT;

	if (!db)
		return -1;
	if (value)
		event_detail_str(&d, "value", value);
	return events_add_detail(db, action, key, &d);
}

int cmd_config(int argc, char **argv)
{
	int list = 0, status = 0;
	const char *unset = NULL, *get_all = NULL;
	struct repo *r;
	char *path;
	struct option opts[] = {
		OPT_BOOL('l', "list", &list, "list every key and value"),
		OPT_STRING(0, "unset", &unset, "KEY", "remove every value of KEY"),
		OPT_STRING(0, "get-all", &get_all, "KEY", "print every value of KEY"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_config, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (list + !!unset + !!get_all + (argc > 1) != 1 || argc > 3)
		return opt_usage_error(usage_config,
				       "give one of KEY, KEY VALUE, --get-all, "
				       "--unset or --list");
	if (argc == 3 && check_known(argv[1], argv[2]) < 0)
		return err_report();
	/* --unset and KEY VALUE write (a read-only repository refuses) */
	if ((status = setup_repo(unset || argc == 3 ? SETUP_REPO
						    : tool_setup)))
		return status;
	r = the_repo;
	path = repo_path(r, "config");
	if (list) {
		config_list(r);
	} else if (get_all) {
		char *s, *sub, *k;

		if (config_split_key(get_all, &s, &sub, &k) < 0) {
			status = err_report();
			goto out;
		}
		free(s), free(sub), free(k);
		if (config_get_all(&r->cfg, get_all, print_value, NULL) < 0)
			status = err_report();
		else if (!config_get(&r->cfg, get_all))
			status = EXIT_NEGATIVE;
	} else if (unset) {
		sqlite3 *db = repo_catalog(r);
		int n;

		/* the event and the file change stand or fall together */
		if (!db || db_begin(db) < 0 ||
		    journal(r, "config.unset", unset, NULL) < 0) {
			status = err_report();
			goto out;
		}
		n = config_unset(path, unset);
		if (n <= 0) {
			db_rollback(db);
			status = n < 0 ? err_report() : EXIT_NEGATIVE;
		} else if (db_commit(db) < 0) {
			status = err_report();
		}
	} else if (argc == 2) {
		const char *v;
		char *s, *sub, *k;

		if (config_split_key(argv[1], &s, &sub, &k) < 0) {
			status = err_report();
			goto out;
		}
		free(s), free(sub), free(k);
		v = config_get(&r->cfg, argv[1]);
		if (!v) {
			status = EXIT_NEGATIVE;
		} else if (gopt.json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "key", argv[1]);
			cJSON_AddStringToObject(o, "value", v);
			json_print_line(stdout, o);
			cJSON_Delete(o);
		} else {
			printf("%s\n", v);
		}
	} else {
		sqlite3 *db;

		if (!(db = repo_catalog(r)) || db_begin(db) < 0 ||
		    journal(r, "config.set", argv[1], argv[2]) < 0) {
			status = err_report();
			goto out;
		}
		if (config_set(path, argv[1], argv[2]) < 0) {
			db_rollback(db);
			status = err_report();
		} else if (db_commit(db) < 0) {
			status = err_report();
		}
	}
	if (!status && out_flush(stdout) < 0)
		status = err_report();
out:
	free(path);
	return status;
}

static const struct subcommand subcommands[] = {
	{ "init", cmd_init, "create a repository (idempotent)", 0 },
	/* KEY VALUE and --unset ask for a writable repository themselves */
	{ "config", cmd_config, "get and set repository options",
	  SETUP_REPO | SETUP_READ_ONLY },
	/* the repository only with -w */
	{ "hash-object", cmd_hash_object,
	  "print the ids of files; -w stores them", 0 },
	{ "cat-object", cmd_cat_object, "print an object's content",
	  SETUP_REPO | SETUP_READ_ONLY },
	/* a damaged catalog is for fsck to report, not to stop it */
	{ "fsck", cmd_fsck, "verify objects, databases and references",
	  SETUP_REPO | SETUP_READ_ONLY },
	/* only --dry-run reads alone */
	{ "gc", cmd_gc, "remove unreferenced objects and stale files",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ "log", cmd_log, "show the event journal",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "status", cmd_status, "what the repository holds",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	/* unbundle asks for a writable repository itself */
	{ "bundle", cmd_bundle,
	  "move objects and catalog rows between repositories",
	  SETUP_REPO | SETUP_READ_ONLY },
	{ NULL, NULL, NULL }
};

static const struct tool tool = { "mlrepo", usage, subcommands, NULL };

int main(int argc, char **argv)
{
	return setup_main(&tool, argc, argv);
}
