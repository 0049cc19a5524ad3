#!/bin/sh
test_description='exp-log filters: NaN apart from missing, infinities, MLflow attribute names, times in ms, the current value'
. ./test-lib.sh

. "$TEST_DIR/lib-exp-log.sh"

test_expect_success 'setup: four runs' 'four_runs'

test_expect_success 'NaN is not missing: not IS NULL, no comparison, between numbers and missing' '
	check "metrics.auc IS NULL" "" &&
	check "metrics.auc IS NOT NULL" "alpha beta delta gamma" &&
	check "metrics.auc != 0.85" "alpha gamma" &&
	check "NOT metrics.auc < 2" "" &&
	check "metrics.auc = '\''nan'\''" "" &&
	check "metrics.auc IN (0.85, 0.91)" "alpha beta" &&
	check "metrics.auc NOT IN (0.85)" "alpha gamma" &&
	check "metrics.auc + 1 > 0" "alpha beta gamma" &&
	e=$(exp-log start -e B -n epsilon) &&
	exp-log metric -r $e loss=0.1 &&
	check "metrics.auc IS NULL" "epsilon" &&
	for dir in ASC DESC; do
		exp-log ls -e B --order-by "metrics.auc $dir" >ls.out &&
		cut -f3 ls.out | tr "\n" " " >got &&
		test "$(cat got)" = "gamma delta epsilon " || return 1
	done &&
	exp-log ls -e B --columns metrics.auc >ls.out &&
	test_grep "	delta	.*	nan$" ls.out &&
	exp-log export -e B --format csv >out.csv &&
	test_grep ",delta,.*,nan,0.2,0.5$" out.csv &&
	exp-log diff $(exp-log ls -e B --ids) >diff.out &&
	test_grep "metrics.auc	.*nan" diff.out &&
	test "$(exp-log best -e B -m auc)" = "$(exp-log ls -e B --filter "name = '\''gamma'\''" --ids)" &&
	exp-log rm $e
'

test_expect_success 'infinities compare as numbers, written in quotes' '
	i=$(exp-log start -e C -n infinite) &&
	exp-log metric -r $i up=inf down=-inf &&
	check "metrics.up = '\''inf'\''" "infinite" &&
	check "metrics.up > 1e308" "infinite" &&
	check "metrics.down < '\''-1e308'\''" "infinite" &&
	check "metrics.down = '\''-Infinity'\''" "infinite" &&
	check "metrics.up < '\''Infinity'\''" "" &&
	exp-log rm $i
'

test_expect_success 'MLflow attribute names, prefixes and statuses' '
	set -- $(cat ids) &&
	check "attributes.run_name = '\''beta'\''" "beta" &&
	check "\`Run name\` = '\''beta'\''" "beta" &&
	check "attr.\`run name\` LIKE '\''%ta'\''" "beta delta" &&
	check "run.run_id = '\''$2'\''" "beta" &&
	check "attribute.run_id IN ('\''$1'\'', '\''$2'\'')" "alpha beta" &&
	check "tags.mlflow.runName = '\''gamma'\''" "gamma" &&
	check "tags.\`mlflow.runName\` != '\''gamma'\''" "alpha beta delta" &&
	check "status = '\''RUNNING'\''" "alpha beta delta gamma" &&
	check "attributes.status IN ('\''FINISHED'\'', '\''SCHEDULED'\'')" "" &&
	check "status LIKE '\''RUN%'\''" "alpha beta delta gamma" &&
	check "status ILIKE '\''run%'\''" "alpha beta delta gamma" &&
	check "user_id = '\''$(id -un)'\''" "alpha beta delta gamma" &&
	check "artifact_uri = '\''runs:/$3'\''" "gamma" &&
	check "created = start_time" "alpha beta delta gamma"
'

test_expect_success 'times against numbers are milliseconds since the epoch' '
	set -- $(cat ids) &&
	exp-log show $1 --json >show.json &&
	ms=$(python3 -c "
import json, sys, datetime
t = json.load(open(\"show.json\"))[\"start_time\"]
d = datetime.datetime.strptime(t, \"%Y-%m-%dT%H:%M:%S.%fZ\")
d = d.replace(tzinfo=datetime.timezone.utc)
print(int(d.timestamp() * 1000000) // 1000)") &&
	check "run_id = '\''$1'\'' AND start_time = $ms" "alpha" &&
	check "run_id = '\''$1'\'' AND created >= $ms AND created < $ms + 1" "alpha" &&
	check "run_id = '\''$1'\'' AND start_time > $ms" "" &&
	check "run_id = '\''$1'\'' AND start_time = ${ms}000" "" &&
	exp-log end -r $1 &&
	check "end_time - start_time >= 0 AND end_time - start_time < 600000" "alpha"
'

test_expect_success 'the current value: largest step, then latest time, then largest value' '
	c=$(exp-log start -e D -n cur) &&
	exp-log metric -r $c a=1 step=5 time=2026-01-02 &&
	exp-log metric -r $c a=2 step=5 time=2026-01-01 &&
	exp-log metric -r $c b=3 step=1 time=2026-01-01 &&
	exp-log metric -r $c b=2 step=1 time=2026-01-01 &&
	exp-log metric -r $c c=nan step=1 time=2026-01-01 &&
	exp-log metric -r $c c=7 step=1 time=2026-01-01 &&
	exp-log metric -r $c d=9 step=2 &&
	exp-log metric -r $c d=1 step=1 &&
	exp-log metric -r $c e=1 &&
	exp-log metric -r $c e=0.5 &&
	exp-log show $c >show.out &&
	test_grep "^  a = 1 (step 5, 2 points)$" show.out &&
	test_grep "^  b = 3 (step 1, 2 points)$" show.out &&
	test_grep "^  c = 7 (step 1, 2 points)$" show.out &&
	test_grep "^  d = 9 (step 2, 2 points)$" show.out &&
	test_grep "^  e = 0.5 (step 1, 2 points)$" show.out &&
	printf "a=5 step=5 time=2026-01-03\n" | exp-log log -r $c &&
	exp-log show $c >show.out &&
	test_grep "^  a = 5 (step 5, 3 points)$" show.out
'

test_expect_success 'a catalog of before version 6: NULL was NaN, current values by the new rule' '
	mlrepo init -q old &&
	o=$(exp-log -C old start -n o) &&
	exp-log -C old metric -r $o x=nan y=1 &&
	exp-log -C old metric -r $o z=1 step=3 time=2026-01-02 &&
	exp-log -C old metric -r $o z=2 step=3 time=2026-01-01 &&
	sqlite3 old/.mlrepo/catalog.db "UPDATE metrics SET value = NULL WHERE value = '\''nan'\''; UPDATE latest SET value = NULL WHERE value = '\''nan'\''; UPDATE latest SET value = 2, seq = 2 WHERE key = '\''z'\''; DROP TABLE inputs; PRAGMA user_version = 5" &&
	exp-log -C old ls --filter "metrics.x IS NULL" --ids >out &&
	! test -s out &&
	exp-log -C old show $o >show.out &&
	test_grep "^  x = nan " show.out &&
	test_grep "^  z = 1 (step 3, 2 points)$" show.out &&
	test "$(sqlite3 old/.mlrepo/catalog.db "SELECT count(*) FROM metrics WHERE value IS NULL")" = 0
'

test_done
