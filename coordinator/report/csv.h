#pragma once

// The intervals as CSV (report.csv): a header row, then one row per merged
// interval, for a spreadsheet. Columns:
//   seq, start_s, end_s (offsets on the coordinator's timeline, seconds),
//   duration_s, partial (1 for the stub left as the load stops,
//   partial_interval.h), ops, ops_per_sec, errors, error_rate
//   (errors / (ops + errors)), queries, retries, reconnects, rows,
//   p50_ms, p90_ms, p95_ms, p99_ms, p999_ms, max_ms, mean_ms (response
//   time), agents_reporting, breakers_open.
// With report.csv_per_agent (the report's agents carry their intervals): a
// first column `agent`, "all" on the merged rows, then every agent's own
// rows (agents_reporting 1, breakers_open 1 if its breaker was open).
// RFC 4180: comma-separated, "\r\n" line ends; an agent name holding a
// comma or quote is quoted. Pure; thread-safe.

#include <string>

#include "coordinator/report/writer.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

class CsvWriter final : public ReportWriter {
 public:
  absl::string_view Name() const override { return "csv"; }
  absl::string_view Title() const override { return "CSV of the intervals"; }
  std::string Render(const rig::v1::Report& report) const override;
};

}  // namespace rig::coordinator
