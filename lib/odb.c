/* odb.c - see odb.h */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "err.h"
#include "fsutil.h"
#include "odb.h"
#include "progress.h"
#include "repo.h"
#include "strbuf.h"

#define CHUNK (1 << 20)
#define SAMPLE (64 << 10)

static struct progress *progress;

void odb_set_progress(struct progress *p)
{
	progress = p;
}

/* ---- hashing ---------------------------------------------------------- */

struct hasher {
	EVP_MD_CTX *ctx;
};

static int hasher_init(struct hasher *h)
{
	h->ctx = EVP_MD_CTX_new();
	if (!h->ctx || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(h->ctx);
		h->ctx = NULL;
		return error("cannot start SHA-256 (OpenSSL)");
	}
	return 0;
}

static void hasher_update(struct hasher *h, const void *p, size_t n)
{
	EVP_DigestUpdate(h->ctx, p, n);
}

static void hasher_final(struct hasher *h, char id[ODB_HEXSZ + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	EVP_DigestFinal_ex(h->ctx, md, &len);
	for (i = 0; i < len && i < 32; i++) {
		id[2 * i] = hex[md[i] >> 4];
		id[2 * i + 1] = hex[md[i] & 15];
	}
	id[ODB_HEXSZ] = '\0';
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

static void hasher_abort(struct hasher *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

/* An odb_read_fn over a file descriptor (ctx points at it). */
static long read_fd(void *ctx, void *buf, size_t n)
{
	ssize_t got;

	do
		got = read(*(int *)ctx, buf, n);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return error("read error: %s", strerror(errno));
	return (long)got;
}

int odb_hash_fd(int fd, char id[ODB_HEXSZ + 1], uint64_t *size)
{
	return odb_hash_reader(read_fd, &fd, id, size);
}

int odb_hash_reader(odb_read_fn fn, void *ctx, char id[ODB_HEXSZ + 1],
		    uint64_t *size)
{
	struct hasher h;
	char *buf;
	uint64_t total = 0;

	if (hasher_init(&h) < 0)
		return -1;
	buf = xmalloc(CHUNK);
	for (;;) {
		long n = fn(ctx, buf, CHUNK);

		if (n < 0) {
			free(buf);
			hasher_abort(&h);
			return -1;
		}
		if (!n)
			break;
		hasher_update(&h, buf, (size_t)n);
		total += (uint64_t)n;
		if (progress)
			progress_add(progress, n);
	}
	free(buf);
	hasher_final(&h, id);
	if (size)
		*size = total;
	return 0;
}

/* Open a file to read whole: a directory or a missing file is bad input. */
static int open_input(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return error_input("cannot open '%s': %s", path,
				   strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return error_input("'%s' is a directory", path);
	}
	return fd;
}

int odb_hash_file(const char *path, char id[ODB_HEXSZ + 1])
{
	int fd = open_input(path);
	int rc;

	if (fd < 0)
		return -1;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	rc = odb_hash_fd(fd, id, NULL);
	if (rc < 0)
		err_prefix("'%s': ", path);
	close(fd);
	return rc;
}

void odb_hash_buf(const void *buf, size_t len, char id[ODB_HEXSZ + 1])
{
	struct hasher h;

	if (hasher_init(&h) < 0)
		die(3, "%s", err_msg());
	hasher_update(&h, buf, len);
	hasher_final(&h, id);
}

/* ---- reading a source: raw bytes, or zlib inflated ---------------------- */

struct src {
	int fd;
	odb_read_fn fn; /* or a reader callback */
	void *ctx;
	const char *buf; /* or a buffer */
	size_t buflen, bufpos;
	int zlib;
	z_stream z;
	unsigned char *in;
	int zend; /* the zlib stream has ended */
	const char *name;
};

static int src_init(struct src *s, int fd, int zlib, const char *name)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->zlib = zlib;
	s->name = name;
	if (zlib) {
		s->in = xmalloc(CHUNK);
		if (inflateInit(&s->z) != Z_OK) {
			free(s->in);
			return error("cannot start zlib");
		}
	}
	return 0;
}

static void src_release(struct src *s)
{
	if (s->zlib) {
		inflateEnd(&s->z);
		free(s->in);
	}
}

/* Read up to n bytes: >0, 0 at the end, -1 with error() set. */
/* The raw bytes of the source. */
static ssize_t src_raw(struct src *s, void *out, size_t n)
{
	if (s->fn) {
		size_t got = 0;

		while (got < n) {
			long r = s->fn(s->ctx, (char *)out + got, n - got);

			if (r < 0)
				return -1;
			if (!r)
				break;
			got += r;
		}
		return (ssize_t)got;
	}
	{
		ssize_t r = fs_read_full(s->fd, out, n);

		if (r < 0)
			error("cannot read %s: %s", s->name, strerror(errno));
		return r;
	}
}

static ssize_t src_read(struct src *s, void *out, size_t n)
{
	if (s->buf) {
		size_t left = s->buflen - s->bufpos;

		if (n > left)
			n = left;
		memcpy(out, s->buf + s->bufpos, n);
		s->bufpos += n;
		return (ssize_t)n;
	}
	if (!s->zlib) {
		if (s->fn)
			return src_raw(s, out, n);
		for (;;) {
			ssize_t r = read(s->fd, out, n);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return error("cannot read %s: %s", s->name,
					     strerror(errno));
			return r;
		}
	}
	if (s->zend)
		return 0;
	s->z.next_out = out;
	s->z.avail_out = (uInt)n;
	while (s->z.avail_out == n) {
		int zr;

		if (!s->z.avail_in) {
			ssize_t r = src_raw(s, s->in, CHUNK);

			if (r < 0)
				return -1;
			if (!r)
				return error("%s is truncated: the compressed "
					     "stream ends early", s->name);
			s->z.next_in = s->in;
			s->z.avail_in = (uInt)r;
		}
		zr = inflate(&s->z, Z_NO_FLUSH);
		if (zr == Z_STREAM_END) {
			char extra;

			s->zend = 1;
			if (s->z.avail_in || src_raw(s, &extra, 1) > 0)
				return error("%s is corrupt: data after the "
					     "compressed stream", s->name);
			break;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return error("%s is corrupt: %s", s->name,
				     s->z.msg ? s->z.msg : "bad zlib data");
	}
	return (ssize_t)(n - s->z.avail_out);
}

/* ---- writing ---------------------------------------------------------- */

/* core.compression: -1 (zlib's default), 0 (store raw) to 9; default 1. */
static int compression_level(struct repo *r)
{
	const char *v = config_get(&r->cfg, "core.compression");
	char *end;
	long l;

	if (!v)
		return 1;
	l = strtol(v, &end, 10);
	if (*end || end == v || l < -1 || l > 9)
		return 1;
	return l < 0 ? Z_DEFAULT_COMPRESSION : (int)l;
}

/* Does compressing `sample` save at least 10%? */
static int worth_compressing(const void *sample, size_t len)
{
	uLongf out_len;
	unsigned char *out;
	int rc;

	if (len < 128)
		return 0;
	out_len = compressBound(len);
	out = xmalloc(out_len);
	rc = compress2(out, &out_len, sample, len, 1);
	free(out);
	return rc == Z_OK && out_len < len - len / 10;
}

static char *object_path(struct repo *r, const char *id, int compressed)
{
	return repo_path(r, "objects/%.2s/%s%s", id, id + 2,
			 compressed ? ".z" : "");
}

char *odb_find(struct repo *r, const char *id, int *compressed)
{
	char *p = object_path(r, id, 0);

	if (!access(p, F_OK)) {
		if (compressed)
			*compressed = 0;
		return p;
	}
	free(p);
	p = object_path(r, id, 1);
	if (!access(p, F_OK)) {
		if (compressed)
			*compressed = 1;
		return p;
	}
	free(p);
	return NULL;
}

int odb_freshen(struct repo *r, const char *id)
{
	char *p = odb_find(r, id, NULL);

	if (!p)
		return 0;
	utimensat(AT_FDCWD, p, NULL, 0);
	free(p);
	return 1;
}

int odb_has(struct repo *r, const char *id)
{
	char *p = odb_find(r, id, NULL);

	free(p);
	return p != NULL;
}

int odb_valid_id(const char *s)
{
	int i;

	for (i = 0; i < ODB_HEXSZ; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return s[ODB_HEXSZ] == '\0';
}

/* Write all of `p` to the tmp file, deflating if `z` is set. */
static int sink_write(int fd, z_stream *z, unsigned char *zbuf,
		      const void *p, size_t n, int flush)
{
	if (!z)
		return fs_write_all(fd, p, n);
	z->next_in = (unsigned char *)p;
	z->avail_in = (uInt)n;
	do {
		z->next_out = zbuf;
		z->avail_out = CHUNK;
		if (deflate(z, flush) == Z_STREAM_ERROR) {
			errno = EIO;
			return -1;
		}
		if (fs_write_all(fd, zbuf, CHUNK - z->avail_out) < 0)
			return -1;
	} while (z->avail_out == 0);
	return 0;
}

static int put_src(struct repo *r, struct src *s, const char *expect,
		   char id[ODB_HEXSZ + 1], int *added)
{
	struct hasher h;
	struct fs_atomic tmp;
	char *tmpl = repo_path(r, "tmp/obj-XXXXXX");
	char *buf = NULL, *final = NULL;
	unsigned char *zbuf = NULL;
	z_stream z, *zp = NULL;
	size_t have = 0;
	int rc = -1, compress;
	ssize_t n = 0;

	if (added)
		*added = 0;
	/* made read-only at the commit; the directory ab/ made if missing */
	if (fs_atomic_begin_tmp(&tmp, tmpl, 0444, FS_ATOMIC_MKDIR) < 0) {
		free(tmpl);
		return -1;
	}
	buf = xmalloc(CHUNK);
	if (hasher_init(&h) < 0)
		goto out;
	/* the first chunk decides whether to compress */
	while (have < CHUNK && (n = src_read(s, buf + have, CHUNK - have)) > 0)
		have += n;
	if (n < 0)
		goto out_hash;
	compress = compression_level(r) != 0 &&
		   worth_compressing(buf, have < SAMPLE ? have : SAMPLE);
	if (compress) {
		memset(&z, 0, sizeof(z));
		if (deflateInit(&z, compression_level(r)) != Z_OK) {
			error("cannot start zlib");
			goto out_hash;
		}
		zp = &z;
		zbuf = xmalloc(CHUNK);
	}
	for (;;) {
		hasher_update(&h, buf, have);
		if (progress)
			progress_add(progress, have);
		if (sink_write(tmp.fd, zp, zbuf, buf, have, Z_NO_FLUSH) < 0) {
			error("cannot write '%s': %s", tmp.tmp_path,
			      strerror(errno));
			goto out_hash;
		}
		n = src_read(s, buf, CHUNK);
		if (n < 0)
			goto out_hash;
		if (!n)
			break;
		have = n;
	}
	if (zp && sink_write(tmp.fd, zp, zbuf, NULL, 0, Z_FINISH) < 0) {
		error("cannot write '%s': %s", tmp.tmp_path, strerror(errno));
		goto out_hash;
	}
	hasher_final(&h, id);
	if (expect && strcmp(expect, id)) {
		error_input("content hashes to %s, not %s", id, expect);
		goto out;
	}
	{
		char *existing = odb_find(r, id, NULL);

		if (existing) {
			/* refresh, so that gc leaves it to the new reference */
			utimensat(AT_FDCWD, existing, NULL, 0);
			free(existing);
			rc = 0;
			goto out;
		}
	}
	final = object_path(r, id, compress);
	if (fs_atomic_commit_to(&tmp, final) < 0)
		goto out;
	if (added)
		*added = 1;
	rc = 0;
	goto out;
out_hash:
	hasher_abort(&h);
out:
	fs_atomic_abort(&tmp);
	if (zp)
		deflateEnd(zp);
	free(zbuf);
	free(tmpl);
	free(buf);
	free(final);
	return rc;
}

int odb_put_fd(struct repo *r, int fd, const char *expect,
	       char id[ODB_HEXSZ + 1], int *added)
{
	struct src s;
	int rc;

	if (src_init(&s, fd, 0, "input") < 0)
		return -1;
	rc = put_src(r, &s, expect, id, added);
	src_release(&s);
	return rc;
}

int odb_put_reader(struct repo *r, odb_read_fn fn, void *ctx, int compressed,
		   const char *expect, char id[ODB_HEXSZ + 1], int *added)
{
	struct src s;
	int rc;

	if (src_init(&s, -1, compressed, "input") < 0)
		return -1;
	s.fn = fn;
	s.ctx = ctx;
	rc = put_src(r, &s, expect, id, added);
	src_release(&s);
	return rc;
}

int odb_put_file(struct repo *r, const char *path, char id[ODB_HEXSZ + 1],
		 int *added)
{
	struct src s;
	int fd = open_input(path), rc;

	if (fd < 0)
		return -1;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	src_init(&s, fd, 0, path);
	s.name = path;
	rc = put_src(r, &s, NULL, id, added);
	src_release(&s);
	close(fd);
	return rc;
}

int odb_put_buf(struct repo *r, const void *buf, size_t len,
		char id[ODB_HEXSZ + 1], int *added)
{
	struct src s;
	int rc;

	src_init(&s, -1, 0, "buffer");
	s.buf = buf;
	s.buflen = len;
	rc = put_src(r, &s, NULL, id, added);
	src_release(&s);
	return rc;
}

/* ---- reading ---------------------------------------------------------- */

static int open_object(struct repo *r, const char *id, struct src *s,
		       char **pathp)
{
	int compressed, fd;
	char *path = odb_find(r, id, &compressed);

	if (!path)
		return error("object %s is missing", id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error("cannot open '%s': %s", path, strerror(errno));
		free(path);
		return -1;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if (src_init(s, fd, compressed, "object") < 0) {
		close(fd);
		free(path);
		return -1;
	}
	*pathp = path;
	return 0;
}

static void close_object(struct src *s, char *path)
{
	close(s->fd);
	src_release(s);
	free(path);
}

/* Read the object through; hash it and/or copy it to `out` (-1: no copy). */
static int read_object(struct repo *r, const char *id, int out, int check)
{
	struct src s;
	struct hasher h;
	char *path = NULL, *buf, got[ODB_HEXSZ + 1];
	char label[96];
	int rc = -1;
	ssize_t n = 0;

	if (open_object(r, id, &s, &path) < 0)
		return -1;
	snprintf(label, sizeof(label), "object %.12s", id);
	s.name = label;
	if (check && hasher_init(&h) < 0) {
		close_object(&s, path);
		return -1;
	}
	buf = xmalloc(CHUNK);
	while ((n = src_read(&s, buf, CHUNK)) > 0) {
		if (check)
			hasher_update(&h, buf, n);
		if (out >= 0 && fs_write_all(out, buf, n) < 0) {
			error("cannot write: %s", strerror(errno));
			goto out;
		}
	}
	if (n < 0)
		goto out;
	if (check) {
		hasher_final(&h, got);
		check = 0;
		if (strcmp(got, id)) {
			error("object %s is corrupt: its content hashes to %s",
			      id, got);
			goto out;
		}
	}
	rc = 0;
out:
	if (check)
		hasher_abort(&h);
	free(buf);
	close_object(&s, path);
	return rc;
}

int odb_verify(struct repo *r, const char *id)
{
	return read_object(r, id, -1, 1);
}

int odb_cat(struct repo *r, const char *id, int fd)
{
	if (odb_verify(r, id) < 0)
		return -1;
	return read_object(r, id, fd, 0);
}

int odb_resolve(struct repo *r, const char *prefix, char id[ODB_HEXSZ + 1])
{
	char lower[ODB_HEXSZ + 1];
	size_t len = strlen(prefix), i, matches = 0;
	char *dir;
	DIR *d;
	struct dirent *de;

	if (len < 4 || len > ODB_HEXSZ)
		return error_input("not an object id: '%s' (give 4 to 64 hex "
				   "digits)", prefix);
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)prefix[i]))
			return error_input("not an object id: '%s'", prefix);
		lower[i] = (char)tolower((unsigned char)prefix[i]);
	}
	lower[len] = '\0';
	dir = repo_path(r, "objects/%.2s", lower);
	d = opendir(dir);
	free(dir);
	if (!d)
		return error_input("no object matches '%s'", prefix);
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n != ODB_HEXSZ - 2 && !(n == ODB_HEXSZ && !strcmp(de->d_name + n - 2, ".z")))
			continue;
		if (strncmp(de->d_name, lower + 2, len - 2))
			continue;
		if (matches && !strncmp(id + 2, de->d_name, ODB_HEXSZ - 2))
			continue; /* the same object in both forms */
		if (matches++)
			continue;
		memcpy(id, lower, 2);
		memcpy(id + 2, de->d_name, ODB_HEXSZ - 2);
		id[ODB_HEXSZ] = '\0';
	}
	closedir(d);
	if (!matches)
		return error_input("no object matches '%s'", prefix);
	if (matches > 1)
		return error_input("ambiguous object prefix '%s' (%zu objects)",
				   prefix, matches);
	return 0;
}

/* ---- checkout --------------------------------------------------------- */

int odb_checkout(struct repo *r, const char *id, const char *dest,
		 enum odb_checkout_how how)
{
	int compressed, rc = -1, result = ODB_COPIED;
	char *path;
	struct fs_atomic out = FS_ATOMIC_INIT;
	struct stat st;

	if (!*dest)
		return error_input("no output path given");
	if (lstat(dest, &st) == 0 && !S_ISREG(st.st_mode))
		return error_input("'%s' exists and is not a regular file",
				   dest);
	path = odb_find(r, id, &compressed);
	if (!path)
		return error("object %s is missing", id);
	if (fs_atomic_begin(&out, dest, 0644, 0) < 0)
		goto out;
	if (!compressed && how != ODB_CHECKOUT_COPY) {
		int in = open(path, O_RDONLY | O_CLOEXEC), linked;

		if (in >= 0 && ioctl(out.fd, FICLONE, in) == 0) {
			close(in);
			result = ODB_REFLINKED;
			goto commit;
		}
		if (in >= 0)
			close(in);
		linked = how == ODB_CHECKOUT_AUTO ? fs_atomic_link(&out, path)
						   : 0;
		if (linked < 0)
			goto out;
		if (linked) {
			result = ODB_HARDLINKED;
			goto commit;
		}
	}
	if (read_object(r, id, out.fd, 1) < 0)
		goto out;
commit:
	if (fs_atomic_commit(&out) < 0)
		goto out;
	rc = result;
out:
	fs_atomic_abort(&out);
	free(path);
	return rc;
}

/* ---- walking ---------------------------------------------------------- */

static int is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

int odb_foreach(struct repo *r, odb_each_fn fn, void *data)
{
	char *top = repo_path(r, "objects");
	DIR *d = opendir(top), *sub;
	struct dirent *de, *se;
	int rc = 0;

	if (!d) {
		rc = error("cannot open '%s': %s", top, strerror(errno));
		free(top);
		return rc;
	}
	while (!rc && (de = readdir(d))) {
		struct strbuf dir = STRBUF_INIT;

		if (de->d_name[0] == '.')
			continue;
		strbuf_addf(&dir, "%s/%s", top, de->d_name);
		if (strlen(de->d_name) != 2 || !is_hex(de->d_name, 2) ||
		    !(sub = opendir(dir.buf))) {
			struct stat st;

			if (lstat(dir.buf, &st) == 0)
				rc = fn(NULL, dir.buf, 0, &st, data);
			strbuf_release(&dir);
			continue;
		}
		while (!rc && (se = readdir(sub))) {
			struct strbuf path = STRBUF_INIT;
			char id[ODB_HEXSZ + 1];
			size_t n = strlen(se->d_name);
			int compressed = n == ODB_HEXSZ &&
					 !strcmp(se->d_name + n - 2, ".z");
			struct stat st;

			if (!strcmp(se->d_name, ".") || !strcmp(se->d_name, ".."))
				continue;
			strbuf_addf(&path, "%s/%s", dir.buf, se->d_name);
			if (lstat(path.buf, &st) < 0) {
				strbuf_release(&path);
				continue; /* removed meanwhile */
			}
			if ((n == ODB_HEXSZ - 2 || compressed) &&
			    is_hex(se->d_name, ODB_HEXSZ - 2) &&
			    S_ISREG(st.st_mode)) {
				memcpy(id, de->d_name, 2);
				memcpy(id + 2, se->d_name, ODB_HEXSZ - 2);
				id[ODB_HEXSZ] = '\0';
				rc = fn(id, path.buf, compressed, &st, data);
			} else {
				rc = fn(NULL, path.buf, 0, &st, data);
			}
			strbuf_release(&path);
		}
		closedir(sub);
		strbuf_release(&dir);
	}
	closedir(d);
	free(top);
	return rc;
}
