# test-lib.sh - a small TAP harness for mlrepo's shell tests, in the style
# of git's t/test-lib.sh.
#
#   test_description='what this file tests'
#   . ./test-lib.sh
#   test_expect_success 'what it shows' '
#           mlrepo hash-object f >out &&
#           test_cmp expect out
#   '
#   test_done
#
# Each test file runs in a fresh temporary directory ($TRASH) holding a
# fresh repository (mlrepo init), with the freshly built tools first on
# PATH.  Each test body runs with `set -e` off: chain steps with && so that
# the first failure fails the test.  $SHARED_DATA is ../shared/data.
# A failing test shows its body and the end of its output as TAP comments;
# its file's trash directory is kept, and MLREPO_TEST_KEEP=1 keeps it always.
#
# A test that changes state later tests see (a corrupted object, a config
# key, a directory outside $TRASH) registers its undo first, so that it runs
# whether the test passes or fails:
#
#   test_expect_success 'fsck names a stray file' '
#           echo junk >.mlrepo/objects/junk &&
#           test_when_finished "rm -f .mlrepo/objects/junk" &&
#           test_expect_code 1 mlrepo fsck
#   '
#
# tests/README lists every function and how the tests are run.

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_DIR=$(cd "$TEST_DIR/.." && pwd)
: "${MLREPO_BUILD:=$SRC_DIR/build}"
PATH="$MLREPO_BUILD/bin:$MLREPO_BUILD/tests/helpers:$PATH"
SHARED_DATA="$SRC_DIR/../shared/data"
export PATH SHARED_DATA MLREPO_BUILD TEST_DIR SRC_DIR

unset MLREPO_DIR MLREPO_RUN NO_COLOR
export LC_ALL=C TZ=UTC
# Sanitizer failures must never look like an ordinary exit 1 or 2.
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=0"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

case " $* " in *" -v "*) MLREPO_TEST_VERBOSE=1 ;; esac

test_count=0
test_failed=0
test_skipped=0

TRASH=$(mktemp -d "${TMPDIR:-/tmp}/mlrepo-test.XXXXXX")
HOME=$TRASH
export HOME TRASH
cd "$TRASH" || exit 1
git config --global user.name tester >/dev/null 2>&1
git config --global user.email tester@example.com >/dev/null 2>&1
mlrepo init -q . >/dev/null || { echo "Bail out! mlrepo init failed"; exit 1; }

test_cleanup() {
	if [ -z "${MLREPO_TEST_KEEP:-}" ] && [ "$test_failed" = 0 ]; then
		cd / && rm -rf "$TRASH"
	fi
}
trap test_cleanup EXIT

# test_have_prereq NAME: true when a prerequisite is met.  Known names:
# PYTHON3 (python3 on PATH), SQLITE3 (sqlite3 shell), SHARED (../shared/data),
# FAULT (the LD_PRELOAD fault shim, not in sanitizer builds).
test_have_prereq() {
	for p in $(echo "$1" | tr ',' ' '); do
		case $p in
		PYTHON3) command -v python3 >/dev/null 2>&1 || return 1 ;;
		SQLITE3) command -v sqlite3 >/dev/null 2>&1 || return 1 ;;
		SHARED) [ -r "$SHARED_DATA/co2.csv" ] || return 1 ;;
		ROOT) [ "$(id -u)" = 0 ] || return 1 ;;
		FAULT) [ -z "${MLREPO_SANITIZE:-}" ] &&
			[ -f "$MLREPO_BUILD/tests/helpers/libfault.so" ] || return 1 ;;
		NOTROOT) [ "$(id -u)" != 0 ] || return 1 ;;
		*) eval "test -n \"\${TEST_PREREQ_$p:-}\"" || return 1 ;;
		esac
	done
}

test_expect_success() {
	if [ $# = 3 ]; then
		prereq=$1
		shift
	else
		prereq=
	fi
	test_count=$((test_count + 1))
	if [ -n "$prereq" ] && ! test_have_prereq "$prereq"; then
		test_skipped=$((test_skipped + 1))
		echo "ok $test_count # skip $1 (missing $prereq)"
		return 0
	fi
	cd "$TRASH" || exit 1
	# The body runs in a subshell; its cleanups run when that subshell
	# exits, by the end of the body or by an `exit` in it.  `exit $?`
	# keeps the shell from exec'ing the body's last command in place.
	(
		test_cleanups_=
		test_body_pid_=unknown
		read -r test_body_pid_ _ 2>/dev/null </proc/self/stat
		trap 'test_finish_ $?' EXIT
		eval "$2"
		exit $?
	) >"$TRASH/.test-out" 2>&1
	rc=$?
	cd "$TRASH" || exit 1
	if [ $rc = 0 ]; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#	/' <<EOF_BODY
$2
EOF_BODY
		echo "#	exit status $rc; output:"
		tail -n 40 "$TRASH/.test-out" | sed 's/^/#	/'
	fi
}

# test_when_finished CMD...: inside a test body, run CMD (a shell command
# string, as for eval) when the body ends: when it passes, when it fails and
# when it exits.  A failing CMD fails the test, and says so in the output.
# Cleanups run last registered first, every one even when another failed,
# each in the directory that was current when it was registered, after the
# body's variables are set (so 'rm -f "$f"' sees the body's $f).  Register
# the cleanup before making the change it undoes.  Outside a test body it
# bails out; in a subshell of the body (whose registrations would be lost
# when the subshell ends) it fails the test.
test_when_finished() {
	if [ -z "${test_body_pid_:-}" ]; then
		echo "Bail out! test_when_finished used outside a test body"
		exit 1
	fi
	test_pid_=$test_body_pid_
	read -r test_pid_ _ 2>/dev/null </proc/self/stat
	if [ "$test_pid_" != "$test_body_pid_" ]; then
		echo "test_when_finished: used in a subshell, where it would" \
		     "be forgotten: '$*'" >&2
		return 1
	fi
	test_cleanups_="test_cleanup_one_ $(test_quote_ "$PWD") $(test_quote_ "$*")
$test_cleanups_"
}

# test_quote_ STRING: STRING single-quoted for eval.
test_quote_() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

# Run by the body's EXIT trap with the body's status: run the cleanups and
# exit with the body's status, or with the first failing cleanup's when the
# body passed.
test_finish_() {
	test_status_=$1
	trap - EXIT
	eval "$test_cleanups_"
	exit "$test_status_"
}

test_cleanup_one_() {
	(cd "$1" && eval "$2")
	test_cleanup_rc_=$?
	[ "$test_cleanup_rc_" = 0 ] && return 0
	echo "test_when_finished: cleanup '$2' failed" \
	     "(exit $test_cleanup_rc_)" >&2
	[ "$test_status_" != 0 ] || test_status_=$test_cleanup_rc_
}

# test_must_fail CMD...: CMD exits non-zero but was not killed by a signal.
test_must_fail() {
	"$@"
	rc=$?
	if [ $rc = 0 ]; then
		echo "test_must_fail: '$*' succeeded" >&2
		return 1
	elif [ $rc -gt 128 ]; then
		echo "test_must_fail: '$*' died of signal $((rc - 128))" >&2
		return 1
	fi
	return 0
}

# test_expect_code CODE CMD...: CMD exits exactly CODE.
test_expect_code() {
	want=$1
	shift
	"$@"
	rc=$?
	if [ "$rc" != "$want" ]; then
		echo "test_expect_code: '$*' exited $rc, expected $want" >&2
		return 1
	fi
	return 0
}

# test_cmp EXPECTED ACTUAL: the files are equal (a diff is shown if not).
test_cmp() {
	diff -u "$1" "$2"
}

# test_line_count OP N FILE: e.g. test_line_count = 3 out
test_line_count() {
	n=$(wc -l <"$3" | tr -d ' ')
	if ! [ "$n" "$1" "$2" ]; then
		echo "test_line_count: $3 has $n lines, expected $1 $2" >&2
		cat "$3" >&2
		return 1
	fi
}

# test_grep [GREP-OPTION...] PATTERN [FILE]: grep, which on failure shows
# what it searched: FILE, or the standard input when no FILE is given
# (`cmd >out && test_grep x out` keeps cmd's exit status; prefer it to a
# pipe).  -e, -f, -m, -A, -B and -C take their argument as the next word.
test_grep() {
	tg_files_=0 tg_pat_= tg_opts_=1 tg_skip_=
	for tg_a_; do
		if [ -n "$tg_skip_" ]; then
			tg_skip_=
			continue
		fi
		if [ -n "$tg_opts_" ]; then
			case $tg_a_ in
			--) tg_opts_= ; continue ;;
			-e|-f) tg_pat_=1 tg_skip_=1; continue ;;
			-m|-A|-B|-C) tg_skip_=1; continue ;;
			-e*|-f*) tg_pat_=1; continue ;;
			-?*) continue ;;
			esac
		fi
		if [ -z "$tg_pat_" ]; then
			tg_pat_=1
		else
			tg_files_=$((tg_files_ + 1))
		fi
	done
	tg_args_=$*
	if [ "$tg_files_" = 0 ]; then
		tg_in_=$(mktemp "${TMPDIR:-/tmp}/test_grep.XXXXXX") || return 1
		cat >"$tg_in_"
		grep "$@" "$tg_in_"
		tg_rc_=$?
		if [ "$tg_rc_" != 0 ]; then
			echo "test_grep: no match: grep $tg_args_" >&2
			if [ -s "$tg_in_" ]; then
				echo "test_grep: its standard input was:" >&2
				cat "$tg_in_" >&2
			else
				echo "test_grep: its standard input was empty" >&2
			fi
		fi
		rm -f "$tg_in_"
		return "$tg_rc_"
	fi
	grep "$@" && return 0
	eval "tg_f_=\${$#}"
	echo "test_grep: no match: grep $tg_args_" >&2
	echo "test_grep: '$tg_f_' holds:" >&2
	cat "$tg_f_" >&2
	return 1
}

# A fresh repository in a new directory: cd "$(new_repo NAME)"
new_repo() {
	rm -rf "$TRASH/$1" && mkdir -p "$TRASH/$1" &&
	mlrepo init -q "$TRASH/$1" >/dev/null && echo "$TRASH/$1"
}

test_done() {
	echo "1..$test_count"
	if [ "$test_failed" != 0 ]; then
		echo "# failed $test_failed of $test_count test(s); kept $TRASH"
		exit 1
	fi
	exit 0
}
