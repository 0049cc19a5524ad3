# Helpers of the exp-log filter tests (t0203, t0210), sourced after
# test-lib.sh.

# The names of the runs a filter matches, sorted, on one line.
names() {
	exp-log ls --filter "$1" >ls.out || return 1
	cut -f3 ls.out | sort | tr "\n" " " | sed "s/ $//"
}

check() { # check FILTER EXPECTED-NAMES
	got=$(names "$1") || { echo "ls failed for: $1"; return 1; }
	test "$got" = "$2" || { echo "filter: $1"; echo "want: $2"; echo "got:  $got"; return 1; }
}

# Four runs in experiments A and B (alpha, beta, gamma, delta; delta's auc
# is NaN); their ids, in that order, go to the file ids.
four_runs() {
	r1=$(exp-log start -e A -n alpha -p model=xgb -p lr=0.01 -t team=ml) &&
	exp-log metric -r $r1 auc=0.91 loss=0.3 &&
	r2=$(exp-log start -e A -n beta -p model=lgbm -p lr=0.1 -t team=infra) &&
	exp-log metric -r $r2 auc=0.85 loss=0.4 &&
	r3=$(exp-log start -e B -n gamma -p model=xgb -p lr=1e-3) &&
	exp-log metric -r $r3 auc=0.95 &&
	r4=$(exp-log start -e B -n delta -p model=rf) &&
	exp-log metric -r $r4 auc=nan loss=0.2 "val loss=0.5" &&
	echo "$r1 $r2 $r3 $r4" >ids
}
