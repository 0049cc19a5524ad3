#!/bin/sh
test_description='mlrepo fsck and gc'
. ./test-lib.sh

obj() {
	ls .mlrepo/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)* 2>/dev/null
}
# Record a catalog reference, as the other tools do in their transactions.
add_ref() {
	sqlite3 .mlrepo/catalog.db \
		"INSERT INTO objrefs(oid, owner, time) VALUES ('$1', '$2', 0)"
}

test_expect_success 'setup' '
	seq 1 5000 >a.txt && head -c 50000 /dev/urandom >b.bin &&
	echo kept >c.txt && echo old >d.txt &&
	a=$(mlrepo hash-object -w a.txt) && b=$(mlrepo hash-object -w b.bin) &&
	c=$(mlrepo hash-object -w c.txt) && d=$(mlrepo hash-object -w d.txt) &&
	echo "$a $b $c $d" >ids
'

test_expect_success 'fsck on a sound repository: exit 0, says how many it checked' '
	mlrepo fsck >out 2>err &&
	test ! -s out && test_grep "checked 4 objects; 0 problems" err
'

test_expect_success SQLITE3 'fsck names a referenced object that is missing' '
	test_when_finished "sqlite3 .mlrepo/catalog.db \"DELETE FROM objrefs\" && mlrepo fsck" &&
	add_ref 1111111111111111111111111111111111111111111111111111111111111111 run:x/artifact:model &&
	test_expect_code 1 mlrepo fsck >out &&
	test_grep "^1111111111111111111111111111111111111111111111111111111111111111: missing object, referenced by run:x/artifact:model$" out
'

test_expect_success 'fsck names a corrupted and a truncated object, and a stray file' '
	set -- $(cat ids) &&
	fb=$(obj $2) && fa=$(obj $1) && cp "$fb" b.save && cp "$fa" a.save &&
	test_when_finished "cp b.save $fb && cp a.save $fa && rm -f .mlrepo/objects/junk && mlrepo fsck" &&
	chmod u+w "$fb" "$fa" &&
	printf Z | dd of="$fb" bs=1 seek=10 conv=notrunc 2>/dev/null &&
	head -c 20 a.save >"$fa" &&
	echo junk >.mlrepo/objects/junk &&
	test_expect_code 1 mlrepo fsck >out &&
	test_grep "^$2: object $2 is corrupt" out &&
	test_grep "^$1: .*truncated" out &&
	test_grep "objects/junk: stray file" out
'

test_expect_success 'fsck --json prints one object per problem' '
	test_when_finished "rm -f .mlrepo/objects/junk" &&
	echo junk >.mlrepo/objects/junk &&
	test_expect_code 1 mlrepo fsck --json >out &&
	python3 -c "import json,sys; [json.loads(l) for l in open(\"out\")]" &&
	test_grep "\"problem\":\"stray file in the object store\"" out
'

test_expect_success SQLITE3 'fsck finds a damaged database' '
	cd "$(new_repo damaged)" &&
	mlrepo config core.x 1 &&
	sqlite3 .mlrepo/catalog.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	dd if=/dev/urandom of=.mlrepo/catalog.db bs=1 count=200 seek=100 conv=notrunc 2>/dev/null &&
	test_must_fail mlrepo fsck >out 2>err &&
	cat out err | test_grep "catalog.db"
'

test_expect_success 'gc --dry-run lists old unreferenced objects and removes nothing' '
	set -- $(cat ids) &&
	touch -d "30 days ago" "$(obj $1)" "$(obj $2)" "$(obj $4)" &&
	add_ref $2 test:churn/1 &&
	mlrepo gc --dry-run >out 2>err &&
	test_grep "^would remove $1 " out && test_grep "^would remove $4 " out &&
	! grep -q "$2" out && ! grep -q "$3" out &&
	test -n "$(obj $1)" && test -n "$(obj $4)"
'

test_expect_success 'gc removes old unreferenced objects, keeps referenced and recent ones' '
	set -- $(cat ids) &&
	mlrepo gc 2>err &&
	test_grep "removed 2 objects" err &&
	test_grep "kept 1 unreferenced" err &&
	test -z "$(obj $1)" && test -z "$(obj $4)" &&
	test -n "$(obj $2)" && test -n "$(obj $3)" &&
	mlrepo fsck
'

test_expect_success 'writing an object again refreshes it, so gc keeps it' '
	echo again >e.txt && e=$(mlrepo hash-object -w e.txt) &&
	touch -d "30 days ago" "$(obj $e)" &&
	mlrepo hash-object -w e.txt >/dev/null &&
	mlrepo gc 2>err && test -n "$(obj $e)"
'

test_expect_success 'gc --prune=now takes recent ones; --prune=never nothing' '
	set -- $(cat ids) &&
	mlrepo gc --prune=never 2>err && test -n "$(obj $3)" &&
	mlrepo gc --prune=now 2>err && test -z "$(obj $3)" &&
	test -n "$(obj $2)"
'

test_expect_success 'gc removes stale temporary files, not fresh ones' '
	echo x >.mlrepo/tmp/obj-stale && touch -d "2 hours ago" .mlrepo/tmp/obj-stale &&
	echo y >.mlrepo/tmp/obj-fresh &&
	mlrepo gc 2>err &&
	test ! -e .mlrepo/tmp/obj-stale && test -e .mlrepo/tmp/obj-fresh
'

test_expect_success 'gc.pruneExpire sets the default; a bad --prune is exit 2' '
	echo f >f.txt && f=$(mlrepo hash-object -w f.txt) &&
	touch -d "3 days ago" "$(obj $f)" &&
	mlrepo gc && test -n "$(obj $f)" &&
	mlrepo config gc.pruneExpire 1d && mlrepo gc && test -z "$(obj $f)" &&
	test_expect_code 2 mlrepo gc --prune=soon 2>err &&
	test_grep "prune" err
'

# A catalog truncated to nothing must never pass for an empty repository:
# once it did, and gc then pruned every object the lost runs referenced.
test_expect_success 'an empty or missing catalog is damage: nothing is recreated or pruned' '
	r=$(mlrepo init -q cat && cd cat && exp-log start) &&
	echo art >cat/a.txt &&
	(cd cat && exp-log artifact -r $r a.txt) &&
	oid=$(mlrepo hash-object cat/a.txt) &&
	rm -f cat/.mlrepo/catalog.db-wal cat/.mlrepo/catalog.db-shm &&
	: >cat/.mlrepo/catalog.db &&
	test_expect_code 1 mlrepo -C cat fsck >out 2>err &&
	test_grep "catalog.db.*empty" out &&
	test_expect_code 3 mlrepo -C cat gc --prune=now 2>err &&
	test_grep "catalog.db. is empty" err &&
	test_expect_code 3 exp-log -C cat ls 2>err &&
	test_grep "catalog.db. is empty" err &&
	test ! -s cat/.mlrepo/catalog.db &&
	test -n "$(find cat/.mlrepo/objects -name "${oid#??}*")" &&
	rm cat/.mlrepo/catalog.db &&
	test_expect_code 3 exp-log -C cat ls 2>err &&
	test_grep "catalog.db. is missing" err &&
	test_expect_code 1 mlrepo -C cat fsck >out &&
	test_grep "catalog.db" out &&
	test ! -e cat/.mlrepo/catalog.db
'

test_done
