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
