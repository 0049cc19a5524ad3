#!/bin/sh
test_description='exp-log ls, best, diff, export: the filter language'
. ./test-lib.sh

. "$TEST_DIR/lib-exp-log.sh"

test_expect_success 'setup: four runs' 'four_runs'

test_expect_success 'comparisons on metrics' '
	check "metrics.auc > 0.9" "alpha gamma" &&
	check "metrics.auc >= 0.91" "alpha gamma" &&
	check "metrics.auc = 0.85" "beta" &&
	check "metrics.auc != 0.85" "alpha gamma" &&
	check "metrics.loss <= 0.3" "alpha delta" &&
	check "metric.loss < 0.3" "delta"
'

test_expect_success 'AND, OR, NOT and their precedence (NOT > AND > OR)' '
	check "metrics.auc > 0.9 AND params.model = '\''xgb'\''" "alpha gamma" &&
	check "params.model = '\''lgbm'\'' OR metrics.loss < 0.25" "beta delta" &&
	check "NOT params.model = '\''xgb'\''" "beta delta" &&
	check "params.model = '\''rf'\'' OR params.model = '\''lgbm'\'' AND metrics.loss > 0.3" "beta delta" &&
	check "(params.model = '\''rf'\'' OR params.model = '\''lgbm'\'') AND metrics.loss > 0.3" "beta" &&
	check "params.model = '\''rf'\'' OR params.model = '\''lgbm'\'' AND metrics.auc > 0.9" "delta" &&
	check "NOT params.model = '\''xgb'\'' AND metrics.loss > 0.3" "beta" &&
	check "metrics.auc > 0.9 and not params.lr > 0.005" "gamma" &&
	check "Metrics.auc > 0.9 oR params.model = \"rf\"" "alpha delta gamma"
'

test_expect_success 'params compare numerically when both sides are numbers' '
	check "params.lr < 0.05" "alpha gamma" &&
	check "params.lr = 0.001" "gamma" &&
	check "params.lr = '\''1e-3'\''" "gamma" &&
	test_expect_code 2 exp-log ls --filter "params.model > '\''lgbm'\''" 2>err &&
	test_grep "compares numbers" err
'

test_expect_success 'LIKE is case-sensitive, ILIKE is not; % and _' '
	check "tags.team LIKE '\''i%'\''" "beta" &&
	check "tags.team LIKE '\''ML'\''" "" &&
	check "tags.team ILIKE '\''ML'\''" "alpha" &&
	check "name LIKE '\''_eta'\''" "beta" &&
	check "params.model LIKE '\''%g%'\''" "alpha beta gamma" &&
	check "params.model LIKE '\''%gb%'\''" "alpha beta gamma" &&
	check "params.model LIKE '\''x%'\''" "alpha gamma"
'

test_expect_success 'IN, NOT IN, IS NULL, IS NOT NULL' '
	check "name IN ('\''alpha'\'', '\''gamma'\'')" "alpha gamma" &&
	check "name NOT IN ('\''alpha'\'', '\''gamma'\'')" "beta delta" &&
	check "metrics.loss IS NULL" "gamma" &&
	check "metrics.loss IS NOT NULL" "alpha beta delta" &&
	check "tags.team is null" "delta gamma"
'

test_expect_success 'a run lacking a key never satisfies a comparison on it' '
	check "metrics.loss > 0" "alpha beta delta" &&
	check "NOT metrics.loss > 0.25" "delta" &&
	check "metrics.nosuch < 1 OR metrics.nosuch >= 1" ""
'

test_expect_success 'NaN satisfies no comparison and sorts last' '
	check "metrics.auc < 2" "alpha beta gamma" &&
	exp-log ls --order-by "metrics.auc DESC" >ls.out &&
	cut -f3 ls.out | tr "\n" " " >got &&
	test "$(cat got)" = "gamma alpha beta delta " &&
	exp-log ls --order-by "metrics.auc ASC" >ls.out &&
	cut -f3 ls.out | tr "\n" " " >got &&
	test "$(cat got)" = "beta alpha gamma delta "
'

test_expect_success 'quoted keys, attributes, times, arithmetic' '
	check "metrics.\"val loss\" > 0.4" "delta" &&
	check "metrics.\`val loss\` > 0.4" "delta" &&
	check "attributes.status = '\''running'\''" "alpha beta delta gamma" &&
	check "experiment = '\''B'\''" "delta gamma" &&
	check "start_time > '\''2000-01-01'\''" "alpha beta delta gamma" &&
	check "start_time < '\''2000-01-01'\''" "" &&
	check "duration >= 0" "alpha beta delta gamma" &&
	check "metrics.auc - metrics.loss > 0.5" "alpha" &&
	check "metrics.auc * 2 > 1.85" "gamma"
'

test_expect_success 'run_id takes full ids' '
	set -- $(cat ids) &&
	check "run_id = '\''$2'\''" "beta"
'

test_expect_success 'syntax errors name the column, exit 2' '
	test_expect_code 2 exp-log ls --filter "metrics.auc >" 2>err &&
	test_grep "column 14" err &&
	test_expect_code 2 exp-log ls --filter "metrics.auc > 0.9 AND" 2>err &&
	test_grep "column 22" err &&
	test_expect_code 2 exp-log ls --filter "(metrics.auc > 0.9" 2>err &&
	test_grep "column" err &&
	test_expect_code 2 exp-log ls --filter "foo.bar = 1" 2>err &&
	test_grep "unknown identifier .foo.bar." err &&
	test_expect_code 2 exp-log ls --filter "metrics.auc = '\''high'\''" 2>err
'

test_expect_success 'injection attempts match nothing and break nothing' '
	check "params.model = '\''1; DROP TABLE runs; --'\''" "" &&
	check "params.\`model\"\) OR 1=1 --\` = '\''x'\''" "" &&
	exp-log ls >ls.out && test_line_count = 4 ls.out
'

test_expect_success 'ls: order, limit, ids, columns, json, experiments' '
	exp-log ls --order-by "metrics.auc DESC" --limit 2 --columns metrics.auc,params.model >out &&
	test_line_count = 2 out &&
	cut -f3,6,7 out >got &&
	printf "gamma\t0.95\txgb\nalpha\t0.91\txgb\n" >expect && test_cmp expect got &&
	exp-log ls --ids -e A >out && test_line_count = 2 out &&
	grep -E "^[0-9a-f]{32}$" out &&
	exp-log ls --json -e B >out && test_line_count = 2 out &&
	python3 - <<-\EOF
	import json
	rows = [json.loads(l) for l in open("out")]
	for r in rows:
	    assert set(r) >= {"run_id", "experiment", "name", "status", "start_time",
	                      "end_time", "params", "metrics", "tags"}, r
	d = [r for r in rows if r["name"] == "delta"][0]
	assert d["metrics"]["auc"] == "NaN" and d["metrics"]["val loss"] == 0.5, d
	assert d["params"] == {"model": "rf"} and d["end_time"] is None
	EOF
'

test_expect_success '--order-by KEY DESC as two words; time columns as ISO 8601' '
	exp-log ls --order-by metrics.auc DESC --limit 1 >ls.out && cut -f3 ls.out >got &&
	echo gamma >expect && test_cmp expect got &&
	exp-log ls -o metrics.auc asc --limit 1 >ls.out && cut -f3 ls.out >got &&
	echo beta >expect && test_cmp expect got &&
	exp-log ls --columns start_time --limit 1 >ls.out && cut -f6 ls.out >got &&
	test_grep -E "^[0-9]{4}-[0-9]{2}-[0-9]{2}T.*Z$" got
'

test_expect_success 'ls is newest first by default; --header' '
	exp-log ls --header -e B >out &&
	head -1 out | test_grep "^ID	EXPERIMENT	NAME	STATUS	START" &&
	sed -n 2p out | cut -f3 >got && echo delta >expect && test_cmp expect got
'

test_expect_success 'best: the id of the best run' '
	set -- $(cat ids) &&
	test "$(exp-log best -e A --metric auc)" = $1 &&
	test "$(exp-log best -e A --metric auc --min)" = $2 &&
	test "$(exp-log best --metric auc)" = $3 &&
	test "$(exp-log best --metric loss --min --filter "params.model != '\''rf'\''")" = $1 &&
	test_expect_code 1 exp-log best --metric nosuch 2>err &&
	test_grep "no run" err &&
	test_expect_code 2 exp-log best 2>err
'

test_expect_success 'diff: params and metrics side by side, differences marked' '
	set -- $(cat ids) &&
	exp-log diff $1 $3 >out &&
	test_grep "^\*	params.lr	0.01	1e-3$" out &&
	test_grep "^	params.model	xgb	xgb$" out &&
	test_grep "^\*	metrics.loss	0.3	$" out &&
	test_expect_code 2 exp-log diff $1 2>err
'

test_expect_success 'export: CSV with a header, every key a column' '
	exp-log export -e A >out.csv &&
	head -1 out.csv >got &&
	echo "run_id,experiment,name,status,start_time,end_time,duration,params.lr,params.model,metrics.auc,metrics.loss,tags.team" >expect &&
	test_cmp expect got &&
	test_line_count = 3 out.csv &&
	python3 -c "import csv; r = list(csv.DictReader(open(\"out.csv\"))); assert sorted(x[\"name\"] for x in r) == [\"alpha\", \"beta\"] and {x[\"metrics.auc\"] for x in r} == {\"0.91\", \"0.85\"}, r" &&
	exp-log export --format jsonl >out.jsonl && test_line_count = 4 out.jsonl &&
	test_expect_code 2 exp-log export --format xml 2>err
'

test_expect_success 'rm hides runs, --all shows them, restore brings them back' '
	set -- $(cat ids) &&
	exp-log rm $1 $(echo $2 | cut -c1-8) &&
	exp-log ls >ls.out && test_line_count = 2 ls.out &&
	exp-log ls --all >ls.out && test_line_count = 4 ls.out &&
	exp-log restore $2 &&
	exp-log ls >ls.out && test_line_count = 3 ls.out &&
	MLREPO_RUN=$2 exp-log rm && exp-log ls >ls.out && test_line_count = 2 ls.out &&
	exp-log restore -r $2 && exp-log ls >ls.out && test_line_count = 3 ls.out &&
	test_expect_code 2 exp-log rm -r $2 $2 2>err
'

test_expect_success 'mv moves runs to another experiment' '
	set -- $(cat ids) &&
	exp-log mv $3 $4 -e C &&
	check "experiment = '\''C'\''" "delta gamma" &&
	test_expect_code 2 exp-log mv $3 2>err && test_grep "EXPERIMENT" err &&
	test_expect_code 2 exp-log mv $3 -e "bad name" 2>err
'

test_expect_success 'gc removes deleted runs; their artifacts go with mlrepo gc' '
	set -- $(cat ids) &&
	echo weights >model.bin && exp-log artifact -r $1 model.bin &&
	oid=$(mlrepo hash-object model.bin) &&
	exp-log gc 2>err && test_grep "removed 1 deleted run" err &&
	exp-log ls --all >ls.out && test_line_count = 3 ls.out &&
	test_expect_code 2 exp-log show $1 2>err &&
	mlrepo gc --prune=now 2>/dev/null &&
	test_expect_code 2 mlrepo cat-object $oid 2>err &&
	mlrepo fsck
'

test_expect_success 'artifacts: files and directories round trip' '
	set -- $(cat ids) &&
	mkdir -p model/sub && echo a >model/a.txt && echo b >model/sub/b.txt &&
	printf "#!/bin/sh\n" >model/run.sh && chmod +x model/run.sh &&
	exp-log artifact -r $2 model &&
	exp-log artifact -r $2 model/a.txt --as notes.txt &&
	exp-log get-artifact $2 model -o back &&
	diff -r model back && test -x back/run.sh &&
	exp-log get-artifact $2 notes.txt -o - >n && cmp n model/a.txt &&
	exp-log get-artifact -r $2 notes.txt -o n2 && cmp n2 model/a.txt &&
	MLREPO_RUN=$2 exp-log get-artifact notes.txt && cmp notes.txt model/a.txt &&
	exp-log show $2 >show && test_grep "^  model  dir  " show &&
	test_expect_code 2 exp-log get-artifact $2 nosuch 2>err &&
	test_grep "no artifact .nosuch." err &&
	test_expect_code 2 exp-log artifact -r $2 nosuch.bin 2>err &&
	test_expect_code 2 exp-log artifact -r $2 model/a.txt model/sub/b.txt --as x 2>err &&
	mlrepo fsck
'

test_expect_success 'export keeps every digit and leaves missing values empty' '
	r=$(exp-log start -e P) &&
	exp-log metric -r $r big=12345678901234 third=0.1 &&
	exp-log export -e P >p.csv &&
	python3 -c "import csv; r = list(csv.DictReader(open(\"p.csv\")))[0]; assert float(r[\"metrics.big\"]) == 12345678901234 and r[\"metrics.third\"] == \"0.1\" and r[\"end_time\"] == \"\", r" &&
	r2=$(exp-log start -e P -p empty= -p other=x) &&
	exp-log export -e P >p2.csv &&
	head -1 p2.csv >hdr &&
	test_grep "^run_id,experiment,name,status,start_time,end_time,duration,params.empty,params.other," hdr &&
	test_grep "^$r2,P,,running,[^,]*,,,\"\",x," p2.csv &&
	test_grep "^$r,P,,running,[^,]*,,,,," p2.csv
'

# In CI, best exiting 1 reads as "no run was good enough": a mistyped
# experiment must not look like that.
test_expect_success 'ls, best and export: an unknown experiment is exit 2' '
	for c in "ls" "best --metric auc" "export"; do
		test_expect_code 2 exp-log $c -e nosuch 2>err &&
		test_grep "no such experiment: .nosuch." err || exit 1
	done
'

test_expect_success 'diff --json: one record a row, metrics as numbers' '
	a=$(exp-log start -e J -p lr=0.1) && exp-log metric -r $a auc=0.123456789012 &&
	b=$(exp-log start -e J -p lr=0.2) &&
	exp-log diff --json $a $b >out &&
	python3 -c "
import json, sys
rows = [json.loads(l) for l in open(\"out\")]
d = {r[\"key\"]: r for r in rows}
assert [r[\"key\"] for r in rows][:3] == [\"experiment\", \"name\", \"status\"], rows
assert d[\"params.lr\"][\"differs\"] and d[\"params.lr\"][\"values\"] == {\"$a\": \"0.1\", \"$b\": \"0.2\"}
assert d[\"metrics.auc\"][\"values\"] == {\"$a\": 0.123456789012, \"$b\": None}
assert not d[\"experiment\"][\"differs\"]
"
'

test_expect_success 'order-by: params sort as numbers when they are; a list of keys' '
	for lr in 0.05 0.1 10 2 abc; do
		r=$(exp-log start -e O -p lr=$lr) &&
		exp-log metric -r $r auc=1 || exit 1
	done &&
	exp-log ls -e O --order-by "params.lr ASC" --columns params.lr >out &&
	awk -F "	" "{ print \$NF }" out >got &&
	printf "0.05\n0.1\n2\n10\nabc\n" >want &&
	test_cmp want got &&
	exp-log ls -e O --order-by "metrics.auc DESC, params.lr DESC" --columns params.lr >out &&
	awk -F "	" "{ print \$NF }" out >got &&
	printf "abc\n10\n2\n0.1\n0.05\n" >want &&
	test_cmp want got &&
	test_expect_code 2 exp-log ls -e O --order-by "params.lr,," 2>err &&
	test_grep "empty item" err
'

test_expect_success 'artifact - stores standard input under --name' '
	run=$(exp-log start) &&
	printf "from a pipe\n" | exp-log artifact -r $run - --name piped.txt &&
	exp-log get-artifact -r $run piped.txt -o - >got &&
	printf "from a pipe\n" >want &&
	test_cmp want got &&
	exp-log show $run >out &&
	test_grep "^  piped.txt  file  12 bytes  " out &&
	test_expect_code 2 exp-log artifact -r $run - </dev/null 2>err &&
	test_grep "needs --name" err
'

test_done
