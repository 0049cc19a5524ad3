/*
 * model-promote - the model registry and the CI/CD gate against
 * production (model-promote(1)).  Versions, aliases, promotion and
 * archives are lib/registry*.c's, the gate lib/gate.c's.  This file
 * parses command lines and prints.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "err.h"
#include "fsutil.h"
#include "gate.h"
#include "mltime.h"
#include "names.h"
#include "num.h"
#include "opt.h"
#include "registry.h"
#include "repo.h"
#include "setup.h"
#include "strbuf.h"
#include "tabout.h"

static const struct tool tool;

static const char *const usage[] = {
	"model-promote NAME:VERSION --to ALIAS [--require RULE]... "
	"[--policy FILE] [--dry-run] [--reason TEXT] [--force --reason TEXT]",
	"model-promote [-C DIR] [--repo PATH] [-q] [-v] [--json] COMMAND "
	"[ARGS]",
	NULL
};

static const char *when(int64_t t)
{
	static char buf[MLTIME_BUFSZ];

	return t ? mltime_format(t, buf) : "-";
}

/* Parse and resolve a reference: *ref filled, *version its number. */
static int resolve(const char *text, struct model_ref *ref, int64_t *version)
{
	if (registry_parse_ref(text, ref) < 0)
		return -1;
	if (registry_resolve(the_catalog, ref, version) < 0) {
		registry_ref_release(ref);
		return -1;
	}
	return 0;
}

/* A metric value as text: the shortest that reads back the same. */
static const char *num_text(const cJSON *x, char buf[NUM_BUFSZ])
{
	if (cJSON_IsNumber(x))
		return num_format_exact(x->valuedouble, buf);
	if (cJSON_IsString(x))
		return !strcmp(x->valuestring, "NaN")	     ? "nan"
		       : !strcmp(x->valuestring, "Infinity") ? "inf"
							     : "-inf";
	return "";
}

static int print_json(cJSON *o)
{
	int rc = json_print_line(stdout, o);

	cJSON_Delete(o);
	return rc < 0 || out_flush(stdout) < 0 ? err_report() : 0;
}

/* ---- register ------------------------------------------------------------ */

static const char *const usage_register[] = {
	"model-promote register NAME PATH... [-r RUN] [-m KEY=VALUE]... "
	"[-t KEY=VALUE]... [--description TEXT]",
	"model-promote register NAME --from-run RUN:ARTIFACT [-m KEY=VALUE]...",
	NULL
};

static int cmd_register(int argc, char **argv)
{
	struct opt_list metrics = OPT_LIST_INIT, tags = OPT_LIST_INIT;
	struct registry_new n = { 0 };
	int64_t version;
	int status = 0;
	struct option opts[] = {
		OPT_STRING('r', "run", &n.run, "RUN",
			   "take metrics, params and lineage from this run "
			   "(default: $MLREPO_RUN)"),
		OPT_STRING(0, "from-run", &n.from_run, "RUN:ARTIFACT",
			   "register a run's artifact, with no copy"),
		OPT_LIST('m', "metric", &metrics, "KEY=VALUE",
			 "a metric (wins over the run's)"),
		OPT_LIST('t', "tag", &tags, "KEY=VALUE", "a tag"),
		OPT_STRING(0, "description", &n.description, "TEXT",
			   "what this version is"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_register, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (argc < 2) {
		status = opt_usage_error(usage_register, "give NAME");
		goto out;
	}
	if (argc < 3 && !n.from_run) {
		status = opt_usage_error(usage_register,
					 "give the model's files, or "
					 "--from-run RUN:ARTIFACT");
		goto out;
	}
	if (argc > 2 && n.from_run) {
		status = opt_usage_error(usage_register,
					 "give files or --from-run, not both");
		goto out;
	}
	if (names_check_free("model", argv[1], &tool) < 0) {
		status = err_report();
		goto out;
	}
	if ((status = setup_now()))
		goto out;
	n.name = argv[1];
	n.paths = (const char *const *)argv + 2;
	n.npaths = (size_t)argc - 2;
	n.metrics = (const char *const *)metrics.items;
	n.tags = (const char *const *)tags.items;
	if (registry_register(the_repo, the_catalog, &n, &version) < 0) {
		status = err_report();
		goto out;
	}
	printf("%" PRId64 "\n", version);
	if (out_flush(stdout) < 0)
		status = err_report();
out:
	opt_list_release(&metrics);
	opt_list_release(&tags);
	return status;
}

/* ---- ls ----------------------------------------------------------------- */

static const char *const usage_ls[] = { "model-promote ls [NAME] [--json]",
					NULL };

struct ls_ctx {
	struct tabout *t;	/* or, with --json, JSON Lines */
};

/* One record of JSON Lines; frees `o`. */
static int print_record(cJSON *o)
{
	int rc = json_print_line(stdout, o);

	cJSON_Delete(o);
	return rc;
}

static int ls_model(const struct model_info *m, void *data)
{
	struct ls_ctx *c = data;
	char latest[32], versions[32], created[MLTIME_BUFSZ];

	if (!c->t) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", m->name);
		cJSON_AddNumberToObject(o, "latest", (double)m->latest);
		cJSON_AddNumberToObject(o, "versions", (double)m->versions);
		cJSON_AddStringToObject(o, "aliases", m->aliases);
		cJSON_AddStringToObject(o, "created",
					mltime_format(m->created, created));
		cJSON_AddStringToObject(o, "updated", when(m->updated));
		return print_record(o);
	}
	snprintf(latest, sizeof(latest), "%" PRId64, m->latest);
	snprintf(versions, sizeof(versions), "%" PRId64, m->versions);
	{
		const char *cells[] = { m->name, m->latest ? latest : "-",
					versions, m->aliases,
					when(m->updated) };

		tabout_add(c->t, cells);
	}
	return 0;
}

static int ls_version(const struct model_version *v, void *data)
{
	struct ls_ctx *c = data;
	struct strbuf aliases = STRBUF_INIT;
	const cJSON *a, *run = cJSON_GetObjectItemCaseSensitive(v->lineage,
								"run");
	char ver[32], files[32], size[32], created[MLTIME_BUFSZ];

	if (!c->t)
		return print_record(registry_version_json(v));
	cJSON_ArrayForEach(a, v->aliases)
	{
		if (aliases.len)
			strbuf_addch(&aliases, ' ');
		strbuf_addstr(&aliases, a->valuestring);
	}
	snprintf(ver, sizeof(ver), "%" PRId64, v->version);
	snprintf(files, sizeof(files), "%" PRId64, v->nfiles);
	snprintf(size, sizeof(size), "%" PRId64, v->size);
	{
		const char *cells[] = {
			ver, mltime_format(v->created, created), aliases.buf,
			files, size,
			cJSON_IsString(run) ? run->valuestring : "-",
			v->source ? v->source : "-"
		};

		tabout_add(c->t, cells);
	}
	strbuf_release(&aliases);
	return 0;
}

static int cmd_ls(int argc, char **argv)
{
	struct ls_ctx c = { NULL };
	int status = 0, rc;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_ls, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc > 2)
		return opt_usage_error(usage_ls, "unexpected argument '%s'",
				       argv[2]);
	if (argc == 2 && names_check("model", argv[1]) < 0)
		return err_report();
	if ((status = setup_now()))
		return status;
	if (gopt.json) {
		/* JSON Lines, as every listing's --json */
	} else if (argc == 2) {
		static const char *const hdr[] = { "VERSION", "CREATED",
						   "ALIASES", "FILES", "SIZE",
						   "RUN", "SOURCE" };

		c.t = tabout_new(7, hdr);
	} else {
		static const char *const hdr[] = { "NAME", "LATEST",
						   "VERSIONS", "ALIASES",
						   "UPDATED" };

		c.t = tabout_new(5, hdr);
	}
	if (argc == 2) {
		rc = registry_model_exists(the_catalog, argv[1]);
		if (rc == 0)
			rc = error_input("no model '%s'", argv[1]);
		if (rc > 0)
			rc = registry_versions(the_catalog, argv[1],
					       ls_version, &c);
	} else {
		rc = registry_models(the_catalog, ls_model, &c);
	}
	if (rc < 0)
		status = err_report();
	else if (c.t ? tabout_print(c.t, stdout) < 0 : out_flush(stdout) < 0)
		status = err_report();
	tabout_free(c.t);
	return status;
}

/* ---- show --------------------------------------------------------------- */

static const char *const usage_show[] = { "model-promote show REF [--json]",
					  NULL };

static void print_object(const char *title, const cJSON *o, int numbers)
{
	const cJSON *x;
	char buf[NUM_BUFSZ];

	if (!cJSON_GetArraySize(o))
		return;
	printf("%s:\n", title);
	cJSON_ArrayForEach(x, o)
	{
		struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;

		tabout_add_visible(&k, x->string);
		tabout_add_visible(&v, numbers ? num_text(x, buf)
					       : cJSON_IsString(x)
						 ? x->valuestring : "");
		printf("  %-24s %s\n", k.buf, v.buf);
		strbuf_release(&k);
		strbuf_release(&v);
	}
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static int show_text(const struct model_version *v)
{
	struct tree_entry;
	const cJSON *x, *inputs;
	cJSON *files = NULL, *model;
	char *text = registry_model_json(the_repo, v);
	struct strbuf sb = STRBUF_INIT;

	if (!text)
		return -1;
	model = cJSON_Parse(text);
	free(text);
	files = cJSON_GetObjectItemCaseSensitive(model, "files");
	printf("model %s:%" PRId64 "\n", v->name, v->version);
	printf("created: %s", when(v->created));
	if (v->user)
		printf(" by %s%s%s", v->user, v->host ? "@" : "",
		       v->host ? v->host : "");
	printf("\n");
	cJSON_ArrayForEach(x, v->aliases)
	{
		if (sb.len)
			strbuf_addstr(&sb, ", ");
		strbuf_addstr(&sb, x->valuestring);
	}
	printf("aliases: %s\n", sb.len ? sb.buf : "-");
	if (v->description) {
		strbuf_reset(&sb);
		tabout_add_visible(&sb, v->description);
		printf("description: %s\n", sb.buf);
	}
	if (v->source)
		printf("source: %s\n", v->source);
	if (jstr(v->lineage, "run"))
		printf("run: %s (experiment %s)\n", jstr(v->lineage, "run"),
		       jstr(v->lineage, "experiment") ?
			       jstr(v->lineage, "experiment") : "-");
	if (jstr(v->lineage, "pipeline_run"))
		printf("pipeline run: %s\n", jstr(v->lineage, "pipeline_run"));
	if (jstr(v->lineage, "git_commit"))
		printf("git commit: %s%s\n", jstr(v->lineage, "git_commit"),
		       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			       v->lineage, "git_dirty")) ? " (dirty)" : "");
	inputs = cJSON_GetObjectItemCaseSensitive(v->lineage, "inputs");
	if (cJSON_GetArraySize(inputs)) {
		printf("inputs:\n");
		cJSON_ArrayForEach(x, inputs)
		{
			printf("  %-10s %-24s %.12s%s%s\n",
			       jstr(x, "context") ? jstr(x, "context") : "",
			       jstr(x, "name") ? jstr(x, "name") : "",
			       jstr(x, "digest") ? jstr(x, "digest") : "",
			       jstr(x, "source") ? "  " : "",
			       jstr(x, "source") ? jstr(x, "source") : "");
		}
	}
	printf("files: %" PRId64 " (%" PRId64 " bytes, tree %.12s)\n",
	       v->nfiles, v->size, v->tree);
	cJSON_ArrayForEach(x, files)
	{
		const cJSON *size = cJSON_GetObjectItemCaseSensitive(x, "size");

		strbuf_reset(&sb);
		tabout_add_visible(&sb, jstr(x, "path"));
		printf("  %s %12.0f  %s\n", jstr(x, "sha256"),
		       cJSON_IsNumber(size) ? size->valuedouble : 0, sb.buf);
	}
	print_object("metrics", v->metrics, 1);
	print_object("params", v->params, 0);
	print_object("tags", v->tags, 0);
	cJSON_Delete(model);
	strbuf_release(&sb);
	return 0;
}

static int cmd_show(int argc, char **argv)
{
	struct model_ref ref;
	struct model_version v;
	int64_t version;
	int status = 0;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_show, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_show, "give one REF");
	if ((status = setup_now()))
		return status;
	if (resolve(argv[1], &ref, &version) < 0)
		return err_report();
	if (registry_get(the_catalog, ref.name, version, &v) < 0) {
		status = err_report();
		goto out;
	}
	if (gopt.json) {
		cJSON *o = registry_version_json(&v);
		char *text = registry_model_json(the_repo, &v);
		cJSON *m = text ? cJSON_Parse(text) : NULL;

		free(text);
		if (!m) {
			cJSON_Delete(o);
			status = err_report();
		} else {
			cJSON_AddItemToObject(
				o, "files",
				cJSON_DetachItemFromObjectCaseSensitive(m,
									"files"));
			cJSON_Delete(m);
			status = print_json(o);
		}
	} else if (show_text(&v) < 0) {
		status = err_report();
	}
	registry_version_release(&v);
out:
	registry_ref_release(&ref);
	return status;
}

/* ---- history ------------------------------------------------------------ */

static const char *const usage_history[] = {
	"model-promote history NAME [--alias ALIAS] [--json]", NULL
};

static cJSON *move_json(const struct alias_move *m)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "time", when(m->time));
	cJSON_AddStringToObject(o, "who", m->who ? m->who : "");
	cJSON_AddStringToObject(o, "action", m->action);
	cJSON_AddStringToObject(o, "alias", m->alias);
	if (m->from)
		cJSON_AddNumberToObject(o, "from", (double)m->from);
	else
		cJSON_AddNullToObject(o, "from");
	if (m->to)
		cJSON_AddNumberToObject(o, "to", (double)m->to);
	else
		cJSON_AddNullToObject(o, "to");
	if (m->reason)
		cJSON_AddStringToObject(o, "reason", m->reason);
	else
		cJSON_AddNullToObject(o, "reason");
	cJSON_AddBoolToObject(o, "forced", m->forced);
	cJSON_AddItemToObject(o, "gate", m->gate ? cJSON_Duplicate(m->gate, 1)
						 : cJSON_CreateArray());
	return o;
}

static int history_one(const struct alias_move *m, void *data)
{
	struct tabout *t = data;
	char from[32] = "-", to[32] = "-", gate[64] = "-";
	struct strbuf reason = STRBUF_INIT;

	if (!t) {
		cJSON *o = move_json(m);
		int rc = json_print_line(stdout, o);

		cJSON_Delete(o);
		return rc < 0 ? -1 : 0;
	}
	if (m->from)
		snprintf(from, sizeof(from), "%" PRId64, m->from);
	if (m->to)
		snprintf(to, sizeof(to), "%" PRId64, m->to);
	if (m->gate) {
		int pass = 0, fail = 0, skip = 0;
		const cJSON *r;

		cJSON_ArrayForEach(r, m->gate)
		{
			const char *s = jstr(r, "status");

			if (!s)
				continue;
			pass += !strcmp(s, "pass");
			fail += !strcmp(s, "fail");
			skip += !strcmp(s, "skipped");
		}
		snprintf(gate, sizeof(gate), "%d pass %d fail %d skip%s", pass,
			 fail, skip, m->forced ? " FORCED" : "");
	}
	tabout_add_visible(&reason, m->reason ? m->reason : "");
	{
		const char *cells[] = { when(m->time), m->who ? m->who : "",
					m->action, m->alias, from, to, gate,
					reason.buf };

		tabout_add(t, cells);
	}
	strbuf_release(&reason);
	return 0;
}

static int cmd_history(int argc, char **argv)
{
	const char *alias = NULL;
	struct tabout *t = NULL;
	int status = 0, rc;
	struct option opts[] = {
		OPT_STRING(0, "alias", &alias, "ALIAS", "only this alias"),
		OPT_GLOBALS(), OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_history, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_history, "give one NAME");
	if (names_check("model", argv[1]) < 0 ||
	    (alias && names_check("alias", alias) < 0))
		return err_report();
	if ((status = setup_now()))
		return status;
	rc = registry_model_exists(the_catalog, argv[1]);
	if (rc <= 0) {
		if (rc == 0)
			error_input("no model '%s'", argv[1]);
		return err_report();
	}
	if (!gopt.json) {
		static const char *const hdr[] = { "TIME", "WHO", "ACTION",
						   "ALIAS", "FROM", "TO",
						   "GATE", "REASON" };

		t = tabout_new(8, hdr);
	}
	if (registry_history(the_catalog, argv[1], alias, history_one, t) < 0)
		status = err_report();
	else if (t && tabout_print(t, stdout) < 0)
		status = err_report();
	else if (!t && out_flush(stdout) < 0)
		status = err_report();
	tabout_free(t);
	return status;
}

/* ---- tag ---------------------------------------------------------------- */

static const char *const usage_tag[] = {
	"model-promote tag REF KEY=VALUE...",
	"model-promote tag REF --delete KEY", NULL
};

static int cmd_tag(int argc, char **argv)
{
	const char *del = NULL;
	struct model_ref ref;
	int64_t version;
	int status = 0, rc;
	struct option opts[] = {
		OPT_STRING(0, "delete", &del, "KEY", "delete this tag"),
		OPT_GLOBALS(), OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_tag, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc < 2 || (argc < 3 && !del) || (del && argc > 2))
		return opt_usage_error(usage_tag, "give REF and KEY=VALUE... "
						  "or --delete KEY");
	if ((status = setup_now()))
		return status;
	if (resolve(argv[1], &ref, &version) < 0)
		return err_report();
	if (del)
		rc = registry_tag_delete(the_catalog, ref.name, version, del);
	else
		rc = registry_tag(the_catalog, ref.name, version,
				  (const char *const *)argv + 2, argc - 2);
	if (rc < 0)
		status = err_report();
	registry_ref_release(&ref);
	return status;
}

/* ---- the gate ------------------------------------------------------------ */

struct gate_args {
	const char *alias, *policy, *format;
	struct opt_list require;
	int strict;
};

/* Rules from --require, --policy and the repository's config. */
static int gather_rules(struct gate *g, struct gate_args *a)
{
	int i;

	g->strict = a->strict;
	for (i = 0; i < a->require.nr; i++)
		if (gate_add(g, a->require.items[i], "--require") < 0)
			return -1;
	if (a->policy) {
		struct config cfg;
		struct strbuf src = STRBUF_INIT;
		int rc;

		memset(&cfg, 0, sizeof(cfg));
		if (!fs_exists(a->policy))
			return error_input("cannot open policy '%s': no such "
					   "file", a->policy);
		if (config_parse_file(&cfg, a->policy) < 0) {
			config_release(&cfg);
			return -1;
		}
		strbuf_addf(&src, "policy %s", a->policy);
		rc = gate_add_config(g, &cfg, a->alias, src.buf);
		strbuf_release(&src);
		config_release(&cfg);
		if (rc < 0)
			return -1;
	}
	if (gate_add_config(g, &the_repo->cfg, a->alias, "config") < 0)
		return -1;
	return 0;
}

static int check_format(const char *f)
{
	if (strcmp(f, "text") && strcmp(f, "json") && strcmp(f, "markdown"))
		return error_input("--format %s: give text, json or markdown",
				   f);
	return 0;
}

/* "auc = 0.91, current.auc = 0.9" for the names whose prefix is (not) current. */
static void values_text(struct strbuf *sb, const cJSON *values, int current,
			const char *eq)
{
	const cJSON *x;
	char buf[NUM_BUFSZ];

	cJSON_ArrayForEach(x, values)
	{
		int is_cur = !strncmp(x->string, "current.", 8);

		if (is_cur != current)
			continue;
		if (sb->len)
			strbuf_addstr(sb, ", ");
		strbuf_addf(sb, "%s%s%s", x->string, eq, num_text(x, buf));
	}
}

static void print_markdown(const struct gate *g, const char *model,
			   const char *alias, const char *holder, int failed)
{
	size_t i;

	printf("### Gate: `%s` to `@%s`\n\n", model, alias);
	printf("Compared with %s.\n\n", holder ? holder : "no current holder");
	printf("| Rule | Candidate | Current | Result |\n");
	printf("|---|---|---|---|\n");
	for (i = 0; i < g->nr; i++) {
		const struct gate_rule *r = &g->rules[i];
		struct strbuf rule = STRBUF_INIT, cand = STRBUF_INIT,
			      cur = STRBUF_INIT;
		const char *p;

		for (p = r->text; *p; p++) {
			if (*p == '|')
				strbuf_addstr(&rule, "\\|");
			else if (*p == '`' || *p == '\n')
				strbuf_addch(&rule, *p == '`' ? '\'' : ' ');
			else
				strbuf_addch(&rule, *p);
		}
		values_text(&cand, r->values, 0, " = ");
		values_text(&cur, r->values, 1, " = ");
		printf("| `%s` | %s | %s | %s%s%s |\n", rule.buf, cand.buf,
		       cur.buf,
		       r->status == GATE_PASS	? "pass"
		       : r->status == GATE_FAIL ? "**fail**"
						: "skipped",
		       r->reason ? ": " : "", r->reason ? r->reason : "");
		strbuf_release(&rule);
		strbuf_release(&cand);
		strbuf_release(&cur);
	}
	if (!g->nr)
		printf("| (no rules) | | | pass |\n");
	printf("\n**Result: %s**%s\n", failed ? "failed" : "passed",
	       failed ? " (the alias does not move)" : "");
}

static void print_text(const struct gate *g, const char *model,
		       const char *alias, const char *holder, int failed)
{
	size_t i;

	printf("gate %s -> @%s (%s)\n", model, alias,
	       holder ? holder : "no version holds it yet");
	for (i = 0; i < g->nr; i++) {
		const struct gate_rule *r = &g->rules[i];
		struct strbuf vals = STRBUF_INIT;
		char buf[NUM_BUFSZ];
		int needs = r->has_sides && !isnan(r->right) &&
			    r->status != GATE_SKIP;

		values_text(&vals, r->values, 0, "=");
		values_text(&vals, r->values, 1, "=");
		printf("%-8s %s", gate_status_name(r->status), r->text);
		if (vals.len)
			printf("   [%s", vals.buf);

		if (needs)
			printf("%sneeds %s %s", vals.len ? "; " : "   [",
			       r->cmp, num_format_exact(r->right, buf));
		if (vals.len || needs)
			printf("]");
		if (r->reason && r->status != GATE_PASS)
			printf("   (%s)", r->reason);
		printf("\n");
		strbuf_release(&vals);
	}
	if (!g->nr)
		printf("(no rules for @%s)\n", alias);
	printf("result: %s", failed ? "fail" : "pass");
	if (failed)
		printf(" (%d of %zu rules failed)", failed, g->nr);
	printf("\n");
}

static cJSON *gate_report(const struct gate *g, const char *name,
			  int64_t version, const char *alias, int64_t from,
			  int failed)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "model", name);
	cJSON_AddNumberToObject(o, "version", (double)version);
	cJSON_AddStringToObject(o, "alias", alias);
	if (from)
		cJSON_AddNumberToObject(o, "current", (double)from);
	else
		cJSON_AddNullToObject(o, "current");
	cJSON_AddBoolToObject(o, "passed", !failed);
	cJSON_AddNumberToObject(o, "failed", failed);
	cJSON_AddItemToObject(o, "rules", gate_json(g));
	return o;
}

static void report(const struct gate *g, const char *format,
		   const char *name, int64_t version, const char *alias,
		   int64_t from, int failed, cJSON *json_extra)
{
	struct strbuf model = STRBUF_INIT, holder = STRBUF_INIT;

	strbuf_addf(&model, "%s:%" PRId64, name, version);
	if (from)
		strbuf_addf(&holder, "current: %s:%" PRId64, name, from);
	if (!strcmp(format, "json")) {
		cJSON *o = gate_report(g, name, version, alias, from, failed);
		cJSON *x;

		if (json_extra)
			while ((x = json_extra->child)) {
				cJSON_DetachItemViaPointer(json_extra, x);
				cJSON_AddItemToObject(o, x->string, x);
			}
		print_json(o);
	} else if (!strcmp(format, "markdown")) {
		print_markdown(g, model.buf, alias, from ? holder.buf : NULL,
			       failed);
	} else {
		print_text(g, model.buf, alias, from ? holder.buf : NULL,
			   failed);
	}
	cJSON_Delete(json_extra);
	strbuf_release(&model);
	strbuf_release(&holder);
}

#define OPT_GATE(a)                                                           \
	OPT_STRING(0, "to", &(a)->alias, "ALIAS", "the alias to move"),       \
	OPT_LIST(0, "require", &(a)->require, "RULE",                         \
		 "a gate rule (repeatable)"),                                 \
	OPT_STRING(0, "policy", &(a)->policy, "FILE",                         \
		   "gate rules from [gate \"ALIAS\"] sections of FILE"),      \
	OPT_BOOL(0, "strict", &(a)->strict,                                   \
		 "a rule that cannot be checked fails"),                      \
	OPT_STRING(0, "format", &(a)->format, "FORMAT",                       \
		   "text, json or markdown")

static const char *const usage_check[] = {
	"model-promote check NAME:VERSION --to ALIAS [--require RULE]... "
	"[--policy FILE] [--strict] [--format text|json|markdown]",
	NULL
};

/* The check's arguments, before any repository is opened. */
static int check_args(int argc, struct gate_args *a,
		      const char *const *usage_lines)
{
	if (argc != 2)
		return opt_usage_error(usage_lines, "give one NAME:VERSION");
	if (!a->alias)
		return opt_usage_error(usage_lines, "give --to ALIAS");
	if (gopt.json && !a->format)
		a->format = "json";
	if (!a->format)
		a->format = "text";
	if (check_format(a->format) < 0 || registry_check_alias(a->alias) < 0)
		return err_report();
	return 0;
}

/*
 * Gather the rules, resolve `text` into *ref and run registry_promote()
 * with *po (its other fields set by the caller).  0 or -1; the caller
 * releases *ref (zeroed first) either way.
 */
static int run_gate(const char *text, struct gate_args *a, struct gate *g,
		    struct model_ref *ref, struct promote_opts *po,
		    struct promote_result *res)
{
	if (gather_rules(g, a) < 0 || resolve(text, ref, &po->version) < 0)
		return -1;
	po->name = ref->name;
	po->alias = a->alias;
	po->gate = g;
	return registry_promote(the_catalog, po, res);
}

static int cmd_check(int argc, char **argv)
{
	struct gate_args a = { NULL, NULL, NULL, OPT_LIST_INIT, 0 };
	struct gate g = GATE_INIT;
	struct promote_opts po = { 0 };
	struct promote_result res;
	struct model_ref ref = { NULL, 0, NULL };
	int status;
	struct option opts[] = { OPT_GATE(&a), OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_check, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if ((status = check_args(argc, &a, usage_check)) ||
	    (status = setup_now()))
		goto out;
	po.dry_run = 1;
	if (run_gate(argv[1], &a, &g, &ref, &po, &res) < 0) {
		status = err_report();
	} else {
		report(&g, a.format, ref.name, po.version, a.alias, res.from,
		       res.failed, NULL);
		status = res.failed ? 1 : 0;
	}
	registry_ref_release(&ref);
out:
	gate_release(&g);
	opt_list_release(&a.require);
	return status;
}

/* ---- promote (the verb) -------------------------------------------------- */

static void run_hook(const char *name, const char *alias, int64_t from,
		     int64_t to, const char *action)
{
	int rc = registry_run_hook(the_repo, name, alias, from, to, action);

	if (rc < 0)
		warning("post-promote hook: %s", err_msg());
	else if (rc > 0)
		warning("post-promote hook exited with status %d (the alias "
			"has moved all the same)", rc);
	err_clear();
}

static int cmd_promote(int argc, char **argv)
{
	struct gate_args a = { NULL, NULL, NULL, OPT_LIST_INIT, 0 };
	struct gate g = GATE_INIT;
	struct promote_opts po = { 0 };
	struct promote_result res;
	struct model_ref ref = { NULL, 0, NULL };
	int status;
	struct option opts[] = {
		OPT_GATE(&a),
		OPT_BOOL('n', "dry-run", &po.dry_run,
			 "run the gate, move nothing"),
		OPT_STRING(0, "reason", &po.reason, "TEXT",
			   "why (kept in the history)"),
		OPT_BOOL(0, "force", &po.force,
			 "move even if the gate fails (needs --reason)"),
		OPT_GLOBALS(),
		OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage, 0);
	if (argc < 0) {
		status = opt_exit(argc);
		goto out;
	}
	if (argc >= 2 && tool_is_subcommand(&tool, argv[1])) {
		error_input("'%s' is a command: write it first, as in "
			    "`model-promote %s ...`", argv[1], argv[1]);
		status = err_report();
		goto out;
	}
	if ((status = check_args(argc, &a, usage)))
		goto out;
	if (po.force && (!po.reason || !*po.reason)) {
		status = opt_usage_error(usage, "--force needs --reason: the "
						"history keeps why");
		goto out;
	}
	if ((status = setup_now()))
		goto out;
	if (run_gate(argv[1], &a, &g, &ref, &po, &res) < 0) {
		status = err_report();
		goto out;
	}
	if (!gopt.quiet || !strcmp(a.format, "json")) {
		cJSON *extra = cJSON_CreateObject();

		cJSON_AddBoolToObject(extra, "promoted", res.moved);
		cJSON_AddBoolToObject(extra, "dry_run", po.dry_run);
		cJSON_AddBoolToObject(extra, "forced",
				      po.force && res.failed && res.moved);
		report(&g, a.format, ref.name, po.version, a.alias, res.from,
		       res.failed, extra);
	}
	if (res.same) {
		if (!gopt.quiet)
			fprintf(stderr, "%s@%s is %s:%" PRId64 " already; "
					"nothing changed\n", ref.name, a.alias,
				ref.name, po.version);
		status = 0;
	} else if (res.failed && !po.force) {
		fprintf(stderr, "%s: gate failed: %s@%s stays %s\n",
			err_progname(), ref.name, a.alias,
			res.from ? "where it is" : "unset");
		status = 1;
	} else if (po.dry_run) {
		if (!gopt.quiet)
			fprintf(stderr, "would promote %s:%" PRId64 " to @%s\n",
				ref.name, po.version, a.alias);
		status = 0;
	} else {
		if (res.failed)
			warning("the gate failed (%d of %zu rules); promoted "
				"anyway (--force): %s", res.failed, g.nr,
				po.reason);
		if (!gopt.quiet) {
			if (res.from)
				fprintf(stderr, "%s@%s: %" PRId64 " -> %" PRId64
						"\n", ref.name, a.alias,
					res.from, po.version);
			else
				fprintf(stderr, "%s@%s: -> %" PRId64 "\n",
					ref.name, a.alias, po.version);
		}
		run_hook(ref.name, a.alias, res.from, po.version, "promote");
		status = 0;
	}
out:
	registry_ref_release(&ref);
	gate_release(&g);
	opt_list_release(&a.require);
	return status;
}

/* ---- rollback, rm, alias ------------------------------------------------- */

static const char *const usage_rollback[] = {
	"model-promote rollback NAME --alias ALIAS [--reason TEXT]",
	"model-promote rollback NAME@ALIAS [--reason TEXT]", NULL
};

static int cmd_rollback(int argc, char **argv)
{
	const char *alias = NULL, *reason = NULL;
	struct model_ref ref;
	int64_t from = 0, to = 0;
	int status = 0;
	struct option opts[] = {
		OPT_STRING(0, "alias", &alias, "ALIAS", "the alias to move back"),
		OPT_STRING(0, "reason", &reason, "TEXT",
			   "why (kept in the history)"),
		OPT_GLOBALS(), OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_rollback, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_rollback, "give one NAME");
	if (registry_parse_ref(argv[1], &ref) < 0)
		return err_report();
	if (ref.version || (ref.alias && alias)) {
		registry_ref_release(&ref);
		return opt_usage_error(usage_rollback,
				       "give NAME --alias ALIAS or NAME@ALIAS");
	}
	if (!alias)
		alias = ref.alias;
	if (!alias) {
		registry_ref_release(&ref);
		return opt_usage_error(usage_rollback, "give --alias ALIAS");
	}
	if (registry_check_alias(alias) < 0) {
		status = err_report();
		goto out;
	}
	if ((status = setup_now()))
		goto out;
	if (registry_rollback(the_catalog, ref.name, alias, reason, &from,
			      &to) < 0) {
		status = err_report();
		goto out;
	}
	if (!gopt.quiet)
		fprintf(stderr, "%s@%s: %" PRId64 " -> %" PRId64
				" (rolled back)\n", ref.name, alias, from, to);
	run_hook(ref.name, alias, from, to, "rollback");
out:
	registry_ref_release(&ref);
	return status;
}

static const char *const usage_rm[] = { "model-promote rm NAME:VERSION",
					NULL };

static int cmd_rm(int argc, char **argv)
{
	struct model_ref ref;
	int status = 0;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_rm, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_rm, "give one NAME:VERSION");
	if (registry_parse_ref(argv[1], &ref) < 0)
		return err_report();
	if (!ref.version) {
		registry_ref_release(&ref);
		return opt_usage_error(usage_rm, "give the version: "
						 "NAME:VERSION");
	}
	if ((status = setup_now()))
		goto out;
	if (registry_rm(the_repo, the_catalog, ref.name, ref.version) < 0) {
		status = err_report();
	} else {
		char *co = repo_path(the_repo, "checkout/%s/%" PRId64,
				     ref.name, ref.version);

		/* a serving checkout of it goes too */
		if (fs_is_dir(co))
			fs_remove_tree(co);
		free(co);
	}
out:
	registry_ref_release(&ref);
	return status;
}

/* `alias NAME`: each alias of the model and its version, a line each. */
static int print_alias(const char *alias, int64_t version, void *data)
{
	(void)data;
	printf("%s\t%" PRId64 "\n", alias, version);
	return 0;
}

static const char *const usage_alias[] = {
	"model-promote alias NAME[@ALIAS]",
	"model-promote alias --delete NAME@ALIAS [--reason TEXT]", NULL
};

static int cmd_alias(int argc, char **argv)
{
	const char *reason = NULL;
	int del = 0, status = 0;
	struct model_ref ref;
	int64_t was;
	struct option opts[] = {
		OPT_BOOL(0, "delete", &del, "delete the alias"),
		OPT_STRING(0, "reason", &reason, "TEXT",
			   "why (kept in the history)"),
		OPT_GLOBALS(), OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_alias, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_alias, "give one NAME@ALIAS");
	if (registry_parse_ref(argv[1], &ref) < 0)
		return err_report();
	if (ref.version || (del && !ref.alias)) {
		status = opt_usage_error(usage_alias, "give NAME@ALIAS");
		goto out;
	}
	/* reading an alias works on a read-only repository, deleting not */
	if ((status = del ? setup_repo(SETUP_CATALOG) : setup_now()))
		goto out;
	if (del) {
		if (registry_alias_delete(the_catalog, ref.name, ref.alias,
					  reason, &was) < 0)
			status = err_report();
		else if (!gopt.quiet)
			fprintf(stderr, "deleted %s@%s (was %" PRId64 ")\n",
				ref.name, ref.alias, was);
	} else if (ref.alias) {
		int64_t v;

		if (registry_resolve(the_catalog, &ref, &v) < 0)
			status = err_report();
		else
			printf("%" PRId64 "\n", v);
	} else {
		int rc = registry_model_exists(the_catalog, ref.name);

		if (rc == 0)
			rc = error_input("no model '%s'", ref.name);
		if (rc < 0 || registry_aliases(the_catalog, ref.name,
					       print_alias, NULL) < 0)
			status = err_report();
	}
out:
	registry_ref_release(&ref);
	return status;
}

/* ---- export, import, path ------------------------------------------------ */

static const char *const usage_export[] = {
	"model-promote export REF (-o FILE.tar.gz | -d DIR)", NULL
};

static int cmd_export(int argc, char **argv)
{
	const char *file = NULL, *dir = NULL;
	struct model_ref ref;
	int64_t version;
	int status = 0;
	struct option opts[] = {
		OPT_STRING('o', "output", &file, "FILE",
			   "write a .tar.gz (- for stdout)"),
		OPT_STRING('d', "directory", &dir, "DIR",
			   "lay the files out in DIR"),
		OPT_GLOBALS(), OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_export, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_export, "give one REF");
	if (!file == !dir)
		return opt_usage_error(usage_export, "give -o FILE or -d DIR");
	if ((status = setup_now()))
		return status;
	if (resolve(argv[1], &ref, &version) < 0)
		return err_report();
	if (registry_export(the_repo, the_catalog, ref.name, version, file,
			    dir) < 0)
		status = err_report();
	registry_ref_release(&ref);
	return status;
}

static const char *const usage_import[] = {
	"model-promote import FILE.tar.gz [--name NAME]", NULL
};

static int cmd_import(int argc, char **argv)
{
	const char *name = NULL;
	int64_t version;
	int status = 0;
	struct option opts[] = {
		OPT_STRING(0, "name", &name, "NAME",
			   "register under this name (default: MODEL.json's)"),
		OPT_GLOBALS(), OPT_END()
	};

	argc = opt_parse(argc, argv, opts, usage_import, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_import, "give one FILE");
	if (name && names_check_free("model", name, &tool) < 0)
		return err_report();
	if ((status = setup_now()))
		return status;
	if (registry_import(the_repo, the_catalog, argv[1], name, &version) < 0)
		return err_report();
	printf("%" PRId64 "\n", version);
	return out_flush(stdout) < 0 ? err_report() : 0;
}

static const char *const usage_path[] = { "model-promote path REF", NULL };

static int cmd_path(int argc, char **argv)
{
	struct model_ref ref;
	int64_t version;
	char *dir;
	int status = 0;
	struct option opts[] = { OPT_GLOBALS(), OPT_END() };

	argc = opt_parse(argc, argv, opts, usage_path, 0);
	if (argc < 0)
		return opt_exit(argc);
	if (argc != 2)
		return opt_usage_error(usage_path, "give one REF");
	if ((status = setup_now()))
		return status;
	if (resolve(argv[1], &ref, &version) < 0)
		return err_report();
	if (registry_checkout(the_repo, the_catalog, ref.name, version,
			      &dir) < 0) {
		status = err_report();
	} else {
		printf("%s\n", dir);
		free(dir);
		if (out_flush(stdout) < 0)
			status = err_report();
	}
	registry_ref_release(&ref);
	return status;
}

static const struct subcommand subcommands[] = {
	{ "register", cmd_register, "store files as a new model version",
	  SETUP_CATALOG },
	{ "ls", cmd_ls, "list models, or the versions of one",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "show", cmd_show, "one version: files, metrics, lineage, aliases",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "history", cmd_history, "every move of a model's aliases",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "tag", cmd_tag, "set or delete tags of a version", SETUP_CATALOG },
	{ "check", cmd_check, "run the gate without moving the alias",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "rollback", cmd_rollback, "move an alias back one promotion",
	  SETUP_CATALOG },
	{ "rm", cmd_rm, "delete a version", SETUP_CATALOG },
	{ "alias", cmd_alias, "show or delete an alias",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "export", cmd_export, "write a version as a .tar.gz or a directory",
	  SETUP_CATALOG | SETUP_READ_ONLY },
	{ "import", cmd_import, "register a version from an exported archive",
	  SETUP_CATALOG },
	{ "path", cmd_path, "check a version out for serving; print the "
			    "directory", SETUP_CATALOG },
	{ NULL, NULL, NULL, 0 }
};

static const struct tool tool = { "model-promote", usage, subcommands,
				  cmd_promote, SETUP_CATALOG };

int main(int argc, char **argv)
{
	return setup_main(&tool, argc, argv);
}
