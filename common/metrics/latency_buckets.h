#pragma once

// The fixed buckets of rig_operation_duration_seconds, filled from the
// rig's exact histogram (common/stats/histogram.h) so that the two agree.
//
// Bounds: 100 us .. 60 s in 1-2.5-5 steps. Each bucket of the exact
// histogram goes, whole, into the first Prometheus bucket whose bound is at
// least its highest equivalent value (the value a percentile of that bucket
// reports). Hence:
// - _count and the +Inf bucket equal the exact histogram's count, and _sum
//   its exact sum;
// - below 2048 us every value has a bucket of its own, so `le` counts are
//   exact there; above, a bucket counts exactly the samples whose exact
//   bucket ends at or below the bound: never a sample above it, and leaves
//   out only samples within 1/1024 below it (the exact histogram's
//   precision);
// - a percentile the report gives (Histogram::ValueAtPercentile) lies in the
//   Prometheus bucket BucketOf() names, which is where histogram_quantile()
//   finds it from the same samples.
//
// Not thread-safe; additive (Add, Merge).

#include <array>
#include <cstdint>

#include "common/stats/histogram.h"

namespace rig::metrics {

class LatencyBuckets {
 public:
  static constexpr std::array<int64_t, 18> kBoundsUs = {
      100,       250,       500,       1'000,      2'500,      5'000,
      10'000,    25'000,    50'000,    100'000,    250'000,    500'000,
      1'000'000, 2'500'000, 5'000'000, 10'000'000, 30'000'000, 60'000'000};

  // Adds every sample of `h`.
  void Add(const Histogram& h);
  void Merge(const LatencyBuckets& other);

  // Samples per bucket (not cumulative), kBoundsUs.size() of them; the ones
  // above the last bound are count() minus their sum.
  const std::array<int64_t, kBoundsUs.size()>& counts() const {
    return counts_;
  }
  int64_t count() const { return count_; }
  double sum_seconds() const { return static_cast<double>(sum_us_) / 1e6; }

  // The index into kBoundsUs of the bucket a sample of `value_us` (or a
  // percentile the exact histogram reports as `value_us`) is counted in;
  // kBoundsUs.size() for the +Inf bucket.
  static size_t BucketOf(int64_t value_us);

 private:
  std::array<int64_t, kBoundsUs.size()> counts_{};
  int64_t count_ = 0;
  absl::uint128 sum_us_ = 0;
};

}  // namespace rig::metrics
