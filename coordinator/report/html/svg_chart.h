#pragma once

// The chart engine of the HTML report: draws one time chart as inline SVG
// (plot area, grid, axis ticks and titles, legend, breaker events as dashed
// vertical lines, scenario rounds as bars in a lane under the plot, faults
// as shaded bands across it, one
// polyline per series with hover markers) followed by its exact data as a
// <script type="application/json"> block. Knows nothing of the report: the
// chart definitions (charts.h) hand it ready points. Pure; thread-safe.

#include <string>
#include <utility>
#include <vector>

namespace rig::coordinator::html {

enum class AxisFormat {
  kCompact,  // 1.5k, 2M
  kPlain,    // 4 significant digits
  kPercent,  // a fraction shown as a percentage
};

struct Series {
  std::string name;   // in the JSON block and data-series
  std::string label;  // in the legend
  std::string color;
  std::vector<std::pair<double, double>> points;  // (t seconds, value)
};

struct Chart {
  std::string name;  // id="chart-NAME": throughput, latency, error-rate
  std::string title;
  std::string unit;
  AxisFormat format;
  std::vector<Series> series;
};

// A breaker transition: a dashed vertical line at t.
struct BreakerMark {
  double t;
  std::string agent;
  std::string target;
  std::string from;  // BreakerWord: closed, open, half-open
  std::string to;
  std::string reason;
  std::string color;
};

// A round of a scenario run alongside the load: a bar along the bottom of
// the chart from its start to its end.
struct RoundMark {
  double t0;
  double t1;
  std::string agent;
  std::string kind;
  int round;
  std::string result;  // passed, failed, error, skipped
  std::string color;
  std::string detail;  // the first failed check or the error
};

// A fault (plan.faults): a shaded band across the plot from its start to
// its end, with its name, action and outcome on hover.
struct FaultMark {
  double t0;
  double t1;
  std::string name;    // "fault 1 \"stop db\" #1"
  std::string detail;  // action, outcome, recovery
  bool ok = true;      // every step succeeded
};

// What every chart of a page shares: the time span [t0, t1] (t1 > t0) on
// the coordinator's timeline, in seconds, and the marks drawn on it.
struct Timeline {
  double t0;
  double t1;
  std::vector<BreakerMark> breakers;
  std::vector<RoundMark> rounds;
  std::vector<FaultMark> faults;
};

// <figure class="chart" id="chart-NAME"> with the SVG and the JSON block.
std::string RenderChart(const Chart& chart, const Timeline& timeline);

}  // namespace rig::coordinator::html
