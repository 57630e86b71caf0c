#include "coordinator/offline/compare.h"

#include <gtest/gtest.h>

#include <cmath>

#include "absl/strings/match.h"
#include "tests/coordinator/offline/report_fixture.h"

namespace rig::coordinator {
namespace {

using testing::MakeReport;

// 100 samples: 99 at `fast` and one at `slow` (so p99 is `fast` and p99.9
// and max are `slow`), in each of two intervals.
rig::v1::Report RunOf(int64_t fast, int64_t slow, int64_t errors = 0) {
  std::vector<int64_t> one(99, fast);
  one.push_back(slow);
  return MakeReport("r", "p", 1700000000000000, {{one, one}}, errors);
}

TEST(ChangeThresholdTest, ParsesRisesFallsPercentAndAbsolute) {
  auto t = ParseChangeThreshold(" P99 +10% ");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->expression, "P99 +10%");
  EXPECT_EQ(t->metric, "p99");
  EXPECT_TRUE(t->rise);
  EXPECT_TRUE(t->percent);
  EXPECT_EQ(t->limit, 10);
  t = ParseChangeThreshold("throughput -5%");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->metric, "throughput");
  EXPECT_FALSE(t->rise);
  t = ParseChangeThreshold("p999 +2ms");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->metric, "p99.9");
  EXPECT_FALSE(t->percent);
  EXPECT_EQ(t->limit, 2000);
  t = ParseChangeThreshold("errors +0");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->limit, 0);
}

TEST(ChangeThresholdTest, ABadExpressionIsNamedWithTheReason) {
  struct Case {
    const char* text;
    const char* says;
  } cases[] = {
      {"p99 10%", "expected a signed change after \"p99\""},
      {"p98 +10%", "unknown metric \"p98\""},
      {"p99 +10", "a latency change needs % or a unit"},
      {"p99 +x%", "bad percentage \"x%\""},
      {"throughput -fast", "bad limit \"fast\""},
      {"p99 +", "missing limit"},
      {"", "empty"},
  };
  for (const Case& c : cases) {
    auto t = ParseChangeThreshold(c.text);
    ASSERT_FALSE(t.ok()) << c.text;
    EXPECT_TRUE(absl::StrContains(t.status().message(),
                                  absl::StrCat("threshold \"", c.text, "\"")))
        << t.status();
    EXPECT_TRUE(absl::StrContains(t.status().message(), c.says)) << t.status();
  }
  auto all = ParseChangeThresholds({"p99 +10%", "p50 5%", "max 1"});
  ASSERT_FALSE(all.ok());
  EXPECT_TRUE(absl::StrContains(all.status().message(), "\"p50 5%\""));
  EXPECT_TRUE(absl::StrContains(all.status().message(), "\"max 1\""));
}

TEST(CompareTest, RowsGiveBothValuesAndTheChangeInPercent) {
  const Comparison c = CompareReports(RunOf(1000, 9000), RunOf(1200, 9000), {});
  ASSERT_FALSE(c.rows.empty());
  bool saw_p99 = false;
  for (const MetricChange& row : c.rows) {
    if (row.metric == "p99") {
      saw_p99 = true;
      EXPECT_EQ(row.base, 1000);
      EXPECT_EQ(row.next, 1200);
      EXPECT_NEAR(row.percent, 20.0, 1e-9);
    }
    if (row.metric == "max") {
      EXPECT_EQ(row.percent, 0);
    }
    if (row.metric == "ops") {
      EXPECT_EQ(row.base, 200);
    }
  }
  EXPECT_TRUE(saw_p99);
  EXPECT_TRUE(c.passed);
}

// Rows for read/write/other statements per second appear when a run counted
// them (oltp_*), and thresholds on the change can name them.
TEST(CompareTest, StatementKindsAreRowsWhereCounted) {
  auto has = [](const Comparison& c, const std::string& metric) {
    for (const MetricChange& row : c.rows) {
      if (row.metric == metric) return true;
    }
    return false;
  };
  const rig::v1::Report plain = RunOf(1000, 9000);
  EXPECT_FALSE(has(CompareReports(plain, plain, {}), "read_qps"));

  rig::v1::Report base = RunOf(1000, 9000);
  rig::v1::Report next = RunOf(1000, 9000);
  const double seconds = base.total().measured_us() / 1e6;
  ASSERT_GT(seconds, 0);
  base.mutable_total()->mutable_counters()->set_read_queries(1000);
  next.mutable_total()->mutable_counters()->set_read_queries(800);
  next.mutable_total()->mutable_counters()->set_write_queries(50);
  auto t = ParseChangeThreshold("read_qps -10%");
  ASSERT_TRUE(t.ok()) << t.status();
  const Comparison c = CompareReports(base, next, {*t});
  for (const char* m : {"read_qps", "write_qps", "other_qps"}) {
    EXPECT_TRUE(has(c, m)) << m;
  }
  for (const MetricChange& row : c.rows) {
    if (row.metric != "read_qps") continue;
    EXPECT_DOUBLE_EQ(row.base, 1000 / seconds);
    EXPECT_DOUBLE_EQ(row.next, 800 / seconds);
    EXPECT_NEAR(row.percent, -20.0, 1e-9);
  }
  ASSERT_EQ(c.verdicts.size(), 1u);
  EXPECT_FALSE(c.passed);  // -20% is past -10%
}

TEST(CompareTest, ThresholdsOnTheChangeJudgeTheRightDirection) {
  const rig::v1::Report base = RunOf(1000, 9000);
  const rig::v1::Report slower = RunOf(1200, 9000);  // p99 +20%
  auto judge = [&](const char* text, const rig::v1::Report& next) {
    auto t = ParseChangeThreshold(text);
    EXPECT_TRUE(t.ok()) << text;
    return CompareReports(base, next, {*t});
  };
  Comparison c = judge("p99 +10%", slower);
  EXPECT_FALSE(c.passed);
  ASSERT_EQ(c.verdicts.size(), 1u);
  EXPECT_TRUE(absl::StrContains(c.verdicts[0].message, "+20%"))
      << c.verdicts[0].message;
  EXPECT_TRUE(absl::StrContains(c.verdicts[0].message, "FAILED"));
  EXPECT_TRUE(judge("p99 +25%", slower).passed);
  EXPECT_TRUE(judge("p99 -10%", slower).passed);  // it did not fall
  EXPECT_FALSE(judge("p99 +150us", slower).passed);
  EXPECT_TRUE(judge("p99 +200us", slower).passed);
  // Getting faster fails a "fall" threshold on latency, passes a rise one.
  EXPECT_FALSE(judge("p99 -10%", RunOf(800, 9000)).passed);
  EXPECT_TRUE(judge("p99 +0%", RunOf(800, 9000)).passed);
  // Errors from 0: any rise is an infinite rise.
  EXPECT_FALSE(judge("errors +0", RunOf(1000, 9000, 1)).passed);
  EXPECT_TRUE(judge("errors +0", base).passed);
  // Both thresholds judged; one failing fails the comparison.
  auto a = ParseChangeThreshold("p99 +10%");
  auto b = ParseChangeThreshold("max +10%");
  const Comparison both = CompareReports(base, slower, {*a, *b});
  EXPECT_FALSE(both.passed);
  EXPECT_FALSE(both.verdicts[0].passed);
  EXPECT_TRUE(both.verdicts[1].passed);
}

TEST(CompareTest, ALatencyThresholdFailsWithNothingMeasured) {
  const rig::v1::Report empty = MakeReport("e", "p", 0, {{}});
  auto t = ParseChangeThreshold("p99 +10%");
  const Comparison c = CompareReports(RunOf(1000, 9000), empty, {*t});
  EXPECT_FALSE(c.passed);
  EXPECT_TRUE(absl::StrContains(c.verdicts[0].message, "no latency samples"));
}

TEST(CompareTest, FormatsATableAndTheVerdict) {
  auto t = ParseChangeThreshold("p99 +10%");
  const rig::v1::Report base = RunOf(1000, 9000);
  const rig::v1::Report next = RunOf(1200, 9000);
  const std::string text =
      FormatComparison(base, next, CompareReports(base, next, {*t}));
  EXPECT_TRUE(absl::StrContains(text, "p99")) << text;
  EXPECT_TRUE(absl::StrContains(text, "+20%")) << text;
  EXPECT_TRUE(absl::StrContains(text, "FAILED")) << text;
  EXPECT_EQ(FormatPercentChange(12.5), "+12.5%");
  EXPECT_EQ(FormatPercentChange(-3), "-3%");
  EXPECT_EQ(FormatPercentChange(INFINITY), "+inf%");
}

}  // namespace
}  // namespace rig::coordinator
