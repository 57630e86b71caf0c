// How a run's verdict becomes the exit code, through the real binaries.

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "rig/v1/report.pb.h"
#include "tests/integration/real_rig.h"

namespace rig {
namespace {

class VerdictTest : public RealRigTest {};

TEST_F(VerdictTest, AFailedThresholdExitsOneAndTheReportSaysWhich) {
  int port = 0;
  auto agent = StartAgent("thresholds", &port);
  ASSERT_TRUE(agent);
  const std::string report_path = absl::StrCat(*dir_, "/thresholds.json");
  // No query on a real server answers in under a microsecond; every query
  // answers in under a minute.
  const std::string plan = WritePlan(
      "thresholds.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 500}\n"
                   "load: {connections: 2, duration: 1s}\n"
                   "thresholds: ['p99 < 1us', 'max < 60s']\n"
                   "report: {json: ",
                   report_path, "}\n"));
  auto run = Coordinator({plan, "--agents", absl::StrCat("127.0.0.1:", port)},
                         server_->password());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 1) << run->stdout_text << run->stderr_text;

  rig::v1::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(report_path), &report)
                  .ok());
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  EXPECT_EQ(report.exit_code(), 1);
  ASSERT_EQ(report.thresholds_size(), 2);
  EXPECT_EQ(report.thresholds(0).expression(), "p99 < 1us");
  EXPECT_FALSE(report.thresholds(0).passed());
  EXPECT_GT(report.thresholds(0).observed(), report.thresholds(0).limit());
  EXPECT_EQ(report.thresholds(1).expression(), "max < 60s");
  EXPECT_TRUE(report.thresholds(1).passed());
  EXPECT_GT(report.total().counters().ops(), 0);
  // The terminal summary names the failed one.
  EXPECT_NE(run->stdout_text.find("limit < 1us: FAILED"), std::string::npos)
      << run->stdout_text;
}

TEST_F(VerdictTest, ThresholdsThatHoldExitZero) {
  int port = 0;
  auto agent = StartAgent("thresholds-ok", &port);
  ASSERT_TRUE(agent);
  const std::string plan = WritePlan(
      "thresholds-ok.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 500}\n"
                   "load: {connections: 1, duration: 500ms}\n"
                   "thresholds: ['max < 60s', 'errors == 0']\n"));
  auto run = Coordinator({plan, "--agents", absl::StrCat("127.0.0.1:", port)},
                         server_->password());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 0) << run->stdout_text << run->stderr_text;
}

// stdout and stderr are pipes whose readers have gone (a `| head` that
// ended, a closed terminal): the reports are still written and the exit code
// is the run's, not death by SIGPIPE (141).
TEST_F(VerdictTest, ClosedOutputPipesLoseNeitherTheReportNorTheExitCode) {
  int port = 0;
  auto agent = StartAgent("sigpipe", &port);
  ASSERT_TRUE(agent);
  const std::string report_path = absl::StrCat(*dir_, "/sigpipe.json");
  const std::string plan = WritePlan(
      "sigpipe.yaml",
      absl::StrCat(TargetYaml(),
                   "workload: {kind: oltp_point_select, table_size: 500}\n"
                   "load: {connections: 1, duration: 1s, "
                   "report_interval: 100ms}\n"
                   "thresholds: ['p99 < 1us']\n"
                   "report: {json: ",
                   report_path, "}\n"));
  // Each output is a pipe to a process that exits at once.
  auto run = testing::RunCommand(
      {"bash", "-c", "exec \"$0\" \"$@\" > >(exec true) 2> >(exec true)",
       RIG_COORDINATOR_BIN, plan, "--agents", absl::StrCat("127.0.0.1:", port)},
      absl::Seconds(120), {{"RIG_DB_PASSWORD", server_->password()}});
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 1) << "141 is death by SIGPIPE";
  rig::v1::Report report;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                  testing::ReadFile(report_path), &report)
                  .ok());
  EXPECT_EQ(report.status(), rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  EXPECT_GT(report.total().counters().ops(), 0);
}

}  // namespace
}  // namespace rig
