// YCSB's key choosers and operation mix, checked against what is published
// rather than against their own output: FNV-1a's test vectors, the Zipfian
// law's probabilities (1 / (i^0.99 * zeta(n))), YCSB's ZETAN constant for
// its 10^10-item scrambled Zipfian, the keys YCSB's own Java generators
// drew on a fixed seed, and the core workloads' proportions.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "agent/workloads/ycsb_generators.h"

namespace rig::agent {

int YcsbPickForTest(const std::string& preset, double u);  // ycsb.cc

namespace {

using ycsb::Fnv1a64;

uint64_t Fnv(const char* s) {
  return Fnv1a64(reinterpret_cast<const unsigned char*>(s), std::strlen(s));
}

// The FNV-1a 64 test vectors of the algorithm's authors (Noll's
// test_fnv.c).
TEST(YcsbTest, FnvIsFnv1a64) {
  EXPECT_EQ(Fnv(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(Fnv("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(Fnv("foobar"), 0x85944171f73967e8ULL);
  // YCSB's fnvhash64 hashes the number's 8 bytes, least significant first,
  // and takes the absolute value.
  const unsigned char one[8] = {1, 0, 0, 0, 0, 0, 0, 0};
  const int64_t h = static_cast<int64_t>(Fnv1a64(one, 8));
  EXPECT_EQ(ycsb::FnvHash64(1), h < 0 ? -h : h);
  EXPECT_GE(ycsb::FnvHash64(-12345), 0);
}

// Gray's algorithm returns items 0 and 1 with exactly the Zipfian law's
// probabilities, and the rest close to it: frequency of rank r (1-based)
// proportional to r^-0.99.
TEST(YcsbTest, ZipfianFollowsTheZipfLaw) {
  constexpr int64_t kItems = 1000;
  constexpr int kDraws = 1'000'000;
  const ycsb::Zipfian z(kItems);
  const double zetan = ycsb::Zeta(kItems, 0.99);
  EXPECT_DOUBLE_EQ(z.zetan(), zetan);
  Rng rng(2026);
  std::vector<int64_t> count(kItems);
  for (int i = 0; i < kDraws; ++i) {
    const int64_t v = z.Next(rng);
    ASSERT_GE(v, 0);
    ASSERT_LT(v, kItems);
    ++count[v];
  }
  auto p = [&](int64_t item) {
    return 1 / (std::pow(static_cast<double>(item + 1), 0.99) * zetan);
  };
  EXPECT_NEAR(count[0] / double(kDraws), p(0), p(0) * 0.02);
  EXPECT_NEAR(count[1] / double(kDraws), p(1), p(1) * 0.03);
  // The slope of log frequency against log rank over ranks 3-200.
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  int n = 0;
  for (int64_t item = 2; item < 200; ++item) {
    const double x = std::log(item + 1.0);
    const double y = std::log(count[item] / double(kDraws));
    sx += x, sy += y, sxx += x * x, sxy += x * y, ++n;
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  EXPECT_NEAR(slope, -0.99, 0.08);
}

// The scrambled Zipfian draws from YCSB's 10^10-item Zipfian, whose most
// popular item has probability 1 / ZETAN = 3.78%, and places item i at
// FNV(i) mod the key count: the hottest key is FNV(0) mod n, with that
// share (plus the few other items that land on it).
TEST(YcsbTest, ScrambledZipfianPutsYcsbsHottestKeyWhereFnvSays) {
  EXPECT_NEAR(ycsb::ScrambledZipfian::kZetan, 26.469028, 1e-6);
  constexpr int64_t kKeys = 10000;
  const ycsb::ScrambledZipfian z(0, kKeys - 1);
  Rng rng(7);
  std::map<int64_t, int64_t> count;
  constexpr int kDraws = 500'000;
  for (int i = 0; i < kDraws; ++i) ++count[z.Next(rng)];
  const int64_t hottest = ycsb::FnvHash64(0) % kKeys;
  int64_t best = -1, best_n = 0;
  for (const auto& [k, c] : count) {
    if (c > best_n) best = k, best_n = c;
  }
  EXPECT_EQ(best, hottest);
  const double share = count[hottest] / double(kDraws);
  EXPECT_GT(share, 1 / 26.469 * 0.97);
  EXPECT_LT(share, 1 / 26.469 * 1.03 + 0.002);
  // The second: FNV(1) mod n, 2^-0.99 of the first.
  EXPECT_NEAR(count[ycsb::FnvHash64(1) % kKeys] / double(kDraws),
              std::pow(0.5, 0.99) / 26.469, 0.004);
  // Spread: no key outside the range, and most keys drawn.
  EXPECT_GE(count.begin()->first, 0);
  EXPECT_LT(count.rbegin()->first, kKeys);
  EXPECT_GT(count.size(), kKeys / 2);
}

// java.util.Random(seed).nextDouble(), as the JDK specifies it (a 48-bit
// linear congruential generator; nextDouble = (next(26) << 27 + next(27))
// / 2^53): the draws YCSB's generators make when seeded.
class JavaRandom {
 public:
  explicit JavaRandom(int64_t seed)
      : seed_((static_cast<uint64_t>(seed) ^ 0x5DEECE66DULL) & kMask) {}
  double NextDouble() {
    const int64_t hi = Next(26), lo = Next(27);
    return static_cast<double>((hi << 27) + lo) * 0x1.0p-53;
  }

 private:
  static constexpr uint64_t kMask = (1ULL << 48) - 1;
  int64_t Next(int bits) {
    seed_ = (seed_ * 0x5DEECE66DULL + 0xBULL) & kMask;
    return static_cast<int64_t>(seed_ >> (48 - bits));
  }
  uint64_t seed_;
};

// What YCSB 0.17's own generators printed, run here under OpenJDK 17 with
// their ThreadLocalRandom replaced by java.util.Random(seed) (so the run is
// repeatable): ZipfianGenerator(1000) and ScrambledZipfianGenerator(0,
// 999), 100,000 values each after the one their constructor draws. `hash`
// folds the whole sequence (h = h * 1000003 + v, Java's wrapping long
// arithmetic); `top` are the most frequent keys and their counts.
struct YcsbRun {
  const char* name;
  int64_t seed;
  int64_t keys;
  std::vector<int64_t> first;
  std::vector<std::pair<int64_t, int64_t>> top;
  int64_t hash;
};

TEST(YcsbTest, KeysMatchYcsbsOwnGeneratorsOnAFixedSeed) {
  const YcsbRun runs[] = {
      {"zipfian",
       42,
       1000,
       {90, 4, 3, 79, 484, 7, 3, 16, 194, 545, 13, 151, 9, 1, 45, 2},
       {{0, 12960}, {1, 6488}, {2, 5080}, {3, 3657}, {4, 2927}, {5, 2321}},
       3813452492801434156LL},
      {"scrambled",
       42,
       1000,
       {979, 472, 230, 253, 609, 820, 145, 484, 721, 205, 434, 619, 771, 997,
        866, 113},
       {{211, 3862},
        {620, 2045},
        {393, 1634},
        {802, 1184},
        {769, 1012},
        {360, 800}},
       2501950188223664972LL},
      {"scrambled",
       7,
       100000,
       {90754, 56258, 6197, 76239, 4500, 34737, 15989, 16769, 78692, 79040,
        32553, 22213, 41860, 2153, 60382, 36503},
       {{77211, 3779},
        {66620, 1870},
        {98393, 1518},
        {87802, 1033},
        {16769, 837},
        {27360, 648}},
       -3153981413492551129LL},
  };
  for (const YcsbRun& run : runs) {
    SCOPED_TRACE(std::string(run.name) + " seed " + std::to_string(run.seed) +
                 " keys " + std::to_string(run.keys));
    const bool scrambled = std::string(run.name) == "scrambled";
    const ycsb::Zipfian zipfian(run.keys);
    const ycsb::ScrambledZipfian scrambled_zipfian(0, run.keys - 1);
    JavaRandom random(run.seed);
    random.NextDouble();  // the draw YCSB's constructor makes
    std::map<int64_t, int64_t> count;
    std::vector<int64_t> first;
    uint64_t hash = 0;
    for (int i = 0; i < 100'000; ++i) {
      const double u = random.NextDouble();
      const int64_t v =
          scrambled ? scrambled_zipfian.FromUniform(u) : zipfian.FromUniform(u);
      ++count[v];
      hash = hash * 1000003ULL + static_cast<uint64_t>(v);
      if (first.size() < run.first.size()) first.push_back(v);
    }
    EXPECT_EQ(first, run.first);
    for (const auto& [key, n] : run.top) EXPECT_EQ(count[key], n) << key;
    EXPECT_EQ(static_cast<int64_t>(hash), run.hash);
  }
}

// `latest`: the newest keys are read most; with 10,000 keys, the newest
// tenth takes zeta(1000) / zeta(10000) = 76% of the reads.
TEST(YcsbTest, LatestReadsMostlyTheNewestKeys) {
  ycsb::Latest latest(9999);
  Rng rng(3);
  int recent = 0, newest_hits = 0;
  constexpr int kDraws = 200'000;
  for (int i = 0; i < kDraws; ++i) {
    const int64_t k = latest.Next(rng, 9999);
    ASSERT_GE(k, 0);
    ASSERT_LE(k, 9999);
    recent += k >= 9000;
    newest_hits += k == 9999;
  }
  const double want = ycsb::Zeta(1000, 0.99) / ycsb::Zeta(9999, 0.99);
  EXPECT_NEAR(recent / double(kDraws), want, 0.02);
  EXPECT_NEAR(newest_hits / double(kDraws), 1 / ycsb::Zeta(9999, 0.99), 0.005);
  // As keys are inserted, the hot spot moves with them.
  int moved = 0;
  for (int i = 0; i < 10000; ++i) moved += latest.Next(rng, 20000) > 19000;
  EXPECT_GT(moved, 7000);
}

TEST(YcsbTest, HotspotSendsItsShareToTheHotKeys) {
  const ycsb::Hotspot h(0, 999, 0.2, 0.8);
  Rng rng(5);
  int hot = 0;
  for (int i = 0; i < 100000; ++i) {
    const int64_t k = h.Next(rng);
    ASSERT_GE(k, 0);
    ASSERT_LT(k, 1000);
    hot += k < 200;
  }
  EXPECT_NEAR(hot / 100000.0, 0.8, 0.01);
}

// Each core workload's proportions, within 1 point over 20,000 draws.
TEST(YcsbTest, PresetsHaveYcsbsProportions) {
  const std::map<std::string, std::vector<double>> want = {
      {"a", {0.5, 0.5, 0, 0, 0}},   {"b", {0.95, 0.05, 0, 0, 0}},
      {"c", {1, 0, 0, 0, 0}},       {"d", {0.95, 0, 0.05, 0, 0}},
      {"e", {0, 0, 0.05, 0.95, 0}}, {"f", {0.5, 0, 0, 0, 0.5}},
  };
  for (const auto& [preset, shares] : want) {
    Rng rng(11);
    std::vector<int> count(5);
    constexpr int kDraws = 20000;
    for (int i = 0; i < kDraws; ++i) {
      ++count.at(YcsbPickForTest(preset, UniformDouble(rng)));
    }
    for (int op = 0; op < 5; ++op) {
      EXPECT_NEAR(count[op] / double(kDraws), shares[op], 0.01)
          << "preset " << preset << ", operation " << op;
    }
  }
}

}  // namespace
}  // namespace rig::agent
