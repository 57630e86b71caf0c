// The HDR histogram: recording, percentiles against exact sorted values,
// merging, encoding and its refusal of malformed bytes, and the pages it
// holds. One job, one class's contract (common/stats/histogram.h), tested
// against exact answers; long (~620 lines) because the encoding cases (a
// fuzz-like table of bad inputs) are a third of it. Split it by theme
// (encoding, memory) if it grows further.

#include "common/stats/histogram.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/status.h"
#include "gtest/gtest.h"

namespace rig {
namespace {

// Substring check without pulling in gmock.
#define EXPECT_HAS_SUBSTR(str, sub)                        \
  EXPECT_NE(std::string(str).find(sub), std::string::npos) \
      << "\"" << (str) << "\" does not contain \"" << (sub) << "\""

constexpr int64_t kHighest = Histogram::kHighestTrackable;

// Percentile p expressed exactly as num/den so that the reference rank is
// computed in integers, independently of the histogram's floating point.
struct Pct {
  double p;
  int64_t num;
  int64_t den;
};
const Pct kPercentiles[] = {{0, 0, 1},       {1, 1, 1},          {50, 50, 1},
                            {90, 90, 1},     {95, 95, 1},        {99, 99, 1},
                            {99.9, 999, 10}, {99.99, 9999, 100}, {100, 100, 1}};

// rank = max(1, ceil(num/den/100 * n)), exactly.
int64_t ReferenceRank(const Pct& pct, int64_t n) {
  const int64_t denom = 100 * pct.den;
  return std::max<int64_t>(1, (pct.num * n + denom - 1) / denom);
}

int64_t Clamp(int64_t v) { return std::clamp<int64_t>(v, 1, kHighest); }

// Checks every statistic of `h` against the pooled raw samples.
//
// Precision bound (from 3 significant digits => 2048 sub-buckets): a value
// v < 2048 is exact; otherwise v sits in a bucket of width 2^k with
// 1024 * 2^k <= v, so the bucket's highest equivalent value is at most
// v + 2^k - 1 < v + v/1024. Hence v <= result <= v + v/1024.
void ExpectMatchesSamples(const Histogram& h, std::vector<int64_t> samples) {
  for (int64_t& v : samples) v = Clamp(v);
  std::sort(samples.begin(), samples.end());
  const int64_t n = static_cast<int64_t>(samples.size());
  ASSERT_EQ(h.count(), n);
  ASSERT_GT(n, 0);
  EXPECT_EQ(h.min(), samples.front());
  EXPECT_EQ(h.max(), samples.back());
  absl::uint128 sum = 0;
  for (int64_t v : samples) sum += static_cast<uint64_t>(v);
  EXPECT_EQ(h.sum(), sum);
  EXPECT_EQ(h.mean(), static_cast<double>(sum) / static_cast<double>(n));

  for (const Pct& pct : kPercentiles) {
    const int64_t rank = ReferenceRank(pct, n);
    EXPECT_EQ(Histogram::RankAtPercentile(pct.p, n), rank) << "p=" << pct.p;
    const int64_t v = samples[rank - 1];
    const int64_t got = h.ValueAtPercentile(pct.p);
    EXPECT_GE(got, v) << "p=" << pct.p;
    EXPECT_LE(got, v + v / 1024) << "p=" << pct.p;
    if (v < 2048) {
      EXPECT_EQ(got, v) << "p=" << pct.p;
    }
    // Exactly: the highest equivalent value of v's bucket, capped at max.
    EXPECT_EQ(got, std::min(Histogram::HighestEquivalentValue(v), h.max()))
        << "p=" << pct.p;
  }
  EXPECT_EQ(h.ValueAtPercentile(100), h.max());
}

Histogram FromSamples(const std::vector<int64_t>& samples) {
  Histogram h;
  for (int64_t v : samples) h.Record(v);
  return h;
}

std::vector<int64_t> Uniform(std::mt19937_64& rng, int n, int64_t lo,
                             int64_t hi) {
  std::uniform_int_distribution<int64_t> dist(lo, hi);
  std::vector<int64_t> out(n);
  for (int64_t& v : out) v = dist(rng);
  return out;
}

// Spans the whole trackable range: exp(N(ln 5000, 3.5)) clamped to [1, 1h],
// so both ends (1 us and 1 h) are hit.
std::vector<int64_t> LogNormalWide(std::mt19937_64& rng, int n) {
  std::lognormal_distribution<double> dist(std::log(5000.0), 3.5);
  std::vector<int64_t> out(n);
  for (int64_t& v : out) {
    const double d = std::min(dist(rng), static_cast<double>(kHighest));
    v = Clamp(static_cast<int64_t>(d));
  }
  return out;
}

TEST(HistogramTest, GeometryMatchesHdrHistogram) {
  EXPECT_EQ(Histogram::kSubBucketCount, 2048);
  EXPECT_EQ(Histogram::kSubBucketHalfCount, 1024);
  EXPECT_EQ(Histogram::kCountsLen, 23552);
  // Exact below 2048.
  for (int64_t v = 1; v < 2048; ++v) {
    ASSERT_EQ(Histogram::LowestEquivalentValue(v), v);
    ASSERT_EQ(Histogram::HighestEquivalentValue(v), v);
  }
  // Known HdrHistogram boundaries: [2048, 2049] is one bucket of width 2.
  EXPECT_EQ(Histogram::LowestEquivalentValue(2049), 2048);
  EXPECT_EQ(Histogram::HighestEquivalentValue(2048), 2049);
  EXPECT_EQ(Histogram::HighestEquivalentValue(4095), 4095);
  EXPECT_EQ(Histogram::LowestEquivalentValue(4096), 4096);
  EXPECT_EQ(Histogram::HighestEquivalentValue(4096), 4099);
  EXPECT_GE(Histogram::HighestEquivalentValue(kHighest), kHighest);

  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> logv(0, std::log(kHighest));
  for (int i = 0; i < 20000; ++i) {
    const int64_t v = Clamp(static_cast<int64_t>(std::exp(logv(rng))));
    const int64_t lo = Histogram::LowestEquivalentValue(v);
    const int64_t hi = Histogram::HighestEquivalentValue(v);
    const int64_t width = hi - lo + 1;
    ASSERT_LE(lo, v);
    ASSERT_GE(hi, v);
    ASSERT_EQ(width & (width - 1), 0) << v;  // Power of two.
    ASSERT_LE(width, std::max<int64_t>(1, v / 1024)) << v;
    ASSERT_EQ(Histogram::LowestEquivalentValue(hi + 1), hi + 1) << v;
    ASSERT_EQ(Histogram::HighestEquivalentValue(lo), hi) << v;
  }
}

TEST(HistogramTest, RankAtPercentile) {
  EXPECT_EQ(Histogram::RankAtPercentile(99.9, 1000), 999);
  EXPECT_EQ(Histogram::RankAtPercentile(99.99, 10000), 9999);
  EXPECT_EQ(Histogram::RankAtPercentile(99.99, 10001), 10000);
  EXPECT_EQ(Histogram::RankAtPercentile(50, 2), 1);
  EXPECT_EQ(Histogram::RankAtPercentile(50, 3), 2);
  EXPECT_EQ(Histogram::RankAtPercentile(0, 5), 1);
  EXPECT_EQ(Histogram::RankAtPercentile(100, 5), 5);
  EXPECT_EQ(Histogram::RankAtPercentile(150, 5), 5);
  EXPECT_EQ(Histogram::RankAtPercentile(-1, 5), 1);
  EXPECT_EQ(Histogram::RankAtPercentile(std::nan(""), 5), 1);
  EXPECT_EQ(Histogram::RankAtPercentile(50, 0), 0);
  EXPECT_EQ(Histogram::RankAtPercentile(50, int64_t{1} << 62),
            int64_t{1} << 61);
  EXPECT_EQ(Histogram::RankAtPercentile(99.9, 1'000'000'000'000'000),
            999'000'000'000'000);
  EXPECT_EQ(Histogram::RankAtPercentile(99.99, 1'000'000'000'000'000),
            999'900'000'000'000);
  EXPECT_EQ(
      Histogram::RankAtPercentile(100, std::numeric_limits<int64_t>::max()),
      std::numeric_limits<int64_t>::max());
  // Exhaustive over decimal percentiles with one fractional digit.
  for (int64_t n : {1, 2, 3, 7, 10, 99, 100, 1000, 12345, 1000000}) {
    for (int64_t tenths = 0; tenths <= 1000; ++tenths) {
      const Pct pct{tenths / 10.0, tenths, 10};
      ASSERT_EQ(Histogram::RankAtPercentile(pct.p, n), ReferenceRank(pct, n))
          << "p=" << pct.p << " n=" << n;
    }
  }
}

TEST(HistogramTest, EmptyHistogram) {
  Histogram h;
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.count(), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.saturated_count(), 0);
  for (const Pct& pct : kPercentiles) {
    EXPECT_EQ(h.ValueAtPercentile(pct.p), 0);
  }
}

TEST(HistogramTest, PercentilesUniform) {
  std::mt19937_64 rng(1);
  const auto samples = Uniform(rng, 100000, 1, 1000000);
  ExpectMatchesSamples(FromSamples(samples), samples);
}

TEST(HistogramTest, PercentilesUniformSmallValuesAreExact) {
  std::mt19937_64 rng(2);
  // Includes 0, which is recorded as 1.
  const auto samples = Uniform(rng, 50000, 0, 2047);
  ExpectMatchesSamples(FromSamples(samples), samples);
}

TEST(HistogramTest, PercentilesLogNormalWide) {
  std::mt19937_64 rng(3);
  const auto samples = LogNormalWide(rng, 100000);
  // Sanity: the distribution really spans 1 us .. 1 h.
  EXPECT_EQ(*std::min_element(samples.begin(), samples.end()), 1);
  EXPECT_EQ(*std::max_element(samples.begin(), samples.end()), kHighest);
  const Histogram h = FromSamples(samples);
  ExpectMatchesSamples(h, samples);

  // Dense sweep: every 0.1 percentile, and monotonicity.
  std::vector<int64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  int64_t prev = 0;
  for (int64_t tenths = 0; tenths <= 1000; ++tenths) {
    const Pct pct{tenths / 10.0, tenths, 10};
    const int64_t v = sorted[ReferenceRank(pct, h.count()) - 1];
    const int64_t got = h.ValueAtPercentile(pct.p);
    ASSERT_GE(got, v) << pct.p;
    ASSERT_LE(got, v + v / 1024) << pct.p;
    ASSERT_GE(got, prev) << pct.p;
    prev = got;
  }
}

TEST(HistogramTest, PercentilesConstant) {
  const std::vector<int64_t> samples(1000, 123457);
  const Histogram h = FromSamples(samples);
  ExpectMatchesSamples(h, samples);
  // Clamping to [min, max] makes every percentile exact here.
  for (const Pct& pct : kPercentiles) {
    EXPECT_EQ(h.ValueAtPercentile(pct.p), 123457);
  }
  EXPECT_EQ(h.mean(), 123457.0);
}

TEST(HistogramTest, PercentilesSingleSample) {
  const std::vector<int64_t> samples = {777777};
  const Histogram h = FromSamples(samples);
  ExpectMatchesSamples(h, samples);
  for (const Pct& pct : kPercentiles) {
    EXPECT_EQ(h.ValueAtPercentile(pct.p), 777777);
  }
}

TEST(HistogramTest, BoundsAndSaturation) {
  Histogram h;
  h.Record(0);
  h.Record(-5);
  h.Record(std::numeric_limits<int64_t>::min());
  EXPECT_EQ(h.count(), 3);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 1);
  EXPECT_EQ(h.saturated_count(), 0);
  EXPECT_EQ(h.ValueAtPercentile(100), 1);

  h.Record(1);
  h.Record(kHighest);
  EXPECT_EQ(h.saturated_count(), 0);
  EXPECT_EQ(h.max(), kHighest);
  h.Record(kHighest + 1);
  h.Record(std::numeric_limits<int64_t>::max());
  EXPECT_EQ(h.saturated_count(), 2);
  EXPECT_EQ(h.count(), 7);
  EXPECT_EQ(h.max(), kHighest);
  EXPECT_EQ(h.ValueAtPercentile(100), kHighest);
  EXPECT_EQ(h.ValueAtPercentile(0), 1);
  EXPECT_EQ(h.sum(), absl::uint128(4) + 3 * static_cast<uint64_t>(kHighest));

  std::vector<int64_t> samples = {
      0,        -5,           std::numeric_limits<int64_t>::min(), 1,
      kHighest, kHighest + 1, std::numeric_limits<int64_t>::max()};
  ExpectMatchesSamples(h, samples);
}

TEST(HistogramTest, RecordNLargeCounts) {
  Histogram h;
  h.RecordN(5, 0);   // No-op.
  h.RecordN(5, -3);  // No-op.
  EXPECT_TRUE(h.empty());

  const int64_t big = int64_t{1} << 40;
  h.RecordN(5, big);
  h.RecordN(kHighest, big);
  h.RecordN(kHighest + 10, 3);
  EXPECT_EQ(h.count(), 2 * big + 3);
  EXPECT_EQ(h.saturated_count(), 3);
  EXPECT_EQ(h.min(), 5);
  EXPECT_EQ(h.max(), kHighest);
  // The sum (~4e21) overflows int64 but stays exact.
  const absl::uint128 expected_sum =
      absl::uint128(5) * static_cast<uint64_t>(big) +
      absl::uint128(static_cast<uint64_t>(kHighest)) *
          static_cast<uint64_t>(big + 3);
  EXPECT_EQ(h.sum(), expected_sum);
  EXPECT_DOUBLE_EQ(h.mean(), (5.0 * big + 3.6e9 * (big + 3)) / (2.0 * big + 3));
  EXPECT_EQ(h.ValueAtPercentile(0), 5);
  // Rank for p50 is ceil((2*big + 3) / 2) = big + 2: just past the 5s.
  EXPECT_EQ(h.ValueAtPercentile(49.99), 5);
  EXPECT_EQ(h.ValueAtPercentile(50), kHighest);
  EXPECT_EQ(h.ValueAtPercentile(100), kHighest);

  auto decoded = Histogram::Decode(h.Encode());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->Encode(), h.Encode());
  EXPECT_EQ(decoded->sum(), expected_sum);

  // RecordN(v, n) == n x Record(v).
  Histogram a, b;
  a.RecordN(4321, 17);
  for (int i = 0; i < 17; ++i) b.Record(4321);
  EXPECT_EQ(a.Encode(), b.Encode());
}

void ExpectSameHistogram(const Histogram& a, const Histogram& b) {
  EXPECT_EQ(a.count(), b.count());
  EXPECT_EQ(a.min(), b.min());
  EXPECT_EQ(a.max(), b.max());
  EXPECT_EQ(a.mean(), b.mean());
  EXPECT_EQ(a.sum(), b.sum());
  EXPECT_EQ(a.saturated_count(), b.saturated_count());
  for (int64_t tenths = 0; tenths <= 1000; ++tenths) {
    ASSERT_EQ(a.ValueAtPercentile(tenths / 10.0),
              b.ValueAtPercentile(tenths / 10.0))
        << tenths / 10.0;
  }
  EXPECT_EQ(a.ValueAtPercentile(99.99), b.ValueAtPercentile(99.99));
  EXPECT_EQ(a.Encode(), b.Encode());
}

TEST(HistogramTest, MergeOfManyEqualsOneHistogramOfAllSamples) {
  std::mt19937_64 rng(4);
  std::vector<int64_t> all;
  std::vector<Histogram> parts(50);
  std::uniform_int_distribution<int> size(0, 2000);
  for (size_t i = 0; i < parts.size(); ++i) {
    // Mixed shapes, a few empty parts, and some saturated values.
    const int n = (i % 10 == 3) ? 0 : size(rng);
    std::vector<int64_t> s =
        (i % 2) ? LogNormalWide(rng, n) : Uniform(rng, n, -10, 5000000);
    if (i == 7) s.push_back(kHighest + 12345);
    for (int64_t v : s) parts[i].Record(v);
    all.insert(all.end(), s.begin(), s.end());
  }
  const Histogram single = FromSamples(all);

  Histogram merged;
  for (const Histogram& p : parts) merged.Merge(p);
  ExpectSameHistogram(merged, single);
  EXPECT_EQ(merged.saturated_count(), 1);
  ExpectMatchesSamples(merged, all);

  // Order-independent, and merging into a non-empty histogram works too.
  Histogram reversed = parts.back();
  for (size_t i = parts.size() - 1; i-- > 0;) reversed.Merge(parts[i]);
  ExpectSameHistogram(reversed, single);

  // Merging an empty histogram is a no-op; merging into an empty one copies.
  Histogram copy = single;
  copy.Merge(Histogram());
  ExpectSameHistogram(copy, single);
}

TEST(HistogramTest, SelfMergeDoubles) {
  Histogram h;
  h.Record(10);
  h.Record(100000);
  h.Merge(h);
  Histogram expected;
  expected.RecordN(10, 2);
  expected.RecordN(100000, 2);
  ExpectSameHistogram(h, expected);
}

TEST(HistogramTest, ResetClearsEverythingAndIsReusable) {
  std::mt19937_64 rng(5);
  Histogram h = FromSamples(LogNormalWide(rng, 5000));
  h.Record(kHighest * 2);
  h.Reset();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.saturated_count(), 0);
  EXPECT_EQ(h.ValueAtPercentile(50), 0);
  EXPECT_EQ(h.Encode(), Histogram().Encode());
  // No stale counts survive: reuse gives exactly a fresh histogram.
  const auto samples = Uniform(rng, 1000, 1, 100);
  for (int64_t v : samples) h.Record(v);
  ExpectSameHistogram(h, FromSamples(samples));
}

TEST(HistogramTest, ItHoldsThePagesItsValuesFallIn) {
  constexpr size_t kPage = Histogram::kPageSlots;
  EXPECT_EQ(Histogram().held_slots(), 0u);
  Histogram point_selects;  // 0.1 to 20 ms
  for (int64_t v = 100; v <= 20000; v += 7) point_selects.Record(v);
  EXPECT_EQ(point_selects.held_slots(), 11 * kPage);
  Histogram one_hour;
  one_hour.Record(kHighest);
  EXPECT_EQ(one_hour.held_slots(), kPage);
  one_hour.Record(1);  // two pages, not the whole layout between them
  EXPECT_EQ(one_hour.held_slots(), 2 * kPage);
  // A stall among point selects costs one page.
  point_selects.Record(3'660'000);
  EXPECT_EQ(point_selects.held_slots(), 12 * kPage);
  // Decoding holds the pages of the encoded values only.
  EXPECT_EQ(Histogram::Decode(one_hour.Encode())->held_slots(), 2 * kPage);
  Histogram copy = point_selects;
  EXPECT_EQ(copy.held_slots(), 12 * kPage);
  ExpectSameHistogram(copy, point_selects);
}

// What keeps a long run's memory flat: a histogram reset at every interval
// boundary holds the pages of its last interval, not of every range it saw.
TEST(HistogramTest, ResetFreesThePagesItsSamplesWereNotIn) {
  constexpr size_t kPage = Histogram::kPageSlots;
  Histogram h;
  for (int64_t v = 100; v <= 20000; v += 7) h.Record(v);
  h.Record(3'660'000);  // one interval with a stall
  h.Reset();
  EXPECT_EQ(h.held_slots(), 12 * kPage);  // kept for the next interval
  for (int64_t v = 100; v <= 20000; v += 7) h.Record(v);
  h.Reset();  // the stall's page held nothing in this interval
  EXPECT_EQ(h.held_slots(), 11 * kPage);
  h.Record(500);
  h.Reset();
  EXPECT_EQ(h.held_slots(), kPage);
  h.Reset();
  EXPECT_EQ(h.held_slots(), 0u);
  // Kept pages were zeroed: reuse gives exactly a fresh histogram.
  h.Record(500);
  for (int64_t v = 100; v <= 20000; v += 7) h.Record(v);
  Histogram fresh;
  fresh.Record(500);
  for (int64_t v = 100; v <= 20000; v += 7) fresh.Record(v);
  ExpectSameHistogram(h, fresh);
}

TEST(HistogramTest, WideningDownwardsUpwardsAndByMergeKeepsEveryCount) {
  std::mt19937_64 rng(8);
  auto samples = LogNormalWide(rng, 20000);
  samples.push_back(kHighest + 1);
  // Descending, so each new low value adds a page below the others.
  std::vector<int64_t> descending = samples;
  std::sort(descending.rbegin(), descending.rend());
  Histogram down;
  for (int64_t v : descending) down.Record(v);
  const Histogram single = FromSamples(samples);
  ExpectSameHistogram(down, single);
  ExpectMatchesSamples(down, samples);
  // Parts with disjoint pages, merged low into high and high into low.
  Histogram low, high;
  for (int64_t v : samples) (v < 3000 ? low : high).Record(v);
  Histogram low_first = low;
  low_first.Merge(high);
  Histogram high_first = high;
  high_first.Merge(low);
  ExpectSameHistogram(low_first, single);
  ExpectSameHistogram(high_first, single);
  EXPECT_EQ(Histogram::Decode(single.Encode())->Encode(), single.Encode());
}

TEST(HistogramTest, CopyAndMove) {
  std::mt19937_64 rng(6);
  const auto samples = LogNormalWide(rng, 1000);
  Histogram a = FromSamples(samples);
  Histogram b = a;
  b.Record(1);
  EXPECT_EQ(a.count() + 1, b.count());  // Deep copy.
  Histogram c = std::move(b);
  EXPECT_EQ(c.count(), a.count() + 1);
  b = a;  // Moved-from objects may be assigned to.
  ExpectSameHistogram(a, b);
}

TEST(HistogramTest, EncodeDecodeRoundTrip) {
  std::mt19937_64 rng(8);
  std::vector<Histogram> cases;
  cases.emplace_back();  // Empty.
  cases.push_back(FromSamples({42}));
  cases.push_back(FromSamples({0, 1, kHighest, kHighest + 1}));
  cases.push_back(FromSamples(LogNormalWide(rng, 20000)));
  cases.push_back(FromSamples(Uniform(rng, 20000, 1, 3000)));
  for (const Histogram& h : cases) {
    const std::string enc = h.Encode();
    auto decoded = Histogram::Decode(enc);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(decoded->Encode(), enc);
    ExpectSameHistogram(*decoded, h);
    // The decoded histogram is fully usable (invariants hold).
    Histogram d = *decoded;
    d.Merge(h);
    d.Record(500);
    d.Reset();
    EXPECT_EQ(d.Encode(), Histogram().Encode());
  }
  EXPECT_EQ(Histogram().Encode().size(), 7u);
}

TEST(HistogramTest, EncodingIsCompact) {
  // A typical interval: a few hundred distinct latencies.
  std::mt19937_64 rng(9);
  Histogram h;
  const auto distinct = Uniform(rng, 300, 100, 200000);
  for (int64_t v : distinct) h.RecordN(v, 1 + v % 50);
  const std::string enc = h.Encode();
  EXPECT_LT(enc.size(), 1500u) << "got " << enc.size() << " bytes";
  EXPECT_LT(Histogram().Encode().size(), 10u);
}

TEST(HistogramTest, DecodeRejectsTruncationsAndTrailingBytes) {
  std::mt19937_64 rng(10);
  Histogram h = FromSamples(LogNormalWide(rng, 300));
  h.Record(kHighest + 1);
  for (const std::string& enc : {h.Encode(), Histogram().Encode()}) {
    for (size_t len = 0; len < enc.size(); ++len) {
      auto r = Histogram::Decode(std::string_view(enc).substr(0, len));
      ASSERT_FALSE(r.ok()) << "prefix of length " << len << " accepted";
      EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    }
    auto r = Histogram::Decode(enc + std::string(1, '\0'));
    ASSERT_FALSE(r.ok());
    EXPECT_HAS_SUBSTR(std::string(r.status().message()), "trailing");
  }
  auto r = Histogram::Decode("");
  ASSERT_FALSE(r.ok());
  EXPECT_HAS_SUBSTR(std::string(r.status().message()), "empty input");
  r = Histogram::Decode(std::string_view(h.Encode()).substr(0, 3));
  EXPECT_HAS_SUBSTR(std::string(r.status().message()), "truncated");
  r = Histogram::Decode("\x07");
  EXPECT_HAS_SUBSTR(std::string(r.status().message()), "version 7");
}

TEST(HistogramTest, DecodeRejectsInconsistentFields) {
  auto build = [](std::initializer_list<uint8_t> bytes) {
    return std::string(bytes.begin(), bytes.end());
  };
  // version, count, min, max, saturated, sum, nbuckets, (gap, count)...
  // Valid: one sample of value 5 (slot 5).
  ASSERT_TRUE(Histogram::Decode(build({1, 1, 5, 5, 0, 5, 1, 5, 1})).ok());
  std::vector<std::string> bad = {
      build({1, 1, 5, 5, 0, 5, 1, 4, 1}),           // Bucket != min's bucket.
      build({1, 1, 5, 5, 0, 6, 1, 5, 1}),           // Sum > count*max.
      build({1, 1, 6, 5, 0, 5, 1, 5, 1}),           // min > max.
      build({1, 1, 0, 5, 0, 5, 1, 5, 1}),           // min < 1.
      build({1, 1, 5, 5, 1, 5, 1, 5, 1}),           // Saturated, max < highest.
      build({1, 1, 5, 5, 0, 5, 1, 5, 2}),           // Bucket count > count.
      build({1, 2, 5, 5, 0, 10, 1, 5, 1}),          // Bucket counts < count.
      build({1, 1, 5, 5, 0, 5, 1, 5, 0}),           // Zero bucket count.
      build({1, 1, 5, 5, 0, 5, 2, 5, 1, 0, 1}),     // More buckets than range.
      build({1, 0, 0, 0, 0, 0, 1, 5, 1}),           // Empty with buckets.
      build({1, 0x80, 0x00, 5, 5, 0, 5, 1, 5, 1}),  // Non-canonical varint.
      build({1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             0x01}),  // Varint too long.
      build({1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
             0x01}),  // count = 2^64-1 > int64 max.
  };
  // A 19-byte sum varint whose top byte carries bits beyond 128: without the
  // overflow check it would silently decode as 5 and be accepted.
  std::string overflow_sum = build({1, 1, 5, 5, 0, 0x85});
  overflow_sum += std::string(17, '\x80');
  overflow_sum += build({0x04, 1, 5, 1});
  bad.push_back(overflow_sum);
  auto r = Histogram::Decode(overflow_sum);
  EXPECT_HAS_SUBSTR(std::string(r.status().message()), "varint overflow");
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = Histogram::Decode(bad[i]);
    EXPECT_FALSE(r.ok()) << "case " << i;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument)
        << "case " << i;
  }
}

// Any accepted input must be canonical: it re-encodes to the same bytes.
void DecodeMustNotCrash(const std::string& bytes) {
  auto r = Histogram::Decode(bytes);
  if (r.ok()) {
    ASSERT_EQ(r->Encode(), bytes);
    // And the invariants hold well enough to use it.
    (void)r->ValueAtPercentile(99);
    r->Reset();
  } else {
    ASSERT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(HistogramTest, DecodeFuzzRandomBytesAndMutations) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> len(0, 64);
  for (int i = 0; i < 3000; ++i) {
    std::string s(len(rng), '\0');
    for (char& c : s) c = static_cast<char>(byte(rng));
    // Usually start with the right version byte to reach deeper checks.
    if (!s.empty() && i % 4 != 0) s[0] = Histogram::kEncodingVersion;
    DecodeMustNotCrash(s);
  }
  // Mutations of valid encodings: flip, overwrite, insert, erase.
  Histogram h = FromSamples(LogNormalWide(rng, 200));
  h.Record(kHighest + 1);
  const std::string valid = h.Encode();
  std::uniform_int_distribution<size_t> pos(0, valid.size() - 1);
  for (int i = 0; i < 3000; ++i) {
    std::string s = valid;
    switch (i % 4) {
      case 0:
        s[pos(rng)] ^= static_cast<char>(1 << (i % 8));
        break;
      case 1:
        s[pos(rng)] = static_cast<char>(byte(rng));
        break;
      case 2:
        s.insert(pos(rng), 1, static_cast<char>(byte(rng)));
        break;
      case 3:
        s.erase(pos(rng), 1);
        break;
    }
    DecodeMustNotCrash(s);
  }
}

}  // namespace
}  // namespace rig
