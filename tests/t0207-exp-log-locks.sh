#!/bin/sh
test_description='exp-log: no write lock is held across a subprocess'
. ./test-lib.sh

# A git that takes 2 s for each call: exp-log start runs "git rev-parse"
# and "git status" (4 s) to record the commit and whether the tree is
# dirty.  Were that done inside the write transaction, every other writer
# would wait for it; with a 1 s lock timeout the metric below would fail
# with "lock timeout".
test_expect_success 'a slow git in exp-log start does not block other writers' '
	run=$(exp-log start) &&
	mkdir -p fakebin work/.git &&
	cat >fakebin/git <<-\EOF &&
	#!/bin/sh
	sleep 2
	case "$1" in
	rev-parse) echo 0123456789abcdef0123456789abcdef01234567 ;;
	esac
	exit 0
	EOF
	chmod +x fakebin/git &&
	{ (cd work && PATH="$TRASH/fakebin:$PATH" exp-log start -n slow \
		>"$TRASH/started" 2>"$TRASH/start.err") & } &&
	starter=$! &&
	sleep 1 &&
	MLREPO_LOCK_TIMEOUT=1s exp-log metric -r $run x=1 2>err &&
	wait $starter &&
	! test -s err &&
	slow=$(cat started) &&
	exp-log show --json $slow >show.json &&
	test_grep "0123456789abcdef0123456789abcdef01234567" show.json &&
	exp-log show $run >out &&
	test_grep "^  x = 1 " out
'

test_done
