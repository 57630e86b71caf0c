#pragma once

// Writing the merged report: the terminal summary and the JSON file.

#include <string>

#include "absl/status/status.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// "850us", "1.25ms", "2.5s".
std::string FormatMicros(int64_t us);
// The terminal summary: run line, totals, one row per agent.
std::string FormatSummary(const rig::v1::Report& report);
// One progress line for a merged interval: measured time so far of the
// total, rate, latency, errors, agents reporting, breakers open.
std::string FormatIntervalLine(const rig::v1::IntervalReport& interval,
                               int agents_total, int64_t elapsed_us,
                               int64_t total_us);
// The report as JSON (snake_case field names, every field present). Written
// to `path`.tmp and renamed, so a reader never sees half a file.
absl::Status WriteJsonReport(const rig::v1::Report& report,
                             const std::string& path);
std::string ReportToJson(const rig::v1::Report& report);

}  // namespace rig::coordinator
