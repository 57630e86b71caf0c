// Faults during the load (plan `faults:`), end to end: a real coordinator
// (with --allow-exec) and a real agent against the private MariaDB. The
// exec fault really stops and restarts the server; the sql fault really
// holds a table lock; kill_connections really drops connections under the
// load; a failing and a hanging command are reported as such.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "tests/integration/real_rig.h"
#include "tests/support/com_counters.h"

namespace rig {
namespace {

class FaultsTest : public RealRigTest {
 protected:
  // Runs `plan_body` (after the target) on one agent with --allow-exec;
  // returns the coordinator's exit code and fills *report.
  int RunPlan(const std::string& tag, const std::string& plan_body,
              rig::v1::Report* report, std::string* out) {
    int port = 0;
    auto agent = StartAgent("a-" + tag, &port);
    EXPECT_TRUE(agent);
    if (!agent) return -1;
    const std::string report_path = absl::StrCat(*dir_, "/", tag, ".json");
    const std::string plan = WritePlan(
        tag + ".yaml", absl::StrCat(TargetYaml(), plan_body,
                                    "report: {json: ", report_path, "}\n"));
    auto run = Coordinator(
        {plan, "--agents", absl::StrCat("127.0.0.1:", port), "--allow-exec"},
        server_->password());
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return -1;
    *out = run->stdout_text + run->stderr_text;
    *report = ReadReport(report_path);
    return run->exit_code;
  }

  // The admin command line the harness uses, for the plan's exec steps.
  static std::string Admin(const std::string& tool) {
    return absl::StrCat(tool, " --defaults-file=", server_->defaults_file(),
                        " --protocol=socket --socket=", server_->socket_path(),
                        " -u", server_->admin_user());
  }
};

// The server stopped and started again by the plan's own commands: the
// fault's band holds the breaker opening, the recovery time says when the
// load came back (when the server did, within an interval), the run
// completes and bank's invariant holds.
TEST_F(FaultsTest, ExecStopsAndRestartsTheServerMidRun) {
  const int64_t interval_us = 1000000;
  const std::string body = absl::StrCat(
      "workload: {kind: bank, table_size: 20, prepare: recreate}\n"
      // 10 s after the recover begins: under the whole suite's load a
      // restart took 5.4 s to answer, past the end of a 9 s run.
      "load: {connections: 2, duration: 15s, report_interval: 1s}\n"
      "resilience: {circuit_breaker: {open_for: 300ms}, "
      "retry: {max_attempts: 5, initial_backoff: 20ms, max_backoff: 100ms}}\n"
      "faults:\n"
      "  - name: stop the server\n"
      "    at: 3s\n"
      "    duration: 2s\n"
      // The p99 rule off: operations that waited out the outage finish when
      // the server is back and would hold the recovery an interval longer.
      "    recovered_throughput: 0.3\n"
      "    recovered_p99: 1000\n"
      "    action:\n"
      "      exec: \"",
      Admin("mariadb-admin"),
      " shutdown\"\n"
      "      env: {PATH: \"/usr/sbin:/usr/bin:/sbin:/bin\"}\n"
      "    recover:\n"
      "      exec: \"setsid mariadbd --defaults-file=",
      server_->defaults_file(), " </dev/null >/dev/null 2>&1 & until ",
      Admin("mariadb-admin"),
      " ping >/dev/null 2>&1; do sleep 0.05; done\"\n"
      "      env: {PATH: \"/usr/sbin:/usr/bin:/sbin:/bin\"}\n"
      "thresholds: [\"fault.recovery < 30s\"]\n");
  rig::v1::Report report;
  std::string out;
  const int code = RunPlan("exec-restart", body, &report, &out);

  // The server now runs outside the harness: stop it and let the harness
  // start its own again, for the tests after this one.
  auto stopped = testing::RunCommand(
      {"sh", "-c", Admin("mariadb") + " -e SHUTDOWN"}, absl::Seconds(60));
  EXPECT_TRUE(stopped.ok() && stopped->exit_code == 0)
      << "the server the plan restarted did not shut down: "
      << (stopped.ok() ? stopped->stderr_text : stopped.status().ToString());
  for (int i = 0; i < 300 && access(server_->socket_path().c_str(), F_OK) == 0;
       ++i) {
    absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(server_->Restart().ok());

  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_PASSED) << report.error();
  ASSERT_EQ(report.faults_size(), 1) << out;
  const rig::v1::FaultRecord& f = report.faults(0);
  EXPECT_TRUE(f.action().ok()) << f.action().DebugString();
  ASSERT_TRUE(f.has_recover());
  EXPECT_TRUE(f.recover().ok()) << f.recover().DebugString();
  EXPECT_EQ(f.end_offset_us(), f.recover().end_offset_us());
  // The breaker opened inside the fault's band.
  bool opened_inside = false;
  for (const auto& b : report.breaker_events()) {
    if (b.event().to() == rig::v1::BREAKER_STATE_OPEN &&
        b.offset_us() >= f.start_offset_us() &&
        b.offset_us() <= f.end_offset_us()) {
      opened_inside = true;
    }
  }
  EXPECT_TRUE(opened_inside) << report.DebugString();
  // Recovered when the server was back (the recover command ends when it
  // answers a ping): within one interval, plus the breaker's open_for that
  // the rig waits by design before trying again.
  const rig::v1::FaultRecovery& r = f.recovery();
  ASSERT_TRUE(r.recovered()) << r.DebugString();
  const int64_t recovered_at = f.start_offset_us() + r.recovery_us();
  const int64_t back = f.recover().end_offset_us();
  EXPECT_GE(recovered_at, back - interval_us) << r.DebugString();
  EXPECT_LE(recovered_at, back + interval_us + 300000) << r.DebugString();
  EXPECT_GT(r.errors_by_class().count("reconnect") > 0
                ? r.errors_by_class().at("reconnect")
                : 0,
            0)
      << r.DebugString();
  EXPECT_DOUBLE_EQ(r.worst_ops_per_sec(), 0);
  // Bank's invariant held across the restart.
  EXPECT_EQ(report.verification().status(), rig::v1::CHECK_STATUS_PASSED)
      << report.verification().DebugString();
  ASSERT_EQ(report.thresholds_size(), 1);
  EXPECT_TRUE(report.thresholds(0).passed()) << report.thresholds(0).message();
  // The terminal shows it.
  EXPECT_NE(out.find("fault 1 \"stop the server\" #1"), std::string::npos)
      << out;
  EXPECT_NE(out.find("recovered in "), std::string::npos) << out;
}

// A table lock held for 2 s during an open-model run: the load stalls, the
// response time (from the intended start) shows the stall, and the
// recovery comes after the lock is released.
TEST_F(FaultsTest, SqlHoldsATableLockForItsDuration) {
  const std::string body =
      "workload: {kind: oltp_point_select, table_size: 200, prepare: "
      "recreate}\n"
      "load: {connections: 4, rate: 200, duration: 8s, report_interval: "
      "500ms}\n"
      "faults:\n"
      "  - name: lock the table\n"
      "    at: 3s\n"
      "    duration: 2s\n"
      // Latency noise on a shared machine must not pass for the fault.
      "    recovered_p99: 50\n"
      "    action: {sql: [\"LOCK TABLES sbtest1 WRITE\"]}\n"
      "    recover: {sql: [\"UNLOCK TABLES\"]}\n";
  rig::v1::Report report;
  std::string out;
  const int code = RunPlan("sql-lock", body, &report, &out);
  EXPECT_EQ(code, 0) << out;
  ASSERT_EQ(report.faults_size(), 1) << out;
  const rig::v1::FaultRecord& f = report.faults(0);
  EXPECT_TRUE(f.action().ok()) << f.action().DebugString();
  EXPECT_EQ(f.action().outcome(), "1 statement run");
  EXPECT_TRUE(f.recover().ok()) << f.recover().DebugString();
  const int64_t held =
      f.recover().start_offset_us() - f.action().end_offset_us();
  EXPECT_GE(held, 1500000);
  const rig::v1::FaultRecovery& r = f.recovery();
  ASSERT_TRUE(r.has_baseline()) << r.DebugString();
  EXPECT_TRUE(r.recovered()) << r.DebugString();
  // Not before the lock was released: the recovery is the start of an
  // interval, and the one in which the release fell may already count as
  // good (its operations waited less than recovered_p99 x the baseline), so
  // it lies at most one report interval (500 ms) before the release.
  EXPECT_GE(f.start_offset_us() + r.recovery_us(),
            f.recover().start_offset_us() - 500000)
      << r.DebugString();
  // Operations meant to start during the lock waited for it: their response
  // time shows the stall, the service time of most does not.
  EXPECT_GE(r.worst_p99_us(), 1000000) << r.DebugString();
  EXPECT_GE(report.total().latency().max_us(), 1500000);
  EXPECT_LT(report.total().service_latency().p50_us(), 1000000);
  EXPECT_EQ(report.total().counters().errors(), 0);
}

// A command that fails and one that hangs: each is reported with its
// outcome, the hanging one is killed at its timeout, and the run ends on
// time with its own verdict.
TEST_F(FaultsTest, AFailingOrHangingCommandIsReportedAndDoesNotHangTheRun) {
  const std::string body =
      "workload: {kind: oltp_point_select, table_size: 200}\n"
      "load: {connections: 2, duration: 4s, report_interval: 500ms}\n"
      "faults:\n"
      "  - {name: fails, at: 1s, action: {exec: \"echo no such pod >&2; "
      "exit 3\"}}\n"
      "  - {name: hangs, at: 1s, timeout: 1s, action: {exec: \"sleep 600\"}}\n";
  rig::v1::Report report;
  std::string out;
  // A hang (sleep 600) would outlast Coordinator()'s 120 s and fail the
  // run below.
  const int code = RunPlan("exec-fails", body, &report, &out);
  EXPECT_EQ(code, 0) << out;
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_PASSED);
  ASSERT_EQ(report.faults_size(), 2) << out;
  for (const auto& f : report.faults()) {
    EXPECT_FALSE(f.action().ok()) << f.DebugString();
    if (f.name() == "fails") {
      EXPECT_EQ(f.action().outcome(), "exit 3");
      EXPECT_EQ(f.action().output(), "no such pod\n");
    } else {
      EXPECT_EQ(f.action().outcome(), "timed out after 1s (killed)");
    }
  }
  EXPECT_NE(out.find("FAILED: exit 3"), std::string::npos) << out;
  EXPECT_NE(out.find("FAILED: timed out after 1s (killed)"), std::string::npos)
      << out;
}

// Half the load's connections dropped mid-run (their sockets shut down
// under the workers): each is replaced and counted as a reconnect, no
// operation fails, and the server's own count of the statements agrees
// with the report's.
TEST_F(FaultsTest, KillConnectionsDropsHalfAndEveryOneReconnects) {
  const std::string body =
      "workload: {kind: oltp_point_select, table_size: 200, prepare: "
      "recreate}\n"
      "load: {connections: 4, duration: 5s, report_interval: 500ms}\n"
      "resilience: {retry: {initial_backoff: 10ms, max_backoff: 50ms}}\n"
      "faults:\n"
      "  - {name: drop half, at: 2s, action: {kill_connections: 0.5}}\n";
  const auto before = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(before.ok()) << before.status();
  rig::v1::Report report;
  std::string out;
  const int code = RunPlan("kill-half", body, &report, &out);
  const auto after = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(code, 0) << out;
  ASSERT_EQ(report.faults_size(), 1) << out;
  const rig::v1::FaultRecord& f = report.faults(0);
  EXPECT_TRUE(f.action().ok()) << f.action().DebugString();
  EXPECT_EQ(f.action().outcome(), "dropped 2 of 4 connections on 1 agent");
  const rig::v1::Counters& total = report.total().counters();
  EXPECT_EQ(total.reconnects(), 2) << report.total().DebugString();
  EXPECT_EQ(total.errors(), 0) << report.total().DebugString();
  // The reconnects are in the intervals from the fault on.
  int64_t reconnects_after = 0;
  for (const auto& iv : report.intervals()) {
    if (iv.end_offset_us() > f.start_offset_us()) {
      reconnects_after += iv.counters().reconnects();
    }
  }
  EXPECT_EQ(reconnects_after, 2);
  // Nothing lost or counted twice: every statement the report counts the
  // server ran, but for at most one per dropped connection (sent into a
  // socket already shut down); the server's excess is the set-up's and the
  // warm-up's selects, a fraction of a percent.
  const int64_t server = after->at("select") - before->at("select");
  const int64_t reported = total.queries();
  EXPECT_GT(reported, 1000);
  EXPECT_GE(server, reported - 2) << server << " vs " << reported;
  EXPECT_LE(server - reported, reported / 200 + 50)
      << server << " vs " << reported;
  // Every operation ran one statement, once, or was retried after a lost
  // connection (a failed attempt is a query too).
  EXPECT_EQ(total.queries(), total.ops() + total.retries())
      << report.total().DebugString();
}

// Without --allow-exec the plan is refused before any agent is contacted.
TEST_F(FaultsTest, ExecNeedsAllowExec) {
  const std::string plan = WritePlan(
      "no-exec.yaml", absl::StrCat(TargetYaml(),
                                   "workload: {kind: oltp_point_select}\n"
                                   "faults:\n"
                                   "  - action: {exec: \"true\"}\n"));
  // An address nothing listens on: the refusal must come first.
  auto run = Coordinator({plan, "--agents", "127.0.0.1:1"}, "");
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 2) << run->stderr_text;
  EXPECT_NE(run->stderr_text.find(":4: \"faults.0.action.exec\""),
            std::string::npos)
      << run->stderr_text;
  EXPECT_NE(run->stderr_text.find("--allow-exec"), std::string::npos);
}

}  // namespace
}  // namespace rig
