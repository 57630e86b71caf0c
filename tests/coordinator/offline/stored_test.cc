#include "coordinator/offline/stored.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "coordinator/report/json.h"
#include "tests/coordinator/offline/report_fixture.h"

namespace rig::coordinator {
namespace {

TEST(StoredReportTest, ReadsWhatTheJsonWriterWrote) {
  const rig::v1::Report r =
      testing::MakeReport("r1", "p", 1700000000000000, {{{100, 200}, {300}}});
  auto back = ParseReport(ReportToJson(r), "r1.json");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->run_id(), "r1");
  ASSERT_EQ(back->intervals_size(), 2);
  EXPECT_EQ(back->intervals(0).latency().histogram(),
            r.intervals(0).latency().histogram());
  EXPECT_FALSE(back->intervals(0).latency().histogram().empty());
}

TEST(StoredReportTest, ErrorsNameTheFileAndWhatIsWrong) {
  auto missing = ReadReport("/nonexistent/run.json");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(missing.status().message(),
                                "/nonexistent/run.json: cannot read"));
  auto not_json = ParseReport("hello", "x.json");
  EXPECT_TRUE(absl::StrContains(not_json.status().message(),
                                "x.json: not a rig JSON report"));
  auto not_report = ParseReport("{\"a\": 1}", "y.json");
  EXPECT_TRUE(absl::StrContains(not_report.status().message(),
                                "y.json: not a rig JSON report (no "
                                "schema_version"));
  auto newer = ParseReport("{\"schema_version\": 99}", "z.json");
  EXPECT_TRUE(
      absl::StrContains(newer.status().message(), "z.json: report schema 99"));
}

TEST(StoredReportTest, PercentilesComeFromTheStoredHistograms) {
  rig::v1::Report r = testing::MakeReport("r1", "p", 1700000000000000,
                                          {{{100, 200, 300, 400, 5000}}});
  const rig::v1::Report original = r;
  // Numbers beside the histograms that disagree with them are replaced.
  r.mutable_total()->mutable_latency()->set_p99_us(1);
  r.mutable_agents(0)->mutable_summary()->mutable_latency()->set_max_us(2);
  r.mutable_intervals(0)->mutable_latency()->set_p50_us(3);
  ASSERT_TRUE(RederiveLatencies(r).ok());
  EXPECT_EQ(r.total().latency().p99_us(), original.total().latency().p99_us());
  EXPECT_EQ(r.total().latency().p99_us(), 5000);
  EXPECT_EQ(r.agents(0).summary().latency().max_us(), 5000);
  EXPECT_EQ(r.intervals(0).latency().p50_us(), 300);
}

TEST(StoredReportTest, SamplesWithoutAHistogramAreNamed) {
  rig::v1::Latency l;
  l.set_count(5);
  auto h = StoredHistogram(l, "a.json: interval 3");
  EXPECT_EQ(h.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(absl::StrContains(h.status().message(),
                                "a.json: interval 3: 5 samples but no stored "
                                "histogram"));
  l.set_histogram("garbage");
  EXPECT_EQ(StoredHistogram(l, "x").status().code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace rig::coordinator
