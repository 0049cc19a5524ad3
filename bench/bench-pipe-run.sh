#!/bin/bash
# bench-pipe-run.sh - pipe-run against make and Snakemake (issue 9, Benchmark).
#
# The same generated graph (pipe/gen.c) is written as pipeline.ini, as a
# Makefile and as a Snakefile, and each tool builds its own copy once for
# real before anything is timed:
#
#  1. no-op: 1000 stages, each reading 10 files of its own (10,000 input
#     files) and the outs of two upstream stages, all up to date:
#     `pipe-run status` and `pipe-run` against `make -rq` (no built-in
#     rules: the floor) and `snakemake -n` (targets: within 3x of make,
#     20x faster than Snakemake);
#  2. overhead: 200 independent stages whose cmd is `true`, all run with
#     two at a time: `pipe-run --force -j2` against `make -j2` (.PHONY
#     targets) and `snakemake --cores 2 --forceall`, per stage (target:
#     under 10 ms of overhead a stage).
#
# Times are hyperfine medians of the wall time, with the mean cpu time
# (user + system, children included), which is what to trust on a busy
# machine; without hyperfine, medians of a shell loop and no cpu time.
# Each tool's outs are compared with make's, and every no-op is checked to
# be one (exit status, and no out rewritten).  Sizes: BENCH_PIPE_STAGES
# (1000), BENCH_PIPE_DEPS (10 files a stage), BENCH_PIPE_TRIVIAL (200);
# BENCH_PIPE_SNAKEMAKE=0 leaves Snakemake out (its first build of the
# no-op graph takes about a minute).  Everything happens in a temporary
# directory removed at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${MLREPO_BUILD:=$here/../build}"
PATH="$MLREPO_BUILD/bin:$PATH"
STAGES=${BENCH_PIPE_STAGES:-1000}
DEPS=${BENCH_PIPE_DEPS:-10}
TRIVIAL=${BENCH_PIPE_TRIVIAL:-200}
: "${CC:=cc}"
py=/usr/bin/python3
W=$(mktemp -d /tmp/bench-pipe-run.XXXXXX)
trap 'rm -rf "$W"' EXIT INT TERM
cd "$W"
$CC -O2 -o gen "$here/pipe/gen.c"

have_pr=1 have_sm=1 have_hf=1
command -v pipe-run >/dev/null 2>&1 || have_pr=0
command -v snakemake >/dev/null 2>&1 || have_sm=0
[ "${BENCH_PIPE_SNAKEMAKE:-1}" != 0 ] || have_sm=0
command -v hyperfine >/dev/null 2>&1 || have_hf=0

fail() {
	echo "bench-pipe-run: $*" >&2
	exit 1
}
now() { date +%s.%N; }
ms() { echo "$1 * 1000" | bc -l; }

# median RUNS CMD...: the median wall time of CMD (run in the current
# directory, output discarded, every run must exit 0) in seconds, in $med,
# and its mean cpu time in $cpu (empty without hyperfine)
median() {
	local runs=$1 t0
	shift
	if [ $have_hf = 1 ]; then
		hyperfine -N -w 1 -r "$runs" --style none \
			--export-json "$W/hf.json" "$(printf '%q ' "$@")" \
			>/dev/null 2>"$W/hf.err" || { cat "$W/hf.err" >&2; return 1; }
		read -r med cpu < <($py -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print(r["median"], r["user"] + r["system"])' "$W/hf.json")
	else
		cpu=
		med=$(for _ in $(seq 1 "$runs"); do
			t0=$(now)
			"$@" >/dev/null 2>&1 || exit 1
			echo "$(now) - $t0" | bc -l
		done | sort -n | sed -n "$(((runs + 1) / 2))p")
	fi
}
# cpu_ms: $cpu in ms, or "-"
cpu_ms() {
	if [ -n "$cpu" ]; then printf "%.1f" "$(ms "$cpu")"; else echo -; fi
}
# timed NAME RUNS CMD...: median, printed
timed() {
	local name=$1
	shift
	median "$@"
	printf "  %-32s wall %9.1f ms  cpu %9s ms\n" "$name" "$(ms "$med")" \
		"$(cpu_ms)"
}
# ratio WHAT A B [OP LIMIT]: print A/B, and whether it is OP (<= or >=)
# LIMIT when there is a target
ratio() {
	local r ok
	r=$(echo "$2 / $3" | bc -l)
	if [ $# -lt 5 ]; then
		printf "  ratio %-40s %7.1fx\n" "$1" "$r"
		return
	fi
	if [ "$(echo "$r $4 $5" | bc -l)" = 1 ]; then ok=met; else ok=MISSED; fi
	printf "  ratio %-40s %7.1fx (target %s %sx: %s)\n" "$1" "$r" "$4" "$5" "$ok"
}

echo "bench-pipe-run: $(nproc) CPU(s), load average $(cut -d' ' -f1 /proc/loadavg)"
[ $have_pr = 1 ] || echo "  pipe-run is not built in $MLREPO_BUILD/bin: its figures are left out"
[ $have_sm = 1 ] || echo "  snakemake is not installed (scripts/deps --bench) or BENCH_PIPE_SNAKEMAKE=0: left out"
[ $have_hf = 1 ] || echo "  hyperfine is not installed: medians of a shell loop"
targets=$(seq -f 't%04g' 0 $((TRIVIAL - 1)))

echo "# 1. no-op: $STAGES stages, $((STAGES * DEPS)) dep files, all up to date"
mkdir -p noop/mk noop/sm noop/pr
(cd noop/mk && ../../gen noop "$STAGES" "$DEPS")
cp -a noop/mk/. noop/sm
cp -a noop/mk/. noop/pr
t0=$(now)
make -C noop/mk -r -s -j2 all
printf "  first build: make -j2 %.1f s" "$(echo "$(now) - $t0" | bc -l)"
if [ $have_pr = 1 ]; then
	t0=$(now)
	(cd noop/pr && mlrepo init -q && pipe-run -q -j2)
	printf ", pipe-run -j2 %.1f s" "$(echo "$(now) - $t0" | bc -l)"
	diff -r noop/mk/out noop/pr/out >/dev/null || fail "pipe-run's outs differ from make's"
	(cd noop/pr && pipe-run status --exit-code >/dev/null) ||
		fail "pipe-run status: stale stages after a full run"
fi
if [ $have_sm = 1 ]; then
	t0=$(now)
	(cd noop/sm && snakemake --cores 2 --quiet all >/dev/null 2>&1) ||
		fail "snakemake failed (cd noop/sm && snakemake --cores 2)"
	printf ", snakemake --cores 2 %.1f s" "$(echo "$(now) - $t0" | bc -l)"
	diff -r noop/mk/out noop/sm/out >/dev/null || fail "snakemake's outs differ from make's"
	(cd noop/sm && snakemake -n --cores 1 2>&1) | grep -q 'Nothing to be done' ||
		fail "snakemake -n: jobs to run after a full run"
fi
echo
make -C noop/mk -rq all || fail "make -rq: targets out of date after a full build"
touch stamp
find noop -type f -exec cat {} + >/dev/null # the page cache warm for all

cd noop/mk
timed "make -rq" 20 make -rq -f Makefile all
t_make=$med c_make=$cpu
cd ../..
if [ $have_pr = 1 ]; then
	cd noop/pr
	timed "pipe-run status" 20 pipe-run status
	t_status=$med c_status=$cpu
	timed "pipe-run (no-op)" 20 pipe-run -q
	t_noop=$med c_noop=$cpu
	cd ../..
fi
if [ $have_sm = 1 ]; then
	cd noop/sm
	timed "snakemake -n --cores 1" 3 snakemake -n --cores 1
	t_sm=$med c_sm=$cpu
	cd ../..
fi
[ -z "$(find noop/*/out -newer stamp)" ] || fail "a no-op rewrote an out"
if [ $have_pr = 1 ]; then
	ratio "pipe-run status / make -rq" "$t_status" "$t_make" "<=" 3
	ratio "pipe-run no-op / make -rq" "$t_noop" "$t_make" "<=" 3
	if [ -n "$c_make" ]; then
		ratio "pipe-run status / make -rq (cpu)" "$c_status" "$c_make" "<=" 3
		ratio "pipe-run no-op / make -rq (cpu)" "$c_noop" "$c_make" "<=" 3
	fi
	if [ $have_sm = 1 ]; then
		ratio "snakemake -n / pipe-run status" "$t_sm" "$t_status" ">=" 20
		ratio "snakemake -n / pipe-run no-op" "$t_sm" "$t_noop" ">=" 20
		if [ -n "$c_sm" ]; then
			ratio "snakemake -n / pipe-run status (cpu)" "$c_sm" "$c_status" ">=" 20
			ratio "snakemake -n / pipe-run no-op (cpu)" "$c_sm" "$c_noop" ">=" 20
		fi
	fi
fi
[ $have_sm = 0 ] || ratio "snakemake -n / make -rq" "$t_sm" "$t_make"
rm -rf noop

echo "# 2. overhead: $TRIVIAL stages of \`true\`, two at a time"
mkdir -p over/mk over/sm over/pr
(cd over/mk && ../../gen overhead "$TRIVIAL")
cp -a over/mk/. over/sm
cp -a over/mk/. over/pr
# per stage: the wall time over the stage count, and that less the exec
# of /bin/true with two running at once (what any runner has to pay)
median 50 true
t_true=$med
printf "  %-32s wall %9.2f ms  cpu %9s ms\n" "one /bin/true" "$(ms "$t_true")" \
	"$(cpu_ms)"
# per NAME: $med and $cpu over the stage count, and the overhead a stage
per() {
	local s o c=-
	s=$(echo "$med / $TRIVIAL" | bc -l)
	o=$(echo "$s - $t_true / 2" | bc -l)
	[ -z "$cpu" ] || c=$(printf "%.2f" "$(ms "$(echo "$cpu / $TRIVIAL" | bc -l)")")
	printf "  %-32s wall %9.1f ms: a stage %6.2f ms, overhead %6.2f ms, cpu %s ms\n" \
		"$1" "$(ms "$med")" "$(ms "$s")" "$(ms "$o")" "$c"
}
cd over/mk
median 10 make -j2 -s all
w_make=$med
per "make -j2"
cd ../..
if [ $have_pr = 1 ]; then
	cd over/pr
	mlrepo init -q
	pipe-run -q -j2
	median 5 pipe-run --force -q -j2
	w_pr=$med
	per "pipe-run --force -j2"
	o_pr=$(echo "($w_pr / $TRIVIAL - $t_true / 2) * 1000" | bc -l)
	printf "  pipe-run overhead a stage %.2f ms (target < 10 ms: %s)\n" "$o_pr" \
		"$([ "$(echo "$o_pr < 10" | bc -l)" = 1 ] && echo met || echo MISSED)"
	cd ../..
fi
if [ $have_sm = 1 ]; then
	cd over/sm
	# rules without outputs run when named
	# shellcheck disable=SC2086
	median 3 snakemake $targets --cores 2 --forceall --quiet all
	w_sm=$med
	per "snakemake --cores 2 --forceall"
	cd ../..
fi
if [ $have_pr = 1 ]; then
	ratio "pipe-run / make -j2" "$w_pr" "$w_make"
	[ $have_sm = 0 ] || ratio "snakemake / pipe-run" "$w_sm" "$w_pr"
fi
[ $have_sm = 0 ] || ratio "snakemake / make -j2" "$w_sm" "$w_make"
