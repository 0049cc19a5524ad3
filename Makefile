# mlrepo - build, test, install.  Plain make: no generated makefiles beyond
# the compiler's header dependencies.
#
#   make                 build lib/libmlrepo.a and the tools into build/
#   make check           build and run every test under prove
#   make check SANITIZE=1  the same with ASan+UBSan, in build-san/
#   make bench           run the benchmarks in bench/ (slow; prints ratios)
#   make demo            a short tour in a temporary directory
#   make install         PREFIX=/usr/local DESTDIR= honoured; make uninstall
#   make fuzz            build the libFuzzer harnesses (clang) into build-fuzz/
#   make fuzz-run        run each for FUZZ_SECONDS (20) seconds; fails on a crash

PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man
SHAREDIR = $(PREFIX)/share/mlrepo
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/site-functions

CC ?= cc
PKGS = sqlite3 libcjson zlib libarchive libcrypto

ifeq ($(SANITIZE),1)
O ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined
else
O ?= build
endif

# -Werror in CI (CI=true) or when asked for with WERROR=1.
ifneq ($(CI)$(WERROR),)
WERRFLAG = -Werror
endif

CFLAGS ?= -O2 -g
WARNINGS = -Wall -Wextra -Wpedantic -Wshadow -Wno-unused-parameter \
	   -Wno-sign-compare -Wno-missing-field-initializers -Wformat=2 -Wno-format-nonliteral
# Evaluated once, after scripts/deps has had a chance to run.
PKG_CFLAGS = $(eval PKG_CFLAGS := $$(shell pkg-config --cflags $(PKGS)))$(PKG_CFLAGS)
# SQLite and libcrypto are linked statically when their archives exist
# (scripts/link-flags says why); STATIC= links everything shared.
STATIC ?= sqlite3 libcrypto
PKG_LIBS = $(eval PKG_LIBS := $$(shell STATIC="$(STATIC)" scripts/link-flags $(PKGS)))$(PKG_LIBS)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(WERRFLAG) $(SANFLAGS) \
	     $(CFLAGS) $(PKG_CFLAGS) -Ilib -MMD -MP
# Only the libraries a program calls become its NEEDED entries.  (No tool
# needs libarchive at start: lib/arc.c and lib/table.c dlopen it when
# they first meet an archive or a compressed input.)
# Debian's gcc passes --as-needed by default; other compilers and
# distributions do not, so it is asked for here.  macOS's linker has no
# such flag.
ifneq ($(shell uname -s),Darwin)
AS_NEEDED = -Wl,--as-needed
endif
ALL_LDFLAGS = $(SANFLAGS) $(AS_NEEDED) $(LDFLAGS)
LIBS = $(PKG_LIBS) -lm -lpthread

CMDS = mlrepo exp-log fs-ingest pipe-run model-promote drift-check
LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(O)/%.o)
LIB = $(O)/lib/libmlrepo.a
BINS = $(CMDS:%=$(O)/bin/%)
UNIT_SRC = $(sort $(wildcard tests/unit/test-*.c))
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(O)/tests/unit/%)
HELPER_SRC = $(filter-out tests/helpers/fault.c,$(sort $(wildcard tests/helpers/*.c)))
HELPER_BINS = $(HELPER_SRC:tests/helpers/%.c=$(O)/tests/helpers/%)
FUZZ_SRC = $(sort $(wildcard tests/fuzz/fuzz-*.c))
PROVE ?= prove
PROVE_OPTS ?= -j2

all: $(BINS)

$(O)/.deps-ok:
	@mkdir -p $(O)
	@pkg-config --exists $(PKGS) || scripts/deps
	@pkg-config --exists $(PKGS) || { echo "missing libraries: $(PKGS)" >&2; exit 1; }
	@touch $@

$(O)/%.o: %.c | $(O)/.deps-ok
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJ)

# A tool is cmd/NAME.c or the files of a folder cmd/NAME/.
cmd_objs = $(patsubst %.c,$(O)/%.o,$(sort $(wildcard cmd/$(1).c cmd/$(1)/*.c)))
define cmd_rule
$(O)/bin/$(1): $(call cmd_objs,$(1)) $(LIB)
	@mkdir -p $$(@D)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $(call cmd_objs,$(1)) $$(LIB) $$(LIBS)
endef
$(foreach c,$(CMDS),$(eval $(call cmd_rule,$(c))))

$(O)/tests/unit/%: $(O)/tests/unit/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

$(O)/tests/helpers/%: $(O)/tests/helpers/%.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(LIBS)

# The fault-injection shim (LD_PRELOAD); never built with sanitizers.
FAULT_SO = $(O)/tests/helpers/libfault.so
$(FAULT_SO): tests/helpers/fault.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -Wall $(AS_NEEDED) -o $@ $< -ldl

check: $(BINS) $(UNIT_BINS) $(HELPER_BINS) $(FAULT_SO)
	cd tests && MLREPO_BUILD="$(abspath $(O))" MLREPO_SANITIZE="$(SANITIZE)" $(PROVE) $(PROVE_OPTS) \
		$(patsubst tests/%,%,$(sort $(wildcard tests/t[0-9]*.sh))) \
		$(UNIT_BINS:%=../%)

# The same tests, one file: make test T=t0001-init.sh
test: $(BINS) $(UNIT_BINS) $(HELPER_BINS) $(FAULT_SO)
	cd tests && MLREPO_BUILD="$(abspath $(O))" MLREPO_SANITIZE="$(SANITIZE)" $(PROVE) -v $(T)

bench: $(BINS) $(HELPER_BINS)
	MLREPO_BUILD="$(abspath $(O))" bench/run

demo: $(BINS)
	MLREPO_BUILD="$(abspath $(O))" scripts/demo

lint-man:
	mandoc -T lint -W warning man/*.1 man/*.5

# The libFuzzer harnesses, tests/fuzz/fuzz-*.c, one program each in
# build-fuzz/.  lib/ is compiled once with coverage instrumentation
# (-fsanitize=fuzzer-no-link) and linked into every harness.
FUZZ_CC ?= clang
FUZZ_O = build-fuzz
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -Ilib \
	      -fsanitize=address,undefined $(PKG_CFLAGS)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_O)/%.o)
FUZZ_BINS = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_O)/%)

fuzz: $(FUZZ_BINS)

$(FUZZ_O)/lib/%.o: lib/%.c | $(O)/.deps-ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_O)/%: tests/fuzz/%.c $(FUZZ_LIB_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -MMD -MP -MF $@.d \
		-o $@ $< $(FUZZ_LIB_OBJ) $(PKG_LIBS) -lm -lpthread

# make fuzz-run: every harness in turn for FUZZ_SECONDS seconds, with its
# dictionary when there is one (tests/fuzz/fuzz-NAME.dict or NAME.dict),
# growing a corpus in build-fuzz/corpus/NAME/.  An input that crashes,
# leaks, trips a sanitizer or an assertion, or runs longer than
# FUZZ_TIMEOUT seconds is saved as build-fuzz/artifacts/NAME-*; the
# harness's log (build-fuzz/logs/NAME.log) is shown, and the target fails
# after all have run.  Replay an input with build-fuzz/fuzz-NAME FILE.
FUZZ_SECONDS ?= 20
FUZZ_TIMEOUT ?= 10
fuzz-run: $(FUZZ_BINS)
	@mkdir -p $(FUZZ_O)/logs $(FUZZ_O)/artifacts; failed=; \
	for f in $(FUZZ_SRC); do \
		n=$$(basename $$f .c); name=$${n#fuzz-}; \
		log=$(FUZZ_O)/logs/$$name.log; \
		dict=; for d in tests/fuzz/$$n.dict tests/fuzz/$$name.dict; do \
			if [ -f $$d ]; then dict=-dict=$$d; break; fi; \
		done; \
		mkdir -p $(FUZZ_O)/corpus/$$name; \
		echo "fuzz-run: $$n, $(FUZZ_SECONDS) s $$dict"; \
		if $(FUZZ_O)/$$n -max_total_time=$(FUZZ_SECONDS) \
			-timeout=$(FUZZ_TIMEOUT) $$dict \
			-artifact_prefix=$(FUZZ_O)/artifacts/$$name- \
			$(FUZZ_O)/corpus/$$name >$$log 2>&1; then \
			grep "^Done " $$log || tail -n 1 $$log; \
		else \
			echo "fuzz-run: $$n failed; the end of $$log:"; \
			tail -n 60 $$log; \
			failed="$$failed $$n"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz-run: failed:$$failed (inputs in $(FUZZ_O)/artifacts/)" >&2; \
		exit 1; \
	fi

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SHAREDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for b in $(CMDS); do install -m 0755 $(O)/bin/$$b $(DESTDIR)$(BINDIR)/$$b; done
	for m in man/*.1; do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man1/; done
	for m in man/*.5; do install -m 0644 $$m $(DESTDIR)$(MANDIR)/man5/; done
	cp -R share/examples $(DESTDIR)$(SHAREDIR)/
	for c in share/completions/*.bash; do \
		install -m 0644 $$c $(DESTDIR)$(BASHCOMPDIR)/$$(basename $$c .bash); done
	for c in share/completions/_*; do \
		install -m 0644 $$c $(DESTDIR)$(ZSHCOMPDIR)/; done

uninstall:
	for b in $(CMDS); do rm -f $(DESTDIR)$(BINDIR)/$$b; done
	for m in man/*.1; do rm -f $(DESTDIR)$(MANDIR)/man1/$$(basename $$m); done
	for m in man/*.5; do rm -f $(DESTDIR)$(MANDIR)/man5/$$(basename $$m); done
	for c in share/completions/*.bash; do \
		rm -f $(DESTDIR)$(BASHCOMPDIR)/$$(basename $$c .bash); done
	for c in share/completions/_*; do \
		rm -f $(DESTDIR)$(ZSHCOMPDIR)/$$(basename $$c); done
	rm -rf $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build build-san build-fuzz

.PHONY: all check test bench demo lint-man fuzz fuzz-run install uninstall clean
.SECONDARY:
.DELETE_ON_ERROR:

-include $(LIB_OBJ:.o=.d) $(UNIT_BINS:=.d) $(HELPER_BINS:=.d) \
	$(patsubst %.o,%.d,$(foreach c,$(CMDS),$(call cmd_objs,$(c)))) \
	$(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_BINS:=.d)
