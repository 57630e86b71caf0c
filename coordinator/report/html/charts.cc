#include "coordinator/report/html/charts.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "coordinator/report/html/format.h"
#include "coordinator/report/html/svg_chart.h"
#include "coordinator/report/partial_interval.h"
#include "coordinator/report/terminal.h"
#include "coordinator/results/rounds.h"

namespace rig::coordinator::html {
namespace {

struct SeriesSpec {
  const char* name;  // in the JSON block
  const char* label;
  const char* color;
  double (*value)(const rig::v1::IntervalReport&);
};

struct ChartSpec {
  const char* name;
  const char* title;
  const char* unit;
  AxisFormat format;
  std::vector<SeriesSpec> series;
};

// errors / (ops + errors) of one interval; 0 with no attempts.
double ErrorRate(const rig::v1::IntervalReport& iv) {
  const double attempts = static_cast<double>(iv.counters().ops()) +
                          static_cast<double>(iv.counters().errors());
  return attempts > 0 ? static_cast<double>(iv.counters().errors()) / attempts
                      : 0.0;
}

// The charts, in page order. Latency is in ms.
const std::vector<ChartSpec>& ChartSpecs() {
  using Iv = rig::v1::IntervalReport;
  static const auto* specs = new std::vector<ChartSpec>{
      {"throughput",
       "Throughput",
       "ops/s",
       AxisFormat::kCompact,
       {{"ops_per_sec", "ops/s", "#1f77b4",
         [](const Iv& iv) { return iv.ops_per_sec(); }}}},
      {"latency",
       "Latency (response time)",
       "ms",
       AxisFormat::kPlain,
       {{"p50", "p50", "#17becf",
         [](const Iv& iv) { return iv.latency().p50_us() / 1e3; }},
        {"p99", "p99", "#9467bd",
         [](const Iv& iv) { return iv.latency().p99_us() / 1e3; }}}},
      {"error-rate",
       "Error rate per interval",
       "errors / attempts",
       AxisFormat::kPercent,
       {{"error_rate", "error rate", "#8c564b", ErrorRate}}},
  };
  return *specs;
}

std::string BreakerColor(const std::string& to) {
  if (to == "open") return "#d62728";
  if (to == "half-open") return "#ff9800";
  return "#2ca02c";
}

std::string RoundColor(const std::string& result) {
  if (result == "passed") return "#2ca02c";
  if (result == "failed") return "#d62728";
  return "#8c8c8c";
}

std::vector<BreakerMark> BreakerMarks(const rig::v1::Report& r) {
  std::vector<BreakerMark> marks;
  for (const auto& b : r.breaker_events()) {
    BreakerMark m;
    m.t = b.offset_us() / 1e6;
    m.agent = b.agent();
    m.target = b.event().target();
    m.from = BreakerWord(b.event().from());
    m.to = BreakerWord(b.event().to());
    m.reason = b.event().reason();
    m.color = BreakerColor(m.to);
    marks.push_back(std::move(m));
  }
  return marks;
}

std::vector<RoundMark> RoundMarks(const rig::v1::Report& r) {
  std::vector<RoundMark> marks;
  for (const auto& rec : r.scenario_rounds()) {
    const rig::v1::ScenarioRound& round = rec.round();
    RoundMark m;
    m.t0 = round.start_offset_us() / 1e6;
    m.t1 = round.end_offset_us() / 1e6;
    m.agent = rec.agent();
    m.kind = round.kind();
    m.round = round.round();
    m.result = RoundResult(round);
    m.color = RoundColor(m.result);
    m.detail = RoundDetail(round);
    marks.push_back(std::move(m));
  }
  return marks;
}

std::vector<FaultMark> FaultMarks(const rig::v1::Report& r) {
  std::vector<FaultMark> marks;
  for (const auto& f : r.faults()) {
    const std::vector<std::string> lines = FormatFault(r, f);
    FaultMark m;
    m.t0 = f.start_offset_us() / 1e6;
    m.t1 = std::max(f.end_offset_us(), f.start_offset_us()) / 1e6;
    m.name = absl::StrCat("fault ", f.index() + 1, " \"", f.name(), "\" #",
                          f.occurrence());
    m.detail = absl::StrCat(lines[0], "; ", lines[1]);
    m.ok = f.action().ok() && (!f.has_recover() || f.recover().ok());
    marks.push_back(std::move(m));
  }
  return marks;
}

// The marks of every chart, and the time span that holds the plotted
// intervals, the breaker events (also those outside the measured phase,
// e.g. during warm-up) and the rounds (also those that finished after the
// load stopped).
Timeline TimelineOf(
    const rig::v1::Report& r,
    const std::vector<const rig::v1::IntervalReport*>& plotted) {
  Timeline tl{INFINITY, -INFINITY, BreakerMarks(r), RoundMarks(r),
              FaultMarks(r)};
  for (const rig::v1::IntervalReport* iv : plotted) {
    tl.t0 = std::min(tl.t0, iv->start_offset_us() / 1e6);
    tl.t1 = std::max(tl.t1, iv->end_offset_us() / 1e6);
  }
  for (const BreakerMark& m : tl.breakers) {
    tl.t0 = std::min(tl.t0, m.t);
    tl.t1 = std::max(tl.t1, m.t);
  }
  for (const RoundMark& m : tl.rounds) {
    tl.t0 = std::min(tl.t0, m.t0);
    tl.t1 = std::max(tl.t1, m.t1);
  }
  for (const FaultMark& m : tl.faults) {
    tl.t0 = std::min(tl.t0, m.t0);
    tl.t1 = std::max(tl.t1, m.t1);
  }
  // One zero-length interval: no zero span.
  if (!(tl.t1 > tl.t0)) tl.t1 = tl.t0 + 1;
  return tl;
}

// Past 2 * kChartBuckets intervals (a run of hours), each series keeps the
// least and the most value of each of kChartBuckets runs of intervals, in
// time order: the page stays a few MiB at any length and a spike still
// shows. The JSON report keeps every interval.
constexpr size_t kChartBuckets = 1000;

std::vector<std::pair<double, double>> Thinned(
    std::vector<std::pair<double, double>> points) {
  const size_t n = points.size();
  if (n <= 2 * kChartBuckets) return points;
  std::vector<std::pair<double, double>> out;
  out.reserve(2 * kChartBuckets);
  for (size_t b = 0; b < kChartBuckets; ++b) {
    const size_t begin = b * n / kChartBuckets;
    const size_t end = (b + 1) * n / kChartBuckets;
    size_t lo = begin, hi = begin;
    for (size_t i = begin; i < end; ++i) {
      if (points[i].second < points[lo].second) lo = i;
      if (points[i].second > points[hi].second) hi = i;
    }
    out.push_back(points[std::min(lo, hi)]);
    if (lo != hi) out.push_back(points[std::max(lo, hi)]);
  }
  return out;
}

// A spec's chart with one point per plotted interval and series, at the
// interval's end (thinned for long runs).
Chart ChartOf(const ChartSpec& spec,
              const std::vector<const rig::v1::IntervalReport*>& plotted) {
  Chart c{spec.name, spec.title, spec.unit, spec.format, {}};
  for (const SeriesSpec& s : spec.series) {
    Series series{s.name, s.label, s.color, {}};
    for (const rig::v1::IntervalReport* iv : plotted) {
      series.points.emplace_back(iv->end_offset_us() / 1e6, s.value(*iv));
    }
    series.points = Thinned(std::move(series.points));
    c.series.push_back(std::move(series));
  }
  return c;
}

// The intervals to plot: all but a partial last one.
std::vector<const rig::v1::IntervalReport*> Plotted(const rig::v1::Report& r) {
  std::vector<const rig::v1::IntervalReport*> plotted;
  for (const auto& iv : r.intervals()) plotted.push_back(&iv);
  if (plotted.size() > 1 &&
      IsPartialInterval(plotted.back()->start_offset_us(),
                        plotted.back()->end_offset_us(), r.plan())) {
    plotted.pop_back();
  }
  return plotted;
}

// Charts by operation type (workloads of several types): throughput and
// p99 with one series per type, in the report's order.
std::vector<Chart> OperationCharts(
    const rig::v1::Report& r,
    const std::vector<const rig::v1::IntervalReport*>& plotted) {
  static constexpr const char* kColors[] = {
      "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
      "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::vector<Chart> out;
  if (r.operations().empty()) return out;
  Chart ops{"operations-throughput",
            "Throughput by operation",
            "ops/s",
            AxisFormat::kCompact,
            {}};
  Chart p99{"operations-p99",
            "p99 by operation (response time)",
            "ms",
            AxisFormat::kPlain,
            {}};
  for (int t = 0; t < r.operations_size(); ++t) {
    const std::string& type = r.operations(t).type();
    Series o{type, type, kColors[t % 10], {}};
    Series l{type, type, kColors[t % 10], {}};
    for (const rig::v1::IntervalReport* iv : plotted) {
      const double at = iv->end_offset_us() / 1e6;
      double rate = 0, p = 0;
      for (const auto& oi : iv->operations()) {
        if (oi.type() != type) continue;
        rate = oi.ops_per_sec();
        p = oi.latency().p99_us() / 1e3;
      }
      o.points.emplace_back(at, rate);
      l.points.emplace_back(at, p);
    }
    o.points = Thinned(std::move(o.points));
    l.points = Thinned(std::move(l.points));
    ops.series.push_back(std::move(o));
    p99.series.push_back(std::move(l));
  }
  out.push_back(std::move(ops));
  out.push_back(std::move(p99));
  return out;
}

// sysbench's read/write/other queries per second, for the workloads that
// count them (oltp_*, sql); none for the others.
std::vector<Chart> QueryKindCharts(
    const rig::v1::Report& r,
    const std::vector<const rig::v1::IntervalReport*>& plotted) {
  const rig::v1::Counters& c = r.total().counters();
  if (c.read_queries() + c.write_queries() + c.other_queries() == 0) return {};
  Chart chart{"queries-performed",
              "Queries performed per second (as sysbench counts them)",
              "queries/s",
              AxisFormat::kCompact,
              {}};
  using Ct = rig::v1::Counters;
  const struct {
    const char* name;
    const char* color;
    int64_t (Ct::*count)() const;
  } kinds[] = {{"read", "#1f77b4", &Ct::read_queries},
               {"write", "#d62728", &Ct::write_queries},
               {"other", "#7f7f7f", &Ct::other_queries}};
  for (const auto& k : kinds) {
    Series s{k.name, k.name, k.color, {}};
    for (const rig::v1::IntervalReport* iv : plotted) {
      const double span =
          std::max<int64_t>(1, iv->end_offset_us() - iv->start_offset_us()) /
          1e6;
      s.points.emplace_back(iv->end_offset_us() / 1e6,
                            (iv->counters().*k.count)() / span);
    }
    s.points = Thinned(std::move(s.points));
    chart.series.push_back(std::move(s));
  }
  return {std::move(chart)};
}

// The base run's colours, apart from the spec's (the new run's).
constexpr const char* kBaseColors[] = {"#ff7f0e", "#7f7f7f", "#bcbd22"};

}  // namespace

std::string ComparisonCharts(const rig::v1::Report& base,
                             const rig::v1::Report& next) {
  const auto base_plotted = Plotted(base);
  const auto next_plotted = Plotted(next);
  if (base_plotted.empty() && next_plotted.empty()) {
    return "<p class=\"note no-intervals\">Neither run recorded intervals, "
           "so there is nothing to chart.</p>\n";
  }
  auto origin = [](const std::vector<const rig::v1::IntervalReport*>& p) {
    return p.empty() ? int64_t{0} : p.front()->start_offset_us();
  };
  const int64_t base0 = origin(base_plotted);
  const int64_t next0 = origin(next_plotted);
  Timeline tl{0, 0, {}, {}};
  for (const auto* iv : base_plotted) {
    tl.t1 = std::max(tl.t1, (iv->end_offset_us() - base0) / 1e6);
  }
  for (const auto* iv : next_plotted) {
    tl.t1 = std::max(tl.t1, (iv->end_offset_us() - next0) / 1e6);
  }
  if (!(tl.t1 > tl.t0)) tl.t1 = tl.t0 + 1;
  std::string out;
  for (const ChartSpec& spec : ChartSpecs()) {
    Chart c{spec.name, spec.title, spec.unit, spec.format, {}};
    size_t color = 0;
    for (const SeriesSpec& s : spec.series) {
      Series b{absl::StrCat("base_", s.name),
               absl::StrCat("base ", s.label),
               kBaseColors[color++ % 3],
               {}};
      for (const auto* iv : base_plotted) {
        b.points.emplace_back((iv->end_offset_us() - base0) / 1e6,
                              s.value(*iv));
      }
      Series n{absl::StrCat("new_", s.name),
               absl::StrCat("new ", s.label),
               s.color,
               {}};
      for (const auto* iv : next_plotted) {
        n.points.emplace_back((iv->end_offset_us() - next0) / 1e6,
                              s.value(*iv));
      }
      b.points = Thinned(std::move(b.points));
      n.points = Thinned(std::move(n.points));
      c.series.push_back(std::move(b));
      c.series.push_back(std::move(n));
    }
    out += RenderChart(c, tl);
  }
  return out;
}

std::string Charts(const rig::v1::Report& r) {
  if (r.intervals().empty()) {
    return "<p class=\"note no-intervals\">No intervals were recorded, so "
           "there is nothing to chart.</p>\n";
  }
  const rig::v1::IntervalReport& last = *r.intervals().rbegin();
  const bool skip_last =
      r.intervals_size() > 1 &&
      IsPartialInterval(last.start_offset_us(), last.end_offset_us(), r.plan());
  std::vector<const rig::v1::IntervalReport*> plotted;
  for (const auto& iv : r.intervals()) plotted.push_back(&iv);
  if (skip_last) plotted.pop_back();

  const Timeline tl = TimelineOf(r, plotted);
  std::string out;
  for (const ChartSpec& spec : ChartSpecs()) {
    out += RenderChart(ChartOf(spec, plotted), tl);
  }
  for (const Chart& c : QueryKindCharts(r, plotted)) out += RenderChart(c, tl);
  for (const Chart& c : OperationCharts(r, plotted)) out += RenderChart(c, tl);
  if (plotted.size() > 2 * kChartBuckets) {
    absl::StrAppend(
        &out, "<p class=\"note thinned\">", plotted.size(),
        " intervals: each line shows the least and the most value of each of ",
        kChartBuckets,
        " runs of intervals; the JSON report holds every interval.</p>\n");
  }
  if (skip_last) {
    absl::StrAppend(
        &out, "<p class=\"note partial-interval\">The last ",
        absl::StrFormat("%.3f",
                        (last.end_offset_us() - last.start_offset_us()) / 1e6),
        " s (a partial interval as the load stopped, ",
        Grouped(last.counters().ops()),
        " ops) are in the totals but not plotted.</p>\n");
  }
  return out;
}

}  // namespace rig::coordinator::html
