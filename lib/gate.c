/* gate.c - see gate.h */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "err.h"
#include "expr.h"
#include "gate.h"
#include "strbuf.h"

int gate_add(struct gate *g, const char *text, const char *source)
{
	struct expr *e = expr_parse(text, "gate rule");
	struct gate_rule *r;

	if (!e) {
		err_prefix("%s: ", source);
		return -1;
	}
	ALLOC_GROW(g->rules, g->nr + 1, g->alloc);
	r = &g->rules[g->nr++];
	memset(r, 0, sizeof(*r));
	r->text = xstrdup(text);
	r->source = xstrdup(source);
	r->e = e;
	return 0;
}

struct add_cfg {
	struct gate *g;
	const char *source;
	int n, rc;
};

static int add_one(const char *value, void *data)
{
	struct add_cfg *a = data;

	if (a->rc < 0)
		return 0;
	if (!value || !*value) {
		a->rc = error_input("%s: an empty gate rule", a->source);
		return 0;
	}
	if (gate_add(a->g, value, a->source) < 0)
		a->rc = -1;
	else
		a->n++;
	return 0;
}

int gate_add_config(struct gate *g, const struct config *cfg,
		    const char *alias, const char *source)
{
	struct strbuf key = STRBUF_INIT;
	struct add_cfg a = { g, source, 0, 0 };

	strbuf_addf(&key, "gate.%s.require", alias);
	config_get_all(cfg, key.buf, add_one, &a);
	strbuf_release(&key);
	return a.rc < 0 ? -1 : a.n;
}

/* ---- evaluation ----------------------------------------------------------- */

struct eval {
	const cJSON *cand, *cur;
	const char *cand_name, *cur_name;
	struct gate_rule *rule;
	struct strbuf missing;	/* candidate metrics it lacks */
	struct strbuf skipped;	/* why current.* cannot be had */
};

/* The metric a name stands for: its parts after "current." joined. */
static char *metric_key(const char *const *parts, int nparts, int *current)
{
	struct strbuf sb = STRBUF_INIT;
	int i = 0;

	*current = nparts >= 2 && !strcmp(parts[0], "current");
	if (*current)
		i = 1;
	for (; i < nparts; i++) {
		if (sb.len)
			strbuf_addch(&sb, '.');
		strbuf_addstr(&sb, parts[i]);
	}
	return strbuf_detach(&sb, NULL);
}

/* A metric's value in a JSON object: 1 found (*v set), 0 missing. */
static int metric_value(const cJSON *m, const char *key, double *v)
{
	const cJSON *x = m ? cJSON_GetObjectItemCaseSensitive(m, key) : NULL;

	if (cJSON_IsNumber(x)) {
		*v = x->valuedouble;
		return 1;
	}
	if (cJSON_IsString(x)) {
		if (!strcmp(x->valuestring, "NaN"))
			*v = NAN;
		else if (!strcmp(x->valuestring, "Infinity"))
			*v = INFINITY;
		else if (!strcmp(x->valuestring, "-Infinity"))
			*v = -INFINITY;
		else
			return 0;
		return 1;
	}
	return 0;
}

static cJSON *number_json(double v)
{
	if (isnan(v))
		return cJSON_CreateString("NaN");
	if (isinf(v))
		return cJSON_CreateString(v > 0 ? "Infinity" : "-Infinity");
	return cJSON_CreateNumber(v);
}

static void note(struct strbuf *sb, const char *what)
{
	if (strstr(sb->buf, what))
		return;
	if (sb->len)
		strbuf_addstr(sb, "; ");
	strbuf_addstr(sb, what);
}

/* Before evaluating: which names are there, with their values. */
static int check_ident(const char *const *parts, int nparts, int col,
		       void *data)
{
	struct eval *ev = data;
	struct strbuf name = STRBUF_INIT, why = STRBUF_INIT;
	int current;
	char *key = metric_key(parts, nparts, &current);
	double v;

	(void)col;
	strbuf_addf(&name, "%s%s", current ? "current." : "", key);
	if (current && !ev->cur) {
		strbuf_addf(&why, "no version holds the alias yet "
				  "(%s needs one)", name.buf);
		note(&ev->skipped, why.buf);
	} else if (!metric_value(current ? ev->cur : ev->cand, key, &v)) {
		if (current) {
			strbuf_addf(&why, "%s (the holder) has no metric '%s'",
				    ev->cur_name, key);
			note(&ev->skipped, why.buf);
		} else {
			strbuf_addf(&why, "%s has no metric '%s'",
				    ev->cand_name, key);
			note(&ev->missing, why.buf);
		}
	} else if (!cJSON_GetObjectItemCaseSensitive(ev->rule->values,
						     name.buf)) {
		cJSON_AddItemToObject(ev->rule->values, name.buf,
				      number_json(v));
	}
	free(key);
	strbuf_release(&name);
	strbuf_release(&why);
	return 0;
}

static int lookup(const char *const *parts, int nparts,
		  struct expr_value *out, void *data)
{
	struct eval *ev = data;
	int current;
	char *key = metric_key(parts, nparts, &current);
	double v;

	out->type = EXPR_NULL;
	if (metric_value(current ? ev->cur : ev->cand, key, &v)) {
		out->type = EXPR_NUM;
		out->num = v;
	}
	free(key);
	return 0;
}

static void set_reason(struct gate_rule *r, enum gate_status st,
		       const char *reason)
{
	r->status = st;
	free(r->reason);
	r->reason = reason ? xstrdup(reason) : NULL;
}

static int side(const struct expr *e, struct eval *ev, double *out)
{
	struct expr_value v;

	if (expr_eval_value(e, lookup, ev, &v) < 0)
		return -1;
	*out = v.type == EXPR_NUM ? v.num : NAN;
	return 0;
}

int gate_eval(struct gate *g, const cJSON *cand, const cJSON *cur,
	      const char *cand_name, const char *cur_name)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < g->nr; i++) {
		struct gate_rule *r = &g->rules[i];
		struct eval ev = { cand, cur, cand_name, cur_name, r,
				   STRBUF_INIT, STRBUF_INIT };
		int t;

		cJSON_Delete(r->values);
		r->values = cJSON_CreateObject();
		r->has_sides = 0;
		expr_foreach_ident(r->e, check_ident, &ev);
		t = expr_eval_tri(r->e, lookup, &ev);
		if (t >= 0 && r->e->kind == EXPR_CMP) {
			static const char *const ops[] = {
				"+", "-", "*", "/", "=", "!=", "<", "<=", ">",
				">="
			};

			r->has_sides = 1;
			r->cmp = ops[r->e->op];
			if (side(r->e->kids[0], &ev, &r->left) < 0 ||
			    side(r->e->kids[1], &ev, &r->right) < 0)
				t = -1;
		}
		if (t < 0) {
			strbuf_release(&ev.missing);
			strbuf_release(&ev.skipped);
			err_prefix("'%s': ", r->text);
			return -1;
		}
		if (ev.missing.len) {
			set_reason(r, GATE_FAIL, ev.missing.buf);
		} else if (ev.skipped.len) {
			if (g->strict) {
				strbuf_addstr(&ev.skipped, " (--strict)");
				set_reason(r, GATE_FAIL, ev.skipped.buf);
			} else {
				set_reason(r, GATE_SKIP, ev.skipped.buf);
			}
		} else if (t == 1) {
			set_reason(r, GATE_PASS, NULL);
		} else if (t == EXPR_UNKNOWN) {
			set_reason(r, GATE_FAIL,
				   "the value is unknown (a NaN, or a "
				   "division by zero)");
		} else {
			set_reason(r, GATE_FAIL, "the condition is false");
		}
		if (r->status == GATE_FAIL)
			failed++;
		strbuf_release(&ev.missing);
		strbuf_release(&ev.skipped);
	}
	return failed;
}

const char *gate_status_name(enum gate_status s)
{
	switch (s) {
	case GATE_PASS:
		return "pass";
	case GATE_FAIL:
		return "fail";
	default:
		return "skipped";
	}
}

cJSON *gate_json(const struct gate *g)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < g->nr; i++) {
		const struct gate_rule *r = &g->rules[i];
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "rule", r->text);
		cJSON_AddStringToObject(o, "source", r->source);
		cJSON_AddStringToObject(o, "status",
					gate_status_name(r->status));
		if (r->reason)
			cJSON_AddStringToObject(o, "reason", r->reason);
		cJSON_AddItemToObject(o, "values",
				      r->values ? cJSON_Duplicate(r->values, 1)
						: cJSON_CreateObject());
		if (r->has_sides) {
			cJSON_AddStringToObject(o, "op", r->cmp);
			cJSON_AddItemToObject(o, "left", number_json(r->left));
			cJSON_AddItemToObject(o, "right",
					      number_json(r->right));
		}
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

void gate_release(struct gate *g)
{
	size_t i;

	for (i = 0; i < g->nr; i++) {
		free(g->rules[i].text);
		free(g->rules[i].source);
		free(g->rules[i].reason);
		expr_free(g->rules[i].e);
		cJSON_Delete(g->rules[i].values);
	}
	free(g->rules);
	memset(g, 0, sizeof(*g));
}
