# brdctl — build, test and install.  See README.md.
VERSION    := 0.1.0
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DESTDIR    ?=

CC         ?= gcc
BUILD      ?= build
SAN        ?= 0
PKGS       := blkid mount smartcols libkmod fdisk popt libxxhash

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libkmod is dlopen()ed by lib/ramdisk/brd.c (only its header is needed here)
PKG_LIBS   := $(shell pkg-config --libs $(filter-out libkmod,$(PKGS)) 2>/dev/null)

WARN       := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CFLAGS     ?= -O2 -g
# CFLAGS, CPPFLAGS and LDFLAGS from the environment or the command line
# (dpkg-buildflags' hardening flags in debian/rules) reach every compile and link
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DVERSION='"$(VERSION)"' $(WARN) \
              $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -MMD -MP
ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS    += -fsanitize=address,undefined
endif

LIB_SRC    := $(sort $(wildcard lib/*/*.c))
CMD_SRC    := $(sort $(wildcard cmd/*.c))
UNIT_SRC   := $(sort $(wildcard tests/unit/test-*.c))
HELPER_SRC := $(sort $(wildcard tests/helpers/*.c))
FUZZ_SRC   := $(sort $(wildcard tests/fuzz/fuzz-*.c))
PRELOAD_SRC := $(sort $(wildcard tests/preload/*.c))

LIB_OBJ    := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ    := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN   := $(UNIT_SRC:%.c=$(BUILD)/%)
HELPER_BIN := $(HELPER_SRC:%.c=$(BUILD)/%)
FUZZ_BIN   := $(FUZZ_SRC:%.c=$(BUILD)/%)
PRELOAD_SO := $(PRELOAD_SRC:%.c=$(BUILD)/%.so)

.PHONY: all tests check check-asan check-vm check-boot fuzz install uninstall clean deps vm-run deb

all: $(BUILD)/brdctl $(BUILD)/bitmapctl $(BUILD)/brdctl-generator

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libbrd.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/brdctl: $(CMD_OBJ) $(BUILD)/libbrd.a
	$(CC) $(LDFLAGS) -o $@ $(CMD_OBJ) $(BUILD)/libbrd.a $(PKG_LIBS)

$(BUILD)/bitmapctl: $(BUILD)/brdctl
	ln -sf brdctl $@

# the systemd generator: lib/ only (the brdtab parser, unit writer, trust
# check); --as-needed keeps it from loading libraries it does not use
$(BUILD)/brdctl-generator: $(BUILD)/generator/brdctl-generator.o $(BUILD)/libbrd.a
	$(CC) $(LDFLAGS) -Wl,--as-needed -o $@ $< $(BUILD)/libbrd.a $(PKG_LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libbrd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libbrd.a $(PKG_LIBS) -lcmocka

$(BUILD)/tests/helpers/%: tests/helpers/%.c $(BUILD)/libbrd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libbrd.a $(PKG_LIBS)

# LD_PRELOAD shims that stage races for tests; never sanitized (the
# sanitizer runtime must come first in the library list).
$(BUILD)/tests/preload/%.so: tests/preload/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 $(WARN) -fPIC -shared -o $@ $< -ldl

# libFuzzer targets are always built with clang, ASan and UBSan, straight
# from the library sources.
$(BUILD)/tests/fuzz/%: tests/fuzz/%.c $(LIB_SRC)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -D_GNU_SOURCE -g -O1 $(WARN) $(PKG_CFLAGS) \
	  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	  -o $@ $< $(LIB_SRC) $(PKG_LIBS)

tests: all $(UNIT_BIN) $(HELPER_BIN) $(PRELOAD_SO)

fuzz: $(FUZZ_BIN)

# The whole suite: unit, host, VM (6.1, 6.12 and newest), boot, sanitizers,
# fuzzing, as jobs side by side (JOBS=N at a time, default nproc; see
# tests/run.sh).  VM=0 skips the VM and boot layers (reported as skipped);
# the last line printed is "N passed, N failed, N skipped".
check: tests
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 tests
	@$(MAKE) --no-print-directory fuzz
	@tests/run.sh

check-asan: tests
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 tests
	@LAYERS="asan" tests/run.sh

check-vm: tests
	@LAYERS="vm" tests/run.sh

# The boot tests alone: systemd guests on 6.12 and newest (about 12 boots each)
# and on 6.1 (whole, pooled, persist: 5 boots; tests/run.sh BOOT_FILES_6_1).
check-boot: tests
	@LAYERS="boot" tests/run.sh

# Run CMD (a shell command line) as root in a guest with the real brd
# (KERNEL=6.1|6.12|newest|X.Y|FULL_VERSION, default 6.12); its exit status.
# CMD reaches bash as given: $(value) keeps make from expanding its $ ($?,
# $HOME, $$).  RUN_IN_VM: the harness (tests/host/run.bats gives a fake one).
RUN_IN_VM  ?= tests/vm/run-in-vm.sh
vm-run: export VM_CMD = $(value CMD)
vm-run: all
	@[ -n "$$VM_CMD" ] || { echo "usage: make vm-run [KERNEL=6.12] CMD='build/brdctl list'" >&2; exit 2; }
	$(RUN_IN_VM) $(or $(KERNEL),6.12) -- bash -c "$$VM_CMD"

# systemd unit and documentation directories follow PREFIX (systemd also
# reads /usr/local/lib/systemd/system); the unit's Exec*= get SBINDIR.
# Generators: systemd 252 runs those in /run, /etc, /usr/local/lib and
# rootprefix/lib systemd/system-generators -- for PREFIX=/usr that is the
# systemd.pc value (/lib/systemd/system-generators on Debian 12; resolved,
# so /usr/lib/... on a merged /usr), else PREFIX/lib/systemd/system-generators.
SYSTEMD_GENDIR_USR := $(shell d=$$(pkg-config --variable=systemdsystemgeneratordir systemd 2>/dev/null); \
  if [ -n "$$d" ]; then realpath -m "$$d"; else echo /usr/lib/systemd/system-generators; fi)
install uninstall: SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
install uninstall: SYSTEMDGENERATORDIR ?= $(if $(filter /usr,$(PREFIX)),$(SYSTEMD_GENDIR_USR),$(PREFIX)/lib/systemd/system-generators)
install uninstall: DOCDIR ?= $(PREFIX)/share/doc/brdctl
# the shipped units (templates); @SBINDIR@ in them is replaced
SYSTEMD_UNITS := brdctl-setup@.service brdctl-save@.service

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) \
	  $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSTEMDGENERATORDIR) $(DESTDIR)$(DOCDIR)/examples
	install -m 755 $(BUILD)/brdctl $(DESTDIR)$(SBINDIR)/brdctl
	ln -sf brdctl $(DESTDIR)$(SBINDIR)/bitmapctl
	install -m 644 man/brdctl.8 $(DESTDIR)$(MANDIR)/man8/brdctl.8
	ln -sf brdctl.8 $(DESTDIR)$(MANDIR)/man8/bitmapctl.8
	install -m 644 man/brdtab.5 $(DESTDIR)$(MANDIR)/man5/brdtab.5
	install -m 644 completions/brdctl.bash $(DESTDIR)$(BASHCOMPDIR)/brdctl
	ln -sf brdctl $(DESTDIR)$(BASHCOMPDIR)/bitmapctl
	install -m 644 completions/_brdctl $(DESTDIR)$(ZSHCOMPDIR)/_brdctl
	install -m 755 $(BUILD)/brdctl-generator $(DESTDIR)$(SYSTEMDGENERATORDIR)/brdctl-generator
	for u in $(SYSTEMD_UNITS); do \
	  sed 's|@SBINDIR@|$(SBINDIR)|g' "systemd/$$u" > "$(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp" && \
	  chmod 644 "$(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp" && \
	  mv -f "$(DESTDIR)$(SYSTEMDUNITDIR)/$$u.tmp" "$(DESTDIR)$(SYSTEMDUNITDIR)/$$u" || exit 1; \
	done
	install -m 644 examples/brdtab $(DESTDIR)$(DOCDIR)/examples/brdtab

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/brdctl $(DESTDIR)$(SBINDIR)/bitmapctl \
	  $(DESTDIR)$(MANDIR)/man8/brdctl.8 $(DESTDIR)$(MANDIR)/man8/bitmapctl.8 \
	  $(DESTDIR)$(MANDIR)/man5/brdtab.5 \
	  $(DESTDIR)$(BASHCOMPDIR)/brdctl $(DESTDIR)$(BASHCOMPDIR)/bitmapctl \
	  $(DESTDIR)$(ZSHCOMPDIR)/_brdctl \
	  $(SYSTEMD_UNITS:%='$(DESTDIR)$(SYSTEMDUNITDIR)/%') \
	  $(DESTDIR)$(SYSTEMDGENERATORDIR)/brdctl-generator \
	  $(DESTDIR)$(DOCDIR)/examples/brdtab
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# Debian packages needed to build and test (a no-op when all are present).
DEB_PACKAGES := gcc clang make pkg-config libblkid-dev libmount-dev \
  libsmartcols-dev libkmod-dev libfdisk-dev libpopt-dev libxxhash-dev libcmocka-dev \
  libclang-rt-14-dev bats bats-support bats-assert jq mdadm e2fsprogs \
  xfsprogs btrfs-progs fdisk util-linux kmod qemu-system-x86 busybox-static \
  cpio xz-utils zstd bash-completion zsh strace systemd groff-base time \
  dmsetup man-db python3 debian-archive-keyring \
  dpkg-dev debhelper lintian

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing:" $$missing; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all present"; fi

# The Debian package (debian/): build/deb/brdctl_$(VERSION)_ARCH.deb, with
# the source package, .buildinfo and .changes beside it, and lintian's
# report of them in build/deb/lintian.txt.  Built with dpkg-buildpackage in a
# copy of the tree (build/deb/src/), so that the checkout and its build/
# stay as they are; rebuilt only when a file it is made of changed.  The
# build's log: build/deb/src/build.log (this make's flags are not passed on).
# DEB_BUILD_OPTIONS=nocheck leaves out the unit tests of the package build.
DEB_ARCH   = $(shell dpkg-architecture -qDEB_HOST_ARCH 2>/dev/null || echo amd64)
DEB_FILE   = build/deb/brdctl_$(VERSION)_$(DEB_ARCH).deb
DEB_INPUTS = Makefile README.md $(wildcard debian/* debian/source/* lib/*/*.[ch] \
  cmd/*.[ch] generator/*.c man/* completions/* systemd/* examples/* tests/unit/*)

deb: $(DEB_FILE) build/deb/lintian.txt

$(DEB_FILE): $(DEB_INPUTS)
	@v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && [ "$$v" = "$(VERSION)" ] || \
	  { echo "deb: debian/changelog is at $$v, the Makefile at $(VERSION)" >&2; exit 1; }
	rm -rf build/deb && mkdir -p build/deb/src/brdctl-$(VERSION)
	tar -c --exclude=./.git --exclude='./build*' --exclude=./debian/build . | \
	  tar -x -C build/deb/src/brdctl-$(VERSION)
	cd build/deb/src/brdctl-$(VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	  dpkg-buildpackage -us -uc >../build.log 2>&1 || \
	  { tail -n 30 ../build.log >&2; exit 1; }
	mv build/deb/src/brdctl*_$(VERSION)* build/deb/
	rm -rf build/deb/src/brdctl-$(VERSION)
	@ls build/deb/*.deb

# (lintian's exit status 1: it could not run; 2: it found something, which
# tests/host/deb.bats reports from the file)
build/deb/lintian.txt: $(DEB_FILE)
	lintian --display-info --pedantic --fail-on error,warning \
	  build/deb/brdctl_$(VERSION)_$(DEB_ARCH).changes >$@.tmp 2>&1; rc=$$?; \
	  cat $@.tmp; [ $$rc != 1 ] && mv $@.tmp $@

clean:
	rm -rf build build-asan

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(BUILD)/generator/brdctl-generator.d
