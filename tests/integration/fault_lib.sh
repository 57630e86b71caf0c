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

# expect_reconnects REPORT.json WHAT: the run did operations, its failures
# were classed `reconnect` (or retried), and its workers reconnected.
expect_reconnects() {
  python3 - "$1" <<'PY' || fail "the report does not show $2 as reconnect errors"
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
