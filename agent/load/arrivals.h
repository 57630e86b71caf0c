#pragma once

// Intended start times of one worker in the open model: a rate that is
// constant within a segment or ramps linearly across it, with evenly spaced
// (constant) or exponentially spaced (Poisson) arrivals. Latency is measured
// from these times, not from when the worker got round to it, so a slow
// server shows up as latency instead of silently lowering the load
// (coordinated omission, as wrk2 corrects it).
//
// Pure and single-threaded: each worker owns its schedule.

#include <cstdint>
#include <optional>
#include <vector>

#include "agent/workloads/sysbench_random.h"
#include "rig/v1/agent.pb.h"

namespace rig::agent {

struct RateSegment {
  int64_t start_us = 0;
  int64_t end_us = 0;
  double from = 0;  // ops/s at start_us
  double to = 0;    // ops/s at end_us (== from: constant)
};

class ArrivalSchedule {
 public:
  // `first_us`: the first arrival (to stagger workers within one period).
  ArrivalSchedule(std::vector<RateSegment> segments, bool poisson,
                  int64_t first_us = 0);

  // The next intended start, in microseconds from the schedule's origin;
  // nullopt once the last segment has ended, or in an open-ended last
  // segment at rate 0. (An open-ended schedule has a last segment with
  // end_us = INT64_MAX.) Arrivals before SkipBefore's time are skipped.
  std::optional<int64_t> Next(Rng& rng);

  // The load changed (a fault's pause_load or set_rate, or its end):
  // Retract() undoes the last Next() whose arrival was not issued (the
  // worker was waiting for it), Reshape() puts new segments in place (they
  // must cover LastUs() on; what was issued stays), and after a pause
  // SkipBefore(resume) drops the arrivals due before the load resumed, so
  // that they are skipped rather than queued (no burst follows a pause).
  void Retract();
  void Reshape(std::vector<RateSegment> segments) {
    segments_ = std::move(segments);
  }
  void SkipBefore(int64_t t_us) { not_before_us_ = t_us; }
  // The last arrival Next() returned (before any: the first one to come).
  int64_t LastUs() const { return next_us_; }

  // The rate at `t_us` (0 outside the segments).
  double RateAt(int64_t t_us) const;

  // The segments of one worker: `warmup` at the first rate, then the plan's
  // stages (ramping when a stage says so) or the constant rate, all divided
  // by `workers`. Empty when the agent's rate is 0 (closed model).
  static std::vector<RateSegment> ForWorker(const rig::v1::Assignment& a,
                                            int workers);

 private:
  // One arrival after next_us_, skipping nothing.
  std::optional<int64_t> NextOne(Rng& rng);

  std::vector<RateSegment> segments_;
  bool poisson_;
  int64_t next_us_;
  bool started_ = false;
  int64_t not_before_us_ = 0;
  // What Retract() restores: the state before the last Next().
  int64_t previous_us_ = 0;
  bool previous_started_ = false;
};

}  // namespace rig::agent
