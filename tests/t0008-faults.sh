#!/bin/sh
test_description='faults: a full disk, failing fsync, a killed writer'
. ./test-lib.sh

fault() { LD_PRELOAD="$MLREPO_BUILD/tests/helpers/libfault.so" "$@"; }

test_expect_success 'setup' '
	head -c 3000000 /dev/urandom >big.bin &&
	seq 1 300000 >big.txt &&
	echo small >small.txt &&
	mlrepo hash-object -w small.txt >/dev/null
'

snapshot() {
	find .mlrepo -type f ! -name "*-shm" ! -name "*-wal" | sort | xargs sha256sum >"$1"
}

test_expect_success FAULT 'a full disk while storing an object: exit 3, nothing changed' '
	snapshot before &&
	test_expect_code 3 fault env FAULT_WRITE_LIMIT=100000 mlrepo hash-object -w big.bin 2>err &&
	test_grep "No space left on device" err &&
	test_expect_code 3 fault env FAULT_WRITE_LIMIT=100000 mlrepo hash-object -w big.txt 2>err &&
	snapshot after && test_cmp before after &&
	test -z "$(ls .mlrepo/tmp)" &&
	mlrepo fsck
'

test_expect_success FAULT 'fsync failing: the object is not stored' '
	snapshot before &&
	test_expect_code 3 fault env FAULT_FSYNC=1 mlrepo hash-object -w big.bin 2>err &&
	test_grep "Input/output error" err &&
	snapshot after && test_cmp before after &&
	mlrepo fsck
'

test_expect_success FAULT 'a full disk while writing the config: the old file stays' '
	cp .mlrepo/config config.before &&
	test_expect_code 3 fault env FAULT_WRITE_LIMIT=0 mlrepo config core.x 1 2>err &&
	test_cmp config.before .mlrepo/config &&
	test ! -e .mlrepo/config.lock
'

test_expect_success FAULT 'a full disk while writing a bundle: no bundle file' '
	for limit in 100 1000; do
		test_expect_code 3 fault env FAULT_WRITE_LIMIT=$limit mlrepo bundle create out.tar.gz 2>err &&
		test ! -e out.tar.gz && test -z "$(ls out.tar.gz* 2>/dev/null)" || exit 1
	done
'

test_expect_success FAULT 'fsync failing while writing the config: the old file stays' '
	cp .mlrepo/config config.before &&
	test_expect_code 3 fault env FAULT_FSYNC=1 mlrepo config core.x 1 2>err &&
	test_grep "Input/output error" err &&
	test_cmp config.before .mlrepo/config &&
	test ! -e .mlrepo/config.lock
'

test_expect_success FAULT 'a full disk or failing fsync during cat-object -o: the old file stays' '
	id=$(mlrepo hash-object -w big.txt) &&
	echo old >out.txt &&
	test_expect_code 3 fault env FAULT_WRITE_LIMIT=1000 mlrepo cat-object -o out.txt $id 2>err &&
	test_grep "No space left on device" err &&
	test_expect_code 3 fault env FAULT_FSYNC=1 mlrepo cat-object -o out.txt $id 2>err &&
	test_grep "Input/output error" err &&
	echo old >expect && test_cmp expect out.txt &&
	test -z "$(ls out.txt.* 2>/dev/null)" &&
	mlrepo cat-object -o out.txt $id && test_cmp big.txt out.txt
'

test_expect_success FAULT 'fsync failing while writing a bundle: no bundle file' '
	test_expect_code 3 fault env FAULT_FSYNC=1 mlrepo bundle create out.tar.gz 2>err &&
	test_grep "Input/output error" err &&
	test -z "$(ls out.tar.gz* 2>/dev/null)"
'

# A writer blocked reading a FIFO holds its temporary file in .mlrepo/tmp/
# for as long as the test likes.  (SIGINT is no use here: a background job
# of a non-interactive shell starts with it ignored, and stays deaf to it.)
test_expect_success 'a writer stopped by SIGTERM or SIGHUP removes its temporary file' '
	for sig in TERM HUP; do
		rm -f fifo && mkfifo fifo &&
		{ mlrepo hash-object -w - <fifo >/dev/null 2>&1 & } &&
		pid=$! &&
		exec 9>fifo &&
		head -c 2000000 /dev/urandom >&9 &&
		n=0 &&
		while test -z "$(ls .mlrepo/tmp)" && test $n -lt 100; do
			sleep 0.05; n=$((n + 1))
		done &&
		test -n "$(ls .mlrepo/tmp)" &&
		kill -$sig $pid &&
		{ wait $pid; test $? -gt 128; } &&
		exec 9>&- &&
		test -z "$(ls .mlrepo/tmp)" || exit 1
	done &&
	mlrepo fsck
'

test_expect_success 'a writer killed at random moments leaves a sound repository' '
	head -c 30000000 /dev/urandom >huge.bin &&
	for delay in 0.01 0.05 0.1 0.2 0.3; do
		mlrepo hash-object -w huge.bin >/dev/null 2>&1 &
		pid=$! && sleep $delay && kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
		mlrepo fsck >out 2>&1 || { cat out; exit 1; }
	done &&
	id=$(mlrepo hash-object huge.bin) &&
	mlrepo hash-object -w huge.bin >/dev/null &&
	mlrepo cat-object $id >got && cmp got huge.bin
'

test_done
