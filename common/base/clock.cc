#include "common/base/clock.h"

#include <algorithm>
#include <vector>

namespace rig {
namespace {

// Waits longer than this are cut short (callers loop anyway): it keeps
// std::chrono from overflowing on "forever" deadlines.
constexpr int64_t kMaxSingleWaitUs = int64_t{24} * 3600 * 1000 * 1000;

int64_t CapUs(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return std::min(absl::ToInt64Microseconds(d), kMaxSingleWaitUs);
}

}  // namespace

int64_t SteadyClock::NowUs() const {
  return UsAt(std::chrono::steady_clock::now());
}

void SteadyClock::WaitUntilUs(std::unique_lock<std::mutex>& lock,
                              std::condition_variable& cv, int64_t deadline_us,
                              absl::Duration max_wait) {
  const int64_t now_us = NowUs();
  if (now_us >= deadline_us) return;
  int64_t wait_us = CapUs(max_wait);
  // now_us < deadline_us, so the difference only overflows for a negative
  // now_us (an origin in the future); max_wait bounds the wait then.
  if (now_us >= 0) wait_us = std::min(wait_us, deadline_us - now_us);
  if (wait_us <= 0) return;
  cv.wait_for(lock, std::chrono::microseconds(wait_us));
}

int64_t FakeClock::NowUs() const {
  std::lock_guard<std::mutex> g(mu_);
  return now_us_;
}

void FakeClock::WaitUntilUs(std::unique_lock<std::mutex>& lock,
                            std::condition_variable& cv, int64_t deadline_us,
                            absl::Duration max_wait) {
  std::list<Waiter>::iterator self;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (now_us_ >= deadline_us) return;
    self = waiters_.insert(waiters_.end(), Waiter{lock.mutex(), &cv});
    changed_.notify_all();
  }
  // No wake-up is lost between the check above and the wait: Advance()
  // changes now_us_ under mu_ and then notifies while holding lock.mutex(),
  // which we hold until cv.wait_for releases it.
  const int64_t wait_us = CapUs(max_wait);
  if (wait_us > 0) cv.wait_for(lock, std::chrono::microseconds(wait_us));
  // Leave without the caller's lock: an Advance() that pinned us may be
  // waiting for it to notify us. Once `leaving` is set no new Advance()
  // pins us (our caller re-checks the time itself), so this wait is short.
  lock.unlock();
  {
    std::unique_lock<std::mutex> g(mu_);
    self->leaving = true;
    changed_.wait(g, [&] { return self->pins == 0; });
    waiters_.erase(self);
    changed_.notify_all();
  }
  lock.lock();
}

void FakeClock::Advance(absl::Duration d) {
  std::vector<Waiter*> to_wake;
  {
    std::lock_guard<std::mutex> g(mu_);
    if (d > absl::ZeroDuration()) now_us_ += absl::ToInt64Microseconds(d);
    for (Waiter& w : waiters_) {
      if (w.leaving) continue;
      ++w.pins;
      to_wake.push_back(&w);
    }
  }
  for (Waiter* w : to_wake) {
    std::lock_guard<std::mutex> g(*w->mu);
    w->cv->notify_all();
  }
  std::lock_guard<std::mutex> g(mu_);
  for (Waiter* w : to_wake) --w->pins;
  changed_.notify_all();
}

void FakeClock::BlockUntilWaiters(size_t n) {
  std::unique_lock<std::mutex> g(mu_);
  changed_.wait(g, [&] { return WaitingLocked() >= n; });
}

size_t FakeClock::waiters() const {
  std::lock_guard<std::mutex> g(mu_);
  return WaitingLocked();
}

size_t FakeClock::WaitingLocked() const {
  return std::count_if(waiters_.begin(), waiters_.end(),
                       [](const Waiter& w) { return !w.leaving; });
}

}  // namespace rig
