// The HTML report. Over 1,000 lines because it does four jobs today:
// escaping, a small SVG chart engine, the chart definitions and the page.
// The planned split (issue 10): report writers behind one interface, charts
// as a table of specs, one escaper.

#include "coordinator/report/html.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/base/atomic_file.h"
#include "common/base/duration.h"
#include "common/base/proto_duration.h"
#include "coordinator/report/report.h"
#include "coordinator/results/rounds.h"

namespace rig::coordinator {
namespace {

// How many error samples the page lists (the JSON report keeps the first 100).
constexpr int kMaxSamples = 20;
// Above this many points per series, markers would bury the line (and
// bloat the page); the polyline and the JSON block still hold every point.
constexpr int kMaxMarkers = 300;

// ---- escaping and number formatting ----

std::string H(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// A JSON string that is also safe inside <script>: '<', '>' and '&' are
// written as \u escapes, so no report text can close the script element.
std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || c == '<' || c == '>' || c == '&') {
      out += absl::StrFormat("\\u%04x", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Shortest text that reads back as the same double, so a checker comparing
// the JSON to the report sees exact values.
std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  for (int precision : {15, 16, 17}) {
    std::string s = absl::StrFormat("%.*g", precision, v);
    if (std::strtod(s.c_str(), nullptr) == v) return s;
  }
  return absl::StrFormat("%.17g", v);
}

std::string Grouped(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string Rate(double v) { return absl::StrFormat("%.1f", v); }

std::string Percent(double fraction) {
  if (fraction == 0) return "0%";
  return absl::StrFormat("%.3g%%", fraction * 100);
}

// Fixed decimals line up in table columns.
std::string Seconds(int64_t us) { return absl::StrFormat("%.2fs", us / 1e6); }

std::string Timestamp(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "&ndash;";
  const absl::Time t =
      absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  return H(absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", t, absl::UTCTimeZone()));
}

// "STATE_WARMING_UP" -> "warming up": enum names without prefix, for people.
std::string EnumWord(const std::string& name, absl::string_view prefix) {
  absl::string_view s = name;
  if (s.substr(0, prefix.size()) == prefix) s.remove_prefix(prefix.size());
  if (s.empty() || s == "UNSPECIFIED") return "unknown";
  std::string out = absl::AsciiStrToLower(s);
  std::replace(out.begin(), out.end(), '_', ' ');
  return out;
}

std::string StateWord(rig::v1::State s) {
  return EnumWord(rig::v1::State_Name(s), "STATE_");
}

std::string BreakerWord(rig::v1::BreakerState s) {
  std::string w = EnumWord(rig::v1::BreakerState_Name(s), "BREAKER_STATE_");
  std::replace(w.begin(), w.end(), ' ', '-');
  return w;
}

std::string CheckWord(rig::v1::CheckStatus s) {
  return EnumWord(rig::v1::CheckStatus_Name(s), "CHECK_STATUS_");
}

struct StatusLook {
  const char* word;
  const char* css;
};

StatusLook LookOf(rig::v1::RunStatus s) {
  switch (s) {
    case rig::v1::RUN_STATUS_PASSED:
      return {"PASSED", "good"};
    case rig::v1::RUN_STATUS_THRESHOLDS_FAILED:
      return {"THRESHOLDS FAILED", "bad"};
    case rig::v1::RUN_STATUS_VERIFICATION_FAILED:
      return {"VERIFICATION FAILED", "bad"};
    case rig::v1::RUN_STATUS_INCOMPLETE:
      return {"INCOMPLETE", "warn"};
    default:
      return {"UNKNOWN", "neutral"};
  }
}

std::string Badge(absl::string_view word, absl::string_view css) {
  return absl::StrCat("<span class=\"badge ", css, "\">", H(word), "</span>");
}

std::string CheckBadge(rig::v1::CheckStatus s) {
  const char* css = s == rig::v1::CHECK_STATUS_PASSED   ? "good"
                    : s == rig::v1::CHECK_STATUS_FAILED ? "bad"
                                                        : "neutral";
  return Badge(CheckWord(s), css);
}

// ---- tables ----

// Cells are HTML already; callers escape report text with H().
class Table {
 public:
  Table(std::string css, std::vector<std::string> headers,
        std::vector<bool> numeric)
      : css_(std::move(css)),
        headers_(std::move(headers)),
        numeric_(std::move(numeric)) {}
  void Row(std::vector<std::string> cells) {
    rows_.push_back(std::move(cells));
  }
  std::string Html() const {
    std::string out = absl::StrCat("<table class=\"", css_, "\"><thead><tr>");
    for (size_t i = 0; i < headers_.size(); ++i) {
      absl::StrAppend(&out, "<th", Num(i), ">", headers_[i], "</th>");
    }
    out += "</tr></thead><tbody>\n";
    for (const auto& row : rows_) {
      out += "<tr>";
      for (size_t i = 0; i < row.size(); ++i) {
        absl::StrAppend(&out, "<td", Num(i), ">", row[i], "</td>");
      }
      out += "</tr>\n";
    }
    return out + "</tbody></table>\n";
  }

 private:
  const char* Num(size_t i) const {
    return i < numeric_.size() && numeric_[i] ? " class=\"num\"" : "";
  }
  std::string css_;
  std::vector<std::string> headers_;
  std::vector<bool> numeric_;
  std::vector<std::vector<std::string>> rows_;
};

// ---- charts ----

struct Series {
  std::string name;   // in the JSON block and data-series
  std::string label;  // in the legend
  std::string color;
  std::vector<std::pair<double, double>> points;  // (t seconds, value)
};

enum class AxisFormat { kCompact, kPlain, kPercent };

struct Chart {
  std::string name;  // throughput, latency, error-rate
  std::string title;
  std::string unit;
  AxisFormat format;
  std::vector<Series> series;
};

struct Marker {
  double t;
  std::string agent;
  std::string target;
  std::string from;
  std::string to;
  std::string reason;
  std::string color;
};

// A round of a scenario run alongside the load: a bar along the bottom of
// every chart from its start to its end.
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

std::string ChartJson(const Chart& c, const std::vector<Marker>& markers,
                      const std::vector<RoundMark>& rounds) {
  std::string out =
      absl::StrCat("{\"chart\":", JsonString(c.name),
                   ",\"unit\":", JsonString(c.unit), ",\"series\":[");
  for (size_t i = 0; i < c.series.size(); ++i) {
    const Series& s = c.series[i];
    absl::StrAppend(&out, i ? "," : "", "{\"name\":", JsonString(s.name),
                    ",\"points\":[");
    for (size_t j = 0; j < s.points.size(); ++j) {
      absl::StrAppend(&out, j ? "," : "", "[", JsonNumber(s.points[j].first),
                      ",", JsonNumber(s.points[j].second), "]");
    }
    out += "]}";
  }
  out += "],\"breaker_events\":[";
  for (size_t i = 0; i < markers.size(); ++i) {
    const Marker& m = markers[i];
    absl::StrAppend(&out, i ? "," : "", "{\"t\":", JsonNumber(m.t),
                    ",\"agent\":", JsonString(m.agent),
                    ",\"target\":", JsonString(m.target),
                    ",\"from\":", JsonString(m.from),
                    ",\"to\":", JsonString(m.to),
                    ",\"reason\":", JsonString(m.reason), "}");
  }
  out += "],\"scenario_rounds\":[";
  for (size_t i = 0; i < rounds.size(); ++i) {
    const RoundMark& m = rounds[i];
    absl::StrAppend(&out, i ? "," : "", "{\"t0\":", JsonNumber(m.t0),
                    ",\"t1\":", JsonNumber(m.t1),
                    ",\"agent\":", JsonString(m.agent),
                    ",\"kind\":", JsonString(m.kind), ",\"round\":", m.round,
                    ",\"result\":", JsonString(m.result), "}");
  }
  return out + "]}";
}

// One chart: SVG (axes, grid, ticks, legend, breaker lines, series) and its
// JSON block. [t0, t1] is the time span shared by all charts, t1 > t0.
std::string RenderChart(const Chart& c, double t0, double t1,
                        const std::vector<Marker>& markers,
                        const std::vector<RoundMark>& rounds) {
  const double pw = kWidth - kLeft - kRight;
  const double ph = kHeight - kTop - kBottom;
  double vmax = 0;
  for (const Series& s : c.series) {
    for (const auto& p : s.points) {
      if (std::isfinite(p.second)) vmax = std::max(vmax, p.second);
    }
  }
  const double ystep = NiceStep((vmax > 0 ? vmax : 1) / 5);
  const double ytop = std::max(ystep, std::ceil(vmax / ystep) * ystep);
  auto X = [&](double t) { return kLeft + (t - t0) / (t1 - t0) * pw; };
  auto Y = [&](double v) {
    if (!std::isfinite(v)) v = 0;
    return kTop + ph - std::clamp(v / ytop, 0.0, 1.0) * ph;
  };

  std::string out = absl::StrCat(
      "<figure class=\"chart\" id=\"chart-", c.name, "\"><figcaption>",
      H(c.title), "</figcaption>\n",
      absl::StrFormat("<svg viewBox=\"0 0 %g %g\" width=\"100%%\" "
                      "role=\"img\" aria-label=\"%s\">\n",
                      kWidth, kHeight + RoundLane(rounds), H(c.title)));
  absl::StrAppend(&out,
                  absl::StrFormat("<rect class=\"plot\" x=\"%g\" y=\"%g\" "
                                  "width=\"%g\" height=\"%g\"/>\n",
                                  kLeft, kTop, pw, ph));

  // Y grid and labels.
  out += "<g class=\"grid y\">";
  for (int i = 0; i * ystep <= ytop * (1 + 1e-9); ++i) {
    const double v = i * ystep;
    const double y = Y(v);
    absl::StrAppend(
        &out,
        absl::StrFormat("<line x1=\"%g\" y1=\"%.1f\" x2=\"%g\" y2=\"%.1f\"/>",
                        kLeft, y, kLeft + pw, y),
        absl::StrFormat("<text class=\"tick\" x=\"%g\" y=\"%.1f\" "
                        "text-anchor=\"end\" dy=\"0.32em\">%s</text>",
                        kLeft - 6, y, H(AxisLabel(v, c.format))));
  }
  out += "</g>\n";

  // X ticks and labels, on round times of the coordinator's timeline.
  const double xstep = TimeStep(t1 - t0);
  out += "<g class=\"grid x\">";
  for (double t = std::ceil(t0 / xstep - 1e-9) * xstep; t <= t1 + 1e-9;
       t += xstep) {
    const double x = X(t);
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

  // Breaker events under the series, so the data stays readable.
  out += "<g class=\"breakers\">";
  for (const Marker& m : markers) {
    const double x = X(m.t);
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
  out += "</g>\n";

  // Scenario rounds alongside the load: bars in a lane under the chart, on
  // the same time axis.
  if (!rounds.empty()) {
    absl::StrAppend(
        &out, "<g class=\"scenario-rounds\">",
        absl::StrFormat("<text class=\"tick\" x=\"%g\" y=\"%g\" "
                        "text-anchor=\"end\" dy=\"0.32em\">rounds</text>",
                        kLeft - 6, kHeight + 6));
    for (const RoundMark& m : rounds) {
      const double x0 = X(m.t0);
      const double w = std::max(2.0, X(m.t1) - x0);
      absl::StrAppend(
          &out,
          absl::StrFormat(
              "<rect class=\"scenario-round\" x=\"%.1f\" y=\"%g\" "
              "width=\"%.1f\" height=\"8\" fill=\"%s\" data-t0=\"%s\" "
              "data-t1=\"%s\" data-result=\"%s\"><title>%s: %s round %d %s "
              "(%s to %s)%s</title></rect>",
              x0, kHeight + 2, w, m.color, JsonNumber(m.t0), JsonNumber(m.t1),
              H(m.result), H(m.agent), H(m.kind), m.round, H(m.result),
              H(TimeLabel(m.t0)), H(TimeLabel(m.t1)),
              m.detail.empty() ? "" : absl::StrCat(": ", H(m.detail))));
    }
    out += "</g>\n";
  }

  // Series: the line, then markers with exact values on hover.
  for (const Series& s : c.series) {
    std::string pts;
    for (const auto& p : s.points) {
      absl::StrAppend(&pts, pts.empty() ? "" : " ",
                      absl::StrFormat("%.1f,%.1f", X(p.first), Y(p.second)));
    }
    absl::StrAppend(&out, absl::StrFormat("<polyline class=\"series-line\" "
                                          "data-series=\"%s\" stroke=\"%s\" "
                                          "points=\"%s\"/>\n",
                                          H(s.name), s.color, pts));
    if (s.points.size() > static_cast<size_t>(kMaxMarkers)) continue;
    absl::StrAppend(&out, "<g class=\"points\" data-series=\"", H(s.name),
                    "\" fill=\"", s.color, "\">");
    for (const auto& p : s.points) {
      absl::StrAppend(
          &out, absl::StrFormat("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" "
                                "data-t=\"%s\" data-v=\"%s\"><title>%s: %s %s"
                                "</title></circle>",
                                X(p.first), Y(p.second), JsonNumber(p.first),
                                JsonNumber(p.second), H(TimeLabel(p.first)),
                                H(s.label), H(ValueLabel(p.second, c))));
    }
    out += "</g>\n";
  }

  // Legend along the top, right-aligned in reading order.
  struct Entry {
    std::string label, color;
    bool dashed;
  };
  std::vector<Entry> entries;
  for (const Series& s : c.series) entries.push_back({s.label, s.color, false});
  bool seen_open = false, seen_half = false, seen_closed = false;
  for (const Marker& m : markers) {
    bool* seen = m.to == "open"        ? &seen_open
                 : m.to == "half-open" ? &seen_half
                                       : &seen_closed;
    if (*seen) continue;
    *seen = true;
    entries.push_back({"breaker " + m.to, m.color, true});
  }
  std::set<std::string> round_results;
  for (const RoundMark& m : rounds) {
    if (round_results.insert(m.result).second) {
      entries.push_back({"round " + m.result, m.color, false});
    }
  }
  double width = 0;
  for (const Entry& e : entries) width += 28 + 7.0 * e.label.size() + 16;
  double x = std::max(kLeft, kWidth - kRight - width);
  out += "<g class=\"legend\">";
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
  out += "</g>\n</svg>\n";

  absl::StrAppend(&out, "<script type=\"application/json\" id=\"chart-", c.name,
                  "-data\">", ChartJson(c, markers, rounds),
                  "</script>\n</figure>\n");
  return out;
}

std::string MarkerColor(const std::string& to) {
  if (to == "open") return "#d62728";
  if (to == "half-open") return "#ff9800";
  return "#2ca02c";
}

std::string Charts(const rig::v1::Report& r) {
  std::vector<Marker> markers;
  for (const auto& b : r.breaker_events()) {
    Marker m;
    m.t = b.offset_us() / 1e6;
    m.agent = b.agent();
    m.target = b.event().target();
    m.from = BreakerWord(b.event().from());
    m.to = BreakerWord(b.event().to());
    m.reason = b.event().reason();
    m.color = MarkerColor(m.to);
    markers.push_back(std::move(m));
  }
  std::vector<RoundMark> rounds;
  for (const auto& rec : r.scenario_rounds()) {
    const rig::v1::ScenarioRound& round = rec.round();
    RoundMark m;
    m.t0 = round.start_offset_us() / 1e6;
    m.t1 = round.end_offset_us() / 1e6;
    m.agent = rec.agent();
    m.kind = round.kind();
    m.round = round.round();
    m.result = RoundResult(round);
    m.color = m.result == "passed"   ? "#2ca02c"
              : m.result == "failed" ? "#d62728"
                                     : "#8c8c8c";
    m.detail = RoundDetail(round);
    rounds.push_back(std::move(m));
  }
  if (r.intervals().empty()) {
    return "<p class=\"note no-intervals\">No intervals were recorded, so "
           "there is nothing to chart.</p>\n";
  }

  Chart throughput{"throughput",
                   "Throughput",
                   "ops/s",
                   AxisFormat::kCompact,
                   {{"ops_per_sec", "ops/s", "#1f77b4", {}}}};
  Chart latency{"latency",
                "Latency (response time)",
                "ms",
                AxisFormat::kPlain,
                {{"p50", "p50", "#17becf", {}}, {"p99", "p99", "#9467bd", {}}}};
  Chart errors{"error-rate",
               "Error rate per interval",
               "errors / attempts",
               AxisFormat::kPercent,
               {{"error_rate", "error rate", "#8c564b", {}}}};

  // The stub of an interval left when the load stops (a few ms, its end
  // after the workers were joined) is in the totals and the JSON, but
  // plotted it reads as a collapse of throughput at the end.
  const int64_t nominal_us = absl::ToInt64Microseconds(
      FromProto(r.plan().load().report_interval(), absl::Seconds(1)));
  const rig::v1::IntervalReport& last = *r.intervals().rbegin();
  const int64_t last_us = last.end_offset_us() - last.start_offset_us();
  const bool skip_last = r.intervals_size() > 1 && last_us < nominal_us / 2;
  double t0 = INFINITY, t1 = -INFINITY;
  for (const auto& iv : r.intervals()) {
    if (skip_last && &iv == &last) break;
    const double t = iv.end_offset_us() / 1e6;
    t0 = std::min(t0, iv.start_offset_us() / 1e6);
    t1 = std::max(t1, t);
    throughput.series[0].points.emplace_back(t, iv.ops_per_sec());
    latency.series[0].points.emplace_back(t, iv.latency().p50_us() / 1e3);
    latency.series[1].points.emplace_back(t, iv.latency().p99_us() / 1e3);
    const double attempts = static_cast<double>(iv.counters().ops()) +
                            static_cast<double>(iv.counters().errors());
    errors.series[0].points.emplace_back(
        t, attempts > 0 ? static_cast<double>(iv.counters().errors()) / attempts
                        : 0.0);
  }
  // Breaker events outside the measured phase (e.g. during warm-up) still
  // belong on the timeline.
  for (const Marker& m : markers) {
    t0 = std::min(t0, m.t);
    t1 = std::max(t1, m.t);
  }
  // So are rounds that finished after the load stopped.
  for (const RoundMark& m : rounds) {
    t0 = std::min(t0, m.t0);
    t1 = std::max(t1, m.t1);
  }
  if (!(t1 > t0)) t1 = t0 + 1;  // one zero-length interval: no zero span

  std::string out =
      absl::StrCat(RenderChart(throughput, t0, t1, markers, rounds),
                   RenderChart(latency, t0, t1, markers, rounds),
                   RenderChart(errors, t0, t1, markers, rounds));
  if (skip_last) {
    absl::StrAppend(&out, "<p class=\"note partial-interval\">The last ",
                    absl::StrFormat("%.3f", last_us / 1e6),
                    " s (a partial interval as the load stopped, ",
                    Grouped(last.counters().ops()),
                    " ops) are in the totals but not plotted.</p>\n");
  }
  return out;
}

// ---- sections ----

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

std::string Header(const rig::v1::Report& r) {
  const StatusLook look = LookOf(r.status());
  const std::string plan =
      r.plan().name().empty() ? "(unnamed plan)" : r.plan().name();
  std::string out = absl::StrCat("<header>\n<h1><span class=\"plan\">", H(plan),
                                 "</span> ", Badge(look.word, look.css));
  if (r.degraded()) {
    absl::StrAppend(&out,
                    " <span class=\"badge warn degraded\" title=\"Agents "
                    "were lost; results cover the rest\">DEGRADED</span>");
  }
  out += "</h1>\n<dl class=\"run-info\">\n";
  auto Item = [&out](absl::string_view k, const std::string& v_html) {
    absl::StrAppend(&out, "<dt>", k, "</dt><dd>", v_html, "</dd>\n");
  };
  int lost = 0;
  for (const auto& a : r.agents()) lost += a.lost() ? 1 : 0;
  Item("Run id", H(r.run_id()));
  Item("Status", H(look.word));
  Item("Workload", H(r.plan().workload().kind()));
  Item("Connections", Grouped(r.plan().load().connections()));
  Item("Agents", absl::StrCat(r.agents_size(),
                              lost ? absl::StrCat(" (", lost, " lost)") : ""));
  Item("Measured", H(Seconds(r.total().measured_us())));
  Item("Started", Timestamp(r.started_at()));
  Item("Finished", Timestamp(r.finished_at()));
  Item("Server",
       r.server().flavor().empty()
           ? std::string("&ndash;")
           : H(absl::StrCat(r.server().flavor(), " ", r.server().version())));
  Item("Tool version", H(r.tool_version()));
  Item("Degraded", r.degraded() ? "yes" : "no");
  Item("Exit code", absl::StrCat(r.exit_code()));
  out += "</dl>\n";
  if (!r.error().empty()) {
    absl::StrAppend(&out, "<div class=\"error-box run-error\">", H(r.error()),
                    "</div>\n");
  }
  return out + "</header>\n";
}

std::string LatencyRow(absl::string_view what, const rig::v1::Latency& l) {
  return absl::StrCat(
      "<tr><td>", what, "</td><td class=\"num\">", Grouped(l.count()),
      "</td><td class=\"num\">", FormatMicros(l.min_us()),
      "</td><td class=\"num\">",
      FormatMicros(static_cast<int64_t>(std::llround(l.mean_us()))),
      "</td><td class=\"num\">", FormatMicros(l.p50_us()),
      "</td><td class=\"num\">", FormatMicros(l.p90_us()),
      "</td><td class=\"num\">", FormatMicros(l.p95_us()),
      "</td><td class=\"num\">", FormatMicros(l.p99_us()),
      "</td><td class=\"num\">", FormatMicros(l.p999_us()),
      "</td><td class=\"num\">", FormatMicros(l.max_us()), "</td></tr>\n");
}

std::string Totals(const rig::v1::Report& r) {
  const rig::v1::Summary& t = r.total();
  const rig::v1::Counters& c = t.counters();
  Table table("totals",
              {"ops", "ops/s", "queries/s", "errors", "error rate", "retries",
               "reconnects", "rows"},
              {true, true, true, true, true, true, true, true});
  table.Row({Grouped(c.ops()), Rate(t.ops_per_sec()), Rate(t.queries_per_sec()),
             Grouped(c.errors()), Percent(t.error_rate()), Grouped(c.retries()),
             Grouped(c.reconnects()), Grouped(c.rows())});
  std::string out =
      absl::StrCat("<section id=\"totals\">\n<h2>Totals</h2>\n", table.Html());
  out +=
      "<table class=\"latency\"><thead><tr><th>latency</th><th "
      "class=\"num\">count</th><th class=\"num\">min</th><th "
      "class=\"num\">mean</th><th class=\"num\">p50</th><th "
      "class=\"num\">p90</th><th class=\"num\">p95</th><th "
      "class=\"num\">p99</th><th class=\"num\">p99.9</th><th "
      "class=\"num\">max</th></tr></thead><tbody>\n";
  out += LatencyRow("response time", t.latency());
  // Service time differs from response time only in the open model.
  if (t.service_latency().count() > 0) {
    out += LatencyRow("service time", t.service_latency());
  }
  return out + "</tbody></table>\n</section>\n";
}

std::string BreakerTable(const rig::v1::Report& r) {
  std::string out =
      "<section id=\"breaker-events\">\n<h2>Circuit breaker events</h2>\n";
  if (r.breaker_events().empty()) {
    return out + "<p class=\"note\">No breaker transitions.</p>\n</section>\n";
  }
  Table table("breakers",
              {"time", "agent", "target", "transition", "reason",
               "failures / requests"},
              {true, false, false, false, false, true});
  for (const auto& b : r.breaker_events()) {
    const auto& e = b.event();
    table.Row(
        {Seconds(b.offset_us()), H(b.agent()), H(e.target()),
         absl::StrCat(H(BreakerWord(e.from())), " &#8594; ",
                      H(BreakerWord(e.to()))),
         H(e.reason()),
         absl::StrCat(Grouped(e.failures()), " / ", Grouped(e.requests()))});
  }
  return out + table.Html() + "</section>\n";
}

std::string Agents(const rig::v1::Report& r) {
  std::string out = "<section id=\"agents\">\n<h2>Agents</h2>\n";
  if (r.agents().empty()) {
    return out + "<p class=\"note\">No agents.</p>\n</section>\n";
  }
  Table table("agents",
              {"name", "address", "connections", "final state", "lost", "ops",
               "ops/s", "errors", "p50", "p99", "max", "error"},
              {false, false, true, false, false, true, true, true, true, true,
               true, false});
  for (const auto& a : r.agents()) {
    const auto& s = a.summary();
    table.Row(
        {H(a.name()), H(a.address()), Grouped(a.connections()),
         H(StateWord(a.final_state())), a.lost() ? Badge("LOST", "bad") : "no",
         Grouped(s.counters().ops()), Rate(s.ops_per_sec()),
         Grouped(s.counters().errors()), FormatMicros(s.latency().p50_us()),
         FormatMicros(s.latency().p99_us()), FormatMicros(s.latency().max_us()),
         absl::StrCat("<span class=\"msg\">", H(a.error()), "</span>")});
  }
  return out + table.Html() + "</section>\n";
}

std::string Thresholds(const rig::v1::Report& r) {
  std::string out = "<section id=\"thresholds\">\n<h2>Thresholds</h2>\n";
  if (r.thresholds().empty()) {
    return out +
           "<p class=\"note\">The plan sets no thresholds.</p>\n"
           "</section>\n";
  }
  Table table("thresholds", {"threshold", "verdict", "detail"}, {});
  for (const auto& v : r.thresholds()) {
    table.Row({absl::StrCat("<code>", H(v.expression()), "</code>"),
               v.passed() ? Badge("passed", "good") : Badge("FAILED", "bad"),
               H(v.message())});
  }
  return out + table.Html() + "</section>\n";
}

std::string Errors(const rig::v1::Report& r) {
  const rig::v1::Counters& c = r.total().counters();
  std::string out = "<section id=\"errors\">\n<h2>Errors</h2>\n";
  const double attempts =
      static_cast<double>(c.ops()) + static_cast<double>(c.errors());
  auto Share = [attempts](int64_t n) {
    return attempts > 0 ? Percent(static_cast<double>(n) / attempts)
                        : std::string("&ndash;");
  };

  out += "<h3>By class</h3>\n";
  if (c.errors_by_class().empty()) {
    out += "<p class=\"note\">None.</p>\n";
  } else {
    std::vector<std::pair<std::string, int64_t>> rows(
        c.errors_by_class().begin(), c.errors_by_class().end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    Table table("errors-by-class", {"class", "count", "of attempts"},
                {false, true, true});
    for (const auto& [name, n] : rows) {
      table.Row({H(name), Grouped(n), Share(n)});
    }
    out += table.Html();
  }

  out += "<h3>By server code</h3>\n";
  if (c.errors_by_code().empty()) {
    out += "<p class=\"note\">None.</p>\n";
  } else {
    std::vector<std::pair<int32_t, int64_t>> rows(c.errors_by_code().begin(),
                                                  c.errors_by_code().end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    Table table("errors-by-code", {"code", "count", "of attempts"},
                {true, true, true});
    for (const auto& [code, n] : rows) {
      table.Row({absl::StrCat(code), Grouped(n), Share(n)});
    }
    out += table.Html();
  }

  out += "<h3>Samples</h3>\n";
  const int total = r.error_samples_size();
  if (total == 0) {
    out += "<p class=\"note\">No error samples.</p>\n";
  } else {
    const int shown = std::min(total, kMaxSamples);
    if (shown < total) {
      absl::StrAppend(&out, "<p class=\"note\">The first ", shown, " of ",
                      total, " samples; the JSON report has them all.</p>\n");
    }
    Table table(
        "error-samples",
        {"time", "agent", "class", "operation", "state", "connection",
         "attempt", "code", "SQLSTATE", "message"},
        {true, false, false, false, false, true, true, true, false, false});
    for (int i = 0; i < shown; ++i) {
      const auto& rec = r.error_samples(i);
      const auto& s = rec.sample();
      const auto& ctx = s.context();
      table.Row(
          {Seconds(s.offset_us()),
           H(rec.agent().empty() ? ctx.agent() : rec.agent()),
           H(s.error_class()), H(ctx.operation()), H(StateWord(ctx.state())),
           absl::StrCat(ctx.connection_id()), absl::StrCat(ctx.attempt()),
           ctx.server_code() ? absl::StrCat(ctx.server_code()) : "",
           H(ctx.sqlstate()),
           absl::StrCat("<span class=\"msg\">", H(ctx.message()), "</span>")});
    }
    out += table.Html();
  }
  return out + "</section>\n";
}

std::string ScenarioRounds(const rig::v1::Report& r) {
  if (r.scenario_rounds().empty()) return "";
  std::string out =
      "<section id=\"scenario-rounds\">\n<h2>Scenarios alongside the "
      "load</h2>\n";
  Table table("rounds",
              {"time", "agent", "scenario", "round", "result", "took", "checks",
               "detail"},
              {true, false, false, true, false, true, true, false});
  // Every round that did not pass; passed ones up to a limit (a long run
  // with a short `every` has thousands; the JSON report has up to 2000).
  constexpr int kMaxPassedRows = 50;
  int passed_rows = 0, passed_left_out = 0;
  for (const auto& rec : r.scenario_rounds()) {
    const rig::v1::ScenarioRound& round = rec.round();
    if (round.status() == rig::v1::CHECK_STATUS_PASSED &&
        passed_rows++ >= kMaxPassedRows) {
      ++passed_left_out;
      continue;
    }
    table.Row(
        {Seconds(round.start_offset_us()), H(rec.agent()), H(round.kind()),
         absl::StrCat(round.round()),
         Badge(RoundResult(round),
               round.status() == rig::v1::CHECK_STATUS_PASSED   ? "good"
               : round.status() == rig::v1::CHECK_STATUS_FAILED ? "bad"
                                                                : "neutral"),
         Seconds(round.end_offset_us() - round.start_offset_us()),
         absl::StrCat(round.checks_size()),
         absl::StrCat("<span class=\"msg\">", H(RoundDetail(round)),
                      "</span>")});
  }
  out += table.Html();
  if (passed_left_out > 0) {
    absl::StrAppend(&out, "<p class=\"note rounds-left-out\">", passed_left_out,
                    " more passed round", passed_left_out == 1 ? "" : "s",
                    " not listed (they are in the JSON report and on the "
                    "charts).</p>\n");
  }
  if (r.scenario_rounds_omitted() > 0) {
    absl::StrAppend(
        &out, "<p class=\"note rounds-omitted\">", r.scenario_rounds_omitted(),
        " more round", r.scenario_rounds_omitted() == 1 ? " is" : "s are",
        " left out of this report, which keeps ", r.scenario_rounds_size(),
        " (the rounds that did not pass first, and passed ones spread over "
        "the run). The verification counts every round",
        r.plan().report().journal().empty()
            ? "."
            : "; the run journal (<code>report.journal</code>) lists each one.",
        "</p>\n");
  }
  return out + "</section>\n";
}

std::string Verification(const rig::v1::Report& r) {
  const rig::v1::VerificationResult& v = r.verification();
  if (v.status() == rig::v1::CHECK_STATUS_UNSPECIFIED && v.checks().empty()) {
    return "";
  }
  std::string out =
      absl::StrCat("<section id=\"verification\">\n<h2>Verification ",
                   CheckBadge(v.status()), "</h2>\n");
  if (v.checks().empty()) {
    return out + "<p class=\"note\">No individual checks.</p>\n</section>\n";
  }
  Table table("checks", {"check", "result", "expected", "seen", "message"}, {});
  for (const auto& c : v.checks()) {
    table.Row({H(c.name()), CheckBadge(c.status()), H(c.expected()),
               H(c.seen()), H(c.message())});
  }
  return out + table.Html() + "</section>\n";
}

}  // namespace

std::string RenderHtmlReport(const rig::v1::Report& r) {
  const std::string plan =
      r.plan().name().empty() ? "(unnamed plan)" : r.plan().name();
  std::string out = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, "
      "initial-scale=1\">\n<title>",
      H(plan), " &#8211; ", H(LookOf(r.status()).word), " &#8211; run ",
      H(r.run_id()), "</title>\n<style>", kStyle,
      "</style>\n</head>\n<body>\n");
  out += Header(r);
  out += Totals(r);
  absl::StrAppend(&out, "<section id=\"charts\">\n<h2>Over time</h2>\n",
                  Charts(r), "</section>\n");
  out += BreakerTable(r);
  out += Agents(r);
  out += Thresholds(r);
  out += Errors(r);
  out += ScenarioRounds(r);
  out += Verification(r);
  absl::StrAppend(&out, "<footer>Written by rig-coordinator ",
                  H(r.tool_version()), ", report schema ", r.schema_version(),
                  ".</footer>\n</body>\n</html>\n");
  return out;
}

absl::Status WriteHtmlReport(const rig::v1::Report& report,
                             const std::string& path) {
  return WriteFileAtomically(path, RenderHtmlReport(report), "HTML report");
}

}  // namespace rig::coordinator
