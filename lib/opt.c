/* opt.c - see opt.h */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "opt.h"
#include "strbuf.h"

struct global_opts gopt;
int tool_argc;
char **tool_argv;

void opt_list_release(struct opt_list *l)
{
	free(l->items);
	l->items = NULL;
	l->nr = l->alloc = 0;
}

int opt_cb_chdir(const struct option *opt, const char *arg)
{
	(void)opt;
	if (!*arg)
		return 0;
	if (chdir(arg) < 0)
		return error_input("cannot change to '%s': %s", arg,
				   strerror(errno));
	return 0;
}

int opt_cb_color(const struct option *opt, const char *arg)
{
	(void)opt;
	if (!arg || !strcmp(arg, "always"))
		gopt.color = COLOR_ALWAYS;
	else if (!strcmp(arg, "auto"))
		gopt.color = COLOR_AUTO;
	else if (!strcmp(arg, "never"))
		gopt.color = COLOR_NEVER;
	else
		return error_input("--color: expected auto, always or never, "
				   "not '%s'", arg);
	return 0;
}

int opt_cb_no_color(const struct option *opt, const char *arg)
{
	(void)opt;
	(void)arg;
	gopt.color = COLOR_NEVER;
	return 0;
}

int opt_cb_quiet(const struct option *opt, const char *arg)
{
	(void)opt;
	(void)arg;
	gopt.quiet = 1;
	err_verbosity = -1;
	return 0;
}

int opt_cb_verbose(const struct option *opt, const char *arg)
{
	(void)opt;
	(void)arg;
	gopt.verbose++;
	err_verbosity = gopt.verbose;
	return 0;
}

int opt_use_color(int fd)
{
	const char *nc = getenv("NO_COLOR");

	if (gopt.color == COLOR_ALWAYS)
		return 1;
	if (gopt.color == COLOR_NEVER)
		return 0;
	if (nc && *nc)
		return 0;
	return isatty(fd);
}

void opt_usage(void *fpv, const struct option *opts,
	       const char *const *usage)
{
	FILE *fp = fpv;
	const struct option *o;
	int i;

	for (i = 0; usage && usage[i]; i++)
		fprintf(fp, "%s %s\n", i ? "   or:" : "usage:", usage[i]);
	if (!opts || opts->type == OPT_T_END)
		return;
	fputc('\n', fp);
	for (o = opts; o->type != OPT_T_END; o++) {
		struct strbuf sb = STRBUF_INIT;

		if (!o->help)
			continue;
		strbuf_addstr(&sb, "    ");
		if (o->short_name)
			strbuf_addf(&sb, "-%c", o->short_name);
		if (o->short_name && o->long_name)
			strbuf_addstr(&sb, ", ");
		if (o->long_name)
			strbuf_addf(&sb, "--%s", o->long_name);
		if (o->argh) {
			if (o->optional_arg)
				strbuf_addf(&sb, "[=%s]", o->argh);
			else if (o->long_name)
				strbuf_addf(&sb, "=%s", o->argh);
			else
				strbuf_addf(&sb, " %s", o->argh);
		}
		if (sb.len < 28)
			fprintf(fp, "%-28s%s\n", sb.buf, o->help);
		else
			fprintf(fp, "%s\n%28s%s\n", sb.buf, "", o->help);
		strbuf_release(&sb);
	}
}

unsigned tool_setup;

int opt_exit(int rc)
{
	return rc == OPT_HELP ? EXIT_OK : EXIT_USAGE;
}

int opt_usage_error(const char *const *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: error: ", err_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	opt_usage(stderr, NULL, usage);
	return EXIT_USAGE;
}

static int parse_ll(const char *s, long long *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	return (errno || end == s || *end) ? -1 : 0;
}

/* Apply one option; `arg` is NULL when none was given. */
static int apply(const struct option *o, const char *arg, int negated,
		 const char *shown)
{
	switch (o->type) {
	case OPT_T_BOOL:
		*(int *)o->value = !negated;
		return 0;
	case OPT_T_COUNT:
		*(int *)o->value = negated ? 0 : *(int *)o->value + 1;
		return 0;
	case OPT_T_SET_INT:
		*(int *)o->value = negated ? 0 : (int)o->defval;
		return 0;
	case OPT_T_STRING:
		*(const char **)o->value = negated ? NULL : arg;
		return 0;
	case OPT_T_INT:
		if (parse_ll(arg, (long long *)o->value) < 0)
			return error_input("option '%s' expects an integer, "
					   "not '%s'", shown, arg);
		return 0;
	case OPT_T_LIST: {
		struct opt_list *l = o->value;

		if (negated) {
			l->nr = 0;
			return 0;
		}
		if (l->nr + 2 > l->alloc) {
			l->alloc = l->alloc ? l->alloc * 2 : 8;
			l->items = xrealloc(l->items,
					    l->alloc * sizeof(*l->items));
		}
		l->items[l->nr++] = arg;
		l->items[l->nr] = NULL; /* kept NULL-terminated */
		return 0;
	}
	case OPT_T_CALLBACK:
		return o->cb(o, arg);
	case OPT_T_END:
		break;
	}
	return 0;
}

static int takes_arg(const struct option *o)
{
	return o->argh != NULL;
}

static int fail(const char *const *usage)
{
	fprintf(stderr, "%s: error: %s\n", err_progname(), err_msg());
	opt_usage(stderr, NULL, usage);
	return OPT_ERROR;
}

static int parse_long(const struct option *opts, const char *const *usage,
		      int argc, char **argv, int *i)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct option *o, *hit = NULL;
	int negated = 0, ambiguous = 0;

	for (o = opts; o->type != OPT_T_END; o++) {
		if (!o->long_name)
			continue;
		if (strlen(o->long_name) == len &&
		    !strncmp(o->long_name, name, len)) {
			hit = o;
			negated = 0;
			ambiguous = 0;
			break;
		}
		if (!strncmp(name, "no-", 3) &&
		    (o->type == OPT_T_BOOL || o->type == OPT_T_COUNT ||
		     o->type == OPT_T_SET_INT || o->type == OPT_T_LIST) &&
		    strlen(o->long_name) == len - 3 &&
		    !strncmp(o->long_name, name + 3, len - 3)) {
			hit = o;
			negated = 1;
			break;
		}
		/* unique prefixes are accepted, as in GNU getopt_long */
		if (len >= 2 && !strncmp(o->long_name, name, len)) {
			if (hit)
				ambiguous = 1;
			hit = o;
		}
	}
	if (ambiguous) {
		error_input("ambiguous option '--%.*s'", (int)len, name);
		return fail(usage);
	}
	if (!hit) {
		error_input("unknown option '--%.*s'", (int)len, name);
		return fail(usage);
	}
	if (negated || !takes_arg(hit)) {
		if (eq) {
			error_input("option '--%s' takes no value",
				    hit->long_name);
			return fail(usage);
		}
		if (apply(hit, NULL, negated, argv[*i]) < 0)
			return fail(usage);
		return 0;
	}
	if (eq) {
		if (apply(hit, eq + 1, 0, argv[*i]) < 0)
			return fail(usage);
		return 0;
	}
	if (hit->optional_arg) {
		if (apply(hit, NULL, 0, argv[*i]) < 0)
			return fail(usage);
		return 0;
	}
	if (*i + 1 >= argc) {
		error_input("option '--%s' requires a value", hit->long_name);
		return fail(usage);
	}
	(*i)++;
	if (apply(hit, argv[*i], 0, argv[*i - 1]) < 0)
		return fail(usage);
	return 0;
}

static int parse_short(const struct option *opts, const char *const *usage,
		       int argc, char **argv, int *i)
{
	const char *p = argv[*i] + 1;

	while (*p) {
		const struct option *o;
		char shown[3] = { '-', *p, 0 };

		for (o = opts; o->type != OPT_T_END; o++)
			if (o->short_name == *p)
				break;
		if (o->type == OPT_T_END) {
			error_input("unknown option '-%c'", *p);
			return fail(usage);
		}
		if (!takes_arg(o) || o->optional_arg) {
			if (apply(o, NULL, 0, shown) < 0)
				return fail(usage);
			p++;
			continue;
		}
		if (p[1]) {
			if (apply(o, p + 1, 0, shown) < 0)
				return fail(usage);
			return 0;
		}
		if (*i + 1 >= argc) {
			error_input("option '-%c' requires a value", *p);
			return fail(usage);
		}
		(*i)++;
		if (apply(o, argv[*i], 0, shown) < 0)
			return fail(usage);
		return 0;
	}
	return 0;
}

int opt_parse(int argc, char **argv, const struct option *opts,
	      const char *const *usage, int flags)
{
	int i, out = 1;

	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		int rc;

		if (a[0] != '-' || !a[1]) {
			if (flags & OPT_STOP_AT_NON_OPTION) {
				while (i < argc)
					argv[out++] = argv[i++];
				break;
			}
			argv[out++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			if (flags & OPT_KEEP_DASHDASH)
				argv[out++] = a;
			for (i++; i < argc; i++)
				argv[out++] = argv[i];
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			if (!(flags & OPT_NO_HELP_TEXT))
				opt_usage(stdout, opts, usage);
			return OPT_HELP;
		}
		if (a[1] == '-')
			rc = parse_long(opts, usage, argc, argv, &i);
		else
			rc = parse_short(opts, usage, argc, argv, &i);
		if (rc < 0)
			return rc;
	}
	argv[out] = NULL;
	return out;
}

static const struct option global_options[] = {
	OPT_GLOBALS(),
	OPT_END()
};

/*
 * A verb tool takes its verb's options first (`pipe-run -j2 train`): is
 * there, before the first argument, an option that is no global one (nor
 * --version, -h or --help)?  Then the whole command line is the verb's.
 */
static int verb_options_first(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct option *o;

		if (a[0] != '-' || !a[1] || !strcmp(a, "--"))
			return 0;
		if (!strcmp(a, "--version") || !strcmp(a, "--help") ||
		    !strcmp(a, "-h"))
			continue;
		if (a[1] == '-') {
			size_t n = strcspn(a + 2, "=");
			int takes = -1;

			for (o = global_options; o->type != OPT_T_END; o++)
				if (o->long_name && strlen(o->long_name) == n &&
				    !strncmp(o->long_name, a + 2, n))
					takes = o->argh && !o->optional_arg;
			if (takes < 0)
				return 1;
			if (takes && !a[2 + n])
				i++; /* its value */
			continue;
		}
		for (a++; *a; a++) {
			int takes = -1;

			for (o = global_options; o->type != OPT_T_END; o++)
				if (o->short_name == *a)
					takes = o->argh != NULL;
			if (takes < 0)
				return 1;
			if (takes) {
				if (!a[1])
					i++;
				break;
			}
		}
	}
	return 0;
}

int tool_is_subcommand(const struct tool *t, const char *name)
{
	const struct subcommand *s;

	for (s = t->subs; s && s->name; s++)
		if (!strcmp(s->name, name))
			return 1;
	return !strcmp(name, "help");
}

static void tool_help(const struct tool *t, FILE *fp)
{
	const struct subcommand *s;

	opt_usage(fp, global_options, t->usage);
	fputs("\ncommands:\n", fp);
	for (s = t->subs; s->name; s++)
		if (s->summary)
			fprintf(fp, "    %-18s%s\n", s->name, s->summary);
}

int tool_main(const struct tool *t, int argc, char **argv)
{
	const struct subcommand *s;
	int version = 0;
	struct option opts[] = {
		OPT_GLOBALS(),
		OPT_BOOL(0, "version", &version, "print the version"),
		OPT_END()
	};

	err_set_progname(t->name);
	/* a copy: opt_parse() permutes argv, the journal wants it as given */
	tool_argc = argc;
	tool_argv = xcalloc(argc + 1, sizeof(char *));
	memcpy(tool_argv, argv, argc * sizeof(char *));
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		gopt.color = COLOR_NEVER;
	if (t->verb && verb_options_first(argc, argv)) {
		tool_setup = t->verb_setup;
		return t->verb(argc, argv);
	}
	argc = opt_parse(argc, argv, opts, t->usage,
			  OPT_STOP_AT_NON_OPTION | OPT_NO_HELP_TEXT);
	if (argc == OPT_HELP) {
		tool_help(t, stdout);
		return 0;
	}
	if (argc < 0)
		return EXIT_USAGE;
	if (version) {
		printf("%s version %s\n", t->name, MLREPO_VERSION);
		return 0;
	}
	if (argc < 2) {
		if (t->verb) {
			tool_setup = t->verb_setup;
			return t->verb(argc, argv);
		}
		tool_help(t, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help")) {
		char *hargv[] = { argv[2], "--help", NULL };

		if (argc < 3) {
			tool_help(t, stdout);
			return 0;
		}
		for (s = t->subs; s->name; s++)
			if (!strcmp(s->name, argv[2]))
				return s->fn(2, hargv);
		fprintf(stderr, "%s: error: no such command '%s'\n", t->name,
			argv[2]);
		return EXIT_USAGE;
	}
	for (s = t->subs; s->name; s++)
		if (!strcmp(s->name, argv[1])) {
			tool_setup = s->setup;
			return s->fn(argc - 1, argv + 1);
		}
	if (t->verb) {
		tool_setup = t->verb_setup;
		return t->verb(argc, argv);
	}
	fprintf(stderr, "%s: error: unknown command '%s'\n", t->name, argv[1]);
	fprintf(stderr, "hint: see '%s --help' for the commands\n", t->name);
	return EXIT_USAGE;
}
