#include "coordinator/faults/scheduler.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <vector>

#include "absl/synchronization/notification.h"
#include "plan/plan.h"

namespace rig::coordinator {
namespace {

rig::v1::Plan Plan(const std::string& faults) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\nload: {duration: 1h}\n" + faults,
      "test.yaml", {});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// Hooks that answer every sql step at once and keep what they see.
struct Fake {
  std::mutex mu;
  std::vector<rig::v1::FaultCommand> commands;
  std::vector<rig::v1::FaultRecord> records;
  absl::Notification action_ran;

  FaultScheduler::Hooks Hooks() {
    FaultScheduler::Hooks h;
    h.run_on_agent = [this](const rig::v1::FaultCommand& c, absl::Duration) {
      rig::v1::FaultDone d;
      d.set_ok(true);
      d.set_outcome(c.recover() ? "unlocked" : "locked");
      std::lock_guard<std::mutex> lock(mu);
      commands.push_back(c);
      if (!c.recover() && !action_ran.HasBeenNotified()) action_ran.Notify();
      return d;
    };
    h.recorded = [this](const rig::v1::FaultRecord& r) {
      std::lock_guard<std::mutex> lock(mu);
      records.push_back(r);
    };
    return h;
  }
};

TEST(FaultSchedulerTest, RunsTheActionThenTheRecover) {
  const rig::v1::Plan plan = Plan(
      "faults: [{name: lock, duration: 10ms, action: {sql: [\"LOCK TABLES t "
      "WRITE\"]}, recover: {sql: [\"UNLOCK TABLES\"]}}]\n");
  Fake fake;
  FaultScheduler s(plan, std::chrono::steady_clock::now(), fake.Hooks());
  s.Begin(0, 3600LL * 1000000);
  // Without `every` the thread ends after one occurrence.
  s.Join();
  ASSERT_EQ(fake.commands.size(), 2u);
  EXPECT_FALSE(fake.commands[0].recover());
  EXPECT_TRUE(fake.commands[1].recover());
  EXPECT_EQ(fake.commands[1].occurrence(), 1);
  ASSERT_EQ(fake.records.size(), 1u);
  const rig::v1::FaultRecord& r = fake.records[0];
  EXPECT_EQ(r.name(), "lock");
  EXPECT_EQ(r.action().what(), "sql: LOCK TABLES t WRITE");
  EXPECT_EQ(r.action().outcome(), "locked");
  EXPECT_EQ(r.recover().outcome(), "unlocked");
  EXPECT_GE(r.recover().start_offset_us() - r.start_offset_us(), 10000);
  EXPECT_EQ(r.end_offset_us(), r.recover().end_offset_us());
}

TEST(FaultSchedulerTest, AStopRecoversAFaultAtOnce) {
  const rig::v1::Plan plan = Plan(
      "faults: [{duration: 1h, action: {sql: [\"LOCK TABLES t WRITE\"]}, "
      "recover: {sql: [\"UNLOCK TABLES\"]}}]\n");
  Fake fake;
  FaultScheduler s(plan, std::chrono::steady_clock::now(), fake.Hooks());
  s.Begin(0, 3600LL * 1000000);
  fake.action_ran.WaitForNotification();
  s.Interrupt();
  s.Join();  // not an hour: the recover runs now
  ASSERT_EQ(fake.records.size(), 1u);
  EXPECT_TRUE(fake.records[0].recover().ok());
}

TEST(FaultSchedulerTest, ASqlFaultWithoutRecoverStillReleasesItsConnection) {
  const rig::v1::Plan plan =
      Plan("faults: [{action: {sql: [\"LOCK TABLES t WRITE\"]}}]\n");
  Fake fake;
  FaultScheduler s(plan, std::chrono::steady_clock::now(), fake.Hooks());
  s.Begin(0, 3600LL * 1000000);
  s.Join();
  ASSERT_EQ(fake.commands.size(), 2u);
  EXPECT_TRUE(fake.commands[1].recover());
  ASSERT_EQ(fake.records.size(), 1u);
  EXPECT_FALSE(fake.records[0].has_recover());
}

TEST(FaultSchedulerTest, ReportsAFailedAndATimedOutCommand) {
  const rig::v1::Plan plan = Plan(
      "faults:\n"
      "  - {name: fails, action: {exec: \"echo no such pod >&2; exit 3\"}}\n"
      "  - {name: hangs, timeout: 200ms, action: {exec: \"sleep 300\"}}\n");
  Fake fake;
  FaultScheduler s(plan, std::chrono::steady_clock::now(), fake.Hooks());
  s.Begin(0, 3600LL * 1000000);
  s.Join();
  ASSERT_EQ(fake.records.size(), 2u);
  for (const auto& r : fake.records) {
    EXPECT_FALSE(r.action().ok()) << r.name();
    if (r.name() == "fails") {
      EXPECT_EQ(r.action().outcome(), "exit 3");
      EXPECT_EQ(r.action().exit_status(), 3);
      EXPECT_EQ(r.action().output(), "no such pod\n");
    } else {
      EXPECT_EQ(r.action().outcome(), "timed out after 200ms (killed)");
    }
  }
}

TEST(FaultSchedulerTest, RepeatsEveryUntilTheEndOfTheRun) {
  const rig::v1::Plan plan =
      Plan("faults: [{every: 100ms, action: {exec: \"true\"}}]\n");
  Fake fake;
  FaultScheduler s(plan, std::chrono::steady_clock::now(), fake.Hooks());
  s.Begin(0, 250000);  // 250 ms: at 0, 100 and 200 ms
  s.Join();
  ASSERT_EQ(fake.records.size(), 3u);
  EXPECT_EQ(fake.records[2].occurrence(), 3);
}

// A load action's end is its recover: the same command with `recover` set,
// recorded as the step that restores the plan's load.
TEST(FaultSchedulerTest, ALoadActionEndsByRestoringThePlansLoad) {
  const rig::v1::Plan plan = Plan(
      "faults:\n"
      "  - {name: spike, duration: 10ms, action: {set_rate: {factor: 3}}}\n"
      "  - {duration: 10ms, action: {pause_load: true}}\n"
      "  - {duration: 10ms, action: {set_rate: {rate: 500}}}\n");
  Fake fake;
  FaultScheduler s(plan, std::chrono::steady_clock::now(), fake.Hooks());
  s.Begin(0, 3600LL * 1000000);
  s.Join();
  ASSERT_EQ(fake.commands.size(), 6u);
  ASSERT_EQ(fake.records.size(), 3u);
  std::map<int, rig::v1::FaultRecord> by_index;
  for (const auto& r : fake.records) by_index[r.index()] = r;
  EXPECT_EQ(by_index[0].name(), "spike");
  EXPECT_EQ(by_index[0].action().what(), "set_rate: x3");
  EXPECT_EQ(by_index[1].name(), "pause_load");
  EXPECT_EQ(by_index[2].action().what(), "set_rate: 500 ops/s in total");
  for (const auto& [index, r] : by_index) {
    ASSERT_TRUE(r.has_recover()) << r.DebugString();
    EXPECT_EQ(r.recover().what(), "restore the plan's load");
    EXPECT_GE(r.recover().start_offset_us() - r.start_offset_us(), 10000);
    EXPECT_EQ(r.end_offset_us(), r.recover().end_offset_us());
  }
  int recovers = 0;
  for (const auto& c : fake.commands) recovers += c.recover() ? 1 : 0;
  EXPECT_EQ(recovers, 3);
}

}  // namespace
}  // namespace rig::coordinator
