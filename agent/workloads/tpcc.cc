// tpcc: the TPC-C benchmark (revision 5.11) as go-tpc runs it: the nine
// tables and their initial population scaled by `warehouses`, the five
// transactions in the standard mix, no keying or think times, and the
// consistency conditions of clause 3.3.2 as Verifying's checks.
//
// Warehouses are split across agents as contiguous ranges (agent i of n
// gets [1 + W*i/n, 1 + W*(i+1)/n)), so no two agents load or run on the same
// home warehouse; each agent loads its own warehouses and its share of the
// ITEM table (INSERT IGNORE), ignoring workload.table_size. Each connection
// is bound to a home warehouse of its agent (round robin) and a home
// district (Stock-Level's). A warehouse is loaded table by table and its
// WAREHOUSE row written last: a repeated prepare skips warehouses whose row
// exists and reloads the others from scratch.
//
// Reads whose values the transaction needs go through Connection::Query
// (text protocol, integers and generated names written into the SQL); a
// Statement only reports counts.
//
// One job, like every workload file (bank.cc, oltp.cc): one workload's
// schema, load, operations and checks. ~1,000 lines because TPC-C has nine
// tables, five transactions and twelve conditions; the inputs a terminal
// draws are already apart (tpcc_input.h, pure and unit-tested). Seams if
// it grows: the transactions (TpccTransaction) and the 3.3.2 conditions
// (kConditions) could each take a file over a shared internal header.

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <tuple>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "agent/workloads/tpcc_input.h"
#include "agent/workloads/workload.h"
#include "common/base/status_macros.h"

namespace rig::agent {
namespace {

using tpcc::kCustomersPerDistrict;
using tpcc::kDistrictsPerWarehouse;
using tpcc::kItems;
using tpcc::kOrdersPerDistrict;
using tpcc::Money;
using tpcc::Uniform;

// Drop order: no foreign keys, any order works.
constexpr const char* kTables[] = {"warehouse",  "district",  "customer",
                                   "history",    "new_order", "orders",
                                   "order_line", "item",      "stock"};

constexpr const char* kSchema[] = {
    "CREATE TABLE IF NOT EXISTS warehouse (\n"
    "  w_id INT NOT NULL, w_name VARCHAR(10), w_street_1 VARCHAR(20),\n"
    "  w_street_2 VARCHAR(20), w_city VARCHAR(20), w_state CHAR(2),\n"
    "  w_zip CHAR(9), w_tax DECIMAL(4, 4), w_ytd DECIMAL(12, 2),\n"
    "  PRIMARY KEY (w_id))",
    "CREATE TABLE IF NOT EXISTS district (\n"
    "  d_id INT NOT NULL, d_w_id INT NOT NULL, d_name VARCHAR(10),\n"
    "  d_street_1 VARCHAR(20), d_street_2 VARCHAR(20), d_city VARCHAR(20),\n"
    "  d_state CHAR(2), d_zip CHAR(9), d_tax DECIMAL(4, 4),\n"
    "  d_ytd DECIMAL(12, 2), d_next_o_id INT,\n"
    "  PRIMARY KEY (d_w_id, d_id))",
    "CREATE TABLE IF NOT EXISTS customer (\n"
    "  c_id INT NOT NULL, c_d_id INT NOT NULL, c_w_id INT NOT NULL,\n"
    "  c_first VARCHAR(16), c_middle CHAR(2), c_last VARCHAR(16),\n"
    "  c_street_1 VARCHAR(20), c_street_2 VARCHAR(20), c_city VARCHAR(20),\n"
    "  c_state CHAR(2), c_zip CHAR(9), c_phone CHAR(16), c_since DATETIME,\n"
    "  c_credit CHAR(2), c_credit_lim DECIMAL(12, 2),\n"
    "  c_discount DECIMAL(4, 4), c_balance DECIMAL(12, 2),\n"
    "  c_ytd_payment DECIMAL(12, 2), c_payment_cnt INT, c_delivery_cnt INT,\n"
    "  c_data VARCHAR(500),\n"
    "  PRIMARY KEY (c_w_id, c_d_id, c_id),\n"
    "  KEY idx_customer (c_w_id, c_d_id, c_last, c_first))",
    "CREATE TABLE IF NOT EXISTS history (\n"
    "  h_c_id INT NOT NULL, h_c_d_id INT NOT NULL, h_c_w_id INT NOT NULL,\n"
    "  h_d_id INT NOT NULL, h_w_id INT NOT NULL, h_date DATETIME,\n"
    "  h_amount DECIMAL(6, 2), h_data VARCHAR(24),\n"
    "  KEY idx_history_district (h_w_id, h_d_id),\n"
    "  KEY idx_history_customer (h_c_w_id, h_c_d_id, h_c_id))",
    "CREATE TABLE IF NOT EXISTS new_order (\n"
    "  no_o_id INT NOT NULL, no_d_id INT NOT NULL, no_w_id INT NOT NULL,\n"
    "  PRIMARY KEY (no_w_id, no_d_id, no_o_id))",
    "CREATE TABLE IF NOT EXISTS orders (\n"
    "  o_id INT NOT NULL, o_d_id INT NOT NULL, o_w_id INT NOT NULL,\n"
    "  o_c_id INT, o_entry_d DATETIME, o_carrier_id INT, o_ol_cnt INT,\n"
    "  o_all_local INT,\n"
    "  PRIMARY KEY (o_w_id, o_d_id, o_id),\n"
    "  KEY idx_order (o_w_id, o_d_id, o_c_id, o_id))",
    "CREATE TABLE IF NOT EXISTS order_line (\n"
    "  ol_o_id INT NOT NULL, ol_d_id INT NOT NULL, ol_w_id INT NOT NULL,\n"
    "  ol_number INT NOT NULL, ol_i_id INT NOT NULL, ol_supply_w_id INT,\n"
    "  ol_delivery_d DATETIME, ol_quantity INT, ol_amount DECIMAL(6, 2),\n"
    "  ol_dist_info CHAR(24),\n"
    "  PRIMARY KEY (ol_w_id, ol_d_id, ol_o_id, ol_number))",
    "CREATE TABLE IF NOT EXISTS item (\n"
    "  i_id INT NOT NULL, i_im_id INT, i_name VARCHAR(24),\n"
    "  i_price DECIMAL(5, 2), i_data VARCHAR(50),\n"
    "  PRIMARY KEY (i_id))",
    "CREATE TABLE IF NOT EXISTS stock (\n"
    "  s_i_id INT NOT NULL, s_w_id INT NOT NULL, s_quantity INT,\n"
    "  s_dist_01 CHAR(24), s_dist_02 CHAR(24), s_dist_03 CHAR(24),\n"
    "  s_dist_04 CHAR(24), s_dist_05 CHAR(24), s_dist_06 CHAR(24),\n"
    "  s_dist_07 CHAR(24), s_dist_08 CHAR(24), s_dist_09 CHAR(24),\n"
    "  s_dist_10 CHAR(24), s_ytd INT, s_order_cnt INT, s_remote_cnt INT,\n"
    "  s_data VARCHAR(50),\n"
    "  PRIMARY KEY (s_w_id, s_i_id))",
};

struct TpccConfig {
  int64_t warehouses;
  std::array<int64_t, tpcc::kTxnTypes> mix;
  bool full_checks;
};

// [begin, end) of `total` for part `index` of `count`.
std::pair<int64_t, int64_t> Share(int64_t total, int index, int count) {
  return {1 + total * index / count, 1 + total * (index + 1) / count};
}

// A string literal for SQL: quotes and backslashes doubled.
std::string Quote(const std::string& s) {
  return absl::StrCat(
      "'", absl::StrReplaceAll(s, {{"'", "''"}, {"\\", "\\\\"}}), "'");
}

// "10" or "-12.3" or "12.34" as cents.
bool ParseCents(const std::optional<std::string>& text, int64_t* cents) {
  if (!text) return false;
  std::string s = *text;
  const bool negative = !s.empty() && s[0] == '-';
  if (negative) s.erase(0, 1);
  const size_t dot = s.find('.');
  std::string whole = s.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : s.substr(dot + 1);
  frac = (frac + "00").substr(0, 2);
  int64_t w = 0, f = 0;
  if (!absl::SimpleAtoi(whole.empty() ? "0" : whole, &w) ||
      !absl::SimpleAtoi(frac, &f)) {
    return false;
  }
  *cents = (w * 100 + f) * (negative ? -1 : 1);
  return true;
}

int64_t Int(const std::optional<std::string>& text) {
  int64_t v = 0;
  if (text) (void)absl::SimpleAtoi(*text, &v);
  return v;
}

// An a-string of 26..50 with "ORIGINAL" at a random place in 10% of rows
// (I_DATA, S_DATA; 4.3.3.1).
std::string DataWithOriginal(Rng& rng) {
  std::string s = tpcc::AString(rng, 26, 50);
  if (Uniform(rng, 1, 10) == 1) {
    s.replace(static_cast<size_t>(
                  Uniform(rng, 0, static_cast<int64_t>(s.size()) - 8)),
              8, "ORIGINAL");
  }
  return s;
}

// Street 1, street 2, city, state, zip (4.3.2.7).
std::string Address(Rng& rng) {
  return absl::StrCat("'", tpcc::AString(rng, 10, 20), "','",
                      tpcc::AString(rng, 10, 20), "','",
                      tpcc::AString(rng, 10, 20), "','",
                      std::string{static_cast<char>('A' + Uniform(rng, 0, 25)),
                                  static_cast<char>('A' + Uniform(rng, 0, 25))},
                      "','", tpcc::NString(rng, 4, 4), "11111'");
}

// Multi-row INSERTs of at most `batch` rows; Flush() sends what is pending.
class BatchInsert {
 public:
  BatchInsert(db::Connection& conn, std::string head, int batch)
      : conn_(conn), head_(std::move(head)), batch_(std::max(1, batch)) {}
  absl::Status Add(const std::string& values) {
    absl::StrAppend(&sql_, rows_ == 0 ? head_ : ",", "(", values, ")");
    if (++rows_ >= batch_) return Flush();
    return absl::OkStatus();
  }
  absl::Status Flush() {
    if (rows_ == 0) return absl::OkStatus();
    auto r = conn_.Execute(sql_);
    sql_.clear();
    rows_ = 0;
    return r.ok() ? absl::OkStatus() : r.status();
  }

 private:
  db::Connection& conn_;
  const std::string head_;
  const int batch_;
  std::string sql_;
  int rows_ = 0;
};

class TpccTransaction : public Transaction {
 public:
  TpccTransaction(const TpccConfig& cfg, db::Connection& conn,
                  tpcc::Terminal terminal)
      : cfg_(cfg), conn_(conn), mix_(cfg.mix), t_(terminal) {}

  absl::Status Run(Rng& rng, OpResult& r) override {
    const tpcc::TxnType type = mix_.Choose(rng);
    r.type = type;
    switch (type) {
      case tpcc::kNewOrder:
        return InTxn(r, [&] { return NewOrder(rng, r); });
      case tpcc::kPayment:
        return InTxn(r, [&] { return Payment(rng, r); });
      case tpcc::kOrderStatus:
        return InTxn(r, [&] { return OrderStatus(rng, r); });
      case tpcc::kDelivery:
        return InTxn(r, [&] { return Delivery(rng, r); });
      case tpcc::kStockLevel:
        return InTxn(r, [&] { return StockLevel(rng, r); });
    }
    return absl::InternalError("tpcc: unknown transaction type");
  }

 private:
  // BEGIN, the body, COMMIT; rolled back on error. A body that rolled
  // back on purpose (New-Order's unused item) sets r.rolled_back.
  template <typename Body>
  absl::Status InTxn(OpResult& r, Body body) {
    RETURN_IF_ERROR(Exec(r, "BEGIN"));
    absl::Status s = body();
    if (s.ok() && !r.rolled_back) s = Exec(r, "COMMIT");
    return RollbackAfter(conn_, s);
  }

  absl::Status Exec(OpResult& r, const std::string& sql) {
    r.queries++;
    auto rows = conn_.Execute(sql);
    return rows.ok() ? absl::OkStatus() : rows.status();
  }

  absl::StatusOr<std::vector<db::Row>> Query(OpResult& r,
                                             const std::string& sql) {
    r.queries++;
    auto rows = conn_.Query(sql);
    if (rows.ok()) r.rows += static_cast<int64_t>(rows->size());
    return rows;
  }

  // Exactly one row, or DataLoss naming `what`.
  absl::StatusOr<db::Row> One(OpResult& r, const std::string& sql,
                              const std::string& what) {
    ASSIGN_OR_RETURN(auto rows, Query(r, sql));
    if (rows.size() != 1) {
      return absl::DataLossError(
          absl::StrCat("tpcc: ", what, ": ", rows.size(), " rows"));
    }
    return std::move(rows[0]);
  }

  // 2.5.2.2 / 2.6.2.2: the customer by id, or by last name: the one at
  // position ceil(n/2) of those with the name, sorted by first name.
  absl::StatusOr<int64_t> CustomerId(OpResult& r, int64_t w, int64_t d,
                                     const tpcc::CustomerKey& key) {
    if (!key.by_last_name) return key.id;
    ASSIGN_OR_RETURN(
        auto rows,
        Query(r, absl::StrCat("SELECT c_id FROM customer WHERE c_w_id = ", w,
                              " AND c_d_id = ", d, " AND c_last = ",
                              Quote(key.last_name), " ORDER BY c_first")));
    if (rows.empty()) {
      return absl::DataLossError(absl::StrCat("tpcc: no customer named ",
                                              key.last_name, " in district ", w,
                                              "/", d));
    }
    return Int(rows[(rows.size() + 1) / 2 - 1][0]);
  }

  // 2.4.2.2.
  absl::Status NewOrder(Rng& rng, OpResult& r) {
    tpcc::NewOrderInput in = tpcc::DrawNewOrder(rng, t_);
    const int64_t w = t_.warehouse, d = in.district;
    ASSIGN_OR_RETURN(
        db::Row c,
        One(r,
            absl::StrCat("SELECT c_discount, c_last, c_credit, w_tax FROM "
                         "customer, warehouse WHERE w_id = ",
                         w, " AND c_w_id = w_id AND c_d_id = ", d,
                         " AND c_id = ", in.customer),
            "customer"));
    ASSIGN_OR_RETURN(
        db::Row dist,
        One(r,
            absl::StrCat("SELECT d_next_o_id, d_tax FROM district WHERE "
                         "d_w_id = ",
                         w, " AND d_id = ", d, " FOR UPDATE"),
            "district"));
    const int64_t o_id = Int(dist[0]);
    RETURN_IF_ERROR(
        Exec(r, absl::StrCat("UPDATE district SET d_next_o_id = ", o_id + 1,
                             " WHERE d_w_id = ", w, " AND d_id = ", d)));
    bool all_local = true;
    for (const auto& line : in.lines) {
      all_local = all_local && line.supply_warehouse == w;
    }
    RETURN_IF_ERROR(Exec(
        r,
        absl::StrCat("INSERT INTO orders (o_id, o_d_id, o_w_id, "
                     "o_c_id, o_entry_d, o_carrier_id, o_ol_cnt, "
                     "o_all_local) VALUES (",
                     o_id, ",", d, ",", w, ",", in.customer, ", NOW(), NULL, ",
                     in.lines.size(), ",", all_local ? 1 : 0, ")")));
    RETURN_IF_ERROR(Exec(
        r, absl::StrCat("INSERT INTO new_order (no_o_id, no_d_id, no_w_id) "
                        "VALUES (",
                        o_id, ",", d, ",", w, ")")));
    // The items, all at once.
    std::vector<int64_t> ids;
    for (const auto& line : in.lines) ids.push_back(line.item);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    ASSIGN_OR_RETURN(
        auto items,
        Query(r, absl::StrCat("SELECT i_id, i_price FROM item WHERE i_id IN (",
                              absl::StrJoin(ids, ","), ")")));
    std::map<int64_t, int64_t> price;
    for (const auto& row : items) {
      int64_t cents = 0;
      if (ParseCents(row[1], &cents)) price[Int(row[0])] = cents;
    }
    if (price.size() != ids.size()) {
      if (!in.rollback) {
        return absl::DataLossError("tpcc: an item of the order is missing");
      }
      // 2.4.2.3: the unused item; the order is rolled back on purpose.
      RETURN_IF_ERROR(Exec(r, "ROLLBACK"));
      r.rolled_back = true;
      return absl::OkStatus();
    }
    // Stock rows locked in one order (warehouse, item) so that two orders
    // never wait on each other's stock.
    std::sort(in.lines.begin(), in.lines.end(),
              [](const tpcc::OrderLineInput& a, const tpcc::OrderLineInput& b) {
                return std::tie(a.supply_warehouse, a.item) <
                       std::tie(b.supply_warehouse, b.item);
              });
    std::string lines_sql =
        "INSERT INTO order_line (ol_o_id, ol_d_id, ol_w_id, ol_number, "
        "ol_i_id, ol_supply_w_id, ol_delivery_d, ol_quantity, ol_amount, "
        "ol_dist_info) VALUES ";
    int number = 0;
    for (const auto& line : in.lines) {
      ASSIGN_OR_RETURN(
          db::Row s,
          One(r,
              absl::StrCat("SELECT s_quantity, s_dist_", d < 10 ? "0" : "", d,
                           " FROM stock WHERE s_w_id = ", line.supply_warehouse,
                           " AND s_i_id = ", line.item, " FOR UPDATE"),
              "stock"));
      const int64_t q = Int(s[0]);
      const int64_t new_q =
          q >= line.quantity + 10 ? q - line.quantity : q - line.quantity + 91;
      RETURN_IF_ERROR(Exec(
          r, absl::StrCat("UPDATE stock SET s_quantity = ", new_q,
                          ", s_ytd = s_ytd + ", line.quantity,
                          ", s_order_cnt = s_order_cnt + 1, s_remote_cnt = "
                          "s_remote_cnt + ",
                          line.supply_warehouse == w ? 0 : 1,
                          " WHERE s_w_id = ", line.supply_warehouse,
                          " AND s_i_id = ", line.item)));
      absl::StrAppend(&lines_sql, number == 0 ? "" : ",", "(", o_id, ",", d,
                      ",", w, ",", number + 1, ",", line.item, ",",
                      line.supply_warehouse, ", NULL, ", line.quantity, ",",
                      Money(line.quantity * price[line.item]), ",",
                      Quote(s[1].value_or("")), ")");
      ++number;
    }
    return Exec(r, lines_sql);
  }

  // 2.5.2.2.
  absl::Status Payment(Rng& rng, OpResult& r) {
    const tpcc::PaymentInput in = tpcc::DrawPayment(rng, t_);
    const int64_t w = t_.warehouse, d = in.district;
    const std::string amount = Money(in.amount_cents);
    RETURN_IF_ERROR(
        Exec(r, absl::StrCat("UPDATE warehouse SET w_ytd = w_ytd + ", amount,
                             " WHERE w_id = ", w)));
    ASSIGN_OR_RETURN(
        db::Row wh,
        One(r,
            absl::StrCat("SELECT w_name, w_street_1, w_street_2, w_city, "
                         "w_state, w_zip FROM warehouse WHERE w_id = ",
                         w),
            "warehouse"));
    RETURN_IF_ERROR(
        Exec(r, absl::StrCat("UPDATE district SET d_ytd = d_ytd + ", amount,
                             " WHERE d_w_id = ", w, " AND d_id = ", d)));
    ASSIGN_OR_RETURN(
        db::Row di,
        One(r,
            absl::StrCat("SELECT d_name, d_street_1, d_street_2, d_city, "
                         "d_state, d_zip FROM district WHERE d_w_id = ",
                         w, " AND d_id = ", d),
            "district"));
    const int64_t cw = in.customer_warehouse, cd = in.customer_district;
    ASSIGN_OR_RETURN(const int64_t c, CustomerId(r, cw, cd, in.customer));
    const std::string where = absl::StrCat(
        " WHERE c_w_id = ", cw, " AND c_d_id = ", cd, " AND c_id = ", c);
    ASSIGN_OR_RETURN(
        db::Row cust,
        One(r,
            absl::StrCat("SELECT c_first, c_middle, c_last, c_street_1, "
                         "c_street_2, c_city, c_state, c_zip, c_phone, "
                         "c_since, c_credit, c_credit_lim, c_discount, "
                         "c_balance FROM customer",
                         where, " FOR UPDATE"),
            "customer"));
    std::string data;
    if (cust[10].value_or("") == "BC") {
      // 2.5.2.2: the payment's keys and amount in front of C_DATA.
      data = absl::StrCat(", c_data = SUBSTRING(CONCAT('", c, " ", cd, " ", cw,
                          " ", d, " ", w, " ", amount, " ', c_data), 1, 500)");
    }
    RETURN_IF_ERROR(Exec(
        r, absl::StrCat("UPDATE customer SET c_balance = c_balance - ", amount,
                        ", c_ytd_payment = c_ytd_payment + ", amount,
                        ", c_payment_cnt = c_payment_cnt + 1", data, where)));
    return Exec(
        r,
        absl::StrCat(
            "INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, "
            "h_d_id, h_w_id, h_date, h_amount, h_data) VALUES (",
            c, ",", cd, ",", cw, ",", d, ",", w, ", NOW(), ", amount, ",",
            Quote(absl::StrCat(wh[0].value_or(""), "    ", di[0].value_or(""))),
            ")"));
  }

  // 2.6.2.2.
  absl::Status OrderStatus(Rng& rng, OpResult& r) {
    const tpcc::OrderStatusInput in = tpcc::DrawOrderStatus(rng);
    const int64_t w = t_.warehouse, d = in.district;
    ASSIGN_OR_RETURN(const int64_t c, CustomerId(r, w, d, in.customer));
    ASSIGN_OR_RETURN(
        db::Row cust,
        One(r,
            absl::StrCat("SELECT c_balance, c_first, c_middle, c_last FROM "
                         "customer WHERE c_w_id = ",
                         w, " AND c_d_id = ", d, " AND c_id = ", c),
            "customer"));
    ASSIGN_OR_RETURN(
        auto order,
        Query(r, absl::StrCat("SELECT o_id, o_carrier_id, o_entry_d FROM "
                              "orders WHERE o_w_id = ",
                              w, " AND o_d_id = ", d, " AND o_c_id = ", c,
                              " ORDER BY o_id DESC LIMIT 1")));
    if (order.empty()) return absl::OkStatus();  // a customer without orders
    return Query(r, absl::StrCat("SELECT ol_i_id, ol_supply_w_id, "
                                 "ol_quantity, ol_amount, ol_delivery_d FROM "
                                 "order_line WHERE ol_w_id = ",
                                 w, " AND ol_d_id = ", d,
                                 " AND ol_o_id = ", Int(order[0][0])))
        .status();
  }

  // 2.7.4.2: every district of the warehouse in one transaction.
  absl::Status Delivery(Rng& rng, OpResult& r) {
    const int64_t w = t_.warehouse;
    const int64_t carrier = tpcc::DrawCarrier(rng);
    for (int64_t d = 1; d <= kDistrictsPerWarehouse; ++d) {
      ASSIGN_OR_RETURN(
          auto no,
          Query(r, absl::StrCat("SELECT no_o_id FROM new_order WHERE "
                                "no_w_id = ",
                                w, " AND no_d_id = ", d,
                                " ORDER BY no_o_id LIMIT 1 FOR UPDATE")));
      if (no.empty()) continue;  // nothing to deliver here
      const int64_t o = Int(no[0][0]);
      RETURN_IF_ERROR(
          Exec(r, absl::StrCat("DELETE FROM new_order WHERE no_w_id = ", w,
                               " AND no_d_id = ", d, " AND no_o_id = ", o)));
      ASSIGN_OR_RETURN(
          db::Row oc,
          One(r,
              absl::StrCat("SELECT o_c_id FROM orders WHERE o_w_id = ", w,
                           " AND o_d_id = ", d, " AND o_id = ", o),
              "order"));
      RETURN_IF_ERROR(
          Exec(r, absl::StrCat("UPDATE orders SET o_carrier_id = ", carrier,
                               " WHERE o_w_id = ", w, " AND o_d_id = ", d,
                               " AND o_id = ", o)));
      const std::string lines = absl::StrCat(
          " WHERE ol_w_id = ", w, " AND ol_d_id = ", d, " AND ol_o_id = ", o);
      RETURN_IF_ERROR(Exec(
          r,
          absl::StrCat("UPDATE order_line SET ol_delivery_d = NOW()", lines)));
      ASSIGN_OR_RETURN(
          db::Row sum,
          One(r,
              absl::StrCat("SELECT COALESCE(SUM(ol_amount), 0) FROM "
                           "order_line",
                           lines),
              "order lines"));
      int64_t cents = 0;
      if (!ParseCents(sum[0], &cents)) {
        return absl::DataLossError("tpcc: SUM(ol_amount) is not a number");
      }
      RETURN_IF_ERROR(Exec(
          r, absl::StrCat("UPDATE customer SET c_balance = c_balance + ",
                          Money(cents),
                          ", c_delivery_cnt = c_delivery_cnt + 1 WHERE "
                          "c_w_id = ",
                          w, " AND c_d_id = ", d, " AND c_id = ", Int(oc[0]))));
    }
    return absl::OkStatus();
  }

  // 2.8.2.2: on the terminal's own district.
  absl::Status StockLevel(Rng& rng, OpResult& r) {
    const int64_t w = t_.warehouse, d = t_.district;
    const int64_t threshold = tpcc::DrawStockThreshold(rng);
    ASSIGN_OR_RETURN(
        db::Row dist,
        One(r,
            absl::StrCat("SELECT d_next_o_id FROM district WHERE d_w_id = ", w,
                         " AND d_id = ", d),
            "district"));
    const int64_t next = Int(dist[0]);
    return Query(r, absl::StrCat(
                        "SELECT COUNT(DISTINCT s_i_id) FROM order_line, stock "
                        "WHERE ol_w_id = ",
                        w, " AND ol_d_id = ", d, " AND ol_o_id < ", next,
                        " AND ol_o_id >= ", next - 20, " AND s_w_id = ", w,
                        " AND s_i_id = ol_i_id AND s_quantity < ", threshold))
        .status();
  }

  const TpccConfig& cfg_;
  db::Connection& conn_;
  const tpcc::Mix mix_;
  const tpcc::Terminal t_;
};

// One consistency condition of 3.3.2: a query listing what violates it (one
// `what` column describing each violation), over `unit`s.
struct Condition {
  const char* name;
  const char* unit;  // "warehouses", "districts", "orders", ...
  const char* violations;
  bool full;  // scans every order, order line or customer
};

const Condition kConditions[] = {
    {"3.3.2.1 W_YTD = sum(D_YTD)", "warehouses",
     "SELECT CONCAT('warehouse ', w_id, ': W_YTD ', w_ytd, ', sum(D_YTD) ', "
     "SUM(d_ytd)) what FROM warehouse JOIN district ON d_w_id = w_id "
     "GROUP BY w_id, w_ytd HAVING w_ytd <> SUM(d_ytd)",
     false},
    {"3.3.2.2 D_NEXT_O_ID - 1 = max(O_ID) = max(NO_O_ID)", "districts",
     "SELECT CONCAT('district ', d_w_id, '/', d_id, ': D_NEXT_O_ID - 1 = ', "
     "d_next_o_id - 1, ', max(O_ID) = ', IFNULL(o.mx, 'none'), "
     "', max(NO_O_ID) = ', IFNULL(n.mx, 'none')) what FROM district "
     "LEFT JOIN (SELECT o_w_id, o_d_id, MAX(o_id) mx FROM orders "
     "GROUP BY o_w_id, o_d_id) o ON o.o_w_id = d_w_id AND o.o_d_id = d_id "
     "LEFT JOIN (SELECT no_w_id, no_d_id, MAX(no_o_id) mx FROM new_order "
     "GROUP BY no_w_id, no_d_id) n ON n.no_w_id = d_w_id AND n.no_d_id = d_id "
     "WHERE NOT (o.mx <=> d_next_o_id - 1) "
     "OR (n.mx IS NOT NULL AND n.mx <> d_next_o_id - 1)",
     false},
    {"3.3.2.3 max(NO_O_ID) - min(NO_O_ID) + 1 = rows in NEW-ORDER", "districts",
     "SELECT CONCAT('district ', no_w_id, '/', no_d_id, ': max - min + 1 = ', "
     "MAX(no_o_id) - MIN(no_o_id) + 1, ', rows ', COUNT(*)) what "
     "FROM new_order GROUP BY no_w_id, no_d_id "
     "HAVING MAX(no_o_id) - MIN(no_o_id) + 1 <> COUNT(*)",
     false},
    {"3.3.2.4 sum(O_OL_CNT) = rows in ORDER-LINE", "districts",
     "SELECT CONCAT('district ', d_w_id, '/', d_id, ': sum(O_OL_CNT) ', "
     "IFNULL(o.s, 0), ', order lines ', IFNULL(l.c, 0)) what FROM district "
     "LEFT JOIN (SELECT o_w_id, o_d_id, SUM(o_ol_cnt) s FROM orders "
     "GROUP BY o_w_id, o_d_id) o ON o.o_w_id = d_w_id AND o.o_d_id = d_id "
     "LEFT JOIN (SELECT ol_w_id, ol_d_id, COUNT(*) c FROM order_line "
     "GROUP BY ol_w_id, ol_d_id) l ON l.ol_w_id = d_w_id AND l.ol_d_id = d_id "
     "WHERE IFNULL(o.s, 0) <> IFNULL(l.c, 0)",
     false},
    {"3.3.2.5 O_CARRIER_ID is null iff a NEW-ORDER row exists", "orders",
     "SELECT CONCAT('order ', o_w_id, '/', o_d_id, '/', o_id, ': carrier ', "
     "IFNULL(o_carrier_id, 'null'), ', new-order row ', "
     "IF(no_o_id IS NULL, 'no', 'yes')) what FROM orders LEFT JOIN new_order "
     "ON no_w_id = o_w_id AND no_d_id = o_d_id AND no_o_id = o_id "
     "WHERE (o_carrier_id IS NULL) <> (no_o_id IS NOT NULL)",
     true},
    {"3.3.2.6 O_OL_CNT = rows in ORDER-LINE of the order", "orders",
     "SELECT CONCAT('order ', o_w_id, '/', o_d_id, '/', o_id, ': O_OL_CNT ', "
     "o_ol_cnt, ', order lines ', IFNULL(l.c, 0)) what FROM orders "
     "LEFT JOIN (SELECT ol_w_id, ol_d_id, ol_o_id, COUNT(*) c FROM order_line "
     "GROUP BY ol_w_id, ol_d_id, ol_o_id) l ON l.ol_w_id = o_w_id AND "
     "l.ol_d_id = o_d_id AND l.ol_o_id = o_id WHERE IFNULL(l.c, 0) <> o_ol_cnt",
     true},
    {"3.3.2.7 OL_DELIVERY_D is null iff O_CARRIER_ID is null", "order lines",
     "SELECT CONCAT('order line ', ol_w_id, '/', ol_d_id, '/', ol_o_id, '/', "
     "ol_number, ': delivery ', IFNULL(ol_delivery_d, 'null'), ', carrier ', "
     "IFNULL(o_carrier_id, 'null')) what FROM order_line JOIN orders "
     "ON o_w_id = ol_w_id AND o_d_id = ol_d_id AND o_id = ol_o_id "
     "WHERE (ol_delivery_d IS NULL) <> (o_carrier_id IS NULL)",
     true},
    {"3.3.2.8 W_YTD = sum(H_AMOUNT)", "warehouses",
     "SELECT CONCAT('warehouse ', w_id, ': W_YTD ', w_ytd, ', sum(H_AMOUNT) ', "
     "IFNULL(h.s, 0)) what FROM warehouse LEFT JOIN (SELECT h_w_id, "
     "SUM(h_amount) s FROM history GROUP BY h_w_id) h ON h.h_w_id = w_id "
     "WHERE w_ytd <> IFNULL(h.s, 0)",
     false},
    {"3.3.2.9 D_YTD = sum(H_AMOUNT)", "districts",
     "SELECT CONCAT('district ', d_w_id, '/', d_id, ': D_YTD ', d_ytd, "
     "', sum(H_AMOUNT) ', IFNULL(h.s, 0)) what FROM district LEFT JOIN "
     "(SELECT h_w_id, h_d_id, SUM(h_amount) s FROM history "
     "GROUP BY h_w_id, h_d_id) h ON h.h_w_id = d_w_id AND h.h_d_id = d_id "
     "WHERE d_ytd <> IFNULL(h.s, 0)",
     false},
    {"3.3.2.10 C_BALANCE = sum(delivered OL_AMOUNT) - sum(H_AMOUNT)",
     "customers",
     "SELECT CONCAT('customer ', c_w_id, '/', c_d_id, '/', c_id, "
     "': C_BALANCE ', c_balance, ', delivered ', IFNULL(ol.s, 0), "
     "', paid ', IFNULL(h.s, 0)) what FROM customer "
     "LEFT JOIN (SELECT o_w_id, o_d_id, o_c_id, SUM(ol_amount) s FROM orders "
     "JOIN order_line ON ol_w_id = o_w_id AND ol_d_id = o_d_id AND "
     "ol_o_id = o_id WHERE ol_delivery_d IS NOT NULL "
     "GROUP BY o_w_id, o_d_id, o_c_id) ol ON ol.o_w_id = c_w_id AND "
     "ol.o_d_id = c_d_id AND ol.o_c_id = c_id "
     "LEFT JOIN (SELECT h_c_w_id, h_c_d_id, h_c_id, SUM(h_amount) s "
     "FROM history GROUP BY h_c_w_id, h_c_d_id, h_c_id) h "
     "ON h.h_c_w_id = c_w_id AND h.h_c_d_id = c_d_id AND h.h_c_id = c_id "
     "WHERE c_balance <> IFNULL(ol.s, 0) - IFNULL(h.s, 0)",
     true},
    // As written, 3.3.2.11 says count(ORDER) - count(NEW-ORDER) = 2100,
    // which only the initial population meets: each Delivery removes a
    // NEW-ORDER row. Each also adds one to the customer's C_DELIVERY_CNT
    // (0 at load), so this form holds before and after a run.
    {"3.3.2.11 count(ORDER) - count(NEW-ORDER) = 2100 + sum(C_DELIVERY_CNT)",
     "districts",
     "SELECT CONCAT('district ', d_w_id, '/', d_id, ': orders ', "
     "IFNULL(o.c, 0), ', new orders ', IFNULL(n.c, 0), ', deliveries ', "
     "IFNULL(c.s, 0)) what FROM district "
     "LEFT JOIN (SELECT o_w_id, o_d_id, COUNT(*) c FROM orders "
     "GROUP BY o_w_id, o_d_id) o ON o.o_w_id = d_w_id AND o.o_d_id = d_id "
     "LEFT JOIN (SELECT no_w_id, no_d_id, COUNT(*) c FROM new_order "
     "GROUP BY no_w_id, no_d_id) n ON n.no_w_id = d_w_id AND n.no_d_id = d_id "
     "LEFT JOIN (SELECT c_w_id, c_d_id, SUM(c_delivery_cnt) s FROM customer "
     "GROUP BY c_w_id, c_d_id) c ON c.c_w_id = d_w_id AND c.c_d_id = d_id "
     "WHERE IFNULL(o.c, 0) - IFNULL(n.c, 0) <> 2100 + IFNULL(c.s, 0)",
     false},
    {"3.3.2.12 C_BALANCE + C_YTD_PAYMENT = sum(delivered OL_AMOUNT)",
     "customers",
     "SELECT CONCAT('customer ', c_w_id, '/', c_d_id, '/', c_id, "
     "': C_BALANCE + C_YTD_PAYMENT ', c_balance + c_ytd_payment, "
     "', delivered ', IFNULL(ol.s, 0)) what FROM customer "
     "LEFT JOIN (SELECT o_w_id, o_d_id, o_c_id, SUM(ol_amount) s FROM orders "
     "JOIN order_line ON ol_w_id = o_w_id AND ol_d_id = o_d_id AND "
     "ol_o_id = o_id WHERE ol_delivery_d IS NOT NULL "
     "GROUP BY o_w_id, o_d_id, o_c_id) ol ON ol.o_w_id = c_w_id AND "
     "ol.o_d_id = c_d_id AND ol.o_c_id = c_id "
     "WHERE c_balance + c_ytd_payment <> IFNULL(ol.s, 0)",
     true},
};

class Tpcc : public Workload {
 public:
  explicit Tpcc(TpccConfig cfg) : cfg_(std::move(cfg)) {}

  void SetAgent(int index, int count) override {
    agent_ = index;
    agents_ = std::max(1, count);
  }

  std::vector<std::string> OperationTypes() const override {
    return {std::begin(tpcc::kTxnNames), std::end(tpcc::kTxnNames)};
  }

  absl::Status CreateSchema(db::Connection& conn, bool drop_first) override {
    if (drop_first) RETURN_IF_ERROR(Cleanup(conn));
    for (const char* ddl : kSchema) {
      if (auto r = conn.Execute(ddl); !r.ok()) return r.status();
    }
    return absl::OkStatus();
  }

  // This agent's share of ITEM, then each of its warehouses not yet
  // complete. Progress counts rows of every table but ORDER-LINE (loaded
  // with their orders).
  absl::Status Load(db::Connection& conn, const LoadTask& task) override {
    RETURN_IF_ERROR(CheckShare());
    const auto [item_begin, item_end] = Share(kItems, agent_, agents_);
    const auto [w_begin, w_end] = Share(cfg_.warehouses, agent_, agents_);
    const int64_t per_warehouse =
        kItems + kDistrictsPerWarehouse * (1 + 3 * kCustomersPerDistrict) +
        kDistrictsPerWarehouse *
            (kOrdersPerDistrict - tpcc::kFirstNewOrder + 1) +
        1;
    Progress p{task,
               (item_end - item_begin) + (w_end - w_begin) * per_warehouse};
    Rng rng(std::random_device{}());
    RETURN_IF_ERROR(LoadItems(conn, task, rng, item_begin, item_end, p));
    for (int64_t w = w_begin; w < w_end; ++w) {
      ASSIGN_OR_RETURN(
          auto done,
          conn.Query(absl::StrCat("SELECT 1 FROM warehouse WHERE w_id = ", w)));
      if (!done.empty()) {
        RETURN_IF_ERROR(p.Add(per_warehouse));
        continue;
      }
      RETURN_IF_ERROR(LoadWarehouse(conn, task, rng, w, p));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<Transaction>> Bind(db::Connection& conn,
                                                    int worker) const override {
    RETURN_IF_ERROR(CheckShare());
    const auto [w_begin, w_end] = Share(cfg_.warehouses, agent_, agents_);
    const int64_t mine = w_end - w_begin;
    tpcc::Terminal t;
    t.warehouse = w_begin + worker % mine;
    t.district = 1 + (worker / mine) % kDistrictsPerWarehouse;
    t.warehouses = cfg_.warehouses;
    return std::unique_ptr<Transaction>(new TpccTransaction(cfg_, conn, t));
  }

  absl::StatusOr<rig::v1::VerificationResult> Verify(
      db::Connection& conn) override {
    ASSIGN_OR_RETURN(auto counts,
                     conn.Query("SELECT (SELECT COUNT(*) FROM warehouse), "
                                "(SELECT COUNT(*) FROM district), "
                                "(SELECT COUNT(*) FROM customer), "
                                "(SELECT COUNT(*) FROM orders), "
                                "(SELECT COUNT(*) FROM order_line)"));
    if (counts.size() != 1 || counts[0].size() != 5) {
      return absl::DataLossError("tpcc verify: counting the tables failed");
    }
    const std::map<std::string, int64_t> totals = {
        {"warehouses", Int(counts[0][0])},
        {"districts", Int(counts[0][1])},
        {"customers", Int(counts[0][2])},
        {"orders", Int(counts[0][3])},
        {"order lines", Int(counts[0][4])}};
    rig::v1::VerificationResult result;
    AddCheck(
        result, "warehouses loaded", totals.at("warehouses") == cfg_.warehouses,
        absl::StrCat(cfg_.warehouses), absl::StrCat(totals.at("warehouses")));
    for (const Condition& c : kConditions) {
      if (c.full && !cfg_.full_checks) continue;
      ASSIGN_OR_RETURN(auto rows,
                       conn.Query(absl::StrCat("SELECT COUNT(*), MIN(what) "
                                               "FROM (",
                                               c.violations, ") v")));
      if (rows.size() != 1 || rows[0].size() != 2) {
        return absl::DataLossError(
            absl::StrCat("tpcc verify: ", c.name, ": no count came back"));
      }
      const int64_t bad = Int(rows[0][0]);
      const int64_t total = totals.at(c.unit);
      const std::string expected =
          absl::StrCat("holds for all ", total, " ", c.unit);
      AddCheck(result, c.name, bad == 0, expected,
               bad == 0
                   ? expected
                   : absl::StrCat("fails for ", bad, " of ", total, " ", c.unit,
                                  ", e.g. ", rows[0][1].value_or("?")));
    }
    return result;
  }

  absl::Status Cleanup(db::Connection& conn) override {
    for (const char* table : kTables) {
      auto r = conn.Execute(absl::StrCat("DROP TABLE IF EXISTS ", table));
      if (!r.ok()) return r.status();
    }
    return absl::OkStatus();
  }

 private:
  // Rows loaded so far, reported through the task's progress.
  struct Progress {
    const LoadTask& task;
    int64_t total;
    int64_t done = 0;
    absl::Status Add(int64_t rows) {
      done += rows;
      if (task.progress && !task.progress(std::min(done, total), total)) {
        return absl::CancelledError("prepare cancelled");
      }
      return absl::OkStatus();
    }
  };

  absl::Status CheckShare() const {
    if (cfg_.warehouses < agents_) {
      return absl::InvalidArgumentError(
          absl::StrCat("workload tpcc: option \"warehouses\" is ",
                       cfg_.warehouses, " but there are ", agents_,
                       " agents: each agent needs a warehouse of its own"));
    }
    return absl::OkStatus();
  }

  absl::Status LoadItems(db::Connection& conn, const LoadTask& task, Rng& rng,
                         int64_t begin, int64_t end, Progress& p) {
    const int batch = std::max(1, task.batch_size);
    BatchInsert items(conn,
                      "INSERT IGNORE INTO item (i_id, i_im_id, i_name, "
                      "i_price, i_data) VALUES ",
                      batch);
    for (int64_t i = begin; i < end; ++i) {
      RETURN_IF_ERROR(items.Add(absl::StrCat(
          i, ",", Uniform(rng, 1, 10000), ",'", tpcc::AString(rng, 14, 24),
          "',", Money(Uniform(rng, 100, 10000)), ",'", DataWithOriginal(rng),
          "'")));
      if ((i - begin + 1) % batch == 0) RETURN_IF_ERROR(p.Add(batch));
    }
    RETURN_IF_ERROR(items.Flush());
    return p.Add((end - begin) % batch);
  }

  absl::Status LoadWarehouse(db::Connection& conn, const LoadTask& task,
                             Rng& rng, int64_t w, Progress& p) {
    // Whatever an interrupted load left of this warehouse.
    for (const auto& [table, column] :
         std::vector<std::pair<const char*, const char*>>{
             {"stock", "s_w_id"},
             {"district", "d_w_id"},
             {"customer", "c_w_id"},
             {"history", "h_w_id"},
             {"orders", "o_w_id"},
             {"new_order", "no_w_id"},
             {"order_line", "ol_w_id"}}) {
      auto r = conn.Execute(
          absl::StrCat("DELETE FROM ", table, " WHERE ", column, " = ", w));
      if (!r.ok()) return r.status();
    }
    const int batch = std::max(1, task.batch_size);
    {
      BatchInsert stock(conn,
                        "INSERT INTO stock (s_i_id, s_w_id, s_quantity, "
                        "s_dist_01, s_dist_02, s_dist_03, s_dist_04, "
                        "s_dist_05, s_dist_06, s_dist_07, s_dist_08, "
                        "s_dist_09, s_dist_10, s_ytd, s_order_cnt, "
                        "s_remote_cnt, s_data) VALUES ",
                        batch);
      for (int64_t i = 1; i <= kItems; ++i) {
        std::string row = absl::StrCat(i, ",", w, ",", Uniform(rng, 10, 100));
        for (int d = 0; d < 10; ++d) {
          absl::StrAppend(&row, ",'", tpcc::AString(rng, 24, 24), "'");
        }
        absl::StrAppend(&row, ",0,0,0,'", DataWithOriginal(rng), "'");
        RETURN_IF_ERROR(stock.Add(row));
        if (i % batch == 0) RETURN_IF_ERROR(p.Add(batch));
      }
      RETURN_IF_ERROR(stock.Flush());
      RETURN_IF_ERROR(p.Add(kItems % batch));
    }
    for (int64_t d = 1; d <= kDistrictsPerWarehouse; ++d) {
      RETURN_IF_ERROR(LoadDistrict(conn, batch, rng, w, d));
      RETURN_IF_ERROR(p.Add(1 + 3 * kCustomersPerDistrict +
                            (kOrdersPerDistrict - tpcc::kFirstNewOrder + 1)));
    }
    // Last: its row says the warehouse is complete.
    auto r = conn.Execute(absl::StrCat(
        "INSERT INTO warehouse (w_id, w_name, w_street_1, w_street_2, w_city, "
        "w_state, w_zip, w_tax, w_ytd) VALUES (",
        w, ",'", tpcc::AString(rng, 6, 10), "',", Address(rng), ",", "0.",
        absl::StrFormat("%04d", Uniform(rng, 0, 2000)), ", 300000.00)"));
    if (!r.ok()) return r.status();
    return p.Add(1);
  }

  absl::Status LoadDistrict(db::Connection& conn, int batch, Rng& rng,
                            int64_t w, int64_t d) {
    auto r = conn.Execute(absl::StrCat(
        "INSERT INTO district (d_id, d_w_id, d_name, d_street_1, d_street_2, "
        "d_city, d_state, d_zip, d_tax, d_ytd, d_next_o_id) VALUES (",
        d, ",", w, ",'", tpcc::AString(rng, 6, 10), "',", Address(rng), ",0.",
        absl::StrFormat("%04d", Uniform(rng, 0, 2000)), ", 30000.00, ",
        kOrdersPerDistrict + 1, ")"));
    if (!r.ok()) return r.status();
    BatchInsert customers(
        conn,
        "INSERT INTO customer (c_id, c_d_id, c_w_id, c_first, c_middle, "
        "c_last, c_street_1, c_street_2, c_city, c_state, c_zip, c_phone, "
        "c_since, c_credit, c_credit_lim, c_discount, c_balance, "
        "c_ytd_payment, c_payment_cnt, c_delivery_cnt, c_data) VALUES ",
        batch);
    BatchInsert history(conn,
                        "INSERT INTO history (h_c_id, h_c_d_id, h_c_w_id, "
                        "h_d_id, h_w_id, h_date, h_amount, h_data) VALUES ",
                        batch);
    for (int64_t c = 1; c <= kCustomersPerDistrict; ++c) {
      const int last = c <= 1000 ? static_cast<int>(c - 1)
                                 : static_cast<int>(tpcc::NURand(
                                       rng, 255, 0, 999, tpcc::kCLastLoad));
      RETURN_IF_ERROR(customers.Add(absl::StrCat(
          c, ",", d, ",", w, ",'", tpcc::AString(rng, 8, 16), "','OE','",
          tpcc::LastName(last), "',", Address(rng), ",'",
          tpcc::NString(rng, 16, 16), "', NOW(), '",
          Uniform(rng, 1, 10) == 1 ? "BC" : "GC", "', 50000.00, 0.",
          absl::StrFormat("%04d", Uniform(rng, 0, 5000)),
          ", -10.00, 10.00, 1, 0, '", tpcc::AString(rng, 300, 500), "'")));
      RETURN_IF_ERROR(history.Add(
          absl::StrCat(c, ",", d, ",", w, ",", d, ",", w, ", NOW(), 10.00, '",
                       tpcc::AString(rng, 12, 24), "'")));
    }
    RETURN_IF_ERROR(customers.Flush());
    RETURN_IF_ERROR(history.Flush());
    // Orders: customers in a random permutation (4.3.3.1).
    std::vector<int64_t> customer_of(kOrdersPerDistrict);
    for (int64_t i = 0; i < kOrdersPerDistrict; ++i) customer_of[i] = i + 1;
    std::shuffle(customer_of.begin(), customer_of.end(), rng);
    BatchInsert orders(conn,
                       "INSERT INTO orders (o_id, o_d_id, o_w_id, o_c_id, "
                       "o_entry_d, o_carrier_id, o_ol_cnt, o_all_local) "
                       "VALUES ",
                       batch);
    BatchInsert lines(conn,
                      "INSERT INTO order_line (ol_o_id, ol_d_id, ol_w_id, "
                      "ol_number, ol_i_id, ol_supply_w_id, ol_delivery_d, "
                      "ol_quantity, ol_amount, ol_dist_info) VALUES ",
                      batch);
    BatchInsert new_orders(
        conn, "INSERT INTO new_order (no_o_id, no_d_id, no_w_id) VALUES ",
        batch);
    for (int64_t o = 1; o <= kOrdersPerDistrict; ++o) {
      const bool delivered = o < tpcc::kFirstNewOrder;
      const int64_t count = Uniform(rng, 5, 15);
      RETURN_IF_ERROR(orders.Add(
          absl::StrCat(o, ",", d, ",", w, ",", customer_of[o - 1], ", NOW(), ",
                       delivered ? absl::StrCat(Uniform(rng, 1, 10)) : "NULL",
                       ",", count, ", 1")));
      for (int64_t n = 1; n <= count; ++n) {
        RETURN_IF_ERROR(lines.Add(absl::StrCat(
            o, ",", d, ",", w, ",", n, ",", Uniform(rng, 1, kItems), ",", w,
            ",", delivered ? "NOW()" : "NULL", ", 5, ",
            delivered ? "0.00" : Money(Uniform(rng, 1, 999999)), ",'",
            tpcc::AString(rng, 24, 24), "'")));
      }
      if (!delivered) {
        RETURN_IF_ERROR(new_orders.Add(absl::StrCat(o, ",", d, ",", w)));
      }
    }
    RETURN_IF_ERROR(orders.Flush());
    RETURN_IF_ERROR(lines.Flush());
    return new_orders.Flush();
  }

  const TpccConfig cfg_;
  int agent_ = 0;
  int agents_ = 1;
};

}  // namespace

void RegisterTpccWorkload(WorkloadRegistry& registry) {
  registry.Register(WorkloadDef{
      "tpcc",
      "tpcc: TPC-C 5.11 (as go-tpc runs it): nine tables scaled by "
      "warehouses; New-Order, Payment, Order-Status, Delivery, Stock-Level "
      "in the 45/43/4/4/4 mix without keying or think times; Verifying "
      "checks the consistency conditions 3.3.2.1-12",
      {
          Option("warehouses", "int", "1",
                 "Warehouses (the scale: about 500,000 rows and 70 MB each); "
                 "split across agents, at least one each; workload.tables "
                 "and table_size are not used"),
          Option("new_order", "int", "45", "Weight of New-Order in the mix"),
          Option("payment", "int", "43", "Weight of Payment in the mix"),
          Option("order_status", "int", "4",
                 "Weight of Order-Status in the mix"),
          Option("delivery", "int", "4", "Weight of Delivery in the mix"),
          Option("stock_level", "int", "4", "Weight of Stock-Level in the mix"),
          Option("full_checks", "bool", "true",
                 "Also check the conditions that read every order, order line "
                 "and customer (3.3.2.5-7, 10, 12); false checks 1-4, 8, 9, "
                 "11 only"),
      },
      [](const rig::v1::Workload& config,
         const Options& o) -> absl::StatusOr<std::unique_ptr<Workload>> {
        (void)config;
        TpccConfig cfg;
        cfg.warehouses = o.Int("warehouses");
        if (cfg.warehouses < 1 || cfg.warehouses > 1000000) {
          return absl::InvalidArgumentError(absl::StrCat(
              "workload tpcc: option \"warehouses\" must be in [1, 1000000], "
              "not ",
              cfg.warehouses));
        }
        int64_t sum = 0;
        for (int i = 0; i < tpcc::kTxnTypes; ++i) {
          const char* name = tpcc::kTxnNames[i];
          cfg.mix[i] = o.Int(name);
          if (cfg.mix[i] < 0 || cfg.mix[i] > 1000000) {
            return absl::InvalidArgumentError(
                absl::StrCat("workload tpcc: option \"", name,
                             "\" must be in [0, 1000000], not ", cfg.mix[i]));
          }
          sum += cfg.mix[i];
        }
        if (sum == 0) {
          return absl::InvalidArgumentError(
              "workload tpcc: options \"new_order\", \"payment\", "
              "\"order_status\", \"delivery\" and \"stock_level\" are all 0: "
              "nothing to run");
        }
        cfg.full_checks = o.Bool("full_checks");
        return std::unique_ptr<Workload>(new Tpcc(std::move(cfg)));
      }});
}

}  // namespace rig::agent
