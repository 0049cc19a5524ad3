/* arc.c - see arc.h */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "arc.h"
#include "err.h"
#include "progress.h"
#include "strbuf.h"

#define ARC_BUFSZ 65536

static struct progress *progress;

void arc_set_progress(struct progress *p)
{
	progress = p;
}

/*
 * libarchive, loaded when the first archive is read or written.  Linking
 * it would make every program that can handle archives (mlrepo for
 * bundles, model-promote for exports) load it, and with it libxml2, ICU
 * and libstdc++, at every start: some 8 ms of a command that never meets
 * an archive.  Every function called is in this list; calls read
 * la.archive_x(...).
 */
#define LA_FUNCS(X) \
	X(archive_entry_clear) \
	X(archive_entry_copy_hardlink) \
	X(archive_entry_copy_pathname) \
	X(archive_entry_filetype) \
	X(archive_entry_free) \
	X(archive_entry_hardlink) \
	X(archive_entry_new) \
	X(archive_entry_pathname) \
	X(archive_entry_pathname_utf8) \
	X(archive_entry_perm) \
	X(archive_entry_set_filetype) \
	X(archive_entry_set_gid) \
	X(archive_entry_set_mtime) \
	X(archive_entry_set_perm) \
	X(archive_entry_set_size) \
	X(archive_entry_set_uid) \
	X(archive_entry_size) \
	X(archive_entry_size_is_set) \
	X(archive_entry_symlink) \
	X(archive_errno) \
	X(archive_error_string) \
	X(archive_read_data) \
	X(archive_read_data_block) \
	X(archive_read_free) \
	X(archive_read_new) \
	X(archive_read_next_header) \
	X(archive_read_open_fd) \
	X(archive_read_support_filter_all) \
	X(archive_read_support_filter_bzip2) \
	X(archive_read_support_filter_gzip) \
	X(archive_read_support_filter_lzma) \
	X(archive_read_support_filter_xz) \
	X(archive_read_support_filter_zstd) \
	X(archive_read_support_format_tar) \
	X(archive_read_support_format_zip) \
	X(archive_write_add_filter_gzip) \
	X(archive_write_close) \
	X(archive_write_data) \
	X(archive_write_data_block) \
	X(archive_write_disk_new) \
	X(archive_write_disk_set_options) \
	X(archive_write_finish_entry) \
	X(archive_write_free) \
	X(archive_write_header) \
	X(archive_write_new) \
	X(archive_write_open_fd) \
	X(archive_write_set_bytes_in_last_block) \
	X(archive_write_set_bytes_per_block) \
	X(archive_write_set_filter_option) \
	X(archive_write_set_format_option) \
	X(archive_write_set_format_pax_restricted)

static struct {
#define LA_FIELD(f) __typeof__(f) *f;
	LA_FUNCS(LA_FIELD)
#undef LA_FIELD
} la;

void *arc_libarchive(void)
{
	static const char *const names[] = {
		"libarchive.so.13", "libarchive.so", "libarchive.13.dylib",
		"libarchive.dylib", NULL
	};
	static void *h;
	static int tried;
	int i;

	if (!tried) {
		tried = 1;
		for (i = 0; names[i] && !h; i++)
			h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
		if (!h)
			error("libarchive cannot be loaded: %s", dlerror());
	} else if (!h) {
		error("libarchive cannot be loaded");
	}
	return h;
}

/* Fill `la` once: 0, or -1 with error() saying why not. */
static int la_load(void)
{
	static int state; /* 0 not tried, 1 loaded, -1 failed */
	void *h;

	if (state)
		return state > 0 ? 0 : error("libarchive cannot be loaded");
	state = -1;
	if (!(h = arc_libarchive()))
		return -1;
#define LA_SYM(f)                                                             \
	if (!(*(void **)&la.f = dlsym(h, #f)))                                 \
		return error("libarchive has no %s", #f);
	LA_FUNCS(LA_SYM)
#undef LA_SYM
	state = 1;
	return 0;
}

/* ---- names ------------------------------------------------------------ */

/* A name for a message: control bytes as '?', at most 200 bytes. */
static const char *shown(const char *s, char buf[256])
{
	size_t i;

	for (i = 0; s[i] && i < 200; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	if (s[i]) {
		memcpy(buf + i, "...", 3);
		i += 3;
	}
	buf[i] = '\0';
	return buf;
}

/*
 * Put the canonical form of archive name `in` into `out`: no leading
 * "./", no empty or "." components, no trailing '/'.  Returns NULL, or
 * the reason the name is unsafe.  An empty result ("./") is left to the
 * caller (fine for a directory, not for a file).
 */
static const char *clean_name(const char *in, struct strbuf *out)
{
	const char *p = in;

	strbuf_reset(out);
	if (*in == '/')
		return "absolute path";
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t len = e - p;

		if (len == 2 && p[0] == '.' && p[1] == '.')
			return "path leaves the target";
		if (len && !(len == 1 && p[0] == '.')) {
			if (out->len)
				strbuf_addch(out, '/');
			strbuf_add(out, p, len);
		}
		p = *e ? e + 1 : e;
	}
	return NULL;
}

/* ---- writing ---------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	const struct arc_entry *x = *(const struct arc_entry *const *)a;
	const struct arc_entry *y = *(const struct arc_entry *const *)b;

	return strcmp(x->name, y->name);
}

static int cmp_entry_value(const void *a, const void *b)
{
	return strcmp(((const struct arc_entry *)a)->name,
		      ((const struct arc_entry *)b)->name);
}

static int write_fail(struct archive *a)
{
	const char *m = la.archive_error_string(a);
	int e = la.archive_errno(a);

	if (!m)
		return error("cannot write archive: %s",
			     e > 0 ? strerror(e) : "unknown error");
	if (e > 0 && !strstr(m, strerror(e)))
		return error("cannot write archive: %s: %s", m, strerror(e));
	return error("cannot write archive: %s", m);
}

/* Write all of `len` bytes of the current entry's data. */
static int write_all(struct archive *a, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		la_ssize_t w = la.archive_write_data(a, p, len);

		if (w <= 0)
			return write_fail(a);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int pack_one(struct archive *a, struct archive_entry *ae,
		    const struct arc_entry *e, char *buf)
{
	int fd = -1, exec = e->executable, ret = -1;
	int64_t size = (int64_t)e->len, done = 0;
	struct stat st;

	if (e->path) {
		fd = open(e->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return error("cannot open '%s': %s", e->path,
				     strerror(errno));
		if (fstat(fd, &st) < 0) {
			error("cannot stat '%s': %s", e->path, strerror(errno));
			goto out;
		}
		if (!S_ISREG(st.st_mode)) {
			error_input("cannot pack '%s': not a regular file",
				    e->path);
			goto out;
		}
		size = st.st_size;
		exec |= (st.st_mode & S_IXUSR) != 0;
	}

	la.archive_entry_clear(ae);
	la.archive_entry_copy_pathname(ae, e->name);
	la.archive_entry_set_filetype(ae, AE_IFREG);
	la.archive_entry_set_perm(ae, exec ? 0755 : 0644);
	la.archive_entry_set_size(ae, size);
	la.archive_entry_set_mtime(ae, 0, 0);
	la.archive_entry_set_uid(ae, 0);
	la.archive_entry_set_gid(ae, 0);
	if (la.archive_write_header(a, ae) != ARCHIVE_OK) {
		write_fail(a);
		goto out;
	}

	if (fd < 0) {
		if (e->len && write_all(a, e->data, e->len) < 0)
			goto out;
		ret = 0;
		goto out;
	}
	for (;;) {
		ssize_t got = read(fd, buf, ARC_BUFSZ);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			error("cannot read '%s': %s", e->path, strerror(errno));
			goto out;
		}
		if (!got)
			break;
		if (got > size - done) {
			error("'%s' changed while being packed (it grew)",
			      e->path);
			goto out;
		}
		if (write_all(a, buf, (size_t)got) < 0)
			goto out;
		done += got;
		progress_add(progress, (uint64_t)got);
	}
	if (done != size) {
		error("'%s' changed while being packed (it shrank)", e->path);
		goto out;
	}
	ret = 0;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int arc_pack_fd(int fd, const struct arc_entry *entries, size_t n)
{
	const struct arc_entry **order;
	struct strbuf clean = STRBUF_INIT;
	struct archive *a = NULL;
	struct archive_entry *ae = NULL;
	char nb[256], *buf = NULL;
	const char *p;
	size_t i;
	int ret = -1, binary = 0;

	if (la_load() < 0)
		return -1;
	order = xcalloc(n ? n : 1, sizeof(*order));
	for (i = 0; i < n; i++) {
		const char *why;

		order[i] = &entries[i];
		if (!entries[i].name || !*entries[i].name) {
			error_input("cannot pack an entry without a name");
			goto out;
		}
		why = clean_name(entries[i].name, &clean);
		if (!why && strcmp(clean.buf, entries[i].name))
			why = "not in canonical form";
		if (why) {
			error_input("cannot pack entry '%s': %s",
				    shown(entries[i].name, nb), why);
			goto out;
		}
		if (!entries[i].path && !entries[i].data && entries[i].len) {
			error_input("cannot pack entry '%s': no content",
				    shown(entries[i].name, nb));
			goto out;
		}
	}
	qsort(order, n, sizeof(*order), cmp_entry);
	for (i = 0; i < n && !binary; i++)
		for (p = entries[i].name; *p && !binary; p++)
			binary = (unsigned char)*p >= 0x80;
	for (i = 1; i < n; i++)
		if (!strcmp(order[i - 1]->name, order[i]->name)) {
			error_input("cannot pack entry '%s': duplicate name",
				    shown(order[i]->name, nb));
			goto out;
		}

	a = la.archive_write_new();
	ae = la.archive_entry_new();
	if (!a || !ae)
		die_oom();
	if (la.archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
	    la.archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    (binary && la.archive_write_set_format_option(a, "pax", "hdrcharset",
						       "BINARY") != ARCHIVE_OK) ||
	    la.archive_write_set_filter_option(a, "gzip", "timestamp", NULL) !=
		    ARCHIVE_OK ||
	    la.archive_write_set_filter_option(a, "gzip", "compression-level",
					    "6") != ARCHIVE_OK ||
	    la.archive_write_set_bytes_per_block(a, 10240) != ARCHIVE_OK ||
	    la.archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK) {
		write_fail(a);
		goto out;
	}
	if (la.archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		write_fail(a);
		goto out;
	}
	buf = xmalloc(ARC_BUFSZ);
	for (i = 0; i < n; i++)
		if (pack_one(a, ae, order[i], buf) < 0)
			goto out;
	if (la.archive_write_close(a) != ARCHIVE_OK) {
		write_fail(a);
		goto out;
	}
	ret = 0;
out:
	if (a)
		la.archive_write_free(a); /* after a failure: no close needed */
	la.archive_entry_free(ae);
	strbuf_release(&clean);
	free(order);
	free(buf);
	return ret;
}

int arc_pack_path(const char *path, const struct arc_entry *entries,
		  size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return error("cannot create '%s': %s", path, strerror(errno));
	if (arc_pack_fd(fd, entries, n) < 0) {
		close(fd);
		return -1;
	}
	if (fsync(fd) < 0) {
		int e = errno;

		close(fd);
		return error("cannot write '%s': %s", path, strerror(e));
	}
	if (close(fd) < 0)
		return error("cannot write '%s': %s", path, strerror(errno));
	return 0;
}

/* ---- listing a tree --------------------------------------------------- */

struct lister {
	const char *root;	/* realpath of the top directory */
	struct strbuf disk;	/* current path on disk */
	struct strbuf name;	/* current name in the archive */
	struct arc_entry *v;
	size_t n, alloc;
};

static void add_listed(struct lister *l, int exec)
{
	struct arc_entry *e;

	ALLOC_GROW(l->v, l->n + 1, l->alloc);
	e = &l->v[l->n++];
	memset(e, 0, sizeof(*e));
	e->name = xstrdup(l->name.buf);
	e->path = xstrdup(l->disk.buf);
	e->executable = exec;
}

/* Is `path` (resolved) `root` or below it? */
static int is_below(const char *root, const char *path)
{
	size_t n = strlen(root);

	if (n == 1 && root[0] == '/')
		return 1;
	return !strncmp(root, path, n) && (path[n] == '/' || !path[n]);
}

static int list_dir(struct lister *l)
{
	DIR *d = opendir(l->disk.buf);
	size_t dlen = l->disk.len, nlen = l->name.len;
	struct dirent *de;
	char nb[256];
	int ret = 0;

	if (!d)
		return error("cannot read directory '%s': %s", l->disk.buf,
			     strerror(errno));
	for (;;) {
		struct stat st;

		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				ret = error("cannot read directory '%s': %s",
					    l->disk.buf, strerror(errno));
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_setlen(&l->disk, dlen);
		strbuf_setlen(&l->name, nlen);
		strbuf_addf(&l->disk, "/%s", de->d_name);
		if (nlen)
			strbuf_addch(&l->name, '/');
		strbuf_addstr(&l->name, de->d_name);
		if (lstat(l->disk.buf, &st) < 0) {
			ret = error("cannot stat '%s': %s", l->disk.buf,
				    strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((ret = list_dir(l)) < 0)
				break;
		} else if (S_ISREG(st.st_mode)) {
			add_listed(l, (st.st_mode & S_IXUSR) != 0);
		} else if (S_ISLNK(st.st_mode)) {
			char *to = realpath(l->disk.buf, NULL);

			if (!to && errno == ENOENT) {
				ret = error_input("cannot pack '%s': symbolic "
						  "link is dangling",
						  shown(l->disk.buf, nb));
				break;
			}
			if (!to) {
				ret = error_input("cannot pack '%s': cannot "
						  "resolve the symbolic link: "
						  "%s", shown(l->disk.buf, nb),
						  strerror(errno));
				break;
			}
			if (!is_below(l->root, to)) {
				ret = error_input("cannot pack '%s': symbolic "
						  "link leads out of the tree",
						  shown(l->disk.buf, nb));
			} else if (stat(to, &st) < 0 || !S_ISREG(st.st_mode)) {
				ret = error_input("cannot pack '%s': symbolic "
						  "link to a directory or "
						  "special file",
						  shown(l->disk.buf, nb));
			} else {
				add_listed(l, (st.st_mode & S_IXUSR) != 0);
			}
			free(to);
			if (ret < 0)
				break;
		} else {
			ret = error_input("cannot pack '%s': not a regular "
					  "file", shown(l->disk.buf, nb));
			break;
		}
	}
	closedir(d);
	strbuf_setlen(&l->disk, dlen);
	strbuf_setlen(&l->name, nlen);
	return ret;
}

int arc_list_tree(const char *dir, const char *prefix, struct arc_entry **out,
		  size_t *n)
{
	struct lister l = { NULL, STRBUF_INIT, STRBUF_INIT, NULL, 0, 0 };
	struct stat st;
	char *root;
	int ret = -1;

	*out = NULL;
	*n = 0;
	if (stat(dir, &st) < 0)
		return error("cannot read directory '%s': %s", dir,
			     strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error_input("'%s' is not a directory", dir);
	root = realpath(dir, NULL);
	if (!root)
		return error("cannot resolve '%s': %s", dir, strerror(errno));
	if (prefix && *prefix) {
		const char *why = clean_name(prefix, &l.name);

		if (why || !l.name.len) {
			error_input("bad archive prefix '%s': %s", prefix,
				    why ? why : "empty");
			goto out;
		}
	}
	l.root = root;
	strbuf_addstr(&l.disk, dir);
	while (l.disk.len > 1 && l.disk.buf[l.disk.len - 1] == '/')
		strbuf_setlen(&l.disk, l.disk.len - 1);
	if (list_dir(&l) < 0) {
		arc_entries_free(l.v, l.n);
		goto out;
	}
	if (l.n) /* qsort(NULL, 0, ...) is undefined */
		qsort(l.v, l.n, sizeof(*l.v), cmp_entry_value);
	*out = l.v;
	*n = l.n;
	ret = 0;
out:
	free(root);
	strbuf_release(&l.disk);
	strbuf_release(&l.name);
	return ret;
}

void arc_entries_free(struct arc_entry *entries, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free((char *)entries[i].name);
		free((char *)entries[i].path);
	}
	free(entries);
}

/* ---- reading ---------------------------------------------------------- */

struct arc_reader {
	struct archive *a;
	int fd, own_fd;
	char *path;		/* for messages */
	struct strbuf name;	/* the current entry's canonical name */
	const char *raw;	/* its name as stored, for messages */
	int in_entry;		/* arc_read() may read */
	int failed, eof;
};

/* A libarchive failure while reading: damaged input, or an I/O error. */
static int read_fail(struct arc_reader *r)
{
	const char *m = la.archive_error_string(r->a);
	int e = la.archive_errno(r->a);
	char nb[256];

	r->failed = 1;
	if (!m)
		m = e > 0 ? strerror(e) : "damaged archive";
	if (e == EIO || e == ENOMEM || e == EACCES || e == ENOSPC)
		return error("cannot read '%s': %s", shown(r->path, nb), m);
	return error_input("'%s': %s", shown(r->path, nb), m);
}

static struct arc_reader *reader_open(const char *path)
{
	struct arc_reader *r;
	struct stat st;
	int fd = 0, own = 0;

	if (strcmp(path, "-")) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			error("cannot open '%s': %s", path, strerror(errno));
			return NULL;
		}
		own = 1;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		error_input("'%s' is a directory, not an archive", path);
		if (own)
			close(fd);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	r->fd = fd;
	r->own_fd = own;
	r->path = xstrdup(path);
	strbuf_init(&r->name, 0);
	r->a = la.archive_read_new();
	if (!r->a)
		die_oom();
	/*
	 * Named filters, not la.archive_read_support_filter_all(): that one
	 * also runs external programs (lrzip, lzop, grzip) on input that
	 * looks like theirs.
	 */
	la.archive_read_support_filter_gzip(r->a);
	la.archive_read_support_filter_bzip2(r->a);
	la.archive_read_support_filter_xz(r->a);
	la.archive_read_support_filter_lzma(r->a);
	la.archive_read_support_filter_zstd(r->a);
	la.archive_read_support_format_tar(r->a);
	la.archive_read_support_format_zip(r->a);
	if (la.archive_read_open_fd(r->a, fd, ARC_BUFSZ) != ARCHIVE_OK) {
		read_fail(r);
		arc_close(r);
		return NULL;
	}
	return r;
}

struct arc_reader *arc_open(const char *path)
{
	if (la_load() < 0)
		return NULL;
	return reader_open(path);
}

static int unsafe(struct arc_reader *r, const char *name, const char *why)
{
	char ab[256], nb[256];

	r->failed = 1;
	return error_input("'%s': unsafe entry '%s': %s", shown(r->path, ab),
			   shown(name, nb), why);
}

static const char *type_name(mode_t type)
{
	switch (type) {
	case AE_IFCHR: return "character device";
	case AE_IFBLK: return "block device";
	case AE_IFIFO: return "fifo";
	case AE_IFSOCK: return "socket";
	case AE_IFLNK: return "symbolic link";
	case AE_IFDIR: return "directory";
	case AE_IFREG: return "regular file";
	default: return "entry of unknown type";
	}
}

/*
 * Read the next header and check what every caller needs: a name that
 * stays inside the target.  Returns 1 with the header, 0 at the end, -1.
 */
static int next_header(struct arc_reader *r, struct archive_entry **ae)
{
	const char *raw, *why;
	int rc;

	r->in_entry = 0;
	if (r->failed)
		return -1; /* the first error's message stays */
	if (r->eof)
		return 0;
	rc = la.archive_read_next_header(r->a, ae);
	if (rc == ARCHIVE_EOF) {
		r->eof = 1;
		return 0;
	}
	if (rc < ARCHIVE_WARN)
		return read_fail(r);
	raw = la.archive_entry_pathname(*ae);
	if (!raw)
		raw = la.archive_entry_pathname_utf8(*ae);
	r->raw = raw ? raw : "";
	if (!raw || !*raw)
		return unsafe(r, "", "entry without a name");
	why = clean_name(raw, &r->name);
	if (why)
		return unsafe(r, raw, why);
	return 1;
}

int arc_next(struct arc_reader *r, const char **name, int64_t *size)
{
	struct archive_entry *ae;
	int rc;

	while ((rc = next_header(r, &ae)) == 1) {
		mode_t type = la.archive_entry_filetype(ae);
		const char *raw = r->raw;

		if (la.archive_entry_hardlink(ae))
			return unsafe(r, raw, "hard link (links are not "
					      "read here)");
		if (type == AE_IFDIR)
			continue;
		if (type == AE_IFLNK)
			return unsafe(r, raw, "symbolic link (links are not "
					      "read here)");
		if (type != AE_IFREG)
			return unsafe(r, raw, type_name(type));
		if (!r->name.len)
			return unsafe(r, raw, "entry without a name");
		r->in_entry = 1;
		*name = r->name.buf;
		*size = la.archive_entry_size_is_set(ae) ? la.archive_entry_size(ae)
						      : -1;
		return 1;
	}
	return rc;
}

ssize_t arc_read(struct arc_reader *r, void *buf, size_t n)
{
	la_ssize_t got;

	if (!r->in_entry || r->failed)
		return 0;
	got = la.archive_read_data(r->a, buf, n);
	if (got < 0)
		return read_fail(r);
	return got;
}

void arc_close(struct arc_reader *r)
{
	if (!r)
		return;
	if (r->a)
		la.archive_read_free(r->a);
	if (r->own_fd)
		close(r->fd);
	strbuf_release(&r->name);
	free(r->path);
	free(r);
}

/* ---- extraction ------------------------------------------------------- */

/*
 * Why a symbolic link at canonical `name` pointing to `target` could
 * lead out of the target directory, or NULL when it cannot.  The rule
 * is simple enough to hold whatever order entries come in: leading
 * ".." components climb real directories (the link's own parents,
 * which no entry can replace while they hold it), at most as many as
 * the link is deep; after the first name no ".." may follow, and each
 * name descends either into a real directory or through another link
 * that obeys the same rule.
 */
static const char *symlink_unsafe(const char *name, const char *target)
{
	const char *p = target;
	int depth = 0, up = 0, down = 0;

	for (; *name; name++)
		depth += *name == '/';
	if (!*target)
		return "symbolic link with an empty target";
	if (*target == '/')
		return "symbolic link to an absolute path";
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t len = e - p;

		if (len == 2 && p[0] == '.' && p[1] == '.') {
			if (down)
				return "symbolic link with '..' after a name";
			if (++up > depth)
				return "symbolic link leaves the target";
		} else if (len && !(len == 1 && p[0] == '.')) {
			down++;
		}
		p = *e ? e + 1 : e;
	}
	return NULL;
}

/*
 * Does any directory on the way to `rel` (below `root`) exist as a
 * symbolic link?  With `last`, the final component counts too.
 */
static int through_symlink(struct strbuf *tmp, const char *root,
			   const char *rel, int last)
{
	const char *p = rel;

	for (;;) {
		const char *e = strchrnul(p, '/');
		struct stat st;

		if (!*e && !last)
			return 0;
		strbuf_reset(tmp);
		strbuf_addf(tmp, "%s/%.*s", root, (int)(e - rel), rel);
		if (lstat(tmp->buf, &st) < 0)
			return 0; /* nothing there yet: nothing to follow */
		if (S_ISLNK(st.st_mode))
			return 1;
		if (!*e)
			return 0;
		p = e + 1;
	}
}

int arc_extract(const char *path, const char *destdir)
{
	struct arc_reader *r;
	struct archive *disk = NULL;
	struct archive_entry *ae;
	struct strbuf full = STRBUF_INIT, tmp = STRBUF_INIT,
		      link = STRBUF_INIT;
	char *root = NULL, ab[256], nb[256];
	struct stat st;
	int rc, ret = -1;

	if (la_load() < 0)
		return -1;
	if (stat(destdir, &st) < 0)
		return error("cannot extract into '%s': %s", destdir,
			     strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return error("cannot extract into '%s': not a directory",
			     destdir);
	/* No symbolic links or ".." in the prefix: SECURE_SYMLINKS checks it. */
	root = realpath(destdir, NULL);
	if (!root)
		return error("cannot resolve '%s': %s", destdir,
			     strerror(errno));
	r = reader_open(path);
	if (!r)
		goto out;
	disk = la.archive_write_disk_new();
	if (!disk)
		die_oom();
	/*
	 * Not SECURE_NOABSOLUTEPATHS: the names handed to libarchive are
	 * `root` + "/" + a checked relative name, absolute on purpose.
	 * Absolute names in the archive were refused above that.
	 */
	la.archive_write_disk_set_options(disk, ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						     ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						     ARCHIVE_EXTRACT_NO_OVERWRITE);

	while ((rc = next_header(r, &ae)) == 1) {
		const char *raw = r->raw;
		const char *hard = la.archive_entry_hardlink(ae), *why;
		mode_t type = la.archive_entry_filetype(ae);
		const void *buf;
		size_t size;
		la_int64_t off;

		if (!r->name.len) {
			if (type == AE_IFDIR)
				continue; /* "./": the target itself */
			unsafe(r, raw, "entry without a name");
			goto out;
		}
		if (!hard && type != AE_IFREG && type != AE_IFDIR &&
		    type != AE_IFLNK) {
			unsafe(r, raw, type_name(type));
			goto out;
		}
		if (through_symlink(&tmp, root, r->name.buf, 0)) {
			unsafe(r, raw, "path goes through a symbolic link");
			goto out;
		}
		if (hard) {
			why = clean_name(hard, &link);
			if (!why && !link.len)
				why = "hard link without a target";
			if (!why) {
				strbuf_reset(&tmp);
				strbuf_addf(&tmp, "%s/%s", root, link.buf);
				if (through_symlink(&full, root, link.buf, 0) ||
				    lstat(tmp.buf, &st) < 0 ||
				    !S_ISREG(st.st_mode))
					why = "hard link to something other "
					      "than a file extracted before";
			}
			if (why) {
				unsafe(r, raw, why);
				goto out;
			}
			la.archive_entry_copy_hardlink(ae, tmp.buf);
		} else if (type == AE_IFLNK) {
			const char *to = la.archive_entry_symlink(ae);

			why = symlink_unsafe(r->name.buf, to ? to : "");
			if (why) {
				char tb[256];

				strbuf_reset(&tmp);
				strbuf_addf(&tmp, "%s to '%s'", why,
					    shown(to ? to : "", tb));
				unsafe(r, raw, tmp.buf);
				goto out;
			}
		}
		strbuf_reset(&full);
		strbuf_addf(&full, "%s/%s", root, r->name.buf);
		if (type != AE_IFDIR && lstat(full.buf, &st) == 0) {
			unsafe(r, raw, "would replace an existing file");
			goto out;
		}
		la.archive_entry_copy_pathname(ae, full.buf);
		if (type == AE_IFDIR) /* so that the tree can be removed */
			la.archive_entry_set_perm(ae, la.archive_entry_perm(ae) | 0700);
		if (la.archive_write_header(disk, ae) < ARCHIVE_WARN) {
			error("'%s': cannot extract '%s': %s",
			      shown(r->path, ab), shown(r->name.buf, nb),
			      la.archive_error_string(disk));
			goto out;
		}
		for (;;) {
			rc = la.archive_read_data_block(r->a, &buf, &size, &off);
			if (rc == ARCHIVE_EOF)
				break;
			if (rc < ARCHIVE_WARN) {
				read_fail(r);
				goto out;
			}
			if (la.archive_write_data_block(disk, buf, size, off) <
			    ARCHIVE_WARN) {
				error("'%s': cannot write '%s': %s",
				      shown(r->path, ab), shown(r->name.buf, nb),
				      la.archive_error_string(disk));
				goto out;
			}
		}
		if (la.archive_write_finish_entry(disk) < ARCHIVE_WARN) {
			error("'%s': cannot write '%s': %s", shown(r->path, ab),
			      shown(r->name.buf, nb),
			      la.archive_error_string(disk));
			goto out;
		}
	}
	if (rc < 0)
		goto out;
	if (la.archive_write_close(disk) != ARCHIVE_OK) {
		error("'%s': cannot finish extracting into '%s': %s",
		      shown(r->path, ab), destdir, la.archive_error_string(disk));
		goto out;
	}
	ret = 0;
out:
	if (disk)
		la.archive_write_free(disk);
	arc_close(r);
	free(root);
	strbuf_release(&full);
	strbuf_release(&tmp);
	strbuf_release(&link);
	return ret;
}
