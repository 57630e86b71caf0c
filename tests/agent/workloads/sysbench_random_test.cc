#include "agent/workloads/sysbench_random.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace rig::agent {
namespace {

std::map<int64_t, int> Draw(const std::string& type, int n, int64_t a,
                            int64_t b) {
  DistributionOptions o;
  o.type = type;
  auto d = Distribution::Create(o);
  EXPECT_TRUE(d.ok()) << d.status();
  Rng rng(11);
  std::map<int64_t, int> counts;
  for (int i = 0; i < n; ++i) {
    const int64_t v = d->Next(rng, a, b);
    EXPECT_GE(v, a);
    EXPECT_LE(v, b);
    counts[v]++;
  }
  return counts;
}

TEST(RngTest, SeedsRepeatDifferAndEveryBitIsFair) {
  Rng a(5), b(5), c(6), zero(0);
  int same_c = 0;
  uint64_t any_zero_seed = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t x = a();
    EXPECT_EQ(x, b());  // same seed, same sequence
    same_c += x == c();
    any_zero_seed |= zero();
  }
  EXPECT_EQ(same_c, 0);
  EXPECT_NE(any_zero_seed, 0u);  // seed 0 does not give the all-zero state
  // Each of the 64 bits is set in about half of 200,000 draws (5 sigma of
  // a fair coin is 0.56% of 200,000).
  constexpr int kDraws = 200000;
  int ones[64] = {};
  Rng rng(99);
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t x = rng();
    for (int bit = 0; bit < 64; ++bit) ones[bit] += (x >> bit) & 1;
  }
  for (int bit = 0; bit < 64; ++bit) {
    EXPECT_NEAR(ones[bit], kDraws / 2, kDraws * 0.0056) << "bit " << bit;
  }
  // And <random> takes it.
  std::uniform_int_distribution<int> d(1, 6);
  const int roll = d(rng);
  EXPECT_GE(roll, 1);
  EXPECT_LE(roll, 6);
}

TEST(DistributionTest, EveryTypeStaysInRange) {
  for (const char* type :
       {"uniform", "gaussian", "special", "pareto", "zipfian"}) {
    Draw(type, 20000, 1, 1000);
    Draw(type, 100, 5, 5);  // a single value
  }
}

TEST(DistributionTest, UniformCoversTheRangeEvenly) {
  auto counts = Draw("uniform", 100000, 1, 10);
  ASSERT_EQ(counts.size(), 10u);
  for (const auto& [v, n] : counts) EXPECT_NEAR(n, 10000, 600) << v;
}

TEST(DistributionTest, SpecialSendsMostDrawsToTheHotCentre) {
  // sysbench's defaults: 75% of the draws hit 1% of the rows, at the centre.
  auto counts = Draw("special", 100000, 1, 10000);
  int hot = 0;
  for (const auto& [v, n] : counts) {
    if (v >= 4950 && v <= 5051) hot += n;
  }
  EXPECT_GT(hot, 70000);
}

TEST(DistributionTest, ZipfianFavoursSmallValues) {
  auto counts = Draw("zipfian", 100000, 1, 1000);
  EXPECT_GT(counts[1], counts[2]);
  EXPECT_GT(counts[2], counts[10]);
  EXPECT_GT(counts[1], 5 * counts[100]);
}

TEST(DistributionTest, BadOptionsAreNamed) {
  DistributionOptions o;
  o.type = "normal";
  EXPECT_NE(Distribution::Create(o).status().message().find(
                "unknown distribution \"normal\""),
            std::string::npos);
  o.type = "special";
  o.spec_res = 100;
  EXPECT_FALSE(Distribution::Create(o).ok());
}

TEST(DistributionTest, TemplatesAndDigitGroups) {
  Rng rng(1);
  const std::string s = RandomFromTemplate(rng, "##-@@x");
  ASSERT_EQ(s.size(), 6u);
  EXPECT_TRUE(isdigit(s[0]) && isdigit(s[1]));
  EXPECT_EQ(s[2], '-');
  EXPECT_TRUE(islower(s[3]) && islower(s[4]));
  EXPECT_EQ(s[5], 'x');
  const std::string c = DigitGroups(rng, 10);  // sysbench's c column
  EXPECT_EQ(c.size(), 119u);
  EXPECT_EQ(c[11], '-');
}

}  // namespace
}  // namespace rig::agent
