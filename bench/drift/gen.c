/*
 * gen.c - the tables of bench-drift-check.sh: ROWS rows of 20 numeric
 * and 5 categorical columns as CSV on stdout.
 *
 * gen ROWS SEED SHIFTED
 *	n01..n20: normal deviates (Box-Muller), column j with mean j and
 *	standard deviation 1 + j / 10, written with 6 significant digits,
 *	as measurements usually are; about 1% of n05's values are missing.
 *	c1..c5: categories drawn with fixed unequal weights from 3, 5, 8,
 *	12 and 40 labels ("a0", "a1", ...).
 *	SHIFTED 1 moves five columns: n01, n02 and n03 by half a standard
 *	deviation, n04's spread by half again, and c1's weights.
 *
 * Deterministic for a SEED (xorshift64).  Exit 2 on bad arguments.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static uint64_t seed;

static uint64_t rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static double uniform(void)
{
	return ((rnd() >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
	static int have;
	static double next;
	double u, v, r;

	if (have) {
		have = 0;
		return next;
	}
	u = uniform();
	v = uniform();
	r = sqrt(-2 * log(u));
	next = r * sin(2 * M_PI * v);
	have = 1;
	return r * cos(2 * M_PI * v);
}

/* a label of n, the weight of label i proportional to 1 / (i + 1 + skew) */
static int pick(int n, double skew)
{
	double total = 0, x, acc = 0;
	int i;

	for (i = 0; i < n; i++)
		total += 1.0 / (i + 1 + skew);
	x = uniform() * total;
	for (i = 0; i < n - 1; i++) {
		acc += 1.0 / (i + 1 + skew);
		if (x < acc)
			return i;
	}
	return n - 1;
}

int main(int argc, char **argv)
{
	static const int labels[5] = { 3, 5, 8, 12, 40 };
	long rows, r;
	int shifted, j;

	if (argc != 4 || (rows = atol(argv[1])) < 1) {
		fprintf(stderr, "usage: gen ROWS SEED SHIFTED\n");
		return 2;
	}
	seed = 88172645463325252ull ^ (uint64_t)atoll(argv[2]) * 2654435761u;
	shifted = atoi(argv[3]);
	for (j = 1; j <= 20; j++)
		printf("n%02d,", j);
	printf("c1,c2,c3,c4,c5\n");
	for (r = 0; r < rows; r++) {
		for (j = 1; j <= 20; j++) {
			double sd = 1 + j / 10.0, x = normal();

			if (shifted && j <= 3)
				x += 0.5;
			if (shifted && j == 4)
				x *= 1.5;
			if (j == 5 && uniform() < 0.01)
				fputs(",", stdout);
			else
				printf("%.6g,", j + sd * x);
		}
		for (j = 0; j < 5; j++)
			printf("%c%d%s", 'a' + j,
			       pick(labels[j], shifted && j == 0 ? -0.5 : 1),
			       j < 4 ? "," : "\n");
	}
	return ferror(stdout) ? 3 : 0;
}
