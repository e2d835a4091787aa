#!/usr/bin/env bash
# Installs the real Kafka clients the compat suite drives (Debian packages; the npm clients come
# with `npm ci`). Idempotent; needs root and apt-get. .ci/run calls it before the tests.
#
#   kcat, python3-confluent-kafka   librdkafka 2.0.2 (old overlap rules, feature map)
#   python3-kafka                   kafka-python 2.0.2; python3-snappy/-lz4/-zstandard give it codecs
#   golang-go + sarama + kafka-go   Go clients, built offline in GOPATH mode (compat/harness/go-build.ts)
#   confluent-kafka-go + librdkafka-dev  the Go binding of librdkafka (cgo)
set -euo pipefail

packages=(
  kcat
  python3-confluent-kafka
  python3-kafka python3-snappy python3-lz4 python3-zstandard
  golang-go golang-github-shopify-sarama-dev golang-github-segmentio-kafka-go-dev
  golang-github-confluentinc-confluent-kafka-go-dev librdkafka-dev gcc libc6-dev pkg-config
)

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "compat/install-clients.sh: needs root and apt-get; install by hand: ${packages[*]}" >&2
  exit 0
fi

need=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq || true
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null ||
    echo "warning: could not install ${need[*]} (the compat suites will report them missing)" >&2
fi
