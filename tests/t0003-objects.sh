#!/bin/sh
test_description='mlrepo hash-object and cat-object: the object store'
. ./test-lib.sh

obj() { # the stored file of an object id, raw or compressed
	ls .mlrepo/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)* 2>/dev/null
}

test_expect_success 'setup: text, random bytes, an empty file' '
	awk "BEGIN { for (i = 0; i < 20000; i++) printf \"%d,%d.5,row%d\n\", i, i * 3, i }" >text.csv &&
	head -c 300000 /dev/urandom >random.bin &&
	: >empty &&
	printf "hello\n" >hello
'

test_expect_success 'hash-object prints what sha256sum prints' '
	for f in text.csv random.bin empty hello; do
		test "$(mlrepo hash-object "$f")" = "$(sha256sum "$f" | cut -d" " -f1)" || exit 1
	done
'

test_expect_success 'several files, one id a line, in order; - is stdin' '
	mlrepo hash-object hello empty >out &&
	sha256sum hello empty | cut -d" " -f1 >expect &&
	test_cmp expect out &&
	test "$(mlrepo hash-object - <hello)" = "$(mlrepo hash-object hello)"
'

test_expect_success 'without -w nothing is stored' '
	mlrepo hash-object text.csv >/dev/null &&
	test -z "$(find .mlrepo/objects -type f)"
'

test_expect_success '-w stores: text compressed (.z), random bytes raw' '
	t=$(mlrepo hash-object -w text.csv) && r=$(mlrepo hash-object -w random.bin) &&
	case "$(obj $t)" in *.z) ;; *) echo "text not compressed: $(obj $t)"; exit 1 ;; esac &&
	test "$(obj $r)" = ".mlrepo/objects/$(echo $r | cut -c1-2)/$(echo $r | cut -c3-)" &&
	cmp random.bin "$(obj $r)" &&
	test $(wc -c <"$(obj $t)") -lt $(wc -c <text.csv)
'

test_expect_success 'objects are read-only, and writing again changes nothing' '
	r=$(mlrepo hash-object random.bin) &&
	test ! -w "$(obj $r)" || test "$(id -u)" = 0 &&
	test "$(stat -c %a "$(obj $r)")" = 444 &&
	before=$(find .mlrepo/objects -type f | sort) &&
	mlrepo hash-object -w random.bin text.csv >/dev/null &&
	test "$(find .mlrepo/objects -type f | sort)" = "$before"
'

test_expect_success 'cat-object gives the content back, byte for byte' '
	mlrepo cat-object $(mlrepo hash-object text.csv) >out.csv &&
	cmp text.csv out.csv &&
	mlrepo cat-object $(mlrepo hash-object random.bin) >out.bin &&
	cmp random.bin out.bin &&
	mlrepo hash-object -w empty >/dev/null &&
	mlrepo cat-object $(mlrepo hash-object empty) >out.empty &&
	test ! -s out.empty
'

test_expect_success 'cat-object takes a unique prefix, any case, and -o FILE' '
	id=$(mlrepo hash-object random.bin) &&
	p=$(echo $id | cut -c1-10) &&
	mlrepo cat-object $p >got && cmp got random.bin &&
	mlrepo cat-object $(echo $p | tr a-f A-F) >got && cmp got random.bin &&
	mlrepo cat-object -o copy.bin $p && cmp copy.bin random.bin
'

test_expect_success 'cat-object: unknown id, bad id, too short: exit 2' '
	test_expect_code 2 mlrepo cat-object 0000000000 2>err &&
	test_grep "no object matches .0000000000." err &&
	test_expect_code 2 mlrepo cat-object xyz123 2>err &&
	test_grep "not an object id" err &&
	test_expect_code 2 mlrepo cat-object abc 2>err
'

test_expect_success 'an ambiguous prefix is refused' '
	i=0 && while :; do
		i=$((i + 1)) && echo "$i" >c$i &&
		id=$(mlrepo hash-object -w c$i) &&
		pre=$(echo $id | cut -c1-4) &&
		n=$(ls .mlrepo/objects/$(echo $pre | cut -c1-2) | grep -c "^$(echo $pre | cut -c3-4)") &&
		test $n -ge 2 && break
		test $i -lt 3000 || exit 1
	done &&
	test_expect_code 2 mlrepo cat-object $pre 2>err &&
	test_grep "ambiguous object prefix .$pre." err
'

test_expect_success 'a corrupted raw object: cat-object refuses and prints nothing' '
	id=$(mlrepo hash-object random.bin) && f=$(obj $id) &&
	test_when_finished "cp random.bin $f" &&
	chmod u+w "$f" && printf X | dd of="$f" bs=1 seek=1000 conv=notrunc 2>/dev/null &&
	test_expect_code 3 mlrepo cat-object $id >out 2>err &&
	test ! -s out &&
	test_grep "object $id is corrupt" err
'

test_expect_success 'a truncated compressed object: cat-object refuses' '
	id=$(mlrepo hash-object text.csv) && f=$(obj $id) &&
	cp "$f" saved.z && test_when_finished "cp saved.z $f" && chmod u+w "$f" &&
	head -c 1000 saved.z >"$f" &&
	test_expect_code 3 mlrepo cat-object $id >out 2>err &&
	test ! -s out && test_grep "truncated" err
'

test_expect_success 'a missing file is a usage error naming it' '
	test_expect_code 2 mlrepo hash-object -w nosuch.csv 2>err &&
	test_grep "cannot open .nosuch.csv." err
'

test_expect_success 'core.compression 0 stores even text raw' '
	cd "$(new_repo nocomp)" && cp ../text.csv . &&
	mlrepo config core.compression 0 &&
	t=$(mlrepo hash-object -w text.csv) &&
	cmp text.csv "$(obj $t)"
'

test_expect_success '--json: one object a line with path, id and new' '
	mlrepo hash-object -w --json hello empty >out &&
	python3 -c "import json; r = [json.loads(l) for l in open(\"out\")]; assert [x[\"path\"] for x in r] == [\"hello\", \"empty\"] and len(r[0][\"id\"]) == 64 and r[0][\"new\"] in (True, False), r"
'

test_expect_success 'hash-object -w journals each object' '
	mlrepo hash-object -w hello >/dev/null &&
	mlrepo log --action object.write --json >out &&
	test_grep "\"subject\":\"$(mlrepo hash-object hello)\"" out
'

test_done
