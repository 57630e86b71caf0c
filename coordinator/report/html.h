#pragma once

// The HTML report: one self-contained page (inline CSS, inline SVG charts
// drawn here, no JavaScript, no reference to any URL), so it opens from a CI
// artifact or inside an air-gapped cluster exactly as it was written.
//
// Sections: header (plan, run, status, server), totals, charts over the
// run's intervals (throughput, latency p50/p99, error rate; breaker events
// as vertical lines, scenario rounds as bars), breaker events, agents,
// threshold verdicts, errors by class and code, the first 20 error samples,
// scenario rounds, verification checks.
//
// Every string taken from the report is HTML-escaped. Each chart's exact
// data is embedded for machines, next to its SVG:
//   <script type="application/json" id="chart-NAME-data">
//   {"chart": NAME, "unit": U,
//    "series": [{"name": S, "points": [[t_seconds, value], ...]}, ...],
//    "breaker_events": [{"t": s, "agent": A, "target": T, "from": F,
//                        "to": T, "reason": R}, ...],
//    "scenario_rounds": [{"t0": s, "t1": s, "agent": A, "kind": K,
//                         "round": N, "result": R}, ...]}
// NAME is throughput (series ops_per_sec, ops/s), latency (p50 and p99, ms)
// or error-rate (error_rate, errors / (ops + errors), a fraction). t_seconds
// is an interval's end on the coordinator's timeline (end_offset_us / 1e6);
// numbers round-trip exactly. A report without intervals gets a
// "no intervals" note instead of charts.
//
// The parts, in html/: escape (the one escaper), format (numbers, times,
// words, badges), svg_chart (the chart engine), charts (the table of chart
// definitions), table and sections (the page's parts), page (the page and
// its style; implements this header).

#include <string>

#include "coordinator/report/writer.h"
#include "rig/v1/report.pb.h"

namespace rig::coordinator {

// Pure; thread-safe.
class HtmlWriter final : public ReportWriter {
 public:
  absl::string_view Name() const override { return "html"; }
  absl::string_view Title() const override { return "HTML report"; }
  std::string Render(const rig::v1::Report& report) const override;
};

// HtmlWriter().Render(report).
std::string RenderHtmlReport(const rig::v1::Report& report);

}  // namespace rig::coordinator
