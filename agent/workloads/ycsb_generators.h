#pragma once

// YCSB's key choosers, transcribed from YCSB 0.17's Java generators
// (site.ycsb.generator.*) so that a run here picks keys with the same
// distributions go-ycsb and YCSB do:
//   - ZipfianGenerator: Gray et al., "Quickly Generating Billion-Record
//     Synthetic Databases" (SIGMOD 1994), constant 0.99; items 0..n-1, item
//     0 the most popular. The zeta sum is extended, not recomputed, when the
//     item count grows (for `latest`).
//   - ScrambledZipfianGenerator: a Zipfian over 10^10 items (zeta given as
//     YCSB's constant 26.46902820178302) hashed with FNV-1a 64 into the key
//     range, so that the popular keys are spread over the table.
//   - SkewedLatestGenerator (`latest`): the newest keys most popular.
//   - HotspotIntegerGenerator: hotspot_data_fraction of the keys receive
//     hotspot_opn_fraction of the operations.
//   - FNV-1a 64 over a key number's 8 bytes, least significant first, as
//     YCSB's Utils.fnvhash64 (which also takes the absolute value), used for
//     hashed key names and by the scrambled Zipfian.
//
// Generators are immutable and shared by workers (each passes its own Rng)
// except Latest, whose Zipfian grows with the insert counter under a lock.

#include <atomic>
#include <cstdint>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "agent/workloads/sysbench_random.h"

namespace rig::agent::ycsb {

// FNV-1a 64 of `len` bytes (the published algorithm, for its test vectors).
uint64_t Fnv1a64(const unsigned char* bytes, size_t len);
// YCSB's Utils.fnvhash64: FNV-1a 64 of the 8 bytes of `v`, least
// significant first, as a non-negative int64 (Java's Math.abs).
int64_t FnvHash64(int64_t v);

// sum_{i=1..n} 1 / i^theta.
double Zeta(int64_t n, double theta);

class Zipfian {
 public:
  static constexpr double kConstant = 0.99;  // YCSB's ZIPFIAN_CONSTANT
  // Items 0..items-1; zetan computed unless given.
  explicit Zipfian(int64_t items, double theta = kConstant, double zetan = -1);
  // One item in [0, items) (item 0 the most popular), from a uniform u in
  // [0, 1): YCSB's nextLong(itemcount) with its own draw replaced by u.
  int64_t FromUniform(double u) const;
  int64_t Next(Rng& rng) const { return FromUniform(UniformDouble(rng)); }
  int64_t items() const { return items_; }
  double zetan() const { return zetan_; }

 private:
  int64_t items_;
  double theta_, zetan_, alpha_, eta_, zeta2_;
};

class ScrambledZipfian {
 public:
  // YCSB's ZETAN for 10^10 items at 0.99 and its ITEM_COUNT.
  static constexpr double kZetan = 26.46902820178302;
  static constexpr int64_t kItemCount = 10'000'000'000LL;
  // Keys min..max inclusive.
  ScrambledZipfian(int64_t min, int64_t max);
  int64_t FromUniform(double u) const;
  int64_t Next(Rng& rng) const { return FromUniform(UniformDouble(rng)); }

 private:
  int64_t min_, count_;
  Zipfian gen_;
};

class Hotspot {
 public:
  Hotspot(int64_t min, int64_t max, double data_fraction, double opn_fraction);
  int64_t Next(Rng& rng) const;

 private:
  int64_t min_, hot_, cold_;
  double opn_fraction_;
};

// `latest`: key = newest - Zipfian(newest + 1), so the newest keys are the
// most popular. `newest` is read from the caller's insert counter.
class Latest {
 public:
  explicit Latest(int64_t initial_newest);
  int64_t Next(Rng& rng, int64_t newest);

 private:
  std::mutex mu_;
  // Items it covers and their zeta sum, extended as newest grows (YCSB
  // extends zeta incrementally too).
  int64_t items_ ABSL_GUARDED_BY(mu_);
  double zetan_ ABSL_GUARDED_BY(mu_);
};

}  // namespace rig::agent::ycsb
