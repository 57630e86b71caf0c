#pragma once

// Pass/fail conditions on a run's merged result: the plan's `thresholds`
// list, e.g. "p99 < 50ms", "error_rate < 0.01", "throughput > 1000".
//
// Grammar: <metric> <op> <limit>, spaces optional, metric names in any case.
//   Latency (from Report.total().latency(), microseconds):
//     p50 p90 p95 p99 p99.9 (alias p999) min max mean
//     The limit needs a unit: us, ms, s, m (also ns, h; "1m30s" works).
//   Rates and counts, plain non-negative numbers:
//     error_rate   errors / (ops + errors); a trailing % divides by 100
//     errors       failed operations after retries
//     throughput   successful ops/s (alias ops_per_sec)
//     qps          statements/s (alias queries_per_sec)
//     read_qps write_qps other_qps  statements/s by kind (Counters: oltp_*
//                  and sql count them; a workload that counts none fails
//                  these)
//   Of the run: lost_agents  agents lost (a degraded run); and of its
//   faults (report.faults, results/fault_recovery.h):
//     fault.recovery  the longest time to recover, a duration with a unit;
//                     a fault not recovered (or without a baseline) fails
//     fault.errors    the most errors during one fault
//   Operators: < <= > >= ==
// A metric may name an operation type of the workload, as in
// "new_order.p99 < 50ms": it is judged against that type's figures
// (Report.operations); a type the report lacks fails the threshold.
//
// A latency or error-rate threshold fails when the run measured nothing
// (no latency samples, no operations): a condition that cannot be checked
// must not pass silently. Pure functions; thread-compatible.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

struct Threshold {
  std::string expression;  // as written, trimmed
  std::string metric;      // canonical: "p99.9", "throughput", "qps", ...
  // An operation type ("new_order" of "new_order.p99 < 50ms"): judged
  // against that type's summary in Report.operations; empty: the total.
  std::string type;
  std::string op;    // "<", "<=", ">", ">=", "=="
  double limit = 0;  // latency limits in microseconds
};

// InvalidArgument naming the expression and what was expected, e.g.
// `threshold "p99 < 50": latency limits need a unit (e.g. 50ms)`.
absl::StatusOr<Threshold> ParseThreshold(absl::string_view text);
// All of them; the error lists every bad entry (joined by "; ").
absl::StatusOr<std::vector<Threshold>> ParseThresholds(
    const google::protobuf::RepeatedPtrField<std::string>& texts);

// The metric names, shared with `report compare`'s thresholds on change:
// the canonical name of `name` (any case; "p999" -> "p99.9"), or
// InvalidArgument listing the metrics.
absl::StatusOr<std::string> CanonicalMetric(absl::string_view name);
// Whether a canonical metric is a latency (microseconds; limits take a unit).
bool IsLatencyMetric(absl::string_view canonical);
// The metric's value in `summary` (latency in microseconds). When there is
// nothing to judge (no latency samples, no operations), `missing` (if
// given) says so; else it is cleared.
double MetricValue(absl::string_view canonical, const rig::v1::Summary& summary,
                   std::string* missing);
// The value in the metric's unit for people: "61.2ms", "1234.5 ops/s".
std::string FormatMetricValue(absl::string_view canonical, double v);

// Judges `threshold` against report.total(). The verdict's observed and
// limit are in the metric's unit (microseconds for latency); the message
// reads like "p99 = 61.2ms, limit < 50ms: FAILED".
rig::v1::ThresholdVerdict Evaluate(const Threshold& threshold,
                                   const rig::v1::Report& report);
// Appends one verdict per threshold to report->thresholds(). Returns true if
// all passed (also when there are none); setting the run status is the
// caller's job.
bool ApplyThresholds(const std::vector<Threshold>& thresholds,
                     rig::v1::Report* report);

}  // namespace rig::coordinator
