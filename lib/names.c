/* names.c - see names.h */
#include <ctype.h>
#include <string.h>

#include "err.h"
#include "names.h"
#include "opt.h"
#include "strbuf.h"

static bool name_char(int c)
{
	return isalnum(c) || c == '_' || c == '.' || c == '-';
}

bool names_valid(const char *name)
{
	const char *p;

	if (!*name || strlen(name) > NAMES_MAX ||
	    !(isalpha((unsigned char)name[0]) || name[0] == '_'))
		return false;
	for (p = name; *p; p++)
		if (!name_char((unsigned char)*p))
			return false;
	return true;
}

int names_check(const char *what, const char *name)
{
	const char *p;

	if (!*name)
		return error_input("%s name is empty", what);
	if (strlen(name) > NAMES_MAX)
		return error_input("%s name is longer than %d bytes: '%.40s...'",
				   what, NAMES_MAX, name);
	if (!isalpha((unsigned char)name[0]) && name[0] != '_')
		return error_input("bad %s name '%s': it must start with a "
				   "letter or '_'", what, name);
	for (p = name; *p; p++)
		if (!name_char((unsigned char)*p))
			return error_input("bad %s name '%s': only letters, "
					   "digits, '_', '.' and '-' are "
					   "allowed", what, name);
	return 0;
}

int names_check_free(const char *what, const char *name,
		     const struct tool *tool)
{
	if (names_check(what, name) < 0)
		return -1;
	if (tool && tool_is_subcommand(tool, name))
		return error_input("'%s' is a %s command and cannot name a %s",
				   name, tool->name, what);
	return 0;
}

void names_sql_ident(struct strbuf *sb, const char *name)
{
	strbuf_addch(sb, '"');
	for (; *name; name++) {
		if (*name == '"')
			strbuf_addch(sb, '"');
		strbuf_addch(sb, *name);
	}
	strbuf_addch(sb, '"');
}
