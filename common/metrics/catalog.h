#pragma once

// Every metric the rig exports, in one table: name, type, labels, meaning
// and which binary serves it. /metrics writes its # HELP and # TYPE lines
// from here, the README's metric table is generated from it
// (`rig-coordinator metrics reference`; a test holds the README to it), and
// the Helm chart's dashboard test checks its queries against it.

#include <string>
#include <string_view>
#include <vector>

namespace rig::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

// Which binary serves a metric.
enum class Served { kBoth, kCoordinator };

struct MetricSpec {
  const char* name;
  MetricType type;
  const char* labels;  // comma-separated, as the README lists them
  const char* help;
  Served served;
};

// The table, in the order /metrics writes them.
const std::vector<MetricSpec>& Catalog();
// The entry of `name`; aborts if there is none (a programming error).
const MetricSpec& Spec(std::string_view name);

// The README's table (markdown), from Catalog().
std::string CatalogMarkdown();

}  // namespace rig::metrics
