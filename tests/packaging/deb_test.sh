#!/usr/bin/env bash
# The Debian package (issue 17, bare nodes):
#
#   tests/packaging/deb_test.sh BUILD_DIR [SANITIZE]
#
# SANITIZE: the build's RIG_SANITIZE; a sanitizer build is skipped (its
# binaries need the sanitizer runtimes, which the package does not list).
# 1. `cpack -G DEB` in BUILD_DIR builds tidb-test-rig_VERSION_ARCH.deb; its
#    control data names the libraries (dpkg-shlibdeps) and its maintainer
#    scripts, /etc/rig-agent/rig-agent.env is a conffile, and it holds both
#    binaries, stripped, and the unit.
# 2. In a container made from the local Debian 12 base (scripts/image
#    --base; --network host), `apt-get install ./the.deb` pulls the
#    libraries from Debian's mirror and installs cleanly; the user rig-agent
#    exists, has no shell, and alone can read the generated token (0400);
#    `rig-agent --version` runs as that user; the agent started as the unit
#    would start it (the env file, as rig-agent) listens where the env file
#    says and reads the token; `systemd-analyze verify` (systemd installed
#    after the package) accepts the unit without a warning; purge removes
#    the user and the token.
#
# Exit: 0 passed, 1 failed, 77 skipped (not root, no podman or cpack, or no
# container can run here; says which). Downloads the package's libraries
# and systemd from the mirror in the container (kept between runs in the
# podman volume rig-apt-archives).
set -uo pipefail

build_dir="$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d /tmp/deb_test.XXXXXX)"
trap 'rm -rf "$work"' EXIT

skip() {
  echo "skipped: $*"
  exit 77
}
fail() {
  echo "FAIL: $*"
  exit 1
}

[ -z "${2:-}" ] || skip "a sanitizer build ($2): its binaries need the sanitizer runtimes, which the package does not list"
((EUID == 0)) || skip "needs root (rootful podman)"
command -v cpack >/dev/null || skip "cpack not found (cmake)"
command -v podman >/dev/null || skip "podman not found (scripts/install-deps)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$repo/scripts/containers.conf}"

# --- 1. the package
if ! (cd "$build_dir" && cpack -G DEB -B "$work/out") >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log"
  fail "cpack -G DEB failed"
fi
debs=("$work"/out/tidb-test-rig_*.deb)
[ -f "${debs[0]}" ] || fail "cpack made no tidb-test-rig_*.deb: $(ls "$work/out")"
deb="${debs[0]}"
echo "ok   built $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"
depends="$(dpkg-deb -f "$deb" Depends)"
for lib in libgrpc++1.51 libprotobuf32 libmysqlcppconn7v5 libmariadb3 libyaml-cpp0.7 passwd; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
echo "ok   Depends: $depends"
dpkg-deb -e "$deb" "$work/control"
for f in postinst prerm postrm; do
  [ -x "$work/control/$f" ] || fail "no executable $f in the package"
done
grep -qx /etc/rig-agent/rig-agent.env "$work/control/conffiles" 2>/dev/null ||
  fail "/etc/rig-agent/rig-agent.env is not a conffile"
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/rig-agent usr/bin/rig-coordinator lib/systemd/system/rig-agent.service etc/rig-agent/rig-agent.env; do
  [ -e "$work/root/$f" ] || fail "/$f not in the package"
done
if readelf -S "$work/root/usr/bin/rig-agent" | grep -q '\.debug_info'; then
  fail "rig-agent in the package keeps its debug info"
fi
echo "ok   contents: both binaries (stripped), the unit, the env file (conffile), maintainer scripts"

# --- 2. installed into a container from the local Debian base
base_out="$("$repo/scripts/image" --base 2>&1)" ||
  skip "no Debian base image and scripts/image --base cannot make one: $(tail -1 <<<"$base_out")"
base="$(tail -1 <<<"$base_out")"
probe="$(podman run --rm --network host "$base" true 2>&1)" ||
  skip "podman cannot run a container here: $(head -1 <<<"$probe")"

cat >"$work/in-container.sh" <<'EOF'
set -eu
step() { echo "--- $*"; }
export DEBIAN_FRONTEND=noninteractive
step "apt-get install ./the.deb"
apt-get update -q >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
cp /pkg/*.deb /tmp/
apt-get install -y -q --no-install-recommends /tmp/tidb-test-rig_*.deb >/tmp/apt.log 2>&1 ||
  { cat /tmp/apt.log; exit 1; }
grep -E '^(Setting up|Unpacking) lib(grpc|mariadb|mysqlcppconn)' /tmp/apt.log | head -3
step "the user and the token"
getent passwd rig-agent
[ "$(getent passwd rig-agent | cut -d: -f7)" = /usr/sbin/nologin ]
[ "$(stat -c '%U %a' /etc/rig-agent/token)" = "rig-agent 400" ]
[ "$(stat -c '%U:%G %a' /etc/rig-agent)" = "root:rig-agent 750" ]
[ "$(wc -c </etc/rig-agent/token)" -ge 32 ]
if runuser -u nobody -- cat /etc/rig-agent/token >/dev/null 2>&1; then
  echo "another user can read the token"; exit 1
fi
step "rig-agent --version as rig-agent"
runuser -u rig-agent -- rig-agent --version
rig-coordinator --version
step "started as the unit starts it: the env file, user rig-agent"
# The test's port instead of 7070 (host network: anything may hold 7070).
sed -i "s/^RIG_AGENT_LISTEN=.*/RIG_AGENT_LISTEN=127.0.0.1:$PORT/" /etc/rig-agent/rig-agent.env
# As systemd would: User=rig-agent, EnvironmentFile=, ExecStart=.
(set -a; . /etc/rig-agent/rig-agent.env; set +a
 exec setpriv --reuid=rig-agent --regid=rig-agent --init-groups /usr/bin/rig-agent) >/tmp/agent.log 2>&1 &
agent=$!
for _ in $(seq 100); do
  grep -q "listening on 127.0.0.1:$PORT" /tmp/agent.log && break
  kill -0 $agent 2>/dev/null || break
  sleep 0.1
done
cat /tmp/agent.log
grep -q "listening on 127.0.0.1:$PORT" /tmp/agent.log
step "another user cannot start it with the token"
if (set -a; . /etc/rig-agent/rig-agent.env; set +a
    exec setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/rig-agent) >/tmp/nobody.log 2>&1; then
  echo "rig-agent started as nobody with /etc/rig-agent/token"; exit 1
fi
cat /tmp/nobody.log
grep -q /etc/rig-agent/token /tmp/nobody.log
kill -TERM $agent
wait $agent  # 0: a clean shutdown on SIGTERM
grep -q "received SIGTERM" /tmp/agent.log
step "systemd-analyze verify"
apt-get install -y -q --no-install-recommends systemd >/tmp/apt.log 2>&1 ||
  { cat /tmp/apt.log; exit 1; }
systemd-analyze verify /lib/systemd/system/rig-agent.service >/tmp/verify.log 2>&1 ||
  { cat /tmp/verify.log; echo "systemd-analyze verify failed"; exit 1; }
if [ -s /tmp/verify.log ]; then cat /tmp/verify.log; echo "systemd-analyze verify warned"; exit 1; fi
echo "systemd-analyze verify: no complaint"
step "purge"
apt-get purge -y -q tidb-test-rig >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }
if getent passwd rig-agent; then echo "rig-agent still exists"; exit 1; fi
[ ! -e /etc/rig-agent ] || { ls -la /etc/rig-agent; echo "/etc/rig-agent still exists"; exit 1; }
echo "in-container: passed"
EOF
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
name="rig-deb-test-$$"
if ! podman run --rm --name "$name" --network host -e PORT="$port" \
  -v "$work/out:/pkg:ro" -v "$work/in-container.sh:/test.sh:ro" \
  -v rig-apt-archives:/var/cache/apt/archives "$base" sh /test.sh >"$work/container.log" 2>&1; then
  cat "$work/container.log"
  podman rm --force "$name" >/dev/null 2>&1
  fail "the package in a container from $base"
fi
cat "$work/container.log"
echo "deb test: passed"
exit 0
