// The tpcc workload through the real coordinator and two real agents
// against a private MariaDB: 2 warehouses (one per agent) loaded once for
// the suite (a repeated prepare skips complete warehouses), a run whose
// consistency checks (TPC-C 3.3.2) all pass and whose mix, read back from
// the server's tables, is the standard one; then broken rows that the
// matching checks catch (exit code 3). One process, one ctest entry: the
// tests share the loaded tables, in the order written.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "rig/v1/report.pb.h"
#include "tests/integration/real_rig.h"
#include "tests/support/com_counters.h"

namespace rig {
namespace {

class TpccTest : public RealRigTest {
 protected:
  struct Outcome {
    int exit_code = -1;
    rig::v1::Report report;
    std::string output;
  };

  // Two agents run tpcc on 2 warehouses with 4 connections for `duration`.
  Outcome RunTpcc(const std::string& tag, const std::string& duration) {
    Outcome out;
    const Agents fleet = StartAgents(tag, 2);
    if (fleet.agents.empty()) return out;
    const std::string report_path = absl::StrCat(*dir_, "/", tag, ".json");
    const std::string plan = WritePlan(
        tag + ".yaml",
        absl::StrCat(TargetYaml(),
                     "workload: {kind: tpcc, options: {warehouses: 2}}\n"
                     "load: {connections: 4, duration: ",
                     duration,
                     "}\n"
                     "report: {json: ",
                     report_path, "}\n"));
    auto run =
        Coordinator({plan, "--agents", fleet.addresses}, server_->password());
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return out;
    out.exit_code = run->exit_code;
    out.output = run->stdout_text + run->stderr_text;
    out.report = ReadReport(report_path);
    return out;
  }

  static int64_t SqlInt(const std::string& statement) {
    auto out = server_->Sql(statement);
    EXPECT_TRUE(out.ok()) << out.status();
    int64_t v = -1;
    if (out.ok()) {
      EXPECT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(*out), &v))
          << *out;
    }
    return v;
  }

  // The checks of the report's verification that failed, by condition
  // ("3.3.2.2"), and how many there were in all.
  static std::set<std::string> FailedConditions(const rig::v1::Report& r,
                                                int* checks) {
    std::set<std::string> failed;
    *checks = 0;
    for (const auto& c : r.verification().checks()) {
      ++*checks;
      if (c.status() == rig::v1::CHECK_STATUS_PASSED) continue;
      const size_t at = c.name().find("3.3.2.");
      failed.insert(at == std::string::npos
                        ? c.name()
                        : c.name().substr(at, c.name().find(' ', at) - at));
    }
    return failed;
  }
};

// A fraction `seen` of `n` draws is `want`, within 5 standard deviations
// (random seeds: a run is never repeated exactly). That catches a wrong
// rollback rate or a transaction left out, not a shift of a point or two
// at 8,000 transactions: tpcc_input_test holds the draws to a point over
// 100,000 on fixed seeds.
void ExpectShare(const char* what, double seen, double want, int64_t n) {
  const double sigma = std::sqrt(want * (1 - want) / static_cast<double>(n));
  EXPECT_NEAR(seen, want, 5 * sigma + 0.002)
      << what << ": " << seen << " of " << n << " transactions";
  std::cout << what << ": " << 100 * seen << "% (target " << 100 * want << "%, "
            << n << " transactions)\n";
}

TEST_F(TpccTest, TwoAgentsRunTheMixAndEveryConsistencyConditionHolds) {
  auto before = testing::ComCounters(*server_);
  ASSERT_TRUE(before.ok()) << before.status();
  const Outcome run = RunTpcc("mix", "25s");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  int checks = 0;
  EXPECT_EQ(FailedConditions(run.report, &checks), std::set<std::string>{});
  EXPECT_EQ(checks, 13);  // warehouses loaded, 3.3.2.1 to 3.3.2.12
  for (const auto& c : run.report.verification().checks()) {
    std::cout << c.name() << ": " << c.seen() << "\n";
  }
  // Both agents loaded: one warehouse each, and ITEM once.
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM rig.warehouse"), 2);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM rig.item"), 100000);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM rig.stock"), 200000);
  EXPECT_EQ(SqlInt("SELECT COUNT(*) FROM rig.customer"), 60000);

  // The mix, from what the transactions left in the tables: committed
  // New-Orders moved D_NEXT_O_ID, Payments added HISTORY rows, each Delivery
  // delivered one order in each of the 10 districts; New-Order's rollbacks are
  // the server's ROLLBACKs less those after failed attempts.
  auto after = testing::ComCounters(*server_);
  ASSERT_TRUE(after.ok()) << after.status();
  const rig::v1::Counters& total = run.report.total().counters();
  const int64_t ops = total.ops() + total.errors();
  ASSERT_GT(ops, 1000) << run.output;
  const int64_t committed =
      SqlInt("SELECT SUM(d_next_o_id) - 20 * 3001 FROM rig.district");
  const int64_t payments = SqlInt("SELECT COUNT(*) - 60000 FROM rig.history");
  const int64_t delivered =
      SqlInt("SELECT SUM(c_delivery_cnt) FROM rig.customer");
  const int64_t rollbacks = after->at("rollback") - before->at("rollback") -
                            total.retries() - total.errors();
  EXPECT_EQ(delivered % 10, 0);
  const int64_t new_orders = committed + rollbacks;
  const double n = static_cast<double>(ops);
  ExpectShare("new_order", new_orders / n, 0.45, ops);
  ExpectShare("payment", payments / n, 0.43, ops);
  ExpectShare("delivery", delivered / 10 / n, 0.04, ops);
  ExpectShare("order_status + stock_level",
              (ops - new_orders - payments - delivered / 10) / n, 0.08, ops);
  ExpectShare("new_order rolled back",
              rollbacks / static_cast<double>(new_orders), 0.01, new_orders);

  // The report's results per operation type agree with the tables: the
  // measured run is all but what ran between the load's start and the
  // start of measuring (no warm-up here) or as it stopped, at most a
  // transaction or two per connection.
  std::map<std::string, rig::v1::Counters> by_type;
  for (const auto& o : run.report.operations()) {
    by_type[o.type()] = o.summary().counters();
  }
  ASSERT_EQ(by_type.size(), 5u) << run.output;
  EXPECT_NEAR(by_type["new_order"].ops(), new_orders, 16);
  EXPECT_NEAR(by_type["new_order"].rollbacks(), rollbacks, 16);
  EXPECT_NEAR(by_type["payment"].ops(), payments, 16);
  EXPECT_NEAR(by_type["delivery"].ops(), delivered / 10, 16);
  int64_t sum = 0;
  for (const auto& [type, c] : by_type) sum += c.ops();
  EXPECT_EQ(sum, total.ops());
  EXPECT_TRUE(absl::StrContains(run.output, "by operation:")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "tpmC ")) << run.output;
  EXPECT_TRUE(absl::StrContains(run.output, "of 2 warehouse(s)")) << run.output;
}

TEST_F(TpccTest, BrokenRowsFailTheirConditionsAndTheRunExitsThree) {
  // A district whose next order id went back one (its next New-Order
  // collides, so it stays broken) and an old, delivered order that claims
  // one line more than it has.
  ASSERT_TRUE(server_
                  ->Sql("UPDATE rig.district SET d_next_o_id = d_next_o_id - 1 "
                        "WHERE d_w_id = 2 AND d_id = 3; "
                        "UPDATE rig.orders SET o_ol_cnt = o_ol_cnt + 1 "
                        "WHERE o_w_id = 1 AND o_d_id = 1 AND o_id = 1")
                  .ok());
  const Outcome run = RunTpcc("broken", "2s");
  EXPECT_EQ(run.exit_code, 3) << run.output;
  int checks = 0;
  EXPECT_EQ(FailedConditions(run.report, &checks),
            (std::set<std::string>{"3.3.2.2", "3.3.2.4", "3.3.2.6"}));
  for (const auto& c : run.report.verification().checks()) {
    if (absl::StrContains(c.name(), "3.3.2.2 ")) {
      EXPECT_TRUE(absl::StrContains(c.seen(), "fails for 1 of 20 districts"))
          << c.seen();
      EXPECT_TRUE(absl::StrContains(c.seen(), "district 2/3")) << c.seen();
    }
    if (absl::StrContains(c.name(), "3.3.2.6 ")) {
      EXPECT_TRUE(absl::StrContains(c.seen(), "order 1/1/1: O_OL_CNT"))
          << c.seen();
    }
  }
  ASSERT_TRUE(server_
                  ->Sql("UPDATE rig.district SET d_next_o_id = d_next_o_id + 1 "
                        "WHERE d_w_id = 2 AND d_id = 3; "
                        "UPDATE rig.orders SET o_ol_cnt = o_ol_cnt - 1 "
                        "WHERE o_w_id = 1 AND o_d_id = 1 AND o_id = 1")
                  .ok());
}

TEST_F(TpccTest, FewerWarehousesThanAgentsIsRefusedNamingTheOption) {
  const Agents fleet = StartAgents("one", 2);
  ASSERT_FALSE(fleet.agents.empty());
  const std::string plan = WritePlan(
      "one.yaml", absl::StrCat(TargetYaml(),
                               "workload: {kind: tpcc, prepare: skip, "
                               "options: {warehouses: 1}}\n"
                               "load: {connections: 2, duration: 1s}\n"));
  auto run =
      Coordinator({plan, "--agents", fleet.addresses}, server_->password());
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->exit_code, 4);
  EXPECT_TRUE(
      absl::StrContains(run->stdout_text + run->stderr_text,
                        "option \"warehouses\" is 1 but there are 2 agents"))
      << run->stdout_text << run->stderr_text;
}

}  // namespace
}  // namespace rig
