#include "common/metrics/latency_buckets.h"

#include <gtest/gtest.h>

#include <random>

namespace rig::metrics {
namespace {

// What a Prometheus bucket of bound b must hold: the samples at or below
// it, except those whose exact bucket reaches past b (within 1/1024).
TEST(LatencyBucketsTest,
     EachBucketHoldsExactlyTheSamplesWhoseExactBucketEndsBelowIt) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(7.0, 1.5);  // ~1 ms, wide
  std::vector<int64_t> samples;
  Histogram h;
  for (int i = 0; i < 200000; ++i) {
    const int64_t v = 1 + static_cast<int64_t>(dist(rng));
    samples.push_back(v);
    h.Record(v);
  }
  // Also right at and next to every bound.
  for (int64_t b : LatencyBuckets::kBoundsUs) {
    for (int64_t v : {b - 1, b, b + 1}) {
      samples.push_back(v);
      h.Record(v);
    }
  }
  LatencyBuckets buckets;
  buckets.Add(h);
  int64_t cumulative = 0;
  for (size_t i = 0; i < LatencyBuckets::kBoundsUs.size(); ++i) {
    const int64_t bound = LatencyBuckets::kBoundsUs[i];
    cumulative += buckets.counts()[i];
    int64_t at_or_below = 0, within_precision = 0;
    for (int64_t v : samples) {
      if (Histogram::HighestEquivalentValue(v) <= bound) ++at_or_below;
      if (v <= bound && Histogram::HighestEquivalentValue(v) > bound) {
        ++within_precision;
        EXPECT_GT(v, bound - bound / 1024 - 1) << v;
      }
    }
    EXPECT_EQ(cumulative, at_or_below) << "le " << bound;
    if (bound < 2048) {
      EXPECT_EQ(within_precision, 0) << "le " << bound;
    }
  }
  EXPECT_EQ(buckets.count(), h.count());
  EXPECT_DOUBLE_EQ(buckets.sum_seconds(), static_cast<double>(h.sum()) / 1e6);
}

TEST(LatencyBucketsTest, AReportedPercentileLiesInTheBucketItsSamplesFill) {
  std::mt19937_64 rng(11);
  std::exponential_distribution<double> dist(1.0 / 3000);
  for (int round = 0; round < 50; ++round) {
    Histogram h;
    for (int i = 0; i < 5000; ++i) {
      h.Record(1 + static_cast<int64_t>(dist(rng)));
    }
    LatencyBuckets buckets;
    buckets.Add(h);
    for (double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
      const int64_t rank = Histogram::RankAtPercentile(p, h.count());
      // The bucket where the cumulative count first reaches the rank.
      int64_t cumulative = 0;
      size_t found = LatencyBuckets::kBoundsUs.size();
      for (size_t i = 0; i < LatencyBuckets::kBoundsUs.size(); ++i) {
        cumulative += buckets.counts()[i];
        if (cumulative >= rank) {
          found = i;
          break;
        }
      }
      EXPECT_EQ(LatencyBuckets::BucketOf(h.ValueAtPercentile(p)), found)
          << "p" << p << " = " << h.ValueAtPercentile(p);
    }
  }
}

TEST(LatencyBucketsTest, ValuesPastTheLastBoundAreOnlyInTheInfBucket) {
  Histogram h;
  h.Record(61'000'000);
  LatencyBuckets b;
  b.Add(h);
  int64_t sum = 0;
  for (int64_t c : b.counts()) sum += c;
  EXPECT_EQ(sum, 0);
  EXPECT_EQ(b.count(), 1);
  EXPECT_EQ(LatencyBuckets::BucketOf(61'000'000),
            LatencyBuckets::kBoundsUs.size());
}

TEST(LatencyBucketsTest, MergeAddsUp) {
  Histogram h1, h2;
  h1.Record(300);
  h2.Record(3000);
  LatencyBuckets a, b;
  a.Add(h1);
  b.Add(h2);
  a.Merge(b);
  EXPECT_EQ(a.count(), 2);
  EXPECT_EQ(a.counts()[2], 1);  // le 500us
  EXPECT_EQ(a.counts()[5], 1);  // le 5ms
  EXPECT_DOUBLE_EQ(a.sum_seconds(), 0.0033);
}

}  // namespace
}  // namespace rig::metrics
