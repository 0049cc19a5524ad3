/*
 * config.h - files in git-config syntax: the repository's config, and
 * the pipeline file (with raw values, below).
 *
 *	# comment            ; comment too
 *	[core]
 *		lockTimeout = 60s
 *	[remote "origin"]    (a subsection: case-sensitive, quoted)
 *		url = "  spaces kept  "   # inline comment
 *		flag                  (no value: boolean true)
 *		path = a\
 *		       b              (a backslash continues the line)
 *
 * Section and key names are case-insensitive (kept lower-case), a
 * subsection is case-sensitive.  Keys may repeat; config_get() returns the
 * last value, config_get_all() every one.  Values are trimmed; double
 * quotes keep white space and may hold \" \\ \n \t \b escapes.  A full key
 * is written "section.key" or "section.subsection.key".
 *
 * Raw values.  A file that holds shell commands (the pipeline file) needs
 * some values kept as written: config_parse_file_opts() takes a callback
 * that names the raw keys.  A raw value is everything after '=' to the
 * end of the line, trimmed of blanks at both ends, with no comment, quote
 * or escape processing; only a backslash at the very end of a line is
 * special: it and the newline are dropped and the value goes on with the
 * next line as it is, leading blanks included:
 *
 *	cmd = echo "a#b"; sed 's/\./,/' \
 *	      | sort           (the value: echo "a#b"; sed 's/\./,/'       | sort)
 *
 * config_set() and config_unset() do not know raw keys: they are for the
 * repository's config, not for files that have them.
 *
 * Usage: config_parse_file() into a struct config (owned by the caller,
 * freed with config_release()), then config_get().  config_set() and
 * config_unset() rewrite a file in place, atomically (a lock file,
 * fsync'd, renamed), keeping every other line, comment and blank as it was.
 *
 * Errors: -1 with error_input() naming file and line for a syntax error
 * ("'.mlrepo/config' line 3: bad section header"), error() for I/O.
 */
#ifndef MLREPO_CONFIG_H
#define MLREPO_CONFIG_H

#include <stddef.h>

struct config_entry {
	char *section;	  /* lower-case */
	char *subsection; /* NULL when none */
	char *key;	  /* lower-case */
	char *value;	  /* NULL for a bare key (boolean true) */
	int line;	  /* where the key starts */
	size_t start, end; /* the bytes of its line(s), for rewriting */
};

struct config {
	char *name; /* the file, for messages */
	struct config_entry *entries;
	size_t nr, alloc;
	/* the section headers, for rewriting: where each one ends */
	struct config_section {
		char *section, *subsection;
		size_t end;
	} *sections;
	size_t nr_sections, alloc_sections;
};

#define CONFIG_INIT { 0 }

/* Parse `path`; a missing file is an empty config.  0 or -1. */
int config_parse_file(struct config *cfg, const char *path);
/* Parse `len` bytes of `buf`; `name` is used in messages.  0 or -1. */
int config_parse_buf(struct config *cfg, const char *name, const char *buf,
		     size_t len);

/* Options for the *_opts parsers; a zeroed struct means none. */
struct config_opts {
	/*
	 * Is the value of `key` in this section raw (see above)?  Called for
	 * every key with a value, with the section and key in lower case and
	 * the subsection (NULL when none) as written.  NULL: no value is raw.
	 */
	int (*raw)(const char *section, const char *subsection,
		   const char *key, void *data);
	void *data;
};

/* config_parse_file() and config_parse_buf() with options (may be NULL). */
int config_parse_file_opts(struct config *cfg, const char *path,
			   const struct config_opts *opts);
int config_parse_buf_opts(struct config *cfg, const char *name,
			  const char *buf, size_t len,
			  const struct config_opts *opts);
void config_release(struct config *cfg);

/*
 * Split "section.sub.key" into its parts (caller frees each with free(3);
 * *sub is NULL when there is none) and check the names.  0 or -1.
 */
int config_split_key(const char *key, char **section, char **sub,
		     char **name);
/* Does the entry have this full key? */
int config_entry_is(const struct config_entry *e, const char *section,
		    const char *sub, const char *key);
/* Write the full key of `e` ("section.sub.key") into a new string (free it). */
char *config_entry_fullkey(const struct config_entry *e);

/* The last value of `key`, or NULL.  A bare key gives "true". */
const char *config_get(const struct config *cfg, const char *key);
/* Call fn for every value of `key`, in file order; stops on non-zero. */
int config_get_all(const struct config *cfg, const char *key,
		   int (*fn)(const char *value, void *data), void *data);
/* Interpret a value as a boolean (true/yes/on/1, false/no/off/0). */
int config_bool(const char *value, int *out);

/*
 * Set `key` to `value` in the file at `path` (created if missing).  A key
 * with several values is left with just this one, where the last was.
 */
int config_set(const char *path, const char *key, const char *value);
/* Remove every value of `key`; returns the number removed, or -1. */
int config_unset(const char *path, const char *key);

#endif
