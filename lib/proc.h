/*
 * proc.h - run a command, or many at once, pass their output through, save
 * it and read its lines as they run.
 *
 * exp-log run and pipe-run start the user's command with this module.  It
 * does what `COMMAND 2> >(tee ERR.log >&2) | tee OUT.log` does, and more:
 * it reads every line of the command's standard output as it comes (so that
 * `::metric loss=0.3 step=10` lines can be recorded while the command runs),
 * forwards the signals meant to stop us to the command, and measures what
 * the command cost.  pipe-run -j N runs N commands at once the same way
 * (steps 5 to 7).  One loop over poll(2), no threads.
 *
 *  1. Start from PROC_OPTS_INIT and fill in what you need:
 *
 *	struct proc_opts o = PROC_OPTS_INIT;
 *	struct proc_result res;
 *	const char *env[] = { "MLREPO_RUN=3f9c...", NULL };
 *
 *	o.argv = argv;			(argv[0] is looked up in PATH)
 *	o.env_add = env;
 *	o.out_copy_fd = out_log;	(the whole of stdout goes here too)
 *	o.err_copy_fd = err_log;
 *	o.on_stdout_line = record_line;
 *	o.data = run;
 *
 *  2. Call proc_run(&o, &res).  It returns when the command has exited and
 *     its output has been read (see "Linger" below).  Meanwhile the
 *     command's stdout and stderr are copied, unchanged and as they come, to
 *     out_pass_fd and err_pass_fd (our own stdout and stderr unless told
 *     otherwise), and in full to out_copy_fd and err_copy_fd.
 *
 *  3. Look at the result.  proc_run() returns 0 when the command ran and
 *     everything went well, whatever its exit status.  It returns -1 with
 *     error() in two cases, told apart by res.started:
 *	- res.started == 0: the command could not be started (a missing
 *	  program: "cannot run 'foo': No such file or directory"; a bad
 *	  working directory; no memory for a pipe).  proc_exit_code() gives
 *	  the shell's 127 (not found) or 126 (found but not runnable).
 *	- res.started == 1: the command ran and res holds its status and
 *	  costs, but something went wrong around it: a copy fd could not be
 *	  written (a full disk), a pass-through fd failed with an error other
 *	  than EPIPE, or the line callback returned -1.  The first such error
 *	  is the message; later ones are dropped.  The run was not stopped.
 *
 *  4. proc_exit_code(&res) is the status the shell would report: the exit
 *     status, or 128 + the number of the signal that killed the command.
 *
 * Many commands at once, with git's run_processes_parallel() as the model:
 *
 *  5. Fill a struct proc_par_opts with how many commands may run at once
 *     and three callbacks, all given `data`:
 *
 *	struct proc_par_opts po = PROC_PAR_OPTS_INIT;
 *	struct proc_par_result pr;
 *
 *	po.jobs = 4;
 *	po.next_task = next_stage;	(fills a struct proc_opts)
 *	po.start_failed = stage_not_started;
 *	po.task_done = stage_done;
 *	po.data = pipeline;
 *
 *     next_task(o, data) gets `o` set to PROC_OPTS_INIT, but with in_fd
 *     -1 (/dev/null), and fills it as for proc_run, with o->data the
 *     task's own pointer (the line callbacks get it) and usually o->prefix
 *     ("[train] ") and o->timeout_ms.  It returns 1 when it gave a task,
 *     or 0 when no task is ready: it is asked again after each task ends,
 *     so that a stage is handed out once the stages it needs are done.
 *     What `o` points to (argv, env_add, prefix, data) must stay valid
 *     until that task's start_failed or task_done has been called.
 *
 *  6. Call proc_run_parallel(&po, &pr).  It starts tasks while fewer than
 *     `jobs` run, each in its own process group, reads all their output
 *     in one poll(2) loop, and returns when next_task has nothing more
 *     and no task runs.  For each task, once:
 *	- start_failed(o, res, data) when it could not start, with the
 *	  reason in err_msg() and res->started == 0 (as proc_run returns
 *	  -1 then); when start_failed is NULL, task_done is called instead
 *	  with rc -1;
 *	- task_done(rc, o, res, data) when it has exited and its output has
 *	  been read, with the rc and res that proc_run would have given:
 *	  rc -1 and err_msg() for a problem around the command (step 3).
 *     Each returns 0 to go on, PROC_STOP to start no more tasks and wait
 *     for the running ones, PROC_KILL to stop the running ones too
 *     (SIGTERM to each group, SIGKILL kill_grace_ms later, as a timeout
 *     does), or -1 after error() to stop as PROC_STOP does and have
 *     proc_run_parallel return -1 with that message.  next_task may return
 *     -1 after error() too.  The callbacks may not call proc_run.
 *
 *  7. proc_run_parallel() returns 0 when no callback failed and the loop
 *     itself did not (a failed poll(2) or wait4(2), with error()).  The
 *     tasks' own failures are theirs: the callbacks saw them.
 *     pr.got_signal is the last forwarded signal we received, if any:
 *     from then on no task was started (see "Signals").
 *
 * Details, for the man pages:
 *
 * Program lookup.  argv[0] without a '/' is searched in PATH, the PATH of
 * the command's environment (after env_add), by proc_run itself before it
 * forks, as execvp(3) would: directories that do not hold it are skipped,
 * an empty entry is the working directory, PATH unset means /bin:/usr/bin.
 * A file that is executable but not a binary nor a "#!" script is run by
 * /bin/sh, as execvp(3) does.
 *
 * Environment.  The command gets our environment with env_add applied:
 * "KEY=VALUE" sets KEY (replacing an old value), a bare "KEY" removes it.
 *
 * Descriptors.  The command's stdin is in_fd (0: ours, the default of
 * proc_run; -1: /dev/null, the default of proc_run_parallel).  Its stdout
 * and stderr are two pipes, read by us.  Every descriptor this module
 * opens is close-on-exec; descriptors the caller holds without FD_CLOEXEC
 * are inherited, as with env(1), so that a make jobserver still reaches
 * the command: open files with O_CLOEXEC.  Since stdout is a pipe,
 * programs that buffer a non-terminal stdout (Python does) print late
 * unless told not to (PYTHONUNBUFFERED=1 in env_add).
 *
 * Pass-through.  Each read from the command (up to 64 KiB) is written to
 * the pass fd at once, stdout and stderr separately, in the order they were
 * read.  With a prefix, and always in proc_run_parallel, output is passed
 * on in whole lines instead, each after the prefix, so that the lines of
 * commands that run at once never mix within a line (a plain pass-through
 * would cut them wherever a read ended).  A line ends at "\n" (a "\r"
 * inside it is passed on as it is); it is held back until its newline, or
 * until the end of the output, where a newline is added.  A line longer
 * than PROC_ECHO_MAX (64 KiB) is not held whole: it is passed on in pieces
 * of 64 KiB (and the rest), each a line of its own, prefix first, with a
 * newline the command did not write.  The copy fds always get the output
 * unchanged.  Only our own writes are ordered so: another process writing
 * to the same terminal can still cut into a line.  A slow reader of a pass
 * fd slows the command down (as tee(1) does); a non-blocking pass fd is
 * waited for with poll(2).  A pass fd that fails with EPIPE (`exp-log run
 * ... | head`) is dropped quietly: the copy files still get everything and
 * the command is not disturbed.  SIGPIPE is ignored while proc_run runs;
 * the command gets the disposition we had.
 *
 * Lines.  on_stdout_line (and on_stderr_line) is called for every line of
 * that stream, without its terminator; the line is also NUL-terminated at
 * `len`, but may hold NUL bytes itself.  A line ends at "\n", "\r\n" or a
 * lone "\r" (so a `::metric` line printed after a progress bar that ends
 * in "\r" is still seen at the start of a line); a last line without a
 * terminator is reported at end of output.  A line longer than max_line
 * bytes (default PROC_MAX_LINE, 1 MiB) is not reported at all, since a
 * truncated `::metric` line would record a wrong value; it is counted in
 * res.long_lines, and is passed through and saved in full like the rest.
 * The callback may be slow (a SQLite write): the command then waits on a
 * full pipe, nothing is lost.  It returns 0, or -1 after error() to report
 * a problem: the run goes on, and the first problem is kept (step 3).
 *
 * Signals.  SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1 and SIGUSR2 that we
 * receive while the command runs are forwarded to it (by proc_run_parallel
 * to every running task's process group, but not back to a task that sent
 * it), unless we had them ignored (then the command inherits them ignored,
 * and we stay deaf).  The last one received is res.got_signal; proc_run
 * does not stop for them: it waits for the command to exit, which is the
 * command's decision.  Where the command runs depends on pgrp:
 *	PROC_PGRP_NEW: its own process group, and signals are forwarded to
 *	  that whole group, so a shell's pipeline or a trainer's worker
 *	  processes get each signal once, as from a terminal.
 *	PROC_PGRP_SAME: our process group, so it stays in the terminal's
 *	  foreground with us: it can read the terminal (pdb), Ctrl-C and
 *	  Ctrl-Z reach it directly, and job control stops and resumes us
 *	  together.  Signals are forwarded to the command's process only, and
 *	  not those the terminal generated (Linux tells them apart by
 *	  si_code SI_KERNEL), since the terminal already sent those to the
 *	  command: Ctrl-C reaches it once, not twice (on systems without
 *	  SI_KERNEL, twice).
 *	PROC_PGRP_AUTO (the default): SAME when our stdin, stdout or stderr
 *	  is a terminal (an interactive job), NEW otherwise (cron, CI, Slurm,
 *	  nohup, a pipeline stage).
 *   A signal sent by the command itself to us is never sent back.  A
 *   signal sent to our whole process group by another process (kill -TERM
 *   -PGID) reaches the command twice in SAME mode.
 *   proc_run_parallel runs every task in its own group (pgrp is ignored),
 *   and after any of these signals it starts no more tasks, next_task is
 *   not called again, and it returns once the running ones have exited,
 *   with the signal in pr.got_signal (Slurm's warning before a time limit
 *   is SIGUSR1 or SIGUSR2, so those stop new tasks too).
 *
 * Timeout.  With timeout_ms, a command still running that long after it
 * started gets SIGTERM (to its process group, or to its process alone in
 * PROC_PGRP_SAME mode), and res.timed_out is set; if it has not exited
 * kill_grace_ms later (default PROC_KILL_GRACE_MS, 5 s), or its output is
 * still held open by a process of its group, the group gets SIGKILL.  A
 * timed-out task's output is read until then even past linger_ms.  The
 * other tasks are not touched.
 *
 * Linger.  Output is read until both pipes reach end of file.  When the
 * command has exited but a background process it started still holds them
 * open, proc_run waits at most linger_ms more (default PROC_LINGER_MS,
 * 1 s; negative: wait for end of file however long it takes), then stops
 * reading; that process's later writes fail with EPIPE.  A command that
 * closes its output early is still waited for.
 *
 * Costs.  wall_s is monotonic time from start to exit.  cpu_user_s,
 * cpu_sys_s and max_rss_kb come from wait4(2): the command and those of
 * its descendants it waited for; max_rss_kb is the largest resident set
 * of any one of them (not a sum), and may include the size of our own
 * process when the command is tiny.  In proc_run_parallel each task's
 * costs are its own.  res.pid is the command's process id (the id of its
 * process group when it has its own), for killing what it left behind.
 *
 * Starting.  The child is made with vfork(2), not fork(2): it borrows our
 * memory until it execs, so no page is made copy-on-write (after a fork
 * every page the parent then writes faults once, which made a runner of
 * many short commands several times slower than the commands).
 *
 * proc_run and proc_run_parallel install signal handlers for their
 * duration (SIGCHLD's too: a caller's own SIGCHLD handler misses the exits
 * of its other children meanwhile), so one process runs one of them at a
 * time; calling either from a callback fails.  Both wait for their own
 * children only, by pid: a caller's other children are left alone.
 */
#ifndef MLREPO_PROC_H
#define MLREPO_PROC_H

#include <stddef.h>

#define PROC_MAX_LINE (1024 * 1024)
#define PROC_LINGER_MS 1000
#define PROC_KILL_GRACE_MS 5000
#define PROC_ECHO_MAX (64 * 1024)

/* Called for each line of output; returns 0, or -1 after error(). */
typedef int (*proc_line_fn)(const char *line, size_t len, void *data);

enum proc_pgrp {
	PROC_PGRP_AUTO = 0, /* SAME on a terminal, else NEW */
	PROC_PGRP_NEW,	    /* own process group, signals to the group */
	PROC_PGRP_SAME	    /* our process group, signals to the command */
};

struct proc_opts {
	char *const *argv;	    /* the command; argv[0] looked up in PATH */
	const char *const *env_add; /* "K=V" sets, "K" unsets; NULL-ended */
	const char *cwd;	    /* working directory, NULL: ours */
	int in_fd;		    /* stdin: 0 ours, -1 /dev/null, or an fd */
	int out_pass_fd, err_pass_fd; /* usually 1 and 2; -1: discard */
	int out_copy_fd, err_copy_fd; /* the whole stream; -1: none */
	proc_line_fn on_stdout_line;  /* NULL: none */
	proc_line_fn on_stderr_line;  /* NULL: none */
	void *data;		    /* passed to the callbacks */
	size_t max_line;	    /* 0: PROC_MAX_LINE */
	int linger_ms;		    /* 0: PROC_LINGER_MS; < 0: until EOF */
	enum proc_pgrp pgrp;	    /* proc_run only */
	const char *prefix;	    /* non-NULL: pass whole lines after it */
	int timeout_ms;		    /* 0: none; then SIGTERM */
	int kill_grace_ms;	    /* then SIGKILL; 0: PROC_KILL_GRACE_MS */
};

#define PROC_OPTS_INIT                                                        \
	{                                                                      \
		.in_fd = 0, .out_pass_fd = 1, .err_pass_fd = 2,               \
		.out_copy_fd = -1, .err_copy_fd = -1                           \
	}

struct proc_result {
	int started;	  /* the command ran; the fields below are set */
	int exited;	  /* it exited normally, with `status` */
	int status;
	int signaled;	  /* a signal killed it: `signal` */
	int signal;
	int core_dumped;
	int exec_errno;	  /* when not started: why (ENOENT, EACCES...) */
	int got_signal;	  /* the last signal we received while it ran */
	int timed_out;	  /* it ran past timeout_ms and got SIGTERM */
	double wall_s;	  /* monotonic, start to exit */
	double cpu_user_s, cpu_sys_s;
	long max_rss_kb;  /* peak resident set, KiB */
	unsigned long long out_bytes, err_bytes; /* read from the command */
	unsigned long long long_lines; /* lines over max_line, not reported */
	long pid;	  /* the command's process id (its group's, when new) */
};

/*
 * Run the command in `o` to its end, filling `res` (see above).  Returns 0,
 * or -1 with error(): when res->started is 0 the command did not run.
 */
int proc_run(const struct proc_opts *o, struct proc_result *res);

/*
 * The shell's exit status for `res`: the status, 128 + signal, or when the
 * command did not start 127 (not found) or 126 (found, not runnable).
 */
int proc_exit_code(const struct proc_result *res);

/* What a callback of proc_run_parallel returns, besides 0 and -1. */
enum {
	PROC_STOP = 1, /* start no more tasks */
	PROC_KILL = 2  /* and stop the running ones: SIGTERM, then SIGKILL */
};

/*
 * Fill `o` (PROC_OPTS_INIT with in_fd -1) with the next task.  Returns 1,
 * 0 when no task is ready now, or -1 after error().
 */
typedef int (*proc_next_fn)(struct proc_opts *o, void *data);
/* The task in `o` could not start: err_msg() says why. */
typedef int (*proc_failed_fn)(const struct proc_opts *o,
			      const struct proc_result *res, void *data);
/* The task in `o` has ended; `rc` is what proc_run would have returned. */
typedef int (*proc_done_fn)(int rc, const struct proc_opts *o,
			    const struct proc_result *res, void *data);

struct proc_par_opts {
	int jobs;		    /* at once; < 1: the number of CPUs */
	proc_next_fn next_task;	    /* required */
	proc_failed_fn start_failed; /* NULL: task_done gets rc -1 */
	proc_done_fn task_done;	    /* NULL: none */
	void *data;		    /* passed to the three */
};

#define PROC_PAR_OPTS_INIT { .jobs = 0 }

struct proc_par_result {
	int got_signal;		    /* the last signal received, or 0 */
	unsigned long started;	    /* tasks that ran */
	unsigned long not_started;  /* tasks that could not start */
};

/*
 * Run the tasks next_task gives, up to po->jobs at a time (see above),
 * filling `pr`.  Returns 0, or -1 with error() when a callback returned
 * -1 (its message) or the loop failed.
 */
int proc_run_parallel(const struct proc_par_opts *po,
		      struct proc_par_result *pr);

#endif
