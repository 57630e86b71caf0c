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
#include "agent/engine/state_machine.h"
#include "plan/plan.h"
#include "tests/support/in_process_agent.h"

namespace rig {
namespace {

using testing::MariaDbServer;

class ScenariosTest : public testing::MariaDbTest {
 protected:
  rig::v1::RunResult Run(const std::string& body, int connections = 1,
                         const std::string& target_extra = "") {
    return RunInProcess(body, connections, target_extra);
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
};

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
  // Nothing was judged: the verdict is a skip, not a pass.
  EXPECT_EQ(r.verification().status(), rig::v1::CHECK_STATUS_SKIPPED);
}

}  // namespace
}  // namespace rig
