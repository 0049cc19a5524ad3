/*
 * registry.h - the model registry (model-promote(1)): models, their
 * numbered versions, aliases that point at versions, and promotions that
 * move an alias only through the gate (gate.h); its tables are this
 * module's domain (domain.h).
 *
 * The data model follows MLflow's Model Registry:
 *   - a model is a name (names.h), created by its first version;
 *   - a version is a number, 1, 2, ..., never reused after `rm`; its
 *     files are a tree of objects (tree.h), with metrics, params, tags
 *     and lineage (the exp-log run, its experiment, the pipeline run, the
 *     git commit, the run's dataset inputs) copied from the run it was
 *     registered from, so that the version stays whole if the run goes;
 *   - an alias (`production`, `champion`) names one version of a model;
 *     `latest` is reserved and means the highest version.  Every move of
 *     an alias is an event in the journal (events.h), with the reason and
 *     the gate's results: `history` reads them back from there.  A
 *     promotion pushes the version it replaces onto the alias's stack and
 *     a rollback pops it, so repeated rollbacks walk back through the
 *     promotions; a rollback pushes nothing.  Deleting an alias leaves a
 *     row whose version is NULL (a tombstone), so that the deletion
 *     travels in bundles as any later change does.
 *
 * References: "NAME:VERSION", "NAME@ALIAS", "NAME" (the latest version).
 *
 * Objects: a version references its manifest and every file of it, as
 * owner "model:NAME:VERSION/..." (catalog.h), so gc keeps them and fsck
 * checks them.
 *
 * Functions return 0 or -1 with the error set: error_input() (exit 2) for
 * bad input (a bad name, an unknown version, a refused change), error()
 * otherwise.  Each writer is one transaction of its own unless it says
 * otherwise; none runs a subprocess inside one.
 */
#ifndef MLREPO_REGISTRY_H
#define MLREPO_REGISTRY_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "odb.h"

struct repo;
struct cJSON;
struct gate;
struct domain;

/* ---- references ----------------------------------------------------------- */

/* A reference as written. */
struct model_ref {
	char *name;
	int64_t version; /* 0: none given */
	char *alias;	 /* NULL: none given */
};
/* Parse "NAME[:VERSION|@ALIAS]" (names checked).  Release with _release. */
int registry_parse_ref(const char *text, struct model_ref *ref);
void registry_ref_release(struct model_ref *ref);
/* Check an alias name: a name, not "latest". */
int registry_check_alias(const char *alias);
/*
 * Resolve a reference to an existing version: *version gets its number.
 * "NAME" and "NAME@latest" are the highest version.  error_input() for a
 * model, version or alias that does not exist.
 */
int registry_resolve(sqlite3 *db, const struct model_ref *ref,
		     int64_t *version);

/* ---- versions ------------------------------------------------------------- */

/* A version, whole.  JSON members are owned (cJSON_Delete). */
struct model_version {
	char *name;
	int64_t version;
	char tree[ODB_HEXSZ + 1]; /* the manifest */
	int64_t size, nfiles;
	struct cJSON *metrics;	/* {"auc": 0.91, ...} */
	struct cJSON *params;	/* {"lr": "0.1", ...} */
	struct cJSON *tags;	/* {"team": "risk", ...} */
	struct cJSON *lineage;	/* run, experiment, pipeline_run, git, inputs */
	char *description, *source, *user, *host;
	int64_t created;
	struct cJSON *aliases;	/* ["production", ...] */
};
int registry_get(sqlite3 *db, const char *name, int64_t version,
		 struct model_version *out);
void registry_version_release(struct model_version *v);
/* The record `show --json` prints; the caller owns it. */
struct cJSON *registry_version_json(const struct model_version *v);

/* What `register` makes. */
struct registry_new {
	const char *name;
	/* the files: paths (one directory: its contents), or ... */
	const char *const *paths;
	size_t npaths;
	/* ... a run's artifact, RUN:ARTIFACT (no copy made) */
	const char *from_run;
	/* the run whose metrics, params and lineage it takes (NULL: none) */
	const char *run;
	const char *const *metrics; /* "KEY=VALUE", NULL-ended; win */
	const char *const *tags;    /* "KEY=VALUE", NULL-ended */
	const char *description;
	const char *source;	    /* how it came (NULL: "register") */
};
/*
 * Store the files (outside any transaction), then record the version
 * with the next number.  `run` is resolved here (a prefix; NULL with
 * $MLREPO_RUN set uses it).  *version gets the number.
 */
int registry_register(struct repo *r, sqlite3 *db, const struct registry_new *n,
		      int64_t *version);

/*
 * Record a version whose tree is stored already, with the next number,
 * in a transaction of its own (import): metrics, params, tags and
 * lineage are JSON objects (copied) or NULL.
 */
int registry_add_version(struct repo *r, sqlite3 *db, const char *name,
			 const char *tree, struct cJSON *metrics,
			 struct cJSON *params, struct cJSON *tags,
			 struct cJSON *lineage, const char *description,
			 const char *source, int64_t *version);

/* Set tags "KEY=VALUE" on a version. */
int registry_tag(sqlite3 *db, const char *name, int64_t version,
		 const char *const *kv, int n);
/* Delete a version's tag (error_input when it has none). */
int registry_tag_delete(sqlite3 *db, const char *name, int64_t version,
			const char *key);
/*
 * Delete a version: refused (error_input) while an alias points at it;
 * it leaves the aliases' rollback stacks; its objects become garbage.
 */
int registry_rm(struct repo *r, sqlite3 *db, const char *name,
		int64_t version);

/* ---- listings --------------------------------------------------------- */

struct model_info {
	const char *name;
	int64_t created, updated;
	int64_t versions, latest;
	const char *aliases; /* "production=3 staging=4", or "" */
};
/* Every model, by name; fn returns non-zero to stop. */
int registry_models(sqlite3 *db, int (*fn)(const struct model_info *m,
					   void *data),
		    void *data);
/* Does model `name` exist?  1, 0, or -1. */
int registry_model_exists(sqlite3 *db, const char *name);
/* Every version of `name`, oldest first. */
int registry_versions(sqlite3 *db, const char *name,
		      int (*fn)(const struct model_version *v, void *data),
		      void *data);

/* ---- aliases and promotion ------------------------------------------- */

/* Every alias of `name` (deleted ones left out), by name; fn as above. */
int registry_aliases(sqlite3 *db, const char *name,
		     int (*fn)(const char *alias, int64_t version, void *data),
		     void *data);
/* The version alias `alias` of `name` points at: 1 (in *version), 0 none. */
int registry_alias_get(sqlite3 *db, const char *name, const char *alias,
		       int64_t *version);

struct promote_opts {
	const char *name;
	int64_t version;
	const char *alias;
	struct gate *gate;	/* evaluated here, inside the transaction */
	int dry_run;		/* evaluate and say, change nothing */
	int force;		/* move even if the gate fails (needs reason) */
	const char *reason;
};
struct promote_result {
	int64_t from;		/* the holder before (0: none) */
	int failed;		/* rules that failed */
	int moved;		/* the alias moved (not on dry-run or failure) */
	int same;		/* the version held the alias already */
};
/*
 * Promote: in one transaction read the holder, evaluate the gate against
 * it, and when no rule fails (or with force) move the alias, push the
 * old holder onto its stack and journal "model.promote".  A gate that
 * fails is no error: 0 with res->failed set and nothing changed.
 */
int registry_promote(sqlite3 *db, const struct promote_opts *o,
		     struct promote_result *res);
/*
 * Roll `alias` back to the version it held before its last promotion
 * (the top of its stack), journaled "model.rollback".  *from and *to get
 * the versions.  error_input() when nothing is left to roll back.
 */
int registry_rollback(sqlite3 *db, const char *name, const char *alias,
		      const char *reason, int64_t *from, int64_t *to);
/* Delete an alias, journaled "model.alias.delete"; *was its version. */
int registry_alias_delete(sqlite3 *db, const char *name, const char *alias,
			  const char *reason, int64_t *was);

/*
 * Run .mlrepo/hooks/post-promote NAME ALIAS OLD NEW (OLD "" when none),
 * if it exists and is executable, in the top of the work tree, with
 * MLREPO_DIR set to the repository and MLREPO_PROMOTE_ACTION to
 * `action` ("promote", "rollback").  Returns its exit status (0 when
 * there is no hook), or -1 when it could not be run.
 */
int registry_run_hook(struct repo *r, const char *name, const char *alias,
		      int64_t from, int64_t to, const char *action);

/* One move of an alias, from the journal. */
struct alias_move {
	int64_t time;
	const char *who;
	const char *action;	/* promote, rollback, delete */
	const char *alias;
	int64_t from, to;	/* 0: none */
	const char *reason;	/* may be NULL */
	int forced;
	const struct cJSON *gate; /* the rules' results, or NULL */
};
/* Every move of `name`'s aliases (one alias: `alias`), newest first. */
int registry_history(sqlite3 *db, const char *name, const char *alias,
		     int (*fn)(const struct alias_move *m, void *data),
		     void *data);

/* ---- files ---------------------------------------------------------------- */

/*
 * The version's MODEL.json: name, version, files (path, sha256, size,
 * executable), metrics, params, tags, lineage, description, created.
 * The text is the same for the same version every time.
 */
char *registry_model_json(struct repo *r, const struct model_version *v);
/*
 * Export a version: a deterministic .tar.gz at `file` ("-": stdout) with
 * MODEL.json and the files under model/, or the same laid out in `dir`,
 * a directory that must not exist or be empty.
 */
int registry_export(struct repo *r, sqlite3 *db, const char *name,
		    int64_t version, const char *file, const char *dir);
/*
 * Import an archive export wrote: every file checked against MODEL.json
 * before anything is stored; registered as a new version of `name`
 * (NULL: MODEL.json's name).  Unsafe or inconsistent archives are
 * refused whole (error_input), nothing written.
 */
int registry_import(struct repo *r, sqlite3 *db, const char *file,
		    const char *name, int64_t *version);
/*
 * Check a version's files out under .mlrepo/checkout/NAME/VERSION (once;
 * reflinks or hard links where possible, copies as root) and return that
 * directory (the caller frees it).
 */
int registry_checkout(struct repo *r, sqlite3 *db, const char *name,
		      int64_t version, char **dir);

/* The registry's part of the catalog (domain.h). */
extern const struct domain registry_domain;

#endif
