/* test-config.c - the git-config parser and writer (lib/config.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "strbuf.h"
#include "tap.h"

static int parse(struct config *c, const char *text)
{
	config_release(c);
	return config_parse_buf(c, "t.cfg", text, strlen(text));
}

static int count_values(const char *v, void *data)
{
	(void)v;
	(*(int *)data)++;
	return 0;
}

/* The pipeline file's rule: cmd and deps are raw in [stage "..."]. */
static int raw_stage(const char *section, const char *sub, const char *key,
		     void *data)
{
	(*(int *)data)++;
	return !strcmp(section, "stage") && sub &&
	       (!strcmp(key, "cmd") || !strcmp(key, "deps"));
}

static int parse_raw(struct config *c, const char *text, int *calls)
{
	struct config_opts o = { raw_stage, calls };

	config_release(c);
	return config_parse_buf_opts(c, "p.ini", text, strlen(text), &o);
}

int main(void)
{
	struct config c = CONFIG_INIT;
	struct strbuf sb = STRBUF_INIT;
	char path[] = "/tmp/test-config-XXXXXX";
	int fd, n = 0;

	ok(parse(&c, "[core]\n\tA = 1\n[Sec \"Sub\"]\nk=v\n") == 0, "parses");
	is_str(config_get(&c, "core.a"), "1", "keys are case-insensitive");
	is_str(config_get(&c, "CORE.A"), "1", "sections are case-insensitive");
	is_str(config_get(&c, "sec.Sub.k"), "v", "subsection kept");
	ok(config_get(&c, "sec.sub.k") == NULL, "subsections are case-sensitive");

	ok(parse(&c, "\xef\xbb\xbf[a]\r\nx = \"q \\\" \\\\ \\n\"  # c\r\ny\r\n") == 0,
	   "BOM and CRLF");
	is_str(config_get(&c, "a.x"), "q \" \\ \n", "escapes inside quotes");
	is_str(config_get(&c, "a.y"), "true", "bare key is true");

	ok(parse(&c, "[a]\nx = one ; two\nz = a\"  b  \"c\n") == 0, "inline comments");
	is_str(config_get(&c, "a.x"), "one", "value before ; comment");
	is_str(config_get(&c, "a.z"), "a  b  c", "quotes keep spaces mid-value");

	ok(parse(&c, "[a]\nm = 1\nm = 2\n[a]\nm = 3\n") == 0, "repeats");
	is_str(config_get(&c, "a.m"), "3", "last value wins");
	config_get_all(&c, "a.m", count_values, &n);
	is_int(n, 3, "get_all sees every value");

	ok(parse(&c, "[a.b]\nk = v\n") == 0, "legacy dotted section");
	is_str(config_get(&c, "a.b.k"), "v", "legacy subsection");

	ok(parse(&c, "[a]\nx = \"open\n") < 0, "unclosed quote fails");
	is_str(err_msg(), "'t.cfg' line 2: unclosed quote in value", "message names line");
	ok(parse(&c, "\n\n[bad\n") < 0, "bad header fails");
	is_str(err_msg(), "'t.cfg' line 3: bad section header: expected ']'", "header line");
	ok(parse(&c, "x = 1\n") < 0, "key outside section fails");
	ok(parse(&c, "[a]\n1x = 1\n") < 0, "key starting with a digit fails");
	ok(parse(&c, "[a]\nx = \\q\n") < 0, "bad escape fails");
	ok(parse(&c, "[a] k = v\n") == 0, "key on the header line");
	is_str(config_get(&c, "a.k"), "v", "value on the header line");

	/* raw values */
	n = 0;
	ok(parse_raw(&c, "[stage \"s\"]\n"
			 "\tcmd = sleep 2; echo \"a#b\" | sed 's/\\./,/'  \n"
			 "\tCMD =   x\\\n  y ; z \\\r\n# not a comment\\\n\n"
			 "\tdeps = \"q\" # c\n"
			 "\touts = \"q\" # c\n"
			 "[other]\n\tcmd = a ; b\n", &n) == 0,
	   "raw values parse");
	is_int(n, 5, "the callback is asked for every key with a value");
	config_get_all(&c, "stage.s.cmd", count_values, &n);
	is_int(n, 7, "both cmd values are kept");
	is_str(c.entries[0].value, "sleep 2; echo \"a#b\" | sed 's/\\./,/'",
	       "a raw value keeps ; # quotes and backslashes");
	is_str(c.entries[1].value, "x  y ; z # not a comment",
	       "a trailing backslash continues the line, also after CRLF");
	is_int(c.entries[1].line, 3, "a continued value has its first line");
	is_str(config_get(&c, "stage.s.deps"), "\"q\" # c", "deps raw too");
	is_str(config_get(&c, "stage.s.outs"), "q", "other keys are not raw");
	is_str(config_get(&c, "other.cmd"), "a", "other sections are not raw");
	ok(parse_raw(&c, "[stage \"s\"] cmd = a;b\\", &n) == 0,
	   "raw value on the header line, backslash at EOF");
	is_str(config_get(&c, "stage.s.cmd"), "a;b", "the last backslash dropped");
	ok(parse_raw(&c, "[stage \"s\"]\ncmd =\nx = \"open\n", &n) < 0,
	   "non-raw values are still checked");
	is_str(err_msg(), "'p.ini' line 3: unclosed quote in value",
	       "with the line");
	is_str(config_get(&c, "stage.s.cmd"), "", "an empty raw value");

	/* writing */
	fd = mkstemp(path);
	ok(fd >= 0, "temp file");
	dprintf(fd, "# keep me\n[core]\n\tx = 1 ; note\n[other]\n\ty = 2\n");
	close(fd);
	ok(config_set(path, "core.x", "2") == 0, "set existing");
	ok(config_set(path, "core.new", " pad ") == 0, "set new key in section");
	ok(config_set(path, "fresh.sub.k", "a\"b") == 0, "set in a new section");
	strbuf_read_file(&sb, path);
	is_str(sb.buf,
	       "# keep me\n[core]\n\tx = 2\n\tnew = \" pad \"\n[other]\n\ty = 2\n"
	       "[fresh \"sub\"]\n\tk = a\\\"b\n",
	       "file rewritten, the rest kept");
	config_release(&c);
	ok(config_parse_file(&c, path) == 0, "reparse");
	is_str(config_get(&c, "core.new"), " pad ", "padding survives");
	is_str(config_get(&c, "fresh.sub.k"), "a\"b", "quote survives");
	is_int(config_unset(path, "other.y"), 1, "unset removes one");
	is_int(config_unset(path, "other.y"), 0, "unset again removes none");
	ok(config_set(path, "bad", "x") < 0, "a key without a dot is refused");
	unlink(path);
	config_release(&c);
	strbuf_release(&sb);
	return tap_done();
}
