// Every workload against a real MariaDB started by the harness, through the
// agent's state machine and the real MySQL driver (one agent, in process).
// Long (~500 lines): one fixture, a few cases per workload (oltp statement
// counts, bank's lost updates, sql's generators, coordinated omission).

#include <gtest/gtest.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "agent/db/mysql_driver.h"
#include "agent/engine/state_machine.h"
#include "common/stats/histogram.h"
#include "plan/plan.h"
#include "tests/support/com_counters.h"
#include "tests/support/in_process_agent.h"

namespace rig {
namespace {

using testing::MariaDbServer;

class CollectEvents : public agent::RunEvents {
 public:
  void Send(const rig::v1::AgentMessage& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (m.has_interval()) {
      intervals_++;
      interval_list_.push_back(m.interval());
      cv_.notify_all();
    }
    if (m.has_breaker_event()) {
      breaker_events_.push_back(m.breaker_event());
      cv_.notify_all();
    }
    if (m.has_error_sample() && samples_.size() < 5) {
      samples_.push_back(m.error_sample().context().message());
    }
  }
  // Waits (bounded) for an interval with operations in it.
  bool WaitForOps(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [this] {
      for (const auto& iv : interval_list_) {
        if (iv.counters().ops() > 0) return true;
      }
      return false;
    });
  }
  // Waits (bounded) for a breaker transition from -> to.
  bool WaitForBreaker(rig::v1::BreakerState from, rig::v1::BreakerState to,
                      std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& e : breaker_events_) {
        if (e.from() == from && e.to() == to) return true;
      }
      return false;
    });
  }
  std::vector<rig::v1::BreakerEvent> BreakerEvents() {
    std::lock_guard<std::mutex> lock(mu_);
    return breaker_events_;
  }
  std::vector<rig::v1::IntervalStats> Intervals() {
    std::lock_guard<std::mutex> lock(mu_);
    return interval_list_;
  }
  std::string Samples() {
    std::lock_guard<std::mutex> lock(mu_);
    std::string out;
    for (const auto& s : samples_) absl::StrAppend(&out, s, "\n");
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<rig::v1::IntervalStats> interval_list_;
  std::vector<rig::v1::BreakerEvent> breaker_events_;
  int intervals_ = 0;
  std::vector<std::string> samples_;
};

// Joins a run's thread however the test leaves (an ASSERT returns early; a
// joinable std::thread destroyed would end the process).
struct JoinOnExit {
  std::thread& thread;
  ~JoinOnExit() {
    if (thread.joinable()) thread.join();
  }
};

class WorkloadsTest : public testing::MariaDbTest {
 protected:
  // Runs `body` (plan YAML without target) on one in-process agent.
  rig::v1::RunResult Run(const std::string& body, int connections,
                         std::string* samples = nullptr,
                         CollectEvents* events_out = nullptr) {
    CollectEvents local_events;
    CollectEvents& events = events_out ? *events_out : local_events;
    rig::v1::RunResult r = RunInProcess(body, connections, "", &events);
    if (samples != nullptr) *samples = events.Samples();
    return r;
  }
};

// What each sysbench workload sends per operation, as sysbench's Lua
// scripts do with their default options, in the server's own counters
// (SHOW GLOBAL STATUS Com_*; a prepared statement's execution counts under
// its statement's name as well as Com_stmt_execute).
struct OltpShape {
  const char* kind;
  std::map<std::string, int> per_op;  // Com_<name> -> statements per op
  // Its writes may match no row (oltp_delete: a deleted id comes up again),
  // which sysbench counts as other, not write.
  bool writes_may_miss = false;
};

void PrintTo(const OltpShape& shape, std::ostream* os) { *os << shape.kind; }

const OltpShape kOltpShapes[] = {
    {"oltp_point_select", {{"select", 1}}},
    {"oltp_read_only", {{"begin", 1}, {"select", 14}, {"commit", 1}}},
    {"oltp_read_write",
     {{"begin", 1},
      {"select", 14},
      {"update", 2},
      {"delete", 1},
      {"insert", 1},
      {"commit", 1}}},
    {"oltp_write_only",
     {{"begin", 1},
      {"update", 2},
      {"delete", 1},
      {"insert", 1},
      {"commit", 1}}},
    {"oltp_insert", {{"insert", 1}}},
    {"oltp_update_index", {{"update", 1}}},
    {"oltp_update_non_index", {{"update", 1}}},
    {"oltp_delete", {{"delete", 1}}, true},
};

class OltpWorkloadTest : public WorkloadsTest,
                         public ::testing::WithParamInterface<OltpShape> {};

TEST_P(OltpWorkloadTest, SendsItsStatementsPerOperationAsTheServerCountsThem) {
  const OltpShape& shape = GetParam();
  const std::string workload = absl::StrCat("workload: {kind: ", shape.kind,
                                            ", tables: 2, table_size: 2000");
  // The tables first (loading counts INSERTs), then the measured run on
  // them. One connection: no deadlock, so no retried statement.
  Run(workload + ", prepare: recreate}\nload: {duration: 100ms}\n", 1);
  // The counters once the first run's connection is gone and they hold still.
  const auto before = testing::SettledComCounters(*server_, server_->user());
  ASSERT_TRUE(before.ok()) << before.status();
  std::string samples;
  const rig::v1::RunResult r =
      Run(workload + ", prepare: skip}\nload: {duration: 2s}\n", 1, &samples);
  const auto after = testing::ComCounters(*server_);
  ASSERT_TRUE(after.ok()) << after.status();
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  EXPECT_EQ(r.counters().errors(), 0) << samples;
  EXPECT_EQ(r.server().flavor(), "mariadb");
  const int64_t ops = r.counters().ops();
  ASSERT_GT(ops, 200);
  int per_op_total = 0;
  for (const auto& [name, count] : *after) {
    const int64_t delta = count - before->at(name);
    const auto it = shape.per_op.find(name);
    const int expected = it == shape.per_op.end() ? 0 : it->second;
    per_op_total += expected;
    // A few statements beside the measured operations: the session's set-up,
    // an operation cut short when the load stops, and those the load ran
    // between its start and the moment measuring began (a few ms, longer on
    // a loaded machine: 39 point selects seen in CI). One statement more or
    // less per operation is >= 5% off.
    const double want = static_cast<double>(expected) * ops;
    EXPECT_NEAR(static_cast<double>(delta), want, 20 + 0.005 * want)
        << "Com_" << name << ": " << delta << " for " << ops << " ops";
  }
  // Our own count of statements agrees (the operation cut short when the
  // load stops may add some of its statements).
  EXPECT_GE(r.counters().queries(), per_op_total * ops);
  EXPECT_LE(r.counters().queries(), per_op_total * (ops + 1));
  // sysbench's queries performed agree with the server's counters, as
  // close as the statements above: reads are SELECTs; writes and other
  // are INSERT/UPDATE/DELETE and BEGIN/COMMIT, but for a write that
  // matched no row, which is other.
  auto server = [&](std::initializer_list<const char*> names) {
    int64_t n = 0;
    for (const char* name : names) n += after->at(name) - before->at(name);
    return static_cast<double>(n);
  };
  const double selects = server({"select"});
  const double writes = server({"insert", "update", "delete"});
  const double begins = server({"begin", "commit"});
  const rig::v1::Counters& c = r.counters();
  EXPECT_NEAR(c.read_queries(), selects, 20 + 0.005 * selects);
  EXPECT_NEAR(c.write_queries() + c.other_queries(), writes + begins,
              40 + 0.005 * (writes + begins));
  if (shape.writes_may_miss) {
    EXPECT_LE(c.write_queries(), writes);
    EXPECT_GT(c.write_queries(), 0);
  } else {
    EXPECT_NEAR(c.write_queries(), writes, 20 + 0.005 * writes);
    EXPECT_NEAR(c.other_queries(), begins, 20 + 0.005 * begins);
  }
  // Every statement succeeded but perhaps those of the operation cut
  // short as the load stopped.
  EXPECT_LE(c.read_queries() + c.write_queries() + c.other_queries(),
            c.queries());
  EXPECT_GE(c.read_queries() + c.write_queries() + c.other_queries(),
            c.queries() - per_op_total);
}

INSTANTIATE_TEST_SUITE_P(Sysbench, OltpWorkloadTest,
                         ::testing::ValuesIn(kOltpShapes),
                         [](const ::testing::TestParamInfo<OltpShape>& info) {
                           return std::string(info.param.kind);
                         });

TEST_F(WorkloadsTest, ReadWriteTransactionHasSysbenchShape) {
  // 10 point selects, 4 ranges, 2 updates, delete + insert, BEGIN/COMMIT:
  // 20 statements per transaction, as sysbench's oltp_read_write.
  const rig::v1::RunResult r =
      Run("workload: {kind: oltp_read_write, table_size: 1000}\n"
          "load: {duration: 1s}\n",
          1);
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  ASSERT_GT(r.counters().ops(), 0);
  // The last, unfinished transaction may add a few statements.
  EXPECT_GE(r.counters().queries(), 20 * r.counters().ops());
  EXPECT_LE(r.counters().queries(), 20 * r.counters().ops() + 20);
}

TEST_F(WorkloadsTest, PrepareLoadsEveryRowAndRecreateStartsOver) {
  Run("workload: {kind: oltp_point_select, tables: 2, table_size: 1500, "
      "prepare: recreate}\nload: {duration: 100ms}\n",
      1);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM rig.sbtest1"), "1500");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM rig.sbtest2"), "1500");
  // skip leaves the data as it is.
  Sql("DELETE FROM rig.sbtest1 WHERE id <= 100");
  Run("workload: {kind: oltp_point_select, tables: 2, table_size: 1500, "
      "prepare: skip}\nload: {duration: 100ms}\n",
      1);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM rig.sbtest1"), "1400");
  // create fills in what is missing.
  Run("workload: {kind: oltp_point_select, tables: 2, table_size: 1500}\n"
      "load: {duration: 100ms}\n",
      1);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM rig.sbtest1"), "1500");
  // recreate starts from an empty table.
  Sql("INSERT INTO rig.sbtest1 (id, k, c, pad) VALUES (99999, 1, 'x', 'y')");
  Run("workload: {kind: oltp_point_select, tables: 2, table_size: 1500, "
      "prepare: recreate}\nload: {duration: 100ms}\n",
      1);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM rig.sbtest1"), "1500");
  // cleanup drops the tables after the run.
  Run("workload: {kind: oltp_point_select, tables: 2, table_size: 10, "
      "cleanup: true}\nload: {duration: 100ms}\n",
      1);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                "TABLE_SCHEMA='rig' AND TABLE_NAME LIKE 'sbtest%'"),
            "0");
}

TEST_F(WorkloadsTest, BankVerificationPasses) {
  const rig::v1::RunResult r =
      Run("workload: {kind: bank, table_size: 20, prepare: recreate}\n"
          "load: {duration: 3s}\n",
          8);
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  EXPECT_GT(r.counters().ops(), 100);
  EXPECT_EQ(r.verification().status(), rig::v1::CHECK_STATUS_PASSED)
      << r.verification().DebugString();
  ASSERT_EQ(r.verification().checks_size(), 3);
  EXPECT_EQ(r.verification().checks(1).expected(), "20000");
}

// target.protocol: text sends each statement as SQL text with its
// parameters written in (sysbench's --db-ps-mode=disable): the server counts
// the same statements per operation, none of them a prepared statement's
// execution, and the results are the same (bank's invariant holds).
TEST_F(WorkloadsTest, TextProtocolSendsTheSameStatementsAsText) {
  const std::string workload =
      "workload: {kind: oltp_read_write, table_size: 2000";
  Run(workload + ", prepare: recreate}\nload: {duration: 100ms}\n", 1);
  auto stmt_executes = [] {
    const std::string out = Sql("SHOW GLOBAL STATUS LIKE 'Com_stmt_execute'");
    return std::stoll(out.substr(out.find('\t') + 1));
  };
  for (const char* protocol : {"prepared", "text"}) {
    SCOPED_TRACE(protocol);
    const auto before = testing::SettledComCounters(*server_, server_->user());
    ASSERT_TRUE(before.ok()) << before.status();
    const int64_t executes_before = stmt_executes();
    std::string samples;
    CollectEvents events;
    const rig::v1::RunResult r =
        RunInProcess(workload + ", prepare: skip}\nload: {duration: 2s}\n", 1,
                     absl::StrCat(", protocol: ", protocol), &events);
    const auto after = testing::SettledComCounters(*server_, server_->user());
    ASSERT_TRUE(after.ok()) << after.status();
    ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
    EXPECT_EQ(r.counters().errors(), 0) << events.Samples();
    const int64_t ops = r.counters().ops();
    ASSERT_GT(ops, 50);
    // oltp_read_write's shape: 14 selects, 2 updates, a delete and an
    // insert per transaction (see kOltpShapes), in either protocol.
    const std::map<std::string, int> per_op = {
        {"select", 14}, {"update", 2}, {"delete", 1}, {"insert", 1}};
    for (const auto& [name, count] : per_op) {
      const double delta =
          static_cast<double>(after->at(name) - before->at(name));
      EXPECT_NEAR(delta, static_cast<double>(count) * ops,
                  40 + 0.01 * count * ops)
          << "Com_" << name << " for " << ops << " ops";
    }
    const int64_t executes = stmt_executes() - executes_before;
    if (std::string(protocol) == "text") {
      EXPECT_EQ(executes, 0) << "a prepared statement ran in text mode";
    } else {
      EXPECT_GE(executes, 18 * ops);
    }
  }
  const rig::v1::RunResult bank = RunInProcess(
      "workload: {kind: bank, table_size: 20, prepare: recreate}\n"
      "load: {duration: 2s}\n",
      4, ", protocol: text");
  ASSERT_EQ(bank.final_state(), rig::v1::STATE_COMPLETED)
      << bank.error().message();
  EXPECT_GT(bank.counters().ops(), 50);
  EXPECT_EQ(bank.verification().status(), rig::v1::CHECK_STATUS_PASSED)
      << bank.verification().DebugString();
}

TEST_F(WorkloadsTest, BankWithoutLockingReadsLosesUpdatesAndFailsVerification) {
  const rig::v1::RunResult r =
      Run("workload: {kind: bank, table_size: 10, prepare: recreate,\n"
          "           options: {locking_reads: false}}\n"
          "load: {duration: 3s}\n",
          8);
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  EXPECT_EQ(r.verification().status(), rig::v1::CHECK_STATUS_FAILED)
      << r.verification().DebugString();
  bool total_failed = false;
  for (const auto& c : r.verification().checks()) {
    if (c.name() == "total balance") {
      total_failed = c.status() == rig::v1::CHECK_STATUS_FAILED;
      EXPECT_EQ(c.expected(), "10000");
      EXPECT_NE(c.seen(), "10000");
    }
  }
  EXPECT_TRUE(total_failed);
}

// The other half of bank's invariant: money moved so that the total holds but
// an account went below zero is caught by its own check.
TEST_F(WorkloadsTest, BankCatchesANegativeBalanceWhenTheTotalHolds) {
  CollectEvents events;
  rig::v1::RunResult r;
  std::thread run([&] {
    r = RunInProcess(
        "workload: {kind: bank, table_size: 10, prepare: recreate}\n"
        "load: {duration: 2s}\n",
        2, "", &events);
  });
  JoinOnExit join{run};
  ASSERT_TRUE(events.WaitForOps(std::chrono::seconds(60)));
  // A billion out of one account into another: transfers of at most one
  // account's balance cannot bring it back in the time left.
  Sql("BEGIN; UPDATE rig.bank_accounts SET balance = balance - 1000000000 "
      "WHERE id = 1; UPDATE rig.bank_accounts SET balance = balance + "
      "1000000000 WHERE id = 2; COMMIT");
  join.thread.join();
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  EXPECT_EQ(r.verification().status(), rig::v1::CHECK_STATUS_FAILED);
  std::map<std::string, rig::v1::Check> by_name;
  for (const auto& c : r.verification().checks()) by_name[c.name()] = c;
  ASSERT_EQ(by_name.count("total balance"), 1u);
  ASSERT_EQ(by_name.count("no negative balance"), 1u);
  EXPECT_EQ(by_name["total balance"].status(), rig::v1::CHECK_STATUS_PASSED)
      << by_name["total balance"].message();
  EXPECT_EQ(by_name["no negative balance"].status(),
            rig::v1::CHECK_STATUS_FAILED);
  EXPECT_EQ(by_name["no negative balance"].expected(), "minimum >= 0");
  EXPECT_EQ(by_name["no negative balance"].seen().substr(0, 1), "-");
}

TEST_F(WorkloadsTest, SqlWorkloadRunsUserStatements) {
  const rig::v1::RunResult r = Run(R"yaml(
workload:
  kind: sql
  prepare: recreate
  cleanup: true
  options:
    setup: ["CREATE TABLE IF NOT EXISTS kv (id BIGINT PRIMARY KEY, v VARCHAR(64))"]
    cleanup: ["DROP TABLE IF EXISTS kv"]
    statements:
      - "INSERT INTO kv VALUES ({seq}, {name})"
      - "SELECT v FROM kv WHERE id = {hot}"
    params:
      seq: {type: sequence, start: 1}
      hot: {type: zipfian, min: 1, max: 100}
      name: {type: string, length: 12}
    transaction: true
load: {duration: 1s}
)yaml",
                                   2);
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  EXPECT_GT(r.counters().ops(), 0);
  EXPECT_EQ(r.counters().errors(), 0);
  // BEGIN, INSERT, SELECT, COMMIT per operation.
  EXPECT_GE(r.counters().queries(), 4 * r.counters().ops());
}

TEST_F(WorkloadsTest, OpenModelReachesTheTargetRate) {
  // 2,000 ops/s over 4 connections for 3 s: the arrivals are scheduled, so
  // the completed operations follow the schedule while the server keeps up.
  const rig::v1::RunResult r =
      Run("workload: {kind: oltp_point_select, table_size: 1000, prepare: "
          "recreate}\n"
          "load: {rate: 2000, duration: 3s, warmup: 500ms}\n",
          4);
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  const double rate = r.counters().ops() * 1e6 / r.measured_us();
  EXPECT_NEAR(rate, 2000, 40)
      << r.counters().ops() << " ops in " << r.measured_us() << " us";
  // Response time (from the intended start) is never below service time.
  auto response = Histogram::Decode(r.latency());
  auto service = Histogram::Decode(r.service_latency());
  ASSERT_TRUE(response.ok() && service.ok());
  EXPECT_EQ(response->count(), service->count());
  EXPECT_GE(response->ValueAtPercentile(50), service->ValueAtPercentile(50));
}

// Coordinated omission: a stall far longer than the arrival interval. The
// arrivals keep their schedule, so every operation due during the stall waits
// for it and its response time (from the intended start) says so; its service
// time (from the moment a connection sent it) does not. Measuring from the
// actual start would make both tails equal and fail this test.
TEST_F(WorkloadsTest, AStallShowsInResponseTimeButNotInServiceTime) {
  CollectEvents events;
  rig::v1::RunResult r;
  std::thread run([&] {
    r = RunInProcess(
        "workload: {kind: oltp_point_select, tables: 1, table_size: 1000, "
        "prepare: recreate}\n"
        "load: {rate: 400, duration: 4s, report_interval: 500ms}\n",
        2, ", read_timeout: 20s", &events);
  });
  JoinOnExit join{run};
  ASSERT_TRUE(events.WaitForOps(std::chrono::seconds(60)));
  // 1.5 s with the table locked: ~600 arrivals fall into the stall, while
  // each of the 2 connections is stuck in one statement.
  const std::string lock =
      Sql("LOCK TABLES rig.sbtest1 WRITE; SELECT SLEEP(1.5); UNLOCK TABLES");
  join.thread.join();
  ASSERT_EQ(lock, "0");
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  EXPECT_EQ(r.counters().errors(), 0);
  auto response = Histogram::Decode(r.latency());
  auto service = Histogram::Decode(r.service_latency());
  ASSERT_TRUE(response.ok() && service.ok());
  ASSERT_EQ(response->count(), service->count());
  ASSERT_GT(response->count(), 1000) << "400/s for 4 s";
  // A quarter or more of the operations waited for the lock from their
  // intended start: the response tail holds the stall...
  EXPECT_GT(response->ValueAtPercentile(90), 300000)
      << "response p90 " << response->ValueAtPercentile(90) << "us";
  // ...and the service tail does not: only the statements sent before the
  // lock (2 of > 1,000) took long to answer.
  EXPECT_LT(service->ValueAtPercentile(99), 100000)
      << "service p99 " << service->ValueAtPercentile(99) << "us";
  EXPECT_GT(response->ValueAtPercentile(99),
            10 * service->ValueAtPercentile(99));
  // The typical operation is untouched either way.
  EXPECT_LT(service->ValueAtPercentile(50), 20000);
  EXPECT_GE(service->max(), 1000000) << "the 2 blocked statements";
}

// target.tls from the plan reaches the connection: a server without TLS
// (the suite's private MariaDB has none) must be refused, not used in
// plaintext.
TEST_F(WorkloadsTest, TlsAgainstAServerWithoutTlsFailsTheRun) {
  if (Sql("SELECT @@have_ssl") != "DISABLED") {
    GTEST_SKIP() << "this MariaDB build has TLS on by default";
  }
  const rig::v1::RunResult r = RunInProcess(
      "workload: {kind: oltp_point_select, table_size: 100}\n"
      "load: {duration: 500ms}\n",
      1, ", tls: true");
  EXPECT_EQ(r.final_state(), rig::v1::STATE_FAILED);
  EXPECT_EQ(r.error().state(), rig::v1::STATE_CONNECTING)
      << r.error().DebugString();
  EXPECT_NE(r.error().message().find("does not offer TLS"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.counters().ops(), 0);
}

TEST_F(WorkloadsTest, DatabaseOutageOpensTheBreakerAndTheRunRecovers) {
  CollectEvents events;
  rig::v1::RunResult result;
  std::thread run([&] {
    result = RunInProcess(
        "workload: {kind: oltp_point_select, table_size: 1000, prepare: "
        "recreate}\n"
        "load: {duration: 14s, report_interval: 500ms}\n"
        "resilience:\n"
        "  retry: {max_attempts: 2, initial_backoff: 20ms, max_backoff: "
        "200ms}\n"
        "  circuit_breaker: {failure_threshold: 5, min_requests: 5, "
        "failure_rate: 0.5, window: 2s, open_for: 1s, half_open_probes: 2}\n",
        4, ", connect_timeout: 1s, read_timeout: 2s", &events);
  });
  JoinOnExit join{run};
  ASSERT_TRUE(events.WaitForOps(std::chrono::seconds(60)));
  ASSERT_TRUE(server_->Stop().ok());
  // The outage lasts until the breaker has opened and a probe has failed
  // (HALF_OPEN -> OPEN), however long that takes on a busy machine.
  const bool probed_in_vain = events.WaitForBreaker(
      rig::v1::BREAKER_STATE_HALF_OPEN, rig::v1::BREAKER_STATE_OPEN,
      std::chrono::seconds(30));
  const absl::Status restarted = server_->Restart();
  EXPECT_TRUE(probed_in_vain) << "no failed probe within 30 s";
  join.thread.join();
  ASSERT_TRUE(restarted.ok()) << restarted;

  // The run went on to the end: no thread died, nothing hung.
  ASSERT_EQ(result.final_state(), rig::v1::STATE_COMPLETED)
      << result.error().message();
  const auto& c = result.counters();
  EXPECT_GT(c.errors(), 0) << "the outage is counted";
  EXPECT_GT(c.reconnects(), 0);
  EXPECT_GT(c.breaker_open_us(), 0);
  // The breaker opened and closed again, and every event says why.
  bool opened = false, closed_after = false;
  for (const auto& e : events.BreakerEvents()) {
    EXPECT_FALSE(e.reason().empty());
    if (e.to() == rig::v1::BREAKER_STATE_OPEN) opened = true;
    if (opened && e.to() == rig::v1::BREAKER_STATE_CLOSED) closed_after = true;
  }
  EXPECT_TRUE(opened);
  EXPECT_TRUE(closed_after);
  // Work resumed: the last full intervals have operations again.
  const auto intervals = events.Intervals();
  ASSERT_GE(intervals.size(), 4u);
  EXPECT_GT(intervals[intervals.size() - 2].counters().ops(), 0);
}

TEST_F(WorkloadsTest, BadWorkloadOptionsFailInInitializing) {
  rig::v1::RunResult r =
      Run("workload: {kind: oltp_read_write, options: {point_select: 3}}\n", 1);
  EXPECT_EQ(r.final_state(), rig::v1::STATE_FAILED);
  EXPECT_NE(r.error().message().find(
                "workload oltp_read_write has no option \"point_select\""),
            std::string::npos)
      << r.error().message();
  r = Run("workload: {kind: oltp_read_write, options: {rand_type: normal}}\n",
          1);
  EXPECT_NE(r.error().message().find("unknown distribution \"normal\""),
            std::string::npos)
      << r.error().message();
  r = Run("workload: {kind: sql, options: {statements: [\"SELECT {x}\"]}}\n",
          1);
  EXPECT_NE(r.error().message().find("uses {x}, which is not in \"params\""),
            std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace rig
