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
#include <string>
#include <vector>

#include "common/stats/histogram.h"
#include "coordinator/results/spill.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// Adds b's counters to a.
void AddCounters(rig::v1::Counters& a, const rig::v1::Counters& b);
// Percentiles of a histogram; `with_histogram` also stores its encoding.
rig::v1::Latency LatencyOf(const Histogram& h, bool with_histogram);

class RunAggregate {
 public:
  // `endpoints`: the names of target.endpoints when there are several; an
  // interval's figures for any other name are not taken. `spill_dir`: where
  // closed intervals are kept (SpillStore; empty: $TMPDIR or /tmp).
  explicit RunAggregate(int agents, std::vector<std::string> endpoints = {},
                        std::string spill_dir = "");

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
  // Every merged interval, with its encoded histogram (closed ones read
  // back from the spill file).
  std::vector<rig::v1::IntervalReport> Intervals() const;
  // Set if a closed interval could not be read back from the spill file
  // (it is left out of Interval()/Intervals()); empty otherwise.
  const std::string& SpillReadError() const { return spill_read_error_; }
  // Why closed intervals are kept in memory instead of the spill file (the
  // file could not be made or written), if they are.
  const std::string& SpillWriteError() const { return spill_.error(); }
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

  // Memory the merged intervals hold: open ones' histogram pages, an
  // index entry per closed one, and closed ones kept in memory when the
  // spill file failed. What a long run costs in memory per interval.
  size_t IntervalBytesInMemory() const;
  // Bytes of closed intervals in the spill file.
  int64_t SpilledBytes() const { return spill_.file_bytes(); }

  // An interval still open this many seqs behind the newest is closed (an
  // agent that lags that far is rare; it reopens it if it sends).
  static constexpr int64_t kOpenBehind = 16;
  // Operation types taken at most (TPC-C has 5, YCSB 5); an agent's further
  // names are not taken, so a broken or hostile one cannot grow the report
  // without bound.
  static constexpr size_t kMaxTypes = 32;

 private:
  // A merged interval holds histograms while agents may still add to it.
  // Once closed (every expected agent sent it, or it is kOpenBehind seqs
  // old), it is written to the spill file as the IntervalReport the report
  // carries (percentiles and encoded sparse histograms, 1-3 KiB) and only
  // its place stays in memory; a late addition reads it back and merges
  // exactly.
  // The figures of a merged open interval, in total or of one operation
  // type.
  struct Part {
    rig::v1::Counters counters;
    Histogram latency;
    // Sum of each agent's own rate in this interval: agents' clocks and
    // interval boundaries differ by a little, which would distort a rate
    // computed over the merged span of a short (final) interval.
    double ops_per_sec = 0;

    // One agent's share over its span of `span_us`.
    void Add(const rig::v1::Counters& c, const Histogram& h, int64_t span_us);
  };
  struct Merged {
    Part total;
    std::vector<Part> types;  // indexed like types_
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

  rig::v1::IntervalReport ReportOf(int64_t seq, const Merged& m,
                                   bool with_histogram) const;
  // Closed interval `seq` from the spill file; nullopt (and
  // spill_read_error_ set) if it cannot be read back.
  std::optional<rig::v1::IntervalReport> ReadClosed(int64_t seq,
                                                    const SpillStore::Ref& ref,
                                                    bool with_histogram) const;
  // Writes open interval `seq` to the spill file.
  void Close(int64_t seq);
  // Reads closed interval `seq` back into an open one.
  absl::Status Reopen(int64_t seq);

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
  std::map<int64_t, Merged> intervals_;        // open
  std::map<int64_t, SpillStore::Ref> closed_;  // in spill_
  SpillStore spill_;
  mutable std::string spill_read_error_;
};

}  // namespace rig::coordinator
