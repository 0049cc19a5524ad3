/*
 * arc.h - archives: deterministic .tar.gz out, safe reading and
 * extraction in, through libarchive (loaded with dlopen(3) by the first
 * call that needs it, so that a program that never meets an archive
 * does not pay for loading it; when it cannot be loaded, that call fails
 * with error(), exit 3).
 *
 * Writing.  Bundles and model archives must be reproducible: the same
 * content gives the same bytes, run after run and on another machine,
 * so that an archive's SHA-256 names its content.  arc_pack_fd() writes
 * a gzip-compressed POSIX pax tar ("pax restricted", as bsdtar writes:
 * plain ustar headers unless a name is longer than ustar allows) with
 *   - the entries sorted by name (strcmp order, whatever order given),
 *   - regular files only, mode 0644, or 0755 when executable,
 *   - mtime 0, uid and gid 0, no user or group names, no atime, ctime,
 *     extended attributes or ACLs,
 *   - names stored byte for byte (pax hdrcharset=BINARY), so that the
 *     locale does not change the output,
 *   - a gzip header with no timestamp and no file name, compression
 *     level 6, and no padding after the gzip trailer.
 * Byte-identical output across machines also needs the same deflate
 * implementation: zlib proper gives the same bytes everywhere, zlib-ng
 * does not.
 *
 *	struct arc_entry *e;
 *	size_t n;
 *
 *	if (arc_list_tree("model", "model", &e, &n) < 0)
 *		return -1;
 *	rc = arc_pack_fd(fd, e, n);	(fd: the caller's temporary file)
 *	arc_entries_free(e, n);
 *
 * An entry's content is either a file, read in 64 KiB pieces so that any
 * size packs in constant memory, or a buffer in memory.
 *
 * Reading.  An iterator for callers that stream entries (bundles):
 *
 *	struct arc_reader *r = arc_open(path);
 *	const char *name;
 *	int64_t size;
 *	int rc;
 *
 *	if (!r)
 *		return -1;
 *	while ((rc = arc_next(r, &name, &size)) == 1)
 *		while ((got = arc_read(r, buf, sizeof(buf))) > 0)
 *			use(name, buf, got);	(got < 0: error)
 *	arc_close(r);
 *	(rc < 0: error)
 *
 * Formats read: tar (ustar, pax, GNU, v7) and zip, each optionally
 * compressed with gzip, bzip2, xz, lzma or zstd.  The iterator returns
 * regular files only.  It refuses, with an error rather than by skipping,
 * every entry that could be dangerous to a caller that writes names to
 * disk: an absolute name, any ".." component, a symbolic or hard link
 * (links are refused outright by the iterator; arc_extract() handles the
 * safe ones), a device, fifo or socket.  Directory entries are checked
 * and then skipped silently.  Names are returned in canonical form:
 * "./a//b/" reads as "a/b".
 *
 * Extraction.  arc_extract() writes an archive under a directory and
 * refuses anything that would touch the file system outside it; see
 * below.
 *
 * Errors: every function returns -1 (or NULL) with a message naming the
 * archive and, where there is one, the entry:
 *	'evil.tar.gz': unsafe entry '../x': path leaves the target
 * A damaged or unsafe archive is bad input (error_input(), exit 2); a
 * failure to read or write files is an environment error (error(),
 * exit 3).  Allocation failures die.
 */
#ifndef MLREPO_ARC_H
#define MLREPO_ARC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One file to pack. */
struct arc_entry {
	/*
	 * Its name in the archive: relative, '/'-separated, canonical (no
	 * "." or ".." components, no empty ones, no leading or trailing
	 * '/').  Names must be unique.
	 */
	const char *name;
	/* The content: the file at `path` when set (streamed) ... */
	const char *path;
	/* ... else `len` bytes at `data`. */
	const void *data;
	size_t len;
	/*
	 * Mode 0755 instead of 0644.  For a `path` entry, an executable
	 * source (owner execute bit) gives 0755 as well.
	 */
	int executable;
};

/*
 * The libarchive library, dlopen(3)'ed by the first call (arc.c's
 * functions, and table.c for compressed input, share it); NULL with
 * error() when it cannot be loaded, then and on every later call.
 */
void *arc_libarchive(void);

struct progress;
/*
 * Report the bytes of files read by arc_pack_fd() to `p` (NULL: none)
 * until called again; the caller starts and stops the progress.
 */
void arc_set_progress(struct progress *p);

/*
 * Write `n` entries to `fd` as a deterministic .tar.gz (see the top of
 * this file).  The array is not modified (the sort is internal).  The fd
 * is neither closed nor synced; the caller writes to a temporary file and
 * renames it into place.  Returns 0, or -1 via error_input() for a bad or
 * duplicate name, via error() for a source that cannot be read or
 * changed size while being read, or a write error.
 */
int arc_pack_fd(int fd, const struct arc_entry *entries, size_t n);

/*
 * The same into the file at `path`, created or truncated (mode 0644 less
 * the umask), fsync'd and closed.  Not atomic by itself.
 */
int arc_pack_path(const char *path, const struct arc_entry *entries,
		  size_t n);

/*
 * List the regular files under `dir` as entries, sorted by name, for
 * arc_pack_fd().  An entry's name is its path relative to `dir`, under
 * `prefix` when that is neither NULL nor "" ("model" gives
 * "model/weights.bin"); `path` is the file on disk; `executable` is set
 * from the owner execute bit.  A symbolic link to a regular file inside
 * `dir` is packed as a regular file with the target's content.  Errors
 * (-1 via error_input()): a symbolic link that leads out of `dir`, is
 * dangling or names a directory, and anything that is not a regular
 * file, a directory or such a link (fifos, sockets, devices).  Empty
 * directories are not recorded.  On success the caller frees the array
 * with arc_entries_free().
 */
int arc_list_tree(const char *dir, const char *prefix, struct arc_entry **out,
		  size_t *n);

/*
 * Free an array of entries whose `name` and `path` strings were
 * allocated with malloc(3) (those of arc_list_tree()); `data` is not
 * freed.
 */
void arc_entries_free(struct arc_entry *entries, size_t n);

struct arc_reader;

/*
 * Open the archive at `path` ("-" is standard input) for reading.
 * Returns NULL via error() when it cannot be opened, via error_input()
 * when it is a directory or no archive libarchive can read.
 */
struct arc_reader *arc_open(const char *path);

/*
 * Move to the next regular file: returns 1 with its canonical name in
 * `*name` (owned by the reader, valid until the next call) and its size
 * in `*size` (-1 when the archive does not say, as zip may not); 0 at
 * the end; -1 on a damaged archive or an unsafe entry (see the top of
 * this file).  After -1 the reader can only be closed.
 */
int arc_next(struct arc_reader *r, const char **name, int64_t *size);

/*
 * Read up to `n` bytes of the current entry's content.  Returns the
 * number read, 0 at the end of the entry (or before the first
 * arc_next()), -1 on a damaged archive.
 */
ssize_t arc_read(struct arc_reader *r, void *buf, size_t n);

/* Close the archive and free the reader.  NULL is allowed. */
void arc_close(struct arc_reader *r);

/*
 * Extract the archive at `path` ("-": standard input) into `destdir`, an
 * existing directory (ideally a fresh temporary one).  Regular files,
 * directories, symbolic links and hard links are written; each entry is
 * checked before anything is written for it, and an unsafe one stops the
 * extraction with an error naming it:
 *   - an absolute name, or any ".." component ("path leaves the target");
 *   - a device, fifo or socket;
 *   - a path through a symbolic link extracted earlier;
 *   - a symbolic link whose target is absolute, climbs with ".." above
 *     `destdir`, or has ".." after a name ("a/../b"): targets may start
 *     with "../" components, at most as many as the link is deep;
 *   - a hard link whose target is not a regular file extracted earlier;
 *   - an entry that would replace an existing file (nothing is
 *     overwritten; an existing directory is reused).
 * libarchive's own guards (ARCHIVE_EXTRACT_SECURE_SYMLINKS, _NODOTDOT,
 * NO_OVERWRITE) are on as a second line.  Files get their mode from the
 * archive less the umask (no set-id bits), directories too but always
 * with rwx for the owner (so the tree can be removed), the extracting
 * user as owner, and the current time as mtime.  Entries before the refused one stay
 * written inside `destdir`: extract into a temporary directory and remove
 * it on error.  Returns 0 or -1.
 */
int arc_extract(const char *path, const char *destdir);

#endif
