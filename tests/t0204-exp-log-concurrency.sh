#!/bin/sh
test_description='exp-log: sixteen writers on one run at once'
. ./test-lib.sh

# The issue's case is 16 x 500; the sanitizer build is ~5x slower, so it
# runs 16 x 100 (the same code paths, fewer repetitions).
N=500
test -n "${MLREPO_SANITIZE:-}" && N=100

test_expect_success "16 processes x $N exp-log metric calls: every point stored" '
	run=$(exp-log start) &&
	for p in $(seq 1 16); do
		(
			i=0
			while [ $i -lt $N ]; do
				exp-log metric -r $run "w$p=$i" 2>>err.$p || echo "fail $i" >>fail.$p
				i=$((i + 1))
			done
		) &
	done &&
	wait &&
	! cat fail.* 2>/dev/null | grep . &&
	! cat err.* | grep -i "locked" &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM metrics WHERE run = \"$run\"")" = $((16 * N)) &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(DISTINCT key || \"/\" || step) FROM metrics WHERE run = \"$run\"")" = $((16 * N)) &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT sum(n) FROM latest WHERE run = \"$run\"")" = $((16 * N)) &&
	exp-log show $run >show &&
	test_grep "^  w7 = $((N - 1)) (step $((N - 1)), $N points)$" show
'

test_expect_success 'concurrent writers on one key get distinct steps' '
	run=$(exp-log start) &&
	for p in 1 2 3 4; do
		( for i in $(seq 1 25); do exp-log metric -r $run shared=$p; done ) &
	done && wait &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(DISTINCT step) FROM metrics WHERE run = \"$run\"")" = 100
'

test_done
