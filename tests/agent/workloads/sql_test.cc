// Workload sql's operation types: a plain list of statements is one
// operation of them all (one type, the total only); named entries are a
// mix, each name an operation type drawn by its weight, each operation
// running its own statements. On the fake database, which counts the
// statements it executes.

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/match.h"
#include "tests/agent/workloads/workload_fixture.h"

namespace rig::agent {
namespace {

using testing::BoundWorkload;
using testing::MakeWorkload;

constexpr char kParams[] = "params: {k: {type: uniform, min: 1, max: 10}}, ";

TEST(SqlTypesTest, APlainListIsOneOperationOfEveryStatement) {
  BoundWorkload w;
  ASSERT_TRUE(w.Bind(absl::StrCat("{kind: sql, options: {", kParams,
                                  "statements: [\"SELECT {k}\", \"SELECT "
                                  "{k}\"]}}"))
                  .ok());
  EXPECT_TRUE(w.workload->OperationTypes().empty());
  Rng rng(1);
  OpResult r;
  ASSERT_TRUE(w.txn->Run(rng, r).ok());
  EXPECT_EQ(r.type, 0);
  EXPECT_EQ(r.queries, 2);
  EXPECT_EQ(w.driver.executes.load(), 2);
}

// Named entries: each name a type in order; each operation runs the
// statements of one entry (a list in order, in a transaction when asked);
// over many operations the types follow the weights, 0 never runs.
TEST(SqlTypesTest, NamedStatementsAreOperationTypesDrawnByWeight) {
  BoundWorkload w;
  ASSERT_TRUE(
      w.Bind(absl::StrCat(
                 "{kind: sql, options: {", kParams, "transaction: true, ",
                 "statements: [{name: get, sql: \"SELECT {k}\", weight: 6}, ",
                 "{name: put, sql: [\"UPDATE t SET v = 1 WHERE id = {k}\", "
                 "\"INSERT INTO t VALUES ({k})\"], weight: 3}, ",
                 "{name: scan, sql: \"SELECT * FROM t\"}, ",
                 "{name: never, sql: \"DELETE FROM t\", weight: 0}]}}"))
          .ok());
  EXPECT_EQ(w.workload->OperationTypes(),
            (std::vector<std::string>{"get", "put", "scan", "never"}));
  Rng rng(2);
  std::map<int, int64_t> ops, queries;
  constexpr int kOps = 20000;
  for (int i = 0; i < kOps; ++i) {
    OpResult r;
    ASSERT_TRUE(w.txn->Run(rng, r).ok());
    ops[r.type]++;
    queries[r.type] += r.queries;
  }
  // Weights 6:3:1:0 of 10.
  EXPECT_NEAR(ops[0] / double(kOps), 0.6, 0.02);
  EXPECT_NEAR(ops[1] / double(kOps), 0.3, 0.02);
  EXPECT_NEAR(ops[2] / double(kOps), 0.1, 0.02);
  EXPECT_EQ(ops[3], 0);
  EXPECT_EQ(ops[0] + ops[1] + ops[2], kOps);
  // BEGIN, the entry's statements, COMMIT.
  EXPECT_EQ(queries[0], 3 * ops[0]);
  EXPECT_EQ(queries[1], 4 * ops[1]);
  EXPECT_EQ(queries[2], 3 * ops[2]);
  EXPECT_EQ(w.driver.executes.load(), ops[0] + 2 * ops[1] + ops[2]);
}

TEST(SqlTypesTest, BadNamedStatementsAreNamed) {
  auto error = [](const std::string& statements) {
    auto w = MakeWorkload(absl::StrCat("{kind: sql, options: {", kParams,
                                       "statements: ", statements, "}}"));
    return w.ok() ? std::string("ok") : std::string(w.status().message());
  };
  EXPECT_TRUE(
      absl::StrContains(error("[\"SELECT 1\", {name: a, sql: \"SELECT 2\"}]"),
                        "either every item of \"statements\" is named"));
  EXPECT_TRUE(absl::StrContains(
      error("[{name: a, sql: \"SELECT 1\"}, {name: a, sql: \"SELECT 2\"}]"),
      "two statements are named \"a\""));
  EXPECT_TRUE(
      absl::StrContains(error("[{name: a.b, sql: \"SELECT 1\"}]"),
                        "statement name \"a.b\" must be a letter or _"));
  EXPECT_TRUE(absl::StrContains(error("[{name: a}]"), "needs sql"));
  EXPECT_TRUE(
      absl::StrContains(error("[{name: a, sql: \"SELECT 1\", weight: 0}]"),
                        "at least one named statement needs a weight above 0"));
  EXPECT_TRUE(
      absl::StrContains(error("[{name: a, sql: \"SELECT 1\", wieght: 2}]"),
                        "unknown key \"wieght\" (keys: name, sql, weight)"));
  EXPECT_TRUE(absl::StrContains(error("[{name: a, sql: \"SELECT {nope}\"}]"),
                                "uses {nope}, which is not in \"params\""));
  EXPECT_TRUE(absl::StrContains(error("[{name: a, sql: \"SELECT 1\", "
                                      "weight: -1}]"),
                                "weight must be a number >= 0"));
}

}  // namespace
}  // namespace rig::agent
