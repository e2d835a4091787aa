# Samsa broker image.
#
#   podman build --format docker -t samsa .      (docker build -t samsa .)
#   docker run -p 9092:9092 -v samsa-data:/data samsa
#
# Stage `build` (node:24-bookworm-slim) installs the production dependencies and gathers a minimal root
# filesystem: the node binary, the shared libraries `ldd` says it needs, busybox (a shell, `nc`,
# `cat` for Testcontainers' port checks and for debugging), and a non-root `samsa` user (uid 1000).
# The final stage is that root filesystem FROM scratch plus /app, which keeps the image under 150 MB
# (the node binary alone is ~120 MB; node:24-bookworm-slim itself is larger than the target).
#
# The image runs the JavaScript bundles that scripts/build.ts makes from src/ (stage `bundle`, with
# rolldown, the one dev dependency that build needs, at the version package-lock.json pins):
# they start in half the CPU time of the TypeScript sources and take ~25 MB less memory.
# /app holds bin/, dist/, package.json and node_modules with only the runtime dependencies.
#
# Listeners (override with the same KAFKA_* / KAFKA_CFG_* variables as `samsa start`):
#   PLAINTEXT  0.0.0.0:9092, advertised as localhost:9092 — for clients on the host through
#              `-p 9092:9092`; set KAFKA_ADVERTISED_LISTENERS when mapping another host port
#   INTERNAL   0.0.0.0:9093, advertised as the container's hostname — for other containers on the
#              same network (run with --hostname samsa, or compose `hostname: samsa`)
#
# Behind a TLS-intercepting proxy, pass its CA for `npm ci` as a build secret:
#   --secret id=ca,src=/path/ca.crt

FROM node:24-bookworm-slim AS bundle
WORKDIR /build
COPY package.json package-lock.json tsconfig.json ./
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    v=$(node -p "require('./package-lock.json').packages['node_modules/rolldown'].version") \
 && mkdir /tools && cd /tools \
 && npm install --no-save --no-package-lock --ignore-scripts --no-audit --no-fund "rolldown@$v" \
 && npm cache clean --force \
 && ln -s /tools/node_modules /build/node_modules
COPY scripts/build.ts scripts/build-stamp.js ./scripts/
COPY src ./src
# Source maps stay out of the image (2.5 MB): the image is kept under 150 MB.
RUN node scripts/build.ts --js && find dist -name "*.map" -delete

FROM node:24-bookworm-slim AS build
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static >/dev/null \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# An optional build secret `ca` (a PEM bundle) is trusted by npm for a TLS-intercepting proxy; it
# is mounted for this step only, never stored in a layer.
RUN --mount=type=secret,id=ca \
    if [ -s /run/secrets/ca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca; fi; \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# The final root filesystem: node, the shared libraries of node and of the native addons in
# node_modules (snappy, lz4, crc32 need librt etc.), busybox as /bin/sh, a user, /tmp and /data.
RUN set -eu; R=/rootfs; \
    mkdir -p $R/usr/local/bin $R/bin $R/etc $R/tmp $R/data $R/home/samsa; \
    chmod 1777 $R/tmp; \
    cp -a /usr/local/bin/node $R/usr/local/bin/node; \
    for bin in /usr/local/bin/node $(find /app/node_modules -name '*.node' -type f); do \
      for f in $(ldd "$bin" | awk '/=>/ {print $3} /^[ \t]*\/lib64/ {print $1}'); do \
        mkdir -p "$R$(dirname "$f")"; cp -L "$f" "$R$f"; \
      done; \
    done; \
    cp /bin/busybox $R/bin/busybox; \
    for c in sh cat nc ls ps sleep env grep wget; do ln -s busybox $R/bin/$c; done; \
    printf 'root:x:0:0:root:/root:/bin/sh\nsamsa:x:1000:1000:samsa:/home/samsa:/bin/sh\n' > $R/etc/passwd; \
    printf 'root:x:0:\nsamsa:x:1000:\n' > $R/etc/group; \
    printf 'hosts: files dns\n' > $R/etc/nsswitch.conf; \
    chown 1000:1000 $R/data $R/home/samsa
COPY bin ./bin
COPY --from=bundle /build/dist ./dist
# V8's compile cache for the bundles, made here by one start of the broker with the same node
# binary, /app paths and uid (the cache is keyed by uid) as the image: a new container starts with
# an empty /tmp, and the cache saves ~20-30 ms of CPU on every start (NODE_COMPILE_CACHE below).
RUN mkdir /app/.compile-cache && chown 1000:1000 /app/.compile-cache; \
    export NODE_COMPILE_CACHE=/app/.compile-cache; \
    setpriv --reuid=1000 --regid=1000 --clear-groups \
      node bin/samsa.js start --memory --override listeners=PLAINTEXT://127.0.0.1:0 2>/tmp/warm.log & p=$!; \
    for _ in $(seq 1 300); do grep -q 'listening on' /tmp/warm.log && break; sleep 0.1; done; \
    kill -TERM $p; wait $p; cat /tmp/warm.log; ls /app/.compile-cache/

FROM scratch
COPY --from=build /rootfs/ /
COPY --from=build --chown=1000:1000 /app /app
ENV PATH=/usr/local/bin:/bin \
    NODE_ENV=production \
    NODE_COMPILE_CACHE=/app/.compile-cache \
    KAFKA_LISTENERS=PLAINTEXT://0.0.0.0:9092,INTERNAL://0.0.0.0:9093 \
    KAFKA_ADVERTISED_LISTENERS=PLAINTEXT://localhost:9092 \
    KAFKA_LISTENER_SECURITY_PROTOCOL_MAP=PLAINTEXT:PLAINTEXT,INTERNAL:PLAINTEXT \
    KAFKA_LOG_DIRS=/data
WORKDIR /app
USER 1000:1000
VOLUME /data
EXPOSE 9092 9093
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["node", "/app/bin/samsa.js", "healthcheck", "--timeout", "4000"]
ENTRYPOINT ["node", "/app/bin/samsa.js"]
CMD ["start"]
