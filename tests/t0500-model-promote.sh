#!/bin/sh
test_description='model-promote: registry, gate rules, promotion, rollback, hooks, concurrency'
. ./test-lib.sh

# The first value of "key": in one-line JSON (a number, true/false/null or a
# string without quotes in it).
jfield() {
	grep -o "\"$1\":\(\"[^\"]*\"\|[^,}]*\)" | head -n 1 | sed "s/^\"$1\"://"
}
# The status of the rule whose text is $1 in a check --format json line.
rule_status() {
	tr '{' '\n' | grep -F "\"rule\":\"$1\"" | jfield status | tr -d '"'
}
# Every file of the repository with its checksum (nothing written checks).
snapshot() { find .mlrepo -type f ! -name '*-shm' | sort | xargs sha256sum; }

test_expect_success 'register prints 1, 2, ...; a directory keeps its tree' '
	cd "$(new_repo reg)" &&
	mkdir -p m/sub && echo w1 >m/weights.bin && echo cfg >m/sub/MLmodel &&
	test "$(model-promote register churn m -m auc=0.9)" = 1 &&
	test "$(model-promote register churn m/weights.bin m/sub -m auc=0.91)" = 2 &&
	model-promote show churn:1 --json >one &&
	test_grep "\"path\":\"weights.bin\"" one &&
	test_grep "\"path\":\"sub/MLmodel\"" one &&
	model-promote show churn:2 --json >two &&
	test_grep "\"path\":\"weights.bin\"" two &&
	test_grep "\"path\":\"sub/MLmodel\"" two &&
	sha=$(sha256sum m/weights.bin | cut -c1-64) &&
	test_grep "\"sha256\":\"$sha\"" two &&
	test "$(jfield auc <two)" = 0.91
'

test_expect_success 'references: NAME, NAME@latest, NAME:N; unknown ones are exit 2' '
	cd "$TRASH/reg" &&
	test "$(model-promote show churn --json | jfield version)" = 2 &&
	test "$(model-promote show churn@latest --json | jfield version)" = 2 &&
	test "$(model-promote show churn:1 --json | jfield version)" = 1 &&
	test_expect_code 2 model-promote show churn:3 2>err &&
	test_grep "no version 3 of model .churn." err &&
	test_expect_code 2 model-promote show churn@prod 2>err &&
	test_grep "no alias .prod." err &&
	test_expect_code 2 model-promote show nosuch 2>err &&
	test_grep "no model .nosuch." err &&
	test_expect_code 2 model-promote show churn:0 &&
	test_expect_code 2 model-promote show churn:x &&
	test_expect_code 2 model-promote show 9churn
'

test_expect_success 'bad input is exit 2 and writes nothing' '
	cd "$TRASH/reg" &&
	snapshot >before &&
	test_expect_code 2 model-promote register churn nosuch.bin &&
	test_expect_code 2 model-promote register churn m -m auc=high 2>err &&
	test_grep "not a number" err &&
	test_expect_code 2 model-promote register check m 2>err &&
	test_grep "check" err &&
	test_expect_code 2 model-promote register "bad name" m &&
	test_expect_code 2 model-promote register churn m/weights.bin m/weights.bin 2>err &&
	test_grep "two files named" err &&
	mkdir -p bad/sub && echo new >bad/a.bin && echo new2 >bad/sub/b.bin &&
	mkfifo bad/sub/z.fifo &&
	test_expect_code 2 model-promote register churn bad 2>err &&
	test_grep "z.fifo" err &&
	test_expect_code 2 model-promote register churn bad/a.bin bad 2>err &&
	test_expect_code 2 model-promote register churn bad/a.bin a/../bad/a.bin 2>err &&
	test_expect_code 2 model-promote churn:1 --to latest 2>err &&
	test_grep "reserved" err &&
	test_expect_code 2 model-promote churn:1 --to prod --require "auc >>= 1" &&
	test_expect_code 2 model-promote churn:1 --to prod --force &&
	test_expect_code 2 model-promote churn:1 &&
	snapshot >after &&
	test_cmp before after
'

test_expect_success 'metrics, params and lineage come from the run; -m wins' '
	cd "$(new_repo run)" &&
	echo w >model.bin &&
	run=$(exp-log start -e churn -n fit -p lr=0.1 -p depth=6) &&
	exp-log metric -r $run auc=0.8 --step 1 &&
	exp-log metric -r $run auc=0.85 --step 2 &&
	exp-log metric -r $run loss=0.3 &&
	exp-log input -r $run churn_train --digest abc123 --source "fs:tx" &&
	test "$(model-promote register churn model.bin -r $run -m loss=0.25)" = 1 &&
	model-promote show churn:1 --json >j &&
	test "$(jfield auc <j)" = 0.85 &&
	test "$(jfield loss <j)" = 0.25 &&
	test "$(jfield lr <j)" = "\"0.1\"" &&
	test "$(jfield run <j)" = "\"$run\"" &&
	test "$(jfield experiment <j)" = "\"churn\"" &&
	test_grep "\"inputs\":\[{\"name\":\"churn_train\",\"digest\":\"abc123\",\"context\":\"train\",\"source\":\"fs:tx\"}" j &&
	model-promote show churn:1 >text &&
	test_grep "^inputs:" text &&
	test_grep "churn_train" text &&
	MLREPO_RUN=$run model-promote register churn model.bin >v &&
	test "$(cat v)" = 2 &&
	test "$(model-promote show churn:2 --json | jfield auc)" = 0.85
'

test_expect_success '--from-run registers an artifact with no copy' '
	cd "$TRASH/run" &&
	run=$(exp-log start -e churn -n art) &&
	mkdir d && echo a >d/a.bin && echo b >d/b.bin && head -c 5000 /dev/zero >big.bin &&
	exp-log artifact -r $run d --name model &&
	exp-log artifact -r $run big.bin --name weights.bin &&
	exp-log metric -r $run auc=0.7 &&
	n0=$(find .mlrepo/objects -type f | wc -l) &&
	v=$(model-promote register churn --from-run $run:model) &&
	n1=$(find .mlrepo/objects -type f | wc -l) &&
	test $n0 = $n1 &&
	model-promote show churn:$v --json >j &&
	test_grep "\"path\":\"a.bin\"" j &&
	test "$(jfield auc <j)" = 0.7 &&
	test "$(jfield source <j)" = "\"runs:/$run/model\"" &&
	tree1=$(jfield tree <j) &&
	v=$(model-promote register churn --from-run $run:weights.bin) &&
	n2=$(find .mlrepo/objects -type f | wc -l) &&
	test $n2 = $((n1 + 1)) &&
	test_grep "\"path\":\"weights.bin\",\"sha256\":\"$(sha256sum big.bin | cut -c1-64)\"" \
		"$(model-promote show churn:$v --json >k && echo k)" &&
	v=$(model-promote register churn --from-run runs:/$run/model) &&
	test "$(model-promote show churn:$v --json | jfield tree)" = "$tree1" &&
	test_expect_code 2 model-promote register churn --from-run $run:nosuch 2>err &&
	test_grep "no artifact .nosuch." err &&
	test_expect_code 2 model-promote register churn --from-run $run
'

# A model with versions 1..4 and the metrics the rules below need.
gate_repo() {
	cd "$(new_repo "$1")" && echo w >m.bin &&
	model-promote register churn m.bin -m auc=0.90 -m latency_ms=20 -m zero=0 >/dev/null &&
	model-promote register churn m.bin -m auc=0.905 -m latency_ms=22 -m zero=0 >/dev/null &&
	model-promote register churn m.bin -m auc=0.95 -m latency_ms=23 -m bad=nan >/dev/null &&
	model-promote register churn m.bin -m auc=0.80 >/dev/null
}

test_expect_success 'the first promotion with no rules passes; then rules compare with it' '
	gate_repo gate &&
	model-promote churn:1 --to production >out &&
	test "$(model-promote alias churn@production)" = 1 &&
	test_grep "no version holds it yet" out
'

# check VERSION RULE EXPECTED-STATUS [EXIT]
check_rule() {
	model-promote check churn:$1 --to production --require "$2" --format json >json
	cr_rc=$?
	test "$(rule_status "$2" <json)" = "$3" || {
		echo "rule $2 on churn:$1: want $3, got:"; cat json; return 1; }
	test $cr_rc = "${4:-$( [ "$3" = fail ] && echo 1 || echo 0)}" || {
		echo "exit $cr_rc"; return 1; }
}

test_expect_success 'MLflow threshold: auc >= 0.80, inclusive' '
	cd "$TRASH/gate" &&
	check_rule 4 "auc >= 0.80" pass &&
	check_rule 4 "auc > 0.80" fail &&
	check_rule 4 "auc >= 0.8000001" fail
'

test_expect_success 'min_absolute_change: auc >= current.auc + 0.005' '
	cd "$TRASH/gate" &&
	check_rule 2 "auc >= current.auc + 0.005" pass &&
	check_rule 2 "auc >= current.auc + 0.006" fail &&
	check_rule 3 "auc >= current.auc + 0.005" pass
'

test_expect_success 'min_relative_change: auc >= current.auc * 1.01' '
	cd "$TRASH/gate" &&
	check_rule 2 "auc >= current.auc * 1.01" fail &&
	check_rule 3 "auc >= current.auc * 1.01" pass &&
	check_rule 3 "(auc - current.auc) / current.auc >= 0.05" pass &&
	check_rule 3 "(auc - current.auc) / current.auc >= 0.06" fail
'

test_expect_success 'lower is better: latency_ms <= current.latency_ms * 1.10' '
	cd "$TRASH/gate" &&
	check_rule 2 "latency_ms <= current.latency_ms * 1.10" pass &&
	check_rule 3 "latency_ms <= current.latency_ms * 1.10" fail &&
	check_rule 3 "latency_ms <= current.latency_ms * 1.15" pass
'

test_expect_success 'a missing candidate metric fails, whatever else holds' '
	cd "$TRASH/gate" &&
	check_rule 4 "latency_ms <= 100" fail &&
	check_rule 4 "latency_ms <= 100 OR auc > 0" fail &&
	check_rule 4 "latency_ms IS NULL" fail &&
	grep -F "churn:4 has no metric" json
'

test_expect_success 'unknown values fail: NaN, division by zero' '
	cd "$TRASH/gate" &&
	check_rule 3 "bad >= 0" fail &&
	check_rule 3 "bad != 1" fail &&
	check_rule 2 "auc / zero > 1" fail &&
	check_rule 2 "auc >= current.auc / current.zero" fail &&
	grep -F "unknown" json
'

test_expect_success 'current.* without a holder, or a holder lacking it, is skipped; --strict fails' '
	cd "$TRASH/gate" &&
	check_rule 3 "bad >= current.bad" skipped 0 &&
	grep -F "churn:1 (the holder) has no metric" json &&
	model-promote check churn:2 --to staging --require "auc >= current.auc" \
		--require "auc >= 0.5" --format json >json &&
	test "$(rule_status "auc >= current.auc" <json)" = skipped &&
	test "$(rule_status "auc >= 0.5" <json)" = pass &&
	test_grep "\"current\":null" json &&
	test_expect_code 1 model-promote check churn:2 --to staging --strict \
		--require "auc >= current.auc" --format json >json &&
	test "$(rule_status "auc >= current.auc" <json)" = fail &&
	test_grep "strict" json
'

test_expect_success 'rules from --require, --policy and the config all apply' '
	cd "$TRASH/gate" &&
	mlrepo config gate.production.require "latency_ms <= 30" &&
	test_when_finished "mlrepo config --unset gate.production.require" &&
	cat >policy <<-\EOF &&
	[gate "production"]
		require = auc >= current.auc
		require = auc >= 0.85
	[gate "staging"]
		require = auc >= 0.99
	EOF
	model-promote check churn:2 --to production --policy policy \
		--require "auc < 1" --format json >json &&
	test "$(tr "{" "\n" <json | grep -c "\"status\":\"pass\"")" = 4 &&
	test_grep "\"source\":\"policy policy\"" json &&
	test_grep "\"source\":\"config\"" json &&
	test_grep "\"source\":\"--require\"" json &&
	test_expect_code 1 model-promote check churn:4 --to production --policy policy >text &&
	test_grep "^fail  *auc >= 0.85" text &&
	test_grep "^fail  *latency_ms <= 30" text &&
	test_grep "^result: fail" text &&
	test_expect_code 2 model-promote check churn:2 --to production --policy nosuch &&
	printf "[gate \"production\"]\n\trequire = auc >=\n" >badpolicy &&
	test_expect_code 2 model-promote check churn:2 --to production --policy badpolicy
'

test_expect_success '--format markdown prints a table for a pull request' '
	cd "$TRASH/gate" &&
	test_expect_code 1 model-promote check churn:4 --to production \
		--require "auc >= current.auc" --require "auc > 0.5" \
		--format markdown >md &&
	test_grep "^| Rule | Candidate | Current | Result |$" md &&
	test_grep "^| \`auc >= current.auc\` | auc = 0.8 | current.auc = 0.9 | \*\*fail\*\*" md &&
	test_grep "^| \`auc > 0.5\` | auc = 0.8 |  | pass |$" md &&
	test_grep "Result: failed" md
'

test_expect_success 'a failing gate moves nothing and records nothing; --dry-run neither' '
	cd "$TRASH/gate" &&
	snapshot >before &&
	test_expect_code 1 model-promote churn:4 --to production \
		--require "auc >= current.auc" 2>err &&
	test_grep "gate failed" err &&
	model-promote churn:3 --to production --require "auc >= current.auc" --dry-run &&
	test "$(model-promote alias churn@production)" = 1 &&
	snapshot >after &&
	test_cmp before after &&
	test "$(model-promote history churn | wc -l)" = 1
'

test_expect_success 'promotion moves the alias and keeps the gate in the history' '
	cd "$TRASH/gate" &&
	model-promote churn:2 --to production --require "auc >= current.auc" \
		--reason "better auc" &&
	test "$(model-promote alias churn@production)" = 2 &&
	model-promote history churn --json >h &&
	head -n 1 h >last &&
	test "$(jfield action <last)" = "\"promote\"" &&
	test "$(jfield from <last)" = 1 &&
	test "$(jfield to <last)" = 2 &&
	test "$(jfield reason <last)" = "\"better auc\"" &&
	test_grep "\"rule\":\"auc >= current.auc\",\"source\":\"--require\",\"status\":\"pass\"" last &&
	test_grep "@" last
'

test_expect_success 'the same version again changes nothing' '
	cd "$TRASH/gate" &&
	model-promote churn:2 --to production 2>err &&
	test_grep "already" err &&
	test "$(model-promote history churn | wc -l)" = 2
'

test_expect_success '--force needs a reason and is recorded' '
	cd "$TRASH/gate" &&
	test_expect_code 2 model-promote churn:4 --to production --force \
		--require "auc >= current.auc" &&
	model-promote churn:4 --to production --force --reason "hotfix: old model leaks PII" \
		--require "auc >= current.auc" 2>err &&
	test_grep "promoted anyway" err &&
	test "$(model-promote alias churn@production)" = 4 &&
	model-promote history churn --json | head -n 1 >last &&
	test "$(jfield forced <last)" = true &&
	test "$(jfield reason <last)" = "\"hotfix: old model leaks PII\"" &&
	test "$(jfield status <last)" = "\"fail\""
'

test_expect_success 'rollbacks walk back through the promotions, and are never rolled back to' '
	cd "$TRASH/gate" &&
	# production: 1 -> 2 -> 4 (stack 1 2)
	model-promote rollback churn --alias production --reason "bad latency" &&
	test "$(model-promote alias churn@production)" = 2 &&
	model-promote churn:3 --to production &&
	model-promote rollback churn@production &&
	test "$(model-promote alias churn@production)" = 2 &&
	model-promote rollback churn@production &&
	test "$(model-promote alias churn@production)" = 1 &&
	test_expect_code 2 model-promote rollback churn@production 2>err &&
	test_grep "nothing to roll back" err &&
	test "$(model-promote alias churn@production)" = 1 &&
	model-promote history churn --alias production >h &&
	test "$(cut -f3 h | tr "\n" " ")" = "rollback rollback promote rollback promote promote promote " &&
	test "$(cut -f5,6 h | head -n 1)" = "$(printf "2\t1")"
'

test_expect_success 'post-promote hook: NAME ALIAS OLD NEW, after the commit, not on failure' '
	cd "$TRASH/gate" &&
	cat >.mlrepo/hooks/post-promote <<-\EOF &&
	#!/bin/sh
	echo "$MLREPO_PROMOTE_ACTION $1 $2 [$3] [$4] $(model-promote alias $1@$2)" >>hook.log
	EOF
	chmod +x .mlrepo/hooks/post-promote &&
	test_when_finished "rm -f .mlrepo/hooks/post-promote" &&
	model-promote churn:2 --to production >out &&
	model-promote churn:3 --to staging >out &&
	test_expect_code 1 model-promote churn:4 --to production --require "auc > 0.9" &&
	model-promote churn:4 --to production --dry-run &&
	model-promote rollback churn@production &&
	printf "%s\n" "promote churn production [1] [2] 2" \
		"promote churn staging [] [3] 3" \
		"rollback churn production [2] [1] 1" >expect &&
	test_cmp expect hook.log &&
	! test_grep "promote" out
'

test_expect_success 'the hook runs at the top of the work tree, told the repository' '
	cd "$TRASH/gate" &&
	printf "#!/bin/sh\necho \"\$(pwd) \$MLREPO_DIR\" >where.log\n" \
		>.mlrepo/hooks/post-promote &&
	chmod +x .mlrepo/hooks/post-promote &&
	test_when_finished "rm -f .mlrepo/hooks/post-promote where.log" &&
	mkdir -p sub && (cd sub && model-promote -q churn:3 --to hooked) &&
	test "$(cat where.log)" = "$(pwd) $(pwd)/.mlrepo" &&
	! test -e sub/where.log &&
	model-promote -q alias --delete churn@hooked
'

test_expect_success 'a failing hook warns; a hook that is not executable is not run' '
	cd "$TRASH/gate" &&
	printf "#!/bin/sh\nexit 3\n" >.mlrepo/hooks/post-promote &&
	chmod +x .mlrepo/hooks/post-promote &&
	test_when_finished "rm -f .mlrepo/hooks/post-promote" &&
	model-promote churn:2 --to production 2>err &&
	test_grep "hook exited with status 3" err &&
	printf "#!/bin/sh\necho ran >>ran.log\n" >.mlrepo/hooks/post-promote &&
	chmod -x .mlrepo/hooks/post-promote &&
	model-promote churn:3 --to production &&
	! test -e ran.log
'

test_expect_success 'rm: refused while an alias holds the version; numbers are never reused' '
	cd "$TRASH/gate" &&
	test "$(model-promote alias churn@production)" = 3 &&
	test_expect_code 2 model-promote rm churn:3 2>err &&
	test_grep "held by alias production" err &&
	test_expect_code 2 model-promote rm churn &&
	model-promote rm churn:4 &&
	test_expect_code 2 model-promote show churn:4 &&
	test "$(model-promote register churn m.bin)" = 5 &&
	model-promote rm churn:2 &&
	# 2 left the rollback stack of production (2 1 -> 1)
	model-promote rollback churn@production &&
	test "$(model-promote alias churn@production)" = 1
'

test_expect_success 'alias --delete is recorded, and the alias is gone' '
	cd "$TRASH/gate" &&
	model-promote alias --delete churn@staging --reason "unused" &&
	test_expect_code 2 model-promote alias churn@staging &&
	test_expect_code 2 model-promote alias --delete churn@staging &&
	model-promote history churn --json | head -n 1 >last &&
	test "$(jfield action <last)" = "\"delete\"" &&
	test "$(jfield to <last)" = null &&
	test "$(model-promote alias churn)" = "$(printf "production\t1")"
'

test_expect_success 'tags: set, shown, deleted' '
	cd "$TRASH/gate" &&
	model-promote tag churn:1 team=risk stage=gold &&
	model-promote show churn:1 --json >j &&
	test "$(jfield team <j)" = "\"risk\"" &&
	model-promote tag churn:1 --delete team &&
	! test_grep team "$(model-promote show churn:1 --json >k && echo k)" &&
	test_expect_code 2 model-promote tag churn:1 --delete team &&
	test_expect_code 2 model-promote tag churn:1 "=1"
'

test_expect_success 'ls lists models and versions (TSV in a pipe, --json)' '
	cd "$TRASH/gate" &&
	model-promote ls >out &&
	test "$(cut -f1-4 out)" = "$(printf "churn\t5\t3\tproduction=1")" &&
	model-promote ls churn >out &&
	test "$(cut -f1 out | tr "\n" " ")" = "1 3 5 " &&
	test "$(head -n 1 out | cut -f3)" = production &&
	model-promote ls --json >j &&
	test_grep "^{\"name\":\"churn\",\"latest\":5,\"versions\":3" j &&
	test_line_count = 1 j &&
	model-promote ls churn --json >j &&
	test_line_count = 3 j &&
	test "$(head -n 1 j | jfield version)" = 1 &&
	test_expect_code 2 model-promote ls nosuch
'

test_expect_success 'mlrepo fsck is clean and status counts models' '
	cd "$TRASH/gate" &&
	mlrepo fsck &&
	mlrepo status >st &&
	test_grep "models: *1 (3 versions)" st
'

test_expect_success 'a --since bundle carries the version an alias move points at' '
	cd "$(new_repo since-a)" && echo w >m.bin &&
	model-promote register c m.bin -m auc=1 >/dev/null &&
	mlrepo bundle create ../full.tar.gz 2>/dev/null &&
	sleep 2 &&
	model-promote -q c:1 --to prod &&
	mlrepo bundle create --since -1s ../inc.tar.gz 2>/dev/null &&
	cd "$(new_repo since-b)" &&
	snapshot >before &&
	test_expect_code 2 mlrepo bundle unbundle ../inc.tar.gz 2>err &&
	test_grep "neither in the bundle nor in the repository" err &&
	snapshot >after &&
	test_cmp before after &&
	mlrepo bundle unbundle ../full.tar.gz 2>/dev/null &&
	mlrepo bundle unbundle ../inc.tar.gz 2>/dev/null &&
	test "$(model-promote alias c@prod)" = 1 &&
	mlrepo fsck
'

test_expect_success 'concurrent promotions to one alias: one history order, alias consistent' '
	cd "$(new_repo race)" && echo w >m.bin &&
	model-promote register m m.bin -m auc=0.80 >/dev/null &&
	model-promote m:1 --to prod >/dev/null &&
	for i in 1 2 3 4 5 6; do
		a=$(model-promote register m m.bin -m auc=0.9$i) &&
		b=$(model-promote register m m.bin -m auc=0.9${i}5) &&
		{ model-promote -q m:$a --to prod --require "auc > current.auc" >/dev/null 2>&1 & } &&
		{ model-promote -q m:$b --to prod --require "auc > current.auc" >/dev/null 2>&1 & } &&
		wait || return 1
	done &&
	model-promote history m --alias prod >h &&
	# newest first: each move starts where the one before it ended
	awk -F"\t" "NR > 1 && \$6 != prev { print \"broken chain at \" NR; bad = 1 }
		{ prev = \$5 } END { exit bad }" h &&
	test "$(head -n 1 h | cut -f6)" = "$(model-promote alias m@prod)" &&
	test "$(model-promote alias m@prod)" = 13 &&
	mlrepo fsck
'

test_done
