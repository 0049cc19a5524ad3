/*
 * strbuf.h - a growable, always NUL-terminated byte buffer.
 *
 *	struct strbuf sb = STRBUF_INIT;
 *	strbuf_addf(&sb, "%s/%s", dir, name);
 *	use(sb.buf);
 *	strbuf_release(&sb);
 *
 * `buf` is never NULL (it points at a static "" until the first append), so
 * it can be printed at once.  The buffer owns its memory: strbuf_release()
 * frees it, strbuf_detach() hands it to the caller (free(3) it).  Growth
 * that cannot be satisfied dies (out of memory, exit 3).
 */
#ifndef MLREPO_STRBUF_H
#define MLREPO_STRBUF_H

#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_empty[];
#define STRBUF_INIT { 0, 0, strbuf_empty }

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Return the buffer (caller frees) and reset `sb` to empty. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* A new string formatted as printf(3) does (caller frees), as git's. */
char *xstrfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Make room for `extra` more bytes (plus the NUL). */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen(sb, 0)

void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Remove trailing white space. */
void strbuf_rtrim(struct strbuf *sb);
/* Append `s` as a JSON string literal, quotes included. */
void strbuf_add_json_str(struct strbuf *sb, const char *s);

/*
 * Read one line from `fp` into `sb` (without the newline).  Returns 0, or
 * EOF at end of file with nothing read.
 */
int strbuf_getline(struct strbuf *sb, FILE *fp);
/* Append the whole of `fd` (to EOF).  Returns bytes read or -1 (errno set). */
long strbuf_read_fd(struct strbuf *sb, int fd);
/* Append the whole of the file at `path`.  Returns 0, or -1 via error(). */
int strbuf_read_file(struct strbuf *sb, const char *path);

/*
 * The length of the valid UTF-8 sequence at `p` (ending before `e`, or at
 * a NUL when `e` is NULL), or 0 if it is not one: overlong forms,
 * surrogates and code points past U+10FFFF are not valid (RFC 3629).
 */
size_t strbuf_utf8_len(const unsigned char *p, const unsigned char *e);

/*
 * A growable list of strings the list owns (git's string_list, in small):
 *
 *	struct strlist keys = STRLIST_INIT;
 *	strlist_add(&keys, "lr");
 *	strlist_sort_uniq(&keys);	// byte order, repeats dropped
 *	for (i = 0; i < keys.n; i++) use(keys.v[i]);
 *	strlist_release(&keys);
 */
struct strlist {
	char **v;
	size_t n, alloc;
};
#define STRLIST_INIT { NULL, 0, 0 }

/* Append a copy of `s`. */
void strlist_add(struct strlist *l, const char *s);
/* Is `s` in the list?  (A linear search: for short lists.) */
int strlist_has(const struct strlist *l, const char *s);
/* Sort by strcmp() and drop repeats (freeing them). */
void strlist_sort_uniq(struct strlist *l);
/* Free every string and the array; the list is empty and reusable. */
void strlist_release(struct strlist *l);

#endif
