#!/bin/sh
test_description='mlrepo init, discovery, usage and exit statuses'
. ./test-lib.sh

test_expect_success 'init creates the layout' '
	new=$(new_repo fresh) &&
	for d in objects features hooks checkout runs tmp; do
		test -d "$new/.mlrepo/$d" || exit 1
	done &&
	test "$(cat "$new/.mlrepo/VERSION")" = 1 &&
	test -f "$new/.mlrepo/catalog.db" &&
	test -f "$new/.mlrepo/config"
'

test_expect_success 'init prints where, and is idempotent' '
	mkdir idem && cd idem &&
	mlrepo init >out &&
	test_grep "^Initialized empty mlrepo repository in $TRASH/idem/.mlrepo$" out &&
	mlrepo config core.x 1 &&
	mlrepo init >out2 &&
	test_grep "^Reinitialized existing" out2 &&
	test "$(mlrepo config core.x)" = 1 &&
	mlrepo log --action init >log && test_line_count = 1 log
'

test_expect_success 'init DIR creates DIR; --bare makes DIR the repository' '
	mlrepo init -q a/b/c && test -f a/b/c/.mlrepo/VERSION &&
	mlrepo init -q --bare bare.mlrepo && test -f bare.mlrepo/VERSION &&
	MLREPO_DIR=$TRASH/bare.mlrepo mlrepo status >out &&
	test_grep "repository: *$TRASH/bare.mlrepo" out
'

test_expect_success 'init --bare refuses a non-empty directory; --json says what it did' '
	mkdir full && echo x >full/file &&
	test_expect_code 3 mlrepo init --bare full 2>err &&
	test_grep "not empty" err && test ! -e full/VERSION &&
	mlrepo init --json jsonrepo >out &&
	test_grep "\"created\":true" out &&
	mlrepo init --json jsonrepo >out &&
	test_grep "\"created\":false" out
'

test_expect_success 'init puts back a missing directory' '
	cd "$(new_repo heal)" && rm -r .mlrepo/tmp &&
	mlrepo init -q && test -d .mlrepo/tmp
'

test_expect_success 'init refuses a .mlrepo that is not a repository' '
	mkdir notrepo && echo x >notrepo/.mlrepo &&
	test_expect_code 3 mlrepo init notrepo 2>err &&
	test_grep "exists but is not a repository" err
'

test_expect_success 'a subdirectory finds the repository above it' '
	mkdir -p deep/er/still && cd deep/er/still &&
	mlrepo status >out && test_grep "repository: *$TRASH/.mlrepo" out
'

test_expect_success '-C changes directory first, as in git' '
	cd "$(new_repo cdir)" && cd / &&
	mlrepo -C "$TRASH/cdir" status >out &&
	test_grep "$TRASH/cdir/.mlrepo" out
'

test_expect_success '--repo and MLREPO_DIR name the .mlrepo directory' '
	new_repo other >/dev/null &&
	mlrepo --repo "$TRASH/other/.mlrepo" status >out &&
	test_grep "$TRASH/other/.mlrepo" out &&
	MLREPO_DIR="$TRASH/other/.mlrepo" mlrepo status >out &&
	test_grep "$TRASH/other/.mlrepo" out
'

test_expect_success 'outside a repository: exit 3 and a hint to init' '
	test_when_finished "rm -rf /tmp/mlrepo-norepo.$$" &&
	mkdir -p /tmp/mlrepo-norepo.$$ && cd /tmp/mlrepo-norepo.$$ &&
	test_expect_code 3 mlrepo status 2>err &&
	test_grep "^mlrepo: error: not in an mlrepo repository" err &&
	test_grep "^hint: run .mlrepo init." err &&
	test_expect_code 3 mlrepo --repo /nonexistent log 2>err &&
	test_grep "not a repository: ./nonexistent." err
'

test_expect_success 'unknown subcommand or option: usage on stderr, exit 2' '
	test_expect_code 2 mlrepo frobnicate 2>err &&
	test_grep "unknown command .frobnicate." err &&
	test_expect_code 2 mlrepo --frobnicate 2>err &&
	test_grep "unknown option .--frobnicate." err &&
	test_grep "^usage: mlrepo" err &&
	test_expect_code 2 mlrepo gc --frobnicate 2>err &&
	test_grep "^usage: mlrepo gc" err &&
	test_expect_code 2 mlrepo hash-object 2>err &&
	test_grep "no file given" err
'

test_expect_success '--help, help SUB, SUB -h and --version' '
	mlrepo --help >out && test_grep "^usage: mlrepo" out &&
	test_grep "hash-object" out &&
	mlrepo help gc >out && test_grep "^usage: mlrepo gc" out &&
	mlrepo gc -h >out && test_grep -- "--dry-run" out &&
	mlrepo --version >out && test_grep "^mlrepo version [0-9]" out
'

test_expect_success 'a newer layout version is refused' '
	cd "$(new_repo future)" && echo 99 >.mlrepo/VERSION &&
	test_expect_code 3 mlrepo status 2>err &&
	test_grep "layout version 99" err
'

test_done
