#include "coordinator/offline/compare_html.h"

#include "absl/strings/str_cat.h"
#include "coordinator/report/html/charts.h"
#include "coordinator/report/html/escape.h"
#include "coordinator/report/html/format.h"
#include "coordinator/report/html/sections.h"
#include "coordinator/report/html/table.h"
#include "coordinator/results/thresholds.h"

namespace rig::coordinator {
namespace {

using html::H;

std::string RunsTable(const rig::v1::Report& base,
                      const rig::v1::Report& next) {
  html::Table t(
      "runs",
      {"", "run id", "plan", "workload", "status", "started", "measured"},
      {false, false, false, false, false, false, true});
  auto row = [&t](const char* label, const rig::v1::Report& r) {
    const html::StatusLook look = html::LookOf(r.status());
    t.Row({label, H(r.run_id()), H(html::PlanName(r)),
           H(r.plan().workload().kind()), html::Badge(look.word, look.css),
           html::Timestamp(r.started_at()),
           H(html::Seconds(r.total().measured_us()))});
  };
  row("base", base);
  row("new", next);
  return t.Html();
}

std::string Cell(const std::string& metric, double v) {
  if (metric == "ops" || metric == "errors") {
    return html::Grouped(static_cast<int64_t>(v));
  }
  return H(FormatMetricValue(metric, v));
}

}  // namespace

std::string RenderComparisonHtml(const rig::v1::Report& base,
                                 const rig::v1::Report& next,
                                 const Comparison& c) {
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>Comparison &#8211; ",
      H(base.run_id()), " vs ", H(next.run_id()), "</title>\n<style>",
      html::PageStyle(), "</style>\n</head>\n<body>\n");
  absl::StrAppend(&out, "<header>\n<h1>Comparison of two runs ",
                  c.verdicts.empty()
                      ? ""
                      : (c.passed ? html::Badge("PASSED", "good")
                                  : html::Badge("FAILED", "bad")),
                  "</h1>\n", RunsTable(base, next), "</header>\n");
  html::Table totals("comparison", {"", "base", "new", "change"},
                     {false, true, true, true});
  for (const MetricChange& row : c.rows) {
    totals.Row({H(row.metric), Cell(row.metric, row.base),
                Cell(row.metric, row.next),
                H(FormatPercentChange(row.percent))});
  }
  absl::StrAppend(&out, "<section id=\"totals\">\n<h2>Totals</h2>\n",
                  totals.Html(), "</section>\n");
  if (!c.verdicts.empty()) {
    html::Table verdicts("thresholds", {"threshold", "result", "detail"},
                         {false, false, false});
    for (const ChangeVerdict& v : c.verdicts) {
      verdicts.Row(
          {H(v.expression),
           v.passed ? html::Badge("passed", "good")
                    : html::Badge("FAILED", "bad"),
           absl::StrCat("<span class=\"msg\">", H(v.message), "</span>")});
    }
    absl::StrAppend(&out,
                    "<section id=\"thresholds\">\n<h2>Thresholds on the "
                    "change</h2>\n",
                    verdicts.Html(), "</section>\n");
  }
  absl::StrAppend(&out,
                  "<section id=\"charts\">\n<h2>Over time</h2>\n<p "
                  "class=\"note\">Seconds since each run's first interval "
                  "began.</p>\n",
                  html::ComparisonCharts(base, next), "</section>\n");
  out += "<footer>Written by rig-coordinator report compare.</footer>\n";
  return out + "</body>\n</html>\n";
}

}  // namespace rig::coordinator
