#!/bin/sh
test_description='exp-log: edge cases found by adversarial testing'
. ./test-lib.sh

test_expect_success 'steps: integers within 2^53, else exit 2' '
	run=$(exp-log start) &&
	test_expect_code 2 exp-log metric -r $run --step 9223372036854775807 q=1 2>err &&
	test_grep "out of range" err &&
	test_expect_code 2 exp-log metric -r $run --step 1e3 q=1 2>err &&
	test_expect_code 2 exp-log metric -r $run --no-step q=1 2>err &&
	exp-log metric -r $run --step 9007199254740992 q=1 &&
	echo "q=2 step=-9007199254740993" >s.txt &&
	test_expect_code 2 exp-log log -r $run s.txt 2>err &&
	test_grep "line 1: step" err
'

test_expect_success 'metric values: no hex, no overflow' '
	run=$(exp-log start) &&
	test_expect_code 2 exp-log metric -r $run m=0x10 2>err &&
	test_expect_code 2 exp-log metric -r $run m=1e400 2>err &&
	test_grep "out of range" err &&
	exp-log metric -r $run m=-Inf n=NaN
'

test_expect_success 'JSON records: case-sensitive keys, no trailing text, no NUL, times in range' '
	run=$(exp-log start) &&
	printf "{\"Param\":\"p\",\"value\":1}\n" >a.jsonl &&
	test_expect_code 2 exp-log log -r $run a.jsonl 2>err &&
	printf "{\"metric\":\"a\",\"value\":1} trailing\n" >b.jsonl &&
	test_expect_code 2 exp-log log -r $run b.jsonl 2>err &&
	printf "d=1\000garbage\n" >c.txt &&
	test_expect_code 2 exp-log log -r $run c.txt 2>err &&
	test_grep "NUL" err &&
	printf "{\"metric\":\"a\",\"value\":1,\"time\":1e300}\n" >d.jsonl &&
	test_expect_code 2 exp-log log -r $run d.jsonl 2>err &&
	printf "{\"metric\":\"a\",\"value\":1e400}\n" >e.jsonl &&
	test_expect_code 2 exp-log log -r $run e.jsonl 2>err &&
	test_expect_code 2 exp-log history -r $run a 2>/dev/null
'

test_expect_success 'exp-log log of a directory is exit 2' '
	run=$(exp-log start) && mkdir dir &&
	test_expect_code 2 exp-log log -r $run dir 2>err &&
	test_grep "is a directory" err
'

test_expect_success 'get-artifact refuses an empty or non-regular target' '
	run=$(exp-log start) && echo w >w.bin && exp-log artifact -r $run w.bin &&
	test_expect_code 2 exp-log get-artifact $run w.bin -o "" 2>err &&
	mkfifo fifo &&
	test_expect_code 2 exp-log get-artifact $run w.bin -o fifo 2>err &&
	test -p fifo
'

test_expect_success 'writing to a run removed by exp-log gc fails cleanly' '
	run=$(exp-log start) && exp-log rm $run && exp-log gc -q &&
	test_expect_code 2 exp-log metric -r $run m=1 2>err &&
	test_grep "no such run" err &&
	mlrepo fsck
'

test_expect_success 'fsck reports rows whose run is gone' '
	run=$(exp-log start) && exp-log metric -r $run m=1 &&
	drop_points() {
		sqlite3 .mlrepo/catalog.db "DELETE FROM metrics WHERE run = \"$run\"; DELETE FROM latest WHERE run = \"$run\""
	} &&
	test_when_finished "drop_points && mlrepo fsck" &&
	sqlite3 .mlrepo/catalog.db "DELETE FROM runs WHERE id = \"$run\"" &&
	test_expect_code 1 mlrepo fsck >out &&
	test_grep "metric points of runs that do not exist" out
'

test_expect_success '--limit must not be negative; at most 200 columns' '
	test_expect_code 2 exp-log ls --limit -1 2>err &&
	cols=$(seq 1 201 | sed "s/^/metrics.m/" | tr "\n" "," ) &&
	test_expect_code 2 exp-log ls --columns "$cols" 2>err &&
	test_grep "at most 200" err
'

test_expect_success 'a usage error is exit 2 before the repository is opened' '
	test_expect_code 2 exp-log --repo "$TRASH/nowhere" metric 2>err &&
	test_grep "give KEY=VALUE" err &&
	test_expect_code 2 mlrepo --repo "$TRASH/nowhere" fsck extra 2>err &&
	test_expect_code 3 exp-log --repo "$TRASH/nowhere" ls 2>err &&
	test_grep "not a repository" err &&
	mlrepo init -q old &&
	mlrepo init -q new &&
	latest=$(sqlite3 new/.mlrepo/catalog.db "PRAGMA user_version") &&
	sqlite3 old/.mlrepo/catalog.db "DROP TABLE inputs; ALTER TABLE metrics DROP COLUMN recorded; ALTER TABLE runs DROP COLUMN time; PRAGMA user_version = 3" &&
	test_expect_code 2 exp-log -C old ls extra 2>err &&
	test "$(sqlite3 old/.mlrepo/catalog.db "PRAGMA user_version")" = 3 &&
	exp-log -C old ls >out &&
	test "$(sqlite3 old/.mlrepo/catalog.db "PRAGMA user_version")" = "$latest" &&
	test "$latest" -gt 5
'

test_expect_success 'show makes control characters visible, as ls and diff do' '
	esc=$(printf "\033") &&
	run=$(exp-log start -n "two
lines" -p "v=a${esc}[31mred" -t "t=x	y") &&
	exp-log show $run >out &&
	test_grep "^name        two\\\\nlines$" out &&
	test_grep "^  v = a\\\\x1b\[31mred$" out &&
	test_grep "^  t = x\\\\ty$" out &&
	! grep -q "$esc" out
'

test_done
