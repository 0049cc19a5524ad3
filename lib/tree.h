/*
 * tree.h - directory manifests: a directory stored in the object store as
 * one object per file plus a manifest object that lists them, as a git
 * tree does.  exp-log's directory artifacts are trees; model versions and
 * pipeline outputs will be too.
 *
 * The manifest is JSON:
 *	{"format":"mlrepo-tree","version":1,"entries":[
 *	  {"path":"sub/a.bin","id":"<64 hex>","size":12,"executable":false},
 *	  ...]}
 * with entries sorted by path (so the same directory gives the same
 * manifest id), paths relative with '/' separators, regular files only.
 *
 *  1. tree_store() writes every file under a directory and the manifest,
 *     and returns the manifest's id with the file ids (a caller records
 *     references to all of them, so gc keeps them).  Nothing references
 *     them yet: gc's grace period covers the time until the caller does.
 *  2. tree_checkout() writes a manifest's files out under a directory.
 *
 * Both return 0 or -1 with the error set: error_input() for a path that
 * cannot be stored (a symbolic link, a device), error() for I/O and for a
 * damaged manifest.
 */
#ifndef MLREPO_TREE_H
#define MLREPO_TREE_H

#include <stddef.h>
#include <stdint.h>

#include <sys/stat.h>

#include "odb.h"

struct repo;

struct tree_stored {
	char id[ODB_HEXSZ + 1];		/* the manifest */
	int64_t size;			/* the files' bytes, summed */
	char (*files)[ODB_HEXSZ + 1];	/* each file's id, in path order */
	size_t nfiles;
};

/*
 * Store the regular files under `dir` (recursively; symbolic links and
 * other files are refused) and their manifest.  Release `out` with
 * tree_stored_release().
 */
int tree_store(struct repo *r, const char *dir, struct tree_stored *out);
void tree_stored_release(struct tree_stored *s);

/*
 * The id tree_store() would give `dir`, storing nothing: each file's id
 * comes from fn(data, path, st, id) (a caller with a cache of hashes
 * saves reading files it knows), which returns 0 or -1 with the error
 * set.  *size and *nfiles (either may be NULL) get the files' bytes and
 * count.
 */
typedef int (*tree_hash_fn)(void *data, const char *path,
			    const struct stat *st, char id[ODB_HEXSZ + 1]);
int tree_hash(const char *dir, tree_hash_fn fn, void *data,
	      char id[ODB_HEXSZ + 1], int64_t *size, size_t *nfiles);

/*
 * The file ids of manifest `id` (out->files, out->nfiles; out->size their
 * bytes), as tree_store() gave them.  Release with tree_stored_release().
 * 0, or -1 with error() when the manifest is missing or damaged.
 */
int tree_list(struct repo *r, const char *id, struct tree_stored *out);
/* 1 when manifest `id` and every file it lists are in the store, else 0. */
int tree_complete(struct repo *r, const char *id);

/*
 * Write the files of manifest `id` under `dest` (created, with parents),
 * copies of the objects, executable bits restored.  A manifest entry whose
 * path is absolute or holds "." or ".." parts is refused as damage.
 */
int tree_checkout(struct repo *r, const char *id, const char *dest);
/*
 * The same, each file put in place as odb_checkout() does with `how`
 * (ODB_CHECKOUT_AUTO: reflink, else hard link, else copy); executable
 * files are always copies, since their mode is set.
 */
int tree_checkout_how(struct repo *r, const char *id, const char *dest,
		      enum odb_checkout_how how);

#endif
