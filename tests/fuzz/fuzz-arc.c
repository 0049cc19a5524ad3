/*
 * fuzz-arc.c - libFuzzer harness for lib/arc.c's reading side.
 *
 *	make fuzz && build-fuzz/fuzz-arc -max_total_time=60 CORPUS
 *
 * Each input is put in a memfd and opened by its /proc/self/fd path.  The
 * iterator reads every entry to the end, and every name it returns must
 * be canonical and relative.  Then the input is extracted into a fresh
 * directory inside a private temporary directory, and afterwards that
 * private directory must hold nothing but the extraction directory, and
 * every symbolic link in it must resolve (when it resolves at all) inside
 * the extraction directory.
 */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arc.h"
#include "err.h"

static char top[PATH_MAX], dest[PATH_MAX], real_dest[PATH_MAX];

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		chmod(p, 0700), rmdir(p);
	else
		unlink(p);
	return 0;
}

static int check_link(const char *p, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	char buf[PATH_MAX];
	size_t n = strlen(real_dest);

	(void)st;
	(void)ftw;
	if (flag == FTW_D)
		chmod(p, 0700); /* so that the walk and the removal get in */
	if (flag != FTW_SL && flag != FTW_SLN)
		return 0;
	if (realpath(p, buf) &&
	    (strncmp(buf, real_dest, n) || (buf[n] && buf[n] != '/'))) {
		fprintf(stderr, "link '%s' resolves outside to '%s'\n", p, buf);
		abort();
	}
	return 0;
}

/* `top` must hold just "dest": anything else was written outside. */
static int only_dest(void)
{
	DIR *d = opendir(top);
	struct dirent *de;
	int ok = 1;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "dest"))
			ok = 0;
	closedir(d);
	return ok;
}

static void remove_top(void)
{
	nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct arc_reader *r;
	const char *name;
	int64_t esize;
	char buf[4096];
	int fd, rc;

	if (!top[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(top, sizeof(top), "%s/fuzz-arc.XXXXXX",
			 t && *t ? t : "/tmp");
		if (!mkdtemp(top))
			abort();
		snprintf(dest, sizeof(dest), "%s/dest", top);
		atexit(remove_top);
	}
	fd = memfd_create("fuzz-arc", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

	r = arc_open(path);
	while (r && (rc = arc_next(r, &name, &esize)) == 1) {
		if (!*name || name[0] == '/' || strstr(name, "//") ||
		    name[strlen(name) - 1] == '/' || !strcmp(name, "..") ||
		    !strncmp(name, "../", 3) || strstr(name, "/../") ||
		    (strlen(name) >= 3 && !strcmp(name + strlen(name) - 3, "/..")))
			abort();
		while (arc_read(r, buf, sizeof(buf)) > 0)
			;
	}
	arc_close(r);

	mkdir(dest, 0700);
	if (!realpath(dest, real_dest))
		abort();
	arc_extract(path, dest);
	nftw(dest, check_link, 16, FTW_PHYS);
	if (!only_dest()) {
		fprintf(stderr, "something was written outside '%s'\n", dest);
		abort();
	}
	nftw(dest, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	close(fd);
	err_clear();
	return 0;
}
