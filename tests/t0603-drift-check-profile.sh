#!/bin/sh
test_description='drift-check profile and merge: references without raw data'
. ./test-lib.sh
. "$TEST_DIR/lib-drift.sh"

# The halves of the Mauna Loa record (tests/data/drift, from
# ../shared/data/co2.csv) and 500-row windows of them, which a sketch
# (exact up to 1000 numbers) holds whole.
test_expect_success 'setup' '
	mkdir p && cd p &&
	cp "$SRC_DIR/tests/data/drift/co2-early.csv" early.csv &&
	cp "$SRC_DIR/tests/data/drift/co2-late.csv" late.csv &&
	head -n 501 early.csv >w1.csv &&
	{ head -n 1 early.csv; sed -n "502,1001p" early.csv; } >w2.csv &&
	{ head -n 1 late.csv; sed -n "2,501p" late.csv; } >w3.csv &&
	test_line_count = 501 w2.csv
'

test_expect_success 'profile needs no repository; -o - writes to stdout' '
	test_when_finished "rm -rf /tmp/mlrepo-norepo-dcp.$$" &&
	mkdir /tmp/mlrepo-norepo-dcp.$$ && cp "$TRASH"/p/w1.csv /tmp/mlrepo-norepo-dcp.$$ &&
	cd /tmp/mlrepo-norepo-dcp.$$ &&
	drift-check profile w1.csv -o w1.json &&
	drift-check profile w1.csv -o - >w1-stdout.json &&
	cmp w1.json w1-stdout.json &&
	test_grep "\"format\":\"mlrepo-profile\"" w1.json &&
	drift-check merge w1.json w1.json -o twice.json &&
	test_grep "\"rows\":1000" twice.json
'

test_expect_success 'a profile is deterministic' '
	cd "$TRASH/p" &&
	drift-check profile early.csv -o a.json &&
	drift-check profile early.csv -o b.json &&
	cmp a.json b.json
'

# While the sketch holds every value, a check against a profile is the
# check against the raw file, to the last bit, for every method a profile
# can run.
for m in ks wasserstein energy psi kl_div jensenshannon hellinger t_test welch chisquare z; do
	test_expect_success "small columns: $m on a profile equals $m on the file" "
		cd \"\$TRASH/p\" &&
		drift-check profile w1.csv -o w1.json &&
		case $m in chisquare|z) cols=--categorical=co2 ;; *) cols= ;; esac &&
		drift-check --json --method $m \$cols w1.csv w3.csv >raw; test \$? -le 1 &&
		drift-check --json --method $m \$cols w1.json w3.csv >prof; test \$? -le 1 &&
		for c in date co2; do
			test \"\$(colfield \$c score <raw)\" = \"\$(colfield \$c score <prof)\" ||
			{ echo \"\$c: \$(colfield \$c score <raw) vs \$(colfield \$c score <prof)\"; return 1; }
		done
	"
done

test_expect_success 'methods that need raw values are refused with a profile' '
	cd "$TRASH/p" &&
	for m in anderson cramer_von_mises mannw mannwhitney; do
		test_expect_code 2 drift-check --method $m a.json late.csv 2>err &&
		test_grep "needs the reference.s values, not a profile" err ||
		return 1
		# a sketch that holds every value runs them, exactly
		drift-check --json --method $m w1.csv w3.csv >raw
		drift-check --json --method $m w1.json w3.csv >prof
		test "$(colfield co2 score <raw)" = "$(colfield co2 score <prof)" ||
		return 1
	done
'

test_expect_success 'large columns: scores from sketches stay near the exact ones' '
	cd "$TRASH/p" &&
	drift-check --json early.csv late.csv >raw; test $? = 1 &&
	drift-check --json a.json late.csv >prof; test $? = 1 &&
	test "$(colfield co2 method <prof)" = wasserstein &&
	near "$(colfield co2 score <raw)" "$(colfield co2 score <prof)" 0.01 &&
	near "$(colfield date score <raw)" "$(colfield date score <prof)" 0.01 &&
	drift-check --json -m psi early.csv late.csv >raw; test $? = 1 &&
	drift-check --json -m psi a.json late.csv >prof; test $? = 1 &&
	test "$(colfield co2 drift <prof)" = true &&
	drift-check --json -m ks early.csv early.csv >raw &&
	drift-check --json -m ks a.json early.csv >prof &&
	test "$(colfield co2 drift <prof)" = false &&
	test "$(colfield co2 score <prof)" = 1
'

test_expect_success 'merge: shards give the whole (counts, extremes; checks agree)' '
	cd "$TRASH/p" &&
	drift-check profile w1.csv -o s1.json &&
	drift-check profile w2.csv -o s2.json &&
	{ cat w1.csv; sed 1d w2.csv; } >w12.csv &&
	drift-check profile w12.csv -o whole.json &&
	drift-check merge s1.json s2.json -o merged.json &&
	for f in rows missing count min max; do
		test "$(grep -o "\"$f\":[^,]*" whole.json | sort)" = \
			"$(grep -o "\"$f\":[^,]*" merged.json | sort)" || return 1
	done &&
	drift-check --json whole.json late.csv >a; test $? = 1 &&
	drift-check --json merged.json late.csv >b; test $? = 1 &&
	near "$(colfield co2 score <a)" "$(colfield co2 score <b)" 1e-9 &&
	drift-check profile w1.csv w2.csv -o two.json &&
	cmp two.json merged.json
'

test_expect_success 'a profile as CURRENT, and profile against profile' '
	cd "$TRASH/p" &&
	drift-check profile late.csv -o late.json &&
	test_expect_code 1 drift-check -q early.csv late.json &&
	test_expect_code 1 drift-check -q a.json late.json &&
	test_expect_code 0 drift-check -q a.json a.json
'

test_expect_success 'categories past the cap: numeric methods work, category tests are refused' '
	cd "$TRASH/p" &&
	{ echo id,v; for i in $(seq 1 1500); do echo "u$i,$((i % 50))"; done; } >ids.csv &&
	drift-check profile ids.csv -o ids.json &&
	test_grep "\"values_over_cap\":true" ids.json &&
	test_expect_code 2 drift-check --columns id ids.json ids.csv 2>err &&
	test_grep "id" err &&
	drift-check --json --columns v ids.json ids.csv >j &&
	test "$(colfield v drift <j)" = false
'

test_expect_success 'bad profiles and bad input are exit 2 and name the file' '
	cd "$TRASH/p" &&
	sed "s/\"rows\":500/\"rows\":-4/" w1.json >bad.json &&
	! cmp -s bad.json w1.json &&
	test_expect_code 2 drift-check bad.json late.csv 2>err &&
	test_grep "bad.json" err &&
	head -c 300 w1.json >cut.json &&
	test_expect_code 2 drift-check cut.json late.csv 2>err &&
	test_grep "cut.json" err &&
	test_expect_code 2 drift-check merge w1.json early.csv -o m.json 2>err &&
	test_grep "early.csv" err && ! test -e m.json &&
	test_expect_code 2 drift-check profile nosuch.csv -o n.json 2>err &&
	test_grep "nosuch.csv" err && ! test -e n.json &&
	test_expect_code 2 drift-check profile early.csv 2>err &&
	test_expect_code 2 drift-check merge -o m.json 2>err
'

test_done
