#include "common/metrics/exposition.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace rig::metrics {
namespace {

void AppendLabels(const Labels& labels, std::string* out) {
  if (labels.empty()) return;
  out->push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out->push_back(',');
    absl::StrAppend(out, labels[i].first, "=\"",
                    EscapeLabelValue(labels[i].second), "\"");
  }
  out->push_back('}');
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9007199254740992.0) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  // The shortest of %.15g .. %.17g that reads back as the same double.
  char buf[32];
  for (int precision = 15; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof(buf), "%.*g", precision, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  return buf;
}

void Exposition::Family(const MetricSpec& spec) {
  absl::StrAppend(&out_, "# HELP ", spec.name, " ", EscapeHelp(spec.help),
                  "\n# TYPE ", spec.name, " ", TypeName(spec.type), "\n");
}

void Exposition::Sample(std::string_view name, const Labels& labels,
                        double value) {
  out_.append(name.data(), name.size());
  AppendLabels(labels, &out_);
  absl::StrAppend(&out_, " ", FormatValue(value), "\n");
}

void Exposition::Histogram(std::string_view name, const Labels& labels,
                           const LatencyBuckets& buckets) {
  const std::string bucket_name = std::string(name) + "_bucket";
  Labels with_le = labels;
  with_le.emplace_back("le", "");
  int64_t cumulative = 0;
  for (size_t i = 0; i < LatencyBuckets::kBoundsUs.size(); ++i) {
    cumulative += buckets.counts()[i];
    with_le.back().second =
        FormatValue(static_cast<double>(LatencyBuckets::kBoundsUs[i]) / 1e6);
    Sample(bucket_name, with_le, static_cast<double>(cumulative));
  }
  with_le.back().second = "+Inf";
  Sample(bucket_name, with_le, static_cast<double>(buckets.count()));
  Sample(std::string(name) + "_sum", labels, buckets.sum_seconds());
  Sample(std::string(name) + "_count", labels,
         static_cast<double>(buckets.count()));
}

}  // namespace rig::metrics
