// Every correctness scenario (scenario/*) against a real MariaDB started by
// the harness, through the agent's state machine and the real MySQL driver
// (one agent, in process).

#include <gtest/gtest.h>

#include <iostream>
#include <mutex>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "agent/db/mysql_driver.h"
#include "agent/state_machine.h"
#include "coordinator/plan.h"
#include "tests/support/mariadb_server.h"

namespace rig {
namespace {

using testing::MariaDbServer;

class DropEvents : public agent::RunEvents {
 public:
  void Send(const rig::v1::AgentMessage&) override {}
};

class ScenariosTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A failure here must fail every test, not skip it (gtest reports
    // tests of a suite whose set-up failed as skipped), so it is kept and
    // asserted in SetUp.
    auto server = MariaDbServer::Start();
    if (!server.ok()) {
      start_error_ = new std::string(server.status().ToString());
      return;
    }
    server_ = server->release();
    driver_ = db::NewMySqlDriver().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    delete driver_;
  }

  // Runs `body` (plan YAML without target) on one in-process agent.
  // `target_extra` is added to the target mapping (", session_vars: ...").
  rig::v1::RunResult Run(const std::string& body, int connections = 1,
                         const std::string& target_extra = "") {
    auto plan = coordinator::ParsePlan(
        absl::StrCat("target: {host: 127.0.0.1, port: ", server_->port(),
                     ", user: ", server_->user(), ", database: ",
                     server_->database(), target_extra, "}\n", body),
        "test.yaml");
    EXPECT_TRUE(plan.ok()) << plan.status();
    plan->mutable_target()->set_password(server_->password());
    rig::v1::Assignment a;
    a.set_agent_name("it");
    a.set_agent_count(1);
    a.set_connections(connections);
    *a.mutable_plan() = *plan;
    DropEvents events;
    agent::RunContext ctx("run", a, driver_,
                          &agent::WorkloadRegistry::Default(), &events);
    agent::StateRegistry states = agent::StateRegistry::Standard();
    agent::StateMachine(states).Run(ctx);
    return ctx.result;
  }

  std::string Sql(const std::string& sql) {
    auto out = server_->Sql(sql);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.ok() ? std::string(absl::StripAsciiWhitespace(*out)) : "";
  }

  // The scenario's tables left in the database.
  std::string Leftovers(const std::string& prefix) {
    return Sql(absl::StrCat(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='",
        server_->database(), "' AND TABLE_NAME LIKE '", prefix, "%'"));
  }

  // Every check's message, one a line (for failure output and the log).
  static std::string Checks(const rig::v1::RunResult& r) {
    std::string out;
    for (const auto& c : r.verification().checks()) {
      absl::StrAppend(&out, "  ", c.message(), "\n");
    }
    return out;
  }

  // The run completed and every check passed.
  static void ExpectAllPassed(const rig::v1::RunResult& r, int min_checks) {
    std::cout << Checks(r);
    ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED)
        << r.error().message() << "\n"
        << Checks(r);
    EXPECT_GE(r.verification().checks_size(), min_checks) << Checks(r);
    EXPECT_EQ(r.verification().status(), rig::v1::CHECK_STATUS_PASSED)
        << Checks(r);
    for (const auto& c : r.verification().checks()) {
      EXPECT_EQ(c.status(), rig::v1::CHECK_STATUS_PASSED) << c.message();
    }
  }

  void SetUp() override {
    ASSERT_NE(server_, nullptr)
        << "private MariaDB did not start: " << *start_error_;
  }

  static MariaDbServer* server_;
  static std::string* start_error_;
  static db::Driver* driver_;
};

MariaDbServer* ScenariosTest::server_ = nullptr;
std::string* ScenariosTest::start_error_ = nullptr;
db::Driver* ScenariosTest::driver_ = nullptr;

TEST_F(ScenariosTest, IsolationHidesUncommittedAndKeepsTheSnapshot) {
  const auto r =
      Run("workload: {kind: scenario/isolation, options: {rows: 25}}\n");
  ExpectAllPassed(r, 5);
  EXPECT_EQ(r.verification().checks(0).expected(), "25");
  EXPECT_EQ(Leftovers("rig_iso_"), "0");
}

TEST_F(ScenariosTest, IsolationLevelsMatchInnoDb) {
  const auto r = Run("workload: {kind: scenario/isolation_levels}\n");
  ExpectAllPassed(r, 16);
  EXPECT_EQ(r.verification().checks_size(), 16);
  EXPECT_EQ(Leftovers("rig_isolevels_"), "0");
}

TEST_F(ScenariosTest, SnapshotIsolationPreventsTheLostUpdate) {
  // MariaDB 10.6.18+/10.11.8+: with innodb_snapshot_isolation=ON an UPDATE
  // of a row changed since the transaction's snapshot fails (1020), and the
  // scenario expects it.
  if (Sql("SELECT COUNT(*) FROM information_schema.GLOBAL_VARIABLES WHERE "
          "VARIABLE_NAME='INNODB_SNAPSHOT_ISOLATION'") != "1") {
    GTEST_SKIP() << "this MariaDB has no innodb_snapshot_isolation";
  }
  const auto r = Run("workload: {kind: scenario/isolation_levels}\n", 1,
                     ", session_vars: {innodb_snapshot_isolation: 'ON'}");
  ExpectAllPassed(r, 16);
  bool seen = false;
  for (const auto& c : r.verification().checks()) {
    if (c.name() != "REPEATABLE READ / lost update") continue;
    seen = true;
    EXPECT_EQ(c.expected(), "prevented");
    EXPECT_NE(c.seen().find("got error 1020"), std::string::npos) << c.seen();
  }
  EXPECT_TRUE(seen);
}

TEST_F(ScenariosTest, AWrongExpectationFailsExactlyThatCheck) {
  const auto r =
      Run("workload: {kind: scenario/isolation_levels,\n"
          "           options: {expect: {\"REPEATABLE READ/phantom\": "
          "allowed}}}\n");
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  EXPECT_EQ(r.verification().status(), rig::v1::CHECK_STATUS_FAILED);
  int failed = 0;
  for (const auto& c : r.verification().checks()) {
    if (c.status() != rig::v1::CHECK_STATUS_FAILED) continue;
    ++failed;
    EXPECT_EQ(c.name(), "REPEATABLE READ / phantom");
    EXPECT_EQ(c.expected(), "allowed");
    EXPECT_EQ(c.seen().rfind("prevented", 0), 0u) << c.seen();
    EXPECT_NE(c.message().find("expected allowed, saw prevented"),
              std::string::npos)
        << c.message();
  }
  EXPECT_EQ(failed, 1) << Checks(r);
}

TEST_F(ScenariosTest, IsolationLevelsRejectsABadExpectation) {
  const auto r =
      Run("workload: {kind: scenario/isolation_levels,\n"
          "           options: {expect: {\"SNAPSHOT/phantom\": allowed}}}\n");
  EXPECT_EQ(r.final_state(), rig::v1::STATE_FAILED);
  EXPECT_NE(r.error().message().find("SNAPSHOT/phantom"), std::string::npos)
      << r.error().message();
}

TEST_F(ScenariosTest, DeadlockHasOneVictimWhoseRetrySucceeds) {
  const auto r = Run("workload: {kind: scenario/deadlock}\n");
  ExpectAllPassed(r, 4);
  EXPECT_EQ(Leftovers("rig_deadlock_"), "0");
}

TEST_F(ScenariosTest, SavepointsUndoWhatFollowsThem) {
  const auto r = Run("workload: {kind: scenario/savepoints}\n");
  ExpectAllPassed(r, 7);
  EXPECT_EQ(Leftovers("rig_savepoints_"), "0");
}

TEST_F(ScenariosTest, MultiConnectionChecksEveryConnection) {
  auto r =
      Run("workload: {kind: scenario/multi_connection,\n"
          "           options: {connections_per_agent: 6}}\n");
  ExpectAllPassed(r, 6);
  ASSERT_EQ(r.verification().checks_size(), 6);
  EXPECT_EQ(r.verification().checks(5).name(), "connection 6");
  EXPECT_NE(r.verification().checks(5).seen().find("SELECT 1 = 1 in "),
            std::string::npos)
      << r.verification().checks(5).seen();
  // Default: the agent's share of the connections.
  r = Run("workload: {kind: scenario/multi_connection}\n", 3);
  ExpectAllPassed(r, 3);
  EXPECT_EQ(r.verification().checks_size(), 3);
}

TEST_F(ScenariosTest, ImportJobsIsSkippedOnMariaDb) {
  const auto r = Run("workload: {kind: scenario/import_jobs}\n");
  ASSERT_EQ(r.final_state(), rig::v1::STATE_COMPLETED) << r.error().message();
  ASSERT_EQ(r.verification().checks_size(), 1);
  const auto& c = r.verification().checks(0);
  EXPECT_EQ(c.status(), rig::v1::CHECK_STATUS_SKIPPED);
  EXPECT_NE(c.message().find("SHOW IMPORT JOBS needs TiDB; the server is "
                             "mariadb 10."),
            std::string::npos)
      << c.message();
}

}  // namespace
}  // namespace rig
