#!/bin/sh
test_description='the harness itself: test_when_finished and test_grep'
. ./test-lib.sh

# run_sub NAME: run the test script read from stdin as NAME.sh, with its
# own trash directory under ./NAME-tmp; its TAP output goes to NAME.out and
# its exit status to NAME.rc.  The inner script sources this test-lib.sh;
# $LOGDIR in it is this directory, where its blocks leave what they saw.
run_sub() {
	mkdir -p "$1-tmp" &&
	{
		echo "test_description='inner: $1'" &&
		echo '. "$HARNESS_LIB"' &&
		cat
	} >"$1.sh" &&
	HARNESS_LIB="$TEST_DIR/test-lib.sh" LOGDIR=$PWD TMPDIR="$PWD/$1-tmp" \
		MLREPO_TEST_KEEP= sh "$1.sh" >"$1.out" 2>"$1.err"
	echo $? >"$1.rc"
}

test_expect_success 'test_when_finished runs after a passing block, last first' '
	run_sub pass <<-\EOF &&
	test_expect_success "passes" "
		test_when_finished \"echo first >>$LOGDIR/pass.log\" &&
		test_when_finished \"echo second >>$LOGDIR/pass.log\" &&
		echo body >>$LOGDIR/pass.log
	"
	test_done
	EOF
	echo 0 >expect && test_cmp expect pass.rc &&
	test_grep "^ok 1 - passes$" pass.out &&
	printf "body\nsecond\nfirst\n" >expect && test_cmp expect pass.log
'

test_expect_success 'test_when_finished runs after a failing block too' '
	run_sub fail <<-\EOF &&
	test_expect_success "fails" "
		test_when_finished \"echo cleaned >$LOGDIR/fail.log\" &&
		false
	"
	test_expect_success "the next test sees the cleanup done" "
		test -f $LOGDIR/fail.log
	"
	test_done
	EOF
	echo 1 >expect && test_cmp expect fail.rc &&
	test_grep "^not ok 1 - fails$" fail.out &&
	test_grep "^ok 2 - the next test sees the cleanup done$" fail.out &&
	echo cleaned >expect && test_cmp expect fail.log
'

test_expect_success 'test_when_finished runs when the block calls exit' '
	run_sub exits <<-\EOF &&
	test_expect_success "exits" "
		test_when_finished \"echo cleaned >$LOGDIR/exits.log\" &&
		for i in 1 2; do test \$i = 1 || exit 4; done
	"
	test_done
	EOF
	test_grep "^not ok 1 - exits$" exits.out &&
	test_grep "exit status 4" exits.out &&
	echo cleaned >expect && test_cmp expect exits.log
'

test_expect_success 'a failing cleanup fails a passing block; the others still run' '
	run_sub badclean <<-\EOF &&
	test_expect_success "cleanup fails" "
		test_when_finished \"echo ran >$LOGDIR/badclean.log\" &&
		test_when_finished \"exit 5\" &&
		true
	"
	test_done
	EOF
	echo 1 >expect && test_cmp expect badclean.rc &&
	test_grep "^not ok 1 - cleanup fails$" badclean.out &&
	test_grep "cleanup .exit 5. failed (exit 5)" badclean.out &&
	echo ran >expect && test_cmp expect badclean.log
'

test_expect_success 'a cleanup runs where it was registered and sees the body variables' '
	run_sub where <<-\EOF &&
	test_expect_success "cd and variables" "
		mkdir -p sub/dir && cd sub/dir &&
		name=\"it'\''s here\" &&
		test_when_finished \"pwd >>$LOGDIR/where.log\" &&
		test_when_finished '\''echo \"\$name\" >>$LOGDIR/where.log'\'' &&
		cd /
	"
	test_done
	EOF
	test_grep "^ok 1 - cd and variables$" where.out &&
	sed -n 1p where.log >got && echo "it'\''s here" >expect && test_cmp expect got &&
	sed -n 2p where.log >got && test_grep "/sub/dir$" got
'

test_expect_success 'test_when_finished in a subshell of the block, or outside one, is refused' '
	run_sub nested <<-\EOF &&
	test_expect_success "in a subshell" "
		(test_when_finished \"echo lost >$LOGDIR/nested.log\" && true)
	"
	test_done
	EOF
	test_grep "^not ok 1 - in a subshell$" nested.out &&
	test_grep "used in a subshell" nested.out &&
	test ! -e nested.log &&
	run_sub outside <<-\EOF &&
	test_when_finished "echo never"
	test_done
	EOF
	echo 1 >expect && test_cmp expect outside.rc &&
	test_grep "^Bail out! test_when_finished used outside a test body$" outside.out
'

test_expect_success 'test_grep on stdin shows what it read when it fails' '
	run_sub grepin <<-\EOF &&
	test_expect_success "no match on stdin" "
		printf \"alpha\\nbeta\\n\" | test_grep gamma
	"
	test_expect_success "empty stdin" "
		test_grep gamma </dev/null
	"
	test_expect_success "a match on stdin, and options" "
		printf \"alpha\\nbeta\\n\" | test_grep -v -- alpha &&
		printf \"alpha\\n\" | test_grep -e x -e alpha
	"
	test_done
	EOF
	test_grep "^not ok 1 - no match on stdin$" grepin.out &&
	test_grep "test_grep: no match: grep gamma$" grepin.out &&
	test_grep "its standard input was:$" grepin.out &&
	test_grep "^#	alpha$" grepin.out && test_grep "^#	beta$" grepin.out &&
	test_grep "^not ok 2 - empty stdin$" grepin.out &&
	test_grep "its standard input was empty" grepin.out &&
	test_grep "^ok 3 - a match on stdin, and options$" grepin.out
'

test_expect_success 'test_grep on a file names the file and shows it when it fails' '
	printf "one\ntwo\n" >searched &&
	test_must_fail test_grep three searched 2>err &&
	test_grep "^test_grep: no match: grep three searched$" err &&
	test_grep "^test_grep: .searched. holds:$" err &&
	test_grep "^two$" err &&
	test_grep -e t -e x searched >out &&
	echo two >expect && test_cmp expect out
'

test_done
