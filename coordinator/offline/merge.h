#pragma once

// `rig-coordinator report merge A.json B.json ... -o MERGED.json`: reports
// of one plan run by separate coordinators at the same time (each driving
// its own agents) made into one report, exactly as one coordinator would
// have merged them:
//   - the plan must be the same (every key but the `report` block, whose
//     paths differ per coordinator); a mismatch is refused naming the field;
//   - totals: counters summed, latency and service-time histograms merged
//     (percentiles are those of all samples pooled), measured time the
//     longest, rates over it;
//   - intervals: placed on the earliest report's timeline by wall clock
//     (started_at + offset) and merged when they fall in the same slot of
//     load.report_interval from the earliest interval's start: counters
//     summed, histograms merged, ops/s summed (each report's own rate), the
//     span from the earliest start to the latest end. Needs report schema 2
//     (intervals with histograms); schema 1 is refused.
//   - per operation type (per interval and in total) and per endpoint (in
//     total) the same way, by name, in the order first seen;
//   - agents, breaker events, error samples, scenario rounds and checks are
//     listed together (offsets moved onto the same timeline), within the
//     report's bounds (the first 100 error samples; at most 2000 rounds,
//     as rounds.h keeps them, the rest counted as omitted); agents of
//     different reports with one name get "RUN_ID/" in front;
//   - the verdict is decided again: incomplete if any report was, else by
//     the merged checks and the plan's thresholds on the merged total.
// Pure; thread-safe.

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

struct NamedReport {
  std::string name;  // the file, for errors
  rig::v1::Report report;
};

// InvalidArgument naming the file when a plan differs or fewer than two
// reports are given; FailedPrecondition/DataLoss naming the file and part
// when a histogram is missing or bad.
absl::StatusOr<rig::v1::Report> MergeReports(
    const std::vector<NamedReport>& inputs);

}  // namespace rig::coordinator
