#!/bin/sh
test_description='fs-ingest: groups, validated ingest, point-in-time joins, online lookup'
. ./test-lib.sh

DATA=$TEST_DIR/data

# Rows and batches of a group, straight from its file.
rows() { sqlite3 .mlrepo/features/$1.db "SELECT count(*) FROM rows"; }
batches() { sqlite3 .mlrepo/features/$1.db "SELECT count(*) FROM batches"; }

test_expect_success 'define: a group, the same again changes nothing' '
	fs-ingest define drivers --entity driver_id:int --timestamp ts \
		--feature conv_rate:float --feature trips:int \
		--check "conv_rate >= 0" --ttl 2d 2>err &&
	test_grep "at version 1" err &&
	fs-ingest define drivers --entity driver_id:int --timestamp ts \
		--feature conv_rate:float --feature trips:int \
		--check "conv_rate >= 0" --ttl 2d 2>err &&
	test_grep "unchanged (version 1)" err &&
	fs-ingest show drivers --json >show.json &&
	python3 -c "
import json; g = json.load(open(\"show.json\"))
assert g[\"version\"] == 1 and len(g[\"versions\"]) == 1, g
assert [f[\"name\"] for f in g[\"features\"]] == [\"conv_rate\", \"trips\"], g
assert g[\"ttl_us\"] == 2 * 86400 * 10**6 and g[\"checks\"] == [\"conv_rate >= 0\"], g
assert g[\"entity\"] == [{\"name\": \"driver_id\", \"type\": \"int\"}], g" &&
	fs-ingest list >out &&
	test_grep "^drivers	1	2	0	0$" out &&
	mlrepo log >log &&
	test "$(grep -cF fs.define log)" = 1
'

test_expect_success 'define: bad settings are exit 2 and make nothing' '
	test_expect_code 2 fs-ingest define join --entity id --timestamp ts 2>err &&
	test_grep "join" err &&
	test_expect_code 2 fs-ingest define g1 --entity id --timestamp ts --feature x:number 2>err &&
	test_grep "unknown type .number." err &&
	test_expect_code 2 fs-ingest define g1 --entity id --timestamp ts --feature x 2>err &&
	test_grep "NAME:TYPE" err &&
	test_expect_code 2 fs-ingest define g1 --timestamp ts 2>err &&
	test_grep "give --entity" err &&
	test_expect_code 2 fs-ingest define g1 --entity id --timestamp ts --feature id:int 2>err &&
	test_grep "given twice" err &&
	test_expect_code 2 fs-ingest define g1 --entity id --timestamp ts --feature x:int --check "y > 0" 2>err &&
	test_grep "not a column" err &&
	test_expect_code 2 fs-ingest define g1 --entity id --timestamp ts --feature x:int --check "x >" 2>err &&
	test_expect_code 2 fs-ingest define g1 --entity id --timestamp ts --ttl 3x 2>err &&
	test_expect_code 2 fs-ingest define "9bad" --entity id --timestamp ts 2>err &&
	! test -e .mlrepo/features/g1.db
'

test_expect_success 'define --from a [group] file' '
	cat >groups.conf <<-\EOF &&
	[group "trips"]
		entity = city, day:int
		timestamp = ts
		feature = n:int
		feature = km:float
		check = km >= 0
		description = trips per city and day
	EOF
	fs-ingest define --from groups.conf &&
	fs-ingest show trips >out &&
	test_grep "^entity      city:string, day:int$" out &&
	test_grep "^description trips per city and day$" out &&
	fs-ingest define trips --from groups.conf 2>err &&
	test_grep "unchanged" err &&
	printf "[group \"x\"]\n\tcolour = red\n" >bad.conf &&
	test_expect_code 2 fs-ingest define --from bad.conf 2>err &&
	test_grep "bad.conf. line 2: unknown key .colour." err &&
	test_expect_code 2 fs-ingest define --from nosuch.conf 2>err &&
	test_grep "no such file" err
'

test_expect_success 'redefine: added features are a new version; removing or retyping is refused' '
	test_expect_code 2 fs-ingest define drivers --entity driver_id:int \
		--timestamp ts --feature conv_rate:int --feature trips:int 2>err &&
	test_grep "conv_rate. is float; its type cannot change" err &&
	test_expect_code 2 fs-ingest define drivers --entity driver_id:int \
		--timestamp ts --feature conv_rate:float 2>err &&
	test_grep "trips. cannot be removed" err &&
	test_expect_code 2 fs-ingest define drivers --entity driver:int \
		--timestamp ts --feature conv_rate:float --feature trips:int 2>err &&
	test_grep "entity cannot change" err &&
	fs-ingest show drivers --json >show.json &&
	grep -q "\"version\":1," show.json
'

test_expect_success 'ingest: one bad value rejects the whole batch, naming file, line, column and value' '
	cat >d1.csv <<-\EOF &&
	driver_id,ts,conv_rate,trips
	1001,2026-01-01T00:00:00Z,0.5,10
	1001,2026-01-02T00:00:00Z,0.6,12
	1002,2026-01-01T12:00:00Z,zero,3
	EOF
	test_expect_code 2 fs-ingest drivers d1.csv 2>err &&
	test_grep "d1.csv. line 4 column .conv_rate.: not a float: \"zero\"" err &&
	test "$(rows drivers)" = 0 && test "$(batches drivers)" = 0 &&
	sed "s/zero/-1/" d1.csv >d2.csv &&
	test_expect_code 2 fs-ingest drivers d2.csv 2>err &&
	test_grep "d2.csv. line 4: check failed: conv_rate >= 0 (conv_rate = -1)$" err &&
	test "$(rows drivers)" = 0 &&
	printf "driver_id,ts,conv_rate,trips\n,2026-01-01,1,1\n" >d3.csv &&
	test_expect_code 2 fs-ingest drivers d3.csv 2>err &&
	test_grep "entity key is missing" err &&
	printf "driver_id,conv_rate,trips\n1,1,1\n" >d4.csv &&
	test_expect_code 2 fs-ingest drivers d4.csv 2>err &&
	test_grep "no column .ts." err &&
	printf "driver_id,ts,conv_rate,trips,extra\n1,2026-01-01,1,1,x\n" >d5.csv &&
	test_expect_code 2 fs-ingest drivers d5.csv 2>err &&
	test_grep "column .extra. is not in feature group" err &&
	test_expect_code 2 fs-ingest drivers nosuch.csv 2>err &&
	test_grep "no such file" err &&
	test_expect_code 2 fs-ingest nosuch d5.csv 2>err &&
	test_grep "no such feature group" err &&
	test "$(rows drivers)" = 0 && test "$(batches drivers)" = 0
'

test_expect_success 'ingest reads TSV, JSON Lines and compressed input; types are checked in each' '
	fs-ingest define ty --entity id:int --timestamp ts --feature f:float \
		--feature b:bool --feature s:string --feature at:timestamp &&
	printf "id\tts\tf\tb\ts\tat\n1\t2026-01-01\t1.5\ttrue\thello\\\\tworld\t2026-02-01T10:00:00Z\n" >t.tsv &&
	fs-ingest ty t.tsv &&
	printf "{\"id\":2,\"ts\":\"2026-01-01\",\"f\":null,\"b\":false,\"s\":\"x\",\"at\":null}\n" >t.jsonl &&
	fs-ingest ty t.jsonl &&
	printf "id,ts,f,b,s,at\n3,2026-01-01,nan,yes,\"\",2026-03-01\n" | gzip >t.csv.gz &&
	fs-ingest ty t.csv.gz &&
	fs-ingest export ty --format jsonl >out &&
	cat >expect <<-\EOF &&
	{"id":1,"ts":"2026-01-01T00:00:00Z","f":1.5,"b":true,"s":"hello\tworld","at":"2026-02-01T10:00:00Z"}
	{"id":2,"ts":"2026-01-01T00:00:00Z","f":null,"b":false,"s":"x","at":null}
	{"id":3,"ts":"2026-01-01T00:00:00Z","f":"NaN","b":true,"s":"","at":"2026-03-01T00:00:00Z"}
	EOF
	test_cmp expect out &&
	printf "{\"id\":\"four\",\"ts\":\"2026-01-01\",\"f\":1,\"b\":true,\"s\":\"x\",\"at\":null}\n" >bad.jsonl &&
	test_expect_code 2 fs-ingest ty bad.jsonl 2>err &&
	test_grep "bad.jsonl. line 1 column .id.: not an int" err &&
	printf "id,ts,f,b,s,at\n5,2026-01-01,1,maybe,x,\n" >bad.csv &&
	test_expect_code 2 fs-ingest ty bad.csv 2>err &&
	test_grep "column .b.: not a bool" err &&
	printf "id,ts,f,b,s,at\n5,yesterday,1,true,x,\n" >bad2.csv &&
	test_expect_code 2 fs-ingest ty bad2.csv 2>err &&
	test_grep "column .ts." err &&
	test "$(rows ty)" = 3
'

test_expect_success 'ingest --on-error skip: good rows in, bad ones to --rejects with a reason' '
	fs-ingest drivers --on-error skip --rejects rej.csv d2.csv 2>err &&
	test_grep "2 rows into .drivers., 1 rejected" err &&
	test "$(rows drivers)" = 2 &&
	test_line_count = 2 rej.csv &&
	head -1 rej.csv >hdr &&
	test "$(cat hdr)" = "driver_id,ts,conv_rate,trips,reason" &&
	test_grep "^1002,2026-01-01T12:00:00Z,-1,3,.*check failed: conv_rate >= 0" rej.csv
'

test_expect_success 'ingest: the same content again is skipped unless --force; --map, --ignore-extra' '
	fs-ingest drivers --on-error skip d2.csv 2>err &&
	test_grep "the same content went into .drivers. before" err &&
	test "$(batches drivers)" = 1 &&
	sed "s/^driver_id,/id,/" d1.csv | sed "4d" >m.csv &&
	fs-ingest drivers --map id=driver_id m.csv &&
	test "$(rows drivers)" = 4 &&
	fs-ingest drivers --ignore-extra d5.csv &&
	fs-ingest drivers --force --ignore-extra d5.csv &&
	test "$(batches drivers)" = 4 &&
	cat d5.csv | fs-ingest drivers --ignore-extra - 2>err &&
	test_grep "same content" err &&
	mlrepo log >log &&
	test "$(grep -F fs.ingest log | grep -cw drivers)" = 4
'

test_expect_success 'the same file ingested by four processes at once goes in once' '
	fs-ingest define race --entity k --timestamp ts --feature v:int &&
	awk "BEGIN { print \"k,ts,v\"; for (i = 0; i < 20000; i++) print \"k\" i % 100 \",2026-01-01,\" i }" >race.csv &&
	for i in 1 2 3 4; do
		fs-ingest -q race race.csv & 
	done &&
	wait &&
	test "$(batches race)" = 1 &&
	test "$(rows race)" = 20000
'

test_expect_success 'join: matches pandas merge_asof (backward, by key), with and without a TTL' '
	fs-ingest define u --entity user_id:int --timestamp ts \
		--feature score:float --feature visits:int &&
	fs-ingest define u2 --entity user_id:int --timestamp ts \
		--feature score:float --feature visits:int --ttl 2d &&
	fs-ingest u "$DATA/fs-join-features.csv" &&
	fs-ingest u2 "$DATA/fs-join-features.csv" &&
	fs-ingest join "$DATA/fs-join-entities.csv" --features u >j1.csv &&
	test_cmp "$DATA/fs-join-expect.csv" j1.csv &&
	fs-ingest join "$DATA/fs-join-entities.csv" --features u2 >j2.csv &&
	test_cmp "$DATA/fs-join-expect-ttl2d.csv" j2.csv &&
	fs-ingest join - --features u:visits --format jsonl \
		<"$DATA/fs-join-entities.csv" >j.jsonl &&
	head -1 j.jsonl >first &&
	test "$(cat first)" = "{\"row\":\"0\",\"user_id\":2,\"event_timestamp\":\"2026-01-09T11:00:00Z\",\"visits\":17}"
'

test_expect_success 'join: TTL bounds included, ties by created then batch, no match empty' '
	fs-ingest define t --entity k --timestamp ts --created cr \
		--feature v:int --ttl 1h &&
	cat >t1.csv <<-\EOF &&
	k,ts,cr,v
	a,2026-01-01T00:00:00Z,2026-01-01T00:00:00Z,1
	a,2026-01-01T00:00:00Z,2026-01-01T00:05:00Z,2
	a,2026-01-01T00:00:00Z,2026-01-01T00:01:00Z,3
	b,2026-01-01T00:00:00Z,,4
	EOF
	fs-ingest t t1.csv &&
	printf "k,ts,cr,v\nb,2026-01-01T00:00:00Z,,5\n" >t2.csv &&
	fs-ingest t t2.csv &&
	cat >e.csv <<-\EOF &&
	k,event_timestamp
	a,2026-01-01T01:00:00Z
	a,2026-01-01T01:00:00.000001Z
	a,2025-12-31T23:59:59Z
	b,2026-01-01T00:00:00Z
	c,2026-01-01T00:00:00Z
	,2026-01-01T00:00:00Z
	EOF
	fs-ingest join e.csv --features t >out &&
	cat >expect <<-\EOF &&
	k,event_timestamp,v
	a,2026-01-01T01:00:00Z,2
	a,2026-01-01T01:00:00.000001Z,
	a,2025-12-31T23:59:59Z,
	b,2026-01-01T00:00:00Z,5
	c,2026-01-01T00:00:00Z,
	,2026-01-01T00:00:00Z,
	EOF
	test_cmp expect out
'

test_expect_success 'join: composite keys, two groups, name clashes, --full-names' '
	fs-ingest define trips_b --entity city,day:int --timestamp ts --feature n:int &&
	fs-ingest define trips_c --entity city --timestamp ts --feature n:int &&
	printf "city,day,ts,n,km\nparis,1,2026-01-01,10,1.5\nparis,2,2026-01-01,20,2\nrome,1,2026-01-01,30,3\n" >tr.csv &&
	fs-ingest trips tr.csv &&
	fs-ingest trips_b --ignore-extra tr.csv &&
	printf "city,ts,n\nparis,2026-01-01,7\n" >tc.csv &&
	fs-ingest trips_c tc.csv &&
	printf "city,day,when\nparis,2,2026-01-02\nrome,2,2026-01-02\n" >e2.csv &&
	fs-ingest join e2.csv --features trips:n,km >out &&
	printf "city,day,when,n,km\nparis,2,2026-01-02,20,2\nrome,2,2026-01-02,,\n" >expect &&
	test_cmp expect out &&
	test_expect_code 2 fs-ingest join e2.csv --features trips:n --features trips_c 2>err &&
	test_grep "would appear twice" err &&
	fs-ingest join e2.csv --features trips:n --features trips_c --full-names >out &&
	printf "city,day,when,trips__n,trips_c__n\nparis,2,2026-01-02,20,7\nrome,2,2026-01-02,,\n" >expect &&
	test_cmp expect out &&
	printf "city,day,when\nparis,x,2026-01-02\n" >e3.csv &&
	test_expect_code 2 fs-ingest join e3.csv --features trips 2>err &&
	test_grep "e3.csv. line 2: key .x. is not an int" err &&
	test_expect_code 2 fs-ingest join e2.csv --features trips:nosuch 2>err &&
	test_grep "has no feature .nosuch." err &&
	printf "day,when\n1,2026-01-02\n" >e4.csv &&
	test_expect_code 2 fs-ingest join e4.csv --features trips 2>err &&
	test_grep "no column .city." err
'

test_expect_success 'join --as-of sees only the batches ingested by then (time travel)' '
	fs-ingest define tt --entity k --timestamp ts --feature v:int &&
	printf "k,ts,v\na,2026-01-01,1\n" >a1.csv &&
	fs-ingest tt a1.csv &&
	sleep 0.01 && t1=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ | cut -c1-26)Z && sleep 0.01 &&
	printf "k,ts,v\na,2026-01-02,2\n" >a2.csv &&
	fs-ingest tt a2.csv &&
	printf "k,event_timestamp\na,2026-01-03\n" >e.csv &&
	fs-ingest join e.csv --features tt >now.csv &&
	test_grep "^a,2026-01-03,2$" now.csv &&
	fs-ingest join e.csv --features tt --as-of "$t1" >then.csv &&
	test_grep "^a,2026-01-03,1$" then.csv &&
	fs-ingest join e.csv --features tt --as-of 2000-01-01 >never.csv &&
	test_grep "^a,2026-01-03,$" never.csv
'

test_expect_success 'schema evolution: rows ingested before a feature was added read it as missing' '
	fs-ingest define tt --entity k --timestamp ts --feature v:int --feature w:string 2>err &&
	test_grep "at version 2" err &&
	printf "k,ts,v,w\nb,2026-01-01,3,hello\n" >b.csv &&
	fs-ingest tt b.csv &&
	printf "k,event_timestamp\na,2026-01-03\nb,2026-01-03\n" >e.csv &&
	fs-ingest join e.csv --features tt >out &&
	printf "k,event_timestamp,v,w\na,2026-01-03,2,\nb,2026-01-03,3,hello\n" >expect &&
	test_cmp expect out &&
	fs-ingest show tt >show.out &&
	test_grep "^  2  .*  2 features$" show.out
'

test_expect_success 'get: the row the join would give now, the TTL enforced' '
	fs-ingest get t a b zz --at 2026-01-01T00:30:00Z >out &&
	printf "k,v\na,2\nb,5\nzz,\n" >expect &&
	test_cmp expect out &&
	fs-ingest get t a >out &&
	printf "k,v\na,\n" >expect &&
	test_cmp expect out &&
	printf "a\nb\n" | fs-ingest get t --at 2026-01-01T00:30:00Z --json >out &&
	printf "{\"k\":\"a\",\"v\":2}\n{\"k\":\"b\",\"v\":5}\n" >expect &&
	test_cmp expect out &&
	fs-ingest get trips_b paris,2 --at 2026-02-01 >out &&
	printf "city,day,n\nparis,2,20\n" >expect &&
	test_cmp expect out &&
	test_expect_code 2 fs-ingest get trips_b paris 2>err &&
	test_grep "write them a,b" err &&
	test_expect_code 2 fs-ingest get nosuch a 2>err
'

test_expect_success 'range: by event time, both ends included, a date TO its whole day; --latest' '
	printf "k,ts,v\na,2026-01-01T00:00:00Z,1\na,2026-01-02T23:59:59Z,2\nb,2026-01-02T12:00:00Z,3\nb,2026-01-03T00:00:00Z,4\n" >r.csv &&
	fs-ingest define rg --entity k --timestamp ts --feature v:int &&
	fs-ingest rg r.csv &&
	fs-ingest range rg --from 2026-01-01T00:00:00Z --to 2026-01-02 >out &&
	printf "k,ts,v\na,2026-01-01T00:00:00Z,1\na,2026-01-02T23:59:59Z,2\nb,2026-01-02T12:00:00Z,3\n" >expect &&
	test_cmp expect out &&
	fs-ingest range rg --to 2026-01-02T12:00:00Z --latest >out &&
	printf "k,ts,v\na,2026-01-01T00:00:00Z,1\nb,2026-01-02T12:00:00Z,3\n" >expect &&
	test_cmp expect out &&
	fs-ingest range rg --latest --format jsonl >out &&
	printf "{\"k\":\"a\",\"ts\":\"2026-01-02T23:59:59Z\",\"v\":2}\n{\"k\":\"b\",\"ts\":\"2026-01-03T00:00:00Z\",\"v\":4}\n" >expect &&
	test_cmp expect out &&
	test_expect_code 2 fs-ingest range rg --to someday 2>err &&
	test_expect_code 2 fs-ingest range rg --features w 2>err &&
	test_grep "no feature .w." err
'

test_expect_success 'export: the rows as known at a time read back into a new group the same' '
	fs-ingest export t >all.csv &&
	head -1 all.csv >hdr && test "$(cat hdr)" = "k,ts,cr,v" &&
	test_line_count = 6 all.csv &&
	fs-ingest define t_copy --entity k --timestamp ts --created cr --feature v:int --ttl 1h &&
	fs-ingest t_copy all.csv &&
	fs-ingest join e.csv --features t >a.out &&
	fs-ingest join e.csv --features t_copy >b.out &&
	test_cmp a.out b.out &&
	fs-ingest export t --as-of 2000-01-01 >none.csv &&
	test_line_count = 1 none.csv
'

# Reference: pandas 1.5.3 describe() of tests/data/fs-join-features.csv:
#   /usr/bin/python3 -c "import pandas as pd; print(pd.read_csv(
#     \"tests/data/fs-join-features.csv\")[[\"score\",\"visits\"]].describe())"
# score: count 42, mean 4.779286, std 2.806945, min 0.39, 25% 2.5325,
#   50% 5.03, 75% 6.9275, max 9.8;  visits: mean 45.333333, std 27.089433,
#   min 2, 25% 18.25, 50% 51.5, 75% 68.5, max 89; 34 distinct visits.
test_expect_success 'stats: describe() of pandas, missing and distinct' '
	fs-ingest stats u --json >st.json &&
	python3 -c "
import json; s = {x[\"feature\"]: x for x in json.load(open(\"st.json\"))}
want = {\"score\": (42, 0, 42, 0.39, 9.8, 4.779286, 2.806945, 2.5325, 5.03, 6.9275),
        \"visits\": (42, 0, 34, 2, 89, 45.333333, 27.089433, 18.25, 51.5, 68.5)}
for f, w in want.items():
    x = s[f]
    got = (x[\"count\"], x[\"missing\"], x[\"distinct\"], x[\"min\"], x[\"max\"],
           x[\"mean\"], x[\"std\"], x[\"p25\"], x[\"p50\"], x[\"p75\"])
    assert got[:3] == w[:3], (f, got)
    assert all(abs(a - b) < 1e-6 for a, b in zip(got[3:], w[3:])), (f, got)" &&
	printf "k,ts,v,w\na,2026-01-01,1,x\nb,2026-01-01,,y\nc,2026-01-01,3,\n" >m.csv &&
	fs-ingest define sm --entity k --timestamp ts --feature v:float --feature w:string &&
	fs-ingest sm m.csv &&
	fs-ingest stats sm >out &&
	test_grep "^v	float	2	1	2	1	3	2	1.414213562	1.5	2	2.5$" out &&
	test_grep "^w	string	2	1	2	x	y	" out
'

test_expect_success 'join --log-input stores the training set and records it on the run' '
	run=$(exp-log start -n train) &&
	fs-ingest join "$DATA/fs-join-entities.csv" --features u:score \
		--log-input trainset -r $run >ts.csv 2>err &&
	test_grep "recorded as input .trainset." err &&
	oid=$(sha256sum ts.csv | cut -c1-64) &&
	mlrepo cat-object $oid >back.csv &&
	test_cmp ts.csv back.csv &&
	exp-log ls --filter "datasets.digest = '\''$oid'\''" --ids >ids &&
	test "$(cat ids)" = "$run" &&
	exp-log show $run >show.out &&
	test_grep "source  fs-ingest join --features u:score (u v1)" show.out &&
	mlrepo gc --prune=now &&
	mlrepo cat-object $oid >back2.csv &&
	test_cmp ts.csv back2.csv &&
	test_expect_code 2 fs-ingest join "$DATA/fs-join-entities.csv" --features u -r $run 2>err &&
	test_grep "go with --log-input" err
'

test_expect_success '--time-format reads epoch times in ingest and join' '
	fs-ingest define ep --entity k --timestamp ts --feature v:int &&
	printf "k,ts,v\na,1767225600,1\na,1767312000,2\n" >ep.csv &&
	test_expect_code 2 fs-ingest ep ep.csv 2>err &&
	test_grep "ep.csv. line 2 column .ts.: invalid time" err &&
	fs-ingest ep --time-format epoch ep.csv &&
	fs-ingest range ep >out &&
	printf "k,ts,v\na,2026-01-01T00:00:00Z,1\na,2026-01-02T00:00:00Z,2\n" >expect &&
	test_cmp expect out &&
	printf "k,t\na,1767268800000\na,1767225599999\n" >eq.csv &&
	fs-ingest join eq.csv --features ep --time-format epoch_ms >out &&
	printf "k,t,v\na,1767268800000,1\na,1767225599999,\n" >expect &&
	test_cmp expect out &&
	test_expect_code 2 fs-ingest ep --time-format weird ep.csv 2>err
'

test_expect_success 'drop needs --yes and is journaled' '
	test_expect_code 2 fs-ingest drop tt 2>err &&
	test -e .mlrepo/features/tt.db &&
	fs-ingest drop tt --yes &&
	! test -e .mlrepo/features/tt.db &&
	mlrepo log >log &&
	test_grep "fs.drop" log &&
	test_expect_code 2 fs-ingest show tt 2>err &&
	test_grep "no such feature group" err
'

test_done
