/* pipeline.c - see pipeline.h */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "mltime.h"
#include "names.h"
#include "num.h"
#include "pipeline.h"
#include "strbuf.h"

static const char *const key_names[PIPELINE_KEY_NR] = {
	"cmd", "deps", "outs", "params", "metrics", "after", "wdir", "env",
	"retries", "retry_delay", "timeout", "cpus", "mem", "gpus", "always",
	"cache", "foreach", "executor", "slurm_partition", "slurm_extra"
};

const char *pipeline_key_name(enum pipeline_key k)
{
	return k < PIPELINE_KEY_NR ? key_names[k] : "?";
}

static int key_of(const char *name)
{
	int k;

	for (k = 0; k < PIPELINE_KEY_NR; k++)
		if (!strcmp(key_names[k], name))
			return k;
	return -1;
}

/* "'FILE' line N: stage 'S': " + the message, as error_input(). */
static int ERR_FORMAT(4, 5) stage_err(const struct pipeline *p,
				      const char *stage, int line,
				      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_input("'%s' line %d: stage '%s': %s", p->file, line, stage,
		    sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* Put the position before the last error's message; returns -1. */
static int stage_prefix(const struct pipeline *p, const char *stage,
			int line, const char *key)
{
	err_prefix("'%s' line %d: stage '%s': %s: ", p->file, line, stage, key);
	return -1;
}

/* cmd, deps, outs and env are raw in [stage "..."] sections. */
static int raw_key(const char *section, const char *sub, const char *key,
		   void *data)
{
	return !strcmp(section, "stage") &&
	       (!strcmp(key, "cmd") || !strcmp(key, "deps") ||
		!strcmp(key, "outs") || !strcmp(key, "env"));
}

static struct pipeline_param *find_param(const struct pipeline *p,
					 const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < p->nr_params; i++)
		if (strlen(p->params[i].name) == len &&
		    !memcmp(p->params[i].name, name, len))
			return &p->params[i];
	return NULL;
}

const char *pipeline_param(const struct pipeline *p, const char *name)
{
	struct pipeline_param *pp = find_param(p, name, strlen(name));

	return pp ? pp->value : NULL;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, slash - path);
}

static const struct config *sort_sections;

/* [stage] sections by name, then in file order. */
static int section_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_sections->sections[x].subsection,
		       sort_sections->sections[y].subsection);

	return c ? c : (x < y ? -1 : x > y);
}

int pipeline_read(struct pipeline *p, const char *path)
{
	struct config_opts opts = { raw_key, NULL };
	struct strbuf sb = STRBUF_INIT;
	struct config *cfg = &p->cfg;
	int fd, rc = -1;
	size_t i, j;

	p->file = xstrdup(path);
	p->dir = dir_of(path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return error_input("cannot open '%s': %s", path,
					   strerror(errno));
		return error("cannot open '%s': %s", path, strerror(errno));
	}
	if (strbuf_read_fd(&sb, fd) < 0) {
		error("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	{
		/* a NUL would end a value where the file does not */
		const char *nul = memchr(sb.buf, '\0', sb.len), *q;
		int line = 1;

		if (nul) {
			for (q = sb.buf; q < nul; q++)
				line += *q == '\n';
			error_input("'%s' line %d: a NUL byte", path, line);
			goto out;
		}
	}
	if (config_parse_buf_opts(cfg, path, sb.buf, sb.len, &opts) < 0)
		goto out;

	/* the line of each section header, from where it ends */
	p->section_lines = xcalloc(cfg->nr_sections + 1, sizeof(int));
	{
		/* sections come in file order: count lines as we go */
		const char *q = sb.buf;
		int line = 1;

		for (i = 0; i < cfg->nr_sections; i++) {
			const char *e = sb.buf + cfg->sections[i].end;

			while (q < e && (q = memchr(q, '\n', e - q)))
				line++, q++;
			if (!q)
				q = e;
			p->section_lines[i] = line;
		}
	}
	for (i = 0; i < cfg->nr_sections; i++) {
		const struct config_section *s = &cfg->sections[i];
		int line = p->section_lines[i];

		if (!strcmp(s->section, "params") && !s->subsection)
			continue;
		if (strcmp(s->section, "stage")) {
			error_input("'%s' line %d: unknown section '%s'", path,
				    line, s->section);
			err_hint("sections are [params] and [stage \"NAME\"]");
			goto out;
		}
		if (!s->subsection) {
			error_input("'%s' line %d: a stage needs a name: "
				    "[stage \"NAME\"]", path, line);
			goto out;
		}
	}
	/* a stage defined twice: sort the names, look at neighbours */
	{
		size_t *v = xcalloc(cfg->nr_sections + 1, sizeof(*v)), n = 0;

		for (i = 0; i < cfg->nr_sections; i++)
			if (!strcmp(cfg->sections[i].section, "stage"))
				v[n++] = i;
		sort_sections = cfg;
		if (n)
			qsort(v, n, sizeof(*v), section_cmp);
		sort_sections = NULL;
		for (j = 1; j < n; j++)
			if (!strcmp(cfg->sections[v[j]].subsection,
				    cfg->sections[v[j - 1]].subsection)) {
				error_input("'%s' line %d: stage '%s' is "
					    "defined twice (first on line %d)",
					    path, p->section_lines[v[j]],
					    cfg->sections[v[j]].subsection,
					    p->section_lines[v[j - 1]]);
				free(v);
				goto out;
			}
		free(v);
	}
	for (i = 0; i < cfg->nr; i++) {
		const struct config_entry *e = &cfg->entries[i];
		struct pipeline_param *pp;
		const char *v = e->value ? e->value : "true";

		if (strcmp(e->section, "params") || e->subsection)
			continue;
		pp = find_param(p, e->key, strlen(e->key));
		if (!pp) {
			ALLOC_GROW(p->params, p->nr_params + 1,
				   p->alloc_params);
			pp = &p->params[p->nr_params++];
			memset(pp, 0, sizeof(*pp));
			pp->name = xstrdup(e->key);
		}
		free(pp->value);
		pp->value = xstrdup(v);
		pp->line = e->line;
	}
	rc = 0;
out:
	close(fd);
	strbuf_release(&sb);
	return rc;
}

int pipeline_set_param(struct pipeline *p, const char *name,
		       const char *value)
{
	size_t i;

	for (i = 0; i < p->nr_params; i++) {
		struct pipeline_param *pp = &p->params[i];

		if (strcasecmp(pp->name, name))
			continue;
		free(pp->value);
		pp->value = xstrdup(value);
		pp->overridden = true;
		return 0;
	}
	return error_input("no param '%s' in '%s'", name, p->file);
}

void pipeline_shell_quote(struct strbuf *out, const char *s)
{
	const char *q;

	for (q = s; *q; q++)
		if (!isalnum((unsigned char)*q) && !strchr("_@%+=:,./-", *q))
			break;
	if (*s && !*q) {
		strbuf_addstr(out, s);
		return;
	}
	strbuf_addch(out, '\'');
	for (q = s; *q; q++) {
		if (*q == '\'')
			strbuf_addstr(out, "'\\''");
		else
			strbuf_addch(out, *q);
	}
	strbuf_addch(out, '\'');
}

static void list_add(struct pipeline_list *l, const char *text, int line)
{
	ALLOC_GROW(l->v, l->nr + 1, l->alloc);
	memset(&l->v[l->nr], 0, sizeof(l->v[l->nr]));
	l->v[l->nr].text = xstrdup(text);
	l->v[l->nr].line = line;
	l->nr++;
}

static bool list_has(const struct pipeline_list *l, const char *text)
{
	size_t i;

	for (i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].text, text))
			return true;
	return false;
}

static void list_release(struct pipeline_list *l)
{
	size_t i;

	for (i = 0; i < l->nr; i++) {
		free(l->v[i].text);
		free(l->v[i].norm);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int is_name_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

/*
 * Expand `s` into `out`: ${item} (when `item` is set) and the ${name} of
 * every defined param, shell-quoted when `quote`.  Params used are noted
 * in `used` (when not NULL) with `line`.
 */
static void expand(const struct pipeline *p, const char *s, const char *item,
		   bool quote, struct pipeline_list *used, int line,
		   struct strbuf *out)
{
	while (*s) {
		const char *name, *e;
		struct pipeline_param *pp;

		if (s[0] != '$' || s[1] != '{') {
			strbuf_addch(out, *s++);
			continue;
		}
		name = s + 2;
		for (e = name; is_name_char((unsigned char)*e); e++)
			;
		if (*e != '}' || e == name) {
			strbuf_add(out, s, 2);
			s += 2;
			continue;
		}
		if (item && e - name == 4 && !memcmp(name, "item", 4)) {
			strbuf_addstr(out, item);
		} else if ((pp = find_param(p, name, e - name))) {
			if (quote)
				pipeline_shell_quote(out, pp->value);
			else
				strbuf_addstr(out, pp->value);
			if (used && !list_has(used, pp->name))
				list_add(used, pp->name, line);
		} else {
			strbuf_add(out, s, e + 1 - s);
		}
		s = e + 1;
	}
}

/*
 * Split `s` into words as /bin/sh does, without expansions: blanks
 * separate words, '...' is literal, "..." honours \$ \` \" \\ and
 * \newline, a backslash outside quotes keeps the next byte.  Appends each
 * word to `l` with `line`; -1 on an unclosed quote (no message).
 */
static int split_words(const char *s, struct pipeline_list *l, int line)
{
	struct strbuf w = STRBUF_INIT;
	int rc = -1;

	for (;;) {
		bool in_word = false;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (!*s)
			break;
		strbuf_reset(&w);
		while (*s && !(*s == ' ' || *s == '\t' || *s == '\n' ||
			       *s == '\r')) {
			in_word = true;
			if (*s == '\'') {
				const char *end = strchr(s + 1, '\'');

				if (!end)
					goto out;
				strbuf_add(&w, s + 1, end - s - 1);
				s = end + 1;
			} else if (*s == '"') {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\' && s[1] &&
					    strchr("$`\"\\\n", s[1])) {
						if (s[1] != '\n')
							strbuf_addch(&w, s[1]);
						s++;
					} else {
						strbuf_addch(&w, *s);
					}
				}
				if (!*s)
					goto out;
				s++;
			} else if (*s == '\\' && s[1]) {
				if (s[1] != '\n')
					strbuf_addch(&w, s[1]);
				s += 2;
			} else {
				strbuf_addch(&w, *s++);
			}
		}
		if (in_word)
			list_add(l, w.buf, line);
	}
	rc = 0;
out:
	strbuf_release(&w);
	return rc;
}

int pipeline_split_words(const char *s, struct pipeline_list *l)
{
	return split_words(s, l, 0);
}

void pipeline_list_release(struct pipeline_list *l)
{
	list_release(l);
}

/*
 * `path` joined to `dir` (unless absolute) and normalised: no empty, "."
 * or ".." parts (".." kept only at the start of a relative path); "." for
 * nothing.
 */
char *pipeline_norm_path(const char *dir, const char *path)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	const char **part = NULL;
	size_t *plen = NULL, nr = 0, alloc = 0, alloc2 = 0, i;
	const char *s, *e;
	bool abs;

	if (path[0] != '/' && strcmp(dir, "."))
		strbuf_addf(&in, "%s/", dir);
	strbuf_addstr(&in, path);
	abs = in.buf[0] == '/';
	for (s = in.buf; *s; s = e) {
		size_t n;

		while (*s == '/')
			s++;
		for (e = s; *e && *e != '/'; e++)
			;
		n = e - s;
		if (!n || (n == 1 && *s == '.'))
			continue;
		if (n == 2 && !memcmp(s, "..", 2)) {
			if (nr && !(plen[nr - 1] == 2 &&
				    !memcmp(part[nr - 1], "..", 2))) {
				nr--;
				continue;
			}
			if (abs)
				continue;
		}
		ALLOC_GROW(part, nr + 1, alloc);
		ALLOC_GROW(plen, nr + 1, alloc2);
		part[nr] = s;
		plen[nr++] = n;
	}
	if (abs)
		strbuf_addch(&out, '/');
	for (i = 0; i < nr; i++) {
		if (i)
			strbuf_addch(&out, '/');
		strbuf_add(&out, part[i], plen[i]);
	}
	if (!out.len)
		strbuf_addch(&out, '.');
	free(part);
	free(plen);
	strbuf_release(&in);
	return strbuf_detach(&out, NULL);
}

/* A whole number from 0 to INT_MAX. */
static int parse_count(const char *v, int *out)
{
	int64_t n;

	if (num_parse_int(v, strlen(v), &n) < 0 || n < 0 || n > INT_MAX)
		return error_input("not a whole number from 0: '%s'", v);
	*out = (int)n;
	return 0;
}

/* Bytes, with an optional K, M, G or T (powers of 1024) and an optional B. */
int pipeline_parse_size(const char *v, uint64_t *out)
{
	const char *q = v;
	uint64_t n = 0, mult = 1;
	int shift = 0;

	if (!isdigit((unsigned char)*q))
		goto bad;
	for (; isdigit((unsigned char)*q); q++) {
		if (n > (UINT64_MAX - 9) / 10)
			goto bad;
		n = n * 10 + (uint64_t)(*q - '0');
	}
	switch (toupper((unsigned char)*q)) {
	case 'K': shift = 10; q++; break;
	case 'M': shift = 20; q++; break;
	case 'G': shift = 30; q++; break;
	case 'T': shift = 40; q++; break;
	}
	if (shift && (*q == 'i' || *q == 'I') &&
	    toupper((unsigned char)q[1]) == 'B')
		q += 2;
	else if (toupper((unsigned char)*q) == 'B')
		q++;
	if (*q)
		goto bad;
	mult <<= shift;
	if (n > UINT64_MAX / mult)
		goto bad;
	*out = n * mult;
	return 0;
bad:
	error_input("not a size: '%s'", v);
	err_hint("sizes are bytes with an optional K, M, G or T: 512M, 2G");
	return -1;
}

static bool env_word_ok(const char *w)
{
	const char *q = w;

	if (!isalpha((unsigned char)*q) && *q != '_')
		return false;
	while (isalnum((unsigned char)*q) || *q == '_')
		q++;
	return *q == '=';
}

static void stage_release(struct stage *st)
{
	free(st->name);
	free(st->base);
	free(st->item);
	list_release(&st->cmds);
	list_release(&st->deps);
	list_release(&st->outs);
	list_release(&st->params);
	list_release(&st->metrics);
	list_release(&st->after);
	list_release(&st->env);
	list_release(&st->slurm_extra);
	free(st->executor);
	free(st->slurm_partition);
	free(st->wdir);
	free(st->up);
	memset(st, 0, sizeof(*st));
}

/*
 * The entries of [stage "NAME"] sections, by name then file order
 * (p->sidx), so that each stage finds its own without reading them all.
 */
static const struct config *sort_cfg;

static int sidx_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = strcmp(sort_cfg->entries[x].subsection,
		       sort_cfg->entries[y].subsection);

	return c ? c : (x < y ? -1 : x > y);
}

static void index_entries(struct pipeline *p)
{
	const struct config *cfg = &p->cfg;
	size_t i;

	p->sidx = xcalloc(cfg->nr + 1, sizeof(*p->sidx));
	p->nsidx = 0;
	for (i = 0; i < cfg->nr; i++)
		if (!strcmp(cfg->entries[i].section, "stage") &&
		    cfg->entries[i].subsection)
			p->sidx[p->nsidx++] = i;
	sort_cfg = cfg;
	if (p->nsidx)
		qsort(p->sidx, p->nsidx, sizeof(*p->sidx), sidx_cmp);
	sort_cfg = NULL;
}

/* The range [*lo, *hi) of p->sidx holding the entries of stage `name`. */
static void stage_entries(const struct pipeline *p, const char *name,
			  size_t *lo, size_t *hi)
{
	size_t a = 0, b = p->nsidx;

	while (a < b) {
		size_t m = a + (b - a) / 2;

		if (strcmp(p->cfg.entries[p->sidx[m]].subsection, name) < 0)
			a = m + 1;
		else
			b = m;
	}
	*lo = a;
	while (b < p->nsidx &&
	       !strcmp(p->cfg.entries[p->sidx[b]].subsection, name))
		b++;
	*hi = b;
}

/* Build one stage (`item` of a foreach one) from its section's entries. */
static int build_stage(struct pipeline *p, const char *base, const char *item,
		       int header_line)
{
	const struct config *cfg = &p->cfg;
	struct stage st;
	struct strbuf v = STRBUF_INIT, name = STRBUF_INIT;
	const struct config_entry *wdir = NULL;
	size_t i, j, lo, hi;
	int rc = -1;

	memset(&st, 0, sizeof(st));
	strbuf_addstr(&name, base);
	if (item)
		strbuf_addf(&name, "@%s", item);
	st.name = strbuf_detach(&name, NULL);
	st.base = xstrdup(base);
	st.item = item ? xstrdup(item) : NULL;
	st.line = header_line;
	st.cpus = 1;
	st.cache = true;

	stage_entries(p, base, &lo, &hi);
	for (i = lo; i < hi; i++)
		if (!strcmp(cfg->entries[p->sidx[i]].key, "wdir"))
			wdir = &cfg->entries[p->sidx[i]];
	if (wdir && wdir->value) {
		expand(p, wdir->value, item, false, &st.params, wdir->line, &v);
		st.wdir = pipeline_norm_path(".", v.buf);
	} else {
		st.wdir = xstrdup(".");
	}

	for (i = lo; i < hi; i++) {
		const struct config_entry *e = &cfg->entries[p->sidx[i]];
		int k, line = e->line;
		const char *kn = e->key;
		size_t first;

		k = key_of(kn);
		if (k < 0) {
			stage_err(p, st.name, line, "unknown key '%s'", kn);
			err_hint("stage keys are cmd, deps, outs, params, "
				 "metrics, after, wdir, env, retries, "
				 "retry_delay, timeout, cpus, mem, gpus, "
				 "always, cache, foreach, executor, "
				 "slurm_partition, slurm_extra");
			goto out;
		}
		st.lines[k] = line;
		if (!e->value && k != PIPELINE_KEY_ALWAYS &&
		    k != PIPELINE_KEY_CACHE) {
			stage_err(p, st.name, line, "%s: no value", kn);
			goto out;
		}
		strbuf_reset(&v);
		if (e->value)
			expand(p, e->value, item, true, &st.params, line, &v);
		switch (k) {
		case PIPELINE_KEY_CMD:
			if (!v.len) {
				stage_err(p, st.name, line, "cmd is empty");
				goto out;
			}
			list_add(&st.cmds, v.buf, line);
			break;
		case PIPELINE_KEY_DEPS:
		case PIPELINE_KEY_OUTS:
		case PIPELINE_KEY_METRICS: {
			struct pipeline_list *l =
				k == PIPELINE_KEY_DEPS ? &st.deps
				: k == PIPELINE_KEY_OUTS ? &st.outs
							 : &st.metrics;

			first = l->nr;
			if (split_words(v.buf, l, line) < 0) {
				stage_err(p, st.name, line,
					  "%s: unclosed quote", kn);
				goto out;
			}
			for (j = first; j < l->nr; j++) {
				if (!*l->v[j].text) {
					stage_err(p, st.name, line,
						  "%s: an empty path", kn);
					goto out;
				}
				l->v[j].norm = pipeline_norm_path(st.wdir, l->v[j].text);
			}
			break;
		}
		case PIPELINE_KEY_PARAMS:
		case PIPELINE_KEY_AFTER:
		case PIPELINE_KEY_ENV:
		case PIPELINE_KEY_FOREACH: {
			struct pipeline_list words = { 0 };

			if (split_words(v.buf, &words, line) < 0) {
				stage_err(p, st.name, line,
					  "%s: unclosed quote", kn);
				list_release(&words);
				goto out;
			}
			for (j = 0; j < words.nr; j++) {
				const char *w = words.v[j].text;

				if (k == PIPELINE_KEY_PARAMS &&
				    !pipeline_param(p, w)) {
					stage_err(p, st.name, line,
						  "params: no param '%s' in "
						  "[params]", w);
					list_release(&words);
					goto out;
				}
				if (k == PIPELINE_KEY_ENV && !env_word_ok(w)) {
					stage_err(p, st.name, line,
						  "env: not KEY=VALUE: '%s'",
						  w);
					list_release(&words);
					goto out;
				}
				if (k == PIPELINE_KEY_PARAMS) {
					if (!list_has(&st.params, w))
						list_add(&st.params, w, line);
				} else if (k == PIPELINE_KEY_AFTER) {
					list_add(&st.after, w, line);
				} else if (k == PIPELINE_KEY_ENV) {
					list_add(&st.env, w, line);
				}
			}
			list_release(&words);
			break;
		}
		case PIPELINE_KEY_WDIR:
			break;
		case PIPELINE_KEY_EXECUTOR:
			if (strcmp(v.buf, "local") && strcmp(v.buf, "slurm")) {
				stage_err(p, st.name, line, "executor: not local "
					  "or slurm: '%s'", v.buf);
				goto out;
			}
			free(st.executor);
			st.executor = xstrdup(v.buf);
			break;
		case PIPELINE_KEY_SLURM_PARTITION:
			free(st.slurm_partition);
			st.slurm_partition = xstrdup(v.buf);
			break;
		case PIPELINE_KEY_SLURM_EXTRA:
			if (split_words(v.buf, &st.slurm_extra, line) < 0) {
				stage_err(p, st.name, line,
					  "%s: unclosed quote", kn);
				goto out;
			}
			break;
		case PIPELINE_KEY_RETRIES:
		case PIPELINE_KEY_CPUS:
		case PIPELINE_KEY_GPUS: {
			int *n = k == PIPELINE_KEY_RETRIES ? &st.retries
				 : k == PIPELINE_KEY_CPUS  ? &st.cpus
							   : &st.gpus;

			if (parse_count(v.buf, n) < 0) {
				stage_prefix(p, st.name, line, kn);
				goto out;
			}
			break;
		}
		case PIPELINE_KEY_RETRY_DELAY:
		case PIPELINE_KEY_TIMEOUT: {
			int64_t *d = k == PIPELINE_KEY_TIMEOUT
					     ? &st.timeout
					     : &st.retry_delay;

			if (mltime_parse_duration(v.buf, d) < 0) {
				stage_prefix(p, st.name, line, kn);
				goto out;
			}
			break;
		}
		case PIPELINE_KEY_MEM:
			if (pipeline_parse_size(v.buf, &st.mem) < 0) {
				stage_prefix(p, st.name, line, kn);
				goto out;
			}
			break;
		case PIPELINE_KEY_ALWAYS:
		case PIPELINE_KEY_CACHE: {
			int b;

			if (config_bool(e->value ? v.buf : NULL, &b) < 0) {
				stage_prefix(p, st.name, line, kn);
				goto out;
			}
			if (k == PIPELINE_KEY_ALWAYS)
				st.always = b;
			else
				st.cache = b;
			break;
		}
		}
	}
	if (!st.cmds.nr) {
		stage_err(p, st.name, header_line, "no cmd");
		err_hint("a stage runs at least one cmd = COMMAND");
		goto out;
	}
	st.index = p->nr_stages;
	ALLOC_GROW(p->stages, p->nr_stages + 1, p->alloc_stages);
	p->stages[p->nr_stages++] = st;
	memset(&st, 0, sizeof(st));
	rc = 0;
out:
	stage_release(&st);
	strbuf_release(&v);
	strbuf_release(&name);
	return rc;
}

/* Build the stages of one [stage "NAME"] section. */
static int build_section(struct pipeline *p, const char *base, int line)
{
	const struct config *cfg = &p->cfg;
	const struct config_entry *fe = NULL;
	struct pipeline_list items = { 0 };
	struct strbuf v = STRBUF_INIT;
	size_t i, j, lo, hi;
	int rc = -1;

	if (names_check("stage", base) < 0) {
		err_prefix("'%s' line %d: ", p->file, line);
		return -1;
	}
	stage_entries(p, base, &lo, &hi);
	for (i = lo; i < hi; i++)
		if (!strcmp(cfg->entries[p->sidx[i]].key, "foreach"))
			fe = &cfg->entries[p->sidx[i]];
	if (!fe)
		return build_stage(p, base, NULL, line);

	expand(p, fe->value ? fe->value : "", NULL, false, NULL, 0, &v);
	if (split_words(v.buf, &items, fe->line) < 0) {
		stage_err(p, base, fe->line, "foreach: unclosed quote");
		goto out;
	}
	if (!items.nr) {
		stage_err(p, base, fe->line, "foreach: no items");
		goto out;
	}
	for (i = 0; i < items.nr; i++) {
		const char *it = items.v[i].text, *q;

		for (q = it; *q && is_name_char((unsigned char)*q); q++)
			;
		if (!*it || *q) {
			stage_err(p, base, fe->line,
				  "foreach: bad item '%s': only letters, "
				  "digits, '_', '.' and '-' are allowed", it);
			goto out;
		}
		for (j = 0; j < i; j++)
			if (!strcmp(items.v[j].text, it)) {
				stage_err(p, base, fe->line,
					  "foreach: item '%s' is listed twice",
					  it);
				goto out;
			}
		if (strlen(base) + 1 + strlen(it) > NAMES_MAX) {
			stage_err(p, base, fe->line,
				  "foreach: the name '%s@%s' is longer than "
				  "%d bytes", base, it, NAMES_MAX);
			goto out;
		}
		if (build_stage(p, base, it, line) < 0)
			goto out;
	}
	rc = 0;
out:
	list_release(&items);
	strbuf_release(&v);
	return rc;
}

/* An out of some stage, for lookups by normalised path. */
struct out_ref {
	const char *norm;
	size_t stage, pos; /* which stage, which of its outs */
};

static int out_cmp(const void *a, const void *b)
{
	const struct out_ref *x = a, *y = b;
	int c = strcmp(x->norm, y->norm);

	if (c)
		return c;
	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first out whose path is >= `norm` (of `n` bytes, then NUL). */
static size_t out_lower(const struct out_ref *v, size_t nr, const char *norm,
			size_t n)
{
	size_t lo = 0, hi = nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(v[mid].norm, norm, n);

		if (c < 0 || (!c && strlen(v[mid].norm) < n))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static bool out_is(const struct out_ref *r, const char *norm, size_t n)
{
	return !strncmp(r->norm, norm, n) && !r->norm[n];
}

static void add_up(struct stage *st, size_t up)
{
	ALLOC_GROW(st->up, st->nr_up + 1, st->alloc_up);
	st->up[st->nr_up++] = up;
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The stages `name` stands for: itself, or the items of a foreach one. */
static size_t match_stages(const struct pipeline *p, const char *name,
			   void (*fn)(size_t i, void *data), void *data)
{
	size_t i, n = 0;

	for (i = 0; i < p->nr_stages; i++) {
		const struct stage *st = &p->stages[i];

		if (!strcmp(st->name, name) ||
		    (st->item && !strcmp(st->base, name))) {
			fn(i, data);
			n++;
		}
	}
	return n;
}

static void up_fn(size_t i, void *data)
{
	add_up(data, i);
}

/* Does `path` exist, relative to the pipeline file's directory? */
static bool path_exists(const struct pipeline *p, struct pipeline_item *d)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	if (d->norm[0] != '/' && strcmp(p->dir, "."))
		strbuf_addf(&sb, "%s/", p->dir);
	strbuf_addstr(&sb, d->norm);
	if (stat(sb.buf, &st) == 0) {
		d->have_st = true;
		d->st_size = st.st_size;
		d->st_mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
				 st.st_mtim.tv_nsec;
		d->st_ino = (int64_t)st.st_ino;
		d->st_mode = st.st_mode;
	}
	strbuf_release(&sb);
	return d->have_st;
}

/* Outs against outs, deps against outs and files, `after`: p->stages[].up */
static int link_stages(struct pipeline *p)
{
	struct out_ref *outs = NULL;
	size_t nr = 0, alloc = 0, i, j, k;
	int rc = -1;

	for (i = 0; i < p->nr_stages; i++)
		for (j = 0; j < p->stages[i].outs.nr; j++) {
			ALLOC_GROW(outs, nr + 1, alloc);
			outs[nr].norm = p->stages[i].outs.v[j].norm;
			outs[nr].stage = i;
			outs[nr].pos = j;
			nr++;
		}
	if (nr)
		qsort(outs, nr, sizeof(*outs), out_cmp);

	/* an out may be no other out, nor inside one */
	for (i = 0; i < p->nr_stages; i++) {
		struct stage *st = &p->stages[i];

		for (j = 0; j < st->outs.nr; j++) {
			const struct pipeline_item *o = &st->outs.v[j];
			const char *n = o->norm, *slash;
			size_t at = out_lower(outs, nr, n, strlen(n));

			if (at < nr && out_is(&outs[at], n, strlen(n)) &&
			    (outs[at].stage != i || outs[at].pos != j)) {
				const struct stage *other =
					&p->stages[outs[at].stage];

				if (outs[at].stage == i)
					stage_err(p, st->name, o->line,
						  "output '%s' is listed "
						  "twice", o->text);
				else
					stage_err(p, st->name, o->line,
						  "output '%s' is also an "
						  "output of stage '%s' "
						  "(line %d)", o->text,
						  other->name,
						  other->outs.v[outs[at].pos]
							  .line);
				goto out;
			}
			for (slash = strchr(n + 1, '/'); slash;
			     slash = strchr(slash + 1, '/')) {
				size_t len = slash - n;

				at = out_lower(outs, nr, n, len);
				if (at < nr && out_is(&outs[at], n, len)) {
					stage_err(p, st->name, o->line,
						  "output '%s' is inside "
						  "output '%s' of stage '%s'",
						  o->text, outs[at].norm,
						  p->stages[outs[at].stage]
							  .name);
					goto out;
				}
			}
		}
	}

	for (i = 0; i < p->nr_stages; i++) {
		struct stage *st = &p->stages[i];

		for (j = 0; j < st->deps.nr; j++) {
			struct pipeline_item *d = &st->deps.v[j];
			const char *n = d->norm, *slash;
			size_t len = strlen(n), at;
			bool found = false;

			/* the out itself */
			for (at = out_lower(outs, nr, n, len);
			     at < nr && out_is(&outs[at], n, len); at++) {
				add_up(st, outs[at].stage);
				found = true;
			}
			/* a directory out holding it */
			for (slash = strchr(n + 1, '/'); slash;
			     slash = strchr(slash + 1, '/')) {
				size_t l = slash - n;

				for (at = out_lower(outs, nr, n, l);
				     at < nr && out_is(&outs[at], n, l); at++) {
					add_up(st, outs[at].stage);
					found = true;
				}
			}
			/* outs inside it, a directory */
			{
				struct strbuf pre = STRBUF_INIT;

				strbuf_addf(&pre, "%s/",
					    strcmp(n, "/") ? n : "");
				for (at = out_lower(outs, nr, pre.buf, pre.len);
				     at < nr && !strncmp(outs[at].norm, pre.buf,
							 pre.len);
				     at++) {
					add_up(st, outs[at].stage);
					found = true;
				}
				strbuf_release(&pre);
			}
			if (!found && !path_exists(p, d)) {
				stage_err(p, st->name, d->line,
					  "dep '%s' is neither a file nor an "
					  "output of a stage", d->text);
				if (strcmp(st->wdir, "."))
					err_hint("deps are relative to the "
						 "stage's wdir, '%s'",
						 st->wdir);
				goto out;
			}
		}
		for (j = 0; j < st->after.nr; j++) {
			const struct pipeline_item *a = &st->after.v[j];

			if (!match_stages(p, a->text, up_fn, st)) {
				stage_err(p, st->name, a->line,
					  "after: no stage '%s'", a->text);
				goto out;
			}
		}
		if (st->nr_up) {
			qsort(st->up, st->nr_up, sizeof(*st->up), size_cmp);
			for (j = k = 1; j < st->nr_up; j++)
				if (st->up[j] != st->up[k - 1])
					st->up[k++] = st->up[j];
			st->nr_up = k;
		}
	}
	rc = 0;
out:
	free(outs);
	return rc;
}

/* Depth-first search for a cycle through `up` edges. */
struct dfs {
	struct pipeline *p;
	char *color; /* 0 new, 1 on the stack, 2 done */
	size_t *stack, depth;
};

static int report_cycle(struct dfs *d, size_t to)
{
	struct pipeline *p = d->p;
	struct strbuf sb = STRBUF_INIT;
	size_t m, k, n, start, min;

	/* the stack from `to` to `from`, each next one upstream: reverse it */
	for (m = 0; d->stack[m] != to; m++)
		;
	n = d->depth - m; /* stages in the cycle */
	min = 0;
	for (k = 0; k < n; k++)
		if (d->stack[d->depth - 1 - k] < d->stack[d->depth - 1 - min])
			min = k;
	start = min;
	for (k = 0; k <= n; k++) {
		size_t s = d->stack[d->depth - 1 - (start + k) % n];

		strbuf_addf(&sb, "%s%s", k ? " -> " : "", p->stages[s].name);
	}
	stage_err(p, p->stages[d->stack[d->depth - 1 - start]].name,
		  p->stages[d->stack[d->depth - 1 - start]].line, "cycle: %s",
		  sb.buf);
	strbuf_release(&sb);
	return -1;
}

static int dfs_visit(struct dfs *d, size_t i)
{
	const struct stage *st = &d->p->stages[i];
	size_t j;

	d->color[i] = 1;
	d->stack[d->depth++] = i;
	for (j = 0; j < st->nr_up; j++) {
		size_t u = st->up[j];

		if (d->color[u] == 1)
			return report_cycle(d, u);
		if (!d->color[u] && dfs_visit(d, u) < 0)
			return -1;
	}
	d->depth--;
	d->color[i] = 2;
	return 0;
}

static int find_cycles(struct pipeline *p)
{
	struct dfs d = { p, NULL, NULL, 0 };
	size_t i;
	int rc = 0;

	d.color = xcalloc(p->nr_stages + 1, 1);
	d.stack = xcalloc(p->nr_stages + 1, sizeof(size_t));
	for (i = 0; i < p->nr_stages && !rc; i++)
		if (!d.color[i])
			rc = dfs_visit(&d, i);
	free(d.color);
	free(d.stack);
	return rc;
}

/* A binary min-heap of stage indices: the ready stage first in the file. */
static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;

	while (i && h[(i - 1) / 2] > v) {
		h[i] = h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	h[i] = v;
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0], v = h[--*n], i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= *n)
			break;
		if (c + 1 < *n && h[c + 1] < h[c])
			c++;
		if (h[c] >= v)
			break;
		h[i] = h[c];
		i = c;
	}
	if (*n)
		h[i] = v;
	return top;
}

/* Kahn's algorithm; the graph has no cycle. */
static void topo_order(struct pipeline *p)
{
	size_t n = p->nr_stages, i, j, nh = 0, no = 0;
	size_t *pending = xcalloc(n + 1, sizeof(size_t));
	size_t *first = xcalloc(n + 2, sizeof(size_t));
	size_t *down, *heap = xcalloc(n + 1, sizeof(size_t));

	/* the stages each one feeds, as one array sliced by `first` */
	for (i = 0; i < n; i++)
		for (j = 0; j < p->stages[i].nr_up; j++)
			first[p->stages[i].up[j] + 2]++;
	for (i = 0; i < n; i++)
		first[i + 2] += first[i + 1];
	down = xcalloc(first[n + 1] + 1, sizeof(size_t));
	for (i = 0; i < n; i++)
		for (j = 0; j < p->stages[i].nr_up; j++)
			down[first[p->stages[i].up[j] + 1]++] = i;

	p->order = xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n; i++) {
		pending[i] = p->stages[i].nr_up;
		if (!pending[i])
			heap_push(heap, &nh, i);
	}
	while (nh) {
		size_t s = heap_pop(heap, &nh);

		p->order[no++] = s;
		for (j = first[s]; j < first[s + 1]; j++)
			if (!--pending[down[j]])
				heap_push(heap, &nh, down[j]);
	}
	free(pending);
	free(first);
	free(down);
	free(heap);
}

static const struct pipeline *sort_stages;

static int by_name_cmp(const void *a, const void *b)
{
	return strcmp(sort_stages->stages[*(const size_t *)a].name,
		      sort_stages->stages[*(const size_t *)b].name);
}

int pipeline_build(struct pipeline *p)
{
	const struct config *cfg = &p->cfg;
	size_t i;

	if (p->built)
		return error("pipeline '%s' is built already", p->file);
	p->built = true;
	index_entries(p);
	for (i = 0; i < cfg->nr_sections; i++)
		if (!strcmp(cfg->sections[i].section, "stage") &&
		    build_section(p, cfg->sections[i].subsection,
				  p->section_lines[i]) < 0)
			return -1;
	if (link_stages(p) < 0 || find_cycles(p) < 0)
		return -1;
	topo_order(p);
	p->by_name = xcalloc(p->nr_stages + 1, sizeof(*p->by_name));
	for (i = 0; i < p->nr_stages; i++)
		p->by_name[i] = i;
	sort_stages = p;
	if (p->nr_stages)
		qsort(p->by_name, p->nr_stages, sizeof(*p->by_name),
		      by_name_cmp);
	sort_stages = NULL;
	return 0;
}

struct stage *pipeline_stage(const struct pipeline *p, const char *name)
{
	size_t a = 0, b = p->nr_stages, i;

	if (!p->by_name) { /* not built yet */
		for (i = 0; i < p->nr_stages; i++)
			if (!strcmp(p->stages[i].name, name))
				return &p->stages[i];
		return NULL;
	}
	while (a < b) {
		size_t m = a + (b - a) / 2;
		int c = strcmp(p->stages[p->by_name[m]].name, name);

		if (!c)
			return &p->stages[p->by_name[m]];
		if (c < 0)
			a = m + 1;
		else
			b = m;
	}
	return NULL;
}

static void mark_fn(size_t i, void *data)
{
	((char *)data)[i] = 1;
}

int pipeline_select(const struct pipeline *p, const char *const *targets,
		    size_t nr_targets, size_t **out, size_t *nr)
{
	size_t n = p->nr_stages, i, j;
	char *want = xcalloc(n + 1, 1);

	*out = NULL;
	*nr = 0;
	for (i = 0; i < nr_targets; i++)
		if (!match_stages(p, targets[i], mark_fn, want)) {
			free(want);
			return error_input("no stage '%s' in '%s'", targets[i],
					   p->file);
		}
	if (!nr_targets)
		memset(want, 1, n);
	/* downstream stages come later in p->order: walk it backwards */
	for (i = n; i-- > 0;) {
		const struct stage *st = &p->stages[p->order[i]];

		if (want[p->order[i]])
			for (j = 0; j < st->nr_up; j++)
				want[st->up[j]] = 1;
	}
	*out = xcalloc(n + 1, sizeof(size_t));
	for (i = 0; i < n; i++)
		if (want[p->order[i]])
			(*out)[(*nr)++] = p->order[i];
	free(want);
	return 0;
}

void pipeline_dot(const struct pipeline *p, struct strbuf *out)
{
	size_t i, j;

	strbuf_addstr(out, "digraph pipeline {\n");
	for (i = 0; i < p->nr_stages; i++)
		strbuf_addf(out, "\t\"%s\";\n", p->stages[p->order[i]].name);
	for (i = 0; i < p->nr_stages; i++) {
		const struct stage *st = &p->stages[p->order[i]];

		for (j = 0; j < st->nr_up; j++)
			strbuf_addf(out, "\t\"%s\" -> \"%s\";\n",
				    p->stages[st->up[j]].name, st->name);
	}
	strbuf_addstr(out, "}\n");
}

void pipeline_mermaid(const struct pipeline *p, struct strbuf *out)
{
	size_t i, j;

	strbuf_addstr(out, "flowchart TD\n");
	for (i = 0; i < p->nr_stages; i++)
		strbuf_addf(out, "\ts%zu[\"%s\"]\n", p->order[i],
			    p->stages[p->order[i]].name);
	for (i = 0; i < p->nr_stages; i++) {
		const struct stage *st = &p->stages[p->order[i]];

		for (j = 0; j < st->nr_up; j++)
			strbuf_addf(out, "\ts%zu --> s%zu\n", st->up[j],
				    p->order[i]);
	}
}

void pipeline_release(struct pipeline *p)
{
	size_t i;

	for (i = 0; i < p->nr_params; i++) {
		free(p->params[i].name);
		free(p->params[i].value);
	}
	for (i = 0; i < p->nr_stages; i++)
		stage_release(&p->stages[i]);
	free(p->params);
	free(p->stages);
	free(p->order);
	free(p->sidx);
	free(p->by_name);
	free(p->file);
	free(p->dir);
	free(p->section_lines);
	config_release(&p->cfg);
	memset(p, 0, sizeof(*p));
}
