#include "agent/server/limits.h"

#include <gtest/gtest.h>

#include "common/base/proto_duration.h"

namespace rig::agent {
namespace {

rig::v1::Assignment RunOn(const std::string& host, int port,
                          absl::Duration duration) {
  rig::v1::Assignment a;
  a.set_connections(4);
  a.mutable_plan()->mutable_target()->set_host(host);
  a.mutable_plan()->mutable_target()->set_port(port);
  *a.mutable_plan()->mutable_load()->mutable_duration() = ToProto(duration);
  *a.mutable_plan()->mutable_load()->mutable_report_interval() =
      ToProto(absl::Seconds(1));
  *a.mutable_plan()->mutable_agents()->mutable_heartbeat_interval() =
      ToProto(absl::Seconds(1));
  return a;
}

AgentLimits Allowing(const std::string& targets) {
  AgentLimits limits;
  limits.allowed_targets_text = targets;
  auto rules = ParseAllowedTargets(targets);
  EXPECT_TRUE(rules.ok()) << rules.status();
  limits.allowed_targets = *rules;
  return limits;
}

TEST(LimitsTest, AllowedTargetsByNameByPortAndByBlock) {
  const absl::Duration m = absl::Minutes(1);
  EXPECT_TRUE(
      CheckAssignment(RunOn("DB.example", 4000, m), Allowing("db.example"))
          .ok());
  EXPECT_TRUE(
      CheckAssignment(RunOn("db.example", 4000, m), Allowing("db.example:4000"))
          .ok());
  EXPECT_FALSE(
      CheckAssignment(RunOn("db.example", 3306, m), Allowing("db.example:4000"))
          .ok());
  EXPECT_TRUE(
      CheckAssignment(RunOn("127.0.0.5", 3306, m), Allowing("127.0.0.0/8"))
          .ok());
  EXPECT_TRUE(
      CheckAssignment(RunOn("::1", 3306, m), Allowing("[::1]:3306")).ok());
  EXPECT_TRUE(CheckAssignment(RunOn("::1", 3306, m), Allowing("::1/128")).ok());
  const absl::Status outside =
      CheckAssignment(RunOn("192.168.1.9", 4000, m), Allowing("127.0.0.0/8"));
  EXPECT_EQ(outside.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(outside.message(),
            "target 192.168.1.9:4000 is not one this agent may connect to "
            "(rig-agent --allowed-targets 127.0.0.0/8)");
  // A name that does not resolve is inside no block.
  EXPECT_FALSE(CheckAssignment(RunOn("no-such-host.invalid", 4000, m),
                               Allowing("0.0.0.0/0"))
                   .ok());
  // Empty: any target.
  EXPECT_TRUE(
      CheckAssignment(RunOn("192.168.1.9", 4000, m), AgentLimits()).ok());
}

TEST(LimitsTest, BadEntriesAreNamed) {
  EXPECT_EQ(ParseAllowedTargets("10.0.0.0/33").status().message(),
            "--allowed-targets: \"10.0.0.0/33\": the prefix length is 0 to 32");
  EXPECT_EQ(ParseAllowedTargets("db:0").status().message(),
            "--allowed-targets: \"db:0\": the port is 1 to 65535");
  EXPECT_EQ(ParseAllowedTargets("db.example/8").status().message(),
            "--allowed-targets: \"db.example/8\": a CIDR block starts with an "
            "IP address");
  EXPECT_TRUE(ParseAllowedTargets(" a , b:1 ,, 10.0.0.0/8 ").ok());
}

TEST(LimitsTest, TheRunsLengthCountsWarmupAndStages) {
  AgentLimits limits;
  limits.max_duration = absl::Minutes(10);
  rig::v1::Assignment a = RunOn("h", 1, absl::Minutes(9));
  EXPECT_TRUE(CheckAssignment(a, limits).ok());
  *a.mutable_plan()->mutable_load()->mutable_warmup() =
      ToProto(absl::Minutes(2));
  const absl::Status long_run = CheckAssignment(a, limits);
  EXPECT_EQ(long_run.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(long_run.message(),
            "the run would last 11m (warm-up and measured time); this agent "
            "allows at most 10m (rig-agent --max-duration)");
  // With stages, they are the measured time (duration is ignored).
  auto* stage = a.mutable_plan()->mutable_load()->add_stages();
  *stage->mutable_duration() = ToProto(absl::Minutes(1));
  EXPECT_TRUE(CheckAssignment(a, limits).ok());
}

TEST(LimitsTest, ConnectionsAboveTheLimitAreRefused) {
  AgentLimits limits;
  limits.max_connections = 3;
  const absl::Status s =
      CheckAssignment(RunOn("h", 1, absl::Seconds(1)), limits);
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("(rig-agent --max-connections)"),
            std::string::npos);
}

TEST(LimitsTest, IntervalsThatWouldMakeTheLoopsSpinAreRefused) {
  rig::v1::Assignment a = RunOn("h", 1, absl::Seconds(1));
  *a.mutable_plan()->mutable_load()->mutable_report_interval() =
      ToProto(absl::Nanoseconds(1));
  const absl::Status s = CheckAssignment(a, AgentLimits());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "the run asks for load.report_interval 1ns and "
            "agents.heartbeat_interval 1s; each must be at least 100ms");
  *a.mutable_plan()->mutable_load()->mutable_report_interval() =
      ToProto(absl::Milliseconds(100));
  EXPECT_TRUE(CheckAssignment(a, AgentLimits()).ok());
  a.mutable_plan()->mutable_agents()->clear_heartbeat_interval();
  EXPECT_FALSE(CheckAssignment(a, AgentLimits()).ok());
}

}  // namespace
}  // namespace rig::agent
