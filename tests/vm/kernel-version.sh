#!/bin/bash
# kernel-version.sh KERNEL
#
# Print the full Debian kernel version (the `uname -r` string, e.g.
# 6.1.0-56-amd64, 6.12.117+deb12-amd64 or 7.3.4+deb13-amd64) that KERNEL
# stands for:
#   6.1        -> what the metapackage linux-image-amd64 depends on
#                 (linux-image-6.1.0-NN-amd64), else the newest
#                 linux-image-6.1.0-NN-amd64 in the archive
#   6.12 (X.Y) -> what linux-image-X.Y-amd64 depends on, else the newest
#                 linux-image-X.Y.*-amd64 in the archive
#   newest     -> the newest generic amd64 kernel Debian ships in
#                 trixie-backports: what linux-image-amd64 there depends on
#                 (else the newest linux-image-*-amd64 there)
#   a full version (anything ending in -amd64) is printed unchanged.
# Only the generic -amd64 flavour is ever chosen (never -cloud, -rt, -dbg).
# Resolution happens at run time, so the ABI suffix that Debian bumps with
# each update never needs editing here.  An X.Y alias is looked up in the
# machine's apt lists (needs an up to date `apt-get update`; 6.1 and 6.12
# come from bookworm and bookworm-security), and where they have no such
# kernel in trixie-backports; `newest` only there.  trixie-backports is read
# with the harness's own apt configuration under $VMLAB/apt (kernel-apt.sh:
# the machine's sources untouched, its lists refreshed when older than a
# day).  Exit 1 with a message on stderr when nothing resolves.
# Answers are cached under $VMLAB/kernel-version/ (default
# ~/.cache/brdctl-vm) until the apt lists change; KERNEL_VERSION_NOCACHE=1
# bypasses that.
set -euo pipefail

die() { echo "kernel-version: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: $0 6.1|6.12|X.Y|newest|FULL_VERSION"
want=$1
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=kernel-apt.sh
. "$HERE/kernel-apt.sh"

# A full version: pass through (only the generic flavour is accepted).
case $want in
  *-cloud-amd64|*-rt-amd64) die "$want: only the generic -amd64 flavour is supported" ;;
  [0-9]*-amd64) echo "$want"; exit 0 ;;
esac
[[ $want =~ ^[0-9]+\.[0-9]+$ ]] || [ "$want" = newest ] ||
  die "'$want' is neither an alias like 6.1 / 6.12 / newest nor a full version like 6.1.0-56-amd64"
command -v apt-cache >/dev/null || die "apt-cache not found"

# A version string belongs to the alias if it is X.Y.something-amd64 in the
# generic flavour (6.1.0-56-amd64 or 6.12.117+deb12-amd64; never 6.12 for
# 6.1); to `newest` if it is any generic N.N...-amd64 version.
if [ "$want" = newest ]; then
  re_alias='[0-9]+\.[0-9]+'
else
  re_alias=${want//./\\.}
fi
matches() { [[ $1 =~ ^${re_alias}[.-][0-9][^[:space:]]*-amd64$ ]] && [[ ! $1 =~ -(cloud|rt)-amd64$ ]]; }

# APT: the apt-cache to ask (apt-cache = the machine's lists, kapt_cache =
# the harness's trixie-backports lists)
APT=apt-cache

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
  done < <($APT depends "$1" 2>/dev/null)
  return 1
}

# The newest linux-image-<alias>...-amd64 package in the lists.
from_search() {
  local re=${re_alias}
  $APT search --names-only "^linux-image-${re}[.-].*-amd64(-unsigned)?\$" 2>/dev/null |
    awk '{print $1}' | sed -e 's/^linux-image-//' -e 's/-unsigned$//' |
    while read -r c; do if matches "$c"; then echo "$c"; fi; done |
    sort -uV | tail -n 1
}

resolve() {  # resolve: print the version from the lists $APT reads
  local v
  if [ "$want" != newest ]; then
    v=$(from_meta "linux-image-$want-amd64") && { echo "$v"; return 0; }
  fi
  v=$(from_meta linux-image-amd64) && { echo "$v"; return 0; }
  v=$(from_search) || true
  [ -n "$v" ] && echo "$v"
}

# apt-cache takes ~1 s per call here (docker-clean disables apt's binary
# cache), so remember answers until the apt lists or sources change.  The
# answer records where it came from ("machine" or "bpo"): an alias answered
# from trixie-backports refreshes those lists first when they are a day old.
cache_dir=$KAPT_VMLAB/kernel-version
src=
if [ "${KERNEL_VERSION_NOCACHE:-0}" != 1 ] && [ -r "$cache_dir/$want" ]; then
  read -r _ _ src <"$cache_dir/$want" || true
fi
if [ "$want" = newest ] || [ "$src" = bpo ]; then
  kapt_update || true
fi
key=$( { stat -c '%n %Y %s' /var/lib/apt/lists/* /etc/apt/sources.list \
          /etc/apt/sources.list.d/* 2>/dev/null; kapt_lists_stamp; echo "$want"; } | md5sum | cut -c1-32)
if [ "${KERNEL_VERSION_NOCACHE:-0}" != 1 ] && [ -r "$cache_dir/$want" ]; then
  read -r ckey cver _ <"$cache_dir/$want" || true
  if [ "${ckey:-}" = "$key" ] && matches "${cver:-}"; then echo "$cver"; exit 0; fi
fi

v='' src=machine
if [ "$want" != newest ]; then
  v=$(resolve) || v=
fi
if [ -z "$v" ]; then
  # not in the machine's lists (or `newest`): trixie-backports
  src=bpo
  if kapt_update || kapt_have_lists; then
    APT=kapt_cache
    v=$(resolve) || v=
  fi
fi
if [ -z "$v" ]; then
  if [ "$want" = newest ]; then
    die "cannot resolve kernel alias 'newest': no generic linux-image-*-amd64 in $KAPT_SUITE (private lists in $KAPT_DIR; is deb.debian.org reachable?)"
  fi
  die "cannot resolve kernel alias '$want' from the apt lists (no linux-image-$want-amd64, linux-image-amd64 or linux-image-$want.*-amd64 package in the machine's lists, run apt-get update and keep bookworm-security enabled; nor in $KAPT_SUITE)"
fi
# the key again: the update above may have changed the private lists
key=$( { stat -c '%n %Y %s' /var/lib/apt/lists/* /etc/apt/sources.list \
          /etc/apt/sources.list.d/* 2>/dev/null; kapt_lists_stamp; echo "$want"; } | md5sum | cut -c1-32)
if mkdir -p "$cache_dir" 2>/dev/null; then
  if ! { echo "$key $v $src" >"$cache_dir/$want.$$" && mv -f "$cache_dir/$want.$$" "$cache_dir/$want"; } 2>/dev/null; then
    rm -f "$cache_dir/$want.$$"
  fi
fi
echo "$v"
