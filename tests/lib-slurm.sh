# lib-slurm.sh - a one-node Slurm cluster of the test's own, sourced after
# test-lib.sh by the tests that run against a real Slurm (t0700, t0701).
#
#   . ./test-lib.sh
#   . "$TEST_DIR/lib-slurm.sh"
#   slurm_skip_unless_ready     (prints "1..0 # SKIP why" and exits when
#                                Slurm is not installed or we are not root)
#   start_slurm                 (or Bail out!)
#   test_expect_success ... sbatch --parsable ... ...
#   test_done                   (the daemons are stopped on any exit)
#
# Everything lives under $TRASH/slurm: a munge key and a munged of our
# own, slurm.conf, state, spool and logs, so that no /etc/slurm, system
# munged or systemd is needed, and two test files (or two worktrees) can
# each run a cluster at once: the two ports are picked at random among
# those nobody listens on.  SLURM_CONF is exported, so sbatch, squeue,
# scontrol, scancel and sinfo (and pipe-run) find this cluster.  The
# recipe and its timings: ../shared/notes/slurm-local.md (the first job
# starts about 3 s after start_slurm, later ones within half a second).
#
# stop_slurm cancels every job and waits for the queue to drain before it
# stops slurmd, slurmctld and munged (a job's slurmstepd outlives the
# daemons otherwise), each by its pid file: TERM, then KILL after 10 s.
# start_slurm chains it to the EXIT trap before starting anything, so an
# interrupted or failing test file leaves no daemon behind.

SLURM_DIR=$TRASH/slurm

# slurm_skip_unless_ready: end the test file with TAP's skip-all line,
# saying why, unless the Slurm daemons, client and munge are here.
slurm_skip_unless_ready() {
	for sp_ in slurmctld slurmd sbatch squeue scontrol scancel sinfo \
		   munged munge unmunge; do
		if ! command -v "$sp_" >/dev/null 2>&1 &&
		   ! [ -x "/usr/sbin/$sp_" ]; then
			echo "1..0 # SKIP $sp_ is not installed" \
			     "(scripts/deps --slurm installs Slurm and munge)"
			exit 0
		fi
	done
	if [ "$(id -u)" != 0 ]; then
		echo "1..0 # SKIP a test cluster's slurmd must run as root"
		exit 0
	fi
	case :$PATH: in *:/usr/sbin:*) ;; *) PATH=$PATH:/usr/sbin ;; esac
}

# A TCP port in 20000-59999 that nothing listens on (by /proc/net/tcp*).
slurm_free_port_() {
	sp_n_=0
	while [ $sp_n_ -lt 50 ]; do
		sp_n_=$((sp_n_ + 1))
		sp_port_=$(( ($(od -An -N2 -tu2 /dev/urandom) % 40000) + 20000 ))
		sp_hex_=$(printf ':%04X ' "$sp_port_")
		if ! cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		     grep -q "^ *[0-9]*: [0-9A-F]*$sp_hex_"; then
			echo "$sp_port_"
			return 0
		fi
	done
	return 1
}

slurm_pid_() {
	[ -s "$1" ] && cat "$1"
	return 0
}

# Stop process $1: TERM, then KILL if it lives on 10 s later.
slurm_stop_pid_() {
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null || return 0
	sp_i_=0
	while kill -0 "$1" 2>/dev/null; do
		sp_i_=$((sp_i_ + 1))
		[ $sp_i_ = 100 ] && kill -KILL "$1" 2>/dev/null
		sleep 0.1
	done
}

# stop_slurm: cancel every job, wait for the queue to empty (10 s at
# most), stop the daemons.  Safe to call twice, or before start_slurm.
stop_slurm() {
	[ -d "$SLURM_DIR" ] || return 0
	if [ -n "$(slurm_pid_ "$SLURM_DIR/slurmctld.pid")" ]; then
		scancel --quiet --user="$(id -un)" 2>/dev/null
		sp_i_=0
		while [ $sp_i_ -lt 50 ] &&
		      [ -n "$(squeue -h 2>/dev/null)" ]; do
			sp_i_=$((sp_i_ + 1))
			sleep 0.2
		done
	fi
	slurm_stop_pid_ "$(slurm_pid_ "$SLURM_DIR/slurmd.pid")"
	slurm_stop_pid_ "$(slurm_pid_ "$SLURM_DIR/slurmctld.pid")"
	slurm_stop_pid_ "$(slurm_pid_ "$SLURM_DIR/munge/munged.pid")"
	rm -f "$SLURM_DIR/slurmd.pid" "$SLURM_DIR/slurmctld.pid" \
	      "$SLURM_DIR/munge/munged.pid"
	return 0
}

slurm_exit_() {
	sp_rc_=$?
	stop_slurm
	test_cleanup
	exit $sp_rc_
}

# start_slurm: munged, slurmctld and slurmd of our own, up and the node
# idle; SLURM_CONF exported.  Bails out (showing the daemons' logs) when
# the cluster does not come up.
start_slurm() {
	trap slurm_exit_ EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$SLURM_DIR/mkey" "$SLURM_DIR/munge" "$SLURM_DIR/state" \
		 "$SLURM_DIR/spool" "$SLURM_DIR/log" &&
	chmod 0755 "$TRASH" "$SLURM_DIR" "$SLURM_DIR/munge" &&
	chmod 0700 "$SLURM_DIR/mkey" &&
	dd if=/dev/urandom of="$SLURM_DIR/mkey/munge.key" bs=1024 count=1 \
	   status=none &&
	chmod 0400 "$SLURM_DIR/mkey/munge.key" || {
		echo "Bail out! cannot make $SLURM_DIR"
		exit 1
	}
	SLURM_MUNGE_SOCKET=$SLURM_DIR/munge/munge.socket
	munged --force --key-file="$SLURM_DIR/mkey/munge.key" \
	       --socket="$SLURM_MUNGE_SOCKET" \
	       --pid-file="$SLURM_DIR/munge/munged.pid" \
	       --log-file="$SLURM_DIR/munge/munged.log" \
	       --seed-file="$SLURM_DIR/munge/munged.seed" &&
	munge -n -S "$SLURM_MUNGE_SOCKET" |
		unmunge -S "$SLURM_MUNGE_SOCKET" >/dev/null || {
		echo "Bail out! munged did not start"
		sed 's/^/# /' "$SLURM_DIR/munge/munged.log" 2>/dev/null
		exit 1
	}
	SLURM_CTLD_PORT=$(slurm_free_port_) &&
	SLURM_SLURMD_PORT=$(slurm_free_port_) &&
	[ "$SLURM_CTLD_PORT" != "$SLURM_SLURMD_PORT" ] || {
		echo "Bail out! no free port for slurmctld and slurmd"
		exit 1
	}
	SLURM_CONF=$SLURM_DIR/slurm.conf
	export SLURM_CONF
	cat >"$SLURM_CONF" <<EOF
ClusterName=mlrepotest
SlurmctldHost=localhost
SlurmUser=$(id -un)
SlurmctldPort=$SLURM_CTLD_PORT
SlurmdPort=$SLURM_SLURMD_PORT
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SLURM_MUNGE_SOCKET
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
MailProg=/bin/true
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=localhost CPUs=$(nproc) RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
	# both daemonize: the parent returns at once
	slurmctld -f "$SLURM_CONF" && slurmd -N localhost -f "$SLURM_CONF" || {
		echo "Bail out! slurmctld or slurmd did not start"
		tail -n 20 "$SLURM_DIR"/log/*.log 2>/dev/null | sed 's/^/# /'
		exit 1
	}
	sp_i_=0
	while [ $sp_i_ -lt 100 ]; do
		[ "$(sinfo -h -o %T 2>/dev/null)" = idle ] && return 0
		sp_i_=$((sp_i_ + 1))
		sleep 0.2
	done
	echo "Bail out! the Slurm node is not idle after 20 s"
	tail -n 20 "$SLURM_DIR"/log/*.log 2>/dev/null | sed 's/^/# /'
	exit 1
}

# slurm_job_state ID: the job's state word (PENDING, RUNNING, COMPLETED,
# FAILED, CANCELLED, TIMEOUT...), from scontrol.
slurm_job_state() {
	scontrol show job -o "$1" >"$SLURM_DIR/.state" 2>&1 &&
	sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p' "$SLURM_DIR/.state"
}

# slurm_wait_job ID [SECONDS]: wait (20 s by default) until the job has
# ended; print its final state.
slurm_wait_job() {
	sp_end_=$(( $(date +%s) + ${2:-20} ))
	while [ "$(date +%s)" -le "$sp_end_" ]; do
		sp_st_=$(slurm_job_state "$1") || return 1
		case $sp_st_ in
		PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED|REQUEUED*|'')
			sleep 0.2 ;;
		*) echo "$sp_st_"; return 0 ;;
		esac
	done
	echo "slurm_wait_job: job $1 still $sp_st_ after ${2:-20} s" >&2
	return 1
}
