#include "common/metrics/exposition.h"

#include <gtest/gtest.h>

#include "common/stats/histogram.h"

namespace rig::metrics {
namespace {

TEST(ExpositionTest, EscapesLabelValuesAsTheFormatSays) {
  EXPECT_EQ(EscapeLabelValue(R"(a\b"c)"
                             "\n"
                             "d"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(EscapeHelp("x\\y\nz\"q"), "x\\\\y\\nz\"q");
}

TEST(ExpositionTest, FormatsValuesSoPrometheusReadsThemBack) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(123456789012345), "123456789012345");
  EXPECT_EQ(FormatValue(0.0001), "0.0001");
  EXPECT_EQ(FormatValue(2.5), "2.5");
  EXPECT_EQ(FormatValue(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(FormatValue(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(FormatValue(0.0 / 0.0), "NaN");
}

TEST(ExpositionTest, WritesAFamilyWithHelpTypeAndSamples) {
  Exposition out;
  out.Family(Spec("rig_retries_total"));
  out.Sample("rig_retries_total", {{"agent", "a\"1"}}, 7);
  out.Sample("rig_retries_total", {}, 1);
  EXPECT_EQ(out.text(),
            "# HELP rig_retries_total Attempts that failed and were "
            "retried.\n"
            "# TYPE rig_retries_total counter\n"
            "rig_retries_total{agent=\"a\\\"1\"} 7\n"
            "rig_retries_total 1\n");
}

TEST(ExpositionTest, WritesAHistogramCumulativeWithSumAndCount) {
  Histogram h;
  h.Record(50);     // <= 100us
  h.Record(100);    // <= 100us: the bound itself is inside
  h.Record(101);    // <= 250us
  h.Record(70000);  // <= 100ms
  LatencyBuckets b;
  b.Add(h);
  Exposition out;
  out.Histogram("d", {{"agent", "x"}}, b);
  const std::string& t = out.text();
  EXPECT_NE(t.find("d_bucket{agent=\"x\",le=\"0.0001\"} 2\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("d_bucket{agent=\"x\",le=\"0.00025\"} 3\n"),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("d_bucket{agent=\"x\",le=\"0.05\"} 3\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("d_bucket{agent=\"x\",le=\"0.1\"} 4\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("d_bucket{agent=\"x\",le=\"60\"} 4\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("d_bucket{agent=\"x\",le=\"+Inf\"} 4\n"), std::string::npos)
      << t;
  EXPECT_NE(t.find("d_sum{agent=\"x\"} 0.070251\n"), std::string::npos) << t;
  EXPECT_NE(t.find("d_count{agent=\"x\"} 4\n"), std::string::npos) << t;
}

}  // namespace
}  // namespace rig::metrics
