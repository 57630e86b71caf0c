#pragma once

// A test-and-test-and-set spin lock for critical sections of a few dozen
// instructions that are almost never contended.
//
// Why not std::mutex: each load worker records every operation into its own
// stats under a lock that only the interval reporter also takes (once per
// interval, to swap the delta out). Uncontended, pthread_mutex_lock + unlock
// cost ~60 instructions per operation under callgrind (bench/RESULTS.md);
// this costs a handful. Not for anything that can block while holding it.
// A waiter yields after a short spin, so a holder that was descheduled is
// not starved. BasicLockable: use it with std::lock_guard.

#include <atomic>
#include <thread>

namespace rig {

class SpinLock {
 public:
  void lock() {
    for (;;) {
      if (!locked_.exchange(true, std::memory_order_acquire)) return;
      for (int spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins >= 64) std::this_thread::yield();
      }
    }
  }
  bool try_lock() {
    return !locked_.load(std::memory_order_relaxed) &&
           !locked_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

}  // namespace rig
