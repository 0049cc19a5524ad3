#!/bin/sh
test_description='drift-check --record: severity by streak and by promotion, history, alerts, the drift history domain'
. ./test-lib.sh

# The first value of "key" in one-line JSON (a number, true/false/null or a
# string with its quotes).
jfield() {
	grep -o "\"$1\":\(\"[^\"]*\"\|[^,}]*\)" | head -n 1 | sed "s/^\"$1\"://"
}

# ref.csv and same.csv: x and y are 1..50; far.csv: 51..100.  Every
# column is numeric with 50 distinct values, so the auto method is ks: the
# same values give p = 1 (no drift), disjoint ones p = 2/C(100,50), about
# 2e-29 (drift in both columns, share 1).
test_expect_success 'data that drifts and data that does not' '
	cd "$(new_repo h)" &&
	{ echo x,y && seq 1 50 | sed "s/.*/&,&/"; } >ref.csv &&
	cp ref.csv same.csv &&
	{ echo x,y && seq 51 100 | sed "s/.*/&,&/"; } >far.csv &&
	test "$(wc -l <far.csv)" = 51
'

# check NAME FILE EXPECTED-EXIT EXPECTED-SEVERITY [OPTIONS...]: a recorded
# check of ref.csv against FILE, its exit status and printed severity.
check() {
	ck_name=$1 ck_file=$2 ck_code=$3 ck_sev=$4 &&
	shift 4 &&
	test_expect_code "$ck_code" drift-check --record "$ck_name" "$@" \
		--json ref.csv "$ck_file" >out &&
	test "$(jfield severity <out)" = "\"$ck_sev\""
}

test_expect_success 'none, then warning, warning and critical with K=3' '
	cd "$TRASH/h" &&
	check tx same.csv 0 none &&
	test "$(jfield streak <out)" = 0 &&
	check tx far.csv 1 warning &&
	test "$(jfield streak <out)" = 1 &&
	check tx far.csv 1 warning --escalate-after 3 &&
	check tx far.csv 1 critical &&
	test "$(jfield streak <out)" = 3 &&
	check tx far.csv 1 critical
'

test_expect_success 'a clean check ends the episode: the next drift is a warning' '
	cd "$TRASH/h" &&
	check tx same.csv 0 none &&
	check tx far.csv 1 warning &&
	test "$(jfield streak <out)" = 1
'

test_expect_success '--escalate-after 1 makes every drift critical; 0 is refused' '
	cd "$TRASH/h" &&
	check k1 far.csv 1 critical --escalate-after 1 &&
	check k1 same.csv 0 none --escalate-after 1 &&
	drift-check history k1 >before &&
	test_expect_code 2 drift-check --record k1 --escalate-after 0 \
		ref.csv far.csv 2>err &&
	test_grep "escalate-after" err &&
	drift-check history k1 >after &&
	test_cmp before after
'

test_expect_success 'without --record drift is a warning, whatever came before' '
	cd "$TRASH/h" &&
	test_expect_code 1 drift-check --json ref.csv far.csv >out &&
	test "$(jfield severity <out)" = "\"warning\"" &&
	drift-check --json ref.csv same.csv >out &&
	test "$(jfield severity <out)" = "\"none\""
'

test_expect_success 'a promotion of MODEL inside the episode makes drift critical' '
	cd "$TRASH/h" &&
	mkdir -p m && echo w1 >m/weights.bin &&
	test "$(model-promote register churn m -m auc=0.9)" = 1 &&
	model-promote -q churn:1 --to production &&
	check pm far.csv 1 warning --model churn &&
	echo w2 >m/weights.bin &&
	test "$(model-promote register churn m -m auc=0.91)" = 2 &&
	check pm far.csv 1 warning --model churn &&
	model-promote -q churn:2 --to staging &&
	check pm far.csv 1 critical --model churn &&
	test "$(jfield streak <out)" = 3 &&
	check pm same.csv 0 none --model churn &&
	check pm far.csv 1 warning --model churn
'

test_expect_success 'the promotion counts only with --model, and only for that model' '
	cd "$TRASH/h" &&
	check po far.csv 1 warning --model other --escalate-after 9 &&
	model-promote -q churn:1 --to canary &&
	check po far.csv 1 warning --model other --escalate-after 9 &&
	check pn far.csv 1 warning --escalate-after 9 &&
	model-promote -q churn:2 --to canary &&
	check pn far.csv 1 warning --escalate-after 9
'

test_expect_success 'a rollback is no retraining: it does not escalate' '
	cd "$TRASH/h" &&
	check rb far.csv 1 warning --model churn --escalate-after 9 &&
	model-promote -q rollback churn@canary &&
	check rb far.csv 1 warning --model churn --escalate-after 9
'

test_expect_success 'MODEL need not be in the registry' '
	cd "$TRASH/h" &&
	check nm far.csv 1 warning --model notyet &&
	test_expect_code 2 drift-check --record nm --model "bad model" \
		ref.csv far.csv 2>err &&
	test_grep "bad model" err
'

test_expect_success 'history NAME: the checks oldest first, then each column'"'"'s trend' '
	cd "$TRASH/h" &&
	drift-check history tx >hist &&
	sed "/^\$/,\$d" hist >checks &&
	cut -f2 checks >sev &&
	printf "%s\n" none warning warning critical critical none warning >expect &&
	test_cmp expect sev &&
	cut -f5 checks | tr "\n" " " >streaks &&
	test "$(cat streaks)" = "0 1 2 3 4 0 1 " &&
	cut -f4 checks | sort -u >drifted &&
	printf "0/2\n2/2\n" >expect &&
	test_cmp expect drifted &&
	sed "1,/^\$/d" hist >trends &&
	test "$(cut -f1 trends | tr "\n" " ")" = "x y " &&
	test "$(grep "^x" trends | cut -f2,3)" = "$(printf "ks\t5/7")" &&
	grep "^x" trends | cut -f5 | tr , "\n" >scores &&
	test "$(wc -l <scores)" = 7 &&
	test "$(sed -n 1p scores)" = 1 && test "$(sed -n 6p scores)" = 1 &&
	awk "NR != 1 && NR != 6 && !(\$1 > 0 && \$1 < 1e-20) { bad = 1 }
		END { exit bad }" scores
'

test_expect_success 'history --header names the columns of both listings' '
	cd "$TRASH/h" &&
	drift-check history --header tx >hist &&
	test "$(head -n 1 hist)" = "$(printf "TIME\tSEVERITY\tSHARE\tDRIFTED\tSTREAK\tMODEL")" &&
	sed "1,/^\$/d" hist | head -n 1 >trend-head &&
	test "$(cat trend-head)" = "$(printf "COLUMN\tMETHOD\tDRIFTED\tLAST\tTREND")"
'

test_expect_success 'history --json: one object a check, with its scores' '
	cd "$TRASH/h" &&
	drift-check history pm --json >hist &&
	test "$(wc -l <hist)" = 5 &&
	sed -n 3p hist >third &&
	test "$(jfield severity <third)" = "\"critical\"" &&
	test "$(jfield model <third)" = "\"churn\"" &&
	test "$(jfield streak <third)" = 3 &&
	test "$(jfield drift <third)" = true &&
	test "$(jfield number_of_columns <third)" = 2 &&
	first_time=$(sed -n 1p hist | jfield time) &&
	test "$(jfield episode_start <third)" = "$first_time" &&
	grep -q "\"columns\":{\"x\":[0-9.e-]*,\"y\":[0-9.e-]*}" third &&
	sed -n 4p hist >fourth &&
	test "$(jfield episode_start <fourth)" = null &&
	grep -q "\"columns\":{\"x\":1,\"y\":1}" fourth &&
	test "$(jfield id <third | tr -d \" | wc -c)" = 33
'

test_expect_success 'history of a NAME with no checks, or a bad NAME, is exit 2' '
	cd "$TRASH/h" &&
	test_expect_code 2 drift-check history nosuch 2>err &&
	test_grep "no drift checks recorded as .nosuch." err &&
	test_expect_code 2 drift-check history 9x 2>err &&
	test_grep "9x" err &&
	test_expect_code 2 drift-check history 2>err &&
	test_expect_code 2 drift-check --record 9x ref.csv far.csv 2>err &&
	test_grep "9x" err
'

test_expect_success '--on-drift runs CMD with DRIFT_NAME, DRIFT_SEVERITY, DRIFT_COLUMNS' '
	cd "$TRASH/h" &&
	mkdir -p sub &&
	(
		cd sub &&
		test_expect_code 1 drift-check --record od --json \
			--on-drift "echo \"\$DRIFT_NAME \$DRIFT_SEVERITY \$DRIFT_COLUMNS\" >env.txt; pwd >>env.txt; echo noise" \
			../ref.csv ../far.csv >out 2>err
	) &&
	printf "od warning x,y\n%s\n" "$TRASH/h/sub" >expect &&
	test_cmp expect sub/env.txt &&
	test "$(wc -l <sub/out)" = 1 &&
	test "$(jfield severity <sub/out)" = "\"warning\"" &&
	test_grep "^noise\$" sub/err
'

test_expect_success '--on-drift does not run on a clean check; a failing CMD warns' '
	cd "$TRASH/h" &&
	drift-check --record od --on-drift "echo ran >ran.txt" ref.csv same.csv &&
	! test -e ran.txt &&
	test_expect_code 1 drift-check -q --record od --on-drift "exit 7" \
		ref.csv far.csv 2>err &&
	! test_grep "status 7" err &&
	test_expect_code 1 drift-check --record od --on-drift "exit 7" \
		--json ref.csv far.csv >out 2>err &&
	test_grep "warning: --on-drift command exited with status 7" err &&
	test "$(jfield severity <out)" = "\"warning\""
'

test_expect_success 'without --record, --on-drift gets an empty DRIFT_NAME' '
	cd "$TRASH/h" &&
	test_expect_code 1 drift-check --on-drift "echo \"[\$DRIFT_NAME] \$DRIFT_SEVERITY\" >env.txt" \
		ref.csv far.csv >/dev/null &&
	test "$(cat env.txt)" = "[] warning"
'

test_expect_success 'hooks/on-drift NAME SEVERITY runs at the top of the work tree' '
	cd "$TRASH/h" &&
	cat >.mlrepo/hooks/on-drift <<-\EOF &&
	#!/bin/sh
	echo "$1 $2 $DRIFT_NAME $DRIFT_SEVERITY $DRIFT_COLUMNS $(pwd) $MLREPO_DIR" >>hook.log
	echo hook-stdout
	EOF
	chmod +x .mlrepo/hooks/on-drift &&
	test_when_finished "rm -f .mlrepo/hooks/on-drift hook.log" &&
	(
		cd sub &&
		test_expect_code 1 drift-check --record hk --escalate-after 2 \
			--json --on-drift "echo cmd >>../hook.log" \
			../ref.csv ../far.csv >out 2>err &&
		drift-check --record hk ../ref.csv ../same.csv >/dev/null &&
		test_expect_code 1 drift-check --record hk --escalate-after 1 \
			--json ../ref.csv ../far.csv >out2 2>err2
	) &&
	printf "%s\n" cmd \
		"hk warning hk warning x,y $TRASH/h $TRASH/h/.mlrepo" \
		"hk critical hk critical x,y $TRASH/h $TRASH/h/.mlrepo" >expect &&
	test_cmp expect hook.log &&
	test "$(wc -l <sub/out)" = 1 &&
	test_grep "^hook-stdout\$" sub/err
'

test_expect_success 'hooks/on-drift runs for a check that is not recorded too' '
	cd "$TRASH/h" &&
	printf "#!/bin/sh\necho \"[\$1] \$2 [\$DRIFT_NAME] \$DRIFT_COLUMNS\" >>hook2.log\n" \
		>.mlrepo/hooks/on-drift &&
	chmod +x .mlrepo/hooks/on-drift &&
	test_when_finished "rm -f .mlrepo/hooks/on-drift hook2.log" &&
	test_expect_code 1 drift-check -q ref.csv far.csv &&
	drift-check -q ref.csv same.csv &&
	echo "[] warning [] x,y" >expect &&
	test_cmp expect hook2.log
'

test_expect_success 'a failing hook warns; the check still exits 1; no hook without the x bit' '
	cd "$TRASH/h" &&
	printf "#!/bin/sh\nexit 4\n" >.mlrepo/hooks/on-drift &&
	chmod +x .mlrepo/hooks/on-drift &&
	test_when_finished "rm -f .mlrepo/hooks/on-drift" &&
	test_expect_code 1 drift-check --record hf ref.csv far.csv >/dev/null 2>err &&
	test_grep "on-drift hook exited with status 4" err &&
	printf "#!/bin/sh\necho ran >ran.txt\n" >.mlrepo/hooks/on-drift &&
	chmod -x .mlrepo/hooks/on-drift &&
	test_expect_code 1 drift-check --record hf ref.csv far.csv >/dev/null 2>err &&
	! test -e ran.txt &&
	! test_grep "hook" err
'

test_expect_success 'each check is a drift.check event with severity, share and columns' '
	cd "$TRASH/h" &&
	mlrepo log --json >log &&
	grep "\"action\":\"drift.check\"" log | grep "\"subject\":\"pm\"" >pm &&
	test "$(wc -l <pm)" = 5 &&
	grep -q "critical" pm &&
	grep -q "x" pm
'

# Names recorded in h: tx k1 pm po pn rb nm od hk hf; all but k1 end in drift.
test_expect_success 'mlrepo status counts checks, names and open episodes; fsck is clean' '
	cd "$TRASH/h" &&
	total=0 &&
	for n in tx k1 pm po pn rb nm od hk hf; do
		drift-check history $n --json >n.jsonl &&
		total=$((total + $(wc -l <n.jsonl))) || exit 1
	done &&
	mlrepo status >st &&
	test_grep "^drift checks:    $total (10 names, 9 open episodes)\$" st &&
	mlrepo status --json >st.json &&
	test_grep "\"drift_checks\":$total," st.json &&
	test_grep "\"drift_names\":10," st.json &&
	test_grep "\"drift_open_episodes\":9" st.json &&
	mlrepo fsck
'

test_expect_success SQLITE3 'fsck finds a damaged check' '
	cd "$(new_repo dmg)" &&
	{ echo x && seq 1 50; } >a.csv && { echo x && seq 51 100; } >b.csv &&
	test_expect_code 1 drift-check --record d a.csv b.csv >/dev/null &&
	mlrepo fsck &&
	sqlite3 .mlrepo/catalog.db "UPDATE drift_checks SET severity = '\''none'\''" &&
	test_expect_code 1 mlrepo fsck >out 2>&1 &&
	test_grep "1 drift checks whose severity" out
'

test_expect_success 'bundles carry the checks; the next check goes on from them' '
	cd "$TRASH/h" &&
	drift-check history tx >expect &&
	mlrepo bundle create ../h.bundle &&
	cd "$(new_repo h2)" &&
	mlrepo bundle unbundle ../h.bundle &&
	drift-check history tx >got &&
	test_cmp ../h/expect got &&
	cp ../h/ref.csv ../h/far.csv . &&
	check tx far.csv 1 warning &&
	test "$(jfield streak <out)" = 2 &&
	check tx far.csv 1 critical &&
	mlrepo fsck
'

test_expect_success '--record outside a repository is exit 3; a plain check works there' '
	test_when_finished "rm -rf /tmp/mlrepo-norepo.$$" &&
	mkdir -p /tmp/mlrepo-norepo.$$ && cp "$TRASH/h/ref.csv" "$TRASH/h/far.csv" /tmp/mlrepo-norepo.$$ &&
	cd /tmp/mlrepo-norepo.$$ &&
	test_expect_code 3 drift-check --record tx ref.csv far.csv 2>err &&
	test_grep "not in an mlrepo repository" err &&
	test_expect_code 3 drift-check history tx 2>err &&
	test_expect_code 1 drift-check --json --on-drift "echo \$DRIFT_SEVERITY >sev.txt" ref.csv far.csv >out &&
	test "$(jfield severity <out)" = "\"warning\"" &&
	test "$(cat sev.txt)" = warning
'

test_done
