/* hook.c - see hook.h */
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "hook.h"
#include "proc.h"
#include "repo.h"
#include "strbuf.h"

int hook_exists(struct repo *r, const char *name)
{
	char *path = repo_path(r, "hooks/%s", name);
	int yes = access(path, X_OK) == 0;

	free(path);
	return yes;
}

/*
 * Run argv in `cwd` (NULL: here) with `env` and MLREPO_DIR (when `r`),
 * stdin /dev/null, stdout to our stderr.  The exit status, or -1.
 */
static int run(struct repo *r, char *const *argv, const char *cwd,
	       const char *const *env)
{
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result res;
	struct strbuf dir = STRBUF_INIT;
	const char **env_add;
	size_t n = 0, i;
	int rc;

	while (env && env[n])
		n++;
	env_add = xcalloc(n + 2, sizeof(*env_add));
	for (i = 0; i < n; i++)
		env_add[i] = env[i];
	if (r) {
		/* as git runs hooks: told the repository */
		strbuf_addf(&dir, "MLREPO_DIR=%s", r->dir);
		env_add[n] = dir.buf;
	}
	o.argv = argv;
	o.env_add = env_add;
	o.cwd = cwd;
	o.in_fd = -1;
	o.out_pass_fd = 2; /* stdout stays the tool's, as git does */
	rc = proc_run(&o, &res);
	if (rc == 0)
		rc = proc_exit_code(&res);
	free(env_add);
	strbuf_release(&dir);
	return rc;
}

int hook_run(struct repo *r, const char *name, const char *const *args,
	     const char *const *env)
{
	char *path = repo_path(r, "hooks/%s", name);
	char **argv;
	size_t n = 0, i;
	int rc;

	if (access(path, X_OK) < 0) {
		free(path);
		return 0;
	}
	while (args && args[n])
		n++;
	argv = xcalloc(n + 2, sizeof(*argv));
	argv[0] = path;
	for (i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	/* at the top of the work tree, as git runs hooks */
	rc = run(r, argv, r->worktree, env);
	free(argv);
	free(path);
	return rc;
}

int hook_run_shell(struct repo *r, const char *cmd, const char *const *env)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };

	return run(r, argv, NULL, env);
}
