#pragma once

// The metrics of runs, from the messages agents send (agent.proto): what
// both binaries serve on /metrics. The agent feeds it its own messages as it
// sends them; the coordinator feeds it every agent's messages as it accepts
// them (the same checks as the report: an interval out of sequence is not
// counted), so the coordinator's series, summed over `agent`, are the
// merged view and end equal to the report's totals.
//
// Counters live as long as the process (an agent serves many runs: they
// add up, as Prometheus counters do); gauges (run state, connections,
// breaker state) are set again when a run starts.
//
// Operation types (OperationTypes()): those an interval carries (tpcc's
// new_order, payment ...; ycsb's read, update ...), else one, the workload
// kind (oltp_point_select). A run starts with the kind's series at 0; a
// workload of several types drops it at its first interval if it is still
// 0 (a counter that stays 0 for ever would only clutter the page).
//
// Thread-safe: one mutex; messages come at interval boundaries, not per
// operation.

#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "common/metrics/exposition.h"
#include "common/metrics/latency_buckets.h"
#include "rig/v1/agent.pb.h"

namespace rig::metrics {

// One operation type's share of an interval.
struct TypedStats {
  std::string type;
  const rig::v1::Counters* counters;  // ops and errors of this type
  const std::string* latency;         // encoded rig::Histogram
};

// The operation types in `interval` of a run of `workload_kind`.
std::vector<TypedStats> OperationTypes(const std::string& workload_kind,
                                       const rig::v1::IntervalStats& interval);

// "closed", "open", "half_open" (breaker states as labels).
std::string BreakerStateName(rig::v1::BreakerState state);
// "initializing" .. "cancelled"; a custom state's own name.
std::string RunStateName(rig::v1::State state, const std::string& custom);

class RunMetrics {
 public:
  // A run starts on `agent`: its operations are of `workload_kind`, its
  // breakers are those of `endpoints` ("host:port"), closed; the run state
  // and connection gauges start again.
  void RunStarted(const std::string& agent, const std::string& workload_kind,
                  const std::vector<std::string>& endpoints);
  // One message of `agent`'s run.
  void Message(const std::string& agent, const rig::v1::AgentMessage& message);
  // The families of Served::kBoth, every agent's series.
  void Render(Exposition* out) const;

 private:
  struct TypeSeries {
    int64_t ok = 0;
    int64_t errors = 0;
    LatencyBuckets latency;
  };
  struct AgentSeries {
    std::string kind;  // the current run's workload kind
    std::map<std::string, TypeSeries> types;
    int64_t queries = 0;
    int64_t read_queries = 0;  // the statement kinds (Counters)
    int64_t write_queries = 0;
    int64_t other_queries = 0;
    int64_t rows = 0;
    int64_t retries = 0;
    int64_t reconnects = 0;
    int64_t breaker_open_us = 0;
    std::map<std::string, int64_t> errors_by_class;
    std::map<int32_t, int64_t> errors_by_code;
    int64_t connections = 0;
    std::map<std::string, rig::v1::BreakerState> breakers;  // by endpoint
    // (endpoint, from, to) -> transitions
    std::map<std::tuple<std::string, std::string, std::string>, int64_t>
        transitions;
    std::string state;  // RunStateName of the current state; "" before
  };
  void IntervalLocked(AgentSeries& a, const rig::v1::IntervalStats& iv);

  mutable std::mutex mu_;
  std::map<std::string, AgentSeries> agents_;  // guarded by mu_
};

}  // namespace rig::metrics
