/* fsutil.c - see fsutil.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "strbuf.h"

int fs_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= n;
	}
	return 0;
}

ssize_t fs_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!n)
			break;
		got += n;
	}
	return (ssize_t)got;
}

void fs_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

void fs_fsync_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	if (!slash) {
		fs_fsync_dir(".");
		return;
	}
	dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	fs_fsync_dir(dir);
	free(dir);
}

int fs_mkdirs(const char *path, mode_t mode)
{
	char *p, *q;

	if (!*path)
		return error_input("an empty path is no directory");
	p = xstrdup(path);

	for (q = p + 1; *q; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			error("cannot create '%s': %s", p, strerror(errno));
			free(p);
			return -1;
		}
		*q = '/';
	}
	if (mkdir(p, mode) < 0 && errno != EEXIST) {
		error("cannot create '%s': %s", p, strerror(errno));
		free(p);
		return -1;
	}
	free(p);
	return 0;
}

int fs_write_file_atomic(const char *path, const void *buf, size_t len,
			 mode_t mode)
{
	struct strbuf tmp = STRBUF_INIT;
	int fd, rc = -1;

	strbuf_addf(&tmp, "%s.tmp-XXXXXX", path);
	fd = mkostemp(tmp.buf, O_CLOEXEC);
	if (fd < 0) {
		error("cannot create '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	if (fs_write_all(fd, buf, len) < 0 || fchmod(fd, mode) < 0 ||
	    fsync(fd) < 0) {
		error("cannot write '%s': %s", tmp.buf, strerror(errno));
		close(fd);
		unlink(tmp.buf);
		goto out;
	}
	if (close(fd) < 0) {
		error("cannot write '%s': %s", tmp.buf, strerror(errno));
		unlink(tmp.buf);
		goto out;
	}
	if (rename(tmp.buf, path) < 0) {
		error("cannot rename '%s' to '%s': %s", tmp.buf, path,
		      strerror(errno));
		unlink(tmp.buf);
		goto out;
	}
	fs_fsync_parent(path);
	rc = 0;
out:
	strbuf_release(&tmp);
	return rc;
}

int fs_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int fs_remove_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0
				       : error("cannot stat '%s': %s", path,
					       strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return error("cannot remove '%s': %s", path,
				     strerror(errno));
		return 0;
	}
	d = opendir(path);
	if (!d)
		return error("cannot open '%s': %s", path, strerror(errno));
	while ((de = readdir(d))) {
		struct strbuf sb = STRBUF_INIT;
		int rc;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addf(&sb, "%s/%s", path, de->d_name);
		rc = fs_remove_tree(sb.buf);
		strbuf_release(&sb);
		if (rc < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	if (rmdir(path) < 0)
		return error("cannot remove '%s': %s", path, strerror(errno));
	return 0;
}

char *fs_absolute(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return xstrdup(path);
	if (!getcwd(cwd, sizeof(cwd)))
		return xstrdup(path);
	strbuf_addstr(&sb, cwd);
	/* append the components, dropping "." and empty ones */
	while (*path) {
		const char *slash = strchr(path, '/');
		size_t n = slash ? (size_t)(slash - path) : strlen(path);

		if (n && !(n == 1 && path[0] == '.')) {
			if (sb.len > 1)
				strbuf_addch(&sb, '/');
			strbuf_add(&sb, path, n);
		}
		path += n + (slash ? 1 : 0);
	}
	return strbuf_detach(&sb, NULL);
}
