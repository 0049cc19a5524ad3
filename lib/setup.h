/*
 * setup.h - what the dispatcher opens for a command: its repository and
 * the catalog, as git's setup.c and RUN_SETUP do.
 *
 * A tool's main() is setup_main(&tool, argc, argv).  Each subcommand in
 * the tool's table says what it needs:
 *
 *	{ "ls", cmd_ls, "list and search runs", SETUP_CATALOG },
 *
 * and the subcommand, once it has parsed its options (-C and --repo among
 * them) and checked its arguments, calls setup_now():
 *
 *	if ((status = setup_now()))
 *		return status;
 *	db = the_catalog;
 *
 * which finds and opens the repository (SETUP_REPO) and with
 * SETUP_CATALOG the catalog too (opened and migrated), or reports why not
 * ("not a repository", exit 3; a damaged catalog) and returns
 * the exit status.  Checking the arguments first keeps a usage error exit
 * 2 outside a repository too, and a bad command line from migrating an
 * older catalog.  The command never closes them: setup_main() does when
 * the command returns.  A command that needs the repository only
 * sometimes (hash-object -w) sets no flag and calls setup_repo(SETUP_REPO)
 * when it does.
 *
 * Read-only repositories (repo.h) are decided here, once: setup refuses
 * every command that may write one, before it opens the catalog, with
 * "repository '/x/.mlrepo' is read-only (cannot write catalog.db)" (exit
 * 3), unless its flags include SETUP_READ_ONLY, which says the command only
 * reads:
 *
 *	{ "ls", cmd_ls, "list and search runs",
 *	  SETUP_CATALOG | SETUP_READ_ONLY },
 *
 * A command without the flag is taken to write, so a new one is safe until
 * someone looks.  A command that reads and only sometimes writes (config
 * KEY VALUE, bundle unbundle, gc without --dry-run) carries the flag and
 * calls setup_repo() without it when it is about to write.  On a
 * read-only repository a reader creates no file in it: no lock file, no
 * -wal or -shm (db.h), no event in the journal.
 */
#ifndef MLREPO_SETUP_H
#define MLREPO_SETUP_H

#include <sqlite3.h>

#include "opt.h"

struct repo;

enum setup_flags {
	SETUP_REPO = 1 << 0,	/* find and open the repository */
	SETUP_CATALOG = 1 << 1,	/* and its catalog (implies SETUP_REPO) */
	SETUP_READ_ONLY = 1 << 2 /* only reads: runs on a read-only one too */
};

/* What setup opened for the running command (NULL: not asked for). */
extern struct repo *the_repo;
extern sqlite3 *the_catalog;

/* tool_main() with the setup above; closes what it opened. */
int setup_main(const struct tool *t, int argc, char **argv);
/*
 * Open what the running subcommand's flags (tool_setup) ask for, if not
 * yet open.  Returns 0, or the exit status after reporting the error.
 */
int setup_now(void);
/*
 * The same for the flags given (a command that needs more sometimes):
 * without SETUP_READ_ONLY, the repository must be writable.
 */
int setup_repo(unsigned flags);

#endif
