#include "coordinator/results/verdict.h"

#include <gtest/gtest.h>

#include "plan/plan.h"

namespace rig::coordinator {
namespace {

rig::v1::Plan WithThreshold(const std::string& threshold) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\nthresholds: [\"" + threshold +
          "\"]\n",
      "plan.yaml");
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

rig::v1::Report Measured(int64_t ops, int64_t errors, bool check_failed) {
  rig::v1::Report r;
  r.mutable_total()->mutable_counters()->set_ops(ops);
  r.mutable_total()->mutable_counters()->set_errors(errors);
  rig::v1::Check* c = r.mutable_verification()->add_checks();
  c->set_status(check_failed ? rig::v1::CHECK_STATUS_FAILED
                             : rig::v1::CHECK_STATUS_PASSED);
  c->set_message("total balance 999, expected 1000");
  r.mutable_verification()->set_status(c->status());
  return r;
}

TEST(VerdictRuleTest, IncompleteOverVerificationOverThresholds) {
  const rig::v1::Plan plan = WithThreshold("errors < 1");
  rig::v1::Report r = Measured(100, 5, /*check_failed=*/true);
  DecideVerdict(plan, /*completed=*/false, "agent a lost", r);
  EXPECT_EQ(r.status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(r.error(), "agent a lost");
  EXPECT_EQ(r.exit_code(), 4);
  // Thresholds are judged all the same.
  ASSERT_EQ(r.thresholds_size(), 1);
  EXPECT_FALSE(r.thresholds(0).passed());

  r = Measured(100, 5, true);
  DecideVerdict(plan, true, "", r);
  EXPECT_EQ(r.status(), rig::v1::RUN_STATUS_VERIFICATION_FAILED);
  EXPECT_EQ(r.error(), "verification failed: total balance 999, expected 1000");
  EXPECT_EQ(r.exit_code(), 3);

  r = Measured(100, 5, false);
  DecideVerdict(plan, true, "", r);
  EXPECT_EQ(r.status(), rig::v1::RUN_STATUS_THRESHOLDS_FAILED);
  EXPECT_EQ(r.exit_code(), 1);

  r = Measured(100, 0, false);
  DecideVerdict(plan, true, "", r);
  EXPECT_EQ(r.status(), rig::v1::RUN_STATUS_PASSED);
  EXPECT_EQ(r.exit_code(), 0);
}

TEST(VerdictRuleTest, OnlyAPassedRunIsDemotedWhenItsRecordIsNotWhole) {
  rig::v1::Report passed = Measured(100, 0, false);
  DecideVerdict(WithThreshold("errors < 1"), true, "", passed);
  DemoteToIncomplete("journal.jsonl: No space left on device", passed);
  EXPECT_EQ(passed.status(), rig::v1::RUN_STATUS_INCOMPLETE);
  EXPECT_EQ(passed.error(), "journal.jsonl: No space left on device");
  EXPECT_EQ(passed.exit_code(), 4);

  rig::v1::Report failed = Measured(100, 0, true);
  DecideVerdict(WithThreshold("errors < 1"), true, "", failed);
  DemoteToIncomplete("journal.jsonl: No space left on device", failed);
  EXPECT_EQ(failed.status(), rig::v1::RUN_STATUS_VERIFICATION_FAILED);
  EXPECT_EQ(failed.exit_code(), 3);
}

TEST(VerdictRuleTest, EveryStatusHasItsExitCode) {
  EXPECT_EQ(ExitCodeOf(rig::v1::RUN_STATUS_PASSED), ExitCode::kPassed);
  EXPECT_EQ(ExitCodeOf(rig::v1::RUN_STATUS_THRESHOLDS_FAILED),
            ExitCode::kThresholdsFailed);
  EXPECT_EQ(ExitCodeOf(rig::v1::RUN_STATUS_VERIFICATION_FAILED),
            ExitCode::kVerificationFailed);
  EXPECT_EQ(ExitCodeOf(rig::v1::RUN_STATUS_INCOMPLETE), ExitCode::kIncomplete);
  EXPECT_EQ(ExitCodeOf(rig::v1::RUN_STATUS_UNSPECIFIED), ExitCode::kIncomplete);
}

}  // namespace
}  // namespace rig::coordinator
