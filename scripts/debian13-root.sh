#!/usr/bin/env bash
# Builds (once) a Debian 13 "trixie" root file system holding the real servers of the newer release
# (qBittorrent 5.1, Transmission 4.1, Deluge 2.2, Radicale 3.5, aria2 1.37), so the kind suites prove each of
# those kinds against two real major versions (src/kinds/testing/release.ts runs them with chroot).
# Reused when it exists with the same package list; PATCHBAY_DEBIAN13_ROOT says where (default below).
set -euo pipefail
ROOT=${PATCHBAY_DEBIAN13_ROOT:-/var/cache/patchbay/debian13-root}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES="qbittorrent-nox transmission-daemon deluged deluge-web radicale aria2"
if [ -f "$ROOT/.patchbay-packages" ] && [ "$(cat "$ROOT/.patchbay-packages")" = "$PACKAGES" ]; then
  echo "Debian 13 root ready at $ROOT (cached)"
  exit 0
fi
command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
tmp="$ROOT.partial"
log="$(dirname "$ROOT")/debian13-root.log"
rm -rf "$tmp"
mkdir -p "$(dirname "$ROOT")"
# Only the base with debootstrap: its resolver does not follow virtual packages (python3-cryptography needs
# python3-cffi-backend-api-*), so the servers come from apt inside the root.
debootstrap --variant=minbase trixie "$tmp" "$MIRROR" >"$log" 2>&1 || { tail -20 "$log"; exit 1; }
# A maintainer script must not start its daemon inside the root while it is being built.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$tmp/etc/resolv.conf"
chroot "$tmp" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES && apt-get clean" >>"$log" 2>&1 || { tail -20 "$log"; exit 1; }
rm -f "$tmp/etc/resolv.conf"
echo "$PACKAGES" >"$tmp/.patchbay-packages"
rm -rf "$ROOT"
mv "$tmp" "$ROOT"
echo "Debian 13 root built at $ROOT"
