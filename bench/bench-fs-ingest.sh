#!/bin/bash
# bench-fs-ingest.sh - fs-ingest against its peers (issue 8, Benchmark).
#
#  1. ingest: 1,000,000 rows (an int key, an ISO timestamp, 8 floats) from
#     CSV into an empty group, every value type-checked, against the sqlite3
#     shell's `.import` of the same file into a bare typed table (target: at
#     least as fast);
#  2. join: 1,000,000 entity rows against a group of 10,000,000 rows
#     (100,000 entities x 100 times, about 1.2 GB of CSV), writing CSV,
#     against pandas (read_csv of both, merge_asof(by=key,
#     direction="backward"), to_csv: fs/pandas-join.py) with peak RSS for
#     both (target: 3x faster end to end);
#  3. online: the median of one `fs-ingest get` (hyperfine; target < 3 ms)
#     and 10,000 keys on stdin (target > 100,000 keys/s).
#
# Sizes: BENCH_FS_ROWS (ingest rows, 1000000), BENCH_FS_ENTITIES (100000)
# x BENCH_FS_TIMES (100) group rows and BENCH_FS_QUERIES (1000000) entity
# rows for the join; BENCH_FS_JOIN=0 skips the join (its data takes
# about 3 GB under /tmp and the run a few minutes).  Data comes from
# fs/gen.c, deterministic, into a temporary directory removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${MLREPO_BUILD:=$here/../build}"
PATH="$MLREPO_BUILD/bin:$PATH"
ROWS=${BENCH_FS_ROWS:-1000000}
ENTS=${BENCH_FS_ENTITIES:-100000}
TIMES=${BENCH_FS_TIMES:-100}
QUERIES=${BENCH_FS_QUERIES:-1000000}
: "${CC:=cc}"
py=/usr/bin/python3 # Debian's, with python3-pandas (not a pyenv one)
W=$(mktemp -d /tmp/bench-fs-ingest.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
cd "$W"
$CC -O2 -o gen "$here/fs/gen.c"

exec 3>&1
# timed NAME CMD...: run with GNU time; sets wall, cpu (user+sys), rss (MB)
timed() {
	local name=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o time.out "$@"
	read -r wall u s kb <time.out
	cpu=$(echo "$u + $s" | bc -l)
	rss=$((kb / 1024))
	printf "  %-40s wall %7.2f s  cpu %7.2f s  peak RSS %6d MB\n" \
		"$name" "$wall" "$cpu" "$rss" >&3
}
ratio() { # what peer ours (peer / ours)
	printf "  ratio %s: %.1fx\n" "$1" "$(echo "$2 / $3" | bc -l)"
}
define() {
	fs-ingest -q define g --entity key:int --timestamp event_timestamp \
		$(for j in 0 1 2 3 4 5 6 7; do printf -- '--feature f%d:float ' $j; done)
}
echo "bench-fs-ingest: $(nproc) CPU(s), load average $(cut -d' ' -f1 /proc/loadavg)"
echo "  (on a busy machine trust cpu)"

echo "# 1. ingest $ROWS rows"
./gen group $((ROWS / 100)) 100 >ingest.csv
cat ingest.csv >/dev/null
mkdir r1 && (cd r1 && mlrepo init -q && define)
timed "fs-ingest GROUP FILE (empty group)" fs-ingest -C r1 -q g ../ingest.csv
w_us=$wall c_us=$cpu
echo "CREATE TABLE rows(key INTEGER, event_timestamp TEXT, f0 REAL, f1 REAL,
 f2 REAL, f3 REAL, f4 REAL, f5 REAL, f6 REAL, f7 REAL);" >schema.sql
sqlite3 peer.db <schema.sql
timed "sqlite3 .import (bare table)" sqlite3 peer.db ".import --csv --skip 1 ingest.csv rows"
w_pe=$wall c_pe=$cpu
n=$(sqlite3 peer.db "SELECT count(*) FROM rows")
[ "$n" = "$ROWS" ] || { echo "sqlite3 imported $n rows" >&2; exit 1; }
ratio "sqlite3 .import / fs-ingest (wall)" "$w_pe" "$w_us"
ratio "sqlite3 .import / fs-ingest (cpu)" "$c_pe" "$c_us"

echo "# 3. online lookup in that group ($ROWS rows)"
key=$((ROWS / 200))
if command -v hyperfine >/dev/null 2>&1; then
	hyperfine -N -w 20 -r 300 --export-json hf.json \
		"$(command -v fs-ingest) -C r1 get g $key" >/dev/null
	med=$($py -c 'import json; print(json.load(open("hf.json"))["results"][0]["median"])')
	printf "  median single get                        %6.2f ms (target < 3 ms)\n" \
		"$(echo "$med * 1000" | bc -l)"
fi
awk -v n=$((ROWS / 100)) 'BEGIN { for (i = 0; i < 10000; i++) print (i * 7919) % n }' >keys.txt
timed "get, 10,000 keys on stdin" fs-ingest -C r1 get g <keys.txt >got.csv
printf "  %.0f keys/s (target > 100,000)\n" "$(echo "10000 / $wall" | bc -l)"
[ "$(wc -l <got.csv)" = 10001 ] || { echo "get printed $(wc -l <got.csv) lines" >&2; exit 1; }
rm -rf r1 peer.db ingest.csv

if [ "${BENCH_FS_JOIN:-1}" = 0 ]; then
	echo "# 2. join skipped (BENCH_FS_JOIN=0)"
	exit 0
fi
echo "# 2. join $QUERIES entity rows against $ENTS x $TIMES group rows"
./gen group "$ENTS" "$TIMES" >group.csv
./gen entities "$ENTS" "$TIMES" "$QUERIES" >entities.csv
mkdir r2 && (cd r2 && mlrepo init -q && define)
timed "fs-ingest GROUP FILE (the group)" fs-ingest -C r2 -q g ../group.csv
w_in=$wall c_in=$cpu
cat group.csv entities.csv >/dev/null
timed "fs-ingest join" fs-ingest -C r2 join ../entities.csv --features g >ours.csv
w_us=$wall c_us=$cpu
if $py -c 'import pandas' 2>/dev/null; then
	timed "pandas read_csv, merge_asof, to_csv" $py "$here/fs/pandas-join.py" \
		group.csv entities.csv peer.csv
	w_pe=$wall c_pe=$cpu
	# the same rows matched: as many empty results on both sides
	a=$(awk -F, 'NR > 1 && $3 == ""' ours.csv | wc -l)
	b=$(awk -F, 'NR > 1 && $3 == ""' peer.csv | wc -l)
	[ "$a" = "$b" ] || { echo "unmatched rows: ours $a, pandas $b" >&2; exit 1; }
	[ "$(wc -l <ours.csv)" = "$(wc -l <peer.csv)" ] || { echo "row counts differ" >&2; exit 1; }
	ratio "pandas / fs-ingest join (wall)" "$w_pe" "$w_us"
	ratio "pandas / fs-ingest join (cpu)" "$c_pe" "$c_us"
	ratio "pandas / fs-ingest ingest + join (wall)" "$w_pe" "$(echo "$w_in + $w_us" | bc -l)"
else
	echo "  pandas is not installed for $py (scripts/deps --bench)"
fi
