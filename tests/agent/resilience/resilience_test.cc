// Error classes, backoff and the circuit breaker. Time is a FakeClock moved
// by the tests; threads are synchronised with futures and
// FakeClock::BlockUntilWaiters, never with sleeps. Three units in one file
// (~750 lines): to split into one test file per unit of agent/resilience/.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agent/resilience/circuit_breaker.h"
#include "agent/resilience/error_class.h"
#include "agent/resilience/retry.h"
#include "common/base/clock.h"
#include "common/base/error_context.h"
#include "common/base/proto_duration.h"
#include "plan/schema.h"

namespace rig::agent {
namespace {

using rig::v1::BreakerEvent;
constexpr CircuitBreaker::Outcome kSuccess = CircuitBreaker::Outcome::kSuccess;
constexpr CircuitBreaker::Outcome kAnswered =
    CircuitBreaker::Outcome::kAnswered;
constexpr CircuitBreaker::Outcome kFailure = CircuitBreaker::Outcome::kFailure;
using rig::v1::BreakerState;

constexpr BreakerState kClosed = rig::v1::BREAKER_STATE_CLOSED;
constexpr BreakerState kOpen = rig::v1::BREAKER_STATE_OPEN;
constexpr BreakerState kHalfOpen = rig::v1::BREAKER_STATE_HALF_OPEN;

// gmock's HasSubstr without linking gmock.
::testing::AssertionResult Contains(absl::string_view text,
                                    absl::string_view part) {
  if (absl::StrContains(text, part)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << text << "\" does not contain \"" << part << "\"";
}

// --- Error classes -------------------------------------------------------

TEST(ErrorClassTest, ClassifiesEveryListedCode) {
  const struct {
    ErrorClass cls;
    std::vector<int> codes;
  } kCases[] = {
      {ErrorClass::kRetryTxn,
       {1205, 1213, 1317, 1412, 1615, 3101, 3572, 8002, 8005, 8022, 8028, 8229,
        9006, 9007}},
      {ErrorClass::kReconnect,
       {1043, 1152, 1154, 1156, 1157, 1158, 1159, 1160, 1161, 1184, 1243, 1927,
        2002, 2003, 2005, 2006, 2012, 2013, 2014, 2027, 2048, 2055, 4031}},
      {ErrorClass::kBackoff, {1037, 1038, 1040, 1041, 1053, 1105, 1135, 1203,
                              1637, 1969, 3024, 8027, 8176, 8252, 9001, 9002,
                              9003, 9004, 9005, 9008, 9010, 9011, 9012, 9013}},
      {ErrorClass::kFailFast,
       {1044, 1045, 1046, 1049, 1054, 1064, 1129, 1130, 1142, 1143, 1146, 1153,
        1227, 1251, 1461, 1698, 1792, 1820, 2059, 2061, 8004, 8025, 8175}},
      {ErrorClass::kOther, {1062, 1451, 1452, 0, 1, 1048, 99999}},
  };
  for (const auto& c : kCases) {
    for (int code : c.codes) {
      EXPECT_EQ(ClassifyCode(code), c.cls)
          << code << " should be " << ErrorClassName(c.cls) << ", is "
          << ErrorClassName(ClassifyCode(code));
    }
  }
}

TEST(ErrorClassTest, ClassifyUsesServerCodeThenStatusCode) {
  EXPECT_EQ(Classify(WithServerError(absl::UnknownError("x"), {1213, "40001"})),
            ErrorClass::kRetryTxn);
  EXPECT_EQ(Classify(WithServerError(absl::UnavailableError("x"), {1045, ""})),
            ErrorClass::kFailFast);
  EXPECT_EQ(Classify(absl::UnavailableError("no code")),
            ErrorClass::kReconnect);
  EXPECT_EQ(Classify(absl::InternalError("no code")), ErrorClass::kOther);
}

TEST(ErrorClassTest, ParsesNamesAndTheIgnoreAlias) {
  for (ErrorClass c :
       {ErrorClass::kRetryTxn, ErrorClass::kReconnect, ErrorClass::kBackoff,
        ErrorClass::kFailFast, ErrorClass::kOther}) {
    auto parsed = ParseErrorClass(ErrorClassName(c));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(*parsed, c);
  }
  EXPECT_EQ(ParseErrorClass("ignore").value(), ErrorClass::kOther);
  EXPECT_EQ(ParseErrorClass("Fail_Fast").value(), ErrorClass::kFailFast);

  auto bad = ParseErrorClass("retry");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(std::string(bad.status().message()), "\"retry\""));
  for (const char* name :
       {"retry_txn", "reconnect", "backoff", "fail_fast", "other", "ignore"}) {
    EXPECT_TRUE(Contains(std::string(bad.status().message()), name));
  }
  EXPECT_FALSE(ParseErrorClass("").ok());
}

TEST(ErrorClassTest, PolicyForEachClass) {
  const ClassPolicy retry_txn = PolicyFor(ErrorClass::kRetryTxn);
  EXPECT_TRUE(retry_txn.retry);
  EXPECT_TRUE(retry_txn.backoff);
  EXPECT_FALSE(retry_txn.reconnect);

  const ClassPolicy reconnect = PolicyFor(ErrorClass::kReconnect);
  EXPECT_TRUE(reconnect.retry);
  EXPECT_TRUE(reconnect.reconnect);

  const ClassPolicy backoff = PolicyFor(ErrorClass::kBackoff);
  EXPECT_TRUE(backoff.retry);
  EXPECT_TRUE(backoff.backoff);
  EXPECT_FALSE(backoff.reconnect);

  for (ErrorClass c : {ErrorClass::kFailFast, ErrorClass::kOther}) {
    const ClassPolicy p = PolicyFor(c);
    EXPECT_FALSE(p.retry) << ErrorClassName(c);
    EXPECT_FALSE(p.reconnect) << ErrorClassName(c);
    EXPECT_FALSE(p.backoff) << ErrorClassName(c);
  }

  EXPECT_TRUE(PolicyFor(ErrorClass::kReconnect).counts_for_breaker);
  EXPECT_TRUE(PolicyFor(ErrorClass::kBackoff).counts_for_breaker);
  EXPECT_FALSE(PolicyFor(ErrorClass::kRetryTxn).counts_for_breaker);
  EXPECT_FALSE(PolicyFor(ErrorClass::kFailFast).counts_for_breaker);
  EXPECT_FALSE(PolicyFor(ErrorClass::kOther).counts_for_breaker);
}

TEST(ErrorClassifierTest, OverridesTheTable) {
  google::protobuf::Map<int32_t, std::string> overrides;
  overrides[1062] = "fail_fast";
  overrides[1213] = "ignore";
  overrides[1105] = "other";
  overrides[12345] = "backoff";
  auto classifier = ErrorClassifier::Create(overrides);
  ASSERT_TRUE(classifier.ok()) << classifier.status();

  EXPECT_EQ(classifier->ClassifyCode(1062), ErrorClass::kFailFast);
  EXPECT_EQ(classifier->ClassifyCode(1213), ErrorClass::kOther);
  EXPECT_EQ(classifier->ClassifyCode(1105), ErrorClass::kOther);
  EXPECT_EQ(classifier->ClassifyCode(12345), ErrorClass::kBackoff);
  EXPECT_EQ(classifier->ClassifyCode(1205), ErrorClass::kRetryTxn);  // table
  EXPECT_EQ(classifier->Classify(
                WithServerError(absl::UnknownError("dup"), {1062, "23000"})),
            ErrorClass::kFailFast);
  EXPECT_EQ(classifier->Classify(absl::UnavailableError("gone")),
            ErrorClass::kReconnect);

  // The default classifier is the table.
  EXPECT_EQ(ErrorClassifier().ClassifyCode(1062), ErrorClass::kOther);
}

TEST(ErrorClassifierTest, RejectsABadClassNamingCodeAndName) {
  google::protobuf::Map<int32_t, std::string> overrides;
  overrides[1205] = "retry_txn";
  overrides[1062] = "ignor";
  auto classifier = ErrorClassifier::Create(overrides);
  ASSERT_FALSE(classifier.ok());
  EXPECT_EQ(classifier.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string msg(classifier.status().message());
  EXPECT_TRUE(Contains(msg, "error_classes[1062]"));
  EXPECT_TRUE(Contains(msg, "\"ignor\""));
  EXPECT_TRUE(Contains(msg, "retry_txn, reconnect, backoff, fail_fast"));

  google::protobuf::Map<int32_t, std::string> zero;
  zero[0] = "other";
  auto zero_classifier = ErrorClassifier::Create(zero);
  ASSERT_FALSE(zero_classifier.ok());
  EXPECT_TRUE(Contains(std::string(zero_classifier.status().message()),
                       "0 is not a server error code"));
}

TEST(ErrorClassifierTest, ConcurrentReadsAgree) {
  google::protobuf::Map<int32_t, std::string> overrides;
  overrides[1062] = "reconnect";
  const ErrorClassifier classifier = ErrorClassifier::Create(overrides).value();
  std::vector<std::future<int>> results;
  for (int t = 0; t < 4; ++t) {
    results.push_back(std::async(std::launch::async, [&classifier] {
      int reconnects = 0;
      for (int i = 0; i < 1000; ++i) {
        reconnects += classifier.ClassifyCode(1062) == ErrorClass::kReconnect;
      }
      return reconnects;
    }));
  }
  for (auto& r : results) EXPECT_EQ(r.get(), 1000);
}

// --- Backoff ---------------------------------------------------------------

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

// --- Circuit breaker -------------------------------------------------------

class EventLog {
 public:
  CircuitBreaker::EventFn Fn() {
    return [this](const BreakerEvent& e) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(e);
    };
  }
  std::vector<BreakerEvent> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  BreakerEvent last() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.empty() ? BreakerEvent() : events_.back();
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<BreakerEvent> events_;
};

rig::v1::CircuitBreakerPolicy SmallPolicy(int threshold = 2,
                                          int min_requests = 2,
                                          double rate = 0.5, int probes = 3) {
  rig::v1::CircuitBreakerPolicy p =
      rig::plan::PlanDefaults().resilience().circuit_breaker();
  p.set_failure_threshold(threshold);
  p.set_min_requests(min_requests);
  p.set_failure_rate(rate);
  p.set_half_open_probes(probes);
  return p;  // window 10s, open_for 5s (defaults)
}

class CircuitBreakerTest : public ::testing::Test {
 protected:
  std::unique_ptr<CircuitBreaker> Make(
      const rig::v1::CircuitBreakerPolicy& policy) {
    return std::make_unique<CircuitBreaker>(policy, "tidb-0:4000", &clock_,
                                            log_.Fn());
  }

  // Records counting failures until the breaker opens.
  static void Fail(CircuitBreaker& b, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(b.Acquire(nullptr));
      b.Record(kFailure);
    }
  }

  // Opens `b` (SmallPolicy) and moves past open_for: half-open.
  void OpenThenHalfOpen(CircuitBreaker& b) {
    Fail(b, 2);
    ASSERT_EQ(b.state(), kOpen);
    clock_.Advance(absl::Seconds(5));
    ASSERT_EQ(b.state(), kHalfOpen);
  }

  std::future<bool> AcquireAsync(CircuitBreaker& b,
                                 std::function<bool()> cancelled = nullptr) {
    return std::async(std::launch::async,
                      [&b, cancelled] { return b.Acquire(cancelled); });
  }

  static bool Ready(std::future<bool>& f) {
    return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }

  FakeClock clock_{1'000'000};  // 1s: offsets are not trivially zero
  EventLog log_;
};

TEST_F(CircuitBreakerTest, DefaultsNeedTwentyFailuresInTwentyRequests) {
  auto b = Make(rig::plan::PlanDefaults().resilience().circuit_breaker());
  Fail(*b, 19);
  EXPECT_EQ(b->state(), kClosed);
  EXPECT_EQ(log_.size(), 0u);
  Fail(*b, 1);
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.last().reason(),
            "20 of 20 requests failed in the last 10s (100%)");
}

TEST_F(CircuitBreakerTest, StaysClosedBelowMinRequests) {
  auto b = Make(SmallPolicy(/*threshold=*/5, /*min_requests=*/20));
  Fail(*b, 19);  // 100% failures, far above the threshold, too few requests
  EXPECT_EQ(b->state(), kClosed);
  EXPECT_EQ(log_.size(), 0u);
}

TEST_F(CircuitBreakerTest, StaysClosedBelowTheFailureRate) {
  auto b = Make(SmallPolicy(/*threshold=*/5, /*min_requests=*/10,
                            /*rate=*/0.5));
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(b->Acquire(nullptr));
    b->Record(kSuccess);
  }
  Fail(*b, 20);  // 20 of 50 = 40%
  EXPECT_EQ(b->state(), kClosed);
}

TEST_F(CircuitBreakerTest, OpensAtTheThresholdWithReasonAndCounts) {
  auto b = Make(SmallPolicy(/*threshold=*/12, /*min_requests=*/20,
                            /*rate=*/0.5));
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(b->Acquire(nullptr));
    b->Record(kSuccess);
  }
  Fail(*b, 11);  // 11 of 19: too few requests, too few failures
  EXPECT_EQ(b->state(), kClosed);
  clock_.Advance(absl::Milliseconds(1500));
  Fail(*b, 1);  // 12 of 20 = 60%
  EXPECT_EQ(b->state(), kOpen);

  const std::vector<BreakerEvent> events = log_.events();
  ASSERT_EQ(events.size(), 1u);
  const BreakerEvent& e = events[0];
  EXPECT_EQ(e.target(), "tidb-0:4000");
  EXPECT_EQ(e.from(), kClosed);
  EXPECT_EQ(e.to(), kOpen);
  EXPECT_EQ(e.offset_us(), 2'500'000);
  EXPECT_EQ(e.reason(), "12 of 20 requests failed in the last 10s (60%)");
  EXPECT_EQ(e.failures(), 12);
  EXPECT_EQ(e.requests(), 20);
}

TEST_F(CircuitBreakerTest, ASuccessNeverOpensItTheNextFailureDoes) {
  auto b = Make(SmallPolicy(/*threshold=*/5, /*min_requests=*/10,
                            /*rate=*/0.5));
  Fail(*b, 9);  // 9 of 9: too few requests
  ASSERT_TRUE(b->Acquire(nullptr));
  b->Record(kSuccess);  // 9 of 10 would qualify, but it is a success
  EXPECT_EQ(b->state(), kClosed);
  // Successes counted on the lock-free path are in the window all the same.
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(absl::Milliseconds(300));  // across buckets
    ASSERT_TRUE(b->Acquire(nullptr));
    b->Record(kSuccess);
  }
  Fail(*b, 1);
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.last().reason(),
            "10 of 16 requests failed in the last 10s (63%)");
}

// RecordSuccess(now) is Record(kSuccess) with the caller's clock read, and
// counts each success once: the first one of a bucket takes the locked path
// (it starts the bucket), the rest the lock-free one; a time read before the
// breaker moved to the next bucket (1 s wide here) counts in its own bucket,
// which is still in the window.
TEST_F(CircuitBreakerTest, RecordSuccessWithTheCallersTimeCountsInTheWindow) {
  auto b = Make(SmallPolicy(/*threshold=*/2, /*min_requests=*/20,
                            /*rate=*/0.5));
  for (int i = 0; i < 9; ++i) {
    ASSERT_TRUE(b->Acquire(nullptr));
    b->RecordSuccess(clock_.NowUs());
  }
  const int64_t before = clock_.NowUs();
  clock_.Advance(absl::Milliseconds(1200));  // the next bucket
  Fail(*b, 1);
  ASSERT_TRUE(b->Acquire(nullptr));
  b->RecordSuccess(before);
  Fail(*b, 8);
  EXPECT_EQ(b->state(), kClosed);  // 9 failures of 19 requests: too few
  Fail(*b, 1);
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.last().reason(),
            "10 of 20 requests failed in the last 10s (50%)");
}

TEST_F(CircuitBreakerTest, AcquireBlocksWhileOpenUntilOpenForPasses) {
  auto b = Make(SmallPolicy());
  Fail(*b, 2);
  ASSERT_EQ(b->state(), kOpen);
  const int64_t opened_at = clock_.NowUs();

  std::future<bool> admitted = AcquireAsync(*b);
  clock_.BlockUntilWaiters(1);
  EXPECT_FALSE(Ready(admitted));

  clock_.Advance(absl::Seconds(5) - absl::Microseconds(1));
  EXPECT_EQ(b->state(), kOpen);
  clock_.BlockUntilWaiters(1);
  // Still before open_for: the waiter cannot have been admitted.
  EXPECT_FALSE(Ready(admitted));

  clock_.Advance(absl::Microseconds(1));
  EXPECT_TRUE(admitted.get());
  EXPECT_EQ(b->state(), kHalfOpen);

  const std::vector<BreakerEvent> events = log_.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].from(), kOpen);
  EXPECT_EQ(events[1].to(), kHalfOpen);
  EXPECT_EQ(events[1].reason(), "open for 5s: probing");
  EXPECT_EQ(events[1].offset_us(), opened_at + 5'000'000);
  b->Record(kSuccess);
}

TEST_F(CircuitBreakerTest, HalfOpenAdmitsOnlyTheProbesAndClosesOnSuccess) {
  auto b = Make(SmallPolicy(2, 2, 0.5, /*probes=*/3));
  OpenThenHalfOpen(*b);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->Acquire(nullptr)) << i;

  std::future<bool> fourth = AcquireAsync(*b);
  clock_.BlockUntilWaiters(1);
  EXPECT_FALSE(Ready(fourth));

  b->Record(kSuccess);
  b->Record(kAnswered);  // a non-counting failure: the target answered
  EXPECT_EQ(b->state(), kHalfOpen);
  EXPECT_FALSE(Ready(fourth));
  b->Record(kSuccess);
  EXPECT_EQ(b->state(), kClosed);
  EXPECT_TRUE(fourth.get());
  b->Record(kSuccess);

  const BreakerEvent e = log_.last();
  EXPECT_EQ(e.from(), kHalfOpen);
  EXPECT_EQ(e.to(), kClosed);
  EXPECT_EQ(e.reason(), "3 probes succeeded");
  EXPECT_EQ(e.requests(), 3);
  EXPECT_EQ(e.failures(), 0);

  // The window was cleared: one new failure does not reopen it.
  Fail(*b, 1);
  EXPECT_EQ(b->state(), kClosed);
}

TEST_F(CircuitBreakerTest, ProbeFailureReopensForOpenFor) {
  auto b = Make(SmallPolicy());
  OpenThenHalfOpen(*b);
  ASSERT_TRUE(b->Acquire(nullptr));
  ASSERT_TRUE(b->Acquire(nullptr));
  b->Record(kSuccess);
  clock_.Advance(absl::Seconds(1));
  b->Record(kFailure, "reconnect: server code 2013");
  EXPECT_EQ(b->state(), kOpen);

  const BreakerEvent e = log_.last();
  EXPECT_EQ(e.from(), kHalfOpen);
  EXPECT_EQ(e.to(), kOpen);
  EXPECT_EQ(e.reason(),
            "probe failed: reconnect: server code 2013; open for 5s");
  EXPECT_EQ(e.failures(), 1);
  EXPECT_EQ(e.requests(), 2);
  EXPECT_EQ(e.offset_us(), clock_.NowUs());

  // Open for a full open_for from the failure.
  clock_.Advance(absl::Seconds(5) - absl::Microseconds(1));
  EXPECT_EQ(b->state(), kOpen);
  clock_.Advance(absl::Microseconds(1));
  EXPECT_EQ(b->state(), kHalfOpen);
}

TEST_F(CircuitBreakerTest, OutcomesRecordedWhileOpenAreDropped) {
  auto b = Make(SmallPolicy());
  ASSERT_TRUE(b->Acquire(nullptr));  // admitted while closed, finishes late
  Fail(*b, 2);
  ASSERT_EQ(b->state(), kOpen);
  b->Record(kSuccess);
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.size(), 1u);
}

TEST_F(CircuitBreakerTest, ForgetsFailuresOlderThanTheWindow) {
  auto b = Make(SmallPolicy(/*threshold=*/4, /*min_requests=*/4));
  Fail(*b, 3);
  clock_.Advance(absl::Seconds(10));
  Fail(*b, 1);  // the three are out of the window
  EXPECT_EQ(b->state(), kClosed);
  clock_.Advance(absl::Seconds(5));
  Fail(*b, 2);  // 3 in the window
  EXPECT_EQ(b->state(), kClosed);
  Fail(*b, 1);  // 4 within 5s
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.last().reason(),
            "4 of 4 requests failed in the last 10s (100%)");
}

TEST_F(CircuitBreakerTest, NonCountingFailuresNeverOpenIt) {
  auto b = Make(SmallPolicy());
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(b->Acquire(nullptr));
    b->Record(kAnswered);
  }
  EXPECT_EQ(b->state(), kClosed);
  EXPECT_EQ(log_.size(), 0u);
  // They are requests, though: they dilute counting failures.
  auto c = Make(SmallPolicy(/*threshold=*/2, /*min_requests=*/2, 0.5));
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c->Acquire(nullptr));
    c->Record(kAnswered);
  }
  Fail(*c, 2);  // 2 of 12
  EXPECT_EQ(c->state(), kClosed);
}

TEST_F(CircuitBreakerTest, CancellationReleasesAWaiter) {
  auto b = Make(SmallPolicy());
  Fail(*b, 2);
  ASSERT_EQ(b->state(), kOpen);

  EXPECT_FALSE(b->Acquire([] { return true; }));  // cancelled already

  std::atomic<bool> cancel{false};
  std::future<bool> admitted =
      AcquireAsync(*b, [&cancel] { return cancel.load(); });
  clock_.BlockUntilWaiters(1);
  cancel = true;  // seen within kCancelPoll of real time
  EXPECT_FALSE(admitted.get());
  EXPECT_EQ(b->state(), kOpen);
}

TEST_F(CircuitBreakerTest, CancellationReleasesAHalfOpenWaiter) {
  auto b = Make(SmallPolicy(2, 2, 0.5, /*probes=*/1));
  OpenThenHalfOpen(*b);
  ASSERT_TRUE(b->Acquire(nullptr));
  std::atomic<bool> cancel{false};
  std::future<bool> admitted =
      AcquireAsync(*b, [&cancel] { return cancel.load(); });
  clock_.BlockUntilWaiters(1);
  cancel = true;
  EXPECT_FALSE(admitted.get());
  b->Record(kSuccess);
  EXPECT_EQ(b->state(), kClosed);
}

TEST_F(CircuitBreakerTest, AccountsOpenTime) {
  auto b = Make(SmallPolicy());
  EXPECT_EQ(b->TakeOpenUs(), 0);
  Fail(*b, 2);
  clock_.Advance(absl::Seconds(2));
  EXPECT_EQ(b->open_us_total(), 2'000'000);
  EXPECT_EQ(b->TakeOpenUs(), 2'000'000);
  EXPECT_EQ(b->TakeOpenUs(), 0);

  // The open period ends after open_for even before anyone notices.
  clock_.Advance(absl::Seconds(4));
  EXPECT_EQ(b->TakeOpenUs(), 3'000'000);
  EXPECT_EQ(b->open_us_total(), 5'000'000);

  ASSERT_TRUE(b->Acquire(nullptr));  // probe
  b->Record(kFailure);               // reopens
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(b->TakeOpenUs(), 1'000'000);
  EXPECT_EQ(b->open_us_total(), 6'000'000);
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(b->TakeOpenUs(), 4'000'000);
  EXPECT_EQ(b->open_us_total(), 10'000'000);
}

TEST_F(CircuitBreakerTest, DisabledBreakerAdmitsEverythingSilently) {
  rig::v1::CircuitBreakerPolicy policy = SmallPolicy();
  policy.set_disabled(true);
  auto b = Make(policy);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(b->Acquire([] { return true; }));
    b->Record(kFailure);
  }
  EXPECT_EQ(b->state(), kClosed);
  EXPECT_EQ(b->open_us_total(), 0);
  EXPECT_EQ(b->TakeOpenUs(), 0);
  EXPECT_EQ(log_.size(), 0u);
  EXPECT_FALSE(b->enabled());
}

// Many workers against a flapping target while the test moves time: the
// events must form one consistent chain (each `from` is the previous `to`,
// offsets never go back) and nothing may deadlock. Run it under TSan.
TEST_F(CircuitBreakerTest, ConcurrentWorkersSeeAConsistentChain) {
  rig::v1::CircuitBreakerPolicy policy =
      SmallPolicy(/*threshold=*/5, /*min_requests=*/10, 0.5, /*probes=*/2);
  *policy.mutable_open_for() = ToProto(absl::Seconds(1));
  auto b = Make(policy);
  constexpr int kWorkers = 6;
  constexpr int kOps = 3000;
  std::atomic<int> done{0};
  std::atomic<int64_t> admitted{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) {
    workers.emplace_back([&, w] {
      Rng rng(w);
      for (int i = 0; i < kOps; ++i) {
        if (!b->Acquire(nullptr)) continue;
        admitted.fetch_add(1);
        // The target flaps: 150 operations of mostly counting failures,
        // then 150 of mostly successes.
        const bool bad_phase = (i / 150) % 2 == 1;
        const bool hit = rng() % 10 < 9;
        if (bad_phase) {
          b->Record(hit ? kFailure : kSuccess);
        } else {
          b->Record(hit ? kSuccess : kAnswered);
        }
        // Time passes as work is done, so the window slides.
        if (i % 25 == 0) clock_.Advance(absl::Milliseconds(500));
        if (i % 97 == 0) (void)b->state();
        if (i % 89 == 0) (void)b->TakeOpenUs();
      }
      done.fetch_add(1);
    });
  }
  // Time moves (by open_for) only when every unfinished worker is blocked:
  // enough to get from open to half-open, without a storm of wake-ups.
  while (done.load() < kWorkers) {
    if (clock_.waiters() + done.load() >= size_t{kWorkers}) {
      clock_.Advance(absl::Seconds(1));
    } else {
      std::this_thread::yield();
    }
  }
  for (auto& t : workers) t.join();

  EXPECT_EQ(admitted.load(), int64_t{kWorkers} * kOps);
  const std::vector<BreakerEvent> events = log_.events();
  int reached[4] = {0, 0, 0, 0};
  for (const BreakerEvent& e : events) ++reached[e.to()];
  EXPECT_GT(reached[kOpen], 0);
  EXPECT_GT(reached[kHalfOpen], 0);
  EXPECT_GT(reached[kClosed], 0);
  BreakerState state = kClosed;
  int64_t offset = 0;
  for (const BreakerEvent& e : events) {
    EXPECT_EQ(e.from(), state);
    EXPECT_NE(e.from(), e.to());
    EXPECT_GE(e.offset_us(), offset);
    state = e.to();
    offset = e.offset_us();
  }
}

// --- FakeClock ---------------------------------------------------------------

TEST(FakeClockTest, AdvanceWakesAWaiterPastItsDeadline) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  auto waiter = std::async(std::launch::async, [&] {
    std::unique_lock<std::mutex> lock(mu);
    while (clock.NowUs() < 1000) {
      clock.WaitUntilUs(lock, cv, 1000, absl::InfiniteDuration());
    }
    return clock.NowUs();
  });
  clock.BlockUntilWaiters(1);
  clock.Advance(absl::Microseconds(999));
  clock.Advance(absl::Microseconds(1));
  EXPECT_EQ(waiter.get(), 1000);
  clock.Advance(-absl::Seconds(1));  // ignored: monotonic
  EXPECT_EQ(clock.NowUs(), 1000);
}

}  // namespace
}  // namespace rig::agent
