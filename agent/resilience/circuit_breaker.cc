#include "agent/resilience/circuit_breaker.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/base/proto_duration.h"

namespace rig::agent {
namespace {

using rig::v1::BreakerState;

constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// The policy comes with the plan's defaults filled (plan/schema.h); these
// only keep a value the loader cannot refuse from breaking the arithmetic.
int64_t AtLeastOne(int64_t n) { return std::max<int64_t>(1, n); }

double Fraction(double rate) {
  // !(rate >= 0) also catches NaN; a rate above 1 could never be reached.
  if (!(rate >= 0)) return 0;
  return std::min(rate, 1.0);
}

std::string Plural(int64_t n, absl::string_view one, absl::string_view many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

}  // namespace

CircuitBreaker::CircuitBreaker(const rig::v1::CircuitBreakerPolicy& policy,
                               std::string target, Clock* clock,
                               EventFn on_event)
    : enabled_(!policy.disabled()),
      target_(std::move(target)),
      clock_(clock),
      on_event_(std::move(on_event)),
      failure_threshold_(AtLeastOne(policy.failure_threshold())),
      failure_rate_(Fraction(policy.failure_rate())),
      min_requests_(AtLeastOne(policy.min_requests())),
      window_(std::max(FromProto(policy.window()), absl::Microseconds(1))),
      bucket_us_(
          std::max<int64_t>(1, absl::ToInt64Microseconds(window_) / kBuckets)),
      open_for_(std::max(FromProto(policy.open_for()), absl::ZeroDuration())),
      half_open_probes_(
          static_cast<int>(AtLeastOne(policy.half_open_probes()))),
      consecutive_failures_(
          policy.has_consecutive_failures()
              ? std::max<int64_t>(0, policy.consecutive_failures())
              : 10) {}

bool CircuitBreaker::AcquireSlow(const std::function<bool()>& cancelled) {
  bool admitted = false;
  bool produced = false;  // we made a transition whose event is pending
  {
    std::unique_lock<std::mutex> lock(mu_);
    bool check_cancel = true;
    for (;;) {
      produced |= MaybeHalfOpenLocked(clock_->NowUs());
      if (state_ == rig::v1::BREAKER_STATE_CLOSED) {
        admitted = true;
        break;
      }
      if (TakeProbeLocked()) {
        admitted = true;
        break;
      }
      // About to wait. First deliver our events and look at `cancelled`,
      // both without the lock; then look at the state again, since it may
      // have changed meanwhile.
      if (produced || check_cancel) {
        lock.unlock();
        if (produced) FlushEvents();
        const bool stop = check_cancel && cancelled && cancelled();
        lock.lock();
        produced = false;
        if (stop) break;
        check_cancel = false;
        continue;
      }
      // Open: until open_for is over. Half-open with every probe taken:
      // until a probe's outcome moves the state (cv_ is signalled).
      const int64_t deadline =
          state_ == rig::v1::BREAKER_STATE_OPEN ? open_until_us_ : kNever;
      clock_->WaitUntilUs(lock, cv_, deadline, kCancelPoll);
      check_cancel = true;
    }
  }
  if (produced) FlushEvents();
  return admitted;
}

bool CircuitBreaker::TakeProbeLocked() {
  if (state_ != rig::v1::BREAKER_STATE_HALF_OPEN ||
      probes_admitted_ >= half_open_probes_) {
    return false;
  }
  ++probes_admitted_;
  ++probes_in_flight_;
  return true;
}

bool CircuitBreaker::TryAcquireSlow() {
  bool admitted = false;
  bool produced = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    produced = MaybeHalfOpenLocked(clock_->NowUs());
    admitted = state_ == rig::v1::BREAKER_STATE_CLOSED || TakeProbeLocked();
  }
  if (produced) FlushEvents();
  return admitted;
}

void CircuitBreaker::Record(Outcome outcome, absl::string_view detail) {
  if (!enabled_) return;
  if (outcome == Outcome::kSuccess && closed_.load(std::memory_order_acquire) &&
      CountSuccessClosed(clock_->NowUs())) {
    return;
  }
  bool produced = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const int64_t now = clock_->NowUs();
    produced = MaybeHalfOpenLocked(now);
    const BreakerState before = state_;
    const bool failure = outcome == Outcome::kFailure;
    switch (state_) {
      case rig::v1::BREAKER_STATE_HALF_OPEN:
        RecordHalfOpenLocked(now, failure, detail);
        break;
      case rig::v1::BREAKER_STATE_OPEN:
        // Admitted before the breaker opened; the decision is made.
        break;
      default:
        RecordClosedLocked(now, failure);
        break;
    }
    produced |= state_ != before;
  }
  if (produced) FlushEvents();
}

BreakerState CircuitBreaker::state() const {
  if (!enabled_) return rig::v1::BREAKER_STATE_CLOSED;
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == rig::v1::BREAKER_STATE_OPEN &&
      clock_->NowUs() >= open_until_us_) {
    return rig::v1::BREAKER_STATE_HALF_OPEN;
  }
  return state_;
}

int64_t CircuitBreaker::open_us_total() const {
  if (!enabled_) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  return OpenUsTotalLocked(clock_->NowUs());
}

int64_t CircuitBreaker::TakeOpenUs() {
  if (!enabled_) return 0;
  std::lock_guard<std::mutex> lock(mu_);
  const int64_t total = OpenUsTotalLocked(clock_->NowUs());
  const int64_t delta = total - open_us_taken_;
  open_us_taken_ = total;
  return delta;
}

void CircuitBreaker::TransitionLocked(BreakerState to, int64_t at_us,
                                      std::string reason, int64_t failures,
                                      int64_t requests) {
  if (on_event_) {
    rig::v1::BreakerEvent& e = pending_.emplace_back();
    e.set_offset_us(at_us);
    e.set_target(target_);
    e.set_from(state_);
    e.set_to(to);
    e.set_reason(std::move(reason));
    e.set_failures(failures);
    e.set_requests(requests);
  }
  state_ = to;
  closed_.store(to == rig::v1::BREAKER_STATE_CLOSED, std::memory_order_release);
  cv_.notify_all();
}

bool CircuitBreaker::MaybeHalfOpenLocked(int64_t now_us) {
  if (state_ != rig::v1::BREAKER_STATE_OPEN || now_us < open_until_us_) {
    return false;
  }
  // The open period ends at open_until_us_, however late a thread notices:
  // from then on the breaker admits probes (state() says so too).
  open_us_done_ += open_until_us_ - open_since_us_;
  probes_admitted_ = 0;
  probes_in_flight_ = 0;
  probes_succeeded_ = 0;
  TransitionLocked(
      rig::v1::BREAKER_STATE_HALF_OPEN, open_until_us_,
      absl::StrCat("open for ", absl::FormatDuration(open_for_), ": probing"),
      0, 0);
  return true;
}

void CircuitBreaker::RecordClosedLocked(int64_t now_us, bool failure) {
  const int64_t index = now_us / bucket_us_;
  Bucket& bucket = buckets_[((index % kBuckets) + kBuckets) % kBuckets];
  if (bucket.index.load(std::memory_order_relaxed) != index) {
    bucket.Reset(index);
  }
  bucket.requests.fetch_add(1, std::memory_order_relaxed);
  if (!failure) {  // a success cannot open the breaker
    EndRun();
    return;
  }
  bucket.failures.fetch_add(1, std::memory_order_relaxed);
  const int64_t run = run_.fetch_add(1, std::memory_order_relaxed) + 1;

  int64_t requests = 0;
  int64_t failures = 0;
  for (const Bucket& b : buckets_) {
    const int64_t i = b.index.load(std::memory_order_relaxed);
    if (i > index - kBuckets && i <= index) {
      requests += b.requests.load(std::memory_order_relaxed);
      failures += b.failures.load(std::memory_order_relaxed);
    }
  }
  if (consecutive_failures_ > 0 && run >= consecutive_failures_) {
    OpenLocked(
        now_us,
        absl::StrCat(run, " failures in a row (", failures, " of ",
                     Plural(requests, "request", "requests"), " in the last ",
                     absl::FormatDuration(window_), ")"),
        failures, requests);
    return;
  }
  if (requests < min_requests_ || failures < failure_threshold_ ||
      static_cast<double>(failures) / static_cast<double>(requests) <
          failure_rate_) {
    return;
  }
  const auto percent = std::lround(100.0 * static_cast<double>(failures) /
                                   static_cast<double>(requests));
  OpenLocked(
      now_us,
      absl::StrCat(failures, " of ", Plural(requests, "request", "requests"),
                   " failed in the last ", absl::FormatDuration(window_), " (",
                   percent, "%)"),
      failures, requests);
}

void CircuitBreaker::RecordHalfOpenLocked(int64_t now_us, bool failure,
                                          absl::string_view detail) {
  // No probe out: an operation admitted before the breaker opened.
  if (probes_in_flight_ == 0) return;
  --probes_in_flight_;
  if (failure) {
    OpenLocked(now_us,
               absl::StrCat("probe failed", detail.empty() ? "" : ": ", detail,
                            "; open for ", absl::FormatDuration(open_for_)),
               1, probes_succeeded_ + 1);
    return;
  }
  if (++probes_succeeded_ < half_open_probes_) return;
  // A fresh start: the failures that opened the breaker are history.
  for (Bucket& b : buckets_) b.Reset(-1);
  TransitionLocked(
      rig::v1::BREAKER_STATE_CLOSED, now_us,
      absl::StrCat(Plural(probes_succeeded_, "probe", "probes"), " succeeded"),
      0, probes_succeeded_);
}

void CircuitBreaker::OpenLocked(int64_t now_us, std::string reason,
                                int64_t failures, int64_t requests) {
  run_.store(0, std::memory_order_relaxed);
  open_since_us_ = now_us;
  open_until_us_ = now_us + absl::ToInt64Microseconds(open_for_);
  TransitionLocked(rig::v1::BREAKER_STATE_OPEN, now_us, std::move(reason),
                   failures, requests);
}

int64_t CircuitBreaker::OpenUsTotalLocked(int64_t now_us) const {
  if (state_ != rig::v1::BREAKER_STATE_OPEN) return open_us_done_;
  return open_us_done_ + std::max<int64_t>(0, std::min(now_us, open_until_us_) -
                                                  open_since_us_);
}

void CircuitBreaker::FlushEvents() {
  std::unique_lock<std::mutex> lock(mu_);
  if (delivering_) return;  // that thread delivers ours as well
  delivering_ = true;
  while (!pending_.empty()) {
    rig::v1::BreakerEvent event = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    on_event_(event);
    lock.lock();
  }
  delivering_ = false;
}

}  // namespace rig::agent
