# syntax=docker/dockerfile:1
# The rig's image: rig-agent and rig-coordinator on Debian 12, as a non-root
# user, with the runtime libraries only (no compiler, no headers).
#
#   docker build -t registry.example.com/perf/tidb-test-rig:0.1.0 .
#   docker run --rm registry.example.com/perf/tidb-test-rig:0.1.0 rig-agent --help
#
# Used by helm/tidb-test-rig (see docs/kubernetes.md). The Job's script also
# needs /bin/sh, getent (libc-bin), awk, sort, wc, date, mkdir and cat, all in
# Debian's base image.

ARG DEBIAN_IMAGE=debian:12-slim

# ---- build: the build subset of scripts/install-deps (no database, no browser)
FROM ${DEBIAN_IMAGE} AS build
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
 && cmake --build build -j"$(nproc)" --target rig-agent rig-coordinator \
 && mkdir -p /out \
 && objcopy --strip-debug build/agent/rig-agent /out/rig-agent \
 && objcopy --strip-debug build/coordinator/rig-coordinator /out/rig-coordinator \
 && /out/rig-agent --version && /out/rig-coordinator --version

# ---- runtime: the shared libraries the two binaries link (readelf -d), and
# what apt pulls in for them (libmariadb3, libssl3, libre2-9, libc-ares2, ...)
FROM ${DEBIAN_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 \
      libmysqlcppconn7v5 libmariadb3 libyaml-cpp0.7 libcpp-httplib0.11 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 10001 rig \
 && useradd --uid 10001 --gid rig --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin rig \
 && mkdir -p /reports && chown rig:rig /reports
COPY --from=build /out/rig-agent /out/rig-coordinator /usr/local/bin/
# Fails the build if a runtime library is missing.
RUN rig-agent --version && rig-coordinator --version
USER 10001:10001
WORKDIR /reports
EXPOSE 7070 9464
# The agent, reachable from other pods; the chart sets its own arguments
# (with a token by default), and the coordinator is run as
# `rig-coordinator ...` (no ENTRYPOINT to override). Run bare, without
# RIG_AUTH_TOKEN or TLS, the agent warns UNAUTHENTICATED at start.
CMD ["rig-agent", "--listen=0.0.0.0:7070"]
