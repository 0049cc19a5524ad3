/* test-odb.c - the object store (lib/odb.c): put, get, checkout, prefixes */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "odb.h"
#include "opt.h"
#include "repo.h"
#include "strbuf.h"
#include "tap.h"

static char dir[] = "/tmp/test-odb.XXXXXX";

static char *path_in(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", dir, name);
	return strbuf_detach(&sb, NULL);
}

static int same_file(const char *a, const char *b)
{
	struct strbuf x = STRBUF_INIT, y = STRBUF_INIT;
	int same;

	strbuf_read_file(&x, a);
	strbuf_read_file(&y, b);
	same = x.len == y.len && !memcmp(x.buf, y.buf, x.len);
	strbuf_release(&x);
	strbuf_release(&y);
	return same;
}

int main(void)
{
	/* sha256 of "hello\n", from: printf 'hello\n' | sha256sum */
	static const char hello_id[] =
		"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
	char id[ODB_HEXSZ + 1], id2[ODB_HEXSZ + 1], got[ODB_HEXSZ + 1];
	struct repo *r;
	struct stat a, b;
	char *text, *bin, *out, *repo_dir;
	int created, added, fds[2], how, i;
	FILE *fp;

	if (!mkdtemp(dir))
		return 1;
	ok(repo_init(dir, 0, &created) == 0 && created, "init a repository");
	repo_dir = path_in(".mlrepo");
	gopt.repo = repo_dir;
	r = repo_open();
	ok(r != NULL, "open it");

	ok(odb_put_buf(r, "hello\n", 6, id, &added) == 0 && added,
	   "put a buffer");
	is_str(id, hello_id, "its id is sha256sum's");
	ok(odb_put_buf(r, "hello\n", 6, id2, &added) == 0 && !added,
	   "putting it again adds nothing");
	ok(odb_has(r, hello_id), "has it");

	/* a pipe: streamed, no size known in advance */
	ok(pipe(fds) == 0, "a pipe");
	if (fork() == 0) {
		close(fds[0]);
		for (i = 0; i < 1000; i++)
			if (write(fds[1], "0123456789abcdef0123456789abcdef\n",
				  33) != 33)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	ok(odb_put_fd(r, fds[0], NULL, id, &added) == 0 && added,
	   "put from a pipe");
	close(fds[0]);
	text = path_in("text.txt");
	fp = fopen(text, "w");
	for (i = 0; i < 1000; i++)
		fputs("0123456789abcdef0123456789abcdef\n", fp);
	fclose(fp);
	ok(odb_hash_file(text, got) == 0 && !strcmp(got, id),
	   "the pipe's id equals the file's hash");
	{
		int z = -1;
		char *p = odb_find(r, id, &z);

		ok(p && z == 1, "repetitive text is stored compressed");
		free(p);
	}

	/* random bytes: stored raw */
	bin = path_in("random.bin");
	{
		int in = open("/dev/urandom", O_RDONLY), o = open(bin, O_WRONLY | O_CREAT, 0644);
		char buf[65536];

		for (i = 0; i < 8; i++)
			if (read(in, buf, sizeof(buf)) != sizeof(buf) ||
			    write(o, buf, sizeof(buf)) != sizeof(buf))
				return 1;
		close(in);
		close(o);
	}
	ok(odb_put_file(r, bin, id2, &added) == 0, "put random bytes");
	{
		int z = -1;
		char *p = odb_find(r, id2, &z);

		ok(p && z == 0, "random bytes are stored raw");
		ok(p && stat(p, &a) == 0 && (a.st_mode & 0777) == 0444,
		   "objects are read-only");
		free(p);
	}

	/* checkout: raw objects are reflinked or hardlinked, never copied */
	out = path_in("out.bin");
	how = odb_checkout(r, id2, out, ODB_CHECKOUT_AUTO);
	ok(how == ODB_REFLINKED || how == ODB_HARDLINKED,
	   "a raw object is reflinked or hardlinked");
	ok(same_file(out, bin), "with the same content");
	if (how == ODB_HARDLINKED) {
		char *p = odb_find(r, id2, NULL);

		ok(stat(p, &a) == 0 && stat(out, &b) == 0 && a.st_ino == b.st_ino,
		   "the hardlink is the object itself");
		free(p);
	} else {
		ok(1, "reflinked: no shared inode to check");
	}
	is_int(odb_checkout(r, id2, out, ODB_CHECKOUT_COPY), ODB_COPIED,
	       "COPY makes an independent copy");
	ok(stat(out, &b) == 0 && (b.st_mode & 0777) == 0644 && b.st_nlink == 1,
	   "the copy is writable and unshared");
	is_int(odb_checkout(r, id, out, ODB_CHECKOUT_AUTO), ODB_COPIED,
	       "a compressed object is copied");
	ok(same_file(out, text), "decompressed on the way");

	/* prefixes */
	ok(odb_resolve(r, "5891b5", got) == 0 && !strcmp(got, hello_id),
	   "a unique prefix resolves");
	ok(odb_resolve(r, "5891B5B5", got) == 0, "in upper case too");
	ok(odb_resolve(r, "589", got) < 0 && err_code() == EXIT_USAGE,
	   "three digits are too few (exit 2)");
	ok(odb_resolve(r, "ffff0000", got) < 0 && err_code() == EXIT_USAGE,
	   "no match is exit 2");
	ok(odb_resolve(r, "zzzz", got) < 0, "not hex");

	/* verify and expect */
	ok(odb_verify(r, hello_id) == 0, "a sound object verifies");
	{
		int fd = open(text, O_RDONLY);

		ok(odb_put_fd(r, fd, hello_id, got, NULL) < 0 &&
			   err_code() == EXIT_USAGE,
		   "content that does not hash to the expected id is refused");
		close(fd);
	}
	{
		char *p = odb_find(r, hello_id, NULL);

		chmod(p, 0644);
		fp = fopen(p, "w");
		fputs("jello\n", fp);
		fclose(fp);
		ok(odb_verify(r, hello_id) < 0 && strstr(err_msg(), "corrupt"),
		   "a changed object fails verification");
		ok(odb_cat(r, hello_id, STDOUT_FILENO) < 0,
		   "and cat refuses it");
		free(p);
	}
	repo_close(r);
	fs_remove_tree(dir);
	free(text);
	free(bin);
	free(out);
	free(repo_dir);
	return tap_done();
}
