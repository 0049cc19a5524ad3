#!/bin/sh
test_description='model-promote export, import and path; the registry in fsck, gc and bundles'
. ./test-lib.sh

# An object's file in the store (stored plain or compressed).
obj() {
	ls .mlrepo/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)* 2>/dev/null
}

# snapshot REPO FILE: what a refused import must leave as it was in the
# repository REPO (a directory holding .mlrepo): every path under .mlrepo
# (no temporary file left behind), every file's content but the catalog's
# (whose -wal and -shm files come and go as it is opened), the catalog's
# rows (its SQL dump where the sqlite3 shell is there; its counts in
# `mlrepo status` always) and the registry's listing.
snapshot() {
	(
		cd "$1" &&
		{
			find .mlrepo ! -name "catalog.db*" | sort &&
			find .mlrepo -type f ! -name "catalog.db*" | sort |
				xargs sha256sum
		} &&
		if test_have_prereq SQLITE3
		then
			sqlite3 .mlrepo/catalog.db .dump
		fi &&
		model-promote ls &&
		mlrepo status
	) >"$2"
}

# refused ARCHIVE PATTERN: importing ARCHIVE into the repository victim/
# is bad input (exit 2), the message matches PATTERN, nothing is printed
# on stdout, and the repository is as it was.  victim/ holds none of
# churn's objects, so that storing any file of the archive shows.
refused() {
	snapshot "$TRASH/victim" "$TRASH/before" &&
	test_expect_code 2 model-promote --repo "$TRASH/victim/.mlrepo" \
		import "$1" >out 2>err &&
	test ! -s out &&
	test_grep -e "$2" err &&
	snapshot "$TRASH/victim" "$TRASH/after" &&
	test_cmp "$TRASH/before" "$TRASH/after"
}

# Spoiled archives start from the export of churn:1 laid out as a
# directory (evil/good), copied to evil/w; `pack NAME [TAR-OPTION...]`
# packs evil/w with GNU tar into evil/NAME.tar.gz (with directory entries,
# real times and owners: not as export writes, so a sound one shows that
# import takes any tar that says the same).
spoil() {
	rm -rf "$TRASH/evil/w" && cp -a "$TRASH/evil/good" "$TRASH/evil/w"
}
pack() {
	pack_name_=$1
	shift
	tar -C "$TRASH/evil/w" --sort=name "$@" \
		-czf "$TRASH/evil/$pack_name_.tar.gz" MODEL.json model
}
# MODEL.json's size of weights.bin, off by one (its checksum unchanged).
bump_size() {
	sed -i "s/\(\"size\":[[:space:]]*\)$(cat "$TRASH/wsize"),/\1$(($(cat "$TRASH/wsize") + 1)),/" \
		"$TRASH/evil/w/MODEL.json" &&
	grep -q "$(($(cat "$TRASH/wsize") + 1))" "$TRASH/evil/w/MODEL.json"
}

# churn:1 comes from an exp-log run (params and lineage); churn:2 from
# -m alone.  src/ holds a file big enough to take several reads, an
# executable and a subdirectory.
test_expect_success 'setup: two versions of churn' '
	mkdir -p src/sub &&
	seq 1 20000 >src/weights.bin &&
	wc -c <src/weights.bin | tr -d " " >wsize &&
	printf "#!/bin/sh\necho serving\n" >src/run.sh && chmod 755 src/run.sh &&
	echo "layers: 3" >src/sub/conf.yaml &&
	head -c 30000 /dev/urandom >src/sub/blob.bin &&
	run=$(exp-log start -e train -p lr=0.1 -p epochs=3) &&
	echo $run >run &&
	exp-log metric -r $run auc=0.88 loss=0.25 &&
	exp-log end -r $run &&
	model-promote register churn src -r $run -m auc=0.91 -t team=risk >out &&
	echo 1 >expect && test_cmp expect out &&
	mkdir src2 && echo two >src2/weights.bin &&
	model-promote register churn src2 -m auc=0.93 >out &&
	echo 2 >expect && test_cmp expect out
'

test_expect_success 'export -o: the same version gives the same bytes, whatever else changes' '
	model-promote export churn:1 -o a.tar.gz >out 2>err &&
	test ! -s out &&
	sleep 1 &&
	model-promote export churn:1 -o b.tar.gz &&
	cmp a.tar.gz b.tar.gz &&
	model-promote tag churn:2 stage=candidate &&
	model-promote churn:1 --to production --reason first >out &&
	model-promote export churn:1 -o c.tar.gz &&
	cmp a.tar.gz c.tar.gz &&
	model-promote export churn@production -o d.tar.gz &&
	cmp a.tar.gz d.tar.gz &&
	model-promote export churn -o latest.tar.gz &&
	model-promote export churn:2 -o two.tar.gz &&
	cmp latest.tar.gz two.tar.gz &&
	! cmp -s a.tar.gz two.tar.gz
'

test_expect_success 'export -o -: the same archive on stdout' '
	model-promote export churn:1 -o - >stdout.tar.gz &&
	cmp a.tar.gz stdout.tar.gz
'

test_expect_success 'the archive holds MODEL.json and the files under model/' '
	tar tzf a.tar.gz >list &&
	cat >expect <<-\EOF &&
	MODEL.json
	model/run.sh
	model/sub/blob.bin
	model/sub/conf.yaml
	model/weights.bin
	EOF
	test_cmp expect list &&
	tar tvzf a.tar.gz >long &&
	test_grep "^-rwxr-xr-x 0/0 .* 1970-01-01 00:00 model/run.sh$" long &&
	test_grep "^-rw-r--r-- 0/0 .* 1970-01-01 00:00 model/weights.bin$" long &&
	rm -rf x && mkdir x && tar -C x -xzf a.tar.gz &&
	diff -r src x/model
'

test_expect_success PYTHON3 'MODEL.json: name, version, files as sha256sum sees them, metrics, params, lineage, created' '
	tar xzOf a.tar.gz MODEL.json >MODEL.json &&
	(cd src && for f in run.sh sub/blob.bin sub/conf.yaml weights.bin
	do
		echo "$f $(sha256sum <$f | cut -c1-64) $(wc -c <$f | tr -d " ")"
	done) >expect &&
	python3 -c "
import json
m = json.load(open(\"MODEL.json\"))
for f in m[\"files\"]:
    print(f[\"path\"], f[\"sha256\"], f[\"size\"])
" >got &&
	test_cmp expect got &&
	model-promote show churn:1 --json >show.json &&
	python3 -c "
import json
m = json.load(open(\"MODEL.json\"))
s = json.load(open(\"show.json\"))
run = open(\"run\").read().strip()
assert m[\"name\"] == \"churn\" and m[\"version\"] == 1, m
assert m[\"metrics\"] == {\"auc\": 0.91, \"loss\": 0.25}, m[\"metrics\"]
assert m[\"params\"] == {\"lr\": \"0.1\", \"epochs\": \"3\"}, m[\"params\"]
assert m[\"tags\"] == {\"team\": \"risk\"}, m[\"tags\"]
assert m[\"lineage\"][\"run\"] == run, m[\"lineage\"]
assert m[\"lineage\"][\"experiment\"] == \"train\", m[\"lineage\"]
assert m[\"created\"] == s[\"created\"], (m[\"created\"], s[\"created\"])
x = {f[\"path\"]: f[\"executable\"] for f in m[\"files\"]}
assert x == {\"run.sh\": True, \"sub/blob.bin\": False, \"sub/conf.yaml\": False, \"weights.bin\": False}, x
"
'

test_expect_success 'a tag on the version itself is part of MODEL.json: the export changes' '
	model-promote tag churn:2 owner=ml &&
	model-promote export churn:2 -o two-tagged.tar.gz &&
	! cmp -s two.tar.gz two-tagged.tar.gz &&
	tar xzOf two-tagged.tar.gz MODEL.json >m.json &&
	test_grep "\"owner\":[[:space:]]*\"ml\"" m.json
'

test_expect_success 'export -d lays out the same as the archive' '
	model-promote export churn:1 -d out-dir >out 2>err &&
	test ! -s out &&
	(cd out-dir && find . -type f | sed "s,^\./,," | sort) >list &&
	tar tzf a.tar.gz >expect &&
	test_cmp expect list &&
	tar xzOf a.tar.gz MODEL.json >expect.json &&
	test_cmp expect.json out-dir/MODEL.json &&
	diff -r src out-dir/model &&
	test -x out-dir/model/run.sh &&
	test ! -x out-dir/model/weights.bin &&
	mkdir empty-dir &&
	model-promote export churn:1 -d empty-dir &&
	diff -r out-dir empty-dir
'

test_expect_success 'export -d: a non-empty directory or a file is bad input, left alone' '
	mkdir full && echo mine >full/keep &&
	test_expect_code 2 model-promote export churn:1 -d full 2>err &&
	test_grep "full.* is not empty" err &&
	ls full >list && echo keep >expect && test_cmp expect list &&
	echo mine >expect && test_cmp expect full/keep &&
	echo mine >afile &&
	test_expect_code 2 model-promote export churn:1 -d afile 2>err &&
	test_grep "afile.* is no directory" err &&
	test_cmp expect afile
'

test_expect_success 'export: usage errors and unknown references are exit 2' '
	test_expect_code 2 model-promote export churn:1 2>err &&
	test_grep "give -o FILE or -d DIR" err &&
	test_expect_code 2 model-promote export churn:1 -o x.tar.gz -d xd 2>err &&
	test_grep "give -o FILE or -d DIR" err &&
	test_expect_code 2 model-promote export -o x.tar.gz 2>err &&
	test_grep "give one REF" err &&
	test_expect_code 2 model-promote export nosuch -o x.tar.gz 2>err &&
	test_grep "no model .nosuch." err &&
	test_expect_code 2 model-promote export churn:9 -o x.tar.gz 2>err &&
	test_grep "no version 9 of model .churn." err &&
	test_expect_code 2 model-promote export churn@staging -o x.tar.gz 2>err &&
	test ! -e x.tar.gz && test ! -e xd
'

test_expect_success 'import into another repository: version 1, the same files, metrics, tags' '
	cd "$(new_repo other)" &&
	model-promote import "$TRASH/a.tar.gz" >out 2>err &&
	echo 1 >expect && test_cmp expect out &&
	model-promote ls >ls &&
	test_line_count = 1 ls &&
	test_grep "^churn	1	1	" ls &&
	dir=$(model-promote path churn:1) &&
	diff -r "$TRASH/src" "$dir" &&
	test -x "$dir/run.sh" &&
	test ! -x "$dir/weights.bin" &&
	model-promote show churn:1 >show &&
	test_grep "^  auc  *0.91$" show &&
	test_grep "^  team  *risk$" show &&
	mlrepo fsck 2>err &&
	test_grep " 0 problems" err
'

test_expect_success PYTHON3 'import: show --json matches the source version; the lineage says where it came from' '
	model-promote show churn:1 --json >src.json &&
	model-promote -C other show churn:1 --json >dst.json &&
	python3 -c "
import json
s = json.load(open(\"src.json\"))
d = json.load(open(\"dst.json\"))
for k in (\"files\", \"metrics\", \"params\", \"tags\", \"tree\", \"size\", \"nfiles\"):
    assert s[k] == d[k], (k, s[k], d[k])
assert d[\"lineage\"][\"run\"] == s[\"lineage\"][\"run\"], d[\"lineage\"]
assert d[\"lineage\"][\"imported_from\"] == {\"name\": \"churn\", \"version\": 1, \"created\": s[\"created\"]}, d[\"lineage\"]
assert d[\"aliases\"] == [], d
"
'

test_expect_success 'import --name registers under another name; again is a new version' '
	cd other &&
	model-promote import --name other "$TRASH/a.tar.gz" >out &&
	echo 1 >expect && test_cmp expect out &&
	model-promote import "$TRASH/a.tar.gz" >out &&
	echo 2 >expect && test_cmp expect out &&
	model-promote import "$TRASH/two.tar.gz" >out &&
	echo 3 >expect && test_cmp expect out &&
	model-promote ls >ls &&
	test_grep "^churn	3	3	" ls &&
	test_grep "^other	1	1	" ls &&
	model-promote export other:1 -d o1 &&
	diff -r "$TRASH/src" o1/model &&
	test -x o1/model/run.sh &&
	test_grep "\"name\":[[:space:]]*\"other\"" o1/MODEL.json &&
	test_expect_code 2 model-promote import --name "bad name" "$TRASH/a.tar.gz" 2>err &&
	test_grep "bad model name" err
'

test_expect_success 'nan and inf metrics survive export and import' '
	cd "$(new_repo inf)" &&
	echo x >w &&
	model-promote register n w -m auc=nan -m lat=inf -m neg=-inf >/dev/null &&
	model-promote export n:1 -o n.tar.gz &&
	model-promote import n.tar.gz >out &&
	echo 2 >expect && test_cmp expect out &&
	model-promote show n:1 >s1 && model-promote show n:2 >s2 &&
	sed -n "/^metrics:/,\$p" s1 >m1 && sed -n "/^metrics:/,\$p" s2 >m2 &&
	test_cmp m1 m2 &&
	test_grep "^  auc  *nan$" m2 && test_grep "^  lat  *inf$" m2 &&
	test_grep "^  neg  *-inf$" m2 &&
	model-promote check n:2 --to prod --require "lat > 0" \
		--require "neg < 0" >out &&
	test_expect_code 1 model-promote check n:2 --to prod \
		--require "auc > 0" >out
'

test_expect_success 'import of a sound archive packed by GNU tar' '
	mkdir evil &&
	model-promote export churn:1 -d evil/good &&
	spoil && pack sound &&
	tar tzf evil/sound.tar.gz >list &&
	test_grep "^model/$" list &&
	cd "$(new_repo sound)" &&
	model-promote import ../evil/sound.tar.gz >out &&
	echo 1 >expect && test_cmp expect out &&
	diff -r "$TRASH/src" "$(model-promote path churn:1)"
'

test_expect_success 'setup: the repository refused archives go to' '
	cd "$(new_repo victim)" &&
	echo own >own.bin &&
	model-promote register own own.bin >/dev/null &&
	model-promote own:1 --to production >/dev/null &&
	model-promote path own:1 >/dev/null &&
	h=$(sha256sum <"$TRASH/src/run.sh" | cut -c1-64) &&
	test -z "$(obj $h)"
'

test_expect_success 'an absolute path is refused, nothing written' '
	spoil && pack abs -P --transform "s,^model/weights.bin,$TRASH/evil-abs," &&
	tar -P -tzf evil/abs.tar.gz >list &&
	test_grep "^$TRASH/evil-abs$" list &&
	refused evil/abs.tar.gz "unsafe entry .$TRASH/evil-abs.: absolute path" &&
	test ! -e "$TRASH/evil-abs"
'

test_expect_success 'a path with .. is refused, nothing written' '
	spoil && pack dotdot -P --transform "s,^model/weights.bin,model/../../evil-dotdot," &&
	tar -P -tzf evil/dotdot.tar.gz >list &&
	test_grep "^model/\.\./\.\./evil-dotdot$" list &&
	refused evil/dotdot.tar.gz "unsafe entry .model/\.\./\.\./evil-dotdot.: path leaves the target" &&
	test ! -e "$TRASH/evil-dotdot" && test ! -e "$(dirname "$TRASH")/evil-dotdot"
'

test_expect_success 'a symbolic link leaving the tree is refused, nothing written' '
	spoil && ln -s /etc/passwd evil/w/model/zlink && pack symout &&
	refused evil/symout.tar.gz "unsafe entry .model/zlink.: symbolic link"
'

# The contract refuses links, not only those that leave: an archive is
# the version's regular files, and export never writes a link.
test_expect_success 'a symbolic link inside the tree is refused too' '
	spoil && ln -s weights.bin evil/w/model/zlink && pack symin &&
	refused evil/symin.tar.gz "unsafe entry .model/zlink.: symbolic link"
'

test_expect_success 'a hard link is refused, nothing written' '
	spoil && ln evil/w/model/weights.bin evil/w/model/zz && pack hard &&
	tar tvzf evil/hard.tar.gz >list &&
	test_grep "^h.* model/zz link to model/weights.bin$" list &&
	refused evil/hard.tar.gz "unsafe entry .model/zz.: hard link"
'

test_expect_success 'a fifo is refused, nothing written' '
	spoil && mkfifo evil/w/model/zfifo && pack fifo &&
	refused evil/fifo.tar.gz "unsafe entry .model/zfifo.: fifo"
'

test_expect_success ROOT 'a device is refused, nothing written' '
	spoil && mknod evil/w/model/znull c 1 3 && pack dev &&
	refused evil/dev.tar.gz "unsafe entry .model/znull.: character device"
'

test_expect_success 'a file whose checksum differs from MODEL.json is refused' '
	spoil && chmod u+w evil/w/model/weights.bin &&
	sed -i "s/^777$/778/" evil/w/model/weights.bin &&
	test $(wc -c <evil/w/model/weights.bin) = $(cat wsize) &&
	! cmp -s evil/w/model/weights.bin src/weights.bin &&
	pack sum &&
	refused evil/sum.tar.gz "model/weights.bin. does not match MODEL.json"
'

test_expect_success 'a file whose size differs from MODEL.json is refused' '
	spoil && bump_size && pack size &&
	refused evil/size.tar.gz "model/weights.bin. does not match MODEL.json"
'

test_expect_success 'a file that MODEL.json does not list is refused' '
	spoil && echo extra >evil/w/model/extra.txt && pack extra &&
	refused evil/extra.tar.gz "entry .model/extra.txt. is not listed in MODEL.json" &&
	spoil && echo extra >evil/w/README &&
	tar -C evil/w -czf evil/top.tar.gz MODEL.json README model &&
	refused evil/top.tar.gz "entry .README. is not listed in MODEL.json"
'

test_expect_success 'a file MODEL.json lists that is not in the archive is refused' '
	spoil && rm evil/w/model/sub/conf.yaml && pack missing &&
	refused evil/missing.tar.gz "sub/conf.yaml. is listed in MODEL.json but not in the archive"
'

test_expect_success 'no MODEL.json, or one that is no JSON object, is refused' '
	spoil && tar -C evil/w -czf evil/nojson.tar.gz model &&
	refused evil/nojson.tar.gz "no MODEL.json" &&
	echo "{\"name\": \"churn\", \"files\": [" >evil/w/MODEL.json && pack badjson &&
	refused evil/badjson.tar.gz "MODEL.json is not a JSON object" &&
	echo "[]" >evil/w/MODEL.json && pack array &&
	refused evil/array.tar.gz "MODEL.json is not a JSON object"
'

test_expect_success 'MODEL.json with a bad file list or metric is refused' '
	spoil && sed -i "s/\"files\":/\"nofiles\":/" evil/w/MODEL.json && pack nofiles &&
	refused evil/nofiles.tar.gz "MODEL.json has no \"files\" list" &&
	spoil && sed -i "0,/\"sha256\":[[:space:]]*\"[0-9a-f]*\"/s//\"sha256\": \"xyz\"/" evil/w/MODEL.json &&
	pack badsha &&
	refused evil/badsha.tar.gz "a file needs \"path\", \"sha256\"" &&
	spoil && sed -i "s/\"size\":[[:space:]]*$(cat wsize),/\"size\": 1e300,/" evil/w/MODEL.json &&
	test_grep 1e300 evil/w/MODEL.json && pack hugesize &&
	refused evil/hugesize.tar.gz "\"size\" (whole bytes)" &&
	spoil && sed -i "s/\"size\":[[:space:]]*$(cat wsize),/\"size\": $(cat wsize).5,/" evil/w/MODEL.json &&
	test_grep "$(cat wsize).5" evil/w/MODEL.json && pack halfsize &&
	refused evil/halfsize.tar.gz "\"size\" (whole bytes)" &&
	spoil && sed -i "0,/\"path\":[[:space:]]*\"run.sh\"/s//\"path\": \"weights.bin\"/" evil/w/MODEL.json &&
	pack listedtwice &&
	refused evil/listedtwice.tar.gz "MODEL.json lists .weights.bin. twice" &&
	spoil && sed -i "s/\"auc\":[[:space:]]*0.91/\"auc\": \"high\"/" evil/w/MODEL.json &&
	pack badmetric &&
	refused evil/badmetric.tar.gz "metric .auc. is not a number"
'

test_expect_success 'an entry twice is refused, a file or MODEL.json' '
	spoil &&
	tar -C evil/w -cf evil/dup.tar MODEL.json model &&
	tar -C evil/w -rf evil/dup.tar model/weights.bin &&
	gzip -nf evil/dup.tar &&
	tar tzf evil/dup.tar.gz >list &&
	test "$(grep -c "^model/weights.bin$" list)" = 2 &&
	refused evil/dup.tar.gz "two entries .model/weights.bin." &&
	tar -C evil/w -cf evil/dupjson.tar MODEL.json model &&
	tar -C evil/w -rf evil/dupjson.tar MODEL.json &&
	gzip -nf evil/dupjson.tar &&
	refused evil/dupjson.tar.gz "two entries .MODEL.json."
'

test_expect_success 'a bad name in MODEL.json is refused unless --name gives one' '
	spoil &&
	sed -i "0,/\"churn\"/s//\"bad name!\"/" evil/w/MODEL.json &&
	test_grep "\"bad name!\"" evil/w/MODEL.json &&
	pack badname &&
	refused evil/badname.tar.gz "bad model name .bad name!." &&
	spoil && sed -i "/^[[:space:]]*\"name\":/d" evil/w/MODEL.json &&
	! grep -q "\"name\"" evil/w/MODEL.json && pack noname &&
	refused evil/noname.tar.gz "MODEL.json has no \"name\"; give --name" &&
	model-promote import --name renamed evil/badname.tar.gz >out &&
	echo 1 >expect && test_cmp expect out &&
	diff -r src "$(model-promote path renamed:1)"
'

# A version's files are a tree: "a" cannot be a file and a directory.
test_expect_success 'a file that is also a directory of another is refused' '
	mkdir -p clash/model/a && echo A >clash/model/a/b && echo B >clash/b &&
	ha=$(sha256sum <clash/b | cut -c1-64) &&
	hb=$(sha256sum <clash/model/a/b | cut -c1-64) &&
	printf "{\"name\":\"clash\",\"version\":1,\"files\":[{\"path\":\"a\",\"sha256\":\"%s\",\"size\":2},{\"path\":\"a/b\",\"sha256\":\"%s\",\"size\":2}]}" \
		$ha $hb >clash/MODEL.json &&
	tar -C clash -czf evil/clash.tar.gz --transform "s,^b$,model/a," MODEL.json b model/a/b &&
	tar tzf evil/clash.tar.gz >list &&
	test_grep "^model/a$" list && test_grep "^model/a/b$" list &&
	refused evil/clash.tar.gz "a. is a file and a directory"
'

test_expect_success 'a broken archive, no archive, an empty file, a missing file: exit 2' '
	head -c $(($(wc -c <a.tar.gz) / 2)) a.tar.gz >evil/half.tar.gz &&
	refused evil/half.tar.gz "evil/half.tar.gz" &&
	echo "not an archive" >evil/junk.tar.gz &&
	refused evil/junk.tar.gz "evil/junk.tar.gz" &&
	: >evil/empty.tar.gz &&
	refused evil/empty.tar.gz "evil/empty.tar.gz" &&
	refused evil/nosuch.tar.gz "cannot open .evil/nosuch.tar.gz." &&
	refused evil "evil. is a directory" &&
	refused - "give a file, not .-." &&
	test_expect_code 2 model-promote import 2>err &&
	test_grep "give one FILE" err
'

test_expect_success 'path: checks the files out under .mlrepo/checkout/NAME/VERSION' '
	model-promote path churn:1 >out 2>err &&
	echo "$(pwd -P)/.mlrepo/checkout/churn/1" >expect &&
	test_cmp expect out &&
	dir=$(cat out) &&
	diff -r src "$dir" &&
	test -x "$dir/run.sh" &&
	model-promote path churn@production >out2 &&
	test_cmp expect out2 &&
	model-promote path churn >latest &&
	echo "$(pwd -P)/.mlrepo/checkout/churn/2" >expect &&
	test_cmp expect latest &&
	test_expect_code 2 model-promote path churn:7 2>err &&
	test_grep "no version 7" err &&
	test ! -e .mlrepo/checkout/churn/7
'

test_expect_success 'path again prints the same and does not write the files again' '
	dir=$(model-promote path churn:1) &&
	find "$dir" -exec stat -c "%n %i %Y %Z" {} + | sort >before &&
	sleep 1 &&
	model-promote path churn:1 >out &&
	echo "$dir" >expect && test_cmp expect out &&
	find "$dir" -exec stat -c "%n %i %Y %Z" {} + | sort >after &&
	test_cmp before after
'

# Root writes through a 0444 file: a hard link into the store would let a
# serving script change an object.
test_expect_success ROOT 'as root the checkout holds copies, not links to objects' '
	dir=$(model-promote path churn:1) &&
	h=$(sha256sum <src/sub/blob.bin | cut -c1-64) &&
	o=$(obj $h) && test -n "$o" &&
	# random bytes are stored as they are, so a link could be made
	test "$o" = .mlrepo/objects/$(echo $h | cut -c1-2)/$(echo $h | cut -c3-) &&
	test "$(stat -c %h "$dir/sub/blob.bin")" = 1 &&
	test "$(stat -c %i "$dir/sub/blob.bin")" != "$(stat -c %i "$o")"
'

test_expect_success 'rm of a version removes its checkout; an alias holder stays' '
	mkdir src3 && echo three >src3/weights.bin &&
	model-promote register churn src3 >out &&
	echo 3 >expect && test_cmp expect out &&
	dir=$(model-promote path churn:3) &&
	test -d "$dir" &&
	model-promote rm churn:3 &&
	test ! -e "$dir" &&
	test_expect_code 2 model-promote path churn:3 2>err &&
	test ! -e "$dir" &&
	test_expect_code 2 model-promote rm churn:1 2>err &&
	test -d .mlrepo/checkout/churn/1
'

test_expect_success 'fsck is clean after all of the above' '
	mlrepo fsck >out 2>err &&
	test ! -s out &&
	test_grep " 0 problems$" err &&
	mlrepo -C other fsck 2>err &&
	test_grep " 0 problems$" err
'

test_expect_success 'gc keeps a version'"'"'s objects, and drops them after rm' '
	cd "$(new_repo gc)" &&
	mkdir v1 v2 && echo shared >v1/a && echo only-one >v1/b &&
	echo shared >v2/a && echo only-two >v2/c &&
	model-promote register m v1 >/dev/null &&
	model-promote register m v2 >/dev/null &&
	a=$(sha256sum <v1/a | cut -c1-64) && b=$(sha256sum <v1/b | cut -c1-64) &&
	c=$(sha256sum <v2/c | cut -c1-64) &&
	model-promote show m:1 --json >show.json &&
	t=$(sed -n "s/.*\"tree\":\"\([0-9a-f]*\)\".*/\1/p" show.json) &&
	test -n "$t" && test -n "$(obj $t)" &&
	mlrepo gc --prune=now 2>err &&
	test -n "$(obj $a)" && test -n "$(obj $b)" && test -n "$(obj $c)" &&
	test -n "$(obj $t)" &&
	model-promote rm m:1 &&
	mlrepo gc --prune=now 2>err &&
	test -n "$(obj $a)" && test -n "$(obj $c)" &&
	test -z "$(obj $b)" && test -z "$(obj $t)" &&
	test_grep "removed 2 objects" err &&
	diff -r v2 "$(model-promote path m:2)" &&
	mlrepo fsck 2>err &&
	test_grep " 0 problems$" err
'

test_expect_success 'a bundle carries versions, tags, aliases and their history' '
	mlrepo init -q ba && mlrepo init -q bb &&
	cd ba &&
	echo one >w1 && echo two >w2 &&
	model-promote register churn w1 -m auc=0.8 >/dev/null &&
	model-promote register churn w2 -m auc=0.9 -t team=risk >/dev/null &&
	model-promote churn:1 --to production --reason first >/dev/null &&
	model-promote churn:2 --to production --reason better >/dev/null &&
	model-promote churn:1 --to staging >/dev/null &&
	model-promote history churn >../hist-a &&
	test_line_count = 3 ../hist-a &&
	mlrepo bundle create ../b1.tar.gz 2>err &&
	cd ../bb &&
	mlrepo bundle unbundle ../b1.tar.gz 2>err &&
	model-promote ls churn >ls &&
	test_line_count = 2 ls &&
	model-promote alias churn >aliases &&
	printf "production\t2\nstaging\t1\n" >expect &&
	test_cmp expect aliases &&
	model-promote history churn >hist-b &&
	test_cmp ../hist-a hist-b &&
	test_grep "	production	1	2	.*	better$" hist-b &&
	model-promote show churn:2 >show &&
	test_grep "^  team  *risk$" show &&
	dir=$(model-promote path churn@production) &&
	echo two >expect && test_cmp expect "$dir/w2" &&
	mlrepo fsck 2>err &&
	test_grep " 0 problems$" err
'

test_expect_success 'unbundling the same bundle again changes nothing' '
	cd bb &&
	snapshot . ../bb1 &&
	model-promote history churn >h1 &&
	mlrepo bundle unbundle ../b1.tar.gz 2>err &&
	test_grep "(0 new), .* (0 new)" err &&
	snapshot . ../bb2 &&
	test_cmp ../bb1 ../bb2 &&
	model-promote history churn >h2 &&
	test_cmp h1 h2
'

test_expect_success 'an alias deleted on one side is deleted on the other' '
	model-promote -C ba alias --delete churn@staging --reason retired 2>err &&
	test_grep "deleted churn@staging (was 1)" err &&
	mlrepo -C ba bundle create ../b2.tar.gz 2>err &&
	mlrepo -C bb bundle unbundle ../b2.tar.gz 2>err &&
	model-promote -C bb alias churn >aliases &&
	printf "production\t2\n" >expect &&
	test_cmp expect aliases &&
	test_expect_code 2 model-promote -C bb path churn@staging 2>err &&
	model-promote -C bb history churn --alias staging >hist &&
	test_line_count = 2 hist &&
	test_grep "	delete	staging	1	-	.*retired$" hist
'

test_expect_success 'rollback in the other repository walks the stack that travelled' '
	cd bb &&
	model-promote rollback churn --alias production --reason revert >out 2>err &&
	model-promote alias churn@production >v &&
	echo 1 >expect && test_cmp expect v
'

test_expect_success 'a version registered on both sides with other files: conflict, ours kept' '
	echo a-side >ba/cf && echo b-side >bb/cf &&
	model-promote -C ba register cf cf >/dev/null &&
	model-promote -C bb register cf cf >/dev/null &&
	model-promote -C ba tag churn:1 note=after >/dev/null &&
	mlrepo -C ba bundle create ../b3.tar.gz 2>err &&
	test_expect_code 1 mlrepo -C bb bundle unbundle ../b3.tar.gz 2>err &&
	test_grep "conflict: model cf:1 differs in the bundle .*: kept this one" err &&
	dir=$(model-promote -C bb path cf:1) &&
	echo b-side >expect && test_cmp expect "$dir/cf" &&
	model-promote -C bb show churn:1 >show &&
	test_grep "^  note  *after$" show &&
	test_expect_code 1 mlrepo -C bb bundle unbundle ../b3.tar.gz 2>err &&
	mlrepo -C bb fsck 2>err &&
	test_grep " 0 problems$" err
'

test_expect_success SQLITE3 'fsck finds an alias pointing at a version that is gone' '
	cp -a bb bc && cd bc &&
	sqlite3 .mlrepo/catalog.db "DELETE FROM model_versions WHERE name = '"'"'churn'"'"' AND version = 1" &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "1 aliases pointing at versions that do not exist" out err
'

test_expect_success 'fsck finds a version whose file is missing' '
	cp -a bb bd && cd bd &&
	h=$(sha256sum <../bb/cf | cut -c1-64) &&
	o=$(obj $h) && test -n "$o" &&
	rm -f "$o" &&
	test_expect_code 1 mlrepo fsck >out 2>err &&
	test_grep "$h" out err
'

test_done
