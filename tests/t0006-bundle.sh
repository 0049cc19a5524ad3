#!/bin/sh
test_description='mlrepo bundle create and unbundle'
. ./test-lib.sh

count() { sqlite3 "$1/.mlrepo/catalog.db" "$2"; }

test_expect_success SQLITE3 'setup: a source repository with objects and references' '
	cd "$(new_repo src)" &&
	seq 1 20000 >text.txt && head -c 100000 /dev/urandom >rand.bin &&
	t=$(mlrepo hash-object -w text.txt) && r=$(mlrepo hash-object -w rand.bin) &&
	sqlite3 .mlrepo/catalog.db "INSERT INTO objrefs VALUES (\"$t\", \"test:abc/text\", 1)" &&
	mlrepo config core.note x &&
	echo "$t $r" >"$TRASH/ids"
'

test_expect_success SQLITE3 'create writes a gzip tarball with BUNDLE first' '
	cd src && mlrepo bundle create ../b1.tar.gz 2>err &&
	test_grep "2 objects" err &&
	tar tzf ../b1.tar.gz >list &&
	head -1 list >first && echo BUNDLE >expect && test_cmp expect first &&
	test_grep "^catalog/00-events.jsonl$" list &&
	test_grep "^objects/" list
'

test_expect_success SQLITE3 'unbundle into another repository brings objects and rows' '
	set -- $(cat ids) &&
	cd "$(new_repo dst)" &&
	mlrepo bundle unbundle ../b1.tar.gz 2>err &&
	test_grep "2 objects (2 new)" err &&
	mlrepo cat-object $1 >got && cmp got ../src/text.txt &&
	mlrepo cat-object $2 >got && cmp got ../src/rand.bin &&
	test "$(count . "SELECT owner FROM objrefs")" = test:abc/text &&
	mlrepo log --action config.set --json >out &&
	test_grep "\"subject\":\"core.note\"" out &&
	mlrepo fsck
'

test_expect_success SQLITE3 'unbundle - reads the bundle from stdin' '
	cd "$(new_repo fromstdin)" &&
	mlrepo bundle unbundle - <../b1.tar.gz 2>err &&
	test_grep "2 objects (2 new)" err
'

test_expect_success SQLITE3 'unbundling twice changes nothing' '
	cd dst &&
	find .mlrepo/objects -type f | sort >objs1 &&
	count . "SELECT uid, time, action FROM events ORDER BY uid" >ev1 &&
	count . "SELECT * FROM objrefs" >refs1 &&
	mlrepo bundle unbundle ../b1.tar.gz 2>err &&
	test_grep "(0 new), .* (0 new)" err &&
	find .mlrepo/objects -type f | sort >objs2 &&
	count . "SELECT uid, time, action FROM events ORDER BY uid" >ev2 &&
	count . "SELECT * FROM objrefs" >refs2 &&
	test_cmp objs1 objs2 && test_cmp ev1 ev2 && test_cmp refs1 refs2
'

test_expect_success SQLITE3 '--since leaves out older rows and objects' '
	cd src &&
	sleep 1 && echo later >later.txt && l=$(mlrepo hash-object -w later.txt) &&
	mlrepo bundle create --since -1s ../b2.tar.gz 2>err &&
	tar tzf ../b2.tar.gz >list &&
	test "$(grep -c "^objects/" list)" = 1 &&
	test_grep "$(echo $l | cut -c3-)" list &&
	test_expect_code 2 mlrepo bundle create --since never ../b3.tar.gz 2>err &&
	test ! -e ../b3.tar.gz
'

test_expect_success SQLITE3 'a tampered object is refused and no rows are loaded' '
	set -- $(cat ids) &&
	mkdir tamper && cd tamper && tar xzf ../b1.tar.gz &&
	# the object itself: another may share its two-digit directory
	f=$(ls objects/$(echo $2 | cut -c1-2)/$(echo $2 | cut -c3-)*) &&
	chmod u+w "$f" &&
	printf Q | dd of="$f" bs=1 seek=5 conv=notrunc 2>/dev/null &&
	tar czf ../bad.tar.gz BUNDLE catalog objects && cd .. &&
	cd "$(new_repo victim)" &&
	before=$(count . "SELECT count(*) FROM events") &&
	test_expect_code 2 mlrepo bundle unbundle ../bad.tar.gz 2>err &&
	test_grep "hashes to" err &&
	test "$(count . "SELECT count(*) FROM events")" = "$before" &&
	test "$(count . "SELECT count(*) FROM objrefs")" = 0
'

test_expect_success 'not a bundle, a missing file: errors, nothing changed' '
	cd "$(new_repo victim2)" &&
	echo "not a tarball" >junk.tar.gz &&
	test_must_fail mlrepo bundle unbundle junk.tar.gz 2>err &&
	test_grep "junk.tar.gz" err &&
	mkdir d && echo x >d/y && tar czf notbundle.tar.gz d &&
	test_expect_code 2 mlrepo bundle unbundle notbundle.tar.gz 2>err &&
	test_grep "not an mlrepo bundle" err &&
	test_expect_code 2 mlrepo bundle unbundle nosuch.tar.gz 2>err &&
	test_grep "nosuch.tar.gz" err &&
	test_expect_code 2 mlrepo bundle frob x 2>err &&
	test_expect_code 2 mlrepo bundle create 2>err
'

test_expect_success 'a bundle from a newer mlrepo is refused' '
	cd victim2 && mkdir newer && cd newer &&
	printf "{\"format\":\"mlrepo-bundle\",\"version\":99}" >BUNDLE &&
	tar czf ../newer.tar.gz BUNDLE && cd .. &&
	test_expect_code 2 mlrepo bundle unbundle newer.tar.gz 2>err &&
	test_grep "bundle of version 99" err
'

test_expect_success PYTHON3 'an evil bundle with ../ paths is refused' '
	cd victim2 &&
	printf "{\"format\":\"mlrepo-bundle\",\"version\":1}" >BUNDLE && echo pwn >x &&
	python3 -c "import tarfile; t = tarfile.open(\"evil.tar.gz\", \"w:gz\"); t.add(\"BUNDLE\"); t.add(\"x\", arcname=\"../x\"); t.close()" &&
	test_must_fail mlrepo bundle unbundle evil.tar.gz 2>err &&
	test_grep "\.\./x" err
'

test_expect_success PYTHON3 'a bundle that breaks the catalog is refused whole' '
	cd "$(new_repo strict)" &&
	cat >mk.py <<-\EOF &&
	import io, sys, tarfile
	def bundle(name, entries):
	    t = tarfile.open(name, "w:gz")
	    for n, data in [("BUNDLE", b"{\"format\":\"mlrepo-bundle\",\"version\":1}")] + entries:
	        i = tarfile.TarInfo(n); i.size = len(data); t.addfile(i, io.BytesIO(data))
	    t.close()
	ref = b"{\"columns\":[\"oid\",\"owner\",\"time\"]}\n[\"" + b"1" * 64 + b"\",\"x\",1]\n"
	bundle("dangling.tar.gz", [("catalog/01-objrefs.jsonl", ref)])
	col = b"{\"columns\":[\"uid\",\"nosuch\"]}\n[\"" + b"a" * 32 + b"\",1]\n"
	bundle("column.tar.gz", [("catalog/00-events.jsonl", col)])
	ev = b"{\"columns\":[\"uid\",\"time\",\"who\",\"tool\",\"argv\",\"action\"]}\n[\"zz\",1,\"w\",\"t\",\"[]\",\"a\"]\n"
	bundle("baduid.tar.gz", [("catalog/00-events.jsonl", ev)])
	bundle("twice.tar.gz", [("catalog/01-objrefs.jsonl", b"{\"columns\":[\"oid\"]}\n"), ("catalog/01-objrefs.jsonl", b"{\"columns\":[\"oid\"]}\n")])
	bundle("misnamed.tar.gz", [("catalog/5-objrefs.jsonl", b"{\"columns\":[\"oid\"]}\n")])
	bundle("unknown.tar.gz", [("catalog/01-nosuch.jsonl", b"{\"columns\":[\"oid\"]}\n")])
	EOF
	python3 mk.py &&
	before=$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM events") &&
	test_expect_code 2 mlrepo bundle unbundle dangling.tar.gz 2>err &&
	test_grep "neither in the bundle nor in the repository" err &&
	test_expect_code 2 mlrepo bundle unbundle column.tar.gz 2>err &&
	test_grep "no column .nosuch." err &&
	test_expect_code 2 mlrepo bundle unbundle baduid.tar.gz 2>err &&
	test_grep "uid" err &&
	test_expect_code 2 mlrepo bundle unbundle twice.tar.gz 2>err &&
	test_grep "appears twice" err &&
	test_expect_code 2 mlrepo bundle unbundle misnamed.tar.gz 2>err &&
	test_expect_code 2 mlrepo bundle unbundle unknown.tar.gz 2>err &&
	test_grep "unknown catalog table" err &&
	test "$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM events")" = "$before" &&
	mlrepo fsck
'

# Tables are known by name: a domain that gains a table renumbers the
# entries after it, and older bundles must still load.
test_expect_success 'a bundle loads whatever the numbers of its catalog entries' '
	run=$(exp-log start -e renum -p k=v) &&
	mlrepo bundle create renum.tar.gz &&
	cat >renum.py <<-\EOF &&
	import io, tarfile
	src = tarfile.open("renum.tar.gz")
	out = tarfile.open("renum2.tar.gz", "w:gz")
	for m in src.getmembers():
	    data = src.extractfile(m).read()
	    if m.name.startswith("catalog/"):
	        m.name = "catalog/%02d%s" % (int(m.name[8:10]) + 10, m.name[10:])
	    out.addfile(m, io.BytesIO(data))
	out.close()
	EOF
	python3 renum.py &&
	mlrepo init -q renum &&
	mlrepo -C renum bundle unbundle ../renum2.tar.gz &&
	exp-log -C renum show $run >out &&
	test_grep "^  k = v$" out
'

test_expect_success 'a bundle that does not exist is bad input: exit 2' '
	test_expect_code 2 mlrepo bundle unbundle no-such.tar.gz 2>err &&
	test_grep "no-such.tar.gz" err
'

test_expect_success 'bundle create - writes to standard output; unbundle - reads it' '
	run=$(exp-log start -e piped -p k=v) &&
	mlrepo bundle create - >piped.tar.gz 2>err &&
	test -s piped.tar.gz &&
	test ! -e ./- &&
	mlrepo init -q piped &&
	mlrepo -C piped bundle unbundle - <piped.tar.gz &&
	exp-log -C piped show $run >out &&
	test_grep "^  k = v$" out
'

test_done
