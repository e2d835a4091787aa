# Sourced by the other scripts in scripts/container/: the podman settings from
# /work/shared/design/containers.md, without touching /etc.
#
#   CONTAINER_WORK    scratch dir (containers.conf, the API socket, logs); default /tmp/samsa-container
#   CONTAINER_CACHE   where the stand-in base image is cached between runs; default /var/cache/samsa-ci
#   SAMSA_IMAGE       tag of the image built from the Dockerfile; default localhost/samsa:ci
#
# containers.conf: crun fails on this kind of host (cgroup v1 hybrid) → runc; podman's default
# rlimits exceed what root without CAP_SYS_RESOURCE may set → cap nofile at the hard limit and
# nproc at 32768 (podman lowers its own NPROC to that).

CONTAINER_WORK=${CONTAINER_WORK:-/tmp/samsa-container}
CONTAINER_CACHE=${CONTAINER_CACHE:-/var/cache/samsa-ci}
SAMSA_IMAGE=${SAMSA_IMAGE:-localhost/samsa:ci}
BASE_IMAGE=docker.io/library/node:24-bookworm-slim
mkdir -p "$CONTAINER_WORK" "$CONTAINER_CACHE"

HN=$(ulimit -Hn)
cat > "$CONTAINER_WORK/containers.conf" <<CONF
[containers]
default_ulimits = [
  "nofile=${HN}:${HN}",
  "nproc=32768:32768",
]

[engine]
runtime = "runc"
CONF
export CONTAINERS_CONF="$CONTAINER_WORK/containers.conf"
export CONTAINER_WORK CONTAINER_CACHE SAMSA_IMAGE BASE_IMAGE

step() { # step NAME CMD... : run and print wall time
  local name=$1; shift
  local s e; s=$(date +%s%N)
  "$@"
  e=$(date +%s%N)
  printf '[container] %-32s %6d ms\n' "$name" $(( (e - s) / 1000000 ))
}
