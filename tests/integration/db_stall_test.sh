#!/usr/bin/env bash
# A database that stops answering mid-run (SIGSTOP of mariadbd for 6 s,
# then SIGCONT), as a user's run meets it (issue 11): queries in flight time
# out at target.read_timeout and are classed `reconnect` (the documented
# class of 2013, lost connection), the workers reconnect once the server
# answers again, and the run ends on time with its report.
#
#   tests/integration/db_stall_test.sh RIG_AGENT RIG_COORDINATOR
#
# Exit: 0 passed, 1 failed. Bounded: every wait has a deadline; the server
# is resumed and removed at exit.
set -uo pipefail

agent_bin="$1"
coordinator_bin="$2"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=tests/integration/fault_lib.sh
source "$(dirname "$0")/fault_lib.sh"
work="$(mktemp -d /tmp/db_stall.XXXXXX)"
pids=()
db_pid=""
cleanup() {
  [[ -n "$db_pid" ]] && kill -CONT "$db_pid" 2>/dev/null
  stop_processes
  RIG_DEV_DB_DIR="$work/db" "$repo/scripts/dev-db" stop --purge >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

RIG_DEV_DB_DIR="$work/db" "$repo/scripts/dev-db" start >"$work/db.log" 2>&1 ||
  fail "the private MariaDB did not start"
eval "$(RIG_DEV_DB_DIR="$work/db" "$repo/scripts/dev-db" env)"
db_pid="$(cat "$work/db/mariadbd.pid")"
[[ "$db_pid" =~ ^[0-9]+$ ]] || fail "no mariadbd pid"

start_agent 127.0.0.1 stalled

write_fault_plan
RIG_DB_PASSWORD="$RIG_DB_PASSWORD" "$coordinator_bin" "$work/plan.yaml" \
  --agents "127.0.0.1:$agent_port" >"$work/coordinator.log" 2>&1 &
coordinator=$!
pids+=("$coordinator")
wait_measuring

kill -STOP "$db_pid"
echo "mariadbd stopped at $(date +%T)"
sleep 6
kill -CONT "$db_pid"
echo "mariadbd resumed at $(date +%T)"

expect_run_survived "$coordinator" "the stall"
echo "passed: the stall was classed reconnect, the workers reconnected, the run ended"
