/* objects.c - mlrepo hash-object and cat-object */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "events.h"
#include "mlrepo.h"
#include "odb.h"
#include "opt.h"
#include "progress.h"
#include "repo.h"
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

static const char *const usage_hash_object[] = {
	"mlrepo hash-object [-w] FILE...", NULL
};

int cmd_hash_object(int argc, char **argv)
{
	int write = 0, status = 0, i;
	struct repo *r = NULL;
	struct strbuf out = STRBUF_INIT;
	char (*ids)[ODB_HEXSZ + 1];
	int *added;
	sqlite3 *db;
	struct option opts[] = {
		OPT_BOOL('w', "write", &write, "store the files as objects"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_hash_object, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2)
		return opt_usage_error(usage_hash_object, "no file given");
	if (write) {
		if ((status = setup_repo(SETUP_REPO)))
			return status;
		r = the_repo;
	}
	ids = xcalloc(argc, sizeof(*ids));
	added = xcalloc(argc, sizeof(*added));
	for (i = 1; i < argc; i++) {
		const char *f = argv[i];
		struct progress *p = NULL;
		struct stat st;
		int rc;

		/* a bar for big files; it shows only on a terminal, after 1 s */
		if (strcmp(f, "-") && stat(f, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > (64 << 20))
			p = progress_start_bytes(write ? "storing" : "hashing",
						 st.st_size);
		odb_set_progress(p);
		if (!strcmp(f, "-"))
			rc = write ? odb_put_fd(r, 0, NULL, ids[i], &added[i])
				   : odb_hash_fd(0, ids[i], NULL);
		else
			rc = write ? odb_put_file(r, f, ids[i], &added[i])
				   : odb_hash_file(f, ids[i]);
		odb_set_progress(NULL);
		progress_stop(p);
		if (rc < 0) {
			status = err_report();
			goto out;
		}
		if (gopt.json) {
			strbuf_addstr(&out, "{\"path\":");
			strbuf_add_json_str(&out, f);
			strbuf_addf(&out, ",\"id\":\"%s\"", ids[i]);
			if (write)
				strbuf_addf(&out, ",\"new\":%s",
					    added[i] ? "true" : "false");
			strbuf_addstr(&out, "}\n");
		} else {
			strbuf_addf(&out, "%s\n", ids[i]);
		}
	}
	if (write) {
		db = repo_catalog(r);
		if (!db || db_begin(db) < 0) {
			status = err_report();
			goto out;
		}
		for (i = 1; i < argc; i++) {
			struct event_detail d = EVENT_DETAIL_INIT;

			event_detail_str(&d, "path", argv[i]);
			event_detail_bool(&d, "new", added[i]);
			if (events_add_detail(db, "object.write", ids[i],
					      &d) < 0) {
				db_rollback(db);
				status = err_report();
				goto out;
			}
		}
		if (db_commit(db) < 0) {
			status = err_report();
			goto out;
		}
	}
	fwrite(out.buf, 1, out.len, stdout);
	if (out_flush(stdout) < 0)
		status = err_report();
out:
	strbuf_release(&out);
	free(ids);
	free(added);
	return status;
}

static const char *const usage_cat_object[] = {
	"mlrepo cat-object [-o FILE] ID", NULL
};

int cmd_cat_object(int argc, char **argv)
{
	const char *output = NULL;
	char id[ODB_HEXSZ + 1];
	int status = 0, rc;
	struct repo *r;
	struct option opts[] = {
		OPT_STRING('o', "output", &output, "FILE",
			   "write to FILE (atomically) instead of stdout"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_cat_object, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_cat_object, "give one object id");
	if ((status = setup_now()))
		return status;
	r = the_repo;
	if (odb_resolve(r, argv[1], id) < 0) {
		status = err_report();
		goto out;
	}
	if (output && strcmp(output, "-"))
		rc = odb_checkout(r, id, output, ODB_CHECKOUT_COPY);
	else
		rc = odb_cat(r, id, STDOUT_FILENO);
	if (rc < 0)
		status = err_report();
out:
	return status;
}
