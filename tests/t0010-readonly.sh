#!/bin/sh
test_description='read-only repositories: readers work, writers exit 3 and change nothing'
. ./test-lib.sh

# Tests run as root, whom file modes do not stop, so a repository is made
# read-only in two ways, each its own set of tests:
#   uid: modes a-w, and the tools run as uid 65534 (setpriv);
#   mnt: modes left writable, and the tools run as root in a mount
#        namespace where .mlrepo is a read-only bind mount (unshare -m),
#        which is what CI (root, in a container) can do.
# A way that does not work here is skipped and says why.  The tools are
# copied to $TRASH/bin so that uid 65534 needs to reach only $TRASH.

chmod 755 "$TRASH"
mkdir -p "$TRASH/bin" "$TRASH/out" &&
cp "$MLREPO_BUILD/bin/mlrepo" "$MLREPO_BUILD/bin/exp-log" "$MLREPO_BUILD/bin/fs-ingest" \
	"$MLREPO_BUILD/bin/model-promote" "$TRASH/bin/" &&
chmod 1777 "$TRASH/out" || { echo "Bail out! cannot set up $TRASH/bin"; exit 1; }

if ! test_have_prereq ROOT; then
	echo "# skipping: the read-only tests run as root (they make files read-only for others)"
elif ! command -v setpriv >/dev/null 2>&1; then
	echo "# skipping uid tests: no setpriv"
elif setpriv --reuid=65534 --regid=65534 --clear-groups \
	sh -c 'cd "$0" && exec ./bin/mlrepo --version' "$TRASH" \
	>/dev/null 2>&1; then
	TEST_PREREQ_UID=1
else
	echo "# skipping uid tests: uid 65534 cannot run $TRASH/bin/mlrepo" \
	     "(is every parent of $TRASH searchable by others?)"
fi
mkdir -p "$TRASH/probe"
if test_have_prereq ROOT && command -v unshare >/dev/null 2>&1 &&
   unshare -m sh -c 'mount --bind -o ro "$0" "$0" && ! touch "$0/x"' \
	"$TRASH/probe" 2>/dev/null; then
	TEST_PREREQ_MNT=1
else
	echo "# skipping mnt tests: cannot make a read-only bind mount" \
	     "(unshare -m and mount need root and CAP_SYS_ADMIN)"
fi
rm -rf "$TRASH/probe"

# ro CMD...: run CMD in the repository $REPO, made read-only the $MODE way
ro() {
	case $MODE in
	uid)
		setpriv --reuid=65534 --regid=65534 --clear-groups \
			env PATH="$TRASH/bin:$PATH" "$@" ;;
	mnt)
		unshare -m sh -c 'mount --bind -o ro "$0/.mlrepo" "$0/.mlrepo" &&
			exec "$@"' "$REPO" env PATH="$TRASH/bin:$PATH" "$@" ;;
	esac
}

# make_ro / make_rw: the modes of $REPO's files for the way under test
make_ro() {
	chmod -R a+rX "$REPO/.mlrepo" &&
	if [ "$MODE" = uid ]; then chmod -R a-w "$REPO/.mlrepo"; fi
}
make_rw() {
	chmod -R u+w "$REPO/.mlrepo"
}

# Every file in the repository with its content, mode and size.
snapshot() {
	(cd "$REPO" && find .mlrepo -printf '%p %y %m %s\n' | sort &&
	 find .mlrepo -type f -print0 | sort -z | xargs -0 sha256sum) >"$1"
}

# What each reader prints, into DIR/NAME.out (run with `run`: plain or ro).
READERS='ls show diff best history experiments export export-json log
status status-json config config-list cat-object get-artifact'
read_all() {
	run=$1 dir=$2
	mkdir -p "$dir" &&
	$run exp-log ls --all >"$dir/ls.out" &&
	$run exp-log show "$(cat "$TRASH/run1")" >"$dir/show.out" &&
	$run exp-log diff "$(cat "$TRASH/run1")" "$(cat "$TRASH/run2")" \
		>"$dir/diff.out" &&
	$run exp-log best -e train --metric loss --min >"$dir/best.out" &&
	$run exp-log history -r "$(cat "$TRASH/run1")" loss \
		>"$dir/history.out" &&
	$run exp-log experiments >"$dir/experiments.out" &&
	$run exp-log export --all >"$dir/export.out" &&
	$run exp-log export --all --format jsonl >"$dir/export-json.out" &&
	$run mlrepo log --reverse >"$dir/log.out" &&
	$run mlrepo status >"$dir/status.out" &&
	$run mlrepo status --json >"$dir/status-json.out" &&
	$run mlrepo config core.lockTimeout >"$dir/config.out" &&
	$run mlrepo config --list >"$dir/config-list.out" &&
	$run mlrepo cat-object "$(cat "$TRASH/oid")" >"$dir/cat-object.out" &&
	$run exp-log get-artifact "$(cat "$TRASH/run1")" model.bin \
		-o "$TRASH/out/$MODE-$(basename "$dir").bin" &&
	cp "$TRASH/out/$MODE-$(basename "$dir").bin" "$dir/get-artifact.out"
}
plain() { "$@"; }

# The commands that write, one a line, each of which must exit 3.
writers() {
	r1=$(cat "$TRASH/run1")
	cat <<EOF
exp-log start -e train
exp-log param -r $r1 extra=1
exp-log tag -r $r1 team=ml
exp-log tag -e train owner=me
exp-log metric -r $r1 loss=0.01
exp-log artifact -r $r1 $TRASH/model.bin --as other.bin
exp-log end -r $r1
exp-log run -e train -- touch $TRASH/out/ran-$MODE
exp-log rm $r1
exp-log restore $r1
exp-log mv $r1 -e elsewhere
exp-log gc
exp-log tag -r $r1 --delete team
exp-log input -r $r1 train.csv --digest abc
exp-log experiments --delete train --force
fs-ingest define g --entity id --timestamp ts
mlrepo gc --prune=now
mlrepo config core.x 1
mlrepo config --unset core.lockTimeout
mlrepo hash-object -w $TRASH/model.bin
mlrepo bundle unbundle $TRASH/out/$MODE.tar.gz
mlrepo init
EOF
}

# The line a refused write prints.
refusal() {
	if [ "$MODE" = uid ]; then
		echo "is read-only (cannot write catalog.db)"
	else
		echo "is read-only (read-only file system)"
	fi
}

test_expect_success 'setup: files to store' '
	head -c 5000 /dev/urandom >model.bin &&
	echo "some data" >data.txt
'

# ro_tests MODE PREREQ: the tests, one way of making the repository read-only
ro_tests() {
MODE=$1
PREREQ=$2
REPO=$TRASH/repo-$MODE

test_expect_success "$PREREQ" "$MODE: a repository with runs, metrics, artifacts and objects" '
	new_repo "repo-$MODE" >/dev/null && cd "$REPO" &&
	r1=$(exp-log start -e train -n first -p lr=0.1 -p model=xgb) &&
	exp-log metric -r $r1 loss=0.9 &&
	exp-log metric -r $r1 loss=0.5 acc=0.7 &&
	exp-log tag -r $r1 team=ml &&
	exp-log artifact -r $r1 "$TRASH/model.bin" &&
	exp-log end -r $r1 &&
	r2=$(exp-log start -e train -n second -p lr=0.01 -p model=lgbm) &&
	exp-log metric -r $r2 loss=0.4 acc=0.8 &&
	exp-log end -r $r2 --status failed &&
	mlrepo hash-object -w "$TRASH/data.txt" >"$TRASH/oid" &&
	echo $r1 >"$TRASH/run1" && echo $r2 >"$TRASH/run2" &&
	mlrepo gc &&
	test ! -s .mlrepo/catalog.db-wal
'

test_expect_success "$PREREQ" "$MODE: a run recorded after the last checkpoint lives in the WAL only" '
	cd "$REPO" &&
	r3=$(exp-log start -e eval -n third -p lr=0.2) &&
	exp-log metric -r $r3 loss=0.3 &&
	echo $r3 >"$TRASH/run3" &&
	test $(wc -c <.mlrepo/catalog.db-wal) -gt 32 &&
	test -e .mlrepo/catalog.db-shm &&
	read_all plain "$TRASH/expect-$MODE" &&
	test_grep $r3 "$TRASH/expect-$MODE/ls.out" &&
	test_grep "lr = 0.1" "$TRASH/expect-$MODE/show.out" &&
	test_grep "^$r2" "$TRASH/expect-$MODE/best.out" &&
	test_cmp "$TRASH/model.bin" "$TRASH/expect-$MODE/get-artifact.out" &&
	test_cmp "$TRASH/data.txt" "$TRASH/expect-$MODE/cat-object.out"
'

test_expect_success "$PREREQ" "$MODE: with the WAL left behind, every reader answers as before" '
	cd "$REPO" && make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	read_all ro "$TRASH/got-wal-$MODE" &&
	for f in $READERS; do
		test_cmp "$TRASH/expect-$MODE/$f.out" "$TRASH/got-wal-$MODE/$f.out" ||
		exit 1
	done &&
	test_grep "$(cat "$TRASH/run3")" "$TRASH/got-wal-$MODE/ls.out" &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

test_expect_success "$PREREQ" "$MODE: catalog.db alone would not have shown the run in the WAL" '
	rm -rf "$TRASH/alone-$MODE" && mkdir "$TRASH/alone-$MODE" &&
	cp -a "$REPO/.mlrepo" "$TRASH/alone-$MODE/" &&
	rm "$TRASH/alone-$MODE/.mlrepo/catalog.db-wal" \
	   "$TRASH/alone-$MODE/.mlrepo/catalog.db-shm" &&
	(REPO=$TRASH/alone-$MODE && make_ro && cd "$REPO" &&
	 ro exp-log ls --all >"$TRASH/alone-$MODE.out") &&
	test_grep "$(cat "$TRASH/run1")" "$TRASH/alone-$MODE.out" &&
	! grep "$(cat "$TRASH/run3")" "$TRASH/alone-$MODE.out"
'

test_expect_success "$PREREQ" "$MODE: fsck finds a read-only repository sound and says how it checked" '
	cd "$REPO" && make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	ro mlrepo fsck 2>err &&
	test_grep "0 problems (read-only repository" err &&
	ro mlrepo gc --dry-run &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

test_expect_success "$PREREQ" "$MODE: model-promote reads, checks and exports; it moves nothing" '
	cd "$REPO" &&
	model-promote register churn "$TRASH/model.bin" -m auc=0.9 >/dev/null &&
	model-promote register churn "$TRASH/model.bin" -m auc=0.8 >/dev/null &&
	model-promote -q churn:1 --to production &&
	make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	test "$(ro model-promote alias churn@production)" = 1 &&
	ro model-promote ls churn >/dev/null &&
	ro model-promote show churn@production >/dev/null &&
	ro model-promote history churn >/dev/null &&
	test_expect_code 1 ro model-promote check churn:2 --to production \
		--require "auc >= current.auc" >/dev/null &&
	ro model-promote export churn:1 -o "$TRASH/out/churn-$MODE.tar.gz" &&
	tar xzOf "$TRASH/out/churn-$MODE.tar.gz" model/model.bin >"$TRASH/out/got-$MODE" &&
	test_cmp "$TRASH/model.bin" "$TRASH/out/got-$MODE" &&
	test_expect_code 3 ro model-promote churn:2 --to production 2>err &&
	test_grep "$(refusal)" err &&
	test_expect_code 3 ro model-promote alias --delete churn@production 2>err &&
	test_grep "$(refusal)" err &&
	test_expect_code 3 ro model-promote register churn "$TRASH/model.bin" 2>err &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

test_expect_success "$PREREQ" "$MODE: drift-check checks, reads history and fs: windows; --record is refused" '
	cd "$REPO" &&
	{ echo x; seq 1 40; } >"$TRASH/dref.csv" &&
	{ echo x; seq 31 70; } >"$TRASH/dcur.csv" &&
	test_expect_code 1 drift-check -q --record nightly "$TRASH/dref.csv" "$TRASH/dcur.csv" &&
	fs-ingest define dg --entity id:int --timestamp ts --feature v:float 2>/dev/null &&
	{ echo id,ts,v; for i in $(seq 1 30); do echo "$i,2026-01-0$((i % 9 + 1))T00:00:00Z,$i"; done; } >"$TRASH/dg.csv" &&
	fs-ingest -q dg "$TRASH/dg.csv" &&
	make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	ro drift-check history nightly >/dev/null &&
	test "$(ro drift-check history nightly --json | grep -c "\"severity\":\"warning\"")" = 1 &&
	test_expect_code 1 ro drift-check -q "$TRASH/dref.csv" "$TRASH/dcur.csv" &&
	ro drift-check -q fs:dg@2026-01-01..2026-01-04 fs:dg@2026-01-01..2026-01-04 &&
	test_expect_code 3 ro drift-check -q --record nightly "$TRASH/dref.csv" "$TRASH/dcur.csv" 2>err &&
	test_grep "$(refusal)" err &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

test_expect_success "$PREREQ" "$MODE: bundle create writes elsewhere; the bundle holds every run" '
	cd "$REPO" && make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	rm -f "$TRASH/out/$MODE.tar.gz" &&
	ro mlrepo bundle create "$TRASH/out/$MODE.tar.gz" &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after" &&
	other=$(new_repo "other-$MODE") &&
	mlrepo -C "$other" bundle unbundle "$TRASH/out/$MODE.tar.gz" &&
	exp-log -C "$other" ls --all >"$TRASH/other-$MODE.out" &&
	test_cmp "$TRASH/expect-$MODE/ls.out" "$TRASH/other-$MODE.out"
'

test_expect_success "$PREREQ" "$MODE: every command that writes exits 3, says so, changes nothing" '
	cd "$REPO" && make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	want="repository .$(pwd -P)/.mlrepo. $(refusal)" &&
	writers >"$TRASH/writers" &&
	while read -r cmd; do
		ro $cmd </dev/null 2>err
		rc=$?
		if [ $rc != 3 ]; then
			echo "$cmd: exit $rc, not 3" && cat err && exit 1
		fi
		grep "error: $want" err || { echo "$cmd:" && cat err && exit 1; }
	done <"$TRASH/writers" &&
	test_line_count -gt 15 "$TRASH/writers" &&
	test ! -e "$TRASH/out/ran-$MODE" &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

test_expect_success "$PREREQ" "$MODE: a stream of metrics on stdin is refused before it is read" '
	cd "$REPO" && make_ro &&
	test_when_finished make_rw &&
	printf "loss=0.1\n" | test_expect_code 3 ro exp-log log -r "$(cat "$TRASH/run1")" 2>err &&
	test_grep "$(refusal)" err
'

test_expect_success "$PREREQ" "$MODE: a bad value is still exit 2, a key read exit 0 or 1" '
	cd "$REPO" && make_ro &&
	test_when_finished make_rw &&
	test_expect_code 2 ro mlrepo config core.lockTimeout forever 2>err &&
	test_grep "not a duration" err &&
	test_expect_code 1 ro mlrepo config core.nosuchkey
'

test_expect_success "$PREREQ" "$MODE: with no -wal and -shm (after gc), every reader answers as before" '
	cd "$REPO" &&
	mlrepo gc &&
	read_all plain "$TRASH/expect2-$MODE" &&
	test ! -s .mlrepo/catalog.db-wal &&
	rm .mlrepo/catalog.db-wal .mlrepo/catalog.db-shm &&
	make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	read_all ro "$TRASH/got-nowal-$MODE" &&
	for f in $READERS; do
		test_cmp "$TRASH/expect2-$MODE/$f.out" "$TRASH/got-nowal-$MODE/$f.out" ||
		exit 1
	done &&
	test_grep "$(cat "$TRASH/run3")" "$TRASH/got-nowal-$MODE/ls.out" &&
	ro mlrepo fsck 2>err &&
	test_grep "0 problems" err &&
	test ! -e .mlrepo/catalog.db-wal && test ! -e .mlrepo/catalog.db-shm &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

test_expect_success "$PREREQ" "$MODE: writes are refused with no -wal and -shm too" '
	cd "$REPO" && make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	test_expect_code 3 ro exp-log start -e train 2>err &&
	test_grep "$(refusal)" err &&
	test_expect_code 3 ro mlrepo hash-object -w "$TRASH/model.bin" 2>err &&
	test_grep "$(refusal)" err &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

# A -wal with transactions and no -shm (a copy that left it out) cannot be
# read without creating the -shm: the readers say so (exit 3) rather than
# show an old catalog, and fsck does not call it damage.
test_expect_success "$PREREQ" "$MODE: a -wal with content but no -shm: exit 3, named, nothing changed" '
	cd "$REPO" &&
	r4=$(exp-log start -e train -n fourth) &&
	test $(wc -c <.mlrepo/catalog.db-wal) -gt 32 &&
	rm .mlrepo/catalog.db-shm &&
	make_ro &&
	test_when_finished make_rw &&
	snapshot "$TRASH/before" &&
	test_expect_code 3 ro exp-log ls 2>err &&
	test_grep "catalog.db-wal. holds changes not yet in" err &&
	test_grep "catalog.db-shm., which is missing" err &&
	test_expect_code 3 ro mlrepo fsck >out 2>err &&
	test_grep "cannot check" err &&
	test_must_fail grep damage out err &&
	test_expect_code 3 ro exp-log start 2>err &&
	test_grep "$(refusal)" err &&
	snapshot "$TRASH/after" && test_cmp "$TRASH/before" "$TRASH/after"
'

test_expect_success "$PREREQ" "$MODE: writable again, the run in that WAL is there" '
	cd "$REPO" &&
	exp-log ls -e train >out &&
	test_grep fourth out &&
	mlrepo fsck
'
}

ro_tests uid UID
ro_tests mnt MNT

test_done
