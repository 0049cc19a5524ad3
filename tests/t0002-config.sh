#!/bin/sh
test_description='mlrepo config: git-config syntax, read and write'
. ./test-lib.sh

test_expect_success 'set, get, overwrite' '
	mlrepo config user.name "Ada Lovelace" &&
	test "$(mlrepo config user.name)" = "Ada Lovelace" &&
	mlrepo config user.name Grace &&
	test "$(mlrepo config user.name)" = Grace &&
	test "$(grep -c "name = " .mlrepo/config)" = 1
'

test_expect_success 'a missing key exits 1 and prints nothing' '
	test_expect_code 1 mlrepo config no.such >out &&
	test_line_count = 0 out
'

test_expect_success 'subsections, case rules and --list' '
	mlrepo config remote.Origin.url /srv/a &&
	mlrepo config REMOTE.Origin.URL /srv/b &&
	test "$(mlrepo config remote.Origin.url)" = /srv/b &&
	test_expect_code 1 mlrepo config remote.origin.url &&
	mlrepo config --list >out &&
	test_grep "^remote.Origin.url=/srv/b$" out &&
	test_grep "^\[remote \"Origin\"\]$" .mlrepo/config
'

test_expect_success 'hand-written syntax: comments, quotes, escapes, continuation, repeats' '
	cat >>.mlrepo/config <<-\EOF &&
	# a comment
	; another
	[hand]
		spaced = "  kept  "   # trailing comment
		plain =   trimmed value  ; comment
		esc = "a\"b\\c\td"
		long = one \
	two
		flag
		multi = 1
		multi = 2
	[hand "sub.with.dots"]
		k = v
	EOF
	test "$(mlrepo config hand.spaced)" = "  kept  " &&
	test "$(mlrepo config hand.plain)" = "trimmed value" &&
	test "$(mlrepo config hand.esc)" = "$(printf "a\"b\\\\c\td")" &&
	test "$(mlrepo config hand.long)" = "one two" &&
	test "$(mlrepo config hand.flag)" = true &&
	test "$(mlrepo config hand.multi)" = 2 &&
	mlrepo config --get-all hand.multi >out &&
	printf "1\n2\n" >expect && test_cmp expect out &&
	test "$(mlrepo config hand.sub.with.dots.k)" = v
'

test_expect_success 'set keeps comments and other lines; values are quoted as needed' '
	mlrepo config hand.plain "has # hash" &&
	test "$(mlrepo config hand.plain)" = "has # hash" &&
	test_grep "^# a comment$" .mlrepo/config &&
	test_grep "trailing comment" .mlrepo/config &&
	mlrepo config hand.new " pad " &&
	test "$(mlrepo config hand.new)" = " pad "
'

test_expect_success 'setting a key with several values leaves one' '
	printf "[many]\n\tk = 1\n\tk = 2\n[other]\n\tz = 0\n[many]\n\tk = 3\n" >>.mlrepo/config &&
	mlrepo config many.k 9 &&
	mlrepo config --get-all many.k >out &&
	echo 9 >expect && test_cmp expect out &&
	test "$(mlrepo config other.z)" = 0
'

test_expect_success '--unset removes every value; exit 1 when none' '
	mlrepo config --unset hand.multi &&
	test_expect_code 1 mlrepo config hand.multi &&
	test_expect_code 1 mlrepo config --unset hand.multi
'

test_expect_success 'changes are journaled' '
	mlrepo log --action config.set --json >out &&
	test_grep "\"subject\":\"user.name\"" out &&
	test_grep "\"action\":\"config.set\"" out
'

test_expect_success 'a syntax error names the file and line, exit 3 for every command' '
	cd "$(new_repo broken)" &&
	printf "[core]\n\tok = 1\n[bad\n" >>.mlrepo/config &&
	test_expect_code 3 mlrepo status 2>err &&
	test_grep "config. line 6: bad section header" err &&
	printf "[core]\n\tx = \"open\n" >.mlrepo/config &&
	test_expect_code 3 mlrepo config core.x 2>err &&
	test_grep "line 2: unclosed quote in value" err &&
	printf "[core]\n\t9x = 1\n" >.mlrepo/config &&
	test_expect_code 3 mlrepo config --list 2>err &&
	test_grep "line 2: bad key" err &&
	printf "key = 1\n" >.mlrepo/config &&
	test_expect_code 3 mlrepo config --list 2>err &&
	test_grep "line 1: key outside a section" err
'

test_expect_success 'bad keys and values are usage errors, and nothing is written' '
	cp .mlrepo/config before &&
	test_expect_code 2 mlrepo config nodot value 2>err &&
	test_grep "bad config key .nodot." err &&
	test_expect_code 2 mlrepo config core.lockTimeout soon 2>err &&
	test_grep "not a duration" err &&
	test_expect_code 2 mlrepo config core.compression 11 2>err &&
	test_expect_code 2 mlrepo config core.lockTimeout never 2>err &&
	test_cmp before .mlrepo/config &&
	test_expect_code 2 mlrepo config a b c d 2>err &&
	test_expect_code 2 mlrepo config 2>err
'

test_done
