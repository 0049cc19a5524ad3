/*
 * gen group NENT NTIMES        the feature group's rows, time-ordered
 * gen entities NENT NTIMES N   N entity rows (key, event_timestamp)
 * Deterministic (xorshift, fixed seeds); CSV on stdout.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t s = 88172645463325252ull;
static uint64_t rnd(void)
{
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

static const long long base = 1704067200; /* 2024-01-01T00:00:00Z */

static char *put_time(char *p, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	return p + strftime(p, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *put_float(char *p)
{
	uint64_t r = rnd();
	unsigned ip = (unsigned)(r % 1000), fp = (unsigned)((r >> 20) % 1000000);

	p += sprintf(p, "%s%u.%06u", r >> 63 ? "-" : "", ip, fp);
	return p;
}

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	long long nent, ntimes, i, k, n;
	char *p = buf;
	int j;

	if (argc < 4)
		return 2;
	nent = atoll(argv[2]);
	ntimes = atoll(argv[3]);
	if (!strcmp(argv[1], "group")) {
		p += sprintf(p, "key,event_timestamp");
		for (j = 0; j < 8; j++)
			p += sprintf(p, ",f%d", j);
		*p++ = '\n';
		for (i = 0; i < ntimes; i++)
			for (k = 0; k < nent; k++) {
				p += sprintf(p, "%lld,", k);
				p = put_time(p, base + i * 3600 + k % 3600);
				for (j = 0; j < 8; j++) {
					*p++ = ',';
					p = put_float(p);
				}
				*p++ = '\n';
				if (p - buf > (long)sizeof(buf) - 512) {
					fwrite(buf, 1, p - buf, stdout);
					p = buf;
				}
			}
	} else {
		n = atoll(argv[4]);
		s = 0x9e3779b97f4a7c15ull;
		p += sprintf(p, "key,event_timestamp\n");
		for (i = 0; i < n; i++) {
			/* from 2 hours before the first row to 3 after the last */
			long long span = (ntimes + 5) * 3600;

			p += sprintf(p, "%lld,", (long long)(rnd() % nent));
			p = put_time(p, base - 7200 + (long long)(rnd() % span));
			*p++ = '\n';
			if (p - buf > (long)sizeof(buf) - 512) {
				fwrite(buf, 1, p - buf, stdout);
				p = buf;
			}
		}
	}
	fwrite(buf, 1, p - buf, stdout);
	return 0;
}
