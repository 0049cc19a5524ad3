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

/* One file of a tree, as its manifest lists it. */
struct tree_entry {
	char *path;			/* relative, '/'-separated; owned */
	char id[ODB_HEXSZ + 1];		/* its object */
	int64_t size;
	int executable;
};
/* Free an array of entries and their paths (NULL is fine). */
void tree_entries_free(struct tree_entry *e, size_t n);

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
 * Store several paths as one tree: a regular file as an entry named by
 * its last component, a directory's files under the directory's name
 * ("model/" gives "model/weights.bin").  Two entries of one name are
 * refused (error_input()), as are paths such as "." that name no file.
 */
int tree_store_paths(struct repo *r, const char *const *paths, size_t n,
		     struct tree_stored *out);
/*
 * Check what tree_store_paths() would refuse (a missing path, a link or
 * a device inside a directory, two entries of one name), reading no
 * file's content and storing nothing: a caller that must write nothing
 * on bad input checks first.  0, or -1 with the error tree_store_paths()
 * would give.
 */
int tree_check_paths(const char *const *paths, size_t n, int64_t *size);
/* The same for tree_store() of directory `dir`. *size (may be NULL) gets
 * the bytes either would store. */
int tree_check_dir(const char *dir, int64_t *size);
/*
 * Store the manifest of `n` entries whose objects are in the store
 * already (a run's file artifact registered as a model, an imported
 * archive's files): no file is read or copied.  Paths must be safe and
 * distinct (error_input()); the order given does not matter.
 */
int tree_store_entries(struct repo *r, const struct tree_entry *e, size_t n,
		       struct tree_stored *out);
/*
 * The entries of manifest `id`, in path order, into *out (free with
 * tree_entries_free()) and *n.  0, or -1 with error() for a missing or
 * damaged manifest (an unsafe path included).
 */
int tree_read(struct repo *r, const char *id, struct tree_entry **out,
	      size_t *n);

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
