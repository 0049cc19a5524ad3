/*
 * registry-io.c - a model version's files outside the store: MODEL.json,
 * export to a deterministic archive or a directory, import of such an
 * archive, and checkouts for serving (registry.h).
 *
 * An archive holds MODEL.json and the version's files under model/:
 *	MODEL.json
 *	model/MLmodel
 *	model/weights.bin
 * arc.c writes it sorted, with fixed times and owners, so the same
 * version exports the same bytes every time.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "arc.h"
#include "err.h"
#include "fsutil.h"
#include "mltime.h"
#include "names.h"
#include "odb.h"
#include "progress.h"
#include "registry.h"
#include "repo.h"
#include "strbuf.h"
#include "tabout.h"
#include "tree.h"

#define MODEL_JSON "MODEL.json"
#define MODEL_DIR "model/"
/* MODEL.json is small: metrics, params, a file list */
#define MODEL_JSON_MAX (64 << 20)

char *registry_model_json(struct repo *r, const struct model_version *v)
{
	struct tree_entry *e;
	size_t n, i;
	cJSON *o, *files;
	char buf[MLTIME_BUFSZ], *text;

	if (tree_read(r, v->tree, &e, &n) < 0)
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", "mlrepo-model");
	cJSON_AddNumberToObject(o, "format_version", 1);
	cJSON_AddStringToObject(o, "name", v->name);
	cJSON_AddNumberToObject(o, "version", (double)v->version);
	cJSON_AddStringToObject(o, "created", mltime_format(v->created, buf));
	if (v->description)
		cJSON_AddStringToObject(o, "description", v->description);
	files = cJSON_AddArrayToObject(o, "files");
	for (i = 0; i < n; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "path", e[i].path);
		cJSON_AddStringToObject(f, "sha256", e[i].id);
		cJSON_AddNumberToObject(f, "size", (double)e[i].size);
		cJSON_AddBoolToObject(f, "executable", e[i].executable);
		cJSON_AddItemToArray(files, f);
	}
	cJSON_AddItemToObject(o, "metrics", cJSON_Duplicate(v->metrics, 1));
	cJSON_AddItemToObject(o, "params", cJSON_Duplicate(v->params, 1));
	cJSON_AddItemToObject(o, "tags", cJSON_Duplicate(v->tags, 1));
	cJSON_AddItemToObject(o, "lineage", cJSON_Duplicate(v->lineage, 1));
	text = json_print_exact(o, 1);
	cJSON_Delete(o);
	tree_entries_free(e, n);
	return text;
}

/* How checkouts place files: never a hard link as root (root writes
 * through a 0444 file, changing the object). */
static enum odb_checkout_how link_how(void)
{
	return geteuid() == 0 ? ODB_CHECKOUT_NO_LINK : ODB_CHECKOUT_AUTO;
}

/* Write MODEL.json and model/ under `dir` (which exists). */
static int lay_out(struct repo *r, const struct model_version *v,
		   const char *text, const char *dir,
		   enum odb_checkout_how how)
{
	struct strbuf p = STRBUF_INIT;
	int rc;

	strbuf_addf(&p, "%s/%s", dir, MODEL_JSON);
	rc = fs_write_file_atomic(p.buf, text, strlen(text), 0644);
	strbuf_reset(&p);
	strbuf_addf(&p, "%s/model", dir);
	if (rc == 0)
		rc = tree_checkout_how(r, v->tree, p.buf, how);
	strbuf_release(&p);
	return rc;
}

static int export_dir(struct repo *r, const struct model_version *v,
		      const char *text, const char *dir)
{
	struct fs_atomic_dir d = FS_ATOMIC_DIR_INIT;
	mode_t mask = umask(0);
	int rc;

	umask(mask);
	if (fs_exists(dir) && !fs_is_dir(dir))
		return error_input("'%s' exists and is no directory", dir);
	if (fs_atomic_dir_begin(&d, dir, NULL, 0777 & ~mask) < 0)
		return -1;
	/* the user's copy: never linked to the store's read-only files */
	if (lay_out(r, v, text, d.tmp_path, ODB_CHECKOUT_NO_LINK) < 0) {
		fs_atomic_dir_abort(&d);
		return -1;
	}
	rc = fs_atomic_dir_commit(&d);
	if (rc == 1)
		return error_input("'%s' is not empty", dir);
	return rc;
}

static int export_file(struct repo *r, const struct model_version *v,
		       const char *text, const char *file)
{
	struct fs_atomic out = FS_ATOMIC_INIT;
	struct progress *pg = NULL;
	struct arc_entry *ents = NULL;
	struct tree_entry *e = NULL;
	struct strbuf tmp = STRBUF_INIT;
	char *tmpl;
	size_t n = 0, i;
	int rc = -1;

	/* a read-only repository exports too: its copies go to $TMPDIR */
	tmpl = repo_tmp_template(r, "export");

	/* the files, linked or reflinked out of the store where they can be */
	if (!mkdtemp(tmpl)) {
		error("cannot create '%s': %s", tmpl, strerror(errno));
		free(tmpl);
		return -1;
	}
	if (tree_read(r, v->tree, &e, &n) < 0 ||
	    tree_checkout_how(r, v->tree, tmpl, ODB_CHECKOUT_AUTO) < 0)
		goto out;
	ents = xcalloc(n + 1, sizeof(*ents));
	ents[0].name = xstrdup(MODEL_JSON);
	ents[0].data = text;
	ents[0].len = strlen(text);
	for (i = 0; i < n; i++) {
		strbuf_reset(&tmp);
		strbuf_addf(&tmp, MODEL_DIR "%s", e[i].path);
		ents[i + 1].name = strbuf_detach(&tmp, NULL);
		strbuf_addf(&tmp, "%s/%s", tmpl, e[i].path);
		ents[i + 1].path = strbuf_detach(&tmp, NULL);
		ents[i + 1].executable = e[i].executable;
	}
	pg = progress_start_bytes("exporting", (uint64_t)v->size);
	arc_set_progress(pg);
	if (!strcmp(file, "-")) {
		rc = arc_pack_fd(STDOUT_FILENO, ents, n + 1);
		goto out;
	}
	if (fs_atomic_begin(&out, file, 0644, 0) < 0)
		goto out;
	if (arc_pack_fd(out.fd, ents, n + 1) < 0) {
		fs_atomic_abort(&out);
		goto out;
	}
	rc = fs_atomic_commit(&out);
out:
	arc_set_progress(NULL);
	progress_stop(pg);
	if (ents)
		arc_entries_free(ents, n + 1);
	tree_entries_free(e, n);
	fs_remove_tree(tmpl);
	free(tmpl);
	strbuf_release(&tmp);
	return rc;
}

int registry_export(struct repo *r, sqlite3 *db, const char *name,
		    int64_t version, const char *file, const char *dir)
{
	struct model_version v;
	char *text = NULL;
	int rc = -1;

	if (registry_get(db, name, version, &v) < 0)
		return -1;
	text = registry_model_json(r, &v);
	if (text)
		rc = dir ? export_dir(r, &v, text, dir)
			 : export_file(r, &v, text, file);
	free(text);
	registry_version_release(&v);
	return rc;
}

/* ---- import ------------------------------------------------------------- */

static long arc_reader_fn(void *ctx, void *buf, size_t n)
{
	ssize_t got = arc_read(ctx, buf, n);

	return got < 0 ? -1 : (long)got;
}

/* One file of the archive, as found and as MODEL.json lists it. */
struct imp_file {
	struct tree_entry e; /* from MODEL.json */
	int seen;
};

struct import {
	const char *file;
	struct imp_file *files;
	size_t n;
	cJSON *model;
};

static int bad(const struct import *im, const char *fmt, const char *a,
	       const char *b)
{
	struct strbuf sb = STRBUF_INIT;
	int rc;

	strbuf_addf(&sb, fmt, a, b);
	rc = error_input("'%s': %s", im->file, sb.buf);
	strbuf_release(&sb);
	return rc;
}

/* Read MODEL.json out of the archive (pass 1). */
static int read_model_json(struct import *im)
{
	struct arc_reader *a = arc_open(im->file);
	struct strbuf text = STRBUF_INIT;
	const char *name;
	int64_t size;
	int rc, found = 0;

	if (!a)
		return -1;
	while ((rc = arc_next(a, &name, &size)) == 1) {
		char buf[65536];
		ssize_t got;

		if (strcmp(name, MODEL_JSON))
			continue;
		if (found++) {
			rc = bad(im, "two entries '%s'%s", MODEL_JSON, "");
			goto out;
		}
		while ((got = arc_read(a, buf, sizeof(buf))) > 0) {
			if (text.len + (size_t)got > MODEL_JSON_MAX) {
				rc = bad(im, "%s is too large%s", MODEL_JSON,
					 "");
				goto out;
			}
			strbuf_add(&text, buf, (size_t)got);
		}
		if (got < 0) {
			rc = -1;
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	if (!found) {
		rc = bad(im, "no %s: not an archive of model-promote "
			     "export%s", MODEL_JSON, "");
		goto out;
	}
	im->model = cJSON_Parse(text.buf);
	if (!cJSON_IsObject(im->model))
		rc = bad(im, "%s is not a JSON object%s", MODEL_JSON, "");
	else
		rc = 0;
out:
	arc_close(a);
	strbuf_release(&text);
	return rc;
}

/* Is `dir` a directory above `path` ("a" of "a/b")? */
static int dir_of(const char *dir, const char *path)
{
	size_t n = strlen(dir);

	return !strncmp(dir, path, n) && path[n] == '/';
}

/* Check MODEL.json's shape and take its file list. */
static int take_files(struct import *im)
{
	const cJSON *files = cJSON_GetObjectItemCaseSensitive(im->model,
							      "files");
	static const char *const objs[] = { "metrics", "params", "tags",
					    "lineage", NULL };
	const cJSON *f, *x;
	size_t i;
	int k;

	if (!cJSON_IsArray(files))
		return bad(im, "%s has no \"files\" list%s", MODEL_JSON, "");
	for (k = 0; objs[k]; k++) {
		x = cJSON_GetObjectItemCaseSensitive(im->model, objs[k]);
		if (x && !cJSON_IsObject(x))
			return bad(im, "%s: \"%s\" is not an object",
				   MODEL_JSON, objs[k]);
	}
	x = cJSON_GetObjectItemCaseSensitive(im->model, "metrics");
	cJSON_ArrayForEach(f, x)
	{
		if (!cJSON_IsNumber(f) &&
		    !(cJSON_IsString(f) &&
		      (!strcmp(f->valuestring, "NaN") ||
		       !strcmp(f->valuestring, "Infinity") ||
		       !strcmp(f->valuestring, "-Infinity"))))
			return bad(im, "%s: metric '%s' is not a number",
				   MODEL_JSON, f->string);
	}
	im->files = xcalloc((size_t)cJSON_GetArraySize(files) + 1,
			    sizeof(*im->files));
	cJSON_ArrayForEach(f, files)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(f, "path");
		const cJSON *h = cJSON_GetObjectItemCaseSensitive(f, "sha256");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(f, "size");
		struct imp_file *m = &im->files[im->n];

		if (!cJSON_IsString(p) || !cJSON_IsString(h) ||
		    !odb_valid_id(h->valuestring) || !cJSON_IsNumber(s) ||
		    !(s->valuedouble >= 0 && s->valuedouble <= 0x1p62) ||
		    s->valuedouble != (double)(int64_t)s->valuedouble)
			return bad(im, "%s: a file needs \"path\", \"sha256\" "
				       "(64 lower-case hex digits) and "
				       "\"size\" (whole bytes)%s", MODEL_JSON,
				   "");
		for (i = 0; i < im->n; i++) {
			const char *q = im->files[i].e.path;

			if (!strcmp(q, p->valuestring))
				return bad(im, "%s lists '%s' twice",
					   MODEL_JSON, p->valuestring);
			/* a tree that could never be checked out */
			if (dir_of(q, p->valuestring) ||
			    dir_of(p->valuestring, q))
				return bad(im, "%s: '%s' is a file and a "
					       "directory", MODEL_JSON,
					   strlen(q) < strlen(p->valuestring)
						   ? q : p->valuestring);
		}
		m->e.path = xstrdup(p->valuestring);
		memcpy(m->e.id, h->valuestring, ODB_HEXSZ + 1);
		m->e.size = (int64_t)s->valuedouble;
		m->e.executable = cJSON_IsTrue(
			cJSON_GetObjectItemCaseSensitive(f, "executable"));
		im->n++;
	}
	return 0;
}

static struct imp_file *find_file(struct import *im, const char *path)
{
	size_t i;

	for (i = 0; i < im->n; i++)
		if (!strcmp(im->files[i].e.path, path))
			return &im->files[i];
	return NULL;
}

/*
 * Go through the files: pass 1 only hashes each and checks it against
 * MODEL.json (and that nothing is missing or extra); pass 2 stores them,
 * each expected to hash as listed.
 */
static int walk_files(struct repo *r, struct import *im, int store)
{
	struct arc_reader *a = arc_open(im->file);
	const char *name;
	int64_t size;
	size_t i;
	int rc;

	if (!a)
		return -1;
	for (i = 0; i < im->n; i++)
		im->files[i].seen = 0;
	while ((rc = arc_next(a, &name, &size)) == 1) {
		struct imp_file *f;
		char id[ODB_HEXSZ + 1];
		uint64_t got = 0;

		if (!strcmp(name, MODEL_JSON))
			continue;
		if (strncmp(name, MODEL_DIR, strlen(MODEL_DIR)) ||
		    !(f = find_file(im, name + strlen(MODEL_DIR)))) {
			rc = bad(im, "entry '%s' is not listed in %s", name,
				 MODEL_JSON);
			break;
		}
		if (f->seen++) {
			rc = bad(im, "two entries '%s'%s", name, "");
			break;
		}
		if (store)
			rc = odb_put_reader(r, arc_reader_fn, a, 0, f->e.id, id,
					    NULL);
		else
			rc = odb_hash_reader(arc_reader_fn, a, id, &got);
		if (rc < 0)
			break;
		if (!store && (strcmp(id, f->e.id) ||
			       (int64_t)got != f->e.size)) {
			rc = bad(im, "'%s' does not match %s (checksum or "
				     "size differs)", name, MODEL_JSON);
			break;
		}
	}
	arc_close(a);
	if (rc < 0)
		return -1;
	for (i = 0; i < im->n; i++)
		if (!im->files[i].seen)
			return bad(im, "'%s' is listed in MODEL.json but not "
				       "in the archive%s", im->files[i].e.path,
				   "");
	return 0;
}

int registry_import(struct repo *r, sqlite3 *db, const char *file,
		    const char *name, int64_t *version)
{
	struct import im = { file, NULL, 0, NULL };
	struct tree_entry *ents = NULL;
	struct tree_stored ts = { 0 };
	struct strbuf src = STRBUF_INIT;
	cJSON *lineage = NULL, *from;
	const cJSON *x;
	size_t i;
	int rc = -1;

	if (!strcmp(file, "-"))
		return error_input("import reads a file twice: give a file, "
				   "not '-'");
	if (!fs_exists(file))
		return error_input("cannot open '%s': %s", file,
				   strerror(ENOENT));
	if (read_model_json(&im) < 0 || take_files(&im) < 0)
		goto out;
	if (!name) {
		x = cJSON_GetObjectItemCaseSensitive(im.model, "name");
		if (!cJSON_IsString(x)) {
			bad(&im, "%s has no \"name\"; give --name%s",
			    MODEL_JSON, "");
			goto out;
		}
		name = x->valuestring;
	}
	if (names_check("model", name) < 0 ||
	    walk_files(r, &im, 0) < 0 || walk_files(r, &im, 1) < 0)
		goto out;
	ents = xcalloc(im.n + 1, sizeof(*ents));
	for (i = 0; i < im.n; i++)
		ents[i] = im.files[i].e;
	if (tree_store_entries(r, ents, im.n, &ts) < 0) {
		err_prefix("'%s': ", file);
		goto out;
	}
	x = cJSON_GetObjectItemCaseSensitive(im.model, "lineage");
	lineage = x ? cJSON_Duplicate(x, 1) : cJSON_CreateObject();
	from = cJSON_CreateObject();
	x = cJSON_GetObjectItemCaseSensitive(im.model, "name");
	if (cJSON_IsString(x))
		cJSON_AddStringToObject(from, "name", x->valuestring);
	x = cJSON_GetObjectItemCaseSensitive(im.model, "version");
	if (cJSON_IsNumber(x))
		cJSON_AddNumberToObject(from, "version", x->valuedouble);
	x = cJSON_GetObjectItemCaseSensitive(im.model, "created");
	if (cJSON_IsString(x))
		cJSON_AddStringToObject(from, "created", x->valuestring);
	cJSON_DeleteItemFromObjectCaseSensitive(lineage, "imported_from");
	cJSON_AddItemToObject(lineage, "imported_from", from);
	x = cJSON_GetObjectItemCaseSensitive(im.model, "description");
	strbuf_addf(&src, "import:%s", file);
	rc = registry_add_version(
		r, db, name, ts.id,
		cJSON_GetObjectItemCaseSensitive(im.model, "metrics"),
		cJSON_GetObjectItemCaseSensitive(im.model, "params"),
		cJSON_GetObjectItemCaseSensitive(im.model, "tags"), lineage,
		cJSON_IsString(x) ? x->valuestring : NULL, src.buf, version);
out:
	for (i = 0; i < im.n; i++)
		free(im.files[i].e.path);
	free(im.files);
	free(ents);
	cJSON_Delete(im.model);
	cJSON_Delete(lineage);
	tree_stored_release(&ts);
	strbuf_release(&src);
	return rc;
}

/* ---- checkout --------------------------------------------------------- */

int registry_checkout(struct repo *r, sqlite3 *db, const char *name,
		      int64_t version, char **dir)
{
	struct model_version v;
	struct fs_atomic_dir d = FS_ATOMIC_DIR_INIT;
	char *parent = NULL, *path = NULL;
	int rc = -1;

	*dir = NULL;
	if (registry_get(db, name, version, &v) < 0)
		return -1;
	path = repo_path(r, "checkout/%s/%" PRId64, name, version);
	if (fs_is_dir(path)) {
		*dir = path;
		registry_version_release(&v);
		return 0;
	}
	parent = repo_path(r, "checkout/%s", name);
	if (repo_check_writable(r) < 0 || fs_mkdirs(parent, 0777) < 0 ||
	    fs_atomic_dir_begin(&d, path, NULL, 0755) < 0)
		goto out;
	if (tree_checkout_how(r, v.tree, d.tmp_path, link_how()) < 0) {
		fs_atomic_dir_abort(&d);
		goto out;
	}
	/* 1: another process checked it out first; theirs is the same */
	if (fs_atomic_dir_commit(&d) < 0)
		goto out;
	*dir = path;
	path = NULL;
	rc = 0;
out:
	free(parent);
	free(path);
	registry_version_release(&v);
	return rc;
}
