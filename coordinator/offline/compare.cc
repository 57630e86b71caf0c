#include "coordinator/offline/compare.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/base/duration.h"
#include "coordinator/results/thresholds.h"

namespace rig::coordinator {
namespace {

constexpr char kForm[] =
    "\"<metric> +<limit>\" or \"<metric> -<limit>\", e.g. \"p99 +10%\" "
    "(fails when p99 rises by more than 10%) or \"throughput -5%\" (fails "
    "when it falls by more than 5%)";

// The rows of the table, in order ("ops" is not a threshold metric).
constexpr const char* kRows[] = {"ops",        "throughput", "qps", "errors",
                                 "error_rate", "p50",        "p90", "p99",
                                 "p99.9",      "max",        "mean"};

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("threshold \"", text, "\": ", why));
}

bool PlainNumber(absl::string_view s, double* out) {
  if (s.empty() ||
      !(std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '.')) {
    return false;
  }
  return absl::SimpleAtod(s, out) && std::isfinite(*out);
}

double Value(absl::string_view metric, const rig::v1::Report& r,
             std::string* missing) {
  if (metric == "ops") {
    if (missing != nullptr) missing->clear();
    return static_cast<double>(r.total().counters().ops());
  }
  return MetricValue(metric, r.total(), missing);
}

bool CountsKinds(const rig::v1::Report& r) {
  const rig::v1::Counters& c = r.total().counters();
  return c.read_queries() + c.write_queries() + c.other_queries() > 0;
}

double PercentChange(double base, double next) {
  if (base == next) return 0;
  if (base == 0) {
    return next > 0 ? std::numeric_limits<double>::infinity()
                    : -std::numeric_limits<double>::infinity();
  }
  return (next - base) / std::fabs(base) * 100;
}

std::string Show(absl::string_view metric, double v) {
  if (metric == "ops" || metric == "errors") {
    return absl::StrFormat("%.0f", v);
  }
  return FormatMetricValue(metric, v);
}

std::string LimitText(const ChangeThreshold& t) {
  const char* sign = t.rise ? "+" : "-";
  if (t.percent) return absl::StrCat(sign, absl::StrFormat("%g", t.limit), "%");
  return absl::StrCat(sign, FormatMetricValue(t.metric, t.limit));
}

ChangeVerdict Judge(const ChangeThreshold& t, const rig::v1::Report& base,
                    const rig::v1::Report& next) {
  ChangeVerdict v;
  v.expression = t.expression;
  std::string missing_base, missing_next;
  const double b = Value(t.metric, base, &missing_base);
  const double n = Value(t.metric, next, &missing_next);
  const std::string limit = LimitText(t);
  if (!missing_base.empty() || !missing_next.empty()) {
    v.passed = false;
    v.message = absl::StrCat(t.metric, ": ",
                             !missing_base.empty()
                                 ? absl::StrCat("base has ", missing_base)
                                 : absl::StrCat("new has ", missing_next),
                             ", limit ", limit, ": FAILED");
    return v;
  }
  const double pct = PercentChange(b, n);
  const double change = t.percent ? pct : n - b;
  const double worse = t.rise ? change : -change;
  v.passed = !(worse > t.limit);  // NaN cannot happen: b, n are finite
  v.message =
      absl::StrCat(t.metric, ": ", Show(t.metric, b), " -> ", Show(t.metric, n),
                   " (", FormatPercentChange(pct), "), limit ", limit, ": ",
                   v.passed ? "passed" : "FAILED");
  return v;
}

std::string RunLine(absl::string_view label, const rig::v1::Report& r) {
  return absl::StrFormat("%-5s run %s (plan \"%s\", %s), %.1fs measured\n",
                         label, r.run_id(), r.plan().name(),
                         r.plan().workload().kind(),
                         r.total().measured_us() / 1e6);
}

}  // namespace

std::string FormatPercentChange(double percent) {
  if (percent == 0) return "0%";
  if (std::isinf(percent)) return percent > 0 ? "+inf%" : "-inf%";
  std::string digits = absl::StrFormat("%+.1f", percent);
  if (absl::EndsWith(digits, ".0")) digits.resize(digits.size() - 2);
  return digits + "%";
}

absl::StatusOr<ChangeThreshold> ParseChangeThreshold(absl::string_view text) {
  const absl::string_view expr = absl::StripAsciiWhitespace(text);
  if (expr.empty()) return Bad(expr, absl::StrCat("empty; expected ", kForm));
  size_t i = 0;
  while (i < expr.size() &&
         (std::isalnum(static_cast<unsigned char>(expr[i])) || expr[i] == '_' ||
          expr[i] == '.')) {
    ++i;
  }
  if (i == 0)
    return Bad(expr, absl::StrCat("expected a metric first, ", kForm));
  auto metric = CanonicalMetric(expr.substr(0, i));
  if (!metric.ok()) return Bad(expr, metric.status().message());
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(expr.substr(i));
  if (rest.empty() || (rest[0] != '+' && rest[0] != '-')) {
    return Bad(expr, absl::StrCat("expected a signed change after \"",
                                  expr.substr(0, i), "\", ", kForm));
  }
  ChangeThreshold t;
  t.expression = std::string(expr);
  t.metric = *metric;
  t.rise = rest[0] == '+';
  absl::string_view value = absl::StripAsciiWhitespace(rest.substr(1));
  if (value.empty()) {
    return Bad(expr,
               absl::StrCat("missing limit after the sign; expected ", kForm));
  }
  double number = 0;
  if (value.back() == '%') {
    t.percent = true;
    const absl::string_view digits =
        absl::StripTrailingAsciiWhitespace(value.substr(0, value.size() - 1));
    if (!PlainNumber(digits, &number)) {
      return Bad(expr, absl::StrCat("bad percentage \"", value,
                                    "\"; expected a number, e.g. 10%"));
    }
    t.limit = number;
    return t;
  }
  t.percent = false;
  if (IsLatencyMetric(t.metric)) {
    if (PlainNumber(value, &number)) {
      return Bad(expr, absl::StrCat("a latency change needs % or a unit (e.g. ",
                                    value, "% or ", value, "ms)"));
    }
    std::string compact;
    for (char c : value) {
      if (!absl::ascii_isspace(static_cast<unsigned char>(c))) compact += c;
    }
    auto d = rig::ParseDuration(std::string_view(compact));
    if (!d.ok() || *d < absl::ZeroDuration()) {
      return Bad(expr, absl::StrCat("bad latency change \"", value,
                                    "\"; expected a percentage (10%) or a "
                                    "duration (2ms, 1.5s)"));
    }
    t.limit = absl::ToDoubleMicroseconds(*d);
    return t;
  }
  if (!PlainNumber(value, &number)) {
    return Bad(expr, absl::StrCat("bad limit \"", value, "\"; ", t.metric,
                                  " takes a percentage (5%) or a plain "
                                  "number"));
  }
  t.limit = number;
  return t;
}

absl::StatusOr<std::vector<ChangeThreshold>> ParseChangeThresholds(
    const std::vector<std::string>& texts) {
  std::vector<ChangeThreshold> out;
  std::vector<std::string> errors;
  for (const std::string& text : texts) {
    auto t = ParseChangeThreshold(text);
    if (t.ok()) {
      out.push_back(*std::move(t));
    } else {
      errors.emplace_back(t.status().message());
    }
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "; "));
  }
  return out;
}

Comparison CompareReports(const rig::v1::Report& base,
                          const rig::v1::Report& next,
                          const std::vector<ChangeThreshold>& thresholds) {
  Comparison c;
  auto add = [&](const char* metric) {
    MetricChange row;
    row.metric = metric;
    row.base = Value(metric, base, nullptr);
    row.next = Value(metric, next, nullptr);
    row.percent = PercentChange(row.base, row.next);
    c.rows.push_back(row);
  };
  for (const char* metric : kRows) add(metric);
  // Statements by kind, where either run counted them (oltp_*, sql).
  if (CountsKinds(base) || CountsKinds(next)) {
    for (const char* metric : {"read_qps", "write_qps", "other_qps"}) {
      add(metric);
    }
  }
  for (const ChangeThreshold& t : thresholds) {
    c.verdicts.push_back(Judge(t, base, next));
    c.passed = c.passed && c.verdicts.back().passed;
  }
  return c;
}

std::string FormatComparison(const rig::v1::Report& base,
                             const rig::v1::Report& next, const Comparison& c) {
  std::string out = RunLine("base:", base) + RunLine("new:", next) + "\n";
  absl::StrAppend(&out, absl::StrFormat("%-12s %18s %18s %10s\n", "", "base",
                                        "new", "change"));
  for (const MetricChange& row : c.rows) {
    absl::StrAppend(&out, absl::StrFormat("%-12s %18s %18s %10s\n", row.metric,
                                          Show(row.metric, row.base),
                                          Show(row.metric, row.next),
                                          FormatPercentChange(row.percent)));
  }
  if (!c.verdicts.empty()) {
    out += "\nthresholds on the change:\n";
    for (const ChangeVerdict& v : c.verdicts) {
      absl::StrAppend(&out, "  ", v.message, "\n");
    }
    absl::StrAppend(&out, "\n",
                    c.passed ? "PASSED" : "FAILED: a threshold on the change",
                    "\n");
  }
  return out;
}

}  // namespace rig::coordinator
