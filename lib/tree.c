/* tree.c - see tree.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "err.h"
#include "fsutil.h"
#include "odb.h"
#include "repo.h"
#include "strbuf.h"
#include "tree.h"

static int cmp_tree(const void *a, const void *b)
{
	return strcmp(((const struct tree_entry *)a)->path,
		      ((const struct tree_entry *)b)->path);
}

/* What walk_tree does with each file: store it, or only hash it. */
struct tree_walk {
	struct repo *r;		/* store: odb_put_file() */
	tree_hash_fn hash;	/* else this */
	void *data;
	const char *prefix;	/* entry names start "PREFIX/" (NULL: none) */
	struct tree_entry *files;
	size_t n, alloc;
};

/* Add the regular file `path` (stat `st`) as entry `rel`. */
static int walk_file(struct tree_walk *w, const char *path, const char *rel,
		     const struct stat *st)
{
	struct tree_entry *f;

	ALLOC_GROW(w->files, w->n + 1, w->alloc);
	f = &w->files[w->n++];
	if (w->prefix) {
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "%s/%s", w->prefix, rel);
		f->path = strbuf_detach(&sb, NULL);
	} else {
		f->path = xstrdup(rel);
	}
	f->executable = (st->st_mode & 0111) != 0;
	f->size = st->st_size;
	if (w->r)
		return odb_put_file(w->r, path, f->id, NULL);
	return w->hash(w->data, path, st, f->id);
}

/* Every regular file under `dir`; symlinks and others are refused. */
static int walk_tree(struct tree_walk *w, const char *dir, const char *rel)
{
	struct strbuf path = STRBUF_INIT;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	strbuf_addf(&path, "%s%s%s", dir, *rel ? "/" : "", rel);
	d = opendir(path.buf);
	if (!d) {
		rc = error_input("cannot open '%s': %s", path.buf,
				 strerror(errno));
		strbuf_release(&path);
		return rc;
	}
	while (!rc && (de = readdir(d))) {
		struct strbuf child = STRBUF_INIT, crel = STRBUF_INIT;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addf(&crel, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		strbuf_addf(&child, "%s/%s", dir, crel.buf);
		if (lstat(child.buf, &st) < 0) {
			rc = error_input("cannot stat '%s': %s", child.buf,
					 strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk_tree(w, dir, crel.buf);
		} else if (S_ISREG(st.st_mode)) {
			rc = walk_file(w, child.buf, crel.buf, &st);
		} else {
			rc = error_input("'%s': only regular files and "
					 "directories can be artifacts",
					 child.buf);
		}
		strbuf_release(&child);
		strbuf_release(&crel);
	}
	closedir(d);
	strbuf_release(&path);
	return rc;
}

/*
 * Walk `dir` as `w` says and build its manifest: its text into *text
 * (free it) and, given `out`, the file ids and sizes.
 */
static char *manifest_text(struct tree_entry *files, size_t n,
			   struct tree_stored *out);

static int build_manifest(struct tree_walk *w, const char *dir, char **text,
			  struct tree_stored *out)
{
	int rc = -1;

	*text = NULL;
	if (dir && walk_tree(w, dir, "") < 0)
		goto out;
	if (w->n)
		qsort(w->files, w->n, sizeof(*w->files), cmp_tree);
	*text = manifest_text(w->files, w->n, out);
	rc = *text ? 0 : -1;
out:
	tree_entries_free(w->files, w->n);
	w->files = NULL;
	w->n = w->alloc = 0;
	return rc;
}

/*
 * The manifest of `n` entries sorted by path, and given `out`, their ids
 * and sizes; NULL via error_input() for a repeated or unsafe path.
 */
static int safe_rel(const char *p);
static char *manifest_text(struct tree_entry *files, size_t n,
			   struct tree_stored *out)
{
	cJSON *m, *list;
	char *text;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!safe_rel(files[i].path)) {
			error_input("'%s' is no path inside a tree",
				    files[i].path);
			return NULL;
		}
		if (i && !strcmp(files[i - 1].path, files[i].path)) {
			error_input("two files named '%s'", files[i].path);
			return NULL;
		}
	}
	m = cJSON_CreateObject();
	list = cJSON_CreateArray();
	cJSON_AddStringToObject(m, "format", "mlrepo-tree");
	cJSON_AddNumberToObject(m, "version", 1);
	if (out)
		out->files = xcalloc(n + 1, sizeof(*out->files));
	for (i = 0; i < n; i++) {
		cJSON *e = cJSON_CreateObject();
		struct tree_entry *f = &files[i];

		cJSON_AddStringToObject(e, "path", f->path);
		cJSON_AddStringToObject(e, "id", f->id);
		cJSON_AddNumberToObject(e, "size", (double)f->size);
		cJSON_AddBoolToObject(e, "executable", f->executable);
		cJSON_AddItemToArray(list, e);
		if (out) {
			out->size += f->size;
			memcpy(out->files[i], f->id, sizeof(out->files[i]));
		}
	}
	if (out)
		out->nfiles = n;
	cJSON_AddItemToObject(m, "entries", list);
	text = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return text;
}

int tree_store(struct repo *r, const char *dir, struct tree_stored *out)
{
	struct tree_walk w = { r, NULL, NULL, NULL, NULL, 0, 0 };
	char *text;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (build_manifest(&w, dir, &text, out) == 0)
		rc = odb_put_buf(r, text, strlen(text), out->id, NULL);
	free(text);
	if (rc < 0)
		tree_stored_release(out);
	return rc;
}

int tree_hash(const char *dir, tree_hash_fn fn, void *data,
	      char id[ODB_HEXSZ + 1], int64_t *size, size_t *nfiles)
{
	struct tree_walk w = { NULL, fn, data, NULL, NULL, 0, 0 };
	struct tree_stored s = { 0 };
	char *text;
	int rc = -1;

	if (build_manifest(&w, dir, &text, &s) == 0) {
		odb_hash_buf(text, strlen(text), id);
		if (size)
			*size = s.size;
		if (nfiles)
			*nfiles = s.nfiles;
		rc = 0;
	}
	free(text);
	tree_stored_release(&s);
	return rc;
}

void tree_stored_release(struct tree_stored *s)
{
	free(s->files);
	memset(s, 0, sizeof(*s));
}

/* A manifest path is safe: relative, no "." or ".." parts, no "//". */
static int safe_rel(const char *p)
{
	const char *s = p;

	if (!*p || *p == '/')
		return 0;
	while (*s) {
		const char *e = strchr(s, '/');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (!n || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n + (e ? 1 : 0);
		if (e && !*s)
			return 0;
	}
	return 1;
}

/* Read manifest `id` into *m (cJSON_Delete it): 0 or -1 (damage). */
static int read_manifest(struct repo *r, const char *id, cJSON **m)
{
	char *tmp;
	struct strbuf text = STRBUF_INIT;
	int fd, rc = -1;

	*m = NULL;
	/* a read-only repository's manifests are read through $TMPDIR */
	tmp = repo_tmp_template(r, "manifest");
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		error("cannot create '%s': %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	unlink(tmp);
	if (odb_cat(r, id, fd) < 0 || lseek(fd, 0, SEEK_SET) < 0 ||
	    strbuf_read_fd(&text, fd) < 0)
		goto out;
	*m = cJSON_Parse(text.buf);
	if (!cJSON_IsArray(cJSON_GetObjectItem(*m, "entries"))) {
		cJSON_Delete(*m);
		*m = NULL;
		error("tree manifest %.12s is damaged", id);
		goto out;
	}
	rc = 0;
out:
	close(fd);
	free(tmp);
	strbuf_release(&text);
	return rc;
}

int tree_list(struct repo *r, const char *id, struct tree_stored *out)
{
	cJSON *m, *e;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (read_manifest(r, id, &m) < 0)
		return -1;
	snprintf(out->id, sizeof(out->id), "%s", id);
	out->files = xcalloc(cJSON_GetArraySize(cJSON_GetObjectItem(m,
								     "entries")) +
				     1,
			     sizeof(*out->files));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(m, "entries"))
	{
		cJSON *fid = cJSON_GetObjectItem(e, "id");
		cJSON *size = cJSON_GetObjectItem(e, "size");

		if (!cJSON_IsString(fid) || !odb_valid_id(fid->valuestring)) {
			cJSON_Delete(m);
			tree_stored_release(out);
			return error("tree manifest %.12s has a bad entry", id);
		}
		memcpy(out->files[n++], fid->valuestring, ODB_HEXSZ + 1);
		if (cJSON_IsNumber(size))
			out->size += (int64_t)size->valuedouble;
	}
	out->nfiles = n;
	cJSON_Delete(m);
	return 0;
}

int tree_complete(struct repo *r, const char *id)
{
	struct tree_stored s;
	size_t i;
	int ok;

	if (!odb_has(r, id))
		return 0;
	if (tree_list(r, id, &s) < 0) {
		err_clear();
		return 0;
	}
	for (ok = 1, i = 0; ok && i < s.nfiles; i++)
		ok = odb_has(r, s.files[i]);
	tree_stored_release(&s);
	return ok;
}

int tree_checkout(struct repo *r, const char *manifest_id, const char *dest)
{
	return tree_checkout_how(r, manifest_id, dest, ODB_CHECKOUT_COPY);
}

int tree_checkout_how(struct repo *r, const char *manifest_id,
		      const char *dest, enum odb_checkout_how how)
{
	cJSON *m = NULL, *e;
	int rc = -1;

	if (read_manifest(r, manifest_id, &m) < 0)
		return -1;
	if (fs_mkdirs(dest, 0777) < 0)
		goto out;
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(m, "entries"))
	{
		cJSON *p = cJSON_GetObjectItem(e, "path");
		cJSON *id = cJSON_GetObjectItem(e, "id");
		struct strbuf out = STRBUF_INIT;
		char *slash;
		int exec;

		if (!cJSON_IsString(p) || !cJSON_IsString(id) ||
		    !safe_rel(p->valuestring) || !odb_valid_id(id->valuestring)) {
			error("artifact manifest %.12s has a bad entry",
			      manifest_id);
			goto out;
		}
		strbuf_addf(&out, "%s/%s", dest, p->valuestring);
		slash = strrchr(out.buf, '/');
		*slash = '\0';
		if (fs_mkdirs(out.buf, 0777) < 0) {
			strbuf_release(&out);
			goto out;
		}
		*slash = '/';
		exec = cJSON_IsTrue(cJSON_GetObjectItem(e, "executable"));
		/* a linked file is the object: its mode is not ours to change */
		if (odb_checkout(r, id->valuestring, out.buf,
				 exec ? ODB_CHECKOUT_COPY : how) < 0) {
			strbuf_release(&out);
			goto out;
		}
		if (exec)
			chmod(out.buf, 0755);
		strbuf_release(&out);
	}
	rc = 0;
out:
	cJSON_Delete(m);
	return rc;
}


void tree_entries_free(struct tree_entry *e, size_t n)
{
	size_t i;

	for (i = 0; e && i < n; i++)
		free(e[i].path);
	free(e);
}

/* The last component of `path`, trailing slashes ignored; a new string. */
static char *base_name(const char *path)
{
	size_t len = strlen(path);
	const char *s;

	while (len > 1 && path[len - 1] == '/')
		len--;
	for (s = path + len; s > path && s[-1] != '/'; s--)
		;
	return xstrndup(s, len - (size_t)(s - path));
}

/* A file's id left unknown: only the shape of a tree is checked. */
static int no_hash(void *data, const char *path, const struct stat *st,
		   char id[ODB_HEXSZ + 1])
{
	(void)data;
	(void)path;
	(void)st;
	memset(id, '0', ODB_HEXSZ);
	id[ODB_HEXSZ] = '\0';
	return 0;
}

/*
 * Walk `paths` as tree_store_paths() does, storing files when w->r is
 * set, and build the manifest's text into *text (and `out`).
 */
static int walk_paths(struct tree_walk *w, const char *const *paths,
		      size_t n, char **text, struct tree_stored *out)
{
	size_t i;
	int rc = 0;

	*text = NULL;
	for (i = 0; !rc && i < n; i++) {
		char *base = base_name(paths[i]);
		struct stat st;

		if (!strcmp(base, ".") || !strcmp(base, "..") || !*base ||
		    !strcmp(base, "/"))
			rc = error_input("'%s': name the file or directory "
					 "itself", paths[i]);
		else if (stat(paths[i], &st) < 0)
			rc = error_input("cannot read '%s': %s", paths[i],
					 strerror(errno));
		else if (S_ISDIR(st.st_mode)) {
			w->prefix = base;
			rc = walk_tree(w, paths[i], "");
			w->prefix = NULL;
		} else if (S_ISREG(st.st_mode)) {
			rc = walk_file(w, paths[i], base, &st);
		} else {
			rc = error_input("'%s': only regular files and "
					 "directories can be stored",
					 paths[i]);
		}
		free(base);
	}
	if (rc) {
		tree_entries_free(w->files, w->n);
		return -1;
	}
	return build_manifest(w, NULL, text, out);
}

int tree_check_dir(const char *dir, int64_t *size)
{
	char id[ODB_HEXSZ + 1];

	return tree_hash(dir, no_hash, NULL, id, size, NULL);
}

int tree_check_paths(const char *const *paths, size_t n, int64_t *size)
{
	struct tree_walk w = { NULL, no_hash, NULL, NULL, NULL, 0, 0 };
	struct tree_stored s = { 0 };
	char *text;
	int rc = walk_paths(&w, paths, n, &text, &s);

	free(text);
	if (size)
		*size = s.size;
	tree_stored_release(&s);
	return rc;
}

int tree_store_paths(struct repo *r, const char *const *paths, size_t n,
		     struct tree_stored *out)
{
	struct tree_walk w = { r, NULL, NULL, NULL, NULL, 0, 0 };
	char *text = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = walk_paths(&w, paths, n, &text, out);
	if (rc == 0)
		rc = odb_put_buf(r, text, strlen(text), out->id, NULL);
	free(text);
	if (rc < 0)
		tree_stored_release(out);
	return rc;
}

int tree_store_entries(struct repo *r, const struct tree_entry *e, size_t n,
		       struct tree_stored *out)
{
	struct tree_entry *copy = xcalloc(n + 1, sizeof(*copy));
	char *text;
	size_t i;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		copy[i] = e[i];
		copy[i].path = xstrdup(e[i].path);
		if (!odb_valid_id(e[i].id)) {
			error_input("'%s': bad object id", e[i].path);
			goto out;
		}
	}
	if (n)
		qsort(copy, n, sizeof(*copy), cmp_tree);
	text = manifest_text(copy, n, out);
	if (text)
		rc = odb_put_buf(r, text, strlen(text), out->id, NULL);
	free(text);
	if (rc < 0)
		tree_stored_release(out);
out:
	tree_entries_free(copy, n);
	return rc;
}

int tree_read(struct repo *r, const char *id, struct tree_entry **out,
	      size_t *n)
{
	cJSON *m, *e;
	struct tree_entry *v;
	size_t k = 0;

	*out = NULL;
	*n = 0;
	if (read_manifest(r, id, &m) < 0)
		return -1;
	v = xcalloc(cJSON_GetArraySize(cJSON_GetObjectItem(m, "entries")) + 1,
		    sizeof(*v));
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(m, "entries"))
	{
		cJSON *p = cJSON_GetObjectItem(e, "path");
		cJSON *fid = cJSON_GetObjectItem(e, "id");
		cJSON *size = cJSON_GetObjectItem(e, "size");

		if (!cJSON_IsString(p) || !safe_rel(p->valuestring) ||
		    !cJSON_IsString(fid) || !odb_valid_id(fid->valuestring) ||
		    !cJSON_IsNumber(size) || size->valuedouble < 0) {
			cJSON_Delete(m);
			tree_entries_free(v, k);
			return error("tree manifest %.12s has a bad entry", id);
		}
		v[k].path = xstrdup(p->valuestring);
		memcpy(v[k].id, fid->valuestring, ODB_HEXSZ + 1);
		v[k].size = (int64_t)size->valuedouble;
		v[k].executable =
			cJSON_IsTrue(cJSON_GetObjectItem(e, "executable"));
		k++;
	}
	cJSON_Delete(m);
	*out = v;
	*n = k;
	return 0;
}
