# Helpers of the drift-check conformance tests (t0601, t0602), sourced
# after test-lib.sh: reading fields out of `drift-check --json` and
# comparing scores.  The JSON is one line; a column's object holds no
# nested object, so it runs from its '{"column":"NAME",' to the next '}'.

DRIFT_DATA=$TEST_DIR/data/drift

# dc_setup_data: copy the drift data files into $TRASH/data and cut the
# derived ones from them, exactly as data/drift/make-refs.py describes
# (its docstring) and does: by lines, the text unchanged.
dc_setup_data() {
	mkdir -p "$TRASH/data" &&
	cp "$DRIFT_DATA"/*.csv "$TRASH/data/" &&
	(
		cd "$TRASH/data" &&
		head -n 5001 randhie-a.csv >randhie-a5k.csv &&
		head -n 5001 randhie-b.csv >randhie-b5k.csv &&
		head -n 3001 randhie-b.csv >randhie-b3k.csv &&
		col=$(head -n 1 randhie-a.csv | tr , "\n" | grep -n "^hlthg$" |
		      cut -d: -f1) &&
		test -n "$col" &&
		for v in 1 0; do
			{
				head -n 1 randhie-a.csv &&
				awk -F, -v c="$col" -v v="$v" \
					'FNR > 1 && $c == v' randhie-a.csv randhie-b.csv
			} >randhie-hlthg$v.csv || exit 1
		done
	)
}

# dc_column FILE COL: the inside of column COL's object in the JSON in FILE
# (nothing when there is none).
dc_column() {
	sed -n "s/.*{ *\"column\": *\"$2\" *,\([^}]*\)}.*/\1/p" "$1"
}

# dc_top FILE: the top-level fields of the JSON in FILE (the columns cut).
dc_top() {
	sed 's/"columns": *\[.*//' "$1"
}

# dc_get FIELD: the value of FIELD in the object text on stdin, quotes
# stripped: a number, true, false, null or a string.
dc_get() {
	sed -n "s/.*\"$1\": *\(\"[^\"]*\"\|[^,}]*\).*/\1/p" | tr -d '"'
}

# dc_same GOT WANT: true when a result equals its reference: numbers to
# 1e-6 relative (both below 1e-300 in magnitude count as equal), null and
# nan as one, anything else as text.
dc_same() {
	awk -v got="$1" -v want="$2" '
	function num(s) {
		return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
	}
	function abs(x) { return x < 0 ? -x : x }
	BEGIN {
		g = tolower(got); w = tolower(want)
		if (g == "nan") g = "null"
		if (w == "nan") w = "null"
		if (!num(g) || !num(w))
			exit !(g == w)
		g += 0; w += 0
		if (abs(g) < 1e-300 && abs(w) < 1e-300)
			exit 0
		exit !(abs(g - w) <= 1e-6 * abs(w))
	}'
}

# dc_near GOT WANT TOL: true when the number GOT is within TOL of WANT,
# as pytest.approx(WANT, abs=TOL) has it (TOL 0: equal).
dc_near() {
	awk -v got="$1" -v want="$2" -v tol="$3" '
	function abs(x) { return x < 0 ? -x : x }
	BEGIN {
		if (got !~ /^[-+]?[0-9.]+([eE][-+]?[0-9]+)?$/)
			exit 1
		exit !(abs(got - want) <= tol + 0)
	}'
}

# dc_expect_known DESCRIPTION WHY BODY: a test of a known disagreement,
# reported and not yet resolved, as a TAP TODO test (git's
# test_expect_failure): it runs as test_expect_success does, but its
# failure does not count against the file, and prove lists it as a TODO
# that passed once it passes.
dc_expect_known() {
	dc_failed_before=$test_failed
	test_expect_success "$1 # TODO known: $2" "$3"
	test_failed=$dc_failed_before
}
