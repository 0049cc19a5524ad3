/*
 * drift.h - drift-check's check: two sides (reference and current) read
 * column by column, each column typed, given a method (Evidently's auto
 * choice or the one asked for), scored, compared with its threshold by
 * the method's own rule, corrected across columns, and summed up into a
 * verdict.
 *
 *	struct drift_opts o = DRIFT_OPTS_INIT;
 *	struct drift_side ref = DRIFT_SIDE_INIT, cur = DRIFT_SIDE_INIT;
 *	struct drift_result res;
 *
 *	if (drift_side_read(&ref, "ref.csv", &o) < 0 ||
 *	    drift_side_read(&cur, "cur.csv", &o) < 0 ||
 *	    drift_check(&ref, &cur, &o, &res) < 0)
 *		goto fail;			(the error is set)
 *	... res.drift, res.share, res.cols[i] ...
 *	drift_result_release(&res);
 *	drift_side_release(&ref); drift_side_release(&cur);
 *
 * A side holds, per column, either the raw values (a table file read
 * whole: every finite number kept, text counted per category) or a profile
 * column (lib/profile.h: a reference given as a profile, and then the
 * current side summarised the same way so that its memory stays bounded).
 * A check compares raw with raw or profile with profile.
 *
 * Missing values.  A missing field (table.h), and a number that is NaN or
 * infinite, is missing: left out of every test and counted in the column's
 * missing share.
 *
 * Types.  A column is numeric when every non-missing value on both sides
 * parses as a number (num.h's grammar) and the reference has more than 5
 * distinct values; otherwise categorical (opts.numeric and
 * opts.categorical override; numeric on a column holding text is bad
 * input).  The categories of a column whose values are all numbers are the
 * numbers (so "1" and "1.0" are one); of any other column, the text.
 *
 * Methods and rules: the table drift_methods[] below, and man page
 * drift-check(1).  Functions return 0, or -1 with the error set:
 * error_input() (exit 2) for bad input, error() for the environment.
 */
#ifndef MLREPO_DRIFT_H
#define MLREPO_DRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "table.h"

struct profile;
struct profile_col;

enum drift_method {
	DRIFT_AUTO,
	DRIFT_KS,
	DRIFT_CHISQUARE,
	DRIFT_Z,
	DRIFT_WASSERSTEIN,
	DRIFT_JENSENSHANNON,
	DRIFT_PSI,
	DRIFT_KL_DIV,
	DRIFT_HELLINGER,
	DRIFT_ANDERSON,
	DRIFT_CRAMER_VON_MISES,
	DRIFT_ENERGY,
	DRIFT_T_TEST,
	DRIFT_MANNW,
	DRIFT_WELCH,
	DRIFT_MANNWHITNEY,
	DRIFT_NMETHODS
};

/* How a score is compared with its threshold: drift when ... */
enum drift_rule {
	DRIFT_P_LT,	/* p < t */
	DRIFT_P_LE,	/* p <= t */
	DRIFT_D_GE,	/* score >= t */
	DRIFT_D_GT	/* score > t */
};

/* Which columns a method takes. */
enum { DRIFT_FOR_NUM = 1, DRIFT_FOR_CAT = 2 };

struct drift_method_info {
	const char *name;	/* "ks", "chisquare", ... */
	double threshold;	/* the default */
	enum drift_rule rule;
	unsigned kinds;		/* DRIFT_FOR_NUM | DRIFT_FOR_CAT */
	int on_profile;		/* runs on a profile reference too */
	const char *what;	/* one line for --help and the table */
};
extern const struct drift_method_info drift_methods[DRIFT_NMETHODS];

/* The method called `name`, or -1. */
int drift_method_from_name(const char *name);
/* Is a score of method m against threshold t a drift? */
int drift_is_drift(enum drift_method m, double score, double t);
/* Does method m give a p-value (the rules P_LT and P_LE)? */
int drift_is_pvalue(enum drift_method m);

enum drift_correction { DRIFT_CORR_NONE, DRIFT_CORR_BONFERRONI,
			DRIFT_CORR_FDR };

struct drift_opts {
	enum drift_method method;	/* DRIFT_AUTO by default */
	double threshold;		/* NaN: each method's default */
	/* NULL-terminated lists of items, or NULL */
	const char *const *columns;	/* only these (in this order) */
	const char *const *exclude;
	const char *const *categorical;
	const char *const *numeric;
	const char *const *column_method;	/* "COL=METHOD" */
	const char *const *column_threshold;	/* "COL=X" */
	enum drift_correction correction;
	double drift_share;		/* 0.5 */
	enum table_format format;	/* of table inputs; TABLE_AUTO */
	int delim;			/* 0: the format's own */
	int progress;			/* a progress line on a terminal */
};
#define DRIFT_OPTS_INIT { DRIFT_AUTO, NAN, NULL, NULL, NULL, NULL, NULL, \
			  NULL, DRIFT_CORR_NONE, 0.5, TABLE_AUTO, 0, 0 }

/* One category and its count, on one side. */
struct drift_cat {
	char *text;
	int64_t count;
};

/* One column on one side. */
struct drift_col {
	char *name;
	int64_t rows;		/* values read, missing ones included */
	int64_t missing;	/* missing, NaN or infinite */
	int all_numbers;	/* every non-missing value parsed */
	/* raw: the finite numbers while all_numbers (sorted by drift_check) */
	double *num;
	size_t nnum, anum;
	size_t map_bytes;	/* num is a mapping of this size (0: malloc) */
	/* raw: text categories (a hash map inside); see drift.c */
	struct drift_catmap *cats;
	/* a profile column instead of the above (owned by the side's profile) */
	struct profile_col *prof;
};

/* One side of a check. */
struct drift_side {
	char *name;		/* as given: a path, "-", "fs:GROUP@..", a profile */
	struct drift_col *cols;
	int ncols;
	int64_t rows;
	struct profile *profile;	/* non-NULL: a profile side */
};
#define DRIFT_SIDE_INIT { NULL, NULL, 0, 0, NULL }

/*
 * Read a table file ("-": stdin) into `s`, whole, as raw columns; with
 * `into_profile`, summarise each column into a profile instead (bounded
 * memory).  Bad rows and unreadable input fail (error_input naming the
 * file and line).
 */
int drift_side_read(struct drift_side *s, const char *path,
		    const struct drift_opts *o, int into_profile);
/*
 * Both sides from table files at once, the current one in a second
 * thread: as drift_side_read() on each, the reference's error first.
 */
int drift_sides_read(struct drift_side *ref, const char *rpath,
		     struct drift_side *cur, const char *cpath,
		     const struct drift_opts *o, int into_profile);
/*
 * The same from an open table reader (fs: inputs), which stays open; the
 * columns named in `skip` (NULL-terminated, or NULL) are left out.
 */
int drift_side_read_table(struct drift_side *s, struct table_reader *t,
			  const struct drift_opts *o, int into_profile,
			  const char *const *skip);
/* Take a profile (profile.h) as a side; the side owns it from then on. */
int drift_side_from_profile(struct drift_side *s, const char *name,
			    struct profile *p);
void drift_side_release(struct drift_side *s);

/* One column's result. */
struct drift_colres {
	const char *column;		/* the reference side's name */
	int numeric;
	enum drift_method method;
	double score;			/* corrected p-value with --correction */
	double raw_score;		/* before correction */
	double threshold;
	int drift;
	int64_t nref, ncur;		/* non-missing values */
	double missing_reference, missing_current;	/* shares, 0..1 */
	int missing_share_changed;	/* |difference| > 0.1 */
	struct drift_col *ref, *cur;	/* the sides' columns */
};

struct drift_result {
	struct drift_colres *cols;
	int ncols;
	int ndrifted;
	double share;			/* ndrifted / ncols (0 with none) */
	double drift_share;		/* the threshold used */
	int drift;			/* share >= drift_share and ncols > 0 */
	enum drift_correction correction;
};

/*
 * Compare the two sides column by column.  Columns present on both are
 * compared (opts->columns and exclude select; a column named there that
 * either side lacks is bad input); typing, method choice, scoring and the
 * verdict as above.  The sides must stay alive while `res` is used.
 */
int drift_check(struct drift_side *ref, struct drift_side *cur,
		const struct drift_opts *o, struct drift_result *res);
void drift_result_release(struct drift_result *res);

/*
 * What a report draws for a column: the share of each side's values in
 * each of `n` bins (categories, values, or Sturges' equal-width bins over
 * both sides), with a label for each ("lo..hi" for a range).  0, or -1
 * with the error set; n is 0 when a side has no values.
 */
struct drift_plot {
	size_t n;
	double *ref, *cur;
	char **labels;
};
int drift_plot(const struct drift_colres *c, struct drift_plot *p);
void drift_plot_release(struct drift_plot *p);

/* "none", "bonferroni", "fdr" and back (-1 for an unknown name). */
int drift_correction_from_name(const char *s);
const char *drift_correction_name(enum drift_correction c);

#endif
