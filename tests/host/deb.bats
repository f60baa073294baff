#!/usr/bin/env bats
# The Debian package (debian/, make deb): it builds, it holds exactly what
# make install PREFIX=/usr installs plus the Debian files, its dependencies
# and conffiles, the hardening flags reached the build, lintian is clean.
# The package is built once (make deb: rebuilt only when a file it is made
# of changed) and shared with tests/vm/host-boot-deb.bats.

load ../test_helper

setup_file() {
	command -v dpkg-buildpackage >/dev/null || skip "dpkg-buildpackage is not installed (make deps)"
	[ -x /usr/bin/dh ] || skip "debhelper is not installed (make deps)"
	command -v lintian >/dev/null || skip "lintian is not installed (make deps)"
	mkdir -p "$TOP/build"
	flock "$TOP/build/.deb.lock" make -s -C "$TOP" deb >"$BATS_FILE_TMPDIR/make-deb.log" 2>&1 ||
		{ cat "$BATS_FILE_TMPDIR/make-deb.log" >&2; return 1; }
}

setup() {
	VERSION=$(sed -n 's/^VERSION *:= *//p' "$TOP/Makefile")
	ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
	DEB=$TOP/build/deb/brdctl_${VERSION}_$ARCH.deb
	X=$BATS_FILE_TMPDIR/x
	[ -d "$X" ] || dpkg-deb -x "$DEB" "$X"
}

# make install/uninstall with the already built binary ($BRDCTL), as in
# install.bats
mk() {
	make -s --no-print-directory -C "$TOP" -o all BUILD="$(dirname "$BRDCTL")" "$@"
}

@test "make deb builds brdctl_VERSION_ARCH.deb; debian/changelog is at the Makefile's VERSION" {
	[ -f "$DEB" ]
	assert_equal "$(dpkg-deb -f "$DEB" Package)" brdctl
	assert_equal "$(dpkg-deb -f "$DEB" Version)" "$VERSION"
	assert_equal "$(dpkg-deb -f "$DEB" Architecture)" "$ARCH"
	assert_equal "$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)" "$VERSION"
	# the source package and the .changes beside it
	[ -f "$TOP/build/deb/brdctl_$VERSION.dsc" ]
	[ -f "$TOP/build/deb/brdctl_${VERSION}_$ARCH.changes" ]
	# built in a copy: the checkout has no debian/build
	[ ! -e "$TOP/debian/build" ]
}

# "MODE /PATH[ -> TARGET]" of every entry of the package, owner root/root
deb_list() {
	dpkg-deb -c "$DEB" | awk '
		$2 != "root/root" { print "bad owner " $2 " of " $6; next }
		{ p = substr($6, 2); sub(/\/$/, "", p); if (p == "") next
		  print $1, p ($7 == "->" ? " -> " $8 : "") }' | sort
}

# the same of a make install DESTDIR tree, man pages as dh_compress has them
install_list() {
	(cd "$1" && find . -mindepth 1 -printf '%M /%P\t%l\n') | awk -F '\t' '
		{ p = $1; t = $2
		  if (p ~ / \/usr\/share\/man\/man[0-9]\/[^\/]+$/) { p = p ".gz"; if (t != "") t = t ".gz" }
		  print p (t != "" ? " -> " t : "") }' | sort
}

@test "the package holds make install PREFIX=/usr's files (modes, link targets), the init script and its mask, the Debian docs" {
	local d=$BATS_TEST_TMPDIR/dest
	run mk install DESTDIR="$d" PREFIX=/usr
	assert_success
	local extra
	extra=$(cat <<-'EOF'
	drwxr-xr-x /etc
	drwxr-xr-x /etc/init.d
	-rwxr-xr-x /etc/init.d/brdctl
	lrwxrwxrwx /usr/lib/systemd/system/brdctl.service -> /dev/null
	-rw-r--r-- /usr/share/doc/brdctl/README.md.gz
	-rw-r--r-- /usr/share/doc/brdctl/changelog.gz
	-rw-r--r-- /usr/share/doc/brdctl/copyright
	EOF
	)
	run diff -u <( { install_list "$d"; echo "$extra"; } | sort) <(deb_list)
	echo "$output"
	assert_success
	# make install's list is not empty, and has what the issue names
	run install_list "$d"
	assert_line "-rwxr-xr-x /usr/sbin/brdctl"
	assert_line "lrwxrwxrwx /usr/sbin/bitmapctl -> brdctl"
	assert_line "lrwxrwxrwx /usr/share/man/man8/bitmapctl.8.gz -> brdctl.8.gz"
	assert_line "-rwxr-xr-x /usr/lib/systemd/system-generators/brdctl-generator"
	assert_line "-rw-r--r-- /usr/lib/systemd/system/brdctl-setup@.service"
	assert_line "-rw-r--r-- /usr/share/doc/brdctl/examples/brdtab"
	assert_line "-rw-r--r-- /usr/share/zsh/site-functions/_brdctl"
	assert_line "-rw-r--r-- /usr/share/bash-completion/completions/brdctl"
	# and the text files are the same bytes (the man pages once gunzipped)
	local f
	for f in usr/lib/systemd/system/brdctl-setup@.service usr/lib/systemd/system/brdctl-save@.service \
		usr/share/doc/brdctl/examples/brdtab usr/share/zsh/site-functions/_brdctl \
		usr/share/bash-completion/completions/brdctl; do
		cmp "$d/$f" "$X/$f"
	done
	for f in man8/brdctl.8 man5/brdtab.5; do
		cmp "$d/usr/share/man/$f" <(gzip -dc "$X/usr/share/man/$f.gz")
	done
	cmp "$TOP/debian/brdctl.init" "$X/etc/init.d/brdctl"
}

@test "Depends: the shared libraries brdctl links, and libkmod2, which it dlopen()s" {
	run dpkg-deb -f "$DEB" Depends
	assert_output --regexp '(^|, )libblkid1 \(>= [^)]+\)(,|$)'
	assert_output --regexp '(^|, )libmount1 \(>= [^)]+\)(,|$)'
	assert_output --regexp '(^|, )libsmartcols1 \(>= [^)]+\)(,|$)'
	assert_output --regexp '(^|, )libfdisk1 \(>= [^)]+\)(,|$)'
	assert_output --regexp '(^|, )libpopt0 \(>= [^)]+\)(,|$)'
	assert_output --regexp '(^|, )libxxhash0 \(>= [^)]+\)(,|$)'
	assert_output --regexp '(^|, )libkmod2(,|$)'
	# why by hand: no DT_NEEDED of libkmod, the name is dlopen()ed
	run readelf -d "$X/usr/sbin/brdctl"
	assert_output --partial "Shared library: [libblkid.so.1]"
	refute_output --partial libkmod
	grep -q 'libkmod\.so\.2' "$X/usr/sbin/brdctl"
}

@test "conffiles: the init script only (no /etc/brdtab: the administrator writes it)" {
	run sh -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./conffiles"
	assert_success
	assert_output /etc/init.d/brdctl
	[ ! -e "$X/etc/brdtab" ]
}

@test "dpkg-buildflags' hardening reaches every compile and link (fortify, stack protector, relro, bindnow)" {
	local log=$TOP/build/deb/src/build.log n=0 line
	[ -f "$log" ]
	while IFS= read -r line; do
		n=$((n + 1))
		[[ $line == *" -D_FORTIFY_SOURCE=2 "* ]] || fail "no -D_FORTIFY_SOURCE=2: $line"
		[[ $line == *" -fstack-protector-strong "* ]] || fail "no -fstack-protector-strong: $line"
		[[ $line == *" -Werror=format-security "* ]] || fail "no -Werror=format-security: $line"
	done < <(grep -E '^cc .* -c -o debian/build/(lib|cmd|generator)/' "$log")
	[ "$n" -gt 20 ]
	run grep -cE '^cc .*-Wl,-z,relro -Wl,-z,now .*-o debian/build/(brdctl|brdctl-generator) ' "$log"
	assert_output 2
	local b
	for b in usr/sbin/brdctl usr/lib/systemd/system-generators/brdctl-generator; do
		run readelf -h "$X/$b"
		assert_output --regexp 'Type: +DYN'			# PIE
		run readelf -lW "$X/$b"
		assert_output --partial GNU_RELRO
		run readelf -dW "$X/$b"
		assert_output --regexp 'FLAGS.*BIND_NOW|FLAGS_1.*NOW'
		run readelf -sW --dyn-syms "$X/$b"
		assert_output --partial __stack_chk_fail
		assert_output --regexp '__[a-z]+_chk@'			# fortified calls
	done
}

@test "lintian: no error and no warning on the source and binary packages" {
	local r=$TOP/build/deb/lintian.txt
	[ -f "$r" ]
	cat "$r"
	run grep -E '^[EW]: ' "$r"
	assert_failure
	# it checked both (a .changes naming a file that is not there is skipped)
	run grep -E 'Skipping|No packages selected|does not exist' "$r"
	assert_failure
	# and it finds what it should: the same package without a Maintainer
	local raw=$BATS_TEST_TMPDIR/raw
	dpkg-deb -R "$DEB" "$raw"
	sed -i '/^Maintainer:/d' "$raw/DEBIAN/control"
	dpkg-deb -b "$raw" "$BATS_TEST_TMPDIR/bad.deb" >/dev/null
	run lintian "$BATS_TEST_TMPDIR/bad.deb"
	assert_line --regexp '^E: brdctl: required-field .*Maintainer'
}
