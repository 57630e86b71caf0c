#pragma once

// Merging agents' statistics exactly: counters are summed, histograms merged
// bucket by bucket, so the percentiles of the report equal those of all
// samples pooled (within the histogram's 3 significant digits).
//
// Intervals are merged by sequence number (every agent starts measuring at
// the same barrier) and placed on the coordinator's timeline through each
// agent's start offset. Not thread-safe: the caller serialises.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/stats/histogram.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// Adds b's counters to a.
void AddCounters(rig::v1::Counters& a, const rig::v1::Counters& b);
// Percentiles of a histogram; `with_histogram` also stores its encoding.
rig::v1::Latency LatencyOf(const Histogram& h, bool with_histogram);

class RunAggregate {
 public:
  // `endpoints`: the names of target.endpoints when there are several; an
  // interval's figures for any other name are not taken.
  explicit RunAggregate(int agents, std::vector<std::string> endpoints = {});

  // Where agent `agent`'s offset 0 lies on the coordinator's timeline.
  void SetAgentOrigin(int agent, int64_t coordinator_us);
  // An offset on agent `agent`'s clock placed on the coordinator's timeline.
  int64_t ToTimeline(int agent, int64_t agent_us) const {
    return agents_[agent].origin_us + agent_us;
  }
  // Adds an agent's interval. Returns an error if its histograms do not
  // decode. Sets *complete when all `expected` agents have sent this seq.
  absl::Status AddInterval(int agent, const rig::v1::IntervalStats& stats,
                           int expected, bool* complete);
  absl::Status SetResult(int agent, const rig::v1::RunResult& result);

  // The merged interval `seq` so far; `with_histogram` also gives its
  // encoded latency histogram (the report keeps it, so that reports can be
  // merged again interval by interval and exported; journal lines and
  // progress lines do without).
  rig::v1::IntervalReport Interval(int64_t seq,
                                   bool with_histogram = false) const;
  // Summary of one agent (from its result, or its intervals if it has none)
  // and of all agents.
  rig::v1::Summary AgentSummary(int agent) const;
  rig::v1::Summary Total() const;
  // Per endpoint, in the plan's order (empty with one endpoint). Rates are
  // over the measured time of Total().
  std::vector<rig::v1::EndpointReport> Endpoints() const;
  // Per operation type (workloads of several), in the order agents first
  // sent them (the workload's). Rates are over the measured time of
  // Total().
  std::vector<rig::v1::OperationReport> Operations() const;
  // Every merged interval, with its encoded histogram.
  std::vector<rig::v1::IntervalReport> Intervals() const;
  // Keep each agent's own intervals (report.csv_per_agent); off by default
  // (they cost memory per agent and interval).
  void KeepAgentIntervals(bool keep) { keep_agent_intervals_ = keep; }
  // Agent `agent`'s intervals as they came, on the coordinator's timeline,
  // without encoded histograms; empty unless kept.
  const std::vector<rig::v1::IntervalReport>& AgentIntervals(int agent) const {
    return agents_[agent].intervals;
  }

  // Counters, latency and service histograms and measured time made into
  // a Summary (rates over measured_us, error rate, percentiles with the
  // encoded histograms): how a total is made, also from merged reports.
  static rig::v1::Summary MakeSummary(const rig::v1::Counters& counters,
                                      const Histogram& latency,
                                      const Histogram& service,
                                      int64_t measured_us);

  // The summary of a part of the run (an endpoint, an operation type):
  // MakeSummary without service time, which parts do not keep.
  static rig::v1::Summary PartSummary(const rig::v1::Counters& counters,
                                      const Histogram& latency,
                                      int64_t measured_us);

  // Bytes the merged intervals' latencies hold (histogram windows and
  // encodings): what a long run costs per interval.
  size_t IntervalLatencyBytes() const;

  // An interval still open this many seqs behind the newest is closed (an
  // agent that lags that far is rare; it reopens it if it sends).
  static constexpr int64_t kOpenBehind = 16;
  // Operation types taken at most (TPC-C has 5, YCSB 5); an agent's further
  // names are not taken, so a broken or hostile one cannot grow the report
  // without bound.
  static constexpr size_t kMaxTypes = 32;

 private:
  // A merged interval holds a histogram while agents may still add to it.
  // Once closed (every expected agent sent it, or it is kOpenBehind seqs
  // old), it keeps the percentiles the report shows and the encoded sparse
  // histogram (a few KiB instead of the histogram's window): the report
  // carries it, and a late addition still merges exactly. A run's memory
  // grows by that per interval (a few bytes per non-empty bucket: 1.3 KiB for
  // the 800 samples of 0.1-20 ms per interval of aggregate_test).
  // The figures of a merged interval, in total or of one operation type:
  // a histogram while the interval is open; its percentiles and encoding
  // once closed.
  struct Part {
    rig::v1::Counters counters;
    Histogram latency;         // while open
    std::string encoded;       // once closed: latency.Encode()
    rig::v1::Latency summary;  // once closed: LatencyOf(latency, false)
    // Sum of each agent's own rate in this interval: agents' clocks and
    // interval boundaries differ by a little, which would distort a rate
    // computed over the merged span of a short (final) interval.
    double ops_per_sec = 0;

    // One agent's share over its span of `span_us`.
    void Add(const rig::v1::Counters& c, const Histogram& h, int64_t span_us);
    void Close();
    void Reopen();  // a late addition: back to a histogram, exactly
    size_t Bytes() const;
    rig::v1::Latency LatencyOf(bool closed, bool with_histogram) const;
  };
  struct Merged {
    Part total;
    std::vector<Part> types;  // indexed like types_
    bool closed = false;
    int64_t start_us = INT64_MAX;
    int64_t end_us = 0;
    int agents = 0;
    int breakers_open = 0;
  };
  struct PerAgent {
    int64_t origin_us = 0;
    rig::v1::Counters interval_counters;  // sum of its intervals
    Histogram interval_latency;
    Histogram interval_service;
    int64_t interval_us = 0;
    std::optional<rig::v1::RunResult> result;
    Histogram result_latency;
    Histogram result_service;
    std::vector<rig::v1::IntervalReport> intervals;  // if kept
  };
  bool keep_agent_intervals_ = false;
  // The measured time of Total() (the longest agent's), without merging
  // any histogram.
  int64_t MeasuredUs() const;
  void SummaryParts(int agent, rig::v1::Counters* counters, Histogram* latency,
                    Histogram* service, int64_t* measured_us) const;

  void Close(Merged& m);

  struct PerEndpoint {
    std::string name;
    rig::v1::Counters counters;
    Histogram latency;
  };
  std::vector<PerAgent> agents_;
  std::vector<PerEndpoint> endpoints_;
  struct PerType {
    std::string name;
    rig::v1::Counters counters;
    Histogram latency;
  };
  std::vector<PerType> types_;
  std::map<int64_t, Merged> intervals_;
  std::set<int64_t> open_;  // seqs of intervals not closed
};

}  // namespace rig::coordinator
