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
  const int port = testing::PickFreePort();
  auto agent = StartAgent("thresholds", port);
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
  const int port = testing::PickFreePort();
  auto agent = StartAgent("thresholds-ok", port);
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

}  // namespace
}  // namespace rig
