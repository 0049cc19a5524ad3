#!/bin/sh
test_description='the table reader (lib/table.c) through table-dump: real data, compressed input, stdin, and every error message'
. ./test-lib.sh

SQ="'"

# check_error MESSAGE CMD...: CMD exits 2 and its first line on stderr is
# exactly "table-dump: error: MESSAGE".
check_error() {
	msg=$1
	shift
	test_expect_code 2 "$@" >out 2>err &&
	head -n 1 err >err1 &&
	echo "table-dump: error: $msg" >expect &&
	test_cmp expect err1
}

# Reference numbers, from pandas 1.5.3 (/usr/bin/python3):
#   len(pd.read_csv("co2.csv")) -> 2284, .co2.isna().sum() -> 59
#   len(pd.read_csv("randhie.csv")) -> 20190
test_expect_success SHARED 'co2.csv: 2284 rows, 59 of them without co2' '
	table-dump "$SHARED_DATA/co2.csv" >out &&
	test_line_count = 2285 out &&
	head -n 3 out >head &&
	printf "date\tco2\n19580329\t316.1\n19580405\t317.3\n" >expect &&
	test_cmp expect head &&
	test "$(grep -c "\\\\N\$" out)" = 59
'

test_expect_success SHARED 'typed columns: dates as timestamps, co2 as floats' '
	table-dump --types date:timestamp,co2:float "$SHARED_DATA/co2.csv" >out &&
	sed -n "2p;\$p" out >got &&
	printf "1958-03-29T00:00:00Z\t316.1\n2001-12-29T00:00:00Z\t371.5\n" >expect &&
	test_cmp expect got &&
	tail -n 1 "$SHARED_DATA/co2.csv" >last &&
	test "$(cat last)" = "20011229,371.5"
'

test_expect_success SHARED 'randhie.csv: 20190 rows, all floats' '
	table-dump --count --types "*:float" "$SHARED_DATA/randhie.csv" >out &&
	echo 20190 >expect &&
	test_cmp expect out
'

test_expect_success SHARED 'stdin, plain and gzip-compressed' '
	table-dump --count - <"$SHARED_DATA/co2.csv" >out &&
	echo 2284 >expect &&
	test_cmp expect out &&
	gzip -c "$SHARED_DATA/co2.csv" >co2.csv.gz &&
	table-dump --count - <co2.csv.gz >out &&
	test_cmp expect out &&
	table-dump --count co2.csv.gz >out &&
	test_cmp expect out
'

for z in xz bzip2 zstd; do
	if command -v $z >/dev/null 2>&1; then
		eval "TEST_PREREQ_$(echo $z | tr a-z A-Z)=1"
	fi
done

test_expect_success SHARED,XZ 'xz input, by name and on stdin' '
	xz -c "$SHARED_DATA/randhie.csv" >r.csv.xz &&
	echo 20190 >expect &&
	table-dump --count r.csv.xz >out && test_cmp expect out &&
	table-dump --count - <r.csv.xz >out && test_cmp expect out
'

test_expect_success SHARED,BZIP2 'bzip2 input, by name and on stdin' '
	bzip2 -c "$SHARED_DATA/randhie.csv" >r.csv.bz2 &&
	echo 20190 >expect &&
	table-dump --count r.csv.bz2 >out && test_cmp expect out &&
	table-dump --count - <r.csv.bz2 >out && test_cmp expect out
'

test_expect_success SHARED,ZSTD 'zstd input, by name and on stdin' '
	zstd -q -c "$SHARED_DATA/randhie.csv" >r.csv.zst &&
	echo 20190 >expect &&
	table-dump --count r.csv.zst >out && test_cmp expect out &&
	table-dump --count - <r.csv.zst >out && test_cmp expect out
'

test_expect_success 'output escapes tabs and line breaks; missing is \N' '
	printf "a,b,c\n\"x\ty\",\"1\n2\",\n\"\",\\\\,z\n" >esc.csv &&
	table-dump esc.csv >out &&
	printf "a\tb\tc\nx\\\\ty\t1\\\\n2\t\\\\N\n\t\\\\\\\\\tz\n" >expect &&
	test_cmp expect out
'

test_expect_success 'JSON Lines, by extension and sniffed on stdin' '
	printf "{\"id\":1,\"tags\":[\"a\"],\"ok\":true}\n{\"ok\":null,\"id\":9007199254740993}\n" >r.jsonl &&
	table-dump --types id:int,ok:bool r.jsonl >out &&
	printf "id\ttags\tok\n1\t[\"a\"]\ttrue\n9007199254740993\t\\\\N\t\\\\N\n" >expect &&
	test_cmp expect out &&
	table-dump --types id:int,ok:bool - <r.jsonl >out2 &&
	test_cmp expect out2
'

test_expect_success 'TSV: quotes are data; quoted TSV is CSV with --delimiter' '
	printf "a\tb\n\"x\"\t2\n" >q.tsv &&
	table-dump q.tsv >out &&
	printf "a\tb\n\"x\"\t2\n" >expect &&
	test_cmp expect out &&
	table-dump --format csv --delimiter "\\t" q.tsv >out &&
	printf "a\tb\nx\t2\n" >expect &&
	test_cmp expect out
'

test_expect_success '--delimiter and --format' '
	printf "a;b\n1;2\n" >semi.txt &&
	table-dump --delimiter ";" semi.txt >out &&
	printf "a\tb\n1\t2\n" >expect &&
	test_cmp expect out &&
	table-dump --format csv --delimiter ";" semi.txt >out &&
	test_cmp expect out
'

test_expect_success 'a ragged row names the line and the field counts' '
	printf "a,b,c\n1,2,3\n4,5,6,7\n" >bad.csv &&
	check_error "${SQ}bad.csv${SQ} line 3: 4 fields, expected 3 (header has 3)" \
		table-dump bad.csv
'

test_expect_success 'an unclosed quote names where it opened' '
	printf "a,b\n1,2\n3,\"x\n4,5\n" >uq.csv &&
	check_error "${SQ}uq.csv${SQ} line 4: unclosed quote (opened at line 3)" \
		table-dump uq.csv
'

test_expect_success 'text after a closing quote, with a hint' '
	printf "a,b\n\"say \"hi\"\",2\n" >tq.csv &&
	check_error "${SQ}tq.csv${SQ} line 2 column ${SQ}a${SQ}: unexpected text after a closing quote" \
		table-dump tq.csv &&
	test_grep "^hint: a quote inside a quoted field must be doubled" err
'

test_expect_success 'a bad float names file, line, column and value' '
	printf "id,amount\n1,3.5\n2,\"12,5\"\n" >data.csv &&
	check_error "${SQ}data.csv${SQ} line 3 column ${SQ}amount${SQ}: not a float: \"12,5\"" \
		table-dump --types amount:float data.csv
'

test_expect_success 'bad ints, bools and timestamps' '
	printf "n,b,t\n99999999999999999999,yes,2024-01-01\n1e3,x,2024-13-01\n" >v.csv &&
	check_error "${SQ}v.csv${SQ} line 2 column ${SQ}n${SQ}: int out of range: \"99999999999999999999\"" \
		table-dump --types n:int v.csv &&
	check_error "${SQ}v.csv${SQ} line 3 column ${SQ}b${SQ}: not a bool: \"x\"" \
		table-dump --types b:bool v.csv &&
	test_expect_code 2 table-dump --types t:timestamp v.csv 2>err &&
	test_grep "^table-dump: error: ${SQ}v.csv${SQ} line 3 column ${SQ}t${SQ}: .*2024-13-01" err
'

test_expect_success 'stdin is called <stdin> in messages' '
	printf "a,b\n1\n" >short.csv &&
	check_error "${SQ}<stdin>${SQ} line 2: 1 field, expected 2 (header has 2)" \
		table-dump - <short.csv
'

test_expect_success 'empty input, blank and duplicate headers' '
	: >empty.csv &&
	check_error "${SQ}empty.csv${SQ}: empty input, expected a header line" \
		table-dump empty.csv &&
	printf "\n1\n" >blank.csv &&
	check_error "${SQ}blank.csv${SQ} line 1: empty header line" \
		table-dump blank.csv &&
	printf "x,y,x\n" >dup.csv &&
	check_error "${SQ}dup.csv${SQ} line 1: duplicate column name ${SQ}x${SQ}" \
		table-dump dup.csv
'

test_expect_success 'a missing file is bad input; a directory too' '
	check_error "cannot open ${SQ}nope.csv${SQ}: No such file or directory" \
		table-dump nope.csv &&
	mkdir d.csv &&
	check_error "${SQ}d.csv${SQ} is a directory" table-dump d.csv
'

test_expect_success 'JSON Lines: an unknown key, bad JSON' '
	printf "{\"a\":1}\n{\"a\":2,\"b\":3}\n" >k.jsonl &&
	check_error "${SQ}k.jsonl${SQ} line 2: unknown key ${SQ}b${SQ} (not in the first record)" \
		table-dump k.jsonl &&
	printf "{\"a\":1}\n\n{\"a\":2,}\n" >j.jsonl &&
	check_error "${SQ}j.jsonl${SQ} line 3: invalid JSON at byte 8: expected a string key" \
		table-dump j.jsonl &&
	printf "{\"a\":1}\n[1]\n" >arr.jsonl &&
	check_error "${SQ}arr.jsonl${SQ} line 2: not a JSON object" table-dump arr.jsonl
'

test_expect_success 'corrupt compressed input' '
	seq 1 100000 | sed "1s/^/n\n/" | gzip -c >n.csv.gz &&
	head -c 20000 n.csv.gz >cut.csv.gz &&
	check_error "${SQ}cut.csv.gz${SQ}: corrupt compressed data: truncated gzip input" \
		table-dump --count cut.csv.gz
'

test_expect_success 'a row over 64 MiB is refused' '
	{ echo a && head -c 70000000 /dev/zero | tr "\\0" x && echo; } >long.csv &&
	check_error "${SQ}long.csv${SQ} line 2: row longer than 64 MiB" \
		table-dump --count long.csv
'

test_expect_success '--rejects skips bad rows and keeps their raw text' '
	printf "a,b\n1,2\n3,4,5\n\"x\"y,6\n7,8\n9,nine\n" >mixed.csv &&
	table-dump --types b:int --rejects rej.csv mixed.csv >out 2>err &&
	printf "a\tb\n1\t2\n7\t8\n" >expect &&
	test_cmp expect out &&
	printf "3,4,5\n\"x\"y,6\n9,nine\n" >expect &&
	test_cmp expect rej.csv &&
	test_line_count = 3 err &&
	test_grep "^table-dump: warning: ${SQ}mixed.csv${SQ} line 6 column ${SQ}b${SQ}: not an int: \"nine\"" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 table-dump 2>err &&
	test_expect_code 2 table-dump --format xml x.csv 2>err &&
	printf "a\n1\n" >ok.csv &&
	check_error "--types: no column ${SQ}zz${SQ} in ${SQ}ok.csv${SQ}" \
		table-dump --types zz:int ok.csv &&
	check_error "--types: unknown type ${SQ}double${SQ}" \
		table-dump --types a:double ok.csv
'


# ---- the writer (table-dump writes through it) and TSV's escapes ----

test_expect_success 'setup: a CSV of every awkward value' '
	printf "id,text,n\n1,\"a,b\",1.5\n2,\"say \"\"hi\"\"\",\n3,\"two\nlines\",-0\n4,\"\",1e300\n5,\" lead\",x\n6,\"back\\\\slash\ttab \\\\N\",7\n7,\"cr\rhere\",\n8,\"caf\303\251 \\\\\",\"\"\n" >tricky.csv &&
	table-dump tricky.csv >ref &&
	test_line_count = 9 ref
'

test_expect_success 'CSV, TSV and JSON Lines written read back unchanged' '
	for f in csv tsv jsonl; do
		table-dump --output-format $f tricky.csv >out.$f &&
		table-dump out.$f >back.$f &&
		test_cmp ref back.$f || exit 1
	done
'

# The reference is Python's csv and json modules, and PostgreSQL's COPY
# text rules written out in Python: all three files hold the same values.
test_expect_success PYTHON3 'the written files, read by Python, agree' '
	cat >check.py <<-\EOF &&
	import csv, json, sys
	want = [["id", "text", "n"],
	        ["1", "a,b", "1.5"], ["2", "say \"hi\"", None],
	        ["3", "two\nlines", "-0"], ["4", "", "1e300"],
	        ["5", " lead", "x"], ["6", "back\\slash\ttab \\N", "7"],
	        ["7", "cr\rhere", None], ["8", "caf\u00e9 \\", ""]]
	def unescape(f):
	    if f == "\\N":
	        return None
	    out, i = [], 0
	    while i < len(f):
	        if f[i] == "\\":
	            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}[f[i + 1]])
	            i += 2
	        else:
	            out.append(f[i])
	            i += 1
	    return "".join(out)
	with open("out.tsv", encoding="utf-8", newline="") as fp:
	    tsv = [[unescape(f) for f in line.rstrip("\n").split("\t")] for line in fp]
	jl = [list(json.loads(l).values()) for l in open("out.jsonl", encoding="utf-8")]
	keys = list(json.loads(open("out.jsonl").readline()).keys())
	with open("out.csv", encoding="utf-8", newline="") as fp:
	    cs = list(csv.reader(fp))
	assert tsv == want, tsv
	assert [keys] + jl == want, jl
	# csv.reader cannot tell "" from a missing value: both are ""
	assert cs == [[v if v is not None else "" for v in r] for r in want], cs
	EOF
	python3 check.py &&
	grep -c "\"\"" out.csv >quoted && echo 3 >expect && test_cmp expect quoted
'

test_expect_success 'TSV: \\t \\n \\r \\\\ and \\N are decoded' '
	printf "k\tv\nx\ta\\\\\\\\b\ny\t\\\\N\nz\t\n" >e.tsv &&
	table-dump --output-format jsonl e.tsv >out &&
	printf "{\"k\":\"x\",\"v\":\"a\\\\\\\\b\"}\n{\"k\":\"y\",\"v\":null}\n{\"k\":\"z\",\"v\":\"\"}\n" >expect &&
	test_cmp expect out
'

test_expect_success 'TSV: a bad escape names the line and the column' '
	printf "k\tv\nx\ta\\\\qb\n" >bad.tsv &&
	test_expect_code 2 table-dump bad.tsv >out 2>err &&
	printf "%s\n" "table-dump: error: ${SQ}bad.tsv${SQ} line 2 column ${SQ}v${SQ}: unknown escape ${SQ}\\q${SQ}" >expect &&
	head -n 1 err >err1 &&
	test_cmp expect err1 &&
	test_grep "^hint: TSV escapes are" err &&
	printf "k\tv\nx\tend\\\\\n" >bad2.tsv &&
	check_error "${SQ}bad2.tsv${SQ} line 2 column ${SQ}v${SQ}: a backslash at the end of the field" \
		table-dump bad2.tsv
'

test_expect_success 'typed columns in JSON Lines: numbers bare, NaN a string' '
	printf "id,x,ok,t\n1,2.50,yes,2024-01-02\n2,nan,0,\n9007199254740993,-inf,,1970-01-01T00:00:01Z\n" >typed.csv &&
	table-dump --types id:int,x:float,ok:bool,t:timestamp --output-format jsonl typed.csv >out &&
	cat >expect <<-\EOF &&
	{"id":1,"x":2.5,"ok":true,"t":"2024-01-02T00:00:00Z"}
	{"id":2,"x":"NaN","ok":false,"t":null}
	{"id":9007199254740993,"x":"-Infinity","ok":null,"t":"1970-01-01T00:00:01Z"}
	EOF
	test_cmp expect out &&
	table-dump --types id:int,x:float,ok:bool,t:timestamp --output-format csv typed.csv >out &&
	cat >expect <<-\EOF &&
	id,x,ok,t
	1,2.5,true,2024-01-02T00:00:00Z
	2,nan,false,
	9007199254740993,-inf,,1970-01-01T00:00:01Z
	EOF
	test_cmp expect out
'

test_expect_success 'a full disk is an error (exit 3), not lost output' '
	test_expect_code 3 table-dump tricky.csv >/dev/full 2>err &&
	echo "table-dump: error: cannot write to standard output: No space left on device" >expect &&
	test_cmp expect err
'

test_expect_success 'the rows before a bad one are written' '
	printf "a,b\n1,2\n3,x\n5,6\n" >stop.csv &&
	test_expect_code 2 table-dump --types b:int stop.csv >out 2>err &&
	printf "a\tb\n1\t2\n" >expect &&
	test_cmp expect out
'


# exp-log export writes through the table writer: each format reads back
# with the same values, and a param a\b is a\b again (it came back a\\b
# from the TSV of before).
test_expect_success 'exp-log export: CSV, TSV and JSON Lines read back the same' '
	r=$(exp-log start -e X -n "a,b" -p "path=a\\b" -p "q=say \"hi\"" \
		-p "nl=x
y" -t "team= ml") &&
	exp-log metric -r $r auc=0.91 big=12345678901234 &&
	exp-log end -r $r &&
	r2=$(exp-log start -e X -p "path=") &&
	exp-log metric -r $r2 auc=nan &&
	types=duration:float,metrics.auc:float,metrics.big:float &&
	for f in csv tsv jsonl; do
		exp-log export -e X --format $f >exp.$f &&
		table-dump --types $types exp.$f >dump.$f || exit 1
	done &&
	test_cmp dump.csv dump.tsv &&
	test_cmp dump.csv dump.jsonl &&
	test_line_count = 3 dump.csv &&
	table-dump --output-format jsonl exp.tsv >back &&
	grep -F "\"params.path\":\"a\\\\b\"" back &&
	grep -F "\"params.path\":\"\"," back &&
	grep -F "\"params.nl\":\"x\\ny\"" back &&
	grep -F "\"end_time\":null,\"duration\":null" back &&
	grep -F "\"metrics.auc\":\"NaN\"" exp.jsonl &&
	grep -F "\"metrics.big\":12345678901234," exp.jsonl
'

test_done
