#!/usr/bin/env bash
# Installs the real Kafka clients the compat suite drives (Debian packages; the npm clients come
# with `npm ci`). Idempotent; needs root and apt-get. .ci/run calls it before the tests.
#
#   kcat, python3-confluent-kafka   librdkafka 2.0.2 (old overlap rules, feature map)
#   python3-kafka                   kafka-python 2.0.2; python3-snappy/-lz4/-zstandard give it codecs
#   golang-go + sarama + kafka-go   Go clients, built offline in GOPATH mode (compat/harness/go-build.ts)
#   confluent-kafka-go + librdkafka-dev  the Go binding of librdkafka (cgo)
#   zlib1g-dev libzstd-dev libssl-dev make g++ python3
#                                   build @confluentinc/kafka-javascript (compat/confluent-js): its npm
#                                   package carries librdkafka 2.1x's sources, compiled here because no
#                                   prebuilt binary is reachable (see build_confluent_js below)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

packages=(
  kcat
  python3-confluent-kafka
  python3-kafka python3-snappy python3-lz4 python3-zstandard
  golang-go golang-github-shopify-sarama-dev golang-github-segmentio-kafka-go-dev
  golang-github-confluentinc-confluent-kafka-go-dev librdkafka-dev gcc libc6-dev pkg-config
  zlib1g-dev libzstd-dev libssl-dev make g++ python3
)

# @confluentinc/kafka-javascript in compat/confluent-js/ (its own package.json and lock; never part
# of the root install). Its addon is NAN (V8-ABI specific): it is compiled with node-gyp against the
# headers of the system Node (/usr/include/node; npm's nodedir) and run by that same Node, recorded
# in node_modules/.samsa-build.json. CKJS_LINKING=dynamic makes librdkafka's configure use Debian's
# zlib/zstd/OpenSSL instead of --install-deps, which would download their sources. Skipped when the
# stamp matches the lock file and the Node; about 2-3 minutes on 2 cores otherwise.
build_confluent_js() {
  local dir="$here/confluent-js"
  local node="${SAMSA_COMPAT_NODE:-/usr/bin/node}"
  local stamp="$dir/node_modules/.samsa-build.json"
  local addon="$dir/node_modules/@confluentinc/kafka-javascript/build/Release/confluent-kafka-javascript.node"
  if [ ! -x "$node" ]; then
    echo "compat/install-clients.sh: no $node to build @confluentinc/kafka-javascript with (set SAMSA_COMPAT_NODE)" >&2
    return 0
  fi
  local nodedir
  nodedir="$(cd "$(dirname "$node")/.." && pwd)"
  if [ ! -f "$nodedir/include/node/node_version.h" ]; then
    echo "compat/install-clients.sh: $node has no headers in $nodedir/include/node; not building @confluentinc/kafka-javascript" >&2
    return 0
  fi
  local want
  want="$("$node" -p "JSON.stringify({node: process.execPath, version: process.version, modules: process.versions.modules, lock: require('crypto').createHash('sha256').update(require('fs').readFileSync('$dir/package-lock.json')).digest('hex')})")"
  if [ -f "$addon" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  echo "compat/install-clients.sh: building @confluentinc/kafka-javascript (librdkafka from source) with $node $("$node" --version)"
  local started=$SECONDS
  if (cd "$dir" && rm -f "$stamp" &&
    PATH="$(dirname "$node"):$PATH" CKJS_LINKING=dynamic npm_config_build_from_source=true \
      npm_config_nodedir="$nodedir" npm ci --no-audit --no-fund --loglevel=error >"$dir/build.log" 2>&1) &&
    [ -f "$addon" ]; then
    printf '%s' "$want" >"$stamp"
    echo "compat/install-clients.sh: built in $((SECONDS - started)) s"
  else
    echo "warning: building @confluentinc/kafka-javascript failed (the compat suite will report it missing); last lines of compat/confluent-js/build.log:" >&2
    tail -n 30 "$dir/build.log" >&2 || true
  fi
}

if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "compat/install-clients.sh: needs root and apt-get; install by hand: ${packages[*]}" >&2
  build_confluent_js
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

build_confluent_js
