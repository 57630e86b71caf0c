#pragma once

// `rig-coordinator report compare BASE.json NEW.json`: the two runs' totals
// side by side with the change in percent, and a verdict by thresholds on
// the change.
//
// Thresholds on change: "<metric> <sign><limit>", the metrics of run
// thresholds (coordinator/results/thresholds.h: p50 .. p99.9, min, max,
// mean, error_rate, errors, throughput, qps). The sign says which way is
// worse:
//   "p99 +10%"          fails when p99 rose by more than 10% of the base
//   "throughput -5%"    fails when throughput fell by more than 5%
//   "p99 +2ms"          fails when p99 rose by more than 2 ms (latency
//                       limits without % need a unit)
//   "errors +0"         fails when errors rose at all
// A relative change from a base of 0 is +inf (any rise) or 0 (none). A
// latency threshold fails when either run has no latency samples (nothing
// to judge), as run thresholds do.
//
// The reports carry totals only (no per-operation-type figures), so the
// comparison is of totals. Pure; thread-safe.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

struct ChangeThreshold {
  std::string expression;  // as written, trimmed
  std::string metric;      // canonical, as thresholds.h names it
  bool rise = true;        // '+': a rise past the limit fails; '-': a fall
  bool percent = true;     // limit in percent of the base, else absolute
  double limit = 0;        // >= 0; latency absolute limits in microseconds
};

// InvalidArgument naming the expression and what was expected.
absl::StatusOr<ChangeThreshold> ParseChangeThreshold(absl::string_view text);
// All of them; the error lists every bad one (joined by "; ").
absl::StatusOr<std::vector<ChangeThreshold>> ParseChangeThresholds(
    const std::vector<std::string>& texts);

// One row of the side-by-side table.
struct MetricChange {
  std::string metric;  // canonical, or "ops"
  double base = 0;
  double next = 0;
  // (next - base) / base * 100; +-inf from a base of 0 to non-zero, 0 when
  // both are 0.
  double percent = 0;
};

struct ChangeVerdict {
  std::string expression;
  bool passed = false;
  std::string message;  // "p99: 1.2ms -> 1.5ms (+25%), limit +10%: FAILED"
};

struct Comparison {
  std::vector<MetricChange> rows;  // ops, throughput, qps, errors,
                                   // error_rate, p50, p90, p99, p99.9, max,
                                   // mean
  std::vector<ChangeVerdict> verdicts;
  bool passed = true;  // every verdict passed (also with none)
};

Comparison CompareReports(const rig::v1::Report& base,
                          const rig::v1::Report& next,
                          const std::vector<ChangeThreshold>& thresholds);

// The comparison for a terminal: a line per run, the table, the verdicts.
std::string FormatComparison(const rig::v1::Report& base,
                             const rig::v1::Report& next,
                             const Comparison& comparison);

// "+12.5%", "-3%", "+inf%", "0%".
std::string FormatPercentChange(double percent);

}  // namespace rig::coordinator
