#include "common/base/spin_lock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace rig {
namespace {

// Increments that are not atomic on their own: any hole in the lock loses
// some (and TSan, under -DRIG_SANITIZE=thread, reports the race).
TEST(SpinLockTest, EveryIncrementUnderTheLockIsKept) {
  SpinLock lock;
  int64_t counter = 0;
  int64_t shadow = 0;  // read-modify-write in two steps: torn without a lock
  constexpr int kThreads = 4;
  constexpr int kEach = 100000;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // All start together, so they contend.
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        std::lock_guard<SpinLock> guard(lock);
        const int64_t seen = shadow;
        ++counter;
        shadow = seen + 1;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(counter, int64_t{kThreads} * kEach);
  EXPECT_EQ(shadow, int64_t{kThreads} * kEach);
}

TEST(SpinLockTest, TryLockFailsWhileHeld) {
  SpinLock lock;
  ASSERT_TRUE(lock.try_lock());
  bool other = true;
  std::thread([&] { other = lock.try_lock(); }).join();
  EXPECT_FALSE(other);
  lock.unlock();
  std::thread([&] {
    other = lock.try_lock();
    if (other) lock.unlock();
  }).join();
  EXPECT_TRUE(other);
}

}  // namespace
}  // namespace rig
