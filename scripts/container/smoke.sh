#!/usr/bin/env bash
# Runs the built image the documented way (`podman run -p`), then: `samsa healthcheck` inside the
# container must succeed, and our CLI on the host must create a topic, produce and consume through
# the mapped port (advertised as localhost:<port>). Publishes on 127.0.0.1 only.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$(dirname "$0")/../.."
PORT=${SMOKE_PORT:-31092}
NAME=samsa-smoke-$$
SAMSA="node src/cli/main.ts"

podman rm -f "$NAME" >/dev/null 2>&1 || true
trap 'podman logs "$NAME" > "$CONTAINER_WORK/smoke.log" 2>&1 || true; podman rm -f "$NAME" >/dev/null 2>&1 || true' EXIT
podman run -d --name "$NAME" -p "127.0.0.1:$PORT:9092" \
  -e KAFKA_ADVERTISED_LISTENERS="PLAINTEXT://127.0.0.1:$PORT" "$SAMSA_IMAGE" >/dev/null 2>"$CONTAINER_WORK/run.err"

wait_ready() {
  for _ in $(seq 1 100); do
    [ "$(podman inspect -f '{{.State.Running}}' "$NAME" 2>/dev/null)" = true ] || break
    $SAMSA healthcheck -b "127.0.0.1:$PORT" --timeout 1000 >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "[container] broker in the container did not answer on 127.0.0.1:$PORT"; podman logs "$NAME" 2>&1 | tail -30; return 1
}
step "podman run until ApiVersions answers" wait_ready
step "healthcheck inside the container" podman exec "$NAME" node /app/bin/samsa.js healthcheck
smoke() {
  $SAMSA topics create smoke --partitions 2 -b "127.0.0.1:$PORT" >/dev/null
  printf 'k1:v1\nk2:v2\nk3:v3\n' | $SAMSA produce smoke -k : -b "127.0.0.1:$PORT" 2>/dev/null
  local got
  got=$($SAMSA consume smoke --from-beginning --exit -f kv --separator = -b "127.0.0.1:$PORT" 2>/dev/null | sort | tr '\n' ' ')
  [ "$got" = "k1=v1 k2=v2 k3=v3 " ] || { echo "[container] consumed '$got'"; return 1; }
}
step "host CLI produce/consume via the mapped port" smoke

# The README's container-network recipe: the broker on a user network under the name `samsa`
# (--hostname: what it advertises for INTERNAL; --network-alias: what the network's DNS resolves),
# and a client container producing and consuming through samsa:9093.
NET=samsa-smoke-net-$$
BROKER=samsa-smoke-net-broker-$$
CLIENT=samsa-smoke-net-client-$$
trap 'podman logs "$NAME" > "$CONTAINER_WORK/smoke.log" 2>&1 || true; podman rm -f "$NAME" "$BROKER" "$CLIENT" >/dev/null 2>&1 || true; podman network rm -f "$NET" >/dev/null 2>&1 || true' EXIT
network_smoke() {
  podman network create "$NET" >/dev/null
  podman run -d --name "$BROKER" --network "$NET" --network-alias samsa --hostname samsa "$SAMSA_IMAGE" start --memory >/dev/null 2>&1
  podman run -d --name "$CLIENT" --network "$NET" --entrypoint sh "$SAMSA_IMAGE" -c 'sleep 600' >/dev/null 2>&1
  local cli='node /app/bin/samsa.js'
  podman exec "$CLIENT" sh -c "for i in \$(seq 1 50); do $cli healthcheck -b samsa:9093 --timeout 1000 >/dev/null 2>&1 && exit 0; sleep 0.2; done; exit 1" || {
    echo "[container] samsa:9093 not reachable from another container"; podman logs "$BROKER" 2>&1 | tail -20; return 1; }
  podman exec "$CLIENT" sh -c "$cli topics create net -b samsa:9093 >/dev/null && printf 'x\ny\n' | $cli produce net -b samsa:9093 2>/dev/null"
  local got
  got=$(podman exec "$CLIENT" sh -c "$cli consume net --from-beginning --exit -b samsa:9093 2>/dev/null" | tr '\n' ' ')
  [ "$got" = "x y " ] || { echo "[container] consumed '$got' over the INTERNAL listener"; return 1; }
}
step "container network via INTERNAL listener" network_smoke
