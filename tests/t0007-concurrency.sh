#!/bin/sh
test_description='eight processes writing objects and events at once'
. ./test-lib.sh

test_expect_success 'setup: 8 x 40 distinct files' '
	for p in 1 2 3 4 5 6 7 8; do
		mkdir w$p && for i in $(seq 1 40); do
			echo "writer $p file $i $(seq 1 $i)" >w$p/f$i
		done
	done
'

test_expect_success 'all writes land, none fails, nobody sees "database is locked"' '
	for p in 1 2 3 4 5 6 7 8; do
		(
			for i in $(seq 1 40); do
				mlrepo hash-object -w w$p/f$i >>ids.$p 2>>err.$p || echo "fail $i" >>fail.$p
			done
			mlrepo config writer.p$p done 2>>err.$p || echo "fail config" >>fail.$p
		) &
	done &&
	wait &&
	! cat fail.* 2>/dev/null | grep . &&
	! cat err.* | grep -i "locked" &&
	cat ids.* | sort -u >all && test_line_count = 320 all &&
	for id in $(cat all); do mlrepo cat-object $id >/dev/null || exit 1; done &&
	mlrepo log --action object.write >log && test_line_count = 320 log &&
	mlrepo config --list >list &&
	test "$(grep -c "^writer\.p[1-8]=done$" list)" = 8 &&
	mlrepo fsck
'

test_done
