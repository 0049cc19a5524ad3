#!/bin/sh
test_description='mlrepo log (the event journal) and status'
. ./test-lib.sh

test_expect_success 'setup' '
	echo one >one && echo two >two &&
	mlrepo hash-object -w one >/dev/null &&
	mlrepo config core.note hello &&
	mlrepo hash-object -w two >/dev/null
'

test_expect_success 'log lists events newest first, as TSV in a pipe' '
	mlrepo log >out &&
	test_line_count = 4 out &&
	head -1 out | cut -f4 >first && echo object.write >expect && test_cmp expect first &&
	tail -1 out | cut -f4 >last && echo init >expect && test_cmp expect last &&
	cut -f2 out | sort -u >who && test_line_count = 1 who &&
	test_grep "^$(id -un)@" who
'

test_expect_success '--header adds the column names; --reverse, --limit' '
	mlrepo log --header --reverse --limit 2 >out &&
	printf "TIME\tWHO\tTOOL\tACTION\tSUBJECT\n" >expect &&
	head -1 out >got && test_cmp expect got &&
	test_line_count = 3 out &&
	sed -n 2p out | cut -f4 >got && echo init >expect && test_cmp expect got
'

test_expect_success '--action matches an action or a family ending in a dot' '
	mlrepo log --action object.write >out && test_line_count = 2 out &&
	mlrepo log --action config. >out && test_line_count = 1 out &&
	mlrepo log --action object >out && test_line_count = 0 out
'

test_expect_success '--json: JSON Lines with who, tool, argv and detail' '
	mlrepo log --json --action config.set >out &&
	python3 - <<-\EOF
	import json
	rows = [json.loads(l) for l in open("out")]
	assert len(rows) == 1, rows
	r = rows[0]
	assert r["tool"] == "mlrepo" and r["action"] == "config.set"
	assert r["argv"] == ["mlrepo", "config", "core.note", "hello"], r["argv"]
	assert r["detail"] == {"value": "hello"}, r["detail"]
	assert r["time"].endswith("Z") and len(r["uid"]) == 32
	EOF
'

test_expect_success '--since and --until take times, relative ones too' '
	mlrepo log --since -1h >out && test_line_count = 4 out &&
	mlrepo log --since +1h >out && test_line_count = 0 out &&
	mlrepo log --until 2001-01-01 >out && test_line_count = 0 out &&
	test_expect_code 2 mlrepo log --since yesterday-ish 2>err &&
	test_grep "since" err
'

test_expect_success 'status counts what the repository holds' '
	mlrepo status >out &&
	test_grep "^objects: *2 " out &&
	test_grep "^events: *4" out &&
	mlrepo status --json >out.json &&
	python3 -c "import json; d = json.load(open(\"out.json\")); assert d[\"objects\"] == 2 and d[\"events\"] == 4 and d[\"feature_groups\"] == 0, d"
'

test_done
