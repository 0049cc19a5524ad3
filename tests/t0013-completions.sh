#!/bin/sh
test_description='bash and zsh completions offer subcommands, options and names from a real repository'
. ./test-lib.sh

COMP=$SRC_DIR/share/completions
tools="mlrepo exp-log fs-ingest pipe-run model-promote drift-check"

command -v bash >/dev/null 2>&1 && TEST_PREREQ_BASH=1
command -v zsh >/dev/null 2>&1 &&
	zsh -fc 'zmodload zsh/zpty' 2>/dev/null && TEST_PREREQ_ZSH=1

# bash_complete TOOL WORD...: what TOOL's bash completion offers for the
# last WORD ('' for an empty one), sorted, one a line.  The function is
# the one the file registers with `complete -F`.
bash_complete() {
	bash -c '
		f=$1 tool=$2
		shift 2
		. "$f" || exit 3
		fn=$(complete -p "$tool" | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		[ -n "$fn" ] || exit 3
		COMP_WORDS=("$tool" "$@")
		COMP_CWORD=$#
		COMP_LINE="${COMP_WORDS[*]}"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		"$fn" "$tool" "${COMP_WORDS[COMP_CWORD]}" \
			"${COMP_WORDS[COMP_CWORD-1]}" || :
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$COMP/$1.bash" "$@" | sed "/^\$/d" | sort -u
}

# zsh_complete LINE...: for each LINE, what zsh's completion system, with
# share/completions first in $fpath, offers at its end, as "N<TAB>match"
# lines (N counts the LINEs from 1).  A real interactive zsh runs on a
# pseudo-terminal (zpty); a compadd wrapper prints each match it adds.
cat >"$TRASH/capture.zsh" <<\EOF
zmodload zsh/zpty || exit 3
dir=$1
shift
init=$PWD/capture-init.zsh
cat >$init <<\EOI
PS1='' PS2='' RPS1='' PROMPT_EOL_MARK='' LISTMAX=100000
unsetopt zle_bracketed_paste auto_list list_ambiguous 2>/dev/null
autoload -Uz compinit && compinit -u -D
zstyle ':completion:*' insert-tab false
compadd() {
	if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a hits
	builtin compadd -A hits "$@"
	(( $#hits )) && print -rl -- "<m>"${^hits}
	builtin compadd "$@"
}
cap_done() { print -r -- "<done>" }
EOI
zpty z zsh -f -i
zpty -w z "fpath=(${(q)dir} \$fpath); source ${(q)init}"
zpty -w z 'print -r -- "<rea""dy>"'
zpty -r z out '*<ready>*' || exit 3
n=0
for l; do
	(( n++ ))
	zpty -w z 'comppostfuncs=(cap_done)'
	zpty -w -n z "$l"$'\t'
	zpty -r z out '*<done>*' || exit 3
	print -r -- "$out" | tr -d '\r' | sed -n "s/.*<m>/$n	/p"
	zpty -w -n z $'\C-u'
done
zpty -d z
EOF

zsh_complete() {
	timeout 60 zsh -f "$TRASH/capture.zsh" "$COMP" "$@" | sort -u
}

# matches N FILE: the matches of line N of a zsh_complete output.
matches() {
	sed -n "s/^$1	//p" "$2"
}

# The repository the names come from: two experiments with a run each, a
# feature group, a model with two versions and two aliases, a recorded
# drift check, and a pipeline file with two stages and a param.
test_expect_success 'a repository with names in it' '
	r1=$(exp-log start -e alpha -n first) &&
	exp-log end -r "$r1" &&
	r2=$(exp-log start -e beta) &&
	exp-log end -r "$r2" &&
	echo "$r1" >run-id &&
	printf "id,ts,x\n1,2024-01-01T00:00:00Z,1.5\n" >f.csv &&
	fs-ingest define sensors --entity id --timestamp ts \
		--feature x:float 2>/dev/null &&
	fs-ingest sensors f.csv 2>/dev/null &&
	echo model >m.bin &&
	model-promote register churn m.bin -m auc=0.8 >/dev/null &&
	model-promote register churn m.bin -m auc=0.9 >/dev/null &&
	model-promote churn:1 --to production >/dev/null &&
	model-promote churn:2 --to staging >/dev/null &&
	printf "a\n1\n2\n3\n" >r.csv &&
	drift-check -q r.csv r.csv --record nightly &&
	cat >pipeline.ini <<-\EOF &&
	[params]
		lr = 0.01
	[stage "prepare"]
		cmd = echo hi >out.txt
		outs = out.txt
	[stage "train"]
		cmd = cat out.txt >model.txt
		deps = out.txt
		outs = model.txt
	EOF
	printf "[stage \"other\"]\n\tcmd = true\n" >other.ini
'

# ---- bash ---------------------------------------------------------------

test_expect_success BASH 'bash: every file registers a function for its tool' '
	for t in $tools; do
		bash -c ". \"$COMP/$t.bash\" && complete -p $t" >out ||
			return 1
		test_grep -- "-F _" out || return 1
	done
'

test_expect_success BASH 'bash: the subcommands of every tool' '
	bash_complete mlrepo "" >out &&
	test_grep -x init out && test_grep -x bundle out &&
	bash_complete mlrepo bundle "" >out &&
	printf "create\nunbundle\n" >expect && test_cmp expect out &&
	bash_complete exp-log "" >out &&
	test_grep -x start out && test_grep -x experiments out &&
	bash_complete fs-ingest "" >out &&
	test_grep -x define out && test_grep -x join out &&
	bash_complete pipe-run "" >out &&
	test_grep -x status out && test_grep -x checkout out &&
	bash_complete model-promote "" >out &&
	test_grep -x register out && test_grep -x rollback out &&
	bash_complete drift-check "" >out &&
	test_grep -x profile out && test_grep -x history out
'

test_expect_success BASH 'bash: every subcommand of the usage is offered' '
	for t in $tools; do
		$t --help | sed -n "/^commands:/,\$s/^    \([a-z-]*\) .*/\1/p" \
			>cmds && test -s cmds &&
		bash_complete $t "" >out || return 1
		for c in $(cat cmds); do
			test_grep -x "$c" out || return 1
		done
	done
'

test_expect_success BASH 'bash: experiment names and run ids come from the repository' '
	bash_complete exp-log ls -e "" >out &&
	printf "alpha\nbeta\n" >expect && test_cmp expect out &&
	bash_complete exp-log ls -e a >out &&
	echo alpha >expect && test_cmp expect out &&
	bash_complete exp-log show "" >out &&
	test_grep -x "$(cat run-id)" out
'

test_expect_success BASH 'bash: group names come from the repository' '
	bash_complete fs-ingest show "" >out &&
	echo sensors >expect && test_cmp expect out &&
	bash_complete fs-ingest s >out &&
	test_grep -x sensors out && test_grep -x stats out &&
	bash_complete drift-check fs: >out &&
	echo fs:sensors >expect && test_cmp expect out
'

test_expect_success BASH 'bash: model names come from the repository' '
	bash_complete model-promote show "" >out &&
	echo churn >expect && test_cmp expect out &&
	bash_complete drift-check --model "" >out &&
	test_cmp expect out
'

test_expect_success BASH 'bash: stage names come from the pipeline file, -f names another' '
	bash_complete pipe-run status "" >out &&
	test_grep -x prepare out && test_grep -x train out &&
	! test_grep -x other out &&
	bash_complete pipe-run -f other.ini "" >out &&
	test_grep -x other out && ! test_grep -x train out
'

# A directory with no repository above it.
NOREPO=$(mktemp -d "${TMPDIR:-/tmp}/mlrepo-norepo.XXXXXX") || exit 1
trap 'rm -rf "$NOREPO"; test_cleanup' EXIT

test_expect_success BASH 'bash: outside a repository, no names and no error' '
	cd "$NOREPO" &&
	bash_complete fs-ingest show "" >out 2>err &&
	test_line_count = 0 out && test_line_count = 0 err
'

# ---- zsh ----------------------------------------------------------------

test_expect_success ZSH 'zsh: every file parses (zsh -n) and names its tool in #compdef' '
	for t in $tools; do
		zsh -n "$COMP/_$t" || return 1
		echo "#compdef $t" >expect &&
		head -n 1 "$COMP/_$t" >out &&
		test_cmp expect out || return 1
	done
'

test_expect_success ZSH 'zsh: the subcommands of every tool, as its usage lists them' '
	set -- &&
	for t in $tools; do
		set -- "$@" "$t "
	done &&
	zsh_complete "$@" >out &&
	i=0 &&
	for t in $tools; do
		i=$((i + 1)) &&
		$t --help | sed -n "/^commands:/,\$s/^    \([a-z-]*\) .*/\1/p" \
			>cmds && test -s cmds &&
		matches $i out >got || return 1
		for c in $(cat cmds) help; do
			test_grep -x "$c" got || return 1
		done
	done
'

test_expect_success ZSH 'zsh: every long option of every subcommand usage' '
	set -- &&
	for t in $tools; do
		for c in $($t --help |
			sed -n "/^commands:/,\$s/^    \([a-z-]*\) .*/\1/p"); do
			echo "$t $c" >>subs
			set -- "$@" "$t $c --"
		done
	done &&
	zsh_complete "$@" >opts &&
	i=0 &&
	while read -r t c; do
		i=$((i + 1)) &&
		$t $c -h | sed -n "s/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z-]*\).*/\2/p" |
			sort -u >want &&
		test -s want &&
		matches $i opts | sed "s/=\$//" >got &&
		comm -23 want got >missing &&
		{ test_line_count = 0 missing ||
			{ echo "$t $c: not offered:"; cat missing;
			  echo "offered:"; cat got; false; }; } ||
		return 1
	done <subs
'

test_expect_success ZSH 'zsh: names from the repository' '
	zsh_complete "exp-log ls -e " "fs-ingest show " "model-promote show " \
		"pipe-run status " "drift-check history " "model-promote churn:" \
		"model-promote alias churn@" "drift-check r.csv fs:" \
		"exp-log show " "pipe-run -S " "pipe-run -f other.ini " >out &&
	matches 1 out >got && printf "alpha\nbeta\n" >expect &&
	test_cmp expect got &&
	matches 2 out >got && echo sensors >expect && test_cmp expect got &&
	matches 3 out >got && echo churn >expect && test_cmp expect got &&
	matches 4 out >got && printf "prepare\ntrain\n" >expect &&
	test_cmp expect got &&
	matches 5 out >got && echo nightly >expect && test_cmp expect got &&
	matches 6 out >got && printf "1\n2\n" >expect && test_cmp expect got &&
	matches 7 out >got && printf "production\nstaging\n" >expect &&
	test_cmp expect got &&
	matches 8 out >got && echo sensors >expect && test_cmp expect got &&
	matches 9 out >got && test_grep -x "$(cat run-id)" got &&
	matches 10 out >got && echo lr= >expect && test_cmp expect got &&
	matches 11 out >got && test_grep -x other got &&
	! test_grep -x train got
'

test_expect_success ZSH 'zsh: -C DIR names the repository the names come from' '
	cd "$NOREPO" &&
	zsh_complete "fs-ingest show " "fs-ingest -C $TRASH show " >out &&
	matches 1 out >got && test_line_count = 0 got &&
	matches 2 out >got && echo sensors >expect && test_cmp expect got
'

test_done
