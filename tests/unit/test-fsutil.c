/*
 * test-fsutil.c - atomic files and directories (lib/fsutil.c): commit,
 * abort, failures at each step, the lock, modes, hard links, and the
 * cleanup at exit and on signals.
 *
 * fsync(2) is replaced below (a definition in the program wins over libc's
 * for every caller, the library included): it logs what was synced, in
 * which order relative to the rename, and can be made to fail with EIO.
 * A full disk is simulated with RLIMIT_FSIZE and SIGXFSZ ignored, which
 * makes write(2) fail with EFBIG past the limit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "strbuf.h"
#include "tap.h"

static char dir[] = "/tmp/test-fsutil.XXXXXX";

/* ---- the fsync hook --------------------------------------------------- */

/*
 * fsync_log gets one letter a call: F (f) for a file while the target still
 * holds its old content (already the new), D (d) for a directory while the
 * target holds the new content (still the old).
 */
static int fsync_fail;	      /* fail with EIO */
static const char *watch;     /* the target being replaced */
static const char *watch_new; /* its new content */
static char fsync_log[64];
static size_t fsync_n;

static int holds(const char *path, const char *content)
{
	struct strbuf sb = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC), same = 0;

	if (fd >= 0) {
		if (strbuf_read_fd(&sb, fd) >= 0)
			same = !strcmp(sb.buf, content);
		close(fd);
	}
	strbuf_release(&sb);
	return same;
}

int fsync(int fd)
{
	struct stat st;

	if (fsync_fail) {
		errno = EIO;
		return -1;
	}
	if (watch && fstat(fd, &st) == 0 && fsync_n < sizeof(fsync_log) - 1) {
		int renamed = holds(watch, watch_new);

		if (S_ISDIR(st.st_mode))
			fsync_log[fsync_n++] = renamed ? 'D' : 'd';
		else
			fsync_log[fsync_n++] = renamed ? 'f' : 'F';
	}
	return (int)syscall(SYS_fsync, fd);
}

static void watch_target(const char *path, const char *content)
{
	watch = path;
	watch_new = content;
	fsync_n = 0;
	fsync_log[0] = '\0';
}

/* ---- helpers ---------------------------------------------------------- */

static char *at(const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s/%s", dir, name);
	return strbuf_detach(&sb, NULL);
}

/* The names in directory `d`, sorted, space-separated ("" if empty). */
static char *names_in(const char *d)
{
	struct dirent **list;
	struct strbuf sb = STRBUF_INIT;
	int n, i;

	n = scandir(d, &list, NULL, alphasort);
	for (i = 0; i < n; i++) {
		const char *name = list[i]->d_name;

		if (strcmp(name, ".") && strcmp(name, "..")) {
			if (sb.len)
				strbuf_addch(&sb, ' ');
			strbuf_addstr(&sb, name);
		}
		free(list[i]);
	}
	if (n >= 0)
		free(list);
	else
		strbuf_addstr(&sb, "(cannot read)");
	return strbuf_detach(&sb, NULL);
}

/* A fresh, empty directory `name` under the test directory. */
static char *fresh(const char *name)
{
	char *p = at(name);

	fs_remove_tree(p);
	mkdir(p, 0777);
	return p;
}

static void put(const char *path, const char *content)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(content, fp) < 0 || fclose(fp) != 0)
		printf("Bail out! cannot write %s\n", path);
}

static int mode_of(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run `fn(arg)` in a child; its wait status. */
static int in_child(void (*fn)(const char *), const char *arg)
{
	int st;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(99); /* fn exits or dies itself */
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* ---- children --------------------------------------------------------- */

static void begin_and_signal(const char *d)
{
	struct strbuf p = STRBUF_INIT;
	struct fs_atomic a, l;

	strbuf_addf(&p, "%s/file", d);
	if (fs_atomic_begin(&a, p.buf, 0644, 0) < 0 ||
	    fs_atomic_begin(&l, p.buf, 0644, FS_ATOMIC_LOCK) < 0)
		_exit(2);
	kill(getpid(), SIGTERM);
	_exit(3); /* not reached: SIGTERM kills us */
}

static void ignored_signal(const char *d)
{
	struct strbuf p = STRBUF_INIT;
	struct fs_atomic a;

	signal(SIGINT, SIG_IGN); /* before the first begin: left alone */
	strbuf_addf(&p, "%s/file", d);
	if (fs_atomic_begin(&a, p.buf, 0644, 0) < 0)
		_exit(2);
	kill(getpid(), SIGINT);
	exit(fs_exists(a.tmp_path) ? 0 : 4); /* atexit cleans up */
}

static void begin_and_exit(const char *d)
{
	struct strbuf p = STRBUF_INIT, q = STRBUF_INIT;
	struct fs_atomic a, l;
	struct fs_atomic_dir t;

	strbuf_addf(&p, "%s/file", d);
	strbuf_addf(&q, "%s/tree", d);
	if (fs_atomic_begin(&a, p.buf, 0644, 0) < 0 ||
	    fs_atomic_begin(&l, p.buf, 0644, FS_ATOMIC_LOCK) < 0 ||
	    fs_atomic_dir_begin(&t, q.buf, NULL, 0755) < 0)
		_exit(2);
	strbuf_reset(&q);
	strbuf_addf(&q, "%s/sub", t.tmp_path);
	if (mkdir(q.buf, 0777) < 0)
		_exit(2);
	strbuf_addstr(&q, "/x");
	put(q.buf, "x");
	exit(0); /* atexit cleans up */
}

static void hold_lock_briefly(const char *path)
{
	struct fs_atomic l;
	struct timespec ts = { 0, 300 * 1000 * 1000 };

	if (fs_atomic_begin(&l, path, 0644, FS_ATOMIC_LOCK) < 0)
		_exit(2);
	/* tell the parent, through the lock file's content */
	if (fs_atomic_write(&l, "held", 4) < 0)
		_exit(2);
	nanosleep(&ts, NULL);
	fs_atomic_abort(&l);
	_exit(0);
}

static void just_exit(const char *unused)
{
	exit(0);
}

/* ---- the tests -------------------------------------------------------- */

static void test_signals(void)
{
	char *d = fresh("sig");
	char *names;
	int st;

	/* first, while this process has never begun one (handlers unset) */
	st = in_child(begin_and_signal, d);
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
	   "SIGTERM still kills a process holding temporaries");
	names = names_in(d);
	is_str(names, "", "and its temporary file and lock are removed");
	free(names);

	st = in_child(ignored_signal, d);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "an ignored signal stays ignored; the temporary is kept meanwhile");
	names = names_in(d);
	is_str(names, "", "and removed at exit");
	free(names);

	st = in_child(begin_and_exit, d);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a child exits mid-write");
	names = names_in(d);
	is_str(names, "", "exit removes its files, lock and directory tree");
	free(names);
	free(d);
}

static void test_commit(void)
{
	char *d = fresh("c"), *names;
	struct fs_atomic a = FS_ATOMIC_INIT;
	struct stat before, after;
	char *target;

	target = at("c/t");
	ok(fs_write_file_atomic(target, "one\n", 4, 0640) == 0,
	   "write a new file");
	ok(holds(target, "one\n"), "with its content");
	is_int(mode_of(target), 0640, "and exactly its mode");
	names = names_in(d);
	is_str(names, "t", "no temporary file left beside it");
	free(names);

	stat(target, &before);
	watch_target(target, "two\n");
	ok(fs_write_file_atomic(target, "two\n", 4, 0644) == 0,
	   "replace it");
	watch = NULL;
	ok(holds(target, "two\n"), "the new content is there");
	stat(target, &after);
	ok(before.st_ino != after.st_ino,
	   "by a rename, not by writing into the old file");
	is_str(fsync_log, "FD",
	       "the file is fsync'd before the rename, the directory after");
	is_int(mode_of(target), 0644, "the new mode");

	ok(fs_atomic_begin(&a, target, 0444, 0) == 0, "begin");
	is_int(mode_of(a.tmp_path), 0600,
	       "the temporary is private while it is written");
	ok(!strncmp(a.tmp_path, target, strlen(target)) &&
		   !strncmp(a.tmp_path + strlen(target), ".tmp-", 5),
	   "named PATH.tmp-XXXXXX beside the target");
	ok(fs_atomic_write(&a, "three\n", 6) == 0, "write");
	ok(holds(target, "two\n"), "the target is untouched before the commit");
	ok(fs_atomic_commit(&a) == 0, "commit");
	ok(holds(target, "three\n") && mode_of(target) == 0444,
	   "content and the read-only mode are in place");
	ok(a.fd == -1 && !a.tmp_path && !a.path, "the struct is released");
	fs_atomic_abort(&a);
	fs_atomic_abort(&a);
	ok(holds(target, "three\n"), "abort after commit changes nothing");
	names = names_in(d);
	is_str(names, "t", "nothing else in the directory");
	free(names);
	free(target);
	free(d);
}

static void test_abort(void)
{
	char *d = fresh("ab"), *target = at("ab/t"), *names;
	struct fs_atomic a = FS_ATOMIC_INIT;
	int fd;

	fs_atomic_abort(&a);
	ok(1, "abort on FS_ATOMIC_INIT is harmless");
	put(target, "old\n");
	ok(fs_atomic_begin(&a, target, 0644, 0) == 0 &&
		   fs_atomic_write(&a, "new\n", 4) == 0,
	   "begin and write");
	fd = a.fd;
	fs_atomic_abort(&a);
	ok(holds(target, "old\n"), "abort leaves the target as it was");
	ok(fcntl(fd, F_GETFD) < 0 && errno == EBADF, "and closes the file");
	names = names_in(d);
	is_str(names, "t", "and removes the temporary");
	free(names);
	free(target);
	free(d);
}

static void test_failures(void)
{
	char *d = fresh("fail"), *target = at("fail/t"), *names;
	char *big = xcalloc(1, 65536);
	struct rlimit old, small;
	struct fs_atomic a;
	int rc;

	put(target, "old\n");

	/* a full disk: write(2) fails with EFBIG past 4 KiB */
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = 4096;
	signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	rc = fs_write_file_atomic(target, big, 65536, 0644);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	ok(rc < 0 && strstr(err_msg(), "cannot write '") &&
		   strstr(err_msg(), strerror(EFBIG)),
	   "a write that fails: -1, \"cannot write\" with the reason");
	printf("# %s\n", err_msg());
	is_int(err_code(), EXIT_ENV, "an environment error (exit 3)");
	ok(holds(target, "old\n"), "the target is untouched");
	names = names_in(d);
	is_str(names, "t", "no temporary left");
	free(names);

	/* fsync fails */
	fsync_fail = 1;
	rc = fs_write_file_atomic(target, "new\n", 4, 0644);
	fsync_fail = 0;
	ok(rc < 0 && strstr(err_msg(), strerror(EIO)),
	   "an fsync that fails: -1 with the reason");
	ok(holds(target, "old\n"), "the target is untouched");
	names = names_in(d);
	is_str(names, "t", "no temporary left");
	free(names);

	/* the rename fails: the target is a directory that is not empty */
	free(target);
	target = at("fail/sub");
	mkdir(target, 0777);
	free(big);
	big = at("fail/sub/x");
	put(big, "x");
	ok(fs_write_file_atomic(target, "new\n", 4, 0644) < 0 &&
		   strstr(err_msg(), "cannot rename '"),
	   "a rename that fails: -1, \"cannot rename\"");
	names = names_in(d);
	is_str(names, "sub t", "no temporary left");
	free(names);

	/* the temporary cannot be created */
	free(target);
	target = at("fail/missing/t");
	ok(fs_atomic_begin(&a, target, 0644, 0) < 0 &&
		   strstr(err_msg(), "cannot create '") &&
		   strstr(err_msg(), "missing/t.tmp-XXXXXX"),
	   "begin in a missing directory: \"cannot create\" names it");
	ok(a.fd == -1 && !a.tmp_path, "and leaves nothing to abort");
	fs_atomic_abort(&a);
	free(target);
	free(big);
	free(d);
}

static void test_lock(void)
{
	char *d = fresh("lock"), *target = at("lock/config"), *names, *lock;
	struct fs_atomic a, b;
	struct strbuf want = STRBUF_INIT;
	double t0;
	int st;
	mode_t old_umask;

	put(target, "old\n");
	old_umask = umask(022);
	ok(fs_atomic_begin(&a, target, 0666, FS_ATOMIC_LOCK) == 0, "lock");
	strbuf_addf(&want, "%s.lock", target);
	is_str(a.tmp_path, want.buf, "the temporary is PATH.lock");
	is_int(mode_of(a.tmp_path), 0644,
	       "created with the mode less the umask");
	ok(fs_atomic_begin(&b, target, 0666,
			   FS_ATOMIC_LOCK | FS_ATOMIC_NOWAIT) < 0,
	   "a second locker is refused");
	strbuf_reset(&want);
	strbuf_addf(&want, "cannot lock '%s': locked by another process",
		    target);
	is_str(err_msg(), want.buf, "with a message that says why");
	ok(err_hint_msg() && strstr(err_hint_msg(), ".lock'"),
	   "and a hint naming the lock file");
	ok(fs_exists(a.tmp_path), "the first lock is still held");
	ok(fs_atomic_write(&a, "new\n", 4) == 0 && fs_atomic_commit(&a) == 0,
	   "the holder commits");
	ok(holds(target, "new\n"), "its content is in place");
	is_int(mode_of(target), 0644, "not chmod'ed: still less the umask");
	umask(old_umask);
	names = names_in(d);
	is_str(names, "config", "and the lock is gone");
	free(names);

	/* a waiting locker gets the lock when the holder lets go */
	lock = at("lock/config.lock");
	fflush(stdout);
	if (fork() == 0)
		hold_lock_briefly(target);
	t0 = now_s();
	while (!holds(lock, "held") && now_s() - t0 < 5)
		usleep(1000);
	t0 = now_s();
	ok(fs_atomic_begin(&b, target, 0644, FS_ATOMIC_LOCK) == 0,
	   "a second locker waits for the first");
	ok(now_s() - t0 > 0.1, "(it did wait)");
	fs_atomic_abort(&b);
	wait(&st);
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the first one was a child");
	ok(!fs_exists(lock), "abort removes the lock");
	ok(fs_atomic_begin_tmp(&b, lock, 0644, FS_ATOMIC_LOCK) < 0,
	   "a lock needs a target name");
	strbuf_release(&want);
	free(lock);
	free(target);
	free(d);
}

static void test_tmp_and_mkdir(void)
{
	char *d = fresh("tmpl"), *tmpl = at("tmpl/obj-XXXXXX"), *names;
	char *target = at("tmpl/ab/cdef");
	struct fs_atomic a;

	ok(fs_atomic_begin_tmp(&a, tmpl, 0444, 0) == 0 && !a.path,
	   "begin with a template and no target");
	ok(fs_atomic_write(&a, "obj", 3) == 0, "write");
	ok(fs_atomic_commit_to(&a, target) < 0 &&
		   strstr(err_msg(), strerror(ENOENT)),
	   "a missing directory is an error without FS_ATOMIC_MKDIR");
	names = names_in(d);
	is_str(names, "", "and the temporary is removed");
	free(names);

	ok(fs_atomic_begin_tmp(&a, tmpl, 0444, FS_ATOMIC_MKDIR) == 0 &&
		   fs_atomic_write(&a, "obj", 3) == 0,
	   "again with FS_ATOMIC_MKDIR");
	ok(fs_atomic_commit_to(&a, target) == 0, "commit to a name found late");
	ok(holds(target, "obj") && mode_of(target) == 0444,
	   "the directory is made and the file is in it");
	names = names_in(d);
	is_str(names, "ab", "no temporary left");
	free(names);
	free(target);
	free(tmpl);
	free(d);
}

static void test_link(void)
{
	char *d = fresh("ln"), *src = at("ln/src"), *target = at("ln/dest");
	char *missing = at("ln/missing"), *names;
	struct fs_atomic a;
	struct stat s1, s2;

	put(src, "object\n");
	chmod(src, 0444);
	ok(fs_atomic_begin(&a, target, 0644, 0) == 0, "begin");
	is_int(fs_atomic_link(&a, src), 1, "link the source in");
	ok(fs_atomic_commit(&a) == 0, "commit");
	ok(stat(src, &s1) == 0 && stat(target, &s2) == 0 &&
		   s1.st_ino == s2.st_ino,
	   "the target is the source's inode");
	is_int(mode_of(target), 0444, "its mode is not changed");

	ok(fs_atomic_begin(&a, target, 0644, 0) == 0, "begin again");
	is_int(fs_atomic_link(&a, missing), 0,
	       "a link that fails returns 0");
	ok(a.fd >= 0 && fs_atomic_write(&a, "copy\n", 5) == 0,
	   "with a new empty temporary to copy into");
	ok(fs_atomic_commit(&a) == 0 && holds(target, "copy\n") &&
		   mode_of(target) == 0644,
	   "which commits with the mode asked for");
	ok(holds(src, "object\n"), "the source is untouched");
	names = names_in(d);
	is_str(names, "dest src", "no temporary left");
	free(names);
	free(missing);
	free(target);
	free(src);
	free(d);
}

static void test_fork(void)
{
	char *d = fresh("fork"), *target = at("fork/t");
	struct fs_atomic a;
	int st;

	ok(fs_atomic_begin(&a, target, 0644, 0) == 0, "begin");
	st = in_child(just_exit, NULL);
	ok(WIFEXITED(st) && fs_exists(a.tmp_path),
	   "a forked child that exits leaves its parent's temporary");
	fs_atomic_abort(&a);
	free(target);
	free(d);
}

static void test_dir(void)
{
	char *d = fresh("dir"), *target = at("dir/run"), *names;
	struct fs_atomic_dir t = FS_ATOMIC_DIR_INIT;
	struct strbuf f = STRBUF_INIT;
	struct stat st;

	fs_atomic_dir_abort(&t);
	ok(fs_atomic_dir_begin(&t, target, NULL, 0750) == 0,
	   "begin a directory");
	ok(!strncmp(t.tmp_path, target, strlen(target)) &&
		   !strncmp(t.tmp_path + strlen(target), ".tmp-", 5),
	   "named PATH.tmp-XXXXXX");
	is_int(mode_of(t.tmp_path), 0750, "with exactly its mode");
	ok(!fs_exists(target), "the target does not exist yet");
	strbuf_addf(&f, "%s/log", t.tmp_path);
	put(f.buf, "first\n");
	is_int(fs_atomic_dir_commit(&t), 0, "commit");
	strbuf_reset(&f);
	strbuf_addf(&f, "%s/log", target);
	ok(holds(f.buf, "first\n"), "the directory is in place, whole");
	ok(!t.tmp_path, "released");

	ok(fs_atomic_dir_begin(&t, target, NULL, 0750) == 0, "build another");
	strbuf_reset(&f);
	strbuf_addf(&f, "%s/log", t.tmp_path);
	put(f.buf, "second\n");
	is_int(fs_atomic_dir_commit(&t), 1,
	       "commit onto a directory that is there: 1");
	strbuf_reset(&f);
	strbuf_addf(&f, "%s/log", target);
	ok(holds(f.buf, "first\n"), "the one there is kept");
	names = names_in(d);
	is_str(names, "run", "the temporary tree is removed");
	free(names);

	strbuf_reset(&f);
	strbuf_addf(&f, "%s.t-XXXXXX", target);
	ok(fs_atomic_dir_begin(&t, target, f.buf, 0700) == 0,
	   "begin with a template");
	strbuf_reset(&f);
	strbuf_addf(&f, "%s/a", t.tmp_path);
	mkdir(f.buf, 0777);
	strbuf_addstr(&f, "/b");
	put(f.buf, "b");
	fs_atomic_dir_abort(&t);
	names = names_in(d);
	is_str(names, "run", "abort removes the whole tree");
	free(names);

	free(target);
	target = at("dir/file");
	put(target, "x");
	ok(fs_atomic_dir_begin(&t, target, NULL, 0755) == 0 &&
		   fs_atomic_dir_commit(&t) < 0 &&
		   strstr(err_msg(), "cannot rename '"),
	   "a file in the way is an error");
	ok(stat(target, &st) == 0 && S_ISREG(st.st_mode), "the file stays");
	names = names_in(d);
	is_str(names, "file run", "no temporary left");
	free(names);
	strbuf_release(&f);
	free(target);
	free(d);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_signals(); /* first: this process has begun nothing yet */
	test_commit();
	test_abort();
	test_failures();
	test_lock();
	test_tmp_and_mkdir();
	test_link();
	test_fork();
	test_dir();
	fs_remove_tree(dir);
	return tap_done();
}
