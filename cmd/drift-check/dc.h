/*
 * dc.h - drift-check's functions kept outside main.c: the history
 * subcommand (history.c), the alert a drifted check raises (alert.c) and
 * the HTML report (html.c).
 * They use the_repo and the_catalog (setup.h) as main.c's subcommands do.
 */
#ifndef MLREPO_CMD_DC_H
#define MLREPO_CMD_DC_H

struct repo;
struct drift_result;

/*
 * drift-check history NAME [--json]: the recorded checks of NAME, oldest
 * first (SETUP_CATALOG | SETUP_READ_ONLY).  Returns the exit status: 0, 2
 * for a bad NAME or one with no checks recorded, 3 for the environment.
 */
int cmd_history(int argc, char **argv);

/*
 * Raise the alert of a check whose severity is "warning" or "critical"
 * (nothing happens for "none"):
 *  1. `on_drift` (--on-drift CMD; NULL: none) runs as /bin/sh -c CMD in
 *     the current directory;
 *  2. then, when `r` is not NULL (in a repository), the hook
 *     .mlrepo/hooks/on-drift NAME SEVERITY if it is executable, at the
 *     top of the work tree.
 * Both get DRIFT_NAME (`name`, "" without --record), DRIFT_SEVERITY and
 * DRIFT_COLUMNS (`columns_csv`, the drifted columns comma-separated) in
 * their environment, and MLREPO_DIR when in a repository; their standard
 * output goes to our standard error, so that the check's JSON on stdout
 * stays clean, and their standard input is /dev/null (lib/hook.h).  The
 * hook runs even when the command failed.
 *
 * A command or hook that fails, or cannot be run, is a warning on stderr
 * (not with -q).  Returns 0 when all that ran succeeded; else the first
 * failure: its exit status (> 0), or -1 when it could not be run.  The
 * check's own exit status (1 for drift) does not depend on it.
 */
int dc_alert(struct repo *r, const char *on_drift, const char *name,
	     const char *severity, const char *columns_csv);

/*
 * --html FILE: one self-contained page (no script, font or style sheet
 * from elsewhere) with the verdict, the table, and per column the
 * reference and current distributions overlaid as inline SVG bars;
 * written atomically (html.c).  0, or -1 with the error set.
 */
int dc_html(const char *path, const struct drift_result *res,
	    const char *severity, const char *ref, const char *cur);

#endif
