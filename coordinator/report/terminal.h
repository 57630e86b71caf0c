#pragma once

// What the coordinator prints: the summary at the end of a run (run line,
// totals, one row per agent, errors by code, thresholds, checks, agent
// errors) and a progress line per merged interval. Pure; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "coordinator/report/writer.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// The terminal summary.
class TerminalWriter final : public ReportWriter {
 public:
  absl::string_view Name() const override { return "terminal"; }
  absl::string_view Title() const override { return "terminal summary"; }
  std::string Render(const rig::v1::Report& report) const override;
};

// TerminalWriter().Render(report).
std::string FormatSummary(const rig::v1::Report& report);

// "850us", "1.25ms", "2.5s".
std::string FormatMicros(int64_t us);

// For workload tpcc: "tpmC 1234.5, tpmTotal 2743.3, efficiency 48.0% of 2
// warehouse(s)" (New-Orders per measured minute, all transactions per
// minute, tpmC against the specification's 12.86 per warehouse), as go-tpc
// prints them; empty for other workloads or without a new_order type.
std::string TpccLine(const rig::v1::Report& r);

// A fault of the report as two lines (no newlines):
// when (seconds into the measured run), what, the outcome of each step;
// then the baseline, the worst point, errors and the recovery. Shared by
// the terminal and the HTML page.
std::vector<std::string> FormatFault(const rig::v1::Report& report,
                                     const rig::v1::FaultRecord& fault);

// One progress line for a merged interval: measured time so far of the
// total, ops/s, qps (with reads/writes/other per second, as sysbench's
// "r/w/o", where the workload counts them), p50 and p99, errors and
// reconnects per second, agents reporting, breakers open; then, for a
// workload of several operation types, TypeRates().
std::string FormatIntervalLine(const rig::v1::IntervalReport& interval,
                               int agents_total, int64_t elapsed_us,
                               int64_t total_us);

// At most this many types on a progress line, and this many characters of
// a type's name (a longer one ends in "~").
inline constexpr size_t kTypesOnProgressLine = 5;
inline constexpr size_t kTypeNameOnProgressLine = 12;

// The interval's throughput per operation type, short: "new_order 45.2
// payment 43.0 order_status 4.1 ops/s". Only the types that ran in the
// interval, in the workload's order; with more than kTypesOnProgressLine,
// the busiest kTypesOnProgressLine - 1 and "+N more". Empty for a workload
// of one type.
std::string TypeRates(const rig::v1::IntervalReport& interval);

}  // namespace rig::coordinator
