/* TEMP stub header (helper's dc.h replaces it) */
#ifndef DC_H
#define DC_H
struct repo;
struct drift_result;
int cmd_history(int argc, char **argv);
int dc_alert(struct repo *r, const char *on_drift, const char *name,
	     const char *severity, const char *columns_csv);
int dc_html(const char *path, const struct drift_result *res,
	    const char *severity, const char *ref, const char *cur);
#endif
