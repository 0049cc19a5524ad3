/*
 * test-gate.c - model-promote's gate (lib/gate.c): the order in which a
 * rule passes, fails or is skipped, --strict, rules from a config, the
 * report, and json_print_exact() (lib/tabout.c), with which the registry
 * keeps metrics.
 *
 * The expected sides are worked by hand: 0.90 + 0.005 is the double
 * 0.905 (printed as such by the shortest round trip), 20 * 1.10 is 22.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "err.h"
#include "gate.h"
#include "tabout.h"
#include "tap.h"

static cJSON *metrics(const char *json)
{
	cJSON *j = cJSON_Parse(json);

	if (!j)
		abort();
	return j;
}

/* Evaluate one rule; the status, or -1 on error. */
static int one(const char *rule, const cJSON *cand, const cJSON *cur,
	       int strict, char **reason)
{
	struct gate g = GATE_INIT;
	int st;

	g.strict = strict;
	if (gate_add(&g, rule, "test") < 0) {
		gate_release(&g);
		return -1;
	}
	if (gate_eval(&g, cand, cur, "m:2", "m:1") < 0) {
		gate_release(&g);
		return -1;
	}
	st = (int)g.rules[0].status;
	if (reason)
		*reason = g.rules[0].reason ? strdup(g.rules[0].reason) : NULL;
	gate_release(&g);
	return st;
}

int main(void)
{
	cJSON *cand = metrics("{\"auc\":0.91,\"lat\":21,\"zero\":0,"
			      "\"bad\":\"NaN\",\"big\":\"Infinity\"}");
	cJSON *cur = metrics("{\"auc\":0.905,\"lat\":20}");
	struct gate g = GATE_INIT;
	struct config cfg;
	char *reason = NULL, *text;
	cJSON *rep, *x;

	/* comparisons over both sides, inclusive bounds */
	is_int(one("auc >= current.auc + 0.005", cand, cur, 0, NULL),
	       GATE_PASS, "0.91 >= 0.905 + 0.005 (the bound itself)");
	is_int(one("auc > current.auc + 0.005", cand, cur, 0, NULL),
	       GATE_FAIL, "0.91 > 0.91 fails");
	is_int(one("lat <= current.lat * 1.10", cand, cur, 0, NULL), GATE_PASS,
	       "21 <= 22");
	is_int(one("lat <= current.lat * 1.04", cand, cur, 0, NULL), GATE_FAIL,
	       "21 <= 20.8 fails");

	/* 1: a missing candidate metric fails, whatever else holds */
	is_int(one("f1 > 0 OR auc > 0", cand, cur, 0, &reason), GATE_FAIL,
	       "a missing candidate metric fails an OR that holds");
	ok(reason && strstr(reason, "m:2 has no metric 'f1'"),
	   "and says which");
	free(reason);
	is_int(one("f1 IS NULL", cand, cur, 0, NULL), GATE_FAIL,
	       "even IS NULL of it");
	is_int(one("f1 > current.f1", cand, NULL, 0, NULL), GATE_FAIL,
	       "missing beats skipped");

	/* 2: current.* that cannot be had is skipped, or fails when strict */
	is_int(one("auc >= current.auc", cand, NULL, 0, &reason), GATE_SKIP,
	       "no holder: skipped");
	ok(reason && strstr(reason, "no version holds the alias"),
	   "saying so");
	free(reason);
	is_int(one("zero >= current.zero", cand, cur, 0, &reason), GATE_SKIP,
	       "a holder lacking the metric: skipped");
	ok(reason && strstr(reason, "m:1 (the holder) has no metric 'zero'"),
	   "naming the holder");
	free(reason);
	is_int(one("auc >= current.auc", cand, NULL, 1, NULL), GATE_FAIL,
	       "--strict fails it");
	is_int(one("auc >= 0.5", cand, NULL, 1, NULL), GATE_PASS,
	       "--strict leaves rules without current.* alone");

	/* 3: unknown fails */
	is_int(one("bad >= 0", cand, cur, 0, NULL), GATE_FAIL, "NaN >= 0");
	is_int(one("bad != 1", cand, cur, 0, NULL), GATE_FAIL, "NaN != 1");
	is_int(one("auc / zero > 1", cand, cur, 0, &reason), GATE_FAIL,
	       "a division by zero");
	ok(reason && strstr(reason, "unknown"), "is unknown");
	free(reason);
	is_int(one("big > 1", cand, cur, 0, NULL), GATE_PASS,
	       "Infinity is a number");

	/* bad rules are bad input, before anything is evaluated */
	is_int(one("auc >>= 1", cand, cur, 0, NULL), -1, "a syntax error");
	ok(err_code() == 2, "is exit 2");
	err_clear();
	is_int(one("auc > 'abc'", cand, cur, 0, NULL), -1,
	       "a string against a metric");
	err_clear();

	/* rules from a config's [gate "ALIAS"] sections, in order */
	memset(&cfg, 0, sizeof(cfg));
	{
		static const char policy[] = "[gate \"production\"]\n"
					     "\trequire = auc >= current.auc\n"
					     "\trequire = lat <= 30\n"
					     "[gate \"staging\"]\n"
					     "\trequire = auc > 0.99\n";

		ok(config_parse_buf(&cfg, "policy", policy,
				    sizeof(policy) - 1) == 0,
		   "a policy parses");
	}
	is_int(gate_add_config(&g, &cfg, "production", "policy p"), 2,
	       "two rules for production");
	is_int(gate_add(&g, "auc > 0.99", "--require"), 0, "and one more");
	is_int(gate_eval(&g, cand, cur, "m:2", "m:1"), 1,
	       "one of three fails");
	rep = gate_json(&g);
	is_int(cJSON_GetArraySize(rep), 3, "the report has a rule each");
	x = cJSON_GetArrayItem(rep, 0);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(x, "source")),
	       "policy p", "naming its source");
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(x, "op")), ">=",
	       "and its operator");
	is_double(cJSON_GetNumberValue(cJSON_GetObjectItem(x, "right")), 0.905,
		  0, "and the right side's value");
	x = cJSON_GetArrayItem(rep, 2);
	is_str(cJSON_GetStringValue(cJSON_GetObjectItem(x, "status")), "fail",
	       "the failed one says fail");
	cJSON_Delete(rep);
	gate_release(&g);
	config_release(&cfg);

	/* numbers keep their last bit (cJSON's own printing rounds them) */
	x = cJSON_CreateObject();
	cJSON_AddNumberToObject(x, "a", 0.8999999999999999);
	cJSON_AddNumberToObject(x, "b", 0.1 + 0.2);
	cJSON_AddNumberToObject(x, "c", 3);
	cJSON_AddNumberToObject(x, "d", NAN);
	text = json_print_exact(x, 0);
	is_str(text, "{\"a\":0.8999999999999999,\"b\":0.30000000000000004,"
		     "\"c\":3,\"d\":null}", "json_print_exact");
	free(text);
	cJSON_Delete(x);
	x = cJSON_CreateNumber(0.1 + 0.2);
	text = json_print_exact(x, 0);
	is_str(text, "0.30000000000000004", "a number alone");
	free(text);
	cJSON_Delete(x);

	cJSON_Delete(cand);
	cJSON_Delete(cur);
	return tap_done();
}
