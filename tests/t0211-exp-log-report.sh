#!/bin/sh
test_description='exp-log report: one HTML page of runs and curves; sparklines on a terminal'
. ./test-lib.sh

# util-linux's script(1) gives a command a terminal for the sparklines
if script --version 2>/dev/null | grep -q util-linux; then
	TEST_PREREQ_SCRIPT=1
else
	echo "# util-linux script(1) not found: the terminal tests are skipped"
fi

# page.py FILE: what a reader of the page sees, one fact a line, from
# Python's own HTML parser (entities decoded):
#   col NAME                       a header cell of the runs table
#   row ID<TAB>CELL<TAB>CELL...     a row of it (ID from data-run)
#   svg METRIC WIDTH HEIGHT VIEWBOX
#   curve METRIC ID N               a polyline of N points, or a marker (1)
#   legend METRIC LABEL
#   bad WHAT                        a script, or a src or href to a URL
test_expect_success PYTHON3 'setup: the page reader' '
	cat >page.py <<-\EOF
	import sys
	from html.parser import HTMLParser

	class Page(HTMLParser):
	    def __init__(self):
	        super().__init__()
	        self.metric = None
	        self.cell = None
	        self.row = None
	        self.legend = None
	    def handle_starttag(self, tag, attrs):
	        a = dict(attrs)
	        for k in ("src", "href"):
	            if k in a and ":" in a[k]:
	                print("bad", k, a[k])
	        if tag == "script":
	            print("bad script")
	        if tag == "tr" and "data-run" in a:
	            self.row = [a["data-run"]]
	        if tag in ("td", "th"):
	            self.cell = ""
	        if tag == "svg":
	            self.metric = a.get("data-metric")
	            print("svg", self.metric, a["width"], a["height"], a["viewbox"])
	        if tag == "polyline" and "data-run" in a:
	            print("curve", self.metric, a["data-run"], len(a["points"].split()))
	        if tag == "circle" and "data-run" in a:
	            print("curve", self.metric, a["data-run"], 1)
	        if tag == "li":
	            self.legend = ""
	    def handle_endtag(self, tag):
	        if tag == "th" and self.cell is not None:
	            print("col", self.cell)
	        if tag == "td" and self.row is not None:
	            self.row.append(self.cell)
	        if tag in ("td", "th"):
	            self.cell = None
	        if tag == "tr" and self.row:
	            print("row", "\t".join(self.row))
	            self.row = None
	        if tag == "li":
	            print("legend", self.metric, self.legend)
	            self.legend = None
	    def handle_data(self, data):
	        if self.cell is not None:
	            self.cell += data
	        if self.legend is not None:
	            self.legend += data

	Page().feed(open(sys.argv[1], encoding="utf-8").read())
	EOF
	echo ok
'

# Four runs:
#   alpha (A): lr=0.1 model=xgb; loss 1, 0.8, 0.6, 0.5, 0.45 at steps 0-4,
#              acc 0.5 0.7 0.9 at steps 0-2
#   beta (A):  lr=0.01; loss 2 once (a marker)
#   g<a>&"m (B): note=<b>&"x"; loss 3, 2, NaN, 1 at steps 0-3 (NaN not drawn)
#   long (B):  wave, 2500 steps (drawn by 1000 points)
test_expect_success 'setup: four runs' '
	r1=$(exp-log start -e A -n alpha -p lr=0.1 -p model=xgb) &&
	i=0 && for v in 1 0.8 0.6 0.5 0.45; do
		exp-log metric -r $r1 --step $i loss=$v || return 1
		i=$((i + 1))
	done &&
	exp-log metric -r $r1 --step 0 acc=0.5 &&
	exp-log metric -r $r1 --step 1 acc=0.7 &&
	exp-log metric -r $r1 --step 2 acc=0.9 &&
	exp-log end -r $r1 &&
	r2=$(exp-log start -e A -n beta -p lr=0.01) &&
	exp-log metric -r $r2 loss=2 &&
	r3=$(exp-log start -e B -n "g<a>&\"m" -p "note=<b>&\"x\"") &&
	exp-log metric -r $r3 --step 0 loss=3 &&
	exp-log metric -r $r3 --step 1 loss=2 &&
	exp-log metric -r $r3 --step 2 loss=nan &&
	exp-log metric -r $r3 --step 3 loss=1 &&
	r4=$(exp-log start -e B -n long) &&
	awk "BEGIN { for (i = 0; i < 2500; i++) printf \"wave=%d step=%d\n\", i % 7, i }" >wave.txt &&
	exp-log log -r $r4 wave.txt &&
	echo "$r1 $r2 $r3 $r4" >ids
'

test_expect_success PYTHON3 'the table holds every run with its params and current metric values' '
	read r1 r2 r3 r4 <ids &&
	exp-log report -o all.html &&
	python3 page.py all.html >facts &&
	grep "^col " facts >cols &&
	printf "col %s\n" run name experiment status start duration \
		params.lr params.model params.note metrics.acc metrics.loss \
		metrics.wave >expect &&
	test_cmp expect cols &&
	grep "^row " facts | cut -f1-5,8- >rows &&
	# newest first, as exp-log ls lists them; a missing value is empty
	printf "row %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" \
		$r4 ${r4%????????????????????????} long B running "" "" "" "" "" 0 \
		$r3 ${r3%????????????????????????} "g<a>&\"m" B running "" "" "<b>&\"x\"" "" 1 "" \
		$r2 ${r2%????????????????????????} beta A running 0.01 "" "" "" 2 "" \
		$r1 ${r1%????????????????????????} alpha A finished 0.1 xgb "" 0.9 0.45 "" \
		>expect &&
	test_cmp expect rows &&
	# a duration for the finished run only
	grep "^row $r1" facts | cut -f7 >dur && test_grep "[0-9]" dur &&
	grep "^row $r2" facts | cut -f7 >dur && test "$(cat dur)" = ""
'

test_expect_success PYTHON3 'one chart per metric, one curve per run that has it, a point per step' '
	read r1 r2 r3 r4 <ids &&
	grep "^svg " facts >svgs &&
	cat >expect <<-\EOF &&
	svg acc 720 280 0 0 720 280
	svg loss 720 280 0 0 720 280
	svg wave 720 280 0 0 720 280
	EOF
	test_cmp expect svgs &&
	test "$(grep -c "<svg" all.html)" = 3 &&
	grep "^curve " facts >curves &&
	cat >expect <<-EOF &&
	curve acc $r1 3
	curve loss $r3 3
	curve loss $r2 1
	curve loss $r1 5
	curve wave $r4 1000
	EOF
	test_cmp expect curves &&
	grep "<circle[^>]*data-run=\"$r2\"" all.html &&
	test_grep "drawn from 1000 of them" all.html
'

test_expect_success PYTHON3 'legends name the runs, with the short id' '
	read r1 r2 r3 r4 <ids &&
	grep "^legend loss" facts >legend &&
	printf "legend loss %s\n" \
		"g<a>&\"m (${r3%????????????????????????})" \
		"beta (${r2%????????????????????????})" \
		"alpha (${r1%????????????????????????})" >expect &&
	test_cmp expect legend
'

test_expect_success PYTHON3 'self-contained: no script, nothing fetched from elsewhere' '
	! grep "^bad " facts &&
	! grep -i "<script\|<link\|<img\|<iframe\|@import\|url(" all.html &&
	test "$(grep -o "https\?://[^\"]*" all.html | sort -u)" = "http://www.w3.org/2000/svg"
'

test_expect_success 'names and params are escaped' '
	! grep "<a>" all.html && ! grep "<b>" all.html &&
	test_grep "g&lt;a&gt;&amp;&quot;m" all.html &&
	test_grep "&lt;b&gt;&amp;&quot;x&quot;" all.html
'

test_expect_success PYTHON3 '-e chooses an experiment, RUNs choose runs in the order given' '
	read r1 r2 r3 r4 <ids &&
	exp-log report -e A -o a.html &&
	python3 page.py a.html | grep "^row " | cut -f1 >rows &&
	printf "row %s\n" $r2 $r1 >expect && test_cmp expect rows &&
	exp-log report $(echo $r3 | cut -c1-8) $r1 $r3 -o two.html &&
	python3 page.py two.html | grep "^row " | cut -f1 >rows &&
	printf "row %s\n" $r3 $r1 >expect && test_cmp expect rows &&
	exp-log report -e A $r1 $r3 -o one.html &&
	python3 page.py one.html | grep "^row " | cut -f1 >rows &&
	printf "row %s\n" $r1 >expect && test_cmp expect rows &&
	exp-log report --filter "metrics.loss < 1.5" -o f.html &&
	python3 page.py f.html | grep "^row " | cut -f1 >rows &&
	printf "row %s\n" $r3 $r1 >expect && test_cmp expect rows &&
	python3 page.py f.html | grep "^svg " | cut -d" " -f2 >svgs &&
	printf "%s\n" acc loss >expect && test_cmp expect svgs
'

test_expect_success '-o - writes the page to standard output, no file' '
	read r1 r2 r3 r4 <ids &&
	exp-log report -e A -o - >out &&
	! test -e ./- &&
	test "$(head -n 1 out)" = "<!DOCTYPE html>" &&
	test_grep "</html>" out &&
	test "$(grep -c "<svg" out)" = 2 &&
	grep "data-run=\"$r1\"" out
'

test_expect_success 'bad input: one line naming it, exit 2, no file written' '
	echo old >keep.html &&
	test_expect_code 2 exp-log report deadbeef00 -o keep.html 2>err &&
	test_grep "deadbeef00" err && test_line_count = 1 err &&
	test_expect_code 2 exp-log report -e nosuch -o keep.html 2>err &&
	test_grep "nosuch" err && test_line_count = 1 err &&
	test_expect_code 2 exp-log report --filter "metrics.loss > 100" -o keep.html 2>err &&
	test_grep "no runs chosen" err && test_grep "metrics.loss > 100" err &&
	test_line_count = 1 err &&
	test_expect_code 2 exp-log report -e A $(cut -d" " -f3 ids) -o keep.html 2>err &&
	test_grep "no runs chosen" err && test_grep "A" err &&
	test_line_count = 1 err &&
	test_expect_code 2 exp-log report --filter "metrics.loss >" -o keep.html 2>err &&
	test_expect_code 2 exp-log report 2>err &&
	test_grep "give -o" err &&
	test "$(cat keep.html)" = old &&
	test_expect_code 2 exp-log report -e nosuch -o new.html 2>err &&
	! test -e new.html &&
	test_expect_code 3 exp-log report -o nodir/r.html 2>err &&
	test_grep "nodir/r.html" err &&
	ls -a >files && ! grep "tmp-" files
'

fault() { LD_PRELOAD="$MLREPO_BUILD/tests/helpers/libfault.so" "$@"; }

test_expect_success FAULT 'a full disk or a failing fsync: exit 3, the old page stays' '
	echo old >keep.html &&
	test_expect_code 3 fault env FAULT_WRITE_LIMIT=4000 exp-log report -o keep.html 2>err &&
	test_grep "keep.html" err && test_line_count = 1 err &&
	test "$(cat keep.html)" = old &&
	test_expect_code 3 fault env FAULT_FSYNC=1 exp-log report -o keep.html 2>err &&
	test "$(cat keep.html)" = old &&
	ls -a >files && ! grep "tmp-" files
'

test_expect_success 'a repository without runs has nothing to report' '
	cd "$(new_repo empty)" &&
	test_expect_code 2 exp-log report -o r.html 2>err &&
	test_grep "no runs chosen" err && ! test -e r.html
'

test_expect_success 'report of 100 runs x 10 metrics x 1000 steps: every curve whole' '
	cd "$(new_repo big)" &&
	awk "BEGIN { for (i = 0; i < 1000; i++) {
		for (k = 0; k < 10; k++) printf \"m%d=%d \", k, (i * (k + 3)) % 101
		printf \"step=%d\n\", i } }" >lines.txt &&
	for i in $(seq 1 100); do
		r=$(exp-log start -e big -n run$i) &&
		exp-log log -r $r lines.txt || return 1
	done &&
	exp-log report -o big.html &&
	test "$(grep -c "<polyline" big.html)" = 1000 &&
	test "$(grep -o "points=\"[^\"]*\"" big.html | awk "{ n += NF } END { print n }")" = 1000000 &&
	test "$(grep -c "<svg" big.html)" = 10
'

# The sparkline's blocks, worked out by hand: alpha's loss 1, 0.8, 0.6,
# 0.5, 0.45 on the scale 0.45 .. 1 (0.55 wide, 8 bands of 0.06875) fall in
# bands 7, 5, 2, 0, 0.
test_expect_success SCRIPT 'history shows a sparkline on a terminal' '
	read r1 r2 r3 r4 <ids &&
	script -qc "NO_COLOR=1 exp-log history -r $r1 loss" /dev/null >tty.raw &&
	tr -d "\r" <tty.raw >tty &&
	test_line_count = 7 tty &&
	test "$(tail -n 1 tty)" = "█▆▃▁▁  0.45 .. 1"
'

test_expect_success 'history shows no sparkline in a pipe' '
	read r1 r2 r3 r4 <ids &&
	exp-log history -r $r1 loss >pipe &&
	test_line_count = 5 pipe &&
	! grep "█\|▁\| \.\. " pipe
'

test_expect_success SCRIPT 'history buckets a long metric into 60 blocks' '
	read r1 r2 r3 r4 <ids &&
	script -qc "NO_COLOR=1 exp-log history -r $r4 wave" /dev/null >tty.raw &&
	tr -d "\r" <tty.raw | tail -n 1 >last &&
	test_grep "  0 \.\. 6$" last &&
	# 60 blocks of 3 bytes each, and a newline
	test "$(sed "s/  0 \.\. 6$//" last | wc -c)" = 181
'

test_expect_success SCRIPT 'drift-check history draws its trends from 0, on a terminal only' '
	seq 1 100 | sed "1i x" >ref.csv &&
	seq 30 129 | sed "1i x" >cur.csv &&
	test_expect_code 1 drift-check -q --record tx ref.csv cur.csv &&
	drift-check -q --record tx ref.csv ref.csv &&
	script -qc "NO_COLOR=1 drift-check history tx" /dev/null >tty.raw &&
	tr -d "\r" <tty.raw | tail -n 1 >last &&
	test_grep "▁█$" last &&
	drift-check history tx | tail -n 1 >pipe &&
	! grep "█\|▁" pipe
'

test_done
