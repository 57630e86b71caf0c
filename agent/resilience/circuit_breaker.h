#pragma once

// A circuit breaker per agent and target (Resilience.circuit_breaker): when
// the target looks unhealthy, workers stop sending it work for a while
// instead of piling retries on a server that is down or drowning.
//
//   closed     every Acquire passes; outcomes go into a sliding window of
//              10 buckets over `window` (memory stays bounded; an outcome
//              leaves the window between window*9/10 and window after it
//              was recorded). Opens when, within the window, requests >=
//              min_requests AND failures >= failure_threshold AND
//              failures / requests >= failure_rate.
//   open       Acquire blocks (condition variable with deadline, no spinning)
//              until open_for has passed; then the breaker is half-open.
//   half-open  at most half_open_probes requests are admitted as probes, the
//              rest wait. All probes succeed -> closed (window cleared); a
//              probe fails -> open again for open_for.
//
// Only failures that say the target is unhealthy count (error classes
// reconnect and backoff: counts_for_breaker in error_class.h); contention
// (retry_txn), set-up errors (fail_fast) and data errors (other) show that
// the server answered, so they are recorded as requests, not failures.
//
// Defaults for unset (zero) policy fields: failure_threshold 20,
// failure_rate 0.5, min_requests 20, window 10s, open_for 5s,
// half_open_probes 3; consecutive_failures 10 when absent (0: off). A disabled
// breaker admits everything and sends no events.
//
// The window is judged when a failure is recorded: a success alone never
// opens the breaker.
//
// Cost: while closed, Acquire is one atomic load and a success one atomic
// add and one load (the run of failures, written only after a failure)
// (and a clock read unless the caller passes the time: RecordSuccess),
// with no lock, so the breaker costs next to nothing per operation when the
// target is healthy; failures and every other state take the lock.
//
// Thread-safe: many workers call Acquire/Record concurrently. on_event is
// called without the breaker's lock held, in transition order, and never
// concurrently with itself; it may call state() and the open-time getters.
// The clock must outlive the breaker; no thread may be inside Acquire when
// it is destroyed.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/base/clock.h"
#include "rig/v1/agent.pb.h"
#include "rig/v1/plan.pb.h"

namespace rig::agent {

class CircuitBreaker {
 public:
  using EventFn = std::function<void(const rig::v1::BreakerEvent&)>;

  // How often a blocked Acquire looks at its `cancelled` callback.
  static constexpr absl::Duration kCancelPoll = absl::Milliseconds(50);

  // `target` names the target in events (e.g. "tidb-0:4000"). `clock` is
  // not owned. `on_event` may be empty.
  CircuitBreaker(const rig::v1::CircuitBreakerPolicy& policy,
                 std::string target, Clock* clock, EventFn on_event);
  CircuitBreaker(const CircuitBreaker&) = delete;
  CircuitBreaker& operator=(const CircuitBreaker&) = delete;

  // Asks to send one operation. Returns true at once when closed; blocks
  // while open, or while half-open with all probes taken, until admitted
  // (true) or `cancelled` returns true (false), which is checked at least
  // every kCancelPoll. `cancelled` may be empty (never cancelled); it is
  // called without the breaker's lock held. Each true return must be
  // followed by exactly one Record().
  bool Acquire(const std::function<bool()>& cancelled) {
    if (closed()) return true;  // inline: the hot path's common case
    return AcquireSlow(cancelled);
  }

  // Acquire without waiting: true when it admits at once (closed, or
  // half-open with a probe free, which this takes), false when it would
  // wait. Each true return must be followed by exactly one Record().
  bool TryAcquire() {
    if (closed()) return true;
    return TryAcquireSlow();
  }

  // What became of an operation Acquire admitted.
  enum class Outcome {
    kSuccess,
    // Failed, but the target answered (contention, set-up, data: an error
    // class that does not count for the breaker): a request, not a
    // failure, and a successful probe.
    kAnswered,
    // Failed in a way that says the target is unhealthy (reconnect,
    // backoff).
    kFailure,
  };
  // `detail` (e.g. "reconnect: server code 2013") only appears in the reason
  // of a "probe failed" event.
  //
  // Outcomes are matched to admissions by count, not identity: an operation
  // admitted before the breaker opened that finishes while half-open may
  // stand in for a probe. Its outcome is as fresh as a probe's, so that is
  // harmless; outcomes recorded while open are dropped.
  void Record(Outcome outcome, absl::string_view detail = {});

  // Record(kSuccess) for a caller that has just read the time: `now_us`
  // is the breaker's clock (Clock::NowUs()) at the operation's end. Saves
  // the fast path's clock read.
  void RecordSuccess(int64_t now_us) {
    if (!enabled_) return;
    if (closed_.load(std::memory_order_acquire) && CountSuccessClosed(now_us)) {
      return;
    }
    Record(Outcome::kSuccess);
  }

  // CLOSED, OPEN or HALF_OPEN (CLOSED when disabled). Once open_for has
  // passed the breaker reports HALF_OPEN even if no Acquire has noticed yet.
  rig::v1::BreakerState state() const;

  // Microseconds spent open since construction, including the current open
  // period. An open period lasts at most open_for (then it is half-open).
  int64_t open_us_total() const;
  // Open time since the previous call (or construction): per-interval
  // counters (Counters.breaker_open_us).
  int64_t TakeOpenUs();

  bool enabled() const { return enabled_; }
  // True when Acquire would admit at once without waiting (closed or
  // disabled); a lock-free hint, it may change right after.
  bool closed() const {
    return !enabled_ || closed_.load(std::memory_order_acquire);
  }
  const std::string& target() const { return target_; }

 private:
  // Written under mu_; a success while closed adds to `requests` without
  // it when `index` is current.
  struct Bucket {
    std::atomic<int64_t> index{-1};  // bucket number (now / bucket_us_)
    std::atomic<int64_t> requests{0};
    std::atomic<int64_t> failures{0};
    void Reset(int64_t to) {
      requests.store(0, std::memory_order_relaxed);
      failures.store(0, std::memory_order_relaxed);
      index.store(to, std::memory_order_release);
    }
  };
  static constexpr int kBuckets = 10;

  // Appends an event to pending_ and wakes waiters.
  void TransitionLocked(rig::v1::BreakerState to, int64_t at_us,
                        std::string reason, int64_t failures, int64_t requests)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Open -> half-open once open_for has passed. True if it transitioned.
  bool MaybeHalfOpenLocked(int64_t now_us) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool AcquireSlow(const std::function<bool()>& cancelled);
  bool TryAcquireSlow();
  // Half-open with a probe free: takes it.
  bool TakeProbeLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The lock-free path of a success while closed: counts it in the bucket of
  // now_us if that bucket is current (a success cannot open the breaker, so
  // nothing needs judging). False: take the lock (Record), which starts a
  // new bucket.
  bool CountSuccessClosed(int64_t now_us) {
    const int64_t index = now_us / bucket_us_;
    Bucket& b = buckets_[((index % kBuckets) + kBuckets) % kBuckets];
    if (b.index.load(std::memory_order_acquire) != index) return false;
    b.requests.fetch_add(1, std::memory_order_relaxed);
    EndRun();
    return true;
  }
  // A success or an answered error ends a run of failures. Written only when
  // there is a run, so the healthy path reads a line nobody writes.
  void EndRun() {
    if (run_.load(std::memory_order_relaxed) != 0) {
      run_.store(0, std::memory_order_relaxed);
    }
  }
  void RecordClosedLocked(int64_t now_us, bool failure)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RecordHalfOpenLocked(int64_t now_us, bool failure,
                            absl::string_view detail)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OpenLocked(int64_t now_us, std::string reason, int64_t failures,
                  int64_t requests) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int64_t OpenUsTotalLocked(int64_t now_us) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Delivers pending_ to on_event_ in order, unless another thread is
  // already doing so (it will deliver ours too). Call without mu_.
  void FlushEvents();

  // Configuration, fixed at construction.
  const bool enabled_;
  const std::string target_;
  Clock* const clock_;
  const EventFn on_event_;
  const int64_t failure_threshold_;
  const double failure_rate_;
  const int64_t min_requests_;
  const absl::Duration window_;
  const int64_t bucket_us_;
  const absl::Duration open_for_;
  const int half_open_probes_;
  const int64_t consecutive_failures_;  // 0: this trigger is off

  mutable std::mutex mu_;
  std::condition_variable cv_;  // signalled on every transition
  rig::v1::BreakerState state_ ABSL_GUARDED_BY(mu_) =
      rig::v1::BREAKER_STATE_CLOSED;
  // state_ == CLOSED, readable without mu_ (the fast path).
  std::atomic<bool> closed_{true};
  Bucket buckets_[kBuckets];
  // Failures in a row while closed; incremented under mu_, ended (set to 0)
  // by a success without it.
  std::atomic<int64_t> run_{0};
  int64_t open_since_us_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t open_until_us_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t open_us_done_ ABSL_GUARDED_BY(mu_) = 0;   // finished open periods
  int64_t open_us_taken_ ABSL_GUARDED_BY(mu_) = 0;  // reported by TakeOpenUs
  // Half-open bookkeeping, reset on entering half-open.
  int probes_admitted_ ABSL_GUARDED_BY(mu_) = 0;
  int probes_in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  int probes_succeeded_ ABSL_GUARDED_BY(mu_) = 0;
  // Events not yet delivered, and whether a thread is delivering them.
  std::deque<rig::v1::BreakerEvent> pending_ ABSL_GUARDED_BY(mu_);
  bool delivering_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace rig::agent
