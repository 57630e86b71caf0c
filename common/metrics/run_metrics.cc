#include "common/metrics/run_metrics.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/base/logging.h"

namespace rig::metrics {
namespace {

// The standard states, always written (0 or 1) so that a dashboard sees a
// state go to 0 rather than vanish.
constexpr rig::v1::State kStates[] = {
    rig::v1::STATE_INITIALIZING, rig::v1::STATE_CONNECTING,
    rig::v1::STATE_PREPARING,    rig::v1::STATE_WARMING_UP,
    rig::v1::STATE_RUNNING,      rig::v1::STATE_VERIFYING,
    rig::v1::STATE_REPORTING,    rig::v1::STATE_COMPLETED,
    rig::v1::STATE_FAILED,       rig::v1::STATE_CANCELLED};

double BreakerValue(rig::v1::BreakerState state) {
  switch (state) {
    case rig::v1::BREAKER_STATE_HALF_OPEN:
      return 1;
    case rig::v1::BREAKER_STATE_OPEN:
      return 2;
    default:
      return 0;
  }
}

}  // namespace

std::vector<TypedStats> OperationTypes(const std::string& workload_kind,
                                       const rig::v1::IntervalStats& interval) {
  // A workload of several types (TPC-C, YCSB) sends them per type; one of
  // a single type is that type, named after the workload.
  if (interval.operations_size() == 0) {
    return {
        TypedStats{workload_kind, &interval.counters(), &interval.latency()}};
  }
  std::vector<TypedStats> out;
  for (const rig::v1::OperationStats& o : interval.operations()) {
    out.push_back(TypedStats{o.type(), &o.counters(), &o.latency()});
  }
  return out;
}

std::string BreakerStateName(rig::v1::BreakerState state) {
  switch (state) {
    case rig::v1::BREAKER_STATE_OPEN:
      return "open";
    case rig::v1::BREAKER_STATE_HALF_OPEN:
      return "half_open";
    default:
      return "closed";
  }
}

std::string RunStateName(rig::v1::State state, const std::string& custom) {
  if (state == rig::v1::STATE_CUSTOM) return custom;
  std::string name = rig::v1::State_Name(state);
  if (absl::StartsWith(name, "STATE_")) name = name.substr(6);
  return absl::AsciiStrToLower(name);
}

void RunMetrics::RunStarted(const std::string& agent,
                            const std::string& workload_kind,
                            const std::vector<std::string>& endpoints) {
  std::lock_guard<std::mutex> lock(mu_);
  AgentSeries& a = agents_[agent];
  a.kind = workload_kind;
  a.types[workload_kind];  // its series show 0 from the start
  a.connections = 0;
  a.state = "initializing";
  a.breakers.clear();
  for (const std::string& e : endpoints) {
    a.breakers[e] = rig::v1::BREAKER_STATE_CLOSED;
  }
}

void RunMetrics::IntervalLocked(AgentSeries& a,
                                const rig::v1::IntervalStats& iv) {
  if (iv.operations_size() > 0) {
    auto kind = a.types.find(a.kind);
    if (kind != a.types.end() && kind->second.ok == 0 &&
        kind->second.errors == 0) {
      a.types.erase(kind);
    }
  }
  for (const TypedStats& t : OperationTypes(a.kind, iv)) {
    TypeSeries& s = a.types[t.type];
    s.ok += t.counters->ops();
    s.errors += t.counters->errors();
    auto h = Histogram::Decode(*t.latency);
    if (h.ok()) {
      s.latency.Add(*h);
    } else {
      RIG_LOG(Warning) << "metrics: an interval's histogram does not decode: "
                       << h.status().message();
    }
  }
  const rig::v1::Counters& c = iv.counters();
  a.queries += c.queries();
  a.read_queries += c.read_queries();
  a.write_queries += c.write_queries();
  a.other_queries += c.other_queries();
  a.rows += c.rows();
  a.retries += c.retries();
  a.reconnects += c.reconnects();
  a.breaker_open_us += c.breaker_open_us();
  for (const auto& [cls, n] : c.errors_by_class()) a.errors_by_class[cls] += n;
  for (const auto& [code, n] : c.errors_by_code()) a.errors_by_code[code] += n;
  a.connections = iv.open_connections();
  if (iv.endpoints().empty()) {
    if (a.breakers.size() == 1) a.breakers.begin()->second = iv.breaker_state();
  } else {
    for (const auto& e : iv.endpoints())
      a.breakers[e.endpoint()] = e.breaker_state();
  }
}

void RunMetrics::Message(const std::string& agent,
                         const rig::v1::AgentMessage& m) {
  std::lock_guard<std::mutex> lock(mu_);
  AgentSeries& a = agents_[agent];
  switch (m.msg_case()) {
    case rig::v1::AgentMessage::kInterval:
      IntervalLocked(a, m.interval());
      break;
    case rig::v1::AgentMessage::kBreakerEvent: {
      const auto& e = m.breaker_event();
      a.breakers[e.target()] = e.to();
      ++a.transitions[{e.target(), BreakerStateName(e.from()),
                       BreakerStateName(e.to())}];
      break;
    }
    case rig::v1::AgentMessage::kStateChanged:
      a.state =
          RunStateName(m.state_changed().to(), m.state_changed().to_name());
      break;
    case rig::v1::AgentMessage::kResult:
      a.state = RunStateName(m.result().final_state(), "");
      a.connections = 0;  // released before the result is sent
      break;
    default:
      break;
  }
}

void RunMetrics::Render(Exposition* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto each = [&](const char* name, auto&& fn) {
    const MetricSpec& spec = Spec(name);
    out->Family(spec);
    for (const auto& [agent, a] : agents_) fn(spec.name, agent, a);
  };
  each("rig_operations_total", [&](const char* n, const std::string& agent,
                                   const AgentSeries& a) {
    for (const auto& [type, s] : a.types) {
      out->Sample(n, {{"agent", agent}, {"type", type}, {"outcome", "success"}},
                  static_cast<double>(s.ok));
      out->Sample(n, {{"agent", agent}, {"type", type}, {"outcome", "error"}},
                  static_cast<double>(s.errors));
    }
  });
  each("rig_operation_duration_seconds",
       [&](const char* n, const std::string& agent, const AgentSeries& a) {
         for (const auto& [type, s] : a.types) {
           out->Histogram(n, {{"agent", agent}, {"type", type}}, s.latency);
         }
       });
  auto per_agent = [&](const char* name, int64_t AgentSeries::*field,
                       double scale = 1) {
    each(name, [&](const char* n, const std::string& agent,
                   const AgentSeries& a) {
      out->Sample(n, {{"agent", agent}}, static_cast<double>(a.*field) * scale);
    });
  };
  per_agent("rig_queries_total", &AgentSeries::queries);
  per_agent("rig_rows_total", &AgentSeries::rows);
  each("rig_statements_total",
       [&](const char* n, const std::string& agent, const AgentSeries& a) {
         // Only workloads that count the kinds (oltp_*, sql) have any.
         if (a.read_queries + a.write_queries + a.other_queries == 0) return;
         for (const auto& [kind, v] : {std::pair{"read", a.read_queries},
                                       std::pair{"write", a.write_queries},
                                       std::pair{"other", a.other_queries}}) {
           out->Sample(n, {{"agent", agent}, {"kind", kind}},
                       static_cast<double>(v));
         }
       });
  each("rig_errors_total",
       [&](const char* n, const std::string& agent, const AgentSeries& a) {
         for (const auto& [cls, v] : a.errors_by_class) {
           out->Sample(n, {{"agent", agent}, {"class", cls}},
                       static_cast<double>(v));
         }
       });
  each("rig_errors_by_code_total",
       [&](const char* n, const std::string& agent, const AgentSeries& a) {
         for (const auto& [code, v] : a.errors_by_code) {
           out->Sample(n, {{"agent", agent}, {"code", absl::StrCat(code)}},
                       static_cast<double>(v));
         }
       });
  per_agent("rig_retries_total", &AgentSeries::retries);
  per_agent("rig_reconnects_total", &AgentSeries::reconnects);
  per_agent("rig_connections_open", &AgentSeries::connections);
  each("rig_breaker_state",
       [&](const char* n, const std::string& agent, const AgentSeries& a) {
         for (const auto& [endpoint, state] : a.breakers) {
           out->Sample(n, {{"agent", agent}, {"endpoint", endpoint}},
                       BreakerValue(state));
         }
       });
  each("rig_breaker_transitions_total",
       [&](const char* n, const std::string& agent, const AgentSeries& a) {
         for (const auto& [key, v] : a.transitions) {
           out->Sample(n,
                       {{"agent", agent},
                        {"endpoint", std::get<0>(key)},
                        {"from", std::get<1>(key)},
                        {"to", std::get<2>(key)}},
                       static_cast<double>(v));
         }
       });
  per_agent("rig_breaker_open_seconds_total", &AgentSeries::breaker_open_us,
            1e-6);
  each("rig_run_state",
       [&](const char* n, const std::string& agent, const AgentSeries& a) {
         bool standard = false;
         for (rig::v1::State s : kStates) {
           const std::string name = RunStateName(s, "");
           standard |= name == a.state;
           out->Sample(n, {{"agent", agent}, {"state", name}},
                       name == a.state ? 1 : 0);
         }
         if (!standard && !a.state.empty()) {
           out->Sample(n, {{"agent", agent}, {"state", a.state}}, 1);
         }
       });
}

}  // namespace rig::metrics
