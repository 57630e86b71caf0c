#pragma once

// What a TPC-C terminal enters (TPC-C 5.11, clauses 2.1.6, 2.4.1 to 2.8.1,
// 4.3.2.3): the transaction mix, NURand, customer last names and the input
// of each transaction, drawn from the worker's Rng. Pure functions of the
// Rng, so that a fixed seed gives the same draws (tests count the mix, the
// rollbacks and the remote shares over many draws). The SQL is in tpcc.cc.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/workloads/sysbench_random.h"

namespace rig::agent::tpcc {

// The five transactions, in the order of OperationTypes().
enum TxnType : int {
  kNewOrder = 0,
  kPayment = 1,
  kOrderStatus = 2,
  kDelivery = 3,
  kStockLevel = 4,
};
inline constexpr int kTxnTypes = 5;
// OperationTypes() names, indexed by TxnType.
inline constexpr const char* kTxnNames[kTxnTypes] = {
    "new_order", "payment", "order_status", "delivery", "stock_level"};

// Cardinalities of the initial population (4.3.3.1).
inline constexpr int kItems = 100000;
inline constexpr int kDistrictsPerWarehouse = 10;
inline constexpr int kCustomersPerDistrict = 3000;
inline constexpr int kOrdersPerDistrict = 3000;
inline constexpr int kFirstNewOrder = 2101;  // orders 2101..3000 undelivered

// The run-time constants C of NURand (2.1.6). Fixed rather than drawn per
// run so that every agent uses the same ones; C_LAST's run value differs
// from its load value by 66, inside the [65, 119] the spec asks for (and
// neither 96 nor 112).
inline constexpr int64_t kCLastLoad = 157;
inline constexpr int64_t kCLastRun = 223;
inline constexpr int64_t kCCustomerId = 259;
inline constexpr int64_t kCItemId = 7911;

// An integer in [lo, hi], uniform.
int64_t Uniform(Rng& rng, int64_t lo, int64_t hi);
// NURand(A, x, y) = (((random(0, A) | random(x, y)) + C) % (y - x + 1)) + x.
int64_t NURand(Rng& rng, int64_t a, int64_t x, int64_t y, int64_t c);
// The last name of number 0..999: three syllables (4.3.2.3).
std::string LastName(int number);
// Random a-string / n-string of a length in [lo, hi] (4.3.2.2): letters and
// digits / digits.
std::string AString(Rng& rng, int lo, int hi);
std::string NString(Rng& rng, int lo, int hi);

// The mix: relative weights of the five transactions (45/43/4/4/4 by
// default); Choose draws one in proportion to them.
class Mix {
 public:
  // Weights >= 0 with a positive sum (checked by the workload's options).
  explicit Mix(const std::array<int64_t, kTxnTypes>& weights);
  TxnType Choose(Rng& rng) const;

 private:
  std::array<int64_t, kTxnTypes> cumulative_{};
};

// Where a worker is: its home warehouse and district (2.8.1: Stock-Level
// runs on the terminal's own district), and how many warehouses there are.
struct Terminal {
  int64_t warehouse = 1;
  int64_t district = 1;
  int64_t warehouses = 1;
};

// A warehouse other than `home` when there are several, `home` otherwise.
int64_t OtherWarehouse(Rng& rng, const Terminal& t);

struct OrderLineInput {
  int64_t item = 0;  // kItems + 1 is the unused item of a rollback
  int64_t supply_warehouse = 0;
  int64_t quantity = 0;
};

// 2.4.1: district, customer, 5 to 15 lines; 1% roll back on an unused item
// in the last line; 1% of lines from a remote warehouse (when there are
// several).
struct NewOrderInput {
  int64_t district = 0;
  int64_t customer = 0;
  bool rollback = false;
  std::vector<OrderLineInput> lines;
};
NewOrderInput DrawNewOrder(Rng& rng, const Terminal& t);

// The customer of Payment and Order-Status: 60% by last name, else by id.
struct CustomerKey {
  bool by_last_name = false;
  std::string last_name;
  int64_t id = 0;
};
CustomerKey DrawCustomer(Rng& rng);

// 2.5.1: 85% of payments to the home warehouse's customers, 15% to a
// customer of a random district of another warehouse (when there are
// several); amount 1.00 to 5,000.00 (in cents).
struct PaymentInput {
  int64_t district = 0;
  int64_t customer_warehouse = 0;
  int64_t customer_district = 0;
  CustomerKey customer;
  int64_t amount_cents = 0;
};
PaymentInput DrawPayment(Rng& rng, const Terminal& t);

// 2.6.1.
struct OrderStatusInput {
  int64_t district = 0;
  CustomerKey customer;
};
OrderStatusInput DrawOrderStatus(Rng& rng);

// 2.7.1: the carrier, 1 to 10.
int64_t DrawCarrier(Rng& rng);

// 2.8.1: the threshold, 10 to 20.
int64_t DrawStockThreshold(Rng& rng);

// Cents as a DECIMAL literal: 123456 -> "1234.56", -1000 -> "-10.00".
std::string Money(int64_t cents);

}  // namespace rig::agent::tpcc
