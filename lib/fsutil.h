/*
 * fsutil.h - small file-system helpers: complete writes, fsync of a parent
 * directory, recursive mkdir and atomic replacement of a file.
 *
 * Every function returns 0 (or a count) on success and -1 on failure; the
 * plain ones leave errno set for the caller's message, the ones that say so
 * set an error() message themselves.
 */
#ifndef MLREPO_FSUTIL_H
#define MLREPO_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* write(2) all of `buf`, retrying short writes and EINTR.  errno on -1. */
int fs_write_all(int fd, const void *buf, size_t len);
/* read(2) up to `len` bytes, retrying EINTR and short reads until EOF. */
ssize_t fs_read_full(int fd, void *buf, size_t len);
/* fsync the directory holding `path` (best effort; errors are ignored). */
void fs_fsync_parent(const char *path);
/* fsync the directory `dir` itself (best effort). */
void fs_fsync_dir(const char *dir);
/* mkdir -p; error() on failure. */
int fs_mkdirs(const char *path, mode_t mode);
/*
 * Write `len` bytes to `path` atomically: a temporary file next to it,
 * fsync'd, renamed over `path`, and the directory fsync'd.  error() on -1.
 */
int fs_write_file_atomic(const char *path, const void *buf, size_t len,
			 mode_t mode);
/* Does `path` exist (any type)? */
int fs_exists(const char *path);
/* Is `path` a directory? */
int fs_is_dir(const char *path);
/* Remove a tree (rm -rf); error() on failure. */
int fs_remove_tree(const char *path);
/* The absolute form of `path` without resolving links; caller frees. */
char *fs_absolute(const char *path);

#endif
