// The circuit breaker, and the FakeClock its tests drive. Time is a
// FakeClock moved by the tests; threads are synchronised with futures and
// FakeClock::BlockUntilWaiters, never with sleeps.

#include "agent/resilience/circuit_breaker.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "common/base/clock.h"
#include "common/base/proto_duration.h"
#include "common/base/rng.h"
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
  p.set_consecutive_failures(0);  // the window alone; see the Run tests
  return p;                       // window 10s, open_for 5s (defaults)
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

TEST_F(CircuitBreakerTest, DefaultsOpenOnTenFailuresInARow) {
  auto b = Make(rig::plan::PlanDefaults().resilience().circuit_breaker());
  Fail(*b, 9);
  EXPECT_EQ(b->state(), kClosed);
  EXPECT_EQ(log_.size(), 0u);
  Fail(*b, 1);
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.last().reason(),
            "10 failures in a row (10 of 10 requests in the last 10s)");
}

TEST_F(CircuitBreakerTest, DefaultsNeedTwentyFailuresInTheWindowOtherwise) {
  auto b = Make(rig::plan::PlanDefaults().resilience().circuit_breaker());
  for (int i = 0; i < 19; ++i) {
    ASSERT_TRUE(b->Acquire(nullptr));
    b->Record(kSuccess);  // never two failures in a row
    Fail(*b, 1);
  }
  EXPECT_EQ(b->state(), kClosed);
  ASSERT_TRUE(b->Acquire(nullptr));
  b->Record(kSuccess);
  Fail(*b, 1);  // 20 of 40 = 50%
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.last().reason(),
            "20 of 40 requests failed in the last 10s (50%)");
}

// A run ends with a success (either path) or with an error the server
// answered; only failures that say the target is unhealthy extend it.
TEST_F(CircuitBreakerTest, ARunOfFailuresEndsAtASuccessOrAnAnsweredError) {
  rig::v1::CircuitBreakerPolicy p = SmallPolicy(/*threshold=*/1000,
                                                /*min_requests=*/1000);
  p.set_consecutive_failures(5);
  auto b = Make(p);
  Fail(*b, 4);
  ASSERT_TRUE(b->Acquire(nullptr));
  b->Record(kAnswered);
  Fail(*b, 4);
  ASSERT_TRUE(b->Acquire(nullptr));
  b->RecordSuccess(clock_.NowUs());  // the lock-free path
  Fail(*b, 4);
  ASSERT_TRUE(b->Acquire(nullptr));
  b->Record(kSuccess);
  Fail(*b, 4);
  EXPECT_EQ(b->state(), kClosed);
  Fail(*b, 1);
  EXPECT_EQ(b->state(), kOpen);
  EXPECT_EQ(log_.last().reason(),
            "5 failures in a row (17 of 20 requests in the last 10s)");
}

// The case the run trigger is for: a server that stops after a long healthy
// window, at high throughput. The window alone would wait until the
// failures are half of it (about 10 s at the default window); the run opens
// the breaker within a millisecond. Time is the fake clock: 20,000
// operations per second for 10 s, then the same rate of failures.
TEST_F(CircuitBreakerTest, AStoppedServerOpensItWithinASecondAtHighThroughput) {
  constexpr int64_t kStepUs = 50;  // 20,000/s
  auto run = [this](const rig::v1::CircuitBreakerPolicy& policy) {
    auto b = Make(policy);
    for (int i = 0; i < 200'000; ++i) {
      clock_.Advance(absl::Microseconds(kStepUs));
      b->RecordSuccess(clock_.NowUs());
    }
    const int64_t stopped_us = clock_.NowUs();
    for (int i = 0; i < 20'000 && b->state() == kClosed; ++i) {  // 1 s
      clock_.Advance(absl::Microseconds(kStepUs));
      ASSERT_TRUE(b->Acquire(nullptr));
      b->Record(kFailure);
    }
    ASSERT_EQ(b->state(), kOpen) << "still closed 1 s after the stop";
    EXPECT_LE(clock_.NowUs() - stopped_us, 10 * kStepUs);
  };
  run(rig::plan::PlanDefaults().resilience().circuit_breaker());

  // With the trigger off (an explicit 0), the window alone is still closed
  // after a second of failures: what the trigger fixes.
  rig::v1::CircuitBreakerPolicy off =
      rig::plan::PlanDefaults().resilience().circuit_breaker();
  off.set_consecutive_failures(0);
  auto b = Make(off);
  for (int i = 0; i < 200'000; ++i) {
    clock_.Advance(absl::Microseconds(kStepUs));
    b->RecordSuccess(clock_.NowUs());
  }
  Fail(*b, 20'000);
  EXPECT_EQ(b->state(), kClosed);
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
