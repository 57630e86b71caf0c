// YCSB's key choosers and operation mix, checked against what is published
// rather than against their own output: FNV-1a's test vectors, the Zipfian
// law's probabilities (1 / (i^0.99 * zeta(n))), YCSB's ZETAN constant for
// its 10^10-item scrambled Zipfian, and the core workloads' proportions.

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
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
