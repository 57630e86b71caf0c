#pragma once

// A simulated fleet: N agents served from one process, each on its own port
// of 127.0.0.1, speaking the real AgentService protocol (GetInfo, then a
// Session through every state and barrier the assignment names) without a
// database. In the measured phase each sends an interval every
// load.report_interval with counters and histograms drawn from a seeded
// latency distribution, a heartbeat every agents.heartbeat_interval, and
// (on some agents, chosen by the seed) a breaker that opens and closes.
// What every agent sent is kept, so a merged report can be checked exactly.
//
// Faults on demand, per agent: slow (each message late by `slow_by`),
// silent (nothing more once measuring, the stream left open), lost (the
// stream broken after `lost_after` intervals), lying (a repeated seq and a
// seq from the future, with counts that must not be merged).
//
// Built on gRPC's callback API: the agents cost no thread each (one
// scheduler thread drives them all), so thousands fit in one process. Why a
// simulator: a fleet of 1,000 real agents needs 1,000 processes and a
// database able to serve them; what the coordinator does with them (merge,
// barriers, liveness) does not depend on the database.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/stats/histogram.h"
#include "rig/v1/agent.pb.h"

namespace rig::testing {

enum class SimFault { kNone, kSlow, kSilent, kLost, kLying };

// "slow", "silent", "lost", "lying"; an error naming the bad word.
absl::StatusOr<SimFault> ParseSimFault(const std::string& word);

struct FleetOptions {
  int agents = 1;
  uint64_t seed = 1;
  std::map<int, SimFault> faults;  // agent index -> fault
  absl::Duration slow_by = absl::Milliseconds(300);
  int lost_after = 2;  // intervals sent before a lost agent breaks
  // Samples per interval per agent (latency draws; ops = samples).
  int samples_per_interval = 200;
};

// What one agent sent that a correct coordinator merges: its intervals
// (the lying agent's false ones left out) and its result.
struct SimSent {
  rig::v1::Counters interval_counters;
  Histogram interval_latency;
  int64_t intervals = 0;
  int64_t breaker_events = 0;
  bool result_sent = false;
  rig::v1::Counters result_counters;
  Histogram result_latency;
};

// When things happened, in steady_clock (CLOCK_MONOTONIC) nanoseconds, so
// that another process on the machine can compare its own times.
struct FleetTimings {
  int64_t first_get_info_ns = 0;
  std::vector<int64_t> running_ns;  // per agent: when it entered Running
  // Per barrier (the state awaited): per agent, when it parked and when
  // its Advance came (0 if it did not).
  std::map<int, std::vector<std::pair<int64_t, int64_t>>> barriers;
  // Per interval seq: when the last agent sent it.
  std::map<int64_t, int64_t> interval_sent_ns;
};

class SimulatedFleet {
 public:
  static absl::StatusOr<std::unique_ptr<SimulatedFleet>> Start(
      const FleetOptions& options);
  ~SimulatedFleet();

  const std::vector<std::string>& addresses() const;
  // A copy of what agent `i` has sent so far.
  SimSent Sent(int i) const;
  // Sessions that ended (finished or broken).
  int SessionsEnded() const;
  FleetTimings Timings() const;
  void Shutdown();

  class Impl;

 private:
  explicit SimulatedFleet(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace rig::testing
