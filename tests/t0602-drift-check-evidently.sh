#!/bin/sh
test_description='drift-check: the cases of Evidently'"'"'s own drift tests'
. ./test-lib.sh
. "$TEST_DIR/lib-drift.sh"

# The cases are data, in data/drift/evidently.cases: the inputs, expected
# scores, tolerances and verdicts of Evidently's stattest and data-drift
# tests (tests/stattests/test_stattests.py and the data drift metric and
# test-suite tests), transcribed by hand; their pandas inputs are the
# data/drift/ev-* files.  The file's head says how a line reads and where
# each test comes from.  Per case:
#
#	drift-check --json [--method M] [OPTION...] REF CUR
#
# must exit 0 or 1 as its JSON "drift" says (2 where Evidently raises a
# ValueError), and give the column the score within Evidently's tolerance,
# the verdict and the fields the case names.  A known difference ("!")
# must give drift-check's own answer, and that answer must indeed differ
# from what Evidently's test asserts.

CASES=$DRIFT_DATA/evidently.cases

test_expect_success 'the case file is well formed and holds 50 cases' '
	awk "
	/^#/ || /^\$/ { next }
	{ n++ }
	NF < 8 { print \"fewer than eight fields: \" \$0; bad = 1; next }
	\$6 !~ /^(-|error|-?[0-9.]+(e[-+]?[0-9]+)?)\$/ {
		print \"bad SCORE: \" \$0; bad = 1
	}
	\$7 !~ /^(-|[0-9.]+(e-?[0-9]+)?)\$/ { print \"bad TOL: \" \$0; bad = 1 }
	\$8 !~ /^(-|true|false)\$/ { print \"bad DRIFT: \" \$0; bad = 1 }
	\$1 ~ /^!/ && !/ ours=/ { print \"no ours=: \" \$0; bad = 1 }
	END {
		if (n < 50) { print n \" cases\"; bad = 1 }
		exit bad
	}" "$CASES"
'

test_expect_success 'the tolerances can fail: approx(0.084, abs=1e-3)' '
	dc_near 0.0841 0.084 1e-3 &&
	! dc_near 0.0851 0.084 1e-3 &&
	dc_near 1.0 1.0 0 &&
	! dc_near 0.9999999 1.0 0 &&
	! dc_near null 0 1
'

test_expect_success 'setup: the data files' '
	dc_setup_data
'

# ev_case ORIGIN REF CUR COLUMN METHOD SCORE TOL DRIFT [OPTION VALUE]...
#	[FIELD=VALUE[~TOL]]...
ev_case() {
	ev_origin=$1 ev_ref=$2 ev_cur=$3 ev_col=$4 ev_method=$5 ev_score=$6
	ev_tol=$7 ev_drift=$8
	shift 8
	ev_opts= ev_expect= ev_ours= ev_ours_drift=
	while [ $# -gt 0 ]; do
		case $1 in
		--*) ev_opts="$ev_opts $1 $2"; shift 2 ;;
		ours=*) ev_ours=${1#ours=}; shift ;;
		ours_drift=*) ev_ours_drift=${1#ours_drift=}; shift ;;
		*) ev_expect="$ev_expect $1"; shift ;;
		esac
	done
	set --
	ev_want_method=
	case $ev_method in
	auto) ;;
	auto:*) ev_want_method=${ev_method#auto:} ;;
	*) ev_want_method=$ev_method; set -- --method "$ev_method" ;;
	esac

	if [ "$ev_score" = error ] && [ -z "$ev_ours" ]; then
		test_expect_code 2 drift-check --json "$@" $ev_opts \
			"data/$ev_ref" "data/$ev_cur" >out.json 2>err || {
			cat out.json err
			return 1
		}
		test_grep "error:" err || return 1
		test_line_count = 0 out.json
		return
	fi

	drift-check --json "$@" $ev_opts "data/$ev_ref" "data/$ev_cur" \
		>out.json 2>err
	case $? in
	0) ev_expect="$ev_expect all.drift=false" ;;
	1) ev_expect="$ev_expect all.drift=true" ;;
	*) cat out.json err; return 1 ;;
	esac
	[ -z "$ev_want_method" ] || ev_expect="$ev_expect method=$ev_want_method"
	if [ -n "$ev_ours" ]; then
		# a known difference: ours, and theirs really is another answer
		ev_expect="$ev_expect score=$ev_ours drift=$ev_ours_drift"
		if [ "$ev_score" != error ] &&
		   dc_check out.json "$ev_col" score="$ev_score~$ev_tol" >bad
		then
			echo "the score is now Evidently's $ev_score +- $ev_tol"
			cat out.json
			return 1
		fi
	else
		[ "$ev_score" = - ] || ev_expect="$ev_expect score=$ev_score~$ev_tol"
		[ "$ev_drift" = - ] || ev_expect="$ev_expect drift=$ev_drift"
	fi
	dc_check out.json "$ev_col" $ev_expect >bad || {
		echo "wrong:$(cat bad)"
		cat out.json
		return 1
	}
}

# One test a case; the body reads the case from $line.
n=0 n_known=0 n_error=0
set -f
while read -r line; do
	case $line in "#"*|"") continue ;; esac
	n=$((n + 1))
	case $line in
	"!"*) n_known=$((n_known + 1)) ;;
	*" error "*) n_error=$((n_error + 1)) ;;
	esac
	test_expect_success "${line%% *}: ${line#* }" 'ev_case $line'
done <"$CASES"
set +f

echo "# Evidently cases run: $n; $n_error where Evidently raises an error" \
	"(drift-check: bad input), $n_known known differences"

test_done
