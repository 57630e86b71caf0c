#include "coordinator/session/assigner.h"

#include <gtest/gtest.h>

#include "plan/plan.h"

namespace rig::coordinator {
namespace {

rig::v1::Plan Plan(const std::string& yaml) {
  auto plan = rig::plan::ParsePlan(yaml, "plan.yaml");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

rig::v1::AgentInfo Agent(const std::string& name, int cores = 1) {
  rig::v1::AgentInfo info;
  info.set_protocol_version(rig::v1::PROTOCOL_VERSION_CURRENT);
  info.set_name(name);
  info.set_cores(cores);
  info.add_workloads()->set_name("oltp_point_select");
  info.add_workloads()->set_name("scenario/isolation");
  return info;
}

TEST(AssignerTest, WhyUnfitNamesTheAgentAndTheReason) {
  const rig::v1::Plan plan = Plan(
      "workload: {kind: oltp_point_select}\n"
      "alongside: [{kind: scenario/deadlock}]\n");
  rig::v1::AgentInfo usable;
  EXPECT_EQ(
      WhyUnfit(plan, "h:1", absl::UnavailableError("agent h:1: down"), &usable),
      "agent h:1: down");
  rig::v1::AgentInfo busy = Agent("a");
  busy.set_busy(true);
  busy.set_current_run_id("r1");
  EXPECT_EQ(WhyUnfit(plan, "h:1", busy, &usable),
            "agent h:1: busy with run r1");
  rig::v1::AgentInfo old = Agent("a");
  old.set_protocol_version(0);
  EXPECT_NE(WhyUnfit(plan, "h:1", old, &usable).find("speaks protocol 0"),
            std::string::npos);
  // The alongside scenario counts as a workload the agent must offer.
  EXPECT_EQ(WhyUnfit(plan, "h:1", Agent("a"), &usable),
            "agent h:1: does not offer workload \"scenario/deadlock\" (offers: "
            "oltp_point_select, scenario/isolation)");
  const rig::v1::Plan fits = Plan("workload: {kind: oltp_point_select}\n");
  rig::v1::AgentInfo named = Agent("a\x1b[2Jb");  // scrubbed on the way in
  EXPECT_EQ(WhyUnfit(fits, "h:1", named, &usable), "");
  EXPECT_EQ(usable.name().find('\x1b'), std::string::npos) << usable.name();
}

TEST(AssignerTest, OneConnectionEachThenByWeightAndTheRateByConnections) {
  const rig::v1::Plan plan = Plan(
      "workload: {kind: oltp_point_select, table_size: 100}\n"
      "load: {connections: 10, rate: 1000}\n"
      "agents: {weight_by_cores: true}\n");
  auto work = AssignWork(plan, {Agent("a", 1), Agent("b", 7)});
  ASSERT_TRUE(work.ok()) << work.status();
  ASSERT_EQ(work->size(), 2u);
  const rig::v1::Assignment& a = (*work)[0];
  const rig::v1::Assignment& b = (*work)[1];
  EXPECT_EQ(a.connections() + b.connections(), 10);
  EXPECT_EQ(a.connections(), 2);  // 1 + 8 * 1/8
  EXPECT_EQ(b.connections(), 8);  // 1 + 8 * 7/8
  EXPECT_DOUBLE_EQ(a.rate() + b.rate(), 1000);
  EXPECT_DOUBLE_EQ(a.rate(), 200);
  EXPECT_TRUE(a.run_verify());
  EXPECT_FALSE(b.run_verify());
  EXPECT_EQ(a.prepare_range().begin(), 1);
  EXPECT_EQ(a.prepare_range().end(), b.prepare_range().begin());
  EXPECT_EQ(b.prepare_range().end(), 101);
  EXPECT_EQ(a.agent_count(), 2);
  EXPECT_EQ(b.agent_index(), 1);
  EXPECT_EQ(b.agent_name(), "b");
  EXPECT_EQ(a.barriers_size(), 4);
}

TEST(AssignerTest, MoreAgentsThanConnectionsIsAnError) {
  const rig::v1::Plan plan =
      Plan("workload: {kind: oltp_point_select}\nload: {connections: 1}\n");
  auto work = AssignWork(plan, {Agent("a"), Agent("b")});
  ASSERT_FALSE(work.ok());
  EXPECT_EQ(work.status().message(),
            "load.connections is 1 but there are 2 agents: every agent needs "
            "at least one connection");
}

}  // namespace
}  // namespace rig::coordinator
