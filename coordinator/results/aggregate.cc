#include "coordinator/results/aggregate.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/base/status_macros.h"

namespace rig::coordinator {
namespace {

// An agent that ended before measuring sends no histogram.
absl::StatusOr<Histogram> DecodeOrEmpty(const std::string& bytes) {
  if (bytes.empty()) return Histogram();
  return Histogram::Decode(bytes);
}

}  // namespace

namespace {

// a + b, held at INT64_MAX / INT64_MIN instead of overflowing.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

}  // namespace

// Sums saturate: an agent that sends INT64_MAX (broken or lying) pins a
// total at the maximum instead of wrapping it negative.
void AddCounters(rig::v1::Counters& a, const rig::v1::Counters& b) {
  a.set_ops(SaturatingAdd(a.ops(), b.ops()));
  a.set_queries(SaturatingAdd(a.queries(), b.queries()));
  a.set_errors(SaturatingAdd(a.errors(), b.errors()));
  a.set_retries(SaturatingAdd(a.retries(), b.retries()));
  a.set_reconnects(SaturatingAdd(a.reconnects(), b.reconnects()));
  a.set_rows(SaturatingAdd(a.rows(), b.rows()));
  a.set_breaker_open_us(
      SaturatingAdd(a.breaker_open_us(), b.breaker_open_us()));
  a.set_rollbacks(SaturatingAdd(a.rollbacks(), b.rollbacks()));
  a.set_read_queries(SaturatingAdd(a.read_queries(), b.read_queries()));
  a.set_write_queries(SaturatingAdd(a.write_queries(), b.write_queries()));
  a.set_other_queries(SaturatingAdd(a.other_queries(), b.other_queries()));
  for (const auto& [k, v] : b.errors_by_class()) {
    int64_t& sum = (*a.mutable_errors_by_class())[k];
    sum = SaturatingAdd(sum, v);
  }
  for (const auto& [k, v] : b.errors_by_code()) {
    int64_t& sum = (*a.mutable_errors_by_code())[k];
    sum = SaturatingAdd(sum, v);
  }
}

rig::v1::Latency LatencyOf(const Histogram& h, bool with_histogram) {
  rig::v1::Latency l;
  l.set_count(h.count());
  l.set_min_us(h.min());
  l.set_mean_us(h.mean());
  l.set_p50_us(h.ValueAtPercentile(50));
  l.set_p90_us(h.ValueAtPercentile(90));
  l.set_p95_us(h.ValueAtPercentile(95));
  l.set_p99_us(h.ValueAtPercentile(99));
  l.set_p999_us(h.ValueAtPercentile(99.9));
  l.set_max_us(h.max());
  if (with_histogram) l.set_histogram(h.Encode());
  return l;
}

RunAggregate::RunAggregate(int agents, std::vector<std::string> endpoints,
                           std::string spill_dir)
    : agents_(std::max(agents, 0)), spill_(std::move(spill_dir)) {
  for (auto& name : endpoints) endpoints_.push_back({std::move(name), {}, {}});
}

void RunAggregate::SetAgentOrigin(int agent, int64_t coordinator_us) {
  agents_[agent].origin_us = coordinator_us;
}

absl::Status RunAggregate::AddInterval(int agent,
                                       const rig::v1::IntervalStats& stats,
                                       int expected, bool* complete) {
  auto latency = DecodeOrEmpty(stats.latency());
  if (!latency.ok()) {
    return absl::DataLossError(
        absl::StrCat("interval ", stats.seq(),
                     ": bad latency histogram: ", latency.status().message()));
  }
  auto service = DecodeOrEmpty(stats.service_latency());
  if (!service.ok()) {
    return absl::DataLossError(
        absl::StrCat("interval ", stats.seq(),
                     ": bad service histogram: ", service.status().message()));
  }
  // Per endpoint: checked first, so that a bad one leaves nothing added.
  struct Taken {
    PerEndpoint* to;
    const rig::v1::Counters* counters;
    Histogram latency;
  };
  std::vector<Taken> by_endpoint;
  for (const rig::v1::EndpointStats& es : stats.endpoints()) {
    auto it = std::find_if(
        endpoints_.begin(), endpoints_.end(),
        [&](const PerEndpoint& e) { return e.name == es.endpoint(); });
    if (it == endpoints_.end()) continue;  // not the plan's: not taken
    auto h = DecodeOrEmpty(es.latency());
    if (!h.ok()) {
      return absl::DataLossError(
          absl::StrCat("interval ", stats.seq(), ": bad latency histogram of ",
                       es.endpoint(), ": ", h.status().message()));
    }
    by_endpoint.push_back({&*it, &es.counters(), *std::move(h)});
  }
  // Per operation type, likewise checked first.
  struct TakenType {
    const rig::v1::OperationStats* stats;
    Histogram latency;
    size_t index = 0;  // in types_, once taken
  };
  std::vector<TakenType> by_type;
  for (const rig::v1::OperationStats& os : stats.operations()) {
    auto h = DecodeOrEmpty(os.latency());
    if (!h.ok()) {
      return absl::DataLossError(absl::StrCat(
          "interval ", stats.seq(), ": bad latency histogram of operation ",
          os.type(), ": ", h.status().message()));
    }
    by_type.push_back({&os, *std::move(h)});
  }
  for (const Taken& t : by_endpoint) {
    AddCounters(t.to->counters, *t.counters);
    t.to->latency.Merge(t.latency);
  }
  // Types by name; past kMaxTypes names, new ones are not taken.
  std::vector<TakenType> taken;
  for (TakenType& t : by_type) {
    auto it = std::find_if(types_.begin(), types_.end(), [&](const PerType& p) {
      return p.name == t.stats->type();
    });
    if (it == types_.end()) {
      if (types_.size() >= kMaxTypes) continue;
      types_.push_back({t.stats->type(), {}, {}});
      it = types_.end() - 1;
    }
    t.index = static_cast<size_t>(it - types_.begin());
    AddCounters(it->counters, t.stats->counters());
    it->latency.Merge(t.latency);
    taken.push_back(std::move(t));
  }
  const int64_t span = stats.end_offset_us() - stats.start_offset_us();
  PerAgent& a = agents_[agent];
  if (keep_agent_intervals_) {
    rig::v1::IntervalReport& own = a.intervals.emplace_back();
    own.set_seq(stats.seq());
    own.set_start_offset_us(ToTimeline(agent, stats.start_offset_us()));
    own.set_end_offset_us(ToTimeline(agent, stats.end_offset_us()));
    *own.mutable_counters() = stats.counters();
    own.set_ops_per_sec(span > 0 ? static_cast<double>(stats.counters().ops()) *
                                       1e6 / static_cast<double>(span)
                                 : 0.0);
    *own.mutable_latency() = LatencyOf(*latency, false);
    own.set_agents_reporting(1);
    own.set_breakers_open(
        stats.breaker_state() == rig::v1::BREAKER_STATE_OPEN ? 1 : 0);
  }
  AddCounters(a.interval_counters, stats.counters());
  a.interval_latency.Merge(*latency);
  a.interval_service.Merge(*service);
  a.interval_us += span;

  if (closed_.count(stats.seq()) != 0) {
    // Late (after its close): back to histograms, merged exactly.
    RETURN_IF_ERROR(Reopen(stats.seq()));
  }
  Merged& m = intervals_[stats.seq()];
  m.total.Add(stats.counters(), *latency, span);
  m.start_us = std::min(m.start_us, a.origin_us + stats.start_offset_us());
  m.end_us = std::max(m.end_us, a.origin_us + stats.end_offset_us());
  m.agents++;
  for (const TakenType& t : taken) {
    if (m.types.size() <= t.index) m.types.resize(t.index + 1);
    m.types[t.index].Add(t.stats->counters(), t.latency, span);
  }
  if (stats.breaker_state() == rig::v1::BREAKER_STATE_OPEN) m.breakers_open++;
  const bool all_in = m.agents >= expected;
  if (complete != nullptr) *complete = all_in;
  if (all_in) Close(stats.seq());
  while (!intervals_.empty() &&
         intervals_.begin()->first < stats.seq() - kOpenBehind) {
    Close(intervals_.begin()->first);
  }
  return absl::OkStatus();
}

void RunAggregate::Part::Add(const rig::v1::Counters& c, const Histogram& h,
                             int64_t span_us) {
  AddCounters(counters, c);
  latency.Merge(h);
  if (span_us > 0) ops_per_sec += c.ops() * 1e6 / span_us;
}

void RunAggregate::Close(int64_t seq) {
  auto it = intervals_.find(seq);
  if (it == intervals_.end()) return;
  closed_[seq] =
      spill_.Put(ReportOf(seq, it->second, true).SerializeAsString());
  intervals_.erase(it);
}

absl::Status RunAggregate::Reopen(int64_t seq) {
  auto it = closed_.find(seq);
  auto bytes = spill_.Get(it->second);
  rig::v1::IntervalReport r;
  if (!bytes.ok() || !r.ParseFromString(*bytes)) {
    const std::string why = bytes.ok() ? "it does not parse"
                                       : std::string(bytes.status().message());
    return absl::DataLossError(
        absl::StrCat("interval ", seq, ": cannot read it back: ", why));
  }
  // The histograms are our own encodings, so they decode.
  auto part = [](const rig::v1::Counters& c, const rig::v1::Latency& l,
                 double ops_per_sec) {
    Part p;
    p.counters = c;
    if (auto h = DecodeOrEmpty(l.histogram()); h.ok())
      p.latency = *std::move(h);
    p.ops_per_sec = ops_per_sec;
    return p;
  };
  Merged m;
  m.total = part(r.counters(), r.latency(), r.ops_per_sec());
  for (const rig::v1::OperationInterval& o : r.operations()) {
    auto t = std::find_if(types_.begin(), types_.end(),
                          [&](const PerType& p) { return p.name == o.type(); });
    if (t == types_.end()) continue;  // types_ only grows: not reached
    const size_t index = static_cast<size_t>(t - types_.begin());
    if (m.types.size() <= index) m.types.resize(index + 1);
    m.types[index] = part(o.counters(), o.latency(), o.ops_per_sec());
  }
  m.start_us = r.start_offset_us();
  m.end_us = r.end_offset_us();
  m.agents = r.agents_reporting();
  m.breakers_open = r.breakers_open();
  intervals_[seq] = std::move(m);
  spill_.Drop(it->second);
  closed_.erase(it);
  return absl::OkStatus();
}

size_t RunAggregate::IntervalBytesInMemory() const {
  // A std::map node: the key and value plus three pointers and a colour.
  constexpr size_t kNode = sizeof(int64_t) + sizeof(SpillStore::Ref) + 32;
  size_t bytes = closed_.size() * kNode + spill_.memory_bytes();
  for (const auto& [seq, m] : intervals_) {
    bytes += m.total.latency.held_slots() * sizeof(int64_t);
    for (const Part& t : m.types) {
      bytes += t.latency.held_slots() * sizeof(int64_t);
    }
  }
  return bytes;
}

absl::Status RunAggregate::SetResult(int agent,
                                     const rig::v1::RunResult& result) {
  PerAgent& a = agents_[agent];
  auto latency = DecodeOrEmpty(result.latency());
  auto service = DecodeOrEmpty(result.service_latency());
  if (!latency.ok() || !service.ok()) {
    return absl::DataLossError("run result: bad latency histogram");
  }
  a.result = result;
  a.result_latency = std::move(*latency);
  a.result_service = std::move(*service);
  return absl::OkStatus();
}

rig::v1::IntervalReport RunAggregate::Interval(int64_t seq,
                                               bool with_histogram) const {
  if (auto it = intervals_.find(seq); it != intervals_.end()) {
    return ReportOf(seq, it->second, with_histogram);
  }
  auto it = closed_.find(seq);
  if (it == closed_.end()) return rig::v1::IntervalReport();
  return ReadClosed(seq, it->second, with_histogram)
      .value_or(rig::v1::IntervalReport());
}

std::optional<rig::v1::IntervalReport> RunAggregate::ReadClosed(
    int64_t seq, const SpillStore::Ref& ref, bool with_histogram) const {
  rig::v1::IntervalReport r;
  auto bytes = spill_.Get(ref);
  if (!bytes.ok() || !r.ParseFromString(*bytes)) {
    spill_read_error_ = absl::StrCat(
        "interval ", seq, ": cannot read it back: ",
        bytes.ok() ? "it does not parse" : bytes.status().message());
    return std::nullopt;
  }
  if (!with_histogram) {
    r.mutable_latency()->clear_histogram();
    for (auto& o : *r.mutable_operations()) {
      o.mutable_latency()->clear_histogram();
    }
  }
  return r;
}

rig::v1::IntervalReport RunAggregate::ReportOf(int64_t seq, const Merged& m,
                                               bool with_histogram) const {
  rig::v1::IntervalReport r;
  r.set_seq(seq);
  r.set_start_offset_us(m.start_us);
  r.set_end_offset_us(m.end_us);
  *r.mutable_counters() = m.total.counters;
  r.set_ops_per_sec(m.total.ops_per_sec);
  *r.mutable_latency() = LatencyOf(m.total.latency, with_histogram);
  r.set_agents_reporting(m.agents);
  r.set_breakers_open(m.breakers_open);
  for (size_t i = 0; i < m.types.size(); ++i) {
    const Part& t = m.types[i];
    rig::v1::OperationInterval* o = r.add_operations();
    o->set_type(types_[i].name);
    *o->mutable_counters() = t.counters;
    o->set_ops_per_sec(t.ops_per_sec);
    *o->mutable_latency() = LatencyOf(t.latency, with_histogram);
  }
  return r;
}

std::vector<rig::v1::IntervalReport> RunAggregate::Intervals() const {
  std::vector<rig::v1::IntervalReport> out;
  out.reserve(closed_.size() + intervals_.size());
  auto open = intervals_.begin();
  for (const auto& [seq, ref] : closed_) {
    for (; open != intervals_.end() && open->first < seq; ++open) {
      out.push_back(ReportOf(open->first, open->second, true));
    }
    auto r = ReadClosed(seq, ref, true);
    if (r) out.push_back(*std::move(r));  // else left out, and said
  }
  for (; open != intervals_.end(); ++open) {
    out.push_back(ReportOf(open->first, open->second, true));
  }
  return out;
}

void RunAggregate::SummaryParts(int agent, rig::v1::Counters* counters,
                                Histogram* latency, Histogram* service,
                                int64_t* measured_us) const {
  const PerAgent& a = agents_[agent];
  if (a.result) {
    AddCounters(*counters, a.result->counters());
    latency->Merge(a.result_latency);
    service->Merge(a.result_service);
    *measured_us = std::max(*measured_us, a.result->measured_us());
  } else {
    // No result (agent lost): what its intervals said.
    AddCounters(*counters, a.interval_counters);
    latency->Merge(a.interval_latency);
    service->Merge(a.interval_service);
    *measured_us = std::max(*measured_us, a.interval_us);
  }
}

rig::v1::Summary RunAggregate::MakeSummary(const rig::v1::Counters& counters,
                                           const Histogram& latency,
                                           const Histogram& service,
                                           int64_t measured_us) {
  rig::v1::Summary s;
  *s.mutable_counters() = counters;
  s.set_measured_us(measured_us);
  if (measured_us > 0) {
    s.set_ops_per_sec(counters.ops() * 1e6 / measured_us);
    s.set_queries_per_sec(counters.queries() * 1e6 / measured_us);
  }
  // In double: counters come from agents and may be near INT64_MAX.
  const double attempts = static_cast<double>(counters.ops()) +
                          static_cast<double>(counters.errors());
  s.set_error_rate(
      attempts > 0 ? static_cast<double>(counters.errors()) / attempts : 0);
  *s.mutable_latency() = LatencyOf(latency, true);
  *s.mutable_service_latency() = LatencyOf(service, true);
  return s;
}

rig::v1::Summary RunAggregate::PartSummary(const rig::v1::Counters& counters,
                                           const Histogram& latency,
                                           int64_t measured_us) {
  rig::v1::Summary s = MakeSummary(counters, latency, Histogram(), measured_us);
  s.clear_service_latency();
  return s;
}

rig::v1::Summary RunAggregate::AgentSummary(int agent) const {
  rig::v1::Counters counters;
  Histogram latency, service;
  int64_t measured = 0;
  SummaryParts(agent, &counters, &latency, &service, &measured);
  return MakeSummary(counters, latency, service, measured);
}

int64_t RunAggregate::MeasuredUs() const {
  int64_t measured = 0;
  for (const PerAgent& a : agents_) {
    measured =
        std::max(measured, a.result ? a.result->measured_us() : a.interval_us);
  }
  return measured;
}

std::vector<rig::v1::EndpointReport> RunAggregate::Endpoints() const {
  const int64_t measured = MeasuredUs();
  std::vector<rig::v1::EndpointReport> out;
  for (const PerEndpoint& e : endpoints_) {
    rig::v1::EndpointReport& r = out.emplace_back();
    r.set_endpoint(e.name);
    *r.mutable_summary() = PartSummary(e.counters, e.latency, measured);
  }
  return out;
}

std::vector<rig::v1::OperationReport> RunAggregate::Operations() const {
  const int64_t measured = MeasuredUs();
  std::vector<rig::v1::OperationReport> out;
  for (const PerType& t : types_) {
    rig::v1::OperationReport& r = out.emplace_back();
    r.set_type(t.name);
    *r.mutable_summary() = PartSummary(t.counters, t.latency, measured);
  }
  return out;
}

rig::v1::Summary RunAggregate::Total() const {
  rig::v1::Counters counters;
  Histogram latency, service;
  int64_t measured = 0;
  for (size_t i = 0; i < agents_.size(); ++i) {
    SummaryParts(static_cast<int>(i), &counters, &latency, &service, &measured);
  }
  return MakeSummary(counters, latency, service, measured);
}

}  // namespace rig::coordinator
