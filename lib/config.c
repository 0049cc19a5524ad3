/* config.c - see config.h */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "fsutil.h"
#include "strbuf.h"

struct parser {
	const char *name, *buf;
	size_t len, pos;
	int line;
	int start_line; /* where the construct being parsed began */
	struct config *cfg;
	int cur_section; /* index into cfg->sections, -1 before any */
	const struct config_opts *opts;
};

static int peek(struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->buf[p->pos] : EOF;
}

static int next(struct parser *p)
{
	int c = peek(p);

	if (c == EOF)
		return EOF;
	p->pos++;
	if (c == '\n')
		p->line++;
	return c;
}

static int perr(struct parser *p, const char *what)
{
	return error_input("'%s' line %d: %s", p->name, p->start_line, what);
}

static void skip_blank(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t' || peek(p) == '\r')
		p->pos++;
}

static void skip_to_eol(struct parser *p)
{
	int c;

	while ((c = next(p)) != EOF && c != '\n')
		;
}

static char *lower_dup(const char *s, size_t n)
{
	char *r = xstrndup(s, n);
	char *q;

	for (q = r; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return r;
}

static int is_section_char(int c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_';
}

static int is_key_char(int c)
{
	return isalnum(c) || c == '-' || c == '_';
}

static int parse_section(struct parser *p)
{
	struct config *cfg = p->cfg;
	struct config_section *s;
	size_t start = p->pos;
	char *section, *sub = NULL;
	struct strbuf sb = STRBUF_INIT;

	while (peek(p) != EOF && is_section_char(peek(p)))
		p->pos++;
	if (p->pos == start)
		return perr(p, "bad section header");
	section = lower_dup(p->buf + start, p->pos - start);
	if (peek(p) == ' ' || peek(p) == '\t') {
		skip_blank(p);
		if (next(p) != '"') {
			free(section);
			return perr(p, "bad section header: expected '\"'");
		}
		for (;;) {
			int c = next(p);

			if (c == EOF || c == '\n') {
				free(section);
				strbuf_release(&sb);
				return perr(p, "bad section header: unclosed "
					       "quote");
			}
			if (c == '"')
				break;
			if (c == '\\') {
				c = next(p);
				if (c == EOF || c == '\n') {
					free(section);
					strbuf_release(&sb);
					return perr(p, "bad section header");
				}
			}
			strbuf_addch(&sb, c);
		}
		sub = strbuf_detach(&sb, NULL);
	} else {
		/* the legacy form [section.sub] */
		char *dot = strchr(section, '.');

		if (dot) {
			sub = xstrdup(dot + 1);
			*dot = '\0';
		}
	}
	if (next(p) != ']') {
		free(section);
		free(sub);
		return perr(p, "bad section header: expected ']'");
	}
	if (!*section) {
		free(section);
		free(sub);
		return perr(p, "bad section header: empty name");
	}
	ALLOC_GROW(cfg->sections, cfg->nr_sections + 1, cfg->alloc_sections);
	s = &cfg->sections[cfg->nr_sections];
	s->section = section;
	s->subsection = sub;
	s->end = p->pos;
	p->cur_section = (int)cfg->nr_sections++;
	return 0;
}

static int parse_value(struct parser *p, struct strbuf *v)
{
	int quoted = 0;
	size_t keep = 0; /* length up to the last significant byte */

	skip_blank(p);
	for (;;) {
		int c = next(p);

		if (c == EOF || c == '\n') {
			if (quoted)
				return perr(p, "unclosed quote in value");
			break;
		}
		if (c == '\r' && (peek(p) == '\n' || peek(p) == EOF))
			continue;
		if (!quoted && (c == '#' || c == ';')) {
			skip_to_eol(p);
			break;
		}
		if (c == '"') {
			quoted = !quoted;
			keep = v->len;
			continue;
		}
		if (c == '\\') {
			c = next(p);
			switch (c) {
			case '\n':
				continue;
			case '\r':
				if (peek(p) == '\n') {
					next(p);
					continue;
				}
				return perr(p, "bad escape in value");
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case '"': case '\\': break;
			default:
				return perr(p, "bad escape in value");
			}
			strbuf_addch(v, c);
			keep = v->len;
			continue;
		}
		strbuf_addch(v, c);
		if (quoted || (c != ' ' && c != '\t'))
			keep = v->len;
	}
	strbuf_setlen(v, keep);
	return 0;
}

/* A raw value (config.h): to the end of the line, `\` continues it. */
static void parse_raw_value(struct parser *p, struct strbuf *v)
{
	skip_blank(p);
	for (;;) {
		int c = next(p);

		if (c == EOF || c == '\n')
			break;
		if (c == '\\' && (peek(p) == '\n' || peek(p) == EOF)) {
			next(p);
			continue;
		}
		if (c == '\\' && peek(p) == '\r' && p->pos + 1 < p->len &&
		    p->buf[p->pos + 1] == '\n') {
			next(p);
			next(p);
			continue;
		}
		if (c == '\r' && (peek(p) == '\n' || peek(p) == EOF))
			continue;
		strbuf_addch(v, c);
	}
	strbuf_rtrim(v);
}

static int is_raw(struct parser *p, const char *key, size_t len)
{
	const struct config_section *s = &p->cfg->sections[p->cur_section];
	char *k;
	int rc;

	if (!p->opts || !p->opts->raw)
		return 0;
	k = lower_dup(key, len);
	rc = p->opts->raw(s->section, s->subsection, k, p->opts->data);
	free(k);
	return rc;
}

static int parse_entry(struct parser *p, size_t line_start)
{
	struct config *cfg = p->cfg;
	struct config_entry *e;
	size_t start = p->pos;
	int line = p->line;
	struct strbuf v = STRBUF_INIT;
	int has_value = 0;

	if (!isalpha(peek(p)))
		return perr(p, "bad key: expected a name");
	while (peek(p) != EOF && is_key_char(peek(p)))
		p->pos++;
	if (p->cur_section < 0)
		return perr(p, "key outside a section");
	{
		size_t kend = p->pos;

		skip_blank(p);
		if (peek(p) == '=') {
			p->pos++;
			has_value = 1;
			if (is_raw(p, p->buf + start, kend - start))
				parse_raw_value(p, &v);
			else if (parse_value(p, &v) < 0) {
				strbuf_release(&v);
				return -1;
			}
		} else if (peek(p) == '#' || peek(p) == ';') {
			skip_to_eol(p);
		} else if (peek(p) == '\n' || peek(p) == EOF) {
			next(p);
		} else {
			return perr(p, "bad key: expected '='");
		}
		ALLOC_GROW(cfg->entries, cfg->nr + 1, cfg->alloc);
		e = &cfg->entries[cfg->nr++];
		e->section = xstrdup(cfg->sections[p->cur_section].section);
		e->subsection = cfg->sections[p->cur_section].subsection
			? xstrdup(cfg->sections[p->cur_section].subsection)
			: NULL;
		e->key = lower_dup(p->buf + start, kend - start);
		e->value = has_value ? strbuf_detach(&v, NULL) : NULL;
		e->line = line;
		e->start = line_start;
		e->end = p->pos;
	}
	strbuf_release(&v);
	return 0;
}

int config_parse_buf(struct config *cfg, const char *name, const char *buf,
		     size_t len)
{
	return config_parse_buf_opts(cfg, name, buf, len, NULL);
}

int config_parse_buf_opts(struct config *cfg, const char *name,
			  const char *buf, size_t len,
			  const struct config_opts *opts)
{
	struct parser p = { name, buf, len, 0, 1, 1, cfg, -1, opts };

	if (!cfg->name)
		cfg->name = xstrdup(name);
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3))
		p.pos = 3;
	while (peek(&p) != EOF) {
		size_t line_start = p.pos;
		int c;

		skip_blank(&p);
		p.start_line = p.line;
		c = peek(&p);
		if (c == EOF)
			break;
		if (c == '\n') {
			next(&p);
		} else if (c == '#' || c == ';') {
			skip_to_eol(&p);
		} else if (c == '[') {
			p.pos++;
			if (parse_section(&p) < 0)
				return -1;
			skip_blank(&p);
			c = peek(&p);
			if (c == '#' || c == ';')
				skip_to_eol(&p);
			else if (c == '\n')
				next(&p);
			else if (c != EOF && !isalpha(c))
				return perr(&p, "junk after section header");
		} else if (c == 0) {
			return perr(&p, "NUL byte in file");
		} else {
			/* a key on the header's line starts at the key */
			if (line_start > 0 && buf[line_start - 1] != '\n')
				line_start = p.pos;
			if (parse_entry(&p, line_start) < 0)
				return -1;
		}
	}
	return 0;
}

int config_parse_file(struct config *cfg, const char *path)
{
	return config_parse_file_opts(cfg, path, NULL);
}

int config_parse_file_opts(struct config *cfg, const char *path,
			   const struct config_opts *opts)
{
	struct strbuf sb = STRBUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		if (errno == ENOENT) {
			if (!cfg->name)
				cfg->name = xstrdup(path);
			return 0;
		}
		return error("cannot open '%s': %s", path, strerror(errno));
	}
	if (strbuf_read_fd(&sb, fd) < 0) {
		int e = errno;

		close(fd);
		strbuf_release(&sb);
		return error("cannot read '%s': %s", path, strerror(e));
	}
	close(fd);
	rc = config_parse_buf_opts(cfg, path, sb.buf, sb.len, opts);
	strbuf_release(&sb);
	return rc;
}

void config_release(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nr; i++) {
		free(cfg->entries[i].section);
		free(cfg->entries[i].subsection);
		free(cfg->entries[i].key);
		free(cfg->entries[i].value);
	}
	for (i = 0; i < cfg->nr_sections; i++) {
		free(cfg->sections[i].section);
		free(cfg->sections[i].subsection);
	}
	free(cfg->entries);
	free(cfg->sections);
	free(cfg->name);
	memset(cfg, 0, sizeof(*cfg));
}

int config_split_key(const char *key, char **section, char **sub,
		     char **name)
{
	const char *first = strchr(key, '.'), *last = strrchr(key, '.');
	const char *q;

	*section = *sub = *name = NULL;
	if (!first || first == key || !last[1])
		return error_input("bad config key '%s': expected "
				   "section.key or section.sub.key", key);
	for (q = key; q < first; q++)
		if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_')
			return error_input("bad config key '%s': bad section "
					   "name", key);
	if (!isalpha((unsigned char)last[1]))
		return error_input("bad config key '%s': a key starts with a "
				   "letter", key);
	for (q = last + 1; *q; q++)
		if (!is_key_char((unsigned char)*q))
			return error_input("bad config key '%s': bad key name",
					   key);
	for (q = first + 1; q < last; q++)
		if (*q == '\n' || *q == '\0')
			return error_input("bad config key '%s'", key);
	*section = lower_dup(key, first - key);
	if (first != last)
		*sub = xstrndup(first + 1, last - first - 1);
	*name = lower_dup(last + 1, strlen(last + 1));
	return 0;
}

static int streq_opt(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

int config_entry_is(const struct config_entry *e, const char *section,
		    const char *sub, const char *key)
{
	return !strcmp(e->section, section) && streq_opt(e->subsection, sub) &&
	       !strcmp(e->key, key);
}

char *config_entry_fullkey(const struct config_entry *e)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, e->section);
	if (e->subsection)
		strbuf_addf(&sb, ".%s", e->subsection);
	strbuf_addf(&sb, ".%s", e->key);
	return strbuf_detach(&sb, NULL);
}

int config_get_all(const struct config *cfg, const char *key,
		   int (*fn)(const char *value, void *data), void *data)
{
	char *section, *sub, *name;
	size_t i;
	int rc = 0;

	if (config_split_key(key, &section, &sub, &name) < 0)
		return -1;
	for (i = 0; i < cfg->nr && !rc; i++)
		if (config_entry_is(&cfg->entries[i], section, sub, name))
			rc = fn(cfg->entries[i].value ? cfg->entries[i].value
						      : "true",
				data);
	free(section);
	free(sub);
	free(name);
	return rc;
}

const char *config_get(const struct config *cfg, const char *key)
{
	char *section, *sub, *name;
	const char *v = NULL;
	size_t i;

	if (config_split_key(key, &section, &sub, &name) < 0) {
		err_clear();
		return NULL;
	}
	for (i = cfg->nr; i-- > 0;)
		if (config_entry_is(&cfg->entries[i], section, sub, name)) {
			v = cfg->entries[i].value ? cfg->entries[i].value
						  : "true";
			break;
		}
	free(section);
	free(sub);
	free(name);
	return v;
}

int config_bool(const char *v, int *out)
{
	if (!v || !strcasecmp(v, "true") || !strcasecmp(v, "yes") ||
	    !strcasecmp(v, "on") || !strcmp(v, "1"))
		*out = 1;
	else if (!*v || !strcasecmp(v, "false") || !strcasecmp(v, "no") ||
		 !strcasecmp(v, "off") || !strcmp(v, "0"))
		*out = 0;
	else
		return error_input("not a boolean: '%s'", v);
	return 0;
}

static void add_value(struct strbuf *sb, const char *v)
{
	size_t n = strlen(v);
	int quote = !n || v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' ||
		    v[n - 1] == '\t' || strpbrk(v, "#;") != NULL;
	const char *q;

	if (quote)
		strbuf_addch(sb, '"');
	for (q = v; *q; q++) {
		switch (*q) {
		case '"': strbuf_addstr(sb, "\\\""); break;
		case '\\': strbuf_addstr(sb, "\\\\"); break;
		case '\n': strbuf_addstr(sb, "\\n"); break;
		case '\t': strbuf_addstr(sb, "\\t"); break;
		case '\b': strbuf_addstr(sb, "\\b"); break;
		default: strbuf_addch(sb, *q);
		}
	}
	if (quote)
		strbuf_addch(sb, '"');
}

/* Rewrite `path` (under its lock) with the edit that `edit` makes. */
static int rewrite(const char *path, const char *key, const char *value,
		   int unset)
{
	struct strbuf old = STRBUF_INIT, out = STRBUF_INIT;
	struct config cfg = CONFIG_INIT;
	struct fs_atomic lock = FS_ATOMIC_INIT;
	char *section = NULL, *sub = NULL, *name = NULL;
	int rc = -1, removed = 0;
	size_t i;

	if (strchr(key, '\n'))
		return error_input("bad config key: contains a newline");
	if (config_split_key(key, &section, &sub, &name) < 0)
		return -1;
	/* under the lock from reading the old file to renaming the new one */
	if (fs_atomic_begin(&lock, path, 0644, FS_ATOMIC_LOCK) < 0)
		goto out;
	{
		int rfd = open(path, O_RDONLY | O_CLOEXEC);

		if (rfd >= 0) {
			if (strbuf_read_fd(&old, rfd) < 0) {
				error("cannot read '%s': %s", path,
				      strerror(errno));
				close(rfd);
				goto out_unlock;
			}
			close(rfd);
		} else if (errno != ENOENT) {
			error("cannot open '%s': %s", path, strerror(errno));
			goto out_unlock;
		}
	}
	if (config_parse_buf(&cfg, path, old.buf, old.len) < 0)
		goto out_unlock;

	if (unset) {
		size_t pos = 0;

		for (i = 0; i < cfg.nr; i++) {
			struct config_entry *e = &cfg.entries[i];

			if (!config_entry_is(e, section, sub, name))
				continue;
			strbuf_add(&out, old.buf + pos, e->start - pos);
			/* keep a header that shares the key's line */
			if (e->start > 0 && old.buf[e->start - 1] != '\n')
				strbuf_addch(&out, '\n');
			pos = e->end;
			removed++;
		}
		strbuf_add(&out, old.buf + pos, old.len - pos);
	} else {
		struct strbuf line = STRBUF_INIT;
		struct config_entry *last = NULL;
		size_t at = (size_t)-1;

		strbuf_addf(&line, "\t%s = ", name);
		add_value(&line, value);
		strbuf_addch(&line, '\n');
		for (i = 0; i < cfg.nr; i++)
			if (config_entry_is(&cfg.entries[i], section, sub, name))
				last = &cfg.entries[i];
		if (last) {
			/* every earlier value goes; the last one is replaced */
			size_t pos = 0;

			for (i = 0; i < cfg.nr; i++) {
				struct config_entry *e = &cfg.entries[i];

				if (!config_entry_is(e, section, sub, name))
					continue;
				strbuf_add(&out, old.buf + pos, e->start - pos);
				if (e->start > 0 && old.buf[e->start - 1] != '\n')
					strbuf_addch(&out, '\n');
				if (e == last)
					strbuf_add(&out, line.buf, line.len);
				pos = e->end;
			}
			strbuf_add(&out, old.buf + pos, old.len - pos);
		} else {
			/* after the last entry of the last such section */
			for (i = 0; i < cfg.nr_sections; i++)
				if (!strcmp(cfg.sections[i].section, section) &&
				    streq_opt(cfg.sections[i].subsection, sub))
					at = cfg.sections[i].end;
			if (at != (size_t)-1) {
				for (i = 0; i < cfg.nr; i++)
					if (!strcmp(cfg.entries[i].section,
						    section) &&
					    streq_opt(cfg.entries[i].subsection,
						      sub) &&
					    cfg.entries[i].end > at)
						at = cfg.entries[i].end;
				/* finish the header's line first */
				while (at < old.len && old.buf[at - 1] != '\n' &&
				       old.buf[at] != '\n')
					at++;
				if (at < old.len && old.buf[at] == '\n')
					at++;
				strbuf_add(&out, old.buf, at);
				if (at && out.buf[out.len - 1] != '\n')
					strbuf_addch(&out, '\n');
				strbuf_add(&out, line.buf, line.len);
				strbuf_add(&out, old.buf + at, old.len - at);
			} else {
				strbuf_add(&out, old.buf, old.len);
				if (out.len && out.buf[out.len - 1] != '\n')
					strbuf_addch(&out, '\n');
				strbuf_addf(&out, "[%s", section);
				if (sub) {
					const char *q;

					strbuf_addstr(&out, " \"");
					for (q = sub; *q; q++) {
						if (*q == '"' || *q == '\\')
							strbuf_addch(&out, '\\');
						strbuf_addch(&out, *q);
					}
					strbuf_addch(&out, '"');
				}
				strbuf_addstr(&out, "]\n");
				strbuf_add(&out, line.buf, line.len);
			}
		}
		strbuf_release(&line);
	}
	if (unset && !removed) {
		rc = 0;
		goto out_unlock;
	}
	if (fs_atomic_write(&lock, out.buf, out.len) < 0 ||
	    fs_atomic_commit(&lock) < 0)
		goto out_unlock;
	rc = unset ? removed : 0;
	goto out;
out_unlock:
	fs_atomic_abort(&lock);
out:
	config_release(&cfg);
	strbuf_release(&old);
	strbuf_release(&out);
	free(section);
	free(sub);
	free(name);
	return rc;
}

int config_set(const char *path, const char *key, const char *value)
{
	return rewrite(path, key, value, 0);
}

int config_unset(const char *path, const char *key)
{
	return rewrite(path, key, NULL, 1);
}
