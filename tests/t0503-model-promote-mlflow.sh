#!/bin/sh
test_description='model-promote check against MLflow MetricThreshold validation cases'
. ./test-lib.sh

# The cases are data, in data/mlflow-gate.cases: the metric values, the
# thresholds and the outcomes of MLflow's tests/evaluate/test_validation.py,
# and the edges of its _validate, each MetricThreshold field written as a
# gate rule.  The file's head says how a line reads and maps the fields to
# rules.  Per case, in one repository, under a model name of its own
# (m1, m2, ...): the baseline is registered and promoted to prod (no rules:
# a first promotion passes), the candidate is registered, and
#
#	model-promote check mN:2 --to prod --require RULE... --format json
#
# must exit 1 if a rule fails, else 0, and give every rule the status the
# case says, in order.  A case whose baseline is "none" registers the
# candidate alone (mN:1) and checks it against an alias nobody holds.

CASES=$TEST_DIR/data/mlflow-gate.cases

# mg_register NAME METRICS VERSION: register model.bin as a version of
# NAME with METRICS (NAME=VALUE separated by ',', or 'empty'), which must
# print VERSION.
mg_register() {
	mg_n=$1 mg_m=$2 mg_want=$3
	set --
	if [ "$mg_m" != empty ]; then
		mg_old=$IFS
		IFS=,
		set -f
		for mg_kv in $mg_m; do
			set -- "$@" -m "$mg_kv"
		done
		set +f
		IFS=$mg_old
	fi
	model-promote register "$mg_n" "$TRASH/model.bin" "$@" \
		>"$TRASH/.mg-ver" 2>"$TRASH/.mg-err" || {
		echo "model-promote register $mg_n ... $* exited $?:" >&2
		cat "$TRASH/.mg-err" >&2
		return 1
	}
	[ "$(cat "$TRASH/.mg-ver")" = "$mg_want" ] || {
		echo "register printed '$(cat "$TRASH/.mg-ver")', not $mg_want" >&2
		return 1
	}
}

# mg_field NAME FILE: the value of the scalar NAME (true, false, null, a
# number) in the one-line JSON object in FILE, or nothing.
mg_field() {
	sed -n "s/.*\"$1\": *\([a-z0-9.-]*\).*/\1/p" "$2"
}

# mg_statuses FILE: the "status" of every rule in FILE, in order, each
# followed by ';'.
mg_statuses() {
	grep -o '"status": *"[a-z]*"' "$1" |
	sed 's/.*"\([a-z]*\)"$/\1/' | tr '\n' ';'
}

# check N OURS OPTS CANDIDATE BASELINE RULES: run one case.
check() {
	mg_model=m$1 mg_ours=$2 mg_opts=$3 mg_cand=$4 mg_base=$5 mg_rules=$6
	echo "case: $mg_ours|$mg_opts|$mg_cand|$mg_base|$mg_rules"
	if [ "$mg_base" = none ]; then
		mg_register "$mg_model" "$mg_cand" 1 || return 1
		mg_ver=1 mg_current=null
	else
		mg_register "$mg_model" "$mg_base" 1 &&
		model-promote "$mg_model:1" --to prod >"$TRASH/.mg-out" \
			2>"$TRASH/.mg-err" || {
			echo "the first promotion of $mg_model:1 exited $?:" >&2
			cat "$TRASH/.mg-out" "$TRASH/.mg-err" >&2
			return 1
		}
		mg_register "$mg_model" "$mg_cand" 2 || return 1
		mg_ver=2 mg_current=1
	fi

	set --
	mg_old=$IFS
	IFS=';'
	set -f
	for mg_r in $mg_rules; do
		set -- "$@" --require "$mg_r"
	done
	IFS=$mg_old
	[ "$mg_opts" = - ] || set -- "$@" $mg_opts
	set +f
	case ";$mg_ours;" in
	*";fail;"*) mg_want_rc=1 mg_want_passed=false ;;
	*) mg_want_rc=0 mg_want_passed=true ;;
	esac

	test_expect_code $mg_want_rc model-promote check "$mg_model:$mg_ver" \
		--to prod "$@" --format json >"$TRASH/.mg-json" 2>"$TRASH/.mg-err"
	mg_rc=$?
	mg_got=$(mg_statuses "$TRASH/.mg-json")
	if [ $mg_rc != 0 ] || [ "$mg_got" != "$mg_ours;" ] ||
	   [ "$(mg_field passed "$TRASH/.mg-json")" != $mg_want_passed ] ||
	   [ "$(mg_field current "$TRASH/.mg-json")" != $mg_current ] ||
	   [ "$(mg_field version "$TRASH/.mg-json")" != $mg_ver ] ||
	   [ "$(wc -l <"$TRASH/.mg-json")" != 1 ]; then
		echo "want statuses $mg_ours; (exit $mg_want_rc, passed" \
			"$mg_want_passed, version $mg_ver, current $mg_current)," \
			"one line of JSON; got statuses $mg_got:" >&2
		cat "$TRASH/.mg-json" "$TRASH/.mg-err" >&2
		return 1
	fi
}

# ---- the tests

test_expect_success 'the case file is well formed and holds 40 cases or more' '
	awk -F "|" "
	/^#/ || /^\$/ { next }
	{ n++ }
	NF != 8 { print \"not eight fields: \" \$0; bad = 1; next }
	{
		r = split(\$6, rule, \";\")
		if (split(\$1, ours, \";\") != r || split(\$2, ml, \";\") != r ||
		    split(\$7, spec, \";\") != r) {
			print \"not one status and spec a rule: \" \$0; bad = 1
		}
		for (i = 1; i <= r; i++) {
			if (ours[i] !~ /^(pass|fail|skipped)\$/ ||
			    ml[i] !~ /^(pass|fail|error|-)\$/) {
				print \"bad status: \" \$0; bad = 1
			}
		}
	}
	\$3 !~ /^(-|--strict)\$/ { print \"bad OPTS: \" \$0; bad = 1 }
	\$4 == \"\" || \$5 == \"\" || \$8 == \"\" { print \"empty field: \" \$0; bad = 1 }
	END {
		if (n < 40) { print n \" cases\"; bad = 1 }
		exit bad
	}" "$CASES"
'

test_expect_success 'setup: a model file' '
	echo weights >model.bin
'

# One test a case; the body reads the case from these variables, which
# hold the current line's fields while test_expect_success runs it.
n=0 n_same=0 n_diff=0 n_none=0
while IFS='|' read -r ours mlflow opts cand base rules spec origin; do
	case $ours in "#"*|"") continue ;; esac
	n=$((n + 1))
	case ";$mlflow;" in
	";$ours;") n_same=$((n_same + 1)) ;;
	*";-;"*) n_none=$((n_none + 1)) ;;
	*) n_diff=$((n_diff + 1)) ;;
	esac
	test_expect_success "$origin: $rules" \
		'check "$n" "$ours" "$opts" "$cand" "$base" "$rules"'
done <"$CASES"

echo "# MLflow gate cases run: $n; $n_same decided as MLflow does," \
	"$n_diff with a deliberate difference, $n_none with no MetricThreshold"

test_done
