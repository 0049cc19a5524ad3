#!/bin/bash
# bench-drift-check.sh - drift-check against pandas + SciPy (issue 11,
# Benchmark).
#
# Data (drift/gen.c, deterministic): a reference and a current table of
# BENCH_DRIFT_ROWS rows (1,000,000) x 20 numeric and 5 categorical columns,
# about 175 MB of CSV each; the current one has 5 shifted columns.
#
#   peer: peer.py below, a pandas + SciPy script written as a data
#         scientist would write it: read_csv of both files, then for each
#         column the SciPy call Evidently makes for the method its auto
#         rule picks (wasserstein_distance / std, or jensenshannon of the
#         category shares, at these sizes; ks_2samp, chisquare or the
#         z-test at 1000 rows or fewer);
#   ours: `drift-check REF CUR` with the same auto rule.
#
# Both must find the same 5 drifted columns (checked).  Target: ours at
# least 20x faster end to end.  Each is timed by /usr/bin/time (wall
# seconds, user + system cpu, peak RSS); BENCH_DRIFT_ROUNDS (3) rounds,
# the best kept, the order alternating.  Both start with the files in the
# page cache.
#
# Then the bounded-memory case: a profile of the reference
# (`drift-check profile`), and a current file of BENCH_DRIFT_BIG_ROWS rows
# (10,000,000, about 1.7 GB) checked against it, timed with its peak RSS,
# which must not grow with the file (it is compared with a check of the
# 1,000,000-row file against the same profile).  BENCH_DRIFT_BIG_PEER=1
# also runs the pandas script on it (minutes, and several GB of memory).
#
# Files live in a temporary directory under BENCH_DRIFT_TMP (/tmp), about
# 2.2 GB, removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${MLREPO_BUILD:=$here/../build}"
PATH="$MLREPO_BUILD/bin:$PATH"
ROWS=${BENCH_DRIFT_ROWS:-1000000}
BIG=${BENCH_DRIFT_BIG_ROWS:-10000000}
ROUNDS=${BENCH_DRIFT_ROUNDS:-3}
: "${CC:=cc}"
: "${PYTHON:=/usr/bin/python3}"
W=$(mktemp -d "${BENCH_DRIFT_TMP:-/tmp}/bench-drift-check.XXXXXX")
trap 'rm -rf "$W"' EXIT INT TERM
cd "$W"

fail() {
	echo "bench-drift-check: $*" >&2
	exit 1
}
[ -x /usr/bin/time ] || fail "needs /usr/bin/time (Debian: apt-get install time)"
"$PYTHON" -c 'import pandas, scipy' 2>/dev/null ||
	fail "needs pandas and SciPy for $PYTHON (scripts/deps --bench)"
$CC -O2 -o gen "$here/drift/gen.c" -lm

cat >peer.py <<'EOF'
# The peer: pandas + SciPy, each column tested as Evidently's auto rule
# would (n: non-missing reference values; u: distinct values of both).
import sys
import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial import distance

ref = pd.read_csv(sys.argv[1])
cur = pd.read_csv(sys.argv[2])
drifted = []
for col in ref.columns:
    if col not in cur.columns:
        continue
    r = ref[col].replace([np.inf, -np.inf], np.nan).dropna()
    c = cur[col].replace([np.inf, -np.inf], np.nan).dropna()
    numeric = (pd.api.types.is_numeric_dtype(r)
               and pd.api.types.is_numeric_dtype(c) and r.nunique() > 5)
    u = pd.concat([r, c]).nunique()    # as Evidently's get_stattest()
    if not numeric or u <= 5:
        keys = sorted(set(r.unique()) | set(c.unique()))
    if len(r) <= 1000:
        if numeric and u > 5:
            drift = stats.ks_2samp(r, c).pvalue <= 0.05
        else:
            rc = r.value_counts().reindex(keys, fill_value=0)
            cc = c.value_counts().reindex(keys, fill_value=0)
            if u <= 2:
                p1, p2 = rc.iloc[0] / len(r), cc.iloc[0] / len(c)
                p = (rc.iloc[0] + cc.iloc[0]) / (len(r) + len(c))
                z = (p1 - p2) / np.sqrt(p * (1 - p) * (1 / len(r) + 1 / len(c)))
                pv = 1.0 if p in (0, 1) else 2 * stats.norm.sf(abs(z))
                drift = pv < 0.05
            else:
                exp = rc / len(r) * len(c)
                drift = stats.chisquare(cc, exp).pvalue < 0.05
    elif numeric and u > 5:
        w = stats.wasserstein_distance(r, c) / max(np.std(r), 0.001)
        drift = w >= 0.1
    else:
        rp = r.value_counts(normalize=True).reindex(keys, fill_value=0)
        cp = c.value_counts(normalize=True).reindex(keys, fill_value=0)
        drift = distance.jensenshannon(rp.values, cp.values) >= 0.1
    if drift:
        drifted.append(col)
print(",".join(drifted))
EOF

echo "generating $ROWS rows x 25 columns, twice"
./gen "$ROWS" 1 0 >ref.csv
./gen "$ROWS" 2 1 >cur.csv
ls -l ref.csv cur.csv | awk '{ printf "  %s: %.0f MB\n", $NF, $5 / 1e6 }'

# run NAME CMD...: files warm, CMD under /usr/bin/time (stdout to NAME.out;
# exit 0 or 1 is fine); sets $wall, $cpu and $rss (MB)
run() {
	local name=$1 rc u s
	shift
	cat ref.csv cur.csv >/dev/null
	set +e
	/usr/bin/time -o "$name.time" -f '%e %U %S %M' "$@" >"$name.out"
	rc=$?
	set -e
	[ $rc -le 1 ] || fail "$name: exit $rc"
	read -r wall u s rss <"$name.time"
	cpu=$(echo "$u + $s" | bc)
	rss=$((rss / 1024))
}

best_ours=; best_peer=
for round in $(seq 1 "$ROUNDS"); do
	for who in $( [ $((round % 2)) = 1 ] && echo peer ours || echo ours peer); do
		if [ $who = peer ]; then
			run peer "$PYTHON" peer.py ref.csv cur.csv
		else
			run ours drift-check --json ref.csv cur.csv
		fi
		echo "  round $round $who: ${wall} s wall, ${cpu} s cpu, ${rss} MB peak RSS"
		eval "cur_best=\${best_$who:-}"
		if [ -z "$cur_best" ] || [ "$(echo "$wall < $cur_best" | bc)" = 1 ]; then
			eval "best_$who=$wall; rss_$who=$rss; cpu_$who=$cpu"
		fi
	done
done
peer_cols=$(cat peer.out)
ours_cols=$(tr '{' '\n' <ours.out | grep '"drift":true' |
	grep -o '"column":"[^"]*"' | cut -d'"' -f4 | paste -sd, -)
[ "$peer_cols" = "$ours_cols" ] ||
	fail "drifted columns differ: peer '$peer_cols', ours '$ours_cols'"
echo "both find drift in: $ours_cols"
printf "drift-check %s s (cpu %s s, %s MB); pandas + SciPy %s s (cpu %s s, %s MB): %.1fx (target 20x)\n" \
	"$best_ours" "$cpu_ours" "$rss_ours" "$best_peer" "$cpu_peer" "$rss_peer" \
	"$(echo "$best_peer / $best_ours" | bc -l)"

echo "profile of the reference, and $BIG current rows against it"
run prof drift-check profile ref.csv -o ref.json
echo "  profile: ${wall} s, ${rss} MB peak RSS, $(($(wc -c <ref.json) / 1024)) KB"
run small drift-check --json ref.json cur.csv
small_rss=$rss
echo "  $ROWS rows against the profile: ${wall} s, ${rss} MB peak RSS"
./gen "$BIG" 3 1 >big.csv
ls -l big.csv | awk '{ printf "  big.csv: %.0f MB\n", $5 / 1e6 }'
cat big.csv >/dev/null
run big drift-check --json ref.json big.csv
printf "  %s rows against the profile: %s s (%.0f MB/s), %s MB peak RSS (%s MB with %s rows)\n" \
	"$BIG" "$wall" "$(echo "$(wc -c <big.csv) / 1000000 / $wall" | bc -l)" \
	"$rss" "$small_rss" "$ROWS"
[ "$rss" -le $((small_rss * 2 + 16)) ] ||
	fail "peak RSS grew with the file: $rss MB against $small_rss MB"
if [ "${BENCH_DRIFT_BIG_PEER:-0}" = 1 ]; then
	run bigpeer "$PYTHON" peer.py ref.csv big.csv
	printf "  pandas + SciPy on the same: %s s, %s MB peak RSS\n" "$wall" "$rss"
fi
