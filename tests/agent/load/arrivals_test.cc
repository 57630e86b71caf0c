#include "agent/load/arrivals.h"

#include <gtest/gtest.h>

#include <limits>

#include "common/base/proto_duration.h"

namespace rig::agent {
namespace {

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

int CountUntil(ArrivalSchedule& s, Rng& rng, int64_t until_us) {
  int n = 0;
  while (true) {
    auto next = s.Next(rng);
    if (!next || *next >= until_us) return n;
    ++n;
  }
}

TEST(ArrivalScheduleTest, ConstantRateIsEvenlySpaced) {
  Rng rng(1);
  ArrivalSchedule s({{0, kForever, 1000, 1000}}, false);
  EXPECT_EQ(*s.Next(rng), 0);
  EXPECT_EQ(*s.Next(rng), 1000);
  EXPECT_EQ(*s.Next(rng), 2000);
  ArrivalSchedule t({{0, kForever, 1000, 1000}}, false);
  EXPECT_EQ(CountUntil(t, rng, 10'000'000), 10000);  // 10 s at 1000/s
}

TEST(ArrivalScheduleTest, PoissonHasTheRightMean) {
  Rng rng(7);
  ArrivalSchedule s({{0, kForever, 500, 500}}, true);
  const int n = CountUntil(s, rng, 200'000'000);  // 200 s at 500/s
  EXPECT_NEAR(n, 100000, 1500);                   // 4.7 standard deviations
}

TEST(ArrivalScheduleTest, RampsAndStagesAndTheEnd) {
  Rng rng(3);
  // 0 -> 1000/s over 10 s: 5000 arrivals; then 200/s for 5 s: 1000 more.
  ArrivalSchedule s(
      {{0, 10'000'000, 0, 1000}, {10'000'000, 15'000'000, 200, 200}}, false);
  const int n = CountUntil(s, rng, kForever);
  EXPECT_NEAR(n, 6000, 30);
  EXPECT_FALSE(s.Next(rng).has_value());
}

TEST(ArrivalScheduleTest, ZeroRateStretchIsSkipped) {
  Rng rng(3);
  ArrivalSchedule s({{0, 1'000'000, 0, 0}, {1'000'000, 2'000'000, 10, 10}},
                    false, 1'000'000);
  EXPECT_EQ(*s.Next(rng), 1'000'000);
  EXPECT_EQ(*s.Next(rng), 1'100'000);
}

TEST(ArrivalScheduleTest, WorkerSegmentsFromTheAssignment) {
  rig::v1::Assignment a;
  a.set_rate(800);
  *a.mutable_plan()->mutable_load()->mutable_warmup() =
      ToProto(absl::Seconds(2));
  auto segs = ArrivalSchedule::ForWorker(a, 4);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].end_us, 2'000'000);
  EXPECT_DOUBLE_EQ(segs[0].from, 200);
  EXPECT_DOUBLE_EQ(segs[1].from, 200);

  auto* load = a.mutable_plan()->mutable_load();
  auto* s1 = load->add_stages();
  *s1->mutable_duration() = ToProto(absl::Seconds(10));
  auto* s2 = load->add_stages();
  *s2->mutable_duration() = ToProto(absl::Seconds(5));
  s2->set_ramp(true);
  a.add_stage_rates(400);
  a.add_stage_rates(800);
  segs = ArrivalSchedule::ForWorker(a, 2);
  ASSERT_EQ(segs.size(), 4u);  // warm-up, two stages, hold the last rate
  EXPECT_DOUBLE_EQ(segs[1].from, 200);
  EXPECT_DOUBLE_EQ(segs[2].from, 200);  // ramps from the previous stage
  EXPECT_DOUBLE_EQ(segs[2].to, 400);
  EXPECT_EQ(segs[2].end_us, 17'000'000);

  a.set_rate(0);
  a.clear_stage_rates();
  a.mutable_plan()->mutable_load()->clear_stages();
  EXPECT_TRUE(ArrivalSchedule::ForWorker(a, 2).empty());  // closed model
}

}  // namespace
}  // namespace rig::agent
