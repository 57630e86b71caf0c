#include "coordinator/results/thresholds.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/base/duration.h"

namespace rig::coordinator {
namespace {

enum class Kind {
  kLatency,
  kErrorRate,
  kErrors,
  kThroughput,
  kQps,
  kStatementRate,  // read_qps, write_qps, other_qps (oltp_*, sql)
  kLostAgents,
  kFaultRecovery,  // of the run's faults: the longest recovery
  kFaultErrors,    // the most errors during one fault
};

// Limits written as a duration with a unit.
bool TakesDuration(Kind kind) {
  return kind == Kind::kLatency || kind == Kind::kFaultRecovery;
}

struct MetricSpec {
  const char* name;       // as the user may write it
  const char* canonical;  // what Threshold::metric holds
  Kind kind;
};

constexpr MetricSpec kMetrics[] = {
    {"p50", "p50", Kind::kLatency},
    {"p90", "p90", Kind::kLatency},
    {"p95", "p95", Kind::kLatency},
    {"p99", "p99", Kind::kLatency},
    {"p99.9", "p99.9", Kind::kLatency},
    {"p999", "p99.9", Kind::kLatency},
    {"min", "min", Kind::kLatency},
    {"max", "max", Kind::kLatency},
    {"mean", "mean", Kind::kLatency},
    {"error_rate", "error_rate", Kind::kErrorRate},
    {"errors", "errors", Kind::kErrors},
    {"throughput", "throughput", Kind::kThroughput},
    {"ops_per_sec", "throughput", Kind::kThroughput},
    {"qps", "qps", Kind::kQps},
    {"queries_per_sec", "qps", Kind::kQps},
    {"read_qps", "read_qps", Kind::kStatementRate},
    {"write_qps", "write_qps", Kind::kStatementRate},
    {"other_qps", "other_qps", Kind::kStatementRate},
    // Of the run, not of a summary: agents lost (a degraded run), so that
    // `lost_agents < 1` fails a run that lost one.
    {"lost_agents", "lost_agents", Kind::kLostAgents},
    // Of the run's faults (report.faults): the worst one's recovery time
    // (one not recovered, or without a baseline, fails) and errors.
    {"fault.recovery", "fault.recovery", Kind::kFaultRecovery},
    {"fault.errors", "fault.errors", Kind::kFaultErrors},
};

constexpr char kMetricList[] =
    "p50, p90, p95, p99, p99.9, min, max, mean (latency, with a unit), "
    "error_rate, errors, throughput (ops/s, alias ops_per_sec), "
    "qps (queries/s, alias queries_per_sec), read_qps, write_qps, "
    "other_qps (oltp_* and sql statements by kind per second), "
    "lost_agents, "
    "fault.recovery "
    "(with a unit), fault.errors";
constexpr char kForm[] = "\"<metric> <op> <limit>\", e.g. \"p99 < 50ms\"";
constexpr char kOps[] = "<, <=, >, >=, ==";

const MetricSpec* FindMetric(absl::string_view name) {
  for (const MetricSpec& m : kMetrics) {
    if (name == m.name) return &m;
  }
  return nullptr;
}

const MetricSpec* FindCanonical(absl::string_view canonical) {
  for (const MetricSpec& m : kMetrics) {
    if (canonical == m.canonical) return &m;
  }
  return nullptr;
}

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("threshold \"", text, "\": ", why));
}

// Plain decimal, finite; SimpleAtod alone would also take "inf" and "nan".
bool ParseNumber(absl::string_view s, double* out) {
  if (s.empty()) return false;
  const char c = s[0];
  if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' &&
      c != '+') {
    return false;
  }
  return absl::SimpleAtod(s, out) && std::isfinite(*out);
}

// "61.200" -> "61.2", "50.000" -> "50".
std::string Trimmed(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string FormatLatency(double us) {
  if (us < 1000) return Trimmed(absl::StrFormat("%.1f", us)) + "us";
  if (us < 1e6) return Trimmed(absl::StrFormat("%.3f", us / 1e3)) + "ms";
  return Trimmed(absl::StrFormat("%.3f", us / 1e6)) + "s";
}

std::string FormatValue(Kind kind, double v) {
  switch (kind) {
    case Kind::kLatency:
    case Kind::kFaultRecovery:
      return FormatLatency(v);
    case Kind::kErrorRate:
      return absl::StrFormat("%.6g", v);
    case Kind::kErrors:
    case Kind::kLostAgents:
    case Kind::kFaultErrors:
      return Trimmed(absl::StrFormat("%.3f", v));
    case Kind::kThroughput:
      return Trimmed(absl::StrFormat("%.2f", v)) + " ops/s";
    case Kind::kQps:
    case Kind::kStatementRate:
      return Trimmed(absl::StrFormat("%.2f", v)) + " queries/s";
  }
  return absl::StrCat(v);
}

bool Compare(double observed, absl::string_view op, double limit) {
  if (op == "<") return observed < limit;
  if (op == "<=") return observed <= limit;
  if (op == ">") return observed > limit;
  if (op == ">=") return observed >= limit;
  return observed ==
         limit;  // "==", the only other operator ParseThreshold lets through
}

// The worst of the run's faults: the longest recovery (microseconds) or the
// most errors. A fault not recovered, or without a baseline, leaves nothing
// to compare (*missing says which), as does a run in which none fired.
double FaultMetric(Kind kind, const rig::v1::Report& report,
                   std::string* missing) {
  double worst = 0;
  if (report.faults_size() == 0) *missing = "no fault fired";
  for (const auto& f : report.faults()) {
    const rig::v1::FaultRecovery& r = f.recovery();
    if (kind == Kind::kFaultErrors) {
      worst = std::max(worst, static_cast<double>(r.errors()));
      continue;
    }
    if (!r.recovered() && missing->empty()) {
      *missing = absl::StrCat("fault ", f.index() + 1, " (", f.name(), ") #",
                              f.occurrence(), ": ", r.summary());
    }
    worst = std::max(worst, static_cast<double>(r.recovery_us()));
  }
  return worst;
}

}  // namespace

absl::StatusOr<Threshold> ParseThreshold(absl::string_view text) {
  const absl::string_view expr = absl::StripAsciiWhitespace(text);
  if (expr.empty()) return Bad(expr, absl::StrCat("empty; expected ", kForm));

  size_t i = 0;
  while (i < expr.size() &&
         (std::isalnum(static_cast<unsigned char>(expr[i])) || expr[i] == '_' ||
          expr[i] == '.')) {
    ++i;
  }
  if (i == 0) {
    return Bad(expr, absl::StrCat("expected a metric first, ", kForm,
                                  "; metrics: ", kMetricList));
  }
  std::string name = absl::AsciiStrToLower(expr.substr(0, i));
  const MetricSpec* metric = FindMetric(name);
  std::string type;
  // "new_order.p99": the metric of one operation type (workloads of
  // several); the type is what precedes the first dot.
  if (const size_t dot = name.find('.');
      metric == nullptr && dot != std::string::npos && dot > 0) {
    metric = FindMetric(name.substr(dot + 1));
    if (metric != nullptr) {
      type = std::string(expr.substr(0, dot));
      if (metric->kind == Kind::kLostAgents ||
          metric->kind == Kind::kFaultRecovery ||
          metric->kind == Kind::kFaultErrors) {
        return Bad(expr, absl::StrCat(metric->name,
                                      " is of the run, not of an operation "
                                      "type; write ",
                                      metric->name));
      }
    }
  }
  if (metric == nullptr) {
    return Bad(expr, absl::StrCat("unknown metric \"", expr.substr(0, i),
                                  "\"; expected one of ", kMetricList));
  }

  absl::string_view rest = absl::StripLeadingAsciiWhitespace(expr.substr(i));
  size_t j = 0;
  // The operator is the run of symbols after the metric, so "p99 => 5ms" is
  // reported as a bad operator "=>" rather than a bad number "> 5ms".
  while (j < rest.size() && std::ispunct(static_cast<unsigned char>(rest[j])) &&
         rest[j] != '.' && rest[j] != '+' && rest[j] != '-') {
    ++j;
  }
  const absl::string_view op = rest.substr(0, j);
  if (op.empty()) {
    return Bad(expr,
               absl::StrCat("missing operator after \"", expr.substr(0, i),
                            "\"; expected one of ", kOps, ", as in ", kForm));
  }
  if (op != "<" && op != "<=" && op != ">" && op != ">=" && op != "==") {
    return Bad(expr, absl::StrCat("bad operator \"", op, "\"; expected one of ",
                                  kOps));
  }
  const absl::string_view value = absl::StripAsciiWhitespace(rest.substr(j));
  if (value.empty()) {
    return Bad(expr, absl::StrCat("missing limit after \"", op, "\"; expected ",
                                  kForm));
  }

  Threshold t;
  t.expression = std::string(expr);
  t.metric = metric->canonical;
  t.type = type;
  t.op = std::string(op);

  double number = 0;
  if (TakesDuration(metric->kind)) {
    if (ParseNumber(value, &number)) {
      return Bad(
          expr, absl::StrCat(metric->kind == Kind::kLatency ? "latency limits"
                                                            : "recovery limits",
                             " need a unit (e.g. ", value,
                             "ms); units: us, ms, s, m"));
    }
    if (value[0] == '-') return Bad(expr, "limit must not be negative");
    // "50 ms" and "1m 30s" are what people type; absl wants no spaces.
    std::string compact;
    for (char c : value) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact += c;
    }
    // rig::ParseDuration takes std::string_view; Debian's abseil
    // string_view is a distinct type.
    auto d = rig::ParseDuration(std::string_view(compact));
    if (!d.ok()) {
      return Bad(expr, absl::StrCat("bad latency limit \"", value,
                                    "\"; expected a number with a unit, e.g. "
                                    "50ms, 1.5s, 2m (units: us, ms, s, m)"));
    }
    t.limit = absl::ToDoubleMicroseconds(*d);
    return t;
  }

  absl::string_view digits = value;
  double scale = 1;
  if (metric->kind == Kind::kErrorRate && absl::EndsWith(digits, "%")) {
    digits =
        absl::StripTrailingAsciiWhitespace(digits.substr(0, digits.size() - 1));
    scale = 0.01;
  }
  if (!ParseNumber(digits, &number)) {
    const char* example = metric->kind == Kind::kErrorRate ? "0.01"
                          : metric->kind == Kind::kErrors ||
                                  metric->kind == Kind::kLostAgents ||
                                  metric->kind == Kind::kFaultErrors
                              ? "0"
                          : metric->kind == Kind::kThroughput ? "1000"
                                                              : "5000";
    return Bad(expr, absl::StrCat("bad limit \"", value, "\"; ", t.metric,
                                  " takes a plain number, e.g. ", t.metric, " ",
                                  op, " ", example));
  }
  if (number < 0) return Bad(expr, "limit must not be negative");
  t.limit = number * scale;
  return t;
}

absl::StatusOr<std::vector<Threshold>> ParseThresholds(
    const google::protobuf::RepeatedPtrField<std::string>& texts) {
  std::vector<Threshold> out;
  std::vector<std::string> errors;
  for (const std::string& text : texts) {
    absl::StatusOr<Threshold> t = ParseThreshold(text);
    if (t.ok()) {
      out.push_back(*std::move(t));
    } else {
      errors.emplace_back(t.status().message());
    }
  }
  // Every bad entry at once: fixing a plan one error per run is tedious.
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  return out;
}

rig::v1::ThresholdVerdict Evaluate(const Threshold& threshold,
                                   const rig::v1::Report& report) {
  rig::v1::ThresholdVerdict v;
  v.set_expression(threshold.expression);
  v.set_limit(threshold.limit);
  const MetricSpec* metric = FindCanonical(threshold.metric);
  if (metric == nullptr) {
    // Only a hand-built Threshold gets here; ParseThreshold never makes one.
    v.set_passed(false);
    v.set_message(absl::StrCat(threshold.metric, ": unknown metric: FAILED"));
    return v;
  }
  std::string missing;  // why there is nothing to judge
  double observed = 0;
  if (metric->kind == Kind::kLostAgents) {
    for (const auto& a : report.agents()) observed += a.lost() ? 1 : 0;
  } else if (metric->kind == Kind::kFaultRecovery ||
             metric->kind == Kind::kFaultErrors) {
    observed = FaultMetric(metric->kind, report, &missing);
  } else if (!threshold.type.empty()) {
    const rig::v1::Summary* of = nullptr;
    std::vector<std::string> types;
    for (const auto& o : report.operations()) {
      if (o.type() == threshold.type) of = &o.summary();
      types.push_back(o.type());
    }
    if (of != nullptr) {
      observed = MetricValue(threshold.metric, *of, &missing);
    } else {
      missing = types.empty()
                    ? absl::StrCat("no operation type \"", threshold.type,
                                   "\": the workload reports none")
                    : absl::StrCat("no operation type \"", threshold.type,
                                   "\" (the report has ",
                                   absl::StrJoin(types, ", "), ")");
    }
  } else {
    observed = MetricValue(threshold.metric, report.total(), &missing);
  }
  const bool passed =
      missing.empty() && Compare(observed, threshold.op, threshold.limit);
  v.set_observed(observed);
  v.set_passed(passed);
  const std::string name =
      threshold.type.empty()
          ? threshold.metric
          : absl::StrCat(threshold.type, ".", threshold.metric);
  const std::string seen =
      missing.empty()
          ? absl::StrCat(name, " = ", FormatValue(metric->kind, observed))
          : absl::StrCat(name, ": ", missing);
  v.set_message(absl::StrCat(seen, ", limit ", threshold.op, " ",
                             FormatValue(metric->kind, threshold.limit), ": ",
                             passed ? "passed" : "FAILED"));
  return v;
}

absl::StatusOr<std::string> CanonicalMetric(absl::string_view name) {
  const MetricSpec* m = FindMetric(absl::AsciiStrToLower(name));
  if (m == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown metric \"", name, "\"; expected one of ", kMetricList));
  }
  return std::string(m->canonical);
}

bool IsLatencyMetric(absl::string_view canonical) {
  const MetricSpec* m = FindCanonical(canonical);
  return m != nullptr && m->kind == Kind::kLatency;
}

double MetricValue(absl::string_view canonical, const rig::v1::Summary& total,
                   std::string* missing) {
  std::string none;
  const MetricSpec* metric = FindCanonical(canonical);
  const rig::v1::Latency& lat = total.latency();
  double observed = 0;
  switch (metric == nullptr ? Kind::kErrors : metric->kind) {
    case Kind::kLatency: {
      const absl::string_view m = canonical;
      observed = m == "p50"     ? lat.p50_us()
                 : m == "p90"   ? lat.p90_us()
                 : m == "p95"   ? lat.p95_us()
                 : m == "p99"   ? lat.p99_us()
                 : m == "p99.9" ? lat.p999_us()
                 : m == "min"   ? lat.min_us()
                 : m == "max"   ? lat.max_us()
                                : lat.mean_us();
      if (lat.count() == 0) none = "no latency samples";
      break;
    }
    case Kind::kErrorRate:
      observed = total.error_rate();
      if (total.counters().ops() == 0 && total.counters().errors() == 0) {
        none = "no operations measured";
      }
      break;
    case Kind::kErrors:
      observed = static_cast<double>(total.counters().errors());
      break;
    case Kind::kThroughput:
      observed = total.ops_per_sec();
      break;
    case Kind::kQps:
      observed = total.queries_per_sec();
      break;
    case Kind::kStatementRate: {
      const rig::v1::Counters& c = total.counters();
      if (c.read_queries() + c.write_queries() + c.other_queries() == 0) {
        none = "no statements counted by kind (oltp_* and sql count them)";
      } else if (total.measured_us() <= 0) {
        none = "no measured time";
      } else {
        const int64_t n = canonical == "read_qps"    ? c.read_queries()
                          : canonical == "write_qps" ? c.write_queries()
                                                     : c.other_queries();
        observed = static_cast<double>(n) * 1e6 /
                   static_cast<double>(total.measured_us());
      }
      break;
    }
    case Kind::kLostAgents:
    case Kind::kFaultRecovery:
    case Kind::kFaultErrors:
      none = "not in a summary (a run's threshold)";
      break;
  }
  if (metric == nullptr) none = "unknown metric";
  if (missing != nullptr) *missing = none;
  return observed;
}

std::string FormatMetricValue(absl::string_view canonical, double v) {
  const MetricSpec* m = FindCanonical(canonical);
  return FormatValue(m == nullptr ? Kind::kErrors : m->kind, v);
}

bool ApplyThresholds(const std::vector<Threshold>& thresholds,
                     rig::v1::Report* report) {
  bool all = true;
  for (const Threshold& t : thresholds) {
    rig::v1::ThresholdVerdict v = Evaluate(t, *report);
    all = all && v.passed();
    *report->add_thresholds() = std::move(v);
  }
  return all;
}

}  // namespace rig::coordinator
