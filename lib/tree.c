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

struct tree_file {
	char *rel;
	char id[ODB_HEXSZ + 1];
	int exec;
	int64_t size;
};

static int cmp_tree(const void *a, const void *b)
{
	return strcmp(((const struct tree_file *)a)->rel,
		      ((const struct tree_file *)b)->rel);
}

/* What walk_tree does with each file: store it, or only hash it. */
struct tree_walk {
	struct repo *r;		/* store: odb_put_file() */
	tree_hash_fn hash;	/* else this */
	void *data;
	struct tree_file *files;
	size_t n, alloc;
};

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
			struct tree_file *f;

			ALLOC_GROW(w->files, w->n + 1, w->alloc);
			f = &w->files[w->n++];
			f->rel = strbuf_detach(&crel, NULL);
			f->exec = (st.st_mode & 0111) != 0;
			f->size = st.st_size;
			if (w->r)
				rc = odb_put_file(w->r, child.buf, f->id, NULL);
			else
				rc = w->hash(w->data, child.buf, &st, f->id);
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
static int build_manifest(struct tree_walk *w, const char *dir, char **text,
			  struct tree_stored *out)
{
	cJSON *m, *list;
	size_t i;
	int rc = -1;

	*text = NULL;
	if (walk_tree(w, dir, "") < 0)
		goto out;
	if (w->n)
		qsort(w->files, w->n, sizeof(*w->files), cmp_tree);
	m = cJSON_CreateObject();
	list = cJSON_CreateArray();
	cJSON_AddStringToObject(m, "format", "mlrepo-tree");
	cJSON_AddNumberToObject(m, "version", 1);
	if (out)
		out->files = xcalloc(w->n + 1, sizeof(*out->files));
	for (i = 0; i < w->n; i++) {
		cJSON *e = cJSON_CreateObject();
		struct tree_file *f = &w->files[i];

		cJSON_AddStringToObject(e, "path", f->rel);
		cJSON_AddStringToObject(e, "id", f->id);
		cJSON_AddNumberToObject(e, "size", (double)f->size);
		cJSON_AddBoolToObject(e, "executable", f->exec);
		cJSON_AddItemToArray(list, e);
		if (out) {
			out->size += f->size;
			memcpy(out->files[i], f->id, sizeof(out->files[i]));
		}
	}
	if (out)
		out->nfiles = w->n;
	cJSON_AddItemToObject(m, "entries", list);
	*text = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	rc = 0;
out:
	for (i = 0; i < w->n; i++)
		free(w->files[i].rel);
	free(w->files);
	return rc;
}

int tree_store(struct repo *r, const char *dir, struct tree_stored *out)
{
	struct tree_walk w = { r, NULL, NULL, NULL, 0, 0 };
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
	struct tree_walk w = { NULL, fn, data, NULL, 0, 0 };
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
	char *tmp = repo_path(r, "tmp/manifest-XXXXXX");
	struct strbuf text = STRBUF_INIT;
	int fd, rc = -1;

	*m = NULL;
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

