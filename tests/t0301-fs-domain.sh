#!/bin/sh
test_description='feature groups as a repository domain: fsck, status, bundles'
. ./test-lib.sh

# Rows and batches of a group, straight from its file.
rows() { sqlite3 "$1/.mlrepo/features/$2.db" "SELECT count(*) FROM rows"; }
batches() { sqlite3 "$1/.mlrepo/features/$2.db" "SELECT count(*) FROM batches"; }
# Everything a group holds, seq and rowid left out (they are each
# repository's own): schema versions, batches and rows.
dump() {
	sqlite3 "$1/.mlrepo/features/$2.db" \
		"SELECT version, time, spec FROM schema ORDER BY version;
		 SELECT id, time, source, sha256, rows, rejected, user, version
		 FROM batches ORDER BY id;
		 SELECT r.e0, r.t, r.c, x.id, r.f0, r.f1 FROM rows r
		 JOIN batches x ON x.seq = r.b ORDER BY x.id, r.e0, r.t"
}

test_expect_success SQLITE3 'setup: a repository with two groups' '
	cd "$(new_repo src)" &&
	fs-ingest define drivers --entity driver_id:int --timestamp ts \
		--feature rate:float --feature trips:int 2>/dev/null &&
	fs-ingest define cities --entity city --timestamp ts \
		--feature pop:int 2>/dev/null &&
	printf "driver_id,ts,rate,trips\n1,2024-01-01,0.5,3\n2,2024-01-02,nan,4\n1,2024-01-03,0.75,9007199254740995\n" >d1.csv &&
	printf "driver_id,ts,rate,trips\n1,2024-02-01,0.25,5\n2,2024-02-01,,6\n" >d2.csv &&
	printf "city,ts,pop\nberlin,2024-01-01,3600000\n" >c1.csv &&
	fs-ingest drivers d1.csv 2>/dev/null &&
	fs-ingest drivers d2.csv 2>/dev/null &&
	fs-ingest cities c1.csv 2>/dev/null &&
	printf "driver_id,event_timestamp\n1,2024-01-05\n2,2024-03-01\n1,2024-03-01\n3,2024-03-01\n" >"$TRASH/ent.csv"
'

test_expect_success 'fsck: a sound repository with groups' '
	cd src &&
	mlrepo fsck >out 2>err &&
	test ! -s out &&
	test_grep "0 problems" err
'

test_expect_success 'status: groups and rows, in text and JSON' '
	cd src &&
	mlrepo status >out &&
	test_grep "^feature groups:  2, 6 rows$" out &&
	mlrepo status --json >out.json &&
	python3 -c "
import json; d = json.load(open(\"out.json\"))
assert d[\"feature_groups\"] == 2 and d[\"feature_rows\"] == 6, d"
'

test_expect_success SQLITE3 'fsck: a batch without its event is a note, exit 0' '
	cd "$(new_repo noevent)" &&
	fs-ingest define g --entity id --timestamp ts --feature v:int 2>/dev/null &&
	printf "id,ts,v\na,2024-01-01,1\n" >in.csv &&
	fs-ingest g in.csv 2>/dev/null &&
	b=$(sqlite3 .mlrepo/features/g.db "SELECT id FROM batches") &&
	sqlite3 .mlrepo/catalog.db "DELETE FROM events WHERE action = '\''fs.ingest'\''" &&
	mlrepo fsck >out 2>err &&
	test_grep "features/g.db: note: batch $b has no fs.ingest event" out &&
	test_grep "0 problems" err
'

test_expect_success SQLITE3 'fsck: an event whose batch is missing is damage' '
	cd noevent &&
	printf "id,ts,v\nb,2024-01-02,2\n" >in2.csv &&
	fs-ingest g in2.csv 2>/dev/null &&
	b=$(sqlite3 .mlrepo/features/g.db "SELECT id FROM batches WHERE seq = 2") &&
	sqlite3 .mlrepo/features/g.db "DELETE FROM rows WHERE b = 2; DELETE FROM batches WHERE seq = 2" &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "catalog.db: fs.ingest event of batch $b of feature group .g.: the batch is missing" out
'

test_expect_success SQLITE3 'fsck: a dropped group leaves no damage' '
	cd noevent &&
	fs-ingest drop g --yes 2>/dev/null &&
	mlrepo fsck >out 2>err &&
	test ! -s out
'

test_expect_success SQLITE3 'fsck: rows and batches that disagree' '
	cd "$(new_repo counts)" &&
	fs-ingest define g --entity id --timestamp ts --feature v:int 2>/dev/null &&
	printf "id,ts,v\na,2024-01-01,1\nb,2024-01-01,2\n" >in.csv &&
	fs-ingest g in.csv 2>/dev/null &&
	sqlite3 .mlrepo/features/g.db "UPDATE batches SET rows = 3;
		INSERT INTO rows(e0, t, c, b, f0) VALUES (\"c\", 1, 1, 7, 1)" &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "features/g.db: 1 rows of batches that do not exist" out &&
	test_grep "records 3 rows; 2 are present" out
'

test_expect_success SQLITE3 'fsck: a schema version that does not read' '
	cd counts &&
	sqlite3 .mlrepo/features/g.db "UPDATE schema SET spec = \"{oops\"" &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "features/g.db: schema version 1 cannot be read" out
'

test_expect_success 'fsck: a corrupted group file is named, exit 1' '
	cd "$(new_repo corrupt)" &&
	fs-ingest define g --entity id --timestamp ts --feature v:int 2>/dev/null &&
	printf "id,ts,v\na,2024-01-01,1\n" >in.csv &&
	fs-ingest g in.csv 2>/dev/null &&
	# everything into the file itself, so that its header is read
	sqlite3 .mlrepo/features/g.db "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null &&
	printf "this is no sqlite file at all, no header at all" |
		dd of=.mlrepo/features/g.db bs=1 conv=notrunc 2>/dev/null &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "^.mlrepo/features/g.db: " out &&
	: >.mlrepo/features/g.db &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "features/g.db: empty file" out
'

test_expect_success 'fsck: a stray file in features/, a lock is a note' '
	cd "$(new_repo stray)" &&
	echo x >.mlrepo/features/notes.txt &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "features/notes.txt: stray file in features/" out &&
	rm .mlrepo/features/notes.txt &&
	: >.mlrepo/features/g.db.lock &&
	mlrepo fsck >out 2>err &&
	test_grep "features/g.db.lock: note: a writer.s lock" out
'

test_expect_success SQLITE3 'bundle: a group moves to another repository' '
	(cd src && mlrepo bundle create ../all.tar.gz 2>/dev/null) &&
	tar tzf all.tar.gz >list &&
	test_grep "^files/features/drivers.jsonl$" list &&
	test_grep "^files/features/cities.jsonl$" list &&
	cd "$(new_repo dst)" &&
	mlrepo bundle unbundle ../all.tar.gz 2>/dev/null &&
	test "$(rows . drivers)" = 5 && test "$(batches . drivers)" = 2 &&
	test "$(rows . cities)" = 1 &&
	dump ../src drivers >expect && dump . drivers >actual &&
	test_cmp expect actual &&
	fs-ingest join ../ent.csv --features drivers >got &&
	(cd ../src && fs-ingest join ../ent.csv --features drivers) >want &&
	test_cmp want got &&
	test_grep "^1,2024-03-01,0.25,5$" got &&
	mlrepo fsck >out 2>err && test ! -s out &&
	mlrepo log --action fs.ingest >log &&
	test "$(grep -c fs.ingest log)" = 3
'

test_expect_success SQLITE3 'bundle: unbundling twice changes nothing' '
	cd dst &&
	sum1=$(cat .mlrepo/features/drivers.db | sha256sum) &&
	dump . drivers >before &&
	mlrepo log >log1 &&
	mlrepo bundle unbundle ../all.tar.gz 2>err &&
	test_grep "(0 new)" err &&
	dump . drivers >after &&
	test_cmp before after &&
	mlrepo log >log2 &&
	test_cmp log1 log2 &&
	test "$(cat .mlrepo/features/drivers.db | sha256sum)" = "$sum1"
'

test_expect_success SQLITE3 'bundle: new schema versions and batches go to a group that has some' '
	cd src &&
	fs-ingest define drivers --entity driver_id:int --timestamp ts \
		--feature rate:float --feature trips:int --feature km:float 2>/dev/null &&
	printf "driver_id,ts,rate,trips,km\n3,2024-02-10,0.1,1,12.5\n" >d3.csv &&
	fs-ingest drivers d3.csv 2>/dev/null &&
	mlrepo bundle create ../v2.tar.gz 2>/dev/null &&
	cd ../dst &&
	mlrepo bundle unbundle ../v2.tar.gz 2>/dev/null &&
	test "$(sqlite3 .mlrepo/features/drivers.db "SELECT max(version) FROM schema")" = 2 &&
	test "$(batches . drivers)" = 3 &&
	fs-ingest join ../ent.csv --features drivers >got &&
	(cd ../src && fs-ingest join ../ent.csv --features drivers) >want &&
	test_cmp want got &&
	test_grep "^3,2024-03-01,0.1,1,12.5$" got &&
	mlrepo fsck
'

test_expect_success SQLITE3 'bundle: a conflicting schema is refused, exit 2, nothing changes' '
	cd "$(new_repo other)" &&
	fs-ingest define drivers --entity driver_id:int --timestamp ts \
		--feature rate:int 2>/dev/null &&
	printf "driver_id,ts,rate\n9,2024-01-01,7\n" >o.csv &&
	fs-ingest drivers o.csv 2>/dev/null &&
	dump_before=$(sqlite3 .mlrepo/features/drivers.db "SELECT * FROM batches; SELECT * FROM rows; SELECT * FROM schema") &&
	mlrepo log >log1 &&
	test_expect_code 2 mlrepo bundle unbundle ../all.tar.gz 2>err &&
	test_grep "feature group .drivers.: schema version 1 differs" err &&
	test "$(sqlite3 .mlrepo/features/drivers.db "SELECT * FROM batches; SELECT * FROM rows; SELECT * FROM schema")" = "$dump_before" &&
	mlrepo log >log2 &&
	test_cmp log1 log2 &&
	mlrepo fsck
'

test_expect_success SQLITE3 'bundle --since carries only the later batches, and every version' '
	cd src &&
	cut=$(sqlite3 .mlrepo/features/drivers.db "SELECT time FROM batches WHERE source = '\''d3.csv'\''") &&
	mlrepo bundle create --since @$((cut / 1000000)) ../since.tar.gz 2>/dev/null &&
	tar xzOf ../since.tar.gz files/features/drivers.jsonl >since.jsonl &&
	test "$(grep -c "^{\"schema\":" since.jsonl)" = 2 &&
	test "$(grep -c "^{\"batch\":" since.jsonl)" = 1 &&
	test_grep "\"source\":\"d3.csv\"" since.jsonl &&
	cd "$(new_repo late)" &&
	mlrepo bundle unbundle ../since.tar.gz 2>/dev/null &&
	test "$(batches . drivers)" = 1 && test "$(rows . drivers)" = 1 &&
	test "$(sqlite3 .mlrepo/features/drivers.db "SELECT count(*) FROM schema")" = 2 &&
	test "$(batches . cities)" = 0 &&
	mlrepo fsck >out 2>err && test ! -s out
'

test_expect_success SQLITE3 'bundle: a damaged group file in a bundle is bad input' '
	mkdir bad && cd bad &&
	tar xzf ../all.tar.gz &&
	sed "/^\[/d" files/features/cities.jsonl >c && mv c files/features/cities.jsonl &&
	tar czf ../bad.tar.gz BUNDLE catalog files &&
	cd "$(new_repo badin)" &&
	test_expect_code 2 mlrepo bundle unbundle ../bad.tar.gz 2>err &&
	test_grep "cities.jsonl.*has 0 rows of 1" err &&
	! test -e .mlrepo/features/cities.db &&
	mlrepo fsck
'

test_done
