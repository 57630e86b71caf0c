// What a TPC-C terminal enters, counted over many draws on a fixed seed:
// the mix, New-Order's rollbacks and remote lines, Payment's remote
// customers and last names (TPC-C 5.11, 2.4.1 to 2.8.1).

#include "agent/workloads/tpcc_input.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <set>

namespace rig::agent::tpcc {
namespace {

constexpr int kDraws = 100000;

// Percent of kDraws.
double Pct(int64_t n) { return 100.0 * static_cast<double>(n) / kDraws; }

TEST(TpccInputTest, StandardMixOver100000DrawsIsWithinAPointOfItsWeights) {
  const Mix mix({45, 43, 4, 4, 4});
  Rng rng(20261202);
  std::array<int64_t, kTxnTypes> seen{};
  for (int i = 0; i < kDraws; ++i) seen[mix.Choose(rng)]++;
  const double want[kTxnTypes] = {45, 43, 4, 4, 4};
  for (int t = 0; t < kTxnTypes; ++t) {
    EXPECT_NEAR(Pct(seen[t]), want[t], 1.0) << kTxnNames[t];
  }
}

TEST(TpccInputTest, MixFollowsOtherWeightsAndNeverDrawsAZeroWeight) {
  const Mix mix({1, 0, 0, 3, 0});  // weights, not percentages
  Rng rng(7);
  std::array<int64_t, kTxnTypes> seen{};
  for (int i = 0; i < kDraws; ++i) seen[mix.Choose(rng)]++;
  EXPECT_NEAR(Pct(seen[kNewOrder]), 25, 1.0);
  EXPECT_NEAR(Pct(seen[kDelivery]), 75, 1.0);
  EXPECT_EQ(seen[kPayment] + seen[kOrderStatus] + seen[kStockLevel], 0);
}

TEST(TpccInputTest, OnePercentOfNewOrdersRollBackOnTheirLastLine) {
  Rng rng(11);
  const Terminal t{3, 1, 4};
  int64_t rollbacks = 0, lines = 0, remote = 0;
  std::set<int64_t> counts;
  for (int i = 0; i < kDraws; ++i) {
    const NewOrderInput in = DrawNewOrder(rng, t);
    counts.insert(static_cast<int64_t>(in.lines.size()));
    rollbacks += in.rollback;
    for (size_t l = 0; l < in.lines.size(); ++l) {
      const OrderLineInput& line = in.lines[l];
      const bool unused = line.item == kItems + 1;
      // Only a rollback's last line names the unused item.
      ASSERT_EQ(unused, in.rollback && l + 1 == in.lines.size());
      if (!unused) {
        ASSERT_GE(line.item, 1);
        ASSERT_LE(line.item, kItems);
      }
      ASSERT_GE(line.quantity, 1);
      ASSERT_LE(line.quantity, 10);
      ASSERT_GE(line.supply_warehouse, 1);
      ASSERT_LE(line.supply_warehouse, 4);
      lines++;
      remote += line.supply_warehouse != t.warehouse;
    }
    ASSERT_GE(in.customer, 1);
    ASSERT_LE(in.customer, kCustomersPerDistrict);
  }
  EXPECT_NEAR(Pct(rollbacks), 1.0, 0.1);
  EXPECT_EQ(counts, (std::set<int64_t>{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}));
  EXPECT_NEAR(100.0 * remote / lines, 1.0, 0.1);
}

TEST(TpccInputTest, OneWarehouseHasNoRemoteLinesOrPayments) {
  Rng rng(3);
  const Terminal t{1, 1, 1};
  for (int i = 0; i < 10000; ++i) {
    for (const auto& line : DrawNewOrder(rng, t).lines) {
      ASSERT_EQ(line.supply_warehouse, 1);
    }
    const PaymentInput p = DrawPayment(rng, t);
    ASSERT_EQ(p.customer_warehouse, 1);
    ASSERT_EQ(p.customer_district, p.district);
  }
}

TEST(TpccInputTest, FifteenPercentOfPaymentsAreRemoteAndSixtyByLastName) {
  Rng rng(5);
  const Terminal t{2, 1, 2};
  int64_t remote = 0, by_name = 0;
  for (int i = 0; i < kDraws; ++i) {
    const PaymentInput p = DrawPayment(rng, t);
    if (p.customer_warehouse != t.warehouse) {
      remote++;
      ASSERT_EQ(p.customer_warehouse, 1);  // the other one
    } else {
      ASSERT_EQ(p.customer_district, p.district);
    }
    by_name += p.customer.by_last_name;
    ASSERT_GE(p.amount_cents, 100);
    ASSERT_LE(p.amount_cents, 500000);
  }
  EXPECT_NEAR(Pct(remote), 15, 1.0);
  EXPECT_NEAR(Pct(by_name), 60, 1.0);
  int64_t status_by_name = 0;
  for (int i = 0; i < kDraws; ++i) {
    status_by_name += DrawOrderStatus(rng).customer.by_last_name;
  }
  EXPECT_NEAR(Pct(status_by_name), 60, 1.0);
}

TEST(TpccInputTest, LastNamesAreThreeSyllablesOfTheNumber) {
  EXPECT_EQ(LastName(0), "BARBARBAR");
  EXPECT_EQ(LastName(371), "PRICALLYOUGHT");  // the spec's example, 4.3.2.3
  EXPECT_EQ(LastName(999), "EINGEINGEING");
}

TEST(TpccInputTest, NURandStaysInRangeAndIsNotUniform) {
  Rng rng(9);
  std::array<int64_t, 1000> seen{};
  for (int i = 0; i < kDraws; ++i) {
    const int64_t v = NURand(rng, 255, 0, 999, kCLastRun);
    ASSERT_GE(v, 0);
    ASSERT_LE(v, 999);
    seen[v]++;
  }
  // Uniform would give about 100 each; NURand's OR makes some names far
  // more common than others.
  const auto [lo, hi] = std::minmax_element(seen.begin(), seen.end());
  EXPECT_GT(*hi, 4 * *lo + 100);
}

TEST(TpccInputTest, MoneyWritesCentsAsADecimal) {
  EXPECT_EQ(Money(0), "0.00");
  EXPECT_EQ(Money(5), "0.05");
  EXPECT_EQ(Money(123456), "1234.56");
  EXPECT_EQ(Money(-1000), "-10.00");
}

}  // namespace
}  // namespace rig::agent::tpcc
