#include "common/metrics/latency_buckets.h"

#include <algorithm>

namespace rig::metrics {

size_t LatencyBuckets::BucketOf(int64_t value_us) {
  const int64_t highest = Histogram::HighestEquivalentValue(value_us);
  return static_cast<size_t>(
      std::lower_bound(kBoundsUs.begin(), kBoundsUs.end(), highest) -
      kBoundsUs.begin());
}

void LatencyBuckets::Add(const Histogram& h) {
  for (const auto& [lowest, n] : h.Buckets()) {
    const size_t i = BucketOf(lowest);
    if (i < counts_.size()) counts_[i] += n;
  }
  count_ += h.count();
  sum_us_ += h.sum();
}

void LatencyBuckets::Merge(const LatencyBuckets& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_us_ += other.sum_us_;
}

}  // namespace rig::metrics
