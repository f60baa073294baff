#!/bin/bash
# kernel-version.sh KERNEL
#
# Print the full Debian kernel version (the `uname -r` string, e.g.
# 6.1.0-56-amd64 or 6.12.117+deb12-amd64) that KERNEL stands for:
#   6.1        -> what the metapackage linux-image-amd64 depends on
#                 (linux-image-6.1.0-NN-amd64), else the newest
#                 linux-image-6.1.0-NN-amd64 in the archive
#   6.12 (X.Y) -> what linux-image-X.Y-amd64 depends on, else the newest
#                 linux-image-X.Y.*-amd64 in the archive
#   a full version (anything ending in -amd64) is printed unchanged.
# Only the generic -amd64 flavour is ever chosen (never -cloud, -rt, -dbg).
# Resolution happens at run time from the apt lists, so the ABI suffix that
# Debian bumps with each update never needs editing here.  Needs an up to date
# `apt-get update`.  Exit 1 with a message on stderr when nothing resolves.
# Answers are cached under $VMLAB/kernel-version/ (default
# ~/.cache/brdctl-vm) until the apt lists change; KERNEL_VERSION_NOCACHE=1
# bypasses that.
set -euo pipefail

die() { echo "kernel-version: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 6.1|6.12|FULL_VERSION"
want=$1

# A full version: pass through (only the generic flavour is accepted).
case $want in
  *-cloud-amd64|*-rt-amd64) die "$want: only the generic -amd64 flavour is supported" ;;
  [0-9]*-amd64) echo "$want"; exit 0 ;;
esac
[[ $want =~ ^[0-9]+\.[0-9]+$ ]] || die "'$want' is neither an alias like 6.1 / 6.12 nor a full version like 6.1.0-56-amd64"
command -v apt-cache >/dev/null || die "apt-cache not found"

# A version string belongs to the alias if it is X.Y.something-amd64 in the
# generic flavour (6.1.0-56-amd64 or 6.12.117+deb12-amd64; never 6.12 for 6.1).
re_alias=${want//./\\.}
matches() { [[ $1 =~ ^${re_alias}[.-][0-9][^[:space:]]*-amd64$ ]] && [[ ! $1 =~ -(cloud|rt)-amd64$ ]]; }

# The version a metapackage depends on, if it belongs to the alias.
from_meta() {
  local line v
  while read -r line; do
    case $line in
      Depends:\ linux-image-*)
        v=${line#Depends: linux-image-}
        v=${v%-unsigned}
        if matches "$v"; then echo "$v"; return 0; fi ;;
    esac
  done < <(apt-cache depends "$1" 2>/dev/null)
  return 1
}

# apt-cache takes ~1 s per call here (docker-clean disables apt's binary
# cache), so remember answers until the apt lists or sources change.
cache_dir=${VMLAB:-${XDG_CACHE_HOME:-$HOME/.cache}/brdctl-vm}/kernel-version
key=$( { stat -c '%n %Y %s' /var/lib/apt/lists/* /etc/apt/sources.list \
          /etc/apt/sources.list.d/* 2>/dev/null; echo "$want"; } | md5sum | cut -c1-32)
if [ "${KERNEL_VERSION_NOCACHE:-0}" != 1 ] && [ -r "$cache_dir/$want" ]; then
  read -r ckey cver <"$cache_dir/$want" || true
  if [ "${ckey:-}" = "$key" ] && matches "${cver:-}"; then echo "$cver"; exit 0; fi
fi

v=
v=$(from_meta "linux-image-$want-amd64") ||
  v=$(from_meta linux-image-amd64) ||
  v=$(apt-cache search --names-only "^linux-image-${re_alias}[.-].*-amd64(-unsigned)?\$" 2>/dev/null |
        awk '{print $1}' | sed -e 's/^linux-image-//' -e 's/-unsigned$//' |
        while read -r c; do if matches "$c"; then echo "$c"; fi; done |
        sort -uV | tail -n 1) || true
[ -n "$v" ] || die "cannot resolve kernel alias '$want' from the apt lists (no linux-image-$want-amd64, linux-image-amd64 or linux-image-$want.*-amd64 package; run apt-get update, and keep bookworm-security enabled)"
if mkdir -p "$cache_dir" 2>/dev/null; then
  if ! { echo "$key $v" >"$cache_dir/$want.$$" && mv -f "$cache_dir/$want.$$" "$cache_dir/$want"; } 2>/dev/null; then
    rm -f "$cache_dir/$want.$$"
  fi
fi
echo "$v"
