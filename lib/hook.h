/*
 * hook.h - hooks: programs in .mlrepo/hooks/ that tools run when something
 * happens (post-promote after a promotion, on-drift after a drift alert),
 * in the manner of git hooks; and the user's own command lines run on such
 * an event (drift-check --on-drift CMD), the same way.
 *
 *	const char *args[] = { name, severity, NULL };
 *	const char *env[] = { "DRIFT_SEVERITY=critical", NULL };
 *	int rc = hook_run(r, "on-drift", args, env);
 *
 *	if (rc < 0)		(it could not be run: err_msg() says why)
 *		warning("on-drift hook: %s", err_msg());
 *	else if (rc > 0)	(it ran and failed: its exit status)
 *		warning("on-drift hook exited with status %d", rc);
 *
 * For the man pages: a hook is .mlrepo/hooks/NAME, run only when it exists
 * and is executable (a file without the execute bit is ignored, as git
 * ignores one).  It runs in the top of the work tree (the directory that
 * holds .mlrepo), with MLREPO_DIR set to the repository, with /dev/null as
 * its standard input and its standard output passed to our standard error
 * (stdout stays the tool's own, for the JSON or the id a script reads, as
 * git does with hooks); its standard error is ours.  A command line
 * (hook_run_shell) runs as `/bin/sh -c CMD` in the current directory, the
 * same way otherwise.  Both go through proc_run() (proc.h): signals meant
 * to stop us reach them, and we wait for them to end.
 *
 * The caller decides what a failing hook means; the tools so far warn and
 * go on, since what the hook follows has happened already.  Never call
 * these inside a transaction: a hook may take as long as it likes, and may
 * run tools that write the catalog.
 */
#ifndef MLREPO_HOOK_H
#define MLREPO_HOOK_H

struct repo;

/*
 * Run the hook `name` with arguments `args` (NULL-terminated; NULL: none)
 * and `env` added to the environment ("K=V" sets, "K" unsets, as proc.h
 * says; NULL: none).  Returns the hook's exit status (128 + the signal
 * that killed it), 0 when there is no such executable hook, or -1 with
 * error() when it could not be run.
 */
int hook_run(struct repo *r, const char *name, const char *const *args,
	     const char *const *env);

/* Is .mlrepo/hooks/`name` there and executable? */
int hook_exists(struct repo *r, const char *name);

/*
 * Run the command line `cmd` with /bin/sh -c in the current directory,
 * with `env` added (NULL: none) and, when `r` is not NULL, MLREPO_DIR set
 * to the repository.  Returns its exit status as the shell reports it (127
 * for a command sh cannot find), or -1 with error() when /bin/sh itself
 * could not be run.
 */
int hook_run_shell(struct repo *r, const char *cmd, const char *const *env);

#endif
