/*
 * gen.c - the pipelines of bench-pipe-run.sh, each written three ways in
 * the current directory: pipeline.ini (pipe-run), Makefile (make -r) and
 * Snakefile (snakemake), the same graph in all three.
 *
 * gen noop NSTAGES NDEPS
 *	NSTAGES stages s0000...; stage i reads its own NDEPS input files
 *	data/fNNNNN (NSTAGES * NDEPS files of 16 bytes, written here, each
 *	the dep of one stage) and the outs of stages i-10 and i-25 when they
 *	exist, so the graph is about NSTAGES/10 stages deep with a fan-in of
 *	two.  Its cmd is `cat DEPS | cksum >out/sNNNN`: it reads every dep
 *	and writes a small out, so outs do not grow along the chains.
 *	Makefile: one rule a stage and `all`; Snakefile: one rule a stage with
 *	input, output and shell, and `rule all` first.
 *
 * gen overhead NSTAGES
 *	NSTAGES independent stages t0000... whose cmd is `true`, with no deps
 *	and no outs.  Makefile: .PHONY targets, `all` first; Snakefile: rules
 *	without output, run by naming them (the script lists them).
 *
 * Deterministic (xorshift, a fixed seed).  Exit 2 on bad arguments, 3
 * when a file cannot be written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static uint64_t seed = 88172645463325252ull;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static FILE *open_out(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		fprintf(stderr, "gen: cannot write '%s': %s\n", path,
			strerror(errno));
	return f;
}

static int close_out(FILE *f, const char *path)
{
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "gen: cannot write '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0777) && errno != EEXIST) {
		fprintf(stderr, "gen: cannot create '%s': %s\n", path,
			strerror(errno));
		return -1;
	}
	return 0;
}

/* The upstream stages of stage i in the no-op graph, into up[]; a count. */
static int ups(long i, long up[2])
{
	int n = 0;

	if (i >= 10)
		up[n++] = i - 10;
	if (i >= 25)
		up[n++] = i - 25;
	return n;
}

/* Stage i's deps, space-separated, as every format writes them. */
static void put_deps(FILE *f, long i, long ndeps, const char *sep,
		     const char *quote)
{
	long up[2], k;
	int n = ups(i, up), j;

	for (k = 0; k < ndeps; k++)
		fprintf(f, "%s%sdata/f%05ld%s", k ? sep : "", quote,
			i * ndeps + k, quote);
	for (j = 0; j < n; j++)
		fprintf(f, "%s%sout/s%04ld%s", sep, quote, up[j], quote);
}

static int gen_noop(long nstages, long ndeps)
{
	char path[64];
	FILE *ini, *mk, *sm, *f;
	long i;

	if (make_dir("data") || make_dir("out"))
		return 3;
	for (i = 0; i < nstages * ndeps; i++) {
		snprintf(path, sizeof(path), "data/f%05ld", i);
		if (!(f = open_out(path)))
			return 3;
		/* 16 bytes: "f00042 " and 8 hex digits and a newline */
		fprintf(f, "f%05ld %08lx\n", i % 100000,
			(unsigned long)(rnd() & 0xffffffffu));
		if (close_out(f, path))
			return 3;
	}
	if (!(ini = open_out("pipeline.ini")))
		return 3;
	if (!(mk = open_out("Makefile")))
		return 3;
	if (!(sm = open_out("Snakefile")))
		return 3;

	fprintf(mk, ".PHONY: all\nall:");
	fprintf(sm, "rule all:\n    input:\n");
	for (i = 0; i < nstages; i++) {
		fprintf(mk, " out/s%04ld", i);
		fprintf(sm, "        \"out/s%04ld\",\n", i);
	}
	fprintf(mk, "\n");

	for (i = 0; i < nstages; i++) {
		fprintf(ini, "[stage \"s%04ld\"]\n\tcmd = cat ", i);
		put_deps(ini, i, ndeps, " ", "");
		fprintf(ini, " | cksum >out/s%04ld\n\tdeps = ", i);
		put_deps(ini, i, ndeps, " ", "");
		fprintf(ini, "\n\touts = out/s%04ld\n", i);

		fprintf(mk, "out/s%04ld: ", i);
		put_deps(mk, i, ndeps, " ", "");
		fprintf(mk, "\n\tcat ");
		put_deps(mk, i, ndeps, " ", "");
		fprintf(mk, " | cksum >out/s%04ld\n", i);

		fprintf(sm, "rule s%04ld:\n    input: ", i);
		put_deps(sm, i, ndeps, ", ", "\"");
		fprintf(sm, "\n    output: \"out/s%04ld\"\n", i);
		fprintf(sm, "    shell: \"cat ");
		put_deps(sm, i, ndeps, " ", "");
		fprintf(sm, " | cksum >out/s%04ld\"\n", i);
	}
	if (close_out(ini, "pipeline.ini") | close_out(mk, "Makefile") |
	    close_out(sm, "Snakefile"))
		return 3;
	return 0;
}

static int gen_overhead(long nstages)
{
	FILE *ini, *mk, *sm;
	long i;

	if (!(ini = open_out("pipeline.ini")))
		return 3;
	if (!(mk = open_out("Makefile")))
		return 3;
	if (!(sm = open_out("Snakefile")))
		return 3;
	fprintf(mk, "all:");
	for (i = 0; i < nstages; i++)
		fprintf(mk, " t%04ld", i);
	fprintf(mk, "\n.PHONY: all");
	for (i = 0; i < nstages; i++)
		fprintf(mk, " t%04ld", i);
	fprintf(mk, "\n");
	for (i = 0; i < nstages; i++) {
		fprintf(ini, "[stage \"t%04ld\"]\n\tcmd = true\n", i);
		fprintf(mk, "t%04ld:\n\t@true\n", i);
		fprintf(sm, "rule t%04ld:\n    shell: \"true\"\n", i);
	}
	if (close_out(ini, "pipeline.ini") | close_out(mk, "Makefile") |
	    close_out(sm, "Snakefile"))
		return 3;
	return 0;
}

int main(int argc, char **argv)
{
	long nstages, ndeps = 0;

	if (argc < 3 || (!strcmp(argv[1], "noop") && argc != 4) ||
	    (!strcmp(argv[1], "overhead") && argc != 3))
		goto usage;
	nstages = atol(argv[2]);
	if (argc == 4)
		ndeps = atol(argv[3]);
	if (nstages < 1 || nstages > 10000 || (argc == 4 && ndeps < 1) ||
	    nstages * ndeps > 100000)
		goto usage;
	if (!strcmp(argv[1], "noop"))
		return gen_noop(nstages, ndeps);
	if (!strcmp(argv[1], "overhead"))
		return gen_overhead(nstages);
usage:
	fprintf(stderr, "usage: gen noop NSTAGES NDEPS | gen overhead NSTAGES\n"
			"  (NSTAGES <= 10000, NSTAGES * NDEPS <= 100000)\n");
	return 2;
}
