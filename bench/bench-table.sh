#!/bin/sh
# bench-table.sh - how fast lib/table.c reads a numeric CSV, against
# `wc -l` (the speed of merely finding line ends) and pandas' read_csv.
#
#   bench/bench-table.sh                  about 1 GB of CSV
#   BENCH_SIZE_MB=100 bench/bench-table.sh
#
# Generates a CSV of 10 float columns (with a small C program, so that it
# takes seconds) in a temporary directory under /tmp, removed at the end;
# then times, with the file in the page cache:
#   - wc -l FILE
#   - table-dump --count --types '*:float' FILE  (every field converted)
#   - pandas.read_csv(FILE) with /usr/bin/python3, if pandas is there
# and prints MB/s, rows/s and the ratios.  MLREPO_BUILD (default ../build
# from this directory) holds the built helpers.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
: "${MLREPO_BUILD:=$here/../build}"
: "${BENCH_SIZE_MB:=1024}"
: "${CC:=cc}"
dump=$MLREPO_BUILD/tests/helpers/table-dump
if ! [ -x "$dump" ]; then
	echo "bench-table: $dump is not built (make build/tests/helpers/table-dump)" >&2
	exit 3
fi

tmp=$(mktemp -d /tmp/mlrepo-bench-table.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

cat >"$tmp/gen.c" <<'EOF'
/* gen MB: a CSV of 10 float columns, about MB megabytes, on stdout */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>

static uint64_t s = 88172645463325252ull;
static uint64_t rnd(void)
{
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

int main(int argc, char **argv)
{
	long long want = atoll(argv[1]) << 20, done = 0;
	static char buf[1 << 16];
	int c, n = 0;

	n += sprintf(buf, "f0,f1,f2,f3,f4,f5,f6,f7,f8,f9\n");
	while (done < want) {
		for (c = 0; c < 10; c++) {
			uint64_t r = rnd();
			/* -9999.999999 .. 9999.999999, 6 decimals */
			unsigned ip = (unsigned)(r % 10000), fp = (unsigned)((r >> 20) % 1000000);
			char d[16];
			int k = 0, j;

			if (r >> 63)
				buf[n++] = '-';
			do
				d[k++] = '0' + ip % 10;
			while (ip /= 10);
			while (k)
				buf[n++] = d[--k];
			buf[n++] = '.';
			for (j = 5; j >= 0; j--) {
				buf[n + j] = '0' + fp % 10;
				fp /= 10;
			}
			n += 6;
			buf[n++] = c == 9 ? '\n' : ',';
		}
		if (n > (int)sizeof(buf) - 256) {
			fwrite(buf, 1, n, stdout);
			done += n;
			n = 0;
		}
	}
	fwrite(buf, 1, n, stdout);
	return 0;
}
EOF
$CC -O2 -o "$tmp/gen" "$tmp/gen.c"
csv=$tmp/data.csv
"$tmp/gen" "$BENCH_SIZE_MB" >"$csv"
bytes=$(wc -c <"$csv")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')

# Run a command $reps times (file cached); set $wall to the best wall
# clock seconds and $cpu to the CPU seconds (user + system) of that run,
# measured with GNU time when there is one (else cpu is 0).
reps=3
gnutime=
[ -x /usr/bin/time ] && /usr/bin/time -f %e true 2>/dev/null && gnutime=/usr/bin/time
best() {
	wall=
	cpu=
	i=0
	while [ $i -lt $reps ]; do
		t0=$(date +%s.%N)
		if [ -n "$gnutime" ]; then
			$gnutime -f "%U %S" -o "$tmp/time" "$@" >"$tmp/out"
		else
			"$@" >"$tmp/out"
			echo 0 0 >"$tmp/time"
		fi
		t1=$(date +%s.%N)
		eval "$(awk -v a="$t0" -v z="$t1" -v b="$wall" -v c="$cpu" \
			'{ d = z - a; if (b == "" || d < b) { b = d; c = $1 + $2 }
			printf "wall=%.4f cpu=%.4f", b, c }' "$tmp/time")"
		i=$((i + 1))
	done
}

cat "$csv" >/dev/null # into the page cache
echo "bench-table: $mb MB, $(nproc) CPU(s), $(uname -m), load average $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo ?)"
echo "  (wall: best of 3; cpu: user+sys of that run; on a busy machine trust cpu)"

best wc -l "$csv"
t_wc=$wall c_wc=$cpu
rows=$(($(awk '{ print $1 }' "$tmp/out") - 1))
best "$dump" --count --types '*:float' "$csv"
t_us=$wall c_us=$cpu
got=$(cat "$tmp/out")
if [ "$got" != "$rows" ]; then
	echo "bench-table: table-dump counted $got rows, wc -l says $rows" >&2
	exit 1
fi

t_pd=
if /usr/bin/python3 -c 'import pandas' 2>/dev/null; then
	reps=1
	best /usr/bin/python3 -c '
import sys, pandas
df = pandas.read_csv(sys.argv[1])
print(len(df))' "$csv"
	t_pd=$wall c_pd=$cpu
fi

line() { # name wall cpu
	awk -v n="$1" -v t="$2" -v c="$3" -v b="$bytes" -v r="$rows" 'BEGIN {
		printf "  %-34s wall %7.3f s %7.1f MB/s %10.0f rows/s | cpu %7.3f s %7.1f MB/s\n",
			n, t, b / 1048576 / t, r / t, c, (c > 0 ? b / 1048576 / c : 0) }'
}
line "wc -l" "$t_wc" "$c_wc"
line "table-dump --count (10 floats/row)" "$t_us" "$c_us"
[ -n "$t_pd" ] && line "pandas.read_csv" "$t_pd" "$c_pd"
awk -v u="$t_us" -v w="$t_wc" -v cu="$c_us" -v cw="$c_wc" 'BEGIN {
	printf "  ratio: table-dump takes %.1fx the time of wc -l (cpu %.1fx)\n",
		u / w, (cw > 0 ? cu / cw : 0) }'
[ -n "$t_pd" ] && awk -v u="$t_us" -v p="$t_pd" -v cu="$c_us" -v cp="$c_pd" 'BEGIN {
	printf "  ratio: table-dump is %.1fx as fast as pandas.read_csv (cpu %.1fx)\n",
		p / u, (cu > 0 ? cp / cu : 0) }'
exit 0
