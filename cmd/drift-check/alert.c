/* alert.c - the alert of a drifted check: --on-drift CMD and hooks/on-drift */
#include <string.h>

#include "dc.h"
#include "err.h"
#include "hook.h"
#include "strbuf.h"

/* Warn about a failure of `what`; returns `rc` for the caller to keep. */
static int warn_failed(int rc, const char *what)
{
	if (rc < 0)
		warning("%s: %s", what, err_msg());
	else if (rc > 0)
		warning("%s exited with status %d", what, rc);
	err_clear();
	return rc;
}

int dc_alert(struct repo *r, const char *on_drift, const char *name,
	     const char *severity, const char *columns_csv)
{
	struct strbuf e_name = STRBUF_INIT, e_sev = STRBUF_INIT,
		      e_cols = STRBUF_INIT;
	const char *env[4], *args[3];
	int status = 0, rc;

	if (!severity || !strcmp(severity, "none"))
		return 0;
	strbuf_addf(&e_name, "DRIFT_NAME=%s", name ? name : "");
	strbuf_addf(&e_sev, "DRIFT_SEVERITY=%s", severity);
	strbuf_addf(&e_cols, "DRIFT_COLUMNS=%s", columns_csv ? columns_csv : "");
	env[0] = e_name.buf;
	env[1] = e_sev.buf;
	env[2] = e_cols.buf;
	env[3] = NULL;
	if (on_drift) {
		rc = hook_run_shell(r, on_drift, env);
		status = warn_failed(rc, "--on-drift command");
	}
	if (r) {
		args[0] = name ? name : "";
		args[1] = severity;
		args[2] = NULL;
		rc = warn_failed(hook_run(r, "on-drift", args, env),
				 "on-drift hook");
		if (!status)
			status = rc;
	}
	strbuf_release(&e_name);
	strbuf_release(&e_sev);
	strbuf_release(&e_cols);
	return status;
}
