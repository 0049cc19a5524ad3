#!/bin/bash
# bench-exp-log.sh - exp-log against its floors and targets (issue: exp-log).
#
#  1. streaming: `exp-log log` of 1,000,000 metric lines, against the
#     sqlite3 shell inserting the same rows into a bare table in one
#     transaction (target: within 2x of that floor);
#  2. per call: the median wall time of one `exp-log metric`, and the mean
#     of 1000 in a shell loop (target: under 3 ms a call);
#  3. search: `exp-log ls --filter` with a two-clause expression over
#     100,000 runs with 20 params and 20 metrics each (target: < 200 ms);
#  4. report: `exp-log report` of 100 runs x 10 metrics x 1000 steps, one
#     HTML page with 10 charts of 100 curves (target: well under 1 s).
#     No peer: MLflow's UI draws its charts in the browser from its REST
#     API, so there is no page to time against.
# BENCH_LINES, BENCH_RUNS and BENCH_REPORT_RUNS shrink the sizes.
set -euo pipefail
: "${MLREPO_BUILD:=$(cd "$(dirname "$0")/.." && pwd)/build}"
PATH="$MLREPO_BUILD/bin:$PATH"
LINES=${BENCH_LINES:-1000000}
RUNS=${BENCH_RUNS:-100000}
REPORT_RUNS=${BENCH_REPORT_RUNS:-100}
W=$(mktemp -d /tmp/bench-exp-log.XXXXXX)
trap 'rm -rf "$W"' EXIT
cd "$W"
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }

mlrepo init -q
run=$(exp-log start -e bench)

echo "# 1. streaming $LINES metric lines"
awk -v n="$LINES" 'BEGIN { srand(2); for (i = 0; i < n; i++) printf "loss=%.6f step=%d\n", rand(), i }' >lines.txt
awk -v n="$LINES" 'BEGIN { srand(2); print "BEGIN;"; print "CREATE TABLE m(key TEXT, value REAL, step INTEGER);";
	for (i = 0; i < n; i++) printf "INSERT INTO m VALUES(%closs%c,%.6f,%d);\n", 39, 39, rand(), i; print "COMMIT;" }' >lines.sql
cat lines.txt lines.sql >/dev/null
t0=$(now); exp-log log -r "$run" lines.txt; ours=$(elapsed "$t0")
t0=$(now); sqlite3 floor.db <lines.sql; floor=$(elapsed "$t0")
t0=$(now); exp-log log -r "$run" - <lines.txt; piped=$(elapsed "$t0")
printf "exp-log log FILE        %7.2f s  %9.0f lines/s\n" "$ours" "$(echo "$LINES / $ours" | bc -l)"
printf "exp-log log - (a pipe)  %7.2f s  %9.0f lines/s\n" "$piped" "$(echo "$LINES / $piped" | bc -l)"
printf "sqlite3 shell INSERTs   %7.2f s  %9.0f lines/s\n" "$floor" "$(echo "$LINES / $floor" | bc -l)"
printf "ratio ours/floor %.2fx (target <= 2x)\n" "$(echo "$ours / $floor" | bc -l)"

echo "# 2. per call"
if command -v hyperfine >/dev/null 2>&1; then
	# hyperfine times the process alone, without a shell around it
	hyperfine -N -w 20 -r 300 --export-json hf.json \
		"$(command -v exp-log) metric -r $run percall=1" >/dev/null
	/usr/bin/python3 -c 'import json; print(json.load(open("hf.json"))["results"][0]["median"])' >median
else
	for i in $(seq 1 21); do
		t0=$(now); exp-log metric -r "$run" percall=$i; elapsed "$t0"
	done | sort -n | sed -n 11p >median
fi
t0=$(now)
for i in $(seq 1 1000); do exp-log metric -r "$run" loop=$i; done
loop=$(elapsed "$t0")
t0=$(now)
for i in $(seq 1 1000); do true; done
shell=$(elapsed "$t0")
printf "median single call          %6.2f ms\n" "$(echo "$(cat median) * 1000" | bc -l)"
printf "1000 calls in a loop       %6.2f ms a call (target < 3 ms)\n" "$(echo "$loop" | bc -l)"

echo "# 3. search over $RUNS runs x 20 params x 20 metrics"
/usr/bin/python3 - "$RUNS" >runs.sql <<'PY'
import random, sys
n = int(sys.argv[1]); random.seed(3)
print("BEGIN;")
for i in range(n):
    rid = "%032x" % random.getrandbits(128)
    print("INSERT INTO runs(id, experiment, status, start_time, deleted) VALUES ('%s','bench','finished',%d,0);" % (rid, 1700000000000000 + i))
    print("INSERT INTO params(run,key,value,time) VALUES " + ",".join("('%s','p%d','v%d',0)" % (rid, k, random.randrange(10)) for k in range(20)) + ";")
    print("INSERT INTO latest(run,key,value,step,seq,max_step,n,time) VALUES " + ",".join("('%s','m%d',%.6f,0,1,0,1,0)" % (rid, k, random.random()) for k in range(20)) + ";")
print("INSERT OR IGNORE INTO experiments VALUES('bench', 0);")
print("COMMIT;")
PY
sqlite3 .mlrepo/catalog.db <runs.sql
filter="metrics.m3 > 0.99 AND params.p7 = 'v3'"
exp-log ls --filter "$filter" --ids >/dev/null
best=999
for i in 1 2 3 4 5; do
	t0=$(now); exp-log ls --filter "$filter" --ids >matches; t=$(elapsed "$t0")
	best=$(echo "if ($t < $best) $t else $best" | bc -l)
done
printf "ls --filter \"%s\": %d matches, best of 5 %.0f ms (target < 200 ms)\n" \
	"$filter" "$(wc -l <matches)" "$(echo "$best * 1000" | bc -l)"

echo "# 4. report of $REPORT_RUNS runs x 10 metrics x 1000 steps"
mkdir report && cd report && mlrepo init -q
awk 'BEGIN { srand(4); for (i = 0; i < 1000; i++) {
	for (k = 0; k < 10; k++) printf "m%d=%.6f ", k, exp(-i / (200 + 50 * k)) + rand() / 20
	printf "step=%d\n", i } }' >curve.txt
for i in $(seq 1 "$REPORT_RUNS"); do
	r=$(exp-log start -e bench -n "run$i" -p lr=0.0$i)
	exp-log log -r "$r" curve.txt
done
exp-log report -o report.html
best=999
for i in 1 2 3 4 5; do
	t0=$(now); exp-log report -o report.html; t=$(elapsed "$t0")
	best=$(echo "if ($t < $best) $t else $best" | bc -l)
done
printf "report: %d charts, %d curves, %.1f MB, best of 5 %.0f ms (target well under 1000 ms)\n" \
	"$(grep -c "<svg" report.html)" "$(grep -c "<polyline" report.html)" \
	"$(echo "$(wc -c <report.html) / 1000000" | bc -l)" "$(echo "$best * 1000" | bc -l)"
