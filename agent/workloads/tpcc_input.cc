#include "agent/workloads/tpcc_input.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"

namespace rig::agent::tpcc {
namespace {

constexpr const char* kSyllables[10] = {"BAR",   "OUGHT", "ABLE", "PRI",
                                        "PRES",  "ESE",   "ANTI", "CALLY",
                                        "ATION", "EING"};
constexpr char kAlnum[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

}  // namespace

int64_t Uniform(Rng& rng, int64_t lo, int64_t hi) {
  return lo + static_cast<int64_t>(UniformDouble(rng) *
                                   static_cast<double>(hi - lo + 1));
}

int64_t NURand(Rng& rng, int64_t a, int64_t x, int64_t y, int64_t c) {
  return (((Uniform(rng, 0, a) | Uniform(rng, x, y)) + c) % (y - x + 1)) + x;
}

std::string LastName(int number) {
  return absl::StrCat(kSyllables[number / 100], kSyllables[(number / 10) % 10],
                      kSyllables[number % 10]);
}

std::string AString(Rng& rng, int lo, int hi) {
  std::string s(static_cast<size_t>(Uniform(rng, lo, hi)), ' ');
  for (char& ch : s) ch = kAlnum[Uniform(rng, 0, sizeof(kAlnum) - 2)];
  return s;
}

std::string NString(Rng& rng, int lo, int hi) {
  std::string s(static_cast<size_t>(Uniform(rng, lo, hi)), ' ');
  for (char& ch : s) ch = static_cast<char>('0' + Uniform(rng, 0, 9));
  return s;
}

Mix::Mix(const std::array<int64_t, kTxnTypes>& weights) {
  int64_t sum = 0;
  for (int i = 0; i < kTxnTypes; ++i) {
    sum += std::max<int64_t>(0, weights[i]);
    cumulative_[i] = sum;
  }
}

TxnType Mix::Choose(Rng& rng) const {
  const int64_t x = Uniform(rng, 1, std::max<int64_t>(1, cumulative_.back()));
  for (int i = 0; i < kTxnTypes; ++i) {
    if (x <= cumulative_[i]) return static_cast<TxnType>(i);
  }
  return kNewOrder;
}

int64_t OtherWarehouse(Rng& rng, const Terminal& t) {
  if (t.warehouses <= 1) return t.warehouse;
  const int64_t w = Uniform(rng, 1, t.warehouses - 1);
  return w >= t.warehouse ? w + 1 : w;
}

NewOrderInput DrawNewOrder(Rng& rng, const Terminal& t) {
  NewOrderInput in;
  in.district = Uniform(rng, 1, kDistrictsPerWarehouse);
  in.customer = NURand(rng, 1023, 1, kCustomersPerDistrict, kCCustomerId);
  const int64_t lines = Uniform(rng, 5, 15);
  in.rollback = Uniform(rng, 1, 100) == 1;
  in.lines.resize(static_cast<size_t>(lines));
  for (int64_t i = 0; i < lines; ++i) {
    OrderLineInput& line = in.lines[static_cast<size_t>(i)];
    line.item = in.rollback && i == lines - 1
                    ? kItems + 1
                    : NURand(rng, 8191, 1, kItems, kCItemId);
    line.supply_warehouse = t.warehouses > 1 && Uniform(rng, 1, 100) == 1
                                ? OtherWarehouse(rng, t)
                                : t.warehouse;
    line.quantity = Uniform(rng, 1, 10);
  }
  return in;
}

CustomerKey DrawCustomer(Rng& rng) {
  CustomerKey key;
  key.by_last_name = Uniform(rng, 1, 100) <= 60;
  if (key.by_last_name) {
    key.last_name =
        LastName(static_cast<int>(NURand(rng, 255, 0, 999, kCLastRun)));
  } else {
    key.id = NURand(rng, 1023, 1, kCustomersPerDistrict, kCCustomerId);
  }
  return key;
}

PaymentInput DrawPayment(Rng& rng, const Terminal& t) {
  PaymentInput in;
  in.district = Uniform(rng, 1, kDistrictsPerWarehouse);
  if (t.warehouses > 1 && Uniform(rng, 1, 100) > 85) {
    in.customer_warehouse = OtherWarehouse(rng, t);
    in.customer_district = Uniform(rng, 1, kDistrictsPerWarehouse);
  } else {
    in.customer_warehouse = t.warehouse;
    in.customer_district = in.district;
  }
  in.customer = DrawCustomer(rng);
  in.amount_cents = Uniform(rng, 100, 500000);
  return in;
}

OrderStatusInput DrawOrderStatus(Rng& rng) {
  OrderStatusInput in;
  in.district = Uniform(rng, 1, kDistrictsPerWarehouse);
  in.customer = DrawCustomer(rng);
  return in;
}

int64_t DrawCarrier(Rng& rng) { return Uniform(rng, 1, 10); }

int64_t DrawStockThreshold(Rng& rng) { return Uniform(rng, 10, 20); }

std::string Money(int64_t cents) {
  const int64_t a = std::llabs(cents);
  return absl::StrCat(cents < 0 ? "-" : "", a / 100, ".", (a % 100) / 10,
                      a % 10);
}

}  // namespace rig::agent::tpcc
