// The HTML report page (html.h): the document around the sections, and its
// style sheet. The sections are in sections.cc, the charts in charts.cc.

#include "absl/strings/str_cat.h"
#include "coordinator/report/html.h"
#include "coordinator/report/html/charts.h"
#include "coordinator/report/html/escape.h"
#include "coordinator/report/html/format.h"
#include "coordinator/report/html/sections.h"

namespace rig::coordinator {
namespace {

constexpr char kStyle[] = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica,
  Arial, sans-serif; margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px;
  color: #1d2733; background: #fff; font-size: 14px; }
h1 { font-size: 22px; margin: 8px 0; display: flex; gap: 12px;
  align-items: center; flex-wrap: wrap; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px;
  border-bottom: 1px solid #d5dbe3; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 4px;
  font-size: 13px; font-weight: 600; color: #fff; letter-spacing: .02em; }
h1 .badge { font-size: 15px; padding: 4px 12px; }
.good { background: #2e7d32; } .bad { background: #c62828; }
.warn { background: #ef6c00; } .neutral { background: #607080; }
dl.run-info { display: grid; grid-template-columns: max-content 1fr max-content 1fr;
  gap: 4px 16px; margin: 12px 0; }
dl.run-info dt { color: #5a6878; } dl.run-info dd { margin: 0; }
.error-box { border: 1px solid #e5a0a0; background: #fdf0f0; color: #8a1c1c;
  padding: 8px 12px; border-radius: 4px; white-space: pre-wrap;
  font-family: ui-monospace, Menlo, Consolas, monospace; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e3e8ee; text-align: left;
  vertical-align: top; }
th { background: #f3f5f8; font-weight: 600; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.msg { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px;
  white-space: pre-wrap; word-break: break-word; max-width: 520px; }
.note { color: #5a6878; font-style: italic; }
figure.chart { margin: 8px 0 20px; }
figure.chart figcaption { font-weight: 600; margin-bottom: 2px; }
svg { display: block; max-width: 960px; font-size: 11px; }
svg .plot { fill: #fcfdfe; stroke: none; }
svg .grid line { stroke: #e3e8ee; stroke-width: 1; }
svg .axis { stroke: #5a6878; stroke-width: 1; }
svg .tick { fill: #5a6878; }
svg .axis-title { fill: #3a4654; font-size: 12px; }
svg .series-line { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg .breaker-line { stroke-width: 1.5; stroke-dasharray: 4 3; }
svg .hover { stroke: transparent; stroke-width: 8; }
svg .legend text { fill: #1d2733; font-size: 12px; }
footer { margin-top: 32px; color: #7a8796; font-size: 12px; }
)css";

}  // namespace

namespace html {
const char* PageStyle() { return kStyle; }
}  // namespace html

std::string HtmlWriter::Render(const rig::v1::Report& r) const {
  using html::H;
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>",
      H(html::PlanName(r)), " &#8211; ", H(html::LookOf(r.status()).word),
      " &#8211; run ", H(r.run_id()), "</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n");
  out += html::Header(r);
  out += html::Totals(r);
  absl::StrAppend(&out, "<section id=\"charts\">\n<h2>Over time</h2>\n",
                  html::Charts(r), "</section>\n");
  out += html::FaultTable(r);
  out += html::BreakerTable(r);
  out += html::Agents(r);
  out += html::Operations(r);
  out += html::Endpoints(r);
  out += html::Thresholds(r);
  out += html::Errors(r);
  out += html::ScenarioRounds(r);
  out += html::Verification(r);
  absl::StrAppend(&out, "<footer>Written by rig-coordinator ",
                  H(r.tool_version()), ", report schema ", r.schema_version(),
                  ".</footer>\n</body>\n</html>\n");
  return out;
}

std::string RenderHtmlReport(const rig::v1::Report& report) {
  return HtmlWriter().Render(report);
}

}  // namespace rig::coordinator
