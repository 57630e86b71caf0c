#include "common/stats/histogram.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstddef>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace rig {
namespace {

static_assert(Histogram::kSubBucketCount ==
              1 << (Histogram::kSubBucketHalfCountMagnitude + 1));
static_assert(Histogram::kSubBucketHalfCount == Histogram::kSubBucketCount / 2);

// HdrHistogram's buckets_needed_to_cover_value(highest).
constexpr int BucketsNeeded(int64_t value) {
  int64_t smallest_untrackable = Histogram::kSubBucketCount;
  int buckets = 1;
  while (smallest_untrackable <= value) {
    smallest_untrackable <<= 1;
    ++buckets;
  }
  return buckets;
}
static_assert(Histogram::kBucketCount ==
              BucketsNeeded(Histogram::kHighestTrackable));
static_assert(Histogram::kCountsLen == 23552);

// Encoding limits: a uint64 varint is at most 10 bytes, a uint128 one 19.
constexpr int kMaxVarint64Bytes = 10;
constexpr int kMaxVarint128Bytes = 19;

void PutVarint(absl::uint128 v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(absl::Uint128Low64(v) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(absl::Uint128Low64(v)));
}

// Bounds-checked cursor over untrusted bytes. Every read reports failure
// instead of reading past the end, and only canonical (shortest) varints are
// accepted so that any accepted input re-encodes to exactly the same bytes.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  size_t pos() const { return pos_; }
  bool at_end() const { return pos_ == data_.size(); }

  // Reads a varint holding at most `bits` (64 or 128) significant bits.
  absl::Status ReadVarint(const char* field, int bits, absl::uint128* out) {
    const int max_bytes = (bits + 6) / 7;
    absl::uint128 value = 0;
    const size_t start = pos_;
    for (int i = 0; i < max_bytes; ++i) {
      if (pos_ >= data_.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("histogram decode: truncated input while reading ",
                         field, " at byte ", start));
      }
      const uint8_t byte = static_cast<uint8_t>(data_[pos_++]);
      // The last byte may only carry the bits that are left; anything more
      // would be silently shifted out (and break canonical re-encoding).
      if (i == max_bytes - 1 && byte >= (1u << (bits - 7 * i))) {
        return absl::InvalidArgumentError(
            absl::StrCat("histogram decode: varint overflow for ", field,
                         " at byte ", start));
      }
      value |= absl::uint128(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        if (byte == 0 && i > 0) {
          return absl::InvalidArgumentError(
              absl::StrCat("histogram decode: non-canonical varint for ", field,
                           " at byte ", start));
        }
        *out = value;
        return absl::OkStatus();
      }
    }
    // Unreachable: the last byte either ends the varint or fails above.
    return absl::InvalidArgumentError(absl::StrCat(
        "histogram decode: varint too long for ", field, " at byte ", start));
  }

  // Reads a varint that must fit in [0, limit].
  absl::Status ReadInt(const char* field, uint64_t limit, int64_t* out) {
    absl::uint128 v;
    absl::Status s = ReadVarint(field, 64, &v);
    if (!s.ok()) return s;
    if (v > limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram decode: ", field, " exceeds ", limit));
    }
    *out = static_cast<int64_t>(absl::Uint128Low64(v));
    return absl::OkStatus();
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

absl::Status Corrupt(const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("histogram decode: inconsistent input: ", what));
}

}  // namespace

static_assert(Histogram::kCountsLen % Histogram::kPageSlots == 0);

Histogram::Histogram(const Histogram& other) { *this = other; }

Histogram& Histogram::operator=(const Histogram& other) {
  if (this == &other) return *this;
  for (int p = 0; p < kPages; ++p) {
    if (other.pages_[p] == nullptr) {
      pages_[p].reset();
      continue;
    }
    if (pages_[p] == nullptr) pages_[p].reset(new int64_t[kPageSlots]);
    std::copy_n(other.pages_[p].get(), kPageSlots, pages_[p].get());
  }
  count_ = other.count_;
  min_ = other.min_;
  max_ = other.max_;
  saturated_ = other.saturated_;
  sum_ = other.sum_;
  return *this;
}

int64_t* Histogram::AddPage(int page) {
  pages_[page].reset(new int64_t[kPageSlots]());
  return pages_[page].get();
}

size_t Histogram::held_slots() const {
  size_t slots = 0;
  for (const auto& page : pages_) slots += page != nullptr ? kPageSlots : 0;
  return slots;
}

int64_t Histogram::ValueFromIndex(int index) {
  int bucket_index = (index >> kSubBucketHalfCountMagnitude) - 1;
  int64_t sub_bucket_index = (index & (kSubBucketHalfCount - 1)) +
                             static_cast<int64_t>(kSubBucketHalfCount);
  if (bucket_index < 0) {
    sub_bucket_index -= kSubBucketHalfCount;
    bucket_index = 0;
  }
  return sub_bucket_index << bucket_index;
}

int64_t Histogram::LowestEquivalentValue(int64_t v) {
  v = std::clamp<int64_t>(v, 0, kHighestTrackable);
  return ValueFromIndex(CountsIndex(v));
}

int64_t Histogram::HighestEquivalentValue(int64_t v) {
  v = std::clamp<int64_t>(v, 0, kHighestTrackable);
  const int index = CountsIndex(v);
  // Slots below kSubBucketCount all live in bucket 0 (unit width).
  const int bucket_index =
      std::max(0, (index >> kSubBucketHalfCountMagnitude) - 1);
  return ValueFromIndex(index) + (int64_t{1} << bucket_index) - 1;
}

void Histogram::RecordN(int64_t value_us, int64_t n) {
  if (n <= 0) return;
  if (value_us < kLowestDiscernible) {
    value_us = kLowestDiscernible;
  } else if (value_us > kHighestTrackable) {
    value_us = kHighestTrackable;
    saturated_ += n;
  }
  Slot(CountsIndex(value_us)) += n;
  count_ += n;
  sum_ +=
      absl::uint128(static_cast<uint64_t>(value_us)) * static_cast<uint64_t>(n);
  if (value_us < min_) min_ = value_us;
  if (value_us > max_) max_ = value_us;
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0) return;
  // Counts saturate instead of wrapping: merged histograms may come from
  // peers (the coordinator merges what agents send), and a count near
  // INT64_MAX must not turn a percentile into nonsense or UB.
  auto add = [](int64_t& a, int64_t b) {
    if (__builtin_add_overflow(a, b, &a)) a = INT64_MAX;
  };
  const int lo = CountsIndex(other.min_);
  const int hi = CountsIndex(other.max_);
  for (int p = lo >> kPageShift; p <= hi >> kPageShift; ++p) {
    const int64_t* src = other.pages_[p].get();
    if (src == nullptr) continue;
    const int first = std::max(lo, p << kPageShift) & (kPageSlots - 1);
    const int last =
        std::min(hi, ((p + 1) << kPageShift) - 1) & (kPageSlots - 1);
    int64_t* dst = pages_[p].get();
    if (dst == nullptr) {
      // Hold a page only for counts (other may hold a page it emptied).
      if (std::all_of(src + first, src + last + 1,
                      [](int64_t c) { return c == 0; })) {
        continue;
      }
      dst = AddPage(p);
    }
    for (int i = first; i <= last; ++i) add(dst[i], src[i]);
  }
  add(count_, other.count_);
  add(saturated_, other.saturated_);
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::Reset() {
  // Pages outside [min, max] hold nothing; inside, a page may still hold
  // nothing (kept from an earlier interval): both are freed.
  const int lo = count_ > 0 ? CountsIndex(min_) >> kPageShift : kPages;
  const int hi = count_ > 0 ? CountsIndex(max_) >> kPageShift : -1;
  for (int p = 0; p < kPages; ++p) {
    int64_t* page = pages_[p].get();
    if (page == nullptr) continue;
    const bool used =
        p >= lo && p <= hi &&
        std::any_of(page, page + kPageSlots, [](int64_t c) { return c != 0; });
    if (used) {
      std::fill_n(page, kPageSlots, 0);
    } else {
      pages_[p].reset();
    }
  }
  count_ = 0;
  min_ = std::numeric_limits<int64_t>::max();
  max_ = 0;
  saturated_ = 0;
  sum_ = 0;
}

double Histogram::mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

int64_t Histogram::RankAtPercentile(double p, int64_t count) {
  if (count <= 0) return 0;
  if (!(p > 0.0)) p = 0.0;  // Also maps NaN to 0.
  if (p > 100.0) p = 100.0;
  // long double keeps p/100*count exact to well under one rank for counts up
  // to 2^63. The remaining error comes from p itself: decimal percentiles
  // such as 99.9 are not exact in binary, so p/100*count can land a hair
  // above an integer k that it mathematically equals, and ceil() would then
  // skip to k+1. Treat "above k by no more than p's representation error"
  // as k. At most one rank is ever given back, and exact integers (e.g.
  // p=50, count=2^62) are left alone.
  const long double x =
      static_cast<long double>(p) / 100.0L * static_cast<long double>(count);
  long double rank = std::ceil(x);
  if (rank != x && rank > 1.0L &&
      x - (rank - 1.0L) <= x * (4.0L * DBL_EPSILON)) {
    rank -= 1.0L;
  }
  if (rank < 1.0L) return 1;
  if (rank >= static_cast<long double>(count)) return count;
  return static_cast<int64_t>(rank);
}

int64_t Histogram::ValueAtPercentile(double p) const {
  if (count_ == 0) return 0;
  const int64_t rank = RankAtPercentile(p, count_);
  const int hi = CountsIndex(max_);
  int64_t cumulative = 0;
  int64_t value = max_;  // Reached only if the invariants broke.
  Scan(CountsIndex(min_), hi, [&](int i, int64_t c) {
    // Saturating, as Merge: counts from peers may sum past INT64_MAX.
    if (__builtin_add_overflow(cumulative, c, &cumulative)) {
      cumulative = INT64_MAX;
    }
    if (cumulative < rank) return false;
    value = std::clamp(HighestEquivalentValue(ValueFromIndex(i)), min_, max_);
    return true;
  });
  return value;
}

std::vector<std::pair<int64_t, int64_t>> Histogram::Buckets() const {
  std::vector<std::pair<int64_t, int64_t>> out;
  if (count_ == 0) return out;
  Scan(CountsIndex(min_), CountsIndex(max_), [&](int i, int64_t c) {
    out.emplace_back(ValueFromIndex(i), c);
    return false;
  });
  return out;
}

std::string Histogram::Encode() const {
  int lo = 0;
  int hi = -1;
  int64_t non_zero = 0;
  if (count_ > 0) {
    lo = CountsIndex(min_);
    hi = CountsIndex(max_);
    Scan(lo, hi, [&](int, int64_t) {
      ++non_zero;
      return false;
    });
  }
  std::string out;
  out.reserve(1 + 5 * kMaxVarint64Bytes + kMaxVarint128Bytes + 4 * non_zero);
  out.push_back(static_cast<char>(kEncodingVersion));
  PutVarint(static_cast<uint64_t>(count_), &out);
  PutVarint(static_cast<uint64_t>(min()), &out);
  PutVarint(static_cast<uint64_t>(max()), &out);
  PutVarint(static_cast<uint64_t>(saturated_), &out);
  PutVarint(sum_, &out);
  PutVarint(static_cast<uint64_t>(non_zero), &out);
  int prev = -1;
  Scan(lo, hi, [&](int i, int64_t c) {
    PutVarint(static_cast<uint64_t>(i - prev - 1), &out);
    PutVarint(static_cast<uint64_t>(c), &out);
    prev = i;
    return false;
  });
  return out;
}

absl::StatusOr<Histogram> Histogram::Decode(std::string_view data) {
  if (data.empty()) {
    return absl::InvalidArgumentError("histogram decode: empty input");
  }
  if (static_cast<uint8_t>(data[0]) != kEncodingVersion) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram decode: unsupported encoding version ",
                     static_cast<int>(static_cast<uint8_t>(data[0])),
                     " (expected ", static_cast<int>(kEncodingVersion), ")"));
  }
  Reader r(data.substr(1));
  constexpr uint64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
  int64_t count, min_v, max_v, saturated, non_zero;
  absl::uint128 sum;
  absl::Status s;
  if (!(s = r.ReadInt("count", kMaxInt64, &count)).ok()) return s;
  if (!(s = r.ReadInt("min", kHighestTrackable, &min_v)).ok()) return s;
  if (!(s = r.ReadInt("max", kHighestTrackable, &max_v)).ok()) return s;
  if (!(s = r.ReadInt("saturated_count", kMaxInt64, &saturated)).ok()) {
    return s;
  }
  if (!(s = r.ReadVarint("sum", 128, &sum)).ok()) return s;
  if (!(s = r.ReadInt("number of buckets", kCountsLen, &non_zero)).ok())
    return s;

  Histogram h;
  if (count == 0) {
    if (min_v != 0 || max_v != 0 || saturated != 0 || sum != 0 ||
        non_zero != 0) {
      return Corrupt("empty histogram with non-zero fields");
    }
  } else {
    if (min_v < kLowestDiscernible || min_v > max_v) {
      return Corrupt(
          absl::StrCat("min ", min_v, " > max ", max_v, " or min < 1"));
    }
    if (saturated > count) return Corrupt("saturated_count > count");
    if (saturated > 0 && max_v != kHighestTrackable) {
      return Corrupt("saturated values but max below highest trackable");
    }
    // count <= 2^63 and max < 2^32, so these products fit in 128 bits.
    const absl::uint128 n = static_cast<uint64_t>(count);
    if (sum < n * static_cast<uint64_t>(min_v) ||
        sum > n * static_cast<uint64_t>(max_v)) {
      return Corrupt("sum outside [count*min, count*max]");
    }
    const int lo = CountsIndex(min_v);
    const int hi = CountsIndex(max_v);
    if (non_zero < 1 || non_zero > hi - lo + 1) {
      return Corrupt(absl::StrCat("bucket count ", non_zero,
                                  " does not fit the min..max range"));
    }
    int prev = -1;
    int64_t cumulative = 0;
    for (int64_t b = 0; b < non_zero; ++b) {
      int64_t gap, c;
      if (!(s = r.ReadInt("bucket index gap", kCountsLen, &gap)).ok()) {
        return s;
      }
      const int64_t index = prev + 1 + gap;
      if (index < lo || index > hi) {
        return Corrupt(absl::StrCat("bucket index ", index,
                                    " outside the min..max range [", lo, ", ",
                                    hi, "]"));
      }
      if (!(s = r.ReadInt("bucket count", kMaxInt64, &c)).ok()) return s;
      if (c == 0) return Corrupt("zero count in sparse bucket list");
      if (c > count - cumulative) return Corrupt("bucket counts exceed count");
      cumulative += c;
      h.Slot(static_cast<int>(index)) = c;
      prev = static_cast<int>(index);
    }
    if (h.CountAt(lo) == 0 || h.CountAt(hi) == 0) {
      return Corrupt("min or max bucket is empty");
    }
    if (cumulative != count) return Corrupt("bucket counts sum below count");
    if (saturated > h.CountAt(hi)) {
      return Corrupt("saturated_count exceeds the highest bucket's count");
    }
  }
  if (!r.at_end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("histogram decode: ", data.size() - 1 - r.pos(),
                     " trailing bytes after a complete histogram"));
  }
  h.count_ = count;
  if (count > 0) {
    h.min_ = min_v;
    h.max_ = max_v;
  }
  h.saturated_ = saturated;
  h.sum_ = sum;
  return h;
}

}  // namespace rig
