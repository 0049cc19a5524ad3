#!/bin/sh
test_description='exp-log input (MLflow log_input), tag --delete, experiments --delete'
. ./test-lib.sh

obj() {
	ls .mlrepo/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)* 2>/dev/null
}

# The names of the runs a filter selects, sorted, on one line.
names() {
	exp-log ls --all --filter "$1" >ls.out || return 1
	cut -f3 ls.out | sort | tr "\n" " " | sed "s/ $//"
}

test_expect_success 'setup: a training set in the object store, three runs' '
	printf "id,amount\n1,10\n2,20\n" >train.csv &&
	oid=$(mlrepo hash-object -w train.csv) &&
	test "$oid" = "$(sha256sum train.csv | cut -c1-64)" &&
	a=$(exp-log start -e churn -n a) &&
	b=$(exp-log start -e churn -n b) &&
	c=$(exp-log start -e churn -n c) &&
	echo "$oid $a $b $c" >ids
'

test_expect_success 'input records a data set; an upper-case SHA-256 is stored lower-case' '
	set -- $(cat ids) &&
	upper=$(echo $1 | tr a-f A-F) &&
	exp-log input -r $2 churn_train --digest $upper \
		--source "spec churn_v3; group txn schema 2" &&
	exp-log input -r $2 holdout --digest 5f2c --context eval &&
	MLREPO_RUN=$3 exp-log input other --digest xyz &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT digest FROM inputs WHERE name = \"churn_train\"")" = "$1" &&
	exp-log show $2 >out &&
	printf "inputs\n  churn_train  train  %s  (object)\n    source  spec churn_v3; group txn schema 2\n  holdout  eval  5f2c\n" $1 >expect &&
	sed -n "/^inputs$/,\$p" out >got &&
	test_cmp expect got &&
	exp-log show $4 >out && ! grep "^inputs" out
'

test_expect_success PYTHON3 'show --json has the inputs' '
	set -- $(cat ids) &&
	exp-log show --json $2 >out.json &&
	OID=$1 python3 - <<-\EOF
	import json, os
	r = json.load(open("out.json"))
	i = r["inputs"]
	assert [x["name"] for x in i] == ["churn_train", "holdout"], i
	assert i[0]["digest"] == os.environ["OID"] and i[0]["object"] is True, i
	assert i[0]["context"] == "train", i
	assert i[0]["source"] == "spec churn_v3; group txn schema 2", i
	assert i[1] == dict(i[1], digest="5f2c", context="eval", source=None,
	                    object=False), i
	assert i[1]["time"].endswith("Z"), i
	EOF
'

test_expect_success 'the same input again changes nothing; another context is another input' '
	set -- $(cat ids) &&
	sqlite3 .mlrepo/catalog.db ".dump" >before &&
	exp-log input -r $2 churn_train --digest $1 &&
	exp-log input -r $2 churn_train --digest $1 --source "another source" &&
	sqlite3 .mlrepo/catalog.db ".dump" >after &&
	test_cmp before after &&
	exp-log input -r $2 churn_train --digest $1 --context eval &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM inputs WHERE run = \"$2\"")" = 3 &&
	mlrepo log --action run.input >log &&
	test_line_count = 4 log
'

test_expect_success 'datasets.* filters match a run when any of its inputs does' '
	set -- $(cat ids) &&
	test "$(names "datasets.name = '\''churn_train'\''")" = "a" &&
	test "$(names "dataset.name = '\''churn_train'\''")" = "a" &&
	test "$(names "datasets.name IN ('\''holdout'\'', '\''other'\'')")" = "a b" &&
	test "$(names "datasets.name LIKE '\''churn%'\''")" = "a" &&
	test "$(names "datasets.name ILIKE '\''CHURN\_%'\''")" = "a" &&
	test "$(names "datasets.name NOT LIKE '\''churn%'\''")" = "b c" &&
	test "$(names "datasets.context = '\''eval'\''")" = "a" &&
	test "$(names "datasets.context = '\''train'\''")" = "a b" &&
	test "$(names "datasets.context NOT IN ('\''eval'\'')")" = "a b" &&
	test "$(names "datasets.digest = '\''$1'\''")" = "a" &&
	test "$(names "datasets.digest != '\''$1'\''")" = "a b" &&
	test "$(names "datasets.name != '\''churn_train'\''")" = "a b" &&
	test "$(names "NOT datasets.name = '\''churn_train'\''")" = "b c" &&
	test "$(names "datasets.name IS NULL")" = "c" &&
	test "$(names "datasets.name IS NOT NULL")" = "a b" &&
	test "$(names "datasets.context = '\''eval'\'' AND datasets.name = '\''holdout'\''")" = "a" &&
	test "$(names "datasets.name = '\''other'\'' OR datasets.name = '\''holdout'\''")" = "a b" &&
	exp-log ls --columns datasets.name,datasets.context >out &&
	cut -f3,6,7 out | sort >got &&
	printf "a\tchurn_train,holdout\teval,train\nb\tother\ttrain\nc\t\t\n" >expect &&
	test_cmp expect got
'

test_expect_success 'datasets.* filters that cannot work are exit 2, saying why' '
	test_expect_code 2 exp-log ls --filter "datasets.size = '\''1'\''" 2>err &&
	test_grep "unknown identifier '\''datasets.size'\''" err &&
	test_grep "datasets.name, datasets.digest and datasets.context" err &&
	test_expect_code 2 exp-log ls --filter "datasets.name > '\''a'\''" 2>err &&
	test_grep "strings compare only with" err &&
	test_expect_code 2 exp-log ls --filter "datasets.name = 3" 2>err &&
	test_grep "is a string" err &&
	test_expect_code 2 exp-log ls --filter "datasets.name = datasets.digest" 2>err &&
	test_grep "'\''datasets.digest'\'' has many values" err
'

test_expect_success 'a training set a run used survives gc --prune=now; fsck checks it' '
	set -- $(cat ids) &&
	mlrepo gc --prune=now 2>err &&
	test -n "$(obj $1)" &&
	mlrepo fsck &&
	p="$TRASH/$(obj $1)" && mv "$p" saved &&
	test_when_finished "mv \"$TRASH/saved\" \"$p\"" &&
	test_expect_code 1 mlrepo fsck 2>err >out &&
	cat out err >all &&
	test_grep "missing object, referenced by run:$2/input:churn_train" all
'

test_expect_success 'once the run is gone for good, gc takes the training set' '
	cd "$(new_repo gone)" &&
	echo data >d.csv && oid=$(mlrepo hash-object -w d.csv) &&
	r=$(exp-log start) && exp-log input -r $r d --digest $oid &&
	exp-log rm $r && exp-log gc 2>/dev/null &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM inputs")" = 0 &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM objrefs")" = 0 &&
	mlrepo fsck &&
	mlrepo gc --prune=now 2>/dev/null &&
	test -z "$(obj $oid)"
'

test_expect_success 'a digest stored as an object later is referenced when logged again' '
	cd "$(new_repo later)" &&
	echo late >l.csv && oid=$(sha256sum l.csv | cut -c1-64) &&
	r=$(exp-log start) && exp-log input -r $r l --digest $oid &&
	exp-log show $r >out && test_grep "^  l  train  $oid$" out &&
	mlrepo hash-object -w l.csv >/dev/null &&
	exp-log input -r $r l --digest $oid &&
	exp-log show $r >out && test_grep "^  l  train  $oid  (object)$" out &&
	mlrepo gc --prune=now 2>/dev/null && test -n "$(obj $oid)"
'

test_expect_success 'bad input is exit 2 and leaves the repository as it was' '
	set -- $(cat ids) &&
	sqlite3 .mlrepo/catalog.db ".dump" >before &&
	test_expect_code 2 exp-log input -r $2 x 2>err &&
	test_grep "give --digest DIGEST" err &&
	test_expect_code 2 exp-log input -r $2 --digest abc 2>err &&
	test_grep "NAME" err &&
	test_expect_code 2 exp-log input -r $2 x y --digest abc 2>err &&
	test_expect_code 2 exp-log input -r $2 x --digest "" 2>err &&
	test_grep "input digest is empty" err &&
	test_expect_code 2 exp-log input -r $2 "" --digest abc 2>err &&
	test_grep "input name is empty" err &&
	test_expect_code 2 exp-log input -r $2 x --digest "$(printf "ab\tc")" 2>err &&
	test_grep "input digest holds a control character (byte 0x09)" err &&
	test_expect_code 2 exp-log input -r $2 "$(printf "a\033b")" --digest abc 2>err &&
	test_grep "input name holds a control character" err &&
	test_expect_code 2 exp-log input -r $2 x --digest abc --context "" 2>err &&
	test_grep "input context is empty" err &&
	long=$(printf "%0501d" 0) &&
	test_expect_code 2 exp-log input -r $2 $long --digest abc 2>err &&
	test_grep "input name is longer than 500 bytes" err &&
	test_expect_code 2 exp-log input -r ffffff x --digest abc 2>err &&
	test_expect_code 2 env -u MLREPO_RUN exp-log input x --digest abc 2>err &&
	test_grep "no run given" err &&
	sqlite3 .mlrepo/catalog.db ".dump" >after &&
	test_cmp before after
'

test_expect_success 'a bundle carries inputs with their run, and the training set' '
	set -- $(cat ids) &&
	mlrepo bundle create inputs.tar.gz 2>/dev/null &&
	cd "$(new_repo dst)" &&
	mlrepo bundle unbundle ../inputs.tar.gz 2>/dev/null &&
	(cd .. && exp-log show --json $2) >want &&
	exp-log show --json $2 >got &&
	test_cmp want got &&
	test_grep "\"object\":true" got &&
	test -n "$(obj $1)" &&
	exp-log ls --filter "datasets.digest = '\''$1'\''" --ids >out &&
	echo $2 >expect && test_cmp expect out &&
	sqlite3 .mlrepo/catalog.db ".dump" >before &&
	mlrepo bundle unbundle ../inputs.tar.gz 2>/dev/null &&
	sqlite3 .mlrepo/catalog.db ".dump" >after &&
	test_cmp before after &&
	mlrepo fsck
'

test_expect_success 'a --since bundle carries a new input and its run' '
	set -- $(cat ids) &&
	sleep 1.1 && t=$(date -u +%Y-%m-%dT%H:%M:%SZ) && sleep 1 &&
	exp-log input -r $4 late --digest 77aa &&
	mlrepo bundle create --since "$t" late.tar.gz 2>/dev/null &&
	cd "$(new_repo dst-late)" &&
	mlrepo bundle unbundle ../late.tar.gz 2>/dev/null &&
	exp-log show $4 >out &&
	test_grep "^  late  train  77aa$" out &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM inputs")" = 1 &&
	mlrepo fsck
'

test_expect_success 'fsck counts inputs of runs that do not exist' '
	cd "$(new_repo orphan)" &&
	r=$(exp-log start) && exp-log input -r $r x --digest abc &&
	sqlite3 .mlrepo/catalog.db "DELETE FROM runs" &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	cat out err >all &&
	test_grep "1 inputs of runs that do not exist" all
'

test_expect_success 'tag --delete removes a run tag, and journals it' '
	set -- $(cat ids) &&
	exp-log tag -r $3 a=1 b=2 c=3 &&
	exp-log tag -r $3 --delete a --delete b &&
	exp-log show $3 >out &&
	! grep "^  a = " out && ! grep "^  b = " out &&
	test_grep "^  c = 3$" out &&
	mlrepo log --action run.tag.delete >log &&
	test_line_count = 2 log &&
	test "$(names "tags.c = '\''3'\''")" = "b" &&
	test "$(names "tags.a IS NOT NULL")" = ""
'

test_expect_success 'tag --delete of a tag that is not set is exit 2; none is deleted' '
	set -- $(cat ids) &&
	sqlite3 .mlrepo/catalog.db ".dump" >before &&
	test_expect_code 2 exp-log tag -r $3 --delete nope 2>err &&
	test_grep "no such tag '\''nope'\'' in run" err &&
	test_expect_code 2 exp-log tag -r $3 --delete c --delete nope 2>err &&
	test_expect_code 2 exp-log tag -r $3 --delete c x=1 2>err &&
	test_grep "takes no KEY=VALUE" err &&
	test_expect_code 2 exp-log param -r $3 --delete c 2>err &&
	test_grep "params are write-once" err &&
	sqlite3 .mlrepo/catalog.db ".dump" >after &&
	test_cmp before after &&
	MLREPO_RUN=$3 exp-log tag --delete c &&
	exp-log show $3 >out && ! grep "^tags" out
'

test_expect_success 'tag -e EXPERIMENT --delete removes an experiment tag' '
	exp-log tag -e churn owner=ml team=x &&
	exp-log tag -e churn --delete owner &&
	exp-log experiments >out &&
	test_grep "team=x" out && ! grep "owner=" out &&
	test_expect_code 2 exp-log tag -e churn --delete owner 2>err &&
	test_grep "no such tag '\''owner'\'' in experiment '\''churn'\''" err &&
	test_expect_code 2 exp-log tag -e nope --delete owner 2>err &&
	test_grep "no such experiment" err
'

test_expect_success 'experiments --delete: an experiment without runs goes, with its tags' '
	r=$(exp-log start -e lonely) && exp-log tag -e lonely k=v &&
	exp-log mv $r -e elsewhere &&
	exp-log experiments --delete lonely &&
	exp-log experiments >out && ! grep "^lonely" out &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM experiment_tags WHERE experiment = \"lonely\"")" = 0 &&
	mlrepo log --action experiment.delete >log &&
	test_line_count = 1 log && test_grep "lonely" log
'

test_expect_success 'experiments --delete refuses one with runs, deleted ones too; nothing changes' '
	r=$(exp-log start -e kept) && exp-log rm $r &&
	sqlite3 .mlrepo/catalog.db ".dump" >before &&
	test_expect_code 2 exp-log experiments --delete kept 2>err &&
	test_grep "experiment '\''kept'\'' has 1 run, 1 of them deleted; it was not deleted" err &&
	test_grep "force" err &&
	test_expect_code 2 exp-log experiments --delete churn 2>err &&
	test_grep "has 3 runs; it was not deleted" err &&
	test_expect_code 2 exp-log experiments --delete elsewhere --delete kept 2>err &&
	test_expect_code 2 exp-log experiments --delete nope 2>err &&
	test_grep "no such experiment: '\''nope'\''" err &&
	test_expect_code 2 exp-log experiments --force 2>err &&
	test_expect_code 2 exp-log experiments --delete "9bad" 2>err &&
	sqlite3 .mlrepo/catalog.db ".dump" >after &&
	test_cmp before after
'

test_expect_success 'experiments --delete --force removes its runs for good' '
	cd "$(new_repo force)" &&
	r=$(exp-log start -e doomed -p lr=0.1 -t t=1) &&
	exp-log metric -r $r loss=0.5 &&
	echo w >model.bin && exp-log artifact -r $r model.bin &&
	art=$(sha256sum model.bin | cut -c1-64) &&
	echo d >d.csv && oid=$(mlrepo hash-object -w d.csv) &&
	exp-log input -r $r d --digest $oid &&
	gone=$(exp-log start -e doomed) && exp-log rm $gone &&
	other=$(exp-log start -e stays) && exp-log input -r $other e --digest abc &&
	exp-log tag -e doomed owner=x &&
	exp-log experiments --delete doomed --force 2>err &&
	test_grep "removed 2 runs for good" err &&
	for t in params tags metrics latest artifacts inputs; do
		test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM $t WHERE run IN (\"$r\", \"$gone\")")" = 0 || exit 1
	done &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM runs WHERE experiment = \"doomed\"")" = 0 &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM experiment_tags")" = 0 &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM objrefs")" = 0 &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM inputs")" = 1 &&
	exp-log experiments >out && ! grep "^doomed" out && test_grep "^stays" out &&
	mlrepo log --action experiment.delete --json >log &&
	test_grep "\"runs\":2" log &&
	mlrepo fsck &&
	mlrepo gc --prune=now 2>/dev/null &&
	test -z "$(obj $oid)" && test -z "$(obj $art)"
'

test_done
