#pragma once

// A clock that can be faked: time in microseconds on a monotonic scale, and
// a condition-variable wait that ends when the clock reaches a deadline.
//
// Code that waits for time to pass (the circuit breaker's open period) takes
// a Clock* so its tests drive time by hand with FakeClock and never depend on
// real sleeps. The waiting goes through the clock because only the clock
// knows when "its" time moves: a FakeClock wakes the waiters on Advance().
//
// Both implementations are thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>

#include "absl/time/time.h"

namespace rig {

class Clock {
 public:
  virtual ~Clock() = default;

  // Microseconds since the clock's origin; never decreases.
  virtual int64_t NowUs() const = 0;

  // Waits on `cv` (the caller holds `lock`, which guards the state `cv`
  // signals) until `cv` is notified, NowUs() >= deadline_us, or `max_wait`
  // of real time has passed, whichever is first. May return early for no
  // reason, like any condition wait: callers loop and re-check. `lock` is
  // held again on return. `max_wait` bounds how long a caller goes without
  // looking at conditions nobody signals (e.g. a cancellation flag).
  virtual void WaitUntilUs(std::unique_lock<std::mutex>& lock,
                           std::condition_variable& cv, int64_t deadline_us,
                           absl::Duration max_wait) = 0;
};

// Real time: std::chrono::steady_clock, counted from `origin` (by default the
// construction time; pass the run's start to get run offsets).
class SteadyClock : public Clock {
 public:
  explicit SteadyClock(std::chrono::steady_clock::time_point origin =
                           std::chrono::steady_clock::now())
      : origin_(origin) {}

  int64_t NowUs() const override;
  // What NowUs() returned, or would have, at `t` (a time read already).
  int64_t UsAt(std::chrono::steady_clock::time_point t) const {
    return std::chrono::duration_cast<std::chrono::microseconds>(t - origin_)
        .count();
  }
  void WaitUntilUs(std::unique_lock<std::mutex>& lock,
                   std::condition_variable& cv, int64_t deadline_us,
                   absl::Duration max_wait) override;

 private:
  const std::chrono::steady_clock::time_point origin_;
};

// Time that moves only when a test calls Advance(), which also wakes every
// thread inside WaitUntilUs so it re-checks its deadline at once. WaitUntilUs
// still returns after `max_wait` of real time, so cancellation polling works
// as with SteadyClock. Starts at `start_us` (default 0).
class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t start_us = 0) : now_us_(start_us) {}
  FakeClock(const FakeClock&) = delete;
  FakeClock& operator=(const FakeClock&) = delete;

  int64_t NowUs() const override;
  void WaitUntilUs(std::unique_lock<std::mutex>& lock,
                   std::condition_variable& cv, int64_t deadline_us,
                   absl::Duration max_wait) override;

  // Moves time forward (a negative d is ignored: the clock is monotonic) and
  // wakes all waiters. Returns after every waiter has been notified.
  void Advance(absl::Duration d);

  // Blocks until at least `n` threads are waiting inside WaitUntilUs (not
  // yet on their way out), so a test knows a thread really is blocked before
  // it moves time.
  void BlockUntilWaiters(size_t n);
  size_t waiters() const;  // threads waiting now

 private:
  struct Waiter {
    std::mutex* const mu;  // the caller's mutex and cv, fixed at insertion
    std::condition_variable* const cv;
    int pins = 0;          // Advance() calls about to notify it
    bool leaving = false;  // done waiting; Advance() leaves it alone
  };

  size_t WaitingLocked() const;  // requires mu_

  mutable std::mutex mu_;
  std::condition_variable changed_;  // waiters_ or a pin count changed
  int64_t now_us_;                   // guarded by mu_
  // Guarded by mu_. A list, so Advance() can hold pointers to entries: it
  // notifies outside mu_ (lock order: a caller's mutex, then mu_), and a
  // pinned entry, whose mutex and cv must stay alive, is not erased.
  std::list<Waiter> waiters_;
};

}  // namespace rig
