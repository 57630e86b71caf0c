#include "coordinator/report/partial_interval.h"

#include <gtest/gtest.h>

#include "plan/schema.h"

namespace rig::coordinator {
namespace {

TEST(PartialIntervalTest, ShorterThanHalfTheDefaultSecond) {
  const rig::v1::Plan& plan = rig::plan::PlanDefaults();  // 1s
  EXPECT_TRUE(IsPartialInterval(5000000, 5000000, plan));
  EXPECT_TRUE(IsPartialInterval(5000000, 5499999, plan));
  EXPECT_FALSE(IsPartialInterval(5000000, 5500000, plan));
  EXPECT_FALSE(IsPartialInterval(5000000, 6000000, plan));
}

TEST(PartialIntervalTest, ShorterThanHalfThePlansReportInterval) {
  rig::v1::Plan plan;
  plan.mutable_load()->mutable_report_interval()->set_seconds(4);
  EXPECT_TRUE(IsPartialInterval(0, 1000000, plan));
  EXPECT_TRUE(IsPartialInterval(0, 1999999, plan));
  EXPECT_FALSE(IsPartialInterval(0, 2000000, plan));
}

}  // namespace
}  // namespace rig::coordinator
