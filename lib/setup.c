/* setup.c - see setup.h */
#include <stddef.h>

#include "err.h"
#include "repo.h"
#include "setup.h"

struct repo *the_repo;
sqlite3 *the_catalog;

int setup_repo(unsigned flags)
{
	if (!the_repo) {
		the_repo = repo_open();
		if (!the_repo)
			return err_report();
	}
	if (!(flags & SETUP_READ_ONLY) && repo_check_writable(the_repo) < 0)
		return err_report();
	if ((flags & SETUP_CATALOG) && !the_catalog) {
		the_catalog = repo_catalog(the_repo);
		if (!the_catalog)
			return err_report();
	}
	return 0;
}

int setup_now(void)
{
	return setup_repo(tool_setup);
}

int setup_main(const struct tool *t, int argc, char **argv)
{
	int status = tool_main(t, argc, argv);

	if (the_repo)
		repo_close(the_repo);
	the_repo = NULL;
	the_catalog = NULL;
	return status;
}
