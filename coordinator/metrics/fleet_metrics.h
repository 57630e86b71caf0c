#pragma once

// The coordinator's /metrics: every agent's run metrics as the coordinator
// accepted them (common/metrics/run_metrics.h; summed over `agent` they are
// the merged view), the agents live, done and lost, the barriers, and the
// coordinator's own phase.
//
// Thread-safe. The coordinator calls it with its own lock held; it never
// calls back.

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/metrics/run_metrics.h"
#include "rig/v1/agent.pb.h"

namespace rig::coordinator {

class FleetMetrics {
 public:
  // The coordinator's phase: "checking" (GetInfo, assignment), "running",
  // "stopping" (a stop was asked), "finished" (the reports are written).
  void SetPhase(const std::string& phase);
  // The run starts on these agents (names, and what each was assigned).
  void RunStarted(const std::vector<std::string>& agents,
                  const std::vector<rig::v1::Assignment>& assignments);
  // A message of agent `index` that the coordinator accepted.
  void Message(int index, const rig::v1::AgentMessage& message);
  void AgentDone(int index);  // its result came
  void AgentLost(int index);  // its session ended without one
  // Agent `index` parks at (state, barrier) / the barrier is released.
  void BarrierWait(int index, rig::v1::State state, const std::string& barrier);
  void BarrierReleased(rig::v1::State state, const std::string& barrier);

  // The whole exposition.
  std::string Render() const;

  // The label of a barrier: the state's name ("verifying": the barrier
  // before it), or "state/name" for one inside it ("preparing/tables ready").
  static std::string BarrierLabel(rig::v1::State state,
                                  const std::string& barrier);

 private:
  using Clock = std::chrono::steady_clock;
  struct Barrier {
    std::map<int, Clock::time_point> waiting;  // agent -> since
    int64_t releases = 0;
    double wait_seconds = 0;
  };

  metrics::RunMetrics runs_;
  mutable std::mutex mu_;
  std::string phase_ = "checking";           // guarded by mu_
  std::vector<std::string> names_;           // guarded by mu_
  std::vector<int> status_;                  // 0 live, 1 done, 2 lost; by mu_
  std::map<std::string, Barrier> barriers_;  // guarded by mu_
};

}  // namespace rig::coordinator
