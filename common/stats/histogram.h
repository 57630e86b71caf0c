#pragma once

// Log-linear latency histogram with HdrHistogram's bucket layout.
//
// Why hand-written: no HdrHistogram implementation for C or C++ is packaged in
// Debian 12, and this project only builds against Debian packages. The index
// math below is HdrHistogram's (lowest discernible value 1, highest trackable
// value 3,600,000,000, 3 significant digits), so numbers produced here are
// directly comparable with HdrHistogram-based tools.

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/status/statusor.h"

namespace rig {

// Records latencies in microseconds.
//
// Precision: a value v is stored in a bucket of width 1 when v < 2048, and of
// width 2^k <= v / 1024 otherwise. Hence any reported percentile r of a true
// sample value v satisfies v <= r <= v + v / 1024 (integer division), i.e. the
// relative error is below 1/1024 (< 0.1%, "3 significant digits"), and values
// below 2048 us are exact. min(), max(), count(), mean() and
// saturated_count() are exact.
//
// Memory: sized to what it holds. The kCountsLen (23552) slots of the full
// layout (~184 KiB) are split into kPages pages of kPageSlots (512 slots,
// 4 KiB), each allocated when a value first falls in it; an empty histogram
// holds none (only the page table, 368 bytes). Point selects of 0.1 to
// 20 ms use ~11 pages (44 KiB); a stall of seconds among them adds one page,
// not the slots between. Reset() keeps the pages its samples were in and
// frees the others, so a histogram reused interval after interval holds what
// its last interval used, not every range it ever saw: one tail value does
// not cost memory for the rest of a run. Record() allocates only on a value
// in a page not held.
//
// Thread-safety: not thread-safe. Each worker thread owns its own Histogram;
// the owner of the interval merges them (Merge()) at interval boundaries.
//
// Copyable (copies the pages held) and movable. A moved-from Histogram may
// only be destroyed or assigned to (its pages have been taken).
class Histogram {
 public:
  // HdrHistogram configuration. Changing any of these changes the wire format
  // (bump kEncodingVersion).
  static constexpr int64_t kLowestDiscernible = 1;
  static constexpr int64_t kHighestTrackable = 3'600'000'000;  // 1 h in us.
  static constexpr int kSignificantDigits = 3;
  static constexpr int kSubBucketCount = 2048;
  static constexpr int kSubBucketHalfCount = 1024;
  static constexpr int kBucketCount = 22;
  static constexpr int kCountsLen = (kBucketCount + 1) * kSubBucketHalfCount;
  static constexpr uint8_t kEncodingVersion = 1;
  static constexpr int kPageShift = 9;
  static constexpr int kPageSlots = 1 << kPageShift;
  static constexpr int kPages = kCountsLen / kPageSlots;
  // Derived, as HdrHistogram does for (lowest=1, highest=3.6e9, digits=3):
  // largest value with single-unit resolution 2 * 10^3 = 2000,
  // sub_bucket_count_magnitude = ceil(log2(2000)) = 11, unit_magnitude = 0.
  static constexpr int kSubBucketHalfCountMagnitude = 10;
  static constexpr int64_t kSubBucketMask = kSubBucketCount - 1;
  // 64 - unit_magnitude - (sub_bucket_half_count_magnitude + 1).
  static constexpr int kLeadingZeroCountBase =
      64 - 0 - kSubBucketHalfCountMagnitude - 1;

  Histogram() = default;
  Histogram(const Histogram& other);
  Histogram& operator=(const Histogram& other);
  Histogram(Histogram&&) = default;
  Histogram& operator=(Histogram&&) = default;

  // Records one value. Values < 1 are recorded as 1; values above
  // kHighestTrackable are recorded as kHighestTrackable and also counted in
  // saturated_count(). No allocation. Inline: it runs twice per operation
  // on the load's hot path (three times with per-type results).
  void Record(int64_t value_us) {
    if (value_us < kLowestDiscernible) {
      value_us = kLowestDiscernible;
    } else if (value_us > kHighestTrackable) {
      value_us = kHighestTrackable;
      ++saturated_;
    }
    ++Slot(CountsIndex(value_us));
    ++count_;
    sum_ += static_cast<uint64_t>(value_us);
    if (value_us < min_) min_ = value_us;
    if (value_us > max_) max_ = value_us;
  }

  // Records `n` occurrences of `value_us` (clamped as in Record()). n <= 0 is
  // a no-op. The caller keeps the total count below 2^63.
  void RecordN(int64_t value_us, int64_t n);

  // Adds all of `other`'s samples. Exact: the result is indistinguishable
  // from (and Encode()s identically to) one histogram that recorded both
  // sample sets. Cost is proportional to the span of other's value range.
  void Merge(const Histogram& other);

  // Forgets all samples. Keeps the pages that held some (zeroed, for the
  // next interval) and frees the others; no allocation.
  void Reset();

  int64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  // Exact smallest/largest recorded value after clamping; 0 when empty.
  int64_t min() const { return count_ == 0 ? 0 : min_; }
  int64_t max() const { return count_ == 0 ? 0 : max_; }
  // Exact mean of recorded (clamped) values; 0 when empty.
  double mean() const;
  // Number of recorded values that were above kHighestTrackable.
  int64_t saturated_count() const { return saturated_; }
  // Exact sum of recorded (clamped) values. 128 bits because 2^63 samples of
  // up to 3.6e9 each overflow int64.
  absl::uint128 sum() const { return sum_; }
  // Slots in the pages held (for tests and memory accounting).
  size_t held_slots() const;

  // Value at percentile p (p is clamped to [0, 100]; NaN is treated as 0).
  // As in HdrHistogram: finds the lowest bucket whose cumulative count reaches
  // rank = max(1, ceil(p / 100 * count())) and returns that bucket's highest
  // equivalent value, but clamped to [min(), max()] so that p100 == max()
  // exactly. Returns 0 when empty. O(number of buckets spanned).
  int64_t ValueAtPercentile(double p) const;

  // The 1-based rank used by ValueAtPercentile(): max(1, ceil(p/100*count)),
  // capped at count; 0 when count <= 0. When p/100*count exceeds an integer
  // by no more than p's binary rounding error it counts as that integer, so
  // decimal percentiles (99.9, 99.99) give the mathematically exact rank.
  static int64_t RankAtPercentile(double p, int64_t count);

  // Bucket geometry, valid for any value (clamped to [0, kHighestTrackable]).
  // All values in [LowestEquivalentValue(v), HighestEquivalentValue(v)] share
  // v's bucket.
  static int64_t LowestEquivalentValue(int64_t v);
  static int64_t HighestEquivalentValue(int64_t v);

  // The non-empty buckets in ascending order: (LowestEquivalentValue of the
  // bucket, count). For exporting to other formats (an HdrHistogram log);
  // O(number of buckets spanned).
  std::vector<std::pair<int64_t, int64_t>> Buckets() const;

  // Compact wire encoding: version byte, varints count/min/max/saturated/sum,
  // number of non-zero buckets, then per non-zero bucket (index gap varint,
  // count varint). Size is O(distinct buckets), typically a few bytes each;
  // an empty histogram encodes to 7 bytes.
  std::string Encode() const;

  // Inverse of Encode(). Returns InvalidArgument for truncated, trailing or
  // internally inconsistent input; never crashes on arbitrary bytes.
  static absl::StatusOr<Histogram> Decode(std::string_view data);

 private:
  // v in [0, kHighestTrackable]. HdrHistogram's get_bucket_index,
  // get_sub_bucket_index, counts_index.
  static int CountsIndex(int64_t v) {
    const uint64_t u = static_cast<uint64_t>(v) | kSubBucketMask;
    const int bucket_index = kLeadingZeroCountBase - __builtin_clzll(u);
    const int sub_bucket_index = static_cast<int>(v >> bucket_index);
    return ((bucket_index + 1) << kSubBucketHalfCountMagnitude) +
           (sub_bucket_index - kSubBucketHalfCount);
  }
  static int64_t ValueFromIndex(int index);  // Lowest value of the slot.

  // Allocates page `page` (zeroed); returns it.
  int64_t* AddPage(int page);
  // Slot `index`'s count, allocating its page. On Record()'s path.
  int64_t& Slot(int index) {
    int64_t* page = pages_[index >> kPageShift].get();
    if (__builtin_expect(page == nullptr, 0))
      page = AddPage(index >> kPageShift);
    return page[index & (kPageSlots - 1)];
  }
  int64_t CountAt(int index) const {
    const int64_t* page = pages_[index >> kPageShift].get();
    return page == nullptr ? 0 : page[index & (kPageSlots - 1)];
  }
  // Calls f(index, count) for each non-zero slot in [lo, hi] in ascending
  // order, skipping pages not held, until f returns true.
  template <typename F>
  void Scan(int lo, int hi, F f) const {
    for (int p = lo >> kPageShift; p <= hi >> kPageShift; ++p) {
      const int64_t* page = pages_[p].get();
      if (page == nullptr) continue;
      const int first = std::max(lo, p << kPageShift);
      const int last = std::min(hi, ((p + 1) << kPageShift) - 1);
      for (int i = first; i <= last; ++i) {
        const int64_t c = page[i & (kPageSlots - 1)];
        if (c != 0 && f(i, c)) return;
      }
    }
  }

  // Counts of the full layout's slots, page by page; a null page is all
  // zero.
  std::array<std::unique_ptr<int64_t[]>, kPages> pages_;
  int64_t count_ = 0;
  // Empty state is min_ = INT64_MAX, max_ = 0 so that Record() needs no
  // "first sample" branch. Invariant when non-empty: all non-zero counts lie
  // in [CountsIndex(min_), CountsIndex(max_)] (pages outside it may be held,
  // all zero, until the next Reset()); that bounds the work done by
  // Merge/Encode/ValueAtPercentile (Decode enforces it too).
  int64_t min_ = std::numeric_limits<int64_t>::max();
  int64_t max_ = 0;
  int64_t saturated_ = 0;
  absl::uint128 sum_ = 0;
};

}  // namespace rig
