#!/usr/bin/env bash
# Database connections cut mid-run (issue 11): the database, the agent and
# the coordinator run in a network namespace of their own; for 3 s nftables
# there answers every packet to the database's port with a TCP reset, so
# queries in flight fail with a lost connection and new connections are
# refused. They must be classed `reconnect` (the documented class of
# 2013/2002/2003), the workers reconnect when the cut ends, and the run ends
# on time with its report.
#
#   tests/integration/connection_cut_test.sh RIG_AGENT RIG_COORDINATOR
#
# Exit: 0 passed, 1 failed, 77 skipped (not root, or no netns/nft here).
# Bounded: every wait has a deadline; everything made is removed at exit.
set -uo pipefail

agent_bin="$1"
coordinator_bin="$2"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "$0")/fault_lib.sh"
need_namespaces
ns="rigcc$$"
ip netns add "$ns" 2>/dev/null || skip "ip netns add failed"
in_ns() { ip netns exec "$ns" "$@"; }
work="$(mktemp -d /tmp/connection_cut.XXXXXX)"
pids=()
cleanup() {
  stop_processes
  RIG_DEV_DB_DIR="$work/db" in_ns "$repo/scripts/dev-db" stop --purge >/dev/null 2>&1
  ip netns del "$ns" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

in_ns ip link set lo up
in_ns nft add table inet rigcut || skip "nftables does not work in a namespace here"
in_ns nft 'add chain inet rigcut out { type filter hook output priority 0; policy accept; }'
RIG_DEV_DB_DIR="$work/db" in_ns "$repo/scripts/dev-db" start >"$work/db.log" 2>&1 ||
  fail "the private MariaDB did not start"
eval "$(RIG_DEV_DB_DIR="$work/db" in_ns "$repo/scripts/dev-db" env)"

# Started with ip netns exec itself (not a shell function): $! is then the
# process, which ip execs into, so the clean-up can end it.
start_agent 127.0.0.1 cut ip netns exec "$ns"

write_fault_plan
ip netns exec "$ns" env RIG_DB_PASSWORD="$RIG_DB_PASSWORD" "$coordinator_bin" "$work/plan.yaml" \
  --agents "127.0.0.1:$agent_port" >"$work/coordinator.log" 2>&1 &
coordinator=$!
pids+=("$coordinator")
wait_measuring

in_ns nft add rule inet rigcut out tcp dport "$RIG_DB_PORT" reject with tcp reset
echo "connections to the database reset from $(date +%T)"
sleep 3
in_ns nft flush chain inet rigcut out
echo "connections to the database allowed again at $(date +%T)"

expect_run_survived "$coordinator" "the cut"
echo "passed: the cut was classed reconnect, the workers reconnected, the run ended"
