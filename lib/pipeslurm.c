/*
 * pipeslurm.c - pipe-run's Slurm executor: the job script, the watcher
 * that submits and follows it, and the job directory (pipe-int.h).
 *
 * The watcher is a shell script rather than C in the runner because
 * proc_run_parallel() already gives a local task everything a stage needs
 * (its log, "[stage] " lines, ::metric lines, signals forwarded to its
 * process group, the -j bound), and its callbacks may not run programs
 * themselves: sbatch, squeue, scontrol and scancel run in the watcher,
 * which proc.h started.  Its polling is gentle on slurmctld: the job's
 * status file is looked at every 0.2 s (a local stat), squeue is asked
 * once a second.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "fsutil.h"
#include "pipe-int.h"
#include "pipeline.h"
#include "strbuf.h"

/*
 * $1 the job directory, $2 the stage, $3 the timeout in seconds (0:
 * none), then sbatch's options.  See pipe-int.h for what it does.
 */
static const char watcher[] =
	"d=$1 n=$2 t=$3; shift 3; j=$d/$n; sig=\n"
	"trap 'sig=${sig:-TERM}' TERM\n"
	"trap 'sig=${sig:-INT}' INT\n"
	"trap 'sig=${sig:-HUP}' HUP\n"
	"rm -f \"$j.status\" \"$j.start\" \"$j.job\" \"$j.out\" \"$j.err\"\n"
	"id=$(sbatch --parsable \"$@\" \"$j.sh\") || exit 1\n"
	"id=${id%%;*}\n"
	"echo \"$id $$\" >\"$j.job.tmp\" && mv -f \"$j.job.tmp\" \"$j.job\" ||"
	" { scancel \"$id\"; exit 1; }\n"
	"started= i=0\n"
	"while [ -z \"$sig\" ] && ! [ -s \"$j.status\" ]; do\n"
	"  if [ -z \"$started\" ] && [ -e \"$j.start\" ]; then\n"
	"    started=$(date +%s)\n"
	"  fi\n"
	"  if [ -n \"$started\" ] && [ \"$t\" -gt 0 ] &&\n"
	"     [ $(($(date +%s) - started)) -ge \"$t\" ]; then\n"
	"    sig=TIMEOUT; break\n"
	"  fi\n"
	"  i=$((i + 1))\n"
	"  if [ $((i % 5)) = 0 ]; then\n"
	"    q=$(squeue -h -j \"$id\" -o %T 2>&1)\n"
	"    case $q in\n"
	"    ''|*'Invalid job id'*)\n"
	"      [ -s \"$j.status\" ] || sleep 1\n"
	"      break ;;\n"
	"    esac\n"
	"  fi\n"
	"  sleep 0.2 & wait $!\n"
	"done\n"
	"if [ -n \"$sig\" ]; then\n"
	"  scancel \"$id\" 2>/dev/null\n"
	"  k=0\n"
	"  while [ $k -lt 50 ] &&\n"
	"        [ -n \"$(squeue -h -j \"$id\" -o %T 2>/dev/null)\" ]; do\n"
	"    sleep 0.2; k=$((k + 1))\n"
	"  done\n"
	"fi\n"
	"cat \"$j.out\" 2>/dev/null\n"
	"cat \"$j.err\" >&2 2>/dev/null\n"
	"case $sig in\n"
	"TIMEOUT)\n"
	"  echo \"pipe-run: slurm job $id: timed out after ${t}s;"
	" cancelled\" >&2\n"
	"  exit 124 ;;\n"
	"?*)\n"
	"  echo \"pipe-run: slurm job $id: cancelled\" >&2\n"
	"  trap - \"$sig\"; kill -s \"$sig\" $$; exit 1 ;;\n"
	"esac\n"
	"if [ -s \"$j.status\" ]; then\n"
	"  read s rest <\"$j.status\" && exit \"$s\"\n"
	"fi\n"
	"st=$(scontrol show job -o \"$id\" 2>/dev/null |\n"
	"    sed -n 's/.*JobState=\\([A-Z_]*\\).*/\\1/p')\n"
	"echo \"pipe-run: slurm job $id ended ${st:-UNKNOWN} without an exit"
	" status\" >&2\n"
	"exit 1\n";

static int add_extra(const char *value, void *data)
{
	struct pipe_slurm *sl = data;

	if (pipeline_split_words(value, &sl->extra) < 0)
		return error_input("slurm.extra: unclosed quote: %s", value);
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s && *s ? xstrdup(s) : NULL;
}

int pipe_slurm_init(struct pipe_slurm *sl, const struct config *cfg,
		    const char *root)
{
	const char *dir = config_get(cfg, "slurm.shareddir");
	struct strbuf sb = STRBUF_INIT;

	memset(sl, 0, sizeof(*sl));
	sl->partition = dup_or_null(config_get(cfg, "slurm.partition"));
	sl->account = dup_or_null(config_get(cfg, "slurm.account"));
	sl->qos = dup_or_null(config_get(cfg, "slurm.qos"));
	if (config_get_all(cfg, "slurm.extra", add_extra, sl) < 0)
		return -1;
	if (!dir || !*dir)
		dir = ".pipe-run/jobs";
	if (*dir == '/')
		strbuf_addstr(&sb, dir);
	else
		strbuf_addf(&sb, "%s/%s", root, dir);
	sl->dir = strbuf_detach(&sb, NULL);
	return 0;
}

void pipe_slurm_release(struct pipe_slurm *sl)
{
	free(sl->partition);
	free(sl->account);
	free(sl->qos);
	pipeline_list_release(&sl->extra);
	free(sl->dir);
	memset(sl, 0, sizeof(*sl));
}

static void push(char ***v, size_t *n, char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = s;
	(*v)[*n] = NULL;
}

char **pipe_slurm_prepare(const struct pipe_slurm *sl, const char *run,
			  const struct stage *s, const char *script,
			  const char *wdir)
{
	struct strbuf job = STRBUF_INIT, body = STRBUF_INIT;
	char **argv = NULL;
	size_t n = 0, i;
	const char *part = s->slurm_partition ? s->slurm_partition :
						sl->partition;
	int64_t secs = s->timeout ? (s->timeout + 999999) / 1000000 : 0;

	strbuf_addf(&job, "%s/%s", sl->dir, run);
	if (fs_mkdirs(job.buf, 0777) < 0)
		goto fail;
	strbuf_addf(&job, "/%s", s->name);
	/* the job: run the script, then say how it went, atomically */
	strbuf_addstr(&body, "#!/bin/sh\nj=");
	pipeline_shell_quote(&body, job.buf);
	strbuf_addstr(&body, "\ndate +%s >\"$j.start\"\n/bin/sh -c ");
	pipeline_shell_quote(&body, script);
	strbuf_addstr(&body, "\ns=$?\n"
			     "echo \"$s $(cat \"$j.start\") $(date +%s)\" "
			     ">\"$j.status.tmp\" &&\n"
			     "mv -f \"$j.status.tmp\" \"$j.status\"\n"
			     "exit $s\n");
	strbuf_addstr(&job, ".sh");
	if (fs_write_file_atomic(job.buf, body.buf, body.len, 0755) < 0)
		goto fail;
	strbuf_setlen(&job, job.len - 3);

	push(&argv, &n, xstrdup("/bin/sh"));
	push(&argv, &n, xstrdup("-c"));
	push(&argv, &n, xstrdup(watcher));
	push(&argv, &n, xstrdup("pipe-run-slurm"));
	push(&argv, &n, xstrfmt("%s/%s", sl->dir, run));
	push(&argv, &n, xstrdup(s->name));
	push(&argv, &n, xstrfmt("%lld", (long long)secs));
	push(&argv, &n, xstrfmt("--job-name=pipe-run.%.8s.%s", run, s->name));
	push(&argv, &n, xstrfmt("--chdir=%s", wdir));
	push(&argv, &n, xstrfmt("--output=%s.out", job.buf));
	push(&argv, &n, xstrfmt("--error=%s.err", job.buf));
	push(&argv, &n, xstrdup("--export=ALL"));
	push(&argv, &n, xstrfmt("--cpus-per-task=%d", s->cpus));
	if (s->mem)
		push(&argv, &n, xstrfmt("--mem=%lluK", (unsigned long long)
				    ((s->mem + 1023) / 1024)));
	if (s->gpus)
		push(&argv, &n, xstrfmt("--gres=gpu:%d", s->gpus));
	if (secs)
		push(&argv, &n, xstrfmt("--time=%lld",
				    (long long)((secs + 59) / 60)));
	if (part)
		push(&argv, &n, xstrfmt("--partition=%s", part));
	if (sl->account)
		push(&argv, &n, xstrfmt("--account=%s", sl->account));
	if (sl->qos)
		push(&argv, &n, xstrfmt("--qos=%s", sl->qos));
	for (i = 0; i < sl->extra.nr; i++)
		push(&argv, &n, xstrdup(sl->extra.v[i].text));
	for (i = 0; i < s->slurm_extra.nr; i++)
		push(&argv, &n, xstrdup(s->slurm_extra.v[i].text));
	goto out;
fail:
	pipe_slurm_argv_free(argv);
	argv = NULL;
out:
	strbuf_release(&job);
	strbuf_release(&body);
	return argv;
}

void pipe_slurm_argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

int pipe_slurm_job(const struct pipe_slurm *sl, const char *run,
		   const char *stage, char *id, size_t n, long *pgid)
{
	char *path = xstrfmt("%s/%s/%s.job", sl->dir, run, stage);
	char buf[128], word[64];
	FILE *f = fopen(path, "re");
	long pg = 0;
	int rc = 0;

	*pgid = 0;
	free(path);
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) &&
	    sscanf(buf, "%63s %ld", word, &pg) >= 1 && n) {
		snprintf(id, n, "%s", word);
		*pgid = pg;
		rc = 1;
	}
	fclose(f);
	return rc;
}

int pipe_slurm_clean(const struct pipe_slurm *sl, const char *run)
{
	char *path = xstrfmt("%s/%s", sl->dir, run);
	int rc = fs_is_dir(path) ? fs_remove_tree(path) : 0;

	free(path);
	return rc;
}
