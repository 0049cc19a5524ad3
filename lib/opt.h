/*
 * opt.h - command-line parsing: an option table, global options and
 * subcommand dispatch, the same in every tool.
 *
 * A subcommand reads like this:
 *
 *	static const char *const usage_gc[] = {
 *		"mlrepo gc [--prune=AGE] [--dry-run]", NULL
 *	};
 *	static int cmd_gc(int argc, char **argv)
 *	{
 *		const char *prune = "14d";
 *		int dry = 0;
 *		struct option opts[] = {
 *			OPT_STRING(0, "prune", &prune, "AGE", "age of objects to prune"),
 *			OPT_BOOL('n', "dry-run", &dry, "only list what would go"),
 *			OPT_GLOBALS(),
 *			OPT_END()
 *		};
 *		argc = opt_parse(argc, argv, opts, usage_gc, 0);
 *		if (argc < 0)
 *			return opt_exit(argc);
 *		...
 *	}
 *
 * opt_parse() accepts GNU-style long options (--name=value, --name value,
 * --no-name for booleans), bundled short options (-qv, -ofile, -o file),
 * "--" to end options and "-" as an ordinary argument.  Options may come
 * after arguments unless OPT_STOP_AT_NON_OPTION is given.  It returns the
 * number of arguments left in argv (argv[0] is kept), or OPT_HELP after
 * printing help to stdout for -h/--help, or OPT_ERROR after printing the
 * error and the usage to stderr.  opt_exit() maps those to exit statuses
 * (0 and 2).
 *
 * OPT_GLOBALS() adds -C, --repo, -q, -v, --json, --color and --header to a
 * table; their values land in `gopt`.  -C changes directory at once.
 */
#ifndef MLREPO_OPT_H
#define MLREPO_OPT_H

#include <stddef.h>
#include <stdint.h>

enum opt_type {
	OPT_T_END,
	OPT_T_BOOL,	/* int: 1, or 0 for --no-NAME */
	OPT_T_COUNT,	/* int: incremented each time */
	OPT_T_SET_INT,	/* int: set to defval */
	OPT_T_STRING,	/* const char *: the argument */
	OPT_T_INT,	/* long long: a decimal integer */
	OPT_T_LIST,	/* struct opt_list: every argument, in order */
	OPT_T_CALLBACK	/* cb(opt, arg): returns 0 or -1 via error_input() */
};

enum opt_flags {
	OPT_STOP_AT_NON_OPTION = 1 << 0,
	OPT_KEEP_DASHDASH = 1 << 1,
	OPT_NO_HELP_TEXT = 1 << 2 /* return OPT_HELP without printing */
};

enum { OPT_HELP = -2, OPT_ERROR = -1 };

struct option;
typedef int (*opt_cb)(const struct option *opt, const char *arg);

struct option {
	enum opt_type type;
	int short_name;
	const char *long_name;
	void *value;
	const char *argh; /* name of the argument in help, NULL: none */
	const char *help;
	opt_cb cb;
	long long defval;
	int optional_arg; /* the argument may be omitted (--color) */
};

/*
 * A growing list of strings, for repeatable options (-p KEY=VALUE); `items`
 * is NULL until the first one, then always NULL-terminated.
 */
struct opt_list {
	const char **items;
	int nr, alloc;
};
#define OPT_LIST_INIT { 0, 0, 0 }
void opt_list_release(struct opt_list *l);

#define OPT_END() { OPT_T_END, 0, 0, 0, 0, 0, 0, 0, 0 }
#define OPT_BOOL(s, l, v, h) { OPT_T_BOOL, (s), (l), (v), 0, (h), 0, 0, 0 }
#define OPT_COUNT(s, l, v, h) { OPT_T_COUNT, (s), (l), (v), 0, (h), 0, 0, 0 }
#define OPT_SET_INT(s, l, v, h, d) { OPT_T_SET_INT, (s), (l), (v), 0, (h), 0, (d), 0 }
#define OPT_STRING(s, l, v, a, h) { OPT_T_STRING, (s), (l), (v), (a), (h), 0, 0, 0 }
#define OPT_INT(s, l, v, a, h) { OPT_T_INT, (s), (l), (v), (a), (h), 0, 0, 0 }
#define OPT_LIST(s, l, v, a, h) { OPT_T_LIST, (s), (l), (v), (a), (h), 0, 0, 0 }
#define OPT_CALLBACK(s, l, v, a, h, f) { OPT_T_CALLBACK, (s), (l), (v), (a), (h), (f), 0, 0 }

/* The global options of every tool (DESIGN.md, command-line conventions). */
enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };
struct global_opts {
	const char *repo;  /* --repo PATH: the .mlrepo directory itself */
	int quiet;	   /* -q */
	int verbose;	   /* -v (repeatable) */
	int json;	   /* --json */
	int header;	   /* --header: header line on TSV output too */
	enum color_mode color;
};
extern struct global_opts gopt;

int opt_cb_chdir(const struct option *opt, const char *arg);
int opt_cb_color(const struct option *opt, const char *arg);
int opt_cb_quiet(const struct option *opt, const char *arg);
int opt_cb_no_color(const struct option *opt, const char *arg);
int opt_cb_verbose(const struct option *opt, const char *arg);

#define OPT_GLOBALS()                                                          \
	OPT_CALLBACK('C', 0, 0, "DIR", "run as if started in DIR", opt_cb_chdir), \
	OPT_STRING(0, "repo", &gopt.repo, "PATH", "use the repository at PATH"), \
	OPT_CALLBACK('q', "quiet", 0, 0, "print less", opt_cb_quiet),          \
	OPT_CALLBACK('v', "verbose", 0, 0, "print more", opt_cb_verbose),      \
	OPT_BOOL(0, "json", &gopt.json, "print JSON"),                         \
	OPT_BOOL(0, "header", &gopt.header, "print a header line in pipes"),   \
	{ OPT_T_CALLBACK, 0, "color", 0, "WHEN", "auto, always or never",      \
	  opt_cb_color, 0, 1 },                                                \
	OPT_CALLBACK(0, "no-color", 0, 0, 0, opt_cb_no_color)

/* Parse; see the comment at the top. */
int opt_parse(int argc, char **argv, const struct option *opts,
	      const char *const *usage, int flags);
/* Print usage lines and the option table to `fp` (stdout or stderr). */
void opt_usage(void *fp, const struct option *opts, const char *const *usage);
/* Map an opt_parse() failure to an exit status: OPT_HELP 0, OPT_ERROR 2. */
int opt_exit(int rc);
/* Print "TOOL: error: ..." and the usage to stderr; returns 2. */
int opt_usage_error(const char *const *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Should output on `fd` be coloured (--color, NO_COLOR, isatty)? */
int opt_use_color(int fd);

/*
 * Subcommand dispatch.  A subcommand's `setup` flags (SETUP_REPO,
 * SETUP_CATALOG in setup.h) say what it needs opened, as git.c's RUN_SETUP
 * does; tool_main() puts them in `tool_setup` before it runs the
 * subcommand, and setup_now() (setup.h) opens what they ask for.
 */
struct subcommand {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	unsigned setup; /* SETUP_* flags; 0: nothing opened */
};

struct tool {
	const char *name;		/* "mlrepo" */
	const char *const *usage;	/* top-level usage lines */
	const struct subcommand *subs;	/* NULL-terminated */
	/*
	 * For verb tools: run when the first argument is no subcommand, or
	 * when an option that is no global one comes before it (`pipe-run
	 * -j2`); it parses the global options too (OPT_GLOBALS()).
	 */
	int (*verb)(int argc, char **argv);
	unsigned verb_setup;		/* the verb's SETUP_* flags */
};

/* The SETUP_* flags of the subcommand (or verb) tool_main() is running. */
extern unsigned tool_setup;

/*
 * Parse global options, then run the subcommand named by the first
 * argument, with argv[0] set to the subcommand's name.  Handles --help,
 * --version and "help SUB".  Returns the exit status.
 */
int tool_main(const struct tool *t, int argc, char **argv);
/* Is `name` a subcommand of `t` (a reserved name)? */
int tool_is_subcommand(const struct tool *t, const char *name);

/* The tool's argv as given, for the event journal. */
extern int tool_argc;
extern char **tool_argv;

#define MLREPO_VERSION "0.1.0"

#endif
