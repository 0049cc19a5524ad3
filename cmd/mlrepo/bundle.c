/* bundle.c - mlrepo bundle create and unbundle */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "db.h"
#include "err.h"
#include "events.h"
#include "mlrepo.h"
#include "mltime.h"
#include "opt.h"
#include "repo.h"
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

static const char *const usage_bundle[] = {
	"mlrepo bundle create FILE.tar.gz [--since TIME]",
	"mlrepo bundle unbundle FILE.tar.gz",
	NULL
};

static int bundle_create_cmd(struct repo *r, const char *file,
			     const char *since)
{
	struct bundle_stats s;
	int64_t t = INT64_MIN;
	sqlite3 *db;
	struct event_detail d = EVENT_DETAIL_INIT;

	if (since && mltime_parse(since, &t) < 0) {
		err_prefix("--since: ");
		return -1;
	}
	if (bundle_create(r, file, t, &s) < 0)
		return -1;
	/* a read-only repository can be bundled, not journalled */
	if (r->read_only)
		goto done;
	db = repo_catalog(r);
	event_detail_int(&d, "objects", (int64_t)s.objects);
	event_detail_int(&d, "rows", (int64_t)s.rows);
	if (!db || events_add_detail(db, "bundle.create", file, &d) < 0) {
		event_detail_release(&d);
		if (strcmp(file, "-"))
			unlink(file); /* all or nothing: no bundle without
				       * its event */
		return -1;
	}
done:
	if (!gopt.quiet)
		fprintf(stderr, "%s: wrote %s: %zu object%s, %zu catalog row%s\n",
			err_progname(), file, s.objects,
			s.objects == 1 ? "" : "s", s.rows,
			s.rows == 1 ? "" : "s");
	return 0;
}

/* 0, 1 when rows conflicted with local ones (as a merge with conflicts), -1 */
static int bundle_unbundle_cmd(struct repo *r, const char *file)
{
	struct bundle_stats s;
	const char *line;
	int rc = 0;

	if (bundle_unbundle(r, file, &s) < 0) {
		strbuf_release(&s.conflicts);
		return -1;
	}
	if (!gopt.quiet)
		fprintf(stderr,
			"%s: %s: %zu object%s (%zu new), %zu catalog row%s "
			"(%zu new)\n",
			err_progname(), file, s.objects,
			s.objects == 1 ? "" : "s", s.objects_new, s.rows,
			s.rows == 1 ? "" : "s", s.rows_new);
	/* everything else went in; each conflict is listed, ours kept */
	for (line = s.conflicts.buf; *line; rc = 1) {
		const char *nl = strchr(line, '\n');

		fprintf(stderr, "%s: conflict: %.*s\n", err_progname(),
			(int)(nl - line), line);
		line = nl + 1;
	}
	strbuf_release(&s.conflicts);
	return rc;
}

int cmd_bundle(int argc, char **argv)
{
	const char *since = NULL;
	int status = 0, rc;
	struct repo *r;
	struct option opts[] = {
		OPT_STRING(0, "since", &since, "TIME",
			   "only rows and objects made at or after TIME"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_bundle, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 3)
		return opt_usage_error(usage_bundle,
				       "give 'create FILE' or 'unbundle FILE'");
	if (strcmp(argv[1], "create") && strcmp(argv[1], "unbundle"))
		return opt_usage_error(usage_bundle,
				       "unknown bundle command '%s'", argv[1]);
	if (since && strcmp(argv[1], "create"))
		return opt_usage_error(usage_bundle,
				       "--since goes with 'bundle create'");
	/* create only reads; unbundle needs a writable repository */
	if ((status = setup_repo(strcmp(argv[1], "create") ? SETUP_REPO
							   : tool_setup)))
		return status;
	r = the_repo;
	if (!strcmp(argv[1], "create"))
		rc = bundle_create_cmd(r, argv[2], since);
	else
		rc = bundle_unbundle_cmd(r, argv[2]);
	if (rc < 0)
		status = err_report();
	else if (rc > 0)
		status = EXIT_NEGATIVE;
	return status;
}
