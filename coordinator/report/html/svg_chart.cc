#include "coordinator/report/html/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/base/duration.h"
#include "coordinator/report/html/escape.h"
#include "coordinator/report/html/format.h"

namespace rig::coordinator::html {
namespace {

// Above this many points per series, markers would bury the line (and
// bloat the page); the polyline and the JSON block still hold every point.
constexpr int kMaxMarkers = 300;

constexpr double kWidth = 960;
constexpr double kHeight = 300;
constexpr double kLeft = 72;
constexpr double kRight = 20;
constexpr double kTop = 40;
constexpr double kBottom = 44;

// Height of the lane of scenario rounds under a chart (none without rounds).
double RoundLane(const std::vector<RoundMark>& rounds) {
  return rounds.empty() ? 0 : 14;
}

// 1, 2 or 5 times a power of ten, near `raw`.
double NiceStep(double raw) {
  if (!(raw > 0)) return 1;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
}

// Steps a reader counts time in (seconds), at most ~10 ticks per axis.
double TimeStep(double span) {
  static constexpr double kSteps[] = {
      0.001, 0.002, 0.005, 0.01, 0.02, 0.05,  0.1,   0.2,   0.5,
      1,     2,     5,     10,   15,   30,    60,    120,   300,
      600,   900,   1800,  3600, 7200, 10800, 21600, 43200, 86400};
  for (double s : kSteps) {
    if (span / s <= 10) return s;
  }
  return NiceStep(span / 10);
}

std::string TimeLabel(double seconds) {
  return rig::FormatDuration(
      absl::Microseconds(static_cast<int64_t>(std::llround(seconds * 1e6))));
}

std::string AxisLabel(double v, AxisFormat f) {
  switch (f) {
    case AxisFormat::kCompact:
      if (std::fabs(v) >= 1e6) return absl::StrFormat("%.4gM", v / 1e6);
      if (std::fabs(v) >= 1e3) return absl::StrFormat("%.4gk", v / 1e3);
      return absl::StrFormat("%.4g", v);
    case AxisFormat::kPlain:
      return absl::StrFormat("%.4g", v);
    case AxisFormat::kPercent:
      return absl::StrFormat("%.4g%%", v * 100);
  }
  return "";
}

std::string ValueLabel(double v, const Chart& c) {
  if (c.format == AxisFormat::kPercent) return Percent(v);
  return absl::StrCat(absl::StrFormat("%.6g", v), " ", c.unit);
}

// "[" one(items[0]) "," one(items[1]) ... "]".
template <typename T, typename F>
std::string JsonList(const std::vector<T>& items, F one) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StrAppend(&out, i ? "," : "", one(items[i]));
  }
  return out + "]";
}

std::string ChartJson(const Chart& c, const Timeline& tl) {
  auto point = [](const std::pair<double, double>& p) {
    return absl::StrCat("[", JsonNumber(p.first), ",", JsonNumber(p.second),
                        "]");
  };
  auto series = [&point](const Series& s) {
    return absl::StrCat("{\"name\":", JsonString(s.name),
                        ",\"points\":", JsonList(s.points, point), "}");
  };
  auto breaker = [](const BreakerMark& m) {
    return absl::StrCat(
        "{\"t\":", JsonNumber(m.t), ",\"agent\":", JsonString(m.agent),
        ",\"target\":", JsonString(m.target), ",\"from\":", JsonString(m.from),
        ",\"to\":", JsonString(m.to), ",\"reason\":", JsonString(m.reason),
        "}");
  };
  auto round = [](const RoundMark& m) {
    return absl::StrCat(
        "{\"t0\":", JsonNumber(m.t0), ",\"t1\":", JsonNumber(m.t1),
        ",\"agent\":", JsonString(m.agent), ",\"kind\":", JsonString(m.kind),
        ",\"round\":", m.round, ",\"result\":", JsonString(m.result), "}");
  };
  auto fault = [](const FaultMark& m) {
    return absl::StrCat("{\"t0\":", JsonNumber(m.t0),
                        ",\"t1\":", JsonNumber(m.t1),
                        ",\"name\":", JsonString(m.name),
                        ",\"ok\":", m.ok ? "true" : "false", "}");
  };
  return absl::StrCat("{\"chart\":", JsonString(c.name),
                      ",\"unit\":", JsonString(c.unit),
                      ",\"series\":", JsonList(c.series, series),
                      ",\"breaker_events\":", JsonList(tl.breakers, breaker),
                      ",\"scenario_rounds\":", JsonList(tl.rounds, round),
                      ",\"faults\":", JsonList(tl.faults, fault), "}");
}

// The plot area of one chart: its size, the value axis' step and top, and
// the mapping from (t, value) to SVG coordinates.
class Plot {
 public:
  Plot(const Chart& c, const Timeline& tl) : t0_(tl.t0), t1_(tl.t1) {
    double vmax = 0;
    for (const Series& s : c.series) {
      for (const auto& p : s.points) {
        if (std::isfinite(p.second)) vmax = std::max(vmax, p.second);
      }
    }
    ystep_ = NiceStep((vmax > 0 ? vmax : 1) / 5);
    ytop_ = std::max(ystep_, std::ceil(vmax / ystep_) * ystep_);
  }

  static constexpr double kW = kWidth - kLeft - kRight;
  static constexpr double kH = kHeight - kTop - kBottom;
  double t0() const { return t0_; }
  double t1() const { return t1_; }
  double ystep() const { return ystep_; }
  double ytop() const { return ytop_; }
  double X(double t) const { return kLeft + (t - t0_) / (t1_ - t0_) * kW; }
  double Y(double v) const {
    if (!std::isfinite(v)) v = 0;
    return kTop + kH - std::clamp(v / ytop_, 0.0, 1.0) * kH;
  }

 private:
  double t0_, t1_, ystep_, ytop_;
};

// Y grid and labels; x ticks and labels on round times of the
// coordinator's timeline; both axes and their titles.
std::string Axes(const Plot& p, const Chart& c) {
  const double pw = Plot::kW, ph = Plot::kH;
  std::string out = "<g class=\"grid y\">";
  for (int i = 0; i * p.ystep() <= p.ytop() * (1 + 1e-9); ++i) {
    const double v = i * p.ystep();
    const double y = p.Y(v);
    absl::StrAppend(
        &out,
        absl::StrFormat("<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\"/>",
                        kLeft, y, kLeft + pw, y),
        absl::StrFormat("<text class=\"tick\" x=\"%g\" y=\"%.1f\" "
                        "text-anchor=\"end\" dy=\"0.32em\">%s</text>",
                        kLeft - 6, y, H(AxisLabel(v, c.format))));
  }
  out += "</g>\n";

  const double xstep = TimeStep(p.t1() - p.t0());
  out += "<g class=\"grid x\">";
  for (double t = std::ceil(p.t0() / xstep - 1e-9) * xstep; t <= p.t1() + 1e-9;
       t += xstep) {
    const double x = p.X(t);
    absl::StrAppend(
        &out,
        absl::StrFormat("<line x1=\"%.1f\" y1=\"%g\" x2=\"%.1f\" y2=\"%g\"/>",
                        x, kTop + ph, x, kTop + ph + 5),
        absl::StrFormat("<text class=\"tick\" x=\"%.1f\" y=\"%g\" "
                        "text-anchor=\"middle\">%s</text>",
                        x, kTop + ph + 18, H(TimeLabel(t))));
  }
  out += "</g>\n";
  absl::StrAppend(
      &out,
      absl::StrFormat("<line class=\"axis\" x1=\"%g\" y1=\"%g\" x2=\"%g\" "
                      "y2=\"%g\"/><line class=\"axis\" x1=\"%g\" y1=\"%g\" "
                      "x2=\"%g\" y2=\"%g\"/>\n",
                      kLeft, kTop, kLeft, kTop + ph, kLeft, kTop + ph,
                      kLeft + pw, kTop + ph),
      absl::StrFormat("<text class=\"axis-title\" x=\"%g\" y=\"%g\" "
                      "text-anchor=\"middle\">time since start</text>\n",
                      kLeft + pw / 2, kHeight - 6),
      absl::StrFormat("<text class=\"axis-title\" x=\"14\" y=\"%g\" "
                      "text-anchor=\"middle\" transform=\"rotate(-90 14 %g)\">"
                      "%s</text>\n",
                      kTop + ph / 2, kTop + ph / 2, H(c.unit)));
  return out;
}

// Faults: bands across the whole plot, drawn first (under everything).
std::string Faults(const Plot& p, const Timeline& tl) {
  if (tl.faults.empty()) return "";
  std::string out = "<g class=\"faults\">";
  for (const FaultMark& m : tl.faults) {
    const double x0 = p.X(m.t0);
    const double w = std::max(2.0, p.X(m.t1) - x0);
    absl::StrAppend(
        &out,
        absl::StrFormat(
            "<rect class=\"fault-band\" x=\"%.1f\" y=\"%g\" width=\"%.1f\" "
            "height=\"%g\" fill=\"%s\" fill-opacity=\"0.15\" "
            "data-t0=\"%s\" data-t1=\"%s\"><title>%s (%s to %s): %s"
            "</title></rect>",
            x0, kTop, w, Plot::kH, m.ok ? "#9467bd" : "#d62728",
            JsonNumber(m.t0), JsonNumber(m.t1), H(m.name), H(TimeLabel(m.t0)),
            H(TimeLabel(m.t1)), H(m.detail)));
  }
  return out + "</g>\n";
}

// Breaker events, drawn under the series so the data stays readable.
std::string Breakers(const Plot& p, const Timeline& tl) {
  const double ph = Plot::kH;
  std::string out = "<g class=\"breakers\">";
  for (const BreakerMark& m : tl.breakers) {
    const double x = p.X(m.t);
    absl::StrAppend(
        &out,
        absl::StrFormat(
            "<g class=\"breaker-event\" data-t=\"%s\" data-agent=\"%s\" "
            "data-to=\"%s\"><title>%s: breaker %s &#8594; %s at %s%s</title>",
            JsonNumber(m.t), H(m.agent), H(m.to), H(m.agent), H(m.from),
            H(m.to), H(TimeLabel(m.t)),
            m.reason.empty() ? "" : absl::StrCat(" (", H(m.reason), ")")),
        // A wide transparent twin makes the 1.5px line easy to hover.
        absl::StrFormat("<line class=\"hover\" x1=\"%.1f\" y1=\"%g\" "
                        "x2=\"%.1f\" y2=\"%g\"/>",
                        x, kTop, x, kTop + ph),
        absl::StrFormat("<line class=\"breaker-line\" x1=\"%.1f\" y1=\"%g\" "
                        "x2=\"%.1f\" y2=\"%g\" stroke=\"%s\"/></g>",
                        x, kTop, x, kTop + ph, m.color));
  }
  return out + "</g>\n";
}

// Scenario rounds alongside the load: bars in a lane under the chart, on
// the same time axis. Nothing without rounds.
std::string Rounds(const Plot& p, const Timeline& tl) {
  if (tl.rounds.empty()) return "";
  std::string out = absl::StrCat(
      "<g class=\"scenario-rounds\">",
      absl::StrFormat("<text class=\"tick\" x=\"%g\" y=\"%g\" "
                      "text-anchor=\"end\" dy=\"0.32em\">rounds</text>",
                      kLeft - 6, kHeight + 6));
  for (const RoundMark& m : tl.rounds) {
    const double x0 = p.X(m.t0);
    const double w = std::max(2.0, p.X(m.t1) - x0);
    absl::StrAppend(
        &out, absl::StrFormat(
                  "<rect class=\"scenario-round\" x=\"%.1f\" y=\"%g\" "
                  "width=\"%.1f\" height=\"8\" fill=\"%s\" data-t0=\"%s\" "
                  "data-t1=\"%s\" data-result=\"%s\"><title>%s: %s round %d %s "
                  "(%s to %s)%s</title></rect>",
                  x0, kHeight + 2, w, m.color, JsonNumber(m.t0),
                  JsonNumber(m.t1), H(m.result), H(m.agent), H(m.kind), m.round,
                  H(m.result), H(TimeLabel(m.t0)), H(TimeLabel(m.t1)),
                  m.detail.empty() ? "" : absl::StrCat(": ", H(m.detail))));
  }
  return out + "</g>\n";
}

// Each series: the line, then markers with exact values on hover.
std::string Lines(const Plot& p, const Chart& c) {
  std::string out;
  for (const Series& s : c.series) {
    std::string pts;
    for (const auto& pt : s.points) {
      absl::StrAppend(
          &pts, pts.empty() ? "" : " ",
          absl::StrFormat("%.1f,%.1f", p.X(pt.first), p.Y(pt.second)));
    }
    absl::StrAppend(&out, absl::StrFormat("<polyline class=\"series-line\" "
                                          "data-series=\"%s\" stroke=\"%s\" "
                                          "points=\"%s\"/>\n",
                                          H(s.name), s.color, pts));
    if (s.points.size() > static_cast<size_t>(kMaxMarkers)) continue;
    absl::StrAppend(&out, "<g class=\"points\" data-series=\"", H(s.name),
                    "\" fill=\"", s.color, "\">");
    for (const auto& pt : s.points) {
      absl::StrAppend(
          &out,
          absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                          "data-t=\"%s\" data-v=\"%s\"><title>%s: %s %s"
                          "</title></circle>",
                          p.X(pt.first), p.Y(pt.second), JsonNumber(pt.first),
                          JsonNumber(pt.second), H(TimeLabel(pt.first)),
                          H(s.label), H(ValueLabel(pt.second, c))));
    }
    out += "</g>\n";
  }
  return out;
}

// The legend along the top, right-aligned in reading order: the series,
// then each breaker state and round result that occurs, once.
std::string Legend(const Chart& c, const Timeline& tl) {
  struct Entry {
    std::string label, color;
    bool dashed;
  };
  std::vector<Entry> entries;
  for (const Series& s : c.series) entries.push_back({s.label, s.color, false});
  std::set<std::string> breaker_states;
  for (const BreakerMark& m : tl.breakers) {
    // Every state other than open and half-open is drawn as "closed".
    const std::string key =
        m.to == "open" || m.to == "half-open" ? m.to : "closed";
    if (breaker_states.insert(key).second) {
      entries.push_back({"breaker " + m.to, m.color, true});
    }
  }
  std::set<std::string> round_results;
  for (const RoundMark& m : tl.rounds) {
    if (round_results.insert(m.result).second) {
      entries.push_back({"round " + m.result, m.color, false});
    }
  }
  double width = 0;
  for (const Entry& e : entries) width += 28 + 7.0 * e.label.size() + 16;
  double x = std::max(kLeft, kWidth - kRight - width);
  std::string out = "<g class=\"legend\">";
  for (const Entry& e : entries) {
    absl::StrAppend(
        &out,
        absl::StrFormat("<line x1=\"%.1f\" y1=\"20\" x2=\"%.1f\" y2=\"20\" "
                        "stroke=\"%s\" stroke-width=\"%s\"%s/>",
                        x, x + 22, e.color, e.dashed ? "1.5" : "2.5",
                        e.dashed ? " stroke-dasharray=\"4 3\"" : ""),
        absl::StrFormat("<text x=\"%.1f\" y=\"20\" dy=\"0.32em\">%s</text>",
                        x + 28, H(e.label)));
    x += 28 + 7.0 * e.label.size() + 16;
  }
  return out + "</g>\n";
}

}  // namespace

std::string RenderChart(const Chart& c, const Timeline& tl) {
  const Plot p(c, tl);
  std::string out = absl::StrCat(
      "<figure class=\"chart\" id=\"chart-", c.name, "\"><figcaption>",
      H(c.title), "</figcaption>\n",
      absl::StrFormat("<svg viewBox=\"0 0 %g %g\" width=\"100%%\" "
                      "role=\"img\" aria-label=\"%s\">\n",
                      kWidth, kHeight + RoundLane(tl.rounds), H(c.title)));
  absl::StrAppend(&out,
                  absl::StrFormat("<rect class=\"plot\" x=\"%g\" y=\"%g\" "
                                  "width=\"%g\" height=\"%g\"/>\n",
                                  kLeft, kTop, Plot::kW, Plot::kH));
  absl::StrAppend(&out, Faults(p, tl), Axes(p, c), Breakers(p, tl),
                  Rounds(p, tl), Lines(p, c), Legend(c, tl), "</svg>\n");
  absl::StrAppend(&out, "<script type=\"application/json\" id=\"chart-", c.name,
                  "-data\">", ChartJson(c, tl), "</script>\n</figure>\n");
  return out;
}

}  // namespace rig::coordinator::html
