/* proc.c - see proc.h */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "err.h"
#include "proc.h"
#include "strbuf.h"

extern char **environ;

#define CHUNK (64 * 1024)

/*
 * One engine runs both proc_run (one task, its process group as asked, raw
 * pass-through) and proc_run_parallel (up to `jobs` tasks, each in its own
 * group, whole lines passed on): one poll(2) loop over every task's pipes
 * and a wake pipe written by the signal handler.
 */

/* ---- signals ---------------------------------------------------------- */

static const int fwd_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM,
				SIGUSR1, SIGUSR2 };
#define NFWD (sizeof(fwd_sigs) / sizeof(fwd_sigs[0]))

/*
 * Set by the handler, read by the loop; only one engine at a time.
 * fwd_from[i] is the pid that sent the pending signal fwd_sigs[i] with
 * kill(2), or 0 when not known or when several did: the loop does not send
 * a signal back to the task that sent it.
 */
static volatile sig_atomic_t fwd_pending[NFWD];
static volatile sig_atomic_t fwd_from[NFWD];
static volatile sig_atomic_t sig_seen; /* since the loop last looked */
static volatile sig_atomic_t last_sig;
static volatile sig_atomic_t skip_tty_sigs; /* same group: tty sent them */
static volatile sig_atomic_t wake_fd = -1;
static int busy;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;
	size_t i;

	(void)ctx;
	for (i = 0; i < NFWD; i++) {
		sig_atomic_t from;

		if (fwd_sigs[i] != sig)
			continue;
		last_sig = sig;
		sig_seen = 1;
#ifdef SI_KERNEL
		if (skip_tty_sigs && si && si->si_code == SI_KERNEL)
			break; /* from the terminal, which told the command */
#endif
		from = si && si->si_code <= 0 ? (sig_atomic_t)si->si_pid : 0;
		if (fwd_pending[i] && fwd_from[i] != from)
			from = 0;
		fwd_from[i] = from;
		fwd_pending[i] = 1;
	}
	if (wake_fd >= 0) {
		ssize_t n = write(wake_fd, "", 1);

		(void)n; /* full: the loop will wake anyway */
	}
	errno = saved;
}

/* The dispositions the engine changes: NFWD forwarded, SIGCHLD, SIGPIPE. */
#define NSAVED (NFWD + 2)

struct sigsave {
	int sig;
	int changed;
	struct sigaction old;
};

/* ---- tasks ------------------------------------------------------------ */

struct engine;

struct stream {
	const char *name; /* "stdout" */
	int fd;		  /* our read end; -1 at EOF */
	int pass_fd, copy_fd;
	int whole_lines;  /* pass on whole lines, after the prefix */
	proc_line_fn fn;
	char *line; /* the line so far, NUL-terminated */
	size_t len, alloc;
	int overflow; /* the current line passed max_line */
	int after_cr; /* a "\r" ended the last line: skip one "\n" */
	unsigned long long *bytes;
	struct strbuf held; /* the start of a line not passed on yet */
};

struct task {
	struct engine *e;
	struct proc_opts o; /* the task as given */
	struct proc_result res;
	const char *cmd; /* argv[0], for messages */
	pid_t pid;
	int active; /* started and not yet ended */
	int reaped;
	int new_pgrp;
	size_t max_line;
	struct stream st[2];
	struct timespec t0;
	long long linger_at; /* ms, once reaped: stop reading; < 0: at EOF */
	long long term_at;   /* ms: the timeout; 0: none */
	long long kill_at;   /* ms: SIGKILL, once SIGTERM was sent */
	int term_sent, kill_sent;
	char problem[1024]; /* the first error that did not stop the task */
	int problem_code;
};

struct engine {
	const struct proc_par_opts *po;
	struct proc_par_result *pr;
	int single; /* proc_run: honour pgrp, pass output on as it comes */
	struct task *t;
	size_t n, running;
	struct pollfd *pfd;
	struct task **pfd_task;
	struct stream **pfd_stream;
	struct sigsave sigs[NSAVED];
	sigset_t oldmask, run_mask, block;
	int wake[2];
	char *buf;	    /* CHUNK bytes for reads */
	struct strbuf echo; /* whole lines on their way to a pass fd */
	int stop;	    /* start no more tasks */
	int ask;	    /* next_task may have one: ask it */
	char *fail;	    /* the error proc_run_parallel returns */
	int fail_code;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void problem(struct task *t, int code, const char *fmt, ...)
	ERR_FORMAT(3, 4);
static void problem(struct task *t, int code, const char *fmt, ...)
{
	va_list ap;

	if (t->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(t->problem, sizeof(t->problem), fmt, ap);
	va_end(ap);
	t->problem_code = code;
}

/* Keep the first error of the whole run (err_msg()), for the return. */
static void engine_fail(struct engine *e)
{
	if (e->fail)
		return;
	e->fail = xstrdup(err_msg()[0] ? err_msg() : "a callback failed");
	e->fail_code = err_msg()[0] ? err_code() : EXIT_ENV;
}

/*
 * Forward the signals received since the last call to the running tasks,
 * and note them.  The handler's state is read with the signals blocked, so
 * that a signal arriving meanwhile is neither lost nor misattributed.
 */
static void forward_pending(struct engine *e)
{
	int pend[NFWD], sig;
	pid_t from[NFWD];
	sigset_t old;
	size_t i, k;

	if (!sig_seen)
		return;
	sigprocmask(SIG_BLOCK, &e->block, &old);
	sig_seen = 0;
	sig = last_sig;
	for (i = 0; i < NFWD; i++) {
		pend[i] = fwd_pending[i];
		from[i] = (pid_t)fwd_from[i];
		fwd_pending[i] = 0;
	}
	sigprocmask(SIG_SETMASK, &old, NULL);

	e->pr->got_signal = sig;
	if (!e->single)
		e->stop = 1;
	for (k = 0; k < e->n; k++) {
		struct task *t = &e->t[k];

		if (!t->active)
			continue;
		t->res.got_signal = sig;
		for (i = 0; i < NFWD; i++)
			if (pend[i] && !t->reaped && from[i] != t->pid)
				kill(t->new_pgrp ? -t->pid : t->pid,
				     fwd_sigs[i]);
	}
}

/*
 * Write all of `p` to `fd`, waiting for a non-blocking fd and forwarding
 * signals that interrupt us.  Returns 0 or an errno value.
 */
static int write_out(struct engine *e, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR) {
				forward_pending(e);
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return errno;
			if (poll(&pfd, 1, -1) < 0 && errno == EINTR)
				forward_pending(e);
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void end_line(struct task *t, struct stream *s)
{
	if (s->overflow) {
		t->res.long_lines++;
		s->overflow = 0;
	} else {
		if (!s->line) {
			s->alloc = 64;
			s->line = xmalloc(s->alloc);
		}
		s->line[s->len] = '\0';
		err_clear();
		if (s->fn(s->line, s->len, t->o.data) < 0)
			problem(t, err_msg()[0] ? err_code() : EXIT_ENV, "%s",
				err_msg()[0] ? err_msg()
					     : "the line callback failed");
	}
	s->len = 0;
}

static void add_to_line(struct task *t, struct stream *s, const char *p,
			size_t n)
{
	size_t want;

	if (s->overflow || !n)
		return;
	if (n > t->max_line - s->len) {
		s->overflow = 1;
		s->len = 0;
		return;
	}
	want = s->len + n + 1;
	if (want > s->alloc) {
		size_t a = s->alloc ? s->alloc : 64;

		while (a < want)
			a *= 2;
		if (a > t->max_line + 1)
			a = t->max_line + 1;
		s->line = xrealloc(s->line, a);
		s->alloc = a;
	}
	memcpy(s->line + s->len, p, n);
	s->len += n;
}

/* Split a chunk into lines ending at "\n", "\r\n" or "\r". */
static void scan_lines(struct task *t, struct stream *s, const char *p,
		       size_t n)
{
	const char *end = p + n;

	while (p < end) {
		const char *nl, *cr;

		if (s->after_cr) {
			s->after_cr = 0;
			if (*p == '\n') {
				p++;
				continue;
			}
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		cr = memchr(p, '\r', (size_t)((nl ? nl : end) - p));
		if (cr)
			nl = cr;
		if (!nl) {
			add_to_line(t, s, p, (size_t)(end - p));
			return;
		}
		add_to_line(t, s, p, (size_t)(nl - p));
		s->after_cr = (*nl == '\r');
		end_line(t, s);
		p = nl + 1;
	}
}

/* Add one line for the pass fd: prefix, what is held, `p`, `nl`. */
static void add_echo_line(struct task *t, struct stream *s, const char *p,
			  size_t n, const char *nl)
{
	struct strbuf *out = &t->e->echo;

	if (t->o.prefix)
		strbuf_addstr(out, t->o.prefix);
	strbuf_add(out, s->held.buf, s->held.len);
	strbuf_add(out, p, n);
	if (nl)
		strbuf_addstr(out, nl);
	strbuf_reset(&s->held);
}

/*
 * Pass on the whole lines of a chunk, each after the prefix, and hold the
 * rest back until its newline; a line over PROC_ECHO_MAX bytes goes out in
 * pieces of PROC_ECHO_MAX, each made a line, wherever the reads ended.
 * Returns 0 or an errno value.
 */
static int pass_lines(struct task *t, struct stream *s, const char *p,
		      size_t n)
{
	struct strbuf *out = &t->e->echo;
	const char *end = p + n;

	strbuf_reset(out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		size_t k;

		while (s->held.len + (size_t)(stop - p) > PROC_ECHO_MAX) {
			k = PROC_ECHO_MAX - s->held.len;
			add_echo_line(t, s, p, k, "\n");
			p += k;
		}
		if (!nl) {
			strbuf_add(&s->held, p, (size_t)(end - p));
			break;
		}
		add_echo_line(t, s, p, (size_t)(nl + 1 - p), NULL);
		p = nl + 1;
	}
	return out->len ? write_out(t->e, s->pass_fd, out->buf, out->len) : 0;
}

static void pass_failed(struct task *t, struct stream *s, int err)
{
	if (err != EPIPE)
		problem(t, EXIT_ENV, "cannot pass on the %s of '%s': %s",
			s->name, t->cmd, strerror(err));
	s->pass_fd = -1;
	strbuf_release(&s->held);
}

static void take_chunk(struct task *t, struct stream *s, const char *buf,
		       size_t n)
{
	int err;

	*s->bytes += n;
	if (s->pass_fd >= 0) {
		err = s->whole_lines ? pass_lines(t, s, buf, n)
				     : write_out(t->e, s->pass_fd, buf, n);
		if (err)
			pass_failed(t, s, err);
	}
	if (s->copy_fd >= 0 && (err = write_out(t->e, s->copy_fd, buf, n))) {
		problem(t, EXIT_ENV, "cannot save the %s of '%s': %s", s->name,
			t->cmd, strerror(err));
		s->copy_fd = -1;
	}
	if (s->fn)
		scan_lines(t, s, buf, n);
}

/* The stream has ended (EOF, an error, or linger time is up). */
static void close_stream(struct task *t, struct stream *s)
{
	int err;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->pass_fd >= 0 && s->held.len) {
		strbuf_reset(&t->e->echo);
		add_echo_line(t, s, "", 0, "\n");
		err = write_out(t->e, s->pass_fd, t->e->echo.buf,
				t->e->echo.len);
		if (err)
			pass_failed(t, s, err);
	}
	strbuf_release(&s->held);
	if (s->fn && (s->len || s->overflow))
		end_line(t, s);
}

/* Read once from a stream that poll() says is ready. */
static void read_stream(struct task *t, struct stream *s)
{
	ssize_t n = read(s->fd, t->e->buf, CHUNK);

	if (n > 0) {
		take_chunk(t, s, t->e->buf, (size_t)n);
		return;
	}
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		problem(t, EXIT_ENV, "cannot read the %s of '%s': %s",
			s->name, t->cmd, strerror(errno));
	}
	close_stream(t, s);
}

/*
 * Linger time is up: read what the pipes hold now, which may still be the
 * command's own last output if passing it on was slow, up to a bound in
 * case a background process keeps writing.
 */
static void drain_rest(struct task *t)
{
	int k, j;

	for (k = 0; k < 2; k++) {
		struct stream *s = &t->st[k];

		for (j = 0; j < 64 && s->fd >= 0; j++) {
			ssize_t n = read(s->fd, t->e->buf, CHUNK);

			if (n > 0)
				take_chunk(t, s, t->e->buf, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN &&
					    errno != EWOULDBLOCK))
				close_stream(t, s);
			else if (errno != EINTR)
				break;
		}
	}
}

static void take_status(struct task *t, int st, const struct rusage *ru)
{
	struct proc_result *res = &t->res;

	res->wall_s = elapsed(&t->t0);
	if (WIFEXITED(st)) {
		res->exited = 1;
		res->status = WEXITSTATUS(st);
	} else if (WIFSIGNALED(st)) {
		res->signaled = 1;
		res->signal = WTERMSIG(st);
#ifdef WCOREDUMP
		res->core_dumped = !!WCOREDUMP(st);
#endif
	}
	res->cpu_user_s = (double)ru->ru_utime.tv_sec +
			  (double)ru->ru_utime.tv_usec / 1e6;
	res->cpu_sys_s = (double)ru->ru_stime.tv_sec +
			 (double)ru->ru_stime.tv_usec / 1e6;
#ifdef __APPLE__
	res->max_rss_kb = ru->ru_maxrss / 1024; /* bytes there */
#else
	res->max_rss_kb = ru->ru_maxrss;
#endif
}

/* Reap the task if it has exited.  Returns 1 reaped, 0 not yet, -1. */
static int try_reap(struct task *t, int flags)
{
	struct rusage ru;
	int st;
	pid_t p;

	do
		p = wait4(t->pid, &st, flags, &ru);
	while (p < 0 && errno == EINTR);
	if (!p)
		return 0;
	if (p < 0)
		return error("cannot wait for '%s': %s", t->cmd,
			     strerror(errno));
	t->reaped = 1;
	take_status(t, st, &ru);
	return 1;
}

/* ---- starting --------------------------------------------------------- */

/* Do the names of two "K=V" (or "K") strings match? */
static int same_name(const char *a, const char *b)
{
	while (*a && *a != '=' && *a == *b)
		a++, b++;
	return (!*a || *a == '=') && (!*b || *b == '=');
}

/* environ with `add` applied; the array is the caller's, the strings not. */
static char **make_env(const char *const *add)
{
	size_t n = 0, m = 0, k = 0, i, j;
	char **env;

	while (environ && environ[n])
		n++;
	while (add[m])
		m++;
	env = xmalloc((n + m + 1) * sizeof(*env));
	for (i = 0; i < n; i++) {
		for (j = 0; j < m && !same_name(environ[i], add[j]); j++)
			;
		if (j == m)
			env[k++] = environ[i];
	}
	for (i = 0; i < m; i++) {
		if (!strchr(add[i], '='))
			continue;
		for (j = i + 1; j < m && !same_name(add[i], add[j]); j++)
			;
		if (j == m) /* the last setting of a name wins */
			env[k++] = (char *)add[i];
	}
	env[k] = NULL;
	return env;
}

/*
 * Look `name` up in `path` as execvp(3) would, relative to `dirfd` (the
 * command's working directory).  Returns the path (caller frees) or NULL
 * with *err set to ENOENT or EACCES.
 */
static char *find_in_path(const char *name, const char *path, int dirfd,
			  int *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = path;
	int eacces = 0;

	for (;;) {
		const char *end = p;
		struct stat st;

		while (*end && *end != ':')
			end++;
		strbuf_reset(&sb);
		if (end > p)
			strbuf_add(&sb, p, (size_t)(end - p));
		else
			strbuf_addch(&sb, '.');
		strbuf_addch(&sb, '/');
		strbuf_addstr(&sb, name);
		if (!fstatat(dirfd, sb.buf, &st, 0) && !S_ISDIR(st.st_mode)) {
			if (!faccessat(dirfd, sb.buf, X_OK, AT_EACCESS))
				return strbuf_detach(&sb, NULL);
			if (errno == EACCES)
				eacces = 1;
		}
		if (!*end)
			break;
		p = end + 1;
	}
	strbuf_release(&sb);
	*err = eacces ? EACCES : ENOENT;
	return NULL;
}

/* Move an fd out of 0..2, where the child's dup2() calls would hit it. */
static int high_fd(int fd)
{
	int nfd;

	if (fd > 2)
		return fd;
	nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return nfd;
}

static int cloexec_pipe(int p[2], int nonblock_read)
{
#ifdef __linux__
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
#else
	if (pipe(p) < 0)
		return -1;
#endif
	p[0] = high_fd(p[0]);
	p[1] = high_fd(p[1]);
	if (p[0] < 0 || p[1] < 0 ||
	    fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0 ||
	    (nonblock_read && fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)) {
		int e = errno;

		if (p[0] >= 0)
			close(p[0]);
		if (p[1] >= 0)
			close(p[1]);
		p[0] = p[1] = -1;
		errno = e;
		return -1;
	}
	return 0;
}

/* What the child tells the parent when it cannot exec. */
struct child_err {
	int stage; /* 1 working directory, 2 exec, 3 stdin */
	int err;
};

struct start {
	char *path;	 /* the program to execve() */
	char **sh_argv;	 /* /bin/sh PATH ARGS... for ENOEXEC */
	char **env;	 /* NULL: environ */
	int dirfd;	 /* the working directory, or AT_FDCWD */
	int in_fd;	 /* stdin to dup2(), or 0 */
	int own_in;	 /* in_fd is our /dev/null */
	int out[2], err[2], status[2];
};

#define START_INIT                                                            \
	{                                                                      \
		NULL, NULL, NULL, AT_FDCWD, 0, 0, { -1, -1 }, { -1, -1 },      \
			{ -1, -1 }                                             \
	}

static void __attribute__((noreturn)) child_fail(int fd, int stage, int err)
{
	struct child_err ce = { stage, err };
	ssize_t n = write(fd, &ce, sizeof(ce));

	(void)n;
	_exit(127);
}

/*
 * After vfork(): only system calls from here to execve(), on memory of
 * our own stack, nothing written that the parent reads (spawn_child()).
 */
static void __attribute__((noreturn))
run_child(struct engine *e, struct task *t, struct start *s)
{
	char *const *argv = t->o.argv;
	char **env = s->env ? s->env : environ;
	struct sigaction dfl;
	size_t i;

	memset(&dfl, 0, sizeof(dfl));
	sigemptyset(&dfl.sa_mask);
	for (i = 0; i < NSAVED; i++) {
		if (!e->sigs[i].changed)
			continue;
		dfl.sa_handler = e->sigs[i].old.sa_handler == SIG_IGN
					 ? SIG_IGN
					 : SIG_DFL;
		sigaction(e->sigs[i].sig, &dfl, NULL);
	}
	if (t->new_pgrp)
		setpgid(0, 0);
	if (s->dirfd != AT_FDCWD && fchdir(s->dirfd) < 0)
		child_fail(s->status[1], 1, errno);
	if (s->in_fd != 0 && dup2(s->in_fd, 0) < 0)
		child_fail(s->status[1], 3, errno);
	if (dup2(s->out[1], 1) < 0 || dup2(s->err[1], 2) < 0)
		child_fail(s->status[1], 3, errno);
	sigprocmask(SIG_SETMASK, &e->oldmask, NULL);
	execve(s->path, argv, env);
	if (errno == ENOEXEC)
		execve("/bin/sh", s->sh_argv, env);
	child_fail(s->status[1], 2, errno);
}

/*
 * Start the child with vfork(2): it borrows our memory until it calls
 * execve(2) or _exit(2), so no page table is copied and none of our pages
 * is made copy-on-write (after a fork(2) every page we then touch faults
 * once, which made pipe-run's bookkeeping between stages several times
 * dearer than the stages).  The child only makes system calls, on its
 * own stack below ours, and never returns from run_child(); we are
 * suspended until it has exec'd.  Kept apart so that no local of the
 * caller lives across the vfork().
 */
static pid_t __attribute__((noinline))
spawn_child(struct engine *e, struct task *t, struct start *s)
{
	pid_t pid = vfork();

	if (pid == 0)
		run_child(e, t, s); /* does not return */
	return pid;
}

static void restore_signals(struct engine *e)
{
	size_t i;

	for (i = 0; i < NSAVED; i++)
		if (e->sigs[i].changed)
			sigaction(e->sigs[i].sig, &e->sigs[i].old, NULL);
	wake_fd = -1;
	skip_tty_sigs = 0;
}

/*
 * Install our handlers, with every signal we handle blocked until the
 * first child's pid is known.  The caller's mask is saved in e->oldmask;
 * e->run_mask is the mask to run with once a child runs.
 */
static void install_signals(struct engine *e)
{
	struct sigaction sa;
	size_t i;

	sigemptyset(&e->block);
	for (i = 0; i < NFWD; i++)
		sigaddset(&e->block, fwd_sigs[i]);
	sigaddset(&e->block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &e->block, &e->oldmask); /* cannot fail */

	for (i = 0; i < NFWD; i++) {
		fwd_pending[i] = 0;
		fwd_from[i] = 0;
		e->sigs[i].sig = fwd_sigs[i];
	}
	e->sigs[NFWD].sig = SIGCHLD;
	e->sigs[NFWD + 1].sig = SIGPIPE;
	last_sig = 0;
	sig_seen = 0;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSAVED; i++) {
		struct sigsave *ss = &e->sigs[i];

		if (sigaction(ss->sig, NULL, &ss->old) < 0)
			continue;
		/* Ignored on entry: stay deaf, and let the child inherit it. */
		if (i < NFWD && ss->old.sa_handler == SIG_IGN)
			continue;
		if (ss->sig == SIGPIPE) {
			sa.sa_handler = SIG_IGN;
			sa.sa_flags = 0;
		} else {
			sa.sa_sigaction = on_signal;
			/* No SA_RESTART: a blocked write returns EINTR. */
			sa.sa_flags = SA_SIGINFO |
				      (ss->sig == SIGCHLD ? SA_NOCLDSTOP : 0);
		}
		if (sigaction(ss->sig, &sa, NULL) == 0)
			ss->changed = 1;
	}

	/* Run with our signals deliverable, even if the caller blocks them. */
	e->run_mask = e->oldmask;
	for (i = 0; i < NFWD; i++)
		if (e->sigs[i].changed)
			sigdelset(&e->run_mask, fwd_sigs[i]);
	sigdelset(&e->run_mask, SIGCHLD);
}

static int want_new_pgrp(enum proc_pgrp m)
{
	if (m == PROC_PGRP_NEW)
		return 1;
	if (m == PROC_PGRP_SAME)
		return 0;
	return !(isatty(0) || isatty(1) || isatty(2));
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void release_start(struct start *s)
{
	int k;

	free(s->path);
	free(s->sh_argv);
	free(s->env);
	if (s->dirfd != AT_FDCWD)
		close(s->dirfd);
	s->dirfd = AT_FDCWD;
	if (s->own_in)
		close_fd(&s->in_fd);
	s->own_in = 0;
	for (k = 0; k < 2; k++) {
		close_fd(&s->out[k]);
		close_fd(&s->err[k]);
		close_fd(&s->status[k]);
	}
}

/* Everything that can fail before fork(): the program, cwd, pipes. */
static int prepare(struct task *t, struct start *s)
{
	const struct proc_opts *o = &t->o;
	const char *path = NULL;
	size_t argc = 0, i;
	int err = 0;

	if (o->cwd) {
#ifdef O_PATH
		s->dirfd = open(o->cwd, O_PATH | O_DIRECTORY | O_CLOEXEC);
#else
		s->dirfd = open(o->cwd, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
#endif
		if (s->dirfd < 0) {
			t->res.exec_errno = errno;
			s->dirfd = AT_FDCWD;
			return error("cannot run '%s': cannot change to "
				     "directory '%s': %s",
				     t->cmd, o->cwd, strerror(errno));
		}
	}

	if (o->env_add) {
		s->env = make_env(o->env_add);
		for (i = 0; s->env[i]; i++)
			if (!strncmp(s->env[i], "PATH=", 5))
				path = s->env[i] + 5;
	} else {
		path = getenv("PATH");
	}
	if (strchr(t->cmd, '/')) {
		s->path = xstrdup(t->cmd);
	} else {
		if (*t->cmd)
			s->path = find_in_path(t->cmd,
					       path ? path : "/bin:/usr/bin",
					       s->dirfd, &err);
		else
			err = ENOENT;
		if (!s->path) {
			t->res.exec_errno = err;
			return error("cannot run '%s': %s", t->cmd,
				     strerror(err));
		}
	}
	while (o->argv[argc])
		argc++;
	s->sh_argv = xmalloc((argc + 2) * sizeof(*s->sh_argv));
	s->sh_argv[0] = "sh";
	s->sh_argv[1] = s->path;
	for (i = 1; i <= argc; i++) /* argv[1..] and the NULL */
		s->sh_argv[i + 1] = o->argv[i];

	if (o->in_fd < 0) {
		s->in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (s->in_fd < 0)
			return error("cannot open '/dev/null': %s",
				     strerror(errno));
		s->in_fd = high_fd(s->in_fd);
		if (s->in_fd < 0)
			return error("cannot open '/dev/null': %s",
				     strerror(errno));
		s->own_in = 1;
	} else {
		s->in_fd = o->in_fd;
	}

	if (cloexec_pipe(s->out, 1) < 0 || cloexec_pipe(s->err, 1) < 0 ||
	    cloexec_pipe(s->status, 0) < 0)
		return error("cannot run '%s': cannot make a pipe: %s", t->cmd,
			     strerror(errno));
	return 0;
}

/* Wait for exec: 0 when it succeeded, -1 with error() when not. */
static int check_exec(struct task *t, struct start *s)
{
	struct child_err ce;
	ssize_t n;
	int st;

	do
		n = read(s->status[0], &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	while (waitpid(t->pid, &st, 0) < 0 && errno == EINTR)
		;
	t->reaped = 1;
	if (n != (ssize_t)sizeof(ce))
		return error("cannot run '%s': the child failed before exec",
			     t->cmd);
	t->res.exec_errno = ce.err;
	if (ce.stage == 1)
		return error("cannot run '%s': cannot change to directory "
			     "'%s': %s",
			     t->cmd, t->o.cwd, strerror(ce.err));
	if (ce.stage == 3)
		return error("cannot run '%s': cannot set up its input and "
			     "output: %s",
			     t->cmd, strerror(ce.err));
	return error("cannot run '%s': %s", t->cmd, strerror(ce.err));
}

static void init_stream(struct task *t, struct stream *s, const char *name,
			int fd, int pass_fd, int copy_fd, proc_line_fn fn,
			unsigned long long *bytes)
{
	s->name = name;
	s->fd = fd;
	s->pass_fd = pass_fd;
	s->copy_fd = copy_fd;
	s->whole_lines = !t->e->single || t->o.prefix;
	s->fn = fn;
	s->bytes = bytes;
	strbuf_init(&s->held, 0);
}

/*
 * Start the task in t->o (its slot otherwise zeroed).  Returns 0, or -1
 * with error() and t->res.started 0.
 */
static int start_task(struct engine *e, struct task *t)
{
	struct start s = START_INIT;
	const struct proc_opts *o = &t->o;
	int rc = -1;

	t->e = e;
	t->pid = -1;
	if (!o->argv || !o->argv[0])
		return error("no command to run");
	t->cmd = o->argv[0];
	t->max_line = o->max_line ? o->max_line : PROC_MAX_LINE;
	if (t->max_line > SIZE_MAX / 4)
		t->max_line = SIZE_MAX / 4;
	t->new_pgrp = e->single ? want_new_pgrp(o->pgrp) : 1;
	if (prepare(t, &s) < 0)
		goto out;

	sigprocmask(SIG_BLOCK, &e->block, NULL);
	if (e->single)
		skip_tty_sigs = !t->new_pgrp;
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	t->pid = spawn_child(e, t, &s);
	if (t->pid < 0) {
		t->res.exec_errno = errno;
		sigprocmask(SIG_SETMASK, &e->run_mask, NULL);
		error("cannot run '%s': cannot fork: %s", t->cmd,
		      strerror(t->res.exec_errno));
		goto out;
	}
	if (t->new_pgrp)
		setpgid(t->pid, t->pid); /* as the child does: no race */
	sigprocmask(SIG_SETMASK, &e->run_mask, NULL);

	close_fd(&s.out[1]);
	close_fd(&s.err[1]);
	close_fd(&s.status[1]);
	if (check_exec(t, &s) < 0)
		goto out;
	t->res.started = 1;
	t->res.pid = (long)t->pid;

	init_stream(t, &t->st[0], "stdout", s.out[0], o->out_pass_fd,
		    o->out_copy_fd, o->on_stdout_line, &t->res.out_bytes);
	init_stream(t, &t->st[1], "stderr", s.err[0], o->err_pass_fd,
		    o->err_copy_fd, o->on_stderr_line, &t->res.err_bytes);
	s.out[0] = s.err[0] = -1; /* the streams own them now */
	if (o->timeout_ms > 0)
		t->term_at = now_ms() + o->timeout_ms;
	t->active = 1;
	e->running++;
	rc = 0;
out:
	release_start(&s);
	return rc;
}

/* ---- the loop --------------------------------------------------------- */

/* SIGTERM to a running task (its group), and SIGKILL after the grace. */
static void stop_task(struct task *t, long long now)
{
	int grace = t->o.kill_grace_ms > 0 ? t->o.kill_grace_ms
					   : PROC_KILL_GRACE_MS;

	if (t->reaped || t->term_sent)
		return;
	kill(t->new_pgrp ? -t->pid : t->pid, SIGTERM);
	t->term_sent = 1;
	t->kill_at = now + grace;
}

/* What a callback returned: go on, stop, kill, or fail. */
static void take_verdict(struct engine *e, int ret)
{
	size_t k;

	if (!ret)
		return;
	e->stop = 1;
	if (ret < 0) {
		engine_fail(e);
	} else if (ret == PROC_KILL) {
		long long now = now_ms();

		for (k = 0; k < e->n; k++)
			if (e->t[k].active)
				stop_task(&e->t[k], now);
	}
}

/* The task has been reaped and its output read: report it. */
static void end_task(struct engine *e, struct task *t)
{
	const struct proc_par_opts *po = e->po;
	int rc = 0;

	forward_pending(e); /* a signal that came just now is its too */
	close_stream(t, &t->st[0]);
	close_stream(t, &t->st[1]);
	free(t->st[0].line);
	free(t->st[1].line);
	t->st[0].line = t->st[1].line = NULL;
	t->active = 0;
	e->running--;
	e->ask = 1;
	if (t->problem[0])
		rc = error_code(t->problem_code, "%s", t->problem);
	if (po->task_done)
		take_verdict(e, po->task_done(rc, &t->o, &t->res, po->data));
}

/* Send what the timeouts call for now. */
static void fire_timers(struct engine *e, long long now)
{
	size_t k;

	for (k = 0; k < e->n; k++) {
		struct task *t = &e->t[k];

		if (!t->active)
			continue;
		if (t->term_at && !t->reaped && !t->term_sent &&
		    now >= t->term_at) {
			t->res.timed_out = 1;
			stop_task(t, now);
		}
		if (t->term_sent && !t->kill_sent && now >= t->kill_at &&
		    (!t->reaped || t->st[0].fd >= 0 || t->st[1].fd >= 0)) {
			t->kill_sent = 1;
			if (t->new_pgrp)
				kill(-t->pid, SIGKILL);
			else if (!t->reaped)
				kill(t->pid, SIGKILL);
		}
	}
}

/* End the tasks that have exited and whose output is read, or lingered. */
static void end_tasks(struct engine *e, long long now)
{
	size_t k;

	for (k = 0; k < e->n; k++) {
		struct task *t = &e->t[k];

		if (!t->active || !t->reaped)
			continue;
		if (t->st[0].fd >= 0 || t->st[1].fd >= 0) {
			if (t->linger_at < 0 || now < t->linger_at)
				continue;
			drain_rest(t);
		}
		end_task(e, t);
	}
}

/* Ask for tasks and start them while there is room. */
static void start_tasks(struct engine *e)
{
	const struct proc_par_opts *po = e->po;
	size_t k = 0;
	int ret;

	while (e->ask && e->running < e->n) {
		struct task *t;

		forward_pending(e);
		if (e->stop)
			return;
		while (e->t[k].active)
			k++;
		t = &e->t[k];
		memset(t, 0, sizeof(*t));
		t->o = (struct proc_opts)PROC_OPTS_INIT;
		t->o.in_fd = -1;
		err_clear();
		ret = po->next_task(&t->o, po->data);
		if (ret < 0) {
			take_verdict(e, -1);
			return;
		}
		if (!ret) {
			e->ask = 0;
			return;
		}
		if (!start_task(e, t)) {
			e->pr->started++;
			continue;
		}
		e->pr->not_started++;
		if (po->start_failed)
			ret = po->start_failed(&t->o, &t->res, po->data);
		else if (po->task_done)
			ret = po->task_done(-1, &t->o, &t->res, po->data);
		else
			ret = 0;
		take_verdict(e, ret);
	}
}

/* Milliseconds until the next timer of a task, or -1 for none. */
static int next_timer(struct engine *e, long long now)
{
	long long at = -1;
	size_t k;

	for (k = 0; k < e->n; k++) {
		struct task *t = &e->t[k];
		long long a = -1;

		if (!t->active)
			continue;
		if (t->reaped && t->linger_at >= 0)
			a = t->linger_at;
		if (t->term_at && !t->reaped && !t->term_sent &&
		    (a < 0 || t->term_at < a))
			a = t->term_at;
		if (t->term_sent && !t->kill_sent && (a < 0 || t->kill_at < a))
			a = t->kill_at;
		if (a >= 0 && (at < 0 || a < at))
			at = a;
	}
	if (at < 0)
		return -1;
	if (at <= now)
		return 0;
	return at - now > INT_MAX ? INT_MAX : (int)(at - now);
}

/* Reap the tasks that have exited; start their linger time. */
static void reap_tasks(struct engine *e)
{
	size_t k;

	for (k = 0; k < e->n; k++) {
		struct task *t = &e->t[k];
		int linger = t->o.linger_ms ? t->o.linger_ms : PROC_LINGER_MS;
		int r;

		if (!t->active || t->reaped)
			continue;
		r = try_reap(t, WNOHANG);
		if (!r)
			continue;
		if (r < 0) {
			problem(t, err_code(), "%s", err_msg());
			t->reaped = 1;
		}
		t->linger_at = linger < 0 ? -1 : now_ms() + linger;
		/* A timed-out task's group has until its SIGKILL. */
		if (t->linger_at >= 0 && t->term_sent && !t->kill_sent &&
		    t->kill_at > t->linger_at)
			t->linger_at = t->kill_at;
	}
}

static void drain_wake(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * The loop failed: stop reading, wait for every running task (which now
 * gets EPIPE on its output) and report each with the failure.
 */
static void abort_tasks(struct engine *e)
{
	size_t k;

	engine_fail(e);
	e->stop = 1;
	for (k = 0; k < e->n; k++) {
		struct task *t = &e->t[k];

		if (!t->active)
			continue;
		close_stream(t, &t->st[0]);
		close_stream(t, &t->st[1]);
		if (!t->reaped && try_reap(t, 0) < 0)
			t->reaped = 1;
		snprintf(t->problem, sizeof(t->problem), "%s", e->fail);
		t->problem_code = e->fail_code;
		end_task(e, t);
	}
}

static void engine_loop(struct engine *e)
{
	for (;;) {
		long long now;
		int n = 0, timeout, i;
		size_t k;

		forward_pending(e);
		now = now_ms();
		fire_timers(e, now);
		end_tasks(e, now);
		if (!e->stop)
			start_tasks(e);
		if (!e->running && (e->stop || !e->ask))
			break;

		for (k = 0; k < e->n; k++) {
			struct task *t = &e->t[k];

			for (i = 0; t->active && i < 2; i++) {
				if (t->st[i].fd < 0)
					continue;
				e->pfd[n].fd = t->st[i].fd;
				e->pfd[n].events = POLLIN;
				e->pfd_task[n] = t;
				e->pfd_stream[n++] = &t->st[i];
			}
		}
		e->pfd[n].fd = e->wake[0];
		e->pfd[n].events = POLLIN;
		e->pfd_task[n++] = NULL;

		timeout = next_timer(e, now_ms());
		if (poll(e->pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			error("cannot poll the output of '%s': %s",
			      e->t[0].cmd ? e->t[0].cmd : "?",
			      strerror(errno));
			abort_tasks(e);
			break;
		}
		for (i = 0; i < n; i++) {
			if (!e->pfd[i].revents)
				continue;
			if (e->pfd_task[i]) {
				if (e->pfd_stream[i]->fd >= 0)
					read_stream(e->pfd_task[i],
						    e->pfd_stream[i]);
				continue;
			}
			drain_wake(e->wake[0]);
			reap_tasks(e);
		}
	}
}

/*
 * Run the tasks po->next_task gives, po->jobs at a time.  Returns 0, or -1
 * with error().
 */
static int engine_run(const struct proc_par_opts *po,
		      struct proc_par_result *pr, int single)
{
	struct engine e;
	long cpus;
	int rc = 0;

	memset(&e, 0, sizeof(e));
	e.po = po;
	e.pr = pr;
	e.single = single;
	e.ask = 1;
	e.n = po->jobs > 0 ? (size_t)po->jobs : 0;
	if (!e.n) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		e.n = cpus > 0 ? (size_t)cpus : 1;
	}
	strbuf_init(&e.echo, 0);
	if (cloexec_pipe(e.wake, 1) < 0 ||
	    fcntl(e.wake[1], F_SETFL, O_NONBLOCK) < 0) {
		rc = error("cannot make a pipe: %s", strerror(errno));
		goto out;
	}
	e.t = xcalloc(e.n, sizeof(*e.t));
	e.pfd = xcalloc(2 * e.n + 1, sizeof(*e.pfd));
	e.pfd_task = xcalloc(2 * e.n + 1, sizeof(*e.pfd_task));
	e.pfd_stream = xcalloc(2 * e.n + 1, sizeof(*e.pfd_stream));
	e.buf = xmalloc(CHUNK);

	busy = 1;
	install_signals(&e);
	wake_fd = e.wake[1];
	engine_loop(&e);
	restore_signals(&e);
	sigprocmask(SIG_SETMASK, &e.oldmask, NULL);
	busy = 0;
	if (e.fail)
		rc = error_code(e.fail_code, "%s", e.fail);
out:
	close_fd(&e.wake[0]);
	close_fd(&e.wake[1]);
	free(e.t);
	free(e.pfd);
	free(e.pfd_task);
	free(e.pfd_stream);
	free(e.buf);
	free(e.fail);
	strbuf_release(&e.echo);
	return rc;
}

/* ---- the API ---------------------------------------------------------- */

/* proc_run is one task through the engine. */
struct single {
	const struct proc_opts *o;
	struct proc_result *res;
	int given;
	int rc;
	char *msg; /* its error, kept from the callback to the return */
	int code;
};

static int single_next(struct proc_opts *o, void *data)
{
	struct single *s = data;

	if (s->given)
		return 0;
	s->given = 1;
	*o = *s->o;
	return 1;
}

static int single_done(int rc, const struct proc_opts *o,
		       const struct proc_result *res, void *data)
{
	struct single *s = data;

	*s->res = *res;
	s->rc = rc;
	if (rc < 0 && !s->msg) {
		s->msg = xstrdup(err_msg());
		s->code = err_code();
	}
	return 0;
}

int proc_run(const struct proc_opts *o, struct proc_result *res)
{
	struct proc_par_opts po = PROC_PAR_OPTS_INIT;
	struct proc_par_result pr;
	struct single s = { o, res, 0, 0, NULL, 0 };
	int rc = 0;

	memset(res, 0, sizeof(*res));
	memset(&pr, 0, sizeof(pr));
	if (!o->argv || !o->argv[0])
		return error("no command to run");
	if (busy)
		return error("cannot run '%s': another command is running",
			     o->argv[0]);
	po.jobs = 1;
	po.next_task = single_next;
	po.task_done = single_done;
	po.data = &s;
	if (engine_run(&po, &pr, 1) < 0 && !s.given) {
		err_prefix("cannot run '%s': ", o->argv[0]);
		return -1;
	}
	if (s.rc < 0)
		rc = error_code(s.code, "%s", s.msg);
	free(s.msg);
	return rc;
}

int proc_run_parallel(const struct proc_par_opts *po,
		      struct proc_par_result *pr)
{
	memset(pr, 0, sizeof(*pr));
	if (!po->next_task)
		return error("no next_task to run tasks from");
	if (busy)
		return error("cannot run commands: another command is running");
	return engine_run(po, pr, 0);
}

int proc_exit_code(const struct proc_result *res)
{
	if (!res->started)
		return res->exec_errno == ENOENT ? 127 : 126;
	if (res->signaled)
		return 128 + res->signal;
	return res->status;
}
