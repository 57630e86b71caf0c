// Backoff: exact delays without jitter, bounds with it, the plan's
// defaults, and caps for huge attempt numbers.

#include "agent/resilience/retry.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/time/time.h"
#include "common/base/proto_duration.h"
#include "plan/schema.h"

namespace rig::agent {
namespace {

// The policy a plan without `resilience:` gets.
rig::v1::RetryPolicy DefaultRetry() {
  return rig::plan::PlanDefaults().resilience().retry();
}

TEST(BackoffTest, DelaysAreExactWithoutJitter) {
  Backoff::Options o;
  o.max_attempts = 5;
  o.initial_backoff = absl::Milliseconds(50);
  o.max_backoff = absl::Seconds(2);
  o.jitter = 0;
  o.multiplier = 2;
  const Backoff backoff(o);
  const int64_t kExpectedMs[] = {50,   100,  200,  400,  800,
                                 1600, 2000, 2000, 2000, 2000};
  Rng rng(1);
  for (int attempt = 1; attempt <= 10; ++attempt) {
    EXPECT_EQ(backoff.Delay(attempt, rng),
              absl::Milliseconds(kExpectedMs[attempt - 1]))
        << "attempt " << attempt;
  }
  EXPECT_EQ(backoff.max_attempts(), 5);
  EXPECT_EQ(backoff.Delay(0, rng), absl::Milliseconds(50));  // as attempt 1

  // A plan asks for no jitter with 0 (a negative value too, as before
  // `jitter` was optional).
  for (double none : {0.0, -1.0}) {
    rig::v1::RetryPolicy policy = DefaultRetry();
    policy.set_jitter(none);
    const Backoff from_plan(policy);
    EXPECT_DOUBLE_EQ(from_plan.options().jitter, 0);
    for (int attempt = 1; attempt <= 10; ++attempt) {
      EXPECT_EQ(from_plan.Delay(attempt, rng),
                absl::Milliseconds(kExpectedMs[attempt - 1]))
          << "attempt " << attempt;
    }
  }
}

TEST(BackoffTest, JitteredDelaysStayInBounds) {
  rig::v1::RetryPolicy policy = DefaultRetry();
  policy.set_jitter(0.2);
  const Backoff backoff(policy);
  Rng rng(42);
  for (int attempt = 1; attempt <= 10; ++attempt) {
    const absl::Duration base =
        std::min(absl::Milliseconds(50) * (int64_t{1} << (attempt - 1)),
                 absl::Seconds(2));
    absl::Duration lo = absl::InfiniteDuration();
    absl::Duration hi = absl::ZeroDuration();
    for (int i = 0; i < 2000; ++i) {
      const absl::Duration d = backoff.Delay(attempt, rng);
      ASSERT_GE(d, base * 0.8) << "attempt " << attempt;
      ASSERT_LE(d, base * 1.2) << "attempt " << attempt;
      ASSERT_LE(d, absl::Seconds(2) * 1.2);
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // The draws spread over most of the range (not a timing: a property of
    // 2000 uniform draws that fails with negligible probability).
    EXPECT_LT(lo, base * 0.85) << "attempt " << attempt;
    EXPECT_GT(hi, base * 1.15) << "attempt " << attempt;
  }
}

TEST(BackoffTest, ThePlanDefaultsAreTheDocumentedOnes) {
  const Backoff backoff{DefaultRetry()};
  EXPECT_EQ(backoff.max_attempts(), 3);
  EXPECT_EQ(backoff.options().initial_backoff, absl::Milliseconds(50));
  EXPECT_EQ(backoff.options().max_backoff, absl::Seconds(2));
  EXPECT_DOUBLE_EQ(backoff.options().jitter, 0.2);
  EXPECT_DOUBLE_EQ(backoff.options().multiplier, 2);

  rig::v1::RetryPolicy policy;
  policy.set_max_attempts(7);
  *policy.mutable_initial_backoff() = ToProto(absl::Milliseconds(10));
  *policy.mutable_max_backoff() = ToProto(absl::Seconds(1));
  policy.set_multiplier(3);
  policy.set_jitter(5);  // clamped
  const Backoff custom(policy);
  EXPECT_EQ(custom.max_attempts(), 7);
  EXPECT_EQ(custom.options().initial_backoff, absl::Milliseconds(10));
  EXPECT_EQ(custom.options().max_backoff, absl::Seconds(1));
  EXPECT_DOUBLE_EQ(custom.options().multiplier, 3);
  EXPECT_DOUBLE_EQ(custom.options().jitter, 1);
}

TEST(BackoffTest, HugeAttemptNumbersStayCapped) {
  const Backoff backoff{DefaultRetry()};
  Rng rng(7);
  for (int attempt : {64, 1000, 1 << 30}) {
    const absl::Duration d = backoff.Delay(attempt, rng);
    EXPECT_GE(d, absl::Seconds(2) * 0.8);
    EXPECT_LE(d, absl::Seconds(2) * 1.2);
  }
}

}  // namespace
}  // namespace rig::agent
