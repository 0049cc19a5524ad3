#!/bin/sh
test_description='fs-ingest: a bulk load rebuilds the index and keeps the join rule'
. ./test-lib.sh

# lib/fstore-ingest.c drops the rows' indexes and builds them again when
# the group is empty or the input is at least as large as the group's
# file; smaller inputs keep the index up to date row by row.  The same
# key and time in three batches, one per path, must give the latest batch.
idx() { sqlite3 .mlrepo/features/g.db "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rows'"; }

test_expect_success 'a bulk load into a group that has rows' '
	fs-ingest define g --entity k:int --timestamp ts --feature f:float &&
	printf "k,ts,f\n1,2026-01-01T00:00:00Z,1\n" >a.csv &&
	fs-ingest g a.csv &&
	test "$(idx)" = rows_key &&
	awk "BEGIN { print \"k,ts,f\"; for (i = 2; i < 5000; i++)
		printf \"%d,2026-01-01T00:00:00Z,%d\n\", i, i;
		print \"1,2026-01-01T00:00:00Z,2\" }" >b.csv &&
	test $(wc -c <b.csv) -gt $(wc -c <.mlrepo/features/g.db) &&
	fs-ingest g b.csv &&
	test "$(idx)" = rows_key &&
	test "$(sqlite3 .mlrepo/features/g.db "PRAGMA integrity_check")" = ok &&
	fs-ingest get g 1 4999 --at 2026-01-02 >out &&
	printf "k,f\n1,2\n4999,4999\n" >expect &&
	test_cmp expect out
'

test_expect_success 'a small batch after it goes row by row, same rule' '
	printf "k,ts,f\n1,2026-01-01T00:00:00Z,3\n" >c.csv &&
	test $(wc -c <c.csv) -lt $(wc -c <.mlrepo/features/g.db) &&
	fs-ingest g c.csv &&
	fs-ingest get g 1 --at 2026-01-02 >out &&
	printf "k,f\n1,3\n" >expect &&
	test_cmp expect out &&
	printf "k,event_timestamp\n1,2026-01-02\n1,2025-12-31\n" >e.csv &&
	fs-ingest join e.csv --features g >out &&
	printf "k,event_timestamp,f\n1,2026-01-02,3\n1,2025-12-31,\n" >expect &&
	test_cmp expect out
'

test_done
