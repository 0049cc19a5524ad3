#!/bin/sh
test_description='pipe-run: staleness, run cache, parallel stages, failures, history'
. ./test-lib.sh

# The two-stage pipeline of the issue, in shell: prepare, then train.
two_stages() {
	printf 'a,b\n1,2\n3,4\n' >raw.csv &&
	cat >pipeline.ini <<-\EOF
	[params]
		lr = 0.01
		epochs = 3
	[stage "prepare"]
		cmd = tr , ";" <raw.csv >clean.csv; echo "a#b" | sed 's/#/-/'
		deps = raw.csv
		outs = clean.csv
	[stage "train"]
		cmd = { cat clean.csv; echo "lr ${lr} epochs ${epochs}"; } >model.bin
		cmd = echo "{\"acc\": 0.9, \"loss\": {\"val\": 0.25}}" >metrics.json
		cmd = echo "::metric seen=3"
		deps = clean.csv
		params = lr epochs
		outs = model.bin
		metrics = metrics.json
	EOF
}

# The stages that ran in the last invocation, from its stdout.
ran() { sed -n 's/^\([^:]*\): running.*/\1/p' "$1" | sort | tr '\n' ' '; }

test_expect_success 'a first run runs every stage and writes pipeline.lock' '
	cd "$(new_repo basic)" && two_stages &&
	pipe-run >out 2>err &&
	test "$(ran out)" = "prepare train " &&
	test_grep "^\[prepare\] a-b$" err &&
	test "$(cat clean.csv)" = "$(printf "a;b\n1;2\n3;4")" &&
	test_grep "lr 0.01 epochs 3" model.bin &&
	python3 -c "
import json, hashlib
l = json.load(open(\"pipeline.lock\"))
t = l[\"stages\"][\"train\"]
assert t[\"params\"] == {\"epochs\": \"3\", \"lr\": \"0.01\"}, t
c = hashlib.sha256(open(\"clean.csv\", \"rb\").read()).hexdigest()
assert t[\"deps\"] == {\"clean.csv\": c}, t
h = hashlib.sha256(open(\"model.bin\", \"rb\").read()).hexdigest()
assert t[\"outs\"] == {\"model.bin\": h}, t
assert list(l[\"stages\"]) == [\"prepare\", \"train\"]"
'

test_expect_success 'nothing stale: no run is recorded' '
	cd "$TRASH/basic" &&
	pipe-run log >before &&
	test_line_count = 1 before &&
	pipe-run >out 2>err &&
	test_grep "everything is up to date" out &&
	test "$(ran out)" = "" &&
	pipe-run log >after &&
	test_cmp before after &&
	pipe-run status >st &&
	test_grep "^prepare: up to date$" st &&
	test_grep "^train: up to date$" st &&
	pipe-run status --exit-code
'

test_expect_success 'dep changed: the stage and, if its outs change, the next' '
	cd "$TRASH/basic" &&
	echo 5,6 >>raw.csv &&
	pipe-run status >st &&
	test_grep "^prepare: stale (dep changed: raw.csv)$" st &&
	test_grep "^train: stale (upstream stale: prepare)$" st &&
	test_expect_code 1 pipe-run status --exit-code >/dev/null &&
	pipe-run status --json >st.json &&
	python3 -c "
import json
s = [json.loads(l) for l in open(\"st.json\")]
assert s[0] == {\"stage\": \"prepare\", \"stale\": True, \"reasons\": [\"dep changed: raw.csv\"]}, s" &&
	pipe-run >out 2>err &&
	test "$(ran out)" = "prepare train " &&
	test_grep "^train: running (dep changed: clean.csv)" out
'

test_expect_success 'an upstream stage that reran with the same outs leaves the next alone' '
	cd "$TRASH/basic" &&
	sed -i "s/echo \"a#b\"/echo \"c#d\"/" pipeline.ini &&
	pipe-run >out 2>err &&
	test "$(ran out)" = "prepare " &&
	test_grep "^prepare: running (cmd changed)" out
'

test_expect_success 'a touched dep with the same content is not stale' '
	cd "$TRASH/basic" &&
	touch -d "2030-01-01" raw.csv &&
	pipe-run status >st &&
	test_grep "^prepare: up to date$" st
'

test_expect_success 'param changed, -S, out missing, out changed, not in the lock' '
	cd "$TRASH/basic" &&
	sed -i "s/lr = 0.01/lr = 0.02/" pipeline.ini &&
	pipe-run status >st &&
	test_grep "^train: stale (cmd changed; param changed: lr)$" st &&
	pipe-run -q && test_grep "lr 0.02" model.bin &&
	pipe-run -S epochs=7 >out 2>err &&
	test_grep "^train: running (cmd changed; param changed: epochs)" out &&
	test_grep "epochs 7" model.bin &&
	grep -q "epochs = 3" pipeline.ini &&
	pipe-run -q &&
	rm model.bin &&
	pipe-run status >st &&
	test_grep "^train: stale (out missing: model.bin)$" st &&
	pipe-run -q --no-cache && test -f model.bin &&
	echo tampered >model.bin &&
	pipe-run status >st &&
	test_grep "^train: stale (out changed: model.bin)$" st &&
	pipe-run -q --no-cache &&
	cat >>pipeline.ini <<-\EOF &&
	[stage "report"]
		cmd = wc -l <model.bin >report.txt
		deps = model.bin
		outs = report.txt
	EOF
	pipe-run status report >st &&
	test_grep "^report: stale (not in the lock file)$" st &&
	test_line_count = 3 st &&
	test_expect_code 2 pipe-run -S nosuch=1 2>err &&
	test_grep "no param .nosuch." err
'

test_expect_success 'the run cache restores outs instead of running' '
	cd "$TRASH/basic" &&
	pipe-run -q &&
	cp raw.csv raw.keep &&
	echo 7,8 >>raw.csv &&
	pipe-run -q &&
	cp raw.keep raw.csv &&
	pipe-run >out 2>err &&
	test_grep "^prepare: restored from cache" out &&
	test_grep "^train: restored from cache" out &&
	test "$(ran out)" = "" &&
	! test_grep "\[train\]" err &&
	pipe-run status --exit-code &&
	test_grep "lr 0.02 epochs 3" model.bin &&
	if test "$(id -u)" = 0
	then
		# root writes through a read-only mode: a copy, not the object
		test "$(stat -c %h model.bin)" = 1
	else
		test "$(stat -c "%h %a" model.bin)" = "2 444"
	fi &&
	pipe-run log -n 1 --json >last &&
	test_grep "\"ran\":0,\"cached\":3" last &&
	echo 7,8 >>raw.csv &&
	pipe-run --no-cache >out 2>err &&
	{ test "$(ran out)" = "prepare report train " || { cat out err; false; }; }
'

test_expect_success 'metrics go to the stage run and the pipeline run, cached ones too' '
	cd "$TRASH/basic" &&
	exp-log ls -e basic --columns tags.pipe.stage,metrics.acc,metrics.loss.val,metrics.seen,params.lr >ls &&
	grep "	train	" ls | head -1 >train &&
	test_grep "	train	0.9	0.25	3	0.02$" train &&
	run=$(pipe-run log -n 1 --json | sed -n "s/.*\"exp_run\":\"\([0-9a-f]*\)\".*/\1/p") &&
	exp-log show $run --json >parent.json &&
	python3 -c "
import json
r = json.load(open(\"parent.json\"))
m = {k: v[\"value\"] if isinstance(v, dict) else v for k, v in r[\"metrics\"].items()}
assert m[\"acc\"] == 0.9 and m[\"seen\"] == 3, m
assert r[\"params\"][\"lr\"] == \"0.02\", r[\"params\"]" &&
	cp raw.keep raw.csv && pipe-run -q &&
	exp-log best -e basic --metric acc --max --filter "tags.pipe.stage = \"train\"" >best &&
	test -s best &&
	run=$(pipe-run log -n 1 --json | sed -n "s/.*\"exp_run\":\"\([0-9a-f]*\)\".*/\1/p") &&
	exp-log ls -e basic --columns metrics.acc --filter "attributes.run_id = \"$run\"" >cached &&
	test_grep "0.9" cached
'

test_expect_success 'stages run in parallel up to -j, in topological order' '
	cd "$(new_repo par)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "a"]
		cmd = date +%s.%N >a.start; sleep 1; date +%s.%N >a.end
		outs = a.start a.end
	[stage "b"]
		cmd = date +%s.%N >b.start; sleep 1; date +%s.%N >b.end
		outs = b.start b.end
	[stage "c"]
		cmd = cat a.end b.end >c.out
		deps = a.end b.end
		outs = c.out
	EOF
	mlrepo config compute.cpus 2 &&
	pipe-run -q -j2 &&
	awk "NR==FNR{as=\$1; next} {bs=\$1} END{}" a.start b.start &&
	test "$(cat a.start)" \< "$(cat b.end)" &&
	test "$(cat b.start)" \< "$(cat a.end)" &&
	test -f c.out &&
	pipe-run -q -j1 --force a b &&
	! { test "$(cat a.start)" \< "$(cat b.end)" && test "$(cat b.start)" \< "$(cat a.end)"; }
'

test_expect_success 'budgets: cpus are shared, a stage asking too much is exit 2' '
	cd "$TRASH/par" &&
	sed -i "s/^\[stage \"b\"\]/&\n\tcpus = 2/" pipeline.ini &&
	pipe-run -q -j2 --force a b &&
	! { test "$(cat a.start)" \< "$(cat b.end)" && test "$(cat b.start)" \< "$(cat a.end)"; } &&
	sed -i "s/cpus = 2/cpus = 3/" pipeline.ini &&
	pipe-run log >before &&
	test_expect_code 2 pipe-run --force 2>err &&
	test_grep "stage .b. asks for 3 cpus; this machine has 2" err &&
	pipe-run log >after && test_cmp before after &&
	sed -i "s/cpus = 3/gpus = 1/" pipeline.ini &&
	mlrepo config compute.gpus 4,7 &&
	cat >>pipeline.ini <<-\EOF &&
	[stage "g"]
		cmd = echo "$CUDA_VISIBLE_DEVICES" >g.out; sleep 1
		gpus = 1
		outs = g.out
	EOF
	sed -i "s/^cmd = date +%s.%N >b.start/cmd = echo \"\$CUDA_VISIBLE_DEVICES\" >b.gpu; date +%s.%N >b.start/" pipeline.ini &&
	pipe-run -q -j3 --force b g &&
	test "$(cat b.gpu g.out | sort | tr "\n" " ")" = "4 7 "
'

test_expect_success 'a failure: exit 1, a summary, no new stages; --keep-going' '
	cd "$(new_repo fail)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "bad"]
		cmd = for i in $(seq 1 30); do echo "err line $i" >&2; done; echo partial >bad.out; exit 3
		outs = bad.out
	[stage "after"]
		cmd = touch after.out
		deps = bad.out
		outs = after.out
	[stage "other"]
		cmd = sleep 1; touch other.out
		outs = other.out
	EOF
	test_expect_code 1 pipe-run -j1 >out 2>err &&
	test_grep "^pipe-run: bad: failed with exit status 3$" err &&
	test_grep "last 20 lines of its stderr" err &&
	test_grep "| err line 30$" err &&
	test_grep "| err line 11$" err &&
	! test_grep "| err line 10$" err &&
	log=$(sed -n "s/^  full log: //p" err) &&
	test "$(grep -c "err line" "$log")" = 30 &&
	! test -e bad.out && ! test -e after.out && ! test -e other.out &&
	test_grep "^pipe-run: 2 stages not run after the failure$" err &&
	pipe-run log --json -n 1 >last &&
	test_grep "\"status\":\"failed\"" last &&
	test_expect_code 1 pipe-run -j1 --keep-going >out 2>err &&
	test -f other.out && ! test -e after.out &&
	test_grep "1 stage not run after the failure" err
'

test_expect_success 'a failed stage keeps its last good lock entry' '
	cd "$TRASH/fail" &&
	sed -i "s/exit 3$/exit 0/" pipeline.ini &&
	pipe-run -q &&
	cp pipeline.lock lock.good &&
	sed -i "s/exit 0$/exit 4/" pipeline.ini &&
	test_expect_code 1 pipe-run -q 2>err &&
	test_grep "exit status 4" err &&
	test_cmp lock.good pipeline.lock &&
	! test -e bad.out
'

test_expect_success 'retries, with a delay; a timeout kills the group' '
	cd "$(new_repo retry)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "flaky"]
		cmd = n=$(cat count 2>/dev/null || echo 0); echo $((n + 1)) >count; test $n -ge 2 && touch flaky.out
		outs = flaky.out
		retries = 2
		retry_delay = 1s
	[stage "slow"]
		cmd = (sleep 30; touch leaked) & sleep 30
		timeout = 1s
		always = true
	EOF
	pipe-run flaky >out 2>err &&
	test "$(cat count)" = 3 &&
	test_grep "retrying in 1s (attempt 2 of 3)" out &&
	pipe-run show $(pipe-run log -n 1 --json | cut -c8-39) --json >show.json &&
	test_grep "\"attempts\":3" show.json &&
	start=$(date +%s) &&
	test_expect_code 1 pipe-run slow 2>err &&
	test $(($(date +%s) - start)) -lt 20 &&
	test_grep "^pipe-run: slow: timed out after 1s" err &&
	sleep 1 && ! test -e leaked
'

test_expect_success 'a signal stops the stages and ends the run as killed' '
	cd "$(new_repo sig)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "long"]
		cmd = echo started >long.started; sleep 30; touch long.out
		outs = long.out
	EOF
	{ pipe-run >out 2>err & } &&
	pid=$! &&
	for i in $(seq 1 100); do test -f long.started && break; sleep 0.1; done &&
	kill -TERM $pid &&
	test_expect_code 143 wait $pid &&
	! test -e long.out &&
	pipe-run log --json >log &&
	test_grep "\"status\":\"killed\"" log &&
	! test -e pipeline.lock
'

test_expect_success 'a stage waiting for a retry when the run stops fails for good' '
	cd "$(new_repo retrystop)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "flaky"]
		cmd = exit 5
		retries = 2
		retry_delay = 2s
	[stage "bad"]
		cmd = sleep 1; exit 1
	EOF
	test_expect_code 1 pipe-run -j2 >out 2>err &&
	test_grep "^pipe-run: flaky: failed with exit status 5 (no retry: the run stopped)" err &&
	test_grep "^pipe-run: bad: failed with exit status 1" err &&
	exp-log ls -e retrystop --columns tags.pipe.stage >ls &&
	! test_grep "running" ls &&
	test "$(grep -c failed ls)" = 3
'

test_expect_success 'stages without outs are never served from the run cache' '
	cd "$(new_repo noouts)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "s"]
		foreach = 1 2
		cmd = echo "$PIPE_STAGE" >>ran.txt
	EOF
	pipe-run -q -j1 &&
	test "$(sort ran.txt | tr "\n" " ")" = "s@1 s@2 " &&
	pipe-run -q --force -j1 >out &&
	! test_grep "restored" out &&
	test_line_count = 4 ran.txt
'

test_expect_success 'a declared out not created fails the stage' '
	cd "$(new_repo noout)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "train"]
		cmd = echo hi
		outs = model.bin
	EOF
	test_expect_code 1 pipe-run 2>err &&
	test_grep "train: declared output .model.bin. was not created" err &&
	! test -e pipeline.lock
'

test_expect_success 'always, cache = false and stages without deps' '
	cd "$(new_repo always)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "once"]
		cmd = echo x >>once.log
	[stage "every"]
		cmd = echo x >>every.log
		always = true
	[stage "nocache"]
		cmd = date +%s%N >nc.out
		outs = nc.out
		cache = false
	EOF
	pipe-run -q && pipe-run -q &&
	test_line_count = 1 once.log &&
	test_line_count = 2 every.log &&
	rm nc.out && pipe-run >out &&
	test_grep "^nocache: running (out missing: nc.out)" out &&
	sed -i "s/echo x >>once.log/echo y >>once.log/" pipeline.ini &&
	pipe-run -q && test_line_count = 2 once.log
'

test_expect_success 'foreach, wdir, env and the environment of a stage' '
	cd "$(new_repo each)" &&
	mkdir sub &&
	cat >pipeline.ini <<-\EOF &&
	[params]
		shards = 1 2
	[stage "shard"]
		foreach = ${shards}
		cmd = echo "$PIPE_STAGE $GREETING $MLREPO_RUN $PIPE_RUN_ID" >out.${item}
		wdir = sub
		env = GREETING=hello
		outs = out.${item}
	[stage "merge"]
		cmd = cat sub/out.1 sub/out.2 >all.txt
		deps = sub/out.1 sub/out.2
		outs = all.txt
	EOF
	pipe-run -q &&
	test_grep "^shard@1 hello [0-9a-f]\{32\} [0-9a-f]\{32\}$" sub/out.1 &&
	test_grep "^shard@2 hello" all.txt &&
	pipe-run dag >dag &&
	test_grep "^merge: shard@1 shard@2$" dag &&
	pipe-run dag --dot >dot && test_grep "digraph" dot &&
	pipe-run dag --mermaid >m && test_grep "flowchart" m
'

test_expect_success 'a directory out: hashed as a tree, restored whole' '
	cd "$(new_repo dir)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "make"]
		cmd = mkdir -p model/sub && echo a >model/a && echo b >model/sub/b && chmod +x model/a
		outs = model
	[stage "use"]
		cmd = cat model/sub/b >used
		deps = model/sub/b
		outs = used
	EOF
	pipe-run -q &&
	python3 -c "
import json
l = json.load(open(\"pipeline.lock\"))
assert list(l[\"stages\"][\"make\"][\"outs\"]) == [\"model/\"], l" &&
	tree=$(python3 -c "import json; print(json.load(open(\"pipeline.lock\"))[\"stages\"][\"make\"][\"outs\"][\"model/\"])") &&
	mlrepo cat-object $tree >manifest &&
	test_grep "sub/b" manifest &&
	rm -rf model &&
	pipe-run status >st &&
	test_grep "^make: stale (out missing: model)$" st &&
	pipe-run checkout make >out &&
	test_grep "^model/$" out &&
	test "$(cat model/sub/b)" = b && test -x model/a &&
	pipe-run status --exit-code &&
	echo c >model/sub/b &&
	pipe-run status >st &&
	test_grep "^make: stale (out changed: model)$" st &&
	test_grep "^use: stale (dep changed: model/sub/b" st
'

test_expect_success 'errors in the pipeline file are exit 2, name file and line, change nothing' '
	cd "$(new_repo errs)" &&
	find .mlrepo -type f ! -name "*-shm" | sort | xargs sha256sum >before &&
	printf "[stage \"a\"]\n\tcmd = true\n\tretry = 1\n" >p1.ini &&
	test_expect_code 2 pipe-run -f p1.ini 2>err &&
	test_grep "p1.ini. line 3: stage .a.: unknown key .retry." err &&
	printf "[stage \"a\"]\n\tcmd = true\n\tdeps = b.out\n\touts = a.out\n[stage \"b\"]\n\tcmd = true\n\tdeps = a.out\n\touts = b.out\n" >p2.ini &&
	test_expect_code 2 pipe-run -f p2.ini 2>err &&
	test_grep "cycle: a -> b -> a" err &&
	printf "[stage \"a\"]\n\tcmd = true\n\tdeps = nosuch.csv\n" >p3.ini &&
	test_expect_code 2 pipe-run -f p3.ini 2>err &&
	test_grep "p3.ini. line 3" err && test_grep "nosuch.csv" err &&
	printf "[stage \"a\"]\n\tcmd = true\n\touts = x\n[stage \"b\"]\n\tcmd = true\n\touts = x\n" >p4.ini &&
	test_expect_code 2 pipe-run -f p4.ini 2>err &&
	test_grep "p4.ini. line 6" err &&
	printf "[stage \"w\"]\n\tcmd = true\n\twdir = nosuch\n" >p7.ini &&
	test_expect_code 2 pipe-run -f p7.ini 2>err &&
	test_grep "p7.ini. line 3: stage .w.: wdir .nosuch. is not a directory" err &&
	printf "[stage \"status\"]\n\tcmd = true\n" >p5.ini &&
	test_expect_code 2 pipe-run -f p5.ini 2>err &&
	test_grep "p5.ini. line 1: .status. is a pipe-run command" err &&
	test_expect_code 2 pipe-run -f nosuch.ini 2>err &&
	test_grep "nosuch.ini" err &&
	printf "[stage \"a\"]\n\tcmd = true\n" >p6.ini &&
	test_expect_code 2 pipe-run -f p6.ini nosuch 2>err &&
	test_grep "no stage .nosuch." err &&
	test_expect_code 2 pipe-run -f p6.ini status 2>err &&
	test_grep "write the command first" err &&
	echo "{\"version\": 1, \"stages\": {\"a\": {\"cmd\": \"true\", \"deps\": [1]}}}" >p6.lock &&
	test_expect_code 2 pipe-run -f p6.ini 2>err &&
	test_grep "p6.lock.: the entry of stage .a. is damaged" err &&
	echo "not json" >p6.lock &&
	test_expect_code 2 pipe-run status -f p6.ini 2>err &&
	test_grep "p6.lock. line 1: not JSON" err &&
	test "$(cat p6.lock)" = "not json" &&
	find .mlrepo -type f ! -name "*-shm" | sort | xargs sha256sum >after &&
	test_cmp before after
'

test_expect_success 'shell commands survive the file format' '
	cd "$(new_repo shell)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "s"]
		cmd = echo "a#b;c" | sed '"'"'s/\./,/'"'"' >s.out # not a comment
		outs = s.out
	EOF
	pipe-run -q &&
	test "$(cat s.out)" = "a#b;c"
'

test_expect_success 'checkout puts outs back, from the lock or from a past run' '
	cd "$TRASH/basic" &&
	pipe-run -q &&
	good=$(sha256sum model.bin) &&
	rm model.bin clean.csv &&
	pipe-run checkout >out &&
	test_grep "^model.bin$" out &&
	test "$(sha256sum model.bin)" = "$good" &&
	pipe-run status --exit-code &&
	first=$(pipe-run log --json | tail -1 | cut -c8-39) &&
	pipe-run checkout --run $first train &&
	test_grep "lr 0.01 epochs 3" model.bin &&
	pipe-run status train >st &&
	test_grep "param changed: lr" st &&
	test_expect_code 2 pipe-run checkout --run ffffffff 2>err &&
	test_grep "ffffffff" err &&
	# the exp-log run of a pipeline run names it too (exp-log best prints those)
	firstexp=$(pipe-run log --json | tail -1 | sed -n "s/.*\"exp_run\":\"\([0-9a-f]*\)\".*/\1/p") &&
	test -n "$firstexp" && test "$firstexp" != "$first" &&
	rm -f model.bin &&
	pipe-run checkout --run $(echo $firstexp | cut -c1-10) train &&
	test_grep "lr 0.01 epochs 3" model.bin &&
	pipe-run show $firstexp >show &&
	test_grep "^run $first$" show
'

test_expect_success 'show and log: every run, its stages, their logs' '
	cd "$TRASH/basic" &&
	n=$(sqlite3 .mlrepo/catalog.db "SELECT count(*) FROM pipe_runs WHERE pipeline = \"$PWD/pipeline.ini\"") &&
	pipe-run log >log &&
	test_line_count = $n log &&
	test "$(pipe-run log --limit 2 | wc -l)" = 2 &&
	id=$(pipe-run log --stage prepare -n 1 --json | cut -c8-39) &&
	pipe-run show $id >show &&
	test_grep "^status: finished" show &&
	pipe-run log --stage report --json >rep &&
	test -s rep &&
	cd "$TRASH/fail" &&
	id=$(pipe-run log --json | tail -1 | cut -c8-39) &&
	pipe-run show $id --stage bad --log >blog &&
	test "$(grep -c "err line" blog)" = 30 &&
	test_expect_code 2 pipe-run show $id --stage nosuch 2>err
'

test_expect_success 'two pipe-runs at once: a stage running elsewhere is waited for' '
	cd "$(new_repo conc)" &&
	cat >pipeline.ini <<-\EOF &&
	[stage "slow"]
		cmd = echo run >>runs.log; sleep 2; touch slow.out
		outs = slow.out
	[stage "x"]
		cmd = touch x.out
		outs = x.out
	[stage "y"]
		cmd = touch y.out
		outs = y.out
	EOF
	{ pipe-run slow x >out1 2>&1 & } &&
	first=$! &&
	sleep 0.5 &&
	pipe-run slow y >out2 2>&1 &&
	wait $first &&
	test_line_count = 1 runs.log &&
	test_grep "slow: running in another pipe-run; waiting" out2 &&
	test -f x.out && test -f y.out &&
	python3 -c "
import json
l = json.load(open(\"pipeline.lock\"))
assert sorted(l[\"stages\"]) == [\"slow\", \"x\", \"y\"], l"
'

test_expect_success 'fsck, gc and bundles know pipeline runs' '
	cd "$TRASH/basic" &&
	mlrepo fsck &&
	mlrepo gc --prune=now >/dev/null &&
	rm model.bin &&
	pipe-run checkout train &&
	test -f model.bin &&
	mlrepo bundle create all.bundle &&
	cd "$(new_repo other)" &&
	mlrepo bundle unbundle "$TRASH/basic/all.bundle" &&
	pipe-run log --all >log &&
	test "$(wc -l <log)" = "$(cd "$TRASH/basic" && pipe-run log | wc -l)" &&
	mlrepo fsck
'

test_done
