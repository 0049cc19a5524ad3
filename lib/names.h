/*
 * names.h - the names users give things, the same in every tool
 * (DESIGN.md): experiments, feature groups, features, models, stages,
 * aliases.
 *
 * A name is [A-Za-z_][A-Za-z0-9_.-]*, at most NAMES_MAX (128) bytes.  A tool
 * named for a verb reserves its subcommands' names (no feature group may be
 * called "join"): names_check_free() says so.  A name that passed
 * names_check() may be spliced into SQL as an identifier (a feature
 * column), always through names_sql_ident(), never by hand.
 *
 * Checks return 0, or -1 with error_input() (exit 2) naming the kind and
 * the name, as in: bad experiment name '9x': it must start with a letter
 * or '_'.
 */
#ifndef MLREPO_NAMES_H
#define MLREPO_NAMES_H

#include <stdbool.h>

struct strbuf;
struct tool;

#define NAMES_MAX 128

/* Check `name` against the name rule; `what` is the kind ("experiment"). */
int names_check(const char *what, const char *name);
/* Is `name` valid (no message)? */
bool names_valid(const char *name);
/*
 * names_check(), and `name` must not be a subcommand of `tool` (a verb
 * tool's reserved names).
 */
int names_check_free(const char *what, const char *name,
		     const struct tool *tool);
/*
 * Append `name` to `sb` as a quoted SQL identifier ("name", any '"'
 * doubled).  For names that passed names_check(), or fixed names.
 */
void names_sql_ident(struct strbuf *sb, const char *name);

#endif
