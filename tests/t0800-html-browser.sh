#!/bin/sh
test_description='the HTML reports in a real headless browser: no console error, every chart drawn, a screenshot'
. ./test-lib.sh
. "$TEST_DIR/lib-browser.sh"

# The screenshots are written in this file's trash directory, $TRASH
# (kept when a test fails, or always with MLREPO_TEST_KEEP=1): drift.png
# is the drift-check report, the others the planted faults.  With
# MLREPO_SCREENSHOTS=DIR they are copied to DIR as well, so that a person
# can look at them after a passing run:
#   make test T=t0800-html-browser.sh MLREPO_SCREENSHOTS=/tmp/shots
browser_skip_unless_ready

# A page of the shape browser_check looks for, and the same page with one
# fault planted in it ($1): what the negative tests change is that fault
# alone.
plant_page() {
	{
		echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
		echo "<title>planted: $1</title></head><body><h1>$1</h1>"
		echo '<svg id="one" width="300" height="120" xmlns="http://www.w3.org/2000/svg">'
		echo '<rect x="10" y="20" width="80" height="90" fill="#4c78a8"/></svg>'
		case $1 in
		zero-svg) echo '<svg id="two" width="0" height="120" xmlns="http://www.w3.org/2000/svg">' ;;
		hidden-svg) echo '<svg id="two" style="display:none" width="300" height="120" xmlns="http://www.w3.org/2000/svg">' ;;
		*) echo '<svg id="two" width="300" height="120" xmlns="http://www.w3.org/2000/svg">' ;;
		esac
		case $1 in
		empty-svg) ;;
		cut-label)
			echo '<rect x="10" y="40" width="80" height="70" fill="#f58518"/>'
			echo '<text x="250" y="60">a label too long for its chart</text>' ;;
		*) echo '<rect x="10" y="40" width="80" height="70" fill="#f58518"/>' ;;
		esac
		echo '</svg>'
		case $1 in
		console-error)
			echo '<script>console.error("planted console error")</script>' ;;
		exception)
			echo '<script>undefinedFunctionCalled()</script>' ;;
		missing-image)
			echo '<img src="no-such-image.png" alt="none">' ;;
		missing-style)
			echo '<link rel="stylesheet" href="no-such-style.css">' ;;
		esac
		echo '</body></html>'
	} >"$1.html"
}

test_expect_success 'a clean page with two charts passes, with a PNG screenshot' '
	plant_page clean &&
	browser_check clean.html clean.png 2 >out &&
	test_grep "2 charts (300x120 300x120)" out &&
	test_grep "0 console entries" out &&
	test -s clean.png
'

test_expect_success 'a page with fewer charts than asked for fails' '
	plant_page clean &&
	test_must_fail browser_check clean.html fewer.png 3 2>err &&
	test_grep "2 <svg> charts, expected at least 3" err
'

test_expect_success 'console.error in the page fails the check' '
	plant_page console-error &&
	test_must_fail browser_check console-error.html console-error.png 2 \
		2>err &&
	test_grep "console console-api: .*planted console error" err
'

test_expect_success 'an uncaught exception fails the check' '
	plant_page exception &&
	test_must_fail browser_check exception.html exception.png 2 2>err &&
	test_grep "console javascript: .*undefinedFunctionCalled" err
'

test_expect_success 'an image or a style sheet that fails to load fails it' '
	plant_page missing-image &&
	test_must_fail browser_check missing-image.html missing-image.png 2 \
		2>err &&
	test_grep "no-such-image.png" err &&
	plant_page missing-style &&
	test_must_fail browser_check missing-style.html missing-style.png 2 \
		2>err &&
	test_grep "console network: .*no-such-style.css" err
'

test_expect_success 'an svg of zero width fails the check' '
	plant_page zero-svg &&
	test_must_fail browser_check zero-svg.html zero-svg.png 2 2>err &&
	test_grep "svg 2 (#two) is rendered 0x120: no area" err
'

test_expect_success 'a label that its svg cuts at the edge fails the check' '
	plant_page cut-label &&
	test_must_fail browser_check cut-label.html cut-label.png 2 2>err &&
	test_grep "svg 2 (#two) cuts 1 of its texts at its edge: .a label too long" err
'

test_expect_success 'an svg that is not displayed, or draws nothing, fails it' '
	plant_page hidden-svg &&
	test_must_fail browser_check hidden-svg.html hidden-svg.png 2 2>err &&
	test_grep "svg 2 (#two) is rendered 0x0: no area" err &&
	plant_page empty-svg &&
	test_must_fail browser_check empty-svg.html empty-svg.png 2 2>err &&
	test_grep "svg 2 (#two) draws no shape" err
'

# Real data: the weekly CO2 readings of Mauna Loa, 1958-1979 as the
# reference and 1980-2001 as the current data, with the month of each
# reading as a categorical column (which stays: the season is the same).
test_expect_success SHARED 'setup: co2.csv split into early and late years' '
	awk -F, -v OFS=, "
		NR == 1 { print \$0, \"month\" >\"early.csv\"
			  print \$0, \"month\" >\"late.csv\"; next }
		{
			split(\"Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec\", mn, \" \")
			line = \$0 \",\" mn[substr(\$1, 5, 2) + 0]
			if (substr(\$1, 1, 4) < 1980) print line >\"early.csv\"
			else print line >\"late.csv\"
		}" "$SHARED_DATA/co2.csv" &&
	test "$(sed -n 2p early.csv)" = "19580329,316.1,Mar" &&
	test "$(tail -n 1 late.csv)" = "20011229,371.5,Dec" &&
	test $(($(wc -l <early.csv) + $(wc -l <late.csv))) = \
	     $(($(wc -l <"$SHARED_DATA/co2.csv") + 1))
'

test_expect_success SHARED 'drift-check --html on co2: one chart per column, clean in the browser' '
	test_expect_code 1 drift-check -q --html drift.html early.csv late.csv &&
	ncols=$(head -n 1 early.csv | tr , "\n" | wc -l) &&
	test "$ncols" = 3 &&
	browser_check drift.html drift.png "$ncols" >out &&
	test_grep " $ncols charts " out &&
	test_grep "0 console entries" out
'

# exp-log report: three runs of a real training loop on co2.csv (a
# least-squares line fitted by gradient descent, one ::metric line a
# step), one chart per metric.
test_expect_success SHARED 'exp-log report: one chart per metric, clean in the browser' '
	mlrepo init -q runs &&
	cat >runs/fit.awk <<-\EOF &&
	BEGIN { FS = "," }
	NR > 1 && $2 != "" { n++; x[n] = (NR - 1000) / 1000; y[n] = ($2 - 340) / 20 }
	END {
		for (s = 1; s <= 30; s++) {
			ga = gb = loss = 0
			for (i = 1; i <= n; i++) {
				e = a + b * x[i] - y[i]; loss += e * e
				ga += e; gb += e * x[i]
			}
			a -= lr * 2 * ga / n; b -= lr * 2 * gb / n
			printf "::metric loss=%.6g step=%d\n", loss / n, s
			printf "::metric slope=%.6g step=%d\n", b, s
		}
		printf "::metric final=%.6g\n", loss / n
	}
	EOF
	for lr in 0.05 0.2 0.5; do
		exp-log -C runs run -q -e fit -n "lr=$lr" -p lr=$lr -- \
			awk -v lr=$lr -f fit.awk "$SHARED_DATA/co2.csv" >/dev/null ||
			return 1
	done &&
	exp-log -C runs report -e fit -o "$PWD/report.html" &&
	test "$(grep -c "<svg" report.html)" -ge 3 &&
	browser_check report.html report.png 3 >out &&
	test_grep " 3 charts " out &&
	test_grep "0 console entries" out
'

test_done
