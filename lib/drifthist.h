/* TEMP stub */
#ifndef DRIFTHIST_H
#define DRIFTHIST_H
#include <sqlite3.h>
#include <stdint.h>
struct repo;
struct drift_rec_in { const char *name, *model; int escalate_after; int drift;
	double share; int drifted, ncols; const char *columns_csv; const char *result_json; };
struct drift_rec_out { char id[33]; const char *severity; int streak; int64_t episode_start; int promoted; int64_t time; };
int drift_record(struct repo *r, sqlite3 *db, const struct drift_rec_in *in, struct drift_rec_out *out);
const char *drift_severity_unrecorded(int drift);
#endif
