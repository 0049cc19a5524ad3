#!/bin/sh
test_description='exp-log run: a command as a run'
. ./test-lib.sh

test_expect_success 'setup: a training script that speaks the protocol' '
	cat >train.sh <<-\EOF &&
	#!/bin/sh
	echo "starting on $MLREPO_RUN"
	echo "::param lr=0.01"
	echo "::tag kind=demo"
	for i in 0 1 2; do echo "::metric loss=0.$((9 - i)) step=$i"; done
	echo "::metric acc=0.8 f1=0.7"
	echo "warming up" >&2
	exp-log metric extra=42
	exit ${EXIT:-0}
	EOF
	chmod +x train.sh
'

test_expect_success 'records protocol lines, passes output through, keeps logs' '
	exp-log run -e demo -n t1 -p seed=1 -- ./train.sh >out 2>err &&
	run=$(sed -n "s/^exp-log: run //p" err) &&
	test_grep "^starting on $run$" out &&
	test_grep "^::metric loss=0.9 step=0$" out &&
	test_grep "^warming up$" err &&
	exp-log show $run >show &&
	test_grep "^status      finished$" show &&
	test_grep "^  lr = 0.01$" show && test_grep "^  seed = 1$" show &&
	test_grep "^  kind = demo$" show &&
	test_grep "^  loss = 0.7 (step 2, 3 points)$" show &&
	test_grep "^  acc = 0.8 " show && test_grep "^  extra = 42 " show &&
	test_grep "^exit        0 (wall" show &&
	exp-log get-artifact $run stdout.log -o stdout.copy && cmp out stdout.copy &&
	exp-log get-artifact $run stderr.log -o - >stderr.copy &&
	test_grep "^warming up$" stderr.copy &&
	exp-log show --json $run >j &&
	test_grep "\"command\":\\[\"./train.sh\"\\]" j &&
	test_grep "\"max_rss_kb\":" j
'

test_expect_success 'a failing command: run failed, exit status passed on' '
	EXIT=3 test_expect_code 3 exp-log run -q -- ./train.sh >/dev/null 2>&1 &&
	exp-log ls --filter "status = \"failed\"" >out && test_line_count = 1 out
'

test_expect_success 'a command killed by a signal: run killed, 128+N' '
	test_expect_code 143 exp-log run -q -- sh -c "kill -TERM \$\$" &&
	exp-log ls --filter "status = \"killed\"" >out && test_line_count = 1 out &&
	exp-log show --json $(cut -f1 out) >j && test_grep "\"exit_status\":143" j
'

test_expect_success 'SIGTERM to exp-log is forwarded; the run ends killed' '
	exp-log run -q -- sh -c "trap \"exit 7\" TERM; echo ready; sleep 30 & wait" >o 2>e &
	pid=$! &&
	for i in $(seq 300); do grep -q ready o 2>/dev/null && break; sleep 0.1; done &&
	kill -TERM $pid && wait $pid; rc=$? &&
	test $rc = 7 &&
	exp-log ls --filter "status = \"killed\"" >out && test_line_count = 2 out
'

test_expect_success 'a bad protocol line is a warning; the run goes on' '
	exp-log run -- sh -c "echo ::metric loss=abc; echo ::metric ok=1" >out 2>err &&
	test_grep "warning: stdout line 1: metric .loss.: not a number" err &&
	run=$(sed -n "s/^exp-log: run //p" err) &&
	exp-log show $run >show && test_grep "^  ok = 1 " show
'

test_expect_success 'a missing program: exit 3, the run is failed' '
	test_expect_code 3 exp-log run -- ./no-such-program 2>err &&
	test_grep "cannot run" err &&
	run=$(sed -n "s/^exp-log: run //p" err) &&
	exp-log show $run >show && test_grep "^status      failed$" show
'

test_expect_success 'usage: no command' '
	test_expect_code 2 exp-log run 2>err && test_grep "COMMAND" err
'

test_expect_success 'end on a wrapped run keeps what run measured' '
	exp-log run -e other -- true 2>err && run=$(sed -n "s/^exp-log: run //p" err) &&
	exp-log end -r $run --status killed &&
	exp-log show $run >show && test_grep "^status      killed$" show &&
	test_grep "^exit        0 (wall" show
'

test_expect_success '::param with spaces around = is trimmed' '
	exp-log run -e other -- sh -c "echo \"::param lr = 0.5\"" >/dev/null 2>err &&
	run=$(sed -n "s/^exp-log: run //p" err) &&
	exp-log show $run >show && test_grep "^  lr = 0.5$" show
'

# A long job may be quiet for hours; its captured output lives in tmp/
# meanwhile, and gc removes temporaries older than an hour.  Once that
# removed a running command's capture: its logs were lost and exp-log run
# exited 2 for a command that exited 0.
test_expect_success 'gc never removes the capture of a command still running' '
	mkfifo go &&
	{ exp-log run -e other -- sh -c "echo before; cat go; echo after" \
		>run.out 2>run.err & } &&
	pid=$! &&
	for i in $(seq 1 100); do
		test -s run.out && break
		sleep 0.1
	done &&
	ls .mlrepo/tmp/stdout-* .mlrepo/tmp/stderr-* >caps &&
	test_line_count = 2 caps &&
	touch -d "3 hours ago" $(cat caps) &&
	mlrepo gc 2>gc.err &&
	test_line_count = 2 caps &&
	ls $(cat caps) &&
	echo >go &&
	wait $pid &&
	run=$(sed -n "s/^exp-log: run //p" run.err) &&
	exp-log get-artifact -r $run stdout.log -o - >log &&
	printf "before\n\nafter\n" >want &&
	test_cmp want log &&
	touch -d "3 hours ago" .mlrepo/tmp &&
	echo stale >.mlrepo/tmp/stdout-left && touch -d "3 hours ago" .mlrepo/tmp/stdout-left &&
	mlrepo gc 2>gc.err &&
	test ! -e .mlrepo/tmp/stdout-left
'

test_done
