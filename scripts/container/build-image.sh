#!/usr/bin/env bash
# Builds the Dockerfile into $SAMSA_IMAGE with podman. --format docker keeps HEALTHCHECK (the OCI
# format drops it); --pull=never uses the local stand-in base. When the host trusts an extra CA
# (TLS-intercepting egress), it is given to `npm ci` inside the build as the secret `ca`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/../.."

ca_args=()
if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
  # A secret rather than -v: a volume on `podman build` (buildah 1.28) disables the layer cache.
  ca_args=(--secret "id=ca,src=$NODE_EXTRA_CA_CERTS")
fi
build() { podman build -q --pull=never --format docker "${ca_args[@]}" -t "$SAMSA_IMAGE" . >/dev/null; }
step "podman build" build
podman image prune -f >/dev/null 2>&1 || true
podman image inspect "$SAMSA_IMAGE" \
  --format '[container] image {{.Size}} bytes, user {{.Config.User}}, healthcheck {{.Config.Healthcheck.Test}}'
