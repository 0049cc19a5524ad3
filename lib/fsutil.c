/* fsutil.c - see fsutil.h */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

int fs_copy_to_fd(const char *path, int fd, const char *fd_name)
{
	char buf[1 << 16];
	ssize_t n;
	int in = open(path, O_RDONLY), rc = 0;

	if (in < 0)
		return error("cannot read '%s': %s", path, strerror(errno));
	while ((n = fs_read_full(in, buf, sizeof(buf))) > 0)
		if (fs_write_all(fd, buf, n) < 0) {
			rc = error("cannot write to %s: %s", fd_name,
				   strerror(errno));
			break;
		}
	if (n < 0)
		rc = error("cannot read '%s': %s", path, strerror(errno));
	close(in);
	return rc;
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
	struct fs_atomic a;

	if (fs_atomic_begin(&a, path, mode, 0) < 0)
		return -1;
	if (fs_atomic_write(&a, buf, len) < 0) {
		fs_atomic_abort(&a);
		return -1;
	}
	return fs_atomic_commit(&a);
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

/* rm -rf; with `report`, error() names what failed, else errno only. */
static int remove_tree(const char *path, int report)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		return report ? error("cannot stat '%s': %s", path,
				      strerror(errno))
			      : -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return report ? error("cannot remove '%s': %s", path,
					      strerror(errno))
				      : -1;
		return 0;
	}
	d = opendir(path);
	if (!d)
		return report ? error("cannot open '%s': %s", path,
				      strerror(errno))
			      : -1;
	while ((de = readdir(d))) {
		struct strbuf sb = STRBUF_INIT;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strbuf_addf(&sb, "%s/%s", path, de->d_name);
		rc = remove_tree(sb.buf, report);
		strbuf_release(&sb);
		if (rc < 0)
			break;
	}
	closedir(d);
	if (rc < 0)
		return -1;
	if (rmdir(path) < 0)
		return report ? error("cannot remove '%s': %s", path,
				      strerror(errno))
			      : -1;
	return 0;
}

int fs_remove_tree(const char *path)
{
	return remove_tree(path, 1);
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

/* ---- the cleanup list -------------------------------------------------- */

/*
 * One temporary file or directory to remove if the process dies before it
 * is committed or aborted.  Records are never freed (there are as many as
 * temporaries were ever open at once), so the signal handler can walk the
 * list at any moment: a record is filled in while inactive, then marked
 * active; it is marked inactive before its path is freed.
 */
struct fs_tmp_entry {
	struct fs_tmp_entry *next;
	char *volatile path;
	volatile pid_t owner;
	volatile sig_atomic_t active;
	int is_dir;
};

static struct fs_tmp_entry *volatile tmp_list;
static int cleanup_installed;
static sigset_t cleanup_mask;
static struct sigaction default_action;
static const int cleanup_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM,
				    SIGPIPE };
#define NCLEANUP_SIGS (sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0]))

/* Remove this process's temporaries; directories only outside a signal. */
static void remove_temporaries(int in_signal)
{
	struct fs_tmp_entry *e;
	pid_t me = getpid();

	for (e = tmp_list; e; e = e->next) {
		if (!e->active || e->owner != me)
			continue;
		if (!e->is_dir)
			unlink(e->path);
		else if (!in_signal)
			remove_tree(e->path, 0);
	}
}

static void cleanup_at_exit(void)
{
	int saved = errno;

	remove_temporaries(0);
	errno = saved;
}

/* Only async-signal-safe calls: unlink, sigaction, raise. */
static void cleanup_on_signal(int sig)
{
	int saved = errno;

	remove_temporaries(1);
	/* the signal is blocked in here: it kills us on return */
	sigaction(sig, &default_action, NULL);
	raise(sig);
	errno = saved;
}

static void install_cleanup(void)
{
	struct sigaction sa, old;
	size_t i;

	if (cleanup_installed)
		return;
	cleanup_installed = 1;
	atexit(cleanup_at_exit);
	memset(&default_action, 0, sizeof(default_action));
	default_action.sa_handler = SIG_DFL;
	sigemptyset(&default_action.sa_mask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cleanup_on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigemptyset(&cleanup_mask);
	for (i = 0; i < NCLEANUP_SIGS; i++) {
		sigaddset(&cleanup_mask, cleanup_sigs[i]);
		/* leave what the tool ignores or handles itself alone */
		if (sigaction(cleanup_sigs[i], NULL, &old) == 0 &&
		    !(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_DFL)
			sigaction(cleanup_sigs[i], &sa, NULL);
	}
}

/*
 * Around creating a temporary and recording it, and around renaming it
 * and forgetting it, so that the handler never sees one half done.
 */
static void block_cleanup(sigset_t *old)
{
	sigprocmask(SIG_BLOCK, &cleanup_mask, old);
}

static void unblock_cleanup(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

static struct fs_tmp_entry *remember(const char *path, int is_dir)
{
	struct fs_tmp_entry *e;

	for (e = tmp_list; e; e = e->next)
		if (!e->active)
			break;
	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->next = tmp_list;
		tmp_list = e;
	}
	e->path = xstrdup(path);
	e->is_dir = is_dir;
	e->owner = getpid();
	e->active = 1;
	return e;
}

static void forget(struct fs_tmp_entry *e)
{
	char *p;

	if (!e)
		return;
	e->active = 0;
	p = e->path;
	e->path = NULL;
	free(p);
}

/* ---- atomic files ----------------------------------------------------- */

static void release(struct fs_atomic *a)
{
	forget(a->entry);
	a->entry = NULL;
	free(a->path);
	free(a->tmp_path);
	a->path = a->tmp_path = NULL;
	a->fd = -1;
	a->linked = 0;
}

/* mkostemp(3) `tmpl` into a->tmp_path and a->fd, recorded for cleanup. */
static int create_unique(struct fs_atomic *a, const char *tmpl)
{
	sigset_t old;
	int e;

	a->tmp_path = xstrdup(tmpl);
	install_cleanup();
	block_cleanup(&old);
	a->fd = mkostemp(a->tmp_path, O_CLOEXEC);
	e = errno;
	if (a->fd >= 0)
		a->entry = remember(a->tmp_path, 0);
	unblock_cleanup(&old);
	if (a->fd < 0) {
		error("cannot create '%s': %s", tmpl, strerror(e));
		release(a);
		return -1;
	}
	return 0;
}

static int create_lock(struct fs_atomic *a)
{
	struct strbuf lock = STRBUF_INIT;
	int tries = 0, e;

	strbuf_addf(&lock, "%s.lock", a->path);
	a->tmp_path = strbuf_detach(&lock, NULL);
	install_cleanup();
	for (;;) {
		sigset_t old;

		block_cleanup(&old);
		a->fd = open(a->tmp_path,
			     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, a->mode);
		e = errno;
		if (a->fd >= 0)
			a->entry = remember(a->tmp_path, 0);
		unblock_cleanup(&old);
		if (a->fd >= 0)
			return 0;
		if (e != EEXIST || (a->flags & FS_ATOMIC_NOWAIT) ||
		    tries++ >= FS_ATOMIC_LOCK_WAIT_MS / 50)
			break;
		{
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	if (e == EEXIST) {
		error("cannot lock '%s': locked by another process", a->path);
		err_hint("if no other mlrepo is running, remove '%s'",
			 a->tmp_path);
	} else {
		error("cannot create '%s': %s", a->tmp_path, strerror(e));
	}
	release(a);
	return -1;
}

int fs_atomic_begin(struct fs_atomic *a, const char *path, mode_t mode,
		    unsigned flags)
{
	struct strbuf tmpl = STRBUF_INIT;
	int rc;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->mode = mode;
	a->flags = flags;
	a->path = xstrdup(path);
	if (flags & FS_ATOMIC_LOCK)
		return create_lock(a);
	strbuf_addf(&tmpl, "%s.tmp-XXXXXX", path);
	rc = create_unique(a, tmpl.buf);
	strbuf_release(&tmpl);
	return rc;
}

int fs_atomic_begin_tmp(struct fs_atomic *a, const char *tmpl, mode_t mode,
			unsigned flags)
{
	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->mode = mode;
	a->flags = flags;
	if (flags & FS_ATOMIC_LOCK)
		return error("cannot lock '%s': a lock needs the target's name",
			     tmpl);
	return create_unique(a, tmpl);
}

int fs_atomic_write(struct fs_atomic *a, const void *buf, size_t len)
{
	if (fs_write_all(a->fd, buf, len) < 0)
		return error("cannot write '%s': %s", a->tmp_path,
			     strerror(errno));
	return 0;
}

int fs_atomic_link(struct fs_atomic *a, const char *src)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	/* the record stays: the name now holds nothing, then the link */
	unlink(a->tmp_path);
	if (link(src, a->tmp_path) == 0) {
		a->linked = 1;
		return 1;
	}
	a->fd = open(a->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		     0600);
	if (a->fd < 0) {
		error("cannot create '%s': %s", a->tmp_path, strerror(errno));
		fs_atomic_abort(a);
		return -1;
	}
	return 0;
}

/* rename(2), creating the target's directory first if asked and needed. */
static int rename_into_place(struct fs_atomic *a)
{
	int tries = 0;

	for (;;) {
		char *dir;
		const char *slash;

		if (rename(a->tmp_path, a->path) == 0)
			return 0;
		if (errno != ENOENT || !(a->flags & FS_ATOMIC_MKDIR) ||
		    ++tries >= 5)
			return error("cannot rename '%s' to '%s': %s",
				     a->tmp_path, a->path, strerror(errno));
		slash = strrchr(a->path, '/');
		if (!slash || slash == a->path)
			return error("cannot rename '%s' to '%s': %s",
				     a->tmp_path, a->path, strerror(ENOENT));
		dir = xstrndup(a->path, (size_t)(slash - a->path));
		if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
			error("cannot create '%s': %s", dir, strerror(errno));
			free(dir);
			return -1;
		}
		free(dir);
	}
}

int fs_atomic_commit(struct fs_atomic *a)
{
	sigset_t old;
	int rc;

	if (!a->tmp_path || !a->path) {
		fs_atomic_abort(a);
		return error("nothing to commit: no temporary file or target");
	}
	if (!a->linked) {
		/* a lock file was created with its mode (less the umask) */
		if (!(a->flags & FS_ATOMIC_LOCK) && fchmod(a->fd, a->mode) < 0)
			goto write_failed;
		if (fsync(a->fd) < 0)
			goto write_failed;
		rc = close(a->fd);
		a->fd = -1;
		if (rc < 0)
			goto write_failed;
	}
	block_cleanup(&old);
	rc = rename_into_place(a);
	if (!rc) {
		forget(a->entry);
		a->entry = NULL;
	}
	unblock_cleanup(&old);
	if (rc < 0) {
		fs_atomic_abort(a);
		return -1;
	}
	fs_fsync_parent(a->path);
	release(a);
	return 0;
write_failed:
	error("cannot write '%s': %s", a->tmp_path, strerror(errno));
	fs_atomic_abort(a);
	return -1;
}

int fs_atomic_commit_to(struct fs_atomic *a, const char *path)
{
	free(a->path);
	a->path = xstrdup(path);
	return fs_atomic_commit(a);
}

void fs_atomic_abort(struct fs_atomic *a)
{
	int saved = errno;
	sigset_t old;

	if (!a->tmp_path)
		return;
	if (a->fd >= 0)
		close(a->fd);
	/* unlink and forget at once: the lock may be someone else's next */
	block_cleanup(&old);
	if (a->entry)
		unlink(a->tmp_path);
	release(a);
	unblock_cleanup(&old);
	errno = saved;
}

/* ---- atomic directories ----------------------------------------------- */

static void dir_release(struct fs_atomic_dir *d)
{
	forget(d->entry);
	d->entry = NULL;
	free(d->path);
	free(d->tmp_path);
	d->path = d->tmp_path = NULL;
}

int fs_atomic_dir_begin(struct fs_atomic_dir *d, const char *path,
			const char *tmpl, mode_t mode)
{
	struct strbuf sb = STRBUF_INIT;
	sigset_t old;
	int e, made;

	memset(d, 0, sizeof(*d));
	if (tmpl)
		strbuf_addstr(&sb, tmpl);
	else
		strbuf_addf(&sb, "%s.tmp-XXXXXX", path);
	d->path = xstrdup(path);
	d->tmp_path = xstrdup(sb.buf);
	install_cleanup();
	block_cleanup(&old);
	made = mkdtemp(d->tmp_path) != NULL;
	e = errno;
	if (made)
		d->entry = remember(d->tmp_path, 1);
	unblock_cleanup(&old);
	if (!made) {
		error("cannot create '%s': %s", sb.buf, strerror(e));
		strbuf_release(&sb);
		dir_release(d);
		return -1;
	}
	strbuf_release(&sb);
	if (chmod(d->tmp_path, mode) < 0) {
		error("cannot change the mode of '%s': %s", d->tmp_path,
		      strerror(errno));
		fs_atomic_dir_abort(d);
		return -1;
	}
	return 0;
}

int fs_atomic_dir_commit(struct fs_atomic_dir *d)
{
	sigset_t old;
	int rc, e;

	if (!d->tmp_path)
		return error("nothing to commit: no temporary directory");
	fs_fsync_dir(d->tmp_path);
	block_cleanup(&old);
	rc = rename(d->tmp_path, d->path);
	e = errno;
	if (!rc) {
		forget(d->entry);
		d->entry = NULL;
	}
	unblock_cleanup(&old);
	if (!rc) {
		fs_fsync_parent(d->path);
		dir_release(d);
		return 0;
	}
	if ((e == EEXIST || e == ENOTEMPTY) && fs_is_dir(d->path)) {
		fs_atomic_dir_abort(d);
		return 1;
	}
	error("cannot rename '%s' to '%s': %s", d->tmp_path, d->path,
	      strerror(e));
	fs_atomic_dir_abort(d);
	return -1;
}

void fs_atomic_dir_abort(struct fs_atomic_dir *d)
{
	int saved = errno;

	if (!d->tmp_path)
		return;
	if (d->entry)
		remove_tree(d->tmp_path, 0);
	dir_release(d);
	errno = saved;
}
