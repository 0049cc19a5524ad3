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
# MLREPO_TEST_KEEP=1 keeps the trash directory; -v or MLREPO_TEST_VERBOSE=1
# shows each failing body's output.

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
	(eval "$2") >"$TRASH/.test-out" 2>&1
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

# test_grep [-v] PATTERN FILE: grep that shows the file when it fails.
test_grep() {
	if grep "$@"; then
		return 0
	fi
	eval "f=\${$#}"
	echo "test_grep: no match for '$*'; the file was:" >&2
	cat "$f" >&2
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
