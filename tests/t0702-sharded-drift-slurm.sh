#!/bin/sh
test_description='share/examples/sharded-drift on a one-node Slurm: a job a shard, the same profiles as locally'
. ./test-lib.sh
. "$TEST_DIR/lib-slurm.sh"

slurm_skip_unless_ready
start_slurm

# --no-cache: the local run's results would otherwise be restored, not run
test_expect_success 'the example runs locally and on Slurm' '
	cp -R "$SRC_DIR/share/examples/sharded-drift" ex-local &&
	cp -R "$SRC_DIR/share/examples/sharded-drift" ex-slurm &&
	(cd ex-local && pipe-run -q -S rows=20000) &&
	(cd ex-slurm && pipe-run -q --executor slurm --no-cache -S rows=20000)
'

test_expect_success 'every profile, the merge and the verdict are the same bytes' '
	for i in 0 1 2 3; do
		cmp ex-local/profiles/part-$i.json ex-slurm/profiles/part-$i.json ||
		return 1
	done &&
	cmp ex-local/reference.json ex-slurm/reference.json &&
	sed "s/\"current\":\"[^\"]*\"//" ex-local/drift.json >l &&
	sed "s/\"current\":\"[^\"]*\"//" ex-slurm/drift.json >s &&
	test_cmp l s &&
	test_grep "\"drift\":true" s &&
	test_cmp ex-local/pipeline.lock ex-slurm/pipeline.lock
'

test_expect_success 'each shard was a Slurm job of its own' '
	exp-log ls --json >runs.json &&
	ids=$(for i in 0 1 2 3; do
		grep "\"pipe.stage\":\"profile@$i\"" runs.json |
		grep -o "\"slurm.job_id\":\"[0-9]*\"" | tail -n 1
	done | sort -u | wc -l) &&
	test "$ids" = 4
'

test_done
