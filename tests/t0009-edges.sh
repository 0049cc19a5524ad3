#!/bin/sh
test_description='mlrepo: edge cases found by adversarial testing'
. ./test-lib.sh

test_expect_success '--no- forms exist only for booleans; --no-color does' '
	test_expect_code 2 mlrepo log --no-limit 2>err &&
	test_grep "unknown option .--no-limit." err &&
	test_expect_code 2 mlrepo log --limit -1 2>err &&
	test_grep "0 or more" err &&
	mlrepo --no-color log >/dev/null
'

test_expect_success 'gc --no-prune removes nothing' '
	echo old >old.txt && id=$(mlrepo hash-object -w old.txt) &&
	touch -d "2020-01-01" .mlrepo/objects/$(echo $id | cut -c1-2)/* &&
	mlrepo gc --no-prune --dry-run >out 2>&1 &&
	test_grep "would remove 0 objects" out &&
	test_expect_code 2 mlrepo gc --no-prune --prune=1d 2>err
'

test_expect_success 'a directory or an empty name is bad input (exit 2)' '
	mkdir d &&
	test_expect_code 2 mlrepo hash-object d 2>err &&
	test_grep ".d. is a directory" err &&
	test_expect_code 2 mlrepo hash-object -w d 2>err &&
	test_expect_code 2 mlrepo bundle create "" 2>err
'

test_expect_success 'cat-object -o refuses a device or fifo; -o - is stdout' '
	echo data >f && id=$(mlrepo hash-object -w f) &&
	mkfifo pipe &&
	test_expect_code 2 mlrepo cat-object -o pipe $id 2>err &&
	test_grep "not a regular file" err && test -p pipe &&
	mlrepo cat-object -o - $id >got && cmp got f && test ! -e ./-
'

test_expect_success PYTHON3 'JSON output stays UTF-8 whatever was stored' '
	mlrepo config note.x "$(printf "v\377w")" &&
	mlrepo log --json >out &&
	python3 -c "import json; [json.loads(l) for l in open(\"out\", encoding=\"utf-8\")]"
'

test_expect_success 'a damaged VERSION is refused' '
	cd "$(new_repo badver)" && echo 0 >.mlrepo/VERSION &&
	test_expect_code 3 mlrepo status 2>err && test_grep "not a layout version" err &&
	printf "1\n2\n" >.mlrepo/VERSION &&
	test_expect_code 3 mlrepo status 2>err
'

test_done
