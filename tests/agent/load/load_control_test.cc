// The load changed by faults (pause_load, set_rate): which change is in
// force, and what a worker's arrivals become (load_control.h), driven
// through ArrivalSchedule as a worker drives it.

#include "agent/load/load_control.h"

#include <gtest/gtest.h>

#include <limits>

#include "plan/plan.h"

namespace rig::agent {
namespace {

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();
constexpr int64_t kSecond = 1000000;

rig::v1::FaultAction Action(const std::string& yaml) {
  auto plan = rig::plan::ParsePlan(
      "workload: {kind: oltp_point_select}\n"
      "load: {rate: 100}\n"
      "faults: [{at: 1s, duration: 1s, action: " +
          yaml + "}]\n",
      "test.yaml", {});
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? plan->faults(0).action() : rig::v1::FaultAction();
}

// Arrivals in [from_us, to_us) of `s`, as a worker issues them.
int Count(ArrivalSchedule& s, Rng& rng, int64_t from_us, int64_t to_us) {
  int n = 0;
  while (true) {
    auto next = s.Next(rng);
    if (!next || *next >= to_us) {
      if (next) s.Retract();  // not issued yet
      return n;
    }
    if (*next >= from_us) ++n;
  }
}

TEST(LoadControlTest, PauseAndSetRateAreInForceUntilTheirEnd) {
  LoadControl c(0.5);
  EXPECT_EQ(c.generation(), 0u);
  EXPECT_FALSE(c.Current().paused);
  ASSERT_TRUE(c.Begin({0, 1}, Action("{set_rate: {factor: 3}}"), 1 * kSecond));
  EXPECT_DOUBLE_EQ(c.Current().factor, 3);
  ASSERT_TRUE(c.Begin({1, 1}, Action("{pause_load: true}"), 2 * kSecond));
  EXPECT_TRUE(c.Current().paused);
  EXPECT_FALSE(c.Begin({1, 1}, Action("{pause_load: true}"), 2 * kSecond));
  ASSERT_TRUE(c.End({1, 1}, 3 * kSecond));
  // The pause ended; the spike is still on.
  EXPECT_FALSE(c.Current().paused);
  EXPECT_DOUBLE_EQ(c.Current().factor, 3);
  ASSERT_TRUE(c.End({0, 1}, 4 * kSecond));
  EXPECT_FALSE(c.End({0, 1}, 4 * kSecond));
  EXPECT_DOUBLE_EQ(c.Current().factor, 1);
  EXPECT_EQ(c.generation(), 4u);
  // A total rate is this agent's share of it.
  ASSERT_TRUE(c.Begin({2, 1}, Action("{set_rate: {rate: 300}}"), 5 * kSecond));
  EXPECT_DOUBLE_EQ(c.Current().rate, 150);
  // The history from a time on starts with the step in force then.
  const auto h = c.History(3 * kSecond + 1);
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].from_us, 3 * kSecond);
  EXPECT_EQ(c.History().size(), 5u);
  EXPECT_FALSE(c.Begin({3, 1}, Action("{kill_connections: 0.5}"), 0));
}

TEST(LoadControlTest, ShapeScalesThePlanFollowingItsStagesAndRamps) {
  // The plan: 10/s for 10 s, then a ramp to 30/s over 10 s, then 30/s.
  const std::vector<RateSegment> plan = {{0, 10 * kSecond, 10, 10},
                                         {10 * kSecond, 20 * kSecond, 10, 30},
                                         {20 * kSecond, kForever, 30, 30}};
  // x2 from 5 s to 15 s, then paused 15-16 s, then 40/s (agent) on two
  // workers.
  std::vector<LoadStep> steps = {{5 * kSecond, {false, 2, 0}},
                                 {15 * kSecond, {true, 1, 0}},
                                 {16 * kSecond, {false, 1, 40}}};
  const auto shaped = ShapeSegments(plan, steps, 2, 0);
  ArrivalSchedule s(shaped, false);
  EXPECT_DOUBLE_EQ(s.RateAt(4 * kSecond), 10);
  EXPECT_DOUBLE_EQ(s.RateAt(6 * kSecond), 20);
  EXPECT_DOUBLE_EQ(s.RateAt(12500000), 30);  // the ramp's 15/s, x2
  EXPECT_DOUBLE_EQ(s.RateAt(15500000), 0);
  EXPECT_DOUBLE_EQ(s.RateAt(17 * kSecond), 20);  // 40 / 2 workers
  EXPECT_DOUBLE_EQ(s.RateAt(100 * kSecond), 20);
  // Back to the plan: the stages where they are by then.
  steps.push_back({30 * kSecond, {}});
  ArrivalSchedule back(ShapeSegments(plan, steps, 1, 0), false);
  EXPECT_DOUBLE_EQ(back.RateAt(31 * kSecond), 30);
  // From a time on: nothing before it.
  const auto late = ShapeSegments(plan, steps, 1, 16 * kSecond);
  ASSERT_FALSE(late.empty());
  EXPECT_EQ(late.front().start_us, 16 * kSecond);
  EXPECT_EQ(late.back().end_us, kForever);
  // The closed model has no segments to shape.
  EXPECT_TRUE(ShapeSegments({}, steps, 1, 0).empty());
}

// A worker at 100/s: a spike to 3x for 2 s gives 3x the arrivals inside,
// at once (the pending arrival is computed again), and 1x outside.
TEST(LoadControlTest, ASpikeTriplesTheArrivalsInsideItsBandOnly) {
  Rng rng(3);
  const std::vector<RateSegment> plan = {{0, kForever, 100, 100}};
  ArrivalSchedule s(plan, false);
  LoadControl c(1);
  EXPECT_EQ(Count(s, rng, 0, 2 * kSecond), 200);
  // The worker waits for the arrival at 2 s when the spike begins.
  ASSERT_EQ(*s.Next(rng), 2 * kSecond);
  c.Begin({0, 1}, Action("{set_rate: {factor: 3}}"), 1995000);
  s.Retract();
  s.Reshape(ShapeSegments(plan, c.History(s.LastUs()), 1, s.LastUs()));
  // (Each arrival is rounded to a microsecond: +-2.)
  EXPECT_NEAR(Count(s, rng, 2 * kSecond, 4 * kSecond), 600, 2);
  c.End({0, 1}, 4 * kSecond);
  s.Reshape(ShapeSegments(plan, c.History(s.LastUs()), 1, s.LastUs()));
  EXPECT_NEAR(Count(s, rng, 4 * kSecond, 6 * kSecond), 200, 2);
}

// A pause: no arrival inside it, none queued for afterwards (no burst),
// and what fell due before it began but was not started is skipped too.
TEST(LoadControlTest, APauseSkipsItsArrivalsInsteadOfQueueingThem) {
  for (const bool poisson : {false, true}) {
    SCOPED_TRACE(poisson ? "poisson" : "constant");
    Rng rng(5);
    const std::vector<RateSegment> plan = {{0, kForever, 100, 100}};
    ArrivalSchedule s(plan, poisson);
    LoadControl c(1);
    Count(s, rng, 0, 1 * kSecond);
    // The worker is behind: its last issued arrival is ~0.99 s, the pause
    // begins at 1.5 s and ends at 3.5 s.
    c.Begin({0, 1}, Action("{pause_load: true}"), 1500000);
    s.Reshape(ShapeSegments(plan, c.History(s.LastUs()), 1, s.LastUs()));
    c.End({0, 1}, 3500000);
    const auto steps = c.History(s.LastUs());
    s.Reshape(ShapeSegments(plan, steps, 1, s.LastUs()));
    s.SkipBefore(steps.back().from_us);
    const int64_t first = *s.Next(rng);
    EXPECT_GE(first, 3500000);
    s.Retract();
    // The second after the pause has the plan's rate: no catching up.
    const int n = Count(s, rng, 3500000, 4500000);
    EXPECT_NEAR(n, 100, poisson ? 40 : 2);
  }
}

// A span at rate 0 (a pause, shaped) has no arrivals; the rate after it
// takes up where the schedule left off.
TEST(LoadControlTest, AZeroRateSegmentHasNoArrivals) {
  Rng rng(1);
  ArrivalSchedule s({{0, 1 * kSecond, 10, 10},
                     {1 * kSecond, 2 * kSecond, 0, 0},
                     {2 * kSecond, kForever, 10, 10}},
                    false);
  EXPECT_EQ(Count(s, rng, 0, 1 * kSecond), 10);
  EXPECT_EQ(Count(s, rng, 1 * kSecond, 2 * kSecond), 0);
  EXPECT_EQ(Count(s, rng, 2 * kSecond, 3 * kSecond), 10);
  // An open-ended zero rate ends the arrivals instead of dividing by 0.
  ArrivalSchedule stopped({{0, kForever, 0, 0}}, false);
  EXPECT_EQ(*stopped.Next(rng), 0);
  EXPECT_FALSE(stopped.Next(rng).has_value());
}

}  // namespace
}  // namespace rig::agent
