#!/bin/sh
test_description='make demo: the whole loop on the co2 example, every step checked'
. ./test-lib.sh

test_expect_success 'the demo runs every step as expected' '
	DEMO_DIR="$TRASH/demo" "$SRC_DIR/scripts/demo" >out 2>err ||
		{ cat out err; false; } &&
	test_grep "^The demo ran every step as expected" out &&
	test "$(grep -c "^[0-9][0-9]*\. " out)" = 10 &&
	cd demo &&
	test -s runs.html && test -s drift.html &&
	test "$(model-promote ls | cut -f4)" = production=4 &&
	test_line_count = 2 alerts.log &&
	head -1 alerts.log | grep " warning co2-weekly: co2 drifted$" &&
	tail -1 alerts.log | grep " critical co2-weekly: co2 drifted$" &&
	mlrepo fsck
'

test_expect_success 'the demo leaves the example in the source tree as it was' '
	cd "$SRC_DIR/share/examples/co2" &&
	test ! -e .mlrepo && test ! -e incoming && test ! -e model
'

# Each check can fail: a pipe-run that never uses its run cache is caught
# at the sweep (step 4), and the demo exits 1.
test_expect_success 'a misbehaving tool fails the demo' '
	mkdir -p "$TRASH/fake/bin" &&
	for t in mlrepo fs-ingest exp-log model-promote drift-check; do
		ln -s "$MLREPO_BUILD/bin/$t" "$TRASH/fake/bin/$t" || return 1
	done &&
	cat >"$TRASH/fake/bin/pipe-run" <<-EOF &&
	#!/bin/sh
	case " \$* " in
	*" checkout "*) exec "$MLREPO_BUILD/bin/pipe-run" "\$@" ;;
	*) exec "$MLREPO_BUILD/bin/pipe-run" --no-cache "\$@" ;;
	esac
	EOF
	chmod +x "$TRASH/fake/bin/pipe-run" &&
	test_expect_code 1 env MLREPO_BUILD="$TRASH/fake" DEMO_DIR="$TRASH/demo2" \
		"$SRC_DIR/scripts/demo" >out 2>err &&
	test_grep "FAILED at step 4: lr=0.1 ran again" err
'

test_done
