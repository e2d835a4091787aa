#!/usr/bin/env bash
# CI's container step: stand-in base image (cached), podman build of the Dockerfile, a smoke run
# of the image (a real client on the mapped port, `samsa healthcheck` inside the container), then
# the Testcontainers tests (test/container) against podman's Docker API socket.
#
# Exit 0 also when podman cannot be used here (not root, no podman after trying to install it):
# the tests then run anyway and report the reason in their skipped names. Any other failure is
# a failure. Takes ~1.5 min cold, ~20 s with the cached base.
set -euo pipefail
cd "$(dirname "$0")/../.."
HERE=scripts/container
export PATH="$PWD/node_modules/.bin:$PATH"

reason=""
if [ "$(id -u)" != "0" ]; then
  reason="not root (rootful podman is needed)"
elif ! command -v podman >/dev/null; then
  apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman runc >/dev/null 2>&1 || true
  command -v podman >/dev/null || reason="podman is not installed and could not be installed"
fi
if [ -n "$reason" ]; then
  echo "[container] skipping the image build: $reason"
  SAMSA_CONTAINER_SKIP_REASON="$reason" npx vitest run test/container
  exit 0
fi

source "$HERE/env.sh"
bash "$HERE/base-image.sh"
bash "$HERE/build-image.sh"
bash "$HERE/smoke.sh"

SOCK="$CONTAINER_WORK/podman.sock"
rm -f "$SOCK"
podman system service --time=0 "unix://$SOCK" >"$CONTAINER_WORK/service.log" 2>&1 &
SVC_PID=$!
cleanup() {
  kill "$SVC_PID" 2>/dev/null || true
  wait "$SVC_PID" 2>/dev/null || true
  # No Ryuk: remove whatever a failed test left behind.
  ids=$(podman ps -aq --filter label=org.testcontainers=true)
  [ -z "$ids" ] || podman rm -f $ids >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 1 50); do [ -S "$SOCK" ] && break; sleep 0.1; done

# Ryuk's image cannot be pulled here; /.dockerenv on CI VMs makes testcontainers pick the bridge
# gateway as the host unless told otherwise.
DOCKER_HOST="unix://$SOCK" \
TESTCONTAINERS_RYUK_DISABLED=true \
TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 \
SAMSA_IMAGE="$SAMSA_IMAGE" \
  step "vitest test/container" npx vitest run test/container
