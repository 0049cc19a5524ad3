/*
 * gen.c - the model file of bench-model-promote.sh: float32 weights as a
 * trained network's look, written to stdout.
 *
 * gen MIB
 *	MIB mebibytes of little-endian IEEE float32 values, roughly normal
 *	with mean 0 and standard deviation 0.02 (the sum of four uniform
 *	deviates, rescaled), as the weight matrices of a model are.  Such
 *	data is nearly incompressible: gzip -6 saves about 7% of it, as it
 *	does on real weights (the sign and exponent bits repeat, the
 *	mantissa does not); the object store keeps it raw.
 *
 * Deterministic (xorshift64, a fixed seed), about 1 GB/s.  Exit 2 on bad
 * arguments, 3 when stdout cannot be written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t seed = 88172645463325252ull;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* one weight: four 16-bit uniforms summed (Irwin-Hall), mean 0, sd 0.02 */
static float weight(void)
{
	uint64_t r = rnd();
	/* the sum of four uniforms on [0, 1) has variance 4/12 */
	double s = (double)(r & 0xffff) + (double)(r >> 16 & 0xffff) +
		   (double)(r >> 32 & 0xffff) + (double)(r >> 48);

	return (float)((s / 65536.0 - 2.0) * (0.02 / 0.5773502691896258));
}

int main(int argc, char **argv)
{
	static float buf[1 << 16];
	char *end;
	long mib;
	uint64_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: gen MIB >FILE\n");
		return 2;
	}
	errno = 0;
	mib = strtol(argv[1], &end, 10);
	if (errno || *end || end == argv[1] || mib <= 0) {
		fprintf(stderr, "gen: bad size '%s'\n", argv[1]);
		return 2;
	}
	/* a MiB is 1 << 18 floats; buf holds a quarter of one */
	for (n = (uint64_t)mib * 4; n; n--) {
		size_t i, off = 0;
		ssize_t w;

		for (i = 0; i < sizeof(buf) / sizeof(buf[0]); i++)
			buf[i] = weight();
		while (off < sizeof(buf)) {
			w = write(1, (char *)buf + off, sizeof(buf) - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				fprintf(stderr, "gen: cannot write: %s\n",
					strerror(errno));
				return 3;
			}
			off += (size_t)w;
		}
	}
	return 0;
}
