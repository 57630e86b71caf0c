// Heartbeats both ways between real processes. A SIGKILL breaks the stream at
// once and proves nothing about heartbeats; a frozen peer (SIGSTOP) keeps its
// TCP connection open and answers nothing, as a hung process or a cut network
// does. gRPC keepalive would notice only after 15 s
// (common/net/grpc_keepalive.h); the heartbeat timeout here is 1.5 s, so a loss
// seen within a few seconds and named "heartbeat timeout" / "coordinator lost"
// is the heartbeats' doing.

#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "rig/v1/report.pb.h"
#include "tests/integration/real_rig.h"

namespace rig {
namespace {

class LivenessTest : public RealRigTest {
 protected:
  static constexpr const char* kHeartbeats =
      "agents: {heartbeat_interval: 200ms, heartbeat_timeout: 1500ms}\n";
  // gRPC keepalive alone needs kKeepaliveTimeMs + kKeepaliveTimeoutMs: 15 s.
  static constexpr absl::Duration kBound = absl::Seconds(8);
};

TEST_F(LivenessTest, AFrozenAgentIsLostAfterTheHeartbeatTimeout) {
  int port = 0;
  auto agent = StartAgent("frozen", &port);
  ASSERT_TRUE(agent);
  const std::string report_path = absl::StrCat(*dir_, "/frozen.json");
  const std::string plan = WritePlan(
      "frozen.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 500}\n"
                   "load: {connections: 2, duration: 5m, "
                   "report_interval: 200ms}\n",
                   kHeartbeats, "report: {json: ", report_path, "}\n"));
  const std::string log = absl::StrCat(*dir_, "/coordinator-frozen.log");
  auto coord = StartMeasuringCoordinator(
      {plan, "--agents", absl::StrCat("127.0.0.1:", port)}, log);
  ASSERT_TRUE(coord.ok()) << coord.status();

  agent->Signal(SIGSTOP);
  const absl::Time frozen = absl::Now();
  auto code = (*coord)->Wait(absl::Seconds(60));
  const absl::Duration noticed = absl::Now() - frozen;
  agent->Signal(SIGCONT);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 4) << testing::ReadFile(log);
  EXPECT_LT(noticed, kBound) << testing::ReadFile(log);

  rig::v1::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(report_path), &report)
                  .ok())
      << testing::ReadFile(log);
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_INCOMPLETE);
  ASSERT_EQ(report.agents_size(), 1);
  EXPECT_TRUE(report.agents(0).lost());
  EXPECT_NE(report.agents(0).error().find("heartbeat timeout"),
            std::string::npos)
      << report.agents(0).error();
  EXPECT_GT(report.total().counters().ops(), 0);
}

TEST_F(LivenessTest, AFrozenCoordinatorMakesTheAgentEndItsRun) {
  int port = 0;
  auto agent = StartAgent("orphaned", &port);
  ASSERT_TRUE(agent);
  const std::string plan = WritePlan(
      "orphaned.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 500}\n"
                   "load: {connections: 3, duration: 5m, "
                   "report_interval: 200ms}\n",
                   kHeartbeats));
  const std::string log = absl::StrCat(*dir_, "/coordinator-orphaned.log");
  auto coord = StartMeasuringCoordinator(
      {plan, "--agents", absl::StrCat("127.0.0.1:", port)}, log);
  ASSERT_TRUE(coord.ok()) << coord.status();
  ASSERT_EQ(RigConnections(), 3);

  (*coord)->Signal(SIGSTOP);
  const absl::Time frozen = absl::Now();
  // The coordinator stays frozen (its stream open) while the agent decides.
  const std::string ended = "run ended in state Cancelled";
  while (testing::ReadFile(agent->log_path()).find(ended) ==
             std::string::npos &&
         absl::Now() - frozen < absl::Seconds(30)) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  const absl::Duration noticed = absl::Now() - frozen;
  const std::string agent_log = testing::ReadFile(agent->log_path());
  EXPECT_NE(agent_log.find(ended), std::string::npos) << agent_log;
  EXPECT_LT(noticed, kBound) << agent_log;
  EXPECT_NE(agent_log.find("coordinator lost: nothing heard for"),
            std::string::npos)
      << agent_log;
  EXPECT_TRUE((*coord)->Running()) << "still frozen, not gone";
  // Its connections are back with the server while the coordinator is frozen.
  EXPECT_EQ(RigConnections(), 0);
  EXPECT_TRUE(agent->Running());

  (*coord)->Signal(SIGKILL);
  (void)(*coord)->Wait(absl::Seconds(10));
}

}  // namespace
}  // namespace rig
