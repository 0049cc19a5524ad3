#!/bin/sh
test_description='exp-log ls against a body of MLflow search cases'
. ./test-lib.sh

# The cases are data, in data/mlflow-search.cases: filters MLflow accepts
# with the runs they select, filters it rejects, orderings and limits,
# each with the MLflow test it comes from.  The file's head says how a line
# reads.  This script builds each fixture (a repository per group, as the
# MLflow test set it up) and runs every case as one test.
#
# Cases that need an exp-log feature not built yet (issue 7) name it in
# their PENDING field and are skipped unless MLFLOW_PENDING is 1 (all of
# them) or a comma-separated list of feature names:
#
#	MLFLOW_PENDING=1 make test T=t0209-exp-log-mlflow.sh
#	MLFLOW_PENDING=nan,status_case make test T=t0209-exp-log-mlflow.sh

CASES=$TEST_DIR/data/mlflow-search.cases
FEATURES='attr_alias status_case time_ms current_value nan inf datasets artifact_uri'

for f in $FEATURES; do
	case ",${MLFLOW_PENDING:-}," in
	*,1,*|*,"$f",*) eval "TEST_PREREQ_$f=1" ;;
	esac
done

# mf_label GROUP LABEL ID: remember that run ID of GROUP is called LABEL.
mf_label() {
	[ ${#3} = 32 ] && echo "$3 $2" >>"$TRASH/$1/labels"
}

# mf_run GROUP LABEL [start options]: start a run, label it, print its id.
mf_run() {
	mf_g=$1 mf_l=$2
	shift 2
	mf_id=$(exp-log -C "$TRASH/$mf_g" start "$@") &&
	mf_label "$mf_g" "$mf_l" "$mf_id" &&
	echo "$mf_id"
}

# ms N: the time N milliseconds after the epoch, for --time (N < 60000).
ms() {
	printf '1970-01-01T00:00:%02d.%03dZ' $(($1 / 1000)) $(($1 % 1000))
}

# Runs of one group that must differ in time are this far apart.
pause() {
	sleep 0.02
}

# ---- the fixtures, one repository per group

# test_filter, test_correct_quote_trimming: every key a valid filter names.
setup_parse() {
	new_repo parse >/dev/null &&
	p1=$(mf_run parse P1 -p m=tf -p "cat dog=pets" \
		-p model=LinearRegression -p model_class=LR -p p.a.r.a.m=a \
		-p b=val -t version=commit-hash -t "source_name=a notebook" \
		-t t.a.g=a -t a=x) &&
	exp-log -C parse metric -r "$p1" acc=0.95 "legit name=0.5" XYZ=3 \
		X-Y-Z=3 rmse=0.5 a=0.2 accuracy.2.0=6 "spacey name=6" &&
	p2=$(mf_run parse P2 -p m=LR -p "cat dog=cats" -p model=Ridge \
		-p model_class=LR -p p.a.r.a.m=b -p lr=0.01 -p b=val \
		-t source_name=script -t t.a.g=b) &&
	exp-log -C parse metric -r "$p2" acc=100 "legit name=0.1" XYZ=4 \
		X-Y-Z=2 rmse=2 a=0.05 accuracy.2.0=4 "spacey name=4" &&
	p3=$(mf_run parse P3 -p "m=L'Hosp") &&
	exp-log -C parse metric -r "$p3" acc=0.5
}

# test_correct_filtering, test_correct_sorting (runs 0, 1, 2, the last in
# another experiment), test_space_order_by_search_runs, and
# test_filter_runs_by_user_id's user-id2.
setup_utils() {
	new_repo utils >/dev/null &&
	u0=$(USER=user-id exp-log -C utils start -e e0 -p my_param=A) &&
	mf_label utils u0 "$u0" &&
	exp-log -C utils metric -r "$u0" --step 0 --time "$(ms 1)" \
		key1=121 "Mean Square Error=3" &&
	exp-log -C utils end -r "$u0" --status failed &&
	pause &&
	u1=$(USER=user-id exp-log -C utils start -e e0 -p my_param=A \
		-t tag1=C) &&
	mf_label utils u1 "$u1" &&
	exp-log -C utils metric -r "$u1" --step 0 --time "$(ms 1)" \
		key1=123 "Mean Square Error=1" &&
	exp-log -C utils end -r "$u1" &&
	pause &&
	u2=$(USER=user-id2 exp-log -C utils start -e e1 -p my_param=B \
		-t tag1=D) &&
	mf_label utils u2 "$u2" &&
	exp-log -C utils metric -r "$u2" --step 0 --time "$(ms 1)" \
		key1=125 "Mean Square Error=2" &&
	exp-log -C utils end -r "$u2" --status failed
}

# test_search_params, test_search_tags, test_search_metrics and
# test_search_full on one pair of runs: each test's filters name only keys
# of its own.  Every metric point is at step 0, at MLflow's timestamps.
setup_store() {
	new_repo store >/dev/null &&
	r1=$(mf_run store r1 -e search) &&
	r2=$(mf_run store r2 -e search) &&
	exp-log -C store param -r "$r1" generic_param=p_val \
		"generic_2=some value" p_a=abc &&
	exp-log -C store param -r "$r2" generic_param=p_val \
		"generic_2=another value" p_b=ABC &&
	exp-log -C store tag -r "$r1" generic_tag=p_val \
		"generic_2=some value" p_a=abc &&
	exp-log -C store tag -r "$r2" generic_tag=p_val \
		"generic_2=another value" p_b=ABC &&
	for point in "$r1 1 common=1.0" "$r2 1 common=1.0" \
		"$r1 1 measure_a=1.0" "$r2 2 measure_a=200.0" \
		"$r2 3 measure_a=400.0" "$r1 2 m_a=2.0" "$r2 2 m_b=3.0" \
		"$r2 8 m_b=4.0" "$r2 3 m_b=8.0"; do
		set -- $point &&
		exp-log -C store metric -r "$1" --step 0 --time "$(ms $2)" "$3" ||
		return 1
	done
}

# test_log_metric_allows_multiple_values_at_same_ts_and_run_data_uses_max_ts_value:
# (step, time in ms, value), logged last first as MLflow does.
setup_current() {
	new_repo current >/dev/null &&
	c1=$(mf_run current c1) &&
	for point in "-1 800 800" "-3 900 900" "3 50 20" "3 50 20" \
		"3 50 10" "3 40 100" "0 100 1000"; do
		set -- $point &&
		exp-log -C current metric -r "$c1" --step="$1" \
			--time "$(ms $2)" "test-metric-1=$3" || return 1
	done
}

# test_search_attrs: two experiments; r2 failed.
setup_attrs() {
	new_repo attrs >/dev/null &&
	r1=$(mf_run attrs r1 -e search_attributes_1 -n name) &&
	r2=$(mf_run attrs r2 -e search_attrs_2 -n name) &&
	exp-log -C attrs end -r "$r2" --status failed
}

# test_search_runs_run_name and test_search_runs_run_id.
setup_names() {
	new_repo runname >/dev/null &&
	mf_run runname run1 -n run_name1 >/dev/null &&
	mf_run runname run2 -n run_name2 >/dev/null &&
	new_repo runid >/dev/null &&
	mf_run runid run1 -n name >/dev/null &&
	pause &&
	mf_run runid run2 -n name >/dev/null
}

# test_filter_runs_by_start_time, _by_end_time,
# test_search_runs_start_time_alias: a, b, c start in that order and end
# in that order, each run lasting two pauses or more.
setup_times() {
	new_repo times >/dev/null &&
	a=$(mf_run times a -n name) && pause &&
	b=$(mf_run times b -n name) && pause &&
	c=$(mf_run times c -n name) && pause &&
	exp-log -C times end -r "$a" && pause &&
	exp-log -C times end -r "$b" && pause &&
	exp-log -C times end -r "$c"
}

# test_order_by_attributes: runs named by their MLflow end time, started
# in MLflow's order and ended in the order of those times; None runs on.
setup_endtime() {
	new_repo endtime >/dev/null &&
	for end in 234 None 456 -123 789 123; do
		mf_run endtime "$end" -n "$end" >/dev/null && pause || return 1
	done &&
	for end in -123 123 234 456 789; do
		id=$(awk -v l="$end" '$2 == l { print $1 }' endtime/labels) &&
		exp-log -C endtime end -r "$id" && pause || return 1
	done
}

# test_order_by_metric_with_nans_infs_nones: the run without x (None) is
# the newest, so that NaN sorting apart from missing values shows.
setup_nans() {
	new_repo nans >/dev/null &&
	for x in nan inf -inf -1000 0 1000; do
		id=$(mf_run nans "$x") &&
		exp-log -C nans metric -r "$id" "x=$x" && pause || return 1
	done &&
	mf_run nans None >/dev/null
}

# test_order_by_metric_tag_param: runs x/y, started in MLflow's order.
setup_nan8() {
	new_repo nan8 >/dev/null &&
	y=0 &&
	for x in None nan inf -inf -1000 0 0 1000; do
		y=$((y + 1)) &&
		id=$(mf_run nan8 "$x/$y" -n "$x/$y" -t "metric=$y" \
			-p "metric=$y") || return 1
		if [ "$x" != None ]; then
			exp-log -C nan8 metric -r "$id" "x=$x" "y=$y" || return 1
		fi
		pause
	done
}

# test_search_runs_datasets (run1 started first, then run3, then run2) and
# test_search_runs_datasets_with_param_filters (dp1, dp2).
sha() {
	printf '%064d' 0 | tr 0 "$1"
}
setup_datasets() {
	new_repo datasets >/dev/null &&
	run1=$(mf_run datasets run1) && pause &&
	run3=$(mf_run datasets run3) && pause &&
	run2=$(mf_run datasets run2) &&
	exp-log -C datasets input -r "$run1" name1 --digest "$(sha 1)" \
		--context train &&
	exp-log -C datasets input -r "$run1" name2 --digest "$(sha 2)" \
		--context eval &&
	exp-log -C datasets input -r "$run2" name1 --digest "$(sha 1)" \
		--context train &&
	exp-log -C datasets input -r "$run2" name3 --digest "$(sha 3)" \
		--context eval &&
	exp-log -C datasets input -r "$run3" name2 --digest "$(sha 2)" \
		--context test &&
	dp1=$(mf_run datasets dp1 -p learning_rate=0.01 -p batch_size=32) &&
	dp2=$(mf_run datasets dp2 -p learning_rate=0.02) &&
	exp-log -C datasets input -r "$dp1" train_data --digest "$(sha 4)" \
		--context training &&
	exp-log -C datasets input -r "$dp2" train_data --digest "$(sha 4)" \
		--context training
}

# ---- running a case

# mf_id GROUP LABEL: the id of a labelled run.
mf_id() {
	mf_i=$(awk -v l="$2" '$2 == l { print $1 }' "$TRASH/$1/labels") &&
	[ ${#mf_i} = 32 ] && echo "$mf_i" && return 0
	echo "no run labelled '$2' in group $1" >&2
	return 1
}

# mf_time_ms GROUP start|end LABEL: the run's start or end time, in whole
# milliseconds since the epoch (rounded down), read from ls --columns.
mf_time_ms() {
	mf_i=$(mf_id "$1" "$3") &&
	exp-log -C "$TRASH/$1" ls --columns start_time,end_time >"$TRASH/.mf-cols" &&
	case $2 in start) mf_f=6 ;; *) mf_f=7 ;; esac &&
	mf_t=$(awk -F '\t' -v id="$mf_i" -v f=$mf_f '$1 == id { print $f }' \
		"$TRASH/.mf-cols") &&
	[ -n "$mf_t" ] &&
	date -u -d "$mf_t" +%s%3N
}

# mf_value GROUP PLACEHOLDER: what a {PLACEHOLDER} of a case stands for.
mf_value() {
	mf_old=$IFS
	IFS=:
	set -- "$1" $2
	IFS=$mf_old
	case $2 in
	id|ID|idhead|IDHEAD|idtail|IDTAIL)
		mf_v=$(mf_id "$1" "$3") || return 1
		case $2 in
		idhead|IDHEAD) mf_v=$(echo "$mf_v" | cut -c1-16) ;;
		idtail|IDTAIL) mf_v=$(echo "$mf_v" | cut -c17-32) ;;
		esac
		case $2 in [A-Z]*) mf_v=$(echo "$mf_v" | tr a-f A-F) ;; esac
		printf '%s' "$mf_v" ;;
	uri|URI)
		mf_i=$(mf_id "$1" "$3") &&
		exp-log -C "$TRASH/$1" ls --columns attributes.artifact_uri \
			>"$TRASH/.mf-cols" &&
		mf_v=$(awk -F '\t' -v id="$mf_i" '$1 == id { print $6 }' \
			"$TRASH/.mf-cols") &&
		[ -n "$mf_v" ] || return 1
		case $2 in URI) mf_v=$(printf '%s' "$mf_v" | tr a-z A-Z) ;; esac
		printf '%s' "$mf_v" ;;
	mid)
		# A whole number n with floor(A) < n < floor(B): above A and
		# below B whether times are compared exact, truncated or
		# rounded to milliseconds.
		mf_a=$(mf_time_ms "$1" "$3" "$4") &&
		mf_b=$(mf_time_ms "$1" "$3" "$5") || return 1
		if [ $((mf_b - mf_a)) -lt 2 ]; then
			echo "runs $4 and $5 are not 2 ms apart" >&2
			return 1
		fi
		echo $(((mf_a + mf_b) / 2)) ;;
	after)
		mf_a=$(mf_time_ms "$1" "$3" "$4") || return 1
		echo $((mf_a + 2)) ;;
	sha)
		sha "$3" ;;
	*)
		echo "unknown placeholder {$2}" >&2
		return 1 ;;
	esac
}

# mf_expand GROUP TEXT: TEXT with its {placeholders} filled in.
mf_expand() {
	mf_done= mf_rest=$2
	while :; do
		case $mf_rest in *'{'*'}'*) ;; *) break ;; esac
		mf_done=$mf_done${mf_rest%%\{*}
		mf_rest=${mf_rest#*\{}
		mf_ph=${mf_rest%%\}*}
		mf_rest=${mf_rest#*\}}
		mf_v=$(mf_value "$1" "$mf_ph") || return 1
		mf_done=$mf_done$mf_v
	done
	printf '%s' "$mf_done$mf_rest"
}

# mf_runs GROUP set|list WANT [ls options]: exp-log ls --ids in GROUP
# lists the runs labelled WANT ('-': none), in any order (set) or in that
# order (list).
mf_runs() {
	mf_g=$1 mf_mode=$2 mf_want=$3
	shift 3
	exp-log -C "$TRASH/$mf_g" ls --ids "$@" >"$TRASH/.mf-ids" || {
		echo "exp-log ls exited $?" >&2
		return 1
	}
	awk -v mode="$mf_mode" -v want="$mf_want" '
	NR == FNR { label[$1] = $2; next }
	{ got[++n] = ($1 in label) ? label[$1] : "?" $1 }
	END {
		m = want == "-" ? 0 : split(want, w, " ")
		ok = m == n
		for (i = 1; ok && i <= n; i++)
			if (mode == "list" && got[i] != w[i])
				ok = 0
		if (mode == "set") {
			for (i = 1; i <= m; i++)
				count[w[i]]++
			for (i = 1; i <= n; i++)
				if (--count[got[i]] < 0)
					ok = 0
		}
		if (!ok) {
			printf "want:"
			for (i = 1; i <= m; i++)
				printf " %s", w[i]
			printf "\ngot: "
			for (i = 1; i <= n; i++)
				printf " %s", got[i]
			print ""
			exit 1
		}
	}' "$TRASH/$mf_g/labels" "$TRASH/.mf-ids" >&2
}

# mf_ordered GROUP KEYS WANT: mf_runs with an --order-by for each of the
# keys in KEYS, separated by ';' (none when KEYS is empty).
mf_ordered() {
	mf_g=$1 mf_keys=$2 mf_want=$3
	set --
	if [ -n "$mf_keys" ]; then
		mf_old=$IFS
		IFS=';'
		set -f
		for mf_k in $mf_keys; do
			set -- "$@" --order-by "$mf_k"
		done
		set +f
		IFS=$mf_old
	fi
	mf_runs "$mf_g" list "$mf_want" "$@"
}

# mf_rejected GROUP [ls options]: exp-log ls exits 2, prints nothing on
# standard output, and one "exp-log: error:" line (then hint lines only)
# on standard error.
mf_rejected() {
	mf_g=$1
	shift
	test_expect_code 2 exp-log -C "$TRASH/$mf_g" ls --ids "$@" \
		>"$TRASH/.mf-out" 2>"$TRASH/.mf-err" &&
	test_line_count = 0 "$TRASH/.mf-out" &&
	awk 'NR == 1 && !/^exp-log: error: ./ { bad = 1 }
	     NR > 1 && !/^hint: / { bad = 1 }
	     END { exit bad || NR == 0 }' "$TRASH/.mf-err" || {
		echo "not one error line:" >&2
		cat "$TRASH/.mf-err" >&2
		return 1
	}
}

# check KIND GROUP TEXT EXPECT: run one case.
check() {
	echo "case: $1|$2|$3|$4"
	case $3 in
	*'{'*) mf_text=$(mf_expand "$2" "$3") || return 1 ;;
	*) mf_text=$3 ;;
	esac
	case $1 in
	match)
		mf_runs "$2" set "$4" --filter "$mf_text" ;;
	extension)
		mf_runs "$2" set "$4" --filter "$mf_text" ;;
	order|extension-order)
		mf_ordered "$2" "$mf_text" "$4" ;;
	limit)
		mf_runs "$2" list "$4" --limit "$mf_text" ;;
	reject)
		mf_rejected "$2" --filter "$mf_text" ;;
	reject-order)
		mf_rejected "$2" --order-by "$mf_text" ;;
	*)
		echo "unknown kind '$1'" >&2
		return 1 ;;
	esac
}

# ---- the tests

test_expect_success 'the case file is well formed and holds 100 cases or more' '
	awk -F "|" -v features="- $FEATURES" "
	BEGIN {
		split(\"match order limit reject reject-order extension extension-order\", k, \" \")
		for (i in k) kinds[k[i]] = 1
		split(\"parse utils store current attrs runname runid times endtime nans nan8 datasets\", g, \" \")
		for (i in g) groups[g[i]] = 1
		split(features, f, \" \")
		for (i in f) known[f[i]] = 1
	}
	/^#/ || /^\$/ { next }
	{ n++ }
	NF != 6 { print \"not six fields: \" \$0; bad = 1 }
	!(\$1 in kinds) { print \"unknown kind: \" \$0; bad = 1 }
	!(\$2 in groups) { print \"unknown group: \" \$0; bad = 1 }
	\$4 == \"\" { print \"no EXPECT: \" \$0; bad = 1 }
	{
		m = split(\$5, p, \",\")
		for (i = 1; i <= m; i++)
			if (!(p[i] in known)) { print \"unknown feature: \" \$0; bad = 1 }
	}
	END {
		if (n < 100) { print n \" cases\"; bad = 1 }
		exit bad
	}" "$CASES"
'

test_expect_success 'setup parse: three runs with the keys of test_filter' 'setup_parse'
test_expect_success 'setup utils: the runs of test_correct_filtering and _sorting' 'setup_utils'
test_expect_success 'setup store: the runs of test_search_params, _tags, _metrics' 'setup_store'
test_expect_success 'setup current: points that differ in step, time and value' 'setup_current'
test_expect_success 'setup attrs: the runs of test_search_attrs' 'setup_attrs'
test_expect_success 'setup runname, runid: two named runs each' 'setup_names'
test_expect_success 'setup times: three runs started and ended in turn' 'setup_times'
test_expect_success 'setup endtime: the runs of test_order_by_attributes' 'setup_endtime'
test_expect_success 'setup nans: nan, inf, -inf, numbers and none' 'setup_nans'
test_expect_success 'setup nan8: the runs of test_order_by_metric_tag_param' 'setup_nan8'
test_expect_success 'setup datasets: inputs of test_search_runs_datasets' 'setup_datasets'

# One test a case; the body reads the case from these variables, which
# hold the current line's fields while test_expect_success runs it.
n_match=0 n_order=0 n_limit=0 n_reject=0 n_reject_order=0 n_extension=0
n_extension_order=0 n_skipped=0
while IFS='|' read -r kind group text expect pending origin; do
	case $kind in "#"*|"") continue ;; esac
	prereq=
	[ "$pending" = - ] || prereq=$pending
	desc="$kind $group: $text ($origin)"
	# A '#' in a TAP description would start a directive.
	case $desc in
	*"#"*)
		rest=$desc desc=
		while :; do
			case $rest in *"#"*) ;; *) break ;; esac
			desc="$desc${rest%%#*}\\#"
			rest=${rest#*#}
		done
		desc=$desc$rest ;;
	esac
	if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
		n_skipped=$((n_skipped + 1))
	else
		case $kind in
		match) n_match=$((n_match + 1)) ;;
		order) n_order=$((n_order + 1)) ;;
		limit) n_limit=$((n_limit + 1)) ;;
		reject) n_reject=$((n_reject + 1)) ;;
		reject-order) n_reject_order=$((n_reject_order + 1)) ;;
		extension) n_extension=$((n_extension + 1)) ;;
		extension-order) n_extension_order=$((n_extension_order + 1)) ;;
		esac
	fi
	test_expect_success $prereq "$desc" \
		'check "$kind" "$group" "$text" "$expect"'
done <"$CASES"

echo "# MLflow cases run: $n_match match, $n_order order, $n_limit limit," \
	"$n_reject reject, $n_reject_order reject-order, $n_extension extension," \
	"$n_extension_order extension-order; $n_skipped pending, skipped" \
	"(MLFLOW_PENDING=1 runs them)"

test_done
