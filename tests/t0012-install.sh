#!/bin/sh
test_description='make install DESTDIR=... places what the FHS wants; make uninstall removes it'
. ./test-lib.sh

# make runs in the source tree against the build directory this test runs
# against (O=), with the same SANITIZE, so that it installs those binaries
# and never rebuilds or writes there: the test is skipped unless `make -q`
# says that build is up to date.  MAKEFLAGS from an outer make (the
# jobserver of make check) stays out.
unset MAKEFLAGS MFLAGS MAKELEVEL
mk() {
	make -s -C "$SRC_DIR" O="$MLREPO_BUILD" SANITIZE="$MLREPO_SANITIZE" "$@"
}
if mk -q all >/dev/null 2>&1; then
	TEST_PREREQ_BUILT=1
fi

touch "$TRASH/.start"
tools="mlrepo exp-log fs-ingest pipe-run model-promote drift-check"

# check_installed ROOT PREFIX: every file of the suite is where it belongs.
check_installed() {
	r=$1$2
	for t in $tools; do
		test -x "$r/bin/$t" || { echo "no $r/bin/$t"; return 1; }
		test -f "$r/share/bash-completion/completions/$t" ||
			{ echo "no bash completion for $t"; return 1; }
		test -f "$r/share/zsh/site-functions/_$t" ||
			{ echo "no zsh completion for $t"; return 1; }
		cmp "$SRC_DIR/share/completions/_$t" \
			"$r/share/zsh/site-functions/_$t" || return 1
		cmp "$SRC_DIR/share/completions/$t.bash" \
			"$r/share/bash-completion/completions/$t" || return 1
		test -f "$r/share/man/man1/$t.1" ||
			{ echo "no man page for $t"; return 1; }
	done
	for m in "$SRC_DIR"/man/*.1; do
		cmp "$m" "$r/share/man/man1/${m##*/}" || return 1
	done
	for m in "$SRC_DIR"/man/*.5; do
		cmp "$m" "$r/share/man/man5/${m##*/}" || return 1
	done
	test -f "$r/share/man/man5/mlrepo-layout.5" || return 1
	(cd "$SRC_DIR/share/examples" && find . -type f | sort) >ex.expect &&
	(cd "$r/share/mlrepo/examples" && find . -type f | sort) >ex.actual &&
	test_cmp ex.expect ex.actual &&
	test -s ex.actual
}

test_expect_success BUILT 'make install DESTDIR PREFIX=/usr: binaries, man pages, completions, examples' '
	mk install DESTDIR="$TRASH/usr-root" PREFIX=/usr >log 2>&1 &&
	check_installed "$TRASH/usr-root" /usr &&
	! test -e "$TRASH/usr-root/usr/local"
'

test_expect_success BUILT 'the installed binaries run' '
	for t in $tools; do
		"$TRASH/usr-root/usr/bin/$t" --version >v || return 1
		test_grep "[0-9]" v || return 1
	done
'

test_expect_success BUILT 'the installed binaries are the build directory'"'"'s' '
	for t in $tools; do
		cmp "$MLREPO_BUILD/bin/$t" "$TRASH/usr-root/usr/bin/$t" ||
			return 1
	done
'

test_expect_success BUILT 'make uninstall removes every file it installed and nothing else' '
	d=$TRASH/usr-root/usr &&
	echo mine >"$d/bin/other-tool" &&
	echo mine >"$d/share/man/man1/other.1" &&
	echo mine >"$d/share/zsh/site-functions/_other" &&
	echo mine >"$d/share/bash-completion/completions/other" &&
	mk uninstall DESTDIR="$TRASH/usr-root" PREFIX=/usr >log 2>&1 &&
	(cd "$TRASH/usr-root" && find . -type f | sort) >left &&
	cat >expect <<-\EOF &&
	./usr/bin/other-tool
	./usr/share/bash-completion/completions/other
	./usr/share/man/man1/other.1
	./usr/share/zsh/site-functions/_other
	EOF
	test_cmp expect left &&
	! test -e "$d/share/mlrepo"
'

test_expect_success BUILT 'the default PREFIX is /usr/local' '
	mk install DESTDIR="$TRASH/local-root" >log 2>&1 &&
	check_installed "$TRASH/local-root" /usr/local &&
	"$TRASH/local-root/usr/local/bin/mlrepo" --version &&
	(cd "$TRASH/local-root" && find . -path ./usr/local -prune -o \
		-type f -print) >outside &&
	test_line_count = 0 outside &&
	mk uninstall DESTDIR="$TRASH/local-root" >log 2>&1 &&
	(cd "$TRASH/local-root" && find . -type f) >left &&
	test_line_count = 0 left
'

test_expect_success BUILT 'installing wrote nothing into the source tree' '
	(cd "$SRC_DIR" && find Makefile cmd lib man share scripts tests \
		-newer "$TRASH/.start" -print) >changed &&
	test_line_count = 0 changed
'

test_done
