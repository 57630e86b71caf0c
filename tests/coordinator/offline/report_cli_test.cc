// The real rig-coordinator binary on JSON reports: `report show`,
// `report compare` (exit codes and the HTML page) and `report merge`, with
// the reports written by the coordinator's own JSON writer. No database.

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "coordinator/offline/stored.h"
#include "coordinator/report/json.h"
#include "tests/coordinator/offline/report_fixture.h"
#include "tests/support/process.h"

namespace rig::coordinator {
namespace {

// One directory for the suite's files, removed when the suite ends.
std::string Dir() {
  static const std::string dir = [] {
    auto d = rig::testing::MakeTempDir("report_cli_");
    EXPECT_TRUE(d.ok()) << d.status();
    return d.ok() ? *d : std::string("/tmp");
  }();
  return dir;
}

class RemoveDir : public ::testing::Environment {
 public:
  void TearDown() override { rig::testing::RemoveTree(Dir()); }
};
const auto* const kRemoveDir =
    ::testing::AddGlobalTestEnvironment(new RemoveDir);

std::string Path(const std::string& name) {
  return absl::StrCat(Dir(), "/", name);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Write(const std::string& name, const rig::v1::Report& r) {
  std::ofstream(Path(name)) << ReportToJson(r);
}

struct Ran {
  int code = -1;
  std::string output;  // stdout and stderr
};

Ran Coordinator(std::vector<std::string> args) {
  static int n = 0;
  const std::string log = Path(absl::StrCat("run", n++, ".log"));
  args.insert(args.begin(), RIG_COORDINATOR_BIN);
  auto p = rig::testing::Subprocess::Start(args, {}, log);
  EXPECT_TRUE(p.ok()) << p.status();
  if (!p.ok()) return {};
  auto code = (*p)->Wait(absl::Seconds(60));
  EXPECT_TRUE(code.ok());
  return {code.ok() ? *code : -1, Slurp(log)};
}

// 100 samples per interval: 99 at `fast` and one at 20 ms.
rig::v1::Report RunOf(const std::string& id, int64_t fast,
                      int64_t started_us = 1700000000000000) {
  std::vector<int64_t> one(99, fast);
  one.push_back(20000);
  return testing::MakeReport(id, "cli", started_us, {{one, one, one}});
}

TEST(ReportCliTest, ShowPrintsTheSummaryFromTheStoredHistograms) {
  rig::v1::Report r = RunOf("show-1", 1000);
  // A p99 beside the histogram that disagrees with it is not what is shown.
  r.mutable_total()->mutable_latency()->set_p99_us(77777);
  Write("show.json", r);
  const Ran ran = Coordinator({"report", "show", Path("show.json"), "--html",
                               Path("show.html"), "--csv", Path("show.csv"),
                               "--hdr-log", Path("show.hlog")});
  EXPECT_EQ(ran.code, 0) << ran.output;
  EXPECT_TRUE(absl::StrContains(ran.output, "Run show-1 (plan \"cli\")"))
      << ran.output;
  EXPECT_TRUE(absl::StrContains(ran.output, "     1.000")) << ran.output;
  EXPECT_FALSE(absl::StrContains(ran.output, "77.777")) << ran.output;
  EXPECT_TRUE(absl::StrContains(Slurp(Path("show.html")), "chart-latency"));
  EXPECT_TRUE(absl::StrContains(Slurp(Path("show.csv")), "seq,start_s"));
  EXPECT_TRUE(absl::StrContains(Slurp(Path("show.hlog")),
                                "#[Histogram log format version 1.3]"));
}

TEST(ReportCliTest, CompareExitsOneWhenAThresholdOnTheChangeFails) {
  Write("base.json", RunOf("base", 1000));
  Write("new.json", RunOf("new", 1300));
  Ran ran =
      Coordinator({"report", "compare", Path("base.json"), Path("new.json"),
                   "--threshold", "p99 +10%", "--html", Path("cmp.html")});
  EXPECT_EQ(ran.code, 1) << ran.output;
  EXPECT_TRUE(absl::StrContains(ran.output, "+30%")) << ran.output;
  EXPECT_TRUE(absl::StrContains(ran.output, "limit +10%: FAILED"))
      << ran.output;
  const std::string html = Slurp(Path("cmp.html"));
  EXPECT_TRUE(absl::StrContains(html, "base p99")) << html.substr(0, 200);
  EXPECT_TRUE(absl::StrContains(html, "new p99"));
  ran =
      Coordinator({"report", "compare", Path("base.json"), Path("new.json"),
                   "--threshold", "p99 +50%", "--threshold", "throughput -5%"});
  EXPECT_EQ(ran.code, 0) << ran.output;
}

TEST(ReportCliTest, BadInputIsNamedWithExitTwo) {
  Write("base.json", RunOf("base", 1000));
  Ran ran = Coordinator({"report", "compare", Path("base.json"),
                         Path("base.json"), "--threshold", "p99 10%"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_TRUE(absl::StrContains(ran.output, "threshold \"p99 10%\""))
      << ran.output;
  ran = Coordinator({"report", "show", Path("missing.json")});
  EXPECT_EQ(ran.code, 2);
  EXPECT_TRUE(absl::StrContains(ran.output, "missing.json: cannot read"))
      << ran.output;
  std::ofstream(Path("plan.yaml")) << "name: x\n";
  ran = Coordinator({"report", "show", Path("plan.yaml")});
  EXPECT_EQ(ran.code, 2);
  EXPECT_TRUE(absl::StrContains(ran.output, "plan.yaml: not a rig JSON report"))
      << ran.output;
  ran = Coordinator({"report", "frobnicate"});
  EXPECT_EQ(ran.code, 2);
  EXPECT_TRUE(absl::StrContains(ran.output, "not a report command"));
}

TEST(ReportCliTest, MergeWritesOneExactReportAndRefusesAnotherPlan) {
  Write("a.json", RunOf("a", 1000));
  Write("b.json", RunOf("b", 3000, 1700000000100000));
  Ran ran = Coordinator({"report", "merge", Path("a.json"), Path("b.json"),
                         "-o", Path("merged.json")});
  EXPECT_EQ(ran.code, 0) << ran.output;
  auto merged = ReadReport(Path("merged.json"));
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->total().counters().ops(), 600);
  EXPECT_EQ(merged->intervals_size(), 3);
  // Percentiles of the 600 samples pooled (297 at 1 ms, 297 at 3 ms, 6 at
  // 20 ms), not of anything printed in the two files.
  Histogram pooled;
  pooled.RecordN(1000, 297);
  pooled.RecordN(3000, 297);
  pooled.RecordN(20000, 6);
  EXPECT_EQ(merged->total().latency().p50_us(), pooled.ValueAtPercentile(50));
  EXPECT_EQ(merged->total().latency().p99_us(), pooled.ValueAtPercentile(99));
  EXPECT_EQ(merged->total().latency().histogram(), pooled.Encode());
  rig::v1::Report other = RunOf("c", 1000);
  other.mutable_plan()->set_name("another");
  Write("c.json", other);
  ran = Coordinator({"report", "merge", Path("a.json"), Path("c.json"), "-o",
                     Path("bad.json")});
  EXPECT_EQ(ran.code, 2);
  EXPECT_TRUE(absl::StrContains(ran.output, "c.json: not the plan of"))
      << ran.output;
  EXPECT_TRUE(absl::StrContains(ran.output, "name")) << ran.output;
}

TEST(ReportCliTest, HelpDescribesTheReportCommands) {
  const Ran ran = Coordinator({"report", "--help"});
  EXPECT_EQ(ran.code, 0);
  for (const char* words :
       {"rig-coordinator report show RUN.json",
        "rig-coordinator report compare BASE.json NEW.json",
        "rig-coordinator report merge A.json B.json", "--threshold",
        "--hdr-log", "--output", "-o is --output",
        "1 a threshold on the change failed"}) {
    EXPECT_TRUE(absl::StrContains(ran.output, words)) << words << ran.output;
  }
  // Only the flags of the report commands.
  EXPECT_FALSE(absl::StrContains(ran.output, "--agents")) << ran.output;
}

}  // namespace
}  // namespace rig::coordinator
