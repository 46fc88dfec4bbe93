#!/bin/sh
# Installs SABnzbd (Debian package sabnzbdplus, in "contrib") and its dependency unrar ("non-free")
# without touching the system's apt sources: a private deb822 sources file that adds
# "contrib non-free" for the running Debian release, with its own package lists directory.
#
# Usage: sudo scripts/install-sabnzbd.sh        (idempotent; needs root for apt-get/dpkg)
# Env:   SIDE_DIR   private apt directory (default /var/lib/patchbay-apt-side)
#        MIRROR     Debian mirror URI (default: taken from /etc/apt/sources.list.d/*.sources, else deb.debian.org)
#        KEYRING    Signed-By keyring (default: taken from the same file, else debian-archive-keyring.gpg)
set -eu

if command -v sabnzbdplus >/dev/null 2>&1; then
  echo "sabnzbdplus already installed: $(command -v sabnzbdplus)"
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "install-sabnzbd.sh: must run as root (apt-get install)" >&2
  exit 1
fi

. /etc/os-release
CODENAME="${VERSION_CODENAME:-}"
if [ -z "$CODENAME" ] || [ "${ID:-}" != debian ]; then
  echo "install-sabnzbd.sh: this script expects Debian (found ID=${ID:-?} VERSION_CODENAME=${CODENAME:-?})" >&2
  exit 1
fi

# The first "deb" stanza for the main archive (not -security) in the system's deb822 sources tells
# which mirror and keyring this machine already trusts.
first_field() { # $1 = field name
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v field="$1" '
      BEGIN { IGNORECASE = 1 }
      /^[[:space:]]*$/ { if (uri != "" && val != "" && uri !~ /security/) { print val; exit } uri = ""; val = ""; next }
      tolower($1) == "uris:" { uri = $2 }
      tolower($1) == tolower(field) ":" { val = $2 }
      END { if (uri != "" && val != "" && uri !~ /security/) print val }
    ' "$f" | head -n1
  done | head -n1
}

MIRROR="${MIRROR:-$(first_field URIs)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
KEYRING="${KEYRING:-$(first_field Signed-By)}"
KEYRING="${KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"
SIDE_DIR="${SIDE_DIR:-/var/lib/patchbay-apt-side}"

mkdir -p "$SIDE_DIR/sources" "$SIDE_DIR/lists/partial"
cat > "$SIDE_DIR/sources/contrib-nonfree.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $CODENAME ${CODENAME}-updates
Components: main contrib non-free
Signed-By: $KEYRING
SRC
echo "side sources list ($SIDE_DIR/sources/contrib-nonfree.sources):"
cat "$SIDE_DIR/sources/contrib-nonfree.sources"

APT_SIDE="-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$SIDE_DIR/sources -o Dir::State::Lists=$SIDE_DIR/lists"
export DEBIAN_FRONTEND=noninteractive
# shellcheck disable=SC2086
apt-get $APT_SIDE update
# shellcheck disable=SC2086
apt-get $APT_SIDE install -y --no-install-recommends sabnzbdplus

command -v sabnzbdplus
dpkg-query -W sabnzbdplus unrar
