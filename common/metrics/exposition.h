#pragma once

// Prometheus' text exposition format (version 0.0.4), written by hand: it is
// a few lines of escaping and number formatting, and no Prometheus client
// library is packaged in Debian 12.
//
// A family starts with its # HELP and # TYPE lines (from the catalogue,
// catalog.h), then its samples. Label values are escaped (\\, \", \n);
// numbers print as Prometheus parses them (+Inf, -Inf, NaN, integers without
// an exponent up to 2^53). Names are not checked here: the catalogue's test
// holds every name to the format's rules.
//
// Not thread-safe; one Exposition per scrape.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/metrics/catalog.h"
#include "common/metrics/latency_buckets.h"

namespace rig::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
 public:
  // # HELP and # TYPE of `spec`; the samples that follow belong to it.
  void Family(const MetricSpec& spec);
  // One sample line: `name{labels} value`. `name` is the family's name, or
  // for a histogram the name plus _bucket/_sum/_count.
  void Sample(std::string_view name, const Labels& labels, double value);
  // A histogram's series: cumulative _bucket lines with `le` in seconds
  // (+Inf last), _sum in seconds and _count.
  void Histogram(std::string_view name, const Labels& labels,
                 const LatencyBuckets& buckets);

  const std::string& text() const { return out_; }

 private:
  std::string out_;
};

// \\ for \, \" for ", \n for a line break.
std::string EscapeLabelValue(std::string_view value);
// HELP text escapes \ and line breaks only.
std::string EscapeHelp(std::string_view help);
// A sample value: "+Inf", "-Inf", "NaN", an integer written in full when the
// value is one (below 2^53), else the shortest form that reads back exactly.
std::string FormatValue(double value);

// The Content-Type of the format.
inline constexpr char kContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

}  // namespace rig::metrics
