#!/bin/sh
test_description='exp-log runs travel between repositories in bundles'
. ./test-lib.sh

test_expect_success 'setup: runs with params, tags, metrics and an artifact' '
	cd "$(new_repo src)" &&
	a=$(exp-log start -e churn -n a -p lr=0.1 -t team=ml) &&
	exp-log metric -r $a loss=0.9 && exp-log metric -r $a loss=0.5 &&
	exp-log metric -r $a --step 0 loss=0.7 auc=nan &&
	echo weights >model.bin && exp-log artifact -r $a model.bin &&
	exp-log tag -e churn owner=ml &&
	b=$(exp-log start -e churn -n b) && exp-log metric -r $b loss=0.3 &&
	exp-log end -r $b &&
	echo "$a $b" >"$TRASH/ids"
'

test_expect_success 'unbundled runs read the same as at home' '
	set -- $(cat ids) &&
	(cd src && mlrepo bundle create ../runs.tar.gz 2>/dev/null) &&
	cd "$(new_repo dst)" &&
	mlrepo bundle unbundle ../runs.tar.gz 2>err &&
	for r in $1 $2; do
		(cd ../src && exp-log show --json $r) >want &&
		exp-log show --json $r >got &&
		test_cmp want got || exit 1
	done &&
	exp-log history -r $1 loss >got && (cd ../src && exp-log history -r $1 loss) >want &&
	test_cmp want got &&
	exp-log get-artifact $1 model.bin -o - >art && test_grep "^weights$" art &&
	exp-log experiments >out && test_grep "owner=ml" out &&
	exp-log ls --filter "metrics.loss < 0.6" >ls.out &&
	cut -f3 ls.out | sort | tr "\n" " " >got &&
	test "$(cat got)" = "a b " &&
	mlrepo fsck
'

test_expect_success 'unbundling twice changes nothing' '
	cd dst &&
	sqlite3 .mlrepo/catalog.db ".dump" >before &&
	mlrepo bundle unbundle ../runs.tar.gz 2>err &&
	test_grep "(0 new), .* (0 new)" err &&
	sqlite3 .mlrepo/catalog.db ".dump" >after &&
	test_cmp before after
'

test_expect_success 'a later bundle brings what changed: the later row wins' '
	set -- $(cat ids) &&
	(cd src && sleep 0.01 && exp-log end -r $1 --status failed &&
	 exp-log tag -r $1 team=infra && exp-log metric -r $1 loss=0.2 &&
	 mlrepo bundle create --since -1h ../later.tar.gz 2>/dev/null) &&
	cd dst &&
	mlrepo bundle unbundle ../later.tar.gz 2>err &&
	exp-log show $1 >out &&
	test_grep "^status      failed$" out &&
	test_grep "^  team = infra$" out &&
	test_grep "^  loss = 0.2 (step 2, 4 points)$" out &&
	(cd ../src && exp-log show --json $1) >want && exp-log show --json $1 >got &&
	test_cmp want got &&
	mlrepo fsck
'

test_expect_success 'an older bundle does not undo a newer state' '
	set -- $(cat ids) &&
	cd dst && mlrepo bundle unbundle ../runs.tar.gz 2>/dev/null &&
	exp-log show $1 >out && test_grep "^status      failed$" out
'

test_done
