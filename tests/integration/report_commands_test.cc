// The report commands on reports of real runs: two coordinators (each with
// one --local agent) run one plan at the same time against the private
// MariaDB; their JSON reports carry every interval's histogram (schema 2),
// the CSV and HdrHistogram log are written beside them, and `report show`,
// `report compare` and `report merge` take them.

#include <future>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/stats/histogram.h"
#include "tests/integration/real_rig.h"

namespace rig {
namespace {

class ReportCommandsTest : public RealRigTest {
 protected:
  rig::v1::Report ReadReport(const std::string& path) {
    rig::v1::Report r;
    google::protobuf::util::JsonParseOptions options;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                    testing::ReadFile(path), &r, options)
                    .ok())
        << path;
    return r;
  }
};

TEST_F(ReportCommandsTest, TwoCoordinatorsOfOnePlanMergeExactly) {
  const std::string body =
      absl::StrCat("name: report-commands\n", TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 1000}\n"
                   "load: {connections: 2, duration: 2s, "
                   "report_interval: 500ms}\n");
  const std::string plan = WritePlan("report_commands.yaml", body);
  // The tables first, so that the two runs can skip preparing.
  auto prepared = Coordinator({plan, "--local", "1"}, server_->password());
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  ASSERT_EQ(prepared->exit_code, 0) << prepared->stderr_text;

  auto run = [&](const std::string& tag) {
    return Coordinator(
        {plan, "--local", "1", "--set", "workload.prepare=skip", "--set",
         absl::StrCat("report={json: ", *dir_, "/", tag, ".json, csv: ", *dir_,
                      "/", tag, ".csv, hdr_log: ", *dir_, "/", tag, ".hlog}")},
        server_->password());
  };
  auto a = std::async(std::launch::async, run, "ra");
  auto b = std::async(std::launch::async, run, "rb");
  auto ra = a.get();
  auto rb = b.get();
  ASSERT_TRUE(ra.ok() && rb.ok());
  ASSERT_EQ(ra->exit_code, 0) << ra->stdout_text << ra->stderr_text;
  ASSERT_EQ(rb->exit_code, 0) << rb->stdout_text << rb->stderr_text;

  Histogram pooled;
  for (const char* tag : {"ra", "rb"}) {
    const rig::v1::Report r =
        ReadReport(absl::StrCat(*dir_, "/", tag, ".json"));
    EXPECT_EQ(r.schema_version(), 2);
    ASSERT_GT(r.intervals_size(), 2);
    // The intervals' histograms add up to the run's total.
    Histogram sum;
    for (const auto& iv : r.intervals()) {
      ASSERT_FALSE(iv.latency().histogram().empty()) << tag << " " << iv.seq();
      auto h = Histogram::Decode(iv.latency().histogram());
      ASSERT_TRUE(h.ok());
      EXPECT_EQ(h->count(), iv.latency().count());
      sum.Merge(*h);
    }
    EXPECT_EQ(sum.Encode(), r.total().latency().histogram()) << tag;
    pooled.Merge(sum);
    // CSV: a header and a row per interval; the log: a line per interval.
    const std::vector<std::string> csv =
        absl::StrSplit(testing::ReadFile(absl::StrCat(*dir_, "/", tag, ".csv")),
                       "\r\n", absl::SkipEmpty());
    EXPECT_EQ(csv.size(), static_cast<size_t>(r.intervals_size() + 1));
    int histograms = 0;
    for (absl::string_view line : absl::StrSplit(
             testing::ReadFile(absl::StrCat(*dir_, "/", tag, ".hlog")), '\n',
             absl::SkipEmpty())) {
      if (absl::StrContains(line, ",HISTF")) ++histograms;
    }
    EXPECT_EQ(histograms, r.intervals_size());
  }

  const std::string ra_json = absl::StrCat(*dir_, "/ra.json");
  const std::string rb_json = absl::StrCat(*dir_, "/rb.json");
  auto show = Coordinator({"report", "show", ra_json}, "");
  ASSERT_TRUE(show.ok());
  EXPECT_EQ(show->exit_code, 0) << show->stderr_text;
  EXPECT_TRUE(absl::StrContains(show->stdout_text, "report-commands"));

  auto compare = Coordinator(
      {"report", "compare", ra_json, rb_json, "--threshold", "p99 +100000%"},
      "");
  ASSERT_TRUE(compare.ok());
  EXPECT_EQ(compare->exit_code, 0)
      << compare->stdout_text << compare->stderr_text;

  const std::string merged_json = absl::StrCat(*dir_, "/merged.json");
  auto merge =
      Coordinator({"report", "merge", ra_json, rb_json, "-o", merged_json}, "");
  ASSERT_TRUE(merge.ok());
  ASSERT_EQ(merge->exit_code, 0) << merge->stdout_text << merge->stderr_text;
  const rig::v1::Report merged = ReadReport(merged_json);
  EXPECT_EQ(merged.total().latency().histogram(), pooled.Encode());
  EXPECT_EQ(merged.total().latency().p99_us(), pooled.ValueAtPercentile(99));
  EXPECT_EQ(merged.agents_size(), 2);
  // The two ran at the same time: most merged intervals hold both.
  int both = 0;
  for (const auto& iv : merged.intervals()) both += iv.agents_reporting() == 2;
  EXPECT_GE(both, 2);
}

}  // namespace
}  // namespace rig
