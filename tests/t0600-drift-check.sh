#!/bin/sh
test_description='drift-check: the check from the command line: types, auto choice, outputs, missing values, fs: inputs, bad input'
. ./test-lib.sh
. "$TEST_DIR/lib-drift.sh"

# Fixed data: x moves up by half its range, y stays, c is categorical
# (three labels) and its mix changes, b is binary and stays, t is text and
# loses two of its four labels: 3 of 5 columns drift.
test_expect_success 'setup: small tables outside any repository' '
	mkdir plain && cd plain &&
	{
		echo x,y,c,b,t &&
		for i in $(seq 1 60); do
			echo "$i,$((i % 17)),$(echo a b c | cut -d" " -f$((i % 3 + 1))),$((i % 2)),w$((i % 4))"
		done
	} >ref.csv &&
	{
		echo x,y,c,b,t &&
		for i in $(seq 1 60); do
			echo "$((i + 30)),$((i % 17)),$(echo a a c | cut -d" " -f$((i % 3 + 1))),$((i % 2)),w$((i % 2))"
		done
	} >cur.csv &&
	cp ref.csv same.csv
'

test_expect_success 'two files need no repository; exit 1 on drift, 0 without' '
	test_when_finished "rm -rf /tmp/mlrepo-norepo-dc.$$" &&
	mkdir /tmp/mlrepo-norepo-dc.$$ &&
	cp "$TRASH"/plain/*.csv /tmp/mlrepo-norepo-dc.$$ &&
	cd /tmp/mlrepo-norepo-dc.$$ &&
	test_expect_code 1 drift-check ref.csv cur.csv >out &&
	test_grep "^drift detected: 3 of 5 columns drifted" out &&
	test_expect_code 0 drift-check ref.csv same.csv >out &&
	test_grep "^no drift: 0 of 5 columns drifted" out
'

test_expect_success 'types and the auto choice (n <= 1000)' '
	cd "$TRASH/plain" &&
	test_expect_code 1 drift-check --json ref.csv cur.csv >j &&
	test "$(colfield x type <j)" = num &&
	test "$(colfield x method <j)" = ks &&
	test "$(colfield y type <j)" = num &&
	test "$(colfield c type <j)" = cat &&
	test "$(colfield c method <j)" = chisquare &&
	test "$(colfield b type <j)" = cat &&
	test "$(colfield b method <j)" = z &&
	test "$(colfield t type <j)" = cat &&
	test "$(colfield t method <j)" = chisquare &&
	test "$(colfield t drift <j)" = true &&
	test "$(colfield x drift <j)" = true &&
	test "$(colfield y drift <j)" = false &&
	test "$(colfield c drift <j)" = true
'

test_expect_success 'the auto choice above 1000 reference values' '
	cd "$TRASH/plain" &&
	{ echo v,k; for i in $(seq 1 1500); do echo "$((i % 97)),k$((i % 7))"; done; } >big.csv &&
	test_expect_code 0 drift-check --json big.csv big.csv >j &&
	test "$(colfield v method <j)" = wasserstein &&
	test "$(colfield k method <j)" = jensenshannon &&
	test "$(colfield v score <j)" = 0 &&
	test "$(colfield k score <j)" = 0
'

test_expect_success '--json has every field the issue names' '
	cd "$TRASH/plain" &&
	test_expect_code 1 drift-check --json ref.csv cur.csv >j &&
	test "$(wc -l <j)" = 1 &&
	for f in drift share_of_drifted_columns drift_share drifted_columns \
		number_of_columns severity columns; do
		test_grep "\"$f\":" j || return 1
	done &&
	for f in column type method score threshold drift missing_reference \
		missing_current; do
		test "$(tr "{" "\n" <j | grep -c "\"$f\":")" -ge 5 ||
		{ echo "field $f missing" >&2; return 1; }
	done &&
	test "$(jfield drift <j)" = true &&
	test "$(jfield share_of_drifted_columns <j)" = 0.6 &&
	test "$(jfield drift_share <j)" = 0.5 &&
	test "$(jfield drifted_columns <j)" = 3 &&
	test "$(jfield number_of_columns <j)" = 5 &&
	test "$(jfield severity <j)" = "\"warning\""
'

test_expect_success 'the data set drifts at share >= --drift-share' '
	cd "$TRASH/plain" &&
	test_expect_code 1 drift-check --drift-share 0.6 -q ref.csv cur.csv &&
	test_expect_code 0 drift-check --drift-share 0.61 -q ref.csv cur.csv &&
	drift-check --drift-share 0.61 --json ref.csv cur.csv >j &&
	test "$(jfield drift <j)" = false &&
	test "$(jfield severity <j)" = "\"none\""
'

test_expect_success 'markdown, the table in a pipe, -q prints nothing' '
	cd "$TRASH/plain" &&
	test_expect_code 1 drift-check --format markdown ref.csv cur.csv >md &&
	test_grep "^| column | type | method | score | threshold | drifted |" md &&
	test_grep "^| x | num | ks | .* | 0.05 | \*\*yes\*\* |" md &&
	test_expect_code 1 drift-check ref.csv cur.csv >tsv &&
	printf "x\tnum\tks\t" >want &&
	head -c "$(wc -c <want)" tsv >got && test_cmp want got &&
	test_expect_code 1 drift-check --header ref.csv cur.csv >tsv &&
	head -n 1 tsv | grep "^COLUMN	TYPE	METHOD	SCORE	THRESHOLD	DRIFTED" &&
	test_expect_code 1 drift-check -q ref.csv cur.csv >out 2>err &&
	test_line_count = 0 out && test_line_count = 0 err
'

test_expect_success '--method, --column-method, --threshold, --column-threshold' '
	cd "$TRASH/plain" &&
	drift-check --json --method psi ref.csv same.csv >j &&
	test "$(colfield x method <j)" = psi &&
	test "$(colfield c method <j)" = psi &&
	drift-check --json --method ks ref.csv same.csv >j &&
	test "$(colfield x method <j)" = ks &&
	test "$(colfield c method <j)" = chisquare &&
	drift-check --json --column-method x=t_test --column-method c=hellinger ref.csv same.csv >j &&
	test "$(colfield x method <j)" = t_test &&
	test "$(colfield c method <j)" = hellinger &&
	test "$(colfield y method <j)" = ks &&
	test_expect_code 1 drift-check --json --columns y --threshold 1.01 ref.csv cur.csv >j &&
	test "$(colfield y drift <j)" = true &&
	test_expect_code 0 drift-check --json --columns x --column-threshold x=0 ref.csv cur.csv >j &&
	test "$(colfield x threshold <j)" = 0
'

test_expect_success '--columns, --exclude, --categorical, --numeric' '
	cd "$TRASH/plain" &&
	test_expect_code 1 drift-check --json --columns x,c ref.csv cur.csv >j &&
	test "$(jfield number_of_columns <j)" = 2 &&
	test_expect_code 0 drift-check --json --exclude x --exclude c,t ref.csv cur.csv >j &&
	test "$(jfield number_of_columns <j)" = 2 &&
	drift-check --json --categorical y ref.csv same.csv >j &&
	test "$(colfield y type <j)" = cat &&
	test "$(colfield y method <j)" = chisquare &&
	drift-check --json --numeric b ref.csv same.csv >j &&
	test "$(colfield b type <j)" = num &&
	test "$(colfield b method <j)" = z &&
	test "$(colfield b score <j)" = 1 &&
	drift-check --json --numeric b --column-method b=ks ref.csv same.csv >j &&
	test "$(colfield b method <j)" = ks &&
	test "$(colfield b score <j)" = 1
'

test_expect_success 'missing values: left out, shares reported, a change over 0.1 marked' '
	cd "$TRASH/plain" &&
	{ echo m,n; for i in $(seq 1 40); do echo "$i,$i"; done; } >mr.csv &&
	{ echo m,n; for i in $(seq 1 40); do
		if [ $((i % 4)) = 0 ]; then echo ",$i"; else echo "$i,nan"; fi; done; } >mc.csv &&
	drift-check --json mr.csv mc.csv >j; test $? -le 1 &&
	test "$(colfield m missing_reference <j)" = 0 &&
	test "$(colfield m missing_current <j)" = 0.25 &&
	test "$(colfield m missing_share_changed <j)" = true &&
	test "$(colfield m n_current <j)" = 30 &&
	test "$(colfield n missing_current <j)" = 0.75 &&
	drift-check mr.csv mc.csv >out; test $? -le 1 &&
	test_grep "missing 0.0% -> 25.0%" out
'

test_expect_success 'an all-missing column has no score and does not drift' '
	cd "$TRASH/plain" &&
	{ echo a,z; for i in $(seq 1 20); do echo "$i,"; done; } >za.csv &&
	{ echo a,z; for i in $(seq 1 20); do echo "$i,$i"; done; } >zb.csv &&
	test_expect_code 0 drift-check --json za.csv zb.csv >j &&
	test "$(colfield z score <j)" = null &&
	test "$(colfield z drift <j)" = false &&
	test "$(colfield z missing_reference <j)" = 1 &&
	test "$(colfield z missing_share_changed <j)" = true
'

test_expect_success 'a category only in current: chisquare p = 0, drift' '
	cd "$TRASH/plain" &&
	{ echo k; for i in $(seq 1 30); do echo "k$((i % 3))"; done; } >ka.csv &&
	{ echo k; for i in $(seq 1 30); do echo "k$((i % 4))"; done; } >kb.csv &&
	test_expect_code 1 drift-check --json ka.csv kb.csv >j &&
	test "$(colfield k method <j)" = chisquare &&
	test "$(colfield k score <j)" = 0 &&
	test "$(colfield k drift <j)" = true
'

test_expect_success 'one side from stdin; JSON Lines and TSV inputs' '
	cd "$TRASH/plain" &&
	test_expect_code 1 drift-check -q - cur.csv <ref.csv &&
	test_expect_code 0 drift-check -q ref.csv - <same.csv &&
	tr , "\t" <ref.csv >ref.tsv &&
	test_expect_code 0 drift-check -q ref.tsv same.csv &&
	awk -F, "NR > 1 { printf \"{\\\"x\\\":%s,\\\"c\\\":\\\"%s\\\"}\\n\", \$1, \$3 }" same.csv >same.jsonl &&
	test_expect_code 0 drift-check --json ref.csv same.jsonl >j &&
	test "$(jfield number_of_columns <j)" = 2
'

test_expect_success '--html writes one self-contained page with an SVG per column' '
	cd "$TRASH/plain" &&
	test_expect_code 1 drift-check -q --html report.html ref.csv cur.csv &&
	test "$(grep -c "<svg" report.html)" = 5 &&
	test_grep "<rect class=\"ref\"" report.html &&
	test_grep "<rect class=\"cur\"" report.html &&
	! grep -i "<script\|<link\|src=" report.html &&
	test "$(grep -o "https\?://[^\"]*" report.html | sort -u)" = "http://www.w3.org/2000/svg"
'

test_expect_success 'long columns (past 2 MiB each), from a file and from stdin; numbers then text' '
	cd "$TRASH/plain" &&
	awk "BEGIN { print \"x,m\"; for (i = 1; i <= 300000; i++)
		print i \",\" (i < 300000 ? i % 1000 : \"txt\") }" >long.csv &&
	drift-check --json long.csv long.csv >j &&
	test "$(colfield x method <j)" = wasserstein &&
	test "$(colfield x score <j)" = 0 &&
	test "$(colfield x n_reference <j)" = 300000 &&
	test "$(colfield m type <j)" = cat &&
	test "$(colfield m score <j)" = 0 &&
	drift-check --json - long.csv <long.csv >j2 &&
	sed "s/.*\"columns\"//" j >c1 && sed "s/.*\"columns\"//" j2 >c2 &&
	test_cmp c1 c2 &&
	awk -F, "NR == 1 || NR % 2" long.csv >half.csv &&
	drift-check --json --columns x long.csv half.csv >j &&
	test "$(colfield x n_current <j)" = 150000 &&
	test "$(colfield x drift <j)" = false
'

test_expect_success 'bad input is exit 2 with one line naming it' '
	cd "$TRASH/plain" &&
	test_expect_code 2 drift-check ref.csv nosuch.csv 2>err &&
	test_grep "nosuch.csv" err && test_line_count = 1 err &&
	printf "x,y\n1,2\n3\n" >ragged.csv &&
	test_expect_code 2 drift-check ref.csv ragged.csv 2>err &&
	test_grep "ragged.csv.* line 3" err &&
	test_expect_code 2 drift-check --method nosuch ref.csv cur.csv 2>err &&
	test_grep "unknown method .nosuch." err &&
	test_expect_code 2 drift-check --column-method x=nosuch ref.csv cur.csv 2>err &&
	test_grep "unknown method .nosuch." err &&
	test_expect_code 2 drift-check --column-method c=ks ref.csv cur.csv 2>err &&
	test_grep "column .c. is categorical; method .ks. takes numeric" err &&
	test_expect_code 2 drift-check --columns nosuch ref.csv cur.csv 2>err &&
	test_grep "no column .nosuch." err &&
	test_expect_code 2 drift-check --categorical nosuch ref.csv cur.csv 2>err &&
	test_expect_code 2 drift-check --numeric t ref.csv cur.csv 2>err &&
	test_grep "column .t. of .reference. holds text" err &&
	test_expect_code 2 drift-check --drift-share 1.5 ref.csv cur.csv &&
	test_expect_code 2 drift-check --threshold abc ref.csv cur.csv &&
	test_expect_code 2 drift-check --correction holm ref.csv cur.csv &&
	test_expect_code 2 drift-check --format xml ref.csv cur.csv &&
	test_expect_code 2 drift-check ref.csv &&
	test_expect_code 2 drift-check - - <ref.csv &&
	echo other >other.csv && echo 1 >>other.csv &&
	test_expect_code 2 drift-check ref.csv other.csv 2>err &&
	test_grep "no column in common" err
'

test_expect_success 'repository inputs outside a repository are exit 3' '
	test_when_finished "rm -rf /tmp/mlrepo-norepo-dc.$$" &&
	mkdir /tmp/mlrepo-norepo-dc.$$ &&
	cp "$TRASH"/plain/ref.csv /tmp/mlrepo-norepo-dc.$$ &&
	cd /tmp/mlrepo-norepo-dc.$$ &&
	test_expect_code 3 drift-check fs:tx ref.csv 2>err &&
	test_grep "not in an mlrepo repository" err
'

test_expect_success 'fs:GROUP@FROM..TO reads a feature group window, features only' '
	cd "$(new_repo fsrepo)" &&
	fs-ingest define tx --entity id:int --timestamp ts \
		--feature amount:float --feature kind:string 2>/dev/null &&
	{
		echo id,ts,amount,kind &&
		for d in $(seq 10 28); do
			for i in $(seq 1 20); do
				echo "$i,2026-01-${d}T00:00:00Z,$((i + (d > 19 ? 30 : 0))),k$((i % 3))"
			done
		done
	} >tx.csv &&
	fs-ingest -q tx tx.csv &&
	test_expect_code 1 drift-check --json fs:tx@2026-01-10..2026-01-19 \
		fs:tx@2026-01-20..2026-01-28 >j &&
	test "$(jfield number_of_columns <j)" = 2 &&
	test "$(colfield amount drift <j)" = true &&
	test "$(colfield amount n_reference <j)" = 200 &&
	test "$(colfield amount n_current <j)" = 180 &&
	test "$(colfield kind drift <j)" = false &&
	test_expect_code 0 drift-check -q fs:tx@2026-01-10..2026-01-14 \
		fs:tx@2026-01-15..2026-01-19 &&
	test_expect_code 2 drift-check fs:nosuch fs:tx 2>err &&
	test_grep "nosuch" err &&
	test_expect_code 2 drift-check "fs:tx@yesterdayish..now" fs:tx 2>err
'

test_done
