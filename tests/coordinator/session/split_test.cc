#include "coordinator/session/split.h"

#include <gtest/gtest.h>

#include <numeric>

namespace rig::coordinator {
namespace {

int64_t Sum(const std::vector<int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), int64_t{0});
}

TEST(SplitTest, EvenSplitSpreadsRemainders) {
  EXPECT_EQ(SplitEvenly(10, 3), (std::vector<int64_t>{4, 3, 3}));
  EXPECT_EQ(SplitEvenly(11, 3), (std::vector<int64_t>{4, 4, 3}));
  EXPECT_EQ(SplitEvenly(2, 3), (std::vector<int64_t>{1, 1, 0}));
  EXPECT_EQ(SplitEvenly(0, 2), (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(SplitEvenly(7, 1), (std::vector<int64_t>{7}));
}

TEST(SplitTest, SharesAlwaysAddUpAndDifferByAtMostOne) {
  for (int64_t total = 0; total < 200; ++total) {
    for (int n = 1; n <= 17; ++n) {
      auto s = SplitEvenly(total, n);
      ASSERT_EQ(Sum(s), total);
      auto [lo, hi] = std::minmax_element(s.begin(), s.end());
      ASSERT_LE(*hi - *lo, 1);
    }
  }
}

TEST(SplitTest, WeightedSplitIsProportional) {
  EXPECT_EQ(SplitWeighted(12, {1, 2, 3}), (std::vector<int64_t>{2, 4, 6}));
  auto s = SplitWeighted(10, {2, 2, 1});  // exact 4, 4, 2
  EXPECT_EQ(s, (std::vector<int64_t>{4, 4, 2}));
  auto r = SplitWeighted(7, {1, 1, 1});  // 2.33 each: remainders to the first
  EXPECT_EQ(r, (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(Sum(SplitWeighted(1000003, {8, 4, 2, 1})), 1000003);
}

TEST(SplitTest, RateFollowsConnectionShares) {
  auto rates = SplitRate(900, {2, 1});
  EXPECT_DOUBLE_EQ(rates[0], 600);
  EXPECT_DOUBLE_EQ(rates[1], 300);
  EXPECT_DOUBLE_EQ(SplitRate(0, {2, 1})[0], 0);
}

TEST(SplitTest, KeyRangesAreContiguousAndCoverEverything) {
  auto ranges = SplitRange(1, 10001, 3);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].begin(), 1);
  EXPECT_EQ(ranges[0].end(), 3335);
  EXPECT_EQ(ranges[1].begin(), 3335);
  EXPECT_EQ(ranges[2].end(), 10001);
  for (size_t i = 1; i < ranges.size(); ++i) {
    EXPECT_EQ(ranges[i].begin(), ranges[i - 1].end());
  }
}

}  // namespace
}  // namespace rig::coordinator
