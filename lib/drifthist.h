/*
 * drifthist.h - drift history: the checks `drift-check --record NAME`
 * keeps in the catalog, the severity of their alerts, and the catalog
 * domain that holds them (fsck, bundles, `mlrepo status`).
 *
 * A check is recorded with drift_record() once drift_check() (drift.h) has
 * its verdict, and before any alert is raised:
 *
 *	struct drift_rec_in in = { "tx", "churn", DRIFT_ESCALATE_AFTER,
 *				   res.drift, res.share, res.ndrifted,
 *				   res.ncols, "amount,age", json_text };
 *	struct drift_rec_out out;
 *
 *	if (drift_record(r, db, &in, &out) < 0)
 *		return err_report();
 *	... out.severity goes into the printed JSON, then the alert
 *	    (--on-drift, hooks/on-drift) runs, outside any transaction ...
 *
 * Severity, for the man page (issue 11, exactly):
 *   - "none" when the check found no drift;
 *   - "warning" when it found drift;
 *   - "critical" when drift has now been found in `escalate_after` (K)
 *     consecutive checks of NAME (K = 1 makes every drift critical), or
 *     when MODEL had a version promoted, to any alias, after the first
 *     drifted check of the episode and the drift is still there (the model
 *     was retrained and that did not help).
 * An episode is a run of consecutive drifted checks of NAME; a check that
 * finds no drift ends it.  The streak of a drifted check is its place in
 * its episode (1 for the first), 0 for a clean one.  A promotion is a
 * "model.promote" event in the journal (registry.h) with MODEL as its
 * subject, at a later time than the episode's first check: forced
 * promotions count, rollbacks and alias deletions do not (a rollback puts
 * back a model that was there before, it retrains nothing).  MODEL need
 * not exist in the registry: until it has a promotion, only the count
 * escalates.  Without --record there is no history and drift is always a
 * warning (drift_severity_unrecorded()).
 *
 * Reading the previous check, deciding, inserting the new one and its
 * journal event ("drift.check", subject NAME) is one write transaction
 * (BEGIN IMMEDIATE, db.h), so two checks of one NAME recorded at once are
 * put one after the other and never both start an episode.  A check's time
 * is now, or one microsecond after the latest check of NAME when that one
 * is not earlier (a clock set back, a bundle from a clock ahead), so that
 * the newest check is always the one recorded last here.
 *
 * Bundles carry checks as they are (rows never change): the streak and
 * severity of a check are what was decided where it was recorded.  Checks
 * of one NAME recorded in two repositories and brought together sit side
 * by side in time order; the next check recorded continues from the
 * latest of them.
 *
 * Functions return 0 (or a count), or -1 with the error set: error_input()
 * (exit 2) for a bad NAME or MODEL or escalate_after, error() otherwise.
 * Strings in rows given to callbacks live until the callback returns.
 */
#ifndef MLREPO_DRIFTHIST_H
#define MLREPO_DRIFTHIST_H

#include <sqlite3.h>
#include <stdint.h>

struct repo;
struct domain;

/* The default of --escalate-after. */
#define DRIFT_ESCALATE_AFTER 3

/* What a recorded check is made of. */
struct drift_rec_in {
	const char *name;	 /* NAME of --record (the name rule) */
	const char *model;	 /* --model, or NULL (the name rule) */
	int escalate_after;	 /* K, at least 1 */
	int drift;		 /* the verdict */
	double share;		 /* of drifted columns, 0..1 */
	int drifted, ncols;	 /* drifted columns, columns compared */
	const char *columns_csv; /* the drifted columns, "a,b" ("": none) */
	const char *result_json; /* the check's JSON object, as printed */
};

/* What drift_record() decided. */
struct drift_rec_out {
	char id[33];		 /* the check's id, 32 hex digits */
	const char *severity;	 /* "none", "warning", "critical" (static) */
	int streak;		 /* place in the episode; 0: no drift */
	int64_t episode_start;	 /* time of its first check; 0: no drift */
	int promoted;		 /* critical because MODEL was promoted */
	int64_t time;		 /* the check's time */
};

/*
 * Record a check of in->name with the severity decided as above, and
 * journal it, in one transaction.  The stored result is in->result_json
 * with its "severity" member set to the one decided, so that it is the
 * object drift-check printed.  `r` may be NULL (it is not used yet).
 */
int drift_record(struct repo *r, sqlite3 *db, const struct drift_rec_in *in,
		 struct drift_rec_out *out);

/* The severity of a check that is not recorded: "warning" or "none". */
const char *drift_severity_unrecorded(int drift);

/* One recorded check. */
struct drift_hist_row {
	const char *id;
	const char *name;
	int64_t time;
	const char *model;	/* NULL: none given */
	int drift;
	const char *severity;
	double share;
	int drifted, ncols;
	int streak;
	int64_t episode_start;	/* 0: none */
	const char *result;	/* the check's JSON object */
	const char *who;	/* user@host; may be NULL */
};

/*
 * Call fn for every check of `name`, oldest first.  fn returns 0 to go
 * on, 1 to stop, or -1 after error() to stop and fail.  Returns the number
 * of checks fn was given, or -1.  A name with no checks gives 0: the
 * caller says what that means.
 */
int drift_history(sqlite3 *db, const char *name,
		  int (*fn)(const struct drift_hist_row *row, void *data),
		  void *data);

/* Drift history's part of the catalog (domain.h). */
extern const struct domain drift_domain;

#endif
