/*
 * fuzz-gate.c - libFuzzer harness for model-promote's gate (lib/gate.c).
 *
 *	make fuzz && build-fuzz/fuzz-gate -dict=tests/fuzz/expr.dict
 *
 * The input is up to three parts separated by NUL bytes: a rule, the
 * candidate's metrics and the holder's (JSON; a part that is not a JSON
 * object stands for no metrics, and a missing third part for no holder).
 * Besides crashes, sanitizer reports, leaks and hangs, it checks the
 * gate's promises (gate.h):
 *   - a rule that parses evaluates, or fails with the error set;
 *   - a rule naming a metric the candidate lacks fails;
 *   - a skipped rule becomes a failed one under strict, and nothing else
 *     changes;
 *   - the number gate_eval() returns is the number of failed rules, and
 *     the report is a JSON array with one entry a rule.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "expr.h"
#include "gate.h"

static char *part(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *s = *p, *z = memchr(s, 0, (size_t)(end - s));
	size_t n = z ? (size_t)(z - s) : (size_t)(end - s);
	char *out;

	if (s >= end)
		return NULL;
	out = malloc(n + 1);
	memcpy(out, s, n);
	out[n] = 0;
	*p = z ? z + 1 : end;
	return out;
}

struct lacks {
	const cJSON *cand;
	int missing;
};

/* Does the candidate lack a metric the rule names (not current.*)? */
static int find_missing(const char *const *parts, int nparts, int col,
			void *data)
{
	struct lacks *l = data;
	char key[4096] = "";
	size_t len = 0;
	int i = nparts >= 2 && !strcmp(parts[0], "current") ? -1 : 0;

	(void)col;
	if (i < 0)
		return 0;
	for (; i < nparts; i++) {
		size_t n = strlen(parts[i]);

		if (len + n + 2 > sizeof(key))
			return 0;
		if (len)
			key[len++] = '.';
		memcpy(key + len, parts[i], n + 1);
		len += n;
	}
	if (!cJSON_GetObjectItemCaseSensitive(l->cand, key))
		l->missing = 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *rule = part(&p, end), *c = part(&p, end), *h = part(&p, end);
	cJSON *cand = c ? cJSON_Parse(c) : NULL;
	cJSON *cur = h ? cJSON_Parse(h) : NULL;
	struct gate g = GATE_INIT;
	int failed, strict_failed;

	if (!cJSON_IsObject(cand)) {
		cJSON_Delete(cand);
		cand = cJSON_CreateObject();
	}
	if (cur && !cJSON_IsObject(cur)) {
		cJSON_Delete(cur);
		cur = NULL;
	}
	if (!rule || gate_add(&g, rule, "fuzz") < 0)
		goto out;
	failed = gate_eval(&g, cand, cur, "m:2", "m:1");
	if (failed < 0) {
		if (!err_msg() || !*err_msg())
			abort();
		goto out;
	}
	if (failed != (g.rules[0].status == GATE_FAIL))
		abort();
	{
		struct lacks l = { cand, 0 };

		expr_foreach_ident(g.rules[0].e, find_missing, &l);
		if (l.missing && g.rules[0].status != GATE_FAIL)
			abort();
	}
	{
		enum gate_status before = g.rules[0].status;
		cJSON *rep;

		g.strict = 1;
		strict_failed = gate_eval(&g, cand, cur, "m:2", "m:1");
		if (strict_failed < 0)
			abort(); /* it evaluated once */
		if (before == GATE_SKIP ? g.rules[0].status != GATE_FAIL
					: g.rules[0].status != before)
			abort();
		rep = gate_json(&g);
		if (cJSON_GetArraySize(rep) != 1)
			abort();
		cJSON_Delete(rep);
	}
out:
	gate_release(&g);
	cJSON_Delete(cand);
	cJSON_Delete(cur);
	free(rule);
	free(c);
	free(h);
	err_clear();
	return 0;
}
