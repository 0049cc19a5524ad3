#!/bin/sh
test_description='pipe-run: bad input, damaged lock files, odd outs, signals, budgets'
. ./test-lib.sh

# Known bugs: test-lib.sh has no test_expect_failure, so each test that
# fails today is commented out below, after a "# BUG:" line saying what is
# wrong, with "#! " before each of its lines.  To run them all:
#   cd tests && sed 's/^#! //' t0401-pipe-run-edges.sh >t0401-bugs.sh &&
#   sh t0401-bugs.sh; rm -f t0401-bugs.sh
# Remove the "#! " (and the BUG line) of a test once its bug is fixed.

# The repository's files, to show that a command changed nothing (the
# flock files under runs/locks are empty and may be created by readers).
snap() {
	find .mlrepo -type f ! -name "*-shm" ! -path "*/runs/locks/*" |
		sort | xargs sha256sum
}

# wait_for FILE: until FILE exists (at most about 20 seconds)
wait_for() {
	wf_n=0
	while ! test -e "$1"; do
		wf_n=$((wf_n + 1))
		if [ $wf_n -gt 200 ]; then
			echo "wait_for: '$1' never appeared" >&2
			return 1
		fi
		sleep 0.1
	done
}

# check_json FILE: FILE is JSON
check_json() {
	python3 -c "import json, sys; json.load(open(sys.argv[1]))" "$1"
}

# A background job of a non-interactive shell ignores SIGINT; env
# --default-signal gives pipe-run the default disposition back.
if env --default-signal=INT true 2>/dev/null; then
	TEST_PREREQ_DEFSIG=1
fi
# A read-only bind mount of .mlrepo (root, unshare -m), as t0010 does.
mkdir -p "$TRASH/probe"
if test_have_prereq ROOT && command -v unshare >/dev/null 2>&1 &&
   unshare -m sh -c 'mount --bind -o ro "$0" "$0" && ! touch "$0/x"' \
	"$TRASH/probe" 2>/dev/null; then
	TEST_PREREQ_MNT=1
fi
rm -rf "$TRASH/probe"

# ro CMD...: run CMD with $REPO/.mlrepo mounted read-only
ro() {
	unshare -m sh -c 'mount --bind -o ro "$0/.mlrepo" "$0/.mlrepo" &&
		exec "$@"' "$REPO" "$@"
}

one_stage() {
	printf '[stage "a"]\n\tcmd = echo hi >x\n\touts = x\n' >pipeline.ini
}

# ---- damaged or hand-edited pipeline.lock -----------------------------------

test_expect_success 'a damaged pipeline.lock is exit 2 for run, status and checkout, and changes nothing' '
	cd "$(new_repo lock)" && one_stage &&
	pipe-run -q &&
	cp pipeline.lock good.lock &&
	for bad in "not json" "" "[1]" "{\"version\":\"1\",\"stages\":{}}" \
		   "{\"version\":1,\"stages\":[]}" "{\"version\":1}"; do
		printf "%s" "$bad" >pipeline.lock &&
		cp pipeline.lock this.lock &&
		snap >before &&
		for cmd in status checkout run; do
			if [ $cmd = run ]; then set -- --force; else set -- $cmd; fi &&
			test_expect_code 2 pipe-run "$@" >out 2>err &&
			test_grep "pipeline.lock" err &&
			test_line_count = 1 err &&
			test_cmp this.lock pipeline.lock &&
			test "$(cat x)" = hi || return 1
		done &&
		snap >after && test_cmp before after || return 1
	done &&
	cp good.lock pipeline.lock &&
	pipe-run status --exit-code
'

test_expect_success 'a lock file of another version: exit 2, the version named' '
	cd "$TRASH/lock" &&
	test_when_finished "cp good.lock pipeline.lock" &&
	for v in 2 0.5 1e400; do
		printf "{\"version\":%s,\"stages\":{}}" $v >pipeline.lock &&
		cp pipeline.lock this.lock &&
		for cmd in status checkout run; do
			if [ $cmd = run ]; then set -- --force; else set -- $cmd; fi &&
			test_expect_code 2 pipe-run "$@" >out 2>err &&
			test_grep "pipeline.lock.: lock file version" err &&
			test_cmp this.lock pipeline.lock || return 1
		done
	done &&
	printf "{\"version\":2,\"stages\":{}}" >pipeline.lock &&
	test_expect_code 2 pipe-run status 2>err &&
	test_grep "version 2 is not known" err
'

test_expect_success 'lock entries of the wrong types are exit 2, named, and change nothing' '
	cd "$TRASH/lock" &&
	test_when_finished "cp good.lock pipeline.lock" &&
	for e in "{\"cmd\":5,\"outs\":\"x\"}" "[]" "\"str\"" \
		 "{\"cmd\":\"echo hi >x\",\"params\":{},\"deps\":7}" \
		 "{\"cmd\":\"echo hi >x\",\"deps\":{},\"outs\":{\"x\":\"zz\"}}" \
		 "{\"cmd\":\"echo hi >x\",\"deps\":{},\"outs\":{\"x\":5}}" \
		 "{\"cmd\":\"echo hi >x\",\"env\":{},\"outs\":{}}"; do
		printf "{\"version\":1,\"stages\":{\"a\":%s}}" "$e" >pipeline.lock &&
		cp pipeline.lock this.lock &&
		test_expect_code 2 pipe-run status 2>err &&
		test_grep "the entry of stage .a. is damaged" err &&
		test_expect_code 2 pipe-run -q 2>err &&
		test_cmp this.lock pipeline.lock || return 1
	done
'

test_expect_success 'lock params of the wrong type: no (null) in the reasons' '
	cd "$TRASH/lock" &&
	test_when_finished "cp good.lock pipeline.lock" &&
	printf "{\"version\":1,\"stages\":{\"a\":{\"cmd\":\"echo hi >x\",\"params\":[1,2],\"deps\":{},\"outs\":{}}}}" >pipeline.lock &&
	test_expect_code 2 pipe-run status >st 2>err &&
	test_grep "the entry of stage .a. is damaged" err &&
	! test_grep "(null)" st err
'

test_expect_success 'a lock file that is not JSON: the error names the line' '
	cd "$TRASH/lock" &&
	test_when_finished "cp good.lock pipeline.lock" &&
	printf "{\"version\": 1,\n \"stages\": {\n  \"a\": nope}}\n" >pipeline.lock &&
	test_expect_code 2 pipe-run status 2>err &&
	test_grep "pipeline.lock.*line 3" err
'

test_expect_success 'checkout: a lock out with a bad sha256 is bad input' '
	cd "$TRASH/lock" &&
	test_when_finished "cp good.lock pipeline.lock" &&
	sed "s/\"x\":.*\"[0-9a-f]*\"/\"x\": \"zz\"/" good.lock >pipeline.lock &&
	grep -q "\"zz\"" pipeline.lock &&
	test_expect_code 2 pipe-run checkout 2>err &&
	test_grep "pipeline.lock.: the entry of stage .a. is damaged" err
'

test_expect_success 'checkout writes only the outs the stage declares' '
	cd "$(new_repo escape)" && mkdir proj && echo precious >victim.txt &&
	cd proj && one_stage && pipe-run -q &&
	cp pipeline.lock good.lock &&
	sed "s#\"x\":#\"../victim.txt\":#" good.lock >pipeline.lock &&
	grep -q victim pipeline.lock &&
	pipe-run checkout >out &&
	test "$(cat ../victim.txt)" = precious &&
	! test -s out &&
	sed "s#\"x\":#\".\":#" good.lock >pipeline.lock &&
	pipe-run checkout &&
	cd .. && test -d proj && test -f proj/pipeline.ini
'

test_expect_success 'checkout that cannot restore an out leaves what was there' '
	cd "$(new_repo lose)" && one_stage && pipe-run -q &&
	echo mine >x &&
	sed "s#\"x\":#\"x/\":#" pipeline.lock >l &&
	mv l pipeline.lock && grep -q "\"x/\"" pipeline.lock &&
	test_must_fail pipe-run checkout &&
	test "$(cat x)" = mine &&
	cat >pipeline.ini <<-\EOF &&
	[stage "mk"]
		cmd = mkdir -p model && echo a >model/a && echo b >model/b
		outs = model
	EOF
	rm pipeline.lock && pipe-run -q &&
	rm -rf model && mkdir model && echo mine >model/a && echo b >model/b &&
	id=$(echo a | sha256sum | cut -c1-64) &&
	rm .mlrepo/objects/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-)* &&
	test_must_fail pipe-run checkout &&
	test "$(cat model/a)" = mine && test "$(cat model/b)" = b
'

test_expect_success 'checkout refuses before touching anything when an object is gone' '
	cd "$(new_repo gone)" &&
	printf "[stage \"a\"]\n\tcmd = echo one >x; echo two >y\n\touts = x y\n" >pipeline.ini &&
	pipe-run -q &&
	echo mine >x && echo mine >y &&
	id=$(echo two | sha256sum | cut -c1-64) &&
	rm .mlrepo/objects/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-)* &&
	test_expect_code 3 pipe-run checkout >out 2>err &&
	test_grep "not all in the object store" err &&
	test "$(cat x)" = mine && test "$(cat y)" = mine
'

# ---- outs that are not ordinary files ---------------------------------------

test_expect_success 'outs that hold the project, the repository or the pipeline file are bad input' '
	n=0 &&
	for o in . .. ../.mlrepo ../.mlrepo/objects pipeline.ini; do
		n=$((n + 1)) &&
		cd "$(new_repo dangerous$n)" && mkdir proj && cd proj &&
		printf "[stage \"a\"]\n\tcmd = true\n\touts = %s\n" "$o" >pipeline.ini &&
		test_expect_code 2 pipe-run -q 2>err &&
		test_grep "pipeline.ini. line 3" err &&
		test -f pipeline.ini && test -f ../.mlrepo/VERSION &&
		test -d ../.mlrepo/objects || return 1
	done
'

test_expect_success 'directory outs: tree hashes, deps inside them, checkout' '
	cd "$(new_repo dirs)" &&
	cat >pipeline.ini <<-\EOF &&
	[params]
		v = 1
	[stage "mk"]
		cmd = mkdir -p model/sub && echo a${v} >model/a && echo b >model/sub/b
		outs = model
	[stage "use"]
		cmd = cat model/sub/b >use.out; echo used >>use.log
		deps = model/sub/b
		outs = use.out
	EOF
	pipe-run -q &&
	python3 -c "
import json
l = json.load(open(\"pipeline.lock\"))
o = l[\"stages\"][\"mk\"][\"outs\"]
assert list(o) == [\"model/\"], o
d = l[\"stages\"][\"use\"][\"deps\"]
assert list(d) == [\"model/sub/b\"], d" &&
	pipe-run dag >dag && test_grep "^use: mk$" dag &&
	pipe-run -q -S v=2 &&
	test "$(cat model/a)" = a2 &&
	pipe-run >out &&
	test_grep "^mk: restored from cache" out &&
	test "$(cat model/a)" = a1 &&
	test_line_count = 1 use.log &&
	rm -rf model &&
	pipe-run status >st &&
	test_grep "^mk: stale (out missing: model)$" st &&
	pipe-run checkout mk >out &&
	test_grep "^model/$" out &&
	test "$(cat model/a)" = a1 && test "$(cat model/sub/b)" = b &&
	pipe-run status --exit-code &&
	echo extra >model/c &&
	pipe-run status >st &&
	test_grep "^mk: stale (out changed: model)$" st &&
	pipe-run checkout >out &&
	! test -e model/c &&
	pipe-run status --exit-code
'

test_expect_success 'a directory out that becomes a file, and back' '
	cd "$TRASH/dirs" &&
	cp pipeline.ini dir.ini &&
	cat >pipeline.ini <<-\EOF &&
	[stage "mk"]
		cmd = echo flat >model
		outs = model
	EOF
	pipe-run -q &&
	test -f model && test "$(cat model)" = flat &&
	cp dir.ini pipeline.ini &&
	pipe-run -q &&
	test -d model && test "$(cat model/a)" = a1 &&
	pipe-run status --exit-code
'

test_expect_success 'a symlink to a file as an out is stored by its content' '
	cd "$(new_repo links)" &&
	echo data >real.txt &&
	printf "[stage \"ln\"]\n\tcmd = ln -sf real.txt link.txt\n\touts = link.txt\n" >pipeline.ini &&
	pipe-run -q &&
	pipe-run status --exit-code &&
	rm link.txt &&
	pipe-run checkout >out &&
	test_grep "^link.txt$" out &&
	test "$(cat link.txt)" = data
'

test_expect_success 'a symlink the store cannot take fails the stage, cleanly' '
	cd "$(new_repo badlinks)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "dangle"]
		cmd = ln -sf nowhere dl.txt
		outs = dl.txt
	[stage "dirln"]
		cmd = mkdir -p d && ln -sfn x d/lnk && echo x >d/x
		outs = d
	EOF
	for s in dangle dirln; do
		pipe-run $s >out 2>err
		rc=$? &&
		{ test $rc = 0 || test $rc = 1; } &&
		exp-log ls -e badlinks >runs &&
		! test_grep "	running	" runs &&
		pipe-run log -n 1 --json >last &&
		{ test $rc = 0 || test_grep "\"failed\":1" last; } &&
		pipe-run status >st || return 1
	done
'

test_expect_success 'a FIFO as an out fails the stage; pipe-run does not hang' '
	cd "$(new_repo fifo)" &&
	printf "[stage \"a\"]\n\tcmd = mkfifo p.out\n\touts = p.out\n" >pipeline.ini &&
	timeout 30 pipe-run >out 2>err
	rc=$? &&
	test $rc = 1 &&
	test_grep "p.out" err
'

# As root, whom the 0444 mode does not stop, outs are reflinks or copies,
# never the object itself.
test_expect_success ROOT 'writing to a checked-out out leaves the object store intact' '
	cd "$(new_repo hardlink)" && one_stage && pipe-run -q &&
	rm x && pipe-run checkout -q &&
	echo more >>x &&
	mlrepo fsck
'

# ---- what stages print, how they end -----------------------------------------

test_expect_success 'output without a newline, binary output and very long lines' '
	cd "$(new_repo output)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "nonl"]
		cmd = printf "no newline"; printf "err no newline" >&2
		always = true
	[stage "bin"]
		cmd = head -c 100000 /dev/urandom; printf "\0\0\0::metric x=1\0\n"
		always = true
	[stage "long"]
		cmd = head -c 3000000 /dev/zero | tr "\0" a; echo; head -c 300000 /dev/zero | tr "\0" b >&2; exit 1
		always = true
	EOF
	pipe-run nonl >out 2>err &&
	test_grep "^\[nonl\] no newline$" err &&
	test_grep "^\[nonl\] err no newline$" err &&
	id=$(pipe-run log -n 1 --json | cut -c8-39) &&
	pipe-run show $id --stage nonl --log >log &&
	test_grep "no newline" log &&
	pipe-run bin >out 2>err &&
	test_expect_code 1 pipe-run long >out 2>err &&
	test_grep "^pipe-run: long: failed with exit status 1$" err &&
	id=$(pipe-run log -n 1 --json | cut -c8-39) &&
	pipe-run show $id --stage long --log >log &&
	test "$(tr -d "\n" <log | tr -d ab | wc -c)" -lt 100 &&
	test "$(tr -cd a <log | wc -c)" = 3000000 &&
	test "$(tr -cd b <log | wc -c)" = 300000
'

test_expect_success 'a bad ::metric line is one warning' '
	cd "$(new_repo metricline)" &&
	printf "[stage \"m\"]\n\tcmd = echo hello; echo \"::metric a=b\"\n\talways = true\n" >pipeline.ini &&
	pipe-run >out 2>err &&
	grep "not a number" err >warn &&
	test_line_count = 1 warn &&
	test_grep "line 2" warn
'

test_expect_success 'metrics files that are junk, missing or a directory: warnings, not failures' '
	cd "$(new_repo metrics)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "junk"]
		cmd = printf "garbage\nacc=abc\n=5\nok=0.5\nbig=1e999\n" >j.txt
		metrics = j.txt
	[stage "missing"]
		cmd = true
		metrics = nothere.json
	[stage "trunc"]
		cmd = echo "{\"a\": 1" >t.json
		metrics = t.json
	[stage "dir"]
		cmd = mkdir -p mdir
		metrics = mdir
	[stage "nested"]
		cmd = echo "{\"a\": {\"b\": [1, {\"c\": 2}], \"d\": true}, \"e\": \"s\", \"f\": null}" >n.json
		metrics = n.json
	EOF
	pipe-run -j1 >out 2>err &&
	test_grep "j.txt. line 1: no .=." err &&
	test_grep "j.txt. line 2: not a number: .abc." err &&
	test_grep "j.txt. line 5: out of range" err &&
	test_grep "nothere.json" err &&
	test_grep "t.json.: not a JSON object" err &&
	test_grep "mdir" err &&
	exp-log ls -e metrics --columns tags.pipe.stage,metrics.ok,metrics.a.d >ls &&
	test_grep "	junk	0.5	$" ls &&
	test_grep "	nested		1$" ls &&
	pipe-run status --exit-code
'

test_expect_success 'a stage killed by a signal fails the run and leaves no lock entry' '
	cd "$(new_repo sig)" &&
	printf "[stage \"self\"]\n\tcmd = echo partial >s.out; kill -9 \$\$\n\touts = s.out\n" >pipeline.ini &&
	test_expect_code 1 pipe-run >out 2>err &&
	test_grep "^pipe-run: self: killed by signal 9" err &&
	! test -e s.out && ! test -e pipeline.lock &&
	pipe-run log -n 1 --json >last &&
	test_grep "\"status\":\"failed\"" last &&
	test_grep "\"failed\":1" last
'

test_expect_success 'SIGTERM to pipe-run stops its stages, records the run killed, exits 143' '
	cd "$(new_repo term)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "quick"]
		cmd = echo q >q.out
		outs = q.out
	[stage "slow"]
		cmd = touch started; test -e fast || sleep 30; touch slow.out
		deps = q.out
		outs = slow.out
	EOF
	pipe-run -q quick &&
	cp pipeline.lock lock.before &&
	sed -i "s/echo q >q.out/echo Q >q.out/" pipeline.ini &&
	grep -q "echo Q" pipeline.ini &&
	{ pipe-run >out 2>err & } &&
	pid=$! &&
	wait_for started &&
	start=$(date +%s) &&
	kill -TERM $pid &&
	{ wait $pid; rc=$?; } &&
	test $rc = 143 &&
	test $(($(date +%s) - start)) -lt 15 &&
	sleep 1 &&
	! test -e slow.out &&
	check_json pipeline.lock &&
	python3 -c "
import json
l = json.load(open(\"pipeline.lock\"))
assert sorted(l[\"stages\"]) == [\"quick\"], l" &&
	test "$(cat q.out)" = Q &&
	pipe-run log -n 1 --json >last &&
	test_grep "\"status\":\"killed\"" last &&
	pipe-run status >st &&
	test_grep "^slow: stale" st &&
	mlrepo fsck &&
	touch fast &&
	pipe-run -q slow && test -f slow.out
'

test_expect_success DEFSIG 'SIGINT to pipe-run: exit 130, the run is killed' '
	cd "$(new_repo int)" &&
	printf "[stage \"slow\"]\n\tcmd = touch started; sleep 30; touch slow.out\n\touts = slow.out\n" >pipeline.ini &&
	{ env --default-signal=INT pipe-run >out 2>err & } &&
	pid=$! &&
	wait_for started &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	test $rc = 130 &&
	pipe-run log -n 1 --json >last &&
	test_grep "\"status\":\"killed\"" last &&
	! test -e pipeline.lock && ! test -e slow.out
'

test_expect_success DEFSIG 'SIGINT to pipe-run leaves nothing of the stage running' '
	cd "$(new_repo intleak)" &&
	printf "[stage \"bg\"]\n\tcmd = (touch started; sleep 3; touch leaked) & wait\n\talways = true\n" >pipeline.ini &&
	{ env --default-signal=INT pipe-run >out 2>err & } &&
	pid=$! &&
	wait_for started &&
	kill -INT $pid &&
	{ wait $pid; rc=$?; } &&
	test $rc = 130 &&
	sleep 4 &&
	! test -e leaked
'

test_expect_success 'SIGTERM during a retry delay records the run killed' '
	cd "$(new_repo retrysig)" &&
	printf "[stage \"f\"]\n\tcmd = exit 1\n\tretries = 1\n\tretry_delay = 30s\n" >pipeline.ini &&
	{ pipe-run >out 2>err & } &&
	pid=$! &&
	n=0 &&
	while ! grep -q "retrying in" out; do
		n=$((n + 1)) && test $n -lt 200 && sleep 0.1 || return 1
	done &&
	kill -TERM $pid &&
	{ wait $pid; rc=$?; } &&
	test $rc = 143 &&
	pipe-run log -n 1 --json >last &&
	test_grep "\"status\":\"killed\"" last &&
	exp-log ls -e retrysig >runs &&
	! test_grep "	running	" runs
'

test_expect_success 'SIGKILL to pipe-run leaves a sane lock and repository' '
	cd "$(new_repo kill9)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "quick"]
		cmd = echo q >q.out
		outs = q.out
	[stage "slow"]
		cmd = touch started; test -e fast || sleep 2; touch slow.out
		deps = q.out
		outs = slow.out
	EOF
	{ pipe-run >out 2>err & } &&
	pid=$! &&
	wait_for started &&
	kill -KILL $pid &&
	{ wait $pid; test $? = 137; } &&
	sleep 3 &&
	check_json pipeline.lock &&
	mlrepo fsck &&
	pipe-run status >st &&
	test_grep "^quick: up to date$" st &&
	test_grep "^slow: stale (not in the lock file)$" st &&
	touch fast &&
	pipe-run -q && pipe-run status --exit-code
'

test_expect_success 'a stage that leaves a daemon holding its output does not hang pipe-run' '
	cd "$(new_repo daemon)" &&
	printf "[stage \"d\"]\n\tcmd = sleep 30 & echo started\n\talways = true\n" >pipeline.ini &&
	start=$(date +%s) &&
	pipe-run >out 2>err &&
	test $(($(date +%s) - start)) -lt 10 &&
	test_grep "^\[d\] started$" err
'

# ---- options and the machine's budgets ----------------------------------------

test_expect_success '-j: 0 is the number of CPUs; out of range is exit 2, nothing written' '
	cd "$(new_repo jobs)" && one_stage &&
	snap >before &&
	for j in 100000 -1 abc 99999999999999999999999 4097; do
		test_expect_code 2 pipe-run -j "$j" 2>err &&
		test_grep "\-j" err && ! test -e x || return 1
	done &&
	snap >after && test_cmp before after &&
	pipe-run -q -j 0 && test -f x &&
	pipe-run -q -j 4096 --force
'

test_expect_success 'compute.cpus and compute.mem that are junk: exit 2, nothing written' '
	cd "$(new_repo budget)" && one_stage &&
	snap >before &&
	for v in 0 -1 abc 1.5 99999999999; do
		mlrepo config compute.cpus -- "$v" 2>/dev/null ||
		mlrepo config compute.cpus "$v" || return 1
		snap >before &&
		test_expect_code 2 pipe-run 2>err &&
		test_grep "compute.cpus" err && test_grep -F -- "$v" err &&
		snap >after && test_cmp before after &&
		! test -e x || return 1
	done &&
	mlrepo config --unset compute.cpus &&
	for v in junk 5X 99999999999T -1; do
		mlrepo config compute.mem -- "$v" 2>/dev/null ||
		mlrepo config compute.mem "$v" || return 1
		snap >before &&
		test_expect_code 2 pipe-run 2>err &&
		test_grep "compute.mem" err && test_grep -F -- "$v" err &&
		snap >after && test_cmp before after &&
		! test -e x || return 1
	done &&
	mlrepo config --unset compute.mem
'

test_expect_success 'mem = 5T: more than the machine is exit 2; within compute.mem it runs' '
	cd "$TRASH/budget" &&
	printf "[stage \"a\"]\n\tcmd = echo hi >x\n\touts = x\n\tmem = 5T\n" >pipeline.ini &&
	snap >before &&
	test_expect_code 2 pipe-run 2>err &&
	test_grep "stage .a. asks for 5497558138880 bytes" err &&
	snap >after && test_cmp before after &&
	mlrepo config compute.mem 8T &&
	test_when_finished "mlrepo config --unset compute.mem" &&
	pipe-run -q && test -f x
'

test_expect_success 'compute.mem = 0: a stage with mem runs or is refused, never skipped' '
	cd "$TRASH/budget" &&
	printf "[stage \"a\"]\n\tcmd = echo hi >x\n\touts = x\n\tmem = 1G\n" >pipeline.ini &&
	rm -f x &&
	mlrepo config compute.mem 0 &&
	test_when_finished "mlrepo config --unset compute.mem" &&
	pipe-run >out 2>err
	rc=$? &&
	{ test $rc = 2 || { test $rc = 0 && test -f x && pipe-run status --exit-code; }; }
'

test_expect_success '-S: empty values, quotes and newlines reach the command as they are' '
	cd "$(new_repo sets)" &&
	cat >pipeline.ini <<-\EOF &&
	[params]
		name = x
	[stage "a"]
		cmd = printf "%s|" ${name} >a.out
		outs = a.out
	EOF
	pipe-run -q -S name= &&
	test "$(cat a.out)" = "|" &&
	pipe-run -q -S "name=it'"'"'s \"q\" \$HOME \`id\`" &&
	test "$(cat a.out)" = "it'"'"'s \"q\" \$HOME \`id\`|" &&
	pipe-run -q -S "name=a
b" &&
	test "$(cat a.out)" = "a
b|" &&
	pipe-run -q -S NAME=up &&
	test "$(cat a.out)" = "up|" &&
	snap >before &&
	test_expect_code 2 pipe-run -S =x 2>err && test_grep "NAME=VALUE" err &&
	test_expect_code 2 pipe-run -S name 2>err && test_grep "NAME=VALUE" err &&
	test_expect_code 2 pipe-run -S "" 2>err &&
	test_expect_code 2 pipe-run -S nosuch=1 2>err && test_grep "nosuch" err &&
	snap >after && test_cmp before after &&
	pipe-run status >st &&
	test_grep "^a: stale (cmd changed; param changed: name)$" st
'

test_expect_success 'stage names: @ only from foreach; STAGE@ITEM and STAGE as targets' '
	cd "$(new_repo names)" &&
	printf "[stage \"a@b\"]\n\tcmd = true\n" >p1.ini &&
	test_expect_code 2 pipe-run -f p1.ini 2>err &&
	test_grep "p1.ini. line 1: bad stage name .a@b." err &&
	cat >p2.ini <<-\EOF &&
	[stage "s"]
		foreach = x y
		cmd = echo ${item} >s.${item}
		outs = s.${item}
	[stage "s@x"]
		cmd = true
	EOF
	test_expect_code 2 pipe-run -f p2.ini 2>err &&
	test_grep "p2.ini. line 5" err &&
	cat >p3.ini <<-\EOF &&
	[stage "s"]
		foreach = x y
		cmd = echo ${item} >s.${item}
		outs = s.${item}
	[stage "t"]
		cmd = cat s.x s.y >t.out
		deps = s.x s.y
		outs = t.out
	EOF
	pipe-run -f p3.ini -q s@x && test -f s.x && ! test -e s.y &&
	pipe-run -f p3.ini -q s && test -f s.y && ! test -e t.out &&
	test_expect_code 2 pipe-run -f p3.ini "s@" 2>err &&
	test_grep "no stage .s@." err &&
	test_expect_code 2 pipe-run -f p3.ini "@x" 2>err &&
	test_expect_code 2 pipe-run -f p3.ini "s@z" 2>err &&
	pipe-run log -f p3.ini --stage s@y >log &&
	test_line_count = 1 log
'

test_expect_success 'show and checkout --run with bad run ids: exit 2, nothing written' '
	cd "$TRASH/names" &&
	id=$(pipe-run log -f p3.ini -n 1 --json | cut -c8-39) &&
	snap >before &&
	for p in "" abc 12345 zzzzzzzz % _ "64%" "${id}00" "'"'"' OR 1=1 --" ffffffffffff; do
		test_expect_code 2 pipe-run show "$p" >out 2>err &&
		test_line_count = 0 out && test_line_count = 1 err &&
		test_expect_code 2 pipe-run checkout -f p3.ini --run "$p" 2>err ||
		return 1
	done &&
	snap >after && test_cmp before after &&
	upper=$(echo $id | cut -c1-8 | tr a-f A-F) &&
	pipe-run show $upper >out &&
	test_grep "^run $id$" out
'

test_expect_success 'a long param: the run goes, or the file and line are named and nothing is written' '
	cd "$(new_repo longparam)" &&
	printf "[params]\n\tn = %s\n[stage \"a\"]\n\tcmd = echo hi >a.out\n\touts = a.out\n" \
		"$(printf "%07000d" 0)" >pipeline.ini &&
	pipe-run status >st &&
	snap >before &&
	pipe-run >out 2>err
	rc=$? &&
	if [ $rc = 0 ]; then
		test -f a.out
	else
		test $rc = 2 &&
		test_grep "pipeline.ini. line 2" err &&
		snap >after && test_cmp before after
	fi
'

test_expect_success 'a NUL byte in the pipeline file is bad input' '
	cd "$(new_repo nul)" &&
	printf "[stage \"a\"]\n\tcmd = echo \0hi >x\n" >pipeline.ini &&
	test_expect_code 2 pipe-run 2>err &&
	test_grep "pipeline.ini. line 2" err &&
	! test -e x
'

# ---- the repository: read-only, concurrent, bundles --------------------------------

test_expect_success MNT 'a read-only repository: status and log work, run and checkout exit 3, nothing changes' '
	cd "$(new_repo rorepo)" && REPO=$PWD &&
	cat >pipeline.ini <<-\EOF &&
	[stage "a"]
		cmd = echo hi >a.out
		outs = a.out
	[stage "b"]
		cmd = cat a.out >b.out
		deps = a.out
		outs = b.out
	EOF
	pipe-run -q && echo changed >a.out && rm b.out &&
	cp pipeline.lock lock.before && snap >before &&
	ro pipe-run status >st &&
	test_grep "^a: stale (out changed: a.out)$" st &&
	ro pipe-run log >log && test_line_count = 1 log &&
	test_expect_code 3 ro pipe-run 2>err &&
	test_grep "read-only" err &&
	test_expect_code 3 ro pipe-run checkout 2>err &&
	test "$(cat a.out)" = changed && ! test -e b.out &&
	test_cmp lock.before pipeline.lock &&
	snap >after && test_cmp before after
'

test_expect_success 'several pipe-runs at once on overlapping stages' '
	cd "$(new_repo crowd)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "s"]
		foreach = a b c d e f
		cmd = sleep 0.2; echo ${item} >>log.${item}; echo ${item} >o.${item}
		outs = o.${item}
	EOF
	for i in 1 2 3 4; do
		{ pipe-run -q -j3 >out.$i 2>err.$i & } || return 1
	done &&
	wait &&
	for i in a b c d e f; do
		test_line_count = 1 log.$i || return 1
	done &&
	python3 -c "
import json
l = json.load(open(\"pipeline.lock\"))
assert sorted(l[\"stages\"]) == [\"s@\" + c for c in \"abcdef\"], l" &&
	pipe-run status --exit-code &&
	mlrepo fsck
'

test_expect_success 'the same pipeline through a symlink: a stage runs once' '
	cd "$(new_repo alias)" && mkdir proj && ln -s proj alias &&
	printf "[stage \"slow\"]\n\tcmd = echo run >>runs.log; sleep 2; touch slow.out\n\touts = slow.out\n" >proj/pipeline.ini &&
	{ pipe-run -q -f proj/pipeline.ini & } &&
	first=$! &&
	sleep 0.5 &&
	pipe-run -q -f alias/pipeline.ini &&
	wait $first &&
	test_line_count = 1 proj/runs.log
'

test_expect_success 'pipeline.lock gets the umask' '
	cd "$(new_repo umask)" && one_stage &&
	(umask 022 && pipe-run -q) &&
	test "$(stat -c %a pipeline.lock)" = 644
'

test_expect_success 'a bundle carries runs to another repository; checkout --run there' '
	cd "$(new_repo bunA)" &&
	cat >pipeline.ini <<-\EOF &&
	[params]
		v = 1
	[stage "mk"]
		cmd = mkdir -p model && echo a${v} >model/a && echo f${v} >f.out
		outs = model f.out
	EOF
	pipe-run -q &&
	first=$(pipe-run log -n 1 --json | cut -c8-39) &&
	pipe-run -q -S v=2 &&
	mlrepo bundle create all.tar.gz &&
	cd "$(new_repo bunB)" &&
	cp ../bunA/pipeline.ini . &&
	mlrepo bundle unbundle ../bunA/all.tar.gz &&
	pipe-run checkout --run $first >out &&
	test_grep "^model/$" out && test_grep "^f.out$" out &&
	test "$(cat model/a)" = a1 && test "$(cat f.out)" = f1 &&
	pipe-run status --exit-code &&
	mlrepo fsck
'

test_expect_success 'a bundle --since carries the files of a restored run' '
	cd "$TRASH/bunA" &&
	sleep 1.1 && since=$(date +%s) && sleep 1.1 &&
	pipe-run -S v=1 >out &&
	test_grep "^mk: restored from cache" out &&
	cached=$(pipe-run log -n 1 --json | cut -c8-39) &&
	mlrepo bundle create --since @$since since.tar.gz &&
	cd "$(new_repo bunC)" &&
	cp ../bunA/pipeline.ini . &&
	mlrepo bundle unbundle ../bunA/since.tar.gz &&
	pipe-run checkout --run $cached &&
	test "$(cat model/a)" = a1 && test "$(cat f.out)" = f1
'

test_expect_success 'the run cache falls back to running when an object is gone' '
	cd "$(new_repo cachegone)" &&
	cat >pipeline.ini <<-\EOF &&
	[params]
		v = 1
	[stage "mk"]
		cmd = mkdir -p model && echo a${v} >model/a && echo b >model/b
		outs = model
	EOF
	pipe-run -q && pipe-run -q -S v=2 &&
	id=$(echo a1 | sha256sum | cut -c1-64) &&
	rm .mlrepo/objects/$(echo $id | cut -c1-2)/$(echo $id | cut -c3-)* &&
	pipe-run >out 2>err &&
	test_grep "^mk: running" out &&
	test "$(cat model/a)" = a1
'

test_done
