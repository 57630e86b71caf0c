#pragma once

// The agent's random number generator: xoshiro256** (Blackman and Vigna,
// public domain algorithm), seeded through splitmix64. Written here because
// std::mt19937_64 cost ~200 instructions per operation of sysbench's
// "special" distribution (12 draws per row id; bench/RESULTS.md), where
// sysbench itself uses a xoroshiro generator. It meets the standard's
// UniformRandomBitGenerator requirements, so <random>'s distributions take
// it. Not for cryptography. One per thread.

#include <cstdint>
#include <limits>

namespace rig::agent {

class Rng {
 public:
  using result_type = uint64_t;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() {
    return std::numeric_limits<result_type>::max();
  }

  explicit Rng(uint64_t seed = 0) {
    // splitmix64 spreads any seed (even 0) over the 256-bit state, which
    // must not be all zero.
    for (uint64_t& s : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      uint64_t z = seed;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      s = z ^ (z >> 31);
    }
  }

  result_type operator()() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace rig::agent
