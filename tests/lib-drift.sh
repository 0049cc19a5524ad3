# Helpers of the drift-check tests (t0600-t0605), sourced after
# test-lib.sh: reading fields out of `drift-check --json` and comparing
# scores.  The JSON is one line; a column's object holds no
# nested object, so it runs from its '{"column":"NAME",' to the next '}'.

DRIFT_DATA=$TEST_DIR/data/drift

# jfield KEY: the first value of "KEY" in one-line JSON on stdin (a
# number, true/false/null, or a string with its quotes).
jfield() {
	grep -o "\"$1\":\(\"[^\"]*\"\|[^,}]*\)" | head -n 1 | sed "s/^\"$1\"://"
}
# colfield COLUMN KEY: field KEY of column COLUMN's object in a --json
# result on stdin, without quotes.
colfield() {
	tr '{' '\n' | grep -F "\"column\":\"$1\"" | jfield "$2" | tr -d '"'
}
# near A B TOL: |A - B| <= TOL
near() {
	awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}

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

# The comparisons, in awk, for dc_same, dc_near and dc_check.
#   same(GOT, WANT): numbers to 1e-6 relative (both below 1e-300 in
#	magnitude count as equal), null and nan as one, anything else as
#	text;
#   near(GOT, WANT, TOL): the number GOT within TOL of WANT, as
#	pytest.approx(WANT, abs=TOL) has it (TOL 0: equal).
DC_AWK='
function num(s) {
	return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/
}
function abs(x) { return x < 0 ? -x : x }
function same(got, want,  g, w) {
	g = tolower(got); w = tolower(want)
	if (g == "nan") g = "null"
	if (w == "nan") w = "null"
	if (!num(g) || !num(w))
		return g == w
	g += 0; w += 0
	if (abs(g) < 1e-300 && abs(w) < 1e-300)
		return 1
	return abs(g - w) <= 1e-6 * abs(w)
}
function near(got, want, tol) {
	return num(got) && abs(got - want) <= tol + 0
}
'

# dc_same GOT WANT, dc_near GOT WANT TOL: the comparisons above.
dc_same() {
	awk -v got="$1" -v want="$2" "$DC_AWK"' BEGIN { exit !same(got, want) }'
}
dc_near() {
	awk -v got="$1" -v want="$2" -v tol="$3" "$DC_AWK"'
	BEGIN { exit !near(got, want, tol) }'
}

# dc_check FILE COLUMN SPEC...: check the JSON of drift-check --json in
# FILE, one process for all: each SPEC is FIELD=VALUE (same()) or
# FIELD=VALUE~TOL (near()), FIELD a field of column COLUMN's object, or
# all.FIELD of the top level.  Prints what differs on one line and fails,
# or prints nothing.  The JSON is one line; a column's object holds no
# nested object, so it runs from its {"column":"COLUMN", to the next }.
dc_check() {
	dc_file=$1 dc_col=$2
	shift 2
	awk -v col="$dc_col" -v specs="$*" "$DC_AWK"'
	function get(o, k,  v) {
		if (!match(o, "\"" k "\": *(\"[^\"]*\"|[^,}]*)"))
			return "(none)"
		v = substr(o, RSTART, RLENGTH)
		sub(/^"[^"]*": */, "", v)
		gsub(/"/, "", v)
		return v
	}
	{ json = json $0 }
	END {
		if (!match(json, /"columns": *\[/)) {
			print "no columns in the output"
			exit 1
		}
		top = substr(json, 1, RSTART - 1)
		rest = substr(json, RSTART)
		if (!match(rest, "[{] *\"column\": *\"" col "\" *,[^}]*[}]")) {
			print "no column " col " in the output"
			exit 1
		}
		obj = substr(rest, RSTART, RLENGTH)
		n = split(specs, spec, " ")
		for (i = 1; i <= n; i++) {
			eq = index(spec[i], "=")
			f = substr(spec[i], 1, eq - 1)
			w = substr(spec[i], eq + 1)
			tol = ""
			if ((t = index(w, "~")) > 0) {
				tol = substr(w, t + 1)
				w = substr(w, 1, t - 1)
			}
			g = f ~ /^all[.]/ ? get(top, substr(f, 5)) : get(obj, f)
			if (tol != "" ? !near(g, w, tol) : !same(g, w)) {
				printf " %s=%s (want %s)", f, g, substr(spec[i], eq + 1)
				bad = 1
			}
		}
		if (bad)
			print ""
		exit bad
	}' "$dc_file"
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
