#!/bin/sh
test_description='lib-slurm.sh: a one-node Slurm cluster of the test'"'"'s own'
. ./test-lib.sh
. "$TEST_DIR/lib-slurm.sh"

slurm_skip_unless_ready
start_slurm

test_expect_success 'the cluster has one idle node in its own partition' '
	sinfo -h -o "%P %N %T" >out &&
	echo "debug* localhost idle" >expect &&
	test_cmp expect out
'

test_expect_success 'sbatch --parsable prints a job id; the job completes' '
	id=$(sbatch --parsable -o "$TRASH/job.out" \
		--wrap "echo from-the-job; echo \$SLURM_JOB_ID") &&
	case $id in ""|*[!0-9]*) false ;; esac &&
	state=$(slurm_wait_job "$id") &&
	test "$state" = COMPLETED &&
	printf "from-the-job\n%s\n" "$id" >expect &&
	test_cmp expect job.out
'

test_expect_success 'a job that exits 3 is FAILED with exit code 3' '
	id=$(sbatch --parsable -o /dev/null --wrap "exit 3") &&
	state=$(slurm_wait_job "$id") &&
	test "$state" = FAILED &&
	scontrol show job -o "$id" >out &&
	test_grep " ExitCode=3:0 " out
'

test_expect_success 'stop_slurm cancels what runs and stops the daemons' '
	id=$(sbatch --parsable -o /dev/null --wrap "sleep 300") &&
	pids="$(cat "$SLURM_DIR/slurmctld.pid" "$SLURM_DIR/slurmd.pid" \
		"$SLURM_DIR/munge/munged.pid")" &&
	stop_slurm &&
	for p in $pids; do
		! kill -0 "$p" 2>/dev/null || { echo "$p lives" >&2; exit 1; }
	done &&
	! pgrep -f "slurmstepd: \\[$id\\." >/dev/null
'

test_done
