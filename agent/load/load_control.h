#pragma once

// The load changed by faults on one agent (plan.proto FaultAction
// pause_load and set_rate): which changes are in force and since when, on
// the open model's timeline (microseconds from the load runner's origin).
//
// Design (issue 16, "the load itself changes"):
// - The coordinator sends the action as a FaultCommand to every agent and,
//   at the fault's end, the same command with `recover` set; that end is
//   the only recover a load action has, and it restores the plan's load:
//   its rate, or its stages and ramps as they stand at that time (a change
//   never moves the plan's timeline).
// - pause_load: no new operation starts, in either model; one under way
//   finishes (with its retries). In the open model the arrivals due during
//   the pause, and those due but not started when it began, are skipped,
//   not queued: the load resumes on its schedule with no burst, and no
//   response time includes the pause. They are not missed operations
//   (coordinated omission is about a slow server delaying the load, not
//   about a load that was told to stop), so they count nowhere.
// - set_rate: {factor: F} multiplies the plan's rate (stages followed,
//   ramps scaled); {rate: R} is a constant total, this agent's part
//   R x its share of load.connections, which is how the coordinator splits
//   load.rate (coordinator/session/split.h SplitRate). Open model only
//   (plan validation refuses it in the closed model: there is no rate to
//   change, and "more connections" would be a different fault).
// - Changes overlap: the load is paused while any pause is in force; the
//   rate is that of the latest set_rate in force, else the plan's.
//
// Thread-safe: the fault runner begins and ends changes; each worker reads
// generation() on its hot path (one atomic load) and, when it moved, takes
// the History() and reshapes its arrivals (ShapeSegments).

#include <atomic>
#include <cstdint>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "agent/load/arrivals.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

struct LoadState {
  bool paused = false;
  double factor = 1;  // times the plan's rate
  double rate = 0;    // this agent's ops/s instead of the plan's; 0 = none
};

// `state` holds from `from_us` until the next step's from_us.
struct LoadStep {
  int64_t from_us = 0;
  LoadState state;
};

class LoadControl {
 public:
  // A fault occurrence: (index in plan.faults, occurrence).
  using Key = std::pair<int, int>;

  // `share`: this agent's part of a set_rate's total rate.
  explicit LoadControl(double share) : share_(share) {}

  // `action` (a pause_load or set_rate) is in force from `t_us`; false if
  // it is not a load action or `key` is already in force.
  bool Begin(Key key, const rig::v1::FaultAction& action, int64_t t_us);
  // `key`'s change ends at `t_us`; false if it was not in force.
  bool End(Key key, int64_t t_us);

  // Moves with every Begin and End.
  uint64_t generation() const {
    return generation_.load(std::memory_order_acquire);
  }
  // The state from each change on, oldest first, from the one in force at
  // `since_us` (so that a long run's history is not copied whole); before
  // the first (or when empty) the plan's load.
  std::vector<LoadStep> History(int64_t since_us = 0) const;
  LoadState Current() const;

 private:
  LoadState EffectiveLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const double share_;
  mutable std::mutex mu_;
  // The changes in force, in the order they began.
  std::vector<std::pair<Key, LoadState>> active_ ABSL_GUARDED_BY(mu_);
  std::vector<LoadStep> history_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{0};
};

// A worker's segments `plan` (ArrivalSchedule::ForWorker) under the load's
// `steps` (LoadControl::History), from `since_us` on: paused spans at rate
// 0, an agent rate as rate / `workers` (constant), else the plan's
// segments times the factor. The result covers [since_us, forever) and is
// empty when `plan` is (the closed model).
std::vector<RateSegment> ShapeSegments(const std::vector<RateSegment>& plan,
                                       const std::vector<LoadStep>& steps,
                                       int workers, int64_t since_us);

}  // namespace rig::agent
