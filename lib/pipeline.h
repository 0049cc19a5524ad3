/*
 * pipeline.h - pipe-run's pipeline file and the graph of its stages.
 *
 * The file (pipeline.ini) is git-config syntax, read by lib/config:
 *
 *	[params]
 *		lr = 0.01
 *	[stage "train"]
 *		cmd = python3 train.py --lr ${lr} 2>&1 | tee log # kept
 *		deps = data/clean.csv train.py
 *		outs = model.bin
 *
 * In [stage "NAME"] sections the values of cmd, deps, outs and env are raw
 * (config.h): everything after '=' to the end of the line, trimmed, a
 * trailing backslash continuing it; no comment, quote or escape is
 * processed, so a shell command is kept as written.  Every other value,
 * and every [params] value, is an ordinary config value.  Section and key
 * names are case-insensitive, so param names are lower case.
 *
 * Usage:
 *   1. pipeline_read(): parse the file; p->params is filled, the stages
 *      are not built yet.
 *   2. pipeline_set_param() for each -S NAME=VALUE override.
 *   3. pipeline_build(): expand foreach and ${...}, check every key, the
 *      deps, outs and the graph; fills p->stages, each stage's upstream
 *      list and p->order.
 *   4. pipeline_select() for the stages targets need; pipeline_dot() or
 *      pipeline_mermaid() to draw them.
 *   5. pipeline_release().
 *
 * The model (everything owned by the struct pipeline):
 *   - params: name/value pairs in file order (a repeated name keeps its
 *     first place and its last value).
 *   - stages, in file order; a stage's keys:
 *       cmd          run by /bin/sh; may repeat, run in order (cmds)
 *       deps, outs   paths relative to wdir, split into words as the
 *                    shell splits them (quotes and backslashes honoured,
 *                    no expansion, no comments); keys may repeat
 *       params       names of params the stage depends on; with every
 *                    param whose ${name} appears in one of its keys, they
 *                    are `params` (deduplicated, in order of appearance)
 *       metrics      files the stage writes (JSON or key=value), words
 *       after        stage names: order without a file; the name of a
 *                    foreach stage stands for all of its items
 *       wdir         relative to the pipeline file's directory (default)
 *       env          KEY=VALUE words (shell-split), may repeat
 *       retries      a count (0); retry_delay, timeout: durations
 *                    (mltime: "90s", "1h30m"; 0: none)
 *       cpus (1), gpus (0): counts; mem: bytes with an optional K, M, G
 *                    or T suffix, powers of 1024 (0: not stated)
 *       always (false), cache (true): booleans
 *       executor     where it runs: local (the default: pipe-run --executor
 *                    decides) or slurm (a Slurm job, lib/pipe-int.h)
 *       slurm_partition  the job's partition (default: [slurm] partition)
 *       slurm_extra  more sbatch options, shell-split words, after the
 *                    config's slurm.extra
 *       foreach      words; one stage per item, named STAGE@ITEM, with
 *                    ${item} replaced by the item in every key; ${name}
 *                    of a param is replaced here too, unquoted, so
 *                    foreach = ${shards} iterates over a param's words
 *   - `lines[PIPELINE_KEY_...]`: the line of each key (its last value;
 *     0 when absent), and `line` the section header's, for messages.
 *
 * ${name}: in cmd, deps, outs, metrics and env, ${name} is replaced by the
 * shell-quoted value of param `name` (as is when it is made only of
 * [A-Za-z0-9_@%+=:,./-], else in single quotes) when [params] defines it;
 * any other ${...} is left for the shell.  In wdir the value goes in
 * unquoted.  Substitution is done once, after the overrides.
 *
 * Paths: every dep, out and metric has its `path` (the word as written,
 * expanded) and `norm`: joined to wdir and normalised (no "." or ".."
 * parts, no double or trailing '/'), relative to the pipeline file's
 * directory (or absolute), which is how outs and deps are compared.
 *
 * Errors: every function returns 0 or -1; file errors are error_input()
 * (exit 2) and read as
 *   'pipeline.ini' line 7: stage 'train': unknown key 'retry'
 *   'pipeline.ini' line 3: stage 'b': cycle: b -> c -> b
 * An I/O error while reading the file is error() (exit 3).
 */
#ifndef MLREPO_PIPELINE_H
#define MLREPO_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct strbuf;

enum pipeline_key {
	PIPELINE_KEY_CMD,
	PIPELINE_KEY_DEPS,
	PIPELINE_KEY_OUTS,
	PIPELINE_KEY_PARAMS,
	PIPELINE_KEY_METRICS,
	PIPELINE_KEY_AFTER,
	PIPELINE_KEY_WDIR,
	PIPELINE_KEY_ENV,
	PIPELINE_KEY_RETRIES,
	PIPELINE_KEY_RETRY_DELAY,
	PIPELINE_KEY_TIMEOUT,
	PIPELINE_KEY_CPUS,
	PIPELINE_KEY_MEM,
	PIPELINE_KEY_GPUS,
	PIPELINE_KEY_ALWAYS,
	PIPELINE_KEY_CACHE,
	PIPELINE_KEY_FOREACH,
	PIPELINE_KEY_EXECUTOR,
	PIPELINE_KEY_SLURM_PARTITION,
	PIPELINE_KEY_SLURM_EXTRA,
	PIPELINE_KEY_NR
};

/* The key's name as written in the file ("retry_delay"). */
const char *pipeline_key_name(enum pipeline_key k);

struct pipeline_param {
	char *name, *value;
	int line;	 /* where it was (last) set */
	bool overridden; /* by pipeline_set_param() */
};

/* One word of a list key: a command, a path, a name, KEY=VALUE. */
struct pipeline_item {
	char *text; /* expanded */
	char *norm; /* paths only (deps, outs, metrics): see above; else NULL */
	int line;   /* of its key */
	/*
	 * a dep that is no stage's out: its stat(2) when the pipeline was
	 * built (which checked it exists), so that a status need not ask
	 * again
	 */
	bool have_st;
	int64_t st_size, st_mtime_ns, st_ino;
	unsigned st_mode;
};

struct pipeline_list {
	struct pipeline_item *v;
	size_t nr, alloc;
};

struct stage {
	char *name;  /* STAGE or STAGE@ITEM */
	char *base;  /* STAGE (the section's name) */
	char *item;  /* ITEM of a foreach stage, else NULL */
	size_t index; /* in p->stages: file order */
	int line;    /* of the [stage "..."] header */
	int lines[PIPELINE_KEY_NR];

	struct pipeline_list cmds, deps, outs, params, metrics, after, env;
	char *wdir; /* normalised, relative to the file's directory; "." */
	int retries, cpus, gpus;
	int64_t retry_delay, timeout; /* microseconds; 0: none */
	uint64_t mem;		      /* bytes; 0: not stated */
	bool always, cache;
	char *executor;	       /* "local", "slurm", or NULL: not stated */
	char *slurm_partition; /* NULL: not stated */
	struct pipeline_list slurm_extra;

	/* the graph: stages this one needs, by index, ascending */
	size_t *up;
	size_t nr_up, alloc_up;
};

struct pipeline {
	char *file; /* as given */
	char *dir;  /* its directory ("." for a bare name) */
	struct pipeline_param *params;
	size_t nr_params, alloc_params;
	struct stage *stages;
	size_t nr_stages, alloc_stages;
	size_t *order; /* nr_stages indices: topological, file order on ties */

	/* private: the parsed file, between pipeline_read() and _build() */
	struct config cfg;
	int *section_lines;
	size_t *sidx, nsidx; /* [stage] entries by section name */
	size_t *by_name;     /* stage indices by name */
	bool built;
};

#define PIPELINE_INIT { 0 }

/*
 * Read the pipeline file at `path` into `p` (initialised with
 * PIPELINE_INIT).  A missing file is bad input ("cannot open
 * 'pipeline.ini': No such file or directory"), as is a syntax error or
 * a section other than [params] and [stage "NAME"].
 */
int pipeline_read(struct pipeline *p, const char *path);

/*
 * Override param `name` (case-insensitive) with `value`, as -S NAME=VALUE
 * does, before pipeline_build().  An unknown name is bad input:
 * "no param 'lr2' in 'pipeline.ini'".
 */
int pipeline_set_param(struct pipeline *p, const char *name,
		       const char *value);
/* The value of param `name`, or NULL. */
const char *pipeline_param(const struct pipeline *p, const char *name);

/*
 * Build the stages and the graph from what pipeline_read() parsed, and
 * check them: unknown keys, bad numbers, durations, sizes and booleans, a
 * stage without cmd, a bad stage name (names_check(); '@' comes only from
 * foreach), unknown params, duplicate or nested outs, a dep that is
 * neither an existing file (relative to the stage's wdir) nor another
 * stage's out (or inside a directory that is one), `after` naming an
 * unknown stage, and cycles.  Call it once.
 */
int pipeline_build(struct pipeline *p);

/* The stage called `name`, or NULL. */
struct stage *pipeline_stage(const struct pipeline *p, const char *name);

/*
 * The stages `targets` need: the targets and everything upstream of them,
 * in topological order (as p->order), in a new array of indices (*out,
 * free(3) it) of *nr entries.  No targets: every stage.  A target is a
 * stage's name, or the name of a foreach section for all its items; any
 * other name is an error: "no stage 'x' in 'pipeline.ini'".
 */
int pipeline_select(const struct pipeline *p, const char *const *targets,
		    size_t nr_targets, size_t **out, size_t *nr);

/*
 * Append the graph to `out` as Graphviz dot ("digraph pipeline {...}")
 * or as a Mermaid flowchart ("flowchart TD ..."): every stage, then an
 * edge from each upstream stage to the stage that needs it, both in
 * topological order.
 */
void pipeline_dot(const struct pipeline *p, struct strbuf *out);
void pipeline_mermaid(const struct pipeline *p, struct strbuf *out);

/*
 * Append `s` to `out` quoted for /bin/sh: as is when it is not empty and
 * made only of [A-Za-z0-9_@%+=:,./-], else in single quotes (a ' written
 * as '\'').
 */
void pipeline_shell_quote(struct strbuf *out, const char *s);

/*
 * Split `s` into words as the shell would (quotes and backslashes
 * honoured, no expansion), appending them to `l` (line 0).  0, or -1
 * for an unclosed quote (no error set).
 */
int pipeline_split_words(const char *s, struct pipeline_list *l);
/* Free the words of `l` and empty it. */
void pipeline_list_release(struct pipeline_list *l);

/*
 * Bytes with an optional K, M, G or T suffix (powers of 1024), as `mem`
 * and the config's compute.mem are written.  0, or -1 with error_input().
 */
int pipeline_parse_size(const char *v, uint64_t *out);

/*
 * `path` joined to `dir` (unless absolute) and normalised: no "." or ".."
 * parts (a ".." takes the part before it away, lexically), no double or
 * trailing '/'; "." when nothing is left.  Free it.
 */
char *pipeline_norm_path(const char *dir, const char *path);

void pipeline_release(struct pipeline *p);

#endif
