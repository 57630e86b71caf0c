#pragma once

// A test suite with one private MariaDB (started for the suite, stopped after)
// and a way to run a plan on one agent inside the test process, through the
// real state machine and MySQL driver. For tests of database behaviour that
// need no gRPC: workloads, scenarios.

#include <gtest/gtest.h>

#include <string>

#include "agent/db/connection.h"
#include "agent/engine/run_context.h"
#include "rig/v1/agent.pb.h"
#include "tests/support/mariadb_server.h"

namespace rig::testing {

class MariaDbTest : public ::testing::Test {
 protected:
  // A server that does not start fails every test in SetUp (gtest would
  // report the tests of a suite whose SetUpTestSuite failed as skipped).
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // Runs `body` (plan YAML without `target`) on one in-process agent with
  // `connections`; `target_extra` goes inside the target mapping
  // (", session_vars: {...}"). Messages go to `events` (dropped if null).
  static rig::v1::RunResult RunInProcess(const std::string& body,
                                         int connections,
                                         const std::string& target_extra = "",
                                         agent::RunEvents* events = nullptr);
  // Runs `sql` as root; the answer without surrounding whitespace.
  static std::string Sql(const std::string& sql);

  static MariaDbServer* server_;
  static std::string* start_error_;
  static db::Driver* driver_;
};

}  // namespace rig::testing
