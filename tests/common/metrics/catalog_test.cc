#include "common/metrics/catalog.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace rig::metrics {
namespace {

TEST(CatalogTest, NamesFollowPrometheusConventions) {
  const std::regex name("[a-zA-Z_:][a-zA-Z0-9_:]*");
  std::set<std::string> seen;
  for (const MetricSpec& spec : Catalog()) {
    const std::string n = spec.name;
    EXPECT_TRUE(std::regex_match(n, name)) << n;
    EXPECT_EQ(n.rfind("rig_", 0), 0u) << n;
    EXPECT_TRUE(seen.insert(n).second) << n << " twice";
    const bool total = n.size() > 6 && n.substr(n.size() - 6) == "_total";
    EXPECT_EQ(total, spec.type == MetricType::kCounter) << n;
    if (spec.type == MetricType::kHistogram) {
      EXPECT_NE(n.find("_seconds"), std::string::npos) << n << ": base unit";
    }
    EXPECT_NE(std::string(spec.help), "") << n;
  }
}

// The README's table is CatalogMarkdown(), between its markers.
TEST(CatalogTest, ReadmeListsEveryMetric) {
  std::ifstream in(std::string(RIG_SOURCE_DIR) + "/README.md");
  std::stringstream text;
  text << in.rdbuf();
  const std::string readme = text.str();
  const std::string begin = "<!-- metrics reference: begin -->\n";
  const std::string end = "<!-- metrics reference: end -->";
  const size_t b = readme.find(begin);
  const size_t e = readme.find(end);
  ASSERT_NE(b, std::string::npos) << "README.md has no metrics reference";
  ASSERT_NE(e, std::string::npos);
  EXPECT_EQ(readme.substr(b + begin.size(), e - b - begin.size()),
            CatalogMarkdown())
      << "regenerate it: rig-coordinator metrics reference";
}

}  // namespace
}  // namespace rig::metrics
