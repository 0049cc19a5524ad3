#!/bin/bash
# bench-odb.sh - the object store against git and sha256sum.
#
# `mlrepo hash-object -w` on 1 GiB of random bytes and on 1 GiB of CSV text,
# against `git hash-object -w` and `sha256sum` on the same files, all in the
# page cache.  Prints seconds, MB/s and ratios (peer time / our time: above
# 1 means we are faster).  BENCH_ODB_MB sets the size (default 1024).
set -euo pipefail
: "${MLREPO_BUILD:=$(cd "$(dirname "$0")/.." && pwd)/build}"
PATH="$MLREPO_BUILD/bin:$PATH"
MB=${BENCH_ODB_MB:-1024}
W=$(mktemp -d /tmp/bench-odb.XXXXXX)
trap 'rm -rf "$W"' EXIT

now() { date +%s.%N; }
secs() { # run "$@" quietly and print the wall time in seconds
	local t0 t1
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	echo "$t1 - $t0" | bc -l
}

echo "# object store: about $MB MiB files, page cache warm"
head -c $((MB << 20)) /dev/urandom >"$W/random.bin"
# CSV text: 64 MiB of numeric rows, repeated (the period is far beyond
# zlib's 32 KiB window, so it compresses like real CSV does)
awk 'BEGIN { srand(1); print "id,ts,x1,x2,x3,label";
	for (i = 0; i < 1400000; i++)
		printf "%d,2026-01-%02d,%.6f,%.3f,%d,%s\n", i, i % 28 + 1,
			rand(), rand() * 1000, int(rand() * 100000),
			(rand() < .5 ? "yes" : "no") }' >"$W/chunk.csv"
: >"$W/text.csv"
for _ in $(seq 1 $((MB / 64))); do cat "$W/chunk.csv" >>"$W/text.csv"; done
rm "$W/chunk.csv"

printf "%-10s %-28s %9s %9s\n" file tool seconds MB/s
for f in random.bin text.csv; do
	cat "$W/$f" >/dev/null
	rm -rf "$W/m" "$W/g" && mkdir "$W/m" "$W/g"
	mlrepo init -q "$W/m" && git init -q "$W/g"
	ours=$(cd "$W/m" && secs mlrepo hash-object -w "$W/$f")
	hashonly=$(secs mlrepo hash-object "$W/$f")
	gitw=$(cd "$W/g" && secs git hash-object -w "$W/$f")
	sha=$(secs sha256sum "$W/$f")
	size=$(stat -c %s "$W/$f")
	for row in "mlrepo hash-object -w:$ours" "mlrepo hash-object:$hashonly" \
		   "git hash-object -w:$gitw" "sha256sum:$sha"; do
		printf "%-10s %-28s %9.2f %9.0f\n" "$f" "${row%%:*}" "${row##*:}" \
			"$(echo "$size / 1000000 / ${row##*:}" | bc -l)"
	done
	printf "%-10s ratio git/ours %.2fx, sha256sum/ours(-w) %.2fx, sha256sum/ours(hash) %.2fx\n" \
		"$f" "$(echo "$gitw / $ours" | bc -l)" "$(echo "$sha / $ours" | bc -l)" \
		"$(echo "$sha / $hashonly" | bc -l)"
	test "$(cd "$W/m" && mlrepo hash-object "$W/$f")" = "$(sha256sum "$W/$f" | cut -d' ' -f1)"
done
