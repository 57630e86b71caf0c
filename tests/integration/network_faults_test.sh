#!/usr/bin/env bash
# A network blackhole between coordinator and agent, made here with a network
# namespace and tc (issue 11): the coordinator runs in a namespace of its
# own, joined to the agent's by a veth pair; mid-run nftables in that
# namespace drops every packet in and out of the pair (a blackhole, not a
# clean close: no RST or FIN tells either side; the host's own rules are not
# touched). Both sides must notice within the
# heartbeat timeout: the coordinator marks the agent lost and exits 4 with
# its report, the agent cancels its run and frees its connections.
#
#   tests/integration/network_faults_test.sh RIG_AGENT RIG_COORDINATOR
#
# Exit: 0 passed, 1 failed, 77 skipped (not root, or no netns/veth/nft here).
# Bounded: every wait has a deadline; everything made is removed at exit.
set -uo pipefail

agent_bin="$1"
coordinator_bin="$2"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "$0")/fault_lib.sh"
need_namespaces

id="$$"
ns="rignf$id"
host_if="rnh$id"
ns_if="rnn$id"
net="10.231.$((id % 250)).0"
host_ip="${net%.0}.1"
ns_ip="${net%.0}.2"
work="$(mktemp -d /tmp/network_faults.XXXXXX)"
pids=()
cleanup() {
  stop_processes
  ip link del "$host_if" 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  RIG_DEV_DB_DIR="$work/db" "$repo/scripts/dev-db" stop --purge >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns" 2>/dev/null || skip "ip netns add failed"
ip link add "$host_if" type veth peer name "$ns_if" || skip "no veth"
ip link set "$ns_if" netns "$ns"
ip addr add "$host_ip/24" dev "$host_if" && ip link set "$host_if" up
ip -n "$ns" addr add "$ns_ip/24" dev "$ns_if"
ip -n "$ns" link set "$ns_if" up && ip -n "$ns" link set lo up
# The namespace's own filter table, empty until the cut.
ip netns exec "$ns" nft add table inet rigcut 2>/dev/null ||
  skip "nftables does not work in a network namespace here"
ip netns exec "$ns" nft 'add chain inet rigcut in { type filter hook input priority 0; policy accept; }'
ip netns exec "$ns" nft 'add chain inet rigcut out { type filter hook output priority 0; policy accept; }'

RIG_DEV_DB_DIR="$work/db" "$repo/scripts/dev-db" start >"$work/db.log" 2>&1 ||
  fail "the private MariaDB did not start"
eval "$(RIG_DEV_DB_DIR="$work/db" "$repo/scripts/dev-db" env)"

# The agent in the host's namespace (the database is on its loopback).
start_agent "$host_ip" cut-off
port="$agent_port"
# Listening on a non-loopback address without a token or TLS: said loudly.
grep -q "UNAUTHENTICATED: listening on $host_ip without a bearer token or TLS" \
  "$work/agent.log" || fail "the agent did not warn that it is unauthenticated"

cat >"$work/plan.yaml" <<YAML
target: {host: 127.0.0.1, port: ${RIG_DB_PORT}, user: ${RIG_DB_USER}, database: ${RIG_DB_NAME}}
workload: {kind: oltp_point_select, table_size: 500}
load: {connections: 2, duration: 5m, report_interval: 200ms}
agents: {heartbeat_interval: 200ms, heartbeat_timeout: 1500ms}
report: {json: $work/report.json}
YAML
# The coordinator in its own namespace, reaching the agent over the veth.
ip netns exec "$ns" env RIG_DB_PASSWORD="$RIG_DB_PASSWORD" \
  "$coordinator_bin" "$work/plan.yaml" --agents "$host_ip:$port" \
  >"$work/coordinator.log" 2>&1 &
coordinator=$!
pids+=("$coordinator")
wait_measuring

# The blackhole: every packet in and out of the pair is dropped.
ip netns exec "$ns" nft add rule inet rigcut in iifname "$ns_if" drop
ip netns exec "$ns" nft add rule inet rigcut out oifname "$ns_if" drop
cut_at=$SECONDS
echo "blackhole at $(date +%T)"

wait_coordinator "$coordinator" 20 "the blackhole"
code=$coordinator_code
took=$((SECONDS - cut_at))
((code == 4)) || fail "the coordinator exited $code, not 4 (incomplete)"
grep -q '"lost": true' "$work/report.json" ||
  grep -q '"lost":true' "$work/report.json" || fail "the report does not mark the agent lost"
grep -q "heartbeat timeout" "$work/report.json" ||
  fail "the report does not say heartbeat timeout"
echo "coordinator: exit 4, agent lost (heartbeat timeout), ${took} s after the blackhole"

wait_for 20 grep -q "run ended in state Cancelled" "$work/agent.log" ||
  fail "the agent did not cancel its run within 20 s of the blackhole"
echo "agent: run cancelled $((SECONDS - cut_at)) s after the blackhole"
no_rig_connections() {
  test "$(mariadb --defaults-file="$work/db/my.cnf" -uroot -N -e \
    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER='${RIG_DB_USER}'" \
    2>/dev/null)" = 0
}
wait_for 20 no_rig_connections ||
  fail "the agent's database connections were not closed"
echo "agent: its database connections are closed; passed"
