/*
 * test-proc.c - running a command, or many at once, teeing and watching
 * their output (lib/proc.c).  The commands are /bin/sh snippets; the test
 * re-runs itself as "test-proc --list-fds" to see which descriptors a
 * command inherits, and as "test-proc --line N" to write one long line.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "fsutil.h"
#include "proc.h"
#include "strbuf.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-proc-XXXXXX";
static const char *self;

static const char *tmp(const char *name)
{
	static char buf[4][PATH_MAX];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

/* A fresh file in tmpdir, open for reading and writing. */
static int tmpfd(const char *name)
{
	return open(tmp(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* The whole content of an fd (from offset 0); valid until the next call. */
static const char *slurp(int fd, size_t *len)
{
	static struct strbuf sb[2] = { STRBUF_INIT, STRBUF_INIT };
	static int k;

	k = !k;
	strbuf_reset(&sb[k]);
	lseek(fd, 0, SEEK_SET);
	strbuf_read_fd(&sb[k], fd);
	if (len)
		*len = sb[k].len;
	return sb[k].buf;
}

/* Empty a file and rewind it. */
static void reset_fd(int fd)
{
	if (ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		printf("# cannot reset fd %d\n", fd);
}

static long fd_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 ? -1 : (long)st.st_size;
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || fs_write_all(fd, text, strlen(text)) < 0)
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

/* Options for a quiet run of `sh -c SCRIPT`. */
static struct proc_opts sh_opts(const char *script)
{
	static char *argv[4] = { "/bin/sh", "-c", NULL, NULL };
	struct proc_opts o = PROC_OPTS_INIT;

	argv[2] = (char *)script;
	o.argv = argv;
	o.out_pass_fd = -1;
	o.err_pass_fd = -1;
	return o;
}

static int run_sh(const char *script, struct proc_result *res)
{
	struct proc_opts o = sh_opts(script);

	return proc_run(&o, res);
}

/* Collects the lines a callback sees, one per entry, as "[line]". */
struct lines {
	struct strbuf all;
	unsigned long n;
	int fail_from; /* return -1 from this line on (1-based); 0 never */
	int count_only;
};

static int collect(const char *line, size_t len, void *data)
{
	struct lines *l = data;

	l->n++;
	if (line[len] != '\0')
		return error("line not NUL-terminated");
	if (!l->count_only) {
		strbuf_addch(&l->all, '[');
		strbuf_add(&l->all, line, len);
		strbuf_addch(&l->all, ']');
	}
	if (l->fail_from && (int)l->n >= l->fail_from)
		return error("bad line %lu", l->n);
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int wait_for_file(const char *path, double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end) {
		if (fs_exists(path))
			return 1;
		usleep(10000);
	}
	return 0;
}

static void test_status(void)
{
	struct proc_result res;

	ok(run_sh("exit 0", &res) == 0, "exit 0: proc_run returns 0");
	ok(res.started && res.exited && !res.signaled, "exit 0: exited");
	is_int(proc_exit_code(&res), 0, "exit 0: code 0");

	ok(run_sh("exit 3", &res) == 0, "exit 3: the run itself succeeded");
	is_int(res.status, 3, "exit 3: status");
	is_int(proc_exit_code(&res), 3, "exit 3: code 3");

	ok(run_sh("kill -TERM $$", &res) == 0, "killed: proc_run returns 0");
	ok(res.signaled && !res.exited, "killed: signaled");
	is_int(res.signal, SIGTERM, "killed: by SIGTERM");
	is_int(proc_exit_code(&res), 128 + 15, "killed: code 143");
}

static void test_not_started(void)
{
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result res;
	char *missing[] = { "mlrepo-no-such-program", "x", NULL };
	char *noexec[] = { NULL, NULL };
	char *script[] = { NULL, "arg1", NULL };
	char *empty[] = { "", NULL };
	char *relative[] = { "./myscript", NULL };
	int out = tmpfd("ns.out");

	o.argv = missing;
	ok(proc_run(&o, &res) < 0, "missing program fails");
	is_str(err_msg(),
	       "cannot run 'mlrepo-no-such-program': No such file or directory",
	       "missing program: message");
	is_int(err_code(), EXIT_ENV, "missing program: environment failure");
	ok(!res.started, "missing program: not started");
	is_int(proc_exit_code(&res), 127, "missing program: code 127");

	o.argv = empty;
	ok(proc_run(&o, &res) < 0 && res.exec_errno == ENOENT,
	   "empty program name: not found");

	write_file(tmp("plain"), "echo no\n", 0644);
	noexec[0] = (char *)tmp("plain");
	o.argv = noexec;
	ok(proc_run(&o, &res) < 0, "file without x bit fails");
	ok(strstr(err_msg(), "plain': Permission denied") != NULL,
	   "not executable: Permission denied");
	is_int(proc_exit_code(&res), 126, "not executable: code 126");

	o.argv = missing;
	o.cwd = tmp("no-such-dir");
	ok(proc_run(&o, &res) < 0 && !res.started, "bad cwd fails");
	ok(strstr(err_msg(), "cannot change to directory") &&
		   strstr(err_msg(), "no-such-dir': No such file or directory"),
	   "bad cwd: message names the directory");

	/* No "#!": run by /bin/sh, as execvp(3) does. */
	write_file(tmp("myscript"), "echo \"script $1 $(basename \"$PWD\")\"\n",
		   0755);
	script[0] = (char *)tmp("myscript");
	o.argv = script;
	o.cwd = NULL;
	o.out_pass_fd = out;
	ok(proc_run(&o, &res) == 0 && res.exited && !res.status,
	   "executable without #! runs");
	ok(!strncmp(slurp(out, NULL), "script arg1 ", 12),
	   "... through /bin/sh, with its arguments");

	/* A relative program path is relative to cwd. */
	reset_fd(out);
	o.argv = relative;
	o.cwd = tmpdir;
	ok(proc_run(&o, &res) == 0 && res.exited && !res.status,
	   "./myscript found in cwd");
	close(out);
}

static void test_env_cwd(void)
{
	struct proc_opts o;
	struct proc_result res;
	const char *env[] = { "MLREPO_RUN=0123abcd", "MLREPO_T_GONE",
			      "MLREPO_T_OVER=new", "MLREPO_T_TWICE=1",
			      "MLREPO_T_TWICE=2", NULL };
	const char *path_env[] = { NULL, NULL };
	char *tool[] = { "mlrepo-test-tool", NULL };
	char want[PATH_MAX + 2], *real;
	struct strbuf pe = STRBUF_INIT;
	int out = tmpfd("env.out");

	setenv("MLREPO_T_GONE", "x", 1);
	setenv("MLREPO_T_OVER", "old", 1);
	o = sh_opts("printf '%s|%s|%s|%s|%s' \"$MLREPO_RUN\" "
		    "\"${MLREPO_T_GONE-unset}\" \"$MLREPO_T_OVER\" "
		    "\"$MLREPO_T_TWICE\" \"${HOME:+home}\"");
	o.env_add = env;
	o.out_pass_fd = out;
	ok(proc_run(&o, &res) == 0 && res.exited && !res.status, "env: runs");
	is_str(slurp(out, NULL), "0123abcd|unset|new|2|home",
	       "env: set, unset, replaced, last wins, rest inherited");
	is_str(getenv("MLREPO_T_OVER"), "old", "env: ours is unchanged");

	/* PATH from env_add is the one searched. */
	write_file(tmp("mlrepo-test-tool"), "#!/bin/sh\necho found $0\n", 0755);
	strbuf_addf(&pe, "PATH=/nonexistent::%s", tmpdir);
	path_env[0] = pe.buf;
	o = sh_opts("");
	o.argv = tool;
	o.env_add = path_env;
	o.out_pass_fd = out;
	reset_fd(out);
	ok(proc_run(&o, &res) == 0 && res.exited && !res.status,
	   "env: program found in the new PATH");
	ok(strstr(slurp(out, NULL), "found ") != NULL, "... and run");
	o.env_add = NULL;
	ok(proc_run(&o, &res) < 0 && !res.started,
	   "... and not found in ours");

	o = sh_opts("pwd -P");
	o.cwd = tmpdir;
	o.out_pass_fd = out;
	reset_fd(out);
	real = realpath(tmpdir, NULL);
	snprintf(want, sizeof(want), "%s\n", real ? real : "?");
	ok(proc_run(&o, &res) == 0, "cwd: runs");
	is_str(slurp(out, NULL), want, "cwd: honoured");
	free(real);
	strbuf_release(&pe);
	close(out);
}

static void test_streams(void)
{
	struct proc_opts o;
	struct proc_result res;
	int po = tmpfd("p.out"), pe = tmpfd("p.err");
	int co = tmpfd("c.out"), ce = tmpfd("c.err");
	int in = tmpfd("in");

	o = sh_opts("printf 'out1\\n'; printf 'err1\\n' >&2; printf 'out2'; "
		    "printf 'err2' >&2");
	o.out_pass_fd = po;
	o.err_pass_fd = pe;
	o.out_copy_fd = co;
	o.err_copy_fd = ce;
	ok(proc_run(&o, &res) == 0, "streams: runs");
	is_str(slurp(po, NULL), "out1\nout2", "stdout passed through");
	is_str(slurp(pe, NULL), "err1\nerr2", "stderr passed through apart");
	is_str(slurp(co, NULL), "out1\nout2", "stdout copied");
	is_str(slurp(ce, NULL), "err1\nerr2", "stderr copied");
	is_int(res.out_bytes, 9, "out_bytes");
	is_int(res.err_bytes, 9, "err_bytes");

	/* stdin: ours by default, /dev/null with -1, or an fd. */
	write_file(tmp("in"), "input text\n", 0644);
	o = sh_opts("cat");
	o.in_fd = in;
	o.out_pass_fd = po;
	reset_fd(po);
	ok(proc_run(&o, &res) == 0, "stdin from an fd: runs");
	is_str(slurp(po, NULL), "input text\n", "stdin from an fd");
	o.in_fd = -1;
	reset_fd(po);
	ok(proc_run(&o, &res) == 0 && res.out_bytes == 0,
	   "stdin -1 is /dev/null");
	close(po);
	close(pe);
	close(co);
	close(ce);
	close(in);
}

static void test_lines(void)
{
	struct proc_opts o;
	struct proc_result res;
	struct lines l = { STRBUF_INIT, 0, 0, 0 };
	int co = tmpfd("l.out");
	size_t len;
	const char *got;
	static const char want_lines[] =
		"[a][b][][c][d][::metric x=1 step=2][x\0y][last]";
	static const char want_copy[] =
		"a\nb\r\n\nc\rd\n::metric x=1 step=2\nx\0y\nlast";

	o = sh_opts("printf 'a\\nb\\r\\n\\nc\\rd\\n::metric x=1 step=2\\n"
		    "x\\000y\\nlast'; printf 'err\\n' >&2");
	o.on_stdout_line = collect;
	o.data = &l;
	o.out_copy_fd = co;
	ok(proc_run(&o, &res) == 0, "lines: runs");
	ok(l.all.len == sizeof(want_lines) - 1 &&
		   !memcmp(l.all.buf, want_lines, sizeof(want_lines) - 1),
	   "lines: LF, CRLF, lone CR, empty, NUL, last without newline");
	got = slurp(co, &len);
	ok(len == sizeof(want_copy) - 1 &&
		   !memcmp(got, want_copy, sizeof(want_copy) - 1),
	   "lines: the copy is byte for byte");

	/* CRLF split across two reads still ends one line. */
	strbuf_reset(&l.all);
	l.n = 0;
	o = sh_opts("printf 'one\\r'; sleep 0.2; printf '\\ntwo\\r\\n'");
	o.on_stdout_line = collect;
	o.data = &l;
	ok(proc_run(&o, &res) == 0, "split CRLF: runs");
	is_str(l.all.buf, "[one][two]", "split CRLF is one terminator");

	/* stderr lines on their own callback. */
	strbuf_reset(&l.all);
	o = sh_opts("echo out; echo e1 >&2; printf 'e2' >&2");
	o.on_stderr_line = collect;
	o.data = &l;
	ok(proc_run(&o, &res) == 0, "stderr lines: runs");
	is_str(l.all.buf, "[e1][e2]", "stderr lines");

	/* Lines over max_line: not reported, counted, saved. */
	strbuf_reset(&l.all);
	o = sh_opts("printf '0123456789\\n01234567890\\nok\\n0123456789A'");
	o.on_stdout_line = collect;
	o.data = &l;
	o.max_line = 10;
	o.out_copy_fd = co;
	reset_fd(co);
	ok(proc_run(&o, &res) == 0, "long lines: runs");
	is_str(l.all.buf, "[0123456789][ok]",
	       "a line of max_line bytes is reported, longer ones are not");
	is_int(res.long_lines, 2, "long lines counted (last one too)");
	slurp(co, &len);
	is_int(len, 11 + 12 + 3 + 11, "long lines: saved in full");

	strbuf_reset(&l.all);
	o = sh_opts("head -c 3000000 /dev/zero | tr '\\0' x; "
		    "printf '\\n::metric a=1\\n'");
	o.on_stdout_line = collect;
	o.data = &l;
	o.out_copy_fd = co;
	reset_fd(co);
	ok(proc_run(&o, &res) == 0, "3 MB line: runs");
	is_str(l.all.buf, "[::metric a=1]",
	       "3 MB line skipped, the next one seen");
	is_int(res.long_lines, 1, "3 MB line counted");
	is_int(fd_size(co), 3000000 + 14, "3 MB line saved in full");

	/* A failing callback: the first error is kept, the run goes on. */
	strbuf_reset(&l.all);
	l.n = 0;
	l.fail_from = 2;
	o = sh_opts("printf '1\\n2\\n3\\n4\\n'; exit 5");
	o.on_stdout_line = collect;
	o.data = &l;
	o.out_copy_fd = co;
	reset_fd(co);
	ok(proc_run(&o, &res) < 0, "callback error: proc_run returns -1");
	is_str(err_msg(), "bad line 2", "callback error: the first is kept");
	ok(res.started && res.exited && res.status == 5,
	   "callback error: status still reported");
	is_int(l.n, 4, "callback error: every line still seen");
	is_int(fd_size(co), 8, "callback error: output still saved");
	l.fail_from = 0;
	strbuf_release(&l.all);
	close(co);
}

static int nested(const char *line, size_t len, void *data)
{
	struct proc_result res;

	*(int *)data = run_sh("true", &res);
	return 0;
}

static void test_nested(void)
{
	struct proc_opts o = sh_opts("echo x");
	struct proc_result res;
	int rc = 0;

	o.on_stdout_line = nested;
	o.data = &rc;
	ok(proc_run(&o, &res) == 0 && rc < 0, "proc_run from a callback fails");
}

/* Compare two files' contents. */
static int same_content(int a, int b)
{
	size_t la, lb;
	const char *pa = slurp(a, &la), *pb = slurp(b, &lb);

	return la == lb && !memcmp(pa, pb, la);
}

static void test_big(void)
{
	struct proc_opts o;
	struct proc_result res;
	struct lines l = { STRBUF_INIT, 0, 0, 1 };
	int po = tmpfd("b.pout"), pe = tmpfd("b.perr");
	int co = tmpfd("b.cout"), ce = tmpfd("b.cerr");

	/* Both streams at once, 20 MB each: no deadlock, nothing lost. */
	o = sh_opts("yes abcdefghi | head -c 20000000 & "
		    "head -c 20000000 /dev/zero >&2; wait");
	o.out_pass_fd = po;
	o.err_pass_fd = pe;
	o.out_copy_fd = co;
	o.err_copy_fd = ce;
	o.on_stdout_line = collect;
	o.data = &l;
	ok(proc_run(&o, &res) == 0 && res.exited && !res.status,
	   "20 MB on both streams: runs");
	is_int(res.out_bytes, 20000000, "20 MB: stdout read");
	is_int(res.err_bytes, 20000000, "20 MB: stderr read");
	is_int(fd_size(po), 20000000, "20 MB: stdout passed");
	is_int(fd_size(pe), 20000000, "20 MB: stderr passed");
	is_int(fd_size(co), 20000000, "20 MB: stdout saved");
	is_int(fd_size(ce), 20000000, "20 MB: stderr saved");
	ok(same_content(po, co), "20 MB: passed and saved stdout agree");
	is_int(l.n, 2000000, "20 MB: every line seen");
	strbuf_release(&l.all);
	close(po);
	close(pe);
	close(co);
	close(ce);
}

static void test_write_errors(void)
{
	struct proc_opts o;
	struct proc_result res;
	int co = tmpfd("w.cout"), po = tmpfd("w.pout");
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	int p[2];
	pid_t reader;

	/* A full disk under a copy: reported, the rest goes on. */
	o = sh_opts("echo hello; echo world; exit 4");
	o.out_copy_fd = full;
	o.out_pass_fd = po;
	ok(full >= 0 && proc_run(&o, &res) < 0,
	   "copy to a full disk: proc_run returns -1");
	is_str(err_msg(),
	       "cannot save the stdout of '/bin/sh': No space left on device",
	       "copy to a full disk: message");
	ok(res.started && res.status == 4, "full disk: status reported");
	is_str(slurp(po, NULL), "hello\nworld\n", "full disk: passed through");
	if (full >= 0)
		close(full);

	/* Our stdout a closed pipe: quietly dropped, the copy is whole. */
	if (pipe(p) < 0)
		return;
	close(p[0]);
	o = sh_opts("i=0; while [ $i -lt 2000 ]; do "
		    "echo \"line $i of the output\"; i=$((i+1)); done; exit 0");
	o.out_pass_fd = p[1];
	o.out_copy_fd = co;
	ok(proc_run(&o, &res) == 0, "EPIPE on pass-through: not an error");
	ok(res.exited && res.status == 0, "EPIPE: the command was undisturbed");
	is_int(res.out_bytes, fd_size(co), "EPIPE: the copy has everything");
	ok(fd_size(co) > 40000, "EPIPE: ... which is all of it");
	close(p[1]);

	/* A non-blocking pass fd read slowly: waited for, nothing lost. */
	if (pipe(p) < 0)
		return;
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	reader = fork();
	if (!reader) {
		char buf[4096];
		ssize_t n;
		int fd = open(tmp("w.slow"), O_WRONLY | O_CREAT | O_TRUNC,
			      0644);

		close(p[1]);
		usleep(300000);
		while ((n = read(p[0], buf, sizeof(buf))) > 0)
			if (fs_write_all(fd, buf, (size_t)n) < 0)
				_exit(1);
		_exit(0);
	}
	close(p[0]);
	o = sh_opts("head -c 1000000 /dev/zero");
	o.out_pass_fd = p[1];
	ok(proc_run(&o, &res) == 0, "non-blocking slow pass fd: runs");
	close(p[1]);
	waitpid(reader, NULL, 0);
	{
		struct stat st;

		ok(!stat(tmp("w.slow"), &st) && st.st_size == 1000000,
		   "non-blocking slow pass fd: everything passed");
	}
	close(co);
	close(po);
}

/*
 * Run `o` in a forked process; its result comes back through a pipe.  The
 * runner takes SIGINT and SIGTERM by default, even when the test runs as a
 * background job that has SIGINT ignored.
 */
static pid_t start_runner(struct proc_opts *o, int *resfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (!pid) {
		struct proc_result res;
		ssize_t n;

		close(p[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		proc_run(o, &res);
		n = write(p[1], &res, sizeof(res));
		_exit(n == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(p[1]);
	*resfd = p[0];
	return pid;
}

static int finish_runner(pid_t pid, int fd, struct proc_result *res)
{
	ssize_t n = fs_read_full(fd, res, sizeof(*res));
	int st = -1;

	close(fd);
	waitpid(pid, &st, 0);
	return n == (ssize_t)sizeof(*res) && WIFEXITED(st) &&
	       !WEXITSTATUS(st);
}

static void test_forwarding(void)
{
	struct proc_opts o;
	struct proc_result res;
	struct strbuf sb = STRBUF_INIT;
	pid_t pid;
	int fd;
	double t;

	/*
	 * A new process group: SIGTERM to us reaches the shell and its
	 * background sleep.  The shell's trap records how the sleep ended
	 * (143 when it got SIGTERM too; 0 after 10 s if not).  The trap is
	 * set after the fork, so that the sleep never has it.
	 */
	unlink(tmp("ready"));
	strbuf_addf(&sb,
		    "sleep 10 & sp=$!; "
		    "trap 'wait $sp; echo $? > %s/sleep-status; exit 42' TERM; "
		    ": > %s/ready; wait $sp; exit 9",
		    tmpdir, tmpdir);
	o = sh_opts(sb.buf);
	o.pgrp = PROC_PGRP_NEW;
	t = now_s();
	pid = start_runner(&o, &fd);
	ok(wait_for_file(tmp("ready"), 20), "forward (group): command ready");
	kill(pid, SIGTERM);
	ok(finish_runner(pid, fd, &res), "forward (group): runner finished");
	ok(res.exited && res.status == 42, "forward (group): the trap ran");
	is_int(res.got_signal, SIGTERM, "forward (group): got_signal");
	strbuf_reset(&sb);
	strbuf_read_file(&sb, tmp("sleep-status"));
	is_str(sb.buf, "143\n", "forward (group): the whole group got it");
	ok(now_s() - t < 8, "forward (group): without waiting for sleep");

	/* The same process group: forwarded to the command alone. */
	unlink(tmp("ready"));
	strbuf_reset(&sb);
	strbuf_addf(&sb,
		    "trap 'exit 43' TERM; : > %s/ready; "
		    "while :; do sleep 0.05; done",
		    tmpdir);
	o = sh_opts(sb.buf);
	o.pgrp = PROC_PGRP_SAME;
	pid = start_runner(&o, &fd);
	ok(wait_for_file(tmp("ready"), 20), "forward (same): command ready");
	kill(pid, SIGTERM);
	ok(finish_runner(pid, fd, &res), "forward (same): runner finished");
	ok(res.exited && res.status == 43, "forward (same): the trap ran");

	/* SIGINT too. */
	unlink(tmp("ready"));
	strbuf_reset(&sb);
	strbuf_addf(&sb, ": > %s/ready; sleep 10", tmpdir);
	o = sh_opts(sb.buf);
	o.pgrp = PROC_PGRP_NEW;
	pid = start_runner(&o, &fd);
	ok(wait_for_file(tmp("ready"), 20), "forward SIGINT: command ready");
	kill(pid, SIGINT);
	ok(finish_runner(pid, fd, &res), "forward SIGINT: runner finished");
	ok(res.signaled && res.signal == SIGINT, "forward SIGINT: killed by it");
	is_int(proc_exit_code(&res), 130, "forward SIGINT: code 130");

	/* A signal the command sends us is not sent back to it. */
	o = sh_opts("kill -USR1 $PPID; sleep 0.1; echo still here");
	o.pgrp = PROC_PGRP_SAME;
	ok(proc_run(&o, &res) == 0 && res.exited && res.status == 0,
	   "the command's own signal to us is not sent back");
	is_int(res.got_signal, SIGUSR1, "... but is recorded");
	strbuf_release(&sb);
}

static void test_dispositions(void)
{
	struct proc_result res;
	struct sigaction sa;

	/* The command gets the dispositions we had, not our handlers. */
	signal(SIGINT, SIG_DFL);
	ok(run_sh("kill -INT $$; exit 0", &res) == 0 && res.signaled &&
		   res.signal == SIGINT,
	   "SIGINT default in the command");
	sigaction(SIGINT, NULL, &sa);
	ok(sa.sa_handler == SIG_DFL, "our SIGINT restored to default");

	signal(SIGINT, SIG_IGN);
	ok(run_sh("kill -INT $$; exit 7", &res) == 0 && res.exited &&
		   res.status == 7,
	   "SIGINT ignored by us stays ignored in the command");
	sigaction(SIGINT, NULL, &sa);
	ok(sa.sa_handler == SIG_IGN, "our SIGINT still ignored");
	signal(SIGINT, SIG_DFL);

	signal(SIGPIPE, SIG_DFL);
	ok(run_sh("kill -PIPE $$; exit 0", &res) == 0 && res.signaled &&
		   res.signal == SIGPIPE,
	   "SIGPIPE default in the command, though we ignore it meanwhile");
	sigaction(SIGPIPE, NULL, &sa);
	ok(sa.sa_handler == SIG_DFL, "our SIGPIPE restored");

	/* A caller that blocks SIGCHLD does not hang us. */
	{
		sigset_t set, old;

		sigemptyset(&set);
		sigaddset(&set, SIGCHLD);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, &old);
		ok(run_sh("sleep 0.1; exit 6", &res) == 0 && res.status == 6,
		   "SIGCHLD blocked by the caller: still reaped");
		sigprocmask(SIG_SETMASK, NULL, &set);
		ok(sigismember(&set, SIGCHLD) && sigismember(&set, SIGTERM),
		   "the caller's mask is restored");
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
}

static void test_costs(void)
{
	struct proc_result res;

	ok(run_sh("sleep 0.3", &res) == 0, "sleep: runs");
	ok(res.wall_s >= 0.29 && res.wall_s < 5, "wall time of sleep 0.3");

	ok(run_sh("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done", &res) ==
		   0,
	   "busy loop: runs");
	ok(res.cpu_user_s + res.cpu_sys_s > 0.02, "busy loop: CPU time > 0");
	printf("# busy loop: wall %.3f user %.3f sys %.3f\n", res.wall_s,
	       res.cpu_user_s, res.cpu_sys_s);

	ok(run_sh("head -c 50000000 /dev/zero | tail > /dev/null", &res) == 0,
	   "50 MB in tail: runs");
	ok(res.max_rss_kb > 40000 && res.max_rss_kb < 10000000,
	   "peak RSS of tail holding 50 MB");
	printf("# max_rss_kb %ld\n", res.max_rss_kb);
}

static void test_linger(void)
{
	struct proc_opts o;
	struct proc_result res;
	int out = tmpfd("linger.out");
	double t;

	/* A background process holds stdout: we stop after linger_ms. */
	o = sh_opts("(sleep 5; echo late) & echo early");
	o.out_pass_fd = out;
	o.linger_ms = 200;
	t = now_s();
	ok(proc_run(&o, &res) == 0 && res.exited, "linger: runs");
	ok(now_s() - t < 3, "linger: did not wait for the background job");
	is_str(slurp(out, NULL), "early\n", "linger: the command's output");

	o = sh_opts("(sleep 0.3; echo late) & echo early");
	o.out_pass_fd = out;
	o.linger_ms = -1;
	reset_fd(out);
	ok(proc_run(&o, &res) == 0, "linger -1: runs");
	is_str(slurp(out, NULL), "early\nlate\n", "linger -1: waits for EOF");

	/* A command that closes its output early is still waited for. */
	t = now_s();
	ok(run_sh("exec >&- 2>&-; sleep 0.3; exit 5", &res) == 0,
	   "closed output: runs");
	ok(res.exited && res.status == 5 && now_s() - t >= 0.29,
	   "closed output: waited for the exit");
	close(out);
}

/*
 * "test-proc --sigint-log FILE": note the si_code of every SIGINT received,
 * from "FILE.ready" being made until 0.3 s after the first one, in FILE.
 */
static volatile sig_atomic_t int_codes[8], int_n;

static void log_sigint(int sig, siginfo_t *si, void *ctx)
{
	if (int_n < 8)
		int_codes[int_n++] = si->si_code;
}

static int sigint_log(const char *file)
{
	struct sigaction sa;
	struct strbuf sb = STRBUF_INIT;
	double end = now_s() + 10, first = 0;
	int i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = log_sigint;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	strbuf_addf(&sb, "%s.ready", file);
	write_file(sb.buf, "", 0644);
	/* Spin, so that each signal is taken at once, not merged. */
	while (now_s() < end) {
		if (int_n && !first) {
			first = now_s();
			end = first + 0.3;
		}
	}
	strbuf_reset(&sb);
	for (i = 0; i < int_n; i++)
		strbuf_addf(&sb, "%d ", (int)int_codes[i]);
	write_file(file, sb.buf, 0644);
	strbuf_release(&sb);
	return 0;
}

/*
 * Ctrl-C typed on a terminal: a runner is made the session leader of a
 * pseudo-terminal, in its foreground, and the command logs what it gets.
 * A second SIGINT that arrives before the first is taken merges with it,
 * so a regression (forwarding what the terminal sent) shows up most of
 * the time rather than always; a pass is never spurious.
 */
static void ctrl_c(enum proc_pgrp mode, const char *want, const char *name)
{
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result res;
	char *argv[] = { (char *)self, "--sigint-log", NULL, NULL };
	struct strbuf sb = STRBUF_INIT;
	int master, fd;
	pid_t pid;
	char *slave;

	argv[2] = (char *)tmp("sigint-log");
	unlink(argv[2]);
	unlink(tmp("sigint-log.ready"));
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    !(slave = ptsname(master))) {
		printf("ok %d - # SKIP no pseudo-terminal\n", ++tap_n);
		if (master >= 0)
			close(master);
		return;
	}
	slave = xstrdup(slave);
	o.argv = argv;
	o.pgrp = mode;
	o.out_pass_fd = o.err_pass_fd = -1;
	pid = fork();
	if (!pid) {
		int tty;

		close(master);
		signal(SIGINT, SIG_DFL); /* not as a background job has it */
		if (setsid() < 0 || (tty = open(slave, O_RDWR)) < 0 ||
		    dup2(tty, 0) < 0)
			_exit(2);
		/* Our stdin is the terminal, whose foreground we are. */
		_exit(!proc_run(&o, &res) && res.exited && !res.status ? 0 : 3);
	}
	fd = -1;
	if (wait_for_file(tmp("sigint-log.ready"), 20))
		fd = (int)write(master, "\003", 1);
	{
		int st = -1;

		waitpid(pid, &st, 0);
		ok(fd == 1 && WIFEXITED(st) && !WEXITSTATUS(st), name);
	}
	strbuf_read_file(&sb, argv[2]);
	is_str(sb.buf, want, name);
	close(master);
	free(slave);
	strbuf_release(&sb);
}

static void test_terminal(void)
{
#ifdef SI_KERNEL
	char once_tty[16], once_fwd[16];

	snprintf(once_tty, sizeof(once_tty), "%d ", SI_KERNEL);
	snprintf(once_fwd, sizeof(once_fwd), "%d ", SI_USER);
	ctrl_c(PROC_PGRP_AUTO, once_tty,
	       "Ctrl-C on a terminal (auto: same group): once, from the tty");
	ctrl_c(PROC_PGRP_NEW, once_fwd,
	       "Ctrl-C on a terminal (new group): once, forwarded");
#else
	printf("ok %d - # SKIP no SI_KERNEL\n", ++tap_n);
#endif
}

/* "test-proc --line N": N bytes of 'y' and a newline, in one write(2). */
static int write_line(const char *n)
{
	size_t len = (size_t)strtoul(n, NULL, 10);
	char *buf = xmalloc(len + 1);
	int rc;

	memset(buf, 'y', len);
	buf[len] = '\n';
	rc = fs_write_all(1, buf, len + 1) < 0;
	free(buf);
	return rc;
}

/* "test-proc --list-fds": print the fds above 2 that are open. */
static int list_fds(void)
{
	int fd;

	for (fd = 3; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			printf("%d ", fd);
	return 0;
}

static void test_fds(void)
{
	struct proc_opts o = PROC_OPTS_INIT;
	struct proc_result res;
	struct strbuf want = STRBUF_INIT;
	char *argv[] = { (char *)self, "--list-fds", NULL };
	int out = tmpfd("fds.out"), leak = tmpfd("fds.leak");
	int cloexec = tmpfd("fds.cloexec");
	int fd, fl;

	/* An fd without FD_CLOEXEC (a jobserver) is passed on. */
	fcntl(leak, F_SETFD, 0);
	for (fd = 3; fd < 1024; fd++) {
		fl = fcntl(fd, F_GETFD);
		if (fl >= 0 && !(fl & FD_CLOEXEC))
			strbuf_addf(&want, "%d ", fd);
	}
	o.argv = argv;
	o.out_pass_fd = out;
	o.out_copy_fd = cloexec;
	o.err_pass_fd = -1;
	ok(proc_run(&o, &res) == 0 && res.exited && !res.status,
	   "fds: the lister runs");
	is_str(slurp(out, NULL), want.buf,
	       "fds: only our caller's inheritable fds reach the command");
	strbuf_release(&want);
	close(out);
	close(leak);
	close(cloexec);
}

/* ---- many at once: proc_run_parallel ---------------------------------- */

/* One task of a batch: what to run, and what the callbacks saw of it. */
struct ptask {
	const char *script; /* sh -c SCRIPT, unless argv is set */
	char **argv;
	const char *prefix;
	int timeout_ms, grace_ms, linger_ms;
	int out_copy, err_copy; /* 0: none */
	proc_line_fn on_line;
	int key; /* for check_line */

	char *sh_argv[4];
	int given;  /* next_task gave it */
	int failed; /* start_failed was called */
	int done;   /* task_done was called */
	int rc;
	int code; /* proc_exit_code() */
	struct proc_result res;
	char msg[256];
	unsigned long lines, bad_lines;
};

struct batch {
	struct ptask *t;
	int n, next, calls;
	int running, max_running; /* given and not yet reported */
	int ndone;
	int out_pass, err_pass;
	int wait_done; /* give task 1 on only once this many are done */
	int verdict;   /* task_done returns it for a task with code != 0 */
	int use_failed; /* set start_failed */
};

static int b_next(struct proc_opts *o, void *data)
{
	struct batch *b = data;
	struct ptask *t;

	b->calls++;
	if (b->next >= b->n || (b->next > 0 && b->ndone < b->wait_done))
		return 0;
	t = &b->t[b->next++];
	if (t->argv) {
		o->argv = t->argv;
	} else {
		t->sh_argv[0] = "/bin/sh";
		t->sh_argv[1] = "-c";
		t->sh_argv[2] = (char *)t->script;
		t->sh_argv[3] = NULL;
		o->argv = t->sh_argv;
	}
	o->prefix = t->prefix;
	o->timeout_ms = t->timeout_ms;
	o->kill_grace_ms = t->grace_ms;
	o->linger_ms = t->linger_ms;
	o->out_pass_fd = b->out_pass;
	o->err_pass_fd = b->err_pass;
	o->out_copy_fd = t->out_copy ? t->out_copy : -1;
	o->err_copy_fd = t->err_copy ? t->err_copy : -1;
	o->on_stdout_line = t->on_line;
	o->data = t;
	t->given = 1;
	if (++b->running > b->max_running)
		b->max_running = b->running;
	return 1;
}

static int b_failed(const struct proc_opts *o, const struct proc_result *res,
		    void *data)
{
	struct batch *b = data;
	struct ptask *t = o->data;

	b->running--;
	t->failed++;
	t->res = *res;
	t->code = proc_exit_code(res);
	snprintf(t->msg, sizeof(t->msg), "%s", err_msg());
	return 0;
}

static int b_done(int rc, const struct proc_opts *o,
		  const struct proc_result *res, void *data)
{
	struct batch *b = data;
	struct ptask *t = o->data;

	b->running--;
	b->ndone++;
	t->done++;
	t->rc = rc;
	t->res = *res;
	t->code = proc_exit_code(res);
	snprintf(t->msg, sizeof(t->msg), "%s", rc < 0 ? err_msg() : "");
	if (t->code && b->verdict < 0)
		return error("task %d failed with %d", (int)(t - b->t),
			     t->code);
	return t->code ? b->verdict : 0;
}

static int run_batch(struct batch *b, int jobs, struct proc_par_result *pr)
{
	struct proc_par_opts po = PROC_PAR_OPTS_INIT;

	po.jobs = jobs;
	po.next_task = b_next;
	po.start_failed = b->use_failed ? b_failed : NULL;
	po.task_done = b_done;
	po.data = b;
	return proc_run_parallel(&po, pr);
}

/* A batch of `n` tasks, quiet unless told otherwise. */
static void batch_init(struct batch *b, struct ptask *t, int n)
{
	memset(b, 0, sizeof(*b));
	memset(t, 0, (size_t)n * sizeof(*t));
	b->t = t;
	b->n = n;
	b->out_pass = b->err_pass = -1;
	b->use_failed = 1;
}

/* Has `pid` gone (or become a zombie that nobody reaps here)? */
static int pid_gone(pid_t pid, double seconds)
{
	double end = now_s() + seconds;
	char path[64], buf[512];

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	do {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		ssize_t n;
		char *p;

		if (fd < 0) {
			if (!fs_exists("/proc/self/stat"))
				return kill(pid, 0) < 0 && errno == ESRCH;
			return 1;
		}
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		p = strrchr(buf, ')');
		if (!p || (p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X')))
			return 1;
		usleep(20000);
	} while (now_s() < end);
	return 0;
}

static long read_pid(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	long pid = 0;

	if (!strbuf_read_file(&sb, path))
		pid = strtol(sb.buf, NULL, 10);
	strbuf_release(&sb);
	return pid;
}

static void test_par_overlap(void)
{
	char *sleep1[] = { "sleep", "1", NULL };
	struct ptask t[4];
	struct batch b;
	struct proc_par_result pr;
	double t0, wall;
	int i, good = 0;

	batch_init(&b, t, 4);
	for (i = 0; i < 4; i++)
		t[i].argv = sleep1;
	t0 = now_s();
	ok(run_batch(&b, 4, &pr) == 0, "4 x sleep 1, 4 at once: runs");
	wall = now_s() - t0;
	for (i = 0; i < 4; i++)
		good += t[i].done == 1 && t[i].rc == 0 && t[i].res.exited &&
			!t[i].res.status && t[i].res.wall_s >= 0.9;
	is_int(good, 4, "4 x sleep 1: each exited 0 after a second");
	is_int(pr.started, 4, "4 x sleep 1: 4 started");
	ok(wall < 2.5, "4 x sleep 1: they overlapped (well under 4 s)");
	printf("# 4 x sleep 1 with -j4: %.2f s\n", wall);
}

static void test_par_limit(void)
{
	struct ptask t[4];
	struct batch b;
	struct proc_par_result pr;
	struct strbuf script = STRBUF_INIT, log = STRBUF_INIT;
	int i, run = 0, most = 0, rounds = 0;
	double t0, wall;

	unlink(tmp("limit.log"));
	strbuf_addf(&script,
		    "echo + >> %s/limit.log; sleep 0.5; echo - >> %s/limit.log",
		    tmpdir, tmpdir);
	batch_init(&b, t, 4);
	for (i = 0; i < 4; i++)
		t[i].script = script.buf;
	t0 = now_s();
	ok(run_batch(&b, 2, &pr) == 0, "4 tasks, 2 at once: runs");
	wall = now_s() - t0;
	strbuf_read_file(&log, tmp("limit.log"));
	/* The children's own record of how many ran at once. */
	for (i = 0; log.buf[i]; i++) {
		if (log.buf[i] == '+' && ++run > most)
			most = run;
		if (log.buf[i] == '-')
			run--;
		rounds += log.buf[i] == '\n';
	}
	is_int(rounds, 8, "2 at once: every task started and ended");
	is_int(most, 2, "2 at once: never more than 2 ran, and 2 did");
	ok(b.max_running <= 2, "2 at once: at most 2 handed out at a time");
	ok(wall >= 0.95, "2 at once: 4 x 0.5 s took two rounds at least");
	strbuf_release(&script);
	strbuf_release(&log);
}

static void test_par_timeout(void)
{
	struct ptask t[2];
	struct batch b;
	struct proc_par_result pr;
	struct strbuf s0 = STRBUF_INIT, s1 = STRBUF_INIT;
	double t0, wall;
	long gc;

	/* A timeout kills its own group: the task and its grandchild. */
	unlink(tmp("gc.pid"));
	strbuf_addf(&s0, "sleep 30 & echo $! > %s/gc.pid; sleep 30", tmpdir);
	batch_init(&b, t, 2);
	t[0].script = s0.buf;
	t[0].timeout_ms = 1000;
	t[0].grace_ms = 20000; /* only SIGTERM to the group ends it soon */
	t[1].script = "sleep 2; exit 0";
	t0 = now_s();
	ok(run_batch(&b, 2, &pr) == 0, "timeout: runs");
	wall = now_s() - t0;
	ok(t[0].res.timed_out && t[0].res.signaled &&
		   t[0].res.signal == SIGTERM,
	   "timeout: the task is reported timed out, killed by SIGTERM");
	ok(t[0].res.wall_s >= 0.9 && t[0].res.wall_s < 2.5,
	   "timeout: after about a second");
	ok(t[1].res.exited && !t[1].res.status && !t[1].res.timed_out &&
		   t[1].res.wall_s >= 1.9,
	   "timeout: the other task ran its 2 s and exited 0");
	gc = read_pid(tmp("gc.pid"));
	ok(gc > 0 && pid_gone((pid_t)gc, 3),
	   "timeout: the task's grandchild is gone too");
	ok(wall < 10, "timeout: SIGTERM reached the whole group at once");

	/*
	 * SIGTERM ignored: SIGKILL after the grace.  A grandchild that
	 * ignores SIGTERM and holds the output open is killed as well.
	 */
	unlink(tmp("gc.pid"));
	strbuf_addf(&s1,
		    "(trap '' TERM; echo $(exec sh -c 'echo $PPID') > "
		    "%s/gc.pid; exec sleep 30) & sleep 30",
		    tmpdir);
	batch_init(&b, t, 2);
	t[0].script = "trap '' TERM; sleep 30";
	t[0].timeout_ms = 200;
	t[0].grace_ms = 300;
	t[1].script = s1.buf;
	t[1].timeout_ms = 600; /* time to set its trap on a loaded machine */
	t[1].grace_ms = 300;
	t[1].linger_ms = 100; /* shorter than the grace, which still holds */
	t0 = now_s();
	ok(run_batch(&b, 2, &pr) == 0, "grace: runs");
	wall = now_s() - t0;
	ok(t[0].res.timed_out && t[0].res.signaled &&
		   t[0].res.signal == SIGKILL,
	   "grace: SIGTERM ignored, SIGKILL after the grace period");
	ok(t[0].res.wall_s >= 0.45 && t[0].res.wall_s < 3,
	   "grace: at timeout + grace");
	ok(t[1].res.timed_out, "grace: the other timed out too");
	gc = read_pid(tmp("gc.pid"));
	ok(gc > 0 && pid_gone((pid_t)gc, 3),
	   "grace: a grandchild deaf to SIGTERM holding the output is killed");
	ok(wall < 5, "grace: no sleep 30 waited for");

	/* proc_run has the same timeout. */
	{
		struct proc_opts o = sh_opts("exec sleep 30");
		struct proc_result res;

		o.timeout_ms = 200;
		t0 = now_s();
		ok(proc_run(&o, &res) == 0 && res.timed_out &&
			   res.signaled && res.signal == SIGTERM,
		   "proc_run timeout: SIGTERM, reported timed out");
		ok(now_s() - t0 < 5, "proc_run timeout: quick");
		o = sh_opts("exit 0");
		o.timeout_ms = 5000;
		ok(proc_run(&o, &res) == 0 && !res.timed_out && res.exited,
		   "proc_run timeout not reached: not timed out");
	}
	strbuf_release(&s0);
	strbuf_release(&s1);
}

/*
 * A runner process runs the batch and sends back what it saw: the result,
 * the number of next_task calls, and the tasks.
 */
static pid_t start_par_runner(struct batch *b, int jobs, int *resfd)
{
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (!pid) {
		struct proc_par_result pr;
		int ok_ = 1;

		close(p[0]);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		run_batch(b, jobs, &pr);
		ok_ &= write(p[1], &pr, sizeof(pr)) == (ssize_t)sizeof(pr);
		ok_ &= write(p[1], &b->calls, sizeof(b->calls)) ==
		       (ssize_t)sizeof(b->calls);
		ok_ &= write(p[1], b->t, (size_t)b->n * sizeof(*b->t)) ==
		       (ssize_t)((size_t)b->n * sizeof(*b->t));
		_exit(ok_ ? 0 : 1);
	}
	close(p[1]);
	*resfd = p[0];
	return pid;
}

static int finish_par_runner(pid_t pid, int fd, struct batch *b,
			     struct proc_par_result *pr)
{
	size_t len = (size_t)b->n * sizeof(*b->t);
	int st = -1, good;

	good = fs_read_full(fd, pr, sizeof(*pr)) == (ssize_t)sizeof(*pr) &&
	       fs_read_full(fd, &b->calls, sizeof(b->calls)) ==
		       (ssize_t)sizeof(b->calls) &&
	       fs_read_full(fd, b->t, len) == (ssize_t)len;
	close(fd);
	waitpid(pid, &st, 0);
	return good && WIFEXITED(st) && !WEXITSTATUS(st);
}

static void test_par_signal(void)
{
	struct ptask t[5];
	struct strbuf sc[5];
	struct batch b;
	struct proc_par_result pr;
	struct strbuf sb = STRBUF_INIT, st = STRBUF_INIT;
	int i, fd = -1, ready = 1, trapped = 0, told = 0, groups = 0;
	pid_t pid;

	/*
	 * Three at once, five in all.  Each shell records how its group's
	 * background sleep ended (143: it got SIGTERM too) and exits 40 + i
	 * from its trap; the trap is set after the fork, so that the sleep
	 * never has it.
	 */
	batch_init(&b, t, 5);
	for (i = 0; i < 5; i++) {
		strbuf_init(&sc[i], 0);
		strbuf_addf(&sc[i],
			    "sleep 10 & sp=$!; trap 'wait $sp; "
			    "echo $? > %s/par-st.%d; exit %d' TERM; "
			    ": > %s/par-ready.%d; wait $sp; exit 9",
			    tmpdir, i, 40 + i, tmpdir, i);
		t[i].script = sc[i].buf;
	}
	for (i = 0; i < 5; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "par-ready.%d", i);
		unlink(tmp(sb.buf));
		strbuf_reset(&sb);
		strbuf_addf(&sb, "par-st.%d", i);
		unlink(tmp(sb.buf));
	}
	pid = start_par_runner(&b, 3, &fd);
	for (i = 0; i < 3; i++) {
		strbuf_reset(&sb);
		strbuf_addf(&sb, "par-ready.%d", i);
		ready &= wait_for_file(tmp(sb.buf), 20);
	}
	ok(ready, "signal: three tasks running");
	kill(pid, SIGTERM);
	ok(finish_par_runner(pid, fd, &b, &pr), "signal: runner finished");
	is_int(pr.got_signal, SIGTERM, "signal: reported");
	for (i = 0; i < 3; i++) {
		trapped += t[i].done && t[i].res.exited &&
			   t[i].res.status == 40 + i;
		told += t[i].res.got_signal == SIGTERM;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "par-st.%d", i);
		strbuf_reset(&st);
		strbuf_read_file(&st, tmp(sb.buf));
		groups += !strcmp(st.buf, "143\n");
	}
	is_int(trapped, 3, "signal: every running task got it (its trap ran)");
	is_int(told, 3, "signal: each task's got_signal is SIGTERM");
	is_int(groups, 3, "signal: ... and every task's whole group");
	is_int(b.calls, 3, "signal: next_task not called after it");
	ok(!t[3].given && !t[4].given && pr.started == 3,
	   "signal: no further task started");
	for (i = 0; i < 5; i++)
		strbuf_release(&sc[i]);
	strbuf_release(&sb);
	strbuf_release(&st);
}

/* The lines of test_par_lines: "K:I:" and 3000 of K's letter; "K:end". */
#define PL_LINES 2000
#define PL_PIECE 1000

static int pl_line_ok(int key, unsigned long i, const char *p, size_t len)
{
	char head[32];
	size_t h = (size_t)snprintf(head, sizeof(head), "%d:%lu:", key, i), k;

	if (len != h + 3 * PL_PIECE || memcmp(p, head, h))
		return 0;
	for (k = h; k < len; k++)
		if (p[k] != 'a' + key)
			return 0;
	return 1;
}

static int check_line(const char *line, size_t len, void *data)
{
	struct ptask *t = data;

	if (t->lines < PL_LINES ? !pl_line_ok(t->key, t->lines, line, len)
				: len != 5 || line[0] != '0' + t->key ||
					  strcmp(line + 1, ":end"))
		t->bad_lines++;
	t->lines++;
	return 0;
}

/*
 * Check the echo of test_par_lines: every line is "[tK] " and a whole line
 * of child K, stdout lines in order, stderr lines ("K:I:err") in order.
 */
static int check_echo(const char *buf, size_t len, int nkeys, int *outs,
		      int *errs, int *ends)
{
	const char *p = buf, *end = buf + len;
	int bad = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *q = p + 5;
		char want[32];
		int k;

		if (!nl) {
			bad++;
			break;
		}
		k = p[2] - '0';
		if (nl - p < 6 || memcmp(p, "[t", 2) || k < 0 || k >= nkeys ||
		    memcmp(p + 3, "] ", 2)) {
			bad++;
		} else if (nl - q == 5 && !memcmp(q + 1, ":end", 4) &&
			   q[0] == '0' + k) {
			ends[k]++;
		} else if (nl[-1] == 'r') {
			snprintf(want, sizeof(want), "%d:%d:err", k,
				 errs[k] * 100);
			if ((size_t)(nl - q) != strlen(want) ||
			    memcmp(q, want, (size_t)(nl - q)))
				bad++;
			errs[k]++;
		} else {
			if (!pl_line_ok(k, (unsigned long)outs[k], q,
					(size_t)(nl - q)))
				bad++;
			outs[k]++;
		}
		p = nl + 1;
	}
	return bad;
}

static void test_par_lines(void)
{
	enum { N = 3 };
	struct ptask t[N];
	struct strbuf sc[N];
	struct batch b;
	struct proc_par_result pr;
	char prefix[N][8];
	int echo = tmpfd("pl.echo"), co[N], ce[N];
	int outs[N] = { 0 }, errs[N] = { 0 }, ends[N] = { 0 };
	int i, good_out = 0, good_err = 0, good_lines = 0, good_copy = 0;
	unsigned long i_, want = 0;
	size_t len;
	const char *got;
	char name[32];

	for (i_ = 0; i_ < PL_LINES; i_++) {
		char h[32];

		want += (size_t)snprintf(h, sizeof(h), "0:%lu:", i_) +
			3 * PL_PIECE + 1;
	}
	want += 5; /* "K:end" */
	/*
	 * Each child writes each line in four pieces (dash's printf writes
	 * once per call), with a line on stderr every 100.
	 */
	batch_init(&b, t, N);
	b.out_pass = b.err_pass = echo;
	for (i = 0; i < N; i++) {
		strbuf_init(&sc[i], 0);
		strbuf_addf(&sc[i],
			    "p=$(printf '%%0%dd' 0 | tr 0 %c); i=0; "
			    "while [ $i -lt %d ]; do printf '%%s' %d:$i:; "
			    "printf '%%s' $p; printf '%%s' $p; "
			    "printf '%%s\\n' $p; "
			    "[ $((i %% 100)) = 0 ] && echo %d:$i:err >&2; "
			    "i=$((i + 1)); done; printf %d:end",
			    PL_PIECE, 'a' + i, PL_LINES, i, i, i);
		snprintf(prefix[i], sizeof(prefix[i]), "[t%d] ", i);
		snprintf(name, sizeof(name), "pl.out%d", i);
		co[i] = tmpfd(name);
		snprintf(name, sizeof(name), "pl.err%d", i);
		ce[i] = tmpfd(name);
		t[i].script = sc[i].buf;
		t[i].prefix = prefix[i];
		t[i].out_copy = co[i];
		t[i].err_copy = ce[i];
		t[i].on_line = check_line;
		t[i].key = i;
	}
	ok(run_batch(&b, N, &pr) == 0, "lines: 3 children at once run");
	got = slurp(echo, &len);
	is_int(check_echo(got, len, N, outs, errs, ends), 0,
	       "lines: every echoed line is a whole line of one child");
	for (i = 0; i < N; i++) {
		good_out += outs[i] == PL_LINES && ends[i] == 1;
		good_err += errs[i] == PL_LINES / 100;
		good_lines += t[i].lines == PL_LINES + 1 && !t[i].bad_lines;
		got = slurp(co[i], &len);
		good_copy += len == want && t[i].res.out_bytes == want &&
			     pl_line_ok(i, 0, got, 3 * PL_PIECE + 4) &&
			     got[len - 5] == '0' + i &&
			     !memcmp(got + len - 4, ":end", 4) &&
			     !memchr(got, '[', len);
		got = slurp(ce[i], &len);
		good_copy += len == t[i].res.err_bytes && len > 0 &&
			     got[len - 1] == '\n';
	}
	is_int(good_out, N, "lines: all stdout lines echoed, last one ended");
	is_int(good_err, N, "lines: all stderr lines echoed");
	is_int(good_lines, N, "lines: the line callback saw every line");
	is_int(good_copy, 2 * N, "lines: the copies hold the output unchanged");
	for (i = 0; i < N; i++) {
		close(co[i]);
		close(ce[i]);
		strbuf_release(&sc[i]);
	}
	close(echo);
}

static void test_par_long_line(void)
{
	struct ptask t[1];
	struct batch b;
	struct proc_par_result pr;
	struct strbuf want = STRBUF_INIT;
	int echo = tmpfd("ll.echo"), copy = tmpfd("ll.copy");
	size_t len, k;
	const char *got;

	/* 200000 bytes without a newline: passed on in 64 KiB pieces. */
	batch_init(&b, t, 1);
	b.out_pass = echo;
	t[0].script = "head -c 200000 /dev/zero | tr '\\0' x; echo; "
		      "printf tail";
	t[0].prefix = "[long] ";
	t[0].out_copy = copy;
	ok(run_batch(&b, 1, &pr) == 0 && t[0].res.exited,
	   "long line: runs");
	for (k = 0; k + PROC_ECHO_MAX <= 200000; k += PROC_ECHO_MAX) {
		strbuf_addstr(&want, "[long] ");
		strbuf_grow(&want, PROC_ECHO_MAX);
		memset(want.buf + want.len, 'x', PROC_ECHO_MAX);
		strbuf_setlen(&want, want.len + PROC_ECHO_MAX);
		strbuf_addch(&want, '\n');
	}
	strbuf_addstr(&want, "[long] ");
	strbuf_grow(&want, 200000 - k);
	memset(want.buf + want.len, 'x', 200000 - k);
	strbuf_setlen(&want, want.len + 200000 - k);
	strbuf_addstr(&want, "\n[long] tail\n");
	got = slurp(echo, &len);
	ok(len == want.len && !memcmp(got, want.buf, len),
	   "long line: echoed in 64 KiB pieces, each a prefixed line");
	is_int(fd_size(copy), 200000 + 1 + 4, "long line: copied unchanged");

	/*
	 * 70000 bytes and the newline in one write: the newline comes in the
	 * same read as bytes past the limit, which are still cut off.
	 */
	{
		char *argv[] = { (char *)self, "--line", "70000", NULL };

		batch_init(&b, t, 1);
		b.out_pass = echo;
		t[0].argv = argv;
		t[0].prefix = "[y] ";
		reset_fd(echo);
		ok(run_batch(&b, 1, &pr) == 0 && t[0].res.exited &&
			   !t[0].res.status,
		   "line of 70000 in one write: runs");
		got = slurp(echo, &len);
		ok(len == 4 + 70000 + 1 + 4 + 1 &&
			   !memcmp(got, "[y] yyy", 7) &&
			   got[4 + PROC_ECHO_MAX] == '\n' &&
			   !memcmp(got + 4 + PROC_ECHO_MAX + 1, "[y] yyy", 7),
		   "line of 70000 in one write: 64 KiB, then the rest");
	}
	strbuf_release(&want);

	/* proc_run with a prefix passes whole lines too. */
	{
		struct proc_opts o = sh_opts("printf 'a\\nb\\r\\n'; "
					     "printf 'c\\n' >&2; printf d");
		struct proc_result res;
		int po = tmpfd("pre.out"), pe = tmpfd("pre.err");

		o.prefix = "[x] ";
		o.out_pass_fd = po;
		o.err_pass_fd = pe;
		ok(proc_run(&o, &res) == 0, "proc_run with a prefix: runs");
		is_str(slurp(po, NULL), "[x] a\n[x] b\r\n[x] d\n",
		       "proc_run with a prefix: whole lines after it");
		is_str(slurp(pe, NULL), "[x] c\n", "... stderr too");
		close(po);
		close(pe);
	}
	close(echo);
	close(copy);
}

static void test_par_not_started(void)
{
	char *missing[] = { "mlrepo-no-such-program", NULL };
	struct ptask t[3];
	struct batch b;
	struct proc_par_result pr;
	int out = tmpfd("ns.par");
	const char *got;

	batch_init(&b, t, 3);
	b.out_pass = out;
	t[0].script = "echo first";
	t[1].argv = missing;
	t[2].script = "echo third; exit 3";
	ok(run_batch(&b, 2, &pr) == 0, "not started: the batch runs");
	ok(t[1].failed == 1 && !t[1].done && !t[1].res.started,
	   "not started: reported through start_failed only");
	is_str(t[1].msg,
	       "cannot run 'mlrepo-no-such-program': No such file or directory",
	       "not started: the message");
	is_int(t[1].code, 127, "not started: code 127");
	ok(t[0].done && !t[0].failed && t[0].res.exited && !t[0].res.status &&
		   t[2].done && t[2].res.status == 3,
	   "not started: the others ran");
	ok(pr.started == 2 && pr.not_started == 1, "not started: counted");
	got = slurp(out, NULL);
	ok(!strcmp(got, "first\nthird\n") || !strcmp(got, "third\nfirst\n"),
	   "not started: the others' output, in whole lines");

	/* Without start_failed, task_done hears of it with rc -1. */
	batch_init(&b, t, 2);
	b.use_failed = 0;
	t[0].argv = missing;
	t[1].script = "exit 0";
	ok(run_batch(&b, 2, &pr) == 0 && t[0].done && t[0].rc < 0 &&
		   !t[0].res.started && t[0].code == 127 && t[1].done,
	   "not started, no start_failed: task_done gets rc -1");
	close(out);
}

static void test_par_callbacks(void)
{
	struct ptask t[3];
	struct batch b;
	struct proc_par_result pr;
	struct strbuf sa = STRBUF_INIT, sb = STRBUF_INIT, log = STRBUF_INIT;
	double t0;
	int out = tmpfd("cb.out");

	/* next_task returns 0 until A is done: B runs after it. */
	unlink(tmp("order"));
	strbuf_addf(&sa, "sleep 0.3; echo A >> %s/order", tmpdir);
	strbuf_addf(&sb, "echo B >> %s/order", tmpdir);
	batch_init(&b, t, 2);
	b.wait_done = 1;
	t[0].script = sa.buf;
	t[1].script = sb.buf;
	ok(run_batch(&b, 4, &pr) == 0 && t[0].done && t[1].done,
	   "next_task 0 for a while: both ran");
	strbuf_read_file(&log, tmp("order"));
	is_str(log.buf, "A\nB\n", "next_task asked again after a task ended");

	/* PROC_STOP: no more tasks. */
	batch_init(&b, t, 3);
	b.verdict = PROC_STOP;
	t[0].script = "exit 1";
	t[1].script = "exit 0";
	t[2].script = "exit 0";
	ok(run_batch(&b, 1, &pr) == 0, "PROC_STOP: returns 0");
	ok(t[0].done && !t[1].given && !t[2].given,
	   "PROC_STOP: no task started after it");

	/* PROC_KILL: the running ones are stopped. */
	batch_init(&b, t, 3);
	b.verdict = PROC_KILL;
	t[0].script = "sleep 0.2; exit 1";
	t[1].script = "exec sleep 30";
	t[2].script = "exec sleep 30";
	t0 = now_s();
	ok(run_batch(&b, 3, &pr) == 0, "PROC_KILL: returns 0");
	ok(t[1].res.signaled && t[1].res.signal == SIGTERM &&
		   t[2].res.signaled && !t[1].res.timed_out,
	   "PROC_KILL: the others got SIGTERM");
	ok(now_s() - t0 < 5, "PROC_KILL: without waiting for them");

	/* -1 from a callback: its message, after the running ones end. */
	batch_init(&b, t, 3);
	b.verdict = -1;
	t[0].script = "exit 1";
	t[1].script = "sleep 0.3";
	t[2].script = "exit 0";
	ok(run_batch(&b, 2, &pr) < 0, "callback error: returns -1");
	is_str(err_msg(), "task 0 failed with 1",
	       "callback error: with the callback's message");
	ok(t[1].done && t[1].res.exited && !t[2].given,
	   "callback error: the running one finished, no new one");

	/* Parallel children read /dev/null, not our stdin (a pipe here). */
	{
		int p[2], saved = dup(0);

		if (pipe(p) < 0 || write(p[1], "ours\n", 5) != 5 ||
		    dup2(p[0], 0) < 0)
			printf("# cannot make a stdin\n");
		close(p[0]);
		close(p[1]);
		batch_init(&b, t, 1);
		b.out_pass = out;
		t[0].script = "cat; echo eof";
		t[0].timeout_ms = 10000;
		ok(run_batch(&b, 1, &pr) == 0 && !t[0].res.timed_out,
		   "stdin: runs");
		is_str(slurp(out, NULL), "eof\n",
		       "stdin: /dev/null by default");
		dup2(saved, 0);
		close(saved);
	}
	strbuf_release(&sa);
	strbuf_release(&sb);
	strbuf_release(&log);
	close(out);
}

int main(int argc, char **argv)
{
	struct strbuf cmd = STRBUF_INIT;

	if (argc > 1 && !strcmp(argv[1], "--list-fds"))
		return list_fds();
	if (argc > 2 && !strcmp(argv[1], "--sigint-log"))
		return sigint_log(argv[2]);
	if (argc > 2 && !strcmp(argv[1], "--line"))
		return write_line(argv[2]);
	self = argv[0];
	if (!mkdtemp(tmpdir)) {
		printf("Bail out! cannot make a temporary directory\n");
		return 1;
	}
	test_status();
	test_not_started();
	test_env_cwd();
	test_streams();
	test_lines();
	test_nested();
	test_big();
	test_write_errors();
	test_forwarding();
	test_dispositions();
	test_costs();
	test_linger();
	test_terminal();
	test_fds();
	test_par_overlap();
	test_par_limit();
	test_par_timeout();
	test_par_signal();
	test_par_lines();
	test_par_long_line();
	test_par_not_started();
	test_par_callbacks();
	fs_remove_tree(tmpdir);
	strbuf_release(&cmd);
	return tap_done();
}
