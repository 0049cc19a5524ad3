/*
 * odb.h - the object store: immutable blobs named by the SHA-256 of their
 * content, under .mlrepo/objects/ab/cdef... (the first two hex digits name
 * the directory, the other 62 the file).
 *
 * An object's id is the SHA-256 of its uncompressed content, so
 * `sha256sum FILE` names it.  An object is stored zlib-compressed (the file
 * name ends in ".z") when compressing a sample of its start saves enough,
 * raw otherwise (already-compressed files, float weights); a raw object's
 * file is byte-for-byte the content.  Hashing uses OpenSSL's EVP SHA-256.
 *
 * Writers never lock: the content streams (constant memory) into a file in
 * .mlrepo/tmp/, which is fsync'd, made read-only and renamed into place, so
 * a reader sees all of an object or none.  Writing an object that exists
 * already only refreshes its mtime (so `mlrepo gc` will not take it while a
 * new reference to it is being recorded).
 *
 * Every function returns 0 on success and -1 on error with the reason in
 * err_msg(): error_input() (exit 2) for a bad or ambiguous id, error()
 * (exit 3) for I/O and corrupt objects.  Ids are 64 lower-case hex digits
 * and a NUL.
 */
#ifndef MLREPO_ODB_H
#define MLREPO_ODB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

struct repo;

#define ODB_HEXSZ 64

struct progress;
/*
 * Report bytes read by the hashing and storing functions to `p` (NULL:
 * none) until called again; the caller starts and stops the progress bar.
 */
void odb_set_progress(struct progress *p);

/* SHA-256 of everything readable from `fd`, or of a file. */
int odb_hash_fd(int fd, char id[ODB_HEXSZ + 1], uint64_t *size);
int odb_hash_file(const char *path, char id[ODB_HEXSZ + 1]);
/* SHA-256 of `len` bytes at `buf`. */
void odb_hash_buf(const void *buf, size_t len, char id[ODB_HEXSZ + 1]);

/*
 * Store everything readable from `fd`.  With `expect` (an id or NULL) the
 * content must hash to it, or nothing is stored.  *added (may be NULL) says
 * whether the object is new.
 */
int odb_put_fd(struct repo *r, int fd, const char *expect,
	       char id[ODB_HEXSZ + 1], int *added);
int odb_put_file(struct repo *r, const char *path, char id[ODB_HEXSZ + 1],
		 int *added);
int odb_put_buf(struct repo *r, const void *buf, size_t len,
		char id[ODB_HEXSZ + 1], int *added);

/*
 * As odb_put_fd(), reading through `fn` (which returns bytes read, 0 at the
 * end, or -1 with an error set); `compressed` says the bytes are zlib data.
 */
typedef long (*odb_read_fn)(void *ctx, void *buf, size_t n);
int odb_put_reader(struct repo *r, odb_read_fn fn, void *ctx, int compressed,
		   const char *expect, char id[ODB_HEXSZ + 1], int *added);
/* The SHA-256 of everything `fn` reads (plain bytes), storing nothing. */
int odb_hash_reader(odb_read_fn fn, void *ctx, char id[ODB_HEXSZ + 1],
		    uint64_t *size);

/* Is `s` a well-formed full id? */
int odb_valid_id(const char *s);
/*
 * If the object exists, set its mtime to now (so gc's grace period starts
 * again) and return 1; return 0 if it does not exist.
 */
int odb_freshen(struct repo *r, const char *id);
/* Does the object exist? */
int odb_has(struct repo *r, const char *id);
/*
 * The path of the stored object, or NULL if missing (no error set).
 * *compressed says whether it is the ".z" form.  The caller frees it.
 */
char *odb_find(struct repo *r, const char *id, int *compressed);
/* Resolve a unique prefix of 4 or more hex digits to a full id. */
int odb_resolve(struct repo *r, const char *prefix, char id[ODB_HEXSZ + 1]);
/*
 * Re-hash the stored object; 0 when its content matches its id, -1 with
 * error() saying what is wrong (corrupt, truncated, missing).
 */
int odb_verify(struct repo *r, const char *id);
/* Write the content to `fd` after verifying it (two passes). */
int odb_cat(struct repo *r, const char *id, int fd);

enum odb_checkout_how {
	ODB_CHECKOUT_AUTO,    /* reflink, else hardlink, else copy */
	ODB_CHECKOUT_COPY,    /* always an independent copy */
	ODB_CHECKOUT_NO_LINK  /* reflink, else copy: never the object itself */
};
enum odb_checkout_result { ODB_REFLINKED = 1, ODB_HARDLINKED, ODB_COPIED };
/*
 * Materialize the object at `dest` (replaced atomically).  Returns how it
 * was done (an odb_checkout_result), or -1.  Hardlinked files are the
 * read-only object itself: never write to them.
 */
int odb_checkout(struct repo *r, const char *id, const char *dest,
		 enum odb_checkout_how how);

/*
 * Call fn for every file under objects/: `id` is NULL for a stray file
 * that is no object (its path is given).  Stops when fn returns non-zero
 * and returns that value.
 */
typedef int (*odb_each_fn)(const char *id, const char *path, int compressed,
			   const struct stat *st, void *data);
int odb_foreach(struct repo *r, odb_each_fn fn, void *data);

#endif
