/*
 * test-arc.c - deterministic packing, reading and safe extraction
 * (lib/arc.c).
 *
 * The hostile archives are built here with libarchive's writer, which
 * stores names and link targets exactly as given.  Each one is fed to
 * both arc_next() and arc_extract(), and afterwards the test checks that
 * nothing appeared outside the extraction directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <locale.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "arc.h"
#include "err.h"
#include "strbuf.h"
#include "tap.h"

static char tmp[4096];

static const char *at(const char *rel)
{
	static char buf[4][4200];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmp, rel);
	return buf[i];
}

static void write_file(const char *path, const void *data, size_t len,
		       mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len || close(fd) < 0) {
		printf("Bail out! cannot write %s: %s\n", path,
		       strerror(errno));
		exit(1);
	}
	chmod(path, mode);
}

static int read_file(const char *path, struct strbuf *sb)
{
	strbuf_reset(sb);
	return strbuf_read_file(sb, path);
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
	unsigned char md[32];
	unsigned int len = 0, i;

	EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(p) : unlink(p);
}

static void rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* How many entries does a directory hold (-1: it does not exist)? */
static int count_dir(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	int n = 0;
	FILE *p;

	strbuf_addf(&sb, "find '%s' -mindepth 1 2>/dev/null | wc -l", path);
	if (access(path, F_OK) < 0) {
		strbuf_release(&sb);
		return -1;
	}
	p = popen(sb.buf, "r");
	if (!p || fscanf(p, "%d", &n) != 1)
		n = -2;
	if (p)
		pclose(p);
	strbuf_release(&sb);
	return n;
}

/* ---- determinism ------------------------------------------------------ */

static void pack_file(const char *path, const struct arc_entry *e, size_t n,
		      struct strbuf *out)
{
	if (arc_pack_path(path, e, n) < 0)
		printf("# pack failed: %s\n", err_msg());
	read_file(path, out);
}

/* Pack into a pipe, as `tool bundle > file` and `tool bundle | ...` do. */
static void pack_pipe(const struct arc_entry *e, size_t n, struct strbuf *out)
{
	int fds[2];
	pid_t pid;

	strbuf_reset(out);
	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		_exit(arc_pack_fd(fds[1], e, n) < 0 ? 1 : 0);
	}
	close(fds[1]);
	strbuf_read_fd(out, fds[0]);
	close(fds[0]);
	waitpid(pid, NULL, 0);
}

static void test_determinism(void)
{
	struct strbuf a = STRBUF_INIT, b = STRBUF_INIT, c = STRBUF_INIT;
	char ha[65], hb[65];
	char longname[300];
	static char big[300000];
	struct arc_entry e[5], rev[5];
	struct timespec ts[2] = { { 12345, 0 }, { 12345, 0 } };
	char *weights = xstrdup(at("src/weights.bin"));
	char *run = xstrdup(at("src/run.sh"));
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7919 % 251);
	mkdir(at("src"), 0755);
	write_file(at("src/weights.bin"), big, sizeof(big), 0644);
	write_file(at("src/run.sh"), "#!/bin/sh\necho hi\n", 18, 0755);
	for (i = 0; i < 20; i++)
		memcpy(longname + 10 * i, "long-name/", 10);
	snprintf(longname + 200, sizeof(longname) - 200, "leaf.txt");

	memset(e, 0, sizeof(e));
	e[0].name = "model/weights.bin";
	e[0].path = weights;
	e[1].name = "BUNDLE";
	e[1].data = "{\"format\":1}\n";
	e[1].len = 13;
	e[2].name = "model/run.sh";
	e[2].path = run;
	e[3].name = longname;
	e[3].data = "deep\n";
	e[3].len = 5;
	e[4].name = "empty";
	for (i = 0; i < 5; i++)
		rev[i] = e[4 - i];

	pack_file(at("one.tar.gz"), e, 5, &a);
	sleep(1); /* a gzip or tar timestamp would change now */
	utimensat(AT_FDCWD, at("src/weights.bin"), ts, 0);
	pack_file(at("two.tar.gz"), rev, 5, &b);
	ok(a.len > 100, "an archive was written");
	sha256_hex(a.buf, a.len, ha);
	sha256_hex(b.buf, b.len, hb);
	is_str(hb, ha, "packing twice, in another order, a second later and "
		       "with another source mtime gives the same SHA-256");
	ok(a.len == b.len && !memcmp(a.buf, b.buf, a.len),
	   "... and the same bytes");
	printf("# sha256 %s (%zu bytes)\n", ha, a.len);

	pack_pipe(e, 5, &c);
	ok(c.len == a.len && !memcmp(a.buf, c.buf, a.len),
	   "packing into a pipe gives the same bytes as into a file");

	/* The gzip header: no mtime, no name, Unix. */
	ok((unsigned char)a.buf[0] == 0x1f && (unsigned char)a.buf[1] == 0x8b &&
		   a.buf[2] == 8,
	   "gzip magic and deflate");
	is_int(a.buf[3], 0, "gzip FLG: no file name, no comment, no extra");
	ok(!a.buf[4] && !a.buf[5] && !a.buf[6] && !a.buf[7],
	   "gzip MTIME is zero");
	is_int(a.buf[9], 3, "gzip OS is Unix");

	/* Names are stored byte for byte, whatever the locale. */
	{
		struct arc_entry u[1] = { { "mod\xc3\xa8le/poids.bin", NULL,
					    "x", 1, 0 } };
		struct strbuf u1 = STRBUF_INIT, u2 = STRBUF_INIT;
		const char *name;
		int64_t size;
		struct arc_reader *r;

		setlocale(LC_ALL, "C");
		pack_file(at("u1.tar.gz"), u, 1, &u1);
		if (setlocale(LC_ALL, "C.UTF-8"))
			pack_file(at("u2.tar.gz"), u, 1, &u2);
		else
			pack_file(at("u2.tar.gz"), u, 1, &u2);
		setlocale(LC_ALL, "C");
		ok(u1.len && u1.len == u2.len && !memcmp(u1.buf, u2.buf, u1.len),
		   "a non-ASCII name packs the same in the C and UTF-8 "
		   "locales");
		r = arc_open(at("u1.tar.gz"));
		ok(r && arc_next(r, &name, &size) == 1 &&
			   !strcmp(name, "mod\xc3\xa8le/poids.bin"),
		   "and reads back byte for byte");
		arc_close(r);
		strbuf_release(&u1);
		strbuf_release(&u2);
	}

	/* Headers, read raw with libarchive. */
	{
		struct archive *ar = archive_read_new();
		struct archive_entry *ae;
		int n = 0, good = 1;
		const char *prev = "";
		struct strbuf names = STRBUF_INIT;

		archive_read_support_filter_gzip(ar);
		archive_read_support_format_tar(ar);
		archive_read_open_filename(ar, at("one.tar.gz"), 10240);
		while (archive_read_next_header(ar, &ae) == ARCHIVE_OK) {
			const char *nm = archive_entry_pathname(ae);
			mode_t want = strstr(nm, "run.sh") ? 0755 : 0644;

			if (archive_entry_mtime(ae) != 0 ||
			    archive_entry_uid(ae) != 0 ||
			    archive_entry_gid(ae) != 0 ||
			    (archive_entry_uname(ae) &&
			     *archive_entry_uname(ae)) ||
			    (archive_entry_gname(ae) &&
			     *archive_entry_gname(ae)) ||
			    archive_entry_atime_is_set(ae) ||
			    archive_entry_ctime_is_set(ae) ||
			    archive_entry_filetype(ae) != AE_IFREG ||
			    archive_entry_perm(ae) != want) {
				good = 0;
				printf("# bad header for %s\n", nm);
			}
			if (strcmp(prev, nm) >= 0)
				good = 0;
			strbuf_addf(&names, "%s;", nm);
			prev = names.buf + names.len - strlen(nm) - 1;
			n++;
		}
		archive_read_free(ar);
		is_int(n, 5, "five entries");
		ok(good, "sorted by name; mtime 0, uid/gid 0, no names, no "
			 "atime/ctime, 0644 and 0755 for the executable");
		strbuf_release(&names);
	}

	/* Other tools read it. */
	if (!system("command -v tar >/dev/null 2>&1")) {
		struct strbuf cmd = STRBUF_INIT;

		strbuf_addf(&cmd, "tar -tzf '%s' >/dev/null 2>&1 && "
				  "gzip -t '%s' 2>/dev/null",
			    at("one.tar.gz"), at("one.tar.gz"));
		ok(!system(cmd.buf), "GNU tar lists it and gzip -t passes");
		strbuf_release(&cmd);
	} else {
		ok(1, "# skip no tar");
	}

	strbuf_release(&a);
	strbuf_release(&b);
	strbuf_release(&c);
	free(weights);
	free(run);
}

/* ---- round trip ------------------------------------------------------- */

static void test_round_trip(void)
{
	struct arc_entry *e = NULL;
	size_t n = 0, i;
	struct strbuf sb = STRBUF_INIT, got = STRBUF_INIT;
	struct arc_reader *r;
	const char *name;
	int64_t size;
	int rc, count = 0, same = 1;
	static char big[2 * 65536 + 17];
	struct stat st;

	uint64_t x = 88172645463325252u;

	for (i = 0; i < sizeof(big); i++) { /* incompressible */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		big[i] = (char)x;
	}
	mkdir(at("tree"), 0755);
	mkdir(at("tree/sub"), 0755);
	mkdir(at("tree/sub/deeper"), 0755);
	mkdir(at("tree/empty-dir"), 0755);
	write_file(at("tree/b.txt"), "bee\n", 4, 0644);
	write_file(at("tree/a.txt"), "a\n", 2, 0644);
	write_file(at("tree/sub/deeper/big.bin"), big, sizeof(big), 0644);
	write_file(at("tree/sub/tool"), "#!/bin/sh\n", 10, 0755);
	write_file(at("tree/zero"), "", 0, 0644);
	if (symlink("sub/tool", at("tree/link-to-tool")) < 0)
		printf("# symlink: %s\n", strerror(errno));

	rc = arc_list_tree(at("tree"), "model", &e, &n);
	is_int(rc, 0, "arc_list_tree lists a tree");
	is_int(n, 6, "six files (the link to a file inside counts)");
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s%s", i ? " " : "", e[i].name,
			    e[i].executable ? "*" : "");
	is_str(sb.buf, "model/a.txt model/b.txt model/link-to-tool* "
		       "model/sub/deeper/big.bin model/sub/tool* model/zero",
	       "names sorted, under the prefix, executables marked");

	/* Add in-memory entries next to the listed ones. */
	e = xrealloc(e, (n + 2) * sizeof(*e));
	memset(&e[n], 0, 2 * sizeof(*e));
	e[n].name = xstrdup("BUNDLE");
	e[n].data = "head\n";
	e[n].len = 5;
	e[n + 1].name = xstrdup("script.sh");
	e[n + 1].data = "#!/bin/sh\n";
	e[n + 1].len = 10;
	e[n + 1].executable = 1;
	n += 2;
	ok(arc_pack_path(at("rt.tar.gz"), e, n) == 0, "pack the tree");

	r = arc_open(at("rt.tar.gz"));
	ok(r != NULL, "arc_open");
	strbuf_reset(&sb);
	while (r && (rc = arc_next(r, &name, &size)) == 1) {
		char buf[1000];
		ssize_t k;
		const struct arc_entry *src = NULL;

		strbuf_reset(&got);
		while ((k = arc_read(r, buf, sizeof(buf))) > 0)
			strbuf_add(&got, buf, k);
		if (k < 0)
			same = 0;
		for (i = 0; i < n; i++)
			if (!strcmp(e[i].name, name))
				src = &e[i];
		if (!src) {
			same = 0;
			continue;
		}
		if (src->path) {
			struct strbuf want = STRBUF_INIT;

			read_file(src->path, &want);
			if (want.len != got.len || (int64_t)got.len != size ||
			    memcmp(want.buf, got.buf, got.len))
				same = 0;
			strbuf_release(&want);
		} else if (src->len != got.len ||
			   memcmp(src->data, got.buf, got.len)) {
			same = 0;
		}
		strbuf_addf(&sb, "%s%s", count ? " " : "", name);
		count++;
	}
	is_int(rc, 0, "the iterator ends with 0");
	is_int(count, 8, "eight entries read back");
	ok(same, "every entry's size and content are those packed");
	is_str(sb.buf, "BUNDLE model/a.txt model/b.txt model/link-to-tool "
		       "model/sub/deeper/big.bin model/sub/tool model/zero "
		       "script.sh",
	       "in name order");
	is_int(arc_next(r, &name, &size), 0, "arc_next after the end is 0");
	arc_close(r);

	mkdir(at("out"), 0755);
	ok(arc_extract(at("rt.tar.gz"), at("out")) == 0, "arc_extract");
	read_file(at("out/model/sub/deeper/big.bin"), &got);
	ok(got.len == sizeof(big) && !memcmp(got.buf, big, sizeof(big)),
	   "an extracted file has its content");
	ok(stat(at("out/model/sub/tool"), &st) == 0 &&
		   (st.st_mode & 07777) == 0755,
	   "an executable extracts as 0755");
	ok(stat(at("out/model/a.txt"), &st) == 0 &&
		   (st.st_mode & 07777) == 0644,
	   "a plain file extracts as 0644");
	ok(lstat(at("out/model/link-to-tool"), &st) == 0 &&
		   S_ISREG(st.st_mode),
	   "a packed link became a regular file");
	ok(stat(at("out/model/zero"), &st) == 0 && st.st_size == 0,
	   "an empty file extracts empty");

	/* Extracting again over it overwrites nothing. */
	write_file(at("out/BUNDLE"), "mine\n", 5, 0644);
	err_clear();
	ok(arc_extract(at("rt.tar.gz"), at("out")) < 0 &&
		   strstr(err_msg(), "would replace an existing file"),
	   "an existing file is not overwritten");
	read_file(at("out/BUNDLE"), &got);
	is_str(got.buf, "mine\n", "... and keeps its content");

	arc_entries_free(e, n);
	strbuf_release(&sb);
	strbuf_release(&got);
}

/* ---- bad input to the writer ------------------------------------------ */

static void pack_bad(const char *name, const char *want)
{
	struct arc_entry e[2] = { { "ok", NULL, "x", 1, 0 },
				  { name, NULL, "y", 1, 0 } };
	char label[200];

	err_clear();
	snprintf(label, sizeof(label), "packing a name '%s' is refused",
		 name);
	ok(arc_pack_path(at("bad.tar.gz"), e, 2) < 0 &&
		   err_code() == EXIT_USAGE,
	   label);
	if (want)
		is_str(err_msg(), want, "... with the reason");
}

static void test_pack_errors(void)
{
	struct arc_entry e[2];

	pack_bad("../x", "cannot pack entry '../x': path leaves the target");
	pack_bad("/etc/x", "cannot pack entry '/etc/x': absolute path");
	pack_bad("./a", "cannot pack entry './a': not in canonical form");
	pack_bad("a//b", NULL);
	pack_bad("a/", NULL);
	pack_bad("a/./b", NULL);
	pack_bad("", "cannot pack an entry without a name");
	pack_bad("ok", "cannot pack entry 'ok': duplicate name");

	memset(e, 0, sizeof(e));
	e[0].name = "f";
	e[0].path = at("no/such/file");
	err_clear();
	ok(arc_pack_path(at("bad.tar.gz"), e, 1) < 0 &&
		   err_code() == EXIT_ENV && strstr(err_msg(), "cannot open"),
	   "a missing source is an environment error");
	e[0].path = at("src");
	err_clear();
	ok(arc_pack_path(at("bad.tar.gz"), e, 1) < 0 &&
		   strstr(err_msg(), "not a regular file"),
	   "a directory as a source is refused");
	ok(arc_pack_path(at("no/such/dir/x.tar.gz"), e, 1) < 0 &&
		   strstr(err_msg(), "cannot create"),
	   "an output that cannot be created is an error");
	{
		int fd = open("/dev/full", O_WRONLY);
		struct arc_entry big = { "big", at("src/weights.bin"), NULL, 0,
					 0 };

		if (fd >= 0) {
			err_clear();
			ok(arc_pack_fd(fd, &big, 1) < 0 &&
				   err_code() == EXIT_ENV &&
				   strstr(err_msg(), "cannot write archive"),
			   "a full disk is reported");
			printf("# %s\n", err_msg());
			close(fd);
		} else {
			ok(1, "# skip no /dev/full");
		}
	}
	ok(arc_pack_path(at("nothing.tar.gz"), NULL, 0) == 0,
	   "an empty archive packs");
	{
		struct arc_reader *r = arc_open(at("nothing.tar.gz"));
		const char *name;
		int64_t size;

		ok(r && arc_next(r, &name, &size) == 0,
		   "and reads back empty");
		arc_close(r);
	}
}

/* ---- arc_list_tree refusals ------------------------------------------- */

static void test_list_errors(void)
{
	struct arc_entry *e;
	size_t n;

	mkdir(at("lt"), 0755);
	write_file(at("lt/f"), "f", 1, 0644);
	write_file(at("secret"), "s", 1, 0644);
	if (symlink("../secret", at("lt/out")) < 0)
		printf("# symlink: %s\n", strerror(errno));
	err_clear();
	ok(arc_list_tree(at("lt"), NULL, &e, &n) < 0 &&
		   strstr(err_msg(), "symbolic link leads out of the tree") &&
		   err_code() == EXIT_USAGE,
	   "a link out of the tree is refused");
	unlink(at("lt/out"));

	symlink("nowhere", at("lt/dangling"));
	ok(arc_list_tree(at("lt"), NULL, &e, &n) < 0 &&
		   strstr(err_msg(), "dangling"),
	   "a dangling link is refused");
	unlink(at("lt/dangling"));

	mkdir(at("lt/d"), 0755);
	symlink("d", at("lt/dirlink"));
	ok(arc_list_tree(at("lt"), NULL, &e, &n) < 0 &&
		   strstr(err_msg(), "link to a directory"),
	   "a link to a directory is refused");
	unlink(at("lt/dirlink"));

	mkfifo(at("lt/fifo"), 0644);
	ok(arc_list_tree(at("lt"), NULL, &e, &n) < 0 &&
		   strstr(err_msg(), "not a regular file"),
	   "a fifo is refused");
	unlink(at("lt/fifo"));

	ok(arc_list_tree(at("lt"), "../up", &e, &n) < 0 &&
		   strstr(err_msg(), "bad archive prefix"),
	   "a prefix with '..' is refused");
	ok(arc_list_tree(at("lt/f"), NULL, &e, &n) < 0 &&
		   strstr(err_msg(), "not a directory"),
	   "a file is not a tree");
	ok(arc_list_tree(at("nope"), NULL, &e, &n) < 0 &&
		   err_code() == EXIT_ENV,
	   "a missing tree is an environment error");
	mkdir(at("lt-empty"), 0755);
	mkdir(at("lt-empty/sub"), 0755);
	ok(arc_list_tree(at("lt-empty"), "p", &e, &n) == 0 && n == 0,
	   "a tree of empty directories lists nothing");
	arc_entries_free(e, n);
	ok(arc_list_tree(at("lt"), "", &e, &n) == 0 && n == 1 &&
		   !strcmp(e[0].name, "f"),
	   "an empty prefix gives bare names");
	arc_entries_free(e, n);
	{
		char buf[4200];

		snprintf(buf, sizeof(buf), "%s/", at("lt"));
		ok(arc_list_tree(buf, "p/", &e, &n) == 0 && n == 1 &&
			   !strcmp(e[0].name, "p/f"),
		   "trailing slashes on the tree and the prefix");
		arc_entries_free(e, n);
	}
}

/* ---- hostile archives ------------------------------------------------- */

struct evil {
	const char *name;
	mode_t type;	  /* AE_IFREG, AE_IFLNK, AE_IFCHR, ... */
	const char *link; /* symlink target, or hardlink target */
	int hard;
};

/* Write `n` entries exactly as given (names untouched) as a .tar.gz. */
static void make_tar(const char *path, const struct evil *v, size_t n)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	size_t i;

	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		printf("# open %s: %s\n", path, archive_error_string(a));
	for (i = 0; i < n; i++) {
		archive_entry_clear(ae);
		archive_entry_copy_pathname(ae, v[i].name);
		archive_entry_set_perm(ae, 0644);
		if (v[i].hard) {
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_copy_hardlink(ae, v[i].link);
			archive_entry_set_size(ae, 0);
		} else {
			archive_entry_set_filetype(ae, v[i].type);
			if (v[i].type == AE_IFLNK)
				archive_entry_copy_symlink(ae, v[i].link);
			if (v[i].type == AE_IFCHR || v[i].type == AE_IFBLK)
				archive_entry_set_rdev(ae, makedev(1, 3));
			archive_entry_set_size(ae, v[i].type == AE_IFREG ? 4
									 : 0);
		}
		if (archive_write_header(a, ae) != ARCHIVE_OK)
			printf("# header %s: %s\n", v[i].name,
			       archive_error_string(a));
		if (!v[i].hard && v[i].type == AE_IFREG)
			archive_write_data(a, "pwn\n", 4);
	}
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(ae);
}

static int n_evil;

/*
 * Build the archive, then check that the iterator refuses it with
 * `want_next` (NULL: it reads it) and that extraction refuses it with
 * `want_x` (NULL: it extracts), and that nothing was written outside the
 * extraction directory.
 */
static int evil_case(const char *label, const struct evil *v, size_t n,
		      const char *want_next, const char *want_x)
{
	char path[4200], dest[4200], msg[9000], name[300];
	struct arc_reader *r;
	const char *nm;
	int64_t size;
	int rc;

	n_evil++;
	snprintf(path, sizeof(path), "%s/evil%d.tar.gz", tmp, n_evil);
	snprintf(dest, sizeof(dest), "%s/dest%d", tmp, n_evil);
	make_tar(path, v, n);
	mkdir(dest, 0755);

	err_clear();
	r = arc_open(path);
	while (r && (rc = arc_next(r, &nm, &size)) == 1)
		;
	arc_close(r);
	snprintf(name, sizeof(name), "%s: iterator %s", label,
		 want_next ? "refuses" : "reads it");
	if (want_next) {
		snprintf(msg, sizeof(msg), "'%s': unsafe entry %s", path,
			 want_next);
		ok(rc < 0 && err_code() == EXIT_USAGE, name);
		is_str(err_msg(), msg, "... with the reason");
	} else {
		ok(rc == 0, name);
		if (rc)
			printf("# %s\n", err_msg());
	}

	err_clear();
	rc = arc_extract(path, dest);
	snprintf(name, sizeof(name), "%s: extraction %s", label,
		 want_x ? "refuses" : "succeeds");
	if (want_x) {
		snprintf(msg, sizeof(msg), "'%s': unsafe entry %s", path,
			 want_x);
		ok(rc < 0 && err_code() == EXIT_USAGE, name);
		is_str(err_msg(), msg, "... with the reason");
	} else {
		ok(rc == 0, name);
		if (rc)
			printf("# %s\n", err_msg());
	}
	snprintf(name, sizeof(name), "%s: nothing written outside", label);
	ok(count_dir(at("outside")) == 0 && access(at("x"), F_OK) < 0 &&
		   access(at("pwned"), F_OK) < 0,
	   name);
	return n_evil;
}

static void test_evil(void)
{
	char abs_name[4200], abs_link[4200];
	struct stat st;

	mkdir(at("outside"), 0755);
	snprintf(abs_name, sizeof(abs_name), "%s/outside/abs.txt", tmp);
	snprintf(abs_link, sizeof(abs_link), "%s/outside", tmp);

	{
		struct evil v[] = { { abs_name, AE_IFREG, NULL, 0 } };
		char want[4300];

		snprintf(want, sizeof(want), "'%s': absolute path", abs_name);
		evil_case("absolute path", v, 1, want, want);
	}
	{
		struct evil v[] = { { "ok.txt", AE_IFREG, NULL, 0 },
				    { "../x", AE_IFREG, NULL, 0 } };

		evil_case("../x", v, 2, "'../x': path leaves the target",
			  "'../x': path leaves the target");
	}
	{
		struct evil v[] = { { "a/../../x", AE_IFREG, NULL, 0 } };

		evil_case("a/../../x", v, 1,
			  "'a/../../x': path leaves the target",
			  "'a/../../x': path leaves the target");
	}
	{
		/* Even a '..' that would stay inside is refused. */
		struct evil v[] = { { "a/../b", AE_IFREG, NULL, 0 } };

		evil_case("a/../b", v, 1, "'a/../b': path leaves the target",
			  "'a/../b': path leaves the target");
	}
	{
		struct evil v[] = { { "etc", AE_IFLNK, "/etc", 0 },
				    { "etc/passwd", AE_IFREG, NULL, 0 } };

		evil_case("symlink to /etc, then a file through it", v, 2,
			  "'etc': symbolic link (links are not read here)",
			  "'etc': symbolic link to an absolute path to "
			  "'/etc'");
	}
	{
		struct evil v[] = { { "out", AE_IFLNK, abs_link, 0 },
				    { "out/pwned", AE_IFREG, NULL, 0 } };
		char want[4300];

		snprintf(want, sizeof(want), "'out': symbolic link to an "
					     "absolute path to '%s'", abs_link);
		evil_case("symlink to an absolute directory", v, 2,
			  "'out': symbolic link (links are not read here)",
			  want);
	}
	{
		struct evil v[] = { { "up", AE_IFLNK, "../outside", 0 },
				    { "up/pwned", AE_IFREG, NULL, 0 } };

		evil_case("relative symlink out", v, 2,
			  "'up': symbolic link (links are not read here)",
			  "'up': symbolic link leaves the target to "
			  "'../outside'");
	}
	{
		struct evil v[] = { { "sub/up", AE_IFLNK, "../../outside",
				      0 } };

		evil_case("nested relative symlink out", v, 1,
			  "'sub/up': symbolic link (links are not read here)",
			  "'sub/up': symbolic link leaves the target to "
			  "'../../outside'");
	}
	{
		/* d -> "." is harmless; d2 -> "d/.." would be the parent. */
		struct evil v[] = { { "d", AE_IFLNK, ".", 0 },
				    { "d2", AE_IFLNK, "d/..", 0 },
				    { "d2/pwned", AE_IFREG, NULL, 0 } };

		evil_case("'..' after a link", v, 3,
			  "'d': symbolic link (links are not read here)",
			  "'d2': symbolic link with '..' after a name to "
			  "'d/..'");
	}
	{
		/* A link inside is fine, but nothing goes through it. */
		struct evil v[] = { { "real/f", AE_IFREG, NULL, 0 },
				    { "in", AE_IFLNK, "real", 0 },
				    { "in/g", AE_IFREG, NULL, 0 } };

		evil_case("a file through an inside link", v, 3,
			  "'in': symbolic link (links are not read here)",
			  "'in/g': path goes through a symbolic link");
	}
	{
		struct evil v[] = { { "sub/f", AE_IFREG, NULL, 0 },
				    { "sub/l", AE_IFLNK, "../sub/f", 0 },
				    { "top", AE_IFLNK, "sub/l", 0 },
				    { "dot", AE_IFLNK, "./sub", 0 } };

		char d[64];
		int k = evil_case("links that stay inside", v, 4,
				  "'sub/l': symbolic link (links are not read "
				  "here)",
				  NULL);

		snprintf(d, sizeof(d), "dest%d/top", k);
		ok(lstat(at(d), &st) == 0 && S_ISLNK(st.st_mode) &&
			   stat(at(d), &st) == 0 && S_ISREG(st.st_mode),
		   "safe links are extracted as links, and resolve");
	}
	{
		struct evil v[] = { { "dev", AE_IFCHR, NULL, 0 } };

		evil_case("character device", v, 1,
			  "'dev': character device", "'dev': character device");
	}
	{
		struct evil v[] = { { "blk", AE_IFBLK, NULL, 0 } };

		evil_case("block device", v, 1, "'blk': block device",
			  "'blk': block device");
	}
	{
		struct evil v[] = { { "fifo", AE_IFIFO, NULL, 0 } };

		evil_case("fifo", v, 1, "'fifo': fifo", "'fifo': fifo");
	}
	{
		struct evil v[] = { { "h", AE_IFREG, "/etc/passwd", 1 } };

		evil_case("hard link to /etc/passwd", v, 1,
			  "'h': hard link (links are not read here)",
			  "'h': absolute path");
	}
	{
		struct evil v[] = { { "h", AE_IFREG, "../x", 1 } };

		evil_case("hard link to ../x", v, 1,
			  "'h': hard link (links are not read here)",
			  "'h': path leaves the target");
	}
	{
		struct evil v[] = { { "l", AE_IFLNK, "f", 0 },
				    { "h", AE_IFREG, "l", 1 } };

		evil_case("hard link to a symlink", v, 2,
			  "'l': symbolic link (links are not read here)",
			  "'h': hard link to something other than a file "
			  "extracted before");
	}
	{
		struct evil v[] = { { "f", AE_IFREG, NULL, 0 },
				    { "h", AE_IFREG, "f", 1 } };

		evil_case("hard link to an extracted file", v, 2,
			  "'h': hard link (links are not read here)", NULL);
	}
	{
		struct evil v[] = { { "f", AE_IFREG, NULL, 0 },
				    { "f", AE_IFLNK, "/etc/passwd", 0 } };

		evil_case("a symlink replacing a file", v, 2,
			  "'f': symbolic link (links are not read here)",
			  "'f': symbolic link to an absolute path to "
			  "'/etc/passwd'");
	}
	{
		struct evil v[] = { { "f", AE_IFREG, NULL, 0 },
				    { "f", AE_IFLNK, "g", 0 } };

		evil_case("a safe symlink replacing a file", v, 2,
			  "'f': symbolic link (links are not read here)",
			  "'f': would replace an existing file");
	}
	{
		struct evil v[] = { { "./", AE_IFDIR, NULL, 0 },
				    { "./dir/", AE_IFDIR, NULL, 0 },
				    { ".//dir//file", AE_IFREG, NULL, 0 } };
		struct arc_reader *r;
		const char *nm = NULL;
		int64_t size;

		char p[64];
		int k = evil_case("dot-slash names", v, 3, NULL, NULL);

		snprintf(p, sizeof(p), "evil%d.tar.gz", k);
		r = arc_open(at(p));
		ok(r && arc_next(r, &nm, &size) == 1 && !strcmp(nm, "dir/file") &&
			   size == 4,
		   "names come back canonical");
		arc_close(r);
		snprintf(p, sizeof(p), "dest%d/dir/file", k);
		ok(access(at(p), F_OK) == 0, "and extract in canonical form");
		/* make_tar() gave the directory mode 0644: no x, no w. */
		snprintf(p, sizeof(p), "dest%d/dir", k);
		ok(stat(at(p), &st) == 0 && (st.st_mode & 0700) == 0700,
		   "a directory is extracted with rwx for the owner");
	}
	ok(stat(at("outside"), &st) == 0 && count_dir(at("outside")) == 0,
	   "the outside directory is still empty");
}

/* A name stored as standard pax UTF-8 (no hdrcharset) reads back. */
static void test_utf8_read(void)
{
	struct evil v[] = { { "caf\xc3\xa9/men\xc3\xbc.txt", AE_IFREG, NULL,
			      0 } };
	struct arc_reader *r;
	const char *nm = NULL;
	int64_t size;

	if (!setlocale(LC_ALL, "C.UTF-8")) {
		ok(1, "# skip no C.UTF-8 locale");
		return;
	}
	make_tar(at("utf8.tar.gz"), v, 1);
	setlocale(LC_ALL, "C");
	r = arc_open(at("utf8.tar.gz"));
	ok(r && arc_next(r, &nm, &size) == 1 &&
		   !strcmp(nm, "caf\xc3\xa9/men\xc3\xbc.txt"),
	   "a UTF-8 pax name reads back in the C locale");
	if (nm)
		printf("# %s\n", nm);
	arc_close(r);
}

/* ---- damaged input ---------------------------------------------------- */

static void test_damaged(void)
{
	struct strbuf sb = STRBUF_INIT;
	struct arc_reader *r;
	const char *nm;
	int64_t size;
	char buf[4096];
	int rc = 0;
	ssize_t k = 0;

	err_clear();
	ok(!arc_open(at("no-such.tar.gz")) && err_code() == EXIT_ENV,
	   "a missing archive is an environment error");
	ok(!arc_open(tmp) && err_code() == EXIT_USAGE &&
		   strstr(err_msg(), "is a directory"),
	   "a directory is not an archive");

	write_file(at("garbage"), "this is not an archive at all\n", 30, 0644);
	r = arc_open(at("garbage"));
	if (r)
		rc = arc_next(r, &nm, &size);
	ok((!r || rc < 0) && err_code() == EXIT_USAGE,
	   "garbage is refused as bad input");
	printf("# %s\n", err_msg());
	arc_close(r);

	/* Cut the round-trip archive in the middle of its big file. */
	read_file(at("rt.tar.gz"), &sb);
	write_file(at("cut.tar.gz"), sb.buf, sb.len / 2, 0644);
	err_clear();
	r = arc_open(at("cut.tar.gz"));
	while (r && (rc = arc_next(r, &nm, &size)) == 1)
		while ((k = arc_read(r, buf, sizeof(buf))) > 0)
			;
	ok((!r || rc < 0 || k < 0) && err_code() == EXIT_USAGE,
	   "a truncated archive is an error");
	printf("# %s\n", err_msg());
	ok(!r || arc_next(r, &nm, &size) < 0, "and stays one");
	ok(!r || arc_read(r, buf, sizeof(buf)) == 0, "no data after an error");
	arc_close(r);
	mkdir(at("cutdest"), 0755);
	ok(arc_extract(at("cut.tar.gz"), at("cutdest")) < 0,
	   "extracting a truncated archive fails");
	ok(arc_extract(at("rt.tar.gz"), at("no-such-dir")) < 0 &&
		   err_code() == EXIT_ENV,
	   "extracting into a missing directory fails");

	r = arc_open(at("rt.tar.gz"));
	ok(r && arc_read(r, buf, sizeof(buf)) == 0,
	   "arc_read before arc_next reads nothing");
	arc_close(r);
	arc_close(NULL);
	strbuf_release(&sb);
}

/* A zip archive reads through the same iterator. */
static void test_zip(void)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ae = archive_entry_new();
	struct arc_reader *r;
	const char *nm;
	int64_t size;
	char buf[64];
	ssize_t k;

	archive_write_set_format_zip(a);
	archive_write_open_filename(a, at("z.zip"));
	archive_entry_copy_pathname(ae, "dir/hello.txt");
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, 0644);
	archive_entry_set_size(ae, 6);
	archive_write_header(a, ae);
	archive_write_data(a, "hello\n", 6);
	archive_write_close(a);
	archive_write_free(a);
	archive_entry_free(ae);

	r = arc_open(at("z.zip"));
	ok(r && arc_next(r, &nm, &size) == 1 && !strcmp(nm, "dir/hello.txt"),
	   "a zip entry is read");
	k = r ? arc_read(r, buf, sizeof(buf)) : -1;
	ok(k == 6 && !memcmp(buf, "hello\n", 6), "with its content");
	ok(r && arc_next(r, &nm, &size) == 0, "and the zip ends");
	arc_close(r);
}

int main(void)
{
	const char *t = getenv("TMPDIR");

	umask(022);
	snprintf(tmp, sizeof(tmp), "%s/test-arc.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_determinism();
	test_round_trip();
	test_pack_errors();
	test_list_errors();
	test_evil();
	test_utf8_read();
	test_damaged();
	test_zip();
	if (!getenv("MLREPO_TEST_KEEP"))
		rm_rf(tmp);
	else
		printf("# kept %s\n", tmp);
	return tap_done();
}
