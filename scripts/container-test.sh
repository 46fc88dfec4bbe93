#!/usr/bin/env bash
# Builds and runs Patchbay's container image with podman, for the container tests (test/container) and CI.
#
#   scripts/container-test.sh base    stand-in for the official Node image (cached, see below); prints its name
#   scripts/container-test.sh build   the project's Containerfile from a clean copy of the tree; prints the tag
#   scripts/container-test.sh podman ARGS…   podman with this machine's settings (used by the tests)
#
# No image registry is reachable here, so the default base (docker.io/library/node:…-slim) cannot be pulled:
# the test builds a local stand-in — Debian bookworm minbase plus this machine's own Node installation — and
# passes it as --build-arg BASE. Everything that exists only for this machine lives here, never in the
# Containerfile, which stays what a user builds with the default base.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=${PATCHBAY_CONTAINER_STATE:-/var/lib/patchbay-ci}
mkdir -p "$state"

# crun (podman's default) refuses here: ulimits are not permitted and the cgroups are hybrid — runc with
# cgroupfs works. Images live in a storage of this script's own under $state (nothing else on the machine is
# touched, and `rm -rf $state` resets it): the stand-in base and the build cache survive between CI runs on
# this machine, and a fresh machine builds them (see README "Run with Docker/Podman" for the timings). Reusing
# it is safe: the base's tag is a hash of what goes into it, and build layers are reused only for identical
# inputs.
export CONTAINERS_CONF="$state/containers.conf" CONTAINERS_STORAGE_CONF="$state/storage.conf"
write_if_changed() { # file content — atomically, so concurrent podman calls never read half a file
  if [ "$(cat "$1" 2>/dev/null)" != "$2" ]; then printf '%s\n' "$2" >"$1.$$" && mv "$1.$$" "$1"; fi
}
write_if_changed "$CONTAINERS_CONF" $'[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"'
write_if_changed "$CONTAINERS_STORAGE_CONF" "$(printf '[storage]\ndriver = "overlay"\ngraphroot = "%s/storage"\nrunroot = "%s/run"' "$state" "$state")"
pm() { podman --runtime runc "$@"; }

node_prefix() { dirname "$(dirname "$(readlink -f "$(command -v node)")")"; }

base() {
  local prefix cafile tag dir
  prefix=$(node_prefix)
  cafile=$(npm config get cafile)
  [ -f "$cafile" ] || cafile=/etc/ssl/certs/ca-certificates.crt
  # The cache key: what goes into the base. Another Node, CA bundle or recipe gives another image.
  tag=localhost/patchbay-ci-base:$( { node --version; sha256sum "$cafile"; sed -n '/^base() {/,/^}/p' "$0"; } | sha256sum | cut -c1-16)
  if pm image exists "$tag"; then echo "$tag"; return; fi
  dir=$(mktemp -d "$state/base.XXXXXX")
  trap 'rm -rf "$dir"' RETURN
  echo "building the stand-in base $tag (debootstrap bookworm minbase + Node from $prefix)" >&2
  local t0=$SECONDS
  debootstrap --variant=minbase bookworm "$dir/rootfs" http://deb.debian.org/debian >"$dir/debootstrap.log" 2>&1 ||
    { tail -20 "$dir/debootstrap.log" >&2; return 1; }
  local r="$dir/rootfs"
  # Node as the official image has it: the binary, npm (in lib/node_modules) and the headers node-gyp
  # builds native modules against (better-sqlite3 builds from source: its prebuilt download is unreachable).
  mkdir -p "$r$prefix/bin" "$r$prefix/lib/node_modules" "$r$prefix/include" "$r$prefix/etc" "$r/etc/ssl/certs"
  cp -a "$prefix/bin/node" "$r$prefix/bin/node"
  cp -a "$prefix/lib/node_modules/npm" "$r$prefix/lib/node_modules/npm"
  cp -a "$prefix/include/node" "$r$prefix/include/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$r$prefix/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$r$prefix/bin/npx"
  # Registry traffic passes a TLS-inspecting proxy here: npm in the build trusts the machine's CA bundle.
  cp "$cafile" "$r/etc/ssl/certs/patchbay-ci-ca.crt"
  printf 'cafile=/etc/ssl/certs/patchbay-ci-ca.crt\nnodedir=%s\nfund=false\naudit=false\nupdate-notifier=false\n' "$prefix" >"$r$prefix/etc/npmrc"
  # The official image's unprivileged user.
  chroot "$r" groupadd --gid 1000 node
  chroot "$r" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  rm -rf "$r/var/cache/apt/archives/"*.deb "$r/var/lib/apt/lists/"*
  tar -C "$r" -c . | pm import --change 'CMD ["node"]' - "$tag" >/dev/null 2>&1
  echo "built the stand-in base in $((SECONDS - t0)) s" >&2
  echo "$tag"
}

# What a clean clone holds: tracked files and new files that are not ignored (no node_modules, build, data).
clean_copy() {
  local dest=$1
  (cd "$root" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$root" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
    tar -C "$root" --null -T - -c | tar -C "$dest" -x
}

build() {
  local b tag=${PATCHBAY_IMAGE:-localhost/patchbay:ci} ctx
  b=$(base)
  ctx=$(mktemp -d "$state/ctx.XXXXXX")
  trap 'rm -rf "$ctx"' RETURN
  clean_copy "$ctx"
  local t0=$SECONDS
  # docker format: OCI images have no HEALTHCHECK.
  pm build --format docker --network host --build-arg "BASE=$b" -t "$tag" -f "$ctx/Containerfile" "$ctx" >&2
  echo "built $tag in $((SECONDS - t0)) s" >&2
  # Build-stage layers are the cache of the next build (npm ci is minutes); older ones only take disk.
  pm image prune -f --filter until=72h >/dev/null
  echo "$tag"
}

# A storage left unusable (a machine that died mid-write) is rebuilt rather than failing every later run.
if ! pm info >/dev/null 2>&1; then
  echo "podman storage under $state is unusable; starting a new one" >&2
  rm -rf "$state/storage" "$state/run"
  pm info >/dev/null
fi

case "${1:-}" in
  base) base ;;
  build) build ;;
  podman) shift; pm "$@" ;;
  *) echo "usage: $0 base|build|podman ARGS…" >&2; exit 64 ;;
esac
