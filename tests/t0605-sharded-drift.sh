#!/bin/sh
test_description='share/examples/sharded-drift: shards profiled apart and merged match the whole'
. ./test-lib.sh
. "$TEST_DIR/lib-drift.sh"

test_expect_success 'the example pipeline runs from end to end' '
	cp -R "$SRC_DIR/share/examples/sharded-drift" ex && cd ex &&
	mlrepo init -q . &&
	pipe-run -q -S rows=40000 &&
	test -f reference.json && test -f drift.json &&
	for i in 0 1 2 3; do test -f profiles/part-$i.json || return 1; done &&
	test "$(cat shards/part-*.csv | grep -vc amount)" = 40000 &&
	test "$(jfield drift <drift.json)" = true &&
	test "$(colfield amount drift <drift.json)" = true &&
	test "$(colfield latency drift <drift.json)" = false &&
	test "$(colfield channel drift <drift.json)" = true
'

test_expect_success 'a second run is cached: nothing runs' '
	cd "$TRASH/ex" &&
	pipe-run -S rows=40000 >out &&
	test_grep "up to date" out
'

test_expect_success 'the merged profile is the whole table'"'"'s: exact parts equal' '
	cd "$TRASH/ex" &&
	drift-check profile data/reference.csv -o whole.json &&
	for f in rows missing count min max; do
		test "$(grep -o "\"$f\":[^,]*" whole.json | sort)" = \
			"$(grep -o "\"$f\":[^,]*" reference.json | sort)" || return 1
	done &&
	test "$(grep -o "\"values\":\[\[\"app\"[^]]*\]" whole.json)" = \
		"$(grep -o "\"values\":\[\[\"app\"[^]]*\]" reference.json)"
'

test_expect_success 'checks against the merged and the whole profile agree within the sketch error' '
	cd "$TRASH/ex" &&
	drift-check --json whole.json data/current.csv >w; test $? = 1 &&
	drift-check --json reference.json data/current.csv >m; test $? = 1 &&
	for c in amount latency channel; do
		test "$(colfield $c drift <w)" = "$(colfield $c drift <m)" &&
		test "$(colfield $c n_reference <w)" = "$(colfield $c n_reference <m)" ||
		return 1
	done &&
	test "$(colfield channel score <w)" = "$(colfield channel score <m)" &&
	near "$(colfield amount score <w)" "$(colfield amount score <m)" 0.02 &&
	near "$(colfield latency score <w)" "$(colfield latency score <m)" 0.02 &&
	drift-check --json -m ks whole.json data/current.csv >w; test $? = 1 &&
	drift-check --json -m ks reference.json data/current.csv >m; test $? = 1 &&
	test "$(colfield amount drift <m)" = true &&
	test "$(colfield latency drift <m)" = false
'

test_done
