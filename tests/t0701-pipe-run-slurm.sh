#!/bin/sh
test_description='pipe-run --executor slurm against a one-node Slurm'
. ./test-lib.sh
. "$TEST_DIR/lib-slurm.sh"

slurm_skip_unless_ready
start_slurm

# A fan-out: three shards made by one foreach section, joined by a stage
# that runs where --executor says (or locally, when it says so itself).
write_pipeline() {
	mkdir -p "$1" &&
	cat >"$1/pipeline.ini" <<-\EOF
	[params]
		shards = a b c
	[stage "shard"]
		foreach = ${shards}
		cmd = printf "%s\n" "${item}" "$PIPE_STAGE" | tee out-${item}.txt
		cmd = echo "::metric rows=2"
		outs = out-${item}.txt
	[stage "join"]
		cmd = cat out-a.txt out-b.txt out-c.txt >all.txt
		deps = out-a.txt out-b.txt out-c.txt
		outs = all.txt
		$JOIN_EXECUTOR
	EOF
	sed -i "s/\\\$JOIN_EXECUTOR/$2/" "$1/pipeline.ini"
}

# run_id OUT: the pipeline run id pipe-run printed to OUT
run_id() {
	sed -n "s/^pipe-run: run \([0-9a-f]*\)$/\1/p" "$1"
}

test_expect_success 'a fan-out on Slurm matches the same pipeline run locally' '
	write_pipeline local "" &&
	write_pipeline slurm "executor = local" &&
	(cd local && pipe-run >../out.local) &&
	(cd slurm && pipe-run --executor slurm -j 2 --no-cache >../out.slurm) &&
	for f in out-a.txt out-b.txt out-c.txt all.txt pipeline.lock; do
		test_cmp local/$f slurm/$f || exit 1
	done &&
	printf "a\nshard@a\nb\nshard@b\nc\nshard@c\n" >expect &&
	test_cmp expect slurm/all.txt &&
	lrun=$(run_id out.local) && srun=$(run_id out.slurm) &&
	test -n "$lrun" && test -n "$srun" &&
	for s in shard@a shard@b shard@c join; do
		test_cmp .mlrepo/runs/$lrun/$s.log .mlrepo/runs/$srun/$s.log ||
		exit 1
	done &&
	! test -e slurm/.pipe-run/jobs/$srun
'

test_expect_success 'each Slurm stage records its job id; local ones none' '
	srun=$(run_id out.slurm) &&
	exp-log ls --json >runs.json &&
	for s in a b c; do
		line=$(grep "\"pipe.stage\":\"shard@$s\"" runs.json |
		       grep "\"pipe.run\":\"$srun\"") &&
		id=$(echo "$line" |
		     sed -n "s/.*\"slurm.job_id\":\"\([0-9]*\)\".*/\1/p") &&
		test -n "$id" &&
		scontrol show job -o "$id" >job &&
		test_grep "JobName=pipe-run.$(echo $srun | cut -c1-8).shard@$s " job &&
		test_grep "JobState=COMPLETED" job &&
		echo "$line" >>ids || exit 1
	done &&
	test_line_count = 3 ids &&
	grep "\"pipe.stage\":\"join\"" runs.json >join &&
	! grep slurm.job_id join &&
	grep "\"pipe.stage\":\"shard@a\"" runs.json >a &&
	test_grep "\"rows\":2" a
'

test_expect_success 'a job cancelled from outside is a failed stage' '
	mkdir -p kill &&
	cat >kill/pipeline.ini <<-\EOF || exit 1
	[stage "slow"]
		cmd = sleep 60 && touch slow.txt
		outs = slow.txt
		executor = slurm
	EOF
	cd kill || exit 1
	{ pipe-run >out 2>err; echo $? >rc; } &
	i=0 &&
	until [ -s .pipe-run/jobs/*/slow.job ] && id=$(cut -d" " -f1 .pipe-run/jobs/*/slow.job) &&
	      [ "$(slurm_job_state "$id")" = RUNNING ]; do
		i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.2
	done &&
	scancel "$id" &&
	wait &&
	test "$(cat rc)" = 1 &&
	test_grep "slurm job $id ended CANCELLED" err &&
	test_grep "^slow: failed with exit status 1" out &&
	! test -e slow.txt
'

test_expect_success 'Ctrl-C cancels the running and the queued jobs' '
	mkdir -p int &&
	cat >int/pipeline.ini <<-\EOF || exit 1
	[params]
		n = 1 2 3 4
	[stage "nap"]
		foreach = ${n}
		cmd = sleep 60
	EOF
	cd int || exit 1
	# a background job ignores SIGINT; perl gives pipe-run it back
	perl -e "\$SIG{INT} = q(DEFAULT); exec @ARGV" \
		pipe-run --executor slurm >out 2>err &
	pid=$! &&
	i=0 &&
	until [ "$(ls .pipe-run/jobs/*/*.job 2>/dev/null | wc -l)" = 4 ] &&
	      squeue -h -o %T >q && test_grep -q PENDING q; do
		i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.2
	done &&
	kill -INT $pid &&
	{ wait $pid; echo $? >rc; } &&
	test "$(cat rc)" = 130 &&
	# cancelled jobs may stay COMPLETING a moment on a loaded machine
	i=0 &&
	until squeue -h >q && test_line_count = 0 q 2>/dev/null; do
		i=$((i + 1)); [ $i -lt 150 ] || { cat q; exit 1; }; sleep 0.2
	done &&
	for f in .pipe-run/jobs/*/*.job; do
		state=$(slurm_job_state "$(cut -d" " -f1 $f)") &&
		test "$state" = CANCELLED || exit 1
	done
'

test_expect_success 'the cluster stops with the test' '
	pid=$(cat "$SLURM_DIR/slurmctld.pid") &&
	stop_slurm &&
	! kill -0 "$pid" 2>/dev/null
'

test_done
