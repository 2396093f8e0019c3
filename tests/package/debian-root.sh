#!/bin/sh
# A clean Debian root for tests/e2e_package.rs to install the packages into:
# debootstrap's minbase (the essential packages and apt) of this machine's Debian
# release, plus adduser, which jasmine-server depends on, and systemd with dbus, as on
# a Debian server (the test boots it with systemd-nspawn). Made once per target dir
# (about a minute and 50 MB from the Debian mirror); the test copies it for each use
# and installs with apt, which fetches the packages' dependencies (libssl3) from it.
#   tests/package/debian-root.sh DIR
# JASMINE_DEBIAN_MIRROR and JASMINE_DEBIAN_SUITE override the mirror and the release.
set -eu
dir=$1
mkdir -p "$(dirname "$dir")"
# One maker at a time (.ci/run starts one early, in the background, while it builds).
exec 9>"$dir.lock"
flock 9
include=adduser,systemd,dbus
[ "$(cat "$dir/.jasmine-clean-root" 2>/dev/null)" = "$include" ] && exit 0
command -v debootstrap >/dev/null || {
  echo "debian-root.sh: debootstrap is missing (apt-get install debootstrap; .ci/run does it)" >&2
  exit 1
}
suite=${JASMINE_DEBIAN_SUITE:-$(. /etc/os-release && echo "$VERSION_CODENAME")}
mirror=${JASMINE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
rm -rf "$dir.partial"
if ! debootstrap --variant=minbase --include="$include" "$suite" "$dir.partial" "$mirror" \
    > "$dir.log" 2>&1; then
  echo "debian-root.sh: debootstrap $suite from $mirror failed; its log:" >&2
  tail -20 "$dir.log" >&2
  exit 1
fi
# A Debian system as installed: apt knows the release's packages, so that
# `apt install ./jasmine-server_….deb` (docs/DEPLOY.md §1) finds its dependencies.
if ! chroot "$dir.partial" apt-get update >> "$dir.log" 2>&1; then
  echo "debian-root.sh: apt-get update in the new root failed; its log:" >&2
  tail -20 "$dir.log" >&2
  exit 1
fi
echo "$include" > "$dir.partial/.jasmine-clean-root"
rm -rf "$dir"
mv "$dir.partial" "$dir"
