#!/bin/sh
test_description='exp-log log: streams of metrics, params and tags'
. ./test-lib.sh

test_expect_success 'text lines: several metrics a line, step=, comments, blanks' '
	run=$(exp-log start) && echo $run >run &&
	cat >s.txt <<-\EOF &&
	# epoch 1
	loss=0.9 acc=0.5 step=0

	loss=0.7 acc=0.6 step=1
	loss=0.5
	EOF
	exp-log log -r $run s.txt &&
	exp-log history -r $run loss >hist && cut -f1,2 hist >got &&
	printf "0\t0.9\n1\t0.7\n2\t0.5\n" >expect && test_cmp expect got &&
	exp-log history -r $run acc >hist && cut -f1,2 hist >got &&
	printf "0\t0.5\n1\t0.6\n" >expect && test_cmp expect got
'

test_expect_success 'JSON lines: metric, param, tag; from stdin' '
	run=$(cat run) &&
	cat >s.jsonl <<-\EOF &&
	{"metric":"f1","value":0.31,"step":3}
	{"metric":"f1","value":"NaN","step":4}
	{"param":"lr","value":"0.01"}
	{"param":"layers","value":3}
	{"tag":"k","value":"v"}
	EOF
	exp-log log -r $run - <s.jsonl &&
	exp-log show $run >out &&
	test_grep "^  f1 = nan (step 4, 2 points)$" out &&
	test_grep "^  lr = 0.01$" out && test_grep "^  layers = 3$" out &&
	test_grep "^  k = v$" out
'

test_expect_success 'a malformed line names its line; a file goes in whole or not at all' '
	run=$(exp-log start) &&
	printf "a=1\na=2\nb=oops\na=3\n" >bad.txt &&
	test_expect_code 2 exp-log log -r $run bad.txt 2>err &&
	test_grep "^exp-log: error: .bad.txt. line 3: metric .b.: not a number: .oops.$" err &&
	test_expect_code 2 exp-log history -r $run a 2>/dev/null &&
	printf "{\"metric\":\"x\"}\n" >bad.jsonl &&
	test_expect_code 2 exp-log log -r $run bad.jsonl 2>err &&
	test_grep "line 1: metric .x. needs a number" err &&
	printf "{\"metric\": 1,\n" >bad2.jsonl &&
	test_expect_code 2 exp-log log -r $run bad2.jsonl 2>err &&
	test_grep "line 1: not a JSON object" err &&
	printf "{\"what\":1}\n" >bad3.jsonl &&
	test_expect_code 2 exp-log log -r $run bad3.jsonl 2>err &&
	test_grep "expected .metric., .param. or .tag." err &&
	printf "loss 0.3\n" >bad4.txt &&
	test_expect_code 2 exp-log log -r $run bad4.txt 2>err &&
	test_grep "line 1: expected KEY=VALUE, not .loss." err
'

test_expect_success 'a param overwrite in a stream is an error with its line' '
	run=$(cat run) &&
	printf "{\"param\":\"lr\",\"value\":\"0.5\"}\n" >p.jsonl &&
	test_expect_code 2 exp-log log -r $run p.jsonl 2>err &&
	test_grep "line 1: param .lr. is already" err
'

test_expect_success 'a big stream: 50000 lines' '
	run=$(exp-log start) &&
	awk "BEGIN { for (i = 0; i < 50000; i++) printf \"loss=%g acc=%g\n\", 1 / (i + 1), i / 50000 }" >big.txt &&
	exp-log log -r $run big.txt &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM metrics WHERE run = \"$run\"")" = 100000 &&
	exp-log show $run >out &&
	test_grep "^  loss = 2e-05 (step 49999, 50000 points)$" out
'

test_expect_success 'a live stream from a pipe is committed in batches as it comes' '
	run=$(exp-log start) && mkfifo fifo || exit 1
	(exp-log log -r $run fifo; echo $? >rc) &
	exec 9>fifo &&
	echo "x=1" >&9 &&
	for i in $(seq 1 100); do
		n=$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM metrics WHERE run = \"$run\"") &&
		test "$n" = 1 && break
		sleep 0.1
	done &&
	test "$n" = 1 &&
	echo "x=2" >&9 && exec 9>&- && wait &&
	test "$(cat rc)" = 0 &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM metrics WHERE run = \"$run\"")" = 2
'

test_expect_success 'log reads the ::metric protocol, as run does, from a saved output' '
	run=$(exp-log start) &&
	cat >train.out <<-\EOF &&
	epoch 1 of 2
	::param lr = 0.01
	::tag  data=2026-11 extra
	::metric loss=0.5 step=1
	::metric loss=0.25 acc=0.9 step=2
	EOF
	test_expect_code 2 exp-log log -r $run train.out 2>err &&
	test_grep "train.out. line 1: expected KEY=VALUE, not .epoch." err &&
	exp-log log -r $run --protocol train.out 2>err &&
	exp-log show $run >out &&
	test_grep "^  lr = 0.01$" out &&
	test_grep "^  data = 2026-11 extra$" out &&
	test_grep "^  loss = 0.25 (step 2, 2 points)$" out &&
	test_grep "^  acc = 0.9 (step 2, 1 point)$" out &&
	printf "::metric loss=abc\n" >bad.out &&
	test_expect_code 2 exp-log log -r $run --protocol bad.out 2>err &&
	test_grep "bad.out. line 1: metric .loss.: not a number" err
'

test_expect_success 'log --protocol: a lone carriage return ends a line, as in live output' '
	run=$(exp-log start) &&
	printf "epoch 1 [=====]\r::metric loss=0.5 step=1\n  ::metric acc=0.75\n" >bar.out &&
	exp-log log -r $run --protocol bar.out &&
	exp-log show $run >out &&
	test_grep "^  loss = 0.5 (step 1, 1 point)$" out &&
	test_grep "^  acc = 0.75 " out
'

# Half a line waiting in a pipe must not keep the write lock while the
# reader waits for the rest of it.
test_expect_success 'a stream that stops in the middle of a line holds no lock' '
	run=$(exp-log start) && other=$(exp-log start) && mkfifo half || exit 1
	{ (exp-log log -r $run half; echo $? >rc) & } &&
	exec 8>half &&
	printf "a=1\nb=" >&8 &&
	for i in $(seq 1 100); do
		n=$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM metrics WHERE run = \"$run\"") &&
		test "$n" = 1 && break
		sleep 0.1
	done &&
	sleep 0.5 &&
	MLREPO_LOCK_TIMEOUT=1s exp-log metric -r $other x=1 2>err &&
	printf "2\n" >&8 && exec 8>&- && wait &&
	test "$(cat rc)" = 0 &&
	exp-log show $run >out &&
	test_grep "^  b = 2 " out
'

test_expect_success 'a JSON number given as a param keeps its text' '
	run=$(exp-log start) &&
	cat >params.jsonl <<-\EOF &&
	{"param": "big", "value": 9007199254740993}
	{"value": 1.10, "param": "f"}
	{"tag": "t", "value": -0.0e5}
	{"param": "b", "value": true}
	EOF
	exp-log log -r $run params.jsonl &&
	exp-log show $run >out &&
	test_grep "^  big = 9007199254740993$" out &&
	test_grep "^  f = 1.10$" out &&
	test_grep "^  t = -0.0e5$" out &&
	test_grep "^  b = true$" out
'

test_done
