#include "coordinator/results/fault_recovery.h"

#include <gtest/gtest.h>

#include "common/stats/histogram.h"
#include "plan/plan.h"

namespace rig::coordinator {
namespace {

constexpr int64_t kSecond = 1000000;

// A plan with 1 s intervals and one fault with the default recovery rules
// (baseline 10s, throughput 0.9, p99 2x).
rig::v1::Plan PlanWithFault() {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "load: {duration: 60s, report_interval: 1s}\n"
      "faults: [{at: 10s, duration: 3s, action: {sql: [\"SELECT 1\"]}}]\n",
      "test.yaml", {});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// Interval i spans [i, i+1) s with `ops` ops/s, every operation taking
// `latency_us`, and `errors` reconnect errors.
rig::v1::IntervalReport Interval(int i, double ops, int64_t latency_us,
                                 int64_t errors = 0) {
  rig::v1::IntervalReport iv;
  iv.set_seq(i);
  iv.set_start_offset_us(i * kSecond);
  iv.set_end_offset_us((i + 1) * kSecond);
  iv.set_ops_per_sec(ops);
  Histogram h;
  for (int n = 0; n < static_cast<int>(ops); ++n) h.Record(latency_us);
  iv.mutable_latency()->set_count(h.count());
  iv.mutable_latency()->set_p99_us(h.count() > 0 ? h.ValueAtPercentile(99) : 0);
  iv.mutable_latency()->set_histogram(h.Encode());
  iv.mutable_counters()->set_errors(errors);
  if (errors > 0) {
    (*iv.mutable_counters()->mutable_errors_by_class())["reconnect"] = errors;
  }
  return iv;
}

rig::v1::FaultRecord Fault(int64_t start_us, int64_t end_us) {
  rig::v1::FaultRecord f;
  f.set_index(0);
  f.set_occurrence(1);
  f.set_start_offset_us(start_us);
  f.set_end_offset_us(end_us);
  return f;
}

TEST(FaultRecoveryTest, MeasuresFromTheStartToTheFirstGoodInterval) {
  const rig::v1::Plan plan = PlanWithFault();
  google::protobuf::RepeatedPtrField<rig::v1::IntervalReport> ivs;
  for (int i = 0; i < 10; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  *ivs.Add() = Interval(10, 300, 1000, 40);  // the fault starts at 10.2 s
  *ivs.Add() = Interval(11, 0, 0, 80);
  *ivs.Add() = Interval(12, 0, 0, 80);
  *ivs.Add() = Interval(13, 500, 900000);  // back, but slow
  *ivs.Add() = Interval(14, 950, 1500);    // recovered
  for (int i = 15; i < 20; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  const rig::v1::FaultRecovery r = MeasureRecovery(
      plan, Fault(10 * kSecond + 200000, 13 * kSecond + 500000), ivs);
  EXPECT_TRUE(r.has_baseline());
  EXPECT_DOUBLE_EQ(r.baseline_ops_per_sec(), 1000);
  EXPECT_EQ(r.baseline_p99_us(), 1000);
  EXPECT_DOUBLE_EQ(r.worst_ops_per_sec(), 0);
  EXPECT_GE(r.worst_p99_us(), 899000);
  EXPECT_EQ(r.errors(), 200);
  EXPECT_EQ(r.errors_by_class().at("reconnect"), 200);
  EXPECT_TRUE(r.recovered());
  EXPECT_EQ(r.recovery_us(), 14 * kSecond - (10 * kSecond + 200000));
  EXPECT_EQ(r.summary(), "recovered in 3.8s");
}

TEST(FaultRecoveryTest, SaysWhenTheRunEndedBeforeRecovery) {
  const rig::v1::Plan plan = PlanWithFault();
  google::protobuf::RepeatedPtrField<rig::v1::IntervalReport> ivs;
  for (int i = 0; i < 10; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  for (int i = 10; i < 20; ++i) *ivs.Add() = Interval(i, 800, 1000);
  const rig::v1::FaultRecovery r =
      MeasureRecovery(plan, Fault(10 * kSecond, 13 * kSecond), ivs);
  EXPECT_FALSE(r.recovered());
  EXPECT_EQ(r.summary(), "not recovered by the end");
  EXPECT_DOUBLE_EQ(r.worst_ops_per_sec(), 800);
}

TEST(FaultRecoveryTest, AFaultTheRunDidNotNoticeRecoversAtOnce) {
  const rig::v1::Plan plan = PlanWithFault();
  google::protobuf::RepeatedPtrField<rig::v1::IntervalReport> ivs;
  for (int i = 0; i < 20; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  const rig::v1::FaultRecovery r =
      MeasureRecovery(plan, Fault(10 * kSecond, 13 * kSecond), ivs);
  EXPECT_TRUE(r.recovered());
  EXPECT_EQ(r.recovery_us(), 0);
  EXPECT_EQ(r.errors(), 0);
}

TEST(FaultRecoveryTest, TheRulesComeFromThePlan) {
  rig::v1::Plan plan = PlanWithFault();
  plan.mutable_faults(0)->set_recovered_throughput(0.5);
  google::protobuf::RepeatedPtrField<rig::v1::IntervalReport> ivs;
  for (int i = 0; i < 10; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  *ivs.Add() = Interval(10, 0, 0);
  *ivs.Add() = Interval(11, 600, 1000);  // >= 50%: recovered
  *ivs.Add() = Interval(12, 1000, 1000);
  const rig::v1::FaultRecovery r =
      MeasureRecovery(plan, Fault(10 * kSecond, 10 * kSecond + 1), ivs);
  EXPECT_TRUE(r.recovered());
  EXPECT_EQ(r.recovery_us(), kSecond);
}

TEST(FaultRecoveryTest, AFaultBeforeAnyIntervalHasNoBaseline) {
  const rig::v1::Plan plan = PlanWithFault();
  google::protobuf::RepeatedPtrField<rig::v1::IntervalReport> ivs;
  for (int i = 0; i < 5; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  const rig::v1::FaultRecovery r =
      MeasureRecovery(plan, Fault(0, kSecond), ivs);
  EXPECT_FALSE(r.has_baseline());
  EXPECT_FALSE(r.recovered());
  EXPECT_EQ(r.summary(), "no baseline (no interval before the fault)");
}

// A plan whose fault (at 10 s, 3 s) changes the load itself.
rig::v1::Plan PlanWithLoadFault(const std::string& action) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "load: {rate: 1000, duration: 60s, report_interval: 1s}\n"
      "faults: [{at: 10s, duration: 3s, action: " +
          action + "}]\n",
      "test.yaml", {});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return *plan;
}

// A pause makes its band empty on purpose: judged from its end, and its
// zero throughput is not the worst point.
TEST(FaultRecoveryTest, APauseIsJudgedFromItsEnd) {
  const rig::v1::Plan plan = PlanWithLoadFault("{pause_load: true}");
  google::protobuf::RepeatedPtrField<rig::v1::IntervalReport> ivs;
  for (int i = 0; i < 10; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  *ivs.Add() = Interval(10, 200, 1000);  // paused at 10.2 s
  *ivs.Add() = Interval(11, 0, 0);
  *ivs.Add() = Interval(12, 0, 0);
  *ivs.Add() = Interval(13, 500, 1000);  // resumed at 13.5 s
  for (int i = 14; i < 20; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  const rig::v1::FaultRecord fault =
      Fault(10 * kSecond + 200000, 13 * kSecond + 500000);
  rig::v1::FaultRecovery r = MeasureRecovery(plan, fault, ivs);
  EXPECT_TRUE(r.from_end());
  EXPECT_TRUE(r.recovered()) << r.DebugString();
  EXPECT_EQ(r.recovery_us(), 0);
  EXPECT_DOUBLE_EQ(r.worst_ops_per_sec(), 1000) << r.DebugString();
  EXPECT_EQ(r.summary(),
            "no impact after the load was restored: every interval stayed "
            "within the limits");
  // Slow after the pause (a cold cache, say): recovery counts from its end.
  *ivs.Mutable(14) = Interval(14, 1000, 900000, 3);
  r = MeasureRecovery(plan, fault, ivs);
  EXPECT_TRUE(r.recovered());
  EXPECT_EQ(r.recovery_us(), 15 * kSecond - (13 * kSecond + 500000));
  EXPECT_EQ(r.summary(), "recovered in 1.5s after the load was restored");
  EXPECT_EQ(r.errors(), 3);
  EXPECT_GE(r.worst_p99_us(), 899000);
}

// A spike is high throughput and high latency in its band, by design; its
// worst point and errors still count (what it did), its recovery from its
// end.
TEST(FaultRecoveryTest, ASpikeIsMeasuredInItsBandAndJudgedAfterIt) {
  const rig::v1::Plan plan = PlanWithLoadFault("{set_rate: {factor: 3}}");
  google::protobuf::RepeatedPtrField<rig::v1::IntervalReport> ivs;
  for (int i = 0; i < 10; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  for (int i = 10; i < 13; ++i) *ivs.Add() = Interval(i, 3000, 50000, 2);
  *ivs.Add() = Interval(13, 2000, 50000);  // the spike ends at 13.5 s
  *ivs.Add() = Interval(14, 1000, 40000);  // the backlog drains
  for (int i = 15; i < 20; ++i) *ivs.Add() = Interval(i, 1000, 1000);
  const rig::v1::FaultRecovery r =
      MeasureRecovery(plan, Fault(10 * kSecond, 13 * kSecond + 500000), ivs);
  EXPECT_TRUE(r.from_end());
  EXPECT_TRUE(r.recovered());
  EXPECT_EQ(r.recovery_us(), 15 * kSecond - (13 * kSecond + 500000));
  EXPECT_EQ(r.errors(), 6);
  EXPECT_GE(r.worst_p99_us(), 49000);
  EXPECT_DOUBLE_EQ(r.worst_ops_per_sec(), 1000);
}

}  // namespace
}  // namespace rig::coordinator
