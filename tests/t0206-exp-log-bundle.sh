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

# A --since bundle once carried a param of a run whose run row it left
# behind, and unbundling it left rows that fsck reports.
test_expect_success 'a --since bundle carries the run of every row it carries' '
	old=$(exp-log start -e since_exp) &&
	sleep 1.1 &&
	t=$(date -u +%Y-%m-%dT%H:%M:%SZ) &&
	sleep 1 &&
	exp-log param -r $old late=1 &&
	mlrepo bundle create --since "$t" late.tar.gz &&
	mlrepo init -q fresh-late &&
	mlrepo -C fresh-late bundle unbundle ../late.tar.gz &&
	exp-log -C fresh-late show $old >out &&
	test_grep "^  late = 1$" out &&
	test_grep "^experiment  since_exp$" out &&
	exp-log -C fresh-late experiments >exps &&
	test_grep "^since_exp" exps &&
	mlrepo -C fresh-late fsck
'

test_expect_success 'a bundle that would leave rows without their run is refused whole' '
	run=$(exp-log start -p orphan=1) &&
	mlrepo bundle create whole.tar.gz &&
	cat >strip.py <<-\EOF &&
	import io, tarfile
	src = tarfile.open("whole.tar.gz")
	out = tarfile.open("stripped.tar.gz", "w:gz")
	for m in src.getmembers():
	    if m.name.endswith("-runs.jsonl"):
	        continue
	    out.addfile(m, io.BytesIO(src.extractfile(m).read()))
	out.close()
	EOF
	python3 strip.py &&
	mlrepo init -q fresh-strip &&
	mlrepo -C fresh-strip status --json >before &&
	test_expect_code 2 mlrepo -C fresh-strip bundle unbundle ../stripped.tar.gz 2>err &&
	test_grep "params of runs that do not exist; nothing was changed" err &&
	mlrepo -C fresh-strip status --json >after &&
	python3 -c "import json; a = json.load(open(\"before\")); b = json.load(open(\"after\")); assert a[\"events\"] == b[\"events\"] and b[\"runs\"] == 0, (a, b)" &&
	mlrepo -C fresh-strip fsck
'

# The cron backup recipe: bundle create --since the last backup.  A point
# logged now with --time -2d claims an old time but was recorded now, and
# must go with the next bundle.
test_expect_success 'bundle --since goes by when a point was recorded, not the time it claims' '
	run=$(exp-log start -e backdated) &&
	sleep 1.1 &&
	t=$(date -u +%Y-%m-%dT%H:%M:%SZ) &&
	sleep 1 &&
	exp-log metric -r $run --time -2d old_news=1 &&
	mlrepo bundle create --since "$t" backdated.tar.gz &&
	mlrepo init -q fresh-backdated &&
	mlrepo -C fresh-backdated bundle unbundle ../backdated.tar.gz &&
	exp-log -C fresh-backdated history -r $run old_news >out &&
	test_line_count = 1 out &&
	mlrepo -C fresh-backdated fsck
'

# Two repositories that both log to one run: points are known by what they
# say (key, step, time, value), not by each repository's own sequence
# number, so a merge keeps both sides' points.  A param set to different
# values on the two sides is a conflict: the rest goes in, ours is kept.
test_expect_success 'unbundling keeps both sides points; a param conflict is exit 1' '
	mlrepo init -q side-a && mlrepo init -q side-b &&
	run=$(exp-log -C side-a start -e shared -p p=1) &&
	exp-log -C side-a metric -r $run m=1 &&
	mlrepo -C side-a bundle create ../a1.tar.gz &&
	mlrepo -C side-b bundle unbundle ../a1.tar.gz &&
	exp-log -C side-a metric -r $run m=2 &&
	exp-log -C side-b metric -r $run m=3 &&
	mlrepo -C side-a bundle create ../a2.tar.gz &&
	mlrepo -C side-b bundle unbundle ../a2.tar.gz &&
	exp-log -C side-b history -r $run m >hist &&
	cut -f2 hist | sort >values &&
	printf "1\n2\n3\n" >want &&
	test_cmp want values &&
	mlrepo -C side-b bundle unbundle ../a2.tar.gz &&
	exp-log -C side-b history -r $run m >hist2 &&
	test_line_count = 3 hist2 &&
	exp-log -C side-a param -r $run q=from-a &&
	exp-log -C side-a tag -r $run t=x &&
	exp-log -C side-b param -r $run q=from-b &&
	mlrepo -C side-a bundle create ../a3.tar.gz &&
	test_expect_code 1 mlrepo -C side-b bundle unbundle ../a3.tar.gz 2>err &&
	test_grep "conflict: param q of run ${run%????????????????????}: kept .from-b., the bundle has .from-a." err &&
	exp-log -C side-b show $run >show &&
	test_grep "^  q = from-b$" show &&
	test_grep "^  t = x$" show &&
	test_expect_code 1 mlrepo -C side-b bundle unbundle ../a3.tar.gz 2>err &&
	mlrepo -C side-b fsck
'

test_done
