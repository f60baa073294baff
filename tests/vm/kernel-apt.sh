# shellcheck shell=bash
# kernel-apt.sh — sourced by kernel-version.sh and run-in-vm.sh.
#
# The harness's own apt configuration for the kernels Debian ships beyond
# the machine's release (today: trixie-backports, where the newest generic
# amd64 kernel lives).  Everything is under $VMLAB/apt: its own sources
# list, lists and cache directories, no dpkg status, no preferences.  The
# machine's apt sources and lists are never read or touched by it, nothing is
# installed, and signatures are checked against Debian's archive keyring
# (bookworm's debian-archive-keyring verifies trixie-backports).
#
# Knobs: VM_APT_SUITE (default trixie-backports), VM_APT_MIRROR (default
# http://deb.debian.org/debian), VM_APT_KEYRING (default
# /usr/share/keyrings/debian-archive-keyring.gpg), VM_APT_MAXAGE (minutes
# before the lists are refreshed, default 1440 = a day).
#
# kapt_lists_fresh        status 0 if the lists exist and are young enough
# kapt_update             apt-get update of that configuration when the lists
#                         are missing, older than VM_APT_MAXAGE or the
#                         sources changed; with lists already there a failed
#                         update only warns (offline: old lists are used)
# kapt_cache ARGS...      apt-cache with that configuration
# kapt_get ARGS...        apt-get with that configuration
# kapt_lists_stamp        a line that changes whenever the lists change

KAPT_VMLAB=${VMLAB:-${XDG_CACHE_HOME:-$HOME/.cache}/brdctl-vm}
KAPT_DIR=$KAPT_VMLAB/apt
KAPT_SUITE=${VM_APT_SUITE:-trixie-backports}
KAPT_MIRROR=${VM_APT_MIRROR:-http://deb.debian.org/debian}
KAPT_KEYRING=${VM_APT_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}
KAPT_OPTS=(
  -o "Dir::Etc::SourceList=$KAPT_DIR/sources.list"
  -o Dir::Etc::SourceParts=/dev/null
  -o Dir::Etc::Preferences=/dev/null
  -o Dir::Etc::PreferencesParts=/dev/null
  -o "Dir::State::Lists=$KAPT_DIR/lists"
  -o "Dir::Cache=$KAPT_DIR/cache"
  -o Dir::State::status=/dev/null
  -o APT::Architecture=amd64
  -o APT::Architectures=amd64
)

kapt_log() { echo "kernel-apt: $*" >&2; }

kapt_sources_line() {
  echo "deb [signed-by=$KAPT_KEYRING] $KAPT_MIRROR $KAPT_SUITE main"
}

kapt_lists_fresh() {
  local f
  [ -f "$KAPT_DIR/sources.list" ] || return 1
  [ "$(cat "$KAPT_DIR/sources.list")" = "$(kapt_sources_line)" ] || return 1
  [ -e "$KAPT_DIR/lists/.updated" ] || return 1
  f=$(find "$KAPT_DIR/lists/.updated" -mmin "-${VM_APT_MAXAGE:-1440}" 2>/dev/null)
  [ -n "$f" ]
}

kapt_have_lists() {
  compgen -G "$KAPT_DIR/lists/*_Packages*" >/dev/null
}

kapt_update() {
  local rc=0 err
  command -v apt-get >/dev/null || { kapt_log "apt-get not found"; return 1; }
  [ -r "$KAPT_KEYRING" ] || { kapt_log "no keyring $KAPT_KEYRING (apt-get install debian-archive-keyring)"; return 1; }
  mkdir -p "$KAPT_DIR/lists/partial" "$KAPT_DIR/cache/archives/partial" || return 1
  (
    flock 6 || exit 1
    kapt_lists_fresh && exit 0
    if [ "$(cat "$KAPT_DIR/sources.list" 2>/dev/null)" != "$(kapt_sources_line)" ]; then
      kapt_sources_line >"$KAPT_DIR/sources.list.tmp" &&
        mv -f "$KAPT_DIR/sources.list.tmp" "$KAPT_DIR/sources.list" || exit 1
      rm -f "$KAPT_DIR/lists/.updated"
    fi
    kapt_log "apt-get update of $KAPT_SUITE (private lists in $KAPT_DIR) ..."
    err=$(apt-get "${KAPT_OPTS[@]}" -q update 2>&1 >/dev/null) || rc=$?
    # apt-get update exits 0 on some fetch failures; the lists decide
    if [ "$rc" = 0 ] && ! grep -Eq '^(E:|W: (Failed|Some index))' <<<"$err" && kapt_have_lists; then
      touch "$KAPT_DIR/lists/.updated"
      exit 0
    fi
    grep -v '^W: Download is performed unsandboxed' <<<"$err" >&2
    if kapt_have_lists; then
      kapt_log "warning: apt-get update of $KAPT_SUITE failed; using the lists from $(stat -c %y "$KAPT_DIR/lists/.updated" 2>/dev/null || echo 'an earlier update')"
      exit 0
    fi
    kapt_log "apt-get update of $KAPT_SUITE failed and no lists are cached"
    exit 1
  ) 6>>"$KAPT_DIR/.lock"
}

kapt_cache() { apt-cache "${KAPT_OPTS[@]}" "$@"; }
kapt_get() { apt-get "${KAPT_OPTS[@]}" "$@"; }

kapt_lists_stamp() {
  stat -c '%n %Y %s' "$KAPT_DIR"/lists/* "$KAPT_DIR/sources.list" 2>/dev/null
}
