# syntax=docker/dockerfile:1
# The rig's image: rig-agent and rig-coordinator on Debian 12, as a non-root
# user, with the runtime libraries only (no compiler, no headers).
#
#   docker build -t registry.example.com/perf/tidb-test-rig:0.1.0 .
#   docker run --rm registry.example.com/perf/tidb-test-rig:0.1.0 rig-agent --help
#
# The base is a build argument: Debian's public image by default; on a
# machine without a registry, scripts/image builds this same file with
# --build-arg DEBIAN_IMAGE=localhost/local/debian:bookworm (a debootstrap
# root file system imported into podman) and BUILD_JOBS=1.
#
# Stages: `runtime` (libraries, user, defaults), `prebuilt` (runtime plus
# binaries built outside, from a context holding only rig-agent and
# rig-coordinator: scripts/image --prebuilt), `build` (compiles both), and
# the image itself (runtime plus the build stage's binaries). A builder that
# skips unused stages (BuildKit, buildah) never builds `prebuilt` here.
#
# Used by helm/tidb-test-rig (see docs/kubernetes.md). The Job's script also
# needs /bin/sh, getent (libc-bin), awk, sort, wc, date, mkdir and cat, all in
# Debian's base image.

ARG DEBIAN_IMAGE=debian:12-slim

# ---- runtime: the shared libraries the two binaries link (readelf -d), and
# what apt pulls in for them (libmariadb3, libssl3, libre2-9, libc-ares2, ...)
FROM ${DEBIAN_IMAGE} AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 \
      libmysqlcppconn7v5 libmariadb3 libyaml-cpp0.7 libcpp-httplib0.11 \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 rig \
 && useradd --uid 10001 --gid rig --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin rig \
 && mkdir -p /reports && chown rig:rig /reports
USER 10001:10001
WORKDIR /reports
# 7070: the agent's gRPC port; 7071: the plaintext health port the chart
# gives --health-listen when TLS is on; 9464: /metrics (--metrics-listen).
EXPOSE 7070 7071 9464
# The agent, reachable from other pods; the chart sets its own arguments
# (with a token by default), and the coordinator is run as
# `rig-coordinator ...` (no ENTRYPOINT to override). Run bare, without
# RIG_AUTH_TOKEN or TLS, the agent warns UNAUTHENTICATED at start.
CMD ["rig-agent", "--listen=0.0.0.0:7070"]

# ---- prebuilt: the runtime stage plus binaries built outside the image
# (scripts/image --prebuilt BUILD_DIR copies them, stripped, into a context
# of their own). Seconds instead of a compile: what container_test runs.
FROM runtime AS prebuilt
COPY rig-agent rig-coordinator /usr/local/bin/
# Fails the build if a runtime library is missing.
RUN rig-agent --version && rig-coordinator --version

# ---- build: the build subset of scripts/install-deps (no database, no browser)
FROM ${DEBIAN_IMAGE} AS build
# Compile jobs: empty means one per CPU; scripts/image passes 1 on shared
# machines.
ARG BUILD_JOBS=
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      cmake g++ make pkg-config \
      libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler \
      libabsl-dev libmysqlcppconn-dev libmariadb-dev libyaml-cpp-dev \
      libcpp-httplib-dev libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# RelWithDebInfo (-O2) is what the benchmarks in bench/RESULTS.md measured;
# the debug info is stripped below.
RUN cmake -S . -B build -DBUILD_TESTING=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build -j"${BUILD_JOBS:-$(nproc)}" --target rig-agent rig-coordinator \
 && mkdir -p /out \
 && objcopy --strip-debug build/agent/rig-agent /out/rig-agent \
 && objcopy --strip-debug build/coordinator/rig-coordinator /out/rig-coordinator \
 && /out/rig-agent --version && /out/rig-coordinator --version

# ---- the image: runtime plus the binaries of the build stage
FROM runtime
COPY --from=build /out/rig-agent /out/rig-coordinator /usr/local/bin/
RUN rig-agent --version && rig-coordinator --version
