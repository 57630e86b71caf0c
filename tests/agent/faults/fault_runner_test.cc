// The agent's fault steps (fault_runner.h): each answered with a FaultDone,
// and a step's thread joined once it has finished, so that a fault with
// `every` over a long run does not pile up threads.

#include "agent/faults/fault_runner.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "plan/plan.h"

namespace rig::agent {
namespace {

using namespace std::chrono_literals;

class DoneEvents : public RunEvents {
 public:
  void Send(const rig::v1::AgentMessage& m) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (m.has_fault_done()) done_.push_back(m.fault_done());
    cv_.notify_all();
  }
  // Waits (up to 10 s) for the n-th FaultDone; returns how many came.
  size_t WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(10),
                 [&] { return done_.size() >= n; });
    return done_.size();
  }
  std::vector<rig::v1::FaultDone> Done() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<rig::v1::FaultDone> done_;
};

rig::v1::Assignment WithFault() {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "load: {duration: 1h}\n"
      "faults: [{every: 10s, action: {kill_connections: 0.5}}]\n",
      "test.yaml", {});
  EXPECT_TRUE(plan.ok()) << plan.status();
  rig::v1::Assignment a;
  a.set_agent_name("test-agent");
  a.set_agent_count(1);
  a.set_connections(2);
  if (plan.ok()) *a.mutable_plan() = *plan;
  return a;
}

TEST(FaultRunnerTest, EveryStepIsAnsweredAndFinishedStepsAreJoined) {
  DoneEvents events;
  RunContext ctx("run-1", WithFault(), /*driver=*/nullptr,
                 /*catalogue=*/nullptr, &events);
  FaultRunner runner(ctx);
  constexpr int kSteps = 50;  // an `every: 10s` fault over ~8 minutes
  for (int i = 0; i < kSteps; ++i) {
    rig::v1::FaultCommand c;
    c.set_index(0);
    c.set_occurrence(i);
    runner.Handle(c);
    // Every step before this one had finished: Handle joined them all.
    EXPECT_EQ(runner.threads_held(), 1u) << "after step " << i;
    ASSERT_EQ(events.WaitFor(i + 1), static_cast<size_t>(i + 1));
    // A step's thread finishes right after its answer; wait for that (the
    // flag is set after Send returns, so an answer alone does not imply it).
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (runner.threads_running() > 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    ASSERT_EQ(runner.threads_running(), 0u) << "step " << i;
  }
  const auto done = events.Done();
  ASSERT_EQ(done.size(), static_cast<size_t>(kSteps));
  for (int i = 0; i < kSteps; ++i) {
    EXPECT_EQ(done[i].occurrence(), i);
    // No load runs here: each step says so instead of claiming a drop.
    EXPECT_FALSE(done[i].ok());
    EXPECT_EQ(done[i].outcome(), "the load is not running");
  }
}

}  // namespace
}  // namespace rig::agent
