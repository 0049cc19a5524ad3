/*
 * gate.h - the promotion gate: rules in the expression language
 * (lib/expr.h) over a candidate model's metrics and those of the version
 * that holds the alias now, evaluated in memory (model-promote(1)).
 *
 * A rule is a condition.  A bare name is a metric of the candidate
 * (`auc`, `val.loss`: the name's parts joined by dots); `current.NAME` is
 * the holder's.  MLflow's MetricThreshold fields read:
 *	auc >= 0.80				threshold
 *	auc >= current.auc + 0.005		min_absolute_change
 *	auc >= current.auc * 1.01		min_relative_change
 *	latency_ms <= current.latency_ms * 1.10	greater_is_better = false
 *
 * Each rule ends as pass, fail or skipped, in this order of precedence:
 *   1. a metric of the candidate's that the rule names and the candidate
 *      lacks: fail, whatever else holds;
 *   2. a current.NAME with no holder, or a holder lacking NAME: skipped
 *      (fail under `strict`), saying which;
 *   3. otherwise the condition: true passes; false fails, and so does
 *      unknown (a NaN, a division by zero), as MLflow's comparisons of a
 *      NaN never pass.
 * Arithmetic is IEEE double.  The gate passes when no rule fails.
 *
 * Usage: gate_add() each rule (parsed at once: a bad rule is error_input,
 * exit 2, before anything is read), gate_eval() with both metric sets,
 * read gate->rules[i].status and friends, gate_json() for reports,
 * gate_release().  Metrics are JSON objects of numbers; NaN and the
 * infinities as the strings "NaN", "Infinity", "-Infinity" (as
 * runs_json_value() writes them).
 */
#ifndef MLREPO_GATE_H
#define MLREPO_GATE_H

#include <stddef.h>

struct cJSON;
struct config;
struct expr;

enum gate_status { GATE_PASS, GATE_FAIL, GATE_SKIP };

struct gate_rule {
	char *text;	   /* as given */
	char *source;	   /* "--require", "policy FILE", "config" */
	struct expr *e;
	/* set by gate_eval(): */
	enum gate_status status;
	char *reason;	   /* why it failed or was skipped; NULL on pass */
	struct cJSON *values; /* {"auc": 0.91, "current.auc": 0.9} */
	/* for a comparison, both sides' values (NAN when unknown) */
	int has_sides;
	double left, right;
	const char *cmp;   /* its operator: ">=", "<", ... */
};

struct gate {
	struct gate_rule *rules;
	size_t nr, alloc;
	int strict;	   /* a skipped rule fails */
};
#define GATE_INIT { NULL, 0, 0, 0 }

/* Parse `text` as a rule and add it.  0, or -1 with error_input(). */
int gate_add(struct gate *g, const char *text, const char *source);
/*
 * Add every `gate.ALIAS.require` value of `cfg` (the repository's
 * config, or a --policy file), naming `source`.  Returns the count or -1.
 */
int gate_add_config(struct gate *g, const struct config *cfg,
		    const char *alias, const char *source);

/*
 * Evaluate every rule.  `cand` is the candidate's metrics; `cur` the
 * holder's, or NULL when no version holds the alias; `cand_name` and
 * `cur_name` ("churn:3") are for reasons.  Returns the number of failed
 * rules (0: the gate passes), or -1 with the error set.
 */
int gate_eval(struct gate *g, const struct cJSON *cand,
	      const struct cJSON *cur, const char *cand_name,
	      const char *cur_name);

const char *gate_status_name(enum gate_status s);
/* The rules and their results as a JSON array (the caller owns it). */
struct cJSON *gate_json(const struct gate *g);

void gate_release(struct gate *g);

#endif
