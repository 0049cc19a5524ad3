#!/bin/sh
test_description='exp-log: start, param, tag, metric, end, show, history'
. ./test-lib.sh

test_expect_success 'start prints a 32-hex run id alone on stdout' '
	exp-log start -e churn -n first -p lr=0.01 -p model=xgb -t team=ml >id &&
	test_line_count = 1 id &&
	grep -E "^[0-9a-f]{32}$" id &&
	exp-log show $(cat id) >out &&
	test_grep "^experiment  churn$" out &&
	test_grep "^name        first$" out &&
	test_grep "^status      running$" out &&
	test_grep "^  lr = 0.01$" out &&
	test_grep "^  team = ml$" out
'

test_expect_success 'the default experiment is "default"' '
	exp-log start >id2 &&
	exp-log show --json $(cat id2) >out &&
	test_grep "\"experiment\":\"default\"" out
'

test_expect_success 'MLREPO_RUN is the default run; -r takes a prefix of 6+' '
	run=$(cat id) && export MLREPO_RUN=$run &&
	exp-log param batch=32 &&
	exp-log tag stage=dev &&
	exp-log metric loss=0.9 acc=0.5 &&
	unset MLREPO_RUN &&
	exp-log metric -r $(echo $run | cut -c1-6) loss=0.7 &&
	exp-log show $run >out &&
	test_grep "^  batch = 32$" out &&
	test_grep "^  loss = 0.7 (step 1, 2 points)$" out &&
	test_grep "^  acc = 0.5 (step 0, 1 point)$" out
'

test_expect_success 'params are write-once: same value fine, another is exit 2' '
	run=$(cat id) &&
	exp-log param -r $run lr=0.01 &&
	test_expect_code 2 exp-log param -r $run lr=0.02 2>err &&
	test_grep "param .lr. is already .0.01." err &&
	exp-log show $run >out && test_grep "^  lr = 0.01$" out
'

test_expect_success 'tags can be overwritten' '
	run=$(cat id) &&
	exp-log tag -r $run team=infra &&
	exp-log show $run >out && test_grep "^  team = infra$" out
'

test_expect_success 'steps: default is one more than the largest; at equal steps the last wins' '
	run=$(exp-log start) &&
	exp-log metric -r $run m=1 &&
	exp-log metric -r $run m=2 &&
	exp-log metric -r $run --step 10 m=3 &&
	exp-log metric -r $run m=4 &&
	exp-log metric -r $run --step 5 m=5 &&
	exp-log metric -r $run --step 11 m=6 &&
	exp-log metric -r $run --step 11 m=7 &&
	exp-log history -r $run m >out &&
	cut -f1,2 out >got &&
	printf "0\t1\n1\t2\n5\t5\n10\t3\n11\t4\n11\t6\n11\t7\n" >expect &&
	test_cmp expect got &&
	exp-log show --json $run >out &&
	test_grep "\"m\":7" out
'

test_expect_success 'NaN and infinities are stored and shown as such' '
	run=$(exp-log start) &&
	exp-log metric -r $run a=nan b=inf c=-inf d=1e-300 &&
	exp-log show $run >out &&
	test_grep "^  a = nan " out && test_grep "^  b = inf " out &&
	test_grep "^  c = -inf " out && test_grep "^  d = 1e-300 " out &&
	exp-log show --json $run >out &&
	test_grep "\"a\":\"NaN\"" out && test_grep "\"b\":\"Infinity\"" out
'

test_expect_success '--time sets when a point was measured' '
	run=$(exp-log start) &&
	exp-log metric -r $run --time 2026-01-02T03:04:05Z x=1 &&
	exp-log history -r $run x >out &&
	test_grep "2026-01-02T03:04:05Z" out
'

test_expect_success 'end: finished by default; --status; a dead run can be fixed' '
	run=$(exp-log start) &&
	exp-log end -r $run &&
	exp-log show $run >out && test_grep "^status      finished$" out &&
	run2=$(exp-log start) &&
	exp-log show $run2 >out && test_grep "^status      running$" out &&
	exp-log end -r $run2 --status killed &&
	exp-log show $run2 >out && test_grep "^status      killed$" out &&
	test_expect_code 2 exp-log end -r $run2 --status paused 2>err &&
	test_grep "not a run status" err
'

test_expect_success 'experiments lists them with run counts' '
	exp-log experiments >out &&
	test_grep "^churn	1	" out &&
	exp-log experiments --json >out &&
	test_grep "\"name\":\"default\"" out
'

test_expect_success 'experiments have tags: tag -e' '
	exp-log tag -e churn owner=ml "goal=beat baseline" &&
	exp-log experiments >out &&
	test_grep "^churn	1	.*	goal=beat baseline,owner=ml$" out &&
	exp-log experiments --json >out &&
	test_grep "\"tags\":{\"goal\":\"beat baseline\",\"owner\":\"ml\"}" out &&
	test_expect_code 2 exp-log tag -e nosuch a=b 2>err &&
	test_grep "no such experiment" err &&
	test_expect_code 2 exp-log tag -e churn -r $(cat id) a=b 2>err
'

test_expect_success 'history --json; unknown metric is exit 2' '
	exp-log history -r $(cat id) loss --json >out &&
	test_line_count = 2 out &&
	test_grep "\"value\":0.7" out &&
	test_expect_code 2 exp-log history -r $(cat id) nosuch 2>err &&
	test_grep "no metric .nosuch." err
'

test_expect_success 'bad input: no run, unknown run, short or ambiguous prefix' '
	test_expect_code 2 exp-log metric x=1 2>err &&
	test_grep "no run given" err && test_grep "MLREPO_RUN" err &&
	test_expect_code 2 exp-log metric -r ffffffffffff x=1 2>err &&
	test_grep "no such run" err &&
	test_expect_code 2 exp-log metric -r abc x=1 2>err &&
	test_grep "not a run id" err &&
	test_expect_code 2 env MLREPO_RUN=zzzzzzzz exp-log metric x=1 2>err &&
	test_grep "MLREPO_RUN" err &&
	for i in $(seq 1 40); do exp-log start >>many; done &&
	p=$(cut -c1 many | sort | uniq -d | head -1) &&
	pre=$(grep "^$p" many | head -1 | cut -c1-6) &&
	n=$(grep -c "^$pre" many) &&
	if test $n -gt 1; then
		test_expect_code 2 exp-log show $pre 2>err &&
		test_grep "ambiguous" err
	fi
'

test_expect_success 'an ambiguous prefix is refused (forced)' '
	a=aaaaaa0000000000000000000000000a b=aaaaaa0000000000000000000000000b &&
	sqlite3 .mlrepo/catalog.db "INSERT INTO runs(id, experiment, status, start_time) VALUES (\"$a\", \"default\", \"running\", 1), (\"$b\", \"default\", \"running\", 2)" &&
	test_expect_code 2 exp-log show aaaaaa 2>err &&
	test_grep "ambiguous run id prefix .aaaaaa." err &&
	exp-log show aaaaaa0000000000000000000000000a >/dev/null
'

test_expect_success 'bad KEY=VALUE: no =, bad key, bad number; nothing written' '
	run=$(cat id) &&
	before=$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM metrics") &&
	test_expect_code 2 exp-log metric -r $run loss 2>err &&
	test_grep "expected metric KEY=VALUE, not .loss." err &&
	test_expect_code 2 exp-log metric -r $run "bad!key=1" 2>err &&
	test_grep "bad metric key .bad!key." err &&
	test_expect_code 2 exp-log metric -r $run ok=1 loss=abc 2>err &&
	test_grep "metric .loss.: not a number: .abc." err &&
	test_expect_code 2 exp-log param -r $run "=x" 2>err &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM metrics")" = "$before"
'

test_expect_success 'limits: 250-byte keys, 6000-byte param values' '
	run=$(exp-log start) &&
	k=$(printf "%0250d" 0) && exp-log param -r $run "$k=1" &&
	test_expect_code 2 exp-log param -r $run "${k}1=1" 2>err &&
	test_grep "longer than 250" err &&
	v=$(printf "%06000d" 0) && exp-log param -r $run "big=$v" &&
	test_expect_code 2 exp-log param -r $run "big2=${v}1" 2>err &&
	test_grep "longer than 6000" err
'

test_expect_success 'a run inside a git work tree records the commit and dirty flag' '
	mkdir gitwork && cd gitwork && git init -q && echo a >f && git add f &&
	git commit -qm one && mlrepo init -q &&
	run=$(exp-log start) &&
	exp-log show --json $run >out &&
	test_grep "\"git_commit\":\"$(git rev-parse HEAD)\"" out &&
	test_grep "\"git_dirty\":false" out &&
	echo b >f && run=$(exp-log start) &&
	exp-log show --json $run >out && test_grep "\"git_dirty\":true" out
'

test_expect_success 'parent runs; events journal the changes' '
	p=$(exp-log start) && c=$(exp-log start --parent $(echo $p | cut -c1-8)) &&
	exp-log show --json $c >out && test_grep "\"parent\":\"$p\"" out &&
	mlrepo log --action run. >out &&
	test_grep "run.start" out && test_grep "run.param" out
'

test_expect_success 'metric: step= and time= set the point, as in ::metric lines' '
	run=$(exp-log start) &&
	exp-log metric -r $run loss=0.3 step=10 &&
	exp-log metric -r $run loss=0.2 step=10 time=2026-01-01 &&
	exp-log history -r $run loss >out &&
	test_line_count = 2 out &&
	test_grep "^10	0.2	2026-01-01T00:00:00Z$" out &&
	exp-log show $run >show &&
	! test_grep "^  step = " show &&
	test_expect_code 2 exp-log metric -r $run --step 3 loss=1 step=4 2>err &&
	test_grep "step given twice" err &&
	test_expect_code 2 exp-log metric -r $run loss=1 step=x 2>err &&
	test_grep "step is not an integer" err &&
	printf "a=1 step=1 step=2\n" >twice.txt &&
	test_expect_code 2 exp-log log -r $run twice.txt 2>err &&
	test_grep "line 1: step= given twice" err
'

test_expect_success 'start with conflicting params creates nothing and prints no id' '
	exp-log ls --all --ids >before &&
	test_expect_code 2 exp-log start -p a=1 -p a=2 >out 2>err &&
	! test -s out &&
	test_grep "write-once" err &&
	exp-log ls --all --ids >after &&
	test_cmp before after
'

test_expect_success 'start whose id cannot be written leaves no run behind' '
	exp-log ls --all --ids >before &&
	test_expect_code 3 exp-log start -p a=1 >/dev/full 2>err &&
	test_grep "cannot write" err &&
	exp-log ls --all --ids >after &&
	test_cmp before after &&
	mlrepo log -n 1 >log &&
	test_grep "run.discard" log &&
	mlrepo fsck
'

test_done
