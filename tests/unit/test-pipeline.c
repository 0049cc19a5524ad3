/*
 * test-pipeline.c - lib/pipeline.c: the pipeline file, its checks and the
 * stage graph.  Expected values are worked out by hand from the files
 * written here (the shell's word splitting as dash does it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "pipeline.h"
#include "strbuf.h"
#include "tap.h"

static char dir[] = "/tmp/test-pipeline-XXXXXX";
static char file[256];

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* Write the pipeline file and read it; -1 or 0. */
static int read_text(struct pipeline *p, const char *text)
{
	pipeline_release(p);
	err_clear();
	write_file("pipeline.ini", text);
	return pipeline_read(p, file);
}

/* Read and build. */
static int load(struct pipeline *p, const char *text)
{
	if (read_text(p, text) < 0)
		return -1;
	return pipeline_build(p);
}

/* The message of a build that must fail, with the temp dir as "D". */
static const char *fails(struct pipeline *p, const char *text)
{
	static char msg[4096];
	const char *m, *at;
	size_t n = strlen(dir);

	if (load(p, text) == 0)
		return "(it did not fail)";
	m = err_msg();
	at = strstr(m, dir);
	if (at)
		snprintf(msg, sizeof(msg), "%.*sD%s", (int)(at - m), m,
			 at + n);
	else
		snprintf(msg, sizeof(msg), "%s", m);
	return msg;
}

/* Stage names in an order, space-separated. */
static const char *names(const struct pipeline *p, const size_t *v, size_t n)
{
	static struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_reset(&sb);
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s%s", i ? " " : "", p->stages[v[i]].name);
	return sb.buf;
}

static const char *words(const struct pipeline_list *l, int norm)
{
	static struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_reset(&sb);
	for (i = 0; i < l->nr; i++)
		strbuf_addf(&sb, "%s[%s]", i ? " " : "",
			    norm ? l->v[i].norm : l->v[i].text);
	return sb.buf;
}

static const char *selected(struct pipeline *p, const char *const *t,
			    size_t n)
{
	static char buf[1024];
	size_t *v, nr;

	if (pipeline_select(p, t, n, &v, &nr) < 0)
		return err_msg();
	snprintf(buf, sizeof(buf), "%s", names(p, v, nr));
	free(v);
	return buf;
}

static void test_parse(void)
{
	struct pipeline p = PIPELINE_INIT;
	struct stage *st;

	ok(load(&p,
		"# a pipeline\n"
		"[params]\n"
		"\tLR = 0.01\n"
		"\tname = it's a b\n"
		"\tempty = \"\"\n"
		"[stage \"prep\"]\n"
		"\tcmd = sleep 0; echo \"a#b\" | sed 's/\\./,/' ; true # kept\n"
		"\tcmd = printf '%s\\n' \\\n"
		"\t  two\n"
		"\touts = data/clean.csv 'with space.txt' a\\ b \"q\\\"d\"\n"
		"\touts = more/./x/../y\n"
		"\tdeps = raw.csv\n"
		"[stage \"train\"]\n"
		"\tcmd = train --lr ${lr} --name ${name} --e ${empty} ${HOME} "
		"${nope} ${LR} $${lr} ${lr\n"
		"\tdeps = data/clean.csv\n"
		"\tparams = empty\n"
		"\tenv = A=1 B=\"x y\"\n"
		"\tenv = C=${lr}\n"
		"\tmetrics = m.json\n"
		"\tretries = 2\n"
		"\tretry_delay = 1m30s\n"
		"\ttimeout = 2h\n"
		"\tcpus = 4\n"
		"\tmem = 1536M\n"
		"\tgpus = 1\n"
		"\talways\n"
		"\tcache = no\n") == 0,
	   "a full pipeline builds");
	is_str(err_msg(), "", "no error");
	is_int(p.nr_params, 3, "three params");
	is_str(p.params[0].name, "lr", "param names are lower case");
	is_str(pipeline_param(&p, "name"), "it's a b", "param value");
	is_int(p.nr_stages, 2, "two stages");
	st = pipeline_stage(&p, "prep");
	ok(st && st->cmds.nr == 2, "cmd repeats");
	if (!st)
		return;
	is_str(st->cmds.v[0].text,
	       "sleep 0; echo \"a#b\" | sed 's/\\./,/' ; true # kept",
	       "a raw cmd keeps ; # quotes and backslashes");
	is_str(st->cmds.v[1].text, "printf '%s\\n' \t  two",
	       "a trailing backslash continues the cmd");
	is_int(st->cmds.v[1].line, 8, "the line of the second cmd");
	is_int(st->line, 6, "the header line");
	is_str(words(&st->outs, 0),
	       "[data/clean.csv] [with space.txt] [a b] [q\"d] [more/./x/../y]",
	       "outs split as the shell splits words, keys repeated");
	is_str(words(&st->outs, 1),
	       "[data/clean.csv] [with space.txt] [a b] [q\"d] [more/y]",
	       "outs normalised");
	is_int(st->cpus, 1, "cpus default 1");
	ok(st->cache && !st->always, "cache default true, always false");
	is_int(st->params.nr, 0, "prep uses no param");

	st = pipeline_stage(&p, "train");
	ok(st != NULL, "train");
	if (!st)
		return;
	is_str(st->cmds.v[0].text,
	       "train --lr 0.01 --name 'it'\\''s a b' --e '' ${HOME} ${nope} "
	       "${LR} $0.01 ${lr",
	       "${param} shell-quoted, other ${...} left for the shell");
	/* the cmd (line 14) comes before the params key (line 16) */
	is_str(words(&st->params, 0), "[lr] [name] [empty]",
	       "params used and listed, once each, in file order");
	is_str(words(&st->env, 0), "[A=1] [B=x y] [C=0.01]", "env words");
	is_str(words(&st->metrics, 0), "[m.json]", "metrics");
	is_int(st->retries, 2, "retries");
	is_int(st->retry_delay, 90 * 1000000LL, "retry_delay");
	is_int(st->timeout, 7200 * 1000000LL, "timeout");
	is_int(st->cpus, 4, "cpus");
	is_int(st->mem, 1536LL << 20, "mem in powers of 1024");
	is_int(st->gpus, 1, "gpus");
	ok(st->always, "a bare always is true");
	ok(!st->cache, "cache = no");
	is_int(st->lines[PIPELINE_KEY_TIMEOUT], 22, "the line of a key");
	is_int(st->lines[PIPELINE_KEY_WDIR], 0, "an absent key has line 0");
	is_int(st->nr_up, 1, "train needs one stage");
	is_str(p.stages[st->up[0]].name, "prep", "through its dep");
	pipeline_release(&p);
}

static void test_overrides(void)
{
	struct pipeline p = PIPELINE_INIT;
	const char *text = "[params]\n\tlr = 0.01\n\tepochs = 20\n"
			   "[stage \"t\"]\n\tcmd = t ${lr} ${epochs}\n";

	ok(read_text(&p, text) == 0, "read");
	ok(pipeline_set_param(&p, "LR", "1e-3; rm -rf /") == 0,
	   "-S is case-insensitive");
	ok(pipeline_set_param(&p, "lr2", "1") < 0, "-S of an unknown param");
	ok(strstr(err_msg(), "no param 'lr2' in '") != NULL,
	   "the message names it");
	ok(pipeline_build(&p) == 0, "build after overrides");
	is_str(p.stages[0].cmds.v[0].text, "t '1e-3; rm -rf /' 20",
	       "the override is substituted, quoted");
	ok(p.params[0].overridden && !p.params[1].overridden,
	   "overridden is marked");
	pipeline_release(&p);
}

static void test_foreach(void)
{
	struct pipeline p = PIPELINE_INIT;
	struct stage *st;

	ok(load(&p,
		"[params]\n\tshards = a b\n\tn = 3\n"
		"[stage \"split\"]\n\tcmd = split\n\touts = parts\n"
		"[stage \"shard\"]\n\tforeach = ${shards} c\n"
		"\tcmd = run ${item} ${n}\n\tdeps = parts/${item}\n"
		"\touts = out/${item}.bin\n"
		"[stage \"merge\"]\n\tcmd = merge\n\tdeps = out\n") == 0,
	   "foreach builds");
	is_str(names(&p, p.order, p.nr_stages),
	       "split shard@a shard@b shard@c merge", "one stage per item");
	st = pipeline_stage(&p, "shard@b");
	ok(st != NULL, "shard@b");
	if (st) {
		is_str(st->cmds.v[0].text, "run b 3", "${item} replaced");
		is_str(words(&st->outs, 0), "[out/b.bin]", "in outs too");
		is_str(st->base, "shard", "its base name");
		is_str(st->item, "b", "its item");
		is_str(names(&p, st->up, st->nr_up), "split",
		       "a dep inside a directory out");
	}
	st = pipeline_stage(&p, "merge");
	if (st)
		is_str(names(&p, st->up, st->nr_up), "shard@a shard@b shard@c",
		       "a directory dep holding outs");
	{
		const char *t[] = { "shard" };

		is_str(selected(&p, t, 1), "split shard@a shard@b shard@c",
		       "a foreach name selects all its items");
	}
	is_str(fails(&p, "[stage \"s\"]\n\tforeach = a b/c\n\tcmd = x\n"),
	       "'D/pipeline.ini' line 2: stage 's': foreach: bad item 'b/c': "
	       "only letters, digits, '_', '.' and '-' are allowed",
	       "a bad foreach item");
	is_str(fails(&p, "[stage \"s\"]\n\tforeach = a a\n\tcmd = x\n"),
	       "'D/pipeline.ini' line 2: stage 's': foreach: item 'a' is "
	       "listed twice",
	       "a repeated foreach item");
	is_str(fails(&p, "[stage \"s\"]\n\tforeach =\n\tcmd = x\n"),
	       "'D/pipeline.ini' line 2: stage 's': foreach: no items",
	       "an empty foreach");
	pipeline_release(&p);
}

static void test_errors(void)
{
	struct pipeline p = PIPELINE_INIT;

	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tretry = 1\n"),
	       "'D/pipeline.ini' line 3: stage 'a': unknown key 'retry'",
	       "unknown key");
	ok(err_hint_msg() && strstr(err_hint_msg(), "retry_delay"),
	   "with a hint listing the keys");
	is_int(err_code(), EXIT_USAGE, "bad input: exit 2");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tretries = two\n"),
	       "'D/pipeline.ini' line 3: stage 'a': retries: not a whole "
	       "number from 0: 'two'",
	       "bad number");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tcpus = -1\n"),
	       "'D/pipeline.ini' line 3: stage 'a': cpus: not a whole "
	       "number from 0: '-1'",
	       "negative count");
	{
		const char *want = "'D/pipeline.ini' line 3: stage 'a': "
				   "timeout: invalid duration '2x': ";
		const char *got = fails(&p, "[stage \"a\"]\n\tcmd = x\n"
					    "\ttimeout = 2x\n");

		if (!ok(!strncmp(got, want, strlen(want)), "bad duration"))
			printf("#   got: '%s'\n", got);
	}
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tmem = 2Q\n"),
	       "'D/pipeline.ini' line 3: stage 'a': mem: not a size: '2Q'",
	       "bad size");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tmem = 99999999T\n"),
	       "'D/pipeline.ini' line 3: stage 'a': mem: not a size: "
	       "'99999999T'",
	       "a size too big");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tcache = maybe\n"),
	       "'D/pipeline.ini' line 3: stage 'a': cache: not a boolean: "
	       "'maybe'",
	       "bad bool");
	is_str(fails(&p, "[stage \"a\"]\n\tdeps = pipeline.ini\n"),
	       "'D/pipeline.ini' line 1: stage 'a': no cmd", "no cmd");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd =\n"),
	       "'D/pipeline.ini' line 2: stage 'a': cmd is empty", "empty cmd");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd\n"),
	       "'D/pipeline.ini' line 2: stage 'a': cmd: no value",
	       "cmd without a value");
	is_str(fails(&p, "\n[stage \"9a\"]\n\tcmd = x\n"),
	       "'D/pipeline.ini' line 2: bad stage name '9a': it must start "
	       "with a letter or '_'",
	       "a name against the name rule");
	is_str(fails(&p, "[stage \"a@b\"]\n\tcmd = x\n"),
	       "'D/pipeline.ini' line 1: bad stage name 'a@b': only letters, "
	       "digits, '_', '.' and '-' are allowed",
	       "'@' only from foreach");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n[stage \"a\"]\n\tcmd = y\n"),
	       "'D/pipeline.ini' line 3: stage 'a' is defined twice (first on "
	       "line 1)",
	       "a stage twice");
	is_str(fails(&p, "[stage]\n\tcmd = x\n"),
	       "'D/pipeline.ini' line 1: a stage needs a name: [stage \"NAME\"]",
	       "a stage without a name");
	is_str(fails(&p, "[params]\nx = 1\n[stages \"a\"]\n\tcmd = x\n"),
	       "'D/pipeline.ini' line 3: unknown section 'stages'",
	       "an unknown section");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tparams = lr\n"),
	       "'D/pipeline.ini' line 3: stage 'a': params: no param 'lr' in "
	       "[params]",
	       "an unknown param");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tenv = A=1 B\n"),
	       "'D/pipeline.ini' line 3: stage 'a': env: not KEY=VALUE: 'B'",
	       "env without =");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\touts = 'open\n"),
	       "'D/pipeline.ini' line 3: stage 'a': outs: unclosed quote",
	       "an unclosed quote in outs");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\touts = o\n"
			 "[stage \"b\"]\n\tcmd = y\n\touts = ./o\n"),
	       "'D/pipeline.ini' line 6: stage 'b': output './o' is also an "
	       "output of stage 'a' (line 3)",
	       "duplicate outs across stages");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\touts = o o\n"),
	       "'D/pipeline.ini' line 3: stage 'a': output 'o' is listed twice",
	       "an out twice in a stage");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\touts = d\n"
			 "[stage \"b\"]\n\tcmd = y\n\twdir = d/..\n"
			 "\touts = d/f\n"),
	       "'D/pipeline.ini' line 7: stage 'b': output 'd/f' is inside "
	       "output 'd' of stage 'a'",
	       "an out inside another's directory out");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tdeps = pipeline.ini "
			 "missing.csv\n"),
	       "'D/pipeline.ini' line 3: stage 'a': dep 'missing.csv' is "
	       "neither a file nor an output of a stage",
	       "a dep that is nothing");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\twdir = sub\n"
			 "\tdeps = pipeline.ini\n"),
	       "'D/pipeline.ini' line 4: stage 'a': dep 'pipeline.ini' is "
	       "neither a file nor an output of a stage",
	       "deps are relative to wdir");
	is_str(err_hint_msg(), "deps are relative to the stage's wdir, 'sub'",
	       "the hint says so");
	ok(load(&p, "[stage \"a\"]\n\tcmd = x\n\twdir = sub\n"
		    "\tdeps = ../pipeline.ini f.txt\n") == 0,
	   "deps found through wdir");
	is_str(words(&p.stages[0].deps, 1), "[pipeline.ini] [sub/f.txt]",
	       "and normalised");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tafter = b\n"),
	       "'D/pipeline.ini' line 3: stage 'a': after: no stage 'b'",
	       "after an unknown stage");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n[stage \"a\"\n"),
	       "'D/pipeline.ini' line 3: bad section header: expected ']'",
	       "a syntax error");
	pipeline_release(&p);
	ok(pipeline_read(&p, "/nonexistent/pipeline.ini") < 0,
	   "a missing file fails");
	is_str(err_msg(), "cannot open '/nonexistent/pipeline.ini': No such "
			  "file or directory", "with its name");
	is_int(err_code(), EXIT_USAGE, "as bad input");
	pipeline_release(&p);
}

static void test_graph(void)
{
	struct pipeline p = PIPELINE_INIT;
	struct strbuf sb = STRBUF_INIT;

	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tdeps = c.out\n"
			 "\touts = a.out\n"
			 "[stage \"b\"]\n\tcmd = x\n\tdeps = a.out\n"
			 "\touts = b.out\n"
			 "[stage \"c\"]\n\tcmd = x\n\tdeps = b.out\n"
			 "\touts = c.out\n"),
	       "'D/pipeline.ini' line 1: stage 'a': cycle: a -> b -> c -> a",
	       "a cycle through deps, as its path");
	is_str(fails(&p, "[stage \"z\"]\n\tcmd = x\n"
			 "[stage \"b\"]\n\tcmd = x\n\tafter = c\n"
			 "[stage \"c\"]\n\tcmd = x\n\tafter = b\n"),
	       "'D/pipeline.ini' line 3: stage 'b': cycle: b -> c -> b",
	       "a cycle through after");
	is_str(fails(&p, "[stage \"a\"]\n\tcmd = x\n\tdeps = o/x\n"
			 "\touts = o\n"),
	       "'D/pipeline.ini' line 1: stage 'a': cycle: a -> a",
	       "a stage that needs its own out");

	/*
	 * File order e c b d a f (0-5); e needs c and d, c needs b, d
	 * comes after a.  Ready at first: b a f.  Taking the first in the
	 * file each time: b (c becomes ready), c, a (d ready), d (e
	 * ready), e, f.
	 */
	ok(load(&p, "[stage \"e\"]\n\tcmd = x\n\tdeps = c.out d.out\n"
		    "[stage \"c\"]\n\tcmd = x\n\tdeps = b.out\n\touts = c.out\n"
		    "[stage \"b\"]\n\tcmd = x\n\touts = b.out\n"
		    "[stage \"d\"]\n\tcmd = x\n\tafter = a\n\touts = d.out\n"
		    "[stage \"a\"]\n\tcmd = x\n"
		    "[stage \"f\"]\n\tcmd = x\n\tdeps = pipeline.ini\n") == 0,
	   "a graph builds");
	is_str(names(&p, p.order, p.nr_stages), "b c a d e f",
	       "topological order, file order among the ready");
	{
		const char *t1[] = { "d" }, *t2[] = { "c", "f" },
			   *t3[] = { "nope" };

		is_str(selected(&p, NULL, 0), names(&p, p.order, p.nr_stages),
		       "no targets: every stage");
		is_str(selected(&p, t1, 1), "a d", "d and what it needs");
		is_str(selected(&p, t2, 2), "b c f", "two targets");
		ok(strstr(selected(&p, t3, 1), "no stage 'nope' in '") != NULL,
		   "an unknown target");
	}
	pipeline_dot(&p, &sb);
	is_str(sb.buf,
	       "digraph pipeline {\n"
	       "\t\"b\";\n\t\"c\";\n\t\"a\";\n\t\"d\";\n\t\"e\";\n\t\"f\";\n"
	       "\t\"b\" -> \"c\";\n\t\"a\" -> \"d\";\n"
	       "\t\"c\" -> \"e\";\n\t\"d\" -> \"e\";\n"
	       "}\n",
	       "dot");
	strbuf_reset(&sb);
	pipeline_mermaid(&p, &sb);
	is_str(sb.buf,
	       "flowchart TD\n"
	       "\ts2[\"b\"]\n\ts1[\"c\"]\n\ts4[\"a\"]\n\ts3[\"d\"]\n"
	       "\ts0[\"e\"]\n\ts5[\"f\"]\n"
	       "\ts2 --> s1\n\ts4 --> s3\n\ts1 --> s0\n\ts3 --> s0\n",
	       "mermaid");
	strbuf_release(&sb);
	pipeline_release(&p);
}

/* mem as pipe-run reads it: 1K is 1024 bytes */
static void test_sizes(void)
{
	struct pipeline p = PIPELINE_INIT;
	static const struct {
		const char *text;
		unsigned long long want;
	} t[] = {
		{ "0", 0 },
		{ "1000", 1000 },
		{ "1k", 1024 },
		{ "512M", 512ULL * 1024 * 1024 },
		{ "2G", 2ULL * 1024 * 1024 * 1024 },
		{ "3GiB", 3ULL * 1024 * 1024 * 1024 },
		{ "1T", 1024ULL * 1024 * 1024 * 1024 },
		{ "10B", 10 },
	};
	static const char *const bad[] = { "", "G", "1.5G", "-1", "1 G",
					   "1KK", "1Gb2" };
	char text[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text),
			 "[stage \"a\"]\n\tcmd = x\n\tmem = %s\n", t[i].text);
		ok(load(&p, text) == 0, t[i].text);
		is_int(p.nr_stages ? p.stages[0].mem : 1, t[i].want,
		       "its bytes");
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[stage \"a\"]\n\tcmd = x\n\tmem = \"%s\"\n", bad[i]);
		ok(load(&p, text) < 0 && strstr(err_msg(), "mem: not a size"),
		   bad[i]);
	}
	/* deps continue over lines, and a directory that exists is a dep */
	ok(load(&p, "[stage \"a\"]\n\tcmd = x\n\tdeps = raw.csv \\\n"
		    "\t\tsub\n") == 0,
	   "deps over two lines");
	is_str(words(&p.stages[0].deps, 0), "[raw.csv] [sub]", "both deps");
	pipeline_release(&p);
}

static void test_quote(void)
{
	struct strbuf sb = STRBUF_INIT;

	pipeline_shell_quote(&sb, "a-b_c.d/e:f,g=h+i@j%k");
	is_str(sb.buf, "a-b_c.d/e:f,g=h+i@j%k", "safe text as is");
	strbuf_reset(&sb);
	pipeline_shell_quote(&sb, "");
	is_str(sb.buf, "''", "empty text quoted");
	strbuf_reset(&sb);
	pipeline_shell_quote(&sb, "$(x) 'y'");
	is_str(sb.buf, "'$(x) '\\''y'\\'''", "quotes in quotes");
	strbuf_release(&sb);
}

int main(void)
{
	char cmd[600];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(file, sizeof(file), "%s/pipeline.ini", dir);
	snprintf(cmd, sizeof(cmd), "%s/sub", dir);
	mkdir(cmd, 0755);
	write_file("raw.csv", "x\n");
	write_file("sub/f.txt", "x\n");

	test_parse();
	test_overrides();
	test_foreach();
	test_errors();
	test_graph();
	test_sizes();
	test_quote();

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
