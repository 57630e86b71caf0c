# Shared by the fault scripts (network_faults_test.sh, db_stall_test.sh,
# connection_cut_test.sh): source it after setting `work` (the script's temp
# directory, whose *.log files `fail` prints) and `pids` (processes that
# `stop_processes` ends).

skip() {
  echo "skipped: $*"
  exit 77
}

fail() {
  echo "FAIL: $*"
  for f in "$work"/*.log; do
    echo "--- $f"
    tail -20 "$f"
  done
  exit 1
}

# wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds;
# fails after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# SIGTERM to every pid, 5 s to end, then SIGKILL.
stop_processes() {
  local p alive
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for _ in $(seq 50); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  wait 2>/dev/null
}

# expect_run_survived COORDINATOR_PID WHAT: the run ends within 60 s and
# passes (no thresholds: the fault shows in its errors, not its verdict);
# its report ($work/report.json) shows operations, failures classed
# `reconnect` (or retried), and workers that reconnected.
expect_run_survived() {
  wait_coordinator "$1" 60 "$2"
  ((coordinator_code == 0)) || fail "the coordinator exited $coordinator_code, not 0"
  python3 - "$work/report.json" <<'PY' || fail "the report does not show $2 as reconnect errors"
import json, sys
r = json.load(open(sys.argv[1]))
c = r["total"]["counters"]
by_class = c.get("errors_by_class", {})
print("ops", c.get("ops"), "errors", c.get("errors", 0), "retries",
      c.get("retries", 0), "reconnects", c.get("reconnects", 0),
      "errors by class", by_class)
assert int(c.get("ops", 0)) > 0, "no operation"
assert int(by_class.get("reconnect", 0)) + int(c.get("retries", 0)) > 0, \
    "no reconnect-class error or retry"
assert int(c.get("reconnects", 0)) > 0, "no reconnect afterwards"
PY
}

# Skips (77) unless this runs as root with ip and nft: the namespace tests.
need_namespaces() {
  ((EUID == 0)) || skip "needs root for network namespaces"
  export PATH="$PATH:/usr/sbin:/sbin"
  command -v ip >/dev/null || skip "needs ip (iproute2)"
  command -v nft >/dev/null || skip "needs nft (nftables; scripts/install-deps)"
}

# start_agent LISTEN_HOST NAME [PREFIX...]: starts $agent_bin (through
# PREFIX, e.g. ip netns exec NS) on LISTEN_HOST port 0, logging to
# $work/agent.log; sets agent_port once it says where it listens.
start_agent() {
  local host="$1" name="$2"
  shift 2
  "$@" "$agent_bin" --listen "$host:0" --name "$name" >"$work/agent.log" 2>&1 &
  pids+=($!)
  agent_listen_host="$host"
  wait_for 30 agent_has_port || fail "the agent did not start"
  agent_port="$(grep -o "listening on $host:[0-9]*" "$work/agent.log" | head -1 | cut -d: -f2)"
}
agent_has_port() { grep -qs "listening on $agent_listen_host:[0-9]" "$work/agent.log"; }

# A plan for the database faults: short client timeouts, 14 s of load, the
# JSON report in $work/report.json; RIG_DB_* from scripts/dev-db env.
write_fault_plan() {
  cat >"$work/plan.yaml" <<YAML
target: {host: 127.0.0.1, port: ${RIG_DB_PORT}, user: ${RIG_DB_USER}, database: ${RIG_DB_NAME},
         connect_timeout: 1s, read_timeout: 2s, write_timeout: 2s}
workload: {kind: oltp_point_select, table_size: 500}
load: {connections: 2, duration: 14s, report_interval: 500ms}
report: {json: $work/report.json}
YAML
}

# Waits (60 s) until the coordinator ($work/coordinator.log) measures.
wait_measuring() {
  wait_for 60 grep -qs "ops/s" "$work/coordinator.log" ||
    fail "the run did not start measuring"
}

# wait_coordinator PID SECONDS WHAT: waits for the coordinator to end, at
# most SECONDS; sets coordinator_code to its exit status.
wait_coordinator() {
  local pid="$1" seconds="$2" what="$3"
  coordinator_pid="$pid"
  wait_for "$seconds" coordinator_exited ||
    fail "the run did not end within $seconds s of $what"
  wait "$pid"
  coordinator_code=$?
}
coordinator_exited() { ! kill -0 "$coordinator_pid" 2>/dev/null; }
