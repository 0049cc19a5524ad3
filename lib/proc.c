/* proc.c - see proc.h */
#include <errno.h>
#include <fcntl.h>
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

/* ---- signals ---------------------------------------------------------- */

static const int fwd_sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM,
				SIGUSR1, SIGUSR2 };
#define NFWD (sizeof(fwd_sigs) / sizeof(fwd_sigs[0]))

/* Set by the handler, read by the loop; only one proc_run at a time. */
static volatile sig_atomic_t fwd_pending[NFWD];
static volatile sig_atomic_t last_sig;
static volatile sig_atomic_t skip_tty_sigs; /* same group: tty sent them */
static volatile sig_atomic_t child_pid;
static volatile sig_atomic_t wake_fd = -1;
static int busy;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	int saved = errno;
	size_t i;

	(void)ctx;
	for (i = 0; i < NFWD; i++) {
		if (fwd_sigs[i] != sig)
			continue;
		last_sig = sig;
		if (si && si->si_code <= 0 && child_pid > 0 &&
		    si->si_pid == (pid_t)child_pid)
			break; /* the command signalled us: not back to it */
#ifdef SI_KERNEL
		if (skip_tty_sigs && si && si->si_code == SI_KERNEL)
			break; /* from the terminal, which told the command */
#endif
		fwd_pending[i] = 1;
	}
	if (wake_fd >= 0) {
		ssize_t n = write(wake_fd, "", 1);

		(void)n; /* full: the loop will wake anyway */
	}
	errno = saved;
}

/* The dispositions proc_run changes: NFWD forwarded, SIGCHLD, SIGPIPE. */
#define NSAVED (NFWD + 2)

struct sigsave {
	int sig;
	int changed;
	struct sigaction old;
};

/* ---- a run ------------------------------------------------------------ */

struct stream {
	const char *name; /* "stdout" */
	int fd;		  /* our read end; -1 at EOF */
	int pass_fd, copy_fd;
	proc_line_fn fn;
	char *line; /* the line so far, NUL-terminated */
	size_t len, alloc;
	int overflow; /* the current line passed max_line */
	int after_cr; /* a "\r" ended the last line: skip one "\n" */
	unsigned long long *bytes;
};

struct run {
	const struct proc_opts *o;
	struct proc_result *res;
	const char *cmd; /* argv[0], for messages */
	pid_t pid;
	int reaped;
	int new_pgrp;
	size_t max_line;
	struct stream st[2];
	struct sigsave sigs[NSAVED];
	sigset_t oldmask;
	struct timespec t0;
	char problem[1024]; /* the first error that did not stop the run */
	int problem_code;
};

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void problem(struct run *r, int code, const char *fmt, ...)
	ERR_FORMAT(3, 4);
static void problem(struct run *r, int code, const char *fmt, ...)
{
	va_list ap;

	if (r->problem[0])
		return;
	va_start(ap, fmt);
	vsnprintf(r->problem, sizeof(r->problem), fmt, ap);
	va_end(ap);
	r->problem_code = code;
}

/* Forward the signals received since the last call, while it runs. */
static void forward_pending(struct run *r)
{
	size_t i;

	for (i = 0; i < NFWD; i++) {
		if (!fwd_pending[i])
			continue;
		fwd_pending[i] = 0;
		if (!r->reaped && r->pid > 0)
			kill(r->new_pgrp ? -r->pid : r->pid, fwd_sigs[i]);
	}
}

/*
 * Write all of `p` to `fd`, waiting for a non-blocking fd and forwarding
 * signals that interrupt us.  Returns 0 or an errno value.
 */
static int write_out(struct run *r, int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };

			if (errno == EINTR) {
				forward_pending(r);
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return errno;
			if (poll(&pfd, 1, -1) < 0 && errno == EINTR)
				forward_pending(r);
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void end_line(struct run *r, struct stream *s)
{
	if (s->overflow) {
		r->res->long_lines++;
		s->overflow = 0;
	} else {
		if (!s->line) {
			s->alloc = 64;
			s->line = xmalloc(s->alloc);
		}
		s->line[s->len] = '\0';
		err_clear();
		if (s->fn(s->line, s->len, r->o->data) < 0)
			problem(r, err_msg()[0] ? err_code() : EXIT_ENV, "%s",
				err_msg()[0] ? err_msg()
					     : "the line callback failed");
	}
	s->len = 0;
}

static void add_to_line(struct run *r, struct stream *s, const char *p,
			size_t n)
{
	size_t want;

	if (s->overflow || !n)
		return;
	if (n > r->max_line - s->len) {
		s->overflow = 1;
		s->len = 0;
		return;
	}
	want = s->len + n + 1;
	if (want > s->alloc) {
		size_t a = s->alloc ? s->alloc : 64;

		while (a < want)
			a *= 2;
		if (a > r->max_line + 1)
			a = r->max_line + 1;
		s->line = xrealloc(s->line, a);
		s->alloc = a;
	}
	memcpy(s->line + s->len, p, n);
	s->len += n;
}

/* Split a chunk into lines ending at "\n", "\r\n" or "\r". */
static void scan_lines(struct run *r, struct stream *s, const char *p,
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
			add_to_line(r, s, p, (size_t)(end - p));
			return;
		}
		add_to_line(r, s, p, (size_t)(nl - p));
		s->after_cr = (*nl == '\r');
		end_line(r, s);
		p = nl + 1;
	}
}

static void take_chunk(struct run *r, struct stream *s, const char *buf,
		       size_t n)
{
	int e;

	*s->bytes += n;
	if (s->pass_fd >= 0 && (e = write_out(r, s->pass_fd, buf, n))) {
		if (e != EPIPE)
			problem(r, EXIT_ENV, "cannot pass on the %s of '%s': %s",
				s->name, r->cmd, strerror(e));
		s->pass_fd = -1;
	}
	if (s->copy_fd >= 0 && (e = write_out(r, s->copy_fd, buf, n))) {
		problem(r, EXIT_ENV, "cannot save the %s of '%s': %s", s->name,
			r->cmd, strerror(e));
		s->copy_fd = -1;
	}
	if (s->fn)
		scan_lines(r, s, buf, n);
}

/* The stream has ended (EOF, an error, or linger time is up). */
static void close_stream(struct run *r, struct stream *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->fn && (s->len || s->overflow))
		end_line(r, s);
}

/* Read once from a stream that poll() says is ready. */
static void read_stream(struct run *r, struct stream *s, char *buf)
{
	ssize_t n = read(s->fd, buf, CHUNK);

	if (n > 0) {
		take_chunk(r, s, buf, (size_t)n);
		return;
	}
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		problem(r, EXIT_ENV, "cannot read the %s of '%s': %s",
			s->name, r->cmd, strerror(errno));
	}
	close_stream(r, s);
}

static void take_status(struct run *r, int st, const struct rusage *ru)
{
	struct proc_result *res = r->res;

	res->wall_s = elapsed(&r->t0);
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

/* Reap the command if it has exited.  Returns 1 reaped, 0 not yet, -1. */
static int try_reap(struct run *r, int flags)
{
	struct rusage ru;
	int st;
	pid_t p;

	do
		p = wait4(r->pid, &st, flags, &ru);
	while (p < 0 && errno == EINTR);
	if (!p)
		return 0;
	if (p < 0)
		return error("cannot wait for '%s': %s", r->cmd,
			     strerror(errno));
	r->reaped = 1;
	child_pid = 0;
	take_status(r, st, &ru);
	return 1;
}

static void drain_wake(int fd)
{
	char buf[64];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * Linger time is up: read what the pipes hold now, which may still be the
 * command's own last output if passing it on was slow, up to a bound in
 * case a background process keeps writing.
 */
static void drain_rest(struct run *r, char *buf)
{
	int k, j;

	for (k = 0; k < 2; k++) {
		struct stream *s = &r->st[k];

		for (j = 0; j < 64 && s->fd >= 0; j++) {
			ssize_t n = read(s->fd, buf, CHUNK);

			if (n > 0)
				take_chunk(r, s, buf, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN &&
					    errno != EWOULDBLOCK))
				close_stream(r, s);
			else if (errno != EINTR)
				break;
		}
	}
}

/* The loop: read both pipes, forward signals, reap, linger. */
static int run_loop(struct run *r, int wake_r)
{
	char *buf = xmalloc(CHUNK);
	struct timespec deadline = { 0, 0 };
	int linger = r->o->linger_ms ? r->o->linger_ms : PROC_LINGER_MS;
	int rc = 0;

	for (;;) {
		struct pollfd pfd[3];
		struct stream *who[3];
		int n = 0, timeout = -1, i, k;

		forward_pending(r);
		if (r->reaped && r->st[0].fd < 0 && r->st[1].fd < 0)
			break;
		if (r->reaped && linger >= 0) {
			struct timespec now;
			long ms;

			clock_gettime(CLOCK_MONOTONIC, &now);
			ms = (long)(deadline.tv_sec - now.tv_sec) * 1000 +
			     (deadline.tv_nsec - now.tv_nsec) / 1000000;
			if (ms <= 0) {
				drain_rest(r, buf);
				break;
			}
			timeout = (int)ms;
		}
		for (k = 0; k < 2; k++) {
			if (r->st[k].fd < 0)
				continue;
			pfd[n].fd = r->st[k].fd;
			pfd[n].events = POLLIN;
			who[n++] = &r->st[k];
		}
		pfd[n].fd = wake_r;
		pfd[n].events = POLLIN;
		who[n++] = NULL;

		if (poll(pfd, (nfds_t)n, timeout) < 0) {
			if (errno == EINTR)
				continue;
			rc = error("cannot poll the output of '%s': %s",
				   r->cmd, strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (who[i]) {
				read_stream(r, who[i], buf);
				continue;
			}
			drain_wake(wake_r);
			if (r->reaped)
				continue;
			k = try_reap(r, WNOHANG);
			if (k < 0) {
				rc = -1;
				goto out;
			}
			if (k) {
				clock_gettime(CLOCK_MONOTONIC, &deadline);
				deadline.tv_sec += linger / 1000;
				deadline.tv_nsec += (long)(linger % 1000) *
						    1000000;
				if (deadline.tv_nsec >= 1000000000) {
					deadline.tv_sec++;
					deadline.tv_nsec -= 1000000000;
				}
			}
		}
	}
out:
	close_stream(r, &r->st[0]);
	close_stream(r, &r->st[1]);
	free(buf);
	return rc;
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
	int out[2], err[2], status[2], wake[2];
};

static void child_fail(int fd, int stage, int err)
{
	struct child_err ce = { stage, err };
	ssize_t n = write(fd, &ce, sizeof(ce));

	(void)n;
	_exit(127);
}

/* After fork(): only async-signal-safe calls from here to execve(). */
static void run_child(struct run *r, struct start *s)
{
	char *const *argv = r->o->argv;
	char **env = s->env ? s->env : environ;
	struct sigaction dfl;
	size_t i;

	memset(&dfl, 0, sizeof(dfl));
	sigemptyset(&dfl.sa_mask);
	for (i = 0; i < NSAVED; i++) {
		if (!r->sigs[i].changed)
			continue;
		dfl.sa_handler = r->sigs[i].old.sa_handler == SIG_IGN
					 ? SIG_IGN
					 : SIG_DFL;
		sigaction(r->sigs[i].sig, &dfl, NULL);
	}
	if (r->new_pgrp)
		setpgid(0, 0);
	if (s->dirfd != AT_FDCWD && fchdir(s->dirfd) < 0)
		child_fail(s->status[1], 1, errno);
	if (s->in_fd != 0 && dup2(s->in_fd, 0) < 0)
		child_fail(s->status[1], 3, errno);
	if (dup2(s->out[1], 1) < 0 || dup2(s->err[1], 2) < 0)
		child_fail(s->status[1], 3, errno);
	sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
	execve(s->path, argv, env);
	if (errno == ENOEXEC)
		execve("/bin/sh", s->sh_argv, env);
	child_fail(s->status[1], 2, errno);
}

static void restore_signals(struct run *r)
{
	size_t i;

	for (i = 0; i < NSAVED; i++)
		if (r->sigs[i].changed)
			sigaction(r->sigs[i].sig, &r->sigs[i].old, NULL);
	wake_fd = -1;
	child_pid = 0;
	skip_tty_sigs = 0;
}

/*
 * Install our handlers, with every signal we handle blocked until the
 * child's pid is known.  The caller's mask is saved in r->oldmask.
 */
static void install_signals(struct run *r)
{
	struct sigaction sa;
	sigset_t block;
	size_t i;

	sigemptyset(&block);
	for (i = 0; i < NFWD; i++)
		sigaddset(&block, fwd_sigs[i]);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &r->oldmask); /* cannot fail */

	for (i = 0; i < NFWD; i++) {
		fwd_pending[i] = 0;
		r->sigs[i].sig = fwd_sigs[i];
	}
	r->sigs[NFWD].sig = SIGCHLD;
	r->sigs[NFWD + 1].sig = SIGPIPE;
	last_sig = 0;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < NSAVED; i++) {
		struct sigsave *ss = &r->sigs[i];

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
		close_fd(&s->wake[k]);
	}
}

/* Everything that can fail before fork(): the program, cwd, pipes. */
static int prepare(struct run *r, struct start *s)
{
	const struct proc_opts *o = r->o;
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
			r->res->exec_errno = errno;
			s->dirfd = AT_FDCWD;
			return error("cannot run '%s': cannot change to "
				     "directory '%s': %s",
				     r->cmd, o->cwd, strerror(errno));
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
	if (strchr(r->cmd, '/')) {
		s->path = xstrdup(r->cmd);
	} else {
		if (*r->cmd)
			s->path = find_in_path(r->cmd,
					       path ? path : "/bin:/usr/bin",
					       s->dirfd, &err);
		else
			err = ENOENT;
		if (!s->path) {
			r->res->exec_errno = err;
			return error("cannot run '%s': %s", r->cmd,
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
	    cloexec_pipe(s->status, 0) < 0 || cloexec_pipe(s->wake, 1) < 0 ||
	    fcntl(s->wake[1], F_SETFL, O_NONBLOCK) < 0)
		return error("cannot run '%s': cannot make a pipe: %s", r->cmd,
			     strerror(errno));
	return 0;
}

/* Wait for exec: 0 when it succeeded, -1 with error() when not. */
static int check_exec(struct run *r, struct start *s)
{
	struct child_err ce;
	ssize_t n;
	int st;

	do
		n = read(s->status[0], &ce, sizeof(ce));
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return 0;
	while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
		;
	r->reaped = 1;
	child_pid = 0;
	if (n != (ssize_t)sizeof(ce))
		return error("cannot run '%s': the child failed before exec",
			     r->cmd);
	r->res->exec_errno = ce.err;
	if (ce.stage == 1)
		return error("cannot run '%s': cannot change to directory "
			     "'%s': %s",
			     r->cmd, r->o->cwd, strerror(ce.err));
	if (ce.stage == 3)
		return error("cannot run '%s': cannot set up its input and "
			     "output: %s",
			     r->cmd, strerror(ce.err));
	return error("cannot run '%s': %s", r->cmd, strerror(ce.err));
}

int proc_run(const struct proc_opts *o, struct proc_result *res)
{
	struct start s = { NULL, NULL, NULL, AT_FDCWD, 0, 0,
			   { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
	struct run r;
	sigset_t run_mask;
	int rc = -1;
	size_t i;

	memset(res, 0, sizeof(*res));
	if (!o->argv || !o->argv[0])
		return error("no command to run");
	if (busy)
		return error("cannot run '%s': another command is running",
			     o->argv[0]);
	memset(&r, 0, sizeof(r));
	r.o = o;
	r.res = res;
	r.cmd = o->argv[0];
	r.pid = -1;
	r.max_line = o->max_line ? o->max_line : PROC_MAX_LINE;
	if (r.max_line > SIZE_MAX / 4)
		r.max_line = SIZE_MAX / 4;
	r.new_pgrp = want_new_pgrp(o->pgrp);

	if (prepare(&r, &s) < 0)
		goto out;
	busy = 1;
	install_signals(&r);
	skip_tty_sigs = !r.new_pgrp;
	wake_fd = s.wake[1];

	clock_gettime(CLOCK_MONOTONIC, &r.t0);
	r.pid = fork();
	if (r.pid < 0) {
		res->exec_errno = errno;
		error("cannot run '%s': cannot fork: %s", r.cmd,
		      strerror(errno));
		goto out_signals;
	}
	if (!r.pid)
		run_child(&r, &s);
	child_pid = r.pid;
	if (r.new_pgrp)
		setpgid(r.pid, r.pid); /* as the child does: no race */

	close_fd(&s.out[1]);
	close_fd(&s.err[1]);
	close_fd(&s.status[1]);
	/* Run with our signals deliverable, even if the caller blocks them. */
	run_mask = r.oldmask;
	for (i = 0; i < NFWD; i++)
		if (r.sigs[i].changed)
			sigdelset(&run_mask, fwd_sigs[i]);
	sigdelset(&run_mask, SIGCHLD);
	sigprocmask(SIG_SETMASK, &run_mask, NULL);

	if (check_exec(&r, &s) < 0)
		goto out_signals;
	res->started = 1;

	r.st[0] = (struct stream){ "stdout", s.out[0], o->out_pass_fd,
				   o->out_copy_fd, o->on_stdout_line,
				   NULL, 0, 0, 0, 0, &res->out_bytes };
	r.st[1] = (struct stream){ "stderr", s.err[0], o->err_pass_fd,
				   o->err_copy_fd, o->on_stderr_line,
				   NULL, 0, 0, 0, 0, &res->err_bytes };
	s.out[0] = s.err[0] = -1; /* the streams own them now */

	rc = run_loop(&r, s.wake[0]);
	if (!r.reaped && try_reap(&r, 0) < 0) /* the loop failed */
		rc = -1;
	res->got_signal = last_sig;
	free(r.st[0].line);
	free(r.st[1].line);
	if (!rc && r.problem[0])
		rc = error_code(r.problem_code, "%s", r.problem);

out_signals:
	restore_signals(&r);
	sigprocmask(SIG_SETMASK, &r.oldmask, NULL);
	busy = 0;
out:
	release_start(&s);
	return rc;
}

int proc_exit_code(const struct proc_result *res)
{
	if (!res->started)
		return res->exec_errno == ENOENT ? 127 : 126;
	if (res->signaled)
		return 128 + res->signal;
	return res->status;
}
